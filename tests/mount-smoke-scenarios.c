/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mount-smoke: the scenarios. Each runs as pid 1 of its own namespaces,
 * calls the library with a spec filled by hand and checks from inside. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mount-smoke.h"
#include "mount.h"
#include "spec.h"

/* ---- the spec, filled by hand (the test does not depend on the parser) ---- */

static struct berth_mount mnt(const char *dst, const char *type, const char *src,
                              unsigned long flags, const char *data)
{
        return (struct berth_mount){
                .destination = (char *)dst,
                .type = (char *)type,
                .source = (char *)src,
                .flags = flags,
                .data = (char *)data,
        };
}

static struct berth_mount bind_mnt(const char *dst, const char *src, unsigned long flags,
                                   bool recursive)
{
        struct berth_mount m = mnt(dst, "bind", src, flags, NULL);
        m.bind = true;
        m.recursive = recursive;
        return m;
}

#define NOSUID_NODEV_NOEXEC (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* ---- checks run inside the container ---- */

static bool is_char(const char *path, unsigned int maj, unsigned int min, struct stat *st)
{
        return stat(path, st) == 0 && S_ISCHR(st->st_mode) && major(st->st_rdev) == maj &&
               minor(st->st_rdev) == min;
}

static void check_link(const struct report *rp, const char *path, const char *want)
{
        char buf[PATH_MAX] = "";
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
        if (n >= 0)
                buf[n] = '\0';
        char name[128];
        snprintf(name, sizeof(name), "link %s -> %s", path, want);
        report(rp, n >= 0 && strcmp(buf, want) == 0, name, "readlink gave \"%s\" (%s)", buf,
               n < 0 ? strerror(errno) : "wrong target");
}

static void check_erofs_create(const struct report *rp, const char *name, const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        int e = errno;
        if (fd >= 0) {
                close(fd);
                unlink(path);
        }
        report(rp, fd < 0 && e == EROFS, name, "creating %s: %s", path,
               fd >= 0 ? "succeeded" : strerror(e));
}

static void check_mountinfo(const struct report *rp, const char *scenario_tmp)
{
        static const char *const exact[] = {
                "/",
                "/proc",
                "/proc/sys",
                "/dev",
                "/dev/pts",
                "/dev/shm",
                "/dev/mqueue",
                "/sys",
                "/mnt/ro",
                "/mnt/rel",
                "/mnt/locked",
                "/scratch",
                "/scratch/ro",
                "/etc/bound-file",
                "/etc/secret",
                "/etc/secretdir",
                "/dev/net/tun",
                "/dev/null",
                "/dev/zero",
                "/dev/full",
                "/dev/random",
                "/dev/urandom",
                "/dev/tty",
        };
        FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f) {
                report(rp, false, "mountinfo is readable", "%s", strerror(errno));
                return;
        }
        char line[4096], bad[512] = "";
        int roots = 0, lines = 0;
        while (fgets(line, sizeof(line), f)) {
                char mp[PATH_MAX];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
                        continue;
                lines++;
                if (strcmp(mp, "/") == 0)
                        roots++;
                bool ok = strncmp(mp, "/sys/", 5) == 0; /* cgroup rbind, sysfs fallback */
                for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
                        ok = ok || strcmp(mp, exact[i]) == 0;
                if (!ok || strstr(mp, scenario_tmp))
                        snprintf(bad, sizeof(bad), "%.500s", mp);
        }
        fclose(f);
        report(rp, lines > 0 && bad[0] == '\0', "mountinfo lists only container mounts",
               "unexpected mount point %s", bad);
        report(rp, roots == 1, "mountinfo has one / (the old root is gone)", "%d entries for /",
               roots);
}

/* True when the mountinfo line of mount point mp (the last one) has tag. */
static bool mountinfo_has(const char *mp_want, const char *tag)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];
        bool found = false;
        while (f && fgets(line, sizeof(line), f)) {
                char mp[PATH_MAX];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strcmp(mp, mp_want) == 0)
                        found = strstr(line, tag) != NULL;
        }
        if (f)
                fclose(f);
        return found;
}

