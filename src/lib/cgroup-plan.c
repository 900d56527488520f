/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The resource plan: struct berth_resources -> an ordered list of cgroup
 * file writes, built by the backends' tables before anything is touched.
 * Everything here is pure (unit-tested in tests/unit/test_cgroup.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-internal.h"

int cg_plan_add(struct cg_plan *p, const char *ctrl, const char *file, const char *what,
                unsigned flags, struct berth_error *err, const char *fmt, ...)
{
        struct cg_write *nw = realloc(p->w, (p->n + 1) * sizeof(*p->w));
        if (nw == NULL)
                return berth_error_set(err, ENOMEM, "%s", what);
        p->w = nw;
        struct cg_write w = { .ctrl = ctrl, .what = what, .flags = flags, .file = strdup(file) };
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&w.value, fmt, ap);
        va_end(ap);
        if (n < 0 || w.file == NULL) {
                free(w.file);
                if (n >= 0)
                        free(w.value);
                return berth_error_set(err, ENOMEM, "%s", what);
        }
        p->w[p->n++] = w;
        return 0;
}

void cg_plan_free(struct cg_plan *p)
{
        for (size_t i = 0; i < p->n; i++) {
                free(p->w[i].file);
                free(p->w[i].value);
        }
        free(p->w);
        p->w = NULL;
        p->n = 0;
}

