/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libberth: the public API. Every call that can fail returns 0 or a
 * negative errno value and fills the caller's struct berth_error. Nothing
 * in the library prints or exits. */
#ifndef BERTH_H
#define BERTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BERTH_EXPORT __attribute__((visibility("default")))

/* An error a user can act on: msg is "<what>: <why>". */
struct berth_error {
        int code; /* positive errno value, 0 when no error */
        char msg[2048];
};

/* Global options of `berth oci`: the runc command line's. */
struct berth_oci_ctx {
        const char *root;    /* state directory; NULL means /run/berth */
        bool systemd_cgroup; /* accepted for engines; berth drives cgroupfs */
        bool debug;
        /* Problems that do not fail the call (a poststart or poststop hook
         * that failed, as the runtime-spec says); NULL: dropped. */
        void (*warn)(void *data, const char *msg);
        void *warn_data;
};

struct berth_create_opts {
        const char *bundle;         /* NULL means the current directory */
        const char *pid_file;       /* written with the init's pid */
        const char *console_socket; /* receives the pty master (terminal: true) */
        int preserve_fds;           /* fds 3 .. 3+N-1 are passed to the container */
        bool no_pivot;              /* use MS_MOVE + chroot instead of pivot_root */
        bool no_new_keyring;
};

/* One container as `list` and `state` see it. */
struct berth_oci_state {
        char id[256];
        char status[16]; /* creating, created, running, paused, stopped */
        pid_t pid;       /* 0 when stopped */
        char bundle[4096];
        char created[40]; /* RFC 3339 */
        char owner[64];
};

BERTH_EXPORT const char *berth_version(void);

/* create: the container's init is set up and waits for start. */
BERTH_EXPORT int berth_oci_create(const struct berth_oci_ctx *ctx, const char *id,
                                  const struct berth_create_opts *opts,
                                  struct berth_error *err);
/* start: the waiting init execs the user's process. */
BERTH_EXPORT int berth_oci_start(const struct berth_oci_ctx *ctx, const char *id,
                                 struct berth_error *err);
/* run: create + start. With detach false it waits, forwarding signals, and
 * stores the container's exit status (128+N for signal N) in *status; with
 * keep false the container is deleted when it exits. */
BERTH_EXPORT int berth_oci_run(const struct berth_oci_ctx *ctx, const char *id,
                               const struct berth_create_opts *opts, bool detach,
                               bool keep, int *status, struct berth_error *err);
/* state: the runtime-spec state JSON; *json is malloc'd. */
BERTH_EXPORT int berth_oci_state(const struct berth_oci_ctx *ctx, const char *id,
                                 char **json, struct berth_error *err);
BERTH_EXPORT int berth_oci_kill(const struct berth_oci_ctx *ctx, const char *id, int sig,
                                bool all, struct berth_error *err);
BERTH_EXPORT int berth_oci_delete(const struct berth_oci_ctx *ctx, const char *id, bool force,
                                  struct berth_error *err);
BERTH_EXPORT int berth_oci_pause(const struct berth_oci_ctx *ctx, const char *id,
                                 struct berth_error *err);
BERTH_EXPORT int berth_oci_resume(const struct berth_oci_ctx *ctx, const char *id,
                                  struct berth_error *err);
/* list: every container under the root; *states is malloc'd. */
BERTH_EXPORT int berth_oci_list(const struct berth_oci_ctx *ctx, struct berth_oci_state **states,
                                size_t *n, struct berth_error *err);
/* spec: a default config.json; *json is malloc'd. */
BERTH_EXPORT int berth_oci_spec(bool rootless, char **json, struct berth_error *err);
/* features: the runtime-spec features document; *json is malloc'd. */
BERTH_EXPORT int berth_oci_features(char **json, struct berth_error *err);

/* What `exec` runs. With process_file (a runtime-spec process.json) that
 * file is the whole process and the other process fields are ignored;
 * otherwise the container's config.json process with these overrides. */
