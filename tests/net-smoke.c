/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The netlink layer (src/lib/net*.c) against the real kernel, never on
 * the host's network: a forked child unshares a fresh network namespace A
 * (and checks that it did before anything else), makes a second one B as
 * an nsfs fd, and does all its work there. A bridge with 10.77.0.1/24 and
 * fd77::1/64 in A, a veth whose peer is born in B as eth0 (A has its own
 * eth0), addresses and default routes in B, a ping from B to the bridge,
 * a device moved into B and back, macvlan (in B, and made in A straight
 * into B), renames, name clashes, deletes, the forwarding sysctl. `ip`
 * and `ping` only cross-check from inside the namespaces. Both namespaces
 * die with the child (nothing outside them holds a reference), so there
 * is nothing to clean up on the host. Needs root (exit 77 without). Last
 * line: `N passed, N failed`. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smoke.h"

#include "net.h"
#include "util.h"



static bool starts(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- namespaces, and commands run inside them */

static ino_t netns_ino(void)
{
        struct stat st;
        return stat("/proc/thread-self/ns/net", &st) == 0 ? st.st_ino : 0;
}

/* A second namespace, held by an fd only: unshare, open, step back. */
static int new_netns(void)
{
        int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0 || unshare(CLONE_NEWNET) < 0)
                return -1;
        int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (setns(self, CLONE_NEWNET) < 0) {
                /* we are stuck in the new one: never go on from there */
                printf("FAIL - cannot return to namespace A\n");
                _exit(1);
        }
        close(self);
        return fd;
}

/* Run argv in the namespace nsfd (-1: ours), its output in out; the exit
 * status, or -1. */
static int run_in(int nsfd, const char *const argv[], char *out, size_t len)
{
        int p[2];
        out[0] = '\0';
        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
                        _exit(126);
                dup2(p[1], 1);
                dup2(p[1], 2);
                execv(argv[0], (char *const *)argv);
                _exit(127);
        }
        close(p[1]);
        size_t used = 0;
        ssize_t n;
        while ((n = read(p[0], out + used, len - 1 - used)) > 0)
                used += (size_t)n;
        out[used] = '\0';
        close(p[0]);
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *ip_bin(void)
{
        return access("/usr/sbin/ip", X_OK) == 0 ? "/usr/sbin/ip" : "/sbin/ip";
}

/* `ip <args>` in nsfd; its output (static buffer) */
static const char *ip(int nsfd, const char *a1, const char *a2, const char *a3, const char *a4,
                      const char *a5)
{
        static char out[16384];
        const char *argv[] = { ip_bin(), a1, a2, a3, a4, a5, NULL };
        if (run_in(nsfd, argv, out, sizeof(out)) != 0 && out[0] == '\0')
                snprintf(out, sizeof(out), "(ip failed)");
        for (size_t n = strlen(out); n > 0 && out[n - 1] == '\n'; n--)
                out[n - 1] = '\0';
        return out;
}

/* The flag list of `ip -o link show dev X` has "UP" as one of its words. */
static bool link_is_up(int nsfd, const char *name)
{
        const char *o = ip(nsfd, "-o", "link", "show", "dev", name);
        const char *lt = strchr(o, '<'), *gt = lt ? strchr(lt, '>') : NULL;
        if (gt == NULL)
                return false;
        char flags[256];
        snprintf(flags, sizeof(flags), ",%.*s,", (int)(gt - lt - 1), lt + 1);
        return strstr(flags, ",UP,") != NULL;
}

