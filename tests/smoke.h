/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the real-kernel smoke programs share: one line per check ("ok - "
 * or "FAIL - "), counted, and removing what a killed earlier run left
 * under a hierarchy. */
#pragma once
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* weak: a program of several files shares one pair */
__attribute__((weak)) int passed, failed;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        printf("%s - ", ok ? "ok" : "FAIL");
        vprintf(fmt, ap);
        printf("\n");
        va_end(ap);
        fflush(stdout);
        ok ? passed++ : failed++;
}

/* Remove (with remove_fn) every PREFIX<pid> entry of each dir whose pid
 * is dead: a run killed with SIGKILL could not clean up after itself. */
static inline void smoke_remove_stale(char (*dirs)[256], size_t n, const char *prefix,
                                      void (*remove_fn)(const char *path))
{
        size_t plen = strlen(prefix);
        for (size_t i = 0; i < n; i++) {
                DIR *d = opendir(dirs[i]);
                struct dirent *de;
                while (d && (de = readdir(d)) != NULL) {
                        char p[4096], *end;
                        if (strncmp(de->d_name, prefix, plen) != 0)
                                continue;
                        long pid = strtol(de->d_name + plen, &end, 10);
                        if (*end || pid <= 0 || pid > INT_MAX || kill((pid_t)pid, 0) == 0 ||
                            errno != ESRCH)
                                continue;
                        snprintf(p, sizeof(p), "%.255s/%.200s", dirs[i], de->d_name);
                        printf("# removing %s, left by a run that was killed\n", p);
                        remove_fn(p);
                }
                if (d)
                        closedir(d);
        }
}
