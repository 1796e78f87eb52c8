/*
 * Lines read again alone (Tesseract's single-line mode on the line's box, framed in white): the
 * page's least sure lines and those holding a date garbled past reading, a bounded number a
 * page, the second reading kept only when it is surer (or, for a date, when it is one). Also
 * the crop and the constrained single-line reading the other second readings (region.c,
 * numerals.c, latin.c) use. It does not decide a page's first reading.
 */
#include <string.h>
#include <tesseract/capi.h>

#include "../core/buf.h"
#include "ocr_internal.h"
#include "xuke/date.h"
#include "xuke/text.h"

/* Unsure lines read again on one page, at most, the least sure first: a re-read costs ~80 ms
 * on one core, and a clean render of a licence page has about 12 unsure lines (275 on the 22
 * fixture pages). Measured on the fixtures' photo-style renders (bench/ocr_bench.py, one core):
 * no re-reads 2.47 s a page and 94.5 % of fields right; at most 4 a page 2.80 s and 97.3 %
 * (3.13 s in a `make bench` on a busier machine); all of them 3.33 s; at most 2, 2.44 s and
 * the same 97.3 % — and the same accuracy in the four other styles. The rest keep their first
 * reading. */
#define OCR_REREAD_MAX 2
#define OCR_DATE_REREAD_MAX 2 /* lines with a garbled date, read again besides */

static size_t code_points(const xk_buf *b)
{
    return b->data ? xk_utf8_count(b->data, b->len) : 0;
}

static bool dated(const page_line *l)
{
    xk_date d;
    int fixes = 0;
    return l->text.data && !l->text.oom &&
           xk_date_find_ocr(l->text.data, l->text.len, &d, NULL, NULL, NULL, &fixes);
}

/*
 * A line that holds a date OCR garbled past reading ("2.0江9年.6局2目" for 2019年6月3日 on a noisy
 * 150 dpi page): shaped like a date, and no date even with look-alikes. Read alone it came out
 * right; left so, the licence was refused.
 */
static bool garbled_date(const page_line *l)
{
    return l->text.data && !l->text.oom && xk_date_shaped(l->text.data) && !dated(l);
}

/* Whether the line has a box on the page to be cropped and read again. */
static bool has_box(const page_line *l)
{
    return l->right > l->left && l->bottom > l->top;
}

/* The indexes of the page's unsure lines, least sure first (at most OCR_REREAD_MAX). */
static size_t least_sure(const page_lines *pl, int threshold, size_t out[OCR_REREAD_MAX])
{
    size_t n = 0;
    for (size_t i = 0; i < pl->n; i++) {
        const page_line *l = &pl->items[i];
        if (l->min_conf >= threshold || !has_box(l))
            continue;
        /* insertion into the short sorted list; ties keep page order */
        size_t at = n;
        while (at > 0 && pl->items[out[at - 1]].min_conf > l->min_conf)
            at--;
        if (at == OCR_REREAD_MAX)
            continue;
        size_t last = n < OCR_REREAD_MAX ? n : OCR_REREAD_MAX - 1;
        memmove(&out[at + 1], &out[at], (last - at) * sizeof out[0]);
        out[at] = i;
        n = n < OCR_REREAD_MAX ? n + 1 : n;
    }
    return n;
}

/*
 * A line whose box reaches down over another line's: Tesseract's line finder took the short
 * last line of a paragraph below ("制。") into the line above it, on tightly set AR PL UMing
 * pages, and the model, given an image two lines tall, read the long line as nothing
 * ("暂停更新直至关闭账号等措施…" as "间作二新下到六国耻…", mean confidence 28; tuning renders of
 * tests/tools/heldout.py --seed 1, licences 0, 6 and 9, provisions 6, 13 and 14). Read again
 * cut above the line it holds, it reads right. The box's bottom cut so (the top of the highest
 * line starting inside it, below its top, and overlapping it across the page), or the box's own
 * bottom when it holds none. Where the short line was taken in whole (no line of its own), the
 * box is OCR_TALL_LINE times the page's median line height or more: it is read again in its top
 * OCR_TALL_KEEP of a median line, the long line (the short line's few characters are lost
 * there, and the field, read so, is flagged).
 */
#define OCR_TALL_LINE 1.7
#define OCR_TALL_KEEP 1.2
#define OCR_HOLDER_REREAD_MAX 2 /* such lines read again a page, besides the others */

