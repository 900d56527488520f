/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The oci:PATH template: a system container's rootfs from an OCI image
 * layout (a directory, or its tar), and the image config's command,
 * environment, working directory and user as lxc.init.* items. This file
 * reads the layout's JSON and picks the manifest; template-oci-layer.c
 * verifies blobs and unpacks layers. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "dl.h"
#include "info.h"
#include "error.h"
#include "template-oci-internal.h"
#include "template.h"
#include "util.h"

#define MT_INDEX           "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST        "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define ANN_REF            "org.opencontainers.image.ref.name"
#define ACCOUNTS_MAX       (4 << 20)
/* an index may point at an index; real images nest once at most */
#define INDEX_DEPTH_MAX 4

#if defined(__x86_64__)
#define HOST_ARCH "amd64"
#elif defined(__aarch64__)
#define HOST_ARCH "arm64"
#elif defined(__i386__)
#define HOST_ARCH "386"
#elif defined(__arm__)
#define HOST_ARCH "arm"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ARCH "ppc64le"
#elif defined(__s390x__)
#define HOST_ARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_ARCH "riscv64"
#elif defined(__loongarch64)
#define HOST_ARCH "loong64"
#elif defined(__mips64) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ARCH "mips64le"
#else
#define HOST_ARCH "unknown"
#endif

struct oci {
        const struct template_args *a;
        const char *ref; /* --ref */
        bool is_tar;
        int layoutfd;
        json_t *docs[INDEX_DEPTH_MAX + 4]; /* descriptors point into these */
        size_t n_docs;
        struct berth_error *err;
};

/* A file of the layout, as a user finds it: "DIR/index.json" or, for the
 * tar form, "FILE.tar: index.json". */
static const char *lname(const struct oci *o, const char *file, char *buf, size_t size)
{
        snprintf(buf, size, o->is_tar ? "%s: %s" : "%s/%s", o->a->source, file);
        return buf;
}

static int parse_options(struct oci *o)
{
        char *const *v = o->a->argv;
        for (size_t i = 0; v && v[i]; i++) {
                if (!strcmp(v[i], "--ref")) {
                        if (!v[i + 1])
                                return berth_error_setx(o->err, EINVAL, "--ref needs a NAME");
                        o->ref = v[++i];
                } else if (!strncmp(v[i], "--ref=", 6)) {
                        o->ref = v[i] + 6;
                } else {
                        return berth_error_setx(
                                o->err, EINVAL,
                                "unknown option '%s' (the oci template takes --ref NAME)", v[i]);
                }
                if (!*o->ref)
                        return berth_error_setx(o->err, EINVAL, "--ref needs a NAME");
        }
        return 0;
}

int oci_open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .mode = (flags & O_CREAT) ? mode : 0,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        for (;;) {
                long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
                if (fd >= 0 || errno != EINTR)
                        return (int)fd;
        }
}

/* ---- descriptors ---- */

const EVP_MD *oci_digest_md(const char *digest, size_t *hexlen)
{
        if (!strncmp(digest, "sha256:", 7)) {
                *hexlen = 64;
                return EVP_sha256();
        }
        if (!strncmp(digest, "sha512:", 7)) {
                *hexlen = 128;
                return EVP_sha512();
        }
        return NULL;
}

int oci_digest_check(const char *digest, struct berth_error *err)
{
        size_t hexlen;
        if (!oci_digest_md(digest, &hexlen))
                return berth_error_setx(err, ENOTSUP,
                                        "digest '%.80s': unsupported algorithm (sha256 or sha512)",
                                        digest);
        const char *hex = digest + 7;
        if (strlen(hex) != hexlen || strspn(hex, "0123456789abcdef") != hexlen)
                return berth_error_setx(err, EINVAL, "digest '%.160s' is malformed", digest);
        return 0;
}

/* ---- JSON ---- */

static int keep_doc(struct oci *o, json_t *doc)
{
        if (o->n_docs == ARRAY_SIZE(o->docs)) {
                json_decref(doc);
                return berth_error_setx(o->err, ELOOP, "image indexes nest too deep");
        }
        o->docs[o->n_docs++] = doc;
        return 0;
}

