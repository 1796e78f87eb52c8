/*
 * Repairs of a field by what the rest of the licence says, once the lines are repaired one by
 * one (repair.c): where OCR garbled a field past reading and the licence would be refused for
 * it, though a person reads it on the page.
 *  - A date garbled past reading ("20195年07月18日", "2024年?月18日": the licence refused as
 *    having no 发证日期 or 有效期至) is the other date five years on or back, when the digits
 *    read agree with that but for OCR_DATE_DIGITS_OFF of them: a value-added licence is issued
 *    for five years (电信业务经营许可管理办法; docs/DOMAIN.md). A licence reissued after a change
 *    keeps its first expiry, so the date taken may still be wrong: it is flagged like any repair.
 *  - A service name that lost or misread a character or two (国内多方通信服务业务 read
 *    "内多方通信服务业务": the licence refused as granting no service) is the catalogue's name it
 *    is nearest, when it is near one only (xk_ocr_near_service).
 * Each is noted as a repair and never as noise, so the field is flagged for a person to check
 * against the paper; nothing is repaired where the field was read.
 */
#include <stdio.h>
#include <string.h>

#include "repair.h"
#include "xuke/catalogue.h"
#include "xuke/date.h"
#include "xuke/text.h"

/* Digits a garbled date may read otherwise than the date it is taken for (lost, added, read
 * as others): "20195" for 2019 is one, "2024年?月18日" for 2024年07月18日 one or two. */
#define OCR_DATE_DIGITS_OFF 2
/* Digits a garbled date must still show to be compared at all (a year and a little more). */
#define OCR_DATE_DIGITS_MIN 5
/* The term of a value-added licence in years (see above). */
#define LICENCE_TERM_YEARS 5

/* A line of the text: where it starts, its bytes, its number (1-based). */
typedef struct text_line {
    size_t at, len;
    int no;
} text_line;

/* The line after *l (the first when l->no is 0); false after the last. */
static bool next_line(const xk_buf *b, text_line *l)
{
    size_t from = l->no ? l->at + l->len + 1 : 0;
    if (from > b->len || (l->no && from == b->len))
        return false;
    const char *nl = memchr(b->data + from, '\n', b->len - from);
    l->at = from;
    l->len = nl ? (size_t)(nl - (b->data + from)) : b->len - from;
    l->no++;
    return true;
}

/* Spaces at the start of line l skipped: where its text starts. */
static size_t text_start(const xk_buf *b, const text_line *l)
{
    size_t i = l->at;
    while (i < l->at + l->len && b->data[i] == ' ')
        i++;
    return i;
}

/* A date field: its label, its value's bytes in the text, and the date read there. */
typedef struct date_field {
    const char *label;
    text_line line;
    size_t value, value_len; /* after the label, its colon and spaces */
    bool found, read;
    xk_date date;
} date_field;

static void find_date(const xk_buf *b, date_field *f)
{
    text_line l = {0, 0, 0};
    while (!f->found && next_line(b, &l)) {
        size_t s = text_start(b, &l), end = l.at + l.len;
        size_t used = xk_starts_with(b->data + s, end - s, f->label);
        if (!used)
            continue;
        size_t v = s + used;
        static const char *const gaps[] = {":", "：", " "};
        size_t n;
        while ((n = xk_starts_with_any(b->data + v, end - v, gaps, 3, NULL)))
            v += n;
        f->found = true;
        f->line = l;
        f->value = v;
        f->value_len = end - v;
        f->read = xk_date_find_ocr(b->data + v, end - v, &f->date, NULL, NULL, NULL, &(int){0});
    }
}

/* The ASCII digits of s[0..len) into out (at most size - 1, NUL-terminated): their count. */
static size_t digits_of(const char *s, size_t len, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < size; i++)
        if (s[i] >= '0' && s[i] <= '9')
            out[n++] = s[i];
    out[n] = '\0';
    return n;
}

static bool holds(const char *s, size_t len, const char *word)
{
    for (size_t i = 0; i < len; i++)
        if (xk_starts_with(s + i, len - i, word))
            return true;
    return false;
}

/* Whether the garbled value text[0..len) agrees with date d but for OCR_DATE_DIGITS_OFF of its
 * digits (d written with or without its zeros: 2024年07月18日 or 2024年7月18日). */
static bool digits_agree(const char *text, size_t len, xk_date d)
{
    char read[64], padded[16], plain[16];
    size_t n = digits_of(text, len, read, sizeof read);
    if (n < OCR_DATE_DIGITS_MIN || !holds(text, len, "年"))
        return false;
    snprintf(padded, sizeof padded, "%04d%02d%02d", d.year, d.month, d.day);
    snprintf(plain, sizeof plain, "%04d%d%d", d.year, d.month, d.day);
    return xk_ocr_distance(read, n, padded, strlen(padded), OCR_DATE_DIGITS_OFF) <=
               OCR_DATE_DIGITS_OFF ||
           xk_ocr_distance(read, n, plain, strlen(plain), OCR_DATE_DIGITS_OFF) <=
               OCR_DATE_DIGITS_OFF;
}

