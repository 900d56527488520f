/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupfs access shared by both backends: reading and writing control
 * files, running a plan (check every file first, then write in order),
 * and listing the processes of a cgroup subtree. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "util.h"

int cg_write_at(int dirfd, const char *file, const char *value)
{
        return write_file_at(dirfd, file, value);
}

int cg_read_at(int dirfd, const char *file, char **out)
{
        _cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (buf == NULL)
                return -ENOMEM;
        for (;;) {
                if (len + 1 >= cap) {
                        if (cap >= 16u << 20)
                                return -EFBIG;
                        char *nb = realloc(buf, cap * 2);
                        if (nb == NULL)
                                return -ENOMEM;
                        buf = nb;
                        cap *= 2;
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *out = TAKE_PTR(buf);
        return 0;
}

int cg_read_i64_at(int dirfd, const char *file, int64_t *out)
{
        _cleanup_free_ char *s = NULL;
        int r = cg_read_at(dirfd, file, &s);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = '\0';
        if (strcmp(s, "max") == 0) {
                *out = -1;
                return 0;
        }
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0')
                return -EINVAL;
        *out = v;
        return 0;
}

struct cg_hier *cg_hier_ctrl(struct berth_cgroup *cg, enum cg_ctrl c)
{
        for (size_t i = 0; i < cg->n_h; i++)
                if (cg->h[i].ctrls & (1u << c))
                        return &cg->h[i];
        return NULL;
}

struct cg_hier *cg_hier_unified(struct berth_cgroup *cg)
{
        for (size_t i = 0; i < cg->n_h; i++)
                if (cg->h[i].unified)
                        return &cg->h[i];
        return NULL;
}

const char *cg_dir_name(const struct berth_cgroup *cg, const struct cg_hier *h, char *buf,
                        size_t len)
{
        snprintf(buf, len, "%s%s", h->mount, cg->path);
        return buf;
}

/* ---- running a plan */

struct resolved {
        struct cg_hier *h;
        const char *file;
};

static int missing(struct berth_cgroup *cg, const struct cg_write *w, struct cg_hier *h,
                   struct berth_error *err)
{
        char dir[4096];
        if (h == NULL && (w->flags & CG_W_UNIFIED))
                return berth_error_setx(err, EOPNOTSUPP,
                                        "%s: needs a cgroup v2 hierarchy, and none is mounted",
                                        w->what);
        if (h == NULL)
                return berth_error_setx(err, EOPNOTSUPP,
                                        "%s: needs the %s cgroup controller, which is not "
                                        "mounted on this machine",
                                        w->what, w->ctrl ? w->ctrl : "?");
        if (h->dirfd < 0)
                return berth_error_setx(err, ENOENT, "%s: cgroup %s does not exist", w->what,
                                        cg_dir_name(cg, h, dir, sizeof(dir)));
        if (h->unified && w->ctrl) {
                _cleanup_free_ char *avail = NULL;
                if (cg_read_at(h->dirfd, "cgroup.controllers", &avail) == 0) {
                        bool found = false;
                        char *save = NULL;
                        for (char *t = strtok_r(avail, " \n", &save); t;
                             t = strtok_r(NULL, " \n", &save))
                                found |= strcmp(t, w->ctrl) == 0;
                        if (!found)
                                return berth_error_setx(
                                        err, EOPNOTSUPP,
                                        "%s: needs the %s controller, which is not available "
                                        "in %s (see cgroup.controllers of its parents)",
                                        w->what, w->ctrl, cg_dir_name(cg, h, dir, sizeof(dir)));
                }
        }
        return berth_error_setx(err, EOPNOTSUPP,
                                "%s: %s does not exist in %s (this kernel does not offer it)",
                                w->what, w->file, cg_dir_name(cg, h, dir, sizeof(dir)));
}

static struct cg_hier *target(struct berth_cgroup *cg, const struct cg_write *w)
{
        if (w->flags & CG_W_UNIFIED)
                return cg_hier_unified(cg);
        int c = w->ctrl ? cg_ctrl_parse(w->ctrl) : -1;
        return c >= 0 ? cg_hier_ctrl(cg, (enum cg_ctrl)c) : NULL;
}

int cg_plan_run(struct berth_cgroup *cg, const struct cg_plan *plan, struct berth_error *err)
{
        if (plan->n == 0)
                return 0;
        _cleanup_free_ struct resolved *rs = calloc(plan->n, sizeof(*rs));
        if (rs == NULL)
                return berth_error_set(err, ENOMEM, "cgroup %s", cg->path);
        /* Check first, so a spec this machine cannot honour changes nothing.
         * A file the plan writes again (devices.allow, once per rule) is
         * looked up once. */
        for (size_t i = 0; i < plan->n; i++) {
                const struct cg_write *w = &plan->w[i];
                struct cg_hier *h = target(cg, w);
                if (i > 0 && rs[i - 1].h == h && h && strcmp(plan->w[i - 1].file, w->file) == 0 &&
                    (plan->w[i - 1].alt == w->alt ||
                     (w->alt && plan->w[i - 1].alt && !strcmp(plan->w[i - 1].alt, w->alt)))) {
                        rs[i] = rs[i - 1];
                        continue;
                }
                if (h && h->dirfd >= 0) {
                        if (faccessat(h->dirfd, w->file, F_OK, 0) == 0)
                                rs[i] = (struct resolved){ h, w->file };
                        else if (w->alt && faccessat(h->dirfd, w->alt, F_OK, 0) == 0)
                                rs[i] = (struct resolved){ h, w->alt };
                }
                if (rs[i].h == NULL && !(w->flags & CG_W_OPTIONAL))
                        return missing(cg, w, h, err);
        }
        /* consecutive writes to one file share one open; each write is
         * still its own (pwrite at 0: one rule, one value per write) */
        _cleanup_close_ int fd = -1;
        for (size_t i = 0; i < plan->n; i++) {
                const struct cg_write *w = &plan->w[i];
                if (rs[i].h == NULL)
                        continue;
                bool same = i > 0 && fd >= 0 && rs[i - 1].h == rs[i].h &&
                            strcmp(rs[i - 1].file, rs[i].file) == 0;
                int r = 0;
                if (!same) {
                        cleanup_closep(&fd);
                        fd = openat(rs[i].h->dirfd, rs[i].file,
                                    O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
                        r = fd < 0 ? -errno : 0;
                }
                if (r == 0) {
                        size_t len = strlen(w->value);
                        ssize_t n;
                        do
                                n = pwrite(fd, w->value, len, 0);
                        while (n < 0 && errno == EINTR);
                        r = n < 0 ? -errno : ((size_t)n != len ? -EIO : 0);
                }
                if (r < 0) {
                        char dir[4096];
                        bool quote = strpbrk(w->value, " \n") != NULL || w->value[0] == '\0';
                        return berth_error_set(err, -r, "%s: set %s to %s%s%s in %s", w->what,
                                               rs[i].file, quote ? "\"" : "", w->value,
                                               quote ? "\"" : "",
                                               cg_dir_name(cg, rs[i].h, dir, sizeof(dir)));
                }
        }
        return 0;
}

/* ---- processes */

static int read_procs(int dirfd, pid_t **pids, size_t *n, size_t *cap)
{
        _cleanup_free_ char *s = NULL;
        int r = cg_read_at(dirfd, "cgroup.procs", &s);
        if (r < 0)
                return r;
        char *save = NULL;
        for (char *t = strtok_r(s, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
                char *end;
                long v = strtol(t, &end, 10);
                if (end == t || v <= 0)
                        continue;
                if (*n == *cap) {
                        size_t nc = *cap ? *cap * 2 : 16;
                        pid_t *np = realloc(*pids, nc * sizeof(pid_t));
                        if (np == NULL)
                                return -ENOMEM;
                        *pids = np;
                        *cap = nc;
                }
                (*pids)[(*n)++] = (pid_t)v;
        }
        return 0;
}

/* A container may make cgroups of its own below its cgroup (systemd in a
 * system container does): walk them too, so kill and destroy see every
 * process. */
static int walk(int dirfd, int depth, pid_t **pids, size_t *n, size_t *cap)
{
        int r = read_procs(dirfd, pids, n, cap);
        if (r < 0)
                return r;
        if (depth >= 64)
                return 0;
        int dfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
        if (dfd < 0)
                return -errno;
        DIR *d = fdopendir(dfd);
        if (d == NULL) {
                close(dfd);
                return -errno;
        }
        rewinddir(d);
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
                    strcmp(de->d_name, "..") == 0)
                        continue;
                int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sub < 0) {
                        if (errno == ENOENT)
                                continue;
                        r = -errno;
                        break;
                }
                r = walk(sub, depth + 1, pids, n, cap);
                close(sub);
                if (r < 0 && r != -ENOENT)
                        break;
                r = 0;
        }
        closedir(d);
        return r;
}

int cg_collect_pids(int dirfd, pid_t **pids, size_t *n, struct berth_error *err)
{
        pid_t *v = NULL;
        size_t nv = 0, cap = 0;
        int r = walk(dirfd, 0, &v, &nv, &cap);
        if (r < 0) {
                free(v);
                return berth_error_set(err, -r, "read cgroup.procs");
        }
        *pids = v;
        *n = nv;
        return 0;
}
