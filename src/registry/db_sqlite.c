/*
 * The embedded driver of the registry's database seam (db.h): a SQLite file in WAL mode with
 * FULL sync and foreign keys on. It opens the file (read-only and immutable when this process
 * may not write it), wraps sqlite3 statements, and turns SQLite's failures into messages that
 * say what to do (disk full, read-only, locked, not a store). It knows nothing of the schema.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"

/* A failure is remembered by its code where it happened: SQLite's "last error" of a connection
 * is overwritten by the next call that succeeds (a later bind, another statement's step), and a
 * message read after that would say "another row available" for what was memory running out. */
typedef struct lite_db {
    xk_db base;
    sqlite3 *db;
    int failure;   /* the code of the latest call that failed, or SQLITE_OK */
    bool read_only; /* opened immutable: no log to watch */
    int wal_fd;     /* the log file opened to be watched (xk_db_sqlite_wal_mark), or -1 */
} lite_db;

/* A bind copies its text, and the copy can fail for memory; stepped after that, the statement
 * would see NULL in that place and answer wrongly (a licence "not found", a NULL stored). So the
 * first failed bind (or column read) is kept and the next step fails with it, unstepped, until
 * the statement is reset: callers need not check each of their binds to be safe. */
typedef struct lite_stmt {
    xk_stmt base;
    sqlite3_stmt *s;
    int failed; /* the first failed bind or column read since the last reset, or SQLITE_OK */
} lite_stmt;

static sqlite3 *conn(xk_db *db)
{
    return ((lite_db *)db)->db;
}

static sqlite3_stmt *raw(xk_stmt *s)
{
    return ((lite_stmt *)s)->s;
}

static int fail_db(xk_db *db, int code)
{
    ((lite_db *)db)->failure = code;
    return XK_DB_FAIL;
}

/* A bind's result: a failure is kept on the statement (see lite_stmt) and the connection. */
static int bound(xk_stmt *s, int rc)
{
    if (rc == SQLITE_OK)
        return XK_DB_OK;
    lite_stmt *ls = (lite_stmt *)s;
    if (ls->failed == SQLITE_OK)
        ls->failed = rc;
    return fail_db(s->db, rc);
}

static int ok(xk_db *db, int rc)
{
    return rc == SQLITE_OK ? XK_DB_OK : fail_db(db, sqlite3_extended_errcode(conn(db)));
}

static int lite_prepare(xk_db *db, const char *sql, xk_db_use use, xk_stmt **out)
{
    *out = NULL;
    lite_stmt *ls = malloc(sizeof *ls);
    if (!ls)
        return fail_db(db, SQLITE_NOMEM);
    int rc = sqlite3_prepare_v3(conn(db), sql, -1, use == XK_DB_KEPT ? SQLITE_PREPARE_PERSISTENT : 0,
                                &ls->s, NULL);
    if (rc != SQLITE_OK) {
        free(ls);
        return fail_db(db, rc);
    }
    ls->base.db = db;
    ls->failed = SQLITE_OK;
    *out = &ls->base;
    return XK_DB_OK;
}

static int lite_bind_text(xk_stmt *s, int i, const char *v, int len)
{
    return bound(s, sqlite3_bind_text(raw(s), i, v ? v : "", len, SQLITE_TRANSIENT));
}

static int lite_bind_blob(xk_stmt *s, int i, const void *v, size_t len, bool copy)
{
    return bound(s, sqlite3_bind_blob64(raw(s), i, v, len, copy ? SQLITE_TRANSIENT : SQLITE_STATIC));
}

static int lite_bind_int64(xk_stmt *s, int i, long long v)
{
    return bound(s, sqlite3_bind_int64(raw(s), i, v));
}

static int lite_bind_null(xk_stmt *s, int i)
{
    return bound(s, sqlite3_bind_null(raw(s), i));
}

static int lite_step(xk_stmt *s)
{
    lite_stmt *ls = (lite_stmt *)s;
    if (ls->failed != SQLITE_OK)
        return fail_db(s->db, ls->failed);
    int rc = sqlite3_step(raw(s));
    return rc == SQLITE_ROW ? XK_DB_ROW : rc == SQLITE_DONE ? XK_DB_DONE : fail_db(s->db, rc);
}

