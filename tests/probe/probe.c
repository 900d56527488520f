/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-probe: a tiny static program that runs inside test containers and
 * reports what it sees as `key=value` lines, one fact per line, so the
 * tests read facts instead of parsing shell output. Commands run in order:
 *   berth-probe ids ns hostname   (ns prints ns.<type>=<inode>)
 * Unknown commands and bad arguments exit 2. `tag X` does nothing: the
 * tests put a marker in the command line so strays can be found. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *errno_name(int e)
{
        const char *name = strerrorname_np(e);
        return name ? name : "EUNKNOWN";
}

static long parse_long(const char *s)
{
        char *end = NULL;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0') {
                fprintf(stderr, "berth-probe: not a number: %s\n", s);
                exit(2);
        }
        return v;
}

/* Copy a file to stdout, each line prefixed with "prefix=". */
static int cat_prefixed(const char *path, const char *prefix)
{
        FILE *f = fopen(path, "re");
        if (f == NULL) {
                printf("%s.error=%s\n", prefix, errno_name(errno));
                return 1;
        }
        char line[4096];
        while (fgets(line, sizeof(line), f))
                printf("%s=%s%s", prefix, line, strchr(line, '\n') ? "" : "\n");
        fclose(f);
        return 0;
}

static int cmd_ids(char **argv)
{
        (void)argv;
        printf("pid=%d\nppid=%d\n", (int)getpid(), (int)getppid());
        printf("uid=%u\ngid=%u\neuid=%u\negid=%u\n", getuid(), getgid(), geteuid(), getegid());
        gid_t groups[256];
        int n = getgroups(256, groups);
        printf("groups=");
        for (int i = 0; i < n; i++)
                printf("%s%u", i ? "," : "", groups[i]);
        printf("\n");
        return 0;
}

static int cmd_ns(char **argv)
{
        (void)argv;
        DIR *d = opendir("/proc/self/ns");
        if (d == NULL) {
                printf("ns.error=%s\n", errno_name(errno));
                return 1;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, 0) == 0)
                        printf("ns.%s=%lu\n", de->d_name, (unsigned long)st.st_ino);
        }
        closedir(d);
        return 0;
}

static int cmd_caps(char **argv)
{
        (void)argv;
        FILE *f = fopen("/proc/self/status", "re");
        if (f == NULL)
                return 1;
        char line[512];
        while (fgets(line, sizeof(line), f)) {
                char *colon = strchr(line, ':');
                if (strncmp(line, "Cap", 3) != 0 || colon == NULL)
                        continue;
                *colon = '\0';
                printf("%s=%s", line, colon + 1 + strspn(colon + 1, " \t"));
        }
        fclose(f);
        return 0;
}

static int cmd_hostname(char **argv)
{
        (void)argv;
        struct utsname u;
        if (uname(&u) < 0)
                return 1;
        printf("hostname=%s\ndomainname=%s\n", u.nodename, u.domainname);
        return 0;
}

/* One line per mount: mountinfo's fields as key=value pairs. Paths keep
 * the kernel's \040 escapes, so fields never contain spaces. */
static int cmd_mounts(char **argv)
{
        (void)argv;
        FILE *f = fopen("/proc/self/mountinfo", "re");
        if (f == NULL)
                return 1;
        char line[8192];
        while (fgets(line, sizeof(line), f)) {
                char root[4096], mp[4096], opts[1024], fstype[256], src[4096], super[4096];
                char *dash = strstr(line, " - ");
                if (dash == NULL ||
                    sscanf(line, "%*d %*d %*s %4095s %4095s %1023s", root, mp, opts) != 3 ||
                    sscanf(dash + 3, "%255s %4095s %4095s", fstype, src, super) != 3)
                        continue;
                printf("mount=%s fstype=%s source=%s opts=%s superopts=%s root=%s\n", mp, fstype,
                       src, opts, super, root);
        }
        fclose(f);
        return 0;
}

static const char *file_type(mode_t m)
{
        static const struct {
                mode_t fmt;
                const char *name;
        } types[] = {
                { S_IFREG, "reg" },  { S_IFDIR, "dir" }, { S_IFCHR, "chr" },   { S_IFBLK, "blk" },
                { S_IFIFO, "fifo" }, { S_IFLNK, "lnk" }, { S_IFSOCK, "sock" },
        };
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if ((m & S_IFMT) == types[i].fmt)
                        return types[i].name;
        return "unknown";
}

