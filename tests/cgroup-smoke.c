/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup subsystem against the real kernel: create a cgroup with
 * resources, put a child in it, read the files back, freeze and thaw,
 * kill everything, destroy, and check that nothing is left. Works on the
 * layout it finds (v1, hybrid, v2); sets only resources whose controller
 * exists. Everything lives under /berth-smoke-<pid>, which an atexit and
 * signal handler removes whatever happens. Needs root (exit 77 without).
 * Last line: `N passed, N failed`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "smoke.h"
#include "cgroup-smoke.h"

#include "cgroup.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

char top[64]; /* "/berth-smoke-<pid>" */
enum cgroup_layout layout;


/* ---- plain file helpers, independent of the library under test */

char *slurp(const char *path)
{
        FILE *f = fopen(path, "re");
        if (f == NULL)
                return NULL;
        char *buf = calloc(1, 65536);
        size_t n = buf ? fread(buf, 1, 65535, f) : 0;
        fclose(f);
        if (buf)
                buf[n] = '\0';
        return buf;
}

bool exists(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0;
}

/* Content of <mount><cgpath>/<file> with the trailing newline dropped. */
static char *cgfile(const char *mount, const char *cgpath, const char *file)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s%s/%s", mount, cgpath, file);
        char *s = slurp(path);
        if (s) {
                size_t n = strlen(s);
                while (n && s[n - 1] == '\n')
                        s[--n] = '\0';
        }
        return s;
}

static void expect_file(const char *mount, const char *cgpath, const char *file, const char *want)
{
        char *s = cgfile(mount, cgpath, file);
        check(s && strcmp(s, want) == 0, "%s/%s reads \"%s\" (got \"%s\")", mount, file, want,
              s ? s : "(missing)");
        free(s);
}

static void expect_contains(const char *mount, const char *cgpath, const char *file,
                            const char *want)
{
        char *s = cgfile(mount, cgpath, file);
        bool ok = s && strstr(s, want) != NULL;
        for (char *c = s; c && *c; c++)
                if (*c == '\n')
                        *c = '|';
        check(ok, "%s/%s contains \"%s\" (got \"%s\")", mount, file, want, s ? s : "(missing)");
        free(s);
}

/* Every mounted hierarchy: /sys/fs/cgroup itself on v2, each cgroup
 * mount below it otherwise. */
static size_t hierarchies(char out[][256], size_t max)
{
        struct statfs fs;
        size_t n = 0;
        if (statfs("/sys/fs/cgroup", &fs) == 0 && (unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC) {
                snprintf(out[0], 256, "/sys/fs/cgroup");
                return 1;
        }
        DIR *d = opendir("/sys/fs/cgroup");
        struct dirent *de;
        while (d && n < max && (de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.')
                        continue;
                char p[300];
                snprintf(p, sizeof(p), "/sys/fs/cgroup/%s", de->d_name);
                struct stat st;
                if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || statfs(p, &fs) < 0)
                        continue;
                if ((unsigned long)fs.f_type == CGROUP_SUPER_MAGIC ||
                    (unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC)
                        snprintf(out[n++], 256, "%.255s", p);
        }
        if (d)
                closedir(d);
        return n;
}

char mounts[32][256];
size_t n_mounts;

/* The number of hierarchies where <mount><rel> exists. */
size_t count_dirs(const char *rel)
{
        size_t n = 0;
        for (size_t i = 0; i < n_mounts; i++) {
                char p[4096];
                snprintf(p, sizeof(p), "%s%s", mounts[i], rel);
                n += exists(p);
        }
        return n;
}

static const char *mount_of(const char *name)
{
        static char buf[300];
        if (layout == CGROUP_LAYOUT_V2)
                return "/sys/fs/cgroup";
        snprintf(buf, sizeof(buf), "/sys/fs/cgroup/%s", name);
        return buf;
}

/* ---- the safety net: remove /berth-smoke-<pid> whatever happened */

static void remove_tree(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                char sub[4096];
                snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
                remove_tree(sub);
        }
        if (d)
                closedir(d);
        char p[4200];
        snprintf(p, sizeof(p), "%s/freezer.state", dir);
        int fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void)!write(fd, "THAWED", 6);
                close(fd);
        }
        snprintf(p, sizeof(p), "%s/cgroup.freeze", dir);
        fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void)!write(fd, "0", 1);
                close(fd);
        }
        for (int tries = 0; tries < 200; tries++) {
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return;
                snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
                char *procs = slurp(p);
                for (char *s = procs, *e; s && *s; s = e) {
                        long pid = strtol(s, &e, 10);
                        if (e == s)
                                break;
                        if (pid > 0)
                                kill((pid_t)pid, SIGKILL);
                }
                free(procs);
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                usleep(10000);
        }
}

