/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Usage statistics of a container's cgroup. Which file holds what differs
 * between v1 and v2; each is a table of (file, key, field, unit) rows, so
 * a counter is named in one place. Missing files read as 0: controllers
 * and kernels differ in what they offer, and stats are best effort. */
#include "cgroup-stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "util.h"

#define ST(member) offsetof(struct cgroup_stats, member)
/* mul: what one unit of the file is in ours; 0 = clock ticks (cpuacct.stat) */
#define TICKS 0

struct stat_row {
        int ctrl; /* enum cg_ctrl (v1), ignored on v2 */
        const char *file;
        const char *key; /* NULL: the file holds one value */
        size_t off;      /* uint64_t in struct cgroup_stats */
        uint64_t mul;
};

static const struct stat_row v1_rows[] = {
        { CG_CPUACCT, "cpuacct.usage", NULL, ST(cpu.total), 1 },
        { CG_CPUACCT, "cpuacct.stat", "user", ST(cpu.user), TICKS },
        { CG_CPUACCT, "cpuacct.stat", "system", ST(cpu.kernel), TICKS },
        { CG_CPU, "cpu.stat", "nr_periods", ST(cpu.periods), 1 },
        { CG_CPU, "cpu.stat", "nr_throttled", ST(cpu.throttled_periods), 1 },
        { CG_CPU, "cpu.stat", "throttled_time", ST(cpu.throttled_time), 1 },
        { CG_MEMORY, "memory.usage_in_bytes", NULL, ST(memory.usage.usage), 1 },
        { CG_MEMORY, "memory.max_usage_in_bytes", NULL, ST(memory.usage.max), 1 },
        { CG_MEMORY, "memory.limit_in_bytes", NULL, ST(memory.usage.limit), 1 },
        { CG_MEMORY, "memory.failcnt", NULL, ST(memory.usage.failcnt), 1 },
        { CG_MEMORY, "memory.memsw.usage_in_bytes", NULL, ST(memory.swap.usage), 1 },
        { CG_MEMORY, "memory.memsw.max_usage_in_bytes", NULL, ST(memory.swap.max), 1 },
        { CG_MEMORY, "memory.memsw.limit_in_bytes", NULL, ST(memory.swap.limit), 1 },
        { CG_MEMORY, "memory.memsw.failcnt", NULL, ST(memory.swap.failcnt), 1 },
        { CG_MEMORY, "memory.kmem.usage_in_bytes", NULL, ST(memory.kernel.usage), 1 },
        { CG_MEMORY, "memory.kmem.max_usage_in_bytes", NULL, ST(memory.kernel.max), 1 },
        { CG_MEMORY, "memory.kmem.limit_in_bytes", NULL, ST(memory.kernel.limit), 1 },
        { CG_MEMORY, "memory.kmem.failcnt", NULL, ST(memory.kernel.failcnt), 1 },
        { CG_MEMORY, "memory.stat", "cache", ST(memory.cache), 1 },
        { CG_MEMORY, "memory.oom_control", "oom_kill", ST(memory.oom_kills), 1 },
        { CG_PIDS, "pids.current", NULL, ST(pids.current), 1 },
        { CG_PIDS, "pids.max", NULL, ST(pids.limit), 1 },
};

static const struct stat_row v2_rows[] = {
        { -1, "cpu.stat", "usage_usec", ST(cpu.total), 1000 },
        { -1, "cpu.stat", "user_usec", ST(cpu.user), 1000 },
        { -1, "cpu.stat", "system_usec", ST(cpu.kernel), 1000 },
        { -1, "cpu.stat", "nr_periods", ST(cpu.periods), 1 },
        { -1, "cpu.stat", "nr_throttled", ST(cpu.throttled_periods), 1 },
        { -1, "cpu.stat", "throttled_usec", ST(cpu.throttled_time), 1000 },
        { -1, "memory.current", NULL, ST(memory.usage.usage), 1 },
        { -1, "memory.peak", NULL, ST(memory.usage.max), 1 },
        { -1, "memory.max", NULL, ST(memory.usage.limit), 1 },
        { -1, "memory.events", "max", ST(memory.usage.failcnt), 1 },
        { -1, "memory.events", "oom_kill", ST(memory.oom_kills), 1 },
        { -1, "memory.stat", "file", ST(memory.cache), 1 },
        { -1, "memory.swap.current", NULL, ST(memory.swap.usage), 1 },
        { -1, "memory.swap.peak", NULL, ST(memory.swap.max), 1 },
        { -1, "memory.swap.max", NULL, ST(memory.swap.limit), 1 },
        { -1, "memory.swap.events", "max", ST(memory.swap.failcnt), 1 },
        { -1, "pids.current", NULL, ST(pids.current), 1 },
        { -1, "pids.max", NULL, ST(pids.limit), 1 },
};

