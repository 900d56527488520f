/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Optional libraries, loaded on first use (see dl.h for why). */
#include "dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
        const char *soname;
        const char *package;
} libs[DL__COUNT] = {
        [DL_ARCHIVE] = { "libarchive.so.13", "libarchive13" },
        [DL_CRYPTO] = { "libcrypto.so.3", "libssl3" },
        [DL_NFTABLES] = { "libnftables.so.1", "libnftables1" },
        [DL_CRYPT] = { "libcrypt.so.1", "libcrypt1" },
        [DL_Z] = { "libz.so.1", "zlib1g" },
        [DL_MNL] = { "libmnl.so.0", "libmnl0" },
};

static void *handles[DL__COUNT];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **twin_argv; /* set in the static command: never dlopen */

static void *load(enum dl_lib lib)
{
        if (twin_argv)
                return NULL;
        pthread_mutex_lock(&lock);
        if (!handles[lib])
                handles[lib] = dlopen(libs[lib].soname, RTLD_NOW | RTLD_LOCAL);
        void *h = handles[lib];
        pthread_mutex_unlock(&lock);
        return h;
}

int dl_need(enum dl_lib lib, struct berth_error *err)
{
        if (load(lib))
                return 0;
        if (twin_argv)
                return berth_error_setx(err, ENOEXEC,
                                        "this berth is static and cannot load %s (a command "
                                        "that needs it runs in berth-full)",
                                        libs[lib].soname);
        return berth_error_setx(err, ENOENT, "%s is not installed (apt-get install %s)",
                                libs[lib].soname, libs[lib].package);
}

void *dl_sym(enum dl_lib lib, const char *name)
{
        void *h = load(lib);
        void *p = h ? dlsym(h, name) : NULL;
        if (!p) {
                fprintf(stderr, "berth: %s: %s: %s\n", libs[lib].soname, name,
                        h ? "no such symbol" : "cannot be loaded");
                abort();
        }
        return p;
}

void dl_set_twin(char **argv)
{
        twin_argv = argv;
}

bool dl_static(void)
{
        return twin_argv != NULL;
}

/* berth-full beside the running binary: LIBEXECDIR/berth/ relative to
 * BINDIR when installed, the same directory in a build tree. */
static int twin_path(char *out, size_t len)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0)
                return -errno;
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (!slash)
                return -ENOENT;
        *slash = '\0';
        static const char *const where[] = { "/../libexec/berth/berth-full", "/berth-full" };
        for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
                int k = snprintf(out, len, "%s%s", self, where[i]);
                if (k > 0 && (size_t)k < len && access(out, X_OK) == 0)
                        return 0;
        }
        return -ENOENT;
}

int dl_require(unsigned need, struct berth_error *err)
{
        if (need == 0)
                return 0;
        if (twin_argv) {
                char path[PATH_MAX];
                int r = twin_path(path, sizeof(path));
                if (r < 0)
                        return berth_error_setx(err, -r,
                                                "this command needs optional libraries, which the "
                                                "static berth hands to berth-full, and berth-full "
                                                "is not installed beside it (BINDIR/../libexec/"
                                                "berth/)");
                execv(path, twin_argv);
                return berth_error_set(err, errno, "run %s", path);
        }
        return 0; /* loaded where they are used (dl_need), if they are */
}
