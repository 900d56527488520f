/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The netlink layer: links (veth, bridge, macvlan, moving a device between
 * namespaces), addresses and routes over rtnetlink with libmnl, no `ip`
 * subprocess. Plus the pure helpers a network plan needs: CIDR and MAC
 * parsing, random MACs, the next free address of a subnet.
 *
 * Every request asks for the kernel's ACK; a failure becomes a berth error
 * that names the interface and the operation, with the kernel's extended
 * ACK text appended when it gives one:
 *   "add address 10.0.3.5/24 to eth0: File exists"
 *   "set mtu 10 on veth0: Invalid argument (mtu less than device minimum)"
 *
 * A `struct net_nl` is bound to the network namespace it was opened in for
 * its whole life; interface names and indexes are that namespace's. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct net_nl;

/* A NETLINK_ROUTE socket (one request at a time: not for sharing between
 * threads) in the caller's namespace (netns_fd -1) or in the
 * namespace netns_fd refers to. The calling thread visits that namespace
 * to make the socket and is back in its own before this returns, error or
 * not. */
int net_nl_open(int netns_fd, struct net_nl **out, struct berth_error *err);
void net_nl_close(struct net_nl *nl);

/* The ifindex (> 0) of an interface; -ENODEV (with err set) when there is
 * none by that name. */
int net_link_index(struct net_nl *nl, const char *name, struct berth_error *err);
/* 1 when the interface exists, 0 when not, < 0 on error. */
int net_link_exists(struct net_nl *nl, const char *name, struct berth_error *err);
/* The link's kind from IFLA_LINKINFO ("bridge", "veth", "macvlan"), ""
 * for a device without one (a physical NIC, lo). */
int net_link_kind(struct net_nl *nl, const char *name, char *kind, size_t len,
                  struct berth_error *err);

/* A veth pair: host_name here, peer_name born in peer_netns_fd (-1: here
 * too), so the peer's name may be one the host uses (eth0). Both down. */
int net_veth_create(struct net_nl *nl, const char *host_name, const char *peer_name,
                    int peer_netns_fd, struct berth_error *err);
/* A bridge (down, no address). */
int net_bridge_create(struct net_nl *nl, const char *name, struct berth_error *err);
/* A macvlan device on lower_name (an interface of nl's namespace), in mode
 * "bridge", "vepa", "private" or "passthru"; created directly in netns_fd
 * (-1: here), where its name is checked. */
int net_macvlan_create(struct net_nl *nl, const char *name, const char *lower_name,
                       const char *mode, int netns_fd, struct berth_error *err);
/* Delete an interface (a veth's peer goes with it). A missing interface
 * is -ENODEV with err set, or 0 when missing_ok. */
int net_link_delete(struct net_nl *nl, const char *name, bool missing_ok, struct berth_error *err);

/* What net_link_set changes; a zero/NULL field leaves that property. */
struct net_link_conf {
        const char *name;         /* rename to (with netns_fd: the name there) */
        const unsigned char *mac; /* 6 bytes */
        unsigned mtu;
        bool up;      /* bring it up at the end (false: leave it as it was) */
        int master;   /* ifindex of a bridge in nl's namespace; 0: none */
        int netns_fd; /* move it there; -1: stay */
};
/* clang-format off */
#define NET_LINK_CONF_INIT { .netns_fd = -1 }
/* clang-format on */

/* Apply c to ifname, in this order: rename (the kernel wants the link
 * down, so an up link goes down and comes back up after), MAC, MTU,
 * master, move to c->netns_fd (renamed on the way, so the new name only
 * has to be free there; a name taken there fails before the move), up.
 * A moved link arrives down; c->up brings it up in its new namespace.
 * master and netns_fd together are refused (a bridge port cannot leave
 * its bridge's namespace). Stops at the first failure, leaving what was
 * done. */
int net_link_set(struct net_nl *nl, const char *ifname, const struct net_link_conf *c,
                 struct berth_error *err);
/* Bring an interface up. */
int net_set_up(struct net_nl *nl, const char *ifname, struct berth_error *err);

/* One address of an interface. */
struct net_addr {
        int family; /* AF_INET or AF_INET6 */
        unsigned char addr[16];
        unsigned prefix;
        int ifindex;
        unsigned char scope; /* RT_SCOPE_UNIVERSE, RT_SCOPE_LINK (fe80::), ... */
};

/* Add addr/prefix to ifname. IPv4 gets the subnet's broadcast (prefix <
 * 31); IPv6 goes through duplicate address detection as usual. */
int net_addr_add(struct net_nl *nl, const char *ifname, int family, const void *addr,
                 unsigned prefix, struct berth_error *err);
/* The addresses of ifname (NULL: of every interface) of family (AF_UNSPEC:
 * both), in the kernel's order (the primary first); IPv6 link-local ones
 * included with scope RT_SCOPE_LINK. *out is malloc'd (NULL when *n is 0). */
int net_addr_list(struct net_nl *nl, const char *ifname, int family, struct net_addr **out,
                  size_t *n, struct berth_error *err);
/* A default route of family via gateway through ifname (either may be
 * NULL, not both: no gateway is a device route, scope link). */
int net_route_add_default(struct net_nl *nl, int family, const void *gateway, const char *ifname,
                          struct berth_error *err);

/* /proc/sys/net/ipv{4,6}/conf/<ifname>/forwarding := on, in the calling
 * thread's network namespace. */
int net_sysctl_forwarding(const char *ifname, int family, bool on, struct berth_error *err);

/* ---- pure helpers (net-parse.c) */

/* True for a name the kernel takes: 1..15 bytes, no '/', ':' or space,
 * not "." or "..". */
bool net_ifname_valid(const char *name);
/* "10.0.3.5/24", "fd00::5/64"; a bare address is a host (/32, /128). */
int net_parse_cidr(const char *s, int *family, unsigned char addr[16], unsigned *prefix,
                   struct berth_error *err);
/* "00:16:3e:xx:xx:xx": each "xx" byte is random; a multicast MAC (low bit
 * of the first byte) and all zeros are refused. A random first byte is
 * made unicast and locally administered. */
int net_parse_mac(const char *s, unsigned char mac[6], struct berth_error *err);
/* A random unicast, locally administered MAC; -errno from getrandom. */
int net_random_mac(unsigned char mac[6]);
/* "aa:bb:cc:dd:ee:ff" into buf (18 bytes). */
void net_format_mac(const unsigned char mac[6], char buf[18]);
/* "10.0.3.5/24" into buf; prefix > 128 prints the bare address. */
void net_format_cidr(int family, const void *addr, unsigned prefix, char *buf, size_t len);
/* The lowest address of net/prefix that is not in used[], skipping the
 * network address and, for IPv4, the broadcast (/31 and /32 have neither);
 * entries of used outside the subnet are ignored. -ENOSPC when full. */
int net_next_free(int family, const unsigned char net[16], unsigned prefix,
                  const unsigned char (*used)[16], size_t n_used, unsigned char out[16],
                  struct berth_error *err);
