/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which process: the runtime of a foreground `run`, in the caller's
 * namespaces, between start and the container's exit. */
#include "tty.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util.h"

void tty_relay_winch(const struct tty_relay *t)
{
        struct winsize ws;
        if (t->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                ioctl(t->master, TIOCSWINSZ, &ws);
}

void tty_relay_begin(struct tty_relay *t, int master)
{
        t->master = master;
        t->in_open = t->out_open = true;
        t->raw = false;
        if (master < 0)
                return;
        if (tcgetattr(STDIN_FILENO, &t->saved) == 0) {
                struct termios raw = t->saved;
                cfmakeraw(&raw);
                t->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        }
        tty_relay_winch(t);
}

/* Copy what is readable now from one fd to another; false at EOF/error. */
static bool pump(int from, int to)
{
        char buf[8192];
        ssize_t n = read(from, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return true;
        if (n <= 0)
                return false;
        return write_all(to, buf, (size_t)n) == 0;
}

int tty_relay_pollfds(const struct tty_relay *t, struct pollfd *p)
{
        if (t->master < 0)
                return 0;
        int n = 0;
        if (t->out_open)
                p[n++] = (struct pollfd){ .fd = t->master, .events = POLLIN };
        if (t->in_open)
                p[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
        return n;
}

void tty_relay_io(struct tty_relay *t, const struct pollfd *p, int n)
{
        for (int i = 0; i < n; i++) {
                if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;
                if (p[i].fd == t->master) {
                        /* EIO once the container side is gone: nothing more */
                        if (!pump(t->master, STDOUT_FILENO))
                                t->out_open = false;
                } else if (p[i].fd == STDIN_FILENO && !pump(STDIN_FILENO, t->master)) {
                        /* our input ended: pass an EOF on, as a terminal would */
                        t->in_open = false;
                        char eot = 4;
                        (void)!write(t->master, &eot, 1);
                }
        }
}

void tty_relay_end(struct tty_relay *t)
{
        if (t->master < 0)
                return;
        struct pollfd p = { .fd = t->master, .events = POLLIN };
        while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN) && pump(t->master, STDOUT_FILENO))
                ;
        if (t->raw)
                tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
        close(t->master);
        t->master = -1;
}
