/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth check-config`: which kernel features containers need are in this
 * kernel's build config, and what this machine has mounted and installed
 * (cgroup layout, newuidmap). The library gathers a report; the CLI prints
 * it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "berth.h"

/* ---- a kernel build config (.config text) ---- */

enum kconfig_state {
        KCONFIG_MISSING, /* "# CONFIG_X is not set", =n, or absent */
        KCONFIG_MODULE,  /* =m */
        KCONFIG_ENABLED, /* =y, or any other value (a number, a string) */
};

struct kconfig;

/* Parse .config text: CONFIG_X=value lines (quotes kept), comments and
 * blank lines ignored. Pure; -ENOMEM only. */
int kconfig_parse(const char *text, struct kconfig **out);
void kconfig_free(struct kconfig *kc);
/* name with or without the CONFIG_ prefix. */
enum kconfig_state kconfig_get(const struct kconfig *kc, const char *name);
/* The raw value, or NULL when the option is not set. */
const char *kconfig_value(const struct kconfig *kc, const char *name);

/* The config text: `path` if given (the CONFIG variable), else
 * /proc/config.gz, else /boot/config-$(uname -r). gzip or plain. *used is
 * the file read. None found: -ENOENT with a message naming what was tried. */
int kconfig_load(const char *path, char **text, char **used, struct berth_error *err);

/* ---- the report ---- */

enum cc_status {
        CC_ENABLED,
        CC_MODULE,
        CC_MISSING,
        CC_FOUND, /* a helper program that is installed */
        CC_INFO,  /* a fact, not a verdict: the cgroup layout, its controllers */
};

struct cc_feature {
        const char *group; /* "Namespaces", "Cgroups", ... */
        char *name;        /* CONFIG_X, or what a machine check looks at */
        bool required;
        enum cc_status status;
        char *detail;     /* CC_INFO: the value; else NULL */
        const char *note; /* what it is for (optional features) or NULL */
};

enum cc_cgroup_layout { CC_CGROUP_NONE, CC_CGROUP_V1, CC_CGROUP_HYBRID, CC_CGROUP_V2 };

struct cc_report {
        char *config_path; /* the config file read */
        char *kernel;      /* uname -r */
        struct cc_feature *features;
        size_t n_features;
        size_t missing_required;
};

/* The kernel-config checks for a kernel `release` ("6.1.0-...") on a
 * machine with cgroup layout `layout` (which device controller is
 * required depends on it), appended to r. Pure. */
int cc_check_kernel(struct cc_report *r, const struct kconfig *kc, const char *release,
                    enum cc_cgroup_layout layout);
/* Everything: read the config (`config_path` as for kconfig_load), the
 * kernel checks, the mounted cgroup layout and controllers, newuidmap and
 * newgidmap. */
int check_config_run(const char *config_path, struct cc_report **out, struct berth_error *err);
void cc_report_free(struct cc_report *r);
const char *cc_status_name(enum cc_status s);
