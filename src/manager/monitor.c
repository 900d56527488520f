/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The monitor: one per running system container. Which process: a
 * daemon forked from `berth start` (or the command itself with -F), in
 * the host's namespaces, as root. It creates and starts the container
 * through the core, so the init is its child; it holds the console and
 * tty pty masters (logging the console), serves `berth console` on
 * MON_SOCK, reaps the init, and tears everything down when it exits. A
 * container that reboots (its init killed by SIGHUP, as reboot(2) does in
 * a pid namespace) is started again. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "manager.h"
#include "util.h"

#define MAX_TTYS 64

struct slot {
        int master; /* -1: none */
        int client; /* a console client (or the foreground's out_fd), -1: none */
};

struct mon {
        struct monitor_args *a;
        struct slot slots[MAX_TTYS + 1]; /* 0: the console */
        struct mgr_net *net;
        int n_slots;
        int log_fd;
        int listen_fd;
        int sig_fd;
        pid_t init;
        int init_pidfd;
        bool stdin_open;
};

static int unix_listen(const char *dir, const char *name, struct berth_error *err)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        if ((size_t)snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s", dir, name) >=
            sizeof(addr.sun_path))
                return berth_error_setx(err, ENAMETOOLONG, "socket path %s/%s", dir, name);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return berth_error_set(err, errno, "socket");
        unlink(addr.sun_path);
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 8) < 0) {
                int e = errno;
                close(fd);
                return berth_error_set(err, e, "listen on %s", addr.sun_path);
        }
        return fd;
}

/* The pty master the core sent to MON_CONSOLE_RECV during create. */
static int receive_master(int listen_fd, struct berth_error *err)
{
        _cleanup_close_ int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return berth_error_set(err, errno, "receive the console");
        char byte;
        char cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                             .msg_controllen = sizeof(cbuf) };
        if (recvmsg(conn, &mh, MSG_CMSG_CLOEXEC) < 0)
                return berth_error_set(err, errno, "receive the console");
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        if (!c || c->cmsg_type != SCM_RIGHTS)
                return berth_error_setx(err, EPROTO, "receive the console: no pty");
        int fd;
        memcpy(&fd, CMSG_DATA(c), sizeof(fd));
        return fd;
}

/* create + start through the core; the init becomes our child. */
static int launch(struct mon *m, struct berth_error *err)
{
        struct berth_container *c = m->a->c;
        _cleanup_close_ int recv_fd = unix_listen(c->mon_dir, MON_CONSOLE_RECV, err);
        if (recv_fd < 0)
                return recv_fd;
        _cleanup_free_ char *recv_path = NULL;
        if (asprintf(&recv_path, "%s/%s", c->mon_dir, MON_CONSOLE_RECV) < 0)
                return berth_error_setx(err, ENOMEM, "start");
        struct berth_create_opts o = { .bundle = c->mon_dir, .console_socket = recv_path };
        int r = berth_oci_create(&c->ctx, c->name, &o, err);
        unlink(recv_path);
        if (r < 0)
                return r;
        int master = receive_master(recv_fd, err);
        pid_t pid = 0;
        if (master >= 0)
                r = mgr_running(c, &pid, NULL, err);
        else
                r = master;
        if (r == 0) {
                m->init_pidfd = sys_pidfd_open(pid, 0);
                if (m->init_pidfd < 0)
                        r = berth_error_set(err, errno, "pidfd of the init");
        }
        /* the network goes in between create and start: the init is in
         * its namespaces, waiting; nothing of the user's runs yet */
        if (r == 0 && m->a->cfg)
                r = mgr_net_up(c, m->a->cfg, pid, &m->net, err);
        if (r == 0)
                r = berth_oci_start(&c->ctx, c->name, err);
        if (r < 0) {
                mgr_net_down(m->net);
                m->net = NULL;
                struct berth_error e = { 0 };
                (void)berth_oci_delete(&c->ctx, c->name, true, &e);
                if (pid > 0)
                        (void)waitpid(pid, NULL, 0);
                cleanup_closep(&m->init_pidfd);
                m->init_pidfd = -1;
                if (master >= 0)
                        close(master);
                return r;
        }
        m->init = pid;
        if (m->slots[0].master >= 0)
                close(m->slots[0].master);
        m->slots[0].master = master;
        fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
        return 0;
}

static void drop_client(struct slot *s, struct mon *m)
{
        if (s->client >= 0 && !(m->a->foreground && s == &m->slots[0]))
                close(s->client);
        s->client = -1;
}

/* Copy what a tty printed to its client (never blocking the monitor: a
 * client that does not read loses output) and, for the console, the log. */
