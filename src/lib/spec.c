/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading config.json: read the file, parse it with jansson, walk the
 * document into struct berth_spec, then check rules across fields. The
 * top level, root, mounts, hooks and annotations live here; process,
 * linux and linux.resources have their own files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "spec-walk.h"
#include "spec.h"
#include "util.h"

/* Configs larger than this are not configs. */
#define CONFIG_MAX_SIZE (16u << 20)

static int walk_root(struct walk *w, json_t *doc, struct berth_spec *spec)
{
        static const struct field fields[] = {
                { "path", F_STR, offsetof(struct berth_spec, root_path), true },
                { "readonly", F_BOOL, offsetof(struct berth_spec, root_readonly) },
        };
        json_t *root = walk_child(doc, "root");
        if (!root)
                return walk_fail_key(w, "root", EINVAL, "required property is missing");
        size_t saved = walk_push_key(w, "root");
        int r = walk_fields(w, root, fields, ARRAY_SIZE(fields), spec);
        if (r == 0 && spec->root_path[0] == '\0')
                r = walk_fail_key(w, "path", EINVAL, "must not be empty");
        if (r < 0 || !spec->bundle) {
                walk_pop(w, saved);
                return r;
        }

        /* The rootfs is resolved now, once, so every later stage works on
         * one absolute path however the bundle was named. */
        _cleanup_free_ char *joined = NULL;
        if (spec->root_path[0] == '/')
                joined = strdup(spec->root_path);
        else if (asprintf(&joined, "%s/%s", spec->bundle, spec->root_path) < 0)
                joined = NULL;
        if (!joined) {
                walk_pop(w, saved);
                return walk_oom(w);
        }
        char *real = realpath(joined, NULL);
        struct stat st;
        if (!real || stat(real, &st) < 0) {
                r = walk_fail_key(w, "path", errno, "rootfs %s: %s", joined, strerror(errno));
        } else if (!S_ISDIR(st.st_mode)) {
                r = walk_fail_key(w, "path", ENOTDIR, "rootfs %s: %s", joined, strerror(ENOTDIR));
        } else {
                free(spec->root_path);
                spec->root_path = TAKE_PTR(real);
        }
        free(real);
        walk_pop(w, saved);
        return r;
}

static int walk_mount(struct walk *w, json_t *v, void *elem)
{
        static const struct field fields[] = {
                { "destination", F_STR, offsetof(struct berth_mount, destination), true },
                { "type", F_STR, offsetof(struct berth_mount, type) },
                { "source", F_STR, offsetof(struct berth_mount, source) },
                { "options", F_STRV, offsetof(struct berth_mount, options) },
        };
        struct berth_mount *m = elem;
        int r = walk_fields(w, v, fields, ARRAY_SIZE(fields), m);
        if (r < 0)
                return r;
        /* runtime-spec 1.2: "This value MUST be an absolute path." */
        if (m->destination[0] != '/')
                return walk_fail_key(w, "destination", EINVAL,
                                     "must be an absolute path, got \"%s\"", m->destination);
        /* before the options: mappings of its own make the mount idmapped */
        r = walk_array_of(w, v, "uidMappings", sizeof(struct berth_idmap), walk_idmap,
                          &m->uid_mappings, &m->n_uid_mappings);
        if (r == 0)
                r = walk_array_of(w, v, "gidMappings", sizeof(struct berth_idmap), walk_idmap,
                                  &m->gid_mappings, &m->n_gid_mappings);
        if (r < 0)
                return r;
        r = mount_options_parse(m, w->err);
        if (r < 0)
                return walk_fail_key(w, "options", -r, "%s", w->err ? w->err->msg : "failed");
        return 0;
}

static void mount_free(struct berth_mount *m)
{
        free(m->destination);
        free(m->type);
        free(m->source);
        walk_strv_free(m->options);
        free(m->data);
        free(m->uid_mappings);
        free(m->gid_mappings);
}

static int walk_hook(struct walk *w, json_t *v, void *elem)
{
        static const struct field fields[] = {
                { "path", F_STR, offsetof(struct berth_hook, path), true },
                { "args", F_STRV, offsetof(struct berth_hook, args) },
                { "env", F_STRV, offsetof(struct berth_hook, env) },
                { "timeout", F_OPT_I64, offsetof(struct berth_hook, timeout) },
        };
        struct berth_hook *h = elem;
        int r = walk_fields(w, v, fields, ARRAY_SIZE(fields), h);
        if (r < 0)
                return r;
        if (h->path[0] != '/')
                return walk_fail_key(w, "path", EINVAL, "must be an absolute path, got \"%s\"",
                                     h->path);
        if (h->timeout.set && h->timeout.v <= 0)
                return walk_fail_key(w, "timeout", EINVAL, "must be greater than zero, got %lld",
                                     (long long)h->timeout.v);
        return 0;
}

