/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `exec`: run another process in a running container. Which process: the
 * runtime, in the caller's namespaces, as root. The container's init is
 * not our child; the exec'd process is (exec-child.c forks it with
 * CLONE_PARENT), so we wait for it and forward signals as `run` does.
 *
 * Everything that can be refused is refused before a process exists: the
 * container's state, the process (config.json's, or --process FILE, with
 * the flags over it), its LSM labels and the container's seccomp filter.
 * On any error after that, the processes we started are killed and
 * reaped: nothing is left in the container or its cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "console.h"
#include "container.h"
#include "exec-internal.h"
#include "process-attrs.h"
#include "seccomp.h"
#include "spec.h"
#include "sync.h"
#include "tty.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* What the runtime holds during one exec. */
struct exec_run {
        struct state st;
        int dirfd;
        struct berth_spec *spec;
        struct seccomp_plan *seccomp;
        struct berth_cgroup *cg;
        int init_pidfd;
        int root_fd;
        int ns_flags;
        int sync_fd;
        pid_t joiner;
        pid_t pid; /* the exec'd process (our child) */
        int pidfd;
        int master; /* its pty, for a foreground exec without a console socket */
};

static void exec_run_release(struct exec_run *x)
{
        cleanup_pidp(&x->joiner);
        cleanup_pidp(&x->pid);
        cleanup_closep(&x->pidfd);
        cleanup_closep(&x->master);
        cleanup_closep(&x->sync_fd);
        cleanup_closep(&x->root_fd);
        cleanup_closep(&x->init_pidfd);
        cleanup_closep(&x->dirfd);
        if (x->cg)
                cgroup_free(x->cg);
        seccomp_plan_free(x->seccomp);
        spec_free(x->spec);
        state_clear(&x->st);
}

/* ---- the process: config.json's or the file's, with the flags over it */

