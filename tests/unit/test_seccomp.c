/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.seccomp: the name tables, every kind of bad input (with its
 * config.json:LINE:COL and JSON path), the default profile, the features
 * document, and real loads in a forked child (with no_new_privs, which
 * needs no privileges), including the SCMP_ACT_NOTIFY hand-over. JSON is
 * written with single quotes and turned into double quotes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <seccomp-lib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp-internal.h"
#include "seccomp.h"
#include "spec.h"

/* A config with the seccomp fragment on lines of its own (line 6 on). */
static char *config(const char *annotations, const char *seccomp)
{
        char *q = NULL;
        int n = asprintf(&q,
                         "{\n"
                         "  'ociVersion': '1.2.0',\n"
                         "  'root': {'path': 'rootfs'},\n"
                         "  'process': {'args': ['sh'], 'cwd': '/', 'noNewPrivileges': true},\n"
                         "  'annotations': %s,\n"
                         "  'linux': {'seccomp':\n%s\n"
                         "  }\n"
                         "}\n",
                         annotations ? annotations : "{}", seccomp);
        assert_true(n > 0);
        for (char *p = q; *p; p++)
                if (*p == '\'')
                        *p = '"';
        return q;
}

static struct berth_spec *load_spec(const char *text)
{
        struct berth_spec *spec = NULL;
        struct berth_error err = { 0 };
        if (spec_load_text(text, strlen(text), "config.json", NULL, &spec, &err) < 0)
                fail_msg("the test's config does not load: %s\n%s", err.msg, text);
        return spec;
}

/* Prepare the fragment; returns the result and fills err / *plan. */
static int prepare(const char *annotations, const char *seccomp, struct seccomp_plan **plan,
                   struct berth_error *err, char **text_out)
{
        char *text = config(annotations, seccomp);
        struct berth_spec *spec = load_spec(text);
        int r = seccomp_prepare(spec, "ctr", plan, err);
        spec_free(spec);
        if (text_out)
                *text_out = text;
        else
                free(text);
        return r;
}

static struct seccomp_plan *expect_plan(const char *annotations, const char *seccomp)
{
        struct seccomp_plan *plan = NULL;
        struct berth_error err = { 0 };
        if (prepare(annotations, seccomp, &plan, &err, NULL) < 0)
                fail_msg("seccomp_prepare failed: %s", err.msg);
        assert_non_null(plan);
        assert_true(plan->n_insns > 0);
        return plan;
}

/* 1-based line and column of the first marker (single-quoted) in text. */
static void pos_of(const char *text, const char *qmarker, int *line, int *col)
{
        char marker[256];
        snprintf(marker, sizeof(marker), "%s", qmarker);
        for (char *p = marker; *p; p++)
                if (*p == '\'')
                        *p = '"';
        const char *at = strstr(text, marker);
        if (!at)
                fail_msg("marker %s not in the test's JSON", marker);
        *line = 1;
        *col = 1;
        for (const char *p = text; p < at; p++) {
                if (*p == '\n') {
                        (*line)++;
                        *col = 1;
                } else {
                        (*col)++;
                }
        }
}

/* Preparing fails with code and "config.json:L:C: <what>", L:C where marker is. */
static void expect_error(const char *annotations, const char *seccomp, int code, const char *marker,
                         const char *what)
{
        struct seccomp_plan *plan = NULL;
        struct berth_error err = { 0 };
        char *text = NULL;
        int r = prepare(annotations, seccomp, &plan, &err, &text);
        if (r == 0)
                fail_msg("expected an error \"%s\", got a filter", what);
        assert_null(plan);
        int line, col;
        pos_of(text, marker, &line, &col);
        char want[1024];
        snprintf(want, sizeof(want), "config.json:%d:%d: %s", line, col, what);
        if (strcmp(err.msg, want) != 0)
                fail_msg("error\n  got:  %s\n  want: %s", err.msg, want);
        assert_int_equal(r, -code);
        free(text);
}

