/* Unit tests: ids, signals, numbers, sync protocol, state round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "ns.h"
#include "state.h"
#include "sync.h"
#include "util.h"

static void test_id_validation(void **s)
{
        (void)s;
        assert_true(id_is_valid("web-1"));
        assert_true(id_is_valid("a.b_c"));
        assert_false(id_is_valid(""));
        assert_false(id_is_valid("."));
        assert_false(id_is_valid(".."));
        assert_false(id_is_valid("a/b"));
        assert_false(id_is_valid("../x"));
        assert_false(id_is_valid("a b"));
        assert_false(id_is_valid("a\nb"));
        char big[1100];
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_false(id_is_valid(big));
}

static void test_signal_names(void **s)
{
        (void)s;
        assert_int_equal(signal_parse("TERM"), SIGTERM);
        assert_int_equal(signal_parse("SIGTERM"), SIGTERM);
        assert_int_equal(signal_parse("sigkill"), SIGKILL);
        assert_int_equal(signal_parse("9"), 9);
        assert_int_equal(signal_parse("RTMIN"), SIGRTMIN);
        assert_int_equal(signal_parse("RTMIN+2"), SIGRTMIN + 2);
        assert_int_equal(signal_parse("RTMAX-1"), SIGRTMAX - 1);
        assert_true(signal_parse("NOPE") < 0);
        assert_true(signal_parse("0") < 0);
        assert_true(signal_parse("65") < 0);
        assert_true(signal_parse("") < 0);
        assert_string_equal(signal_name(SIGHUP), "HUP");
}

static void test_numbers(void **s)
{
        (void)s;
        int64_t i;
        uint64_t u;
        assert_int_equal(parse_int64("-1", &i), 0);
        assert_int_equal(i, -1);
        assert_true(parse_int64("12x", &i) < 0);
        assert_true(parse_int64("", &i) < 0);
        assert_true(parse_int64("99999999999999999999", &i) < 0);
        assert_int_equal(parse_uint64("18446744073709551615", &u), 0);
        assert_true(u == UINT64_MAX);
        assert_true(parse_uint64("-3", &u) < 0);
}

static void test_error_chain(void **s)
{
        (void)s;
        struct berth_error e = { 0 };
        int r = berth_error_set(&e, ENOENT, "open %s", "/x");
        assert_int_equal(r, -ENOENT);
        assert_string_equal(e.msg, "open /x: No such file or directory");
        r = berth_error_prefix(&e, "create %s", "web");
        assert_int_equal(r, -ENOENT);
        assert_string_equal(e.msg, "create web: open /x: No such file or directory");
        r = berth_error_setx(&e, -EINVAL, "bad");
        assert_int_equal(r, -EINVAL);
        assert_int_equal(e.code, EINVAL);
        /* a message longer than the buffer is cut, not overflowed */
        char big[5000];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        berth_error_set(&e, EIO, "%s", big);
        assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
        berth_error_prefix(&e, "%s", big);
        assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
}

