/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Limits and identity of the process about to run the user's program:
 * shared by the init (process.c) and exec (exec-child.c). Which process:
 * either of those, inside the container, before execve. */
#include "process-common.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <stdint.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "security.h"
#include "util.h"

int process_set_rlimits(const struct berth_process *p, struct berth_error *err)
{
        for (size_t i = 0; i < p->n_rlimits; i++) {
                const struct berth_rlimit *rl = &p->rlimits[i];
                struct rlimit lim = { .rlim_cur = rl->soft, .rlim_max = rl->hard };
                if (setrlimit(rl->resource, &lim) < 0) {
                        if (errno == EPERM)
                                return berth_error_set(err, errno,
                                                       "set rlimit %d to %llu/%llu (raising a hard "
                                                       "limit needs CAP_SYS_RESOURCE)",
                                                       rl->resource, (unsigned long long)rl->soft,
                                                       (unsigned long long)rl->hard);
                        return berth_error_set(err, errno, "set rlimit %d", rl->resource);
                }
        }
        return 0;
}

int process_set_oom_score_adj(const struct berth_process *p, struct berth_error *err)
{
        if (!p->oom_score_adj.set)
                return 0;
        char buf[32];
        snprintf(buf, sizeof(buf), "%lld", (long long)p->oom_score_adj.v);
        int r = write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", buf);
        if (r < 0)
                return berth_error_set(err, -r, "set oomScoreAdj %s", buf);
        return 0;
}

int process_switch_user(const struct berth_process *p, struct berth_error *err)
{
        if (p->user.n_additional_gids > 0) {
                if (setgroups(p->user.n_additional_gids, p->user.additional_gids) < 0)
                        return berth_error_set(err, errno, "setgroups");
        } else if (setgroups(0, NULL) < 0 && errno != EPERM) {
                /* EPERM: a user namespace with setgroups denied */
                return berth_error_set(err, errno, "setgroups");
        }
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return berth_error_set(err, errno, "keep capabilities");
        if (setresgid(p->user.gid, p->user.gid, p->user.gid) < 0)
                return berth_error_set(err, errno, "setgid %u", p->user.gid);
        if (setresuid(p->user.uid, p->user.uid, p->user.uid) < 0)
                return berth_error_set(err, errno, "setuid %u", p->user.uid);
        int r = caps_apply(p, err);
        if (r < 0)
                return r;
        prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
        return 0;
}

static bool fd_needed(int fd, int preserve_fds, const int *keep, size_t n_keep)
{
        if (fd < 3 + preserve_fds)
                return true;
        for (size_t i = 0; i < n_keep; i++)
                if (keep[i] == fd)
                        return true;
        /* A socket is no path to walk; the seccomp plan's connection to
         * its listener is one, needed until the filter is loaded. All of
         * them are marked close-on-exec before the user's program. */
        struct stat st;
        return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* close_range over the gaps between the fds kept: a few syscalls where a
 * walk of /proc/self/fd took two per fd. False when the kernel has no
 * close_range (before 5.9). */
static bool close_gaps(int preserve_fds, const int *keep, size_t n_keep)
{
        int k[80];
        size_t n = 0;
        for (size_t i = 0; i < n_keep && n < ARRAY_SIZE(k); i++) {
                if (keep[i] < 3 + preserve_fds)
                        continue;
                size_t j = n++;
                for (; j > 0 && k[j - 1] > keep[i]; j--)
                        k[j] = k[j - 1];
                k[j] = keep[i];
        }
        if (n < n_keep && n == ARRAY_SIZE(k))
                return false;
        unsigned lo = 3u + (unsigned)preserve_fds;
        for (size_t i = 0; i <= n; i++) {
                unsigned hi = i < n ? (unsigned)k[i] : ~0U;
                if (hi > lo && syscall(SYS_close_range, lo, hi - 1, 0) < 0)
                        return false;
                if (i < n && (unsigned)k[i] + 1 > lo)
                        lo = (unsigned)k[i] + 1;
        }
        return true;
}

void process_close_inherited_fds(int preserve_fds, const int *keep, size_t n_keep)
{
        if (close_gaps(preserve_fds, keep, n_keep))
                return;
        DIR *d = opendir("/proc/self/fd");
        if (!d) {
                /* no /proc here: every number up to the limit */
                long max = sysconf(_SC_OPEN_MAX);
                for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
                        if (!fd_needed(fd, preserve_fds, keep, n_keep))
                                close(fd);
                return;
        }
        int own = dirfd(d);
        struct dirent *de;
        while ((de = readdir(d))) {
                char *end = NULL;
                long fd = strtol(de->d_name, &end, 10);
                if (de->d_name[0] == '.' || *end != '\0' || fd == own ||
                    fd_needed((int)fd, preserve_fds, keep, n_keep))
                        continue;
                close((int)fd);
        }
        closedir(d);
}

int process_chdir_cwd(const char *cwd, struct berth_error *err)
{
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return berth_error_set(err, errno, "chdir to cwd %s: open /", cwd);
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        long fd;
        do
                fd = syscall(SYS_openat2, root, cwd, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        if (fd < 0 && errno == ELOOP)
                return berth_error_setx(err, ELOOP,
                                        "chdir to cwd %s: it goes through a /proc magic link or "
                                        "too many symlinks",
                                        cwd);
        if (fd < 0)
                return berth_error_set(err, errno, "chdir to cwd %s", cwd);
        /* the kernel checks search permission here, for the user we are now */
        int r = fchdir((int)fd);
        int e = errno;
        close((int)fd);
        if (r < 0)
                return berth_error_set(err, e, "chdir to cwd %s", cwd);
        return 0;
}

/* The signals we ignore, from /proc/self/status: three syscalls instead of
 * one sigaction per signal. All ones when it cannot be read. */
static uint64_t ignored_signals(void)
{
        char buf[4096];
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
        if (fd >= 0)
                close(fd);
        if (n <= 0)
                return UINT64_MAX;
        buf[n] = '\0';
        const char *p = strstr(buf, "\nSigIgn:");
        return p ? strtoull(p + strlen("\nSigIgn:"), NULL, 16) : UINT64_MAX;
}

void process_reset_signals(bool unblock)
{
        /* a handler does not survive execve; an ignored signal does */
        uint64_t ign = ignored_signals();
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        for (int sig = 1; sig < _NSIG && sig <= 64; sig++)
                if ((ign & (UINT64_C(1) << (sig - 1))) && sig != SIGKILL && sig != SIGSTOP)
                        (void)sigaction(sig, &dfl, NULL);
        if (unblock) {
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
        }
}
