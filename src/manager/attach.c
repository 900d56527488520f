/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attach and console. Which process: the command, in the host's
 * namespaces, as root. attach is the core's exec (all the container's
 * namespaces, cgroup, capabilities, LSM label and seccomp); console talks
 * to the monitor, which holds the ptys. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "manager.h"
#include "util.h"

extern char **environ;

/* The user's shell and home from the container's /etc/passwd, read with
 * every path resolved inside the container's root. */
static void passwd_entry(pid_t pid, unsigned uid, char **shell, char **home)
{
        char root[64];
        snprintf(root, sizeof(root), "/proc/%d/root", pid);
        _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
        int fd = rootfd < 0 ? -1 : (int)syscall(SYS_openat2, rootfd, "etc/passwd", &how,
                                                 sizeof(how));
        FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
        if (!f) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        char line[1024];
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                char *fields[7] = { 0 };
                char *p = line;
                for (int i = 0; i < 7 && p; i++) {
                        fields[i] = p;
                        p = strchr(p, ':');
                        if (p)
                                *p++ = '\0';
                }
                uint64_t u;
                if (!fields[6] || parse_uint64(fields[2], &u) < 0 || u != uid)
                        continue;
                if (*fields[6])
                        *shell = strdup(fields[6]);
                if (*fields[5])
                        *home = strdup(fields[5]);
                break;
        }
        fclose(f);
}

int berth_container_attach(struct berth_container *c, const struct berth_attach_opts *opts,
                           int *status, struct berth_error *err)
{
        struct berth_attach_opts none = { 0 };
        const struct berth_attach_opts *o = opts ? opts : &none;
        enum berth_container_state s;
        pid_t pid;
        int r = mgr_defined_state(c, "attach", &s, &pid, err);
        if (r < 0)
                return r;
        if (s != BERTH_RUNNING)
                return berth_error_setx(err, s == BERTH_STOPPED ? ESRCH : EBUSY,
                                        "attach %s: it is %s%s", c->name, berth_state_name(s),
                                        s == BERTH_FROZEN ? "; unfreeze it first" : "");
        uint64_t uid = 0;
        if (o->user && parse_uint64(o->user, &uid) < 0) {
                /* "UID:GID": the uid is what picks the passwd entry */
                char *colon = strchr(o->user, ':');
                _cleanup_free_ char *u = colon ? strndup(o->user, (size_t)(colon - o->user))
                                               : NULL;
                if (!u || parse_uint64(u, &uid) < 0)
                        return berth_error_setx(err, EINVAL,
                                                "attach %s: user '%s' is not UID[:GID]",
                                                c->name, o->user);
        }
        _cleanup_free_ char *shell = NULL, *home = NULL;
        passwd_entry(pid, (unsigned)uid, &shell, &home);
        char *login[] = { shell ? shell : "/bin/sh", "-l", NULL };
        /* the environment: the container's (from its config), the
         * caller's TERM, and with keep_env everything of the caller's */
        size_t n_env = 0, cap = 8 + strv_len(o->env) + (o->keep_env ? strv_len(environ) : 0);
        _cleanup_free_ char **env = calloc(cap, sizeof(char *));
        if (!env)
                return berth_error_setx(err, ENOMEM, "attach %s", c->name);
        for (char **e = environ; o->keep_env && e && *e; e++)
                env[n_env++] = *e;
        const char *term = getenv("TERM");
        _cleanup_free_ char *term_kv = NULL;
        if (!o->keep_env && term && asprintf(&term_kv, "TERM=%s", term) >= 0)
                env[n_env++] = term_kv;
        _cleanup_free_ char *home_kv = NULL;
        if (!o->keep_env && asprintf(&home_kv, "HOME=%s", home ? home : "/") >= 0)
                env[n_env++] = home_kv;
        for (char *const *e = o->env; e && *e; e++)
                env[n_env++] = *e;
        env[n_env] = NULL;
        struct berth_exec_opts x = {
                .argv = o->argv && o->argv[0] ? o->argv : login,
                .env = env,
                .cwd = o->cwd ? o->cwd : (home ? home : "/"),
                .user = o->user ? o->user : "0:0",
                .tty = isatty(0) && isatty(1),
        };
        r = berth_oci_exec(&c->ctx, c->name, &x, status, err);
        if (r < 0 && err->code == ENOENT && home && !o->cwd) {
                /* a home that is not there: / as login(1) does */
                x.cwd = "/";
                r = berth_oci_exec(&c->ctx, c->name, &x, status, err);
        }
        return r < 0 ? berth_error_prefix(err, "attach %s", c->name) : 0;
}

/* ---- console */

