/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The busybox template: one static busybox binary, a symlink per applet
 * and the few files busybox init needs to boot a system container. All
 * writes go through the rootfs directory fd with *at calls and O_EXCL, so
 * nothing outside the new tree is touched. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "template.h"
#include "util.h"

#define HOST_BUSYBOX "/bin/busybox"
#define BUSYBOX_HINT "install it with `apt-get install busybox-static`"
/* The applet list of a full busybox is about 5 KiB; anything far bigger
 * is not busybox talking. */
#define APPLET_LIST_MAX (1 << 20)

extern char **environ;

struct tdir {
        const char *path;
        mode_t mode;
};

/* Parents before children: created one level at a time with mkdirat. */
static const struct tdir busybox_dirs[] = {
        { "bin", 0755 },  { "sbin", 0755 },     { "usr", 0755 },       { "usr/bin", 0755 },
        { "usr/sbin", 0755 }, { "etc", 0755 },  { "etc/init.d", 0755 }, { "dev", 0755 },
        { "proc", 0555 }, { "sys", 0555 },      { "tmp", 01777 },      { "run", 0755 },
        { "var", 0755 },  { "var/log", 0755 },  { "root", 0700 },      { "home", 0755 },
};

struct tfile {
        const char *path;
        mode_t mode;
        const char *content;
};

/* busybox init: an empty id means /dev/console. getty takes BAUD then
 * TTY, as its usage text documents. */
static const char inittab[] =
        "# busybox init(8) table, written by berth's busybox template.\n"
        "::sysinit:/etc/init.d/rcS\n"
        "::respawn:/sbin/getty -L 115200 console vt100\n"
        "::ctrlaltdel:/sbin/reboot\n"
        "::shutdown:/bin/umount -a -r\n";

/* The runtime normally mounts /proc and /sys already; mounting again
 * would stack a second instance, so only mount what is missing. Debian's
 * busybox has no mountpoint applet: test for what a mount provides. */
static const char rcs[] =
        "#!/bin/sh\n"
        "[ -e /proc/self ] || mount -t proc proc /proc\n"
        "[ -d /sys/kernel ] || mount -t sysfs sysfs /sys 2>/dev/null\n"
        "# the runtime sets lxc.uts.name; /etc/hostname is for when it did not\n"
        "case \"$(hostname)\" in ''|'(none)'|localhost)\n"
        "        [ -s /etc/hostname ] && hostname -F /etc/hostname ;;\n"
        "esac\n"
        "ip link set lo up 2>/dev/null || ifconfig lo up 2>/dev/null\n"
        "exit 0\n";

static const char passwd[] =
        "root:x:0:0:root:/root:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";

static const char group[] =
        "root:x:0:\n"
        "tty:x:5:\n"
        "nobody:x:65534:\n";

/* '*' locks the password: nobody logs in through getty until an admin
 * sets one (or enters with `exec`). */
static const char shadow[] =
        "root:*::0:99999:7:::\n"
        "nobody:*::0:99999:7:::\n";

static const char profile[] =
        "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
        "export PS1='\\u@\\h:\\w\\$ '\n";

static const struct tfile busybox_files[] = {
        { "etc/inittab", 0644, inittab }, { "etc/init.d/rcS", 0755, rcs },
        { "etc/passwd", 0644, passwd },   { "etc/group", 0644, group },
        { "etc/shadow", 0600, shadow },   { "etc/profile", 0644, profile },
};

/* Create dirfd/path holding content with exactly mode (umask ignored). */
static int write_new_file(int dirfd, const char *path, const char *content, mode_t mode,
                          struct berth_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, path,
                                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return berth_error_set(err, errno, "create %s", path);
        int r = write_all(fd, content, strlen(content));
        if (r < 0)
                return berth_error_set(err, -r, "write %s", path);
        if (fchmod(fd, mode) < 0)
                return berth_error_set(err, errno, "chmod %s", path);
        return 0;
}

static int make_dirs(int rootfd, struct berth_error *err)
{
        for (size_t i = 0; i < ARRAY_SIZE(busybox_dirs); i++) {
                const struct tdir *d = &busybox_dirs[i];
                if (mkdirat(rootfd, d->path, d->mode) < 0)
                        return berth_error_set(err, errno, "mkdir %s", d->path);
                /* mkdir's mode passes through the umask; 1777 must not */
                if (fchmodat(rootfd, d->path, d->mode, 0) < 0)
                        return berth_error_set(err, errno, "chmod %s", d->path);
        }
        return 0;
}

