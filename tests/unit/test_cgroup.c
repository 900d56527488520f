/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure cgroup logic: conversions, paths, value formatting, mountinfo and
 * the resource -> file tables of both backends. No cgroupfs is touched
 * (tests/cgroup-smoke.c does that). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup-internal.h"

#define MiB (INT64_C(1) << 20)

/* ---- conversions */

static void test_shares_to_weight_is_runc_linear(void **state)
{
        (void)state;
        assert_int_equal(cgroup_shares_to_weight(0), 0); /* unset */
        assert_int_equal(cgroup_shares_to_weight(1), 1); /* below the v1 minimum */
        assert_int_equal(cgroup_shares_to_weight(2), 1);
        assert_int_equal(cgroup_shares_to_weight(1024), 39); /* 1 + 1022*9999/262142 */
        assert_int_equal(cgroup_shares_to_weight(512), 20);
        assert_int_equal(cgroup_shares_to_weight(262144), 10000);
        assert_int_equal(cgroup_shares_to_weight(1000000), 10000);
}

static void test_blkio_weight_to_io_weight(void **state)
{
        (void)state;
        assert_int_equal(cgroup_blkio_weight_to_io_weight(0), 0);
        assert_int_equal(cgroup_blkio_weight_to_io_weight(5), 1);
        assert_int_equal(cgroup_blkio_weight_to_io_weight(10), 1);
        assert_int_equal(cgroup_blkio_weight_to_io_weight(500), 4950);
        assert_int_equal(cgroup_blkio_weight_to_io_weight(1000), 10000);
        assert_int_equal(cgroup_blkio_weight_to_io_weight(2000), 10000);
}

/* ---- paths */

static void expect_path(const char *cgroups_path, const char *id, const char *want)
{
        struct berth_error err = { 0 };
        char *p = NULL;
        int r = cgroup_path_resolve(cgroups_path, id, &p, &err);
        if (r != 0)
                fail_msg("%s: %s", cgroups_path ? cgroups_path : "(null)", err.msg);
        assert_string_equal(p, want);
        free(p);
}

static void expect_path_error(const char *cgroups_path, const char *id)
{
        struct berth_error err = { 0 };
        char *p = NULL;
        assert_int_equal(cgroup_path_resolve(cgroups_path, id, &p, &err), -EINVAL);
        assert_null(p);
        assert_int_equal(err.code, EINVAL);
        assert_true(strlen(err.msg) > 0);
}

static void test_path_default_is_berth_id(void **state)
{
        (void)state;
        expect_path(NULL, "c1", "/berth/c1");
        expect_path("", "c1", "/berth/c1");
        char *p = NULL;
        assert_int_equal(cgroup_path_resolve(NULL, "web", &p, NULL), 0);
        assert_string_equal(p, "/berth/web");
        free(p);
}

static void test_path_absolute_and_relative(void **state)
{
        (void)state;
        expect_path("/x/y", "c1", "/x/y");
        expect_path("//x//y/", "c1", "/x/y");
        expect_path("x/y", "c1", "/berth/x/y"); /* relative: under /berth */
        expect_path("/machine/a.b-c", "c1", "/machine/a.b-c");
}

static void test_path_rejects_dotdot_and_root(void **state)
{
        (void)state;
        expect_path_error("/a/../b", "c1");
        expect_path_error("../b", "c1");
        expect_path_error("/a/..", "c1");
        expect_path_error("/a/./b", "c1");
        expect_path_error("/", "c1");
        expect_path_error("///", "c1");
        expect_path_error("/a\nb", "c1");
        expect_path_error(NULL, "a/b"); /* an id is one component */
        expect_path_error(NULL, "..");
        expect_path_error(NULL, "");
}

static void test_path_systemd_form(void **state)
{
        (void)state;
        expect_path("system.slice:berth:c1", "x", "/system.slice/berth-c1.scope");
        expect_path("a-b-c.slice:p:n", "x", "/a.slice/a-b.slice/a-b-c.slice/p-n.scope");
        expect_path(":p:n", "x", "/system.slice/p-n.scope");
        expect_path("-.slice:p:n", "x", "/p-n.scope");
        expect_path("machine.slice::n", "x", "/machine.slice/n.scope");
        expect_path("user.slice:p:sub.slice", "x", "/user.slice/p-sub.slice");
        assert_true(cg_path_is_systemd("a.slice:b:c"));
        assert_false(cg_path_is_systemd("/a.slice:b:c"));
        assert_false(cg_path_is_systemd("a:b"));
        assert_false(cg_path_is_systemd("a:b:c:d"));
}

