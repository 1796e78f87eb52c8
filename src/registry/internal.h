/*
 * Internals shared by the registry modules: the store handle over a database connection (db.h:
 * SQLite or PostgreSQL), the prepared-statement cache, and helpers that turn database failures
 * into xk_error messages.
 */
#ifndef XK_REGISTRY_INTERNAL_H
#define XK_REGISTRY_INTERNAL_H

#include "../core/buf.h"
#include "db.h"

#include "xuke/store.h"

typedef enum stmt_id {
    S_FIND_LICENCE,
    S_INSERT_LICENCE,
    S_UPDATE_LICENCE,
    S_INSERT_VERSION,
    S_CURRENT_HASH,
    S_INSERT_DOCUMENT,
    S_DELETE_SERVICES,
    S_INSERT_SERVICE,
    S_DELETE_DOMAINS,
    S_INSERT_DOMAIN,
    S_GET_VERSION,
    S_AUDIT_HEAD,
    S_AUDIT_INSERT,
    S_AUDIT_SET_HEAD,
    S_INDEX_COMPANY,
    S_INDEX_COMPANIES,
    /* kept by the modules that own their SQL (xk_store_stmt_sql): one licence's rules row and
     * events (events.c), the baseline (baseline.c) */
    S_RULES_ONE,
    S_RULES_ONE_EVENTS,
    S_BASELINE_GET,
    S_READ_BEGIN,
    S_READ_END,
    S_COUNT
} stmt_id;

#define QUERY_CACHE 16

/* Composed queries (search) prepared once per distinct SQL text, least recently used evicted. */
typedef struct cached_query {
    char *sql;
    xk_stmt *stmt;
    unsigned long last_used;
} cached_query;

struct xk_store {
    xk_db *db;
    cached_query queries[QUERY_CACHE];
    unsigned long query_clock;
    char actor[64];
    int explicit_tx; /* inside xk_store_begin … commit/rollback */
    int tx_failed;   /* a write failed inside it: only a rollback may follow */
    int read_tx;     /* inside xk_store_read_begin … read_end */
    bool read_only;  /* this process cannot write the file: opened immutable, reads only */
    /* SQLite, inside xk_store_begin … commit: the ids of the licences made in the transaction
     * whose company is not yet in company_fts (0, 0: none). They are indexed together by one
     * statement before COMMIT (xk_store_index_companies says why). */
    long long fts_from, fts_to;
    /* Inside xk_store_begin … commit, once an entry is appended: the audit head as the
     * transaction's entries left it, written to audit_head once, before COMMIT
     * (xk_audit_head_flush). PostgreSQL keeps every version of a row updated in an open
     * transaction, so one UPDATE per entry made each later read of the head walk all the
     * earlier ones: 100,000 events in one transaction took 4.3 ms each, growing with the count.
     * The writer lock held since BEGIN keeps the head this transaction's alone. */
    bool head_pending;
    long long head_entries;
    char head_hash[XK_SHA256_HEX];
    xk_stmt *stmts[S_COUNT];
    /* SQLite: the revision last read and the log's mark taken just before it (xk_wal_mark):
     * while the log stays as marked, nothing was committed and the revision is still that */
    bool rev_marked;
    long long rev_read_at; /* CLOCK_MONOTONIC seconds of that reading */
    xk_wal_mark rev_mark;
    xk_store_revision rev;
};

/* Sets err from the connection's last error, prefixed with what was being done. */
xk_status xk_store_db_error(xk_store *st, xk_error *err, const char *doing);
/* Cached prepared statement, reset and with bindings cleared; NULL on failure (err set). */
xk_stmt *xk_store_stmt(xk_store *st, stmt_id id, xk_error *err);
/* The statement kept in slot id, prepared from sql the first time (the same sql every time), reset
 * and with bindings cleared; NULL on failure (err set). Reset it when done: a statement left
 * stepping holds its read snapshot. */
xk_stmt *xk_store_stmt_sql(xk_store *st, stmt_id id, const char *sql, xk_error *err);
/* A prepared statement for sql from the query cache (reset, bindings cleared); NULL on error. */
xk_stmt *xk_store_cached_stmt(xk_store *st, const char *sql, xk_error *err);
/* The status for a NULL from either of those: the one they set in err (XK_ENOMEM when memory
 * ran out preparing, not a broken store), or XK_EDB when err was NULL. */