/* ------------------------------------------------------------------ */
/* tables */

static void test_action_table(void **state)
{
        (void)state;
        static const struct {
                const char *name;
                uint32_t action;
                enum seccomp_action_data data;
        } want[] = {
                { "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, SECCOMP_DATA_NONE },
                { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, SECCOMP_DATA_NONE },
                { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, SECCOMP_DATA_NONE },
                { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, SECCOMP_DATA_NONE },
                { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), SECCOMP_DATA_ERRNO },
                { "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), SECCOMP_DATA_TRACE },
                { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, SECCOMP_DATA_NONE },
                { "SCMP_ACT_LOG", SCMP_ACT_LOG, SECCOMP_DATA_NONE },
                { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, SECCOMP_DATA_NONE },
        };
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                const struct seccomp_action_def *d = seccomp_action_by_name(want[i].name);
                assert_non_null(d);
                assert_string_equal(d->name, want[i].name);
                assert_int_equal(d->action, want[i].action);
                assert_int_equal(d->data, want[i].data);
        }
        assert_null(seccomp_action_by_name("SCMP_ACT_FOO"));
        assert_null(seccomp_action_by_name("scmp_act_allow"));
        assert_null(seccomp_action_by_name(""));
}

static void test_op_arch_flag_tables(void **state)
{
        (void)state;
        assert_int_equal(seccomp_op_by_name("SCMP_CMP_NE"), SCMP_CMP_NE);
        assert_int_equal(seccomp_op_by_name("SCMP_CMP_LT"), SCMP_CMP_LT);
        assert_int_equal(seccomp_op_by_name("SCMP_CMP_LE"), SCMP_CMP_LE);
        assert_int_equal(seccomp_op_by_name("SCMP_CMP_EQ"), SCMP_CMP_EQ);
        assert_int_equal(seccomp_op_by_name("SCMP_CMP_GE"), SCMP_CMP_GE);
        assert_int_equal(seccomp_op_by_name("SCMP_CMP_GT"), SCMP_CMP_GT);
        assert_int_equal(seccomp_op_by_name("SCMP_CMP_MASKED_EQ"), SCMP_CMP_MASKED_EQ);
        assert_int_equal(seccomp_op_by_name("SCMP_CMP_XX"), -EINVAL);

        uint32_t arch = 0;
        assert_int_equal(seccomp_arch_by_name("SCMP_ARCH_X86_64", &arch), 0);
        assert_int_equal(arch, SCMP_ARCH_X86_64);
        assert_int_equal(seccomp_arch_by_name("SCMP_ARCH_AARCH64", &arch), 0);
        assert_int_equal(arch, SCMP_ARCH_AARCH64);
        assert_int_equal(seccomp_arch_by_name("SCMP_ARCH_RISCV64", &arch), 0);
        assert_int_equal(arch, SCMP_ARCH_RISCV64);
        assert_int_equal(seccomp_arch_by_name("SCMP_ARCH_VAX", &arch), -EINVAL);

        unsigned int flag = 0;
        assert_int_equal(seccomp_flag_by_name("SECCOMP_FILTER_FLAG_TSYNC", &flag), 0);
        assert_int_equal(flag, SECCOMP_FILTER_FLAG_TSYNC);
        assert_int_equal(seccomp_flag_by_name("SECCOMP_FILTER_FLAG_LOG", &flag), 0);
        assert_int_equal(flag, SECCOMP_FILTER_FLAG_LOG);
        assert_int_equal(seccomp_flag_by_name("SECCOMP_FILTER_FLAG_SPEC_ALLOW", &flag), 0);
        assert_int_equal(flag, SECCOMP_FILTER_FLAG_SPEC_ALLOW);
        assert_int_equal(seccomp_flag_by_name("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", &flag), 0);
        assert_int_equal(flag, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
        assert_int_equal(seccomp_flag_by_name("SECCOMP_FILTER_FLAG_NEW_LISTENER", &flag), -EINVAL);
        /* every kernel since 4.14 has these */
        assert_true(seccomp_flag_kernel_supports(SECCOMP_FILTER_FLAG_TSYNC));
        assert_true(seccomp_flag_kernel_supports(SECCOMP_FILTER_FLAG_LOG));
        assert_false(seccomp_flag_kernel_supports(1U << 30));
}

static size_t array_has(json_t *a, const char *s)
{
        size_t i;
        json_t *v;
        json_array_foreach(a, i, v)
        {
                if (!strcmp(json_string_value(v), s))
                        return 1;
        }
        return 0;
}

static void test_features(void **state)
{
        (void)state;
        json_t *f = seccomp_features_json();
        assert_non_null(f);
        assert_true(json_is_true(json_object_get(f, "enabled")));
        json_t *actions = json_object_get(f, "actions");
        assert_int_equal(json_array_size(actions), 9);
        assert_true(array_has(actions, "SCMP_ACT_NOTIFY"));
        assert_int_equal(json_array_size(json_object_get(f, "operators")), 7);
        assert_true(array_has(json_object_get(f, "archs"), "SCMP_ARCH_X86_64"));
        assert_true(array_has(json_object_get(f, "archs"), "SCMP_ARCH_S390X"));
        assert_int_equal(json_array_size(json_object_get(f, "knownFlags")), 4);
        json_t *supported = json_object_get(f, "supportedFlags");
        assert_true(array_has(supported, "SECCOMP_FILTER_FLAG_TSYNC"));
        assert_true(array_has(supported, "SECCOMP_FILTER_FLAG_LOG"));
        json_decref(f);
}

/* ------------------------------------------------------------------ */
/* building */

static void test_no_seccomp_no_plan(void **state)
{
        (void)state;
        const char *q = "{'ociVersion': '1.2.0', 'root': {'path': 'r'}, 'linux': {}}";
        char *text = strdup(q);
        for (char *p = text; *p; p++)
                if (*p == '\'')
                        *p = '"';
        struct berth_spec *spec = load_spec(text);
        struct seccomp_plan *plan = (void *)1;
        struct berth_error err = { 0 };
        assert_int_equal(seccomp_prepare(spec, "x", &plan, &err), 0);
        assert_null(plan);
        spec_free(spec);
        free(text);
        seccomp_plan_free(NULL);
        assert_int_equal(seccomp_load_plan(NULL, &err), 0);
}

static void test_builds_every_action_op_and_flag(void **state)
{
        (void)state;
        struct seccomp_plan *plan = expect_plan(
                NULL, "{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38,\n"
                      " 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],\n"
                      " 'flags': ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW',\n"
                      "           'SECCOMP_FILTER_FLAG_TSYNC'],\n"
                      " 'syscalls': [\n"
                      "  {'names': ['read', 'write', 'exit_group'], 'action': 'SCMP_ACT_ALLOW'},\n"
                      "  {'names': ['getpid'], 'action': 'SCMP_ACT_LOG'},\n"
                      "  {'names': ['getppid'], 'action': 'SCMP_ACT_KILL'},\n"
                      "  {'names': ['gettid'], 'action': 'SCMP_ACT_KILL_PROCESS'},\n"
                      "  {'names': ['getuid'], 'action': 'SCMP_ACT_KILL_THREAD'},\n"
                      "  {'names': ['getgid'], 'action': 'SCMP_ACT_TRAP'},\n"
                      "  {'names': ['geteuid'], 'action': 'SCMP_ACT_TRACE', 'errnoRet': 7},\n"
                      "  {'names': ['getegid'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 18},\n"
                      "  {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW', 'args': [\n"
                      "    {'index': 0, 'value': 0, 'op': 'SCMP_CMP_EQ'}]},\n"
                      "  {'names': ['setpgid'], 'action': 'SCMP_ACT_ALLOW', 'args': [\n"
                      "    {'index': 0, 'value': 1, 'op': 'SCMP_CMP_NE'},\n"
                      "    {'index': 1, 'value': 2, 'op': 'SCMP_CMP_LT'},\n"
                      "    {'index': 2, 'value': 3, 'op': 'SCMP_CMP_LE'},\n"
                      "    {'index': 3, 'value': 4, 'op': 'SCMP_CMP_GE'},\n"
                      "    {'index': 4, 'value': 5, 'op': 'SCMP_CMP_GT'},\n"
                      "    {'index': 5, 'value': 6, 'valueTwo': 2, 'op': 'SCMP_CMP_MASKED_EQ'}]},\n"
                      "  {'names': ['madvise'], 'action': 'SCMP_ACT_ALLOW', 'args': [\n"
                      "    {'index': 2, 'value': 4, 'op': 'SCMP_CMP_EQ'},\n"
                      "    {'index': 2, 'value': 8, 'op': 'SCMP_CMP_EQ'}]},\n"
                      "  {'names': ['getpgrp'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38}\n"
                      " ]}");
        assert_int_equal(plan->flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW |
                                              SECCOMP_FILTER_FLAG_TSYNC);
        assert_int_equal(plan->listener_fd, -1);
        seccomp_plan_free(plan);
}

static void test_unknown_syscall_ignored_with_annotation(void **state)
{
        (void)state;
        const char *sc = "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [\n"
                         "  {'names': ['getppid', 'no_such_call'], 'action': 'SCMP_ACT_ERRNO'}]}";
        struct seccomp_plan *plan =
                expect_plan("{'org.berth.seccomp.ignore-unknown-syscalls': 'true'}", sc);
        seccomp_plan_free(plan);
        /* anything but "true" keeps the check */
        expect_error("{'org.berth.seccomp.ignore-unknown-syscalls': 'yes'}", sc, EINVAL,
                     "'no_such_call'",
                     "linux.seccomp.syscalls[0].names[1]: unknown syscall \"no_such_call\" (the "
                     "annotation org.berth.seccomp.ignore-unknown-syscalls=true skips unknown "
                     "names)");
}

static void test_errors(void **state)
{
        (void)state;
        const char *def = "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [\n";
        char buf[2048];
#define WITH_RULE(rule)                                                                            \
        (snprintf(buf, sizeof(buf),                                                                \
                  "%s  {'names': ['getppid'], 'action': 'SCMP_ACT_ERRNO'}, %s]}", def, rule),      \
         buf)

        expect_error(NULL, "{'syscalls': []}", EINVAL, "{'syscalls'",
                     "linux.seccomp.defaultAction: required property is missing");
        expect_error(NULL, "{'defaultAction': 'SCMP_ACT_FOO'}", EINVAL, "'SCMP_ACT_FOO'",
                     "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"");
        expect_error(NULL, "{'defaultAction': 7}", EINVAL, "7",
                     "linux.seccomp.defaultAction: expected a string");
        expect_error(NULL, "{'defaultAction': 'SCMP_ACT_NOTIFY'}", EINVAL, "'SCMP_ACT_NOTIFY'",
                     "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action "
                     "(the listener's own syscalls would wait on itself)");
        expect_error(NULL, "{'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrnoRet': 1}", EINVAL,
                     "1}",
                     "linux.seccomp.defaultErrnoRet: SCMP_ACT_ALLOW takes no errno (only "
                     "SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)");
        expect_error(NULL, "{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 5000}", ERANGE,
                     "5000", "linux.seccomp.defaultErrnoRet: 5000 is out of range (at most 4095)");
        expect_error(NULL, "{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': -1}", EINVAL,
                     "-1",
                     "linux.seccomp.defaultErrnoRet: expected a non-negative integer, got -1");
        expect_error(NULL,
                     "{'defaultAction': 'SCMP_ACT_ALLOW',\n 'architectures': ['SCMP_ARCH_VAX']}",
                     EINVAL, "'SCMP_ARCH_VAX'",
                     "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_VAX\"");
        expect_error(NULL, "{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': 'x86'}", EINVAL,
                     "'x86'", "linux.seccomp.architectures: expected an array");
        expect_error(NULL,
                     "{'defaultAction': 'SCMP_ACT_ALLOW',\n 'flags': ['SECCOMP_FILTER_FLAG_X']}",
                     EINVAL, "'SECCOMP_FILTER_FLAG_X'",
                     "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_X\"");
        expect_error(NULL, "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': {}}", EINVAL, "{}}",
                     "linux.seccomp.syscalls: expected an array");

        /* rules: syscalls[1] after a good one */
        expect_error(NULL, WITH_RULE("{'names': ['getpid'], 'action': 'SCMP_ACT_FOO'}"), EINVAL,
                     "'SCMP_ACT_FOO'",
                     "linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_FOO\"");
        expect_error(NULL, WITH_RULE("{'names': ['getpid']}"), EINVAL, "{'names': ['getpid']}",
                     "linux.seccomp.syscalls[1].action: required property is missing");
        expect_error(NULL, WITH_RULE("{'action': 'SCMP_ACT_ERRNO'}"), EINVAL,
                     "{'action': 'SCMP_ACT_ERRNO'}",
                     "linux.seccomp.syscalls[1].names: required property is missing");
        expect_error(NULL, WITH_RULE("{'names': [], 'action': 'SCMP_ACT_ERRNO'}"), EINVAL, "[],",
                     "linux.seccomp.syscalls[1].names: must name at least one syscall");
        expect_error(NULL, WITH_RULE("{'names': ['getpid', 3], 'action': 'SCMP_ACT_ERRNO'}"),
                     EINVAL, "3]", "linux.seccomp.syscalls[1].names[1]: expected a string");
        expect_error(NULL,
                     WITH_RULE("{'names': ['getpid', 'frobnicate'], 'action': 'SCMP_ACT_LOG'}"),
                     EINVAL, "'frobnicate'",
                     "linux.seccomp.syscalls[1].names[1]: unknown syscall \"frobnicate\" (the "
                     "annotation org.berth.seccomp.ignore-unknown-syscalls=true skips unknown "
                     "names)");
        expect_error(NULL,
                     WITH_RULE("{'names': ['getpid'], 'action': 'SCMP_ACT_LOG', 'errnoRet': 1}"),
                     EINVAL, "1}",
                     "linux.seccomp.syscalls[1].errnoRet: SCMP_ACT_LOG takes no errno "
                     "(only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)");
        expect_error(NULL,
                     WITH_RULE("{'names': ['getpid'], 'action': 'SCMP_ACT_TRACE', 'errnoRet': "
                               "70000}"),
                     ERANGE, "70000",
                     "linux.seccomp.syscalls[1].errnoRet: 70000 is out of range (at most 65535)");
        expect_error(NULL,
                     WITH_RULE("{'names': ['getpid'], 'action': 'SCMP_ACT_ERRNO', 'args': "
                               "[{'index': 0, 'value': 1, 'op': 'SCMP_CMP_FOO'}]}"),
                     EINVAL, "'SCMP_CMP_FOO'",
                     "linux.seccomp.syscalls[1].args[0].op: unknown operator \"SCMP_CMP_FOO\"");
        expect_error(NULL,
                     WITH_RULE("{'names': ['getpid'], 'action': 'SCMP_ACT_ERRNO', 'args': "
                               "[{'index': 0, 'value': 1}]}"),
                     EINVAL, "{'index': 0",
                     "linux.seccomp.syscalls[1].args[0].op: required property is missing");
        expect_error(NULL,
                     WITH_RULE("{'names': ['getpid'], 'action': 'SCMP_ACT_ERRNO', 'args': "
                               "[{'index': 6, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}"),
                     ERANGE, "6,",
                     "linux.seccomp.syscalls[1].args[0].index: 6 is out of range (at most 5)");
        expect_error(NULL,
                     WITH_RULE("{'names': ['getpid'], 'action': 'SCMP_ACT_ERRNO', 'args': "
                               "[{'index': 1, 'op': 'SCMP_CMP_EQ'}]}"),
                     EINVAL, "{'index': 1",
                     "linux.seccomp.syscalls[1].args[0].value: required property is missing");
        expect_error(NULL,
                     WITH_RULE("{'names': ['getpid'], 'action': 'SCMP_ACT_ERRNO', 'args': "
                               "[{'index': 1, 'value': -2, 'op': 'SCMP_CMP_EQ'}]}"),
                     EINVAL, "-2",
                     "linux.seccomp.syscalls[1].args[0].value: expected a "
                     "non-negative integer, got -2");
        expect_error(NULL,
                     WITH_RULE("{'names': ['getpid'], 'action': 'SCMP_ACT_ERRNO', 'args': {}}"),
                     EINVAL, "{}}", "linux.seccomp.syscalls[1].args: expected an array");
#undef WITH_RULE
}

static void test_notify_errors(void **state)
{
        (void)state;
        expect_error(NULL,
                     "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [\n"
                     "  {'names': ['getppid'], 'action': 'SCMP_ACT_NOTIFY'}]}",
                     EINVAL, "{'defaultAction'",
                     "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY: the path of the "
                     "unix socket the listener fd is sent to");
        expect_error(NULL,
                     "{'defaultAction': 'SCMP_ACT_ALLOW',\n"
                     " 'listenerPath': '/nonexistent/berth-listener.sock', 'syscalls': [\n"
                     "  {'names': ['getppid'], 'action': 'SCMP_ACT_NOTIFY'}]}",
                     ENOENT, "'/nonexistent",
                     "linux.seccomp.listenerPath: connect to /nonexistent/berth-listener.sock: "
                     "No such file or directory");
        expect_error(NULL, "{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': 5, 'syscalls': []}",
                     EINVAL, "5,", "linux.seccomp.listenerPath: expected a string");
        char long_path[300];
        memset(long_path, 'a', sizeof(long_path) - 1);
        long_path[0] = '/';
        long_path[sizeof(long_path) - 1] = '\0';
        char sc[600];
        snprintf(sc, sizeof(sc),
                 "{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '%s', 'syscalls': [\n"
                 "  {'names': ['getppid'], 'action': 'SCMP_ACT_NOTIFY'}]}",
                 long_path);
        expect_error(NULL, sc, ENAMETOOLONG, "'/aaa",
                     "linux.seccomp.listenerPath: longer than a unix socket path can be (107)");
}

static void test_default_profile_builds(void **state)
{
        (void)state;
        char *text = spec_default_json(false);
        assert_non_null(text);
        struct berth_spec *spec = load_spec(text);
        json_t *sc = spec->seccomp;
        assert_non_null(sc);
        assert_string_equal(json_string_value(json_object_get(sc, "defaultAction")),
                            "SCMP_ACT_ALLOW");
        json_t *denied =
                json_object_get(json_array_get(json_object_get(sc, "syscalls"), 0), "names");
        assert_true(array_has(denied, "keyctl"));
        assert_true(array_has(denied, "kexec_load"));
        assert_true(array_has(denied, "open_by_handle_at"));
        assert_true(array_has(denied, "bpf"));
        assert_false(array_has(denied, "ptrace"));
        assert_false(array_has(denied, "mount"));
        struct seccomp_plan *plan = NULL;
        struct berth_error err = { 0 };
        if (seccomp_prepare(spec, "x", &plan, &err) < 0)
                fail_msg("the default profile does not build: %s", err.msg);
        assert_non_null(plan);
        assert_true(plan->n_insns > 10);
        assert_int_equal(plan->flags, 0);
        seccomp_plan_free(plan);
        spec_free(spec);
        free(text);

        text = spec_default_json(true);
        spec = load_spec(text);
        assert_int_equal(seccomp_prepare(spec, "x", &plan, &err), 0);
        seccomp_plan_free(plan);
        spec_free(spec);
        free(text);
}

/* ------------------------------------------------------------------ */
/* loading, in a child with no_new_privs */

/* Run fn in a child under the plan; its exit status, or 128+signal. */
static int in_child(struct seccomp_plan *plan, int (*fn)(void))
{
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct berth_error err = { 0 };
                struct rlimit no_core = { 0, 0 }; /* SIGSYS dumps core */
                setrlimit(RLIMIT_CORE, &no_core);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load_plan(plan, &err) < 0)
                        _exit(100);
                _exit(fn());
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int call_getppid(void)
{
        return syscall(SYS_getppid) < 0 ? errno : 0;
}

static int call_personality(void)
{
        /* 0xffffffff only asks; 0 sets the default */
        int a = syscall(SYS_personality, 0xffffffffUL) < 0 ? errno : 0;
        int b = syscall(SYS_personality, 0UL) < 0 ? errno : 0;
        return a * 10 + (b ? 1 : 0);
}

static void test_load_errno_and_kill(void **state)
{
        (void)state;
        struct seccomp_plan *plan = expect_plan(
                NULL, "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [\n"
                      "  {'names': ['getppid'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 18}]}");
        assert_int_equal(in_child(plan, call_getppid), EXDEV);
        seccomp_plan_free(plan);

        plan = expect_plan(NULL, "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [\n"
                                 "  {'names': ['getppid'], 'action': 'SCMP_ACT_ERRNO'}]}");
        assert_int_equal(in_child(plan, call_getppid), EPERM);
        seccomp_plan_free(plan);

        plan = expect_plan(NULL, "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [\n"
                                 "  {'names': ['getppid'], 'action': 'SCMP_ACT_KILL_PROCESS'}]}");
        assert_int_equal(in_child(plan, call_getppid), 128 + SIGSYS);
        seccomp_plan_free(plan);

        /* no tracer: the kernel fails a traced syscall with ENOSYS */
        plan = expect_plan(NULL, "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [\n"
                                 "  {'names': ['getppid'], 'action': 'SCMP_ACT_TRACE'}]}");
        assert_int_equal(in_child(plan, call_getppid), ENOSYS);
        seccomp_plan_free(plan);

        plan = expect_plan(NULL, "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [\n"
                                 "  {'names': ['getppid'], 'action': 'SCMP_ACT_LOG'}]}");
        assert_int_equal(in_child(plan, call_getppid), 0);
        seccomp_plan_free(plan);
}

static void test_load_argument_comparison(void **state)
{
        (void)state;
        /* deny the query value only */
        struct seccomp_plan *plan = expect_plan(
                NULL, "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [\n"
                      "  {'names': ['personality'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1,\n"
                      "   'args': [{'index': 0, 'value': 4294967295, 'op': 'SCMP_CMP_EQ'}]}]}");
        assert_int_equal(in_child(plan, call_personality), EPERM * 10);
        seccomp_plan_free(plan);
        /* two comparisons of one argument: either denies */
        plan = expect_plan(
                NULL, "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [\n"
                      "  {'names': ['personality'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1,\n"
                      "   'args': [{'index': 0, 'value': 4294967295, 'op': 'SCMP_CMP_EQ'},\n"
                      "            {'index': 0, 'value': 0, 'op': 'SCMP_CMP_EQ'}]}]}");
        assert_int_equal(in_child(plan, call_personality), EPERM * 10 + 1);
        seccomp_plan_free(plan);
}

static int listen_at(const char *path)
{
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
        assert_int_equal(listen(fd, 1), 0);
        return fd;
}

static void test_notify_hands_over_fd_and_state(void **state)
{
        (void)state;
        char dir[] = "/tmp/berth-test-seccomp-XXXXXX";
        assert_non_null(mkdtemp(dir));
        char path[sizeof(dir) + 8];
        snprintf(path, sizeof(path), "%s/l.sock", dir);
        int lfd = listen_at(path);
        char sc[512];
        snprintf(sc, sizeof(sc),
                 "{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '%s',\n"
                 " 'listenerMetadata': 'meta \\'data\\'',\n"
                 " 'flags': ['SECCOMP_FILTER_FLAG_TSYNC'], 'syscalls': [\n"
                 "  {'names': ['getppid'], 'action': 'SCMP_ACT_NOTIFY'}]}",
                 path);
        struct seccomp_plan *plan = expect_plan("{'a': 'b'}", sc);
        assert_true(plan->listener_fd >= 0);
        assert_true(plan->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
        assert_true(plan->flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
        int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        assert_true(conn >= 0);

        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct berth_error err = { 0 };
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load_plan(plan, &err) < 0)
                        _exit(100);
                /* waits for the listener, which closes its fd: ENOSYS */
                _exit(call_getppid());
        }
        seccomp_plan_cloned(plan, pid); /* as the runtime does after clone */
        assert_int_equal(plan->listener_fd, -1);

        char buf[4096] = { 0 };
        size_t len = 0;
        int notify_fd = -1;
        for (;;) {
                union {
                        char b[CMSG_SPACE(sizeof(int))];
                        struct cmsghdr align;
                } u;
                struct iovec iov = { buf + len, sizeof(buf) - 1 - len };
                struct msghdr mh = { .msg_iov = &iov,
                                     .msg_iovlen = 1,
                                     .msg_control = u.b,
                                     .msg_controllen = sizeof(u.b) };
                ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
                assert_true(n >= 0);
                if (n == 0)
                        break;
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                if (c && c->cmsg_type == SCM_RIGHTS)
                        memcpy(&notify_fd, CMSG_DATA(c), sizeof(int));
                len += (size_t)n;
        }
        assert_true(notify_fd >= 0);
        json_error_t jerr;
        json_t *msg = json_loads(buf, 0, &jerr);
        if (!msg)
                fail_msg("not JSON (%s): %s", jerr.text, buf);
        assert_string_equal(json_string_value(json_object_get(msg, "ociVersion")), "1.2.0");
        assert_string_equal(json_string_value(json_array_get(json_object_get(msg, "fds"), 0)),
                            "seccompFd");
        assert_int_equal(json_integer_value(json_object_get(msg, "pid")), pid);
        assert_string_equal(json_string_value(json_object_get(msg, "metadata")), "meta \"data\"");
        json_t *st = json_object_get(msg, "state");
        assert_string_equal(json_string_value(json_object_get(st, "id")), "ctr");
        assert_string_equal(json_string_value(json_object_get(st, "status")), "created");
        assert_int_equal(json_integer_value(json_object_get(st, "pid")), pid);
        assert_string_equal(
                json_string_value(json_object_get(json_object_get(st, "annotations"), "a")), "b");
        json_decref(msg);

        close(notify_fd);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), ENOSYS);
        close(conn);
        close(lfd);
        seccomp_plan_free(plan);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_action_table),
                cmocka_unit_test(test_op_arch_flag_tables),
                cmocka_unit_test(test_features),
                cmocka_unit_test(test_no_seccomp_no_plan),
                cmocka_unit_test(test_builds_every_action_op_and_flag),
                cmocka_unit_test(test_unknown_syscall_ignored_with_annotation),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_notify_errors),
                cmocka_unit_test(test_default_profile_builds),
                cmocka_unit_test(test_load_errno_and_kill),
                cmocka_unit_test(test_load_argument_comparison),
                cmocka_unit_test(test_notify_hands_over_fd_and_state),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
