/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LXC-syntax config files: reading (with lxc.include), validating each
 * item against the key table in lxc-config-keys.c, keeping every line
 * (comments too) so a config can be written back as it was. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "error.h"
#include "lxc-config.h"
#include "util.h"

/* Deep enough for any real layout, shallow enough to stop an include loop. */
#define LXC_INCLUDE_DEPTH_MAX 8
/* Interface numbers are array-ish indexes in LXC; refuse absurd ones. */
#define LXC_NET_INDEX_MAX 1023

/* Where an item came from, for "FILE:LINE: " (nothing for lxc_config_set). */
struct origin {
        const char *file;
        unsigned line;
};

static int key_error(struct berth_error *err, const struct origin *o, const char *key,
                     const char *why)
{
        if (o->file)
                return berth_error_setx(err, EINVAL, "%s:%u: %s: %s", o->file, o->line, key, why);
        return berth_error_setx(err, EINVAL, "%s: %s", key, why);
}

struct lxc_config *lxc_config_new(void)
{
        struct lxc_config *cfg = calloc(1, sizeof(*cfg));
        if (cfg)
                cfg->legacy_net = -1;
        return cfg;
}

static void net_clear(struct lxc_net *n)
{
        free(n->type);
        free(n->link);
        free(n->flags);
        free(n->hwaddr);
        free(n->name);
        free(n->veth_pair);
        free(n->macvlan_mode);
        free(n->ipv4_gateway);
        free(n->ipv6_gateway);
        strv_free(n->ipv4);
        strv_free(n->ipv6);
        strv_free(n->publish);
}

void lxc_config_free(struct lxc_config *cfg)
{
        if (!cfg)
                return;
        for (size_t i = 0; i < cfg->n_items; i++) {
                free(cfg->items[i].key);
                free(cfg->items[i].value);
                free(cfg->items[i].file);
        }
        free(cfg->items);
        for (size_t i = 0; i < cfg->n_nets; i++)
                net_clear(&cfg->nets[i]);
        free(cfg->nets);
        free(cfg);
}

const struct lxc_net *lxc_config_net(const struct lxc_config *cfg, int index)
{
        for (size_t i = 0; i < cfg->n_nets; i++)
                if (cfg->nets[i].index == index)
                        return &cfg->nets[i];
        return NULL;
}

static struct lxc_net *net_get(struct lxc_config *cfg, int index)
{
        struct lxc_net *n = (struct lxc_net *)lxc_config_net(cfg, index);
        if (n)
                return n;
        n = realloc(cfg->nets, (cfg->n_nets + 1) * sizeof(*n));
        if (!n)
                return NULL;
        cfg->nets = n;
        n = &cfg->nets[cfg->n_nets++];
        *n = (struct lxc_net){ .index = index };
        return n;
}

static int net_next_index(const struct lxc_config *cfg)
{
        int next = 0;
        for (size_t i = 0; i < cfg->n_nets; i++)
                if (cfg->nets[i].index >= next)
                        next = cfg->nets[i].index + 1;
        return next;
}

/* Store a network key's value in its struct lxc_net field. */
static int net_apply(struct lxc_config *cfg, const struct lxc_key *k, int index,
                     const char *value)
{
        struct lxc_net *n = net_get(cfg, index);
        if (!n)
                return -ENOMEM;
        void *field = (char *)n + k->net_off;
        switch (k->net_kind) {
        case LXC_NF_NONE:
                break;
        case LXC_NF_STR: {
                char **s = field;
                free(*s);
                *s = NULL;
                if (*value && !(*s = strdup(value)))
                        return -ENOMEM;
                break;
        }
        case LXC_NF_UINT: {
                uint64_t v = 0;
                if (*value && parse_uint64(value, &v) < 0)
                        return -EINVAL;
                *(unsigned *)field = (unsigned)v;
                break;
        }
        case LXC_NF_LIST: {
                char ***list = field;
                if (!*value) { /* an empty value clears the list, as in LXC */
                        strv_free(*list);
                        *list = NULL;
                        break;
                }
                size_t len = *list ? strv_len(*list) : 0;
                char **nl = realloc(*list, (len + 2) * sizeof(char *));
                if (!nl)
                        return -ENOMEM;
                *list = nl;
                if (!(nl[len] = strdup(value)))
                        return -ENOMEM;
                nl[len + 1] = NULL;
                break;
        }
        }
        return 0;
}

