/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The data behind `berth info` and `berth ls --fancy`. Runs in the
 * manager's process on the host, as root or as the container's owner;
 * nothing here changes the container. The one thing that changes us is
 * info_addresses(): the calling thread visits the container's network
 * namespace and comes back before it returns. */
#include "info.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-key.h"
#include "cgroup-stats.h"
#include "cgroup.h"
#include "cleanup.h"
#include "util.h"

/* ---- addresses */

static int strv_push(char ***v, size_t *n, const char *s)
{
        char *copy = strdup(s);
        char **nv = copy ? realloc(*v, (*n + 2) * sizeof(**v)) : NULL;
        if (nv == NULL) {
                free(copy);
                return -ENOMEM;
        }
        nv[(*n)++] = copy;
        nv[*n] = NULL;
        *v = nv;
        return 0;
}

/* The addresses of the namespace the calling thread is in now. */
static int list_here(char ***v4, char ***v6, struct berth_error *err)
{
        struct ifaddrs *ifa = NULL;
        if (getifaddrs(&ifa) < 0)
                return berth_error_set(err, errno, "list network addresses");
        _cleanup_strv_ char **a4 = calloc(1, sizeof(char *));
        _cleanup_strv_ char **a6 = calloc(1, sizeof(char *));
        size_t n4 = 0, n6 = 0;
        int r = a4 && a6 ? 0 : -ENOMEM;
        for (struct ifaddrs *i = ifa; r == 0 && i; i = i->ifa_next) {
                if (i->ifa_addr == NULL || (i->ifa_flags & IFF_LOOPBACK))
                        continue;
                char buf[INET6_ADDRSTRLEN];
                if (i->ifa_addr->sa_family == AF_INET) {
                        const struct sockaddr_in *sin = (const void *)i->ifa_addr;
                        if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)))
                                r = strv_push(&a4, &n4, buf);
                } else if (i->ifa_addr->sa_family == AF_INET6) {
                        const struct sockaddr_in6 *sin6 = (const void *)i->ifa_addr;
                        /* fe80::/10 is on every link and says nothing about
                         * where the container can be reached */
                        if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
                                continue;
                        if (inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf)))
                                r = strv_push(&a6, &n6, buf);
                }
        }
        freeifaddrs(ifa);
        if (r < 0)
                return berth_error_set(err, -r, "list network addresses");
        *v4 = TAKE_PTR(a4);
        *v6 = TAKE_PTR(a6);
        return 0;
}

static int gone(pid_t pid, struct berth_error *err)
{
        return berth_error_setx(err, ESRCH, "process %d is gone", (int)pid);
}

int info_addresses(pid_t pid, char ***ipv4, char ***ipv6, struct berth_error *err)
{
        char path[64];
        if (pid <= 0)
                return berth_error_setx(err, EINVAL, "invalid pid %d", (int)pid);
        /* Our own thread's namespace: another thread may be elsewhere. */
        _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return berth_error_set(err, errno, "open /proc/thread-self/ns/net");
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        _cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
        if (target < 0 && (errno == ENOENT || errno == ESRCH))
                return gone(pid, err);
        if (target < 0)
                return berth_error_set(err, errno, "network namespace of process %d", (int)pid);
        struct stat a, b;
        if (fstat(self, &a) < 0 || fstat(target, &b) < 0)
                return berth_error_set(err, errno, "network namespace of process %d", (int)pid);
        if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                return list_here(ipv4, ipv6, err);

        if (setns(target, CLONE_NEWNET) < 0)
                return berth_error_set(err, errno, "enter the network namespace of process %d",
                                       (int)pid);
        /* From here until the setns back, every exit goes through it:
         * getifaddrs' netlink socket belongs to the namespace it is made
         * in, so it has to be made here and closed before we leave. */
        struct berth_error inner = { 0 };
        int r = list_here(ipv4, ipv6, &inner);
        if (setns(self, CLONE_NEWNET) < 0) {
                int e = errno;
                if (r == 0) {
                        strv_free(*ipv4);
                        strv_free(*ipv6);
                        *ipv4 = *ipv6 = NULL;
                }
                return berth_error_set(err, e,
                                       "return to our own network namespace after visiting "
                                       "process %d's (this thread is stuck there)",
                                       (int)pid);
        }
        if (r < 0) {
                if (err)
                        *err = inner;
                return berth_error_prefix(err, "process %d", (int)pid);
        }
        return 0;
}

/* ---- the JSON object */

