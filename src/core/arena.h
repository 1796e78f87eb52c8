/*
 * A bump allocator: one per document or record, freed in one call. Allocations are zeroed and
 * aligned for any type (max_align_t: 16 bytes on x86-64). Internal to the library.
 */
#ifndef XK_ARENA_H
#define XK_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct xk_arena xk_arena;

xk_arena *xk_arena_new(void);
void xk_arena_free(xk_arena *a);
/* Zeroed block of size bytes, or NULL when out of memory. */
void *xk_arena_alloc(xk_arena *a, size_t size);
/* Whether an allocation from a ever failed for memory (a grow refused over its max does not
 * count): code that carries on past a failed piece, as an extractor may, asks this at the end so
 * a record missing a piece is never taken for the whole. */
bool xk_arena_failed(const xk_arena *a);
/* Records that a piece belonging to what the arena holds failed for memory elsewhere (a
 * growing buffer), so xk_arena_failed tells of it too. */
void xk_arena_mark_failed(xk_arena *a);
/* Copy of s[0..len) plus NUL, or NULL. */
char *xk_arena_strndup(xk_arena *a, const char *s, size_t len);
/*
 * Makes room for one more element in an array of elem-sized items holding *len of *cap:
 * reallocates into the arena when full (the old block stays until the arena is freed).
 * Returns the (possibly new) array or NULL when out of memory or over max elements.
 */
void *xk_arena_grow(xk_arena *a, void *array, size_t elem, size_t len, size_t *cap, size_t max);

#endif
