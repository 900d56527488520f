/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kill, delete, pause, resume, state, list. Which process: the runtime,
 * in the caller's namespaces; the container's init is not our child. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "hooks.h"
#include "util.h"

int container_load(const struct berth_oci_ctx *ctx, const char *id, bool lock, int *dirfd,
                   struct state *st, enum container_status *status, struct berth_error *err)
{
        _cleanup_close_ int fd = -1;
        int r = state_open(ctx_root(ctx), id, lock, &fd, err);
        if (r < 0)
                return r;
        r = state_load(fd, id, st, err);
        if (r < 0)
                return r;
        if (status)
                *status = state_status(fd, st);
        *dirfd = TAKE_FD(fd);
        return 0;
}

int container_open_init(const struct state *st)
{
        if (st->pid <= 0)
                return -ESRCH;
        int fd = sys_pidfd_open(st->pid, 0);
        if (fd < 0)
                return -errno;
        if (proc_start_time(st->pid) != st->start_time) {
                close(fd);
                return -ESRCH;
        }
        return fd;
}

void ctx_warn(const struct berth_oci_ctx *ctx, const struct berth_error *e)
{
        if (ctx && ctx->warn)
                ctx->warn(ctx->warn_data, e->msg);
}

void container_post_hooks(const struct berth_oci_ctx *ctx, const struct state *st, int kind,
                          enum container_status status)
{
        if (!st->hooks)
                return;
        _cleanup_free_ char *json = state_to_oci_json(st, status);
        struct berth_error e = { 0 };
        if (json && hooks_run_json(st->hooks, (enum berth_hook_kind)kind, json, &e) < 0) {
                berth_error_prefix(&e, "warning: container %s", st->id);
                ctx_warn(ctx, &e);
        }
}

int container_teardown(const struct berth_oci_ctx *ctx, const struct state *st,
                       struct berth_cgroup *own, struct berth_error *err)
{
        const char *root = ctx_root(ctx);
        int first = 0;
        struct berth_error e = { 0 };
        _cleanup_close_ int pidfd = container_open_init(st);
        if (pidfd >= 0) {
                sys_pidfd_send_signal(pidfd, SIGKILL);
                /* the pid namespace dies with its init: wait for that */
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                poll(&p, 1, 5000);
        }
        if (own) {
                if (cgroup_destroy(own, &e) < 0)
                        first = berth_error_setx(err, e.code, "%s", e.msg);
        } else if (st->cgroup_path) {
                struct berth_cgroup *cg = NULL;
                if (cgroup_open(st->cgroup_path, &cg, &e) == 0) {
                        if (cgroup_destroy(cg, &e) < 0 && first == 0)
                                first = berth_error_setx(err, e.code, "%s", e.msg);
                        cgroup_free(cg);
                } else if (e.code != ENOENT && first == 0) {
                        first = berth_error_setx(err, e.code, "%s", e.msg);
                }
        }
        container_post_hooks(ctx, st, BERTH_HOOK_POSTSTOP, STATUS_STOPPED);
        if (state_remove(root, st->id, &e) < 0 && first == 0)
                first = berth_error_setx(err, e.code, "%s", e.msg);
        return first;
}

int berth_oci_kill(const struct berth_oci_ctx *ctx, const char *id, int sig, bool all,
                   struct berth_error *err)
{
        _cleanup_close_ int dirfd = -1;
        struct state st;
        enum container_status s;
        int r = container_load(ctx, id, false, &dirfd, &st, &s, err);
        if (r < 0)
                return r;
        if (all && st.cgroup_path && s != STATUS_CREATING) {
                struct berth_cgroup *cg = NULL;
                r = cgroup_open(st.cgroup_path, &cg, err);
                if (r == 0) {
                        r = cgroup_kill_all(cg, sig, err);
                        cgroup_free(cg);
                }
                state_clear(&st);
                return r < 0 ? berth_error_prefix(err, "kill %s", id) : 0;
        }
        if (s == STATUS_STOPPED || s == STATUS_CREATING) {
                state_clear(&st);
                return berth_error_setx(err, ESRCH, "kill %s: the container is %s", id,
                                        status_name(s));
        }
        _cleanup_close_ int pidfd = container_open_init(&st);
        state_clear(&st);
        if (pidfd < 0)
                return berth_error_setx(err, ESRCH, "kill %s: the container is stopped", id);
        if (sys_pidfd_send_signal(pidfd, sig) < 0)
                return berth_error_set(err, errno, "kill %s with signal %d", id, sig);
        return 0;
}

int berth_oci_delete(const struct berth_oci_ctx *ctx, const char *id, bool force,
                     struct berth_error *err)
{
        _cleanup_close_ int dirfd = -1;
        struct state st;
        enum container_status s;
        int r = container_load(ctx, id, true, &dirfd, &st, &s, err);
        if (r < 0)
                return r;
        /* a created container has run nothing of the user's yet: deleting it
         * is how engines abort a create, so no --force is needed */
        if (!force && (s == STATUS_RUNNING || s == STATUS_PAUSED)) {
                state_clear(&st);
                return berth_error_setx(err, EBUSY,
                                        "delete %s: the container is %s: stop it first or use "
                                        "--force",
                                        id, status_name(s));
        }
        if (s == STATUS_PAUSED && st.cgroup_path) {
                /* a frozen task cannot die: thaw before the kill */
                struct berth_cgroup *cg = NULL;
                if (cgroup_open(st.cgroup_path, &cg, NULL) == 0) {
                        cgroup_freeze(cg, false, NULL);
                        cgroup_free(cg);
                }
        }
        r = container_teardown(ctx, &st, NULL, err);
        state_clear(&st);
        return r < 0 ? berth_error_prefix(err, "delete %s", id) : 0;
}

