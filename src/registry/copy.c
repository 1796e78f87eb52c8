/*
 * Moving a whole registry between stores, in either direction between a SQLite file and a
 * PostgreSQL database (xuke db copy). Every table's rows are copied as they are, ids included,
 * from one consistent snapshot of the source into an empty destination, in one transaction
 * there; before that transaction commits, the copy is checked: the same number of rows in every
 * table, the destination's audit chain and the content it names verified from the rows as
 * copied, and the same chain head as the source's. A copy that fails any of this leaves the
 * destination as it was.
 *
 * It copies rows, not schema: both stores are at this build's schema version (opening them
 * migrated them). A migration that adds a table adds it to `tables` below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "internal.h"

/* In the order foreign keys need. company_fts (SQLite) is rebuilt, not copied. */
static const char *const tables[] = {
    "documents", "licences", "versions", "services", "domains",     "events",      "tokens",
    "originals", "lists",    "list_entries", "site_checks", "audit", "audit_head", "audit_anchor",
    "subscriptions", "outbox", "notices", "baselines", "evidence", "users", "sessions",
    "signin_failures", "corrections",
};
#define N_TABLES (sizeof tables / sizeof tables[0])

/* PostgreSQL tables whose id comes from a sequence, moved past the copied ids afterwards. */
static const char *const serial_tables[] = {"documents",   "licences",      "events", "tokens",
                                            "lists",       "site_checks",   "subscriptions",
                                            "outbox",      "baselines",     "users",
                                            "sessions"};

