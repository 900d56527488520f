/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's filesystem. Runs in the init, in its new mount namespace,
 * as root of its user namespace, before the user's program. Every target
 * inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT) and mounted
 * through /proc/self/fd/N of the opened target, never through a path the
 * container could swap for a symlink. */
#pragma once
#include <stdbool.h>

#include "spec.h"

/* Before createContainer hooks: propagation of /, the rootfs bind, every
 * spec mount in order, /dev (default nodes, pts, shm, fd links),
 * linux.devices. */
int rootfs_prepare(const struct berth_spec *spec, struct berth_error *err);
/* The same with the detached trees of the spec's idmapped mounts, which
 * the runtime made (mount-idmap.h; NULL when there are none), and the
 * runtime's handle of the container's cgroup (NULL: none, or unknown). */
struct idmap_trees;
struct berth_cgroup;
int rootfs_prepare_with(const struct berth_spec *spec, const struct idmap_trees *trees,
                        const struct berth_cgroup *cg, struct berth_error *err);
/* After the hooks: pivot_root into the rootfs (MS_MOVE + chroot when
 * no_pivot or the rootfs is on initramfs), then masked paths, readonly
 * paths, readonly root, rootfsPropagation. cwd is / of the container. */
int rootfs_pivot(const struct berth_spec *spec, bool no_pivot, struct berth_error *err);
/* rootfs_pivot in two steps, for a caller that has work between them:
 * sysctls are written through /proc/sys, which the default readonlyPaths
 * make read-only (runc writes them in between too).
 * rootfs_enter: pivot_root (or MS_MOVE + chroot); cwd is /. */
int rootfs_enter(const struct berth_spec *spec, bool no_pivot, struct berth_error *err);
/* rootfs_finalize: masked paths, readonly paths, readonly root,
 * rootfsPropagation; cwd is /. */
int rootfs_finalize(const struct berth_spec *spec, struct berth_error *err);

/* After rootfs_enter, for process.terminal: bind exactly the pty slave
 * `pty` onto /dev/console, which is opened without following symlinks
 * and must be an empty file or the console device (created as an empty
 * file when missing). */
int dev_console_bind(int pty, struct berth_error *err);
