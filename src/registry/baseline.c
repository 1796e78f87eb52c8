/*
 * The baseline on first use. A registry filled today from licences issued years ago knows none
 * of the annual reports filed before: without a word from the officer, every one of them would
 * show as overdue. The baseline is that word, said once for the whole registry ("reports up to
 * YEAR were filed"), kept with who said it and when, and entered in the audit log. The rules read
 * the latest one (xk_rules_row.baseline_year); earlier ones stay as the record. This module only
 * stores it: what it means for an obligation is decided in src/rules/obligations.c.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "xuke/limits.h"

static xk_status set_locked(xk_store *st, int filed_through, const char *note, long *id,
                            xk_error *err)
{
    char at[32];
    xk_store_now_utc(at);
    xk_stmt *s;
    if (xk_db_prepare(st->db,
                      "INSERT INTO baselines(filed_through, note, recorded_at, actor) "
                      "VALUES (?1, ?2, ?3, ?4) RETURNING id",
                      &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "recording the baseline");
    int bound = xk_db_bind_int(s, 1, filed_through);
    if (bound == XK_DB_OK)
        bound = xk_db_bind_text(s, 2, note, -1);
    if (bound == XK_DB_OK)
        bound = xk_db_bind_text(s, 3, at, -1);
    if (bound == XK_DB_OK)
        bound = xk_db_bind_text(s, 4, st->actor, -1);
    xk_status rc = bound == XK_DB_OK && xk_db_step(s) == XK_DB_ROW
                       ? XK_OK
                       : xk_store_db_error(st, err, "recording the baseline");
    if (rc == XK_OK)
        *id = (long)xk_db_column_int64(s, 0);
    xk_db_finalize(s);
    if (rc != XK_OK)
        return rc;
    char detail[400];
    snprintf(detail, sizeof detail,
             "baseline %ld: annual reports up to %d taken as filed for every licence%s%s", *id,
             filed_through, *note ? ": " : "", note);
    return xk_audit_append_at(st, at, "baseline", "", detail, err);
}

xk_status xk_store_baseline_set(xk_store *st, int filed_through, const char *note, int this_year,
                                long *id, xk_error *err)
{
    if (!note)
        note = "";
    if (filed_through < XK_BASELINE_MIN_YEAR || filed_through > this_year)
        return xk_error_set(err, XK_EUSAGE, 0,
                            "a baseline year must be from %d to this year (%d), not %d: reports "
                            "for a year not yet begun cannot have been filed",
                            XK_BASELINE_MIN_YEAR, this_year, filed_through);
    if (strlen(note) > XK_MAX_REASON_BYTES)
        return xk_error_set(err, XK_EUSAGE, 0, "the note is longer than %u bytes: shorten it",
                            XK_MAX_REASON_BYTES);
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, set_locked(st, filed_through, note, id, err), err);
}

static void text_into(xk_stmt *s, int col, char *dst, size_t size)
{
    const char *v = xk_db_column_text(s, col);
    snprintf(dst, size, "%s", v ? v : "");
}

xk_status xk_store_baseline_get(xk_store *st, xk_baseline *out, xk_error *err)
{
    memset(out, 0, sizeof *out);
    xk_stmt *s = xk_store_stmt_sql(st, S_BASELINE_GET,
                                   "SELECT id, filed_through, note, recorded_at, actor FROM "
                                   "baselines ORDER BY id DESC LIMIT 1",
                                   err);
    if (!s)
        return xk_store_stmt_failure(err);
    int step = xk_db_step(s);
    if (step == XK_DB_ROW) {
        out->id = (long)xk_db_column_int64(s, 0);
        out->filed_through = (int)xk_db_column_int64(s, 1);
        text_into(s, 2, out->note, sizeof out->note);
        text_into(s, 3, out->recorded_at, sizeof out->recorded_at);
        text_into(s, 4, out->actor, sizeof out->actor);
    }
    xk_db_reset(s);
    if (step != XK_DB_ROW && step != XK_DB_DONE)
        return xk_store_db_error(st, err, "reading the baseline");
    return XK_OK;
}
