/*
 * Answers kept in memory (see answers.h): a hash table of entries chained per bucket, and a list
 * from the most to the least recently used, under one mutex. An entry is one allocation: the
 * bookkeeping, then the key, then the body; or the bookkeeping and the key, with a body it
 * adopted (xk_srv_answers_adopt) freed with it.
 */
#include "answers.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 16384u /* a power of two */

typedef struct entry {
    struct srv_answers *owner;
    unsigned refs;             /* the table's, and one per answer being sent from it */
    struct entry *chain;       /* the next in its bucket */
    struct entry *newer, *older;
    uint64_t hash;
    xk_store_revision rev;
    unsigned long calendar;
    size_t key_len, len, size;
    char etag[XK_VIEW_ETAG_MAX];
    char *body;  /* after the key in data, or an adopted buffer */
    bool adopted;
    char data[]; /* key, then the body unless adopted */
} entry;

struct srv_answers {
    pthread_mutex_t lock;
    entry *buckets[BUCKETS];
    entry *newest, *oldest;
    size_t bytes, max_bytes, count;
};

static void free_entry(entry *e)
{
    if (e->adopted)
        free(e->body);
    free(e);
}

srv_answers *xk_srv_answers_new(size_t max_bytes)
{
    srv_answers *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    pthread_mutex_init(&a->lock, NULL);
    a->max_bytes = max_bytes;
    return a;
}

void xk_srv_answers_free(srv_answers *a)
{
    if (!a)
        return;
    for (entry *e = a->newest, *next; e; e = next) { /* the server is stopped: none borrowed */
        next = e->older;
        free_entry(e);
    }
    pthread_mutex_destroy(&a->lock);
    free(a);
}

/* FNV-1a, 64 bits */
static uint64_t key_hash(const char *key, size_t len)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 1099511628211ULL;
    return h;
}

static entry **slot_of(srv_answers *a, uint64_t hash, const char *key, size_t key_len)
{
    entry **p = &a->buckets[hash & (BUCKETS - 1)];
    while (*p && !((*p)->hash == hash && (*p)->key_len == key_len &&
                   memcmp((*p)->data, key, key_len) == 0))
        p = &(*p)->chain;
    return p;
}

