/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp -> a BPF program, in the runtime, before clone. Which
 * process: the runtime, in the caller's namespaces. libseccomp compiles
 * the rules; the program is exported and kept as plain memory, so the
 * init loads it with one seccomp(2) call and needs neither libseccomp nor
 * malloc at that point (seccomp-load.c). Errors name the JSON path and
 * LINE:COL through the spec loader's walker. */
#include "seccomp.h"

#include <errno.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <seccomp-lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "seccomp-internal.h"
#include "spec-walk.h"
#include "util.h"

/* Arguments of one syscalls[] entry: the kernel passes six. */
#define SECCOMP_MAX_ARGS 6

struct build {
        struct walk *w;
        scmp_filter_ctx ctx;
        uint32_t default_action;
        bool ignore_unknown; /* the annotation says so */
        bool notify;         /* some rule is SCMP_ACT_NOTIFY */
        unsigned int flags;
};

static bool annotation_true(const struct berth_spec *spec, const char *key)
{
        for (size_t i = 0; i < spec->n_annotations; i++)
                if (!strcmp(spec->annotations[i].key, key))
                        return !strcmp(spec->annotations[i].value, "true");
        return false;
}

/* obj[key] as a string, NULL when absent; an error when it is not one. */
static int child_string(struct walk *w, json_t *obj, const char *key, const char **out)
{
        json_t *v = walk_child(obj, key);
        *out = NULL;
        if (!v)
                return 0;
        if (!json_is_string(v))
                return walk_fail_key(w, key, EINVAL, "expected a string");
        *out = json_string_value(v);
        return 0;
}

/* An action and its errno, e.g. "action" + "errnoRet" of a rule or
 * "defaultAction" + "defaultErrnoRet", both children of obj. */
static int read_action(struct walk *w, json_t *obj, const char *key, const char *errno_key,
                       uint32_t *out)
{
        const char *name;
        int r = child_string(w, obj, key, &name);
        if (r < 0)
                return r;
        if (!name)
                return walk_fail_key(w, key, EINVAL, "required property is missing");
        const struct seccomp_action_def *def = seccomp_action_by_name(name);
        if (!def)
                return walk_fail_key(w, key, EINVAL, "unknown action \"%s\"", name);
        /* runtime-spec: errnoRet defaults to EPERM */
        uint64_t data = EPERM;
        json_t *e = walk_child(obj, errno_key);
        if (e) {
                size_t saved = walk_push_key(w, errno_key);
                if (def->data == SECCOMP_DATA_NONE)
                        r = walk_fail(w, EINVAL,
                                      "%s takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE "
                                      "do)",
                                      def->name);
                else
                        r = walk_uint(w, e, def->data == SECCOMP_DATA_ERRNO ? 4095 : 65535, &data);
                walk_pop(w, saved);
                if (r < 0)
                        return r;
        }
        *out = def->data == SECCOMP_DATA_NONE ? def->action : def->action | (uint32_t)data;
        return 0;
}

static int read_arch(struct walk *w, json_t *v, void *data)
{
        struct build *b = data;
        uint32_t arch;
        if (!json_is_string(v))
                return walk_fail(w, EINVAL, "expected a string");
        if (seccomp_arch_by_name(json_string_value(v), &arch) < 0)
                return walk_fail(w, EINVAL, "unknown architecture \"%s\"", json_string_value(v));
        int r = seccomp_arch_add(b->ctx, arch);
        /* the native one is in from the start */
        if (r < 0 && r != -EEXIST)
                return walk_fail(w, -r, "libseccomp cannot add architecture %s: %s",
                                 json_string_value(v), strerror(-r));
        return 0;
}

static int read_flag(struct walk *w, json_t *v, void *data)
{
        struct build *b = data;
        unsigned int flag;
        if (!json_is_string(v))
                return walk_fail(w, EINVAL, "expected a string");
        if (seccomp_flag_by_name(json_string_value(v), &flag) < 0)
                return walk_fail(w, EINVAL, "unknown flag \"%s\"", json_string_value(v));
        if (!seccomp_flag_kernel_supports(flag))
                return walk_fail(w, ENOTSUP, "%s is not supported by this kernel",
                                 json_string_value(v));
        b->flags |= flag;
        return 0;
}

