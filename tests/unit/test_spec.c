/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The config.json model: json_locate, a config with every field, the
 * default spec; the error classes are in test_spec_errors.c. JSON in these
 * tests is written with single quotes and turned into double quotes before
 * loading, so it stays readable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec-test.h"
#include "spec-walk.h"
#include "spec.h"

static int group_setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        if (!f)
                return -1;
        char tmpl[] = "/tmp/berth-test-spec-XXXXXX";
        if (!mkdtemp(tmpl) || !realpath(tmpl, f->bundle))
                return -1;
        char rootfs[PATH_MAX + 16];
        snprintf(rootfs, sizeof(rootfs), "%s/rootfs", f->bundle);
        if (mkdir(rootfs, 0755) < 0)
                return -1;
        *state = f;
        return 0;
}

static int group_teardown(void **state)
{
        struct fixture *f = *state;
        char path[PATH_MAX + 16];
        snprintf(path, sizeof(path), "%s/rootfs", f->bundle);
        rmdir(path);
        snprintf(path, sizeof(path), "%s/config.json", f->bundle);
        unlink(path);
        rmdir(f->bundle);
        free(f);
        return 0;
}

/* 'x' -> "x": JSON in single quotes for readability. */
char *dq(const char *q)
{
        char *s = strdup(q);
        assert_non_null(s);
        for (char *p = s; *p; p++)
                if (*p == '\'')
                        *p = '"';
        return s;
}

int load(void **state, const char *qtext, struct berth_spec **spec, struct berth_error *err)
{
        struct fixture *f = *state;
        char *text = dq(qtext);
        int r = spec_load_text(text, strlen(text), "config.json", f->bundle, spec, err);
        free(text);
        return r;
}

/* 1-based line and character column where needle first starts in text. */
void pos_of(const char *text, const char *needle, int *line, int *col)
{
        const char *at = strstr(text, needle);
        if (!at)
                fail_msg("marker %s not in the test's JSON", needle);
        *line = 1;
        *col = 1;
        for (const char *p = text; p < at; p++) {
                if (*p == '\n') {
                        (*line)++;
                        *col = 1;
                } else if ((*p & 0xC0) != 0x80) {
                        (*col)++;
                }
        }
}

/* Loading qtext fails with "config.json:L:C: <what>", where L:C is the
 * position of marker (single-quoted like the text) in the text. */
void expect_error_at(void **state, const char *qtext, const char *marker, const char *what)
{
        struct berth_spec *spec = NULL;
        struct berth_error err = { 0 };
        int r = load(state, qtext, &spec, &err);
        if (r == 0) {
                spec_free(spec);
                fail_msg("loaded, but expected an error: %s", what);
        }
        assert_null(spec);
        assert_true(err.code > 0);
        assert_int_equal(r, -err.code);

        char *text = dq(qtext), *m = dq(marker);
        int line, col;
        pos_of(text, m, &line, &col);
        char want[1024];
        snprintf(want, sizeof(want), "config.json:%d:%d: %s", line, col, what);
        free(text);
        free(m);
        if (strstr(err.msg, want) == NULL)
                fail_msg("\n got: %s\nwant: %s", err.msg, want);
}

/* The same with an explicit position. */
void expect_error_lc(void **state, const char *qtext, int line, int col, const char *what)
{
        struct berth_spec *spec = NULL;
        struct berth_error err = { 0 };
        int r = load(state, qtext, &spec, &err);
        if (r == 0) {
                spec_free(spec);
                fail_msg("loaded, but expected an error: %s", what);
        }
        char want[1024];
        snprintf(want, sizeof(want), "config.json:%d:%d: %s", line, col, what);
        if (strstr(err.msg, want) == NULL)
                fail_msg("\n got: %s\nwant: %s", err.msg, want);
}

struct berth_spec *expect_ok(void **state, const char *qtext)
{
        struct berth_spec *spec = NULL;
        struct berth_error err = { 0 };
        if (load(state, qtext, &spec, &err) < 0)
                fail_msg("unexpected error: %s", err.msg);
        assert_non_null(spec);
        return spec;
}

/* ------------------------------------------------------------------ */
/* json_locate */

