/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The OCI runtime-spec (1.2, Linux) model: the one internal language.
 * config.json, LXC configs, CLI flags all become a struct berth_spec.
 * Optional scalars are `struct opt_*` so "absent" and "zero" differ. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct opt_i64 {
        bool set;
        int64_t v;
};
struct opt_u64 {
        bool set;
        uint64_t v;
};
struct opt_bool {
        bool set;
        bool v;
};

struct kv {
        char *key;
        char *value;
};

enum berth_ns_type {
        BERTH_NS_PID,
        BERTH_NS_NET,
        BERTH_NS_MNT,
        BERTH_NS_IPC,
        BERTH_NS_UTS,
        BERTH_NS_USER,
        BERTH_NS_CGROUP,
        BERTH_NS_TIME,
        BERTH_NS__COUNT,
};

struct berth_namespace {
        enum berth_ns_type type;
        char *path; /* NULL: a new namespace */
};

struct berth_idmap {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

struct berth_rlimit {
        int resource; /* RLIMIT_* */
        uint64_t soft;
        uint64_t hard;
};

/* A mount with its options already split into mount(2) terms. */
struct berth_mount {
        char *destination; /* absolute, inside the container */
        char *type;        /* NULL for a bind */
        char *source;
        char **options; /* as written, NULL-terminated */
        /* parsed from options by mount_options_parse() */
        unsigned long flags;     /* MS_* to set */
        unsigned long clear;     /* MS_* explicitly cleared (rw, suid, ...) */
        unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE [| MS_REC] */
        bool bind;                 /* bind or rbind */
        bool recursive;            /* rbind (r* propagation carries MS_REC in propagation) */
        char *data;                /* the remaining fs-specific options, comma-joined */
        /* An idmapped mount: the idmap or ridmap option, or mappings of
         * its own (runtime-spec 1.2 mounts[].uidMappings/gidMappings;
         * without them the container's user namespace gives the mapping). */
        bool idmap;
        bool idmap_recursive; /* ridmap: every mount of an rbind, not only its top */
        struct berth_idmap *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
};

struct berth_device {
        char type; /* 'c', 'b', 'u', 'p' */
        char *path;
        int64_t major, minor;
        struct opt_u64 file_mode;
        struct opt_u64 uid, gid;
};

struct berth_device_rule {
        bool allow;
        char type;             /* 'a', 'c', 'b' */
        int64_t major, minor;  /* -1: any */
        char access[4];        /* subset of "rwm" */
};

struct berth_weight_device {
        int64_t major, minor;
        struct opt_u64 weight, leaf_weight;
};

struct berth_throttle_device {
        int64_t major, minor;
        uint64_t rate;
};

struct berth_hugepage_limit {
        char *page_size; /* "2MB", "1GB" */
        uint64_t limit;
};

struct berth_net_priority {
        char *name;
        uint32_t priority;
};

struct berth_resources {
        struct berth_device_rule *devices;
        size_t n_devices;
        struct {
                struct opt_i64 limit, reservation, swap, kernel, kernel_tcp;
                struct opt_u64 swappiness;
                struct opt_bool disable_oom_killer, use_hierarchy, check_before_update;
        } memory;
        struct {
                struct opt_u64 shares, period, realtime_period, burst;
                struct opt_i64 quota, realtime_runtime, idle;
                char *cpus, *mems;
        } cpu;
        struct {
                struct opt_i64 limit;
        } pids;
        struct {
                struct opt_u64 weight, leaf_weight;
                struct berth_weight_device *weight_device;
                size_t n_weight_device;
                struct berth_throttle_device *throttle_read_bps, *throttle_write_bps,
                        *throttle_read_iops, *throttle_write_iops;
                size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
                        n_throttle_write_iops;
        } block_io;
        struct berth_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;
        struct {
                struct opt_u64 class_id;
                struct berth_net_priority *priorities;
                size_t n_priorities;
        } network;
        struct kv *unified;
        size_t n_unified;
};

struct berth_hook {
        char *path;
        char **args; /* NULL-terminated, may be NULL */
        char **env;
        struct opt_i64 timeout; /* seconds */
};

enum berth_hook_kind {
        BERTH_HOOK_PRESTART,
        BERTH_HOOK_CREATE_RUNTIME,
        BERTH_HOOK_CREATE_CONTAINER,
        BERTH_HOOK_START_CONTAINER,
        BERTH_HOOK_POSTSTART,
        BERTH_HOOK_POSTSTOP,
        BERTH_HOOK__COUNT,
};

enum berth_cap_set {
        BERTH_CAP_BOUNDING,
        BERTH_CAP_EFFECTIVE,
        BERTH_CAP_INHERITABLE,
        BERTH_CAP_PERMITTED,
        BERTH_CAP_AMBIENT,
        BERTH_CAP__COUNT,
};

struct berth_process {
        bool terminal;
        struct {
                uint32_t height, width;
                bool set;
        } console_size;
        struct {
                uint32_t uid, gid;
                struct opt_u64 umask;
                uint32_t *additional_gids;
                size_t n_additional_gids;
        } user;
        char **args; /* NULL-terminated, at least one */
        char **env;  /* NULL-terminated, may be empty */
        char *cwd;   /* absolute */
        /* capability names per set ("CAP_SYS_ADMIN"); caps_set[s] false:
         * the set was absent from the spec */
        char **caps[BERTH_CAP__COUNT];
        bool caps_set[BERTH_CAP__COUNT];
        bool has_capabilities;
        struct berth_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        char *apparmor_profile;
        char *selinux_label;
        struct opt_i64 oom_score_adj;
        /* process.ioPriority, in ioprio_set(2) terms */
        struct {
                bool set;
                int class;    /* IOPRIO_CLASS_RT 1, _BE 2, _IDLE 3 */
                int priority; /* 0 (highest) to 7 */
        } io_priority;
        /* process.scheduler, in sched_setattr(2) terms */
        struct {
                bool set;
                int policy;     /* SCHED_*; SCHED_ISO is 4, which Linux never implemented */
                int nice;       /* -20 to 19 */
                int priority;   /* 1 to 99 for SCHED_FIFO/SCHED_RR, else 0 */
                uint64_t flags; /* SCHED_FLAG_* */
                uint64_t runtime, deadline, period; /* ns, for SCHED_DEADLINE */
        } scheduler;
};

struct berth_spec {
        char *oci_version;
        char *bundle;    /* absolute bundle directory */
        char *root_path; /* absolute rootfs path (resolved against bundle) */
        bool root_readonly;
        char *hostname;
        char *domainname;
        struct berth_process process;
        bool has_process;
        struct berth_mount *mounts;
        size_t n_mounts;
        struct berth_hook *hooks[BERTH_HOOK__COUNT];
        size_t n_hooks[BERTH_HOOK__COUNT];
        struct kv *annotations;
        size_t n_annotations;
        /* annotations["org.berth.init"] == "true": a reaper of ours stays PID
         * 1 and the user's process runs as its child (init-reaper.c) */
        bool init_reaper;