static void test_path_systemd_rejects_bad_slices(void **state)
{
        (void)state;
        expect_path_error("foo:p:n", "x");        /* not a slice */
        expect_path_error("a--b.slice:p:n", "x"); /* empty part */
        expect_path_error("-a.slice:p:n", "x");
        expect_path_error("a-.slice:p:n", "x");
        expect_path_error("system.slice:p:", "x"); /* no name */
        expect_path_error(".slice:p:n", "x");
}

/* ---- value formatting */

static void test_v1_memsw_ordering(void **state)
{
        (void)state;
        /* fresh cgroup (unlimited): the limit first, then memsw */
        assert_false(cg1_memsw_first(-1, 128 * MiB));
        /* raising 64M -> 256M with memsw 512M: memsw first */
        assert_true(cg1_memsw_first(64 * MiB, 512 * MiB));
        /* lowering 256M -> 32M with memsw 64M: the limit first */
        assert_false(cg1_memsw_first(256 * MiB, 64 * MiB));
        /* unlimited memsw can always go first */
        assert_true(cg1_memsw_first(256 * MiB, -1));
        assert_true(cg1_memsw_first(64 * MiB, 64 * MiB));
}

static void test_pids_limit_formatting(void **state)
{
        (void)state;
        char buf[32];
        cg_pids_value(32, buf, sizeof(buf));
        assert_string_equal(buf, "32");
        cg_pids_value(0, buf, sizeof(buf)); /* 0: no limit, as runc */
        assert_string_equal(buf, "max");
        cg_pids_value(-1, buf, sizeof(buf));
        assert_string_equal(buf, "max");
}

