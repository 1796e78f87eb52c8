/*
 * Reading a document's pages into one text with confidences (xk_ocr_read): text-layer pages of
 * PDFs join it as they are, with confidence 100; an image page is cleaned (clean.c), scaled to
 * the print the model reads best and turned upright when it lies turned (geometry.c), read by
 * the thread's engine within the page's time (engine.c), walked into lines (page_lines.c), its
 * doubtful lines read again (reread.c, region.c, numerals.c, latin.c), and its lines and fixes
 * appended. It owns the text being built and the order of those steps, none of the steps.
 */
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "../core/buf.h"
#include "ocr_internal.h"
#include "xuke/text.h"

void xk_ocr_options_init(xk_ocr_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_bytes = XK_OCR_MAX_BYTES;
    o->max_pages = XK_OCR_MAX_PAGES;
    o->max_side = XK_OCR_MAX_SIDE;
    o->max_pixels = XK_OCR_MAX_PIXELS;
    o->page_seconds = XK_OCR_PAGE_SECONDS;
    o->review_confidence = XK_OCR_REVIEW_CONFIDENCE;
    o->clean = XK_CLEAN_DESKEW;
    o->languages = OCR_DEFAULT_LANGUAGES;
}

void xk_ocr_result_free(xk_ocr_result *r)
{
    if (!r)
        return;
    free(r->text);
    free(r->lines);
    free(r->fixes);
    memset(r, 0, sizeof *r);
}

/* --- the text being built ---------------------------------------------------------------------- */

typedef struct reader {
    page_sink sink;
    xk_buf text;
    xk_ocr_line *lines;
    size_t n_lines, cap_lines;
    xk_ocr_fix *fixes;
    size_t n_fixes, cap_fixes;
    unsigned text_layer_pages, turned_pages;
    unsigned distrusted_pages, first_distrusted; /* text layers not what their pages show */
    size_t distrusted_unshown, distrusted_chars;  /* of the first of them */
    bool any_text;
} reader;

static void distrusted_page(page_sink *sink, size_t unshown, size_t n)
{
    reader *r = (reader *)sink;
    if (!r->distrusted_pages++) {
        r->first_distrusted = sink->pages;
        r->distrusted_unshown = unshown;
        r->distrusted_chars = n;
    }
}

static bool add_line(reader *r, const char *s, size_t len, int min_conf, int mean)
{
    xk_ocr_line *lines =
        xk_ocr_room_for_one(r->lines, r->n_lines, &r->cap_lines, sizeof *lines, 256);
    if (!lines)
        return false;
    r->lines = lines;
    r->lines[r->n_lines++] = (xk_ocr_line){(int)r->sink.pages, min_conf, mean};
    xk_buf_append(&r->text, s, len);
    xk_buf_putc(&r->text, '\n');
    if (len)
        r->any_text = true;
    return !r->text.oom;
}

static xk_status text_page(page_sink *sink, const char *text, xk_error *err)
{
    reader *r = (reader *)sink;
    r->text_layer_pages++;
    for (const char *p = text; *p;) {
        const char *nl = strpbrk(p, "\r\n\f");
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (!add_line(r, p, n, 100, 100))
            return xk_error_set(err, XK_ENOMEM, (int)sink->pages, "out of memory");
        p += n;
        if (*p == '\r' && p[1] == '\n')
            p++;
        if (*p)
            p++;
    }
    return XK_OK;
}

static bool add_fixes(reader *r, const page_line *l)
{
    for (int k = l->n_fixes - 1; k >= 0; k--) { /* runs were read from the end */
        xk_ocr_fix *fixes =
            xk_ocr_room_for_one(r->fixes, r->n_fixes, &r->cap_fixes, sizeof *fixes, 8);
        if (!fixes)
            return false;
        r->fixes = fixes;
        r->fixes[r->n_fixes] = l->fixes[k];
        r->fixes[r->n_fixes++].line = (int)r->n_lines;
    }
    return true;
}

/* The page's recognised text into the reader, unsure lines read again first, then a number's
 * unknown province, then domains: each second reading within what is left of the page's time
 * (*left seconds); when that is spent, the page's own reading stands. */
static xk_status collect(reader *r, TessBaseAPI *api, PIX *image, const xk_ocr_options *o,
                         double *left, xk_error *err)
{
    page_lines pl = {0};
    xk_status rc = xk_ocr_words_into_lines(api, &pl, 0, 0);
    if (rc == XK_OK) {
        xk_ocr_reread_unsure(api, image, &pl, o->review_confidence, left);
        xk_ocr_read_region(api, image, &pl, left);
        xk_ocr_read_numerals(api, image, &pl, o->review_confidence, left);
        xk_ocr_read_latin(o, image, &pl, left);
    }
    for (size_t i = 0; rc == XK_OK && i < pl.n; i++) {
        page_line *l = &pl.items[i];
        if (l->text.oom ||
            !add_line(r, l->text.data ? l->text.data : "", l->text.len, l->min_conf, l->mean) ||
            !add_fixes(r, l))
            rc = XK_ENOMEM;
    }
    xk_ocr_page_lines_free(&pl);
    return rc == XK_OK ? XK_OK
                       : xk_error_set(err, XK_ENOMEM, (int)r->sink.pages, "out of memory");
}

/* Reads clean (at xres dpi) with api within what is left of the page's time (*left seconds,
 * reduced by the reading): XK_OK, or the error (over the time limit, engine failure). The
 * result stays in api. */
