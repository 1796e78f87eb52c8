/*
 * Licence numbers in running text: [region]<category>-<year><serial>, e.g. 京B2-20224676,
 * B2-20190456 (cross-regional, no region), 京B1.B2-20150123 (both classes), and the basic-telecom
 * A1/A2 forms that must be recognised in order to be refused. Works on compact NFKC text, so
 * "琼 B2- 2022 0293" and "琼Ｂ２－２０２２０２９３" arrive as 琼B2-20220293. Also recognises the
 * ICP numbers users paste by mistake (京ICP证030173号, 京ICP备10046444号-9).
 */
#include <stdio.h>
#include <string.h>

#include "xuke/catalogue.h"
#include "xuke/limits.h"
#include "extract.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Dash-like characters a number's hyphen arrives as; returns the byte length or 0. */
static size_t hyphen_at(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    if (s[0] == '-' || s[0] == '_')
        return 1;
    unsigned cp;
    size_t n = xk_utf8_decode(s, len, &cp);
    if (n && ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xFE63 || cp == 0x4E00 ||
              cp == 0x30FC))
        return n;
    return 0;
}

/* Category at s: A1, A2, B1, B2, or a pair like B1.B2; returns bytes used. */
static size_t category_at(const char *s, size_t len, char *out, size_t out_size)
{
    if (len < 2 || (s[0] != 'A' && s[0] != 'B') || (s[1] != '1' && s[1] != '2'))
        return 0;
    size_t used = 2;
    if (out_size >= 3) { /* written as it is, not formatted: every 'A' and 'B' gets here */
        out[0] = s[0];
        out[1] = s[1];
        out[2] = '\0';
    }
    /* B1.B2 / B1,B2 / B1、B2 / B1B2 */
    size_t sep = 0;
    if (len > 2 && (s[2] == '.' || s[2] == ',' || s[2] == '/'))
        sep = 1;
    else if (len > 4 && memcmp(s + 2, "、", 3) == 0)
        sep = 3;
    if (len >= 2 + sep + 2 && s[2 + sep] == 'B' && s[2 + sep + 1] == '2' && s[0] == 'B' &&
        s[1] == '1') {
        used = 2 + sep + 2;
        snprintf(out, out_size, "B1.B2");
    }
    return used;
}

/* Does compact text s[0..end) end with a number label ("…编号", "…证号")? */
static bool label_before(const char *s, size_t end)
{
    static const char *const tails[] = {"编号", "证号", "编号:", "证号:"};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++)
        if (xk_ends_with(s, end, tails[i]))
            return true;
    return false;
}

/* Start of the UTF-8 character that ends at s[end]. */
static size_t prev_char_start(const char *s, size_t end)
{
    size_t i = end;
    while (i > 0) {
        i--;
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            break;
    }
    return i;
}

static void read_region(const char *s, size_t cat, number_match *m)
{
    if (cat == 0 || label_before(s, cat))
        return;
    size_t start = prev_char_start(s, cat);
    unsigned cp;
    size_t n = xk_utf8_decode(s + start, cat - start, &cp);
    if (n == 0 || !xk_is_han(cp))
        return;
    if (xk_region_by_abbr(s + start, n)) {
        memcpy(m->region, s + start, n);
        m->region[n] = '\0';
    } else {
        m->region_unknown = true;
        memcpy(m->bad_region, s + start, n);
        m->bad_region[n] = '\0';
    }
}

/* OCR's look-alikes of digits; -1 for anything else. */
static int look_alike(char c)
{
    if (c == 'O' || c == 'o')
        return 0;
    if (c == 'l' || c == 'I' || c == '|' || c == ']')
        return 1;
    return -1;
}

/* A look-alike counts as a digit only inside a run of digits, never at its end. */
static bool digit_at(const char *s, size_t len, size_t j, int *value)
{
    if (is_digit(s[j])) {
        *value = s[j] - '0';
        return true;
    }
    int v = look_alike(s[j]);
    if (v < 0 || j + 1 >= len)
        return false;
    bool next = is_digit(s[j + 1]) ||
                (look_alike(s[j + 1]) >= 0 && j + 2 < len && is_digit(s[j + 2]));
    if (!next)
        return false;
    *value = v;
    return true;
}

