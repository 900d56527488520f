/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* process.ioPriority, process.scheduler, linux.personality.flags and the
 * user ids the kernel would misread: parsed values and errors with their
 * line:column and JSON path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "spec-test.h"
#include "spec.h"

#define HEAD    "{'ociVersion': '1.2.0', 'root': {'path': 'rootfs'},"
#define PROC(x) HEAD " 'process': {'args': ['sh'], 'cwd': '/', " x "}}"

void test_process_attrs_parse(void **state)
{
        struct berth_spec *s = expect_ok(
                state, PROC("'ioPriority': {'class': 'IOPRIO_CLASS_RT', 'priority': 3},"
                            " 'scheduler': {'policy': 'SCHED_DEADLINE', 'nice': -5,"
                            "  'flags': ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_DL_OVERRUN'],"
                            "  'runtime': 10000000, 'deadline': 50000000,"
                            "  'period': 100000000}"));
        const struct berth_process *p = &s->process;
        assert_true(p->io_priority.set);
        assert_int_equal(p->io_priority.class, 1);
        assert_int_equal(p->io_priority.priority, 3);
        assert_true(p->scheduler.set);
        assert_int_equal(p->scheduler.policy, SCHED_DEADLINE);
        assert_int_equal(p->scheduler.nice, -5);
        assert_int_equal(p->scheduler.priority, 0);
        assert_int_equal(p->scheduler.flags, SCHED_FLAG_RESET_ON_FORK | SCHED_FLAG_DL_OVERRUN);
        assert_int_equal(p->scheduler.runtime, 10000000);
        assert_int_equal(p->scheduler.deadline, 50000000);
        assert_int_equal(p->scheduler.period, 100000000);
        assert_false(s->personality.set);
        spec_free(s);

        /* priority defaults to 0, as runc reads an absent one */
        s = expect_ok(state, PROC("'ioPriority': {'class': 'IOPRIO_CLASS_IDLE'},"
                                  " 'scheduler': {'policy': 'SCHED_FIFO', 'priority': 99}"));
        assert_int_equal(s->process.io_priority.class, 3);
        assert_int_equal(s->process.io_priority.priority, 0);
        assert_int_equal(s->process.scheduler.policy, SCHED_FIFO);
        assert_int_equal(s->process.scheduler.priority, 99);
        spec_free(s);

        s = expect_ok(state, PROC("'scheduler': {'policy': 'SCHED_OTHER', 'nice': 19}"));
        assert_int_equal(s->process.scheduler.policy, SCHED_NORMAL);
        assert_int_equal(s->process.scheduler.nice, 19);
        assert_false(s->process.io_priority.set);
        spec_free(s);

        s = expect_ok(state, HEAD " 'linux': {'personality': {'domain': 'LINUX',"
                                  " 'flags': ['ADDR_NO_RANDOMIZE', 'UNAME26']}}}");
        assert_true(s->personality.set);
        assert_string_equal(s->personality.domain, "LINUX");
        assert_int_equal(s->personality.flags, ADDR_NO_RANDOMIZE | UNAME26);
        assert_false(s->process.scheduler.set);
        spec_free(s);

        assert_string_equal(sched_policy_name(SCHED_BATCH), "SCHED_BATCH");
        assert_string_equal(sched_policy_name(4), "SCHED_ISO");
        assert_string_equal(sched_policy_name(77), "?");
        assert_string_equal(ioprio_class_name(2), "IOPRIO_CLASS_BE");
}