static void locate(const char *text, const char *path, int want_r, int want_line, int want_col)
{
        int line = -1, col = -1;
        int r = json_locate(text, strlen(text), path, &line, &col);
        if (r != want_r || (r >= 0 && (line != want_line || col != want_col)))
                fail_msg("%s: got %d at %d:%d, want %d at %d:%d", path, r, line, col, want_r,
                         want_line, want_col);
}

static void test_locate_nested_objects(void **state)
{
        (void)state;
        const char *t = "{\n  \"a\": {\n    \"b\": 42\n  }\n}";
        locate(t, "a.b", 0, 3, 10);
        locate(t, "a", 0, 2, 8);
        locate(t, "", 0, 1, 1);
        locate("  \n {}", "", 0, 2, 2);
}

static void test_locate_arrays(void **state)
{
        (void)state;
        const char *t = "{\"m\": [ {\"d\": 1}, {\"d\": \"x\"} ]}";
        locate(t, "m[1].d", 0, 1, 25);
        locate(t, "m[1]", 0, 1, 19);
        locate(t, "m[0].d", 0, 1, 15);
        locate("[[1, [2, 3]], 4]", "[0][1][1]", 0, 1, 10);
        locate("[[1, [2, 3]], 4]", "[1]", 0, 1, 15);
}

static void test_locate_strings_with_escapes_and_braces(void **state)
{
        (void)state;
        const char *t = "{\"k\\\"}\": \"v{[\\\"]\", \"t\": [1, {\"u\": \"}\"}], \"z\": 5}";
        locate(t, "z", 0, 1, 47);
        locate(t, "[\"k\\\"}\"]", 0, 1, 10);
        locate(t, "t[1].u", 0, 1, 35);
        locate(t, "t[1]", 0, 1, 29);
}

static void test_locate_multiline_utf8(void **state)
{
        (void)state;
        /* columns count characters: é and ü are one column each */
        const char *t = "{\n\"é\": [\n  true,\n  null, \"ü\", 3\n]}";
        locate(t, "é[2]", 0, 4, 9);
        locate(t, "é[3]", 0, 4, 14);
        locate(t, "é[0]", 0, 3, 3);
        /* keys are compared decoded */
        locate("{\"\\u00e9\": 1}", "é", 0, 1, 12);
        locate("{\"\\ud83d\\ude00\": 1, \"a\\nb\": 2}", "😀", 0, 1, 18);
        locate("{\"\\ud83d\\ude00\": 1, \"a\\nb\": 2}", "[\"a\nb\"]", 0, 1, 29);
        locate("{\"a.b\": {\"c\": true}}", "[\"a.b\"].c", 0, 1, 15);
}

static void test_locate_missing_path_points_at_parent(void **state)
{
        (void)state;
        const char *t = "{\n  \"m\": [ {\"d\": 1} ],\n  \"o\": {}\n}";
        locate(t, "m[0].x", 1, 2, 10);
        locate(t, "m[3]", 1, 2, 8);
        locate(t, "o.p.q", 1, 3, 8);
        locate(t, "nope", 1, 1, 1);
        /* a step that cannot exist in a scalar stops at the scalar */
        locate(t, "m[0].d.e", 1, 2, 16);
        locate(t, "m.x", 1, 2, 8);
}

static void test_locate_bad_input(void **state)
{
        (void)state;
        locate("{\"a\": ", "a.b", -ENOENT, 0, 0);
        locate("", "", -ENOENT, 0, 0);
        locate("{\"a\": 1 2}", "b", -ENOENT, 0, 0);
        locate("{}", "a[", -EINVAL, 0, 0);
        locate("{}", "a[x]", -EINVAL, 0, 0);
        locate("{}", "a..b", -EINVAL, 0, 0);
}

/* ------------------------------------------------------------------ */
/* a config with every field */

