/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one error convention: a fallible function returns 0 or a negative
 * errno and takes `struct berth_error *err` last. The setters return the
 * negative value so a call site can `return berth_error_set(...)`. */
#pragma once
#include "berth.h"

/* "<fmt>: strerror(code)"; returns -code. */
int berth_error_set(struct berth_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* "<fmt>" without strerror; returns -code. */
int berth_error_setx(struct berth_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Prepend context: "<fmt>: <old message>"; returns -err->code. */
int berth_error_prefix(struct berth_error *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void berth_error_clear(struct berth_error *err);
