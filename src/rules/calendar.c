/*
 * The working-day calendar: a dense table of listed days (rest or make-up working day) from
 * 1990 to 2200, a bitmap of the years whose schedule is known, and the period arithmetic built
 * on it. Loaded from a text file and checked line by line: a make-up working day must fall on a
 * weekend, ranges must run forward, a day cannot be both off and working.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "xuke/calendar.h"
#include "xuke/limits.h"

#define CAL_MAX_RANGE 31
#define DAY_NONE 0
#define DAY_OFF 1
#define DAY_WORK 2
#define DAY_KIND_MASK 3
#define DAY_COVERED 4 /* the day's year has a published schedule */

typedef struct listed {
    long day;
    const char *name;
} listed;

struct xk_calendar {
    long first_day; /* days since 1970 of XK_CAL_FIRST_YEAR-01-01 */
    size_t n_days;
    unsigned char *kind; /* DAY_* per day */
    bool covered[XK_CAL_LAST_YEAR - XK_CAL_FIRST_YEAR + 1];
    long q1_end[XK_CAL_LAST_YEAR - XK_CAL_FIRST_YEAR + 1];  /* days since 1970 */
    bool q1_provisional[XK_CAL_LAST_YEAR - XK_CAL_FIRST_YEAR + 1];
    listed *names; /* sorted by day after loading */
    size_t n_names, cap_names;
    char *text; /* owns the names */
};

void xk_provisional_clear(xk_provisional *p)
{
    p->n = 0;
}

static void provisional_add(xk_provisional *p, int year)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        if (p->years[i] == year)
            return;
    if (p->n < sizeof p->years / sizeof p->years[0]) {
        size_t i = p->n++;
        while (i > 0 && p->years[i - 1] > year) { /* keep sorted */
            p->years[i] = p->years[i - 1];
            i--;
        }
        p->years[i] = year;
    }
}

void xk_provisional_merge(xk_provisional *into, const xk_provisional *from)
{
    for (size_t i = 0; i < from->n; i++)
        provisional_add(into, from->years[i]);
}

void xk_provisional_format(const xk_provisional *p, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? ", " : "", p->years[i]);
}

void xk_calendar_free(xk_calendar *cal)
{
    if (!cal)
        return;
    free(cal->kind);
    free(cal->names);
    free(cal->text);
    free(cal);
}

static bool in_range(const xk_calendar *cal, long day)
{
    return day >= cal->first_day && (size_t)(day - cal->first_day) < cal->n_days;
}

/* --- parsing -------------------------------------------------------------------------------- */

typedef struct cal_parser {
    xk_calendar *cal;
    const char *name;
    int line;
    int year; /* current `year` section, 0 before the first */
    xk_error *err;
} cal_parser;

static xk_status perr(cal_parser *p, const char *fmt, const char *arg)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg);
    xk_error_set_file(p->err, p->name);
    return xk_error_set(p->err, XK_EFORMAT, p->line, "%s:%d: %s", p->name, p->line, msg);
}

static char *next_token(char **s)
{
    char *p = *s;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return NULL;
    char *start = p;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    if (*p)
        *p++ = '\0';
    *s = p;
    return start;
}

