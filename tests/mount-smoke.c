/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mount-smoke: rootfs_prepare + rootfs_pivot on the real kernel.
 *
 * Needs root (exits 77, "skipped", otherwise). Builds a busybox rootfs in a
 * temp dir, then runs each scenario in a child that has its own mount,
 * pid, ipc and uts namespaces (and user namespace for the userns scenario),
 * with / made rprivate before the library is called, so no mount can
 * reach the host whatever the code under test does. The grandchild is
 * pid 1 of the new pid namespace (a fresh /proc shows it as 1), calls the
 * library, checks from inside and writes "PASS name" / "FAIL name: why"
 * lines into a pipe. The top process then checks from the host that
 * nothing leaked (mountinfo unchanged, the paths the attacks aimed at are
 * untouched), removes its temp dirs and prints "N passed, N failed". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mount-smoke.h"

struct tally {
        int passed, failed;
};

void report(const struct report *rp, bool ok, const char *name, const char *fmt, ...)
{
        char detail[1024] = "";
        if (!ok && fmt) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(detail, sizeof(detail), fmt, ap);
                va_end(ap);
        }
        char line[1200];
        int n = ok ? snprintf(line, sizeof(line), "PASS %s\n", name)
                   : snprintf(line, sizeof(line), "FAIL %s: %s\n", name, detail);
        if (n > 0 && write(rp->fd, line, (size_t)n) < 0)
                _exit(3);
}

/* ---- host-side helpers ---- */

int write_text(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t)strlen(text) ? 0 : -1;
}

ssize_t read_text(const char *path, char *buf, size_t size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, size - 1);
        close(fd);
        if (n >= 0)
                buf[n] = '\0';
        return n;
}

char *read_all(const char *path)
{
        FILE *f = fopen(path, "re");
        if (!f)
                return NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                fwrite(chunk, 1, n, out);
        fclose(f);
        fclose(out);
        return buf;
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
        int in = open(src, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return -1;
        int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (out < 0) {
                close(in);
                return -1;
        }
        char buf[65536];
        ssize_t n;
        int r = 0;
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, (size_t)n) != n) {
                        r = -1;
                        break;
                }
        if (n < 0)
                r = -1;
        close(in);
        close(out);
        return r;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)st;
        (void)ftw;
        if (type == FTW_DP)
                return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
        return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -rf that stays on one filesystem and never follows a symlink. */
static int rm_rf(const char *path)
{
        struct stat st;
        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -1;
        return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static int build_rootfs(struct env *env)
{
        char p[PATH_MAX + 64];
        static const char *const dirs[] = { "bin", "etc", "etc/secretdir", "mnt" };
        static const char *const applets[] = { "sh", "ls", "cat", "echo", "true", "mount" };
        if (mkdir(env->root, 0755) < 0)
                return -1;
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                snprintf(p, sizeof(p), "%s/%s", env->root, dirs[i]);
                if (mkdir(p, 0755) < 0)
                        return -1;
        }
        snprintf(p, sizeof(p), "%s/bin/busybox", env->root);
        if (copy_file("/bin/busybox", p, 0755) < 0)
                return -1;
        for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
                snprintf(p, sizeof(p), "%s/bin/%s", env->root, applets[i]);
                if (symlink("busybox", p) < 0)
                        return -1;
        }
        snprintf(p, sizeof(p), "%s/etc/secret", env->root);
        if (write_text(p, "secret\n") < 0)
                return -1;
        snprintf(p, sizeof(p), "%s/etc/secretdir/key", env->root);
        if (write_text(p, "key\n") < 0)
                return -1;

        /* the bind sources on the host */
        if (mkdir(env->hostdir, 0755) < 0 || mkdir(env->hostdir2, 0755) < 0 ||
            mkdir(env->lockeddir, 0755) < 0)
                return -1;
        snprintf(p, sizeof(p), "%s/hello", env->hostdir);
        if (write_text(p, "hello\n") < 0)
                return -1;
        snprintf(p, sizeof(p), "%s/inner", env->hostdir2);
        if (write_text(p, "inner\n") < 0)
                return -1;
        if (write_text(env->hostfile, "bound file\n") < 0)
                return -1;
        snprintf(p, sizeof(p), "%s/bundle-rel", env->tmp);
        if (mkdir(p, 0755) < 0)
                return -1;
        snprintf(p, sizeof(p), "%s/bundle-rel/marker", env->tmp);
        if (write_text(p, "marker\n") < 0)
                return -1;

        /* the attacker's rootfs: symlinks aimed at host paths */
        if (mkdir(env->evil_root, 0755) < 0)
                return -1;
        snprintf(p, sizeof(p), "%s/evil", env->evil_root);
        if (symlink(env->outside, p) < 0)
                return -1;
        snprintf(p, sizeof(p), "%s/evil-dir", env->evil_root);
        if (symlink(env->outside_dir, p) < 0)
                return -1;
        if (mkdir(env->outside_dir, 0755) < 0)
                return -1;
        return 0;
}

