/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a container's cgroup has used, read from cgroupfs (v1 and v2
 * files), for `berth oci events`. Times are nanoseconds, sizes bytes; a
 * limit that is not set reads UINT64_MAX on v2 and the kernel's own
 * "unlimited" value on v1; a file the kernel lacks reads 0. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

struct cgroup_mem_entry {
        uint64_t usage, max, limit, failcnt;
};

struct cgroup_io_entry {
        uint32_t major, minor;
        char op[8]; /* "Read", "Write", "Sync", "Async", "Discard" */
        uint64_t value;
};

struct cgroup_stat_kv {
        char key[64];
        uint64_t value;
};

struct cgroup_stats {
        struct {
                uint64_t total, kernel, user;
                uint64_t *percpu; /* v1 only */
                size_t n_percpu;
                uint64_t periods, throttled_periods, throttled_time;
        } cpu;
        struct {
                uint64_t cache;
                struct cgroup_mem_entry usage, swap, kernel; /* swap is memory+swap */
                struct cgroup_stat_kv *raw;                  /* memory.stat */
                size_t n_raw;
                uint64_t oom_kills;
        } memory;
        struct {
                uint64_t current, limit;
        } pids;
        struct {
                struct cgroup_io_entry *bytes, *ios;
                size_t n_bytes, n_ios;
        } io;
};

/* Fill *out (zeroed first); free with cgroup_stats_free(). */
int cgroup_stats_read(struct berth_cgroup *cg, struct cgroup_stats *out, struct berth_error *err);
void cgroup_stats_free(struct cgroup_stats *s);

/* How many processes the OOM killer has killed in the cgroup (v1
 * memory.oom_control, v2 memory.events: oom_kill). -ENOENT when the
 * cgroup or its memory controller is gone. */
int cgroup_oom_kills(struct berth_cgroup *cg, uint64_t *out);
