/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manager's pure logic: names, paths and states of a system
 * container, and lxc.init.cmd's words. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lxc-config.h"
#include "manager.h"
#include "util.h"

static void test_names(void **state)
{
        (void)state;
        static const char *const good[] = { "web", "a", "db-1", "x_y.z", "A9" };
        static const char *const bad[] = { "", ".hidden", "-x", "a/b", "a b", "..", "é",
                                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
        struct berth_error err = { 0 };
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                struct berth_container *c = NULL;
                assert_int_equal(berth_container_new(good[i], "/tmp/lx", &c, &err), 0);
                assert_string_equal(berth_container_name(c), good[i]);
                berth_container_free(c);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct berth_container *c = NULL;
                assert_int_equal(berth_container_new(bad[i], "/tmp/lx", &c, &err), -EINVAL);
                assert_null(c);
                assert_non_null(strstr(err.msg, "invalid container name"));
        }
}

static void test_paths(void **state)
{
        (void)state;
        struct berth_error err = { 0 };
        struct berth_container *c = NULL, *d = NULL, *e = NULL;
        assert_int_equal(berth_container_new("web", NULL, &c, &err), 0);
        assert_string_equal(c->dir, "/var/lib/berth/web");
        assert_string_equal(c->config_path, "/var/lib/berth/web/config");
        assert_string_equal(c->oci_root, "/run/berth-sys/default/oci");
        assert_string_equal(c->mon_dir, "/run/berth-sys/default/mon/web");
        assert_string_equal(c->cgroup, "/berth-sys/web");
        /* another lxcpath: the same name gets other run dirs and cgroup */
        assert_int_equal(berth_container_new("web", "/nonexistent/lxc", &d, &err), 0);
        assert_string_equal(d->dir, "/nonexistent/lxc/web");
        assert_string_not_equal(d->run_root, c->run_root);
        assert_string_not_equal(d->cgroup, c->cgroup);
        assert_int_equal(strncmp(d->cgroup, "/berth-sys/web-", 15), 0);
        /* and the same lxcpath always the same */
        assert_int_equal(berth_container_new("web", "/nonexistent/lxc", &e, &err), 0);
        assert_string_equal(d->run_root, e->run_root);
        berth_container_free(c);
        berth_container_free(d);
        berth_container_free(e);
}

static void test_states(void **state)
{
        (void)state;
        for (int s = BERTH_STOPPED; s <= BERTH_FROZEN; s++)
                assert_int_equal(berth_state_parse(berth_state_name(s)), s);
        assert_int_equal(berth_state_parse("running"), BERTH_RUNNING);
        assert_int_equal(berth_state_parse("bogus"), -EINVAL);
        assert_int_equal(berth_state_parse(NULL), -EINVAL);
}

static void test_words(void **state)
{
        (void)state;
        static const struct {
                const char *in;
                const char *out[5];
        } cases[] = {
                { "/sbin/init", { "/sbin/init" } },
                { "  a  b\tc ", { "a", "b", "c" } },
                { "sh -c 'echo hi'", { "sh", "-c", "echo hi" } },
                { "a \"b \\\" c\" d\\ e", { "a", "b \" c", "d e" } },
                { "x '' y", { "x", "", "y" } },
                { "'it'\\''s'", { "it's" } },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char **w = NULL;
                assert_int_equal(lxc_split_words(cases[i].in, &w), 0);
                size_t n = 0;
                for (; cases[i].out[n]; n++)
                        assert_string_equal(w[n], cases[i].out[n]);
                assert_null(w[n]);
                strv_free(w);
        }
        char **w = NULL;
        assert_int_equal(lxc_split_words("a 'b", &w), -EINVAL);
        static const char *const round[] = { "plain", "two words", "it's", "a\"b", "back\\slash", "" };
        for (size_t i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
                char *q = lxc_quote_word(round[i]);
                assert_int_equal(lxc_split_words(q, &w), 0);
                assert_string_equal(w[0], round[i]);
                assert_null(w[1]);
                strv_free(w);
                free(q);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_paths),
                cmocka_unit_test(test_states),
                cmocka_unit_test(test_words),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
