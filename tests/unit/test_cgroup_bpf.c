/* The v2 device filter: program shape (pure), and, as root on a host with
 * a cgroup2 mount, the real kernel's verdicts for a child in a cgroup
 * carrying the program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup-bpf.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static void test_program_shape(void **s)
{
        (void)s;
        struct berth_device_rule rules[] = {
                { false, 'a', -1, -1, "rwm" },
                { true, 'c', 1, 3, "rwm" },
                { false, 'c', 1, 3, "w" },
        };
        struct bpf_insn *p;
        size_t n;
        assert_int_equal(cgroup_bpf_device_program(rules, 3, &p, &n), 0);
        /* prologue + 3 blocks + default deny; ends in exit */
        assert_true(n > 8);
        assert_int_equal(p[n - 1].code, BPF_JMP | BPF_EXIT);
        /* every jump lands inside the program */
        for (size_t i = 0; i < n; i++) {
                if (BPF_CLASS(p[i].code) == BPF_JMP && BPF_OP(p[i].code) != BPF_EXIT)
                        assert_true(i + 1 + (size_t)p[i].off < n);
        }
        free(p);
}

static const char *cg2_root(void)
{
        static const char *const candidates[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
        for (size_t i = 0; i < 2; i++) {
                struct statfs f;
                if (statfs(candidates[i], &f) == 0 && (unsigned long)f.f_type == CGROUP2_SUPER_MAGIC)
                        return candidates[i];
        }
        return NULL;
}

/* open(path, flags) from a child placed in dir: 0 or the errno. */
static int open_in_cgroup(const char *dir, const char *path, int flags)
{
        pid_t pid = fork();
        if (pid == 0) {
                char procs[512], buf[32];
                snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
                int fd = open(procs, O_WRONLY);
                snprintf(buf, sizeof(buf), "%d", getpid());
                if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
                        _exit(200);
                close(fd);
                fd = open(path, flags);
                _exit(fd < 0 ? errno : 0);
        }
        int st;
        waitpid(pid, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 201;
}

static void test_kernel_verdicts(void **s)
{
        (void)s;
        const char *root = cg2_root();
        if (geteuid() != 0 || !root) {
                skip();
                return;
        }
        char dir[256];
        snprintf(dir, sizeof(dir), "%s/berth-bpf-unit-%d", root, getpid());
        assert_int_equal(mkdir(dir, 0755), 0);
        struct berth_device_rule rules[] = {
                { false, 'a', -1, -1, "rwm" },
                { true, 'c', 1, 3, "rwm" }, /* null */
                { true, 'c', 1, 5, "r" },   /* zero: read only */
                { true, 'c', 1, 8, "rw" },  /* random */
                { false, 'c', 1, 8, "w" },  /* ... but not for writing */
        };
        int fd = open(dir, O_RDONLY | O_DIRECTORY);
        struct berth_error e = { 0 };
        int r = cgroup_bpf_attach_devices(fd, rules, 5, &e);
        close(fd);
        if (r == 0) {
                assert_int_equal(open_in_cgroup(dir, "/dev/null", O_RDWR), 0);
                assert_int_equal(open_in_cgroup(dir, "/dev/zero", O_RDONLY), 0);
                assert_int_equal(open_in_cgroup(dir, "/dev/zero", O_WRONLY), EPERM);
                assert_int_equal(open_in_cgroup(dir, "/dev/full", O_RDONLY), EPERM);
                assert_int_equal(open_in_cgroup(dir, "/dev/random", O_RDONLY), 0);
                assert_int_equal(open_in_cgroup(dir, "/dev/random", O_WRONLY), EPERM);
        }
        rmdir(dir);
        if (r != 0)
                fail_msg("%s", e.msg);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_program_shape),
                cmocka_unit_test(test_kernel_verdicts),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
