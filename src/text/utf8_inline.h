/*
 * The UTF-8 decoder as an inline function for the text layer's per-character loops (line
 * splitting, tidying, decoding), which the profile showed spending a fifth of extraction in
 * calls to it. xk_utf8_decode (text.h) is the same function for everyone else.
 */
#ifndef XK_UTF8_INLINE_H
#define XK_UTF8_INLINE_H

#include <stddef.h>

/* Decodes one strict UTF-8 sequence; returns its length, or 0 when invalid or cut short. */
static inline size_t utf8_decode(const char *str, size_t len, unsigned *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (len == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    unsigned min;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        c &= 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        c &= 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

#endif
