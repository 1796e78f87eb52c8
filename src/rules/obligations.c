/*
 * Obligations and status. Each dated obligation carries the rule that produced its date, in
 * words, and the calendar years it depended on that are not published (provisional). Periods
 * follow the Civil Code: "X日内" after an event excludes the event day and moves off a rest day
 * (arts. 201, 203); "X个工作日内" counts working days on the calendar; "提前X日" is the date minus
 * X days, shown with the last working day on or before it. The first quarter, as a period, ends
 * on 31 March or the first working day after it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xuke/rules.h"

static const xk_event_type event_types[] = {
    {"change_decided", true, XK_DUTY_CHANGE_APPLY, "作出合并、分立、股东变化或业务转移的决定"},
    {"registration_changed", true, XK_DUTY_REGISTRATION_UPDATE, "工商登记事项（名称、住所、法定代表人等）变更"},
    {"institution_changed", true, XK_DUTY_INSTITUTION_UPDATE, "当地业务经营、客户服务机构信息变化"},
    {"illegal_info_handled", true, XK_DUTY_ILLEGAL_INFO_REPORT, "处置发现的违法信息"},
    {"assessment_completed", true, XK_DUTY_ASSESSMENT_REPORT, "完成网络信息安全评估"},
    {"service_launched", true, XK_DUTY_ASSESSMENT_BEFORE_LAUNCH, "新技术、新业务上线"},
    {"incident", true, XK_DUTY_INCIDENT_REPORT, "发生重大网络安全事件"},
    {"cross_regional_granted", true, XK_DUTY_PROVINCIAL_CANCEL, "取得跨地区增值电信业务经营许可证"},
    {"renewal_applied", false, XK_DUTY_RENEWAL, "提出续办申请"},
    {"termination_reported", false, XK_DUTY_TERMINATION_NOTICE, "报告不再继续经营"},
    {"annual_report_filed", false, XK_DUTY_ANNUAL_REPORT, "提交经营许可证年报"},
    {"change_applied", false, XK_DUTY_CHANGE_APPLY, "提出经营主体变更申请"},
    {"info_updated", false, XK_DUTY_REGISTRATION_UPDATE, "报送或更新变更信息"},
    {"illegal_info_reported", false, XK_DUTY_ILLEGAL_INFO_REPORT, "上报违法信息处置情况"},
    {"assessment_reported", false, XK_DUTY_ASSESSMENT_REPORT, "提交书面安全评估报告"},
    {"incident_reported", false, XK_DUTY_INCIDENT_REPORT, "报告重大网络安全事件"},
    {"provincial_cancelled", false, XK_DUTY_PROVINCIAL_CANCEL, "办理省级许可证注销或变更"},
};

#define N_EVENT_TYPES (sizeof event_types / sizeof event_types[0])

const xk_event_type *xk_event_type_find(const char *name)
{
    for (size_t i = 0; i < N_EVENT_TYPES; i++)
        if (strcmp(event_types[i].name, name) == 0)
            return &event_types[i];
    return NULL;
}

size_t xk_event_type_count(void)
{
    return N_EVENT_TYPES;
}

const xk_event_type *xk_event_type_at(size_t i)
{
    return i < N_EVENT_TYPES ? &event_types[i] : NULL;
}

const char *xk_status_name(xk_licence_status s)
{
    static const char *const names[] = {"not_yet_valid",   "valid",   "renewal_due",
                                        "renewal_overdue", "expired", "removed",
                                        "cancelled"};
    return names[s];
}

void xk_obligations_free(xk_obligations *o)
{
    free(o->items);
    memset(o, 0, sizeof *o);
}

static xk_obligation *add(xk_obligations *o, const xk_duty *d)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        xk_obligation *ni = realloc(o->items, cap * sizeof *ni);
        if (!ni)
            return NULL;
        o->items = ni;
        o->cap = cap;
    }
    xk_obligation *ob = &o->items[o->n++];
    memset(ob, 0, sizeof *ob);
    ob->duty = d->kind;
    snprintf(ob->basis, sizeof ob->basis, "%s", d->basis);
    return ob;
}

static const xk_duty *find_duty(const xk_duty_set *set, xk_duty_kind k)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->duties[i].kind == k)
            return &set->duties[i];
    return NULL;
}

/* A duty the licence does not state: the Measures' clock, or the trigger's own nature. */
static xk_duty fallback_duty(xk_duty_kind k)
{
    xk_duty d = {k, 30, false, "电信业务经营许可管理办法"};
    if (k == XK_DUTY_ILLEGAL_INFO_REPORT) {
        d.days = 10;
        d.working_days = true;
    } else if (k == XK_DUTY_INCIDENT_REPORT || k == XK_DUTY_ASSESSMENT_BEFORE_LAUNCH) {
        d.days = 0;
    }
    return d;
}