static char *rest_of_line(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static xk_status read_date(cal_parser *p, const char *tok, long *day)
{
    xk_date d;
    if (!tok || !xk_date_parse_iso(tok, &d))
        return perr(p, "\"%s\" is not a date (YYYY-MM-DD)", tok ? tok : "");
    if (d.year < XK_CAL_FIRST_YEAR || d.year > XK_CAL_LAST_YEAR)
        return perr(p, "%s is outside the years a calendar may cover (1990-2200)", tok);
    if (p->year && (d.year < p->year - 1 || d.year > p->year))
        return perr(p, "%s does not belong to the current `year` section", tok);
    *day = xk_date_to_days(d);
    return XK_OK;
}

static xk_status mark(cal_parser *p, long day, unsigned char kind, const char *name)
{
    xk_calendar *cal = p->cal;
    size_t i = (size_t)(day - cal->first_day);
    if ((cal->kind[i] & DAY_KIND_MASK) && (cal->kind[i] & DAY_KIND_MASK) != kind) {
        char d[16];
        xk_date_format(xk_date_from_days(day), d, sizeof d);
        return perr(p, "%s is listed both as a rest day and as a working day", d);
    }
    if (kind == DAY_WORK && xk_date_weekday(xk_date_from_days(day)) < 5) {
        char d[16];
        xk_date_format(xk_date_from_days(day), d, sizeof d);
        return perr(p, "%s is a weekday: only a Saturday or Sunday can be made a working day", d);
    }
    cal->kind[i] = kind;
    if (cal->n_names == cal->cap_names) {
        size_t cap = cal->cap_names ? cal->cap_names * 2 : 64;
        listed *nl = realloc(cal->names, cap * sizeof *nl);
        if (!nl)
            return xk_error_set(p->err, XK_ENOMEM, p->line, "out of memory");
        cal->names = nl;
        cal->cap_names = cap;
    }
    cal->names[cal->n_names++] = (listed){day, name};
    return XK_OK;
}

static xk_status parse_line(cal_parser *p, char *s)
{
    char *hash = strchr(s, '#');
    if (hash)
        *hash = '\0';
    char *kw = next_token(&s);
    if (!kw)
        return XK_OK;
    if (strcmp(kw, "year") == 0) {
        char *y = next_token(&s);
        char *end;
        long v = y ? strtol(y, &end, 10) : 0;
        if (!y || *end || v < XK_CAL_FIRST_YEAR || v > XK_CAL_LAST_YEAR)
            return perr(p, "`year` needs a year from 1990 to 2200, not \"%s\"", y ? y : "");
        p->year = (int)v;
        p->cal->covered[v - XK_CAL_FIRST_YEAR] = true;
        return XK_OK;
    }
    bool off = strcmp(kw, "off") == 0;
    if (!off && strcmp(kw, "work") != 0)
        return perr(p, "unknown keyword \"%s\" (year, off, work)", kw);
    if (!p->year)
        return perr(p, "`%s` before any `year` line", kw);
    long from, to;
    xk_status st = read_date(p, next_token(&s), &from);
    if (st != XK_OK)
        return st;
    to = from;
    char *save = s;
    char *maybe = next_token(&s);
    xk_date probe;
    if (off && maybe && xk_date_parse_iso(maybe, &probe)) {
        st = read_date(p, maybe, &to);
        if (st != XK_OK)
            return st;
        if (to < from)
            return perr(p, "range ends (%s) before it starts", maybe);
        if (to - from >= CAL_MAX_RANGE)
            return perr(p, "a range longer than 31 days (%s) is surely a typing error", maybe);
    } else {
        s = save;
    }
    const char *name = rest_of_line(s);
    for (long day = from; day <= to && st == XK_OK; day++)
        st = mark(p, day, off ? DAY_OFF : DAY_WORK, name);
    return st;
}

static int by_day(const void *a, const void *b)
{
    long x = ((const listed *)a)->day, y = ((const listed *)b)->day;
    return x < y ? -1 : x > y;
}

xk_status xk_calendar_parse(const char *text, size_t len, const char *name, xk_calendar **out,
                            xk_error *err)
{
    *out = NULL;
    if (len > XK_CALENDAR_MAX_BYTES)
        return xk_error_set(err, XK_ETOOBIG, 0, "%s: calendar over %u bytes", name, XK_CALENDAR_MAX_BYTES);
    xk_calendar *cal = calloc(1, sizeof *cal);
    if (!cal)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    cal->first_day = xk_date_to_days((xk_date){XK_CAL_FIRST_YEAR, 1, 1});
    cal->n_days = (size_t)(xk_date_to_days((xk_date){XK_CAL_LAST_YEAR, 12, 31}) - cal->first_day + 1);
    cal->kind = calloc(cal->n_days, 1);
    cal->text = malloc(len + 1);
    if (!cal->kind || !cal->text) {
        xk_calendar_free(cal);
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    }
    memcpy(cal->text, text, len);
    cal->text[len] = '\0';
    cal_parser p = {cal, name, 0, 0, err};
    xk_status st = XK_OK;
    char *line = cal->text;
    while (line && st == XK_OK) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[n - 1] = '\0';
        p.line++;
        st = parse_line(&p, line);
        line = nl ? nl + 1 : NULL;
    }
    if (st != XK_OK) {
        xk_calendar_free(cal);
        return st;
    }
    if (cal->n_names) /* qsort's base must not be NULL, even for no elements */
        qsort(cal->names, cal->n_names, sizeof *cal->names, by_day);
    /* one table read answers both questions a day lookup asks */
    for (int y = XK_CAL_FIRST_YEAR; y <= XK_CAL_LAST_YEAR; y++) {
        if (!cal->covered[y - XK_CAL_FIRST_YEAR])
            continue;
        long from = xk_date_to_days((xk_date){y, 1, 1}), to = xk_date_to_days((xk_date){y, 12, 31});
        for (long day = from; day <= to; day++)
            cal->kind[day - cal->first_day] |= DAY_COVERED;
    }
    for (int y = XK_CAL_FIRST_YEAR; y <= XK_CAL_LAST_YEAR; y++) {
        xk_provisional prov;
        xk_provisional_clear(&prov);
        cal->q1_end[y - XK_CAL_FIRST_YEAR] =
            xk_date_to_days(xk_next_workday(cal, (xk_date){y, 3, 31}, &prov));
        cal->q1_provisional[y - XK_CAL_FIRST_YEAR] = prov.n > 0;
    }
    *out = cal;
    return XK_OK;
}

