/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device cgroup rules a container really gets. */
#pragma once

/* "true": linux.resources.devices come after the default allow list (and
 * so may deny a default device), as an LXC config expects. */
#define DEVICES_CONFIG_LAST_ANNOTATION "org.berth.devices.config-last"
#include "spec.h"

/* The spec's linux.resources.devices rules, then the devices every
 * container needs (null, zero, full, random, urandom, tty, console,
 * ptmx, pts, and mknod of anything), then rwm on each linux.devices
 * node. The baseline is deny-all, as in the other runtimes, so a spec
 * that says nothing still gets a minimal /dev. *out is malloc'd. */
int devices_effective_rules(const struct berth_spec *spec, struct berth_device_rule **out,
                            size_t *n, struct berth_error *err);