/* Each element of the array obj[key] (when present) through fn, with the
 * path at key[i]. */
static int each(struct walk *w, json_t *obj, const char *key,
                int (*fn)(struct walk *w, json_t *v, void *data), void *data)
{
        json_t *a = walk_child(obj, key);
        if (!a)
                return 0;
        size_t saved = walk_push_key(w, key);
        int r = walk_expect_array(w, a);
        for (size_t i = 0; r == 0 && i < json_array_size(a); i++) {
                size_t s = walk_push_index(w, i);
                r = fn(w, json_array_get(a, i), data);
                walk_pop(w, s);
        }
        walk_pop(w, saved);
        return r;
}

/* One args[] element: {index, value, valueTwo, op}. */
static int read_arg(struct walk *w, json_t *v, struct scmp_arg_cmp *cmp)
{
        int r = walk_expect_object(w, v);
        if (r < 0)
                return r;
        uint64_t index = 0, value = 0, value_two = 0;
        static const struct {
                const char *key;
                bool required;
                uint64_t max;
        } nums[] = { { "index", true, SECCOMP_MAX_ARGS - 1 },
                     { "value", true, 0 },
                     { "valueTwo", false, 0 } };
        uint64_t *dest[] = { &index, &value, &value_two };
        for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
                json_t *n = walk_child(v, nums[i].key);
                if (!n) {
                        if (nums[i].required)
                                return walk_fail_key(w, nums[i].key, EINVAL,
                                                     "required property is missing");
                        continue;
                }
                size_t saved = walk_push_key(w, nums[i].key);
                r = walk_uint(w, n, nums[i].max, dest[i]);
                walk_pop(w, saved);
                if (r < 0)
                        return r;
        }
        const char *op_name;
        r = child_string(w, v, "op", &op_name);
        if (r < 0)
                return r;
        if (!op_name)
                return walk_fail_key(w, "op", EINVAL, "required property is missing");
        int op = seccomp_op_by_name(op_name);
        if (op < 0)
                return walk_fail_key(w, "op", EINVAL, "unknown operator \"%s\"", op_name);
        /* for SCMP_CMP_MASKED_EQ value is the mask and valueTwo the datum,
         * as libseccomp takes them */
        *cmp = (struct scmp_arg_cmp){ .arg = (unsigned int)index,
                                      .op = (enum scmp_compare)op,
                                      .datum_a = value,
                                      .datum_b = value_two };
        return 0;
}

/* The rules of one syscall. libseccomp ANDs the comparisons of a rule and
 * refuses two on the same argument; like the other runtimes, an entry that
 * names an argument twice becomes one rule per comparison (so they OR). */
