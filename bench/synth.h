/*
 * Synthetic licence documents for benchmarks, in the seeds' layout (the C twin of
 * tests/tools/corpus.py): every field varies with the index, numbers are unique below
 * 3.52 million, and generation is deterministic.
 */
#ifndef XK_BENCH_SYNTH_H
#define XK_BENCH_SYNTH_H

#include <stddef.h>

#include "../src/core/buf.h"

/* Writes document i into out (reset first). Also returns its number, first domain and a
 * company fragment for queries (each buffer at least 64 bytes). */
void synth_document(size_t i, xk_buf *out, char *number, char *domain, char *company_part);

#endif
