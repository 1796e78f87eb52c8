/*
 * Reading a document's pages into one text with confidences (xk_ocr_read): text-layer pages of
 * PDFs join it as they are, with confidence 100; an image page is cleaned (clean.c), scaled to
 * the print the model reads best and turned upright when it lies turned (geometry.c), read by
 * the thread's engine within the page's time (engine.c), walked into lines (page_lines.c), its
 * doubtful lines read again (reread.c, region.c, numerals.c, latin.c), and its lines and fixes
 * appended (with, when asked, the images of its unsure lines for a second reading, second.c).
 * Pages may be read on other threads (xk_ocr_options.lend): each page is read into a
 * slot of its own and the slots are appended in page order, so the text is the same whoever read
 * which page. It owns the text being built and the order of those steps, none of the steps.
 */
#include <pthread.h>
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

/* One page of the document: read where it was lent (or here), appended in page order. */
typedef struct page_slot {
    struct page_slot *next;
    struct reader *r;
    unsigned page;
    size_t file;           /* the file it is in, and the pages of the files before it */
    unsigned pages_before;
    PIX *pix;      /* an image page until it is read (owned) */
    char *text;    /* a text-layer page (owned) */
    xk_ocr_boxes boxes; /* where its lines stand (owned) */
    page_lines pl; /* an image page's lines, once read */
    PIX **crops;   /* pl.n of them: the unsure lines' images kept for a second reading, or NULL */
    int width, height; /* of the image read, the lines' boxes in its pixels */
    bool turned;
    bool done; /* under the reader's lock */
    xk_status rc;
    xk_error err;
} page_slot;