static int cmd_stat(char **argv)
{
        struct stat st;
        if (lstat(argv[0], &st) < 0) {
                printf("path=%s\nerrno=%s\n", argv[0], errno_name(errno));
                return 1;
        }
        printf("path=%s\ntype=%s\nmode=%04o\nrdev=%u:%u\nuid=%u\ngid=%u\nsize=%lld\n", argv[0],
               file_type(st.st_mode), (unsigned)(st.st_mode & 07777), major(st.st_rdev),
               minor(st.st_rdev), st.st_uid, st.st_gid, (long long)st.st_size);
        return 0;
}

static int cmd_write(char **argv)
{
        int fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, "probe\n", 6) != 6) {
                printf("write=%s\n", errno_name(errno));
                if (fd >= 0)
                        close(fd);
                return 0;
        }
        printf("write=%s\n", close(fd) == 0 ? "OK" : errno_name(errno));
        return 0;
}

static int cmd_rlimits(char **argv)
{
        static const struct {
                int res;
                const char *name;
        } limits[] = {
                { RLIMIT_AS, "AS" },
                { RLIMIT_CORE, "CORE" },
                { RLIMIT_CPU, "CPU" },
                { RLIMIT_DATA, "DATA" },
                { RLIMIT_FSIZE, "FSIZE" },
                { RLIMIT_LOCKS, "LOCKS" },
                { RLIMIT_MEMLOCK, "MEMLOCK" },
                { RLIMIT_MSGQUEUE, "MSGQUEUE" },
                { RLIMIT_NICE, "NICE" },
                { RLIMIT_NOFILE, "NOFILE" },
                { RLIMIT_NPROC, "NPROC" },
                { RLIMIT_RSS, "RSS" },
                { RLIMIT_RTPRIO, "RTPRIO" },
                { RLIMIT_RTTIME, "RTTIME" },
                { RLIMIT_SIGPENDING, "SIGPENDING" },
                { RLIMIT_STACK, "STACK" },
        };
        (void)argv;
        for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
                struct rlimit rl;
                if (getrlimit(limits[i].res, &rl) < 0)
                        continue;
                printf("%s=", limits[i].name);
                if (rl.rlim_cur == RLIM_INFINITY)
                        printf("unlimited:");
                else
                        printf("%llu:", (unsigned long long)rl.rlim_cur);
                if (rl.rlim_max == RLIM_INFINITY)
                        printf("unlimited\n");
                else
                        printf("%llu\n", (unsigned long long)rl.rlim_max);
        }
        return 0;
}

static int cmd_cgroup(char **argv)
{
        (void)argv;
        return cat_prefixed("/proc/self/cgroup", "cgroup");
}

static int cmd_sleep(char **argv)
{
        long s = parse_long(argv[0]);
        struct timespec ts = { .tv_sec = s };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        return 0;
}

static int cmd_exit(char **argv)
{
        fflush(stdout);
        _exit((int)parse_long(argv[0]));
}

/* Touch MB mebibytes, one at a time, reporting progress; the OOM killer
 * is expected to end this inside a limited cgroup. */
static int cmd_alloc(char **argv)
{
        long mb = parse_long(argv[0]);
        for (long i = 1; i <= mb; i++) {
                char *p = malloc(1 << 20);
                if (p == NULL) {
                        printf("alloc.error=%s\n", errno_name(errno));
                        return 1;
                }
                memset(p, (int)i, 1 << 20);
                printf("allocated=%ld\n", i);
                fflush(stdout);
        }
        printf("alloc=done\n");
        return 0;
}

/* Fork N children that stay alive until told to go, so a pids limit is
 * reached; report how many forks succeeded. */
