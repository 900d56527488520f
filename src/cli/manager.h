/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The LXC-style commands (`berth create`, `start`, ...): shared by
 * manager.c and manager-*.c. */
#pragma once
#include <getopt.h>

#include "cli.h"

struct mcmd;

struct mctx {
        const struct mcmd *cmd;
        const char *lxcpath; /* -P; NULL: /var/lib/berth */
        const char *name;    /* -n or the first positional */
        struct cli_log log;
        struct berth_container *c; /* opened for commands that take a name */
};

struct mcmd {
        const char *name;
        int (*run)(struct mctx *m, int argc, char **argv);
        const char *args;
        const char *summary;
        const char *options;
        bool takes_name;
};

/* Is this a manager command? Then run it (argv[0] is its name). */
const struct mcmd *mcmd_find(const char *name);
int mcmd_main(const struct mcmd *cmd, int argc, char **argv);
void mcmd_list(FILE *f);

/* getopt_long with -n/--name, -P/--lxcpath and --help added; the body
 * sees the command's own options. */
/* GNU getopt permutes: "NAME -P DIR" and "-P DIR NAME" both work; what
 * follows "--" (a command, template options) is left alone. */
#define MCMD_OPTS "hn:P:"
#define MCMD_LONGS                                                                  \
        { "help", no_argument, NULL, 'h' }, { "name", required_argument, NULL, 'n' }, \
                { "lxcpath", required_argument, NULL, 'P' }
/* Handle the shared options; returns 1 when c was one of them, 0 when it
 * is the command's own, or an exit status (+100) to return now. */
int mcmd_common(struct mctx *m, int c, char **argv);
/* After getopt: the name (positional when -n was not given), the handle. */
int mcmd_name(struct mctx *m, int argc, char **argv);
int mcmd_usage(const struct mcmd *cmd, FILE *f);
int mcmd_error(struct mctx *m, const struct berth_error *err);
int mcmd_bad_option(struct mctx *m, char **argv);
/* A seconds count ("-t 10"); 0, or 2 after an error line. */
/* Whether argv holds a "--" (getopt consumes it). */
bool mcmd_dashdash(int argc, char **argv);
int mcmd_seconds(struct mctx *m, const char *flag, const char *s, int *out);

int mcmd_create(struct mctx *m, int argc, char **argv);
int mcmd_destroy(struct mctx *m, int argc, char **argv);
int mcmd_start(struct mctx *m, int argc, char **argv);
int mcmd_stop(struct mctx *m, int argc, char **argv);
int mcmd_restart(struct mctx *m, int argc, char **argv);
int mcmd_attach(struct mctx *m, int argc, char **argv);
int mcmd_console(struct mctx *m, int argc, char **argv);
int mcmd_ls(struct mctx *m, int argc, char **argv);
int mcmd_info(struct mctx *m, int argc, char **argv);
int mcmd_freeze(struct mctx *m, int argc, char **argv);
int mcmd_unfreeze(struct mctx *m, int argc, char **argv);
int mcmd_wait(struct mctx *m, int argc, char **argv);
int mcmd_cgroup(struct mctx *m, int argc, char **argv);
int mcmd_config(struct mctx *m, int argc, char **argv);
int mcmd_execute(struct mctx *m, int argc, char **argv);
int mcmd_autostart(struct mctx *m, int argc, char **argv);
int mcmd_net(struct mctx *m, int argc, char **argv);
