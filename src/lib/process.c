/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The init. Which process: the clone3 child of the runtime, PID 1 of a new
 * pid namespace when the spec asks for one. Namespaces: born into the new
 * ones; joins the spec's paths here. Privileges: full root (of its user
 * namespace) until the uid switch and capability drop below; the process
 * is not dumpable until execve, so nothing in the container can open our
 * /proc/PID/exe or memory. */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "mount-idmap.h"
#include "mount.h"
#include "hooks.h"
#include "init-reaper.h"
#include "ns.h"
#include "process-attrs.h"
#include "process-common.h"
#include "seccomp.h"
#include "security.h"
#include "sync.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_get(char *const *env, const char *key)
{
        size_t k = strlen(key);
        for (char *const *e = env; e && *e; e++)
                if (!strncmp(*e, key, k) && (*e)[k] == '=')
                        return *e + k + 1;
        return NULL;
}

static bool is_executable_file(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int find_executable(const char *argv0, char *const *env, char **out, struct berth_error *err)
{
        if (strchr(argv0, '/')) {
                if (access(argv0, F_OK) < 0)
                        return berth_error_set(err, errno, "exec %s", argv0);
                if (!is_executable_file(argv0))
                        return berth_error_setx(err, EACCES, "exec %s: not an executable file",
                                                argv0);
                *out = strdup(argv0);
                return *out ? 0 : -ENOMEM;
        }
        const char *path = env_get(env, "PATH");
        if (!path)
                path = DEFAULT_PATH;
        while (*path) {
                size_t len = strcspn(path, ":");
                char buf[PATH_MAX];
                int n = len ? snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, argv0)
                            : snprintf(buf, sizeof(buf), "%s", argv0);
                if (n > 0 && n < (int)sizeof(buf) && is_executable_file(buf)) {
                        *out = strdup(buf);
                        return *out ? 0 : -ENOMEM;
                }
                path += len;
                if (*path == ':')
                        path++;
        }
        return berth_error_setx(err, ENOENT, "exec \"%s\": executable file not found in $PATH",
                                argv0);
}

static int set_names(const struct berth_spec *spec, struct berth_error *err)
{
        if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                return berth_error_set(err, errno, "set hostname %s", spec->hostname);
        if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
                return berth_error_set(err, errno, "set domainname %s", spec->domainname);
        return 0;
}

/* A new network namespace starts with lo down; bring it up, as runc
 * does, so 127.0.0.1 works: the one interface a bare spec gives. */
static int loopback_up(const struct berth_spec *spec, struct berth_error *err)
{
        const struct berth_namespace *net = spec_namespace(spec, BERTH_NS_NET);
        if (!net || net->path)
                return 0;
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = { .ifr_name = "lo" };
        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return berth_error_set(err, errno, "bring lo up");
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return berth_error_set(err, errno, "bring lo up");
        return 0;
}

static int set_sysctls(const struct berth_spec *spec, struct berth_error *err)
{
        for (size_t i = 0; i < spec->n_sysctl; i++) {
                char path[PATH_MAX];
                int n = snprintf(path, sizeof(path), "/proc/sys/%s", spec->sysctl[i].key);
                if (n < 0 || n >= (int)sizeof(path))
                        return berth_error_setx(err, ENAMETOOLONG, "sysctl %s", spec->sysctl[i].key);
                for (char *p = path + strlen("/proc/sys/"); *p; p++)
                        if (*p == '.')
                                *p = '/';
                int r = write_file_at(AT_FDCWD, path, spec->sysctl[i].value);
                if (r < 0)
                        return berth_error_set(err, -r, "sysctl %s=%s", spec->sysctl[i].key,
                                               spec->sysctl[i].value);
        }
        return 0;
}

/* A pty for process.terminal: the master goes to the parent (and from
 * there to the console socket), the slave becomes our stdio and
 * controlling terminal, and /dev/console of the container (after the
 * pivot, with a mount namespace of its own; never the host's). */
static int setup_terminal(const struct berth_spec *spec, int sync_fd, struct berth_error *err)
{
        _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return berth_error_set(err, errno, "open /dev/ptmx");
        if (unlockpt(master) < 0)
                return berth_error_set(err, errno, "unlockpt");
        _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (slave < 0)
                return berth_error_set(err, errno, "open the pty's peer");
        if (spec->process.console_size.set) {
                struct winsize ws = { .ws_row = (unsigned short)spec->process.console_size.height,
                                      .ws_col = (unsigned short)spec->process.console_size.width };
                ioctl(slave, TIOCSWINSZ, &ws);
        }
        if (spec_namespace(spec, BERTH_NS_MNT)) {
                int r = dev_console_bind(slave, err);
                if (r < 0)
                        return r;
        }
        if (setsid() < 0 && errno != EPERM)
                return berth_error_set(err, errno, "setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return berth_error_set(err, errno, "set the controlling terminal");
        for (int fd = 0; fd < 3; fd++)
                if (dup2(slave, fd) < 0)
                        return berth_error_set(err, errno, "dup2 the pty");
        return sync_send(sync_fd, SYNC_CONSOLE, master, err);
}

/* The whole of a memfd the parent sent (a state JSON for our hooks). */
static int read_state_fd(int fd, char **out, struct berth_error *err)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_error_set(err, errno, "read the state for hooks");
        char *buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return berth_error_set(err, ENOMEM, "read the state for hooks");
        ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
        if (n < 0) {
                free(buf);
                return berth_error_set(err, errno, "read the state for hooks");
        }
        buf[n] = '\0';
        *out = buf;
        return 0;
}

