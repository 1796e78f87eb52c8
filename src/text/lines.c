/*
 * UTF-8 text → normalised lines. Each line keeps its 1-based number in the source so every
 * later message can point at it. Normalisation is NFKC (utf8proc), which turns the full-width
 * ASCII OCR and Chinese typists produce (Ｂ２－２０２２, ：（）) into plain ASCII, so the extractor
 * matches one form; xk_text_tidy restores full-width punctuation in output fields.
 *
 * Most lines hold only ASCII and CJK ideographs, which NFKC leaves alone: those skip utf8proc.
 */
#include "xuke/limits.h"
#include "xuke/text.h"
#include "utf8_inline.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "../core/buf.h"
#include "../core/scan.h"

static bool is_space_cp(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == '\v' || cp == 0xA0 || cp == 0x3000 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x1680;
}

static bool is_invisible(unsigned cp)
{
    return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF || cp == 0x00AD;
}

/*
 * Fast path of NFKC for the characters licences are made of. Returns the replacement code point
 * (' ' for spaces, 0 to drop the character), or -1 when the character needs full NFKC. Correct
 * because each listed character's NFKC form is exactly the value returned, whatever surrounds it:
 * ASCII, CJK unified ideographs and the CJK punctuation block (U+3001-U+3011) are NFKC-stable;
 * U+FF01-U+FF5E are the full-width forms of ASCII; the space and invisible characters are
 * turned into a space or dropped by emit on the utf8proc path too, so the line comes out alike.
 */
static long fast_nfkc(unsigned cp)
{
    if (cp < 0x80)
        return (cp == '\t' || cp == '\v') ? ' ' : (long)cp;
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3001 && cp <= 0x3011) ||
        (cp >= 0x2018 && cp <= 0x201D) || cp == 0x2014 || cp == 0x3014 || cp == 0x3015)
        return (long)cp;
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return (long)(cp - 0xFEE0);
    if (is_space_cp(cp))
        return ' ';
    if (is_invisible(cp))
        return 0;
    return -1;
}

/* The ASCII character whose full-width form (U+FF01-U+FF5E: EF BC 81 to EF BD 9E) is at u[i],
 * or 0: fast_nfkc's mapping of the full-width punctuation Chinese text is full of. */
static size_t fullwidth_ascii_at(const unsigned char *u, size_t i, size_t len)
{
    if (u[i] != 0xEF || len - i < 3)
        return 0;
    unsigned second = u[i + 1], third = u[i + 2];
    if (second == 0xBC && third >= 0x81 && third <= 0xBF)
        return (third & 0x3F) + 0x20;
    if (second == 0xBD && third >= 0x80 && third <= 0x9E)
        return (third & 0x3F) + 0x60;
    return 0;
}

/* CJK punctuation that fast_nfkc keeps as it is: 、。〈〉《》「」『』【】 (U+3001-U+3011) and 〔〕
 * (U+3014-U+3015), E3 80 81 to E3 80 91, E3 80 94 and E3 80 95. */
static bool cjk_punct_at(const unsigned char *u, size_t i, size_t len)
{
    if (u[i] != 0xE3 || len - i < 3 || u[i + 1] != 0x80)
        return false;
    unsigned third = u[i + 2];
    return (third >= 0x81 && third <= 0x91) || third == 0x94 || third == 0x95;
}

static bool is_terminator(char c)
{
    return c == '\n' || c == '\r' || c == '\f';
}

/*
 * Writes the collapsed, trimmed text and its space-free form of the line starting at s, up to
 * len bytes or (unless mapped) the first line terminator, at the ends of text and compact (room
 * for the line reserved by the caller). With mapped = false the fast NFKC table is applied and
 * the first character it cannot map stops the line (false returned, nothing kept); with mapped =
 * true s is already NFKC. *used is the line's length in bytes, when true is returned.
 */
static bool emit(const char *s, size_t len, xk_buf *text, xk_buf *compact, bool mapped,
                 size_t *used)
{
    size_t text_start = text->len, compact_start = compact->len;
    bool pending_space = false, any = false;
    char *t = text->data + text->len, *c = compact->data + compact->len;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char b = u[i];
        size_t run = b >= 0xE4 ? han_run_end(u, i, len) : i;
        if (run > i) { /* CJK ideographs: NFKC-stable, never a space; the run copied at once */
            if (pending_space)
                *t++ = ' ';
            pending_space = false;
            any = true;
            memcpy(t, s + i, run - i);
            memcpy(c, s + i, run - i);
            t += run - i;
            c += run - i;
            i = run;
            continue;
        }
        size_t wide_ascii = mapped ? 0 : fullwidth_ascii_at(u, i, len);
        if (wide_ascii || cjk_punct_at(u, i, len)) { /* the commonest marks, without decoding */
            if (pending_space)
                *t++ = ' ';
            pending_space = false;
            any = true;
            if (wide_ascii) {
                *t++ = *c++ = (char)wide_ascii;
            } else {
                memcpy(t, s + i, 3);
                memcpy(c, s + i, 3);
                t += 3;
                c += 3;
            }
            i += 3;
            continue;
        }
        if (!mapped && is_terminator((char)b))
            break;
        unsigned cp;
        size_t n;
        if (b < 0x80) {
            cp = b;
            n = 1;
        } else if ((n = utf8_decode(s + i, len - i, &cp)) == 0) {
            i++;
            continue;
        }
        long m = mapped ? (long)cp : fast_nfkc(cp);
        if (m < 0) {
            text->len = text_start;
            compact->len = compact_start;
            return false;
        }
        if (mapped && (is_space_cp(cp) || is_invisible(cp)))
            m = is_space_cp(cp) ? ' ' : 0;
        if (m == ' ') {
            pending_space = any;
        } else if (m != 0) {
            if (pending_space)
                *t++ = ' ';
            pending_space = false;
            any = true;
            if (m == (long)cp) {
                for (size_t k = 0; k < n; k++) /* 1-4 bytes: a loop, not a memcpy call */
                    *t++ = *c++ = s[i + k];
            } else if (m < 0x80) { /* full-width ASCII, the most common mapping */
                *t++ = *c++ = (char)m;
            } else {
                size_t k = xk_utf8_encode((unsigned)m, t);
                memcpy(c, t, k);
                t += k;
                c += k;
            }
        }
        i += n;
    }
    text->len = (size_t)(t - text->data);
    compact->len = (size_t)(c - compact->data);
    *t = '\0';
    *c = '\0';
    *used = i;
    return true;
}

