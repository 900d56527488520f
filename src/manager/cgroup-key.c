/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LXC-style cgroup keys to files of the container's cgroup, and reading
 * and writing them. The key names a controller by its prefix; the layout
 * (cgroup_key_env) says which mounted hierarchy has that controller. */
#include "cgroup-key.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

#define KEY_MAX 255

/* cgroup.* files every v1 hierarchy has in each cgroup; the rest of the
 * cgroup.* namespace is cgroup2's. */
static const char *const v1_core_files[] = { "cgroup.procs", "cgroup.clone_children" };

/* cgroup2 files that are there whether or not the controller of their
 * prefix is enabled (the core's CPU accounting and PSI). */
static const char *const v2_core_files[] = { "cpu.stat",        "cpu.stat.local", "cpu.pressure",
                                             "memory.pressure", "io.pressure",    "irq.pressure" };

static bool in_list(const char *const *list, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i], s) == 0)
                        return true;
        return false;
}

/* Is word in a list separated by any of seps ("cpu,cpuacct", "io memory")? */
static bool has_word(const char *list, const char *seps, const char *word)
{
        size_t wl = strlen(word);
        for (const char *p = list; p && *p;) {
                size_t n = strcspn(p, seps);
                if (n == wl && strncmp(p, word, n) == 0)
                        return true;
                p += n;
                p += strspn(p, seps);
        }
        return false;
}

static int check_key(const char *key, struct berth_error *err)
{
        if (key == NULL || key[0] == '\0')
                return berth_error_setx(err, EINVAL, "empty cgroup key");
        if (strlen(key) > KEY_MAX)
                return berth_error_setx(err, EINVAL, "cgroup key '%.40s...': longer than %d bytes",
                                        key, KEY_MAX);
        if (strchr(key, '/') != NULL)
                return berth_error_setx(err, EINVAL,
                                        "cgroup key '%s': a key names a file of the cgroup, "
                                        "not a path (no '/')",
                                        key);
        if (strstr(key, "..") != NULL)
                return berth_error_setx(err, EINVAL, "cgroup key '%s': \"..\" is not allowed", key);
        for (const char *p = key; *p; p++) {
                unsigned char c = (unsigned char)*p;
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
                if (!ok)
                        return berth_error_setx(err, EINVAL,
                                                "cgroup key '%s': invalid character '%c' (keys "
                                                "are letters, digits, '_', '-' and '.')",
                                                key, c >= 0x20 && c < 0x7f ? c : '?');
        }
        const char *dot = strchr(key, '.');
        if (dot == NULL || dot == key || dot[1] == '\0')
                return berth_error_setx(err, EINVAL,
                                        "cgroup key '%s': expected <controller>.<file>, like "
                                        "memory.limit_in_bytes or pids.max",
                                        key);
        return 0;
}

static int put_dir(char *buf, size_t len, const char *name, struct berth_error *err)
{
        int n = name && name[0] ? snprintf(buf, len, "%s/%s", CGROUP_KEY_ROOT, name)
                                : snprintf(buf, len, "%s", CGROUP_KEY_ROOT);
        if (n < 0 || (size_t)n >= len)
                return berth_error_setx(err, ENAMETOOLONG, "cgroup hierarchy path too long");
        return 0;
}

static const struct cgroup_hierarchy *unified_of(const struct cgroup_key_env *env)
{
        for (size_t i = 0; i < env->n; i++)
                if (env->h[i].unified)
                        return &env->h[i];
        return NULL;
}

/* The v1 hierarchy mounted with controller ctrl ("memory"). */
static const struct cgroup_hierarchy *v1_of(const struct cgroup_key_env *env, const char *ctrl)
{
        for (size_t i = 0; i < env->n; i++)
                if (!env->h[i].unified && has_word(env->h[i].proc_key, ",", ctrl))
                        return &env->h[i];
        return NULL;
}

/* A hierarchy with a real controller: not a named one like name=systemd. */
static bool has_controller(const struct cgroup_hierarchy *h)
{
        return !h->unified && h->proc_key[0] != '\0' && strncmp(h->proc_key, "name=", 5) != 0;
}

/* "v1 hierarchies: cpu,cpuacct memory pids; cgroup2: hugetlb" */
static void describe(const struct cgroup_key_env *env, char *buf, size_t len)
{
        size_t o = 0;
        buf[0] = '\0';
        if (env->layout != CGROUP_LAYOUT_V2) {
                o += (size_t)snprintf(buf, len, "v1 hierarchies:");
                bool any = false;
                for (size_t i = 0; i < env->n && o < len; i++) {
                        if (!has_controller(&env->h[i]))
                                continue;
                        o += (size_t)snprintf(buf + o, len - o, " %s", env->h[i].proc_key);
                        any = true;
                }
                if (!any && o < len)
                        o += (size_t)snprintf(buf + o, len - o, " none");
                if (env->v2_controllers && o < len)
                        o += (size_t)snprintf(buf + o, len - o, "; ");
        }
        if (env->v2_controllers && o < len) {
                const char *c = env->v2_controllers;
                snprintf(buf + o, len - o, "cgroup2 controllers: %s", c[0] ? c : "none");
        }
}

