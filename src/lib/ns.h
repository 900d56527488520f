/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Namespaces: which to create, which to join, uid/gid maps, time offsets. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"

/* CLONE_NEW* flags of the namespaces the spec asks for without a path,
 * less CLONE_NEWTIME (set up by the parent, see ns_prepare_parent) and
 * CLONE_NEWCGROUP (the init unshares it once it is in its cgroup, so the
 * namespace's root is the container's cgroup in every hierarchy). */
unsigned long ns_clone_flags(const struct berth_spec *spec);
int ns_clone_flag(enum berth_ns_type type);

/* In the runtime (parent) before clone: join a pid namespace given by
 * path (pid namespaces apply to children) and create the time namespace
 * with its offsets (offsets can only be written before the namespace has
 * a member, so the parent unshares and the init is born into it). */
int ns_prepare_parent(const struct berth_spec *spec, struct berth_error *err);

/* Open every namespace path of the spec (except pid, joined by the
 * parent) in the runtime, before clone, so a bad path fails early;
 * fds[type] = fd or -1. */
int ns_open_paths(const struct berth_spec *spec, int fds[BERTH_NS__COUNT],
                  struct berth_error *err);
/* In the init: setns() into the opened namespaces, user namespace first
 * (so the others are entered with its privileges). Closes the fds. */
int ns_join_opened(int fds[BERTH_NS__COUNT], struct berth_error *err);
void ns_close_fds(int fds[BERTH_NS__COUNT]);

/* In the parent: write /proc/PID/{uid_map,setgroups,gid_map}. */
int ns_write_idmaps(pid_t pid, const struct berth_spec *spec, struct berth_error *err);
/* The same for a runtime that is not root (ns-rootless.c): a map of only
 * the caller's own id is written directly (setgroups denied first for the
 * gid map); any other goes through newuidmap/newgidmap, whose refusal is
 * the error. The init must still be dumpable. */
int ns_write_idmaps_unprivileged(pid_t pid, const struct berth_spec *spec,
                                 struct berth_error *err);
/* "0 1000 1\n..." for the maps; malloc'd. */
char *ns_format_idmap(const struct berth_idmap *maps, size_t n);
