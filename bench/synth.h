/*
 * Synthetic licence documents for benchmarks, shaped like the seeds in tests/fixtures/seeds
 * (10-14 KB each): the title and preamble, 1-3 services with their qualifiers, issuer and dates
 * in the seeds' printed forms, an appendix with a few to dozens of websites, and 15-16 special
 * provisions (the last ones with items) over several pages whose headers interrupt the text,
 * sometimes mid-sentence; about a third of the documents have their long lines hard-wrapped as
 * text taken from a PDF is. Every field varies with the index and the corpus seed; numbers are
 * unique below 3.52 million; the same (seed, index) always gives the same bytes.
 */
#ifndef XK_BENCH_SYNTH_H
#define XK_BENCH_SYNTH_H

#include <stddef.h>

#include "../src/core/buf.h"

/* The corpus seed (default 1): a different seed gives different documents for every index. */
void synth_seed(unsigned long long seed);

/* Writes document i into out (reset first). Also returns its number, first domain and a
 * company fragment for queries (each buffer at least 64 bytes). */
void synth_document(size_t i, xk_buf *out, char *number, char *domain, char *company_part);

#endif
