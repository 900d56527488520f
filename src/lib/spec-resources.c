/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources: every cgroup knob of the spec. The scalar knobs of
 * each controller are one table each; the lists have a reader per
 * element. Values are kept as written (-1 is "unlimited" for the memory
 * values); the cgroup layer turns them into files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec-walk.h"
#include "spec.h"
#include "util.h"

#define RES(member) offsetof(struct berth_resources, member)

static const struct field memory_fields[] = {
        { "limit", F_OPT_I64, RES(memory.limit) },
        { "reservation", F_OPT_I64, RES(memory.reservation) },
        { "swap", F_OPT_I64, RES(memory.swap) },
        { "kernel", F_OPT_I64, RES(memory.kernel) },
        { "kernelTCP", F_OPT_I64, RES(memory.kernel_tcp) },
        { "swappiness", F_OPT_U64, RES(memory.swappiness), false, 100 },
        { "disableOOMKiller", F_OPT_BOOL, RES(memory.disable_oom_killer) },
        { "useHierarchy", F_OPT_BOOL, RES(memory.use_hierarchy) },
        { "checkBeforeUpdate", F_OPT_BOOL, RES(memory.check_before_update) },
};

static const struct field cpu_fields[] = {
        { "shares", F_OPT_U64, RES(cpu.shares) },
        { "quota", F_OPT_I64, RES(cpu.quota) },
        { "burst", F_OPT_U64, RES(cpu.burst) },
        { "period", F_OPT_U64, RES(cpu.period) },
        { "realtimeRuntime", F_OPT_I64, RES(cpu.realtime_runtime) },
        { "realtimePeriod", F_OPT_U64, RES(cpu.realtime_period) },
        { "cpus", F_STR, RES(cpu.cpus) },
        { "mems", F_STR, RES(cpu.mems) },
        { "idle", F_OPT_I64, RES(cpu.idle) },
};

static const struct field pids_fields[] = {
        { "limit", F_OPT_I64, RES(pids.limit) },
};

/* blkio weights are 16-bit in the spec (10..1000 in the kernel, which
 * reports the range better than we could). */
static const struct field block_io_fields[] = {
        { "weight", F_OPT_U64, RES(block_io.weight), false, UINT16_MAX },
        { "leafWeight", F_OPT_U64, RES(block_io.leaf_weight), false, UINT16_MAX },
};

static const struct field network_fields[] = {
        { "classID", F_OPT_U64, RES(network.class_id), false, UINT32_MAX },
};

static int walk_device_rule(struct walk *w, json_t *v, void *elem)
{
        static const struct field fields[] = {
                { "allow", F_BOOL, offsetof(struct berth_device_rule, allow), true },
                { "major", F_I64, offsetof(struct berth_device_rule, major) },
                { "minor", F_I64, offsetof(struct berth_device_rule, minor) },
        };
        struct berth_device_rule *d = elem;
        /* Absent type, numbers or access mean "all", as in the cgroup's
         * own "a *:* rwm". */
        d->type = 'a';
        d->major = -1;
        d->minor = -1;
        strcpy(d->access, "rwm");
        int r = walk_fields(w, v, fields, ARRAY_SIZE(fields), d);
        if (r < 0)
                return r;
        json_t *type = walk_child(v, "type");
        if (type) {
                const char *t = json_string_value(type);
                if (!t || strlen(t) != 1 || !strchr("abc", t[0]))
                        return walk_fail_key(w, "type", EINVAL, "expected \"a\", \"b\" or \"c\"");
                d->type = t[0];
        }
        if (d->major < -1 || d->minor < -1)
                return walk_fail_key(w, d->major < -1 ? "major" : "minor", EINVAL,
                                     "must be a device number or -1 for any");
        json_t *access = walk_child(v, "access");
        if (access) {
                const char *a = json_string_value(access);
                if (!a)
                        return walk_fail_key(w, "access", EINVAL, "expected a string");
                size_t n = strlen(a);
                bool ok = n > 0 && n <= 3 && strspn(a, "rwm") == n;
                for (size_t i = 0; ok && i < n; i++)
                        ok = strchr(a + i + 1, a[i]) == NULL; /* no letter twice */
                if (!ok)
                        return walk_fail_key(w, "access", EINVAL,
                                             "\"%s\" is not a combination of r, w and m", a);
                memcpy(d->access, a, n + 1);
        }
        return 0;
}

static int walk_weight_device(struct walk *w, json_t *v, void *elem)
{
        static const struct field fields[] = {
                { "major", F_I64, offsetof(struct berth_weight_device, major), true },
                { "minor", F_I64, offsetof(struct berth_weight_device, minor), true },
                { "weight", F_OPT_U64, offsetof(struct berth_weight_device, weight), false,
                  UINT16_MAX },
                { "leafWeight", F_OPT_U64, offsetof(struct berth_weight_device, leaf_weight), false,
                  UINT16_MAX },
        };
        return walk_fields(w, v, fields, ARRAY_SIZE(fields), elem);
}

static int walk_throttle_device(struct walk *w, json_t *v, void *elem)
{
        static const struct field fields[] = {
                { "major", F_I64, offsetof(struct berth_throttle_device, major), true },
                { "minor", F_I64, offsetof(struct berth_throttle_device, minor), true },
                { "rate", F_U64, offsetof(struct berth_throttle_device, rate), true },
        };
        return walk_fields(w, v, fields, ARRAY_SIZE(fields), elem);
}

static int walk_hugepage_limit(struct walk *w, json_t *v, void *elem)
{
        static const struct field fields[] = {
                { "pageSize", F_STR, offsetof(struct berth_hugepage_limit, page_size), true },
                { "limit", F_U64, offsetof(struct berth_hugepage_limit, limit), true },
        };
        return walk_fields(w, v, fields, ARRAY_SIZE(fields), elem);
}

