/*
 * The seam between the registry's SQL and a database engine. The registry modules (store.c,
 * audit.c, search.c, …) speak only this: prepare a statement, bind values by number, step through
 * rows, read columns. Two drivers implement it: db_sqlite.c (the embedded file, the default) and
 * db_pg.c (a PostgreSQL server through libpq). SQL that means the same on both is written once,
 * in SQLite's numbered-parameter form (?1, ?2, …), which the PostgreSQL driver turns into $1, $2;
 * what differs (schema types, the company index, locking) is chosen by xk_db_kind where it is
 * used, next to the shared text.
 *
 * Ownership: a statement belongs to the connection it was prepared on and is freed with
 * xk_db_finalize before the connection is closed. Text bound with xk_db_bind_text is copied;
 * column values are valid until the next step, reset or finalize of their statement.
 */
#ifndef XK_REGISTRY_DB_H
#define XK_REGISTRY_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/error.h"

/* The page cache of a SQLite store's connection (KiB); SQL_NUMBER spells it in a PRAGMA. */
#define STORE_CACHE_KIB 65536
#define SQL_NUMBER_(x) #x
#define SQL_NUMBER(x) SQL_NUMBER_(x)

typedef struct xk_db xk_db;
typedef struct xk_stmt xk_stmt;

/* Results of prepare/bind/exec (XK_DB_OK or XK_DB_FAIL) and of step. */
enum { XK_DB_OK = 0, XK_DB_FAIL = 1, XK_DB_ROW = 100, XK_DB_DONE = 101 };

typedef enum xk_db_kind { XK_DB_SQLITE = 1, XK_DB_POSTGRES = 2 } xk_db_kind;

/* How a statement is used: once; kept and run many times (prepared on the server once per
 * connection); or a scan that may return more rows than fit in memory (PostgreSQL reads it
 * through a cursor, XK_PG_FETCH_ROWS rows at a time; SQLite steps through it as always). */
typedef enum xk_db_use { XK_DB_ONCE = 0, XK_DB_KEPT = 1, XK_DB_SCAN = 2 } xk_db_use;

typedef struct xk_db_ops {
    int (*prepare)(xk_db *db, const char *sql, xk_db_use use, xk_stmt **out);
    int (*bind_text)(xk_stmt *s, int i, const char *v, int len);
    int (*bind_blob)(xk_stmt *s, int i, const void *v, size_t len, bool copy);
    int (*bind_int64)(xk_stmt *s, int i, long long v);
    int (*bind_null)(xk_stmt *s, int i);
    int (*step)(xk_stmt *s);
    int (*column_count)(xk_stmt *s);
    bool (*column_null)(xk_stmt *s, int c);
    const char *(*column_text)(xk_stmt *s, int c);
    size_t (*column_bytes)(xk_stmt *s, int c);
    const void *(*column_blob)(xk_stmt *s, int c);
    long long (*column_int64)(xk_stmt *s, int c);
    const char *(*column_name)(xk_stmt *s, int c);
    /* the value of column c in the current row is bytes (BLOB, bytea), not text */
    bool (*column_is_blob)(xk_stmt *s, int c);
    void (*reset)(xk_stmt *s);
    void (*clear_bindings)(xk_stmt *s);
    void (*finalize)(xk_stmt *s);
    int (*exec)(xk_db *db, const char *sql);
    /* rows changed by the last INSERT/UPDATE/DELETE on this connection */
    long long (*changes)(xk_db *db);
    /* whether a bind or a column read of s failed (for memory) since its bindings were last
     * cleared: its columns may then read empty, and its next step fails */
    bool (*failed)(xk_stmt *s);
    /* err from the connection's last failure, "doing: what the engine said (a hint)" */
    xk_status (*error)(xk_db *db, xk_error *err, const char *doing);
    void (*close)(xk_db *db);
} xk_db_ops;

/* Every driver's connection starts with this. */
struct xk_db {
    const xk_db_ops *ops;
    xk_db_kind kind;
    /* the SQL that opens a write transaction: every writer of a store is serialised by it, so
     * the audit chain's append never races another writer's */
    const char *begin_write;
};

