/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxc_config_*: LXC-syntax parsing, old keys, includes, errors, round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/manager/lxc-config.h"
#include "cleanup.h"
#include "util.h"

static struct lxc_config *parse_ok(const char *text)
{
        struct lxc_config *cfg = lxc_config_new();
        assert_non_null(cfg);
        struct berth_error err = { 0 };
        int r = lxc_config_parse_text(text, "t.conf", cfg, &err);
        if (r < 0)
                fail_msg("unexpected error: %s", err.msg);
        return cfg;
}

/* Parse `text`, expect failure, and check the message contains `want`. */
static void parse_fails(const char *text, const char *want)
{
        struct lxc_config *cfg = lxc_config_new();
        struct berth_error err = { 0 };
        int r = lxc_config_parse_text(text, "t.conf", cfg, &err);
        lxc_config_free(cfg);
        assert_int_equal(r, -EINVAL);
        if (!strstr(err.msg, want))
                fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
}

static void test_basic(void **state)
{
        (void)state;
        struct lxc_config *cfg = parse_ok("lxc.uts.name=web\n"
                                          "  lxc.rootfs.path   =   dir:/srv/web  \n"
                                          "lxc.autodev = 1\n"
                                          "lxc.init.cmd = /sbin/init splash\n"
                                          "lxc.cgroup.devices.allow = c 1:3 rwm\n"
                                          "lxc.cgroup2.memory.max = 1G\n"
                                          "lxc.prlimit.nofile = 1024:2048\n"
                                          "lxc.sysctl.net.ipv4.ip_forward = 1\n"
                                          "lxc.hook.pre-start = /bin/true\n"
                                          "lxc.signal.halt = SIGPWR\n"
                                          "lxc.start.order = -3\n"
                                          "lxc.log.level = 4\n"
                                          "lxc.selinux.context = x_t\n"
                                          "lxc.idmap = u 0 100000 65536\n"
                                          "lxc.tty.max = 4"); /* no final newline */
        assert_string_equal(lxc_config_get(cfg, "lxc.uts.name"), "web");
        assert_string_equal(lxc_config_get(cfg, "lxc.rootfs.path"), "dir:/srv/web");
        assert_string_equal(lxc_config_get(cfg, "lxc.init.cmd"), "/sbin/init splash");
        assert_string_equal(lxc_config_get(cfg, "lxc.cgroup.devices.allow"), "c 1:3 rwm");
        assert_string_equal(lxc_config_get(cfg, "lxc.cgroup2.memory.max"), "1G");
        assert_string_equal(lxc_config_get(cfg, "lxc.sysctl.net.ipv4.ip_forward"), "1");
        assert_string_equal(lxc_config_get(cfg, "lxc.tty.max"), "4");
        assert_null(lxc_config_get(cfg, "lxc.arch"));
        assert_null(lxc_config_get(cfg, "lxc.bogus"));
        assert_int_equal(cfg->n_items, 15);
        assert_string_equal(cfg->items[1].file, "t.conf");
        assert_int_equal(cfg->items[1].line, 2);
        lxc_config_free(cfg);
}

static void test_comments_kept_in_dump(void **state)
{
        (void)state;
        const char *text = "# a container\n"
                           "\n"
                           "lxc.uts.name = web\n"
                           "   # indented comment\n"
                           "lxc.pty.max = 10\n";
        struct lxc_config *cfg = parse_ok(text);
        assert_null(cfg->items[0].key);
        assert_string_equal(cfg->items[0].value, "# a container");
        _cleanup_free_ char *out = lxc_config_dump(cfg);
        assert_string_equal(out, text);
        lxc_config_free(cfg);
}

static void test_repeated_keys(void **state)
{
        (void)state;
        struct lxc_config *cfg = parse_ok("lxc.uts.name = a\n"
                                          "lxc.cap.drop = sys_module\n"
                                          "lxc.uts.name = b\n"
                                          "lxc.cap.drop = sys_time\n");
        /* The last one wins for get; both list items are kept. */
        assert_string_equal(lxc_config_get(cfg, "lxc.uts.name"), "b");
        assert_string_equal(lxc_config_get(cfg, "lxc.cap.drop"), "sys_time");
        int drops = 0;
        for (size_t i = 0; i < cfg->n_items; i++)
                drops += cfg->items[i].key && !strcmp(cfg->items[i].key, "lxc.cap.drop");
        assert_int_equal(drops, 2);
        lxc_config_free(cfg);
}