static int parse_id_part(const char *s, size_t len, uint32_t *out)
{
        char buf[16];
        uint64_t v;
        if (len == 0 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = '\0';
        /* (uid_t)-1 means "unchanged" to setresuid: not an id */
        if (buf[0] < '0' || buf[0] > '9' || parse_uint64(buf, &v) < 0 || v >= UINT32_MAX)
                return -EINVAL;
        *out = (uint32_t)v;
        return 0;
}

/* "UID" or "UID:GID"; without GID the config's gid stays (as runc). */
static int parse_user(const char *s, struct berth_process *p, struct berth_error *err)
{
        size_t n = strcspn(s, ":");
        uint32_t uid, gid = p->user.gid;
        if (parse_id_part(s, n, &uid) < 0 ||
            (s[n] && parse_id_part(s + n + 1, strlen(s + n + 1), &gid) < 0))
                return berth_error_setx(err, EINVAL,
                                        "invalid user \"%s\": expected UID[:GID] with numeric "
                                        "ids",
                                        s);
        p->user.uid = uid;
        p->user.gid = gid;
        return 0;
}

static int strv_append(char ***v, char *s)
{
        size_t n = strv_len(*v);
        char **nv = realloc(*v, (n + 2) * sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        nv[n] = s;
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}

static int strv_copy(char *const *v, char ***out)
{
        char **c = calloc(strv_len(v) + 1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; v[i]; i++)
                if (!(c[i] = strdup(v[i]))) {
                        strv_free(c);
                        return -ENOMEM;
                }
        *out = c;
        return 0;
}

/* KEY=VALUE replaces the config's KEY or is added. */
static int env_put(char ***env, const char *kv, struct berth_error *err)
{
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv)
                return berth_error_setx(
                        err, EINVAL, "invalid environment variable \"%s\": expected KEY=VALUE", kv);
        size_t k = (size_t)(eq - kv) + 1;
        char *dup = strdup(kv);
        if (!dup)
                return berth_error_setx(err, ENOMEM, "out of memory");
        for (char **e = *env; e && *e; e++)
                if (strncmp(*e, kv, k) == 0) {
                        free(*e);
                        *e = dup;
                        return 0;
                }
        if (strv_append(env, dup) < 0) {
                free(dup);
                return berth_error_setx(err, ENOMEM, "out of memory");
        }
        return 0;
}

/* runc's --cap: the capability in every set. A process whose config
 * lists no capabilities keeps all of them, so there is nothing to add. */
static int add_cap(struct berth_process *p, const char *cap, struct berth_error *err)
{
        if (!cap_name_is_valid(cap))
                return berth_error_setx(err, EINVAL,
                                        "unknown capability \"%s\" (names look like CAP_NET_ADMIN)",
                                        cap);
        if (!p->has_capabilities)
                return 0;
        for (int s = 0; s < BERTH_CAP__COUNT; s++) {
                bool have = false;
                for (char **c = p->caps[s]; c && *c && !have; c++)
                        have = strcmp(*c, cap) == 0;
                char *dup = have ? NULL : strdup(cap);
                if (!have && (!dup || strv_append(&p->caps[s], dup) < 0)) {
                        free(dup);
                        return berth_error_setx(err, ENOMEM, "out of memory");
                }
                p->caps_set[s] = true;
        }
        return 0;
}

static int add_gids(struct berth_process *p, const gid_t *gids, size_t n, struct berth_error *err)
{
        if (n == 0)
                return 0;
        size_t old = p->user.n_additional_gids;
        uint32_t *g = realloc(p->user.additional_gids, (old + n) * sizeof(*g));
        if (!g)
                return berth_error_setx(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
                g[old + i] = (uint32_t)gids[i];
        p->user.additional_gids = g;
        p->user.n_additional_gids = old + n;
        return 0;
}

/* spec->process becomes the process to run. */
static int build_process(struct berth_spec *spec, const struct berth_exec_opts *o,
                         struct berth_error *err)
{
        bool has_cmd = o->argv && o->argv[0];
        if (o->process_file) {
                if (has_cmd)
                        return berth_error_setx(err, EINVAL,
                                                "give either --process FILE or a command, not "
                                                "both");
                struct berth_process p;
                int r = spec_load_process(o->process_file, &p, err);
                if (r < 0)
                        return r;
                spec_process_free(&spec->process);
                spec->process = p;
                spec->has_process = true;
                return 0;
        }
        if (!has_cmd)
                return berth_error_setx(err, EINVAL, "no command given (or --process FILE)");
        struct berth_process *p = &spec->process;
        if (strv_copy(o->argv, &p->args) < 0)
                return berth_error_setx(err, ENOMEM, "out of memory");
        if (!p->cwd || o->cwd) {
                const char *cwd = o->cwd ? o->cwd : "/";
                if (cwd[0] != '/')
                        return berth_error_setx(err, EINVAL,
                                                "--cwd must be an absolute path, got \"%s\"", cwd);
                free(p->cwd);
                if (!(p->cwd = strdup(cwd)))
                        return berth_error_setx(err, ENOMEM, "out of memory");
        }
        int r = 0;
        for (char *const *e = o->env; r == 0 && e && *e; e++)
                r = env_put(&p->env, *e, err);
        if (r == 0 && o->user)
                r = parse_user(o->user, p, err);
        if (r == 0)
                r = add_gids(p, o->additional_gids, o->n_additional_gids, err);
        for (char *const *c = o->caps; r == 0 && c && *c; c++)
                r = add_cap(p, *c, err);
        if (r < 0)
                return r;
        p->no_new_privileges |= o->no_new_privs;
        p->terminal = o->tty;
        spec->has_process = true;
        return 0;
}

/* ---- the container */

/* The namespaces of the init that are not ours: what to join. */
static int ns_to_join(pid_t pid, struct berth_error *err)
{
        static const struct {
                const char *name;
                int flag;
        } table[] = {
                { "user", CLONE_NEWUSER },     { "mnt", CLONE_NEWNS },    { "pid", CLONE_NEWPID },
                { "net", CLONE_NEWNET },       { "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS },
                { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
        };
        int flags = 0;
        for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
                char theirs[64], ours[64];
                struct stat a, b;
                snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, table[i].name);
                snprintf(ours, sizeof(ours), "/proc/self/ns/%s", table[i].name);
                if (stat(ours, &b) < 0)
                        continue; /* a kind this kernel does not have */
                if (stat(theirs, &a) < 0)
                        return berth_error_set(err, errno, "%s", theirs);
                if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
                        flags |= table[i].flag;
        }
        return flags;
}

/* Load, check and open everything; no process exists yet. */
static int prepare(const struct berth_oci_ctx *ctx, const char *id, const struct berth_exec_opts *o,
                   struct exec_run *x, struct berth_error *err)
{
        enum container_status s;
        int r = container_load(ctx, id, true, &x->dirfd, &x->st, &s, err);
        if (r < 0)
                return r;
        if (s == STATUS_PAUSED)
                return berth_error_setx(err, EBUSY, "the container is paused: resume it first");
        if (s != STATUS_RUNNING && s != STATUS_CREATED)
                return berth_error_setx(err, ESRCH, "the container is %s", status_name(s));
        /* the container's config as it was created: its process is the
         * base of ours, its filter and cgroup are the container's */
        r = spec_load(x->st.bundle, &x->spec, err);
        if (r < 0)
                return r;
        r = build_process(x->spec, o, err);
        if (r < 0)
                return r;
        bool tty = x->spec->process.terminal;
        if (o->console_socket && !tty)
                return berth_error_setx(err, EINVAL,
                                        "--console-socket needs a terminal (--tty, or terminal in "
                                        "the process file)");
        if (tty && o->detach && !o->console_socket)
                return berth_error_setx(err, EINVAL,
                                        "a terminal with --detach needs --console-socket");
        r = process_attrs_check(x->spec, err);
        if (r == 0)
                r = seccomp_prepare(x->spec, x->st.id, &x->seccomp, err);
        if (r < 0)
                return r;
        /* a NOTIFY listener is told of the container, whose pid is the init's */
        seccomp_plan_set_pid(x->seccomp, x->st.pid);
        x->init_pidfd = container_open_init(&x->st);
        if (x->init_pidfd < 0)
                return berth_error_setx(err, ESRCH, "the container is stopped");
        x->ns_flags = ns_to_join(x->st.pid, err);
        if (x->ns_flags < 0)
                return x->ns_flags;
        if (!(x->ns_flags & CLONE_NEWNS)) {
                /* no mount namespace of its own: its root is a chroot */
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/root", (int)x->st.pid);
                x->root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (x->root_fd < 0)
                        return berth_error_set(err, errno, "open the container's root");
        }
        /* NULL: a rootless container without a cgroup */
        return x->st.cgroup_path ? cgroup_open(x->st.cgroup_path, &x->cg, err) : 0;
}

static pid_t clone3_joiner(int cgroup_fd)
{
        struct clone_args args = { .exit_signal = SIGCHLD };
        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t)cgroup_fd;
        }
        return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* The pid behind a pidfd, from /proc/self/fdinfo. */
static pid_t pidfd_pid(int pidfd)
{
        char path[64];
        _cleanup_free_ char *text = NULL;
        size_t len;
        snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
        if (read_file_at(AT_FDCWD, path, &text, &len) < 0)
                return -1;
        const char *p = strstr(text, "\nPid:");
        return p ? (pid_t)strtol(p + 5, NULL, 10) : -1;
}

/* EOF (or a broken socket): nobody is left to tell us anything. */
static bool at_end(int fd)
{
        char c;
        ssize_t n;
        do
                n = recv(fd, &c, 1, MSG_PEEK);
        while (n < 0 && errno == EINTR);
        return n <= 0;
}

/* What the joiner and the exec'd process say, until both are gone from
 * the socket: EOF after READY means the program runs (the socket closes
 * on exec). The first error is kept and the socket still read to the
 * end, so that the exec'd process's pidfd is ours to kill and reap. */
static int collect(struct exec_run *x, const struct berth_exec_opts *o, struct berth_error *err)
{
        int first = 0;
        while (!at_end(x->sync_fd)) {
                enum sync_step got = SYNC_NONE;
                int fd = -1;
                struct berth_error e = { 0 };
                if (sync_recv(x->sync_fd, SYNC_READY, &got, &fd, &e) < 0) {
                        if (first == 0)
                                first = berth_error_setx(err, e.code, "%s", e.msg);
                        cleanup_closep(&fd);
                        continue;
                }
                if (got == SYNC_READY && x->pidfd < 0 && fd >= 0) {
                        x->pidfd = fd;
                        x->pid = pidfd_pid(fd);
                        continue;
                }
                if (got == SYNC_CONSOLE && fd >= 0 && first == 0 && x->master < 0) {
                        if (!o->console_socket) {
                                x->master = fd; /* relayed to our stdio */
                                continue;
                        }
                        first = console_send_master(o->console_socket, fd, err);
                } else if (first == 0) {
                        first = berth_error_setx(err, EPROTO, "sync: unexpected step '%s'",
                                                 sync_step_name(got));
                }
                cleanup_closep(&fd);
        }
        if (first == 0 && x->pid <= 0)
                first = berth_error_setx(err, EPIPE,
                                         "the process entering the container died before it "
                                         "could start the program");
        return first;
}

/* Start the joiner in the container's cgroup and let it go. */
static int launch(struct exec_run *x, const struct berth_exec_opts *o, struct berth_error *err)
{
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return berth_error_set(err, errno, "socketpair");
        x->sync_fd = sp[0];
        /* a root runtime's joiner moves itself into a v1/hybrid cgroup
         * (cheaper: cgroup_enter_self); it is in our user namespace */
        bool self_join = x->cg && cgroup_clone_fd(x->cg) < 0 && geteuid() == 0;
        x->joiner = clone3_joiner(x->cg ? cgroup_clone_fd(x->cg) : -1);
        if (x->joiner < 0) {
                x->joiner = 0;
                close(sp[1]);
                return berth_error_set(err, errno, "clone");
        }
        if (x->joiner == 0) {
                close(sp[0]);
                struct exec_child_args a = {
                        .spec = x->spec,
                        .seccomp = x->seccomp,
                        .sync_fd = sp[1],
                        .state_fd = x->dirfd,
                        .init_pidfd = x->init_pidfd,
                        .ns_flags = x->ns_flags,
                        .root_fd = x->root_fd,
                        .pty = x->spec->process.terminal && (o->console_socket || !o->detach),
                        .preserve_fds = o->preserve_fds,
                        .cg = self_join ? x->cg : NULL,
                };
                exec_child_main(&a);
        }
        close(sp[1]);
        /* our copy of a NOTIFY listener's connection must not keep it
         * waiting for an EOF while we wait for the process */
        seccomp_plan_cloned(x->seccomp, x->st.pid);
        /* #1 GO, once it is in the cgroup in every hierarchy (v2: born there) */
        int r = x->cg && !self_join ? cgroup_enter(x->cg, x->joiner, err) : 0;
        if (r == 0)
                r = sync_send(x->sync_fd, SYNC_GO, -1, err);
        if (r < 0)
                return r; /* the release kills it */
        r = collect(x, o, err);
        /* it closed its end, so it has exited or is about to */
        int ws;
        while (waitpid(x->joiner, &ws, 0) < 0 && errno == EINTR)
                ;
        x->joiner = 0;
        return r;
}

int berth_oci_exec(const struct berth_oci_ctx *ctx, const char *id,
                   const struct berth_exec_opts *opts, int *status, struct berth_error *err)
{
        struct exec_run x = { .dirfd = -1,
                              .init_pidfd = -1,
                              .root_fd = -1,
                              .sync_fd = -1,
                              .pidfd = -1,
                              .master = -1 };
        static const struct berth_exec_opts none = { 0 };
        const struct berth_exec_opts *o = opts ? opts : &none;
        sigset_t mask, old;
        sigfillset(&mask);
        sigdelset(&mask, SIGSEGV);
        sigdelset(&mask, SIGBUS);
        sigdelset(&mask, SIGFPE);
        sigdelset(&mask, SIGILL);
        int r = prepare(ctx, id, o, &x, err);
        if (r < 0)
                goto out;
        /* blocked before the program runs, so no signal is lost in between */
        if (!o->detach)
                sigprocmask(SIG_BLOCK, &mask, &old);
        r = launch(&x, o, err);
        if (r == 0 && o->pid_file)
                r = write_pid_file(o->pid_file, x.pid, err);
        if (r == 0 && !o->detach) {
                /* other commands (kill, delete) must not wait on our lock */
                flock(x.dirfd, LOCK_UN);
                struct tty_relay tty;
                int st = 0;
                tty_relay_begin(&tty, TAKE_FD(x.master));
                r = wait_forwarding(x.pid, x.pidfd, &mask, &tty, &st, err);
                tty_relay_end(&tty);
                if (r == 0) {
                        x.pid = 0; /* reaped */
                        if (status)
                                *status = st;
                }
        }
        if (r == 0 && o->detach)
                x.pid = 0; /* it runs on without us */
        if (!o->detach)
                sigprocmask(SIG_SETMASK, &old, NULL);
out:
        exec_run_release(&x);
        return r < 0 ? berth_error_prefix(err, "exec %s", id ? id : "") : 0;
}
