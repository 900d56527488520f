/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
#include <stdio.h>

#include "berth.h"

struct cli_log {
        const char *path; /* --log FILE; NULL: stderr only */
        bool json;        /* --log-format json */
        bool debug;
};

/* Report an error: `berth: <msg>` on stderr, and to the --log file in the
 * engine's format. Returns the exit status to use (1). */
int cli_error(const struct cli_log *log, const char *msg);
int cli_errorf(const struct cli_log *log, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* ctx->warn for the library: `berth: warning: ...` and the log file. */
void cli_warn(void *data, const char *msg);

int oci_main(int argc, char **argv);

/* ---- inside `berth oci`: shared by oci.c and the verbs in oci-*.c */

struct oci {
        struct berth_oci_ctx ctx;
        struct cli_log log;
};

struct verb {
        const char *name;
        int (*run)(struct oci *o, int argc, char **argv);
        const char *args;
        const char *summary;
        const char *options;
};

const struct verb *find_verb(const char *name);
/* The verb's --help text on f; the exit status (0 on stdout, else 2). */
int verb_usage(const struct verb *v, FILE *f);
/* One error line naming the option getopt refused; returns 2. */
int bad_option(struct oci *o, const struct verb *v, char **argv);
/* --format table|json into *json; non-zero (after the error line) otherwise. */
int parse_format(struct oci *o, const struct verb *v, const char *arg, bool *json);
/* Exactly one positional ID at argv[first]; 0, or 2 after an error line. */
int want_id(struct oci *o, const struct verb *v, int argc, char **argv, int first,
            const char **id);
/* A library call's result: 0, or 1 after printing err. */
int report(struct oci *o, int r, const struct berth_error *err);
/* A count from 0 to 2^20; 0, or 1 after an error line. */
int parse_int_arg(struct oci *o, const char *flag, const char *s, int *out);

/* getopt_long for a verb; --help is every verb's. Returns -1 when done,
 * 'h' for help, '?' for an error already printed. */
#define VERB_GETOPT(short_opts, longs)                                             \
        optind = 1;                                                                \
        opterr = 0;                                                                \
        int c;                                                                     \
        while ((c = getopt_long(argc, argv, "+h" short_opts, longs, NULL)) != -1)

#define HELP_OPT { "help", no_argument, NULL, 'h' }

/* exec, ps, update, events (oci-exec.c) and their --help options */
#define EXEC_OPTS                                                                           \
        "  -p, --process FILE       a process.json to run (instead of COMMAND and flags)\n"  \
        "  -t, --tty                allocate a pty\n"                                        \
        "      --console-socket S   send the pty master to this unix socket\n"              \
        "      --cwd DIR            working directory in the container\n"                   \
        "  -e, --env KEY=VALUE      set an environment variable (repeatable)\n"             \
        "  -u, --user UID[:GID]     run as this user\n"                                     \
        "  -g, --additional-gids G  an additional group (repeatable)\n"                     \
        "  -c, --cap CAP            add a capability, e.g. CAP_NET_ADMIN (repeatable)\n"    \
        "      --no-new-privs       set no_new_privs\n"                                     \
        "  -d, --detach             do not wait for the process\n"                          \
        "      --pid-file F         write the process's pid to F\n"                         \
        "      --preserve-fds N     pass N extra fds (from 3) to the process\n"
#define UPDATE_OPTS                                                                         \
        "  -r, --resources FILE     linux.resources JSON (- for stdin)\n"                    \
        "      --memory N           memory limit (bytes; k, m, g suffixes; -1: none)\n"     \
        "      --memory-reservation N   soft limit\n"                                       \
        "      --memory-swap N      memory+swap limit\n"                                    \
        "      --cpu-quota N        CFS quota in microseconds per period (-1: none)\n"      \
        "      --cpu-period N       CFS period in microseconds\n"                           \
        "      --cpu-share N        CPU shares (relative weight)\n"                         \
        "      --cpuset-cpus LIST   CPUs to use (0-3, 0,1)\n"                               \
        "      --cpuset-mems LIST   memory nodes to use\n"                                  \
        "      --pids-limit N       maximum number of processes (-1: none)\n"               \
        "      --blkio-weight N     block I/O weight (10-1000)\n"
int cmd_exec(struct oci *o, int argc, char **argv);
int cmd_ps(struct oci *o, int argc, char **argv);
int cmd_update(struct oci *o, int argc, char **argv);
int cmd_events(struct oci *o, int argc, char **argv);
