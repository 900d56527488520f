/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The `process` section of config.json: what the container runs and with
 * which identity, capabilities and limits. */
#include <errno.h>
#include <inttypes.h>
#include <linux/sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "spec-walk.h"
#include "spec.h"
#include "util.h"

static const struct {
        const char *name;
        int resource;
} rlimit_table[] = {
        { "RLIMIT_AS", RLIMIT_AS },
        { "RLIMIT_CORE", RLIMIT_CORE },
        { "RLIMIT_CPU", RLIMIT_CPU },
        { "RLIMIT_DATA", RLIMIT_DATA },
        { "RLIMIT_FSIZE", RLIMIT_FSIZE },
        { "RLIMIT_LOCKS", RLIMIT_LOCKS },
        { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
        { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
        { "RLIMIT_NICE", RLIMIT_NICE },
        { "RLIMIT_NOFILE", RLIMIT_NOFILE },
        { "RLIMIT_NPROC", RLIMIT_NPROC },
        { "RLIMIT_RSS", RLIMIT_RSS },
        { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
        { "RLIMIT_RTTIME", RLIMIT_RTTIME },
        { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
        { "RLIMIT_STACK", RLIMIT_STACK },
};

int rlimit_from_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
                if (strcmp(rlimit_table[i].name, name) == 0)
                        return rlimit_table[i].resource;
        return -EINVAL;
}

static const char *rlimit_name(int resource)
{
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
                if (rlimit_table[i].resource == resource)
                        return rlimit_table[i].name;
        return "?";
}

/* Indexed by enum berth_cap_set. */
static const char *const cap_set_names[BERTH_CAP__COUNT] = {
        [BERTH_CAP_BOUNDING] = "bounding",       [BERTH_CAP_EFFECTIVE] = "effective",
        [BERTH_CAP_INHERITABLE] = "inheritable", [BERTH_CAP_PERMITTED] = "permitted",
        [BERTH_CAP_AMBIENT] = "ambient",
};

/* The spec spells capabilities "CAP_SYS_ADMIN". libcap alone would also
 * take "sys_admin", "21" or trailing blanks, which other runtimes do not,
 * so the form is checked first. */
bool cap_name_is_valid(const char *name)
{
        if (strncmp(name, "CAP_", 4) != 0 || name[4] == '\0')
                return false;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
                        return false;
        cap_value_t v;
        return cap_from_name(name, &v) == 0;
}

static int walk_capabilities(struct walk *w, json_t *caps, struct berth_process *p)
{
        int r = walk_expect_object(w, caps);
        if (r < 0)
                return r;
        p->has_capabilities = true;
        for (size_t s = 0; s < BERTH_CAP__COUNT; s++) {
                json_t *v = walk_child(caps, cap_set_names[s]);
                if (!v)
                        continue;
                size_t saved = walk_push_key(w, cap_set_names[s]);
                r = walk_strv(w, v, &p->caps[s]);
                for (size_t i = 0; r == 0 && p->caps[s][i]; i++) {
                        if (cap_name_is_valid(p->caps[s][i]))
                                continue;
                        size_t s2 = walk_push_index(w, i);
                        r = walk_fail(w, EINVAL, "unknown capability \"%s\"", p->caps[s][i]);
                        walk_pop(w, s2);
                }
                walk_pop(w, saved);
                if (r < 0)
                        return r;
                p->caps_set[s] = true;
        }
        return 0;
}

static int walk_rlimit(struct walk *w, json_t *v, void *elem)
{
        static const struct field fields[] = {
                { "soft", F_U64, offsetof(struct berth_rlimit, soft), true },
                { "hard", F_U64, offsetof(struct berth_rlimit, hard), true },
        };
        struct berth_rlimit *rl = elem;
        int r = walk_expect_object(w, v);
        if (r < 0)
                return r;
        json_t *type = walk_child(v, "type");
        if (!type)
                return walk_fail_key(w, "type", EINVAL, "required property is missing");
        if (!json_is_string(type))
                return walk_fail_key(w, "type", EINVAL, "expected a string");
        rl->resource = rlimit_from_name(json_string_value(type));
        if (rl->resource < 0)
                return walk_fail_key(w, "type", EINVAL, "unknown rlimit \"%s\"",
                                     json_string_value(type));
        r = walk_fields(w, v, fields, ARRAY_SIZE(fields), rl);
        if (r < 0)
                return r;
        /* setrlimit() would refuse it later with a bare EINVAL. */
        if (rl->soft > rl->hard)
                return walk_fail_key(w, "soft", EINVAL, "soft limit %llu is above hard limit %llu",
                                     (unsigned long long)rl->soft, (unsigned long long)rl->hard);
        return 0;
}

static int walk_rlimits(struct walk *w, json_t *obj, struct berth_process *p)
{
        int r = walk_array_of(w, obj, "rlimits", sizeof(struct berth_rlimit), walk_rlimit,
                              &p->rlimits, &p->n_rlimits);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_rlimits; i++)
                for (size_t j = 0; j < i; j++) {
                        if (p->rlimits[i].resource == p->rlimits[j].resource)
                                return walk_fail_elem(w, "rlimits", i, NULL, EINVAL,
                                                      "duplicate rlimit %s (also rlimits[%zu])",
                                                      rlimit_name(p->rlimits[i].resource), j);
                }
        return 0;
}

/* (uid_t)-1 means "leave unchanged" to setresuid() and friends: taken as
 * an id it would leave the process root. */
#define ID_UNCHANGED UINT32_MAX

static int walk_gid(struct walk *w, json_t *v, void *elem)
{
        uint64_t u;
        int r = walk_uint(w, v, UINT32_MAX, &u);
        if (r == 0 && u == ID_UNCHANGED)
                r = walk_fail(w, EINVAL,
                              "%" PRIu64 " is not a valid group id (the kernel reads it as "
                              "\"unchanged\")",
                              u);
        if (r == 0)
                *(uint32_t *)elem = (uint32_t)u;
        return r;
}

static int walk_user(struct walk *w, json_t *user, struct berth_process *p)
{
        static const struct field fields[] = {
                { "uid", F_U32, offsetof(struct berth_process, user.uid), true },
                { "gid", F_U32, offsetof(struct berth_process, user.gid), true },
                { "umask", F_OPT_U64, offsetof(struct berth_process, user.umask), false, 0777 },
        };
        int r = walk_fields(w, user, fields, ARRAY_SIZE(fields), p);
        if (r < 0)
                return r;
        if (p->user.uid == ID_UNCHANGED)
                return walk_fail_key(w, "uid", EINVAL,
                                     "%u is not a valid user id (the kernel reads it as "
                                     "\"unchanged\", which would leave the process root)",
                                     p->user.uid);
        if (p->user.gid == ID_UNCHANGED)
                return walk_fail_key(w, "gid", EINVAL,
                                     "%u is not a valid group id (the kernel reads it as "
                                     "\"unchanged\")",
                                     p->user.gid);
        return walk_array_of(w, user, "additionalGids", sizeof(uint32_t), walk_gid,
                             &p->user.additional_gids, &p->user.n_additional_gids);
}

struct named_value {
        const char *name;
        int64_t value;
};

/* The value of the string v names in table; an error listing the names
 * when it names none. */
static int walk_named(struct walk *w, json_t *v, const struct named_value *table, size_t n,
                      const char *what, int64_t *out)
{
        if (!json_is_string(v))
                return walk_fail(w, EINVAL, "expected a string");
        const char *s = json_string_value(v);
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].name, s) == 0) {
                        *out = table[i].value;
                        return 0;
                }
        char names[512] = "";
        size_t len = 0;
        for (size_t i = 0; i < n && len < sizeof(names); i++)
                len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
                                        i == 0 ? "" : ", ", table[i].name);
        return walk_fail(w, EINVAL, "unknown %s \"%s\" (expected one of %s)", what, s, names);
}

