/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A parsed LXC config becomes a struct berth_spec, with LXC's defaults for
 * what the config does not say. Pure translation: nothing is touched on
 * the system (the running kernel is asked only which capabilities it has). */
#pragma once
#include "lxc-config.h"
#include "spec.h"

/* Build the spec of container `name` whose directory is `container_dir`
 * (the default rootfs is <container_dir>/rootfs). Errors name
 * "<name>/config: <key>: ...". The rootfs is not checked here. */
int lxc_to_spec(const struct lxc_config *cfg, const char *name, const char *container_dir,
                struct berth_spec **out, struct berth_error *err);
