/*
 * Token buckets in an open-addressed table keyed by client (see ratelimit.h). One mutex: a
 * bucket update is a few arithmetic operations, far below the cost of the request it guards.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define KEY_MAX 64

typedef struct bucket {
    char key[KEY_MAX];
    double tokens;
    double at; /* when tokens was last computed */
    bool used;
} bucket;

struct srv_ratelimit {
    pthread_mutex_t lock;
    double rate, burst;
    unsigned slots;
    bucket *b;
};

srv_ratelimit *xk_srv_ratelimit_new(double rate, double burst, unsigned slots)
{
    if (rate <= 0 || burst < 1 || slots == 0)
        return NULL;
    srv_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    rl->b = calloc(slots, sizeof *rl->b);
    if (!rl->b) {
        free(rl);
        return NULL;
    }
    pthread_mutex_init(&rl->lock, NULL);
    rl->rate = rate;
    rl->burst = burst;
    rl->slots = slots;
    return rl;
}

void xk_srv_ratelimit_free(srv_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl->b);
    free(rl);
}

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void refill(const srv_ratelimit *rl, bucket *b, double now)
{
    if (now > b->at)
        b->tokens = fmin(rl->burst, b->tokens + (now - b->at) * rl->rate);
    b->at = now;
}

/* The key's bucket, a free one, or a reusable one (full again, so forgetting it changes
 * nothing); NULL when the table is full of active clients. Probes at most 64 slots. */
static bucket *find(srv_ratelimit *rl, const char *key, double now)
{
    unsigned h = hash(key) % rl->slots;
    bucket *spare = NULL;
    for (unsigned i = 0; i < rl->slots && i < 64; i++) {
        bucket *b = &rl->b[(h + i) % rl->slots];
        if (b->used && strncmp(b->key, key, KEY_MAX - 1) == 0)
            return b;
        if (!b->used) {
            if (!spare)
                spare = b;
            break;
        }
        if (!spare && b->tokens + (now - b->at) * rl->rate >= rl->burst)
            spare = b;
    }
    if (spare) {
        memset(spare, 0, sizeof *spare);
        strncpy(spare->key, key, KEY_MAX - 1);
        spare->used = true;
        spare->tokens = rl->burst;
        spare->at = now;
    }
    return spare;
}

bool xk_srv_ratelimit_take(srv_ratelimit *rl, const char *key, double now, int *retry_after)
{
    pthread_mutex_lock(&rl->lock);
    bucket *b = find(rl, key, now);
    bool ok = false;
    *retry_after = 1;
    if (b) {
        refill(rl, b, now);
        if (b->tokens >= 1) {
            b->tokens -= 1;
            ok = true;
        } else {
            *retry_after = (int)ceil((1 - b->tokens) / rl->rate);
        }
    }
    pthread_mutex_unlock(&rl->lock);
    if (*retry_after < 1)
        *retry_after = 1;
    return ok;
}