int cgroup_key_locate(const struct cgroup_key_env *env, const char *key, char *buf, size_t len,
                      struct berth_error *err)
{
        int r = check_key(key, err);
        if (r < 0)
                return r;
        char ctrl[KEY_MAX + 1];
        snprintf(ctrl, sizeof(ctrl), "%.*s", (int)strcspn(key, "."), key);
        bool v2 = env->layout == CGROUP_LAYOUT_V2;
        const struct cgroup_hierarchy *uni = unified_of(env);

        if (v2) {
                if (strcmp(ctrl, "cgroup") == 0 ||
                    in_list(v2_core_files, ARRAY_SIZE(v2_core_files), key) ||
                    has_word(env->v2_controllers, " \n", ctrl))
                        return put_dir(buf, len, NULL, err);
        } else if (strcmp(ctrl, "cgroup") == 0) {
                if (in_list(v1_core_files, ARRAY_SIZE(v1_core_files), key)) {
                        /* the hierarchy the core lists processes from */
                        static const char *const prefer[] = { "pids", "freezer", "memory" };
                        for (size_t i = 0; i < ARRAY_SIZE(prefer); i++)
                                if (v1_of(env, prefer[i]) != NULL)
                                        return put_dir(buf, len, v1_of(env, prefer[i])->name, err);
                        for (size_t i = 0; i < env->n; i++)
                                if (has_controller(&env->h[i]))
                                        return put_dir(buf, len, env->h[i].name, err);
                }
                if (uni != NULL)
                        return put_dir(buf, len, uni->name, err);
                return berth_error_setx(err, ENOENT,
                                        "cgroup key '%s': a cgroup v2 file, and this machine "
                                        "has no cgroup2 hierarchy",
                                        key);
        } else {
                const struct cgroup_hierarchy *h = v1_of(env, ctrl);
                if (h != NULL)
                        return put_dir(buf, len, h->name, err);
                /* hybrid: what v1 did not claim may be bound to cgroup2 */
                if (uni != NULL && has_word(env->v2_controllers, " \n", ctrl))
                        return put_dir(buf, len, uni->name, err);
        }
        char have[1024];
        describe(env, have, sizeof(have));
        return berth_error_setx(err, ENOENT,
                                "cgroup key '%s': no controller '%s' on this machine (%s)", key,
                                ctrl, have);
}

/* "//berth//c1/" -> "/berth/c1"; no ".", "..", control characters, and not
 * the root itself (the container has a cgroup of its own). */
static int normalize(const char *in, char **out, struct berth_error *err)
{
        if (in == NULL || in[0] != '/')
                return berth_error_setx(err, EINVAL, "cgroup path '%s' is not absolute",
                                        in ? in : "");
        _cleanup_free_ char *p = malloc(strlen(in) + 1);
        if (p == NULL)
                return berth_error_set(err, ENOMEM, "cgroup path");
        size_t o = 0;
        for (const char *s = in; *s;) {
                s += strspn(s, "/");
                size_t n = strcspn(s, "/");
                if (n == 0)
                        break;
                bool bad = (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
                for (size_t i = 0; i < n; i++)
                        bad |= (unsigned char)s[i] < 0x20 || s[i] == 0x7f;
                if (bad)
                        return berth_error_setx(err, EINVAL,
                                                "cgroup path '%s': invalid component '%.*s'", in,
                                                (int)n, s);
                p[o++] = '/';
                memcpy(p + o, s, n);
                o += n;
                s += n;
        }
        p[o] = '\0';
        if (o == 0)
                return berth_error_setx(err, EINVAL, "cgroup path '%s' is the root cgroup", in);
        *out = TAKE_PTR(p);
        return 0;
}

int cgroup_key_env_path(const struct cgroup_key_env *env, const char *cgroup_path, const char *key,
                        char **out, struct berth_error *err)
{
        char dir[512];
        int r = cgroup_key_locate(env, key, dir, sizeof(dir), err);
        if (r < 0)
                return r;
        _cleanup_free_ char *cg = NULL;
        r = normalize(cgroup_path, &cg, err);
        if (r < 0)
                return r;
        if (asprintf(out, "%s%s/%s", dir, cg, key) < 0) {
                *out = NULL;
                return berth_error_set(err, ENOMEM, "cgroup key '%s'", key);
        }
        return 0;
}

void cgroup_key_env_free(struct cgroup_key_env *env)
{
        free(env->h);
        free(env->v2_controllers);
        *env = (struct cgroup_key_env){ 0 };
}

int cgroup_key_env_load(struct cgroup_key_env *env, struct berth_error *err)
{
        *env = (struct cgroup_key_env){ 0 };
        int r = cgroup_detect(&env->layout, err);
        if (r < 0)
                return r;
        if (env->layout != CGROUP_LAYOUT_V2) {
                r = cgroup_hierarchies(&env->h, &env->n, err);
                if (r < 0)
                        return r;
        }
        const struct cgroup_hierarchy *uni = unified_of(env);
        if (env->layout != CGROUP_LAYOUT_V2 && uni == NULL)
                return 0;
        char path[512];
        r = put_dir(path, sizeof(path), env->layout == CGROUP_LAYOUT_V2 ? NULL : uni->name, err);
        if (r == 0 && strlen(path) + sizeof("/cgroup.controllers") <= sizeof(path))
                strcat(path, "/cgroup.controllers");
        if (r == 0) {
                r = read_file_at(AT_FDCWD, path, &env->v2_controllers, NULL);
                if (r < 0)
                        berth_error_set(err, -r, "read %s", path);
                else
                        env->v2_controllers[strcspn(env->v2_controllers, "\n")] = '\0';
        }
        if (r < 0)
                cgroup_key_env_free(env);
        return r;
}

int cgroup_key_path(const char *cgroup_path, const char *key, char **out, struct berth_error *err)
{
        struct cgroup_key_env env;
        int r = cgroup_key_env_load(&env, err);
        if (r < 0)
                return r;
        r = cgroup_key_env_path(&env, cgroup_path, key, out, err);
        cgroup_key_env_free(&env);
        return r;
}

/* ---- reading and writing */

/* Open path following no symlink in any component: cgroupfs has none, so
 * one on the way means someone put it there. */
static int open_nofollow(const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
                .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        for (int i = 0; i < 16; i++) {
                long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
                if (fd >= 0)
                        return (int)fd;
                if (errno == ENOSYS || errno == E2BIG)
                        break; /* before Linux 5.6: the last component at least */
                if (errno != EAGAIN)
                        return -errno;
        }
        int fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW);
        return fd < 0 ? -errno : fd;
}

