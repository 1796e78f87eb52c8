/*
 * Events recorded against licences (with their evidence files: evidence.c), the correcting
 * entries that undo a mistaken one, and the scan that hands the rules layer every licence with
 * its dates, duties and events in one pass (two ordered cursors merged, so a million licences
 * with their events are read without a query per licence).
 *
 * Nothing here deletes or rewrites an event. A mistake is undone by a correction: a new event
 * of type "correction" whose ref is the id it corrects. Reading an event joins its correction
 * in and reports it voided (when, by whom, why); the rules see neither the corrected event nor
 * the correction. Stores from before corrections existed may hold events voided in place
 * (events.voided_at set); those read back the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "internal.h"
#include "xuke/limits.h"
#include "xuke/text.h"

static xk_status find_id(xk_store *st, const char *number, long long *id, xk_error *err)
{
    existing ex;
    xk_status rc = xk_store_require_licence(st, number, &ex, err);
    *id = ex.id;
    return rc;
}

static xk_status add_locked(xk_store *st, const char *number, const xk_event *ev,
                            const xk_evidence_file *files, size_t n_files, long *id,
                            xk_error *err)
{
    long long lid;
    xk_status rc = find_id(st, number, &lid, err);
    if (rc != XK_OK)
        return rc;
    char at[32], date[16];
    xk_store_now_utc(at);
    xk_date_format(ev->date, date, sizeof date);
    xk_stmt *s;
    if (xk_db_prepare(st->db, "INSERT INTO events(licence_id, type, date, year, note, ref, "
                           "recorded_at, actor, planned) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                           "?9) RETURNING id", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "recording the event");
    xk_db_bind_int64(s, 1, lid);
    xk_db_bind_text(s, 2, ev->type, -1);
    xk_db_bind_text(s, 3, date, -1);
    if (ev->year)
        xk_db_bind_int(s, 4, ev->year);
    else
        xk_db_bind_null(s, 4);
    xk_db_bind_text(s, 5, ev->note, -1);
    xk_db_bind_text(s, 6, ev->ref, -1);
    xk_db_bind_text(s, 7, at, -1);
    xk_db_bind_text(s, 8, st->actor, -1);
    xk_db_bind_int(s, 9, ev->planned ? 1 : 0);
    rc = xk_db_step(s) == XK_DB_ROW ? XK_OK : xk_store_db_error(st, err, "recording the event");
    if (rc == XK_OK)
        *id = (long)xk_db_column_int64(s, 0);
    xk_db_finalize(s);
    if (rc != XK_OK)
        return rc;
    xk_buf detail;
    xk_buf_init(&detail);
    xk_buf_printf(&detail, "event %ld %s on %s%s%s%s", *id, ev->type, date,
                  ev->planned ? " (planned)" : "", *ev->note ? ": " : "", ev->note);
    if (ev->year)
        xk_buf_printf(&detail, " (year %d)", ev->year);
    rc = xk_evidence_put(st, *id, at, files, n_files, &detail, err);
    if (rc == XK_OK && detail.oom)
        rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    if (rc == XK_OK)
        rc = xk_content_append(st, at, "event", number, detail.data, 0, err);
    xk_buf_free(&detail);
    return rc;
}

xk_status xk_store_event_add(xk_store *st, const char *number, const xk_event *ev, long *id,
                             xk_error *err)
{
    return xk_store_event_add_files(st, number, ev, NULL, 0, id, err);
}

xk_status xk_store_event_add_files(xk_store *st, const char *number, const xk_event *ev,
                                   const xk_evidence_file *files, size_t n_files, long *id,
                                   xk_error *err)
{
    xk_status rc = xk_evidence_check(files, n_files, err); /* before anything is written */
    if (rc != XK_OK)
        return rc;
    rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, add_locked(st, number, ev, files, n_files, id, err), err);
}

/* A text column into a fixed buffer, whole; false when it does not fit (never cut). */
static bool column_into(xk_stmt *s, int col, char *dst, size_t size)
{
    return xk_store_text_col(s, col, dst, size);
}

