/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

int write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int write_file_at(int dirfd, const char *path, const char *s)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        /* cgroupfs and procfs want the value in one write(2) */
        size_t len = strlen(s);
        ssize_t n;
        do
                n = write(fd, s, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        return (size_t)n == len ? 0 : -EIO;
}

int read_file_at(int dirfd, const char *path, char **out, size_t *len)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t cap = 4096, used = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (used + 1 >= cap) {
                        if (cap >= 16u << 20)
                                return -EFBIG;
                        char *nb = realloc(buf, cap * 2);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        cap *= 2;
                }
                ssize_t n = read(fd, buf + used, cap - used - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                used += (size_t)n;
        }
        buf[used] = '\0';
        if (len)
                *len = used;
        *out = TAKE_PTR(buf);
        return 0;
}

int write_file_atomic(int dirfd, const char *name, const char *data, size_t len)
{
        char tmp[PATH_MAX];
        if (snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        _cleanup_close_ int fd =
                openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, data, len);
        if (r < 0) {
                unlinkat(dirfd, tmp, 0);
                return r;
        }
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                r = -errno;
                unlinkat(dirfd, tmp, 0);
                return r;
        }
        return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
        char buf[PATH_MAX];
        if (strlen(path) >= sizeof(buf))
                return -ENAMETOOLONG;
        strcpy(buf, path);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int remove_tree_at(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOTDIR || errno == ELOOP)
                        return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
                return errno == ENOENT ? 0 : -errno;
        }
        DIR *d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                close(fd);
                return r;
        }
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                int q = de->d_type == DT_DIR ? remove_tree_at(fd, de->d_name)
                                             : (unlinkat(fd, de->d_name, 0) < 0 ? -errno : 0);
                if (q < 0 && q != -ENOENT && r == 0)
                        r = q;
        }
        closedir(d);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
                r = -errno;
        return r;
}

static int proc_stat_fields(pid_t pid, char *state, uint64_t *start)
{
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return -EIO;
        buf[n] = '\0';
        /* comm may hold spaces and parentheses: fields start after the last ')' */
        char *p = strrchr(buf, ')');
        if (!p || p[1] != ' ')
                return -EIO;
        p += 2;
        *state = *p;
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return -EIO;
                p++;
        }
        *start = strtoull(p, NULL, 10);
        return 0;
}

uint64_t proc_start_time(pid_t pid)
{
        char st;
        uint64_t start;
        if (pid <= 0 || proc_stat_fields(pid, &st, &start) < 0)
                return 0;
        return start;
}

bool proc_alive(pid_t pid)
{
        char st;
        uint64_t start;
        if (pid <= 0 || proc_stat_fields(pid, &st, &start) < 0)
                return false;
        return st != 'Z' && st != 'X';
}

size_t strv_len(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

void strv_free(char **v)
{
        cleanup_strvp(&v);
}

bool id_is_valid(const char *id)
{
        size_t len = id ? strlen(id) : 0;
        if (len == 0 || len > 1024 || !strcmp(id, ".") || !strcmp(id, ".."))
                return false;
        for (const char *p = id; *p; p++)
                if (*p == '/' || !isprint((unsigned char)*p) || isspace((unsigned char)*p))
                        return false;
        return true;
}

int parse_int64(const char *s, int64_t *out)
{
        if (!s || !*s)
                return -EINVAL;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *out = v;
        return 0;
}

int parse_uint64(const char *s, uint64_t *out)
{
        if (!s || !*s || *s == '-')
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *out = v;
        return 0;
}

static const struct {
        const char *name;
        int sig;
} signal_table[] = {
        { "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
        { "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
        { "FPE", SIGFPE },     { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
        { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
        { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CLD", SIGCHLD },    { "CONT", SIGCONT },
        { "STOP", SIGSTOP },   { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU },
        { "URG", SIGURG },     { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM },
        { "PROF", SIGPROF },   { "WINCH", SIGWINCH },   { "IO", SIGIO },       { "POLL", SIGPOLL },
        { "PWR", SIGPWR },     { "SYS", SIGSYS },
};

int signal_parse(const char *name)
{
        if (!name || !*name)
                return -EINVAL;
        int64_t n;
        if (parse_int64(name, &n) == 0)
                return n > 0 && n < _NSIG ? (int)n : -EINVAL;
        if (!strncasecmp(name, "SIG", 3))
                name += 3;
        for (size_t i = 0; i < ARRAY_SIZE(signal_table); i++)
                if (!strcasecmp(name, signal_table[i].name))
                        return signal_table[i].sig;
        /* RTMIN, RTMIN+n, RTMAX, RTMAX-n */
        int base = 0, sign = 0;
        if (!strncasecmp(name, "RTMIN", 5))
                base = SIGRTMIN, sign = 1;
        else if (!strncasecmp(name, "RTMAX", 5))
                base = SIGRTMAX, sign = -1;
        if (sign) {
                const char *rest = name + 5;
                if (!*rest)
                        return base;
                if ((sign > 0 && *rest == '+') || (sign < 0 && *rest == '-')) {
                        if (parse_int64(rest + 1, &n) == 0) {
                                int64_t s = base + sign * n;
                                if (s >= SIGRTMIN && s <= SIGRTMAX)
                                        return (int)s;
                        }
                }
        }
        return -EINVAL;
}

const char *signal_name(int sig)
{
        for (size_t i = 0; i < ARRAY_SIZE(signal_table); i++)
                if (signal_table[i].sig == sig)
                        return signal_table[i].name;
        return NULL;
}

void utc_civil(int64_t secs, struct utc_time *t)
{
        int64_t days = secs / 86400, rem = secs % 86400;
        if (rem < 0) {
                rem += 86400;
                days--;
        }
        t->hour = (int)(rem / 3600);
        t->min = (int)(rem / 60 % 60);
        t->sec = (int)(rem % 60);
        /* Count from 0000-03-01 in 400-year eras of 146097 days, so that
         * the leap day is the last day of a year (the "year" runs March to
         * February). */
        days += 719468;
        int64_t era = (days >= 0 ? days : days - 146096) / 146097;
        int64_t doe = days - era * 146097;                                 /* 0..146096 */
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             /* 0..365 */
        int64_t mp = (5 * doy + 2) / 153;                                  /* 0 = March */
        t->day = (int)(doy - (153 * mp + 2) / 5 + 1);
        t->month = (int)(mp < 10 ? mp + 3 : mp - 9);
        t->year = yoe + era * 400 + (t->month <= 2);
}

void time_rfc3339(char *buf, size_t len)
{
        struct timespec ts;
        struct utc_time t;
        clock_gettime(CLOCK_REALTIME, &ts);
        /* not gmtime_r or strftime: glibc's first call of either loads the
         * time zone (/etc/localtime), on every create, and this is UTC */
        utc_civil(ts.tv_sec, &t);
        snprintf(buf, len, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%09ldZ", t.year, t.month,
                 t.day, t.hour, t.min, t.sec, ts.tv_nsec);
}

int sys_pidfd_open(pid_t pid, unsigned int flags)
{
        return (int)syscall(SYS_pidfd_open, pid, flags);
}

int sys_pidfd_send_signal(int pidfd, int sig)
{
        return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

uint64_t monotonic_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t hash_fnv1a64(const char *s)
{
        uint64_t h = 0xcbf29ce484222325ULL;
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
        return h;
}
