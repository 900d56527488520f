/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Idmapped mounts; see mount-idmap.h for who does what and why. */
#include "mount-idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount-internal.h"
#include "ns.h"
#include "sync.h"
#include "util.h"

/* ---- the runtime's side. Which process: the runtime, in the host's
 * namespaces, as root; the init waits for its trees right after GO. */

/* A user namespace that exists only to carry a mount's own mappings:
 * a child born into it waits on a pipe while we write its maps and open
 * it; closing the pipe ends it. The idmapped mount keeps the mapping. */
static int throwaway_userns(const struct berth_mount *m, struct berth_error *err)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return berth_error_set(err, errno, "mount %s: pipe", m->destination);
        /* fork-like: no stack of its own, and the child only makes
         * system calls before _exit */
        pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
        if (pid == 0) {
                char c;
                close(pfd[1]);
                while (read(pfd[0], &c, 1) < 0 && errno == EINTR)
                        ;
                _exit(0);
        }
        close(pfd[0]);
        if (pid < 0) {
                int e = errno;
                close(pfd[1]);
                return berth_error_set(err, e, "mount %s: create a user namespace for its mappings",
                                       m->destination);
        }
        static const char *const files[] = { "uid_map", "gid_map" };
        const struct berth_idmap *maps[] = { m->uid_mappings, m->gid_mappings };
        const size_t n[] = { m->n_uid_mappings, m->n_gid_mappings };
        int r = 0;
        for (int i = 0; r == 0 && i < 2; i++) {
                _cleanup_free_ char *text = ns_format_idmap(maps[i], n[i]);
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[i]);
                r = text ? write_file_at(AT_FDCWD, path, text) : -ENOMEM;
                if (r < 0)
                        berth_error_set(err, -r, "mount %s: write the %s of its mappings",
                                        m->destination, files[i]);
        }
        int fd = -1;
        if (r == 0) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        r = berth_error_set(err, errno, "mount %s: open %s", m->destination, path);
        }
        close(pfd[1]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return r < 0 ? r : fd;
}

/* The container's own user namespace: joined by path, or the init's. */
static int container_userns(const struct berth_spec *spec, pid_t init, struct berth_error *err)
{
        const struct berth_namespace *ns = spec_namespace(spec, BERTH_NS_USER);
        char buf[64];
        const char *path = ns && ns->path ? ns->path : buf;
        snprintf(buf, sizeof(buf), "/proc/%d/ns/user", (int)init);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set(err, errno, "open the container's user namespace %s", path);
        return fd;
}

static const char *idmap_hint(int e)
{
        switch (e) {
        case EINVAL:
                return " (the source's filesystem cannot be idmapped, or a mount of an rbind "
                       "with ridmap cannot)";
        case EPERM:
                return " (idmapped mounts need a runtime privileged over the source's "
                       "filesystem: root)";
        case ENOSYS:
                return " (idmapped mounts need Linux 5.12)";
        default:
                return "";
        }
}

/* A detached clone of the mount's source with the idmapping of userns. */
static int idmapped_tree(const struct berth_spec *spec, const struct berth_mount *m, int userns,
                         struct berth_error *err)
{
        if (!m->source)
                return berth_error_setx(err, EINVAL, "mount %s (bind): no source", m->destination);
        /* a relative source is relative to the bundle, as for any bind */
        _cleanup_free_ char *joined = NULL;
        const char *src = m->source;
        if (src[0] != '/') {
                if (asprintf(&joined, "%s/%s", spec->bundle ? spec->bundle : ".", src) < 0)
                        return berth_error_set(err, ENOMEM, "mount %s", m->destination);
                src = joined;
        }
        _cleanup_close_ int tree =
                open_tree(AT_FDCWD, src,
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m->recursive ? AT_RECURSIVE : 0));
        if (tree < 0) {
                int e = errno;
                return berth_error_setx(err, e, "mount %s: clone %s for an idmapped bind: %s%s",
                                        m->destination, src, strerror(e),
                                        e == EPERM ? idmap_hint(e) : "");
        }
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
        unsigned flags = AT_EMPTY_PATH | (m->idmap_recursive ? AT_RECURSIVE : 0);
        if (mount_setattr(tree, "", flags, &attr, sizeof(attr)) < 0) {
                int e = errno;
                return berth_error_setx(err, e, "mount %s: idmap the bind of %s: %s%s",
                                        m->destination, src, strerror(e), idmap_hint(e));
        }
        return TAKE_FD(tree);
}

