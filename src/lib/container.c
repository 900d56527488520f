/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create, start and run. Which process: the runtime, in the caller's
 * namespaces, as root. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "console.h"
#include "devices.h"
#include "hooks.h"
#include "mount-idmap.h"
#include "ns.h"
#include "process-attrs.h"
#include "process.h"
#include "rootless.h"
#include "seccomp.h"
#include "spec.h"
#include "sync.h"
#include "tty.h"
#include "util.h"

/* A container between clone and the end of create (or run). */
struct launch {
        struct berth_spec *spec;
        struct state st;
        struct berth_cgroup *cg;
        int dirfd;
        int sync_fd;
        pid_t pid;
        int pidfd;
        struct seccomp_plan *seccomp; /* built before clone, loaded by the init */
        int master; /* the pty of a foreground run with process.terminal */
};

static void launch_release(struct launch *l)
{
        cleanup_closep(&l->sync_fd);
        cleanup_closep(&l->master);
        cleanup_closep(&l->pidfd);
        cleanup_closep(&l->dirfd);
        if (l->cg)
                cgroup_free(l->cg);
        state_clear(&l->st);
        seccomp_plan_free(l->seccomp);
        spec_free(l->spec);
        memset(l, 0, sizeof(*l));
        l->dirfd = l->sync_fd = l->pidfd = l->master = -1;
}

/* Undo a failed create: the init, its cgroup, the state directory. */
static void launch_abort(struct launch *l, const char *root, const char *id)
{
        cleanup_pidp(&l->pid);
        if (l->cg)
                cgroup_destroy(l->cg, NULL);
        state_remove(root, id, NULL);
        launch_release(l);
}

static pid_t clone3_init(unsigned long flags, int cgroup_fd, int *pidfd)
{
        struct clone_args args = {
                .flags = flags | CLONE_PIDFD,
                .pidfd = (uint64_t)(uintptr_t)pidfd,
                .exit_signal = SIGCHLD,
        };
        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t)cgroup_fd;
        }
        return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* A unix socket path through our directory fd, short whatever the root's
 * length (sun_path holds 108 bytes). */
static void start_socket_addr(int dirfd, struct sockaddr_un *addr)
{
        memset(addr, 0, sizeof(*addr));
        addr->sun_family = AF_UNIX;
        snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/" STATE_START_SOCKET,
                 dirfd);
}

static int listen_start_socket(int dirfd, struct berth_error *err)
{
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return berth_error_set(err, errno, "start socket");
        struct sockaddr_un addr;
        start_socket_addr(dirfd, &addr);
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 4) < 0)
                return berth_error_set(err, errno, "bind start socket");
        return TAKE_FD(fd);
}

int write_pid_file(const char *path, pid_t pid, struct berth_error *err)
{
        char dir[PATH_MAX], base[PATH_MAX], buf[32];
        if (strlen(path) >= sizeof(dir))
                return berth_error_setx(err, ENAMETOOLONG, "pid file %s: path too long", path);
        strcpy(dir, path);
        strcpy(base, path);
        _cleanup_close_ int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_error_set(err, errno, "pid file %s", path);
        int n = snprintf(buf, sizeof(buf), "%d", pid);
        int r = write_file_atomic(dfd, basename(base), buf, (size_t)n);
        if (r < 0)
                return berth_error_set(err, -r, "write pid file %s", path);
        return 0;
}

static int fill_state(struct launch *l, const char *id, const char *cgroup_path)
{
        char created[40];
        time_rfc3339(created, sizeof(created));
        l->st.id = strdup(id);
        l->st.oci_version = strdup(l->spec->oci_version ? l->spec->oci_version : "1.2.0");
        l->st.bundle = strdup(l->spec->bundle);
        /* NULL: a rootless container without a cgroup */
        l->st.cgroup_path = cgroup_path ? strdup(cgroup_path) : NULL;
        l->st.created = strdup(created);
        /* the owner's uid; the name is looked up only when listed (NSS is
         * slow to load and not needed to start a container) */
        char owner[16];
        snprintf(owner, sizeof(owner), "%u", (unsigned)geteuid());
        l->st.owner = strdup(owner);
        l->st.pid = l->pid;
        l->st.start_time = proc_start_time(l->pid);
        json_t *ann = json_object();
        for (size_t i = 0; ann && i < l->spec->n_annotations; i++)
                json_object_set_new(ann, l->spec->annotations[i].key,
                                    json_string(l->spec->annotations[i].value));
        l->st.annotations = ann;
        l->st.hooks = hooks_to_json(l->spec);
        if (!l->st.id || !l->st.oci_version || !l->st.bundle ||
            (cgroup_path && !l->st.cgroup_path) ||
            !l->st.created || !l->st.owner || !ann)
                return -ENOMEM;
        return 0;
}

