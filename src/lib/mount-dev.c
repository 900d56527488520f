/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device nodes of the container: the default set of a tmpfs /dev and the
 * spec's linux.devices. Same process and namespaces as mount.c (before
 * pivot_root, umask 0). In a user namespace mknod is refused for char and
 * block devices, so the host's node is bound onto an empty file instead. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount-internal.h"
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

int dev_default_setup(const struct mount_ctx *ctx, struct berth_error *err)
{
        for (size_t i = 0; i < ARRAY_SIZE(default_nodes); i++) {
                struct node n = {
                        .path = default_nodes[i].path,
                        .type = S_IFCHR,
                        .rdev = makedev(default_nodes[i].major, default_nodes[i].minor),
                        .perm = 0666,
                };
                int r = node_make(ctx, &n, err);
                if (r < 0)
                        return r;
        }
        _cleanup_close_ int dev = open_in_root(ctx->rootfd, "dev", O_PATH | O_DIRECTORY);
        if (dev < 0)
                return berth_error_set(err, -dev, "open /dev");
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