/* "max" -> UINT64_MAX; false when s is not a number. */
static bool parse_value(const char *s, uint64_t *out)
{
        size_t n = strcspn(s, " \t\n");
        if (n == 3 && strncmp(s, "max", 3) == 0) {
                *out = UINT64_MAX;
                return true;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || (*end && !strchr(" \t\n", *end)))
                return false;
        *out = v;
        return true;
}

/* The value of `key` in a file of "key value" lines. */
static bool keyed_value(const char *text, const char *key, uint64_t *out)
{
        size_t k = strlen(key);
        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, key, k) == 0 && l[k] == ' ')
                        return parse_value(l + k + 1, out);
        return false;
}

static int dir_of(struct berth_cgroup *cg, int ctrl)
{
        if (cg->layout == CGROUP_LAYOUT_V2)
                return cg->n_h > 0 ? cg->h[0].dirfd : -1;
        struct cg_hier *h = ctrl >= 0 ? cg_hier_ctrl(cg, (enum cg_ctrl)ctrl) : NULL;
        return h ? h->dirfd : -1;
}

static void read_rows(struct berth_cgroup *cg, const struct stat_row *rows, size_t n,
                      struct cgroup_stats *out)
{
        long hz = sysconf(_SC_CLK_TCK);
        uint64_t tick_ns = hz > 0 ? 1000000000u / (uint64_t)hz : 10000000u;
        for (size_t i = 0; i < n; i++) {
                int fd = dir_of(cg, rows[i].ctrl);
                _cleanup_free_ char *text = NULL;
                uint64_t v;
                if (fd < 0 || cg_read_at(fd, rows[i].file, &text) < 0)
                        continue;
                bool ok = rows[i].key ? keyed_value(text, rows[i].key, &v) : parse_value(text, &v);
                if (!ok)
                        continue;
                uint64_t mul = rows[i].mul == TICKS ? tick_ns : rows[i].mul;
                if (v != UINT64_MAX)
                        v *= mul;
                memcpy((char *)out + rows[i].off, &v, sizeof(v));
        }
}

/* Grow *arr by one element of size sz; NULL when out of memory. */
static void *append(void *arr, size_t *n, size_t sz, void **grown)
{
        void *a = realloc(arr, (*n + 1) * sz);
        *grown = a;
        if (!a)
                return NULL;
        (*n)++;
        return (char *)a + (*n - 1) * sz;
}

static int read_percpu(int fd, struct cgroup_stats *out)
{
        _cleanup_free_ char *text = NULL;
        if (fd < 0 || cg_read_at(fd, "cpuacct.usage_percpu", &text) < 0)
                return 0;
        for (char *p = text; *p;) {
                p += strspn(p, " \n");
                if (!*p)
                        break;
                uint64_t v;
                if (!parse_value(p, &v))
                        break;
                void *grown;
                uint64_t *slot = append(out->cpu.percpu, &out->cpu.n_percpu, sizeof(v), &grown);
                if (!slot)
                        return -ENOMEM;
                out->cpu.percpu = grown;
                *slot = v;
                p += strcspn(p, " \n");
        }
        return 0;
}

/* memory.stat, every line. */
static int read_raw(int fd, struct cgroup_stats *out)
{
        _cleanup_free_ char *text = NULL;
        if (fd < 0 || cg_read_at(fd, "memory.stat", &text) < 0)
                return 0;
        for (char *l = text; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] ? 1 : 0)) {
                size_t klen = strcspn(l, " \n");
                uint64_t v;
                if (l[klen] != ' ' || klen >= sizeof(out->memory.raw->key) ||
                    !parse_value(l + klen + 1, &v))
                        continue;
                void *grown;
                struct cgroup_stat_kv *kv =
                        append(out->memory.raw, &out->memory.n_raw, sizeof(*kv), &grown);
                if (!kv)
                        return -ENOMEM;
                out->memory.raw = grown;
                memcpy(kv->key, l, klen);
                kv->key[klen] = '\0';
                kv->value = v;
        }
        return 0;
}

static int add_io(struct cgroup_io_entry **list, size_t *n, unsigned maj, unsigned min,
                  const char *op, uint64_t value)
{
        void *grown;
        struct cgroup_io_entry *e = append(*list, n, sizeof(**list), &grown);
        if (!e)
                return -ENOMEM;
        *list = grown;
        e->major = maj;
        e->minor = min;
        snprintf(e->op, sizeof(e->op), "%s", op);
        e->value = value;
        return 0;
}