static void cleanup_all(void)
{
        if (top[0] == '\0')
                return;
        for (size_t i = 0; i < n_mounts; i++) {
                char p[4096];
                snprintf(p, sizeof(p), "%.255s%.63s", mounts[i], top);
                if (exists(p))
                        remove_tree(p);
        }
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
}

/* A run killed with SIGKILL could not clean up: remove what a dead
 * berth-smoke-<pid> left. */
static void remove_stale(void)
{
        smoke_remove_stale(mounts, n_mounts, "berth-smoke-", remove_tree);
}

static void on_signal(int sig)
{
        cleanup_all();
        signal(sig, SIG_DFL);
        raise(sig);
}

/* ---- the child that lives in the cgroup */

static void child_main(int cmd, int reply)
{
        char c;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        while (read(cmd, &c, 1) == 1) {
                char out[64] = "";
                if (c == 'd') { /* devices: /dev/null allowed, /dev/zero not */
                        int a = open("/dev/null", O_RDONLY);
                        int b = open("/dev/zero", O_RDONLY);
                        snprintf(out, sizeof(out), "%d %d", a >= 0 ? 0 : errno, b >= 0 ? 0 : errno);
                } else if (c == 'f') { /* fork until pids.max says no */
                        int n = 0;
                        for (; n < 64; n++) {
                                pid_t p = fork();
                                if (p < 0)
                                        break;
                                if (p == 0) {
                                        prctl(PR_SET_PDEATHSIG, SIGKILL);
                                        for (;;)
                                                pause();
                                }
                        }
                        snprintf(out, sizeof(out), "%d", n);
                } else if (c == 'm') { /* hold 16 MiB of anonymous memory */
                        size_t len = 16u << 20;
                        char *m = malloc(len);
                        if (m)
                                memset(m, 1, len);
                        snprintf(out, sizeof(out), "%s", m ? "ok" : "nomem");
                } else {
                        _exit(0);
                }
                (void)!write(reply, out, strlen(out));
        }
        _exit(0);
}

static pid_t clone_into(int cgfd)
{
        struct clone_args args = {
                .flags = CLONE_INTO_CGROUP,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t)cgfd,
        };
        return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* Start a child in the cgroup: born there on v2, moved in on v1. */
int spawn(struct berth_cgroup *cg, struct child *ch, struct berth_error *err)
{
        int a[2], b[2];
        if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
                return -errno;
        int cgfd = cgroup_clone_fd(cg);
        pid_t pid = cgfd >= 0 ? clone_into(cgfd) : fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                close(a[1]);
                close(b[0]);
                child_main(a[0], b[1]);
        }
        close(a[0]);
        close(b[1]);
        *ch = (struct child){ .pid = pid, .cmd = a[1], .reply = b[0] };
        return cgroup_enter(cg, pid, err);
}

char *ask(struct child *ch, char c)
{
        static char buf[64];
        if (write(ch->cmd, &c, 1) != 1)
                return NULL;
        ssize_t n = read(ch->reply, buf, sizeof(buf) - 1);
        if (n <= 0)
                return NULL;
        buf[n] = '\0';
        return buf;
}

void child_close(struct child *ch)
{
        close(ch->cmd);
        close(ch->reply);
}

