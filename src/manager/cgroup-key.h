/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth cgroup NAME KEY [VALUE]`: an LXC-style cgroup key
 * ("memory.limit_in_bytes", "cpu.shares", "pids.max", "cgroup.procs") is a
 * file of the container's cgroup; which hierarchy holds it depends on the
 * machine's layout. The lookup is a pure function of a description of
 * that layout (struct cgroup_key_env), so it is testable without one. */
#pragma once
#include <stddef.h>

#include "berth.h"
#include "cgroup.h"

#define CGROUP_KEY_ROOT "/sys/fs/cgroup"

/* What key lookup needs to know about the machine. */
struct cgroup_key_env {
        enum cgroup_layout layout;
        /* The hierarchies mounted under /sys/fs/cgroup (cgroup_hierarchies():
         * v1 ones and hybrid's "unified"; none on pure v2). */
        struct cgroup_hierarchy *h;
        size_t n;
        /* The controllers the cgroup2 root offers (its cgroup.controllers,
         * space separated: "cpu io memory pids"); NULL without a cgroup2
         * hierarchy (pure v1). */
        char *v2_controllers;
};

/* Describe this machine; free with cgroup_key_env_free(). */
int cgroup_key_env_load(struct cgroup_key_env *env, struct berth_error *err);
void cgroup_key_env_free(struct cgroup_key_env *env);

/* Pure: check key and find the hierarchy directory that holds it, written
 * to buf ("/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified",
 * "/sys/fs/cgroup" on v2). Keys are "<controller>.<file>" of
 * [A-Za-z0-9_.-]; "cgroup.*" files are the core's. v1/hybrid: the v1
 * hierarchy mounted with the controller, else (hybrid) the cgroup2 one
 * when it offers the controller; cgroup.procs and cgroup.clone_children
 * go to the pids v1 hierarchy (else freezer, memory, the first with a
 * controller: where the core lists a container's processes); the other
 * cgroup.* files (cgroup.freeze, cgroup.events, ...) exist only in
 * cgroup2. -EINVAL for a malformed key, -ENOENT for a controller the
 * machine lacks. */
int cgroup_key_locate(const struct cgroup_key_env *env, const char *key, char *buf, size_t len,
                      struct berth_error *err);

/* Pure: "<hierarchy dir><cgroup_path>/<key>", *out malloc'd. cgroup_path
 * is the container's absolute cgroup path ("/berth/c1"); "." and ".."
 * components are refused. */
int cgroup_key_env_path(const struct cgroup_key_env *env, const char *cgroup_path, const char *key,
                        char **out, struct berth_error *err);

/* The same against this machine. */
int cgroup_key_path(const char *cgroup_path, const char *key, char **out, struct berth_error *err);

/* Read the key's file; *value malloc'd, without the trailing newline. */
int cgroup_key_get(const char *cgroup_path, const char *key, char **value, struct berth_error *err);

/* Write value to the key's file in one write(2). The kernel's refusal is
 * "set KEY to 'VALUE': <strerror>". */
int cgroup_key_set(const char *cgroup_path, const char *key, const char *value,
                   struct berth_error *err);
