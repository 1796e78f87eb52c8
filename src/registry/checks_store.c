/*
 * The registry's side of the due-diligence checks: published lists stored as versions with their
 * entries, the matches of a licence against the current version of each list, and (sites) the
 * history of homepage checks. Parsing lists and fetching websites is the checks layer's
 * (src/checks/); this file only stores and looks up plain rows, so the registry never calls it.
 *
 * Matching is exact and ordered: the licence number; then a valid credit code that an entry
 * naming the number gives; then the company name in xk_company_normalise form. Credit codes and
 * names are matched only on entries that give no licence number, since an entry that names a
 * licence names that licence and no other one of the same company.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xuke/checks_store.h"
#include "xuke/text.h"

static const char *const kind_names[] = {"", "cancelled", "poor-conduct", "dishonest"};

const char *xk_list_kind_name(xk_list_kind kind)
{
    return kind >= XK_LIST_CANCELLED && kind <= XK_LIST_DISHONEST ? kind_names[kind] : "";
}

bool xk_list_kind_parse(const char *s, xk_list_kind *out)
{
    int k = xk_store_name_index(kind_names, XK_LIST_CANCELLED, XK_LIST_DISHONEST, s);
    if (k >= 0) *out = (xk_list_kind)k;
    return k >= 0;
}

/* Whole or false: a stored text longer than its field is an error, never cut. */
static bool text_into(xk_stmt *s, int col, char *dst, size_t size)
{
    return xk_store_text_col(s, col, dst, size);
}

static xk_status prepare(xk_store *st, const char *sql, xk_stmt **s, xk_error *err,
                         const char *doing)
{
    if (xk_db_prepare(st->db, sql, s) != XK_DB_OK)
        return xk_store_db_error(st, err, doing);
    return XK_OK;
}

/* --- storing a list ------------------------------------------------------------------------ */

static xk_status next_version(xk_store *st, const char *kind, const char *source, int *version,
                              xk_error *err)
{
    xk_stmt *s;
    xk_status rc = prepare(st, "SELECT COALESCE(MAX(version), 0) + 1 FROM lists "
                               "WHERE kind = ?1 AND source = ?2",
                           &s, err, "reading the lists");
    if (rc != XK_OK)
        return rc;
    xk_db_bind_text(s, 1, kind, -1);
    xk_db_bind_text(s, 2, source, -1);
    if (xk_db_step(s) == XK_DB_ROW)
        *version = xk_db_column_int(s, 0);
    else
        rc = xk_store_db_error(st, err, "reading the lists");
    xk_db_finalize(s);
    return rc;
}

static xk_status insert_list(xk_store *st, xk_list_info *info, xk_error *err)
{
    xk_stmt *s;
    xk_status rc = prepare(st, "INSERT INTO lists(kind, source, version, published, format, "
                               "sha256, entries, imported_at, actor) VALUES (?,?,?,?,?,?,?,?,?) "
                               "RETURNING id",
                           &s, err, "storing a list");
    if (rc != XK_OK)
        return rc;
    xk_db_bind_text(s, 1, info->kind, -1);
    xk_db_bind_text(s, 2, info->source, -1);
    xk_db_bind_int(s, 3, info->version);
    xk_db_bind_text(s, 4, info->published, -1);
    xk_db_bind_text(s, 5, info->format, -1);
    xk_db_bind_text(s, 6, info->sha256, -1);
    xk_db_bind_int64(s, 7, (long long)info->entries);
    xk_db_bind_text(s, 8, info->imported_at, -1);
    xk_db_bind_text(s, 9, info->actor, -1);
    if (xk_db_step(s) != XK_DB_ROW)
        rc = xk_store_db_error(st, err, "storing a list");
    else
        info->id = (long)xk_db_column_int64(s, 0);
    xk_db_finalize(s);
    return rc;
}