/* /proc/<pid>/cgroup names path in every hierarchy we use. */
static void expect_proc_cgroup(pid_t pid, const char *path)
{
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
        char *s = slurp(p);
        int lines = 0, ours = 0;
        char bad[256] = "";
        for (char *line = s ? strtok(s, "\n") : NULL; line; line = strtok(NULL, "\n")) {
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (c2 == NULL)
                        continue;
                /* on v2 the "0::" line is the only one that counts (a v2
                 * mount over a hybrid still lists the v1 hierarchies) */
                if (layout == CGROUP_LAYOUT_V2 && strncmp(line, "0::", 3) != 0)
                        continue;
                lines++;
                if (strcmp(c2 + 1, path) == 0)
                        ours++;
                else if (!bad[0])
                        snprintf(bad, sizeof(bad), "%s", line);
        }
        free(s);
        check(lines > 0 && ours == lines,
              "/proc/%d/cgroup puts the child in %s in all %d hierarchies%s%s", (int)pid, path,
              lines, bad[0] ? "; not: " : "", bad);
}

/* ---- the tests */

static char root_dev[32];

/* A disk to throttle when / is not on one (a VM's initramfs): the first
 * disk-like entry of /sys/block. */
static bool any_disk(unsigned *ma, unsigned *mi)
{
        static const char *const kinds[] = { "vd", "sd", "nvme", "xvd", "hd", "ram" };
        DIR *d = opendir("/sys/block");
        struct dirent *de;
        bool found = false;
        while (d && !found && (de = readdir(d)) != NULL) {
                for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && !found; k++) {
                        if (strncmp(de->d_name, kinds[k], strlen(kinds[k])) != 0)
                                continue;
                        char p[300];
                        snprintf(p, sizeof(p), "/sys/block/%.200s/dev", de->d_name);
                        char *s = slurp(p);
                        found = s && sscanf(s, "%u:%u", ma, mi) == 2;
                        free(s);
                }
        }
        if (d)
                closedir(d);
        return found;
}

static void find_root_dev(void)
{
        struct stat st;
        if (stat("/", &st) < 0)
                return;
        char p[128];
        unsigned ma = major(st.st_dev), mi = minor(st.st_dev);
        snprintf(p, sizeof(p), "/sys/dev/block/%u:%u", ma, mi);
        if (!exists(p)) {
                if (any_disk(&ma, &mi))
                        snprintf(root_dev, sizeof(root_dev), "%u:%u", ma, mi);
                return;
        }
        /* throttling works on whole disks: a partition's disk is its parent */
        snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/partition", ma, mi);
        if (exists(p)) {
                snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/../dev", ma, mi);
                char *s = slurp(p);
                if (s && sscanf(s, "%u:%u", &ma, &mi) != 2)
                        ma = 0;
                free(s);
                if (ma == 0)
                        return;
        }
        snprintf(root_dev, sizeof(root_dev), "%u:%u", ma, mi);
}

static bool v2_has(const char *ctrl)
{
        char *s = slurp("/sys/fs/cgroup/cgroup.controllers");
        bool r = false;
        for (char *t = s ? strtok(s, " \n") : NULL; t; t = strtok(NULL, " \n"))
                r |= strcmp(t, ctrl) == 0;
        free(s);
        return r;
}

bool v1_has(const char *ctrl)
{
        char p[300];
        snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/cgroup.procs", ctrl);
        return exists(p);
}

bool has(const char *v1, const char *v2)
{
        return layout == CGROUP_LAYOUT_V2 ? v2_has(v2) : v1_has(v1);
}

char *path_of(const char *leaf)
{
        static char buf[128];
        snprintf(buf, sizeof(buf), "%s/%s", top, leaf);
        return buf;
}

