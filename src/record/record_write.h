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

#endif
