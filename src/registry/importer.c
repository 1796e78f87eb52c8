/*
 * The import path: bytes → records → store. A document goes through the full extraction and
 * validation; JSON records are read field by field and validated the same way, so a record
 * cannot enter the registry by the JSON door that the document door would refuse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xuke/record_json.h"
#include "xuke/registry.h"

bool xk_input_is_json(const char *b, size_t len)
{
    size_t i = 0;
    if (len >= 3 && (unsigned char)b[0] == 0xEF && (unsigned char)b[1] == 0xBB &&
        (unsigned char)b[2] == 0xBF)
        i = 3;
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
        i++;
    return i < len && (b[i] == '{' || b[i] == '[');
}

static void report(xk_import_fn fn, void *ctx, const char *where, xk_status status,
                   const xk_licence *lic, const xk_import_result *res, const xk_error *err)
{
    xk_import_report r = {0, where, status, lic, {0, 0}, err, 0};
    if (res)
        r.result = *res;
    fn(&r, ctx);
}

static xk_status store_record(xk_store *st, xk_licence *lic, const char *src, size_t len,
                              const char *kind, const char *where, const xk_prepared *prep,
                              xk_import_fn fn, void *ctx)
{
    xk_error err;
    xk_error_clear(&err);
    if (xk_licence_error_count(lic)) {
        xk_error_set(&err, XK_EINVALID, 0, "record has errors");
        report(fn, ctx, where, XK_EINVALID, lic, NULL, &err);
        return XK_EINVALID;
    }
    xk_import_result res = {0, 0};
    xk_status rc = prep ? xk_store_put_prepared(st, lic, src, len, kind, prep, &res, &err)
                        : xk_store_put(st, lic, src, len, kind, &res, &err);
    report(fn, ctx, where, rc, lic, &res, &err);
    return rc;
}

xk_status xk_import_parsed(xk_store *st, const char *bytes, size_t len, xk_status parse_status,
                           xk_licence *lic, const xk_error *perr, const xk_prepared *prep,
                           xk_import_fn fn, void *ctx)
{
    if (parse_status != XK_OK && parse_status != XK_EINVALID) {
        report(fn, ctx, "", parse_status, NULL, NULL, perr);
        xk_licence_free(lic);
        return XK_EINVALID;
    }
    xk_status rc = store_record(st, lic, bytes, len, "text", "", prep, fn, ctx);
    xk_licence_free(lic);
    return rc;
}

static xk_status import_document(xk_store *st, const char *bytes, size_t len,
                                 const xk_parse_options *opt, xk_import_fn fn, void *ctx)
{
    xk_error err;
    xk_error_clear(&err);
    xk_licence *lic = NULL;
    xk_status rc = xk_licence_parse(bytes, len, opt, &lic, &err);
    return xk_import_parsed(st, bytes, len, rc, lic, &err, NULL, fn, ctx);
}

static xk_status import_object(xk_store *st, json_t *obj, const char *where, xk_import_fn fn,
                               void *ctx)
{
    xk_error err;
    xk_error_clear(&err);
    xk_licence *lic = NULL;
    xk_status rc = xk_licence_from_json(obj, &lic, &err);
    if (rc != XK_OK) {
        report(fn, ctx, where, rc, NULL, NULL, &err);
        return rc == XK_ENOMEM ? rc : XK_EINVALID;
    }
    xk_licence_validate(lic);
    char *src = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!src) {
        xk_licence_free(lic);
        return XK_ENOMEM;
    }
    rc = store_record(st, lic, src, strlen(src), "json", where, NULL, fn, ctx);
    free(src);
    xk_licence_free(lic);
    return rc;
}

/* Worst of two results: a store failure stops everything, an invalid record does not. */
static xk_status worse(xk_status acc, xk_status rc)
{
    if (acc == XK_EDB || acc == XK_ENOMEM)
        return acc;
    if (rc == XK_EDB || rc == XK_ENOMEM)
        return rc;
    return (rc != XK_OK || acc != XK_OK) ? XK_EINVALID : XK_OK;
}

static xk_status import_json_lines(xk_store *st, const char *bytes, size_t len, xk_import_fn fn,
                                   void *ctx)
{
    xk_status acc = XK_OK;
    size_t i = 0;
    int line = 0;
    while (i < len && acc != XK_EDB && acc != XK_ENOMEM) {
        size_t j = i;
        while (j < len && bytes[j] != '\n')
            j++;
        line++;
        char where[32];
        snprintf(where, sizeof where, "line %d", line);
        size_t k = i;
        while (k < j && (bytes[k] == ' ' || bytes[k] == '\t' || bytes[k] == '\r'))
            k++;
        if (k < j) {
            json_error_t jerr;
            json_t *o = json_loadb(bytes + i, j - i, 0, &jerr);
            if (!o) {
                xk_error err;
                xk_error_set(&err, XK_EFORMAT, line, "not JSON: %s (column %d)", jerr.text,
                             jerr.column);
                report(fn, ctx, where, XK_EFORMAT, NULL, NULL, &err);
                acc = worse(acc, XK_EINVALID);
            } else {
                acc = worse(acc, import_object(st, o, where, fn, ctx));
                json_decref(o);
            }
        }
        i = j + 1;
    }
    return acc;
}

xk_status xk_import_bytes(xk_store *st, const char *bytes, size_t len,
                          const xk_parse_options *opt, xk_import_fn fn, void *ctx)
{
    if (!xk_input_is_json(bytes, len))
        return import_document(st, bytes, len, opt, fn, ctx);
    if (len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0) { /* jansson refuses a BOM */
        bytes += 3;
        len -= 3;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(bytes, len, 0, &jerr);
    if (!doc) /* several objects, one per line */
        return import_json_lines(st, bytes, len, fn, ctx);
    xk_status acc = XK_OK;
    if (json_is_array(doc)) {
        for (size_t i = 0; i < json_array_size(doc) && acc != XK_EDB && acc != XK_ENOMEM; i++) {
            char where[32];
            snprintf(where, sizeof where, "[%zu]", i);
            acc = worse(acc, import_object(st, json_array_get(doc, i), where, fn, ctx));
        }
    } else {
        acc = import_object(st, doc, "", fn, ctx);
    }
    json_decref(doc);
    return acc;
}