/* Why opening the key's file failed, in words a user can act on. */
static int open_error(const char *what, const char *path, const char *key, int code,
                      struct berth_error *err)
{
        if (code == ENOENT) {
                /* the cgroup itself, or only the file? */
                size_t dl = strlen(path) - strlen(key) - 1;
                _cleanup_free_ char *dir = strndup(path, dl);
                struct stat st;
                if (dir != NULL && stat(dir, &st) < 0 && errno == ENOENT)
                        return berth_error_setx(err, ENOENT,
                                                "%s: cgroup %s does not exist (is the "
                                                "container running?)",
                                                what, dir);
                return berth_error_setx(err, ENOENT,
                                        "%s: %s does not exist (this kernel or controller "
                                        "does not offer it)",
                                        what, path);
        }
        if (code == ELOOP || code == EXDEV)
                return berth_error_setx(err, code, "%s: %s: a symlink on the way (refused)", what,
                                        path);
        return berth_error_set(err, code, "%s: open %s", what, path);
}

int cgroup_key_get(const char *cgroup_path, const char *key, char **value, struct berth_error *err)
{
        _cleanup_free_ char *path = NULL;
        int r = cgroup_key_path(cgroup_path, key, &path, err);
        if (r < 0)
                return r;
        char what[KEY_MAX + 32];
        snprintf(what, sizeof(what), "get %s", key);
        _cleanup_close_ int fd = open_nofollow(path, O_RDONLY);
        if (fd < 0)
                return open_error(what, path, key, -fd, err);
        _cleanup_free_ char *buf = NULL;
        size_t cap = 0, len = 0;
        for (;;) {
                if (len + 1 >= cap) {
                        if (cap >= 16u << 20)
                                return berth_error_setx(err, EFBIG, "%s: %s is over 16 MiB", what,
                                                        path);
                        size_t nc = cap ? cap * 2 : 4096;
                        char *nb = realloc(buf, nc);
                        if (nb == NULL)
                                return berth_error_set(err, ENOMEM, "%s", what);
                        buf = nb;
                        cap = nc;
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_error_set(err, errno, "%s: read %s", what, path);
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        if (len > 0 && buf[len - 1] == '\n')
                buf[len - 1] = '\0';
        *value = TAKE_PTR(buf);
        return 0;
}

int cgroup_key_set(const char *cgroup_path, const char *key, const char *value,
                   struct berth_error *err)
{
        if (value == NULL)
                return berth_error_setx(err, EINVAL, "set %s: no value", key ? key : "");
        _cleanup_free_ char *path = NULL;
        int r = cgroup_key_path(cgroup_path, key, &path, err);
        if (r < 0)
                return r;
        char what[KEY_MAX + 128];
        snprintf(what, sizeof(what), "set %s to '%.64s%s'", key, value,
                 strlen(value) > 64 ? "..." : "");
        _cleanup_close_ int fd = open_nofollow(path, O_WRONLY | O_TRUNC);
        if (fd < 0)
                return open_error(what, path, key, -fd, err);
        /* cgroupfs takes one value per write(2): no retry of a short one */
        size_t len = strlen(value);
        ssize_t n;
        do
                n = write(fd, value, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return berth_error_set(err, errno, "%s", what);
        if ((size_t)n != len)
                return berth_error_setx(err, EIO, "%s: the kernel took %zd of %zu bytes", what, n,
                                        len);
        return 0;
}
