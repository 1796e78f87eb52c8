/*
 * Allocation failure, as SQLite tests it: each operation runs once to count its allocations,
 * then once for every n with the n-th allocation failing. Every run must either give exactly
 * the answer of the run without failure (the failure was absorbed, nothing dropped) or fail
 * cleanly: XK_ENOMEM with a message, no output left behind, nothing stored, no crash; under
 * ASan (`make asan`) LeakSanitizer also finds anything leaked on the way.
 *
 * The allocations counted are the library's own (malloc, calloc, realloc, strdup, strndup,
 * redirected with the linker's --wrap in tests/CMakeLists.txt), Jansson's (json_set_alloc_funcs)
 * and SQLite's (SQLITE_CONFIG_MALLOC). utf8proc allocates inside its own library, out of reach.
 * Operations covered: the calendar's parse, the extractor on two seeds (an absorbed failure
 * must leave the very record of the run without failure), the record read from JSON, the store's
 * get (Jansson's allocations spared there: see json_alloc), the store's put (into a fresh store,
 * where a failure must leave the licence absent, and of the same record again, where it must
 * leave the one version as it was) and xk_status_scan over a store; and the arena's alignment
 * promise. With --postgres STATE (CTest's unit_alloc_pg) the store's four run on PostgreSQL: the
 * driver copies what it binds and decodes bytea, and a failed copy once ran the statement with
 * NULL in its place (a licence "not found", the same record stored again). A mishandled failure
 * prints where the failed allocation was made. Still to join: the rules' obligations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <execinfo.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "xuke/agenda.h"
#include "xuke/calendar.h"
#include "xuke/record_json.h"
#include "xuke/xuke.h"

/* --- the failing allocator ------------------------------------------------------------------ */

static long fail_at;   /* the allocation to fail, counting from 1; 0: none fails */
static long count;     /* allocations since counting started */
static bool failed;    /* the n-th allocation was reached and failed */

/* Where the failed allocation was made, printed when its failure was mishandled. */
static void *failed_at[24];
static int failed_depth;

static bool fail_now(void)
{
    if (++count != fail_at)
        return false;
    failed = true;
    failed_depth = backtrace(failed_at, (int)(sizeof failed_at / sizeof failed_at[0]));
    return true;
}

static void print_failed_allocation(void)
{
    fprintf(stderr, "the allocation that failed was made at:\n");
    backtrace_symbols_fd(failed_at, failed_depth, 2);
}

static void arm(long n)
{
    fail_at = n;
    count = 0;
    failed = false;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    return fail_now() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}

/* Jansson's reader drops a failed allocation of its own and reads on past its buffer (Jansson
 * issue 362, open; Debian 12 ships 2.14 with it), so a run through json_loads spares Jansson's
 * allocations: there the library's and SQLite's are failed, Jansson's are not. */
static bool spare_jansson;

static void *json_alloc(size_t n)
{
    return !spare_jansson && fail_now() ? NULL : __real_malloc(n);
}

static sqlite3_mem_methods sqlite_default;

static void *sqlite_alloc(int n)
{
    return fail_now() ? NULL : sqlite_default.xMalloc(n);
}

static void *sqlite_realloc(void *p, int n)
{
    return fail_now() ? NULL : sqlite_default.xRealloc(p, n);
}

static void install_allocators(void)
{
    json_set_alloc_funcs(json_alloc, free);
    sqlite3_mem_methods m;
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default) != SQLITE_OK)
        abort();
    m = sqlite_default;
    m.xMalloc = sqlite_alloc;
    m.xRealloc = sqlite_realloc;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
        abort();
}

/* --- helpers ------------------------------------------------------------------------------- */

/* A clean failure: the expected status and a message saying something. */
static void assert_clean_failure(xk_status rc, xk_status want, const xk_error *err, long n)
{
    if (rc != want || err->message[0] == '\0') {
        print_failed_allocation();
        fail_msg("allocation %ld failed: status %d (%s), message \"%s\"; wanted %s with a "
                 "message",
                 n, rc, xk_strstatus(rc), err->message, xk_strstatus(want));
    }
}

