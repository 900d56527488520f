/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one table of LXC config keys, the value validators and the
 * "did you mean" suggestion for a key that is not in the table. */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lxc-config.h"
#include "netdb.h"
#include "util.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define NETF(kind, field) .net_kind = (kind), .net_off = offsetof(struct lxc_net, field)

static const struct lxc_key keys[] = {
        { .name = "lxc.uts.name" },
        { .name = "lxc.rootfs.path" },
        { .name = "lxc.mount.entry", .list = true },
        { .name = "lxc.mount.auto", .list = true },
        { .name = "lxc.mount.fstab", .check = LXC_CHECK_PATH },
        { .name = "lxc.autodev", .check = LXC_CHECK_BOOL },
        { .name = "lxc.pty.max", .check = LXC_CHECK_UINT },
        { .name = "lxc.tty.max", .check = LXC_CHECK_UINT },
        { .name = "lxc.console.path", .check = LXC_CHECK_PATH },
        { .name = "lxc.console.logfile", .check = LXC_CHECK_PATH },
        /* Any controller file, and devices.allow/deny repeat. */
        { .name = "lxc.cgroup.", .prefix = true, .list = true },
        { .name = "lxc.cgroup2.", .prefix = true, .list = true },
        { .name = "lxc.cap.drop", .list = true },
        { .name = "lxc.cap.keep", .list = true },
        { .name = "lxc.idmap", .list = true, .check = LXC_CHECK_IDMAP },
        { .name = "lxc.init.cmd" },
        { .name = "lxc.init.uid", .check = LXC_CHECK_UID },
        { .name = "lxc.init.gid", .check = LXC_CHECK_UID },
        { .name = "lxc.init.cwd", .check = LXC_CHECK_PATH },
        { .name = "lxc.environment", .list = true },
        { .name = "lxc.signal.halt", .check = LXC_CHECK_SIGNAL },
        { .name = "lxc.signal.reboot", .check = LXC_CHECK_SIGNAL },
        { .name = "lxc.signal.stop", .check = LXC_CHECK_SIGNAL },
        { .name = "lxc.start.auto", .check = LXC_CHECK_BOOL },
        { .name = "lxc.start.delay", .check = LXC_CHECK_UINT },
        { .name = "lxc.start.order", .check = LXC_CHECK_INT },
        { .name = "lxc.group", .list = true },
        { .name = "lxc.apparmor.profile" },
        { .name = "lxc.selinux.context" },
        { .name = "lxc.seccomp.profile", .check = LXC_CHECK_PATH },
        { .name = "lxc.no_new_privs", .check = LXC_CHECK_BOOL },
        { .name = "lxc.prlimit.", .prefix = true },
        { .name = "lxc.sysctl.", .prefix = true },
        { .name = "lxc.hook.", .prefix = true, .list = true },
        { .name = "lxc.arch" },
        { .name = "lxc.log.level" },
        { .name = "lxc.include", .list = true, .check = LXC_CHECK_PATH },
        { .name = "lxc.net.#.type", .check = LXC_CHECK_NETTYPE, NETF(LXC_NF_STR, type) },
        { .name = "lxc.net.#.link", NETF(LXC_NF_STR, link) },
        { .name = "lxc.net.#.flags", .check = LXC_CHECK_NETFLAGS, NETF(LXC_NF_STR, flags) },
        { .name = "lxc.net.#.hwaddr", .check = LXC_CHECK_MAC, NETF(LXC_NF_STR, hwaddr) },
        { .name = "lxc.net.#.name", NETF(LXC_NF_STR, name) },
        { .name = "lxc.net.#.mtu", .check = LXC_CHECK_UINT, NETF(LXC_NF_UINT, mtu) },
        { .name = "lxc.net.#.ipv4.address", .list = true, .check = LXC_CHECK_IPV4,
          NETF(LXC_NF_LIST, ipv4) },
        { .name = "lxc.net.#.ipv4.gateway", .check = LXC_CHECK_IPV4_GW,
          NETF(LXC_NF_STR, ipv4_gateway) },
        { .name = "lxc.net.#.ipv6.address", .list = true, .check = LXC_CHECK_IPV6,
          NETF(LXC_NF_LIST, ipv6) },
        { .name = "lxc.net.#.ipv6.gateway", .check = LXC_CHECK_IPV6_GW,
          NETF(LXC_NF_STR, ipv6_gateway) },
        { .name = "lxc.net.#.veth.pair", NETF(LXC_NF_STR, veth_pair) },
        { .name = "lxc.net.#.macvlan.mode", .check = LXC_CHECK_MACVLAN_MODE,
          NETF(LXC_NF_STR, macvlan_mode) },
        /* berth's own: HOSTPORT:CONTAINERPORT[/tcp|/udp] DNAT while it runs */
        { .name = "lxc.net.#.berth.publish", .list = true, .check = LXC_CHECK_PUBLISH,
          NETF(LXC_NF_LIST, publish) },
        /* Old names. The checks repeat the new key's so a row is self-contained. */
        { .name = "lxc.utsname", .new_name = "lxc.uts.name" },
        { .name = "lxc.rootfs", .new_name = "lxc.rootfs.path" },
        { .name = "lxc.pts", .check = LXC_CHECK_UINT, .new_name = "lxc.pty.max" },
        { .name = "lxc.tty", .check = LXC_CHECK_UINT, .new_name = "lxc.tty.max" },
        { .name = "lxc.aa_profile", .new_name = "lxc.apparmor.profile" },
        { .name = "lxc.se_context", .new_name = "lxc.selinux.context" },
        { .name = "lxc.id_map", .list = true, .check = LXC_CHECK_IDMAP, .new_name = "lxc.idmap" },
        { .name = "lxc.loglevel", .new_name = "lxc.log.level" },
        { .name = "lxc.mount", .check = LXC_CHECK_PATH, .new_name = "lxc.mount.fstab" },
        /* lxc.network.*: '#' in new_name is the interface the parser is filling. */
        { .name = "lxc.network.type", .check = LXC_CHECK_NETTYPE, .new_name = "lxc.net.#.type",
          NETF(LXC_NF_STR, type) },
        { .name = "lxc.network.flags", .check = LXC_CHECK_NETFLAGS, .new_name = "lxc.net.#.flags",
          NETF(LXC_NF_STR, flags) },
        { .name = "lxc.network.link", .new_name = "lxc.net.#.link", NETF(LXC_NF_STR, link) },
        { .name = "lxc.network.hwaddr", .check = LXC_CHECK_MAC, .new_name = "lxc.net.#.hwaddr",
          NETF(LXC_NF_STR, hwaddr) },
        { .name = "lxc.network.name", .new_name = "lxc.net.#.name", NETF(LXC_NF_STR, name) },
        { .name = "lxc.network.mtu", .check = LXC_CHECK_UINT, .new_name = "lxc.net.#.mtu",
          NETF(LXC_NF_UINT, mtu) },
        { .name = "lxc.network.ipv4", .list = true, .check = LXC_CHECK_IPV4,
          .new_name = "lxc.net.#.ipv4.address", NETF(LXC_NF_LIST, ipv4) },
        { .name = "lxc.network.ipv4.gateway", .check = LXC_CHECK_IPV4_GW,
          .new_name = "lxc.net.#.ipv4.gateway", NETF(LXC_NF_STR, ipv4_gateway) },
        { .name = "lxc.network.ipv6", .list = true, .check = LXC_CHECK_IPV6,
          .new_name = "lxc.net.#.ipv6.address", NETF(LXC_NF_LIST, ipv6) },
        { .name = "lxc.network.ipv6.gateway", .check = LXC_CHECK_IPV6_GW,
          .new_name = "lxc.net.#.ipv6.gateway", NETF(LXC_NF_STR, ipv6_gateway) },
        { .name = "lxc.network.veth.pair", .new_name = "lxc.net.#.veth.pair",
          NETF(LXC_NF_STR, veth_pair) },
};

