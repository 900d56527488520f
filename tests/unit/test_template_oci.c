/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* template_oci: image layouts built here (tar layers written with
 * libarchive, digests from libcrypto) unpacked into a rootfs: layers in
 * order, whiteouts, opaque directories, the image config reaching the LXC
 * config, and the errors (digest, escape, missing files) leaving nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../../src/manager/template.h"
#include "cleanup.h"
#include "util.h"

#if defined(__x86_64__)
#define HOST_ARCH  "amd64"
#define OTHER_ARCH "arm64"
#elif defined(__aarch64__)
#define HOST_ARCH  "arm64"
#define OTHER_ARCH "amd64"
#else
#define HOST_ARCH  NULL
#define OTHER_ARCH "s390x"
#endif

struct fixture {
        char dir[PATH_MAX];
        char layout[PATH_MAX + 16];
        char rootfs[PATH_MAX + 16];
        struct lxc_config *cfg;
        json_t *manifests; /* descriptors for index.json */
        char lines[8][128];
        int n_lines;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        if (!f)
                return -1;
        snprintf(f->dir, sizeof(f->dir), "/tmp/berth-toci-XXXXXX");
        if (!mkdtemp(f->dir)) {
                free(f);
                return -1;
        }
        snprintf(f->layout, sizeof(f->layout), "%s/layout", f->dir);
        snprintf(f->rootfs, sizeof(f->rootfs), "%s/rootfs", f->dir);
        char blobs[PATH_MAX + 64];
        snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", f->layout);
        f->cfg = lxc_config_new();
        f->manifests = json_array();
        if (mkdir_p(blobs, 0755) < 0 || !f->cfg || !f->manifests)
                return -1;
        *state = f;
        return 0;
}

/* cmocka runs teardown after a failed test too */
static int teardown(void **state)
{
        struct fixture *f = *state;
        if (f) {
                (void)remove_tree_at(AT_FDCWD, f->dir);
                lxc_config_free(f->cfg);
                json_decref(f->manifests);
                free(f);
        }
        return 0;
}

/* ---- building layouts ---- */

/* Store data as a blob; its "sha256:..." digest into digest. */
static void put_blob(struct fixture *f, const void *data, size_t len, char digest[80])
{
        unsigned char sum[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        assert_true(EVP_Digest(data, len, sum, &n, EVP_sha256(), NULL));
        strcpy(digest, "sha256:");
        for (unsigned i = 0; i < n; i++)
                snprintf(digest + 7 + 2 * i, 3, "%02x", sum[i]);
        char path[PATH_MAX * 2];
        snprintf(path, sizeof(path), "%s/blobs/sha256/%s", f->layout, digest + 7);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, data, len), 0);
        close(fd);
}

static json_t *put_json_blob(struct fixture *f, json_t *doc, const char *media_type)
{
        char *text = json_dumps(doc, JSON_COMPACT);
        assert_non_null(text);
        char digest[80];
        put_blob(f, text, strlen(text), digest);
        json_t *d = json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest, "size",
                              (json_int_t)strlen(text));
        free(text);
        json_decref(doc);
        return d;
}

/* One tar entry: 'f' file (data), 'd' dir, 'l' symlink (data = target),
 * 'h' hard link (data = target), 'p' fifo, 'c' /dev/null's device,
 * 'x' empty file with xattr user.berth = data. */
struct ent {
        const char *path;
        char type;
        const char *data;
        mode_t mode;
        int uid, gid;
};

struct layer {
        const struct ent *ents;
        size_t n;
        int filter; /* ARCHIVE_FILTER_NONE, _GZIP, _ZSTD */
};

#define LAYER(arr, filt)                                                                           \
        {                                                                                          \
                (arr), sizeof(arr) / sizeof((arr)[0]), (filt)                                      \
        }

