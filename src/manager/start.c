/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* start: from an LXC config to a running container with its monitor.
 * Which process: `berth start`, in the host's namespaces, as root; the
 * monitor is forked from it (see monitor.c). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon.h"
#include "dl.h"
#include "process-common.h"
#include "lxc-spec.h"
#include "manager.h"
#include "spec.h"
#include "util.h"

struct prepared {
        json_t *doc;
        struct lxc_config *cfg;
        int ttys[64];
        int n_ttys;
        char *log_path;
};

static void prepared_clear(struct prepared *p)
{
        json_decref(p->doc);
        lxc_config_free(p->cfg);
        for (int i = 0; i < p->n_ttys; i++)
                close(p->ttys[i]);
        free(p->log_path);
        memset(p, 0, sizeof(*p));
}

/* A host pty for /dev/ttyN: the monitor keeps the master, the slave is
 * bound over the container's /dev/ttyN (the device cgroup allows ptys). */
static int add_tty(struct prepared *p, json_t *mounts, int n, struct berth_error *err)
{
        int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
                int e = errno;
                if (master >= 0)
                        close(master);
                return berth_error_set(err, e, "allocate a pty for tty%d", n);
        }
        p->ttys[p->n_ttys++] = master;
        char dest[32];
        snprintf(dest, sizeof(dest), "/dev/tty%d", n);
        json_t *m = json_pack("{s:s, s:s, s:s, s:[s,s]}", "destination", dest, "type", "bind",
                              "source", ptsname(master), "options", "bind", "rw");
        if (!m || json_array_append_new(mounts, m) < 0)
                return berth_error_setx(err, ENOMEM, "tty%d", n);
        return 0;
}

static int count_value(const struct lxc_config *cfg, const char *key, int max, int *out,
                       struct berth_error *err)
{
        const char *v = lxc_config_get(cfg, key);
        uint64_t n = 0;
        if (v && *v && (parse_uint64(v, &n) < 0 || n > (uint64_t)max))
                return berth_error_setx(err, EINVAL, "%s: at most %d", key, max);
        *out = (int)n;
        return 0;
}

int mgr_spec_doc(struct berth_container *c, const char *rcfile, json_t **doc,
                 struct lxc_config **cfgp, struct berth_error *err)
{
        struct lxc_config *cfg = NULL;
        struct berth_spec *spec = NULL;
        *doc = NULL;
        int r = mgr_load_config(c, rcfile, &cfg, err);
        if (r == 0)
                r = lxc_to_spec(cfg, c->name, c->dir, &spec, err);
        if (r == 0) {
                json_error_t je;
                *doc = json_loadb(spec->text, spec->text_len, 0, &je);
                if (!*doc)
                        r = berth_error_setx(err, EINVAL, "%s/config: %s", c->name, je.text);
        }
        spec_free(spec);
        json_t *lnx = json_object_get(*doc, "linux");
        const char *root = json_string_value(json_object_get(json_object_get(*doc, "root"),
                                                             "path"));
        struct stat st;
        if (r == 0 && (!root || stat(root, &st) < 0 || !S_ISDIR(st.st_mode)))
                r = berth_error_setx(err, ENOENT,
                                     "%s: lxc.rootfs.path: %s is not a directory",
                                     rcfile ? rcfile : c->config_path, root ? root : "(none)");
        if (r == 0 && (!lnx || !json_object_get(*doc, "process")))
                r = berth_error_setx(err, EINVAL, "%s/config: no process", c->name);
        if (r == 0)
                json_object_set_new(lnx, "cgroupsPath", json_string(c->cgroup));
        if (r < 0 || !cfgp) {
                lxc_config_free(cfg);
                cfg = NULL;
        }
        if (r < 0) {
                json_decref(*doc);
                *doc = NULL;
        }
        if (cfgp)
                *cfgp = cfg;
        return r;
}

/* The spec the core runs: the translated config, plus what only the
 * monitor knows (the console, the ttys, a command line). */
static int prepare(struct berth_container *c, const struct berth_start_opts *o,
                   struct prepared *p, struct berth_error *err)
{
        struct lxc_config *cfg = NULL;
        int r = mgr_spec_doc(c, o->rcfile, &p->doc, &cfg, err);
        if (r < 0)
                return r;
        int n_ttys = 0;
        r = count_value(cfg, "lxc.tty.max", 64, &n_ttys, err);
        const char *console = lxc_config_get(cfg, "lxc.console.path");
        bool no_console = console && strcmp(console, "none") == 0;
        const char *logfile = lxc_config_get(cfg, "lxc.console.logfile");
        if (!no_console && logfile && *logfile)
                p->log_path = strdup(logfile);
        else if (!no_console && asprintf(&p->log_path, "%s/console.log", c->dir) < 0)
                p->log_path = NULL;
        p->cfg = cfg; /* the monitor's network plan */
        if (r < 0)
                return r;
        json_t *process = json_object_get(p->doc, "process");
        json_object_set_new(process, "terminal", json_boolean(!no_console));
        if (o->argv && o->argv[0]) {
                json_t *args = json_array();
                for (char *const *a = o->argv; *a; a++)
                        json_array_append_new(args, json_string(*a));
                json_object_set_new(process, "args", args);
        }
        json_t *mounts = json_object_get(p->doc, "mounts");
        for (int i = 1; r == 0 && i <= n_ttys && mounts; i++)
                r = add_tty(p, mounts, i, err);
        return r;
}

int mgr_write_bundle(const char *dir, json_t *doc, struct berth_error *err)
{
        _cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(2));
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (!text)
                return berth_error_setx(err, ENOMEM, "config.json");
        int r = dfd < 0 ? -errno : write_file_atomic(dfd, "config.json", text, strlen(text));
        return r < 0 ? berth_error_set(err, -r, "write %s/config.json", dir) : 0;
}

