/* Unit tests: the network layer's pure helpers (src/lib/net-parse.c):
 * interface names, CIDRs, MACs with "xx" bytes, the next free address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "error.h"
#include "net.h"

static void test_ifname_rules(void **s)
{
        (void)s;
        assert_true(net_ifname_valid("eth0"));
        assert_true(net_ifname_valid("veth-web1.2_x"));
        assert_true(net_ifname_valid("a23456789012345")); /* 15: the limit */
        assert_false(net_ifname_valid("a234567890123456"));
        assert_false(net_ifname_valid(""));
        assert_false(net_ifname_valid(NULL));
        assert_false(net_ifname_valid("."));
        assert_false(net_ifname_valid(".."));
        assert_false(net_ifname_valid("a/b"));
        assert_false(net_ifname_valid("eth0:1"));
        assert_false(net_ifname_valid("a b"));
        assert_false(net_ifname_valid("a\nb"));
}

static void assert_cidr(const char *s, int family, const char *addr, unsigned prefix)
{
        struct berth_error err = { 0 };
        unsigned char got[16], want[16] = { 0 };
        int fam = -1;
        unsigned p = 999;
        assert_int_equal(net_parse_cidr(s, &fam, got, &p, &err), 0);
        assert_int_equal(fam, family);
        assert_int_equal(p, prefix);
        assert_int_equal(inet_pton(family, addr, want), 1);
        assert_memory_equal(got, want, 16);
}

static void assert_cidr_bad(const char *s, const char *needle)
{
        struct berth_error err = { 0 };
        unsigned char a[16];
        int fam;
        unsigned p;
        assert_int_equal(net_parse_cidr(s, &fam, a, &p, &err), -EINVAL);
        assert_int_equal(err.code, EINVAL);
        if (strstr(err.msg, needle) == NULL)
                fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err.msg, needle);
}

static void test_cidr_v4_and_v6(void **s)
{
        (void)s;
        assert_cidr("10.0.3.5/24", AF_INET, "10.0.3.5", 24);
        assert_cidr("0.0.0.0/0", AF_INET, "0.0.0.0", 0);
        assert_cidr("192.168.1.1/32", AF_INET, "192.168.1.1", 32);
        assert_cidr("fd00::5/64", AF_INET6, "fd00::5", 64);
        assert_cidr("2001:db8::1/128", AF_INET6, "2001:db8::1", 128);
        assert_cidr("::/0", AF_INET6, "::", 0);
        assert_cidr("::ffff:10.0.0.1/96", AF_INET6, "::ffff:10.0.0.1", 96);
}

static void test_cidr_bare_address_is_a_host(void **s)
{
        (void)s;
        assert_cidr("10.0.3.5", AF_INET, "10.0.3.5", 32);
        assert_cidr("fd00::5", AF_INET6, "fd00::5", 128);
}

static void test_cidr_errors(void **s)
{
        (void)s;
        assert_cidr_bad("", "empty");
        assert_cidr_bad("/24", "invalid address \"/24\"");
        assert_cidr_bad("10.0.3/24", "neither IPv4 nor IPv6");
        assert_cidr_bad("10.0.3.256/24", "neither IPv4 nor IPv6");
        assert_cidr_bad("web/24", "neither IPv4 nor IPv6");
        assert_cidr_bad("10.0.3.5/33", "prefix must be 0..32");
        assert_cidr_bad("fd00::5/129", "prefix must be 0..128");
        assert_cidr_bad("10.0.3.5/", "prefix");
        assert_cidr_bad("10.0.3.5/-1", "prefix");
        assert_cidr_bad("10.0.3.5/+8", "prefix");
        assert_cidr_bad("10.0.3.5/ 8", "prefix");
        assert_cidr_bad("10.0.3.5/0x8", "prefix");
        assert_cidr_bad("10.0.3.5/24/8", "prefix");
        assert_cidr_bad(" 10.0.3.5/24", "neither");
}

static void test_mac_fixed(void **s)
{
        (void)s;
        struct berth_error err = { 0 };
        unsigned char mac[6];
        const unsigned char want[6] = { 0x00, 0x16, 0x3e, 0xab, 0xCD, 0x0f };
        assert_int_equal(net_parse_mac("00:16:3e:ab:CD:0f", mac, &err), 0);
        assert_memory_equal(mac, want, 6);
        char buf[18];
        net_format_mac(mac, buf);
        assert_string_equal(buf, "00:16:3e:ab:cd:0f");
}

