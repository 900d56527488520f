// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel floor of the start-up benchmark: the least a runtime must do
 * to run /bin/true in a container, in one process with no re-exec.
 *
 *   floor [--no-netns] ROOTFS
 *
 * clone3() with the namespaces of the benchmark's bundle (mount, pid, ipc,
 * uts, cgroup, and network unless --no-netns); in the child: mount
 * propagation made private, ROOTFS bind-mounted onto itself and made
 * read-only (the bundle's root is read-only), /proc mounted, pivot_root
 * into it, exec /bin/true. The parent waits and exits with the child's
 * status. No cgroup, no /dev, no seccomp, no capability dropping: every
 * runtime measured does more than this, so it is a floor, not a rival.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
        fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
        _exit(127);
}

static void child(const char *rootfs)
{
        char proc[4096];

        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                die("make / private");
        if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                die("bind the rootfs");
        if (mount(NULL, rootfs, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
                die("make the rootfs read-only");
        if (snprintf(proc, sizeof(proc), "%s/proc", rootfs) >= (int)sizeof(proc)) {
                errno = ENAMETOOLONG;
                die("rootfs");
        }
        if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                die("mount /proc");
        if (chdir(rootfs) < 0)
                die("chdir to the rootfs");
        /* pivot_root(".", ".") stacks the old root on the new one; detaching
         * it then leaves only the rootfs, with no directory to pivot into. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                die("pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                die("detach the old root");
        if (chdir("/") < 0)
                die("chdir /");
        char *const argv[] = { "/bin/true", NULL };
        char *const envp[] = { "PATH=/bin:/sbin:/usr/bin:/usr/sbin", NULL };
        execve(argv[0], argv, envp);
        die("exec /bin/true");
}

int main(int argc, char **argv)
{
        uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
                         CLONE_NEWCGROUP | CLONE_NEWNET;
        int i = 1;

        if (argc > 1 && strcmp(argv[1], "--no-netns") == 0) {
                flags &= ~(uint64_t)CLONE_NEWNET;
                i++;
        }
        if (argc != i + 1) {
                fprintf(stderr, "usage: floor [--no-netns] ROOTFS\n");
                return 2;
        }

        struct clone_args ca = { .flags = flags, .exit_signal = SIGCHLD };
        long pid = syscall(SYS_clone3, &ca, sizeof(ca));
        if (pid < 0)
                die("clone3");
        if (pid == 0)
                child(argv[i]);

        int status;
        while (waitpid((pid_t)pid, &status, 0) < 0)
                if (errno != EINTR)
                        die("waitpid");
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}
