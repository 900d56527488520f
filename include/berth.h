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

/* ---- System containers: the LXC-style manager ----
 * A container NAME lives in LXCPATH/NAME/ (config in LXC syntax, rootfs/);
 * LXCPATH NULL means /var/lib/berth. Its runtime files are under
 * /run/berth-sys/. Every call is safe against the others run at the same
 * time from other processes. */
struct berth_container; /* opaque */

enum berth_container_state {
        BERTH_STOPPED,
        BERTH_STARTING,
        BERTH_RUNNING,
        BERTH_STOPPING,
        BERTH_FROZEN,
};
/* "STOPPED", "STARTING", "RUNNING", "STOPPING", "FROZEN" */
BERTH_EXPORT const char *berth_state_name(enum berth_container_state s);
/* The reverse (any case); a negative errno when unknown. */
BERTH_EXPORT int berth_state_parse(const char *name);

/* A handle; the container need not exist (create makes it). The name is
 * checked: 1-64 of [A-Za-z0-9_.-], not starting with '.' or '-'. */
BERTH_EXPORT int berth_container_new(const char *name, const char *lxcpath,
                                     struct berth_container **out, struct berth_error *err);
BERTH_EXPORT void berth_container_free(struct berth_container *c);
BERTH_EXPORT const char *berth_container_name(const struct berth_container *c);
/* LXCPATH/NAME */
BERTH_EXPORT const char *berth_container_dir(const struct berth_container *c);
/* Whether LXCPATH/NAME/config exists. */
BERTH_EXPORT bool berth_container_defined(const struct berth_container *c);

/* What `create` does. */
struct berth_create_request {
        const char *tmpl;          /* "busybox", "debian", "dir:PATH", "oci:PATH"; NULL: none */
        char *const *tmpl_argv;    /* options for the template; NULL-terminated, may be NULL */
        const char *config_file;   /* LXC config to start from; NULL: none */
        /* Progress of a slow template, a line at a time; NULL: silent. */
        void (*progress)(void *data, const char *line);
        void *progress_data;
        bool progress_tty; /* progress goes to a terminal */
};
/* create: LXCPATH/NAME with its config and rootfs. A failure leaves
 * nothing behind (the half-made directory is removed). */
BERTH_EXPORT int berth_container_create(struct berth_container *c,
                                        const struct berth_create_request *req,
                                        struct berth_error *err);
/* destroy: remove LXCPATH/NAME (a rootfs outside it stays). A running
 * container is refused unless force, which stops it first. */
BERTH_EXPORT int berth_container_destroy(struct berth_container *c, bool force,
                                         struct berth_error *err);

struct berth_start_opts {
        bool foreground;         /* the monitor runs in the caller, console on in_fd/out_fd */
        char *const *argv;       /* replaces lxc.init.cmd; NULL-terminated; may be NULL */
        const char *rcfile;      /* use this config instead of LXCPATH/NAME/config */
        int in_fd, out_fd;       /* foreground only: the console's input and output */
};
/* start: a monitor process holds the console, reaps the init and cleans
 * up when it exits. Without foreground it returns once the init runs;
 * with it, once the container has stopped, with the init's exit status
 * (128+N for signal N) in *status. */
BERTH_EXPORT int berth_container_start(struct berth_container *c,
                                       const struct berth_start_opts *opts, int *status,
                                       struct berth_error *err);
/* stop: lxc.signal.halt to the init, wait up to timeout seconds (< 0: 60),
 * then SIGKILL; kill: SIGKILL (lxc.signal.stop) at once. Returns once the
 * container is stopped and cleaned up. */
BERTH_EXPORT int berth_container_stop(struct berth_container *c, int timeout, bool kill,
                                      struct berth_error *err);
BERTH_EXPORT int berth_container_freeze(struct berth_container *c, struct berth_error *err);
BERTH_EXPORT int berth_container_unfreeze(struct berth_container *c, struct berth_error *err);
/* The state now, and the init's pid (0 unless running or frozen). */
BERTH_EXPORT int berth_container_state(struct berth_container *c,
                                       enum berth_container_state *state, pid_t *pid,
                                       struct berth_error *err);