/* ---- running a scenario in its own namespaces ---- */

typedef void (*scenario_fn)(const struct report *rp, const struct env *env);

static int write_map(pid_t pid, const char *file, const char *map)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, map, strlen(map));
        close(fd);
        return n == (ssize_t)strlen(map) ? 0 : -1;
}

/* The child: a private mount ns with a nosuid,nodev,noexec tmpfs (whose
 * flags a user namespace made next finds locked), [user ns,] mount + pid +
 * ipc + uts ns, / rprivate, then pid 1. */
static void child_main(int out, int ready, int go, bool userns, scenario_fn fn,
                       const struct env *env)
{
        alarm(120); /* kills us; PDEATHSIG then kills the pid 1 below */
        char p[PATH_MAX + 16];
        snprintf(p, sizeof(p), "%s/file", env->lockeddir);
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", env->lockeddir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k") <
                    0 ||
            write_text(p, "locked\n") < 0)
                _exit(15);
        if (userns) {
                char c = 0;
                if (unshare(CLONE_NEWUSER) < 0 || write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
                        _exit(10);
        }
        if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
                _exit(11);
        /* the safety net: whatever the library does, nothing reaches the host */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                _exit(12);
        pid_t pid = fork();
        if (pid < 0)
                _exit(13);
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                struct report rp = { out };
                fn(&rp, env);
                _exit(0);
        }
        int status;
        if (waitpid(pid, &status, 0) < 0)
                _exit(14);
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static void tally_line(struct tally *t, const char *scenario, const char *line)
{
        if (strncmp(line, "PASS ", 5) == 0)
                t->passed++;
        else
                t->failed++;
        printf("%.4s %s: %s\n", line, scenario, line + 5);
}

static void run_scenario(const char *name, scenario_fn fn, bool userns, const struct env *env,
                         struct tally *t)
{
        int out[2], ready[2], go[2];
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
                tally_line(t, name, "FAIL pipe");
                return;
        }
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
                close(out[0]);
                close(ready[0]);
                close(go[1]);
                child_main(out[1], ready[1], go[0], userns, fn, env);
        }
        close(out[1]);
        close(ready[1]);
        close(go[0]);
        if (pid < 0) {
                tally_line(t, name, "FAIL fork");
                close(out[0]);
                close(ready[0]);
                close(go[1]);
                return;
        }
        if (userns) {
                /* root in the container is root on the host for files, but
                 * holds capabilities only in its own namespaces */
                char c;
                bool ok = read(ready[0], &c, 1) == 1 &&
                          write_map(pid, "uid_map", "0 0 65536\n") == 0 &&
                          write_map(pid, "gid_map", "0 0 65536\n") == 0 && write(go[1], &c, 1) == 1;
                if (!ok)
                        tally_line(t, name, "FAIL write the uid/gid maps of the child");
        }
        close(ready[0]);
        close(go[1]);

        FILE *f = fdopen(out[0], "r");
        char line[2048];
        bool any = false;
        while (f && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                tally_line(t, name, line);
                any = true;
        }
        if (f)
                fclose(f);
        int status;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !any) {
                char msg[128];
                snprintf(msg, sizeof(msg), "FAIL the scenario's processes exited with status %d",
                         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                tally_line(t, name, msg);
        }
}

/* ---- host checks ---- */

