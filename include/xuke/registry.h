/*
 * Importing into the registry: documents (what `xuke parse` reads) and JSON records (what
 * `xuke parse --json` and `xuke export` print: one object, an array, or JSON Lines). Shared by
 * the CLI's import and the server's upload so both accept exactly the same inputs.
 */
#ifndef XUKE_REGISTRY_H
#define XUKE_REGISTRY_H

#include "xuke/licence.h"
#include "xuke/store.h"

/* One licence's outcome. lic is the extracted record (NULL when the input was refused whole);
 * where names the place in the input ("", "line 3" for JSON Lines, "[2]" for arrays). */
typedef struct xk_import_report {
    size_t item;      /* which input, for xk_import_bulk (0 for the single-input calls) */
    const char *where;
    xk_status status; /* XK_OK stored (see result), else why not */
    const xk_licence *lic;
    xk_import_result result;
    const xk_error *err;
    /* Bulk import only: when nonzero, this report takes back `undone` licences reported stored
     * earlier with outcome result.outcome: the store failed (or --strict stopped) and their
     * transaction was rolled back. status is then XK_EDB or XK_EINVALID. */
    size_t undone;
} xk_import_report;

typedef void (*xk_import_fn)(const xk_import_report *r, void *ctx);

/*
 * Imports every licence in bytes[0..len) into st, reporting each through fn. Returns XK_OK if
 * all were stored (or unchanged), XK_EINVALID if any failed (the others are stored), or the
 * first store error (XK_EDB) which also stops the import.
 */
xk_status xk_import_bytes(xk_store *st, const char *bytes, size_t len,
                          const xk_parse_options *opt, xk_import_fn fn, void *ctx);

/* Does the input look like JSON records rather than a document? */
bool xk_input_is_json(const char *bytes, size_t len);

/*
 * The store half of importing one document that was parsed elsewhere (another thread):
 * parse_status, lic and perr are what xk_licence_parse gave for bytes; prep, when not NULL,
 * is xk_store_prepare's result for them (also done elsewhere). Reports through fn exactly as
 * xk_import_bytes would; takes ownership of lic.
 */
xk_status xk_import_parsed(xk_store *st, const char *bytes, size_t len, xk_status parse_status,
                           xk_licence *lic, const xk_error *perr, const xk_prepared *prep,
                           xk_import_fn fn, void *ctx);

/* Loads input i for xk_import_bulk, on a worker thread: a malloc'ed buffer the importer frees,
 * or a status and err (reported as that input's failure). Must be safe to call concurrently. */
typedef xk_status (*xk_load_fn)(size_t i, char **bytes, size_t *len, xk_error *err, void *ctx);

/*
 * Reads an input that is a scan rather than text (the OCR layer provides it; the registry does
 * not depend on OCR): XK_ENOTFOUND when the bytes are not a scan (then they are parsed as
 * text); otherwise the parse status with *lic, the text read (*text, malloc'ed: it becomes the
 * version's source, the scan file is kept beside it) and the file's kind ("png", …). Called on
 * worker threads: must be thread-safe.
 */
typedef xk_status (*xk_scan_fn)(const char *bytes, size_t len, xk_licence **lic, char **text,
                                size_t *text_len, char kind[8], xk_error *err, void *ctx);

/* Licences per transaction in a bulk import, measured (docs/PERFORMANCE.md): 1,000 gave 7.7k
 * licences/s at 100,000, 5,000 with the bulk checkpoint interval below gave 12k/s; a crash loses
 * at most the open batch, which a re-run completes. */
#define XK_IMPORT_BATCH 5000
/* WAL pages between automatic checkpoints during a bulk import (SQLite's default is 1,000):
 * a checkpoint copies every page written since the last one, so a longer interval copies hot
 * index pages once instead of many times. The WAL grows to about this many pages (8 KiB each in
 * a store made now, 16 KiB in older ones), and is truncated when the import ends. */
#define XK_IMPORT_WAL_PAGES 10000
/* The WAL's bound during a bulk import, in pages: checkpoints run beside the import (bulk.c),
 * and a WAL can only start again from its beginning once all of it is copied, so at this size
 * the import waits for that. About four batches of real-sized licences (8 KiB pages: 320 MiB
 * of disk beside the store while the import runs; 640 MiB in a store with 16 KiB pages). */
#define XK_IMPORT_WAL_MAX_PAGES 40000
/* The page cache during a bulk import follows the store: an eighth of the file (the indexes keyed
 * by hashes and host names take inserts at random places, and miss a cache smaller than they
 * are), at least the store's usual 64 MiB and at most this many MiB. It was 512 (at 1,000,000
 * licences 7,222 licences/s against 6,351 at 64), but an import's memory must stay bounded
 * whatever the count (≤ 128 MiB in all, issue 30): the cache is most of it, so it now stays at
 * the store's usual size. */
#define XK_IMPORT_CACHE_MAX_MIB 64

typedef struct xk_bulk_options {
    const xk_parse_options *parse;
    int workers;  /* extraction threads beside the storing one; 0 = one per core but one */
    size_t batch; /* licences per transaction; 0 = XK_IMPORT_BATCH */
    bool strict;  /* stop at the first failure and write nothing */
    xk_scan_fn scan; /* NULL: every input is text or JSON */
    void *scan_ctx;
} xk_bulk_options;

/*
 * Imports inputs 0..n-1 in order, pipelining: worker threads load and extract documents ahead
 * of the storing thread (the caller's), which writes them in input order in batched
 * transactions (JSON inputs are read and stored by the storing thread). A bounded window keeps
 * memory flat. Reports each licence through fn, on the caller's thread. Returns XK_OK,
 * XK_EINVALID when some inputs failed (the rest stored; with strict: nothing stored), or the
 * store's error, which rolls back the open batch and stops.
 */
xk_status xk_import_bulk(xk_store *st, size_t n, xk_load_fn load, void *load_ctx,
                         const xk_bulk_options *opt, xk_import_fn fn, void *ctx);

#endif
