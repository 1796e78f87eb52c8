/*
 * Byte scans shared by the text passes (the layout pass, the line splitter): the end of a line
 * found eight bytes at a time. Internal.
 */
#ifndef XK_SCAN_H
#define XK_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The offset of the first '\n', '\r' or '\f' in s[i..len), or len. Words with no byte below
 * 0x0E (the terminators are 0x0A, 0x0C and 0x0D; text has few such bytes) are skipped whole. */
static inline size_t xk_scan_line_end(const char *s, size_t i, size_t len)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    while (i + 8 <= len) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        /* some byte below 0x0E: (w - 0x0E…) borrows into the high bit of that byte */
        if (((w - 0x0E * ones) & ~w & highs) != 0)
            break;
        i += 8;
    }
    while (i < len && s[i] != '\n' && s[i] != '\r' && s[i] != '\f')
        i++;
    return i;
}

#endif
