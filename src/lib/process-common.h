/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The steps every process that is about to run the user's program takes,
 * whether it is a container's init (process.c) or a process entering a
 * running container (exec-child.c): limits, then identity. */
#pragma once
#include "spec.h"

/* setrlimit() each of p's rlimits; raising a hard limit without
 * CAP_SYS_RESOURCE is an error that says so. */
int process_set_rlimits(const struct berth_process *p, struct berth_error *err);
/* /proc/self/oom_score_adj when p sets oomScoreAdj. */
int process_set_oom_score_adj(const struct berth_process *p, struct berth_error *err);
/* After caps_drop_bounding(): groups, gid, uid (keeping capabilities
 * across the switch), then the capability sets of p. */
int process_switch_user(const struct berth_process *p, struct berth_error *err);
