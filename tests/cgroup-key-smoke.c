/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup keys and `info` against the real kernel: get and set a memory
 * limit and pids.max in a cgroup of our own, the errors a user sees, the
 * info object of a process in that cgroup, and info_addresses on a
 * process in a fresh network namespace (a dummy interface with 10.9.8.7
 * and fd00::7). Everything lives under /berth-keytest-<pid> in each
 * hierarchy, which an atexit and signal handler removes whatever happens;
 * nothing else is touched. Needs root (exit 77 without). Last line:
 * `N passed, N failed`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "smoke.h"

#include "../src/manager/cgroup-key.h"
#include "../src/manager/info.h"
#include "cgroup.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static char top[64]; /* "/berth-keytest-<pid>" */
static enum cgroup_layout layout;
static pid_t children[4];


/* ---- the safety net, independent of the library under test */

static char mounts[32][256];
static size_t n_mounts;

static size_t hierarchies(void)
{
        struct statfs fs;
        size_t n = 0;
        if (statfs("/sys/fs/cgroup", &fs) == 0 && (unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC) {
                snprintf(mounts[0], 256, "/sys/fs/cgroup");
                return 1;
        }
        DIR *d = opendir("/sys/fs/cgroup");
        struct dirent *de;
        while (d && n < 32 && (de = readdir(d)) != NULL) {
                char p[300];
                struct stat st;
                if (de->d_name[0] == '.')
                        continue;
                snprintf(p, sizeof(p), "/sys/fs/cgroup/%s", de->d_name);
                if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || statfs(p, &fs) < 0)
                        continue;
                if ((unsigned long)fs.f_type == CGROUP_SUPER_MAGIC ||
                    (unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC)
                        snprintf(mounts[n++], 256, "%.255s", p);
        }
        if (d)
                closedir(d);
        return n;
}

static void kill_children(void)
{
        for (size_t i = 0; i < ARRAY_SIZE(children); i++) {
                if (children[i] <= 0)
                        continue;
                kill(-children[i], SIGKILL);
                kill(children[i], SIGKILL);
                waitpid(children[i], NULL, 0);
                children[i] = 0;
        }
}

/* Our cgroup has no children of its own: empty it, thaw it, rmdir. */
static void remove_cgroup(const char *dir)
{
        char p[4200];
        snprintf(p, sizeof(p), "%s/freezer.state", dir);
        int fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void)!write(fd, "THAWED", 6);
                close(fd);
        }
        for (int tries = 0; tries < 200; tries++) {
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return;
                snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
                FILE *f = fopen(p, "re");
                long pid;
                while (f && fscanf(f, "%ld", &pid) == 1)
                        if (pid > 0)
                                kill((pid_t)pid, SIGKILL);
                if (f)
                        fclose(f);
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                usleep(10000);
        }
}

static size_t count_dirs(const char *rel)
{
        size_t n = 0;
        for (size_t i = 0; i < n_mounts; i++) {
                char p[4096];
                struct stat st;
                snprintf(p, sizeof(p), "%.255s%.63s", mounts[i], rel);
                n += stat(p, &st) == 0;
        }
        return n;
}

static void cleanup_all(void)
{
        kill_children();
        if (top[0] == '\0')
                return;
        for (size_t i = 0; i < n_mounts; i++) {
                char p[4096];
                snprintf(p, sizeof(p), "%.255s%.63s", mounts[i], top);
                remove_cgroup(p);
        }
}

/* What a run killed with SIGKILL left behind. */
static void remove_stale(void)
{
        smoke_remove_stale(mounts, n_mounts, "berth-keytest-", remove_cgroup);
}

static void on_signal(int sig)
{
        cleanup_all();
        signal(sig, SIG_DFL);
        raise(sig);
}

static pid_t start(char *const argv[])
{
        pid_t pid = fork();
        if (pid == 0) {
                setpgid(0, 0);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (argv)
                        execvp(argv[0], argv);
                else
                        for (;;)
                                pause();
                _exit(127);
        }
        for (size_t i = 0; pid > 0 && i < ARRAY_SIZE(children); i++)
                if (children[i] == 0) {
                        children[i] = pid;
                        break;
                }
        return pid;
}

