/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxc_to_spec: LXC's defaults, each mapped key, and the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "../../src/manager/lxc-config.h"
#include "../../src/manager/lxc-spec.h"
#include "spec.h"

static int translate(const char *text, struct berth_spec **out, struct berth_error *err)
{
        struct lxc_config *cfg = lxc_config_new();
        assert_non_null(cfg);
        int r = lxc_config_parse_text(text, "web/config", cfg, err);
        if (r < 0)
                fail_msg("parse error: %s", err->msg);
        r = lxc_to_spec(cfg, "web", "/var/lib/berth/web", out, err);
        lxc_config_free(cfg);
        return r;
}

static struct berth_spec *spec_ok(const char *text)
{
        struct berth_error err = { 0 };
        struct berth_spec *spec = NULL;
        if (translate(text, &spec, &err) < 0)
                fail_msg("unexpected error: %s", err.msg);
        assert_non_null(spec);
        return spec;
}

static void spec_fails(const char *text, const char *want)
{
        struct berth_error err = { 0 };
        struct berth_spec *spec = NULL;
        int r = translate(text, &spec, &err);
        spec_free(spec);
        if (r >= 0)
                fail_msg("no error for: %s", text);
        if (!strstr(err.msg, want))
                fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
}

static bool strv_has(char *const *v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

static const struct berth_mount *find_mount(const struct berth_spec *spec, const char *dst)
{
        for (size_t i = 0; i < spec->n_mounts; i++)
                if (strcmp(spec->mounts[i].destination, dst) == 0)
                        return &spec->mounts[i];
        return NULL;
}

static void test_defaults(void **state)
{
        (void)state;
        struct berth_spec *spec = spec_ok("# nothing\n");
        static const enum berth_ns_type want[] = { BERTH_NS_PID, BERTH_NS_MNT, BERTH_NS_UTS,
                                                   BERTH_NS_IPC, BERTH_NS_CGROUP, BERTH_NS_NET };
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                assert_non_null(spec_namespace(spec, want[i]));
        assert_null(spec_namespace(spec, BERTH_NS_USER));
        assert_null(spec_namespace(spec, BERTH_NS_NET)->path);

        struct berth_process *p = &spec->process;
        for (int s = 0; s < BERTH_CAP__COUNT; s++)
                assert_true(p->caps_set[s]);
        const int sets[] = { BERTH_CAP_BOUNDING, BERTH_CAP_EFFECTIVE, BERTH_CAP_PERMITTED };
        for (size_t i = 0; i < 3; i++) {
                char **c = p->caps[sets[i]];
                assert_true(strv_has(c, "CAP_SYS_ADMIN"));
                assert_true(strv_has(c, "CAP_CHOWN"));
                assert_true(strv_has(c, "CAP_NET_ADMIN"));
                assert_false(strv_has(c, "CAP_SYS_MODULE"));
                assert_false(strv_has(c, "CAP_SYS_RAWIO"));
                assert_false(strv_has(c, "CAP_SYS_TIME"));
                assert_false(strv_has(c, "CAP_MAC_ADMIN"));
                assert_false(strv_has(c, "CAP_MAC_OVERRIDE"));
        }
        assert_null(p->caps[BERTH_CAP_INHERITABLE][0]);
        assert_null(p->caps[BERTH_CAP_AMBIENT][0]);

        json_t *sc = spec->seccomp;
        assert_non_null(sc);
        assert_string_equal(json_string_value(json_object_get(sc, "defaultAction")),
                            "SCMP_ACT_ALLOW");
        json_t *rule = json_array_get(json_object_get(sc, "syscalls"), 0);
        assert_string_equal(json_string_value(json_object_get(rule, "action")), "SCMP_ACT_ERRNO");
        assert_int_equal(json_integer_value(json_object_get(rule, "errnoRet")), EPERM);
        json_t *names = json_object_get(rule, "names");
        assert_int_equal(json_array_size(names), 6);
        assert_string_equal(json_string_value(json_array_get(names, 5)), "keyctl");

        static const char *const dsts[] = { "/proc", "/sys", "/dev", "/dev/pts", "/dev/shm",
                                            "/dev/mqueue" };
        assert_int_equal(spec->n_mounts, 6);
        for (size_t i = 0; i < 6; i++)
                assert_string_equal(spec->mounts[i].destination, dsts[i]);
        assert_true(find_mount(spec, "/sys")->flags & MS_RDONLY);
        assert_false(find_mount(spec, "/proc")->flags & MS_RDONLY);
        assert_string_equal(find_mount(spec, "/sys")->type, "sysfs");
        assert_non_null(strstr(find_mount(spec, "/dev")->data, "mode=755"));
        const char *pts = find_mount(spec, "/dev/pts")->data;
        assert_non_null(strstr(pts, "newinstance"));
        assert_non_null(strstr(pts, "ptmxmode=0666"));
        assert_non_null(strstr(pts, "gid=5"));
        assert_null(find_mount(spec, "/sys/fs/cgroup"));

        assert_true(strv_has(spec->readonly_paths, "/proc/sys"));
        assert_true(strv_has(spec->readonly_paths, "/proc/sysrq-trigger"));
        assert_string_equal(spec->hostname, "web");
        assert_string_equal(spec->root_path, "/var/lib/berth/web/rootfs");
        assert_string_equal(p->args[0], "/sbin/init");
        assert_null(p->args[1]);
        assert_true(strv_has(p->env, "container=berth"));
        assert_string_equal(p->cwd, "/");
        assert_int_equal(p->user.uid, 0);
        assert_false(p->terminal);
        assert_false(p->no_new_privileges);
        assert_null(p->apparmor_profile);
        /* the runtime's deny-all and defaults come first; the config's
         * rules (none here) go last, so they can deny a default */
        assert_int_equal(spec->resources.n_devices, 0);
        bool last = false;
        for (size_t i = 0; i < spec->n_annotations; i++)
                last |= !strcmp(spec->annotations[i].key, "org.berth.devices.config-last") &&
                        !strcmp(spec->annotations[i].value, "true");
        assert_true(last);
        spec_free(spec);
}

static void test_keys(void **state)
{
        (void)state;
        struct berth_spec *spec = spec_ok(
                "lxc.uts.name = box\n"
                "lxc.rootfs.path = dir:/srv/box\n"
                "lxc.init.cmd = /bin/sh -c  true\n"
                "lxc.init.uid = 1000\n"
                "lxc.init.gid = 100\n"
                "lxc.init.cwd = /home\n"
                "lxc.environment = FOO=bar\n"
                "lxc.cap.drop = sys_admin NET_RAW\n"
                "lxc.cap.drop = cap_mknod\n"
                "lxc.cgroup.memory.limit_in_bytes = 512M\n"
                "lxc.cgroup.cpu.shares = 512\n"
                "lxc.cgroup.cpuset.cpus = 0-1\n"
                "lxc.cgroup.pids.max = 100\n"
                "lxc.cgroup.devices.deny = a\n"
                "lxc.cgroup.devices.allow = c 1:3 rwm\n"
                "lxc.cgroup.devices.allow = c 136:* rw\n"
                "lxc.cgroup2.io.weight = 200\n"
                "lxc.mount.entry = /srv/data srv/data none bind,create=dir,optional,ro 0 0\n"
                "lxc.mount.entry = tmpfs /tmp tmpfs size=10m\n"
                "lxc.mount.auto = proc:rw sys:rw cgroup:ro\n"
                "lxc.idmap = u 0 100000 65536\n"
                "lxc.idmap = g 0 100000 65536\n"
                "lxc.prlimit.nofile = 1024:2048\n"
                "lxc.prlimit.core = unlimited\n"
                "lxc.sysctl.net.ipv4.ip_forward = 1\n"
                "lxc.no_new_privs = 1\n"
                "lxc.apparmor.profile = lxc-default\n"
                "lxc.selinux.context = system_u:system_r:container_t:s0\n"
                "lxc.seccomp.profile = \n");
        assert_string_equal(spec->hostname, "box");
        assert_string_equal(spec->root_path, "/srv/box");
        struct berth_process *p = &spec->process;
        assert_string_equal(p->args[0], "/bin/sh");
        assert_string_equal(p->args[1], "-c");
        assert_string_equal(p->args[2], "true");
        assert_null(p->args[3]);
        assert_int_equal(p->user.uid, 1000);
        assert_int_equal(p->user.gid, 100);
        assert_string_equal(p->cwd, "/home");
        assert_true(strv_has(p->env, "FOO=bar"));
        assert_true(strv_has(p->env, "container=berth"));
        char **bnd = p->caps[BERTH_CAP_BOUNDING];
        assert_false(strv_has(bnd, "CAP_SYS_ADMIN"));
        assert_false(strv_has(bnd, "CAP_NET_RAW"));
        assert_false(strv_has(bnd, "CAP_MKNOD"));
        assert_true(strv_has(bnd, "CAP_CHOWN"));

        struct berth_resources *res = &spec->resources;
        assert_true(res->memory.limit.set);
        assert_int_equal(res->memory.limit.v, 512LL * 1024 * 1024);
        assert_int_equal(res->cpu.shares.v, 512);
        assert_string_equal(res->cpu.cpus, "0-1");
        assert_int_equal(res->pids.limit.v, 100);
        assert_int_equal(res->n_devices, 3);
        assert_false(res->devices[0].allow);
        assert_int_equal(res->devices[0].type, 'a');
        assert_true(res->devices[1].allow);
        assert_int_equal(res->devices[1].type, 'c');
        assert_int_equal(res->devices[1].major, 1);
        assert_int_equal(res->devices[1].minor, 3);
        assert_string_equal(res->devices[1].access, "rwm");
        assert_int_equal(res->devices[2].major, 136);
        assert_int_equal(res->devices[2].minor, -1);
        assert_string_equal(res->devices[2].access, "rw");
        assert_int_equal(res->n_unified, 1);
        assert_string_equal(res->unified[0].key, "io.weight");
        assert_string_equal(res->unified[0].value, "200");

        const struct berth_mount *m = find_mount(spec, "/srv/data");
        assert_non_null(m);
        assert_true(m->bind);
        assert_true(m->flags & MS_RDONLY);
        assert_string_equal(m->source, "/srv/data");
        for (char **o = m->options; *o; o++) {
                assert_null(strstr(*o, "create="));
                assert_string_not_equal(*o, "optional");
        }
        m = find_mount(spec, "/tmp");
        assert_non_null(m);
        assert_string_equal(m->type, "tmpfs");
        assert_false(find_mount(spec, "/sys")->flags & MS_RDONLY);
        assert_non_null(find_mount(spec, "/sys/fs/cgroup"));
        assert_true(find_mount(spec, "/sys/fs/cgroup")->flags & MS_RDONLY);
        assert_false(strv_has(spec->readonly_paths, "/proc/sys"));

        assert_non_null(spec_namespace(spec, BERTH_NS_USER));
        assert_int_equal(spec->n_uid_mappings, 1);
        assert_int_equal(spec->uid_mappings[0].host_id, 100000);
        assert_int_equal(spec->uid_mappings[0].size, 65536);
        assert_int_equal(spec->n_gid_mappings, 1);

        bool nofile = false, core = false;
        for (size_t i = 0; i < p->n_rlimits; i++) {
                if (p->rlimits[i].resource == RLIMIT_NOFILE) {
                        nofile = true;
                        assert_int_equal(p->rlimits[i].soft, 1024);
                        assert_int_equal(p->rlimits[i].hard, 2048);
                }
                if (p->rlimits[i].resource == RLIMIT_CORE) {
                        core = true;
                        assert_true(p->rlimits[i].soft == RLIM_INFINITY);
                        assert_true(p->rlimits[i].hard == RLIM_INFINITY);
                }
        }
        assert_true(nofile && core);
        assert_int_equal(spec->n_sysctl, 1);
        assert_string_equal(spec->sysctl[0].key, "net.ipv4.ip_forward");
        assert_string_equal(spec->sysctl[0].value, "1");
        assert_true(p->no_new_privileges);
        assert_string_equal(p->apparmor_profile, "lxc-default");
        assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
        spec_free(spec);
}

static void test_keep_net_v2(void **state)
{
        (void)state;
        struct berth_spec *spec = spec_ok("lxc.cap.keep = chown kill\n"
                                          "lxc.cap.keep = setuid\n"
                                          "lxc.net.0.type = none\n"
                                          "lxc.cgroup2.memory.max = 1g\n"
                                          "lxc.cgroup2.pids.max = max\n"
                                          "lxc.prlimit.nofile = 4096\n"
                                          "lxc.apparmor.profile = unconfined\n");
        char **c = spec->process.caps[BERTH_CAP_EFFECTIVE];
        assert_string_equal(c[0], "CAP_CHOWN");
        assert_string_equal(c[1], "CAP_KILL"); /* in the kernel's order */
        assert_string_equal(c[2], "CAP_SETUID");
        assert_null(c[3]);
        assert_null(spec_namespace(spec, BERTH_NS_NET));
        assert_int_equal(spec->resources.memory.limit.v, 1024LL * 1024 * 1024);
        assert_int_equal(spec->resources.pids.limit.v, -1);
        assert_int_equal(spec->process.rlimits[0].soft, 4096);
        assert_int_equal(spec->process.rlimits[0].hard, 4096);
        assert_null(spec->process.apparmor_profile);
        spec_free(spec);

        /* other net types keep the new, empty network namespace */
        spec = spec_ok("lxc.net.0.type = veth\nlxc.net.0.link = br0\n");
        assert_non_null(spec_namespace(spec, BERTH_NS_NET));
        spec_free(spec);
}

static void test_errors(void **state)
{
        (void)state;
        spec_fails("lxc.cgroup.memory.limit_in_bytes = 12Q\n",
                   "web/config: lxc.cgroup.memory.limit_in_bytes: 12Q is not a size");
        spec_fails("lxc.cgroup.blkio.weight = 100\n",
                   "web/config: lxc.cgroup.blkio.weight: not supported yet");
        spec_fails("lxc.cgroup.cpu.shares = lots\n", "lxc.cgroup.cpu.shares: lots is not a number");
        spec_fails("lxc.cgroup.devices.allow = x 1:3 rwm\n", "lxc.cgroup.devices.allow:");
        spec_fails("lxc.cgroup.devices.allow = c 1:3 rwx\n", "lxc.cgroup.devices.allow: access \"rwx\"");
        spec_fails("lxc.cap.drop = sys_wizard\n", "lxc.cap.drop: unknown capability \"sys_wizard\"");
        spec_fails("lxc.cap.keep = flying\n", "lxc.cap.keep: unknown capability");
        spec_fails("lxc.mount.entry = /a\n", "lxc.mount.entry:");
        spec_fails("lxc.mount.auto = shmounts:/x\n", "lxc.mount.auto: unknown option");
        spec_fails("lxc.prlimit.nofile = 10:x\n", "lxc.prlimit.nofile:");
        spec_fails("lxc.prlimit.nofile = 20:10\n", "soft limit");
        spec_fails("lxc.prlimit.wishes = 3\n", "lxc.prlimit.wishes: unknown limit");
        spec_fails("lxc.seccomp.profile = /etc/x.seccomp\n",
                   "lxc.seccomp.profile: not supported yet");
        spec_fails("lxc.environment = JUSTNAME\n", "lxc.environment: \"JUSTNAME\" is not");
        spec_fails("lxc.rootfs.path = overlay:/a:/b\n", "lxc.rootfs.path:");
        spec_fails("lxc.apparmor.profile = generated\n", "lxc.apparmor.profile:");
        /* found by the spec loader: a net sysctl without a network namespace */
        spec_fails("lxc.net.0.type = none\nlxc.sysctl.net.ipv4.ip_forward = 1\n",
                   "web/config: linux.sysctl[\"net.ipv4.ip_forward\"]: sysctl");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_keys),
                cmocka_unit_test(test_keep_net_v2),
                cmocka_unit_test(test_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