static json_t *put_layer(struct fixture *f, const struct layer *l)
{
        size_t cap = 4 << 20, used = 0;
        char *buf = malloc(cap);
        struct archive *w = archive_write_new();
        assert_non_null(buf);
        assert_int_equal(archive_write_set_format_pax_restricted(w), ARCHIVE_OK);
        const char *mt = "application/vnd.oci.image.layer.v1.tar";
        if (l->filter == ARCHIVE_FILTER_GZIP) {
                assert_int_equal(archive_write_add_filter_gzip(w), ARCHIVE_OK);
                mt = "application/vnd.oci.image.layer.v1.tar+gzip";
        } else if (l->filter == ARCHIVE_FILTER_ZSTD) {
                assert_int_equal(archive_write_add_filter_zstd(w), ARCHIVE_OK);
                mt = "application/vnd.oci.image.layer.v1.tar+zstd";
        }
        assert_int_equal(archive_write_open_memory(w, buf, cap, &used), ARCHIVE_OK);
        for (size_t i = 0; i < l->n; i++) {
                const struct ent *e = &l->ents[i];
                struct archive_entry *ae = archive_entry_new();
                archive_entry_set_pathname(ae, e->path);
                archive_entry_set_uid(ae, e->uid);
                archive_entry_set_gid(ae, e->gid);
                archive_entry_set_mtime(ae, 1700000000, 0);
                switch (e->type) {
                case 'f':
                        archive_entry_set_filetype(ae, AE_IFREG);
                        archive_entry_set_perm(ae, e->mode ? e->mode : 0644);
                        archive_entry_set_size(ae, (la_int64_t)strlen(e->data ? e->data : ""));
                        break;
                case 'd':
                        archive_entry_set_filetype(ae, AE_IFDIR);
                        archive_entry_set_perm(ae, e->mode ? e->mode : 0755);
                        break;
                case 'l':
                        archive_entry_set_filetype(ae, AE_IFLNK);
                        archive_entry_set_perm(ae, 0777);
                        archive_entry_set_symlink(ae, e->data);
                        break;
                case 'h':
                        archive_entry_set_filetype(ae, AE_IFREG);
                        archive_entry_set_perm(ae, 0644);
                        archive_entry_set_hardlink(ae, e->data);
                        archive_entry_set_size(ae, 0);
                        break;
                case 'p':
                        archive_entry_set_filetype(ae, AE_IFIFO);
                        archive_entry_set_perm(ae, e->mode ? e->mode : 0600);
                        break;
                case 'c':
                        archive_entry_set_filetype(ae, AE_IFCHR);
                        archive_entry_set_perm(ae, e->mode ? e->mode : 0666);
                        archive_entry_set_rdev(ae, makedev(1, 3));
                        break;
                case 'x': /* a file with an xattr user.berth = data */
                        archive_entry_set_filetype(ae, AE_IFREG);
                        archive_entry_set_perm(ae, 0644);
                        archive_entry_set_size(ae, 0);
                        archive_entry_xattr_add_entry(ae, "user.berth", e->data, strlen(e->data));
                        break;
                }
                assert_int_equal(archive_write_header(w, ae), ARCHIVE_OK);
                if (e->type == 'f' && e->data && *e->data)
                        assert_int_equal(archive_write_data(w, e->data, strlen(e->data)),
                                         (la_ssize_t)strlen(e->data));
                archive_entry_free(ae);
        }
        assert_int_equal(archive_write_close(w), ARCHIVE_OK);
        archive_write_free(w);
        char digest[80];
        put_blob(f, buf, used, digest);
        free(buf);
        return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", digest, "size",
                         (json_int_t)used);
}

/* An image (layers + the image config's "config" object as JSON text)
 * as a manifest descriptor. */
static json_t *put_image(struct fixture *f, const struct layer *layers, size_t n,
                         const char *config)
{
        json_error_t jerr;
        json_t *c = json_loads(config, 0, &jerr);
        if (!c)
                fail_msg("test config: %s", jerr.text);
        json_t *image = json_pack("{s:s, s:s, s:o, s:{s:s, s:[]}}", "architecture", "amd64", "os",
                                  "linux", "config", c, "rootfs", "type", "layers", "diff_ids");
        json_t *ls = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(ls, put_layer(f, &layers[i]));
        json_t *cd = put_json_blob(f, image, "application/vnd.oci.image.config.v1+json");
        json_t *m =
                json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType",
                          "application/vnd.oci.image.manifest.v1+json", "config", cd, "layers", ls);
        return put_json_blob(f, m, "application/vnd.oci.image.manifest.v1+json");
}