/* A state JSON in a memfd, for the init's hooks (any size; the init
 * reads it after its pivot_root too). */
static int send_state(struct launch *l, enum container_status status, struct berth_error *err)
{
        _cleanup_free_ char *json = state_to_oci_json(&l->st, status);
        if (!json)
                return berth_error_setx(err, ENOMEM, "state for hooks");
        _cleanup_close_ int fd = memfd_create("berth-state", MFD_CLOEXEC);
        if (fd < 0)
                return berth_error_set(err, errno, "state for hooks");
        int r = write_all(fd, json, strlen(json));
        if (r < 0)
                return berth_error_set(err, -r, "state for hooks");
        return sync_send(l->sync_fd, SYNC_STATE, fd, err);
}

/* The hook steps between GO and READY, mirrored in the init (process.c):
 * the states its createContainer/startContainer hooks read, then
 * prestart + createRuntime here, in our namespaces, once its mounts are
 * done and before its pivot_root. */
static int hooks_parent_steps(struct launch *l, struct berth_error *err)
{
        const struct berth_spec *spec = l->spec;
        int r = 0;
        if (spec->n_hooks[BERTH_HOOK_CREATE_CONTAINER])
                r = send_state(l, STATUS_CREATING, err);
        if (r == 0 && spec->n_hooks[BERTH_HOOK_START_CONTAINER])
                r = send_state(l, STATUS_CREATED, err);
        if (r < 0 || !init_waits_for_runtime_hooks(spec))
                return r;
        /* #1a PREPARED */
        r = sync_expect(l->sync_fd, SYNC_PREPARED, NULL, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *json = state_to_oci_json(&l->st, STATUS_CREATING);
        if (!json)
                return berth_error_setx(err, ENOMEM, "state for hooks");
        static const enum berth_hook_kind kinds[] = { BERTH_HOOK_PRESTART,
                                                      BERTH_HOOK_CREATE_RUNTIME };
        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
                r = hooks_run(spec->hooks[kinds[i]], spec->n_hooks[kinds[i]], kinds[i], json, err);
                if (r < 0)
                        return r;
        }
        /* #1b HOOKS_DONE */
        return sync_send(l->sync_fd, SYNC_HOOKS_DONE, -1, err);
}

/* The init vanished during set-up (EOF on the socket): say how it died,
 * which is what a user needs (an OOM kill from a tiny memory limit reads
 * very differently from a crash). */
static void explain_init_death(struct launch *l, struct berth_error *err)
{
        int wstatus = 0;
        pid_t w = 0;
        /* it closed its socket, so it is on its way out: give it a moment */
        for (int i = 0; i < 200 && (w = waitpid(l->pid, &wstatus, WNOHANG)) == 0; i++)
                usleep(500);
        if (w != l->pid)
                return;
        l->pid = 0;
        if (WIFSIGNALED(wstatus)) {
                int sig = WTERMSIG(wstatus);
                const struct opt_i64 *mem = &l->spec->resources.memory.limit;
                bool oom = sig == SIGKILL && mem->set && mem->v > 0;
                berth_error_setx(err, EPIPE,
                                 "the container's init was killed by SIG%s during set-up%s",
                                 signal_name(sig) ? signal_name(sig) : "?",
                                 oom ? ": the memory limit is probably too low (OOM kill)" : "");
        } else if (WIFEXITED(wstatus)) {
                berth_error_setx(err, EPIPE,
                                 "the container's init exited with status %d during set-up",
                                 WEXITSTATUS(wstatus));
        }
}

/* Steps 1-6 of DESIGN.md's lifecycle: load, claim, cgroup, clone, set up,
 * record. On error nothing is left behind. */
static int launch(const struct berth_oci_ctx *ctx, const char *id,
                  const struct berth_create_opts *opts, bool for_run, bool detach,
                  struct launch *l, struct berth_error *err)
{
        const char *root = ctx_root(ctx);
        const char *bundle = opts && opts->bundle ? opts->bundle : ".";
        int ns_fds[BERTH_NS__COUNT];
        _cleanup_close_ int listen_fd = -1;
        _cleanup_free_ char *cgroup_path = NULL;
        _cleanup_free_ struct berth_device_rule *rules = NULL;
        struct berth_error no_cgroup = { 0 }; /* a warning, once created */
        int r;

