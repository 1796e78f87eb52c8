/*
 * A website named in Chinese numerals (网站名称：幺零贰四, the site of 1024yiyuan.com), read with
 * a numeral wrong: 么零融四 on a clean sans render of seed 001. Two things went wrong there:
 * - 贰 was read 融, unsure. The line read again on its own with Tesseract allowed only the
 *   label's characters and the numerals reads 贰 (the page's reading of a line depends on its
 *   layout: 融 in the page's column, 贰 as a single block);
 * - 幺 (one, as said in numbers) is in neither chi_sim's nor HanS's character set, so no
 *   reading can produce it; 么 is the character the model makes of it. Next to numerals 么 is
 *   no word of its own (什么, 怎么, 那么 never stand among numerals), so there it is taken for 幺.
 * Both are fixes, so the website is flagged for review. Only a 网站名称 line is considered, and
 * only when at most one of its value's characters is not a numeral: a name such as 五八同城 has
 * two that are not and stays as read; a date in numerals (二〇二六年) is on no such line.
 */
#include <string.h>

#include "ocr_internal.h"
#include "xuke/text.h"

#define NUMERAL_LABEL "网站名称"
/* Chinese numerals, plain and as written on cheques and contracts, with 幺 for one. */
#define NUMERALS "〇零一二三四五六七八九十百千万亿两幺壹贰叁肆伍陆柒捌玖拾佰仟"
#define LOOKS_LIKE_YAO "么"
#define NUMERAL_MIN_CHARS 3
#define NUMERAL_MAX_CHARS 16

static bool is_numeral(unsigned cp)
{
    char c[5];
    c[xk_utf8_encode(cp, c)] = '\0';
    return cp != 0 && strstr(NUMERALS, c) != NULL;
}

static bool is_yao_like(unsigned cp)
{
    return cp == 0x4E48; /* 么 */
}

/* Where the value of a 网站名称 line starts (after the label, its colon and spaces), or
 * (size_t)-1 when s is no such line. */
static size_t value_at(const char *s, size_t len)
{
    static const char *const colons[] = {":", "："};
    size_t i = xk_starts_with(s, len, NUMERAL_LABEL);
    if (i == 0)
        return (size_t)-1;
    while (i < len && s[i] == ' ')
        i++;
    size_t n = xk_starts_with_any(s + i, len - i, colons, 2, NULL);
    if (n == 0)
        return (size_t)-1;
    for (i += n; i < len && s[i] == ' ';)
        i++;
    return i;
}

/* See ocr_internal.h. */
int xk_ocr_numeral_value(const char *s, size_t len, size_t *at)
{
    size_t i = value_at(s, len);
    if (i == (size_t)-1)
        return -1;
    *at = i;
    size_t chars = 0, off = 0, numerals = 0;
    while (i < len) {
        unsigned cp;
        size_t n = xk_utf8_decode(s + i, len - i, &cp);
        if (n == 0 || !xk_is_han(cp))
            return -1;
        numerals += is_numeral(cp);
        off += !is_numeral(cp) && !is_yao_like(cp);
        chars++;
        i += n;
    }
    if (chars < NUMERAL_MIN_CHARS || chars > NUMERAL_MAX_CHARS || off > 1 || numerals < 2)
        return -1;
    return (int)off;
}

/* value (len bytes, numerals and 么) with each 么 made 幺, into out (size bytes): its length,
 * or 0 when it does not fit. */
static size_t yao_restored(const char *value, size_t len, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = xk_utf8_decode(value + i, len - i, &cp);
        const char *c = is_yao_like(cp) ? "幺" : value + i;
        size_t m = is_yao_like(cp) ? strlen("幺") : n;
        if (n == 0 || o + m >= size)
            return 0;
        memcpy(out + o, c, m);
        o += m;
        i += n;
    }
    out[o] = '\0';
    return o;
}

/* Whether now has as many characters as was and the same one wherever was has a numeral. */
static bool keeps_numerals(const char *was, size_t was_len, const char *now, size_t now_len)
{
    size_t i = 0, j = 0;
    while (i < was_len && j < now_len) {
        unsigned a, b;
        size_t n = xk_utf8_decode(was + i, was_len - i, &a);
        size_t m = xk_utf8_decode(now + j, now_len - j, &b);
        if (n == 0 || m == 0 || (is_numeral(a) && a != b))
            return false;
        i += n;
        j += m;
    }
    return i == was_len && j == now_len;
}

/* The characters the line may be read with: its label as read (bytes [0, at)), the colons and
 * the numerals with 么; false when the label is too long to be one. */
static bool allowed_chars(const char *s, size_t at, char *out, size_t size)
{
    int n = snprintf(out, size, "%.*s:：%s%s", (int)at, s, NUMERALS, LOOKS_LIKE_YAO);
    return n > 0 && (size_t)n < size;
}

/* l's value (from byte at) read again with only numerals allowed, into out (size bytes): its
 * length when that reading is numerals alone, as many as the value has characters, keeping the
 * ones it has; else 0. */
static size_t read_numerals(TessBaseAPI *api, PIX *image, const page_line *l, size_t at,
                            double *left, char *out, size_t size)
{
    char allowed[256];
    char *text = allowed_chars(l->text.data, at, allowed, sizeof allowed)
                     ? xk_ocr_read_line_with(api, image, l, allowed, left)
                     : NULL;
    size_t len = text ? strlen(text) : 0, now_at = 0, got = 0;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        len--;
    if (text && xk_ocr_numeral_value(text, len, &now_at) == 0 && len - now_at < size &&
        keeps_numerals(l->text.data + at, l->text.len - at, text + now_at, len - now_at)) {
        got = len - now_at;
        memcpy(out, text + now_at, got);
        out[got] = '\0';
    }
    TessDeleteText(text);
    return got;
}

/* See ocr_internal.h. */
void xk_ocr_read_numerals(TessBaseAPI *api, PIX *image, page_lines *pl, int threshold, double *left)
{
    for (size_t i = 0; i < pl->n; i++) {
        page_line *l = &pl->items[i];
        size_t at = 0;
        int off = l->text.oom || !l->text.data
                      ? -1
                      : xk_ocr_numeral_value(l->text.data, l->text.len, &at);
        if (off < 0)
            continue;
        char read[4 * NUMERAL_MAX_CHARS + 1], yao[4 * NUMERAL_MAX_CHARS + 1];
        size_t n = 0;
        if (off == 1 && l->min_conf < threshold && l->right > l->left)
            n = read_numerals(api, image, l, at, left, read, sizeof read);
        if (off == 1 && n == 0)
            continue; /* still a character off: left as read */
        const char *value = n ? read : l->text.data + at;
        size_t m = yao_restored(value, n ? n : l->text.len - at, yao, sizeof yao);
        bool same = m == l->text.len - at && memcmp(yao, l->text.data + at, m) == 0;
        if (m && !same && xk_ocr_line_note_fix(l, l->text.data + at, l->text.len - at, yao, m))
            xk_buf_splice(&l->text, at, l->text.len - at, yao, m);
    }
}
