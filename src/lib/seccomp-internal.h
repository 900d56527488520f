/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Inside the seccomp layer: the name tables (seccomp-tables.c), the plan
 * the runtime builds (seccomp.c) and the init loads (seccomp-load.c). */
#pragma once
#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* What an action's 16 data bits mean. */
enum seccomp_action_data {
        SECCOMP_DATA_NONE,  /* takes no errnoRet */
        SECCOMP_DATA_ERRNO, /* errnoRet is the errno, 0..4095 */
        SECCOMP_DATA_TRACE, /* errnoRet is the tracer's message, 0..65535 */
};

struct seccomp_action_def {
        const char *name; /* "SCMP_ACT_ERRNO" */
        uint32_t action;  /* SCMP_ACT_*, data bits zero */
        enum seccomp_action_data data;
};

/* The row of an action name, or NULL. */
const struct seccomp_action_def *seccomp_action_by_name(const char *name);
/* enum scmp_compare of "SCMP_CMP_EQ" and friends, or -EINVAL. */
int seccomp_op_by_name(const char *name);
/* SCMP_ARCH_* of "SCMP_ARCH_X86_64" and friends; -EINVAL when unknown. */
int seccomp_arch_by_name(const char *name, uint32_t *arch);
/* SECCOMP_FILTER_FLAG_* of a flag name; -EINVAL when unknown. */
int seccomp_flag_by_name(const char *name, unsigned int *flag);
/* Whether the running kernel accepts a filter flag (asked without loading
 * anything: a known flag fails on the NULL program with EFAULT). */
bool seccomp_flag_kernel_supports(unsigned int flag);

/* Filter flags the kernel headers of old build hosts may lack. */
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1U << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1U << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1U << 5)
#endif

struct seccomp_plan;
/* seccomp-cache.c: compiled filters kept between runs. The key of a
 * profile (its compact JSON), or NULL when it must not be cached (NOTIFY)
 * or the key cannot be made; malloc'd. */
char *seccomp_cache_key(const char *profile, bool ignore_unknown);
/* Fill plan's insns, n_insns and flags from the cache: true on a hit. */
bool seccomp_cache_load(const char *key, struct seccomp_plan *plan);
/* Keep plan's program for the key; failures are silent (a cache). */
void seccomp_cache_store(const char *key, const struct seccomp_plan *plan);

/* Built by seccomp_prepare() in the runtime, read by the init. Nothing in
 * it is allocated or formatted after the filter is loaded: the message to
 * the listener is kept as text around the pid. */
struct seccomp_plan {
        struct sock_filter *insns; /* the BPF program libseccomp generated */
        unsigned short n_insns;
        unsigned int flags; /* SECCOMP_FILTER_FLAG_*, NEW_LISTENER included */
        /* SCMP_ACT_NOTIFY only (else -1 / NULL): */
        int listener_fd;     /* connected to listenerPath by the runtime */
        char *listener_path; /* for errors */
        char *msg_head;      /* `{"ociVersion":..,"fds":["seccompFd"],"pid":` */
        char *msg_mid;       /* `,"metadata":..,"state":{..,"pid":` */
        char *msg_tail;      /* `,"bundle":..,"annotations":{..}}}` */
        pid_t *pid;          /* a MAP_SHARED page: the runtime writes the init's
                              * pid there after clone, the init reads it */
};