static void hook_free(struct berth_hook *h)
{
        free(h->path);
        walk_strv_free(h->args);
        walk_strv_free(h->env);
}

/* Indexed by enum berth_hook_kind. */
static const char *const hook_names[BERTH_HOOK__COUNT] = {
        [BERTH_HOOK_PRESTART] = "prestart",
        [BERTH_HOOK_CREATE_RUNTIME] = "createRuntime",
        [BERTH_HOOK_CREATE_CONTAINER] = "createContainer",
        [BERTH_HOOK_START_CONTAINER] = "startContainer",
        [BERTH_HOOK_POSTSTART] = "poststart",
        [BERTH_HOOK_POSTSTOP] = "poststop",
};

static int walk_hooks(struct walk *w, json_t *hooks, struct berth_spec *spec)
{
        int r = walk_expect_object(w, hooks);
        for (size_t k = 0; r == 0 && k < BERTH_HOOK__COUNT; k++)
                r = walk_array_of(w, hooks, hook_names[k], sizeof(struct berth_hook), walk_hook,
                                  &spec->hooks[k], &spec->n_hooks[k]);
        return r;
}

/* The one annotation that changes how the container runs: a typo in its
 * value must not silently run the program without the reaper. */
static int walk_init_annotation(struct walk *w, struct berth_spec *spec)
{
        for (size_t i = 0; i < spec->n_annotations; i++) {
                const struct kv *a = &spec->annotations[i];
                if (strcmp(a->key, BERTH_INIT_ANNOTATION) != 0)
                        continue;
                if (!strcmp(a->value, "true"))
                        spec->init_reaper = true;
                else if (strcmp(a->value, "false") != 0)
                        return walk_fail_key(w, BERTH_INIT_ANNOTATION, EINVAL,
                                             "must be \"true\" or \"false\", got \"%s\"", a->value);
        }
        return 0;
}

static int walk_spec(struct walk *w, json_t *doc, struct berth_spec *spec)
{
        static const struct field fields[] = {
                { "ociVersion", F_STR, offsetof(struct berth_spec, oci_version), true },
                { "hostname", F_STR, offsetof(struct berth_spec, hostname) },
                { "domainname", F_STR, offsetof(struct berth_spec, domainname) },
        };
        int r = walk_fields(w, doc, fields, ARRAY_SIZE(fields), spec);
        if (r < 0)
                return r;
        /* Only the major version changes what a field means. */
        if (strncmp(spec->oci_version, "1.", 2) != 0)
                return walk_fail_key(w, "ociVersion", EINVAL,
                                     "unsupported version \"%s\" (berth implements 1.x)",
                                     spec->oci_version);

        r = walk_root(w, doc, spec);
        if (r < 0)
                return r;

        json_t *v = walk_child(doc, "process");
        if (v) {
                size_t saved = walk_push_key(w, "process");
                r = spec_walk_process(w, v, &spec->process);
                walk_pop(w, saved);
                if (r < 0)
                        return r;
                spec->has_process = true;
        }

        r = walk_array_of(w, doc, "mounts", sizeof(struct berth_mount), walk_mount, &spec->mounts,
                          &spec->n_mounts);
        if (r < 0)
                return r;

        /* Each optional section: read it with the path standing on it. */
        v = walk_child(doc, "hooks");
        if (v) {
                size_t saved = walk_push_key(w, "hooks");
                r = walk_hooks(w, v, spec);
                walk_pop(w, saved);
                if (r < 0)
                        return r;
        }
        v = walk_child(doc, "annotations");
        if (v) {
                size_t saved = walk_push_key(w, "annotations");
                r = walk_kv(w, v, &spec->annotations, &spec->n_annotations);
                if (r == 0)
                        r = walk_init_annotation(w, spec);
                walk_pop(w, saved);
                if (r < 0)
                        return r;
        }
        v = walk_child(doc, "linux");
        if (v) {
                size_t saved = walk_push_key(w, "linux");
                r = spec_walk_linux(w, v, spec);
                walk_pop(w, saved);
                if (r < 0)
                        return r;
        }
        return 0;
}

