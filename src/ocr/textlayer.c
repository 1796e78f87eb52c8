/*
 * A PDF page's text layer checked against what the page shows (pages.c calls it). A text layer
 * can say anything: invisible text (rendering mode 3), white on white, or text under an opaque
 * box is in the layer but not on the page a person sees. Each character's box is looked up in
 * the page rendered as an image: a box in which nothing is drawn (no two pixels differ by
 * TL_CONTRAST) shows nothing. Pure: no Poppler here, so the fuzzer can run it.
 *
 * What it does not catch: text drawn under an image of other text (the box has ink, only not
 * these characters); that needs the page read by OCR and compared, which is not done.
 */
#include <stdint.h>

#include "textlayer.h"

/* Luminance difference inside a box that counts as something drawn there. */
#define TL_CONTRAST 48

static int clampi(double v, int lo, int hi)
{
    if (!(v >= lo)) /* NaN too */
        return lo;
    if (v > hi)
        return hi;
    return (int)v;
}

static bool box_shown(const xk_ocr_page_image *img, const xk_ocr_box *b)
{
    int x1 = clampi(b->x1, 0, img->w), x2 = clampi(b->x2 + 1, 0, img->w);
    int y1 = clampi(b->y1, 0, img->h), y2 = clampi(b->y2 + 1, 0, img->h);
    int lo = 255, hi = 0;
    for (int y = y1; y < y2; y++) {
        const uint8_t *row = img->gray + (size_t)y * img->stride;
        for (int x = x1; x < x2; x++) {
            int v = row[x];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            if (hi - lo >= TL_CONTRAST)
                return true;
        }
    }
    return false;
}

size_t xk_ocr_boxes_unshown(const xk_ocr_page_image *img, const xk_ocr_box *boxes, size_t n)
{
    size_t unshown = 0;
    for (size_t i = 0; i < n; i++)
        unshown += !(img->gray && img->w > 0 && img->h > 0 && box_shown(img, &boxes[i]));
    return unshown;
}

bool xk_ocr_text_layer_trusted(size_t unshown, size_t n)
{
    size_t allowed = n / 50 > 3 ? n / 50 : 3; /* a stray mark, not a line of hidden text */
    return unshown <= allowed;
}
