/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth check-config`: print the report check-config.c gathers, as
 * grouped lines (colored on a terminal) or as JSON. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/manager/check-config.h"
#include "manager-cmds.h"

#define GREEN  "\033[32m"
#define YELLOW "\033[33m"
#define RED    "\033[1;31m"
#define RESET  "\033[0m"

static const char usage_text[] =
        "Usage: berth check-config [OPTIONS]\n"
        "\n"
        "Check the running kernel's build config and this machine for what\n"
        "containers need. The config is read from $CONFIG, else /proc/config.gz,\n"
        "else /boot/config-$(uname -r).\n"
        "\n"
        "Options:\n"
        "  -c, --config FILE   read this kernel config (plain or gzip) instead\n"
        "      --format F      text (default) or json\n"
        "  -h, --help          this text\n"
        "\n"
        "Exit status: 0 every required feature is there, 1 one is missing (or the\n"
        "config cannot be read), 2 usage error.\n";

static const char *verdict(const struct cc_feature *f)
{
        return f->status == CC_INFO ? f->detail : cc_status_name(f->status);
}

static const char *color_of(const struct cc_feature *f)
{
        switch (f->status) {
        case CC_ENABLED:
        case CC_MODULE:
        case CC_FOUND:
                return GREEN;
        case CC_MISSING:
                return f->required ? RED : YELLOW;
        default:
                return "";
        }
}

static void print_text(const struct cc_report *r, bool color)
{
        printf("Kernel %s, config %s\n", r->kernel, r->config_path);
        const char *group = NULL;
        for (size_t i = 0; i < r->n_features; i++) {
                const struct cc_feature *f = &r->features[i];
                if (!group || strcmp(group, f->group)) {
                        group = f->group;
                        printf("\n%s%s%s\n", color ? "\033[1m" : "", group, color ? RESET : "");
                }
                const char *c = color ? color_of(f) : "";
                /* a fact is neither: only a missing one that matters says required */
                const char *need = f->status != CC_INFO ? (f->required ? "required" : "optional")
                                   : f->required && f->status == CC_MISSING ? "required"
                                                                            : "";
                printf("  %-40s %-8s %s%s%s", f->name, need, c, verdict(f), *c ? RESET : "");
                if (f->status != CC_INFO && f->detail)
                        printf(" (%s)", f->detail);
                else if (f->status == CC_MISSING && f->note)
                        printf(" - %s", f->note);
                putchar('\n');
        }
        putchar('\n');
        if (r->missing_required)
                printf("%s%zu required feature%s missing%s\n", color ? RED : "",
                       r->missing_required, r->missing_required == 1 ? " is" : "s are",
                       color ? RESET : "");
        else
                printf("%sEvery required feature is there.%s\n", color ? GREEN : "",
                       color ? RESET : "");
}

static int print_json(const struct cc_report *r)
{
        json_t *features = json_array();
        for (size_t i = 0; features && i < r->n_features; i++) {
                const struct cc_feature *f = &r->features[i];
                json_t *o = json_pack("{s:s, s:s, s:b, s:s}", "group", f->group, "name", f->name,
                                      "required", f->required, "status",
                                      f->status == CC_INFO     ? "info"
                                      : f->status == CC_MODULE ? "module"
                                                               : cc_status_name(f->status));
                if (o && f->detail)
                        json_object_set_new(o, "value", json_string(f->detail));
                if (o && f->note)
                        json_object_set_new(o, "note", json_string(f->note));
                if (!o || json_array_append_new(features, o) < 0)
                        goto oom;
        }
        json_t *root = features ? json_pack("{s:s, s:s, s:b, s:I, s:o}", "kernel", r->kernel,
                                            "config", r->config_path, "ok",
                                            r->missing_required == 0, "missing_required",
                                            (json_int_t)r->missing_required, "features", features)
                                : NULL;
        features = NULL;
        char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
        json_decref(root);
        if (!text)
                goto oom;
        puts(text);
        free(text);
        return 0;
oom:
        json_decref(features);
        fprintf(stderr, "berth: check-config: out of memory\n");
        return -1;
}

int cmd_check_config(int argc, char **argv)
{
        static const struct option longs[] = {
                { "config", required_argument, NULL, 'c' },
                { "format", required_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        const char *config = getenv("CONFIG");
        bool json = false;
        optind = 1;
        opterr = 0;
        int c;
        while ((c = getopt_long(argc, argv, "+hc:", longs, NULL)) != -1) {
                switch (c) {
                case 'h':
                        fputs(usage_text, stdout);
                        return 0;
                case 'c':
                        config = optarg;
                        break;
                case 'f':
                        if (!strcmp(optarg, "json")) {
                                json = true;
                        } else if (!strcmp(optarg, "text") || !strcmp(optarg, "table")) {
                                json = false;
                        } else {
                                fprintf(stderr,
                                        "berth: check-config: --format must be text or json, not "
                                        "'%s'\n",
                                        optarg);
                                return 2;
                        }
                        break;
                default:
                        if (optopt && optopt != '?')
                                fprintf(stderr, "berth: check-config: option -%c %s\n", optopt,
                                        strchr("c", optopt) ? "needs a value" : "is unknown");
                        else
                                fprintf(stderr, "berth: check-config: bad option '%s'\n",
                                        argv[optind - 1]);
                        fprintf(stderr, "Try 'berth check-config --help'.\n");
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "berth: check-config: unexpected argument '%s'\n", argv[optind]);
                return 2;
        }
        if (config && !*config)
                config = NULL;

        struct berth_error err = { 0 };
        struct cc_report *r = NULL;
        if (check_config_run(config, &r, &err) < 0) {
                fprintf(stderr, "berth: check-config: %s\n", err.msg);
                return 1;
        }
        int status = r->missing_required ? 1 : 0;
        if (json) {
                if (print_json(r) < 0)
                        status = 1;
        } else {
                print_text(r, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
        }
        cc_report_free(r);
        return status;
}
