/*
 * How big the print of a page is and which way the page lies, asked before it is read: the
 * median line height from a layout pass decides a scale towards the lines the Chinese model
 * reads best, and Tesseract's orientation detection (osd) the quarter turns that set a page
 * upright. It reads no text and keeps no engine of its own (engine.c).
 */
#include <leptonica/allheaders.h>
#include <math.h>
#include <stdlib.h>
#include <tesseract/capi.h>

#include "ocr_internal.h"

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Whether a layout block of this type holds text: not a rule (a licence page's ruled border
 * is found as lines 1-7 pixels high), a picture or noise. */
static bool text_block(TessPolyBlockType type)
{
    return type != PT_HORZ_LINE && type != PT_VERT_LINE && type != PT_NOISE &&
           type != PT_FLOWING_IMAGE && type != PT_HEADING_IMAGE && type != PT_PULLOUT_IMAGE;
}

/* Median text-line height of the image set in api, from a layout pass (no recognition); 0 when
 * it found no text. */
static int median_line_height(TessBaseAPI *api)
{
    TessPageIterator *it = TessBaseAPIAnalyseLayout(api);
    if (!it)
        return 0;
    int heights[512], n = 0;
    do {
        int l, t, r, b;
        if (text_block(TessPageIteratorBlockType(it)) &&
            TessPageIteratorBoundingBox(it, RIL_TEXTLINE, &l, &t, &r, &b) && b > t)
            heights[n++] = b - t;
    } while (n < 512 && TessPageIteratorNext(it, RIL_TEXTLINE));
    TessPageIteratorDelete(it);
    if (n == 0)
        return 0;
    qsort(heights, (size_t)n, sizeof heights[0], cmp_int);
    return heights[n / 2];
}

/*
 * Tesseract's Chinese model reads best with lines about 30-40 pixels high (measured on renders of
 * the fixtures: 58-pixel glyphs gave 2.3× the character errors of 29-39-pixel ones) and takes
 * longer on bigger ones, so large text (a 300 dpi scan of 12 pt print) is scaled down first.
 * Small text is scaled up: seeds 000, 002 and 003 printed at 40 % and 33 % of the fixtures' size
 * (lines 15 and 13 pixels high, as a page scanned at 80 or 65 dpi) read 142 of their 154 fields
 * right as they came, 151 scaled (none wrong unflagged either way); at 50 % (19 pixels) all 77
 * were right unscaled. Never by more than OCR_UPSCALE_MAX, nor to more than OCR_UPSCALE_PIXELS.
 */
#define OCR_LINE_TARGET 40
#define OCR_LINE_MAX 52
#define OCR_LINE_MIN 16
#define OCR_UPSCALE_MAX 4.0
#define OCR_UPSCALE_PIXELS (40.0 * 1000 * 1000)

PIX *xk_ocr_normalise_scale(TessBaseAPI *api, PIX *gray)
{
    TessBaseAPISetImage2(api, gray);
    int h = median_line_height(api);
    if (h == 0 || (h >= OCR_LINE_MIN && h <= OCR_LINE_MAX))
        return NULL;
    double f = (double)OCR_LINE_TARGET / h;
    double pixels = (double)pixGetWidth(gray) * pixGetHeight(gray);
    if (f > OCR_UPSCALE_MAX)
        f = OCR_UPSCALE_MAX;
    if (f > 1 && pixels * f * f > OCR_UPSCALE_PIXELS)
        f = sqrt(OCR_UPSCALE_PIXELS / pixels);
    return f < 1 || f > 1.1 ? pixScaleGrayLI(gray, (float)f, (float)f) : NULL;
}

/* Quarter turns clockwise that set clean upright, by Tesseract's orientation detection (osd);
 * 0 when it is upright, unsure, or osd is not installed. */
int xk_ocr_upright_turns(const xk_ocr_options *o, PIX *clean, l_int32 xres)
{
    TessBaseAPI *osd = xk_ocr_engine_get(OCR_ENGINE_OSD, o->datapath, "osd", NULL);
    if (!osd)
        return 0;
    TessBaseAPISetPageSegMode(osd, PSM_OSD_ONLY);
    TessBaseAPISetImage2(osd, clean);
    TessBaseAPISetSourceResolution(osd, xres);
    int degrees = 0;
    float conf = 0, script_conf = 0;
    const char *script = NULL;
    BOOL ok = TessBaseAPIDetectOrientationScript(osd, &degrees, &conf, &script, &script_conf);
    TessBaseAPIClear(osd);
    if (!ok || conf < OCR_TURN_SURE)
        return 0;
    return ((360 - degrees) % 360) / 90;
}
