/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Append ": src" to the message, truncating quietly: a long message is
 * better cut than lost. */
static void append(char *msg, size_t cap, size_t used, const char *src)
{
        if (used + 2 >= cap)
                return;
        memcpy(msg + used, ": ", 2);
        used += 2;
        size_t n = strnlen(src, cap - used - 1);
        memcpy(msg + used, src, n);
        msg[used + n] = '\0';
}

static int vset(struct berth_error *err, int code, bool with_errno, const char *fmt,
                va_list ap)
{
        if (code < 0)
                code = -code;
        if (code == 0)
                code = EIO;
        if (err == NULL)
                return -code;
        err->code = code;
        int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        if (with_errno && n >= 0 && (size_t)n < sizeof(err->msg))
                append(err->msg, sizeof(err->msg), (size_t)n, strerror(code));
        return -code;
}

int berth_error_set(struct berth_error *err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vset(err, code, true, fmt, ap);
        va_end(ap);
        return r;
}

int berth_error_setx(struct berth_error *err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vset(err, code, false, fmt, ap);
        va_end(ap);
        return r;
}

int berth_error_prefix(struct berth_error *err, const char *fmt, ...)
{
        if (err == NULL)
                return -EIO;
        char old[sizeof(err->msg)];
        memcpy(old, err->msg, sizeof(old));
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof(err->msg))
                append(err->msg, sizeof(err->msg), (size_t)n, old);
        if (err->code == 0)
                err->code = EIO;
        return -err->code;
}

void berth_error_clear(struct berth_error *err)
{
        if (err) {
                err->code = 0;
                err->msg[0] = '\0';
        }
}
