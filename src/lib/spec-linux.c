/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The `linux` section of config.json (namespaces, id maps, devices,
 * sysctls, paths, seccomp) and the checks across fields that need the
 * whole document. linux.resources has its own file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>

#include "spec-walk.h"
#include "spec.h"
#include "util.h"

/* Indexed by enum berth_ns_type; the names are the spec's. */
static const char *const ns_names[BERTH_NS__COUNT] = {
        [BERTH_NS_PID] = "pid",       [BERTH_NS_NET] = "network", [BERTH_NS_MNT] = "mount",
        [BERTH_NS_IPC] = "ipc",       [BERTH_NS_UTS] = "uts",     [BERTH_NS_USER] = "user",
        [BERTH_NS_CGROUP] = "cgroup", [BERTH_NS_TIME] = "time",
};

const char *ns_type_name(enum berth_ns_type type)
{
        if ((unsigned)type >= BERTH_NS__COUNT)
                return NULL;
        return ns_names[type];
}

int ns_type_parse(const char *name)
{
        for (int t = 0; t < BERTH_NS__COUNT; t++)
                if (strcmp(ns_names[t], name) == 0)
                        return t;
        return -EINVAL;
}

const struct berth_namespace *spec_namespace(const struct berth_spec *spec, enum berth_ns_type type)
{
        for (size_t i = 0; i < spec->n_namespaces; i++)
                if (spec->namespaces[i].type == type)
                        return &spec->namespaces[i];
        return NULL;
}

static int check_absolute(struct walk *w, const char *key, const char *path)
{
        if (path && path[0] != '/')
                return walk_fail_key(w, key, EINVAL, "must be an absolute path, got \"%s\"", path);
        return 0;
}

static int walk_namespace(struct walk *w, json_t *v, void *elem)
{
        static const struct field fields[] = {
                { "path", F_STR, offsetof(struct berth_namespace, path) },
        };
        struct berth_namespace *ns = elem;
        int r = walk_expect_object(w, v);
        if (r < 0)
                return r;
        json_t *type = walk_child(v, "type");
        if (!type)
                return walk_fail_key(w, "type", EINVAL, "required property is missing");
        if (!json_is_string(type))
                return walk_fail_key(w, "type", EINVAL, "expected a string");
        r = ns_type_parse(json_string_value(type));
        if (r < 0)
                return walk_fail_key(w, "type", EINVAL,
                                     "unknown namespace type \"%s\" (expected pid, network, "
                                     "mount, ipc, uts, user, cgroup or time)",
                                     json_string_value(type));
        ns->type = (enum berth_ns_type)r;
        r = walk_fields(w, v, fields, ARRAY_SIZE(fields), ns);
        if (r < 0)
                return r;
        return check_absolute(w, "path", ns->path);
}

static int walk_namespaces(struct walk *w, json_t *lnx, struct berth_spec *spec)
{
        int r = walk_array_of(w, lnx, "namespaces", sizeof(struct berth_namespace), walk_namespace,
                              &spec->namespaces, &spec->n_namespaces);
        if (r < 0)
                return r;
        for (size_t i = 0; i < spec->n_namespaces; i++)
                for (size_t j = 0; j < i; j++) {
                        if (spec->namespaces[i].type == spec->namespaces[j].type)
                                return walk_fail_elem(
                                        w, "namespaces", i, "type", EINVAL,
                                        "duplicate namespace type \"%s\" (also namespaces[%zu])",
                                        ns_names[spec->namespaces[i].type], j);
                }
        return 0;
}

int walk_idmap(struct walk *w, json_t *v, void *elem)
{
        static const struct field fields[] = {
                { "containerID", F_U32, offsetof(struct berth_idmap, container_id), true },
                { "hostID", F_U32, offsetof(struct berth_idmap, host_id), true },
                { "size", F_U32, offsetof(struct berth_idmap, size), true },
        };
        struct berth_idmap *m = elem;
        int r = walk_fields(w, v, fields, ARRAY_SIZE(fields), m);
        if (r == 0 && m->size == 0)
                r = walk_fail_key(w, "size", EINVAL, "must be greater than zero");
        return r;
}

