/*
 * Events recorded against licences, and the scan that hands the rules layer every licence with
 * its dates, duties and events in one pass (two ordered cursors merged, so a million licences
 * with their events are read without a query per licence).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xuke/limits.h"
#include "xuke/text.h"

static xk_status find_id(xk_store *st, const char *number, long long *id, xk_error *err)
{
    existing ex;
    xk_status rc = xk_store_find_licence(st, number, &ex, err);
    if (rc == XK_OK && !ex.found)
        rc = xk_error_set(err, XK_ENOTFOUND, 0, "%s is not in the registry", number);
    *id = ex.id;
    return rc;
}

static xk_status add_locked(xk_store *st, const char *number, const xk_event *ev, long *id,
                            xk_error *err)
{
    long long lid;
    xk_status rc = find_id(st, number, &lid, err);
    if (rc != XK_OK)
        return rc;
    char at[32], date[16];
    xk_store_now_utc(at);
    xk_date_format(ev->date, date, sizeof date);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO events(licence_id, type, date, year, note, ref, "
                           "recorded_at, actor, planned) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                           "?9)",
                           -1, &s, NULL) != SQLITE_OK)
        return xk_store_db_error(st, err, "recording the event");
    int b = SQLITE_OK;
    xk_bind_int64(&b, s, 1, lid);
    xk_bind_text(&b, s, 2, ev->type);
    xk_bind_text(&b, s, 3, date);
    if (ev->year)
        xk_bind_int64(&b, s, 4, ev->year);
    xk_bind_text(&b, s, 5, ev->note);
    xk_bind_text(&b, s, 6, ev->ref);
    xk_bind_text(&b, s, 7, at);
    xk_bind_text(&b, s, 8, st->actor);
    xk_bind_int64(&b, s, 9, ev->planned ? 1 : 0);
    if (b == SQLITE_OK)
        b = sqlite3_step(s);
    rc = b == SQLITE_DONE ? XK_OK : xk_store_code_error(st, b, err, "recording the event");
    sqlite3_finalize(s);
    if (rc != XK_OK)
        return rc;
    *id = (long)sqlite3_last_insert_rowid(st->db);
    char detail[400];
    snprintf(detail, sizeof detail, "event %ld %s on %s%s%s%s", *id, ev->type, date,
             ev->planned ? " (planned)" : "", *ev->note ? ": " : "", ev->note);
    if (ev->year) {
        size_t n = strlen(detail);
        snprintf(detail + n, sizeof detail - n, " (year %d)", ev->year);
    }
    return xk_content_append(st, at, "event", number, detail, 0, err);
}

xk_status xk_store_event_add(xk_store *st, const char *number, const xk_event *ev, long *id,
                             xk_error *err)
{
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, add_locked(st, number, ev, id, err), err);
}

/* A text column into a fixed field sized for what this module writes there (notes and reasons
 * are refused over their limits before they are stored): one that does not fit is a damaged
 * store, SQLITE_TOOBIG in *rc, never cut. Memory running out is SQLITE_NOMEM in *rc. */
static void column_into(int *rc, sqlite3_stmt *s, int col, char *dst, size_t size)
{
    const char *v = xk_column_text(rc, s, col);
    size_t n = v ? strlen(v) : 0;
    if (n >= size && *rc == SQLITE_OK)
        *rc = SQLITE_TOOBIG;
    n = n < size ? n : 0;
    memcpy(dst, v ? v : "", n);
    dst[n] = '\0';
}

static void read_event(int *rc, sqlite3_stmt *s, int c, xk_event *e)
{
    memset(e, 0, sizeof *e);
    e->id = (long)sqlite3_column_int64(s, c);
    column_into(rc, s, c + 1, e->type, sizeof e->type);
    const char *date = xk_column_text(rc, s, c + 2);
    if (date)
        xk_date_parse_iso(date, &e->date);
    e->year = sqlite3_column_int(s, c + 3);
    column_into(rc, s, c + 4, e->note, sizeof e->note);
    column_into(rc, s, c + 5, e->ref, sizeof e->ref);
    column_into(rc, s, c + 6, e->recorded_at, sizeof e->recorded_at);
    column_into(rc, s, c + 7, e->actor, sizeof e->actor);
    e->planned = sqlite3_column_int(s, c + 8) != 0;
    column_into(rc, s, c + 9, e->voided_at, sizeof e->voided_at);
    column_into(rc, s, c + 10, e->void_reason, sizeof e->void_reason);
    column_into(rc, s, c + 11, e->voided_by, sizeof e->voided_by);
}