static int held_bottom(const page_lines *pl, size_t i)
{
    const page_line *l = &pl->items[i];
    int bottom = l->bottom;
    for (size_t k = 0; k < pl->n; k++) {
        const page_line *m = &pl->items[k];
        if (k != i && has_box(m) && m->top > l->top && m->top < bottom && m->left < l->right &&
            m->right > l->left && m->bottom <= l->bottom)
            bottom = m->top;
    }
    /* at least half its height left: a box that merely touches the next line is no holder */
    return 2 * (bottom - l->top) >= l->bottom - l->top ? bottom : l->bottom;
}

int xk_ocr_reread_bottom(const page_lines *pl, size_t i, int median)
{
    const page_line *l = &pl->items[i];
    int bottom = held_bottom(pl, i);
    if (bottom == l->bottom && median > 0 && l->bottom - l->top >= OCR_TALL_LINE * median)
        bottom = l->top + (int)(OCR_TALL_KEEP * median);
    return bottom;
}

/* The line held (its box's top inside) by line h, or pl->n when none. */
static size_t held_by(const page_lines *pl, size_t h)
{
    int bottom = held_bottom(pl, h);
    for (size_t k = 0; bottom < pl->items[h].bottom && k < pl->n; k++)
        if (k != h && pl->items[k].top == bottom && has_box(&pl->items[k]))
            return k;
    return pl->n;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The median height of the page's line boxes, or 0 when it has none. */
static int median_height(const page_lines *pl)
{
    int h[256];
    size_t n = 0;
    for (size_t i = 0; i < pl->n && n < sizeof h / sizeof h[0]; i++)
        if (has_box(&pl->items[i]))
            h[n++] = pl->items[i].bottom - pl->items[i].top;
    if (!n)
        return 0;
    qsort(h, n, sizeof h[0], cmp_int);
    return h[n / 2];
}

/* The line holding line i, or pl->n when none. */
static size_t holder_of(const page_lines *pl, size_t i)
{
    for (size_t h = 0; h < pl->n; h++)
        if (h != i && held_by(pl, h) == i)
            return h;
    return pl->n;
}

/* The box line i is read again in (*top, *left): a line held by another (the short line whose
 * upper half and first character went to the line above) from a line's height above its
 * bottom and from the holder's left edge, else its own. */
static void box_of_held(const page_lines *pl, size_t i, int median, int *top, int *left)
{
    const page_line *l = &pl->items[i];
    size_t h = holder_of(pl, i);
    *top = l->top;
    *left = l->left;
    if (h == pl->n)
        return;
    if (l->bottom - median < l->top && l->bottom - median > pl->items[h].top)
        *top = l->bottom - median;
    if (pl->items[h].left < l->left && l->left - pl->items[h].left <= 2 * median)
        *left = pl->items[h].left;
}

/* The lines to read again, at most OCR_REREAD_MAX + OCR_DATE_REREAD_MAX +
 * 2 * OCR_HOLDER_REREAD_MAX: garbled dates first, then lines holding another and the line
 * each holds, then the unsure lines, least sure first. */
static size_t to_reread(const page_lines *pl, int threshold, int median, size_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < pl->n && n < OCR_DATE_REREAD_MAX; i++)
        if (garbled_date(&pl->items[i]) && has_box(&pl->items[i]))
            out[n++] = i;
    size_t holders = 0;
    for (size_t i = 0; i < pl->n && holders < OCR_HOLDER_REREAD_MAX; i++) {
        bool dup = false;
        for (size_t j = 0; j < n; j++)
            dup = dup || out[j] == i;
        if (!dup && has_box(&pl->items[i]) && pl->items[i].min_conf < threshold &&
            xk_ocr_reread_bottom(pl, i, median) < pl->items[i].bottom) {
            out[n++] = i;
            holders++;
            size_t held = held_by(pl, i);
            for (size_t j = 0; held < pl->n && j < n; j++)
                held = out[j] == held ? pl->n : held;
            if (held < pl->n)
                out[n++] = held;
        }
    }
    size_t unsure[OCR_REREAD_MAX], n_unsure = least_sure(pl, threshold, unsure);
    for (size_t k = 0; k < n_unsure; k++) {
        bool dup = false;
        for (size_t j = 0; j < n; j++)
            dup = dup || out[j] == unsure[k];
        if (!dup)
            out[n++] = unsure[k];
    }
    return n;
}

