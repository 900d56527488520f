/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* uid/gid maps written by a runtime that is not root. Which process: the
 * runtime, in the caller's namespaces, as an unprivileged user; the init
 * is still dumpable (it waits for GO), so /proc/PID is ours to write.
 *
 * The kernel lets an unprivileged writer map exactly one id, its own,
 * and a gid map only once setgroups is denied (user_namespaces(7)). Any
 * other map goes through the setuid helpers newuidmap and newgidmap
 * (Debian's uidmap package), which write the ranges /etc/subuid and
 * /etc/subgid grant the user, and refuse the rest. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "ns.h"
#include "util.h"

extern char **environ;

/* What the helper said, at most this much of it. */
#define HELPER_OUTPUT_MAX 512

struct map_kind {
        const char *file;   /* "uid_map" */
        const char *helper; /* "newuidmap" */
        const char *subids; /* "/etc/subuid" */
};

static const struct map_kind uid_kind = { "uid_map", "newuidmap", "/etc/subuid" };
static const struct map_kind gid_kind = { "gid_map", "newgidmap", "/etc/subgid" };

static bool only_own_id(const struct berth_idmap *maps, size_t n, unsigned id)
{
        return n == 1 && maps[0].host_id == id && maps[0].size == 1;
}

static int write_proc(pid_t pid, const char *file, const char *text, struct berth_error *err)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        int r = write_file_at(AT_FDCWD, path, text);
        if (r < 0)
                return berth_error_set(err, -r, "write %s (%.*s)", file, (int)strcspn(text, "\n"),
                                       text);
        return 0;
}

static void free_argv(char **argv)
{
        for (char **a = argv; a && *a; a++)
                free(*a);
        free(argv);
}

/* helper PID c h s [c h s ...] */
static char **helper_argv(const char *helper, pid_t pid, const struct berth_idmap *maps, size_t n)
{
        char **argv = calloc(3 + 3 * n, sizeof(char *));
        if (!argv)
                return NULL;
        size_t k = 0;
        bool ok = (argv[k++] = strdup(helper)) && asprintf(&argv[k++], "%d", (int)pid) >= 0;
        for (size_t i = 0; ok && i < n; i++)
                ok = asprintf(&argv[k++], "%u", maps[i].container_id) >= 0 &&
                     asprintf(&argv[k++], "%u", maps[i].host_id) >= 0 &&
                     asprintf(&argv[k++], "%u", maps[i].size) >= 0;
        if (!ok) {
                /* a failed asprintf leaves its pointer undefined */
                argv[k - 1] = NULL;
                free_argv(argv);
                return NULL;
        }
        return argv;
}

/* Run the helper with its stdout and stderr in a pipe, so that a refusal
 * reaches the user as one line of ours. */
static int run_helper(const struct map_kind *kind, pid_t pid, const struct berth_idmap *maps,
                      size_t n, struct berth_error *err)
{
        char **argv = helper_argv(kind->helper, pid, maps, n);
        if (!argv)
                return berth_error_set(err, ENOMEM, "write %s", kind->file);
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0) {
                free_argv(argv);
                return berth_error_set(err, errno, "write %s: pipe", kind->file);
        }
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
        posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
        posix_spawnattr_init(&attr);
        /* a foreground run blocks every signal while it starts the init */
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
        pid_t child;
        int e = posix_spawnp(&child, kind->helper, &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        free_argv(argv);
        close(pfd[1]);
        _cleanup_close_ int out = pfd[0];
        if (e == ENOENT)
                return berth_error_setx(err, ENOENT,
                                        "write %s: mapping more than your own id as an "
                                        "unprivileged user needs %s (Debian package uidmap), "
                                        "which is not installed (or not in $PATH)",
                                        kind->file, kind->helper);
        if (e != 0)
                return berth_error_set(err, e, "write %s: run %s", kind->file, kind->helper);

        char text[HELPER_OUTPUT_MAX];
        size_t len = 0;
        for (;;) {
                ssize_t k = read(out, text + len, sizeof(text) - 1 - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                len += (size_t)k;
                if (len == sizeof(text) - 1) {
                        /* the rest is not needed, but the helper must not
                         * block on a full pipe */
                        char sink[256];
                        while (read(out, sink, sizeof(sink)) > 0)
                                ;
                        break;
                }
        }
        text[len] = '\0';
        text[strcspn(text, "\n")] = '\0';
        int status;
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return berth_error_set(err, errno, "write %s: wait for %s", kind->file,
                                               kind->helper);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        char why[64];
        if (WIFEXITED(status))
                snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(status));
        else
                snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status));
        return berth_error_setx(err, EPERM,
                                "write %s: %s failed: %s (the ranges beyond your own id must be "
                                "granted to uid %u in %s)",
                                kind->file, kind->helper, text[0] ? text : why, (unsigned)geteuid(),
                                kind->subids);
}

int ns_write_idmaps_unprivileged(pid_t pid, const struct berth_spec *spec, struct berth_error *err)
{
        int r = 0;
        if (spec->n_uid_mappings > 0) {
                if (only_own_id(spec->uid_mappings, spec->n_uid_mappings, geteuid())) {
                        _cleanup_free_ char *text =
                                ns_format_idmap(spec->uid_mappings, spec->n_uid_mappings);
                        r = text ? write_proc(pid, uid_kind.file, text, err)
                                 : berth_error_set(err, ENOMEM, "write uid_map");
                } else {
                        r = run_helper(&uid_kind, pid, spec->uid_mappings, spec->n_uid_mappings,
                                       err);
                }
                if (r < 0)
                        return r;
        }
        if (spec->n_gid_mappings == 0)
                return 0;
        if (!only_own_id(spec->gid_mappings, spec->n_gid_mappings, getegid()))
                /* newgidmap decides about setgroups itself: it keeps it
                 * allowed for ranges of /etc/subgid */
                return run_helper(&gid_kind, pid, spec->gid_mappings, spec->n_gid_mappings, err);
        /* without CAP_SETGID in our namespace, setgroups must be denied
         * before the gid map can be written */
        r = write_proc(pid, "setgroups", "deny", err);
        if (r < 0)
                return r;
        _cleanup_free_ char *text = ns_format_idmap(spec->gid_mappings, spec->n_gid_mappings);
        return text ? write_proc(pid, gid_kind.file, text, err)
                    : berth_error_set(err, ENOMEM, "write gid_map");
}