static bool is_fulfilment_of(const xk_event *e, const char *type)
{
    return strcmp(e->type, type) == 0;
}

/* ob is met by e; a filing after the last day counts, and is marked late. */
static void fulfil(xk_obligation *ob, const xk_event *e)
{
    ob->fulfilled = true;
    ob->fulfilled_by = e->id;
    ob->fulfilled_on = e->date;
    ob->late = ob->dated && ob->rule != XK_RULE_BY_LAUNCH && xk_date_cmp(e->date, ob->due) > 0;
}

bool xk_rules_in_renewal_window(const xk_rules_row *row, xk_date d)
{
    long day = xk_date_to_days(d), expires = xk_date_to_days(row->expires);
    return day <= expires && day >= expires - XK_RENEWAL_WINDOW_DAYS;
}

/* The renewal deadline: 提前X日 before expiry; met by an application (or a notice of not
 * continuing, where the licence provides for one). */
static xk_status renewal(const xk_calendar *cal, const xk_rules_row *row, const xk_duty_set *set,
                         xk_obligations *o)
{
    const xk_duty *d = find_duty(set, XK_DUTY_RENEWAL);
    xk_duty fb = fallback_duty(XK_DUTY_RENEWAL);
    if (!d) {
        fb.days = 90;
        d = &fb;
    }
    const xk_duty *term = find_duty(set, XK_DUTY_TERMINATION_NOTICE);
    xk_obligation *ob = add(o, d);
    if (!ob)
        return XK_ENOMEM;
    if (term) {
        size_t n = strlen(ob->basis);
        if (!strstr(ob->basis, term->basis))
            snprintf(ob->basis + n, sizeof ob->basis - n, "、%s", term->basis);
    }
    ob->dated = true;
    ob->due = xk_period_days_before(row->expires, d->days);
    ob->due_workday = xk_prev_workday(cal, ob->due, &ob->prov);
    ob->rule = XK_RULE_DAYS_BEFORE;
    ob->days = d->days;
    ob->from = row->expires;
    ob->alternative = term != NULL;
    for (size_t i = 0; i < row->n_events; i++) {
        const xk_event *e = &row->events[i];
        if ((is_fulfilment_of(e, "renewal_applied") ||
             (term && is_fulfilment_of(e, "termination_reported"))) &&
            xk_rules_in_renewal_window(row, e->date)) {
            fulfil(ob, e);
            break;
        }
    }
    return XK_OK;
}

/* An annual report with no filing event: the baseline ("reports up to YEAR were filed") meets
 * it; else, due before the licence entered the registry, nothing says whether it was filed, so
 * it is "no filing recorded" rather than overdue. One due after is overdue as usual. */
static void baseline_or_unknown(const xk_rules_row *row, xk_obligation *ob)
{
    if (row->baseline_year && ob->year <= row->baseline_year) {
        ob->fulfilled = true;
        ob->baseline = true;
    } else if (row->known_since.year && xk_date_cmp(ob->due, row->known_since) < 0) {
        ob->unrecorded = true;
    }
}

/* The first-quarter report for every year after the issue year in which the licence is valid
 * on 1 January. */
