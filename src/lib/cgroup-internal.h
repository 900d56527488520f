/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to the cgroup subsystem: the handle and the hierarchies it
 * spans, the resource plan (an ordered list of file writes built from
 * struct berth_resources before anything is touched) and the backend
 * vtable. Exposed to tests/unit/test_cgroup.c; nothing else includes it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

#define CGROUP_MOUNT         "/sys/fs/cgroup"
#define CGROUP_UNIFIED_MOUNT "/sys/fs/cgroup/unified"
/* Where a container without an absolute cgroupsPath lives. */
#define CGROUP_DEFAULT_PARENT "/berth"
/* The system containers' parent (src/manager/manager.c names it too). */
#define CGROUP_SYSTEM_PARENT "/berth-sys"
/* True for the runtime's own parents above: made once, then kept, like
 * /run/berth. Removing and making them again on every run cost a mkdir,
 * a cpuset copy and an rmdir per hierarchy. `rel` is "berth", no slash. */
bool cg_parent_kept(const char *rel);

/* The v1 hierarchies a container is placed in, and the named systemd one
 * (no controller; runc joins it too, so tools that read it see the
 * container). The order is the order of cg_ctrl_names[]. */
enum cg_ctrl {
        CG_CPU,
        CG_CPUACCT,
        CG_CPUSET,
        CG_MEMORY,
        CG_DEVICES,
        CG_FREEZER,
        CG_BLKIO,
        CG_PIDS,
        CG_HUGETLB,
        CG_NET_CLS,
        CG_NET_PRIO,
        CG_PERF_EVENT,
        CG_RDMA,
        CG_MISC,
        CG_NAME_SYSTEMD,
        CG_CTRL__COUNT,
};
const char *cg_ctrl_name(enum cg_ctrl c);
int cg_ctrl_parse(const char *name); /* -1 when unknown */

/* One mounted hierarchy and the container's directory in it. */
struct cg_hier {
        char *mount;    /* "/sys/fs/cgroup/memory" */
        uint32_t ctrls; /* 1u << enum cg_ctrl; 0 for cgroup2 */
        bool unified;   /* a cgroup2 hierarchy */
        int dirfd;      /* the container's directory, or -1 when it does not exist */
        size_t created; /* trailing path levels this handle mkdir'd (cgroup_create only) */
};

struct berth_cgroup {
        enum cgroup_layout layout;
        char *path;   /* normalized and absolute: "/berth/c1" */
        size_t depth; /* number of components in path */
        bool applied; /* resources were written through this handle */
        struct cg_hier *h;
        size_t n_h;
        const struct cgroup_backend *ops;
};

/* ---- the plan: what to write where, decided before anything is written */

#define CG_W_UNIFIED  1u /* goes to the cgroup2 hierarchy (v2, or hybrid's unified) */
#define CG_W_OPTIONAL 2u /* the kernel's default: a missing file or controller is fine */

struct cg_write {
        const char *ctrl; /* owner: v1 hierarchy or v2 controller to enable; NULL for cgroup.* */
        const char *alt;  /* the other kernel's name of the same file (BFQ), or NULL */
        const char *what; /* the spec field, for errors: "linux.resources.memory.limit" */
        unsigned flags;   /* CG_W_* */
        char *file;
        char *value;
};

struct cg_plan {
        struct cg_write *w;
        size_t n;
};

int cg_plan_add(struct cg_plan *p, const char *ctrl, const char *file, const char *what,
                unsigned flags, struct berth_error *err, const char *fmt, ...)
        __attribute__((format(printf, 7, 8)));
void cg_plan_free(struct cg_plan *p);

/* What the plan depends on besides the spec. */
struct cg_env {
        int64_t cur_mem_limit; /* the limit now (memory.limit_in_bytes, memory.max); -1 none */
        bool has_unified;      /* a cgroup2 hierarchy exists (v2, or hybrid) */
        bool hugetlb_unified;  /* hybrid without a v1 hugetlb hierarchy */
        bool io_bfq;           /* v2: the cgroup has BFQ's io.bfq.weight */
};

/* A table row: one resource file and the spec field behind it. `emit`
 * appends zero or more writes; the generic emitters below read the field
 * at `off` in struct berth_resources. */
