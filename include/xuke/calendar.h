/*
 * The working-day calendar of mainland China and the period arithmetic of Chinese law.
 * A calendar is read from a text file (data/calendar.txt): statutory holidays and the weekend
 * days made working days (调休), per year. Years the file does not cover are computed on weekends
 * alone, and every result that looked at such a year says so (provisional + the year).
 */
#ifndef XUKE_CALENDAR_H
#define XUKE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/date.h"
#include "xuke/error.h"

typedef struct xk_calendar xk_calendar;

#define XK_CAL_FIRST_YEAR 1990
#define XK_CAL_LAST_YEAR 2200

/* Parses calendar text; name is used in messages ("calendar.txt:12: …"). */
xk_status xk_calendar_parse(const char *text, size_t len, const char *name, xk_calendar **out,
                            xk_error *err);
/* Reads and parses a calendar file. */
xk_status xk_calendar_load(const char *path, xk_calendar **out, xk_error *err);
void xk_calendar_free(xk_calendar *cal);

/* The calendar file to use: explicit path, else $XUKE_CALENDAR, else the installation's own
 * copy (SYSCONFDIR/xuke/calendar.txt: /etc/xuke/calendar.txt from the package), else the
 * installed data file, else the source tree's data/calendar.txt (a build not installed). */
const char *xk_calendar_default_path(const char *explicit_path);

bool xk_calendar_covers(const xk_calendar *cal, int year);
/* First and last covered year (0 when none). */
void xk_calendar_range(const xk_calendar *cal, int *first, int *last);

typedef enum xk_day_kind {
    XK_DAY_WORKDAY,     /* Monday–Friday, not a holiday */
    XK_DAY_WEEKEND,     /* Saturday or Sunday, not made a working day */
    XK_DAY_HOLIDAY,     /* a statutory rest day */
    XK_DAY_MAKEUP       /* a weekend day that is a working day (调休) */
} xk_day_kind;

/*
 * Which years a computation depended on that the calendar does not cover. Every function
 * below adds to it; callers start with xk_provisional_clear and report what it holds.
 */
typedef struct xk_provisional {
    int years[8];
    size_t n;
} xk_provisional;

void xk_provisional_clear(xk_provisional *p);
void xk_provisional_merge(xk_provisional *into, const xk_provisional *from);
/* "2027" or "2027, 2028"; "" when none. */
void xk_provisional_format(const xk_provisional *p, char *buf, size_t size);

xk_day_kind xk_calendar_day(const xk_calendar *cal, xk_date d, xk_provisional *prov);
bool xk_calendar_is_workday(const xk_calendar *cal, xk_date d, xk_provisional *prov);
/* The holiday's name for a listed day, or "". */
const char *xk_calendar_day_name(const xk_calendar *cal, xk_date d);

/* The date n working days after d (d itself is not counted); n >= 0. */
xk_date xk_workdays_add(const xk_calendar *cal, xk_date d, int n, xk_provisional *prov);
/* Working days from a to b, both included (0 when b is before a). */
long xk_workdays_between(const xk_calendar *cal, xk_date a, xk_date b, xk_provisional *prov);
/* d if it is a working day, else the next working day. */
xk_date xk_next_workday(const xk_calendar *cal, xk_date d, xk_provisional *prov);
/* d if it is a working day, else the previous working day. */
xk_date xk_prev_workday(const xk_calendar *cal, xk_date d, xk_provisional *prov);

/*
 * "X日内" after an event (Civil Code arts. 201, 203): the event day is not counted, the period
 * ends X days later, and if that day is a rest day it ends on the next working day.
 */
xk_date xk_period_days_after(const xk_calendar *cal, xk_date event, int days,
                             xk_provisional *prov);
/* "X个工作日内" after an event: X working days after the event day. */
xk_date xk_period_workdays_after(const xk_calendar *cal, xk_date event, int days,
                                 xk_provisional *prov);
/*
 * The first quarter as a period: 31 March of year, or the first working day after it when it is
 * a rest day (art. 203). Computed once per year when the calendar is loaded.
 */
xk_date xk_calendar_q1_end(const xk_calendar *cal, int year, xk_provisional *prov);

/* "提前X日" before a date: the last day is the date minus X days. */
xk_date xk_period_days_before(xk_date date, int days);

/* Each listed day of a year, in date order, for `xuke calendar YEAR`. */
typedef bool (*xk_calendar_day_fn)(xk_date d, xk_day_kind kind, const char *name, void *ctx);
void xk_calendar_each(const xk_calendar *cal, int year, xk_calendar_day_fn fn, void *ctx);

#endif
