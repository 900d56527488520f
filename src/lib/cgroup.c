/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup interface: a handle that spans every hierarchy of the
 * detected layout, creation and removal of the container's directories,
 * and dispatch to the v1 or v2 backend. Nothing is cached between calls:
 * the layout and the mounts live in the handle.
 *
 * Which directories are ours: cgroup_create() knows exactly which levels
 * it made and removes only those when it fails. A later process (delete)
 * has only the path, so cgroup_destroy() removes the container's own
 * directory and then tries each parent named in the path, innermost
 * first, up to the hierarchy's root: a parent still used by another
 * container or by the system is not empty, rmdir says EBUSY/ENOTEMPTY and
 * we stop there. Slices ("*.slice") belong to systemd and are never
 * removed, and neither are the runtime's own parents (/berth, /berth-sys:
 * see cg_parent_kept). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-bpf.h"
#include "cgroup-internal.h"
#include "cleanup.h"
#include "util.h"

#define DESTROY_TIMEOUT_MS 5000

static void sleep_ms(unsigned ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

void cgroup_free(struct berth_cgroup *cg)
{
        if (cg == NULL)
                return;
        for (size_t i = 0; i < cg->n_h; i++) {
                if (cg->h[i].dirfd >= 0)
                        close(cg->h[i].dirfd);
                free(cg->h[i].mount);
        }
        free(cg->h);
        free(cg->path);
        free(cg);
}

static void cgroup_freep(struct berth_cgroup **cg)
{
        cgroup_free(*cg);
}
#define _cleanup_cgroup_ __attribute__((cleanup(cgroup_freep)))

static int add_hier(struct berth_cgroup *cg, const char *mount, uint32_t ctrls, bool unified,
                    struct berth_error *err)
{
        struct cg_hier *nh = realloc(cg->h, (cg->n_h + 1) * sizeof(*cg->h));
        if (nh == NULL)
                return berth_error_set(err, ENOMEM, "cgroup hierarchies");
        cg->h = nh;
        char *m = strdup(mount);
        if (m == NULL)
                return berth_error_set(err, ENOMEM, "cgroup hierarchies");
        cg->h[cg->n_h++] =
                (struct cg_hier){ .mount = m, .ctrls = ctrls, .unified = unified, .dirfd = -1 };
        return 0;
}

/* v1 and hybrid: every controller hierarchy in /proc/self/mountinfo
 * (co-mounted ones like cpu,cpuacct are one hierarchy), and the unified
 * one on a hybrid. */
static int discover(struct berth_cgroup *cg, struct berth_error *err)
{
        if (cg->layout == CGROUP_LAYOUT_V2)
                return add_hier(cg, CGROUP_MOUNT, 0, true, err);
        _cleanup_free_ char *text = NULL;
        int r = cg_read_at(AT_FDCWD, "/proc/self/mountinfo", &text);
        if (r < 0)
                return berth_error_set(err, -r, "read /proc/self/mountinfo");
        struct cg_mount *m = NULL;
        size_t n = 0;
        r = cg_parse_mountinfo(text, &m, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; r == 0 && i < n; i++)
                if (!m[i].unified)
                        r = add_hier(cg, m[i].mount, m[i].ctrls, false, err);
        cg_mounts_free(m, n);
        if (r < 0)
                return r;
        if (cg->n_h == 0)
                return berth_error_setx(err, ENOENT, "no cgroup v1 controller is mounted under %s",
                                        CGROUP_MOUNT);
        if (cg->layout == CGROUP_LAYOUT_HYBRID)
                return add_hier(cg, CGROUP_UNIFIED_MOUNT, 0, true, err);
        return 0;
}

static int cg_new(const char *path, struct berth_cgroup **out, struct berth_error *err)
{
        _cleanup_cgroup_ struct berth_cgroup *cg = calloc(1, sizeof(*cg));
        if (cg == NULL)
                return berth_error_set(err, ENOMEM, "cgroup %s", path);
        int r = cg_path_normalize(path, &cg->path, err);
        if (r < 0)
                return r;
        for (const char *p = cg->path; *p; p++)
                cg->depth += *p == '/';
        r = cgroup_detect(&cg->layout, err);
        if (r < 0)
                return r;
        cg->ops = cg->layout == CGROUP_LAYOUT_V2 ? &cgroup_v2_backend : &cgroup_v1_backend;
        r = discover(cg, err);
        if (r < 0) {
                berth_error_prefix(err, "cgroup %s", cg->path);
                return r;
        }
        *out = TAKE_PTR(cg);
        return 0;
}

/* The first `levels` components of the container's path, as a path
 * relative to the hierarchy's root ("berth/c1"). */
static void path_prefix(const struct berth_cgroup *cg, size_t levels, char *buf, size_t len)
{
        const char *p = cg->path;
        size_t k = 0;
        if (levels == 0) {
                snprintf(buf, len, "%s", "");
                return;
        }
        while (*p && k <= levels) {
                if (*p == '/')
                        k++;
                if (k > levels)
                        break;
                p++;
        }
        snprintf(buf, len, "%.*s", (int)(p - cg->path - 1), cg->path + 1);
}

/* The name of component i (0-based) of the container's path. */
static void component(const struct berth_cgroup *cg, size_t i, char *buf, size_t len)
{
        const char *p = cg->path;
        for (size_t k = 0; k <= i; k++)
                p = strchr(p, '/') + 1;
        snprintf(buf, len, "%.*s", (int)strcspn(p, "/"), p);
}

static int open_dirs(struct berth_cgroup *cg, struct berth_error *err)
{
        char dir[4096];
        for (size_t i = 0; i < cg->n_h; i++) {
                struct cg_hier *h = &cg->h[i];
                cg_dir_name(cg, h, dir, sizeof(dir));
                h->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (h->dirfd < 0 && errno != ENOENT)
                        return berth_error_set(err, errno, "open cgroup %s", dir);
        }
        return 0;
}

int cgroup_open(const char *path, struct berth_cgroup **out, struct berth_error *err)
{
        _cleanup_cgroup_ struct berth_cgroup *cg = NULL;
        int r = cg_new(path, &cg, err);
        if (r == 0)
                r = open_dirs(cg, err);
        if (r < 0)
                return r;
        *out = TAKE_PTR(cg);
        return 0;
}

/* mkdir -p of the container's path in h. Each level is handed to the
 * backend (cpuset copy-down, controller delegation) before the next one
 * is made; the levels we made are counted in h->created. */
static int mkdir_levels(struct berth_cgroup *cg, struct cg_hier *h, struct berth_error *err)
{
        char dir[4096], comp[256];
        _cleanup_close_ int parent = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0)
                return berth_error_set(err, errno, "open cgroup hierarchy %s", h->mount);
        for (size_t i = 0; i < cg->depth; i++) {
                bool leaf = i + 1 == cg->depth;
                component(cg, i, comp, sizeof(comp));
                path_prefix(cg, i + 1, dir, sizeof(dir));
                bool made = false;
                if (mkdirat(parent, comp, 0755) == 0) {
                        made = true;
                        if (h->created == 0)
                                h->created = cg->depth - i;
                } else if (errno != EEXIST) {
                        return berth_error_set(err, errno, "create cgroup %s/%s", h->mount, dir);
                }
                int fd = openat(parent, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        return berth_error_set(err, errno, "open cgroup %s/%s", h->mount, dir);
                int r = cg->ops->init_level(cg, h, parent, fd, made, leaf, err);
                if (r < 0) {
                        close(fd);
                        return r;
                }
                close(parent);
                parent = fd;
        }
        h->dirfd = TAKE_FD(parent);
        return 0;
}

/* Undo a failed create: only the levels this handle made, innermost
 * first. */
static void remove_created(struct berth_cgroup *cg)
{
        char rel[4096];
        for (size_t i = 0; i < cg->n_h; i++) {
                struct cg_hier *h = &cg->h[i];
                if (h->dirfd >= 0) {
                        close(h->dirfd);
                        h->dirfd = -1;
                }
                _cleanup_close_ int root = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                for (size_t k = 0; root >= 0 && k < h->created; k++) {
                        path_prefix(cg, cg->depth - k, rel, sizeof(rel));
                        unlinkat(root, rel, AT_REMOVEDIR);
                }
                h->created = 0;
        }
}

/* runc's checkBeforeUpdate: refuse a memory limit below what the
 * container uses now rather than let the kernel reclaim or fail. */
static int check_memory_usage(struct berth_cgroup *cg, const struct berth_resources *res,
                              struct berth_error *err)
{
        const struct opt_i64 *L = &res->memory.limit;
        if (!res->memory.check_before_update.set || !res->memory.check_before_update.v || !L->set ||
            L->v <= 0)
                return 0;
        bool v2 = cg->layout == CGROUP_LAYOUT_V2;
        struct cg_hier *h = v2 ? &cg->h[0] : cg_hier_ctrl(cg, CG_MEMORY);
        int64_t usage;
        if (h == NULL || h->dirfd < 0 ||
            cg_read_i64_at(h->dirfd, v2 ? "memory.current" : "memory.usage_in_bytes", &usage) < 0)
                return 0;
        if (usage > L->v)
                return berth_error_setx(err, EBUSY,
                                        "linux.resources.memory.limit (%" PRId64
                                        ") is below the container's current memory usage (%" PRId64
                                        ") and checkBeforeUpdate is set",
                                        L->v, usage);
        return 0;
}

/* v2: BFQ's io.bfq.weight shows in a cgroup only once io is enabled above
 * it, which the enable step may just have done. So look after that step,
 * and plan again when the file is there: the plan stays a pure function
 * of the spec and env. */
static bool bfq_appeared(struct berth_cgroup *cg, struct cg_env *env)
{
        if (cg->layout != CGROUP_LAYOUT_V2 || env->io_bfq || cg->h[0].dirfd < 0 ||
            faccessat(cg->h[0].dirfd, "io.bfq.weight", F_OK, 0) < 0)
                return false;
        env->io_bfq = true;
        return true;
}

static int apply(struct berth_cgroup *cg, const struct berth_resources *res,
                 struct berth_error *err)
{
        if (res == NULL)
                return 0;
        struct cg_hier *u = cg_hier_unified(cg);
        struct cg_env env = { .cur_mem_limit = -1, .has_unified = u != NULL };
        if (cg->layout != CGROUP_LAYOUT_V2) {
                env.hugetlb_unified = u != NULL && cg_hier_ctrl(cg, CG_HUGETLB) == NULL;
                struct cg_hier *m = cg_hier_ctrl(cg, CG_MEMORY);
                int64_t v;
                /* "unlimited" reads as PAGE_COUNTER_MAX in bytes; a cgroup
                 * we have just made, and not limited yet, has none: no read */
                if (m && m->dirfd >= 0 && (m->created == 0 || cg->applied) &&
                    cg_read_i64_at(m->dirfd, "memory.limit_in_bytes", &v) == 0)
                        env.cur_mem_limit = v >= (INT64_C(1) << 62) ? -1 : v;
        } else if (cg->h[0].dirfd >= 0 && (cg->h[0].created == 0 || cg->applied)) {
                int64_t v; /* "max" reads as -1 */
                if (cg_read_i64_at(cg->h[0].dirfd, "memory.max", &v) == 0)
                        env.cur_mem_limit = v;
        }
        struct cg_plan plan = { 0 };
        cg->applied = true;
        int r = cg->ops->plan(res, &env, &plan, err);
        if (r == 0)
                r = check_memory_usage(cg, res, err);
        if (r == 0)
                r = cg->ops->enable(cg, &plan, err);
        if (r == 0 && bfq_appeared(cg, &env)) {
                cg_plan_free(&plan);
                r = cg->ops->plan(res, &env, &plan, err);
        }
        if (r == 0)
                r = cg_plan_run(cg, &plan, err);
        cg_plan_free(&plan);
        /* v2 has no devices.allow: the rules become an eBPF program (on
         * v1 and hybrid the devices controller's files carry them) */
        if (r == 0 && cg->layout == CGROUP_LAYOUT_V2 && res->n_devices > 0 && u && u->dirfd >= 0)
                r = cgroup_bpf_attach_devices(u->dirfd, res->devices, res->n_devices, err);
        return r;
}

static int procs_of(struct berth_cgroup *cg, struct cg_hier *h, pid_t **pids, size_t *n,
                    struct berth_error *err)
{
        char dir[4096];
        int r = cg_collect_pids(h->dirfd, pids, n, err);
        if (r < 0) {
                berth_error_prefix(err, "%s", cg_dir_name(cg, h, dir, sizeof(dir)));
                return r;
        }
        return 0;
}

int cgroup_create(const char *path, const struct berth_resources *res, struct berth_cgroup **out,
                  struct berth_error *err)
{
        _cleanup_cgroup_ struct berth_cgroup *cg = NULL;
        int r = cg_new(path, &cg, err);
        if (r < 0)
                return r;
        for (size_t i = 0; r == 0 && i < cg->n_h; i++) {
                /* ENOENT: another container's destroy removed a shared
                 * parent (it was empty) between our mkdirs; go again. */
                for (int tries = 0; tries < 3; tries++) {
                        r = mkdir_levels(cg, &cg->h[i], err);
                        if (r != -ENOENT)
                                break;
                        cg->h[i].created = 0;
                }
        }
        /* A leaf that was already there (left by a crash) is reused, but
         * not one that holds processes: that is someone's container. */
        for (size_t i = 0; r == 0 && i < cg->n_h; i++) {
                if (cg->h[i].created > 0)
                        continue;
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;
                r = procs_of(cg, &cg->h[i], &pids, &n, err);
                if (r == 0 && n > 0)
                        r = berth_error_setx(err, EEXIST,
                                             "cgroup %s%s already exists and holds processes "
                                             "(pid %d)",
                                             cg->h[i].mount, cg->path, (int)pids[0]);
        }
        if (r == 0)
                r = apply(cg, res, err);
        if (r < 0) {
                remove_created(cg);
                return r;
        }
        *out = TAKE_PTR(cg);
        return 0;
}

int cgroup_clone_fd(const struct berth_cgroup *cg)
{
        return cg->layout == CGROUP_LAYOUT_V2 ? cg->h[0].dirfd : -1;
}

int cgroup_enter(struct berth_cgroup *cg, pid_t pid, struct berth_error *err)
{
        return cg->ops->enter(cg, pid, err);
}

int cgroup_enter_self(const struct berth_cgroup *cg, struct berth_error *err)
{
        char dir[4096];
        for (size_t i = 0; i < cg->n_h; i++) {
                const struct cg_hier *h = &cg->h[i];
                const char *file = h->unified ? "cgroup.procs" : "tasks";
                int r = h->dirfd < 0 ? -ENOENT : cg_write_at(h->dirfd, file, "0");
                if (r < 0)
                        return berth_error_set(err, -r, "join %s",
                                               cg_dir_name(cg, h, dir, sizeof(dir)));
        }
        return 0;
}

int cgroup_update(struct berth_cgroup *cg, const struct berth_resources *res,
                  struct berth_error *err)
{
        return apply(cg, res, err);
}

int cgroup_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error *err)
{
        return cg->ops->freeze(cg, frozen, err);
}