/* Tries a number whose category starts at s[i]; returns the end offset or 0. */
static size_t number_at(const char *s, size_t len, size_t i, number_match *m)
{
    if (i > 0 && (is_alpha(s[i - 1]) || is_digit(s[i - 1])))
        return 0;
    memset(m, 0, sizeof *m);
    size_t cat = category_at(s + i, len - i, m->category, sizeof m->category);
    if (!cat)
        return 0;
    size_t j = i + cat;
    size_t h = hyphen_at(s + j, len - j);
    j += h;
    size_t nd = 0, start = j, fixes = 0;
    int v;
    while (j < len && nd < sizeof m->digits - 1 && digit_at(s, len, j, &v)) {
        fixes += !is_digit(s[j]);
        m->digits[nd++] = (char)('0' + v);
        j++;
    }
    m->digits[nd] = '\0';
    if (fixes > 2)
        return 0; /* more look-alikes than digits OCR gets wrong: not a number */
    if (fixes) {
        m->corrected = true;
        snprintf(m->raw, sizeof m->raw, "%.*s", (int)(j - start), s + start);
    }
    if (j < len && is_digit(s[j]))
        return 0; /* longer than any real number */
    if (nd < 6 || (h == 0 && nd != 8))
        return 0;
    if (m->digits[0] != '1' && m->digits[0] != '2')
        return 0;
    read_region(s, i, m);
    return j;
}

bool xk_number_find(const char *s, size_t len, number_match *m)
{
    for (size_t i = 0; i + 2 <= len; i++) {
        if (s[i] != 'A' && s[i] != 'B')
            continue;
        if (number_at(s, len, i, m))
            return true;
    }
    return false;
}

void xk_number_format(const number_match *m, char *out, size_t size)
{
    snprintf(out, size, "%s%s-%s", m->region_unknown ? m->bad_region : m->region, m->category,
             m->digits);
}

int xk_icp_kind(const char *s, size_t len, char *found, size_t found_size)
{
    static const struct {
        const char *key;
        int kind;
    } keys[] = {{"ICP证", 1}, {"ICP备", 2}};
    for (size_t k = 0; k < 2; k++) {
        const char *p = NULL;
        size_t klen = strlen(keys[k].key);
        for (size_t i = 0; i + klen <= len; i++)
            if (memcmp(s + i, keys[k].key, klen) == 0) {
                p = s + i;
                break;
            }
        if (!p)
            continue;
        size_t start = (size_t)(p - s);
        if (start > 0)
            start = prev_char_start(s, start);
        size_t end = (size_t)(p - s) + klen;
        while (end < len && (is_digit(s[end]) || s[end] == '-'))
            end++;
        if (end + 3 <= len && memcmp(s + end, "号", 3) == 0)
            end += 3;
        while (end < len && (is_digit(s[end]) || s[end] == '-'))
            end++;
        snprintf(found, found_size, "%.*s", (int)(end - start), s + start);
        return keys[k].kind;
    }
    return 0;
}

bool xk_number_header_line(const char *c)
{
    static const char *const labels[] = {"经营许可证编号", "许可证编号"};
    /* a header is the label, a colon, two specks, two Han characters and a number (at most
     * 15 digits): never 256 bytes, so a provision's long line is not measured to its end */
    size_t len = strnlen(c, 256);
    if (len == 256 || len == 0)
        return false;
    size_t off = xk_starts_with_any(c, len, labels, 2, NULL);
    bool labelled = off != 0;
    /* a number ends in a digit (a look-alike counts only before one): without the label and
     * without a final digit the line cannot be a header, which rules out most lines at once */
    bool digit_last = is_digit(c[len - 1]);
    if (!labelled && !digit_last)
        return false;
    bool colon = off < len && c[off] == ':';
    if (colon)
        off++;
    /* a quote or comma a scan put before the number (经营许可证编号:”琼B2-…, a Ming-face
     * page's running header, which else joined the provision it fell inside) */
    static const char *const specks[] = {"\"", "”", "“", "'", ",", "，"};
    for (size_t k = 0, n; k < 2 && off < len &&
                          (n = xk_starts_with_any(c + off, len - off, specks, 6, NULL));
         k++)
        off += n;
    if (off == len)
        return labelled && colon;
    if (!digit_last)
        return false;
    /* Han characters before the category: its region and, under the label, one speck a scan
     * read as a character (经营许可证编号:了琼B2-…, a serif page's running header) */
    size_t most = labelled ? 2 : 1;
    number_match m;
    for (size_t han = 0;; han++) {
        if (number_at(c, len, off, &m) == len)
            return true;
        unsigned cp;
        size_t n = xk_utf8_decode(c + off, len - off, &cp);
        if (han == most || n < 2 || !xk_is_han(cp))
            return false;
        off += n;
    }
}