static void test_blkio_weight_without_the_file(void)
{
        struct berth_resources res = { 0 };
        res.block_io.weight = (struct opt_u64){ true, 500 };
        struct berth_cgroup *cg = NULL;
        struct berth_error err = { 0 };
        if (!has("blkio", "io")) {
                printf("skip - no blkio/io controller\n");
                return;
        }
        int r = cgroup_create(path_of("w"), &res, &cg, &err);
        if (r == 0) {
                const char *file = layout == CGROUP_LAYOUT_V2 ? "io.weight" : "blkio.weight";
                char *s = cgfile(mount_of("blkio"), path_of("w"), file);
                if (s == NULL)
                        s = cgfile(mount_of("blkio"), path_of("w"), "blkio.bfq.weight");
                check(s != NULL, "block IO weight was applied (%s)", s ? s : "?");
                free(s);
                check(cgroup_destroy(cg, &err) == 0, "destroy: %s", err.msg);
                cgroup_free(cg);
        } else {
                check(r == -EOPNOTSUPP && strstr(err.msg, "linux.resources.blockIO.weight") &&
                              strstr(err.msg, "weight does not exist"),
                      "a blkio weight this kernel lacks is refused by name: %s", err.msg);
        }
        check(count_dirs(top) == 0, "nothing of %s is left after the weight test", top);

        /* leafWeight is CFQ's alone: gone with CFQ (5.0), and v2 has none */
        res = (struct berth_resources){ 0 };
        res.block_io.leaf_weight = (struct opt_u64){ true, 500 };
        r = cgroup_create(path_of("w"), &res, &cg, &err);
        if (r == 0) {
                check(true, "this kernel still has blkio.leaf_weight");
                check(cgroup_destroy(cg, &err) == 0, "destroy: %s", err.msg);
                cgroup_free(cg);
        } else {
                check(r == -EOPNOTSUPP && strstr(err.msg, "linux.resources.blockIO.leafWeight"),
                      "a leaf weight this kernel lacks is refused by name: %s", err.msg);
        }
        check(count_dirs(top) == 0, "nothing of %s is left after the leaf weight test", top);
}

