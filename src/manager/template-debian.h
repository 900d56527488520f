/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internals of the debian template, shared by template-debian.c (options,
 * cache, the per-container files) and template-debian-run.c (the host's
 * apt sources, running debootstrap and cp). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "template.h"

/* The main archive mirror in one apt source file's text: sources.list
 * lines (deb822 false) or a deb822 .sources file (deb822 true). The first
 * "deb" entry whose URI is http(s)/ftp/file, is not a security archive and
 * names a Debian suite (`release`, a code name or stable/testing/...) with
 * component main. *out: a new string, or NULL when the text has none. */
int debian_mirror_parse(const char *text, bool deb822, const char *release, char **out);

/* debian_mirror_parse over /etc/apt/sources.list, then the *.list and
 * *.sources files of /etc/apt/sources.list.d in name order (as apt reads
 * them); http://deb.debian.org/debian when none names one. */
int debian_host_mirror(const char *release, char **out, struct berth_error *err);

/* Run debootstrap (argv[0] its path) with its machine-readable progress on
 * fd 3 and stdout+stderr appended to log_fd. Progress goes to a->progress.
 * On failure the error is one line with debootstrap's own last error. */
int debian_run_debootstrap(char *const argv[], int log_fd, const struct template_args *a,
                           struct berth_error *err);

/* rm -rf of a debootstrap target (a temp cache dir), after detaching
 * whatever a killed debootstrap left mounted in it. */
void debian_remove_target(const char *path);

/* `cp -a --reflink=auto SRC/. DST/` (DST exists); cp's first error line
 * goes into err. */
int debian_copy_tree(const char *src, const char *dst, struct berth_error *err);