static void add_manifest(struct fixture *f, json_t *desc, const char *ref)
{
        if (ref)
                json_object_set_new(desc, "annotations",
                                    json_pack("{s:s}", "org.opencontainers.image.ref.name", ref));
        json_array_append_new(f->manifests, desc);
}

static void write_text(const char *dir, const char *name, const char *text)
{
        char path[PATH_MAX * 2];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, text, strlen(text)), 0);
        close(fd);
}

static void write_index(struct fixture *f)
{
        write_text(f->layout, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
        json_t *index = json_pack("{s:i, s:O}", "schemaVersion", 2, "manifests", f->manifests);
        char *text = json_dumps(index, 0);
        write_text(f->layout, "index.json", text);
        free(text);
        json_decref(index);
}

/* ---- running and checking ---- */

static void progress(void *data, const char *line)
{
        struct fixture *f = data;
        if (f->n_lines < 8)
                snprintf(f->lines[f->n_lines++], sizeof(f->lines[0]), "%s", line);
}

static int run(struct fixture *f, const char *source, char **argv, struct berth_error *err)
{
        char *none[] = { NULL };
        struct template_args a = {
                .rootfs = f->rootfs,
                .name = "c1",
                .source = source ? source : f->layout,
                .argv = argv ? argv : none,
                .cfg = f->cfg,
                .progress = progress,
                .progress_data = f,
        };
        berth_error_clear(err);
        return template_oci(&a, err);
}

static void run_ok(struct fixture *f, const char *source, char **argv)
{
        struct berth_error err = { 0 };
        if (run(f, source, argv, &err) < 0)
                fail_msg("template_oci failed: %s", err.msg);
}

static void run_fails(struct fixture *f, const char *source, char **argv, const char *want)
{
        struct berth_error err = { 0 };
        int r = run(f, source, argv, &err);
        if (r >= 0)
                fail_msg("template_oci succeeded; wanted an error with '%s'", want);
        if (!strstr(err.msg, want) || strncmp(err.msg, "oci template: ", 14) != 0)
                fail_msg("error '%s' lacks 'oci template: ' or '%s'", err.msg, want);
        if (getenv("SHOW_ERRORS"))
                print_message("%s\n", err.msg);
        struct stat st;
        if (lstat(f->rootfs, &st) == 0)
                fail_msg("the rootfs %s is still there after: %s", f->rootfs, err.msg);
}

static char *at(const struct fixture *f, const char *rel)
{
        static char buf[PATH_MAX * 2];
        snprintf(buf, sizeof(buf), "%s/%s", f->rootfs, rel);
        return buf;
}

static void expect_file(const struct fixture *f, const char *rel, const char *content)
{
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(AT_FDCWD, at(f, rel), &text, NULL);
        if (r < 0)
                fail_msg("%s: %s", rel, strerror(-r));
        assert_string_equal(text, content);
}

static void expect_gone(const struct fixture *f, const char *rel)
{
        struct stat st;
        if (lstat(at(f, rel), &st) == 0)
                fail_msg("%s should not exist", rel);
}

static const char *cfg_dump_has(const struct fixture *f, const char *line)
{
        _cleanup_free_ char *dump = lxc_config_dump(f->cfg);
        assert_non_null(dump);
        if (!strstr(dump, line))
                fail_msg("config lacks '%s':\n%s", line, dump);
        return line;
}

static const char basic_config[] = "{\"Cmd\": [\"/bin/sh\"]}";

/* ---- tests ---- */

static void test_layers_whiteouts_config(void **state)
{
        struct fixture *f = *state;
        static const struct ent l1[] = {
                { "etc/", 'd' },
                { "etc/a", 'f', "one" },
                { "etc/b", 'f', "bee" },
                { "etc/passwd", 'f',
                  "root:x:0:0:root:/root:/bin/sh\napp:x:1001:1002::/srv:/bin/sh\n" },
                { "etc/group", 'f', "root:x:0:\nstaff:x:50:\napp:x:1002:\n" },
                { "gone/x/y", 'f', "deep" },
                { "opq/old", 'f', "old" },
                { "opq/sub/deep", 'f', "old" },
                { "opq/keepdir/lower", 'f', "old" },
                { "link", 'l', "etc/a" },
                { "dirlink", 'l', "opq" },
                { "link3", 'l', "etc/a" },
                { "var/dirtofile/x", 'f', "x" },
                { "var/filetodir", 'f', "f" },
                { "secret", 'f', "s", 0640, 1234, 4321 },
        };
        static const struct ent l2[] = {
                { "./etc/a", 'f', "two" },
                { "etc/.wh.b", 'f', "" },
                { ".wh.gone", 'f', "" },
                /* before the marker, in the same layer: must survive it */
                { "opq/new", 'f', "new" },
                { "opq/keepdir/upper", 'f', "new" },
                { "opq/.wh..wh..opq", 'f', "" },
                { "opq/after", 'f', "after" },
                { "bin/tool", 'f', "#!", 04755 },
                /* replaces the symlink: must not write through it to etc/a */
                { "link3", 'f', "plain" },
                /* a file where a directory was, and a directory where a file was */
                { "var/dirtofile", 'f', "not a dir any more" },
                { "var/filetodir/", 'd' },
                { "var/filetodir/in", 'f', "in" },
                /* a symlink to a directory is followed, inside the root */
                { "dirlink/via", 'f', "via" },
        };
        static const struct ent l3[] = {
                { "hl", 'h', "etc/a" },
                { "fifo", 'p' },
                { "link2", 'l', "/etc/missing" },
        };
        const struct layer layers[] = { LAYER(l1, ARCHIVE_FILTER_NONE),
                                        LAYER(l2, ARCHIVE_FILTER_GZIP),
                                        LAYER(l3, ARCHIVE_FILTER_ZSTD) };
        add_manifest(f,
                     put_image(f, layers, 3,
                               "{\"Entrypoint\": [\"/bin/app\"], \"Cmd\": [\"--flag\", \"x\"],"
                               " \"Env\": [\"A=1\", \"PATH=/usr/bin:/bin\"],"
                               " \"WorkingDir\": \"/srv\", \"User\": \"app:staff\"}"),
                     NULL);
        write_index(f);
        run_ok(f, NULL, NULL);

        expect_file(f, "etc/a", "two");
        expect_gone(f, "etc/b");
        expect_file(f, "etc/passwd", l1[3].data);
        expect_file(f, "var/dirtofile", "not a dir any more");
        expect_file(f, "link3", "plain");
        expect_file(f, "var/filetodir/in", "in");
        struct stat dst; /* its time is the layer's, though "in" came after it */
        assert_int_equal(stat(at(f, "var/filetodir"), &dst), 0);
        assert_int_equal(dst.st_mtime, 1700000000);
        expect_file(f, "opq/via", "via");
        expect_gone(f, "gone");
        expect_gone(f, "opq/old");
        expect_gone(f, "opq/sub");
        expect_gone(f, "opq/keepdir/lower");
        expect_file(f, "opq/new", "new");
        expect_file(f, "opq/keepdir/upper", "new");
        expect_file(f, "opq/after", "after");
        expect_gone(f, "opq/.wh..wh..opq");
        expect_gone(f, "etc/.wh.b");
        expect_gone(f, ".wh.gone");

        char target[64];
        ssize_t n = readlink(at(f, "link"), target, sizeof(target) - 1);
        assert_true(n > 0);
        target[n] = '\0';
        assert_string_equal(target, "etc/a");
        n = readlink(at(f, "link2"), target, sizeof(target) - 1);
        assert_true(n > 0);

        struct stat a, h, st;
        assert_int_equal(stat(at(f, "etc/a"), &a), 0);
        assert_int_equal(stat(at(f, "hl"), &h), 0);
        assert_int_equal(a.st_ino, h.st_ino);
        assert_int_equal(lstat(at(f, "fifo"), &st), 0);
        assert_true(S_ISFIFO(st.st_mode));
        assert_int_equal(stat(at(f, "secret"), &st), 0);
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(stat(at(f, "bin/tool"), &st), 0);
        assert_int_equal(st.st_mode & 07777, 04755);
        if (geteuid() == 0) {
                assert_int_equal(stat(at(f, "secret"), &st), 0);
                assert_int_equal(st.st_uid, 1234);
                assert_int_equal(st.st_gid, 4321);
        }

        assert_string_equal(lxc_config_get(f->cfg, "lxc.init.cmd"), "/bin/app --flag x");
        assert_string_equal(lxc_config_get(f->cfg, "lxc.init.cwd"), "/srv");
        assert_string_equal(lxc_config_get(f->cfg, "lxc.init.uid"), "1001");
        assert_string_equal(lxc_config_get(f->cfg, "lxc.init.gid"), "50");
        assert_string_equal(lxc_config_get(f->cfg, "lxc.environment"), "PATH=/usr/bin:/bin");
        cfg_dump_has(f, "lxc.environment = A=1\n");

        assert_int_equal(f->n_lines, 3);
        assert_true(!strncmp(f->lines[0], "layer 1/3 sha256:", 17));
        assert_true(!strncmp(f->lines[2], "layer 3/3 sha256:", 17));
        /* 8 hex digits of the digest, then the size: an uncompressed tar
         * of 11 entries is a few KiB */
        if (strlen(f->lines[0]) < 26 || strncmp(f->lines[0] + 25, " (", 2) ||
            !strstr(f->lines[0], " KiB)"))
                fail_msg("progress line '%s'", f->lines[0]);
}

static void test_user_forms(void **state)
{
        struct fixture *f = *state;
        static const struct ent l1[] = {
                { "etc/passwd", 'f', "root:x:0:0:root:/root:/bin/sh\nweb:x:33:34::/:/bin/false\n" },
        };
        const struct layer layers[] = { LAYER(l1, ARCHIVE_FILTER_NONE) };
        add_manifest(f, put_image(f, layers, 1, "{\"Cmd\": [\"/x\"], \"User\": \"33\"}"), "num");
        add_manifest(f, put_image(f, layers, 1, "{\"Cmd\": [\"/x\"], \"User\": \"web\"}"), "name");
        add_manifest(f, put_image(f, layers, 1, "{\"Cmd\": [\"/x\"], \"User\": \"500:7\"}"),
                     "pair");
        add_manifest(f, put_image(f, layers, 1, "{\"Cmd\": [\"/x\"], \"User\": \"nobody\"}"),
                     "bad");
        add_manifest(f, put_image(f, layers, 1, "{\"Cmd\": [\"/x\"], \"User\": \"web:nogroup\"}"),
                     "badg");
        write_index(f);

        char *num[] = { "--ref", "num", NULL };
        run_ok(f, NULL, num);
        assert_string_equal(lxc_config_get(f->cfg, "lxc.init.uid"), "33");
        assert_string_equal(lxc_config_get(f->cfg, "lxc.init.gid"), "34");
        assert_int_equal(remove_tree_at(AT_FDCWD, f->rootfs), 0);

        char *name[] = { "--ref=name", NULL };
        run_ok(f, NULL, name);
        assert_string_equal(lxc_config_get(f->cfg, "lxc.init.uid"), "33");
        assert_string_equal(lxc_config_get(f->cfg, "lxc.init.gid"), "34");
        assert_int_equal(remove_tree_at(AT_FDCWD, f->rootfs), 0);

        char *pair[] = { "--ref", "pair", NULL };
        run_ok(f, NULL, pair);
        assert_string_equal(lxc_config_get(f->cfg, "lxc.init.uid"), "500");
        assert_string_equal(lxc_config_get(f->cfg, "lxc.init.gid"), "7");
        assert_int_equal(remove_tree_at(AT_FDCWD, f->rootfs), 0);

        char *bad[] = { "--ref", "bad", NULL };
        run_fails(f, NULL, bad, "User 'nobody': no such user");
        char *badg[] = { "--ref", "badg", NULL };
        run_fails(f, NULL, badg, "no such group 'nogroup'");
}

static void test_refs_and_options(void **state)
{
        struct fixture *f = *state;
        static const struct ent la[] = { { "which", 'f', "a" } };
        static const struct ent lb[] = { { "which", 'f', "b" } };
        const struct layer a[] = { LAYER(la, ARCHIVE_FILTER_NONE) };
        const struct layer b[] = { LAYER(lb, ARCHIVE_FILTER_GZIP) };
        add_manifest(f, put_image(f, a, 1, basic_config), "alpha");
        add_manifest(f, put_image(f, b, 1, basic_config), "beta");
        write_index(f);

        run_fails(f, NULL, NULL, "pick one with `-- --ref NAME` (refs: alpha, beta)");
        char *unknown[] = { "--tag", "x", NULL };
        run_fails(f, NULL, unknown, "unknown option '--tag'");
        char *missing[] = { "--ref", NULL };
        run_fails(f, NULL, missing, "--ref needs a NAME");
        char *nosuch[] = { "--ref", "gamma", NULL };
        run_fails(f, NULL, nosuch, "no manifest with ref name 'gamma' (it has alpha, beta)");
        char *beta[] = { "--ref", "beta", NULL };
        run_ok(f, NULL, beta);
        expect_file(f, "which", "b");
}

static void test_nested_index(void **state)
{
        struct fixture *f = *state;
        if (!HOST_ARCH)
                skip();
        static const struct ent lh[] = { { "arch", 'f', "host" } };
        static const struct ent lo[] = { { "arch", 'f', "other" } };
        const struct layer h[] = { LAYER(lh, ARCHIVE_FILTER_NONE) };
        const struct layer o[] = { LAYER(lo, ARCHIVE_FILTER_NONE) };
        json_t *mo = put_image(f, o, 1, basic_config);
        json_t *mh = put_image(f, h, 1, basic_config);
        json_object_set_new(mo, "platform",
                            json_pack("{s:s, s:s}", "os", "linux", "architecture", OTHER_ARCH));
        json_object_set_new(mh, "platform",
                            json_pack("{s:s, s:s}", "os", "linux", "architecture", HOST_ARCH));
        json_t *inner = json_pack("{s:i, s:s, s:[o, o]}", "schemaVersion", 2, "mediaType",
                                  "application/vnd.oci.image.index.v1+json", "manifests", mo, mh);
        add_manifest(f, put_json_blob(f, inner, "application/vnd.oci.image.index.v1+json"),
                     "multi");
        write_index(f);
        run_ok(f, NULL, NULL);
        expect_file(f, "arch", "host");
}

static void test_digest_mismatch(void **state)
{
        struct fixture *f = *state;
        static const struct ent l1[] = { { "file", 'f', "content" } };
        const struct layer layers[] = { LAYER(l1, ARCHIVE_FILTER_NONE) };
        json_t *m = put_image(f, layers, 1, basic_config);
        add_manifest(f, m, NULL);
        write_index(f);

        /* find the layer's blob through the manifest and flip a byte of it */
        char path[PATH_MAX * 2];
        snprintf(path, sizeof(path), "%s/blobs/sha256/%s", f->layout,
                 json_string_value(json_object_get(m, "digest")) + 7);
        json_t *manifest = json_load_file(path, 0, NULL);
        assert_non_null(manifest);
        char digest[80];
        snprintf(digest, sizeof(digest), "%s",
                 json_string_value(json_object_get(
                         json_array_get(json_object_get(manifest, "layers"), 0), "digest")));
        json_decref(manifest);
        snprintf(path, sizeof(path), "%s/blobs/sha256/%s", f->layout, digest + 7);
        int fd = open(path, O_RDWR | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, "X", 1, 512), 1); /* in "content" */
        close(fd);

        char want[128];
        snprintf(want, sizeof(want), "blob %s: digest mismatch", digest);
        run_fails(f, NULL, NULL, want);
}