xk_status xk_calendar_load(const char *path, xk_calendar **out, xk_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return xk_error_set(err, XK_EIO, 0, "cannot open calendar %s", path);
    xk_buf b;
    xk_buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= XK_CALENDAR_MAX_BYTES)
        xk_buf_append(&b, chunk, n);
    bool failed = ferror(f);
    fclose(f);
    xk_status st;
    if (failed)
        st = xk_error_set(err, XK_EIO, 0, "cannot read calendar %s", path);
    else if (b.oom)
        st = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    else
        st = xk_calendar_parse(b.data ? b.data : "", b.len, path, out, err);
    xk_buf_free(&b);
    return st;
}

const char *xk_calendar_default_path(const char *explicit_path)
{
    if (explicit_path && *explicit_path)
        return explicit_path;
    const char *env = getenv("XUKE_CALENDAR");
    if (env && *env)
        return env;
    /* an installation's own copy, the one `xuke calendar import` adds years to */
    FILE *f = fopen(XUKE_SYSCONF_CALENDAR, "rb");
    if (f) {
        fclose(f);
        return XUKE_SYSCONF_CALENDAR;
    }
    f = fopen(XUKE_INSTALLED_CALENDAR, "rb");
    if (f) {
        fclose(f);
        return XUKE_INSTALLED_CALENDAR;
    }
    return XUKE_SOURCE_CALENDAR;
}

/* --- questions ------------------------------------------------------------------------------ */

bool xk_calendar_covers(const xk_calendar *cal, int year)
{
    return year >= XK_CAL_FIRST_YEAR && year <= XK_CAL_LAST_YEAR &&
           cal->covered[year - XK_CAL_FIRST_YEAR];
}

void xk_calendar_range(const xk_calendar *cal, int *first, int *last)
{
    *first = *last = 0;
    for (int y = XK_CAL_FIRST_YEAR; y <= XK_CAL_LAST_YEAR; y++)
        if (xk_calendar_covers(cal, y)) {
            if (!*first)
                *first = y;
            *last = y;
        }
}

static xk_day_kind kind_of_day(const xk_calendar *cal, long day, xk_provisional *prov)
{
    unsigned char k = in_range(cal, day) ? cal->kind[day - cal->first_day] : DAY_NONE;
    if (!(k & DAY_COVERED))
        provisional_add(prov, xk_date_from_days(day).year);
    k &= DAY_KIND_MASK;
    if (k == DAY_OFF)
        return XK_DAY_HOLIDAY;
    if (k == DAY_WORK)
        return XK_DAY_MAKEUP;
    bool weekend = ((day % 7 + 7 + 3) % 7) >= 5; /* 1970-01-01 was a Thursday */
    return weekend ? XK_DAY_WEEKEND : XK_DAY_WORKDAY;
}

