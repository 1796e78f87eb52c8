/*
 * Unit tests of the OCR job queue (src/server/jobs.c) with a stand-in for reading a scan that
 * waits until the test lets it finish: the states a job goes through, the queue bound (503), the
 * per-owner bound (429), Retry-After, who may see a job, and finished jobs kept or dropped.
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

/* Reads "a scan": says it started page 1, waits for the test to release one job, answers 200
 * with the bytes it was given. */
static void fake_run(srv_job_kind kind, xk_store *st, const char *owner, const char *bytes,
                     size_t len, void (*on_page)(void *arg, unsigned page), void *arg, int *status,
                     json_t **body)
{
    (void)kind;
    (void)st;
    (void)owner;
    on_page(arg, 1);
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
    released = started = 0;
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

int main(void)
{
    snprintf(db, sizeof db, "/tmp/xuke-jobs-%ld.db", (long)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_states_and_result),
        cmocka_unit_test(test_queue_full_is_503),
        cmocka_unit_test(test_owner_limit_is_429),
        cmocka_unit_test(test_finished_jobs_beyond_keep_are_dropped),
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
