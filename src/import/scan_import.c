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

static void hex_sha256(const char *data, size_t len, char out[XK_SHA256_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)data, len);
    sodium_bin2hex(out, XK_SHA256_HEX, h, sizeof h);
}

/* The value of a correctable field as the record holds it (a date as YYYY-MM-DD). */
static const char *field_value(const xk_licence *lic, const char *field, char day[16])
{
    if (strcmp(field, "company") == 0)
        return lic->company ? lic->company : "";
    if (strcmp(field, "legal_representative") == 0)
        return lic->legal_representative ? lic->legal_representative : "";
    if (strcmp(field, "issuer") == 0)
        return lic->issuer ? lic->issuer : "";
    if (strcmp(field, "issued") == 0)
        return xk_date_format(lic->issued, day, 16);
    if (strcmp(field, "expires") == 0)
        return xk_date_format(lic->expires, day, 16);
    return NULL;
}

/* Each correction applied to lic: the field as read must be what the reviewer saw (the same
 * scan reads the same), the value given must be one the field can hold. */
static xk_status apply_corrections(xk_licence *lic, const xk_correction *c, size_t n,
                                   xk_error *err)
{
    for (size_t i = 0; i < n; i++) {
        char day[16];
        const char *now = field_value(lic, c[i].field, day);
        if (!now)
            return xk_error_set(err, XK_EUSAGE, 0,
                                "%s cannot be corrected on review (company, legal_representative, "
                                "issuer, issued and expires can; re-scan for the rest)",
                                c[i].field);
        if (strcmp(now, c[i].read_value) != 0)
            return xk_error_set(err, XK_ECONFLICT, 0,
                                "the scan reads %s as \"%s\", not \"%s\" as reviewed", c[i].field,
                                now, c[i].read_value);
        size_t len = strlen(c[i].corrected_value);
        if (len == 0 || !xk_utf8_valid(c[i].corrected_value, len, NULL))
            return xk_error_set(err, XK_EUSAGE, 0, "the value given for %s is empty or not UTF-8",
                                c[i].field);
        if (strcmp(c[i].field, "issued") == 0 || strcmp(c[i].field, "expires") == 0) {
            xk_date d;
            if (!xk_date_parse_iso(c[i].corrected_value, &d))
                return xk_error_set(err, XK_EUSAGE, 0, "%s \"%s\" is not a date (YYYY-MM-DD)",
                                    c[i].field, c[i].corrected_value);
            *(c[i].field[0] == 'i' ? &lic->issued : &lic->expires) = d;
            continue;
        }
        char *copy = xk_licence_strdup(lic, c[i].corrected_value, len);
        if (!copy)
            return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
        if (strcmp(c[i].field, "company") == 0)
            lic->company = copy;
        else if (strcmp(c[i].field, "legal_representative") == 0)
            lic->legal_representative = copy;
        else
            lic->issuer = copy;
    }
    if (n && xk_date_cmp(lic->issued, lic->expires) >= 0)
        return xk_error_set(err, XK_EUSAGE, 0, "as corrected, the licence expires before it was "
                                               "issued");
    return XK_OK;
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
        rc = apply_corrections(lic, corrections, n_corrections, &err);
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
        /* the corrections belong to the version just stored; an unchanged record has them */
        if (rc == XK_OK && n_corrections && rv.status == XK_OK &&
            rv.result.outcome != XK_IMPORT_UNCHANGED) {
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