        memset(l, 0, sizeof(*l));
        l->dirfd = l->sync_fd = l->pidfd = l->master = -1;
        for (int i = 0; i < BERTH_NS__COUNT; i++)
                ns_fds[i] = -1;
        if (!id_is_valid(id))
                return berth_error_setx(err, EINVAL,
                                        "invalid container id '%s': it must be non-empty, "
                                        "printable, without '/' or spaces, and not '.' or '..'",
                                        id ? id : "");
        r = spec_load(bundle, &l->spec, err);
        if (r < 0)
                return r;
        const struct berth_spec *spec = l->spec;
        if (!spec->has_process || !spec->process.args || !spec->process.args[0]) {
                launch_release(l);
                return berth_error_setx(err, EINVAL, "config.json: process.args is required");
        }
        if (spec->process.terminal && !(opts && opts->console_socket) && (!for_run || detach)) {
                launch_release(l);
                return berth_error_setx(err, EINVAL,
                                        "process.terminal is true but no --console-socket was "
                                        "given");
        }
        /* everything that can be refused without touching the kernel is,
         * before anything exists to clean up */
        r = process_attrs_check(spec, err);
        if (r == 0)
                r = seccomp_prepare(spec, id, &l->seccomp, err);
        if (r < 0) {
                launch_release(l);
                return r;
        }
        r = state_claim(root, id, &l->dirfd, err);
        if (r < 0) {
                launch_release(l);
                return r;
        }
        r = cgroup_path_resolve(spec->cgroups_path, id, &cgroup_path, err);
        if (r < 0)
                goto fail;
        /* the spec's resources with the device rules the container really gets */
        struct berth_resources res = spec->resources;
        r = devices_effective_rules(spec, &rules, &res.n_devices, err);
        if (r < 0)
                goto fail;
        res.devices = rules;
        r = cgroup_create_or_skip(id, cgroup_path, spec, &res, &l->cg, &no_cgroup, err);
        if (r < 0)
                goto fail;
        r = ns_open_paths(spec, ns_fds, err);
        if (r < 0)
                goto fail;
        if (!for_run) {
                listen_fd = listen_start_socket(l->dirfd, err);
                if (listen_fd < 0) {
                        r = listen_fd;
                        goto fail;
                }
        }
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
                r = berth_error_set(err, errno, "socketpair");
                goto fail;
        }
        l->sync_fd = sp[0];
        r = ns_prepare_parent(spec, err);
        if (r < 0) {
                close(sp[1]);
                goto fail;
        }
        /* asked here: in the init, before its maps, geteuid() is 65534
         * and after them 0 */
        bool unprivileged = geteuid() != 0;
        unsigned long clone_flags = ns_clone_flags(spec);
        /* the init moves itself into a v1/hybrid cgroup, which is cheaper
         * (cgroup_enter_self), unless it cannot: born in a new user
         * namespace, or run by an unprivileged runtime */
        bool self_join = l->cg && cgroup_clone_fd(l->cg) < 0 && !unprivileged &&
                         !(clone_flags & CLONE_NEWUSER);
        l->pid = clone3_init(clone_flags, l->cg ? cgroup_clone_fd(l->cg) : -1, &l->pidfd);
        if (l->pid < 0) {
                l->pid = 0;
                r = berth_error_set(err, errno, "clone the container's init");
                close(sp[1]);
                goto fail;
        }
        seccomp_plan_cloned(l->seccomp, l->pid);
        if (l->pid == 0) {
                close(sp[0]);
                struct init_args a = { .spec = spec, .sync_fd = sp[1], .listen_fd = listen_fd,
                                       .state_fd = l->dirfd,
                                       .seccomp = l->seccomp,
                                       .cg = l->cg,
                                       .join_cgroup = self_join,
                                       .preserve_fds = opts ? opts->preserve_fds : 0,
                                       .terminal = spec->process.terminal,
                                       .no_pivot = opts && opts->no_pivot,
                                       /* we (or newuidmap) must write its maps */
                                       .stay_dumpable = unprivileged };
                memcpy(a.ns_fds, ns_fds, sizeof(ns_fds));
                init_main(&a);
        }
        close(sp[1]);
        ns_close_fds(ns_fds);
        cleanup_closep(&listen_fd);
        listen_fd = -EBADF;

        /* #1 GO: the init may go on once it has its maps and its cgroup */
        if (spec_namespace(spec, BERTH_NS_USER) && !spec_namespace(spec, BERTH_NS_USER)->path) {
                r = ns_write_idmaps(l->pid, spec, err);
                if (r < 0)
                        goto fail;
        }
        r = l->cg && !self_join ? cgroup_enter(l->cg, l->pid, err) : 0;
        if (r < 0)
                goto fail;
        r = sync_send(l->sync_fd, SYNC_GO, -1, err);
        if (r < 0)
                goto fail;
        /* while the init sets itself up */
        if (fill_state(l, id, l->cg ? cgroup_path : NULL) < 0) {
                r = berth_error_setx(err, ENOMEM, "record state of %s", id);
                goto fail;
        }
        r = idmap_trees_send(spec, l->pid, l->sync_fd, err);
        if (r < 0)
                goto fail;
        r = hooks_parent_steps(l, err);
        if (r < 0)
                goto fail;
        if (spec->process.terminal && opts && opts->console_socket) {
                _cleanup_close_ int master = -1;
                r = sync_expect(l->sync_fd, SYNC_CONSOLE, &master, err);
                if (r < 0)
                        goto fail;
                r = console_send_master(opts->console_socket, master, err);
                if (r < 0)
                        goto fail;
        } else if (spec->process.terminal) {
                /* a foreground run relays the caller's terminal to it */
                r = sync_expect(l->sync_fd, SYNC_CONSOLE, &l->master, err);
                if (r < 0)
                        goto fail;
        }
        /* #2 READY */
        r = sync_expect(l->sync_fd, SYNC_READY, NULL, err);
        if (r < 0)
                goto fail;
        r = state_save(l->dirfd, &l->st, err);
        if (r < 0)
                goto fail;
        if (opts && opts->pid_file) {
                r = write_pid_file(opts->pid_file, l->pid, err);
                if (r < 0)
                        goto fail;
        }
        if (no_cgroup.code)
                ctx_warn(ctx, &no_cgroup);
        return 0;
