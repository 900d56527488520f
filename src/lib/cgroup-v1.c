/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup v1 backend: one hierarchy per controller (or co-mounted
 * group), and on a hybrid machine the cgroup2 hierarchy at
 * /sys/fs/cgroup/unified as well (for hugetlb there and `unified` keys). */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "util.h"

#define OFF(field) offsetof(struct berth_resources, field)

bool cg1_memsw_first(int64_t cur_limit, int64_t new_swap)
{
        /* The kernel refuses any write that leaves limit > memsw. Raising
         * memsw to at least the current limit is always safe first; when
         * the new memsw is below the current limit, the limit must come
         * down first (and then limit <= new memsw <= old memsw holds). */
        if (new_swap < 0)
                return true;
        return cur_limit >= 0 && new_swap >= cur_limit;
}

/* memory.limit / memory.swap: swap in the spec is memory+swap, which is
 * v1's memsw. 0 means unset (as runc); -1 is unlimited. */
static int v1_memory(const struct cg_row *row, const struct berth_resources *res,
                     const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)row;
        const struct opt_i64 *L = &res->memory.limit, *S = &res->memory.swap;
        bool lset = L->set && L->v != 0, sset = S->set && S->v != 0;
        int64_t l = lset && L->v < 0 ? -1 : L->v, s = sset && S->v < 0 ? -1 : S->v;
        unsigned sflags = s < 0 ? CG_W_OPTIONAL : 0;
        if (lset && sset && l > 0 && s > 0 && s < l)
                return berth_error_setx(err, EINVAL,
                                        "linux.resources.memory.swap (%" PRId64
                                        ") is memory+swap and must be at least "
                                        "linux.resources.memory.limit (%" PRId64 ")",
                                        s, l);
        if (lset && l < 0 && !sset) {
                /* Unlimited memory lifts memsw too, or an old memsw would
                 * keep capping it (and refuse the limit write). */
                sset = true;
                s = -1;
                sflags = CG_W_OPTIONAL;
        }
        const char *lf = "memory.limit_in_bytes", *sf = "memory.memsw.limit_in_bytes";
        const char *lw = "linux.resources.memory.limit", *sw = "linux.resources.memory.swap";
        unsigned lflags = l < 0 ? CG_W_OPTIONAL : 0;
        int r = 0;
        if (lset && sset && cg1_memsw_first(env->cur_mem_limit, s)) {
                r = cg_plan_add(plan, "memory", sf, sw, sflags, err, "%" PRId64, s);
                if (r == 0)
                        r = cg_plan_add(plan, "memory", lf, lw, lflags, err, "%" PRId64, l);
                return r;
        }
        if (lset)
                r = cg_plan_add(plan, "memory", lf, lw, lflags, err, "%" PRId64, l);
        if (r == 0 && sset)
                r = cg_plan_add(plan, "memory", sf, sw, sflags, err, "%" PRId64, s);
        return r;
}

/* A boolean; the value a fresh cgroup already has (dflt) is optional. */
static int emit_bool(const struct cg_row *row, const struct berth_resources *res,
                     struct cg_plan *plan, bool dflt, struct berth_error *err)
{
        const struct opt_bool *v = (const struct opt_bool *)((const char *)res + row->off);
        if (!v->set)
                return 0;
        return cg_plan_add(plan, row->ctrl, row->file, row->what, v->v == dflt ? CG_W_OPTIONAL : 0,
                           err, "%d", v->v ? 1 : 0);
}

static int v1_bool_dflt0(const struct cg_row *row, const struct berth_resources *res,
                         const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        return emit_bool(row, res, plan, false, err);
}

static int v1_bool_dflt1(const struct cg_row *row, const struct berth_resources *res,
                         const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        return emit_bool(row, res, plan, true, err);
}

/* blkio.weight_device (off 0) and blkio.leaf_weight_device (off 1):
 * "MAJ:MIN WEIGHT", one per write. */
