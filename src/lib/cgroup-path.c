/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where a container's cgroup is: the layout of /sys/fs/cgroup, the
 * hierarchies mounted there, and the container's path inside each. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *const cg_ctrl_names[CG_CTRL__COUNT] = {
        [CG_CPU] = "cpu",         [CG_CPUACCT] = "cpuacct",   [CG_CPUSET] = "cpuset",
        [CG_MEMORY] = "memory",   [CG_DEVICES] = "devices",   [CG_FREEZER] = "freezer",
        [CG_BLKIO] = "blkio",     [CG_PIDS] = "pids",         [CG_HUGETLB] = "hugetlb",
        [CG_NET_CLS] = "net_cls", [CG_NET_PRIO] = "net_prio", [CG_PERF_EVENT] = "perf_event",
        [CG_RDMA] = "rdma",       [CG_MISC] = "misc",         [CG_NAME_SYSTEMD] = "name=systemd",
};

const char *cg_ctrl_name(enum cg_ctrl c)
{
        return (unsigned)c < CG_CTRL__COUNT ? cg_ctrl_names[c] : "?";
}

int cg_ctrl_parse(const char *name)
{
        for (int i = 0; i < CG_CTRL__COUNT; i++)
                if (strcmp(cg_ctrl_names[i], name) == 0)
                        return i;
        return -1;
}

static const char *const layout_names[] = {
        [CGROUP_LAYOUT_V1] = "v1",
        [CGROUP_LAYOUT_HYBRID] = "hybrid",
        [CGROUP_LAYOUT_V2] = "v2",
};

const char *cgroup_layout_name(enum cgroup_layout layout)
{
        return (unsigned)layout < sizeof(layout_names) / sizeof(layout_names[0])
                       ? layout_names[layout]
                       : "unknown";
}

