/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manager's side of a system container: where its files are, and what
 * state it is in. Internal to src/manager.
 *
 *   LXCPATH/NAME/config            the LXC-syntax config (the user's)
 *   LXCPATH/NAME/rootfs/           its rootfs (unless lxc.rootfs.path says else)
 *   LXCPATH/NAME/console.log       what the console printed (lxc.console.logfile)
 *   /run/berth-sys/KEY/oci/NAME/   the core's state dir (the OCI root is .../oci)
 *   /run/berth-sys/KEY/mon/NAME/   the monitor's: config.json (the bundle the
 *                                  core reads), monitor.pid, console.sock
 *
 * KEY is "default" for /var/lib/berth and a hash of the lxcpath for any
 * other, so two lxcpaths may hold containers of the same name. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "berth.h"
#include "lxc-config.h"

#define BERTH_LXCPATH "/var/lib/berth"
#define BERTH_SYS_RUN "/run/berth-sys"
#define MON_PID "monitor.pid"
#define MON_SOCK "console.sock"
#define MON_STOPPING "stopping"
#define MON_CONSOLE_RECV "console.recv"

struct berth_container {
        char *name;
        char *lxcpath;     /* absolute */
        char *dir;         /* LXCPATH/NAME */
        char *config_path; /* LXCPATH/NAME/config */
        char *run_root;    /* /run/berth-sys/KEY */
        char *oci_root;    /* RUN_ROOT/oci */
        char *mon_dir;     /* RUN_ROOT/mon/NAME */
        char *cgroup;      /* the container's cgroupsPath */
        struct berth_oci_ctx ctx;
};

/* The config (rcfile, or the container's own), errors naming file:line. */
int mgr_load_config(const struct berth_container *c, const char *rcfile,
                    struct lxc_config **out, struct berth_error *err);
/* The monitor's pid when it is alive (checked against its start time). */
pid_t mgr_monitor_pid(const struct berth_container *c);
/* State and init pid (0 when not running or frozen). */
int mgr_state(struct berth_container *c, enum berth_container_state *state, pid_t *pid,
              struct berth_error *err);
/* The core's view: the init's pid and the cgroup path, for a container
 * that runs (-ESRCH: "NAME is not running"). *cgroup malloc'd (may be NULL). */
int mgr_running(struct berth_container *c, pid_t *pid, char **cgroup, struct berth_error *err);
/* "NAME does not exist (no LXCPATH/NAME/config)" unless it does. */
int mgr_require_defined(const struct berth_container *c, struct berth_error *err);
/* Both of the above, errors prefixed with verb ("stop"). */
int mgr_defined_state(struct berth_container *c, const char *verb,
                      enum berth_container_state *state, pid_t *pid, struct berth_error *err);
/* Remove what a monitor that died left behind: its directory, and the
 * core's state and cgroup when the init is gone too. */
void mgr_clean_stale(struct berth_container *c);

/* enter.c: move the calling process into the running container: its
 * cgroup in every hierarchy, then every namespace its init has that the
 * caller does not (its root when it has no mount namespace), cwd "/".
 * Not its capabilities, LSM label or seccomp filter. A pid namespace
 * takes effect for children only: fork after. Meant for a forked child
 * that never goes back: on error it may be half in. Errors are "it is not
 * running" style, for the caller to prefix. */
int mgr_enter(struct berth_container *c, struct berth_error *err);

/* Remove the run directories no container uses any more. */
void mgr_prune_run(const struct berth_container *c);

/* The spec of the container as JSON: its config (or rcfile) translated,
 * the rootfs checked, the manager's cgroup path set. *cfg (may be NULL)
 * gets the config too. */
struct json_t;
int mgr_spec_doc(struct berth_container *c, const char *rcfile, struct json_t **doc,
                 struct lxc_config **cfg, struct berth_error *err);
/* dir/config.json from doc, atomically. */
int mgr_write_bundle(const char *dir, struct json_t *doc, struct berth_error *err);

/* monitor.c: run the monitor for an already claimed mon_dir (config.json
 * written). Daemon: report_fd gets "0" once the init runs, or the error;
 * foreground: the console is in_fd/out_fd and *status the init's exit. */
/* network.c: lxc.net.N.* made real in the init's network namespace
 * (between the core's create and start), and unmade. */
struct mgr_net;
int mgr_net_up(struct berth_container *c, struct lxc_config *cfg, pid_t init,
               struct mgr_net **out, struct berth_error *err);
void mgr_net_down(struct mgr_net *n);
/* The optional libraries (dl.h's DL_BIT mask) the plan of cfg may use:
 * netlink and NAT for any interface but empty/none. */
unsigned mgr_net_libs(const struct lxc_config *cfg);

struct monitor_args {
        struct berth_container *c;
        struct lxc_config *cfg; /* for the network plan */
        int report_fd;
        bool foreground;
        int in_fd, out_fd;
        int *ttys; /* masters of /dev/tty1..N, taken over */
        int n_ttys;
        char *log_path;
};
int monitor_run(struct monitor_args *a, int *status, struct berth_error *err);

/* console protocol on MON_SOCK: the client sends one byte, the tty number
 * (0: the console); the monitor answers one byte, 0 or an errno, with the
 * pty master attached (SCM_RIGHTS) on success, then streams what the
 * tty prints until either side closes. The client writes its input to the
 * master itself and sets the window size on it. */