static void check_cgroup_ro(const struct report *rp)
{
        struct statvfs sv;
        bool ok = statvfs("/sys/fs/cgroup", &sv) == 0 && (sv.f_flag & ST_RDONLY);
        char bad[300] = "";
        DIR *d = opendir("/sys/fs/cgroup");
        for (struct dirent *de; d && (de = readdir(d));) {
                if (de->d_name[0] == '.' || de->d_type != DT_DIR)
                        continue;
                char p[300];
                snprintf(p, sizeof(p), "/sys/fs/cgroup/%s", de->d_name);
                if (statvfs(p, &sv) < 0 || !(sv.f_flag & ST_RDONLY)) {
                        ok = false;
                        snprintf(bad, sizeof(bad), "%s", p);
                }
        }
        if (d)
                closedir(d);
        report(rp, ok, "/sys/fs/cgroup and every hierarchy under it are read-only",
               "%s is writable", bad[0] ? bad : "/sys/fs/cgroup");
}

static int run_busybox(const char *script)
{
        pid_t pid = fork();
        if (pid == 0) {
                execl("/bin/sh", "sh", "-c", script, (char *)NULL);
                _exit(127);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- scenarios (each runs as pid 1 of a fresh pid namespace) ---- */

static void scenario_full(const struct report *rp, const struct env *env, bool userns)
{
        struct berth_mount mounts[] = {
                mnt("/proc", "proc", "proc", NOSUID_NODEV_NOEXEC, NULL),
                mnt("/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"),
                mnt("/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                    "newinstance,ptmxmode=0666,mode=0620,gid=5"),
                mnt("/dev/shm", "tmpfs", "shm", NOSUID_NODEV_NOEXEC, "mode=1777,size=65536k"),
                mnt("/dev/mqueue", "mqueue", "mqueue", NOSUID_NODEV_NOEXEC, NULL),
                mnt("/sys", "sysfs", "sysfs", NOSUID_NODEV_NOEXEC | MS_RDONLY, NULL),
                mnt("/sys/fs/cgroup", "cgroup", "cgroup",
                    NOSUID_NODEV_NOEXEC | MS_RELATIME | MS_RDONLY, NULL),
                bind_mnt("/mnt/ro", env->hostdir, MS_RDONLY, true),
                bind_mnt("/mnt/locked", env->lockeddir, MS_RDONLY, false),
                mnt("/scratch", "tmpfs", "tmpfs", NOSUID_NODEV_NOEXEC, NULL), /* shared */
                bind_mnt("/scratch/ro", env->hostdir2, 0, false),
                bind_mnt("/etc/bound-file", env->hostfile, MS_RDONLY | MS_NOSUID, false),
                bind_mnt("/mnt/./x/../rel/", "bundle-rel", 0, true), /* relative to the bundle */
        };
        char *masked[] = { "/etc/secret", "/etc/secretdir", "/does/not/exist", "/proc/kcore",
                           NULL };
        char *readonly[] = { "/scratch/ro", "/proc/sys", "/missing/ro", NULL };
        struct berth_device devices[] = {
                { .type = 'p', .path = "/dev/testfifo", .file_mode = { true, 0600 } },
                { .type = 'c',
                  .path = "/dev/net/tun",
                  .major = 10,
                  .minor = 200,
                  .file_mode = { true, 0640 },
                  .uid = { true, 1000 },
                  .gid = { true, 1000 } },
        };
        struct berth_namespace nss[] = { { BERTH_NS_MNT, NULL },
                                         { BERTH_NS_PID, NULL },
                                         { BERTH_NS_IPC, NULL },
                                         { BERTH_NS_USER, NULL } };
        struct berth_spec spec = {
                .bundle = (char *)env->tmp,
                .root_path = (char *)env->root,
                .root_readonly = true,
                .mounts = mounts,
                .n_mounts = sizeof(mounts) / sizeof(mounts[0]),
                .masked_paths = masked,
                .readonly_paths = readonly,
                .devices = devices,
                /* the tun bind needs the host's node in a user namespace */
                .n_devices = (!userns || env->has_tun) ? 2 : 1,
                .namespaces = nss,
                .n_namespaces = userns ? 4 : 3,
        };

        for (size_t i = 0; i < spec.n_mounts; i++)
                if (strcmp(mounts[i].destination, "/scratch") == 0)
                        mounts[i].propagation = MS_SHARED;

        umask(022);
        struct berth_error err = { 0 };
        int r = rootfs_prepare(&spec, &err);
        report(rp, r == 0, "rootfs_prepare succeeds", "%s", err.msg);
        if (r < 0)
                return;
        report(rp, umask(022) == 022, "rootfs_prepare restores the umask", "umask changed");
        r = rootfs_pivot(&spec, false, &err);
        report(rp, r == 0, "rootfs_pivot succeeds", "%s", err.msg);
        if (r < 0)
                return;

        char cwd[PATH_MAX] = "";
        report(rp, getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0, "cwd is / after pivot",
               "cwd is %s", cwd);

        struct stat st;
        struct statvfs sv;
        report(rp, is_char("/dev/null", 1, 3, &st) && (st.st_mode & 0777) == 0666,
               "/dev/null is char 1:3 mode 0666", "mode %o rdev %u:%u", st.st_mode,
               major(st.st_rdev), minor(st.st_rdev));
        static const struct {
                const char *path;
                unsigned int maj, min;
        } nodes[] = { { "/dev/zero", 1, 5 },
                      { "/dev/full", 1, 7 },
                      { "/dev/random", 1, 8 },
                      { "/dev/urandom", 1, 9 },
                      { "/dev/tty", 5, 0 } };
        for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
                char name[64];
                snprintf(name, sizeof(name), "%s is char %u:%u", nodes[i].path, nodes[i].maj,
                         nodes[i].min);
                report(rp, is_char(nodes[i].path, nodes[i].maj, nodes[i].min, &st), name,
                       "missing or wrong");
        }
        check_link(rp, "/dev/fd", "/proc/self/fd");
        check_link(rp, "/dev/stdin", "/proc/self/fd/0");
        check_link(rp, "/dev/stdout", "/proc/self/fd/1");
        check_link(rp, "/dev/stderr", "/proc/self/fd/2");
        check_link(rp, "/dev/ptmx", "pts/ptmx");
        report(rp, lstat("/dev/core", &st) < 0, "/dev/core absent when the kernel has no kcore",
               "exists");
        int ptmx = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        report(rp, ptmx >= 0, "/dev/ptmx opens a pty of the new devpts", "%s", strerror(errno));
        if (ptmx >= 0)
                close(ptmx);
        report(rp,
               statvfs("/dev/shm", &sv) == 0 && !(sv.f_flag & ST_RDONLY) && (sv.f_flag & ST_NOEXEC),
               "/dev/shm is a writable noexec tmpfs", "flags %lx", sv.f_flag);
        report(rp, statvfs("/dev/mqueue", &sv) == 0, "/dev/mqueue is mounted", "%s",
               strerror(errno));

        report(rp, is_char("/dev/net/tun", 10, 200, &st) || (userns && !env->has_tun),
               "linux.devices: /dev/net/tun is char 10:200 (parent dir created)", "missing");
        if (!userns)
                report(rp, (st.st_mode & 07777) == 0640 && st.st_uid == 1000 && st.st_gid == 1000,
                       "linux.devices: mode 0640 and owner 1000:1000 applied",
                       "mode %o owner %u:%u", st.st_mode & 07777, st.st_uid, st.st_gid);
        report(rp,
               lstat("/dev/testfifo", &st) == 0 && S_ISFIFO(st.st_mode) &&
                       (st.st_mode & 0777) == 0600,
               "linux.devices: /dev/testfifo is a fifo mode 0600", "missing or wrong");

        char buf[256] = "";
        report(rp, readlink("/proc/self", buf, sizeof(buf) - 1) > 0 && strcmp(buf, "1") == 0,
               "/proc is fresh: /proc/self is 1", "/proc/self is \"%s\"", buf);

        report(rp, read_text("/mnt/ro/hello", buf, sizeof(buf)) > 0 && strcmp(buf, "hello\n") == 0,
               "ro bind shows the host dir", "read \"%s\"", buf);
        check_erofs_create(rp, "ro bind refuses writes with EROFS", "/mnt/ro/new");
        const unsigned long locked = ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC;
        report(rp, statvfs("/mnt/locked", &sv) == 0 && (sv.f_flag & locked) == locked,
               "ro bind keeps the source's nosuid,nodev,noexec", "flags %lx", sv.f_flag);
        report(rp,
               read_text("/etc/bound-file", buf, sizeof(buf)) > 0 &&
                       strcmp(buf, "bound file\n") == 0,
               "file bind onto a created empty file", "read \"%s\"", buf);
        report(rp, open("/etc/bound-file", O_WRONLY | O_CLOEXEC) < 0 && errno == EROFS,
               "ro file bind refuses writes", "%s", strerror(errno));
        report(rp, read_text("/mnt/rel/marker", buf, sizeof(buf)) > 0,
               "relative bind source is relative to the bundle", "%s", strerror(errno));

        report(rp, mountinfo_has("/scratch", " shared:"),
               "a mount's propagation option (shared) survives the pivot", "not shared");
        int fd = open("/scratch/w", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        report(rp, fd >= 0, "tmpfs /scratch is writable", "%s", strerror(errno));
        if (fd >= 0)
                close(fd);
        report(rp, read_text("/scratch/ro/inner", buf, sizeof(buf)) > 0,
               "bind under a tmpfs mount (mount order)", "%s", strerror(errno));
        check_erofs_create(rp, "readonly path refuses writes with EROFS", "/scratch/ro/new");
        report(rp, open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC) < 0 && errno == EROFS,
               "readonly path /proc/sys refuses writes", "%s", strerror(errno));

        ssize_t n = read_text("/etc/secret", buf, sizeof(buf));
        report(rp, n == 0, "masked file reads empty", "read %zd bytes", n);
        report(rp, is_char("/etc/secret", 1, 3, &st), "masked file is /dev/null", "not 1:3");
        report(rp, lstat("/etc/secretdir/key", &st) < 0 && errno == ENOENT,
               "masked dir hides its contents", "key is visible");
        check_erofs_create(rp, "masked dir is a read-only tmpfs", "/etc/secretdir/new");

        report(rp, mkdir("/newdir", 0755) < 0 && errno == EROFS, "root is read-only",
               "mkdir /newdir: %s", strerror(errno));
        report(rp, statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY), "/sys is read-only",
               "flags %lx", sv.f_flag);
        report(rp, lstat("/sys/kernel", &st) == 0, "/sys shows sysfs", "%s", strerror(errno));
        check_cgroup_ro(rp);

        report(rp, lstat(env->tmp, &st) < 0 && lstat("/usr", &st) < 0,
               "the host's tree is not visible", "host paths exist");
        check_mountinfo(rp, env->tmp);
        if (getenv("BERTH_SMOKE_VERBOSE")) {
                char *mi = read_all("/proc/self/mountinfo");
                fprintf(stderr, "--- mountinfo (%s) ---\n%s", userns ? "userns" : "host",
                        mi ? mi : "");
                free(mi);
        }
        int rc = run_busybox("cat /mnt/ro/hello >/dev/null && ls /dev/pts >/dev/null && "
                             "echo x >/dev/null");
        report(rp, rc == 0, "busybox runs in the rootfs", "exit %d", rc);
}

void scenario_host(const struct report *rp, const struct env *env)
{
        scenario_full(rp, env, false);
}

void scenario_userns(const struct report *rp, const struct env *env)
{
        scenario_full(rp, env, true);
}

/* --no-pivot: MS_MOVE + chroot, and rootfsPropagation "shared" with it. */
void scenario_no_pivot(const struct report *rp, const struct env *env)
{
        struct berth_mount mounts[] = {
                mnt("/proc", "proc", "proc", NOSUID_NODEV_NOEXEC, NULL),
                mnt("/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755"),
        };
        struct berth_spec spec = {
                .bundle = (char *)env->tmp,
                .root_path = (char *)env->root,
                .mounts = mounts,
                .n_mounts = 2,
        };
        struct berth_error err = { 0 };
        int r = rootfs_prepare(&spec, &err);
        if (r == 0)
                r = rootfs_pivot(&spec, true, &err);
        report(rp, r == 0, "no_pivot: prepare + MS_MOVE/chroot succeed", "%s", err.msg);
        if (r < 0)
                return;
        char buf[64] = "";
        struct stat st;
        report(rp, readlink("/proc/self", buf, sizeof(buf) - 1) > 0 && strcmp(buf, "1") == 0,
               "no_pivot: /proc is the container's", "/proc/self is \"%s\"", buf);
        report(rp, lstat("/usr", &st) < 0 && is_char("/dev/null", 1, 3, &st),
               "no_pivot: / is the rootfs", "wrong root");
}

/* rootfsPropagation: pivot_root must still work, and / gets the mode. */
static void check_propagation(const struct report *rp, const struct env *env, const char *mode,
                              const char *tag)
{
        struct berth_mount mounts[] = {
                mnt("/proc", "proc", "proc", NOSUID_NODEV_NOEXEC, NULL),
        };
        struct berth_spec spec = {
                .bundle = (char *)env->tmp,
                .root_path = (char *)env->root,
                .mounts = mounts,
                .n_mounts = 1,
                .rootfs_propagation = (char *)mode,
        };
        struct berth_error err = { 0 };
        char name[128];
        int r = rootfs_prepare(&spec, &err);
        if (r == 0)
                r = rootfs_pivot(&spec, false, &err);
        snprintf(name, sizeof(name), "rootfsPropagation %s: prepare and pivot_root work", mode);
        report(rp, r == 0, name, "%s", err.msg);
        if (r < 0)
                return;
        snprintf(name, sizeof(name), "rootfsPropagation %s is applied to / after pivot", mode);
        report(rp, mountinfo_has("/", tag), name, "no \"%s\" in the / line of mountinfo", tag);
}

void scenario_shared(const struct report *rp, const struct env *env)
{
        check_propagation(rp, env, "shared", " shared:");
}

void scenario_unbindable(const struct report *rp, const struct env *env)
{
        check_propagation(rp, env, "unbindable", " unbindable");
}

/* rootfs_enter, a sysctl write, rootfs_finalize: the order a caller with
 * linux.sysctl needs, since /proc/sys becomes read-only in finalize. */
void scenario_split(const struct report *rp, const struct env *env)
{
        struct berth_mount mounts[] = {
                mnt("/proc", "proc", "proc", NOSUID_NODEV_NOEXEC, NULL),
        };
        char *readonly[] = { "/proc/sys", NULL };
        struct berth_spec spec = {
                .bundle = (char *)env->tmp,
                .root_path = (char *)env->root,
                .mounts = mounts,
                .n_mounts = 1,
                .readonly_paths = readonly,
        };
        struct berth_error err = { 0 };
        int r = rootfs_prepare(&spec, &err);
        if (r == 0)
                r = rootfs_enter(&spec, false, &err);
        report(rp, r == 0, "rootfs_prepare + rootfs_enter succeed", "%s", err.msg);
        if (r < 0)
                return;
        int fd = open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC);
        bool wrote = fd >= 0 && write(fd, "berth-smoke", 11) == 11;
        report(rp, wrote, "/proc/sys is writable between enter and finalize", "%s",
               strerror(errno));
        if (fd >= 0)
                close(fd);
        r = rootfs_finalize(&spec, &err);
        report(rp, r == 0, "rootfs_finalize succeeds", "%s", err.msg);
        char host[64] = "";
        gethostname(host, sizeof(host));
        report(rp, strcmp(host, "berth-smoke") == 0, "the sysctl took effect", "hostname %s", host);
        report(rp, open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC) < 0 && errno == EROFS,
               "/proc/sys is read-only after finalize", "%s", strerror(errno));
}

