/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libberth: the public API. Every call that can fail returns 0 or a
 * negative errno value and fills the caller's struct berth_error. Nothing
 * in the library prints or exits. */
#ifndef BERTH_H
#define BERTH_H

#include <stdbool.h>
#include <stddef.h>
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

/* "TERM", "SIGTERM", "15" -> 15; returns a negative errno when unknown. */
BERTH_EXPORT int berth_signal_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif
