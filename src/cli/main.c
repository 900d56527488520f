/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `berth`: the front end. `berth oci ...` (or the binary called
 * `berth-oci`) is the runc-compatible runtime. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "cli.h"
#include "daemon.h"
#include "dl.h"
#include "manager-cmds.h"
#include "manager.h"
#include "version.h"

static void usage(FILE *f)
{
        fprintf(f, "Usage: berth COMMAND [ARGS]\n"
                   "\n"
                   "Commands:\n"
                   "  oci VERB ...   the OCI runtime (runc's command line); `berth oci --help`\n"
                   "\n"
                   "System containers (LXC-style; `berth COMMAND --help`):\n");
        mcmd_list(f);
        fprintf(f, "  check-config   the kernel features containers need, and what is mounted\n"
                   "\n"
                   "Options:\n"
                   "  --version      the version, the git commit and the optional features\n"
                   "  --help         this text\n");
}

/* jansson seeds its hash function from /dev/urandom on first use (an
 * open, a read and a close on every command): one getrandom does. */
static void seed_json(void)
{
        size_t seed = 0;
        if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed) && seed)
                json_object_seed(seed);
}

/* Commands that may load optional libraries and decide nothing about
 * them before doing their work: a static berth hands them to berth-full
 * at once (dl.h). start and create ask dl_require themselves, per
 * container and template; version_print too. */
static const struct {
        const char *cmd;
        unsigned libs;
} twin_cmds[] = {
        { "check-config", DL_BIT(DL_Z) },
        { "net", DL_BIT(DL_MNL) | DL_BIT(DL_NFTABLES) },
        { "autostart", DL_BIT(DL_MNL) | DL_BIT(DL_NFTABLES) },
        { "restart", DL_BIT(DL_MNL) | DL_BIT(DL_NFTABLES) },
};

static int hand_to_twin(const char *cmd)
{
        for (size_t i = 0; i < sizeof(twin_cmds) / sizeof(twin_cmds[0]); i++) {
                if (strcmp(cmd, twin_cmds[i].cmd) != 0)
                        continue;
                struct berth_error err = { 0 };
                if (dl_require(twin_cmds[i].libs, &err) < 0) {
                        fprintf(stderr, "berth: %s: %s\n", cmd, err.msg);
                        return -1;
                }
        }
        return 0;
}

int main(int argc, char **argv)
{
        seed_json();
#ifdef BERTH_STATIC_CLI
        dl_set_twin(argv);
#endif
        const char *self = strrchr(argv[0], '/');
        self = self ? self + 1 : argv[0];
        if (!strcmp(self, "berth-oci"))
                return oci_main(argc, argv);
        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v") ||
            !strcmp(argv[1], "version")) {
                version_print(stdout);
                return 0;
        }
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
                usage(stdout);
                return 0;
        }
        if (!strcmp(argv[1], "oci"))
                return oci_main(argc - 1, argv + 1);
        if (hand_to_twin(argv[1]) < 0)
                return 1;
        if (!strcmp(argv[1], "check-config"))
                return cmd_check_config(argc - 1, argv + 1);
        const struct mcmd *cmd = mcmd_find(argv[1]);
        daemon_caller_exits();
        if (cmd)
                return mcmd_main(cmd, argc - 1, argv + 1);
        fprintf(stderr, "berth: unknown command '%s' (try berth --help)\n", argv[1]);
        return 2;
}