/* Copy with copy_file_range (reflink or in-kernel copy), falling back to
 * read/write where the file systems do not support it. */
static int copy_fd(int in, int out)
{
        bool fallback = false;
        char buf[65536];
        for (;;) {
                ssize_t n;
                if (!fallback) {
                        n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
                        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                                      errno == EOPNOTSUPP)) {
                                fallback = true;
                                continue;
                        }
                } else {
                        n = read(in, buf, sizeof(buf));
                        if (n > 0) {
                                int r = write_all(out, buf, (size_t)n);
                                if (r < 0)
                                        return r;
                        }
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
        }
}

/* A dynamically linked busybox (Debian's `busybox` package) would need
 * the host's libc inside the container: refuse it by its PT_INTERP. Only
 * native 64-bit ELF is inspected; anything else is left to exec to judge. */
static bool is_dynamic_elf(int fd)
{
        Elf64_Ehdr eh;
        if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
            memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
            eh.e_phentsize != sizeof(Elf64_Phdr))
                return false;
        for (unsigned i = 0; i < eh.e_phnum; i++) {
                Elf64_Phdr ph;
                off_t off = (off_t)eh.e_phoff + (off_t)i * (off_t)sizeof(ph);
                if (pread(fd, &ph, sizeof(ph), off) != (ssize_t)sizeof(ph))
                        return false;
                if (ph.p_type == PT_INTERP)
                        return true;
        }
        return false;
}

