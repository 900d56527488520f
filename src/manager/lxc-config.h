/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LXC-syntax container configs: `key = value` lines, `#` comments,
 * lxc.include, old key names mapped onto the current ones. Pure parsing
 * and validation; nothing here touches the system beyond reading files. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "berth.h"

/* One line as read. key == NULL: a comment or blank line, kept verbatim in
 * `value` so a config written back loses nothing. Items read through
 * lxc.include have depth > 0 and are not written back by lxc_config_dump. */
struct lxc_config_item {
        char *key; /* the current key name (old names are mapped) */
        char *value;
        char *file;
        unsigned line;
        int depth;
};

struct lxc_net {
        int index; /* N of lxc.net.N */
        char *type, *link, *flags, *hwaddr, *name, *veth_pair, *macvlan_mode;
        unsigned mtu;
        char **ipv4, **ipv6; /* NULL-terminated, "addr/prefix" as written */
        char **publish;      /* lxc.net.N.berth.publish: "8080:80/tcp", berth's own */
        char *ipv4_gateway, *ipv6_gateway;
};

struct lxc_config {
        struct lxc_config_item *items;
        size_t n_items, cap_items;
        struct lxc_net *nets; /* in order of first appearance */
        size_t n_nets;
        int legacy_net; /* interface the old lxc.network.* keys fill; -1 none */
        int depth;      /* lxc.include nesting while parsing */
};

/* Read `path` (and what it includes) into a new config. */
int lxc_config_load(const char *path, struct lxc_config **out, struct berth_error *err);
/* A new, empty config. */
struct lxc_config *lxc_config_new(void);
/* Parse `text` and append its items; `name` is the file named in errors
 * and the base for relative lxc.include paths. On error the items before
 * the bad line stay in `cfg`: a caller that wants all or nothing parses
 * into a fresh config (as lxc_config_load does). */
int lxc_config_parse_text(const char *text, const char *name, struct lxc_config *cfg,
                          struct berth_error *err);
void lxc_config_free(struct lxc_config *cfg);
/* The last value of `key` (old names accepted), or NULL. */
const char *lxc_config_get(const struct lxc_config *cfg, const char *key);
/* Every value of `key` (a list key's, in order), joined with newlines;
 * "" when unset; NULL on ENOMEM. malloc'd. */
char *lxc_config_get_all(const struct lxc_config *cfg, const char *key);
/* Validate and set: a list key appends; any other key replaces its value
 * in the top-level file (or is appended when the file does not have it). */
int lxc_config_set(struct lxc_config *cfg, const char *key, const char *value,
                   struct berth_error *err);
/* The top-level file's items as text (comments included); NULL on ENOMEM. */
char *lxc_config_dump(const struct lxc_config *cfg);
/* The interface lxc.net.<index>, or NULL. */
const struct lxc_net *lxc_config_net(const struct lxc_config *cfg, int index);

/* lxc.init.cmd's words: split on blanks, with '...' and "..." quoting and
 * backslash escapes, as LXC reads it. -EINVAL for an open quote. */
int lxc_split_words(const char *s, char ***out);
/* w as one such word (quoted when it must be); malloc'd, NULL on ENOMEM. */
char *lxc_quote_word(const char *w);

/* Key table lookup (lxc-config-keys.c). */
enum lxc_check {
        LXC_CHECK_STRING,
        LXC_CHECK_BOOL,
        LXC_CHECK_UINT,
        LXC_CHECK_INT,
        LXC_CHECK_SIGNAL,
        LXC_CHECK_UID,
        LXC_CHECK_PATH,
        LXC_CHECK_IPV4,
        LXC_CHECK_IPV6,
        LXC_CHECK_IPV4_GW,
        LXC_CHECK_IPV6_GW,
        LXC_CHECK_MAC,
        LXC_CHECK_NETTYPE,
        LXC_CHECK_NETFLAGS,
        LXC_CHECK_PUBLISH,
        LXC_CHECK_IDMAP,
        LXC_CHECK_MACVLAN_MODE,
};
enum lxc_net_field_kind { LXC_NF_NONE, LXC_NF_STR, LXC_NF_LIST, LXC_NF_UINT };

struct lxc_key {
        const char *name; /* '#' stands for a decimal interface number */
        bool prefix;      /* matches name + anything non-empty */
        bool list;        /* repeated keys append instead of overriding */
        enum lxc_check check;
        const char *new_name;  /* for an old key: what it is stored as */
        enum lxc_net_field_kind net_kind;
        size_t net_off;        /* offsetof(struct lxc_net, field) */
};

const struct lxc_key *lxc_key_lookup(const char *key);
/* "why" when `value` is not valid for `check`, NULL when it is. */
const char *lxc_value_check(enum lxc_check check, const char *value);
/* The closest known key to an unknown one (into buf), or NULL. */
const char *lxc_key_suggest(const char *key, char *buf, size_t len);
