/*
 * The audit log: one entry per write (import, new version, removal, event), each hashed with
 * SHA-256 over its own fields and the previous entry's hash. Entry ids are consecutive and the
 * head (count and last hash) is kept in audit_head, so an altered entry, a deleted one (in the
 * middle or at the end) or an inserted one all break verification. The chain is tamper-evident,
 * not tamper-proof: someone able to rewrite the file can rewrite the whole chain, which is why
 * `xuke audit --verify` prints the head hash for keeping elsewhere.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/buf.h"
#include "internal.h"

static void field(xk_buf *b, const char *v)
{
    xk_buf_printf(b, "%zu:%s\n", strlen(v), v);
}

/* Length-prefixed fields, so no choice of content can make two entries hash alike. */
static bool entry_hash(const char *prev, long long id, const char *at, const char *actor,
                       const char *action, const char *number, const char *detail,
                       const char *content, char out[XK_SHA256_HEX])
{
    xk_buf b;
    xk_buf_init(&b);
    field(&b, prev);
    xk_buf_printf(&b, "%lld\n", id);
    field(&b, at);
    field(&b, actor);
    field(&b, action);
    field(&b, number);
    field(&b, detail);
    if (*content) /* entries written before content was recorded hash as they did */
        field(&b, content);
    if (b.oom) {
        xk_buf_free(&b);
        return false;
    }
    xk_store_sha256_hex(b.data, b.len, out);
    xk_buf_free(&b);
    return true;
}

xk_status xk_audit_append_at(xk_store *st, const char *at, const char *action, const char *number,
                             const char *detail, xk_error *err)
{
    return xk_audit_append_content(st, at, action, number, detail, "", err);
}

/* The head the next entry follows: the open transaction's own when it appended already (see
 * xk_store.head_pending), else audit_head's row. */
static xk_status head_read(xk_store *st, long long *entries, char hash[XK_SHA256_HEX],
                           xk_error *err)
{
    if (st->head_pending) {
        *entries = st->head_entries;
        memcpy(hash, st->head_hash, XK_SHA256_HEX);
        return XK_OK;
    }
    xk_stmt *s = xk_store_stmt(st, S_AUDIT_HEAD, err);
    if (!s)
        return xk_store_stmt_failure(err);
    if (xk_db_step(s) != XK_DB_ROW)
        return xk_store_db_error(st, err, "reading the audit head");
    *entries = xk_db_column_int64(s, 0);
    const char *head = xk_db_column_text(s, 1);
    if (xk_db_failed(s)) /* no memory for the text: the chain must not go on from "" */
        return xk_error_set(err, XK_ENOMEM, 0, "reading the audit head: out of memory");
    snprintf(hash, XK_SHA256_HEX, "%s", head ? head : "");
    xk_db_reset(s);
    return XK_OK;
}

static xk_status head_update(xk_store *st, long long entries, const char *hash, xk_error *err)
{
    xk_stmt *s = xk_store_stmt(st, S_AUDIT_SET_HEAD, err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, entries);
    xk_db_bind_text(s, 2, hash, -1);
    if (xk_db_step(s) != XK_DB_DONE)
        return xk_store_db_error(st, err, "writing the audit head");
    return XK_OK;
}

/* The head after an append: kept for the COMMIT inside xk_store_begin … commit, written at once
 * in a write of its own. */
static xk_status head_write(xk_store *st, long long entries, const char *hash, xk_error *err)
{
    if (!st->explicit_tx)
        return head_update(st, entries, hash, err);
    st->head_entries = entries;
    snprintf(st->head_hash, sizeof st->head_hash, "%s", hash);
    st->head_pending = true;
    return XK_OK;
}

xk_status xk_audit_head_flush(xk_store *st, xk_error *err)
{
    if (!st->head_pending)
        return XK_OK;
    xk_status rc = head_update(st, st->head_entries, st->head_hash, err);
    if (rc == XK_OK)
        st->head_pending = false;
    return rc;
}

xk_status xk_audit_append_content(xk_store *st, const char *at, const char *action,
                                  const char *number, const char *detail, const char *content,
                                  xk_error *err)
{
    long long id;
    char prev[XK_SHA256_HEX], hash[XK_SHA256_HEX];
    xk_status rc = head_read(st, &id, prev, err);
    if (rc != XK_OK)
        return rc;
    id++;
    if (!entry_hash(prev, id, at, st->actor, action, number, detail, content, hash))
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    xk_stmt *s = xk_store_stmt(st, S_AUDIT_INSERT, err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, id);
    const char *vals[] = {at, st->actor, action, number, detail, prev, hash, content};
    for (int i = 0; i < 8; i++)
        xk_db_bind_text(s, i + 2, vals[i], -1);
    if (xk_db_step(s) != XK_DB_DONE)
        return xk_store_db_error(st, err, "writing the audit log");
    return head_write(st, id, hash, err);
}

