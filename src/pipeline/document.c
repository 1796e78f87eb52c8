/*
 * The document pipeline behind xk_licence_parse(): size check, decoding (text), the layout
 * pass (extract/layout.c), line normalisation, extraction (extract), validation (validate), in that order. It sits above the
 * three stages it runs, so none of them calls another upward. Whole-input refusals (empty,
 * binary, too large, not a licence) are returned as statuses with an xk_error; everything else
 * lands on the record.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/arena.h"
#include "xuke/licence.h"
#include "xuke/limits.h"
#include "xuke/text.h"

#include "../extract/extract.h"

static bool only_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '\f' &&
            s[i] != '\v')
            return false;
    return true;
}

xk_status xk_licence_parse(const char *bytes, size_t len, const xk_parse_options *opt,
                           xk_licence **out, xk_error *err)
{
    *out = NULL;
    size_t max = opt && opt->max_bytes ? opt->max_bytes : XK_MAX_DOCUMENT_BYTES;
    if (len > max)
        return xk_error_set(err, XK_ETOOBIG, 0, "document is %zu bytes, over the %zu-byte limit",
                            len, max);
    if (len == 0)
        return xk_error_set(err, XK_EEMPTY, 0, "empty file");
    char *text = NULL;
    size_t text_len = 0;
    xk_encoding enc;
    xk_status st = xk_text_decode(bytes, len, &text, &text_len, &enc, err);
    if (st != XK_OK)
        return st;
    if (only_space(text, text_len)) {
        free(text);
        return xk_error_set(err, XK_EEMPTY, 0, "no text: the file holds only white space");
    }
    xk_licence *lic = xk_licence_new();
    if (!lic) {
        free(text);
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    }
    char *laid = NULL;
    size_t laid_len = 0;
    st = xk_layout_rewrite(text, text_len, lic, &laid, &laid_len);
    if (st != XK_OK) {
        free(text);
        xk_licence_free(lic);
        return xk_error_set(err, st, 0, "out of memory reading the layout");
    }
    xk_lines lines;
    st = laid ? xk_lines_split(laid, laid_len, &lines, err)
              : xk_lines_split(text, text_len, &lines, err);
    free(laid);
    free(text);
    if (st != XK_OK) {
        xk_licence_free(lic);
        return st;
    }
    st = xk_extract(&lines, lic, err);
    xk_lines_free(&lines);
    if (st != XK_OK) {
        xk_licence_free(lic);
        return st;
    }
    xk_licence_validate(lic);
    if (xk_arena_failed(lic->arena)) { /* a piece the extractor or validator went on without */
        xk_licence_free(lic);
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory while extracting");
    }
    *out = lic;
    return xk_licence_error_count(lic) ? XK_EINVALID : XK_OK;
}