/* Every driver's statement starts with this. */
struct xk_stmt {
    xk_db *db;
};

/* True when location names a PostgreSQL database (a postgresql:// or postgres:// URI, or a
 * libpq key=value string) rather than a SQLite file. */
bool xk_db_is_postgres(const char *location);

/* The embedded driver (db_sqlite.c). path: a file, ":memory:" or a "file:" URI. */
xk_status xk_db_sqlite_open(const char *path, bool read_only, xk_db **out, xk_error *err);
/* The underlying sqlite3 * of a SQLite connection (for tests and SQLite-only tuning). */
struct sqlite3 *xk_db_sqlite_handle(xk_db *db);

/*
 * The state of a SQLite store's write-ahead log file as stat(2) sees it. In WAL mode every commit,
 * from any process, writes its frames to that file, so while the file's identity, size and
 * modification time stay the same nothing was committed since. A time the clock of the file
 * system could still give again (a write within the same tick, a coarse file system) proves
 * nothing: a mark is "settled" only when the log was last written XK_WAL_SETTLED_SECONDS or more
 * before the mark was taken, and only a settled mark may vouch for a later one. One case the
 * mark cannot see: a commit whose frames were written but whose sync of the log has not yet
 * returned (it becomes visible without another write); the user of a mark bounds that by
 * reading again at least every XK_REVISION_REREAD_SECONDS whatever the mark says.
 */
typedef struct xk_wal_mark {
    unsigned long long dev, ino;
    long long size, mtime_sec, mtime_nsec;
    bool settled;
} xk_wal_mark;
#define XK_WAL_SETTLED_SECONDS 10
#define XK_REVISION_REREAD_SECONDS 1
/* The mark of db's log now; false when there is none to take (not WAL, no log file, not a
 * file on disk, read-only). */
bool xk_db_sqlite_wal_mark(xk_db *db, xk_wal_mark *out);
/* Whether nothing was committed between the settled mark then and the mark now. */
bool xk_db_sqlite_wal_unchanged(const xk_wal_mark *then, const xk_wal_mark *now);

/* Online copy of a SQLite connection's database into a new file at path. */
xk_status xk_db_sqlite_backup(xk_db *db, const char *path, xk_error *err);

/* The PostgreSQL driver (db_pg.c). conninfo is given to libpq as it is; what messages show of it
 * is xk_db_redact's form. */
xk_status xk_db_pg_open(const char *conninfo, xk_db **out, xk_error *err);

/* COPY … FROM STDIN (FORMAT binary) on a PostgreSQL connection: sql is the COPY statement and
 * rows a stream built with the xk_pgcopy_ functions (its header and trailer are added here).
 * One round trip however many rows: the bulk import's way in. XK_DB_OK or XK_DB_FAIL (the
 * connection's error says why). */
struct xk_buf;
int xk_db_pg_copy(xk_db *db, const char *sql, struct xk_buf *rows);
/* The same COPY sent in pieces, so the server stores the first rows while the caller makes the
 * next: begin (the statement and the stream's header), put any number of times (rows' bytes are
 * sent and rows emptied), then end with XK_DB_OK, or with the failure of a put or of the
 * caller's own making (the server then drops every row of it). Between begin and end nothing
 * else may run on the connection. Each returns XK_DB_OK or XK_DB_FAIL (the connection's error
 * says why; a put that found rows out of memory: out of memory). */
int xk_db_pg_copy_begin(xk_db *db, const char *sql);
int xk_db_pg_copy_put(xk_db *db, struct xk_buf *rows);
int xk_db_pg_copy_end(xk_db *db, int sent);
/* A row of a binary COPY stream: its field count, then each field in the table's order. Text
 * and bytea are their bytes as they are; failures of memory are kept in the buffer (oom). */
