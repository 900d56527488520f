/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth check-config`: the kernel's build config against what containers
 * need, plus the cgroup layout this machine mounted and the uid-mapping
 * helpers. One table row per feature; "required" means berth's defaults
 * (an OCI spec or an LXC config with no special keys) cannot run without
 * it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "dl.h"
#include "check-config.h"
#include "cleanup.h"
#include "error.h"
#include "util.h"

/* A kernel config is some 10k lines / 250 KiB; refuse anything absurd. */
#define KCONFIG_MAX (16 << 20)

/* ---- .config parsing ---- */

struct kconfig_opt {
        char *name; /* without CONFIG_ */
        char *value;
};

struct kconfig {
        struct kconfig_opt *opts;
        size_t n;
};

static int opt_cmp(const void *a, const void *b)
{
        return strcmp(((const struct kconfig_opt *)a)->name, ((const struct kconfig_opt *)b)->name);
}

void kconfig_free(struct kconfig *kc)
{
        if (!kc)
                return;
        for (size_t i = 0; i < kc->n; i++) {
                free(kc->opts[i].name);
                free(kc->opts[i].value);
        }
        free(kc->opts);
        free(kc);
}

int kconfig_parse(const char *text, struct kconfig **out)
{
        struct kconfig *kc = calloc(1, sizeof(*kc));
        if (!kc)
                return -ENOMEM;
        size_t cap = 0;
        for (const char *line = text; *line;) {
                const char *end = strchrnul(line, '\n');
                const char *p = line;
                line = *end ? end + 1 : end;
                /* "# CONFIG_X is not set" says no more than an absent line */
                if (strncmp(p, "CONFIG_", 7))
                        continue;
                p += 7;
                const char *eq = memchr(p, '=', (size_t)(end - p));
                if (!eq || eq == p)
                        continue;
                const char *v = eq + 1;
                size_t vlen = (size_t)(end - v);
                while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == ' '))
                        vlen--;
                if (vlen == 1 && *v == 'n')
                        continue;
                if (kc->n == cap) {
                        cap = cap ? cap * 2 : 1024;
                        struct kconfig_opt *n = realloc(kc->opts, cap * sizeof(*n));
                        if (!n)
                                goto oom;
                        kc->opts = n;
                }
                struct kconfig_opt *o = &kc->opts[kc->n];
                o->name = strndup(p, (size_t)(eq - p));
                o->value = strndup(v, vlen);
                if (!o->name || !o->value) {
                        free(o->name);
                        free(o->value);
                        goto oom;
                }
                kc->n++;
        }
        if (kc->n)
                qsort(kc->opts, kc->n, sizeof(*kc->opts), opt_cmp);
        *out = kc;
        return 0;
oom:
        kconfig_free(kc);
        return -ENOMEM;
}

const char *kconfig_value(const struct kconfig *kc, const char *name)
{
        if (!strncmp(name, "CONFIG_", 7))
                name += 7;
        struct kconfig_opt key = { .name = (char *)name };
        const struct kconfig_opt *o =
                kc->n ? bsearch(&key, kc->opts, kc->n, sizeof(*kc->opts), opt_cmp) : NULL;
        return o ? o->value : NULL;
}

enum kconfig_state kconfig_get(const struct kconfig *kc, const char *name)
{
        const char *v = kconfig_value(kc, name);
        if (!v)
                return KCONFIG_MISSING;
        return strcmp(v, "m") ? KCONFIG_ENABLED : KCONFIG_MODULE;
}

/* gzread reads plain files as they are, so one reader serves both. */
static int read_maybe_gz(const char *path, char **text)
{
        struct berth_error e = { 0 };
        if (dl_need(DL_Z, &e) < 0)
                return -ENOPKG;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        gzFile gz = gzdopen(fd, "rb");
        if (!gz) {
                close(fd);
                return -ENOMEM;
        }
        size_t len = 0, cap = 256 * 1024;
        char *buf = malloc(cap);
        int r = buf ? 0 : -ENOMEM;
        while (r == 0) {
                if (len + 1 >= cap) {
                        char *n = cap < KCONFIG_MAX ? realloc(buf, cap * 2) : NULL;
                        if (!n) {
                                r = cap < KCONFIG_MAX ? -ENOMEM : -EFBIG;
                                break;
                        }
                        buf = n;
                        cap *= 2;
                }
                int n = gzread(gz, buf + len, (unsigned)(cap - len - 1));
                if (n < 0)
                        r = -EIO;
                else if (n == 0)
                        break;
                else
                        len += (size_t)n;
        }
        gzclose(gz);
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[len] = '\0';
        *text = buf;
        return 0;
}

int kconfig_load(const char *path, char **text, char **used, struct berth_error *err)
{
        *text = *used = NULL;
        if (path) {
                int r = read_maybe_gz(path, text);
                if (r < 0)
                        return berth_error_set(err, -r, "read kernel config %s", path);
                *used = strdup(path);
                return *used ? 0 : berth_error_set(err, ENOMEM, "%s", path);
        }
        struct utsname u;
        if (uname(&u) < 0)
                return berth_error_set(err, errno, "uname");
        char boot[sizeof(u.release) + 32];
        snprintf(boot, sizeof(boot), "/boot/config-%s", u.release);
        const char *tries[] = { "/proc/config.gz", boot };
        for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
                int r = read_maybe_gz(tries[i], text);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return berth_error_set(err, -r, "read kernel config %s", tries[i]);
                *used = strdup(tries[i]);
                return *used ? 0 : berth_error_set(err, ENOMEM, "%s", tries[i]);
        }
        return berth_error_setx(err, ENOENT,
                                "no kernel config found (tried /proc/config.gz and %s; `modprobe "
                                "configs` may provide the first, or set CONFIG=/path/to/config)",
                                boot);
}

