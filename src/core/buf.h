/*
 * A growable byte buffer (malloc-backed) for building strings. Once an append fails the buffer
 * remembers it (oom), so a chain of appends needs one check at the end. Internal.
 */
#ifndef XK_BUF_H
#define XK_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct xk_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len, cap;
    bool oom;
} xk_buf;

void xk_buf_init(xk_buf *b);
void xk_buf_free(xk_buf *b);
void xk_buf_reset(xk_buf *b);
bool xk_buf_append(xk_buf *b, const char *s, size_t len);
/* Makes room for extra more bytes (plus the NUL) without changing the contents. */
bool xk_buf_reserve(xk_buf *b, size_t extra);
bool xk_buf_puts(xk_buf *b, const char *s);
bool xk_buf_putc(xk_buf *b, char c);
bool xk_buf_printf(xk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replaces bytes [at, at + len) (within the contents) by s[0..n). */
bool xk_buf_splice(xk_buf *b, size_t at, size_t len, const char *s, size_t n);
/* Hands the string over to the caller (who frees it) and resets b. NULL after oom. */
char *xk_buf_take(xk_buf *b);

#endif
