/*
 * Repairs of OCR text before extraction, each recorded so the record can say what was changed.
 * The text is walked a line at a time (a provision number OCR put on a line of its own joins the
 * next); each line's number is mended first (repair_numbers.c), then its characters one step at
 * a time: the licence's vocabulary (repair_words.c), then brackets and marks (repair_marks.c),
 * else the character as read. It owns that order and the record of repairs, none of the repairs.
 */
#include <stdlib.h>
#include <string.h>

#include "repair.h"
#include "xuke/limits.h"
#include "xuke/text.h"

#define OCR_LINE_CHARS XK_MAX_OCR_LINE_CHARS /* a longer line is left as read, and flagged */

static bool is_word_char(unsigned cp)
{
    return xk_is_han(cp) || (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
           (cp >= 'A' && cp <= 'Z') || (cp >= 0xFF10 && cp <= 0xFF19) ||
           (cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A);
}

/* The next Han character, letter or digit of s[*at..len), or 0 at the end. */
static unsigned next_word_char(const char *s, size_t len, size_t *at)
{
    while (*at < len) {
        unsigned cp = 0;
        size_t k = xk_utf8_decode(s + *at, len - *at, &cp);
        *at += k ? k : 1;
        if (k && is_word_char(cp))
            return cp;
    }
    return 0;
}

static bool is_latin(unsigned cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
}

/*
 * Word characters (Han, letters, digits) of s[0..len) into cp (at most max); their count, or
 * max + 1 when there are more. An O or o right after a Chinese character and before no letter
 * or digit is the full stop Tesseract read so (。 as O 8 times in 6 renders, as o 4 in 3, in
 * data/ocr_confusions.txt): a mark, not a word character ("变更手续O" for "变更手续。").
 */
static size_t word_chars(const char *s, size_t len, unsigned *cp, size_t max)
{
    size_t n = 0, at = 0;
    unsigned prev = 0;
    while (at < len) {
        unsigned c = 0, next = 0;
        size_t k = xk_utf8_decode(s + at, len - at, &c);
        at += k ? k : 1;
        if (!k || !is_word_char(c)) {
            prev = c;
            continue;
        }
        if ((c == 'O' || c == 'o') && xk_is_han(prev)) {
            if (at < len)
                xk_utf8_decode(s + at, len - at, &next);
            if (!is_latin(next)) {
                prev = 0x3002; /* 。 */
                continue;
            }
        }
        if (n == max)
            return max + 1;
        cp[n++] = c;
        prev = c;
    }
    return n;
}

bool xk_ocr_same_words(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0, j = 0;
    for (;;) {
        unsigned x = next_word_char(a, alen, &i), y = next_word_char(b, blen, &j);
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

/*
 * A Chinese character Tesseract read in that the print does not have is one of the slips it
 * makes: 1,250 added in 121,248 printed (data/ocr_confusions.txt, 152 pages of tuning licences),
 * spread over many characters (和 90, 信 32, 有 25, 人 20: "电信和主管部门", "有具备"), about one
 * in a hundred. A character read twice, the same beside it, is not: 21 of the 1,250, where a
 * source prints one so ("管理人人员"), and a snap that made "管理人员" of it changed the source's
 * own wording, which stays flagged.
 */
static bool added_slip(const unsigned *x, size_t n, size_t k)
{
    return xk_is_han(x[k]) && !(k > 0 && x[k - 1] == x[k]) && !(k + 1 < n && x[k + 1] == x[k]);
}

/* Characters of x (n of them, k left out when k < n) that differ from y's in order. */
static size_t swaps_without(const unsigned *x, size_t n, size_t k, const unsigned *y)
{
    size_t swaps = 0;
    for (size_t i = 0, j = 0; i < n; i++)
        if (i != k)
            swaps += x[i] != y[j++];
    return swaps;
}

bool xk_ocr_within_noise(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned x[XK_MAX_WORDING_CHARS], y[XK_MAX_WORDING_CHARS];
    size_t nx = word_chars(a, alen, x, XK_MAX_WORDING_CHARS);
    size_t ny = word_chars(b, blen, y, XK_MAX_WORDING_CHARS);
    if (nx > XK_MAX_WORDING_CHARS || ny > XK_MAX_WORDING_CHARS)
        return false;
    size_t allowed = nx / OCR_NOISE_PER > 1 ? nx / OCR_NOISE_PER : 1;
    if (nx == ny)
        return swaps_without(x, nx, nx, y) <= allowed;
    if (nx != ny + 1)
        return false;
    for (size_t k = 0; k < nx; k++) /* a character read in counts as one of the slips allowed */
        if (added_slip(x, nx, k) && swaps_without(x, nx, k, y) + 1 <= allowed)
            return true;
    return false;
}

void xk_ocr_repair_note(ocr_repairs *rep, int line, const char *from, size_t from_len,
                        const char *to, size_t to_len)
{
    if (rep->n == OCR_MAX_REPAIRS) {
        rep->dropped++;
        return;
    }
    ocr_repair *r = &rep->items[rep->n++];
    r->line = line;
    r->noise = xk_ocr_within_noise(from, from_len, to, to_len);
    xk_utf8_copy(r->from, sizeof r->from, from, from_len);
    xk_utf8_copy(r->to, sizeof r->to, to, to_len);
}

/* The characters of line s[0..len) (after its number) repaired: false, the line copied as
 * read, when it has over OCR_LINE_CHARS characters. */
static bool repair_chars(const char *s, size_t len, int lineno, const phrases *ph, xk_buf *out,
                         ocr_repairs *rep)
{
    size_t off[OCR_LINE_CHARS + 1];
    size_t n = xk_utf8_offsets(s, len, off, OCR_LINE_CHARS);
    if (off[n] < len) {
        xk_buf_append(out, s, len);
        if (!rep->long_lines++)
            rep->first_long = lineno;
        return false;
    }
    /* "业务(（仅限经营类电子商务)": a bracket read twice; left unclosed, the qualifier swallowed
     * the next service (seen on a 150 dpi render) */
    line_repair lr = {s, len, off, n, lineno, ph, xk_ocr_bracket_excess(s, len), out, rep};
    for (size_t c = 0; c < n;) {
        size_t used = xk_ocr_repair_words(&lr, c);
        if (!used)
            used = xk_ocr_repair_mark(&lr, c);
        if (!used) {
            xk_buf_append(out, s + off[c], off[c + 1] - off[c]);
            used = 1;
        }
        c += used;
    }
    return true;
}

static void repair_line(const char *s, size_t len, int lineno, const phrases *ph, numbering *nb,
                        xk_buf *out, ocr_repairs *rep)
{
    size_t start = out->len;
    len = xk_ocr_drop_specks(s, len, lineno, rep);
    int bracket = xk_ocr_condition_bracket(s, len);
    if (bracket < 0)
        xk_ocr_condition_open(lineno, out, rep);
    size_t head = xk_ocr_repair_number(s, len, lineno, nb, out, rep);
    bool whole = repair_chars(s + head, len - head, lineno, ph, out, rep);
    if (whole && bracket > 0)
        xk_ocr_condition_close(lineno, out, rep);
    if (whole)
        xk_ocr_drop_speck_before_service(out, start, lineno, rep);
    if (!out->oom)
        xk_ocr_inline_items(out->data + start, out->len - start, nb);
}

xk_status xk_ocr_repair_text(xk_ocr_result *r, ocr_repairs *rep)
{
    phrases ph;
    xk_ocr_phrases_load(&ph);
    xk_buf out;
    xk_buf_init(&out);
    int lineno = 1;
    numbering nb = {0};
    xk_ocr_find_renumbers(r->text, r->len, &nb.rn);
    xk_buf carry; /* a garbled provision number OCR put on a line of its own ("上日" / "、你公司…") */
    xk_buf_init(&carry);
    const char *end = r->text + r->len;
    for (const char *p = r->text; p < end; lineno++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *next = nl ? nl + 1 : end;
        if (n > 0 && n <= 6 && next + 12 <= end && memcmp(next, "、你公司", 12) == 0) {
            xk_buf_reset(&carry);
            xk_buf_append(&carry, p, n); /* joins the next line; this one stays, empty */
        } else if (carry.len) {
            xk_buf_append(&carry, p, n);
            repair_line(carry.data, carry.len, lineno, &ph, &nb, &out, rep);
            xk_buf_reset(&carry);
        } else {
            repair_line(p, n, lineno, &ph, &nb, &out, rep);
        }
        nb.in_bracket = xk_ocr_bracket_excess(p, n) > 0;
        xk_buf_putc(&out, '\n');
        p += n + 1;
    }
    xk_buf_free(&carry);
    if (out.oom) {
        xk_buf_free(&out);
        return XK_ENOMEM;
    }
    xk_ocr_repair_fields(&out, rep);
    if (out.oom) {
        xk_buf_free(&out);
        return XK_ENOMEM;
    }
    xk_ocr_region_agree(out.data, out.len, rep);
    free(r->text);
    r->len = out.len;
    r->text = xk_buf_take(&out);
    return XK_OK;
}