static uint64_t ns_ino(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static bool strv_has(char **v, const char *s)
{
        for (size_t i = 0; v && v[i]; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

/* ---- the tests */

static void expect_get(const char *key, const char *want)
{
        struct berth_error e = { 0 };
        char *v = NULL;
        int r = cgroup_key_get(top, key, &v, &e);
        check(r == 0 && strcmp(v, want) == 0, "get %s reads \"%s\" (got %d \"%s\" %s)", key, want,
              r, v ? v : "", e.msg);
        free(v);
}

static void expect_error(int r, const struct berth_error *e, int code, const char *part)
{
        check(r == -code && strstr(e->msg, part) != NULL, "error %d \"%s\" has \"%s\"", r, e->msg,
              part);
}

static void test_get_and_set(void)
{
        bool v2 = layout == CGROUP_LAYOUT_V2;
        const char *mem = v2 ? "memory.max" : "memory.limit_in_bytes";
        struct berth_error e = { 0 };
        char *path = NULL;
        char want[256];

        int r = cgroup_key_path(top, mem, &path, &e);
        snprintf(want, sizeof(want), "/sys/fs/cgroup%s%s/%s", v2 ? "" : "/memory", top, mem);
        check(r == 0 && strcmp(path, want) == 0, "%s is %s (got %s %s)", mem, want,
              path ? path : "", e.msg);
        free(path);

        r = cgroup_key_set(top, mem, "67108864", &e);
        check(r == 0, "set %s to 64 MiB (%s)", mem, e.msg);
        expect_get(mem, "67108864");

        r = cgroup_key_set(top, "pids.max", "42", &e);
        check(r == 0, "set pids.max to 42 (%s)", e.msg);
        expect_get("pids.max", "42");
        r = cgroup_key_set(top, "pids.max", "max", &e);
        check(r == 0, "set pids.max to max (%s)", e.msg);
        expect_get("pids.max", "max");
        expect_get("cgroup.procs", "");
        if (!v2) /* cpu and cpuacct: co-mounted or not, the key finds cpu's */
                expect_get("cpu.shares", "1024");
        if (layout == CGROUP_LAYOUT_HYBRID) { /* cgroup2-only file: the unified hierarchy */
                char *ev = NULL;
                r = cgroup_key_get(top, "cgroup.events", &ev, &e);
                check(r == 0 && strstr(ev, "populated 0") != NULL,
                      "hybrid: cgroup.events from unified/ (%s)", r ? e.msg : ev);
                free(ev);
        }

        snprintf(want, sizeof(want), "set %s to 'abc': Invalid argument", mem);
        r = cgroup_key_set(top, mem, "abc", &e);
        check(r == -EINVAL && strcmp(e.msg, want) == 0, "refused value: \"%s\"", e.msg);
        expect_get(mem, "67108864");

        char *v = NULL;
        r = cgroup_key_get(top, "foo.bar", &v, &e);
        expect_error(r, &e, ENOENT, "cgroup key 'foo.bar': no controller 'foo' on this machine (");
        r = cgroup_key_get(top, "memory.no_such_file", &v, &e);
        expect_error(r, &e, ENOENT, "memory.no_such_file does not exist");
        r = cgroup_key_get(top, "../memory.max", &v, &e);
        expect_error(r, &e, EINVAL, "no '/'");
        r = cgroup_key_get(top, "memory..max", &v, &e);
        expect_error(r, &e, EINVAL, "\"..\" is not allowed");
        r = cgroup_key_get(top, "pidsmax", &v, &e);
        expect_error(r, &e, EINVAL, "expected <controller>.<file>");
        r = cgroup_key_set("/berth-keytest-no-such-cgroup", "pids.max", "5", &e);
        expect_error(r, &e, ENOENT, "cgroup /sys/fs/cgroup/");
        check(strstr(e.msg, "does not exist") != NULL, "missing cgroup: \"%s\"", e.msg);
        check(v == NULL, "nothing returned on errors");
}

static void test_info_of_a_process_in_the_cgroup(struct berth_cgroup *cg)
{
        struct berth_error e = { 0 };
        pid_t pid = start(NULL);
        int r = cgroup_enter(cg, pid, &e);
        check(r == 0, "child %d in %s (%s)", (int)pid, top, e.msg);
        (void)!cgroup_key_set(top, "pids.max", "42", &e);

        json_t *j = NULL;
        r = info_json(pid, top, &j, &e);
        check(r == 0, "info_json (%s)", e.msg);
        if (r < 0)
                return;
        char *s = json_dumps(j, JSON_COMPACT);
        printf("# %s\n", s ? s : "?");
        free(s);
        check(json_integer_value(json_object_get(j, "pid")) == pid, "pid");
        json_t *mem = json_object_get(j, "memory");
        check(json_is_integer(json_object_get(mem, "usage")), "memory.usage is a number");
        check(json_integer_value(json_object_get(mem, "limit")) == 67108864,
              "memory.limit is 64 MiB");
        json_t *pids = json_object_get(j, "pids");
        check(json_integer_value(json_object_get(pids, "current")) == 1, "pids.current is 1");
        check(json_integer_value(json_object_get(pids, "limit")) == 42, "pids.limit is 42");
        check(json_integer_value(json_object_get(j, "processes")) == 1, "1 process");
        check(json_is_integer(json_object_get(json_object_get(j, "cpu"), "usage_ns")),
              "cpu.usage_ns is a number");
        json_t *net = json_object_get(json_object_get(j, "namespaces"), "net");
        /* /proc/1 may be unreadable (a sandboxed init): then the host's
         * are ours, the namespaces we run in */
        json_t *host = json_object_get(net, "host");
        json_int_t init_ino = (json_int_t)ns_ino("/proc/1/ns/net");
        check(json_integer_value(json_object_get(net, "container")) ==
                              (json_int_t)ns_ino("/proc/self/ns/net") &&
                      json_integer_value(host) ==
                              (init_ino ? init_ino : (json_int_t)ns_ino("/proc/self/ns/net")),
              "namespaces.net: the child's and the host's");
        json_t *v4 = json_object_get(j, "ipv4");
        bool lo = false;
        for (size_t i = 0; i < json_array_size(v4); i++)
                lo |= strcmp(json_string_value(json_array_get(v4, i)), "127.0.0.1") == 0;
        check(json_is_array(v4) && !lo, "host netns: ipv4 is a list without 127.0.0.1");
        json_decref(j);

        /* unlimited reads null */
        (void)!cgroup_key_set(top, "pids.max", "max", &e);
        r = info_json(pid, top, &j, &e);
        check(r == 0 && json_is_null(json_object_get(json_object_get(j, "pids"), "limit")),
              "pids.limit max is null");
        json_decref(j);

        /* no cgroup: those fields null, no error */
        r = info_json(pid, "/berth-keytest-no-such-cgroup", &j, &e);
        check(r == 0 && json_is_null(json_object_get(j, "memory")) &&
                      json_is_null(json_object_get(j, "pids")) &&
                      json_is_null(json_object_get(j, "processes")),
              "missing cgroup: memory, pids, processes null (%s)", r ? e.msg : "");
        json_decref(j);
        j = NULL;
        r = info_json(pid, "berth/relative", &j, &e);
        check(r == -EINVAL && j == NULL, "relative cgroup path refused: \"%s\"", e.msg);
        r = info_json(pid, NULL, &j, &e);
        check(r == 0 && json_is_null(json_object_get(j, "cpu")), "no cgroup path: cpu null");
        json_decref(j);

        kill_children();
        r = info_json(pid, top, &j, &e);
        char want[64];
        snprintf(want, sizeof(want), "process %d is gone", (int)pid);
        check(r == -ESRCH && strcmp(e.msg, want) == 0, "dead pid: \"%s\"", e.msg);
        char **a4 = NULL, **a6 = NULL;
        r = info_addresses(pid, &a4, &a6, &e);
        check(r == -ESRCH && strcmp(e.msg, want) == 0, "info_addresses of a dead pid: \"%s\"",
              e.msg);
}

static void test_addresses_in_a_fresh_netns(void)
{
        char *argv[] = { "unshare",
                         "--net",
                         "sh",
                         "-c",
                         "{ ip link add d0 type dummy 2>/dev/null || "
                         "ip link add d0 type bridge; } && ip addr add 10.9.8.7/24 dev d0 && "
                         "ip link set d0 up && ip -6 addr add fd00::7/64 dev d0 && "
                         "ip link set lo up && sleep 30",
                         NULL };
        uint64_t ours = ns_ino("/proc/thread-self/ns/net");
        pid_t pid = start(argv);
        char **v4 = NULL, **v6 = NULL;
        struct berth_error e = { 0 };
        int r = -1;
        /* until unshare and ip are done */
        for (int i = 0; i < 500; i++) {
                strv_free(v4);
                strv_free(v6);
                v4 = v6 = NULL;
                r = info_addresses(pid, &v4, &v6, &e);
                if (r == 0 && strv_has(v4, "10.9.8.7") && strv_has(v6, "fd00::7"))
                        break;
                usleep(10000);
        }
        check(r == 0 && strv_has(v4, "10.9.8.7"), "finds 10.9.8.7 (%s)", e.msg);
        check(strv_has(v6, "fd00::7"), "finds fd00::7");
        check(!strv_has(v4, "127.0.0.1") && !strv_has(v6, "::1"), "no loopback address");
        check(strv_len(v4) == 1 && strv_len(v6) == 1, "only those (%zu ipv4, %zu ipv6)",
              strv_len(v4), strv_len(v6));
        bool ll = false;
        for (size_t i = 0; v6 && v6[i]; i++)
                ll |= strncmp(v6[i], "fe80:", 5) == 0;
        check(!ll, "no link-local address");
        strv_free(v4);
        strv_free(v6);
        check(ns_ino("/proc/thread-self/ns/net") == ours, "back in our own network namespace");

        /* our own namespace: the host's addresses, same rules */
        memset(&e, 0, sizeof(e));
        r = info_addresses(getpid(), &v4, &v6, &e);
        check(r == 0 && !strv_has(v4, "127.0.0.1") && !strv_has(v4, "10.9.8.7"),
              "own netns: host addresses, no loopback (%s)", e.msg);
        strv_free(v4);
        strv_free(v6);
        kill_children();
}

int main(void)
{
        if (geteuid() != 0) {
                printf("skipped: cgroup-key-smoke needs root\n0 passed, 0 failed\n");
                return 77;
        }
        struct berth_error err = { 0 };
        if (cgroup_detect(&layout, &err) < 0) {
                printf("FAIL - detect: %s\n0 passed, 1 failed\n", err.msg);
                return 1;
        }
        printf("layout: %s\n", cgroup_layout_name(layout));
        n_mounts = hierarchies();
        snprintf(top, sizeof(top), "/berth-keytest-%d", (int)getpid());
        atexit(cleanup_all);
        int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGALRM };
        for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
                signal(sigs[i], on_signal);
        alarm(60);
        remove_stale();

        struct berth_cgroup *cg = NULL;
        if (cgroup_create(top, NULL, &cg, &err) < 0) {
                check(false, "create %s: %s", top, err.msg);
        } else {
                test_get_and_set();
                test_info_of_a_process_in_the_cgroup(cg);
                check(cgroup_destroy(cg, &err) == 0, "destroy %s (%s)", top, err.msg);
                cgroup_free(cg);
        }
        test_addresses_in_a_fresh_netns();

        cleanup_all();
        check(count_dirs(top) == 0, "no %s cgroup is left in any hierarchy", top);
        printf("%d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
}
