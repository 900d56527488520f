/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
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