/* Does `key` match `pattern`, where '#' stands for a run of digits? */
static bool pattern_match(const char *pattern, const char *key)
{
        for (; *pattern; pattern++) {
                if (*pattern == '#') {
                        if (!isdigit((unsigned char)*key))
                                return false;
                        while (isdigit((unsigned char)*key))
                                key++;
                        continue;
                }
                if (*pattern != *key++)
                        return false;
        }
        return *key == '\0';
}

const struct lxc_key *lxc_key_lookup(const char *key)
{
        for (size_t i = 0; i < COUNT(keys); i++) {
                const struct lxc_key *k = &keys[i];
                size_t n = strlen(k->name);
                if (k->prefix ? strncmp(key, k->name, n) == 0 && key[n] != '\0'
                              : pattern_match(k->name, key))
                        return k;
        }
        return NULL;
}

static const char *check_uint(const char *v, uint64_t max)
{
        uint64_t n;
        if (parse_uint64(v, &n) < 0 || n > max)
                return "not an unsigned number";
        return NULL;
}

/* "ADDR[/PREFIX]"; LXC also allows a broadcast address after a space. */
static const char *check_cidr(const char *v, int family, bool gateway)
{
        char buf[INET6_ADDRSTRLEN + 8];
        if (gateway && (!strcmp(v, "auto") || !strcmp(v, "dev")))
                return NULL;
        if (strlen(v) >= sizeof(buf))
                return family == AF_INET ? "not an IPv4 address" : "not an IPv6 address";
        strcpy(buf, v);
        char *bcast = strchr(buf, ' ');
        if (bcast && !gateway) {
                *bcast++ = '\0';
                unsigned char tmp[16];
                if (family != AF_INET || inet_pton(AF_INET, bcast, tmp) != 1)
                        return "bad broadcast address";
        }
        char *slash = strchr(buf, '/');
        if (slash) {
                if (gateway)
                        return "a gateway takes no prefix length";
                *slash++ = '\0';
                uint64_t p;
                if (parse_uint64(slash, &p) < 0 || p > (family == AF_INET ? 32u : 128u))
                        return family == AF_INET ? "prefix length must be 0 to 32"
                                                 : "prefix length must be 0 to 128";
        }
        unsigned char addr[16];
        if (inet_pton(family, buf, addr) != 1)
                return family == AF_INET ? "not an IPv4 address" : "not an IPv6 address";
        return NULL;
}