int cgroup_is_frozen(struct berth_cgroup *cg, bool *frozen, struct berth_error *err)
{
        return cg->ops->is_frozen(cg, frozen, err);
}

int cgroup_pids(struct berth_cgroup *cg, pid_t **pids, size_t *n, struct berth_error *err)
{
        struct cg_hier *h = cg->ops->procs_hier(cg);
        if (h == NULL)
                return berth_error_setx(err, ENOENT, "cgroup %s does not exist", cg->path);
        return procs_of(cg, h, pids, n, err);
}

/* Freeze, signal every process, thaw: nothing can fork a new process
 * between reading cgroup.procs and the kill. A cgroup that was frozen
 * (a paused container) stays frozen, except after SIGKILL, which v1's
 * frozen tasks act on only when thawed. */
int cgroup_kill_all(struct berth_cgroup *cg, int sig, struct berth_error *err)
{
        int r = cg->ops->kill_fast(cg, sig, err);
        if (r != 0)
                return r < 0 ? r : 0;
        struct berth_error ignored = { 0 };
        bool was_frozen = false;
        cg->ops->is_frozen(cg, &was_frozen, &ignored);
        bool froze = !was_frozen && cg->ops->freeze(cg, true, &ignored) == 0;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        r = cgroup_pids(cg, &pids, &n, err);
        for (size_t i = 0; r == 0 && i < n; i++)
                if (kill(pids[i], sig) < 0 && errno != ESRCH)
                        r = berth_error_set(err, errno, "send signal %d to pid %d of cgroup %s",
                                            sig, (int)pids[i], cg->path);
        if (froze || (was_frozen && sig == SIGKILL)) {
                int t = cg->ops->freeze(cg, false, r == 0 ? err : &ignored);
                if (r == 0)
                        r = t;
        }
        return r;
}

