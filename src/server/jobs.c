/*
 * The OCR job queue (see jobs.h): one list of jobs under one lock, a pool of worker threads that
 * take the oldest queued job, each with its own store connection, and the bounds that keep a
 * burst of uploads from holding memory or threads: the queue length, jobs per owner, finished
 * jobs kept. Pages lent by a running job (xk_ocr_options.lend) wait in a list of tasks beside
 * the jobs; a worker takes a task before a job (a page lent is promised to a free worker), and
 * a page is lent only while a worker is idle for it and no job waits. It runs what it is given
 * (srv_job_fn); what a job answers is api_write.c's.
 */
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"

typedef enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE } job_state;

typedef struct job {
    char id[SRV_JOB_ID_LEN + 1];
    char owner[96];
    srv_job_kind kind;
    char *bytes; /* freed once read */
    size_t len;
    job_state state;
    unsigned page;       /* the last page started, 1-based; 0 before the first */
    unsigned pages_read; /* pages read so far */
    unsigned pages_lent; /* pages read by other workers (under the queue's lock) */
    struct srv_jobs *jobs;
    unsigned long seq; /* order of submission */
    int status;        /* when done: the answer */
    json_t *body;
    struct job *next;
} job;

typedef struct worker {
    srv_jobs *jobs;
    xk_store *st;
    pthread_t thread;
    bool started;
} worker;

/* A page of a running job lent to an idle worker. */
typedef struct page_task {
    void (*run)(void *task);
    void *task;
    struct page_task *next;
} page_task;

