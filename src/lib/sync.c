/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

static const char *const step_names[] = {
        [SYNC_NONE] = "none",     [SYNC_GO] = "go",         [SYNC_CONSOLE] = "console",
        [SYNC_READY] = "ready",   [SYNC_START] = "start",   [SYNC_DETACH] = "detach",
        [SYNC_ERROR] = "error",   [SYNC_STATE] = "state",   [SYNC_PREPARED] = "prepared",
        [SYNC_HOOKS_DONE] = "hooks-done", [SYNC_MOUNT_TREE] = "mount-tree",
};

const char *sync_step_name(enum sync_step step)
{
        return step < ARRAY_SIZE(step_names) && step_names[step] ? step_names[step] : "?";
}

static int send_msg(int fd, const struct sync_msg *m, size_t len, int fd_pass)
{
        struct iovec iov = { .iov_base = (void *)m, .iov_len = len };
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        if (fd_pass >= 0) {
                memset(&u, 0, sizeof(u));
                mh.msg_control = u.buf;
                mh.msg_controllen = sizeof(u.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd_pass, sizeof(int));
        }
        ssize_t n;
        do
                n = sendmsg(fd, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : 0;
}

int sync_send(int fd, enum sync_step step, int fd_pass, struct berth_error *err)
{
        struct sync_msg m = { .step = step };
        int r = send_msg(fd, &m, offsetof(struct sync_msg, text), fd_pass);
        if (r < 0)
                return berth_error_set(err, -r, "sync: send %s", sync_step_name(step));
        return 0;
}

void sync_send_error(int fd, const struct berth_error *e)
{
        struct sync_msg m = { .step = SYNC_ERROR, .code = e->code ? e->code : EIO };
        size_t n = strnlen(e->msg, sizeof(m.text) - 1);
        memcpy(m.text, e->msg, n);
        m.text[n] = '\0';
        send_msg(fd, &m, offsetof(struct sync_msg, text) + n + 1, -1);
}

int sync_recv(int fd, enum sync_step want, enum sync_step *got, int *fd_recv,
              struct berth_error *err)
{
        struct sync_msg m;
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                             .msg_controllen = sizeof(u.buf) };
        if (fd_recv)
                *fd_recv = -1;
        ssize_t n;
        do
                n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return berth_error_set(err, errno, "sync: waiting for %s", sync_step_name(want));
        if (n == 0)
                return berth_error_setx(err, EPIPE,
                                        "the container's init exited before step '%s'",
                                        sync_step_name(want));
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int passed;
                        memcpy(&passed, CMSG_DATA(c), sizeof(int));
                        if (fd_recv && *fd_recv < 0)
                                *fd_recv = passed;
                        else
                                close(passed);
                }
        }
        if ((size_t)n < offsetof(struct sync_msg, text))
                return berth_error_setx(err, EPROTO, "sync: short message");
        if (m.step == SYNC_ERROR) {
                ((char *)&m)[n < (ssize_t)sizeof(m) ? n : (ssize_t)sizeof(m) - 1] = '\0';
                m.text[sizeof(m.text) - 1] = '\0';
                return berth_error_setx(err, m.code ? m.code : EIO, "%s", m.text);
        }
        *got = m.step;
        return 0;
}

int sync_expect(int fd, enum sync_step want, int *fd_recv, struct berth_error *err)
{
        enum sync_step got;
        int r = sync_recv(fd, want, &got, fd_recv, err);
        if (r < 0)
                return r;
        if (got != want) {
                if (fd_recv && *fd_recv >= 0) {
                        close(*fd_recv);
                        *fd_recv = -1;
                }
                return berth_error_setx(err, EPROTO, "sync: expected step '%s', got '%s'",
                                        sync_step_name(want), sync_step_name(got));
        }
        return 0;
}