static void check_host_mountinfo(const char *before, struct tally *t)
{
        char *after = read_all("/proc/self/mountinfo");
        char bad[512] = "";
        for (char *line = after, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                else
                        next = line + strlen(line);
                if (!strstr(before, line))
                        snprintf(bad, sizeof(bad), "%s", line);
        }
        char msg[700];
        if (!after)
                snprintf(msg, sizeof(msg), "FAIL host mountinfo is unchanged: cannot read it");
        else if (bad[0])
                snprintf(msg, sizeof(msg), "FAIL host mountinfo is unchanged: new %s", bad);
        else
                snprintf(msg, sizeof(msg), "PASS host mountinfo is unchanged");
        tally_line(t, "host", msg);
        free(after);
}

static void check_host_paths(const struct env *env, struct tally *t)
{
        struct stat st;
        int entries = 0;
        DIR *d = opendir(env->outside_dir);
        for (struct dirent *de; d && (de = readdir(d));)
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        entries++;
        if (d)
                closedir(d);
        bool ok = lstat(env->outside, &st) < 0 && errno == ENOENT && d && entries == 0 &&
                  lstat(env->outside_dot, &st) < 0 && errno == ENOENT;
        tally_line(
                t, "host",
                ok ? "PASS the paths the symlinks aimed at are untouched"
                   : "FAIL the paths the symlinks aimed at are untouched: something was created");
}

int main(void)
{
        if (geteuid() != 0) {
                printf("SKIP mount-smoke needs root\n");
                return 77;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        struct env env = { 0 };
        snprintf(env.tmp, sizeof(env.tmp), "/tmp/berth-mount-smoke-XXXXXX");
        if (!mkdtemp(env.tmp)) {
                perror("mkdtemp");
                return 1;
        }
        int pid = (int)getpid();
        snprintf(env.root, sizeof(env.root), "%s/rootfs", env.tmp);
        snprintf(env.evil_root, sizeof(env.evil_root), "%s/evil-rootfs", env.tmp);
        snprintf(env.hostdir, sizeof(env.hostdir), "%s/hostdir", env.tmp);
        snprintf(env.hostdir2, sizeof(env.hostdir2), "%s/hostdir2", env.tmp);
        snprintf(env.hostfile, sizeof(env.hostfile), "%s/hostfile", env.tmp);
        snprintf(env.lockeddir, sizeof(env.lockeddir), "%s/lockeddir", env.tmp);
        snprintf(env.outside, sizeof(env.outside), "/tmp/outside-%d", pid);
        snprintf(env.outside_dir, sizeof(env.outside_dir), "/tmp/outside-%d-dir", pid);
        snprintf(env.outside_dot, sizeof(env.outside_dot), "/tmp/outside-%d-dot", pid);
        struct stat st;
        env.has_tun = stat("/dev/net/tun", &st) == 0 && S_ISCHR(st.st_mode);

        struct tally t = { 0 };
        char *before = read_all("/proc/self/mountinfo");
        if (!before || build_rootfs(&env) < 0) {
                tally_line(&t, "setup", "FAIL build the rootfs and the host dirs");
        } else {
                run_scenario("host", scenario_host, false, &env, &t);
                run_scenario("userns", scenario_userns, true, &env, &t);
                run_scenario("no-pivot", scenario_no_pivot, false, &env, &t);
                run_scenario("shared", scenario_shared, false, &env, &t);
                run_scenario("unbindable", scenario_unbindable, false, &env, &t);
                run_scenario("split", scenario_split, false, &env, &t);
                run_scenario("evil", scenario_evil, false, &env, &t);
                check_host_mountinfo(before, &t);
                check_host_paths(&env, &t);
        }
        free(before);

        /* every scenario's namespaces died with it: no mounts hold these */
        bool clean = rm_rf(env.tmp) == 0 && rm_rf(env.outside) == 0 &&
                     rm_rf(env.outside_dir) == 0 && rm_rf(env.outside_dot) == 0;
        tally_line(&t, "host", clean ? "PASS temp dirs removed" : "FAIL temp dirs removed");
        printf("%d passed, %d failed\n", t.passed, t.failed);
        return t.failed ? 1 : 0;
}
