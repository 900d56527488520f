/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mount_options_parse: option strings -> MS_* flags, propagation, data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "spec.h"

/* Parse `options` (NULL-terminated) as a mount of `type`. */
static struct berth_mount parse(const char *type, const char *const *options)
{
        struct berth_mount m = { 0 };
        m.type = (char *)type;
        m.options = (char **)options;
        struct berth_error err = { 0 };
        assert_int_equal(mount_options_parse(&m, &err), 0);
        return m;
}

#define PARSE(type, ...) parse(type, (const char *const[]){ __VA_ARGS__, NULL })

static void test_every_flag_option(void **state)
{
        (void)state;
        static const struct {
                const char *name;
                unsigned long set, clear;
        } cases[] = {
                { "ro", MS_RDONLY, 0 },
                { "rw", 0, MS_RDONLY },
                { "nosuid", MS_NOSUID, 0 },
                { "suid", 0, MS_NOSUID },
                { "nodev", MS_NODEV, 0 },
                { "dev", 0, MS_NODEV },
                { "noexec", MS_NOEXEC, 0 },
                { "exec", 0, MS_NOEXEC },
                { "sync", MS_SYNCHRONOUS, 0 },
                { "async", 0, MS_SYNCHRONOUS },
                { "dirsync", MS_DIRSYNC, 0 },
                { "remount", MS_REMOUNT, 0 },
                { "mand", MS_MANDLOCK, 0 },
                { "nomand", 0, MS_MANDLOCK },
                { "noatime", MS_NOATIME, 0 },
                { "atime", 0, MS_NOATIME },
                { "nodiratime", MS_NODIRATIME, 0 },
                { "diratime", 0, MS_NODIRATIME },
                { "relatime", MS_RELATIME, 0 },
                { "norelatime", 0, MS_RELATIME },
                { "strictatime", MS_STRICTATIME, 0 },
                { "nostrictatime", 0, MS_STRICTATIME },
                { "lazytime", MS_LAZYTIME, 0 },
                { "nolazytime", 0, MS_LAZYTIME },
                { "silent", MS_SILENT, 0 },
                { "loud", 0, MS_SILENT },
                { "iversion", MS_I_VERSION, 0 },
                { "noiversion", 0, MS_I_VERSION },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct berth_mount m = PARSE("tmpfs", cases[i].name);
                if (m.flags != cases[i].set || m.clear != cases[i].clear || m.data || m.bind ||
                    m.propagation)
                        fail_msg("%s: flags %#lx clear %#lx data %s", cases[i].name, m.flags,
                                 m.clear, m.data ? m.data : "(null)");
        }
}

static void test_later_option_wins(void **state)
{
        (void)state;
        struct berth_mount m = PARSE("tmpfs", "ro", "rw");
        assert_int_equal(m.flags & MS_RDONLY, 0);
        assert_int_equal(m.clear, MS_RDONLY);

        m = PARSE("tmpfs", "rw", "ro", "nosuid", "suid");
        assert_int_equal(m.flags, MS_RDONLY);
        assert_int_equal(m.clear, MS_NOSUID);
}

