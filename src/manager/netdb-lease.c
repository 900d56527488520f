/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Address leases on berth's bridges and the ports published through their
 * NAT tables.
 *
 * LXCPATH/.net/BRIDGE.leases holds "CONTAINER IPV4 IPV6" lines ('-' for
 * none). Every reader-writer holds flock(LOCK_EX) on the file itself
 * while it reads and rewrites it in place, so two containers starting at
 * once never get the same address. The new text is written over the old
 * before the file is cut to its length, so a crash half-way leaves the
 * old lines (and at worst a tail to ignore), never an empty file. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "net.h"
#include "netdb-internal.h"
#include "nft.h"
#include "util.h"

struct lease {
        char name[256];
        char v4[64];
        char v6[64];
};

struct leases {
        struct lease *v;
        size_t n;
};

/* Lines of text into l; a line that is not three fields is dropped (the
 * tail a crash may leave). */
static int leases_parse(const char *text, struct leases *l)
{
        l->v = NULL;
        l->n = 0;
        for (const char *p = text; *p;) {
                size_t len = strcspn(p, "\n");
                char line[600];
                snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : 0), p);
                p += len + (p[len] == '\n');
                struct lease e;
                char name[256], v4[64], v6[64], extra[2];
                if (sscanf(line, "%255s %63s %63s %1s", name, v4, v6, extra) != 3)
                        continue;
                snprintf(e.name, sizeof(e.name), "%s", name);
                snprintf(e.v4, sizeof(e.v4), "%s", v4);
                snprintf(e.v6, sizeof(e.v6), "%s", v6);
                struct lease *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
                if (!nv) {
                        free(l->v);
                        l->v = NULL;
                        return -ENOMEM;
                }
                l->v = nv;
                l->v[l->n++] = e;
        }
        return 0;
}

