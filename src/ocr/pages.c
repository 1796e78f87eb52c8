/*
 * From scan files to page images: format detection by magic bytes, the size, page-count and
 * pixel limits checked from headers before anything is decoded, Leptonica decoding (PNG, JPEG,
 * multi-page TIFF), and PDF pages through Poppler: the page's text layer when it has one, else
 * the scan the page holds read at its own resolution (one image covering the page, as scanners
 * and img2pdf write them), else the page rendered at XK_OCR_PDF_DPI.
 */
#include <cairo.h>
#include <leptonica/allheaders.h>
#include <poppler.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocr_internal.h"

xk_input_kind xk_input_detect(const char *bytes, size_t len)
{
    const unsigned char *b = (const unsigned char *)bytes;
    if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return XK_INPUT_PNG;
    if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return XK_INPUT_JPEG;
    if (len >= 4 && (memcmp(b, "II*\0", 4) == 0 || memcmp(b, "MM\0*", 4) == 0))
        return XK_INPUT_TIFF;
    if (len >= 5 && memcmp(b, "%PDF-", 5) == 0)
        return XK_INPUT_PDF;
    return XK_INPUT_TEXT;
}

const char *xk_input_kind_name(xk_input_kind k)
{
    static const char *const names[] = {"text", "png", "jpeg", "tiff", "pdf"};
    return k <= XK_INPUT_PDF ? names[k] : "text";
}

const char *xk_input_mime(xk_input_kind k)
{
    static const char *const types[] = {"text/plain", "image/png", "image/jpeg", "image/tiff",
                                        "application/pdf"};
    return k <= XK_INPUT_PDF ? types[k] : "text/plain";
}

/* Refuses a page whose claimed size is over the limits (before it is decoded). */
static xk_status check_size(const xk_ocr_options *o, int page, long w, long h, xk_error *err)
{
    if (w <= 0 || h <= 0)
        return xk_error_set(err, XK_EFORMAT, page, "page %d: the image has no size", page);
    if ((unsigned long)w > o->max_side || (unsigned long)h > o->max_side ||
        (unsigned long long)w * (unsigned long long)h > o->max_pixels)
        return xk_error_set(err, XK_ETOOBIG, page,
                            "page %d is %ld × %ld pixels: over the limit of %u pixels a side "
                            "and %u pixels in all",
                            page, w, h, o->max_side, o->max_pixels);
    return XK_OK;
}

static xk_status next_page(page_sink *sink, const xk_ocr_options *o, xk_error *err)
{
    if (sink->pages >= o->max_pages)
        return xk_error_set(err, XK_ETOOBIG, (int)sink->pages + 1,
                            "more than %u pages: over the page limit", o->max_pages);
    sink->pages++;
    if (o->on_page && !o->on_page(o->on_page_arg, sink->pages))
        return xk_error_set(err, XK_EIO, (int)sink->pages,
                            "page %u: reading was stopped before it (the reader is shutting down)",
                            sink->pages);
    return XK_OK;
}

static xk_status image_page(page_sink *sink, PIX *pix, const xk_ocr_options *o, xk_error *err)
{
    if (!pix)
        return xk_error_set(err, XK_EFORMAT, (int)sink->pages,
                            "page %u: the image is corrupt or truncated", sink->pages);
    return sink->image(sink, pix, o, err); /* the sink owns pix from here */
}

static xk_status read_tiff(page_sink *sink, const xk_blob *f, const xk_ocr_options *o,
                           xk_error *err)
{
    FILE *fp = fmemopen((void *)f->bytes, f->len, "rb");
    l_int32 count = 0;
    if (!fp || tiffGetCount(fp, &count) != 0 || count < 1) {
        if (fp)
            fclose(fp);
        return xk_error_set(err, XK_EFORMAT, (int)sink->pages + 1,
                            "the TIFF file is corrupt or truncated");
    }
    fclose(fp);
    for (l_int32 i = 0; i < count; i++) {
        l_int32 w, h, bps, spp, res, cmap, format;
        xk_status rc = next_page(sink, o, err);
        if (rc != XK_OK)
            return rc;
        if (readHeaderMemTiff((const l_uint8 *)f->bytes, f->len, i, &w, &h, &bps, &spp, &res,
                              &cmap, &format) != 0)
            return xk_error_set(err, XK_EFORMAT, (int)sink->pages,
                                "page %u: the TIFF page is corrupt", sink->pages);
        if ((rc = check_size(o, (int)sink->pages, w, h, err)) != XK_OK)
            return rc;
        rc = image_page(sink, pixReadMemTiff((const l_uint8 *)f->bytes, f->len, i), o, err);
        if (rc != XK_OK)
            return rc;
    }
    return XK_OK;
}

