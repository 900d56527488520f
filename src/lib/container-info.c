/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ps, update, stats and events: what a live container's cgroup holds,
 * uses and may use. Which process: the runtime, in the caller's
 * namespaces; the container's processes are not our children. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-stats.h"
#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "util.h"

/* How often `events` looks at the OOM kill counter between stats: the
 * counter only grows, so a kill is never missed, only reported late. */
#define OOM_POLL_MS         100
#define DEFAULT_INTERVAL_MS 5000

static void cgroup_freep(struct berth_cgroup **cg)
{
        if (*cg)
                cgroup_free(*cg);
}
#define _cleanup_cgroup_ __attribute__((cleanup(cgroup_freep)))

/* The state and the cgroup of a container that is not stopped (or, with
 * stopped_ok, whose cgroup may still exist). Errors after the load are
 * prefixed "<verb> <id>"; the load's own ("container X does not exist")
 * are not, as for the other verbs. */
static int open_live(const struct berth_oci_ctx *ctx, const char *id, const char *verb, bool lock,
                     bool stopped_ok, int *dirfd, struct state *st, struct berth_cgroup **cg,
                     struct berth_error *err)
{
        enum container_status s;
        int r = container_load(ctx, id, lock, dirfd, st, &s, err);
        if (r < 0)
                return r;
        if ((s == STATUS_STOPPED && !stopped_ok) || s == STATUS_CREATING)
                r = berth_error_setx(err, ESRCH, "%s %s: the container is %s", verb, id,
                                     status_name(s));
        else if (!st->cgroup_path)
                r = berth_error_setx(err, ENOTSUP,
                                     "%s %s: the container has no cgroup (cgroups were skipped: "
                                     "not delegated to its owner)",
                                     verb, id);
        else if (cgroup_open(st->cgroup_path, cg, err) < 0)
                r = berth_error_prefix(err, "%s %s", verb, id);
        if (r < 0) {
                state_clear(st);
                cleanup_closep(dirfd);
                *dirfd = -1;
        }
        return r;
}

int berth_oci_ps(const struct berth_oci_ctx *ctx, const char *id, pid_t **pids, size_t *n,
                 struct berth_error *err)
{
        *pids = NULL;
        *n = 0;
        _cleanup_close_ int dirfd = -1;
        _cleanup_cgroup_ struct berth_cgroup *cg = NULL;
        struct state st;
        /* a stopped container's cgroup may still hold processes (forked
         * ones outlive the init without a pid namespace): list them too */
        int r = open_live(ctx, id, "ps", false, true, &dirfd, &st, &cg, err);
        if (r < 0)
                return r;
        state_clear(&st);
        r = cgroup_pids(cg, pids, n, err);
        return r < 0 ? berth_error_prefix(err, "ps %s", id) : 0;
}

static int check_size(const char *flag, const struct berth_update_value *v, int64_t min,
                      struct berth_error *err)
{
        if (v->set && v->value < min)
                return berth_error_setx(err, EINVAL,
                                        "%s: %" PRId64 " is out of range (at least %" PRId64 ")",
                                        flag, v->value, min);
        return 0;
}

/* The flags over the resources file: each set flag wins. */
static int merge_flags(struct berth_resources *res, const struct berth_update_opts *f,
                       struct berth_error *err)
{
        static const struct {
                const char *flag;
                size_t off;
                int64_t min;
        } checks[] = {
                { "--memory", offsetof(struct berth_update_opts, memory), -1 },
                { "--memory-reservation", offsetof(struct berth_update_opts, memory_reservation),
                  -1 },
                { "--memory-swap", offsetof(struct berth_update_opts, memory_swap), -1 },
                { "--cpu-quota", offsetof(struct berth_update_opts, cpu_quota), -1 },
                { "--cpu-period", offsetof(struct berth_update_opts, cpu_period), 0 },
                { "--cpu-share", offsetof(struct berth_update_opts, cpu_shares), 0 },
                { "--pids-limit", offsetof(struct berth_update_opts, pids_limit), -1 },
                { "--blkio-weight", offsetof(struct berth_update_opts, blkio_weight), 0 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
                const void *v = (const char *)f + checks[i].off;
                int r = check_size(checks[i].flag, v, checks[i].min, err);
                if (r < 0)
                        return r;
        }
#define SET_I64(dst, src)                                                                          \
        do {                                                                                       \
                if ((src).set)                                                                     \
                        (dst) = (struct opt_i64){ true, (src).value };                             \
        } while (0)
#define SET_U64(dst, src)                                                                          \
        do {                                                                                       \
                if ((src).set)                                                                     \
                        (dst) = (struct opt_u64){ true, (uint64_t)(src).value };                   \
        } while (0)
        SET_I64(res->memory.limit, f->memory);
        SET_I64(res->memory.reservation, f->memory_reservation);
        SET_I64(res->memory.swap, f->memory_swap);
        SET_I64(res->cpu.quota, f->cpu_quota);
        SET_U64(res->cpu.period, f->cpu_period);
        SET_U64(res->cpu.shares, f->cpu_shares);
        SET_I64(res->pids.limit, f->pids_limit);
        SET_U64(res->block_io.weight, f->blkio_weight);
#undef SET_I64
#undef SET_U64
        char **strs[] = { &res->cpu.cpus, &res->cpu.mems };
        const char *vals[] = { f->cpuset_cpus, f->cpuset_mems };
        for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
                if (!vals[i])
                        continue;
                free(*strs[i]);
                *strs[i] = strdup(vals[i]);
                if (!*strs[i])
                        return berth_error_setx(err, ENOMEM, "out of memory");
        }
        return 0;
}