static int walk_net_priority(struct walk *w, json_t *v, void *elem)
{
        static const struct field fields[] = {
                { "name", F_STR, offsetof(struct berth_net_priority, name), true },
                { "priority", F_U32, offsetof(struct berth_net_priority, priority), true },
        };
        return walk_fields(w, v, fields, ARRAY_SIZE(fields), elem);
}

static int walk_block_io(struct walk *w, json_t *v, struct berth_resources *r)
{
        int ret = walk_fields(w, v, block_io_fields, ARRAY_SIZE(block_io_fields), r);
        if (ret == 0)
                ret = walk_array_of(w, v, "weightDevice", sizeof(struct berth_weight_device),
                                    walk_weight_device, &r->block_io.weight_device,
                                    &r->block_io.n_weight_device);
        /* The four throttle lists share one element type. */
        const struct {
                const char *key;
                struct berth_throttle_device **list;
                size_t *n;
        } throttles[] = {
                { "throttleReadBpsDevice", &r->block_io.throttle_read_bps,
                  &r->block_io.n_throttle_read_bps },
                { "throttleWriteBpsDevice", &r->block_io.throttle_write_bps,
                  &r->block_io.n_throttle_write_bps },
                { "throttleReadIOPSDevice", &r->block_io.throttle_read_iops,
                  &r->block_io.n_throttle_read_iops },
                { "throttleWriteIOPSDevice", &r->block_io.throttle_write_iops,
                  &r->block_io.n_throttle_write_iops },
        };
        for (size_t i = 0; ret == 0 && i < ARRAY_SIZE(throttles); i++)
                ret = walk_array_of(w, v, throttles[i].key, sizeof(struct berth_throttle_device),
                                    walk_throttle_device, throttles[i].list, throttles[i].n);
        return ret;
}

static int walk_network(struct walk *w, json_t *v, struct berth_resources *r)
{
        int ret = walk_fields(w, v, network_fields, ARRAY_SIZE(network_fields), r);
        if (ret == 0)
                ret = walk_array_of(w, v, "priorities", sizeof(struct berth_net_priority),
                                    walk_net_priority, &r->network.priorities,
                                    &r->network.n_priorities);
        return ret;
}

/* Memory sizes are bytes, or -1 for "unlimited"; anything below is a
 * mistake the kernel would turn into a confusing error (or accept). */
static int check_memory(struct walk *w, const struct berth_resources *r)
{
        static const struct {
                const char *key;
                size_t off;
        } sizes[] = {
                { "limit", RES(memory.limit) },
                { "reservation", RES(memory.reservation) },
                { "swap", RES(memory.swap) },
        };
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
                const struct opt_i64 *v = (const void *)((const char *)r + sizes[i].off);
                if (v->set && v->v < -1)
                        return walk_fail_key(w, sizes[i].key, EINVAL,
                                             "%lld is not a size: use bytes, or -1 for unlimited",
                                             (long long)v->v);
        }
        return 0;
}

int spec_walk_resources(struct walk *w, json_t *res, struct berth_resources *r)
{
        int ret = walk_array_of(w, res, "devices", sizeof(struct berth_device_rule),
                                walk_device_rule, &r->devices, &r->n_devices);
        if (ret < 0)
                return ret;
        ret = walk_array_of(w, res, "hugepageLimits", sizeof(struct berth_hugepage_limit),
                            walk_hugepage_limit, &r->hugepage_limits, &r->n_hugepage_limits);
        if (ret < 0)
                return ret;

        /* A controller is a table of scalars, a reader, or (unified) a map. */
        static const struct {
                const char *key;
                const struct field *table;
                size_t n;
                int (*fn)(struct walk *, json_t *, struct berth_resources *);
        } sections[] = {
                { "memory", memory_fields, ARRAY_SIZE(memory_fields), NULL },
                { "cpu", cpu_fields, ARRAY_SIZE(cpu_fields), NULL },
                { "pids", pids_fields, ARRAY_SIZE(pids_fields), NULL },
                { "blockIO", NULL, 0, walk_block_io },
                { "network", NULL, 0, walk_network },
                { "unified", NULL, 0, NULL },
        };
        for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
                json_t *v = walk_child(res, sections[i].key);
                if (!v)
                        continue;
                size_t saved = walk_push_key(w, sections[i].key);
                if (sections[i].table) {
                        ret = walk_fields(w, v, sections[i].table, sections[i].n, r);
                        if (ret == 0 && !strcmp(sections[i].key, "memory"))
                                ret = check_memory(w, r);
                } else if (sections[i].fn) {
                        ret = walk_expect_object(w, v);
                        if (ret == 0)
                                ret = sections[i].fn(w, v, r);
                } else {
                        ret = walk_kv(w, v, &r->unified, &r->n_unified);
                }
                walk_pop(w, saved);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

static void free_hugepages(struct berth_hugepage_limit *l, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(l[i].page_size);
        free(l);
}

void spec_resources_free(struct berth_resources *r)
{
        free(r->devices);
        free(r->cpu.cpus);
        free(r->cpu.mems);
        free(r->block_io.weight_device);
        free(r->block_io.throttle_read_bps);
        free(r->block_io.throttle_write_bps);
        free(r->block_io.throttle_read_iops);
        free(r->block_io.throttle_write_iops);
        free_hugepages(r->hugepage_limits, r->n_hugepage_limits);
        for (size_t i = 0; i < r->network.n_priorities; i++)
                free(r->network.priorities[i].name);
        free(r->network.priorities);
        walk_kv_free(r->unified, r->n_unified);
}