static xk_status insert_entries(xk_store *st, long list_id, const xk_list_entry *e, size_t n,
                                xk_error *err)
{
    xk_stmt *s;
    xk_status rc = prepare(st, "INSERT INTO list_entries(list_id, line, company, company_norm, "
                               "credit_code, credit_code_valid, number, date, reason, authority) "
                               "VALUES (?,?,?,?,?,?,?,?,?,?)",
                           &s, err, "storing a list's entries");
    if (rc != XK_OK)
        return rc;
    for (size_t i = 0; i < n && rc == XK_OK; i++) {
        char norm[4 * (XK_MAX_LIST_FIELD_BYTES + 1)];
        if (!xk_company_normalise(e[i].company, strlen(e[i].company), norm, sizeof norm))
            norm[0] = '\0'; /* not valid text: never matched on its name */
        xk_db_reset(s);
        xk_db_bind_int64(s, 1, list_id);
        xk_db_bind_int(s, 2, e[i].line);
        const char *texts[] = {e[i].company, norm, e[i].credit_code};
        for (int k = 0; k < 3; k++)
            xk_db_bind_text(s, 3 + k, texts[k], -1);
        xk_db_bind_int(s, 6, e[i].credit_code_valid && e[i].credit_code[0]);
        const char *rest[] = {e[i].number, e[i].date, e[i].reason, e[i].authority};
        for (int k = 0; k < 4; k++)
            xk_db_bind_text(s, 7 + k, rest[k], -1);
        if (xk_db_step(s) != XK_DB_DONE)
            rc = xk_store_db_error(st, err, "storing a list's entries");
    }
    xk_db_finalize(s);
    return rc;
}

static xk_status put_list(xk_store *st, xk_list_info *info, const xk_list_entry *entries,
                          size_t n, xk_error *err)
{
    xk_status rc = next_version(st, info->kind, info->source, &info->version, err);
    if (rc == XK_OK)
        rc = insert_list(st, info, err);
    if (rc == XK_OK)
        rc = insert_entries(st, info->id, entries, n, err);
    if (rc == XK_OK) {
        char detail[512];
        snprintf(detail, sizeof detail, "%s list \"%s\" version %d of %s: %zu entries, sha256 %s",
                 info->kind, info->source, info->version, info->published, n, info->sha256);
        rc = xk_audit_append_at(st, info->imported_at, "list_import", "", detail, err);
    }
    return rc;
}

xk_status xk_store_list_put(xk_store *st, xk_list_kind kind, const char *source,
                            const char *published, const char *format, const char *sha256,
                            const xk_list_entry *entries, size_t n, xk_list_info *out,
                            xk_error *err)
{
    xk_list_info info;
    memset(&info, 0, sizeof info);
    if (!*xk_list_kind_name(kind))
        return xk_error_set(err, XK_EUSAGE, 0, "unknown list kind");
    if (strlen(source) > XK_MAX_LIST_FIELD_BYTES)
        return xk_error_set(err, XK_ETOOBIG, 0, "a list's source is longer than %u bytes",
                            XK_MAX_LIST_FIELD_BYTES);
    snprintf(info.kind, sizeof info.kind, "%s", xk_list_kind_name(kind));
    snprintf(info.source, sizeof info.source, "%s", source);
    snprintf(info.published, sizeof info.published, "%s", published);
    snprintf(info.format, sizeof info.format, "%s", format);
    snprintf(info.sha256, sizeof info.sha256, "%s", sha256);
    snprintf(info.actor, sizeof info.actor, "%s", st->actor);
    info.entries = n;
    xk_store_now_utc(info.imported_at);
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    rc = xk_store_write_end(st, put_list(st, &info, entries, n, err), err);
    if (rc == XK_OK && out)
        *out = info;
    return rc;
}

/* --- reading lists --------------------------------------------------------------------------- */

