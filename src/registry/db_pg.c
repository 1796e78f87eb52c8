/*
 * The PostgreSQL driver of the registry's database seam (db.h), over libpq: one connection per
 * store handle (the server opens one store per thread), statements prepared on the server once
 * per connection, text results read row by row from the whole result. It turns the registry's
 * SQLite-style parameters (?1, ?2, ?) into PostgreSQL's ($1, $2) and bytea values into bytes.
 *
 * A scan (xk_db_prepare_scan: an export, status over every licence, db copy, the audit chain's
 * verification) is read through a server-side cursor, XK_PG_FETCH_ROWS rows at a time, so this
 * process holds one batch however large the registry; other statements run on the connection
 * between its batches. Outside a transaction the cursor is WITH HOLD (it outlives the implicit
 * transaction that declared it; the server keeps its rows, spilling to disk past work_mem).
 *
 * A lost connection is reopened before the next statement that starts outside a transaction, so
 * a server keeps answering reads after a database restart or failover; a connection lost inside
 * a transaction fails that transaction with a clear error (the server rolled it back: nothing of
 * it was written), and the next one reconnects. What messages show of the connection string is
 * xk_db_redact's form: a password never reaches a message or a log.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "db.h"
#include "xuke/limits.h"

#define BYTEA_OID 17
#define TEXT_OID 25
/* The lock every writer of a registry takes (pg_advisory_xact_lock): the registry's writers
 * queue on it as they do on a SQLite file's write lock, so the audit chain's read of its head
 * and the append after it are never interleaved with another writer's. "xuke" in ASCII. */
#define WRITER_LOCK "2021161829"

typedef struct pg_db {
    xk_db base;
    PGconn *c;
    unsigned generation;  /* bumped by each reconnect: statements prepared before are gone */
    unsigned long names;  /* server-side statement names handed out */
    unsigned long cursors; /* cursor names handed out */
    unsigned long tx_serial; /* bumped whenever the connection is seen outside a transaction */
    long long changes;
    bool in_tx;           /* the last statement left a transaction open */
    bool no_memory;       /* the last failure was this process's memory, not the server */
    char sqlstate[6];
    char message[512];
} pg_db;

typedef struct pg_stmt {
    xk_stmt base;
    char *sql;            /* with $N parameters */
    char name[24];        /* "" unless persistent */
    unsigned prepared_in; /* the generation it was prepared in; 0: not yet */
    int nparams;
    Oid *types;           /* text for a parameter the SQL never names (the server cannot type
                           * it), 0 (the server's choice) for the others */
    char **values;
    int *lengths, *formats;
    bool *owned;
    PGresult *res;
    int row, rows;
    bool executed;
    unsigned char **blobs; /* decoded bytea of the current row, per column */
    size_t *blob_len;
    int ncols;
    /* a bind or a bytea decode found no memory since the bindings were last cleared: stepped,
     * the statement would run with NULL in that place (a licence "not found", a NULL stored),
     * so its next step fails instead, as the SQLite driver's does */
    bool failed;
    /* a scan (XK_DB_SCAN): read through the cursor named here while it is declared */
    bool scan;
    char cursor[24];
    bool hold;              /* declared WITH HOLD, outside a transaction: closed explicitly */
    unsigned cursor_gen;    /* the connection's generation and transaction it was declared in */
    unsigned long cursor_tx;
    bool last_batch;        /* the cursor has no rows left after the current batch */
} pg_stmt;

static pg_db *pdb(xk_db *db)
{
    return (pg_db *)db;
}

static pg_stmt *pst(xk_stmt *s)
{
    return (pg_stmt *)s;
}

/* --- locations ---------------------------------------------------------------------------- */

/* A libpq keyword (host, dbname, user, …) ends the first word of location at an '='. */
static bool starts_with_keyword(const char *location)
{
    const char *p = location;
    while (*p == ' ')
        p++;
    size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
    const char *q = p + n;
    while (*q == ' ')
        q++;
    if (n == 0 || *q != '=')
        return false;
    PQconninfoOption *opts = PQconndefaults();
    bool found = false;
    for (PQconninfoOption *o = opts; o && o->keyword && !found; o++)
        found = strlen(o->keyword) == n && strncmp(o->keyword, p, n) == 0;
    PQconninfoFree(opts);
    return found;
}

