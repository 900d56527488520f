/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every template does the same way: take the rootfs directory (new,
 * or existing and empty), empty it again after a failure, and check the
 * name it will write as the host name. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "template.h"
#include "util.h"

bool template_hostname_ok(const char *name)
{
        size_t n = strlen(name);
        if (n == 0 || n > 64)
                return false;
        for (const char *c = name; *c; c++)
                if (*c <= ' ' || *c == 0x7f || *c == '/')
                        return false;
        return true;
}

void template_empty_dir(int rootfd)
{
        int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd < 0 ? NULL : fdopendir(fd);
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        (void)remove_tree_at(rootfd, de->d_name);
        closedir(d);
}

int template_open_rootfs(const char *rootfs, const char *tmpl, bool *created,
                         struct berth_error *err)
{
        *created = mkdir(rootfs, 0755) == 0;
        if (!*created && errno != EEXIST)
                return berth_error_set(err, errno, "create rootfs %s", rootfs);
        int fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                int e = errno;
                if (*created)
                        (void)rmdir(rootfs);
                if (e == ENOTDIR)
                        return berth_error_setx(err, ENOTDIR,
                                                "rootfs %s exists and is not a directory", rootfs);
                return berth_error_set(err, e, "open rootfs %s", rootfs);
        }
        if (*created)
                return fd;
        int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
        if (!d) {
                int e = errno;
                if (dfd >= 0)
                        close(dfd);
                close(fd);
                return berth_error_set(err, e, "read rootfs %s", rootfs);
        }
        bool empty = true;
        struct dirent *de;
        while (empty && (de = readdir(d)))
                empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
        closedir(d);
        if (!empty) {
                close(fd);
                return berth_error_setx(err, ENOTEMPTY,
                                        "rootfs %s is not empty; the %s template needs a new or "
                                        "empty directory",
                                        rootfs, tmpl);
        }
        return fd;
}
