/*
 * Per-client request rate limit: a token bucket per key (a token's name, or the peer address
 * for anonymous requests), refilled at `rate` per second up to `burst`. Thread-safe. The table
 * is bounded: when full, buckets idle long enough to be full again are reused, and if none is,
 * the request is refused (a flood of distinct keys cannot grow memory).
 */
#ifndef XK_SERVER_RATELIMIT_H
#define XK_SERVER_RATELIMIT_H

#include <stdbool.h>

typedef struct srv_ratelimit srv_ratelimit;

/* rate requests per second, burst at once; slots = most keys tracked. NULL on failure. */
srv_ratelimit *xk_srv_ratelimit_new(double rate, double burst, unsigned slots);
void xk_srv_ratelimit_free(srv_ratelimit *rl);
/* Takes one request from key's bucket at time now (seconds, monotonic). true = allowed; false
 * = refused, *retry_after the whole seconds until one is available. */
bool xk_srv_ratelimit_take(srv_ratelimit *rl, const char *key, double now, int *retry_after);

#endif