xk_status xk_audit_append_many(xk_store *st, const xk_audit_new *entries, size_t n,
                               xk_error *err)
{
    if (!xk_store_is_pg(st)) { /* one by one: SQLite has no COPY, and needs none */
        xk_status rc = XK_OK;
        for (size_t i = 0; rc == XK_OK && i < n; i++)
            rc = xk_audit_append_content(st, entries[i].at, entries[i].action, entries[i].number,
                                         entries[i].detail, entries[i].content, err);
        return rc;
    }
    long long id;
    char prev[XK_SHA256_HEX], hash[XK_SHA256_HEX];
    xk_status rc = head_read(st, &id, prev, err);
    if (rc != XK_OK)
        return rc;
    xk_buf rows;
    xk_buf_init(&rows);
    for (size_t i = 0; i < n && !rows.oom; i++) {
        const xk_audit_new *e = &entries[i];
        id++;
        if (!entry_hash(prev, id, e->at, st->actor, e->action, e->number, e->detail, e->content,
                        hash)) {
            rows.oom = true;
            break;
        }
        xk_pgcopy_row(&rows, 9);
        xk_pgcopy_int8(&rows, id);
        const char *vals[] = {e->at, st->actor, e->action, e->number, e->detail, prev, hash,
                              e->content};
        for (int k = 0; k < 8; k++)
            xk_pgcopy_text(&rows, vals[k]);
        memcpy(prev, hash, sizeof prev);
    }
    int copied = xk_db_pg_copy(st->db,
                               "COPY audit(id, at, actor, action, number, detail, prev_hash, "
                               "hash, content) FROM STDIN (FORMAT binary)",
                               &rows);
    xk_buf_free(&rows);
    if (copied != XK_DB_OK)
        return xk_store_db_error(st, err, "writing the audit log");
    return head_write(st, id, prev, err);
}

xk_status xk_store_audit_append(xk_store *st, const char *action, const char *number,
                                const char *detail, xk_error *err)
{
    char at[32];
    xk_store_now_utc(at);
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, xk_audit_append_at(st, at, action, number, detail, err), err);
}

static long long monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec;
}

/* Outside a transaction of this connection, with the log as it was marked before the last
 * reading, less than XK_REVISION_REREAD_SECONDS ago: that reading, without asking SQLite (a
 * read transaction's file locks, most of a kept answer's cost). PostgreSQL is always asked. */
static bool revision_unchanged(xk_store *st, xk_wal_mark *mark, bool *marked,
                               xk_store_revision *out)
{
    *marked = st->db->kind == XK_DB_SQLITE && !st->explicit_tx && !st->read_tx &&
              xk_db_sqlite_wal_mark(st->db, mark);
    if (!*marked || !st->rev_marked || !xk_db_sqlite_wal_unchanged(&st->rev_mark, mark) ||
        monotonic_seconds() - st->rev_read_at >= XK_REVISION_REREAD_SECONDS)
        return false;
    *out = st->rev;
    return true;
}

xk_status xk_store_revision_get(xk_store *st, xk_store_revision *out, xk_error *err)
{
    memset(out, 0, sizeof *out);
    xk_wal_mark mark;
    bool marked;
    if (revision_unchanged(st, &mark, &marked, out))
        return XK_OK;
    st->rev_marked = false;
    if (st->head_pending) { /* this transaction's entries, not yet in audit_head */
        out->entries = st->head_entries;
        snprintf(out->hash, sizeof out->hash, "%s", st->head_hash);
        return XK_OK;
    }
    xk_stmt *s = xk_store_stmt(st, S_AUDIT_HEAD, err);
    if (!s)
        return xk_store_stmt_failure(err);
    int step = xk_db_step(s);
    bool fits = step == XK_DB_ROW && xk_store_text_col(s, 1, out->hash, sizeof out->hash);
    out->entries = step == XK_DB_ROW ? xk_db_column_int64(s, 0) : 0;
    bool failed = xk_db_failed(s);
    xk_db_reset(s);
    if (step != XK_DB_ROW)
        return xk_store_db_error(st, err, "reading the audit head");
    if (failed)
        return xk_error_set(err, XK_ENOMEM, 0, "reading the audit head: out of memory");
    if (!fits)
        return xk_store_too_long(err, "audit head", "");
    if (marked && mark.settled) { /* the mark was taken before the reading: it vouches for it */
        st->rev = *out;
        st->rev_mark = mark;
        st->rev_read_at = monotonic_seconds();
        st->rev_marked = true;
    }
    return XK_OK;
}

bool xk_store_revision_same(const xk_store_revision *a, const xk_store_revision *b)
{
    return a->entries == b->entries && strcmp(a->hash, b->hash) == 0;
}

/* False when a stored field is longer than xuke writes it; the detail is not copied (any
 * length: it points into the row, valid during the callback). */
