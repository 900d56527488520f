/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What lxc-spec.c and lxc-spec-keys.c share: the translation's state and
 * the JSON building helpers. Internal to the LXC translation. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CAPS 64

struct tr {
        const char *cfgname; /* "<name>/config", for errors */
        const char *key;     /* the item being translated, for errors */
        struct berth_error *err;
        json_t *lnx, *process;
        bool caps[MAX_CAPS];
        bool caps_kept; /* a first lxc.cap.keep empties the set */
        bool proc_rw, sys_rw, cgroup_mount, cgroup_rw;
        bool oom;
        json_t *entries; /* lxc.mount.entry mounts, after the defaults */
};

/* "<name>/config: <key>: <message>", EINVAL */
int lxs_fail(struct tr *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Setters that remember ENOMEM in t->oom instead of failing there. */
void lxs_put(struct tr *t, json_t *obj, const char *key, json_t *v);
void lxs_push(struct tr *t, json_t *arr, json_t *v);
/* obj[key], created as an object (or array) when absent. */
json_t *lxs_sub(struct tr *t, json_t *obj, const char *key, bool array);
/* linux.resources.<section> ("devices" is an array). */
json_t *lxs_resources(struct tr *t, const char *section);
json_t *lxs_strv_json(const char *const *v, size_t n);
#define STRV(...)                                                                                  \
        lxs_strv_json((const char *const[]){ __VA_ARGS__ },                                        \
                      sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* lxc-spec-keys.c: the cgroup and mount keys. */
int lxs_h_cgroup1(struct tr *t, const char *file, const char *value);
int lxs_h_cgroup2(struct tr *t, const char *file, const char *value);
int lxs_h_mount_entry(struct tr *t, const char *sub_key, const char *value);
int lxs_h_mount_auto(struct tr *t, const char *sub_key, const char *value);
/* The default mounts as lxc.mount.auto left them, then the entries. */
json_t *lxs_mounts_json(struct tr *t);
