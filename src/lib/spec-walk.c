/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The walker the spec loader reads config.json with: typed readers that
 * know their JSON path, and the (key, type, offset) table reader. */
#include "spec-walk.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A push that does not fit is refused, and so is every push after it
 * until it is popped: the path stays a true ancestor of where the walker
 * stands, and errors leave the position out. A refused push returns
 * sizeof(path) + the refusals before it (no length is that large), so a
 * pop restores the count even when it pops several pushes at once. */
static size_t push(struct walk *w, const char *s, size_t n)
{
        if (w->overflow > 0 || w->plen + n >= sizeof(w->path))
                return sizeof(w->path) + w->overflow++;
        size_t saved = w->plen;
        memcpy(w->path + w->plen, s, n);
        w->plen += n;
        w->path[w->plen] = '\0';
        return saved;
}

/* A key json_locate() can read back without quoting. */
static bool key_is_plain(const char *key)
{
        if (*key == '\0')
                return false;
        return strpbrk(key, ".[]\"\\") == NULL;
}

size_t walk_push_key(struct walk *w, const char *key)
{
        char seg[sizeof(w->path)];
        size_t n = 0;
        if (key_is_plain(key)) {
                n = (size_t)snprintf(seg, sizeof(seg), "%s%s", w->plen > 0 ? "." : "", key);
        } else {
                seg[n++] = '[';
                seg[n++] = '"';
                const char *p = key;
                for (; *p && n < sizeof(seg) - 4; p++) {
                        if (*p == '"' || *p == '\\')
                                seg[n++] = '\\';
                        seg[n++] = *p;
                }
                seg[n++] = '"';
                seg[n++] = ']';
                if (*p)
                        n = sizeof(seg); /* cut short: refuse it */
        }
        /* n >= sizeof(seg): cut short, so it cannot fit in path either */
        return push(w, seg, n);
}

size_t walk_push_index(struct walk *w, size_t i)
{
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "[%zu]", i);
        return push(w, buf, (size_t)n);
}

void walk_pop(struct walk *w, size_t saved)
{
        if (saved >= sizeof(w->path)) {
                w->overflow = (unsigned)(saved - sizeof(w->path));
                return;
        }
        w->plen = saved;
        w->path[saved] = '\0';
        w->overflow = 0;
}

static int walk_vfail(struct walk *w, int code, const char *fmt, va_list ap)
{
        char msg[1024];
        vsnprintf(msg, sizeof(msg), fmt, ap);

        char where[256];
        int line, col;
        if (w->text && w->overflow == 0 && json_locate(w->text, w->len, w->path, &line, &col) >= 0)
                snprintf(where, sizeof(where), "%s:%d:%d", w->name, line, col);
        else
                snprintf(where, sizeof(where), "%s", w->name);

        if (w->plen > 0)
                return berth_error_setx(w->err, code, "%s: %s: %s", where, w->path, msg);
        return berth_error_setx(w->err, code, "%s: %s", where, msg);
}

int walk_fail(struct walk *w, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = walk_vfail(w, code, fmt, ap);
        va_end(ap);
        return r;
}

int walk_fail_key(struct walk *w, const char *key, int code, const char *fmt, ...)
{
        size_t saved = walk_push_key(w, key);
        va_list ap;
        va_start(ap, fmt);
        int r = walk_vfail(w, code, fmt, ap);
        va_end(ap);
        walk_pop(w, saved);
        return r;
}

int walk_fail_elem(struct walk *w, const char *array, size_t index, const char *key, int code,
                   const char *fmt, ...)
{
        size_t saved = walk_push_key(w, array);
        walk_push_index(w, index);
        if (key)
                walk_push_key(w, key);
        va_list ap;
        va_start(ap, fmt);
        int r = walk_vfail(w, code, fmt, ap);
        va_end(ap);
        walk_pop(w, saved);
        return r;
}

int walk_oom(struct walk *w)
{
        return berth_error_setx(w->err, ENOMEM, "%s: out of memory", w->name);
}

json_t *walk_child(json_t *obj, const char *key)
{
        json_t *v = json_object_get(obj, key);
        return json_is_null(v) ? NULL : v;
}

int walk_expect_object(struct walk *w, json_t *v)
{
        return json_is_object(v) ? 0 : walk_fail(w, EINVAL, "expected an object");
}

int walk_expect_array(struct walk *w, json_t *v)
{
        return json_is_array(v) ? 0 : walk_fail(w, EINVAL, "expected an array");
}

int walk_string(struct walk *w, json_t *v, char **out)
{
        if (!json_is_string(v))
                return walk_fail(w, EINVAL, "expected a string");
        char *s = strdup(json_string_value(v));
        if (!s)
                return walk_oom(w);
        free(*out);
        *out = s;
        return 0;
}

int walk_int64(struct walk *w, json_t *v, int64_t *out)
{
        if (!json_is_integer(v))
                return walk_fail(w, EINVAL, "expected an integer");
        *out = (int64_t)json_integer_value(v);
        return 0;
}

