/*
 * Bytes → UTF-8. Licence texts arrive as UTF-8 (with or without BOM), GB18030/GBK from Windows
 * tools, or occasionally UTF-16 with a BOM. Detection: BOM first; then strict UTF-8 validation;
 * otherwise GB18030 through glibc iconv. Binary data is refused before any conversion, with the
 * offset and line of the first byte that no text file contains.
 */
#include "xuke/text.h"
#include "utf8_inline.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

const char *xk_encoding_name(xk_encoding enc)
{
    switch (enc) {
    case XK_ENC_UTF8:
        return "UTF-8";
    case XK_ENC_UTF8_BOM:
        return "UTF-8 with BOM";
    case XK_ENC_GB18030:
        return "GB18030";
    case XK_ENC_UTF16:
        return "UTF-16";
    }
    return "?";
}

static int line_of(const char *s, size_t offset)
{
    int line = 1;
    for (size_t i = 0; i < offset; i++)
        if (s[i] == '\n')
            line++;
    return line;
}

/* A byte no text document contains: C0 controls other than TAB, LF, VT, FF, CR; and DEL. */
static bool is_binary_byte(unsigned char c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r') ||
           c == 0x7F;
}

/* Is s[i] a byte no text holds? A DOS end-of-file marker as the very last byte is harmless. */
static bool binary_at(const char *s, size_t len, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    return is_binary_byte(c) && !(c == 0x1A && i == len - 1);
}

static xk_status check_not_binary(const char *s, size_t len, xk_error *err)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (binary_at(s, len, i))
            return xk_error_set(err, XK_EBINARY, line_of(s, i),
                                "binary data, not a text document (byte 0x%02X at offset %zu)",
                                c, i);
    }
    return XK_OK;
}

/* Converts with iconv; on failure reports the offset of the first byte it could not convert. */
static xk_status convert(const char *from, const char *s, size_t len, char **out, size_t *out_len,
                         size_t *bad_offset)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return XK_EENCODING;
    size_t cap = len * 2 + 16;
    char *buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        return XK_ENOMEM;
    }
    char *in = (char *)s, *o = buf;
    size_t inleft = len, outleft = cap - 1;
    xk_status st = XK_OK;
    while (inleft > 0) {
        if (iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1)
            continue;
        if (errno == E2BIG) {
            size_t used = (size_t)(o - buf);
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                st = XK_ENOMEM;
                break;
            }
            buf = nb;
            o = buf + used;
            outleft = cap - used - 1;
            continue;
        }
        *bad_offset = (size_t)(in - s);
        st = XK_EENCODING;
        break;
    }
    if (st == XK_OK && iconv(cd, NULL, NULL, &o, &outleft) == (size_t)-1)
        st = XK_EENCODING;
    iconv_close(cd);
    if (st != XK_OK) {
        free(buf);
        return st;
    }
    *o = '\0';
    *out = buf;
    *out_len = (size_t)(o - buf);
    return XK_OK;
}

/* Is s[i..i+3) a three-byte sequence whose lead byte (E1-EC, EE, EF) admits every continuation
 * byte, so no overlong form or surrogate can hide in it? The CJK ideographs and the full-width
 * punctuation most of a licence is made of are such sequences, checked without decoding. */
static inline bool plain3_at(const unsigned char *u, size_t i, size_t len)
{
    unsigned lead = u[i];
    return len - i >= 3 && (lead - 0xE1u <= 0xBu || lead >= 0xEEu) && lead <= 0xEFu &&
           (u[i + 1] & 0xC0u) == 0x80u && (u[i + 2] & 0xC0u) == 0x80u;
}

#ifdef XK_UTF8_WORDS
/* Two such sequences in a word (see utf8_word): leads 1110xxxx but E0 and ED, continuations
 * 10xxxxxx. */
static inline bool plain3_pair(uint64_t w)
{
    unsigned lead0 = (unsigned)(w & 0xFF), lead1 = (unsigned)((w >> 24) & 0xFF);
    return (w & 0x0000C0C0F0C0C0F0ULL) == 0x00008080E08080E0ULL && lead0 != 0xE0u &&
           lead0 != 0xEDu && lead1 != 0xE0u && lead1 != 0xEDu;
}
#endif

/* Eight printable ASCII bytes (0x20..0x7E) at once: no high bit, each byte plus 0x60 reaches
 * 0x80 (so >= 0x20), each byte plus 1 stays below 0x80 (so < 0x7F); no carries cross bytes
 * once the high bits are known clear. */