/* An optional integer child of obj within [min, max]. */
static int walk_int_in(struct walk *w, json_t *obj, const char *key, int64_t min, int64_t max,
                       bool *set, int64_t *out)
{
        json_t *v = walk_child(obj, key);
        if (!v)
                return 0;
        size_t saved = walk_push_key(w, key);
        int r = walk_int64(w, v, out);
        if (r == 0 && (*out < min || *out > max))
                r = walk_fail(w, ERANGE, "%" PRId64 " is out of range (%" PRId64 " to %" PRId64 ")",
                              *out, min, max);
        walk_pop(w, saved);
        if (r == 0 && set)
                *set = true;
        return r;
}

/* The kernel's IOPRIO_CLASS_* numbers. */
static const struct named_value ioprio_classes[] = {
        { "IOPRIO_CLASS_RT", 1 },
        { "IOPRIO_CLASS_BE", 2 },
        { "IOPRIO_CLASS_IDLE", 3 },
};

static int walk_io_priority(struct walk *w, json_t *obj, struct berth_process *p)
{
        int r = walk_expect_object(w, obj);
        if (r < 0)
                return r;
        json_t *v = walk_child(obj, "class");
        if (!v)
                return walk_fail_key(w, "class", EINVAL, "required property is missing");
        int64_t cls = 0, prio = 0;
        size_t saved = walk_push_key(w, "class");
        r = walk_named(w, v, ioprio_classes, ARRAY_SIZE(ioprio_classes), "I/O priority class",
                       &cls);
        walk_pop(w, saved);
        /* The spec calls priority required; runc reads an absent one as 0. */
        if (r == 0)
                r = walk_int_in(w, obj, "priority", 0, 7, NULL, &prio);
        if (r < 0)
                return r;
        p->io_priority.set = true;
        p->io_priority.class = (int)cls;
        p->io_priority.priority = (int)prio;
        return 0;
}