static void test_old_keys_mapped(void **state)
{
        (void)state;
        static const struct {
                const char *old, *new_name, *value;
        } cases[] = {
                { "lxc.utsname", "lxc.uts.name", "web" },
                { "lxc.rootfs", "lxc.rootfs.path", "/srv/web/rootfs" },
                { "lxc.pts", "lxc.pty.max", "1024" },
                { "lxc.tty", "lxc.tty.max", "4" },
                { "lxc.aa_profile", "lxc.apparmor.profile", "unconfined" },
                { "lxc.se_context", "lxc.selinux.context", "system_u:system_r:lxc_t:s0" },
                { "lxc.id_map", "lxc.idmap", "g 0 100000 65536" },
                { "lxc.loglevel", "lxc.log.level", "DEBUG" },
                { "lxc.mount", "lxc.mount.fstab", "/srv/web/fstab" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char text[256];
                snprintf(text, sizeof(text), "%s = %s\n", cases[i].old, cases[i].value);
                struct lxc_config *cfg = parse_ok(text);
                assert_string_equal(cfg->items[0].key, cases[i].new_name);
                assert_string_equal(lxc_config_get(cfg, cases[i].new_name), cases[i].value);
                assert_string_equal(lxc_config_get(cfg, cases[i].old), cases[i].value);
                lxc_config_free(cfg);
        }
}

static void test_old_network_two_interfaces(void **state)
{
        (void)state;
        struct lxc_config *cfg = parse_ok("lxc.network.type = veth\n"
                                          "lxc.network.flags = up\n"
                                          "lxc.network.link = lxcbr0\n"
                                          "lxc.network.hwaddr = 00:16:3e:xx:xx:xx\n"
                                          "lxc.network.name = eth0\n"
                                          "lxc.network.mtu = 1500\n"
                                          "lxc.network.ipv4 = 10.0.3.5/24\n"
                                          "lxc.network.ipv4 = 10.0.3.6/24\n"
                                          "lxc.network.ipv4.gateway = 10.0.3.1\n"
                                          "lxc.network.ipv6 = fd00::5/64\n"
                                          "lxc.network.ipv6.gateway = fd00::1\n"
                                          "lxc.network.veth.pair = vethweb\n"
                                          "# second\n"
                                          "lxc.network.type = macvlan\n"
                                          "lxc.network.link = eth1\n"
                                          "lxc.network.name = eth1\n");
        static const char *const want_keys[] = {
                "lxc.net.0.type",         "lxc.net.0.flags",        "lxc.net.0.link",
                "lxc.net.0.hwaddr",       "lxc.net.0.name",         "lxc.net.0.mtu",
                "lxc.net.0.ipv4.address", "lxc.net.0.ipv4.address", "lxc.net.0.ipv4.gateway",
                "lxc.net.0.ipv6.address", "lxc.net.0.ipv6.gateway", "lxc.net.0.veth.pair",
                NULL,                     "lxc.net.1.type",         "lxc.net.1.link",
                "lxc.net.1.name",
        };
        assert_int_equal(cfg->n_items, 16);
        for (size_t i = 0; i < 16; i++) {
                if (!want_keys[i])
                        assert_null(cfg->items[i].key);
                else
                        assert_string_equal(cfg->items[i].key, want_keys[i]);
        }
        assert_int_equal(cfg->n_nets, 2);
        const struct lxc_net *n0 = lxc_config_net(cfg, 0), *n1 = lxc_config_net(cfg, 1);
        assert_non_null(n0);
        assert_non_null(n1);
        assert_string_equal(n0->type, "veth");
        assert_string_equal(n0->flags, "up");
        assert_string_equal(n0->link, "lxcbr0");
        assert_string_equal(n0->hwaddr, "00:16:3e:xx:xx:xx");
        assert_string_equal(n0->name, "eth0");
        assert_int_equal(n0->mtu, 1500);
        assert_string_equal(n0->ipv4[0], "10.0.3.5/24");
        assert_string_equal(n0->ipv4[1], "10.0.3.6/24");
        assert_null(n0->ipv4[2]);
        assert_string_equal(n0->ipv4_gateway, "10.0.3.1");
        assert_string_equal(n0->ipv6[0], "fd00::5/64");
        assert_string_equal(n0->ipv6_gateway, "fd00::1");
        assert_string_equal(n0->veth_pair, "vethweb");
        assert_string_equal(n1->type, "macvlan");
        assert_string_equal(n1->link, "eth1");
        assert_null(n1->ipv4);
        assert_string_equal(lxc_config_get(cfg, "lxc.net.1.link"), "eth1");
        lxc_config_free(cfg);

        /* An old key with no lxc.network.type before it has nowhere to go. */
        parse_fails("lxc.network.link = br0\n", "t.conf:1: lxc.network.link: no interface");
}

static void test_new_network_keys(void **state)
{
        (void)state;
        struct lxc_config *cfg = parse_ok("lxc.net.0.type = empty\n"
                                          "lxc.net.3.type = vlan\n"
                                          "lxc.net.3.ipv4.address = 192.168.1.2/24 192.168.1.255\n"
                                          "lxc.net.3.ipv4.gateway = auto\n"
                                          "lxc.net.3.ipv6.address = 2001:db8::2/64\n"
                                          "lxc.net.3.ipv6.gateway = dev\n");
        assert_int_equal(cfg->n_nets, 2);
        assert_string_equal(lxc_config_net(cfg, 0)->type, "empty");
        assert_string_equal(lxc_config_net(cfg, 3)->type, "vlan");
        assert_string_equal(lxc_config_net(cfg, 3)->ipv4_gateway, "auto");
        assert_null(lxc_config_net(cfg, 1));
        lxc_config_free(cfg);
}

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

/* The include tests write under a fresh directory; the teardown removes
 * it even when an assertion failed half way. */
static int make_tmpdir(void **state)
{
        char *dir = strdup("/tmp/berth-lxc-config-XXXXXX");
        if (!dir || !mkdtemp(dir)) {
                free(dir);
                return -1;
        }
        *state = dir;
        return 0;
}

static int remove_tmpdir(void **state)
{
        char *dir = *state;
        int r = remove_tree_at(AT_FDCWD, dir);
        free(dir);
        return r;
}

static void test_includes(void **state)
{
        const char *dir = *state;
        char p[512];
        snprintf(p, sizeof(p), "%s/conf.d", dir);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/conf.d/10-a.conf", dir);
        write_text(p, "lxc.cap.drop = sys_module\nlxc.include = ../common\n");
        snprintf(p, sizeof(p), "%s/conf.d/20-b.conf", dir);
        write_text(p, "lxc.cap.drop = sys_time\nlxc.uts.name = from-b\n");
        snprintf(p, sizeof(p), "%s/conf.d/notes.txt", dir);
        write_text(p, "this is not a config\n");
        snprintf(p, sizeof(p), "%s/common", dir);
        write_text(p, "lxc.arch = x86_64\n");
        snprintf(p, sizeof(p), "%s/config", dir);
        const char *top = "# top\nlxc.uts.name = top\nlxc.include = conf.d\nlxc.pty.max = 8\n";
        write_text(p, top);

        struct lxc_config *cfg = NULL;
        struct berth_error err = { 0 };
        if (lxc_config_load(p, &cfg, &err) < 0)
                fail_msg("load: %s", err.msg);
        /* 10-a (and what it includes) before 20-b whatever the directory
         * order; notes.txt skipped. */
        assert_string_equal(lxc_config_get(cfg, "lxc.arch"), "x86_64");
        assert_string_equal(lxc_config_get(cfg, "lxc.uts.name"), "from-b");
        const char *drops[2] = { 0 };
        int nd = 0;
        for (size_t i = 0; i < cfg->n_items; i++)
                if (cfg->items[i].key && !strcmp(cfg->items[i].key, "lxc.cap.drop"))
                        drops[nd++] = cfg->items[i].value;
        assert_int_equal(nd, 2);
        assert_string_equal(drops[0], "sys_module");
        assert_string_equal(drops[1], "sys_time");
        /* Included items are not written back into the top file. */
        _cleanup_free_ char *out = lxc_config_dump(cfg);
        assert_string_equal(out, top);
        /* Setting a key an include overrides appends to the top file. */
        assert_int_equal(lxc_config_set(cfg, "lxc.uts.name", "mine", &err), 0);
        assert_string_equal(lxc_config_get(cfg, "lxc.uts.name"), "mine");
        lxc_config_free(cfg);

        /* An error inside an include names the included file and line. */
        snprintf(p, sizeof(p), "%s/conf.d/30-bad.conf", dir);
        write_text(p, "# bad\nlxc.autodev = 2\n");
        snprintf(p, sizeof(p), "%s/config", dir);
        cfg = NULL;
        assert_int_equal(lxc_config_load(p, &cfg, &err), -EINVAL);
        assert_null(cfg);
        assert_non_null(strstr(err.msg, "30-bad.conf:2: lxc.autodev: must be 0 or 1"));

        /* A self-include stops at the depth limit. */
        snprintf(p, sizeof(p), "%s/loop", dir);
        write_text(p, "lxc.include = loop\n");
        assert_int_equal(lxc_config_load(p, &cfg, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "nested more than 8"));

        /* A missing include names the including line. */
        snprintf(p, sizeof(p), "%s/missing", dir);
        write_text(p, "\nlxc.include = nothere.conf\n");
        assert_int_equal(lxc_config_load(p, &cfg, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "missing:2: lxc.include"));
        assert_non_null(strstr(err.msg, "nothere.conf"));

}

/* Directory entries are read in name order, not the directory's order. */
static void test_include_dir_order(void **state)
{
        const char *dir = *state;
        char p[512];
        for (int i = 9; i >= 0; i--) {
                snprintf(p, sizeof(p), "%s/%02d.conf", dir, i);
                char text[64];
                snprintf(text, sizeof(text), "lxc.environment = N=%d\n", i);
                write_text(p, text);
        }
        struct lxc_config *cfg = lxc_config_new();
        struct berth_error err = { 0 };
        snprintf(p, sizeof(p), "lxc.include = %s\n", dir);
        if (lxc_config_parse_text(p, "t.conf", cfg, &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(cfg->n_items, 11);
        for (int i = 0; i < 10; i++) {
                char want[16];
                snprintf(want, sizeof(want), "N=%d", i);
                assert_string_equal(cfg->items[i + 1].value, want);
                assert_int_equal(cfg->items[i + 1].depth, 1);
        }
        lxc_config_free(cfg);
}

/* c0 includes c1 ... includes cN: eight levels below the top file work,
 * a ninth is refused. */
static void test_include_depth(void **state)
{
        const char *dir = *state;
        char p[512], text[64];
        for (int levels = 8; levels <= 9; levels++) {
                for (int i = 0; i < levels; i++) {
                        snprintf(p, sizeof(p), "%s/c%d", dir, i);
                        snprintf(text, sizeof(text), "lxc.include = c%d\n", i + 1);
                        write_text(p, text);
                }
                snprintf(p, sizeof(p), "%s/c%d", dir, levels);
                write_text(p, "lxc.arch = leaf\n");
                snprintf(p, sizeof(p), "%s/c0", dir);
                struct lxc_config *cfg = NULL;
                struct berth_error err = { 0 };
                int r = lxc_config_load(p, &cfg, &err);
                if (levels == 8) {
                        if (r < 0)
                                fail_msg("8 levels: %s", err.msg);
                        assert_string_equal(lxc_config_get(cfg, "lxc.arch"), "leaf");
                        lxc_config_free(cfg);
                } else {
                        assert_int_equal(r, -EINVAL);
                        assert_non_null(strstr(err.msg, "c8:1: lxc.include: includes nested"));
                }
        }
}

static void test_errors(void **state)
{
        (void)state;
        parse_fails("lxc.uts.name = a\nlxc.net.0.lnk = br0\n",
                    "t.conf:2: lxc.net.0.lnk: unknown key; did you mean lxc.net.0.link?");
        parse_fails("lxc.net.7.ipv4.adress = 10.0.0.1/8\n",
                    "did you mean lxc.net.7.ipv4.address?");
        parse_fails("lxc.cap.dorp = x\n", "did you mean lxc.cap.drop?"); /* 2 edits */
        parse_fails("lxc.utsnme = x\n", "t.conf:1: lxc.utsnme: unknown key; did you mean lxc.uts.name?");
        parse_fails("lxc.network.0.link = br0\n", "did you mean lxc.net.0.link?");
        /* Not close in spelling, but the same last word as a known key. */
        parse_fails("lxc.container.utsname = x\n", "did you mean lxc.uts.name?");
        parse_fails("\n\nlxc.completely.different = 1\n", "t.conf:3: lxc.completely.different: unknown key");
        parse_fails("# c\nlxc.uts.name web\n",
                    "t.conf:2: lxc.uts.name web: malformed line: expected KEY = VALUE");
        parse_fails("= 1\n", "t.conf:1: =: malformed line");
        parse_fails("lxc.autodev = yes\n", "t.conf:1: lxc.autodev: must be 0 or 1 (got \"yes\")");
        parse_fails("lxc.pty.max = -1\n", "lxc.pty.max: not an unsigned number");
        parse_fails("lxc.init.uid = root\n", "lxc.init.uid: not a numeric id");
        parse_fails("lxc.net.0.type = bridge\n", "lxc.net.0.type: not a network type");
        parse_fails("lxc.net.0.flags = down\n", "lxc.net.0.flags: the only flag is up");
        parse_fails("lxc.idmap = u 0 100000\n", "lxc.idmap: not an id map");
        parse_fails("lxc.net.99999.type = veth\n", "interface number above 1023");
        /* The no-suggestion form has nothing after "unknown key". */
        struct lxc_config *cfg = lxc_config_new();
        struct berth_error err = { 0 };
        assert_int_equal(lxc_config_parse_text("zzz = 1\n", "t.conf", cfg, &err), -EINVAL);
        assert_string_equal(err.msg, "t.conf:1: zzz: unknown key");
        /* Four edits from any key: too far to suggest. */
        assert_int_equal(lxc_config_parse_text("lxc.cap.zzzz = 1\n", "t.conf", cfg, &err), -EINVAL);
        assert_string_equal(err.msg, "t.conf:1: lxc.cap.zzzz: unknown key");
        lxc_config_free(cfg);
}

static void check_value(const char *key, const char *value, int ok)
{
        struct lxc_config *cfg = lxc_config_new();
        struct berth_error err = { 0 };
        int r = lxc_config_set(cfg, key, value, &err);
        if ((r == 0) != ok)
                fail_msg("%s = %s: expected %s, got %d (%s)", key, value, ok ? "ok" : "error", r,
                         err.msg);
        lxc_config_free(cfg);
}

static void test_validators(void **state)
{
        (void)state;
        static const struct {
                const char *key, *value;
                int ok;
        } cases[] = {
                { "lxc.net.0.ipv4.address", "10.0.3.5/24", 1 },
                { "lxc.net.0.ipv4.address", "10.0.3.5", 1 },
                { "lxc.net.0.ipv4.address", "10.0.3.5/0", 1 },
                { "lxc.net.0.ipv4.address", "10.0.3.5/33", 0 },
                { "lxc.net.0.ipv4.address", "10.0.3/24", 0 },
                { "lxc.net.0.ipv4.address", "10.0.3.5/x", 0 },
                { "lxc.net.0.ipv4.address", "fd00::1/64", 0 },
                { "lxc.net.0.ipv6.address", "fd00::1/64", 1 },
                { "lxc.net.0.ipv6.address", "fd00::1/128", 1 },
                { "lxc.net.0.ipv6.address", "fd00::1/129", 0 },
                { "lxc.net.0.ipv6.address", "fd00:::1/64", 0 },
                { "lxc.net.0.ipv6.address", "10.0.0.1/8", 0 },
                { "lxc.net.0.ipv4.gateway", "10.0.0.1", 1 },
                { "lxc.net.0.ipv4.gateway", "10.0.0.1/8", 0 },
                { "lxc.net.0.ipv6.gateway", "auto", 1 },
                { "lxc.net.0.hwaddr", "00:16:3e:12:ab:CD", 1 },
                { "lxc.net.0.hwaddr", "00:16:3e:xx:xx:xx", 1 },
                { "lxc.net.0.hwaddr", "00:16:3e:xx:xx", 0 },
                { "lxc.net.0.hwaddr", "00:16:3e:yy:xx:xx", 0 },
                { "lxc.net.0.hwaddr", "00-16-3e-12-34-56", 0 },
                { "lxc.net.0.mtu", "9000", 1 },
                { "lxc.net.0.mtu", "big", 0 },
                { "lxc.net.0.type", "phys", 1 },
                { "lxc.net.0.type", "none", 1 },
                { "lxc.signal.halt", "SIGPWR", 1 },
                { "lxc.signal.halt", "PWR", 1 },
                { "lxc.signal.stop", "9", 1 },
                { "lxc.signal.reboot", "RTMIN+3", 1 },
                { "lxc.signal.halt", "SIGNOPE", 0 },
                { "lxc.signal.halt", "0", 0 },
                { "lxc.signal.halt", "999", 0 },
                { "lxc.start.auto", "1", 1 },
                { "lxc.start.auto", "true", 0 },
                { "lxc.start.delay", "5", 1 },
                { "lxc.start.order", "-5", 1 },
                { "lxc.start.order", "x", 0 },
                { "lxc.init.gid", "4294967295", 0 },
                { "lxc.init.gid", "1000", 1 },
                { "lxc.no_new_privs", "0", 1 },
                { "lxc.idmap", "b 0 100000 65536", 1 },
                { "lxc.idmap", "x 0 100000 65536", 0 },
                { "lxc.uts.name", "", 1 }, /* empty clears */
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                check_value(cases[i].key, cases[i].value, cases[i].ok);
        assert_null(lxc_value_check(LXC_CHECK_MAC, "xx:xx:xx:xx:xx:xx"));
        assert_non_null(lxc_value_check(LXC_CHECK_IPV4, "1.2.3.4/24 1.2.3"));
}

/* Every current key: set, get, dump, parse the dump, get again. */
static void test_set_get_round_trip(void **state)
{
        (void)state;
        static const struct {
                const char *key, *value;
        } cases[] = {
                { "lxc.uts.name", "web" },
                { "lxc.rootfs.path", "dir:/srv/web" },
                { "lxc.mount.entry", "proc proc proc nodev,noexec,nosuid 0 0" },
                { "lxc.mount.auto", "proc:mixed sys:ro" },
                { "lxc.mount.fstab", "/srv/web/fstab" },
                { "lxc.autodev", "1" },
                { "lxc.pty.max", "1024" },
                { "lxc.tty.max", "4" },
                { "lxc.console.path", "/dev/console" },
                { "lxc.console.logfile", "/var/log/web.console" },
                { "lxc.cgroup.devices.deny", "a" },
                { "lxc.cgroup2.pids.max", "100" },
                { "lxc.cap.drop", "sys_module" },
                { "lxc.cap.keep", "chown" },
                { "lxc.idmap", "u 0 100000 65536" },
                { "lxc.init.cmd", "/sbin/init" },
                { "lxc.init.uid", "0" },
                { "lxc.init.gid", "0" },
                { "lxc.init.cwd", "/" },
                { "lxc.environment", "TERM=xterm" },
                { "lxc.signal.halt", "SIGPWR" },
                { "lxc.signal.reboot", "SIGINT" },
                { "lxc.signal.stop", "SIGKILL" },
                { "lxc.start.auto", "1" },
                { "lxc.start.delay", "3" },
                { "lxc.start.order", "10" },
                { "lxc.group", "web" },
                { "lxc.apparmor.profile", "unconfined" },
                { "lxc.seccomp.profile", "/etc/berth/seccomp" },
                { "lxc.no_new_privs", "1" },
                { "lxc.prlimit.nofile", "unlimited" },
                { "lxc.sysctl.kernel.msgmax", "65536" },
                { "lxc.hook.start-host", "/bin/true" },
                { "lxc.arch", "amd64" },
                { "lxc.log.level", "INFO" },
                { "lxc.selinux.context", "unconfined_u" },
                { "lxc.net.0.type", "veth" },
                { "lxc.net.0.link", "lxcbr0" },
                { "lxc.net.0.flags", "up" },
                { "lxc.net.0.hwaddr", "00:16:3e:xx:xx:xx" },
                { "lxc.net.0.name", "eth0" },
                { "lxc.net.0.mtu", "1400" },
                { "lxc.net.0.ipv4.address", "10.0.3.9/24" },
                { "lxc.net.0.ipv4.gateway", "10.0.3.1" },
                { "lxc.net.0.ipv6.address", "fd00::9/64" },
                { "lxc.net.0.ipv6.gateway", "fd00::1" },
                { "lxc.net.0.veth.pair", "vweb" },
        };
        size_t n = sizeof(cases) / sizeof(cases[0]);
        struct lxc_config *cfg = parse_ok("# managed by berth\n");
        struct berth_error err = { 0 };
        for (size_t i = 0; i < n; i++) {
                if (lxc_config_set(cfg, cases[i].key, cases[i].value, &err) < 0)
                        fail_msg("set %s: %s", cases[i].key, err.msg);
                assert_string_equal(lxc_config_get(cfg, cases[i].key), cases[i].value);
        }
        /* A single-valued key is replaced in place, a list key appended. */
        assert_int_equal(lxc_config_set(cfg, "lxc.uts.name", " db ", &err), 0);
        assert_int_equal(lxc_config_set(cfg, "lxc.cap.drop", "sys_time", &err), 0);
        assert_int_equal(lxc_config_set(cfg, "lxc.net.0.mtu", "9000", &err), 0);
        assert_int_equal(lxc_config_net(cfg, 0)->mtu, 9000);
        assert_int_equal(cfg->n_items, n + 2);
        /* every value of a list key, in order; one value of any other */
        char *all = lxc_config_get_all(cfg, "lxc.cap.drop");
        assert_string_equal(all, "sys_module\nsys_time");
        free(all);
        all = lxc_config_get_all(cfg, "lxc.utsname");
        assert_string_equal(all, "db");
        free(all);
        all = lxc_config_get_all(cfg, "lxc.hook.mount");
        assert_string_equal(all, "");
        free(all);
        assert_string_equal(cfg->items[1].key, "lxc.uts.name");
        assert_string_equal(cfg->items[1].value, "db");
        /* A bad value is refused and changes nothing. */
        assert_int_equal(lxc_config_set(cfg, "lxc.autodev", "2", &err), -EINVAL);
        assert_string_equal(err.msg, "lxc.autodev: must be 0 or 1 (got \"2\")");
        assert_string_equal(lxc_config_get(cfg, "lxc.autodev"), "1");
        assert_int_equal(lxc_config_set(cfg, "lxc.utsnam", "x", &err), -EINVAL);
        assert_string_equal(err.msg, "lxc.utsnam: unknown key; did you mean lxc.uts.name?");

        _cleanup_free_ char *out = lxc_config_dump(cfg);
        assert_non_null(out);
        assert_non_null(strstr(out, "# managed by berth\nlxc.uts.name = db\n"));
        struct lxc_config *again = parse_ok(out);
        assert_int_equal(again->n_items, cfg->n_items);
        for (size_t i = 1; i < n; i++) {
                const char *want = lxc_config_get(cfg, cases[i].key);
                assert_string_equal(lxc_config_get(again, cases[i].key), want);
        }
        assert_string_equal(lxc_config_get(again, "lxc.uts.name"), "db");
        _cleanup_free_ char *out2 = lxc_config_dump(again);
        assert_string_equal(out, out2);
        const struct lxc_net *net = lxc_config_net(again, 0);
        assert_non_null(net);
        assert_int_equal(net->mtu, 9000);
        assert_string_equal(net->veth_pair, "vweb");
        lxc_config_free(again);
        lxc_config_free(cfg);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_basic),
                cmocka_unit_test(test_comments_kept_in_dump),
                cmocka_unit_test(test_repeated_keys),
                cmocka_unit_test(test_old_keys_mapped),
                cmocka_unit_test(test_old_network_two_interfaces),
                cmocka_unit_test(test_new_network_keys),
                cmocka_unit_test_setup_teardown(test_includes, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_include_dir_order, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_include_depth, make_tmpdir, remove_tmpdir),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_validators),
                cmocka_unit_test(test_set_get_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