static int lite_column_count(xk_stmt *s)
{
    return sqlite3_column_count(raw(s));
}

static bool lite_column_null(xk_stmt *s, int c)
{
    return sqlite3_column_type(raw(s), c) == SQLITE_NULL;
}

/* NULL for a NULL value; NULL for any other only when SQLite found no memory making the text,
 * which is kept as a failure of the statement (its next step fails) and of the connection.
 * SQLite can also answer a pointer when memory ran out: a text read from overflow pages is
 * copied to add its terminating NUL, and when that copy fails it returns the text unterminated,
 * says SQLITE_NOMEM on the connection, and rolls the whole transaction back at the statement's
 * reset. Taken as a value, the write went on outside any transaction and its COMMIT failed. */
static const char *lite_column_text(xk_stmt *s, int c)
{
    const char *v = (const char *)sqlite3_column_text(raw(s), c);
    if (sqlite3_errcode(sqlite3_db_handle(raw(s))) == SQLITE_NOMEM ||
        (!v && sqlite3_column_type(raw(s), c) != SQLITE_NULL)) {
        bound(s, SQLITE_NOMEM);
        return NULL;
    }
    return v;
}

static size_t lite_column_bytes(xk_stmt *s, int c)
{
    return (size_t)sqlite3_column_bytes(raw(s), c);
}

static const void *lite_column_blob(xk_stmt *s, int c)
{
    return sqlite3_column_blob(raw(s), c);
}

static long long lite_column_int64(xk_stmt *s, int c)
{
    return sqlite3_column_int64(raw(s), c);
}

static const char *lite_column_name(xk_stmt *s, int c)
{
    return sqlite3_column_name(raw(s), c);
}

static bool lite_column_is_blob(xk_stmt *s, int c)
{
    return sqlite3_column_type(raw(s), c) == SQLITE_BLOB;
}

/* A failure outlives a reset (the caller may ask after resetting) until the bindings are
 * cleared, as every reuse of a statement does. */
static void lite_reset(xk_stmt *s)
{
    sqlite3_reset(raw(s));
}

static bool lite_failed(xk_stmt *s)
{
    return ((lite_stmt *)s)->failed != SQLITE_OK;
}

static void lite_clear_bindings(xk_stmt *s)
{
    sqlite3_clear_bindings(raw(s));
    ((lite_stmt *)s)->failed = SQLITE_OK;
}

static void lite_finalize(xk_stmt *s)
{
    sqlite3_finalize(raw(s));
    free(s);
}

static int lite_exec(xk_db *db, const char *sql)
{
    return ok(db, sqlite3_exec(conn(db), sql, NULL, NULL, NULL));
}

static long long lite_changes(xk_db *db)
{
    return sqlite3_changes64(conn(db));
}

static xk_status lite_error(xk_db *db, xk_error *err, const char *doing)
{
    sqlite3 *c = conn(db);
    int code = ((lite_db *)db)->failure ? ((lite_db *)db)->failure : sqlite3_extended_errcode(c);
    const char *hint = "";
    char sys[96];
    if ((code & 0xff) == SQLITE_FULL) {
        hint = " (the disk is full)";
    } else if ((code & 0xff) == SQLITE_IOERR) {
        /* what the OS said when SQLite kept it ("File too large" under a file-size limit) */
        int e = sqlite3_system_errno(c);
        snprintf(sys, sizeof sys, " (%s)",
                 e ? strerror(e)
                   : code == SQLITE_IOERR_WRITE ? "writing the file failed: is the disk full, or a "
                                                  "file-size limit reached?"
                                                : "the file could not be read or written");
        hint = sys;
    } else if ((code & 0xff) == SQLITE_READONLY) {
        hint = " (the store is read-only)";
    } else if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED) {
        hint = " (another process holds the store's write lock)";
    } else if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB) {
        hint = " (the file is not a healthy xuke store)";
    } else if ((code & 0xff) == SQLITE_NOMEM) { /* the caller's problem is memory, not the store */
        return xk_error_set(err, XK_ENOMEM, 0, "%s: out of memory", doing);
    }
    /* the connection's own words when they are about this failure, else SQLite's for its code */
    const char *words = sqlite3_extended_errcode(c) == code ? sqlite3_errmsg(c) : sqlite3_errstr(code);
    return xk_error_set(err, XK_EDB, 0, "%s: %s%s", doing, words, hint);
}

