/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json_locate(): line and column of a value in a JSON text. jansson keeps
 * no positions in its values, so on the error path we scan the text again
 * with this small scanner; a successful load never runs it. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "spec.h"

struct scanner {
        const char *p, *end;
        int line, col;
};

/* One step of a path: an object key or an array index. */
struct segment {
        bool is_index;
        size_t index;
        char key[1024];
        size_t klen;
};

static int peek(const struct scanner *s)
{
        return s->p < s->end ? (unsigned char)*s->p : -1;
}

/* Columns count characters, not bytes (as jansson's do): UTF-8
 * continuation bytes do not move the column. */
static void advance(struct scanner *s)
{
        unsigned char c = (unsigned char)*s->p++;
        if (c == '\n') {
                s->line++;
                s->col = 1;
        } else if ((c & 0xC0) != 0x80) {
                s->col++;
        }
}

static void skip_ws(struct scanner *s)
{
        for (int c = peek(s); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek(s))
                advance(s);
}

static int hex4(const struct scanner *s, const char *at, unsigned *out)
{
        if (s->end - at < 4)
                return -1;
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
                char c = at[i];
                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (unsigned)(c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (unsigned)(c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (unsigned)(c - 'A' + 10);
                else
                        return -1;
        }
        *out = v;
        return 0;
}

static void put_byte(char *buf, size_t cap, size_t *n, bool *overflow, unsigned char c)
{
        if (*n + 1 >= cap) {
                *overflow = true;
                return;
        }
        buf[(*n)++] = (char)c;
}

static void put_utf8(char *buf, size_t cap, size_t *n, bool *overflow, unsigned cp)
{
        if (cp < 0x80) {
                put_byte(buf, cap, n, overflow, (unsigned char)cp);
        } else if (cp < 0x800) {
                put_byte(buf, cap, n, overflow, (unsigned char)(0xC0 | (cp >> 6)));
                put_byte(buf, cap, n, overflow, (unsigned char)(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
                put_byte(buf, cap, n, overflow, (unsigned char)(0xE0 | (cp >> 12)));
                put_byte(buf, cap, n, overflow, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
                put_byte(buf, cap, n, overflow, (unsigned char)(0x80 | (cp & 0x3F)));
        } else {
                put_byte(buf, cap, n, overflow, (unsigned char)(0xF0 | (cp >> 18)));
                put_byte(buf, cap, n, overflow, (unsigned char)(0x80 | ((cp >> 12) & 0x3F)));
                put_byte(buf, cap, n, overflow, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
                put_byte(buf, cap, n, overflow, (unsigned char)(0x80 | (cp & 0x3F)));
        }
}

/* At '"': consume the string. With buf, decode it there (NUL-terminated;
 * *overflow when it did not fit, so it cannot match any path key). */
static int scan_string(struct scanner *s, char *buf, size_t cap, size_t *n, bool *overflow)
{
        size_t dummy_n = 0;
        bool dummy_o = false;
        if (!buf) {
                n = &dummy_n;
                overflow = &dummy_o;
        }
        *n = 0;
        *overflow = false;
        advance(s); /* the opening quote */
        for (;;) {
                int c = peek(s);
                if (c < 0)
                        return -1;
                if (c == '"') {
                        advance(s);
                        break;
                }
                if (c != '\\') {
                        if (buf)
                                put_byte(buf, cap, n, overflow, (unsigned char)c);
                        advance(s);
                        continue;
                }
                advance(s);
                c = peek(s);
                if (c < 0)
                        return -1;
                if (c != 'u') {
                        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
                        const char *e = strchr(from, c);
                        if (!e)
                                return -1;
                        if (buf)
                                put_byte(buf, cap, n, overflow, (unsigned char)to[e - from]);
                        advance(s);
                        continue;
                }
                unsigned cp, lo;
                if (hex4(s, s->p + 1, &cp) < 0)
                        return -1;
                for (int i = 0; i < 5; i++)
                        advance(s);
                /* A surrogate pair spells one code point in two escapes. */
                if (cp >= 0xD800 && cp < 0xDC00 && s->end - s->p >= 6 && s->p[0] == '\\' &&
                    s->p[1] == 'u' && hex4(s, s->p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        for (int i = 0; i < 6; i++)
                                advance(s);
                }
                if (buf)
                        put_utf8(buf, cap, n, overflow, cp);
        }
        if (buf)
                buf[*n] = '\0';
        return 0;
}

/* Skip one value of any kind. Iterative, so deep nesting cannot overflow
 * the stack; brackets are counted, not matched (the text was parsed by
 * jansson already, this only needs to find the value's end). */
static int skip_value(struct scanner *s)
{
        int depth = 0;
        do {
                skip_ws(s);
                int c = peek(s);
                if (c < 0)
                        return -1;
                if (c == '"') {
                        if (scan_string(s, NULL, 0, NULL, NULL) < 0)
                                return -1;
                } else if (c == '{' || c == '[') {
                        depth++;
                        advance(s);
                } else if (c == '}' || c == ']') {
                        if (--depth < 0)
                                return -1;
                        advance(s);
                } else if (c == ',' || c == ':') {
                        if (depth == 0)
                                return -1;
                        advance(s);
                } else {
                        /* a number or a literal */
                        size_t n = 0;
                        for (c = peek(s); c >= 0 && strchr("+-.0123456789eEaflnrstu", c) && c != 0;
                             c = peek(s), n++)
                                advance(s);
                        if (n == 0)
                                return -1;
                }
        } while (depth > 0);
        return 0;
}

/* Parse the next step of path at *pp: `key`, `.key`, `[3]` or `["k.ey"]`.
 * Returns 1 with seg filled, 0 at the end, -EINVAL when malformed. */
static int next_segment(const char **pp, struct segment *seg)
{
        const char *p = *pp;
        if (*p == '\0')
                return 0;
        seg->is_index = false;
        seg->klen = 0;
        if (*p == '[' && p[1] == '"') {
                p += 2;
                while (*p && *p != '"') {
                        if (*p == '\\' && p[1])
                                p++;
                        if (seg->klen + 1 >= sizeof(seg->key))
                                return -EINVAL;
                        seg->key[seg->klen++] = *p++;
                }
                if (p[0] != '"' || p[1] != ']')
                        return -EINVAL;
                p += 2;
        } else if (*p == '[') {
                p++;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                seg->is_index = true;
                seg->index = 0;
                while (*p >= '0' && *p <= '9')
                        seg->index = seg->index * 10 + (size_t)(*p++ - '0');
                if (*p++ != ']')
                        return -EINVAL;
        } else {
                if (*p == '.')
                        p++;
                while (*p && *p != '.' && *p != '[') {
                        if (seg->klen + 1 >= sizeof(seg->key))
                                return -EINVAL;
                        seg->key[seg->klen++] = *p++;
                }
                if (seg->klen == 0)
                        return -EINVAL;
        }
        seg->key[seg->klen] = '\0';
        *pp = p;
        return 1;
}

/* After a member or element: `,` (more follow, returns 1) or the closer
 * (returns 0); anything else is not JSON (-1). */
static int after_item(struct scanner *s, int closer)
{
        skip_ws(s);
        int c = peek(s);
        if (c == ',') {
                advance(s);
                return 1;
        }
        return c == closer ? 0 : -1;
}

/* Within the object at s (just past '{'): move to the value of key.
 * 1: found, 0: not there, -1: not JSON. */
static int find_member(struct scanner *s, const struct segment *seg)
{
        char key[sizeof(seg->key)];
        skip_ws(s);
        if (peek(s) == '}')
                return 0;
        for (;;) {
                size_t n;
                bool overflow;
                skip_ws(s);
                if (peek(s) != '"' || scan_string(s, key, sizeof(key), &n, &overflow) < 0)
                        return -1;
                skip_ws(s);
                if (peek(s) != ':')
                        return -1;
                advance(s);
                if (!overflow && n == seg->klen && memcmp(key, seg->key, n) == 0)
                        return 1;
                if (skip_value(s) < 0)
                        return -1;
                int r = after_item(s, '}');
                if (r <= 0)
                        return r;
        }
}

/* Within the array at s (just past '['): move to element seg->index. */
static int find_element(struct scanner *s, const struct segment *seg)
{
        skip_ws(s);
        if (peek(s) == ']')
                return 0;
        for (size_t i = 0;; i++) {
                if (i == seg->index)
                        return 1;
                if (skip_value(s) < 0)
                        return -1;
                int r = after_item(s, ']');
                if (r <= 0)
                        return r;
        }
}

int json_locate(const char *text, size_t len, const char *path, int *line, int *col)
{
        struct scanner s = { .p = text, .end = text + len, .line = 1, .col = 1 };
        const char *pp = path ? path : "";
        struct segment seg;

        /* Check the whole path first: a bad path is the caller's bug and
         * must not pass for a missing value. */
        for (const char *q = pp;;) {
                int r = next_segment(&q, &seg);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
        }
        for (;;) {
                skip_ws(&s);
                if (peek(&s) < 0)
                        return -ENOENT;
                int vline = s.line, vcol = s.col;
                int r = next_segment(&pp, &seg);
                if (r < 0)
                        return r;
                if (r == 0) {
                        *line = vline;
                        *col = vcol;
                        return 0;
                }
                int open = seg.is_index ? '[' : '{';
                if (peek(&s) == open) {
                        advance(&s);
                        r = seg.is_index ? find_element(&s, &seg) : find_member(&s, &seg);
                        if (r < 0)
                                return -ENOENT;
                        if (r > 0)
                                continue;
                }
                /* The step is not there (or this value cannot hold it):
                 * point at the closest existing parent. */
                *line = vline;
                *col = vcol;
                return 1;
        }
}
