/*
 * Direct JSON writer for records (internal): the registry hashes the record without its
 * warnings and stores it with them, so it needs the two halves separately.
 */
#ifndef XK_RECORD_WRITE_H
#define XK_RECORD_WRITE_H

#include "xuke/licence.h"

#include "../core/buf.h"

/* Appends the record as compact JSON in the contract's field order. */
void xk_record_write(xk_buf *b, const xk_licence *lic, bool with_warnings);
/* Appends ,"warnings":[...] (for splicing before a record's closing brace). */
void xk_record_write_warnings(xk_buf *b, const xk_licence *lic);
/* Appends ,"warning_keys":[...] when a warning has a catalogue key: one entry per warning, in
 * the same order, null or {"key": "problem.NAME", "params": [...]}, so a stored record's
 * warnings are said in the reader's language as a fresh parse's are. Nothing when none has. */
void xk_record_write_warning_keys(xk_buf *b, const xk_licence *lic);

#endif