static xk_status annual_reports(const xk_calendar *cal, const xk_rules_row *row,
                                const xk_duty_set *set, xk_date as_of, xk_obligations *o)
{
    const xk_duty *d = find_duty(set, XK_DUTY_ANNUAL_REPORT);
    xk_duty fb = fallback_duty(XK_DUTY_ANNUAL_REPORT);
    if (!d)
        d = &fb;
    int last = as_of.year + 1;
    for (int y = row->issued.year + 1; y <= last; y++) {
        xk_date jan1 = {y, 1, 1};
        if (xk_date_cmp(row->issued, jan1) >= 0 || xk_date_cmp(row->expires, jan1) < 0)
            continue;
        xk_obligation *ob = add(o, d);
        if (!ob)
            return XK_ENOMEM;
        ob->dated = true;
        ob->year = y;
        ob->due = xk_calendar_q1_end(cal, y, &ob->prov);
        ob->due_workday = ob->due;
        ob->rule = XK_RULE_FIRST_QUARTER;
        for (size_t i = 0; i < row->n_events; i++)
            if (is_fulfilment_of(&row->events[i], "annual_report_filed") &&
                row->events[i].year == y) {
                fulfil(ob, &row->events[i]);
                break;
            }
        if (!ob->fulfilled)
            baseline_or_unknown(row, ob);
    }
    return XK_OK;
}

static const char *fulfilment_type(xk_duty_kind k)
{
    for (size_t i = 0; i < N_EVENT_TYPES; i++)
        if (!event_types[i].trigger && event_types[i].duty == k)
            return event_types[i].name;
    /* institution changes are met by info_updated too */
    return k == XK_DUTY_INSTITUTION_UPDATE ? "info_updated" : "";
}

static void trigger_due(const xk_calendar *cal, const xk_duty *d, const xk_event *e,
                        xk_obligation *ob)
{
    ob->from = e->date;
    ob->days = d->days;
    if (d->kind == XK_DUTY_ASSESSMENT_BEFORE_LAUNCH) {
        ob->due = e->date;
        ob->rule = XK_RULE_BY_LAUNCH;
    } else if (d->kind == XK_DUTY_INCIDENT_REPORT || d->days == 0) {
        ob->due = e->date;
        ob->rule = XK_RULE_SAME_DAY;
    } else if (d->working_days) {
        ob->due = xk_period_workdays_after(cal, e->date, d->days, &ob->prov);
        ob->rule = XK_RULE_WORKDAYS_AFTER;
    } else {
        ob->due = xk_period_days_after(cal, e->date, d->days, &ob->prov);
        ob->rule = XK_RULE_DAYS_AFTER;
    }
    ob->due_workday = ob->due;
}

void xk_obligation_rule(const xk_obligation *ob, char *buf, size_t size)
{
    char from[16];
    xk_date_format(ob->from, from, sizeof from);
    switch (ob->rule) {
    case XK_RULE_DAYS_BEFORE:
        snprintf(buf, size, "提前%d日: %d days before expiry on %s%s", ob->days, ob->days, from,
                 ob->alternative ? " (or report not continuing, same clock)" : "");
        break;
    case XK_RULE_FIRST_QUARTER:
        snprintf(buf, size, "第一季度: the report for %d, by 31 March%s", ob->year,
                 ob->due.month == 3 && ob->due.day == 31 ? "" : " (a rest day: next working day)");
        break;
    case XK_RULE_DAYS_AFTER:
        snprintf(buf, size, "%d日内: %d days after %s, moved to the next working day if a rest day",
                 ob->days, ob->days, from);
        break;
    case XK_RULE_WORKDAYS_AFTER:
        snprintf(buf, size, "%d个工作日内: %d working days after %s", ob->days, ob->days, from);
        break;
    case XK_RULE_SAME_DAY:
        snprintf(buf, size, "第一时间: at once, the day of the event (%s)", from);
        break;
    case XK_RULE_BY_LAUNCH:
        snprintf(buf, size, "an assessment on or before the launch on %s", from);
        break;
    default:
        snprintf(buf, size, "standing duty");
    }
}

const char *xk_obligation_rule_key(const xk_obligation *ob)
{
    switch (ob->rule) {
    case XK_RULE_DAYS_BEFORE:
        return ob->alternative ? "rule.days_before.or_notice" : "rule.days_before";
    case XK_RULE_FIRST_QUARTER:
        return ob->due.month == 3 && ob->due.day == 31 ? "rule.first_quarter"
                                                       : "rule.first_quarter.moved";
    case XK_RULE_DAYS_AFTER:
        return "rule.days_after";
    case XK_RULE_WORKDAYS_AFTER:
        return "rule.workdays_after";
    case XK_RULE_SAME_DAY:
        return "rule.same_day";
    case XK_RULE_BY_LAUNCH:
        return "rule.by_launch";
    default:
        return "rule.standing";
    }
}

