/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Libraries only some commands need (libarchive and libcrypto for the oci
 * template, libnftables for NAT, libcrypt for passwords, zlib for
 * check-config, libmnl for netlink) are loaded when first used, never
 * linked: linked, the
 * dynamic loader mapped and relocated all of them (ICU and libstdc++
 * among their dependencies) on every `berth oci run`, some 12 ms of a
 * 19 ms start. Their functions are shims (dl-shims.c) with
 * the libraries' own names, so the code that calls them is unchanged. */
#pragma once
#include <stdbool.h>

#include "error.h"

enum dl_lib {
        DL_ARCHIVE,
        DL_CRYPTO,
        DL_NFTABLES,
        DL_CRYPT,
        DL_Z,
        DL_MNL,
        DL__COUNT,
};

/* Load lib (once); "<soname> is not installed (apt-get install PKG)" when
 * it cannot be. Call before the first shim of that library. */
int dl_need(enum dl_lib lib, struct berth_error *err);
/* The address of name in lib, loading lib if needed. A library or symbol
 * that is missing here is a broken installation: abort with a message
 * (callers have checked dl_need). */
void *dl_sym(enum dl_lib lib, const char *name);

#define DL_BIT(lib) (1u << (lib))
/* The command `berth` is linked statically (glibc included), which takes
 * about a tenth off every container start and half a MiB off its memory,
 * and a static program cannot load shared libraries. It has a dynamic
 * twin, berth-full (LIBEXECDIR/berth/, or beside it in a build tree),
 * built from the same sources: a command that will need one of these
 * libraries is handed to the twin, whole, by exec.
 *
 * dl_set_twin: called first thing by the static command, with its argv.
 * dl_require: a command that may need the libraries in `libs` (DL_BIT
 * mask), called where it knows that and has changed nothing yet. In the
 * static command it execs the twin with the same argv (and returns only
 * on error); elsewhere it does nothing (dl_need loads each library where
 * it is used). */
void dl_set_twin(char **argv);
/* True in the static command (dl_set_twin was called). */
bool dl_static(void);
int dl_require(unsigned libs, struct berth_error *err);
