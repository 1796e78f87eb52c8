/*
 * The pages of a document as a person reviewing it sees them (xk_ocr_views): each page as it is
 * given, in grey, scaled to a width a page beside its fields can show, as PNG. The same walk over
 * the files as reading them (pages.c), so the pages come in the same order, under the same
 * limits, and the boxes of the lines read (fractions of the page) fall on these images. Nothing
 * is read here.
 */
#include <leptonica/allheaders.h>
#include <stdlib.h>
#include <string.h>

#include "ocr_internal.h"

typedef struct viewer {
    page_sink sink;
    xk_ocr_view *views;
    size_t n, cap;
} viewer;

/* The page in grey, at most width pixels across: NULL when out of memory. */
static PIX *grey_at(PIX *pix, unsigned width)
{
    PIX *grey = pixConvertTo8(pix, 0);
    if (!grey)
        return NULL;
    int w = (int)pixGetWidth(grey);
    if (w <= (int)width)
        return grey;
    PIX *scaled = pixScaleToSize(grey, (l_int32)width, 0);
    pixDestroy(&grey);
    return scaled;
}

static xk_status view_page(page_sink *sink, PIX *pix, const xk_ocr_options *o, xk_error *err)
{
    (void)o;
    viewer *v = (viewer *)sink;
    PIX *grey = grey_at(pix, sink->view_width);
    pixDestroy(&pix);
    xk_ocr_view *views = xk_ocr_room_for_one(v->views, v->n, &v->cap, sizeof *views, 4);
    l_uint8 *png = NULL;
    size_t len = 0;
    if (!grey || !views || pixWriteMem(&png, &len, grey, IFF_PNG) != 0) {
        if (views)
            v->views = views;
        pixDestroy(&grey);
        free(png);
        return xk_error_set(err, XK_ENOMEM, (int)sink->pages, "page %u: out of memory",
                            sink->pages);
    }
    v->views = views;
    v->views[v->n++] = (xk_ocr_view){png, len, (int)pixGetWidth(grey), (int)pixGetHeight(grey)};
    pixDestroy(&grey);
    return XK_OK;
}

/* Never called: every PDF page is given as an image when the sink asks for views. */
static xk_status no_text(page_sink *sink, const char *text, const xk_ocr_boxes *boxes,
                         xk_error *err)
{
    (void)text;
    (void)boxes;
    return xk_error_set(err, XK_EIO, (int)sink->pages, "page %u: not rendered", sink->pages);
}

xk_status xk_ocr_views(const xk_blob *files, size_t n, const xk_ocr_options *opt, unsigned width,
                       xk_ocr_view **out, size_t *n_out, xk_error *err)
{
    xk_ocr_options defaults;
    if (!opt) {
        xk_ocr_options_init(&defaults);
        opt = &defaults;
    }
    *out = NULL;
    *n_out = 0;
    viewer v;
    memset(&v, 0, sizeof v);
    v.sink.image = view_page;
    v.sink.text = no_text;
    v.sink.views = true;
    v.sink.view_width = width > 0 && width <= XK_OCR_VIEW_WIDTH ? width : XK_OCR_VIEW_WIDTH;
    xk_status rc = n ? xk_ocr_pages(&v.sink, files, n, opt, err)
                     : xk_error_set(err, XK_EUSAGE, 0, "no files to show");
    if (rc != XK_OK) {
        xk_ocr_views_free(v.views, v.n);
        return rc;
    }
    *out = v.views;
    *n_out = v.n;
    return XK_OK;
}

void xk_ocr_views_free(xk_ocr_view *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].png);
    free(v);
}
