/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Path resolution inside a container rootfs. The rootfs is data the
 * container's author controls: any component may be a symlink aimed at the
 * host. So every path is walked by the kernel with RESOLVE_IN_ROOT (a
 * symlink or ".." cannot climb above the rootfs) and RESOLVE_NO_MAGICLINKS
 * (no /proc/.../fd jumps), directories are created with mkdirat() relative
 * to an fd obtained that way, and a mount target is used through its fd. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount-internal.h"
#include "util.h"

bool mount_in_userns(const struct berth_spec *spec)
{
        for (size_t i = 0; i < spec->n_namespaces; i++)
                if (spec->namespaces[i].type == BERTH_NS_USER)
                        return true;
        return false;
}

int path_clean(const char *path, char **out, struct berth_error *err)
{
        size_t len = strlen(path);
        _cleanup_free_ char *buf = malloc(len + 1);
        if (!buf)
                return berth_error_set(err, ENOMEM, "path %s", path);
        size_t n = 0;
        const char *p = path;
        while (*p) {
                while (*p == '/')
                        p++;
                const char *end = strchrnul(p, '/');
                size_t clen = (size_t)(end - p);
                if (clen == 0 || (clen == 1 && p[0] == '.')) {
                        /* nothing */
                } else if (clen == 2 && p[0] == '.' && p[1] == '.') {
                        while (n > 0 && buf[n - 1] != '/')
                                n--;
                        if (n > 0)
                                n--; /* the '/' before the dropped component */
                } else {
                        if (n > 0)
                                buf[n++] = '/';
                        memcpy(buf + n, p, clen);
                        n += clen;
                }
                p = end;
        }
        buf[n] = '\0';
        *out = TAKE_PTR(buf);
        return 0;
}

int open_in_root(int rootfd, const char *rel, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        if (*rel == '\0')
                rel = ".";
        /* EAGAIN: a concurrent rename or mount made the ".." check unsure;
         * the kernel asks to retry. */
        for (int i = 0; i < 16; i++) {
                long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
                if (fd >= 0)
                        return (int)fd;
                if (errno != EAGAIN)
                        return -errno;
        }
        return -EAGAIN;
}

static int open_dir(int rootfd, const char *rel)
{
        return open_in_root(rootfd, rel, O_PATH | O_DIRECTORY);
}

int mkdir_in_root(int rootfd, const char *rel, struct berth_error *err)
{
        int fd = open_dir(rootfd, rel);
        if (fd >= 0)
                return fd;
        if (fd != -ENOENT)
                return berth_error_set(err, -fd, "open /%s", rel);

        _cleanup_free_ char *buf = strdup(rel);
        if (!buf)
                return berth_error_set(err, ENOMEM, "open /%s", rel);
        _cleanup_close_ int parent = open_dir(rootfd, "");
        if (parent < 0)
                return berth_error_set(err, -parent, "open the rootfs");
        /* Walk prefix by prefix; buf holds the prefix, p its last name. */
        char *p = buf;
        for (;;) {
                char *slash = strchr(p, '/');
                if (slash)
                        *slash = '\0';
                fd = open_dir(rootfd, buf);
                if (fd == -ENOENT) {
                        /* parent was resolved inside the root and p is one
                         * plain name, so this cannot create outside it. */
                        if (mkdirat(parent, p, 0755) < 0 && errno != EEXIST)
                                return berth_error_set(err, errno, "mkdir /%s", buf);
                        fd = open_dir(rootfd, buf);
                        /* It exists but does not resolve: a symlink aimed
                         * at a path that is not there (inside the rootfs). */
                        if (fd == -ENOENT)
                                return berth_error_setx(err, ENOENT,
                                                        "/%s is a symlink to a missing path "
                                                        "(symlinks are resolved inside the rootfs)",
                                                        buf);
                }
                if (fd < 0)
                        return berth_error_set(err, -fd, "open /%s", buf);
                close(parent);
                parent = fd;
                if (!slash)
                        break;
                *slash = '/';
                p = slash + 1;
        }
        return TAKE_FD(parent);
}

