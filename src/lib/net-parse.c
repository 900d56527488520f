/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure helpers of the network layer: names, CIDRs, MACs, free addresses.
 * Nothing here talks to the kernel (except getrandom for MACs). */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

bool net_ifname_valid(const char *name)
{
        if (name == NULL || name[0] == '\0' || strlen(name) >= IFNAMSIZ)
                return false;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return false;
        /* the kernel's dev_valid_name(): these break /sys and /proc paths
         * or the alias syntax (eth0:1) */
        for (const char *p = name; *p; p++)
                if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
                        return false;
        return true;
}

static size_t addr_len(int family)
{
        return family == AF_INET ? 4 : 16;
}

int net_parse_cidr(const char *s, int *family, unsigned char addr[16], unsigned *prefix,
                   struct berth_error *err)
{
        char host[INET6_ADDRSTRLEN + 1];
        if (s == NULL || *s == '\0')
                return berth_error_setx(err, EINVAL, "invalid address \"\": empty");
        const char *slash = strchr(s, '/');
        size_t hl = slash ? (size_t)(slash - s) : strlen(s);
        if (hl == 0 || hl >= sizeof(host))
                return berth_error_setx(err, EINVAL, "invalid address \"%s\"", s);
        memcpy(host, s, hl);
        host[hl] = '\0';
        memset(addr, 0, 16);
        int fam;
        if (inet_pton(AF_INET, host, addr) == 1)
                fam = AF_INET;
        else if (inet_pton(AF_INET6, host, addr) == 1)
                fam = AF_INET6;
        else
                return berth_error_setx(err, EINVAL,
                                        "invalid address \"%s\": \"%s\" is neither IPv4 nor IPv6",
                                        s, host);
        unsigned max = fam == AF_INET ? 32 : 128, p = max;
        if (slash) {
                /* plain decimal only: no sign, no spaces, no hex, no "" */
                const char *q = slash + 1;
                if (*q == '\0' || strlen(q) > 3)
                        goto bad_prefix;
                p = 0;
                for (; *q; q++) {
                        if (*q < '0' || *q > '9')
                                goto bad_prefix;
                        p = p * 10 + (unsigned)(*q - '0');
                }
                if (p > max)
                        goto bad_prefix;
        }
        *family = fam;
        *prefix = p;
        return 0;
bad_prefix:
        return berth_error_setx(err, EINVAL, "invalid address \"%s\": prefix must be 0..%u", s,
                                max);
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static int random_bytes(unsigned char *buf, size_t n)
{
        size_t got = 0;
        while (got < n) {
                ssize_t r = getrandom(buf + got, n - got, 0);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                got += (size_t)r;
        }
        return 0;
}

int net_parse_mac(const char *s, unsigned char mac[6], struct berth_error *err)
{
        unsigned char rnd[6];
        bool random_first = false;
        if (s == NULL || strlen(s) != 17)
                goto bad;
        int r = random_bytes(rnd, sizeof(rnd));
        if (r < 0)
                return berth_error_set(err, -r, "MAC address \"%s\": random bytes", s);
        for (int i = 0; i < 6; i++) {
                const char *b = s + 3 * i;
                if (i < 5 && b[2] != ':')
                        goto bad;
                if ((b[0] == 'x' || b[0] == 'X') && (b[1] == 'x' || b[1] == 'X')) {
                        mac[i] = rnd[i];
                        if (i == 0)
                                random_first = true;
                        continue;
                }
                int hi = hexval(b[0]), lo = hexval(b[1]);
                if (hi < 0 || lo < 0)
                        goto bad;
                mac[i] = (unsigned char)(hi << 4 | lo);
        }
        if (random_first)
                mac[0] = (unsigned char)((mac[0] & 0xfc) | 0x02);
        if (mac[0] & 0x01)
                return berth_error_setx(err, EINVAL,
                                        "MAC address \"%s\" is multicast (the low bit of its first "
                                        "byte is set); an interface needs a unicast one",
                                        s);
        static const unsigned char zero[6];
        if (memcmp(mac, zero, 6) == 0)
                return berth_error_setx(err, EINVAL, "MAC address \"%s\" is all zeros", s);
        return 0;
bad:
        return berth_error_setx(err, EINVAL,
                                "invalid MAC address \"%s\": want six hex bytes like "
                                "00:16:3e:12:34:56 (\"xx\" for a random byte)",
                                s ? s : "");
}

int net_random_mac(unsigned char mac[6])
{
        int r = random_bytes(mac, 6);
        if (r < 0)
                return r;
        /* unicast, locally administered: never one a vendor ships */
        mac[0] = (unsigned char)((mac[0] & 0xfc) | 0x02);
        return 0;
}

void net_format_mac(const unsigned char mac[6], char buf[18])
{
        snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                 mac[5]);
}

