/*
 * Registry benchmark: extraction speed, bulk import, store size, and the latency of `get`,
 * domain lookup and company search, each printed beside a reference measured in the same run
 * on the same machine:
 *   extraction   vs. a memchr pass over the same bytes (the ceiling of any byte scanner)
 *   import       vs. raw SQLite inserts of the same document bytes into one plain table
 *   get, domain  vs. a raw SQLite primary-key fetch
 *   company      vs. a LIKE scan over the company column (what a query without the index does)
 *
 * usage: bench_registry [--count N] [--queries Q] [--dir DIR] [--reuse yes] [--rules no]
 *                       [--store LOCATION] [--seed N] [--extraction no] [--raw no]
 *        bench_registry --extraction-only
 *   --reuse yes: use the stores an earlier run with the same --count left in DIR (queries and
 *   rules only, no import); --rules no: leave the rules out (bench/report.py measures the
 *   import's and the rules' memory in separate runs); --store LOCATION: measure the store at
 *   LOCATION (an empty PostgreSQL database: postgresql://… or key=value) instead of a file in
 *   DIR; the raw-SQLite references stay files in DIR, and the two that scan the store's own
 *   file (LIKE, rules columns) find no such table there and read as 0; --seed N: the corpus
 *   seed of bench/synth.c (default 1), whose documents are the seeds' size (about 12 KB);
 *   --extraction no: leave the extraction figure out (it holds up to 20,000 documents in
 *   memory, which would count in the peak memory measured for the import); --raw no: leave
 *   the raw-SQLite references out (they print as 0): a table of every document, as large as
 *   the documents themselves (16 GB at a million), that a PostgreSQL run beside the SQLite one
 *   (bench/pg_bench.py) has no use for
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "synth.h"
#include "xuke/agenda.h"
#include "xuke/registry.h"
#include "xuke/store.h"
#include "xuke/xuke.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct lat {
    double *v;
    size_t n;
} lat;

static void lat_report(const char *name, lat *l, const char *ref_name, lat *ref)
{
    qsort(l->v, l->n, sizeof *l->v, cmp_double);
    qsort(ref->v, ref->n, sizeof *ref->v, cmp_double);
    double sum = 0, rsum = 0;
    for (size_t i = 0; i < l->n; i++)
        sum += l->v[i];
    for (size_t i = 0; i < ref->n; i++)
        rsum += ref->v[i];
    printf("%-22s mean %8.1f µs  p50 %8.1f µs  p99 %8.1f µs   | %-26s mean %8.1f µs  p99 %8.1f µs\n",
           name, sum / (double)l->n * 1e6, l->v[l->n / 2] * 1e6, l->v[l->n * 99 / 100] * 1e6,
           ref_name, rsum / (double)ref->n * 1e6, ref->v[ref->n * 99 / 100] * 1e6);
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

/* A store's size: the database file and its write-ahead log (a small store may be all WAL). */
static long long store_size(const char *path)
{
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    return file_size(path) + file_size(wal);
}

static void bench_extraction(size_t count)
{
    xk_buf doc;
    xk_buf_init(&doc);
    char number[64], domain[64], part[64];
    size_t n = count < 20000 ? count : 20000, bytes = 0;
    char **docs = malloc(n * sizeof *docs);
    size_t *lens = malloc(n * sizeof *lens);
    for (size_t i = 0; i < n; i++) {
        synth_document(i, &doc, number, domain, part);
        docs[i] = strdup(doc.data);
        lens[i] = doc.len;
        bytes += doc.len;
    }
    double t0 = now();
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        xk_licence *lic;
        if (xk_licence_parse(docs[i], lens[i], NULL, &lic, NULL) == XK_OK)
            ok++;
        xk_licence_free(lic);
    }
    double t1 = now();
    size_t newlines = 0;
    for (int rep = 0; rep < 20; rep++)
        for (size_t i = 0; i < n; i++)
            for (const char *p = docs[i]; (p = memchr(p, '\n', lens[i] - (size_t)(p - docs[i])));
                 p++)
                newlines++;
    double t2 = now();
    double mb = (double)bytes / 1e6;
    printf("%-22s %8.1f MB/s  %8.0f docs/s of %.0f bytes (%zu of %zu valid)   | %-26s %8.1f "
           "MB/s\n",
           "extraction (1 core)", mb / (t1 - t0), (double)n / (t1 - t0), (double)bytes / (double)n,
           ok, n, "memchr line scan", mb * 20 / (t2 - t1));
    if (newlines == 0)
        printf("(no lines?)\n");
    for (size_t i = 0; i < n; i++)
        free(docs[i]);
    free(docs);
    free(lens);
    xk_buf_free(&doc);
}

/* Bytes per document of the corpus's first documents (at most 2,000), printed beside every
 * per-document figure: a rate per licence means little without the licence's size. */
