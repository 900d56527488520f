/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rootfs_pivot: enter the prepared rootfs, then masked paths, readonly
 * paths, read-only root and rootfsPropagation.
 *
 * Process: the container's init, after the createContainer hooks.
 * Namespaces: as in mount.c. After the pivot the host's tree is gone and
 * /proc is the container's own (pid 1 is us), so /proc/self/fd/N still
 * names our fds when the spec mounts a /proc. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount-internal.h"
#include "mount.h"

/* cwd is the new root; oldroot is an fd of the current root. */
static int pivot(const char *root, int oldroot, struct berth_error *err)
{
        /* pivot_root(".", "."): the old root ends up stacked on the new one,
         * with no put_old directory needed inside the rootfs. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return berth_error_set(err, errno, "pivot_root to %s", root);
        /* Slave first: detaching a shared old root would unmount in the
         * host's namespace too. Only the old root's tree: mount(MS_SLAVE)
         * on "." would also turn the container's own shared mounts (a
         * "shared" mount option) into slaves. */
        struct mount_attr ma = { .propagation = MS_SLAVE };
        if (mount_setattr(oldroot, "", AT_EMPTY_PATH | AT_RECURSIVE, &ma, sizeof(ma)) < 0) {
                if (errno != ENOSYS)
                        return berth_error_set(err, errno, "make the old root rslave");
                /* before Linux 5.12: the whole tree, container included */
                if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                        return berth_error_set(err, errno, "make the old root rslave");
        }
        if (umount2(".", MNT_DETACH) < 0)
                return berth_error_set(err, errno, "detach the old root");
        return 0;
}

/* cwd is the new root. The old root stays underneath: only for --no-pivot
 * and for an initramfs root, which pivot_root cannot leave. */
static int move_root(const char *root, struct berth_error *err)
{
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
                return berth_error_set(err, errno, "move the rootfs %s onto /", root);
        if (chroot(".") < 0)
                return berth_error_set(err, errno, "chroot to %s", root);
        return 0;
}

/* pivot_root says EINVAL when / is the namespace's first mount: the
 * initramfs (a ramfs or tmpfs). Any other EINVAL is a real error and must
 * not quietly turn into a chroot. */
static bool root_is_initramfs(void)
{
        struct statfs sfs;
        if (statfs("/", &sfs) < 0)
                return false;
        return sfs.f_type == RAMFS_MAGIC || sfs.f_type == TMPFS_MAGIC;
}

/* mount(2) through /proc/self/fd/N needs a /proc: say so when there is none. */
static int mount_fail(int e, const char *what, const char *path, struct berth_error *err)
{
        if (e == ENOENT && access("/proc/self/fd", F_OK) < 0)
                return berth_error_setx(
                        err, e, "%s %s: the container has no /proc (needed to mount through fds)",
                        what, path);
        return berth_error_set(err, e, "%s %s", what, path);
}

/* The container's /dev/null, checked to be the null device: the rootfs
 * could offer a file there whose contents would show through the mask. */
static int open_null(int rootfd, struct berth_error *err)
{
        int fd = open_in_root(rootfd, "dev/null", O_PATH | O_NOFOLLOW);
        if (fd < 0)
                return berth_error_set(err, -fd, "open /dev/null");
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
                close(fd);
                return berth_error_setx(
                        err, ENODEV,
                        "/dev/null of the container is not the null device (char 1:3)");
        }
        return fd;
}

/* Open a masked or readonly path; 0 with *fd < 0 when it does not exist.
 * A final symlink is followed, but only inside the root. */
static int open_existing(int rootfd, const char *path, const char *what, char **rel, int *fd,
                         struct berth_error *err)
{
        *fd = -EBADF;
        int r = path_clean(path, rel, err);
        if (r < 0)
                return r;
        if (**rel == '\0')
                return berth_error_setx(err, EINVAL, "%s /: not allowed on the root", what);
        r = open_in_root(rootfd, *rel, O_PATH);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return berth_error_set(err, -r, "%s %s", what, path);
        *fd = r;
        return 0;
}

