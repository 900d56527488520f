/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by every subsystem. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Write all of buf to fd, retrying on EINTR and short writes; -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Write a string to dirfd/path in one write(2), as cgroupfs and procfs
 * want (O_WRONLY|O_TRUNC|O_NOFOLLOW, no create); -errno. */
int write_file_at(int dirfd, const char *path, const char *s);
/* Read a whole file (at most 16 MiB) into a NUL-terminated buffer; -errno. */
int read_file_at(int dirfd, const char *path, char **out, size_t *len);
/* Atomically replace dirfd/name with data (temp file + fsync-less rename). */
int write_file_atomic(int dirfd, const char *name, const char *data, size_t len);
/* mkdir -p with mode; existing directories are fine; -errno. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf of a directory tree under dirfd (no symlink following); -errno. */
int remove_tree_at(int dirfd, const char *name);

/* CLOCK_MONOTONIC in milliseconds, for timeouts. */
uint64_t monotonic_ms(void);
/* FNV-1a, 64 bits: a stable short name for a string (not a security
 * boundary: never compare by it where a collision would matter). */
uint64_t hash_fnv1a64(const char *s);

/* Field 22 of /proc/PID/stat (start time in clock ticks); 0 when gone. */
uint64_t proc_start_time(pid_t pid);
/* True when PID exists and is not a zombie. */
bool proc_alive(pid_t pid);

/* NULL-terminated string vector helpers. */
size_t strv_len(char *const *v);
void strv_free(char **v);

/* An id the state directory can hold: no '/', not "." or "..", not empty,
 * at most 1024 bytes, printable. */
bool id_is_valid(const char *id);

/* Parse "123" fully into *out; -EINVAL on junk or overflow. */
int parse_int64(const char *s, int64_t *out);
int parse_uint64(const char *s, uint64_t *out);

/* Signals by name ("TERM", "SIGTERM", "RTMIN+2") or number. */
int signal_parse(const char *name);
const char *signal_name(int sig);

/* RFC 3339 UTC time of now into buf. */
void time_rfc3339(char *buf, size_t len);
/* Seconds since the epoch as a UTC (proleptic Gregorian) date and time,
 * with no time zone loaded. */
struct utc_time {
        int64_t year;
        int month, day, hour, min, sec; /* 1-12, 1-31, 0-23, 0-59, 0-59 */
};
void utc_civil(int64_t secs, struct utc_time *t);

/* Thin syscall wrappers the libc here may lack. */
int sys_pidfd_open(pid_t pid, unsigned int flags);
int sys_pidfd_send_signal(int pidfd, int sig);
