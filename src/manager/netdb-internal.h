/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by netdb.c and netdb-lease.c. */
#pragma once
#include <stdbool.h>

#include "netdb.h"

/* LXCPATH/.net (made when create); -ENOENT without err when it is not
 * there and !create. */
int netdb_dir_open(const char *lxcpath, bool create, struct berth_error *err);
/* The record alone, no kernel query: -ENOENT (err untouched) when there
 * is none. */
int netdb_record_load(const char *lxcpath, const char *name, struct netdb_bridge *out,
                      struct berth_error *err);