/* Every process left in any hierarchy (a failed enter can leave one in
 * some hierarchies only). */
static int any_pid(struct berth_cgroup *cg, pid_t *first, struct berth_error *err)
{
        *first = 0;
        for (size_t i = 0; i < cg->n_h && *first == 0; i++) {
                if (cg->h[i].dirfd < 0)
                        continue;
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;
                int r = procs_of(cg, &cg->h[i], &pids, &n, err);
                if (r < 0)
                        return r;
                if (n > 0)
                        *first = pids[0];
        }
        return 0;
}

/* rmdir a cgroup and the cgroups a container made below it, children
 * first. A process may still be leaving: EBUSY is retried briefly. */
static int rmdir_tree(int parentfd, const char *name, int depth)
{
        /* almost always a leaf: one rmdir, no directory scan (syscalls
         * are dear on the start/stop path) */
        if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                return 0;
        if (errno != EBUSY && errno != ENOTEMPTY)
                return -errno;
        int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        DIR *d = fdopendir(fd);
        if (d == NULL) {
                close(fd);
                return -errno;
        }
        int r = 0;
        struct dirent *de;
        while (depth < 64 && (de = readdir(d)) != NULL) {
                if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
                    strcmp(de->d_name, "..") == 0)
                        continue;
                int k = rmdir_tree(dirfd(d), de->d_name, depth + 1);
                if (r == 0)
                        r = k;
        }
        closedir(d);
        if (r < 0)
                return r;
        for (int tries = 0;; tries++) {
                if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || tries >= 100)
                        return -errno;
                sleep_ms(10);
        }
}