struct cg_row {
        const char *ctrl;
        const char *file;
        const char *alt;
        const char *what;
        int (*emit)(const struct cg_row *row, const struct berth_resources *res,
                    const struct cg_env *env, struct cg_plan *plan, struct berth_error *err);
        size_t off;
        unsigned flags; /* CG_W_UNIFIED for the v2 table */
};
int cg_plan_rows(const struct cg_row *rows, size_t n, const struct berth_resources *res,
                 const struct cg_env *env, struct cg_plan *plan, struct berth_error *err);

/* Generic emitters. A value equal to the kernel's default of a fresh
 * cgroup is written with CG_W_OPTIONAL. */
int cg_emit_u64(const struct cg_row *, const struct berth_resources *, const struct cg_env *,
                struct cg_plan *, struct berth_error *); /* opt_u64 as is */
int cg_emit_u64_nonzero(const struct cg_row *, const struct berth_resources *,
                        const struct cg_env *, struct cg_plan *,
                        struct berth_error *); /* opt_u64; 0 = unset (shares, weight) */
int cg_emit_u64_dflt0(const struct cg_row *, const struct berth_resources *, const struct cg_env *,
                      struct cg_plan *, struct berth_error *); /* opt_u64; 0 is the default */
int cg_emit_i64_nonzero(const struct cg_row *, const struct berth_resources *,
                        const struct cg_env *, struct cg_plan *,
                        struct berth_error *); /* opt_i64; 0 = unset, -1 written as -1 */
int cg_emit_i64_max(const struct cg_row *, const struct berth_resources *, const struct cg_env *,
                    struct cg_plan *, struct berth_error *); /* opt_i64; 0 = unset, -1 -> "max" */
int cg_emit_i64(const struct cg_row *, const struct berth_resources *, const struct cg_env *,
                struct cg_plan *, struct berth_error *); /* opt_i64; 0 is the default */
int cg_emit_str(const struct cg_row *, const struct berth_resources *, const struct cg_env *,
                struct cg_plan *, struct berth_error *); /* char *; NULL = unset */
int cg_emit_pids(const struct cg_row *, const struct berth_resources *, const struct cg_env *,
                 struct cg_plan *, struct berth_error *);
int cg_emit_unified(const struct cg_row *, const struct berth_resources *, const struct cg_env *,
                    struct cg_plan *, struct berth_error *);

/* blockIO's four throttle lists, by index. */
enum { CG_THROTTLE_RBPS, CG_THROTTLE_WBPS, CG_THROTTLE_RIOPS, CG_THROTTLE_WIOPS };
void cg_throttle_list(const struct berth_resources *res, int which,
                      const struct berth_throttle_device **list, size_t *n);
/* "hugetlb.<page_size>.<suffix>" after checking page_size ("2MB"). */
int cg_hugetlb_file(const char *page_size, const char *suffix, char *buf, size_t len,
                    struct berth_error *err);
/* A v1 devices.allow/deny line: "c 1:3 rwm", "a *:* rwm". */
int cg_device_rule(const struct berth_device_rule *d, char *buf, size_t len,
                   struct berth_error *err);

/* The backends' plans: pure functions of the spec and env. */
int cg1_plan(const struct berth_resources *res, const struct cg_env *env, struct cg_plan *plan,
             struct berth_error *err);
int cg2_plan(const struct berth_resources *res, const struct cg_env *env, struct cg_plan *plan,
             struct berth_error *err);

/* ---- pure helpers (unit-tested) */

/* Normalize an absolute cgroup path ("//a/b/" -> "/a/b"); rejects ".",
 * "..", the root itself and control characters. */
int cg_path_normalize(const char *in, char **out, struct berth_error *err);
/* "slice:prefix:name" -> "/a.slice/a-b.slice/prefix-name.scope". */
int cg_path_systemd(const char *spec, char **out, struct berth_error *err);
/* True when a cgroupsPath is in the systemd "slice:prefix:name" form. */
bool cg_path_is_systemd(const char *s);

/* v1: memory.memsw.limit_in_bytes must be written before
 * memory.limit_in_bytes when the new memsw is at least the current limit
 * (the kernel keeps limit <= memsw at every step). -1 = unlimited. */
bool cg1_memsw_first(int64_t cur_limit, int64_t new_swap);
/* pids.max: a positive limit as is; 0 or negative is "max". */
void cg_pids_value(int64_t limit, char *buf, size_t len);
/* v2 memory.swap.max from the spec's memory+swap and memory limits;
 * 1 and buf filled when there is something to write, 0 when not. */