static void test_escape(void **state)
{
        struct fixture *f = *state;
        static const struct ent dotdot[] = { { "ok", 'f', "ok" }, { "../escape", 'f', "x" } };
        /* through a symlink: resolved inside the rootfs, never the host */
        static const struct ent viasym[] = {
                { "up", 'l', "../../../../../../.." },
                { "up/pwned", 'f', "x" },
                { "abs", 'l', "/" },
                { "abs/pwned2", 'f', "x" },
        };
        const struct layer l1[] = { LAYER(dotdot, ARCHIVE_FILTER_NONE) };
        const struct layer l2[] = { LAYER(viasym, ARCHIVE_FILTER_GZIP) };
        add_manifest(f, put_image(f, l1, 1, basic_config), "dotdot");
        add_manifest(f, put_image(f, l2, 1, basic_config), "viasym");
        write_index(f);

        char outside[PATH_MAX * 2];
        char *a1[] = { "--ref", "dotdot", NULL };
        run_fails(f, NULL, a1, "'../escape' has a '..' component");
        snprintf(outside, sizeof(outside), "%s/escape", f->dir);
        assert_int_equal(access(outside, F_OK), -1);

        char *a2[] = { "--ref", "viasym", NULL };
        run_ok(f, NULL, a2);
        expect_file(f, "pwned", "x");
        expect_file(f, "pwned2", "x");
        assert_int_equal(access("/pwned2", F_OK), -1);
        snprintf(outside, sizeof(outside), "%s/pwned", f->dir);
        assert_int_equal(access(outside, F_OK), -1);
}