static int cmd_fork(char **argv)
{
        long n = parse_long(argv[0]);
        pid_t *kids = calloc((size_t)n + 1, sizeof(pid_t));
        long ok = 0, failed = 0;
        int last_errno = 0;
        if (kids == NULL)
                return 1;
        for (long i = 0; i < n; i++) {
                pid_t pid = fork();
                if (pid == 0) {
                        pause();
                        _exit(0);
                }
                if (pid < 0) {
                        failed++;
                        last_errno = errno;
                        continue;
                }
                kids[ok++] = pid;
        }
        printf("forked=%ld\nfork_failed=%ld\n", ok, failed);
        if (failed)
                printf("fork_errno=%s\n", errno_name(last_errno));
        for (long i = 0; i < ok; i++)
                kill(kids[i], SIGKILL);
        for (long i = 0; i < ok; i++)
                waitpid(kids[i], NULL, 0);
        free(kids);
        return 0;
}

static int cmd_env(char **argv)
{
        (void)argv;
        for (char **e = environ; *e; e++)
                printf("%s\n", *e);
        return 0;
}

static int cmd_cwd(char **argv)
{
        char buf[4096];
        (void)argv;
        if (getcwd(buf, sizeof(buf)) == NULL) {
                printf("cwd.error=%s\n", errno_name(errno));
                return 1;
        }
        printf("cwd=%s\n", buf);
        return 0;
}

static int cmd_umask(char **argv)
{
        (void)argv;
        mode_t m = umask(0);
        umask(m);
        printf("umask=%04o\n", (unsigned)m);
        return 0;
}

static int cmd_clocks(char **argv)
{
        static const struct {
                clockid_t id;
                const char *name;
        } clocks[] = {
                { CLOCK_MONOTONIC, "monotonic" },
                { CLOCK_BOOTTIME, "boottime" },
                { CLOCK_REALTIME, "realtime" },
        };
        (void)argv;
        for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
                struct timespec ts;
                if (clock_gettime(clocks[i].id, &ts) == 0)
                        printf("%s=%lld.%09ld\n", clocks[i].name, (long long)ts.tv_sec, ts.tv_nsec);
        }
        return cat_prefixed("/proc/uptime", "uptime");
}

/* Wait for one signal with every signal blocked: blocked signals reach
 * even a PID 1 that has no handler, so this works as a container's init. */
static int cmd_signal_wait(char **argv)
{
        sigset_t all;
        (void)argv;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        printf("ready\n");
        fflush(stdout);
        int sig;
        if (sigwait(&all, &sig) != 0)
                return 1;
        printf("signal=%d\n", sig);
        fflush(stdout);
        _exit(0);
}

static int cmd_cat(char **argv)
{
        return cat_prefixed(argv[0], "line");
}

static int cmd_tag(char **argv)
{
        (void)argv;
        return 0;
}

static const struct command {
        const char *name;
        int nargs;
        int (*fn)(char **argv);
} commands[] = {
        { "ids", 0, cmd_ids },       { "ns", 0, cmd_ns },
        { "caps", 0, cmd_caps },     { "hostname", 0, cmd_hostname },
        { "mounts", 0, cmd_mounts }, { "stat", 1, cmd_stat },
        { "write", 1, cmd_write },   { "rlimits", 0, cmd_rlimits },
        { "cgroup", 0, cmd_cgroup }, { "sleep", 1, cmd_sleep },
        { "exit", 1, cmd_exit },     { "alloc", 1, cmd_alloc },
        { "fork", 1, cmd_fork },     { "env", 0, cmd_env },
        { "cwd", 0, cmd_cwd },       { "umask", 0, cmd_umask },
        { "clocks", 0, cmd_clocks }, { "signal-wait", 0, cmd_signal_wait },
        { "cat", 1, cmd_cat },       { "tag", 1, cmd_tag },
};

int main(int argc, char **argv)
{
        int rc = 0;
        if (argc < 2) {
                fprintf(stderr, "usage: berth-probe COMMAND [ARG] [COMMAND [ARG]]...\n");
                return 2;
        }
        for (int i = 1; i < argc;) {
                const struct command *c = NULL;
                for (size_t j = 0; j < sizeof(commands) / sizeof(commands[0]); j++)
                        if (strcmp(argv[i], commands[j].name) == 0)
                                c = &commands[j];
                if (c == NULL || i + c->nargs >= argc) {
                        fprintf(stderr, "berth-probe: bad command: %s\n", argv[i]);
                        return 2;
                }
                if (c->fn(argv + i + 1) != 0)
                        rc = 1;
                fflush(stdout);
                i += 1 + c->nargs;
        }
        return rc;
}