int cg2_swap_value(const struct berth_resources *res, char *buf, size_t len,
                   struct berth_error *err);

/* One device's io.max line. A rate of 0 means "no limit" (as v1's 0
 * removes a throttle rule), written as "max". */
struct cg2_io_limit {
        int64_t major, minor;
        bool has[4]; /* rbps, wbps, riops, wiops */
        uint64_t rate[4];
};
int cg2_io_max_line(const struct cg2_io_limit *l, char *buf, size_t len);

/* /proc/self/mountinfo -> the cgroup hierarchies mounted under
 * /sys/fs/cgroup. */
struct cg_mount {
        char *mount;
        uint32_t ctrls; /* v1 controllers (known ones) */
        bool unified;
};
int cg_parse_mountinfo(const char *text, struct cg_mount **out, size_t *n, struct berth_error *err);
void cg_mounts_free(struct cg_mount *m, size_t n);

/* ---- file access on a hierarchy (cgroup-fs.c) */

/* One write(2) of the whole value (cgroupfs takes a value per write). */
int cg_write_at(int dirfd, const char *file, const char *value);
int cg_read_at(int dirfd, const char *file, char **out);
/* Read a file holding one integer ("max" -> -1). */
int cg_read_i64_at(int dirfd, const char *file, int64_t *out);
/* The hierarchy holding a v1 controller / the cgroup2 one; NULL if none. */
struct cg_hier *cg_hier_ctrl(struct berth_cgroup *cg, enum cg_ctrl c);
struct cg_hier *cg_hier_unified(struct berth_cgroup *cg);
/* "<mount><path>" of the container in h, for messages. */
const char *cg_dir_name(const struct berth_cgroup *cg, const struct cg_hier *h, char *buf,
                        size_t len);
/* Check every write of the plan has a file, then write them in order. */
int cg_plan_run(struct berth_cgroup *cg, const struct cg_plan *plan, struct berth_error *err);
/* Every pid in dirfd's cgroup and the cgroups below it. */
int cg_collect_pids(int dirfd, pid_t **pids, size_t *n, struct berth_error *err);

/* ---- backends */

struct cgroup_backend {
        const char *name;
        int (*plan)(const struct berth_resources *res, const struct cg_env *env,
                    struct cg_plan *plan, struct berth_error *err);
        /* Each level of the path, top down, as mkdir -p reaches it (`fd`,
         * whose parent is `parentfd`; `made`: we just created it), before
         * anything can be moved in: v1 fills an empty cpuset.cpus/mems
         * from the parent, v2 delegates controllers in levels we made. */
        int (*init_level)(struct berth_cgroup *cg, struct cg_hier *h, int parentfd, int fd,
                          bool made, bool leaf, struct berth_error *err);
        /* Before the plan runs: enable in every cgroup2 parent the
         * controllers the plan writes to. */
        int (*enable)(struct berth_cgroup *cg, const struct cg_plan *plan, struct berth_error *err);
        int (*enter)(struct berth_cgroup *cg, pid_t pid, struct berth_error *err);
        int (*freeze)(struct berth_cgroup *cg, bool frozen, struct berth_error *err);
        int (*is_frozen)(struct berth_cgroup *cg, bool *frozen, struct berth_error *err);
        /* Kill everything in one step if the kernel can (cgroup.kill):
         * 1 when done, 0 when the caller must signal pid by pid. */
        int (*kill_fast)(struct berth_cgroup *cg, int sig, struct berth_error *err);
        /* The hierarchy whose cgroup.procs lists the container's processes. */
        struct cg_hier *(*procs_hier)(struct berth_cgroup *cg);
};

extern const struct cgroup_backend cgroup_v1_backend;
extern const struct cgroup_backend cgroup_v2_backend;

/* cgroup2 pieces the v1 backend uses for a hybrid's unified hierarchy. */
int cg2_enable_needed(struct berth_cgroup *cg, struct cg_hier *h, const struct cg_plan *plan,
                      struct berth_error *err);
int cg2_freeze_hier(struct berth_cgroup *cg, struct cg_hier *h, bool frozen,
                    struct berth_error *err);
int cg2_is_frozen_hier(struct berth_cgroup *cg, struct cg_hier *h, bool *frozen,
                       struct berth_error *err);
