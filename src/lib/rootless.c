/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A runtime that is not root. Which process: the runtime, in the caller's
 * namespaces, as an unprivileged user. Unless a cgroup was delegated to
 * that user, it can create none: a container without limits runs
 * without a cgroup (kill and delete go through the init's pidfd), one
 * with limits is refused. */
#include "rootless.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

bool resources_asked(const struct berth_resources *r)
{
        /* kernel and kernelTCP are ignored by every cgroup version berth
         * drives (the kernel dropped them), so they ask for nothing */
        return r->memory.limit.set || r->memory.reservation.set || r->memory.swap.set ||
               r->memory.swappiness.set || r->memory.disable_oom_killer.set || r->cpu.shares.set ||
               r->cpu.period.set || r->cpu.realtime_period.set || r->cpu.burst.set ||
               r->cpu.quota.set || r->cpu.realtime_runtime.set || r->cpu.idle.set || r->cpu.cpus ||
               r->cpu.mems || r->pids.limit.set || r->block_io.weight.set ||
               r->block_io.leaf_weight.set || r->block_io.n_weight_device ||
               r->block_io.n_throttle_read_bps || r->block_io.n_throttle_write_bps ||
               r->block_io.n_throttle_read_iops || r->block_io.n_throttle_write_iops ||
               r->n_hugepage_limits || r->network.class_id.set || r->network.n_priorities ||
               r->n_unified;
}

int cgroup_create_or_skip(const char *id, const char *path, const struct berth_spec *spec,
                          const struct berth_resources *res, struct berth_cgroup **out,
                          struct berth_error *warning, struct berth_error *err)
{
        struct berth_error e = { 0 };
        *out = NULL;
        int r = cgroup_create(path, res, out, &e);
        if (r == 0)
                return 0;
        if (geteuid() == 0 || (r != -EACCES && r != -EPERM && r != -EROFS))
                return berth_error_setx(err, e.code, "%s", e.msg);
        unsigned uid = (unsigned)geteuid();
        if (resources_asked(&spec->resources))
                return berth_error_setx(err, e.code,
                                        "%s: cgroups are not delegated to uid %u, and "
                                        "linux.resources asks for limits: delegate a cgroup to "
                                        "this user and point linux.cgroupsPath into it, or drop "
                                        "the limits",
                                        e.msg, uid);
        berth_error_setx(warning, e.code,
                         "warning: create %s: cgroups skipped: not delegated to uid %u (%s); the "
                         "container runs without limits, pause and ps need a cgroup",
                         id, uid, e.msg);
        return 0;
}