static double mean_bytes(size_t count)
{
    xk_buf doc;
    xk_buf_init(&doc);
    char number[64], domain[64], part[64];
    size_t n = count < 2000 ? count : 2000, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        synth_document(i, &doc, number, domain, part);
        bytes += doc.len;
    }
    xk_buf_free(&doc);
    return n ? (double)bytes / (double)n : 0.0;
}

/* Raw ceiling: the same document bytes inserted into one plain table, same batching. */
static double raw_import(const char *path, size_t count, sqlite3 **out)
{
    remove(path);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE raw(id INTEGER PRIMARY KEY, body BLOB)",
                 NULL, NULL, NULL);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "INSERT INTO raw(id, body) VALUES (?1, ?2)", -1, &s, NULL);
    xk_buf doc;
    xk_buf_init(&doc);
    char number[64], domain[64], part[64];
    double spent = 0;
    for (size_t i = 0; i < count; i++) {
        synth_document(i, &doc, number, domain, part);
        double t = now();
        if (i % XK_IMPORT_BATCH == 0)
            sqlite3_exec(db, i ? "COMMIT; BEGIN" : "BEGIN", NULL, NULL, NULL);
        sqlite3_bind_int64(s, 1, (sqlite3_int64)i + 1);
        sqlite3_bind_blob(s, 2, doc.data, (int)doc.len, SQLITE_STATIC);
        sqlite3_step(s);
        sqlite3_reset(s);
        spent += now() - t;
    }
    double t = now();
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    spent += now() - t;
    sqlite3_finalize(s);
    xk_buf_free(&doc);
    *out = db;
    return spent;
}

/* Inputs for the pipelined import: document i of the synthetic corpus, made on a worker. */
static xk_status synth_load(size_t i, char **bytes, size_t *len, xk_error *err, void *ctx)
{
    (void)ctx;
    xk_buf doc;
    xk_buf_init(&doc);
    char number[64], domain[64], part[64];
    synth_document(i, &doc, number, domain, part);
    *len = doc.len;
    *bytes = xk_buf_take(&doc);
    return *bytes ? XK_OK : xk_error_set(err, XK_ENOMEM, 0, "out of memory");
}

static void count_failures(const xk_import_report *r, void *ctx)
{
    if (r->status != XK_OK)
        (*(size_t *)ctx)++;
}

/* The import as `xuke import` runs it: extraction on a worker thread, storing on this one. */
static double xuke_import(xk_store *st, size_t count, size_t *failed)
{
    *failed = 0;
    xk_bulk_options o = {NULL, 0, 0, false, NULL, NULL} /* the default batch */;
    double t = now();
    xk_import_bulk(st, count, synth_load, NULL, &o, count_failures, failed);
    return now() - t;
}

static bool count_hit(const xk_hit *h, void *ctx)
{
    (void)h;
    (*(size_t *)ctx)++;
    return true;
}

