/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth's bridges: their records under LXCPATH/.net and their kernel side
 * (device, addresses, forwarding, nftables tables). Leases and published
 * ports are in netdb-lease.c. */
#include "netdb.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "manager.h"
#include "net.h"
#include "netdb-internal.h"
#include "nft.h"
#include "util.h"

const char *netdb_bridge_name_check(const char *name)
{
        size_t n = strlen(name);
        if (n == 0)
                return "a bridge name cannot be empty";
        if (n >= IFNAMSIZ)
                return "a bridge name is at most 15 characters";
        if (!strcmp(name, ".") || !strcmp(name, ".."))
                return "a bridge name cannot be . or ..";
        for (const char *p = name; *p; p++)
                if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
                    !(*p >= '0' && *p <= '9') && !strchr("_.-", *p))
                        return "a bridge name has only letters, digits, '_', '.' and '-'";
        return NULL;
}

void netdb_addr_format(const struct netdb_addr *a, int family, char *buf, size_t len)
{
        if (!a->set)
                snprintf(buf, len, "-");
        else
                net_format_cidr(family, a->addr, a->prefix, buf, len);
}

int netdb_dir_open(const char *lxcpath, bool create, struct berth_error *err)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", lxcpath ? lxcpath : BERTH_LXCPATH, NETDB_DIR);
        if (create) {
                int r = mkdir_p(path, 0755);
                if (r < 0)
                        return berth_error_set(err, -r, "create %s", path);
        }
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ENOENT : berth_error_set(err, errno, "open %s", path);
        return fd;
}

/* "10.0.3.1/24" of one family, or JSON null. */
static int addr_from_json(json_t *v, int family, const char *what, struct netdb_addr *a,
                          struct berth_error *err)
{
        *a = (struct netdb_addr){ 0 };
        if (!v || json_is_null(v))
                return 0;
        int fam;
        if (!json_is_string(v) ||
            net_parse_cidr(json_string_value(v), &fam, a->addr, &a->prefix, err) < 0 ||
            fam != family)
                return berth_error_setx(err, EINVAL, "%s: not an %s address", what,
                                        family == AF_INET ? "IPv4" : "IPv6");
        a->set = true;
        return 0;
}

int netdb_record_load(const char *lxcpath, const char *name, struct netdb_bridge *out,
                      struct berth_error *err)
{
        *out = (struct netdb_bridge){ 0 };
        snprintf(out->name, sizeof(out->name), "%s", name);
        _cleanup_close_ int dfd = netdb_dir_open(lxcpath, false, err);
        if (dfd == -ENOENT)
                return -ENOENT;
        if (dfd < 0)
                return dfd;
        char file[IFNAMSIZ + 8];
        snprintf(file, sizeof(file), "%s.json", name);
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(dfd, file, &text, NULL);
        if (r == -ENOENT)
                return -ENOENT;
        if (r < 0)
                return berth_error_set(err, -r, "read the record of bridge %s", name);
        json_error_t jerr;
        json_t *doc = json_loads(text, 0, &jerr);
        if (!doc || !json_is_object(doc)) {
                json_decref(doc);
                return berth_error_setx(err, EINVAL,
                                        "the record of bridge %s (%s/%s) is not "
                                        "a JSON object",
                                        name, NETDB_DIR, file);
        }
        r = addr_from_json(json_object_get(doc, "ipv4"), AF_INET, "ipv4", &out->ipv4, err);
        if (r == 0)
                r = addr_from_json(json_object_get(doc, "ipv6"), AF_INET6, "ipv6", &out->ipv6, err);
        out->nat = json_is_true(json_object_get(doc, "nat"));
        json_decref(doc);
        if (r < 0)
                return berth_error_prefix(err, "the record of bridge %s", name);
        out->recorded = true;
        return 0;
}