static int set_frozen(const struct berth_oci_ctx *ctx, const char *id, bool frozen,
                      struct berth_error *err)
{
        const char *verb = frozen ? "pause" : "resume";
        _cleanup_close_ int dirfd = -1;
        struct state st;
        enum container_status s;
        int r = container_load(ctx, id, true, &dirfd, &st, &s, err);
        if (r < 0)
                return r;
        enum container_status want = frozen ? STATUS_RUNNING : STATUS_PAUSED;
        if (s != want) {
                state_clear(&st);
                return berth_error_setx(err, EINVAL, "%s %s: the container is %s, not %s", verb,
                                        id, status_name(s), status_name(want));
        }
        if (!st.cgroup_path) {
                state_clear(&st);
                return berth_error_setx(err, ENOTSUP,
                                        "%s %s: the container has no cgroup to freeze (cgroups "
                                        "were skipped: not delegated to its owner)",
                                        verb, id);
        }
        struct berth_cgroup *cg = NULL;
        r = cgroup_open(st.cgroup_path, &cg, err);
        state_clear(&st);
        if (r == 0) {
                r = cgroup_freeze(cg, frozen, err);
                cgroup_free(cg);
        }
        return r < 0 ? berth_error_prefix(err, "%s %s", verb, id) : 0;
}

int berth_oci_pause(const struct berth_oci_ctx *ctx, const char *id, struct berth_error *err)
{
        return set_frozen(ctx, id, true, err);
}

int berth_oci_resume(const struct berth_oci_ctx *ctx, const char *id, struct berth_error *err)
{
        return set_frozen(ctx, id, false, err);
}

int berth_oci_state(const struct berth_oci_ctx *ctx, const char *id, char **json,
                    struct berth_error *err)
{
        _cleanup_close_ int dirfd = -1;
        struct state st;
        enum container_status s;
        int r = container_load(ctx, id, false, &dirfd, &st, &s, err);
        if (r < 0)
                return r;
        *json = state_to_oci_json(&st, s);
        state_clear(&st);
        return *json ? 0 : berth_error_setx(err, ENOMEM, "state %s", id);
}

/* state.json keeps the owner's uid; list shows the name from
 * /etc/passwd, as runc does (no NSS: the command is static, dl.h), or the
 * uid when it has none. */
static void owner_name(const char *uid, char *out, size_t len)
{
        uint64_t u;
        snprintf(out, len, "%s", uid ? uid : "");
        if (!uid || parse_uint64(uid, &u) < 0)
                return;
        FILE *f = fopen("/etc/passwd", "re");
        for (struct passwd *pw; f && (pw = fgetpwent(f));) {
                if (pw->pw_uid == (uid_t)u) {
                        snprintf(out, len, "%s", pw->pw_name);
                        break;
                }
        }
        if (f)
                fclose(f);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
        snprintf(dst, cap, "%s", src ? src : "");
}

int berth_oci_list(const struct berth_oci_ctx *ctx, struct berth_oci_state **states, size_t *n,
                   struct berth_error *err)
{
        *states = NULL;
        *n = 0;
        const char *root = ctx_root(ctx);
        DIR *d = opendir(root);
        if (!d)
                return errno == ENOENT ? 0 : berth_error_set(err, errno, "list %s", root);
        size_t cap = 0;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || !id_is_valid(de->d_name))
                        continue;
                _cleanup_close_ int fd =
                        openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct state st;
                if (fd < 0 || state_load(fd, de->d_name, &st, NULL) < 0)
                        continue;
                if (*n == cap) {
                        cap = cap ? cap * 2 : 16;
                        struct berth_oci_state *ns = realloc(*states, cap * sizeof(**states));
                        if (!ns) {
                                state_clear(&st);
                                r = berth_error_setx(err, ENOMEM, "list");
                                break;
                        }
                        *states = ns;
                }
                struct berth_oci_state *o = &(*states)[(*n)++];
                memset(o, 0, sizeof(*o));
                enum container_status s = state_status(fd, &st);
                copy_str(o->id, sizeof(o->id), st.id);
                copy_str(o->status, sizeof(o->status), status_name(s));
                o->pid = s == STATUS_STOPPED ? 0 : st.pid;
                copy_str(o->bundle, sizeof(o->bundle), st.bundle);
                copy_str(o->created, sizeof(o->created), st.created);
                owner_name(st.owner, o->owner, sizeof(o->owner));
                state_clear(&st);
        }
        closedir(d);
        if (r < 0) {
                free(*states);
                *states = NULL;
                *n = 0;
        }
        return r;
}
