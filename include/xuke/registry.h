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
    const char *where;
    xk_status status; /* XK_OK stored (see result), else why not */
    const xk_licence *lic;
    xk_import_result result;
    const xk_error *err;
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

#endif
