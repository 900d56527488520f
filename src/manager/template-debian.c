/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The debian template: debootstrap a (release, arch, packages) once into
 * /var/cache/berth/debian, then copy that cache into each new rootfs and
 * give the copy what makes it one machine: host name, hosts, machine-id,
 * root's password or key, and masks for systemd units that fail in a
 * container. The cache is made in a temp dir beside it and renamed into
 * place, so a half-made cache never counts. */
#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "dl.h"
#include "error.h"
#include "template-debian.h"
#include "util.h"

#define CACHE_DIR        "/var/cache/berth/debian"
#define DEFAULT_RELEASE  "bookworm"
#define DEBOOTSTRAP_HINT "apt-get install debootstrap"
/* minbase has no init; these make it a bootable systemd machine */
#define BASE_PACKAGES "systemd-sysv,dbus,iproute2,netbase,procps,ifupdown,isc-dhcp-client"
#define SSH_KEY_MAX   (64 * 1024)

struct deb_opts {
        const char *release, *password, *ssh_key_file, *mirror;
        char *packages; /* sorted, comma-separated, no duplicates; NULL: none */
        char *ssh_key;  /* the key file's contents */
};

static void deb_opts_free(struct deb_opts *o)
{
        free(o->packages);
        free(o->ssh_key);
}

/* Debian policy: lower case letters, digits, + - . ; at least two long,
 * starting with an alphanumeric. */
static bool package_name_ok(const char *p)
{
        if (strlen(p) < 2 || !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= '0' && p[0] <= '9')))
                return false;
        return strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789+-.") == strlen(p);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "b,a,,b" -> "a,b": the cache key must not depend on the order given. */
