/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LXC config -> struct berth_spec. The translation builds a config.json
 * document and loads it with spec_load_text(), so the result has passed
 * the same checks as any OCI bundle and is owned exactly as spec_free()
 * expects. Errors found here name the LXC key; the few the spec loader
 * finds afterwards (a sysctl without its namespace, ...) name the JSON. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "cleanup.h"
#include "lxc-spec-internal.h"
#include "lxc-spec.h"
#include "spec-walk.h"
#include "util.h"

/* "unlimited" rlimits travel through JSON (signed) as this, then become
 * RLIM_INFINITY in the loaded spec. */
#define RLIM_JSON_UNLIMITED INT64_MAX

/* "<name>/config: <key>: <message>", EINVAL */
int lxs_fail(struct tr *t, const char *fmt, ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return berth_error_setx(t->err, EINVAL, "%s: %s: %s", t->cfgname, t->key, msg);
}

/* The jansson setters fail only on ENOMEM (or a NULL value, itself from
 * ENOMEM): remembered once and reported at the end. */
void lxs_put(struct tr *t, json_t *obj, const char *key, json_t *v)
{
        if (!v || json_object_set_new(obj, key, v) < 0)
                t->oom = true;
}

void lxs_push(struct tr *t, json_t *arr, json_t *v)
{
        if (!v || json_array_append_new(arr, v) < 0)
                t->oom = true;
}

/* obj[key], created as an object (or array) when absent. */
json_t *lxs_sub(struct tr *t, json_t *obj, const char *key, bool array)
{
        json_t *v = json_object_get(obj, key);
        if (v)
                return v;
        v = array ? json_array() : json_object();
        lxs_put(t, obj, key, v);
        return json_object_get(obj, key);
}

json_t *lxs_resources(struct tr *t, const char *section)
{
        json_t *res = lxs_sub(t, t->lnx, "resources", false);
        return res ? lxs_sub(t, res, section, strcmp(section, "devices") == 0) : NULL;
}

