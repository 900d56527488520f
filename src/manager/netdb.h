/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth's bridges, their address leases and published ports: what
 * `berth net` manages and what a container's start asks for. Internal to
 * src/manager.
 *
 *   LXCPATH/.net/BRIDGE.json     the record: {"name", "ipv4": "10.0.3.1/24"
 *                                or null, "ipv6": "fd00:3::1/64" or null,
 *                                "nat": bool}, written atomically
 *   LXCPATH/.net/BRIDGE.leases   "CONTAINER IPV4 IPV6" lines ('-': none),
 *                                read and rewritten under flock(2) on it
 *
 * Container names cannot start with '.', so ".net" is never a container.
 * The kernel side (the device, its addresses, forwarding, the nftables
 * tables) is made in the calling thread's network namespace. */
#pragma once
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define NETDB_DIR ".net"

struct netdb_addr {
        bool set;
        unsigned char addr[16]; /* 4 bytes used for IPv4 */
        unsigned prefix;
};

struct netdb_bridge {
        char name[IFNAMSIZ];
        struct netdb_addr ipv4, ipv6; /* the bridge's own address in its subnet */
        bool nat;
        bool recorded; /* there is a record under LXCPATH/.net */
        bool exists;   /* a device of that name is in the kernel */
        bool is_bridge;
        bool up;
};

/* 1-15 characters of [A-Za-z0-9_.-], not "." or ".."; NULL when fine,
 * else why not. */
const char *netdb_bridge_name_check(const char *name);

/* ---- bridges (`berth net`); lxcpath NULL means /var/lib/berth */

/* Make the bridge: validate, create the device, give it b's addresses,
 * bring it up, enable forwarding on it, add the nftables tables when
 * b->nat, write the record. Any failure undoes all of it. b->nat needs an
 * address. */
int netdb_bridge_create(const char *lxcpath, const struct netdb_bridge *b, struct berth_error *err);
/* Delete the device, our tables, the record and the leases. -ENOENT when
 * there is neither a record nor a device. A device without a record (not
 * berth's) is refused. */
int netdb_bridge_delete(const char *lxcpath, const char *name, struct berth_error *err);
/* The record (recorded = true) with the kernel's view filled in (exists,
 * is_bridge, up). A bridge with no record that exists in the kernel (made
 * by someone else) is returned with recorded = false and no subnet. One
 * with neither is -ENOENT: "bridge br0 does not exist; create it with
 * `berth net create br0 --ipv4 10.0.3.1/24`" (a caller prefixes the key,
 * e.g. "lxc.net.0.link"). */
int netdb_bridge_load(const char *lxcpath, const char *name, struct netdb_bridge *out,
                      struct berth_error *err);
/* Every recorded bridge, sorted by name, with the kernel's view. */
int netdb_bridge_list(const char *lxcpath, struct netdb_bridge **out, size_t *n,
                      struct berth_error *err);
/* "10.0.3.1/24" (AF_INET) or "fd00:3::1/64" (AF_INET6) of a, into buf;
 * "-" when a is not set. */
void netdb_addr_format(const struct netdb_addr *a, int family, char *buf, size_t len);
/* Make the kernel side of a recorded bridge whose device is gone (after
 * a reboot): what netdb_bridge_create makes, from the record. Nothing
 * when the device is there. */
int netdb_bridge_up(const char *lxcpath, const char *name, struct berth_error *err);

/* ---- leases */

/* The container's address in the bridge's subnet (family AF_INET or
 * AF_INET6): the one it has leased, or the next free one (not the
 * network, broadcast or bridge address, not another container's), which is
 * then recorded. The same container gets the same address every time.
 * out gets 4 or 16 bytes; *prefix the subnet's prefix length. */
int netdb_lease(const char *lxcpath, const char *bridge, const char *container, int family,
                unsigned char out[16], unsigned *prefix, struct berth_error *err);
/* Forget the container's leases on bridge (destroy); none is fine. */
int netdb_release(const char *lxcpath, const char *bridge, const char *container,
                  struct berth_error *err);

/* ---- published ports (lxc.net.N.berth.publish) */

struct netdb_port {
        uint16_t host, container;
        int proto; /* IPPROTO_TCP (the default) or IPPROTO_UDP */
};

/* Parse "HOSTPORT:CONTAINERPORT[/tcp|/udp]" (ports 1-65535). NULL when it
 * is one (out, which may be NULL, filled), else why not. Pure. */
const char *netdb_publish_check(const char *spec, struct netdb_port *out);
/* DNAT host port -> caddr:port on the NAT bridge's table while the
 * container runs. The bridge must have been made with --nat. */
int netdb_publish(const char *lxcpath, const char *bridge, const char *container, const char *spec,
                  const unsigned char caddr[4], struct berth_error *err);
/* Remove it again; a mapping that is gone (or the table) is fine. */
int netdb_unpublish(const char *lxcpath, const char *bridge, const char *container,
                    const char *spec, const unsigned char caddr[4], struct berth_error *err);
