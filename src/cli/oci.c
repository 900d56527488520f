/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth oci`: runc's command line over libberth. Each verb parses its
 * flags, fills a request and makes one library call. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "version.h"

int verb_usage(const struct verb *v, FILE *f)
{
        fprintf(f, "Usage: berth oci %s %s\n\n%s\n", v->name, v->args, v->summary);
        if (v->options && *v->options)
                fprintf(f, "\nOptions:\n%s", v->options);
        return f == stdout ? 0 : 2;
}

/* One line naming the option getopt refused (it prints nothing itself:
 * opterr is 0), so engines see one error line. */
int bad_option(struct oci *o, const struct verb *v, char **argv)
{
        const char *what = optopt ? NULL : argv[optind - 1];
        if (what)
                cli_errorf(&o->log, "%s: unknown option or missing value '%s' (try berth oci %s --help)",
                           v->name, what, v->name);
        else
                cli_errorf(&o->log, "%s: unknown option or missing value '-%c' (try berth oci %s --help)",
                           v->name, optopt, v->name);
        return 2;
}

/* --format table|json */
int parse_format(struct oci *o, const struct verb *v, const char *arg, bool *json)
{
        if (strcmp(arg, "json") && strcmp(arg, "table"))
                return cli_errorf(&o->log, "%s: unknown format '%s' (table or json)", v->name, arg);
        *json = !strcmp(arg, "json");
        return 0;
}

/* One positional ID, nothing else. */
int want_id(struct oci *o, const struct verb *v, int argc, char **argv, int first,
            const char **id)
{
        if (argc - first != 1) {
                cli_errorf(&o->log, "%s: expected exactly one container id (try berth oci %s --help)",
                           v->name, v->name);
                return 2;
        }
        *id = argv[first];
        return 0;
}

int report(struct oci *o, int r, const struct berth_error *err)
{
        if (r < 0)
                return cli_error(&o->log, err->msg[0] ? err->msg : "unknown error");
        return 0;
}

int parse_int_arg(struct oci *o, const char *flag, const char *s, int *out)
{
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || *end || v < 0 || v > 1 << 20)
                return cli_errorf(&o->log, "%s: invalid number '%s'", flag, s);
        *out = (int)v;
        return 0;
}

static int create_like(struct oci *o, int argc, char **argv, bool is_run)
{
        const struct verb *v = find_verb(is_run ? "run" : "create");
        struct berth_create_opts opts = { 0 };
        bool detach = false, keep = false;
        static const struct option longs[] = {
                { "bundle", required_argument, NULL, 'b' },
                { "console-socket", required_argument, NULL, 'C' },
                { "pid-file", required_argument, NULL, 'p' },
                { "preserve-fds", required_argument, NULL, 'P' },
                { "no-pivot", no_argument, NULL, 'N' },
                { "no-new-keyring", no_argument, NULL, 'K' },
                { "detach", no_argument, NULL, 'd' },
                { "keep", no_argument, NULL, 'k' },
                { "no-subreaper", no_argument, NULL, 'S' },
                HELP_OPT,
                { 0 },
        };
        VERB_GETOPT("b:d", longs)
        {
                switch (c) {
                case 'b': opts.bundle = optarg; break;
                case 'C': opts.console_socket = optarg; break;
                case 'p': opts.pid_file = optarg; break;
                case 'P':
                        if (parse_int_arg(o, "--preserve-fds", optarg, &opts.preserve_fds))
                                return 1;
                        break;
                case 'N': opts.no_pivot = true; break;
                case 'K': opts.no_new_keyring = true; break;
                case 'S': break;
                case 'd':
                        if (!is_run)
                                return bad_option(o, v, argv);
                        detach = true;
                        break;
                case 'k':
                        if (!is_run)
                                return bad_option(o, v, argv);
                        keep = true;
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
        if (!is_run)
                return report(o, berth_oci_create(&o->ctx, id, &opts, &err), &err);
        int status = 0;
        r = berth_oci_run(&o->ctx, id, &opts, detach, keep, &status, &err);
        if (r < 0)
                return report(o, r, &err);
        return detach ? 0 : status;
}

static int cmd_create(struct oci *o, int argc, char **argv)
{
        return create_like(o, argc, argv, false);
}

static int cmd_run(struct oci *o, int argc, char **argv)
{
        return create_like(o, argc, argv, true);
}

/* Verbs whose only argument is the id. */
static int id_verb(struct oci *o, int argc, char **argv, const char **id)
{
        const struct verb *v = find_verb(argv[0]);
        static const struct option longs[] = { HELP_OPT, { 0 } };
        VERB_GETOPT("", longs)
        {
                if (c == 'h')
                        return verb_usage(v, stdout);
                return bad_option(o, v, argv);
        }
        return want_id(o, v, argc, argv, optind, id);
}

typedef int (*id_call)(const struct berth_oci_ctx *ctx, const char *id, struct berth_error *err);

/* A verb that takes only the id and makes one library call. */
static int simple_verb(struct oci *o, int argc, char **argv, id_call call)
{
        const char *id = NULL;
        int r = id_verb(o, argc, argv, &id);
        if (r || !id)
                return r;
        struct berth_error err = { 0 };
        return report(o, call(&o->ctx, id, &err), &err);
}

static int cmd_start(struct oci *o, int argc, char **argv)
{
        return simple_verb(o, argc, argv, berth_oci_start);
}

static int cmd_pause(struct oci *o, int argc, char **argv)
{
        return simple_verb(o, argc, argv, berth_oci_pause);
}

static int cmd_resume(struct oci *o, int argc, char **argv)
{
        return simple_verb(o, argc, argv, berth_oci_resume);
}

static int cmd_state(struct oci *o, int argc, char **argv)
{
        const char *id = NULL;
        int r = id_verb(o, argc, argv, &id);
        if (r || !id)
                return r;
        struct berth_error err = { 0 };
        char *json = NULL;
        r = berth_oci_state(&o->ctx, id, &json, &err);
        if (r < 0)
                return report(o, r, &err);
        printf("%s\n", json);
        free(json);
        return 0;
}

static int cmd_kill(struct oci *o, int argc, char **argv)
{
        const struct verb *v = find_verb("kill");
        bool all = false;
        static const struct option longs[] = { { "all", no_argument, NULL, 'a' }, HELP_OPT, { 0 } };
        VERB_GETOPT("a", longs)
        {
                switch (c) {
                case 'a': all = true; break;
                case 'h': return verb_usage(v, stdout);
                default: return bad_option(o, v, argv);
                }
        }
        int n = argc - optind;
        if (n < 1 || n > 2)
                return cli_errorf(&o->log, "kill: expected ID [SIGNAL] (try berth oci kill --help)");
        const char *id = argv[optind];
        const char *name = n == 2 ? argv[optind + 1] : "TERM";
        int sig = berth_signal_parse(name);
        if (sig < 0)
                return cli_errorf(&o->log, "kill %s: unknown signal '%s'", id, name);
        struct berth_error err = { 0 };
        return report(o, berth_oci_kill(&o->ctx, id, sig, all, &err), &err);
}

static int cmd_delete(struct oci *o, int argc, char **argv)
{
        const struct verb *v = find_verb("delete");
        bool force = false;
        static const struct option longs[] = { { "force", no_argument, NULL, 'f' }, HELP_OPT,
                                                { 0 } };
        VERB_GETOPT("f", longs)
        {
                switch (c) {
                case 'f': force = true; break;
                case 'h': return verb_usage(v, stdout);
                default: return bad_option(o, v, argv);
                }
        }
        const char *id;
        int r = want_id(o, v, argc, argv, optind, &id);
        if (r)
                return r;
        struct berth_error err = { 0 };
        r = berth_oci_delete(&o->ctx, id, force, &err);
        /* containerd deletes an id twice; a forced delete of nothing is fine */
        if (r == -ENOENT && force)
                return 0;
        return report(o, r, &err);
}

static int cmd_list(struct oci *o, int argc, char **argv)
{
        const struct verb *v = find_verb("list");
        bool quiet = false, json = false;
        static const struct option longs[] = { { "format", required_argument, NULL, 'f' },
                                                { "quiet", no_argument, NULL, 'q' }, HELP_OPT,
                                                { 0 } };
        VERB_GETOPT("f:q", longs)
        {
                switch (c) {
                case 'f':
                        if (parse_format(o, v, optarg, &json))
                                return 2;
                        break;
                case 'q': quiet = true; break;
                case 'h': return verb_usage(v, stdout);
                default: return bad_option(o, v, argv);
                }
        }
        struct berth_oci_state *s = NULL;
        size_t n = 0;
        struct berth_error err = { 0 };
        int r = berth_oci_list(&o->ctx, &s, &n, &err);
        if (r < 0)
                return report(o, r, &err);
        if (json) {
                json_t *a = json_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(
                                a, json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "ociVersion",
                                             "1.2.0", "id", s[i].id, "pid", (int)s[i].pid,
                                             "status", s[i].status, "bundle", s[i].bundle,
                                             "created", s[i].created, "owner", s[i].owner));
                char *text = json_dumps(a, JSON_COMPACT);
                printf("%s\n", text ? text : "[]");
                free(text);
                json_decref(a);
        } else if (quiet) {
                for (size_t i = 0; i < n; i++)
                        printf("%s\n", s[i].id);
        } else {
                printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE",
                       "CREATED", "OWNER");
                for (size_t i = 0; i < n; i++)
                        printf("%-20s %-8d %-10s %-40s %-32s %s\n", s[i].id, (int)s[i].pid,
                               s[i].status, s[i].bundle, s[i].created, s[i].owner);
        }
        free(s);
        return 0;
}

static int cmd_spec(struct oci *o, int argc, char **argv)
{
        const struct verb *v = find_verb("spec");
        const char *bundle = ".";
        bool rootless = false;
        static const struct option longs[] = { { "bundle", required_argument, NULL, 'b' },
                                                { "rootless", no_argument, NULL, 'r' }, HELP_OPT,
                                                { 0 } };
        VERB_GETOPT("b:", longs)
        {
                switch (c) {
                case 'b': bundle = optarg; break;
                case 'r': rootless = true; break;
                case 'h': return verb_usage(v, stdout);
                default: return bad_option(o, v, argv);
                }
        }
        if (optind != argc)
                return cli_errorf(&o->log, "spec: unexpected argument '%s'", argv[optind]);
        struct berth_error err = { 0 };
        char *json = NULL;
        int r = berth_oci_spec(rootless, &json, &err);
        if (r < 0)
                return report(o, r, &err);
        char path[4096];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
                int e = errno;
                free(json);
                if (e == EEXIST)
                        return cli_errorf(&o->log, "spec: %s exists: remove it first", path);
                return cli_errorf(&o->log, "spec: create %s: %s", path, strerror(e));
        }
        dprintf(fd, "%s\n", json);
        close(fd);
        free(json);
        return 0;
}

static int cmd_features(struct oci *o, int argc, char **argv)
{
        const struct verb *v = find_verb("features");
        static const struct option longs[] = { HELP_OPT, { 0 } };
        VERB_GETOPT("", longs)
        {
                return c == 'h' ? verb_usage(v, stdout) : bad_option(o, v, argv);
        }
        struct berth_error err = { 0 };
        char *json = NULL;
        int r = berth_oci_features(&json, &err);
        if (r < 0)
                return report(o, r, &err);
        printf("%s\n", json);
        free(json);
        return 0;
}

#define CREATE_OPTS                                                                         \
        "  -b, --bundle DIR         bundle directory (default: .)\n"                        \
        "      --console-socket S   send the pty master to this unix socket\n"              \
        "      --pid-file F         write the init's pid to F\n"                            \
        "      --preserve-fds N     pass N extra fds (from 3) to the container\n"           \
        "      --no-pivot           do not use pivot_root (rootfs on a ramdisk)\n"

static const struct verb verbs[] = {
        { "create", cmd_create, "[OPTIONS] ID", "Create a container; its process waits for start.",
          CREATE_OPTS },
        { "start", cmd_start, "ID", "Run the user's process of a created container.", "" },
        { "run", cmd_run, "[OPTIONS] ID",
          "Create and start a container; wait for it and exit with its status\n"
          "(128+N when killed by signal N) unless --detach.",
          CREATE_OPTS "  -d, --detach             do not wait for the container\n"
                      "      --keep               do not delete the container when it exits\n" },
        { "state", cmd_state, "ID", "Print the runtime-spec state JSON of a container.", "" },
        { "kill", cmd_kill, "[OPTIONS] ID [SIGNAL]",
          "Send a signal (name with or without SIG, or number; default TERM).",
          "  -a, --all                signal every process in the container\n" },
        { "delete", cmd_delete, "[OPTIONS] ID", "Delete a container and everything it holds.",
          "  -f, --force              kill the container first if it runs\n" },
        { "list", cmd_list, "[OPTIONS]", "List containers.",
          "  -f, --format table|json  output format\n"
          "  -q, --quiet              ids only\n" },
        { "pause", cmd_pause, "ID", "Freeze every process of a container.", "" },
        { "resume", cmd_resume, "ID", "Thaw a paused container.", "" },
        { "exec", cmd_exec, "[OPTIONS] ID [--] COMMAND [ARG...]",
          "Run a process in a running container; exit with its status\n"
          "(128+N when killed by signal N) unless --detach.",
          EXEC_OPTS },
        { "ps", cmd_ps, "[OPTIONS] ID", "List the processes of a container.",
          "  -f, --format table|json  output format (json: an array of pids)\n" },
        { "update", cmd_update, "[OPTIONS] ID", "Change the cgroup limits of a running container.",
          UPDATE_OPTS },
        { "events", cmd_events, "[OPTIONS] ID",
          "Print resource usage and OOM kills as JSON lines until the container stops\n"
          "(runc's stats shape; --stats: once).",
          "      --stats              print the usage once and exit\n"
          "      --interval T         time between stats (5s, 500ms; default 5s)\n" },
        { "spec", cmd_spec, "[OPTIONS]", "Write a default config.json.",
          "  -b, --bundle DIR         where to write it (default: .)\n"
          "      --rootless           for an unprivileged user (user namespace)\n" },
        { "features", cmd_features, "", "Print what this runtime supports (runtime-spec JSON).",
          "" },
};

const struct verb *find_verb(const char *name)
{
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                if (!strcmp(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

static void oci_usage(FILE *f)
{
        fprintf(f, "Usage: berth oci [GLOBAL OPTIONS] VERB [ARGS]\n\nVerbs:\n");
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                fprintf(f, "  %-10s %.*s\n", verbs[i].name,
                        (int)strcspn(verbs[i].summary, "\n"), verbs[i].summary);
        fprintf(f, "\nGlobal options:\n"
                   "  --root DIR               state directory (default /run/berth;\n"
                   "                           not root: $XDG_RUNTIME_DIR/berth)\n"
                   "  --log FILE               also write errors to FILE\n"
                   "  --log-format text|json   format of --log\n"
                   "  --debug                  more detail\n"
                   "  --systemd-cgroup         accepted; berth drives cgroupfs directly\n"
                   "  --version, --help\n");
}

/* A directory of the caller's own: a runtime directory that is someone
 * else's (XDG_RUNTIME_DIR kept by su or runuser) is not ours to use. */
static bool own_dir(const char *path)
{
        struct stat st;
        return path && path[0] == '/' && stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
               st.st_uid == geteuid();
}

/* The default --root of a user who is not root (/run/berth is root's):
 * $XDG_RUNTIME_DIR/berth, else /run/user/UID/berth, as runc does. */
static int rootless_root(struct oci *o, const struct verb *v, int argc, char **argv, char *buf,
                         size_t cap)
{
        if (o->ctx.root || geteuid() == 0 || !strcmp(v->name, "spec") ||
            !strcmp(v->name, "features"))
                return 0;
        for (int i = 1; i < argc; i++)
                if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
                        return 0;
        char run_user[64];
        snprintf(run_user, sizeof(run_user), "/run/user/%u", (unsigned)geteuid());
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        const char *dir = own_dir(xdg) ? xdg : own_dir(run_user) ? run_user : NULL;
        if (!dir)
                return cli_errorf(&o->log,
                                  "no state directory for uid %u: XDG_RUNTIME_DIR is not set to "
                                  "a directory of yours and %s does not exist; pass --root DIR",
                                  (unsigned)geteuid(), run_user);
        snprintf(buf, cap, "%s/berth", dir);
        o->ctx.root = buf;
        return 0;
}

int oci_main(int argc, char **argv)
{
        struct oci o = { 0 };
        o.ctx.warn = cli_warn;
        o.ctx.warn_data = &o.log;
        static const struct option longs[] = {
                { "root", required_argument, NULL, 'r' },
                { "log", required_argument, NULL, 'l' },
                { "log-format", required_argument, NULL, 'F' },
                { "debug", no_argument, NULL, 'D' },
                { "systemd-cgroup", no_argument, NULL, 'S' },
                { "rootless", required_argument, NULL, 'R' },
                { "criu", required_argument, NULL, 'c' },
                { "version", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        optind = 1;
        opterr = 0;
        int c;
        while ((c = getopt_long(argc, argv, "+hv", longs, NULL)) != -1) {
                switch (c) {
                case 'r': o.ctx.root = optarg; break;
                case 'l': o.log.path = optarg; break;
                case 'F':
                        if (strcmp(optarg, "json") && strcmp(optarg, "text"))
                                return cli_errorf(&o.log, "--log-format: '%s' is not text or json",
                                                  optarg);
                        o.log.json = !strcmp(optarg, "json");
                        break;
                case 'D': o.ctx.debug = o.log.debug = true; break;
                case 'S': o.ctx.systemd_cgroup = true; break;
                case 'R':
                case 'c': break;
                case 'v': version_print(stdout); return 0; /* runc's lines first */
                case 'h': oci_usage(stdout); return 0;
                default:
                        return cli_errorf(&o.log, "unknown global option or missing value '%s' "
                                                  "(try berth oci --help)", argv[optind - 1]) + 1;
        }
        }
        if (optind >= argc) {
                oci_usage(stderr);
                return 2;
        }
        const struct verb *v = find_verb(argv[optind]);
        if (!v)
                return cli_errorf(&o.log, "unknown verb '%s' (try berth oci --help)", argv[optind]);
        char root[PATH_MAX];
        if (rootless_root(&o, v, argc - optind, argv + optind, root, sizeof(root)) != 0)
                return 1;
        return v->run(&o, argc - optind, argv + optind);
}