xk_status xk_store_lists(xk_store *st, xk_list_info **out, size_t *n, xk_error *err)
{
    *out = NULL;
    *n = 0;
    xk_stmt *s;
    xk_status rc = prepare(st, "SELECT id, kind, source, version, published, format, sha256, "
                               "entries, imported_at, actor FROM lists "
                               "ORDER BY kind, source, version",
                           &s, err, "reading the lists");
    if (rc != XK_OK)
        return rc;
    size_t cap = 0;
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            xk_list_info *grown = realloc(*out, cap * sizeof *grown);
            if (!grown) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
            *out = grown;
        }
        xk_list_info *l = &(*out)[(*n)++];
        bool fits = true;
        l->id = (long)xk_db_column_int64(s, 0);
        fits = text_into(s, 1, l->kind, sizeof l->kind) && fits;
        fits = text_into(s, 2, l->source, sizeof l->source) && fits;
        l->version = xk_db_column_int(s, 3);
        fits = text_into(s, 4, l->published, sizeof l->published) && fits;
        fits = text_into(s, 5, l->format, sizeof l->format) && fits;
        fits = text_into(s, 6, l->sha256, sizeof l->sha256) && fits;
        l->entries = (size_t)xk_db_column_int64(s, 7);
        fits = text_into(s, 8, l->imported_at, sizeof l->imported_at) && fits;
        fits = text_into(s, 9, l->actor, sizeof l->actor) && fits;
        if (!fits) {
            rc = xk_store_too_long(err, "list", "");
            break;
        }
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading the lists");
    xk_db_finalize(s);
    if (rc != XK_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* --- matching a licence ---------------------------------------------------------------------- */

/* The current version of each list, the codes entries naming the licence give, and the entries
 * that match, each with the first thing it matched on. */
static const char match_sql[] =
    "WITH cur AS (SELECT id, kind, source, version, published FROM lists l WHERE version = "
    "  (SELECT MAX(version) FROM lists m WHERE m.kind = l.kind AND m.source = l.source)),"
    " codes AS (SELECT DISTINCT e.credit_code FROM list_entries e JOIN cur ON cur.id = e.list_id"
    "  WHERE e.number = ?1 AND e.credit_code_valid <> 0)"
    " SELECT cur.kind, cur.source, cur.version, cur.published, e.line, e.company,"
    "  e.credit_code, e.credit_code_valid, e.number, e.date, e.reason, e.authority,"
    "  CASE WHEN e.number = ?1 THEN 'number'"
    "   WHEN e.credit_code_valid <> 0 AND e.credit_code IN (SELECT credit_code FROM codes)"
    "   THEN 'credit_code' ELSE 'company' END"
    " FROM list_entries e JOIN cur ON cur.id = e.list_id"
    " WHERE e.number = ?1 OR (e.number = '' AND ((e.credit_code_valid <> 0 AND e.credit_code IN"
    "  (SELECT credit_code FROM codes)) OR (?2 <> '' AND e.company_norm = ?2)))"
    " ORDER BY cur.kind, cur.source, e.line";

static bool read_match(xk_stmt *s, xk_list_match *m)
{
    bool fits = true;
    memset(m, 0, sizeof *m);
    fits = text_into(s, 0, m->kind, sizeof m->kind) && fits;
    fits = text_into(s, 1, m->source, sizeof m->source) && fits;
    m->version = xk_db_column_int(s, 2);
    fits = text_into(s, 3, m->published, sizeof m->published) && fits;
    m->entry.line = xk_db_column_int(s, 4);
    fits = text_into(s, 5, m->entry.company, sizeof m->entry.company) && fits;
    fits = text_into(s, 6, m->entry.credit_code, sizeof m->entry.credit_code) && fits;
    m->entry.credit_code_valid = xk_db_column_int(s, 7) != 0;
    fits = text_into(s, 8, m->entry.number, sizeof m->entry.number) && fits;
    fits = text_into(s, 9, m->entry.date, sizeof m->entry.date) && fits;
    fits = text_into(s, 10, m->entry.reason, sizeof m->entry.reason) && fits;
    fits = text_into(s, 11, m->entry.authority, sizeof m->entry.authority) && fits;
    fits = text_into(s, 12, m->matched_on, sizeof m->matched_on) && fits;
    return fits;
}

static xk_status licence_company(xk_store *st, const char *number, char *norm, size_t size,
                                 xk_error *err)
{
    xk_status rc = XK_OK;
    xk_stmt *s = xk_store_cached_stmt(st, "SELECT company FROM licences WHERE number = ?1", err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, number, -1);
    int step = xk_db_step(s);
    if (step == XK_DB_ROW) {
        const char *company = (const char *)xk_db_column_text(s, 0);
        if (!company || !xk_company_normalise(company, strlen(company), norm, size))
            norm[0] = '\0';
    } else if (step == XK_DB_DONE) {
        rc = xk_error_set(err, XK_ENOTFOUND, 0, "no licence %s in the registry", number);
    } else {
        rc = xk_store_db_error(st, err, "reading a licence");
    }
    xk_db_reset(s);
    return rc;
}

xk_status xk_store_list_matches(xk_store *st, const char *number, xk_list_match **out,
                                size_t *n, xk_error *err)
{
    *out = NULL;
    *n = 0;
    char norm[1024];
    xk_status rc = licence_company(st, number, norm, sizeof norm, err);
    if (rc != XK_OK)
        return rc;
    xk_stmt *s = xk_store_cached_stmt(st, match_sql, err);
    if (!s)
        return XK_EDB;
    xk_db_bind_text(s, 1, number, -1);
    xk_db_bind_text(s, 2, norm, -1);
    size_t cap = 0;
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            xk_list_match *grown = realloc(*out, cap * sizeof *grown);
            if (!grown) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
            *out = grown;
        }
        if (!read_match(s, &(*out)[(*n)++])) {
            rc = xk_store_too_long(err, "list entry", "");
            break;
        }
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "matching the published lists");
    xk_db_reset(s);
    if (rc != XK_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* --- homepage checks --------------------------------------------------------------------------- */

static xk_status latest_result(xk_store *st, const xk_site_check *c, char *result, size_t size,
                               xk_error *err)
{
    xk_stmt *s;
    xk_status rc = prepare(st, "SELECT result FROM site_checks WHERE number = ?1 AND host = ?2 "
                               "ORDER BY id DESC LIMIT 1",
                           &s, err, "reading the homepage checks");
    if (rc != XK_OK)
        return rc;
    xk_db_bind_text(s, 1, c->number, -1);
    xk_db_bind_text(s, 2, c->host, -1);
    result[0] = '\0';
    int step = xk_db_step(s);
    if (step == XK_DB_ROW) {
        if (!text_into(s, 0, result, size))
            rc = xk_store_too_long(err, "homepage check", c->number);
    } else if (step != XK_DB_DONE) {
        rc = xk_store_db_error(st, err, "reading the homepage checks");
    }
    xk_db_finalize(s);
    return rc;
}

static xk_status insert_check(xk_store *st, const xk_site_check *c, xk_error *err)
{
    char before[16];
    xk_status rc = latest_result(st, c, before, sizeof before, err);
    xk_stmt *s;
    if (rc == XK_OK)
        rc = prepare(st, "INSERT INTO site_checks(number, host, url, result, http_status, "
                         "found_number, icp_filing, detail, sha256, checked_at) "
                         "VALUES (?,?,?,?,?,?,?,?,?,?)",
                     &s, err, "storing a homepage check");
    if (rc != XK_OK)
        return rc;
    const char *texts[] = {c->number, c->host, c->url, c->result};
    for (int k = 0; k < 4; k++)
        xk_db_bind_text(s, 1 + k, texts[k], -1);
    xk_db_bind_int(s, 5, c->http_status);
    const char *rest[] = {c->found_number, c->icp_filing, c->detail, c->sha256, c->checked_at};
    for (int k = 0; k < 5; k++)
        xk_db_bind_text(s, 6 + k, rest[k], -1);
    if (xk_db_step(s) != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "storing a homepage check");
    xk_db_finalize(s);
    if (rc == XK_OK && strcmp(before, c->result) != 0) {
        char detail[512];
        snprintf(detail, sizeof detail, "%s: %s -> %s", c->host, *before ? before : "(none)",
                 c->result);
        rc = xk_audit_append_at(st, c->checked_at, "site_check", c->number, detail, err);
    }
    return rc;
}

xk_status xk_store_site_check_add(xk_store *st, const xk_site_check *c, xk_error *err)
{
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, insert_check(st, c, err), err);
}

