/*
 * Evidence of a duty done: the receipt or acceptance notice (PDF, PNG or JPEG) kept with the
 * event that records it. The bytes go where every other file of the store goes: the documents
 * table, once per SHA-256 (a receipt given twice, or a scan already stored as a source, is one
 * row). An evidence row links a document to an event with the name it was given and its place
 * among the event's files. The event's audit entry names each file's hash, and the entry's
 * content carries the hash of the licence's evidence rows (content.c), so a file swapped or
 * unlinked outside xuke fails `xuke audit --verify`.
 *
 * What a file is (its magic bytes) is read above the store (views.c, with the scan reader's
 * detector); here the kind given is held to the three kinds a browser can show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "internal.h"
#include "xuke/limits.h"
#include "xuke/text.h"

static const char *const kinds[] = {"pdf", "png", "jpeg"};

static bool known_kind(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind, kinds[i]) == 0)
            return true;
    return false;
}

/* A name a download can carry: UTF-8, no path, no control characters, not empty. */
static const char *name_problem(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0)
        return "is empty";
    if (!xk_utf8_valid(name, len, NULL))
        return "is not valid UTF-8";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\' || *p == '"')
            return "holds a path separator, a quote or a control character";
    return NULL;
}

xk_status xk_evidence_check(const xk_evidence_file *files, size_t n, xk_error *err)
{
    if (n > XK_MAX_EVIDENCE_FILES)
        return xk_error_set(err, XK_EUSAGE, 0,
                            "%zu evidence files given; an event keeps at most %u", n,
                            XK_MAX_EVIDENCE_FILES);
    for (size_t i = 0; i < n; i++) {
        const xk_evidence_file *f = &files[i];
        if (f->name && strlen(f->name) > XK_MAX_EVIDENCE_NAME_BYTES)
            return xk_error_set(err, XK_EUSAGE, 0,
                                "evidence file %zu: its name is longer than %u bytes", i + 1,
                                XK_MAX_EVIDENCE_NAME_BYTES);
        const char *bad = name_problem(f->name);
        if (bad)
            return xk_error_set(err, XK_EUSAGE, 0, "evidence file %zu: its name %s", i + 1, bad);
        if (!known_kind(f->kind))
            return xk_error_set(err, XK_EUSAGE, 0,
                                "evidence file %zu (%s) is not a PDF, PNG or JPEG file", i + 1,
                                f->name);
        if (f->len == 0)
            return xk_error_set(err, XK_EUSAGE, 0, "evidence file %zu (%s) is empty", i + 1,
                                f->name);
        if (f->len > XK_MAX_EVIDENCE_BYTES)
            return xk_error_set(err, XK_EUSAGE, 0,
                                "evidence file %zu (%s) is %zu bytes, over the %u-byte limit",
                                i + 1, f->name, f->len, XK_MAX_EVIDENCE_BYTES);
    }
    return XK_OK;
}

static xk_status put_one(xk_store *st, long event_id, int position, const char *at,
                         const xk_evidence_file *f, char sha[XK_SHA256_HEX], xk_error *err)
{
    xk_store_sha256_hex(f->bytes, f->len, sha);
    xk_stmt *s = xk_store_stmt(st, S_INSERT_DOCUMENT, err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, sha, -1);
    xk_db_bind_text(s, 2, f->kind, -1);
    xk_db_bind_int64(s, 3, (long long)f->len);
    xk_db_bind_blob(s, 4, f->bytes, f->len, false);
    xk_db_bind_text(s, 5, at, -1);
    if (xk_db_step(s) != XK_DB_DONE)
        return xk_store_db_error(st, err, "storing an evidence file");
    s = xk_store_cached_stmt(st,
                             "INSERT INTO evidence(event_id, position, sha256, name, kind, size) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                             err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, event_id);
    xk_db_bind_int(s, 2, position);
    xk_db_bind_text(s, 3, sha, -1);
    xk_db_bind_text(s, 4, f->name, -1);
    xk_db_bind_text(s, 5, f->kind, -1);
    xk_db_bind_int64(s, 6, (long long)f->len);
    xk_status rc = xk_db_step(s) == XK_DB_DONE
                       ? XK_OK
                       : xk_store_db_error(st, err, "linking an evidence file to its event");
    xk_db_reset(s);
    return rc;
}

xk_status xk_evidence_put(xk_store *st, long event_id, const char *at,
                          const xk_evidence_file *files, size_t n, xk_buf *detail, xk_error *err)
{
    for (size_t i = 0; i < n; i++) {
        char sha[XK_SHA256_HEX];
        xk_status rc = put_one(st, event_id, (int)i + 1, at, &files[i], sha, err);
        if (rc != XK_OK)
            return rc;
        xk_buf_printf(detail, "; evidence %zu %s %s %s", i + 1, sha, files[i].kind,
                      files[i].name);
    }
    return XK_OK;
}

/* One evidence row from columns event_id, position, sha256, name, kind, size at c. */
static bool read_row(xk_stmt *s, xk_evidence *e)
{
    memset(e, 0, sizeof *e);
    e->event_id = (long)xk_db_column_int64(s, 0);
    e->position = xk_db_column_int(s, 1);
    e->size = xk_db_column_int64(s, 5);
    return xk_store_text_col(s, 2, e->sha256, sizeof e->sha256) &&
           xk_store_text_col(s, 3, e->name, sizeof e->name) &&
           xk_store_text_col(s, 4, e->kind, sizeof e->kind);
}

xk_status xk_store_evidence(xk_store *st, const char *number, xk_evidence **out, size_t *n,
                            xk_error *err)
{
    *out = NULL;
    *n = 0;
    existing ex;
    xk_status rc = xk_store_require_licence(st, number, &ex, err);
    if (rc != XK_OK)
        return rc;
    xk_stmt *s = xk_store_cached_stmt(
        st,
        "SELECT v.event_id, v.position, v.sha256, v.name, v.kind, v.size FROM evidence v "
        "JOIN events e ON e.id = v.event_id WHERE e.licence_id = ?1 ORDER BY v.event_id, "
        "v.position",
        err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, ex.id);
    size_t cap = 0;
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            xk_evidence *grown = realloc(*out, cap * sizeof *grown);
            if (!grown) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
            *out = grown;
        }
        if (!read_row(s, &(*out)[(*n)++])) {
            rc = xk_store_too_long(err, "evidence file", number);
            break;
        }
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading evidence");
    xk_db_reset(s);
    if (rc != XK_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

xk_status xk_store_evidence_file(xk_store *st, const char *sha256, char **bytes, size_t *len,
                                 xk_evidence *meta, xk_error *err)
{
    *bytes = NULL;
    *len = 0;
    xk_stmt *s = xk_store_cached_stmt(st,
                                      "SELECT event_id, position, sha256, name, kind, size FROM "
                                      "evidence WHERE sha256 = ?1 ORDER BY event_id, position "
                                      "LIMIT 1",
                                      err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, sha256, -1);
    int step = xk_db_step(s);
    bool fits = step == XK_DB_ROW && read_row(s, meta);
    xk_db_reset(s);
    if (step == XK_DB_DONE)
        return xk_error_set(err, XK_ENOTFOUND, 0, "no evidence file has SHA-256 %.64s", sha256);
    if (step != XK_DB_ROW)
        return xk_store_db_error(st, err, "reading evidence");
    if (!fits)
        return xk_store_too_long(err, "evidence file", sha256);
    char kind[8];
    return xk_store_source(st, sha256, bytes, len, kind, err);
}