struct srv_jobs {
    pthread_mutex_t lock;
    pthread_cond_t work;
    job *head; /* every job, oldest first */
    page_task *tasks, **tasks_tail; /* pages lent, oldest first */
    unsigned n_tasks, idle;         /* tasks waiting; workers waiting for work */
    unsigned active, done;
    unsigned long seq;
    double mean_seconds; /* of a job, for Retry-After */
    bool stopping;
    srv_jobs_config cfg;
    worker *workers;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void job_free(job *jb)
{
    free(jb->bytes);
    json_decref(jb->body);
    free(jb);
}

/* The oldest queued job, or NULL. Called with the lock held. */
static job *oldest_queued(srv_jobs *j)
{
    for (job *jb = j->head; jb; jb = jb->next)
        if (jb->state == JOB_QUEUED)
            return jb;
    return NULL;
}

/* Drops the oldest finished jobs beyond cfg.keep. Called with the lock held. */
static void evict(srv_jobs *j)
{
    for (job **at = &j->head; *at && j->done > j->cfg.keep;) {
        if ((*at)->state != JOB_DONE) {
            at = &(*at)->next;
            continue;
        }
        job *gone = *at;
        *at = gone->next;
        job_free(gone);
        j->done--;
    }
}

/* The job's progress, read by xk_srv_jobs_describe under the lock, written here without it:
 * atomic stores. A stopping queue stops the reading at its next page. */
static bool on_page(void *arg, unsigned page)
{
    job *jb = arg;
    __atomic_store_n(&jb->page, page, __ATOMIC_RELAXED);
    return !__atomic_load_n(&jb->jobs->stopping, __ATOMIC_RELAXED);
}

static void on_page_read(void *arg, unsigned pages_read)
{
    job *jb = arg;
    __atomic_store_n(&jb->pages_read, pages_read, __ATOMIC_RELAXED);
}

/* xk_ocr_options.lend: a page of a running job to a worker that has nothing else to do. */
static bool lend_page(void *arg, void (*run)(void *task), void *task)
{
    job *jb = arg;
    srv_jobs *j = jb->jobs;
    page_task *t = malloc(sizeof *t);
    if (!t)
        return false; /* read on the job's own worker */
    pthread_mutex_lock(&j->lock);
    bool taken = !j->stopping && j->idle > j->n_tasks && !oldest_queued(j);
    if (taken) {
        *t = (page_task){run, task, NULL};
        *j->tasks_tail = t;
        j->tasks_tail = &t->next;
        j->n_tasks++;
        jb->pages_lent++;
        pthread_cond_signal(&j->work);
    }
    pthread_mutex_unlock(&j->lock);
    if (!taken)
        free(t);
    return taken;
}

static void run_one(worker *w, job *jb)
{
    srv_jobs *j = w->jobs;
    double start = now_seconds();
    int status = 500;
    json_t *body = NULL;
    xk_ocr_options hooks;
    xk_ocr_options_init(&hooks);
    hooks.on_page = on_page;
    hooks.on_page_read = on_page_read;
    hooks.on_page_arg = jb;
    hooks.lend = lend_page;
    hooks.lend_arg = jb;
    j->cfg.run(jb->kind, w->st, jb->owner, jb->bytes, jb->len, &hooks, &status, &body);
    double took = now_seconds() - start;
    pthread_mutex_lock(&j->lock);
    jb->status = status;
    jb->body = body;
    free(jb->bytes);
    jb->bytes = NULL;
    jb->state = JOB_DONE;
    j->active--;
    j->done++;
    j->mean_seconds = 0.8 * j->mean_seconds + 0.2 * took;
    evict(j);
    pthread_mutex_unlock(&j->lock);
}

/* The oldest lent page, taken off the list; NULL when none. Called with the lock held. */
static page_task *take_task(srv_jobs *j)
{
    page_task *t = j->tasks;
    if (t) {
        j->tasks = t->next;
        if (!j->tasks)
            j->tasks_tail = &j->tasks;
        j->n_tasks--;
    }
    return t;
}

/* A worker: lent pages first, then the oldest queued job. A page lent before the queue stopped
 * is still read (its job waits for it); the worker leaves once stopping with no page lent. */
static void *work(void *arg)
{
    worker *w = arg;
    srv_jobs *j = w->jobs;
    pthread_mutex_lock(&j->lock);
    for (;;) {
        page_task *t = take_task(j);
        if (t) {
            pthread_mutex_unlock(&j->lock);
            t->run(t->task);
            free(t);
            pthread_mutex_lock(&j->lock);
            continue;
        }
        if (j->stopping)
            break;
        job *jb = oldest_queued(j);
        if (!jb) {
            j->idle++;
            pthread_cond_wait(&j->work, &j->lock);
            j->idle--;
            continue;
        }
        jb->state = JOB_RUNNING;
        pthread_mutex_unlock(&j->lock);
        run_one(w, jb);
        pthread_mutex_lock(&j->lock);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

srv_jobs *xk_srv_jobs_start(const srv_jobs_config *cfg, char *errbuf, size_t errsize)
{
    srv_jobs *j = calloc(1, sizeof *j);
    if (!j || !(j->workers = calloc(cfg->workers ? cfg->workers : 1, sizeof *j->workers))) {
        free(j);
        snprintf(errbuf, errsize, "out of memory");
        return NULL;
    }
    j->cfg = *cfg;
    if (!j->cfg.workers)
        j->cfg.workers = 1;
    j->mean_seconds = 10.0; /* a guess until jobs have run: a licence of a few pages */
    j->tasks_tail = &j->tasks;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->work, NULL);
    for (unsigned i = 0; i < j->cfg.workers; i++) {
        worker *w = &j->workers[i];
        w->jobs = j;
        xk_error err;
        if (xk_store_open(cfg->db, &w->st, &err) != XK_OK) {
            snprintf(errbuf, errsize, "OCR worker: %s", err.message);
            xk_srv_jobs_stop(j);
            return NULL;
        }
        if (pthread_create(&w->thread, NULL, work, w) != 0) {
            snprintf(errbuf, errsize, "cannot start an OCR worker thread");
            xk_srv_jobs_stop(j);
            return NULL;
        }
        w->started = true;
    }
    return j;
}

void xk_srv_jobs_stop(srv_jobs *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->lock);
    __atomic_store_n(&j->stopping, true, __ATOMIC_RELAXED); /* read by on_page without the lock */
    pthread_cond_broadcast(&j->work);
    pthread_mutex_unlock(&j->lock);
    for (unsigned i = 0; i < j->cfg.workers; i++) {
        if (j->workers[i].started)
            pthread_join(j->workers[i].thread, NULL);
        if (j->workers[i].st)
            xk_store_close(j->workers[i].st);
    }
    for (job *jb = j->head; jb;) {
        job *next = jb->next;
        job_free(jb);
        jb = next;
    }
    pthread_cond_destroy(&j->work);
    pthread_mutex_destroy(&j->lock);
    free(j->workers);
    free(j);
}

/* Seconds until a place is likely free: the jobs ahead shared by the workers. */
static int retry_seconds(const srv_jobs *j, unsigned ahead)
{
    double s = ceil(j->mean_seconds * (ahead + 1) / j->cfg.workers);
    return s < 1 ? 1 : s > 600 ? 600 : (int)s;
}

int xk_srv_jobs_submit(srv_jobs *j, srv_job_kind kind, const char *owner, const char *bytes,
                       size_t len, char id[SRV_JOB_ID_LEN + 1], int *retry_after)
{
    job *jb = calloc(1, sizeof *jb);
    char *copy = malloc(len ? len : 1);
    if (!jb || !copy) {
        free(jb);
        free(copy);
        *retry_after = 5;
        return 503;
    }
    memcpy(copy, bytes, len);
    unsigned char raw[SRV_JOB_ID_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(jb->id, sizeof jb->id, raw, sizeof raw);
    snprintf(jb->owner, sizeof jb->owner, "%s", owner);
    jb->kind = kind;
    jb->jobs = j;
    jb->bytes = copy;
    jb->len = len;
    pthread_mutex_lock(&j->lock);
    unsigned mine = 0;
    for (job *o = j->head; o; o = o->next)
        mine += o->state != JOB_DONE && strcmp(o->owner, owner) == 0;
    int refused = j->stopping || j->active >= j->cfg.queue ? 503
                  : mine >= j->cfg.per_owner               ? 429
                                                           : 0;
    if (refused) {
        *retry_after = retry_seconds(j, refused == 503 ? j->active : mine);
        pthread_mutex_unlock(&j->lock);
        job_free(jb);
        return refused;
    }
    jb->seq = ++j->seq;
    job **at = &j->head;
    while (*at)
        at = &(*at)->next;
    *at = jb;
    j->active++;
    memcpy(id, jb->id, SRV_JOB_ID_LEN + 1);
    pthread_cond_signal(&j->work);
    pthread_mutex_unlock(&j->lock);
    return 0;
}

json_t *xk_srv_jobs_describe(srv_jobs *j, const char *id, const char *owner)
{
    json_t *o = NULL;
    pthread_mutex_lock(&j->lock);
    unsigned ahead = 0;
    for (job *jb = j->head; jb; jb = jb->next) {
        if (strcmp(jb->id, id) != 0) {
            ahead += jb->state != JOB_DONE; /* queued or running before it */
            continue;
        }
        if (strcmp(jb->owner, owner) != 0)
            break;
        static const char *const states[] = {"queued", "running", "done"};
        o = json_pack("{s:s, s:s, s:s}", "id", jb->id, "kind",
                      jb->kind == SRV_JOB_PARSE ? "parse" : "import", "state", states[jb->state]);
        if (jb->state == JOB_QUEUED)
            json_object_set_new(o, "jobs_ahead", json_integer(ahead));
        if (jb->state == JOB_RUNNING) {
            json_object_set_new(o, "page",
                                json_integer(__atomic_load_n(&jb->page, __ATOMIC_RELAXED)));
            json_object_set_new(o, "pages_read",
                                json_integer(__atomic_load_n(&jb->pages_read, __ATOMIC_RELAXED)));
        }
        if (jb->state != JOB_QUEUED) /* pages read in parallel, by workers that were free */
            json_object_set_new(o, "pages_lent", json_integer(jb->pages_lent));
        if (jb->state == JOB_DONE)
            /* a copy: the job's body may be dropped (evicted) once the lock is released */
            json_object_set_new(o, "result",
                                json_pack("{s:i, s:o}", "status", jb->status, "body",
                                          jb->body ? json_deep_copy(jb->body) : json_null()));
        break;
    }
    pthread_mutex_unlock(&j->lock);
    return o;
}
