/*
 * The UTF-8 decoder as an inline function for the text layer's per-character loops (line
 * splitting, tidying, decoding), which the profile showed spending a fifth of extraction in
 * calls to it. xk_utf8_decode (text.h) is the same function for everyone else.
 */
#ifndef XK_UTF8_INLINE_H
#define XK_UTF8_INLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The length of the sequence a lead byte starts: 1 for ASCII, 2-4, or 0 for a byte that
 * cannot start one (a continuation byte, 0xF8 and above). */
static inline size_t utf8_lead_length(unsigned char lead)
{
    return lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3
                         : (lead & 0xF8) == 0xF0 ? 4 : 0;
}

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
    size_t n = utf8_lead_length((unsigned char)c);
    static const unsigned lead_bits[5] = {0, 0, 0x1F, 0x0F, 0x07};
    static const unsigned min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (n < 2)
        return 0;
    c &= lead_bits[n];
    unsigned min = min_cp[n];
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

/* Two three-byte sequences at s[0..6) read as one little-endian word (eight bytes readable):
 * every platform xuke is built for is little-endian; others take the byte-wise loops. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define XK_UTF8_WORDS 1
static inline uint64_t utf8_word(const unsigned char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

/* The continuation bytes of two three-byte sequences in a word (bytes 1, 2, 4, 5) are all
 * 10xxxxxx. */
static inline bool utf8_word_continues(uint64_t w)
{
    return (w & 0x0000C0C000C0C000ULL) == 0x0000808000808000ULL;
}

/* Lead and second byte of the sequence starting at byte k of a word, as lead << 8 | second. */
static inline unsigned utf8_word_head(uint64_t w, unsigned k)
{
    return (unsigned)((w >> (8 * k)) & 0xFF) << 8 | (unsigned)((w >> (8 * k + 8)) & 0xFF);
}
#endif

/*
 * The end of the run of CJK unified ideographs U+4E00-U+9FFF (three bytes each, all present)
 * that starts at s[i]: i itself when none starts there. Most of a licence is such runs, and the
 * text passes (line splitting, tidying) copy them whole; one tight loop here rather than a
 * check and a loop of checks in each caller. Two ideographs at a time where eight bytes can be
 * read: lead and second byte together between E4 B8 and E9 BF, the other bytes continuations.
 */
static inline size_t han_run_end(const unsigned char *s, size_t i, size_t len)
{
#ifdef XK_UTF8_WORDS
    while (len - i >= 8) {
        uint64_t w = utf8_word(s + i);
        if (!utf8_word_continues(w) || utf8_word_head(w, 0) - 0xE4B8u > 0x0507u)
            break;
        if (utf8_word_head(w, 3) - 0xE4B8u > 0x0507u)
            return i + 3;
        i += 6;
    }
#endif
    while (len - i >= 3) {
        unsigned lead = s[i], second = s[i + 1];
        if (lead - 0xE4u > 5u || (second & 0xC0u) != 0x80u || (s[i + 2] & 0xC0u) != 0x80u ||
            (lead == 0xE4u && second < 0xB8u))
            break;
        i += 3;
    }
    return i;
}

#endif