static const char full_config[] =
        "{\n"
        " 'ociVersion': '1.2.0',\n"
        " 'root': {'path': 'rootfs', 'readonly': true},\n"
        " 'hostname': 'h1', 'domainname': 'example.org',\n"
        " 'process': {\n"
        "  'terminal': true, 'consoleSize': {'height': 24, 'width': 80},\n"
        "  'user': {'uid': 1000, 'gid': 1001, 'umask': 18, 'additionalGids': [5, 6],"
        " 'username': 'ignored'},\n"
        "  'args': ['sh', '-c', 'echo hi'], 'env': ['PATH=/bin', 'A='], 'cwd': '/work',\n"
        "  'capabilities': {'bounding': ['CAP_KILL', 'CAP_SYS_ADMIN'], 'effective': ['CAP_KILL'],\n"
        "   'inheritable': [], 'permitted': ['CAP_KILL'], 'ambient': ['CAP_NET_RAW']},\n"
        "  'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1024, 'hard': 4096},\n"
        "   {'type': 'RLIMIT_CORE', 'soft': 0, 'hard': 0}],\n"
        "  'noNewPrivileges': true, 'apparmorProfile': 'aa', 'selinuxLabel': 'sl',\n"
        "  'oomScoreAdj': -500, 'ioPriority': {'class': 'IOPRIO_CLASS_IDLE'}\n"
        " },\n"
        " 'mounts': [{'destination': '/proc', 'type': 'proc', 'source': 'proc'},\n"
        "  {'destination': '/data', 'type': 'bind', 'source': '/srv',"
        " 'options': ['rbind', 'ro', 'rprivate']},\n"
        "  {'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs',"
        " 'options': ['nosuid', 'size=64m', 'mode=1777']}],\n"
        " 'hooks': {'prestart': [{'path': '/bin/p', 'args': ['p', '1'], 'env': ['X=1'],"
        " 'timeout': 5}],\n"
        "  'createRuntime': [{'path': '/bin/cr'}], 'createContainer': [{'path': '/bin/cc'}],\n"
        "  'startContainer': [{'path': '/bin/sc'}], 'poststart': [{'path': '/bin/ps'}],\n"
        "  'poststop': [{'path': '/bin/pst'}, {'path': '/bin/pst2'}]},\n"
        " 'annotations': {'org.example.key': 'v', 'b': '2'},\n"
        " 'linux': {\n"
        "  'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/proc/1/ns/net'},\n"
        "   {'type': 'mount'}, {'type': 'ipc'}, {'type': 'uts'}, {'type': 'user'},\n"
        "   {'type': 'cgroup'}, {'type': 'time'}],\n"
        "  'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],\n"
        "  'gidMappings': [{'containerID': 0, 'hostID': 200000, 'size': 1000},\n"
        "   {'containerID': 1000, 'hostID': 1000, 'size': 1}],\n"
        "  'timeOffsets': {'monotonic': {'secs': 10, 'nanosecs': 5}, 'boottime': {'secs': -3}},\n"
        "  'devices': [{'type': 'c', 'path': '/dev/fuse', 'major': 10, 'minor': 229,"
        " 'fileMode': 438, 'uid': 0, 'gid': 5},\n"
        "   {'type': 'p', 'path': '/dev/fifo'}],\n"
        "  'cgroupsPath': '/berth/test',\n"
        "  'resources': {\n"
        "   'devices': [{'allow': false, 'access': 'rwm'},\n"
        "    {'allow': true, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'rw'}],\n"
        "   'memory': {'limit': 536870912, 'reservation': 268435456, 'swap': -1, 'kernel': 1,\n"
        "    'kernelTCP': 2, 'swappiness': 60, 'disableOOMKiller': true, 'useHierarchy': false,\n"
        "    'checkBeforeUpdate': true},\n"
        "   'cpu': {'shares': 1024, 'quota': 50000, 'burst': 1000, 'period': 100000,\n"
        "    'realtimeRuntime': 950, 'realtimePeriod': 1000, 'cpus': '0-1', 'mems': '0',"
        " 'idle': 1},\n"
        "   'pids': {'limit': 100},\n"
        "   'blockIO': {'weight': 500, 'leafWeight': 300,\n"
        "    'weightDevice': [{'major': 8, 'minor': 0, 'weight': 600, 'leafWeight': 200},\n"
        "     {'major': 8, 'minor': 16}],\n"
        "    'throttleReadBpsDevice': [{'major': 8, 'minor': 0, 'rate': 1048576}],\n"
        "    'throttleWriteBpsDevice': [{'major': 8, 'minor': 16, 'rate': 2}],\n"
        "    'throttleReadIOPSDevice': [{'major': 8, 'minor': 32, 'rate': 3}],\n"
        "    'throttleWriteIOPSDevice': [{'major': 8, 'minor': 48, 'rate': 4},"
        " {'major': 9, 'minor': 1, 'rate': 5}]},\n"
        "   'hugepageLimits': [{'pageSize': '2MB', 'limit': 209715200}],\n"
        "   'network': {'classID': 1048577, 'priorities': [{'name': 'eth0', 'priority': 500}]},\n"
        "   'unified': {'memory.high': '400000000', 'io.weight': 'default 100'},\n"
        "   'rdma': {'mlx5_1': {'hcaHandles': 3}}\n"
        "  },\n"
        "  'sysctl': {'net.ipv4.ip_forward': '1', 'kernel.shmmax': '4096'},\n"
        "  'rootfsPropagation': 'slave',\n"
        "  'maskedPaths': ['/proc/kcore'], 'readonlyPaths': ['/proc/sys', '/proc/bus'],\n"
        "  'mountLabel': 'ml',\n"
        "  'personality': {'domain': 'LINUX32', 'flags': []},\n"
        "  'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': []},\n"
        "  'intelRdt': {'closID': 'x'}\n"
        " },\n"
        " 'unknownTopLevel': {'is': 'ignored'}\n"
        "}\n";

