/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What cgroup-smoke.c (the harness, the life cycle) shares with
 * cgroup-smoke-errors.c (refused values, missing controllers, shared
 * parents). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"

#define MiB (INT64_C(1) << 20)

extern char top[64]; /* "/berth-smoke-<pid>" */
extern enum cgroup_layout layout;
extern char mounts[32][256];
extern size_t n_mounts;

/* the child that lives in the cgroup, driven over two pipes */
struct child {
        pid_t pid;
        int cmd;   /* parent -> child */
        int reply; /* child -> parent */
};
int spawn(struct berth_cgroup *cg, struct child *ch, struct berth_error *err);
char *ask(struct child *ch, char c);
void child_close(struct child *ch);

char *slurp(const char *path);
bool exists(const char *path);
/* how many hierarchies hold the cgroup rel */
size_t count_dirs(const char *rel);
bool v1_has(const char *ctrl);
bool has(const char *v1, const char *v2);
/* top + leaf, malloc'd */
char *path_of(const char *leaf);

void test_refused_limit_on_update(void);
void test_refused_value_on_create(void);
void test_missing_controller(void);
void test_failed_create_keeps_existing_parent(void);
void test_shared_parent_and_open(void);
