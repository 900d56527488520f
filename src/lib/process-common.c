/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Limits and identity of the process about to run the user's program:
 * shared by the init (process.c) and exec (exec-child.c). Which process:
 * either of those, inside the container, before execve. */
#include "process-common.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

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
