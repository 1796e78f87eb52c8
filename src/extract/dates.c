/*
 * The issue and expiry dates of the main page: after their labels on the same line, on the lines
 * after labels that stand alone (several labels first, then their values in order), or unlabelled
 * (the earlier the issue date). OCR's misreadings are settled here with the two dates together:
 * a look-alike beside a digit, and an impossible date that one digit too many explains.
 */
#include <stdio.h>
#include <string.h>

#include "extract.h"

typedef struct date_at {
    xk_date date;
    int line;
    bool used;
} date_at;

#define MAX_GUESSES 4

/* A labelled date OCR made impossible ("2021年2月59日": a speck read as a digit) and the dates it
 * reads as with one digit dropped; line 0: none. */
typedef struct date_guess {
    xk_date cand[MAX_GUESSES];
    int n, line;
    char raw[96]; /* the value as read */
} date_guess;

typedef struct date_state {
    label_kind queue[8];
    size_t nqueue;
    date_at orphans[16];
    size_t norphans;
    bool issued_from_range; /* 有效期: A至B gave the issue date; an explicit 发证日期 wins */
    bool value_next;        /* the next unlabelled line is a queued label's value */
    date_guess guess_issued, guess_expires;
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

/* The same as the record names the field: a review warning's parameter (the catalogue's rf.*). */
static const char *date_field_name(label_kind kind)
{
    return kind == L_ISSUED ? "issued" : kind == L_EXPIRES ? "expires" : "date";
}

static void keep_other_reading(doc *d, label_kind kind, const char *span, size_t len, int line)
{
    date_alt *alt = kind == L_ISSUED ? &d->alt_issued : &d->alt_expires;
    if (alt->line || !xk_date_find_ocr_beside(span, len, &alt->date))
        return;
    alt->line = line;
    snprintf(alt->raw, sizeof alt->raw, "%.*s", (int)xk_utf8_cut(span, len, 63), span);
}

/* The dates text reads as with one of its digits dropped, distinct, at most MAX_GUESSES. */
static int digit_dropped(const char *text, date_guess *g)
{
    char buf[sizeof g->raw];
    size_t len = strlen(text);
    g->n = 0;
    for (size_t k = 0; k < len && len < sizeof buf && g->n < MAX_GUESSES; k++) {
        if (text[k] < '0' || text[k] > '9')
            continue;
        memcpy(buf, text, k);
        memcpy(buf + k, text + k + 1, len - k - 1);
        size_t s, e;
        bool bad = false, seen = false;
        int fixes = 0;
        xk_date date;
        if (!xk_date_find_ocr(buf, len - 1, &date, &s, &e, &bad, &fixes))
            continue;
        for (int c = 0; c < g->n; c++)
            seen = seen || xk_date_cmp(g->cand[c], date) == 0;
        if (!seen)
            g->cand[g->n++] = date;
    }
    return g->n;
}

/* The error for a date field whose text is no valid date. */
static void date_error(doc *d, int line, label_kind kind, const char *text)
{
    xk_licence_problem_key(d->lic, XK_SEV_ERROR, line, "problem.date_invalid",
                           "%s is not a valid date: %s", xk_label_name(kind), text);
}

/* The impossible date kept for a date field, NULL for other kinds. */
static date_guess *guess_for(date_state *st, label_kind kind)
{
    return kind == L_ISSUED ? &st->guess_issued : kind == L_EXPIRES ? &st->guess_expires : NULL;
}

/* An impossible date for kind: kept with its digit-dropped readings for settle_guess, or (none,
 * or one kept already) reported against the field. */
static void impossible_date(doc *d, date_state *st, const char *text, int line, label_kind kind)
{
    date_guess *g = guess_for(st, kind);
    if (g && !g->line && digit_dropped(text, g)) {
        g->line = line;
        snprintf(g->raw, sizeof g->raw, "%s", text);
        return;
    }
    date_error(d, line, kind, text);
}

/* Up to two dates in text; an impossible date goes to impossible_date. */
static int dates_in(doc *d, date_state *st, const char *text, int line, label_kind kind,
                    xk_date out[2])
{
    int n = 0;
    size_t len = strlen(text), off = 0;
    while (n < 2 && off < len) {
        size_t s, e;
        bool bad = false;
        int fixes = 0;
        if (!xk_date_find_ocr(text + off, len - off, &out[n], &s, &e, &bad, &fixes)) {
            if (bad && kind != L_NONE)
                impossible_date(d, st, text, line, kind);
            break;
        }
        if (fixes && n == 0 && (kind == L_ISSUED || kind == L_EXPIRES))
            keep_other_reading(d, kind, text + off + s, e - s, line);
        if (fixes) {
            char iso[16], raw[128];
            xk_date_format(out[n], iso, sizeof iso);
            snprintf(raw, sizeof raw, "%.*s", (int)xk_utf8_cut(text + off + s, e - s, 127),
                     text + off + s);
            const char *params[] = {date_field_name(kind), iso, raw};
            xk_licence_problem_params(d->lic, XK_SEV_WARNING, line, "problem.review.date_lookalikes",
                                      params, 3,
                                      XK_REVIEW_PREFIX "%s: read as %s from \"%.*s\": OCR "
                                      "look-alikes taken for digits, or noise left out",
                                      date_field(kind), iso, (int)(e - s), text + off + s);
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
    int n = dates_in(d, st, hit->value, line, hit->kind, got);
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
    int n = dates_in(d, st, d->lines->lines[i].text, line, expect, got);
    /* "发证日期:" / "2.0江9年.6局2目" / "有效期至:" / "2024年6月3日": the line right after the
     * label is its unreadable value (or an impossible one kept to guess from), not a reason to
     * give the expiry date to 发证日期 */
    if (n == 0 && st->value_next && st->nqueue > 0 && xk_date_shaped(d->lines->lines[i].text)) {
        label_kind k = pop_label(st);
        const date_guess *g = guess_for(st, k);
        if (!g || g->line != line)
            date_error(d, line, k, d->lines->lines[i].text);
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
        xk_licence_problem_key(lic, XK_SEV_WARNING, o->line, "problem.date_unlabelled",
                               "%s taken from an unlabelled date %s",
                               set_issued ? "发证日期" : "有效期至",
                               xk_date_format(o->date, buf, sizeof buf));
    }
}

/* Whether a licence issued on `issued` and ending on `expires` runs five years to the day, or
 * (with off) to the day before: how licences are dated. */
static bool five_years(xk_date issued, xk_date expires, int off)
{
    return xk_date_to_days(expires) == xk_date_to_days(xk_date_add_years(issued, 5)) - off;
}

/* five_years to the day or to the day before. */
static bool runs_five_years(xk_date issued, xk_date expires)
{
    return five_years(issued, expires, 0) || five_years(issued, expires, 1);
}

/* Whether the dates cannot both be right: expiry before issue, or over five years after. */
static bool dates_clash(xk_date issued, xk_date expires)
{
    return xk_date_cmp(expires, issued) < 0 ||
           xk_date_cmp(expires, xk_date_add_years(issued, 5)) > 0;
}

/* Whether issued and expires fit: with clash, when they do not clash; else when they run five
 * years (reconcile_dates). */
static bool dates_fit(xk_date issued, xk_date expires, bool clash)
{
    return clash ? !dates_clash(issued, expires) : runs_five_years(issued, expires);
}

/*
 * OCR splits a 1 into two symbols ("2020年 1月 3日" read "2020年1]月3日") as often as it reads a
 * 1 as a look-alike alone ("2027年 ]月 29日"), and the date alone cannot tell them apart: 11月
 * or 1月. The two dates can: when, with the look-alike taken for a digit, they clash (the licence
 * would run over five years, or end before it starts) and the other reading of one of them
 * does not, that reading is taken, with a review warning naming both. Likewise when they do
 * not clash but the other reading runs exactly five years (to the day, else the day before),
 * as licences are dated, and the first does not (2015年1]月3日 to 2020年1月3日: 11月 would
 * run four years and two months; a Ming-face page).
 */
static void reconcile_dates(doc *d)
{
    xk_licence *lic = d->lic;
    if (!xk_date_is_set(lic->issued) || !xk_date_is_set(lic->expires))
        return;
    bool clash = dates_clash(lic->issued, lic->expires);
    if (!clash && runs_five_years(lic->issued, lic->expires))
        return;
    const date_alt *e = &d->alt_expires, *i = &d->alt_issued;
    bool expires = e->line == lic->line_expires && e->line &&
                   dates_fit(lic->issued, e->date, clash);
    bool issued = !expires && i->line == lic->line_issued && i->line &&
                  dates_fit(i->date, lic->expires, clash);
    if (!expires && !issued)
        return;
    const date_alt *a = expires ? e : i;
    xk_date *field = expires ? &lic->expires : &lic->issued;
    char was[16], now[16];
    xk_date_format(*field, was, sizeof was);
    xk_date_format(a->date, now, sizeof now);
    *field = a->date;
    const char *params[] = {expires ? "expires" : "issued", a->raw, now, was,
                            clash ? "clash" : "short"};
    xk_licence_problem_params(lic, XK_SEV_WARNING, a->line, "problem.review.date_beside_noise",
                              params, 5,
                              XK_REVIEW_PREFIX "%s: \"%s\" read as %s, the look-alike beside a "
                              "digit taken for noise: as %s the licence would %s",
                              date_field(expires ? L_EXPIRES : L_ISSUED), a->raw, now, was,
                              clash ? "run over five years or end before it starts"
                                    : "not run the five years a licence is issued for");
}

/*
 * An impossible date kept by impossible_date: when the field got no other date and exactly what
 * one of its digit-dropped readings gives runs five years with the other date (to the day, else
 * to the day before), that reading is taken with a review warning on both dates (the other one
 * chose it, so a misread there misleads here too); otherwise the date is the error it was.
 */
static void settle_guess(doc *d, const date_guess *g, label_kind kind)
{
    xk_licence *lic = d->lic;
    bool issued = kind == L_ISSUED;
    xk_date *field = issued ? &lic->issued : &lic->expires, other = issued ? lic->expires
                                                                           : lic->issued;
    int fit = -1;
    if (!xk_date_is_set(*field) && xk_date_is_set(other))
        for (int off = 0; off < 2 && fit < 0; off++)
            for (int c = 0; c < g->n && fit < 0; c++)
                if (issued ? five_years(g->cand[c], other, off)
                           : five_years(other, g->cand[c], off))
                    fit = c;
    if (fit < 0) {
        date_error(d, g->line, kind, g->raw);
        return;
    }
    char now[16], then[16];
    assign(d, kind, g->cand[fit], g->line);
    xk_date_format(g->cand[fit], now, sizeof now);
    xk_date_format(other, then, sizeof then);
    const char *this_field = issued ? "issued" : "expires", *other_field = issued ? "expires"
                                                                                  : "issued";
    const char *guessed[] = {this_field, g->raw, now, other_field, then};
    xk_licence_problem_params(lic, XK_SEV_WARNING, g->line, "problem.review.date_guessed",
                              guessed, 5,
                              XK_REVIEW_PREFIX "%s: \"%s\" is not a date; read as %s with one "
                              "digit taken for noise, the reading that runs five years with %s %s",
                              date_field(kind), g->raw, now, issued ? "有效期至" : "发证日期",
                              then);
    const char *chose[] = {other_field, then, this_field, g->raw};
    xk_licence_problem_params(lic, XK_SEV_WARNING, issued ? lic->line_expires : lic->line_issued,
                              "problem.review.date_chose_reading", chose, 4,
                              XK_REVIEW_PREFIX "%s: %s chose the reading of the impossible %s "
                              "\"%s\"",
                              date_field(issued ? L_EXPIRES : L_ISSUED), then,
                              issued ? "发证日期" : "有效期至", g->raw);
}

void xk_dates_extract(doc *d)
{
    date_state st;
    memset(&st, 0, sizeof st);
    for (size_t i = 0; i < d->lines->n; i++) {
        if (xk_is_blank(d, i) || d->section[i] != SEC_MAIN || d->furniture[i])
            continue;
        label_hit hit;
        if (xk_label_at(d, i, &hit)) {
            if (hit.kind == L_ISSUED || hit.kind == L_EXPIRES)
                date_label(d, &st, i, &hit);
            i = hit.last_line;
            continue;
        }
        date_line(d, &st, i);
    }
    date_fallback(d, &st);
    if (st.guess_issued.line)
        settle_guess(d, &st.guess_issued, L_ISSUED);
    if (st.guess_expires.line)
        settle_guess(d, &st.guess_expires, L_EXPIRES);
    reconcile_dates(d);
}
