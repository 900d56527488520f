/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCI template, the byte side: blobs and their digests, and tar layers
 * unpacked onto the rootfs. libarchive only parses; every write here is
 * our own *at call on a directory resolved with openat2 RESOLVE_IN_ROOT,
 * so neither "..", absolute names nor symlinks planted by an earlier
 * entry can put anything outside the rootfs. (archive_write_disk works on
 * cwd-relative paths, which a library must not chdir for.) */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "template-oci-internal.h"
#include "util.h"

#define SMALL_BLOB_MAX (16 << 20)
#define READ_CHUNK     (128 << 10)

/* ---- blobs ---- */

/* A blob being hashed as it is read. */
struct blob {
        int fd;
        EVP_MD_CTX *md;
        uint64_t read;
        const struct oci_desc *d;
        char *buf; /* READ_CHUNK bytes, for the archive reader */
};

static void blob_close(struct blob *b)
{
        if (b->fd >= 0)
                close(b->fd);
        EVP_MD_CTX_free(b->md);
        free(b->buf);
}

static int blob_open(int layoutfd, const struct oci_desc *d, struct blob *b,
                     struct berth_error *err)
{
        *b = (struct blob){ .fd = -1, .d = d };
        int r = oci_digest_check(d->digest, err);
        if (r < 0)
                return r;
        size_t hexlen;
        const EVP_MD *md = oci_digest_md(d->digest, &hexlen);
        char path[160];
        /* both algorithms' names are 6 characters: "sha256:..." */
        snprintf(path, sizeof(path), "blobs/%.6s/%s", d->digest, d->digest + 7);
        /* O_NONBLOCK: a FIFO planted as a blob must not hang us; the
         * type is checked next */
        b->fd = openat(layoutfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (b->fd < 0)
                return berth_error_set(err, errno, "blob %s: open %s", d->digest, path);
        struct stat st;
        if (fstat(b->fd, &st) < 0)
                return berth_error_set(err, errno, "blob %s", d->digest);
        if (!S_ISREG(st.st_mode))
                return berth_error_setx(err, EINVAL, "blob %s: %s is not a regular file", d->digest,
                                        path);
        if (d->size >= 0 && st.st_size != d->size)
                return berth_error_setx(err, EINVAL, "blob %s: size %lld, its descriptor says %lld",
                                        d->digest, (long long)st.st_size, (long long)d->size);
        b->md = EVP_MD_CTX_new();
        if (!b->md || !EVP_DigestInit_ex(b->md, md, NULL))
                return berth_error_setx(err, ENOMEM, "blob %s: cannot start the digest", d->digest);
        return 0;
}

static ssize_t blob_read(struct blob *b, void *buf, size_t len)
{
        ssize_t n;
        while ((n = read(b->fd, buf, len)) < 0 && errno == EINTR)
                ;
        if (n > 0) {
                EVP_DigestUpdate(b->md, buf, (size_t)n);
                b->read += (uint64_t)n;
        }
        return n;
}

/* Hash what is left unread (tar padding a decompressor stopped short of),
 * then compare size and digest. */
static int blob_finish(struct blob *b, struct berth_error *err)
{
        char buf[8192];
        ssize_t n;
        while ((n = blob_read(b, buf, sizeof(buf))) > 0)
                ;
        if (n < 0)
                return berth_error_set(err, errno, "blob %s: read", b->d->digest);
        if (b->d->size >= 0 && b->read != (uint64_t)b->d->size)
                return berth_error_setx(
                        err, EINVAL, "blob %s: read %llu bytes, its descriptor says %lld",
                        b->d->digest, (unsigned long long)b->read, (long long)b->d->size);
        unsigned char sum[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        if (!EVP_DigestFinal_ex(b->md, sum, &len))
                return berth_error_setx(err, EIO, "blob %s: cannot finish the digest",
                                        b->d->digest);
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        for (unsigned i = 0; i < len; i++)
                snprintf(hex + 2 * i, 3, "%02x", sum[i]);
        if (strcmp(hex, b->d->digest + 7) != 0)
                return berth_error_setx(err, EINVAL,
                                        "blob %s: digest mismatch (the file hashes to %.7s%s)",
                                        b->d->digest, b->d->digest, hex);
        return 0;
}

int oci_blob_read(int layoutfd, const struct oci_desc *d, char **out, size_t *len,
                  struct berth_error *err)
{
        if (d->size < 0 || d->size > SMALL_BLOB_MAX)
                return berth_error_setx(err, EFBIG, "blob %s: size %lld is not 0..%d", d->digest,
                                        (long long)d->size, SMALL_BLOB_MAX);
        struct blob b;
        int r = blob_open(layoutfd, d, &b, err);
        _cleanup_free_ char *buf = r < 0 ? NULL : malloc((size_t)d->size + 1);
        if (r == 0 && !buf)
                r = berth_error_set(err, ENOMEM, "blob %s", d->digest);
        size_t used = 0;
        while (r == 0 && used < (size_t)d->size) {
                ssize_t n = blob_read(&b, buf + used, (size_t)d->size - used);
                if (n < 0)
                        r = berth_error_set(err, errno, "blob %s: read", d->digest);
                else if (n == 0)
                        break;
                else
                        used += (size_t)n;
        }
        if (r == 0)
                r = blob_finish(&b, err);
        blob_close(&b);
        if (r < 0)
                return r;
        buf[used] = '\0';
        *len = used;
        *out = TAKE_PTR(buf);
        return 0;
}

/* ---- the paths one layer wrote, for opaque directories ---- */

enum { PS_WRITTEN = 1, PS_HAS_CHILD = 2, PS_DIR_TIME = 4 };

struct pset_ent {
        char *key;
        unsigned flags;
        struct timespec mtime; /* PS_DIR_TIME: set once the layer is done */
};

struct pset {
        struct pset_ent *v;
        size_t n, cap; /* cap is 0 or a power of two */
};

static size_t pset_hash(const char *k, size_t len)
{
        uint64_t h = 1469598103934665603ull; /* FNV-1a */
        for (size_t i = 0; i < len; i++)
                h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
        return (size_t)h;
}

static struct pset_ent *pset_slot(const struct pset *s, const char *k, size_t len)
{
        size_t i = pset_hash(k, len) & (s->cap - 1);
        while (s->v[i].key && (strncmp(s->v[i].key, k, len) != 0 || s->v[i].key[len] != '\0'))
                i = (i + 1) & (s->cap - 1);
        return &s->v[i];
}

static unsigned pset_get(const struct pset *s, const char *k)
{
        if (!s->cap)
                return 0;
        return pset_slot(s, k, strlen(k))->flags;
}

static int pset_mark(struct pset *s, const char *k, size_t len, unsigned flags)
{
        if ((s->n + 1) * 2 > s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 256;
                struct pset_ent *v = calloc(cap, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                struct pset old = *s;
                s->v = v;
                s->cap = cap;
                for (size_t i = 0; i < old.cap; i++)
                        if (old.v[i].key)
                                *pset_slot(s, old.v[i].key, strlen(old.v[i].key)) = old.v[i];
                free(old.v);
        }
        struct pset_ent *e = pset_slot(s, k, len);
        if (!e->key) {
                e->key = strndup(k, len);
                if (!e->key)
                        return -ENOMEM;
                s->n++;
        }
        e->flags |= flags;
        return 0;
}

/* path written; each of its ancestors has something of this layer below */
static int pset_add(struct pset *s, const char *path)
{
        for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
                int r = pset_mark(s, path, (size_t)(p - path), PS_HAS_CHILD);
                if (r < 0)
                        return r;
        }
        return pset_mark(s, path, strlen(path), PS_WRITTEN);
}

static void pset_free(struct pset *s)
{
        for (size_t i = 0; i < s->cap; i++)
                free(s->v[i].key);
        free(s->v);
        *s = (struct pset){ 0 };
}

/* ---- writing entries ---- */

struct unpack {
        int rootfd;
        bool layout; /* an image layout's tar: files and directories, our owner, no whiteouts */
        const char *what; /* "layer sha256:..." or the tar's path, for errors */
        struct archive *ar;
        struct pset written;
        struct berth_error *err;
};

/* An entry name as a path below the root: leading "/" and "./", empty
 * and "." components dropped. ".." is refused outright rather than
 * clamped: no real layer has it, and a crafted one should not half-apply. */
static int normalize(const char *in, char *out, size_t size)
{
        size_t o = 0;
        for (const char *c = in; *c;) {
                size_t n = strcspn(c, "/");
                if (n == 2 && c[0] == '.' && c[1] == '.')
                        return -EINVAL;
                if (n > 0 && !(n == 1 && c[0] == '.')) {
                        if (o + n + 2 > size)
                                return -ENAMETOOLONG;
                        if (o)
                                out[o++] = '/';
                        memcpy(out + o, c, n);
                        o += n;
                }
                c += n;
                while (*c == '/')
                        c++;
        }
        out[o] = '\0';
        return 0;
}

/* Open directory `dir` ("" is the root) beneath the root; with `create`,
 * missing components are made 0755 one at a time, each in a directory
 * itself resolved beneath the root. */
static int open_dir(int rootfd, const char *dir, bool create)
{
        int fd = oci_open_in_root(rootfd, *dir ? dir : ".", O_PATH | O_DIRECTORY, 0);
        if (fd >= 0 || errno != ENOENT || !create)
                return fd < 0 ? -errno : fd;
        char buf[PATH_MAX];
        if (strlen(dir) >= sizeof(buf))
                return -ENAMETOOLONG;
        strcpy(buf, dir);
        _cleanup_close_ int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
        if (cur < 0)
                return -errno;
        for (char *p = buf;;) {
                char *slash = strchr(p, '/');
                if (slash)
                        *slash = '\0';
                fd = oci_open_in_root(rootfd, buf, O_PATH | O_DIRECTORY, 0);
                if (fd < 0 && errno == ENOENT) {
                        if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        fd = oci_open_in_root(rootfd, buf, O_PATH | O_DIRECTORY, 0);
                }
                if (fd < 0)
                        return -errno;
                close(cur);
                cur = fd;
                if (!slash)
                        return TAKE_FD(cur);
                *slash = '/';
                p = slash + 1;
        }
}

/* Split "a/b/c" into dir "a/b" (in buf) and name "c". */
static const char *split(const char *path, char *dir, size_t size)
{
        const char *slash = strrchr(path, '/');
        size_t n = slash ? (size_t)(slash - path) : 0;
        if (n >= size)
                n = size - 1;
        memcpy(dir, path, n);
        dir[n] = '\0';
        return slash ? slash + 1 : path;
}

static int fail(struct unpack *u, int code, const char *path, const char *op)
{
        return berth_error_set(u->err, code, "%s: %s: %s", u->what, path, op);
}

/* Run without root (no CAP_CHOWN), an image's owners cannot be kept:
 * the files stay the caller's, as with any unprivileged unpacking. Root
 * gets every owner or an error. */
static bool owner_error_ok(int e)
{
        return (e == EPERM || e == EINVAL) && geteuid() != 0;
}

static int copy_data(struct unpack *u, int fd, const char *path)
{
        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                int r = archive_read_data_block(u->ar, &buf, &len, &off);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r < ARCHIVE_WARN)
                        return berth_error_setx(u->err, EIO, "%s: %s: %s", u->what, path,
                                                archive_error_string(u->ar));
                for (size_t done = 0; done < len;) {
                        ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
                                           (off_t)off + (off_t)done);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return fail(u, errno, path, "write");
                        done += (size_t)n;
                }
        }
}