int cgroup_detect(enum cgroup_layout *out, struct berth_error *err)
{
        struct statfs fs;
        if (statfs(CGROUP_MOUNT, &fs) < 0)
                return berth_error_set(err, errno, "cgroup filesystem at %s", CGROUP_MOUNT);
        if ((unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC) {
                *out = CGROUP_LAYOUT_V2;
                return 0;
        }
        /* systemd's hybrid mode: v1 controllers plus cgroup2 at unified/. */
        if ((unsigned long)fs.f_type == TMPFS_MAGIC && statfs(CGROUP_UNIFIED_MOUNT, &fs) == 0 &&
            (unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC) {
                *out = CGROUP_LAYOUT_HYBRID;
                return 0;
        }
        *out = CGROUP_LAYOUT_V1;
        return 0;
}

/* ---- paths */

static bool component_ok(const char *s, size_t len)
{
        if (len == 0 || len > 255)
                return false;
        if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return true;
}

int cg_path_normalize(const char *in, char **out, struct berth_error *err)
{
        if (in == NULL || in[0] != '/')
                return berth_error_setx(err, EINVAL, "cgroup path \"%s\" is not absolute",
                                        in ? in : "");
        size_t len = strlen(in);
        _cleanup_free_ char *p = malloc(len + 1);
        if (p == NULL)
                return berth_error_set(err, ENOMEM, "cgroup path");
        size_t o = 0;
        for (const char *s = in; *s;) {
                while (*s == '/')
                        s++;
                if (*s == '\0')
                        break;
                size_t n = strcspn(s, "/");
                if (!component_ok(s, n))
                        return berth_error_setx(err, EINVAL,
                                                "cgroup path \"%s\": invalid component \"%.*s\" "
                                                "(no \".\", \"..\", control characters or names "
                                                "over 255 bytes)",
                                                in, (int)n, s);
                p[o++] = '/';
                memcpy(p + o, s, n);
                o += n;
                s += n;
        }
        p[o] = '\0';
        if (o == 0)
                return berth_error_setx(err, EINVAL,
                                        "cgroup path \"%s\" names the root cgroup; a container "
                                        "needs a cgroup of its own",
                                        in);
        *out = TAKE_PTR(p);
        return 0;
}

bool cg_path_is_systemd(const char *s)
{
        if (s == NULL || strchr(s, '/') != NULL)
                return false;
        const char *a = strchr(s, ':');
        const char *b = a ? strchr(a + 1, ':') : NULL;
        return b != NULL && strchr(b + 1, ':') == NULL;
}

/* systemd nests a slice in the slices named by its dash-separated
 * prefixes: "a-b-c.slice" is /a.slice/a-b.slice/a-b-c.slice, and "-.slice"
 * is the root. Appends the expansion to buf. */
static int expand_slice(const char *slice, size_t slen, char *buf, size_t len,
                        struct berth_error *err)
{
        static const char suffix[] = ".slice";
        const size_t sfx = sizeof(suffix) - 1;
        if (slen == 2 + sfx - 1 && strncmp(slice, "-.slice", slen) == 0)
                return 0;
        if (slen <= sfx || strncmp(slice + slen - sfx, suffix, sfx) != 0)
                return berth_error_setx(err, EINVAL,
                                        "systemd cgroup path: \"%.*s\" is not a slice (it must "
                                        "end in .slice)",
                                        (int)slen, slice);
        size_t stem = slen - sfx;
        if (slice[0] == '-' || slice[stem - 1] == '-' || memmem(slice, stem, "--", 2) != NULL)
                return berth_error_setx(err, EINVAL,
                                        "systemd cgroup path: invalid slice name \"%.*s\"",
                                        (int)slen, slice);
        for (size_t i = 0; i <= stem; i++) {
                if (i < stem && slice[i] != '-')
                        continue;
                size_t used = strlen(buf);
                int n = snprintf(buf + used, len - used, "/%.*s%s", (int)i, slice, suffix);
                if (n < 0 || (size_t)n >= len - used)
                        return berth_error_setx(err, ENAMETOOLONG, "systemd cgroup path too long");
        }
        return 0;
}

int cg_path_systemd(const char *spec, char **out, struct berth_error *err)
{
        if (!cg_path_is_systemd(spec))
                return berth_error_setx(err, EINVAL,
                                        "cgroup path \"%s\" is not in the systemd form "
                                        "\"slice:prefix:name\"",
                                        spec);
        const char *c1 = strchr(spec, ':');
        const char *c2 = strchr(c1 + 1, ':');
        const char *slice = spec;
        size_t slen = (size_t)(c1 - spec);
        const char *prefix = c1 + 1;
        size_t plen = (size_t)(c2 - prefix);
        const char *name = c2 + 1;
        if (*name == '\0')
                return berth_error_setx(err, EINVAL, "systemd cgroup path \"%s\": empty name",
                                        spec);
        if (slen == 0) { /* as runc: no slice means system.slice */
                slice = "system.slice";
                slen = strlen(slice);
        }
        char buf[4096] = "";
        int r = expand_slice(slice, slen, buf, sizeof(buf), err);
        if (r < 0)
                return r;
        /* A name that is itself a slice is the unit; anything else runs
         * in a scope "<prefix>-<name>.scope". */
        size_t nlen = strlen(name);
        bool is_slice = nlen > 6 && strcmp(name + nlen - 6, ".slice") == 0;
        size_t used = strlen(buf);
        int n = snprintf(buf + used, sizeof(buf) - used, "/%.*s%s%s%s", (int)plen, prefix,
                         plen ? "-" : "", name, is_slice ? "" : ".scope");
        if (n < 0 || (size_t)n >= sizeof(buf) - used)
                return berth_error_setx(err, ENAMETOOLONG, "systemd cgroup path too long");
        return cg_path_normalize(buf, out, err);
}

/* A relative cgroupsPath is placed under /berth rather than under the
 * runtime's own cgroup (runc's choice): the runtime-spec leaves the base
 * to the runtime, and the caller's cgroup differs per hierarchy (here the
 * memory one is a machine service's), so a fixed base is predictable and
 * keeps containers out of other people's cgroups. */
int cgroup_path_resolve(const char *cgroups_path, const char *id, char **out,
                        struct berth_error *err)
{
        char buf[8192];
        int n;
        if (cgroups_path == NULL || cgroups_path[0] == '\0') {
                if (id == NULL || id[0] == '\0' || strchr(id, '/') != NULL)
                        return berth_error_setx(err, EINVAL,
                                                "container id \"%s\" cannot name a "
                                                "cgroup",
                                                id ? id : "");
                n = snprintf(buf, sizeof(buf), "%s/%s", CGROUP_DEFAULT_PARENT, id);
        } else if (cg_path_is_systemd(cgroups_path)) {
                return cg_path_systemd(cgroups_path, out, err);
        } else if (cgroups_path[0] == '/') {
                n = snprintf(buf, sizeof(buf), "%s", cgroups_path);
        } else {
                n = snprintf(buf, sizeof(buf), "%s/%s", CGROUP_DEFAULT_PARENT, cgroups_path);
        }
        if (n < 0 || (size_t)n >= sizeof(buf))
                return berth_error_setx(err, ENAMETOOLONG, "cgroup path too long");
        int r = cg_path_normalize(buf, out, err);
        if (r < 0) {
                berth_error_prefix(err, "linux.cgroupsPath");
                return r;
        }
        return 0;
}

/* ---- /proc/self/mountinfo */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
        char *o = s;
        for (char *i = s; *i;) {
                if (i[0] == '\\' && i[1] >= '0' && i[1] <= '3' && i[2] >= '0' && i[2] <= '7' &&
                    i[3] >= '0' && i[3] <= '7') {
                        *o++ = (char)((i[1] - '0') * 64 + (i[2] - '0') * 8 + (i[3] - '0'));
                        i += 4;
                } else {
                        *o++ = *i++;
                }
        }
        *o = '\0';
}

void cg_mounts_free(struct cg_mount *m, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(m[i].mount);
        free(m);
}

static uint32_t parse_super_options(char *opts)
{
        uint32_t mask = 0;
        char *save = NULL;
        for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                int c = cg_ctrl_parse(o);
                if (c >= 0)
                        mask |= 1u << c;
        }
        return mask;
}

