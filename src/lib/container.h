/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal pieces shared by container.c (create/start/run) and
 * container-ops.c (kill/delete/pause/resume/state/list). */
#pragma once
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
 * error is returned. */
int container_teardown(const struct berth_oci_ctx *ctx, const struct state *st,
                       struct berth_error *err);

/* Open + lock + load; fails with "container X does not exist". */
int container_load(const struct berth_oci_ctx *ctx, const char *id, bool lock, int *dirfd,
                   struct state *st, struct berth_error *err);