static int v1_weight_device(const struct cg_row *row, const struct berth_resources *res,
                            const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        for (size_t i = 0; i < res->block_io.n_weight_device; i++) {
                const struct berth_weight_device *d = &res->block_io.weight_device[i];
                const struct opt_u64 *w = row->off ? &d->leaf_weight : &d->weight;
                if (!w->set)
                        continue;
                int r = cg_plan_add(plan, row->ctrl, row->file, row->what, 0, err,
                                    "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor, w->v);
                if (r < 0)
                        return r;
                plan->w[plan->n - 1].alt = row->alt;
        }
        return 0;
}

/* blkio.throttle.*_device: row->off picks the list (see cg_throttle_list). */
static int v1_throttle(const struct cg_row *row, const struct berth_resources *res,
                       const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        const struct berth_throttle_device *l;
        size_t n;
        cg_throttle_list(res, (int)row->off, &l, &n);
        for (size_t i = 0; i < n; i++) {
                int r = cg_plan_add(plan, row->ctrl, row->file, row->what, 0, err,
                                    "%" PRId64 ":%" PRId64 " %" PRIu64, l[i].major, l[i].minor,
                                    l[i].rate);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* hugetlb.<size>.limit_in_bytes; a hybrid machine without a v1 hugetlb
 * hierarchy has the controller in the unified one (as this one does). */
static int v1_hugetlb(const struct cg_row *row, const struct berth_resources *res,
                      const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                const struct berth_hugepage_limit *h = &res->hugepage_limits[i];
                char file[96];
                int r = cg_hugetlb_file(h->page_size,
                                        env->hugetlb_unified ? "max" : "limit_in_bytes", file,
                                        sizeof(file), err);
                if (r < 0)
                        return r;
                r = cg_plan_add(plan, "hugetlb", file, row->what,
                                env->hugetlb_unified ? CG_W_UNIFIED : 0, err, "%" PRIu64, h->limit);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int v1_ifpriomap(const struct cg_row *row, const struct berth_resources *res,
                        const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        for (size_t i = 0; i < res->network.n_priorities; i++) {
                const struct berth_net_priority *p = &res->network.priorities[i];
                if (p->name == NULL || p->name[0] == '\0' || strpbrk(p->name, " \n/"))
                        return berth_error_setx(err, EINVAL, "%s: invalid interface name \"%s\"",
                                                row->what, p->name ? p->name : "");
                int r = cg_plan_add(plan, row->ctrl, row->file, row->what, 0, err, "%s %" PRIu32,
                                    p->name, p->priority);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Deny everything, then each rule in the spec's order (later rules win,
 * as in the spec). No rules: the devices cgroup stays as inherited. */
static int v1_devices(const struct cg_row *row, const struct berth_resources *res,
                      const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        if (res->n_devices == 0)
                return 0;
        int r = cg_plan_add(plan, row->ctrl, "devices.deny", row->what, 0, err, "a");
        for (size_t i = 0; r == 0 && i < res->n_devices; i++) {
                const struct berth_device_rule *d = &res->devices[i];
                char rule[64];
                r = cg_device_rule(d, rule, sizeof(rule), err);
                if (r == 0)
                        r = cg_plan_add(plan, row->ctrl,
                                        d->allow ? "devices.allow" : "devices.deny", row->what, 0,
                                        err, "%s", rule);
        }
        return r;
}

/* One row per resource file, in the order they are written. Kernel
 * memory (memory.kernel, memory.kernelTCP) has no row: its limits are
 * deprecated since 5.4 and ignored or gone in the kernels we run on, so
 * those fields are accepted and skipped, as runc does. */
static const struct cg_row v1_rows[] = {
        { "memory", "memory.limit_in_bytes", NULL, "linux.resources.memory.limit", v1_memory, 0 },
        { "memory", "memory.soft_limit_in_bytes", NULL, "linux.resources.memory.reservation",
          cg_emit_i64_nonzero, OFF(memory.reservation) },
        { "memory", "memory.swappiness", NULL, "linux.resources.memory.swappiness", cg_emit_u64,
          OFF(memory.swappiness) },
        { "memory", "memory.oom_control", NULL, "linux.resources.memory.disableOOMKiller",
          v1_bool_dflt0, OFF(memory.disable_oom_killer) },
        { "memory", "memory.use_hierarchy", NULL, "linux.resources.memory.useHierarchy",
          v1_bool_dflt1, OFF(memory.use_hierarchy) },
        { "cpu", "cpu.shares", NULL, "linux.resources.cpu.shares", cg_emit_u64_nonzero,
          OFF(cpu.shares) },
        /* period before quota before burst: the kernel checks burst <= quota */
        { "cpu", "cpu.cfs_period_us", NULL, "linux.resources.cpu.period", cg_emit_u64_nonzero,
          OFF(cpu.period) },
        { "cpu", "cpu.cfs_quota_us", NULL, "linux.resources.cpu.quota", cg_emit_i64_nonzero,
          OFF(cpu.quota) },
        { "cpu", "cpu.cfs_burst_us", NULL, "linux.resources.cpu.burst", cg_emit_u64_dflt0,
          OFF(cpu.burst) },
        /* rt period first: the kernel checks runtime <= period */
        { "cpu", "cpu.rt_period_us", NULL, "linux.resources.cpu.realtimePeriod",
          cg_emit_u64_nonzero, OFF(cpu.realtime_period) },
        { "cpu", "cpu.rt_runtime_us", NULL, "linux.resources.cpu.realtimeRuntime", cg_emit_i64,
          OFF(cpu.realtime_runtime) },
        { "cpu", "cpu.idle", NULL, "linux.resources.cpu.idle", cg_emit_i64, OFF(cpu.idle) },
        { "cpuset", "cpuset.cpus", NULL, "linux.resources.cpu.cpus", cg_emit_str, OFF(cpu.cpus) },
        { "cpuset", "cpuset.mems", NULL, "linux.resources.cpu.mems", cg_emit_str, OFF(cpu.mems) },
        { "pids", "pids.max", NULL, "linux.resources.pids.limit", cg_emit_pids, 0 },
        /* CFQ's files; with BFQ (5.0+) the same knobs are blkio.bfq.* */
        { "blkio", "blkio.weight", "blkio.bfq.weight", "linux.resources.blockIO.weight",
          cg_emit_u64_nonzero, OFF(block_io.weight) },
        { "blkio", "blkio.leaf_weight", NULL, "linux.resources.blockIO.leafWeight",
          cg_emit_u64_nonzero, OFF(block_io.leaf_weight) },
        { "blkio", "blkio.weight_device", "blkio.bfq.weight_device",
          "linux.resources.blockIO.weightDevice", v1_weight_device, 0 },
        { "blkio", "blkio.leaf_weight_device", NULL, "linux.resources.blockIO.weightDevice",
          v1_weight_device, 1 },
        { "blkio", "blkio.throttle.read_bps_device", NULL,
          "linux.resources.blockIO.throttleReadBpsDevice", v1_throttle, CG_THROTTLE_RBPS },
        { "blkio", "blkio.throttle.write_bps_device", NULL,
          "linux.resources.blockIO.throttleWriteBpsDevice", v1_throttle, CG_THROTTLE_WBPS },
        { "blkio", "blkio.throttle.read_iops_device", NULL,
          "linux.resources.blockIO.throttleReadIOPSDevice", v1_throttle, CG_THROTTLE_RIOPS },
        { "blkio", "blkio.throttle.write_iops_device", NULL,
          "linux.resources.blockIO.throttleWriteIOPSDevice", v1_throttle, CG_THROTTLE_WIOPS },
        { "hugetlb", NULL, NULL, "linux.resources.hugepageLimits", v1_hugetlb, 0 },
        { "net_cls", "net_cls.classid", NULL, "linux.resources.network.classID", cg_emit_u64_dflt0,
          OFF(network.class_id) },
        { "net_prio", "net_prio.ifpriomap", NULL, "linux.resources.network.priorities",
          v1_ifpriomap, 0 },
        { "devices", NULL, NULL, "linux.resources.devices", v1_devices, 0 },
        { NULL, NULL, NULL, "linux.resources.unified", cg_emit_unified, 0 },
};

int cg1_plan(const struct berth_resources *res, const struct cg_env *env, struct cg_plan *plan,
             struct berth_error *err)
{
        return cg_plan_rows(v1_rows, sizeof(v1_rows) / sizeof(v1_rows[0]), res, env, plan, err);
}

/* ---- directories */

static bool blank(const char *s)
{
        return s[strspn(s, " \t\n")] == '\0';
}

/* A new v1 cpuset cgroup starts with empty cpus and mems, and a task
 * cannot be moved into it (ENOSPC) until both are set: copy the parent's
 * down before anything is moved in. A level that exists but is still
 * empty was just made by a concurrent create that has not copied yet (an
 * empty cpuset can hold no task, so nobody else relies on it): fill it
 * the same way rather than fail. */
static int v1_init_level(struct berth_cgroup *cg, struct cg_hier *h, int parentfd, int fd,
                         bool made, bool leaf, struct berth_error *err)
{
        if (!(h->ctrls & (1u << CG_CPUSET)))
                return 0;
        int r = 0;
        static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
        for (size_t i = 0; i < 2; i++) {
                _cleanup_free_ char *mine = NULL, *parent = NULL;
                r = cg_read_at(fd, files[i], &mine);
                if (r < 0)
                        return berth_error_set(err, -r, "read %s of a new cgroup in %s", files[i],
                                               h->mount);
                if (!blank(mine))
                        continue;
                r = cg_read_at(parentfd, files[i], &parent);
                if (r < 0)
                        return berth_error_set(err, -r, "read the parent's %s in %s", files[i],
                                               h->mount);
                if (blank(parent))
                        return berth_error_setx(err, ENOSPC,
                                                "cgroup %s: the parent's %s in %s is empty, so no "
                                                "process could run below it",
                                                cg->path, files[i], h->mount);
                parent[strcspn(parent, "\n")] = '\0';
                r = cg_write_at(fd, files[i], parent);
                if (r < 0)
                        return berth_error_set(err, -r, "copy %s \"%s\" into a new cgroup in %s",
                                               files[i], parent, h->mount);
        }
        /* a parent we made (the kept /berth among them) hands its cpus
         * and mems to the cgroups made below it from now on: no copy */
        if (made && !leaf && (r = cg_write_at(fd, "cgroup.clone_children", "1")) < 0)
                return berth_error_set(err, -r, "set cgroup.clone_children in %s", h->mount);
        return 0;
}

static int v1_enable(struct berth_cgroup *cg, const struct cg_plan *plan, struct berth_error *err)
{
        struct cg_hier *u = cg_hier_unified(cg);
        return u ? cg2_enable_needed(cg, u, plan, err) : 0;
}

static int v1_enter(struct berth_cgroup *cg, pid_t pid, struct berth_error *err)
{
        char dir[4096], buf[32];
        snprintf(buf, sizeof(buf), "%d", (int)pid);
        for (size_t i = 0; i < cg->n_h; i++) {
                struct cg_hier *h = &cg->h[i];
                if (h->dirfd < 0)
                        return berth_error_setx(err, ENOENT, "move pid %d into %s: no such cgroup",
                                                (int)pid, cg_dir_name(cg, h, dir, sizeof(dir)));
                int r = cg_write_at(h->dirfd, "cgroup.procs", buf);
                if (r < 0)
                        return berth_error_set(err, -r, "move pid %d into %s", (int)pid,
                                               cg_dir_name(cg, h, dir, sizeof(dir)));
        }
        return 0;
}

static int freezer_state(struct cg_hier *h, char *buf, size_t len)
{
        _cleanup_free_ char *s = NULL;
        int r = cg_read_at(h->dirfd, "freezer.state", &s);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = '\0';
        snprintf(buf, len, "%s", s);
        return 0;
}

#define FREEZE_TIMEOUT_MS 10000

/* The v1 freezer reports FREEZING while some task has not stopped yet;
 * writing FROZEN again nudges the stragglers. */
static int v1_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error *err)
{
        struct cg_hier *h = cg_hier_ctrl(cg, CG_FREEZER);
        char dir[4096], state[32] = "";
        if (h == NULL) {
                struct cg_hier *u = cg_hier_unified(cg);
                if (u)
                        return cg2_freeze_hier(cg, u, frozen, err);
                return berth_error_setx(err, EOPNOTSUPP,
                                        "cgroup %s: the freezer controller is not mounted",
                                        cg->path);
        }
        cg_dir_name(cg, h, dir, sizeof(dir));
        if (h->dirfd < 0)
                return berth_error_setx(err, ENOENT, "freeze %s: no such cgroup", dir);
        const char *want = frozen ? "FROZEN" : "THAWED";
        uint64_t deadline = monotonic_ms() + FREEZE_TIMEOUT_MS;
        unsigned delay_us = 1000;
        for (;;) {
                int r = cg_write_at(h->dirfd, "freezer.state", want);
                if (r < 0)
                        return berth_error_set(err, -r, "set freezer.state to %s in %s", want, dir);
                r = freezer_state(h, state, sizeof(state));
                if (r < 0)
                        return berth_error_set(err, -r, "read freezer.state in %s", dir);
                if (strcmp(state, want) == 0)
                        return 0;
                if (monotonic_ms() >= deadline)
                        break;
                usleep(delay_us);
                if (delay_us < 10000)
                        delay_us *= 2;
        }
        if (frozen) /* do not leave it half frozen */
                cg_write_at(h->dirfd, "freezer.state", "THAWED");
        return berth_error_setx(err, ETIMEDOUT, "%s %s: freezer.state still reads %s after %d s",
                                frozen ? "freeze" : "thaw", dir, state, FREEZE_TIMEOUT_MS / 1000);
}

static int v1_is_frozen(struct berth_cgroup *cg, bool *frozen, struct berth_error *err)
{
        struct cg_hier *h = cg_hier_ctrl(cg, CG_FREEZER);
        char dir[4096], state[32];
        if (h == NULL) {
                struct cg_hier *u = cg_hier_unified(cg);
                if (u)
                        return cg2_is_frozen_hier(cg, u, frozen, err);
                *frozen = false;
                return 0;
        }
        if (h->dirfd < 0)
                return berth_error_setx(err, ENOENT, "%s: no such cgroup",
                                        cg_dir_name(cg, h, dir, sizeof(dir)));
        int r = freezer_state(h, state, sizeof(state));
        if (r < 0)
                return berth_error_set(err, -r, "read freezer.state in %s",
                                       cg_dir_name(cg, h, dir, sizeof(dir)));
        *frozen = strcmp(state, "FROZEN") == 0;
        return 0;
}

static int v1_kill_fast(struct berth_cgroup *cg, int sig, struct berth_error *err)
{
        (void)cg, (void)sig, (void)err;
        return 0; /* v1 has no cgroup.kill */
}

static struct cg_hier *v1_procs_hier(struct berth_cgroup *cg)
{
        static const enum cg_ctrl prefer[] = { CG_PIDS, CG_FREEZER, CG_MEMORY };
        for (size_t i = 0; i < sizeof(prefer) / sizeof(prefer[0]); i++) {
                struct cg_hier *h = cg_hier_ctrl(cg, prefer[i]);
                if (h && h->dirfd >= 0)
                        return h;
        }
        for (size_t i = 0; i < cg->n_h; i++)
                if (cg->h[i].dirfd >= 0)
                        return &cg->h[i];
        return NULL;
}

const struct cgroup_backend cgroup_v1_backend = {
        .name = "v1",
        .plan = cg1_plan,
        .init_level = v1_init_level,
        .enable = v1_enable,
        .enter = v1_enter,
        .freeze = v1_freeze,
        .is_frozen = v1_is_frozen,
        .kill_fast = v1_kill_fast,
        .procs_hier = v1_procs_hier,
};
