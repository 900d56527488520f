/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.berth.init: a small PID 1 of ours between the container and the
 * user's program, which reaps orphans and forwards signals. */
#pragma once
#include <stdbool.h>

#include "error.h"

/* Called by the init (process.c) where it would execve the user's
 * program, with everything of the container already applied. Forks:
 * returns 0 in the child, which then execs exactly as the init would have
 * (its own process group, the terminal's foreground one when `terminal`,
 * the caller's signal mask still in place for it to reset). The parent
 * never returns: it closes every fd, forwards signals to the child's
 * process group, reaps every zombie and exits with the child's status
 * (128+N for a death by signal N). A negative errno with err set when the
 * child could not be made or set up: the caller reports it as it would
 * an exec error, from either process. */
int init_reaper_fork(bool terminal, struct berth_error *err);
