/*
 * The SQLite registry: opening (WAL, foreign keys, FULL sync, migrations), transactions, and
 * storing and reading licence versions. A licence write is its own transaction, or part of the
 * caller's batch (see xk_store_write_begin): either way a crash leaves only whole licences.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/buf.h"
#include "../record/record_write.h"
#include "xuke/catalogue.h"
#include "internal.h"
#include "xuke/limits.h"
#include "xuke/text.h"
#include "xuke/duties.h"
#include "xuke/record_json.h"

static const char *const sql_text[S_COUNT] = {
    [S_FIND_LICENCE] = "SELECT id, version, removed FROM licences WHERE number = ?1",
    [S_INSERT_LICENCE] = "INSERT INTO licences(number, version, company, legal_representative, "
                         "region, category, issuer, issued, expires, duties) "
                         "VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
    [S_UPDATE_LICENCE] = "UPDATE licences SET version = version + 1, company = ?2, "
                         "legal_representative = ?3, region = ?4, category = ?5, issuer = ?6, "
                         "issued = ?7, expires = ?8, duties = ?9, removed = 0, "
                         "removed_reason = NULL, removed_at = NULL WHERE id = ?1 RETURNING version",
    [S_INSERT_VERSION] = "INSERT INTO versions(licence_id, version, record, record_sha256, "
                         "source_sha256, imported_at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_CURRENT_HASH] = "SELECT record_sha256 FROM versions WHERE licence_id = ?1 AND version = ?2",
    /* ON CONFLICT DO NOTHING: "stored once" in words both engines take */
    [S_INSERT_DOCUMENT] = "INSERT INTO documents(sha256, kind, size, body, created_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
    [S_DELETE_SERVICES] = "DELETE FROM services WHERE licence_id = ?1",
    [S_INSERT_SERVICE] = "INSERT INTO services(code, licence_id) VALUES (?1, ?2) "
                         "ON CONFLICT DO NOTHING",
    [S_DELETE_DOMAINS] = "DELETE FROM domains WHERE licence_id = ?1",
    [S_INSERT_DOMAIN] = "INSERT INTO domains(host, licence_id, website_index, service, "
                        "website_name) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
    [S_GET_VERSION] = "SELECT v.version, v.record, v.record_sha256, v.source_sha256, "
                      "v.imported_at, v.actor, l.version, l.removed, l.removed_reason, "
                      "l.removed_at FROM licences l JOIN versions v ON v.licence_id = l.id "
                      "AND v.version = CASE WHEN ?2 > 0 THEN ?2 ELSE l.version END "
                      "WHERE l.number = ?1",
    [S_AUDIT_HEAD] = "SELECT entries, hash FROM audit_head WHERE one = 1",
    [S_AUDIT_INSERT] = "INSERT INTO audit(id, at, actor, action, number, detail, prev_hash, hash, "
                       "content) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_AUDIT_SET_HEAD] = "UPDATE audit_head SET entries = ?1, hash = ?2 WHERE one = 1",
    /* a new licence's company (schema migration 5 says why this is not a trigger) */
    [S_INDEX_COMPANY] = "INSERT INTO company_fts(rowid, company) VALUES (?1, ?2)",
    [S_INDEX_COMPANIES] = "INSERT INTO company_fts(rowid, company) SELECT id, company FROM "
                          "licences WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
};

xk_status xk_store_db_error(xk_store *st, xk_error *err, const char *doing)
{
    return st->db->ops->error(st->db, err, doing);
}

xk_stmt *xk_store_stmt(xk_store *st, stmt_id id, xk_error *err)
{
    return xk_store_stmt_sql(st, id, sql_text[id], err);
}

xk_stmt *xk_store_stmt_sql(xk_store *st, stmt_id id, const char *sql, xk_error *err)
{
    xk_stmt *s = st->stmts[id];
    if (!s) {
        if (xk_db_prepare_persistent(st->db, sql, &s) != XK_DB_OK) {
            xk_store_db_error(st, err, "preparing a statement");
            return NULL;
        }
        st->stmts[id] = s;
    }
    xk_db_reset(s);
    xk_db_clear_bindings(s);
    return s;
}

xk_stmt *xk_store_cached_stmt(xk_store *st, const char *sql, xk_error *err)
{
    cached_query *victim = &st->queries[0];
    for (int i = 0; i < QUERY_CACHE; i++) {
        cached_query *q = &st->queries[i];
        if (q->sql && strcmp(q->sql, sql) == 0) {
            q->last_used = ++st->query_clock;
            xk_db_reset(q->stmt);
            xk_db_clear_bindings(q->stmt);
            return q->stmt;
        }
        if (!q->sql || q->last_used < victim->last_used)
            victim = q;
    }
    xk_stmt *s;
    if (xk_db_prepare_persistent(st->db, sql, &s) != XK_DB_OK) {
        xk_store_db_error(st, err, "preparing the query");
        return NULL;
    }
    char *copy = strdup(sql);
    if (!copy) {
        xk_db_finalize(s);
        xk_error_set(err, XK_ENOMEM, 0, "out of memory");
        return NULL;
    }
    xk_db_finalize(victim->stmt);
    free(victim->sql);
    *victim = (cached_query){copy, s, ++st->query_clock};
    return s;
}

xk_status xk_store_exec(xk_store *st, const char *sql, xk_error *err)
{
    if (xk_db_exec(st->db, sql) != XK_DB_OK) {
        char doing[48];
        snprintf(doing, sizeof doing, "%.*s", (int)strcspn(sql, " ("), sql); /* "COMMIT" */
        return xk_store_db_error(st, err, doing);
    }
    return XK_OK;
}

void xk_store_sha256_hex(const void *data, size_t len, char out[XK_SHA256_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, XK_SHA256_HEX, h, sizeof h);
}

