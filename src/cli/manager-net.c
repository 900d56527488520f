/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth net create|ls|delete`: berth's bridges (src/manager/netdb.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager.h"
#include "net.h"
#include "src/manager/netdb.h"

#define LXCPATH_OPT                                                                                \
        "  -P, --lxcpath DIR    where containers and bridges live (default /var/lib/berth)\n"

struct netsub {
        const char *name;
        int (*run)(struct mctx *m, const struct netsub *s, int argc, char **argv);
        const char *args, *summary, *options;
};

static int sub_usage(const struct netsub *s, FILE *f)
{
        fprintf(f, "Usage: berth net %s %s\n\n%s\n\nOptions:\n%s", s->name, s->args, s->summary,
                s->options);
        return f == stdout ? 0 : 2;
}

static int sub_bad_option(struct mctx *m, const struct netsub *s, char **argv)
{
        if (optopt)
                cli_errorf(&m->log,
                           "net %s: unknown option or missing value '-%c' (try berth "
                           "net %s --help)",
                           s->name, optopt, s->name);
        else
                cli_errorf(&m->log,
                           "net %s: unknown option or missing value '%s' (try berth "
                           "net %s --help)",
                           s->name, argv[optind - 1], s->name);
        return 2;
}

/* The one NAME operand (and nothing after it); 0, or 2 after an error line. */
static int want_name(struct mctx *m, const struct netsub *s, int argc, char **argv,
                     const char **name)
{
        if (optind >= argc) {
                cli_errorf(&m->log, "net %s: which bridge? (try berth net %s --help)", s->name,
                           s->name);
                return 2;
        }
        *name = argv[optind++];
        if (optind < argc) {
                cli_errorf(&m->log, "net %s: unexpected argument '%s'", s->name, argv[optind]);
                return 2;
        }
        return 0;
}

/* --ipv4/--ipv6 CIDR: the bridge's own address with its prefix. */
static int parse_addr(struct mctx *m, const char *flag, int family, const char *s,
                      struct netdb_addr *a)
{
        struct berth_error err = { 0 };
        int fam = 0;
        if (!strchr(s, '/')) {
                cli_errorf(&m->log, "net create: %s %s: give the prefix length too, e.g. %s", flag,
                           s, family == AF_INET ? "10.0.3.1/24" : "fd00:3::1/64");
                return 2;
        }
        if (net_parse_cidr(s, &fam, a->addr, &a->prefix, &err) < 0) {
                cli_errorf(&m->log, "net create: %s: %s", flag, err.msg);
                return 2;
        }
        if (fam != family) {
                cli_errorf(&m->log, "net create: %s %s: not an %s address", flag, s,
                           family == AF_INET ? "IPv4" : "IPv6");
                return 2;
        }
        a->set = true;
        return 0;
}

static int net_create(struct mctx *m, const struct netsub *s, int argc, char **argv)
{
        static const struct option longs[] = { { "help", no_argument, NULL, 'h' },
                                               { "lxcpath", required_argument, NULL, 'P' },
                                               { "ipv4", required_argument, NULL, '4' },
                                               { "ipv6", required_argument, NULL, '6' },
                                               { "nat", no_argument, NULL, 'N' },
                                               { 0 } };
        struct netdb_bridge b = { 0 };
        int c;
        while ((c = getopt_long(argc, argv, "hP:", longs, NULL)) != -1) {
                switch (c) {
                case 'h':
                        return sub_usage(s, stdout);
                case 'P':
                        m->lxcpath = optarg;
                        break;
                case '4':
                        if (parse_addr(m, "--ipv4", AF_INET, optarg, &b.ipv4))
                                return 2;
                        break;
                case '6':
                        if (parse_addr(m, "--ipv6", AF_INET6, optarg, &b.ipv6))
                                return 2;
                        break;
                case 'N':
                        b.nat = true;
                        break;
                default:
                        return sub_bad_option(m, s, argv);
                }
        }
        const char *name;
        int r = want_name(m, s, argc, argv, &name);
        if (r)
                return r;
        const char *why = netdb_bridge_name_check(name);
        if (why) {
                cli_errorf(&m->log, "net create: bridge \"%s\": %s", name, why);
                return 2;
        }
        snprintf(b.name, sizeof(b.name), "%s", name);
        struct berth_error err = { 0 };
        if (netdb_bridge_create(m->lxcpath, &b, &err) < 0) {
                berth_error_prefix(&err, "net create %s", name);
                return mcmd_error(m, &err);
        }
        return 0;
}

static int net_delete(struct mctx *m, const struct netsub *s, int argc, char **argv)
{
        static const struct option longs[] = { { "help", no_argument, NULL, 'h' },
                                               { "lxcpath", required_argument, NULL, 'P' },
                                               { 0 } };
        int c;
        while ((c = getopt_long(argc, argv, "hP:", longs, NULL)) != -1) {
                if (c == 'h')
                        return sub_usage(s, stdout);
                if (c != 'P')
                        return sub_bad_option(m, s, argv);
                m->lxcpath = optarg;
        }
        const char *name;
        int r = want_name(m, s, argc, argv, &name);
        if (r)
                return r;
        struct berth_error err = { 0 };
        if (netdb_bridge_delete(m->lxcpath, name, &err) < 0) {
                berth_error_prefix(&err, "net delete %s", name);
                return mcmd_error(m, &err);
        }
        return 0;
}

static const char *state_of(const struct netdb_bridge *b)
{
        if (!b->exists)
                return "missing";
        if (!b->is_bridge)
                return "not-a-bridge";
        return b->up ? "up" : "down";
}

static int net_ls(struct mctx *m, const struct netsub *s, int argc, char **argv)
{
        static const struct option longs[] = { { "help", no_argument, NULL, 'h' },
                                               { "lxcpath", required_argument, NULL, 'P' },
                                               { "format", required_argument, NULL, 'o' },
                                               { 0 } };
        bool json = false;
        int c;
        while ((c = getopt_long(argc, argv, "hP:", longs, NULL)) != -1) {
                if (c == 'h')
                        return sub_usage(s, stdout);
                if (c == 'P') {
                        m->lxcpath = optarg;
                } else if (c == 'o' && (!strcmp(optarg, "json") || !strcmp(optarg, "table"))) {
                        json = !strcmp(optarg, "json");
                } else if (c == 'o') {
                        cli_errorf(&m->log, "net ls: unknown format '%s' (table or json)", optarg);
                        return 2;
                } else {
                        return sub_bad_option(m, s, argv);
                }
        }
        if (optind < argc) {
                cli_errorf(&m->log, "net ls: unexpected argument '%s'", argv[optind]);
                return 2;
        }
        struct berth_error err = { 0 };
        struct netdb_bridge *v = NULL;
        size_t n = 0;
        if (netdb_bridge_list(m->lxcpath, &v, &n, &err) < 0)
                return mcmd_error(m, &err);
        char v4[64], v6[64];
        if (json) {
                json_t *all = json_array();
                for (size_t i = 0; i < n; i++) {
                        netdb_addr_format(&v[i].ipv4, AF_INET, v4, sizeof(v4));
                        netdb_addr_format(&v[i].ipv6, AF_INET6, v6, sizeof(v6));
                        json_array_append_new(
                                all,
                                json_pack("{s:s, s:o, s:o, s:b, s:s}", "name", v[i].name, "ipv4",
                                          v[i].ipv4.set ? json_string(v4) : json_null(), "ipv6",
                                          v[i].ipv6.set ? json_string(v6) : json_null(), "nat",
                                          v[i].nat, "state", state_of(&v[i])));
                }
                char *text = json_dumps(all, JSON_INDENT(2));
                printf("%s\n", text ? text : "[]");
                free(text);
                json_decref(all);
        } else {
                int w4 = 4, w6 = 4, wn = 4;
                for (size_t i = 0; i < n; i++) {
                        netdb_addr_format(&v[i].ipv4, AF_INET, v4, sizeof(v4));
                        netdb_addr_format(&v[i].ipv6, AF_INET6, v6, sizeof(v6));
                        wn = (int)strlen(v[i].name) > wn ? (int)strlen(v[i].name) : wn;
                        w4 = (int)strlen(v4) > w4 ? (int)strlen(v4) : w4;
                        w6 = (int)strlen(v6) > w6 ? (int)strlen(v6) : w6;
                }
                printf("%-*s  %-*s  %-*s  %-3s  %s\n", wn, "NAME", w4, "IPV4", w6, "IPV6", "NAT",
                       "STATE");
                for (size_t i = 0; i < n; i++) {
                        netdb_addr_format(&v[i].ipv4, AF_INET, v4, sizeof(v4));
                        netdb_addr_format(&v[i].ipv6, AF_INET6, v6, sizeof(v6));
                        printf("%-*s  %-*s  %-*s  %-3s  %s\n", wn, v[i].name, w4, v4, w6, v6,
                               v[i].nat ? "yes" : "no", state_of(&v[i]));
                }
        }
        free(v);
        return 0;
}

static const struct netsub subs[] = {
        { "create", net_create, "NAME [--ipv4 CIDR] [--ipv6 CIDR] [--nat]",
          "Make a bridge with its addresses, forwarding on, and with --nat NAT rules.\n"
          "The address given is the bridge's own (10.0.3.1/24); containers on it get the\n"
          "next free ones. --nat masquerades the subnet going out and holds the ports\n"
          "published with lxc.net.N.berth.publish.",
          "      --ipv4 CIDR      the bridge's IPv4 address and subnet, e.g. 10.0.3.1/24\n"
          "      --ipv6 CIDR      the bridge's IPv6 address and subnet, e.g. fd00:3::1/64\n"
          "      --nat            masquerade the subnet going out; allow published "
          "ports\n" LXCPATH_OPT },
        { "ls", net_ls, "[--format table|json]", "List berth's bridges: NAME IPV4 IPV6 NAT STATE.",
          "      --format F       table or json\n" LXCPATH_OPT },
        { "delete", net_delete, "NAME",
          "Delete a bridge: the device, its NAT rules, its record and its address leases.",
          LXCPATH_OPT },
};

static int net_usage(FILE *f)
{
        fprintf(f, "Usage: berth net COMMAND [OPTIONS]\n\nBridges for containers "
                   "(lxc.net.N.link), their subnets, NAT and address leases.\n\nCommands:\n");
        for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
                const char *nl = strchr(subs[i].summary, '\n');
                int len = nl ? (int)(nl - subs[i].summary) : (int)strlen(subs[i].summary);
                fprintf(f, "  %-8s %.*s\n", subs[i].name, len, subs[i].summary);
        }
        fprintf(f, "\nberth net COMMAND --help shows a command's options.\n");
        return f == stdout ? 0 : 2;
}

int mcmd_net(struct mctx *m, int argc, char **argv)
{
        /* -P may come before the subcommand too ("berth net -P DIR ls"), as
         * the other manager commands take it right after their name. */
        while (argc >= 2) {
                const char *a = argv[1], *dir = NULL;
                int used = 1;
                if (!strncmp(a, "--lxcpath=", 10))
                        dir = a + 10;
                else if (!strncmp(a, "-P", 2) && a[2])
                        dir = a + 2;
                else if (!strcmp(a, "-P") || !strcmp(a, "--lxcpath")) {
                        if (argc < 3) {
                                cli_errorf(&m->log, "net: %s needs a directory", a);
                                return 2;
                        }
                        dir = argv[2];
                        used = 2;
                } else
                        break;
                m->lxcpath = dir;
                /* argv[0] ("net") moves up over what was used */
                argv[used] = argv[0];
                argc -= used;
                argv += used;
        }
        if (argc < 2) {
                cli_errorf(&m->log,
                           "net: which command? (create, ls, delete; try berth net --help)");
                return 2;
        }
        if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
                return net_usage(stdout);
        for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
                if (strcmp(subs[i].name, argv[1]))
                        continue;
                optind = 1;
                opterr = 0;
                return subs[i].run(m, &subs[i], argc - 1, argv + 1);
        }
        cli_errorf(&m->log, "net: unknown command '%s' (create, ls, delete)", argv[1]);
        return 2;
}
