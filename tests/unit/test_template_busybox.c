/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* template_busybox: the tree it builds, that its busybox runs, the errors
 * a user can act on, and that a failure leaves nothing behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../src/manager/template.h"
#include "cleanup.h"
#include "util.h"

struct fixture {
        char dir[PATH_MAX];
        char rootfs[PATH_MAX + 16];
};

static int make_tmpdir(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        if (!f)
                return -1;
        snprintf(f->dir, sizeof(f->dir), "/tmp/berth-tbb-XXXXXX");
        if (!mkdtemp(f->dir)) {
                free(f);
                return -1;
        }
        snprintf(f->rootfs, sizeof(f->rootfs), "%s/rootfs", f->dir);
        *state = f;
        return 0;
}

/* Runs after a failed test too: cmocka calls teardown either way. */
static int remove_tmpdir(void **state)
{
        struct fixture *f = *state;
        if (f) {
                (void)remove_tree_at(AT_FDCWD, f->dir);
                free(f);
        }
        return 0;
}

static char *at(const struct fixture *f, const char *rel)
{
        static char buf[PATH_MAX * 2];
        snprintf(buf, sizeof(buf), "%s/%s", f->rootfs, rel);
        return buf;
}

static void expect_mode(const struct fixture *f, const char *rel, mode_t type, mode_t mode)
{
        struct stat st;
        if (lstat(at(f, rel), &st) < 0)
                fail_msg("%s missing: %s", rel, strerror(errno));
        assert_int_equal(st.st_mode & S_IFMT, type);
        if ((st.st_mode & 07777) != mode)
                fail_msg("%s has mode %o, want %o", rel, st.st_mode & 07777, mode);
}

static void expect_link(const struct fixture *f, const char *rel, const char *target)
{
        char buf[PATH_MAX];
        ssize_t n = readlink(at(f, rel), buf, sizeof(buf) - 1);
        if (n < 0)
                fail_msg("%s is not a symlink: %s", rel, strerror(errno));
        buf[n] = '\0';
        assert_string_equal(buf, target);
}

static void expect_content(const struct fixture *f, const char *rel, const char *needle)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (read_file_at(AT_FDCWD, at(f, rel), &text, &len) < 0)
                fail_msg("cannot read %s", rel);
        if (!strstr(text, needle))
                fail_msg("%s lacks '%s':\n%s", rel, needle, text);
}

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool have_busybox(void)
{
        return access("/bin/busybox", X_OK) == 0;
}

static void build_ok(struct fixture *f)
{
        struct berth_error err = { 0 };
        double t0 = now();
        int r = template_busybox(f->rootfs, "bb1", &err);
        double took = now() - t0;
        if (r < 0)
                fail_msg("template_busybox: %s", err.msg);
        if (took >= 1.0)
                fail_msg("template_busybox took %.3f s", took);
}

