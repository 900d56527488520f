/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LXC -> spec: the cgroup keys (lxc.cgroup.*, lxc.cgroup2.*) and the
 * mounts (the defaults, lxc.mount.auto, lxc.mount.entry). */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "lxc-spec-internal.h"
#include "util.h"

/* "512M", "1g", "4096": bytes; k, m, g, t are powers of 1024, an optional
 * trailing B as LXC users write it. */
static int parse_size(const char *s, int64_t *out)
{
        static const char units[] = "kmgt";
        char *end;
        if (!isdigit((unsigned char)*s))
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return -EINVAL;
        if (*end) {
                const char *u = strchr(units, tolower((unsigned char)*end));
                if (!u)
                        return -EINVAL;
                end++;
                if (*end == 'b' || *end == 'B')
                        end++;
                if (*end)
                        return -EINVAL;
                for (long i = 0; i <= u - units; i++) {
                        if (v > (unsigned long long)INT64_MAX / 1024)
                                return -EINVAL;
                        v *= 1024;
                }
        }
        if (v > (unsigned long long)INT64_MAX)
                return -EINVAL;
        *out = (int64_t)v;
        return 0;
}

/* ---- cgroup keys ---- */

static int cg_memory(struct tr *t, const char *value)
{
        int64_t v = -1;
        if (strcmp(value, "max") != 0 && strcmp(value, "-1") != 0 && parse_size(value, &v) < 0)
                return lxs_fail(t, "%s is not a size", value);
        lxs_put(t, lxs_resources(t, "memory"), "limit", json_integer(v));
        return 0;
}

static int cg_shares(struct tr *t, const char *value)
{
        uint64_t v;
        if (parse_uint64(value, &v) < 0 || v > INT64_MAX)
                return lxs_fail(t, "%s is not a number", value);
        lxs_put(t, lxs_resources(t, "cpu"), "shares", json_integer((json_int_t)v));
        return 0;
}

static int cg_cpus(struct tr *t, const char *value)
{
        lxs_put(t, lxs_resources(t, "cpu"), "cpus", json_string(value));
        return 0;
}

static int cg_mems(struct tr *t, const char *value)
{
        lxs_put(t, lxs_resources(t, "cpu"), "mems", json_string(value));
        return 0;
}

static int cg_pids(struct tr *t, const char *value)
{
        int64_t v = -1;
        if (strcmp(value, "max") != 0 && (parse_int64(value, &v) < 0 || v < -1))
                return lxs_fail(t, "%s is not a number or \"max\"", value);
        lxs_put(t, lxs_resources(t, "pids"), "limit", json_integer(v));
        return 0;
}

static int dev_number(const char *s, json_int_t *out)
{
        if (strcmp(s, "*") == 0) {
                *out = -1;
                return 0;
        }
        uint64_t v;
        if (parse_uint64(s, &v) < 0 || v > UINT32_MAX)
                return -EINVAL;
        *out = (json_int_t)v;
        return 0;
}

/* "a", "c 1:3 rwm", "b *:* m", "c 136:* rw" */
static int cg_device(struct tr *t, const char *value, bool allow)
{
        char type, numbers[64] = "*:*", access[8] = "rwm";
        int n = sscanf(value, " %c %63s %7s", &type, numbers, access);
        char *colon = strchr(numbers, ':');
        json_int_t major = -1, minor = -1;
        if (n < 1 || !strchr("abc", type) || !colon)
                return lxs_fail(t, "\"%s\" is not a device rule (like \"c 1:3 rwm\" or \"a\")", value);
        size_t na = strlen(access);
        bool ok = na > 0 && na <= 3 && strspn(access, "rwm") == na;
        for (size_t i = 0; ok && i < na; i++)
                ok = strchr(access + i + 1, access[i]) == NULL;
        if (!ok)
                return lxs_fail(t, "access \"%s\" is not a combination of r, w and m", access);
        *colon = '\0';
        if (dev_number(numbers, &major) < 0 || dev_number(colon + 1, &minor) < 0)
                return lxs_fail(t, "\"%s\": bad device numbers", value);
        const char type_s[2] = { type, '\0' };
        json_t *rule = json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", allow, "type", type_s,
                                 "major", major, "minor", minor, "access", access);
        lxs_push(t, lxs_resources(t, "devices"), rule);
        return 0;
}

static int cg_allow(struct tr *t, const char *value)
{
        return cg_device(t, value, true);
}

static int cg_deny(struct tr *t, const char *value)
{
        return cg_device(t, value, false);
}

enum { CG_V1 = 1, CG_V2 = 2 };

static const struct cg_key {
        const char *file;
        unsigned versions;
        int (*fn)(struct tr *t, const char *value);
} cg_keys[] = {
        { "memory.limit_in_bytes", CG_V1, cg_memory },
        { "memory.max", CG_V2, cg_memory },
        { "cpu.shares", CG_V1, cg_shares },
        { "cpuset.cpus", CG_V1 | CG_V2, cg_cpus },
        { "cpuset.mems", CG_V1 | CG_V2, cg_mems },
        { "pids.max", CG_V1 | CG_V2, cg_pids },
        { "devices.allow", CG_V1 | CG_V2, cg_allow },
        { "devices.deny", CG_V1 | CG_V2, cg_deny },
};

