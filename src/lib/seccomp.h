/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp through libseccomp. The filter is built in the runtime
 * before clone, so every error (unknown syscall, action, architecture)
 * fails `create` with the JSON path; the init only loads it. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"

struct seccomp_plan; /* opaque: the built filter and what loading needs */
struct json_t;

/* The annotation that makes unknown syscall names skipped, not errors. */
#define SECCOMP_IGNORE_UNKNOWN_ANNOTATION "org.berth.seccomp.ignore-unknown-syscalls"

/* Build the filter of spec->seccomp; *out is NULL when the spec has none.
 * id is the container's (it goes into the state an SCMP_ACT_NOTIFY
 * listener gets); with such an action the runtime connects to
 * listenerPath here, so a listener that is not there fails create. */
int seccomp_prepare(const struct berth_spec *spec, const char *id, struct seccomp_plan **out,
                    struct berth_error *err);
void seccomp_plan_free(struct seccomp_plan *plan);

/* The pid the state sent to an SCMP_ACT_NOTIFY listener names (the
 * container's init, as the runtime sees it). Before or after the fork: the
 * init reads it from memory shared with the runtime. A no-op without a
 * listener or with pid <= 0. */
void seccomp_plan_set_pid(struct seccomp_plan *plan, pid_t pid);
/* Right after clone, in both processes, with what clone returned. In the
 * runtime (pid > 0): seccomp_plan_set_pid(), and its own copy of the
 * listener connection is closed, so the listener sees EOF once the init
 * has sent (a runtime that waits for the container would otherwise keep
 * the listener, and so the container, waiting). */
void seccomp_plan_cloned(struct seccomp_plan *plan, pid_t pid);
/* The fd the init keeps until the filter is loaded (its connection to an
 * SCMP_ACT_NOTIFY listener), or -1. */
int seccomp_plan_fd(const struct seccomp_plan *plan);

/* In the init: load the filter (and, for SCMP_ACT_NOTIFY, send the
 * listener fd and the state to listenerPath). The init calls it as the
 * last step before exec, or, without no_new_privs, before the uid switch
 * while it still has CAP_SYS_ADMIN (the kernel wants one of the two). A
 * NULL plan is a no-op. Allocates nothing. */
int seccomp_load_plan(struct seccomp_plan *plan, struct berth_error *err);

/* The "seccomp" object of the features document (runtime-spec
 * features.md): actions, operators, archs, known and supported flags. */
struct json_t *seccomp_features_json(void);
/* berth's default profile, as linux.seccomp JSON (for `berth oci spec`). */
struct json_t *seccomp_default_profile_json(void);