/* False when a stored text is longer than its field (the store was changed outside xuke). */
static bool read_event(xk_stmt *s, int c, xk_event *e)
{
    memset(e, 0, sizeof *e);
    e->id = (long)xk_db_column_int64(s, c);
    xk_date_parse_iso((const char *)xk_db_column_text(s, c + 2), &e->date);
    e->year = xk_db_column_int(s, c + 3);
    e->planned = xk_db_column_int(s, c + 8) != 0;
    return column_into(s, c + 1, e->type, sizeof e->type) &&
           column_into(s, c + 4, e->note, sizeof e->note) &&
           column_into(s, c + 5, e->ref, sizeof e->ref) &&
           column_into(s, c + 6, e->recorded_at, sizeof e->recorded_at) &&
           column_into(s, c + 7, e->actor, sizeof e->actor) &&
           column_into(s, c + 9, e->voided_at, sizeof e->voided_at) &&
           column_into(s, c + 10, e->void_reason, sizeof e->void_reason) &&
           column_into(s, c + 11, e->voided_by, sizeof e->voided_by);
}

/* An event with what voided it: its own columns (voided in place, before corrections), else
 * the correction that names it (one at most: a unique index, schema migration 12). */
#define EVENT_COLUMNS                                                                              \
    "e.id, e.type, e.date, e.year, e.note, e.ref, e.recorded_at, e.actor, e.planned, "           \
    "CASE WHEN e.voided_at <> '' THEN e.voided_at ELSE COALESCE(c.recorded_at, '') END, "        \
    "CASE WHEN e.voided_at <> '' THEN e.void_reason ELSE COALESCE(c.note, '') END, "             \
    "CASE WHEN e.voided_at <> '' THEN e.voided_by ELSE COALESCE(c.actor, '') END"
#define EVENT_CORRECTION_JOIN                                                                      \
    " LEFT JOIN events c ON c.type = '" XK_EVENT_CORRECTION "' AND c.ref = CAST(e.id AS TEXT)"   \
    " AND c.licence_id = e.licence_id"

static xk_date china_day(const char *utc);

