/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What net-nl.c gives net-link.c and net-addr.c: the socket, one request
 * and its replies, a link's attributes. */
#pragma once
#include <libmnl/libmnl.h>
#include <stdint.h>

#include "net.h"

#define NET_NL_REQ_SIZE 8192
/* a dump's datagrams fill up to a page or 32 KiB; a smaller buffer
 * would truncate them */
#define NET_NL_RECV_SIZE 32768

struct net_nl {
        struct mnl_socket *sock;
        unsigned portid;
        unsigned seq;
        char req[NET_NL_REQ_SIZE];
        char recv[NET_NL_RECV_SIZE];
};

/* A fresh request of type in nl->req, with NLM_F_REQUEST | NLM_F_ACK |
 * flags and the next sequence number. */
struct nlmsghdr *net_nl_msg(struct net_nl *nl, uint16_t type, uint16_t flags);

/* Send nlh and read until the kernel's ACK (or a dump's DONE), handing
 * each data message to cb (may be NULL). On failure err is
 * "<fmt>: <strerror> (<kernel's extended ACK text>)". */
int net_nl_talk(struct net_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
                struct berth_error *err, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

/* What RTM_GETLINK says about one interface. */
struct net_link_info {
        int index;
        unsigned flags; /* IFF_* */
        unsigned mtu;
        int master;
        char kind[32]; /* IFLA_INFO_KIND, "" when none */
};

/* -ENODEV with err "find interface <name>: No such device" when missing;
 * -EINVAL for a name the kernel could never have. */
int net_link_get(struct net_nl *nl, const char *name, struct net_link_info *info,
                 struct berth_error *err);
