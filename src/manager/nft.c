/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The nftables tables of a NAT bridge (see nft.h), written as nft's own
 * syntax and run with nft_run_cmd_from_buffer(): one buffer is one
 * transaction, so a table is made whole or not at all. */
#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "dl.h"
#include "netdb.h"

/* Run cmd in a fresh context. Output (for `get`/`list`) goes to *out when
 * out is not NULL. The error is nft's first message line, with an errno
 * guessed from it (libnftables reports text only). */
static int run(const char *cmd, char **out, struct berth_error *err)
{
        int q = dl_need(DL_NFTABLES, err);
        if (q < 0)
                return berth_error_prefix(err, "nftables");
        struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!ctx)
                return berth_error_setx(err, ENOMEM, "nftables: cannot make a context");
        nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_NUMERIC_ALL);
        if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
                nft_ctx_free(ctx);
                return berth_error_setx(err, ENOMEM, "nftables: cannot buffer output");
        }
        int r = nft_run_cmd_from_buffer(ctx, cmd);
        if (r == 0) {
                if (out) {
                        const char *o = nft_ctx_get_output_buffer(ctx);
                        *out = strdup(o ? o : "");
                        r = *out ? 0 : berth_error_setx(err, ENOMEM, "nftables output");
                }
                nft_ctx_free(ctx);
                return r;
        }
        const char *e = nft_ctx_get_error_buffer(ctx);
        e = e ? e : "";
        int code = strstr(e, "No such file or directory") ? ENOENT
                   : strstr(e, "File exists")             ? EEXIST
                   : strstr(e, "Operation not permitted") ? EPERM
                   : strstr(e, "Protocol not supported")  ? EPROTONOSUPPORT
                                                          : EINVAL;
        if (!strncmp(e, "Error: ", 7))
                e += 7;
        size_t len = strcspn(e, "\n");
        r = berth_error_setx(err, code, "nftables: %.*s", (int)len, *e ? e : "failed");
        nft_ctx_free(ctx);
        return r;
}

/* The network address of a, as "10.0.3.0/24". */
static void subnet_of(const struct netdb_addr *a, int family, char *buf, size_t len)
{
        struct netdb_addr net = *a;
        size_t bytes = family == 4 ? 4 : 16;
        for (size_t i = 0; i < bytes; i++) {
                unsigned bits = a->prefix > i * 8 ? a->prefix - (unsigned)i * 8 : 0;
                unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
                net.addr[i] &= mask;
        }
        netdb_addr_format(&net, family == 4 ? AF_INET : AF_INET6, buf, len);
}

int nftr_bridge_setup(const struct netdb_bridge *b, struct berth_error *err)
{
        char sub[64], cmd[4096];
        const char *br = b->name;
        if (b->ipv4.set) {
                subnet_of(&b->ipv4, 4, sub, sizeof(sub));
                /* "add; delete; table {...}": replaces a stale table of
                 * ours in the same transaction, and works when none is
                 * there. The DNAT is for the host's own addresses only
                 * (fib daddr type local), so traffic passing through is
                 * left alone; output covers the host's own connections.
                 * A container reaching a published port through the host
                 * (hairpin) is masqueraded so the answer comes back the
                 * same way rather than straight over the bridge.
                 * The forward chain accepts for our bridge but cannot
                 * overrule a drop in another table (a drop is final). */
                snprintf(cmd, sizeof(cmd),
                         "add table ip berth-%1$s\n"
                         "delete table ip berth-%1$s\n"
                         "table ip berth-%1$s {\n"
                         "  map pub_tcp { type inet_service : ipv4_addr . inet_service; }\n"
                         "  map pub_udp { type inet_service : ipv4_addr . inet_service; }\n"
                         "  chain prerouting {\n"
                         "    type nat hook prerouting priority dstnat; policy accept;\n"
                         "    fib daddr type local dnat ip addr . port to tcp dport map @pub_tcp\n"
                         "    fib daddr type local dnat ip addr . port to udp dport map @pub_udp\n"
                         "  }\n"
                         "  chain output {\n"
                         "    type nat hook output priority -100; policy accept;\n"
                         "    fib daddr type local dnat ip addr . port to tcp dport map @pub_tcp\n"
                         "    fib daddr type local dnat ip addr . port to udp dport map @pub_udp\n"
                         "  }\n"
                         "  chain postrouting {\n"
                         "    type nat hook postrouting priority srcnat; policy accept;\n"
                         "    ip saddr %2$s oifname != \"%1$s\" masquerade\n"
                         "    oifname \"%1$s\" ip saddr %2$s ct status dnat masquerade\n"
                         "  }\n"
                         "  chain forward {\n"
                         "    type filter hook forward priority filter; policy accept;\n"
                         "    iifname \"%1$s\" accept\n"
                         "    oifname \"%1$s\" ct state established,related accept\n"
                         "    oifname \"%1$s\" ct status dnat accept\n"
                         "  }\n"
                         "}\n",
                         br, sub);
                int r = run(cmd, NULL, err);
                if (r < 0)
                        return berth_error_prefix(err, "NAT rules for %s", br);
        }
        if (b->ipv6.set) {
                subnet_of(&b->ipv6, 6, sub, sizeof(sub));
                snprintf(cmd, sizeof(cmd),
                         "add table ip6 berth-%1$s\n"
                         "delete table ip6 berth-%1$s\n"
                         "table ip6 berth-%1$s {\n"
                         "  chain postrouting {\n"
                         "    type nat hook postrouting priority srcnat; policy accept;\n"
                         "    ip6 saddr %2$s oifname != \"%1$s\" masquerade\n"
                         "  }\n"
                         "  chain forward {\n"
                         "    type filter hook forward priority filter; policy accept;\n"
                         "    iifname \"%1$s\" accept\n"
                         "    oifname \"%1$s\" ct state established,related accept\n"
                         "  }\n"
                         "}\n",
                         br, sub);
                int r = run(cmd, NULL, err);
                if (r < 0) {
                        struct berth_error ignored = { 0 };
                        (void)nftr_bridge_teardown(br, &ignored);
                        return berth_error_prefix(err, "IPv6 NAT rules for %s", br);
                }
        }
        return 0;
}