static bool printable8(const char *s)
{
    unsigned long long w;
    memcpy(&w, s, 8);
    return (w & 0x8080808080808080ULL) == 0 &&
           ((w + 0x6060606060606060ULL) & 0x8080808080808080ULL) == 0x8080808080808080ULL &&
           ((w + 0x0101010101010101ULL) & 0x8080808080808080ULL) == 0;
}

/*
 * One pass that both validates UTF-8 and looks for bytes no text holds: runs of three-byte
 * sequences (Chinese text) three bytes at a time, ASCII runs eight bytes at a time. False at the
 * first invalid UTF-8 byte (*bad) or binary byte (the caller's check_not_binary then names it
 * precisely).
 */
static bool scan_utf8_text(const char *s, size_t len, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = u[i];
        if (c >= 0x80) {
            if (plain3_at(u, i, len)) {
                i += 3;
#ifdef XK_UTF8_WORDS
                while (len - i >= 8 && plain3_pair(utf8_word(u + i)))
                    i += 6;
#endif
                while (i < len && u[i] >= 0x80 && plain3_at(u, i, len))
                    i += 3;
                continue;
            }
            unsigned cp;
            size_t n = utf8_decode(s + i, len - i, &cp);
            if (n == 0) {
                *bad = i;
                return false;
            }
            i += n;
            continue;
        }
        if (len - i >= 8 && printable8(s + i)) {
            i += 8;
            continue;
        }
        if (binary_at(s, len, i)) {
            *bad = i;
            return false;
        }
        i++;
    }
    return true;
}

static xk_status copy_utf8(const char *s, size_t len, char **out, size_t *out_len)
{
    char *buf = malloc(len + 1);
    if (!buf)
        return XK_ENOMEM;
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return XK_OK;
}

static xk_status decode_utf16(const char *bytes, size_t len, char **out, size_t *out_len,
                              xk_error *err)
{
    size_t bad = 0;
    xk_status st = convert("UTF-16", bytes, len, out, out_len, &bad);
    if (st == XK_ENOMEM)
        return xk_error_set(err, st, 0, "out of memory converting UTF-16");
    if (st != XK_OK)
        return xk_error_set(err, XK_EENCODING, 0,
                            "invalid UTF-16 text (bad code unit at offset %zu)", bad);
    st = check_not_binary(*out, *out_len, err);
    if (st != XK_OK) { /* refused: the caller gets nothing to free */
        free(*out);
        *out = NULL;
        *out_len = 0;
    }
    return st;
}

xk_status xk_text_decode(const char *bytes, size_t len, char **out, size_t *out_len,
                         xk_encoding *enc, xk_error *err)
{
    *out = NULL;
    *out_len = 0;
    const unsigned char *u = (const unsigned char *)bytes;
    if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        *enc = XK_ENC_UTF16;
        return decode_utf16(bytes, len, out, out_len, err);
    }
    *enc = XK_ENC_UTF8;
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        bytes += 3;
        len -= 3;
        *enc = XK_ENC_UTF8_BOM;
    }
    size_t bad_utf8 = 0;
    xk_status st;
    if (scan_utf8_text(bytes, len, &bad_utf8)) {
        st = copy_utf8(bytes, len, out, out_len);
        return st == XK_OK ? st : xk_error_set(err, st, 0, "out of memory");
    }
    st = check_not_binary(bytes, len, err);
    if (st != XK_OK)
        return st;
    if (*enc == XK_ENC_UTF8_BOM)
        return xk_error_set(err, XK_EENCODING, line_of(bytes, bad_utf8),
                            "invalid UTF-8 after a UTF-8 byte-order mark (offset %zu)", bad_utf8);
    size_t bad_gb = 0;
    st = convert("GB18030", bytes, len, out, out_len, &bad_gb);
    if (st == XK_OK) {
        *enc = XK_ENC_GB18030;
        return XK_OK;
    }
    if (st == XK_ENOMEM)
        return xk_error_set(err, st, 0, "out of memory converting GB18030");
    return xk_error_set(err, XK_EENCODING, line_of(bytes, bad_utf8),
                        "text is neither UTF-8 (invalid byte at offset %zu) nor GB18030 (invalid "
                        "byte at offset %zu)",
                        bad_utf8, bad_gb);
}