bool xk_db_is_postgres(const char *location)
{
    return location && (strncmp(location, "postgresql://", 13) == 0 ||
                        strncmp(location, "postgres://", 11) == 0 ||
                        starts_with_keyword(location));
}

/* Copies at most the room left; out stays NUL-terminated. */
static void put(char *out, size_t size, size_t *n, const char *s, size_t len)
{
    while (len-- && *n + 1 < size)
        out[(*n)++] = *s++;
    out[*n] = '\0';
}

static void redact_uri(const char *loc, char *out, size_t size)
{
    size_t n = 0;
    const char *auth = strstr(loc, "://") + 3;
    const char *end = auth + strcspn(auth, "/?");
    const char *at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    const char *p = loc;
    if (colon) { /* user:password@ */
        put(out, size, &n, p, (size_t)(colon + 1 - p));
        put(out, size, &n, "***", 3);
        p = at;
    }
    /* ?…password=…&… */
    const char *query = strchr(end, '?');
    while (*p) {
        const char *hit = query ? strstr(p, "password=") : NULL;
        if (!hit || hit < query || (hit[-1] != '?' && hit[-1] != '&')) {
            put(out, size, &n, p, strlen(p));
            break;
        }
        put(out, size, &n, p, (size_t)(hit + 9 - p));
        put(out, size, &n, "***", 3);
        p = hit + 9 + strcspn(hit + 9, "&");
    }
}

/* key=value form: the value of password (quoted or not) becomes ***. */
static void redact_keywords(const char *loc, char *out, size_t size)
{
    size_t n = 0;
    const char *p = loc;
    while (*p) {
        size_t sp = strspn(p, " \t\n");
        put(out, size, &n, p, sp);
        p += sp;
        const char *eq = strchr(p, '=');
        if (!eq) {
            put(out, size, &n, p, strlen(p));
            break;
        }
        const char *key_end = eq;
        while (key_end > p && (key_end[-1] == ' ' || key_end[-1] == '\t'))
            key_end--;
        bool secret = (size_t)(key_end - p) == 8 && strncmp(p, "password", 8) == 0;
        const char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        const char *vend = v;
        if (*v == '\'') {
            for (vend = v + 1; *vend && *vend != '\''; vend++)
                if (*vend == '\\' && vend[1])
                    vend++;
            if (*vend)
                vend++;
        } else {
            vend = v + strcspn(v, " \t\n");
        }
        put(out, size, &n, p, (size_t)(v - p));
        if (secret)
            put(out, size, &n, "***", 3);
        else
            put(out, size, &n, v, (size_t)(vend - v));
        p = vend;
    }
}

void xk_db_redact(const char *location, char *out, size_t size)
{
    if (!size)
        return;
    out[0] = '\0';
    if (!location)
        return;
    if (strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "postgres://", 11) == 0)
        redact_uri(location, out, size);
    else if (starts_with_keyword(location))
        redact_keywords(location, out, size);
    else
        snprintf(out, size, "%s", location);
}

/* --- errors and connection state ----------------------------------------------------------- */

static void note_result(pg_db *d, const PGresult *r)
{
    d->no_memory = false;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    snprintf(d->sqlstate, sizeof d->sqlstate, "%s", state ? state : "");
    const char *msg = primary ? primary : PQerrorMessage(d->c);
    snprintf(d->message, sizeof d->message, "%s", msg && *msg ? msg : "the database failed");
    size_t n = strlen(d->message); /* libpq ends its messages with a newline */
    while (n && (d->message[n - 1] == '\n' || d->message[n - 1] == ' '))
        d->message[--n] = '\0';
}

static void note_state(pg_db *d)
{
    PGTransactionStatusType t = PQtransactionStatus(d->c);
    d->in_tx = t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
    if (!d->in_tx) /* the transaction a cursor without HOLD lived in, if any, is over */
        d->tx_serial++;
}