int nftr_table_exists(const char *bridge, int family, struct berth_error *err)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "list table %s berth-%s", family == 4 ? "ip" : "ip6", bridge);
        _cleanup_free_ char *out = NULL;
        struct berth_error e = { 0 };
        int r = run(cmd, &out, &e);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                *err = e;
                return r;
        }
        return 1;
}

int nftr_bridge_teardown(const char *bridge, struct berth_error *err)
{
        int ret = 0;
        for (int fam = 4; fam <= 6; fam += 2) {
                char cmd[128];
                snprintf(cmd, sizeof(cmd), "delete table %s berth-%s", fam == 4 ? "ip" : "ip6",
                         bridge);
                struct berth_error e = { 0 };
                int r = run(cmd, NULL, &e);
                if (r < 0 && r != -ENOENT && ret == 0) {
                        *err = e;
                        ret = r;
                }
        }
        return ret;
}

static const char *proto_name(int proto)
{
        return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* "10.0.3.5 . 80" */
static void target(const unsigned char caddr[4], uint16_t cport, char *buf, size_t len)
{
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, caddr, a, sizeof(a));
        snprintf(buf, len, "%s . %u", a, (unsigned)cport);
}

/* Where hport goes now ("10.0.3.5 . 80"), into buf; "" when unmapped. */
static int current(const char *bridge, int proto, uint16_t hport, char *buf, size_t len,
                   struct berth_error *err)
{
        char cmd[160];
        snprintf(cmd, sizeof(cmd), "get element ip berth-%s pub_%s { %u }", bridge,
                 proto_name(proto), (unsigned)hport);
        _cleanup_free_ char *out = NULL;
        struct berth_error e = { 0 };
        int r = run(cmd, &out, &e);
        buf[0] = '\0';
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                *err = e;
                return r;
        }
        /* "elements = { 8080 : 10.0.3.5 . 80 }" */
        const char *p = strstr(out, "elements = {");
        p = p ? strchr(p, ':') : NULL;
        if (!p)
                return 0;
        p++;
        p += strspn(p, " ");
        size_t n = strcspn(p, "}\n");
        while (n && p[n - 1] == ' ')
                n--;
        snprintf(buf, len, "%.*s", (int)n, p);
        return 0;
}

int nftr_publish_add(const char *bridge, int proto, uint16_t hport, const unsigned char caddr[4],
                     uint16_t cport, struct berth_error *err)
{
        char to[64], cmd[256];
        target(caddr, cport, to, sizeof(to));
        /* `add` of an identical element succeeds, so a second start (or a
         * monitor restarting the container) is fine; a different target
         * for the same key is EEXIST. */
        snprintf(cmd, sizeof(cmd), "add element ip berth-%s pub_%s { %u : %s }", bridge,
                 proto_name(proto), (unsigned)hport, to);
        int r = run(cmd, NULL, err);
        if (r == 0)
                return 0;
        if (r == -EEXIST) {
                char now[64];
                struct berth_error e = { 0 };
                if (current(bridge, proto, hport, now, sizeof(now), &e) == 0 && now[0]) {
                        char *dot = strstr(now, " . ");
                        if (dot) { /* "10.0.3.5 . 80" -> "10.0.3.5:80" */
                                *dot = ':';
                                memmove(dot + 1, dot + 3, strlen(dot + 3) + 1);
                        }
                        return berth_error_setx(err, EEXIST,
                                                "host port %u/%s is already published to %s",
                                                (unsigned)hport, proto_name(proto), now);
                }
        }
        if (r == -ENOENT)
                return berth_error_setx(err, ENOENT,
                                        "bridge %s has no NAT table (was it made with --nat?)",
                                        bridge);
        return r;
}

int nftr_publish_del(const char *bridge, int proto, uint16_t hport, const unsigned char caddr[4],
                     uint16_t cport, struct berth_error *err)
{
        char to[64], now[64], cmd[256];
        target(caddr, cport, to, sizeof(to));
        int r = current(bridge, proto, hport, now, sizeof(now), err);
        if (r < 0)
                return r;
        if (strcmp(now, to))
                return 0; /* gone, or someone else's now */
        snprintf(cmd, sizeof(cmd), "delete element ip berth-%s pub_%s { %u }", bridge,
                 proto_name(proto), (unsigned)hport);
        struct berth_error e = { 0 };
        r = run(cmd, NULL, &e);
        if (r < 0 && r != -ENOENT) {
                *err = e;
                return r;
        }
        return 0;
}
