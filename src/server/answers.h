/*
 * Answers kept in memory: a read answer (its bytes and entity tag) under a key naming the
 * request, valid while the store stays at the revision it was computed at (xk_store_revision:
 * any write, from this process or another, moves it) and the calendar is the one it was computed
 * with. At most XK_SRV_ANSWERS_BYTES in all (keys, bodies and bookkeeping), the least recently
 * used dropped first; an answer larger than an eighth of that is not kept. Thread-safe.
 */
#ifndef XK_SERVER_ANSWERS_H
#define XK_SERVER_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/store.h"
#include "xuke/views.h"

typedef struct srv_answers srv_answers;

/* NULL when out of memory. max_bytes: the bound (XK_SRV_ANSWERS_BYTES in the server). */
srv_answers *xk_srv_answers_new(size_t max_bytes);
void xk_srv_answers_free(srv_answers *a);

/* The answer kept under key for this revision and calendar: a copy of its body (malloc'ed, the
 * caller frees it) and its tag; false when none is (or it is out of date, or no memory). */
bool xk_srv_answers_get(srv_answers *a, const char *key, size_t key_len,
                        const xk_store_revision *rev, unsigned long calendar, char **body,
                        size_t *len, char etag[XK_VIEW_ETAG_MAX]);
/* The same without a copy: *body points into the kept answer, which stays (even if dropped from
 * the table meanwhile) until xk_srv_answers_release(*ref). */
bool xk_srv_answers_borrow(srv_answers *a, const char *key, size_t key_len,
                           const xk_store_revision *rev, unsigned long calendar, const char **body,
                           size_t *len, char etag[XK_VIEW_ETAG_MAX], void **ref);
/* Lets go of a borrowed answer (a libmicrohttpd free callback: the response sent). */
void xk_srv_answers_release(void *ref);
/* Keeps a copy of body under key (replacing what was there); nothing when it does not fit. */
void xk_srv_answers_put(srv_answers *a, const char *key, size_t key_len,
                        const xk_store_revision *rev, unsigned long calendar, const char *body,
                        size_t len, const char *etag);
/* Keeps body itself (malloc'ed, NUL-terminated after len bytes; taken) under key and lends it
 * at once as xk_srv_answers_borrow does (release *ref when sent): true. False when it does not
 * fit or memory ran out: body stays the caller's. */
bool xk_srv_answers_adopt(srv_answers *a, const char *key, size_t key_len,
                          const xk_store_revision *rev, unsigned long calendar, char *body,
                          size_t len, const char *etag, void **ref);
/* Bytes held now, and answers. */
size_t xk_srv_answers_bytes(srv_answers *a, size_t *count);

#endif