static int add_rules(struct build *b, uint32_t action, int nr, const struct scmp_arg_cmp *cmps,
                     size_t n)
{
        bool repeated = false;
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        if (cmps[i].arg == cmps[j].arg)
                                repeated = true;
        if (!repeated)
                return seccomp_rule_add_array(b->ctx, action, nr, (unsigned int)n, cmps);
        for (size_t i = 0; i < n; i++) {
                int r = seccomp_rule_add_array(b->ctx, action, nr, 1, &cmps[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One syscalls[] element: {names, action, errnoRet, args}. */
static int read_syscalls_entry(struct walk *w, json_t *v, void *data)
{
        struct build *b = data;
        int r = walk_expect_object(w, v);
        if (r < 0)
                return r;
        uint32_t action;
        r = read_action(w, v, "action", "errnoRet", &action);
        if (r < 0)
                return r;
        if (action == SCMP_ACT_NOTIFY)
                b->notify = true;

        struct scmp_arg_cmp cmps[SECCOMP_MAX_ARGS * 4];
        size_t n_cmps = 0;
        json_t *args = walk_child(v, "args");
        if (args) {
                size_t saved = walk_push_key(w, "args");
                r = walk_expect_array(w, args);
                if (r == 0 && json_array_size(args) > ARRAY_SIZE(cmps))
                        r = walk_fail(w, E2BIG, "more than %zu comparisons", ARRAY_SIZE(cmps));
                for (size_t i = 0; r == 0 && i < json_array_size(args); i++) {
                        size_t s = walk_push_index(w, i);
                        r = read_arg(w, json_array_get(args, i), &cmps[n_cmps++]);
                        walk_pop(w, s);
                }
                walk_pop(w, saved);
                if (r < 0)
                        return r;
        }

        json_t *names = walk_child(v, "names");
        if (!names)
                return walk_fail_key(w, "names", EINVAL, "required property is missing");
        size_t saved = walk_push_key(w, "names");
        r = walk_expect_array(w, names);
        if (r == 0 && json_array_size(names) == 0)
                r = walk_fail(w, EINVAL, "must name at least one syscall");
        for (size_t i = 0; r == 0 && i < json_array_size(names); i++) {
                json_t *name = json_array_get(names, i);
                size_t s = walk_push_index(w, i);
                int nr = __NR_SCMP_ERROR;
                if (!json_is_string(name))
                        r = walk_fail(w, EINVAL, "expected a string");
                else
                        nr = seccomp_syscall_resolve_name(json_string_value(name));
                if (r == 0 && nr == __NR_SCMP_ERROR && !b->ignore_unknown)
                        r = walk_fail(w, EINVAL,
                                      "unknown syscall \"%s\" (the annotation "
                                      "%s=true skips unknown names)",
                                      json_string_value(name), SECCOMP_IGNORE_UNKNOWN_ANNOTATION);
                /* a rule that says what the default says is no rule
                 * (libseccomp refuses it) */
                if (r == 0 && nr != __NR_SCMP_ERROR && action != b->default_action) {
                        int q = add_rules(b, action, nr, cmps, n_cmps);
                        if (q < 0)
                                r = walk_fail(w, -q, "libseccomp cannot add a rule for %s: %s",
                                              json_string_value(name), strerror(-q));
                }
                walk_pop(w, s);
        }
        walk_pop(w, saved);
        return r;
}

/* The generated program, copied out of libseccomp. */
static int export_program(struct build *b, struct seccomp_plan *plan)
{
        _cleanup_close_ int fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return berth_error_set(b->w->err, errno, "seccomp: memfd");
        int r = seccomp_export_bpf(b->ctx, fd);
        if (r < 0)
                return walk_fail(b->w, -r, "libseccomp cannot generate the filter: %s",
                                 strerror(-r));
        off_t size = lseek(fd, 0, SEEK_END);
        if (size < 0)
                return berth_error_set(b->w->err, errno, "seccomp: read the filter");
        size_t n = (size_t)size / sizeof(struct sock_filter);
        if (n == 0 || (size_t)size % sizeof(struct sock_filter) != 0)
                return walk_fail(b->w, EIO, "libseccomp generated a malformed filter");
        if (n > BPF_MAXINSNS)
                return walk_fail(b->w, E2BIG,
                                 "the filter needs %zu BPF instructions, more than the kernel "
                                 "takes (%d)",
                                 n, BPF_MAXINSNS);
        plan->insns = malloc((size_t)size);
        if (!plan->insns)
                return walk_oom(b->w);
        for (size_t done = 0; done < (size_t)size;) {
                ssize_t got =
                        pread(fd, (char *)plan->insns + done, (size_t)size - done, (off_t)done);
                if (got <= 0)
                        return berth_error_set(b->w->err, got < 0 ? errno : EIO,
                                               "seccomp: read the filter");
                done += (size_t)got;
        }
        plan->n_insns = (unsigned short)n;
        return 0;
}

/* JSON text of a value (consumed), for the listener's message. */
static char *json_text(json_t *v)
{
        char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        json_decref(v);
        return s;
}

/* The container process state of runtime-spec config-linux.md ("The
 * container process state"), as text around the pid, which only exists
 * after clone. */
static int build_message(const struct berth_spec *spec, const char *id, const char *metadata,
                         struct seccomp_plan *plan)
{
        json_t *ann = json_object();
        for (size_t i = 0; ann && i < spec->n_annotations; i++)
                if (json_object_set_new(ann, spec->annotations[i].key,
                                        json_string(spec->annotations[i].value)) < 0) {
                        json_decref(ann);
                        ann = NULL;
                }
        _cleanup_free_ char *version =
                json_text(json_string(spec->oci_version ? spec->oci_version : "1.2.0"));
        _cleanup_free_ char *id_s = json_text(json_string(id ? id : ""));
        _cleanup_free_ char *bundle = json_text(json_string(spec->bundle ? spec->bundle : ""));
        _cleanup_free_ char *meta = metadata ? json_text(json_string(metadata)) : NULL;
        _cleanup_free_ char *ann_s = json_text(ann);
        if (!version || !id_s || !bundle || !ann_s || (metadata && !meta))
                return -ENOMEM;
        /* With no_new_privs the filter is loaded on `start`, once the
         * container is created; without, during create. */
        const char *status = spec->process.no_new_privileges ? "created" : "creating";
        if (asprintf(&plan->msg_head,
                     "{\"ociVersion\":%s,\"fds\":[\"seccompFd\"],\"pid\":", version) < 0) {
                plan->msg_head = NULL;
                return -ENOMEM;
        }
        if (asprintf(&plan->msg_mid,
                     "%s%s,\"state\":{\"ociVersion\":%s,\"id\":%s,\"status\":\"%s\",\"pid\":",
                     meta ? ",\"metadata\":" : "", meta ? meta : "", version, id_s, status) < 0) {
                plan->msg_mid = NULL;
                return -ENOMEM;
        }
        if (asprintf(&plan->msg_tail, ",\"bundle\":%s,\"annotations\":%s}}", bundle, ann_s) < 0) {
                plan->msg_tail = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* Connected now, by the runtime: the init could not reach a host path
 * once it has pivoted into the rootfs. */
static int connect_listener(struct walk *w, const char *path, struct seccomp_plan *plan)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        size_t saved = walk_push_key(w, "listenerPath");
        int r = 0;
        if (path[0] == '\0')
                r = walk_fail(w, EINVAL, "must not be empty");
        else if (strlen(path) >= sizeof(addr.sun_path))
                r = walk_fail(w, ENAMETOOLONG, "longer than a unix socket path can be (%zu)",
                              sizeof(addr.sun_path) - 1);
        if (r < 0) {
                walk_pop(w, saved);
                return r;
        }
        strcpy(addr.sun_path, path);
        plan->listener_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (plan->listener_fd < 0 ||
            connect(plan->listener_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                r = walk_fail(w, errno, "connect to %s: %s", path, strerror(errno));
        walk_pop(w, saved);
        if (r < 0)
                return r;
        plan->listener_path = strdup(path);
        plan->pid = mmap(NULL, sizeof(*plan->pid), PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (plan->pid == MAP_FAILED) {
                plan->pid = NULL;
                return berth_error_set(w->err, errno, "seccomp: map a page for the pid");
        }
        return plan->listener_path ? 0 : walk_oom(w);
}

/* NOTIFY's listener and the flags that go with it. */
static int read_listener(struct build *b, json_t *sc, const struct berth_spec *spec, const char *id,
                         struct seccomp_plan *plan)
{
        const char *path, *metadata;
        int r = child_string(b->w, sc, "listenerPath", &path);
        if (r == 0)
                r = child_string(b->w, sc, "listenerMetadata", &metadata);
        if (r < 0)
                return r;
        if (!b->notify) {
                /* only meaningful with a listener, and the kernel refuses it
                 * without one */
                b->flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
                return 0;
        }
        if (!path)
                return walk_fail_key(b->w, "listenerPath", EINVAL,
                                     "required by SCMP_ACT_NOTIFY: the path of the unix socket "
                                     "the listener fd is sent to");
        b->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        /* the kernel refuses TSYNC with a listener unless a failed sync is
         * reported as ESRCH (the return value is the fd) */
        if (b->flags & SECCOMP_FILTER_FLAG_TSYNC)
                b->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        r = connect_listener(b->w, path, plan);
        if (r < 0)
                return r;
        if (build_message(spec, id, metadata, plan) < 0)
                return walk_oom(b->w);
        return 0;
}

static int build(struct build *b, json_t *sc, const struct berth_spec *spec, const char *id,
                 struct seccomp_plan *plan)
{
        struct walk *w = b->w;
        int r = read_action(w, sc, "defaultAction", "defaultErrnoRet", &b->default_action);
        if (r < 0)
                return r;
        if (b->default_action == SCMP_ACT_NOTIFY)
                return walk_fail_key(w, "defaultAction", EINVAL,
                                     "SCMP_ACT_NOTIFY cannot be the default action (the "
                                     "listener's own syscalls would wait on itself)");
        b->ctx = seccomp_init(b->default_action);
        if (!b->ctx)
                return walk_fail_key(w, "defaultAction", EINVAL,
                                     "libseccomp refuses it (is it supported by this kernel?)");
        /* architectures first: rules are added to every architecture there is */
        r = each(w, sc, "architectures", read_arch, b);
        if (r == 0)
                r = each(w, sc, "flags", read_flag, b);
        if (r == 0)
                r = each(w, sc, "syscalls", read_syscalls_entry, b);
        if (r == 0)
                r = read_listener(b, sc, spec, id, plan);
        if (r == 0)
                r = export_program(b, plan);
        plan->flags = b->flags;
        return r;
}

int seccomp_prepare(const struct berth_spec *spec, const char *id, struct seccomp_plan **out,
                    struct berth_error *err)
{
        *out = NULL;
        json_t *sc = spec->seccomp;
        if (!sc)
                return 0;
        struct walk w = {
                .text = spec->text, .len = spec->text_len, .name = "config.json", .err = err
        };
        walk_push_key(&w, "linux");
        walk_push_key(&w, "seccomp");
        if (!json_is_object(sc))
                return walk_fail(&w, EINVAL, "expected an object");

        struct seccomp_plan *plan = calloc(1, sizeof(*plan));
        if (!plan)
                return walk_oom(&w);
        plan->listener_fd = -1;
        struct build b = { .w = &w,
                           .ignore_unknown =
                                   annotation_true(spec, SECCOMP_IGNORE_UNKNOWN_ANNOTATION) };
        /* the same profile compiled before (seccomp-cache.c) */
        _cleanup_free_ char *profile = json_dumps(sc, JSON_COMPACT);
        _cleanup_free_ char *key = profile ? seccomp_cache_key(profile, b.ignore_unknown) : NULL;
        if (key && seccomp_cache_load(key, plan)) {
                *out = plan;
                return 0;
        }
        int r = build(&b, sc, spec, id, plan);
        if (r == 0 && key)
                seccomp_cache_store(key, plan);
        if (b.ctx)
                seccomp_release(b.ctx);
        if (r < 0) {
                seccomp_plan_free(plan);
                return r;
        }
        *out = plan;
        return 0;
}

void seccomp_plan_free(struct seccomp_plan *plan)
{
        if (!plan)
                return;
        free(plan->insns);
        cleanup_closep(&plan->listener_fd);
        free(plan->listener_path);
        free(plan->msg_head);
        free(plan->msg_mid);
        free(plan->msg_tail);
        if (plan->pid)
                munmap(plan->pid, sizeof(*plan->pid));
        free(plan);
}

void seccomp_plan_set_pid(struct seccomp_plan *plan, pid_t pid)
{
        if (plan && plan->pid && pid > 0)
                __atomic_store_n(plan->pid, pid, __ATOMIC_RELEASE);
}

int seccomp_plan_fd(const struct seccomp_plan *plan)
{
        return plan ? plan->listener_fd : -1;
}

void seccomp_plan_cloned(struct seccomp_plan *plan, pid_t pid)
{
        if (!plan || !plan->pid || pid <= 0)
                return;
        seccomp_plan_set_pid(plan, pid);
        cleanup_closep(&plan->listener_fd);
        plan->listener_fd = -1;
}