static void unlink_lru(srv_answers *a, entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        a->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        a->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(srv_answers *a, entry *e)
{
    e->newer = NULL;
    e->older = a->newest;
    if (a->newest)
        a->newest->newer = e;
    a->newest = e;
    if (!a->oldest)
        a->oldest = e;
}

/* Takes the entry at *slot out of the table; freed now, or when the last answer sent from it is. */
static void drop(srv_answers *a, entry **slot)
{
    entry *e = *slot;
    *slot = e->chain;
    unlink_lru(a, e);
    a->bytes -= e->size;
    a->count--;
    if (--e->refs == 0)
        free_entry(e);
}

bool xk_srv_answers_get(srv_answers *a, const char *key, size_t key_len,
                        const xk_store_revision *rev, unsigned long calendar, char **body,
                        size_t *len, char etag[XK_VIEW_ETAG_MAX])
{
    *body = NULL;
    *len = 0;
    if (!a)
        return false;
    uint64_t h = key_hash(key, key_len);
    pthread_mutex_lock(&a->lock);
    entry *e = *slot_of(a, h, key, key_len);
    bool hit = e && e->calendar == calendar && xk_store_revision_same(&e->rev, rev);
    if (hit && (*body = malloc(e->len + 1)) != NULL) {
        memcpy(*body, e->body, e->len + 1);
        *len = e->len;
        memcpy(etag, e->etag, XK_VIEW_ETAG_MAX);
        unlink_lru(a, e);
        push_newest(a, e);
    }
    pthread_mutex_unlock(&a->lock);
    return *body != NULL;
}

bool xk_srv_answers_borrow(srv_answers *a, const char *key, size_t key_len,
                           const xk_store_revision *rev, unsigned long calendar, const char **body,
                           size_t *len, char etag[XK_VIEW_ETAG_MAX], void **ref)
{
    *body = NULL;
    *len = 0;
    *ref = NULL;
    if (!a)
        return false;
    uint64_t h = key_hash(key, key_len);
    pthread_mutex_lock(&a->lock);
    entry *e = *slot_of(a, h, key, key_len);
    if (e && e->calendar == calendar && xk_store_revision_same(&e->rev, rev)) {
        e->refs++;
        *body = e->body;
        *len = e->len;
        *ref = e;
        memcpy(etag, e->etag, XK_VIEW_ETAG_MAX);
        unlink_lru(a, e);
        push_newest(a, e);
    }
    pthread_mutex_unlock(&a->lock);
    return *ref != NULL;
}

void xk_srv_answers_release(void *ref)
{
    entry *e = ref;
    if (!e)
        return;
    srv_answers *a = e->owner;
    pthread_mutex_lock(&a->lock);
    bool last = --e->refs == 0;
    pthread_mutex_unlock(&a->lock);
    if (last)
        free_entry(e);
}

/* Puts e (refs set by the caller) in the table, replacing what was under its key, and drops the
 * least recently used beyond the bound. */
static void insert(srv_answers *a, entry *e)
{
    pthread_mutex_lock(&a->lock);
    entry **slot = slot_of(a, e->hash, e->data, e->key_len);
    if (*slot)
        drop(a, slot);
    e->chain = a->buckets[e->hash & (BUCKETS - 1)];
    a->buckets[e->hash & (BUCKETS - 1)] = e;
    push_newest(a, e);
    a->bytes += e->size;
    a->count++;
    while (a->bytes > a->max_bytes && a->oldest != e) {
        entry *old = a->oldest;
        drop(a, slot_of(a, old->hash, old->data, old->key_len));
    }
    pthread_mutex_unlock(&a->lock);
}

/* A new entry for key with room for body_room bytes after it (0: the body is adopted). */
static entry *entry_new(srv_answers *a, const char *key, size_t key_len,
                        const xk_store_revision *rev, unsigned long calendar, size_t len,
                        size_t body_room, const char *etag)
{
    entry *e = malloc(sizeof(entry) + key_len + body_room);
    if (!e)
        return NULL;
    e->owner = a;
    e->refs = 1;
    e->hash = key_hash(key, key_len);
    e->rev = *rev;
    e->calendar = calendar;
    e->key_len = key_len;
    e->len = len;
    e->size = sizeof(entry) + key_len + len + 1;
    memset(e->etag, 0, sizeof e->etag);
    strncpy(e->etag, etag, sizeof e->etag - 1);
    memcpy(e->data, key, key_len);
    e->body = e->data + key_len;
    e->adopted = false;
    return e;
}

void xk_srv_answers_put(srv_answers *a, const char *key, size_t key_len,
                        const xk_store_revision *rev, unsigned long calendar, const char *body,
                        size_t len, const char *etag)
{
    if (!a || sizeof(entry) + key_len + len + 1 > a->max_bytes / 8)
        return;
    entry *e = entry_new(a, key, key_len, rev, calendar, len, len + 1, etag);
    if (!e)
        return;
    memcpy(e->body, body, len);
    e->body[len] = '\0';
    insert(a, e);
}

bool xk_srv_answers_adopt(srv_answers *a, const char *key, size_t key_len,
                          const xk_store_revision *rev, unsigned long calendar, char *body,
                          size_t len, const char *etag, void **ref)
{
    *ref = NULL;
    if (!a || sizeof(entry) + key_len + len + 1 > a->max_bytes / 8)
        return false;
    entry *e = entry_new(a, key, key_len, rev, calendar, len, 0, etag);
    if (!e)
        return false;
    e->body = body;
    e->adopted = true;
    e->refs = 2; /* the table's and the caller's */
    insert(a, e);
    *ref = e;
    return true;
}

size_t xk_srv_answers_bytes(srv_answers *a, size_t *count)
{
    pthread_mutex_lock(&a->lock);
    size_t bytes = a->bytes;
    if (count)
        *count = a->count;
    pthread_mutex_unlock(&a->lock);
    return bytes;
}