static bool contains(const char *msg, const char *a, const char *b)
{
        return strstr(msg, a) && (!b || strstr(msg, b));
}

/* The attacks: destinations that lead out of the rootfs. Only
 * rootfs_prepare runs; the host paths are checked here and again by the
 * top process. */
void scenario_evil(const struct report *rp, const struct env *env)
{
        char dot[PATH_MAX + 32], dot_in[PATH_MAX * 2], sub[PATH_MAX + 8];
        const char *missing = "/nonexistent-berth-smoke-source";
        snprintf(dot, sizeof(dot), "/../../..%s", env->outside_dot);
        snprintf(dot_in, sizeof(dot_in), "%s%s", env->evil_root, env->outside_dot);
        static const struct {
                const char *name;
                const char *dest;
                bool bind;
                const char *want_a, *want_b; /* NULL want_a: must succeed */
        } cases[] = {
                { "final symlink to the host is refused", "/evil", false, "mount /evil",
                  "target is a symlink" },
                { "final symlink refused for a file bind", "/evil", true, "mount /evil",
                  "target is a symlink" },
                { "symlink component to a missing host path is refused", "/evil/sub", false,
                  "mount /evil/sub", "symlink" },
                { "symlink component to an existing host dir is refused", "/evil-dir/sub", false,
                  "mount /evil-dir/sub", "symlink" },
        };
        struct berth_error err;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct berth_mount m = cases[i].bind
                                               ? bind_mnt(cases[i].dest, env->hostfile, 0, false)
                                               : mnt(cases[i].dest, "tmpfs", "tmpfs", 0, NULL);
                struct berth_spec spec = {
                        .bundle = (char *)env->tmp,
                        .root_path = (char *)env->evil_root,
                        .mounts = &m,
                        .n_mounts = 1,
                };
                memset(&err, 0, sizeof(err));
                int r = rootfs_prepare(&spec, &err);
                report(rp, r < 0 && contains(err.msg, cases[i].want_a, cases[i].want_b),
                       cases[i].name, "rc %d, message \"%s\"", r, err.msg);
                if (getenv("BERTH_SMOKE_VERBOSE"))
                        fprintf(stderr, "%s: %s\n", cases[i].dest, err.msg);
        }
        struct stat st;
        snprintf(sub, sizeof(sub), "%s/sub", env->outside_dir);
        report(rp, lstat(env->outside, &st) < 0 && lstat(sub, &st) < 0,
               "nothing created at the host paths (inside check)", "created");

        /* ".." cannot climb out: the path is cleaned inside the rootfs */
        struct berth_mount m = mnt(dot, "tmpfs", "tmpfs", 0, NULL);
        struct berth_spec spec = {
                .bundle = (char *)env->tmp,
                .root_path = (char *)env->evil_root,
                .mounts = &m,
                .n_mounts = 1,
        };
        memset(&err, 0, sizeof(err));
        int r = rootfs_prepare(&spec, &err);
        struct statvfs sv;
        report(rp, r == 0 && lstat(env->outside_dot, &st) < 0 && statvfs(dot_in, &sv) == 0,
               "\"..\" in a destination stays inside the rootfs", "rc %d %s", r, err.msg);

        /* a bind source that does not exist */
        m = bind_mnt("/mnt/missing", missing, MS_RDONLY, true);
        memset(&err, 0, sizeof(err));
        r = rootfs_prepare(&spec, &err);
        if (getenv("BERTH_SMOKE_VERBOSE"))
                fprintf(stderr, "missing source: %s\n", err.msg);
        report(rp,
               r == -ENOENT && contains(err.msg, "mount /mnt/missing", missing) &&
                       contains(err.msg, "No such file or directory", NULL),
               "missing bind source gives a clear error", "rc %d, message \"%s\"", r, err.msg);

        /* a device whose parent is a symlink to a host dir */
        struct berth_device dev = { .type = 'c', .path = "/evil-dir/null", .major = 1, .minor = 3 };
        spec.n_mounts = 0;
        spec.devices = &dev;
        spec.n_devices = 1;
        memset(&err, 0, sizeof(err));
        r = rootfs_prepare(&spec, &err);
        snprintf(sub, sizeof(sub), "%s/null", env->outside_dir);
        if (getenv("BERTH_SMOKE_VERBOSE"))
                fprintf(stderr, "device: %s\n", err.msg);
        report(rp, r < 0 && lstat(sub, &st) < 0,
               "device under a symlinked dir stays out of the host", "rc %d, message \"%s\"", r,
               err.msg);
}