/* The interface number in "lxc.net.N.…", or -1. */
static int net_index_of(const char *key)
{
        const char *p = key + strlen("lxc.net.");
        int n = 0;
        for (; isdigit((unsigned char)*p); p++) {
                n = n * 10 + (*p - '0');
                if (n > LXC_NET_INDEX_MAX)
                        return -1;
        }
        return n;
}

/* The name an item is stored under, and its interface number (-1 when it
 * is not a network key). `starting` says whether an old lxc.network.type
 * may open the next interface (parsing and setting: yes; get: no). */
static int resolve(struct lxc_config *cfg, const struct lxc_key *k, const char *key, bool starting,
                   char *out, size_t len, int *index)
{
        *index = -1;
        const char *name = k->new_name ? k->new_name : key;
        if (k->net_kind == LXC_NF_NONE) {
                snprintf(out, len, "%s", name);
                return 0;
        }
        if (!k->new_name) {
                *index = net_index_of(key);
                if (*index < 0)
                        return -ERANGE;
                snprintf(out, len, "%s", key);
                return 0;
        }
        if (starting && k->check == LXC_CHECK_NETTYPE)
                cfg->legacy_net = net_next_index(cfg);
        if (cfg->legacy_net < 0)
                return -ENOENT;
        *index = cfg->legacy_net;
        const char *hash = strchr(name, '#');
        snprintf(out, len, "%.*s%d%s", (int)(hash - name), name, *index, hash + 1);
        return 0;
}

static int item_append(struct lxc_config *cfg, const char *key, const char *value,
                       const struct origin *o)
{
        if (cfg->n_items == cfg->cap_items) {
                size_t cap = cfg->cap_items ? cfg->cap_items * 2 : 32;
                struct lxc_config_item *ni = realloc(cfg->items, cap * sizeof(*ni));
                if (!ni)
                        return -ENOMEM;
                cfg->items = ni;
                cfg->cap_items = cap;
        }
        struct lxc_config_item *it = &cfg->items[cfg->n_items];
        *it = (struct lxc_config_item){ .line = o->line, .depth = cfg->depth };
        it->key = key ? strdup(key) : NULL;
        it->value = strdup(value);
        it->file = o->file ? strdup(o->file) : NULL;
        if ((key && !it->key) || !it->value || (o->file && !it->file)) {
                free(it->key);
                free(it->value);
                free(it->file);
                return -ENOMEM;
        }
        cfg->n_items++;
        return 0;
}

static int include_path(struct lxc_config *cfg, const char *path, struct berth_error *err);

/* lxc.include: a file, or a directory whose *.conf files are read in
 * name order; a relative path is relative to the including file. */
static int do_include(struct lxc_config *cfg, const char *value, const struct origin *o,
                      struct berth_error *err)
{
        if (cfg->depth >= LXC_INCLUDE_DEPTH_MAX)
                return key_error(err, o, "lxc.include", "includes nested more than 8 deep (a loop?)");
        _cleanup_free_ char *path = NULL;
        const char *slash = o->file ? strrchr(o->file, '/') : NULL;
        if (value[0] != '/' && slash) {
                if (asprintf(&path, "%.*s/%s", (int)(slash - o->file), o->file, value) < 0)
                        return berth_error_set(err, ENOMEM, "lxc.include");
        } else if (!(path = strdup(value))) {
                return berth_error_set(err, ENOMEM, "lxc.include");
        }
        struct stat st;
        if (stat(path, &st) < 0) {
                berth_error_set(err, errno, "%s", path);
                return o->file ? berth_error_prefix(err, "%s:%u: lxc.include", o->file, o->line)
                               : berth_error_prefix(err, "lxc.include");
        }
        if (!S_ISDIR(st.st_mode))
                return include_path(cfg, path, err);

        struct dirent **names = NULL;
        int n = scandir(path, &names, NULL, alphasort);
        if (n < 0)
                return berth_error_set(err, errno, "lxc.include: read directory %s", path);
        int r = 0;
        for (int i = 0; i < n; i++) {
                const char *d = names[i]->d_name;
                size_t len = strlen(d);
                if (r == 0 && d[0] != '.' && len > 5 && !strcmp(d + len - 5, ".conf")) {
                        _cleanup_free_ char *file = NULL;
                        if (asprintf(&file, "%s/%s", path, d) < 0)
                                r = berth_error_set(err, ENOMEM, "lxc.include");
                        else
                                r = include_path(cfg, file, err);
                }
                free(names[i]);
        }
        free(names);
        return r;
}