static int parse_json(struct oci *o, const char *text, size_t len, const char *what, json_t **out)
{
        json_error_t jerr;
        json_t *doc = json_loadb(text, len, 0, &jerr);
        if (!doc)
                return berth_error_setx(o->err, EINVAL, "%s: invalid JSON at line %d: %s", what,
                                        jerr.line, jerr.text);
        if (!json_is_object(doc)) {
                json_decref(doc);
                return berth_error_setx(o->err, EINVAL, "%s: not a JSON object", what);
        }
        int r = keep_doc(o, doc);
        if (r < 0)
                return r;
        *out = doc;
        return 0;
}

static int read_blob_json(struct oci *o, const struct oci_desc *d, json_t **out)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = oci_blob_read(o->layoutfd, d, &text, &len, o->err);
        if (r < 0)
                return r;
        char what[200];
        snprintf(what, sizeof(what), "blob %s", d->digest);
        return parse_json(o, text, len, what, out);
}

static int parse_desc(struct oci *o, json_t *j, const char *what, struct oci_desc *d)
{
        json_t *mt = json_object_get(j, "mediaType");
        json_t *dg = json_object_get(j, "digest");
        json_t *sz = json_object_get(j, "size");
        if (!json_is_object(j) || !json_is_string(dg) || !json_is_integer(sz) ||
            json_integer_value(sz) < 0 || (mt && !json_is_string(mt)))
                return berth_error_setx(o->err, EINVAL,
                                        "%s: not a descriptor (string digest, size >= 0)", what);
        *d = (struct oci_desc){
                .media_type = mt ? json_string_value(mt) : NULL,
                .digest = json_string_value(dg),
                .size = (int64_t)json_integer_value(sz),
        };
        int r = oci_digest_check(d->digest, o->err);
        return r < 0 ? berth_error_prefix(o->err, "%s", what) : 0;
}

static const char *ref_name(json_t *desc)
{
        return json_string_value(json_object_get(json_object_get(desc, "annotations"), ANN_REF));
}

/* "a, b, c" of the ref names (or platforms) in a manifests array. */
static void list_manifests(json_t *list, bool platforms, char *buf, size_t size)
{
        size_t used = 0, i;
        json_t *m;
        buf[0] = '\0';
        json_array_foreach(list, i, m)
        {
                char one[160];
                json_t *p = json_object_get(m, "platform");
                if (platforms)
                        snprintf(one, sizeof(one), "%s/%s",
                                 json_string_value(json_object_get(p, "os")) ?: "?",
                                 json_string_value(json_object_get(p, "architecture")) ?: "?");
                else
                        snprintf(one, sizeof(one), "%s", ref_name(m) ?: "(no ref name)");
                int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", one);
                if (n < 0 || (size_t)n >= size - used)
                        break;
                used += (size_t)n;
        }
}

static json_t *manifests_of(struct oci *o, json_t *index, const char *what)
{
        json_t *list = json_object_get(index, "manifests");
        if (!json_is_array(list)) {
                berth_error_setx(o->err, EINVAL, "%s: no \"manifests\" array", what);
                return NULL;
        }
        if (json_array_size(list) == 0) {
                berth_error_setx(o->err, EINVAL, "%s: lists no manifests", what);
                return NULL;
        }
        return list;
}

/* The linux/<host arch> entry of a multi-platform index. */
static json_t *pick_platform(struct oci *o, json_t *list, const char *what)
{
        size_t i;
        json_t *m, *found = NULL;
        json_array_foreach(list, i, m)
        {
                json_t *p = json_object_get(m, "platform");
                const char *os = json_string_value(json_object_get(p, "os"));
                const char *arch = json_string_value(json_object_get(p, "architecture"));
                if (os && arch && !strcmp(os, "linux") && !strcmp(arch, HOST_ARCH)) {
                        found = m;
                        break;
                }
        }
        if (!found) {
                char have[1024];
                list_manifests(list, true, have, sizeof(have));
                berth_error_setx(o->err, ENOENT, "%s: no linux/%s manifest (it has %s)", what,
                                 HOST_ARCH, have);
        }
        return found;
}

