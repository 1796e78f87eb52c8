/*
 * The licence record as JSON: the contract documented in docs/RECORD.md. Writing turns an
 * xk_licence into jansson objects; reading (the registry imports what `parse --json` prints)
 * checks every field's type and shape and reports the first problem with its JSON path.
 */
#ifndef XUKE_RECORD_JSON_H
#define XUKE_RECORD_JSON_H

#include <jansson.h>

#include "xuke/licence.h"

/* New reference to a JSON object for lic, or NULL when out of memory. Caller json_decref()s. */
json_t *xk_licence_to_json(const xk_licence *lic);

/*
 * Serialises lic: compact one-line JSON (pretty = false) or indented. Returns a malloc'ed string
 * the caller frees, or NULL when out of memory.
 */
char *xk_licence_to_json_string(const xk_licence *lic, bool pretty);

/*
 * Reads a record from a JSON object as printed by xk_licence_to_json. On success *out is a new
 * record the caller frees; it has not been validated yet.
 */
xk_status xk_licence_from_json(const json_t *obj, xk_licence **out, xk_error *err);

#endif
