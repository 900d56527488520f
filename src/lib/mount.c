/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rootfs_prepare: the container's mounts, before pivot_root.
 *
 * Process: the container's init. Namespaces: its new mount namespace (and
 * its new pid namespace; its user namespace when the spec has one, maps
 * already written). Privileges: root of that user namespace. The host's
 * /proc is still the one at /proc, so /proc/self/fd/N names our fds. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount-idmap.h"
#include "mount-internal.h"
#include "mount.h"
#include "process-attrs.h"
#include "util.h"

static const struct {
        const char *name;
        unsigned long flags;
} propagation_names[] = {
        { "shared", MS_SHARED },         { "rshared", MS_SHARED },
        { "slave", MS_SLAVE },           { "rslave", MS_SLAVE },
        { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE },
        { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE },
};

int rootfs_propagation_flags(const struct berth_spec *spec, unsigned long *flags,
                             struct berth_error *err)
{
        /* Default rslave, as runc: host mounts still reach us, ours never
         * reach the host. */
        if (!spec->rootfs_propagation) {
                *flags = MS_SLAVE;
                return 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(propagation_names); i++)
                if (strcmp(spec->rootfs_propagation, propagation_names[i].name) == 0) {
                        *flags = propagation_names[i].flags;
                        return 0;
                }
        return berth_error_setx(err, EINVAL,
                                "linux.rootfsPropagation: unknown value \"%s\" (expected shared, "
                                "slave, private or unbindable)",
                                spec->rootfs_propagation);
}

static void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
        char *w = s;
        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

