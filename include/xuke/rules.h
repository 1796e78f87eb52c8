/*
 * The rules: from a licence's duties (its own provisions), its dates, the events recorded
 * against it and the working-day calendar, the obligations it has, when each is due, which are
 * met, which are overdue, and the licence's status as of a date. Pure computation: the store
 * supplies rows (xk_store_rules_scan), the CLI and server present the results.
 */
#ifndef XUKE_RULES_H
#define XUKE_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/calendar.h"
#include "xuke/duties.h"
#include "xuke/store.h"

typedef struct xk_event_type {
    const char *name;
    bool trigger;       /* starts an obligation (true) or fulfils one (false) */
    xk_duty_kind duty;  /* the duty it starts or fulfils */
    const char *title;  /* Chinese description */
} xk_event_type;

const xk_event_type *xk_event_type_find(const char *name);
size_t xk_event_type_count(void);
const xk_event_type *xk_event_type_at(size_t i);

typedef enum xk_rule_kind {
    XK_RULE_NONE,          /* standing duty */
    XK_RULE_DAYS_BEFORE,   /* 提前X日 before `from` */
    XK_RULE_FIRST_QUARTER, /* by 31 March of `year` (next working day if a rest day) */
    XK_RULE_DAYS_AFTER,    /* X日内 after `from` */
    XK_RULE_WORKDAYS_AFTER,/* X个工作日内 after `from` */
    XK_RULE_SAME_DAY,      /* 第一时间: the day of `from` */
    XK_RULE_BY_LAUNCH      /* on or before the launch on `from` */
} xk_rule_kind;

typedef struct xk_obligation {
    xk_duty_kind duty;
    char basis[64];      /* provision labels, or the Measures */
    bool dated;          /* false for standing duties */
    xk_date due;         /* last day (period rules applied) */
    xk_date due_workday; /* "提前X日": the last working day on or before due; else = due */
    xk_rule_kind rule;   /* how the date was reached (xk_obligation_rule puts it in words) */
    int days;            /* the clock: days or working days */
    xk_date from;        /* the event or expiry the clock runs from */
    bool alternative;    /* renewal: a notice of not continuing also meets it */
    int year;            /* annual report: the year it is for */
    long trigger;        /* id of the triggering event, 0 for none */
    bool fulfilled;
    long fulfilled_by;   /* event id */
    xk_date fulfilled_on; /* that event's date */
    bool late;           /* fulfilled after the due date: kept, and marked */
    bool baseline;       /* annual report taken as filed by the registry's baseline (no date) */
    bool unrecorded;     /* annual report due before xuke knew the licence, no filing recorded
                          * and no baseline for its year: shown as "no filing recorded", not
                          * counted overdue (xuke cannot know what was filed before it) */
    bool overdue;        /* open, due before as_of, and not unrecorded */
    xk_provisional prov; /* calendar years the date depended on that are not published */
} xk_obligation;

typedef struct xk_obligations {
    xk_obligation *items;
    size_t n, cap;
} xk_obligations;

void xk_obligations_free(xk_obligations *o);

/* How an obligation's date was reached, in words ("提前90日: 90 days before expiry on …"). The
 * words are made only when shown: computing a registry's status formats nothing. */
void xk_obligation_rule(const xk_obligation *ob, char *buf, size_t size);

/* The same rule as a message key of the web catalogue (web/i18n/LANG.json), for a reader's own
 * language: "rule.days_before" ("rule.days_before.or_notice" where a notice of not continuing
 * also meets it), "rule.first_quarter" (".moved" when 31 March is a rest day),
 * "rule.days_after", "rule.workdays_after", "rule.same_day", "rule.by_launch",
 * "rule.standing". Its parameters are the obligation's days, from and year, as the rule uses
 * them (xk_view_obligation puts them in "rule_params"). A static string. */
const char *xk_obligation_rule_key(const xk_obligation *ob);

/* All obligations of one licence as of a date (met ones included, marked fulfilled). */
xk_status xk_rules_obligations(const xk_calendar *cal, const xk_rules_row *row, xk_date as_of,
                               xk_obligations *out, xk_error *err);
/* The same into out, reusing its memory (out->n is reset): for scans over many licences. */
xk_status xk_rules_obligations_into(const xk_calendar *cal, const xk_rules_row *row,
                                    xk_date as_of, xk_obligations *out, xk_error *err);

typedef enum xk_licence_status {
    XK_STATUS_NOT_YET_VALID,
    XK_STATUS_VALID,
    XK_STATUS_RENEWAL_DUE,     /* the renewal deadline is within 60 days */
    XK_STATUS_RENEWAL_OVERDUE, /* past the renewal deadline, no renewal or notice recorded */
    XK_STATUS_EXPIRED,
    XK_STATUS_REMOVED,
    XK_STATUS_CANCELLED /* a current cancellation list (注销) names the licence's number */
} xk_licence_status;

#define XK_STATUS_COUNT 7

#define XK_RENEWAL_DUE_WINDOW 60
/* A renewal application (or notice of not continuing) counts for the version whose last year
 * of validity it falls in: the Measures set only the latest day (提前90日), so an application
 * earlier than a year before expiry is taken for a mistyped date, and one from before a
 * reissue is not credited to the new version's renewal. */
#define XK_RENEWAL_WINDOW_DAYS 365

xk_licence_status xk_rules_status(const xk_rules_row *row, const xk_obligations *obs,
                                  xk_date as_of);
const char *xk_status_name(xk_licence_status s);

/* Whether d falls in the renewal window of the licence version row describes. */
bool xk_rules_in_renewal_window(const xk_rules_row *row, xk_date d);

/* What a checked event will do, for the person recording it. */
typedef struct xk_event_check {
    bool late;   /* a fulfilment after its obligation's due date: accepted and marked late */
    xk_date due; /* the obligation it meets (fulfilments) */
} xk_event_check;

/*
 * Checks a new event against the licence's timeline before it is stored: the type is known;
 * the date is not before the current version was issued, nor after today unless the event is a
 * planned trigger; a renewal application falls in the version's renewal window (the last
 * XK_RENEWAL_WINDOW_DAYS up to expiry); an annual report is filed in or after its year; a
 * fulfilment matches an open obligation (annual_report_filed needs the year; --ref names the
 * trigger event). XK_EUSAGE with the reason and what would be accepted otherwise. out (may be
 * NULL) says whether an accepted fulfilment is late.
 */
xk_status xk_rules_check_event(const xk_calendar *cal, const xk_rules_row *row,
                               const xk_event *ev, xk_date today, xk_event_check *out,
                               xk_error *err);

#endif
