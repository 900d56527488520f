/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The processes of `exec` that enter a container.
 *
 * The joiner. Which process: the runtime's clone3 child, in the
 * container's cgroup (born there on v2, moved there by the runtime before
 * GO on v1), still in the runtime's namespaces, root, not dumpable (so the
 * container cannot open our memory or /proc/PID/exe while we are in its
 * namespaces). One setns() through the init's pidfd enters every
 * namespace the container has, user namespace first (Linux 5.8).
 *
 * The exec'd process. A new pid namespace holds only processes created
 * after the setns, so the joiner forks it, with CLONE_PARENT: it is the
 * runtime's child (waited for and signalled like a foreground `run`), in
 * every namespace and the cgroup of the container. It takes the init's
 * steps from rlimits on, in the same order, and execs. */
#include "exec-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "console.h"
#include "process-attrs.h"
#include "process-common.h"
#include "process.h"
#include "seccomp.h"
#include "security.h"
#include "sync.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Everything before the program's own exec; the order is the init's. */
static int prepare(struct exec_child_args *a, char **exe, struct berth_error *err)
{
        const struct berth_spec *spec = a->spec;
        const struct berth_process *p = &spec->process;
        int r;

        /* the runtime blocks every signal to forward them, and its caller
         * may ignore some: the program starts with neither */
        process_reset_signals(true);
        if (a->pty) {
                int master = console_pty_open(p, err);
                if (master < 0)
                        return master;
                r = sync_send(a->sync_fd, SYNC_CONSOLE, master, err);
                close(master);
                if (r < 0)
                        return r;
        }
        r = process_set_rlimits(p, err);
        if (r == 0)
                r = process_set_oom_score_adj(p, err);
        if (r == 0)
                r = process_attrs_apply(spec, err);
        /* without no_new_privs loading a filter needs CAP_SYS_ADMIN, which
         * the uid switch may drop */
        if (r == 0 && !p->no_new_privileges)
                r = seccomp_load_plan(a->seccomp, err);
        if (r == 0)
                r = caps_drop_bounding(p, err);
        if (r == 0)
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
        /* as the user, in the container's root: what execve will see */
        return find_executable(p->args[0], p->env, exe, err);
}

static _Noreturn void run_program(struct exec_child_args *a)
{
        struct berth_error err = { 0 };
        char *exe = NULL;
        if (prepare(a, &exe, &err) < 0)
                goto fail;
        /* fds 0..2 and the preserved ones pass to the program; ours close
         * at exec (the sync socket too: EOF tells the runtime it worked) */
        syscall(SYS_close_range, 3 + a->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
        fcntl(a->sync_fd, F_SETFD, FD_CLOEXEC);
        /* the last steps before exec: LSM label, then the seccomp filter */
        if (process_lsm_apply(a->spec, &err) < 0 ||
            (a->spec->process.no_new_privileges && seccomp_load_plan(a->seccomp, &err) < 0))
                goto fail;
        execve(exe, a->spec->process.args, a->spec->process.env);
        berth_error_set(&err, errno, "exec %s", exe);
fail:
        sync_send_error(a->sync_fd, &err);
        _exit(127);
}

/* A sibling: the runtime's child, born in our (joined) namespaces. */
static pid_t clone_sibling(int *pidfd)
{
        /* exit_signal must be 0 with CLONE_PARENT: the parent's child
         * gets our exit signal (SIGCHLD) */
        struct clone_args args = {
                .flags = CLONE_PARENT | CLONE_PIDFD,
                .pidfd = (uint64_t)(uintptr_t)pidfd,
        };
        return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

_Noreturn void exec_child_main(struct exec_child_args *a)
{
        struct berth_error err = { 0 };
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        close(a->state_fd);
        /* before the inherited fds close: the cgroup dirfds are among them */
        if (a->cg && cgroup_enter_self(a->cg, &err) < 0)
                goto fail;
        const int keep[] = { a->sync_fd, a->init_pidfd, a->root_fd, seccomp_plan_fd(a->seccomp) };
        process_close_inherited_fds(a->preserve_fds, keep, ARRAY_SIZE(keep));
        /* #1 GO: we are in the container's cgroup */
        if (sync_expect(a->sync_fd, SYNC_GO, NULL, &err) < 0)
                goto fail;
        if (a->ns_flags && setns(a->init_pidfd, a->ns_flags) < 0) {
                berth_error_set(&err, errno, "join the container's namespaces");
                goto fail;
        }
        if (a->root_fd >= 0 && (fchdir(a->root_fd) < 0 || chroot(".") < 0)) {
                berth_error_set(&err, errno, "enter the container's root");
                goto fail;
        }
        int pidfd = -1;
        pid_t pid = clone_sibling(&pidfd);
        if (pid < 0) {
                berth_error_set(&err, errno, "fork into the container");
                goto fail;
        }
        if (pid == 0)
                run_program(a);
        /* #2 READY: the runtime waits for the program through this pidfd */
        if (sync_send(a->sync_fd, SYNC_READY, pidfd, &err) < 0) {
                /* nobody would wait for it */
                kill(pid, SIGKILL);
                _exit(127);
        }
        _exit(0);
fail:
        sync_send_error(a->sync_fd, &err);
        _exit(127);
}
