/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses and routes over rtnetlink, and the forwarding sysctl. */
#include "net-internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

static size_t family_len(int family)
{
        return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int net_addr_add(struct net_nl *nl, const char *ifname, int family, const void *addr,
                 unsigned prefix, struct berth_error *err)
{
        char cidr[INET6_ADDRSTRLEN + 8];
        size_t len = family_len(family);
        if (len == 0)
                return berth_error_setx(err, EAFNOSUPPORT, "add address to %s: family %d", ifname,
                                        family);
        net_format_cidr(family, addr, prefix, cidr, sizeof(cidr));
        if (prefix > 8 * len)
                return berth_error_setx(err, EINVAL, "add address %s to %s: prefix over /%zu", cidr,
                                        ifname, 8 * len);
        int index = net_link_index(nl, ifname, err);
        if (index < 0)
                return berth_error_prefix(err, "add address %s to %s", cidr, ifname);

        struct nlmsghdr *nlh = net_nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = (unsigned char)family;
        ifa->ifa_prefixlen = (unsigned char)prefix;
        ifa->ifa_index = (unsigned)index;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        mnl_attr_put(nlh, IFA_LOCAL, len, addr);
        mnl_attr_put(nlh, IFA_ADDRESS, len, addr);
        if (family == AF_INET && prefix < 31) {
                /* what `ip addr add ... brd +` does; without it a subnet
                 * broadcast (DHCP-less discovery, some daemons) goes nowhere */
                unsigned char b[4];
                memcpy(b, addr, 4);
                for (unsigned i = prefix; i < 32; i++)
                        b[i / 8] |= (unsigned char)(0x80 >> (i % 8));
                mnl_attr_put(nlh, IFA_BROADCAST, 4, b);
        }
        return net_nl_talk(nl, nlh, NULL, NULL, err, "add address %s to %s", cidr, ifname);
}

struct addr_list {
        int family;
        int index; /* 0: any */
        struct net_addr *v;
        size_t n, cap;
};

static int addr_attr(const struct nlattr *a, void *data)
{
        const struct nlattr **tb = data;
        if (mnl_attr_type_valid(a, IFA_MAX) > 0)
                tb[mnl_attr_get_type(a)] = a;
        return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
        struct addr_list *l = data;
        if (nlh->nlmsg_type != RTM_NEWADDR)
                return MNL_CB_OK;
        const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
        if (l->index && (int)ifa->ifa_index != l->index)
                return MNL_CB_OK;
        if (l->family != AF_UNSPEC && ifa->ifa_family != l->family)
                return MNL_CB_OK;
        size_t len = family_len(ifa->ifa_family);
        if (len == 0)
                return MNL_CB_OK;
        const struct nlattr *tb[IFA_MAX + 1] = { 0 };
        if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb) < 0)
                return MNL_CB_ERROR;
        /* IFA_LOCAL is ours; IFA_ADDRESS is the peer on a point-to-point
         * link and the same as IFA_LOCAL otherwise */
        const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
        if (a == NULL || mnl_attr_get_payload_len(a) != len)
                return MNL_CB_OK;
        if (l->n == l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 8;
                struct net_addr *v = realloc(l->v, cap * sizeof(*v));
                if (v == NULL) {
                        errno = ENOMEM;
                        return MNL_CB_ERROR;
                }
                l->v = v;
                l->cap = cap;
        }
        struct net_addr *e = &l->v[l->n++];
        memset(e, 0, sizeof(*e));
        e->family = ifa->ifa_family;
        memcpy(e->addr, mnl_attr_get_payload(a), len);
        e->prefix = ifa->ifa_prefixlen;
        e->ifindex = (int)ifa->ifa_index;
        e->scope = ifa->ifa_scope;
        return MNL_CB_OK;
}

int net_addr_list(struct net_nl *nl, const char *ifname, int family, struct net_addr **out,
                  size_t *n, struct berth_error *err)
{
        struct addr_list l = { .family = family };
        *out = NULL;
        *n = 0;
        const char *who = ifname ? ifname : "all interfaces";
        if (family != AF_UNSPEC && family_len(family) == 0)
                return berth_error_setx(err, EAFNOSUPPORT, "list addresses of %s: family %d", who,
                                        family);
        if (ifname) {
                l.index = net_link_index(nl, ifname, err);
                if (l.index < 0)
                        return berth_error_prefix(err, "list addresses of %s", ifname);
        }
        struct nlmsghdr *nlh = net_nl_msg(nl, RTM_GETADDR, NLM_F_DUMP);
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = (unsigned char)family;
        int r = net_nl_talk(nl, nlh, on_addr, &l, err, "list addresses of %s", who);
        if (r < 0) {
                free(l.v);
                return r;
        }
        if (l.n == 0) {
                free(l.v);
                l.v = NULL;
        }
        *out = l.v;
        *n = l.n;
        return 0;
}

int net_route_add_default(struct net_nl *nl, int family, const void *gateway, const char *ifname,
                          struct berth_error *err)
{
        char what[INET6_ADDRSTRLEN + 64];
        char gw[INET6_ADDRSTRLEN] = "";
        size_t len = family_len(family);
        if (len == 0)
                return berth_error_setx(err, EAFNOSUPPORT, "add default route: family %d", family);
        if (gateway)
                net_format_cidr(family, gateway, 999, gw, sizeof(gw));
        snprintf(what, sizeof(what), "add default route%s%s%s%s", gateway ? " via " : "", gw,
                 ifname ? " dev " : "", ifname ? ifname : "");
        if (gateway == NULL && ifname == NULL)
                return berth_error_setx(err, EINVAL, "%s: needs a gateway or a device", what);
        int index = 0;
        if (ifname) {
                index = net_link_index(nl, ifname, err);
                if (index < 0)
                        return berth_error_prefix(err, "%s", what);
        }
        struct nlmsghdr *nlh = net_nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        rtm->rtm_family = (unsigned char)family;
        rtm->rtm_dst_len = 0;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_BOOT;
        /* no gateway: the whole world is on that link */
        rtm->rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
        rtm->rtm_type = RTN_UNICAST;
        if (gateway)
                mnl_attr_put(nlh, RTA_GATEWAY, len, gateway);
        if (index > 0)
                mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
        return net_nl_talk(nl, nlh, NULL, NULL, err, "%s", what);
}

int net_sysctl_forwarding(const char *ifname, int family, bool on, struct berth_error *err)
{
        char path[128];
        if (family != AF_INET && family != AF_INET6)
                return berth_error_setx(err, EAFNOSUPPORT, "set forwarding on %s: family %d",
                                        ifname, family);
        const char *v = family == AF_INET ? "ipv4" : "ipv6";
        /* "all" and "default" are names here too; anything else must be an
         * interface name that cannot climb out of conf/ */
        if (!net_ifname_valid(ifname))
                return berth_error_setx(err, EINVAL, "set %s forwarding: invalid interface \"%s\"",
                                        v, ifname ? ifname : "");
        snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/forwarding", v, ifname);
        int r = write_file_at(AT_FDCWD, path, on ? "1" : "0");
        if (r < 0)
                return berth_error_set(err, -r, "set %s forwarding on %s to %d: write %s", v,
                                       ifname, on ? 1 : 0, path);
        return 0;
}