json_t *lxs_strv_json(const char *const *v, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, json_string(v[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

/* ---- capabilities ---- */

static int cap_lookup(struct tr *t, const char *word, cap_value_t *out)
{
        char name[64];
        /* LXC writes them "sys_admin"; "CAP_SYS_ADMIN" is accepted too. */
        int n = snprintf(name, sizeof(name), "%s%s", strncasecmp(word, "cap_", 4) ? "cap_" : "",
                         word);
        if (n < 0 || (size_t)n >= sizeof(name))
                return lxs_fail(t, "unknown capability \"%s\"", word);
        for (char *p = name; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        if (cap_from_name(name, out) < 0 || *out >= MAX_CAPS || *out >= (int)cap_max_bits())
                return lxs_fail(t, "unknown capability \"%s\"", word);
        return 0;
}

static int caps_apply(struct tr *t, const char *value, bool keep)
{
        _cleanup_free_ char *copy = strdup(value);
        if (!copy)
                return berth_error_setx(t->err, ENOMEM, "%s", t->key);
        if (keep && !t->caps_kept) {
                memset(t->caps, 0, sizeof(t->caps));
                t->caps_kept = true;
        }
        char *save = NULL;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                if (keep && strcmp(w, "none") == 0)
                        continue;
                cap_value_t c;
                int r = cap_lookup(t, w, &c);
                if (r < 0)
                        return r;
                t->caps[c] = keep;
        }
        return 0;
}

static int h_cap_drop(struct tr *t, const char *sub_key, const char *value)
{
        (void)sub_key;
        return caps_apply(t, value, false);
}

static int h_cap_keep(struct tr *t, const char *sub_key, const char *value)
{
        (void)sub_key;
        return caps_apply(t, value, true);
}

static json_t *caps_json(const struct tr *t)
{
        json_t *a = json_array();
        int n = (int)cap_max_bits();
        for (cap_value_t c = 0; a && c < n && c < MAX_CAPS; c++) {
                if (!t->caps[c])
                        continue;
                char *name = cap_to_name(c);
                if (!name)
                        continue;
                for (char *p = name; *p; p++)
                        *p = (char)toupper((unsigned char)*p);
                /* a cap newer than libcap comes back as a number: skip it */
                if (cap_name_is_valid(name) && json_array_append_new(a, json_string(name)) < 0) {
                        json_decref(a);
                        a = NULL;
                }
                cap_free(name);
        }
        return a;
}

/* ---- the rest of the list keys ---- */

static int h_idmap(struct tr *t, const char *sub_key, const char *value)
{
        (void)sub_key;
        char type;
        unsigned long long cid, hid, size;
        char extra;
        if (sscanf(value, " %c %llu %llu %llu %c", &type, &cid, &hid, &size, &extra) != 4 ||
            !strchr("ugb", type) || cid > UINT32_MAX || hid > UINT32_MAX || size > UINT32_MAX)
                return lxs_fail(t, "\"%s\" is not \"u|g CONTAINER-ID HOST-ID COUNT\"", value);
        if (type != 'g')
                lxs_push(t, lxs_sub(t, t->lnx, "uidMappings", true),
                     json_pack("{s:I, s:I, s:I}", "containerID", (json_int_t)cid, "hostID",
                               (json_int_t)hid, "size", (json_int_t)size));
        if (type != 'u')
                lxs_push(t, lxs_sub(t, t->lnx, "gidMappings", true),
                     json_pack("{s:I, s:I, s:I}", "containerID", (json_int_t)cid, "hostID",
                               (json_int_t)hid, "size", (json_int_t)size));
        return 0;
}

static int rlimit_value(const char *s, size_t len, json_int_t *out)
{
        char buf[32];
        uint64_t v;
        if (len == 0 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (strcmp(buf, "unlimited") == 0) {
                *out = RLIM_JSON_UNLIMITED;
                return 0;
        }
        if (parse_uint64(buf, &v) < 0 || v >= RLIM_JSON_UNLIMITED)
                return -EINVAL;
        *out = (json_int_t)v;
        return 0;
}

/* lxc.prlimit.nofile = 1024:2048, or one number for both */
static int h_prlimit(struct tr *t, const char *resource, const char *value)
{
        char type[64] = "RLIMIT_";
        size_t n = strlen(type);
        for (const char *p = resource; *p && n + 1 < sizeof(type); p++)
                type[n++] = (char)toupper((unsigned char)*p);
        type[n] = '\0';
        if (rlimit_from_name(type) < 0)
                return lxs_fail(t, "unknown limit \"%s\"", resource);
        const char *colon = strchr(value, ':');
        json_int_t soft, hard;
        if (rlimit_value(value, colon ? (size_t)(colon - value) : strlen(value), &soft) < 0 ||
            rlimit_value(colon ? colon + 1 : value, strlen(colon ? colon + 1 : value), &hard) < 0)
                return lxs_fail(t, "\"%s\" is not SOFT[:HARD] (numbers or \"unlimited\")", value);
        if ((uint64_t)soft > (uint64_t)hard)
                return lxs_fail(t, "the soft limit is above the hard one");
        json_t *rl = lxs_sub(t, t->process, "rlimits", true);
        size_t i;
        json_t *e;
        json_array_foreach (rl, i, e)
                if (strcmp(json_string_value(json_object_get(e, "type")), type) == 0) {
                        json_array_remove(rl, i); /* a later setting replaces */
                        break;
                }
        lxs_push(t, rl, json_pack("{s:s, s:I, s:I}", "type", type, "soft", soft, "hard", hard));
        return 0;
}

static int h_sysctl(struct tr *t, const char *key, const char *value)
{
        lxs_put(t, lxs_sub(t, t->lnx, "sysctl", false), key, json_string(value));
        return 0;
}

static int h_env(struct tr *t, const char *sub_key, const char *value)
{
        (void)sub_key;
        if (!strchr(value, '=') || value[0] == '=')
                return lxs_fail(t, "\"%s\" is not NAME=VALUE", value);
        lxs_push(t, lxs_sub(t, t->process, "env", true), json_string(value));
        return 0;
}

static int h_unsupported(struct tr *t, const char *sub_key, const char *value)
{
        (void)sub_key;
        if (value[0] == '\0')
                return 0;
        return lxs_fail(t, "not supported yet");
}

static const struct handler {
        const char *key;
        bool prefix; /* the rest of the key is passed to fn */
        int (*fn)(struct tr *t, const char *sub_key, const char *value);
} handlers[] = {
        { "lxc.cap.drop", false, h_cap_drop },
        { "lxc.cap.keep", false, h_cap_keep },
        { "lxc.cgroup.", true, lxs_h_cgroup1 },
        { "lxc.cgroup2.", true, lxs_h_cgroup2 },
        { "lxc.mount.entry", false, lxs_h_mount_entry },
        { "lxc.mount.auto", false, lxs_h_mount_auto },
        { "lxc.mount.fstab", false, h_unsupported },
        { "lxc.seccomp.profile", false, h_unsupported },
        { "lxc.idmap", false, h_idmap },
        { "lxc.prlimit.", true, h_prlimit },
        { "lxc.sysctl.", true, h_sysctl },
        { "lxc.environment", false, h_env },
};

static int translate_items(struct tr *t, const struct lxc_config *cfg)
{
        for (size_t i = 0; i < cfg->n_items; i++) {
                const struct lxc_config_item *it = &cfg->items[i];
                if (!it->key)
                        continue;
                for (size_t h = 0; h < COUNT(handlers); h++) {
                        size_t n = strlen(handlers[h].key);
                        if (handlers[h].prefix ? strncmp(it->key, handlers[h].key, n) != 0
                                               : strcmp(it->key, handlers[h].key) != 0)
                                continue;
                        t->key = it->key;
                        int r = handlers[h].fn(t, it->key + (handlers[h].prefix ? n : 0),
                                               it->value ? it->value : "");
                        if (r < 0)
                                return r;
                        break;
                }
        }
        return 0;
}

/* ---- the single-valued keys and the defaults ---- */

static json_t *seccomp_json(void)
{
        /* What LXC's default filter refuses: loading kernels and modules,
         * opening files by handle (escapes bind mounts), and the keyring
         * (not namespaced). */
        return json_pack("{s:s, s:[{s:o, s:s, s:i}]}", "defaultAction", "SCMP_ACT_ALLOW",
                         "syscalls", "names",
                         STRV("kexec_load", "open_by_handle_at", "init_module", "finit_module",
                              "delete_module", "keyctl"),
                         "action", "SCMP_ACT_ERRNO", "errnoRet", EPERM);
}

static int id_value(struct tr *t, const struct lxc_config *cfg, const char *key, json_int_t *out)
{
        const char *v = lxc_config_get(cfg, key);
        uint64_t id = 0;
        t->key = key;
        if (v && *v && (parse_uint64(v, &id) < 0 || id > UINT32_MAX))
                return lxs_fail(t, "%s is not a user or group id", v);
        *out = (json_int_t)id;
        return 0;
}

static int process_json(struct tr *t, const struct lxc_config *cfg)
{
        const char *cmd = lxc_config_get(cfg, "lxc.init.cmd");
        const char *cwd = lxc_config_get(cfg, "lxc.init.cwd");
        json_int_t uid, gid;
        int r = id_value(t, cfg, "lxc.init.uid", &uid);
        if (r == 0)
                r = id_value(t, cfg, "lxc.init.gid", &gid);
        if (r < 0)
                return r;
        _cleanup_strv_ char **words = NULL;
        t->key = "lxc.init.cmd";
        int q = lxc_split_words(cmd && *cmd ? cmd : "/sbin/init", &words);
        if (q == -EINVAL)
                return lxs_fail(t, "a quote is not closed");
        json_t *args = json_array();
        if (q < 0 || !args) {
                json_decref(args);
                return berth_error_setx(t->err, ENOMEM, "%s", t->cfgname);
        }
        lxs_put(t, t->process, "args", args);
        for (char **w = words; *w; w++)
                lxs_push(t, args, json_string(*w));
        if (json_array_size(args) == 0)
                return lxs_fail(t, "no command");
        lxs_put(t, t->process, "terminal", json_false());
        lxs_put(t, t->process, "user", json_pack("{s:I, s:I}", "uid", uid, "gid", gid));
        lxs_put(t, t->process, "cwd", json_string(cwd && *cwd ? cwd : "/"));
        /* As LXC's container=lxc: tells systemd and friends where they run. */
        lxs_push(t, lxs_sub(t, t->process, "env", true), json_string("container=berth"));

        const char *nnp = lxc_config_get(cfg, "lxc.no_new_privs");
        if (nnp && strcmp(nnp, "1") == 0)
                lxs_put(t, t->process, "noNewPrivileges", json_true());
        const char *aa = lxc_config_get(cfg, "lxc.apparmor.profile");
        t->key = "lxc.apparmor.profile";
        if (aa && strcmp(aa, "generated") == 0)
                return lxs_fail(t, "\"generated\" is not supported yet; name a loaded profile");
        if (aa && *aa && strcmp(aa, "unconfined") != 0)
                lxs_put(t, t->process, "apparmorProfile", json_string(aa));
        const char *se = lxc_config_get(cfg, "lxc.selinux.context");
        if (se && *se && strcmp(se, "unconfined") != 0)
                lxs_put(t, t->process, "selinuxLabel", json_string(se));
        return 0;
}

static void linux_defaults(struct tr *t, const struct lxc_config *cfg)
{
        /* lxc.net.N.type = none: the host's network; any other type gets a
         * new namespace (what goes into it is the network plan's job). */
        bool netns = true;
        for (size_t i = 0; i < cfg->n_nets; i++)
                if (cfg->nets[i].type && strcmp(cfg->nets[i].type, "none") == 0)
                        netns = false;
        json_t *ns = lxs_sub(t, t->lnx, "namespaces", true);
        static const char *const names[] = { "pid", "mount", "uts", "ipc", "cgroup" };
        for (size_t i = 0; i < COUNT(names); i++)
                lxs_push(t, ns, json_pack("{s:s}", "type", names[i]));
        if (netns)
                lxs_push(t, ns, json_pack("{s:s}", "type", "network"));
        if (json_object_get(t->lnx, "uidMappings") || json_object_get(t->lnx, "gidMappings"))
                lxs_push(t, ns, json_pack("{s:s}", "type", "user"));
        lxs_put(t, t->lnx, "seccomp", seccomp_json());
        lxs_put(t, t->lnx, "readonlyPaths",
            t->proc_rw ? json_array() : STRV("/proc/sys", "/proc/sysrq-trigger"));
}

static int root_path(struct tr *t, const struct lxc_config *cfg, const char *container_dir,
                     char **out)
{
        const char *p = lxc_config_get(cfg, "lxc.rootfs.path");
        t->key = "lxc.rootfs.path";
        if (!p || !*p) {
                if (asprintf(out, "%s/rootfs", container_dir) < 0)
                        return berth_error_setx(t->err, ENOMEM, "%s", t->cfgname);
                return 0;
        }
        if (strncmp(p, "dir:", 4) == 0)
                p += 4;
        if (p[0] != '/')
                return lxs_fail(t, "\"%s\": only a directory (an absolute path) is supported yet", p);
        *out = strdup(p);
        return *out ? 0 : berth_error_setx(t->err, ENOMEM, "%s", t->cfgname);
}

/* RLIM_JSON_UNLIMITED stood for RLIM_INFINITY only in transit. */
static void fix_unlimited(struct berth_spec *spec)
{
        for (size_t i = 0; i < spec->process.n_rlimits; i++) {
                struct berth_rlimit *rl = &spec->process.rlimits[i];
                if (rl->soft == RLIM_JSON_UNLIMITED)
                        rl->soft = RLIM_INFINITY;
                if (rl->hard == RLIM_JSON_UNLIMITED)
                        rl->hard = RLIM_INFINITY;
        }
}

static int build(struct tr *t, const struct lxc_config *cfg, const char *name,
                 const char *container_dir, json_t *doc)
{
        static const cap_value_t lxc_dropped[] = { CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_TIME,
                                                   CAP_MAC_ADMIN, CAP_MAC_OVERRIDE };
        /* every capability we hold: one outside our bounding set could
         * never be given, and would fail the start */
        for (int c = 0; c < (int)cap_max_bits() && c < MAX_CAPS; c++)
                t->caps[c] = prctl(PR_CAPBSET_READ, c) == 1;
        for (size_t i = 0; i < COUNT(lxc_dropped); i++)
                t->caps[lxc_dropped[i]] = false;
        /* the runtime denies every device, allows the /dev nodes it makes,
         * and then (this annotation) applies the config's rules, so that
         * lxc.cgroup.devices.deny can take a default device away as in LXC */
        lxs_put(t, doc, "annotations",
                json_pack("{s:s}", "org.berth.devices.config-last", "true"));

        int r = translate_items(t, cfg);
        if (r == 0)
                r = process_json(t, cfg);
        if (r < 0)
                return r;
        linux_defaults(t, cfg);
        json_t *caps = caps_json(t);
        lxs_put(t, t->process, "capabilities",
            json_pack("{s:O, s:O, s:O, s:[], s:[]}", "bounding", caps, "effective", caps,
                      "permitted", caps, "inheritable", "ambient"));
        json_decref(caps);

        _cleanup_free_ char *root = NULL;
        r = root_path(t, cfg, container_dir, &root);
        if (r < 0)
                return r;
        const char *host = lxc_config_get(cfg, "lxc.uts.name");
        lxs_put(t, doc, "ociVersion", json_string("1.2.0"));
        lxs_put(t, doc, "root", json_pack("{s:s}", "path", root));
        lxs_put(t, doc, "hostname", json_string(host && *host ? host : name));
        lxs_put(t, doc, "mounts", lxs_mounts_json(t));
        return 0;
}

/* The loader's errors say "<name>/config:LINE:COL: <json path>: ...", a
 * position in the generated JSON the user never sees: keep the path. */
static void drop_position(struct berth_error *err, const char *cfgname)
{
        size_t n = strlen(cfgname);
        if (strncmp(err->msg, cfgname, n) != 0 || err->msg[n] != ':')
                return;
        char *p = err->msg + n + 1;
        size_t digits = strspn(p, "0123456789:");
        if (digits > 0 && p[digits] == ' ')
                memmove(p, p + digits, strlen(p + digits) + 1);
}

int lxc_to_spec(const struct lxc_config *cfg, const char *name, const char *container_dir,
                struct berth_spec **out, struct berth_error *err)
{
        _cleanup_free_ char *cfgname = NULL;
        if (asprintf(&cfgname, "%s/config", name) < 0)
                return berth_error_setx(err, ENOMEM, "%s/config", name);
        struct tr t = { .cfgname = cfgname, .key = "", .err = err };
        json_t *doc = json_object();
        t.process = json_object();
        t.lnx = json_object();
        t.entries = json_array();
        lxs_put(&t, doc, "process", t.process);
        lxs_put(&t, doc, "linux", t.lnx);
        int r = t.oom || !t.entries ? berth_error_setx(err, ENOMEM, "%s", cfgname)
                                    : build(&t, cfg, name, container_dir, doc);
        char *text = NULL;
        if (r == 0 && !t.oom)
                text = json_dumps(doc, JSON_INDENT(2));
        json_decref(t.entries);
        json_decref(doc);
        if (r < 0)
                return r;
        if (!text)
                return berth_error_setx(err, ENOMEM, "%s", cfgname);
        r = spec_load_text(text, strlen(text), cfgname, NULL, out, err);
        free(text);
        if (r < 0)
                drop_position(err, cfgname);
        else
                fix_unlimited(*out);
        return r;
}
