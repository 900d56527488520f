/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compiled seccomp filters, kept between runs. libseccomp takes about as
 * long to turn the default profile into BPF (three architectures, some
 * 350 syscalls) as the rest of a container's set-up in the runtime, and
 * engines start thousands of containers with the same few profiles.
 *
 * Where: /run/berth-cache/seccomp for root, $XDG_RUNTIME_DIR/berth-cache/
 * seccomp otherwise; a directory of ours, mode 0700, or no cache at all.
 * What: one file per profile, named by a hash of its key; the key is the
 * profile's JSON with everything else the program depends on (this build
 * of berth, by the file it runs from; libseccomp's version; the kernel),
 * and is stored whole in the file
 * and compared byte for byte, so a hash collision is a miss and never
 * another profile's filter. Written to a temporary name and renamed, so a
 * reader sees a whole file or none. A profile with a NOTIFY listener is
 * never cached (its plan holds a connection). */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <seccomp-lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "seccomp-internal.h"
#include "util.h"

#define CACHE_MAGIC "BERTHBPF1\n"
#define CACHE_MAX_ENTRIES 256

struct cache_head {
        char magic[10];
        uint16_t n_insns;
        uint32_t flags;
        uint32_t key_len;
};

/* The cache directory, opened; -1 when there is none we can trust. */
static int cache_dir(void)
{
        char base[4096];
        if (geteuid() == 0) {
                snprintf(base, sizeof(base), "/run/berth-cache");
        } else {
                const char *xdg = getenv("XDG_RUNTIME_DIR");
                if (!xdg || xdg[0] != '/')
                        return -1;
                snprintf(base, sizeof(base), "%s/berth-cache", xdg);
        }
        int fd = -1;
        for (int level = 0; level < 2; level++) {
                const char *name = level ? "seccomp" : base;
                int at = level ? fd : AT_FDCWD;
                int next = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0 && errno == ENOENT && mkdirat(at, name, 0700) == 0)
                        next = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        close(fd);
                fd = next;
                struct stat st;
                if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
                    (st.st_mode & 077) != 0) {
                        if (fd >= 0)
                                close(fd);
                        return -1;
                }
        }
        return fd;
}

char *seccomp_cache_key(const char *profile, bool ignore_unknown)
{
        if (strstr(profile, "SCMP_ACT_NOTIFY") || strstr(profile, "\"listenerPath\""))
                return NULL;
        /* the binary or libberth.so we run from: a rebuild is a new key */
        Dl_info dl;
        const char *self = dladdr((void *)seccomp_cache_key, &dl) && dl.dli_fname &&
                                           dl.dli_fname[0] == '/'
                                   ? dl.dli_fname
                                   : "/proc/self/exe";
        struct stat st;
        struct utsname u;
        const struct scmp_version *v = seccomp_version();
        if (stat(self, &st) < 0 || uname(&u) < 0 || !v)
                return NULL;
        char *key = NULL;
        if (asprintf(&key,
                     "berth %s %ju:%ju %jd.%09ld %jd\nlibseccomp %u.%u.%u\nkernel %s %s %s\n"
                     "ignore %d\n%s",
                     BERTH_VERSION, (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
                     (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (intmax_t)st.st_size,
                     v->major, v->minor, v->micro, u.release, u.version, u.machine,
                     ignore_unknown, profile) < 0)
                return NULL;
        return key;
}

static void cache_name(const char *key, char name[32])
{
        snprintf(name, 32, "%016" PRIx64 ".bpf", hash_fnv1a64(key));
}

bool seccomp_cache_load(const char *key, struct seccomp_plan *plan)
{
        _cleanup_close_ int dir = cache_dir();
        if (dir < 0)
                return false;
        char name[32];
        cache_name(key, name);
        _cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
                return false;
        size_t key_len = strlen(key), size = (size_t)st.st_size;
        _cleanup_free_ char *buf = malloc(size ? size : 1);
        if (!buf || read(fd, buf, size) != (ssize_t)size || size < sizeof(struct cache_head))
                return false;
        struct cache_head h;
        memcpy(&h, buf, sizeof(h));
        size_t prog = (size_t)h.n_insns * sizeof(struct sock_filter);
        if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) != 0 || h.key_len != key_len ||
            h.n_insns == 0 || h.n_insns > BPF_MAXINSNS ||
            size != sizeof(h) + key_len + prog || memcmp(buf + sizeof(h), key, key_len) != 0)
                return false;
        plan->insns = malloc(prog);
        if (!plan->insns)
                return false;
        memcpy(plan->insns, buf + sizeof(h) + key_len, prog);
        plan->n_insns = h.n_insns;
        plan->flags = h.flags;
        return true;
}

/* Misses are rare (a new profile, or a new berth, libseccomp or kernel):
 * then the directory is counted, and emptied when it has grown past
 * CACHE_MAX_ENTRIES, so that it cannot fill the tmpfs. */
static void cache_trim(int dir)
{
        _cleanup_close_ int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d)
                return;
        fd = -1;
        size_t n = 0;
        for (struct dirent *de; (de = readdir(d));)
                n += de->d_name[0] != '.';
        if (n >= CACHE_MAX_ENTRIES) {
                rewinddir(d);
                for (struct dirent *de; (de = readdir(d));)
                        if (de->d_name[0] != '.')
                                unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
}

void seccomp_cache_store(const char *key, const struct seccomp_plan *plan)
{
        _cleanup_close_ int dir = cache_dir();
        if (dir < 0 || !plan->insns || plan->n_insns == 0)
                return;
        cache_trim(dir);
        char name[32], tmp[48];
        cache_name(key, name);
        snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
        _cleanup_close_ int fd =
                openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return;
        struct cache_head h = { .n_insns = plan->n_insns,
                                .flags = plan->flags,
                                .key_len = (uint32_t)strlen(key) };
        memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
        size_t prog = (size_t)plan->n_insns * sizeof(struct sock_filter);
        bool ok = write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
                  write(fd, key, h.key_len) == (ssize_t)h.key_len &&
                  write(fd, plan->insns, prog) == (ssize_t)prog;
        if (!ok || renameat(dir, tmp, dir, name) < 0)
                unlinkat(dir, tmp, 0);
}