static void lite_close(xk_db *db)
{
    if (((lite_db *)db)->wal_fd >= 0)
        close(((lite_db *)db)->wal_fd);
    sqlite3_close(conn(db));
    free(db);
}

static const xk_db_ops lite_ops = {
    lite_prepare,      lite_bind_text,     lite_bind_blob,     lite_bind_int64,
    lite_bind_null,    lite_step,          lite_column_count,  lite_column_null,
    lite_column_text,  lite_column_bytes,  lite_column_blob,   lite_column_int64,
    lite_column_name,  lite_column_is_blob,
    lite_reset,        lite_clear_bindings, lite_finalize,     lite_exec,
    lite_changes,      lite_failed,        lite_error,        lite_close,
};

/* SQLite's allocation statistics cost a mutex and counters on every malloc and xuke never
 * reads them. The setting is process-wide and only accepted before SQLite initialises, so a
 * refusal (another part of the process came first) is harmless and ignored. */
static void configure_sqlite_once(void)
{
    static bool done;
    if (!done) {
        done = true;
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }
}

/* "file:PATH?immutable=1" with the characters URIs reserve escaped. Immutable: SQLite takes no
 * locks and needs no -shm file, so a read-only WAL store opens; it must not change while read. */
static bool immutable_uri(const char *path, char *out, size_t size)
{
    size_t n = (size_t)snprintf(out, size, "file:");
    for (const char *p = path; *p && n + 4 < size; p++)
        n += (size_t)(strchr("?#%", *p) ? snprintf(out + n, size - n, "%%%02X", (unsigned char)*p)
                                         : snprintf(out + n, size - n, "%c", *p));
    return n + 13 < size && snprintf(out + n, size - n, "?immutable=1") > 0;
}

struct sqlite3 *xk_db_sqlite_handle(xk_db *db)
{
    return db && db->kind == XK_DB_SQLITE ? conn(db) : NULL;
}

xk_status xk_db_sqlite_open(const char *path, bool read_only, xk_db **out, xk_error *err)
{
    *out = NULL;
    configure_sqlite_once();
    lite_db *ld = calloc(1, sizeof *ld);
    if (!ld)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    ld->base = (xk_db){&lite_ops, XK_DB_SQLITE, "BEGIN IMMEDIATE"};
    ld->read_only = read_only;
    ld->wal_fd = -1;
    char uri[4200];
    int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
                                                 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (read_only && !immutable_uri(path, uri, sizeof uri)) {
        free(ld);
        return xk_error_set(err, XK_EUSAGE, 0, "store path too long: %s", path);
    }
    if (sqlite3_open_v2(read_only ? uri : path, &ld->db, flags, NULL) != SQLITE_OK) {
        xk_status rc = xk_error_set(err, XK_EDB, 0, "cannot open store %s: %s", path,
                                    ld->db ? sqlite3_errmsg(ld->db) : "out of memory");
        lite_close(&ld->base);
        return rc;
    }
    sqlite3_busy_timeout(ld->db, 5000);
    sqlite3_extended_result_codes(ld->db, 1);
    /* 8 KiB pages: a real licence's source and its record are 8-25 KB each (12 KB on average).
     * A row larger than a page keeps a few KB on its leaf beside other rows and the rest on
     * overflow pages filled to the byte, so little is wasted; on 16 KiB pages each 12 KB row
     * had a page to itself, 4.5 KB of it empty: 34.1 KiB stored per licence, now about 27
     * (docs/BENCHMARKS.md). Indexes dirty fewer bytes per insert too. The size only takes
     * effect on a new file: an older store keeps its 16 KiB. */
    const char *setup[] = {read_only ? NULL
                                     : "PRAGMA page_size=8192; PRAGMA journal_mode=WAL; "
                                       "PRAGMA synchronous=FULL;",
                           "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
                           "PRAGMA cache_size=-" SQL_NUMBER(STORE_CACHE_KIB) ";"};
    for (int i = 0; i < 2; i++) {
        if (setup[i] && lite_exec(&ld->base, setup[i]) != XK_DB_OK) {
            xk_error why = {0};
            xk_status rc = lite_error(&ld->base, &why, "PRAGMA");
            lite_close(&ld->base);
            return xk_error_set(err, rc, 0, "store %s: %s", path, why.message);
        }
    }
    *out = &ld->base;
    return XK_OK;
}

