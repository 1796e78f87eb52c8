/*
 * Unit tests of the OCR job queue (src/server/jobs.c) with a stand-in for reading a scan that
 * waits until the test lets it finish: the states a job goes through, the queue bound (503), the
 * per-owner bound (429), Retry-After, who may see a job, finished jobs kept or dropped, pages of
 * a running job lent to idle workers (and to no more than are idle), and a stop that stops a
 * running job at its next page.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/jobs.h"

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_moved = PTHREAD_COND_INITIALIZER;
static int released, started;

/* What the stand-in for reading does: wait for the test (GATED), lend pages (LENDING), or read
 * pages until the queue says stop (ENDLESS). */
static enum { GATED, LENDING, ENDLESS } mode;

/* LENDING: pages offered, whether each was taken, the threads that read them, the job's own. */
#define LENT_OFFERED 3
static bool lent_taken[LENT_OFFERED];
static pthread_t lent_reader[LENT_OFFERED], job_thread;
static int lent_done, endless_pages;

static void read_lent(void *task)
{
    int *k = task;
    pthread_mutex_lock(&gate_lock);
    lent_reader[*k] = pthread_self();
    lent_done++;
    pthread_cond_broadcast(&gate_moved);
    /* a page lent is held until every page was offered, so the workers stay busy meanwhile */
    while (!pthread_equal(pthread_self(), job_thread) && released == 0)
        pthread_cond_wait(&gate_moved, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
}

/* Offers pages while those taken are held: the first two until taken (the two other workers
 * become idle as they start), then a third, which no idle worker is left for. */
static void lend_pages(const xk_ocr_options *hooks)
{
    static int index[LENT_OFFERED] = {0, 1, 2};
    job_thread = pthread_self();
    for (int k = 0; k < LENT_OFFERED; k++) {
        while (!(lent_taken[k] = hooks->lend(hooks->lend_arg, read_lent, &index[k])) &&
               k < LENT_OFFERED - 1)
            sched_yield();
        if (!lent_taken[k])
            read_lent(&index[k]); /* read here, as the reader does with a page not taken */
    }
    /* every page started (the two lent ones held where they are read), then all let go */
    pthread_mutex_lock(&gate_lock);
    while (lent_done < LENT_OFFERED)
        pthread_cond_wait(&gate_moved, &gate_lock);
    released = 1;
    pthread_cond_broadcast(&gate_moved);
    pthread_mutex_unlock(&gate_lock);
}

/* Reads "a scan": says it started page 1, waits for the test to release one job, answers 200
 * with the bytes it was given. */
static void fake_run(srv_job_kind kind, xk_store *st, const char *owner, const char *bytes,
                     size_t len, const xk_ocr_options *hooks, int *status, json_t **body)
{
    (void)kind;
    (void)st;
    (void)owner;
    if (mode == ENDLESS) {
        unsigned page = 1;
        while (hooks->on_page(hooks->on_page_arg, page)) {
            if (page == 1) {
                pthread_mutex_lock(&gate_lock);
                started++;
                pthread_cond_broadcast(&gate_moved);
                pthread_mutex_unlock(&gate_lock);
            }
            page++;
            sched_yield();
        }
        __atomic_store_n(&endless_pages, (int)page, __ATOMIC_RELAXED);
        *status = 500;
        *body = NULL;
        return;
    }
    hooks->on_page(hooks->on_page_arg, 1);
    if (mode == LENDING) {
        lend_pages(hooks);
        hooks->on_page_read(hooks->on_page_arg, LENT_OFFERED);
        *status = 200;
        *body = json_pack("{s:s%}", "read", bytes, len);
        return;
    }
    pthread_mutex_lock(&gate_lock);
    started++;
    pthread_cond_broadcast(&gate_moved);
    while (released == 0)
        pthread_cond_wait(&gate_moved, &gate_lock);
    released--;
    pthread_mutex_unlock(&gate_lock);
    *status = 200;
    *body = json_pack("{s:s%}", "read", bytes, len);
}

static void wait_started(int n)
{
    pthread_mutex_lock(&gate_lock);
    while (started < n)
        pthread_cond_wait(&gate_moved, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
}

static void release_one(void)
{
    pthread_mutex_lock(&gate_lock);
    released++;
    pthread_cond_broadcast(&gate_moved);
    pthread_mutex_unlock(&gate_lock);
}

static const char *state(srv_jobs *j, const char *id, const char *owner)
{
    static char buf[16];
    json_t *o = xk_srv_jobs_describe(j, id, owner);
    if (!o)
        return "none";
    snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(o, "state")));
    json_decref(o);
    return buf;
}

/* Waits (on the job's own state, no clock) until it is done. */
static json_t *done(srv_jobs *j, const char *id, const char *owner)
{
    for (;;) {
        json_t *o = xk_srv_jobs_describe(j, id, owner);
        assert_non_null(o);
        if (strcmp(json_string_value(json_object_get(o, "state")), "done") == 0)
            return o;
        json_decref(o);
        sched_yield();
    }
}

static char db[64];

static srv_jobs *start(unsigned workers, unsigned queue, unsigned per_owner, unsigned keep)
{
    released = started = lent_done = 0;
    mode = GATED;
    srv_jobs_config cfg = {workers, queue, per_owner, keep, db, fake_run};
    char err[256];
    srv_jobs *j = xk_srv_jobs_start(&cfg, err, sizeof err);
    assert_non_null(j);
    return j;
}