/* Validate one key = value and record it; `replace` (lxc_config_set)
 * overwrites a single-valued key's top-level item instead of appending. */
static int apply(struct lxc_config *cfg, const char *key, const char *value,
                 const struct origin *o, bool replace, struct berth_error *err)
{
        const struct lxc_key *k = lxc_key_lookup(key);
        if (!k) {
                char buf[128], why[192];
                const char *hint = lxc_key_suggest(key, buf, sizeof(buf));
                if (hint)
                        snprintf(why, sizeof(why), "unknown key; did you mean %s?", hint);
                else
                        snprintf(why, sizeof(why), "unknown key");
                return key_error(err, o, key, why);
        }
        const char *why = lxc_value_check(k->check, value);
        if (why) {
                char msg[512];
                snprintf(msg, sizeof(msg), "%s (got \"%.200s\")", why, value);
                return key_error(err, o, key, msg);
        }
        char name[160];
        int index;
        int r = resolve(cfg, k, key, true, name, sizeof(name), &index);
        if (r == -ENOENT)
                return key_error(err, o, key, "no interface yet: lxc.network.type must come first");
        if (r == -ERANGE)
                return key_error(err, o, key, "interface number above 1023");
        if (index >= 0 && (r = net_apply(cfg, k, index, value)) < 0)
                return berth_error_set(err, -r, "%s", key);

        /* Replace only when the top-level item is also the one in effect. */
        if (replace && !k->list) {
                for (size_t i = cfg->n_items; i-- > 0;) {
                        struct lxc_config_item *it = &cfg->items[i];
                        if (!it->key || strcmp(it->key, name))
                                continue;
                        if (it->depth != 0)
                                break;
                        char *v = strdup(value);
                        if (!v)
                                return berth_error_set(err, ENOMEM, "%s", key);
                        free(it->value);
                        it->value = v;
                        return 0;
                }
        }
        if ((r = item_append(cfg, name, value, o)) < 0)
                return berth_error_set(err, -r, "%s", key);
        if (!strcmp(name, "lxc.include") && *value)
                return do_include(cfg, value, o, err);
        return 0;
}

static char *trim(char *s)
{
        while (isspace((unsigned char)*s))
                s++;
        char *e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1]))
                *--e = '\0';
        return s;
}

static int parse_line(struct lxc_config *cfg, char *line, const struct origin *o,
                      struct berth_error *err)
{
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
                line[len - 1] = '\0';
        const char *start = line + strspn(line, " \t");
        if (*start == '\0' || *start == '#') {
                int r = item_append(cfg, NULL, line, o);
                return r < 0 ? berth_error_set(err, -r, "%s:%u", o->file, o->line) : 0;
        }
        char *eq = strchr(line, '=');
        if (!eq)
                return key_error(err, o, trim(line), "malformed line: expected KEY = VALUE");
        *eq = '\0';
        char *key = trim(line);
        if (!*key)
                return key_error(err, o, "=", "malformed line: no key before '='");
        return apply(cfg, key, trim(eq + 1), o, false, err);
}