/* xx:xx:xx:xx:xx:xx, where an 'x' is a digit LXC fills in at random. */
static const char *check_mac(const char *v)
{
        if (strlen(v) != 17)
                return "not a MAC address (xx:xx:xx:xx:xx:xx)";
        for (int i = 0; i < 17; i++) {
                char c = v[i];
                bool ok = i % 3 == 2 ? c == ':' : isxdigit((unsigned char)c) || c == 'x';
                if (!ok)
                        return "not a MAC address (xx:xx:xx:xx:xx:xx)";
        }
        /* the low bit of the first byte marks a group address: no NIC has one */
        if (v[1] != 'x' && v[0] != 'x' && (strtoul((char[]){ v[0], v[1], 0 }, NULL, 16) & 1))
                return "a multicast MAC address (the first byte must be even)";
        if (!strcmp(v, "00:00:00:00:00:00"))
                return "the all-zero MAC address";
        return NULL;
}

static const char *const net_types[] = { "empty", "veth", "phys", "macvlan", "none", "vlan" };

static const char *check_nettype(const char *v)
{
        for (size_t i = 0; i < COUNT(net_types); i++)
                if (!strcmp(v, net_types[i]))
                        return NULL;
        return "not a network type (empty, veth, phys, macvlan, none, vlan)";
}

/* "u|g|b CONTAINER-ID HOST-ID COUNT" */
static const char *check_idmap(const char *v)
{
        char kind;
        unsigned long a, b, c;
        int end = 0;
        if (sscanf(v, "%c %lu %lu %lu %n", &kind, &a, &b, &c, &end) != 4 || v[end] != '\0' ||
            !strchr("ugb", kind) || c == 0)
                return "not an id map (u|g CONTAINER-ID HOST-ID COUNT)";
        return NULL;
}

