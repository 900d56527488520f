/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Errors to the user and to the engine's log file. containerd shows a
 * runtime's error only when it is in --log as JSON, so both are written. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void log_to_file(const struct cli_log *log, const char *level, const char *msg)
{
        int fd = open(log->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return;
        char when[64];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (log->json) {
                json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", when);
                char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
                if (text)
                        dprintf(fd, "%s\n", text);
                free(text);
                json_decref(o);
        } else {
                dprintf(fd, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
        }
        close(fd);
}

int cli_error(const struct cli_log *log, const char *msg)
{
        fprintf(stderr, "berth: %s\n", msg);
        if (log && log->path)
                log_to_file(log, "error", msg);
        return 1;
}

void cli_warn(void *data, const char *msg)
{
        const struct cli_log *log = data;
        fprintf(stderr, "berth: %s\n", msg);
        if (log && log->path)
                log_to_file(log, "warning", msg);
}

int cli_errorf(const struct cli_log *log, const char *fmt, ...)
{
        char buf[4096];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return cli_error(log, buf);
}