void net_format_cidr(int family, const void *addr, unsigned prefix, char *buf, size_t len)
{
        char a[INET6_ADDRSTRLEN];
        if (inet_ntop(family, addr, a, sizeof(a)) == NULL)
                snprintf(a, sizeof(a), "?");
        if (prefix > 128)
                snprintf(buf, len, "%s", a);
        else
                snprintf(buf, len, "%s/%u", a, prefix);
}

/* ---- next free address: big-endian byte arithmetic on 4 or 16 bytes */

static void apply_mask(unsigned char *a, size_t n, unsigned prefix, bool host_bits_to)
{
        for (size_t i = 0; i < n; i++) {
                unsigned bits = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
                unsigned char m = (unsigned char)(bits ? 0xff << (8 - bits) : 0);
                a[i] = host_bits_to ? (unsigned char)(a[i] | ~m) : (unsigned char)(a[i] & m);
        }
}

/* a += 1; false on wrap-around */
static bool incr(unsigned char *a, size_t n)
{
        for (size_t i = n; i-- > 0;)
                if (++a[i] != 0)
                        return true;
        return false;
}

static bool decr(unsigned char *a, size_t n)
{
        for (size_t i = n; i-- > 0;)
                if (a[i]-- != 0)
                        return true;
        return false;
}

int net_next_free(int family, const unsigned char net[16], unsigned prefix,
                  const unsigned char (*used)[16], size_t n_used, unsigned char out[16],
                  struct berth_error *err)
{
        if (family != AF_INET && family != AF_INET6)
                return berth_error_setx(err, EAFNOSUPPORT, "next free address: family %d", family);
        size_t n = addr_len(family);
        if (prefix > 8 * n)
                return berth_error_setx(err, EINVAL, "next free address: prefix /%u", prefix);
        unsigned char first[16] = { 0 }, last[16] = { 0 };
        memcpy(first, net, n);
        apply_mask(first, n, prefix, false);
        memcpy(last, first, n);
        apply_mask(last, n, prefix, true);
        /* the network address is the subnet itself (IPv6: the subnet-router
         * anycast); the IPv4 top is broadcast. /31 (RFC 3021) and /32 (and
         * IPv6 /127, /128) have no room for either. */
        if (prefix + 1 < 8 * n) {
                incr(first, n);
                if (family == AF_INET)
                        decr(last, n);
        }
        unsigned char cand[16] = { 0 };
        memcpy(cand, first, n);
        for (;;) {
                bool taken = false;
                for (size_t i = 0; i < n_used && !taken; i++)
                        taken = memcmp(used[i], cand, n) == 0;
                if (!taken) {
                        memset(out, 0, 16);
                        memcpy(out, cand, n);
                        return 0;
                }
                if (memcmp(cand, last, n) >= 0)
                        break;
                incr(cand, n);
        }
        char net_s[INET6_ADDRSTRLEN + 8];
        apply_mask(first, n, prefix, false);
        net_format_cidr(family, first, prefix, net_s, sizeof(net_s));
        return berth_error_setx(err, ENOSPC, "no free address left in %s", net_s);
}
