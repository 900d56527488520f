/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A system container's network plan: lxc.net.N.* made real between the
 * core's create and start. Which process: the monitor, in the host's
 * namespaces, as root; it reaches the container's network namespace
 * through a netlink socket opened there (net_nl_open), never by running
 * `ip`. What it makes it unmakes when the container stops: phys devices
 * go back to the host under their own names, host veth ends and
 * published ports go. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cleanup.h"
#include "dl.h"
#include "manager.h"
#include "net.h"
#include "netdb.h"
#include "util.h"

#define MAX_NETS 32

struct made {
        char type[16];
        char host[IFNAMSIZ];  /* veth: the host end */
        char orig[IFNAMSIZ];  /* phys: its name on the host */
        char inside[IFNAMSIZ]; /* its name in the container */
        char bridge[IFNAMSIZ];
        char **publish; /* published specs, with caddr */
        unsigned char caddr[4];
};

struct mgr_net {
        const char *lxcpath;
        const char *name;
        int host_ns, ns; /* our netns and the container's, held open */
        struct net_nl *host, *in;
        struct made made[MAX_NETS];
        size_t n_made;
};

static int fail(struct berth_error *err, int index, const char *key, int r)
{
        if (key)
                return berth_error_prefix(err, "lxc.net.%d.%s", index, key);
        return r < 0 ? berth_error_prefix(err, "lxc.net.%d", index) : r;
}

/* The bridge of a veth: it must exist and be a bridge. */
static int check_bridge(struct mgr_net *n, const struct lxc_net *net, struct netdb_bridge *br,
                        struct berth_error *err)
{
        memset(br, 0, sizeof(*br));
        if (!net->link || !*net->link)
                return berth_error_setx(err, EINVAL, "lxc.net.%d.link: a veth needs the bridge "
                                                     "to join", net->index);
        int r = netdb_bridge_load(n->lxcpath, net->link, br, err);
        if (r == 0 && br->recorded && !br->exists)
                r = netdb_bridge_up(n->lxcpath, net->link, err); /* after a reboot */
        else if (r == 0 && !br->is_bridge)
                r = berth_error_setx(err, EINVAL, "%s is not a bridge", net->link);
        return r < 0 ? fail(err, net->index, "link", r) : 0;
}

static int add_addresses(struct mgr_net *n, const struct lxc_net *net, const char *ifname,
                         int family, char *const *list, struct berth_error *err)
{
        for (char *const *a = list; a && *a; a++) {
                int fam;
                unsigned char addr[16];
                unsigned prefix;
                int r = net_parse_cidr(*a, &fam, addr, &prefix, err);
                if (r == 0 && fam != family)
                        r = berth_error_setx(err, EINVAL, "%s is not an IPv%d address", *a,
                                             family == AF_INET ? 4 : 6);
                if (r == 0)
                        r = net_addr_add(n->in, ifname, family, addr, prefix, err);
                if (r < 0)
                        return fail(err, net->index, family == AF_INET ? "ipv4.address"
                                                                       : "ipv6.address", r);
        }
        return 0;
}

/* "auto": the bridge's own address of that family. */
static int gateway(struct mgr_net *n, const struct lxc_net *net, const char *ifname, int family,
                   const char *gw, const struct netdb_bridge *br, struct berth_error *err)
{
        const char *key = family == AF_INET ? "ipv4.gateway" : "ipv6.gateway";
        if (!gw || !*gw)
                return 0;
        unsigned char addr[16];
        int r = 0;
        if (!strcmp(gw, "auto")) {
                const struct netdb_addr *own = family == AF_INET ? &br->ipv4 : &br->ipv6;
                if (own->set) {
                        memcpy(addr, own->addr, 16);
                } else {
                        struct net_addr *list = NULL;
                        size_t k = 0;
                        r = net->link && *net->link
                                    ? net_addr_list(n->host, net->link, family, &list, &k, err)
                                    : -ENOENT;
                        size_t i = 0;
                        while (r == 0 && i < k && list[i].scope != 0)
                                i++;
                        if (r == 0 && i < k)
                                memcpy(addr, list[i].addr, 16);
                        else if (r >= 0 || r == -ENOENT)
                                r = berth_error_setx(err, ENOENT,
                                                     "auto: %s has no IPv%d address to route via",
                                                     net->link ? net->link : "the link",
                                                     family == AF_INET ? 4 : 6);
                        free(list);
                }
        } else {
                int fam;
                unsigned prefix;
                r = net_parse_cidr(gw, &fam, addr, &prefix, err);
        }
        if (r == 0)
                r = net_route_add_default(n->in, family, addr, ifname, err);
        return r < 0 ? fail(err, net->index, key, r) : 0;
}

/* Addresses for a veth on a berth bridge that the config leaves out: the
 * container's lease, the same on every start. */
