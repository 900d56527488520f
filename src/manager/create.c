/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create, destroy and the config items of a system container. Which
 * process: the command, in the host's namespaces, as root. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "dl.h"
#include "lxc-spec.h"
#include "manager.h"
#include "netdb.h"
#include "template.h"
#include "util.h"

/* The busybox template's ttys: a getty on each that exists, so a config
 * that lowers lxc.tty.max does not leave busybox init respawning a getty
 * that fails at once. */
#define BUSYBOX_TTYS 2

static int busybox(const struct template_args *a, struct berth_error *err)
{
        if (a->argv && a->argv[0])
                return berth_error_setx(err, EINVAL, "busybox template: unknown option '%s' "
                                                     "(it takes none)", a->argv[0]);
        int r = template_busybox(a->rootfs, a->name, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *inittab = NULL;
        if (asprintf(&inittab, "%s/etc/inittab", a->rootfs) < 0)
                return berth_error_setx(err, ENOMEM, "busybox template");
        fd = open(inittab, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set(err, errno, "busybox template: %s", inittab);
        for (int i = 1; i <= BUSYBOX_TTYS; i++) {
                char line[256];
                int n = snprintf(line, sizeof(line),
                                 "::respawn:/bin/sh -c '[ -c /dev/tty%d ] && exec /sbin/getty "
                                 "-L 115200 tty%d vt100; exec sleep 2147483647'\n",
                                 i, i);
                if (write_all(fd, line, (size_t)n) < 0)
                        return berth_error_set(err, errno, "busybox template: %s", inittab);
        }
        /* busybox init halts on SIGUSR1 and reboots on SIGTERM */
        static const char *const items[][2] = {
                { "lxc.signal.halt", "SIGUSR1" },
                { "lxc.signal.reboot", "SIGTERM" },
                { "lxc.tty.max", "2" },
        };
        for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
                r = lxc_config_set(a->cfg, items[i][0], items[i][1], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* dir:PATH: the container uses PATH as it is; nothing is copied, and
 * destroy leaves it alone. */
static int dir_template(const struct template_args *a, struct berth_error *err)
{
        if (a->argv && a->argv[0])
                return berth_error_setx(err, EINVAL, "dir template: unknown option '%s'",
                                        a->argv[0]);
        struct stat st;
        if (!a->source || a->source[0] != '/')
                return berth_error_setx(err, EINVAL, "dir template: '%s' is not an absolute "
                                                     "path", a->source ? a->source : "");
        if (stat(a->source, &st) < 0)
                return berth_error_set(err, errno, "dir template: %s", a->source);
        if (!S_ISDIR(st.st_mode))
                return berth_error_setx(err, ENOTDIR, "dir template: %s is not a directory",
                                        a->source);
        _cleanup_free_ char *v = NULL;
        if (asprintf(&v, "dir:%s", a->source) < 0)
                return berth_error_setx(err, ENOMEM, "dir template");
        return lxc_config_set(a->cfg, "lxc.rootfs.path", v, err);
}

struct template_entry {
        const char *name;
        bool has_source; /* name:PATH */
        template_fn fn;
        unsigned libs; /* the optional libraries it uses (dl.h) */
};

static const struct template_entry templates[] = {
        { "busybox", false, busybox, 0 },
        { "debian", false, template_debian, DL_BIT(DL_CRYPT) },
        { "dir", true, dir_template, 0 },
        { "oci", true, template_oci, DL_BIT(DL_ARCHIVE) | DL_BIT(DL_CRYPTO) },
};

static const struct template_entry *template_find(const char *spec, const char **source,
                                                  struct berth_error *err)
{
        const char *colon = strchr(spec, ':');
        size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
        for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
                const struct template_entry *t = &templates[i];
                if (strlen(t->name) != n || strncmp(t->name, spec, n) != 0)
                        continue;
                if (t->has_source != (colon != NULL)) {
                        berth_error_setx(err, EINVAL,
                                         t->has_source ? "template '%s' needs a path: %s:PATH"
                                                       : "template '%s' takes no path",
                                         spec, t->name);
                        return NULL;
                }
                *source = colon ? colon + 1 : NULL;
                return t;
        }
        berth_error_setx(err, ENOENT,
                         "unknown template '%s' (templates: busybox, debian, dir:PATH, oci:PATH)",
                         spec);
        return NULL;
}

/* The new config: the given file's items (comments included), then what
 * every container needs said. */
static int initial_config(struct berth_container *c, const char *file, struct lxc_config **out,
                          struct berth_error *err)
{
        struct lxc_config *cfg = NULL;
        int r = file ? lxc_config_load(file, &cfg, err) : 0;
        if (r < 0)
                return r;
        if (!cfg && !(cfg = lxc_config_new()))
                return berth_error_setx(err, ENOMEM, "%s", c->name);
        _cleanup_free_ char *root = NULL;
        if (asprintf(&root, "dir:%s/rootfs", c->dir) < 0)
                r = berth_error_setx(err, ENOMEM, "%s", c->name);
        if (r == 0 && !lxc_config_get(cfg, "lxc.rootfs.path"))
                r = lxc_config_set(cfg, "lxc.rootfs.path", root, err);
        if (r == 0 && !lxc_config_get(cfg, "lxc.uts.name"))
                r = lxc_config_set(cfg, "lxc.uts.name", c->name, err);
        if (r < 0) {
                lxc_config_free(cfg);
                return r;
        }
        *out = cfg;
        return 0;
}

static int write_config(const struct berth_container *c, const struct lxc_config *cfg,
                        struct berth_error *err)
{
        _cleanup_free_ char *text = lxc_config_dump(cfg);
        if (!text)
                return berth_error_setx(err, ENOMEM, "write %s", c->config_path);
        _cleanup_close_ int dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_error_set(err, errno, "open %s", c->dir);
        int r = write_file_atomic(dfd, "config", text, strlen(text));
        return r < 0 ? berth_error_set(err, -r, "write %s", c->config_path) : 0;
}

static int create_in(struct berth_container *c, const struct berth_create_request *req,
                     struct berth_error *err)
{
        struct lxc_config *cfg = NULL;
        int r = initial_config(c, req->config_file, &cfg, err);
        if (r < 0)
                return r;
        if (req->tmpl) {
                const char *source = NULL;
                const struct template_entry *t = template_find(req->tmpl, &source, err);
                _cleanup_free_ char *rootfs = NULL;
                if (!t || asprintf(&rootfs, "%s/rootfs", c->dir) < 0) {
                        lxc_config_free(cfg);
                        return t ? berth_error_setx(err, ENOMEM, "%s", c->name) : -err->code;
                }
                static char *const no_args[] = { NULL };
                struct template_args a = { .rootfs = rootfs, .name = c->name, .source = source,
                                           .argv = req->tmpl_argv ? req->tmpl_argv : no_args,
                                           .cfg = cfg, .progress = req->progress,
                                           .progress_data = req->progress_data,
                                           .tty = req->progress_tty };
                r = t->fn(&a, err);
        }
        /* a config that cannot start is refused now, not at start */
        struct berth_spec *spec = NULL;
        if (r == 0)
                r = lxc_to_spec(cfg, c->name, c->dir, &spec, err);
        spec_free(spec);
        if (r == 0)
                r = write_config(c, cfg, err);
        lxc_config_free(cfg);
        return r;
}

int berth_container_create(struct berth_container *c, const struct berth_create_request *req,
                           struct berth_error *err)
{
        struct berth_create_request none = { 0 };
        if (!req)
                req = &none;
        /* refuse an unknown template before anything is made */
        const char *source;
        const struct template_entry *t = req->tmpl ? template_find(req->tmpl, &source, err) : NULL;
        if (req->tmpl && !t)
                return berth_error_prefix(err, "create %s", c->name);
        /* a static berth hands it to berth-full now, if the template needs that */
        if (t && dl_require(t->libs, err) < 0)
                return berth_error_prefix(err, "create %s", c->name);
        int r = mkdir_p(c->lxcpath, 0755);
        if (r < 0)
                return berth_error_set(err, -r, "create %s: %s", c->name, c->lxcpath);
        if (mkdir(c->dir, 0755) < 0) {
                if (errno == EEXIST)
                        return berth_error_setx(err, EEXIST,
                                                berth_container_defined(c)
                                                        ? "create %s: it already exists (%s)"
                                                        : "create %s: %s exists but holds no "
                                                          "container; remove it first",
                                                c->name, c->dir);
                return berth_error_set(err, errno, "create %s: %s", c->name, c->dir);
        }
        r = create_in(c, req, err);
        if (r < 0) {
                (void)remove_tree_at(AT_FDCWD, c->dir);
                return berth_error_prefix(err, "create %s", c->name);
        }
        return 0;
}

/* Never unlink through a mount: a bind someone left inside the tree. */
static int mounted_below(const char *dir, struct berth_error *err)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return berth_error_set(err, errno, "/proc/self/mountinfo");
        char line[4096];
        size_t n = strlen(dir);
        int r = 0;
        while (fgets(line, sizeof(line), f)) {
                char mp[4096];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
                        continue;
                if (strncmp(mp, dir, n) == 0 && (mp[n] == '/' || mp[n] == '\0')) {
                        r = berth_error_setx(err, EBUSY, "%s is mounted on; unmount it first",
                                             mp);
                        break;
                }
        }
        fclose(f);
        return r;
}

/* The addresses reserved on berth bridges go with the container. */
static void release_leases(struct berth_container *c)
{
        struct lxc_config *cfg = NULL;
        struct berth_error e = { 0 };
        if (mgr_load_config(c, NULL, &cfg, &e) < 0)
                return;
        for (size_t i = 0; i < cfg->n_nets; i++)
                if (cfg->nets[i].link && *cfg->nets[i].link &&
                    !netdb_bridge_name_check(cfg->nets[i].link))
                        (void)netdb_release(c->lxcpath, cfg->nets[i].link, c->name, &e);
        lxc_config_free(cfg);
}

int berth_container_destroy(struct berth_container *c, bool force, struct berth_error *err)
{
        enum berth_container_state s;
        pid_t pid;
        int r = mgr_defined_state(c, "destroy", &s, &pid, err);
        if (r < 0)
                return r;
        if (s != BERTH_STOPPED) {
                if (!force)
                        return berth_error_setx(err, EBUSY,
                                                "destroy %s: it is %s; stop it first or use -f",
                                                c->name, berth_state_name(s));
                r = berth_container_stop(c, 0, true, err);
        }
        if (r == 0)
                r = mounted_below(c->dir, err);
        if (r < 0)
                return berth_error_prefix(err, "destroy %s", c->name);
        mgr_clean_stale(c);
        mgr_prune_run(c);
        release_leases(c);
        r = remove_tree_at(AT_FDCWD, c->dir);
        if (r < 0)
                return berth_error_set(err, -r, "destroy %s: remove %s", c->name, c->dir);
        return 0;
}

static int check_key(const char *key, struct berth_error *err)
{
        if (lxc_key_lookup(key))
                return 0;
        char buf[160];
        const char *near = lxc_key_suggest(key, buf, sizeof(buf));
        if (near)
                return berth_error_setx(err, EINVAL, "unknown key '%s' (did you mean %s?)", key,
                                        near);
        return berth_error_setx(err, EINVAL, "unknown key '%s'", key);
}

int berth_container_get_config_item(struct berth_container *c, const char *key, char **value,
                                    struct berth_error *err)
{
        *value = NULL;
        struct lxc_config *cfg = NULL;
        int r = key ? check_key(key, err) : 0;
        if (r == 0)
                r = mgr_load_config(c, NULL, &cfg, err);
        if (r < 0)
                return r;
        *value = key ? lxc_config_get_all(cfg, key) : lxc_config_dump(cfg);
        lxc_config_free(cfg);
        return *value ? 0 : berth_error_setx(err, ENOMEM, "%s", c->config_path);
}

int berth_container_set_config_item(struct berth_container *c, const char *key,
                                    const char *value, struct berth_error *err)
{
        struct lxc_config *cfg = NULL;
        int r = check_key(key, err);
        if (r == 0)
                r = mgr_load_config(c, NULL, &cfg, err);
        if (r < 0)
                return r;
        r = lxc_config_set(cfg, key, value, err);
        if (r < 0)
                berth_error_prefix(err, "%s", c->config_path);
        if (r == 0)
                r = write_config(c, cfg, err);
        lxc_config_free(cfg);
        return r;
}