struct time_offset {
        int64_t secs;
        uint32_t nanosecs;
};

static int walk_time_offsets(struct walk *w, json_t *obj, struct berth_spec *spec)
{
        static const struct field fields[] = {
                { "secs", F_I64, offsetof(struct time_offset, secs) },
                { "nanosecs", F_U32, offsetof(struct time_offset, nanosecs) },
        };
        /* [0] monotonic, [1] boottime: the clocks a time namespace offsets. */
        static const char *const clocks[] = { "monotonic", "boottime" };
        int r = walk_expect_object(w, obj);
        if (r < 0)
                return r;
        for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
                const char *key = json_object_iter_key(it);
                json_t *v = json_object_iter_value(it);
                size_t c = 0;
                while (c < ARRAY_SIZE(clocks) && strcmp(clocks[c], key) != 0)
                        c++;
                if (c == ARRAY_SIZE(clocks))
                        return walk_fail_key(w, key, EINVAL,
                                             "unknown clock (expected monotonic or boottime)");
                if (json_is_null(v))
                        continue;
                struct time_offset off = { 0 };
                size_t saved = walk_push_key(w, key);
                r = walk_fields(w, v, fields, ARRAY_SIZE(fields), &off);
                if (r == 0 && off.nanosecs >= 1000000000u)
                        r = walk_fail_key(w, "nanosecs", ERANGE, "must be below 1000000000");
                walk_pop(w, saved);
                if (r < 0)
                        return r;
                spec->time_offsets[c].set = true;
                spec->time_offsets[c].secs = off.secs;
                spec->time_offsets[c].nanosecs = off.nanosecs;
        }
        return 0;
}

static int walk_device(struct walk *w, json_t *v, void *elem)
{
        static const struct field fields[] = {
                { "path", F_STR, offsetof(struct berth_device, path), true },
                /* the permission bits, or (podman) a whole st_mode */
                { "fileMode", F_OPT_U64, offsetof(struct berth_device, file_mode), false,
                  S_IFMT | 07777 },
                { "uid", F_OPT_U64, offsetof(struct berth_device, uid), false, UINT32_MAX },
                { "gid", F_OPT_U64, offsetof(struct berth_device, gid), false, UINT32_MAX },
        };
        static const struct field numbers[] = {
                { "major", F_I64, offsetof(struct berth_device, major), true },
                { "minor", F_I64, offsetof(struct berth_device, minor), true },
        };
        struct berth_device *d = elem;
        int r = walk_expect_object(w, v);
        if (r < 0)
                return r;
        json_t *type = walk_child(v, "type");
        if (!type)
                return walk_fail_key(w, "type", EINVAL, "required property is missing");
        const char *t = json_string_value(type);
        if (!t || strlen(t) != 1 || !strchr("cbup", t[0]))
                return walk_fail_key(w, "type", EINVAL, "expected \"c\", \"b\", \"u\" or \"p\"");
        d->type = t[0];
        r = walk_fields(w, v, fields, ARRAY_SIZE(fields), d);
        if (r < 0)
                return r;
        r = check_absolute(w, "path", d->path);
        if (r < 0)
                return r;
        /* podman writes the host node's st_mode (S_IFCHR | 0600): its type
         * bits must be the device's own, and only the permissions stay */
        mode_t kind = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
        mode_t fmt = (mode_t)d->file_mode.v & S_IFMT;
        if (d->file_mode.set && fmt && fmt != kind)
                return walk_fail_key(w, "fileMode", EINVAL,
                                     "0%llo has the file type bits of another kind of node "
                                     "than type \"%c\"",
                                     (unsigned long long)d->file_mode.v, d->type);
        d->file_mode.v &= 07777;
        /* A fifo has no device number; every other node needs one. */
        if (d->type == 'p')
                return 0;
        return walk_fields(w, v, numbers, ARRAY_SIZE(numbers), d);
}