int berth_oci_update(const struct berth_oci_ctx *ctx, const char *id, const char *resources_json,
                     const char *resources_name, const struct berth_update_opts *flags,
                     struct berth_error *err)
{
        struct berth_resources res;
        memset(&res, 0, sizeof(res));
        int r = 0;
        if (resources_json)
                r = spec_load_resources(resources_json, strlen(resources_json), resources_name,
                                        &res, err);
        if (r < 0)
                return berth_error_prefix(err, "update %s", id);
        /* the container's device rules are its own (and the defaults every
         * container needs): a resources file does not replace them */
        free(res.devices);
        res.devices = NULL;
        res.n_devices = 0;
        if (flags)
                r = merge_flags(&res, flags, err);
        if (r < 0) {
                spec_resources_free(&res);
                return berth_error_prefix(err, "update %s", id);
        }
        _cleanup_close_ int dirfd = -1;
        _cleanup_cgroup_ struct berth_cgroup *cg = NULL;
        struct state st;
        r = open_live(ctx, id, "update", true, false, &dirfd, &st, &cg, err);
        if (r == 0) {
                state_clear(&st);
                r = cgroup_update(cg, &res, err);
                if (r < 0)
                        berth_error_prefix(err, "update %s", id);
        }
        spec_resources_free(&res);
        return r;
}

/* ---- stats as runc's `events --stats` writes them */

static void put_mem(FILE *f, const char *name, const struct cgroup_mem_entry *e)
{
        fprintf(f,
                "\"%s\":{\"limit\":%" PRIu64 ",\"usage\":%" PRIu64 ",\"max\":%" PRIu64
                ",\"failcnt\":%" PRIu64 "}",
                name, e->limit, e->usage, e->max, e->failcnt);
}

static void put_io(FILE *f, const char *name, const struct cgroup_io_entry *e, size_t n)
{
        fprintf(f, "\"%s\":[", name);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s{\"major\":%u,\"minor\":%u,\"op\":\"%s\",\"value\":%" PRIu64 "}",
                        i ? "," : "", e[i].major, e[i].minor, e[i].op, e[i].value);
        fputc(']', f);
}

static void put_stats(FILE *f, const struct cgroup_stats *s)
{
        fprintf(f, "{\"cpu\":{\"usage\":{\"total\":%" PRIu64 ",\"percpu\":[", s->cpu.total);
        for (size_t i = 0; i < s->cpu.n_percpu; i++)
                fprintf(f, "%s%" PRIu64, i ? "," : "", s->cpu.percpu[i]);
        fprintf(f,
                "],\"kernel\":%" PRIu64 ",\"user\":%" PRIu64
                "},\"throttling\":{\"periods\":%" PRIu64 ",\"throttledPeriods\":%" PRIu64
                ",\"throttledTime\":%" PRIu64 "}},",
                s->cpu.kernel, s->cpu.user, s->cpu.periods, s->cpu.throttled_periods,
                s->cpu.throttled_time);
        fprintf(f, "\"memory\":{\"cache\":%" PRIu64 ",", s->memory.cache);
        put_mem(f, "usage", &s->memory.usage);
        fputc(',', f);
        put_mem(f, "swap", &s->memory.swap);
        fputc(',', f);
        put_mem(f, "kernel", &s->memory.kernel);
        fprintf(f, ",\"raw\":{");
        /* memory.stat keys are the kernel's identifiers: nothing to escape */
        for (size_t i = 0; i < s->memory.n_raw; i++)
                fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", s->memory.raw[i].key,
                        s->memory.raw[i].value);
        fprintf(f, "}},");
        fprintf(f, "\"pids\":{\"current\":%" PRIu64 ",\"limit\":%" PRIu64 "},", s->pids.current,
                s->pids.limit);
        fprintf(f, "\"blkio\":{");
        put_io(f, "ioServiceBytesRecursive", s->io.bytes, s->io.n_bytes);
        fputc(',', f);
        put_io(f, "ioServicedRecursive", s->io.ios, s->io.n_ios);
        fprintf(f, "}}");
}

