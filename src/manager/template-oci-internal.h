/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What template-oci.c (layout, manifests, image config) and
 * template-oci-layer.c (blobs, digests, tar layers, whiteouts) share. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <sys/types.h>

#include "berth.h"

/* A content descriptor as the OCI image spec has it; the strings point
 * into the JSON document it was read from. */
struct oci_desc {
        const char *media_type;
        const char *digest; /* "sha256:<64 hex>" or "sha512:<128 hex>", checked */
        int64_t size;
};

/* Check a descriptor's digest string: a known algorithm and lowercase hex
 * of the right length (so it is also a safe file name under blobs/). */
int oci_digest_check(const char *digest, struct berth_error *err);
/* The algorithm of "ALG:HEX" and its hex length; NULL for an unknown one. */
const EVP_MD *oci_digest_md(const char *digest, size_t *hexlen);

/* Read a whole small blob (manifest, index, config: at most 16 MiB) from
 * the layout directory and verify its size and digest. *out is
 * NUL-terminated. */
int oci_blob_read(int layoutfd, const struct oci_desc *d, char **out, size_t *len,
                  struct berth_error *err);

/* Apply one layer blob onto rootfd: entries written through the root (no
 * path leaves it), whiteouts and opaque directories applied against the
 * lower layers; the blob's size and digest are verified while it streams,
 * so a mismatch fails after the fact (the caller removes the rootfs). */
int oci_layer_apply(int layoutfd, const struct oci_desc *d, int rootfd, struct berth_error *err);

/* Unpack the tar of an image layout (regular files and directories only,
 * owned by the caller) into the empty directory destfd. */
int oci_layout_untar(const char *tar, int destfd, struct berth_error *err);

/* Open `path` beneath rootfd as if rootfd were "/" (openat2
 * RESOLVE_IN_ROOT): symlinks and ".." cannot leave it. */
int oci_open_in_root(int rootfd, const char *path, int flags, mode_t mode);