struct berth_exec_opts {
        const char *process_file;
        char *const *argv;       /* NULL-terminated; required without process_file */
        char *const *env;        /* "K=V", replacing the config's K or added */
        const char *cwd;         /* NULL: the config's */
        const char *user;        /* "UID[:GID]" (numbers); NULL: the config's */
        const gid_t *additional_gids; /* added to the config's */
        size_t n_additional_gids;
        char *const *caps;       /* "CAP_X" added to every set; NULL-terminated */
        bool no_new_privs;       /* set no_new_privs (true only adds) */
        bool tty;                /* a pty: sent to console_socket, or else relayed
                                  * to the caller's stdio until the process exits */
        const char *console_socket;
        bool detach;             /* return once the program runs; it stays the
                                  * caller's child (reap it, or exit) */
        const char *pid_file;    /* written with the process's pid */
        int preserve_fds;        /* fds 3 .. 3+N-1 are passed on */
};

/* exec: run a process in a running (or created) container: its
 * namespaces, cgroup, user, capabilities, rlimits, LSM labels and seccomp
 * filter. Without detach it waits, forwarding signals, and stores the
 * exit status (128+N for signal N) in *status. A program that cannot be
 * executed is an error and nothing is left running. */
BERTH_EXPORT int berth_oci_exec(const struct berth_oci_ctx *ctx, const char *id,
                                const struct berth_exec_opts *opts, int *status,
                                struct berth_error *err);

/* ps: the pids (as the host sees them) of every process in the
 * container's cgroup; *pids is malloc'd. */
BERTH_EXPORT int berth_oci_ps(const struct berth_oci_ctx *ctx, const char *id, pid_t **pids,
                              size_t *n, struct berth_error *err);

/* One optional value of `update`. */
struct berth_update_value {
        bool set;
        int64_t value;
};

/* `update`'s flags: each set value overrides the resources JSON's. Memory
 * sizes are bytes (-1: unlimited); memory_swap is memory+swap, as in
 * config.json. */
struct berth_update_opts {
        struct berth_update_value memory, memory_reservation, memory_swap;
        struct berth_update_value cpu_quota, cpu_period, cpu_shares;
        struct berth_update_value pids_limit, blkio_weight;
        const char *cpuset_cpus, *cpuset_mems; /* NULL: unchanged */
};

/* update: change the cgroup limits of a live container. resources_json is
 * a linux.resources object (may be NULL), errors in it name
 * `<resources_name>:LINE:COL: memory.limit: ...`; resources_name NULL
 * means "resources.json". Device rules in it are ignored (as runc does). */
BERTH_EXPORT int berth_oci_update(const struct berth_oci_ctx *ctx, const char *id,
                                  const char *resources_json, const char *resources_name,
                                  const struct berth_update_opts *flags,
                                  struct berth_error *err);

/* stats: one `{"type":"stats","id":...,"data":{"cpu",...}}` object, the
 * shape of runc's `events --stats`, read from cgroupfs; *json malloc'd. */
BERTH_EXPORT int berth_oci_stats(const struct berth_oci_ctx *ctx, const char *id, char **json,
                                 struct berth_error *err);

/* An event for berth_oci_events: one JSON object, no newline. A non-zero
 * return stops the stream (and is returned by berth_oci_events). */
typedef int (*berth_event_fn)(const char *json, void *data);

/* events: a stats object every interval_ms (0: 5 s), and
 * `{"type":"oom","id":...}` each time the container's OOM kill count
 * grows, until the container stops. */
BERTH_EXPORT int berth_oci_events(const struct berth_oci_ctx *ctx, const char *id,
                                  unsigned interval_ms, berth_event_fn fn, void *data,
                                  struct berth_error *err);

/* "TERM", "SIGTERM", "15" -> 15; returns a negative errno when unknown. */
BERTH_EXPORT int berth_signal_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif
