/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup keys to files on each layout (v1 with co-mounted controllers,
 * v1 with separate ones, hybrid, pure v2), the keys that are refused and
 * what the refusal says; and info_format_bytes. Pure logic: the layouts
 * are made up here, nothing on the machine is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/manager/cgroup-key.h"
#include "../../src/manager/info.h"
#include "util.h"

static struct cgroup_hierarchy hier(const char *name, const char *key, bool unified)
{
        struct cgroup_hierarchy h = { .unified = unified };
        snprintf(h.name, sizeof(h.name), "%s", name);
        snprintf(h.proc_key, sizeof(h.proc_key), "%s", key);
        return h;
}

/* Debian 11 style: cpu,cpuacct and net_cls,net_prio co-mounted. */
static struct cgroup_hierarchy comounted[] = {
        { "cpu,cpuacct", "cpu,cpuacct", "cpu,cpuacct", false },
        { "net_cls,net_prio", "net_cls,net_prio", "net_cls,net_prio", false },
        { "memory", "memory", "memory", false },
        { "cpuset", "cpuset", "cpuset", false },
        { "devices", "devices", "devices", false },
        { "freezer", "freezer", "freezer", false },
        { "pids", "pids", "pids", false },
        { "systemd", "none,name=systemd", "name=systemd", false },
};

static struct cgroup_key_env env_v1(void)
{
        return (struct cgroup_key_env){ .layout = CGROUP_LAYOUT_V1,
                                        .h = comounted,
                                        .n = ARRAY_SIZE(comounted) };
}

/* Path of key for /berth/c1, or NULL with the error in *e. */
static char *path_of(const struct cgroup_key_env *env, const char *key, struct berth_error *e)
{
        char *out = NULL;
        memset(e, 0, sizeof(*e));
        int r = cgroup_key_env_path(env, "/berth/c1", key, &out, e);
        if (r < 0) {
                assert_null(out);
                assert_int_equal(-r, e->code);
                return NULL;
        }
        return out;
}

static void expect_path(const struct cgroup_key_env *env, const char *key, const char *want)
{
        struct berth_error e;
        char *p = path_of(env, key, &e);
        if (p == NULL)
                fail_msg("%s: %s", key, e.msg);
        assert_string_equal(p, want);
        free(p);
}

static void expect_refused(const struct cgroup_key_env *env, const char *key, int code,
                           const char *part)
{
        struct berth_error e;
        char *p = path_of(env, key, &e);
        if (p != NULL)
                fail_msg("%s: accepted as %s", key, p);
        assert_int_equal(e.code, code);
        if (strstr(e.msg, part) == NULL)
                fail_msg("%s: message \"%s\" lacks \"%s\"", key, e.msg, part);
}

static void test_v1_comounted_controllers_share_a_hierarchy(void **state)
{
        (void)state;
        struct cgroup_key_env env = env_v1();
        expect_path(&env, "cpu.shares", "/sys/fs/cgroup/cpu,cpuacct/berth/c1/cpu.shares");
        expect_path(&env, "cpuacct.usage", "/sys/fs/cgroup/cpu,cpuacct/berth/c1/cpuacct.usage");
        expect_path(&env, "net_prio.ifpriomap",
                    "/sys/fs/cgroup/net_cls,net_prio/berth/c1/net_prio.ifpriomap");
        expect_path(&env, "net_cls.classid",
                    "/sys/fs/cgroup/net_cls,net_prio/berth/c1/net_cls.classid");
        expect_path(&env, "memory.limit_in_bytes",
                    "/sys/fs/cgroup/memory/berth/c1/memory.limit_in_bytes");
        expect_path(&env, "memory.memsw.limit_in_bytes",
                    "/sys/fs/cgroup/memory/berth/c1/memory.memsw.limit_in_bytes");
        expect_path(&env, "cpuset.cpus", "/sys/fs/cgroup/cpuset/berth/c1/cpuset.cpus");
        expect_path(&env, "devices.allow", "/sys/fs/cgroup/devices/berth/c1/devices.allow");
        expect_path(&env, "freezer.state", "/sys/fs/cgroup/freezer/berth/c1/freezer.state");
        expect_path(&env, "pids.max", "/sys/fs/cgroup/pids/berth/c1/pids.max");
}

static void test_v1_separate_cpu_and_cpuacct(void **state)
{
        (void)state;
        struct cgroup_hierarchy h[] = { hier("cpu", "cpu", false),
                                        hier("cpuacct", "cpuacct", false),
                                        hier("memory", "memory", false) };
        struct cgroup_key_env env = { .layout = CGROUP_LAYOUT_V1, .h = h, .n = ARRAY_SIZE(h) };
        expect_path(&env, "cpu.shares", "/sys/fs/cgroup/cpu/berth/c1/cpu.shares");
        expect_path(&env, "cpuacct.usage", "/sys/fs/cgroup/cpuacct/berth/c1/cpuacct.usage");
}

static void test_v1_cgroup_core_files(void **state)
{
        (void)state;
        struct cgroup_key_env env = env_v1();
        /* where the core lists processes: pids first */
        expect_path(&env, "cgroup.procs", "/sys/fs/cgroup/pids/berth/c1/cgroup.procs");
        expect_path(&env, "cgroup.clone_children",
                    "/sys/fs/cgroup/pids/berth/c1/cgroup.clone_children");
        /* without pids, freezer, memory; never the named systemd one */
        struct cgroup_hierarchy h[] = { hier("systemd", "name=systemd", false),
                                        hier("cpu", "cpu", false) };
        struct cgroup_key_env bare = { .layout = CGROUP_LAYOUT_V1, .h = h, .n = ARRAY_SIZE(h) };
        expect_path(&bare, "cgroup.procs", "/sys/fs/cgroup/cpu/berth/c1/cgroup.procs");
        /* cgroup2-only files on a machine without cgroup2 */
        expect_refused(&env, "cgroup.freeze", ENOENT, "no cgroup2 hierarchy");
}

static void test_v1_missing_controller_lists_what_there_is(void **state)
{
        (void)state;
        struct cgroup_key_env env = env_v1();
        expect_refused(&env, "foo.bar", ENOENT,
                       "cgroup key 'foo.bar': no controller 'foo' on this machine (v1 "
                       "hierarchies: cpu,cpuacct net_cls,net_prio memory cpuset devices freezer "
                       "pids)");
        expect_refused(&env, "hugetlb.2MB.limit_in_bytes", ENOENT, "no controller 'hugetlb'");
        expect_refused(&env, "io.max", ENOENT, "no controller 'io'");
        /* a named hierarchy is not a controller */
        expect_refused(&env, "name=systemd.x", EINVAL, "invalid character '='");
}

static void test_hybrid_falls_back_to_unified(void **state)
{
        (void)state;
        struct cgroup_hierarchy h[] = { hier("cpu", "cpu", false), hier("memory", "memory", false),
                                        hier("pids", "pids", false),
                                        hier("systemd", "name=systemd", false),
                                        hier("unified", "", true) };
        char ctrls[] = "hugetlb\n";
        struct cgroup_key_env env = {
                .layout = CGROUP_LAYOUT_HYBRID, .h = h, .n = ARRAY_SIZE(h), .v2_controllers = ctrls
        };
        expect_path(&env, "memory.limit_in_bytes",
                    "/sys/fs/cgroup/memory/berth/c1/memory.limit_in_bytes");
        expect_path(&env, "hugetlb.2MB.max", "/sys/fs/cgroup/unified/berth/c1/hugetlb.2MB.max");
        expect_path(&env, "cgroup.procs", "/sys/fs/cgroup/pids/berth/c1/cgroup.procs");
        expect_path(&env, "cgroup.freeze", "/sys/fs/cgroup/unified/berth/c1/cgroup.freeze");
        expect_path(&env, "cgroup.events", "/sys/fs/cgroup/unified/berth/c1/cgroup.events");
        expect_refused(&env, "blkio.weight", ENOENT,
                       "no controller 'blkio' on this machine (v1 hierarchies: cpu memory pids; "
                       "cgroup2 controllers: hugetlb");
}

static void test_v2_one_directory(void **state)
{
        (void)state;
        char ctrls[] = "cpuset cpu io memory hugetlb pids rdma misc\n";
        struct cgroup_key_env env = { .layout = CGROUP_LAYOUT_V2, .v2_controllers = ctrls };
        expect_path(&env, "memory.max", "/sys/fs/cgroup/berth/c1/memory.max");
        expect_path(&env, "cpu.weight", "/sys/fs/cgroup/berth/c1/cpu.weight");
        expect_path(&env, "pids.max", "/sys/fs/cgroup/berth/c1/pids.max");
        expect_path(&env, "cgroup.procs", "/sys/fs/cgroup/berth/c1/cgroup.procs");
        expect_path(&env, "cgroup.freeze", "/sys/fs/cgroup/berth/c1/cgroup.freeze");
        expect_path(&env, "io.max", "/sys/fs/cgroup/berth/c1/io.max");
        /* v1 controllers v2 does not have */
        expect_refused(&env, "devices.allow", ENOENT,
                       "cgroup key 'devices.allow': no controller 'devices' on this machine "
                       "(cgroup2 controllers: cpuset cpu io memory hugetlb pids rdma misc");
        expect_refused(&env, "freezer.state", ENOENT, "no controller 'freezer'");
        expect_refused(&env, "cpuacct.usage", ENOENT, "no controller 'cpuacct'");
}