/* An event reference: the id as a whole positive number, or -1 for anything else ("12abc",
 * "", "-3", too large), which atol would have read as some other id or as 0. */
static long event_ref(const char *ref)
{
    char *end;
    errno = 0;
    long id = strtol(ref, &end, 10);
    if (ref[0] < '1' || ref[0] > '9' || *end != '\0' || errno == ERANGE || id > (1L << 40))
        return -1;
    return id;
}

/* Is fulfilment event f (not yet used) a match for obligation ob started by trigger t? */
static bool meets(const xk_event *f, const xk_event *t, xk_duty_kind k)
{
    if (*f->ref && event_ref(f->ref) != t->id)
        return false;
    if (k == XK_DUTY_ASSESSMENT_BEFORE_LAUNCH) /* an assessment completed by the launch */
        return strcmp(f->type, "assessment_completed") == 0 && xk_date_cmp(f->date, t->date) <= 0;
    return strcmp(f->type, fulfilment_type(k)) == 0 && xk_date_cmp(f->date, t->date) >= 0;
}

static xk_status event_driven(const xk_calendar *cal, const xk_rules_row *row,
                              const xk_duty_set *set, xk_obligations *o)
{
    if (row->n_events == 0) /* most licences: nothing happened, nothing to match */
        return XK_OK;
    bool *used = calloc(row->n_events + 1, sizeof *used);
    if (!used)
        return XK_ENOMEM;
    for (size_t i = 0; i < row->n_events; i++) {
        const xk_event *t = &row->events[i];
        const xk_event_type *type = xk_event_type_find(t->type);
        if (!type || !type->trigger)
            continue;
        const xk_duty *d = find_duty(set, type->duty);
        xk_duty fb = fallback_duty(type->duty);
        if (!d)
            d = &fb;
        xk_obligation *ob = add(o, d);
        if (!ob) {
            free(used);
            return XK_ENOMEM;
        }
        ob->dated = true;
        ob->trigger = t->id;
        trigger_due(cal, d, t, ob);
        /* an explicit --ref wins; otherwise the earliest unused fulfilment after the trigger */
        for (int pass = 0; pass < 2 && !ob->fulfilled; pass++)
            for (size_t k = 0; k < row->n_events; k++) {
                const xk_event *f = &row->events[k];
                if (used[k] || (pass == 0) != (*f->ref != '\0') || !meets(f, t, type->duty))
                    continue;
                used[k] = true;
                fulfil(ob, f);
                break;
            }
    }
    free(used);
    return XK_OK;
}

static xk_status standing(const xk_duty_set *set, xk_obligations *o)
{
    static const xk_duty_kind kinds[] = {XK_DUTY_DISPLAY_NUMBER, XK_DUTY_KEEP_TRANSACTIONS,
                                         XK_DUTY_KEEP_LOGS};
    for (size_t i = 0; i < 3; i++) {
        const xk_duty *d = find_duty(set, kinds[i]);
        if (d && !add(o, d))
            return XK_ENOMEM;
    }
    return XK_OK;
}

/*
 * Most licences carry the standard provisions, so the same duty string repeats across the
 * registry: the last one decoded is kept per thread and reused when the next row has it too.
 */
static bool decode_cached(const char *text, xk_duty_set *set)
{
    static _Thread_local char last[1024];
    static _Thread_local xk_duty_set last_set;
    static _Thread_local bool valid;
    if (valid && strcmp(last, text) == 0) {
        *set = last_set;
        return true;
    }
    if (!xk_duties_decode(text, set))
        return false;
    valid = strlen(text) < sizeof last;
    if (valid) {
        memcpy(last, text, strlen(text) + 1);
        last_set = *set;
    }
    return true;
}

xk_status xk_rules_obligations(const xk_calendar *cal, const xk_rules_row *row, xk_date as_of,
                               xk_obligations *out, xk_error *err)
{
    memset(out, 0, sizeof *out);
    return xk_rules_obligations_into(cal, row, as_of, out, err);
}