static bool read_entry(xk_stmt *s, xk_audit_entry *e)
{
    e->id = (long)xk_db_column_int64(s, 0);
    const char *detail = xk_db_column_text(s, 5);
    e->detail = detail ? detail : "";
    return xk_store_text_col(s, 1, e->at, sizeof e->at) &&
           xk_store_text_col(s, 2, e->actor, sizeof e->actor) &&
           xk_store_text_col(s, 3, e->action, sizeof e->action) &&
           xk_store_text_col(s, 4, e->number, sizeof e->number) &&
           xk_store_text_col(s, 6, e->hash, sizeof e->hash);
}

xk_status xk_store_audit(xk_store *st, const char *number, size_t limit, xk_audit_fn fn,
                         void *ctx, xk_error *err)
{
    const char *sql =
        number ? "SELECT * FROM (SELECT id, at, actor, action, number, detail, hash FROM audit "
                 "WHERE number = ?1 ORDER BY id DESC LIMIT ?2) AS recent ORDER BY id"
               : "SELECT * FROM (SELECT id, at, actor, action, number, detail, hash FROM audit "
                 "ORDER BY id DESC LIMIT ?2) AS recent ORDER BY id";
    xk_stmt *s;
    if (xk_db_prepare_scan(st->db, sql, &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading the audit log");
    if (number)
        xk_db_bind_text(s, 1, number, -1);
    xk_db_bind_int64(s, 2, limit ? (long long)limit : LLONG_MAX);
    int rc;
    xk_audit_entry e;
    bool fits = true;
    while ((rc = xk_db_step(s)) == XK_DB_ROW) {
        if (!(fits = read_entry(s, &e)))
            break;
        if (!fn(&e, ctx))
            break;
    }
    xk_status out = !fits ? xk_error_set(err, XK_EDB, 0,
                                         "audit entry %ld has a field longer than xuke writes: "
                                         "the store was changed outside xuke",
                                         e.id)
                    : (rc == XK_DB_ROW || rc == XK_DB_DONE)
                        ? XK_OK
                        : xk_store_db_error(st, err, "reading audit");
    xk_db_finalize(s);
    return out;
}

xk_status xk_store_audit_verify(xk_store *st, size_t *checked, xk_error *err)
{
    *checked = 0;
    xk_stmt *s;
    if (xk_db_prepare_scan(st->db, "SELECT id, at, actor, action, number, detail, prev_hash, "
                                "hash, content FROM audit ORDER BY id", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading the audit log");
    char prev[XK_SHA256_HEX] = "0000000000000000000000000000000000000000000000000000000000000000";
    long long expect = 1;
    xk_status rc = XK_OK;
    int step;
    while (rc == XK_OK && (step = xk_db_step(s)) == XK_DB_ROW) {
        long long id = xk_db_column_int64(s, 0);
        const char *f[8];
        for (int i = 0; i < 8; i++) {
            const char *v = xk_db_column_text(s, i + 1);
            f[i] = v ? (const char *)v : "";
        }
        char want[XK_SHA256_HEX];
        if (id != expect)
            rc = xk_error_set(err, XK_ECONFLICT, 0,
                              "audit entry %lld is missing (entries jump from %lld to %lld)",
                              expect, expect - 1, id);
        else if (strcmp(f[5], prev) != 0)
            rc = xk_error_set(err, XK_ECONFLICT, 0,
                              "audit entry %lld does not follow entry %lld (chain broken)", id,
                              id - 1);
        else if (!entry_hash(prev, id, f[0], f[1], f[2], f[3], f[4], f[7], want) ||
                 strcmp(want, f[6]) != 0)
            rc = xk_error_set(err, XK_ECONFLICT, 0,
                              "audit entry %lld does not match its hash: it was altered", id);
        snprintf(prev, sizeof prev, "%s", f[6]);
        expect++;
    }
    xk_db_finalize(s);
    if (rc == XK_OK) /* the head this transaction's own entries left, if any */
        rc = xk_audit_head_flush(st, err);
    if (rc != XK_OK)
        return rc;
    if (xk_db_prepare(st->db, "SELECT entries, hash FROM audit_head", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading the audit head");
    if (xk_db_step(s) != XK_DB_ROW)
        rc = xk_error_set(err, XK_ECONFLICT, 0, "the audit head is missing");
    else if (xk_db_column_int64(s, 0) != expect - 1 ||
             strcmp((const char *)xk_db_column_text(s, 1), prev) != 0)
        rc = xk_error_set(err, XK_ECONFLICT, 0,
                          "the audit log ends at entry %lld but its head records %lld entries: "
                          "entries were deleted",
                          expect - 1, (long long)xk_db_column_int64(s, 0));
    xk_db_finalize(s);
    *checked = (size_t)(expect - 1);
    if (rc == XK_OK) /* the chain holds: now the rows it names */
        rc = xk_content_verify(st, err);
    return rc;
}
