/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup-smoke, the failure cases: a limit the kernel refuses on update
 * and on create, a controller the machine lacks, a failed create next to
 * an existing parent, and two containers sharing a parent. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smoke.h"
#include "cgroup-smoke.h"

void test_refused_limit_on_update(void)
{
        if (layout == CGROUP_LAYOUT_V2 || !v1_has("memory")) {
                printf("skip - refused memory limit (v1 memory only)\n");
                return;
        }
        const char *path = path_of("c2");
        struct berth_cgroup *cg = NULL;
        struct berth_error err = { 0 };
        int r = cgroup_create(path, NULL, &cg, &err);
        check(r == 0, "create %s without resources%s%s", path, r ? ": " : "", r ? err.msg : "");
        if (r < 0)
                return;
        struct child ch = { 0 };
        r = spawn(cg, &ch, &err);
        char *s = r == 0 ? ask(&ch, 'm') : NULL;
        check(s && strcmp(s, "ok") == 0, "the child holds 16 MiB inside the cgroup");
        struct berth_resources tiny = { 0 };
        tiny.memory.limit = (struct opt_i64){ true, 1 };
        r = cgroup_update(cg, &tiny, &err);
        check(r == -EBUSY &&
                      strstr(err.msg, "set memory.limit_in_bytes to 1 in /sys/fs/cgroup/memory") &&
                      strstr(err.msg, path),
              "a 1-byte limit is refused with the file, value and path: %s", err.msg);
        r = cgroup_destroy(cg, &err);
        check(r == 0, "destroy with a live child%s%s", r ? ": " : "", r ? err.msg : "");
        int status = 0;
        waitpid(ch.pid, &status, 0);
        check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "destroy killed the child");
        child_close(&ch);
        cgroup_free(cg);
        check(count_dirs(top) == 0, "nothing of %s is left", top);
}

/* A value the kernel refuses at create time: the error names file, value
 * and cgroup, and every directory create made is gone. */
void test_refused_value_on_create(void)
{
        if (!has("cpuset", "cpuset")) {
                printf("skip - refused value (no cpuset)\n");
                return;
        }
        struct berth_resources res = { 0 };
        res.cpu.cpus = "4095";
        const char *path = path_of("c3");
        struct berth_cgroup *cg = NULL;
        struct berth_error err = { 0 };
        int r = cgroup_create(path, &res, &cg, &err);
        check(r < 0 && strstr(err.msg, "set cpuset.cpus to 4095 in ") && strstr(err.msg, path),
              "cpuset.cpus 4095 is refused by name: %s", err.msg);
        check(count_dirs(top) == 0, "a refused create leaves nothing behind");
}

/* A controller this machine does not mount (net_cls here) is an error
 * naming it, not a silent no-op. */
void test_missing_controller(void)
{
        if (layout == CGROUP_LAYOUT_V2 || v1_has("net_cls")) {
                printf("skip - net_cls is mounted, or v2\n");
                return;
        }
        struct berth_resources res = { 0 };
        res.network.class_id = (struct opt_u64){ true, 0x100001 };
        struct berth_cgroup *cg = NULL;
        struct berth_error err = { 0 };
        int r = cgroup_create(path_of("c4"), &res, &cg, &err);
        check(r == -EOPNOTSUPP && strstr(err.msg, "linux.resources.network.classID") &&
                      strstr(err.msg, "net_cls"),
              "network.classID without a net_cls hierarchy is refused by name: %s", err.msg);
        check(count_dirs(top) == 0, "nothing of %s is left after it", top);
}

/* create only removes what it made: a parent that was there stays. */
void test_failed_create_keeps_existing_parent(void)
{
        for (size_t i = 0; i < n_mounts; i++) {
                char p[4096];
                snprintf(p, sizeof(p), "%.255s%.63s", mounts[i], top);
                mkdir(p, 0755);
                if (layout == CGROUP_LAYOUT_V1 || layout == CGROUP_LAYOUT_HYBRID) {
                        /* a usable cpuset parent, as a real one would be */
                        char src[4200], dst[4200];
                        snprintf(src, sizeof(src), "%.255s/cpuset.cpus", mounts[i]);
                        if (!exists(src))
                                continue;
                        for (int k = 0; k < 2; k++) {
                                const char *f = k ? "cpuset.mems" : "cpuset.cpus";
                                snprintf(src, sizeof(src), "%.255s/%s", mounts[i], f);
                                snprintf(dst, sizeof(dst), "%s/%s", p, f);
                                char *v = slurp(src);
                                int fd = open(dst, O_WRONLY);
                                if (v && fd >= 0)
                                        (void)!write(fd, v, strlen(v));
                                if (fd >= 0)
                                        close(fd);
                                free(v);
                        }
                }
        }
        struct berth_resources res = { 0 };
        res.unified = (struct kv[]){ { "nosuch.file", "1" } };
        res.n_unified = 1;
        struct berth_cgroup *cg = NULL;
        struct berth_error err = { 0 };
        int r = cgroup_create(path_of("c5"), &res, &cg, &err);
        check(r < 0 && strstr(err.msg, layout == CGROUP_LAYOUT_V1 ? "linux.resources.unified"
                                                                  : "nosuch.file"),
              "an unknown unified key is an error: %s", err.msg);
        check(count_dirs(path_of("c5")) == 0 && count_dirs(top) == n_mounts,
              "the failed create removed c5 and kept the parent it did not make");
}

/* Two containers under one parent; delete runs in a later process, so the
 * second goes through cgroup_open. */
void test_shared_parent_and_open(void)
{
        struct berth_cgroup *a = NULL, *b = NULL;
        struct berth_error err = { 0 };
        int r = cgroup_create(path_of("c6"), NULL, &a, &err);
        if (r == 0)
                r = cgroup_create(path_of("c7"), NULL, &b, &err);
        check(r == 0, "create c6 and c7 side by side%s%s", r ? ": " : "", r ? err.msg : "");
        if (r < 0) {
                cgroup_free(a);
                return;
        }
        cgroup_free(b); /* the "create" process ends */
        r = cgroup_destroy(a, &err);
        cgroup_free(a);
        check(r == 0 && count_dirs(path_of("c6")) == 0 && count_dirs(top) == n_mounts,
              "destroying c6 keeps the parent c7 still uses");
        r = cgroup_open(path_of("c7"), &b, &err);
        check(r == 0, "open c7 from its path alone%s%s", r ? ": " : "", r ? err.msg : "");
        if (r < 0)
                return;
        r = cgroup_destroy(b, &err);
        check(r == 0, "destroy the opened c7%s%s", r ? ": " : "", r ? err.msg : "");
        r = cgroup_destroy(b, &err);
        check(r == 0, "destroy again is not an error%s%s", r ? ": " : "", r ? err.msg : "");
        cgroup_free(b);
        check(count_dirs(top) == 0, "the last destroy removed the shared parent %s", top);
}