static json_t *strv_json(char *const *v)
{
        json_t *a = json_array();
        for (size_t i = 0; a && v && v[i]; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
}

static const char *const ns_names[] = {
        "pid", "mnt", "net", "uts", "ipc", "user", "cgroup", "time"
};

static int ns_inode(pid_t pid, const char *ns, uint64_t *ino)
{
        char path[64];
        struct stat st;
        if (pid > 0)
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
        else
                snprintf(path, sizeof(path), "/proc/1/ns/%s", ns);
        if (stat(path, &st) < 0) {
                /* the host's init may be out of reach (a sandbox): we run in
                 * the host's namespaces, so ours say the same */
                if (pid > 0 || (errno != EACCES && errno != EPERM))
                        return -errno;
                snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
                if (stat(path, &st) < 0)
                        return -errno;
        }
        *ino = (uint64_t)st.st_ino;
        return 0;
}

/* A namespace inode as JSON: null when we may not look (/proc/1 of a
 * machine whose init we cannot ptrace-read, as in some sandboxes). */
static json_t *ino_json(int r, uint64_t ino)
{
        return r == 0 ? json_integer((json_int_t)ino) : json_null();
}

static int namespaces_json(pid_t pid, json_t *obj, struct berth_error *err)
{
        json_t *all = json_object();
        if (all == NULL || json_object_set_new(obj, "namespaces", all) < 0)
                return berth_error_set(err, ENOMEM, "info");
        for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++) {
                uint64_t host = 0, mine = 0;
                int rh = ns_inode(0, ns_names[i], &host);
                if (rh == -ENOENT) { /* this kernel lacks the type (time: before 5.6) */
                        json_object_set_new(all, ns_names[i], json_null());
                        continue;
                }
                if (rh < 0 && rh != -EACCES && rh != -EPERM)
                        return berth_error_set(err, -rh, "/proc/1/ns/%s", ns_names[i]);
                int rc = ns_inode(pid, ns_names[i], &mine);
                if (rc == -ENOENT || rc == -ESRCH)
                        return gone(pid, err);
                if (rc < 0 && rc != -EACCES && rc != -EPERM)
                        return berth_error_set(err, -rc, "/proc/%d/ns/%s", (int)pid, ns_names[i]);
                json_t *o = json_pack("{s:o,s:o}", "container", ino_json(rc, mine), "host",
                                      ino_json(rh, host));
                if (o == NULL || json_object_set_new(all, ns_names[i], o) < 0)
                        return berth_error_set(err, ENOMEM, "info");
        }
        return 0;
}

/* Which parts of the container's cgroup are there: a file of each. */
struct cg_present {
        bool memory, swap, cpu, pids;
};

