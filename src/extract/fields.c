/*
 * The main page's single-valued fields: licence number, company, legal representative, issuer,
 * issue and expiry dates. Values are taken after their label on the same line, or on the next
 * lines when the label stands alone, or (the number, and dates) on the line before when a scan
 * printed the value above its label. Where a document states a field twice (the number on every
 * page header, the company in the appendix and the provisions) the copies are compared and a
 * disagreement is a warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xuke/catalogue.h"
#include "extract.h"

static size_t next_content(const doc *d, size_t i)
{
    for (i++; i < d->lines->n; i++)
        if (!is_blank(d, i) && !d->furniture[i])
            return i;
    return d->lines->n;
}

static bool ascii_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void join_line(xk_buf *out, const char *text, bool join_ascii)
{
    if (out->len > 0 && !join_ascii && ascii_alnum(out->data[out->len - 1]) && ascii_alnum(*text))
        xk_buf_putc(out, ' ');
    xk_buf_puts(out, text);
}

/* "注册住所:…", "注册资本(万元):…", "ICP备案号:…": a field xuke does not read is still a field,
 * and must not be taken for the continuation of the one above it. */
bool looks_labelled(const char *compact)
{
    size_t len = strlen(compact), i = 0, han = 0;
    while (i < len && han <= 10) {
        unsigned cp;
        size_t n = xk_utf8_decode(compact + i, len - i, &cp);
        if (n == 0)
            return false;
        if (cp == ':')
            return han >= 2;
        if (xk_is_han(cp))
            han++;
        else if (cp != '(' && cp != ')' && !((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z')))
            return false;
        i += n;
    }
    return false;
}

/* May line j continue the value of a field that started in section sec? */
static bool continues(const doc *d, size_t j, section_kind sec)
{
    label_hit hit;
    if (j >= d->lines->n || is_blank(d, j) || d->furniture[j] || d->section[j] != sec)
        return false;
    if (opens_block_header(d, j) || looks_labelled(d->lines->lines[j].compact))
        return false;
    return !label_at(d, j, &hit);
}

size_t value_collect(const doc *d, const label_hit *hit, bool join_ascii, xk_buf *out)
{
    size_t i = hit->last_line;
    section_kind sec = d->section[i];
    if (*hit->value) {
        xk_buf_puts(out, hit->value);
    } else {
        size_t j = next_content(d, i);
        if (!continues(d, j, sec))
            return i;
        join_line(out, d->lines->lines[j].text, join_ascii);
        i = j;
    }
    while (continues(d, i + 1, sec)) {
        i++;
        join_line(out, d->lines->lines[i].text, join_ascii);
    }
    return i;
}

/* --- licence number ------------------------------------------------------------------------ */

typedef struct number_seen {
    number_match m;
    int line;
    bool found;
} number_seen;

static bool line_number(const doc *d, size_t i, number_match *m)
{
    const char *c = d->lines->lines[i].compact;
    return number_find(c, strlen(c), m);
}

/* The number a NUMBER label refers to: after it, else just above it, else just below it. */
static bool labelled_number(const doc *d, size_t i, const label_hit *hit, number_seen *out)
{
    char compact[256];
    size_t k = 0;
    for (const char *p = hit->value; *p && k < sizeof compact - 1; p++)
        if (*p != ' ')
            compact[k++] = *p;
    compact[k] = '\0';
    if (number_find(compact, k, &out->m)) {
        out->line = d->lines->lines[hit->last_line].lineno;
        return out->found = true;
    }
    if (*hit->value)
        return false;
    size_t back = i, tries = 0;
    while (back > 0 && tries < 2) {
        back--;
        if (is_blank(d, back))
            continue;
        tries++;
        if (line_number(d, back, &out->m)) {
            out->line = d->lines->lines[back].lineno;
            return out->found = true;
        }
    }
    size_t fwd = hit->last_line;
    for (tries = 0; tries < 2; tries++) {
        fwd = next_content(d, fwd);
        if (fwd >= d->lines->n)
            break;
        if (number_header_line(d->lines->lines[fwd].compact) && line_number(d, fwd, &out->m)) {
            out->line = d->lines->lines[fwd].lineno;
            return out->found = true;
        }
    }
    return false;
}

static number_seen choose_number(const doc *d)
{
    number_seen best = {0}, header = {0}, any = {0};
    for (size_t i = 0; i < d->lines->n && !best.found; i++) {
        label_hit hit;
        if (is_blank(d, i))
            continue;
        if (label_at(d, i, &hit) && hit.kind == L_NUMBER && labelled_number(d, i, &hit, &best))
            break;
        number_match m;
        if (!header.found && number_header_line(d->lines->lines[i].compact) &&
            line_number(d, i, &m))
            header = (number_seen){m, d->lines->lines[i].lineno, true};
        if (!any.found && d->section[i] == SEC_MAIN && line_number(d, i, &m))
            any = (number_seen){m, d->lines->lines[i].lineno, true};
    }
    if (best.found)
        return best;
    return header.found ? header : any;
}

/* Every page repeats the number; a page that says another number is worth a warning. */
static void cross_check_number(const doc *d, const char *chosen)
{
    for (size_t i = 0; i < d->lines->n; i++) {
        number_match m;
        if (!number_header_line(d->lines->lines[i].compact) || !line_number(d, i, &m))
            continue;
        char other[64];
        number_format(&m, other, sizeof other);
        if (strcmp(other, chosen) != 0) {
            xk_licence_problem(d->lic, XK_SEV_WARNING, d->lines->lines[i].lineno,
                               "licence number %s on this page differs from %s", other, chosen);
            return;
        }
    }
}

static xk_status extract_number(doc *d)
{
    xk_licence *lic = d->lic;
    number_seen seen = choose_number(d);
    if (!seen.found)
        return XK_OK;
    char text[64];
    number_format(&seen.m, text, sizeof text);
    lic->number = xk_licence_strdup(lic, text, strlen(text));
    lic->region = xk_licence_strdup(lic, seen.m.region_unknown ? seen.m.bad_region : seen.m.region,
                                    strlen(seen.m.region_unknown ? seen.m.bad_region
                                                                 : seen.m.region));
    lic->category = xk_licence_strdup(lic, seen.m.category, strlen(seen.m.category));
    lic->number_year = (seen.m.digits[0] - '0') * 1000 + (seen.m.digits[1] - '0') * 100 +
                       (seen.m.digits[2] - '0') * 10 + (seen.m.digits[3] - '0');
    lic->line_number = seen.line;
    if (!lic->number || !lic->region || !lic->category)
        return XK_ENOMEM;
    if (seen.m.corrected)
        xk_licence_problem(lic, XK_SEV_WARNING, seen.line,
                           "经营许可证编号 read as %s from digits printed \"%s\": OCR look-alikes "
                           "taken for digits, check it",
                           text, seen.m.raw);
    const char *issuer = "";
    if (seen.m.region[0] == '\0' && !seen.m.region_unknown)
        issuer = XK_MINISTRY_ISSUER;
    else if (!seen.m.region_unknown)
        issuer = xk_region_by_abbr(seen.m.region, strlen(seen.m.region))->issuer;
    lic->issuer = xk_licence_strdup(lic, issuer, strlen(issuer));
    cross_check_number(d, text);
    return lic->issuer ? XK_OK : XK_ENOMEM;
}

/* --- company, legal representative, issuer ------------------------------------------------- */

static char *labelled_text(doc *d, label_kind kind, int *line)
{
    label_hit hit;
    if (!label_first(d, kind, &hit))
        return NULL;
    *line = d->lines->lines[hit.last_line].lineno;
    xk_buf v;
    xk_buf_init(&v);
    value_collect(d, &hit, false, &v);
    char *out = tidy_into(d->lic, v.data ? v.data : "", v.len);
    xk_buf_free(&v);
    return out;
}

/* Company named in "《特别规定事项》是经营许可证重要组成部分，X应当按照…" or "X获准经营…". */
static char *company_elsewhere(doc *d, int *line)
{
    static const char *const key = "重要组成部分,";
    for (size_t i = 0; i < d->lines->n; i++) {
        const char *c = d->lines->lines[i].compact;
        const char *p = strstr(c, key), *h = strstr(c, "获准经营");
        if (!p && !(h && h > c && !strstr(c, "你公司")))
            continue;
        xk_buf j;
        xk_buf_init(&j);
        joined_compact(d, i, &j);
        const char *text = j.data ? j.data : "";
        const char *start = NULL, *end = NULL;
        if (p) {
            start = strstr(text, key) + strlen(key);
            end = strstr(start, "应当");
        } else {
            start = text;
            end = strstr(text, "获准经营");
        }
        char *out = NULL;
        if (end && end > start) {
            *line = d->lines->lines[i].lineno;
            out = tidy_into(d->lic, start, (size_t)(end - start));
        }
        xk_buf_free(&j);
        if (out)
            return out;
    }
    return NULL;
}

static void remove_spaces(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++)
        if (*r != ' ')
            *w++ = *r;
    *w = '\0';
}

static xk_status extract_names(doc *d)
{
    xk_licence *lic = d->lic;
    int line = 0, other_line = 0;
    char *company = labelled_text(d, L_COMPANY, &line);
    char *other = company_elsewhere(d, &other_line);
    if (company && *company) {
        lic->company = company;
        lic->line_company = line;
        if (other && *other && strcmp(other, company) != 0) {
            lic->line_company_differs = other_line;
            xk_licence_problem(lic, XK_SEV_WARNING, other_line,
                               "company named here as %s, on the main page as %s", other, company);
        }
    } else if (other && *other) {
        lic->company = other;
        lic->line_company = other_line;
        xk_licence_problem(lic, XK_SEV_WARNING, other_line,
                           "公司名称 not found on the main page; taken from the text: %s", other);
    } else {
        lic->line_company = line;
    }
    char *legal = labelled_text(d, L_LEGAL, &line);
    lic->line_legal = line;
    if (legal && *legal) {
        remove_spaces(legal);
        lic->legal_representative = legal;
    }
    char *issuer = labelled_text(d, L_ISSUER, &line);
    if (issuer && *issuer && lic->issuer && *lic->issuer && !strstr(issuer, lic->issuer) &&
        strstr(issuer, "管理局"))
        xk_licence_problem(lic, XK_SEV_WARNING, line,
                           "发证机关 reads %s but the number's region is issued by %s", issuer,
                           lic->issuer);
    return XK_OK;
}

/* --- dates --------------------------------------------------------------------------------- */

typedef struct date_at {
    xk_date date;
    int line;
    bool used;
} date_at;

typedef struct date_state {
    label_kind queue[8];
    size_t nqueue;
    date_at orphans[16];
    size_t norphans;
    bool issued_from_range; /* 有效期: A至B gave the issue date; an explicit 发证日期 wins */
    bool value_next;        /* the next unlabelled line is a queued label's value */
} date_state;

static void assign(doc *d, label_kind kind, xk_date date, int line)
{
    xk_licence *lic = d->lic;
    if (kind == L_ISSUED && !xk_date_is_set(lic->issued)) {
        lic->issued = date;
        lic->line_issued = line;
    } else if (kind == L_EXPIRES && !xk_date_is_set(lic->expires)) {
        lic->expires = date;
        lic->line_expires = line;
    }
}

/* A date field as review warnings name it. */
static const char *date_field(label_kind kind)
{
    return kind == L_ISSUED ? "发证日期 (issued)" : kind == L_EXPIRES ? "有效期至 (expires)" : "date";
}

static void keep_other_reading(doc *d, label_kind kind, const char *span, size_t len, int line)
{
    date_alt *alt = kind == L_ISSUED ? &d->alt_issued : &d->alt_expires;
    if (alt->line || !xk_date_find_ocr_beside(span, len, &alt->date))
        return;
    alt->line = line;
    snprintf(alt->raw, sizeof alt->raw, "%.*s", (int)xk_utf8_whole(span, len < 63 ? len : 63),
             span);
}

/* Up to two dates in text; an impossible date is reported against the field. */
static int dates_in(doc *d, const char *text, int line, label_kind kind, xk_date out[2])
{
    int n = 0;
    size_t len = strlen(text), off = 0;
    while (n < 2 && off < len) {
        size_t s, e;
        bool bad = false;
        int fixes = 0;
        if (!xk_date_find_ocr(text + off, len - off, &out[n], &s, &e, &bad, &fixes)) {
            if (bad && kind != L_NONE)
                xk_licence_problem(d->lic, XK_SEV_ERROR, line, "%s is not a valid date: %s",
                                   label_name(kind), text);
            break;
        }
        if (fixes && n == 0 && (kind == L_ISSUED || kind == L_EXPIRES))
            keep_other_reading(d, kind, text + off + s, e - s, line);
        if (fixes) {
            char iso[16];
            xk_licence_problem(d->lic, XK_SEV_WARNING, line,
                               XK_REVIEW_PREFIX "%s: read as %s from \"%.*s\": OCR look-alikes "
                               "taken for digits",
                               date_field(kind), xk_date_format(out[n], iso, sizeof iso),
                               (int)(e - s), text + off + s);
        }
        n++;
        off += e;
    }
    return n;
}

static bool take_orphan_before(doc *d, date_state *st, size_t i, label_kind kind)
{
    if (st->norphans == 0)
        return false;
    date_at *o = &st->orphans[st->norphans - 1];
    int lineno = d->lines->lines[i].lineno;
    if (o->used || lineno - o->line > 4)
        return false;
    o->used = true;
    assign(d, kind, o->date, o->line);
    return true;
}

static void date_label(doc *d, date_state *st, size_t i, const label_hit *hit)
{
    int line = d->lines->lines[hit->last_line].lineno;
    if (hit->kind == L_ISSUED && !d->lic->line_issued)
        d->lic->line_issued = line;
    if (hit->kind == L_EXPIRES && !d->lic->line_expires)
        d->lic->line_expires = line;
    xk_date got[2];
    int n = dates_in(d, hit->value, line, hit->kind, got);
    if (n == 2 && hit->kind == L_EXPIRES) { /* 有效期: 2022年…至2027年… */
        if (!xk_date_is_set(d->lic->issued))
            st->issued_from_range = true;
        assign(d, L_ISSUED, got[0], line);
        assign(d, L_EXPIRES, got[1], line);
    } else if (n >= 1 && hit->kind == L_ISSUED && st->issued_from_range) {
        d->lic->issued = got[0]; /* a reissue prints both: the label means the issue date */
        d->lic->line_issued = line;
        st->issued_from_range = false;
    } else if (n >= 1) {
        assign(d, hit->kind, got[0], line);
    } else if (*hit->value == '\0' && !take_orphan_before(d, st, i, hit->kind) && st->nqueue < 8) {
        st->queue[st->nqueue++] = hit->kind;
        st->value_next = true;
    }
}

/* The first queued date label, taken off the queue. */
static label_kind pop_label(date_state *st)
{
    label_kind k = st->queue[0];
    memmove(st->queue, st->queue + 1, (st->nqueue - 1) * sizeof st->queue[0]);
    st->nqueue--;
    return k;
}

static void date_line(doc *d, date_state *st, size_t i)
{
    int line = d->lines->lines[i].lineno;
    xk_date got[2];
    label_kind expect = st->nqueue ? st->queue[0] : L_NONE;
    int n = dates_in(d, d->lines->lines[i].text, line, expect, got);
    /* "发证日期:" / "2.0江9年.6局2目" / "有效期至:" / "2024年6月3日": the line right after the
     * label is its unreadable value, not a reason to give the expiry date to 发证日期 */
    if (n == 0 && st->value_next && st->nqueue > 0 && xk_date_shaped(d->lines->lines[i].text)) {
        xk_licence_problem(d->lic, XK_SEV_ERROR, line, "%s is not a valid date: %s",
                           label_name(pop_label(st)), d->lines->lines[i].text);
    }
    for (int k = 0; k < n; k++) {
        if (st->nqueue > 0) {
            assign(d, pop_label(st), got[k], line);
        } else if (st->norphans < 16) {
            st->orphans[st->norphans++] = (date_at){got[k], line, false};
        }
    }
    st->value_next = n > 0 && st->nqueue > 0; /* 发证日期: / 有效期至: / date / date */
}

/* Dates no label claimed: the earlier is the issue date, the later the expiry. */
static void date_fallback(doc *d, date_state *st)
{
    xk_licence *lic = d->lic;
    for (size_t k = 0; k < st->norphans; k++) {
        date_at *o = &st->orphans[k];
        if (o->used)
            continue;
        bool set_issued = !xk_date_is_set(lic->issued) &&
                          (!xk_date_is_set(lic->expires) || xk_date_cmp(o->date, lic->expires) < 0);
        bool set_expires = !set_issued && !xk_date_is_set(lic->expires) &&
                           (!xk_date_is_set(lic->issued) || xk_date_cmp(o->date, lic->issued) > 0);
        if (set_issued && k + 1 < st->norphans && !xk_date_is_set(lic->expires) &&
            xk_date_cmp(st->orphans[k + 1].date, o->date) < 0)
            set_issued = false, set_expires = true;
        if (!set_issued && !set_expires)
            continue;
        o->used = true;
        assign(d, set_issued ? L_ISSUED : L_EXPIRES, o->date, o->line);
        char buf[16];
        xk_licence_problem(lic, XK_SEV_WARNING, o->line,
                           "%s taken from an unlabelled date %s", set_issued ? "发证日期" : "有效期至",
                           xk_date_format(o->date, buf, sizeof buf));
    }
}

/* Whether the dates cannot both be right: expiry before issue, or over five years after. */
static bool dates_clash(xk_date issued, xk_date expires)
{
    return xk_date_cmp(expires, issued) < 0 ||
           xk_date_cmp(expires, xk_date_add_years(issued, 5)) > 0;
}

/*
 * OCR splits a 1 into two symbols ("2020年 1月 3日" read "2020年1]月3日") as often as it reads a
 * 1 as a look-alike alone ("2027年 ]月 29日"), and the date alone cannot tell them apart: 11月
 * or 1月. The two dates can: when, with the look-alike taken for a digit, they clash (the licence
 * would run over five years, or end before it starts) and the other reading of one of them
 * does not, that reading is taken, with a review warning naming both.
 */
static void reconcile_dates(doc *d)
{
    xk_licence *lic = d->lic;
    if (!xk_date_is_set(lic->issued) || !xk_date_is_set(lic->expires) ||
        !dates_clash(lic->issued, lic->expires))
        return;
    const date_alt *e = &d->alt_expires, *i = &d->alt_issued;
    bool expires = e->line == lic->line_expires && e->line &&
                   !dates_clash(lic->issued, e->date);
    bool issued = !expires && i->line == lic->line_issued && i->line &&
                  !dates_clash(i->date, lic->expires);
    if (!expires && !issued)
        return;
    const date_alt *a = expires ? e : i;
    xk_date *field = expires ? &lic->expires : &lic->issued;
    char was[16], now[16];
    xk_date_format(*field, was, sizeof was);
    xk_date_format(a->date, now, sizeof now);
    *field = a->date;
    xk_licence_problem(lic, XK_SEV_WARNING, a->line,
                       XK_REVIEW_PREFIX "%s: \"%s\" read as %s, the look-alike beside a digit "
                       "taken for noise: as %s the licence would run over five years or end "
                       "before it starts",
                       date_field(expires ? L_EXPIRES : L_ISSUED), a->raw, now, was);
}

static void extract_dates(doc *d)
{
    date_state st;
    memset(&st, 0, sizeof st);
    for (size_t i = 0; i < d->lines->n; i++) {
        if (is_blank(d, i) || d->section[i] != SEC_MAIN || d->furniture[i])
            continue;
        label_hit hit;
        if (label_at(d, i, &hit)) {
            if (hit.kind == L_ISSUED || hit.kind == L_EXPIRES)
                date_label(d, &st, i, &hit);
            i = hit.last_line;
            continue;
        }
        date_line(d, &st, i);
    }
    date_fallback(d, &st);
    reconcile_dates(d);
}

xk_status fields_extract(doc *d)
{
    xk_status st = extract_number(d);
    if (st != XK_OK)
        return st;
    st = extract_names(d);
    if (st != XK_OK)
        return st;
    extract_dates(d);
    return XK_OK;
}
