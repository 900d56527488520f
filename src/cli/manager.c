/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The LXC-style commands: a table, the options they share (-n NAME,
 * -P LXCPATH), and the small ones. Each parses its flags and makes one
 * library call. */
#include "manager.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAME_OPTS                                                                   \
        "  -n, --name NAME      the container (or give it as the first argument)\n" \
        "  -P, --lxcpath DIR    where containers live (default /var/lib/berth)\n"

static const struct mcmd cmds[] = {
        { "create", mcmd_create, "NAME -t TEMPLATE [-f CONFIG] [-- TEMPLATE-OPTIONS]",
          "Make a container from a template: busybox, debian, dir:PATH (an existing rootfs)\n"
          "or oci:PATH (an OCI image layout directory or tar).",
          "  -t, --template T     the template\n"
          "  -f, --config FILE    start from this LXC config\n" NAME_OPTS,
          true },
        { "destroy", mcmd_destroy, "NAME [-f]", "Remove a container and its rootfs.",
          "  -f, --force          stop it first if it runs\n" NAME_OPTS, true },
        { "start", mcmd_start, "NAME [-d|-F] [-f FILE] [-- CMD...]",
          "Start a container; by default in the background, returning once its init runs.",
          "  -d, --daemon         in the background (the default)\n"
          "  -F, --foreground     in the foreground, on this terminal, until it stops\n"
          "  -f, --rcfile FILE    use this config instead of the container's\n" NAME_OPTS,
          true },
        { "stop", mcmd_stop, "NAME [-t SECONDS] [-k]",
          "Stop a container: lxc.signal.halt to its init, then SIGKILL after the timeout.",
          "  -t, --timeout S      seconds to wait before SIGKILL (default 60)\n"
          "  -k, --kill           SIGKILL (lxc.signal.stop) at once\n" NAME_OPTS,
          true },
        { "restart", mcmd_restart, "NAME [-t SECONDS] [-k]", "Stop, then start, a container.",
          "  -t, --timeout S      seconds to wait before SIGKILL (default 60)\n"
          "  -k, --kill           SIGKILL at once\n" NAME_OPTS,
          true },
        { "attach", mcmd_attach, "NAME [--clear-env|--keep-env] [-u UID] [-- CMD...]",
          "Run a command (default: a login shell) in a running container; its exit status\n"
          "is ours.",
          "      --clear-env      the container's environment only (the default)\n"
          "      --keep-env       pass this environment on\n"
          "  -v, --set-var K=V    set a variable (repeatable)\n"
          "  -u, --uid UID[:GID]  run as this user (default root)\n"
          "      --cwd DIR        working directory (default: the user's home)\n" NAME_OPTS,
          true },
        { "console", mcmd_console, "NAME [-t N] [-e KEY]",
          "Connect to the console (or /dev/ttyN); <Ctrl+a q> leaves.",
          "  -t, --tty N          the tty (0: the console, the default)\n"
          "  -e, --escape KEY     the escape key, a letter (default a)\n" NAME_OPTS,
          true },
        { "ls", mcmd_ls, "[--fancy] [--running|--stopped|--frozen] [--format json]",
          "List the containers.",
          "  -f, --fancy          a table: NAME STATE IPV4 IPV6 AUTOSTART PID MEMORY\n"
          "      --running        only running ones (also --stopped, --frozen)\n"
          "      --format F       table or json\n"
          "  -P, --lxcpath DIR    where containers live (default /var/lib/berth)\n",
          false },
        { "info", mcmd_info, "NAME [--format json]",
          "State, pid, addresses, memory and CPU use, and namespaces of a container.",
          "      --format F       text or json\n" NAME_OPTS, true },
        { "freeze", mcmd_freeze, "NAME", "Freeze every process of a container.", NAME_OPTS,
          true },
        { "unfreeze", mcmd_unfreeze, "NAME", "Thaw a frozen container.", NAME_OPTS, true },
        { "wait", mcmd_wait, "NAME STATE [-t SECONDS]",
          "Wait until a container is in STATE (STOPPED, STARTING, RUNNING, STOPPING,\n"
          "FROZEN).",
          "  -t, --timeout S      give up after S seconds (exit 1)\n" NAME_OPTS, true },
        { "cgroup", mcmd_cgroup, "NAME KEY [VALUE]",
          "Read, or set, a cgroup file of a running container (e.g. memory.limit_in_bytes).",
          NAME_OPTS, true },
        { "config", mcmd_config, "NAME [KEY [VALUE]]",
          "Show the config, one key's values, or set a key (the file keeps its comments).",
          NAME_OPTS, true },
        { "execute", mcmd_execute, "NAME|-f CONFIG [--] CMD...",
          "Run CMD as an application container under a tiny init; nothing is kept after.",
          "  -f, --rcfile FILE    the config (when NAME has none)\n" NAME_OPTS, false },
        { "autostart", mcmd_autostart, "[--list] [--stop] [-g GROUP]... [-a]",
          "Start (or stop) every container with lxc.start.auto = 1, in lxc.start.order,\n"
          "waiting lxc.start.delay after each.",
          "  -L, --list           only show what would be done\n"
          "  -s, --stop           stop them instead (in reverse order)\n"
          "  -k, --kill           with --stop: SIGKILL\n"
          "  -t, --timeout S      with --stop: seconds before SIGKILL\n"
          "  -g, --groups G       these lxc.group groups (repeatable; \"\" is no group);\n"
          "                       default: containers with no group, and \"onboot\"\n"
          "  -a, --all            every group\n"
          "  -P, --lxcpath DIR    where containers live (default /var/lib/berth)\n",
          false },
        { "net", mcmd_net, "create|ls|delete ...",
          "Bridges for containers: subnets, NAT, address leases (berth net --help).",
          "", false },
};