fail:
        if (r == -EPIPE && l->pid > 0)
                explain_init_death(l, err);
        ns_close_fds(ns_fds);
        berth_error_prefix(err, "create %s", id);
        launch_abort(l, root, id);
        return r;
}

int berth_oci_create(const struct berth_oci_ctx *ctx, const char *id,
                     const struct berth_create_opts *opts, struct berth_error *err)
{
        struct launch l;
        int r = launch(ctx, id, opts, false, false, &l, err);
        if (r < 0)
                return r;
        /* the init now waits on start.sock; we leave it to the caller */
        r = sync_send(l.sync_fd, SYNC_DETACH, -1, err);
        if (r < 0) {
                berth_error_prefix(err, "create %s", id);
                launch_abort(&l, ctx_root(ctx), id);
                return r;
        }
        l.pid = 0;
        launch_release(&l);
        return 0;
}

/* Tell the waiting init to exec; its exec error (if any) comes back on
 * the connection, which is close-on-exec: EOF means it went through. */
static int start_init(int dirfd, const char *id, struct berth_error *err)
{
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return berth_error_set(err, errno, "start %s: socket", id);
        struct sockaddr_un addr;
        start_socket_addr(dirfd, &addr);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return berth_error_set(err, errno, "start %s: reach the init", id);
        if (write(fd, "s", 1) != 1)
                return berth_error_set(err, errno, "start %s", id);
        /* from here on the container counts as started */
        unlinkat(dirfd, STATE_START_SOCKET, 0);
        struct sync_msg m;
        ssize_t n;
        do
                n = read(fd, &m, sizeof(m));
        while (n < 0 && errno == EINTR);
        if (n > (ssize_t)offsetof(struct sync_msg, text) && m.step == SYNC_ERROR) {
                m.text[sizeof(m.text) - 1] = '\0';
                return berth_error_setx(err, m.code ? m.code : EIO, "start %s: %s", id, m.text);
        }
        return 0;
}

