/*
 * Bump allocator backing records: chunks of at least 64 KiB, each allocation carved from the
 * current chunk; large requests get a chunk of their own. Nothing is freed before the arena.
 */
#include "arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN (64u * 1024u)
#define ALIGN _Alignof(max_align_t)

/* data starts at a multiple of ALIGN from a malloc'ed (so max_align_t-aligned) chunk, and every
 * allocation is rounded up to ALIGN, so each one is aligned for any type. Without the alignment
 * of data the header's 24 bytes left every allocation 8 bytes off the 16 promised. */
typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(max_align_t) unsigned char data[];
} chunk;

struct xk_arena {
    chunk *head;
    bool failed; /* an allocation found no memory: what was built may lack a piece */
};

xk_arena *xk_arena_new(void)
{
    return calloc(1, sizeof(xk_arena));
}

void xk_arena_free(xk_arena *a)
{
    if (!a)
        return;
    chunk *c = a->head;
    while (c) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *xk_arena_alloc(xk_arena *a, size_t size)
{
    size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need < size)
        return NULL;
    chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t cap = need > CHUNK_MIN ? need : CHUNK_MIN;
        if (cap > SIZE_MAX - sizeof(chunk))
            return NULL;
        chunk *fresh = malloc(sizeof(chunk) + cap);
        if (!fresh) {
            a->failed = true;
            return NULL;
        }
        fresh->size = cap;
        fresh->used = 0;
        /* A dedicated chunk for a large request goes behind the head so the head keeps its room. */
        if (c && need > CHUNK_MIN) {
            fresh->next = c->next;
            c->next = fresh;
        } else {
            fresh->next = c;
            a->head = fresh;
        }
        c = fresh;
    }
    void *p = c->data + c->used;
    c->used += need;
    memset(p, 0, size);
    return p;
}

bool xk_arena_failed(const xk_arena *a)
{
    return a->failed;
}

void xk_arena_mark_failed(xk_arena *a)
{
    a->failed = true;
}

char *xk_arena_strndup(xk_arena *a, const char *s, size_t len)
{
    char *p = xk_arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void *xk_arena_grow(xk_arena *a, void *array, size_t elem, size_t len, size_t *cap, size_t max)
{
    if (len < *cap)
        return array;
    if (len >= max)
        return NULL;
    size_t ncap = *cap ? *cap * 2 : 4;
    if (ncap > max)
        ncap = max;
    void *fresh = xk_arena_alloc(a, ncap * elem);
    if (!fresh)
        return NULL;
    if (len)
        memcpy(fresh, array, len * elem);
    *cap = ncap;
    return fresh;
}