static int normalize_packages(const char *list, char **out, struct berth_error *err)
{
        _cleanup_free_ char *copy = strdup(list);
        _cleanup_free_ char **v = calloc(strlen(list) / 2 + 2, sizeof(char *));
        if (!copy || !v)
                return berth_error_set(err, ENOMEM, "--packages");
        size_t n = 0, len = 0;
        char *save = NULL;
        for (char *p = strtok_r(copy, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
                if (!package_name_ok(p))
                        return berth_error_setx(err, EINVAL,
                                                "--packages: '%s' is not a Debian package name", p);
                v[n++] = p;
                len += strlen(p) + 1;
        }
        *out = NULL;
        if (n == 0)
                return 0;
        qsort(v, n, sizeof(char *), cmp_str);
        char *s = calloc(len + 1, 1);
        if (!s)
                return berth_error_set(err, ENOMEM, "--packages");
        for (size_t i = 0; i < n; i++) {
                if (i > 0 && !strcmp(v[i], v[i - 1]))
                        continue;
                if (*s)
                        strcat(s, ",");
                strcat(s, v[i]);
        }
        *out = s;
        return 0;
}

/* Option values go into file paths and debootstrap's command line. */
static bool release_ok(const char *r)
{
        return *r && strlen(r) <= 64 && r[0] != '-' && r[0] != '.' &&
               strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789.-") == strlen(r);
}

static int parse_opts(char *const *argv, struct deb_opts *o, struct berth_error *err)
{
        static const char *const names[] = { "--release", "--packages", "--password", "--ssh-key",
                                             "--mirror" };
        o->release = DEFAULT_RELEASE;
        for (size_t i = 0; argv && argv[i]; i++) {
                const char *arg = argv[i], *val = NULL;
                size_t k = ARRAY_SIZE(names);
                for (size_t j = 0; j < ARRAY_SIZE(names) && k == ARRAY_SIZE(names); j++) {
                        size_t n = strlen(names[j]);
                        if (!strncmp(arg, names[j], n) && (arg[n] == '\0' || arg[n] == '='))
                                k = j, val = arg[n] == '=' ? arg + n + 1 : NULL;
                }
                if (k == ARRAY_SIZE(names))
                        return berth_error_setx(err, EINVAL,
                                                "unknown option '%s' (known: --release, "
                                                "--packages, --password, --ssh-key, --mirror)",
                                                arg);
                if (!val && !(val = argv[++i]))
                        return berth_error_setx(err, EINVAL, "%s needs a value", names[k]);
                switch (k) {
                case 0:
                        o->release = val;
                        break;
                case 1: {
                        free(o->packages);
                        o->packages = NULL;
                        int r = normalize_packages(val, &o->packages, err);
                        if (r < 0)
                                return r;
                        break;
                }
                case 2:
                        o->password = val;
                        break;
                case 3:
                        o->ssh_key_file = val;
                        break;
                default:
                        o->mirror = val;
                }
        }
        if (!release_ok(o->release))
                return berth_error_setx(err, EINVAL, "--release '%s' is not a release name",
                                        o->release);
        if (o->mirror && (strpbrk(o->mirror, " \t\n") || o->mirror[0] == '-' || !*o->mirror))
                return berth_error_setx(err, EINVAL, "--mirror '%s' is not a URL", o->mirror);
        if (o->password && strchr(o->password, '\n'))
                return berth_error_setx(err, EINVAL, "--password must be one line");
        if (o->ssh_key_file) {
                size_t len;
                int r = read_file_at(AT_FDCWD, o->ssh_key_file, &o->ssh_key, &len);
                if (r < 0)
                        return berth_error_set(err, -r, "--ssh-key %s", o->ssh_key_file);
                if (len == 0 || len > SSH_KEY_MAX || strlen(o->ssh_key) != len)
                        return berth_error_setx(err, EINVAL,
                                                "--ssh-key %s: not an authorized_keys file",
                                                o->ssh_key_file);
        }
        return 0;
}

/* debootstrap's name for this machine's architecture. */
static const char *debian_arch(void)
{
        static const struct {
                const char *uname, *deb;
        } map[] = {
                { "x86_64", "amd64" }, { "aarch64", "arm64" },   { "armv7l", "armhf" },
                { "i686", "i386" },    { "i386", "i386" },       { "ppc64le", "ppc64el" },
                { "s390x", "s390x" },  { "riscv64", "riscv64" },
        };
        struct utsname u;
        if (uname(&u) < 0)
                return NULL;
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if (!strcmp(u.machine, map[i].uname))
                        return map[i].deb;
        return NULL;
}

static const char *find_debootstrap(void)
{
        static const char *const paths[] = { "/usr/sbin/debootstrap", "/sbin/debootstrap",
                                             "/usr/local/sbin/debootstrap",
                                             "/usr/bin/debootstrap" };
        for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
                if (access(paths[i], X_OK) == 0)
                        return paths[i];
        return NULL;
}

/* <release>-<arch>[-<hash of the extra packages>]: FNV-1a, 32 bits are
 * plenty to tell a handful of package lists apart. */
static char *cache_key(const struct deb_opts *o, const char *arch)
{
        char *key;
        if (!o->packages)
                return asprintf(&key, "%s-%s", o->release, arch) < 0 ? NULL : key;
        uint64_t h = hash_fnv1a64(o->packages);
        unsigned short_hash = (unsigned)(h ^ (h >> 32));
        if (asprintf(&key, "%s-%s-%08x", o->release, arch, short_hash) < 0)
                return NULL;
        return key;
}

/* dir.tmp.PID of a create that was killed: nobody else builds this key
 * while we hold its lock, so every one of them is stale. */
static void remove_stale_targets(const char *dir)
{
        const char *slash = strrchr(dir, '/');
        _cleanup_free_ char *parent = strndup(dir, (size_t)(slash - dir));
        _cleanup_free_ char *prefix = NULL;
        if (!parent || asprintf(&prefix, "%s.tmp.", slash + 1) < 0)
                return;
        DIR *d = opendir(parent);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                if (!strncmp(de->d_name, prefix, strlen(prefix)) &&
                    asprintf(&path, "%s/%s", parent, de->d_name) > 0)
                        debian_remove_target(path);
        }
        if (d)
                closedir(d);
}