static json_t *pick_top(struct oci *o, json_t *list, const char *what)
{
        size_t i, named = 0;
        json_t *m;
        json_array_foreach(list, i, m)
        {
                const char *ref = ref_name(m);
                named += ref != NULL;
                if (o->ref && ref && !strcmp(ref, o->ref))
                        return m;
        }
        char have[1024];
        list_manifests(list, false, have, sizeof(have));
        if (o->ref) {
                berth_error_setx(o->err, ENOENT, "%s: no manifest with ref name '%s' (it has %s)",
                                 what, o->ref, have);
                return NULL;
        }
        if (json_array_size(list) == 1)
                return json_array_get(list, 0);
        /* several without names: the platforms of one image */
        if (named == 0)
                return pick_platform(o, list, what);
        berth_error_setx(o->err, EINVAL,
                         "%s: %zu manifests; pick one with `-- --ref NAME` (refs: %s)", what,
                         json_array_size(list), have);
        return NULL;
}

static bool is_index_type(const char *t)
{
        return t && (!strcmp(t, MT_INDEX) || !strcmp(t, MT_DOCKER_LIST));
}

/* From index.json to an image manifest's descriptor. */
static int find_manifest(struct oci *o, struct oci_desc *out)
{
        char what[PATH_MAX + 64];
        lname(o, "index.json", what, sizeof(what));
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_at(o->layoutfd, "index.json", &text, &len);
        if (r < 0)
                return berth_error_set(o->err, -r, "%s", what);
        json_t *index;
        if ((r = parse_json(o, text, len, what, &index)) < 0)
                return r;
        json_t *list = manifests_of(o, index, what);
        json_t *m = list ? pick_top(o, list, what) : NULL;
        for (int depth = 0;; depth++) {
                if (!m)
                        return -o->err->code;
                if ((r = parse_desc(o, m, what, out)) < 0)
                        return r;
                if (!is_index_type(out->media_type))
                        break;
                if (depth == INDEX_DEPTH_MAX)
                        return berth_error_setx(o->err, ELOOP, "image indexes nest too deep");
                if ((r = read_blob_json(o, out, &index)) < 0)
                        return r;
                snprintf(what, sizeof(what), "image index %s", out->digest);
                list = manifests_of(o, index, what);
                m = list ? pick_platform(o, list, what) : NULL;
        }
        /* an old layout may leave mediaType out; the manifest says what it is */
        if (out->media_type && strcmp(out->media_type, MT_MANIFEST) &&
            strcmp(out->media_type, MT_DOCKER_MANIFEST))
                return berth_error_setx(
                        o->err, ENOTSUP,
                        "%s: manifest %s has media type '%s', not an image manifest", what,
                        out->digest, out->media_type);
        return 0;
}

/* ---- the image config ---- */

struct plan {
        char *cmd;
        json_t *env; /* array of "K=V" strings, borrowed */
        const char *cwd, *user;
};

static bool has_space_or_cntrl(const char *s)
{
        for (; *s; s++)
                if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
                        return true;
        return false;
}

static int append_args(struct oci *o, json_t *arr, const char *field, char **cmd, size_t *len)
{
        if (!arr || json_is_null(arr))
                return 0;
        if (!json_is_array(arr))
                return berth_error_setx(o->err, EINVAL, "image config: %s is not an array", field);
        size_t i;
        json_t *s;
        json_array_foreach(arr, i, s)
        {
                const char *v = json_string_value(s);
                if (!v)
                        return berth_error_setx(o->err, EINVAL,
                                                "image config: %s[%zu] is not a string", field, i);
                for (const char *q = v; *q; q++)
                        if ((unsigned char)*q < 0x20 && *q != '\t')
                                return berth_error_setx(
                                        o->err, EINVAL,
                                        "image config: %s argument '%.200s' holds a control "
                                        "character, which a config line cannot keep",
                                        field, v);
                /* quoted as lxc.init.cmd reads it back (lxc_split_words) */
                _cleanup_free_ char *w = lxc_quote_word(v);
                size_t n = w ? strlen(w) : 0;
                char *c = w ? realloc(*cmd, *len + n + 2) : NULL;
                if (!c)
                        return berth_error_set(o->err, ENOMEM, "image config");
                *cmd = c;
                if (*len)
                        c[(*len)++] = ' ';
                memcpy(c + *len, w, n + 1);
                *len += n;
        }
        return 0;
}

