/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pty of a process with a terminal, and the console socket its master
 * is handed to (SCM_RIGHTS, as runc and crun do). */
#pragma once
#include "spec.h"

/* Connect to the unix socket at path and send master over it. */
int console_send_master(const char *path, int master, struct berth_error *err);

/* In the process that gets the terminal, inside the container's mount
 * namespace (so /dev/ptmx is its devpts): a new pty of p's consoleSize,
 * whose peer becomes our stdio and controlling terminal (a new session).
 * Returns the master (close-on-exec) or a negative errno. */
int console_pty_open(const struct berth_process *p, struct berth_error *err);