xk_day_kind xk_calendar_day(const xk_calendar *cal, xk_date d, xk_provisional *prov)
{
    return kind_of_day(cal, xk_date_to_days(d), prov);
}

static bool workday(const xk_calendar *cal, long day, xk_provisional *prov)
{
    xk_day_kind k = kind_of_day(cal, day, prov);
    return k == XK_DAY_WORKDAY || k == XK_DAY_MAKEUP;
}

bool xk_calendar_is_workday(const xk_calendar *cal, xk_date d, xk_provisional *prov)
{
    return workday(cal, xk_date_to_days(d), prov);
}

const char *xk_calendar_day_name(const xk_calendar *cal, xk_date d)
{
    listed key = {xk_date_to_days(d), NULL};
    listed *hit = cal->n_names ? bsearch(&key, cal->names, cal->n_names, sizeof *cal->names, by_day)
                               : NULL;
    return hit && hit->name ? hit->name : "";
}

xk_date xk_workdays_add(const xk_calendar *cal, xk_date d, int n, xk_provisional *prov)
{
    long day = xk_date_to_days(d);
    while (n > 0) {
        day++;
        if (workday(cal, day, prov))
            n--;
    }
    return xk_date_from_days(day);
}

long xk_workdays_between(const xk_calendar *cal, xk_date a, xk_date b, xk_provisional *prov)
{
    long from = xk_date_to_days(a), to = xk_date_to_days(b), n = 0;
    for (long day = from; day <= to; day++)
        n += workday(cal, day, prov);
    return n;
}

xk_date xk_next_workday(const xk_calendar *cal, xk_date d, xk_provisional *prov)
{
    long day = xk_date_to_days(d);
    while (!workday(cal, day, prov))
        day++;
    return xk_date_from_days(day);
}

xk_date xk_prev_workday(const xk_calendar *cal, xk_date d, xk_provisional *prov)
{
    long day = xk_date_to_days(d);
    while (!workday(cal, day, prov))
        day--;
    return xk_date_from_days(day);
}

xk_date xk_period_days_after(const xk_calendar *cal, xk_date event, int days, xk_provisional *prov)
{
    /* Civil Code art. 201: the day of the event is not counted; art. 203: a period whose last
     * day is a rest day ends on the first working day after it */
    return xk_next_workday(cal, xk_date_from_days(xk_date_to_days(event) + days), prov);
}

xk_date xk_period_workdays_after(const xk_calendar *cal, xk_date event, int days,
                                 xk_provisional *prov)
{
    return xk_workdays_add(cal, event, days, prov);
}

xk_date xk_calendar_q1_end(const xk_calendar *cal, int year, xk_provisional *prov)
{
    if (year < XK_CAL_FIRST_YEAR || year > XK_CAL_LAST_YEAR)
        return xk_next_workday(cal, (xk_date){year, 3, 31}, prov);
    size_t k = (size_t)(year - XK_CAL_FIRST_YEAR);
    if (cal->q1_provisional[k]) /* the search stays within the year: it is the only one used */
        provisional_add(prov, year);
    return xk_date_from_days(cal->q1_end[k]);
}

xk_date xk_period_days_before(xk_date date, int days)
{
    return xk_date_from_days(xk_date_to_days(date) - days);
}

void xk_calendar_each(const xk_calendar *cal, int year, xk_calendar_day_fn fn, void *ctx)
{
    long from = xk_date_to_days((xk_date){year, 1, 1}), to = xk_date_to_days((xk_date){year, 12, 31});
    for (size_t i = 0; i < cal->n_names; i++) {
        long day = cal->names[i].day;
        if (day < from || day > to)
            continue;
        if (i > 0 && cal->names[i - 1].day == day)
            continue; /* listed twice with the same kind */
        unsigned char k = cal->kind[day - cal->first_day] & DAY_KIND_MASK;
        if (!fn(xk_date_from_days(day), k == DAY_OFF ? XK_DAY_HOLIDAY : XK_DAY_MAKEUP,
                cal->names[i].name, ctx))
            return;
    }
}
