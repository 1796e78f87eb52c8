/*
 * The OCR job queue of the server: a scan posted to /v1/parse or /v1/licenses is not read on an
 * HTTP worker thread (up to 20 pages × 30 s would hold it) but queued here and read by a pool of
 * its own threads, so reading licences stays fast while scans are read. Bounded: a queue of
 * fixed length (full: 503 with Retry-After), a number of queued jobs per token (beyond: 429),
 * and a number of finished jobs kept for their owners to fetch (the oldest go first). A worker
 * with no job waiting reads pages of a running job (xk_ocr_options.lend), so one document's
 * pages are read in parallel when workers are free. Stopping the queue stops the jobs being
 * read at their next page.
 */
#ifndef XK_SERVER_JOBS_H
#define XK_SERVER_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "xuke/xuke.h"

#define SRV_JOB_ID_LEN 32 /* hex characters of a job id: 128 random bits */

/* SRV_JOB_REVIEWED: an import after review, its bytes the JSON body of POST /v1/scans/reviewed */
typedef enum srv_job_kind { SRV_JOB_PARSE, SRV_JOB_IMPORT, SRV_JOB_REVIEWED } srv_job_kind;

typedef struct srv_jobs srv_jobs;

/* Reads one job's scan: fills *status and *body (new reference) as the synchronous route would
 * answer. st is the worker's own store connection, owner the token's name (the audit's actor);
 * hooks holds the reading's hooks to pass on (xk_ocr_options: on_page, on_page_read and
 * on_page_arg report the job's progress and stop it when the queue stops; lend and lend_arg hand
 * its pages to idle workers); its other fields are the defaults. */
typedef void (*srv_job_fn)(srv_job_kind kind, xk_store *st, const char *owner, const char *bytes,
                           size_t len, const xk_ocr_options *hooks, int *status, json_t **body);

typedef struct srv_jobs_config {
    unsigned workers;   /* threads reading scans */
    unsigned queue;     /* jobs waiting or running, at most */
    unsigned per_owner; /* jobs waiting or running for one token (or address), at most */
    unsigned keep;      /* finished jobs kept for fetching, at most */
    const char *db;     /* each worker opens its own store connection */
    srv_job_fn run;
} srv_jobs_config;

/* Starts the workers; NULL (errbuf says why) when the store cannot be opened. */
srv_jobs *xk_srv_jobs_start(const srv_jobs_config *cfg, char *errbuf, size_t errsize);
/* Stops taking jobs, stops running ones at their next page, drops queued ones, frees
 * everything. */
void xk_srv_jobs_stop(srv_jobs *j);

/* Queues a copy of bytes[0..len) for owner. 0 and the job's id in id; else the HTTP status to
 * answer: 503 (queue full) or 429 (owner has too many), with *retry_after seconds. */
int xk_srv_jobs_submit(srv_jobs *j, srv_job_kind kind, const char *owner, const char *bytes,
                       size_t len, char id[SRV_JOB_ID_LEN + 1], int *retry_after);

/* The job as JSON (new reference): id, state (queued, running, done), jobs ahead (queued or
 * running before it) while queued, page (the last page started) and pages_read while running,
 * pages_lent (pages read by other workers) once running, and when done the answer's status and
 * body. NULL when there is no such job for owner. */
json_t *xk_srv_jobs_describe(srv_jobs *j, const char *id, const char *owner);

#endif