static void quiet(void *arg, const char *message)
{
    (void)arg; /* NOTICEs ("extension exists, skipping") are not the user's business */
    (void)message;
}

/* Before a statement: a connection that was lost outside a transaction is reopened. */
static bool usable(pg_db *d)
{
    if (PQstatus(d->c) == CONNECTION_OK)
        return true;
    if (d->in_tx) {
        snprintf(d->sqlstate, sizeof d->sqlstate, "08006");
        snprintf(d->message, sizeof d->message,
                 "the connection to the database was lost inside a transaction");
        return false;
    }
    PQreset(d->c);
    if (PQstatus(d->c) != CONNECTION_OK) {
        note_result(d, NULL);
        snprintf(d->sqlstate, sizeof d->sqlstate, "08001");
        return false;
    }
    PQsetNoticeProcessor(d->c, quiet, NULL);
    d->generation++;
    return true;
}

/* A failure of this process's memory (a bind's copy, a decode): XK_ENOMEM, not the server's. */
static int out_of_memory(pg_db *d)
{
    d->no_memory = true;
    d->sqlstate[0] = '\0';
    snprintf(d->message, sizeof d->message, "out of memory");
    return XK_DB_FAIL;
}

static xk_status pg_error(xk_db *db, xk_error *err, const char *doing)
{
    pg_db *d = pdb(db);
    if (d->no_memory && !d->sqlstate[0])
        return xk_error_set(err, XK_ENOMEM, 0, "%s: out of memory", doing);
    const char *hint = "";
    if (strncmp(d->sqlstate, "08", 2) == 0 || PQstatus(d->c) != CONNECTION_OK)
        hint = " (the connection to the database was lost: nothing of this write was kept; the "
               "next command reconnects)";
    else if (strcmp(d->sqlstate, "53100") == 0)
        hint = " (the database server's disk is full)";
    else if (strncmp(d->sqlstate, "42501", 5) == 0)
        hint = " (the database user may not do this)";
    else if (strcmp(d->sqlstate, "25P02") == 0)
        hint = " (an earlier statement of this transaction failed)";
    else if (strcmp(d->sqlstate, "57014") == 0)
        hint = " (the statement was cancelled)";
    if (strncmp(d->sqlstate, "53200", 5) == 0)
        return xk_error_set(err, XK_ENOMEM, 0, "%s: the database server is out of memory", doing);
    return xk_error_set(err, XK_EDB, 0, "%s: %s%s", doing, d->message, hint);
}

/* --- statements ---------------------------------------------------------------------------- */

/* ?N stays N, a bare ? is one more than the largest so far; quoted text is left alone. */
static char *translate(const char *sql, int *nparams, bool used[XK_PG_MAX_PARAMS + 1])
{
    size_t len = strlen(sql);
    char *out = malloc(len * 2 + 16);
    if (!out)
        return NULL;
    size_t n = 0;
    int max = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            out[n++] = *p;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
            out[n++] = *p;
        } else if (*p == '?') {
            int k = 0;
            while (p[1] >= '0' && p[1] <= '9')
                k = k * 10 + (*++p - '0');
            if (k == 0)
                k = max + 1;
            if (k > max)
                max = k;
            if (k <= XK_PG_MAX_PARAMS)
                used[k] = true;
            n += (size_t)snprintf(out + n, 12, "$%d", k);
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    *nparams = max;
    return out;
}

static void drop_blobs(pg_stmt *s)
{
    for (int i = 0; s->blobs && i < s->ncols; i++) {
        PQfreemem(s->blobs[i]);
        s->blobs[i] = NULL;
    }
}

/* A cursor is closed while it still exists on the server: one WITH HOLD until the connection
 * ends, one without for as long as the transaction that declared it. A CLOSE of a cursor that
 * is gone would fail, and inside another transaction abort it. */
static void close_cursor(pg_db *d, pg_stmt *s)
{
    if (!s->cursor[0])
        return;
    bool exists = PQstatus(d->c) == CONNECTION_OK && s->cursor_gen == d->generation &&
                  (s->hold || (d->in_tx && s->cursor_tx == d->tx_serial));
    if (exists) {
        char sql[48];
        snprintf(sql, sizeof sql, "CLOSE %s", s->cursor);
        PQclear(PQexec(d->c, sql));
        note_state(d);
    }
    s->cursor[0] = '\0';
}

