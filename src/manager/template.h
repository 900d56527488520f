/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container templates for `create NAME -t TEMPLATE`: each one fills a
 * root file system for a system container. Creating is not the start
 * path, so a template may run host helpers (such as busybox itself). */
#pragma once
#include "berth.h"

/* Every template has this shape, so `create` can pick one from a table. */
typedef int (*template_fn)(const char *rootfs, const char *name, struct berth_error *err);

/* Make a busybox system container in rootfs (created if missing, else it
 * must be an empty directory) from the host's static /bin/busybox
 * (Debian: busybox-static): applet symlinks, busybox init with inittab and
 * rcS, /etc/hostname = name, passwd/group/shadow with root locked. On
 * failure everything it made is removed again. */
int template_busybox(const char *rootfs, const char *name, struct berth_error *err);
