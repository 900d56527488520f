/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.berth.init: berth's own PID 1. Which process: the container's init
 * (process.c) at the point where it would execve the user's program, in
 * every namespace of the container, with its root, user, capabilities,
 * no_new_privs and seccomp filter already applied, so both halves of the
 * fork carry them. The child goes on to execve; the parent stays PID 1 and
 * does nothing but wait, reap and forward signals.
 *
 * Why the parent may stay the runtime's image: it is not dumpable (the
 * init made itself so before anything else, and dumpability is only reset
 * by an execve, which it never makes), so no process in the container can
 * ptrace it or open its /proc/1/exe, mem, maps or fds without
 * CAP_SYS_PTRACE over the runtime's user namespace; it closes every fd
 * before it waits, so it holds nothing of the host, not even the socket
 * that reports exec errors (the runtime learns that the exec went through
 * from EOF on it); and it makes no syscall the default seccomp profile
 * denies (rt_sigprocmask, signalfd4, clone, setpgid, setsid, prctl,
 * close_range, wait4, read, kill, exit_group). */
#include "init-reaper.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* The reaper's name in `ps` (comm); its cmdline stays the runtime's. */
#define REAPER_COMM "berth-init"

/* What the reaper leaves unblocked: the synchronous faults, which mean a
 * bug in the reaper itself and must kill it rather than loop. Every other
 * signal but SIGCHLD (ours, for reaping) is forwarded; SIGKILL and
 * SIGSTOP cannot be caught and act on the reaper itself. */
static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGSYS, SIGTRAP };

static void forwarded_signals(sigset_t *set)
{
        sigfillset(set);
        for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++)
                sigdelset(set, fault_signals[i]);
}

/* The status `berth oci run` reports for the child: a PID 1 cannot kill
 * itself with the same signal (the kernel drops signals its own namespace
 * sends it), so a death by signal N becomes exit 128+N, which is what the
 * runtime reports for a signal death anyway. */
static int status_of(int wstatus)
{
        if (WIFEXITED(wstatus))
                return WEXITSTATUS(wstatus);
        if (WIFSIGNALED(wstatus))
                return 128 + WTERMSIG(wstatus);
        return 255;
}

static void close_fds(unsigned int lo, unsigned int hi)
{
        if (lo > hi || syscall(SYS_close_range, lo, hi, 0) == 0)
                return;
        /* no close_range (Linux < 5.9, or a profile that denies it) */
        long max = sysconf(_SC_OPEN_MAX);
        unsigned int end = max > 0 && max < 65536 ? (unsigned int)max : 65536;
        for (unsigned int fd = lo; fd <= hi && fd < end; fd++)
                close((int)fd);
}

/* To the child's process group, as a terminal would, so a shell's
 * foreground job hears it too; to the child alone once it has left that
 * group. */
static void forward(pid_t child, int sig)
{
        if (kill(-child, sig) < 0 && errno == ESRCH)
                kill(child, sig);
}

static _Noreturn void reap(pid_t child, int sfd)
{
        for (;;) {
                int wstatus;
                pid_t w;
                /* every zombie, ours or an orphan reparented to us: one
                 * SIGCHLD may stand for many */
                while ((w = waitpid(-1, &wstatus, WNOHANG)) > 0)
                        if (w == child)
                                _exit(status_of(wstatus));
                struct signalfd_siginfo si;
                ssize_t n = read(sfd, &si, sizeof(si));
                if (n == (ssize_t)sizeof(si)) {
                        if (si.ssi_signo != SIGCHLD)
                                forward(child, (int)si.ssi_signo);
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                /* the signalfd broke: keep reaping, without forwarding */
                for (;;) {
                        w = waitpid(-1, &wstatus, 0);
                        if (w == child)
                                _exit(status_of(wstatus));
                        if (w < 0 && errno != EINTR)
                                _exit(255);
                }
        }
}

/* The child, before it returns to exec: a process group of its own, the
 * terminal's foreground one when it has the pty (the init made itself the
 * pty's session leader in setup_terminal; the reaper keeps that session).
 * SIGTTOU is still blocked here, so tcsetpgrp from the new background
 * group is not stopped by it. */
static int child_setup(bool terminal, struct berth_error *err)
{
        if (setpgid(0, 0) < 0)
                return berth_error_set(err, errno, "org.berth.init: own process group");
        if (terminal && tcsetpgrp(STDIN_FILENO, getpid()) < 0)
                return berth_error_set(err, errno,
                                       "org.berth.init: make the program the terminal's "
                                       "foreground");
        return 0;
}

int init_reaper_fork(bool terminal, struct berth_error *err)
{
        sigset_t set, old;
        forwarded_signals(&set);
        /* blocked before the fork: a signal from now on waits in the
         * signalfd instead of being lost (or killing the child early) */
        if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
                return berth_error_set(err, errno, "org.berth.init: block signals");
        int sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sfd < 0) {
                int e = errno;
                sigprocmask(SIG_SETMASK, &old, NULL);
                return berth_error_set(err, e, "org.berth.init: signalfd");
        }
        /* Without a pty the init is still in the caller's session and, for
         * a foreground run, its foreground group: a session of our own keeps
         * the caller's terminal from signalling the container behind the
         * runtime's back (the runtime forwards), and a child in a group of
         * its own from being stopped as a background job when it reads that
         * terminal (it is no controlling terminal of ours then). */
        if (!terminal)
                setsid();
        pid_t child = fork();
        if (child < 0) {
                int e = errno;
                close(sfd);
                sigprocmask(SIG_SETMASK, &old, NULL);
                return berth_error_set(err, e, "org.berth.init: fork the program");
        }
        if (child == 0) {
                /* close-on-exec, but nothing of the reaper's should last
                 * even until then */
                close(sfd);
                return child_setup(terminal, err);
        }

        /* The reaper: PID 1. Both sides set the child's group, so a signal
         * forwarded before the child ran still finds the group. */
        setpgid(child, child);
        prctl(PR_SET_NAME, REAPER_COMM, 0, 0, 0);
        /* without a pid namespace the orphans would go to the host's init */
        if (getpid() != 1)
                prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        /* nothing of the container's stdio, the preserved fds, the pty or
         * the exec-error socket stays open here */
        if (sfd > 0)
                close_fds(0, (unsigned int)sfd - 1);
        close_fds((unsigned int)sfd + 1, ~0U);
        reap(child, sfd);
}
