/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Between exec.c (the runtime's side of `exec`) and exec-child.c (the
 * processes that enter the container). */
#pragma once
#include <stdbool.h>

#include "spec.h"

struct seccomp_plan;
struct berth_cgroup;

struct exec_child_args {
        const struct berth_spec *spec; /* spec->process is the process to run */
        struct seccomp_plan *seccomp;  /* the container's filter; NULL: none */
        int sync_fd;                   /* our end of the socketpair */
        int state_fd;                  /* the runtime's locked state dir: closed at once */
        int init_pidfd;                /* the container's init */
        int ns_flags;                  /* CLONE_NEW* of the namespaces to join */
        int root_fd;                   /* the init's root when no mount namespace is
                                        * joined, else -1 */
        bool pty;                      /* make a pty; its master goes to the runtime */
        int preserve_fds;
        const struct berth_cgroup *cg; /* moves itself in (cgroup_enter_self), or NULL */
};

/* The runtime's clone3 child, in the container's cgroup once told GO.
 * Never returns: joins the namespaces, forks the process that runs the
 * program as the runtime's child (sends the runtime its pidfd, READY) and
 * exits 0; on error sends it (SYNC_ERROR) and exits 127. */
_Noreturn void exec_child_main(struct exec_child_args *a);