void xk_store_now_utc(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A store file that exists but this process may not write, or whose directory it may not
 * write (WAL needs its -wal and -shm files beside it): read-only media, a copy handed to an
 * auditor, a file mode of 0444. */
static bool cannot_write(const char *path)
{
    if (access(path, F_OK) != 0 || strncmp(path, "file:", 5) == 0 || strcmp(path, ":memory:") == 0)
        return false;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        slash[slash == dir] = '\0';
    return access(path, W_OK) != 0 || access(dir, W_OK) != 0;
}

/* A file-backed path (not ":memory:" nor a "file:" URI) that names nothing. */
static bool missing_file(const char *path)
{
    return !xk_db_is_postgres(path) && strcmp(path, ":memory:") != 0 &&
           strncmp(path, "file:", 5) != 0 && access(path, F_OK) != 0;
}

xk_status xk_store_open_existing(const char *path, xk_store **out, xk_error *err)
{
    *out = NULL;
    if (missing_file(path))
        return xk_error_set(err, XK_ENOTFOUND, 0,
                            "no store at %s: import licences first (xuke import FILE...) or "
                            "name the store with --db PATH or XUKE_DB",
                            path);
    return xk_store_open(path, out, err);
}

xk_status xk_store_open(const char *path, xk_store **out, xk_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return xk_error_set(err, XK_EDB, 0, "libsodium failed to initialise");
    xk_store *st = calloc(1, sizeof *st);
    if (!st)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    snprintf(st->actor, sizeof st->actor, "%s", "unknown");
    bool pg = xk_db_is_postgres(path);
    st->read_only = !pg && cannot_write(path);
    xk_status rc = pg ? xk_db_pg_open(path, &st->db, err)
                      : xk_db_sqlite_open(path, st->read_only, &st->db, err);
    if (rc != XK_OK) {
        free(st);
        return rc;
    }
    rc = xk_schema_migrate(st, err);
    if (rc != XK_OK) {
        char msg[XK_ERROR_MSG_MAX], where[512];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        xk_db_redact(path, where, sizeof where);
        xk_error_set(err, rc, 0, "store %s: %s", where, msg);
        xk_store_close(st);
        return rc;
    }
    *out = st;
    return XK_OK;
}

bool xk_store_is_server(const char *location)
{
    return xk_db_is_postgres(location);
}

void xk_store_location_shown(const char *location, char *out, size_t size)
{
    xk_db_redact(location, out, size);
}

void xk_store_close(xk_store *st)
{
    if (!st)
        return;
    for (int i = 0; i < S_COUNT; i++)
        xk_db_finalize(st->stmts[i]);
    for (int i = 0; i < QUERY_CACHE; i++) {
        xk_db_finalize(st->queries[i].stmt);
        free(st->queries[i].sql);
    }
    xk_db_close(st->db);
    free(st);
}

xk_status xk_store_map_reads(xk_store *st, size_t bytes, xk_error *err)
{
    if (st->db->kind != XK_DB_SQLITE)
        return XK_OK;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA mmap_size=%zu", bytes);
    if (xk_db_exec(st->db, sql) != XK_DB_OK)
        return xk_store_db_error(st, err, "setting the store's memory map");
    return XK_OK;
}

void xk_store_set_actor(xk_store *st, const char *actor)
{
    snprintf(st->actor, sizeof st->actor, "%s", actor && *actor ? actor : "unknown");
}

xk_status xk_store_begin(xk_store *st, xk_error *err)
{
    if (st->explicit_tx)
        return xk_error_set(err, XK_EUSAGE, 0, "a transaction is already open");
    if (st->read_only)
        return xk_error_set(err, XK_EDB, 0, "the store is read-only: this process may not write "
                                            "its file or the directory it is in");
    xk_status rc = xk_store_begin_write(st, err);
    if (rc == XK_OK) {
        st->explicit_tx = 1;
        st->tx_failed = 0;
        st->fts_from = st->fts_to = 0;
        st->head_pending = false;
    }
    return rc;
}

xk_status xk_store_commit(xk_store *st, xk_error *err)
{
    if (!st->explicit_tx)
        return xk_error_set(err, XK_EUSAGE, 0, "no transaction is open");
    if (st->tx_failed)
        return xk_error_set(err, XK_EDB, 0, "a write in this transaction failed: roll it back");
    xk_status rc = xk_store_index_companies(st, err);
    if (rc == XK_OK)
        rc = xk_audit_head_flush(st, err);
    if (rc != XK_OK) {
        st->tx_failed = 1;
        return rc;
    }
    st->explicit_tx = 0;
    return xk_store_exec(st, "COMMIT", err);
}

xk_status xk_store_rollback(xk_store *st)
{
    if (!st->explicit_tx)
        return XK_OK;
    st->explicit_tx = 0;
    st->fts_from = st->fts_to = 0; /* rolled back with the licences */
    st->head_pending = false;      /* and the entries it heads */
    return xk_store_exec(st, "ROLLBACK", NULL);
}

xk_status xk_store_read_begin(xk_store *st, xk_error *err)
{
    /* inside a transaction already; PostgreSQL: no file locks to save, two round trips to add */
    if (st->explicit_tx || st->read_tx || xk_store_is_pg(st))
        return XK_OK;
    xk_stmt *s = xk_store_stmt_sql(st, S_READ_BEGIN, "BEGIN", err);
    if (!s)
        return xk_store_stmt_failure(err);
    int step = xk_db_step(s);
    xk_db_reset(s);
    if (step != XK_DB_DONE)
        return xk_store_db_error(st, err, "starting a read");
    st->read_tx = 1;
    return XK_OK;
}

void xk_store_read_end(xk_store *st)
{
    if (!st->read_tx)
        return;
    st->read_tx = 0;
    xk_error err;
    xk_stmt *s = xk_store_stmt_sql(st, S_READ_END, "COMMIT", &err);
    int step = s ? xk_db_step(s) : XK_DB_FAIL;
    xk_db_reset(s);
    if (step != XK_DB_DONE) /* a read has nothing to keep: never left open */
        xk_db_exec(st->db, "ROLLBACK");
}

xk_status xk_store_write_begin(xk_store *st, xk_error *err)
{
    if (st->explicit_tx)
        return st->tx_failed ? xk_error_set(err, XK_EDB, 0,
                                            "an earlier write in this transaction failed; roll "
                                            "it back")
                             : XK_OK;
    return xk_store_begin_write(st, err);
}

xk_status xk_store_begin_write(xk_store *st, xk_error *err)
{
    return xk_store_exec(st, st->db->begin_write, err);
}

xk_status xk_store_write_end(xk_store *st, xk_status result, xk_error *err)
{
    if (st->explicit_tx) {
        if (result != XK_OK)
            st->tx_failed = 1;
        return result;
    }
    /* A COMMIT that fails (memory, I/O) can leave the transaction open: rolled back, so the
     * write is all or none and the next one does not find a transaction in its way. */
    if (result == XK_OK && (result = xk_store_exec(st, "COMMIT", err)) == XK_OK)
        return XK_OK;
    xk_db_exec(st->db, "ROLLBACK");
    return result;
}

/* --- writing a version --------------------------------------------------------------------- */

static int bind_text(xk_stmt *s, int i, const char *v)
{
    return xk_db_bind_text(s, i, v ? v : "", -1);
}

static xk_status step_done(xk_store *st, xk_stmt *s, xk_error *err, const char *doing)
{
    int rc = xk_db_step(s);
    if (rc != XK_DB_DONE && rc != XK_DB_ROW)
        return xk_store_db_error(st, err, doing);
    return XK_OK;
}

static void bind_fields(xk_stmt *s, const xk_licence *lic, const char *duties)
{
    char a[16], b[16];
    bind_text(s, 9, duties);
    bind_text(s, 2, lic->company);
    bind_text(s, 3, lic->legal_representative);
    bind_text(s, 4, lic->region);
    bind_text(s, 5, lic->category);
    bind_text(s, 6, lic->issuer);
    bind_text(s, 7, xk_date_format(lic->issued, a, sizeof a));
    bind_text(s, 8, xk_date_format(lic->expires, b, sizeof b));
}

static xk_status clear_index_rows(xk_store *st, long long id, xk_error *err)
{
    xk_stmt *s;
    if (!(s = xk_store_stmt(st, S_DELETE_SERVICES, err)))
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, id);
    xk_status rc = step_done(st, s, err, "updating services");
    if (rc == XK_OK && !(s = xk_store_stmt(st, S_DELETE_DOMAINS, err)))
        return xk_store_stmt_failure(err);
    if (rc == XK_OK) {
        xk_db_bind_int64(s, 1, id);
        rc = step_done(st, s, err, "updating domains");
    }
    return rc;
}

