/*
 * A bump allocator: one per document or record, freed in one call. Allocations are zeroed and
 * aligned for any type (max_align_t: 16 bytes on x86-64). Internal to the library.
 */
#ifndef XK_ARENA_H
#define XK_ARENA_H

#include <stddef.h>

typedef struct xk_arena xk_arena;

xk_arena *xk_arena_new(void);
void xk_arena_free(xk_arena *a);
/* Zeroed block of size bytes, or NULL when out of memory. */
void *xk_arena_alloc(xk_arena *a, size_t size);
/* Copy of s[0..len) plus NUL, or NULL. */
char *xk_arena_strndup(xk_arena *a, const char *s, size_t len);
/*
 * Makes room for one more element in an array of elem-sized items holding *len of *cap:
 * reallocates into the arena when full (the old block stays until the arena is freed).
 * Returns the (possibly new) array or NULL when out of memory or over max elements.
 */
void *xk_arena_grow(xk_arena *a, void *array, size_t elem, size_t len, size_t *cap, size_t max);

#endif
