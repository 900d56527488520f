/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The `process` section of config.json: what the container runs and with
 * which identity, capabilities and limits. */
#include <errno.h>
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
static bool cap_name_is_valid(const char *name)
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
                        if (p->rlimits[i].resource != p->rlimits[j].resource)
                                continue;
                        size_t saved = walk_push_key(w, "rlimits");
                        walk_push_index(w, i);
                        r = walk_fail(w, EINVAL, "duplicate rlimit %s (also rlimits[%zu])",
                                      rlimit_name(p->rlimits[i].resource), j);
                        walk_pop(w, saved);
                        return r;
                }
        return 0;
}

static int walk_gid(struct walk *w, json_t *v, void *elem)
{
        uint64_t u;
        int r = walk_uint(w, v, UINT32_MAX, &u);
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
        return walk_array_of(w, user, "additionalGids", sizeof(uint32_t), walk_gid,
                             &p->user.additional_gids, &p->user.n_additional_gids);
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
