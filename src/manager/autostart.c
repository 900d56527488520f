/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* autostart: the containers marked lxc.start.auto, in order. Which
 * process: the command (a boot script's), host namespaces, root. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "manager.h"
#include "util.h"

struct entry {
        char *name;
        int order, delay;
};

static int int_item(const struct lxc_config *cfg, const char *key)
{
        const char *v = lxc_config_get(cfg, key);
        int64_t n = 0;
        if (!v || parse_int64(v, &n) < 0 || n < -1000000 || n > 1000000)
                return 0;
        return (int)n;
}

/* Is one of the container's groups (lxc.group, space or comma separated,
 * repeatable) in the wanted list? "" in the list stands for no group. */
static bool group_match(const struct lxc_config *cfg, const char *wanted)
{
        _cleanup_free_ char *mine = lxc_config_get_all(cfg, "lxc.group");
        bool none = !mine || strspn(mine, " ,\t\n") == strlen(mine);
        _cleanup_free_ char *want = strdup(wanted ? wanted : "");
        if (!want)
                return false;
        /* "a,,b" or a trailing "," name the empty group */
        size_t n = strlen(want);
        bool want_none = n == 0 || want[0] == ',' || want[n - 1] == ',' || strstr(want, ",,");
        if (none)
                return want_none;
        char *s1 = NULL;
        for (char *w = strtok_r(want, ",", &s1); w; w = strtok_r(NULL, ",", &s1)) {
                _cleanup_free_ char *copy = strdup(mine);
                char *s2 = NULL;
                for (char *g = copy ? strtok_r(copy, " ,\t\n", &s2) : NULL; g;
                     g = strtok_r(NULL, " ,\t\n", &s2))
                        if (!strcmp(g, w))
                                return true;
        }
        return false;
}

static int cmp_entry(const void *a, const void *b)
{
        const struct entry *x = a, *y = b;
        return x->order != y->order ? (x->order < y->order ? -1 : 1) : strcmp(x->name, y->name);
}

int berth_autostart(const char *lxcpath, const struct berth_autostart_opts *opts,
                    berth_autostart_fn fn, void *data, struct berth_error *err)
{
        struct berth_autostart_opts none = { .timeout = -1 };
        const struct berth_autostart_opts *o = opts ? opts : &none;
        char **names = NULL;
        size_t n = 0;
        int r = berth_list_containers(lxcpath, &names, &n, err);
        if (r < 0)
                return r;
        struct entry *list = calloc(n + 1, sizeof(*list));
        size_t k = 0;
        for (size_t i = 0; list && i < n; i++) {
                struct berth_container *c = NULL;
                struct lxc_config *cfg = NULL;
                struct berth_error e = { 0 };
                if (berth_container_new(names[i], lxcpath, &c, &e) == 0 &&
                    mgr_load_config(c, NULL, &cfg, &e) == 0) {
                        const char *a = lxc_config_get(cfg, "lxc.start.auto");
                        if (a && !strcmp(a, "1") && (o->all || group_match(cfg, o->groups)))
                                list[k++] = (struct entry){ names[i],
                                                            int_item(cfg, "lxc.start.order"),
                                                            int_item(cfg, "lxc.start.delay") };
                } else if (fn && r == 0) {
                        /* a config that does not load is reported, not skipped silently */
                        fn(data, names[i], 0, 0, &e);
                }
                lxc_config_free(cfg);
                berth_container_free(c);
        }
        if (!list) {
                r = berth_error_setx(err, ENOMEM, "autostart");
                goto out;
        }
        qsort(list, k, sizeof(*list), cmp_entry);
        for (size_t j = 0; j < k; j++) {
                struct entry *en = &list[o->stop ? k - 1 - j : j];
                struct berth_error e = { 0 };
                struct berth_container *c = NULL;
                int q = 0;
                if (!o->list_only) {
                        q = berth_container_new(en->name, lxcpath, &c, &e);
                        enum berth_container_state s = BERTH_STOPPED;
                        if (q == 0)
                                q = berth_container_state(c, &s, NULL, &e);
                        if (q == 0 && o->stop && s != BERTH_STOPPED)
                                q = berth_container_stop(c, o->timeout, o->kill, &e);
                        else if (q == 0 && !o->stop && s == BERTH_STOPPED)
                                q = berth_container_start(c, NULL, NULL, &e);
                        berth_container_free(c);
                }
                if (fn)
                        fn(data, en->name, en->order, en->delay, q < 0 ? &e : NULL);
                if (q < 0 && r == 0) {
                        *err = e;
                        r = q;
                }
                if (!o->list_only && !o->stop && q == 0 && en->delay > 0 && j + 1 < k)
                        sleep((unsigned)en->delay);
        }
out:
        free(list);
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r;
}
