/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scope-bound cleanup, so an error path needs no hand-written undo. */
#pragma once
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
        free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
/* A half-started child: kill it and reap it. */
static inline void cleanup_pidp(pid_t *pid)
{
        if (*pid > 0) {
                int saved = errno;
                kill(*pid, SIGKILL);
                while (waitpid(*pid, NULL, __WALL) < 0 && errno == EINTR)
                        ;
                errno = saved;
        }
}
static inline void cleanup_strvp(char ***v)
{
        if (*v) {
                for (char **p = *v; *p; p++)
                        free(*p);
                free(*v);
        }
}

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_pid_ __attribute__((cleanup(cleanup_pidp)))
#define _cleanup_strv_ __attribute__((cleanup(cleanup_strvp)))

#define TAKE_FD(fd)                   \
        ({                            \
                int _fd_ = (fd);      \
                (fd) = -EBADF;        \
                _fd_;                 \
        })
#define TAKE_PTR(p)                        \
        ({                                 \
                __typeof__(p) _p_ = (p);   \
                (p) = NULL;                \
                _p_;                       \
        })
#define TAKE_PID(p)                   \
        ({                            \
                pid_t _p_ = (p);      \
                (p) = 0;              \
                _p_;                  \
        })