static void bench_queries(xk_store *st, sqlite3 *raw, const char *db_path, size_t count,
                          size_t q)
{
    lat get = {calloc(q, sizeof(double)), q}, getrec = {calloc(q, sizeof(double)), q};
    lat dom = {calloc(q, sizeof(double)), q}, comp = {calloc(q, sizeof(double)), q};
    lat ref = {calloc(q, sizeof(double)), q}, like = {calloc(q, sizeof(double)), q};
    lat common = {calloc(q, sizeof(double)), q};
    xk_buf doc;
    xk_buf_init(&doc);
    char number[64], domain[64], part[64];
    sqlite3_stmt *pk = NULL, *lk;
    if (raw)
        sqlite3_prepare_v2(raw, "SELECT body FROM raw WHERE id = ?1", -1, &pk, NULL);
    unsigned long long seed = 42;
    size_t hits = 0, misses = 0;
    for (size_t k = 0; k < q; k++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t i = (size_t)(seed >> 33) % count;
        synth_document(i, &doc, number, domain, part);
        xk_error err;
        char *json;
        double t = now();
        if (xk_store_get_json(st, number, 0, &json, NULL, &err) == XK_OK)
            free(json);
        else
            misses++;
        get.v[k] = now() - t;
        xk_licence *lic;
        t = now();
        if (xk_store_get(st, number, 0, &lic, NULL, &err) == XK_OK)
            xk_licence_free(lic);
        getrec.v[k] = now() - t;
        xk_query qq;
        xk_query_init(&qq);
        char host[96];
        snprintf(host, sizeof host, "www.%s", domain);
        qq.domain = host;
        qq.limit = 10;
        size_t before = hits;
        t = now();
        xk_store_search(st, &qq, count_hit, &hits, &err);
        dom.v[k] = now() - t;
        (void)before;
        xk_query_init(&qq);
        qq.company = part;
        qq.limit = 20;
        t = now();
        xk_store_search(st, &qq, count_hit, &hits, &err);
        comp.v[k] = now() - t;
        /* a common fragment: two of the 24 words, shared by ~1/576 of all names */
        char common_part[16];
        snprintf(common_part, sizeof common_part, "%.6s%.6s", domain[4] % 2 ? "小荷" : "星河",
                 domain[5] % 2 ? "启明" : "蓝海");
        qq.company = common_part;
        t = now();
        xk_store_search(st, &qq, count_hit, &hits, &err);
        common.v[k] = now() - t;
        if (!pk)
            continue;
        t = now();
        sqlite3_bind_int64(pk, 1, (sqlite3_int64)i + 1);
        sqlite3_step(pk);
        sqlite3_reset(pk);
        ref.v[k] = now() - t;
    }
    /* the LIKE scan reads every row: measure it on fewer queries, same fragments and order */
    size_t nl = q < 50 ? q : 50;
    like.n = nl;
    sqlite3 *ro;
    sqlite3_open_v2(db_path, &ro, SQLITE_OPEN_READONLY, NULL);
    sqlite3_prepare_v2(ro, "SELECT number FROM licences WHERE company LIKE ?1 AND removed = 0 "
                           "ORDER BY number LIMIT 20", -1, &lk, NULL);
    for (size_t k = 0; k < nl; k++) {
        synth_document((k * 7919) % count, &doc, number, domain, part);
        char pattern[96];
        snprintf(pattern, sizeof pattern, "%%%s%%", part);
        double t = now();
        sqlite3_bind_text(lk, 1, pattern, -1, SQLITE_STATIC);
        while (sqlite3_step(lk) == SQLITE_ROW)
            ;
        sqlite3_reset(lk);
        like.v[k] = now() - t;
    }
    sqlite3_finalize(lk);
    sqlite3_close(ro);
    printf("(%zu queries; %zu hits; %zu gets missed)\n", q, hits, misses);
    lat_report("get --json (stored)", &get, "raw SQLite PK fetch", &ref);
    lat_report("get (decoded record)", &getrec, "raw SQLite PK fetch", &ref);
    lat_report("domain lookup", &dom, "raw SQLite PK fetch", &ref);
    lat_report("company (distinctive)", &comp, "LIKE scan, no index", &like);
    lat_report("company (common, 1/576)", &common, "LIKE scan, no index", &like);
    free(common.v);
    free(like.v);
    sqlite3_finalize(pk);
    xk_buf_free(&doc);
    free(get.v);
    free(getrec.v);
    free(dom.v);
    free(ref.v);
    free(comp.v);
}

static bool count_status(const xk_status_row *r, void *ctx)
{
    size_t *c = ctx;
    c[r->status]++;
    return true;
}

/* Status and agenda over the whole registry, after recording events for one licence in ten;
 * reference: a raw scan of the columns the rules read. */
