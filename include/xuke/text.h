/*
 * Text layer: bytes of a licence document → normalised UTF-8 lines, and the tidying applied to
 * every text field that leaves the extractor. Knows nothing about licences.
 */
#ifndef XUKE_TEXT_H
#define XUKE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "xuke/error.h"

typedef enum xk_encoding { XK_ENC_UTF8, XK_ENC_UTF8_BOM, XK_ENC_GB18030, XK_ENC_UTF16 } xk_encoding;

/*
 * Converts raw document bytes to UTF-8 text: strips a UTF-8 BOM, converts UTF-16 (with BOM) and
 * GB18030/GBK, refuses binary data (NUL bytes, control characters) with the offset and line of
 * the first offending byte. On success *out is a malloc'ed NUL-terminated string the caller
 * frees, *out_len its length, *enc what was detected.
 */
xk_status xk_text_decode(const char *bytes, size_t len, char **out, size_t *out_len,
                         xk_encoding *enc, xk_error *err);
const char *xk_encoding_name(xk_encoding enc);

typedef struct xk_line {
    int lineno;    /* 1-based line in the source document */
    char *text;    /* NFKC, whitespace runs collapsed to one space, trimmed */
    char *compact; /* text with every space removed: what labels are matched against */
} xk_line;

typedef struct xk_lines {
    xk_line *lines;
    size_t n;
    char *storage; /* one block holding every text and compact string */
} xk_lines;

/*
 * Splits UTF-8 text into lines (LF, CRLF, CR, form feed), normalises each to NFKC (full-width
 * ASCII becomes ASCII, ideographic spaces become spaces), removes zero-width characters and
 * collapses white space. Fails with XK_ETOOBIG beyond XK_MAX_LINES lines.
 */
xk_status xk_lines_split(const char *text, size_t len, xk_lines *out, xk_error *err);
void xk_lines_free(xk_lines *lines);

/*
 * Tidies a text field for output: collapses white space, drops spaces next to Chinese text (OCR
 * inserts them), and makes the punctuation , : ; ( ) ! ? full-width where it sits in Chinese
 * text (parentheses as pairs). Returns a malloc'ed string or NULL when out of memory.
 */
char *xk_text_tidy(const char *s, size_t len);

/*
 * xk_text_tidy for text made of xk_lines_split's lines (a line's text, a part of one cut at a
 * character boundary, or several of them joined): valid UTF-8 whose only white space is single
 * spaces between other characters, as the line splitter writes it. The same result as
 * xk_text_tidy for such text, without its collapsing pass; other text gets no defined result.
 */
char *xk_text_tidy_lines(const char *s, size_t len);

/*
 * Removes, in place, every space that touches Chinese text or ASCII punctuation on either side
 * ("信 息 服 务 业 务 (仅 限" → "信息服务业务(仅限"), keeping spaces between ASCII words.
 * Returns the new length.
 */
size_t xk_text_squeeze(char *s);

/*
 * A company name in the one form that published lists and licences are compared in: NFKC,
 * brackets of every kind as ( ), white space and invisible characters dropped, ASCII letters
 * upper-cased. Exact comparison of two such forms is the only name match xuke makes. False
 * when the name is not valid UTF-8 or its form does not fit size (out then holds a prefix).
 */
bool xk_company_normalise(const char *name, size_t len, char *out, size_t size);

/* True for code points that belong to Chinese text: ideographs, CJK and full-width punctuation. */
bool xk_is_wide(unsigned cp);
/* True for CJK ideographs. */
bool xk_is_han(unsigned cp);

/*
 * Decodes one UTF-8 code point at s[0..len). Returns its byte length (1-4) and sets *cp, or 0 for
 * an invalid or truncated sequence.
 */
size_t xk_utf8_decode(const char *s, size_t len, unsigned *cp);
/* Encodes cp into buf (4 bytes at least); returns the byte count. */
size_t xk_utf8_encode(unsigned cp, char *buf);
/*
 * Byte offsets of the first max characters of s[0..len) into off[0..n), and off[n] = the byte
 * after them; returns n. An invalid byte counts as one character.
 */
size_t xk_utf8_offsets(const char *s, size_t len, size_t *off, size_t max);
/* Characters (code points) in UTF-8 text s[0..len). */
size_t xk_utf8_count(const char *s, size_t len);
/* Validates UTF-8; returns true if valid, else sets *bad_offset. */
bool xk_utf8_valid(const char *s, size_t len, size_t *bad_offset);
/*
 * The one way text is cut to fit: the bytes to keep of s[0..len) so that they are at most max
 * and end at a character boundary. min(len, max), less by up to three bytes when that would end
 * inside a character, whether max cuts one in two or s itself ends inside one (text snprintf
 * cut: xk_utf8_cut(buf, n, n)). Invalid bytes count as one character each, as
 * xk_utf8_offsets counts them, so invalid input is cut at max. Reads s[0..len) at most.
 */
size_t xk_utf8_cut(const char *s, size_t len, size_t max);
/* Copies s[0..len) into dst (size > 0) as a C string, cut by xk_utf8_cut to fit size - 1 bytes;
 * returns the bytes kept (less than len when it cut). */
size_t xk_utf8_copy(char *dst, size_t size, const char *s, size_t len);
/* Replaces, in place, each byte of the C string s that does not start a valid UTF-8 sequence
 * with '?', so the text can go into JSON. Returns how many bytes it replaced. */
size_t xk_utf8_scrub(char *s);

/* strlen(word) when s[0..len) starts with word, else 0 (also when word is empty). Inline: with
 * a literal word the compiler folds strlen and memcmp (out of line, extraction ran 14 % slower). */
static inline size_t xk_starts_with(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    return n && n <= len && memcmp(s, word, n) == 0 ? n : 0;
}
/* The first of words[0..n) that s[0..len) starts with: returns its length and sets *which (when
 * not NULL) to its index; 0 when none does. Inline as xk_starts_with is. */
static inline size_t xk_starts_with_any(const char *s, size_t len, const char *const *words,
                                        size_t n, size_t *which)
{
    for (size_t i = 0; i < n; i++) {
        size_t used = xk_starts_with(s, len, words[i]);
        if (used) {
            if (which)
                *which = i;
            return used;
        }
    }
    return 0;
}
/* strlen(word) when s[0..len) ends with word, else 0 (also when word is empty). */
static inline size_t xk_ends_with(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    return n && n <= len && memcmp(s + len - n, word, n) == 0 ? n : 0;
}
/* The length of the first of words[0..n) that s[0..len) ends with, 0 when none does. */
static inline size_t xk_ends_with_any(const char *s, size_t len, const char *const *words,
                                      size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t used = xk_ends_with(s, len, words[i]);
        if (used)
            return used;
    }
    return 0;
}

#endif
