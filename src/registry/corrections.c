/*
 * Fields a person corrected when reviewing a scan before it counted: kept per version, apart from
 * the record (which holds the corrected value) and from the source text (which holds what was
 * read), so the history says which values a reviewer gave, over which reading, and who. Written
 * inside the import's transaction; one audit entry names every correction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "internal.h"

/* How many corrections version already has: a reviewed scan imported again onto a version it
 * left unchanged adds its corrections after them. */
static xk_status corrections_before(xk_store *st, long long lid, int version, int *n,
                                    xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(
        st, "SELECT COALESCE(MAX(position), 0) FROM corrections WHERE licence_id = ?1 AND "
            "version = ?2",
        err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, lid);
    xk_db_bind_int(s, 2, version);
    xk_status rc = XK_OK;
    if (xk_db_step(s) == XK_DB_ROW)
        *n = xk_db_column_int(s, 0);
    else
        rc = xk_store_db_error(st, err, "counting corrections");
    xk_db_reset(s);
    return rc;
}

static xk_status put_locked(xk_store *st, const char *number, int version, const xk_correction *c,
                            size_t n, xk_error *err)
{
    existing ex;
    xk_status rc = xk_store_require_licence(st, number, &ex, err);
    int before = 0;
    if (rc == XK_OK)
        rc = corrections_before(st, ex.id, version, &before, err);
    if (rc != XK_OK)
        return rc;
    char at[32];
    xk_store_now_utc(at);
    xk_buf detail;
    xk_buf_init(&detail);
    xk_buf_printf(&detail, "version %d: %zu field(s) corrected on review", version, n);
    xk_stmt *s = xk_store_cached_stmt(
        st,
        "INSERT INTO corrections(licence_id, version, position, field, read_value, "
        "corrected_value, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        err);
    if (!s) {
        xk_buf_free(&detail);
        return xk_store_stmt_failure(err);
    }
    for (size_t i = 0; rc == XK_OK && i < n; i++) {
        xk_db_reset(s);
        xk_db_clear_bindings(s);
        xk_db_bind_int64(s, 1, ex.id);
        xk_db_bind_int(s, 2, version);
        xk_db_bind_int(s, 3, before + (int)i + 1);
        xk_db_bind_text(s, 4, c[i].field, -1);
        xk_db_bind_text(s, 5, c[i].read_value, -1);
        xk_db_bind_text(s, 6, c[i].corrected_value, -1);
        xk_db_bind_text(s, 7, st->actor, -1);
        xk_db_bind_text(s, 8, at, -1);
        if (xk_db_step(s) != XK_DB_DONE)
            rc = xk_store_db_error(st, err, "recording a correction");
        xk_buf_printf(&detail, "; %s read \"%s\", corrected to \"%s\"", c[i].field,
                      c[i].read_value, c[i].corrected_value);
    }
    xk_db_reset(s);
    if (rc == XK_OK && detail.oom)
        rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    if (rc == XK_OK)
        rc = xk_content_append(st, at, "correct", number, detail.data, 0, err);
    xk_buf_free(&detail);
    return rc;
}

xk_status xk_store_put_corrections(xk_store *st, const char *number, int version,
                                   const xk_correction *c, size_t n, xk_error *err)
{
    if (n == 0)
        return xk_error_set(err, XK_EUSAGE, 0, "no corrections given");
    for (size_t i = 0; i < n; i++)
        if (!c[i].field[0])
            return xk_error_set(err, XK_EUSAGE, 0, "correction %zu names no field", i + 1);
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, put_locked(st, number, version, c, n, err), err);
}

xk_status xk_store_corrections(xk_store *st, const char *number, int version,
                               xk_correction **out, int **versions, size_t *n, xk_error *err)
{
    *out = NULL;
    *n = 0;
    if (versions)
        *versions = NULL;
    existing ex;
    xk_status rc = xk_store_require_licence(st, number, &ex, err);
    if (rc != XK_OK)
        return rc;
    xk_stmt *s = xk_store_cached_stmt(
        st,
        "SELECT version, field, read_value, corrected_value, actor, at FROM corrections "
        "WHERE licence_id = ?1 AND (?2 = 0 OR version = ?2) ORDER BY version, position",
        err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, ex.id);
    xk_db_bind_int(s, 2, version);
    size_t cap = 0;
    int *vs = NULL, step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            xk_correction *grown = realloc(*out, cap * sizeof *grown);
            int *vgrown = grown ? realloc(vs, cap * sizeof *vgrown) : NULL;
            if (grown)
                *out = grown;
            if (vgrown)
                vs = vgrown;
            if (!grown || !vgrown) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
        }
        xk_correction *c = &(*out)[*n];
        vs[*n] = xk_db_column_int(s, 0);
        (*n)++;
        if (!xk_store_text_col(s, 1, c->field, sizeof c->field) ||
            !xk_store_text_col(s, 2, c->read_value, sizeof c->read_value) ||
            !xk_store_text_col(s, 3, c->corrected_value, sizeof c->corrected_value) ||
            !xk_store_text_col(s, 4, c->actor, sizeof c->actor) ||
            !xk_store_text_col(s, 5, c->at, sizeof c->at)) {
            rc = xk_store_too_long(err, "correction", number);
            break;
        }
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading corrections");
    xk_db_reset(s);
    if (rc != XK_OK) {
        free(*out);
        free(vs);
        *out = NULL;
        *n = 0;
        return rc;
    }
    if (versions)
        *versions = vs;
    else
        free(vs);
    return XK_OK;
}