static xk_status read_image(page_sink *sink, const xk_blob *f, const xk_ocr_options *o,
                            xk_error *err)
{
    l_int32 format, w, h, bps, spp, cmap;
    xk_status rc = next_page(sink, o, err);
    if (rc != XK_OK)
        return rc;
    if (pixReadHeaderMem((const l_uint8 *)f->bytes, f->len, &format, &w, &h, &bps, &spp,
                         &cmap) != 0)
        return xk_error_set(err, XK_EFORMAT, (int)sink->pages,
                            "page %u: the image header is corrupt or truncated", sink->pages);
    if ((rc = check_size(o, (int)sink->pages, w, h, err)) != XK_OK)
        return rc;
    return image_page(sink, pixReadMem((const l_uint8 *)f->bytes, f->len), o, err);
}

/* Cairo's RGB24 or ARGB32 (0x00RRGGBB words) to a 32 bpp Leptonica image (0xRRGGBB00 words)
 * at dpi; NULL for another format. */
static PIX *pix_from_surface(cairo_surface_t *s, int dpi)
{
    cairo_format_t f = cairo_image_surface_get_format(s);
    if (f != CAIRO_FORMAT_RGB24 && f != CAIRO_FORMAT_ARGB32)
        return NULL;
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    PIX *pix = pixCreate(w, h, 32);
    if (!pix)
        return NULL;
    l_uint32 *dst = pixGetData(pix);
    l_int32 wpl = pixGetWpl(pix);
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++)
            dst[(size_t)y * (size_t)wpl + (size_t)x] = (row[x] & 0xFFFFFFu) << 8;
    }
    pixSetResolution(pix, dpi, dpi);
    return pix;
}

/*
 * The scan a page holds, at its own resolution: a page without text whose one image covers
 * nine tenths of it or more. Rendering such a page at XK_OCR_PDF_DPI resampled the scan (an
 * image placed without a DPI, 96 by img2pdf's reckoning, came out 3875 × 5481 pixels and took
 * 3-4 s a page to read). *dpi is the scan's resolution on the page (0 when unknown). NULL when
 * the page is not one scan, or the image cannot be had as pixels.
 */
static cairo_surface_t *page_scan(PopplerPage *page, double wpt, double hpt, int *dpi)
{
    GList *maps = poppler_page_get_image_mapping(page);
    cairo_surface_t *s = NULL;
    if (maps && !maps->next) {
        const PopplerImageMapping *m = maps->data;
        double w = m->area.x2 - m->area.x1, h = m->area.y2 - m->area.y1;
        w = w < 0 ? -w : w;
        h = h < 0 ? -h : h;
        if (w * h >= 0.9 * wpt * hpt)
            s = poppler_page_get_image(page, m->image_id);
        if (s && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(s);
            s = NULL;
        }
        double d = s && w > 0 ? cairo_image_surface_get_width(s) / (w / 72.0) : 0;
        *dpi = d >= 70 && d <= 2400 ? (int)(d + 0.5) : 0;
    }
    poppler_page_free_image_mapping(maps);
    return s;
}

static PIX *render_page(PopplerPage *page, double wpt, double hpt, double dpi)
{
    double scale = dpi / 72.0;
    int w = (int)(wpt * scale + 0.5), h = (int)(hpt * scale + 0.5);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return NULL;
    }
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    poppler_page_render_for_printing(page, cr);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    PIX *pix = pix_from_surface(s, (int)(dpi + 0.5));
    cairo_surface_destroy(s);
    return pix;
}

/* Where each line of the page's text stands, as fractions of the page (xk_ocr_boxes): the
 * union of the boxes of its characters that are not white space, from the text layout, one
 * box per character of text. None when the page has no layout. */
static void text_line_boxes(PopplerPage *page, const char *text, double wpt, double hpt,
                            xk_ocr_boxes *out)
{
    out->box = NULL;
    out->n = 0;
    PopplerRectangle *rects = NULL;
    guint n_rects = 0;
    if (wpt <= 0 || hpt <= 0 || !poppler_page_get_text_layout(page, &rects, &n_rects))
        return;
    size_t lines = 1;
    for (const char *p = text; *p; p++)
        lines += (*p == '\n' || *p == '\f' || (*p == '\r' && p[1] != '\n'));
    out->box = calloc(lines, sizeof *out->box);
    if (!out->box) {
        g_free(rects);
        return;
    }
    out->n = lines;
    size_t line = 0;
    const char *p = text;
    for (guint i = 0; i < n_rects && *p; i++, p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c == '\n' || c == '\f' || (c == '\r' && p[1] != '\n')) {
            line++;
            continue;
        }
        if (g_unichar_isspace(c) || c == 0x3000 || line >= lines)
            continue;
        float b[4] = {(float)(rects[i].x1 / wpt), (float)(rects[i].y1 / hpt),
                      (float)(rects[i].x2 / wpt), (float)(rects[i].y2 / hpt)};
        float *o = out->box[line];
        if (o[2] <= 0) {
            memcpy(o, b, sizeof b);
        } else {
            o[0] = b[0] < o[0] ? b[0] : o[0];
            o[1] = b[1] < o[1] ? b[1] : o[1];
            o[2] = b[2] > o[2] ? b[2] : o[2];
            o[3] = b[3] > o[3] ? b[3] : o[3];
        }
    }
    g_free(rects);
}