static void test_full_config_parses_every_field(void **state)
{
        struct fixture *f = *state;
        struct berth_spec *s = expect_ok(state, full_config);
        char rootfs[PATH_MAX + 16];
        snprintf(rootfs, sizeof(rootfs), "%s/rootfs", f->bundle);

        assert_string_equal(s->oci_version, "1.2.0");
        assert_string_equal(s->bundle, f->bundle);
        assert_string_equal(s->root_path, rootfs);
        assert_true(s->root_readonly);
        assert_string_equal(s->hostname, "h1");
        assert_string_equal(s->domainname, "example.org");

        const struct berth_process *p = &s->process;
        assert_true(s->has_process);
        assert_true(p->terminal);
        assert_true(p->console_size.set);
        assert_int_equal(p->console_size.height, 24);
        assert_int_equal(p->console_size.width, 80);
        assert_int_equal(p->user.uid, 1000);
        assert_int_equal(p->user.gid, 1001);
        assert_true(p->user.umask.set);
        assert_int_equal(p->user.umask.v, 18);
        assert_int_equal(p->user.n_additional_gids, 2);
        assert_int_equal(p->user.additional_gids[0], 5);
        assert_int_equal(p->user.additional_gids[1], 6);
        assert_string_equal(p->args[0], "sh");
        assert_string_equal(p->args[2], "echo hi");
        assert_null(p->args[3]);
        assert_string_equal(p->env[0], "PATH=/bin");
        assert_string_equal(p->env[1], "A=");
        assert_null(p->env[2]);
        assert_string_equal(p->cwd, "/work");
        assert_true(p->has_capabilities);
        for (int c = 0; c < BERTH_CAP__COUNT; c++)
                assert_true(p->caps_set[c]);
        assert_string_equal(p->caps[BERTH_CAP_BOUNDING][1], "CAP_SYS_ADMIN");
        assert_null(p->caps[BERTH_CAP_BOUNDING][2]);
        assert_string_equal(p->caps[BERTH_CAP_EFFECTIVE][0], "CAP_KILL");
        assert_null(p->caps[BERTH_CAP_INHERITABLE][0]);
        assert_string_equal(p->caps[BERTH_CAP_PERMITTED][0], "CAP_KILL");
        assert_string_equal(p->caps[BERTH_CAP_AMBIENT][0], "CAP_NET_RAW");
        assert_int_equal(p->n_rlimits, 2);
        assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(p->rlimits[0].soft, 1024);
        assert_int_equal(p->rlimits[0].hard, 4096);
        assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
        assert_true(p->no_new_privileges);
        assert_string_equal(p->apparmor_profile, "aa");
        assert_string_equal(p->selinux_label, "sl");
        assert_true(p->oom_score_adj.set);
        assert_int_equal(p->oom_score_adj.v, -500);

        assert_int_equal(s->n_mounts, 3);
        assert_string_equal(s->mounts[0].destination, "/proc");
        assert_string_equal(s->mounts[0].type, "proc");
        assert_string_equal(s->mounts[0].source, "proc");
        assert_null(s->mounts[0].options);
        assert_false(s->mounts[0].bind);
        assert_true(s->mounts[1].bind);
        assert_true(s->mounts[1].recursive);
        assert_int_equal(s->mounts[1].flags, MS_BIND | MS_REC | MS_RDONLY);
        assert_int_equal(s->mounts[1].propagation, MS_PRIVATE | MS_REC);
        assert_string_equal(s->mounts[1].options[2], "rprivate");
        assert_int_equal(s->mounts[2].flags, MS_NOSUID);
        assert_string_equal(s->mounts[2].data, "size=64m,mode=1777");

        assert_int_equal(s->n_hooks[BERTH_HOOK_PRESTART], 1);
        const struct berth_hook *h = &s->hooks[BERTH_HOOK_PRESTART][0];
        assert_string_equal(h->path, "/bin/p");
        assert_string_equal(h->args[1], "1");
        assert_string_equal(h->env[0], "X=1");
        assert_true(h->timeout.set);
        assert_int_equal(h->timeout.v, 5);
        assert_string_equal(s->hooks[BERTH_HOOK_CREATE_RUNTIME][0].path, "/bin/cr");
        assert_false(s->hooks[BERTH_HOOK_CREATE_RUNTIME][0].timeout.set);
        assert_null(s->hooks[BERTH_HOOK_CREATE_RUNTIME][0].args);
        assert_string_equal(s->hooks[BERTH_HOOK_CREATE_CONTAINER][0].path, "/bin/cc");
        assert_string_equal(s->hooks[BERTH_HOOK_START_CONTAINER][0].path, "/bin/sc");
        assert_string_equal(s->hooks[BERTH_HOOK_POSTSTART][0].path, "/bin/ps");
        assert_int_equal(s->n_hooks[BERTH_HOOK_POSTSTOP], 2);
        assert_string_equal(s->hooks[BERTH_HOOK_POSTSTOP][1].path, "/bin/pst2");

        assert_int_equal(s->n_annotations, 2);
        assert_string_equal(s->annotations[0].key, "org.example.key");
        assert_string_equal(s->annotations[0].value, "v");
        assert_string_equal(s->annotations[1].key, "b");

        assert_int_equal(s->n_namespaces, 8);
        for (int t = 0; t < BERTH_NS__COUNT; t++)
                assert_non_null(spec_namespace(s, (enum berth_ns_type)t));
        assert_string_equal(spec_namespace(s, BERTH_NS_NET)->path, "/proc/1/ns/net");
        assert_null(spec_namespace(s, BERTH_NS_PID)->path);
        assert_int_equal(s->n_uid_mappings, 1);
        assert_int_equal(s->uid_mappings[0].host_id, 100000);
        assert_int_equal(s->uid_mappings[0].size, 65536);
        assert_int_equal(s->n_gid_mappings, 2);
        assert_int_equal(s->gid_mappings[1].container_id, 1000);
        assert_true(s->time_offsets[0].set);
        assert_int_equal(s->time_offsets[0].secs, 10);
        assert_int_equal(s->time_offsets[0].nanosecs, 5);
        assert_true(s->time_offsets[1].set);
        assert_int_equal(s->time_offsets[1].secs, -3);
        assert_int_equal(s->n_devices, 2);
        assert_int_equal(s->devices[0].type, 'c');
        assert_string_equal(s->devices[0].path, "/dev/fuse");
        assert_int_equal(s->devices[0].major, 10);
        assert_int_equal(s->devices[0].minor, 229);
        assert_true(s->devices[0].file_mode.set);
        assert_int_equal(s->devices[0].file_mode.v, 0666);
        assert_int_equal(s->devices[0].gid.v, 5);
        assert_int_equal(s->devices[1].type, 'p');
        assert_false(s->devices[1].file_mode.set);
        assert_string_equal(s->cgroups_path, "/berth/test");

        const struct berth_resources *r = &s->resources;
        assert_true(s->has_resources);
        assert_int_equal(r->n_devices, 2);
        assert_false(r->devices[0].allow);
        assert_int_equal(r->devices[0].type, 'a');
        assert_int_equal(r->devices[0].major, -1);
        assert_int_equal(r->devices[0].minor, -1);
        assert_string_equal(r->devices[0].access, "rwm");
        assert_true(r->devices[1].allow);
        assert_int_equal(r->devices[1].type, 'c');
        assert_int_equal(r->devices[1].major, 10);
        assert_string_equal(r->devices[1].access, "rw");
        assert_int_equal(r->memory.limit.v, 536870912);
        assert_int_equal(r->memory.reservation.v, 268435456);
        assert_true(r->memory.swap.set);
        assert_int_equal(r->memory.swap.v, -1);
        assert_int_equal(r->memory.kernel.v, 1);
        assert_int_equal(r->memory.kernel_tcp.v, 2);
        assert_int_equal(r->memory.swappiness.v, 60);
        assert_true(r->memory.disable_oom_killer.set && r->memory.disable_oom_killer.v);
        assert_true(r->memory.use_hierarchy.set && !r->memory.use_hierarchy.v);
        assert_true(r->memory.check_before_update.v);
        assert_int_equal(r->cpu.shares.v, 1024);
        assert_int_equal(r->cpu.quota.v, 50000);
        assert_int_equal(r->cpu.burst.v, 1000);
        assert_int_equal(r->cpu.period.v, 100000);
        assert_int_equal(r->cpu.realtime_runtime.v, 950);
        assert_int_equal(r->cpu.realtime_period.v, 1000);
        assert_string_equal(r->cpu.cpus, "0-1");
        assert_string_equal(r->cpu.mems, "0");
        assert_true(r->cpu.idle.set);
        assert_int_equal(r->cpu.idle.v, 1);
        assert_true(r->pids.limit.set);
        assert_int_equal(r->pids.limit.v, 100);
        assert_int_equal(r->block_io.weight.v, 500);
        assert_int_equal(r->block_io.leaf_weight.v, 300);
        assert_int_equal(r->block_io.n_weight_device, 2);
        assert_int_equal(r->block_io.weight_device[0].weight.v, 600);
        assert_int_equal(r->block_io.weight_device[0].leaf_weight.v, 200);
        assert_false(r->block_io.weight_device[1].weight.set);
        assert_int_equal(r->block_io.weight_device[1].minor, 16);
        assert_int_equal(r->block_io.n_throttle_read_bps, 1);
        assert_int_equal(r->block_io.throttle_read_bps[0].rate, 1048576);
        assert_int_equal(r->block_io.throttle_write_bps[0].minor, 16);
        assert_int_equal(r->block_io.throttle_read_iops[0].rate, 3);
        assert_int_equal(r->block_io.n_throttle_write_iops, 2);
        assert_int_equal(r->block_io.throttle_write_iops[1].major, 9);
        assert_int_equal(r->block_io.throttle_write_iops[1].rate, 5);
        assert_int_equal(r->n_hugepage_limits, 1);
        assert_string_equal(r->hugepage_limits[0].page_size, "2MB");
        assert_int_equal(r->hugepage_limits[0].limit, 209715200);
        assert_int_equal(r->network.class_id.v, 1048577);
        assert_int_equal(r->network.n_priorities, 1);
        assert_string_equal(r->network.priorities[0].name, "eth0");
        assert_int_equal(r->network.priorities[0].priority, 500);
        assert_int_equal(r->n_unified, 2);
        assert_string_equal(r->unified[1].key, "io.weight");
        assert_string_equal(r->unified[1].value, "default 100");

        assert_int_equal(s->n_sysctl, 2);
        assert_string_equal(s->sysctl[0].key, "net.ipv4.ip_forward");
        assert_string_equal(s->sysctl[0].value, "1");
        assert_string_equal(s->rootfs_propagation, "slave");
        assert_string_equal(s->masked_paths[0], "/proc/kcore");
        assert_string_equal(s->readonly_paths[1], "/proc/bus");
        assert_string_equal(s->mount_label, "ml");
        assert_true(s->personality.set);
        assert_string_equal(s->personality.domain, "LINUX32");
        assert_non_null(s->seccomp);
        assert_string_equal(json_string_value(json_object_get(s->seccomp, "defaultAction")),
                            "SCMP_ACT_ALLOW");
        spec_free(s);
}