static int leased(struct mgr_net *n, const struct lxc_net *net, const char *ifname,
                  const struct netdb_bridge *br, int family, struct berth_error *err)
{
        const struct netdb_addr *own = family == AF_INET ? &br->ipv4 : &br->ipv6;
        char *const *given = family == AF_INET ? net->ipv4 : net->ipv6;
        if (!br->recorded || !own->set || (given && given[0]))
                return 0;
        unsigned char addr[16];
        unsigned prefix;
        int r = netdb_lease(n->lxcpath, br->name, n->name, family, addr, &prefix, err);
        if (r == 0)
                r = net_addr_add(n->in, ifname, family, addr, prefix, err);
        return r < 0 ? fail(err, net->index, "link", r) : 0;
}

/* MAC, MTU, up, addresses and routes of the interface now in the container. */
static int configure_inside(struct mgr_net *n, const struct lxc_net *net, struct made *m,
                            const struct netdb_bridge *br, struct berth_error *err)
{
        unsigned char mac[6];
        struct net_link_conf conf = NET_LINK_CONF_INIT;
        int r = 0;
        if (net->hwaddr && *net->hwaddr) {
                r = net_parse_mac(net->hwaddr, mac, err);
                if (r < 0)
                        return fail(err, net->index, "hwaddr", r);
                conf.mac = mac;
        }
        conf.mtu = net->mtu;
        conf.up = net->flags && !strcmp(net->flags, "up");
        r = net_link_set(n->in, m->inside, &conf, err);
        if (r < 0)
                return fail(err, net->index, NULL, r);
        r = add_addresses(n, net, m->inside, AF_INET, net->ipv4, err);
        if (r == 0)
                r = add_addresses(n, net, m->inside, AF_INET6, net->ipv6, err);
        if (r == 0 && br)
                r = leased(n, net, m->inside, br, AF_INET, err);
        if (r == 0 && br)
                r = leased(n, net, m->inside, br, AF_INET6, err);
        struct netdb_bridge none = { 0 };
        if (r == 0)
                r = gateway(n, net, m->inside, AF_INET, net->ipv4_gateway, br ? br : &none, err);
        if (r == 0)
                r = gateway(n, net, m->inside, AF_INET6, net->ipv6_gateway, br ? br : &none, err);
        return r;
}

static void random_name(char *buf, size_t len)
{
        unsigned char b[3] = { 0 };
        (void)getrandom(b, sizeof(b), 0);
        snprintf(buf, len, "veth%02x%02x%02x", b[0], b[1], b[2]);
}

