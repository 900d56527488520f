/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp through libseccomp. The filter is built in the runtime
 * before clone, so every error (unknown syscall, action, architecture)
 * fails `create` with the JSON path; the init only loads it. */
#pragma once
#include <stdbool.h>

#include "spec.h"

struct seccomp_plan; /* opaque: the built filter and what loading needs */

/* Build the filter of spec->seccomp; *out is NULL when the spec has none. */
int seccomp_prepare(const struct berth_spec *spec, struct seccomp_plan **out,
                    struct berth_error *err);
void seccomp_plan_free(struct seccomp_plan *plan);

/* In the init: load the filter (and, for SCMP_ACT_NOTIFY, send the
 * listener fd and the state to listenerPath). `nnp` says whether
 * no_new_privs is set: without it the init loads the filter while it
 * still has CAP_SYS_ADMIN, before the uid switch. A NULL plan is a no-op. */
int seccomp_load_plan(struct seccomp_plan *plan, struct berth_error *err);