/* {"type":TYPE,"id":ID[,"data":STATS]}; malloc'd, NULL when out of memory. */
static char *event_json(const char *type, const char *id, const struct cgroup_stats *s)
{
        /* the id is the one string that comes from a user */
        json_t *jid = json_string(id);
        _cleanup_free_ char *qid = jid ? json_dumps(jid, JSON_ENCODE_ANY) : NULL;
        json_decref(jid);
        if (!qid)
                return NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        fprintf(f, "{\"type\":\"%s\",\"id\":%s", type, qid);
        if (s) {
                fprintf(f, ",\"data\":");
                put_stats(f, s);
        }
        fputc('}', f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static int stats_event(struct berth_cgroup *cg, const char *id, char **json,
                       struct berth_error *err)
{
        struct cgroup_stats s;
        int r = cgroup_stats_read(cg, &s, err);
        if (r < 0)
                return r;
        *json = event_json("stats", id, &s);
        cgroup_stats_free(&s);
        return *json ? 0 : berth_error_setx(err, ENOMEM, "out of memory");
}

int berth_oci_stats(const struct berth_oci_ctx *ctx, const char *id, char **json,
                    struct berth_error *err)
{
        *json = NULL;
        _cleanup_close_ int dirfd = -1;
        _cleanup_cgroup_ struct berth_cgroup *cg = NULL;
        struct state st;
        int r = open_live(ctx, id, "stats", false, false, &dirfd, &st, &cg, err);
        if (r < 0)
                return r;
        state_clear(&st);
        r = stats_event(cg, id, json, err);
        return r < 0 ? berth_error_prefix(err, "stats %s", id) : 0;
}

/* One {"type":"oom"} per look that saw the kill counter grow. */
static int check_oom(struct berth_cgroup *cg, const char *id, uint64_t *seen, berth_event_fn fn,
                     void *data, struct berth_error *err)
{
        uint64_t n;
        if (cgroup_oom_kills(cg, &n) < 0 || n <= *seen)
                return 0;
        *seen = n;
        _cleanup_free_ char *json = event_json("oom", id, NULL);
        if (!json)
                return berth_error_setx(err, ENOMEM, "out of memory");
        return fn(json, data);
}

static int events_loop(struct berth_cgroup *cg, const char *id, int pidfd, unsigned interval_ms,
                       berth_event_fn fn, void *data, struct berth_error *err)
{
        uint64_t seen = 0;
        cgroup_oom_kills(cg, &seen);
        uint64_t next = monotonic_ms() + interval_ms;
        for (;;) {
                uint64_t now = monotonic_ms();
                if (now >= next) {
                        _cleanup_free_ char *json = NULL;
                        int r = stats_event(cg, id, &json, err);
                        /* the cgroup went away under us: the container is gone */
                        if (r == -ENOENT)
                                return 0;
                        if (r == 0)
                                r = fn(json, data);
                        if (r != 0)
                                return r;
                        next = now + interval_ms;
                }
                uint64_t wait = next - now < OOM_POLL_MS ? next - now : OOM_POLL_MS;
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                int n = poll(&p, 1, (int)wait);
                if (n < 0 && errno != EINTR)
                        return berth_error_set(err, errno, "poll");
                int r = check_oom(cg, id, &seen, fn, data, err);
                if (r != 0)
                        return r;
                /* the init exited: the container has stopped (an OOM kill
                 * of the init was counted just above) */
                if (n > 0)
                        return 0;
        }
}

int berth_oci_events(const struct berth_oci_ctx *ctx, const char *id, unsigned interval_ms,
                     berth_event_fn fn, void *data, struct berth_error *err)
{
        _cleanup_close_ int dirfd = -1;
        _cleanup_cgroup_ struct berth_cgroup *cg = NULL;
        struct state st;
        int r = open_live(ctx, id, "events", false, false, &dirfd, &st, &cg, err);
        if (r < 0)
                return r;
        _cleanup_close_ int pidfd = container_open_init(&st);
        state_clear(&st);
        if (pidfd < 0)
                return berth_error_setx(err, ESRCH, "events %s: the container is stopped", id);
        /* nothing to hold: other commands (delete) must not wait on us */
        cleanup_closep(&dirfd);
        dirfd = -1;
        r = events_loop(cg, id, pidfd, interval_ms ? interval_ms : DEFAULT_INTERVAL_MS, fn, data,
                        err);
        if (r < 0 && err->code)
                berth_error_prefix(err, "events %s", id);
        return r;
}
