/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Enter a running container from the calling process, for callers that
 * run their own code in it rather than exec a program (the Python
 * module's Container.attach(func)). Which process: a forked child of the
 * caller, root, in the host's namespaces, that never goes back.
 *
 * Only the cgroup and the namespaces are entered: capabilities, LSM
 * label and seccomp filter stay the caller's (berth_container_attach is
 * the confined way, for programs). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "manager.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The kinds the init has that we do not share: what setns must join. */
static int ns_differing(pid_t pid, struct berth_error *err)
{
        static const struct {
                const char *name;
                int flag;
        } kinds[] = {
                { "user", CLONE_NEWUSER },     { "mnt", CLONE_NEWNS },    { "pid", CLONE_NEWPID },
                { "net", CLONE_NEWNET },       { "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS },
                { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
        };
        int flags = 0;
        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
                char theirs[64], ours[64];
                struct stat a, b;
                snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, kinds[i].name);
                snprintf(ours, sizeof(ours), "/proc/self/ns/%s", kinds[i].name);
                if (stat(ours, &b) < 0)
                        continue; /* a kind this kernel lacks */
                if (stat(theirs, &a) < 0)
                        return berth_error_set(err, errno, "%s", theirs);
                if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
                        flags |= kinds[i].flag;
        }
        return flags;
}

/* Into the container's cgroup in every hierarchy, before the namespaces:
 * once in its mount and cgroup namespaces the host paths are gone. */
static int enter_cgroup(const char *path, struct berth_error *err)
{
        struct berth_cgroup *cg = NULL;
        int r = cgroup_open(path, &cg, err);
        if (r < 0)
                return r;
        int dirfd = cgroup_clone_fd(cg);
        if (dirfd >= 0) {
                /* pure v2: the core's enter is a no-op (its processes are
                 * born in the cgroup); "0" is the writer itself */
                _cleanup_close_ int fd = openat(dirfd, "cgroup.procs",
                                                O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0 || write(fd, "0", 1) != 1)
                        r = berth_error_set(err, errno, "move into cgroup %s", path);
        } else {
                r = cgroup_enter(cg, getpid(), err);
        }
        cgroup_free(cg);
        return r;
}

int mgr_enter(struct berth_container *c, struct berth_error *err)
{
        _cleanup_close_ int dirfd = -1;
        struct state st;
        enum container_status s;
        struct berth_error e = { 0 };
        if (container_load(&c->ctx, c->name, false, &dirfd, &st, &s, &e) < 0)
                return berth_error_setx(err, ESRCH, "it is not running");
        int r = 0;
        _cleanup_close_ int pidfd = -1, rootfd = -1;
        if (s == STATUS_PAUSED)
                r = berth_error_setx(err, EBUSY, "it is frozen; unfreeze it first");
        else if (s != STATUS_RUNNING)
                r = berth_error_setx(err, ESRCH, "it is not running");
        /* the init we started, not a process that reused its pid */
        if (r == 0 && (pidfd = container_open_init(&st)) < 0)
                r = berth_error_setx(err, ESRCH, "it is not running");
        int flags = r < 0 ? r : ns_differing(st.pid, err);
        if (flags < 0)
                r = flags;
        if (r == 0 && !(flags & CLONE_NEWNS)) {
                /* no mount namespace of its own: its root is a chroot */
                char root[64];
                snprintf(root, sizeof(root), "/proc/%d/root", (int)st.pid);
                rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (rootfd < 0)
                        r = berth_error_set(err, errno, "open %s", root);
        }
        if (r == 0 && st.cgroup_path)
                r = enter_cgroup(st.cgroup_path, err);
        /* one setns through the pidfd joins them all, user namespace first */
        if (r == 0 && flags && setns(pidfd, flags) < 0)
                r = berth_error_set(err, errno, "join its namespaces");
        if (r == 0 && rootfd >= 0 && (fchdir(rootfd) < 0 || chroot(".") < 0))
                r = berth_error_set(err, errno, "enter its root");
        if (r == 0 && chdir("/") < 0)
                r = berth_error_set(err, errno, "chdir / in its root");
        state_clear(&st);
        return r;
}