PIX *xk_ocr_framed_crop(PIX *image, int left, int top, int right, int bottom, int *dx, int *dy)
{
    enum { FRAME = 16 };
    int pad = (bottom - top) / 6 + 2;
    BOX *box = boxCreate(left - pad, top - pad, right - left + 2 * pad, bottom - top + 2 * pad);
    BOX *clipped = NULL;
    PIX *crop = box ? pixClipRectangle(image, box, &clipped) : NULL;
    boxDestroy(&box);
    l_int32 x = 0, y = 0;
    if (clipped)
        boxGetGeometry(clipped, &x, &y, NULL, NULL);
    boxDestroy(&clipped);
    *dx = x - FRAME;
    *dy = y - FRAME;
    PIX *framed =
        crop ? pixAddBlackOrWhiteBorder(crop, FRAME, FRAME, FRAME, FRAME, L_GET_WHITE_VAL) : NULL;
    pixDestroy(&crop);
    return framed;
}

/* See ocr_internal.h. */
char *xk_ocr_read_line_with(TessBaseAPI *api, PIX *image, const page_line *l, const char *allowed,
                            double *left)
{
    int dx, dy;
    PIX *framed = xk_ocr_framed_crop(image, l->left, l->top, l->right, l->bottom, &dx, &dy);
    if (!framed)
        return NULL;
    TessBaseAPISetVariable(api, "tessedit_char_whitelist", allowed);
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_LINE);
    TessBaseAPISetImage2(api, framed);
    char *text = xk_ocr_recognise_within(api, left) ? TessBaseAPIGetUTF8Text(api) : NULL;
    TessBaseAPIClear(api);
    TessBaseAPISetVariable(api, "tessedit_char_whitelist", "");
    TessBaseAPISetPageSegMode(api, OCR_PAGE_LAYOUT);
    pixDestroy(&framed);
    return text;
}

/*
 * A line read with a word below the review threshold is read again on its own (Tesseract's
 * single-line mode on the line's box): without the page around it the model often reads it
 * right — 南通信易 on the page, 南通佰易 alone, with mean confidence 79 → 90. The second reading
 * is kept when it has as many characters and both its mean and its lowest word confidence are
 * higher: a reading with a character more or less can change the line's structure (a second
 * bracket that joined two services into one, seen on a tilted page), which no flag would then
 * cover. The line keeps the lower of the two lowest confidences, so a field that was to be
 * reviewed still is, and says it was read otherwise (xk_ocr_line.reread): what other places of
 * the licence read alike does not confirm a field whose own two readings disagreed.
 */
void xk_ocr_reread_unsure(TessBaseAPI *api, PIX *image, page_lines *pl, int threshold, double *left)
{
    size_t pick[OCR_REREAD_MAX + OCR_DATE_REREAD_MAX + 2 * OCR_HOLDER_REREAD_MAX];
    int median = median_height(pl);
    size_t n_pick = to_reread(pl, threshold, median, pick);
    if (n_pick == 0)
        return;
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_LINE);
    for (size_t k = 0; k < n_pick; k++) {
        page_line *l = &pl->items[pick[k]];
        int dx, dy, top, from, bottom = xk_ocr_reread_bottom(pl, pick[k], median);
        box_of_held(pl, pick[k], median, &top, &from);
        bool cut = bottom < l->bottom || top < l->top || from < l->left;
        PIX *framed = xk_ocr_framed_crop(image, from, top, l->right, bottom, &dx, &dy);
        if (!framed)
            continue;
        TessBaseAPISetImage2(api, framed);
        page_lines again = {0};
        if (xk_ocr_recognise_within(api, left) &&
            xk_ocr_words_into_lines(api, &again, dx, dy) == XK_OK && again.n == 1) {
            page_line *a = &again.items[0];
            size_t was = code_points(&l->text), now = code_points(&a->text);
            bool date_read = garbled_date(l) && dated(a);
            if (date_read) /* a repair: the field is flagged */
                xk_ocr_line_note_fix(l, l->text.data, l->text.len, a->text.data, a->text.len);
            /* a line cut above the one it held had no reading of its own to count against */
            bool held_read = cut && a->mean > l->mean && a->mean >= threshold && !a->text.oom;
            if (date_read || held_read ||
                (a->mean > l->mean && a->min_conf > l->min_conf && now == was && !a->text.oom)) {
                l->reread |= l->text.len != a->text.len ||
                             (l->text.len && memcmp(l->text.data, a->text.data, l->text.len) != 0);
                xk_buf t = l->text;
                l->text = a->text;
                a->text = t; /* freed with again */
                l->min_conf = a->min_conf < l->min_conf ? a->min_conf : l->min_conf;
                l->mean = a->mean;
                memcpy(l->runs, a->runs, sizeof l->runs);
                l->n_runs = a->n_runs;
            }
        }
        xk_ocr_page_lines_free(&again);
        TessBaseAPIClear(api);
        pixDestroy(&framed);
    }
    TessBaseAPISetPageSegMode(api, OCR_PAGE_LAYOUT);
}