static void test_v2_core_files_without_their_controller(void **state)
{
        (void)state;
        char ctrls[] = "memory pids\n";
        struct cgroup_key_env env = { .layout = CGROUP_LAYOUT_V2, .v2_controllers = ctrls };
        expect_path(&env, "cpu.stat", "/sys/fs/cgroup/berth/c1/cpu.stat");
        expect_path(&env, "io.pressure", "/sys/fs/cgroup/berth/c1/io.pressure");
        expect_refused(&env, "cpu.max", ENOENT, "no controller 'cpu'");
        /* "cpu" is a word of the list, not a prefix of "cpuset" */
        char only_cpuset[] = "cpuset";
        env.v2_controllers = only_cpuset;
        expect_refused(&env, "cpu.max", ENOENT, "no controller 'cpu'");
        expect_path(&env, "cpuset.cpus", "/sys/fs/cgroup/berth/c1/cpuset.cpus");
}

static void test_malformed_keys_are_refused(void **state)
{
        (void)state;
        struct cgroup_key_env env = env_v1();
        expect_refused(&env, "", EINVAL, "empty cgroup key");
        expect_refused(&env, "memory/limit", EINVAL, "not a path (no '/')");
        expect_refused(&env, "../../etc/passwd", EINVAL, "no '/'");
        expect_refused(&env, "memory..limit", EINVAL, "\"..\" is not allowed");
        expect_refused(&env, "memory", EINVAL, "expected <controller>.<file>");
        expect_refused(&env, ".limit", EINVAL, "expected <controller>.<file>");
        expect_refused(&env, "memory.", EINVAL, "expected <controller>.<file>");
        expect_refused(&env, "memory.limit in", EINVAL, "invalid character ' '");
        expect_refused(&env, "memory.x\n", EINVAL, "invalid character '?'");
        char longkey[400];
        memset(longkey, 'a', sizeof(longkey) - 1);
        longkey[sizeof(longkey) - 1] = '\0';
        longkey[6] = '.';
        expect_refused(&env, longkey, EINVAL, "longer than 255 bytes");
}

static void test_cgroup_paths(void **state)
{
        (void)state;
        struct cgroup_key_env env = env_v1();
        struct berth_error e = { 0 };
        char *p = NULL;
        assert_int_equal(cgroup_key_env_path(&env, "//berth//c1/", "pids.max", &p, &e), 0);
        assert_string_equal(p, "/sys/fs/cgroup/pids/berth/c1/pids.max");
        free(p);
        p = NULL;
        assert_int_equal(cgroup_key_env_path(&env, "/berth/../etc", "pids.max", &p, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "invalid component '..'"));
        assert_int_equal(cgroup_key_env_path(&env, "berth/c1", "pids.max", &p, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "not absolute"));
        assert_int_equal(cgroup_key_env_path(&env, "/", "pids.max", &p, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "root cgroup"));
        assert_null(p);
}

static void expect_bytes(uint64_t n, const char *want)
{
        char buf[32];
        assert_int_equal(info_format_bytes(n, buf, sizeof(buf)), 0);
        assert_string_equal(buf, want);
}

static void test_format_bytes(void **state)
{
        (void)state;
        expect_bytes(0, "0 B");
        expect_bytes(1023, "1023 B");
        expect_bytes(1024, "1.0 KiB");
        expect_bytes(1536, "1.5 KiB");
        expect_bytes(12897485, "12.3 MiB");
        expect_bytes((UINT64_C(1) << 20) - 1, "1.0 MiB"); /* not "1024.0 KiB" */
        expect_bytes(UINT64_C(5) << 30, "5.0 GiB");
        expect_bytes(UINT64_MAX, "16.0 EiB");
        char small[4];
        assert_int_equal(info_format_bytes(UINT64_C(5) << 30, small, sizeof(small)), -ENOSPC);
        assert_string_equal(small, "5.0");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_v1_comounted_controllers_share_a_hierarchy),
                cmocka_unit_test(test_v1_separate_cpu_and_cpuacct),
                cmocka_unit_test(test_v1_cgroup_core_files),
                cmocka_unit_test(test_v1_missing_controller_lists_what_there_is),
                cmocka_unit_test(test_hybrid_falls_back_to_unified),
                cmocka_unit_test(test_v2_one_directory),
                cmocka_unit_test(test_v2_core_files_without_their_controller),
                cmocka_unit_test(test_malformed_keys_are_refused),
                cmocka_unit_test(test_cgroup_paths),
                cmocka_unit_test(test_format_bytes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