/* A whole file, read with the real allocator (the test's own bytes are not under test). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *text = __real_malloc(1 << 20);
    assert_non_null(text);
    *len = fread(text, 1, (1 << 20) - 1, f);
    text[*len] = '\0';
    fclose(f);
    return text;
}

/* The record's canonical JSON, written with no allocation failing. */
static char *record_text(const xk_licence *lic)
{
    long saved_at = fail_at, saved_count = count;
    fail_at = 0;
    char *s = xk_licence_to_json_string(lic, false);
    fail_at = saved_at;
    count = saved_count;
    assert_non_null(s);
    return s;
}

/* An absorbed failure must leave the answer exactly as without it. */
static void assert_same_record(const char *want, const xk_licence *got, long n)
{
    char *s = record_text(got);
    if (strcmp(s, want) != 0) {
        fprintf(stderr, "wanted %s\ngot    %s\n", want, s); /* whole: cmocka cuts its message */
        print_failed_allocation();
        fail_msg("allocation %ld failed and was absorbed, but the record differs", n);
    }
    free(s);
}

static const char *const seeds[] = {"000_a96b5bc2dd3fa082", "003_76e38eccd87d7b3e"};

/* --- the rules ------------------------------------------------------------------------------ */

static void test_calendar_parse_under_every_allocation_failure(void **state)
{
    (void)state;
    FILE *f = fopen(DATA_DIR "/calendar.txt", "rb");
    assert_non_null(f);
    char *text = __real_malloc(1 << 20);
    size_t len = fread(text, 1, 1 << 20, f);
    fclose(f);
    xk_calendar *cal;
    xk_error err;
    arm(0);
    assert_int_equal(xk_calendar_parse(text, len, "calendar.txt", &cal, &err), XK_OK);
    long total = count;
    xk_calendar_free(cal);
    for (long n = 1; n <= total; n++) {
        xk_error_clear(&err);
        arm(n);
        xk_status rc = xk_calendar_parse(text, len, "calendar.txt", &cal, &err);
        bool hit = failed;
        arm(0);
        if (rc == XK_OK) {
            assert_false(hit && cal == NULL);
            xk_calendar_free(cal);
            continue;
        }
        assert_clean_failure(rc, XK_ENOMEM, &err, n);
    }
    free(text);
}

/* --- the extractor and the record's JSON ---------------------------------------------------- */

static void parse_seed_under_every_failure(const char *seed)
{
    char path[512];
    int w = snprintf(path, sizeof path, "%s/seeds/%s.txt", FIXTURES, seed);
    assert_true(w > 0 && (size_t)w < sizeof path);
    size_t len;
    char *text = slurp(path, &len);
    xk_licence *lic;
    xk_error err;
    arm(0);
    xk_status want_rc = xk_licence_parse(text, len, NULL, &lic, &err);
    long total = count;
    assert_true(want_rc == XK_OK || want_rc == XK_EINVALID);
    char *want = record_text(lic);
    xk_licence_free(lic);
    for (long n = 1; n <= total; n++) {
        xk_error_clear(&err);
        arm(n);
        xk_status rc = xk_licence_parse(text, len, NULL, &lic, &err);
        arm(0);
        if (rc == want_rc) {
            assert_same_record(want, lic, n);
            xk_licence_free(lic);
            continue;
        }
        assert_clean_failure(rc, XK_ENOMEM, &err, n);
        assert_null(lic);
    }
    free(want);
    free(text);
}

static void test_extractor_under_every_allocation_failure(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        parse_seed_under_every_failure(seeds[i]);
}