static bool is_slice(const char *name)
{
        size_t n = strlen(name);
        return n > 6 && strcmp(name + n - 6, ".slice") == 0;
}

bool cg_parent_kept(const char *rel)
{
        return strcmp(rel, CGROUP_DEFAULT_PARENT + 1) == 0 ||
               strcmp(rel, CGROUP_SYSTEM_PARENT + 1) == 0;
}

/* The parents named in the path, innermost first, up to the first one
 * that is not empty (someone else's too; so are its parents), a slice
 * (systemd's) or one of the runtime's own. */
static void remove_parents(struct berth_cgroup *cg, struct cg_hier *h, int root)
{
        char rel[4096], name[256];
        _cleanup_close_ int own = -1;
        for (size_t lv = cg->depth - 1; lv > 0; lv--) {
                component(cg, lv - 1, name, sizeof(name));
                path_prefix(cg, lv, rel, sizeof(rel));
                if (is_slice(name) || cg_parent_kept(rel))
                        break;
                if (root < 0 && (root = own = open(h->mount, O_RDONLY | O_DIRECTORY |
                                                                     O_CLOEXEC)) < 0)
                        break;
                if (unlinkat(root, rel, AT_REMOVEDIR) < 0 && errno != ENOENT)
                        break;
        }
}

static int remove_dirs(struct berth_cgroup *cg, struct cg_hier *h, struct berth_error *err)
{
        char rel[4096], leaf[256];
        if (h->dirfd >= 0) {
                close(h->dirfd);
                h->dirfd = -1;
        }
        _cleanup_close_ int root = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return berth_error_set(err, errno, "open cgroup hierarchy %s", h->mount);
        path_prefix(cg, cg->depth - 1, rel, sizeof(rel));
        component(cg, cg->depth - 1, leaf, sizeof(leaf));
        _cleanup_close_ int parent =
                rel[0] ? openat(root, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
                       : fcntl(root, F_DUPFD_CLOEXEC, 3);
        if (parent < 0 && errno != ENOENT)
                return berth_error_set(err, errno, "open cgroup %s/%s", h->mount, rel);
        if (parent >= 0) {
                int r = rmdir_tree(parent, leaf, 0);
                if (r < 0)
                        return berth_error_set(err, -r, "remove cgroup %s%s", h->mount, cg->path);
        }
        remove_parents(cg, h, root);
        return 0;
}

/* The usual delete, of a container whose init has exited with its pid
 * namespace: every leaf is empty and one rmdir each does it, with no
 * cgroup.procs to read. A leaf the kernel refuses (processes, or cgroups
 * made below it) keeps its dirfd for the slow path; false then. */
static bool destroy_fast(struct berth_cgroup *cg)
{
        char leaf[256];
        component(cg, cg->depth - 1, leaf, sizeof(leaf));
        bool all = true;
        for (size_t i = 0; i < cg->n_h; i++) {
                struct cg_hier *h = &cg->h[i];
                if (h->dirfd < 0)
                        continue;
                int parent = openat(h->dirfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                bool gone = parent >= 0 &&
                            (unlinkat(parent, leaf, AT_REMOVEDIR) == 0 || errno == ENOENT);
                if (parent >= 0)
                        close(parent);
                if (!gone) {
                        all = false;
                        continue;
                }
                close(h->dirfd);
                h->dirfd = -1;
                remove_parents(cg, h, -1);
        }
        return all;
}

int cgroup_destroy(struct berth_cgroup *cg, struct berth_error *err)
{
        if (destroy_fast(cg))
                return 0;
        bool exists = false;
        for (size_t i = 0; i < cg->n_h; i++)
                exists |= cg->h[i].dirfd >= 0;
        pid_t left = 0;
        if (exists) {
                int q = any_pid(cg, &left, err);
                if (q < 0)
                        return q;
        }
        /* the usual case, a container whose init has exited with its pid
         * namespace, is empty: no freeze/kill/thaw round (each freezer
         * write can cost a millisecond) */
        if (left != 0) {
                struct berth_error kerr = { 0 };
                int r = cgroup_kill_all(cg, SIGKILL, &kerr);
                uint64_t start = monotonic_ms(), last_kill = start;
                for (;;) {
                        int q = any_pid(cg, &left, err);
                        if (q < 0)
                                return q;
                        if (left == 0)
                                break;
                        uint64_t t = monotonic_ms();
                        if (t - start >= DESTROY_TIMEOUT_MS) {
                                if (r < 0) { /* the kill failed: that is the reason */
                                        if (err)
                                                *err = kerr;
                                        berth_error_prefix(err, "destroy cgroup %s", cg->path);
                                        return r;
                                }
                                return berth_error_setx(err, EBUSY,
                                                        "destroy cgroup %s: pid %d is still in it "
                                                        "after %d s of SIGKILL",
                                                        cg->path, (int)left,
                                                        DESTROY_TIMEOUT_MS / 1000);
                        }
                        /* A process may have slipped in or been missed:
                         * kill again now and then. */
                        if (t - last_kill >= 500) {
                                r = cgroup_kill_all(cg, SIGKILL, &kerr);
                                last_kill = t;
                        }
                        sleep_ms(10);
                }
        }
        int r = 0;
        for (size_t i = 0; i < cg->n_h; i++) {
                int k = remove_dirs(cg, &cg->h[i], r == 0 ? err : NULL);
                if (r == 0)
                        r = k;
        }
        return r;
}
