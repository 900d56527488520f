/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container's /sys/fs/cgroup on a cgroup v1 or hybrid host: a tmpfs
 * with one directory per host hierarchy. With a cgroup namespace each is
 * a fresh cgroup (or cgroup2) mount, whose root the kernel makes the
 * container's own cgroup; without one, the container's own directory of
 * each host hierarchy is bound there. Either way the container sees its
 * own limits at the usual paths (/sys/fs/cgroup/memory/memory.limit_in_bytes)
 * and nothing above its cgroup.
 *
 * Process: the init, before pivot_root, already in its cgroups; the host's
 * /proc is still at /proc. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "mount-internal.h"
#include "util.h"

/* Our path in the hierarchy whose /proc/self/cgroup key is `key`. */
static int own_path(const char *self, const char *key, char *out, size_t len)
{
        for (const char *line = self; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t n = nl ? (size_t)(nl - line) : strlen(line);
                const char *c1 = memchr(line, ':', n);
                const char *c2 = c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line)) : NULL;
                if (c2 && (size_t)(c2 - c1 - 1) == strlen(key) &&
                    !strncmp(c1 + 1, key, strlen(key))) {
                        snprintf(out, len, "%.*s", (int)(n - (size_t)(c2 + 1 - line)), c2 + 1);
                        return 0;
                }
                line = nl ? nl + 1 : NULL;
        }
        return -ENOENT;
}

/* The hierarchy's directory is made in `top`, the tmpfs we have just
 * mounted: nothing else can reach it yet, so a plain mkdirat and a path
 * through /proc/self/fd do, with no walk from the rootfs. */
static int mount_one_hierarchy(const struct mount_ctx *ctx, const char *dst, int top,
                               const struct cgroup_hierarchy *h, bool cgns, char **self,
                               unsigned long flags, struct berth_error *err)
{
        char at[FD_PATH_MAX + 80];
        snprintf(at, sizeof(at), "/proc/self/fd/%d/%s", top, h->name);
        if (mkdirat(top, h->name, 0755) < 0)
                return berth_error_set(err, errno, "mount %s/%s: mkdir", dst, h->name);
        unsigned long mflags = flags & MNT_PER_MOUNT_FLAGS;
        if (cgns) {
                int r = h->unified ? mount("cgroup2", at, "cgroup2", mflags, NULL)
                                   : mount("cgroup", at, "cgroup", mflags, h->options);
                if (r == 0)
                        return 0;
                /* a user namespace may not mount v1 hierarchies: bind instead */
                if (errno != EPERM || !ctx->userns)
                        return berth_error_set(err, errno, "mount %s/%s (cgroup %s)", dst,
                                               h->name, h->unified ? "v2" : h->options);
        }
        if (*self == NULL) {
                int r = read_file_at(AT_FDCWD, "/proc/self/cgroup", self, NULL);
                if (r < 0)
                        return berth_error_set(err, -r, "mount %s: read /proc/self/cgroup", dst);
        }
        char path[512], host[1024];
        if (own_path(*self, h->unified ? "" : h->proc_key, path, sizeof(path)) < 0)
                return berth_error_setx(err, ENOENT,
                                        "mount %s/%s: the init is in no cgroup of this hierarchy",
                                        dst, h->name);
        snprintf(host, sizeof(host), "/sys/fs/cgroup/%s%s", h->name, path);
        if (mount(host, at, NULL, MS_BIND, NULL) < 0)
                return berth_error_set(err, errno, "mount %s/%s (bind of %s)", dst, h->name,
                                       host);
        _cleanup_close_ int bound = openat(top, h->name, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (bound < 0)
                return berth_error_set(err, errno, "mount %s/%s", dst, h->name);
        return bind_remount(bound, NULL, mflags, 0, err);
}

/* "cpu,cpuacct" is reached as cpu and cpuacct too, as on the host. */
static void link_comounted(int dirfd, const char *name)
{
        if (!strchr(name, ','))
                return;
        char copy[64];
        snprintf(copy, sizeof(copy), "%s", name);
        char *save = NULL;
        for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
                symlinkat(name, dirfd, p);
}

int mount_cgroup_v1(const struct mount_ctx *ctx, const struct berth_mount *m, const char *rel,
                    unsigned long flags, struct berth_error *err)
{
        _cleanup_free_ struct cgroup_hierarchy *h = NULL;
        size_t n = 0;
        int r = cgroup_hierarchies_of(ctx->cg, &h, &n, err);
        if (r < 0)
                return berth_error_prefix(err, "mount %s", m->destination);
        _cleanup_free_ char *self = NULL; /* /proc/self/cgroup, read when a bind needs it */
        bool cgns = spec_namespace(ctx->spec, BERTH_NS_CGROUP) != NULL;

        _cleanup_close_ int fd = target_open(ctx->rootfd, rel, TARGET_DIR, err);
        if (fd < 0)
                return berth_error_prefix(err, "mount %s", m->destination);
        char buf[FD_PATH_MAX];
        unsigned long base = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        if (mount("tmpfs", fd_path(fd, buf), "tmpfs", base, "mode=755") < 0)
                return berth_error_set(err, errno, "mount %s (tmpfs for the cgroup hierarchies)",
                                       m->destination);
        _cleanup_close_ int top = open_in_root(ctx->rootfd, rel, O_RDONLY | O_DIRECTORY);
        if (top < 0)
                return berth_error_set(err, -top, "mount %s", m->destination);
        for (size_t i = 0; i < n; i++) {
                r = mount_one_hierarchy(ctx, m->destination, top, &h[i], cgns, &self,
                                        flags | base, err);
                if (r < 0)
                        return r;
                link_comounted(top, h[i].name);
        }
        if (!(flags & MS_RDONLY))
                return 0;
        return bind_remount(top, NULL, MS_RDONLY | base, 0, err);
}
