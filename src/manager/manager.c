/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A system container's handle: its paths, its state, its monitor. Which
 * process: any command, in the host's namespaces. */
#include "manager.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "util.h"

static const char *const state_names[] = {
        [BERTH_STOPPED] = "STOPPED",   [BERTH_STARTING] = "STARTING",
        [BERTH_RUNNING] = "RUNNING",   [BERTH_STOPPING] = "STOPPING",
        [BERTH_FROZEN] = "FROZEN",
};

const char *berth_state_name(enum berth_container_state s)
{
        return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s]
                                                                           : "UNKNOWN";
}

int berth_state_parse(const char *name)
{
        for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
                if (name && strcasecmp(name, state_names[i]) == 0)
                        return (int)i;
        return -EINVAL;
}

/* LXC's rule, minus what would break a path, a cgroup or a host name. */
static bool name_is_valid(const char *name)
{
        size_t n = name ? strlen(name) : 0;
        if (n == 0 || n > 64 || name[0] == '.' || name[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
                        return false;
        return true;
}

static char *absolute(const char *path)
{
        char buf[PATH_MAX];
        if (realpath(path, buf))
                return strdup(buf);
        if (path[0] == '/')
                return strdup(path);
        if (!getcwd(buf, sizeof(buf)))
                return NULL;
        char *out;
        return asprintf(&out, "%s/%s", buf, path) < 0 ? NULL : out;
}

int berth_container_new(const char *name, const char *lxcpath, struct berth_container **out,
                        struct berth_error *err)
{
        *out = NULL;
        if (!name_is_valid(name))
                return berth_error_setx(err, EINVAL,
                                        "invalid container name '%s': use 1-64 letters, digits, "
                                        "'_', '.' or '-', not starting with '.' or '-'",
                                        name ? name : "");
        struct berth_container *c = calloc(1, sizeof(*c));
        if (!c)
                return berth_error_setx(err, ENOMEM, "%s", name);
        c->name = strdup(name);
        c->lxcpath = absolute(lxcpath && *lxcpath ? lxcpath : BERTH_LXCPATH);
        bool dflt = c->lxcpath && strcmp(c->lxcpath, BERTH_LXCPATH) == 0;
        char key[24];
        if (dflt)
                snprintf(key, sizeof(key), "default");
        else if (c->lxcpath)
                snprintf(key, sizeof(key), "%016llx", (unsigned long long)hash_fnv1a64(c->lxcpath));
        bool ok = c->name && c->lxcpath &&
                  asprintf(&c->dir, "%s/%s", c->lxcpath, name) >= 0 &&
                  asprintf(&c->config_path, "%s/config", c->dir) >= 0 &&
                  asprintf(&c->run_root, "%s/%s", BERTH_SYS_RUN, key) >= 0 &&
                  asprintf(&c->oci_root, "%s/oci", c->run_root) >= 0 &&
                  asprintf(&c->mon_dir, "%s/mon/%s", c->run_root, name) >= 0 &&
                  (dflt ? asprintf(&c->cgroup, "/berth-sys/%s", name)
                        : asprintf(&c->cgroup, "/berth-sys/%s-%.8s", name, key)) >= 0;
        if (!ok) {
                berth_container_free(c);
                return berth_error_setx(err, ENOMEM, "%s", name);
        }
        c->ctx.root = c->oci_root;
        *out = c;
        return 0;
}

void berth_container_free(struct berth_container *c)
{
        if (!c)
                return;
        free(c->name);
        free(c->lxcpath);
        free(c->dir);
        free(c->config_path);
        free(c->run_root);
        free(c->oci_root);
        free(c->mon_dir);
        free(c->cgroup);
        free(c);
}

const char *berth_container_name(const struct berth_container *c)
{
        return c->name;
}

const char *berth_container_dir(const struct berth_container *c)
{
        return c->dir;
}

bool berth_container_defined(const struct berth_container *c)
{
        struct stat st;
        return stat(c->config_path, &st) == 0 && S_ISREG(st.st_mode);
}

int mgr_require_defined(const struct berth_container *c, struct berth_error *err)
{
        if (berth_container_defined(c))
                return 0;
        return berth_error_setx(err, ENOENT, "%s does not exist (no %s)", c->name,
                                c->config_path);
}

int mgr_defined_state(struct berth_container *c, const char *verb,
                      enum berth_container_state *state, pid_t *pid, struct berth_error *err)
{
        int r = mgr_require_defined(c, err);
        if (r == 0)
                r = mgr_state(c, state, pid, err);
        return r < 0 ? berth_error_prefix(err, "%s", verb) : 0;
}

int mgr_load_config(const struct berth_container *c, const char *rcfile,
                    struct lxc_config **out, struct berth_error *err)
{
        if (!rcfile) {
                int r = mgr_require_defined(c, err);
                if (r < 0)
                        return r;
        }
        return lxc_config_load(rcfile ? rcfile : c->config_path, out, err);
}

pid_t mgr_monitor_pid(const struct berth_container *c)
{
        _cleanup_close_ int dfd = open(c->mon_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        if (dfd < 0 || read_file_at(dfd, MON_PID, &text, NULL) < 0)
                return 0;
        long long pid = 0;
        unsigned long long start = 0;
        if (sscanf(text, "%lld %llu", &pid, &start) != 2 || pid <= 0 || pid > INT_MAX)
                return 0;
        if (proc_start_time((pid_t)pid) != start)
                return 0;
        return (pid_t)pid;
}

static bool mon_file(const struct berth_container *c, const char *name)
{
        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/%s", c->mon_dir, name) < 0)
                return false;
        return access(p, F_OK) == 0;
}

int mgr_running(struct berth_container *c, pid_t *pid, char **cgroup, struct berth_error *err)
{
        _cleanup_close_ int dirfd = -1;
        struct state st;
        enum container_status s;
        struct berth_error e = { 0 };
        if (cgroup)
                *cgroup = NULL;
        if (container_load(&c->ctx, c->name, false, &dirfd, &st, &s, &e) < 0)
                return berth_error_setx(err, ESRCH, "%s is not running", c->name);
        int r = 0;
        if (s == STATUS_RUNNING || s == STATUS_PAUSED || s == STATUS_CREATED) {
                *pid = st.pid;
                if (cgroup && st.cgroup_path)
                        *cgroup = strdup(st.cgroup_path);
        } else {
                r = berth_error_setx(err, ESRCH, "%s is not running", c->name);
        }
        state_clear(&st);
        return r;
}

int mgr_state(struct berth_container *c, enum berth_container_state *state, pid_t *pid,
              struct berth_error *err)
{
        (void)err;
        *pid = 0;
        _cleanup_close_ int dirfd = -1;
        struct state st;
        enum container_status s;
        struct berth_error e = { 0 };
        pid_t mon = mgr_monitor_pid(c);
        if (container_load(&c->ctx, c->name, false, &dirfd, &st, &s, &e) < 0) {
                /* no core state: a monitor on its way up, or nothing */
                *state = mon ? BERTH_STARTING : BERTH_STOPPED;
                return 0;
        }
        switch (s) {
        case STATUS_CREATING:
        case STATUS_CREATED:
                *state = BERTH_STARTING;
                break;
        case STATUS_RUNNING:
                *state = mon_file(c, MON_STOPPING) ? BERTH_STOPPING : BERTH_RUNNING;
                *pid = st.pid;
                break;
        case STATUS_PAUSED:
                *state = BERTH_FROZEN;
                *pid = st.pid;
                break;
        case STATUS_STOPPED:
                /* the init is gone; the monitor is cleaning up, or died */
                *state = mon ? BERTH_STOPPING : BERTH_STOPPED;
                break;
        }
        state_clear(&st);
        return 0;
}

int berth_container_state(struct berth_container *c, enum berth_container_state *state,
                          pid_t *pid, struct berth_error *err)
{
        pid_t p;
        int r = mgr_state(c, state, &p, err);
        if (pid)
                *pid = p;
        return r;
}

void mgr_clean_stale(struct berth_container *c)
{
        if (mgr_monitor_pid(c))
                return;
        _cleanup_close_ int dirfd = -1;
        struct state st;
        enum container_status s;
        struct berth_error e = { 0 };
        if (container_load(&c->ctx, c->name, false, &dirfd, &st, &s, &e) == 0) {
                state_clear(&st);
                if (s != STATUS_STOPPED)
                        return; /* an init still runs: stop deals with it */
                (void)berth_oci_delete(&c->ctx, c->name, true, &e);
        }
        (void)remove_tree_at(AT_FDCWD, c->mon_dir);
}

void mgr_prune_run(const struct berth_container *c)
{
        _cleanup_free_ char *mon = NULL;
        if (asprintf(&mon, "%s/mon", c->run_root) < 0)
                return;
        /* each fails harmlessly while another container still uses it */
        (void)rmdir(mon);
        (void)rmdir(c->oci_root);
        _cleanup_free_ char *exec = NULL;
        if (asprintf(&exec, "%s/exec", c->run_root) >= 0)
                (void)rmdir(exec);
        (void)rmdir(c->run_root);
        (void)rmdir(BERTH_SYS_RUN);
}
