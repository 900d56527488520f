/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The steps every process that is about to run the user's program takes,
 * whether it is a container's init (process.c) or a process entering a
 * running container (exec-child.c): limits, then identity. */
#pragma once
#include "spec.h"

/* setrlimit() each of p's rlimits; raising a hard limit without
 * CAP_SYS_RESOURCE is an error that says so. */
int process_set_rlimits(const struct berth_process *p, struct berth_error *err);
/* /proc/self/oom_score_adj when p sets oomScoreAdj. */
int process_set_oom_score_adj(const struct berth_process *p, struct berth_error *err);
/* After caps_drop_bounding(): groups, gid, uid (keeping capabilities
 * across the switch), then the capability sets of p. */
int process_switch_user(const struct berth_process *p, struct berth_error *err);

/* Right after clone, before anything else: the process holds every fd
 * the runtime had (no exec came between to drop the close-on-exec ones),
 * among them host directories such as the cgroup ones. A path the
 * container controls (cwd, args[0]) going through /proc/self/fd/N would
 * reach them (CVE-2024-21626), so all are closed but stdio, the preserved
 * fds 3 .. 3+preserve_fds-1 and keep[] (-1 entries are fine), with
 * close_range; without it (before 5.9), by a walk of /proc/self/fd that
 * also keeps sockets (no path leads through one; they close at exec). */
void process_close_inherited_fds(int preserve_fds, const int *keep, size_t n_keep);
/* chdir to process.cwd resolved inside our root, never through a /proc
 * magic link: a cwd of /proc/self/fd/N must not land outside it. */
int process_chdir_cwd(const char *cwd, struct berth_error *err);
/* Every signal's disposition to the default: whatever the caller ignored
 * (nohup's SIGHUP, Python's SIGPIPE) would survive execve into the
 * container, where nobody expects it. With unblock, the mask is emptied
 * too. */
void process_reset_signals(bool unblock);
