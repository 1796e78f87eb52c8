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
#include <unistd.h>

#include "db.h"

typedef struct lite_db {
    xk_db base;
    sqlite3 *db;
} lite_db;

typedef struct lite_stmt {
    xk_stmt base;
    sqlite3_stmt *s;
} lite_stmt;

static sqlite3 *conn(xk_db *db)
{
    return ((lite_db *)db)->db;
}

static sqlite3_stmt *raw(xk_stmt *s)
{
    return ((lite_stmt *)s)->s;
}

static int ok(int rc)
{
    return rc == SQLITE_OK ? XK_DB_OK : XK_DB_FAIL;
}

static int lite_prepare(xk_db *db, const char *sql, bool persistent, xk_stmt **out)
{
    *out = NULL;
    lite_stmt *ls = malloc(sizeof *ls);
    if (!ls)
        return XK_DB_FAIL;
    if (sqlite3_prepare_v3(conn(db), sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &ls->s,
                           NULL) != SQLITE_OK) {
        free(ls);
        return XK_DB_FAIL;
    }
    ls->base.db = db;
    *out = &ls->base;
    return XK_DB_OK;
}

static int lite_bind_text(xk_stmt *s, int i, const char *v, int len)
{
    return ok(sqlite3_bind_text(raw(s), i, v ? v : "", len, SQLITE_TRANSIENT));
}

static int lite_bind_blob(xk_stmt *s, int i, const void *v, size_t len, bool copy)
{
    return ok(sqlite3_bind_blob64(raw(s), i, v, len, copy ? SQLITE_TRANSIENT : SQLITE_STATIC));
}

static int lite_bind_int64(xk_stmt *s, int i, long long v)
{
    return ok(sqlite3_bind_int64(raw(s), i, v));
}

static int lite_bind_null(xk_stmt *s, int i)
{
    return ok(sqlite3_bind_null(raw(s), i));
}

static int lite_step(xk_stmt *s)
{
    int rc = sqlite3_step(raw(s));
    return rc == SQLITE_ROW ? XK_DB_ROW : rc == SQLITE_DONE ? XK_DB_DONE : XK_DB_FAIL;
}

static int lite_column_count(xk_stmt *s)
{
    return sqlite3_column_count(raw(s));
}

static bool lite_column_null(xk_stmt *s, int c)
{
    return sqlite3_column_type(raw(s), c) == SQLITE_NULL;
}

static const char *lite_column_text(xk_stmt *s, int c)
{
    return (const char *)sqlite3_column_text(raw(s), c);
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

static void lite_reset(xk_stmt *s)
{
    sqlite3_reset(raw(s));
}

static void lite_clear_bindings(xk_stmt *s)
{
    sqlite3_clear_bindings(raw(s));
}

static void lite_finalize(xk_stmt *s)
{
    sqlite3_finalize(raw(s));
    free(s);
}

static int lite_exec(xk_db *db, const char *sql)
{
    return ok(sqlite3_exec(conn(db), sql, NULL, NULL, NULL));
}

static long long lite_changes(xk_db *db)
{
    return sqlite3_changes64(conn(db));
}

static xk_status lite_error(xk_db *db, xk_error *err, const char *doing)
{
    sqlite3 *c = conn(db);
    int code = sqlite3_extended_errcode(c);
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
    return xk_error_set(err, XK_EDB, 0, "%s: %s%s", doing, sqlite3_errmsg(c), hint);
}

static void lite_close(xk_db *db)
{
    sqlite3_close(conn(db));
    free(db);
}

static const xk_db_ops lite_ops = {
    lite_prepare,      lite_bind_text,     lite_bind_blob,     lite_bind_int64,
    lite_bind_null,    lite_step,          lite_column_count,  lite_column_null,
    lite_column_text,  lite_column_bytes,  lite_column_blob,   lite_column_int64,
    lite_column_name,  lite_column_is_blob,
    lite_reset,        lite_clear_bindings, lite_finalize,     lite_exec,
    lite_changes,      lite_error,         lite_close,
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
    /* 16 KiB pages pack the kilobyte-sized documents and records far better than 4 KiB;
     * the size only takes effect on a new file */
    const char *setup[] = {read_only ? NULL
                                     : "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; "
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