void test_error_process_attrs(void **state)
{
        expect_error_at(state, PROC("'ioPriority': {'class': 'IOPRIO_CLASS_NONE'}"),
                        "'IOPRIO_CLASS_NONE'",
                        "process.ioPriority.class: unknown I/O priority class "
                        "\"IOPRIO_CLASS_NONE\" (expected one of IOPRIO_CLASS_RT, "
                        "IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE)");
        expect_error_at(state, PROC("'ioPriority': {'priority': 1}"), "{'priority'",
                        "process.ioPriority.class: required property is missing");
        expect_error_at(state, PROC("'ioPriority': {'class': 'IOPRIO_CLASS_BE', 'priority': 8}"),
                        "8}", "process.ioPriority.priority: 8 is out of range (0 to 7)");
        expect_error_at(state, PROC("'ioPriority': 'high'"), "'high'",
                        "process.ioPriority: expected an object");
        expect_error_at(state, PROC("'scheduler': {'policy': 'SCHED_FAST'}"), "'SCHED_FAST'",
                        "process.scheduler.policy: unknown scheduling policy \"SCHED_FAST\"");
        expect_error_at(state, PROC("'scheduler': {'nice': 1}"), "{'nice'",
                        "process.scheduler.policy: required property is missing");
        expect_error_at(state, PROC("'scheduler': {'policy': 'SCHED_OTHER', 'nice': -21}"), "-21",
                        "process.scheduler.nice: -21 is out of range (-20 to 19)");
        expect_error_at(state, PROC("'scheduler': {'policy': 'SCHED_FIFO'}"), "{'policy'",
                        "process.scheduler.priority: required for SCHED_FIFO and SCHED_RR");
        expect_error_at(state, PROC("'scheduler': {'policy': 'SCHED_RR', 'priority': 0}"), "0}",
                        "process.scheduler.priority: 0 is out of range for SCHED_FIFO");
        expect_error_at(state, PROC("'scheduler': {'policy': 'SCHED_RR', 'priority': 100}"), "100",
                        "process.scheduler.priority: 100 is out of range (0 to 99)");
        expect_error_at(state, PROC("'scheduler': {'policy': 'SCHED_BATCH', 'priority': 5}"), "5}",
                        "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take");
        expect_error_at(state,
                        PROC("'scheduler': {'policy': 'SCHED_OTHER', 'flags': ['SCHED_FLAG_X']}"),
                        "'SCHED_FLAG_X'",
                        "process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_X\"");
        expect_error_at(state, PROC("'scheduler': {'policy': 'SCHED_DEADLINE', 'deadline': 9}"),
                        "{'policy'", "process.scheduler.runtime: SCHED_DEADLINE needs a runtime");
        expect_error_at(state, PROC("'scheduler': {'policy': 'SCHED_DEADLINE', 'runtime': 9}"),
                        "{'policy'", "process.scheduler.deadline: SCHED_DEADLINE needs a deadline");
        expect_error_at(state,
                        PROC("'scheduler': {'policy': 'SCHED_DEADLINE', 'runtime': 10,"
                             " 'deadline': 5}"),
                        "10,", "process.scheduler.runtime: 10 is above the deadline 5");
        expect_error_at(state,
                        PROC("'scheduler': {'policy': 'SCHED_DEADLINE', 'runtime': 1,"
                             " 'deadline': 5, 'period': 4}"),
                        "5,", "process.scheduler.deadline: 5 is above the period 4");
        expect_error_at(state,
                        PROC("'scheduler': {'policy': 'SCHED_DEADLINE', 'runtime': -1,"
                             " 'deadline': 5}"),
                        "-1", "process.scheduler.runtime: expected a non-negative integer");
        expect_error_at(state,
                        HEAD " 'linux': {'personality': {'domain': 'LINUX',"
                             " 'flags': ['ADDR_NO_RANDOMIZE', 'NO_ASLR']}}}",
                        "'NO_ASLR'",
                        "linux.personality.flags[1]: unknown personality flag \"NO_ASLR\"");
        expect_error_at(state, HEAD " 'linux': {'personality': {'domain': 'LINUX', 'flags': 1}}}",
                        "1}", "linux.personality.flags: expected an array");
}

/* (uid_t)-1 is "unchanged" to setresuid(): as an id it would leave the
 * process root. Every value below it is used as it is. */
void test_error_user_ids(void **state)
{
        expect_error_at(state, PROC("'user': {'uid': 4294967295, 'gid': 0}"), "4294967295",
                        "process.user.uid: 4294967295 is not a valid user id");
        expect_error_at(state, PROC("'user': {'uid': 0, 'gid': 4294967295}"), "4294967295",
                        "process.user.gid: 4294967295 is not a valid group id");
        expect_error_at(
                state, PROC("'user': {'uid': 0, 'gid': 0, 'additionalGids': [1, 4294967295]}"),
                "4294967295", "process.user.additionalGids[1]: 4294967295 is not a valid group id");
        expect_error_at(state, PROC("'user': {'uid': 0, 'gid': 0, 'additionalGids': [-1]}"), "-1",
                        "process.user.additionalGids[0]: expected a non-negative integer");
        struct berth_spec *s =
                expect_ok(state, PROC("'user': {'uid': 4294967294, 'gid': 2147483648,"
                                      " 'additionalGids': [4294967294]}"));
        assert_int_equal(s->process.user.uid, 4294967294u);
        assert_int_equal(s->process.user.gid, 2147483648u);
        assert_int_equal(s->process.user.additional_gids[0], 4294967294u);
        spec_free(s);
}
