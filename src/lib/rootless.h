/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A runtime that is not root: the cgroup it may not get. */
#pragma once
#include "berth.h"
#include "cgroup.h"
#include "spec.h"

/* True when the spec's linux.resources asks for a limit (device rules
 * aside: without a cgroup they have nothing to apply to, and in a user
 * namespace no device node can be made anyway). */
bool resources_asked(const struct berth_resources *r);

/* cgroup_create, except for a runtime that is not root and may not
 * create the cgroup (EACCES, EPERM, EROFS: not delegated to it): when the
 * spec asks for no limits, *out is NULL, the container goes without a
 * cgroup and *warning says so (for ctx->warn once the create succeeded,
 * so that a failed create still prints one line); when it asks for
 * limits, an error that says so. */
int cgroup_create_or_skip(const char *id, const char *path, const struct berth_spec *spec,
                          const struct berth_resources *res, struct berth_cgroup **out,
                          struct berth_error *warning, struct berth_error *err);