/*
 * A number given as an address (an API path, an argument that names one licence): the whole
 * text, after NFKC and trimming, must be one number in its normal form. Nothing is searched
 * for: "keep-NOT-京B2-20224676-typo" names no licence, whatever it contains.
 */
static void number_out(const number_match *m, const char *formatted, xk_number *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->text, sizeof out->text, "%s", formatted);
    snprintf(out->region, sizeof out->region, "%s", m->region);
    snprintf(out->category, sizeof out->category, "%s", m->category);
    out->year = (m->digits[0] - '0') * 1000 + (m->digits[1] - '0') * 100 +
                (m->digits[2] - '0') * 10 + (m->digits[3] - '0');
}

/* Only capitals, digits, '-' and CJK unified ideographs (U+4E00-U+9FFF): text that NFKC, the
 * trimming and the folding of xk_number_exact all leave as it is. */
static bool already_normal(const char *text, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)text[i];
        if ((c >= 'A' && c <= 'Z') || is_digit((char)c) || c == '-') {
            i++;
            continue;
        }
        unsigned cp;
        size_t n = xk_utf8_decode(text + i, len - i, &cp);
        if (n != 3 || cp < 0x4E00 || cp > 0x9FFF)
            return false;
        i += n;
    }
    return len > 0;
}

/* The number as given, when it is one in its normal form already (an API path, nearly always):
 * read in place, no line split or copy. False sends the text the whole way. */
static bool exact_as_given(const char *text, size_t len, xk_number *out)
{
    number_match m;
    char formatted[64];
    if (!already_normal(text, len) || !xk_number_find(text, len, &m) || m.corrected ||
        m.region_unknown)
        return false;
    xk_number_format(&m, formatted, sizeof formatted);
    if (strlen(formatted) != len || memcmp(formatted, text, len) != 0)
        return false;
    number_out(&m, formatted, out);
    return true;
}

xk_number_fit xk_number_exact(const char *text, size_t len, xk_number *out)
{
    if (len > XK_NUMBER_ADDRESS_MAX)
        return XK_NUMBER_TOO_LONG;
    if (exact_as_given(text, len, out))
        return XK_NUMBER_OK;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 && text[i] != ' ' && text[i] != '\t')
            return XK_NUMBER_NOT_TEXT; /* a line break or NUL inside an address */
    xk_lines lines;
    if (!xk_utf8_valid(text, len, NULL) || xk_lines_split(text, len, &lines, NULL) != XK_OK)
        return XK_NUMBER_NOT_TEXT;
    char *t = NULL;
    size_t nonblank = 0;
    for (size_t i = 0; i < lines.n; i++)
        if (lines.lines[i].text[0]) {
            t = lines.lines[i].text;
            nonblank++;
        }
    /* 京b2-20224676 is typed for 京B2-20224676 (as xk_number_normalise folds it) */
    for (char *c = t; c && *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    xk_number_fit fit = XK_NUMBER_OK;
    number_match m;
    char formatted[64], upper[4 * XK_NUMBER_ADDRESS_MAX + 1];
    /* 京b2-20224676 addresses 京B2-20224676, as xk_number_normalise reads it in the CLI */
    if (t && strlen(t) < sizeof upper) {
        size_t n = strlen(t);
        for (size_t i = 0; i <= n; i++)
            upper[i] = t[i] >= 'a' && t[i] <= 'z' ? (char)(t[i] - 'a' + 'A') : t[i];
        t = upper;
    } else if (t) {
        fit = XK_NUMBER_TOO_LONG;
    }
    if (fit == XK_NUMBER_TOO_LONG)
        t = NULL; /* reported as it is */
    else if (nonblank == 0)
        fit = XK_NUMBER_EMPTY;
    else if (nonblank > 1)
        fit = XK_NUMBER_EXTRA;
    else if (!xk_number_find(t, strlen(t), &m))
        fit = XK_NUMBER_NONE;
    else if (xk_number_format(&m, formatted, sizeof formatted), strcmp(formatted, t) != 0 ||
             m.corrected)
        fit = XK_NUMBER_EXTRA;
    else if (m.region_unknown)
        fit = XK_NUMBER_BAD_REGION;
    if (fit == XK_NUMBER_OK)
        number_out(&m, formatted, out);
    xk_lines_free(&lines);
    return fit;
}