static void test_mac_xx_bytes_are_random(void **s)
{
        (void)s;
        struct berth_error err = { 0 };
        unsigned char a[6], b[6];
        int differ = 0;
        /* three random bytes match by chance once in 2^24: eight draws
         * all equal is not going to happen */
        for (int i = 0; i < 8; i++) {
                assert_int_equal(net_parse_mac("00:16:3e:xx:XX:xx", a, &err), 0);
                assert_int_equal(net_parse_mac("00:16:3e:xx:XX:xx", b, &err), 0);
                assert_int_equal(a[0], 0x00);
                assert_int_equal(a[1], 0x16);
                assert_int_equal(a[2], 0x3e);
                assert_memory_equal(a, b, 3);
                differ += memcmp(a + 3, b + 3, 3) != 0;
        }
        assert_true(differ > 0);
}

static void test_mac_random_first_byte_is_unicast_local(void **s)
{
        (void)s;
        struct berth_error err = { 0 };
        unsigned char m[6];
        for (int i = 0; i < 64; i++) {
                assert_int_equal(net_parse_mac("xx:xx:xx:xx:xx:01", m, &err), 0);
                assert_int_equal(m[0] & 0x01, 0);
                assert_int_equal(m[0] & 0x02, 0x02);
                assert_int_equal(m[5], 0x01);
                assert_int_equal(net_random_mac(m), 0);
                assert_int_equal(m[0] & 0x01, 0);
                assert_int_equal(m[0] & 0x02, 0x02);
        }
}

static void test_mac_multicast_refused(void **s)
{
        (void)s;
        struct berth_error err = { 0 };
        unsigned char m[6];
        assert_int_equal(net_parse_mac("01:00:5e:00:00:01", m, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "multicast"));
        assert_int_equal(net_parse_mac("ff:ff:ff:ff:ff:ff", m, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "multicast"));
        assert_int_equal(net_parse_mac("03:xx:xx:xx:xx:xx", m, &err), -EINVAL);
        assert_int_equal(net_parse_mac("00:00:00:00:00:00", m, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "all zeros"));
}

static void test_mac_syntax_errors(void **s)
{
        (void)s;
        struct berth_error err = { 0 };
        unsigned char m[6];
        const char *bad[] = { "",
                              "00:16:3e:12:34",
                              "00:16:3e:12:34:567",
                              "00-16-3e-12-34-56",
                              "00:16:3e:12:34:5g",
                              "00:16:3e:x1:34:56",
                              "0:16:3e:12:34:56:",
                              "00:16:3e:12:34:56 " };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                memset(&err, 0, sizeof(err));
                if (net_parse_mac(bad[i], m, &err) != -EINVAL)
                        fail_msg("\"%s\" accepted", bad[i]);
                assert_non_null(strstr(err.msg, "invalid MAC address"));
        }
        assert_int_equal(net_parse_mac(NULL, m, &err), -EINVAL);
}

static void assert_next(int family, const char *net, unsigned prefix, const char *const *used,
                        const char *want)
{
        struct berth_error err = { 0 };
        unsigned char n[16] = { 0 }, u[8][16], out[16], w[16] = { 0 };
        size_t nu = 0;
        assert_int_equal(inet_pton(family, net, n), 1);
        for (; used && used[nu]; nu++) {
                memset(u[nu], 0, 16);
                assert_int_equal(inet_pton(family, used[nu], u[nu]), 1);
        }
        int r = net_next_free(family, n, prefix, (const unsigned char(*)[16])u, nu, out, &err);
        if (r < 0)
                fail_msg("%s/%u: %s", net, prefix, err.msg);
        assert_int_equal(inet_pton(family, want, w), 1);
        char got[64];
        inet_ntop(family, out, got, sizeof(got));
        if (memcmp(out, w, 16) != 0)
                fail_msg("%s/%u: got %s, want %s", net, prefix, got, want);
}

