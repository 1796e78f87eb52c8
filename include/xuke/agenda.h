/*
 * Registry-wide views of the rules: one status row per licence, the agenda of open obligations
 * (soonest first), and the agenda as an iCalendar (RFC 5545) feed with reminders.
 */
#ifndef XUKE_AGENDA_H
#define XUKE_AGENDA_H

#include "xuke/rules.h"

typedef struct xk_status_row {
    const xk_rules_row *licence;
    xk_licence_status status;
    const xk_obligation *next;     /* soonest open obligation due on or after as_of, or NULL */
    const xk_obligation **overdue; /* open obligations due before as_of */
    size_t n_overdue;
    const xk_obligation **unrecorded; /* annual reports due before xuke knew the licence, with
                                       * no filing recorded (xk_obligation.unrecorded) */
    size_t n_unrecorded;
    xk_provisional prov;           /* unpublished calendar years behind these dates */
} xk_status_row;

typedef bool (*xk_status_fn)(const xk_status_row *row, void *ctx);

/* Streams a status row per licence (number given: that one only). */
xk_status xk_status_scan(xk_store *st, const xk_calendar *cal, xk_date as_of, const char *number,
                         xk_status_fn fn, void *ctx, xk_error *err);

/* One licence's status as of a date: XK_ENOTFOUND when number is not in the store. The one
 * source of the word every output shows as "status" (get, search, export, API, pages). */
xk_status xk_status_of(xk_store *st, const xk_calendar *cal, xk_date as_of, const char *number,
                       xk_licence_status *out, xk_error *err);

/* Every licence's status as of one date, from one scan, for outputs that list many licences
 * (export, search). Look-ups are by normalised number. Free with xk_status_table_free. */
typedef struct xk_status_table {
    struct status_entry *items; /* sorted by number */
    size_t n, cap;
} xk_status_table;

xk_status xk_status_table_build(xk_store *st, const xk_calendar *cal, xk_date as_of,
                                xk_status_table *out, xk_error *err);
/* False when number is not in the table. */
bool xk_status_table_find(const xk_status_table *t, const char *number, xk_licence_status *out);
void xk_status_table_free(xk_status_table *t);

/* One agenda line as callers see it (xk_agenda_at fills it). */
typedef struct xk_agenda_item {
    const char *number;  /* owned by the agenda */
    const char *company; /* owned by the agenda */
    xk_obligation ob;
} xk_agenda_item;

struct xk_arena;
struct agenda_entry;

/* An agenda holds its lines compactly (a million of them fit in 64 MB); read them with
 * xk_agenda_at. */
typedef struct xk_agenda {
    struct agenda_entry *entries;
    size_t n, cap;
    size_t total; /* lines that matched: n of them are kept (all, or the soonest `limit`) */
    xk_provisional prov;
    struct xk_arena *arena; /* numbers, companies, provision labels */
    size_t n_unrecorded; /* annual reports left out: due before xuke knew the licence, no filing
                          * recorded (status lists them; a baseline or an event clears them) */
} xk_agenda;

/* Line i (0 <= i < a->n) in due-date order. */
xk_agenda_item xk_agenda_at(const xk_agenda *a, size_t i);

/*
 * Open dated obligations of licences that are neither removed nor expired as of the date,
 * (status rows of removed and expired licences list no obligations either: their duties are
 * moot),
 * overdue ones included, due on or before as_of + within days (within < 0: no bound), sorted by
 * due date. number limits it to one licence.
 */
xk_status xk_agenda_build(xk_store *st, const xk_calendar *cal, xk_date as_of, int within,
                          const char *number, xk_agenda *out, xk_error *err);
/*
 * xk_agenda_build keeping only the soonest limit lines (0: all), in memory proportional to
 * limit whatever the registry's size: out->total counts every line that matched, out->n those
 * kept, and out->prov covers the lines kept. The lines kept are the first limit of the full
 * agenda, in its order.
 */
xk_status xk_agenda_build_top(xk_store *st, const xk_calendar *cal, xk_date as_of, int within,
                              const char *number, size_t limit, xk_agenda *out, xk_error *err);
void xk_agenda_free(xk_agenda *a);

/* The agenda as an iCalendar feed: one all-day event per deadline, alarms 30 and 7 days
 * before, CRLF lines folded at 75 octets. Caller frees. */
char *xk_agenda_ics(const xk_agenda *a, xk_date as_of);

#endif