static void test_missing_index(void **state)
{
        struct fixture *f = *state;
        write_text(f->layout, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
        char want[PATH_MAX + 64];
        snprintf(want, sizeof(want), "oci template: %s/index.json: No such file", f->layout);
        run_fails(f, NULL, NULL, want);

        /* an existing empty rootfs is kept, and left empty */
        assert_int_equal(mkdir(f->rootfs, 0755), 0);
        struct berth_error err;
        assert_true(run(f, NULL, NULL, &err) < 0);
        assert_int_equal(rmdir(f->rootfs), 0);
}

static void test_no_command(void **state)
{
        struct fixture *f = *state;
        static const struct ent l1[] = { { "a", 'f', "a" } };
        const struct layer layers[] = { LAYER(l1, ARCHIVE_FILTER_NONE) };
        add_manifest(f, put_image(f, layers, 1, "{\"Env\": [\"A=1\"]}"), "none");
        add_manifest(f, put_image(f, layers, 1, "{\"Cmd\": [\"/bin/sh\", \"-c\", \"echo hi\"]}"),
                     "space");
        write_index(f);
        char *none[] = { "--ref", "none", NULL };
        run_fails(f, NULL, none, "the image has no Entrypoint or Cmd");
        /* an argument with blanks or quotes is quoted, and reads back whole */
        char *space[] = { "--ref", "space", NULL };
        run_ok(f, NULL, space);
        const char *cmd = lxc_config_get(f->cfg, "lxc.init.cmd");
        assert_string_equal(cmd, "/bin/sh -c 'echo hi'");
        char **words = NULL;
        assert_int_equal(lxc_split_words(cmd, &words), 0);
        assert_string_equal(words[2], "echo hi");
        assert_null(words[3]);
        strv_free(words);
        char *q = lxc_quote_word("it's \"x\"");
        assert_int_equal(lxc_split_words(q, &words), 0);
        assert_string_equal(words[0], "it's \"x\"");
        strv_free(words);
        free(q);
}

/* A layer that fails half-way (a hard link to nothing) after writing
 * files: all of it goes. */
static void test_failure_removes_rootfs(void **state)
{
        struct fixture *f = *state;
        static const struct ent l1[] = { { "a/b/c", 'f', "x" }, { "d", 'l', "a" } };
        static const struct ent l2[] = { { "e", 'f', "x" }, { "bad", 'h', "nowhere" } };
        const struct layer layers[] = { LAYER(l1, ARCHIVE_FILTER_NONE),
                                        LAYER(l2, ARCHIVE_FILTER_ZSTD) };
        add_manifest(f, put_image(f, layers, 2, basic_config), NULL);
        write_index(f);
        run_fails(f, NULL, NULL, "bad: hard link to nowhere");
        assert_int_equal(f->n_lines, 2);

        /* a rootfs that is not empty is refused and left alone */
        assert_int_equal(mkdir(f->rootfs, 0755), 0);
        write_text(f->rootfs, "mine", "m");
        struct berth_error err;
        assert_true(run(f, NULL, NULL, &err) < 0);
        assert_non_null(strstr(err.msg, "is not empty"));
        expect_file(f, "mine", "m");
}

static void test_device_and_xattr(void **state)
{
        struct fixture *f = *state;
        static const struct ent l1[] = { { "dev/null", 'c', NULL, 0666 }, { "tagged", 'x', "v1" } };
        const struct layer layers[] = { LAYER(l1, ARCHIVE_FILTER_NONE) };
        add_manifest(f, put_image(f, layers, 1, basic_config), NULL);
        write_index(f);
        if (geteuid() != 0)
                skip(); /* mknod needs CAP_MKNOD */
        run_ok(f, NULL, NULL);
        struct stat st;
        assert_int_equal(lstat(at(f, "dev/null"), &st), 0);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(st.st_rdev, makedev(1, 3));
        assert_int_equal(st.st_mode & 07777, 0666);
        char v[16];
        ssize_t n = getxattr(at(f, "tagged"), "user.berth", v, sizeof(v));
        if (n < 0 && errno == ENOTSUP)
                skip();
        assert_int_equal(n, 2);
        assert_memory_equal(v, "v1", 2);
}

/* The tar form: the same layout tarred up. */
static void tar_add_tree(struct archive *w, const char *base, const char *rel)
{
        char path[PATH_MAX * 2];
        snprintf(path, sizeof(path), "%s%s%s", base, *rel ? "/" : "", rel);
        DIR *d = opendir(path);
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                char sub[PATH_MAX], full[PATH_MAX * 3];
                snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
                snprintf(full, sizeof(full), "%s/%s", base, sub);
                struct stat st;
                assert_int_equal(stat(full, &st), 0);
                struct archive_entry *ae = archive_entry_new();
                archive_entry_set_pathname(ae, sub);
                archive_entry_copy_stat(ae, &st);
                assert_int_equal(archive_write_header(w, ae), ARCHIVE_OK);
                archive_entry_free(ae);
                if (S_ISDIR(st.st_mode)) {
                        tar_add_tree(w, base, sub);
                } else {
                        _cleanup_free_ char *text = NULL;
                        size_t len;
                        assert_int_equal(read_file_at(AT_FDCWD, full, &text, &len), 0);
                        assert_int_equal(archive_write_data(w, text, len), (la_ssize_t)len);
                }
        }
        closedir(d);
}

