/*
 * Growable string buffer. Doubling growth; the contents stay NUL-terminated after every append.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xk_buf_init(xk_buf *b)
{
    memset(b, 0, sizeof *b);
}

void xk_buf_free(xk_buf *b)
{
    free(b->data);
    xk_buf_init(b);
}

void xk_buf_reset(xk_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static bool reserve(xk_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

bool xk_buf_reserve(xk_buf *b, size_t extra)
{
    if (!reserve(b, extra))
        return false;
    b->data[b->len] = '\0';
    return true;
}

bool xk_buf_append(xk_buf *b, const char *s, size_t len)
{
    if (!reserve(b, len))
        return false;
    if (len)
        memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
    return true;
}

bool xk_buf_splice(xk_buf *b, size_t at, size_t len, const char *s, size_t n)
{
    if (!b->data)
        return at == 0 && len == 0 && xk_buf_append(b, s, n);
    if (at > b->len || len > b->len - at || (n > len && !reserve(b, n - len)))
        return false;
    memmove(b->data + at + n, b->data + at + len, b->len - at - len + 1); /* with the NUL */
    memcpy(b->data + at, s, n);
    b->len = b->len - len + n;
    return true;
}

bool xk_buf_puts(xk_buf *b, const char *s)
{
    return xk_buf_append(b, s, strlen(s));
}

bool xk_buf_putc(xk_buf *b, char c)
{
    return xk_buf_append(b, &c, 1);
}

bool xk_buf_printf(xk_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return false;
    }
    if ((size_t)n < sizeof small)
        return xk_buf_append(b, small, (size_t)n);
    if (!reserve(b, (size_t)n))
        return false;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

char *xk_buf_take(xk_buf *b)
{
    if (b->oom) {
        xk_buf_free(b);
        return NULL;
    }
    char *s = b->data;
    if (!s)
        s = calloc(1, 1);
    xk_buf_init(b);
    return s;
}