/* atime (mtime when the tar has none) and mtime, or leave both */
static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
        ts[1] = (struct timespec){ archive_entry_mtime(e), archive_entry_mtime_nsec(e) };
        ts[0] = ts[1];
        if (archive_entry_atime_is_set(e))
                ts[0] = (struct timespec){ archive_entry_atime(e), archive_entry_atime_nsec(e) };
        if (!archive_entry_mtime_is_set(e))
                ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
}

/* Owner, mode, xattrs, times of what fd is; chown first, as it clears
 * set-id bits. */
static int set_meta(struct unpack *u, int fd, struct archive_entry *e, const char *path)
{
        if (!u->layout) {
                if (fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0 &&
                    !owner_error_ok(errno))
                        return fail(u, errno, path, "chown");
                const char *name;
                const void *value;
                size_t size;
                archive_entry_xattr_reset(e);
                while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
                        if (fsetxattr(fd, name, value, size, 0) < 0 && errno != EOPNOTSUPP &&
                            !owner_error_ok(errno))
                                return berth_error_set(u->err, errno, "%s: %s: set xattr %s",
                                                       u->what, path, name);
        }
        mode_t mode = archive_entry_perm(e) & 07777;
        if (u->layout)
                mode = S_ISDIR(archive_entry_filetype(e)) ? 0755 : 0644;
        if (fchmod(fd, mode) < 0)
                return fail(u, errno, path, "chmod");
        struct timespec ts[2];
        entry_times(e, ts);
        if (futimens(fd, ts) < 0)
                return fail(u, errno, path, "set times");
        return 0;
}

