/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manager commands that stand alone (no container name): each takes the
 * command's own argv (argv[0] is the command's name) and returns the
 * process's exit status. */
#pragma once

/* `berth check-config [--format text|json] [--config FILE]`: 0 when every
 * required kernel feature is there, 1 when one is missing or the config
 * cannot be read, 2 on a usage error (cmd-check-config.c). */
int cmd_check_config(int argc, char **argv);