bool xk_db_sqlite_wal_mark(xk_db *db, xk_wal_mark *out)
{
    memset(out, 0, sizeof *out);
    lite_db *ld = (lite_db *)db;
    if (db->kind != XK_DB_SQLITE || ld->read_only)
        return false;
    struct stat sb;
    struct timespec now;
    /* the file kept open (fstat: no path to resolve each time); one removed since (the last
     * connection closed, the log deleted) is let go of and the log opened again by its name */
    if (ld->wal_fd >= 0 && (fstat(ld->wal_fd, &sb) != 0 || sb.st_nlink == 0)) {
        close(ld->wal_fd);
        ld->wal_fd = -1;
    }
    if (ld->wal_fd < 0) {
        const char *file = sqlite3_db_filename(ld->db, "main");
        const char *wal = file && *file ? sqlite3_filename_wal(file) : NULL;
        if (!wal || !*wal || (ld->wal_fd = open(wal, O_RDONLY | O_CLOEXEC)) < 0)
            return false;
        if (fstat(ld->wal_fd, &sb) != 0) {
            close(ld->wal_fd);
            ld->wal_fd = -1;
            return false;
        }
    }
    if (!S_ISREG(sb.st_mode) || clock_gettime(CLOCK_REALTIME, &now) != 0)
        return false;
    out->dev = (unsigned long long)sb.st_dev;
    out->ino = (unsigned long long)sb.st_ino;
    out->size = (long long)sb.st_size;
    out->mtime_sec = (long long)sb.st_mtim.tv_sec;
    out->mtime_nsec = (long long)sb.st_mtim.tv_nsec;
    out->settled = (long long)now.tv_sec - out->mtime_sec >= XK_WAL_SETTLED_SECONDS;
    return true;
}

bool xk_db_sqlite_wal_unchanged(const xk_wal_mark *then, const xk_wal_mark *now)
{
    return then->settled && then->dev == now->dev && then->ino == now->ino &&
           then->size == now->size && then->mtime_sec == now->mtime_sec &&
           then->mtime_nsec == now->mtime_nsec;
}

xk_status xk_db_sqlite_backup(xk_db *db, const char *path, xk_error *err)
{
    sqlite3 *dst;
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        xk_status rc = xk_error_set(err, XK_EIO, 0, "cannot create %s: %s", path,
                                    dst ? sqlite3_errmsg(dst) : "out of memory");
        sqlite3_close(dst);
        return rc;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", conn(db), "main");
    xk_status rc = XK_OK;
    if (!b) {
        rc = xk_error_set(err, XK_EDB, 0, "backup failed: %s", sqlite3_errmsg(dst));
    } else {
        int step;
        /* small steps so writers are not held off for the whole copy */
        while ((step = sqlite3_backup_step(b, 256)) == SQLITE_OK || step == SQLITE_BUSY ||
               step == SQLITE_LOCKED)
            if (step != SQLITE_OK)
                sqlite3_sleep(20);
        if (step != SQLITE_DONE)
            rc = xk_error_set(err, XK_EDB, 0, "backup failed: %s", sqlite3_errstr(step));
        sqlite3_backup_finish(b);
    }
    if (sqlite3_close(dst) != SQLITE_OK && rc == XK_OK)
        rc = xk_error_set(err, XK_EIO, 0, "closing the backup failed");
    return rc;
}
