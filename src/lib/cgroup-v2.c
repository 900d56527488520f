/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup v2 backend: one hierarchy at /sys/fs/cgroup. Its helpers for
 * controller delegation and the core freezer also serve the unified
 * hierarchy of a hybrid machine. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"

#define OFF(field) offsetof(struct berth_resources, field)
#define U          CG_W_UNIFIED

/* cpu.shares [2, 262144] -> cpu.weight [1, 10000], linearly, as runc
 * (until 1.3.1), crun (until 1.22) and Kubernetes' KEP-2254 do it, and as
 * the runc 1.1 and crun 1.8 on our machines still do: so a container
 * moved between runtimes keeps its weight. The newer log-quadratic
 * mapping (1024 -> 100) needs libm and would disagree with them; switch
 * here and in test_cgroup.c together if we follow it. 0 means unset. */
uint64_t cgroup_shares_to_weight(uint64_t shares)
{
        if (shares == 0)
                return 0;
        if (shares <= 2)
                return 1;
        if (shares >= 262144)
                return 10000;
        return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio.weight [10, 1000] -> io.weight [1, 10000], linearly (runc, crun). */
uint64_t cgroup_blkio_weight_to_io_weight(uint64_t weight)
{
        if (weight == 0)
                return 0;
        if (weight <= 10)
                return 1;
        if (weight >= 1000)
                return 10000;
        return 1 + ((weight - 10) * 9999) / 990;
}

int cg2_swap_value(const struct berth_resources *res, char *buf, size_t len,
                   struct berth_error *err)
{
        const struct opt_i64 *L = &res->memory.limit, *S = &res->memory.swap;
        bool lset = L->set && L->v != 0, sset = S->set && S->v != 0;
        if (!sset) {
                /* unlimited memory means unlimited swap too (runc) */
                if (lset && L->v < 0) {
                        snprintf(buf, len, "max");
                        return 1;
                }
                return 0;
        }
        if (S->v < 0) {
                snprintf(buf, len, "max");
                return 1;
        }
        if (!lset || L->v < 0)
                return berth_error_setx(err, EINVAL,
                                        "linux.resources.memory.swap: a memory+swap limit needs "
                                        "a memory limit on cgroup v2 (memory.swap.max is swap "
                                        "alone, swap - limit)");
        if (S->v < L->v)
                return berth_error_setx(err, EINVAL,
                                        "linux.resources.memory.swap (%" PRId64
                                        ") is memory+swap and must be at least "
                                        "linux.resources.memory.limit (%" PRId64 ")",
                                        S->v, L->v);
        snprintf(buf, len, "%" PRId64, S->v - L->v);
        return 1;
}

/* An update may carry memory+swap without a memory limit: swap.max is
 * then relative to the limit the cgroup has now (runc gets the same by
 * merging the update into the container's config). */
static int v2_swap(const struct cg_row *row, const struct berth_resources *res,
                   const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        struct berth_resources with_limit;
        const struct opt_i64 *L = &res->memory.limit;
        if (!(L->set && L->v != 0) && env->cur_mem_limit > 0) {
                with_limit = *res;
                with_limit.memory.limit = (struct opt_i64){ true, env->cur_mem_limit };
                res = &with_limit;
        }
        char buf[32];
        int r = cg2_swap_value(res, buf, sizeof(buf), err);
        if (r <= 0)
                return r;
        return cg_plan_add(plan, row->ctrl, row->file, row->what,
                           U | (strcmp(buf, "max") == 0 ? CG_W_OPTIONAL : 0), err, "%s", buf);
}

static int v2_cpu_weight(const struct cg_row *row, const struct berth_resources *res,
                         const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        if (!res->cpu.shares.set || res->cpu.shares.v == 0)
                return 0;
        return cg_plan_add(plan, row->ctrl, row->file, row->what, U, err, "%" PRIu64,
                           cgroup_shares_to_weight(res->cpu.shares.v));
}

/* cpu.max is "QUOTA PERIOD"; "max" alone leaves the period as it is. A
 * period without a quota writes "max PERIOD", as runc does: on update
 * that lifts the quota, so an update should carry both. */
static int v2_cpu_max(const struct cg_row *row, const struct berth_resources *res,
                      const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        const struct opt_i64 *q = &res->cpu.quota;
        const struct opt_u64 *p = &res->cpu.period;
        bool qset = q->set && q->v != 0, pset = p->set && p->v != 0;
        if (!qset && !pset)
                return 0;
        char quota[32] = "max", period[32] = "";
        if (qset && q->v > 0)
                snprintf(quota, sizeof(quota), "%" PRId64, q->v);
        if (pset)
                snprintf(period, sizeof(period), " %" PRIu64, p->v);
        unsigned opt = strcmp(quota, "max") == 0 && !pset ? CG_W_OPTIONAL : 0;
        return cg_plan_add(plan, row->ctrl, row->file, row->what, U | opt, err, "%s%s", quota,
                           period);
}

/* Block IO weights, "default W" and "MAJ:MIN W". io.weight belongs to
 * io.cost, on a 1..10000 scale: blkio weights are converted. With BFQ
 * loaded the cgroup also has io.bfq.weight, and a disk that BFQ schedules
 * obeys that one only: then the weights go there as they are (BFQ's scale
 * is blkio's), as runc and crun do. */
static uint64_t io_weight_value(const struct cg_env *env, uint64_t weight)
{
        return env->io_bfq ? weight : cgroup_blkio_weight_to_io_weight(weight);
}

static int v2_io_weight(const struct cg_row *row, const struct berth_resources *res,
                        const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        const char *file = env->io_bfq ? "io.bfq.weight" : row->file;
        int r = 0;
        if (res->block_io.weight.set && res->block_io.weight.v != 0)
                r = cg_plan_add(plan, row->ctrl, file, row->what, U, err, "default %" PRIu64,
                                io_weight_value(env, res->block_io.weight.v));
        for (size_t i = 0; r == 0 && i < res->block_io.n_weight_device; i++) {
                const struct berth_weight_device *d = &res->block_io.weight_device[i];
                if (d->weight.set)
                        r = cg_plan_add(plan, row->ctrl, file, row->what, U, err,
                                        "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                                        io_weight_value(env, d->weight.v));
        }
        return r;
}

static const char *const io_max_keys[4] = { "rbps", "wbps", "riops", "wiops" };

int cg2_io_max_line(const struct cg2_io_limit *l, char *buf, size_t len)
{
        int n = snprintf(buf, len, "%" PRId64 ":%" PRId64, l->major, l->minor);
        for (int k = 0; k < 4 && n >= 0 && (size_t)n < len; k++) {
                if (!l->has[k])
                        continue;
                if (l->rate[k] == 0)
                        n += snprintf(buf + n, len - (size_t)n, " %s=max", io_max_keys[k]);
                else
                        n += snprintf(buf + n, len - (size_t)n, " %s=%" PRIu64, io_max_keys[k],
                                      l->rate[k]);
        }
        return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* io.max: the four throttle lists merged into one line per device, in the
 * order the devices first appear. */
static int v2_io_max(const struct cg_row *row, const struct berth_resources *res,
                     const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        size_t total = 0;
        for (int k = 0; k < 4; k++) {
                const struct berth_throttle_device *l;
                size_t n;
                cg_throttle_list(res, k, &l, &n);
                total += n;
        }
        if (total == 0)
                return 0;
        _cleanup_free_ struct cg2_io_limit *dev = calloc(total, sizeof(*dev));
        size_t ndev = 0;
        if (dev == NULL)
                return berth_error_set(err, ENOMEM, "%s", row->what);
        for (int k = 0; k < 4; k++) {
                const struct berth_throttle_device *l;
                size_t n;
                cg_throttle_list(res, k, &l, &n);
                for (size_t i = 0; i < n; i++) {
                        size_t j = 0;
                        while (j < ndev &&
                               (dev[j].major != l[i].major || dev[j].minor != l[i].minor))
                                j++;
                        if (j == ndev)
                                dev[ndev++] = (struct cg2_io_limit){ .major = l[i].major,
                                                                     .minor = l[i].minor };
                        dev[j].has[k] = true;
                        dev[j].rate[k] = l[i].rate;
                }
        }
        for (size_t j = 0; j < ndev; j++) {
                char line[256];
                if (cg2_io_max_line(&dev[j], line, sizeof(line)) < 0)
                        return berth_error_setx(err, EINVAL, "%s: line too long", row->what);
                int r = cg_plan_add(plan, row->ctrl, row->file, row->what, U, err, "%s", line);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* hugetlb.SIZE.max counts pages as they fault in: a mapping that reserves
 * more succeeds, and its process dies of SIGBUS at a later fault. The
 * reservation limit, hugetlb.SIZE.rsvd.max (Linux 5.7+), makes the mmap
 * itself fail instead: both get the spec's limit (runc does the same
 * since 1.2); a kernel without it keeps the fault-time limit alone. */
static int v2_hugetlb(const struct cg_row *row, const struct berth_resources *res,
                      const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        static const struct {
                const char *suffix;
                unsigned flags;
        } files[] = { { "max", U }, { "rsvd.max", U | CG_W_OPTIONAL } };
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
                        char file[96];
                        int r = cg_hugetlb_file(res->hugepage_limits[i].page_size,
                                                files[k].suffix, file, sizeof(file), err);
                        if (r == 0)
                                r = cg_plan_add(plan, row->ctrl, file, row->what, files[k].flags,
                                                err, "%" PRIu64, res->hugepage_limits[i].limit);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* v1 knobs that cgroup v2 has no file for: an error when the spec asks
 * for them (row->off picks which), so nobody believes a limit holds. */
static int v2_v1_only(const struct cg_row *row, const struct berth_resources *res,
                      const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env, (void)plan;
        bool set = false;
        switch (row->off) {
        case 0:
                set = (res->cpu.realtime_runtime.set && res->cpu.realtime_runtime.v != 0) ||
                      (res->cpu.realtime_period.set && res->cpu.realtime_period.v != 0);
                break;
        case 1:
                set = res->block_io.leaf_weight.set && res->block_io.leaf_weight.v != 0;
                for (size_t i = 0; i < res->block_io.n_weight_device; i++)
                        set |= res->block_io.weight_device[i].leaf_weight.set;
                break;
        case 2:
                set = res->network.class_id.set && res->network.class_id.v != 0;
                break;
        case 3:
                set = res->network.n_priorities > 0;
                break;
        }
        if (!set)
                return 0;
        return berth_error_setx(err, EOPNOTSUPP, "%s: cgroup v2 has no %s", row->what, row->file);
}

/* Memory knobs without a v2 file and skipped, as runc does: swappiness
 * (v2 has none per cgroup), disableOOMKiller (no per-cgroup switch),
 * useHierarchy (always on), kernel and kernelTCP (kernel memory is
 * accounted with the rest). linux.resources.devices become an eBPF
 * program (cgroup-bpf.c), attached by cgroup.c after these writes. */
static const struct cg_row v2_rows[] = {
        { "memory", "memory.max", NULL, "linux.resources.memory.limit", cg_emit_i64_max,
          OFF(memory.limit), U },
        { "memory", "memory.low", NULL, "linux.resources.memory.reservation", cg_emit_i64_max,
          OFF(memory.reservation), U },
        { "memory", "memory.swap.max", NULL, "linux.resources.memory.swap", v2_swap, 0, U },
        { "cpu", "cpu.weight", NULL, "linux.resources.cpu.shares", v2_cpu_weight, 0, U },
        { "cpu", "cpu.max", NULL, "linux.resources.cpu.quota", v2_cpu_max, 0, U },
        { "cpu", "cpu.max.burst", NULL, "linux.resources.cpu.burst", cg_emit_u64_dflt0,
          OFF(cpu.burst), U },
        { "cpu", "cpu.idle", NULL, "linux.resources.cpu.idle", cg_emit_i64, OFF(cpu.idle), U },
        { NULL, "realtime CPU bandwidth (cpu.rt_runtime_us)", NULL,
          "linux.resources.cpu.realtimeRuntime", v2_v1_only, 0, U },
        { "cpuset", "cpuset.cpus", NULL, "linux.resources.cpu.cpus", cg_emit_str, OFF(cpu.cpus),
          U },
        { "cpuset", "cpuset.mems", NULL, "linux.resources.cpu.mems", cg_emit_str, OFF(cpu.mems),
          U },
        { "pids", "pids.max", NULL, "linux.resources.pids.limit", cg_emit_pids, 0, U },
        { "io", "io.weight", NULL, "linux.resources.blockIO.weight", v2_io_weight, 0, U },
        { NULL, "leaf weight", NULL, "linux.resources.blockIO.leafWeight", v2_v1_only, 1, U },
        { "io", "io.max", NULL, "linux.resources.blockIO.throttle*Device", v2_io_max, 0, U },
        { "hugetlb", NULL, NULL, "linux.resources.hugepageLimits", v2_hugetlb, 0, U },
        { NULL, "net_cls controller", NULL, "linux.resources.network.classID", v2_v1_only, 2, U },
        { NULL, "net_prio controller", NULL, "linux.resources.network.priorities", v2_v1_only, 3,
          U },
        { NULL, NULL, NULL, "linux.resources.unified", cg_emit_unified, 0, U },
};

int cg2_plan(const struct berth_resources *res, const struct cg_env *env, struct cg_plan *plan,
             struct berth_error *err)
{
        return cg_plan_rows(v2_rows, sizeof(v2_rows) / sizeof(v2_rows[0]), res, env, plan, err);
}

/* ---- controller delegation */

static bool word_in(const char *list, const char *word)
{
        size_t wl = strlen(word);
        for (const char *p = list; (p = strstr(p, word)) != NULL; p += wl) {
                bool start = p == list || p[-1] == ' ' || p[-1] == '\n';
                bool end = p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n';
                if (start && end)
                        return true;
        }
        return false;
}

/* Enable in fd's cgroup.subtree_control each of want[] that its
 * cgroup.controllers offers and that is not on yet. One write: the kernel
 * applies the whole line or nothing. */
static int enable_at(int fd, const char *where, const char *const *want, size_t n,
                     struct berth_error *err)
{
        _cleanup_free_ char *avail = NULL, *on = NULL;
        int r = cg_read_at(fd, "cgroup.controllers", &avail);
        if (r == 0)
                r = cg_read_at(fd, "cgroup.subtree_control", &on);
        if (r < 0)
                return berth_error_set(err, -r, "read the controllers of %s", where);
        char line[256] = "";
        size_t used = 0;
        for (size_t i = 0; i < n; i++) {
                if (!word_in(avail, want[i]) || word_in(on, want[i]))
                        continue;
                int k = snprintf(line + used, sizeof(line) - used, "%s+%s", used ? " " : "",
                                 want[i]);
                if (k < 0 || (size_t)k >= sizeof(line) - used)
                        break;
                used += (size_t)k;
        }
        if (used == 0)
                return 0;
        r = cg_write_at(fd, "cgroup.subtree_control", line);
        if (r == -EBUSY)
                return berth_error_set(err, -r,
                                       "enable \"%s\" in %s/cgroup.subtree_control (a cgroup "
                                       "holding processes cannot pass controllers down)",
                                       line, where);
        if (r < 0)
                return berth_error_set(err, -r, "enable \"%s\" in %s/cgroup.subtree_control", line,
                                       where);
        return 0;
}

int cg2_enable_needed(struct berth_cgroup *cg, struct cg_hier *h, const struct cg_plan *plan,
                      struct berth_error *err)
{
        const char *want[16];
        size_t n = 0;
        for (size_t i = 0; i < plan->n; i++) {
                const struct cg_write *w = &plan->w[i];
                if (!(w->flags & CG_W_UNIFIED) || w->ctrl == NULL)
                        continue;
                size_t j = 0;
                while (j < n && strcmp(want[j], w->ctrl) != 0)
                        j++;
                if (j == n && n < sizeof(want) / sizeof(want[0]))
                        want[n++] = w->ctrl;
        }
        if (n == 0)
                return 0;
        /* Every level from the hierarchy's root down to the container's
         * parent: a controller reaches a cgroup only through all of them. */
        _cleanup_close_ int fd = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set(err, errno, "open %s", h->mount);
        char where[4096];
        snprintf(where, sizeof(where), "%s", h->mount);
        for (const char *p = cg->path; *p;) {
                p++; /* the '/' */
                size_t len = strcspn(p, "/");
                if (p[len] == '\0')
                        break; /* p is the leaf */
                int r = enable_at(fd, where, want, n, err);
                if (r < 0)
                        return r;
                char comp[256];
                snprintf(comp, sizeof(comp), "%.*s", (int)len, p);
                int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (next < 0)
                        return berth_error_set(err, errno, "open %s/%s", where, comp);
                close(fd);
                fd = next;
                size_t wl = strlen(where);
                snprintf(where + wl, sizeof(where) - wl, "/%s", comp);
                p += len;
        }
        return enable_at(fd, where, want, n, err);
}

/* Levels we created below the container's parent get every controller
 * their parent offers, so a later `update` finds its files. (The root
 * and levels that existed before get only what the plan needs, in
 * cg2_enable_needed: those are not ours to reconfigure.) */
static int v2_init_level(struct berth_cgroup *cg, struct cg_hier *h, int parentfd, int fd,
                         bool made, bool leaf, struct berth_error *err)
{
        (void)parentfd;
        if (!made)
                return 0;
        static const char *const all[] = { "cpuset", "cpu",     "io",   "memory",
                                           "pids",   "hugetlb", "rdma", "misc" };
        if (leaf) /* the container's processes live here: no internal nodes */
                return 0;
        char where[4096];
        snprintf(where, sizeof(where), "a new cgroup level of %s%s", h->mount, cg->path);
        return enable_at(fd, where, all, sizeof(all) / sizeof(all[0]), err);
}

static int v2_enable(struct berth_cgroup *cg, const struct cg_plan *plan, struct berth_error *err)
{
        return cg2_enable_needed(cg, &cg->h[0], plan, err);
}

/* On v2 the init is born in its cgroup by clone3(CLONE_INTO_CGROUP) with
 * cgroup_clone_fd(); there is nothing left to move. */
static int v2_enter(struct berth_cgroup *cg, pid_t pid, struct berth_error *err)
{
        (void)cg, (void)pid, (void)err;
        return 0;
}

/* ---- the core freezer (cgroup.freeze, Linux 5.2+) */

#define FREEZE_TIMEOUT_MS 10000

static int events_frozen(int fd, bool *frozen)
{
        char buf[256];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        const char *p = strstr(buf, "frozen ");
        *frozen = p && (p == buf || p[-1] == '\n') && p[7] == '1';
        return 0;
}

static int64_t ms_left(const struct timespec *deadline)
{
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (int64_t)(deadline->tv_sec - now.tv_sec) * 1000 +
               (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

int cg2_freeze_hier(struct berth_cgroup *cg, struct cg_hier *h, bool frozen,
                    struct berth_error *err)
{
        char dir[4096];
        cg_dir_name(cg, h, dir, sizeof(dir));
        if (h->dirfd < 0)
                return berth_error_setx(err, ENOENT, "freeze %s: no such cgroup", dir);
        int r = cg_write_at(h->dirfd, "cgroup.freeze", frozen ? "1" : "0");
        if (r == -ENOENT)
                return berth_error_setx(err, EOPNOTSUPP,
                                        "freeze %s: no cgroup.freeze (needs Linux 5.2)", dir);
        if (r < 0)
                return berth_error_set(err, -r, "set cgroup.freeze to %d in %s", frozen, dir);
        _cleanup_close_ int fd = openat(h->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set(err, errno, "open cgroup.events in %s", dir);
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += FREEZE_TIMEOUT_MS / 1000;
        for (;;) {
                bool now;
                r = events_frozen(fd, &now);
                if (r < 0)
                        return berth_error_set(err, -r, "read cgroup.events in %s", dir);
                if (now == frozen)
                        return 0;
                int64_t left = ms_left(&deadline);
                if (left <= 0)
                        break;
                /* cgroup.events signals a change with POLLPRI; wake up
                 * now and then anyway in case a change slipped between
                 * the read and the poll. */
                struct pollfd p = { .fd = fd, .events = POLLPRI };
                if (poll(&p, 1, left > 100 ? 100 : (int)left) < 0 && errno != EINTR)
                        return berth_error_set(err, errno, "wait for cgroup.events in %s", dir);
        }
        if (frozen)
                cg_write_at(h->dirfd, "cgroup.freeze", "0");
        return berth_error_setx(err, ETIMEDOUT,
                                "%s %s: cgroup.events does not say frozen %d after %d s",
                                frozen ? "freeze" : "thaw", dir, frozen, FREEZE_TIMEOUT_MS / 1000);
}

int cg2_is_frozen_hier(struct berth_cgroup *cg, struct cg_hier *h, bool *frozen,
                       struct berth_error *err)
{
        char dir[4096];
        if (h->dirfd < 0)
                return berth_error_setx(err, ENOENT, "%s: no such cgroup",
                                        cg_dir_name(cg, h, dir, sizeof(dir)));
        _cleanup_close_ int fd = openat(h->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
        int r = fd < 0 ? -errno : events_frozen(fd, frozen);
        if (r < 0)
                return berth_error_set(err, -r, "read cgroup.events in %s",
                                       cg_dir_name(cg, h, dir, sizeof(dir)));
        return 0;
}

static int v2_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error *err)
{
        return cg2_freeze_hier(cg, &cg->h[0], frozen, err);
}

static int v2_is_frozen(struct berth_cgroup *cg, bool *frozen, struct berth_error *err)
{
        return cg2_is_frozen_hier(cg, &cg->h[0], frozen, err);
}

/* cgroup.kill (Linux 5.14+) kills the whole subtree at once, even a
 * process forking as fast as it can. */
static int v2_kill_fast(struct berth_cgroup *cg, int sig, struct berth_error *err)
{
        struct cg_hier *h = &cg->h[0];
        char dir[4096];
        if (sig != SIGKILL || h->dirfd < 0)
                return 0;
        int r = cg_write_at(h->dirfd, "cgroup.kill", "1");
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return berth_error_set(err, -r, "write cgroup.kill in %s",
                                       cg_dir_name(cg, h, dir, sizeof(dir)));
        return 1;
}

static struct cg_hier *v2_procs_hier(struct berth_cgroup *cg)
{
        return cg->h[0].dirfd >= 0 ? &cg->h[0] : NULL;
}

const struct cgroup_backend cgroup_v2_backend = {
        .name = "v2",
        .plan = cg2_plan,
        .init_level = v2_init_level,
        .enable = v2_enable,
        .enter = v2_enter,
        .freeze = v2_freeze,
        .is_frozen = v2_is_frozen,
        .kill_fast = v2_kill_fast,
        .procs_hier = v2_procs_hier,
};