/* Make cache/<key> unless it is there; the caller holds the lock. */
static int build_cache(const struct deb_opts *o, const char *arch, const char *dir, const char *log,
                       const struct template_args *a, struct berth_error *err)
{
        const char *debootstrap = find_debootstrap();
        if (!debootstrap)
                return berth_error_setx(err, ENOENT, "debootstrap not found; " DEBOOTSTRAP_HINT);
        _cleanup_free_ char *mirror = NULL;
        if (o->mirror)
                mirror = strdup(o->mirror);
        else if (debian_host_mirror(o->release, &mirror, err) < 0)
                return -EIO;
        _cleanup_free_ char *tmp = NULL, *include = NULL, *arch_opt = NULL;
        if (!mirror || asprintf(&tmp, "%s.tmp.%d", dir, (int)getpid()) < 0 ||
            asprintf(&include, "--include=%s%s%s", BASE_PACKAGES, o->packages ? "," : "",
                     o->packages ? o->packages : "") < 0 ||
            asprintf(&arch_opt, "--arch=%s", arch) < 0)
                return berth_error_set(err, ENOMEM, "debootstrap");
        remove_stale_targets(dir);

        _cleanup_close_ int log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log_fd < 0)
                return berth_error_set(err, errno, "create %s", log);
        dprintf(log_fd, "berth: %s %s %s %s %s from %s\n", debootstrap, arch_opt, include,
                o->release, tmp, mirror);
        char *argv[] = { (char *)debootstrap,
                         (char *)"--debian-installer",
                         (char *)"--variant=minbase",
                         arch_opt,
                         include,
                         (char *)o->release,
                         tmp,
                         mirror,
                         NULL };
        int r = debian_run_debootstrap(argv, log_fd, a, err);
        if (r < 0) {
                debian_remove_target(tmp);
                char why[sizeof(((struct berth_error *)0)->msg)];
                snprintf(why, sizeof(why), "%s", err ? err->msg : "");
                return berth_error_setx(err, EIO,
                                        "debootstrap of %s from %s failed: %s (full log: %s)",
                                        o->release, mirror, why, log);
        }
        /* the downloaded .debs would double the cache for nothing */
        _cleanup_free_ char *debs = NULL;
        if (asprintf(&debs, "%s/var/cache/apt/archives", tmp) > 0) {
                DIR *d = opendir(debs);
                struct dirent *de;
                while (d && (de = readdir(d)))
                        if (strstr(de->d_name, ".deb"))
                                (void)unlinkat(dirfd(d), de->d_name, 0);
                if (d)
                        closedir(d);
        }
        if (rename(tmp, dir) < 0) {
                r = berth_error_set(err, errno, "rename %s to %s", tmp, dir);
                debian_remove_target(tmp);
                return r;
        }
        return 0;
}

/* Replace (or create) rootfd/path; O_NOFOLLOW because the tree is the
 * container's, and an existing file keeps its owner and mode. */
static int put_file(int rootfd, const char *path, const char *content, mode_t mode,
                    struct berth_error *err)
{
        _cleanup_close_ int fd =
                openat(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return berth_error_set(err, errno, "write %s", path);
        int r = write_all(fd, content, strlen(content));
        return r < 0 ? berth_error_set(err, -r, "write %s", path) : 0;
}

/* root's password field in etc/shadow, as a yescrypt hash. */
static int set_root_password(int rootfd, const char *password, struct berth_error *err)
{
        char salt[CRYPT_GENSALT_OUTPUT_SIZE];
        struct crypt_data cd;
        memset(&cd, 0, sizeof(cd));
        int q = dl_need(DL_CRYPT, err);
        if (q < 0)
                return q;
        if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) &&
            !crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)))
                return berth_error_set(err, errno ? errno : EINVAL, "make a password salt");
        const char *hash = crypt_rn(password, salt, &cd, sizeof(cd));
        if (!hash || hash[0] == '*')
                return berth_error_set(err, errno ? errno : EINVAL, "hash the password");

        _cleanup_free_ char *shadow = NULL;
        size_t len;
        int r = read_file_at(rootfd, "etc/shadow", &shadow, &len);
        if (r < 0)
                return berth_error_set(err, -r, "read etc/shadow");
        /* the root line: "root:" + old field + rest */
        char *line = shadow;
        while (line && strncmp(line, "root:", 5)) {
                line = strchr(line, '\n');
                line = line ? line + 1 : NULL;
        }
        if (!line)
                return berth_error_setx(err, EINVAL, "etc/shadow has no root line");
        char *field_end = strchr(line + 5, ':');
        if (!field_end)
                return berth_error_setx(err, EINVAL, "etc/shadow: root line is malformed");
        _cleanup_free_ char *out = NULL;
        if (asprintf(&out, "%.*s%s%s", (int)(line + 5 - shadow), shadow, hash, field_end) < 0)
                return berth_error_set(err, ENOMEM, "etc/shadow");
        return put_file(rootfd, "etc/shadow", out, 0640, err);
}

static int install_ssh_key(int rootfd, const char *key, struct berth_error *err)
{
        if (mkdirat(rootfd, "root/.ssh", 0700) < 0 && errno != EEXIST)
                return berth_error_set(err, errno, "mkdir root/.ssh");
        if (fchmodat(rootfd, "root/.ssh", 0700, AT_SYMLINK_NOFOLLOW) < 0 &&
            fchmodat(rootfd, "root/.ssh", 0700, 0) < 0)
                return berth_error_set(err, errno, "chmod root/.ssh");
        _cleanup_free_ char *text = NULL;
        size_t n = strlen(key);
        if (asprintf(&text, "%s%s", key, n && key[n - 1] == '\n' ? "" : "\n") < 0)
                return berth_error_set(err, ENOMEM, "authorized_keys");
        int r = put_file(rootfd, "root/.ssh/authorized_keys", text, 0600, err);
        if (r == 0 && fchmodat(rootfd, "root/.ssh/authorized_keys", 0600, 0) < 0)
                return berth_error_set(err, errno, "chmod root/.ssh/authorized_keys");
        return r;
}

