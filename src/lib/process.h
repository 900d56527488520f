/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's init: the clone3 child of the runtime. */
#pragma once
#include <stdbool.h>

#include "spec.h"

struct seccomp_plan;
struct berth_cgroup;

struct init_args {
        const struct berth_spec *spec;
        int sync_fd;   /* our end of the socketpair */
        int listen_fd; /* start.sock (create), -1 for run */
        int state_fd;  /* the parent's locked state dir: closed at once, or
                        * its flock would outlive the parent of create */
        int ns_fds[BERTH_NS__COUNT];
        int preserve_fds;
        bool no_pivot;
        bool terminal; /* allocate a pty and send its master to the parent */
        bool stay_dumpable; /* until GO: the runtime is not root and writes our maps */
        struct seccomp_plan *seccomp; /* NULL: no filter */
        const struct berth_cgroup *cg; /* the runtime's handle of our cgroup, or NULL */
        bool join_cgroup; /* we move ourselves into cg (cgroup_enter_self) */
        char *hook_state[2]; /* state JSON for createContainer, startContainer hooks */
};

/* Never returns: execs the user's process or exits 127 after sending its
 * error to the parent (or to `start`). */
_Noreturn void init_main(struct init_args *a);

/* Resolve argv0 the way execvp does, with PATH from env; *out malloc'd.
 * -ENOENT / -EACCES with a message naming the program. */
int find_executable(const char *argv0, char *const *env, char **out, struct berth_error *err);
