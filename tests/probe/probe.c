/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-probe: a tiny static program that runs inside test containers and
 * reports what it sees as `key=value` lines, one fact per line, so the
 * tests read facts instead of parsing shell output. Commands run in order:
 *   berth-probe ids ns hostname   (ns prints ns.<type>=<inode>)
 * Commands that try something print `<command>=OK` or the errno's name
 * (`open=EACCES`), so a test reads what the kernel said.
 * Unknown commands and bad arguments exit 2. `tag X` does nothing: the
 * tests put a marker in the command line so strays can be found. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

static int print_stat(const char *path, int r, const struct stat *st)
{
        if (r < 0) {
                printf("path=%s\nerrno=%s\n", path, errno_name(errno));
                return 1;
        }
        printf("path=%s\ntype=%s\nmode=%04o\nrdev=%u:%u\nuid=%u\ngid=%u\nsize=%lld\n"
               "dev=%u:%u\nino=%llu\n",
               path, file_type(st->st_mode), (unsigned)(st->st_mode & 07777), major(st->st_rdev),
               minor(st->st_rdev), st->st_uid, st->st_gid, (long long)st->st_size,
               major(st->st_dev), minor(st->st_dev), (unsigned long long)st->st_ino);
        return 0;
}

static int cmd_stat(char **argv)
{
        struct stat st;
        return print_stat(argv[0], lstat(argv[0], &st), &st);
}

/* stat(2): a final symlink (or /proc magic link) is followed. */
static int cmd_stat_follow(char **argv)
{
        struct stat st;
        return print_stat(argv[0], stat(argv[0], &st), &st);
}

static void report(const char *what, int r)
{
        printf("%s=%s\n", what, r < 0 ? errno_name(errno) : "OK");
}

/* open PATH r|w|rw: never creates. */
static int cmd_open(char **argv)
{
        static const struct {
                const char *mode;
                int flags;
        } modes[] = { { "r", O_RDONLY }, { "w", O_WRONLY }, { "rw", O_RDWR } };
        for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
                if (strcmp(argv[1], modes[i].mode) != 0)
                        continue;
                int fd = open(argv[0], modes[i].flags | O_CLOEXEC | O_NOCTTY);
                report("open", fd);
                if (fd >= 0)
                        close(fd);
                return 0;
        }
        fprintf(stderr, "berth-probe: open mode must be r, w or rw: %s\n", argv[1]);
        exit(2);
}

/* mknod PATH MAJ:MIN: a char device, mode 0600. */
static int cmd_mknod(char **argv)
{
        unsigned int maj, min;
        if (sscanf(argv[1], "%u:%u", &maj, &min) != 2) {
                fprintf(stderr, "berth-probe: mknod wants MAJ:MIN: %s\n", argv[1]);
                exit(2);
        }
        report("mknod", mknod(argv[0], S_IFCHR | 0600, makedev(maj, min)));
        return 0;
}

/* mount TYPE DIR DATA ("-": no data); the source is the type. */
static int cmd_mount(char **argv)
{
        const char *data = strcmp(argv[2], "-") == 0 ? NULL : argv[2];
        report("mount", mount(argv[0], argv[1], argv[0], 0, data));
        return 0;
}

static int cmd_readlink(char **argv)
{
        char buf[4096];
        ssize_t n = readlink(argv[0], buf, sizeof(buf) - 1);
        if (n < 0) {
                printf("link.error=%s\n", errno_name(errno));
                return 1;
        }
        buf[n] = '\0';
        printf("link=%s\n", buf);
        return 0;
}

/* Every open fd and what it is: `fd=N:TARGET`. */
static int cmd_fds(char **argv)
{
        (void)argv;
        DIR *d = opendir("/proc/self/fd");
        if (d == NULL) {
                printf("fds.error=%s\n", errno_name(errno));
                return 1;
        }
        int own = dirfd(d);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || atoi(de->d_name) == own)
                        continue;
                char buf[4096];
                ssize_t n = readlinkat(own, de->d_name, buf, sizeof(buf) - 1);
                buf[n < 0 ? 0 : n] = '\0';
                printf("fd=%s:%s\n", de->d_name, buf);
        }
        closedir(d);
        return 0;
}