static int write_link(struct unpack *u, int parent, const char *name, const char *target,
                      const char *path)
{
        char tpath[PATH_MAX], tdir[PATH_MAX];
        if (normalize(target, tpath, sizeof(tpath)) < 0 || !*tpath)
                return berth_error_setx(u->err, EINVAL,
                                        "%s: %s: hard link to '%s' outside the root", u->what, path,
                                        target);
        const char *tname = split(tpath, tdir, sizeof(tdir));
        int tparent = open_dir(u->rootfd, tdir, false);
        if (tparent < 0)
                return berth_error_set(u->err, -tparent, "%s: %s: hard link target %s", u->what,
                                       path, tpath);
        int r = linkat(tparent, tname, parent, name, 0);
        int e = errno;
        close(tparent);
        if (r < 0)
                return berth_error_set(u->err, e, "%s: %s: hard link to %s", u->what, path, tpath);
        return 0;
}

static int write_entry(struct unpack *u, struct archive_entry *e, const char *path)
{
        char dir[PATH_MAX];
        const char *name = split(path, dir, sizeof(dir));
        mode_t type = archive_entry_filetype(e);
        const char *hardlink = archive_entry_hardlink(e);
        if (u->layout && (hardlink || (type != AE_IFREG && type != AE_IFDIR)))
                return 0; /* a layout is blobs and JSON; nothing else is needed */
        if (type == AE_IFSOCK)
                return 0; /* a socket is no use without the process that bound it */
        int fd = open_dir(u->rootfd, dir, true);
        if (fd < 0)
                return berth_error_set(u->err, -fd, "%s: %s: open directory %s", u->what, path,
                                       *dir ? dir : "/");
        _cleanup_close_ int parent = fd;

        struct stat st;
        bool keep_dir = false;
        if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                keep_dir = S_ISDIR(st.st_mode) && type == AE_IFDIR && !hardlink;
                if (!keep_dir) {
                        int r = remove_tree_at(parent, name);
                        if (r < 0)
                                return fail(u, -r, path, "remove what a lower layer had");
                }
        } else if (errno != ENOENT) {
                return fail(u, errno, path, "stat");
        }

        if (hardlink)
                return write_link(u, parent, name, hardlink, path);
        switch (type) {
        case AE_IFREG: {
                _cleanup_close_ int out = openat(
                        parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (out < 0)
                        return fail(u, errno, path, "create");
                int r = copy_data(u, out, path);
                if (r < 0)
                        return r;
                /* a sparse file's hole at the end is written by nobody */
                if (archive_entry_size_is_set(e) && ftruncate(out, archive_entry_size(e)) < 0)
                        return fail(u, errno, path, "truncate");
                return set_meta(u, out, e, path);
        }
        case AE_IFDIR: {
                if (!keep_dir && mkdirat(parent, name, 0700) < 0)
                        return fail(u, errno, path, "mkdir");
                _cleanup_close_ int d =
                        openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (d < 0)
                        return fail(u, errno, path, "open");
                return set_meta(u, d, e, path);
        }
        case AE_IFLNK: {
                const char *target = archive_entry_symlink(e);
                if (!target)
                        return berth_error_setx(u->err, EINVAL, "%s: %s: symlink without a target",
                                                u->what, path);
                if (symlinkat(target, parent, name) < 0)
                        return fail(u, errno, path, "symlink");
                if (fchownat(parent, name, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
                             AT_SYMLINK_NOFOLLOW) < 0 &&
                    !owner_error_ok(errno))
                        return fail(u, errno, path, "chown");
                struct timespec ts[2];
                entry_times(e, ts);
                (void)utimensat(parent, name, ts, AT_SYMLINK_NOFOLLOW);
                return 0;
        }
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO: {
                mode_t mode = type | (archive_entry_perm(e) & 07777);
                if (mknodat(parent, name, mode, archive_entry_rdev(e)) < 0)
                        return fail(u, errno, path,
                                    type == AE_IFIFO ? "mkfifo"
                                                     : "mknod (device nodes need CAP_MKNOD)");
                _cleanup_close_ int n = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (n < 0)
                        return fail(u, errno, path, "open");
                if (fchownat(n, "", (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
                             AT_EMPTY_PATH) < 0 &&
                    !owner_error_ok(errno))
                        return fail(u, errno, path, "chown");
                /* chown cleared any set-id bits; an O_PATH fd cannot fchmod */
                char proc[64];
                snprintf(proc, sizeof(proc), "/proc/self/fd/%d", n);
                if (chmod(proc, mode & 07777) < 0)
                        return fail(u, errno, path, "chmod");
                return 0;
        }
        default:
                return berth_error_setx(u->err, EINVAL, "%s: %s: unknown entry type 0%o", u->what,
                                        path, (unsigned)type);
        }
}

/* ---- whiteouts ---- */

/* `.wh.NAME`: NAME goes, unless this same layer wrote it (a whiteout
 * only hides what is below). */
static int whiteout(struct unpack *u, const char *dir, const char *name, const char *path)
{
        if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
                return berth_error_setx(u->err, EINVAL, "%s: %s: bad whiteout", u->what, path);
        char victim[PATH_MAX];
        snprintf(victim, sizeof(victim), "%s%s%s", dir, *dir ? "/" : "", name);
        if (pset_get(&u->written, victim) & PS_WRITTEN)
                return 0;
        int parent = open_dir(u->rootfd, dir, false);
        if (parent == -ENOENT || parent == -ENOTDIR)
                return 0; /* nothing below to hide */
        if (parent < 0)
                return fail(u, -parent, path, "open its directory");
        int r = remove_tree_at(parent, name);
        close(parent);
        if (r < 0)
                return berth_error_set(u->err, -r, "%s: %s: remove %s", u->what, path, victim);
        return 0;
}

/* Under an opaque directory, remove all this layer did not write: a
 * directory holding something of this layer is kept and pruned inside. */
static int prune(struct unpack *u, int dfd, char *path, size_t len)
{
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd < 0 ? NULL : fdopendir(fd);
        if (!d) {
                int e = errno;
                if (fd >= 0)
                        close(fd);
                return fail(u, e, *path ? path : "/", "read directory");
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                size_t n = len + (len ? 1 : 0) + strlen(de->d_name);
                if (n >= PATH_MAX) {
                        r = fail(u, ENAMETOOLONG, path, "opaque directory");
                        break;
                }
                snprintf(path + len, PATH_MAX - len, "%s%s", len ? "/" : "", de->d_name);
                unsigned flags = pset_get(&u->written, path);
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = fail(u, errno, path, "stat");
                } else if (S_ISDIR(st.st_mode) && flags) {
                        int sub = openat(dirfd(d), de->d_name,
                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        r = sub < 0 ? fail(u, errno, path, "open") : prune(u, sub, path, n);
                        if (sub >= 0)
                                close(sub);
                } else if (!(flags & PS_WRITTEN)) {
                        int q = remove_tree_at(dirfd(d), de->d_name);
                        if (q < 0)
                                r = fail(u, -q, path, "remove under an opaque directory");
                }
                path[len] = '\0';
        }
        closedir(d);
        return r;
}

static int opaque(struct unpack *u, const char *dir, const char *path)
{
        int fd = open_dir(u->rootfd, dir, true);
        if (fd < 0)
                return fail(u, -fd, path, "open its directory");
        char buf[PATH_MAX];
        snprintf(buf, sizeof(buf), "%s", dir);
        int r = prune(u, fd, buf, strlen(buf));
        close(fd);
        return r;
}

static int unpack_entry(struct unpack *u, struct archive_entry *e)
{
        const char *raw = archive_entry_pathname(e);
        if (!raw)
                return berth_error_setx(u->err, EINVAL, "%s: an entry without a name", u->what);
        char path[PATH_MAX], dir[PATH_MAX];
        int r = normalize(raw, path, sizeof(path));
        if (r == -EINVAL)
                return berth_error_setx(u->err, EINVAL,
                                        "%s: entry '%.200s' has a '..' component; refusing it",
                                        u->what, raw);
        if (r < 0)
                return berth_error_set(u->err, -r, "%s: entry '%.200s'", u->what, raw);
        if (!*path)
                return 0; /* the root itself: the rootfs keeps its own owner and mode */
        const char *name = split(path, dir, sizeof(dir));
        if (!u->layout && !strncmp(name, ".wh.", 4)) {
                if (!strcmp(name, ".wh..wh..opq"))
                        return opaque(u, dir, path);
                if (!strncmp(name, ".wh..wh.", 8))
                        return 0; /* aufs bookkeeping (.wh..wh.plnk): not content */
                return whiteout(u, dir, name + 4, path);
        }
        r = write_entry(u, e, path);
        if (r < 0 || u->layout)
                return r;
        if ((r = pset_add(&u->written, path)) < 0)
                return berth_error_set(u->err, -r, "%s", u->what);
        if (archive_entry_filetype(e) == AE_IFDIR && !archive_entry_hardlink(e) &&
            archive_entry_mtime_is_set(e)) {
                struct pset_ent *pe = pset_slot(&u->written, path, strlen(path));
                pe->flags |= PS_DIR_TIME;
                pe->mtime =
                        (struct timespec){ archive_entry_mtime(e), archive_entry_mtime_nsec(e) };
        }
        return 0;
}

/* A directory's mtime changes with every entry written into it, so the
 * layer's own times go on last (best effort: it may be gone again). */
static void set_dir_times(struct unpack *u)
{
        for (size_t i = 0; i < u->written.cap; i++) {
                const struct pset_ent *pe = &u->written.v[i];
                if (!pe->key || !(pe->flags & PS_DIR_TIME))
                        continue;
                int fd = oci_open_in_root(u->rootfd, pe->key, O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
                                          0);
                if (fd >= 0) {
                        struct timespec ts[2] = { pe->mtime, pe->mtime };
                        (void)futimens(fd, ts);
                        close(fd);
                }
        }
}

static la_ssize_t archive_cb_read(struct archive *ar, void *data, const void **buf)
{
        struct blob *b = data;
        ssize_t n = blob_read(b, b->buf, READ_CHUNK);
        if (n < 0) {
                archive_set_error(ar, errno, "read: %s", strerror(errno));
                return -1;
        }
        *buf = b->buf;
        return n;
}

/* A reader on the blob in u->ar, even when opening fails (the error is
 * read off it). */
static int archive_open(struct unpack *u, struct blob *b)
{
        struct archive *ar = u->ar = archive_read_new();
        if (!ar)
                return berth_error_set(u->err, ENOMEM, "%s", u->what);
        /* the compressions layers use; detected from the bytes, not the media type */
        archive_read_support_filter_gzip(ar);
        archive_read_support_filter_zstd(ar);
        archive_read_support_filter_xz(ar);
        archive_read_support_filter_bzip2(ar);
        archive_read_support_format_tar(ar);
        archive_read_support_format_empty(ar);
        if (archive_read_open(ar, b, NULL, archive_cb_read, NULL) != ARCHIVE_OK)
                return berth_error_setx(u->err, EIO, "%s: %s", u->what, archive_error_string(ar));
        return 0;
}

static int unpack_all(struct unpack *u)
{
        for (;;) {
                struct archive_entry *e;
                int r = archive_read_next_header(u->ar, &e);
                if (r == ARCHIVE_EOF) {
                        set_dir_times(u);
                        return 0;
                }
                if (r < ARCHIVE_WARN)
                        return berth_error_setx(u->err, EIO, "%s: %s", u->what,
                                                archive_error_string(u->ar));
                r = unpack_entry(u, e);
                if (r < 0)
                        return r;
        }
}

/* OCI's "tar", "tar+gzip", "tar+zstd" and Docker's "tar.gzip" layers */
static bool layer_type_ok(const char *t)
{
        static const char *const base[] = {
                "application/vnd.oci.image.layer.v1.tar",
                "application/vnd.oci.image.layer.nondistributable.v1.tar",
                "application/vnd.docker.image.rootfs.diff.tar",
                "application/vnd.docker.image.rootfs.foreign.diff.tar",
        };
        for (size_t i = 0; i < ARRAY_SIZE(base); i++) {
                size_t n = strlen(base[i]);
                if (!strncmp(t, base[i], n) && (!t[n] || !strcmp(t + n, "+gzip") ||
                                                !strcmp(t + n, "+zstd") || !strcmp(t + n, ".gzip")))
                        return true;
        }
        return false;
}

int oci_layer_apply(int layoutfd, const struct oci_desc *d, int rootfd, struct berth_error *err)
{
        if (!d->media_type || !layer_type_ok(d->media_type))
                return berth_error_setx(err, ENOTSUP,
                                        "layer %s: media type '%s' is not a tar layer", d->digest,
                                        d->media_type ? d->media_type : "(none)");
        struct blob b;
        int r = blob_open(layoutfd, d, &b, err);
        if (r == 0 && !(b.buf = malloc(READ_CHUNK)))
                r = berth_error_set(err, ENOMEM, "layer %s", d->digest);
        if (r < 0) {
                blob_close(&b);
                return r;
        }
        char what[200];
        snprintf(what, sizeof(what), "layer %s", d->digest);
        struct unpack u = { .rootfd = rootfd, .what = what, .err = err };
        r = archive_open(&u, &b);
        if (r == 0)
                r = unpack_all(&u);
        /* A damaged blob shows as a parse error first; the digest is the
         * truer story, so it wins. */
        struct berth_error derr = { 0 };
        int dr = blob_finish(&b, &derr);
        if (dr < 0) {
                *err = derr;
                r = dr;
        }
        if (u.ar)
                archive_read_free(u.ar);
        pset_free(&u.written);
        blob_close(&b);
        return r;
}

int oci_layout_untar(const char *tar, int destfd, struct berth_error *err)
{
        struct oci_desc d = { .digest = tar, .size = -1 };
        struct blob b = { .fd = open(tar, O_RDONLY | O_CLOEXEC), .d = &d };
        if (b.fd < 0)
                return berth_error_set(err, errno, "open %s", tar);
        b.md = EVP_MD_CTX_new(); /* unused but fed: blob_read hashes */
        b.buf = malloc(READ_CHUNK);
        int r = 0;
        if (!b.md || !b.buf || !EVP_DigestInit_ex(b.md, EVP_sha256(), NULL))
                r = berth_error_set(err, ENOMEM, "%s", tar);
        struct unpack u = { .rootfd = destfd, .layout = true, .what = tar, .err = err };
        if (r == 0)
                r = archive_open(&u, &b);
        if (r == 0)
                r = unpack_all(&u);
        if (u.ar)
                archive_read_free(u.ar);
        blob_close(&b);
        return r;
}