static int publish(struct mgr_net *n, const struct lxc_net *net, struct made *m,
                   struct lxc_config *cfg, struct berth_error *err)
{
        char key[64];
        snprintf(key, sizeof(key), "lxc.net.%d.berth.publish", net->index);
        _cleanup_free_ char *all = lxc_config_get_all(cfg, key);
        if (!all || !*all)
                return 0;
        if (strcmp(m->type, "veth") != 0 || !m->bridge[0])
                return berth_error_setx(err, EINVAL, "%s: ports are published from a veth on a "
                                                     "berth bridge", key);
        /* the container's IPv4 address on that interface */
        struct net_addr *list = NULL;
        size_t k = 0;
        int r = net_addr_list(n->in, m->inside, AF_INET, &list, &k, err);
        if (r == 0 && k == 0)
                r = berth_error_setx(err, EINVAL, "%s: %s has no IPv4 address", key, m->inside);
        if (r == 0)
                memcpy(m->caddr, list[0].addr, 4);
        free(list);
        if (r < 0)
                return r;
        size_t count = 1;
        for (char *p = all; *p; p++)
                count += *p == '\n';
        m->publish = calloc(count + 1, sizeof(char *));
        if (!m->publish)
                return berth_error_setx(err, ENOMEM, "%s", key);
        size_t i = 0;
        char *save = NULL;
        for (char *s = strtok_r(all, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
                r = netdb_publish(n->lxcpath, m->bridge, n->name, s, m->caddr, err);
                if (r < 0)
                        return berth_error_prefix(err, "%s", key);
                m->publish[i++] = strdup(s);
        }
        return 0;
}

static int one(struct mgr_net *n, const struct lxc_net *net, struct lxc_config *cfg, int *eth,
               struct berth_error *err)
{
        const char *type = net->type ? net->type : "empty";
        if (!strcmp(type, "empty") || !strcmp(type, "none"))
                return 0;
        if (n->n_made == MAX_NETS)
                return berth_error_setx(err, E2BIG, "lxc.net.%d: at most %d interfaces",
                                        net->index, MAX_NETS);
        struct made *m = &n->made[n->n_made];
        memset(m, 0, sizeof(*m));
        snprintf(m->type, sizeof(m->type), "%s", type);
        if (net->name && *net->name)
                snprintf(m->inside, sizeof(m->inside), "%s", net->name);
        else
                snprintf(m->inside, sizeof(m->inside), "eth%d", (*eth)++);
        struct netdb_bridge br;
        int r;
        if (!strcmp(type, "veth")) {
                r = check_bridge(n, net, &br, err);
                if (r < 0)
                        return r;
                if (net->veth_pair && *net->veth_pair)
                        snprintf(m->host, sizeof(m->host), "%s", net->veth_pair);
                else
                        random_name(m->host, sizeof(m->host));
                r = net_link_exists(n->host, m->host, err);
                if (r > 0)
                        return berth_error_setx(err, EEXIST, "lxc.net.%d.veth.pair: the host "
                                                             "has a device %s already",
                                                net->index, m->host);
                r = r < 0 ? r : net_veth_create(n->host, m->host, m->inside, n->ns, err);
                if (r < 0)
                        return fail(err, net->index, NULL, r);
                n->n_made++;
                snprintf(m->bridge, sizeof(m->bridge), "%s", net->link);
                struct net_link_conf host = NET_LINK_CONF_INIT;
                host.mtu = net->mtu;
                host.master = net_link_index(n->host, net->link, err);
                host.up = true;
                r = host.master < 0 ? host.master : net_link_set(n->host, m->host, &host, err);
                if (r == 0)
                        r = configure_inside(n, net, m, &br, err);
                if (r == 0)
                        r = publish(n, net, m, cfg, err);
                return r < 0 ? fail(err, net->index, NULL, r) : 0;
        }
        if (!net->link || !*net->link)
                return berth_error_setx(err, EINVAL, "lxc.net.%d.link: %s needs a host device",
                                        net->index, type);
        r = net_link_exists(n->host, net->link, err);
        if (r == 0)
                r = berth_error_setx(err, ENODEV, "lxc.net.%d.link: the host has no device %s",
                                     net->index, net->link);
        if (r < 0)
                return r;
        if (!strcmp(type, "phys")) {
                snprintf(m->orig, sizeof(m->orig), "%s", net->link);
                struct net_link_conf move = NET_LINK_CONF_INIT;
                move.name = m->inside;
                move.netns_fd = n->ns;
                r = net_link_set(n->host, net->link, &move, err);
        } else if (!strcmp(type, "macvlan")) {
                r = net_macvlan_create(n->host, m->inside, net->link,
                                       net->macvlan_mode ? net->macvlan_mode : "private", n->ns,
                                       err);
        } else {
                return berth_error_setx(err, ENOTSUP, "lxc.net.%d.type: %s is not supported",
                                        net->index, type);
        }
        if (r < 0)
                return fail(err, net->index, NULL, r);
        n->n_made++;
        r = configure_inside(n, net, m, NULL, err);
        return r < 0 ? fail(err, net->index, NULL, r) : 0;
}

void mgr_net_down(struct mgr_net *n)
{
        if (!n)
                return;
        struct berth_error e = { 0 };
        for (size_t i = n->n_made; i-- > 0;) {
                struct made *m = &n->made[i];
                for (char **p = m->publish; p && *p; p++)
                        (void)netdb_unpublish(n->lxcpath, m->bridge, n->name, *p, m->caddr, &e);
                strv_free(m->publish);
                if (m->orig[0] && n->in) {
                        /* a phys device goes home under its own name */
                        struct net_link_conf back = NET_LINK_CONF_INIT;
                        back.name = m->orig;
                        back.netns_fd = n->host_ns;
                        (void)net_link_set(n->in, m->inside, &back, &e);
                }
                if (m->host[0] && n->host)
                        (void)net_link_delete(n->host, m->host, true, &e);
        }
        net_nl_close(n->in);
        net_nl_close(n->host);
        cleanup_closep(&n->ns);
        cleanup_closep(&n->host_ns);
        free(n);
}

unsigned mgr_net_libs(const struct lxc_config *cfg)
{
        for (size_t i = 0; i < cfg->n_nets; i++) {
                const char *t = cfg->nets[i].type;
                if (t && strcmp(t, "empty") && strcmp(t, "none"))
                        return DL_BIT(DL_MNL) | DL_BIT(DL_NFTABLES);
        }
        return 0;
}

int mgr_net_up(struct berth_container *c, struct lxc_config *cfg, pid_t init,
               struct mgr_net **out, struct berth_error *err)
{
        *out = NULL;
        if (!mgr_net_libs(cfg))
                return 0;
        struct mgr_net *n = calloc(1, sizeof(*n));
        if (!n)
                return berth_error_setx(err, ENOMEM, "network");
        n->lxcpath = c->lxcpath;
        n->name = c->name;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/net", init);
        n->ns = open(path, O_RDONLY | O_CLOEXEC);
        n->host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        int r = n->ns < 0 || n->host_ns < 0
                        ? berth_error_set(err, errno, "network namespaces")
                        : net_nl_open(-1, &n->host, err);
        if (r == 0)
                r = net_nl_open(n->ns, &n->in, err);
        int eth = 0;
        for (size_t i = 0; r == 0 && i < cfg->n_nets; i++)
                r = one(n, &cfg->nets[i], cfg, &eth, err);
        if (r < 0) {
                mgr_net_down(n);
                return r;
        }
        *out = n;
        return 0;
}