/* Open and lock the bridge's lease file (made when missing). */
static int leases_lock(const char *lxcpath, const char *bridge, struct berth_error *err)
{
        _cleanup_close_ int dfd = netdb_dir_open(lxcpath, true, err);
        if (dfd < 0)
                return dfd;
        char file[IFNAMSIZ + 8];
        snprintf(file, sizeof(file), "%s.leases", bridge);
        _cleanup_close_ int fd = openat(dfd, file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return berth_error_set(err, errno, "open the leases of bridge %s", bridge);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return berth_error_set(err, errno, "lock the leases of bridge %s", bridge);
        return TAKE_FD(fd);
}

static int leases_read(int fd, const char *bridge, struct leases *l, struct berth_error *err)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_error_set(err, errno, "leases of bridge %s", bridge);
        if (st.st_size > 16 << 20)
                return berth_error_setx(err, EFBIG, "leases of bridge %s: too big", bridge);
        _cleanup_free_ char *text = malloc((size_t)st.st_size + 1);
        if (!text)
                return berth_error_setx(err, ENOMEM, "leases of bridge %s", bridge);
        size_t got = 0;
        while (got < (size_t)st.st_size) {
                ssize_t n = pread(fd, text + got, (size_t)st.st_size - got, (off_t)got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_error_set(err, errno, "read the leases of bridge %s", bridge);
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        text[got] = '\0';
        if (leases_parse(text, l) < 0)
                return berth_error_setx(err, ENOMEM, "leases of bridge %s", bridge);
        return 0;
}

static int leases_write(int fd, const char *bridge, const struct leases *l, struct berth_error *err)
{
        size_t cap = 1, len = 0;
        for (size_t i = 0; i < l->n; i++)
                cap += sizeof(l->v[i]) + 4;
        _cleanup_free_ char *text = malloc(cap);
        if (!text)
                return berth_error_setx(err, ENOMEM, "leases of bridge %s", bridge);
        text[0] = '\0';
        for (size_t i = 0; i < l->n; i++)
                len += (size_t)snprintf(text + len, cap - len, "%s %s %s\n", l->v[i].name,
                                        l->v[i].v4, l->v[i].v6);
        for (size_t off = 0; off < len;) {
                ssize_t n = pwrite(fd, text + off, len - off, (off_t)off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_error_set(err, errno, "write the leases of bridge %s", bridge);
                off += (size_t)n;
        }
        if (ftruncate(fd, (off_t)len) < 0)
                return berth_error_set(err, errno, "write the leases of bridge %s", bridge);
        return 0;
}

/* Is a (bare text) an address of a's subnet that a container may have:
 * not the network, not (IPv4) the broadcast, not the bridge's own? */
static bool usable(int family, const char *text, const struct netdb_addr *br, unsigned char out[16])
{
        unsigned bits = family == AF_INET ? 32 : 128;
        memset(out, 0, 16);
        if (inet_pton(family, text, out) != 1)
                return false;
        if (!memcmp(out, br->addr, bits / 8))
                return false;
        bool zeros = true, ones = true;
        for (unsigned bit = 0; bit < bits; bit++) {
                bool a = out[bit / 8] & (0x80 >> (bit % 8));
                if (bit < br->prefix) {
                        if (a != !!(br->addr[bit / 8] & (0x80 >> (bit % 8))))
                                return false;
                        continue;
                }
                zeros &= !a;
                ones &= a;
        }
        return !zeros && !(ones && family == AF_INET);
}

static bool container_name_ok(const char *c)
{
        if (!*c || strlen(c) > 255 || !strcmp(c, "-"))
                return false;
        for (; *c; c++)
                if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c))
                        return false;
        return true;
}

int netdb_lease(const char *lxcpath, const char *bridge, const char *container, int family,
                unsigned char out[16], unsigned *prefix, struct berth_error *err)
{
        if (family != AF_INET && family != AF_INET6)
                return berth_error_setx(err, EAFNOSUPPORT, "lease: family %d", family);
        if (!container_name_ok(container))
                return berth_error_setx(err, EINVAL, "lease: bad container name \"%s\"", container);
        const char *fam = family == AF_INET ? "ipv4" : "ipv6";
        struct netdb_bridge b;
        int r = netdb_record_load(lxcpath, bridge, &b, err);
        if (r == -ENOENT)
                return berth_error_setx(err, ENOENT,
                                        "bridge %s is not a berth bridge, so it has no addresses "
                                        "to give (set lxc.net.N.%s.address, or use `berth net "
                                        "create`)",
                                        bridge, fam);
        if (r < 0)
                return r;
        const struct netdb_addr *br = family == AF_INET ? &b.ipv4 : &b.ipv6;
        if (!br->set)
                return berth_error_setx(err, ENOENT,
                                        "bridge %s has no %s subnet (it was made without --%s)",
                                        bridge, family == AF_INET ? "IPv4" : "IPv6", fam);
        _cleanup_close_ int fd = leases_lock(lxcpath, bridge, err);
        if (fd < 0)
                return fd;
        struct leases l;
        r = leases_read(fd, bridge, &l, err);
        if (r < 0)
                return r;
        struct lease *mine = NULL;
        size_t n_used = 0;
        unsigned char(*used)[16] = calloc(l.n + 1, sizeof(*used));
        if (!used) {
                free(l.v);
                return berth_error_setx(err, ENOMEM, "lease");
        }
        memcpy(used[n_used++], br->addr, 16);
        for (size_t i = 0; i < l.n; i++) {
                const char *a = family == AF_INET ? l.v[i].v4 : l.v[i].v6;
                if (!strcmp(l.v[i].name, container))
                        mine = &l.v[i];
                else if (inet_pton(family, a, used[n_used]) == 1)
                        n_used++;
        }
        unsigned char addr[16];
        bool have = false;
        if (mine) {
                const char *a = family == AF_INET ? mine->v4 : mine->v6;
                have = usable(family, a, br, addr);
                for (size_t i = 1; have && i < n_used; i++)
                        if (!memcmp(used[i], addr, 16))
                                have = false; /* someone else's too: a hand edit */
        }
        if (!have) {
                unsigned char net[16] = { 0 };
                for (unsigned bit = 0; bit < br->prefix; bit++)
                        net[bit / 8] |= br->addr[bit / 8] & (0x80 >> (bit % 8));
                memset(addr, 0, sizeof(addr));
                r = net_next_free(family, net, br->prefix, (const unsigned char(*)[16])used, n_used,
                                  addr, err);
                if (r == 0) {
                        if (!mine) {
                                struct lease *nv = realloc(l.v, (l.n + 1) * sizeof(*nv));
                                if (!nv)
                                        r = berth_error_setx(err, ENOMEM, "lease");
                                else {
                                        l.v = nv;
                                        mine = &l.v[l.n++];
                                        snprintf(mine->name, sizeof(mine->name), "%s", container);
                                        strcpy(mine->v4, "-");
                                        strcpy(mine->v6, "-");
                                }
                        }
                        if (r == 0) {
                                char *dst = family == AF_INET ? mine->v4 : mine->v6;
                                inet_ntop(family, addr, dst, INET6_ADDRSTRLEN);
                                r = leases_write(fd, bridge, &l, err);
                        }
                } else {
                        berth_error_prefix(err, "bridge %s", bridge);
                }
        }
        free(used);
        free(l.v);
        if (r < 0)
                return r;
        memcpy(out, addr, family == AF_INET ? 4 : 16);
        *prefix = br->prefix;
        return 0;
}

int netdb_release(const char *lxcpath, const char *bridge, const char *container,
                  struct berth_error *err)
{
        if (netdb_bridge_name_check(bridge))
                return 0; /* no such file can exist */
        _cleanup_close_ int dfd = netdb_dir_open(lxcpath, false, err);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        char file[IFNAMSIZ + 8];
        snprintf(file, sizeof(file), "%s.leases", bridge);
        if (faccessat(dfd, file, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        _cleanup_close_ int fd = leases_lock(lxcpath, bridge, err);
        if (fd < 0)
                return fd;
        struct leases l;
        int r = leases_read(fd, bridge, &l, err);
        if (r < 0)
                return r;
        size_t k = 0;
        for (size_t i = 0; i < l.n; i++)
                if (strcmp(l.v[i].name, container))
                        l.v[k++] = l.v[i];
        if (k != l.n) {
                l.n = k;
                r = leases_write(fd, bridge, &l, err);
        }
        free(l.v);
        return r;
}

/* ---- published ports */

/* 1-65535, decimal digits only. */
static bool port_parse(const char *s, size_t len, uint16_t *out)
{
        if (len == 0 || len > 5)
                return false;
        unsigned v = 0;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v < 1 || v > 65535)
                return false;
        *out = (uint16_t)v;
        return true;
}

const char *netdb_publish_check(const char *spec, struct netdb_port *out)
{
        struct netdb_port p = { .proto = IPPROTO_TCP };
        const char *colon = strchr(spec, ':');
        if (!colon)
                return "not HOSTPORT:CONTAINERPORT[/tcp|/udp]";
        if (!port_parse(spec, (size_t)(colon - spec), &p.host))
                return "the host port is not a number from 1 to 65535";
        const char *cport = colon + 1;
        const char *slash = strchr(cport, '/');
        size_t clen = slash ? (size_t)(slash - cport) : strlen(cport);
        if (!port_parse(cport, clen, &p.container))
                return "the container port is not a number from 1 to 65535";
        if (slash) {
                if (!strcmp(slash + 1, "udp"))
                        p.proto = IPPROTO_UDP;
                else if (strcmp(slash + 1, "tcp"))
                        return "the protocol is tcp or udp";
        }
        if (out)
                *out = p;
        return NULL;
}

/* The spec parsed and the record checked for publishing on it. */
static int publish_prepare(const char *lxcpath, const char *bridge, const char *spec,
                           struct netdb_port *p, struct berth_error *err)
{
        const char *why = netdb_publish_check(spec, p);
        if (why)
                return berth_error_setx(err, EINVAL, "publish %s: %s", spec, why);
        struct netdb_bridge b;
        int r = netdb_record_load(lxcpath, bridge, &b, err);
        if (r == -ENOENT)
                return berth_error_setx(err, ENOENT,
                                        "publish %s: %s is not a berth bridge (make one with "
                                        "`berth net create %s --ipv4 10.0.3.1/24 --nat`)",
                                        spec, bridge, bridge);
        if (r < 0)
                return r;
        if (!b.nat || !b.ipv4.set)
                return berth_error_setx(err, EINVAL,
                                        "publish %s: bridge %s has no IPv4 NAT (it was made "
                                        "without --ipv4 and --nat)",
                                        spec, bridge);
        return 0;
}

int netdb_publish(const char *lxcpath, const char *bridge, const char *container, const char *spec,
                  const unsigned char caddr[4], struct berth_error *err)
{
        struct netdb_port p;
        int r = publish_prepare(lxcpath, bridge, spec, &p, err);
        if (r < 0)
                return r;
        r = nftr_publish_add(bridge, p.proto, p.host, caddr, p.container, err);
        return r < 0 ? berth_error_prefix(err, "publish %s for %s", spec, container) : 0;
}

int netdb_unpublish(const char *lxcpath, const char *bridge, const char *container,
                    const char *spec, const unsigned char caddr[4], struct berth_error *err)
{
        struct netdb_port p;
        const char *why = netdb_publish_check(spec, &p);
        if (why)
                return berth_error_setx(err, EINVAL, "publish %s: %s", spec, why);
        (void)lxcpath; /* the table is named after the bridge alone */
        int r = nftr_publish_del(bridge, p.proto, p.host, caddr, p.container, err);
        return r < 0 ? berth_error_prefix(err, "unpublish %s of %s", spec, container) : 0;
}