static inline xk_status xk_store_stmt_failure(const xk_error *err)
{
    return err && err->code != XK_OK ? err->code : XK_EDB;
}

/* A text column copied whole into dst (size bytes with its NUL); false, with dst "", when it
 * does not fit: a value longer than xuke writes (a store changed outside xuke) is never cut. */
bool xk_store_text_col(xk_stmt *s, int col, char *dst, size_t size);
/* The stored names of an enum's values, names[first..last]: the index of s among them, or -1.
 * (Roles, channels, list kinds ... are stored and spoken by name.) */
int xk_store_name_index(const char *const *names, int first, int last, const char *s);
/* The error for a stored value that xk_store_text_col refused. */
xk_status xk_store_too_long(xk_error *err, const char *what, const char *number);

/* Runs SQL without results. */
xk_status xk_store_exec(xk_store *st, const char *sql, xk_error *err);
/* Opens a write transaction: BEGIN IMMEDIATE on SQLite; on PostgreSQL BEGIN and the store's
 * writer lock, so writers from every process queue as they do on a SQLite file. */
xk_status xk_store_begin_write(xk_store *st, xk_error *err);
/* True on a PostgreSQL store: for the few statements whose SQL differs. */
static inline bool xk_store_is_pg(const xk_store *st)
{
    return st->db->kind == XK_DB_POSTGRES;
}

typedef struct existing {
    long long id;
    int version;
    bool removed;
    bool found;
} existing;

/* The licence row for number (ex->found false when there is none), by a cached statement. */
xk_status xk_store_find_licence(xk_store *st, const char *number, existing *ex, xk_error *err);
/* The same for a licence that must be there: XK_ENOTFOUND, with its message, when it is not. */
xk_status xk_store_require_licence(xk_store *st, const char *number, existing *ex, xk_error *err);

/* Indexes the companies of the licences made in the open transaction and not yet indexed
 * (xk_store.fts_from … fts_to); XK_OK when there are none. Called before COMMIT, before a
 * licence's company changes (the update trigger removes the old name from company_fts), and
 * before a company search. */
xk_status xk_store_index_companies(xk_store *st, xk_error *err);

/* Schema creation and forward migrations (schema.c). */
xk_status xk_schema_migrate(xk_store *st, xk_error *err);

/* SHA-256 of data as lower-case hex (libsodium). */
void xk_store_sha256_hex(const void *data, size_t len, char out[XK_SHA256_HEX]);
/* Current time, UTC, ISO 8601 with seconds: 2026-11-23T09:10:11Z. */
void xk_store_now_utc(char out[32]);

/* Appends one entry to the audit chain (audit.c), stamped at (ISO 8601 UTC), inside the caller's
 * write bracket. */
xk_status xk_audit_append_at(xk_store *st, const char *at, const char *action, const char *number,
                             const char *detail, xk_error *err);

/* The same with content (content.c): the SHA-256 lines of the licence's state and versions,
 * hashed into the entry; "" for entries about no licence's content. */
xk_status xk_audit_append_content(xk_store *st, const char *at, const char *action,
                                  const char *number, const char *detail, const char *content,
                                  xk_error *err);

/* Writes the head the open transaction's entries left (xk_store.head_pending) to audit_head;
 * XK_OK when there is none to write. Called before COMMIT and before anything reads audit_head
 * itself (verification). */
xk_status xk_audit_head_flush(xk_store *st, xk_error *err);

/* An audit entry to append (xk_audit_append_many); the actor is the store's. */
typedef struct xk_audit_new {
    const char *at, *action, *number, *detail, *content;
} xk_audit_new;
/* Appends entries in order, inside the caller's write bracket: on PostgreSQL by one COPY, the
 * head read once and written once; on SQLite one by one. */
xk_status xk_audit_append_many(xk_store *st, const xk_audit_new *entries, size_t n,
                               xk_error *err);

/* --- content.c: what the audit chain says about records ---------------------------------- */
#define XK_CONTENT_PARTS 4 /* licences row, services, domains, events */
/* The SHA-256 of each part of licence lid's rows, as they are now. */
xk_status xk_content_state(xk_store *st, long long lid, char out[XK_CONTENT_PARTS][XK_SHA256_HEX],
                           xk_error *err);
const char *xk_content_part_name(int part);
/* The content text of licence lid: its state, and version `version` (0: none) or every version
 * (all_versions). *out is malloc'ed. */