int cg_plan_rows(const struct cg_row *rows, size_t n, const struct berth_resources *res,
                 const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        for (size_t i = 0; i < n; i++) {
                int r = rows[i].emit(&rows[i], res, env, plan, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

#define FIELD(row, res, type) ((const type *)((const char *)(res) + (row)->off))

static int add_row(const struct cg_row *row, struct cg_plan *plan, unsigned flags,
                   struct berth_error *err, const char *value)
{
        int r = cg_plan_add(plan, row->ctrl, row->file, row->what, flags, err, "%s", value);
        if (r == 0)
                plan->w[plan->n - 1].alt = row->alt;
        return r;
}

int cg_emit_u64(const struct cg_row *row, const struct berth_resources *res,
                const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        const struct opt_u64 *v = FIELD(row, res, struct opt_u64);
        char buf[32];
        if (!v->set)
                return 0;
        snprintf(buf, sizeof(buf), "%" PRIu64, v->v);
        return add_row(row, plan, row->flags, err, buf);
}

int cg_emit_u64_nonzero(const struct cg_row *row, const struct berth_resources *res,
                        const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        const struct opt_u64 *v = FIELD(row, res, struct opt_u64);
        return v->set && v->v != 0 ? cg_emit_u64(row, res, env, plan, err) : 0;
}

int cg_emit_u64_dflt0(const struct cg_row *row, const struct berth_resources *res,
                      const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        const struct opt_u64 *v = FIELD(row, res, struct opt_u64);
        char buf[32];
        if (!v->set)
                return 0;
        snprintf(buf, sizeof(buf), "%" PRIu64, v->v);
        return add_row(row, plan, row->flags | (v->v == 0 ? CG_W_OPTIONAL : 0), err, buf);
}

int cg_emit_i64(const struct cg_row *row, const struct berth_resources *res,
                const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        const struct opt_i64 *v = FIELD(row, res, struct opt_i64);
        char buf[32];
        if (!v->set)
                return 0;
        snprintf(buf, sizeof(buf), "%" PRId64, v->v);
        return add_row(row, plan, row->flags | (v->v == 0 ? CG_W_OPTIONAL : 0), err, buf);
}

int cg_emit_i64_nonzero(const struct cg_row *row, const struct berth_resources *res,
                        const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        const struct opt_i64 *v = FIELD(row, res, struct opt_i64);
        char buf[32];
        if (!v->set || v->v == 0)
                return 0;
        snprintf(buf, sizeof(buf), "%" PRId64, v->v < 0 ? (int64_t)-1 : v->v);
        return add_row(row, plan, row->flags | (v->v < 0 ? CG_W_OPTIONAL : 0), err, buf);
}

int cg_emit_i64_max(const struct cg_row *row, const struct berth_resources *res,
                    const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        const struct opt_i64 *v = FIELD(row, res, struct opt_i64);
        char buf[32];
        if (!v->set || v->v == 0)
                return 0;
        if (v->v < 0)
                return add_row(row, plan, row->flags | CG_W_OPTIONAL, err, "max");
        snprintf(buf, sizeof(buf), "%" PRId64, v->v);
        return add_row(row, plan, row->flags, err, buf);
}

int cg_emit_str(const struct cg_row *row, const struct berth_resources *res,
                const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        const char *const *v = FIELD(row, res, char *);
        if (*v == NULL)
                return 0;
        return add_row(row, plan, row->flags, err, *v);
}

void cg_pids_value(int64_t limit, char *buf, size_t len)
{
        if (limit > 0)
                snprintf(buf, len, "%" PRId64, limit);
        else
                snprintf(buf, len, "max");
}

/* pids.limit: 0 or -1 is "no limit" (runc's reading: a limit of zero tasks
 * could never start the init), written as "max". */
int cg_emit_pids(const struct cg_row *row, const struct berth_resources *res,
                 const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        (void)env;
        char buf[32];
        if (!res->pids.limit.set)
                return 0;
        cg_pids_value(res->pids.limit.v, buf, sizeof(buf));
        return add_row(row, plan, row->flags | (res->pids.limit.v <= 0 ? CG_W_OPTIONAL : 0), err,
                       buf);
}

/* linux.resources.unified: file name -> value, written verbatim into the
 * cgroup2 hierarchy. The key's prefix names the controller to enable. */
int cg_emit_unified(const struct cg_row *row, const struct berth_resources *res,
                    const struct cg_env *env, struct cg_plan *plan, struct berth_error *err)
{
        if (res->n_unified == 0)
                return 0;
        if (!env->has_unified)
                return berth_error_setx(err, EOPNOTSUPP,
                                        "%s: this machine has no cgroup v2 hierarchy (only v1 "
                                        "controllers are mounted)",
                                        row->what);
        for (size_t i = 0; i < res->n_unified; i++) {
                const char *key = res->unified[i].key;
                if (key == NULL || key[0] == '\0' || key[0] == '.' || strchr(key, '/') ||
                    strchr(key, '.') == NULL)
                        return berth_error_setx(err, EINVAL, "%s: \"%s\" is not a cgroup file name",
                                                row->what, key ? key : "");
                size_t plen = strcspn(key, ".");
                /* The controller string must outlive the plan: take it from
                 * the table of known names when there is one. */
                const char *ctrl = NULL;
                static const char *const v2_ctrls[] = { "cpu",  "cpuset",  "io",   "memory",
                                                        "pids", "hugetlb", "rdma", "misc" };
                for (size_t c = 0; c < sizeof(v2_ctrls) / sizeof(v2_ctrls[0]); c++)
                        if (strlen(v2_ctrls[c]) == plen && strncmp(key, v2_ctrls[c], plen) == 0)
                                ctrl = v2_ctrls[c];
                int r = cg_plan_add(plan, ctrl, key, row->what, CG_W_UNIFIED, err, "%s",
                                    res->unified[i].value ? res->unified[i].value : "");
                if (r < 0)
                        return r;
        }
        return 0;
}

void cg_throttle_list(const struct berth_resources *res, int which,
                      const struct berth_throttle_device **list, size_t *n)
{
        const __typeof__(res->block_io) *b = &res->block_io;
        switch (which) {
        case CG_THROTTLE_RBPS:
                *list = b->throttle_read_bps, *n = b->n_throttle_read_bps;
                break;
        case CG_THROTTLE_WBPS:
                *list = b->throttle_write_bps, *n = b->n_throttle_write_bps;
                break;
        case CG_THROTTLE_RIOPS:
                *list = b->throttle_read_iops, *n = b->n_throttle_read_iops;
                break;
        case CG_THROTTLE_WIOPS:
                *list = b->throttle_write_iops, *n = b->n_throttle_write_iops;
                break;
        default:
                *list = NULL, *n = 0;
        }
        if (*list == NULL)
                *n = 0;
}

/* "2MB" -> "hugetlb.2MB.<suffix>". The size becomes part of a file name,
 * so it must look like a size and nothing else. */
int cg_hugetlb_file(const char *page_size, const char *suffix, char *buf, size_t len,
                    struct berth_error *err)
{
        const char *p = page_size ? page_size : "";
        size_t digits = strspn(p, "0123456789");
        bool ok = digits > 0 && (strcmp(p + digits, "KB") == 0 || strcmp(p + digits, "MB") == 0 ||
                                 strcmp(p + digits, "GB") == 0 || strcmp(p + digits, "TB") == 0);
        if (!ok)
                return berth_error_setx(err, EINVAL,
                                        "linux.resources.hugepageLimits: page size \"%s\" is not "
                                        "of the form <number>KB|MB|GB",
                                        p);
        int n = snprintf(buf, len, "hugetlb.%s.%s", p, suffix);
        if (n < 0 || (size_t)n >= len)
                return berth_error_setx(err, EINVAL,
                                        "linux.resources.hugepageLimits: page size \"%s\" is too "
                                        "long",
                                        p);
        return 0;
}

/* A v1 devices rule: "TYPE MAJOR:MINOR ACCESS", -1 as "*". An empty
 * access means all of "rwm". */
int cg_device_rule(const struct berth_device_rule *d, char *buf, size_t len,
                   struct berth_error *err)
{
        if (d->type != 'a' && d->type != 'b' && d->type != 'c')
                return berth_error_setx(err, EINVAL,
                                        "linux.resources.devices: type '%c' is not one of a, b, c",
                                        d->type ? d->type : '?');
        const char *access = d->access[0] ? d->access : "rwm";
        if (strspn(access, "rwm") != strlen(access))
                return berth_error_setx(err, EINVAL,
                                        "linux.resources.devices: access \"%s\" is not a subset "
                                        "of \"rwm\"",
                                        access);
        char major[24] = "*", minor[24] = "*";
        if (d->major >= 0)
                snprintf(major, sizeof(major), "%" PRId64, d->major);
        if (d->minor >= 0)
                snprintf(minor, sizeof(minor), "%" PRId64, d->minor);
        snprintf(buf, len, "%c %s:%s %s", d->type, major, minor, access);
        return 0;
}
