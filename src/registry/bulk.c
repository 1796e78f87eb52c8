/*
 * Bulk import as a two-stage pipeline: worker threads load inputs and extract documents ahead
 * of the storing thread, which writes them strictly in input order. Extraction and storing cost
 * about the same per licence, so on two cores this nearly doubles the import rate without
 * touching either half. SQLite is used by the storing thread only; the extractor keeps no
 * shared state. A window of slots bounds how far workers may run ahead, so memory stays flat
 * however many inputs there are.
 *
 * On SQLite the WAL is checkpointed beside the import too (checkpointer below): copying each
 * batch's pages from the WAL into the database file was a third of the storing thread's time.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "xuke/limits.h"
#include "xuke/registry.h"

#define WINDOW_PER_WORKER 64

typedef struct slot {
    bool ready;
    xk_status load_status;
    char *bytes;
    size_t len;
    bool json;
    xk_status parse_status;
    xk_licence *lic;
    bool prepared;
    xk_prepared prep; /* the record's JSON, hashes and duties, made on the worker too */
    xk_error err;
    char *text; /* a scan: the text read from it (the source stored), bytes the file */
    size_t text_len;
    char kind[8];
} slot;

typedef struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t ready_cv, room_cv;
    size_t n, next_claim, consumed, window;
    slot *slots;
    xk_load_fn load;
    void *load_ctx;
    const xk_parse_options *parse;
    xk_scan_fn scan;
    void *scan_ctx;
    bool stop;
    /* who sleeps, so that a handoff only wakes a thread that waits for it: a futex wake per
     * licence costs the storing thread more than a licence's index insert */
    size_t consumer_waits_for; /* the slot index + 1 the storing thread sleeps on, or 0 */
    int idle_workers;
} pipeline;

static void fill(pipeline *p, size_t i, slot *s)
{
    memset(s, 0, sizeof *s);
    xk_error_clear(&s->err);
    s->load_status = p->load(i, &s->bytes, &s->len, &s->err, p->load_ctx);
    if (s->load_status != XK_OK)
        return;
    if (p->scan) {
        xk_status rc = p->scan(s->bytes, s->len, &s->lic, &s->text, &s->text_len, s->kind,
                               &s->err, p->scan_ctx);
        if (rc != XK_ENOTFOUND) {
            s->parse_status = rc;
            if (rc == XK_OK && s->text)
                s->prepared = xk_store_prepare(s->lic, s->text, s->text_len, &s->prep) == XK_OK;
            return;
        }
        xk_error_clear(&s->err);
    }
    s->json = xk_input_is_json(s->bytes, s->len);
    if (s->json)
        return;
    s->parse_status = xk_licence_parse(s->bytes, s->len, p->parse, &s->lic, &s->err);
    if (s->parse_status == XK_OK)
        s->prepared = xk_store_prepare(s->lic, s->bytes, s->len, &s->prep) == XK_OK;
}