void xk_pgcopy_row(struct xk_buf *rows, int fields);
void xk_pgcopy_bytes(struct xk_buf *rows, const void *v, size_t len);
void xk_pgcopy_text(struct xk_buf *rows, const char *v);
void xk_pgcopy_int8(struct xk_buf *rows, long long v);
void xk_pgcopy_int4(struct xk_buf *rows, int v);

/* location with any password replaced by "***" (URI user:password@, password=… in key=value
 * form), for messages and logs. */
void xk_db_redact(const char *location, char *out, size_t size);

static inline int xk_db_prepare(xk_db *db, const char *sql, xk_stmt **out)
{
    return db->ops->prepare(db, sql, XK_DB_ONCE, out);
}
static inline int xk_db_prepare_persistent(xk_db *db, const char *sql, xk_stmt **out)
{
    return db->ops->prepare(db, sql, XK_DB_KEPT, out);
}
/* A statement whose rows may be the whole registry (exports, status over every licence, db
 * copy, backup): its memory stays bounded however many rows it returns. Other statements may
 * run on the connection between its steps. */
static inline int xk_db_prepare_scan(xk_db *db, const char *sql, xk_stmt **out)
{
    return db->ops->prepare(db, sql, XK_DB_SCAN, out);
}
static inline int xk_db_bind_text(xk_stmt *s, int i, const char *v, int len)
{
    return s->db->ops->bind_text(s, i, v, len);
}
/* copy false: v must stay valid until the statement is reset */
static inline int xk_db_bind_blob(xk_stmt *s, int i, const void *v, size_t len, bool copy)
{
    return s->db->ops->bind_blob(s, i, v, len, copy);
}
static inline int xk_db_bind_int64(xk_stmt *s, int i, long long v)
{
    return s->db->ops->bind_int64(s, i, v);
}
static inline int xk_db_bind_int(xk_stmt *s, int i, int v)
{
    return s->db->ops->bind_int64(s, i, v);
}
static inline int xk_db_bind_null(xk_stmt *s, int i)
{
    return s->db->ops->bind_null(s, i);
}
static inline bool xk_db_failed(xk_stmt *s)
{
    return s->db->ops->failed(s);
}
static inline int xk_db_step(xk_stmt *s)
{
    return s->db->ops->step(s);
}
static inline int xk_db_column_count(xk_stmt *s)
{
    return s->db->ops->column_count(s);
}
static inline bool xk_db_column_null(xk_stmt *s, int c)
{
    return s->db->ops->column_null(s, c);
}
/* NULL for a NULL value */
static inline const char *xk_db_column_text(xk_stmt *s, int c)
{
    return s->db->ops->column_text(s, c);
}
static inline size_t xk_db_column_bytes(xk_stmt *s, int c)
{
    return s->db->ops->column_bytes(s, c);
}
static inline const void *xk_db_column_blob(xk_stmt *s, int c)
{
    return s->db->ops->column_blob(s, c);
}
static inline long long xk_db_column_int64(xk_stmt *s, int c)
{
    return s->db->ops->column_int64(s, c);
}
static inline int xk_db_column_int(xk_stmt *s, int c)
{
    return (int)s->db->ops->column_int64(s, c);
}
static inline const char *xk_db_column_name(xk_stmt *s, int c)
{
    return s->db->ops->column_name(s, c);
}
static inline bool xk_db_column_is_blob(xk_stmt *s, int c)
{
    return s->db->ops->column_is_blob(s, c);
}
static inline void xk_db_reset(xk_stmt *s)
{
    if (s)
        s->db->ops->reset(s);
}
static inline void xk_db_clear_bindings(xk_stmt *s)
{
    if (s)
        s->db->ops->clear_bindings(s);
}
static inline void xk_db_finalize(xk_stmt *s)
{
    if (s)
        s->db->ops->finalize(s);
}
static inline int xk_db_exec(xk_db *db, const char *sql)
{
    return db->ops->exec(db, sql);
}
static inline long long xk_db_changes(xk_db *db)
{
    return db->ops->changes(db);
}
static inline void xk_db_close(xk_db *db)
{
    if (db)
        db->ops->close(db);
}

#endif
