/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rtnetlink socket: opening it in a namespace, one request and its
 * ACK (with the kernel's extended ACK text), looking a link up.
 *
 * net_nl_open() with a namespace fd: the calling thread setns()es there,
 * makes the socket and comes back before it returns, error or not; the
 * socket stays bound to that namespace for its life. */
#include "dl.h"
#include "net-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static int open_here(struct net_nl **out, struct berth_error *err)
{
        _cleanup_free_ struct net_nl *nl = calloc(1, sizeof(*nl));
        if (nl == NULL)
                return berth_error_set(err, ENOMEM, "open a netlink socket");
        nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (nl->sock == NULL)
                return berth_error_set(err, errno, "open a netlink socket");
        int one = 1;
        int fd = mnl_socket_get_fd(nl->sock);
        /* best effort: without them (old kernels) errors just lose the
         * kernel's explanation, and ACKs carry our request back */
        (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
                int e = errno;
                mnl_socket_close(nl->sock);
                return berth_error_set(err, e, "bind a netlink socket");
        }
        nl->portid = mnl_socket_get_portid(nl->sock);
        nl->seq = (unsigned)time(NULL);
        *out = TAKE_PTR(nl);
        return 0;
}

int net_nl_open(int netns_fd, struct net_nl **out, struct berth_error *err)
{
        *out = NULL;
        int q = dl_need(DL_MNL, err);
        if (q < 0)
                return q;
        if (netns_fd < 0)
                return open_here(out, err);
        /* this thread's namespace: another thread may be elsewhere */
        _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return berth_error_set(err, errno, "open /proc/thread-self/ns/net");
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return berth_error_set(err, errno, "enter network namespace (fd %d)", netns_fd);
        /* from here every exit goes through the setns back */
        struct berth_error inner = { 0 };
        int r = open_here(out, &inner);
        if (setns(self, CLONE_NEWNET) < 0) {
                int e = errno;
                net_nl_close(*out);
                *out = NULL;
                return berth_error_set(err, e,
                                       "return to our own network namespace after opening a "
                                       "netlink socket in fd %d's (this thread is stuck there)",
                                       netns_fd);
        }
        if (r < 0) {
                if (err)
                        *err = inner;
                return berth_error_prefix(err, "network namespace (fd %d)", netns_fd);
        }
        return 0;
}

void net_nl_close(struct net_nl *nl)
{
        if (nl == NULL)
                return;
        mnl_socket_close(nl->sock);
        free(nl);
}

struct nlmsghdr *net_nl_msg(struct net_nl *nl, uint16_t type, uint16_t flags)
{
        memset(nl->req, 0, sizeof(struct nlmsghdr));
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->req);
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        nlh->nlmsg_seq = ++nl->seq;
        return nlh;
}

/* ---- one request, its replies */

struct talk {
        unsigned seq;
        mnl_cb_t cb;
        void *data;
        int error;     /* positive errno, first one wins */
        char ext[256]; /* NLMSGERR_ATTR_MSG */
};

static int on_data(const struct nlmsghdr *nlh, void *data)
{
        struct talk *t = data;
        /* a reply to an earlier request we gave up on: drop it */
        if (nlh->nlmsg_seq != t->seq || t->cb == NULL || t->error)
                return MNL_CB_OK;
        errno = 0;
        if (t->cb(nlh, t->data) == MNL_CB_ERROR)
                /* keep reading to the end, so the socket is clean for the
                 * next request */
                t->error = errno ? errno : EPROTO;
        return MNL_CB_OK;
}

static int on_extack_attr(const struct nlattr *a, void *data)
{
        struct talk *t = data;
        if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
            mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
                snprintf(t->ext, sizeof(t->ext), "%s", mnl_attr_get_str(a));
                /* the kernel's texts carry no final newline, but be sure */
                size_t n = strlen(t->ext);
                while (n > 0 && t->ext[n - 1] == '\n')
                        t->ext[--n] = '\0';
        }
        return MNL_CB_OK;
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
        struct talk *t = data;
        if (nlh->nlmsg_seq != t->seq)
                return MNL_CB_OK;
        const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
        if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
                t->error = t->error ? t->error : EBADMSG;
                return MNL_CB_STOP;
        }
        if (e->error == 0) /* the ACK */
                return MNL_CB_STOP;
        if (t->error == 0)
                t->error = -e->error;
        if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
                /* the TLVs follow the echoed request, or just its header
                 * when capped (NETLINK_CAP_ACK) */
                size_t off = sizeof(*e);
                if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > sizeof(e->msg))
                        off += e->msg.nlmsg_len - sizeof(e->msg);
                if (MNL_ALIGN(off) < mnl_nlmsg_get_payload_len(nlh))
                        mnl_attr_parse(nlh, (unsigned)off, on_extack_attr, t);
        }
        return MNL_CB_STOP;
}

static int on_done(const struct nlmsghdr *nlh, void *data)
{
        struct talk *t = data;
        if (nlh->nlmsg_seq != t->seq)
                return MNL_CB_OK;
        /* a dump that failed half-way says so in DONE's payload */
        if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
                int e = *(const int *)mnl_nlmsg_get_payload(nlh);
                if (e < 0 && t->error == 0)
                        t->error = -e;
        }
        return MNL_CB_STOP;
}

static int on_noop(const struct nlmsghdr *nlh, void *data)
{
        (void)nlh;
        (void)data;
        return MNL_CB_OK;
}

static int on_overrun(const struct nlmsghdr *nlh, void *data)
{
        struct talk *t = data;
        (void)nlh;
        if (t->error == 0)
                t->error = ENOBUFS;
        return MNL_CB_STOP;
}