static void pg_reset(xk_stmt *xs)
{
    pg_stmt *s = pst(xs);
    close_cursor(pdb(xs->db), s);
    drop_blobs(s);
    free(s->blobs);
    free(s->blob_len);
    s->blobs = NULL;
    s->blob_len = NULL;
    s->ncols = 0;
    PQclear(s->res);
    s->res = NULL;
    s->executed = false;
    s->row = s->rows = 0;
}

static void pg_clear_bindings(xk_stmt *xs)
{
    pg_stmt *s = pst(xs);
    /* a statement whose prepare found no memory for its arrays has some of them NULL */
    for (int i = 0; s->values && s->owned && s->lengths && s->formats && i < s->nparams; i++) {
        if (s->owned[i])
            free(s->values[i]);
        s->values[i] = NULL;
        s->owned[i] = false;
        s->lengths[i] = 0;
        s->formats[i] = 0;
    }
    s->failed = false;
}

static void pg_finalize(xk_stmt *xs)
{
    pg_stmt *s = pst(xs);
    pg_db *d = pdb(xs->db);
    pg_reset(xs);
    pg_clear_bindings(xs);
    if (*s->name && s->prepared_in == d->generation && PQstatus(d->c) == CONNECTION_OK) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
        PQclear(PQexec(d->c, sql));
    }
    free(s->sql);
    free(s->values);
    free(s->lengths);
    free(s->formats);
    free(s->owned);
    free(s->types);
    free(s);
}

static int pg_prepare(xk_db *db, const char *sql, xk_db_use use, xk_stmt **out)
{
    *out = NULL;
    pg_db *d = pdb(db);
    pg_stmt *s = calloc(1, sizeof *s);
    bool used[XK_PG_MAX_PARAMS + 1] = {false};
    if (!s || !(s->sql = translate(sql, &s->nparams, used))) {
        free(s);
        return out_of_memory(d);
    }
    if (s->nparams > XK_PG_MAX_PARAMS) { /* a composed query past the limit: a bug, not memory */
        free(s->sql);
        free(s);
        d->no_memory = false;
        snprintf(d->sqlstate, sizeof d->sqlstate, "54023");
        snprintf(d->message, sizeof d->message, "a statement with more than %d parameters",
                 XK_PG_MAX_PARAMS);
        return XK_DB_FAIL;
    }
    s->base.db = db;
    size_t np = (size_t)(s->nparams ? s->nparams : 1);
    s->values = calloc(np, sizeof *s->values);
    s->lengths = calloc(np, sizeof *s->lengths);
    s->formats = calloc(np, sizeof *s->formats);
    s->owned = calloc(np, sizeof *s->owned);
    s->types = calloc(np, sizeof *s->types);
    for (int i = 1; s->types && i <= s->nparams; i++)
        s->types[i - 1] = used[i] ? 0 : TEXT_OID;
    if (use == XK_DB_KEPT)
        snprintf(s->name, sizeof s->name, "xk%lu", ++d->names);
    s->scan = use == XK_DB_SCAN;
    if (!s->values || !s->lengths || !s->formats || !s->owned || !s->types) {
        pg_finalize(&s->base);
        return out_of_memory(d);
    }
    *out = &s->base;
    return XK_DB_OK;
}

/* A bind that found no memory: kept on the statement (see pg_stmt.failed). */
static int bind_failed(pg_stmt *s)
{
    s->failed = true;
    return out_of_memory(pdb(s->base.db));
}

static int set_param(pg_stmt *s, int i, char *v, int len, int format, bool owned)
{
    if (i < 1 || i > s->nparams) {
        if (owned)
            free(v);
        return XK_DB_FAIL;
    }
    if (s->owned[i - 1])
        free(s->values[i - 1]);
    s->values[i - 1] = v;
    s->lengths[i - 1] = len;
    s->formats[i - 1] = format;
    s->owned[i - 1] = owned;
    return XK_DB_OK;
}