static void test_io_max_line_formatting(void **state)
{
        (void)state;
        char buf[256];
        struct cg2_io_limit one = { .major = 8, .minor = 0, .has = { true }, .rate = { 1048576 } };
        assert_int_equal(cg2_io_max_line(&one, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "8:0 rbps=1048576");
        struct cg2_io_limit all = {
                .major = 254, .minor = 16, .has = { true, true, true, true }, .rate = { 1, 2, 3, 0 }
        };
        assert_int_equal(cg2_io_max_line(&all, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "254:16 rbps=1 wbps=2 riops=3 wiops=max");
        struct cg2_io_limit w = { .major = 8,
                                  .minor = 1,
                                  .has = { false, false, false, true },
                                  .rate = { 0, 0, 0, 100 } };
        assert_int_equal(cg2_io_max_line(&w, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "8:1 wiops=100");
        assert_int_equal(cg2_io_max_line(&all, buf, 8), -ENAMETOOLONG);
}

static void test_v2_swap_is_swap_minus_limit(void **state)
{
        (void)state;
        struct berth_error err = { 0 };
        char buf[32];
        struct berth_resources r = { 0 };
        assert_int_equal(cg2_swap_value(&r, buf, sizeof(buf), &err), 0);
        r.memory.limit = (struct opt_i64){ true, 64 * MiB };
        r.memory.swap = (struct opt_i64){ true, 128 * MiB };
        assert_int_equal(cg2_swap_value(&r, buf, sizeof(buf), &err), 1);
        assert_string_equal(buf, "67108864");
        r.memory.swap.v = -1;
        assert_int_equal(cg2_swap_value(&r, buf, sizeof(buf), &err), 1);
        assert_string_equal(buf, "max");
        r.memory.swap.v = 32 * MiB; /* memory+swap below memory */
        assert_int_equal(cg2_swap_value(&r, buf, sizeof(buf), &err), -EINVAL);
        assert_non_null(strstr(err.msg, "memory+swap"));
        r.memory.limit.set = false; /* swap without a limit */
        r.memory.swap.v = 128 * MiB;
        assert_int_equal(cg2_swap_value(&r, buf, sizeof(buf), &err), -EINVAL);
        r.memory.limit = (struct opt_i64){ true, -1 }; /* unlimited memory, swap unset */
        r.memory.swap.set = false;
        assert_int_equal(cg2_swap_value(&r, buf, sizeof(buf), &err), 1);
        assert_string_equal(buf, "max");
}

static void test_device_rule_formatting(void **state)
{
        (void)state;
        struct berth_error err = { 0 };
        char buf[64];
        struct berth_device_rule d = {
                .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"
        };
        assert_int_equal(cg_device_rule(&d, buf, sizeof(buf), &err), 0);
        assert_string_equal(buf, "c 1:3 rwm");
        d = (struct berth_device_rule){ .type = 'a', .major = -1, .minor = -1, .access = "" };
        assert_int_equal(cg_device_rule(&d, buf, sizeof(buf), &err), 0);
        assert_string_equal(buf, "a *:* rwm");
        d = (struct berth_device_rule){ .type = 'b', .major = 8, .minor = -1, .access = "r" };
        assert_int_equal(cg_device_rule(&d, buf, sizeof(buf), &err), 0);
        assert_string_equal(buf, "b 8:* r");
        d.type = 'x';
        assert_int_equal(cg_device_rule(&d, buf, sizeof(buf), &err), -EINVAL);
        d.type = 'c';
        strcpy(d.access, "rwx");
        assert_int_equal(cg_device_rule(&d, buf, sizeof(buf), &err), -EINVAL);
}

static void test_hugetlb_file_names(void **state)
{
        (void)state;
        struct berth_error err = { 0 };
        char buf[96];
        assert_int_equal(cg_hugetlb_file("2MB", "limit_in_bytes", buf, sizeof(buf), &err), 0);
        assert_string_equal(buf, "hugetlb.2MB.limit_in_bytes");
        assert_int_equal(cg_hugetlb_file("1GB", "max", buf, sizeof(buf), &err), 0);
        assert_string_equal(buf, "hugetlb.1GB.max");
        assert_int_equal(cg_hugetlb_file("../x", "max", buf, sizeof(buf), &err), -EINVAL);
        assert_int_equal(cg_hugetlb_file("2M", "max", buf, sizeof(buf), &err), -EINVAL);
        assert_int_equal(cg_hugetlb_file(NULL, "max", buf, sizeof(buf), &err), -EINVAL);
}

/* ---- mountinfo */

static void test_mountinfo_separate_and_comounted(void **state)
{
        (void)state;
        const char *text =
                "22 26 0:21 / /sys rw,relatime - sysfs sysfs rw\n"
                "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup "
                "rw,cpu,cpuacct\n"
                "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
                "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup "
                "rw,memory,xattr\n"
                "35 30 0:32 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup "
                "rw,net_cls,net_prio\n"
                "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
                "rw,xattr,name=systemd,release_agent=/x\n"
                "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
                /* the memory hierarchy bound again elsewhere, and under us */
                "41 26 0:31 /x /mnt/mem rw - cgroup cgroup rw,memory\n"
                "42 30 0:31 / /sys/fs/cgroup/memory2 rw - cgroup cgroup rw,memory\n"
                /* a named hierarchy that is not systemd's */
                "43 30 0:38 / /sys/fs/cgroup/my\\040thing rw - cgroup none rw,name=mine\n";
        struct berth_error err = { 0 };
        struct cg_mount *m = NULL;
        size_t n = 0;
        assert_int_equal(cg_parse_mountinfo(text, &m, &n, &err), 0);
        assert_int_equal(n, 6);
        assert_string_equal(m[0].mount, "/sys/fs/cgroup/cpu,cpuacct");
        assert_int_equal(m[0].ctrls, (1u << CG_CPU) | (1u << CG_CPUACCT));
        assert_string_equal(m[1].mount, "/sys/fs/cgroup/cpuset");
        assert_int_equal(m[2].ctrls, 1u << CG_MEMORY);
        assert_int_equal(m[3].ctrls, (1u << CG_NET_CLS) | (1u << CG_NET_PRIO));
        assert_int_equal(m[4].ctrls, 1u << CG_NAME_SYSTEMD);
        assert_true(m[5].unified);
        assert_string_equal(m[5].mount, "/sys/fs/cgroup/unified");
        cg_mounts_free(m, n);
}

static void test_mountinfo_unescapes(void **state)
{
        (void)state;
        const char *text = "43 30 0:38 / /sys/fs/cgroup/pi\\040ds rw - cgroup c rw,pids\n";
        struct berth_error err = { 0 };
        struct cg_mount *m = NULL;
        size_t n = 0;
        assert_int_equal(cg_parse_mountinfo(text, &m, &n, &err), 0);
        assert_int_equal(n, 1);
        assert_string_equal(m[0].mount, "/sys/fs/cgroup/pi ds");
        cg_mounts_free(m, n);
}

/* ---- the resource -> file tables */

struct expect {
        const char *file;
        const char *value;
        unsigned flags;
};

static void check_plan(const struct cg_plan *p, const struct expect *e, size_t n)
{
        for (size_t i = 0; i < p->n && i < n; i++) {
                if (strcmp(p->w[i].file, e[i].file) != 0 ||
                    strcmp(p->w[i].value, e[i].value) != 0 || p->w[i].flags != e[i].flags)
                        fail_msg("write %zu: got %s=\"%s\" (flags %u), want %s=\"%s\" (flags %u)",
                                 i, p->w[i].file, p->w[i].value, p->w[i].flags, e[i].file,
                                 e[i].value, e[i].flags);
        }
        assert_int_equal(p->n, n);
}

static struct berth_throttle_device rbps[] = { { 254, 0, 1048576 } };
static struct berth_throttle_device wiops[] = { { 254, 0, 100 }, { 8, 16, 0 } };
static struct berth_weight_device wdev[] = { { 8, 0, { true, 500 }, { false, 0 } } };
static struct berth_hugepage_limit huge[] = { { "2MB", 4194304 } };
static struct berth_device_rule rules[] = {
        { false, 'a', -1, -1, "rwm" },
        { true, 'c', 1, 3, "rwm" },
};

static struct berth_resources full_resources(void)
{
        struct berth_resources r = { 0 };
        r.memory.limit = (struct opt_i64){ true, 64 * MiB };
        r.memory.reservation = (struct opt_i64){ true, 32 * MiB };
        r.memory.swap = (struct opt_i64){ true, 128 * MiB };
        r.memory.kernel = (struct opt_i64){ true, 1 * MiB }; /* ignored */
        r.memory.swappiness = (struct opt_u64){ true, 10 };
        r.memory.disable_oom_killer = (struct opt_bool){ true, true };
        r.cpu.shares = (struct opt_u64){ true, 512 };
        r.cpu.quota = (struct opt_i64){ true, 50000 };
        r.cpu.period = (struct opt_u64){ true, 100000 };
        r.cpu.burst = (struct opt_u64){ true, 10000 };
        r.cpu.cpus = "0";
        r.cpu.mems = "0";
        r.pids.limit = (struct opt_i64){ true, 32 };
        r.block_io.weight = (struct opt_u64){ true, 500 };
        r.block_io.weight_device = wdev;
        r.block_io.n_weight_device = 1;
        r.block_io.throttle_read_bps = rbps;
        r.block_io.n_throttle_read_bps = 1;
        r.block_io.throttle_write_iops = wiops;
        r.block_io.n_throttle_write_iops = 2;
        r.hugepage_limits = huge;
        r.n_hugepage_limits = 1;
        r.devices = rules;
        r.n_devices = 2;
        return r;
}

static void test_v1_table(void **state)
{
        (void)state;
        struct berth_resources r = full_resources();
        struct cg_env env = { .cur_mem_limit = -1 };
        struct cg_plan p = { 0 };
        struct berth_error err = { 0 };
        assert_int_equal(cg1_plan(&r, &env, &p, &err), 0);
        const struct expect want[] = {
                { "memory.limit_in_bytes", "67108864", 0 },
                { "memory.memsw.limit_in_bytes", "134217728", 0 },
                { "memory.soft_limit_in_bytes", "33554432", 0 },
                { "memory.swappiness", "10", 0 },
                { "memory.oom_control", "1", 0 },
                { "cpu.shares", "512", 0 },
                { "cpu.cfs_period_us", "100000", 0 },
                { "cpu.cfs_quota_us", "50000", 0 },
                { "cpu.cfs_burst_us", "10000", 0 },
                { "cpuset.cpus", "0", 0 },
                { "cpuset.mems", "0", 0 },
                { "pids.max", "32", 0 },
                { "blkio.weight", "500", 0 },
                { "blkio.weight_device", "8:0 500", 0 },
                { "blkio.throttle.read_bps_device", "254:0 1048576", 0 },
                { "blkio.throttle.write_iops_device", "254:0 100", 0 },
                { "blkio.throttle.write_iops_device", "8:16 0", 0 },
                { "hugetlb.2MB.limit_in_bytes", "4194304", 0 },
                { "devices.deny", "a", 0 },
                { "devices.deny", "a *:* rwm", 0 },
                { "devices.allow", "c 1:3 rwm", 0 },
        };
        check_plan(&p, want, sizeof(want) / sizeof(want[0]));
        assert_string_equal(p.w[12].alt, "blkio.bfq.weight");
        assert_string_equal(p.w[0].ctrl, "memory");
        assert_string_equal(p.w[0].what, "linux.resources.memory.limit");
        cg_plan_free(&p);
}

static void test_v1_table_hugetlb_on_hybrid_goes_unified(void **state)
{
        (void)state;
        struct berth_resources r = { 0 };
        r.hugepage_limits = huge;
        r.n_hugepage_limits = 1;
        struct cg_env env = { .cur_mem_limit = -1, .has_unified = true, .hugetlb_unified = true };
        struct cg_plan p = { 0 };
        struct berth_error err = { 0 };
        assert_int_equal(cg1_plan(&r, &env, &p, &err), 0);
        const struct expect want[] = { { "hugetlb.2MB.max", "4194304", CG_W_UNIFIED } };
        check_plan(&p, want, 1);
        cg_plan_free(&p);
}

static void test_v1_table_raises_memsw_first(void **state)
{
        (void)state;
        struct berth_resources r = { 0 };
        r.memory.limit = (struct opt_i64){ true, 256 * MiB };
        r.memory.swap = (struct opt_i64){ true, 512 * MiB };
        struct cg_env env = { .cur_mem_limit = 64 * MiB };
        struct cg_plan p = { 0 };
        struct berth_error err = { 0 };
        assert_int_equal(cg1_plan(&r, &env, &p, &err), 0);
        const struct expect up[] = {
                { "memory.memsw.limit_in_bytes", "536870912", 0 },
                { "memory.limit_in_bytes", "268435456", 0 },
        };
        check_plan(&p, up, 2);
        cg_plan_free(&p);

        /* and back down: the limit first */
        r.memory.limit.v = 32 * MiB;
        r.memory.swap.v = 64 * MiB;
        env.cur_mem_limit = 256 * MiB;
        assert_int_equal(cg1_plan(&r, &env, &p, &err), 0);
        const struct expect down[] = {
                { "memory.limit_in_bytes", "33554432", 0 },
                { "memory.memsw.limit_in_bytes", "67108864", 0 },
        };
        check_plan(&p, down, 2);
        cg_plan_free(&p);
}

static void test_v1_table_unlimited_memory_lifts_memsw(void **state)
{
        (void)state;
        struct berth_resources r = { 0 };
        r.memory.limit = (struct opt_i64){ true, -1 };
        r.pids.limit = (struct opt_i64){ true, 0 };
        struct cg_env env = { .cur_mem_limit = 64 * MiB };
        struct cg_plan p = { 0 };
        struct berth_error err = { 0 };
        assert_int_equal(cg1_plan(&r, &env, &p, &err), 0);
        const struct expect want[] = {
                { "memory.memsw.limit_in_bytes", "-1", CG_W_OPTIONAL },
                { "memory.limit_in_bytes", "-1", CG_W_OPTIONAL },
                { "pids.max", "max", CG_W_OPTIONAL },
        };
        check_plan(&p, want, 3);
        cg_plan_free(&p);
}

static void test_v1_table_swap_below_limit_is_refused(void **state)
{
        (void)state;
        struct berth_resources r = { 0 };
        r.memory.limit = (struct opt_i64){ true, 64 * MiB };
        r.memory.swap = (struct opt_i64){ true, 32 * MiB };
        struct cg_env env = { .cur_mem_limit = -1 };
        struct cg_plan p = { 0 };
        struct berth_error err = { 0 };
        assert_int_equal(cg1_plan(&r, &env, &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "linux.resources.memory.swap"));
        cg_plan_free(&p);
}

static void test_v2_table(void **state)
{
        (void)state;
        struct berth_resources r = full_resources();
        r.n_devices = 0;
        r.memory.swappiness.set = false;
        r.memory.disable_oom_killer.set = false;
        struct cg_env env = { .cur_mem_limit = -1, .has_unified = true };
        struct cg_plan p = { 0 };
        struct berth_error err = { 0 };
        assert_int_equal(cg2_plan(&r, &env, &p, &err), 0);
        const unsigned U = CG_W_UNIFIED;
        const struct expect want[] = {
                { "memory.max", "67108864", U },
                { "memory.low", "33554432", U },
                { "memory.swap.max", "67108864", U },
                { "cpu.weight", "20", U },
                { "cpu.max", "50000 100000", U },
                { "cpu.max.burst", "10000", U },
                { "cpuset.cpus", "0", U },
                { "cpuset.mems", "0", U },
                { "pids.max", "32", U },
                { "io.weight", "default 4950", U },
                { "io.weight", "8:0 4950", U },
                { "io.max", "254:0 rbps=1048576 wiops=100", U },
                { "io.max", "8:16 wiops=max", U },
                { "hugetlb.2MB.max", "4194304", U },
                { "hugetlb.2MB.rsvd.max", "4194304", U | CG_W_OPTIONAL },
        };
        check_plan(&p, want, sizeof(want) / sizeof(want[0]));
        assert_string_equal(p.w[3].ctrl, "cpu");
        assert_string_equal(p.w[9].ctrl, "io");
        cg_plan_free(&p);
}

/* An update with memory+swap alone: swap.max is relative to the limit the
 * cgroup has now; without one it stays an error. */
static void test_v2_table_swap_alone_uses_the_current_limit(void **state)
{
        (void)state;
        struct berth_resources r = { 0 };
        r.memory.swap = (struct opt_i64){ true, 96 * MiB };
        struct cg_env env = { .cur_mem_limit = 64 * MiB, .has_unified = true };
        struct cg_plan p = { 0 };
        struct berth_error err = { 0 };
        assert_int_equal(cg2_plan(&r, &env, &p, &err), 0);
        const struct expect want[] = { { "memory.swap.max", "33554432", CG_W_UNIFIED } };
        check_plan(&p, want, 1);
        cg_plan_free(&p);
        env.cur_mem_limit = -1;
        assert_int_equal(cg2_plan(&r, &env, &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "memory limit"));
        cg_plan_free(&p);
}

/* With BFQ's io.bfq.weight in the cgroup the weights go there, on blkio's
 * own scale, unconverted. */
static void test_v2_table_bfq_weights(void **state)
{
        (void)state;
        struct berth_resources r = { 0 };
        r.block_io.weight = (struct opt_u64){ true, 500 };
        r.block_io.weight_device = wdev;
        r.block_io.n_weight_device = 1;
        struct cg_env env = { .cur_mem_limit = -1, .has_unified = true, .io_bfq = true };
        struct cg_plan p = { 0 };
        struct berth_error err = { 0 };
        assert_int_equal(cg2_plan(&r, &env, &p, &err), 0);
        const struct expect want[] = {
                { "io.bfq.weight", "default 500", CG_W_UNIFIED },
                { "io.bfq.weight", "8:0 500", CG_W_UNIFIED },
        };
        check_plan(&p, want, sizeof(want) / sizeof(want[0]));
        assert_string_equal(p.w[0].ctrl, "io");
        cg_plan_free(&p);
}

static void test_v2_table_quota_only(void **state)
{
        (void)state;
        struct berth_resources r = { 0 };
        r.cpu.quota = (struct opt_i64){ true, -1 };
        struct cg_env env = { .cur_mem_limit = -1, .has_unified = true };
        struct cg_plan p = { 0 };
        struct berth_error err = { 0 };
        assert_int_equal(cg2_plan(&r, &env, &p, &err), 0);
        const struct expect want[] = { { "cpu.max", "max", CG_W_UNIFIED | CG_W_OPTIONAL } };
        check_plan(&p, want, 1);
        cg_plan_free(&p);
}

static void test_v2_table_refuses_v1_only_knobs(void **state)
{
        (void)state;
        struct cg_env env = { .cur_mem_limit = -1, .has_unified = true };
        struct berth_error err = { 0 };
        struct cg_plan p = { 0 };
        struct berth_resources r = { 0 };
        r.cpu.realtime_runtime = (struct opt_i64){ true, 1000 };
        assert_int_equal(cg2_plan(&r, &env, &p, &err), -EOPNOTSUPP);
        assert_non_null(strstr(err.msg, "realtimeRuntime"));
        cg_plan_free(&p);
        r = (struct berth_resources){ 0 };
        r.network.class_id = (struct opt_u64){ true, 0x100001 };
        assert_int_equal(cg2_plan(&r, &env, &p, &err), -EOPNOTSUPP);
        assert_non_null(strstr(err.msg, "classID"));
        cg_plan_free(&p);
        /* devices on v2 are accepted (eBPF is a later step) and v1-only
         * memory knobs are skipped */
        r = (struct berth_resources){ 0 };
        r.devices = rules;
        r.n_devices = 2;
        r.memory.swappiness = (struct opt_u64){ true, 10 };
        assert_int_equal(cg2_plan(&r, &env, &p, &err), 0);
        assert_int_equal(p.n, 0);
        cg_plan_free(&p);
}

static void test_unified_keys(void **state)
{
        (void)state;
        struct kv good[] = { { "memory.high", "1000000" }, { "cgroup.max.depth", "3" } };
        struct berth_resources r = { 0 };
        r.unified = good;
        r.n_unified = 2;
        struct cg_env env = { .cur_mem_limit = -1, .has_unified = true };
        struct cg_plan p = { 0 };
        struct berth_error err = { 0 };
        assert_int_equal(cg1_plan(&r, &env, &p, &err), 0);
        const struct expect want[] = {
                { "memory.high", "1000000", CG_W_UNIFIED },
                { "cgroup.max.depth", "3", CG_W_UNIFIED },
        };
        check_plan(&p, want, 2);
        assert_string_equal(p.w[0].ctrl, "memory");
        assert_null(p.w[1].ctrl);
        cg_plan_free(&p);

        env.has_unified = false; /* pure v1 */
        assert_int_equal(cg1_plan(&r, &env, &p, &err), -EOPNOTSUPP);
        cg_plan_free(&p);

        env.has_unified = true;
        const char *bad[] = { "../memory.max", "nodot", "a/b.c", ".hidden", "" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct kv one[] = { { (char *)bad[i], "1" } };
                r.unified = one;
                r.n_unified = 1;
                assert_int_equal(cg2_plan(&r, &env, &p, &err), -EINVAL);
                cg_plan_free(&p);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_shares_to_weight_is_runc_linear),
                cmocka_unit_test(test_blkio_weight_to_io_weight),
                cmocka_unit_test(test_path_default_is_berth_id),
                cmocka_unit_test(test_path_absolute_and_relative),
                cmocka_unit_test(test_path_rejects_dotdot_and_root),
                cmocka_unit_test(test_path_systemd_form),
                cmocka_unit_test(test_path_systemd_rejects_bad_slices),
                cmocka_unit_test(test_v1_memsw_ordering),
                cmocka_unit_test(test_pids_limit_formatting),
                cmocka_unit_test(test_io_max_line_formatting),
                cmocka_unit_test(test_v2_swap_is_swap_minus_limit),
                cmocka_unit_test(test_device_rule_formatting),
                cmocka_unit_test(test_hugetlb_file_names),
                cmocka_unit_test(test_mountinfo_separate_and_comounted),
                cmocka_unit_test(test_mountinfo_unescapes),
                cmocka_unit_test(test_v1_table),
                cmocka_unit_test(test_v1_table_hugetlb_on_hybrid_goes_unified),
                cmocka_unit_test(test_v1_table_raises_memsw_first),
                cmocka_unit_test(test_v1_table_unlimited_memory_lifts_memsw),
                cmocka_unit_test(test_v1_table_swap_below_limit_is_refused),
                cmocka_unit_test(test_v2_table),
                cmocka_unit_test(test_v2_table_bfq_weights),
                cmocka_unit_test(test_v2_table_swap_alone_uses_the_current_limit),
                cmocka_unit_test(test_v2_table_quota_only),
                cmocka_unit_test(test_v2_table_refuses_v1_only_knobs),
                cmocka_unit_test(test_unified_keys),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