xk_status xk_store_site_hosts(xk_store *st, const char *number, xk_site_fn fn, void *ctx,
                              xk_error *err)
{
    xk_stmt *s;
    xk_status rc = prepare(st, "SELECT DISTINCT l.number, d.host FROM domains d "
                               "JOIN licences l ON l.id = d.licence_id "
                               "WHERE (CAST(?1 AS TEXT) IS NULL AND l.removed = 0) "
                               "OR l.number = ?1 "
                               "ORDER BY l.number, d.host",
                           &s, err, "reading the websites");
    if (rc != XK_OK)
        return rc;
    if (number)
        xk_db_bind_text(s, 1, number, -1);
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW)
        if (!fn((const char *)xk_db_column_text(s, 0), (const char *)xk_db_column_text(s, 1),
                ctx))
            break;
    if (step != XK_DB_ROW && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading the websites");
    xk_db_finalize(s);
    return rc;
}

static bool read_check(xk_stmt *s, xk_site_check *c)
{
    bool fits = true;
    memset(c, 0, sizeof *c);
    c->id = (long)xk_db_column_int64(s, 0);
    fits = text_into(s, 1, c->number, sizeof c->number) && fits;
    fits = text_into(s, 2, c->host, sizeof c->host) && fits;
    fits = text_into(s, 3, c->url, sizeof c->url) && fits;
    fits = text_into(s, 4, c->result, sizeof c->result) && fits;
    c->http_status = xk_db_column_int(s, 5);
    fits = text_into(s, 6, c->found_number, sizeof c->found_number) && fits;
    fits = text_into(s, 7, c->icp_filing, sizeof c->icp_filing) && fits;
    fits = text_into(s, 8, c->detail, sizeof c->detail) && fits;
    fits = text_into(s, 9, c->sha256, sizeof c->sha256) && fits;
    fits = text_into(s, 10, c->checked_at, sizeof c->checked_at) && fits;
    return fits;
}

