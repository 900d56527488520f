/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One cgroup interface; cgroup-v1.c and cgroup-v2.c are the backends
 * behind it. The layout (v1, hybrid, v2) is detected from /sys/fs/cgroup.
 * Hybrid = v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified:
 * berth uses the v1 controllers and also places the container in the
 * unified hierarchy (for hugetlb and `unified` keys when enabled there). */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"

enum cgroup_layout {
        CGROUP_LAYOUT_V1,
        CGROUP_LAYOUT_HYBRID,
        CGROUP_LAYOUT_V2,
};

struct berth_cgroup; /* opaque */

int cgroup_detect(enum cgroup_layout *out, struct berth_error *err);
const char *cgroup_layout_name(enum cgroup_layout layout);

/* The cgroup path of a container, *out malloc'd: spec->cgroups_path if
 * set (an absolute path is taken from each hierarchy's root; a relative
 * one goes under /berth; "slice:prefix:name" is the systemd form and
 * becomes /slice/prefix-name.scope; ".." components are refused), else
 * /berth/<id>. */
int cgroup_path_resolve(const char *cgroups_path, const char *id, char **out,
                        struct berth_error *err);

/* mkdir the container's cgroup in every hierarchy and apply res (may be
 * NULL). A limit the kernel refuses is an error naming the file and
 * value. On error nothing is left behind. */
int cgroup_create(const char *path, const struct berth_resources *res, struct berth_cgroup **out,
                  struct berth_error *err);
/* Open an existing container cgroup (later commands: kill, delete, ...). */
int cgroup_open(const char *path, struct berth_cgroup **out, struct berth_error *err);
void cgroup_free(struct berth_cgroup *cg);

/* v2 (pure): an O_DIRECTORY fd of the cgroup for clone3(CLONE_INTO_CGROUP),
 * or -1 when the init must be moved in with cgroup_enter(). */
int cgroup_clone_fd(const struct berth_cgroup *cg);
/* Move pid into the cgroup in every hierarchy that clone did not cover.
 * v1 and hybrid: every hierarchy (and unified/). Pure v2: a no-op; the
 * caller must clone the process into the cgroup with cgroup_clone_fd(). */
int cgroup_enter(struct berth_cgroup *cg, pid_t pid, struct berth_error *err);
/* The same, done by the (single-threaded) process that moves, on the
 * runtime's handle it inherited: "0" into each v1 hierarchy's tasks file.
 * A move of oneself by tasks takes no global lock, where a write of a pid
 * to cgroup.procs waits for an RCU grace period first (about 1 ms of the
 * 10 writes here). It needs the right to write the host's cgroup files,
 * which an init in a new user namespace does not have. */
int cgroup_enter_self(const struct berth_cgroup *cg, struct berth_error *err);

/* Live update (`berth oci update`). */
int cgroup_update(struct berth_cgroup *cg, const struct berth_resources *res,
                  struct berth_error *err);

/* Freeze or thaw, waiting until the kernel says FROZEN / THAWED. */
int cgroup_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error *err);
int cgroup_is_frozen(struct berth_cgroup *cg, bool *frozen, struct berth_error *err);

/* Every pid in the cgroup; *pids malloc'd. */
int cgroup_pids(struct berth_cgroup *cg, pid_t **pids, size_t *n, struct berth_error *err);
/* Send sig to every process in the cgroup (cgroup.kill on v2 for SIGKILL). */
int cgroup_kill_all(struct berth_cgroup *cg, int sig, struct berth_error *err);
/* Kill whatever is left, wait until empty, rmdir in every hierarchy.
 * A cgroup that is already gone is not an error. */
int cgroup_destroy(struct berth_cgroup *cg, struct berth_error *err);

/* What an open cgroup is: its layout and normalized path ("/berth/c1"). */

/* Conversions between v1 and v2 values, as the other runtimes do them. */
uint64_t cgroup_shares_to_weight(uint64_t shares);
uint64_t cgroup_blkio_weight_to_io_weight(uint64_t weight);

/* The hierarchies mounted under /sys/fs/cgroup, for building a container's
 * own /sys/fs/cgroup: `name` is the directory under /sys/fs/cgroup
 * ("cpu,cpuacct", "memory", "systemd", "unified"), `options` the data of a
 * fresh cgroup v1 mount ("cpu,cpuacct", "none,name=systemd"; empty for
 * cgroup2), `proc_key` the hierarchy's key in /proc/PID/cgroup
 * ("cpu,cpuacct", "name=systemd", "" for cgroup2). */
struct cgroup_hierarchy {
        char name[64];
        char options[128];
        char proc_key[128];
        bool unified;
};
int cgroup_hierarchies(struct cgroup_hierarchy **out, size_t *n, struct berth_error *err);
/* The same for the hierarchies of a cgroup handle (no mountinfo to read:
 * the init, a fork of the runtime, has its handle). NULL: as above. */
int cgroup_hierarchies_of(const struct berth_cgroup *cg, struct cgroup_hierarchy **out,
                          size_t *n, struct berth_error *err);
