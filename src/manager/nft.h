/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth's nftables rules for a NAT bridge, through libnftables (a library
 * call in this process, no `nft` subprocess). Internal to src/manager.
 *
 * Each NAT bridge gets tables of its own, named "berth-<bridge>", so that
 * nothing else's ruleset is read or changed and deleting the bridge is
 * deleting its tables:
 *
 *   table ip berth-BR    postrouting: masquerade the subnet leaving by any
 *                        interface but BR; prerouting and output: DNAT of
 *                        the host's own addresses through the maps
 *                        pub_tcp / pub_udp (host port : address . port);
 *                        forward: accept to and from BR
 *   table ip6 berth-BR   postrouting masquerade and forward, when the
 *                        bridge has an IPv6 subnet
 *
 * Everything happens in the calling thread's network namespace. */
#pragma once
#include <stdint.h>

#include "error.h"

struct netdb_bridge;

/* Create the tables for b (b->ipv4 and/or b->ipv6 set). Each family's
 * table is one transaction; a table left by an earlier failure is replaced.
 * On failure nothing of ours is left. */
int nftr_bridge_setup(const struct netdb_bridge *b, struct berth_error *err);
/* Delete both families' tables; a table that is not there is fine. */
int nftr_bridge_teardown(const char *bridge, struct berth_error *err);
/* Does the ip (family 4) or ip6 (6) table of bridge exist? 1, 0, or -errno. */
int nftr_table_exists(const char *bridge, int family, struct berth_error *err);

/* Map host port hport/proto (IPPROTO_TCP or IPPROTO_UDP) to caddr:cport.
 * Publishing the same mapping again is fine; a host port already mapped
 * elsewhere is -EEXIST naming where it goes. */
int nftr_publish_add(const char *bridge, int proto, uint16_t hport, const unsigned char caddr[4],
                     uint16_t cport, struct berth_error *err);
/* Remove the mapping of hport/proto when it goes to caddr:cport (someone
 * else's mapping of that port is left alone); absent is fine. */
int nftr_publish_del(const char *bridge, int proto, uint16_t hport, const unsigned char caddr[4],
                     uint16_t cport, struct berth_error *err);
