/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state directory <root>/<id>/: state.json (written atomically, read
 * without a lock), start.sock (exists while the init waits for start),
 * and a flock on the directory held by every command that changes the
 * container, so concurrent commands on one id never corrupt it. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define BERTH_DEFAULT_ROOT "/run/berth"
#define STATE_START_SOCKET "start.sock"

enum container_status {
        STATUS_CREATING,
        STATUS_CREATED,
        STATUS_RUNNING,
        STATUS_PAUSED,
        STATUS_STOPPED,
};

struct state {
        char *id;
        char *oci_version;
        char *bundle;
        char *cgroup_path;
        char *created; /* RFC 3339 */
        char *owner;
        pid_t pid;
        uint64_t start_time; /* guards against pid reuse */
        void *annotations;   /* json_t object, may be NULL */
        void *hooks;         /* json_t: the spec's poststart/poststop hooks, may be NULL */
};

const char *status_name(enum container_status s);

/* Create <root>/<id> (EEXIST: the id is taken) and lock it; *dirfd. */
int state_claim(const char *root, const char *id, int *dirfd, struct berth_error *err);
/* Open and lock an existing container's directory. */
int state_open(const char *root, const char *id, bool lock, int *dirfd,
               struct berth_error *err);
int state_save(int dirfd, const struct state *st, struct berth_error *err);
int state_load(int dirfd, const char *id, struct state *st, struct berth_error *err);
void state_clear(struct state *st);
/* Remove <root>/<id> and everything in it. */
int state_remove(const char *root, const char *id, struct berth_error *err);

/* What the container is doing now, from the init's liveness, the start
 * socket and the freezer. */
enum container_status state_status(int dirfd, const struct state *st);
/* The runtime-spec state JSON; malloc'd. */
char *state_to_oci_json(const struct state *st, enum container_status status);