const struct mcmd *mcmd_find(const char *name)
{
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
                if (!strcmp(cmds[i].name, name))
                        return &cmds[i];
        return NULL;
}

void mcmd_list(FILE *f)
{
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
                const char *nl = strchr(cmds[i].summary, '\n');
                int len = nl ? (int)(nl - cmds[i].summary) : (int)strlen(cmds[i].summary);
                fprintf(f, "  %-14s %.*s\n", cmds[i].name, len, cmds[i].summary);
        }
}

int mcmd_usage(const struct mcmd *cmd, FILE *f)
{
        fprintf(f, "Usage: berth %s %s\n\n%s\n", cmd->name, cmd->args, cmd->summary);
        if (cmd->options && *cmd->options)
                fprintf(f, "\nOptions:\n%s", cmd->options);
        return f == stdout ? 0 : 2;
}

int mcmd_error(struct mctx *m, const struct berth_error *err)
{
        return cli_error(&m->log, err->msg[0] ? err->msg : "unknown error");
}

int mcmd_bad_option(struct mctx *m, char **argv)
{
        if (optopt)
                cli_errorf(&m->log, "%s: unknown option or missing value '-%c' (try berth %s --help)",
                           m->cmd->name, optopt, m->cmd->name);
        else
                cli_errorf(&m->log, "%s: unknown option or missing value '%s' (try berth %s --help)",
                           m->cmd->name, argv[optind - 1], m->cmd->name);
        return 2;
}

int mcmd_common(struct mctx *m, int c, char **argv)
{
        switch (c) {
        case 'h':
                return 100 + mcmd_usage(m->cmd, stdout);
        case 'n':
                m->name = optarg;
                return 1;
        case 'P':
                m->lxcpath = optarg;
                return 1;
        case '?':
                return 100 + mcmd_bad_option(m, argv);
        }
        return 0;
}

int mcmd_name(struct mctx *m, int argc, char **argv)
{
        if (!m->name) {
                if (optind >= argc) {
                        cli_errorf(&m->log, "%s: which container? (give NAME or -n NAME)",
                                   m->cmd->name);
                        return 2;
                }
                m->name = argv[optind++];
        }
        struct berth_error err = { 0 };
        if (berth_container_new(m->name, m->lxcpath, &m->c, &err) < 0)
                return mcmd_error(m, &err);
        return 0;
}

bool mcmd_dashdash(int argc, char **argv)
{
        for (int i = 1; i < argc; i++)
                if (!strcmp(argv[i], "--"))
                        return true;
        return false;
}

int mcmd_seconds(struct mctx *m, const char *flag, const char *s, int *out)
{
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || *end || !*s || v < -1 || v > 1 << 24) {
                cli_errorf(&m->log, "%s: %s: invalid number of seconds '%s'", m->cmd->name, flag,
                           s);
                return 2;
        }
        *out = (int)v;
        return 0;
}

int mcmd_main(const struct mcmd *cmd, int argc, char **argv)
{
        struct mctx m = { .cmd = cmd };
        optind = 1;
        opterr = 0;
        int r = cmd->run(&m, argc, argv);
        berth_container_free(m.c);
        return r;
}

/* ---- the small commands */

/* Commands whose only arguments are the shared ones and NAME. 0 with
 * m->c still NULL: --help was printed, nothing more to do. */
static int name_only(struct mctx *m, int argc, char **argv, int max_extra)
{
        static const struct option longs[] = { MCMD_LONGS, { 0 } };
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS, longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100)
                        return q - 100;
                if (q == 0)
                        return mcmd_bad_option(m, argv);
        }
        int r = mcmd_name(m, argc, argv);
        if (r)
                return r;
        if (argc - optind > max_extra) {
                cli_errorf(&m->log, "%s: unexpected argument '%s' (try berth %s --help)",
                           m->cmd->name, argv[optind + max_extra], m->cmd->name);
                return 2;
        }
        return 0;
}

int mcmd_freeze(struct mctx *m, int argc, char **argv)
{
        struct berth_error err = { 0 };
        int r = name_only(m, argc, argv, 0);
        if (r || !m->c)
                return r;
        return berth_container_freeze(m->c, &err) < 0 ? mcmd_error(m, &err) : 0;
}