xk_status xk_content_text(xk_store *st, long long lid, int version, bool all_versions,
                          char **out, xk_error *err);
/* Appends an audit entry for number carrying its content after a write (version: the one the
 * write created, 0 when none). */
xk_status xk_content_append(xk_store *st, const char *at, const char *action, const char *number,
                            const char *detail, int version, xk_error *err);
/* The same for the licence row lid just written, its version line given ("version N stored source
 * canonical\n", as xk_content_text writes it) rather than read back from the store, and its state
 * line too when state is not NULL nor "" (a licence new to the store: xk_content_new_state). */
xk_status xk_content_append_line(xk_store *st, long long lid, const char *at, const char *action,
                                 const char *number, const char *detail, const char *state,
                                 const char *version_line, xk_error *err);
/* The state line of lic stored as a licence new to the store with duties, its rows hashed as
 * xk_content_state hashes them when read back, but made from the record (no store needed: an
 * import's workers make it). XK_ENOMEM leaves out "". */
xk_status xk_content_new_state(const xk_licence *lic, const char *duties,
                               char out[XK_CONTENT_STATE_LINE]);
/* The content texts of licences ids (n of them), each just made with its first version:
 * texts[i] as xk_content_append_line would write it with version_lines[i], the state read for
 * all in four queries (PostgreSQL: the ids go as one array). Each texts[i] is malloc'ed; all
 * NULL on failure. */
xk_status xk_content_texts_new(xk_store *st, const long long *ids,
                               const char *const *version_lines, size_t n, char **texts,
                               xk_error *err);
/* Once per store, inside the migration's transaction: an "anchor" entry per licence naming its
 * state and every version, then a row in audit_anchor (keyed on that table, not on the
 * migration's number). */
xk_status xk_content_anchor(xk_store *st, xk_error *err);
/* Checks every licence's rows, versions and source documents against the content the chain
 * names (after the chain itself verified). */
xk_status xk_content_verify(xk_store *st, xk_error *err);

/*
 * Write brackets. Outside a transaction a write is its own transaction. Inside one (bulk
 * import) there is no savepoint: records are validated before any write, so a write fails only
 * when the store does, and then the whole transaction is poisoned and must be rolled back. A
 * licence is thus always wholly in a committed batch or wholly absent, without paying for a
 * statement journal per licence.
 */
xk_status xk_store_write_begin(xk_store *st, xk_error *err);
xk_status xk_store_write_end(xk_store *st, xk_status result, xk_error *err);

/* One licence's put inside the write bracket (store.c); lic has been checked storable. */
xk_status xk_store_put_locked(xk_store *st, const xk_licence *lic, const char *source,
                              size_t len, const char *kind, const xk_prepared *prep,
                              xk_import_result *res, xk_error *err);

/* --- batch.c: many licences at once ----------------------------------------------------- */
typedef struct xk_batch_item {
    const xk_licence *lic; /* storable: a number, no errors */
    const char *source;
    size_t source_len;
    const char *kind;
    const xk_prepared *prep;
    xk_import_result res; /* out */
} xk_batch_item;
/* Stores items in order, as xk_store_put_prepared would one by one, with the same rows, audit
 * entries and results. On PostgreSQL the run of licences new to the store goes in by COPY, a
 * few round trips for all of them instead of a score for each; the others (new versions,
 * unchanged, a number twice) one by one, in their place. All or nothing: on failure (a store
 * error) nothing of the batch is kept once the caller rolls its transaction back. */
xk_status xk_store_put_batch(xk_store *st, xk_batch_item *items, size_t n, xk_error *err);
/* After a bulk import that stored licences, outside its transactions: PostgreSQL's statistics
 * and indexes made ready for the queries that follow. Nothing on SQLite. */
void xk_store_after_bulk(xk_store *st, size_t stored);


/* --- evidence.c: files kept with an event ------------------------------------------------ */
/* The files' count, sizes, kinds and names against their limits; nothing written. */
xk_status xk_evidence_check(const xk_evidence_file *files, size_t n, xk_error *err);
/* Stores files (checked) as event_id's evidence inside the caller's write bracket, and appends
 * " evidence N SHA256 KIND NAME" for each to the event's audit detail. */
xk_status xk_evidence_put(xk_store *st, long event_id, const char *at,
                          const xk_evidence_file *files, size_t n, xk_buf *detail,
                          xk_error *err);
#endif
