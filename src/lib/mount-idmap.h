/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Idmapped mounts (the idmap/ridmap options and mounts[].uidMappings).
 *
 * The kernel creates an idmapped mount only for a caller privileged over
 * the source's filesystem (CAP_SYS_ADMIN in the user namespace that owns
 * its superblock: the host's, for a host directory), and only on a
 * detached tree that was never visible. The init lives in the container's
 * user namespace from its birth, so it can do neither: the runtime clones
 * the source (open_tree), gives the clone its idmapping
 * (mount_setattr(MOUNT_ATTR_IDMAP)) and passes the fd to the init over the
 * sync socket; the init attaches it at the target (move_mount), which
 * only needs CAP_SYS_ADMIN over its own mount namespace. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

#include "spec.h"

struct mount_ctx;

/* The detached trees the init received: fd[i] for spec->mounts[i], -1 for
 * a mount that is not idmapped; fd is NULL when the spec has none. */
struct idmap_trees {
        int *fd;
        size_t n;
};

/* In the runtime, right after GO (so the init's maps are written): for
 * each idmapped mount in order, a detached idmapped clone of its source,
 * sent to the init with SYNC_MOUNT_TREE. The idmapping is the mount's own
 * mappings (in a throwaway user namespace made for them) or, without
 * any, the container's user namespace. Nothing is sent for a spec without
 * idmapped mounts. */
int idmap_trees_send(const struct berth_spec *spec, pid_t init, int sync_fd,
                     struct berth_error *err);
/* In the init, right after GO: the trees idmap_trees_send sent. */
int idmap_trees_receive(const struct berth_spec *spec, int sync_fd, struct idmap_trees *trees,
                        struct berth_error *err);
void idmap_trees_release(struct idmap_trees *trees);

/* In the init (rootfs_prepare): attach the mount's tree at rel inside the
 * rootfs, then apply its per-mount flags as a bind remount does. */
int mount_idmapped(const struct mount_ctx *ctx, const struct berth_mount *m, const char *rel,
                   unsigned long flags, struct berth_error *err);