static int record_write(int dfd, const struct netdb_bridge *b, struct berth_error *err)
{
        char v4[64], v6[64];
        netdb_addr_format(&b->ipv4, AF_INET, v4, sizeof(v4));
        netdb_addr_format(&b->ipv6, AF_INET6, v6, sizeof(v6));
        json_t *doc = json_pack("{s:s, s:o, s:o, s:b}", "name", b->name, "ipv4",
                                b->ipv4.set ? json_string(v4) : json_null(), "ipv6",
                                b->ipv6.set ? json_string(v6) : json_null(), "nat", b->nat);
        _cleanup_free_ char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
        json_decref(doc);
        if (!text)
                return berth_error_setx(err, ENOMEM, "record of bridge %s", b->name);
        char file[IFNAMSIZ + 8];
        snprintf(file, sizeof(file), "%s.json", b->name);
        _cleanup_free_ char *line = NULL;
        int len = asprintf(&line, "%s\n", text);
        int r = len < 0 ? -ENOMEM : write_file_atomic(dfd, file, line, (size_t)len);
        if (r < 0)
                return berth_error_set(err, -r, "write the record of bridge %s", b->name);
        return 0;
}

/* IFF_UP of a device in the calling thread's namespace (net.h reads no
 * flags yet). */
static bool link_is_up(const char *name)
{
        _cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = { 0 };
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
        return s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
}

/* exists, is_bridge, up from the kernel. */
static int kernel_view(struct net_nl *nl, struct netdb_bridge *b, struct berth_error *err)
{
        int r = net_link_exists(nl, b->name, err);
        if (r < 0)
                return r;
        b->exists = r > 0;
        b->is_bridge = b->up = false;
        if (!b->exists)
                return 0;
        char kind[32];
        r = net_link_kind(nl, b->name, kind, sizeof(kind), err);
        if (r == -ENODEV) { /* went away meanwhile */
                b->exists = false;
                return 0;
        }
        if (r < 0)
                return r;
        b->is_bridge = !strcmp(kind, "bridge");
        b->up = link_is_up(b->name);
        return 0;
}

int netdb_bridge_load(const char *lxcpath, const char *name, struct netdb_bridge *out,
                      struct berth_error *err)
{
        const char *why = netdb_bridge_name_check(name);
        if (why)
                return berth_error_setx(err, EINVAL, "bridge \"%s\": %s", name, why);
        int r = netdb_record_load(lxcpath, name, out, err);
        if (r < 0 && r != -ENOENT)
                return r;
        struct net_nl *nl = NULL;
        r = net_nl_open(-1, &nl, err);
        if (r == 0)
                r = kernel_view(nl, out, err);
        net_nl_close(nl);
        if (r < 0)
                return r;
        if (!out->recorded && !out->exists)
                return berth_error_setx(err, ENOENT,
                                        "bridge %s does not exist; create it with `berth net "
                                        "create %s --ipv4 10.0.3.1/24`",
                                        name, name);
        return 0;
}

/* The kernel side of b: device, addresses, up, forwarding, nft tables.
 * Undone on failure. */
static int kernel_make(struct net_nl *nl, const struct netdb_bridge *b, struct berth_error *err)
{
        int r = net_bridge_create(nl, b->name, err);
        if (r < 0)
                return r;
        if (b->ipv4.set)
                r = net_addr_add(nl, b->name, AF_INET, b->ipv4.addr, b->ipv4.prefix, err);
        if (r == 0 && b->ipv6.set)
                r = net_addr_add(nl, b->name, AF_INET6, b->ipv6.addr, b->ipv6.prefix, err);
        if (r == 0)
                r = net_set_up(nl, b->name, err);
        /* Only this bridge forwards; the host's other interfaces keep what
         * they have (see docs/networking.md for the uplink). */
        if (r == 0 && b->ipv4.set)
                r = net_sysctl_forwarding(b->name, AF_INET, true, err);
        if (r == 0 && b->ipv6.set)
                r = net_sysctl_forwarding(b->name, AF_INET6, true, err);
        if (r == 0 && b->nat)
                r = nftr_bridge_setup(b, err);
        if (r == 0 && !b->nat) {
                /* a table left by an earlier NAT bridge of this name; best
                 * effort, so a host without nf_tables can still have a
                 * plain bridge */
                struct berth_error ignored = { 0 };
                (void)nftr_bridge_teardown(b->name, &ignored);
        }
        if (r < 0) {
                struct berth_error ignored = { 0 };
                (void)nftr_bridge_teardown(b->name, &ignored);
                (void)net_link_delete(nl, b->name, true, &ignored);
        }
        return r;
}