xk_status xk_rules_obligations_into(const xk_calendar *cal, const xk_rules_row *row,
                                    xk_date as_of, xk_obligations *out, xk_error *err)
{
    return xk_obligations_into(cal, row, as_of, true, out, err);
}

xk_status xk_obligations_into(const xk_calendar *cal, const xk_rules_row *row, xk_date as_of,
                              bool with_standing, xk_obligations *out, xk_error *err)
{
    out->n = 0;
    xk_duty_set set;
    if (!decode_cached(row->duties ? row->duties : "", &set))
        return xk_error_set(err, XK_EFORMAT, 0, "%s: stored duties are malformed", row->number);
    xk_status rc = renewal(cal, row, &set, out);
    if (rc == XK_OK)
        rc = annual_reports(cal, row, &set, as_of, out);
    if (rc == XK_OK)
        rc = event_driven(cal, row, &set, out);
    if (rc == XK_OK && with_standing)
        rc = standing(&set, out);
    if (rc != XK_OK) {
        xk_obligations_free(out);
        return xk_error_set(err, rc, 0, "out of memory");
    }
    for (size_t i = 0; i < out->n; i++) {
        xk_obligation *ob = &out->items[i];
        ob->overdue = ob->dated && !ob->fulfilled && !ob->unrecorded &&
                      xk_date_cmp(ob->due, as_of) < 0;
    }
    return XK_OK;
}

xk_licence_status xk_rules_status(const xk_rules_row *row, const xk_obligations *obs,
                                  xk_date as_of)
{
    if (row->removed)
        return XK_STATUS_REMOVED;
    if (row->cancelled)
        return XK_STATUS_CANCELLED;
    if (xk_date_cmp(as_of, row->issued) < 0)
        return XK_STATUS_NOT_YET_VALID;
    if (xk_date_cmp(as_of, row->expires) > 0)
        return XK_STATUS_EXPIRED;
    for (size_t i = 0; i < obs->n; i++) {
        const xk_obligation *ob = &obs->items[i];
        if (ob->duty != XK_DUTY_RENEWAL || ob->fulfilled)
            continue;
        if (xk_date_cmp(as_of, ob->due) > 0)
            return XK_STATUS_RENEWAL_OVERDUE;
        if (xk_date_to_days(ob->due) - xk_date_to_days(as_of) <= XK_RENEWAL_DUE_WINDOW)
            return XK_STATUS_RENEWAL_DUE;
    }
    return XK_STATUS_VALID;
}

/* The open obligation a fulfilment of kind k would meet, or NULL. */
static const xk_obligation *open_one(const xk_obligations *obs, xk_duty_kind k, long ref,
                                     int year)
{
    for (size_t i = 0; i < obs->n; i++) {
        const xk_obligation *ob = &obs->items[i];
        bool kind_ok = ob->duty == k || (k == XK_DUTY_REGISTRATION_UPDATE &&
                                         ob->duty == XK_DUTY_INSTITUTION_UPDATE);
        if (kind_ok && !ob->fulfilled && (!ref || ob->trigger == ref) && (!year || ob->year == year))
            return ob;
    }
    return NULL;
}

/* The checks on an event's date alone: within the licence's timeline. */
static xk_status check_date(const xk_rules_row *row, const xk_event *ev, const xk_event_type *type,
                            xk_date today, xk_error *err)
{
    char d[16], issued[16], now[16], from[16], to[16];
    xk_date_format(ev->date, d, sizeof d);
    xk_date_format(row->issued, issued, sizeof issued);
    xk_date_format(today, now, sizeof now);
    if (ev->planned && !type->trigger)
        return xk_error_set(err, XK_EUSAGE, 0, "%s cannot be planned: record it once it is done "
                            "(only events that start an obligation can be planned)", ev->type);
    if (xk_date_cmp(ev->date, row->issued) < 0)
        return xk_error_set(err, XK_EUSAGE, 0, "%s is before %s's current version was issued "
                            "(%s): dates from %s to %s are accepted", d, row->number, issued,
                            issued, now);
    if (xk_date_cmp(ev->date, today) > 0 && !ev->planned)
        return xk_error_set(err, XK_EUSAGE, 0, "%s is after today (%s): dates from %s to %s are "
                            "accepted%s", d, now, issued, now,
                            type->trigger ? ", or a later one with --planned" : "");
    if (type->duty == XK_DUTY_RENEWAL || type->duty == XK_DUTY_TERMINATION_NOTICE) {
        xk_date first = xk_date_from_days(xk_date_to_days(row->expires) - XK_RENEWAL_WINDOW_DAYS);
        if (xk_date_cmp(first, row->issued) < 0)
            first = row->issued;
        if (!xk_rules_in_renewal_window(row, ev->date))
            return xk_error_set(err, XK_EUSAGE, 0, "%s on %s is outside %s's renewal window: "
                                "for the version expiring %s, dates from %s to %s are accepted",
                                ev->type, d, row->number, xk_date_format(row->expires, to, sizeof to),
                                xk_date_format(first, from, sizeof from), to);
    }
    if (ev->year && ev->date.year < ev->year)
        return xk_error_set(err, XK_EUSAGE, 0, "the annual report for %d is filed in %d or later, "
                            "not on %s", ev->year, ev->year, d);
    return XK_OK;
}

