/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Console: the pty of a process with a terminal and the console socket.
 * Which process: console_send_master runs in the runtime; console_pty_open
 * in the process that will exec the user's program, in the container. */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"

int console_send_master(const char *path, int master, struct berth_error *err)
{
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return berth_error_set(err, errno, "console socket");
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(addr.sun_path))
                return berth_error_setx(err, ENAMETOOLONG, "console socket %s: path too long",
                                        path);
        strcpy(addr.sun_path, path);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return berth_error_set(err, errno, "connect to console socket %s", path);
        char name[] = "/dev/ptmx";
        struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u = { 0 };
        struct msghdr mh = { .msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = u.buf,
                             .msg_controllen = sizeof(u.buf) };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &master, sizeof(int));
        if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
                return berth_error_set(err, errno, "send the pty to console socket %s", path);
        return 0;
}

int console_pty_open(const struct berth_process *p, struct berth_error *err)
{
        _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return berth_error_set(err, errno, "open /dev/ptmx");
        if (unlockpt(master) < 0)
                return berth_error_set(err, errno, "unlockpt");
        /* TIOCGPTPEER opens the peer through the master, not by a path
         * that the container could have replaced */
        _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (slave < 0)
                return berth_error_set(err, errno, "open the pty's peer");
        if (p->console_size.set) {
                struct winsize ws = { .ws_row = (unsigned short)p->console_size.height,
                                      .ws_col = (unsigned short)p->console_size.width };
                ioctl(slave, TIOCSWINSZ, &ws);
        }
        if (setsid() < 0 && errno != EPERM)
                return berth_error_set(err, errno, "setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return berth_error_set(err, errno, "set the controlling terminal");
        for (int fd = 0; fd < 3; fd++)
                if (dup2(slave, fd) < 0)
                        return berth_error_set(err, errno, "dup2 the pty");
        return TAKE_FD(master);
}