/* What create refuses: a name, an address that is not a host's in a
 * subnet with room, NAT without an address. */
static int check_new(const struct netdb_bridge *b, struct berth_error *err)
{
        const char *why = netdb_bridge_name_check(b->name);
        if (why)
                return berth_error_setx(err, EINVAL, "bridge \"%s\": %s", b->name, why);
        for (int i = 0; i < 2; i++) {
                const struct netdb_addr *a = i ? &b->ipv6 : &b->ipv4;
                int family = i ? AF_INET6 : AF_INET;
                unsigned bits = i ? 128 : 32;
                if (!a->set)
                        continue;
                char s[64];
                netdb_addr_format(a, family, s, sizeof(s));
                if (a->prefix + 2 > bits)
                        return berth_error_setx(err, EINVAL,
                                                "--%s %s: the subnet has no room for containers "
                                                "(at most /%u)",
                                                i ? "ipv6" : "ipv4", s, bits - 2);
                /* host part all zeros (the network) or, IPv4, all ones */
                bool zeros = true, ones = true;
                for (unsigned bit = a->prefix; bit < bits; bit++) {
                        bool set = a->addr[bit / 8] & (0x80 >> (bit % 8));
                        zeros &= !set;
                        ones &= set;
                }
                if (zeros || (ones && !i))
                        return berth_error_setx(err, EINVAL,
                                                "--%s %s: that is the %s address; give the "
                                                "bridge's own address in the subnet, e.g. %s",
                                                i ? "ipv6" : "ipv4", s,
                                                zeros ? "network" : "broadcast",
                                                i ? "fd00:3::1/64" : "10.0.3.1/24");
        }
        if (b->nat && !b->ipv4.set && !b->ipv6.set)
                return berth_error_setx(err, EINVAL, "--nat needs a subnet (--ipv4 or --ipv6)");
        return 0;
}

int netdb_bridge_create(const char *lxcpath, const struct netdb_bridge *b, struct berth_error *err)
{
        int r = check_new(b, err);
        if (r < 0)
                return r;
        struct netdb_bridge old;
        r = netdb_record_load(lxcpath, b->name, &old, err);
        if (r < 0 && r != -ENOENT)
                return r;
        struct net_nl *nl = NULL;
        r = net_nl_open(-1, &nl, err);
        if (r < 0)
                return r;
        r = net_link_exists(nl, b->name, err);
        if (r > 0) {
                r = old.recorded
                            ? berth_error_setx(err, EEXIST, "bridge %s already exists", b->name)
                            : berth_error_setx(err, EEXIST, "a device named %s already exists",
                                               b->name);
        }
        /* A record whose device is gone (a reboot) is replaced: the
         * leases stay, and those outside a new subnet are not reused. */
        _cleanup_close_ int dfd = r < 0 ? -EBADF : netdb_dir_open(lxcpath, true, err);
        if (r == 0 && dfd < 0)
                r = dfd;
        if (r == 0)
                r = kernel_make(nl, b, err);
        if (r == 0) {
                r = record_write(dfd, b, err);
                if (r < 0) {
                        struct berth_error ignored = { 0 };
                        (void)nftr_bridge_teardown(b->name, &ignored);
                        (void)net_link_delete(nl, b->name, true, &ignored);
                }
        }
        net_nl_close(nl);
        return r;
}

