/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The spec parts that come in files of their own: a linux.resources
 * object (`update --resources`) and a process.json (`exec --process`),
 * with errors naming FILE:LINE:COL and the JSON path as config.json's do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec.h"

static int resources(const char *text, struct berth_resources *r, struct berth_error *err)
{
        return spec_load_resources(text, strlen(text), "res.json", r, err);
}

static void test_resources_are_read(void **state)
{
        (void)state;
        struct berth_resources r;
        struct berth_error err = { 0 };
        assert_int_equal(resources("{\"memory\": {\"limit\": 1048576, \"swap\": -1},"
                                   " \"cpu\": {\"quota\": 20000, \"cpus\": \"0-1\"},"
                                   " \"pids\": {\"limit\": 7}}",
                                   &r, &err),
                         0);
        assert_true(r.memory.limit.set);
        assert_int_equal(r.memory.limit.v, 1048576);
        assert_int_equal(r.memory.swap.v, -1);
        assert_int_equal(r.cpu.quota.v, 20000);
        assert_string_equal(r.cpu.cpus, "0-1");
        assert_int_equal(r.pids.limit.v, 7);
        assert_false(r.memory.reservation.set);
        spec_resources_free(&r);
        /* empty is fine: nothing to change */
        assert_int_equal(resources("{}", &r, &err), 0);
        spec_resources_free(&r);
}

static void test_resources_errors_name_file_line_and_path(void **state)
{
        (void)state;
        struct berth_resources r;
        struct berth_error err = { 0 };
        assert_int_equal(resources("{\n  \"memory\": {\n    \"limit\": \"x\"\n  }\n}", &r, &err),
                         -EINVAL);
        assert_string_equal(err.msg, "res.json:3:14: memory.limit: expected an integer");
        assert_int_equal(resources("{\"memory\": {\"limit\": -5}}", &r, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "res.json:1:"));
        assert_non_null(strstr(err.msg, "memory.limit: -5 is not a size"));
        assert_int_equal(resources("{\"pids\": 3}", &r, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "pids: expected an object"));
        assert_int_equal(resources("[1]", &r, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "res.json:1:1: expected an object"));
        assert_int_equal(resources("{\"cpu\": {,}", &r, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "res.json:1:"));
        assert_int_equal(spec_load_resources("{\"cpu\": 1}", 10, NULL, &r, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "resources.json:1:9: cpu: expected an object"));
}

static char *write_tmp(const char *text)
{
        char *path = strdup("/tmp/berth-test-process-XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
        return path;
}

static void test_process_file_is_read(void **state)
{
        (void)state;
        char *path = write_tmp("{\"args\": [\"sh\", \"-c\", \"true\"], \"cwd\": \"/tmp\","
                               " \"env\": [\"A=1\"], \"terminal\": true,"
                               " \"user\": {\"uid\": 5, \"gid\": 6, \"additionalGids\": [7]},"
                               " \"capabilities\": {\"bounding\": [\"CAP_KILL\"]},"
                               " \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1,"
                               " \"hard\": 2}]}");
        struct berth_process p;
        struct berth_error err = { 0 };
        assert_int_equal(spec_load_process(path, &p, &err), 0);
        assert_string_equal(p.args[2], "true");
        assert_string_equal(p.cwd, "/tmp");
        assert_string_equal(p.env[0], "A=1");
        assert_true(p.terminal);
        assert_int_equal(p.user.uid, 5);
        assert_int_equal(p.user.gid, 6);
        assert_int_equal(p.user.n_additional_gids, 1);
        assert_true(p.has_capabilities && p.caps_set[BERTH_CAP_BOUNDING]);
        assert_int_equal(p.n_rlimits, 1);
        spec_process_free(&p);
        unlink(path);
        free(path);
}

static void test_process_file_errors(void **state)
{
        (void)state;
        struct berth_process p;
        struct berth_error err = { 0 };
        char *path = write_tmp("{\n  \"args\": [],\n  \"cwd\": \"/\"\n}\n");
        char want[256];
        assert_int_equal(spec_load_process(path, &p, &err), -EINVAL);
        snprintf(want, sizeof(want), "%s:2:11: args: must not be empty", path);
        assert_string_equal(err.msg, want);
        unlink(path);
        free(path);

        path = write_tmp("{\"args\": [\"sh\"], \"cwd\": \"rel\"}");
        assert_int_equal(spec_load_process(path, &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "cwd: must be an absolute path"));
        unlink(path);
        free(path);

        path = write_tmp("{\"args\": [\"sh\"]}");
        assert_int_equal(spec_load_process(path, &p, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "cwd: required property is missing"));
        unlink(path);
        free(path);

        assert_int_equal(spec_load_process("/nonexistent/process.json", &p, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "process file /nonexistent/process.json"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_resources_are_read),
                cmocka_unit_test(test_resources_errors_name_file_line_and_path),
                cmocka_unit_test(test_process_file_is_read),
                cmocka_unit_test(test_process_file_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
