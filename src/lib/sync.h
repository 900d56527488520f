/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parent/init protocol: one SOCK_SEQPACKET socketpair, one typed
 * message per step. Both sides name the step they are at; a message that
 * is not the expected step is an error, never a hang. The init sends
 * its errors back as SYNC_ERROR so the user sees them from the CLI. */
#pragma once
#include <stdint.h>

#include "error.h"

enum sync_step {
        SYNC_NONE = 0,
        SYNC_GO,             /* parent -> init: maps written, cgroup joined: set up */
        SYNC_CONSOLE,        /* init -> parent: the pty master rides along (SCM_RIGHTS) */
        SYNC_READY,          /* init -> parent: set up, waiting for start */
        SYNC_START,          /* parent -> init (run): exec now */
        SYNC_DETACH,         /* parent -> init (create): wait on the start socket */
        SYNC_ERROR,          /* either way: text is the error, code the errno */
        SYNC_STATE,          /* parent -> init: a memfd with a state JSON for its hooks */
        SYNC_PREPARED,       /* init -> parent: mounts done, run createRuntime hooks */
        SYNC_HOOKS_DONE,     /* parent -> init: they ran; go on to pivot_root */
        SYNC_MOUNT_TREE,     /* parent -> init: a detached idmapped mount (SCM_RIGHTS) */
};

struct sync_msg {
        uint32_t step;
        int32_t code;
        char text[sizeof(((struct berth_error *)0)->msg)];
};

const char *sync_step_name(enum sync_step step);
/* Send a step; fd_pass >= 0 rides along with SCM_RIGHTS. */
int sync_send(int fd, enum sync_step step, int fd_pass, struct berth_error *err);
/* Send an error (the init's failure) to the other side. */
void sync_send_error(int fd, const struct berth_error *e);
/* Wait for `want`; a SYNC_ERROR from the peer becomes our error, EOF and a
 * different step are errors. *fd_recv (may be NULL) gets a passed fd. */
int sync_expect(int fd, enum sync_step want, int *fd_recv, struct berth_error *err);
/* Receive any step into *got (`want` only names it in errors). */
int sync_recv(int fd, enum sync_step want, enum sync_step *got, int *fd_recv,
              struct berth_error *err);