int berth_oci_start(const struct berth_oci_ctx *ctx, const char *id, struct berth_error *err)
{
        _cleanup_close_ int dirfd = -1;
        struct state st;
        enum container_status s;
        int r = container_load(ctx, id, true, &dirfd, &st, &s, err);
        if (r < 0)
                return r;
        if (s != STATUS_CREATED)
                r = berth_error_setx(err, EINVAL, "start %s: the container is %s, not created",
                                     id, status_name(s));
        else
                r = start_init(dirfd, id, err);
        if (r == 0)
                container_post_hooks(ctx, &st, BERTH_HOOK_POSTSTART, STATUS_RUNNING);
        state_clear(&st);
        return r;
}

static int exit_status(int wstatus)
{
        if (WIFEXITED(wstatus))
                return WEXITSTATUS(wstatus);
        if (WIFSIGNALED(wstatus))
                return 128 + WTERMSIG(wstatus);
        return 255;
}

/* Foreground run: forward every signal we get to the init until it exits. */
int wait_forwarding(pid_t pid, int pidfd, const sigset_t *mask, struct tty_relay *tty,
                    int *status, struct berth_error *err)
{
        _cleanup_close_ int sfd = signalfd(-1, mask, SFD_CLOEXEC);
        if (sfd < 0)
                return berth_error_set(err, errno, "signalfd");
        struct pollfd pfd[4] = { { .fd = sfd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
        for (;;) {
                int wstatus;
                pid_t w = waitpid(pid, &wstatus, WNOHANG);
                if (w == pid) {
                        *status = exit_status(wstatus);
                        return 0;
                }
                if (w < 0 && errno != EINTR)
                        return berth_error_set(err, errno, "wait for the container");
                int n = 2 + tty_relay_pollfds(tty, pfd + 2);
                if (poll(pfd, (nfds_t)n, -1) < 0 && errno != EINTR)
                        return berth_error_set(err, errno, "poll");
                tty_relay_io(tty, pfd + 2, n - 2);
                if (pfd[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo == SIGCHLD)
                                continue;
                        /* with a pty the kernel tells the container of a
                         * new size itself, once the pty has it */
                        if (si.ssi_signo == SIGWINCH && tty->master >= 0)
                                tty_relay_winch(tty);
                        else
                                sys_pidfd_send_signal(pidfd, (int)si.ssi_signo);
                }
        }
}

int berth_oci_run(const struct berth_oci_ctx *ctx, const char *id,
                  const struct berth_create_opts *opts, bool detach, bool keep, int *status,
                  struct berth_error *err)
{
        const char *root = ctx_root(ctx);
        struct launch l;
        sigset_t mask, old;
        sigfillset(&mask);
        sigdelset(&mask, SIGSEGV);
        sigdelset(&mask, SIGBUS);
        sigdelset(&mask, SIGFPE);
        sigdelset(&mask, SIGILL);
        /* block before the init runs, so no signal is lost in between */
        if (!detach)
                sigprocmask(SIG_BLOCK, &mask, &old);
        int r = launch(ctx, id, opts, true, detach, &l, err);
        if (r < 0)
                goto out;
        /* #3 START */
        r = sync_send(l.sync_fd, SYNC_START, -1, err);
        if (r == 0) {
                /* EOF: exec went through; an error message: it did not */
                enum sync_step got;
                struct berth_error e = { 0 };
                if (sync_recv(l.sync_fd, SYNC_NONE, &got, NULL, &e) == 0 || e.code != EPIPE)
                        r = e.code ? berth_error_setx(err, e.code, "%s", e.msg) : 0;
        }
        if (r < 0) {
                berth_error_prefix(err, "run %s", id);
                launch_abort(&l, root, id);
                goto out;
        }
        container_post_hooks(ctx, &l.st, BERTH_HOOK_POSTSTART, STATUS_RUNNING);
        if (detach) {
                l.pid = 0;
                launch_release(&l);
                goto out;
        }
        /* other commands (kill, state, pause) must not wait on our lock */
        flock(l.dirfd, LOCK_UN);
        int st = 0;
        struct tty_relay tty;
        tty_relay_begin(&tty, TAKE_FD(l.master));
        r = wait_forwarding(l.pid, l.pidfd, &mask, &tty, &st, err);
        tty_relay_end(&tty);
        if (r == 0 && status)
                *status = st;
        if (r == 0)
                l.pid = 0;
        if (!keep) {
                int q = container_teardown(ctx, &l.st, l.cg, r < 0 ? NULL : err);
                if (r == 0)
                        r = q;
        }
        cleanup_pidp(&l.pid);
        launch_release(&l);
out:
        if (!detach)
                sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