static void test_job_states_and_result(void **state_)
{
    (void)state_;
    srv_jobs *j = start(1, 4, 4, 8);
    char a[SRV_JOB_ID_LEN + 1], b[SRV_JOB_ID_LEN + 1];
    int retry = 0;
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_PARSE, "alice", "one", 3, a, &retry), 0);
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_PARSE, "alice", "two", 3, b, &retry), 0);
    assert_int_equal(strlen(a), SRV_JOB_ID_LEN);
    assert_string_not_equal(a, b);
    wait_started(1);
    json_t *o = xk_srv_jobs_describe(j, a, "alice");
    assert_string_equal(json_string_value(json_object_get(o, "state")), "running");
    assert_int_equal(json_integer_value(json_object_get(o, "page")), 1);
    json_decref(o);
    o = xk_srv_jobs_describe(j, b, "alice");
    assert_string_equal(json_string_value(json_object_get(o, "state")), "queued");
    assert_int_equal(json_integer_value(json_object_get(o, "jobs_ahead")), 1);
    json_decref(o);
    assert_string_equal(state(j, a, "bob"), "none"); /* another owner's job is not shown */
    release_one();
    o = done(j, a, "alice");
    json_t *result = json_object_get(o, "result");
    assert_int_equal(json_integer_value(json_object_get(result, "status")), 200);
    assert_string_equal(json_string_value(json_object_get(json_object_get(result, "body"), "read")),
                        "one");
    json_decref(o);
    release_one();
    json_decref(done(j, b, "alice"));
    xk_srv_jobs_stop(j);
}

static void test_queue_full_is_503(void **state_)
{
    (void)state_;
    srv_jobs *j = start(1, 2, 8, 8);
    char id[SRV_JOB_ID_LEN + 1];
    int retry = 0;
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_PARSE, "a", "x", 1, id, &retry), 0);
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_PARSE, "b", "x", 1, id, &retry), 0);
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_PARSE, "c", "x", 1, id, &retry), 503);
    assert_true(retry >= 1);
    release_one();
    release_one();
    xk_srv_jobs_stop(j);
}

static void test_owner_limit_is_429(void **state_)
{
    (void)state_;
    srv_jobs *j = start(1, 8, 1, 8);
    char id[SRV_JOB_ID_LEN + 1], other[SRV_JOB_ID_LEN + 1];
    int retry = 0;
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_IMPORT, "a", "x", 1, id, &retry), 0);
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_IMPORT, "a", "x", 1, other, &retry), 429);
    assert_true(retry >= 1);
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_IMPORT, "b", "x", 1, other, &retry), 0);
    release_one();
    json_decref(done(j, id, "a"));
    /* a's job is done: a may queue again */
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_IMPORT, "a", "x", 1, id, &retry), 0);
    release_one();
    release_one();
    xk_srv_jobs_stop(j);
}

static void test_finished_jobs_beyond_keep_are_dropped(void **state_)
{
    (void)state_;
    srv_jobs *j = start(1, 4, 4, 1);
    char a[SRV_JOB_ID_LEN + 1], b[SRV_JOB_ID_LEN + 1];
    int retry = 0;
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_PARSE, "a", "x", 1, a, &retry), 0);
    release_one();
    json_decref(done(j, a, "a"));
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_PARSE, "a", "y", 1, b, &retry), 0);
    release_one();
    json_decref(done(j, b, "a"));
    assert_string_equal(state(j, a, "a"), "none"); /* the oldest finished one went */
    xk_srv_jobs_stop(j);
}

static void test_idle_workers_read_lent_pages(void **state_)
{
    (void)state_;
    srv_jobs *j = start(3, 4, 4, 8);
    mode = LENDING;
    char id[SRV_JOB_ID_LEN + 1];
    int retry = 0;
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_PARSE, "a", "x", 1, id, &retry), 0);
    json_t *o = done(j, id, "a");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "result"), "status")),
                     200);
    json_decref(o);
    /* two workers were idle: each read one page, neither on the job's own thread */
    assert_true(lent_taken[0] && lent_taken[1]);
    assert_false(pthread_equal(lent_reader[0], job_thread));
    assert_false(pthread_equal(lent_reader[1], job_thread));
    assert_false(pthread_equal(lent_reader[0], lent_reader[1]));
    /* none was left for the third page: the job read it itself */
    assert_false(lent_taken[2]);
    assert_true(pthread_equal(lent_reader[2], job_thread));
    xk_srv_jobs_stop(j);
}

static void test_stop_ends_a_running_job_at_its_next_page(void **state_)
{
    (void)state_;
    srv_jobs *j = start(1, 4, 4, 8);
    mode = ENDLESS;
    endless_pages = 0;
    char id[SRV_JOB_ID_LEN + 1];
    int retry = 0;
    assert_int_equal(xk_srv_jobs_submit(j, SRV_JOB_PARSE, "a", "x", 1, id, &retry), 0);
    wait_started(1);
    json_t *o = xk_srv_jobs_describe(j, id, "a");
    assert_string_equal(json_string_value(json_object_get(o, "state")), "running");
    assert_true(json_integer_value(json_object_get(o, "page")) >= 1);
    assert_int_equal(json_integer_value(json_object_get(o, "pages_read")), 0);
    json_decref(o);
    xk_srv_jobs_stop(j); /* returns only once the job stopped: it would read on forever */
    assert_true(__atomic_load_n(&endless_pages, __ATOMIC_RELAXED) >= 1);
}

int main(void)
{
    snprintf(db, sizeof db, "/tmp/xuke-jobs-%ld.db", (long)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_states_and_result),
        cmocka_unit_test(test_queue_full_is_503),
        cmocka_unit_test(test_owner_limit_is_429),
        cmocka_unit_test(test_finished_jobs_beyond_keep_are_dropped),
        cmocka_unit_test(test_idle_workers_read_lent_pages),
        cmocka_unit_test(test_stop_ends_a_running_job_at_its_next_page),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(db);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
    return rc;
}