/*
 * Appends the normalised form of the raw line at raw (up to len bytes, ending at the first
 * terminator) to text (collapsed, trimmed) and its space-free form to compact, each with its
 * NUL; *used is the line's length. The fast path never makes a line longer, so the caller's
 * room for the whole input is enough; only a line utf8proc maps needs more.
 */
static bool normalise_line(const char *raw, size_t len, xk_buf *text, xk_buf *compact,
                           size_t *used)
{
    if (emit(raw, len, text, compact, false, used))
        return true;
    *used = xk_scan_line_end(raw, 0, len);
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)raw, (utf8proc_ssize_t)*used,
                                      &mapped, UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                   UTF8PROC_COMPAT);
    if (n < 0)
        return false;
    bool ok = xk_buf_reserve(text, (size_t)n + 1) && xk_buf_reserve(compact, (size_t)n + 1);
    size_t mapped_used;
    if (ok)
        emit((const char *)mapped, (size_t)n, text, compact, true, &mapped_used);
    free(mapped);
    return ok;
}

/* xk_buf_reserve, without the call when the room is there (every line but after one NFKC
 * made longer). */
static inline bool has_room(xk_buf *b, size_t extra)
{
    return (!b->oom && b->len + extra + 1 <= b->cap) || xk_buf_reserve(b, extra);
}

typedef struct span {
    size_t text_off, compact_off;
    int lineno;
} span;

/* One block for xk_lines.storage: every text, then every compact form (offsets moved). */
static char *join_storage(xk_buf *text, xk_buf *compact, span *spans, size_t n)
{
    if (!xk_buf_append(text, compact->data ? compact->data : "", compact->len))
        return NULL;
    size_t base = text->len - compact->len;
    for (size_t k = 0; k < n; k++)
        spans[k].compact_off += base;
    return xk_buf_take(text);
}

/*
 * One pass over the bytes: each line is found, normalised and written into its place in the
 * same step, text and compact forms into two buffers sized for the whole input up front.
 */
xk_status xk_lines_split(const char *t, size_t len, xk_lines *out, xk_error *err)
{
    memset(out, 0, sizeof *out);
    xk_buf text, compact;
    xk_buf_init(&text);
    xk_buf_init(&compact);
    span *spans = NULL;
    size_t n = 0, cap = 0;
    int lineno = 1;
    size_t i = 0;
    xk_status st = XK_OK;
    /* text's room takes the compact forms too: join_storage appends them without a realloc */
    if (!xk_buf_reserve(&text, 2 * (len + 1)) || !xk_buf_reserve(&compact, len + 1))
        st = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    while (st == XK_OK && i <= len) {
        if (n >= XK_MAX_LINES) {
            st = xk_error_set(err, XK_ETOOBIG, lineno, "more than %u lines", XK_MAX_LINES);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            span *ns = realloc(spans, cap * sizeof *ns);
            if (!ns) {
                st = xk_error_set(err, XK_ENOMEM, lineno, "out of memory");
                break;
            }
            spans = ns;
        }
        spans[n].lineno = lineno;
        spans[n].text_off = text.len;
        spans[n].compact_off = compact.len;
        size_t used = 0;
        /* room for this line and its NUL; the up-front reserve covers it unless NFKC grew one */
        if (!has_room(&text, len - i + 1) || !has_room(&compact, len - i + 1) ||
            !normalise_line(t + i, len - i, &text, &compact, &used)) {
            st = xk_error_set(err, XK_ENOMEM, lineno, "out of memory normalising line");
            break;
        }
        text.len++; /* past the NUL emit wrote */
        compact.len++;
        n++;
        size_t j = i + used;
        if (j >= len)
            break;
        /* CRLF is one break; a form feed (page break) also ends a line */
        if (t[j] == '\r' && j + 1 < len && t[j + 1] == '\n')
            j++;
        /* editors count lines by LF/CR; a form feed splits a line without a new number */
        if (t[j] != '\f')
            lineno++;
        i = j + 1;
    }
    if (st == XK_OK && (text.oom || compact.oom))
        st = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    if (st == XK_OK) {
        out->lines = calloc(n ? n : 1, sizeof *out->lines);
        out->storage = out->lines ? join_storage(&text, &compact, spans, n) : NULL;
        if (!out->storage)
            st = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    }
    xk_buf_free(&compact);
    if (st != XK_OK) {
        free(spans);
        xk_buf_free(&text);
        free(out->lines);
        out->lines = NULL;
        return st;
    }
    for (size_t k = 0; k < n; k++) {
        out->lines[k].lineno = spans[k].lineno;
        out->lines[k].text = out->storage + spans[k].text_off;
        out->lines[k].compact = out->storage + spans[k].compact_off;
    }
    out->n = n;
    free(spans);
    return XK_OK;
}

void xk_lines_free(xk_lines *lines)
{
    if (!lines)
        return;
    free(lines->lines);
    free(lines->storage);
    memset(lines, 0, sizeof *lines);
}