int mcmd_unfreeze(struct mctx *m, int argc, char **argv)
{
        struct berth_error err = { 0 };
        int r = name_only(m, argc, argv, 0);
        if (r || !m->c)
                return r;
        return berth_container_unfreeze(m->c, &err) < 0 ? mcmd_error(m, &err) : 0;
}

int mcmd_cgroup(struct mctx *m, int argc, char **argv)
{
        struct berth_error err = { 0 };
        int r = name_only(m, argc, argv, 2);
        if (r || !m->c)
                return r;
        if (optind >= argc) {
                cli_errorf(&m->log, "cgroup: which key? (e.g. memory.limit_in_bytes)");
                return 2;
        }
        if (optind + 1 < argc)
                return berth_container_cgroup_set(m->c, argv[optind], argv[optind + 1], &err) < 0
                               ? mcmd_error(m, &err)
                               : 0;
        char *value = NULL;
        if (berth_container_cgroup_get(m->c, argv[optind], &value, &err) < 0)
                return mcmd_error(m, &err);
        printf("%s\n", value);
        free(value);
        return 0;
}

int mcmd_config(struct mctx *m, int argc, char **argv)
{
        struct berth_error err = { 0 };
        int r = name_only(m, argc, argv, 2);
        if (r || !m->c)
                return r;
        if (optind + 1 < argc)
                return berth_container_set_config_item(m->c, argv[optind], argv[optind + 1],
                                                       &err) < 0
                               ? mcmd_error(m, &err)
                               : 0;
        char *value = NULL;
        if (berth_container_get_config_item(m->c, optind < argc ? argv[optind] : NULL, &value,
                                            &err) < 0)
                return mcmd_error(m, &err);
        size_t n = strlen(value);
        printf("%s%s", value, n && value[n - 1] == '\n' ? "" : (n ? "\n" : ""));
        free(value);
        return 0;
}

int mcmd_destroy(struct mctx *m, int argc, char **argv)
{
        static const struct option longs[] = { MCMD_LONGS, { "force", no_argument, NULL, 'f' },
                                               { 0 } };
        bool force = false;
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS "f", longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100)
                        return q - 100;
                if (q == 0)
                        force = true;
        }
        int r = mcmd_name(m, argc, argv);
        if (r)
                return r;
        struct berth_error err = { 0 };
        return berth_container_destroy(m->c, force, &err) < 0 ? mcmd_error(m, &err) : 0;
}

static int stop_like(struct mctx *m, int argc, char **argv, bool restart)
{
        static const struct option longs[] = { MCMD_LONGS,
                                               { "timeout", required_argument, NULL, 't' },
                                               { "kill", no_argument, NULL, 'k' },
                                               { 0 } };
        int timeout = -1;
        bool kill = false;
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS "t:k", longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100)
                        return q - 100;
                if (q == 1)
                        continue;
                if (c == 'k')
                        kill = true;
                else if (mcmd_seconds(m, "--timeout", optarg, &timeout))
                        return 2;
        }
        int r = mcmd_name(m, argc, argv);
        if (r)
                return r;
        struct berth_error err = { 0 };
        if (berth_container_stop(m->c, timeout, kill, &err) < 0 &&
            !(restart && err.code == ESRCH))
                return mcmd_error(m, &err);
        if (restart && berth_container_start(m->c, NULL, NULL, &err) < 0)
                return mcmd_error(m, &err);
        return 0;
}

int mcmd_stop(struct mctx *m, int argc, char **argv)
{
        return stop_like(m, argc, argv, false);
}

int mcmd_restart(struct mctx *m, int argc, char **argv)
{
        return stop_like(m, argc, argv, true);
}

int mcmd_wait(struct mctx *m, int argc, char **argv)
{
        static const struct option longs[] = { MCMD_LONGS,
                                               { "timeout", required_argument, NULL, 't' },
                                               { "state", required_argument, NULL, 's' },
                                               { 0 } };
        int timeout = -1;
        const char *state = NULL;
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS "t:s:", longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100)
                        return q - 100;
                if (q == 1)
                        continue;
                if (c == 's')
                        state = optarg;
                else if (mcmd_seconds(m, "--timeout", optarg, &timeout))
                        return 2;
        }
        int r = mcmd_name(m, argc, argv);
        if (r)
                return r;
        if (!state && optind < argc)
                state = argv[optind++];
        int s = state ? berth_state_parse(state) : -EINVAL;
        if (s < 0) {
                cli_errorf(&m->log, "wait: '%s' is not a state (STOPPED, STARTING, RUNNING, "
                                    "STOPPING, FROZEN)", state ? state : "");
                return 2;
        }
        struct berth_error err = { 0 };
        return berth_container_wait(m->c, (enum berth_container_state)s, timeout, &err) < 0
                       ? mcmd_error(m, &err)
                       : 0;
}