static void test_builds_a_system_tree(void **state)
{
        struct fixture *f = *state;
        if (!have_busybox())
                skip();
        build_ok(f);

        static const struct {
                const char *path;
                mode_t mode;
        } dirs[] = {
                { "bin", 0755 }, { "sbin", 0755 }, { "usr/bin", 0755 }, { "usr/sbin", 0755 },
                { "etc", 0755 }, { "dev", 0755 },  { "proc", 0555 },    { "sys", 0555 },
                { "tmp", 01777 }, { "run", 0755 }, { "var/log", 0755 }, { "root", 0700 },
                { "home", 0755 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
                expect_mode(f, dirs[i].path, S_IFDIR, dirs[i].mode);

        expect_mode(f, "bin/busybox", S_IFREG, 0755);
        expect_link(f, "sbin/init", "/bin/busybox");
        expect_link(f, "bin/sh", "/bin/busybox");
        expect_link(f, "usr/bin/awk", "/bin/busybox");
        expect_link(f, "sbin/getty", "/bin/busybox");

        expect_mode(f, "etc/init.d/rcS", S_IFREG, 0755);
        expect_content(f, "etc/init.d/rcS", "[ -e /proc/self ] || mount -t proc proc /proc\n");
        expect_content(f, "etc/init.d/rcS", "hostname -F /etc/hostname");
        expect_content(f, "etc/init.d/rcS", "ip link set lo up");
        expect_content(f, "etc/inittab", "::sysinit:/etc/init.d/rcS\n");
        expect_content(f, "etc/inittab", "::respawn:/sbin/getty -L 115200 console vt100\n");
        expect_content(f, "etc/inittab", "::ctrlaltdel:");
        expect_content(f, "etc/inittab", "::shutdown:/bin/umount -a -r\n");
        expect_content(f, "etc/hostname", "bb1\n");
        expect_content(f, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        expect_content(f, "etc/passwd", "\nnobody:");
        expect_content(f, "etc/group", "root:x:0:");
        expect_content(f, "etc/group", "\ntty:x:5:");
        expect_content(f, "etc/group", "\nnobody:");
        expect_mode(f, "etc/shadow", S_IFREG, 0600);
        expect_content(f, "etc/shadow", "root:*:");
        expect_content(f, "etc/profile", "PS1=");
}

static void test_copied_busybox_runs(void **state)
{
        struct fixture *f = *state;
        if (!have_busybox())
                skip();
        build_ok(f);

        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(p[1], STDOUT_FILENO);
                char *argv[] = { at(f, "bin/busybox"), (char *)"sh", (char *)"-c",
                                 (char *)"echo ok", NULL };
                execv(argv[0], argv);
                _exit(127);
        }
        close(p[1]);
        char buf[64] = { 0 };
        size_t len = 0;
        ssize_t n;
        while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t)n;
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_string_equal(buf, "ok\n");
}

static void test_existing_empty_dir_is_used(void **state)
{
        struct fixture *f = *state;
        if (!have_busybox())
                skip();
        assert_int_equal(mkdir(f->rootfs, 0711), 0);
        build_ok(f);
        expect_link(f, "sbin/init", "/bin/busybox");
}

static void test_rootfs_that_is_a_file(void **state)
{
        struct fixture *f = *state;
        if (!have_busybox())
                skip();
        int fd = open(f->rootfs, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
        struct berth_error err = { 0 };
        assert_int_equal(template_busybox(f->rootfs, "bb1", &err), -ENOTDIR);
        assert_non_null(strstr(err.msg, "not a directory"));
        assert_non_null(strstr(err.msg, f->rootfs));
        struct stat st;
        assert_int_equal(stat(f->rootfs, &st), 0);
        assert_true(S_ISREG(st.st_mode));
}

static void test_non_empty_rootfs_is_refused(void **state)
{
        struct fixture *f = *state;
        if (!have_busybox())
                skip();
        assert_int_equal(mkdir(f->rootfs, 0755), 0);
        char keep[PATH_MAX * 2];
        snprintf(keep, sizeof(keep), "%s/keep", f->rootfs);
        int fd = open(keep, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
        struct berth_error err = { 0 };
        assert_int_equal(template_busybox(f->rootfs, "bb1", &err), -ENOTEMPTY);
        assert_non_null(strstr(err.msg, "not empty"));
        assert_int_equal(access(keep, F_OK), 0);
        assert_int_equal(access(at(f, "bin"), F_OK), -1);
}

static void test_bad_name_touches_nothing(void **state)
{
        struct fixture *f = *state;
        struct berth_error err = { 0 };
        assert_int_equal(template_busybox(f->rootfs, "a b", &err), -EINVAL);
        assert_non_null(strstr(err.msg, "host name"));
        assert_int_equal(access(f->rootfs, F_OK), -1);
}

/* In a child with a private mount namespace: a 1 MiB tmpfs cannot hold
 * busybox, so the copy fails half-way through. Exit codes: 0 fine,
 * 77 cannot test (not root), others name what went wrong. */
static int half_way_failure_child(const char *dir)
{
        if (unshare(CLONE_NEWNS) < 0)
                return 77;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return 77;
        if (mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0755") < 0)
                return 77;
        char rootfs[PATH_MAX * 2];
        snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
        struct berth_error err = { 0 };

        /* a directory we create is removed again */
        if (template_busybox(rootfs, "bb1", &err) != -ENOSPC)
                return 2;
        if (!strstr(err.msg, "bin/busybox"))
                return 3;
        if (access(rootfs, F_OK) == 0)
                return 4;

        /* an empty directory that was there is kept, and emptied */
        err = (struct berth_error){ 0 };
        if (template_busybox(dir, "bb1", &err) != -ENOSPC)
                return 5;
        struct stat st;
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return 6;
        char bin[PATH_MAX * 2];
        snprintf(bin, sizeof(bin), "%s/bin", dir);
        if (access(bin, F_OK) == 0)
                return 7;
        return 0;
}

static void test_failure_removes_what_it_made(void **state)
{
        struct fixture *f = *state;
        if (!have_busybox())
                skip();
        struct stat st;
        assert_int_equal(stat("/bin/busybox", &st), 0);
        if (st.st_size <= 1024 * 1024)
                skip();
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(half_way_failure_child(f->dir));
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 77)
                skip();
        if (WEXITSTATUS(status) != 0)
                fail_msg("half-way failure check %d failed", WEXITSTATUS(status));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_builds_a_system_tree, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_copied_busybox_runs, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_existing_empty_dir_is_used, make_tmpdir,
                                                remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_rootfs_that_is_a_file, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_non_empty_rootfs_is_refused, make_tmpdir,
                                                remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_bad_name_touches_nothing, make_tmpdir,
                                                remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_failure_removes_what_it_made, make_tmpdir,
                                                remove_tmpdir),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
