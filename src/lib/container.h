/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal pieces shared by container.c (create/start/run) and
 * container-ops.c (kill/delete/pause/resume/state/list). */
#pragma once
#include <signal.h>

#include "berth.h"
#include "state.h"

static inline const char *ctx_root(const struct berth_oci_ctx *ctx)
{
        return ctx && ctx->root ? ctx->root : BERTH_DEFAULT_ROOT;
}

/* Report e as a warning through ctx->warn, prefixed with what. */
void ctx_warn(const struct berth_oci_ctx *ctx, const struct berth_error *e);

/* Run the poststart or poststop hooks kept in the state; a failure is a
 * warning (runtime-spec), never an error. */
void container_post_hooks(const struct berth_oci_ctx *ctx, const struct state *st, int kind,
                          enum container_status status);

/* Tear down a container whose init is gone or must go: kill what is left
 * in its cgroup, remove the cgroup, run poststop hooks, remove the state
 * directory. Every step runs even when an earlier one failed; the first
 * error is returned. `cg` is the caller's open handle of the cgroup (a
 * foreground run has it from create), or NULL to open st->cgroup_path. */
struct berth_cgroup;
int container_teardown(const struct berth_oci_ctx *ctx, const struct state *st,
                       struct berth_cgroup *cg, struct berth_error *err);

/* Open (+ lock) + load, and what the container is doing now (status may
 * be NULL); fails with "container X does not exist". */
int container_load(const struct berth_oci_ctx *ctx, const char *id, bool lock, int *dirfd,
                   struct state *st, enum container_status *status, struct berth_error *err);

/* A pidfd of the init only while it is the process we started (the pid
 * may have been reused by now); a negative errno otherwise. */
int container_open_init(const struct state *st);

/* Write pid to path atomically (create --pid-file, exec --pid-file). */
int write_pid_file(const char *path, pid_t pid, struct berth_error *err);

/* Wait for our child pid (pidfd), forwarding every signal of mask that we
 * receive (the caller blocked them) and relaying tty (its master may be
 * -1); *status is its exit status, 128+N for signal N. For a foreground
 * `run` and `exec`. */
struct tty_relay;
int wait_forwarding(pid_t pid, int pidfd, const sigset_t *mask, struct tty_relay *tty,
                    int *status, struct berth_error *err);