/* The current version's services and domains; a new licence has no old rows to clear. */
static xk_status put_index_rows(xk_store *st, long long id, bool fresh, const xk_licence *lic,
                                xk_error *err)
{
    xk_stmt *s;
    xk_status rc = fresh ? XK_OK : clear_index_rows(st, id, err);
    for (size_t i = 0; rc == XK_OK && i < lic->n_services; i++) {
        if (!(s = xk_store_stmt(st, S_INSERT_SERVICE, err)))
            return xk_store_stmt_failure(err);
        bind_text(s, 1, lic->services[i].code);
        xk_db_bind_int64(s, 2, id);
        rc = step_done(st, s, err, "storing a service");
    }
    for (size_t w = 0; rc == XK_OK && w < lic->n_websites; w++) {
        const xk_website *site = &lic->websites[w];
        for (size_t k = 0; rc == XK_OK && k < site->domains.len; k++) {
            if (!(s = xk_store_stmt(st, S_INSERT_DOMAIN, err)))
                return xk_store_stmt_failure(err);
            bind_text(s, 1, site->domains.items[k]);
            xk_db_bind_int64(s, 2, id);
            xk_db_bind_int(s, 3, (int)w);
            bind_text(s, 4, site->code);
            bind_text(s, 5, site->name);
            rc = step_done(st, s, err, "storing a domain");
        }
    }
    return rc;
}