static void bench_rules(xk_store *st, const char *db_path, size_t count, bool record_events)
{
    xk_error err;
    xk_calendar *cal;
    if (xk_calendar_load(xk_calendar_default_path(NULL), &cal, &err) != XK_OK) {
        printf("rules: %s\n", err.message);
        return;
    }
    xk_buf doc;
    xk_buf_init(&doc);
    char number[64], domain[64], part[64];
    size_t events = 0;
    double t = now();
    xk_store_begin(st, &err);
    for (size_t i = 0; record_events && i < count; i += 10) {
        synth_document(i, &doc, number, domain, part);
        xk_event ev;
        memset(&ev, 0, sizeof ev);
        snprintf(ev.type, sizeof ev.type, "%s", i % 20 ? "illegal_info_handled" : "change_decided");
        ev.date = (xk_date){2026, 3, 2};
        long id;
        if (xk_store_event_add(st, number, &ev, &id, &err) == XK_OK)
            events++;
    }
    xk_store_commit(st, &err);
    double t_events = now() - t;
    xk_date as_of = {2026, 11, 23};
    size_t counts[6] = {0};
    t = now();
    xk_status rc = xk_status_scan(st, cal, as_of, NULL, count_status, counts, &err);
    double t_status = now() - t;
    xk_agenda a;
    t = now();
    xk_status rc2 = xk_agenda_build(st, cal, as_of, 90, NULL, &a, &err);
    double t_agenda = now() - t;
    sqlite3 *ro;
    sqlite3_open_v2(db_path, &ro, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(ro, "SELECT number, company, issued, expires, removed, duties FROM licences",
                       -1, &s, NULL);
    size_t rows = 0;
    t = now();
    while (sqlite3_step(s) == SQLITE_ROW)
        rows++;
    double t_raw = now() - t;
    sqlite3_finalize(s);
    sqlite3_close(ro);
    printf("(%zu events recorded in %.1f s; %zu valid, %zu renewal due, %zu renewal overdue, %zu "
           "expired; agenda within 90 days: %zu items)\n",
           events, t_events, counts[XK_STATUS_VALID], counts[XK_STATUS_RENEWAL_DUE],
           counts[XK_STATUS_RENEWAL_OVERDUE], counts[XK_STATUS_EXPIRED], rc2 == XK_OK ? a.n : 0);
    printf("%-22s %8.3f s for %zu licences%s       | %-26s %8.3f s\n", "status (all)", t_status,
           count, rc == XK_OK ? "" : " (FAILED)", "raw scan of the same rows", t_raw);
    printf("%-22s %8.3f s for %zu licences%s       | %-26s %8.3f s\n", "agenda (90 days)",
           t_agenda, count, rc2 == XK_OK ? "" : " (FAILED)", "raw scan of the same rows", t_raw);
    (void)rows;
    if (rc2 == XK_OK)
        xk_agenda_free(&a);
    xk_buf_free(&doc);
    xk_calendar_free(cal);
}

int main(int argc, char **argv)
{
    size_t count = 100000, queries = 2000;
    const char *dir = "bench/out", *store = NULL;
    bool reuse = false, rules = true, extraction = true, raw_ref = true;
    if (argc == 2 && strcmp(argv[1], "--extraction-only") == 0) {
        for (int rep = 0; rep < 5; rep++)
            bench_extraction(20000);
        return 0;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--count") == 0)
            count = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--queries") == 0)
            queries = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--dir") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "--reuse") == 0)
            reuse = strcmp(argv[i + 1], "yes") == 0;
        else if (strcmp(argv[i], "--seed") == 0)
            synth_seed(strtoull(argv[i + 1], NULL, 10));
        else if (strcmp(argv[i], "--store") == 0)
            store = argv[i + 1];
        else if (strcmp(argv[i], "--rules") == 0) /* "no": import and queries only */
            rules = strcmp(argv[i + 1], "no") != 0;
        else if (strcmp(argv[i], "--extraction") == 0) /* "no": its documents held in memory
                                                          would count in the import's peak */
            extraction = strcmp(argv[i + 1], "no") != 0;
        else if (strcmp(argv[i], "--raw") == 0)
            raw_ref = strcmp(argv[i + 1], "no") != 0;
    }
    mkdir(dir, 0755);
    char path[512], raw_path[512];
    snprintf(path, sizeof path, "%s/bench.db", dir);
    if (store)
        snprintf(path, sizeof path, "%s", store);
    snprintf(raw_path, sizeof raw_path, "%s/raw.db", dir);
    printf("registry benchmark: %zu licences\n", count);
    if (extraction)
        bench_extraction(count);
    sqlite3 *raw = NULL;
    double raw_s = 0;
    if (!raw_ref)
        ; /* no raw references: their figures print as 0 */
    else if (reuse) /* the stores of an earlier run with the same --count: queries and rules only */
        sqlite3_open(raw_path, &raw);
    else
        raw_s = raw_import(raw_path, count, &raw);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (!reuse && !store) {
        remove(path);
        remove(wal);
    }
    xk_store *st;
    xk_error err;
    if (xk_store_open(path, &st, &err) != XK_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    xk_store_set_actor(st, "bench");
    size_t failed;
    if (!reuse) {
        double xs = xuke_import(st, count, &failed);
        printf("%-22s %8.0f licences/s of %.0f bytes (%zu failed)  | %-26s %8.0f rows/s\n",
               "import", (double)count / xs, mean_bytes(count), failed, "raw SQLite blob insert",
               raw_s > 0 ? (double)count / raw_s : 0.0);
        printf("%-22s extraction on a worker thread, storing on the main one (xk_import_bulk)\n",
               "  pipelined:");
    }
    /* a file store: the file and its WAL; a database server's store: the database's size as
     * the server counts it (xk_store_stats: pg_database_size), not a file in DIR */
    xk_store_stats stats;
    double bytes = (double)store_size(path);
    if (store && xk_store_stats_get(st, &stats, &err) == XK_OK && stats.file_bytes > 0)
        bytes = (double)stats.file_bytes;
    printf("%-22s %8.1f MiB (%.1f KiB per licence)         | %-26s %8.1f MiB\n", "store size",
           bytes / 1048576.0, bytes / 1024.0 / (double)count, "raw table of the documents",
           (double)store_size(raw_path) / 1048576.0);
    bench_queries(st, raw, store ? raw_path : path, count, queries);
    if (rules)
        bench_rules(st, store ? raw_path : path, count, !reuse);
    xk_store_close(st);
    sqlite3_close(raw);
    return 0;
}
