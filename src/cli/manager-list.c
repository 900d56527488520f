/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ls, info and autostart: the commands that report. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager.h"
#include "src/manager/info.h"

/* ["a","b"] -> "a, b"; empty -> "-" */
static void join(json_t *arr, char *buf, size_t len)
{
        size_t i, o = 0;
        json_t *v;
        buf[0] = '\0';
        json_array_foreach(arr, i, v)
        {
                int n = snprintf(buf + o, len - o, "%s%s", i ? ", " : "", json_string_value(v));
                if (n < 0 || (size_t)n >= len - o)
                        break;
                o += (size_t)n;
        }
        if (!buf[0])
                snprintf(buf, len, "-");
}

static json_t *info_of(const char *lxcpath, const char *name, struct berth_error *err)
{
        struct berth_container *c = NULL;
        char *text = NULL;
        int r = berth_container_new(name, lxcpath, &c, err);
        if (r == 0)
                r = berth_container_info(c, &text, err);
        berth_container_free(c);
        json_t *j = r == 0 ? json_loads(text, 0, NULL) : NULL;
        free(text);
        return j;
}

int mcmd_ls(struct mctx *m, int argc, char **argv)
{
        static const struct option longs[] = { MCMD_LONGS,
                                               { "fancy", no_argument, NULL, 'f' },
                                               { "running", no_argument, NULL, 'R' },
                                               { "stopped", no_argument, NULL, 'S' },
                                               { "frozen", no_argument, NULL, 'Z' },
                                               { "format", required_argument, NULL, 'o' },
                                               { 0 } };
        bool fancy = false, json = false;
        const char *only = NULL;
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS "f", longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100)
                        return q - 100;
                if (q == 1)
                        continue;
                if (c == 'f')
                        fancy = true;
                else if (c == 'R')
                        only = "RUNNING";
                else if (c == 'S')
                        only = "STOPPED";
                else if (c == 'Z')
                        only = "FROZEN";
                else if (!strcmp(optarg, "json") || !strcmp(optarg, "table"))
                        json = !strcmp(optarg, "json");
                else {
                        cli_errorf(&m->log, "ls: unknown format '%s' (table or json)", optarg);
                        return 2;
                }
        }
        if (m->name || optind < argc) {
                cli_errorf(&m->log, "ls: unexpected argument '%s'",
                           m->name ? m->name : argv[optind]);
                return 2;
        }
        struct berth_error err = { 0 };
        char **names = NULL;
        size_t n = 0;
        if (berth_list_containers(m->lxcpath, &names, &n, &err) < 0)
                return mcmd_error(m, &err);
        json_t *all = json_array();
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
                json_t *j = info_of(m->lxcpath, names[i], &err);
                if (!j) {
                        rc = mcmd_error(m, &err);
                        continue;
                }
                const char *state = json_string_value(json_object_get(j, "state"));
                if (only && strcmp(state, only))
                        json_decref(j);
                else
                        json_array_append_new(all, j);
        }
        size_t i;
        json_t *j;
        if (json) {
                char *text = json_dumps(all, JSON_INDENT(2) | JSON_SORT_KEYS);
                printf("%s\n", text ? text : "[]");
                free(text);
        } else if (fancy) {
                printf("%-20s %-9s %-18s %-26s %-9s %-8s %s\n", "NAME", "STATE", "IPV4", "IPV6",
                       "AUTOSTART", "PID", "MEMORY");
                json_array_foreach(all, i, j)
                {
                        char v4[256], v6[512], mem[32] = "-", pid[24] = "-";
                        join(json_object_get(j, "ipv4"), v4, sizeof(v4));
                        join(json_object_get(j, "ipv6"), v6, sizeof(v6));
                        json_t *usage = json_object_get(json_object_get(j, "memory"), "usage");
                        if (json_is_integer(usage))
                                (void)info_format_bytes((uint64_t)json_integer_value(usage), mem, sizeof(mem));
                        json_int_t p = json_integer_value(json_object_get(j, "pid"));
                        if (p > 0)
                                snprintf(pid, sizeof(pid), "%lld", (long long)p);
                        printf("%-20s %-9s %-18s %-26s %-9s %-8s %s\n",
                               json_string_value(json_object_get(j, "name")),
                               json_string_value(json_object_get(j, "state")), v4, v6,
                               json_is_true(json_object_get(j, "autostart")) ? "YES" : "NO",
                               pid, mem);
                }
        } else {
                json_array_foreach(all, i, j)
                        printf("%s\n", json_string_value(json_object_get(j, "name")));
        }
        json_decref(all);
        for (size_t k = 0; k < n; k++)
                free(names[k]);
        free(names);
        return rc;
}

static void print_ns(json_t *ns)
{
        const char *key;
        json_t *v;
        json_object_foreach(ns, key, v)
        {
                if (!json_is_object(v))
                        continue;
                json_int_t mine = json_integer_value(json_object_get(v, "container"));
                json_int_t host = json_integer_value(json_object_get(v, "host"));
                printf("  %-8s %-12lld host %-12lld%s\n", key, (long long)mine,
                       (long long)host, mine == host ? " (shared)" : "");
        }
}

