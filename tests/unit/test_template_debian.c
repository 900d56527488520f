/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The debian template's parts that need no debootstrap: which mirror the
 * host's apt sources name, and option errors that must come before any
 * work (the real debootstrap is tests/integration/test_template_debian.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/manager/template-debian.h"
#include "error.h"

static char *mirror(const char *text, bool deb822)
{
        char *out = NULL;
        assert_int_equal(debian_mirror_parse(text, deb822, "bookworm", &out), 0);
        return out;
}

static void expect(const char *text, bool deb822, const char *want)
{
        char *got = mirror(text, deb822);
        if (!want) {
                assert_null(got);
                return;
        }
        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
}

static void test_sources_list_lines(void **state)
{
        (void)state;
        expect("deb http://ftp.de.debian.org/debian bookworm main contrib\n", false,
               "http://ftp.de.debian.org/debian");
        /* comments, deb-src, security, options in brackets */
        expect("# deb http://commented.example/debian bookworm main\n"
               "deb-src http://src.example/debian bookworm main\n"
               "deb http://security.debian.org/debian-security bookworm-security main\n"
               "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\n",
               false, "http://mirror.example/debian");
        /* a third-party archive naming its own suite is not Debian's */
        expect("deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n", false, NULL);
        /* no main component */
        expect("deb http://m.example/debian bookworm contrib\n", false, NULL);
        /* -updates is served by the main archive */
        expect("deb http://m.example/debian bookworm-updates main\n", false,
               "http://m.example/debian");
        /* a scheme debootstrap cannot use */
        expect("deb cdrom:[Debian]/ bookworm main\n", false, NULL);
}

static void test_deb822_paragraphs(void **state)
{
        (void)state;
        static const char text[] = "Types: deb\n"
                                   "URIs: http://deb.debian.org/debian-security\n"
                                   "Suites: bookworm-security\n"
                                   "Components: main\n"
                                   "\n"
                                   "Types: deb deb-src\n"
                                   "# http://snapshot.debian.org/archive/debian/20250520T000000Z\n"
                                   "URIs: http://deb.debian.org/debian\n"
                                   "Suites: bookworm bookworm-updates\n"
                                   "Components: main\n"
                                   "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n";
        expect(text, true, "http://deb.debian.org/debian");
        /* disabled entries and deb-src-only ones do not count */
        expect("Types: deb\nURIs: http://a.example/debian\nSuites: bookworm\nComponents: main\n"
               "Enabled: no\n\n"
               "Types: deb-src\nURIs: http://b.example/debian\nSuites: bookworm\nComponents: "
               "main\n",
               true, NULL);
        /* a URI list continued on the next line; the last paragraph has no blank after it */
        expect("Types: deb\nURIs:\n cdrom:/x/\n http://c.example/debian\nSuites: stable\n"
               "Components: main",
               true, "http://c.example/debian");
}

static void test_host_mirror_is_found(void **state)
{
        (void)state;
        struct berth_error err = { 0 };
        char *m = NULL;
        assert_int_equal(debian_host_mirror("bookworm", &m, &err), 0);
        assert_non_null(m);
        assert_true(!strncmp(m, "http", 4) || !strncmp(m, "file:", 5) || !strncmp(m, "ftp", 3));
        free(m);
}

static int run(char **argv, const char *rootfs, struct berth_error *err)
{
        struct template_args a = { .rootfs = rootfs, .name = "deb-unit", .argv = argv };
        return template_debian(&a, err);
}

static void test_option_errors_touch_nothing(void **state)
{
        (void)state;
        char dir[] = "/tmp/berth-tdeb-XXXXXX";
        assert_non_null(mkdtemp(dir));
        char rootfs[64];
        snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
        static const struct {
                char *argv[4];
                const char *msg;
        } cases[] = {
                { { "--frobnicate", NULL }, "unknown option '--frobnicate'" },
                { { "--release", NULL }, "--release needs a value" },
                { { "--release", "../etc", NULL }, "not a release name" },
                { { "--packages", "ok,Not_OK", NULL }, "'Not_OK' is not a Debian package name" },
                { { "--ssh-key", "/nonexistent/key.pub", NULL }, "--ssh-key /nonexistent/key.pub" },
                { { "--mirror", "-x", NULL }, "is not a URL" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct berth_error err = { 0 };
                assert_true(run((char **)cases[i].argv, rootfs, &err) < 0);
                if (!strstr(err.msg, cases[i].msg) || strncmp(err.msg, "debian template: ", 17))
                        fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].msg);
                struct stat st;
                assert_int_equal(stat(rootfs, &st), -1); /* nothing made */
        }
        /* a non-empty rootfs is refused before any debootstrap */
        assert_int_equal(mkdir(rootfs, 0755), 0);
        char file[80];
        snprintf(file, sizeof(file), "%s/keep", rootfs);
        FILE *f = fopen(file, "w");
        assert_non_null(f);
        fclose(f);
        struct berth_error err = { 0 };
        char *none[] = { NULL };
        assert_true(run(none, rootfs, &err) < 0);
        assert_non_null(strstr(err.msg, "is not empty"));
        assert_int_equal(access(file, F_OK), 0);
        unlink(file);
        rmdir(rootfs);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sources_list_lines),
                cmocka_unit_test(test_deb822_paragraphs),
                cmocka_unit_test(test_host_mirror_is_found),
                cmocka_unit_test(test_option_errors_touch_nothing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
