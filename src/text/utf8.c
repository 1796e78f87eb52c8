/*
 * UTF-8 decoding and encoding, and the character classes the text layer needs (what counts as
 * Chinese text). Strict: overlong forms, surrogates and values past U+10FFFF are invalid.
 */
#include <string.h>

#include "utf8_inline.h"
#include "xuke/text.h"

size_t xk_utf8_decode(const char *str, size_t len, unsigned *cp)
{
    return utf8_decode(str, len, cp);
}

size_t xk_utf8_encode(unsigned cp, char *buf)
{
    unsigned char *b = (unsigned char *)buf;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (unsigned char)(0xF0 | (cp >> 18));
    b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t xk_utf8_offsets(const char *s, size_t len, size_t *off, size_t max)
{
    size_t n = 0, i = 0;
    while (i < len && n < max) {
        off[n++] = i;
        unsigned cp;
        size_t k = xk_utf8_decode(s + i, len - i, &cp);
        i += k ? k : 1;
    }
    off[n] = i;
    return n;
}

size_t xk_utf8_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

bool xk_utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
    size_t i = 0;
    while (i < len) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        unsigned cp;
        size_t n = xk_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            if (bad_offset)
                *bad_offset = i;
            return false;
        }
        i += n;
    }
    return true;
}

static bool continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

size_t xk_utf8_cut(const char *s, size_t len, size_t max)
{
    size_t n = len < max ? len : max;
    if (n < len && !continuation(s[n]))
        return n; /* s[n] starts a character: no character runs across n */
    size_t k = n; /* back over the continuation bytes before n to their lead */
    while (k > 0 && n - k < 3 && continuation(s[k - 1]))
        k--;
    if (k == 0)
        return n;
    size_t lead = k - 1, need = utf8_lead_length((unsigned char)s[lead]);
    if (need < 2 || lead + need <= n)
        return n; /* the character before n ends by n (what follows is a stray byte) */
    if (lead + need > len) { /* the input ends inside it: a cut sequence, if nothing else */
        for (size_t i = n; i < len; i++)
            if (!continuation(s[i]))
                return n;
        return lead;
    }
    unsigned cp;
    return utf8_decode(s + lead, need, &cp) == need ? lead : n;
}

size_t xk_utf8_copy(char *dst, size_t size, const char *s, size_t len)
{
    size_t keep = xk_utf8_cut(s, len, size - 1);
    memcpy(dst, s, keep);
    dst[keep] = '\0';
    return keep;
}

size_t xk_utf8_scrub(char *s)
{
    size_t fixed = 0, len = strlen(s), bad;
    for (size_t i = 0; !xk_utf8_valid(s + i, len - i, &bad); i += bad + 1, fixed++)
        s[i + bad] = '?';
    return fixed;
}

bool xk_is_han(unsigned cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF) || cp == 0x3007;
}

bool xk_is_wide(unsigned cp)
{
    return xk_is_han(cp) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
           (cp >= 0x2018 && cp <= 0x201F) || cp == 0x2014 || cp == 0x2026 || cp == 0x00B7 ||
           (cp >= 0xFE30 && cp <= 0xFE4F);
}
