/*
 * Extractor entry point: classifies the document's lines, then runs the field, services,
 * appendix and provisions readers over them. Refuses text that is not a licence at all (no
 * title, no number, no labels) as a whole; anything short of that becomes a record whose gaps
 * are reported as problems by the validator.
 */
#include <stdlib.h>
#include <string.h>

#include "extract.h"

#include "../core/arena.h"

static char *into_arena(xk_licence *lic, char *t)
{
    if (!t) {
        xk_arena_mark_failed(lic->arena);
        return NULL;
    }
    char *copy = xk_licence_strdup(lic, t, strlen(t));
    free(t);
    return copy;
}

char *xk_tidy_into(xk_licence *lic, const char *s, size_t len)
{
    return into_arena(lic, xk_text_tidy(s, len));
}

char *xk_tidy_lines_into(xk_licence *lic, const char *s, size_t len)
{
    return into_arena(lic, xk_text_tidy_lines(s, len));
}

/* Evidence that the text is a licence: its title, a number, or two of its field labels. */
static bool looks_like_licence(const doc *d)
{
    int labels = 0;
    for (size_t i = 0; i < d->lines->n; i++) {
        const char *c = d->lines->lines[i].compact;
        if (strstr(c, "电信业务经营许可证"))
            return true;
        label_hit hit;
        if (xk_label_at(d, i, &hit) && xk_label_is_main(hit.kind) && ++labels >= 2)
            return true;
    }
    return false;
}

static xk_status refuse_not_licence(const doc *d, xk_error *err)
{
    for (size_t i = 0; i < d->lines->n; i++) {
        const char *c = d->lines->lines[i].compact;
        char found[96];
        int kind = xk_icp_kind(c, strlen(c), found, sizeof found);
        if (kind == 1)
            return xk_error_set(err, XK_ENOTLICENCE, d->lines->lines[i].lineno,
                                "%s is an ICP licence number (older form), not a value-added "
                                "telecom licence document",
                                found);
        if (kind == 2)
            return xk_error_set(err, XK_ENOTLICENCE, d->lines->lines[i].lineno,
                                "%s is an ICP filing (备案) number, not a licence", found);
    }
    return xk_error_set(err, XK_ENOTLICENCE, 0,
                        "not a value-added telecom licence: no 增值电信业务经营许可证 title, "
                        "licence number or field labels found");
}

void xk_doc_buf_done(const doc *d, xk_buf *b)
{
    if (b->oom)
        xk_arena_mark_failed(d->lic->arena);
    xk_buf_free(b);
}

xk_status xk_extract(const xk_lines *lines, xk_licence *lic, xk_error *err)
{
    doc d = {lines, NULL, NULL, lic, NULL, {{0, 0, 0}, 0, ""}, {{0, 0, 0}, 0, ""}, NULL};
    xk_status st = xk_labels_index(&d);
    if (st == XK_OK)
        st = xk_sections_classify(&d);
    if (st != XK_OK) {
        st = xk_error_set(err, st, 0, "out of memory");
        goto out;
    }
    if (!looks_like_licence(&d)) {
        number_match m;
        bool has_number = false;
        for (size_t i = 0; i < lines->n && !has_number; i++)
            has_number =
                xk_number_find(lines->lines[i].compact, strlen(lines->lines[i].compact), &m);
        if (!has_number) {
            st = refuse_not_licence(&d, err);
            goto out;
        }
    }
    st = xk_fields_extract(&d);
    if (st == XK_OK)
        st = xk_services_extract(&d);
    if (st == XK_OK)
        st = xk_appendix_extract(&d);
    if (st == XK_OK)
        st = xk_provisions_extract(&d);
    if (st == XK_ETOOBIG)
        st = XK_OK; /* already recorded as an error problem on the record */
    if (st != XK_OK)
        xk_error_set(err, st, 0, "%s while extracting", xk_strstatus(st));
out:
    free(d.section);
    free(d.furniture);
    free(d.number_header);
    free(d.labels);
    return st;
}
