/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Process attributes beyond user and capabilities: personality,
 * ioPriority, scheduler, and the LSM labels (AppArmor, SELinux). */
#pragma once
#include "spec.h"

/* In the runtime, before clone: refuse what this host cannot give (an LSM
 * label when that LSM is not active, a scheduler policy the kernel lacks),
 * so `create` fails cleanly. */
int process_attrs_check(const struct berth_spec *spec, struct berth_error *err);
/* In the init, before the uid switch: personality, ioPriority, scheduler. */
int process_attrs_apply(const struct berth_spec *spec, struct berth_error *err);
/* In the init, the last step before exec (before seccomp): the LSM exec
 * labels, written through a procfs handle verified to be procfs. */
int process_lsm_apply(const struct berth_spec *spec, struct berth_error *err);
/* linux.mountLabel when SELinux is enabled (mounts then get it as
 * context="..."), NULL otherwise: without SELinux it is ignored. */
const char *process_mount_label(const struct berth_spec *spec);