/* One line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE
 * SOURCE SUPEROPTS". Fills *m and returns 1 for a cgroup mount under
 * /sys/fs/cgroup, 0 for anything else. */
static int parse_line(char *line, struct cg_mount *m)
{
        char *save = NULL;
        char *field[5];
        for (int i = 0; i < 5; i++) {
                field[i] = strtok_r(i == 0 ? line : NULL, " ", &save);
                if (field[i] == NULL)
                        return 0;
        }
        char *tok;
        while ((tok = strtok_r(NULL, " ", &save)) != NULL && strcmp(tok, "-") != 0)
                ;
        char *fstype = tok ? strtok_r(NULL, " ", &save) : NULL;
        char *source = fstype ? strtok_r(NULL, " ", &save) : NULL;
        char *super = source ? strtok_r(NULL, " ", &save) : NULL;
        if (super == NULL)
                return 0;
        char *mnt = field[4];
        unescape_octal(mnt);
        if (strncmp(mnt, CGROUP_MOUNT "/", sizeof(CGROUP_MOUNT)) != 0 &&
            strcmp(mnt, CGROUP_MOUNT) != 0)
                return 0;
        if (strcmp(fstype, "cgroup2") == 0) {
                *m = (struct cg_mount){ .mount = mnt, .unified = true };
                return 1;
        }
        if (strcmp(fstype, "cgroup") != 0)
                return 0;
        uint32_t mask = parse_super_options(super);
        if (mask == 0) /* a named hierarchy other than systemd's, or "none" */
                return 0;
        *m = (struct cg_mount){ .mount = mnt, .ctrls = mask };
        return 1;
}

