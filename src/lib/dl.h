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