int walk_uint(struct walk *w, json_t *v, uint64_t max, uint64_t *out)
{
        if (!json_is_integer(v))
                return walk_fail(w, EINVAL, "expected an integer");
        long long i = json_integer_value(v);
        if (i < 0)
                return walk_fail(w, EINVAL, "expected a non-negative integer, got %lld", i);
        if (max != 0 && (uint64_t)i > max)
                return walk_fail(w, ERANGE, "%lld is out of range (at most %" PRIu64 ")", i, max);
        *out = (uint64_t)i;
        return 0;
}

int walk_bool(struct walk *w, json_t *v, bool *out)
{
        if (!json_is_boolean(v))
                return walk_fail(w, EINVAL, "expected a boolean");
        *out = json_is_true(v);
        return 0;
}

void walk_strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

void walk_kv_free(struct kv *kv, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

int walk_strv(struct walk *w, json_t *v, char ***out)
{
        int r = walk_expect_array(w, v);
        if (r < 0)
                return r;
        size_t n = json_array_size(v);
        char **strv = calloc(n + 1, sizeof(char *));
        if (!strv)
                return walk_oom(w);
        for (size_t i = 0; i < n; i++) {
                size_t saved = walk_push_index(w, i);
                r = walk_string(w, json_array_get(v, i), &strv[i]);
                walk_pop(w, saved);
                if (r < 0) {
                        walk_strv_free(strv);
                        return r;
                }
        }
        walk_strv_free(*out);
        *out = strv;
        return 0;
}

int walk_kv(struct walk *w, json_t *v, struct kv **out, size_t *n)
{
        int r = walk_expect_object(w, v);
        if (r < 0)
                return r;
        size_t count = json_object_size(v);
        if (count == 0)
                return 0;
        struct kv *kv = calloc(count, sizeof(*kv));
        if (!kv)
                return walk_oom(w);
        size_t i = 0;
        for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
                const char *key = json_object_iter_key(it);
                json_t *val = json_object_iter_value(it);
                size_t saved = walk_push_key(w, key);
                r = walk_string(w, val, &kv[i].value);
                walk_pop(w, saved);
                if (r < 0)
                        break;
                kv[i].key = strdup(key);
                if (!kv[i].key) {
                        r = walk_oom(w);
                        break;
                }
                i++;
        }
        if (r < 0) {
                walk_kv_free(kv, count);
                return r;
        }
        walk_kv_free(*out, *n);
        *out = kv;
        *n = i;
        return 0;
}

static int read_field(struct walk *w, json_t *v, const struct field *f, void *base)
{
        char *p = (char *)base + f->offset;
        uint64_t u;
        int r;

        switch (f->type) {
        case F_STR:
                return walk_string(w, v, (char **)p);
        case F_BOOL:
                return walk_bool(w, v, (bool *)p);
        case F_OPT_BOOL: {
                struct opt_bool *o = (struct opt_bool *)p;
                r = walk_bool(w, v, &o->v);
                o->set = r == 0;
                return r;
        }
        case F_I64:
                return walk_int64(w, v, (int64_t *)p);
        case F_OPT_I64: {
                struct opt_i64 *o = (struct opt_i64 *)p;
                r = walk_int64(w, v, &o->v);
                o->set = r == 0;
                return r;
        }
        case F_U32:
                r = walk_uint(w, v, UINT32_MAX, &u);
                if (r == 0)
                        *(uint32_t *)p = (uint32_t)u;
                return r;
        case F_U64:
                return walk_uint(w, v, f->max, (uint64_t *)p);
        case F_OPT_U64: {
                struct opt_u64 *o = (struct opt_u64 *)p;
                r = walk_uint(w, v, f->max, &o->v);
                o->set = r == 0;
                return r;
        }
        case F_STRV:
                return walk_strv(w, v, (char ***)p);
        }
        return walk_fail(w, EINVAL, "internal: unknown field type");
}

int walk_fields(struct walk *w, json_t *obj, const struct field *table, size_t n, void *base)
{
        int r = walk_expect_object(w, obj);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const struct field *f = &table[i];
                json_t *v = walk_child(obj, f->key);
                if (!v) {
                        if (f->required)
                                return walk_fail_key(w, f->key, EINVAL,
                                                     "required property is missing");
                        continue;
                }
                size_t saved = walk_push_key(w, f->key);
                r = read_field(w, v, f, base);
                walk_pop(w, saved);
                if (r < 0)
                        return r;
        }
        return 0;
}

int walk_array_of(struct walk *w, json_t *obj, const char *key, size_t elem, walk_elem_fn fn,
                  void *out, size_t *n)
{
        json_t *arr = walk_child(obj, key);
        if (!arr)
                return 0;
        size_t saved = walk_push_key(w, key);
        int r = walk_expect_array(w, arr);
        if (r < 0 || json_array_size(arr) == 0) {
                walk_pop(w, saved);
                return r;
        }
        size_t count = json_array_size(arr);
        char *items = calloc(count, elem);
        if (!items) {
                walk_pop(w, saved);
                return walk_oom(w);
        }
        /* Publish before filling so the caller's free path sees every
         * element read so far, including a half-read one. */
        memcpy(out, &items, sizeof(items));
        *n = 0;
        for (size_t i = 0; i < count; i++) {
                size_t s2 = walk_push_index(w, i);
                *n = i + 1;
                r = fn(w, json_array_get(arr, i), items + i * elem);
                walk_pop(w, s2);
                if (r < 0)
                        break;
        }
        walk_pop(w, saved);
        return r;
}