/* v1: "MAJ:MIN Op VALUE" lines (and a "Total N" line we skip). */
static int read_blkio_v1(int fd, const char *const files[2], struct cgroup_io_entry **list,
                         size_t *n)
{
        _cleanup_free_ char *text = NULL;
        /* the proportional-weight file when an I/O scheduler keeps it,
         * else the throttling layer's, which always counts */
        if (fd < 0 || (cg_read_at(fd, files[0], &text) < 0 && cg_read_at(fd, files[1], &text) < 0))
                return 0;
        char *save = NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                unsigned maj, min;
                char op[16];
                unsigned long long v;
                if (sscanf(l, "%u:%u %15s %llu", &maj, &min, op, &v) == 4 &&
                    add_io(list, n, maj, min, op, v) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* v2: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
static int read_io_stat(int fd, struct cgroup_stats *out)
{
        static const struct {
                const char *key, *op;
                bool bytes;
        } fields[] = {
                { "rbytes=", "Read", true },
                { "wbytes=", "Write", true },
                { "rios=", "Read", false },
                { "wios=", "Write", false },
        };
        _cleanup_free_ char *text = NULL;
        if (fd < 0 || cg_read_at(fd, "io.stat", &text) < 0)
                return 0;
        char *save = NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                unsigned maj, min;
                if (sscanf(l, "%u:%u", &maj, &min) != 2)
                        continue;
                for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
                        const char *p = strstr(l, fields[i].key);
                        uint64_t v;
                        if (!p || !parse_value(p + strlen(fields[i].key), &v))
                                continue;
                        int r = fields[i].bytes ? add_io(&out->io.bytes, &out->io.n_bytes, maj, min,
                                                         fields[i].op, v)
                                                : add_io(&out->io.ios, &out->io.n_ios, maj, min,
                                                         fields[i].op, v);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* v2 counts swap alone; runc (and v1's memsw) report memory+swap. */
static void v2_swap_as_memsw(struct cgroup_stats *s)
{
        struct cgroup_mem_entry *w = &s->memory.swap, *m = &s->memory.usage;
        w->usage += m->usage;
        w->limit =
                w->limit == UINT64_MAX || m->limit == UINT64_MAX ? UINT64_MAX : w->limit + m->limit;
}

int cgroup_stats_read(struct berth_cgroup *cg, struct cgroup_stats *out, struct berth_error *err)
{
        memset(out, 0, sizeof(*out));
        int r;
        if (cg->layout == CGROUP_LAYOUT_V2) {
                int fd = dir_of(cg, -1);
                if (fd < 0)
                        return berth_error_setx(err, ENOENT, "cgroup %s does not exist", cg->path);
                read_rows(cg, v2_rows, ARRAY_SIZE(v2_rows), out);
                v2_swap_as_memsw(out);
                r = read_raw(fd, out);
                if (r == 0)
                        r = read_io_stat(fd, out);
        } else {
                static const char *const bytes[2] = { "blkio.io_service_bytes_recursive",
                                                      "blkio.throttle.io_service_bytes_recursive" };
                static const char *const ios[2] = { "blkio.io_serviced_recursive",
                                                    "blkio.throttle.io_serviced_recursive" };
                read_rows(cg, v1_rows, ARRAY_SIZE(v1_rows), out);
                int blkio = dir_of(cg, CG_BLKIO);
                r = read_percpu(dir_of(cg, CG_CPUACCT), out);
                if (r == 0)
                        r = read_raw(dir_of(cg, CG_MEMORY), out);
                if (r == 0)
                        r = read_blkio_v1(blkio, bytes, &out->io.bytes, &out->io.n_bytes);
                if (r == 0)
                        r = read_blkio_v1(blkio, ios, &out->io.ios, &out->io.n_ios);
        }
        if (r < 0) {
                cgroup_stats_free(out);
                return berth_error_setx(err, -r, "read the statistics of cgroup %s", cg->path);
        }
        return 0;
}

void cgroup_stats_free(struct cgroup_stats *s)
{
        free(s->cpu.percpu);
        free(s->memory.raw);
        free(s->io.bytes);
        free(s->io.ios);
        memset(s, 0, sizeof(*s));
}

int cgroup_oom_kills(struct berth_cgroup *cg, uint64_t *out)
{
        bool v2 = cg->layout == CGROUP_LAYOUT_V2;
        int fd = dir_of(cg, CG_MEMORY);
        _cleanup_free_ char *text = NULL;
        if (fd < 0)
                return -ENOENT;
        int r = cg_read_at(fd, v2 ? "memory.events" : "memory.oom_control", &text);
        if (r < 0)
                return r;
        *out = 0;
        keyed_value(text, "oom_kill", out);
        return 0;
}