int netdb_bridge_up(const char *lxcpath, const char *name, struct berth_error *err)
{
        struct netdb_bridge b;
        int r = netdb_bridge_load(lxcpath, name, &b, err);
        if (r < 0 || b.exists || !b.recorded)
                return r;
        struct net_nl *nl = NULL;
        r = net_nl_open(-1, &nl, err);
        if (r == 0)
                r = kernel_make(nl, &b, err);
        net_nl_close(nl);
        return r < 0 ? berth_error_prefix(err, "bring back bridge %s", name) : 0;
}

int netdb_bridge_delete(const char *lxcpath, const char *name, struct berth_error *err)
{
        struct netdb_bridge b;
        int r = netdb_bridge_load(lxcpath, name, &b, err);
        if (r == -ENOENT)
                return berth_error_setx(err, ENOENT, "bridge %s does not exist (berth net ls)",
                                        name);
        if (r < 0)
                return r;
        if (!b.recorded)
                return berth_error_setx(err, EPERM,
                                        "%s is not a berth bridge (no record in %s/%s); not "
                                        "deleting it",
                                        name, lxcpath ? lxcpath : BERTH_LXCPATH, NETDB_DIR);
        /* a plain bridge's tables can only be leftovers: best effort, so
         * a host without nf_tables can delete it */
        struct berth_error tables = { 0 };
        r = nftr_bridge_teardown(name, &tables);
        if (r < 0 && b.nat) {
                *err = tables;
                return r;
        }
        if (b.exists && b.is_bridge) {
                struct net_nl *nl = NULL;
                r = net_nl_open(-1, &nl, err);
                if (r == 0)
                        r = net_link_delete(nl, name, true, err);
                net_nl_close(nl);
                if (r < 0)
                        return r;
        }
        _cleanup_close_ int dfd = netdb_dir_open(lxcpath, false, err);
        if (dfd < 0)
                return dfd == -ENOENT ? 0 : dfd;
        char file[IFNAMSIZ + 8];
        snprintf(file, sizeof(file), "%s.leases", name);
        if (unlinkat(dfd, file, 0) < 0 && errno != ENOENT)
                return berth_error_set(err, errno, "remove the leases of bridge %s", name);
        snprintf(file, sizeof(file), "%s.json", name);
        if (unlinkat(dfd, file, 0) < 0 && errno != ENOENT)
                return berth_error_set(err, errno, "remove the record of bridge %s", name);
        return 0;
}

static int by_name(const void *a, const void *b)
{
        return strcmp(((const struct netdb_bridge *)a)->name,
                      ((const struct netdb_bridge *)b)->name);
}

int netdb_bridge_list(const char *lxcpath, struct netdb_bridge **out, size_t *n,
                      struct berth_error *err)
{
        *out = NULL;
        *n = 0;
        int dfd = netdb_dir_open(lxcpath, false, err);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return berth_error_set(err, errno, "list %s", NETDB_DIR);
        }
        struct netdb_bridge *v = NULL;
        size_t len = 0;
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (l <= 5 || strcmp(de->d_name + l - 5, ".json") || l - 5 >= IFNAMSIZ)
                        continue;
                char name[IFNAMSIZ];
                snprintf(name, sizeof(name), "%.*s", (int)(l - 5), de->d_name);
                if (netdb_bridge_name_check(name))
                        continue;
                struct netdb_bridge *nv = realloc(v, (len + 1) * sizeof(*v));
                if (!nv) {
                        r = berth_error_setx(err, ENOMEM, "list bridges");
                        break;
                }
                v = nv;
                r = netdb_record_load(lxcpath, name, &v[len], err);
                if (r == -ENOENT) /* removed meanwhile */
                        r = 0;
                else if (r == 0)
                        len++;
        }
        closedir(d);
        struct net_nl *nl = NULL;
        if (r == 0 && len)
                r = net_nl_open(-1, &nl, err);
        for (size_t i = 0; r == 0 && i < len; i++)
                r = kernel_view(nl, &v[i], err);
        net_nl_close(nl);
        if (r < 0) {
                free(v);
                return r;
        }
        if (len)
                qsort(v, len, sizeof(*v), by_name);
        *out = v;
        *n = len;
        return 0;
}