/* The error of a failed column read (column_into, read_event). */
static xk_status column_error(xk_store *st, int rc, xk_error *err, const char *doing)
{
    if (rc == SQLITE_TOOBIG)
        return xk_error_set(err, XK_EDB, 0, "%s: a stored field is longer than the store ever "
                            "writes (is the file damaged?)", doing);
    return xk_store_code_error(st, rc, err, doing);
}

#define EVENT_COLUMNS                                                                              \
    "e.id, e.type, e.date, e.year, e.note, e.ref, e.recorded_at, e.actor, e.planned, "           \
    "e.voided_at, e.void_reason, e.voided_by"

static xk_status void_locked(xk_store *st, long id, const char *reason, char *number,
                             xk_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT l.number, e.type, e.date, e.voided_at FROM events e "
                           "JOIN licences l ON l.id = e.licence_id WHERE e.id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return xk_store_db_error(st, err, "reading the event");
    int step = SQLITE_OK, col = SQLITE_OK;
    xk_bind_int64(&step, s, 1, id);
    if (step == SQLITE_OK)
        step = sqlite3_step(s);
    char num[64] = "", type[32] = "", date[16] = "", voided[32] = "";
    bool found = step == SQLITE_ROW;
    if (found) {
        column_into(&col, s, 0, num, sizeof num);
        column_into(&col, s, 1, type, sizeof type);
        column_into(&col, s, 2, date, sizeof date);
        column_into(&col, s, 3, voided, sizeof voided);
    }
    sqlite3_finalize(s);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return xk_store_code_error(st, step, err, "reading the event");
    if (col != SQLITE_OK)
        return column_error(st, col, err, "reading the event");
    if (!found)
        return xk_error_set(err, XK_ENOTFOUND, 0, "there is no event %ld (`xuke event list "
                            "NUMBER` shows a licence's events with their ids)", id);
    if (*voided)
        return xk_error_set(err, XK_ECONFLICT, 0, "event %ld was already voided at %s", id,
                            voided);
    if (number)
        snprintf(number, 64, "%s", num);
    char at[32];
    xk_store_now_utc(at);
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE events SET voided_at = ?2, void_reason = ?3, voided_by = ?4 "
                           "WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return xk_store_db_error(st, err, "voiding the event");
    int b = SQLITE_OK;
    xk_bind_int64(&b, s, 1, id);
    xk_bind_text(&b, s, 2, at);
    xk_bind_text(&b, s, 3, reason);
    xk_bind_text(&b, s, 4, st->actor);
    if (b == SQLITE_OK)
        b = sqlite3_step(s);
    xk_status rc =
        b == SQLITE_DONE ? XK_OK : xk_store_code_error(st, b, err, "voiding the event");
    sqlite3_finalize(s);
    if (rc != XK_OK)
        return rc;
    char detail[400];
    snprintf(detail, sizeof detail, "void event %ld %s on %s: %s", id, type, date, reason);
    return xk_content_append(st, at, "event_void", num, detail, 0, err);
}

xk_status xk_store_event_void(xk_store *st, long id, const char *reason, char *number,
                              xk_error *err)
{
    if (!reason || !*reason)
        return xk_error_set(err, XK_EUSAGE, 0, "voiding an event needs a reason");
    if (strlen(reason) > XK_MAX_REASON_BYTES)
        return xk_error_set(err, XK_EUSAGE, 0, "the reason is longer than %u bytes: shorten it",
                            XK_MAX_REASON_BYTES);
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, void_locked(st, id, reason, number, err), err);
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
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT " EVENT_COLUMNS " FROM events e WHERE e.licence_id = ?1 "
                           "ORDER BY e.date, e.id",
                           -1, &s, NULL) != SQLITE_OK)
        return xk_store_db_error(st, err, "reading events");
    int step = SQLITE_OK, col = SQLITE_OK;
    xk_bind_int64(&step, s, 1, lid);
    size_t cap = 0;
    if (step == SQLITE_OK)
        step = sqlite3_step(s);
    for (; rc == XK_OK && col == SQLITE_OK && step == SQLITE_ROW; step = sqlite3_step(s)) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            xk_event *ne = realloc(*out, cap * sizeof *ne);
            if (!ne) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
            *out = ne;
        }
        read_event(&col, s, 0, &(*out)[(*n)++]);
    }
    if (rc == XK_OK && col != SQLITE_OK)
        rc = column_error(st, col, err, "reading events");
    else if (rc == XK_OK && step != SQLITE_DONE) /* an error mid-scan is no end of the rows */
        rc = xk_store_code_error(st, step, err, "reading events");
    sqlite3_finalize(s);
    if (rc != XK_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}


typedef struct event_cursor {
    sqlite3_stmt *s;
    bool has_row;
    int last; /* the last step's result: SQLITE_ROW, SQLITE_DONE or an error */
    long long licence_id;
} event_cursor;