static void test_record_from_json_under_every_allocation_failure(void **state)
{
    (void)state;
    char path[512];
    int w = snprintf(path, sizeof path, "%s/seeds/%s.json", FIXTURES, seeds[1]);
    assert_true(w > 0 && (size_t)w < sizeof path);
    size_t len;
    char *text = slurp(path, &len);
    arm(0);
    json_t *obj = json_loadb(text, len, 0, NULL);
    assert_non_null(obj);
    xk_licence *lic;
    xk_error err;
    arm(0);
    assert_int_equal(xk_licence_from_json(obj, &lic, &err), XK_OK);
    long total = count;
    char *want = record_text(lic);
    xk_licence_free(lic);
    for (long n = 1; n <= total; n++) {
        xk_error_clear(&err);
        arm(n);
        xk_status rc = xk_licence_from_json(obj, &lic, &err);
        arm(0);
        if (rc == XK_OK) {
            assert_same_record(want, lic, n);
            xk_licence_free(lic);
            continue;
        }
        assert_clean_failure(rc, XK_ENOMEM, &err, n);
        assert_null(lic);
    }
    free(want);
    json_decref(obj);
    free(text);
}

/* --- the store ------------------------------------------------------------------------------ */

/* With --postgres STATE, the store tests run on PostgreSQL: the connection string of the
 * maintenance database of the CTest fixture's cluster (tests/e2e/pgfixture.py). One database is
 * made for the run, with pg_trgm in its public schema; each "fresh store" is a new schema in it
 * (first on the store's search_path), far cheaper than a database each. NULL: SQLite files. */
static char *pg_admin;
static char pg_database[64];
static unsigned pg_schemas;

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* A statement by libpq directly (its allocations are its own), on the maintenance database or
 * (in_run) on the run's database. */
