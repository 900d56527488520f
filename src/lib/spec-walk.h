/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to the spec loader: a walker over the parsed config.json that
 * knows the JSON path it stands at, so every error can name the path and,
 * through json_locate(), the line and column in the text. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"

struct walk {
        const char *text; /* the JSON text, for json_locate() on errors */
        size_t len;
        const char *name; /* what errors call the file */
        char path[1024];  /* "linux.namespaces[1].type" */
        size_t plen;
        unsigned overflow; /* pushes that did not fit in path, not yet popped */
        struct berth_error *err;
};

/* Descend into an object key or an array index; both return the old path
 * length to hand to walk_pop(). Keys that are not plain identifiers are
 * written as ["key"] so json_locate() can find them again. */
size_t walk_push_key(struct walk *w, const char *key);
size_t walk_push_index(struct walk *w, size_t i);
void walk_pop(struct walk *w, size_t saved);

/* "NAME:LINE:COL: PATH: <fmt>" for the value at the current path (or its
 * closest existing parent); returns -code. */
int walk_fail(struct walk *w, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for a child key of the current path. */
int walk_fail_key(struct walk *w, const char *key, int code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* The same for array[index] (and its key, when not NULL) below the
 * current path: "duplicate ..." errors found after the array was read. */
int walk_fail_elem(struct walk *w, const char *array, size_t index, const char *key, int code,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int walk_oom(struct walk *w);

/* obj[key] when present and not null, else NULL. JSON null counts as
 * absent: Go-written configs emit it for empty optional fields. */
json_t *walk_child(json_t *obj, const char *key);

/* Type checks on the value at the current path. */
int walk_expect_object(struct walk *w, json_t *v);
int walk_expect_array(struct walk *w, json_t *v);

/* Scalar readers for the value at the current path. */
int walk_string(struct walk *w, json_t *v, char **out);
int walk_int64(struct walk *w, json_t *v, int64_t *out);
int walk_uint(struct walk *w, json_t *v, uint64_t max, uint64_t *out);
int walk_bool(struct walk *w, json_t *v, bool *out);
/* A JSON array of strings -> NULL-terminated vector (empty array: {NULL}). */
int walk_strv(struct walk *w, json_t *v, char ***out);
/* A JSON object of strings -> array of key/value pairs. */
int walk_kv(struct walk *w, json_t *v, struct kv **out, size_t *n);
void walk_strv_free(char **v);
void walk_kv_free(struct kv *kv, size_t n);

/* A table row: one scalar property of a C struct, found by offset. */
enum field_type {
        F_STR,      /* char * */
        F_BOOL,     /* bool */
        F_OPT_BOOL, /* struct opt_bool */
        F_I64,      /* int64_t */
        F_OPT_I64,  /* struct opt_i64 */
        F_U32,      /* uint32_t */
        F_U64,      /* uint64_t */
        F_OPT_U64,  /* struct opt_u64; max bounds it (0: UINT64_MAX) */
        F_STRV,     /* char ** */
};

struct field {
        const char *key;
        enum field_type type;
        size_t offset;
        bool required;
        uint64_t max; /* F_OPT_U64/F_U64 only; 0 means no bound */
};

/* Read every row of table from obj (the value at the current path) into
 * base. A missing required key is an error naming it. */
int walk_fields(struct walk *w, json_t *obj, const struct field *table, size_t n, void *base);

/* An array at obj[key] of elements of size elem, each read by fn with
 * the path at "key[i]". out points at the caller's element pointer (e.g.
 * &spec->mounts); it is set to a calloc'd array (left alone when absent or
 * empty) before the elements are read, and *n counts every element fn was
 * called on, so the owner's free function also frees a half-read one. */
typedef int (*walk_elem_fn)(struct walk *w, json_t *v, void *elem);
int walk_array_of(struct walk *w, json_t *obj, const char *key, size_t elem, walk_elem_fn fn,
                  void *out, size_t *n);

/* Sections of the loader, one per file. */
int spec_walk_process(struct walk *w, json_t *obj, struct berth_process *p);
void spec_process_free(struct berth_process *p);
/* RLIMIT_* by its spec name ("RLIMIT_NOFILE"); -EINVAL when unknown. */
int rlimit_from_name(const char *name);
int spec_walk_linux(struct walk *w, json_t *linux_obj, struct berth_spec *spec);
/* One {containerID, hostID, size} (linux.uidMappings[i], mounts[i].uidMappings[j]). */
int walk_idmap(struct walk *w, json_t *v, void *elem);
void spec_linux_free(struct berth_spec *spec);
int spec_walk_resources(struct walk *w, json_t *res, struct berth_resources *r);
void spec_resources_free(struct berth_resources *r);
/* Checks across fields, after the whole document is read. */
int spec_validate(struct walk *w, const struct berth_spec *spec);