/* Drop every capability (effective, permitted, inheritable; ambient goes
 * with them) but stay the same uid: a root without privileges, as a
 * process a container's user runs would be. */
static int cmd_drop_caps(char **argv)
{
        (void)argv;
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[2];
        memset(data, 0, sizeof(data));
        report("drop-caps", (int)syscall(SYS_capset, &h, data));
        return 0;
}

/* The scheduler (sched_getattr), I/O priority and personality. */
static int cmd_sched(char **argv)
{
        struct {
                uint32_t size, policy;
                uint64_t flags;
                int32_t nice;
                uint32_t priority;
                uint64_t runtime, deadline, period;
        } a;
        (void)argv;
        memset(&a, 0, sizeof(a));
        if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) < 0) {
                printf("sched.error=%s\n", errno_name(errno));
                return 1;
        }
        printf("policy=%u\nnice=%d\npriority=%u\nsched_flags=%llu\nruntime=%llu\n"
               "deadline=%llu\nperiod=%llu\n",
               a.policy, a.nice, a.priority, (unsigned long long)a.flags,
               (unsigned long long)a.runtime, (unsigned long long)a.deadline,
               (unsigned long long)a.period);
        long io = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
        if (io < 0)
                printf("ioprio.error=%s\n", errno_name(errno));
        else
                printf("ioprio.class=%ld\nioprio.level=%ld\n", io >> 13, io & 0xff);
        printf("personality=0x%x\n", (unsigned)personality(0xffffffff));
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

/* syscall NAME: one raw syscall(2), for the seccomp tests (no libc
 * wrapper that could cache, emulate or refuse it first). Prints
 * `syscall.NAME=OK` and `syscall.NAME.ret=N`, or `syscall.NAME=<errno>`.
 * The arguments are harmless: queries, or calls the kernel rejects. */
static int cmd_syscall(char **argv)
{
        static const struct {
                const char *name;
                long nr;
                unsigned long a0, a1;
        } calls[] = {
                { "getpid", SYS_getpid, 0, 0 },
                { "getppid", SYS_getppid, 0, 0 },
                /* KEYCTL_GET_KEYRING_ID of KEY_SPEC_SESSION_KEYRING, no create */
                { "keyctl", SYS_keyctl, 0, (unsigned long)-3 },
                { "unshare-user", SYS_unshare, CLONE_NEWUSER, 0 },
                { "unshare-none", SYS_unshare, 0, 0 },
                /* no segments: the kernel says EPERM (no CAP_SYS_BOOT) or EINVAL */
                { "kexec_load", SYS_kexec_load, 0, 0 },
                { "personality-query", SYS_personality, 0xffffffffUL, 0 },
                { "personality-linux", SYS_personality, 0, 0 },
                /* NULL params: EFAULT from the kernel */
                { "io_uring_setup", SYS_io_uring_setup, 1, 0 },
                /* size 0: EINVAL from the kernel */
                { "clone3", SYS_clone3, 0, 0 },
        };
        for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
                if (strcmp(argv[0], calls[i].name) != 0)
                        continue;
                long r = syscall(calls[i].nr, calls[i].a0, calls[i].a1, 0UL, 0UL);
                if (r < 0) {
                        printf("syscall.%s=%s\n", calls[i].name, errno_name(errno));
                } else {
                        printf("syscall.%s=OK\nsyscall.%s.ret=%ld\n", calls[i].name, calls[i].name,
                               r);
                }
                return 0;
        }
        fprintf(stderr, "berth-probe: unknown syscall: %s\n", argv[0]);
        exit(2);
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
        { "stat-follow", 1, cmd_stat_follow },
        { "open", 2, cmd_open },
        { "mknod", 2, cmd_mknod },
        { "mount", 3, cmd_mount },
        { "readlink", 1, cmd_readlink },
        { "fds", 0, cmd_fds },
        { "drop-caps", 0, cmd_drop_caps },
        { "sched", 0, cmd_sched },
        { "syscall", 1, cmd_syscall },
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