static bool path_is_under(const char *path, const char *mp)
{
        size_t n = strlen(mp);
        if (n == 1 && mp[0] == '/')
                return true;
        return strncmp(path, mp, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* pivot_root refuses a new root that is shared or whose parent mount is.
 * Only the "shared" rootfsPropagation leaves shared mounts around; then the
 * mount the rootfs lives on is made private before the rootfs bind, so the
 * bind does not propagate to its peers, and, that mount being the bind's
 * source, the new root is private too. */
static int make_parent_private(const char *root, struct berth_error *err)
{
        _cleanup_free_ char *real = realpath(root, NULL);
        if (!real)
                return berth_error_set(err, errno, "rootfs %s", root);
        __attribute__((cleanup(fclosep))) FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return berth_error_set(err, errno, "open /proc/self/mountinfo");
        _cleanup_free_ char *line = NULL;
        _cleanup_free_ char *best = NULL;
        size_t cap = 0, best_len = 0;
        bool best_shared = false;
        while (getline(&line, &cap, f) > 0) {
                /* id parent maj:min root mountpoint options [optional...] - ... */
                char *save = NULL, *mp = NULL;
                bool shared = false;
                int i = 0;
                for (char *tok = strtok_r(line, " \n", &save); tok;
                     tok = strtok_r(NULL, " \n", &save), i++) {
                        if (i == 4)
                                mp = tok;
                        else if (i >= 6 && strcmp(tok, "-") == 0)
                                break;
                        else if (i >= 6 && strncmp(tok, "shared:", 7) == 0)
                                shared = true;
                }
                if (!mp)
                        continue;
                unescape_octal(mp);
                size_t n = strlen(mp);
                /* ">=": of two mounts on one point, the later is on top */
                if (path_is_under(real, mp) && n >= best_len) {
                        free(best);
                        best = strdup(mp);
                        if (!best)
                                return berth_error_set(err, ENOMEM, "read mountinfo");
                        best_len = n;
                        best_shared = shared;
                }
        }
        if (best && best_shared && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
                return berth_error_set(err, errno,
                                       "make %s private (the parent mount of the rootfs)", best);
        return 0;
}

static bool streq(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

static int reopen_target(const struct mount_ctx *ctx, const struct berth_mount *m, const char *rel,
                         struct berth_error *err)
{
        /* After a mount, an fd taken before it still points at the covered
         * directory; a remount or propagation change needs the new top. */
        int fd = open_in_root(ctx->rootfd, rel, O_PATH | O_NOFOLLOW);
        if (fd < 0)
                return berth_error_set(err, -fd, "mount %s: reopen", m->destination);
        return fd;
}

/* MOUNT_ATTR_* of the flags mount_setattr can add on a whole tree. */
static unsigned long attr_of_flags(unsigned long flags)
{
        static const struct {
                unsigned long ms, attr;
        } map[] = {
                { MS_RDONLY, MOUNT_ATTR_RDONLY },
                { MS_NOSUID, MOUNT_ATTR_NOSUID },
                { MS_NODEV, MOUNT_ATTR_NODEV },
                { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
        };
        unsigned long attr = 0;
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if (flags & map[i].ms)
                        attr |= map[i].attr;
        return attr;
}

/* rbind a host tree and apply ro/nosuid/nodev/noexec to every mount in
 * it: a plain remount would change only the top one and leave, say, the
 * host's cgroup hierarchies below it writable. */
static int rbind_host(const struct mount_ctx *ctx, const struct berth_mount *m, const char *rel,
                      const char *host, unsigned long flags, struct berth_error *err)
{
        _cleanup_close_ int fd = target_open(ctx->rootfd, rel, TARGET_DIR, err);
        if (fd < 0)
                return berth_error_prefix(err, "mount %s", m->destination);
        char buf[FD_PATH_MAX];
        if (mount(host, fd_path(fd, buf), NULL, MS_BIND | MS_REC, NULL) < 0)
                return berth_error_set(err, errno, "mount %s (rbind of the host's %s)",
                                       m->destination, host);
        unsigned long attr = attr_of_flags(flags);
        if (attr == 0)
                return 0;
        _cleanup_close_ int top = reopen_target(ctx, m, rel, err);
        if (top < 0)
                return top;
        struct mount_attr ma = { .attr_set = attr };
        if (mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof(ma)) < 0) {
                int e = errno;
                return berth_error_set(err, e,
                                       "mount %s: apply ro/nosuid/nodev/noexec to every mount of "
                                       "the rbind of %s%s",
                                       m->destination, host,
                                       e == ENOSYS ? " (mount_setattr needs Linux 5.12)" : "");
        }
        return 0;
}

static int mount_bind(const struct mount_ctx *ctx, const struct berth_mount *m, const char *rel,
                      unsigned long flags, bool recursive, struct berth_error *err)
{
        if (!m->source)
                return berth_error_setx(err, EINVAL, "mount %s (bind): no source", m->destination);
        /* The source is the host's: a relative one is relative to the bundle. */
        _cleanup_free_ char *joined = NULL;
        const char *src = m->source;
        if (src[0] != '/') {
                if (asprintf(&joined, "%s/%s", ctx->spec->bundle ? ctx->spec->bundle : ".", src) <
                    0)
                        return berth_error_set(err, ENOMEM, "mount %s", m->destination);
                src = joined;
        }
        struct stat st;
        if (stat(src, &st) < 0)
                return berth_error_set(err, errno, "mount %s (bind): source %s", m->destination,
                                       src);

        enum target_kind kind = S_ISDIR(st.st_mode) ? TARGET_DIR : TARGET_FILE;
        _cleanup_close_ int fd = target_open(ctx->rootfd, rel, kind, err);
        if (fd < 0)
                return berth_error_prefix(err, "mount %s", m->destination);
        char buf[FD_PATH_MAX];
        if (mount(src, fd_path(fd, buf), NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
                return berth_error_set(err, errno, "mount %s (bind of %s)", m->destination, src);
        /* MS_BIND ignores every other flag: ro, nosuid, ... need a remount. */
        if (!(flags & MNT_PER_MOUNT_FLAGS))
                return 0;
        _cleanup_close_ int top = reopen_target(ctx, m, rel, err);
        if (top < 0)
                return top;
        if (bind_remount(top, NULL, flags, m->clear, err) < 0)
                return berth_error_prefix(err, "mount %s (bind of %s)", m->destination, src);
        return 0;
}

/* Types a user namespace may be refused (the net/ipc namespace belongs to
 * the host's user namespace): then the host's mount is bound instead, as
 * crun does. */
static const struct {
        const char *type;
        const char *host;
} userns_fallbacks[] = {
        { "sysfs", "/sys" },
        { "mqueue", "/dev/mqueue" },
        { "cgroup2", "/sys/fs/cgroup" },
};

/* Filesystems whose files get their SELinux label from the policy (genfs)
 * or from the host (cgroup): a context= option is refused or meaningless,
 * as runc and crun leave it off these. */
static const char *const unlabeled_types[] = { "proc", "sysfs", "cgroup", "cgroup2", "mqueue" };

/* m->data with linux.mountLabel appended as context="..." when SELinux
 * labels this mount; *out is NULL when the data stays as it is. */
static int labeled_data(const struct mount_ctx *ctx, const struct berth_mount *m, const char *type,
                        char **out, struct berth_error *err)
{
        *out = NULL;
        if (!ctx->mount_label)
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(unlabeled_types); i++)
                if (strcmp(type, unlabeled_types[i]) == 0)
                        return 0;
        /* quoted: an MLS label has commas ("s0:c1,c2") */
        if (asprintf(out, "%s%scontext=\"%s\"", m->data ? m->data : "",
                     m->data && *m->data ? "," : "", ctx->mount_label) < 0) {
                *out = NULL;
                return berth_error_set(err, ENOMEM, "mount %s", m->destination);
        }
        return 0;
}

static int mount_fs(const struct mount_ctx *ctx, const struct berth_mount *m, const char *rel,
                    const char *type, unsigned long flags, struct berth_error *err)
{
        _cleanup_close_ int fd = target_open(ctx->rootfd, rel, TARGET_DIR, err);
        if (fd < 0)
                return berth_error_prefix(err, "mount %s", m->destination);
        _cleanup_free_ char *labeled = NULL;
        if (labeled_data(ctx, m, type, &labeled, err) < 0)
                return -err->code;
        char buf[FD_PATH_MAX];
        const char *src = m->source ? m->source : type;
        if (mount(src, fd_path(fd, buf), type, flags, labeled ? labeled : m->data) == 0)
                return 0;
        int e = errno;
        if (e == EPERM && ctx->userns)
                for (size_t i = 0; i < ARRAY_SIZE(userns_fallbacks); i++)
                        if (strcmp(type, userns_fallbacks[i].type) == 0)
                                return rbind_host(ctx, m, rel, userns_fallbacks[i].host, flags,
                                                  err);
        return berth_error_set(err, e, "mount %s (%s)", m->destination, type);
}

static int mount_cgroup(const struct mount_ctx *ctx, const struct berth_mount *m, const char *rel,
                        unsigned long flags, struct berth_error *err)
{
        struct statfs sfs;
        if (statfs("/sys/fs/cgroup", &sfs) < 0)
                return berth_error_set(err, errno, "mount %s (cgroup): statfs /sys/fs/cgroup",
                                       m->destination);
        if (sfs.f_type == CGROUP2_SUPER_MAGIC)
                return mount_fs(ctx, m, rel, "cgroup2", flags, err);
        return mount_cgroup_v1(ctx, m, rel, flags, err);
}

static int mount_one(const struct mount_ctx *ctx, const struct berth_mount *m, const char *rel,
                     struct berth_error *err)
{
        bool bind = m->bind || streq(m->type, "bind") || streq(m->type, "rbind");
        bool recursive = m->recursive || streq(m->type, "rbind");
        /* MS_BIND/MS_REC and propagation are applied by their own calls. */
        unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MNT_PROPAGATION_FLAGS);
        int r;
        if (m->idmap)
                r = mount_idmapped(ctx, m, rel, flags, err);
        else if (bind)
                r = mount_bind(ctx, m, rel, flags, recursive, err);
        else if (!m->type)
                return berth_error_setx(err, EINVAL, "mount %s: no type and not a bind mount",
                                        m->destination);
        else if (strcmp(m->type, "cgroup") == 0)
                r = mount_cgroup(ctx, m, rel, flags, err);
        else
                r = mount_fs(ctx, m, rel, m->type, flags, err);
        if (r < 0 || !(m->propagation & MNT_PROPAGATION_FLAGS))
                return r;

        _cleanup_close_ int top = reopen_target(ctx, m, rel, err);
        if (top < 0)
                return top;
        char buf[FD_PATH_MAX];
        if (mount(NULL, fd_path(top, buf), NULL, m->propagation & (MNT_PROPAGATION_FLAGS | MS_REC),
                  NULL) < 0)
                return berth_error_set(err, errno, "mount %s: set propagation", m->destination);
        return 0;
}

static void umask_restore(mode_t *m)
{
        umask(*m);
}

int rootfs_prepare(const struct berth_spec *spec, struct berth_error *err)
{
        return rootfs_prepare_with(spec, NULL, NULL, err);
}

int rootfs_prepare_with(const struct berth_spec *spec, const struct idmap_trees *trees,
                        const struct berth_cgroup *cg, struct berth_error *err)
{
        if (!spec->root_path)
                return berth_error_setx(err, EINVAL, "root.path is not set");
        const char *root = spec->root_path;
        unsigned long prop;
        int r = rootfs_propagation_flags(spec, &prop, err);
        if (r < 0)
                return r;
        /* An unbindable rootfs could not be bound onto itself: rslave until
         * rootfs_pivot applies "unbindable" to the new /. */
        if (prop == MS_UNBINDABLE)
                prop = MS_SLAVE;
        /* First of all, so that nothing below reaches the host. */
        if (mount(NULL, "/", NULL, MS_REC | prop, NULL) < 0)
                return berth_error_set(err, errno, "set the propagation of / (%s)",
                                       spec->rootfs_propagation ? spec->rootfs_propagation
                                                                : "rslave");
        if (prop == MS_SHARED) {
                r = make_parent_private(root, err);
                if (r < 0)
                        return r;
        }
        /* pivot_root needs the new root to be a mount point. */
        if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
                return berth_error_set(err, errno, "bind the rootfs %s onto itself", root);

        /* Opened after the bind, so that it is the bind mount we resolve
         * in and mount under, not the directory it covers. */
        _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berth_error_set(err, errno, "open the rootfs %s", root);
        struct mount_ctx ctx = {
                .spec = spec,
                .rootfd = rootfd,
                .userns = mount_in_userns(spec),
                .mount_label = process_mount_label(spec),
                .idmap_trees = trees,
                .cg = cg,
        };
        /* Modes below are the ones asked for, not the caller's umask's. */
        __attribute__((cleanup(umask_restore))) mode_t old_umask = umask(0);

        bool dev_tmpfs = false;
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct berth_mount *m = &spec->mounts[i];
                if (!m->destination)
                        return berth_error_setx(err, EINVAL, "mounts[%zu]: no destination", i);
                _cleanup_free_ char *rel = NULL;
                r = path_clean(m->destination, &rel, err);
                if (r < 0)
                        return r;
                r = mount_one(&ctx, m, rel, err);
                if (r < 0)
                        return r;
                /* Default nodes go only into a /dev we made: a bind of
                 * the host's /dev must be left as it is. */
                if (strcmp(rel, "dev") == 0)
                        dev_tmpfs = !m->bind && streq(m->type, "tmpfs");
        }
        r = dev_spec_setup(&ctx, err);
        if (r < 0)
                return r;
        if (dev_tmpfs)
                return dev_default_setup(&ctx, err);
        return 0;
}