int spec_load_text(const char *text, size_t len, const char *name, const char *bundle,
                   struct berth_spec **out, struct berth_error *err)
{
        if (!name)
                name = "config.json";
        json_error_t jerr;
        /* Duplicate keys are rejected: jansson would keep the last one
         * silently, and an error could point at the wrong one. */
        json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc) {
                if (jerr.line > 0)
                        return berth_error_setx(err, EINVAL, "%s:%d:%d: %s", name, jerr.line,
                                                jerr.column, jerr.text);
                return berth_error_setx(err, EINVAL, "%s: %s", name, jerr.text);
        }

        struct walk w = { .text = text, .len = len, .name = name, .err = err };
        int r;
        struct berth_spec *spec = calloc(1, sizeof(*spec));
        if (!spec) {
                r = walk_oom(&w);
                goto out;
        }
        if (bundle) {
                spec->bundle = realpath(bundle, NULL);
                if (!spec->bundle) {
                        r = berth_error_set(err, errno, "bundle %s", bundle);
                        goto out;
                }
        }
        r = walk_spec(&w, doc, spec);
        if (r == 0)
                r = spec_validate(&w, spec);
        if (r == 0) {
                spec->text = malloc(len + 1);
                if (!spec->text) {
                        r = walk_oom(&w);
                        goto out;
                }
                memcpy(spec->text, text, len);
                spec->text[len] = '\0';
                spec->text_len = len;
        }
out:
        json_decref(doc);
        if (r < 0) {
                spec_free(spec);
                return r;
        }
        *out = spec;
        return 0;
}

static int read_config(const char *path, char **out, size_t *out_len, struct berth_error *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return berth_error_set(err, errno, "open %s", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_error_set(err, errno, "stat %s", path);
        if (!S_ISREG(st.st_mode))
                return berth_error_setx(err, EINVAL, "%s: not a regular file", path);
        if ((uint64_t)st.st_size > CONFIG_MAX_SIZE)
                return berth_error_setx(err, EFBIG, "%s: larger than %u bytes", path,
                                        CONFIG_MAX_SIZE);
        size_t cap = (size_t)st.st_size + 1;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return berth_error_setx(err, ENOMEM, "%s: out of memory", path);
        size_t len = 0;
        /* Read to EOF, not to st_size: the file may change under us and a
         * short read is not an error. */
        for (;;) {
                if (len + 1 >= cap) {
                        if (cap > CONFIG_MAX_SIZE)
                                return berth_error_setx(err, EFBIG, "%s: larger than %u bytes",
                                                        path, CONFIG_MAX_SIZE);
                        char *nbuf = realloc(buf, cap * 2);
                        if (!nbuf)
                                return berth_error_setx(err, ENOMEM, "%s: out of memory", path);
                        buf = nbuf;
                        cap *= 2;
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_error_set(err, errno, "read %s", path);
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *out = TAKE_PTR(buf);
        *out_len = len;
        return 0;
}

int spec_load(const char *bundle, struct berth_spec **out, struct berth_error *err)
{
        if (!bundle)
                bundle = ".";
        _cleanup_free_ char *abs = realpath(bundle, NULL);
        if (!abs)
                return berth_error_set(err, errno, "bundle %s", bundle);
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/config.json", abs) < 0)
                return berth_error_setx(err, ENOMEM, "out of memory");
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_config(path, &text, &len, err);
        if (r < 0)
                return r;
        return spec_load_text(text, len, "config.json", abs, out, err);
}

void spec_free(struct berth_spec *spec)
{
        if (!spec)
                return;
        free(spec->oci_version);
        free(spec->bundle);
        free(spec->root_path);
        free(spec->hostname);
        free(spec->domainname);
        spec_process_free(&spec->process);
        for (size_t i = 0; i < spec->n_mounts; i++)
                mount_free(&spec->mounts[i]);
        free(spec->mounts);
        for (size_t k = 0; k < BERTH_HOOK__COUNT; k++) {
                for (size_t i = 0; i < spec->n_hooks[k]; i++)
                        hook_free(&spec->hooks[k][i]);
                free(spec->hooks[k]);
        }
        walk_kv_free(spec->annotations, spec->n_annotations);
        spec_linux_free(spec);
        free(spec->text);
        free(spec);
}

void spec_freep(struct berth_spec **spec)
{
        spec_free(*spec);
        *spec = NULL;
}