/* Units that need hardware, kernel modules or a writable /sys: in a
 * container they only fail and mark the boot degraded. */
static const char *const masked_units[] = {
        "systemd-udevd.service",       "systemd-udevd-control.socket",
        "systemd-udevd-kernel.socket", "systemd-udev-trigger.service",
        "systemd-udev-settle.service", "systemd-modules-load.service",
        "sys-kernel-config.mount",     "sys-kernel-debug.mount",
        "sys-kernel-tracing.mount",    "sys-fs-fuse-connections.mount",
        "systemd-hwdb-update.service", "systemd-journald-audit.socket",
        "systemd-firstboot.service",   "systemd-pcrphase-sysinit.service",
};

/* The sshd host keys came with the cache, so every container would share
 * them: drop them and let the container make its own on first boot. */
static const char ssh_keygen_unit[] = "[Unit]\n"
                                      "Description=SSH host keys for this container (berth)\n"
                                      "ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key\n"
                                      "Before=ssh.service\n"
                                      "\n"
                                      "[Service]\n"
                                      "Type=oneshot\n"
                                      "ExecStart=/usr/bin/ssh-keygen -A\n"
                                      "\n"
                                      "[Install]\n"
                                      "WantedBy=multi-user.target\n";

static int fresh_ssh_host_keys(int rootfd, struct berth_error *err)
{
        if (faccessat(rootfd, "etc/ssh/sshd_config", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        _cleanup_close_ int sshfd =
                openat(rootfd, "etc/ssh", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = sshfd < 0 ? NULL : fdopendir(dup(sshfd));
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (!strncmp(de->d_name, "ssh_host_", 9))
                        (void)unlinkat(sshfd, de->d_name, 0);
        if (d)
                closedir(d);
        int r = put_file(rootfd, "etc/systemd/system/berth-ssh-keygen.service", ssh_keygen_unit,
                         0644, err);
        if (r < 0)
                return r;
        if (mkdirat(rootfd, "etc/systemd/system/multi-user.target.wants", 0755) < 0 &&
            errno != EEXIST)
                return berth_error_set(err, errno, "mkdir multi-user.target.wants");
        if (symlinkat("/etc/systemd/system/berth-ssh-keygen.service", rootfd,
                      "etc/systemd/system/multi-user.target.wants/berth-ssh-keygen.service") < 0 &&
            errno != EEXIST)
                return berth_error_set(err, errno, "enable berth-ssh-keygen.service");
        return 0;
}

static int personalize(int rootfd, const char *name, const struct deb_opts *o,
                       struct berth_error *err)
{
        _cleanup_free_ char *hostname = NULL, *hosts = NULL;
        if (asprintf(&hostname, "%s\n", name) < 0 ||
            asprintf(&hosts,
                     "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n\n"
                     "::1\tlocalhost ip6-localhost ip6-loopback\n"
                     "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
                     name) < 0)
                return berth_error_set(err, ENOMEM, "etc/hostname");
        int r = put_file(rootfd, "etc/hostname", hostname, 0644, err);
        if (r == 0)
                r = put_file(rootfd, "etc/hosts", hosts, 0644, err);
        if (r < 0)
                return r;

        /* one machine-id per container, not the cache's */
        unsigned char id[16];
        char hex[34];
        if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id))
                return berth_error_set(err, errno, "machine-id");
        for (size_t i = 0; i < sizeof(id); i++)
                snprintf(hex + 2 * i, 3, "%02x", id[i]);
        hex[32] = '\n', hex[33] = '\0';
        if ((r = put_file(rootfd, "etc/machine-id", hex, 0444, err)) < 0)
                return r;
        (void)unlinkat(rootfd, "var/lib/dbus/machine-id", 0);

        if (mkdirat(rootfd, "etc/systemd/system", 0755) < 0 && errno != EEXIST)
                return berth_error_set(err, errno, "mkdir etc/systemd/system");
        for (size_t i = 0; i < ARRAY_SIZE(masked_units); i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "etc/systemd/system/%s", masked_units[i]) < 0)
                        return berth_error_set(err, ENOMEM, "mask units");
                if (symlinkat("/dev/null", rootfd, p) < 0 && errno != EEXIST)
                        return berth_error_set(err, errno, "mask %s", masked_units[i]);
        }
        if ((r = fresh_ssh_host_keys(rootfd, err)) < 0)
                return r;
        if (o->password && (r = set_root_password(rootfd, o->password, err)) < 0)
                return r;
        if (o->ssh_key && (r = install_ssh_key(rootfd, o->ssh_key, err)) < 0)
                return r;
        return 0;
}

