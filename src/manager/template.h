/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container templates for `create NAME -t TEMPLATE`: each one fills a
 * root file system for a system container (and may add to its config).
 * Creating is not the start path, so a template may run host helpers
 * (busybox itself, debootstrap). */
#pragma once
#include <stdbool.h>

#include "berth.h"
#include "lxc-config.h"

/* What `create` hands a template. */
struct template_args {
        const char *rootfs;     /* fill this: created if missing, else it must be empty */
        const char *name;       /* the container's name (its host name by default) */
        const char *source;     /* dir:PATH and oci:PATH: the PATH; NULL otherwise */
        char *const *argv;      /* the options after `--`, NULL-terminated (maybe empty) */
        struct lxc_config *cfg; /* the new config: a template may set items (lxc_config_set) */
        /* Progress for a template that takes a while: one line per call,
         * no newline. NULL: nothing is shown. */
        void (*progress)(void *data, const char *line);
        void *progress_data;
        bool tty; /* progress goes to a terminal (a bar may redraw one line) */
};

/* Every template has this shape, so `create` picks one from a table. On
 * failure a template removes whatever it made in rootfs. */
typedef int (*template_fn)(const struct template_args *a, struct berth_error *err);

/* template-common.c: open rootfs, creating it when missing (*created);
 * an existing one must be an empty directory ("the TMPL template needs a
 * new or empty directory"). Returns the fd. */
int template_open_rootfs(const char *rootfs, const char *tmpl, bool *created,
                         struct berth_error *err);
/* Empty a directory that existed before the template ran (keep it). */
void template_empty_dir(int rootfd);
/* 1-64 printable characters, no spaces or '/'. */
bool template_hostname_ok(const char *name);

/* Make a busybox system container in rootfs (created if missing, else it
 * must be an empty directory) from the host's static /bin/busybox
 * (Debian: busybox-static): applet symlinks, busybox init with inittab and
 * rcS, /etc/hostname = name, passwd/group/shadow with root locked. On
 * failure everything it made is removed again. */
int template_busybox(const char *rootfs, const char *name, struct berth_error *err);

/* debootstrap a Debian system (template-debian.c). */
int template_debian(const struct template_args *a, struct berth_error *err);
/* An OCI image layout directory or its tar (template-oci.c). */
int template_oci(const struct template_args *a, struct berth_error *err);