/* ---- the tables ---- */

enum need { OPTIONAL, REQUIRED, REQUIRED_V1, REQUIRED_V2 };

struct kcheck {
        const char *group;
        const char *options; /* "A" or "A|B": any one of them will do */
        enum need need;
        const char *note;
};

static const struct kcheck kchecks[] = {
        { "Namespaces", "NAMESPACES", REQUIRED, NULL },
        { "Namespaces", "UTS_NS", REQUIRED, NULL },
        { "Namespaces", "IPC_NS", REQUIRED, NULL },
        { "Namespaces", "PID_NS", REQUIRED, NULL },
        { "Namespaces", "NET_NS", REQUIRED, NULL },
        { "Namespaces", "USER_NS", OPTIONAL, "rootless containers, lxc.idmap" },
        { "Namespaces", "TIME_NS", OPTIONAL, "time namespaces" },
        { "Cgroups", "CGROUPS", REQUIRED, NULL },
        /* device access: the devices controller on v1, a BPF program on v2 */
        { "Cgroups", "CGROUP_DEVICE", REQUIRED_V1, "device access rules on cgroup v1" },
        { "Cgroups", "CGROUP_BPF", REQUIRED_V2, "device access rules on cgroup v2" },
        { "Cgroups", "CGROUP_FREEZER", OPTIONAL, "pause/freeze on cgroup v1" },
        { "Cgroups", "CGROUP_SCHED", OPTIONAL, "CPU shares and quotas" },
        { "Cgroups", "CPUSETS", OPTIONAL, "CPU and memory node pinning" },
        { "Cgroups", "MEMCG", OPTIONAL, "memory limits" },
        { "Cgroups", "CGROUP_PIDS", OPTIONAL, "process count limits" },
        { "Cgroups", "BLK_CGROUP", OPTIONAL, "block I/O limits" },
        { "Network", "VETH", OPTIONAL, "veth networks (lxc.net.N.type = veth)" },
        { "Network", "BRIDGE", OPTIONAL, "a host bridge for veth networks" },
        { "Network", "MACVLAN", OPTIONAL, "macvlan networks" },
        { "Network", "VLAN_8021Q", OPTIONAL, "vlan networks" },
        { "Network", "NF_NAT", OPTIONAL, "NAT for container networks" },
        { "Network", "NETFILTER_XT_TARGET_MASQUERADE|NFT_MASQ", OPTIONAL,
          "masquerading container traffic (iptables or nftables)" },
        { "Misc", "SECCOMP", REQUIRED, NULL },
        { "Misc", "SECCOMP_FILTER", REQUIRED, NULL },
        /* the default OCI spec and LXC's defaults mount /dev/mqueue */
        { "Misc", "POSIX_MQUEUE", REQUIRED, NULL },
        { "Misc", "CHECKPOINT_RESTORE", OPTIONAL, "checkpoint/restore (CRIU)" },
        { "Misc", "FHANDLE", OPTIONAL, "systemd inside a container" },
        { "Misc", "OVERLAY_FS", OPTIONAL, "overlay root file systems" },
};

const char *cc_status_name(enum cc_status s)
{
        switch (s) {
        case CC_ENABLED:
                return "enabled";
        case CC_MODULE:
                return "enabled as module";
        case CC_MISSING:
                return "missing";
        case CC_FOUND:
                return "found";
        default:
                return "info";
        }
}

