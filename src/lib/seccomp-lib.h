/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libseccomp's <seccomp.h>. Our own "seccomp.h" (the security layer's
 * interface) comes first on the include path and shadows it; include this
 * as <seccomp-lib.h> so that the search goes on past src/lib. */
#pragma once
#include_next <seccomp.h>
