/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared pieces of the mount subsystem (mount.c, mount-path.c, mount-dev.c,
 * mount-pivot.c). Not an interface for anyone else. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/types.h>

#include "spec.h"

/* The flags MS_BIND|MS_REMOUNT can change on one mount. */
#define MNT_ATIME_FLAGS       (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)
#define MNT_PER_MOUNT_FLAGS   (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MNT_ATIME_FLAGS)
#define MNT_PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* "/proc/self/fd/N": mount(2) follows it to exactly the file the fd holds. */
#define FD_PATH_MAX 32
static inline const char *fd_path(int fd, char buf[static FD_PATH_MAX])
{
        snprintf(buf, FD_PATH_MAX, "/proc/self/fd/%d", fd);
        return buf;
}

struct idmap_trees;

/* What the mount code needs to know about the process it runs in. */
struct mount_ctx {
        const struct berth_spec *spec;
        int rootfd;  /* O_PATH of the rootfs bind mount (or of / after pivot) */
        bool userns; /* mknod and some fs types are refused: bind from the host */
        const char *mount_label; /* SELinux context="..." for new mounts, or NULL */
        const struct idmap_trees *idmap_trees; /* from the runtime (mount-idmap.h), or NULL */
        const struct berth_cgroup *cg; /* the runtime's handle of our cgroup, or NULL */
};

/* True when the init runs in a user namespace other than the host's
 * (the spec creates or joins one). */
bool mount_in_userns(const struct berth_spec *spec);
/* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE of linux.rootfsPropagation
 * (applied with MS_REC); MS_SLAVE when it is not set. */
int rootfs_propagation_flags(const struct berth_spec *spec, unsigned long *flags,
                             struct berth_error *err);

/* --- mount-path.c: safe resolution inside the rootfs --- */

/* A container path made relative and lexically clean: "/a/./b/../c//" ->
 * "a/c", "/" -> "". ".." stops at the root, as it does inside the rootfs. */
int path_clean(const char *path, char **out, struct berth_error *err);
/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) relative to rootfd; "" is
 * the root itself. Returns an fd or -errno (retries EAGAIN). */
int open_in_root(int rootfd, const char *rel, int flags);
/* mkdir -p of rel inside the root; returns an O_PATH fd of the directory.
 * A component that is a symlink to nowhere (inside the root) is an error,
 * never followed out of the rootfs. */
int mkdir_in_root(int rootfd, const char *rel, struct berth_error *err);
/* The parent directory of rel (created as needed) as an O_PATH fd; *name
 * points at the last component inside rel. rel must not be "". */
int parent_in_root(int rootfd, const char *rel, const char **name, struct berth_error *err);

enum target_kind {
        TARGET_DIR,
        TARGET_FILE,
};
/* Open a mount target (rel, cleaned) as O_PATH, creating it and its parents
 * as needed. A final component that is a symlink is refused ("target is a
 * symlink"): following it could place the mount anywhere. */
int target_open(int rootfd, const char *rel, enum target_kind kind, struct berth_error *err);

/* MS_RDONLY|MS_NOSUID|... of the mount that fd is on (fstatvfs). */
int mount_flags_of(int fd, unsigned long *flags);
/* Remount the bind mount at fd (path: NULL means fd_path(fd)) with flags,
 * keeping the mount's current per-mount flags that `clear` does not name:
 * in a user namespace, nosuid/nodev/noexec/atime/ro of the source are
 * locked and dropping them is EPERM. */
int bind_remount(int fd, const char *path, unsigned long flags, unsigned long clear,
                 struct berth_error *err);

/* --- mount-dev.c --- */

/* Default nodes and symlinks of a fresh tmpfs /dev (only when the spec's
 * mounts put a tmpfs at /dev). */
int dev_default_setup(const struct mount_ctx *ctx, struct berth_error *err);
/* linux.devices of the spec. */
int dev_spec_setup(const struct mount_ctx *ctx, struct berth_error *err);

/* --- mount-cgroup.c --- */

/* /sys/fs/cgroup on a v1 or hybrid host: a tmpfs with the container's own
 * cgroup of each hierarchy. */
int mount_cgroup_v1(const struct mount_ctx *ctx, const struct berth_mount *m, const char *rel,
                    unsigned long flags, struct berth_error *err);