int idmap_trees_send(const struct berth_spec *spec, pid_t init, int sync_fd,
                     struct berth_error *err)
{
        _cleanup_close_ int own = -1;
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct berth_mount *m = &spec->mounts[i];
                if (!m->idmap)
                        continue;
                /* said before the kernel says EPERM, and before a throwaway
                 * namespace would need newuidmap */
                if (geteuid() != 0)
                        return berth_error_setx(err, EPERM,
                                                "mount %s: idmapped mounts need a runtime "
                                                "running as root: the kernel idmaps a mount only "
                                                "for who is privileged over its filesystem",
                                                m->destination);
                _cleanup_close_ int throwaway = -1;
                int userns;
                if (m->n_uid_mappings > 0) {
                        userns = throwaway = throwaway_userns(m, err);
                } else {
                        if (own < 0)
                                own = container_userns(spec, init, err);
                        userns = own;
                }
                if (userns < 0)
                        return userns;
                _cleanup_close_ int tree = idmapped_tree(spec, m, userns, err);
                if (tree < 0)
                        return tree;
                /* #1 (idmap) one tree per idmapped mount, in the spec's order */
                int r = sync_send(sync_fd, SYNC_MOUNT_TREE, tree, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the init's side. Which process: the init, in its namespaces, root
 * of its user namespace, before its mounts. */

int idmap_trees_receive(const struct berth_spec *spec, int sync_fd, struct idmap_trees *trees,
                        struct berth_error *err)
{
        trees->fd = NULL;
        trees->n = 0;
        for (size_t i = 0; i < spec->n_mounts; i++) {
                if (!spec->mounts[i].idmap)
                        continue;
                if (!trees->fd) {
                        trees->fd = malloc(spec->n_mounts * sizeof(int));
                        if (!trees->fd)
                                return berth_error_set(err, ENOMEM, "receive idmapped mounts");
                        trees->n = spec->n_mounts;
                        for (size_t k = 0; k < trees->n; k++)
                                trees->fd[k] = -1;
                }
                /* #1 (idmap) */
                int r = sync_expect(sync_fd, SYNC_MOUNT_TREE, &trees->fd[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

void idmap_trees_release(struct idmap_trees *trees)
{
        for (size_t i = 0; trees->fd && i < trees->n; i++)
                if (trees->fd[i] >= 0)
                        close(trees->fd[i]);
        free(trees->fd);
        trees->fd = NULL;
        trees->n = 0;
}

int mount_idmapped(const struct mount_ctx *ctx, const struct berth_mount *m, const char *rel,
                   unsigned long flags, struct berth_error *err)
{
        size_t i = (size_t)(m - ctx->spec->mounts);
        const struct idmap_trees *t = ctx->idmap_trees;
        int tree = t && t->fd && i < t->n ? t->fd[i] : -1;
        if (tree < 0)
                return berth_error_setx(err, EINVAL,
                                        "mount %s: idmapped, but the runtime made no tree for it",
                                        m->destination);
        struct stat st;
        if (fstat(tree, &st) < 0)
                return berth_error_set(err, errno, "mount %s: stat its idmapped tree",
                                       m->destination);
        _cleanup_close_ int fd =
                target_open(ctx->rootfd, rel, S_ISDIR(st.st_mode) ? TARGET_DIR : TARGET_FILE, err);
        if (fd < 0)
                return berth_error_prefix(err, "mount %s", m->destination);
        if (move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return berth_error_set(err, errno, "mount %s: attach the idmapped bind of %s",
                                       m->destination, m->source);
        /* ro, nosuid, ... as on any bind: a remount of the new top */
        if (!(flags & MNT_PER_MOUNT_FLAGS))
                return 0;
        _cleanup_close_ int top = open_in_root(ctx->rootfd, rel, O_PATH | O_NOFOLLOW);
        if (top < 0)
                return berth_error_set(err, -top, "mount %s: reopen", m->destination);
        if (bind_remount(top, NULL, flags, m->clear, err) < 0)
                return berth_error_prefix(err, "mount %s (idmapped bind of %s)", m->destination,
                                          m->source);
        return 0;
}
