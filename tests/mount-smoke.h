/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mount-smoke: what the top process (mount-smoke.c) and the scenarios
 * that run inside the container (mount-smoke-scenarios.c) share. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct env {
        char tmp[256];              /* the test's temp dir: the bundle */
        char root[PATH_MAX];        /* TMP/rootfs: the busybox rootfs */
        char evil_root[PATH_MAX];   /* TMP/evil-rootfs: symlinks aimed at the host */
        char hostdir[PATH_MAX];     /* bound read-only at /mnt/ro */
        char hostdir2[PATH_MAX];    /* bound rw at /scratch/ro, then a readonly path */
        char hostfile[PATH_MAX];    /* a file bind */
        char lockeddir[PATH_MAX];   /* a nosuid,nodev,noexec tmpfs: flags locked in a userns */
        char outside[PATH_MAX];     /* /tmp/outside-PID: must never appear */
        char outside_dir[PATH_MAX]; /* /tmp/outside-PID-dir: exists, must stay empty */
        char outside_dot[PATH_MAX]; /* /tmp/outside-PID-dot: a ".." escape, must not appear */
        bool has_tun;
};

struct report {
        int fd; /* pipe to the top process */
};

/* One "PASS name" or "FAIL name: detail" line to the top process. */
__attribute__((format(printf, 4, 5))) void report(const struct report *rp, bool ok,
                                                  const char *name, const char *fmt, ...);

int write_text(const char *path, const char *text);
ssize_t read_text(const char *path, char *buf, size_t size);
char *read_all(const char *path); /* malloc'd, NULL on error */

/* Each runs as pid 1 of fresh mount, pid, ipc and uts namespaces. */
void scenario_host(const struct report *rp, const struct env *env);
void scenario_userns(const struct report *rp, const struct env *env);
void scenario_no_pivot(const struct report *rp, const struct env *env);
void scenario_shared(const struct report *rp, const struct env *env);
void scenario_unbindable(const struct report *rp, const struct env *env);
void scenario_split(const struct report *rp, const struct env *env);
void scenario_evil(const struct report *rp, const struct env *env);
