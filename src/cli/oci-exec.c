/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth oci exec`, `ps`, `update` and `events`: runc's flags over one
 * library call each. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---- exec */

struct exec_flags {
        struct berth_exec_opts opts;
        char **env, **caps; /* NULL-terminated, at most argc entries */
        gid_t *gids;
        size_t n_env, n_caps;
};

static int parse_gid(struct oci *o, const char *s, gid_t *out)
{
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v >= UINT32_MAX)
                return cli_errorf(&o->log, "exec: --additional-gids: invalid group id '%s'", s);
        *out = (gid_t)v;
        return 0;
}

int cmd_exec(struct oci *o, int argc, char **argv)
{
        const struct verb *v = find_verb("exec");
        static const struct option longs[] = {
                { "process", required_argument, NULL, 'p' },
                { "tty", no_argument, NULL, 't' },
                { "console-socket", required_argument, NULL, 'C' },
                { "cwd", required_argument, NULL, 'w' },
                { "env", required_argument, NULL, 'e' },
                { "user", required_argument, NULL, 'u' },
                { "additional-gids", required_argument, NULL, 'g' },
                { "cap", required_argument, NULL, 'c' },
                { "no-new-privs", no_argument, NULL, 'n' },
                { "detach", no_argument, NULL, 'd' },
                { "pid-file", required_argument, NULL, 'P' },
                { "preserve-fds", required_argument, NULL, 'F' },
                HELP_OPT,
                { 0 },
        };
        struct exec_flags f = { 0 };
        f.env = calloc((size_t)argc + 1, sizeof(char *));
        f.caps = calloc((size_t)argc + 1, sizeof(char *));
        f.gids = calloc((size_t)argc + 1, sizeof(gid_t));
        int rc = 0;
        if (!f.env || !f.caps || !f.gids) {
                rc = cli_errorf(&o->log, "exec: out of memory");
                goto out;
        }
        VERB_GETOPT("p:te:u:g:c:d", longs)
        {
                switch (c) {
                case 'p': f.opts.process_file = optarg; break;
                case 't': f.opts.tty = true; break;
                case 'C': f.opts.console_socket = optarg; break;
                case 'w': f.opts.cwd = optarg; break;
                case 'e': f.env[f.n_env++] = optarg; break;
                case 'u': f.opts.user = optarg; break;
                case 'g':
                        if (parse_gid(o, optarg, &f.gids[f.opts.n_additional_gids])) {
                                rc = 1;
                                goto out;
                        }
                        f.opts.n_additional_gids++;
                        break;
                case 'c': f.caps[f.n_caps++] = optarg; break;
                case 'n': f.opts.no_new_privs = true; break;
                case 'd': f.opts.detach = true; break;
                case 'P': f.opts.pid_file = optarg; break;
                case 'F':
                        if (parse_int_arg(o, "--preserve-fds", optarg, &f.opts.preserve_fds)) {
                                rc = 1;
                                goto out;
                        }
                        break;
                case 'h': rc = verb_usage(v, stdout); goto out;
                default: rc = bad_option(o, v, argv); goto out;
                }
        }
        if (optind >= argc) {
                rc = cli_errorf(&o->log, "exec: expected ID [--] COMMAND (try berth oci exec --help)");
                goto out;
        }
        const char *id = argv[optind++];
        if (optind < argc && !strcmp(argv[optind], "--"))
                optind++;
        f.opts.argv = optind < argc ? argv + optind : NULL;
        f.opts.env = f.env;
        f.opts.caps = f.caps;
        f.opts.additional_gids = f.gids;
        struct berth_error err = { 0 };
        int status = 0;
        int r = berth_oci_exec(&o->ctx, id, &f.opts, &status, &err);
        rc = r < 0 ? report(o, r, &err) : f.opts.detach ? 0 : status;
out:
        free(f.env);
        free(f.caps);
        free(f.gids);
        return rc;
}

/* ---- ps */

/* One table row from /proc: UID PID PPID CMD. */
static void ps_row(pid_t pid)
{
        char path[64], line[512], cmd[4096] = "";
        unsigned uid = 0;
        int ppid = 0;
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return; /* gone since the cgroup was read */
        while (fgets(line, sizeof(line), f)) {
                sscanf(line, "Uid: %u", &uid);
                sscanf(line, "PPid: %d", &ppid);
        }
        fclose(f);
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
        if (fd >= 0)
                close(fd);
        if (n > 0) {
                /* argv is NUL-separated and NUL-terminated */
                while (n > 0 && cmd[n - 1] == '\0')
                        n--;
                for (ssize_t i = 0; i < n; i++)
                        if (cmd[i] == '\0')
                                cmd[i] = ' ';
                cmd[n] = '\0';
        } else {
                /* a kernel thread or a zombie: its name, as ps shows it */
                snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                n = fd >= 0 ? read(fd, cmd + 1, sizeof(cmd) - 3) : -1;
                if (fd >= 0)
                        close(fd);
                cmd[0] = '[';
                if (n > 0 && cmd[n] == '\n')
                        n--;
                strcpy(cmd + (n > 0 ? n + 1 : 1), "]");
        }
        printf("%-8u %-8d %-8d %s\n", uid, (int)pid, ppid, cmd);
}

int cmd_ps(struct oci *o, int argc, char **argv)
{
        const struct verb *v = find_verb("ps");
        bool json = false;
        static const struct option longs[] = { { "format", required_argument, NULL, 'f' },
                                                HELP_OPT, { 0 } };
        VERB_GETOPT("f:", longs)
        {
                switch (c) {
                case 'f':
                        if (parse_format(o, v, optarg, &json))
                                return 2;
                        break;
                case 'h': return verb_usage(v, stdout);
                default: return bad_option(o, v, argv);
                }
        }
        const char *id;
        int r = want_id(o, v, argc, argv, optind, &id);
        if (r)
                return r;
        struct berth_error err = { 0 };
        pid_t *pids = NULL;
        size_t n = 0;
        r = berth_oci_ps(&o->ctx, id, &pids, &n, &err);
        if (r < 0)
                return report(o, r, &err);
        if (json) {
                printf("[");
                for (size_t i = 0; i < n; i++)
                        printf("%s%d", i ? "," : "", (int)pids[i]);
                printf("]\n");
        } else {
                printf("%-8s %-8s %-8s %s\n", "UID", "PID", "PPID", "CMD");
                for (size_t i = 0; i < n; i++)
                        ps_row(pids[i]);
        }
        free(pids);
        return 0;
}

/* ---- update */

/* A size as runc takes it: bytes with an optional k/m/g/t/p suffix
 * (powers of 1024, "512m", "1GiB", "64MB"), or -1 for unlimited. */
static int parse_size(const char *s, int64_t *out)
{
        if (!strcmp(s, "-1")) {
                *out = -1;
                return 0;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || s[0] == '-')
                return -EINVAL;
        static const char units[] = "kmgtp";
        const char *u = *end ? strchr(units, end[0] | 0x20) : NULL;
        unsigned shift = 0;
        if (u) {
                shift = 10 * (unsigned)(u - units + 1);
                end++;
                if ((*end | 0x20) == 'i')
                        end++;
        }
        if ((*end | 0x20) == 'b')
                end++;
        if (*end || (shift && v > (unsigned long long)INT64_MAX >> shift) ||
            v > (unsigned long long)INT64_MAX)
                return -EINVAL;
        *out = (int64_t)(v << shift);
        return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || *end)
                return -EINVAL;
        *out = v;
        return 0;
}

static char *read_all(FILE *f)
{
        char *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                if (len + 4096 + 1 > cap) {
                        cap = cap ? cap * 2 : 8192;
                        if (cap > (16u << 20)) {
                                free(buf);
                                errno = EFBIG;
                                return NULL;
                        }
                        char *nb = realloc(buf, cap);
                        if (!nb) {
                                free(buf);
                                return NULL;
                        }
                        buf = nb;
                }
                size_t n = fread(buf + len, 1, cap - len - 1, f);
                len += n;
                if (n == 0)
                        break;
        }
        if (ferror(f)) {
                free(buf);
                return NULL;
        }
        buf[len] = '\0';
        return buf;
}

/* The flags that take a number, by their row in longs[] below. */
struct update_num {
        const char *flag;
        size_t off;
        bool size;
};

static const struct update_num update_nums[] = {
        { "memory", offsetof(struct berth_update_opts, memory), true },
        { "memory-reservation", offsetof(struct berth_update_opts, memory_reservation), true },
        { "memory-swap", offsetof(struct berth_update_opts, memory_swap), true },
        { "cpu-quota", offsetof(struct berth_update_opts, cpu_quota), false },
        { "cpu-period", offsetof(struct berth_update_opts, cpu_period), false },
        { "cpu-share", offsetof(struct berth_update_opts, cpu_shares), false },
        { "pids-limit", offsetof(struct berth_update_opts, pids_limit), false },
        { "blkio-weight", offsetof(struct berth_update_opts, blkio_weight), false },
};
#define N_UPDATE_NUMS (sizeof(update_nums) / sizeof(update_nums[0]))

int cmd_update(struct oci *o, int argc, char **argv)
{
        const struct verb *v = find_verb("update");
        /* val 0..N-1: update_nums[val]; the rest by letter */
        static const struct option longs[] = {
                { "memory", required_argument, NULL, 0 },
                { "memory-reservation", required_argument, NULL, 1 },
                { "memory-swap", required_argument, NULL, 2 },
                { "cpu-quota", required_argument, NULL, 3 },
                { "cpu-period", required_argument, NULL, 4 },
                { "cpu-share", required_argument, NULL, 5 },
                { "pids-limit", required_argument, NULL, 6 },
                { "blkio-weight", required_argument, NULL, 7 },
                { "resources", required_argument, NULL, 'r' },
                { "cpuset-cpus", required_argument, NULL, 'C' },
                { "cpuset-mems", required_argument, NULL, 'M' },
                HELP_OPT,
                { 0 },
        };
        struct berth_update_opts flags = { 0 };
        const char *resources = NULL;
        VERB_GETOPT("r:", longs)
        {
                if (c >= 0 && c < (int)N_UPDATE_NUMS) {
                        const struct update_num *u = &update_nums[c];
                        struct berth_update_value *val = (void *)((char *)&flags + u->off);
                        int64_t x;
                        if ((u->size ? parse_size(optarg, &x) : parse_i64(optarg, &x)) < 0)
                                return cli_errorf(&o->log, "update: --%s: invalid %s '%s'",
                                                  u->flag, u->size ? "size" : "number", optarg);
                        *val = (struct berth_update_value){ true, x };
                        continue;
                }
                switch (c) {
                case 'r': resources = optarg; break;
                case 'C': flags.cpuset_cpus = optarg; break;
                case 'M': flags.cpuset_mems = optarg; break;
                case 'h': return verb_usage(v, stdout);
                default: return bad_option(o, v, argv);
                }
        }
        const char *id;
        int r = want_id(o, v, argc, argv, optind, &id);
        if (r)
                return r;
        char *json = NULL;
        if (resources) {
                FILE *f = strcmp(resources, "-") ? fopen(resources, "re") : stdin;
                if (!f)
                        return cli_errorf(&o->log, "update %s: --resources %s: %s", id, resources,
                                          strerror(errno));
                json = read_all(f);
                int e = errno;
                if (f != stdin)
                        fclose(f);
                if (!json)
                        return cli_errorf(&o->log, "update %s: read %s: %s", id, resources,
                                          strerror(e));
        }
        struct berth_error err = { 0 };
        const char *name = resources && strcmp(resources, "-") ? resources : "stdin";
        r = berth_oci_update(&o->ctx, id, json, name, &flags, &err);
        free(json);
        return report(o, r, &err);
}

/* ---- events */

/* "5s", "500ms", "1m30s", "100us": Go's durations, in milliseconds. */
static int parse_duration(const char *s, unsigned *ms)
{
        static const struct {
                const char *unit;
                double ms;
        } units[] = {
                { "ns", 1e-6 }, { "us", 1e-3 }, { "ms", 1 },
                { "s", 1000 },  { "m", 60000 }, { "h", 3600000 },
        };
        double total = 0;
        if (!*s)
                return -EINVAL;
        while (*s) {
                char *end;
                errno = 0;
                double v = strtod(s, &end);
                if (errno || end == s || v < 0 || *s == '+' || *s == '-')
                        return -EINVAL;
                size_t best = 0, k = 0;
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                        size_t l = strlen(units[i].unit);
                        if (!strncmp(end, units[i].unit, l) && l > best) {
                                best = l;
                                k = i;
                        }
                }
                if (!best)
                        return -EINVAL;
                total += v * units[k].ms;
                s = end + best;
        }
        if (total < 1 || total > 24 * 3600000.0)
                return -ERANGE;
        *ms = (unsigned)total;
        return 0;
}

static int print_event(const char *json, void *data)
{
        (void)data;
        if (printf("%s\n", json) < 0 || fflush(stdout) != 0)
                return -errno ? -errno : -EIO;
        return 0;
}

int cmd_events(struct oci *o, int argc, char **argv)
{
        const struct verb *v = find_verb("events");
        bool stats = false;
        unsigned interval = 5000;
        static const struct option longs[] = { { "stats", no_argument, NULL, 's' },
                                                { "interval", required_argument, NULL, 'i' },
                                                HELP_OPT, { 0 } };
        VERB_GETOPT("", longs)
        {
                switch (c) {
                case 's': stats = true; break;
                case 'i':
                        if (parse_duration(optarg, &interval) < 0)
                                return cli_errorf(&o->log,
                                                  "events: --interval: invalid duration '%s' "
                                                  "(e.g. 5s, 500ms; 1ms to 24h)",
                                                  optarg);
                        break;
                case 'h': return verb_usage(v, stdout);
                default: return bad_option(o, v, argv);
                }
        }
        const char *id;
        int r = want_id(o, v, argc, argv, optind, &id);
        if (r)
                return r;
        struct berth_error err = { 0 };
        if (stats) {
                char *json = NULL;
                r = berth_oci_stats(&o->ctx, id, &json, &err);
                if (r < 0)
                        return report(o, r, &err);
                r = print_event(json, NULL);
                free(json);
                return r < 0 ? 1 : 0;
        }
        r = berth_oci_events(&o->ctx, id, interval, print_event, NULL, &err);
        if (r < 0 && !err.code)
                return 1; /* our stdout went away: nobody to tell */
        return report(o, r, &err);
}