static void pg_exec(bool in_run, const char *sql)
{
    char where[1024];
    int w = snprintf(where, sizeof where, "%s%s%s", pg_admin, in_run ? " dbname=" : "",
                     in_run ? pg_database : "");
    assert_true(w > 0 && (size_t)w < sizeof where);
    PGconn *c = PQconnectdb(where);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQsetNoticeProcessor(c, quiet, NULL); /* "drop cascades to table …" */
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/* A fresh, empty store made with no allocation failing: a file in a new directory (dir), or on
 * PostgreSQL a new schema (dir: its name). */
static xk_store *fresh_store(char *dir, size_t dir_size)
{
    arm(0);
    char path[1024];
    int w;
    if (pg_admin) {
        char sql[192];
        if (!*pg_database) {
            snprintf(pg_database, sizeof pg_database, "xuke_alloc_%d", (int)getpid());
            snprintf(sql, sizeof sql, "CREATE DATABASE %s", pg_database);
            pg_exec(false, sql);
            pg_exec(true, "CREATE EXTENSION pg_trgm");
        }
        w = snprintf(dir, dir_size, "store_%u", ++pg_schemas);
        assert_true(w > 0 && (size_t)w < dir_size);
        snprintf(sql, sizeof sql, "CREATE SCHEMA %s", dir);
        pg_exec(true, sql);
        w = snprintf(path, sizeof path, "%s dbname=%s options='-csearch_path=%s,public'",
                     pg_admin, pg_database, dir);
    } else {
        w = snprintf(dir, dir_size, "/tmp/xuke_alloc_XXXXXX");
        assert_true(w > 0 && (size_t)w < dir_size);
        assert_non_null(mkdtemp(dir));
        w = snprintf(path, sizeof path, "%s/store.db", dir);
    }
    assert_true(w > 0 && (size_t)w < sizeof path);
    xk_error err;
    xk_store *st;
    assert_int_equal(xk_store_open(path, &st, &err), XK_OK);
    return st;
}

/* The first seed's text and its record, read with no allocation failing. */
static char *seed_record(size_t *len, xk_licence **lic)
{
    arm(0);
    char src[512];
    int w = snprintf(src, sizeof src, "%s/seeds/%s.txt", FIXTURES, seeds[0]);
    assert_true(w > 0 && (size_t)w < sizeof src);
    char *text = slurp(src, len);
    xk_error err;
    assert_int_equal(xk_licence_parse(text, *len, NULL, lic, &err), XK_OK);
    return text;
}

/* A fresh store file holding the first seed, made with no allocation failing. */
static xk_store *store_with_seed(char *dir, size_t dir_size, xk_licence **lic)
{
    xk_store *st = fresh_store(dir, dir_size);
    size_t len;
    char *text = seed_record(&len, lic);
    xk_error err;
    xk_import_result res;
    assert_int_equal(xk_store_put(st, *lic, text, len, "text", &res, &err), XK_OK);
    free(text);
    return st;
}

static void remove_store(const char *dir)
{
    if (pg_admin) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", dir);
        pg_exec(true, sql);
        return;
    }
    char path[512];
    static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm",
                                        "store.db-journal"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        int w = snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        assert_true(w > 0 && (size_t)w < sizeof path);
        remove(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

static void test_store_get_under_every_allocation_failure(void **state)
{
    (void)state;
    spare_jansson = true; /* json_loads: see json_alloc */
    char dir[64];
    xk_licence *stored;
    xk_store *st = store_with_seed(dir, sizeof dir, &stored);
    char *want = record_text(stored);
    xk_error err;
    xk_licence *lic;
    xk_licence_info info;
    arm(0);
    assert_int_equal(xk_store_get(st, stored->number, 0, &lic, &info, &err), XK_OK);
    long total = count;
    assert_same_record(want, lic, 0);
    xk_licence_free(lic);
    for (long n = 1; n <= total; n++) {
        xk_error_clear(&err);
        arm(n);
        lic = NULL;
        xk_status rc = xk_store_get(st, stored->number, 0, &lic, &info, &err);
        arm(0);
        if (rc == XK_OK) {
            assert_same_record(want, lic, n);
            xk_licence_free(lic);
            continue;
        }
        assert_clean_failure(rc, XK_ENOMEM, &err, n);
    }
    free(want);
    xk_licence_free(stored);
    xk_store_close(st);
    remove_store(dir);
    spare_jansson = false;
}

/* What the store holds of number, read with no allocation failing: the current record's
 * canonical JSON and its version count (0 and NULL when the licence is absent). */
static char *held(xk_store *st, const char *number, int *versions)
{
    long saved_at = fail_at, saved_count = count;
    bool saved_spare = spare_jansson;
    fail_at = 0;
    spare_jansson = true;
    xk_licence *lic = NULL;
    xk_licence_info info;
    xk_error err;
    xk_status rc = xk_store_get(st, number, 0, &lic, &info, &err);
    fail_at = saved_at;
    count = saved_count;
    spare_jansson = saved_spare;
    *versions = 0;
    if (rc == XK_ENOTFOUND)
        return NULL;
    assert_int_equal(rc, XK_OK);
    *versions = info.versions;
    char *s = record_text(lic);
    xk_licence_free(lic);
    return s;
}

/* A put into a fresh store: a failure leaves the licence absent, and the store usable. */
static void test_store_put_new_under_every_allocation_failure(void **state)
{
    (void)state;
    size_t len;
    xk_licence *lic;
    char *text = seed_record(&len, &lic);
    char *want = record_text(lic);
    char dir[64];
    xk_store *st = fresh_store(dir, sizeof dir);
    xk_import_result res;
    xk_error err;
    arm(0);
    assert_int_equal(xk_store_put(st, lic, text, len, "text", &res, &err), XK_OK);
    long total = count;
    assert_int_equal(res.outcome, XK_IMPORT_NEW);
    xk_store_close(st);
    remove_store(dir);
    for (long n = 1; n <= total; n++) {
        st = fresh_store(dir, sizeof dir);
        xk_error_clear(&err);
        res = (xk_import_result){0};
        arm(n);
        xk_status rc = xk_store_put(st, lic, text, len, "text", &res, &err);
        arm(0);
        int versions;
        char *got = held(st, lic->number, &versions);
        if (rc == XK_OK) {
            if (res.outcome != XK_IMPORT_NEW || res.version != 1 || versions != 1 || !got ||
                strcmp(got, want) != 0) {
                print_failed_allocation();
                fail_msg("allocation %ld failed and was absorbed, but the put gave outcome %d "
                         "version %d and the store holds %d versions",
                         n, (int)res.outcome, res.version, versions);
            }
        } else {
            assert_clean_failure(rc, XK_ENOMEM, &err, n);
            if (got) {
                print_failed_allocation();
                fail_msg("allocation %ld failed, the put said so, but the licence was stored", n);
            }
            /* the store still takes the put afterwards: no transaction left open */
            assert_int_equal(xk_store_put(st, lic, text, len, "text", &res, &err), XK_OK);
            assert_int_equal(res.outcome, XK_IMPORT_NEW);
        }
        free(got);
        xk_store_close(st);
        remove_store(dir);
    }
    free(want);
    xk_licence_free(lic);
    free(text);
}

/* The same record put again: nothing is written, whatever fails on the way. A failure reading
 * the current version's hash once stored the record again as a new version. */
static void test_store_put_unchanged_under_every_allocation_failure(void **state)
{
    (void)state;
    char dir[64];
    xk_licence *lic;
    xk_store *st = store_with_seed(dir, sizeof dir, &lic);
    size_t len;
    xk_licence *unused;
    char *text = seed_record(&len, &unused);
    xk_licence_free(unused);
    int versions;
    char *want = held(st, lic->number, &versions);
    assert_non_null(want);
    assert_int_equal(versions, 1);
    xk_import_result res;
    xk_error err;
    arm(0);
    assert_int_equal(xk_store_put(st, lic, text, len, "text", &res, &err), XK_OK);
    long total = count;
    assert_int_equal(res.outcome, XK_IMPORT_UNCHANGED);
    for (long n = 1; n <= total; n++) {
        xk_error_clear(&err);
        res = (xk_import_result){0};
        arm(n);
        xk_status rc = xk_store_put(st, lic, text, len, "text", &res, &err);
        arm(0);
        if (rc == XK_OK && (res.outcome != XK_IMPORT_UNCHANGED || res.version != 1)) {
            print_failed_allocation();
            fail_msg("allocation %ld failed and was absorbed, but the put gave outcome %d "
                     "version %d in place of unchanged version 1",
                     n, (int)res.outcome, res.version);
        }
        if (rc != XK_OK)
            assert_clean_failure(rc, XK_ENOMEM, &err, n);
        char *got = held(st, lic->number, &versions);
        if (versions != 1 || !got || strcmp(got, want) != 0) {
            print_failed_allocation();
            fail_msg("allocation %ld failed: the store now holds %d versions", n, versions);
        }
        free(got);
    }
    free(want);
    free(text);
    xk_licence_free(lic);
    xk_store_close(st);
    remove_store(dir);
}

typedef struct scan_seen {
    size_t rows;
    xk_licence_status status;
    char number[64];
} scan_seen;

static bool count_row(const xk_status_row *row, void *ctx)
{
    scan_seen *seen = ctx;
    seen->rows++;
    seen->status = row->status;
    size_t n = strlen(row->licence->number);
    if (n >= sizeof seen->number)
        n = sizeof seen->number - 1;
    memcpy(seen->number, row->licence->number, n);
    seen->number[n] = '\0';
    return true;
}

static void test_status_scan_under_every_allocation_failure(void **state)
{
    (void)state;
    char dir[64];
    xk_licence *stored;
    xk_store *st = store_with_seed(dir, sizeof dir, &stored);
    size_t len;
    char *text = slurp(DATA_DIR "/calendar.txt", &len);
    xk_calendar *cal;
    xk_error err;
    assert_int_equal(xk_calendar_parse(text, len, "calendar.txt", &cal, &err), XK_OK);
    free(text);
    xk_date as_of;
    assert_true(xk_date_parse_iso("2025-06-30", &as_of));
    scan_seen want = {0};
    arm(0);
    assert_int_equal(xk_status_scan(st, cal, as_of, NULL, count_row, &want, &err), XK_OK);
    long total = count;
    assert_int_equal(want.rows, 1);
    assert_string_equal(want.number, stored->number);
    for (long n = 1; n <= total; n++) {
        xk_error_clear(&err);
        scan_seen got = {0};
        arm(n);
        xk_status rc = xk_status_scan(st, cal, as_of, NULL, count_row, &got, &err);
        arm(0);
        if (rc == XK_OK) {
            if (got.rows != want.rows || got.status != want.status ||
                strcmp(got.number, want.number) != 0) {
                print_failed_allocation();
                fail_msg("allocation %ld failed and was absorbed, but the scan gave %zu rows "
                         "(status %d) in place of %zu (status %d)",
                         n, got.rows, (int)got.status, want.rows, (int)want.status);
            }
            continue;
        }
        assert_clean_failure(rc, XK_ENOMEM, &err, n);
    }
    xk_calendar_free(cal);
    xk_licence_free(stored);
    xk_store_close(st);
    remove_store(dir);
}

/* --- the arena's promise ------------------------------------------------------------------- */

static void test_arena_allocations_are_aligned_for_any_type(void **state)
{
    (void)state;
    arm(0);
    xk_arena *a = xk_arena_new();
    assert_non_null(a);
    static const size_t sizes[] = {1, 3, 8, 17, 100, 70000, 5, 2};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *p = xk_arena_alloc(a, sizes[i]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        for (size_t k = 0; k < sizes[i]; k++) /* zeroed, as promised */
            assert_int_equal(p[k], 0);
    }
    xk_arena_free(a);
}

/* The maintenance database's connection string from the fixture's state file. */
static char *read_admin(const char *state)
{
    arm(0);
    json_error_t jerr;
    json_t *o = json_load_file(state, 0, &jerr);
    if (!o) {
        fprintf(stderr, "%s: %s (is the CTest fixture \"postgres\" running?)\n", state,
                jerr.text);
        return NULL;
    }
    const char *admin = json_string_value(json_object_get(o, "admin"));
    char *copy = admin ? __real_strdup(admin) : NULL;
    json_decref(o);
    return copy;
}

int main(int argc, char **argv)
{
    install_allocators();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_allocations_are_aligned_for_any_type),
        cmocka_unit_test(test_calendar_parse_under_every_allocation_failure),
        cmocka_unit_test(test_extractor_under_every_allocation_failure),
        cmocka_unit_test(test_record_from_json_under_every_allocation_failure),
        cmocka_unit_test(test_store_get_under_every_allocation_failure),
        cmocka_unit_test(test_status_scan_under_every_allocation_failure),
        cmocka_unit_test(test_store_put_new_under_every_allocation_failure),
        cmocka_unit_test(test_store_put_unchanged_under_every_allocation_failure),
    };
    /* the store's operations again on PostgreSQL: its driver's binds and decodes allocate */
    const struct CMUnitTest on_postgres[] = {
        cmocka_unit_test(test_store_get_under_every_allocation_failure),
        cmocka_unit_test(test_status_scan_under_every_allocation_failure),
        cmocka_unit_test(test_store_put_new_under_every_allocation_failure),
        cmocka_unit_test(test_store_put_unchanged_under_every_allocation_failure),
    };
    if (argc == 3 && strcmp(argv[1], "--postgres") == 0) {
        if (!(pg_admin = read_admin(argv[2])))
            return 1;
        int failures = cmocka_run_group_tests_name("on PostgreSQL", on_postgres, NULL, NULL);
        if (*pg_database) {
            char sql[128];
            snprintf(sql, sizeof sql, "DROP DATABASE %s", pg_database);
            pg_exec(false, sql);
        }
        free(pg_admin);
        return failures;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: test_alloc [--postgres FIXTURE_STATE]\n");
        return 2;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