static int console_connect(struct berth_container *c, int tty, int *master,
                           struct berth_error *err)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s", c->mon_dir, MON_SOCK);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return berth_error_set(err, errno, "socket");
        unsigned char want = (unsigned char)tty;
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || write(fd, &want, 1) != 1) {
                close(fd);
                return berth_error_setx(err, ESRCH, "console %s: it is not running", c->name);
        }
        unsigned char code = EIO;
        char cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { .iov_base = &code, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                             .msg_controllen = sizeof(cbuf) };
        ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        struct cmsghdr *cm = n == 1 ? CMSG_FIRSTHDR(&mh) : NULL;
        if (n == 1 && code == 0 && cm && cm->cmsg_type == SCM_RIGHTS) {
                memcpy(master, CMSG_DATA(cm), sizeof(int));
                return fd;
        }
        close(fd);
        if (n == 1 && code == EBUSY)
                return berth_error_setx(err, EBUSY, "console %s: tty %d is in use by another "
                                                    "console", c->name, tty);
        if (n == 1 && code == ENOENT)
                return berth_error_setx(err, ENOENT, "console %s: no tty %d (lxc.tty.max)",
                                        c->name, tty);
        return berth_error_setx(err, EIO, "console %s: the monitor did not answer", c->name);
}

static void copy_winsize(int from, int to)
{
        struct winsize ws;
        if (ioctl(from, TIOCGWINSZ, &ws) == 0)
                (void)ioctl(to, TIOCSWINSZ, &ws);
}

/* Input to the tty, watching for <Ctrl+escape q>; false once it is seen. */
static bool forward_input(int master, const char *buf, size_t n, char esc, bool *armed)
{
        char out[4096];
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                char ch = buf[i];
                if (*armed) {
                        *armed = false;
                        if (ch == 'q')
                                return false;
                        if (ch != esc)
                                out[o++] = esc; /* not a command: the escape itself */
                        out[o++] = ch;
                } else if (esc && ch == esc) {
                        *armed = true;
                } else {
                        out[o++] = ch;
                }
        }
        (void)write_all(master, out, o);
        return true;
}

int berth_container_console(struct berth_container *c, int tty, int in_fd, int out_fd,
                            char escape, struct berth_error *err)
{
        if (tty < 0 || tty > 64)
                return berth_error_setx(err, EINVAL, "console %s: no tty %d", c->name, tty);
        int r = mgr_require_defined(c, err);
        if (r < 0)
                return berth_error_prefix(err, "console");
        _cleanup_close_ int master = -1;
        _cleanup_close_ int sock = console_connect(c, tty, &master, err);
        if (sock < 0)
                return sock;
        char esc = escape >= 'a' && escape <= 'z' ? (char)(escape - 'a' + 1) : escape;
        struct termios saved;
        bool raw = tcgetattr(in_fd, &saved) == 0;
        if (raw) {
                struct termios t = saved;
                cfmakeraw(&t);
                tcsetattr(in_fd, TCSADRAIN, &t);
                copy_winsize(in_fd, master);
        }
        char hello[160];
        int n = snprintf(hello, sizeof(hello),
                         "\r\nConnected to %s tty %d; type <Ctrl+%c q> to leave the console, "
                         "<Ctrl+%c Ctrl+%c> for Ctrl+%c itself\r\n\r\n",
                         c->name, tty, escape, escape, escape, escape);
        (void)write_all(out_fd, hello, (size_t)n);
        sigset_t mask, old;
        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, &old);
        _cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        bool armed = false, in_open = true;
        for (;;) {
                struct pollfd p[3] = { { .fd = sock, .events = POLLIN },
                                       { .fd = in_open ? in_fd : -1, .events = POLLIN },
                                       { .fd = sfd, .events = POLLIN } };
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = berth_error_set(err, errno, "console %s: poll", c->name);
                        break;
                }
                char buf[8192];
                if (p[0].revents) {
                        ssize_t k = read(sock, buf, sizeof(buf));
                        if (k <= 0)
                                break; /* the container stopped */
                        (void)write_all(out_fd, buf, (size_t)k);
                }
                if (p[1].revents) {
                        ssize_t k = read(in_fd, buf, sizeof(buf));
                        if (k <= 0)
                                in_open = false;
                        else if (!forward_input(master, buf, (size_t)k, esc, &armed))
                                break;
                }
                if (p[2].revents) {
                        struct signalfd_siginfo si;
                        (void)read(sfd, &si, sizeof(si));
                        if (raw)
                                copy_winsize(in_fd, master);
                }
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (raw)
                tcsetattr(in_fd, TCSADRAIN, &saved);
        (void)write_all(out_fd, "\r\n", 2);
        return r;
}