static int run(struct net_nl *nl, struct nlmsghdr *nlh, struct talk *t)
{
        /* not static const: libmnl's prototype takes it non-const */
        mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
                [NLMSG_NOOP] = on_noop,
                [NLMSG_ERROR] = on_error,
                [NLMSG_DONE] = on_done,
                [NLMSG_OVERRUN] = on_overrun,
        };
        t->seq = nlh->nlmsg_seq;
        if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
                return errno;
        for (;;) {
                ssize_t n = mnl_socket_recvfrom(nl->sock, nl->recv, sizeof(nl->recv));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno;
                /* seq 0: our callbacks match sequence numbers themselves,
                 * so stale replies are skipped rather than fatal */
                int r = mnl_cb_run2(nl->recv, (size_t)n, 0, nl->portid, on_data, t, ctl,
                                    ARRAY_SIZE(ctl));
                if (r == MNL_CB_ERROR)
                        return t->error ? t->error : errno ? errno : EPROTO;
                if (r == MNL_CB_STOP)
                        return t->error;
        }
}

int net_nl_talk(struct net_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
                struct berth_error *err, const char *fmt, ...)
{
        struct talk t = { .cb = cb, .data = data };
        int e = run(nl, nlh, &t);
        if (e == 0)
                return 0;
        if (err == NULL)
                return -e;
        char what[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        if (t.ext[0])
                return berth_error_setx(err, e, "%s: %s (%s)", what, strerror(e), t.ext);
        return berth_error_set(err, e, "%s", what);
}

/* ---- looking a link up */

static int link_attr(const struct nlattr *a, void *data)
{
        const struct nlattr **tb = data;
        int type = mnl_attr_get_type(a);
        if (mnl_attr_type_valid(a, IFLA_MAX) > 0)
                tb[type] = a;
        return MNL_CB_OK;
}

static int info_attr(const struct nlattr *a, void *data)
{
        const struct nlattr **tb = data;
        int type = mnl_attr_get_type(a);
        if (mnl_attr_type_valid(a, IFLA_INFO_MAX) > 0)
                tb[type] = a;
        return MNL_CB_OK;
}

static int on_link(const struct nlmsghdr *nlh, void *data)
{
        struct net_link_info *info = data;
        const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
        if (nlh->nlmsg_type != RTM_NEWLINK)
                return MNL_CB_OK;
        const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
        if (mnl_attr_parse(nlh, sizeof(*ifm), link_attr, tb) < 0)
                return MNL_CB_ERROR;
        info->index = ifm->ifi_index;
        info->flags = ifm->ifi_flags;
        if (tb[IFLA_MTU] && mnl_attr_validate(tb[IFLA_MTU], MNL_TYPE_U32) == 0)
                info->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
        if (tb[IFLA_MASTER] && mnl_attr_validate(tb[IFLA_MASTER], MNL_TYPE_U32) == 0)
                info->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
        if (tb[IFLA_LINKINFO]) {
                const struct nlattr *li[IFLA_INFO_MAX + 1] = { 0 };
                if (mnl_attr_parse_nested(tb[IFLA_LINKINFO], info_attr, li) < 0)
                        return MNL_CB_ERROR;
                if (li[IFLA_INFO_KIND] &&
                    mnl_attr_validate(li[IFLA_INFO_KIND], MNL_TYPE_STRING) == 0)
                        snprintf(info->kind, sizeof(info->kind), "%.*s",
                                 (int)strnlen(mnl_attr_get_str(li[IFLA_INFO_KIND]),
                                              mnl_attr_get_payload_len(li[IFLA_INFO_KIND])),
                                 mnl_attr_get_str(li[IFLA_INFO_KIND]));
        }
        return MNL_CB_OK;
}

int net_link_get(struct net_nl *nl, const char *name, struct net_link_info *info,
                 struct berth_error *err)
{
        memset(info, 0, sizeof(*info));
        if (!net_ifname_valid(name))
                return berth_error_setx(err, EINVAL, "invalid interface name \"%s\"",
                                        name ? name : "");
        struct nlmsghdr *nlh = net_nl_msg(nl, RTM_GETLINK, 0);
        struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
        ifm->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        int r = net_nl_talk(nl, nlh, on_link, info, err, "find interface %s", name);
        if (r < 0)
                return r;
        if (info->index <= 0)
                return berth_error_setx(err, ENODEV, "find interface %s: no reply", name);
        return 0;
}

int net_link_index(struct net_nl *nl, const char *name, struct berth_error *err)
{
        struct net_link_info info;
        int r = net_link_get(nl, name, &info, err);
        return r < 0 ? r : info.index;
}

int net_link_exists(struct net_nl *nl, const char *name, struct berth_error *err)
{
        struct net_link_info info;
        struct berth_error e = { 0 };
        int r = net_link_get(nl, name, &info, &e);
        if (r == -ENODEV)
                return 0;
        if (r < 0) {
                if (err)
                        *err = e;
                return r;
        }
        return 1;
}

int net_link_kind(struct net_nl *nl, const char *name, char *kind, size_t len,
                  struct berth_error *err)
{
        struct net_link_info info;
        int r = net_link_get(nl, name, &info, err);
        if (r < 0)
                return r;
        if (strlen(info.kind) >= len)
                return berth_error_setx(err, ENAMETOOLONG, "kind of %s: \"%s\" is too long", name,
                                        info.kind);
        memcpy(kind, info.kind, strlen(info.kind) + 1);
        return 0;
}
