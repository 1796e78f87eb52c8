/*
 * Importing a scan: the pages of one licence are read (OCR, extraction, validation through
 * xk_scan_parse) and then stored with their originals in one transaction. This is the import
 * side of scans: the OCR module reads pages and never writes the registry; the registry stores
 * records and never reads images. This module sits above both and is the only one that calls
 * the two.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "xuke/import.h"
#include "xuke/registry.h"
#include "xuke/store.h"
#include "xuke/text.h"
#include "review.h"

static void hex_sha256(const char *data, size_t len, char out[XK_SHA256_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)data, len);
    sodium_bin2hex(out, XK_SHA256_HEX, h, sizeof h);
}

/* What the import reported, seen on its way to the caller: the version the corrections are of. */
typedef struct reviewed {
    xk_import_fn fn;
    void *ctx;
    xk_status status;
    xk_import_result result;
    char number[64];
} reviewed;

static void note_report(const xk_import_report *r, void *vctx)
{
    reviewed *rv = vctx;
    rv->status = r->status;
    rv->result = r->result;
    if (r->lic && r->lic->number)
        snprintf(rv->number, sizeof rv->number, "%s", r->lic->number);
    rv->fn(r, rv->ctx);
}

xk_status xk_import_scan_reviewed(xk_store *st, const xk_blob *files, size_t n,
                                  const xk_ocr_options *opt, const xk_correction *corrections,
                                  size_t n_corrections, xk_import_fn fn, void *ctx)
{
    xk_licence *lic = NULL;
    xk_ocr_result ocr;
    memset(&ocr, 0, sizeof ocr);
    xk_error err;
    xk_error_clear(&err);
    xk_status rc = xk_scan_parse(files, n, opt, &lic, &ocr, &err);
    if (rc == XK_OK)
        rc = xk_review_apply(lic, corrections, n_corrections, &err);
    if (rc != XK_OK) { /* reported against the file the reading failed in */
        size_t in = ocr.text ? 0 : ocr.failed_file;
        xk_import_report r = {in, "", rc, lic, {0, 0}, &err, 0};
        fn(&r, ctx);
        xk_licence_free(lic);
        xk_ocr_result_free(&ocr);
        /* memory or the OCR engine failing is no fault of the document: the caller's to say */
        return rc == XK_ENOMEM || rc == XK_EIO ? rc : XK_EINVALID;
    }
    char sha[XK_SHA256_HEX];
    hex_sha256(ocr.text, ocr.len, sha);
    rc = xk_store_begin(st, &err);
    for (size_t i = 0; rc == XK_OK && i < n; i++)
        rc = xk_store_put_original(st, sha, (int)i + 1, files[i].bytes, files[i].len,
                                   xk_input_kind_name(xk_input_detect(files[i].bytes, files[i].len)),
                                   &err);
    reviewed rv = {fn, ctx, XK_OK, {0, 0}, ""};
    if (rc != XK_OK) {
        xk_import_report r = {0, "", rc, lic, {0, 0}, &err, 0};
        fn(&r, ctx);
        xk_licence_free(lic);
    } else {
        rc = xk_import_parsed(st, ocr.text, ocr.len, XK_OK, lic, NULL, NULL, note_report, &rv);
        /* the corrections belong to the version just stored, or to the current one when the
         * record as corrected is what it already holds: a person's review is kept either way */
        if (rc == XK_OK && n_corrections && rv.status == XK_OK) {
            rc = xk_store_put_corrections(st, rv.number, rv.result.version, corrections,
                                          n_corrections, &err);
            if (rc != XK_OK) {
                xk_import_report r = {0, "", rc, NULL, {0, 0}, &err, 0};
                fn(&r, ctx);
            }
        }
    }
    xk_status end = rc == XK_OK ? xk_store_commit(st, &err) : xk_store_rollback(st);
    if (rc == XK_OK && end != XK_OK) {
        xk_import_report r = {0, "", end, NULL, {0, 0}, &err, 0};
        fn(&r, ctx);
        rc = end;
    }
    xk_ocr_result_free(&ocr);
    return rc;
}

xk_status xk_import_scan(xk_store *st, const xk_blob *files, size_t n, const xk_ocr_options *opt,
                         xk_import_fn fn, void *ctx)
{
    return xk_import_scan_reviewed(st, files, n, opt, NULL, 0, fn, ctx);
}