static bool has_addr(const struct net_addr *v, size_t n, const char *cidr)
{
        struct berth_error e = { 0 };
        unsigned char a[16];
        int fam;
        unsigned prefix;
        if (net_parse_cidr(cidr, &fam, a, &prefix, &e) < 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (v[i].family == fam && v[i].prefix == prefix &&
                    memcmp(v[i].addr, a, fam == AF_INET ? 4 : 16) == 0)
                        return true;
        return false;
}

static int add_cidr(struct net_nl *nl, const char *ifname, const char *cidr, struct berth_error *e)
{
        unsigned char a[16];
        int fam;
        unsigned prefix;
        int r = net_parse_cidr(cidr, &fam, a, &prefix, e);
        return r < 0 ? r : net_addr_add(nl, ifname, fam, a, prefix, e);
}

static int read_sysctl(const char *path)
{
        char *s = NULL;
        size_t len;
        if (read_file_at(AT_FDCWD, path, &s, &len) < 0)
                return -1;
        int v = atoi(s);
        free(s);
        return v;
}

/* ---- the scenarios, in namespace A */

struct world {
        struct net_nl *a, *b;
        int nsa, nsb;
};

static void lookups_and_bridge(struct world *w)
{
        struct berth_error e = { 0 };
        char kind[32] = "?";
        int r = net_link_kind(w->a, "lo", kind, sizeof(kind), &e);
        check(r == 0 && kind[0] == '\0', "lo has no link kind (%d \"%s\" %s)", r, kind, e.msg);
        check(net_set_up(w->a, "lo", &e) == 0 && link_is_up(-1, "lo"), "bring lo up (%s)", e.msg);
        r = net_link_index(w->a, "nope0", &e);
        check(r == -ENODEV && strcmp(e.msg, "find interface nope0: No such device") == 0,
              "missing interface: %d \"%s\"", r, e.msg);
        check(net_link_exists(w->a, "nope0", &e) == 0 && net_link_exists(w->a, "lo", &e) == 1,
              "net_link_exists");
        r = net_link_index(w->a, "a/b", &e);
        check(r == -EINVAL, "invalid name refused before the kernel: \"%s\"", e.msg);

        memset(&e, 0, sizeof(e));
        r = net_bridge_create(w->a, "br-smoke", &e);
        check(r == 0, "create bridge br-smoke (%s)", e.msg);
        r = net_link_kind(w->a, "br-smoke", kind, sizeof(kind), &e);
        check(r == 0 && strcmp(kind, "bridge") == 0, "br-smoke is a bridge (%s)", kind);
        r = net_bridge_create(w->a, "br-smoke", &e);
        check(r == -EEXIST && starts(e.msg, "create bridge br-smoke: File exists"),
              "bridge twice: \"%s\"", e.msg);
        memset(&e, 0, sizeof(e));
        check(net_set_up(w->a, "br-smoke", &e) == 0, "bring br-smoke up (%s)", e.msg);

        check(add_cidr(w->a, "br-smoke", "10.77.0.1/24", &e) == 0, "add 10.77.0.1/24 (%s)", e.msg);
        check(add_cidr(w->a, "br-smoke", "fd77::1/64", &e) == 0, "add fd77::1/64 (%s)", e.msg);
        r = add_cidr(w->a, "br-smoke", "10.77.0.1/24", &e);
        check(r == -EEXIST && starts(e.msg, "add address 10.77.0.1/24 to br-smoke: File exists"),
              "address twice: \"%s\"", e.msg);
        r = add_cidr(w->a, "nope0", "10.77.9.1/24", &e);
        check(r == -ENODEV && starts(e.msg, "add address 10.77.9.1/24 to nope0: find interface "
                                            "nope0: No such device"),
              "address on a missing interface: \"%s\"", e.msg);

        struct net_addr *v = NULL;
        size_t n = 0;
        memset(&e, 0, sizeof(e));
        r = net_addr_list(w->a, "br-smoke", AF_INET, &v, &n, &e);
        check(r == 0 && n == 1 && has_addr(v, n, "10.77.0.1/24") && v[0].scope == RT_SCOPE_UNIVERSE,
              "list v4 of br-smoke: %zu (%s)", n, e.msg);
        free(v);
        r = net_addr_list(w->a, "br-smoke", AF_UNSPEC, &v, &n, &e);
        check(r == 0 && has_addr(v, n, "10.77.0.1/24") && has_addr(v, n, "fd77::1/64"),
              "list all of br-smoke: %zu", n);
        free(v);
        r = net_addr_list(w->a, NULL, AF_INET, &v, &n, &e);
        check(r == 0 && has_addr(v, n, "127.0.0.1/8") && has_addr(v, n, "10.77.0.1/24"),
              "list v4 of every interface: %zu", n);
        free(v);
        const char *o = ip(-1, "-o", "addr", "show", "dev", "br-smoke");
        check(strstr(o, "inet 10.77.0.1/24 brd 10.77.0.255") && strstr(o, "inet6 fd77::1/64"),
              "ip sees the bridge's addresses and broadcast");
}

static void veth_into_b(struct world *w)
{
        struct berth_error e = { 0 };
        char kind[32] = "";
        /* A has an eth0 of its own: the peer must not meet it */
        check(net_bridge_create(w->a, "eth0", &e) == 0, "a bridge named eth0 in A (%s)", e.msg);
        int r = net_veth_create(w->a, "vsmoke0", "eth0", w->nsb, &e);
        check(r == 0, "veth vsmoke0 with peer eth0 born in B (%s)", e.msg);
        check(net_link_kind(w->b, "eth0", kind, sizeof(kind), &e) == 0 && strcmp(kind, "veth") == 0,
              "B's eth0 is the veth peer (%s)", kind);
        check(net_link_kind(w->a, "eth0", kind, sizeof(kind), &e) == 0 &&
                      strcmp(kind, "bridge") == 0,
              "A's eth0 is still its bridge (%s)", kind);
        check(net_link_exists(w->b, "vsmoke0", &e) == 0, "vsmoke0 is not in B");
        r = net_veth_create(w->a, "vsmoke0", "eth9", -1, &e);
        check(r == -EEXIST && starts(e.msg, "create veth pair vsmoke0 (peer eth9): File exists"),
              "veth name taken: \"%s\"", e.msg);

        unsigned char mac[6] = { 0x02, 0x77, 0, 0, 0, 0x01 };
        struct net_link_conf c = NET_LINK_CONF_INIT;
        c.mac = mac;
        c.mtu = 1400;
        c.up = true;
        c.master = net_link_index(w->a, "br-smoke", &e);
        memset(&e, 0, sizeof(e));
        r = net_link_set(w->a, "vsmoke0", &c, &e);
        check(r == 0, "vsmoke0: MAC, mtu, master, up (%s)", e.msg);
        const char *o = ip(-1, "-o", "link", "show", "dev", "vsmoke0");
        check(strstr(o, "mtu 1400") && strstr(o, "master br-smoke") &&
                      strstr(o, "02:77:00:00:00:01") && link_is_up(-1, "vsmoke0"),
              "ip sees vsmoke0 configured: %.160s", o);

        /* B's side, through B's socket */
        unsigned char bmac[6];
        char bmac_s[18];
        check(net_parse_mac("00:16:3e:xx:xx:xx", bmac, &e) == 0, "random MAC for eth0");
        net_format_mac(bmac, bmac_s);
        struct net_link_conf cb = NET_LINK_CONF_INIT;
        cb.mac = bmac;
        cb.mtu = 1400;
        cb.up = true;
        r = net_link_set(w->b, "eth0", &cb, &e);
        check(r == 0 && net_set_up(w->b, "lo", &e) == 0, "B: eth0 and lo up (%s)", e.msg);
        check(add_cidr(w->b, "eth0", "10.77.0.2/24", &e) == 0, "B: add 10.77.0.2/24 (%s)", e.msg);
        check(add_cidr(w->b, "eth0", "fd77::2/64", &e) == 0, "B: add fd77::2/64 (%s)", e.msg);
        unsigned char gw[16] = { 0 }, gw6[16] = { 0 };
        inet_pton(AF_INET, "10.77.0.1", gw);
        inet_pton(AF_INET6, "fd77::1", gw6);
        r = net_route_add_default(w->b, AF_INET, gw, "eth0", &e);
        check(r == 0, "B: default route via 10.77.0.1 (%s)", e.msg);
        r = net_route_add_default(w->b, AF_INET6, gw6, "eth0", &e);
        check(r == 0, "B: default route via fd77::1 (%s)", e.msg);
        r = net_route_add_default(w->b, AF_INET, gw, "eth0", &e);
        check(r == -EEXIST &&
                      starts(e.msg, "add default route via 10.77.0.1 dev eth0: File exists"),
              "default route twice: \"%s\"", e.msg);
        r = net_route_add_default(w->b, AF_INET, NULL, NULL, &e);
        check(r == -EINVAL, "route without gateway nor device: \"%s\"", e.msg);

        struct net_addr *v = NULL;
        size_t n = 0;
        memset(&e, 0, sizeof(e));
        r = net_addr_list(w->b, "eth0", AF_INET, &v, &n, &e);
        check(r == 0 && n == 1 && has_addr(v, n, "10.77.0.2/24"), "B: list v4 of eth0 (%s)", e.msg);
        free(v);
        o = ip(w->nsb, "-o", "addr", "show", "dev", "eth0");
        check(strstr(o, "inet 10.77.0.2/24") && strstr(o, "inet6 fd77::2/64"),
              "ip in B sees eth0's addresses");
        o = ip(w->nsb, "-o", "link", "show", "dev", "eth0");
        check(strstr(o, bmac_s) && strstr(o, "mtu 1400") && link_is_up(w->nsb, "eth0"),
              "ip in B sees eth0's MAC %s, mtu, up", bmac_s);
        o = ip(w->nsb, "route", "show", "default", NULL, NULL);
        check(strstr(o, "default via 10.77.0.1 dev eth0") != NULL, "ip in B: %.80s", o);
        o = ip(w->nsb, "-6", "route", "show", "default", NULL);
        check(strstr(o, "default via fd77::1 dev eth0") != NULL, "ip -6 in B: %.80s", o);

        char out[4096];
        const char *ping[] = { "/bin/ping", "-c1", "-W2", "10.77.0.1", NULL };
        int st = -1;
        /* the bridge port forwards at once (no STP), but give carrier a
         * moment on a loaded machine */
        for (int i = 0; i < 3 && st != 0; i++)
                st = run_in(w->nsb, ping, out, sizeof(out));
        check(st == 0, "ping from B to the bridge 10.77.0.1 (%d: %.200s)", st, out);

        /* "gateway auto" and the next free address, as the manager does */
        r = net_addr_list(w->a, "br-smoke", AF_INET, &v, &n, &e);
        unsigned char used[2][16] = { { 0 } }, next[16];
        char s[64] = "";
        if (r == 0 && n > 0) {
                memcpy(used[0], v[0].addr, 16);
                inet_pton(AF_INET, "10.77.0.2", used[1]);
                r = net_next_free(AF_INET, v[0].addr, v[0].prefix, (const unsigned char(*)[16])used,
                                  2, next, &e);
                inet_ntop(AF_INET, next, s, sizeof(s));
        }
        free(v);
        check(r == 0 && strcmp(s, "10.77.0.3") == 0, "next free after the gateway and .2: %s", s);
}

static void move_and_macvlan(struct world *w)
{
        struct berth_error e = { 0 };
        char kind[32] = "";
        /* a "physical" device: one end of a veth pair that stays in A */
        check(net_veth_create(w->a, "phys0", "phys0p", -1, &e) == 0, "veth phys0 in A (%s)", e.msg);
        struct net_link_conf c = NET_LINK_CONF_INIT;
        c.name = "eth0";
        c.netns_fd = w->nsb;
        int r = net_link_set(w->a, "phys0", &c, &e);
        check(r == -EEXIST && net_link_exists(w->a, "phys0", NULL) == 1,
              "move as eth0 into B, where eth0 is taken: \"%s\"", e.msg);
        check(starts(e.msg, "move phys0 to netns fd"), "the message names the move");

        memset(&e, 0, sizeof(e));
        c.name = "eth1";
        c.up = true;
        r = net_link_set(w->a, "phys0", &c, &e);
        check(r == 0 && net_link_exists(w->a, "phys0", NULL) == 0 &&
                      net_link_exists(w->b, "eth1", NULL) == 1,
              "move phys0 into B as eth1 (%s)", e.msg);
        check(link_is_up(w->nsb, "eth1"), "eth1 is up in B");

        c.name = "phys0";
        c.netns_fd = w->nsa;
        c.up = false;
        r = net_link_set(w->b, "eth1", &c, &e);
        check(r == 0 && net_link_exists(w->a, "phys0", NULL) == 1 &&
                      net_link_exists(w->b, "eth1", NULL) == 0,
              "move it back to A as phys0 (%s)", e.msg);

        struct net_link_conf bad = NET_LINK_CONF_INIT;
        bad.master = 1;
        bad.netns_fd = w->nsb;
        r = net_link_set(w->a, "phys0", &bad, &e);
        check(r == -EINVAL, "master and netns together refused: \"%s\"", e.msg);

        /* macvlan in B on a device of B */
        memset(&e, 0, sizeof(e));
        r = net_veth_create(w->b, "lowv", "lowvp", -1, &e);
        if (r == 0)
                r = net_set_up(w->b, "lowv", &e);
        check(r == 0, "B: lower device lowv (%s)", e.msg);
        r = net_macvlan_create(w->b, "mv0", "lowv", "bridge", -1, &e);
        check(r == 0 && net_link_kind(w->b, "mv0", kind, sizeof(kind), &e) == 0 &&
                      strcmp(kind, "macvlan") == 0,
              "B: macvlan mv0 on lowv (%s %s)", kind, e.msg);
        const char *o = ip(w->nsb, "-d", "-o", "link", "show", "mv0");
        check(strstr(o, "macvlan mode bridge") != NULL, "ip in B: mv0 is macvlan mode bridge");
        /* made in A on A's phys0, born in B */
        r = net_macvlan_create(w->a, "mv1", "phys0", "private", w->nsb, &e);
        check(r == 0 && net_link_exists(w->b, "mv1", NULL) == 1 &&
                      net_link_exists(w->a, "mv1", NULL) == 0,
              "macvlan mv1 on A's phys0 born in B (%s)", e.msg);
        o = ip(w->nsb, "-d", "-o", "link", "show", "mv1");
        check(strstr(o, "macvlan mode private") != NULL, "ip in B: mv1 is mode private");
        r = net_macvlan_create(w->a, "mv2", "phys0", "loud", -1, &e);
        check(r == -EINVAL && strstr(e.msg, "unknown mode \"loud\""), "bad mode: \"%s\"", e.msg);
        r = net_macvlan_create(w->a, "mv2", "nope0", "vepa", -1, &e);
        check(r == -ENODEV && starts(e.msg, "create macvlan mv2: find interface nope0"),
              "missing lower: \"%s\"", e.msg);
        r = net_macvlan_create(w->b, "mv0", "lowv", "vepa", -1, &e);
        check(r == -EEXIST && starts(e.msg, "create macvlan mv0 on lowv (mode vepa): File exists"),
              "macvlan name taken: \"%s\"", e.msg);
}

static void rename_errors_delete(struct world *w)
{
        struct berth_error e = { 0 };
        check(net_set_up(w->a, "phys0", &e) == 0, "phys0 up (%s)", e.msg);
        struct net_link_conf c = NET_LINK_CONF_INIT;
        c.name = "vsmoke0";
        int r = net_link_set(w->a, "phys0", &c, &e);
        check(r == -EEXIST && starts(e.msg, "rename phys0 to vsmoke0: File exists"),
              "rename onto a taken name: \"%s\"", e.msg);
        check(link_is_up(-1, "phys0"), "phys0 is up again after the failed rename");
        memset(&e, 0, sizeof(e));
        c.name = "physR";
        r = net_link_set(w->a, "phys0", &c, &e);
        check(r == 0 && net_link_exists(w->a, "physR", NULL) == 1 &&
                      net_link_exists(w->a, "phys0", NULL) == 0,
              "rename phys0 to physR (%s)", e.msg);
        check(link_is_up(-1, "physR"), "physR kept its up state");
        c.name = "bad/name";
        r = net_link_set(w->a, "physR", &c, &e);
        check(r == -EINVAL && starts(e.msg, "rename physR to bad/name: invalid interface name"),
              "rename to an invalid name: \"%s\"", e.msg);

        /* the kernel's own words (extended ACK) end up in the message */
        struct net_link_conf m = NET_LINK_CONF_INIT;
        m.mtu = 10;
        r = net_link_set(w->a, "physR", &m, &e);
        check(r == -EINVAL && starts(e.msg, "set mtu 10 on physR: Invalid argument (") &&
                      e.msg[strlen(e.msg) - 1] == ')',
              "mtu too small, with the kernel's explanation: \"%s\"", e.msg);

        memset(&e, 0, sizeof(e));
        r = net_link_delete(w->a, "physR", false, &e);
        check(r == 0 && net_link_exists(w->a, "physR", NULL) == 0 &&
                      net_link_exists(w->a, "phys0p", NULL) == 0,
              "delete physR, its peer goes too (%s)", e.msg);
        r = net_link_delete(w->a, "physR", false, &e);
        check(r == -ENODEV && strcmp(e.msg, "delete interface physR: No such device") == 0,
              "delete twice: \"%s\"", e.msg);
        memset(&e, 0, sizeof(e));
        r = net_link_delete(w->a, "physR", true, &e);
        check(r == 0 && e.code == 0, "delete twice, missing ok");
        r = net_link_delete(w->b, "mv0", false, &e);
        check(r == 0 && net_link_exists(w->b, "mv0", NULL) == 0, "B: delete mv0 (%s)", e.msg);
}

static void sysctl_and_sockets(struct world *w)
{
        struct berth_error e = { 0 };
        const char *p4 = "/proc/sys/net/ipv4/conf/br-smoke/forwarding";
        const char *p6 = "/proc/sys/net/ipv6/conf/br-smoke/forwarding";
        int r = net_sysctl_forwarding("br-smoke", AF_INET, true, &e);
        check(r == 0 && read_sysctl(p4) == 1, "ipv4 forwarding on br-smoke (%s)", e.msg);
        r = net_sysctl_forwarding("br-smoke", AF_INET6, true, &e);
        check(r == 0 && read_sysctl(p6) == 1, "ipv6 forwarding on br-smoke (%s)", e.msg);
        r = net_sysctl_forwarding("br-smoke", AF_INET, false, &e);
        check(r == 0 && read_sysctl(p4) == 0, "ipv4 forwarding off again (%s)", e.msg);
        r = net_sysctl_forwarding("nope0", AF_INET, true, &e);
        check(r == -ENOENT && strstr(e.msg, "/proc/sys/net/ipv4/conf/nope0/forwarding"),
              "forwarding on a missing interface: \"%s\"", e.msg);
        r = net_sysctl_forwarding("../all", AF_INET, true, &e);
        check(r == -EINVAL, "forwarding path cannot climb: \"%s\"", e.msg);

        /* a socket in B leaves this thread in A, and so does a failure */
        ino_t here = netns_ino();
        struct net_nl *x = NULL;
        r = net_nl_open(w->nsb, &x, &e);
        check(r == 0 && netns_ino() == here, "open in B, still in A");
        net_nl_close(x);
        int notns = open("/", O_RDONLY | O_CLOEXEC);
        r = net_nl_open(notns, &x, &e);
        check(r < 0 && x == NULL && netns_ino() == here && strstr(e.msg, "network namespace"),
              "open on a non-namespace fd fails, still in A: \"%s\"", e.msg);
        close(notns);
}

static void scenarios(void)
{
        struct berth_error e = { 0 };
        struct world w = { .nsa = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC),
                           .nsb = new_netns() };
        check(w.nsa >= 0 && w.nsb >= 0, "namespace B as an fd");
        if (w.nsa < 0 || w.nsb < 0)
                return;
        check(net_nl_open(-1, &w.a, &e) == 0, "socket in A (%s)", e.msg);
        check(net_nl_open(w.nsb, &w.b, &e) == 0, "socket in B (%s)", e.msg);
        if (w.a == NULL || w.b == NULL)
                return;
        lookups_and_bridge(&w);
        veth_into_b(&w);
        move_and_macvlan(&w);
        rename_errors_delete(&w);
        sysctl_and_sockets(&w);
        net_nl_close(w.a);
        net_nl_close(w.b);
        close(w.nsb);
        close(w.nsa);
}