static int plan_from_config(struct oci *o, json_t *image, struct plan *p)
{
        json_t *c = json_object_get(image, "config");
        if (c && !json_is_object(c))
                return berth_error_setx(o->err, EINVAL,
                                        "image config: \"config\" is not an object");
        size_t len = 0;
        int r = append_args(o, json_object_get(c, "Entrypoint"), "Entrypoint", &p->cmd, &len);
        if (r == 0)
                r = append_args(o, json_object_get(c, "Cmd"), "Cmd", &p->cmd, &len);
        if (r < 0)
                return r;
        if (!p->cmd)
                return berth_error_setx(o->err, EINVAL, "the image has no Entrypoint or Cmd");

        p->env = json_object_get(c, "Env");
        if (p->env && !json_is_null(p->env)) {
                size_t i;
                json_t *e;
                if (!json_is_array(p->env))
                        return berth_error_setx(o->err, EINVAL,
                                                "image config: Env is not an array");
                json_array_foreach(p->env, i, e)
                {
                        const char *v = json_string_value(e);
                        bool cntrl = false;
                        for (const char *q = v; q && *q; q++)
                                cntrl |= iscntrl((unsigned char)*q) != 0;
                        if (!v || !strchr(v, '=') || *v == '=' || cntrl)
                                return berth_error_setx(
                                        o->err, EINVAL,
                                        "image config: Env[%zu] is not a NAME=VALUE line", i);
                }
        } else {
                p->env = NULL;
        }
        json_t *wd = json_object_get(c, "WorkingDir");
        p->cwd = json_string_value(wd);
        if ((wd && !json_is_null(wd) && !p->cwd) ||
            (p->cwd && *p->cwd && (p->cwd[0] != '/' || has_space_or_cntrl(p->cwd))))
                return berth_error_setx(
                        o->err, EINVAL,
                        "image config: WorkingDir must be an absolute path without whitespace");
        json_t *user = json_object_get(c, "User");
        p->user = json_string_value(user);
        if (user && !json_is_null(user) && !p->user)
                return berth_error_setx(o->err, EINVAL, "image config: User is not a string");
        return 0;
}

/* ---- User: numeric ids, or names from the image's own files ---- */

/* A file of the unpacked image, resolved inside it. NULL text: missing. */
static int read_image_file(int rootfd, const char *path, char **text, struct berth_error *err)
{
        *text = NULL;
        _cleanup_close_ int fd =
                oci_open_in_root(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
        if (fd < 0)
                return errno == ENOENT ? 0 : berth_error_set(err, errno, "the image's /%s", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_error_set(err, errno, "the image's /%s", path);
        if (!S_ISREG(st.st_mode) || st.st_size > ACCOUNTS_MAX)
                return berth_error_setx(err, EINVAL,
                                        "the image's /%s is not a regular file under 4 MiB", path);
        _cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return berth_error_set(err, ENOMEM, "the image's /%s", path);
        size_t used = 0;
        while (used < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + used, (size_t)st.st_size - used);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_error_set(err, errno, "read the image's /%s", path);
                if (n == 0)
                        break;
                used += (size_t)n;
        }
        buf[used] = '\0';
        *text = TAKE_PTR(buf);
        return 0;
}

/* Find the line of passwd/group text whose name (field 0) or, without a
 * name, id (field 2) matches, among lines of at least `need` fields;
 * field[] gets its first 4 fields. */
static bool account_find(char *text, const char *name, int64_t id, int need, char *field[4])
{
        for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                int n = 0;
                for (char *p = line; p && n < 4;) {
                        field[n++] = p;
                        p = strchr(p, ':');
                        if (p)
                                *p++ = '\0';
                }
                if (n < need)
                        continue;
                uint64_t v;
                if (name ? !strcmp(field[0], name)
                         : (parse_uint64(field[2], &v) == 0 && (int64_t)v == id))
                        return true;
        }
        return false;
}