/* Wait until the container is in state (timeout seconds; < 0: forever);
 * -ETIMEDOUT when it is not by then. */
BERTH_EXPORT int berth_container_wait(struct berth_container *c,
                                      enum berth_container_state state, int timeout,
                                      struct berth_error *err);

struct berth_attach_opts {
        char *const *argv; /* NULL: the user's login shell from the container's passwd */
        bool keep_env;     /* pass the caller's environment (default: the container's + TERM) */
        char *const *env;  /* extra "K=V" */
        const char *user;  /* "UID[:GID]"; NULL: root */
        const char *cwd;   /* NULL: the user's home, or / */
};
/* attach: run a command in the running container (its namespaces,
 * cgroup, capabilities, LSM label and seccomp), wired to the caller's
 * stdio (a pty when stdin is a terminal); its exit status in *status. */
BERTH_EXPORT int berth_container_attach(struct berth_container *c,
                                        const struct berth_attach_opts *opts, int *status,
                                        struct berth_error *err);
/* console: relay in_fd/out_fd to the console (tty 0) or /dev/ttyN until
 * the escape key (Ctrl-<escape>, e.g. 'a') followed by 'q', or until the
 * container stops. */
BERTH_EXPORT int berth_container_console(struct berth_container *c, int tty, int in_fd,
                                         int out_fd, char escape, struct berth_error *err);
/* info: {"name","state","pid","ipv4","ipv6","memory","cpu","pids",
 * "namespaces",...} as JSON; *json malloc'd. */
BERTH_EXPORT int berth_container_info(struct berth_container *c, char **json,
                                      struct berth_error *err);
/* Config items: get (every value of a list key, one per line; *value
 * malloc'd; NULL key: the whole file), and set (validated, the file is
 * written back with its comments). */
BERTH_EXPORT int berth_container_get_config_item(struct berth_container *c, const char *key,
                                                 char **value, struct berth_error *err);
BERTH_EXPORT int berth_container_set_config_item(struct berth_container *c, const char *key,
                                                 const char *value, struct berth_error *err);
/* A cgroup file of the running container ("memory.limit_in_bytes"). */
BERTH_EXPORT int berth_container_cgroup_get(struct berth_container *c, const char *key,
                                            char **value, struct berth_error *err);
BERTH_EXPORT int berth_container_cgroup_set(struct berth_container *c, const char *key,
                                            const char *value, struct berth_error *err);
/* The containers defined in lxcpath, sorted; *names malloc'd (free each,
 * then the array). */
BERTH_EXPORT int berth_list_containers(const char *lxcpath, char ***names, size_t *n,
                                       struct berth_error *err);
/* execute: an application container from NAME's config (or config_file
 * when name's config does not exist): argv runs under berth's tiny init
 * as PID 1, wired to the caller's stdio; nothing is kept after it exits.
 * Its exit status in *status. */
BERTH_EXPORT int berth_execute(const char *name, const char *lxcpath, const char *config_file,
                               char *const *argv, int *status, struct berth_error *err);

/* autostart: every container of lxcpath with lxc.start.auto = 1 in the
 * chosen groups (groups: "a,b," style names, "" meaning "no lxc.group";
 * NULL: containers with no group; all: every group), started in
 * lxc.start.order (lower first) waiting lxc.start.delay seconds after
 * each, or stopped in the reverse order. fn hears of each container as it
 * is handled (e NULL on success); with list_only nothing is done. A
 * container that fails does not stop the others; the first error is
 * returned. */
struct berth_autostart_opts {
        bool stop, kill, list_only, all;
        const char *groups;
        int timeout; /* stop: seconds before SIGKILL (< 0: 60) */
};
typedef void (*berth_autostart_fn)(void *data, const char *name, int order, int delay,
                                   const struct berth_error *e);
BERTH_EXPORT int berth_autostart(const char *lxcpath, const struct berth_autostart_opts *opts,
                                 berth_autostart_fn fn, void *data, struct berth_error *err);

/* "TERM", "SIGTERM", "15" -> 15; returns a negative errno when unknown. */
BERTH_EXPORT int berth_signal_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif
