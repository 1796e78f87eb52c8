/*
 * Cleaning a page image before it is read: grey with coloured ink faded (seals, signatures),
 * unevenly lit paper evened out, a light background pattern turned to paper, the page
 * straightened and, when asked, smoothed. Leptonica only: it reads nothing and knows nothing of
 * Tesseract.
 */
#include <leptonica/allheaders.h>

#include "ocr_internal.h"

/* A page whose paper is lit unevenly (a shadow across a photo) is evened out before anything
 * else: Tesseract finds lines on a page binarised at one threshold, and under a shadow falling
 * from white to grey 112 every line below the middle of the page went black and was lost (the
 * fixtures: 21.9 % of fields right, 12 wrong without a flag; evened out 87.0 %). Only such a
 * page is evened out, so an even page reads as before: one whose paper's brightness spreads
 * over more than OCR_UNEVEN levels (0-3 on every rendered style, 128 under that shadow). */
#define OCR_PAPER_TILE 32
#define OCR_UNEVEN 40

/* Colour (max - min of a pixel's channels) below LOW is grey print or scan noise and keeps its
 * luminance; from HIGH up it is ink of a colour (a seal, a signature) and fades to its brightest
 * channel. */
#define OCR_INK_SATURATION_LOW 32
#define OCR_INK_SATURATION_HIGH 80
#define OCR_INK_BRIGHTEST 160.0f /* a coloured pixel this bright in its brightest channel: paper */

/* The grey of one colour pixel with coloured ink faded out: its luminance while the colour is
 * near grey; once saturated, its brightest channel scaled so that ink of that brightness
 * (OCR_INK_BRIGHTEST) or more turns to paper white: a red seal (#d42a2a) vanishes, and print
 * under it, which the seal's ink only tints (212/255 of it in red), keeps its own grey. Blended
 * in between so a seal's soft edge leaves no outline. The recogniser reads the grey image, not
 * the binarised one: a seal left at mid-grey garbles the dates under it. */
static l_uint8 grey_without_ink(l_int32 r, l_int32 g, l_int32 b)
{
    l_int32 hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
    l_int32 lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
    float lum = L_RED_WEIGHT * (float)r + L_GREEN_WEIGHT * (float)g + L_BLUE_WEIGHT * (float)b;
    float w = (float)(hi - lo - OCR_INK_SATURATION_LOW) /
              (float)(OCR_INK_SATURATION_HIGH - OCR_INK_SATURATION_LOW);
    w = w < 0 ? 0 : w > 1 ? 1 : w;
    float paper = (float)hi * 255.0f / OCR_INK_BRIGHTEST;
    float v = lum + w * ((paper > 255 ? 255 : paper) - lum) + 0.5f;
    return (l_uint8)(v > 255 ? 255 : v);
}

/* pix in grey, coloured ink faded (grey_without_ink) when it is in colour: a seal stamped over
 * the dates would otherwise read as a dark ring across them and take their lines with it. */
PIX *xk_ocr_grey_page(PIX *pix)
{
    PIXCMAP *map = pixGetColormap(pix);
    l_int32 colour = 0;
    if (map)
        pixcmapHasColor(map, &colour);
    if (pixGetDepth(pix) != 32 && !colour)
        return pixConvertTo8(pix, 0);
    PIX *rgb = pixConvertTo32(pix);
    PIX *gray = rgb ? pixCreate(pixGetWidth(rgb), pixGetHeight(rgb), 8) : NULL;
    if (gray) {
        pixCopyResolution(gray, rgb);
        const l_uint32 *src = pixGetData(rgb);
        l_uint32 *dst = pixGetData(gray);
        l_int32 w = pixGetWidth(rgb), h = pixGetHeight(rgb);
        l_int32 swpl = pixGetWpl(rgb), dwpl = pixGetWpl(gray);
        for (l_int32 y = 0; y < h; y++)
            for (l_int32 x = 0; x < w; x++) {
                l_int32 r, g, b;
                extractRGBValues(src[(size_t)y * (size_t)swpl + (size_t)x], &r, &g, &b);
                SET_DATA_BYTE(dst + (size_t)y * (size_t)dwpl, x, grey_without_ink(r, g, b));
            }
    }
    pixDestroy(&rgb);
    return gray;
}

/* Whether the paper of gray is lit unevenly (a shadow across a photographed page): the paper's
 * brightness, the brightest pixel of each OCR_PAPER_TILE square, spreads over more than
 * OCR_UNEVEN grey levels between the darkest and the brightest twentieth of the page. */
static bool unevenly_lit(PIX *gray)
{
    PIX *paper = pixScaleGrayMinMax(gray, OCR_PAPER_TILE, OCR_PAPER_TILE, L_CHOOSE_MAX);
    l_uint32 dark = 0, light = 0;
    bool uneven = paper && pixGetRankValue(paper, 1, 0.05f, &dark) == 0 &&
                  pixGetRankValue(paper, 1, 0.95f, &light) == 0 && light > dark + OCR_UNEVEN;
    pixDestroy(&paper);
    return uneven;
}

/*
 * A light background pattern (the guilloche printed on licence paper, a hatched form): pixels
 * between ink and paper far from any ink. Print has them only at the edges of its strokes: at
 * most 0.006 % of a page in the seven bench styles (154 pages); a pale hexagon pattern (lines at
 * grey 192) made them 8.8 % and the recogniser read specks into the text (人信息服务业务: a
 * service lost; four licences of seven refused). On such a page the greys are stretched so that
 * the pattern's darker part becomes paper white: ink stays black, the soft edges of strokes
 * lighten. (A hard cut at that grey left ragged strokes where a crosshatch crossed them, read
 * 人信息… again.) Levels come from the page itself (its darkest and median grey), so faded
 * print, whose ink is mid-grey, is not taken for a pattern.
 */
#define OCR_PATTERN_SHARE 0.01 /* of the page's pixels */
#define OCR_PATTERN_NEAR 9     /* px: how far from ink a pixel still counts as a stroke's edge */
#define OCR_PATTERN_SPAN 64    /* grey levels from ink to paper, at least, to tell them apart */

PIX *xk_ocr_without_pattern(PIX *gray)
{
    l_uint32 ink = 0, paper = 0;
    if (pixGetRankValue(gray, 1, 0.005f, &ink) || pixGetRankValue(gray, 1, 0.5f, &paper) ||
        paper < ink + OCR_PATTERN_SPAN)
        return NULL;
    l_int32 span = (l_int32)(paper - ink), stroke = (l_int32)ink + span / 2;
    PIX *dark = pixThresholdToBinary(gray, stroke);
    PIX *near = dark ? pixDilateBrick(NULL, dark, OCR_PATTERN_NEAR, OCR_PATTERN_NEAR) : NULL;
    PIX *mid = pixGenerateMaskByBand(gray, stroke, (l_int32)paper - span / 8, 1, 0);
    PIX *alone = near && mid ? pixSubtract(NULL, mid, near) : NULL;
    l_int32 n = 0;
    l_float32 level = 0;
    PIX *out = NULL;
    if (alone && pixCountPixels(alone, &n, NULL) == 0 &&
        (double)n > OCR_PATTERN_SHARE * pixGetWidth(gray) * pixGetHeight(gray) &&
        pixGetRankValueMasked(gray, alone, 0, 0, 1, 0.05f, &level, NULL) == 0) {
        l_int32 white = (l_int32)level - 8;
        out = pixGammaTRC(NULL, gray, 1.0f, (l_int32)ink, white > stroke ? white : stroke + 1);
    }
    pixDestroy(&dark);
    pixDestroy(&near);
    pixDestroy(&mid);
    pixDestroy(&alone);
    return out;
}

/* A grey, straightened and (XK_CLEAN_FULL) evened-out copy of pix, or NULL. Coloured ink is
 * faded unless clean is XK_CLEAN_NONE (the image as given). */
PIX *xk_ocr_clean_image(PIX *pix, xk_ocr_clean clean)
{
    PIX *gray = clean >= XK_CLEAN_DESKEW ? xk_ocr_grey_page(pix) : pixConvertTo8(pix, 0);
    if (!gray)
        return NULL;
    if (clean == XK_CLEAN_DESKEW && unevenly_lit(gray)) {
        PIX *even = pixBackgroundNormSimple(gray, NULL, NULL);
        if (even) {
            pixDestroy(&gray);
            gray = even;
        }
    }
    PIX *plain = clean >= XK_CLEAN_DESKEW ? xk_ocr_without_pattern(gray) : NULL;
    if (plain) {
        pixDestroy(&gray);
        gray = plain;
    }
    if (clean >= XK_CLEAN_DESKEW) {
        l_float32 angle = 0, conf = 0;
        PIX *straight = pixFindSkewAndDeskew(gray, 2, &angle, &conf);
        if (straight) {
            pixDestroy(&gray);
            gray = straight;
        }
    }
    if (clean >= XK_CLEAN_FULL) {
        PIX *even = pixBackgroundNormSimple(gray, NULL, NULL);
        if (even) {
            PIX *smooth = pixMedianFilter(even, 3, 3);
            pixDestroy(&even);
            if (smooth) {
                pixDestroy(&gray);
                gray = smooth;
            }
        }
    }
    return gray;
}