xk_status xk_rules_check_event(const xk_calendar *cal, const xk_rules_row *row,
                               const xk_event *ev, xk_date today, xk_event_check *out,
                               xk_error *err)
{
    xk_event_check ignored;
    if (!out)
        out = &ignored;
    memset(out, 0, sizeof *out);
    const xk_event_type *type = xk_event_type_find(ev->type);
    if (!type)
        return xk_error_set(err, XK_EUSAGE, 0, "unknown event type \"%s\" (see `xuke event types`)",
                            ev->type);
    if (strcmp(ev->type, "annual_report_filed") == 0 && !ev->year)
        return xk_error_set(err, XK_EUSAGE, 0, "annual_report_filed needs --year");
    xk_status drc = check_date(row, ev, type, today, err);
    if (drc != XK_OK)
        return drc;
    if (type->trigger)
        return XK_OK;
    long ref = *ev->ref ? event_ref(ev->ref) : 0;
    if (ref < 0)
        return xk_error_set(err, XK_EUSAGE, 0, "ref \"%s\" is not an event id (a whole number "
                            "from 1)", ev->ref);
    if (ref) {
        bool known = false;
        for (size_t i = 0; i < row->n_events; i++)
            known |= row->events[i].id == ref;
        if (!known)
            return xk_error_set(err, XK_EUSAGE, 0, "--ref %s names no event of %s", ev->ref,
                                row->number);
    }
    xk_obligations obs;
    xk_status rc = xk_rules_obligations(cal, row, ev->date, &obs, err);
    if (rc != XK_OK)
        return rc;
    /* renewal_applied and termination_reported both answer the renewal deadline */
    xk_duty_kind k = type->duty == XK_DUTY_TERMINATION_NOTICE ? XK_DUTY_RENEWAL : type->duty;
    const xk_obligation *met = open_one(&obs, k, ref, ev->year);
    bool ok = met != NULL;
    if (met) {
        out->due = met->due;
        out->late = met->dated && met->rule != XK_RULE_BY_LAUNCH &&
                    xk_date_cmp(ev->date, met->due) > 0;
    }
    if (ok && type->duty == XK_DUTY_TERMINATION_NOTICE) {
        xk_duty_set set;
        ok = xk_duties_decode(row->duties, &set) && find_duty(&set, XK_DUTY_TERMINATION_NOTICE);
        if (!ok) {
            xk_obligations_free(&obs);
            return xk_error_set(err, XK_EUSAGE, 0,
                                "%s's provisions have no notice of not continuing", row->number);
        }
    }
    xk_obligations_free(&obs);
    if (ok)
        return XK_OK;
    if (ev->year && row->baseline_year >= ev->year)
        return xk_error_set(err, XK_EUSAGE, 0, "the annual report of %s for %d is already taken "
                            "as filed by the baseline (reports up to %d): record reports for "
                            "later years", row->number, ev->year, row->baseline_year);
    if (ev->year)
        return xk_error_set(err, XK_EUSAGE, 0, "%s has no open annual report for %d (valid on "
                            "1 January of that year, not yet filed)", row->number, ev->year);
    return xk_error_set(err, XK_EUSAGE, 0, "%s matches no open obligation of %s: record the "
                        "event that started it first", ev->type, row->number);
}