static xk_status recognise(page_sink *sink, TessBaseAPI *api, PIX *clean, l_int32 xres,
                           double *left, const xk_ocr_options *o, xk_error *err)
{
    /* cleared and set again even when unscaled: recognising after the layout pass splits
     * lines apart */
    TessBaseAPIClear(api);
    TessBaseAPISetImage2(api, clean);
    TessBaseAPISetSourceResolution(api, xres);
    bool read = xk_ocr_recognise_within(api, left);
    if (*left <= 0)
        return xk_error_set(err, XK_ETOOBIG, (int)sink->pages,
                            "page %u: reading took over the limit of %u s", sink->pages,
                            o->page_seconds);
    if (!read)
        return xk_error_set(err, XK_EIO, (int)sink->pages, "page %u: the OCR engine failed",
                            sink->pages);
    return XK_OK;
}

/* Reads the page turned upright when its reading is poor (mean confidence below
 * OCR_TURN_BELOW: a page scanned upside down or sideways reads as scattered guesses) and
 * orientation detection says it lies turned. The turned reading stands only when it is the
 * surer one; else the page is read as it came. *clean may be replaced by the turned image. */
static xk_status read_upright(reader *r, TessBaseAPI *api, PIX **clean, l_int32 xres,
                              double *left, const xk_ocr_options *o, xk_error *err)
{
    int mean = TessBaseAPIMeanTextConf(api);
    int turns = mean < OCR_TURN_BELOW ? xk_ocr_upright_turns(o, *clean, xres) : 0;
    PIX *turned = turns ? pixRotateOrth(*clean, turns) : NULL;
    if (!turned)
        return XK_OK;
    xk_status rc = recognise(&r->sink, api, turned, xres, left, o, err);
    if (rc == XK_OK && TessBaseAPIMeanTextConf(api) > mean) {
        pixDestroy(clean);
        *clean = turned;
        r->turned_pages++;
        return XK_OK;
    }
    pixDestroy(&turned);
    return rc == XK_OK ? recognise(&r->sink, api, *clean, xres, left, o, err) : rc;
}

static xk_status image_page(page_sink *sink, PIX *pix, const xk_ocr_options *o, xk_error *err)
{
    reader *r = (reader *)sink;
    TessBaseAPI *api = xk_ocr_engine_get(OCR_ENGINE_PAGE, o->datapath, OCR_LANGUAGES(o), err);
    if (!api)
        return err ? err->code : XK_EIO;
    PIX *clean = xk_ocr_clean_image(pix, o->clean);
    if (!clean)
        return xk_error_set(err, XK_EFORMAT, (int)sink->pages,
                            "page %u: the image cannot be converted for reading", sink->pages);
    l_int32 xres = pixGetXRes(pix);
    xres = xres >= 70 && xres <= 2400 ? xres : 300;
    TessBaseAPISetSourceResolution(api, xres);
    PIX *scaled = xk_ocr_normalise_scale(api, clean);
    if (scaled) {
        pixDestroy(&clean);
        clean = scaled;
    }
    double left = o->page_seconds; /* for every reading of the page */
    xk_status rc = recognise(sink, api, clean, xres, &left, o, err);
    if (rc == XK_OK)
        rc = read_upright(r, api, &clean, xres, &left, o, err);
    if (rc == XK_OK)
        rc = collect(r, api, clean, o, &left, err);
    TessBaseAPIClear(api);
    pixDestroy(&clean);
    return rc;
}

xk_status xk_ocr_read(const xk_blob *files, size_t n, const xk_ocr_options *opt,
                      xk_ocr_result *out, xk_error *err)
{
    xk_ocr_options defaults;
    if (!opt) {
        xk_ocr_options_init(&defaults);
        opt = &defaults;
    }
    memset(out, 0, sizeof *out);
    reader r;
    memset(&r, 0, sizeof r);
    r.sink.image = image_page;
    r.sink.text = text_page;
    r.sink.distrusted = distrusted_page;
    xk_buf_init(&r.text);
    double start = xk_ocr_now_seconds();
    xk_status rc = n ? xk_ocr_pages(&r.sink, files, n, opt, err)
                     : xk_error_set(err, XK_EUSAGE, 0, "no files to read");
    if (rc == XK_OK && !r.any_text && r.distrusted_pages)
        rc = xk_error_set(err, XK_EEMPTY, (int)r.first_distrusted,
                          "no text is shown on %u page%s: the PDF's text layer on page %u says "
                          "what the page does not show (%zu of its %zu characters have nothing "
                          "drawn where they stand), and the page's image holds no text",
                          r.sink.pages, r.sink.pages == 1 ? "" : "s", r.first_distrusted,
                          r.distrusted_unshown, r.distrusted_chars);
    else if (rc == XK_OK && !r.any_text)
        rc = xk_error_set(err, XK_EEMPTY, 0, "no text was found on %u page%s", r.sink.pages,
                          r.sink.pages == 1 ? "" : "s");
    if (rc == XK_OK && r.text.oom)
        rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    if (rc != XK_OK) {
        xk_buf_free(&r.text);
        free(r.lines);
        free(r.fixes);
        out->failed_file = r.sink.file;
        if (err && err->line > (int)r.sink.pages_before) /* the page within that file */
            err->line -= (int)r.sink.pages_before;
        return rc;
    }
    out->len = r.text.len;
    out->text = xk_buf_take(&r.text);
    out->lines = r.lines;
    out->n_lines = r.n_lines;
    out->fixes = r.fixes;
    out->n_fixes = r.n_fixes;
    out->pages = r.sink.pages;
    out->pages_from_text_layer = r.text_layer_pages;
    out->pages_turned = r.turned_pages;
    out->pages_text_layer_distrusted = r.distrusted_pages;
    out->first_text_layer_distrusted = r.first_distrusted;
    out->seconds = xk_ocr_now_seconds() - start;
    return XK_OK;
}
