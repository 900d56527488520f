/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading the prepared filter. Which process: the container's init, in
 * the container's namespaces, after its root filesystem is set up; root
 * of its user namespace with CAP_SYS_ADMIN when no_new_privs is off, else
 * the user's uid with no_new_privs set, just before execve. Once the
 * filter is in, every syscall here is subject to it, so this file does
 * only what it must after the load and allocates nothing. */
#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "seccomp-internal.h"
#include "seccomp.h"
#include "util.h"

/* Decimal of a pid into buf (no stdio: the filter is loaded). */
static size_t format_pid(pid_t pid, char buf[static 16])
{
        char tmp[16];
        size_t n = 0, len = 0;
        unsigned long v = pid > 0 ? (unsigned long)pid : 0;
        do {
                tmp[n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v && n < sizeof(tmp));
        while (n)
                buf[len++] = tmp[--n];
        return len;
}

/* sendmsg until every byte of iov is gone; the fd rides with the first
 * byte (SCM_RIGHTS). The stream may take the message in parts. */
static int send_all(int sock, struct iovec *iov, size_t n_iov, int fd)
{
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof(u));
        struct msghdr mh = { .msg_iov = iov,
                             .msg_iovlen = n_iov,
                             .msg_control = u.buf,
                             .msg_controllen = sizeof(u.buf) };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        while (mh.msg_iovlen > 0) {
                ssize_t sent = sendmsg(sock, &mh, MSG_NOSIGNAL);
                if (sent < 0 && errno == EINTR)
                        continue;
                if (sent < 0)
                        return -errno;
                mh.msg_control = NULL;
                mh.msg_controllen = 0;
                /* skip what went out */
                while (mh.msg_iovlen > 0 && (size_t)sent >= mh.msg_iov->iov_len) {
                        sent -= (ssize_t)mh.msg_iov->iov_len;
                        mh.msg_iov++;
                        mh.msg_iovlen--;
                }
                if (mh.msg_iovlen > 0) {
                        mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + sent;
                        mh.msg_iov->iov_len -= (size_t)sent;
                }
        }
        return 0;
}

/* runtime-spec: the listener gets the notify fd and the container
 * process state, in one message, over a unix stream socket. */
static int send_listener(struct seccomp_plan *plan, int notify_fd, struct berth_error *err)
{
        pid_t pid = plan->pid ? __atomic_load_n(plan->pid, __ATOMIC_ACQUIRE) : 0;
        /* no pid from the runtime: not in a new pid namespace, ours is it */
        if (pid <= 0)
                pid = getpid();
        char pid_s[16];
        size_t pid_len = format_pid(pid, pid_s);
        struct iovec iov[] = {
                { plan->msg_head, strlen(plan->msg_head) }, { pid_s, pid_len },
                { plan->msg_mid, strlen(plan->msg_mid) },   { pid_s, pid_len },
                { plan->msg_tail, strlen(plan->msg_tail) },
        };
        int r = send_all(plan->listener_fd, iov, ARRAY_SIZE(iov), notify_fd);
        if (r < 0)
                return berth_error_set(err, -r, "send the seccomp listener fd to %s",
                                       plan->listener_path);
        return 0;
}

int seccomp_load_plan(struct seccomp_plan *plan, struct berth_error *err)
{
        if (!plan)
                return 0;
        struct sock_fprog prog = { .len = plan->n_insns, .filter = plan->insns };
        long ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, plan->flags, &prog);
        if (ret < 0) {
                if (errno == EACCES)
                        return berth_error_set(err, errno,
                                               "load the seccomp filter (it needs "
                                               "noNewPrivileges or CAP_SYS_ADMIN)");
                return berth_error_set(err, errno, "load the seccomp filter");
        }
        bool listener = plan->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER;
        /* with TSYNC and no listener a positive value is the thread that
         * could not be synchronized */
        if (!listener && ret > 0)
                return berth_error_setx(err, ESRCH,
                                        "load the seccomp filter: thread %ld could not be "
                                        "synchronized",
                                        ret);
        if (!listener)
                return 0;
        int notify_fd = (int)ret;
        int r = send_listener(plan, notify_fd, err);
        /* the listener has its copy; ours must not reach the program */
        close(notify_fd);
        close(plan->listener_fd);
        plan->listener_fd = -1;
        return r;
}