static xk_status count_rows(xk_store *st, const char *table, long long *n, xk_error *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    xk_stmt *s;
    *n = -1;
    if (xk_db_prepare(st->db, sql, &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "counting rows");
    if (xk_db_step(s) == XK_DB_ROW)
        *n = xk_db_column_int64(s, 0);
    xk_status rc = *n < 0 ? xk_store_db_error(st, err, "counting rows") : XK_OK;
    xk_db_finalize(s);
    return rc;
}

/* "INSERT INTO table(a, b) VALUES (?1, ?2)" from the source row's column names. */
static char *insert_sql(const char *table, xk_stmt *row)
{
    xk_buf b;
    xk_buf_init(&b);
    int n = xk_db_column_count(row);
    xk_buf_printf(&b, "INSERT INTO %s(", table);
    for (int i = 0; i < n; i++)
        xk_buf_printf(&b, "%s%s", i ? ", " : "", xk_db_column_name(row, i));
    xk_buf_puts(&b, ") VALUES (");
    for (int i = 0; i < n; i++)
        xk_buf_printf(&b, "%s?%d", i ? ", " : "", i + 1);
    xk_buf_puts(&b, ")");
    return xk_buf_take(&b);
}

static void bind_row(xk_stmt *ins, xk_stmt *row)
{
    int n = xk_db_column_count(row);
    for (int i = 0; i < n; i++) {
        if (xk_db_column_null(row, i))
            xk_db_bind_null(ins, i + 1);
        else if (xk_db_column_is_blob(row, i))
            xk_db_bind_blob(ins, i + 1, xk_db_column_blob(row, i), xk_db_column_bytes(row, i),
                            true);
        else {
            const char *text = xk_db_column_text(row, i); /* before its length: SQLite's order */
            xk_db_bind_text(ins, i + 1, text, (int)xk_db_column_bytes(row, i));
        }
    }
}

static xk_status copy_table(xk_store *from, xk_store *to, const char *table, long long *copied,
                            xk_error *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
    xk_stmt *row, *ins = NULL;
    *copied = 0;
    if (xk_db_prepare_scan(from->db, sql, &row) != XK_DB_OK)
        return xk_store_db_error(from, err, "reading the source");
    xk_status rc = XK_OK;
    int step;
    while (rc == XK_OK && (step = xk_db_step(row)) == XK_DB_ROW) {
        if (!ins) {
            char *text = insert_sql(table, row);
            if (!text)
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
            else if (xk_db_prepare_persistent(to->db, text, &ins) != XK_DB_OK)
                rc = xk_store_db_error(to, err, "writing the destination");
            free(text);
            if (rc != XK_OK)
                break;
        }
        xk_db_reset(ins);
        xk_db_clear_bindings(ins);
        bind_row(ins, row);
        if (xk_db_step(ins) != XK_DB_DONE) {
            char doing[128];
            snprintf(doing, sizeof doing, "copying %s", table);
            rc = xk_store_db_error(to, err, doing);
        }
        (*copied)++;
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(from, err, "reading the source");
    xk_db_finalize(ins);
    xk_db_finalize(row);
    return rc;
}

static xk_status refuse_nonempty(xk_store *to, xk_error *err)
{
    static const char *const held[] = {"licences", "audit", "tokens", "users", "lists",
                                       "site_checks"};
    for (size_t i = 0; i < sizeof held / sizeof held[0]; i++) {
        long long n;
        xk_status rc = count_rows(to, held[i], &n, err);
        if (rc != XK_OK)
            return rc;
        if (n > 0)
            return xk_error_set(err, XK_ECONFLICT, 0,
                                "the destination is not empty (%lld rows in %s): a copy goes "
                                "only into a new store",
                                n, held[i]);
    }
    return XK_OK;
}

/* After the rows: what each engine keeps beside them. */
static xk_status finish_destination(xk_store *to, xk_error *err)
{
    if (!xk_store_is_pg(to))
        return xk_store_exec(to, "INSERT INTO company_fts(company_fts) VALUES('rebuild')", err);
    for (size_t i = 0; i < sizeof serial_tables / sizeof serial_tables[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
                 "COALESCE((SELECT max(id) FROM %s), 0) + 1, false)",
                 serial_tables[i], serial_tables[i]);
        xk_status rc = xk_store_exec(to, sql, err);
        if (rc != XK_OK)
            return rc;
    }
    return XK_OK;
}

static xk_status head_hash(xk_store *st, char out[XK_SHA256_HEX], long long *entries,
                           xk_error *err)
{
    xk_stmt *s;
    if (xk_db_prepare(st->db, "SELECT entries, hash FROM audit_head", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading the audit head");
    xk_status rc = XK_OK;
    if (xk_db_step(s) == XK_DB_ROW) {
        *entries = xk_db_column_int64(s, 0);
        snprintf(out, XK_SHA256_HEX, "%s", xk_db_column_text(s, 1));
    } else {
        rc = xk_error_set(err, XK_ECONFLICT, 0, "the audit head is missing");
    }
    xk_db_finalize(s);
    return rc;
}

/* The copy inside both transactions: rows, then every check, before anything commits. */
static xk_status copy_checked(xk_store *from, xk_store *to, xk_copy_stats *out, xk_error *err)
{
    xk_status rc = refuse_nonempty(to, err);
    if (rc == XK_OK) /* the rows a new store starts with are the source's to give */
        rc = xk_store_exec(to, "DELETE FROM audit_head; DELETE FROM audit_anchor", err);
    for (size_t i = 0; rc == XK_OK && i < N_TABLES; i++) {
        long long copied, have;
        rc = copy_table(from, to, tables[i], &copied, err);
        if (rc == XK_OK)
            rc = count_rows(to, tables[i], &have, err);
        if (rc == XK_OK && have != copied)
            rc = xk_error_set(err, XK_ECONFLICT, 0,
                              "%s: %lld rows read, %lld in the destination", tables[i], copied,
                              have);
        out->rows += (size_t)copied;
        out->tables++;
    }
    if (rc == XK_OK)
        rc = finish_destination(to, err);
    long long entries = 0, to_entries = 0;
    char want[XK_SHA256_HEX], have[XK_SHA256_HEX];
    if (rc == XK_OK)
        rc = head_hash(from, want, &entries, err);
    if (rc == XK_OK)
        rc = xk_store_audit_verify(to, &out->audit_entries, err);
    if (rc == XK_OK)
        rc = head_hash(to, have, &to_entries, err);
    if (rc == XK_OK && (strcmp(want, have) != 0 || entries != to_entries))
        rc = xk_error_set(err, XK_ECONFLICT, 0,
                          "the copy's audit head differs from the source's: nothing was kept");
    if (rc == XK_OK)
        snprintf(out->head, sizeof out->head, "%s", have);
    return rc;
}

xk_status xk_store_copy(xk_store *from, xk_store *to, xk_copy_stats *out, xk_error *err)
{
    memset(out, 0, sizeof *out);
    if (to->read_only)
        return xk_error_set(err, XK_EDB, 0, "the destination is read-only");
    /* one snapshot of the source, however long the copy takes and whoever writes meanwhile */
    xk_status rc = xk_store_exec(from,
                                 xk_store_is_pg(from)
                                     ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                                     : "BEGIN",
                                 err);
    if (rc != XK_OK)
        return rc;
    rc = xk_store_begin(to, err);
    if (rc == XK_OK) {
        rc = copy_checked(from, to, out, err);
        if (rc == XK_OK)
            rc = xk_store_commit(to, err);
        else
            xk_store_rollback(to);
    }
    xk_db_exec(from->db, "ROLLBACK"); /* it only read */
    return rc;
}

int xk_store_schema_version(xk_store *st)
{
    xk_stmt *s;
    int v = -1;
    if (xk_db_prepare(st->db, "SELECT version FROM schema_version", &s) != XK_DB_OK)
        return -1;
    if (xk_db_step(s) == XK_DB_ROW)
        v = xk_db_column_int(s, 0);
    xk_db_finalize(s);
    return v;
}