static void test_absent_and_null_are_unset(void **state)
{
        struct berth_spec *s = expect_ok(
                state, "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
                       " 'process': {'args': ['sh'], 'cwd': '/', 'env': null,"
                       "  'user': {'uid': 0, 'gid': 0}},"
                       " 'annotations': null, 'linux': {'resources': {'memory': {'limit': null},"
                       " 'cpu': {}}, 'seccomp': null}}");
        assert_false(s->process.terminal);
        assert_false(s->process.console_size.set);
        assert_false(s->process.has_capabilities);
        assert_false(s->process.caps_set[BERTH_CAP_BOUNDING]);
        assert_null(s->process.env);
        assert_false(s->process.user.umask.set);
        assert_false(s->process.oom_score_adj.set);
        assert_true(s->has_resources);
        assert_false(s->resources.memory.limit.set);
        assert_false(s->resources.cpu.shares.set);
        assert_false(s->resources.pids.limit.set);
        assert_null(s->seccomp);
        assert_null(s->rootfs_propagation);
        assert_false(s->time_offsets[0].set);
        assert_false(s->personality.set);
        assert_int_equal(s->n_mounts, 0);
        spec_free(s);
}

static void test_ns_type_names(void **state)
{
        (void)state;
        static const char *const names[] = { "pid", "network", "mount",  "ipc",
                                             "uts", "user",    "cgroup", "time" };
        for (int t = 0; t < BERTH_NS__COUNT; t++) {
                assert_string_equal(ns_type_name((enum berth_ns_type)t), names[t]);
                assert_int_equal(ns_type_parse(names[t]), t);
        }
        assert_int_equal(ns_type_parse("net"), -EINVAL);
        assert_null(ns_type_name(BERTH_NS__COUNT));
}

