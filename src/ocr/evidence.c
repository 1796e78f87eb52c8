/*
 * Evidence, beside Tesseract's word confidences, that a field was read right. Tesseract's
 * confidence on Chinese print is a poor guide: the lowest word of a line whose every character
 * is right often scores 0-60 (three faces, 150-300 dpi, clean pages), so a field flagged for a
 * low confidence alone is, four times in five, right. What the licence itself says is a better
 * guide, and a field it confirms is not flagged for its confidence:
 *  - a provision, an item or a service condition that is, whole, one entry of the standard
 *    wording (data/provisions.txt): a misread character makes it no entry; a service whose
 *    qualifier and conditions are standard, each item of its lists a whole piece of them,
 *    every line of its block its name or such wording (a qualifier line lost leaves one);
 *  - the licence number read alike on two or more lines (each page prints it), with no line
 *    reading another province for it;
 *  - the two dates, when 有效期至 falls five years to the day after 发证日期 (the term of a
 *    value-added licence): a misread digit in either breaks that.
 *  - the company's name read alike wherever the licence prints it (公司名称, the provisions'
 *    preamble "…重要组成部分，<name>应当…", each 附页 header "<name>获准经营…"), on at least
 *    one of those lines surely (see company_confirmed).
 * Corrections beyond the noise (xk_ocr_within_noise) and every other reason to doubt a field
 * still flag it (scan.c).
 *
 * The other way round, a service name misread past recognition (国内多方通信服务业务 read
 * 内多方通信服务业务) leaves no field to flag: a line of the services that starts a few
 * characters from a catalogue name the licence was not read to grant names that service lost.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocr_internal.h"
#include "xuke/catalogue.h"
#include "xuke/text.h"

/* Readings of lic's number in text: how many agree (the same province before the same
 * category and serial), or -1 when a line reads another province for it. */
static int number_readings(const xk_licence *lic, const char *text)
{
    if (!lic->number || !lic->region)
        return 0;
    size_t rlen = strlen(lic->region);
    const char *key = lic->number + rlen; /* "B2-20224676" */
    size_t klen = strlen(key);
    if (klen == 0)
        return 0;
    int agree = 0;
    for (const char *p = strstr(text, key); p; p = strstr(p + klen, key)) {
        if (p[klen] >= '0' && p[klen] <= '9')
            continue; /* a longer number */
        const char *q = p;
        while (q > text && q[-1] == ' ')
            q--;
        if (rlen == 0) {
            agree++;
            continue;
        }
        if ((size_t)(q - text) < rlen)
            continue;
        if (memcmp(q - rlen, lic->region, rlen) == 0)
            agree++;
        else if (q - text >= 3 && xk_region_by_abbr(q - 3, 3))
            return -1;
    }
    return agree;
}

static bool dates_agree(const xk_licence *lic)
{
    return xk_date_is_set(lic->issued) && xk_date_is_set(lic->expires) &&
           lic->expires.year == lic->issued.year + 5 && lic->expires.month == lic->issued.month &&
           lic->expires.day == lic->issued.day;
}

static bool provision_standard(const xk_provision *p)
{
    if (!xk_ocr_is_standard(p->text, 0))
        return false;
    for (size_t i = 0; i < p->n_items; i++)
        if (p->items[i].no != (int)i + 1 || !xk_ocr_is_standard(p->items[i].text, p->items[i].no))
            return false;
    return true;
}

static bool items_standard(const xk_strlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        if (!xk_ocr_is_standard_piece(l->items[i]))
            return false;
    return true;
}

/* Whether line s[0..len) is accounted for in service sv's block: empty, its name and qualifier
 * and nothing more ("，含文化、游戏" after them: lists that may have been lost), a standard text
 * whole (a condition, a qualifier line), or the label 发证机关 that ends the block. */
static bool service_line_known(const xk_service *sv, const char *s, size_t len)
{
    while (len && *s == ' ') {
        s++;
        len--;
    }
    size_t used = 0;
    if (len == 0 || xk_starts_with(s, len, "发证机关"))
        return true;
    if (xk_service_match(s, len, &used)) { /* its name and qualifier, nothing more */
        char whole[256];
        snprintf(whole, sizeof whole, "%s%s", sv->name ? sv->name : "", sv->scope ? sv->scope : "");
        return xk_ocr_same_words(s, len, whole, strlen(whole));
    }
    char *copy = strndup(s, len);
    bool known = copy && xk_ocr_is_standard(copy, -1);
    free(copy);
    return known;
}

/* Whether every line of text from first to last (1-based) is accounted for in a service's
 * block: a qualifier read as nothing (lost, or garbled past recognition) leaves a line that is
 * not, and the service's lists may then miss what it said. */
static bool service_lines_known(const xk_service *sv, const char *text, int first, int last)
{
    const char *p = text;
    for (int line = 1; p && *p && line <= last; line++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (line >= first && !service_line_known(sv, p, len))
            return false;
        p = nl ? nl + 1 : NULL;
    }
    return true;
}

/* A service whose qualifier, its lists and its conditions are all standard wording (its name
 * is the catalogue's by construction). */