int mcmd_info(struct mctx *m, int argc, char **argv)
{
        static const struct option longs[] = { MCMD_LONGS,
                                               { "format", required_argument, NULL, 'o' },
                                               { 0 } };
        bool json = false;
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS, longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100)
                        return q - 100;
                if (q == 1)
                        continue;
                if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
                        cli_errorf(&m->log, "info: unknown format '%s' (text or json)", optarg);
                        return 2;
                }
                json = !strcmp(optarg, "json");
        }
        int r = mcmd_name(m, argc, argv);
        if (r)
                return r;
        struct berth_error err = { 0 };
        char *text = NULL;
        if (berth_container_info(m->c, &text, &err) < 0)
                return mcmd_error(m, &err);
        if (json) {
                printf("%s\n", text);
                free(text);
                return 0;
        }
        json_t *j = json_loads(text, 0, NULL);
        free(text);
        char buf[512];
        printf("Name:        %s\n", json_string_value(json_object_get(j, "name")));
        printf("State:       %s\n", json_string_value(json_object_get(j, "state")));
        json_int_t pid = json_integer_value(json_object_get(j, "pid"));
        if (pid > 0)
                printf("PID:         %lld\n", (long long)pid);
        join(json_object_get(j, "ipv4"), buf, sizeof(buf));
        printf("IPv4:        %s\n", buf);
        join(json_object_get(j, "ipv6"), buf, sizeof(buf));
        printf("IPv6:        %s\n", buf);
        printf("Autostart:   %s\n", json_is_true(json_object_get(j, "autostart")) ? "YES" : "NO");
        json_t *cpu = json_object_get(json_object_get(j, "cpu"), "usage_ns");
        if (json_is_integer(cpu))
                printf("CPU use:     %.2f seconds\n", (double)json_integer_value(cpu) / 1e9);
        json_t *mem = json_object_get(json_object_get(j, "memory"), "usage");
        if (json_is_integer(mem)) {
                (void)info_format_bytes((uint64_t)json_integer_value(mem), buf, sizeof(buf));
                printf("Memory use:  %s\n", buf);
        }
        json_t *pids = json_object_get(json_object_get(j, "pids"), "current");
        if (json_is_integer(pids))
                printf("Processes:   %lld\n", (long long)json_integer_value(pids));
        json_t *cg = json_object_get(j, "cgroup");
        if (json_is_string(cg))
                printf("Cgroup:      %s\n", json_string_value(cg));
        json_t *ex = json_object_get(j, "last_exit");
        if (json_is_object(ex))
                printf("Last exit:   status %lld at %s\n",
                       (long long)json_integer_value(json_object_get(ex, "status")),
                       json_string_value(json_object_get(ex, "at")));
        json_t *ns = json_object_get(j, "namespaces");
        if (json_is_object(ns)) {
                printf("Namespaces:\n");
                print_ns(ns);
        }
        json_decref(j);
        return 0;
}

static void autostart_report(void *data, const char *name, int order, int delay,
                             const struct berth_error *e)
{
        const bool *list = data;
        if (e)
                fprintf(stderr, "berth: autostart: %s\n", e->msg);
        else if (*list)
                printf("%s %d %d\n", name, order, delay);
}

int mcmd_autostart(struct mctx *m, int argc, char **argv)
{
        static const struct option longs[] = { MCMD_LONGS,
                                               { "list", no_argument, NULL, 'L' },
                                               { "stop", no_argument, NULL, 's' },
                                               { "shutdown", no_argument, NULL, 's' },
                                               { "kill", no_argument, NULL, 'k' },
                                               { "timeout", required_argument, NULL, 't' },
                                               { "groups", required_argument, NULL, 'g' },
                                               { "all", no_argument, NULL, 'a' },
                                               { 0 } };
        struct berth_autostart_opts o = { .timeout = -1 };
        char *groups = NULL;
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS "Lskt:g:a", longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100) {
                        free(groups);
                        return q - 100;
                }
                if (q == 1)
                        continue;
                if (c == 'L')
                        o.list_only = true;
                else if (c == 's')
                        o.stop = true;
                else if (c == 'k')
                        o.stop = o.kill = true;
                else if (c == 'a')
                        o.all = true;
                else if (c == 't') {
                        if (mcmd_seconds(m, "--timeout", optarg, &o.timeout)) {
                                free(groups);
                                return 2;
                        }
                } else {
                        char *g = NULL;
                        if (asprintf(&g, "%s%s%s", groups ? groups : "", groups ? "," : "",
                                     optarg) < 0) {
                                free(groups);
                                return cli_errorf(&m->log, "autostart: out of memory");
                        }
                        free(groups);
                        groups = g;
                }
        }
        if (m->name || optind < argc) {
                free(groups);
                cli_errorf(&m->log, "autostart: unexpected argument '%s'",
                           m->name ? m->name : argv[optind]);
                return 2;
        }
        o.groups = groups;
        struct berth_error err = { 0 };
        bool list = o.list_only;
        int r = berth_autostart(m->lxcpath, &o, autostart_report, &list, &err);
        free(groups);
        return r < 0 ? 1 : 0;
}
