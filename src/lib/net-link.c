/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Links over rtnetlink: veth pairs (the peer born in its namespace),
 * bridges, macvlan, delete, and net_link_set's rename / MAC / MTU /
 * master / move / up sequence. */
#include "net-internal.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

static int check_name(const char *what, const char *name, struct berth_error *err)
{
        if (net_ifname_valid(name))
                return 0;
        return berth_error_setx(err, EINVAL,
                                "%s: invalid interface name \"%s\" (1 to %d bytes, no '/', ':' "
                                "or spaces)",
                                what, name ? name : "", IFNAMSIZ - 1);
}

static struct nlmsghdr *link_msg(struct net_nl *nl, uint16_t type, uint16_t flags, int index)
{
        struct nlmsghdr *nlh = net_nl_msg(nl, type, flags);
        struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
        ifm->ifi_family = AF_UNSPEC;
        ifm->ifi_index = index;
        return nlh;
}

int net_veth_create(struct net_nl *nl, const char *host_name, const char *peer_name,
                    int peer_netns_fd, struct berth_error *err)
{
        int r = check_name("create veth pair", host_name, err);
        if (r == 0)
                r = check_name("create veth pair", peer_name, err);
        if (r < 0)
                return r;
        struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, host_name);
        struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        /* the peer is a whole link description: its own ifinfomsg, then
         * its attributes */
        struct ifinfomsg *pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
        pifm->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
        if (peer_netns_fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
        mnl_attr_nest_end(nlh, peer);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, linkinfo);
        if (peer_netns_fd >= 0)
                return net_nl_talk(nl, nlh, NULL, NULL, err,
                                   "create veth pair %s (peer %s in netns fd %d)", host_name,
                                   peer_name, peer_netns_fd);
        return net_nl_talk(nl, nlh, NULL, NULL, err, "create veth pair %s (peer %s)", host_name,
                           peer_name);
}

int net_bridge_create(struct net_nl *nl, const char *name, struct berth_error *err)
{
        int r = check_name("create bridge", name, err);
        if (r < 0)
                return r;
        struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
        mnl_attr_nest_end(nlh, linkinfo);
        return net_nl_talk(nl, nlh, NULL, NULL, err, "create bridge %s", name);
}

static const struct {
        const char *name;
        uint32_t mode;
} macvlan_modes[] = {
        { "bridge", MACVLAN_MODE_BRIDGE },
        { "vepa", MACVLAN_MODE_VEPA },
        { "private", MACVLAN_MODE_PRIVATE },
        { "passthru", MACVLAN_MODE_PASSTHRU },
};

int net_macvlan_create(struct net_nl *nl, const char *name, const char *lower_name,
                       const char *mode, int netns_fd, struct berth_error *err)
{
        int r = check_name("create macvlan", name, err);
        if (r < 0)
                return r;
        uint32_t m = 0;
        for (size_t i = 0; i < ARRAY_SIZE(macvlan_modes) && mode; i++)
                if (strcmp(mode, macvlan_modes[i].name) == 0)
                        m = macvlan_modes[i].mode;
        if (m == 0)
                return berth_error_setx(err, EINVAL,
                                        "create macvlan %s: unknown mode \"%s\" (bridge, vepa, "
                                        "private or passthru)",
                                        name, mode ? mode : "");
        int lower = net_link_index(nl, lower_name, err);
        if (lower < 0)
                return berth_error_prefix(err, "create macvlan %s", name);
        struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)lower);
        /* born in its namespace: its name only has to be free there, and
         * it never shows up here */
        if (netns_fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
        struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
        struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, m);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, linkinfo);
        return net_nl_talk(nl, nlh, NULL, NULL, err, "create macvlan %s on %s (mode %s)", name,
                           lower_name, mode);
}