#define SCHED_ISO 4 /* in the spec; reserved by Linux, never implemented */

static const struct named_value sched_policies[] = {
        { "SCHED_OTHER", SCHED_NORMAL },
        { "SCHED_FIFO", SCHED_FIFO },
        { "SCHED_RR", SCHED_RR },
        { "SCHED_BATCH", SCHED_BATCH },
        { "SCHED_ISO", SCHED_ISO },
        { "SCHED_IDLE", SCHED_IDLE },
        { "SCHED_DEADLINE", SCHED_DEADLINE },
};

static const struct named_value sched_flags[] = {
        { "SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK },
        { "SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM },
        { "SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN },
        { "SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY },
        { "SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS },
        { "SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN },
        { "SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX },
};

static const char *value_name(const struct named_value *table, size_t n, int64_t value)
{
        for (size_t i = 0; i < n; i++)
                if (table[i].value == value)
                        return table[i].name;
        return "?";
}

const char *sched_policy_name(int policy)
{
        return value_name(sched_policies, ARRAY_SIZE(sched_policies), policy);
}

const char *ioprio_class_name(int cls)
{
        return value_name(ioprio_classes, ARRAY_SIZE(ioprio_classes), cls);
}

static int walk_sched_flags(struct walk *w, json_t *obj, uint64_t *flags)
{
        json_t *arr = walk_child(obj, "flags");
        if (!arr)
                return 0;
        size_t saved = walk_push_key(w, "flags");
        int r = walk_expect_array(w, arr);
        for (size_t i = 0; r == 0 && i < json_array_size(arr); i++) {
                int64_t f = 0;
                size_t s2 = walk_push_index(w, i);
                r = walk_named(w, json_array_get(arr, i), sched_flags, ARRAY_SIZE(sched_flags),
                               "scheduler flag", &f);
                walk_pop(w, s2);
                *flags |= (uint64_t)f;
        }
        walk_pop(w, saved);
        return r;
}

/* Checks the kernel would make with a bare EINVAL, made here with the
 * key: the range of priority per policy, SCHED_DEADLINE's parameters. */
static int check_scheduler(struct walk *w, const struct berth_process *p, bool has_priority)
{
        int policy = p->scheduler.policy;
        bool rt = policy == SCHED_FIFO || policy == SCHED_RR;
        if (rt && !has_priority)
                return walk_fail_key(w, "priority", EINVAL,
                                     "required for SCHED_FIFO and SCHED_RR (1 to 99)");
        if (rt && p->scheduler.priority < 1)
                return walk_fail_key(w, "priority", ERANGE,
                                     "%d is out of range for SCHED_FIFO and SCHED_RR (1 to 99)",
                                     p->scheduler.priority);
        if (!rt && p->scheduler.priority != 0)
                return walk_fail_key(w, "priority", EINVAL,
                                     "only SCHED_FIFO and SCHED_RR take a priority (use nice)");
        if (policy != SCHED_DEADLINE)
                return 0;
        if (p->scheduler.runtime == 0)
                return walk_fail_key(w, "runtime", EINVAL,
                                     "SCHED_DEADLINE needs a runtime (nanoseconds, above 0)");
        if (p->scheduler.deadline == 0)
                return walk_fail_key(w, "deadline", EINVAL,
                                     "SCHED_DEADLINE needs a deadline (nanoseconds, above 0)");
        if (p->scheduler.runtime > p->scheduler.deadline)
                return walk_fail_key(w, "runtime", EINVAL,
                                     "%" PRIu64 " is above the deadline %" PRIu64,
                                     p->scheduler.runtime, p->scheduler.deadline);
        /* period 0 means "the deadline", as sched_setattr(2) reads it */
        if (p->scheduler.period != 0 && p->scheduler.deadline > p->scheduler.period)
                return walk_fail_key(w, "deadline", EINVAL,
                                     "%" PRIu64 " is above the period %" PRIu64,
                                     p->scheduler.deadline, p->scheduler.period);
        return 0;
}

static int walk_scheduler(struct walk *w, json_t *obj, struct berth_process *p)
{
        static const struct field fields[] = {
                { "runtime", F_U64, offsetof(struct berth_process, scheduler.runtime) },
                { "deadline", F_U64, offsetof(struct berth_process, scheduler.deadline) },
                { "period", F_U64, offsetof(struct berth_process, scheduler.period) },
        };
        int r = walk_expect_object(w, obj);
        if (r < 0)
                return r;
        json_t *v = walk_child(obj, "policy");
        if (!v)
                return walk_fail_key(w, "policy", EINVAL, "required property is missing");
        int64_t policy = 0, nice = 0, prio = 0;
        bool has_priority = false;
        size_t saved = walk_push_key(w, "policy");
        r = walk_named(w, v, sched_policies, ARRAY_SIZE(sched_policies), "scheduling policy",
                       &policy);
        walk_pop(w, saved);
        if (r == 0)
                r = walk_int_in(w, obj, "nice", -20, 19, NULL, &nice);
        if (r == 0)
                r = walk_int_in(w, obj, "priority", 0, 99, &has_priority, &prio);
        if (r == 0)
                r = walk_sched_flags(w, obj, &p->scheduler.flags);
        if (r == 0)
                r = walk_fields(w, obj, fields, ARRAY_SIZE(fields), p);
        if (r < 0)
                return r;
        p->scheduler.policy = (int)policy;
        p->scheduler.nice = (int)nice;
        p->scheduler.priority = (int)prio;
        r = check_scheduler(w, p, has_priority);
        if (r < 0)
                return r;
        p->scheduler.set = true;
        return 0;
}

/* An optional object section of process read by fn with the path on it. */
static int walk_process_section(struct walk *w, json_t *obj, const char *key,
                                int (*fn)(struct walk *, json_t *, struct berth_process *),
                                struct berth_process *p)
{
        json_t *v = walk_child(obj, key);
        if (!v)
                return 0;
        size_t saved = walk_push_key(w, key);
        int r = fn(w, v, p);
        walk_pop(w, saved);
        return r;
}

/* KEY=VALUE with a non-empty KEY, as execve() callers expect. */
static int check_env(struct walk *w, char **env)
{
        for (size_t i = 0; env && env[i]; i++) {
                const char *eq = strchr(env[i], '=');
                if (eq && eq != env[i])
                        continue;
                size_t saved = walk_push_key(w, "env");
                walk_push_index(w, i);
                int r = walk_fail(w, EINVAL, "\"%s\" is not of the form KEY=VALUE", env[i]);
                walk_pop(w, saved);
                return r;
        }
        return 0;
}

int spec_walk_process(struct walk *w, json_t *obj, struct berth_process *p)
{
        static const struct field fields[] = {
                { "terminal", F_BOOL, offsetof(struct berth_process, terminal) },
                { "args", F_STRV, offsetof(struct berth_process, args), true },
                { "env", F_STRV, offsetof(struct berth_process, env) },
                { "cwd", F_STR, offsetof(struct berth_process, cwd), true },
                { "noNewPrivileges", F_BOOL, offsetof(struct berth_process, no_new_privileges) },
                { "apparmorProfile", F_STR, offsetof(struct berth_process, apparmor_profile) },
                { "selinuxLabel", F_STR, offsetof(struct berth_process, selinux_label) },
                { "oomScoreAdj", F_OPT_I64, offsetof(struct berth_process, oom_score_adj) },
        };
        static const struct field console_fields[] = {
                { "height", F_U32, offsetof(struct berth_process, console_size.height), true },
                { "width", F_U32, offsetof(struct berth_process, console_size.width), true },
        };

        int r = walk_fields(w, obj, fields, ARRAY_SIZE(fields), p);
        if (r < 0)
                return r;
        if (!p->args[0])
                return walk_fail_key(w, "args", EINVAL, "must not be empty");
        if (p->cwd[0] != '/')
                return walk_fail_key(w, "cwd", EINVAL, "must be an absolute path, got \"%s\"",
                                     p->cwd);
        if (p->oom_score_adj.set && (p->oom_score_adj.v < -1000 || p->oom_score_adj.v > 1000))
                return walk_fail_key(w, "oomScoreAdj", ERANGE,
                                     "%lld is out of range (-1000 to 1000)",
                                     (long long)p->oom_score_adj.v);
        r = check_env(w, p->env);
        if (r < 0)
                return r;

        json_t *v = walk_child(obj, "consoleSize");
        if (v) {
                size_t saved = walk_push_key(w, "consoleSize");
                r = walk_fields(w, v, console_fields, ARRAY_SIZE(console_fields), p);
                walk_pop(w, saved);
                if (r < 0)
                        return r;
                p->console_size.set = true;
        }
        /* The spec calls user REQUIRED, but runc and crun run an absent
         * one as 0:0, and configs written for them omit it. */
        v = walk_child(obj, "user");
        if (v) {
                size_t saved = walk_push_key(w, "user");
                r = walk_user(w, v, p);
                walk_pop(w, saved);
                if (r < 0)
                        return r;
        }
        v = walk_child(obj, "capabilities");
        if (v) {
                size_t saved = walk_push_key(w, "capabilities");
                r = walk_capabilities(w, v, p);
                walk_pop(w, saved);
                if (r < 0)
                        return r;
        }
        r = walk_process_section(w, obj, "ioPriority", walk_io_priority, p);
        if (r == 0)
                r = walk_process_section(w, obj, "scheduler", walk_scheduler, p);
        if (r < 0)
                return r;
        return walk_rlimits(w, obj, p);
}

void spec_process_free(struct berth_process *p)
{
        free(p->user.additional_gids);
        walk_strv_free(p->args);
        walk_strv_free(p->env);
        free(p->cwd);
        for (size_t s = 0; s < BERTH_CAP__COUNT; s++)
                walk_strv_free(p->caps[s]);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
}