static int copy_busybox(int rootfd, struct berth_error *err)
{
        _cleanup_close_ int in = open(HOST_BUSYBOX, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return berth_error_set(err, errno, "open %s", HOST_BUSYBOX);
        if (is_dynamic_elf(in))
                return berth_error_setx(err, ENOEXEC,
                                        "%s is dynamically linked and cannot run in the container; %s",
                                        HOST_BUSYBOX, BUSYBOX_HINT);
        _cleanup_close_ int out = openat(rootfd, "bin/busybox",
                                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
        if (out < 0)
                return berth_error_set(err, errno, "create bin/busybox");
        int r = copy_fd(in, out);
        if (r < 0)
                return berth_error_set(err, -r, "copy %s to bin/busybox", HOST_BUSYBOX);
        if (fchmod(out, 0755) < 0)
                return berth_error_set(err, errno, "chmod bin/busybox");
        return 0;
}

/* Run `/bin/busybox --list-full` and return its output. */
static int list_applets(char **out, struct berth_error *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return berth_error_set(err, errno, "pipe");
        _cleanup_close_ int rd = p[0];
        _cleanup_close_ int wr = p[1];

        posix_spawn_file_actions_t fa;
        int r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return berth_error_set(err, r, "spawn %s", HOST_BUSYBOX);
        /* dup2 clears O_CLOEXEC on the child's stdout only */
        r = posix_spawn_file_actions_adddup2(&fa, wr, STDOUT_FILENO);
        if (r == 0)
                r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        char *argv[] = { (char *)HOST_BUSYBOX, (char *)"--list-full", NULL };
        _cleanup_pid_ pid_t pid = 0;
        if (r == 0)
                r = posix_spawn(&pid, HOST_BUSYBOX, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0) {
                pid = 0;
                return berth_error_set(err, r, "run %s --list-full", HOST_BUSYBOX);
        }
        close(TAKE_FD(wr));

        size_t len = 0, cap = 8192;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return berth_error_set(err, ENOMEM, "read applet list");
        for (;;) {
                if (len + 1 >= cap) {
                        if (cap >= APPLET_LIST_MAX)
                                return berth_error_setx(err, EFBIG,
                                                        "%s --list-full: output too large",
                                                        HOST_BUSYBOX);
                        char *n = realloc(buf, cap * 2);
                        if (!n)
                                return berth_error_set(err, ENOMEM, "read applet list");
                        buf = n;
                        cap *= 2;
                }
                ssize_t n = read(rd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_error_set(err, errno, "read %s --list-full", HOST_BUSYBOX);
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';

        int status;
        while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR)
                        return berth_error_set(err, errno, "wait for %s", HOST_BUSYBOX);
        }
        pid = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return berth_error_setx(err, EIO,
                                        "%s --list-full failed (status %d): is it a full busybox? %s",
                                        HOST_BUSYBOX, status, BUSYBOX_HINT);
        *out = TAKE_PTR(buf);
        return 0;
}

/* An applet path must stay inside the rootfs: relative, no "..". */
static bool applet_path_ok(const char *p)
{
        if (*p == '/' || strlen(p) >= 256)
                return false;
        for (const char *c = p;;) {
                size_t n = strcspn(c, "/");
                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                if (!c[n])
                        return true;
                c += n + 1;
        }
}

static int link_applets(int rootfd, char *list, struct berth_error *err)
{
        size_t count = 0;
        for (char *save = NULL, *line = strtok_r(list, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                if (!applet_path_ok(line))
                        return berth_error_setx(err, EINVAL,
                                                "%s --list-full printed an unsafe path '%s'",
                                                HOST_BUSYBOX, line);
                if (!strcmp(line, "bin/busybox"))
                        continue;
                /* every listed directory is one make_dirs created; an
                 * unknown one (e.g. a newer busybox) is made here */
                char *slash = strrchr(line, '/');
                if (slash) {
                        *slash = '\0';
                        int r = mkdirat(rootfd, line, 0755);
                        *slash = '/';
                        if (r < 0 && errno != EEXIST)
                                return berth_error_set(err, errno, "mkdir for applet %s", line);
                }
                if (symlinkat("/bin/busybox", rootfd, line) < 0 && errno != EEXIST)
                        return berth_error_set(err, errno, "symlink %s", line);
                count++;
        }
        if (count == 0)
                return berth_error_setx(err, EIO, "%s --list-full listed no applets; %s",
                                        HOST_BUSYBOX, BUSYBOX_HINT);
        /* init may be left out of a busybox build's list; boot needs it */
        if (symlinkat("/bin/busybox", rootfd, "sbin/init") < 0 && errno != EEXIST)
                return berth_error_set(err, errno, "symlink sbin/init");
        return 0;
}

static int fill_rootfs(int rootfd, const char *name, struct berth_error *err)
{
        int r = make_dirs(rootfd, err);
        if (r < 0)
                return r;
        r = copy_busybox(rootfd, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *list = NULL;
        r = list_applets(&list, err);
        if (r < 0)
                return r;
        r = link_applets(rootfd, list, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(busybox_files); i++) {
                const struct tfile *f = &busybox_files[i];
                r = write_new_file(rootfd, f->path, f->content, f->mode, err);
                if (r < 0)
                        return r;
        }
        _cleanup_free_ char *host = NULL;
        if (asprintf(&host, "%s\n", name) < 0)
                return berth_error_set(err, ENOMEM, "etc/hostname");
        return write_new_file(rootfd, "etc/hostname", host, 0644, err);
}

int template_busybox(const char *rootfs, const char *name, struct berth_error *err)
{
        if (!template_hostname_ok(name))
                return berth_error_setx(err, EINVAL,
                                        "busybox template: '%s' cannot be a host name (1-64 printable characters, no spaces or '/')",
                                        name);
        /* Check the host side first, so a missing package touches nothing */
        struct stat st;
        if (stat(HOST_BUSYBOX, &st) < 0) {
                if (errno == ENOENT)
                        return berth_error_setx(err, ENOENT,
                                                "busybox template: %s not found; %s",
                                                HOST_BUSYBOX, BUSYBOX_HINT);
                return berth_error_set(err, errno, "busybox template: %s", HOST_BUSYBOX);
        }
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                return berth_error_setx(err, ENOEXEC,
                                        "busybox template: %s is not an executable file; %s",
                                        HOST_BUSYBOX, BUSYBOX_HINT);

        bool created;
        int rootfd = template_open_rootfs(rootfs, "busybox", &created, err);
        if (rootfd < 0)
                return berth_error_prefix(err, "busybox template");
        int r = fill_rootfs(rootfd, name, err);
        if (r < 0) {
                if (created)
                        (void)remove_tree_at(AT_FDCWD, rootfs);
                else
                        template_empty_dir(rootfd);
                close(rootfd);
                return berth_error_prefix(err, "busybox template: %s", rootfs);
        }
        close(rootfd);
        return 0;
}