static int pg_bind_text(xk_stmt *xs, int i, const char *v, int len)
{
    size_t n = len < 0 ? strlen(v ? v : "") : (size_t)len;
    char *copy = malloc(n + 1);
    if (!copy)
        return bind_failed(pst(xs));
    memcpy(copy, v ? v : "", n);
    copy[n] = '\0';
    return set_param(pst(xs), i, copy, (int)n, 0, true);
}

static int pg_bind_blob(xk_stmt *xs, int i, const void *v, size_t len, bool copy)
{
    if (len > (size_t)0x7fffffff)
        return XK_DB_FAIL;
    char *bytes = (char *)v;
    if (copy) {
        bytes = malloc(len ? len : 1);
        if (!bytes)
            return bind_failed(pst(xs));
        memcpy(bytes, v, len);
    }
    return set_param(pst(xs), i, bytes ? bytes : (char *)"", (int)len, 1, copy);
}

static int pg_bind_int64(xk_stmt *xs, int i, long long v)
{
    char *text = malloc(24);
    if (!text)
        return bind_failed(pst(xs));
    snprintf(text, 24, "%lld", v);
    return set_param(pst(xs), i, text, 0, 0, true);
}

static int pg_bind_null(xk_stmt *xs, int i)
{
    return set_param(pst(xs), i, NULL, 0, 0, false);
}

static PGresult *run(pg_db *d, pg_stmt *s)
{
    const char *const *values = (const char *const *)s->values;
    if (!*s->name)
        return PQexecParams(d->c, s->sql, s->nparams, s->types, values, s->lengths, s->formats,
                            0);
    if (s->prepared_in != d->generation) {
        PGresult *r = PQprepare(d->c, s->name, s->sql, s->nparams, s->types);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            return r;
        PQclear(r);
        s->prepared_in = d->generation;
    }
    return PQexecPrepared(d->c, s->name, s->nparams, values, s->lengths, s->formats, 0);
}

/* The next batch of a scan's rows: FETCH from its cursor. */
static PGresult *fetch(pg_db *d, pg_stmt *s)
{
    char sql[80];
    snprintf(sql, sizeof sql, "FETCH FORWARD %d FROM %s", XK_PG_FETCH_ROWS, s->cursor);
    PGresult *r = PQexec(d->c, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        s->last_batch = PQntuples(r) < XK_PG_FETCH_ROWS;
    return r;
}

/* A scan's first batch: its cursor declared with the statement's parameters, then fetched. */
static PGresult *open_cursor(pg_db *d, pg_stmt *s)
{
    char name[24];
    snprintf(name, sizeof name, "xkc%lu", ++d->cursors);
    bool hold = !d->in_tx;
    xk_buf sql;
    xk_buf_init(&sql);
    xk_buf_printf(&sql, "DECLARE %s NO SCROLL CURSOR%s FOR %s", name, hold ? " WITH HOLD" : "",
                  s->sql);
    if (sql.oom) {
        xk_buf_free(&sql);
        return NULL; /* PQresultStatus(NULL) is a fatal error; the caller notes the memory */
    }
    const char *const *values = (const char *const *)s->values;
    PGresult *r = PQexecParams(d->c, sql.data, s->nparams, s->types, values, s->lengths,
                               s->formats, 0);
    xk_buf_free(&sql);
    note_state(d);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        return r;
    PQclear(r);
    snprintf(s->cursor, sizeof s->cursor, "%s", name);
    s->hold = hold;
    s->cursor_gen = d->generation;
    s->cursor_tx = d->tx_serial;
    return fetch(d, s);
}

/* A scan whose batch is used up: the next one, while the cursor has rows left. XK_DB_ROW when
 * there is one, XK_DB_DONE at the end, XK_DB_FAIL when the FETCH failed. */
static int next_batch(pg_db *d, pg_stmt *s)
{
    if (!s->cursor[0] || s->last_batch)
        return XK_DB_DONE;
    drop_blobs(s);
    PQclear(s->res);
    s->res = fetch(d, s);
    note_state(d);
    if (PQresultStatus(s->res) != PGRES_TUPLES_OK) {
        note_result(d, s->res);
        PQclear(s->res);
        s->res = NULL;
        s->rows = s->row = 0;
        return XK_DB_FAIL;
    }
    s->rows = PQntuples(s->res);
    s->row = -1;
    return s->rows ? XK_DB_ROW : XK_DB_DONE;
}

static int pg_step(xk_stmt *xs)
{
    pg_stmt *s = pst(xs);
    pg_db *d = pdb(xs->db);
    if (s->failed)
        return out_of_memory(d);
    if (!s->executed) {
        if (!usable(d))
            return XK_DB_FAIL;
        PGresult *r = s->scan ? open_cursor(d, s) : run(d, s);
        note_state(d);
        ExecStatusType status = PQresultStatus(r);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            if (!r && s->scan)
                return out_of_memory(d);
            note_result(d, r);
            PQclear(r);
            close_cursor(d, s);
            return XK_DB_FAIL;
        }
        const char *tuples = PQcmdTuples(r);
        d->changes = tuples && *tuples ? atoll(tuples) : 0;
        s->res = r;
        s->executed = true;
        s->rows = status == PGRES_TUPLES_OK ? PQntuples(r) : 0;
        s->ncols = PQnfields(r);
        s->row = -1;
        s->blobs = calloc((size_t)(s->ncols ? s->ncols : 1), sizeof *s->blobs);
        s->blob_len = calloc((size_t)(s->ncols ? s->ncols : 1), sizeof *s->blob_len);
        if (!s->blobs || !s->blob_len) {
            s->failed = true;
            return out_of_memory(d);
        }
    }
    drop_blobs(s);
    if (s->row + 1 >= s->rows && s->scan) {
        int more = next_batch(d, s);
        if (more != XK_DB_ROW)
            return more;
    }
    if (s->row + 1 >= s->rows) {
        s->row = s->rows;
        return XK_DB_DONE;
    }
    s->row++;
    return XK_DB_ROW;
}