typedef struct reader {
    page_sink sink;
    const xk_ocr_options *o;
    xk_buf text;
    xk_ocr_line *lines;
    size_t n_lines, cap_lines;
    xk_ocr_fix *fixes;
    size_t n_fixes, cap_fixes;
    unsigned text_layer_pages, turned_pages, pages_read;
    unsigned distrusted_pages, first_distrusted; /* text layers not what their pages show */
    size_t distrusted_unshown, distrusted_chars;  /* of the first of them */
    bool any_text;
    bool failed_in_slot;   /* the error is a page's: failed_file and failed_before say where */
    size_t failed_file;
    unsigned failed_before;
    /* pages not yet appended, in page order; done is set under lock, waited on with moved */
    page_slot *head, **tail;
    pthread_mutex_t lock;
    pthread_cond_t moved;
    ocr_kept *kept; /* where unsure lines' images go, in line order; NULL: none kept */
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

static bool add_line(reader *r, unsigned page, const char *s, size_t len, int min_conf, int mean,
                     const float box[4], bool reread)
{
    xk_ocr_line *lines =
        xk_ocr_room_for_one(r->lines, r->n_lines, &r->cap_lines, sizeof *lines, 256);
    if (!lines)
        return false;
    r->lines = lines;
    r->lines[r->n_lines] = (xk_ocr_line){(int)page, min_conf, mean, {0, 0, 0, 0}, reread, false};
    if (box)
        memcpy(r->lines[r->n_lines].box, box, sizeof r->lines[r->n_lines].box);
    r->n_lines++;
    xk_buf_append(&r->text, s, len);
    xk_buf_putc(&r->text, '\n');
    if (len)
        r->any_text = true;
    return !r->text.oom;
}

/* A text layer's lines appended as they are, with confidence 100. */
static bool add_text_lines(reader *r, unsigned page, const char *text, const xk_ocr_boxes *b)
{
    r->text_layer_pages++;
    size_t line = 0;
    for (const char *p = text; *p; line++) {
        const char *nl = strpbrk(p, "\r\n\f");
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (!add_line(r, page, p, n, 100, 100, line < b->n ? b->box[line] : NULL, false))
            return false;
        r->lines[r->n_lines - 1].text_layer = true;
        p += n;
        if (*p == '\r' && p[1] == '\n')
            p++;
        if (*p)
            p++;
    }
    return true;
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

/* The page's recognised text into its lines, unsure lines read again first, then a number's
 * unknown province, then domains: each second reading within what is left of the page's time
 * (*left seconds); when that is spent, the page's own reading stands. */
static xk_status collect(page_slot *s, TessBaseAPI *api, PIX *image, const xk_ocr_options *o,
                         double *left, xk_error *err)
{
    xk_status rc = xk_ocr_words_into_lines(api, &s->pl, 0, 0);
    if (rc == XK_OK) {
        xk_ocr_reread_unsure(api, image, &s->pl, o->review_confidence, left);
        xk_ocr_read_region(api, image, &s->pl, left);
        xk_ocr_read_numerals(api, image, &s->pl, o->review_confidence, left);
        xk_ocr_read_latin(o, image, &s->pl, left);
    }
    return rc == XK_OK ? XK_OK : xk_error_set(err, XK_ENOMEM, (int)s->page, "out of memory");
}

/* The lines of a page read into the reader's text. */
static bool add_page_lines(reader *r, page_slot *s)
{
    for (size_t i = 0; i < s->pl.n; i++) {
        page_line *l = &s->pl.items[i];
        /* a page read turned has its boxes on the turned image, not on the page as given */
        float box[4] = {0, 0, 0, 0};
        if (!s->turned && s->width > 0 && s->height > 0 && l->right > l->left) {
            box[0] = (float)l->left / (float)s->width;
            box[1] = (float)l->top / (float)s->height;
            box[2] = (float)l->right / (float)s->width;
            box[3] = (float)l->bottom / (float)s->height;
        }
        if (l->text.oom ||
            !add_line(r, s->page, l->text.data ? l->text.data : "", l->text.len, l->min_conf,
                      l->mean, box, l->reread) ||
            !add_fixes(r, l))
            return false;
        if (s->crops && s->crops[i]) {
            xk_ocr_kept_add(r->kept, (int)r->n_lines, s->crops[i],
                            xk_ocr_kept_for_field(l, r->o->review_confidence));
            s->crops[i] = NULL;
        }
    }
    return true;
}

/* Reads clean (at xres dpi) with api within what is left of the page's time (*left seconds,
 * reduced by the reading): XK_OK, or the error (over the time limit, engine failure). The
 * result stays in api. */
static xk_status recognise(unsigned page, TessBaseAPI *api, PIX *clean, l_int32 xres,
                           double *left, const xk_ocr_options *o, xk_error *err)
{
    /* cleared and set again even when unscaled: recognising after the layout pass splits
     * lines apart */
    TessBaseAPIClear(api);
    TessBaseAPISetImage2(api, clean);
    TessBaseAPISetSourceResolution(api, xres);
    bool read = xk_ocr_recognise_within(api, left);
    if (*left <= 0)
        return xk_error_set(err, XK_ETOOBIG, (int)page,
                            "page %u: reading took over the limit of %u s", page, o->page_seconds);
    if (!read)
        return xk_error_set(err, XK_EIO, (int)page, "page %u: the OCR engine failed", page);
    return XK_OK;
}

/* Reads the page turned upright when its reading is poor (mean confidence below
 * OCR_TURN_BELOW: a page scanned upside down or sideways reads as scattered guesses) and
 * orientation detection says it lies turned. The turned reading stands only when it is the
 * surer one; else the page is read as it came. *clean may be replaced by the turned image. */
static xk_status read_upright(page_slot *s, TessBaseAPI *api, PIX **clean, l_int32 xres,
                              double *left, const xk_ocr_options *o, xk_error *err)
{
    int mean = TessBaseAPIMeanTextConf(api);
    int turns = mean < OCR_TURN_BELOW ? xk_ocr_upright_turns(o, *clean, xres) : 0;
    PIX *turned = turns ? pixRotateOrth(*clean, turns) : NULL;
    if (!turned)
        return XK_OK;
    xk_status rc = recognise(s->page, api, turned, xres, left, o, err);
    if (rc == XK_OK && TessBaseAPIMeanTextConf(api) > mean) {
        pixDestroy(clean);
        *clean = turned;
        s->turned = true;
        return XK_OK;
    }
    pixDestroy(&turned);
    return rc == XK_OK ? recognise(s->page, api, *clean, xres, left, o, err) : rc;
}

/* Reads an image page into its slot, on whichever thread runs it (that thread's engines). */
static xk_status read_image_page(page_slot *s, const xk_ocr_options *o, xk_error *err)
{
    PIX *pix = s->pix;
    TessBaseAPI *api = xk_ocr_engine_get(OCR_ENGINE_PAGE, o->datapath, OCR_LANGUAGES(o), err);
    if (!api)
        return err->code != XK_OK ? err->code : XK_EIO;
    PIX *clean = xk_ocr_clean_image(pix, o->clean);
    if (!clean)
        return xk_error_set(err, XK_EFORMAT, (int)s->page,
                            "page %u: the image cannot be converted for reading", s->page);
    l_int32 xres = pixGetXRes(pix);
    xres = xres >= 70 && xres <= 2400 ? xres : 300;
    TessBaseAPISetSourceResolution(api, xres);
    PIX *scaled = xk_ocr_normalise_scale(api, clean);
    if (scaled) {
        pixDestroy(&clean);
        clean = scaled;
    }
    double left = o->page_seconds; /* for every reading of the page */
    xk_status rc = recognise(s->page, api, clean, xres, &left, o, err);
    if (rc == XK_OK)
        rc = read_upright(s, api, &clean, xres, &left, o, err);
    if (rc == XK_OK)
        rc = collect(s, api, clean, o, &left, err);
    if (rc == XK_OK && s->r->kept)
        s->crops = xk_ocr_keep_lines(clean, &s->pl);
    s->width = (int)pixGetWidth(clean);
    s->height = (int)pixGetHeight(clean);
    TessBaseAPIClear(api);
    pixDestroy(&clean);
    return rc;
}

/* Reads a slot's image and marks it done: the task lent to another thread, or run here. */
static void read_slot(void *task)
{
    page_slot *s = task;
    xk_error_clear(&s->err);
    xk_status rc = read_image_page(s, s->r->o, &s->err);
    pixDestroy(&s->pix);
    pthread_mutex_lock(&s->r->lock);
    s->rc = rc;
    s->done = true;
    pthread_cond_broadcast(&s->r->moved);
    pthread_mutex_unlock(&s->r->lock);
}

static void slot_free(page_slot *s)
{
    pixDestroy(&s->pix);
    free(s->text);
    free(s->boxes.box);
    for (size_t i = 0; s->crops && i < s->pl.n; i++)
        pixDestroy(&s->crops[i]);
    free(s->crops);
    xk_ocr_page_lines_free(&s->pl);
    free(s);
}

/* A new slot for the current page at the end of the list; NULL when out of memory. */
static page_slot *new_slot(reader *r)
{
    page_slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->r = r;
    s->page = r->sink.pages;
    s->file = r->sink.file;
    s->pages_before = r->sink.pages_before;
    pthread_mutex_lock(&r->lock);
    *r->tail = s;
    r->tail = &s->next;
    pthread_mutex_unlock(&r->lock);
    return s;
}

/* The slot's page appended to the text: XK_OK, or its error (copied into err). */
static xk_status append_slot(reader *r, page_slot *s, xk_error *err)
{
    if (s->rc != XK_OK) {
        if (err)
            *err = s->err;
        r->failed_in_slot = true;
        r->failed_file = s->file;
        r->failed_before = s->pages_before;
        return s->rc;
    }
    bool ok = s->text ? add_text_lines(r, s->page, s->text, &s->boxes) : add_page_lines(r, s);
    if (!ok)
        return xk_error_set(err, XK_ENOMEM, (int)s->page, "out of memory");
    r->turned_pages += s->turned;
    r->pages_read++;
    if (r->o->on_page_read)
        r->o->on_page_read(r->o->on_page_arg, r->pages_read);
    return XK_OK;
}

/* Appends the pages read at the head of the list, in page order; with all, waits for every page
 * lent out first. A page that failed stops it with its error (the error reading the pages one
 * after another would have met first). */
static xk_status settle(reader *r, bool all, xk_error *err)
{
    for (;;) {
        pthread_mutex_lock(&r->lock);
        while (all && r->head && !r->head->done)
            pthread_cond_wait(&r->moved, &r->lock);
        page_slot *s = r->head;
        if (!s || !s->done) {
            pthread_mutex_unlock(&r->lock);
            return XK_OK;
        }
        r->head = s->next;
        if (!r->head)
            r->tail = &r->head;
        pthread_mutex_unlock(&r->lock);
        xk_status rc = append_slot(r, s, err);
        slot_free(s);
        if (rc != XK_OK)
            return rc;
    }
}

/* Waits for every page lent out and drops what was read (the reading failed). */
static void drop_slots(reader *r)
{
    pthread_mutex_lock(&r->lock);
    for (page_slot *s = r->head; s; s = s->next)
        while (!s->done)
            pthread_cond_wait(&r->moved, &r->lock);
    page_slot *s = r->head;
    r->head = NULL;
    r->tail = &r->head;
    pthread_mutex_unlock(&r->lock);
    while (s) {
        page_slot *next = s->next;
        slot_free(s);
        s = next;
    }
}

/* An image page (owned from here): lent to another thread when one is free, else read here. */
static xk_status image_page(page_sink *sink, PIX *pix, const xk_ocr_options *o, xk_error *err)
{
    reader *r = (reader *)sink;
    page_slot *s = new_slot(r);
    if (!s) {
        pixDestroy(&pix);
        return xk_error_set(err, XK_ENOMEM, (int)sink->pages, "out of memory");
    }
    s->pix = pix;
    if (!o->lend || !o->lend(o->lend_arg, read_slot, s))
        read_slot(s);
    return settle(r, false, err);
}

/* A text-layer page: appended in its turn, after the pages before it are read. */
static xk_status text_page(page_sink *sink, const char *text, const xk_ocr_boxes *boxes,
                          xk_error *err)
{
    reader *r = (reader *)sink;
    page_slot *s = new_slot(r);
    char *copy = s ? strdup(text) : NULL;
    if (copy && boxes->n && (s->boxes.box = malloc(boxes->n * sizeof *boxes->box)) != NULL) {
        memcpy(s->boxes.box, boxes->box, boxes->n * sizeof *boxes->box);
        s->boxes.n = boxes->n; /* without room for them, the lines are only not placed */
    }
    if (!copy) {
        if (s) { /* the last slot: marked failed, so it is dropped in its turn */
            pthread_mutex_lock(&r->lock);
            s->rc = xk_error_set(&s->err, XK_ENOMEM, (int)sink->pages, "out of memory");
            s->done = true;
            pthread_mutex_unlock(&r->lock);
        }
        return xk_error_set(err, XK_ENOMEM, (int)sink->pages, "out of memory");
    }
    s->text = copy;
    pthread_mutex_lock(&r->lock);
    s->done = true;
    pthread_mutex_unlock(&r->lock);
    return settle(r, false, err);
}

xk_status xk_ocr_read(const xk_blob *files, size_t n, const xk_ocr_options *opt,
                      xk_ocr_result *out, xk_error *err)
{
    return xk_ocr_read_keeping(files, n, opt, out, NULL, err);
}

/* See ocr_internal.h. */
xk_status xk_ocr_read_keeping(const xk_blob *files, size_t n, const xk_ocr_options *opt,
                              xk_ocr_result *out, ocr_kept *kept, xk_error *err)
{
    xk_ocr_options defaults;
    if (!opt) {
        xk_ocr_options_init(&defaults);
        opt = &defaults;
    }
    memset(out, 0, sizeof *out);
    reader r;
    memset(&r, 0, sizeof r);
    r.o = opt;
    r.kept = kept;
    r.tail = &r.head;
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.moved, NULL);
    r.sink.image = image_page;
    r.sink.text = text_page;
    r.sink.distrusted = distrusted_page;
    xk_buf_init(&r.text);
    double start = xk_ocr_now_seconds();
    xk_status rc = n ? xk_ocr_pages(&r.sink, files, n, opt, err)
                     : xk_error_set(err, XK_EUSAGE, 0, "no files to read");
    /* the pages still being read come before any page the error is about: theirs comes first */
    xk_error earlier;
    xk_status settled = settle(&r, true, rc == XK_OK ? err : &earlier);
    if (settled != XK_OK && rc != XK_OK && err)
        *err = earlier;
    if (settled != XK_OK)
        rc = settled;
    drop_slots(&r);
    pthread_cond_destroy(&r.moved);
    pthread_mutex_destroy(&r.lock);
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
        xk_ocr_kept_free(kept);
        xk_buf_free(&r.text);
        free(r.lines);
        free(r.fixes);
        out->failed_file = r.failed_in_slot ? r.failed_file : r.sink.file;
        unsigned before = r.failed_in_slot ? r.failed_before : r.sink.pages_before;
        if (err && err->line > (int)before) /* the page within that file */
            err->line -= (int)before;
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