/* Garbled date field f written as known, years after it (years negative: before), when its
 * digits agree; the repair noted. */
static void date_from_term(xk_buf *b, date_field *f, const date_field *known, int years,
                           ocr_repairs *rep)
{
    if (!f->found || f->read || !known->found || !known->read || f->line.no == known->line.no ||
        (known->date.month == 2 && known->date.day == 29))
        return;
    xk_date d = xk_date_add_years(known->date, years);
    if (!digits_agree(b->data + f->value, f->value_len, d))
        return;
    char to[32];
    snprintf(to, sizeof to, "%04d年%02d月%02d日", d.year, d.month, d.day);
    size_t before = rep->n;
    xk_ocr_repair_note(rep, f->line.no, b->data + f->value, f->value_len, to, strlen(to));
    if (rep->n > before)
        rep->items[rep->n - 1].noise = false; /* taken from the term: never mere noise */
    xk_buf_splice(b, f->value, f->value_len, to, strlen(to));
}

/* A service line of the block from the line after 业务种类 to the one before 发证机关 or
 * 发证日期 that names no catalogue service but starts with Chinese characters near one name
 * only, ending the line or before a bracket: that name written for them, the repair noted.
 * Lines are rewritten from the last, so the offsets of those before stay right. */
#define OCR_SERVICE_LINES 64 /* lines of the block looked at; a licence has a dozen */

/* Whether s[0..len) is Chinese characters only, as a service's name is. */
static bool all_han(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned cp = 0;
        size_t k = xk_utf8_decode(s + i, len - i, &cp);
        if (!k || !xk_is_han(cp))
            return false;
        i += k;
    }
    return len > 0;
}

/* Whether a service's name may end where s[0..len) starts: at the line's end, or before its
 * qualifier or condition in brackets. A wrapped qualifier's tail ("信息服务）") is no name. */
static bool name_ends_at(const char *s, size_t len)
{
    static const char *const opens[] = {"（", "(", "〈", "《", "【", "["};
    while (len && *s == ' ') {
        s++;
        len--;
    }
    return len == 0 || xk_starts_with_any(s, len, opens, sizeof opens / sizeof opens[0], NULL);
}

static void services_from_catalogue(xk_buf *b, ocr_repairs *rep)
{
    text_line l = {0, 0, 0}, lines[OCR_SERVICE_LINES];
    size_t n = 0;
    bool in_block = false;
    while (next_line(b, &l) && n < OCR_SERVICE_LINES) {
        size_t s = text_start(b, &l), len = l.at + l.len - s;
        const char *t = b->data + s;
        if (!in_block) {
            in_block = xk_starts_with(t, len, "业务种类") != 0;
            continue;
        }
        if (xk_starts_with(t, len, "发证机关") || xk_starts_with(t, len, "发证日期"))
            break;
        lines[n++] = l;
    }
    while (n--) {
        size_t s = text_start(b, &lines[n]), len = lines[n].at + lines[n].len - s, used = 0;
        const char *t = b->data + s;
        if (len == 0 || xk_ocr_other_service_line(t, len) || xk_service_match(t, len, &used))
            continue;
        size_t bytes = 0;
        const xk_service_kind *k = xk_ocr_near_service(t, len, &bytes);
        if (!k || !all_han(t, bytes) || !name_ends_at(t + bytes, len - bytes))
            continue;
        size_t before = rep->n;
        xk_ocr_repair_note(rep, lines[n].no, t, bytes, k->name, strlen(k->name));
        if (rep->n > before)
            rep->items[rep->n - 1].noise = false;
        xk_buf_splice(b, s, bytes, k->name, strlen(k->name));
    }
}

void xk_ocr_repair_fields(xk_buf *text, ocr_repairs *rep)
{
    if (text->oom || !text->data)
        return;
    services_from_catalogue(text, rep);
    date_field issued = {.label = "发证日期"}, expires = {.label = "有效期至"};
    find_date(text, &issued);
    find_date(text, &expires);
    if (issued.found && expires.found && expires.line.no > issued.line.no) {
        /* the later line first: the earlier one's offsets stay right */
        date_from_term(text, &expires, &issued, LICENCE_TERM_YEARS, rep);
        date_from_term(text, &issued, &expires, -LICENCE_TERM_YEARS, rep);
    }
}
