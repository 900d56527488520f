/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stop, freeze, unfreeze, wait and list. Which process: the command, in
 * the host's namespaces, as root. The monitor owns the container; these
 * ask it (through the core's state and signals) and watch it go. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "manager.h"
#include "util.h"

static long long now_ms(void)
{
        return (long long)monotonic_ms();
}

/* A signal named by a config key, or dflt. */
static int config_signal(struct berth_container *c, const char *key, int dflt)
{
        struct lxc_config *cfg = NULL;
        struct berth_error e = { 0 };
        if (mgr_load_config(c, NULL, &cfg, &e) < 0)
                return dflt;
        const char *v = lxc_config_get(cfg, key);
        int sig = v && *v ? signal_parse(v) : dflt;
        lxc_config_free(cfg);
        return sig > 0 ? sig : dflt;
}

/* Until the monitor is gone (it removes its directory last), or, when the
 * monitor died, until the init is. Returns 0, or -ETIMEDOUT. */
static int wait_gone(struct berth_container *c, int monfd, long long timeout_ms)
{
        long long end = now_ms() + timeout_ms;
        for (;;) {
                if (monfd >= 0) {
                        struct pollfd p = { .fd = monfd, .events = POLLIN };
                        long long left = end - now_ms();
                        if (poll(&p, 1, left > 100 ? 100 : (left > 0 ? (int)left : 0)) == 1)
                                return 0;
                } else {
                        enum berth_container_state s;
                        pid_t pid;
                        struct berth_error e = { 0 };
                        if (mgr_state(c, &s, &pid, &e) == 0 && s == BERTH_STOPPED)
                                return 0;
                        usleep(50 * 1000);
                }
                if (now_ms() >= end)
                        return -ETIMEDOUT;
        }
}

int berth_container_stop(struct berth_container *c, int timeout, bool kill,
                         struct berth_error *err)
{
        enum berth_container_state s;
        pid_t pid;
        int r = mgr_defined_state(c, "stop", &s, &pid, err);
        if (r < 0)
                return r;
        if (s == BERTH_STOPPED)
                return berth_error_setx(err, ESRCH, "stop %s: it is not running", c->name);
        pid_t mon = mgr_monitor_pid(c);
        _cleanup_close_ int monfd = mon ? sys_pidfd_open(mon, 0) : -1;
        _cleanup_free_ char *marker = NULL;
        /* the monitor must not take the init's death for a reboot */
        if (asprintf(&marker, "%s/%s", c->mon_dir, MON_STOPPING) >= 0)
                (void)close(open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        /* a frozen init cannot act on a signal */
        if (s == BERTH_FROZEN)
                (void)berth_oci_resume(&c->ctx, c->name, err);
        int sig = kill ? config_signal(c, "lxc.signal.stop", SIGKILL)
                       : config_signal(c, "lxc.signal.halt", SIGPWR);
        struct berth_error e = { 0 };
        if (s != BERTH_STOPPING || sig == SIGKILL)
                (void)berth_oci_kill(&c->ctx, c->name, sig, sig == SIGKILL, &e);
        long long ms = (long long)(timeout < 0 ? 60 : timeout) * 1000;
        if (wait_gone(c, monfd, kill ? 10000 : ms) == 0)
                goto done;
        (void)berth_oci_kill(&c->ctx, c->name, SIGKILL, true, &e);
        if (wait_gone(c, monfd, 10000) < 0)
                return berth_error_setx(err, ETIMEDOUT, "stop %s: still running after SIGKILL",
                                        c->name);
done:
        if (!mon)
                mgr_clean_stale(c);
        return 0;
}

static int freeze(struct berth_container *c, bool on, struct berth_error *err)
{
        enum berth_container_state s;
        pid_t pid;
        const char *verb = on ? "freeze" : "unfreeze";
        int r = mgr_defined_state(c, verb, &s, &pid, err);
        if (r < 0)
                return r;
        if (s == (on ? BERTH_FROZEN : BERTH_RUNNING))
                return 0;
        if (s != (on ? BERTH_RUNNING : BERTH_FROZEN))
                return berth_error_setx(err, EINVAL, "%s %s: it is %s", verb, c->name,
                                        berth_state_name(s));
        struct berth_error e = { 0 };
        r = on ? berth_oci_pause(&c->ctx, c->name, &e) : berth_oci_resume(&c->ctx, c->name, &e);
        if (r < 0)
                return berth_error_setx(err, e.code, "%s %s: %s", verb, c->name, e.msg);
        return 0;
}

int berth_container_freeze(struct berth_container *c, struct berth_error *err)
{
        return freeze(c, true, err);
}

int berth_container_unfreeze(struct berth_container *c, struct berth_error *err)
{
        return freeze(c, false, err);
}

int berth_container_wait(struct berth_container *c, enum berth_container_state state,
                         int timeout, struct berth_error *err)
{
        long long end = now_ms() + (long long)timeout * 1000;
        for (;;) {
                enum berth_container_state s;
                pid_t pid;
                int r = mgr_state(c, &s, &pid, err);
                if (r < 0)
                        return r;
                if (s == state)
                        return 0;
                if (timeout >= 0 && now_ms() >= end)
                        return berth_error_setx(err, ETIMEDOUT,
                                                "wait %s: still %s after %d s, not %s", c->name,
                                                berth_state_name(s), timeout,
                                                berth_state_name(state));
                usleep(20 * 1000);
        }
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int berth_list_containers(const char *lxcpath, char ***names, size_t *n,
                          struct berth_error *err)
{
        const char *path = lxcpath && *lxcpath ? lxcpath : BERTH_LXCPATH;
        *names = NULL;
        *n = 0;
        DIR *d = opendir(path);
        if (!d)
                return errno == ENOENT ? 0 : berth_error_set(err, errno, "list %s", path);
        size_t cap = 0;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                char cfg[512];
                struct stat st;
                snprintf(cfg, sizeof(cfg), "%s/config", de->d_name);
                if (fstatat(dirfd(d), cfg, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (*n + 1 >= cap) {
                        cap = cap ? cap * 2 : 16;
                        char **nv = realloc(*names, cap * sizeof(char *));
                        if (!nv) {
                                r = berth_error_setx(err, ENOMEM, "list %s", path);
                                break;
                        }
                        *names = nv;
                }
                if (!((*names)[*n] = strdup(de->d_name))) {
                        r = berth_error_setx(err, ENOMEM, "list %s", path);
                        break;
                }
                (*n)++;
                (*names)[*n] = NULL;
        }
        closedir(d);
        if (r < 0) {
                for (size_t i = 0; i < *n; i++)
                        free((*names)[i]);
                free(*names);
                *names = NULL;
                *n = 0;
                return r;
        }
        if (*n)
                qsort(*names, *n, sizeof(char *), cmp_names);
        return 0;
}