static bool has_value(pg_stmt *s, int c)
{
    return s->res && s->row >= 0 && s->row < s->rows && c >= 0 && c < s->ncols &&
           !PQgetisnull(s->res, s->row, c);
}

static int pg_column_count(xk_stmt *xs)
{
    return pst(xs)->res ? PQnfields(pst(xs)->res) : 0;
}

static bool pg_column_null(xk_stmt *xs, int c)
{
    return !has_value(pst(xs), c);
}

/* bytea arrives as text (\x…); it is decoded once per row and column. */
static const unsigned char *blob(pg_stmt *s, int c, size_t *len)
{
    if (!s->blobs[c]) {
        s->blobs[c] = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, c),
                                      &s->blob_len[c]);
        if (!s->blobs[c]) /* no memory (libpq's only failure here): the value reads empty */
            s->failed = true;
    }
    *len = s->blobs[c] ? s->blob_len[c] : 0;
    return s->blobs[c];
}

static const char *pg_column_text(xk_stmt *xs, int c)
{
    pg_stmt *s = pst(xs);
    if (!has_value(s, c))
        return NULL;
    return PQgetvalue(s->res, s->row, c);
}

static size_t pg_column_bytes(xk_stmt *xs, int c)
{
    pg_stmt *s = pst(xs);
    if (!has_value(s, c))
        return 0;
    size_t len;
    if (PQftype(s->res, c) == BYTEA_OID)
        return blob(s, c, &len) ? len : 0;
    return (size_t)PQgetlength(s->res, s->row, c);
}

static const void *pg_column_blob(xk_stmt *xs, int c)
{
    pg_stmt *s = pst(xs);
    if (!has_value(s, c))
        return NULL;
    size_t len;
    if (PQftype(s->res, c) == BYTEA_OID)
        return blob(s, c, &len);
    return PQgetvalue(s->res, s->row, c);
}

static long long pg_column_int64(xk_stmt *xs, int c)
{
    const char *v = pg_column_text(xs, c);
    if (v && (*v == 't' || *v == 'f')) /* a boolean (EXISTS, a comparison) reads as 1 or 0 */
        return *v == 't';
    return v ? strtoll(v, NULL, 10) : 0;
}