int parent_in_root(int rootfd, const char *rel, const char **name, struct berth_error *err)
{
        const char *slash = strrchr(rel, '/');
        if (!slash) {
                *name = rel;
                return mkdir_in_root(rootfd, "", err);
        }
        _cleanup_free_ char *dir = strndup(rel, (size_t)(slash - rel));
        if (!dir)
                return berth_error_set(err, ENOMEM, "open /%s", rel);
        *name = slash + 1;
        return mkdir_in_root(rootfd, dir, err);
}

static int target_create(int rootfd, const char *rel, enum target_kind kind,
                         struct berth_error *err)
{
        const char *name;
        _cleanup_close_ int parent = parent_in_root(rootfd, rel, &name, err);
        if (parent < 0)
                return parent;
        if (kind == TARGET_DIR) {
                if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
                        return berth_error_set(err, errno, "mkdir /%s", rel);
                return 0;
        }
        /* O_EXCL also refuses a symlink in the way instead of following it. */
        int fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
                return berth_error_set(err, errno, "create /%s", rel);
        if (fd >= 0)
                close(fd);
        return 0;
}

int target_open(int rootfd, const char *rel, enum target_kind kind, struct berth_error *err)
{
        if (*rel == '\0')
                return berth_error_setx(err, EINVAL,
                                        "cannot mount over the container's root directory");
        int fd = open_in_root(rootfd, rel, O_PATH | O_NOFOLLOW);
        if (fd == -ENOENT) {
                int r = target_create(rootfd, rel, kind, err);
                if (r < 0)
                        return r;
                fd = open_in_root(rootfd, rel, O_PATH | O_NOFOLLOW);
        }
        if (fd < 0)
                return berth_error_set(err, -fd, "open /%s", rel);
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                close(fd);
                return berth_error_set(err, e, "stat /%s", rel);
        }
        /* Refused rather than followed: the OCI spec has no use for a
         * symlink as a mount point, and an image that has one is either
         * broken or aiming the mount somewhere else. */
        if (S_ISLNK(st.st_mode)) {
                close(fd);
                return berth_error_setx(err, ELOOP, "target is a symlink");
        }
        return fd;
}

/* statvfs ST_* bits and the MS_* flag each one stands for. */
static const struct {
        unsigned long st, ms;
} st_to_ms[] = {
        { ST_RDONLY, MS_RDONLY },     { ST_NOSUID, MS_NOSUID },   { ST_NODEV, MS_NODEV },
        { ST_NOEXEC, MS_NOEXEC },     { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME },
        { ST_RELATIME, MS_RELATIME },
};

int mount_flags_of(int fd, unsigned long *flags)
{
        struct statvfs sv;
        if (fstatvfs(fd, &sv) < 0)
                return -errno;
        *flags = 0;
        for (size_t i = 0; i < ARRAY_SIZE(st_to_ms); i++)
                if (sv.f_flag & st_to_ms[i].st)
                        *flags |= st_to_ms[i].ms;
        return 0;
}

int bind_remount(int fd, const char *path, unsigned long flags, unsigned long clear,
                 struct berth_error *err)
{
        unsigned long cur;
        int r = mount_flags_of(fd, &cur);
        if (r < 0)
                return berth_error_set(err, -r, "statvfs");
        unsigned long keep = cur & ~clear;
        /* An explicit atime option replaces the mount's atime mode; with
         * none, the kernel keeps it as it is. */
        if (flags & MNT_ATIME_FLAGS)
                keep &= ~MNT_ATIME_FLAGS;
        char buf[FD_PATH_MAX];
        if (!path)
                path = fd_path(fd, buf);
        unsigned long all = MS_BIND | MS_REMOUNT | ((flags | keep) & MNT_PER_MOUNT_FLAGS);
        if (mount(NULL, path, NULL, all, NULL) < 0)
                return berth_error_set(err, errno, "remount");
        return 0;
}
