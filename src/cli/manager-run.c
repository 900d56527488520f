/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create, start, attach, console, execute: the commands that run
 * something or talk to a terminal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "manager.h"

static void progress_line(void *data, const char *line)
{
        bool tty = *(bool *)data;
        /* a terminal gets a line redrawn in place; a log, one per line */
        if (tty)
                fprintf(stderr, "\r\033[K%s", line);
        else
                fprintf(stderr, "%s\n", line);
        fflush(stderr);
}

int mcmd_create(struct mctx *m, int argc, char **argv)
{
        static const struct option longs[] = { MCMD_LONGS,
                                               { "template", required_argument, NULL, 't' },
                                               { "config", required_argument, NULL, 'f' },
                                               { 0 } };
        struct berth_create_request req = { 0 };
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS "t:f:", longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100)
                        return q - 100;
                if (q == 1)
                        continue;
                if (c == 't')
                        req.tmpl = optarg;
                else
                        req.config_file = optarg;
        }
        int r = mcmd_name(m, argc, argv);
        if (r)
                return r;
        if (optind < argc && !mcmd_dashdash(argc, argv)) {
                cli_errorf(&m->log, "create: unexpected argument '%s' (template options go "
                                    "after --)", argv[optind]);
                return 2;
        }
        if (!req.tmpl && !req.config_file) {
                cli_errorf(&m->log, "create: which template? (-t busybox, debian, dir:PATH, "
                                    "oci:PATH; or -f CONFIG)");
                return 2;
        }
        bool tty = isatty(2);
        req.tmpl_argv = argv + optind;
        req.progress = progress_line;
        req.progress_data = &tty;
        req.progress_tty = tty;
        struct berth_error err = { 0 };
        r = berth_container_create(m->c, &req, &err);
        if (tty)
                fprintf(stderr, "\r\033[K");
        return r < 0 ? mcmd_error(m, &err) : 0;
}

int mcmd_start(struct mctx *m, int argc, char **argv)
{
        static const struct option longs[] = { MCMD_LONGS,
                                               { "daemon", no_argument, NULL, 'd' },
                                               { "foreground", no_argument, NULL, 'F' },
                                               { "rcfile", required_argument, NULL, 'f' },
                                               { 0 } };
        struct berth_start_opts o = { .in_fd = 0, .out_fd = 1 };
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS "dFf:", longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100)
                        return q - 100;
                if (q == 1)
                        continue;
                if (c == 'd')
                        o.foreground = false;
                else if (c == 'F')
                        o.foreground = true;
                else
                        o.rcfile = optarg;
        }
        int r = mcmd_name(m, argc, argv);
        if (r)
                return r;
        if (optind < argc && !strcmp(argv[optind], "--"))
                optind++;
        o.argv = argv + optind;
        struct berth_error err = { 0 };
        struct termios saved;
        bool raw = o.foreground && tcgetattr(0, &saved) == 0;
        if (raw) {
                struct termios t = saved;
                cfmakeraw(&t);
                tcsetattr(0, TCSADRAIN, &t);
        }
        int status = 0;
        r = berth_container_start(m->c, &o, &status, &err);
        if (raw)
                tcsetattr(0, TCSADRAIN, &saved);
        if (r < 0)
                return mcmd_error(m, &err);
        return o.foreground ? status : 0;
}

/* A growing NULL-terminated vector of borrowed strings. */
static int push(char ***v, size_t *n, char *s)
{
        char **nv = realloc(*v, (*n + 2) * sizeof(char *));
        if (!nv)
                return -ENOMEM;
        nv[(*n)++] = s;
        nv[*n] = NULL;
        *v = nv;
        return 0;
}

int mcmd_attach(struct mctx *m, int argc, char **argv)
{
        static const struct option longs[] = { MCMD_LONGS,
                                               { "clear-env", no_argument, NULL, 'C' },
                                               { "keep-env", no_argument, NULL, 'K' },
                                               { "set-var", required_argument, NULL, 'v' },
                                               { "uid", required_argument, NULL, 'u' },
                                               { "cwd", required_argument, NULL, 'c' },
                                               { 0 } };
        struct berth_attach_opts o = { 0 };
        char **env = NULL;
        size_t n_env = 0;
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS "v:u:", longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100) {
                        free(env);
                        return q - 100;
                }
                if (q == 1)
                        continue;
                if (c == 'C')
                        o.keep_env = false;
                else if (c == 'K')
                        o.keep_env = true;
                else if (c == 'u')
                        o.user = optarg;
                else if (c == 'c')
                        o.cwd = optarg;
                else if (!strchr(optarg, '=') || push(&env, &n_env, optarg) < 0) {
                        free(env);
                        cli_errorf(&m->log, "attach: --set-var wants KEY=VALUE, not '%s'", optarg);
                        return 2;
                }
        }
        int r = mcmd_name(m, argc, argv);
        if (r) {
                free(env);
                return r;
        }
        if (optind < argc && !strcmp(argv[optind], "--"))
                optind++;
        o.argv = argv + optind;
        o.env = env;
        struct berth_error err = { 0 };
        int status = 0;
        r = berth_container_attach(m->c, &o, &status, &err);
        free(env);
        return r < 0 ? mcmd_error(m, &err) : status;
}

int mcmd_console(struct mctx *m, int argc, char **argv)
{
        static const struct option longs[] = { MCMD_LONGS,
                                               { "tty", required_argument, NULL, 't' },
                                               { "escape", required_argument, NULL, 'e' },
                                               { 0 } };
        int tty = 0;
        char escape = 'a';
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS "t:e:", longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100)
                        return q - 100;
                if (q == 1)
                        continue;
                if (c == 't') {
                        if (mcmd_seconds(m, "--tty", optarg, &tty) || tty < 0)
                                return 2;
                } else if (strlen(optarg) == 1 && optarg[0] >= 'a' && optarg[0] <= 'z') {
                        escape = optarg[0];
                } else {
                        cli_errorf(&m->log, "console: --escape wants a letter a-z, not '%s'",
                                   optarg);
                        return 2;
                }
        }
        int r = mcmd_name(m, argc, argv);
        if (r)
                return r;
        struct berth_error err = { 0 };
        return berth_container_console(m->c, tty, 0, 1, escape, &err) < 0 ? mcmd_error(m, &err)
                                                                          : 0;
}

int mcmd_execute(struct mctx *m, int argc, char **argv)
{
        static const struct option longs[] = { MCMD_LONGS,
                                               { "rcfile", required_argument, NULL, 'f' },
                                               { 0 } };
        const char *rcfile = NULL;
        int c;
        while ((c = getopt_long(argc, argv, MCMD_OPTS "f:", longs, NULL)) != -1) {
                int q = mcmd_common(m, c, argv);
                if (q >= 100)
                        return q - 100;
                if (q == 0)
                        rcfile = optarg;
        }
        if (!m->name && !rcfile) {
                if (optind >= argc) {
                        cli_errorf(&m->log, "execute: which container? (NAME, -n NAME or -f "
                                            "CONFIG)");
                        return 2;
                }
                m->name = argv[optind++];
        }
        if (optind < argc && !strcmp(argv[optind], "--"))
                optind++;
        if (optind >= argc) {
                cli_errorf(&m->log, "execute: what command? (berth execute NAME -- CMD...)");
                return 2;
        }
        struct berth_error err = { 0 };
        int status = 0;
        if (berth_execute(m->name, m->lxcpath, rcfile, argv + optind, &status, &err) < 0)
                return mcmd_error(m, &err);
        return status;
}