static void test_next_free_v4(void **s)
{
        (void)s;
        assert_next(AF_INET, "10.0.3.0", 24, NULL, "10.0.3.1");
        /* the caller may hand the gateway's address: host bits are masked */
        assert_next(AF_INET, "10.0.3.1", 24, (const char *[]){ "10.0.3.1", NULL }, "10.0.3.2");
        assert_next(AF_INET, "10.0.3.0", 24,
                    (const char *[]){ "10.0.3.2", "10.0.3.1", "10.0.3.4", NULL }, "10.0.3.3");
        /* addresses outside the subnet do not count */
        assert_next(AF_INET, "10.0.3.0", 24, (const char *[]){ "10.0.4.1", "10.0.2.1", NULL },
                    "10.0.3.1");
        /* host bits past a byte boundary: 10.0.1.250/23 is 10.0.0.0/23 */
        assert_next(AF_INET, "10.0.0.0", 16, (const char *[]){ "10.0.0.1", NULL }, "10.0.0.2");
        assert_next(AF_INET, "10.0.1.250", 23, (const char *[]){ "10.0.0.1", NULL }, "10.0.0.2");
        /* /31 has no network nor broadcast; /32 is its one address */
        assert_next(AF_INET, "10.0.0.4", 31, NULL, "10.0.0.4");
        assert_next(AF_INET, "10.0.0.4", 31, (const char *[]){ "10.0.0.4", NULL }, "10.0.0.5");
        assert_next(AF_INET, "10.0.0.9", 32, NULL, "10.0.0.9");
        /* /30: .1 and .2 only */
        assert_next(AF_INET, "10.0.0.0", 30, (const char *[]){ "10.0.0.1", NULL }, "10.0.0.2");
}

static void test_next_free_v6(void **s)
{
        (void)s;
        assert_next(AF_INET6, "fd00::", 64, NULL, "fd00::1");
        assert_next(AF_INET6, "fd00::1", 64, (const char *[]){ "fd00::1", "fd00::2", NULL },
                    "fd00::3");
        assert_next(AF_INET6, "fd00::ff", 120, (const char *[]){ "fd00::1", NULL }, "fd00::2");
        assert_next(AF_INET6, "fd00::", 0, NULL, "::1");
        /* no broadcast in IPv6: the top address is usable */
        assert_next(AF_INET6, "fd00::", 126, (const char *[]){ "fd00::1", "fd00::2", NULL },
                    "fd00::3");
}

static void test_next_free_full(void **s)
{
        (void)s;
        struct berth_error err = { 0 };
        unsigned char n[16] = { 0 }, u[2][16] = { { 0 } }, out[16];
        inet_pton(AF_INET, "10.0.0.0", n);
        inet_pton(AF_INET, "10.0.0.1", u[0]);
        inet_pton(AF_INET, "10.0.0.2", u[1]);
        assert_int_equal(net_next_free(AF_INET, n, 30, (const unsigned char(*)[16])u, 2, out, &err),
                         -ENOSPC);
        assert_string_equal(err.msg, "no free address left in 10.0.0.0/30");
        inet_pton(AF_INET, "10.0.0.9", n);
        inet_pton(AF_INET, "10.0.0.9", u[0]);
        assert_int_equal(net_next_free(AF_INET, n, 32, (const unsigned char(*)[16])u, 1, out, &err),
                         -ENOSPC);
        assert_int_equal(net_next_free(AF_INET, n, 33, NULL, 0, out, &err), -EINVAL);
        assert_int_equal(net_next_free(AF_UNIX, n, 8, NULL, 0, out, &err), -EAFNOSUPPORT);
}

static void test_format_cidr(void **s)
{
        (void)s;
        unsigned char a[16] = { 10, 0, 3, 5 };
        char buf[64];
        net_format_cidr(AF_INET, a, 24, buf, sizeof(buf));
        assert_string_equal(buf, "10.0.3.5/24");
        net_format_cidr(AF_INET, a, 999, buf, sizeof(buf));
        assert_string_equal(buf, "10.0.3.5");
        inet_pton(AF_INET6, "fd00::5", a);
        net_format_cidr(AF_INET6, a, 64, buf, sizeof(buf));
        assert_string_equal(buf, "fd00::5/64");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ifname_rules),
                cmocka_unit_test(test_cidr_v4_and_v6),
                cmocka_unit_test(test_cidr_bare_address_is_a_host),
                cmocka_unit_test(test_cidr_errors),
                cmocka_unit_test(test_mac_fixed),
                cmocka_unit_test(test_mac_xx_bytes_are_random),
                cmocka_unit_test(test_mac_random_first_byte_is_unicast_local),
                cmocka_unit_test(test_mac_multicast_refused),
                cmocka_unit_test(test_mac_syntax_errors),
                cmocka_unit_test(test_next_free_v4),
                cmocka_unit_test(test_next_free_v6),
                cmocka_unit_test(test_next_free_full),
                cmocka_unit_test(test_format_cidr),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
