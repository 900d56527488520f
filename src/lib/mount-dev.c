/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device nodes of the container: the default set of a tmpfs /dev and the
 * spec's linux.devices. Same process and namespaces as mount.c (before
 * pivot_root, umask 0). In a user namespace mknod is refused for char and
 * block devices, so the host's node is bound onto an empty file instead. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdlib.h>
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
#include "util.h"

struct node {
        const char *path; /* inside the container; the host's node has the same path */
        mode_t type;      /* S_IFCHR, S_IFBLK or S_IFIFO */
        dev_t rdev;
        mode_t perm;
        bool chown;
        uid_t uid;
        gid_t gid;
};

static const struct {
        const char *path;
        unsigned int major, minor;
} default_nodes[] = {
        { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
        { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const struct {
        const char *name;    /* in /dev */
        const char *target;  /* what the link says */
        const char *only_if; /* host path that must exist, or NULL */
} default_links[] = {
        { "fd", "/proc/self/fd", NULL },       { "stdin", "/proc/self/fd/0", NULL },
        { "stdout", "/proc/self/fd/1", NULL }, { "stderr", "/proc/self/fd/2", NULL },
        { "ptmx", "pts/ptmx", NULL },          { "core", "/proc/kcore", "/proc/kcore" },
};

static const struct {
        char spec;
        mode_t type;
} device_types[] = {
        { 'c', S_IFCHR },
        { 'u', S_IFCHR }, /* unbuffered char: a char device to the kernel */
        { 'b', S_IFBLK },
        { 'p', S_IFIFO },
};

static bool node_matches(const struct stat *st, const struct node *n)
{
        if ((st->st_mode & S_IFMT) != n->type)
                return false;
        return n->type == S_IFIFO || st->st_rdev == n->rdev;
}

/* The host's node of the same path, bound onto an empty file. */
static int node_bind(int parent, const char *name, const struct node *n, struct berth_error *err)
{
        struct stat st;
        if (stat(n->path, &st) < 0)
                return berth_error_set(
                        err, errno,
                        "device %s: cannot create it in a user namespace, and the host's", n->path);
        if (!node_matches(&st, n))
                return berth_error_setx(err, ENODEV,
                                        "device %s: the host's %s is not device %u:%u, so it "
                                        "cannot be bound in a user namespace",
                                        n->path, n->path, major(n->rdev), minor(n->rdev));
        int fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0)
                return berth_error_set(err, errno, "device %s: create the bind target", n->path);
        close(fd);
        _cleanup_close_ int target = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0)
                return berth_error_set(err, errno, "device %s: open the bind target", n->path);
        char buf[FD_PATH_MAX];
        if (mount(n->path, fd_path(target, buf), NULL, MS_BIND, NULL) < 0)
                return berth_error_set(err, errno, "device %s: bind the host's node", n->path);
        return 0;
}

/* n->path's node in `parent` (its directory, already resolved in the
 * rootfs), as `name`. */
static int node_make_at(const struct mount_ctx *ctx, int parent, const char *name,
                        const struct node *n, struct berth_error *err)
{
        struct stat st;
        if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                /* Already there: a spec device repeating a default one, or
                 * a spec mount that provides it. Anything else is a clash. */
                if (node_matches(&st, n))
                        return 0;
                return berth_error_setx(err, EEXIST,
                                        "device %s: the path exists and is not device %u:%u",
                                        n->path, major(n->rdev), minor(n->rdev));
        }
        if (errno != ENOENT)
                return berth_error_set(err, errno, "device %s", n->path);

        /* A fifo needs no privilege; a char/block device does. */
        if (!ctx->userns || n->type == S_IFIFO) {
                if (mknodat(parent, name, n->type | n->perm, n->rdev) == 0) {
                        if (n->chown &&
                            fchownat(parent, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
                                return berth_error_set(err, errno, "device %s: chown %u:%u",
                                                       n->path, n->uid, n->gid);
                        return 0;
                }
                if (errno != EPERM || n->type == S_IFIFO)
                        return berth_error_set(err, errno, "device %s: mknod", n->path);
        }
        return node_bind(parent, name, n, err);
}

static int node_make(const struct mount_ctx *ctx, const struct node *n, struct berth_error *err)
{
        _cleanup_free_ char *rel = NULL;
        int r = path_clean(n->path, &rel, err);
        if (r < 0)
                return r;
        if (*rel == '\0')
                return berth_error_setx(err, EINVAL, "device %s: not a file path", n->path);
        const char *name;
        _cleanup_close_ int parent = parent_in_root(ctx->rootfd, rel, &name, err);
        if (parent < 0)
                return berth_error_prefix(err, "device %s", n->path);
        return node_make_at(ctx, parent, name, n, err);
}

/* Only for a /dev that is our own tmpfs: resolved once, every default
 * node made in it directly. */
int dev_default_setup(const struct mount_ctx *ctx, struct berth_error *err)
{
        _cleanup_close_ int dev = open_in_root(ctx->rootfd, "dev", O_PATH | O_DIRECTORY);
        if (dev < 0)
                return berth_error_set(err, -dev, "open /dev");
        for (size_t i = 0; i < ARRAY_SIZE(default_nodes); i++) {
                struct node n = {
                        .path = default_nodes[i].path,
                        .type = S_IFCHR,
                        .rdev = makedev(default_nodes[i].major, default_nodes[i].minor),
                        .perm = 0666,
                };
                int r = node_make_at(ctx, dev, n.path + strlen("/dev/"), &n, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(default_links); i++) {
                if (default_links[i].only_if && access(default_links[i].only_if, F_OK) < 0)
                        continue;
                /* An existing entry came from a spec mount or device: keep it. */
                if (symlinkat(default_links[i].target, dev, default_links[i].name) < 0 &&
                    errno != EEXIST)
                        return berth_error_set(err, errno, "symlink /dev/%s -> %s",
                                               default_links[i].name, default_links[i].target);
        }
        return 0;
}

int dev_spec_setup(const struct mount_ctx *ctx, struct berth_error *err)
{
        for (size_t i = 0; i < ctx->spec->n_devices; i++) {
                const struct berth_device *d = &ctx->spec->devices[i];
                struct node n = {
                        .path = d->path,
                        .rdev = makedev((unsigned int)d->major, (unsigned int)d->minor),
                        /* the spec's default; only permission bits, the
                         * type comes from d->type */
                        .perm = d->file_mode.set ? (mode_t)(d->file_mode.v & 07777) : 0666,
                        .chown = d->uid.set || d->gid.set,
                        .uid = d->uid.set ? (uid_t)d->uid.v : 0,
                        .gid = d->gid.set ? (gid_t)d->gid.v : 0,
                };
                for (size_t j = 0; j < ARRAY_SIZE(device_types); j++)
                        if (device_types[j].spec == d->type)
                                n.type = device_types[j].type;
                if (!d->path || n.type == 0)
                        return berth_error_setx(err, EINVAL, "device %s: unknown type '%c'",
                                                d->path ? d->path : "(no path)", d->type);
                if (n.type == S_IFIFO)
                        n.rdev = 0;
                int r = node_make(ctx, &n, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ------------------------------------------------------------------ */
/* /dev/console of a container with a terminal. Process: the init after
 * pivot_root, so "/" is the container's root and nothing of the host is
 * in reach; but the rootfs is the image author's and other processes may
 * share this mount namespace, so /dev/console is opened without
 * following any symlink, checked, and the pty is bound onto that very
 * inode (CVE-2025-52565: a /dev/console swapped for a symlink made runc
 * bind the pty over, say, /proc/sys/kernel/core_pattern). */

#define UNIX98_PTY_SLAVE_MAJOR_ 136 /* pts/N: majors 136 to 143 */

/* openat2 beneath dirfd, following no symlink at all. */
static int open_nofollow(int dirfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
                .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH,
        };
        for (int i = 0; i < 16; i++) {
                long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
                if (fd >= 0)
                        return (int)fd;
                if (errno != EAGAIN)
                        return -errno;
        }
        return -EAGAIN;
}

/* What may be under the pty: an empty file (ours, or the image's
 * placeholder) or the console device node itself. */
static bool console_target_ok(const struct stat *st)
{
        if (S_ISREG(st->st_mode))
                return st->st_size == 0;
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(5, 1);
}

static int open_console_target(int dev, struct berth_error *err)
{
        int fd = open_nofollow(dev, "console", O_PATH);
        if (fd == -ENOENT) {
                /* O_EXCL: a symlink or anything else put there meanwhile
                 * makes this fail rather than be followed */
                fd = openat(dev, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            0600);
                if (fd < 0)
                        return berth_error_set(err, errno, "create /dev/console");
        }
        if (fd == -ELOOP)
                return berth_error_setx(err, ELOOP,
                                        "/dev/console is a symlink: refusing to "
                                        "bind the terminal over what it points to");
        if (fd < 0)
                return berth_error_set(err, -fd, "open /dev/console");
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                close(fd);
                return berth_error_set(err, e, "stat /dev/console");
        }
        if (!console_target_ok(&st)) {
                close(fd);
                return berth_error_setx(err, EEXIST,
                                        "/dev/console exists and is neither an empty file nor the "
                                        "console device (char 5:1): refusing to bind the "
                                        "terminal over it");
        }
        return fd;
}

/* Bind `from` onto `to`, both fds: open_tree + move_mount resolve no
 * path at all. Before Linux 5.2, mount(2) through /proc/self/fd/N of a
 * /proc verified to be procfs. */
static int bind_fds(int root, int from, int to, struct berth_error *err)
{
        _cleanup_close_ int tree =
                (int)open_tree(from, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (tree >= 0) {
                if (move_mount(tree, "", to, "",
                               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return berth_error_set(err, errno, "bind the terminal onto /dev/console");
                return 0;
        }
        if (errno != ENOSYS)
                return berth_error_set(err, errno, "bind the terminal onto /dev/console");
        _cleanup_close_ int proc = open_nofollow(root, "proc", O_PATH | O_DIRECTORY);
        struct statfs sfs;
        if (proc < 0 || fstatfs(proc, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
                return berth_error_setx(err, ENOENT,
                                        "bind the terminal onto /dev/console: the container has "
                                        "no procfs at /proc (needed to mount through fds)");
        char src[FD_PATH_MAX], dst[FD_PATH_MAX];
        if (mount(fd_path(from, src), fd_path(to, dst), NULL, MS_BIND, NULL) < 0)
                return berth_error_set(err, errno, "bind the terminal onto /dev/console");
        return 0;
}

int dev_console_bind(int pty, struct berth_error *err)
{
        struct stat pst;
        if (fstat(pty, &pst) < 0)
                return berth_error_set(err, errno, "stat the terminal");
        unsigned int maj = major(pst.st_rdev);
        if (!S_ISCHR(pst.st_mode) || maj < UNIX98_PTY_SLAVE_MAJOR_ ||
            maj >= UNIX98_PTY_SLAVE_MAJOR_ + 8)
                return berth_error_setx(err, ENOTTY, "the terminal is not a pty (%u:%u)", maj,
                                        minor(pst.st_rdev));
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return berth_error_set(err, errno, "open /");
        _cleanup_close_ int dev = open_nofollow(root, "dev", O_PATH | O_DIRECTORY);
        if (dev == -ELOOP)
                return berth_error_setx(err, ELOOP,
                                        "/dev of the container is a symlink: refusing "
                                        "to create /dev/console through it");
        if (dev < 0)
                return berth_error_set(err, -dev, "open /dev");
        _cleanup_close_ int target = open_console_target(dev, err);
        if (target < 0)
                return target;
        int r = bind_fds(root, pty, target, err);
        if (r < 0)
                return r;
        /* what the container now finds there is exactly our pty */
        _cleanup_close_ int check = open_nofollow(dev, "console", O_PATH);
        struct stat cst;
        if (check < 0 || fstat(check, &cst) < 0 || !S_ISCHR(cst.st_mode) ||
            cst.st_rdev != pst.st_rdev)
                return berth_error_setx(err, EIO,
                                        "/dev/console is not the container's pty after binding it");
        return 0;
}
