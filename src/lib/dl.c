/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Optional libraries, loaded on first use (see dl.h for why). */
#include "dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

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

static void *load(enum dl_lib lib)
{
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