static bool service_standard(const xk_service *s)
{
    if (s->scope && s->scope[0] && !xk_ocr_is_standard(s->scope, -1))
        return false;
    if (!items_standard(&s->limited_to) || !items_standard(&s->includes) ||
        !items_standard(&s->excludes))
        return false;
    for (size_t i = 0; i < s->conditions.len; i++)
        if (!xk_ocr_is_standard(s->conditions.items[i], -1))
            return false;
    return true;
}

/* The word characters (Chinese characters, Latin letters and digits) of a text, each with its
 * line (1-based): what two readings of a name are compared by, marks and spaces aside. */
typedef struct word_chars {
    unsigned *cp;
    int *line;
    size_t n;
} word_chars;

static bool word_char(unsigned c)
{
    bool digit = c >= '0' && c <= '9', letter = (c | 32) >= 'a' && (c | 32) <= 'z';
    return xk_is_han(c) || (c < 128 && (digit || letter));
}

static size_t word_chars_of(const char *s, size_t len, unsigned *cp, int *line, int first)
{
    size_t n = 0;
    int at_line = first;
    for (size_t i = 0; i < len;) {
        unsigned c = 0;
        size_t k = xk_utf8_decode(s + i, len - i, &c);
        i += k ? k : 1;
        if (k && c == '\n')
            at_line++;
        else if (k && word_char(c)) {
            cp[n] = c;
            if (line)
                line[n] = at_line;
            n++;
        }
    }
    return n;
}

/* Where the word characters of marker (a few Chinese characters) next stand in w from `from`
 * on, or w->n. */
static size_t find_marker(const word_chars *w, size_t from, const unsigned *m, size_t mn)
{
    for (size_t i = from; i + mn <= w->n; i++)
        if (memcmp(w->cp + i, m, mn * sizeof *m) == 0)
            return i;
    return w->n;
}

/* How a reading w[from, to) compares with the name: one more agreeing (and surely read when
 * every line it stands on was read at threshold or over) or differing. */
static void compare_reading(const word_chars *w, size_t from, size_t to, const unsigned *name,
                            size_t nn, const xk_ocr_result *ocr, int threshold, int counts[3])
{
    if (to - from != nn || memcmp(w->cp + from, name, nn * sizeof *name) != 0) {
        counts[2]++;
        return;
    }
    counts[0]++;
    int low = 101;
    for (size_t i = from; i < to; i++) {
        int l = w->line[i];
        if (l >= 1 && (size_t)l <= ocr->n_lines && ocr->lines[l - 1].confidence < low)
            low = ocr->lines[l - 1].confidence;
        if (l >= 1 && (size_t)l <= ocr->n_lines && ocr->lines[l - 1].reread)
            low = -1; /* its own two readings disagreed */
    }
    counts[1] += low >= threshold;
}

/*
 * The company's name is printed on the first page (公司名称), in the provisions' preamble
 * ("《特别规定事项》是经营许可证重要组成部分，<name>应当按照…") and above each 附页 list of
 * websites ("<name>获准经营…"). Tesseract's lowest word on the 公司名称 line is often the
 * label or its colon (read "公司名称;" at 42 on a clean held-out page, the name right), so the
 * line's confidence says little about the name. The name is confirmed when every other place
 * reads it alike, at least one does, and one of those places was read surely (every word of its
 * lines at the threshold or over): the same as the name read surely on its own line. Read alike
 * only on lines read poorly it is not: the same misreading made twice on one render (涧 for 润
 * on the first page and in the preamble of a tuning render, lines at 44 and 34) is common. Nor
 * is it when its own line, read again alone, was read otherwise (reread.c): its readings
 * disagree.
 */
static bool company_confirmed(const xk_licence *lic, const xk_ocr_result *ocr, int threshold)
{
    if (!lic->company || !*lic->company || lic->line_company_differs || !ocr->text)
        return false;
    if (lic->line_company >= 1 && (size_t)lic->line_company <= ocr->n_lines &&
        ocr->lines[lic->line_company - 1].reread)
        return false; /* read again alone, and read otherwise: its readings disagree */
    static const unsigned preamble[] = {0x91CD, 0x8981, 0x7EC4, 0x6210, 0x90E8, 0x5206}; /* 重要组成部分 */
    static const unsigned shall[] = {0x5E94, 0x5F53};                                 /* 应当 */
    static const unsigned header[] = {0x83B7, 0x51C6, 0x7ECF, 0x8425};               /* 获准经营 */
    size_t clen = strlen(lic->company);
    unsigned *name = malloc(clen * sizeof *name + 1);
    word_chars w = {malloc(ocr->len * sizeof *w.cp + 1), malloc(ocr->len * sizeof *w.line + 1), 0};
    bool confirmed = false;
    if (name && w.cp && w.line) {
        size_t nn = word_chars_of(lic->company, clen, name, NULL, 0);
        w.n = word_chars_of(ocr->text, ocr->len, w.cp, w.line, 1);
        int counts[3] = {0, 0, 0}; /* agreeing, of them read surely, differing */
        for (size_t at = find_marker(&w, 0, preamble, 6); nn && at < w.n;
             at = find_marker(&w, at + 6, preamble, 6)) {
            size_t to = find_marker(&w, at + 6, shall, 2);
            if (to < w.n && to - (at + 6) <= 2 * nn)
                compare_reading(&w, at + 6, to, name, nn, ocr, threshold, counts);
            else
                counts[2]++; /* the name's end not read */
        }
        for (size_t at = find_marker(&w, 0, header, 4); nn && at < w.n;
             at = find_marker(&w, at + 4, header, 4)) {
            size_t from = at;
            while (from > 0 && w.line[from - 1] == w.line[at])
                from--; /* the header starts its line */
            compare_reading(&w, from, at, name, nn, ocr, threshold, counts);
        }
        confirmed = nn && counts[0] >= 1 && counts[1] >= 1 && counts[2] == 0;
    }
    free(name);
    free(w.cp);
    free(w.line);
    return confirmed;
}