/* The monitor keeps nothing of the command that forked it: no stdio (a
 * test's pipe would never see EOF), no other fd but its own. */
static void detach_fds(int keep, const struct prepared *p)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                dup2(null, 0);
                dup2(null, 1);
                dup2(null, 2);
                close(null);
        }
        int kept[1 + 64];
        size_t n = 0;
        kept[n++] = keep;
        for (int i = 0; i < p->n_ttys && n < sizeof(kept) / sizeof(kept[0]); i++)
                kept[n++] = p->ttys[i];
        process_close_inherited_fds(0, kept, n);
}

/* daemon.h */
static bool single_fork;

void daemon_caller_exits(void)
{
        single_fork = true;
}

static int claim(struct berth_container *c, struct berth_error *err)
{
        enum berth_container_state s;
        pid_t pid;
        int r = mgr_state(c, &s, &pid, err);
        if (r < 0)
                return r;
        if (s != BERTH_STOPPED)
                return berth_error_setx(err, EBUSY, "%s is already %s", c->name,
                                        s == BERTH_STARTING ? "starting" : "running");
        mgr_clean_stale(c);
        _cleanup_free_ char *mon = NULL;
        if (asprintf(&mon, "%s/mon", c->run_root) < 0)
                return berth_error_setx(err, ENOMEM, "%s", c->name);
        r = mkdir_p(mon, 0700);
        if (r < 0)
                return berth_error_set(err, -r, "%s", mon);
        /* a monitor that just ended may prune mon/ between the two mkdirs */
        int e = 0;
        for (int tries = 0; tries < 3; tries++) {
                e = mkdir(c->mon_dir, 0700) == 0 ? 0 : errno;
                if (e != ENOENT)
                        break;
                (void)mkdir_p(mon, 0700);
        }
        if (e == EEXIST)
                return berth_error_setx(err, EBUSY, "%s is already starting", c->name);
        return e ? berth_error_set(err, e, "%s", c->mon_dir) : 0;
}

/* Daemon: fork twice (the monitor belongs to no session of ours) and
 * wait for its word that the init runs, or its error. */
static int start_daemon(struct monitor_args *a, struct prepared *p, struct berth_error *err)
{
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return berth_error_set(err, errno, "pipe");
        pid_t child = fork();
        if (child < 0) {
                close(pipefd[0]);
                close(pipefd[1]);
                return berth_error_set(err, errno, "fork the monitor");
        }
        if (child == 0) {
                close(pipefd[0]);
                setsid();
                if (!single_fork && fork() != 0)
                        _exit(0);
                if (chdir("/") < 0)
                        _exit(1);
                detach_fds(pipefd[1], p);
                a->report_fd = pipefd[1];
                struct berth_error e = { 0 };
                _exit(monitor_run(a, NULL, &e) < 0 ? 1 : 0);
        }
        close(pipefd[1]);
        while (!single_fork && waitpid(child, NULL, 0) < 0 && errno == EINTR)
                ;
        struct berth_error got = { 0 };
        ssize_t n;
        do
                n = read(pipefd[0], &got, sizeof(got));
        while (n < 0 && errno == EINTR);
        close(pipefd[0]);
        if (n != (ssize_t)sizeof(got)) {
                /* it could not clean up after itself: do it here */
                (void)berth_container_stop(a->c, 0, true, &(struct berth_error){ 0 });
                mgr_clean_stale(a->c);
                return berth_error_setx(err, EIO, "start %s: the monitor died before the "
                                                  "container ran", a->c->name);
        }
        if (got.code) {
                *err = got;
                err->msg[sizeof(err->msg) - 1] = '\0';
                return -got.code;
        }
        return 0;
}

int berth_container_start(struct berth_container *c, const struct berth_start_opts *opts,
                          int *status, struct berth_error *err)
{
        struct berth_start_opts none = { .in_fd = 0, .out_fd = 1 };
        const struct berth_start_opts *o = opts ? opts : &none;
        struct prepared p = { 0 };
        int r;
        /* the static berth hands a networked start to berth-full (dl.h)
         * as soon as it knows: after reading the config, not preparing */
        if (dl_static()) {
                struct lxc_config *cfg = NULL;
                r = mgr_load_config(c, o->rcfile, &cfg, err);
                if (r == 0)
                        r = dl_require(mgr_net_libs(cfg), err);
                lxc_config_free(cfg);
                if (r < 0)
                        return berth_error_prefix(err, "start");
        }
        r = prepare(c, o, &p, err);
        if (r < 0) {
                prepared_clear(&p);
                return berth_error_prefix(err, "start");
        }
        r = claim(c, err);
        if (r < 0) {
                prepared_clear(&p);
                return berth_error_prefix(err, "start");
        }
        r = mgr_write_bundle(c->mon_dir, p.doc, err);
        struct monitor_args a = { .c = c, .cfg = p.cfg, .report_fd = -1,
                                  .foreground = o->foreground,
                                  .in_fd = o->in_fd, .out_fd = o->out_fd, .ttys = p.ttys,
                                  .n_ttys = p.n_ttys, .log_path = p.log_path };
        if (r == 0 && o->foreground)
                r = monitor_run(&a, status, err);
        else if (r == 0)
                r = start_daemon(&a, &p, err);
        else {
                (void)remove_tree_at(AT_FDCWD, c->mon_dir);
                mgr_prune_run(c);
        }
        /* the monitor took the masters over (and closes them itself) */
        if (o->foreground)
                p.n_ttys = 0;
        prepared_clear(&p);
        return r;
}