int main(void)
{
        if (geteuid() != 0) {
                printf("skipped: net-smoke needs root\n0 passed, 0 failed\n");
                return 77;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        pid_t pid = fork();
        if (pid < 0) {
                printf("FAIL - fork: %s\n0 passed, 1 failed\n", strerror(errno));
                return 1;
        }
        if (pid == 0) {
                /* the child: from here on, only ever in namespaces it made */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                ino_t host = netns_ino();
                if (unshare(CLONE_NEWNET) < 0 || host == 0 || netns_ino() == host) {
                        printf("FAIL - unshare(CLONE_NEWNET): %s\n0 passed, 1 failed\n",
                               strerror(errno));
                        _exit(1);
                }
                scenarios();
                printf("%d passed, %d failed\n", passed, failed);
                _exit(failed ? 1 : 0);
        }
        /* the parent: a hung child must not hang the test run */
        int st = 0;
        for (int waited = 0;; waited++) {
                pid_t r = waitpid(pid, &st, WNOHANG);
                if (r == pid)
                        break;
                if (r < 0 && errno != EINTR) {
                        printf("FAIL - waitpid: %s\n0 passed, 1 failed\n", strerror(errno));
                        return 1;
                }
                if (waited > 1200) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &st, 0);
                        printf("FAIL - timed out after 120 s\n0 passed, 1 failed\n");
                        return 1;
                }
                usleep(100 * 1000);
        }
        if (WIFEXITED(st))
                return WEXITSTATUS(st);
        printf("FAIL - the test child died of signal %d\n0 passed, 1 failed\n",
               WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        return 1;
}