bool xk_ocr_field_confirmed(const xk_licence *lic, const xk_ocr_result *ocr, ocr_field kind,
                            size_t index, int first, int last, int threshold)
{
    const char *text = ocr->text;
    switch (kind) {
    case OCR_FIELD_COMPANY:
        return company_confirmed(lic, ocr, threshold);
    case OCR_FIELD_NUMBER:
        return number_readings(lic, text) >= 2;
    case OCR_FIELD_ISSUED:
    case OCR_FIELD_EXPIRES:
        return dates_agree(lic);
    case OCR_FIELD_SERVICE:
        return index < lic->n_services && service_standard(&lic->services[index]) &&
               service_lines_known(&lic->services[index], text, first, last);
    case OCR_FIELD_PROVISION:
        return index < lic->n_provisions && provision_standard(&lic->provisions[index]);
    default:
        return false;
    }
}

/* Whether lic was read to grant the service with this code. */
static bool granted(const xk_licence *lic, const char *code)
{
    for (size_t i = 0; i < lic->n_services; i++)
        if (strcmp(lic->services[i].code, code) == 0)
            return true;
    return false;
}

/* Lines a service's name never starts: its qualifier, its condition, the label. */
bool xk_ocr_other_service_line(const char *s, size_t len)
{
    static const char *const starts[] = {"【", "[", "(", "（", "不含", "仅限", "含", "依法", "及覆盖", "业务种类"};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
        if (len >= strlen(starts[i]) && memcmp(s, starts[i], strlen(starts[i])) == 0)
            return true;
    return false;
}

/* See ocr_internal.h: a name of n characters is compared with the line's first n - 1, n and
 * n + 1; the nearest wins, and two services equally near name none. */
const xk_service_kind *xk_ocr_near_service(const char *s, size_t len, size_t *bytes)
{
    size_t off[XK_MAX_WORDING_CHARS + 1];
    size_t n = xk_utf8_offsets(s, len, off, XK_MAX_WORDING_CHARS);
    const xk_service_kind *best = NULL;
    size_t best_d = OCR_LOST_NAME + 1, best_bytes = 0;
    bool tie = false;
    for (size_t i = 0; i < xk_service_count(); i++) {
        const xk_service_kind *k = xk_service_at(i);
        size_t chars = xk_utf8_count(k->name, strlen(k->name));
        if (chars < 4)
            continue;
        for (size_t take = chars - 1; take <= chars + 1 && take <= n; take++) {
            size_t d = xk_ocr_distance(s, off[take], k->name, strlen(k->name), OCR_LOST_NAME);
            if (d < best_d) {
                best = k;
                best_d = d;
                best_bytes = off[take];
                tie = false;
            } else if (d == best_d && d <= OCR_LOST_NAME && k != best) {
                tie = true;
            }
        }
    }
    if (tie || !best)
        return NULL;
    if (bytes)
        *bytes = best_bytes;
    return best;
}

size_t xk_ocr_lost_services(const xk_licence *lic, const xk_ocr_result *ocr, ocr_lost_service *out,
                            size_t max)
{
    int from = lic->line_services, to = lic->line_issued ? lic->line_issued : (int)ocr->n_lines;
    if (from < 1 || to <= from)
        return 0;
    size_t found = 0;
    const char *p = ocr->text, *end = ocr->text + ocr->len;
    for (int line = 1; p < end && line < to && found < max; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *s = p;
        p = nl ? nl + 1 : end;
        if (line <= from)
            continue;
        while (len && *s == ' ') {
            s++;
            len--;
        }
        size_t used = 0;
        if (len == 0 || xk_ocr_other_service_line(s, len) || xk_service_match(s, len, &used))
            continue;
        const xk_service_kind *k = xk_ocr_near_service(s, len, NULL);
        bool listed = false;
        for (size_t i = 0; k && i < found && !listed; i++)
            listed = strcmp(out[i].code, k->code) == 0;
        if (k && !listed && !granted(lic, k->code))
            out[found++] = (ocr_lost_service){k->code, line};
    }
    return found;
}
