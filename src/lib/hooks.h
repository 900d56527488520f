/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCI hooks: each runs with the container's state JSON on stdin, the
 * hook's own args and env (nothing inherited), and its timeout. */
#pragma once
#include <stdbool.h>

#include "spec.h"

const char *hook_kind_name(enum berth_hook_kind kind);

/* Run hooks[0..n) in order; the first failure (exit status, signal,
 * timeout, exec error) stops and is returned naming the hook. */
int hooks_run(const struct berth_hook *hooks, size_t n, enum berth_hook_kind kind,
              const char *state_json, struct berth_error *err);

/* The spec's poststart and poststop hooks as JSON (kept in state.json so
 * `start` and `delete` run what `create` saw); NULL when there are none. */
void *hooks_to_json(const struct berth_spec *spec);
/* Run the hooks of `kind` kept in such a JSON object. */
int hooks_run_json(void *hooks_json, enum berth_hook_kind kind, const char *state_json,
                   struct berth_error *err);

/* Whether the init stops after its mounts for the runtime's prestart and
 * createRuntime hooks (both sides decide from the spec alone). */
static inline bool init_waits_for_runtime_hooks(const struct berth_spec *spec)
{
        return spec->n_hooks[BERTH_HOOK_PRESTART] || spec->n_hooks[BERTH_HOOK_CREATE_RUNTIME];
}
