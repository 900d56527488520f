/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
#include <stdio.h>

/* `berth --version`: the version, the git commit, the runtime-spec
 * version, and the optional features with whether each can work on this
 * machine right now (an LSM enabled, a load-on-use library installed).
 * The first line is "berth version X.Y.Z", as tools expect. */
void version_print(FILE *f);