static void cursor_step(event_cursor *c)
{
    c->last = sqlite3_step(c->s);
    c->has_row = c->last == SQLITE_ROW;
    if (c->has_row)
        c->licence_id = sqlite3_column_int64(c->s, 0);
}

/* Whether the current version of a cancellation list names the licence's number: a match on its
 * number names this licence; one on a credit code or name is shown for a person to judge
 * (checks_store.c) and does not change the status. */
#define CANCELLED_COLUMN                                                                           \
    "EXISTS(SELECT 1 FROM list_entries e JOIN lists li ON li.id = e.list_id "                     \
    "WHERE e.number = l.number AND li.kind = 'cancelled' AND li.version = "                       \
    "(SELECT MAX(version) FROM lists m WHERE m.kind = li.kind AND m.source = li.source))"

static xk_status rules_scan(xk_store *st, const char *number, const char *live_on,
                            xk_rules_fn fn, void *ctx, xk_error *err)
{
    char where[160];
    snprintf(where, sizeof where, "%s%s%s", number || live_on ? " WHERE " : "",
             number ? "l.number = ?1" : "",
             live_on ? (number ? " AND l.removed = 0 AND l.expires >= ?2"
                               : "l.removed = 0 AND l.expires >= ?2")
                     : "");
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT l.id, l.number, l.company, l.issued, l.expires, l.removed, l.duties, "
             CANCELLED_COLUMN " FROM licences l%s ORDER BY l.id",
             where);
    sqlite3_stmt *ls;
    event_cursor ev = {NULL, false, SQLITE_DONE, 0};
    if (sqlite3_prepare_v2(st->db, sql, -1, &ls, NULL) != SQLITE_OK)
        return xk_store_db_error(st, err, "reading licences");
    /* voided events are kept for the record but count for nothing */
    snprintf(sql, sizeof sql,
             "SELECT e.licence_id, " EVENT_COLUMNS " FROM events e%s%s%s e.voided_at = '' "
             "ORDER BY e.licence_id, e.date, e.id",
             number || live_on ? " JOIN licences l ON l.id = e.licence_id" : "", where,
             *where ? " AND" : " WHERE");
    if (sqlite3_prepare_v2(st->db, sql, -1, &ev.s, NULL) != SQLITE_OK) {
        sqlite3_finalize(ls);
        return xk_store_db_error(st, err, "reading events");
    }
    int step = SQLITE_OK, col = SQLITE_OK;
    if (number) {
        xk_bind_text(&step, ls, 1, number);
        xk_bind_text(&step, ev.s, 1, number);
    }
    if (live_on) {
        xk_bind_text(&step, ls, 2, live_on);
        xk_bind_text(&step, ev.s, 2, live_on);
    }
    if (step == SQLITE_OK)
        cursor_step(&ev);
    xk_event *events = NULL;
    size_t cap = 0;
    xk_status rc = XK_OK;
    bool stopped = false;
    while (step == SQLITE_OK || step == SQLITE_ROW) {
        if ((step = sqlite3_step(ls)) != SQLITE_ROW)
            break;
        long long id = sqlite3_column_int64(ls, 0);
        xk_rules_row row;
        memset(&row, 0, sizeof row);
        column_into(&col, ls, 1, row.number, sizeof row.number);
        row.company = xk_column_text(&col, ls, 2);
        const char *issued = xk_column_text(&col, ls, 3);
        const char *expires = xk_column_text(&col, ls, 4);
        row.removed = sqlite3_column_int(ls, 5) != 0;
        row.duties = xk_column_text(&col, ls, 6);
        row.cancelled = sqlite3_column_int(ls, 7) != 0;
        if (col != SQLITE_OK)
            break;
        xk_date_parse_iso(issued, &row.issued);
        xk_date_parse_iso(expires, &row.expires);
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
            read_event(&col, ev.s, 1, &events[n++]);
            cursor_step(&ev);
        }
        if (rc != XK_OK || col != SQLITE_OK)
            break;
        if (ev.last != SQLITE_ROW && ev.last != SQLITE_DONE) {
            rc = xk_store_code_error(st, ev.last, err, "reading events");
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
    if (rc == XK_OK && col != SQLITE_OK)
        rc = column_error(st, col, err, "reading licences");
    if (rc == XK_OK && !stopped && step != SQLITE_DONE)
        rc = xk_store_code_error(st, step, err, "reading licences");
    if (rc == XK_OK && !stopped && ev.last != SQLITE_ROW && ev.last != SQLITE_DONE)
        rc = xk_store_code_error(st, ev.last, err, "reading events");
    free(events);
    sqlite3_finalize(ls);
    sqlite3_finalize(ev.s);
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