static void test_tar_layout(void **state)
{
        struct fixture *f = *state;
        static const struct ent l1[] = { { "usr/bin/app", 'f', "app", 0755 },
                                         { "bin", 'l', "usr/bin" } };
        const struct layer layers[] = { LAYER(l1, ARCHIVE_FILTER_GZIP) };
        add_manifest(f, put_image(f, layers, 1, "{\"Cmd\": [\"/bin/app\"]}"), "latest");
        write_index(f);
        char tar[PATH_MAX + 16];
        snprintf(tar, sizeof(tar), "%s/image.tar", f->dir);
        struct archive *w = archive_write_new();
        assert_int_equal(archive_write_set_format_pax_restricted(w), ARCHIVE_OK);
        assert_int_equal(archive_write_open_filename(w, tar), ARCHIVE_OK);
        tar_add_tree(w, f->layout, "");
        assert_int_equal(archive_write_close(w), ARCHIVE_OK);
        archive_write_free(w);

        run_ok(f, tar, NULL);
        expect_file(f, "usr/bin/app", "app");
        expect_file(f, "bin/app", "app");
        assert_string_equal(lxc_config_get(f->cfg, "lxc.init.cmd"), "/bin/app");
        /* the unpacked layout beside the rootfs is gone */
        DIR *d = opendir(f->dir);
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d)))
                if (!strncmp(de->d_name, ".berth-oci-", 11))
                        fail_msg("%s/%s left behind", f->dir, de->d_name);
        closedir(d);

        /* a broken tar names itself and leaves nothing */
        assert_int_equal(remove_tree_at(AT_FDCWD, f->rootfs), 0);
        write_text(f->dir, "broken.tar", "this is not a tar file at all, not even close.......");
        snprintf(tar, sizeof(tar), "%s/broken.tar", f->dir);
        run_fails(f, tar, NULL, "broken.tar");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_layers_whiteouts_config, setup, teardown),
                cmocka_unit_test_setup_teardown(test_user_forms, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refs_and_options, setup, teardown),
                cmocka_unit_test_setup_teardown(test_nested_index, setup, teardown),
                cmocka_unit_test_setup_teardown(test_digest_mismatch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_escape, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_index, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_command, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failure_removes_rootfs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_device_and_xattr, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tar_layout, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