static xk_status correct_locked(xk_store *st, long id, const char *reason, char *number,
                                long *correction_id, xk_error *err)
{
    xk_stmt *s;
    if (xk_db_prepare(st->db, "SELECT l.number, e.type, e.date, e.licence_id, "
                           "CASE WHEN e.voided_at <> '' THEN e.voided_at "
                           "ELSE COALESCE(c.recorded_at, '') END FROM events e "
                           "JOIN licences l ON l.id = e.licence_id" EVENT_CORRECTION_JOIN
                           " WHERE e.id = ?1", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading the event");
    xk_db_bind_int64(s, 1, id);
    char num[64] = "", type[32] = "", date[16] = "", voided[32] = "";
    long long lid = 0;
    bool found = xk_db_step(s) == XK_DB_ROW;
    bool fits = !found || (column_into(s, 0, num, sizeof num) &&
                           column_into(s, 1, type, sizeof type) &&
                           column_into(s, 2, date, sizeof date) &&
                           column_into(s, 4, voided, sizeof voided));
    if (found)
        lid = xk_db_column_int64(s, 3);
    xk_db_finalize(s);
    if (!fits)
        return xk_store_too_long(err, "event", num);
    if (!found)
        return xk_error_set(err, XK_ENOTFOUND, 0, "there is no event %ld (`xuke event list "
                            "NUMBER` shows a licence's events with their ids)", id);
    if (*voided)
        return xk_error_set(err, XK_ECONFLICT, 0, "event %ld was already voided at %s", id,
                            voided);
    if (strcmp(type, XK_EVENT_CORRECTION) == 0)
        return xk_error_set(err, XK_ECONFLICT, 0, "event %ld is itself a correction: record "
                            "the event again instead", id);
    if (number)
        snprintf(number, 64, "%s", num);
    char at[32], day[16], ref[24];
    xk_store_now_utc(at);
    xk_date_format(china_day(at), day, sizeof day);
    snprintf(ref, sizeof ref, "%ld", id);
    if (xk_db_prepare(st->db, "INSERT INTO events(licence_id, type, date, year, note, ref, "
                           "recorded_at, actor, planned) VALUES (?1, ?2, ?3, NULL, ?4, ?5, ?6, "
                           "?7, 0) RETURNING id", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "recording the correction");
    xk_db_bind_int64(s, 1, lid);
    xk_db_bind_text(s, 2, XK_EVENT_CORRECTION, -1);
    xk_db_bind_text(s, 3, day, -1);
    xk_db_bind_text(s, 4, reason, -1);
    xk_db_bind_text(s, 5, ref, -1);
    xk_db_bind_text(s, 6, at, -1);
    xk_db_bind_text(s, 7, st->actor, -1);
    long cid = 0;
    xk_status rc = xk_db_step(s) == XK_DB_ROW ? XK_OK
                                               : xk_store_db_error(st, err, "recording the correction");
    if (rc == XK_OK)
        cid = (long)xk_db_column_int64(s, 0);
    xk_db_finalize(s);
    if (rc != XK_OK)
        return rc;
    if (correction_id)
        *correction_id = cid;
    char detail[400];
    snprintf(detail, sizeof detail, "correction %ld voids event %ld %s on %s: %s", cid, id, type,
             date, reason);
    return xk_content_append(st, at, "event_void", num, detail, 0, err);
}

xk_status xk_store_event_correct(xk_store *st, long id, const char *reason, char *number,
                                 long *correction_id, xk_error *err)
{
    if (!reason || !*reason)
        return xk_error_set(err, XK_EUSAGE, 0, "voiding an event needs a reason");
    if (strlen(reason) > XK_MAX_REASON_BYTES)
        return xk_error_set(err, XK_EUSAGE, 0, "the reason is longer than %u bytes: shorten it",
                            XK_MAX_REASON_BYTES);
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, correct_locked(st, id, reason, number, correction_id, err),
                              err);
}

xk_status xk_store_event_void(xk_store *st, long id, const char *reason, char *number,
                              xk_error *err)
{
    return xk_store_event_correct(st, id, reason, number, NULL, err);
}

xk_status xk_store_events(xk_store *st, const char *number, xk_event **out, size_t *n,
                          xk_error *err)
{
    *out = NULL;
    *n = 0;
    long long lid;
    xk_status rc = find_id(st, number, &lid, err);
    if (rc != XK_OK)
        return rc;
    xk_stmt *s;
    if (xk_db_prepare(st->db, "SELECT " EVENT_COLUMNS " FROM events e" EVENT_CORRECTION_JOIN
                           " WHERE e.licence_id = ?1 ORDER BY e.date, e.id", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading events");
    xk_db_bind_int64(s, 1, lid);
    size_t cap = 0;
    int step = XK_DB_DONE;
    while (rc == XK_OK && (step = xk_db_step(s)) == XK_DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            xk_event *ne = realloc(*out, cap * sizeof *ne);
            if (!ne) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
            *out = ne;
        }
        if (!read_event(s, 0, &(*out)[(*n)++])) {
            rc = xk_store_too_long(err, "event", number);
            break;
        }
    }
    if (rc == XK_OK && step != XK_DB_DONE) /* an error mid-scan is no end of the rows */
        rc = xk_store_db_error(st, err, "reading events");
    xk_db_finalize(s);
    if (rc != XK_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}


typedef struct event_cursor {
    xk_stmt *s;
    bool has_row;
    int last; /* the last step's result: XK_DB_ROW, XK_DB_DONE or an error */
    long long licence_id;
} event_cursor;

static void cursor_step(event_cursor *c)
{
    c->last = xk_db_step(c->s);
    c->has_row = c->last == XK_DB_ROW;
    if (c->has_row)
        c->licence_id = xk_db_column_int64(c->s, 0);
}

/* Whether the current version of a cancellation list names the licence's number: a match on its
 * number names this licence; one on a credit code or name is shown for a person to judge
 * (checks_store.c) and does not change the status. */
#define CANCELLED_COLUMN                                                                           \
    "EXISTS(SELECT 1 FROM list_entries e JOIN lists li ON li.id = e.list_id "                     \
    "WHERE e.number = l.number AND li.kind = 'cancelled' AND li.version = "                       \
    "(SELECT MAX(version) FROM lists m WHERE m.kind = li.kind AND m.source = li.source))"

/* The time the licence entered the registry: its first version's import (UTC, as stored). */
#define KNOWN_SINCE_COLUMN                                                                         \
    "(SELECT v.imported_at FROM versions v WHERE v.licence_id = l.id AND v.version = 1)"

/* China's date (UTC+8, the rules' days) of a stored UTC time "YYYY-MM-DDTHH:MM:SSZ"; {0} when
 * there is none: then every duty counts as known. Done here, not in SQL, so that both engines
 * read the same text the same way. */
static xk_date china_day(const char *utc)
{
    xk_date d = {0, 0, 0};
    char day[11];
    if (!utc || strlen(utc) < 13 || utc[10] != 'T' || utc[11] < '0' || utc[11] > '2' ||
        utc[12] < '0' || utc[12] > '9')
        return d;
    memcpy(day, utc, 10);
    day[10] = '\0';
    if (!xk_date_parse_iso(day, &d))
        return (xk_date){0, 0, 0};
    int hour = (utc[11] - '0') * 10 + (utc[12] - '0');
    return hour >= 16 ? xk_date_from_days(xk_date_to_days(d) + 1) : d;
}

#define RULES_COLUMNS                                                                              \
    "SELECT l.id, l.number, l.company, l.issued, l.expires, l.removed, l.duties, "               \
    CANCELLED_COLUMN ", " KNOWN_SINCE_COLUMN " FROM licences l"
/* voided events and corrections are kept for the record but count for nothing */
#define RULES_EVENTS(join, where, and_or_where)                                                    \
    "SELECT e.licence_id, " EVENT_COLUMNS " FROM events e" EVENT_CORRECTION_JOIN join where       \
    and_or_where " e.voided_at = '' AND c.id IS NULL AND e.type <> '" XK_EVENT_CORRECTION         \
    "' ORDER BY e.licence_id, e.date, e.id"

/* One licence's row and events, the status of one licence (every licence page and API answer):
 * prepared once per connection and kept. */
static bool one_licence_stmts(xk_store *st, xk_stmt **ls, xk_stmt **es, xk_error *err)
{
    *ls = xk_store_stmt_sql(st, S_RULES_ONE,
                            RULES_COLUMNS " WHERE l.number = ?1 ORDER BY l.id", err);
    *es = *ls ? xk_store_stmt_sql(st, S_RULES_ONE_EVENTS,
                                  RULES_EVENTS(" JOIN licences l ON l.id = e.licence_id",
                                               " WHERE l.number = ?1", " AND"),
                                  err)
              : NULL;
    if (*ls && !*es)
        xk_db_reset(*ls);
    return *es != NULL;
}

static xk_status rules_scan(xk_store *st, const char *number, const char *live_on,
                            xk_rules_fn fn, void *ctx, xk_error *err)
{
    bool kept = number && !live_on;
    char where[160];
    snprintf(where, sizeof where, "%s%s%s", number || live_on ? " WHERE " : "",
             number ? "l.number = ?1" : "",
             live_on ? (number ? " AND l.removed = 0 AND l.expires >= ?2"
                               : "l.removed = 0 AND l.expires >= ?2")
                     : "");
    xk_baseline base;
    xk_status brc = xk_store_baseline_get(st, &base, err);
    if (brc != XK_OK)
        return brc;
    char sql[2048];
    xk_stmt *ls;
    event_cursor ev = {NULL, false, XK_DB_DONE, 0};
    if (kept) {
        if (!one_licence_stmts(st, &ls, &ev.s, err))
            return xk_store_stmt_failure(err);
    } else {
        snprintf(sql, sizeof sql, RULES_COLUMNS "%s ORDER BY l.id", where);
        if (xk_db_prepare_scan(st->db, sql, &ls) != XK_DB_OK)
            return xk_store_db_error(st, err, "reading licences");
        snprintf(sql, sizeof sql, RULES_EVENTS("%s", "%s", "%s"),
                 number || live_on ? " JOIN licences l ON l.id = e.licence_id" : "", where,
                 *where ? " AND" : " WHERE");
        if (xk_db_prepare_scan(st->db, sql, &ev.s) != XK_DB_OK) {
            xk_db_finalize(ls);
            return xk_store_db_error(st, err, "reading events");
        }
    }
    if (number) {
        xk_db_bind_text(ls, 1, number, -1);
        xk_db_bind_text(ev.s, 1, number, -1);
    }
    if (live_on) {
        xk_db_bind_text(ls, 2, live_on, -1);
        xk_db_bind_text(ev.s, 2, live_on, -1);
    }
    cursor_step(&ev);
    xk_event *events = NULL;
    size_t cap = 0;
    xk_status rc = XK_OK;
    int step;
    bool stopped = false;
    while ((step = xk_db_step(ls)) == XK_DB_ROW) {
        long long id = xk_db_column_int64(ls, 0);
        xk_rules_row row;
        memset(&row, 0, sizeof row);
        if (!column_into(ls, 1, row.number, sizeof row.number) ||
            !column_into(ls, 2, row.company, sizeof row.company)) {
            const char *num = xk_db_column_text(ls, 1);
            rc = xk_store_too_long(err, "number or company", num ? num : "");
            break;
        }
        xk_date_parse_iso((const char *)xk_db_column_text(ls, 3), &row.issued);
        xk_date_parse_iso((const char *)xk_db_column_text(ls, 4), &row.expires);
        row.removed = xk_db_column_int(ls, 5) != 0;
        row.duties = (const char *)xk_db_column_text(ls, 6);
        row.cancelled = xk_db_column_int(ls, 7) != 0;
        row.known_since = china_day(xk_db_column_text(ls, 8));
        row.baseline_year = base.filed_through;
        if (xk_db_failed(ls)) { /* a column SQLite found no memory for reads empty */
            rc = xk_store_db_error(st, err, "reading licences");
            break;
        }
        while (ev.has_row && ev.licence_id < id) /* events of licences not asked for */
            cursor_step(&ev);
        size_t n = 0;
        while (ev.has_row && ev.licence_id == id) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                xk_event *ne = realloc(events, cap * sizeof *ne);
                if (!ne) {
                    rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                    break;
                }
                events = ne;
            }
            bool whole = read_event(ev.s, 1, &events[n++]);
            if (xk_db_failed(ev.s)) {
                rc = xk_store_db_error(st, err, "reading events");
                break;
            }
            if (!whole) {
                rc = xk_store_too_long(err, "event", row.number);
                break;
            }
            cursor_step(&ev);
        }
        if (rc != XK_OK)
            break;
        if (ev.last != XK_DB_ROW && ev.last != XK_DB_DONE) {
            rc = xk_store_db_error(st, err, "reading events");
            break;
        }
        row.events = events;
        row.n_events = n;
        if (!fn(&row, ctx)) {
            stopped = true;
            break;
        }
    }
    /* a failing step mid-scan is an error, never a short list taken for the whole */
    if (rc == XK_OK && !stopped && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading licences");
    if (rc == XK_OK && !stopped && ev.last != XK_DB_ROW && ev.last != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading events");
    free(events);
    if (kept) {
        xk_db_reset(ls);
        xk_db_reset(ev.s);
    } else {
        xk_db_finalize(ls);
        xk_db_finalize(ev.s);
    }
    return rc;
}

xk_status xk_store_rules_scan(xk_store *st, const char *number, xk_rules_fn fn, void *ctx,
                              xk_error *err)
{
    return rules_scan(st, number, NULL, fn, ctx, err);
}

xk_status xk_store_rules_scan_live(xk_store *st, const char *number, xk_date live_on,
                                   xk_rules_fn fn, void *ctx, xk_error *err)
{
    char day[16];
    return rules_scan(st, number, xk_date_format(live_on, day, sizeof day), fn, ctx, err);
}