static int add(struct cc_report *r, const char *group, const char *name, bool required,
               enum cc_status status, const char *detail, const char *note)
{
        struct cc_feature *n = realloc(r->features, (r->n_features + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        r->features = n;
        struct cc_feature *f = &n[r->n_features];
        *f = (struct cc_feature){
                .group = group, .required = required, .status = status, .note = note
        };
        f->name = strdup(name);
        f->detail = detail ? strdup(detail) : NULL;
        if (!f->name || (detail && !f->detail)) {
                free(f->name);
                free(f->detail);
                return -ENOMEM;
        }
        r->n_features++;
        if (required && status == CC_MISSING)
                r->missing_required++;
        return 0;
}

/* "4.6.0-foo" < 4.7? */
static bool kernel_before(const char *release, int major, int minor)
{
        int a = 0, b = 0;
        if (!release || sscanf(release, "%d.%d", &a, &b) != 2)
                return false;
        return a < major || (a == major && b < minor);
}

int cc_check_kernel(struct cc_report *r, const struct kconfig *kc, const char *release,
                    enum cc_cgroup_layout layout)
{
        bool v2 = layout == CC_CGROUP_V2;
        for (size_t i = 0; i < ARRAY_SIZE(kchecks); i++) {
                const struct kcheck *k = &kchecks[i];
                bool required = k->need == REQUIRED || (k->need == REQUIRED_V1 && !v2) ||
                                (k->need == REQUIRED_V2 && v2);
                /* the best of the alternatives, named after the one found */
                enum kconfig_state best = KCONFIG_MISSING;
                char name[128] = "", all[128] = "";
                for (const char *o = k->options; *o;) {
                        size_t n = strcspn(o, "|");
                        char one[64];
                        snprintf(one, sizeof(one), "%.*s", (int)n, o);
                        enum kconfig_state s = kconfig_get(kc, one);
                        size_t used = strlen(all);
                        snprintf(all + used, sizeof(all) - used, "%sCONFIG_%s", used ? " or " : "",
                                 one);
                        if (s > best) {
                                best = s;
                                snprintf(name, sizeof(name), "CONFIG_%s", one);
                        }
                        o += n + (o[n] == '|');
                }
                enum cc_status st = best == KCONFIG_ENABLED  ? CC_ENABLED
                                    : best == KCONFIG_MODULE ? CC_MODULE
                                                             : CC_MISSING;
                int e = add(r, k->group, best == KCONFIG_MISSING ? all : name, required, st, NULL,
                            k->note);
                if (e < 0)
                        return e;
        }
        /* before 4.7 each devpts mount shared one instance unless this was set */
        if (kernel_before(release, 4, 7)) {
                enum kconfig_state s = kconfig_get(kc, "DEVPTS_MULTIPLE_INSTANCES");
                int e = add(r, "Misc", "CONFIG_DEVPTS_MULTIPLE_INSTANCES", true,
                            s == KCONFIG_MISSING ? CC_MISSING : CC_ENABLED, NULL,
                            "a private /dev/pts (kernels before 4.7)");
                if (e < 0)
                        return e;
        }
        return 0;
}

/* ---- what is mounted and installed ---- */

struct cgroup_mounts {
        enum cc_cgroup_layout layout;
        char v1[512]; /* controllers on cgroup v1 mounts, space-separated */
        char v2[512]; /* controllers the cgroup2 root offers */
        char v2_path[256];
};

static void append_word(char *buf, size_t len, const char *w)
{
        size_t used = strlen(buf), n = strlen(w);
        for (const char *p = buf; (p = strstr(p, w)); p += n)
                if ((p == buf || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
                        return; /* the same hierarchy mounted twice */
        snprintf(buf + used, len - used, "%s%s", used ? " " : "", w);
}

/* /proc/self/mountinfo: "... mountpoint opts ... - fstype source superopts". */
static void scan_cgroups(struct cgroup_mounts *m)
{
        memset(m, 0, sizeof(*m));
        FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return;
        _cleanup_free_ char *known = NULL;
        size_t klen;
        (void)read_file_at(AT_FDCWD, "/proc/cgroups", &known, &klen);
        bool have_v1 = false, v2_root = false, v2_any = false;
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                char mnt[256], fstype[32], super[512];
                char *dash = strstr(line, " - ");
                if (!dash || sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 ||
                    sscanf(dash + 3, "%31s %*s %511s", fstype, super) != 2)
                        continue;
                if (!strcmp(fstype, "cgroup2")) {
                        v2_any = true;
                        if (!strcmp(mnt, "/sys/fs/cgroup"))
                                v2_root = true;
                        if (!m->v2_path[0] || v2_root)
                                snprintf(m->v2_path, sizeof(m->v2_path), "%s", mnt);
                        continue;
                }
                if (strcmp(fstype, "cgroup"))
                        continue;
                have_v1 = true;
                char *save = NULL;
                for (char *w = strtok_r(super, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                        /* a controller is a word /proc/cgroups lists; name=systemd is not */
                        size_t n = strlen(w);
                        const char *k = known;
                        bool ctl = false;
                        while (k && (k = strstr(k, w))) {
                                if ((k == known || k[-1] == '\n') && (k[n] == '\t' || k[n] == ' '))
                                        ctl = true;
                                k += n;
                        }
                        if (ctl)
                                append_word(m->v1, sizeof(m->v1), w);
                }
        }
        free(line);
        fclose(f);
        m->layout = v2_root   ? CC_CGROUP_V2
                    : have_v1 ? (v2_any ? CC_CGROUP_HYBRID : CC_CGROUP_V1)
                    : v2_any  ? CC_CGROUP_V2
                              : CC_CGROUP_NONE;
        if (m->v2_path[0]) {
                char path[300];
                _cleanup_free_ char *ctl = NULL;
                size_t len;
                snprintf(path, sizeof(path), "%s/cgroup.controllers", m->v2_path);
                if (read_file_at(AT_FDCWD, path, &ctl, &len) == 0) {
                        ctl[strcspn(ctl, "\n")] = '\0';
                        snprintf(m->v2, sizeof(m->v2), "%s", ctl);
                }
        }
}

static bool find_helper(const char *name, char *path, size_t len)
{
        static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin",
                                            "/usr/local/bin" };
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                snprintf(path, len, "%s/%s", dirs[i], name);
                if (access(path, X_OK) == 0)
                        return true;
        }
        return false;
}

static int check_machine(struct cc_report *r, const struct cgroup_mounts *m)
{
        static const char *const layout_names[] = { "none mounted", "v1", "hybrid (v1 + cgroup2)",
                                                    "v2 (unified)" };
        int e = add(r, "Cgroup mounts", "cgroup file systems", true,
                    m->layout == CC_CGROUP_NONE ? CC_MISSING : CC_INFO, layout_names[m->layout],
                    NULL);
        if (e == 0 && m->layout != CC_CGROUP_V2 && m->layout != CC_CGROUP_NONE)
                e = add(r, "Cgroup mounts", "v1 controllers", false, CC_INFO,
                        m->v1[0] ? m->v1 : "(none)", NULL);
        if (e == 0 && m->v2_path[0]) {
                char value[800];
                snprintf(value, sizeof(value), "%s (at %s)", m->v2[0] ? m->v2 : "(none)",
                         m->v2_path);
                e = add(r, "Cgroup mounts", "cgroup2 controllers", false, CC_INFO, value, NULL);
        }
        static const char *const helpers[] = { "newuidmap", "newgidmap" };
        for (size_t i = 0; e == 0 && i < ARRAY_SIZE(helpers); i++) {
                char path[64];
                bool found = find_helper(helpers[i], path, sizeof(path));
                e = add(r, "User namespace helpers", helpers[i], false,
                        found ? CC_FOUND : CC_MISSING, found ? path : NULL,
                        "rootless containers with more than one id (package uidmap)");
        }
        return e;
}

void cc_report_free(struct cc_report *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->n_features; i++) {
                free(r->features[i].name);
                free(r->features[i].detail);
        }
        free(r->features);
        free(r->config_path);
        free(r->kernel);
        free(r);
}

int check_config_run(const char *config_path, struct cc_report **out, struct berth_error *err)
{
        _cleanup_free_ char *text = NULL, *used = NULL;
        int e = kconfig_load(config_path, &text, &used, err);
        if (e < 0)
                return e;
        struct kconfig *kc = NULL;
        if (kconfig_parse(text, &kc) < 0)
                return berth_error_set(err, ENOMEM, "parse %s", used);
        if (kc->n == 0) {
                kconfig_free(kc);
                return berth_error_setx(err, EINVAL, "%s is not a kernel config (no CONFIG_ lines)",
                                        used);
        }
        struct cc_report *r = calloc(1, sizeof(*r));
        struct utsname u;
        if (!r || uname(&u) < 0 || !(r->kernel = strdup(u.release))) {
                kconfig_free(kc);
                cc_report_free(r);
                return berth_error_set(err, errno ? errno : ENOMEM, "check-config");
        }
        r->config_path = TAKE_PTR(used);
        struct cgroup_mounts m;
        scan_cgroups(&m);
        e = cc_check_kernel(r, kc, r->kernel, m.layout);
        if (e == 0)
                e = check_machine(r, &m);
        kconfig_free(kc);
        if (e < 0) {
                cc_report_free(r);
                return berth_error_set(err, -e, "check-config");
        }
        *out = r;
        return 0;
}