static void *worker(void *arg)
{
    pipeline *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next_claim < p->n && p->next_claim >= p->consumed + p->window) {
            p->idle_workers++;
            pthread_cond_wait(&p->room_cv, &p->mu);
            p->idle_workers--;
        }
        if (p->stop || p->next_claim >= p->n)
            break;
        size_t i = p->next_claim++;
        pthread_mutex_unlock(&p->mu);
        slot s;
        fill(p, i, &s);
        pthread_mutex_lock(&p->mu);
        s.ready = true;
        p->slots[i % p->window] = s;
        if (p->consumer_waits_for == i + 1)
            pthread_cond_signal(&p->ready_cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void take(pipeline *p, size_t i, slot *out)
{
    pthread_mutex_lock(&p->mu);
    slot *s = &p->slots[i % p->window];
    while (!s->ready) {
        p->consumer_waits_for = i + 1;
        pthread_cond_wait(&p->ready_cv, &p->mu);
    }
    p->consumer_waits_for = 0;
    *out = *s;
    s->ready = false;
    p->consumed = i + 1;
    /* room for more: wake the sleeping workers when a quarter of the window is free, not at
     * every slot */
    if (p->idle_workers && p->next_claim + p->window / 4 <= p->consumed + p->window)
        pthread_cond_broadcast(&p->room_cv);
    pthread_mutex_unlock(&p->mu);
}

/* Reports pass through with the input's index; stored licences are counted for batching, and
 * by outcome since the last commit, so a rollback can take them back (xk_import_report.undone). */
typedef struct relay {
    xk_import_fn fn;
    void *ctx;
    size_t item, stored, failed;
    size_t pending[4]; /* by xk_import_outcome */
} relay;

static void relay_report(const xk_import_report *r, void *vctx)
{
    relay *rl = vctx;
    xk_import_report copy = *r;
    copy.item = rl->item;
    if (r->status == XK_OK) {
        rl->stored++;
        if (r->result.outcome >= XK_IMPORT_NEW && r->result.outcome <= XK_IMPORT_UNCHANGED)
            rl->pending[r->result.outcome]++;
    } else {
        rl->failed++;
    }
    rl->fn(&copy, rl->ctx);
}

/* The open transaction was rolled back: says so once (a store error not yet reported), then
 * takes back what it had reported stored since the last commit. */
static void relay_undo(relay *rl, xk_status why, const xk_error *store_err)
{
    if (store_err) {
        xk_import_report r = {rl->item, "", why, NULL, {0, 0}, store_err, 0};
        rl->fn(&r, rl->ctx);
    }
    for (int o = XK_IMPORT_NEW; o <= XK_IMPORT_UNCHANGED; o++) {
        if (!rl->pending[o])
            continue;
        xk_import_report r = {rl->item, "", why, NULL, {(xk_import_outcome)o, 0}, NULL,
                              rl->pending[o]};
        rl->fn(&r, rl->ctx);
        rl->pending[o] = 0;
    }
}

static xk_status store_one(xk_store *st, const slot *s, const xk_parse_options *parse,
                           relay *rl)
{
    if (s->load_status != XK_OK) {
        xk_import_report r = {rl->item, "", s->load_status, NULL, {0, 0}, &s->err, 0};
        rl->failed++;
        rl->fn(&r, rl->ctx);
        return XK_EINVALID;
    }
    if (s->json)
        return xk_import_bytes(st, s->bytes, s->len, parse, relay_report, rl);
    if (!s->text)
        return xk_import_parsed(st, s->bytes, s->len, s->parse_status, s->lic, &s->err,
                                s->prepared ? &s->prep : NULL, relay_report, rl);
    /* a scan: the text read is the source; the file is kept beside it, in the same batch */
    size_t before = rl->stored;
    xk_status rc = xk_import_parsed(st, s->text, s->text_len, s->parse_status, s->lic, &s->err,
                                    s->prepared ? &s->prep : NULL, relay_report, rl);
    if (rc != XK_OK || rl->stored == before)
        return rc;
    char sha[XK_SHA256_HEX];
    xk_store_sha256_hex(s->text, s->text_len, sha);
    xk_error err;
    rc = xk_store_put_original(st, sha, 1, s->bytes, s->len, s->kind, &err);
    if (rc != XK_OK) {
        xk_import_report r = {rl->item, "", rc, NULL, {0, 0}, &err, 0};
        rl->fn(&r, rl->ctx);
    }
    return rc;
}

static int default_workers(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 1 ? (int)cores : 1;
}

/* The page cache for the next batch of a bulk import (XK_IMPORT_CACHE_MAX_MIB says why), or
 * back to the store's usual size (end). Tuning only, like wal_interval below. */
static void bulk_cache(xk_store *st, bool end)
{
    if (xk_store_is_pg(st)) /* the server's memory is the server's to tune */
        return;
    long long kib = STORE_CACHE_KIB;
    xk_stmt *s;
    if (!end && xk_db_prepare(st->db, "SELECT page_count * page_size FROM "
                                           "pragma_page_count(), pragma_page_size()", &s) == XK_DB_OK) {
        if (xk_db_step(s) == XK_DB_ROW)
            kib = xk_db_column_int64(s, 0) / 1024 / 8;
        xk_db_finalize(s);
    }
    if (kib < STORE_CACHE_KIB)
        kib = STORE_CACHE_KIB;
    if (kib > XK_IMPORT_CACHE_MAX_MIB * 1024LL)
        kib = XK_IMPORT_CACHE_MAX_MIB * 1024LL;
    char sql[48];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%lld", kib);
    xk_db_exec(st->db, sql);
}

/* --- checkpoints beside the import (SQLite) ---------------------------------------------------
 * A checkpoint copies the pages committed to the WAL into the database file. Left to the storing
 * connection (SQLite's automatic checkpoint, run inside COMMIT) it stalls the import for the
 * copy of every batch; here a thread with its own connection to the file does it while the
 * next batch is written (a PASSIVE checkpoint runs beside a writer). The WAL only starts again
 * from its beginning when a write begins with every frame copied, which a checkpoint running
 * beside the writer never allows: so when the WAL reaches XK_IMPORT_WAL_MAX_PAGES the storing
 * thread waits for the thread and copies the rest itself, once every few batches instead of
 * at every one. Tuning only: a checkpoint that fails changes speed, never content (the WAL
 * keeps the pages until one succeeds; the import's end checkpoints what is left). */
typedef struct checkpointer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    sqlite3 *db; /* the thread's own connection; NULL: the storing one checkpoints as before */
    bool stop;
    unsigned long asked, done; /* rounds asked for by the storing thread, and finished */
    int wal_frames;            /* the WAL's size after the last commit (storing thread only) */
} checkpointer;