static void test_propagation(void **state)
{
        (void)state;
        static const struct {
                const char *name;
                unsigned long prop;
        } cases[] = {
                { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
                { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
                { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
                { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct berth_mount m = PARSE(NULL, "bind", cases[i].name);
                assert_int_equal(m.propagation, cases[i].prop);
                /* r* propagation is not a recursive bind */
                assert_false(m.recursive);
                assert_int_equal(m.flags, MS_BIND);
        }
}

static void test_data_is_joined_in_order(void **state)
{
        (void)state;
        struct berth_mount m = PARSE("devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                     "mode=0620", "gid=5");
        assert_int_equal(m.flags, MS_NOSUID | MS_NOEXEC);
        assert_string_equal(m.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        free(m.data);

        m = PARSE("tmpfs", "size=64m");
        assert_string_equal(m.data, "size=64m");
        free(m.data);
}

static void test_no_options_no_data(void **state)
{
        (void)state;
        struct berth_mount m = parse("proc", NULL);
        assert_null(m.data);
        assert_int_equal(m.flags, 0);
        assert_false(m.bind);
}

static void test_rbind_is_recursive_bind(void **state)
{
        (void)state;
        struct berth_mount m = PARSE("none", "rbind", "ro");
        assert_true(m.bind);
        assert_true(m.recursive);
        assert_int_equal(m.flags, MS_BIND | MS_REC | MS_RDONLY);

        m = PARSE(NULL, "bind");
        assert_true(m.bind);
        assert_false(m.recursive);
        assert_int_equal(m.flags, MS_BIND);

        /* a later plain bind undoes the recursion */
        m = PARSE(NULL, "rbind", "bind");
        assert_true(m.bind);
        assert_false(m.recursive);
        assert_int_equal(m.flags, MS_BIND);
}

static void test_type_bind_is_a_bind(void **state)
{
        (void)state;
        struct berth_mount m = PARSE("bind", "ro");
        assert_true(m.bind);
        assert_false(m.recursive);
        assert_int_equal(m.flags, MS_BIND | MS_RDONLY);

        m = PARSE("rbind", "ro");
        assert_true(m.bind);
        assert_true(m.recursive);
        assert_int_equal(m.flags, MS_BIND | MS_REC | MS_RDONLY);

        m = PARSE("tmpfs", "ro");
        assert_false(m.bind);
}

static void test_runtime_only_options_are_skipped(void **state)
{
        (void)state;
        struct berth_mount m = PARSE("tmpfs", "tmpcopyup", "x-systemd.automount", "", "mode=755");
        assert_string_equal(m.data, "mode=755");
        assert_int_equal(m.flags, 0);
        assert_false(m.idmap);
        free(m.data);
}

/* idmap/ridmap are no mount(2) flags: they mark the mount idmapped. */
static void test_idmap_options(void **state)
{
        (void)state;
        struct berth_mount m = PARSE("bind", "idmap", "ro");
        assert_true(m.idmap);
        assert_false(m.idmap_recursive);
        assert_null(m.data);
        assert_int_equal(m.flags, MS_BIND | MS_RDONLY);

        m = PARSE("none", "rbind", "ridmap");
        assert_true(m.idmap);
        assert_true(m.idmap_recursive);
        assert_int_equal(m.flags, MS_BIND | MS_REC);

        /* the later one wins, as for every other pair */
        m = PARSE("bind", "ridmap", "idmap");
        assert_true(m.idmap && !m.idmap_recursive);

        /* mappings of its own make a mount idmapped without an option */
        struct berth_idmap map = { 0, 100000, 65536 };
        m = (struct berth_mount){ .type = (char *)"bind", .uid_mappings = &map,
                                  .n_uid_mappings = 1 };
        struct berth_error err = { 0 };
        assert_int_equal(mount_options_parse(&m, &err), 0);
        assert_true(m.idmap);
        assert_false(m.idmap_recursive);
}

static void test_parse_again_starts_fresh(void **state)
{
        (void)state;
        const char *first[] = { "ro", "rbind", "size=1", "rprivate", NULL };
        const char *second[] = { "nodev", NULL };
        struct berth_mount m = parse(NULL, first);
        m.options = (char **)second;
        struct berth_error err = { 0 };
        assert_int_equal(mount_options_parse(&m, &err), 0);
        assert_int_equal(m.flags, MS_NODEV);
        assert_null(m.data);
        assert_false(m.bind);
        assert_false(m.recursive);
        assert_int_equal(m.propagation, 0);
}

/* What `berth oci features` reports: every name the parser applies, and
 * only those (a skipped option is not a supported one). */
static void test_option_names_are_the_table(void **state)
{
        (void)state;
        const char *const *names = mount_option_names();
        size_t n = 0;
        bool seen_rbind = false, seen_rprivate = false, seen_idmap = false;
        for (; names[n]; n++) {
                struct berth_mount m = PARSE("tmpfs", names[n]);
                if (m.data)
                        fail_msg("%s is reported but not parsed as a known option", names[n]);
                if (!m.flags && !m.clear && !m.propagation && !m.idmap)
                        fail_msg("%s is reported but has no effect", names[n]);
                assert_string_not_equal(names[n], "tmpcopyup");
                seen_idmap |= strcmp(names[n], "ridmap") == 0;
                seen_rbind |= strcmp(names[n], "rbind") == 0;
                seen_rprivate |= strcmp(names[n], "rprivate") == 0;
        }
        assert_int_equal(n, 40);
        assert_true(seen_idmap);
        assert_true(seen_rbind);
        assert_true(seen_rprivate);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_flag_option),
                cmocka_unit_test(test_later_option_wins),
                cmocka_unit_test(test_propagation),
                cmocka_unit_test(test_data_is_joined_in_order),
                cmocka_unit_test(test_no_options_no_data),
                cmocka_unit_test(test_rbind_is_recursive_bind),
                cmocka_unit_test(test_type_bind_is_a_bind),
                cmocka_unit_test(test_runtime_only_options_are_skipped),
                cmocka_unit_test(test_idmap_options),
                cmocka_unit_test(test_parse_again_starts_fresh),
                cmocka_unit_test(test_option_names_are_the_table),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
