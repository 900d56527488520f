/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which process: whoever calls (the runtime for prestart, createRuntime,
 * poststart, poststop; the init, in the container's namespaces, for
 * createContainer and startContainer). Each hook is a child of the
 * caller, exec'd with only its own env. */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

static const char *const kind_names[BERTH_HOOK__COUNT] = {
        [BERTH_HOOK_PRESTART] = "prestart",
        [BERTH_HOOK_CREATE_RUNTIME] = "createRuntime",
        [BERTH_HOOK_CREATE_CONTAINER] = "createContainer",
        [BERTH_HOOK_START_CONTAINER] = "startContainer",
        [BERTH_HOOK_POSTSTART] = "poststart",
        [BERTH_HOOK_POSTSTOP] = "poststop",
};

const char *hook_kind_name(enum berth_hook_kind kind)
{
        return kind < BERTH_HOOK__COUNT ? kind_names[kind] : "?";
}

/* Milliseconds left before the deadline, -1 for none. */
static int ms_left(const struct timespec *deadline)
{
        if (!deadline)
                return -1;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
                       (deadline->tv_nsec - now.tv_nsec) / 1000000;
        return ms < 0 ? 0 : (int)ms;
}

static int run_one(const struct berth_hook *h, const char *kind, size_t index,
                   const char *state_json, struct berth_error *err)
{
        int in[2], rep[2];
        if (pipe2(in, O_CLOEXEC) < 0)
                return berth_error_set(err, errno, "%s hook %zu (%s)", kind, index, h->path);
        /* the child reports a failed exec (errno) here; EOF means it ran */
        if (pipe2(rep, O_CLOEXEC) < 0) {
                close(in[0]);
                close(in[1]);
                return berth_error_set(err, errno, "%s hook %zu (%s)", kind, index, h->path);
        }
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(in[0]), close(in[1]), close(rep[0]), close(rep[1]);
                return berth_error_set(err, e, "%s hook %zu (%s): fork", kind, index, h->path);
        }
        if (pid == 0) {
                signal(SIGPIPE, SIG_DFL);
                sigset_t all;
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                if (dup2(in[0], 0) < 0)
                        _exit(127);
                char *argv0[] = { h->path, NULL };
                char *envp0[] = { NULL };
                execve(h->path, h->args && h->args[0] ? h->args : argv0, h->env ? h->env : envp0);
                int e = errno;
                (void)!write(rep[1], &e, sizeof(e));
                _exit(127);
        }
        _cleanup_pid_ pid_t child = pid;
        close(in[0]);
        close(rep[1]);
        _cleanup_close_ int rfd = rep[0];
        int e = 0;
        if (read(rfd, &e, sizeof(e)) == sizeof(e)) {
                close(in[1]);
                return berth_error_set(err, e, "%s hook %zu: exec %s", kind, index, h->path);
        }
        /* a hook that does not read its stdin is fine: ignore EPIPE */
        sigset_t pipe_set, old;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
        write_all(in[1], state_json, strlen(state_json));
        close(in[1]);
        struct timespec ts = { 0 };
        (void)!sigtimedwait(&pipe_set, NULL, &ts);
        pthread_sigmask(SIG_SETMASK, &old, NULL);

        struct timespec deadline, *dl = NULL;
        if (h->timeout.set) {
                clock_gettime(CLOCK_MONOTONIC, &deadline);
                deadline.tv_sec += h->timeout.v;
                dl = &deadline;
        }
        _cleanup_close_ int pidfd = sys_pidfd_open(pid, 0);
        for (;;) {
                int status;
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w == pid) {
                        child = 0;
                        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                                return 0;
                        if (WIFEXITED(status))
                                return berth_error_setx(err, EIO,
                                                        "%s hook %zu (%s) exited with status %d",
                                                        kind, index, h->path, WEXITSTATUS(status));
                        return berth_error_setx(err, EIO, "%s hook %zu (%s) was killed by signal %d",
                                                kind, index, h->path, WTERMSIG(status));
                }
                if (w < 0 && errno != EINTR)
                        return berth_error_set(err, errno, "%s hook %zu (%s): wait", kind, index,
                                               h->path);
                int left = ms_left(dl);
                if (left == 0)
                        return berth_error_setx(err, ETIMEDOUT,
                                                "%s hook %zu (%s) timed out after %lld s", kind,
                                                index, h->path, (long long)h->timeout.v);
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                if (pidfd >= 0)
                        poll(&p, 1, left);
                else
                        usleep(1000);
        }
}

int hooks_run(const struct berth_hook *hooks, size_t n, enum berth_hook_kind kind,
              const char *state_json, struct berth_error *err)
{
        for (size_t i = 0; i < n; i++) {
                int r = run_one(&hooks[i], hook_kind_name(kind), i, state_json, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static json_t *strv_json(char **v)
{
        json_t *a = json_array();
        for (char **p = v; a && p && *p; p++)
                json_array_append_new(a, json_string(*p));
        return a;
}

void *hooks_to_json(const struct berth_spec *spec)
{
        static const enum berth_hook_kind kept[] = { BERTH_HOOK_POSTSTART, BERTH_HOOK_POSTSTOP };
        json_t *o = NULL;
        for (size_t k = 0; k < ARRAY_SIZE(kept); k++) {
                enum berth_hook_kind kind = kept[k];
                if (spec->n_hooks[kind] == 0)
                        continue;
                if (!o)
                        o = json_object();
                json_t *a = json_array();
                for (size_t i = 0; i < spec->n_hooks[kind]; i++) {
                        const struct berth_hook *h = &spec->hooks[kind][i];
                        json_t *e = json_pack("{s:s, s:o, s:o}", "path", h->path, "args",
                                              strv_json(h->args), "env", strv_json(h->env));
                        if (e && h->timeout.set)
                                json_object_set_new(e, "timeout", json_integer(h->timeout.v));
                        json_array_append_new(a, e);
                }
                json_object_set_new(o, hook_kind_name(kind), a);
        }
        return o;
}

static char **json_strv(json_t *a)
{
        size_t n = json_array_size(a);
        char **v = calloc(n + 1, sizeof(*v));
        for (size_t i = 0; v && i < n; i++)
                v[i] = strdup(json_string_value(json_array_get(a, i)) ?: "");
        return v;
}

int hooks_run_json(void *hooks_json, enum berth_hook_kind kind, const char *state_json,
                   struct berth_error *err)
{
        json_t *a = json_object_get(hooks_json, hook_kind_name(kind));
        size_t n = json_array_size(a);
        for (size_t i = 0; i < n; i++) {
                json_t *e = json_array_get(a, i);
                const char *path = json_string_value(json_object_get(e, "path"));
                if (!path)
                        continue;
                struct berth_hook h = { .path = (char *)path };
                h.args = json_strv(json_object_get(e, "args"));
                h.env = json_strv(json_object_get(e, "env"));
                json_t *t = json_object_get(e, "timeout");
                if (json_is_integer(t))
                        h.timeout = (struct opt_i64){ true, json_integer_value(t) };
                int r = run_one(&h, hook_kind_name(kind), i, state_json, err);
                strv_free(h.args);
                strv_free(h.env);
                if (r < 0)
                        return r;
        }
        return 0;
}