static int set_config(struct lxc_config *cfg, struct berth_error *err)
{
        static const char *const items[][2] = {
                { "lxc.signal.halt", "SIGRTMIN+3" }, /* systemd's "halt" */
                /* systemd makes its own cgroups below its one: berth's
                 * cgroup:mixed is read-only throughout, and systemd then
                 * stops with "Failed to allocate manager object" */
                { "lxc.mount.auto", "cgroup:rw proc:mixed sys:mixed" },
                { "lxc.init.cmd", "/sbin/init" },
        };
        if (!cfg)
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
                int r = lxc_config_set(cfg, items[i][0], items[i][1], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Fill a->rootfs from the cache, making the cache first if needed. */
static int run(const struct template_args *a, const struct deb_opts *o, struct berth_error *err)
{
        const char *arch = debian_arch();
        if (!arch)
                return berth_error_setx(err, ENOTSUP,
                                        "this machine's architecture has no Debian name here");
        _cleanup_free_ char *key = cache_key(o, arch);
        _cleanup_free_ char *dir = NULL, *log = NULL, *lock = NULL;
        if (!key || asprintf(&dir, "%s/%s", CACHE_DIR, key) < 0 ||
            asprintf(&log, "%s/%s.log", CACHE_DIR, key) < 0 ||
            asprintf(&lock, "%s/%s.lock", CACHE_DIR, key) < 0)
                return berth_error_set(err, ENOMEM, "cache path");
        int r = mkdir_p(CACHE_DIR, 0755);
        if (r < 0)
                return berth_error_set(err, -r, "create %s", CACHE_DIR);

        /* before the long part, so a bad rootfs fails at once */
        bool created;
        _cleanup_close_ int rootfd = template_open_rootfs(a->rootfs, "debian", &created, err);
        if (rootfd < 0)
                return rootfd;

        /* two creates of one key wait for one debootstrap */
        _cleanup_close_ int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (lfd < 0)
                r = berth_error_set(err, errno, "open %s", lock);
        while (r == 0 && flock(lfd, LOCK_EX) < 0)
                if (errno != EINTR)
                        r = berth_error_set(err, errno, "lock %s", lock);
        struct stat st;
        if (r == 0 && stat(dir, &st) < 0) {
                if (a->progress)
                        a->progress(a->progress_data,
                                    "Downloading and installing a Debian base system into the "
                                    "cache (once per release and package list)");
                r = build_cache(o, arch, dir, log, a, err);
        } else if (r == 0 && a->progress) {
                char line[512];
                snprintf(line, sizeof(line), "Copying the cached %s system from %s", o->release,
                         dir);
                a->progress(a->progress_data, line);
        }
        /* the cache is only ever added, never changed: copies need no lock */
        if (lfd >= 0)
                close(TAKE_FD(lfd));
        if (r == 0) {
                r = debian_copy_tree(dir, a->rootfs, err);
                if (r == 0)
                        r = personalize(rootfd, a->name, o, err);
                if (r == 0)
                        r = set_config(a->cfg, err);
                if (r < 0)
                        berth_error_prefix(err, "%s", a->rootfs);
        }
        if (r < 0) {
                if (created) {
                        (void)remove_tree_at(AT_FDCWD, a->rootfs);
                } else {
                        /* keep the directory the caller made, empty */
                        DIR *d = fdopendir(dup(rootfd));
                        struct dirent *de;
                        while (d && (de = readdir(d)))
                                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                                        (void)remove_tree_at(rootfd, de->d_name);
                        if (d)
                                closedir(d);
                }
                return r;
        }
        return 0;
}

int template_debian(const struct template_args *a, struct berth_error *err)
{
        struct deb_opts o = { 0 };
        int r = parse_opts(a->argv, &o, err);
        if (r == 0 && !template_hostname_ok(a->name))
                r = berth_error_setx(
                        err, EINVAL,
                        "'%s' cannot be a host name (1-64 characters, no spaces or '/')", a->name);
        if (r == 0)
                r = run(a, &o, err);
        deb_opts_free(&o);
        return r < 0 ? berth_error_prefix(err, "debian template") : 0;
}