int cg_parse_mountinfo(const char *text, struct cg_mount **out, size_t *n, struct berth_error *err)
{
        _cleanup_free_ char *copy = strdup(text);
        struct cg_mount *v = NULL;
        size_t nv = 0;
        if (copy == NULL)
                return berth_error_set(err, ENOMEM, "parse mountinfo");
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct cg_mount m;
                if (parse_line(line, &m) <= 0)
                        continue;
                /* The same hierarchy mounted twice: keep the first. */
                bool dup = false;
                for (size_t i = 0; i < nv; i++)
                        if ((m.unified && v[i].unified) || (m.ctrls & v[i].ctrls))
                                dup = true;
                if (dup)
                        continue;
                struct cg_mount *nvp = realloc(v, (nv + 1) * sizeof(*v));
                char *mnt = strdup(m.mount);
                if (nvp == NULL || mnt == NULL) {
                        free(mnt);
                        cg_mounts_free(nvp ? nvp : v, nv);
                        return berth_error_set(err, ENOMEM, "parse mountinfo");
                }
                v = nvp;
                m.mount = mnt;
                v[nv++] = m;
        }
        *out = v;
        *n = nv;
        return 0;
}

/* One hierarchy as the container's /sys/fs/cgroup shows it; false for a
 * cgroup mount at /sys/fs/cgroup itself. */
static bool hierarchy_fill(struct cgroup_hierarchy *e, const char *mount, uint32_t ctrls,
                           bool unified)
{
        const char *base = strrchr(mount, '/');
        if (!base || !base[1])
                return false;
        *e = (struct cgroup_hierarchy){ .unified = unified };
        snprintf(e->name, sizeof(e->name), "%s", base + 1);
        for (int c = 0; c < CG_CTRL__COUNT; c++) {
                if (!(ctrls & (1u << c)))
                        continue;
                const char *cn = cg_ctrl_name((enum cg_ctrl)c);
                size_t ol = strlen(e->options), pl = strlen(e->proc_key);
                snprintf(e->options + ol, sizeof(e->options) - ol, "%s%s", ol ? "," : "",
                         c == CG_NAME_SYSTEMD ? "none,name=systemd" : cn);
                snprintf(e->proc_key + pl, sizeof(e->proc_key) - pl, "%s%s", pl ? "," : "", cn);
        }
        return true;
}

int cgroup_hierarchies(struct cgroup_hierarchy **out, size_t *n, struct berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, NULL);
        if (r < 0)
                return berth_error_set(err, -r, "read /proc/self/mountinfo");
        struct cg_mount *m = NULL;
        size_t nm = 0;
        r = cg_parse_mountinfo(text, &m, &nm, err);
        if (r < 0)
                return r;
        struct cgroup_hierarchy *h = calloc(nm ? nm : 1, sizeof(*h));
        if (!h) {
                cg_mounts_free(m, nm);
                return berth_error_set(err, ENOMEM, "cgroup hierarchies");
        }
        size_t k = 0;
        for (size_t i = 0; i < nm; i++)
                k += hierarchy_fill(&h[k], m[i].mount, m[i].ctrls, m[i].unified);
        cg_mounts_free(m, nm);
        *out = h;
        *n = k;
        return 0;
}

int cgroup_hierarchies_of(const struct berth_cgroup *cg, struct cgroup_hierarchy **out,
                          size_t *n, struct berth_error *err)
{
        if (cg == NULL || cg->layout == CGROUP_LAYOUT_V2)
                return cgroup_hierarchies(out, n, err);
        struct cgroup_hierarchy *h = calloc(cg->n_h ? cg->n_h : 1, sizeof(*h));
        if (!h)
                return berth_error_set(err, ENOMEM, "cgroup hierarchies");
        size_t k = 0;
        for (size_t i = 0; i < cg->n_h; i++)
                k += hierarchy_fill(&h[k], cg->h[i].mount, cg->h[i].ctrls, cg->h[i].unified);
        *out = h;
        *n = k;
        return 0;
}