static void test_sync_steps(void **s)
{
        (void)s;
        int sp[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
        struct berth_error e = { 0 };
        assert_int_equal(sync_send(sp[0], SYNC_GO, -1, &e), 0);
        assert_int_equal(sync_expect(sp[1], SYNC_GO, NULL, &e), 0);
        /* a different step is an error naming both */
        assert_int_equal(sync_send(sp[0], SYNC_READY, -1, &e), 0);
        assert_true(sync_expect(sp[1], SYNC_GO, NULL, &e) < 0);
        assert_non_null(strstr(e.msg, "expected step 'go', got 'ready'"));
        /* the peer's error travels as is */
        struct berth_error child = { 0 };
        berth_error_setx(&child, EPERM, "mount /proc: nope");
        sync_send_error(sp[0], &child);
        assert_int_equal(sync_expect(sp[1], SYNC_READY, NULL, &e), -EPERM);
        assert_string_equal(e.msg, "mount /proc: nope");
        /* an fd rides along */
        int pipefd[2];
        assert_int_equal(pipe(pipefd), 0);
        assert_int_equal(sync_send(sp[0], SYNC_CONSOLE, pipefd[0], &e), 0);
        int got = -1;
        assert_int_equal(sync_expect(sp[1], SYNC_CONSOLE, &got, &e), 0);
        assert_true(got >= 0);
        assert_int_equal(write(pipefd[1], "x", 1), 1);
        char c;
        assert_int_equal(read(got, &c, 1), 1);
        close(got);
        close(pipefd[0]);
        close(pipefd[1]);
        /* EOF is an error, not a hang */
        close(sp[0]);
        assert_int_equal(sync_expect(sp[1], SYNC_READY, NULL, &e), -EPIPE);
        close(sp[1]);
}

static void test_idmap_format(void **s)
{
        (void)s;
        struct berth_idmap m[] = { { 0, 100000, 65536 }, { 65536, 1000, 1 } };
        char *t = ns_format_idmap(m, 2);
        assert_string_equal(t, "0 100000 65536\n65536 1000 1\n");
        free(t);
}

static void test_state_round_trip(void **s)
{
        (void)s;
        char dir[] = "/tmp/berth-unit-XXXXXX";
        assert_non_null(mkdtemp(dir));
        struct berth_error e = { 0 };
        int fd = -1;
        assert_int_equal(state_claim(dir, "c1", &fd, &e), 0);
        /* the id is taken now */
        int fd2 = -1;
        assert_int_equal(state_claim(dir, "c1", &fd2, &e), -EEXIST);
        assert_non_null(strstr(e.msg, "already exists"));
        assert_true(state_claim(dir, "../x", &fd2, &e) < 0);
        struct state st = { .id = "c1", .bundle = "/b", .cgroup_path = "/berth/c1",
                            .created = "2026-01-01T00:00:00Z", .owner = "root", .pid = 1,
                            .start_time = 42 };
        assert_int_equal(state_save(fd, &st, &e), 0);
        struct state back;
        assert_int_equal(state_load(fd, "c1", &back, &e), 0);
        assert_string_equal(back.bundle, "/b");
        assert_string_equal(back.cgroup_path, "/berth/c1");
        assert_int_equal(back.pid, 1);
        assert_int_equal(back.start_time, 42);
        /* pid 1 exists but its start time is not 42: the init is gone */
        assert_int_equal(state_status(fd, &back), STATUS_STOPPED);
        char *json = state_to_oci_json(&back, STATUS_STOPPED);
        assert_non_null(strstr(json, "\"status\": \"stopped\""));
        assert_null(strstr(json, "\"pid\""));
        free(json);
        state_clear(&back);
        close(fd);
        assert_int_equal(state_remove(dir, "c1", &e), 0);
        assert_int_equal(state_open(dir, "c1", false, &fd, &e), -ENOENT);
        assert_non_null(strstr(e.msg, "does not exist"));
        rmdir(dir);
}

/* utc_civil against the C library's gmtime_r, which the runtime avoids
 * (it loads the time zone), over leap days, centuries and before 1970. */
static void test_utc_civil(void **s)
{
        (void)s;
        static const int64_t fixed[] = { 0, -1, 86399, 86400, 951782400 /* 2000-02-29 */,
                                         4107542399 /* 2100-02-28T23:59:59 */,
                                         -2208988800 /* 1900-01-01 */, 1796063329 };
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 4000; i++) {
                int64_t t = i < sizeof(fixed) / sizeof(fixed[0])
                                    ? fixed[i]
                                    : (int64_t)(i * 2654435761u % 20000000u) * 397 - 3000000000;
                time_t tt = (time_t)t;
                struct tm tm;
                struct utc_time u;
                assert_non_null(gmtime_r(&tt, &tm));
                utc_civil(t, &u);
                assert_int_equal(u.year, tm.tm_year + 1900);
                assert_int_equal(u.month, tm.tm_mon + 1);
                assert_int_equal(u.day, tm.tm_mday);
                assert_int_equal(u.hour, tm.tm_hour);
                assert_int_equal(u.min, tm.tm_min);
                assert_int_equal(u.sec, tm.tm_sec);
        }
        char buf[40];
        time_rfc3339(buf, sizeof(buf));
        assert_int_equal(strlen(buf), 30);
        assert_int_equal(buf[29], 'Z');
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_id_validation),   cmocka_unit_test(test_signal_names),
                cmocka_unit_test(test_numbers),         cmocka_unit_test(test_error_chain),
                cmocka_unit_test(test_sync_steps),      cmocka_unit_test(test_idmap_format),
                cmocka_unit_test(test_state_round_trip), cmocka_unit_test(test_utc_civil),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