static void fill_resources(struct berth_resources *res, struct berth_device_rule *rules,
                           struct berth_throttle_device *thr, struct berth_hugepage_limit *huge,
                           struct kv *unified)
{
        bool v2 = layout == CGROUP_LAYOUT_V2;
        if (has("memory", "memory")) {
                res->memory.limit = (struct opt_i64){ true, 64 * MiB };
                res->memory.reservation = (struct opt_i64){ true, 32 * MiB };
                char p[300];
                snprintf(p, sizeof(p), "%s/%s", mount_of("memory"),
                         v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes");
                if (v2 || exists(p))
                        res->memory.swap = (struct opt_i64){ true, 128 * MiB };
                res->memory.swappiness = (struct opt_u64){ true, 10 };
                res->memory.disable_oom_killer = (struct opt_bool){ true, true };
                res->memory.kernel = (struct opt_i64){ true, 8 * MiB }; /* ignored */
        }
        if (has("cpu", "cpu")) {
                res->cpu.shares = (struct opt_u64){ true, 512 };
                res->cpu.quota = (struct opt_i64){ true, 50000 };
                res->cpu.period = (struct opt_u64){ true, 100000 };
                char p[300];
                snprintf(p, sizeof(p), "%s/%s", mount_of("cpu"),
                         v2 ? "cpu.max.burst" : "cpu.cfs_burst_us");
                if (v2 || exists(p))
                        res->cpu.burst = (struct opt_u64){ true, 10000 };
        }
        if (has("cpuset", "cpuset")) {
                res->cpu.cpus = "0";
                res->cpu.mems = "0";
        }
        if (has("pids", "pids"))
                res->pids.limit = (struct opt_i64){ true, 32 };
        if (root_dev[0] && has("blkio", "io")) {
                sscanf(root_dev, "%" SCNd64 ":%" SCNd64, &thr->major, &thr->minor);
                thr->rate = 1048576;
                res->block_io.throttle_read_bps = thr;
                res->block_io.n_throttle_read_bps = 1;
        }
        if (!v2 && v1_has("net_cls"))
                res->network.class_id = (struct opt_u64){ true, 0x100001 };
        if (!v2 && v1_has("net_prio")) {
                static struct berth_net_priority prio[] = { { "lo", 5 } };
                res->network.priorities = prio;
                res->network.n_priorities = 1;
        }
        if (!v2 && has("devices", "-")) {
                rules[0] = (struct berth_device_rule){ false, 'a', -1, -1, "rwm" };
                rules[1] = (struct berth_device_rule){ true, 'c', 1, 3, "rwm" };
                res->devices = rules;
                res->n_devices = 2;
        }
        /* hugetlb only where the root already passes it down: enabling it
         * in a machine's root cgroup is not a test's business */
        char *on = slurp(v2 ? "/sys/fs/cgroup/cgroup.subtree_control"
                            : "/sys/fs/cgroup/unified/cgroup.subtree_control");
        bool delegated = !v2 && v1_has("hugetlb") ? true : on && strstr(on, "hugetlb");
        if (delegated && exists("/sys/kernel/mm/hugepages/hugepages-2048kB")) {
                huge->page_size = "2MB";
                huge->limit = 4 * MiB;
                res->hugepage_limits = huge;
                res->n_hugepage_limits = 1;
        }
        free(on);
        if (layout != CGROUP_LAYOUT_V1) { /* a core file: no controller to enable */
                unified[0] = (struct kv){ "cgroup.max.depth", "3" };
                res->unified = unified;
                res->n_unified = 1;
        }
}

static void expect_resources(const struct berth_resources *res, const char *path)
{
        bool v2 = layout == CGROUP_LAYOUT_V2;
        const char *m = mount_of("memory");
        if (res->memory.limit.set) {
                expect_file(m, path, v2 ? "memory.max" : "memory.limit_in_bytes", "67108864");
                expect_file(m, path, v2 ? "memory.low" : "memory.soft_limit_in_bytes", "33554432");
                if (res->memory.swap.set)
                        expect_file(m, path, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes",
                                    v2 ? "67108864" : "134217728");
                if (!v2) {
                        expect_file(m, path, "memory.swappiness", "10");
                        expect_contains(m, path, "memory.oom_control", "oom_kill_disable 1");
                }
        }
        const char *c = mount_of("cpu");
        if (res->cpu.shares.set) {
                expect_file(c, path, v2 ? "cpu.weight" : "cpu.shares", v2 ? "20" : "512");
                if (v2) {
                        expect_file(c, path, "cpu.max", "50000 100000");
                } else {
                        expect_file(c, path, "cpu.cfs_quota_us", "50000");
                        expect_file(c, path, "cpu.cfs_period_us", "100000");
                }
                if (res->cpu.burst.set)
                        expect_file(c, path, v2 ? "cpu.max.burst" : "cpu.cfs_burst_us", "10000");
        }
        if (res->cpu.cpus) {
                expect_file(mount_of("cpuset"), path, "cpuset.cpus", "0");
                expect_file(mount_of("cpuset"), path, "cpuset.mems", "0");
        }
        if (res->pids.limit.set)
                expect_file(mount_of("pids"), path, "pids.max", "32");
        if (res->block_io.n_throttle_read_bps) {
                char want[96];
                snprintf(want, sizeof(want), v2 ? "%s rbps=1048576" : "%s 1048576", root_dev);
                expect_contains(mount_of("blkio"), path,
                                v2 ? "io.max" : "blkio.throttle.read_bps_device", want);
        }
        if (res->network.class_id.set)
                expect_file(mount_of("net_cls"), path, "net_cls.classid", "1048577");
        if (res->network.n_priorities)
                expect_contains(mount_of("net_prio"), path, "net_prio.ifpriomap", "lo 5");
        if (res->n_devices)
                expect_file(mount_of("devices"), path, "devices.list", "c 1:3 rwm");
        if (res->n_hugepage_limits)
                expect_file(v2 || !v1_has("hugetlb")
                                    ? (v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified")
                                    : "/sys/fs/cgroup/hugetlb",
                            path,
                            v2 || !v1_has("hugetlb") ? "hugetlb.2MB.max"
                                                     : "hugetlb.2MB.limit_in_bytes",
                            "4194304");
        if (res->n_unified)
                expect_file(v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified", path,
                            "cgroup.max.depth", "3");
}

static void expect_frozen(struct berth_cgroup *cg, const char *path, bool want)
{
        bool frozen = !want;
        struct berth_error err = { 0 };
        int r = cgroup_is_frozen(cg, &frozen, &err);
        check(r == 0 && frozen == want, "cgroup_is_frozen says %s%s%s", want ? "frozen" : "thawed",
              r ? ": " : "", r ? err.msg : "");
        if (v1_has("freezer") && layout != CGROUP_LAYOUT_V2)
                expect_file("/sys/fs/cgroup/freezer", path, "freezer.state",
                            want ? "FROZEN" : "THAWED");
        else
                expect_contains(layout == CGROUP_LAYOUT_V2 ? "/sys/fs/cgroup"
                                                           : "/sys/fs/cgroup/unified",
                                path, "cgroup.events", want ? "frozen 1" : "frozen 0");
}

static void test_full_lifecycle(void)
{
        struct berth_resources res = { 0 };
        struct berth_device_rule rules[2];
        struct berth_throttle_device thr;
        struct berth_hugepage_limit huge;
        struct kv unified[1];
        fill_resources(&res, rules, &thr, &huge, unified);
        const char *path = path_of("c1");
        struct berth_cgroup *cg = NULL;
        struct berth_error err = { 0 };
        int r = cgroup_create(path, &res, &cg, &err);
        check(r == 0, "create %s with resources%s%s", path, r ? ": " : "", r ? err.msg : "");
        if (r < 0)
                return;
        check(count_dirs(path) == n_mounts, "%s exists in all %zu hierarchies", path, n_mounts);
        expect_resources(&res, path);

        struct child ch = { 0 };
        r = spawn(cg, &ch, &err);
        check(r == 0, "the child enters the cgroup%s%s", r ? ": " : "", r ? err.msg : "");
        if (r < 0) {
                kill(ch.pid, SIGKILL);
                waitpid(ch.pid, NULL, 0);
                goto out;
        }
        expect_proc_cgroup(ch.pid, path);
        pid_t *pids = NULL;
        size_t n = 0;
        r = cgroup_pids(cg, &pids, &n, &err);
        check(r == 0 && n == 1 && pids[0] == ch.pid, "cgroup_pids lists the child only (%zu)", n);
        free(pids);

        if (res.n_devices) {
                char *s = ask(&ch, 'd');
                check(s && strcmp(s, "0 1") == 0,
                      "devices: /dev/null opens, /dev/zero is refused with EPERM (%s)",
                      s ? s : "?");
        }

        r = cgroup_freeze(cg, true, &err);
        check(r == 0, "freeze%s%s", r ? ": " : "", r ? err.msg : "");
        expect_frozen(cg, path, true);
        r = cgroup_freeze(cg, false, &err);
        check(r == 0, "thaw%s%s", r ? ": " : "", r ? err.msg : "");
        expect_frozen(cg, path, false);

        if (res.pids.limit.set) {
                char *s = ask(&ch, 'f');
                check(s && strcmp(s, "31") == 0,
                      "pids.max 32 lets the child fork 31 more and no more (%s)", s ? s : "?");
                r = cgroup_pids(cg, &pids, &n, &err);
                check(r == 0 && n == 32, "cgroup_pids sees all 32 processes (%zu)", n);
                free(pids);
        }

        if (res.memory.limit.set) {
                /* raising both: memsw (v1) has to go first */
                struct berth_resources up = { 0 };
                up.memory.limit = (struct opt_i64){ true, 256 * MiB };
                up.memory.swap = res.memory.swap.set ? (struct opt_i64){ true, 512 * MiB }
                                                     : (struct opt_i64){ 0 };
                r = cgroup_update(cg, &up, &err);
                check(r == 0, "update raises memory to 256 MiB%s%s", r ? ": " : "",
                      r ? err.msg : "");
                bool v2 = layout == CGROUP_LAYOUT_V2;
                expect_file(mount_of("memory"), path, v2 ? "memory.max" : "memory.limit_in_bytes",
                            "268435456");
                if (up.memory.swap.set && !v2)
                        expect_file(mount_of("memory"), path, "memory.memsw.limit_in_bytes",
                                    "536870912");
                /* lowering: below 64 MiB but above what is in use (more
                 * under a sanitizer), memsw 16 MiB above it */
                char *use = cgfile(mount_of("memory"), path,
                                   v2 ? "memory.current" : "memory.usage_in_bytes");
                int64_t used = use ? strtoll(use, NULL, 10) : 0;
                free(use);
                int64_t low = used + 16 * MiB > 32 * MiB ? (used / MiB + 17) * MiB : 32 * MiB;
                struct berth_resources down = up;
                down.memory.limit.v = low;
                if (down.memory.swap.set)
                        down.memory.swap.v = low + 16 * MiB;
                r = cgroup_update(cg, &down, &err);
                check(r == 0, "update lowers memory to %" PRId64 " MiB%s%s", low / MiB,
                      r ? ": " : "", r ? err.msg : "");
                char want[32];
                snprintf(want, sizeof(want), "%" PRId64, low);
                expect_file(mount_of("memory"), path, v2 ? "memory.max" : "memory.limit_in_bytes",
                            want);
                snprintf(want, sizeof(want), "%" PRId64, v2 ? 16 * MiB : low + 16 * MiB);
                if (down.memory.swap.set)
                        expect_file(mount_of("memory"), path,
                                    v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes", want);
        }

        r = cgroup_kill_all(cg, SIGKILL, &err);
        check(r == 0, "kill_all SIGKILL%s%s", r ? ": " : "", r ? err.msg : "");
        int status = 0;
        waitpid(ch.pid, &status, 0);
        check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child died of SIGKILL");
        child_close(&ch);
        for (int i = 0; i < 200; i++) { /* the grandchildren are ours to reap (subreaper) */
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                r = cgroup_pids(cg, &pids, &n, &err);
                free(pids);
                if (r == 0 && n == 0)
                        break;
                usleep(10000);
        }
        check(r == 0 && n == 0, "the cgroup is empty after kill_all (%zu left)", n);
out:
        r = cgroup_destroy(cg, &err);
        check(r == 0, "destroy%s%s", r ? ": " : "", r ? err.msg : "");
        cgroup_free(cg);
        check(count_dirs(path) == 0 && count_dirs(top) == 0,
              "destroy removed %s and its parent %s everywhere", path, top);
}

/* The kernel refuses a memory limit below what the processes inside use
 * (v1: EBUSY; v2 would OOM-kill instead, so there cpuset.cpus is used). */
int main(void)
{
        if (geteuid() != 0) {
                printf("skipped: cgroup-smoke needs root\n0 passed, 0 failed\n");
                return 77;
        }
        struct berth_error err = { 0 };
        if (cgroup_detect(&layout, &err) < 0) {
                printf("FAIL - detect: %s\n0 passed, 1 failed\n", err.msg);
                return 1;
        }
        printf("layout: %s\n", cgroup_layout_name(layout));
        n_mounts = hierarchies(mounts, 32);
        snprintf(top, sizeof(top), "/berth-smoke-%d", (int)getpid());
        atexit(cleanup_all);
        int sigs[] = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGSEGV, SIGBUS,
                       SIGABRT, SIGALRM, SIGPIPE, SIGILL,  SIGFPE,  SIGTRAP,
                       SIGSYS,  SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ };
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
                signal(sigs[i], on_signal);
        alarm(120);
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        remove_stale();
        find_root_dev();

        test_blkio_weight_without_the_file();
        test_full_lifecycle();
        test_refused_limit_on_update();
        test_refused_value_on_create();
        test_missing_controller();
        test_failed_create_keeps_existing_parent();
        cleanup_all();
        test_shared_parent_and_open();

        cleanup_all();
        check(count_dirs(top) == 0, "no %s cgroup is left in any hierarchy", top);
        printf("%d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
}