const char *lxc_value_check(enum lxc_check check, const char *v)
{
        int64_t i;
        /* An empty value clears a key, as in LXC. */
        if (*v == '\0')
                return NULL;
        switch (check) {
        case LXC_CHECK_STRING:
                return NULL;
        case LXC_CHECK_BOOL:
                return strcmp(v, "0") && strcmp(v, "1") ? "must be 0 or 1" : NULL;
        case LXC_CHECK_UINT:
                return check_uint(v, UINT_MAX);
        case LXC_CHECK_INT:
                return parse_int64(v, &i) < 0 || i < INT_MIN || i > INT_MAX ? "not a number" : NULL;
        case LXC_CHECK_SIGNAL:
                return signal_parse(v) < 0 ? "not a signal name or number" : NULL;
        case LXC_CHECK_UID:
                return check_uint(v, UINT32_MAX - 1) ? "not a numeric id" : NULL;
        case LXC_CHECK_PATH:
                for (const char *p = v; *p; p++)
                        if (iscntrl((unsigned char)*p))
                                return "control character in path";
                return NULL;
        case LXC_CHECK_IPV4:
                return check_cidr(v, AF_INET, false);
        case LXC_CHECK_IPV6:
                return check_cidr(v, AF_INET6, false);
        case LXC_CHECK_IPV4_GW:
                return check_cidr(v, AF_INET, true);
        case LXC_CHECK_IPV6_GW:
                return check_cidr(v, AF_INET6, true);
        case LXC_CHECK_MAC:
                return check_mac(v);
        case LXC_CHECK_NETTYPE:
                return check_nettype(v);
        case LXC_CHECK_NETFLAGS:
                return strcmp(v, "up") ? "the only flag is up" : NULL;
        case LXC_CHECK_MACVLAN_MODE:
                return strcmp(v, "private") && strcmp(v, "vepa") && strcmp(v, "bridge") &&
                                       strcmp(v, "passthru")
                               ? "not a macvlan mode (private, vepa, bridge, passthru)"
                               : NULL;
        case LXC_CHECK_PUBLISH:
                return netdb_publish_check(v, NULL);
        case LXC_CHECK_IDMAP:
                return check_idmap(v);
        }
        return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        if (la > 64 || lb > 64)
                return SIZE_MAX;
        size_t row[65];
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                size_t diag = row[0];
                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t up = row[j];
                        size_t best = diag + (a[i - 1] != b[j - 1]);
                        if (up + 1 < best)
                                best = up + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        row[j] = best;
                        diag = up;
                }
        }
        return row[lb];
}

static const char *last_component(const char *s)
{
        const char *dot = strrchr(s, '.');
        return dot ? dot + 1 : s;
}

/* Compare in the '#' form so lxc.net.12.lnk is one edit from
 * lxc.net.#.link, then put the caller's interface number back. */
const char *lxc_key_suggest(const char *key, char *buf, size_t len)
{
        char norm[128], digits[16] = "0";
        const char *net = "lxc.net.";
        size_t nl = strlen(net);
        if (strlen(key) >= sizeof(norm))
                return NULL;
        strcpy(norm, key);
        if (!strncmp(key, net, nl) && isdigit((unsigned char)key[nl])) {
                size_t d = strspn(key + nl, "0123456789");
                if (d >= sizeof(digits))
                        return NULL;
                memcpy(digits, key + nl, d);
                digits[d] = '\0';
                snprintf(norm, sizeof(norm), "%s#%s", net, key + nl + d);
        }
        const struct lxc_key *best = NULL;
        size_t best_dist = 3;
        for (size_t i = 0; i < COUNT(keys); i++) {
                if (keys[i].prefix)
                        continue;
                size_t d = edit_distance(norm, keys[i].name);
                if (d < best_dist) {
                        best_dist = d;
                        best = &keys[i];
                }
        }
        /* Same last component (lxc.network.0.link): a likely mix-up. */
        const char *tail = last_component(norm);
        for (size_t i = 0; !best && i < COUNT(keys); i++)
                if (!keys[i].prefix && strlen(tail) >= 3 &&
                    !strcmp(tail, last_component(keys[i].name)))
                        best = &keys[i];
        if (!best)
                return NULL;
        const char *name = best->new_name ? best->new_name : best->name;
        const char *hash = strchr(name, '#');
        if (hash)
                snprintf(buf, len, "%.*s%s%s", (int)(hash - name), name, digits, hash + 1);
        else
                snprintf(buf, len, "%s", name);
        return buf;
}