static int mask_paths(const struct mount_ctx *ctx, struct berth_error *err)
{
        _cleanup_close_ int null = -EBADF;
        for (char **p = ctx->spec->masked_paths; p && *p; p++) {
                _cleanup_free_ char *rel = NULL;
                _cleanup_close_ int fd = -EBADF;
                int r = open_existing(ctx->rootfd, *p, "mask", &rel, &fd, err);
                if (r < 0)
                        return r;
                if (fd < 0)
                        continue;
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return berth_error_set(err, errno, "mask %s", *p);
                char dst[FD_PATH_MAX], src[FD_PATH_MAX];
                if (S_ISDIR(st.st_mode)) {
                        /* an empty read-only tmpfs hides the directory */
                        if (mount("tmpfs", fd_path(fd, dst), "tmpfs",
                                  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                                return mount_fail(errno, "mask", *p, err);
                        continue;
                }
                if (null < 0) {
                        null = open_null(ctx->rootfd, err);
                        if (null < 0)
                                return berth_error_prefix(err, "mask %s", *p);
                }
                if (mount(fd_path(null, src), fd_path(fd, dst), NULL, MS_BIND, NULL) < 0)
                        return mount_fail(errno, "mask", *p, err);
        }
        return 0;
}

static int readonly_paths(const struct mount_ctx *ctx, struct berth_error *err)
{
        for (char **p = ctx->spec->readonly_paths; p && *p; p++) {
                _cleanup_free_ char *rel = NULL;
                _cleanup_close_ int fd = -EBADF;
                int r = open_existing(ctx->rootfd, *p, "readonly path", &rel, &fd, err);
                if (r < 0)
                        return r;
                if (fd < 0)
                        continue;
                char buf[FD_PATH_MAX];
                if (mount(fd_path(fd, buf), buf, NULL, MS_BIND | MS_REC, NULL) < 0)
                        return mount_fail(errno, "readonly path", *p, err);
                /* the fd still names the covered path: reopen for the top */
                _cleanup_close_ int top = open_in_root(ctx->rootfd, rel, O_PATH);
                if (top < 0)
                        return berth_error_set(err, -top, "readonly path %s: reopen", *p);
                if (bind_remount(top, NULL, MS_RDONLY, 0, err) < 0)
                        return berth_error_prefix(err, "readonly path %s", *p);
        }
        return 0;
}

int rootfs_enter(const struct berth_spec *spec, bool no_pivot, struct berth_error *err)
{
        if (!spec->root_path)
                return berth_error_setx(err, EINVAL, "root.path is not set");
        _cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (oldroot < 0)
                return berth_error_set(err, errno, "open /");
        {
                /* the rootfs bind mount made by rootfs_prepare */
                _cleanup_close_ int newroot =
                        open(spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (newroot < 0)
                        return berth_error_set(err, errno, "open the rootfs %s", spec->root_path);
                if (fchdir(newroot) < 0)
                        return berth_error_set(err, errno, "chdir to the rootfs %s",
                                               spec->root_path);
        }
        int r;
        if (no_pivot) {
                r = move_root(spec->root_path, err);
        } else {
                r = pivot(spec->root_path, oldroot, err);
                if (r == -EINVAL && root_is_initramfs()) {
                        berth_error_clear(err);
                        r = move_root(spec->root_path, err);
                }
        }
        if (r < 0)
                return r;
        /* oldroot is closed on return: no fd may keep the host's tree
         * reachable once the user's process runs. */
        if (chdir("/") < 0)
                return berth_error_set(err, errno, "chdir /");
        return 0;
}

int rootfs_finalize(const struct berth_spec *spec, struct berth_error *err)
{
        unsigned long prop;
        int r = rootfs_propagation_flags(spec, &prop, err);
        if (r < 0)
                return r;
        _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berth_error_set(err, errno, "open /");
        struct mount_ctx ctx = {
                .spec = spec,
                .rootfd = rootfd,
                .userns = mount_in_userns(spec),
        };
        r = mask_paths(&ctx, err);
        if (r < 0)
                return r;
        r = readonly_paths(&ctx, err);
        if (r < 0)
                return r;
        if (spec->root_readonly && bind_remount(rootfd, "/", MS_RDONLY, 0, err) < 0)
                return berth_error_prefix(err, "make the root read-only");
        if (spec->rootfs_propagation && mount(NULL, "/", NULL, MS_REC | prop, NULL) < 0)
                return berth_error_set(err, errno, "set the propagation of / to %s",
                                       spec->rootfs_propagation);
        if (chdir("/") < 0)
                return berth_error_set(err, errno, "chdir /");
        return 0;
}

int rootfs_pivot(const struct berth_spec *spec, bool no_pivot, struct berth_error *err)
{
        unsigned long prop;
        int r = rootfs_propagation_flags(spec, &prop, err);
        if (r < 0)
                return r;
        r = rootfs_enter(spec, no_pivot, err);
        if (r < 0)
                return r;
        return rootfs_finalize(spec, err);
}