int net_link_delete(struct net_nl *nl, const char *name, bool missing_ok, struct berth_error *err)
{
        int r = check_name("delete interface", name, err);
        if (r < 0)
                return r;
        struct nlmsghdr *nlh = link_msg(nl, RTM_DELLINK, 0, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        struct berth_error e = { 0 };
        r = net_nl_talk(nl, nlh, NULL, NULL, &e, "delete interface %s", name);
        if (r == -ENODEV && missing_ok)
                return 0;
        if (r < 0 && err)
                *err = e;
        return r;
}

/* ---- net_link_set: one request per property, so an error names it */

static int set_flags(struct net_nl *nl, int index, const char *name, bool up,
                     struct berth_error *err)
{
        struct nlmsghdr *nlh = net_nl_msg(nl, RTM_SETLINK, 0);
        struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
        ifm->ifi_family = AF_UNSPEC;
        ifm->ifi_index = index;
        ifm->ifi_change = IFF_UP;
        ifm->ifi_flags = up ? IFF_UP : 0;
        return net_nl_talk(nl, nlh, NULL, NULL, err, "bring %s %s", name, up ? "up" : "down");
}

int net_set_up(struct net_nl *nl, const char *ifname, struct berth_error *err)
{
        int index = net_link_index(nl, ifname, err);
        if (index < 0)
                return berth_error_prefix(err, "bring %s up", ifname);
        return set_flags(nl, index, ifname, true, err);
}

/* Move index (called ifname here) to c->netns_fd, as c->name when set.
 * The kernel moves first and renames over there, so a name taken there
 * would leave the link moved under its old name: look before moving. */
static int move(struct net_nl *nl, int index, const char *ifname, const struct net_link_conf *c,
                bool rename, struct berth_error *err)
{
        const char *final = rename ? c->name : ifname;
        struct net_nl *there = NULL;
        int r = net_nl_open(c->netns_fd, &there, err);
        if (r < 0)
                return berth_error_prefix(err, "move %s to netns fd %d", ifname, c->netns_fd);
        if (rename) {
                r = net_link_exists(there, c->name, err);
                if (r > 0)
                        r = berth_error_setx(err, EEXIST,
                                             "move %s to netns fd %d as %s: %s exists there",
                                             ifname, c->netns_fd, c->name, c->name);
                else if (r < 0)
                        berth_error_prefix(err, "move %s to netns fd %d", ifname, c->netns_fd);
        }
        if (r == 0) {
                struct nlmsghdr *nlh = link_msg(nl, RTM_SETLINK, 0, index);
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)c->netns_fd);
                if (rename)
                        mnl_attr_put_strz(nlh, IFLA_IFNAME, c->name);
                r = net_nl_talk(nl, nlh, NULL, NULL, err, "move %s to netns fd %d%s%s", ifname,
                                c->netns_fd, rename ? " as " : "", rename ? c->name : "");
        }
        /* the kernel closes a device on its way; bringing it up is ours,
         * through the socket over there */
        if (r == 0 && c->up) {
                r = net_set_up(there, final, err);
                if (r < 0)
                        berth_error_prefix(err, "after moving %s to netns fd %d", ifname,
                                           c->netns_fd);
        }
        net_nl_close(there);
        return r;
}

int net_link_set(struct net_nl *nl, const char *ifname, const struct net_link_conf *c,
                 struct berth_error *err)
{
        struct net_link_info info;
        struct nlmsghdr *nlh;
        bool moving = c->netns_fd >= 0;
        bool rename = c->name && strcmp(c->name, ifname) != 0;
        int r;

        if (c->name && !net_ifname_valid(c->name))
                return berth_error_setx(err, EINVAL,
                                        "rename %s to %s: invalid interface name (1 to %d bytes, "
                                        "no '/', ':' or spaces)",
                                        ifname, c->name, IFNAMSIZ - 1);
        if (moving && c->master > 0)
                return berth_error_setx(err, EINVAL,
                                        "configure %s: a bridge port cannot move to another "
                                        "network namespace (master and netns both set)",
                                        ifname);
        r = net_link_get(nl, ifname, &info, err);
        if (r < 0)
                return r;
        const char *name = ifname; /* what the link is called now */

        /* A rename in place needs the link down; a rename on the way to
         * another namespace happens there, in the move itself (the name
         * only has to be free in the target: eth1 may become eth0). */
        if (rename && !moving) {
                if (info.flags & IFF_UP) {
                        r = set_flags(nl, info.index, name, false, err);
                        if (r < 0)
                                return berth_error_prefix(err, "rename %s to %s", ifname, c->name);
                }
                nlh = link_msg(nl, RTM_SETLINK, 0, info.index);
                mnl_attr_put_strz(nlh, IFLA_IFNAME, c->name);
                r = net_nl_talk(nl, nlh, NULL, NULL, err, "rename %s to %s", ifname, c->name);
                if (r < 0) {
                        /* leave it as we found it */
                        if (info.flags & IFF_UP)
                                (void)set_flags(nl, info.index, ifname, true, NULL);
                        return r;
                }
                name = c->name;
        }
        if (c->mac) {
                char m[18];
                net_format_mac(c->mac, m);
                nlh = link_msg(nl, RTM_SETLINK, 0, info.index);
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, c->mac);
                r = net_nl_talk(nl, nlh, NULL, NULL, err, "set MAC address %s on %s", m, name);
                if (r < 0)
                        return r;
        }
        if (c->mtu > 0) {
                nlh = link_msg(nl, RTM_SETLINK, 0, info.index);
                mnl_attr_put_u32(nlh, IFLA_MTU, c->mtu);
                r = net_nl_talk(nl, nlh, NULL, NULL, err, "set mtu %u on %s", c->mtu, name);
                if (r < 0)
                        return r;
        }
        if (c->master > 0) {
                nlh = link_msg(nl, RTM_SETLINK, 0, info.index);
                mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)c->master);
                r = net_nl_talk(nl, nlh, NULL, NULL, err, "attach %s to bridge (ifindex %d)", name,
                                c->master);
                if (r < 0)
                        return r;
        }
        if (moving)
                return move(nl, info.index, ifname, c, rename, err);
        if (c->up || (rename && (info.flags & IFF_UP)))
                return set_flags(nl, info.index, name, true, err);
        return 0;
}
