/*
 * Importing scans into the registry: the one place that both reads pages (xuke/ocr.h) and
 * writes the store (xuke/store.h), so that neither of those two modules calls the other.
 */
#ifndef XUKE_IMPORT_H
#define XUKE_IMPORT_H

#include "xuke/error.h"
#include "xuke/ocr.h"
#include "xuke/registry.h"
#include "xuke/store.h"

/*
 * The pages of one licence (files in page order) into the registry, atomically: the scan files,
 * the text read from them (the version's source) and the record, or nothing. Reports through fn
 * as xk_import_bytes does (a reading that failed is reported with item the index of the file
 * it failed in, else 0); returns XK_OK, XK_EINVALID (not stored: see the report), XK_ENOMEM or
 * XK_EIO when reading failed for want of memory or of a working OCR engine (not stored; the
 * report says which; no fault of the document) or a store error.
 */
xk_status xk_import_scan(xk_store *st, const xk_blob *files, size_t n, const xk_ocr_options *opt,
                         xk_import_fn fn, void *ctx);

/*
 * The same after a person reviewed the scan: each correction (any field a review flag names:
 * the number, company, legal_representative, issuer, issued, expires, a service's code or
 * coverage, a website's name, domains, server location or access provider, a provision's text;
 * paths as src/import/review.h lists them) replaces the value read, which must still be
 * read_value, and the corrections are stored apart, with the version (the one stored, or the
 * current one when the record as corrected is unchanged), in the same transaction
 * (xk_store_put_corrections). A correction that does not apply is reported (XK_EUSAGE, or
 * XK_ECONFLICT when the scan reads otherwise) and nothing is stored.
 */
xk_status xk_import_scan_reviewed(xk_store *st, const xk_blob *files, size_t n,
                                  const xk_ocr_options *opt, const xk_correction *corrections,
                                  size_t n_corrections, xk_import_fn fn, void *ctx);

#endif