static bool key_exists(const struct cgroup_key_env *env, const char *cgroup_path, const char *key)
{
        _cleanup_free_ char *p = NULL;
        if (cgroup_key_env_path(env, cgroup_path, key, &p, NULL) < 0)
                return false;
        return faccessat(AT_FDCWD, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int probe_cgroup(const char *cgroup_path, struct cg_present *p, struct berth_error *err)
{
        struct cgroup_key_env env;
        int r = cgroup_key_env_load(&env, err);
        if (r < 0)
                return r;
        bool v2 = env.layout == CGROUP_LAYOUT_V2;
        p->memory = key_exists(&env, cgroup_path, v2 ? "memory.current" : "memory.usage_in_bytes");
        p->swap = key_exists(&env, cgroup_path,
                             v2 ? "memory.swap.current" : "memory.memsw.usage_in_bytes");
        p->cpu = key_exists(&env, cgroup_path, v2 ? "cpu.stat" : "cpuacct.usage");
        p->pids = key_exists(&env, cgroup_path, "pids.current");
        cgroup_key_env_free(&env);
        return 0;
}

/* v1 says "no limit" with the largest page-aligned value below 2^63
 * (PAGE_COUNTER_MAX pages); v2 and pids say "max", read as UINT64_MAX. */
static json_t *limit_json(uint64_t v)
{
        long page = sysconf(_SC_PAGESIZE);
        uint64_t v1_max = (uint64_t)INT64_MAX & ~((uint64_t)(page > 0 ? page : 4096) - 1);
        return v >= v1_max ? json_null() : json_integer((json_int_t)v);
}

/* What the container's cgroup says; which parts are there in *p, the
 * process count in *nprocs (-1 when unknown). */
static int read_cgroup(const char *cgroup_path, struct cg_present *p, struct cgroup_stats *st,
                       long *nprocs, struct berth_error *err)
{
        struct berth_cgroup *cg = NULL;
        /* checks the path too: a malformed one is the caller's error */
        int r = cgroup_open(cgroup_path, &cg, err);
        if (r == 0)
                r = probe_cgroup(cgroup_path, p, err);
        if (r == 0 && (p->memory || p->cpu || p->pids)) {
                r = cgroup_stats_read(cg, st, err);
                if (r == -ENOENT) { /* removed since the probe: as if never there */
                        *p = (struct cg_present){ 0 };
                        r = 0;
                }
        }
        if (r == 0 && (p->memory || p->cpu || p->pids)) {
                pid_t *v = NULL;
                size_t n = 0;
                if (cgroup_pids(cg, &v, &n, NULL) == 0)
                        *nprocs = (long)n;
                free(v);
        }
        cgroup_free(cg);
        return r;
}

/* "memory", "cpu", "pids", "processes": null unless the cgroup has them. */
static int cgroup_json(const char *cgroup_path, json_t *obj, struct berth_error *err)
{
        struct cg_present p = { 0 };
        struct cgroup_stats st = { 0 };
        long nprocs = -1;
        if (cgroup_path != NULL) {
                int r = read_cgroup(cgroup_path, &p, &st, &nprocs, err);
                if (r < 0)
                        return r;
        }
        json_t *mem = json_null(), *cpu = json_null(), *pids = json_null();
        json_t *procs = nprocs >= 0 ? json_integer(nprocs) : json_null();
        if (p.memory) {
                /* memory.swap is memory+swap (v1 memsw, and v2 made alike) */
                uint64_t sw = st.memory.swap.usage, u = st.memory.usage.usage;
                mem = json_pack("{s:I,s:o}", "usage", (json_int_t)u, "limit",
                                limit_json(st.memory.usage.limit));
                if (mem && p.swap)
                        json_object_set_new(mem, "swap_usage",
                                            json_integer((json_int_t)(sw > u ? sw - u : 0)));
        }
        if (p.cpu)
                cpu = json_pack("{s:I}", "usage_ns", (json_int_t)st.cpu.total);
        if (p.pids)
                pids = json_pack("{s:I,s:o}", "current", (json_int_t)st.pids.current, "limit",
                                 limit_json(st.pids.limit));
        cgroup_stats_free(&st);
        /* set_new takes each reference, also on failure */
        int bad = json_object_set_new(obj, "memory", mem);
        bad |= json_object_set_new(obj, "cpu", cpu);
        bad |= json_object_set_new(obj, "pids", pids);
        bad |= json_object_set_new(obj, "processes", procs);
        return bad ? berth_error_set(err, ENOMEM, "info") : 0;
}

int info_json(pid_t pid, const char *cgroup_path, json_t **out, struct berth_error *err)
{
        if (pid <= 0)
                return berth_error_setx(err, EINVAL, "invalid pid %d", (int)pid);
        if (!proc_alive(pid))
                return gone(pid, err);
        json_auto_t *obj = json_object();
        if (obj == NULL || json_object_set_new(obj, "pid", json_integer(pid)) < 0)
                return berth_error_set(err, ENOMEM, "info");

        _cleanup_strv_ char **v4 = NULL;
        _cleanup_strv_ char **v6 = NULL;
        struct berth_error e = { 0 };
        int r = info_addresses(pid, &v4, &v6, &e);
        if (r == -EPERM || r == -EACCES) {
                /* not ours to enter (a rootless caller): unknown, not an error */
                json_object_set_new(obj, "ipv4", json_null());
                json_object_set_new(obj, "ipv6", json_null());
        } else if (r < 0) {
                if (err)
                        *err = e;
                return r;
        } else {
                int bad = json_object_set_new(obj, "ipv4", strv_json(v4));
                bad |= json_object_set_new(obj, "ipv6", strv_json(v6));
                if (bad)
                        return berth_error_set(err, ENOMEM, "info");
        }

        r = cgroup_json(cgroup_path, obj, err);
        if (r == 0)
                r = namespaces_json(pid, obj, err);
        if (r < 0)
                return r;
        /* It may have exited while we looked: then what we have is stale. */
        if (!proc_alive(pid))
                return gone(pid, err);
        *out = TAKE_PTR(obj);
        return 0;
}

/* ---- text */

int info_format_bytes(uint64_t n, char *buf, size_t len)
{
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
        int w;
        if (n < 1024) {
                w = snprintf(buf, len, "%" PRIu64 " B", n);
        } else {
                size_t u = 1;
                uint64_t tenths = 0;
                for (; u < ARRAY_SIZE(units); u++) {
                        uint64_t unit = UINT64_C(1) << (10 * u);
                        /* one decimal, rounded; (n % unit) * 10 < 2^64 for unit <= 2^60 */
                        tenths = (n / unit) * 10 + ((n % unit) * 10 + unit / 2) / unit;
                        /* 1023.96 KiB rounds to 1024.0: say 1.0 MiB instead */
                        if (tenths < 10240 || u == ARRAY_SIZE(units) - 1)
                                break;
                }
                w = snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " %s", tenths / 10, tenths % 10,
                             units[u]);
        }
        return w < 0 || (size_t)w >= len ? -ENOSPC : 0;
}