static bool numeric_id(const char *s, uint64_t *v)
{
        return parse_uint64(s, v) == 0 && *v < UINT32_MAX;
}

static int resolve_user(int rootfd, const char *spec, char uid_s[16], char gid_s[16],
                        struct berth_error *err)
{
        _cleanup_free_ char *u = strdup(spec);
        if (!u)
                return berth_error_set(err, ENOMEM, "User");
        char *g = strchr(u, ':');
        if (g)
                *g++ = '\0';
        if (!*u || (g && !*g))
                return berth_error_setx(err, EINVAL, "image config: User '%s' is malformed", spec);

        _cleanup_free_ char *passwd = NULL;
        int r = read_image_file(rootfd, "etc/passwd", &passwd, err);
        if (r < 0)
                return r;
        uint64_t uid, gid = 0;
        char *f[4];
        bool num = numeric_id(u, &uid);
        if (passwd && account_find(passwd, num ? NULL : u, num ? (int64_t)uid : -1, 4, f)) {
                if (!num && !numeric_id(f[2], &uid))
                        return berth_error_setx(err, EINVAL,
                                                "the image's /etc/passwd: bad uid for '%s'", u);
                if (!numeric_id(f[3], &gid))
                        gid = 0;
        } else if (!num) {
                return berth_error_setx(
                        err, ENOENT,
                        "image config: User '%s': no such user in the image's /etc/passwd", u);
        }
        if (g && !numeric_id(g, &gid)) {
                _cleanup_free_ char *group = NULL;
                if ((r = read_image_file(rootfd, "etc/group", &group, err)) < 0)
                        return r;
                if (!group || !account_find(group, g, -1, 3, f) || !numeric_id(f[2], &gid))
                        return berth_error_setx(err, ENOENT,
                                                "image config: User '%s': no such group '%s' in "
                                                "the image's /etc/group",
                                                spec, g);
        }
        snprintf(uid_s, 16, "%llu", (unsigned long long)uid);
        snprintf(gid_s, 16, "%llu", (unsigned long long)gid);
        return 0;
}

static int apply_plan(int rootfd, const struct plan *p, struct lxc_config *cfg,
                      struct berth_error *err)
{
        char uid[16], gid[16];
        int r = 0;
        if (p->user && *p->user && (r = resolve_user(rootfd, p->user, uid, gid, err)) < 0)
                return r;
        r = lxc_config_set(cfg, "lxc.init.cmd", p->cmd, err);
        size_t i;
        json_t *e;
        json_array_foreach(p->env, i, e)
        {
                if (r == 0)
                        r = lxc_config_set(cfg, "lxc.environment", json_string_value(e), err);
        }
        if (r == 0 && p->cwd && *p->cwd)
                r = lxc_config_set(cfg, "lxc.init.cwd", p->cwd, err);
        if (r == 0 && p->user && *p->user) {
                r = lxc_config_set(cfg, "lxc.init.uid", uid, err);
                if (r == 0)
                        r = lxc_config_set(cfg, "lxc.init.gid", gid, err);
        }
        return r;
}

/* ---- the rootfs ---- */

static int apply_layers(struct oci *o, json_t *manifest, int rootfd)
{
        json_t *layers = json_object_get(manifest, "layers");
        if (!json_is_array(layers) || json_array_size(layers) == 0)
                return berth_error_setx(o->err, EINVAL, "image manifest: no layers");
        size_t n = json_array_size(layers), i;
        json_t *l;
        json_array_foreach(layers, i, l)
        {
                struct oci_desc d;
                char what[64];
                snprintf(what, sizeof(what), "image manifest: layers[%zu]", i);
                int r = parse_desc(o, l, what, &d);
                if (r < 0)
                        return r;
                if (o->a->progress) {
                        char size[32], line[128];
                        (void)info_format_bytes(d.size > 0 ? (uint64_t)d.size : 0, size, sizeof(size));
                        snprintf(line, sizeof(line), "layer %zu/%zu %.15s (%s)", i + 1, n, d.digest,
                                 size);
                        o->a->progress(o->a->progress_data, line);
                }
                if ((r = oci_layer_apply(o->layoutfd, &d, rootfd, o->err)) < 0)
                        return r;
        }
        return 0;
}