static void pump(struct mon *m, struct slot *s)
{
        char buf[8192];
        for (;;) {
                ssize_t n = read(s->master, buf, sizeof(buf));
                if (n <= 0)
                        return;
                if (s == &m->slots[0] && m->log_fd >= 0)
                        (void)write_all(m->log_fd, buf, (size_t)n);
                if (s->client >= 0) {
                        ssize_t w = m->a->foreground && s == &m->slots[0]
                                            ? write_all(s->client, buf, (size_t)n)
                                            : send(s->client, buf, (size_t)n,
                                                   MSG_DONTWAIT | MSG_NOSIGNAL);
                        if (w < 0 && errno != EAGAIN)
                                drop_client(s, m);
                }
        }
}

static void answer(int conn, unsigned char code, int fd)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
        struct iovec iov = { .iov_base = &code, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        if (fd >= 0) {
                mh.msg_control = cbuf;
                mh.msg_controllen = sizeof(cbuf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        (void)sendmsg(conn, &mh, MSG_NOSIGNAL);
}

/* A `berth console` client: one byte, the tty it wants. */
static void accept_client(struct mon *m)
{
        int conn = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return;
        struct pollfd p = { .fd = conn, .events = POLLIN };
        unsigned char tty;
        if (poll(&p, 1, 1000) != 1 || read(conn, &tty, 1) != 1) {
                close(conn);
                return;
        }
        struct slot *s = tty < m->n_slots ? &m->slots[tty] : NULL;
        if (!s || s->master < 0) {
                answer(conn, ENOENT, -1);
                close(conn);
        } else if (s->client >= 0) {
                answer(conn, EBUSY, -1);
                close(conn);
        } else {
                answer(conn, 0, s->master);
                s->client = conn;
                fcntl(s->master, F_SETFL, fcntl(s->master, F_GETFL) | O_NONBLOCK);
        }
}

static void stop_now(struct mon *m)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", m->a->c->mon_dir, MON_STOPPING) >= 0)
                (void)close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        if (m->init_pidfd >= 0)
                (void)sys_pidfd_send_signal(m->init_pidfd, SIGKILL);
}

/* Everything the monitor waits on, one round. Returns the init's exit
 * status once it is gone, or -1 to go on. */
static int round_trip(struct mon *m)
{
        struct pollfd p[2 * (MAX_TTYS + 1) + 4];
        struct slot *owner[sizeof(p) / sizeof(p[0])];
        int kind[sizeof(p) / sizeof(p[0])]; /* 0 master, 1 client, 2 other */
        nfds_t n = 0;
        p[n] = (struct pollfd){ .fd = m->init_pidfd, .events = POLLIN };
        kind[n++] = 2;
        p[n] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
        kind[n++] = 2;
        p[n] = (struct pollfd){ .fd = m->sig_fd, .events = POLLIN };
        kind[n++] = 2;
        if (m->a->foreground && m->stdin_open) {
                p[n] = (struct pollfd){ .fd = m->a->in_fd, .events = POLLIN };
                kind[n++] = 3;
        }
        for (int i = 0; i < m->n_slots; i++) {
                struct slot *s = &m->slots[i];
                bool logged = i == 0 && m->log_fd >= 0;
                if (s->master >= 0 && (s->client >= 0 || logged)) {
                        p[n] = (struct pollfd){ .fd = s->master, .events = POLLIN };
                        owner[n] = s;
                        kind[n++] = 0;
                }
                if (s->client >= 0 && !(m->a->foreground && i == 0)) {
                        p[n] = (struct pollfd){ .fd = s->client, .events = POLLIN };
                        owner[n] = s;
                        kind[n++] = 1;
                }
        }
        if (poll(p, n, -1) < 0)
                return -1;
        for (nfds_t i = 3; i < n; i++) {
                if (!p[i].revents)
                        continue;
                if (kind[i] == 0) {
                        pump(m, owner[i]);
                } else if (kind[i] == 1) {
                        /* clients only ever send their request: anything
                         * else, or EOF, means they are gone */
                        drop_client(owner[i], m);
                } else if (kind[i] == 3) {
                        char buf[4096];
                        ssize_t r = read(m->a->in_fd, buf, sizeof(buf));
                        if (r <= 0)
                                m->stdin_open = false;
                        else if (m->slots[0].master >= 0)
                                (void)write_all(m->slots[0].master, buf, (size_t)r);
                }
        }
        struct signalfd_siginfo si;
        while (p[2].revents && read(m->sig_fd, &si, sizeof(si)) == sizeof(si)) {
                /* SIGCHLD: the init, below. Told to go (a shutdown, a
                 * Ctrl-C on -F): the container goes with us, never left
                 * behind without its monitor. */
                if (si.ssi_signo != SIGCHLD)
                        stop_now(m);
        }
        if (p[1].revents)
                accept_client(m);
        if (p[0].revents) {
                int ws;
                if (waitpid(m->init, &ws, 0) == m->init)
                        return ws;
        }
        return -1;
}

static void record_exit(struct mon *m, int ws)
{
        char when[40], text[256];
        time_rfc3339(when, sizeof(when));
        if (WIFSIGNALED(ws))
                snprintf(text, sizeof(text), "{\"signal\": %d, \"status\": %d, \"at\": \"%s\"}\n",
                         WTERMSIG(ws), 128 + WTERMSIG(ws), when);
        else
                snprintf(text, sizeof(text), "{\"signal\": null, \"status\": %d, \"at\": \"%s\"}\n",
                         WEXITSTATUS(ws), when);
        _cleanup_close_ int dfd = open(m->a->c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void)write_file_atomic(dfd, "last-exit", text, strlen(text));
}

static void report(int fd, const struct berth_error *e)
{
        if (fd >= 0)
                (void)write_all(fd, e, sizeof(*e));
}

static int write_pid(struct berth_container *c, struct berth_error *err)
{
        char text[64];
        snprintf(text, sizeof(text), "%d %llu\n", getpid(),
                 (unsigned long long)proc_start_time(getpid()));
        _cleanup_close_ int dfd = open(c->mon_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r = dfd < 0 ? -errno : write_file_atomic(dfd, MON_PID, text, strlen(text));
        return r < 0 ? berth_error_set(err, -r, "write %s/%s", c->mon_dir, MON_PID) : 0;
}

int monitor_run(struct monitor_args *a, int *status, struct berth_error *err)
{
        struct berth_container *c = a->c;
        struct mon m = { .a = a, .log_fd = -1, .listen_fd = -1, .sig_fd = -1,
                         .init_pidfd = -1, .stdin_open = a->foreground };
        m.n_slots = 1 + (a->n_ttys < MAX_TTYS ? a->n_ttys : MAX_TTYS);
        for (int i = 0; i <= MAX_TTYS; i++)
                m.slots[i] = (struct slot){ .master = -1, .client = -1 };
        for (int i = 1; i < m.n_slots; i++)
                m.slots[i].master = a->ttys[i - 1];
        if (a->foreground)
                m.slots[0].client = a->out_fd;
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        /* blocked, not ignored: an ignored signal would stay ignored in
         * the init, while the init unblocks every signal before exec */
        sigset_t pipe_mask;
        sigemptyset(&pipe_mask);
        sigaddset(&pipe_mask, SIGPIPE);
        sigprocmask(SIG_BLOCK, &pipe_mask, NULL);
        int r = write_pid(c, err);
        if (r == 0 && a->log_path) {
                m.log_fd = open(a->log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
                                                     O_CLOEXEC, 0600);
                if (m.log_fd < 0)
                        r = berth_error_set(err, errno, "console log %s", a->log_path);
        }
        if (r == 0) {
                m.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
                if (m.sig_fd < 0)
                        r = berth_error_set(err, errno, "signalfd");
        }
        if (r == 0) {
                m.listen_fd = unix_listen(c->mon_dir, MON_SOCK, err);
                r = m.listen_fd < 0 ? m.listen_fd : 0;
        }
        if (r == 0)
                r = launch(&m, err);
        if (r < 0)
                berth_error_prefix(err, "start %s", c->name);
        report(a->report_fd, r < 0 ? err : &(struct berth_error){ 0 });
        cleanup_closep(&a->report_fd);
        a->report_fd = -1;

        int ws = 0;
        while (r == 0) {
                ws = round_trip(&m);
                if (ws == -1)
                        continue;
                /* the init is gone: what it printed last goes to the log */
                if (m.slots[0].master >= 0)
                        pump(&m, &m.slots[0]);
                record_exit(&m, ws);
                /* phys devices home, host veth ends and published ports
                 * gone, while we still hold the namespace */
                mgr_net_down(m.net);
                m.net = NULL;
                struct berth_error e = { 0 };
                (void)berth_oci_delete(&c->ctx, c->name, true, &e);
                cleanup_closep(&m.init_pidfd);
                m.init_pidfd = -1;
                _cleanup_free_ char *stopping = NULL;
                bool asked = asprintf(&stopping, "%s/%s", c->mon_dir, MON_STOPPING) >= 0 &&
                             access(stopping, F_OK) == 0;
                if (!WIFSIGNALED(ws) || WTERMSIG(ws) != SIGHUP || asked)
                        break;
                /* a reboot: the same container again */
                if (launch(&m, &e) < 0)
                        break;
        }
        if (status)
                *status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
        for (int i = 0; i < m.n_slots; i++) {
                drop_client(&m.slots[i], &m);
                cleanup_closep(&m.slots[i].master);
        }
        cleanup_closep(&m.log_fd);
        cleanup_closep(&m.listen_fd);
        cleanup_closep(&m.sig_fd);
        (void)remove_tree_at(AT_FDCWD, c->mon_dir);
        mgr_prune_run(c);
        return r;
}