static void sha256_final_hex(crypto_hash_sha256_state *state, char out[XK_SHA256_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(state, h);
    sodium_bin2hex(out, XK_SHA256_HEX, h, sizeof h);
}

/* The record's identity: its JSON without warnings (which depend on how it was read). The
 * stored form is the same text with the warnings added before the closing brace. Both hashes
 * come from one pass over the shared part: the state after everything but the closing brace is
 * copied, one copy finished with the brace (hash), the other with the warnings and the brace
 * (stored: the hash of the whole stored text). SHA-256 of the record twice was a third of an
 * import worker's time. */
static xk_status record_json(const xk_licence *lic, char **json, char hash[XK_SHA256_HEX],
                             char stored[XK_SHA256_HEX])
{
    xk_buf b;
    xk_buf_init(&b);
    xk_record_write(&b, lic, false);
    if (!b.oom) {
        b.len--; /* reopen the object */
        crypto_hash_sha256_state shared, identity;
        crypto_hash_sha256_init(&shared);
        crypto_hash_sha256_update(&shared, (const unsigned char *)b.data, b.len);
        identity = shared;
        crypto_hash_sha256_update(&identity, (const unsigned char *)"}", 1);
        sha256_final_hex(&identity, hash);
        size_t common = b.len;
        xk_record_write_warnings(&b, lic);
        xk_record_write_warning_keys(&b, lic);
        xk_buf_putc(&b, '}');
        if (!b.oom) {
            crypto_hash_sha256_update(&shared, (const unsigned char *)b.data + common,
                                      b.len - common);
            sha256_final_hex(&shared, stored);
        }
    }
    *json = xk_buf_take(&b);
    return *json ? XK_OK : XK_ENOMEM;
}

xk_status xk_store_find_licence(xk_store *st, const char *number, existing *ex, xk_error *err)
{
    memset(ex, 0, sizeof *ex);
    xk_stmt *s = xk_store_stmt(st, S_FIND_LICENCE, err);
    if (!s)
        return xk_store_stmt_failure(err);
    bind_text(s, 1, number);
    int rc = xk_db_step(s);
    if (rc == XK_DB_ROW) {
        ex->id = xk_db_column_int64(s, 0);
        ex->version = xk_db_column_int(s, 1);
        ex->removed = xk_db_column_int(s, 2) != 0;
        ex->found = true;
    } else if (rc != XK_DB_DONE) {
        return xk_store_db_error(st, err, "looking up the licence");
    }
    xk_db_reset(s);
    return XK_OK;
}

xk_status xk_store_require_licence(xk_store *st, const char *number, existing *ex, xk_error *err)
{
    xk_status rc = xk_store_find_licence(st, number, ex, err);
    if (rc == XK_OK && !ex->found)
        rc = xk_error_set(err, XK_ENOTFOUND, 0, "%s is not in the registry", number);
    return rc;
}

/* Whether the current version's record hash is hash. A failure to read it (memory, I/O) is a
 * failure of the put, never taken as "changed": that would store the same record again. */
static xk_status same_as_current(xk_store *st, const existing *ex, const char *hash, bool *same,
                                 xk_error *err)
{
    *same = false;
    xk_stmt *s = xk_store_stmt(st, S_CURRENT_HASH, err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, ex->id);
    xk_db_bind_int(s, 2, ex->version);
    int rc = xk_db_step(s);
    if (rc == XK_DB_ROW) {
        const char *current = xk_db_column_text(s, 0);
        if (xk_db_failed(s)) /* no memory for the text: the driver kept the failure */
            rc = XK_DB_FAIL;
        else
            *same = current && strcmp(current, hash) == 0;
    }
    xk_status status = rc == XK_DB_ROW || rc == XK_DB_DONE
                           ? XK_OK
                           : xk_store_db_error(st, err, "reading the current version's hash");
    xk_db_reset(s);
    return status;
}

static xk_status store_document(xk_store *st, const char *src, size_t len, const char *kind,
                                const char *sha, const char *at, xk_error *err)
{
    xk_stmt *s = xk_store_stmt(st, S_INSERT_DOCUMENT, err);
    if (!s)
        return xk_store_stmt_failure(err);
    bind_text(s, 1, sha);
    bind_text(s, 2, kind);
    xk_db_bind_int64(s, 3, (long long)len);
    xk_db_bind_blob(s, 4, src, len, false);
    bind_text(s, 5, at);
    return step_done(st, s, err, "storing the source document");
}

static xk_status index_company(xk_store *st, long long id, const char *company, xk_error *err)
{
    xk_stmt *s = xk_store_stmt(st, S_INDEX_COMPANY, err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, id);
    bind_text(s, 2, company);
    return step_done(st, s, err, "indexing the company name");
}

/*
 * Inside a transaction a new licence's company waits to be indexed with the others made in it.
 * Every statement that may need a statement journal (the licence insert, with its unique and
 * secondary indexes) opens a savepoint on each virtual table written in the transaction, and
 * FTS5 writes its pending terms to a new segment at each savepoint: indexed one by one, each
 * licence's name became a segment of its own, written, then merged — a tenth of a bulk
 * import's storing thread. One INSERT … SELECT over the transaction's new ids opens one
 * savepoint, and FTS5 writes the names in a few large segments. New licences take ids above
 * every id in the store (rowids; licences are never deleted), so the range holds only the
 * transaction's own.
 */
xk_status xk_store_index_companies(xk_store *st, xk_error *err)
{
    if (!st->fts_from)
        return XK_OK;
    xk_stmt *s = xk_store_stmt(st, S_INDEX_COMPANIES, err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, st->fts_from);
    xk_db_bind_int64(s, 2, st->fts_to);
    xk_status rc = step_done(st, s, err, "indexing the company names");
    xk_db_reset(s);
    if (rc == XK_OK)
        st->fts_from = st->fts_to = 0;
    return rc;
}

/* A new licence's company: now, or with the transaction's others (xk_store_index_companies). */
static xk_status index_new_company(xk_store *st, long long id, const char *company,
                                   xk_error *err)
{
    if (!st->explicit_tx)
        return index_company(st, id, company, err);
    if (st->fts_from && id != st->fts_to + 1) { /* not next to the range: index that first */
        xk_status rc = xk_store_index_companies(st, err);
        if (rc != XK_OK)
            return rc;
    }
    if (!st->fts_from)
        st->fts_from = id;
    st->fts_to = id;
    return XK_OK;
}

static xk_status upsert_licence(xk_store *st, const xk_licence *lic, const char *duties,
                                existing *ex, xk_error *err)
{
    /* the update trigger takes the old name out of company_fts: it must be there */
    if (ex->found && !xk_store_is_pg(st)) {
        xk_status rc = xk_store_index_companies(st, err);
        if (rc != XK_OK)
            return rc;
    }
    xk_stmt *s = xk_store_stmt(st, ex->found ? S_UPDATE_LICENCE : S_INSERT_LICENCE, err);
    if (!s)
        return xk_store_stmt_failure(err);
    if (ex->found)
        xk_db_bind_int64(s, 1, ex->id);
    else
        bind_text(s, 1, lic->number);
    bind_fields(s, lic, duties);
    int rc = xk_db_step(s);
    if (rc != XK_DB_DONE && rc != XK_DB_ROW)
        return xk_store_db_error(st, err, "storing the licence");
    if (rc != XK_DB_ROW) {
        xk_db_reset(s);
        return xk_error_set(err, XK_EDB, 0, "storing the licence: no row was written");
    }
    if (ex->found) {
        ex->version = xk_db_column_int(s, 0);
    } else {
        ex->id = xk_db_column_int64(s, 0);
        ex->version = 1;
    }
    xk_db_reset(s);
    /* PostgreSQL indexes licences.company itself (pg_trgm): there is no company_fts */
    return ex->found || xk_store_is_pg(st) ? XK_OK
                                           : index_new_company(st, ex->id, lic->company, err);
}

static xk_status insert_version(xk_store *st, const existing *ex, const char *json,
                                const char *hash, const char *src_sha, const char *at,
                                xk_error *err)
{
    xk_stmt *s = xk_store_stmt(st, S_INSERT_VERSION, err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, ex->id);
    xk_db_bind_int(s, 2, ex->version);
    bind_text(s, 3, json);
    bind_text(s, 4, hash);
    bind_text(s, 5, src_sha);
    bind_text(s, 6, at);
    bind_text(s, 7, st->actor);
    return step_done(st, s, err, "storing the version");
}

xk_status xk_store_put_locked(xk_store *st, const xk_licence *lic, const char *source,
                              size_t len, const char *kind, const xk_prepared *prep,
                              xk_import_result *res, xk_error *err)
{
    const char *json = prep->json, *hash = prep->record_sha256, *src_sha = prep->source_sha256;
    existing ex;
    xk_status rc = xk_store_find_licence(st, lic->number, &ex, err);
    if (rc != XK_OK)
        return rc;
    bool same = false;
    if (ex.found && !ex.removed && (rc = same_as_current(st, &ex, hash, &same, err)) != XK_OK)
        return rc;
    if (same) {
        res->outcome = XK_IMPORT_UNCHANGED;
        res->version = ex.version;
        return XK_OK;
    }
    bool was_removed = ex.found && ex.removed;
    res->outcome = ex.found ? XK_IMPORT_VERSION : XK_IMPORT_NEW;
    char at[32];
    xk_store_now_utc(at);
    rc = store_document(st, source, len, kind, src_sha, at, err);
    if (rc == XK_OK)
        rc = upsert_licence(st, lic, prep->duties, &ex, err);
    if (rc == XK_OK)
        rc = insert_version(st, &ex, json, hash, src_sha, at, err);
    if (rc == XK_OK)
        rc = put_index_rows(st, ex.id, res->outcome == XK_IMPORT_NEW, lic, err);
    if (rc == XK_OK) {
        char detail[160];
        snprintf(detail, sizeof detail, "version %d from %s document %.16s%s", ex.version, kind,
                 src_sha, was_removed ? " (restored after removal)" : "");
        /* the version line from what was just written, not read back (its hashes were made
         * with the record, on an import's worker thread) */
        char line[XK_SHA256_HEX * 3 + 32];
        snprintf(line, sizeof line, "version %d %s %s %s\n", ex.version, prep->json_sha256,
                 src_sha, hash);
        /* a licence new to the store: its state as made with the record, not read back */
        const char *state = res->outcome == XK_IMPORT_NEW ? prep->new_state : NULL;
        rc = xk_content_append_line(st, ex.id, at, ex.version == 1 ? "import" : "new_version",
                                    lic->number, detail, state, line, err);
    }
    res->version = ex.version;
    return rc;
}

xk_status xk_store_prepare(const xk_licence *lic, const char *source, size_t source_len,
                           xk_prepared *out)
{
    memset(out, 0, sizeof *out);
    if (record_json(lic, &out->json, out->record_sha256, out->json_sha256) != XK_OK)
        return XK_ENOMEM;
    xk_store_sha256_hex(source, source_len, out->source_sha256);
    xk_duty_set set;
    xk_licence_duties(lic, &set);
    xk_duties_encode(&set, out->duties, sizeof out->duties);
    xk_content_new_state(lic, out->duties, out->new_state); /* "" when it fails: read back */
    return XK_OK;
}

void xk_prepared_free(xk_prepared *p)
{
    if (p) {
        free(p->json);
        p->json = NULL;
    }
}

static xk_status refuse_unstorable(const xk_licence *lic, xk_error *err)
{
    if (!lic->number || !*lic->number)
        return xk_error_set(err, XK_EUSAGE, 0, "a record without a number cannot be stored");
    if (xk_licence_error_count(lic))
        return xk_error_set(err, XK_EINVALID, 0, "a record with errors cannot be stored");
    /* a scan's number whose province no reading settled (problem.review.number_unresolved):
     * given by parse to be read on the paper, never stored under a province that is none */
    if (lic->region && *lic->region && !xk_region_by_abbr(lic->region, strlen(lic->region)))
        return xk_error_set(err, XK_EINVALID, lic->line_number,
                            "经营许可证编号 %s is unresolved: %s is no province abbreviation; "
                            "read the number on the paper and correct it before import",
                            lic->number, lic->region);
    return XK_OK;
}

xk_status xk_store_put_prepared(xk_store *st, const xk_licence *lic, const char *source,
                                size_t source_len, const char *kind, const xk_prepared *prep,
                                xk_import_result *res, xk_error *err)
{
    xk_status rc = refuse_unstorable(lic, err);
    if (rc != XK_OK)
        return rc;
    rc = xk_store_write_begin(st, err);
    if (rc == XK_OK)
        rc = xk_store_write_end(
            st, xk_store_put_locked(st, lic, source, source_len, kind, prep, res, err), err);
    return rc;
}

xk_status xk_store_put(xk_store *st, const xk_licence *lic, const char *source, size_t source_len,
                       const char *kind, xk_import_result *res, xk_error *err)
{
    xk_status rc = refuse_unstorable(lic, err); /* before the hashing, not after */
    if (rc != XK_OK)
        return rc;
    xk_prepared prep;
    if (xk_store_prepare(lic, source, source_len, &prep) != XK_OK)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    rc = xk_store_put_prepared(st, lic, source, source_len, kind, &prep, res, err);
    xk_prepared_free(&prep);
    return rc;
}

/* --- reading ------------------------------------------------------------------------------- */

bool xk_store_text_col(xk_stmt *s, int col, char *dst, size_t size)
{
    const char *v = xk_db_column_text(s, col);
    size_t n = v ? xk_db_column_bytes(s, col) : 0;
    dst[0] = '\0';
    if (n >= size)
        return false;
    if (n)
        memcpy(dst, v, n);
    dst[n] = '\0';
    return true;
}

int xk_store_name_index(const char *const *names, int first, int last, const char *s)
{
    for (int i = first; s && i <= last; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

xk_status xk_store_too_long(xk_error *err, const char *what, const char *number)
{
    return xk_error_set(err, XK_EDB, 0,
                        "the stored %s of %s is longer than xuke writes it: the store was changed "
                        "outside xuke (`xuke audit --verify` names what differs)",
                        what, number && *number ? number : "an entry");
}

static bool copy_col(char *dst, size_t size, xk_stmt *s, int col)
{
    return xk_store_text_col(s, col, dst, size);
}

xk_status xk_store_get_json(xk_store *st, const char *number, int version, char **json,
                            xk_licence_info *info, xk_error *err)
{
    size_t len;
    return xk_store_get_json_room(st, number, version, 0, json, &len, info, err);
}

/* The record column's bytes (n of them, NULL when NULL) in a new buffer with room to spare. */
static char *record_copy(const char *record, size_t n, size_t room)
{
    if (!record || n > SIZE_MAX - room - 1)
        return NULL;
    char *out = malloc(n + 1 + room);
    if (out) {
        memcpy(out, record, n);
        out[n] = '\0';
    }
    return out;
}

xk_status xk_store_get_json_room(xk_store *st, const char *number, int version, size_t room,
                                 char **json, size_t *len, xk_licence_info *info, xk_error *err)
{
    *json = NULL;
    *len = 0;
    xk_stmt *s = xk_store_stmt(st, S_GET_VERSION, err);
    if (!s)
        return xk_store_stmt_failure(err);
    bind_text(s, 1, number);
    xk_db_bind_int(s, 2, version);
    int rc = xk_db_step(s);
    if (rc == XK_DB_DONE) {
        xk_db_reset(s);
        return xk_error_set(err, XK_ENOTFOUND, 0,
                            version ? "%s has no version %d" : "%s is not in the registry", number,
                            version);
    }
    if (rc != XK_DB_ROW)
        return xk_store_db_error(st, err, "reading the licence");
    const char *record = xk_db_column_text(s, 1);
    /* the text stops at its first NUL, as strdup stopped it (a record never holds one) */
    size_t n = record ? strnlen(record, xk_db_column_bytes(s, 1)) : 0;
    *json = record_copy(record, n, room);
    *len = n;
    bool fits = true;
    if (info) {
        memset(info, 0, sizeof *info);
        info->current.version = xk_db_column_int(s, 0);
        fits = copy_col(info->current.record_sha256, sizeof info->current.record_sha256, s, 2) &&
               copy_col(info->current.source_sha256, sizeof info->current.source_sha256, s, 3) &&
               copy_col(info->current.imported_at, sizeof info->current.imported_at, s, 4) &&
               copy_col(info->current.actor, sizeof info->current.actor, s, 5) &&
               copy_col(info->removed_reason, sizeof info->removed_reason, s, 8) &&
               copy_col(info->removed_at, sizeof info->removed_at, s, 9);
        info->versions = xk_db_column_int(s, 6);
        info->removed = xk_db_column_int(s, 7) != 0;
    }
    bool failed = xk_db_failed(s); /* a column SQLite found no memory for reads empty */
    xk_db_reset(s);
    if (failed || !*json) {
        free(*json);
        *json = NULL;
        return xk_error_set(err, XK_ENOMEM, 0, "reading the licence %s: out of memory", number);
    }
    if (!fits) {
        free(*json);
        *json = NULL;
        return xk_store_too_long(err, "version, actor or removal reason", number);
    }
    return XK_OK;
}

xk_status xk_store_get_object(xk_store *st, const char *number, int version, json_t **out,
                              xk_licence_info *info, xk_error *err)
{
    *out = NULL;
    char *json;
    xk_status rc = xk_store_get_json(st, number, version, &json, info, err);
    if (rc != XK_OK)
        return rc;
    /* jansson reports an allocation failing inside its reader as a syntax error, or gives no
     * words at all: a record that does not parse is read again, and only one failing twice
     * alike is damaged (the store wrote it as JSON); otherwise it was memory. */
    json_error_t jerr, again;
    *out = json_loads(json, 0, &jerr);
    if (!*out) {
        *out = json_loads(json, 0, &again);
        bool alike = !*out && json_error_code(&jerr) == json_error_code(&again) &&
                     jerr.position == again.position && strcmp(jerr.text, again.text) == 0;
        if (!*out && (!alike || json_error_code(&again) == json_error_out_of_memory ||
                      !again.text[0])) {
            free(json);
            return xk_error_set(err, XK_ENOMEM, 0, "reading the licence %s: out of memory",
                                number);
        }
    }
    free(json);
    if (!*out)
        return xk_error_set(err, XK_EDB, 0, "stored record of %s is not JSON: %s", number,
                            jerr.text);
    return XK_OK;
}

xk_status xk_store_get(xk_store *st, const char *number, int version, xk_licence **out,
                       xk_licence_info *info, xk_error *err)
{
    *out = NULL;
    json_t *o;
    xk_status rc = xk_store_get_object(st, number, version, &o, info, err);
    if (rc != XK_OK)
        return rc;
    rc = xk_licence_from_json(o, out, err);
    json_decref(o);
    return rc;
}

xk_status xk_store_history(xk_store *st, const char *number, xk_version_info **out, size_t *n,
                           xk_error *err)
{
    *out = NULL;
    *n = 0;
    xk_stmt *s;
    if (xk_db_prepare(st->db, "SELECT v.version, v.imported_at, v.actor, v.source_sha256, "
                           "v.record_sha256 FROM versions v JOIN licences l ON l.id = v.licence_id "
                           "WHERE l.number = ?1 ORDER BY v.version", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading history");
    bind_text(s, 1, number);
    size_t cap = 0;
    xk_status rc = XK_OK;
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            xk_version_info *nv = realloc(*out, cap * sizeof *nv);
            if (!nv) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
            *out = nv;
        }
        xk_version_info *v = &(*out)[(*n)++];
        v->version = xk_db_column_int(s, 0);
        if (!copy_col(v->imported_at, sizeof v->imported_at, s, 1) ||
            !copy_col(v->actor, sizeof v->actor, s, 2) ||
            !copy_col(v->source_sha256, sizeof v->source_sha256, s, 3) ||
            !copy_col(v->record_sha256, sizeof v->record_sha256, s, 4)) {
            rc = xk_store_too_long(err, "version", number);
            break;
        }
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading history");
    xk_db_finalize(s);
    if (rc == XK_OK && *n == 0)
        rc = xk_error_set(err, XK_ENOTFOUND, 0, "%s is not in the registry", number);
    if (rc != XK_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

xk_status xk_store_source(xk_store *st, const char *sha256, char **bytes, size_t *len,
                          char kind[8], xk_error *err)
{
    *bytes = NULL;
    *len = 0;
    xk_stmt *s;
    if (xk_db_prepare(st->db, "SELECT body, kind FROM documents WHERE sha256 = ?1", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading the source");
    bind_text(s, 1, sha256);
    xk_status rc = XK_OK;
    if (xk_db_step(s) == XK_DB_ROW) {
        size_t n = xk_db_column_bytes(s, 0);
        *bytes = malloc(n + 1);
        if (*bytes) {
            memcpy(*bytes, xk_db_column_blob(s, 0), n);
            (*bytes)[n] = '\0';
            *len = n;
            if (!copy_col(kind, 8, s, 1))
                rc = xk_store_too_long(err, "kind of source document", sha256);
        } else {
            rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
        }
    } else {
        rc = xk_error_set(err, XK_ENOTFOUND, 0, "no source document %s", sha256);
    }
    xk_db_finalize(s);
    if (rc != XK_OK) {
        free(*bytes);
        *bytes = NULL;
        *len = 0;
    }
    return rc;
}

static xk_status put_original_locked(xk_store *st, const char *source_sha256, int file,
                                     const char *bytes, size_t len, const char *kind,
                                     xk_error *err)
{
    char sha[XK_SHA256_HEX], at[32];
    xk_store_sha256_hex(bytes, len, sha);
    xk_store_now_utc(at);
    xk_stmt *s = xk_store_stmt(st, S_INSERT_DOCUMENT, err);
    if (!s)
        return xk_store_stmt_failure(err);
    bind_text(s, 1, sha);
    bind_text(s, 2, kind);
    xk_db_bind_int64(s, 3, (long long)len);
    xk_db_bind_blob(s, 4, bytes, len, false);
    bind_text(s, 5, at);
    if (xk_db_step(s) != XK_DB_DONE)
        return xk_store_db_error(st, err, "storing the original scan");
    s = xk_store_cached_stmt(
        st,
        "INSERT INTO originals(source_sha256, page, original_sha256) "
        "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        err);
    if (!s)
        return xk_store_stmt_failure(err);
    bind_text(s, 1, source_sha256);
    xk_db_bind_int(s, 2, file);
    bind_text(s, 3, sha);
    xk_status rc = xk_db_step(s) == XK_DB_DONE ? XK_OK : xk_store_db_error(st, err, "linking the scan");
    xk_db_reset(s);
    return rc;
}

xk_status xk_store_put_original(xk_store *st, const char *source_sha256, int file,
                                const char *bytes, size_t len, const char *kind, xk_error *err)
{
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK) return rc;
    return xk_store_write_end(st, put_original_locked(st, source_sha256, file, bytes, len, kind, err),
                     err);
}

xk_status xk_store_original(xk_store *st, const char *source_sha256, int file, char **bytes,
                            size_t *len, char kind[8], int *count, xk_error *err)
{
    if (bytes)
        *bytes = NULL;
    if (len)
        *len = 0;
    xk_stmt *s =
        xk_store_cached_stmt(st,
                             "SELECT original_sha256, (SELECT count(*) FROM originals o2 "
                             "WHERE o2.source_sha256 = ?1), (SELECT kind FROM documents d "
                             "WHERE d.sha256 = originals.original_sha256) FROM originals "
                             "WHERE source_sha256 = ?1 AND page = ?2",
                             err);
    if (!s)
        return xk_store_stmt_failure(err);
    bind_text(s, 1, source_sha256);
    xk_db_bind_int(s, 2, file);
    char sha[XK_SHA256_HEX] = "";
    int step = xk_db_step(s);
    bool fits = true;
    if (step == XK_DB_ROW) {
        fits = copy_col(sha, sizeof sha, s, 0) && copy_col(kind, 8, s, 2);
        if (count)
            *count = xk_db_column_int(s, 1);
    }
    xk_db_reset(s);
    if (!fits)
        return xk_store_too_long(err, "original scan", source_sha256);
    if (step != XK_DB_ROW)
        return step == XK_DB_DONE
                   ? xk_error_set(err, XK_ENOTFOUND, 0, "no original scan %d for this source", file)
                   : xk_store_db_error(st, err, "reading the original scan");
    return bytes ? xk_store_source(st, sha, bytes, len, kind, err) : XK_OK;
}

static xk_status remove_locked(xk_store *st, const char *number, const char *reason,
                               xk_error *err)
{
    existing ex;
    xk_status rc = xk_store_require_licence(st, number, &ex, err);
    if (rc != XK_OK)
        return rc;
    if (ex.removed)
        return xk_error_set(err, XK_ECONFLICT, 0, "%s is already removed", number);
    char at[32];
    xk_store_now_utc(at);
    xk_stmt *s;
    if (xk_db_prepare(st->db, "UPDATE licences SET removed = 1, removed_reason = ?2, removed_at = ?3 "
                           "WHERE id = ?1", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "removing");
    xk_db_bind_int64(s, 1, ex.id);
    bind_text(s, 2, reason);
    bind_text(s, 3, at);
    rc = xk_db_step(s) == XK_DB_DONE ? XK_OK : xk_store_db_error(st, err, "removing");
    xk_db_finalize(s);
    if (rc == XK_OK)
        rc = xk_content_append(st, at, "remove", number, reason, 0, err);
    return rc;
}

xk_status xk_store_remove(xk_store *st, const char *number, const char *reason, xk_error *err)
{
    if (!reason || !*reason)
        return xk_error_set(err, XK_EUSAGE, 0, "a removal needs a reason");
    size_t len = strlen(reason);
    if (len > XK_MAX_REASON_BYTES)
        return xk_error_set(err, XK_ETOOBIG, 0, "the reason is %zu bytes; at most %u are kept",
                            len, XK_MAX_REASON_BYTES);
    if (!xk_utf8_valid(reason, len, NULL))
        return xk_error_set(err, XK_EUSAGE, 0, "the reason is not UTF-8 text");
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, remove_locked(st, number, reason, err), err);
}

static long long count_of(xk_store *st, const char *sql)
{
    xk_stmt *s;
    long long n = -1;
    if (xk_db_prepare(st->db, sql, &s) != XK_DB_OK)
        return -1;
    if (xk_db_step(s) == XK_DB_ROW)
        n = xk_db_column_int64(s, 0);
    xk_db_finalize(s);
    return n;
}

xk_status xk_store_stats_get(xk_store *st, xk_store_stats *out, xk_error *err)
{
    memset(out, 0, sizeof *out);
    long long v[6] = {
        count_of(st, "SELECT count(*) FROM licences WHERE removed = 0"),
        count_of(st, "SELECT count(*) FROM licences WHERE removed = 1"),
        count_of(st, "SELECT count(*) FROM versions"),
        count_of(st, "SELECT count(*) FROM documents"),
        st->head_pending ? st->head_entries : count_of(st, "SELECT entries FROM audit_head"),
        count_of(st, "SELECT count(*) FROM domains"),
    };
    for (int i = 0; i < 6; i++)
        if (v[i] < 0)
            return xk_store_db_error(st, err, "counting");
    out->licences = (size_t)v[0];
    out->removed = (size_t)v[1];
    out->versions = (size_t)v[2];
    out->documents = (size_t)v[3];
    out->audit_entries = (size_t)v[4];
    out->domains = (size_t)v[5];
    out->file_bytes = count_of(st, xk_store_is_pg(st)
                                       ? "SELECT pg_database_size(current_database())"
                                       : "SELECT page_count * page_size FROM pragma_page_count(), "
                                         "pragma_page_size()");
    return XK_OK;
}

/* The unfinished copy and its journal files: a stale journal beside a new copy must never be
 * taken for the new copy's. */
static void remove_partial(const char *tmp)
{
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    char p[4096 + 16];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", tmp, suffixes[i]);
        remove(p);
    }
}

/* A PostgreSQL registry's backup: a new SQLite file holding the whole registry, by
 * xk_store_copy from one snapshot, kept only when its counts, chain and head verify. The
 * server's own tools (pg_dump, base backups) remain the way to back up the database itself. */
static xk_status backup_pg(xk_store *st, const char *tmp, xk_error *err)
{
    xk_store *file;
    xk_status rc = xk_store_open(tmp, &file, err);
    if (rc != XK_OK)
        return rc;
    xk_copy_stats stats;
    rc = xk_store_copy(st, file, &stats, err);
    xk_store_close(file);
    return rc;
}

xk_status xk_store_backup(xk_store *st, const char *path, xk_error *err)
{
    if (xk_db_is_postgres(path))
        return xk_error_set(err, XK_EUSAGE, 0,
                            "a backup is written to a file; into another PostgreSQL database, "
                            "use xuke db copy");
    struct stat sb;
    if (stat(path, &sb) == 0)
        return xk_error_set(err, XK_ECONFLICT, 0, "%s exists: a backup never overwrites", path);
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.partial", path) >= (int)sizeof tmp - 8)
        return xk_error_set(err, XK_EUSAGE, 0, "backup path too long");
    remove_partial(tmp); /* what a backup killed earlier left */
    xk_status rc = xk_store_is_pg(st) ? backup_pg(st, tmp, err)
                                      : xk_db_sqlite_backup(st->db, tmp, err);
    if (rc == XK_OK && rename(tmp, path) != 0)
        rc = xk_error_set(err, XK_EIO, 0, "cannot move the backup into place at %s", path);
    if (rc != XK_OK)
        remove_partial(tmp);
    return rc;
}
