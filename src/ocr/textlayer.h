/*
 * A PDF page's text layer against the page's image (textlayer.c): pure, no Poppler, no
 * Leptonica, so the fuzzer links it alone. Internal to the OCR module.
 */
#ifndef XK_OCR_TEXTLAYER_H
#define XK_OCR_TEXTLAYER_H

#include <stdbool.h>
#include <stddef.h>

/* A page rendered in grey (textlayer.c): w × h bytes, rows stride bytes apart. */
typedef struct xk_ocr_page_image {
    const unsigned char *gray;
    int w, h;
    size_t stride;
} xk_ocr_page_image;

/* One character's box of a text layer, in pixels of that image. */
typedef struct xk_ocr_box {
    double x1, y1, x2, y2;
} xk_ocr_box;

/* How many of the boxes show nothing on the image (nothing drawn inside; a box outside the
 * page shows nothing). */
size_t xk_ocr_boxes_unshown(const xk_ocr_page_image *img, const xk_ocr_box *boxes, size_t n);
/* Whether a text layer of n characters, unshown of them showing nothing, is what its page
 * shows: at most max(3, n / 50) may show nothing. */
bool xk_ocr_text_layer_trusted(size_t unshown, size_t n);

#endif