static const char *pg_column_name(xk_stmt *xs, int c)
{
    pg_stmt *s = pst(xs);
    return s->res && c >= 0 && c < s->ncols ? PQfname(s->res, c) : NULL;
}

static bool pg_column_is_blob(xk_stmt *xs, int c)
{
    pg_stmt *s = pst(xs);
    return has_value(s, c) && PQftype(s->res, c) == BYTEA_OID;
}

static int pg_exec(xk_db *db, const char *sql)
{
    pg_db *d = pdb(db);
    if (PQstatus(d->c) != CONNECTION_OK && d->in_tx && strcmp(sql, "ROLLBACK") == 0) {
        d->in_tx = false; /* the server ended it when the connection went */
        return XK_DB_OK;
    }
    if (!usable(d))
        return XK_DB_FAIL;
    PGresult *r = PQexec(d->c, sql);
    note_state(d);
    ExecStatusType status = PQresultStatus(r);
    int rc = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? XK_DB_OK : XK_DB_FAIL;
    if (rc != XK_DB_OK)
        note_result(d, r);
    PQclear(r);
    return rc;
}

static long long pg_changes(xk_db *db)
{
    return pdb(db)->changes;
}

static void pg_close(xk_db *db)
{
    PQfinish(pdb(db)->c);
    free(db);
}

/* Text columns are read from libpq's result as they are; a bind or a bytea decode may have
 * found no memory (pg_stmt.failed). */
static bool pg_failed(xk_stmt *xs)
{
    return pst(xs)->failed;
}

/* --- binary COPY ------------------------------------------------------------------------- */

static void be(xk_buf *b, unsigned long long v, int bytes)
{
    char out[8];
    for (int i = 0; i < bytes; i++)
        out[i] = (char)(v >> (8 * (bytes - 1 - i)));
    xk_buf_append(b, out, (size_t)bytes);
}

void xk_pgcopy_row(xk_buf *rows, int fields)
{
    be(rows, (unsigned)fields, 2);
}

void xk_pgcopy_bytes(xk_buf *rows, const void *v, size_t len)
{
    if (len > 0x7fffffff) { /* a field past COPY's length word: the stream is refused whole */
        rows->oom = true;
        return;
    }
    be(rows, len, 4);
    xk_buf_append(rows, v, len);
}

void xk_pgcopy_text(xk_buf *rows, const char *v)
{
    xk_pgcopy_bytes(rows, v ? v : "", v ? strlen(v) : 0);
}

void xk_pgcopy_int8(xk_buf *rows, long long v)
{
    be(rows, 8, 4);
    be(rows, (unsigned long long)v, 8);
}

void xk_pgcopy_int4(xk_buf *rows, int v)
{
    be(rows, 4, 4);
    be(rows, (unsigned)v, 4);
}

/* The rest of a COPY's results (there is one; more only after a protocol upset). */
static int copy_finish(pg_db *d)
{
    int rc = XK_DB_OK;
    PGresult *r;
    while ((r = PQgetResult(d->c))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == XK_DB_OK) {
            note_result(d, r);
            rc = XK_DB_FAIL;
        }
        PQclear(r);
    }
    note_state(d);
    return rc;
}

int xk_db_pg_copy_begin(xk_db *db, const char *sql)
{
    pg_db *d = pdb(db);
    static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
    if (!usable(d))
        return XK_DB_FAIL;
    PGresult *r = PQexec(d->c, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        note_result(d, r);
        PQclear(r);
        note_state(d);
        return XK_DB_FAIL;
    }
    PQclear(r);
    if (PQputCopyData(d->c, header, sizeof header) != 1) {
        note_result(d, NULL);
        PQputCopyEnd(d->c, "xuke could not send the rows");
        copy_finish(d);
        return XK_DB_FAIL;
    }
    return XK_DB_OK;
}