        /* linux */
        struct berth_namespace *namespaces;
        size_t n_namespaces;
        struct berth_idmap *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
        struct {
                bool set;
                int64_t secs;
                uint32_t nanosecs;
        } time_offsets[2]; /* [0] monotonic, [1] boottime */
        struct berth_device *devices;
        size_t n_devices;
        char *cgroups_path; /* NULL: default /berth/<id> */
        struct berth_resources resources;
        bool has_resources;
        struct kv *sysctl;
        size_t n_sysctl;
        char *rootfs_propagation; /* NULL, "shared", "slave", "private", "unbindable" */
        char **masked_paths;
        char **readonly_paths;
        char *mount_label;
        void *seccomp; /* json_t * of linux.seccomp, kept for the security layer */
        /* The config text as loaded, so that a section checked after loading
         * (linux.seccomp, by the security layer) can name LINE:COL too. */
        char *text;
        size_t text_len;
        struct {
                bool set;
                char *domain;   /* "LINUX" or "LINUX32" */
                uint64_t flags; /* personality(2) flags: ADDR_NO_RANDOMIZE, ... */
        } personality;
};

/* The annotation that puts berth's reaper in as PID 1: "true" or "false". */
#define BERTH_INIT_ANNOTATION "org.berth.init"

/* Load and validate bundle/config.json. Errors name "config.json:LINE:COL"
 * and the JSON path, e.g. `config.json:12:18: linux.resources.memory.limit:
 * expected an integer`. */
int spec_load(const char *bundle, struct berth_spec **out, struct berth_error *err);
/* The same from a JSON text; `name` is what errors call the file. With
 * bundle NULL, root.path is kept as written and the rootfs is not checked
 * (spec->bundle stays NULL). */
int spec_load_text(const char *text, size_t len, const char *name, const char *bundle,
                   struct berth_spec **out, struct berth_error *err);
void spec_free(struct berth_spec *spec);
void spec_freep(struct berth_spec **spec);
#define _cleanup_spec_ __attribute__((cleanup(spec_freep)))

/* The namespace entry of a type, or NULL when the spec does not ask for it. */
const struct berth_namespace *spec_namespace(const struct berth_spec *spec,
                                             enum berth_ns_type type);

/* Names as the spec writes them ("pid", "network", "mount", ...). */
const char *ns_type_name(enum berth_ns_type type);
int ns_type_parse(const char *name); /* -EINVAL when unknown */

/* Find the 1-based line and column (in characters) of the value at a JSON
 * path ("linux.resources.memory.limit", "mounts[2].destination",
 * `linux.sysctl["net.ipv4.ip_forward"]` for keys with dots) in text.
 * Returns 0 and fills line/col when the value is there; when the path is
 * missing (e.g. a required key is absent) returns 1 and fills line/col with
 * the closest existing parent's position, so errors still point somewhere
 * useful; -ENOENT when text is not JSON, -EINVAL for a malformed path.
 * Used only on the error path. */
int json_locate(const char *text, size_t len, const char *path, int *line, int *col);

/* Split a mount's options into flags, propagation and data (fills the
 * parsed fields of m). Unknown options go to data, as mount(8) does. */
int mount_options_parse(struct berth_mount *m, struct berth_error *err);

/* Default config.json of `berth oci spec`; malloc'd. */
char *spec_default_json(bool rootless);

/* The spec's names of a process.scheduler policy ("SCHED_FIFO") and of a
 * process.ioPriority class ("IOPRIO_CLASS_RT"); "?" when unknown. */
const char *sched_policy_name(int policy);
const char *ioprio_class_name(int cls);

/* Every option name mount_options_parse() knows, NULL-terminated (for
 * `berth oci features`). */
const char *const *mount_option_names(void);

/* A capability name as the spec writes it: "CAP_" + a name libcap knows,
 * upper case only (libcap alone would also take "sys_admin" or "21"). */
bool cap_name_is_valid(const char *name);

/* Parts of a spec in files of their own (spec-fragment.c), read with the
 * config.json walker, so errors name FILE:LINE:COL and the JSON path:
 * a runtime-spec process object (`exec --process FILE`) ... */
int spec_load_process(const char *path, struct berth_process *out, struct berth_error *err);
void spec_process_free(struct berth_process *p);
/* ... and a linux.resources object (`update --resources`); name is what
 * errors call the text (NULL: "resources.json"). */
int spec_load_resources(const char *text, size_t len, const char *name,
                        struct berth_resources *out, struct berth_error *err);
void spec_resources_free(struct berth_resources *r);
