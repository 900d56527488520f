/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const int clone_flag_table[BERTH_NS__COUNT] = {
        [BERTH_NS_PID] = CLONE_NEWPID,   [BERTH_NS_NET] = CLONE_NEWNET,
        [BERTH_NS_MNT] = CLONE_NEWNS,    [BERTH_NS_IPC] = CLONE_NEWIPC,
        [BERTH_NS_UTS] = CLONE_NEWUTS,   [BERTH_NS_USER] = CLONE_NEWUSER,
        [BERTH_NS_CGROUP] = CLONE_NEWCGROUP, [BERTH_NS_TIME] = CLONE_NEWTIME,
};

/* The order in which the init joins namespaces by path: user first, so
 * that the later setns() calls are checked against its capabilities;
 * mount last, since joining it changes what paths mean. */
static const enum berth_ns_type join_order[] = {
        BERTH_NS_USER, BERTH_NS_IPC, BERTH_NS_UTS, BERTH_NS_NET,
        BERTH_NS_CGROUP, BERTH_NS_TIME, BERTH_NS_MNT,
};

int ns_clone_flag(enum berth_ns_type type)
{
        return type < BERTH_NS__COUNT ? clone_flag_table[type] : 0;
}

unsigned long ns_clone_flags(const struct berth_spec *spec)
{
        unsigned long flags = 0;
        for (size_t i = 0; i < spec->n_namespaces; i++) {
                const struct berth_namespace *ns = &spec->namespaces[i];
                if (!ns->path && ns->type != BERTH_NS_TIME && ns->type != BERTH_NS_CGROUP)
                        flags |= (unsigned long)clone_flag_table[ns->type];
        }
        return flags;
}

static int open_ns(const struct berth_namespace *ns, struct berth_error *err)
{
        int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set(err, errno, "open %s namespace %s",
                                       ns_type_name(ns->type), ns->path);
        return fd;
}

int ns_prepare_parent(const struct berth_spec *spec, struct berth_error *err)
{
        const struct berth_namespace *pid = spec_namespace(spec, BERTH_NS_PID);
        if (pid && pid->path) {
                _cleanup_close_ int fd = open_ns(pid, err);
                if (fd < 0)
                        return fd;
                if (setns(fd, CLONE_NEWPID) < 0)
                        return berth_error_set(err, errno, "join pid namespace %s", pid->path);
        }
        const struct berth_namespace *t = spec_namespace(spec, BERTH_NS_TIME);
        if (t && t->path) {
                /* a time namespace is entered for children, like pid */
                _cleanup_close_ int fd = open_ns(t, err);
                if (fd < 0)
                        return fd;
                if (setns(fd, CLONE_NEWTIME) < 0)
                        return berth_error_set(err, errno, "join time namespace %s", t->path);
        } else if (t) {
                if (unshare(CLONE_NEWTIME) < 0)
                        return berth_error_set(err, errno, "create time namespace");
                static const char *const clocks[] = { "monotonic", "boottime" };
                char buf[128] = "";
                size_t used = 0;
                for (int i = 0; i < 2; i++) {
                        if (!spec->time_offsets[i].set)
                                continue;
                        used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s %lld %u\n",
                                                 clocks[i],
                                                 (long long)spec->time_offsets[i].secs,
                                                 spec->time_offsets[i].nanosecs);
                }
                if (used) {
                        int r = write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf);
                        if (r < 0)
                                return berth_error_set(err, -r, "set time offsets");
                }
        }
        return 0;
}

int ns_open_paths(const struct berth_spec *spec, int fds[BERTH_NS__COUNT],
                  struct berth_error *err)
{
        for (int i = 0; i < BERTH_NS__COUNT; i++)
                fds[i] = -1;
        for (size_t i = 0; i < spec->n_namespaces; i++) {
                const struct berth_namespace *ns = &spec->namespaces[i];
                if (!ns->path || ns->type == BERTH_NS_PID || ns->type == BERTH_NS_TIME)
                        continue;
                int fd = open_ns(ns, err);
                if (fd < 0) {
                        ns_close_fds(fds);
                        return fd;
                }
                fds[ns->type] = fd;
        }
        return 0;
}

void ns_close_fds(int fds[BERTH_NS__COUNT])
{
        for (int i = 0; i < BERTH_NS__COUNT; i++)
                if (fds[i] >= 0) {
                        close(fds[i]);
                        fds[i] = -1;
                }
}

int ns_join_opened(int fds[BERTH_NS__COUNT], struct berth_error *err)
{
        for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
                enum berth_ns_type t = join_order[i];
                if (fds[t] < 0)
                        continue;
                if (setns(fds[t], clone_flag_table[t]) < 0) {
                        int r = berth_error_set(err, errno, "join %s namespace", ns_type_name(t));
                        ns_close_fds(fds);
                        return r;
                }
                close(fds[t]);
                fds[t] = -1;
        }
        return 0;
}

char *ns_format_idmap(const struct berth_idmap *maps, size_t n)
{
        size_t cap = n * 40 + 1;
        char *s = malloc(cap);
        if (!s)
                return NULL;
        size_t used = 0;
        s[0] = '\0';
        for (size_t i = 0; i < n; i++)
                used += (size_t)snprintf(s + used, cap - used, "%u %u %u\n", maps[i].container_id,
                                         maps[i].host_id, maps[i].size);
        return s;
}

static int write_map(pid_t pid, const char *file, const struct berth_idmap *maps, size_t n,
                     struct berth_error *err)
{
        if (n == 0)
                return 0;
        _cleanup_free_ char *text = ns_format_idmap(maps, n);
        if (!text)
                return berth_error_set(err, ENOMEM, "format %s", file);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
        int r = write_file_at(AT_FDCWD, path, text);
        if (r < 0)
                return berth_error_set(err, -r, "write %s (%.*s)", file,
                                       (int)strcspn(text, "\n"), text);
        return 0;
}

int ns_write_idmaps(pid_t pid, const struct berth_spec *spec, struct berth_error *err)
{
        /* Not root: the kernel's rules for an unprivileged writer, or
         * newuidmap/newgidmap (ns-rootless.c). */
        if (geteuid() != 0)
                return ns_write_idmaps_unprivileged(pid, spec, err);
        int r = write_map(pid, "uid_map", spec->uid_mappings, spec->n_uid_mappings, err);
        if (r < 0)
                return r;
        return write_map(pid, "gid_map", spec->gid_mappings, spec->n_gid_mappings, err);
}