int lxc_config_parse_text(const char *text, const char *name, struct lxc_config *cfg,
                          struct berth_error *err)
{
        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                return berth_error_set(err, ENOMEM, "%s", name);
        struct origin o = { .file = name, .line = 0 };
        char *next = copy;
        /* A final line without '\n' is a line; an empty tail after '\n' is not. */
        while (*next) {
                char *line = next;
                char *nl = strchr(line, '\n');
                if (nl) {
                        *nl = '\0';
                        next = nl + 1;
                } else {
                        next = line + strlen(line);
                }
                o.line++;
                int r = parse_line(cfg, line, &o, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int include_path(struct lxc_config *cfg, const char *path, struct berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_at(AT_FDCWD, path, &text, &len);
        if (r < 0)
                return berth_error_set(err, -r, "read %s", path);
        if (strlen(text) != len)
                return berth_error_setx(err, EINVAL, "%s: contains a NUL byte", path);
        cfg->depth++;
        r = lxc_config_parse_text(text, path, cfg, err);
        cfg->depth--;
        return r;
}

int lxc_config_load(const char *path, struct lxc_config **out, struct berth_error *err)
{
        struct lxc_config *cfg = lxc_config_new();
        if (!cfg)
                return berth_error_set(err, ENOMEM, "%s", path);
        cfg->depth = -1; /* include_path counts the top file as one level */
        int r = include_path(cfg, path, err);
        cfg->depth = 0;
        if (r < 0) {
                lxc_config_free(cfg);
                return r;
        }
        *out = cfg;
        return 0;
}

const char *lxc_config_get(const struct lxc_config *cfg, const char *key)
{
        const struct lxc_key *k = lxc_key_lookup(key);
        if (!k)
                return NULL;
        char name[160];
        int index;
        if (resolve((struct lxc_config *)cfg, k, key, false, name, sizeof(name), &index) < 0)
                return NULL;
        for (size_t i = cfg->n_items; i-- > 0;)
                if (cfg->items[i].key && !strcmp(cfg->items[i].key, name))
                        return cfg->items[i].value;
        return NULL;
}

char *lxc_config_get_all(const struct lxc_config *cfg, const char *key)
{
        const struct lxc_key *k = lxc_key_lookup(key);
        char name[160];
        int index;
        if (!k || resolve((struct lxc_config *)cfg, k, key, false, name, sizeof(name), &index) < 0)
                return strdup("");
        if (!k->list) {
                const char *v = lxc_config_get(cfg, key);
                return strdup(v ? v : "");
        }
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        bool first = true;
        for (size_t i = 0; i < cfg->n_items; i++)
                if (cfg->items[i].key && !strcmp(cfg->items[i].key, name)) {
                        fprintf(f, "%s%s", first ? "" : "\n", cfg->items[i].value);
                        first = false;
                }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

int lxc_config_set(struct lxc_config *cfg, const char *key, const char *value,
                   struct berth_error *err)
{
        struct origin o = { 0 };
        _cleanup_free_ char *v = strdup(value);
        if (!v)
                return berth_error_set(err, ENOMEM, "%s", key);
        return apply(cfg, key, trim(v), &o, true, err);
}

char *lxc_config_dump(const struct lxc_config *cfg)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        for (size_t i = 0; i < cfg->n_items; i++) {
                const struct lxc_config_item *it = &cfg->items[i];
                if (it->depth != 0)
                        continue;
                if (it->key)
                        fprintf(f, "%s = %s\n", it->key, it->value);
                else
                        fprintf(f, "%s\n", it->value);
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

int lxc_split_words(const char *s, char ***out)
{
        size_t n = 0, len = strlen(s);
        char **v = calloc(len / 2 + 2, sizeof(char *));
        char *buf = malloc(len + 1);
        if (!v || !buf) {
                free(v);
                free(buf);
                return -ENOMEM;
        }
        const char *p = s;
        int r = 0;
        for (;;) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p)
                        break;
                size_t o = 0;
                char quote = 0;
                for (; *p && (quote || (*p != ' ' && *p != '\t')); p++) {
                        if (quote == '\'') {
                                if (*p == '\'')
                                        quote = 0;
                                else
                                        buf[o++] = *p;
                        } else if (*p == '\\' && p[1] &&
                                   (!quote || p[1] == '"' || p[1] == '\\')) {
                                buf[o++] = *++p;
                        } else if (quote == '"' && *p == '"') {
                                quote = 0;
                        } else if (!quote && (*p == '\'' || *p == '"')) {
                                quote = *p;
                        } else {
                                buf[o++] = *p;
                        }
                }
                if (quote) {
                        r = -EINVAL;
                        break;
                }
                buf[o] = '\0';
                if (!(v[n++] = strdup(buf))) {
                        r = -ENOMEM;
                        break;
                }
        }
        free(buf);
        if (r < 0) {
                strv_free(v);
                return r;
        }
        *out = v;
        return 0;
}

char *lxc_quote_word(const char *w)
{
        if (*w && !strpbrk(w, " \t'\"\\"))
                return strdup(w);
        /* '...' keeps everything but ' itself, written as '\'' */
        size_t n = 2;
        for (const char *p = w; *p; p++)
                n += *p == '\'' ? 4 : 1;
        char *out = malloc(n + 1), *o = out;
        if (!out)
                return NULL;
        *o++ = '\'';
        for (const char *p = w; *p; p++) {
                if (*p == '\'') {
                        memcpy(o, "'\\''", 4);
                        o += 4;
                } else {
                        *o++ = *p;
                }
        }
        *o++ = '\'';
        *o = '\0';
        return out;
}