static int walk_rootfs_propagation(struct walk *w, json_t *lnx, struct berth_spec *spec)
{
        static const char *const allowed[] = { "shared", "slave", "private", "unbindable" };
        json_t *v = walk_child(lnx, "rootfsPropagation");
        if (!v)
                return 0;
        size_t saved = walk_push_key(w, "rootfsPropagation");
        int r = walk_string(w, v, &spec->rootfs_propagation);
        if (r == 0) {
                size_t i = 0;
                while (i < ARRAY_SIZE(allowed) && strcmp(allowed[i], spec->rootfs_propagation))
                        i++;
                if (i == ARRAY_SIZE(allowed))
                        r = walk_fail(w, EINVAL,
                                      "\"%s\" is not one of shared, slave, private, unbindable",
                                      spec->rootfs_propagation);
        }
        walk_pop(w, saved);
        return r;
}

/* The flags personality(2) takes beside the execution domain. The spec
 * names none yet; these are the kernel's own names. */
static const struct {
        const char *name;
        uint64_t flag;
} personality_flags[] = {
        { "ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT },
        { "ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT },
        { "ADDR_LIMIT_3GB", ADDR_LIMIT_3GB },
        { "ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE },
        { "FDPIC_FUNCPTRS", FDPIC_FUNCPTRS },
        { "MMAP_PAGE_ZERO", MMAP_PAGE_ZERO },
        { "READ_IMPLIES_EXEC", READ_IMPLIES_EXEC },
        { "SHORT_INODE", SHORT_INODE },
        { "STICKY_TIMEOUTS", STICKY_TIMEOUTS },
        { "UNAME26", UNAME26 },
        { "WHOLE_SECONDS", WHOLE_SECONDS },
};

static int walk_personality_flags(struct walk *w, char **names, uint64_t *flags)
{
        for (size_t i = 0; names && names[i]; i++) {
                size_t j = 0;
                while (j < ARRAY_SIZE(personality_flags) &&
                       strcmp(personality_flags[j].name, names[i]) != 0)
                        j++;
                if (j < ARRAY_SIZE(personality_flags)) {
                        *flags |= personality_flags[j].flag;
                        continue;
                }
                return walk_fail_elem(w, "flags", i, NULL, EINVAL,
                                      "unknown personality flag \"%s\" (expected a "
                                      "personality(2) flag such as ADDR_NO_RANDOMIZE)",
                                      names[i]);
        }
        return 0;
}

static int walk_personality(struct walk *w, json_t *v, struct berth_spec *spec)
{
        static const struct field fields[] = {
                { "domain", F_STR, offsetof(struct berth_spec, personality.domain), true },
        };
        static const struct field flag_fields[] = {
                { "flags", F_STRV, 0 },
        };
        int r = walk_fields(w, v, fields, ARRAY_SIZE(fields), spec);
        if (r < 0)
                return r;
        const char *d = spec->personality.domain;
        if (strcmp(d, "LINUX") != 0 && strcmp(d, "LINUX32") != 0)
                return walk_fail_key(w, "domain", EINVAL, "\"%s\" is not LINUX or LINUX32", d);
        char **names = NULL;
        r = walk_fields(w, v, flag_fields, ARRAY_SIZE(flag_fields), &names);
        if (r == 0)
                r = walk_personality_flags(w, names, &spec->personality.flags);
        walk_strv_free(names);
        if (r < 0)
                return r;
        spec->personality.set = true;
        return 0;
}

static int check_paths_absolute(struct walk *w, const char *key, char **paths)
{
        for (size_t i = 0; paths && paths[i]; i++) {
                if (paths[i][0] == '/')
                        continue;
                return walk_fail_elem(w, key, i, NULL, EINVAL,
                                      "must be an absolute path, got \"%s\"", paths[i]);
        }
        return 0;
}

/* An optional object section read by fn with the path standing on it. */
static int walk_section(struct walk *w, json_t *lnx, const char *key,
                        int (*fn)(struct walk *, json_t *, struct berth_spec *),
                        struct berth_spec *spec)
{
        json_t *v = walk_child(lnx, key);
        if (!v)
                return 0;
        size_t saved = walk_push_key(w, key);
        int r = walk_expect_object(w, v);
        if (r == 0)
                r = fn(w, v, spec);
        walk_pop(w, saved);
        return r;
}

static int walk_resources_section(struct walk *w, json_t *v, struct berth_spec *spec)
{
        spec->has_resources = true;
        return spec_walk_resources(w, v, &spec->resources);
}

static int walk_sysctl_section(struct walk *w, json_t *v, struct berth_spec *spec)
{
        return walk_kv(w, v, &spec->sysctl, &spec->n_sysctl);
}

static int walk_seccomp_section(struct walk *w, json_t *v, struct berth_spec *spec)
{
        (void)w;
        /* Kept as JSON: the security layer compiles it with libseccomp. */
        spec->seccomp = json_incref(v);
        return 0;
}

int spec_walk_linux(struct walk *w, json_t *lnx, struct berth_spec *spec)
{
        static const struct field fields[] = {
                { "cgroupsPath", F_STR, offsetof(struct berth_spec, cgroups_path) },
                { "maskedPaths", F_STRV, offsetof(struct berth_spec, masked_paths) },
                { "readonlyPaths", F_STRV, offsetof(struct berth_spec, readonly_paths) },
                { "mountLabel", F_STR, offsetof(struct berth_spec, mount_label) },
        };
        int r = walk_fields(w, lnx, fields, ARRAY_SIZE(fields), spec);
        if (r == 0)
                r = check_paths_absolute(w, "maskedPaths", spec->masked_paths);
        if (r == 0)
                r = check_paths_absolute(w, "readonlyPaths", spec->readonly_paths);
        if (r == 0)
                r = walk_namespaces(w, lnx, spec);
        if (r == 0)
                r = walk_array_of(w, lnx, "uidMappings", sizeof(struct berth_idmap), walk_idmap,
                                  &spec->uid_mappings, &spec->n_uid_mappings);
        if (r == 0)
                r = walk_array_of(w, lnx, "gidMappings", sizeof(struct berth_idmap), walk_idmap,
                                  &spec->gid_mappings, &spec->n_gid_mappings);
        if (r == 0)
                r = walk_section(w, lnx, "timeOffsets", walk_time_offsets, spec);
        if (r == 0)
                r = walk_array_of(w, lnx, "devices", sizeof(struct berth_device), walk_device,
                                  &spec->devices, &spec->n_devices);
        if (r == 0)
                r = walk_section(w, lnx, "resources", walk_resources_section, spec);
        if (r == 0)
                r = walk_section(w, lnx, "sysctl", walk_sysctl_section, spec);
        if (r == 0)
                r = walk_rootfs_propagation(w, lnx, spec);
        if (r == 0)
                r = walk_section(w, lnx, "personality", walk_personality, spec);
        if (r == 0)
                r = walk_section(w, lnx, "seccomp", walk_seccomp_section, spec);
        return r;
}

void spec_linux_free(struct berth_spec *spec)
{
        for (size_t i = 0; i < spec->n_namespaces; i++)
                free(spec->namespaces[i].path);
        free(spec->namespaces);
        free(spec->uid_mappings);
        free(spec->gid_mappings);
        for (size_t i = 0; i < spec->n_devices; i++)
                free(spec->devices[i].path);
        free(spec->devices);
        free(spec->cgroups_path);
        spec_resources_free(&spec->resources);
        walk_kv_free(spec->sysctl, spec->n_sysctl);
        free(spec->rootfs_propagation);
        walk_strv_free(spec->masked_paths);
        walk_strv_free(spec->readonly_paths);
        free(spec->mount_label);
        json_decref(spec->seccomp);
        free(spec->personality.domain);
}

/* Sysctls that live in a namespace: setting one without that namespace
 * would change the host's value (runc refuses these too). */
static const struct {
        const char *name;
        bool prefix;
        enum berth_ns_type ns;
} sysctl_ns_table[] = {
        { "net.", true, BERTH_NS_NET },
        { "kernel.shm", true, BERTH_NS_IPC },
        { "kernel.msg", true, BERTH_NS_IPC },
        { "kernel.sem", false, BERTH_NS_IPC },
        { "fs.mqueue.", true, BERTH_NS_IPC },
        { "kernel.hostname", false, BERTH_NS_UTS },
        { "kernel.domainname", false, BERTH_NS_UTS },
};

static int check_sysctl(struct walk *w, const struct berth_spec *spec, const char *key)
{
        /* "net/ipv4/ip_forward" is the same key as "net.ipv4.ip_forward". */
        char name[256];
        snprintf(name, sizeof(name), "%s", key);
        for (char *p = name; *p; p++)
                if (*p == '/')
                        *p = '.';
        for (size_t i = 0; i < ARRAY_SIZE(sysctl_ns_table); i++) {
                size_t n = strlen(sysctl_ns_table[i].name);
                bool match = sysctl_ns_table[i].prefix
                                     ? strncmp(name, sysctl_ns_table[i].name, n) == 0
                                     : strcmp(name, sysctl_ns_table[i].name) == 0;
                if (!match || spec_namespace(spec, sysctl_ns_table[i].ns))
                        continue;
                size_t saved = walk_push_key(w, "linux");
                walk_push_key(w, "sysctl");
                const char *ns = ns_names[sysctl_ns_table[i].ns];
                int r = walk_fail_key(w, key, EINVAL,
                                      "sysctl %s belongs to the %s namespace, but "
                                      "linux.namespaces has no %s namespace: setting it would "
                                      "change the host's value",
                                      key, ns, ns);
                walk_pop(w, saved);
                return r;
        }
        return 0;
}

/* A field that only means something with a namespace of a type. */
static int need_ns(struct walk *w, const struct berth_spec *spec, bool present, const char *section,
                   const char *key, enum berth_ns_type ns)
{
        if (!present || spec_namespace(spec, ns))
                return 0;
        size_t saved = section ? walk_push_key(w, section) : w->plen;
        int r = walk_fail_key(w, key, EINVAL,
                              "needs a %s namespace: add {\"type\": \"%s\"} to linux.namespaces",
                              ns_names[ns], ns_names[ns]);
        walk_pop(w, saved);
        return r;
}

/* The kernel takes at most this many ranges in a uid_map or gid_map. */
#define IDMAP_MAX_RANGES 340

static bool ranges_overlap(uint32_t a, uint32_t n, uint32_t b, uint32_t m)
{
        return (uint64_t)a < (uint64_t)b + m && (uint64_t)b < (uint64_t)a + n;
}

/* One map at key of the current path. The kernel refuses, with a bare
 * EINVAL, a map whose ranges share a container id or a host id, run past
 * the last id (2^32 - 2; -1 means "no id"), or number more than 340. */
static int check_idmap(struct walk *w, const char *key, const struct berth_idmap *maps, size_t n)
{
        if (n == 0)
                return 0;
        size_t saved = walk_push_key(w, key);
        char base[sizeof(w->path)];
        snprintf(base, sizeof(base), "%s", w->path);
        int r = 0;
        if (n > IDMAP_MAX_RANGES)
                r = walk_fail(w, EINVAL, "%zu ranges: the kernel takes at most %d", n,
                              IDMAP_MAX_RANGES);
        for (size_t j = 0; r == 0 && j < n; j++) {
                const struct berth_idmap *b = &maps[j];
                size_t s2 = walk_push_index(w, j);
                if ((uint64_t)b->container_id + b->size > UINT32_MAX)
                        r = walk_fail(w, EINVAL,
                                      "containerID %u + size %u runs past the last id %u",
                                      b->container_id, b->size, UINT32_MAX - 1);
                else if ((uint64_t)b->host_id + b->size > UINT32_MAX)
                        r = walk_fail(w, EINVAL, "hostID %u + size %u runs past the last id %u",
                                      b->host_id, b->size, UINT32_MAX - 1);
                for (size_t i = 0; r == 0 && i < j; i++) {
                        const struct berth_idmap *a = &maps[i];
                        if (ranges_overlap(a->container_id, a->size, b->container_id, b->size))
                                r = walk_fail(w, EINVAL, "overlaps %s[%zu] (container ids %u-%u)",
                                              base, i, a->container_id,
                                              a->container_id + a->size - 1);
                        else if (ranges_overlap(a->host_id, a->size, b->host_id, b->size))
                                r = walk_fail(w, EINVAL, "overlaps %s[%zu] (host ids %u-%u)", base,
                                              i, a->host_id, a->host_id + a->size - 1);
                }
                walk_pop(w, s2);
        }
        walk_pop(w, saved);
        return r;
}

static bool has_option(char **options, const char *a, const char *b)
{
        for (char **o = options; o && *o; o++)
                if (strcmp(*o, a) == 0 || strcmp(*o, b) == 0)
                        return true;
        return false;
}

/* An idmapped mount is a bind (open_tree clones the source), in a
 * container with a user namespace, with both maps or none of its own. */
static int check_mount_idmap(struct walk *w, const struct berth_spec *spec, size_t i)
{
        const struct berth_mount *m = &spec->mounts[i];
        if (!m->idmap)
                return 0;
        size_t saved = walk_push_key(w, "mounts");
        walk_push_index(w, i);
        const char *key = has_option(m->options, "idmap", "ridmap")
                                  ? "options"
                                  : m->n_uid_mappings ? "uidMappings" : "gidMappings";
        int r = 0;
        if (!m->bind)
                r = walk_fail_key(w, key, EINVAL,
                                  "mount %s: an idmapped mount must be a bind mount (add \"bind\" "
                                  "or \"rbind\" to its options)",
                                  m->destination);
        else if (!spec_namespace(spec, BERTH_NS_USER))
                r = walk_fail_key(w, key, EINVAL,
                                  "mount %s: an idmapped mount needs a user namespace: add "
                                  "{\"type\": \"user\"} to linux.namespaces",
                                  m->destination);
        else if ((m->n_uid_mappings == 0) != (m->n_gid_mappings == 0))
                r = walk_fail_key(w, m->n_uid_mappings ? "gidMappings" : "uidMappings", EINVAL,
                                  "mount %s: an idmapped mount with mappings of its own needs "
                                  "both uidMappings and gidMappings",
                                  m->destination);
        if (r == 0)
                r = check_idmap(w, "uidMappings", m->uid_mappings, m->n_uid_mappings);
        if (r == 0)
                r = check_idmap(w, "gidMappings", m->gid_mappings, m->n_gid_mappings);
        walk_pop(w, saved);
        return r;
}

static int check_container_idmaps(struct walk *w, const struct berth_spec *spec)
{
        size_t saved = walk_push_key(w, "linux");
        int r = check_idmap(w, "uidMappings", spec->uid_mappings, spec->n_uid_mappings);
        if (r == 0)
                r = check_idmap(w, "gidMappings", spec->gid_mappings, spec->n_gid_mappings);
        walk_pop(w, saved);
        return r;
}

int spec_validate(struct walk *w, const struct berth_spec *spec)
{
        int r = need_ns(w, spec, spec->n_uid_mappings > 0, "linux", "uidMappings", BERTH_NS_USER);
        if (r == 0)
                r = need_ns(w, spec, spec->n_gid_mappings > 0, "linux", "gidMappings",
                            BERTH_NS_USER);
        if (r == 0)
                r = check_container_idmaps(w, spec);
        for (size_t i = 0; r == 0 && i < spec->n_mounts; i++)
                r = check_mount_idmap(w, spec, i);
        if (r == 0)
                r = need_ns(w, spec, spec->time_offsets[0].set || spec->time_offsets[1].set,
                            "linux", "timeOffsets", BERTH_NS_TIME);
        /* runc's rule: setting a name without a UTS namespace would rename
         * the host. An empty name sets nothing. */
        if (r == 0)
                r = need_ns(w, spec, spec->hostname && spec->hostname[0], NULL, "hostname",
                            BERTH_NS_UTS);
        if (r == 0)
                r = need_ns(w, spec, spec->domainname && spec->domainname[0], NULL, "domainname",
                            BERTH_NS_UTS);
        for (size_t i = 0; r == 0 && i < spec->n_sysctl; i++)
                r = check_sysctl(w, spec, spec->sysctl[i].key);
        return r;
}