static int cgroup_key(struct tr *t, const char *file, const char *value, unsigned version)
{
        for (size_t i = 0; i < COUNT(cg_keys); i++)
                if ((cg_keys[i].versions & version) && strcmp(cg_keys[i].file, file) == 0)
                        return cg_keys[i].fn(t, value);
        if (version == CG_V1)
                return lxs_fail(t, "not supported yet (a cgroup2 file can be set with lxc.cgroup2.)");
        /* A cgroup2 file the spec has no field for goes through as is. */
        lxs_put(t, lxs_resources(t, "unified"), file, json_string(value));
        return 0;
}

int lxs_h_cgroup1(struct tr *t, const char *file, const char *value)
{
        return cgroup_key(t, file, value, CG_V1);
}

int lxs_h_cgroup2(struct tr *t, const char *file, const char *value)
{
        return cgroup_key(t, file, value, CG_V2);
}

/* ---- mounts ---- */

static json_t *mount_json(const char *dst, const char *type, const char *src, json_t *options)
{
        return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src,
                         "options", options);
}

/* An fstab line: source target type [options [dump [pass]]]; the target
 * is relative to the rootfs. */
int lxs_h_mount_entry(struct tr *t, const char *sub_key, const char *value)
{
        (void)sub_key;
        char src[4096], target[4096], type[256], opts[4096] = "defaults";
        if (sscanf(value, "%4095s %4095s %255s %4095s", src, target, type, opts) < 3)
                return lxs_fail(t, "\"%s\" is not \"SOURCE TARGET TYPE [OPTIONS]\"", value);
        char dst[4097];
        const char *rel = target;
        while (*rel == '/')
                rel++;
        snprintf(dst, sizeof(dst), "/%s", rel);
        json_t *options = json_array();
        char *save = NULL;
        for (char *o = strtok_r(opts, ",", &save); options && o; o = strtok_r(NULL, ",", &save)) {
                /* LXC's own: we do not create targets or skip failing mounts yet */
                if (strncmp(o, "create=", 7) == 0 || strcmp(o, "optional") == 0 ||
                    strcmp(o, "defaults") == 0)
                        continue;
                lxs_push(t, options, json_string(o));
        }
        lxs_push(t, t->entries, mount_json(dst, type, src, options));
        return 0;
}

static const struct auto_opt {
        const char *name;
        signed char proc_rw, sys_rw, cgroup_rw; /* -1: not about this one */
} auto_opts[] = {
        { "proc", 0, -1, -1 },          { "proc:mixed", 0, -1, -1 },
        { "proc:rw", 1, -1, -1 },       { "sys", -1, 0, -1 },
        { "sys:mixed", -1, 0, -1 },     { "sys:ro", -1, 0, -1 },
        { "sys:rw", -1, 1, -1 },        { "cgroup", -1, -1, 0 },
        { "cgroup:mixed", -1, -1, 0 },  { "cgroup:ro", -1, -1, 0 },
        { "cgroup:rw", -1, -1, 1 },     { "cgroup-full", -1, -1, 0 },
        { "cgroup-full:mixed", -1, -1, 0 }, { "cgroup-full:ro", -1, -1, 0 },
        { "cgroup-full:rw", -1, -1, 1 },
};

int lxs_h_mount_auto(struct tr *t, const char *sub_key, const char *value)
{
        (void)sub_key;
        _cleanup_free_ char *copy = strdup(value);
        if (!copy)
                return berth_error_setx(t->err, ENOMEM, "%s", t->key);
        char *save = NULL;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                const struct auto_opt *a = NULL;
                for (size_t i = 0; i < COUNT(auto_opts) && !a; i++)
                        if (strcmp(auto_opts[i].name, w) == 0)
                                a = &auto_opts[i];
                if (!a)
                        return lxs_fail(t, "unknown option \"%s\" (proc, sys and cgroup ones are "
                                       "supported)", w);
                if (a->proc_rw >= 0)
                        t->proc_rw = a->proc_rw;
                if (a->sys_rw >= 0)
                        t->sys_rw = a->sys_rw;
                if (a->cgroup_rw >= 0) {
                        t->cgroup_mount = true;
                        t->cgroup_rw = a->cgroup_rw;
                }
        }
        return 0;
}

json_t *lxs_mounts_json(struct tr *t)
{
        json_t *m = json_array();
        if (!m)
                return NULL;
        lxs_push(t, m, mount_json("/proc", "proc", "proc", STRV("nosuid", "noexec", "nodev")));
        lxs_push(t, m, mount_json("/sys", "sysfs", "sysfs",
                              t->sys_rw ? STRV("nosuid", "noexec", "nodev")
                                        : STRV("nosuid", "noexec", "nodev", "ro")));
        lxs_push(t, m, mount_json("/dev", "tmpfs", "tmpfs", STRV("nosuid", "strictatime", "mode=755",
                                                             "size=65536k")));
        lxs_push(t, m, mount_json("/dev/pts", "devpts", "devpts",
                              STRV("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
                                   "gid=5")));
        lxs_push(t, m, mount_json("/dev/shm", "tmpfs", "shm",
                              STRV("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        lxs_push(t, m, mount_json("/dev/mqueue", "mqueue", "mqueue", STRV("nosuid", "noexec", "nodev")));
        if (t->cgroup_mount)
                lxs_push(t, m, mount_json("/sys/fs/cgroup", "cgroup", "cgroup",
                                      t->cgroup_rw
                                              ? STRV("nosuid", "noexec", "nodev", "relatime")
                                              : STRV("nosuid", "noexec", "nodev", "relatime",
                                                     "ro")));
        size_t i;
        json_t *e;
        json_array_foreach (t->entries, i, e)
                lxs_push(t, m, json_incref(e));
        return m;
}