static void *checkpoint_loop(void *arg)
{
    checkpointer *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->stop && c->done == c->asked)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop)
            break;
        unsigned long round = c->asked;
        pthread_mutex_unlock(&c->mu);
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
        c->done = round;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* SQLite's WAL hook, on the storing thread after each commit: in place of the automatic
 * checkpoint, asks the thread for one. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    checkpointer *c = arg;
    c->wal_frames = frames;
    if (frames >= XK_IMPORT_WAL_PAGES) {
        pthread_mutex_lock(&c->mu);
        c->asked++;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    return SQLITE_OK;
}

/* Starts the thread for a SQLite store that can be written; otherwise (or when its connection
 * or thread cannot be had) leaves c->db NULL and the automatic checkpoint in place. */
static void checkpointer_start(xk_store *st, checkpointer *c)
{
    memset(c, 0, sizeof *c);
    sqlite3 *h = xk_db_sqlite_handle(st->db);
    const char *file = h && !st->read_only ? sqlite3_db_filename(h, "main") : NULL;
    if (!file || !*file)
        return;
    if (sqlite3_open_v2(file, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK ||
        /* a read first: a connection learns that the file is in WAL mode, and so has a WAL to
         * checkpoint, when it first reads it */
        sqlite3_exec(c->db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(c->db);
        c->db = NULL;
        return;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->thread, NULL, checkpoint_loop, c) != 0) {
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        sqlite3_close(c->db);
        c->db = NULL;
        return;
    }
    sqlite3_wal_hook(h, on_commit, c);
}

/* After a commit: when the WAL has grown to its bound, waits for the thread and copies the rest
 * here, so that the next batch starts the WAL again from its beginning. */
static void checkpointer_bound(xk_store *st, checkpointer *c)
{
    if (!c->db || c->wal_frames < XK_IMPORT_WAL_MAX_PAGES)
        return;
    pthread_mutex_lock(&c->mu);
    while (c->done != c->asked)
        pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
    sqlite3_wal_checkpoint_v2(xk_db_sqlite_handle(st->db), NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
                              NULL);
    c->wal_frames = 0;
}

/* Stops the thread (after its round) and gives the storing connection its automatic checkpoint
 * back. */
static void checkpointer_stop(xk_store *st, checkpointer *c)
{
    if (!c->db)
        return;
    sqlite3_wal_autocheckpoint(xk_db_sqlite_handle(st->db), XK_IMPORT_WAL_PAGES);
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    sqlite3_close(c->db);
    c->db = NULL;
}

/* PostgreSQL: plain documents (read and prepared by the workers, storable) wait here and are
 * stored together by xk_store_put_batch, a few round trips for all of them instead of a score
 * for each. Anything else stores the waiting ones first, so the reports and the audit chain
 * keep the input's order. */
typedef struct waiting {
    slot *slots;
    size_t *items; /* each one's input index */
    xk_batch_item *batch;
    size_t n, cap;
} waiting;

static bool batchable(const xk_store *st, const slot *s)
{
    return xk_store_is_pg(st) && s->load_status == XK_OK && !s->json && !s->text &&
           s->parse_status == XK_OK && s->prepared && s->lic && s->lic->number &&
           *s->lic->number && !xk_licence_error_count(s->lic);
}

static void slot_free(slot *s)
{
    free(s->bytes);
    free(s->text);
    xk_prepared_free(&s->prep);
    xk_licence_free(s->lic);
}

static void waiting_drop(waiting *w)
{
    for (size_t k = 0; k < w->n; k++)
        slot_free(&w->slots[k]);
    w->n = 0;
}

/* Stores the waiting documents and reports each, in order; a store error is reported once
 * (the caller rolls back and takes back what was reported since the last commit). */
static xk_status waiting_store(xk_store *st, waiting *w, relay *rl)
{
    if (!w->n)
        return XK_OK;
    for (size_t k = 0; k < w->n; k++) {
        slot *s = &w->slots[k];
        w->batch[k] = (xk_batch_item){s->lic, s->bytes, s->len, "text", &s->prep, {0, 0}};
    }
    xk_error err;
    xk_error_clear(&err);
    xk_status rc = xk_store_put_batch(st, w->batch, w->n, &err);
    if (rc != XK_OK) { /* named at the batch's first input: the row is the server's to say */
        if (w->n > 1) {
            size_t len = strlen(err.message);
            snprintf(err.message + len, sizeof err.message - len,
                     " (storing the %zu licences from this input on together)", w->n);
        }
        xk_import_report r = {0, "", rc, NULL, {0, 0}, &err, 0};
        rl->item = w->items[0];
        relay_report(&r, rl);
    }
    for (size_t k = 0; rc == XK_OK && k < w->n; k++) {
        xk_import_report r = {0, "", XK_OK, w->slots[k].lic, w->batch[k].res, NULL, 0};
        rl->item = w->items[k];
        relay_report(&r, rl);
    }
    waiting_drop(w);
    return rc;
}

/* Commits the open batch (what the relay counted is then final) and, when reopen, opens the
 * next. */
static xk_status commit_batch(xk_store *st, relay *rl, checkpointer *ck, bool reopen,
                              xk_error *err)
{
    xk_status rc = xk_store_commit(st, err);
    if (rc != XK_OK)
        return rc;
    checkpointer_bound(st, ck);
    memset(rl->pending, 0, sizeof rl->pending);
    if (!reopen)
        return XK_OK;
    bulk_cache(st, false);
    return xk_store_begin(st, err);
}

/* The storing side: consume in order, batch, stop on a store error (or any failure if strict). */
static xk_status consume(xk_store *st, pipeline *p, const xk_bulk_options *o, size_t batch,
                         relay *rl, waiting *w, checkpointer *ck)
{
    xk_error err;
    xk_status rc = xk_store_begin(st, &err), acc = XK_OK;
    size_t since_commit = 0;
    for (size_t i = 0; rc == XK_OK && i < p->n; i++) {
        slot s;
        take(p, i, &s);
        size_t before = rl->stored;
        xk_status one;
        if (w->cap && batchable(st, &s)) {
            w->slots[w->n] = s;
            w->items[w->n++] = i;
            bool full = w->n >= w->cap || (!o->strict && since_commit + w->n >= batch);
            one = full ? waiting_store(st, w, rl) : XK_OK;
        } else {
            one = waiting_store(st, w, rl);
            rl->item = i;
            if (one == XK_OK)
                one = store_one(st, &s, p->parse, rl);
            else
                xk_licence_free(s.lic); /* never reached xk_import_parsed */
            free(s.bytes);
            free(s.text);
            /* s.lic went to xk_import_parsed; JSON inputs and failed loads have none */
            xk_prepared_free(&s.prep);
        }
        if (one == XK_EDB || one == XK_ENOMEM || (o->strict && one != XK_OK)) {
            waiting_drop(w);
            xk_store_rollback(st); /* the failing input reported its own error */
            xk_status why = one == XK_EDB || one == XK_ENOMEM ? one : XK_EINVALID;
            relay_undo(rl, why, NULL);
            return why;
        }
        if (one != XK_OK)
            acc = XK_EINVALID;
        since_commit += rl->stored - before;
        if (!o->strict && since_commit >= batch) {
            rc = commit_batch(st, rl, ck, true, &err);
            since_commit = 0;
        }
    }
    if (rc == XK_OK && (rc = waiting_store(st, w, rl)) != XK_OK) {
        xk_store_rollback(st); /* waiting_store reported the error */
        relay_undo(rl, rc, NULL);
        return rc;
    }
    if (rc == XK_OK)
        rc = commit_batch(st, rl, ck, false, &err);
    if (rc != XK_OK) {
        waiting_drop(w);
        xk_store_rollback(st);
        relay_undo(rl, rc, &err);
    }
    return rc == XK_OK ? acc : rc;
}

/* The checkpoint interval for a bulk import (pages), or back to SQLite's default (0): then the
 * WAL is checkpointed and truncated, unless a reader holds it (it is then done later, by
 * SQLite's own checkpoints). Tuning only: a failure here changes speed, never content. */
static void wal_interval(xk_store *st, int pages)
{
    if (st->read_only || xk_store_is_pg(st))
        return;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint=%d", pages ? pages : 1000);
    xk_db_exec(st->db, sql);
    if (!pages)
        sqlite3_wal_checkpoint_v2(xk_db_sqlite_handle(st->db), NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                  NULL, NULL);
}

xk_status xk_import_bulk(xk_store *st, size_t n, xk_load_fn load, void *load_ctx,
                         const xk_bulk_options *opt, xk_import_fn fn, void *ctx)
{
    xk_bulk_options o = opt ? *opt : (xk_bulk_options){NULL, 0, 0, false, NULL, NULL};
    int workers = o.workers > 0 ? o.workers : default_workers();
    size_t batch = o.batch ? o.batch : XK_IMPORT_BATCH;
    pipeline p;
    memset(&p, 0, sizeof p);
    /* PostgreSQL: up to XK_PG_IMPORT_ROWS documents stored together (waiting) */
    size_t wait_cap = xk_store_is_pg(st) ? (batch < XK_PG_IMPORT_ROWS ? batch : XK_PG_IMPORT_ROWS)
                                         : 0;
    p.n = n;
    /* PostgreSQL: room for the next batch too, so the workers extract it while the storing
     * thread waits on the server for this one (with the window alone they stopped after 128
     * and the two halves ran one after the other) */
    p.window = (size_t)workers * WINDOW_PER_WORKER + wait_cap;
    p.load = load;
    p.load_ctx = load_ctx;
    p.parse = o.parse;
    p.scan = o.scan;
    p.scan_ctx = o.scan_ctx;
    p.slots = calloc(p.window, sizeof *p.slots);
    pthread_t *threads = calloc((size_t)workers, sizeof *threads);
    if (!p.slots || !threads) {
        free(p.slots);
        free(threads);
        return XK_ENOMEM;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.ready_cv, NULL);
    pthread_cond_init(&p.room_cv, NULL);
    int started = 0;
    for (; started < workers; started++)
        if (pthread_create(&threads[started], NULL, worker, &p) != 0)
            break;
    xk_status rc;
    relay rl = {.fn = fn, .ctx = ctx};
    waiting wait = {calloc(wait_cap ? wait_cap : 1, sizeof(slot)),
                    calloc(wait_cap ? wait_cap : 1, sizeof(size_t)),
                    calloc(wait_cap ? wait_cap : 1, sizeof(xk_batch_item)), 0, wait_cap};
    if (!wait.slots || !wait.items || !wait.batch)
        started = 0; /* as if no worker started: out of memory */
    if (started == 0) {
        rc = XK_ENOMEM;
    } else {
        wal_interval(st, XK_IMPORT_WAL_PAGES);
        checkpointer ck;
        checkpointer_start(st, &ck); /* after wal_interval: its hook replaces the automatic one */
        bulk_cache(st, false); /* an import into a large store: from its first batch */
        rc = consume(st, &p, &o, batch, &rl, &wait, &ck);
        checkpointer_stop(st, &ck);
        wal_interval(st, 0);
        bulk_cache(st, true);
        xk_store_after_bulk(st, rl.stored);
    }
    pthread_mutex_lock(&p.mu);
    p.stop = true;
    pthread_cond_broadcast(&p.room_cv);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    for (size_t i = 0; i < p.window; i++) /* work done ahead of a stop */
        if (p.slots[i].ready) {
            free(p.slots[i].bytes);
            free(p.slots[i].text);
            xk_prepared_free(&p.slots[i].prep);
            xk_licence_free(p.slots[i].lic);
        }
    waiting_drop(&wait);
    free(wait.slots);
    free(wait.items);
    free(wait.batch);
    pthread_cond_destroy(&p.ready_cv);
    pthread_cond_destroy(&p.room_cv);
    pthread_mutex_destroy(&p.mu);
    free(p.slots);
    free(threads);
    return rc;
}