/* Everything but opening and cleaning up: layout -> rootfd and a->cfg. */
static int build(struct oci *o, int rootfd)
{
        char what[PATH_MAX + 64];
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(o->layoutfd, "oci-layout", &text, NULL);
        if (r < 0)
                return berth_error_set(o->err, -r, "%s (is this an OCI image layout?)",
                                       lname(o, "oci-layout", what, sizeof(what)));
        struct oci_desc md, cd;
        json_t *manifest, *image;
        if ((r = find_manifest(o, &md)) < 0 || (r = read_blob_json(o, &md, &manifest)) < 0)
                return r;
        if ((r = parse_desc(o, json_object_get(manifest, "config"), "image manifest: config",
                            &cd)) < 0 ||
            (r = read_blob_json(o, &cd, &image)) < 0)
                return r;
        struct plan p = { 0 };
        r = plan_from_config(o, image, &p);
        if (r == 0)
                r = apply_layers(o, manifest, rootfd);
        if (r == 0)
                r = apply_plan(rootfd, &p, o->a->cfg, o->err);
        free(p.cmd);
        return r;
}

/* The tar form: unpacked beside the rootfs (same file system, so no
 * surprise about space in /tmp), removed again by the caller. */
static int untar_layout(struct oci *o, char *tmp, size_t size)
{
        _cleanup_free_ char *copy = strdup(o->a->rootfs);
        if (!copy)
                return berth_error_set(o->err, ENOMEM, "%s", o->a->source);
        snprintf(tmp, size, "%s/.berth-oci-XXXXXX", dirname(copy));
        if (!mkdtemp(tmp)) {
                int e = errno;
                tmp[0] = '\0';
                return berth_error_set(o->err, e, "make a directory to unpack %s", o->a->source);
        }
        o->layoutfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (o->layoutfd < 0)
                return berth_error_set(o->err, errno, "open %s", tmp);
        return oci_layout_untar(o->a->source, o->layoutfd, o->err);
}

int template_oci(const struct template_args *a, struct berth_error *err)
{
        struct oci o = { .a = a, .layoutfd = -1, .err = err };
        if (!a->source || !*a->source)
                return berth_error_setx(err, EINVAL, "oci template: needs oci:PATH");
        int r = parse_options(&o);
        if (r == 0)
                r = dl_need(DL_ARCHIVE, err);
        if (r == 0)
                r = dl_need(DL_CRYPTO, err);
        if (r < 0)
                return berth_error_prefix(err, "oci template");
        struct stat st;
        if (stat(a->source, &st) < 0)
                return berth_error_set(err, errno, "oci template: %s", a->source);
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
                return berth_error_setx(
                        err, EINVAL,
                        "oci template: %s is neither an image layout directory nor its tar",
                        a->source);
        o.is_tar = S_ISREG(st.st_mode);

        bool created;
        int rootfd = template_open_rootfs(a->rootfs, "oci", &created, err);
        if (rootfd < 0)
                return berth_error_prefix(err, "oci template");
        char tmp[PATH_MAX + 32] = "";
        if (o.is_tar) {
                r = untar_layout(&o, tmp, sizeof(tmp));
        } else {
                o.layoutfd = open(a->source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (o.layoutfd < 0)
                        r = berth_error_set(err, errno, "%s", a->source);
        }
        if (r == 0)
                r = build(&o, rootfd);

        for (size_t i = 0; i < o.n_docs; i++)
                json_decref(o.docs[i]);
        if (o.layoutfd >= 0)
                close(o.layoutfd);
        if (tmp[0])
                (void)remove_tree_at(AT_FDCWD, tmp);
        if (r < 0) {
                if (created)
                        (void)remove_tree_at(AT_FDCWD, a->rootfs);
                else
                        template_empty_dir(rootfd);
                close(rootfd);
                return berth_error_prefix(err, "oci template");
        }
        close(rootfd);
        return 0;
}