int xk_db_pg_copy_put(xk_db *db, xk_buf *rows)
{
    pg_db *d = pdb(db);
    if (rows->oom || rows->len > 0x7fffffff) /* the callers' pieces stay far below */
        return out_of_memory(d);
    if (rows->len && PQputCopyData(d->c, rows->data, (int)rows->len) != 1) {
        note_result(d, NULL);
        return XK_DB_FAIL;
    }
    xk_buf_reset(rows);
    return XK_DB_OK;
}

int xk_db_pg_copy_end(xk_db *db, int sent)
{
    pg_db *d = pdb(db);
    static const char trailer[2] = "\377\377"; /* a field count of -1 */
    bool memory = sent != XK_DB_OK && d->no_memory;
    bool ok = sent == XK_DB_OK && PQputCopyData(d->c, trailer, sizeof trailer) == 1;
    /* ended either way: on a failure to send, with an error, so the server drops the rows */
    if (PQputCopyEnd(d->c, ok ? NULL : "xuke could not send the rows") != 1 || !ok) {
        if (!memory && sent == XK_DB_OK)
            note_result(d, NULL);
        copy_finish(d);
        return memory ? out_of_memory(d) : XK_DB_FAIL;
    }
    return copy_finish(d);
}

int xk_db_pg_copy(xk_db *db, const char *sql, xk_buf *rows)
{
    if (rows->oom || rows->len > 0x7fffffff) /* before the COPY starts: nothing was sent */
        return out_of_memory(pdb(db));
    if (xk_db_pg_copy_begin(db, sql) != XK_DB_OK)
        return XK_DB_FAIL;
    return xk_db_pg_copy_end(db, xk_db_pg_copy_put(db, rows));
}

static const xk_db_ops pg_ops = {
    pg_prepare,     pg_bind_text,      pg_bind_blob,   pg_bind_int64,  pg_bind_null,
    pg_step,        pg_column_count,   pg_column_null, pg_column_text, pg_column_bytes,
    pg_column_blob, pg_column_int64,   pg_column_name, pg_column_is_blob, pg_reset,       pg_clear_bindings, pg_finalize,
    pg_exec,        pg_changes,        pg_failed,      pg_error,       pg_close,
};

xk_status xk_db_pg_open(const char *conninfo, xk_db **out, xk_error *err)
{
    *out = NULL;
    pg_db *d = calloc(1, sizeof *d);
    if (!d)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    d->base = (xk_db){&pg_ops, XK_DB_POSTGRES,
                      "BEGIN; SELECT pg_advisory_xact_lock(" WRITER_LOCK ")"};
    /* the location is expanded as a connection string; the names below fill what it leaves */
    const char *const keys[] = {"dbname", "application_name", "client_encoding", NULL};
    const char *const vals[] = {conninfo, "xuke", "UTF8", NULL};
    d->c = PQconnectdbParams(keys, vals, 1);
    char where[512];
    xk_db_redact(conninfo, where, sizeof where);
    if (!d->c || PQstatus(d->c) != CONNECTION_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", d->c ? PQerrorMessage(d->c) : "out of memory");
        size_t n = strlen(why);
        while (n && (why[n - 1] == '\n' || why[n - 1] == ' '))
            why[--n] = '\0';
        pg_close(&d->base);
        return xk_error_set(err, XK_EDB, 0, "cannot connect to the store %s: %s", where, why);
    }
    PQsetNoticeProcessor(d->c, quiet, NULL);
    d->generation = 1;
    /* a statement that waits on a lock for minutes is a stuck writer, not a busy one */
    char setup[64];
    snprintf(setup, sizeof setup, "SET lock_timeout = '%ds'", XK_PG_LOCK_TIMEOUT_SECONDS);
    if (pg_exec(&d->base, setup) != XK_DB_OK) {
        xk_status rc = pg_error(&d->base, err, "setting up the connection");
        pg_close(&d->base);
        return rc;
    }
    /* lz4 for the documents and records the registry stores (PostgreSQL 14 and later, when
     * built with it; Debian's is): the default, pglz, made compressing them the larger part of
     * a bulk import's time on the server. Speed only: a server without it keeps its default. */
    pg_exec(&d->base, "SET default_toast_compression = 'lz4'");
    *out = &d->base;
    return XK_OK;
}
