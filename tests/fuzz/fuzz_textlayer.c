/*
 * A PDF text layer against its page (src/ocr/textlayer.c): a grey page of up to 64 × 64 pixels
 * and character boxes anywhere (outside the page, inverted, huge, NaN). Properties: nothing is
 * read outside the page; no more boxes show nothing than there are; a box over a page of one
 * grey shows nothing, and a box over the whole page shows something exactly when two of its
 * pixels differ by the contrast that counts; the trust rule holds at its ends.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ocr/textlayer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int w = 1 + data[0] % 64, h = 1 + data[1] % 64;
    data += 2;
    size -= 2;
    size_t pixels = (size_t)w * (size_t)h, take = size < pixels ? size : pixels;
    unsigned char *gray = malloc(pixels); /* exactly the page: ASan sees any read outside */
    if (!gray)
        return 0;
    memset(gray, 255, pixels);
    memcpy(gray, data, take);
    data += take;
    size -= take;
    size_t n = size / 8;
    xk_ocr_box *boxes = malloc((n + 1) * sizeof *boxes);
    for (size_t i = 0; boxes && i < n; i++) {
        int16_t v[4];
        memcpy(v, data + 8 * i, 8);
        boxes[i] = (xk_ocr_box){v[0] / 4.0, v[1] / 4.0, v[2] / 4.0, v[3] / 4.0};
        if (v[0] == -32768)
            boxes[i].x1 = NAN;
    }
    if (boxes) {
        xk_ocr_page_image img = {gray, w, h, (size_t)w};
        size_t unshown = xk_ocr_boxes_unshown(&img, boxes, n);
        if (unshown > n)
            fuzz_fail("more boxes show nothing than there are", data, size);
        int lo = 255, hi = 0;
        for (size_t i = 0; i < pixels; i++) {
            lo = gray[i] < lo ? gray[i] : lo;
            hi = gray[i] > hi ? gray[i] : hi;
        }
        xk_ocr_box whole = {0, 0, w - 1, h - 1};
        bool shown = xk_ocr_boxes_unshown(&img, &whole, 1) == 0;
        if (shown != (hi - lo >= 48))
            fuzz_fail("a box over the whole page disagrees with the page's contrast", data, size);
        if (!xk_ocr_text_layer_trusted(0, n) || (n > 3 && xk_ocr_text_layer_trusted(n, n)))
            fuzz_fail("the trust rule is wrong at its ends", data, size);
    }
    free(boxes);
    free(gray);
    return 0;
}