static void test_no_bundle_keeps_root_path(void **state)
{
        (void)state;
        const char *t = "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"does/not/exist\"}}";
        struct berth_spec *s = NULL;
        struct berth_error err = { 0 };
        assert_int_equal(spec_load_text(t, strlen(t), "x.json", NULL, &s, &err), 0);
        assert_null(s->bundle);
        assert_string_equal(s->root_path, "does/not/exist");
        spec_free(s);

        const char *bad = "{\"ociVersion\": \"1.2.0\"}";
        assert_int_equal(spec_load_text(bad, strlen(bad), "x.json", NULL, &s, &err), -EINVAL);
        assert_string_equal(err.msg, "x.json:1:1: root: required property is missing");
}

/* ------------------------------------------------------------------ */
/* the default spec */

static void check_default(void **state, bool rootless)
{
        char *text = spec_default_json(rootless);
        assert_non_null(text);
        struct fixture *f = *state;
        struct berth_spec *s = NULL;
        struct berth_error err = { 0 };
        if (spec_load_text(text, strlen(text), "config.json", f->bundle, &s, &err) < 0)
                fail_msg("default spec (rootless=%d) does not load: %s\n%s", rootless, err.msg,
                         text);
        free(text);

        assert_string_equal(s->oci_version, "1.2.0");
        assert_true(s->root_readonly);
        assert_string_equal(s->hostname, "berth");
        assert_true(s->process.terminal);
        assert_string_equal(s->process.args[0], "sh");
        assert_null(s->process.args[1]);
        assert_string_equal(s->process.env[1], "TERM=xterm");
        assert_string_equal(s->process.cwd, "/");
        assert_true(s->process.no_new_privileges);
        assert_true(s->process.caps_set[BERTH_CAP_BOUNDING]);
        assert_false(s->process.caps_set[BERTH_CAP_INHERITABLE]);
        assert_false(s->process.caps_set[BERTH_CAP_AMBIENT]);
        assert_string_equal(s->process.caps[BERTH_CAP_PERMITTED][2], "CAP_NET_BIND_SERVICE");
        assert_int_equal(s->process.n_rlimits, 1);
        assert_int_equal(s->process.rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(s->process.rlimits[0].soft, 1024);
        assert_int_equal(s->n_mounts, 7);
        assert_string_equal(s->mounts[2].destination, "/dev/pts");
        assert_string_equal(s->masked_paths[10], "/sys/devices/virtual/powercap");
        assert_null(s->masked_paths[11]);
        assert_string_equal(s->readonly_paths[4], "/proc/sysrq-trigger");
        assert_null(s->readonly_paths[5]);
        assert_non_null(spec_namespace(s, BERTH_NS_PID));
        assert_non_null(spec_namespace(s, BERTH_NS_IPC));
        assert_non_null(spec_namespace(s, BERTH_NS_UTS));
        assert_non_null(spec_namespace(s, BERTH_NS_MNT));
        assert_non_null(spec_namespace(s, BERTH_NS_CGROUP));
        /* every namespace but user; no time namespace for rootless */
        if (rootless)
                assert_null(spec_namespace(s, BERTH_NS_TIME));
        else
                assert_non_null(spec_namespace(s, BERTH_NS_TIME));
        const struct berth_mount *sys = &s->mounts[5];
        assert_string_equal(sys->destination, "/sys");
        if (!rootless) {
                assert_non_null(spec_namespace(s, BERTH_NS_NET));
                assert_null(spec_namespace(s, BERTH_NS_USER));
                assert_int_equal(s->n_uid_mappings, 0);
                assert_string_equal(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
                assert_string_equal(sys->type, "sysfs");
                assert_false(sys->bind);
                assert_true(s->has_resources);
                assert_int_equal(s->resources.n_devices, 1);
                assert_false(s->resources.devices[0].allow);
                assert_string_equal(s->resources.devices[0].access, "rwm");
        } else {
                assert_null(spec_namespace(s, BERTH_NS_NET));
                assert_non_null(spec_namespace(s, BERTH_NS_USER));
                assert_int_equal(s->n_uid_mappings, 1);
                assert_int_equal(s->uid_mappings[0].container_id, 0);
                assert_int_equal(s->uid_mappings[0].host_id, getuid());
                assert_int_equal(s->uid_mappings[0].size, 1);
                assert_int_equal(s->n_gid_mappings, 1);
                assert_int_equal(s->gid_mappings[0].host_id, getgid());
                assert_string_equal(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620");
                assert_true(sys->bind);
                assert_true(sys->recursive);
                assert_int_equal(sys->flags,
                                 MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
                assert_false(s->has_resources);
        }
        spec_free(s);
}

static void test_default_spec_round_trips(void **state)
{
        check_default(state, false);
        check_default(state, true);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_locate_nested_objects),
                cmocka_unit_test(test_locate_arrays),
                cmocka_unit_test(test_locate_strings_with_escapes_and_braces),
                cmocka_unit_test(test_locate_multiline_utf8),
                cmocka_unit_test(test_locate_missing_path_points_at_parent),
                cmocka_unit_test(test_locate_bad_input),
                cmocka_unit_test(test_error_parse),
                cmocka_unit_test(test_error_wrong_type),
                cmocka_unit_test(test_error_required_missing_points_at_parent),
                cmocka_unit_test(test_error_values),
                cmocka_unit_test(test_error_rootfs),
                cmocka_unit_test(test_error_capabilities),
                cmocka_unit_test(test_error_rlimits),
                cmocka_unit_test(test_rlimit_table),
                cmocka_unit_test(test_error_mounts_and_hooks),
                cmocka_unit_test(test_error_path_too_long),
                cmocka_unit_test(test_error_namespaces),
                cmocka_unit_test(test_error_needs_namespace),
                cmocka_unit_test(test_error_bundle_and_file),
                cmocka_unit_test(test_load_from_bundle),
                cmocka_unit_test(test_full_config_parses_every_field),
                cmocka_unit_test(test_absent_and_null_are_unset),
                cmocka_unit_test(test_ns_type_names),
                cmocka_unit_test(test_no_bundle_keeps_root_path),
                cmocka_unit_test(test_default_spec_round_trips),
                cmocka_unit_test(test_process_attrs_parse),
                cmocka_unit_test(test_error_process_attrs),
                cmocka_unit_test(test_error_user_ids),
                cmocka_unit_test(test_idmap_ranges_may_not_overlap),
                cmocka_unit_test(test_idmap_ranges_stay_below_the_last_id),
                cmocka_unit_test(test_idmap_at_most_340_ranges),
                cmocka_unit_test(test_idmap_mount_parses),
                cmocka_unit_test(test_idmap_mount_errors),
                cmocka_unit_test(test_resources_asked),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