/* changed_at of the latest check of each host: when the run of its result began. */
static void fill_changed(xk_site_check *all, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j + 1 < n && strcmp(all[j + 1].number, all[i].number) == 0 &&
               strcmp(all[j + 1].host, all[i].host) == 0 &&
               strcmp(all[j + 1].result, all[i].result) == 0)
            j++;
        snprintf(all[i].changed_at, sizeof all[i].changed_at, "%s", all[j].checked_at);
    }
}

/* Keeps the first (newest) check of each host; returns how many are left. */
static size_t keep_latest(xk_site_check *all, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(all[k - 1].number, all[i].number) != 0 ||
            strcmp(all[k - 1].host, all[i].host) != 0)
            all[k++] = all[i];
    return k;
}

xk_status xk_store_site_checks(xk_store *st, const char *number, bool latest_only, size_t limit,
                               xk_site_check **out, size_t *n, xk_error *err)
{
    *out = NULL;
    *n = 0;
    xk_stmt *s;
    xk_status rc = prepare(st, "SELECT id, number, host, url, result, http_status, found_number, "
                               "icp_filing, detail, sha256, checked_at FROM site_checks "
                               "WHERE CAST(?1 AS TEXT) IS NULL OR number = ?1 "
                               "ORDER BY number, host, id DESC",
                           &s, err, "reading the homepage checks");
    if (rc != XK_OK)
        return rc;
    if (number)
        xk_db_bind_text(s, 1, number, -1);
    size_t cap = 0;
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            xk_site_check *grown = realloc(*out, cap * sizeof *grown);
            if (!grown) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
            *out = grown;
        }
        if (!read_check(s, &(*out)[(*n)++])) {
            rc = xk_store_too_long(err, "homepage check", "");
            break;
        }
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading the homepage checks");
    xk_db_finalize(s);
    if (rc != XK_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    fill_changed(*out, *n);
    if (latest_only)
        *n = keep_latest(*out, *n);
    else if (limit && *n > limit)
        *n = limit;
    return XK_OK;
}