const char *xk_number_fit_message(xk_number_fit fit)
{
    switch (fit) {
    case XK_NUMBER_OK:
        return "a licence number";
    case XK_NUMBER_EMPTY:
        return "empty: a licence number is needed";
    case XK_NUMBER_TOO_LONG:
        return "longer than any licence number";
    case XK_NUMBER_NOT_TEXT:
        return "not UTF-8 text";
    case XK_NUMBER_NONE:
        return "not a licence number";
    case XK_NUMBER_EXTRA:
        return "not only a licence number: it has other characters around or inside it";
    case XK_NUMBER_BAD_REGION:
        return "a licence number whose region is no province";
    }
    return "not a licence number";
}

bool xk_number_normalise(const char *text, size_t len, xk_number *out)
{
    return xk_number_read(text, len, out) == XK_OK;
}

xk_status xk_number_read(const char *text, size_t len, xk_number *out)
{
    xk_lines lines;
    xk_status st = xk_lines_split(text, len, &lines, NULL);
    if (st != XK_OK)
        return st == XK_ENOMEM ? XK_ENOMEM : XK_ENOTFOUND;
    bool found = false;
    char compact[512];
    size_t k = 0;
    for (size_t i = 0; i < lines.n; i++) {
        size_t n = strlen(lines.lines[i].compact);
        if (k + n >= sizeof compact)
            break;
        memcpy(compact + k, lines.lines[i].compact, n);
        k += n;
    }
    compact[k] = '\0';
    xk_lines_free(&lines);
    /* typed numbers: 京b2-20224676 is the same licence as 京B2-20224676 (the web and the CLI
     * both come through here, full-width forms already folded by the line splitter) */
    for (size_t i = 0; i < k; i++)
        if (compact[i] >= 'a' && compact[i] <= 'z')
            compact[i] = (char)(compact[i] - 'a' + 'A');
    number_match m;
    if (xk_number_find(compact, k, &m)) {
        memset(out, 0, sizeof *out);
        xk_number_format(&m, out->text, sizeof out->text);
        snprintf(out->region, sizeof out->region, "%s",
                 m.region_unknown ? m.bad_region : m.region);
        snprintf(out->category, sizeof out->category, "%s", m.category);
        out->year = (m.digits[0] - '0') * 1000 + (m.digits[1] - '0') * 100 +
                    (m.digits[2] - '0') * 10 + (m.digits[3] - '0');
        found = true;
    }
    return found ? XK_OK : XK_ENOTFOUND;
}

size_t xk_numbers_in_text(const char *s, size_t len, xk_number *out, size_t max)
{
    size_t found = 0;
    number_match m;
    for (size_t i = 0; i + 2 <= len; i++) {
        if (s[i] != 'A' && s[i] != 'B')
            continue;
        size_t end = number_at(s, len, i, &m);
        if (!end || m.corrected) /* typed text: a letter where a digit stands is no number */
            continue;
        if (found < max) {
            xk_number *n = &out[found];
            memset(n, 0, sizeof *n);
            /* a character before it that is no region ("许可证B2-…") is not part of it */
            snprintf(n->text, sizeof n->text, "%s%s-%s", m.region_unknown ? "" : m.region,
                     m.category, m.digits);
            snprintf(n->region, sizeof n->region, "%s", m.region_unknown ? "" : m.region);
            snprintf(n->category, sizeof n->category, "%s", m.category);
            n->year = (m.digits[0] - '0') * 1000 + (m.digits[1] - '0') * 100 +
                      (m.digits[2] - '0') * 10 + (m.digits[3] - '0');
        }
        found++;
        i = end - 1;
    }
    return found;
}

bool xk_icp_filing_in_text(const char *s, size_t len, char *out, size_t size)
{
    static const char key[] = "ICP备";
    size_t klen = sizeof key - 1;
    for (size_t i = 0; i + klen <= len; i++) {
        if (memcmp(s + i, key, klen) != 0)
            continue;
        size_t start = i > 0 ? prev_char_start(s, i) : i, end = i + klen, digits = 0;
        while (end < len && is_digit(s[end])) {
            end++;
            digits++;
        }
        if (digits < 4)
            continue;
        if (end + 3 <= len && memcmp(s + end, "号", 3) == 0)
            end += 3;
        if (end + 1 < len && s[end] == '-' && is_digit(s[end + 1])) {
            end++;
            while (end < len && is_digit(s[end]))
                end++;
        }
        snprintf(out, size, "%.*s", (int)(end - start), s + start);
        return true;
    }
    return false;
}