/* A text layer worth using: at least a few characters that are not white space. */
static bool has_text(const char *t)
{
    int n = 0;
    for (; t && *t; t++)
        n += !(*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t' || *t == '\f');
    return n >= 8;
}

/* Resolution at which a text layer is checked against its page: a 5-point character is 7
 * pixels high, enough to tell ink from nothing. */
#define TEXT_CHECK_DPI 100

/* The page in grey at TEXT_CHECK_DPI (caller frees); NULL when it cannot be rendered. */
static unsigned char *render_gray(PopplerPage *page, double wpt, double hpt, int *w, int *h)
{
    double scale = TEXT_CHECK_DPI / 72.0;
    *w = (int)(wpt * scale + 0.5);
    *h = (int)(hpt * scale + 0.5);
    if (*w < 1 || *h < 1 || (long)*w * *h > XK_OCR_MAX_PIXELS)
        return NULL;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, *w, *h);
    unsigned char *gray = NULL;
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS &&
        (gray = malloc((size_t)*w * (size_t)*h)) != NULL) {
        cairo_t *cr = cairo_create(s);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        cairo_scale(cr, scale, scale);
        poppler_page_render_for_printing(page, cr);
        cairo_destroy(cr);
        cairo_surface_flush(s);
        const unsigned char *px = cairo_image_surface_get_data(s);
        int stride = cairo_image_surface_get_stride(s);
        for (int y = 0; y < *h; y++)
            for (int x = 0; x < *w; x++) {
                uint32_t v = *(const uint32_t *)(const void *)(px + (size_t)y * (size_t)stride +
                                                               (size_t)x * 4);
                unsigned r = (v >> 16) & 255, g = (v >> 8) & 255, b = v & 255;
                gray[(size_t)y * (size_t)*w + (size_t)x] =
                    (unsigned char)((r * 299 + g * 587 + b * 114) / 1000);
            }
    }
    cairo_surface_destroy(s);
    return gray;
}

/* Is the text layer what the page shows? Every character that is not white space must have
 * something drawn where it stands (textlayer.c). *unshown and *n say how many did not, of how
 * many. A page that cannot be rendered or laid out is not trusted. */
static bool text_layer_shown(PopplerPage *page, const char *text, double wpt, double hpt,
                             size_t *unshown, size_t *n)
{
    PopplerRectangle *rects = NULL;
    guint n_rects = 0;
    *unshown = *n = 0;
    if (!poppler_page_get_text_layout(page, &rects, &n_rects))
        return false;
    int w, h;
    unsigned char *gray = render_gray(page, wpt, hpt, &w, &h);
    xk_ocr_box *boxes = malloc((n_rects ? n_rects : 1) * sizeof *boxes);
    bool ok = gray && boxes;
    double scale = TEXT_CHECK_DPI / 72.0;
    const char *p = text;
    for (guint i = 0; ok && i < n_rects && *p; i++, p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_isspace(c) || c == 0x3000)
            continue;
        boxes[(*n)++] = (xk_ocr_box){rects[i].x1 * scale, rects[i].y1 * scale,
                                     rects[i].x2 * scale, rects[i].y2 * scale};
    }
    if (ok) {
        xk_ocr_page_image img = {gray, w, h, (size_t)w};
        *unshown = xk_ocr_boxes_unshown(&img, boxes, *n);
    }
    free(boxes);
    free(gray);
    g_free(rects);
    return ok && xk_ocr_text_layer_trusted(*unshown, *n);
}