/* #1 (hooks) the states our createContainer/startContainer hooks read */
static int receive_hook_states(struct init_args *a, struct berth_error *err)
{
        static const enum berth_hook_kind kinds[] = { BERTH_HOOK_CREATE_CONTAINER,
                                                      BERTH_HOOK_START_CONTAINER };
        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
                if (!a->spec->n_hooks[kinds[i]])
                        continue;
                _cleanup_close_ int fd = -1;
                int r = sync_expect(a->sync_fd, SYNC_STATE, &fd, err);
                if (r < 0)
                        return r;
                r = read_state_fd(fd, &a->hook_state[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Between our mounts and pivot_root: the runtime's prestart/createRuntime
 * hooks (#1a PREPARED, #1b HOOKS_DONE), then our createContainer hooks,
 * in the container's namespaces with the host's paths still visible. */
static int hooks_before_pivot(struct init_args *a, struct berth_error *err)
{
        const struct berth_spec *spec = a->spec;
        int r;
        if (init_waits_for_runtime_hooks(spec)) {
                r = sync_send(a->sync_fd, SYNC_PREPARED, -1, err);
                if (r < 0)
                        return r;
                r = sync_expect(a->sync_fd, SYNC_HOOKS_DONE, NULL, err);
                if (r < 0)
                        return r;
        }
        enum berth_hook_kind k = BERTH_HOOK_CREATE_CONTAINER;
        return hooks_run(spec->hooks[k], spec->n_hooks[k], k, a->hook_state[0], err);
}

/* Everything between GO and READY; the order is the spec's. */
static int setup(struct init_args *a, char **exe, struct berth_error *err)
{
        const struct berth_spec *spec = a->spec;
        const struct berth_process *p = &spec->process;
        __attribute__((cleanup(idmap_trees_release))) struct idmap_trees trees = { 0 };
        int r;

        /* #1 GO: maps are written and we are in the cgroup */
        r = sync_expect(a->sync_fd, SYNC_GO, NULL, err);
        if (r < 0)
                return r;
        if (a->stay_dumpable)
                prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        r = idmap_trees_receive(spec, a->sync_fd, &trees, err);
        if (r < 0)
                return r;
        r = receive_hook_states(a, err);
        if (r < 0)
                return r;
        r = ns_join_opened(a->ns_fds, err);
        if (r < 0)
                return r;
        const struct berth_namespace *cgns = spec_namespace(spec, BERTH_NS_CGROUP);
        if (cgns && !cgns->path && unshare(CLONE_NEWCGROUP) < 0)
                return berth_error_set(err, errno, "create cgroup namespace");
        if (spec_namespace(spec, BERTH_NS_USER)) {
                /* become root of the new user namespace (its maps exist now) */
                if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                        return berth_error_set(err, errno,
                                               "become root in the user namespace (is uid/gid 0 "
                                               "mapped?)");
        }
        r = set_names(spec, err);
        if (r == 0)
                r = loopback_up(spec, err);
        if (r < 0)
                return r;
        if (spec_namespace(spec, BERTH_NS_MNT)) {
                r = rootfs_prepare_with(spec, &trees, a->cg, err);
                if (r < 0)
                        return r;
                r = hooks_before_pivot(a, err);
                if (r < 0)
                        return r;
                r = rootfs_enter(spec, a->no_pivot, err);
                if (r < 0)
                        return r;
                /* sysctls go through /proc/sys, which finalize may make read-only */
                r = set_sysctls(spec, err);
                if (r < 0)
                        return r;
                r = rootfs_finalize(spec, err);
                if (r < 0)
                        return r;
        } else {
                r = hooks_before_pivot(a, err);
                if (r < 0)
                        return r;
                if (chroot(spec->root_path) < 0 || chdir("/") < 0)
                        return berth_error_set(err, errno, "chroot %s", spec->root_path);
                r = set_sysctls(spec, err);
                if (r < 0)
                        return r;
        }
        if (a->terminal) {
                r = setup_terminal(spec, a->sync_fd, err);
                if (r < 0)
                        return r;
        }
        r = process_set_rlimits(p, err);
        if (r < 0)
                return r;
        r = process_set_oom_score_adj(p, err);
        if (r < 0)
                return r;
        r = process_attrs_apply(spec, err);
        if (r < 0)
                return r;
        /* without no_new_privs the kernel wants CAP_SYS_ADMIN to load a
         * filter, which the uid switch may drop: load it now */
        if (!p->no_new_privileges) {
                r = seccomp_load_plan(a->seccomp, err);
                if (r < 0)
                        return r;
        }
        r = caps_drop_bounding(p, err);
        if (r < 0)
                return r;
        r = process_switch_user(p, err);
        if (r < 0)
                return r;
        if (p->cwd) {
                r = process_chdir_cwd(p->cwd, err);
                if (r < 0)
                        return r;
        }
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return berth_error_set(err, errno, "set no_new_privs");
        umask(p->user.umask.set ? (mode_t)p->user.umask.v : 022);
        /* a missing program fails create, not start */
        return find_executable(p->args[0], p->env, exe, err);
}

/* Block until start: `run` says START on the socketpair; `create` says
 * DETACH and `start` later connects to start.sock. Returns the fd errors
 * of the exec itself are reported on. */
static int wait_for_start(struct init_args *a, struct berth_error *err)
{
        enum sync_step got;
        int r = sync_recv(a->sync_fd, SYNC_START, &got, NULL, err);
        if (r < 0)
                return r;
        if (got == SYNC_START)
                return a->sync_fd;
        if (got != SYNC_DETACH || a->listen_fd < 0)
                return berth_error_setx(err, EPROTO, "sync: expected start, got %s",
                                        sync_step_name(got));
        close(a->sync_fd);
        a->sync_fd = -1;
        for (;;) {
                int conn = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (conn < 0) {
                        if (errno == EINTR)
                                continue;
                        return berth_error_set(err, errno, "wait for start");
                }
                char c;
                ssize_t n = read(conn, &c, 1);
                if (n == 1 && c == 's') {
                        close(a->listen_fd);
                        a->listen_fd = -1;
                        return conn;
                }
                close(conn);
        }
}

_Noreturn void init_main(struct init_args *a)
{
        struct berth_error err = { 0 };
        _cleanup_free_ char *exe = NULL;

        /* what the caller ignored is not the container's to inherit; the
         * mask stays until exec (a foreground run forwards signals) */
        process_reset_signals(false);
        /* no PDEATHSIG: the parent of `create` exits on purpose; a parent
         * that dies early shows up as EOF at the next sync step */
        /* an unprivileged runtime (or newuidmap) can write our maps only
         * while /proc/PID is its own: not dumpable from GO on then */
        if (!a->stay_dumpable)
                prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        close(a->state_fd);
        /* before the inherited fds close: the cgroup dirfds are among them */
        if (a->join_cgroup && cgroup_enter_self(a->cg, &err) < 0) {
                sync_send_error(a->sync_fd, &err);
                _exit(127);
        }
        {
                int keep[3 + BERTH_NS__COUNT] = { a->sync_fd, a->listen_fd,
                                                  seccomp_plan_fd(a->seccomp) };
                memcpy(keep + 3, a->ns_fds, sizeof(a->ns_fds));
                process_close_inherited_fds(a->preserve_fds, keep, ARRAY_SIZE(keep));
        }
        if (setup(a, &exe, &err) < 0) {
                sync_send_error(a->sync_fd, &err);
                _exit(127);
        }
        /* #2 READY: the parent records the state */
        if (sync_send(a->sync_fd, SYNC_READY, -1, &err) < 0)
                _exit(127);
        int report_fd = wait_for_start(a, &err);
        if (report_fd < 0) {
                if (a->sync_fd >= 0)
                        sync_send_error(a->sync_fd, &err);
                _exit(127);
        }
        /* fds 0..2 and the preserved ones pass to the program; the rest are
         * ours and close at exec */
        syscall(SYS_close_range, 3 + a->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
        fcntl(report_fd, F_SETFD, FD_CLOEXEC);
        /* startContainer hooks: after start, in the container, before the
         * user's program */
        enum berth_hook_kind sc = BERTH_HOOK_START_CONTAINER;
        if (hooks_run(a->spec->hooks[sc], a->spec->n_hooks[sc], sc, a->hook_state[1], &err) < 0) {
                sync_send_error(report_fd, &err);
                _exit(127);
        }
        /* the last steps before exec: LSM label, then the seccomp filter */
        if (process_lsm_apply(a->spec, &err) < 0 ||
            (a->spec->process.no_new_privileges && seccomp_load_plan(a->seccomp, &err) < 0)) {
                sync_send_error(report_fd, &err);
                _exit(127);
        }
        /* org.berth.init: our reaper stays PID 1 and the program runs as
         * its child; an error here reaches the user as an exec error */
        if (a->spec->init_reaper && init_reaper_fork(a->terminal, &err) < 0) {
                sync_send_error(report_fd, &err);
                _exit(127);
        }
        /* a foreground run blocks signals to forward them: the user's
         * program starts with none blocked */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(exe, a->spec->process.args, a->spec->process.env);
        berth_error_set(&err, errno, "exec %s", exe);
        sync_send_error(report_fd, &err);
        _exit(127);
}