static xk_status pdf_page(page_sink *sink, PopplerPage *page, const xk_ocr_options *o,
                          xk_error *err)
{
    xk_status rc;
    double wpt0, hpt0;
    poppler_page_get_size(page, &wpt0, &hpt0);
    if (sink->views) { /* seen as printed, not read */
        double dpi = wpt0 > 0 ? sink->view_width * 72.0 / wpt0 : 72.0;
        long w = (long)(wpt0 * dpi / 72.0 + 0.5), h = (long)(hpt0 * dpi / 72.0 + 0.5);
        rc = check_size(o, (int)sink->pages, w, h, err);
        return rc == XK_OK ? image_page(sink, render_page(page, wpt0, hpt0, dpi), o, err) : rc;
    }
    char *text = poppler_page_get_text(page);
    size_t unshown = 0, chars = 0;
    bool layer = has_text(text);
    if (layer && !text_layer_shown(page, text, wpt0, hpt0, &unshown, &chars)) {
        layer = false; /* not what a person sees: the page is read as they see it */
        if (sink->distrusted)
            sink->distrusted(sink, unshown, chars);
    }
    if (layer) {
        xk_ocr_boxes boxes;
        text_line_boxes(page, text, wpt0, hpt0, &boxes);
        rc = sink->text(sink, text, &boxes, err);
        free(boxes.box);
    } else {
        double wpt, hpt;
        poppler_page_get_size(page, &wpt, &hpt);
        int dpi = 0;
        cairo_surface_t *scan = page_scan(page, wpt, hpt, &dpi);
        PIX *own = NULL;
        if (scan) {
            rc = check_size(o, (int)sink->pages, cairo_image_surface_get_width(scan),
                            cairo_image_surface_get_height(scan), err);
            own = rc == XK_OK ? pix_from_surface(scan, dpi) : NULL;
            cairo_surface_destroy(scan);
            if (rc != XK_OK) {
                g_free(text);
                return rc;
            }
        }
        if (own) {
            rc = image_page(sink, own, o, err);
        } else {
            double scale = XK_OCR_PDF_DPI / 72.0;
            rc = check_size(o, (int)sink->pages, (long)(wpt * scale + 0.5),
                            (long)(hpt * scale + 0.5), err);
            if (rc == XK_OK)
                rc = image_page(sink, render_page(page, wpt, hpt, XK_OCR_PDF_DPI), o, err);
        }
    }
    g_free(text);
    return rc;
}

static xk_status read_pdf(page_sink *sink, const xk_blob *f, const xk_ocr_options *o,
                          xk_error *err)
{
    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(f->bytes, f->len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    xk_status rc = XK_OK;
    if (!doc) {
        bool locked = gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED;
        rc = xk_error_set(err, XK_EFORMAT, (int)sink->pages + 1, "%s%s",
                          locked ? "the PDF is encrypted (a password is needed): "
                                   "export an unprotected copy"
                                 : "the PDF is corrupt or truncated: ",
                          locked ? "" : (gerr ? gerr->message : "unreadable"));
        if (gerr)
            g_error_free(gerr);
        g_bytes_unref(bytes);
        return rc;
    }
    int n = poppler_document_get_n_pages(doc);
    if (n < 1)
        rc = xk_error_set(err, XK_EEMPTY, (int)sink->pages + 1, "the PDF has no pages");
    for (int i = 0; rc == XK_OK && i < n; i++) {
        rc = next_page(sink, o, err);
        PopplerPage *page = rc == XK_OK ? poppler_document_get_page(doc, i) : NULL;
        if (rc == XK_OK && !page)
            rc = xk_error_set(err, XK_EFORMAT, (int)sink->pages, "page %u of the PDF is corrupt",
                              sink->pages);
        if (page) {
            rc = pdf_page(sink, page, o, err);
            g_object_unref(page);
        }
    }
    g_object_unref(doc);
    g_bytes_unref(bytes);
    return rc;
}

xk_status xk_ocr_pages(page_sink *sink, const xk_blob *files, size_t n, const xk_ocr_options *o,
                       xk_error *err)
{
    setMsgSeverity(L_SEVERITY_NONE); /* Leptonica reports through our errors, not stderr */
    for (size_t i = 0; i < n; i++) {
        const xk_blob *f = &files[i];
        sink->file = i;
        sink->pages_before = sink->pages;
        if (f->len > o->max_bytes)
            return xk_error_set(err, XK_ETOOBIG, 0,
                                "file %zu is %zu bytes: over the scan limit of %zu bytes", i + 1,
                                f->len, o->max_bytes);
        xk_status rc;
        switch (xk_input_detect(f->bytes, f->len)) {
        case XK_INPUT_PNG:
        case XK_INPUT_JPEG:
            rc = read_image(sink, f, o, err);
            break;
        case XK_INPUT_TIFF:
            rc = read_tiff(sink, f, o, err);
            break;
        case XK_INPUT_PDF:
            rc = read_pdf(sink, f, o, err);
            break;
        default:
            rc = xk_error_set(err, XK_EFORMAT, 0,
                              "file %zu is not a PNG, JPEG, TIFF or PDF (a text document cannot "
                              "be a page of a scan)",
                              i + 1);
        }
        if (rc != XK_OK)
            return rc;
    }
    return XK_OK;
}
