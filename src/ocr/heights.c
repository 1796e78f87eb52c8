/*
 * The digit 1 and the letter l told apart by their height. In a serif face both models read the
 * 1 of a domain as l (site19x0b21 as sitel9x0b21: 14 of 24 generated licences printed in Noto
 * Serif CJK, both chi_sim and eng) although the two glyphs differ where the models do not look:
 * a digit stands as tall as the other digits, an l as tall as b, d, h and k, and in a serif face
 * the ascenders rise well above the figures (5 px at 300 dpi). So a domain's glyphs are found
 * as connected ink, one glyph for each character of the reading (else nothing is decided), their
 * heights taken above the baseline fitted through them (a page a little tilted still reads), and
 * an l or 1 whose height is the other kind's is written as that kind. Only where the domain
 * itself shows both heights apart (at least OCR_HEIGHTS_APART px): sans faces draw them alike.
 * A serif 1 is also read as two symbols, l and 1: a reading one symbol longer than the glyphs,
 * with one such pair, is taken with the pair as one symbol when its glyph is no wider than a
 * digit.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ocr_internal.h"

#define OCR_HEIGHTS_APART 3
#define OCR_HEIGHTS_GLYPHS 64 /* a domain's characters, at most */

typedef struct glyph {
    int left, top, right, bottom;
} glyph;

/* Ink: darker than two thirds of the way from the crop's darkest pixel to its median (the
 * paper). Halfway broke a blurred serif's hairlines, 28 pieces for 18 characters. */
static PIX *inked(PIX *grey)
{
    l_int32 dark = 0, paper = 255;
    PIX *g8 = pixGetDepth(grey) == 8 ? pixClone(grey) : pixConvertTo8(grey, 0);
    if (!g8)
        return NULL;
    l_float32 rank = 0;
    if (pixGetRankValueMasked(g8, NULL, 0, 0, 1, 0.0f, &rank, NULL) == 0)
        dark = (l_int32)rank;
    if (pixGetRankValueMasked(g8, NULL, 0, 0, 1, 0.5f, &rank, NULL) == 0)
        paper = (l_int32)rank;
    PIX *bin = paper - dark >= 40 ? pixThresholdToBinary(g8, dark + (paper - dark) * 2 / 3) : NULL;
    pixDestroy(&g8);
    return bin;
}

/* The crop's ink as glyphs left to right: a component over another (the dot of i, a stroke
 * broken by blur) joins it; specks of 2 x 2 px or less are left out. Returns their number, or
 * -1 when more than max. */
static int glyphs_of(PIX *bin, glyph *out, int max)
{
    BOXA *boxa = pixConnCompBB(bin, 8);
    BOXA *sorted = boxa ? boxaSort(boxa, L_SORT_BY_X, L_SORT_INCREASING, NULL) : NULL;
    boxaDestroy(&boxa);
    int n = 0, count = sorted ? boxaGetCount(sorted) : 0;
    for (int i = 0; i < count && n >= 0; i++) {
        l_int32 x, y, w, h;
        if (boxaGetBoxGeometry(sorted, i, &x, &y, &w, &h) != 0 || (w <= 2 && h <= 2))
            continue;
        glyph g = {x, y, x + w - 1, y + h - 1};
        glyph *last = n > 0 ? &out[n - 1] : NULL;
        int overlap = last ? (g.right < last->right ? g.right : last->right) - g.left + 1 : 0;
        int narrow = last ? (w < last->right - last->left + 1 ? w : last->right - last->left + 1)
                          : 0;
        if (last && 2 * overlap >= narrow) {
            last->left = g.left < last->left ? g.left : last->left;
            last->top = g.top < last->top ? g.top : last->top;
            last->right = g.right > last->right ? g.right : last->right;
            last->bottom = g.bottom > last->bottom ? g.bottom : last->bottom;
        } else if (n < max) {
            out[n++] = g;
        } else {
            n = -1;
        }
    }
    boxaDestroy(&sorted);
    return n;
}

static bool descends(char c)
{
    return strchr("gjpqy.,-_", c) != NULL;
}

/* Heights above the baseline fitted (least squares) through the bottoms of the glyphs that sit
 * on it; false when fewer than two do. */
static bool heights_above_base(const glyph *g, const char *text, int n, double *height)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (descends(text[i]))
            continue;
        double x = (g[i].left + g[i].right) / 2.0, y = g[i].bottom;
        sx += x, sy += y, sxx += x * x, sxy += x * y, m++;
    }
    double den = m * sxx - sx * sx;
    if (m < 2 || den == 0)
        return false;
    double slope = (m * sxy - sx * sy) / den, base = (sy - slope * sx) / m;
    for (int i = 0; i < n; i++)
        height[i] = base + slope * (g[i].left + g[i].right) / 2.0 - g[i].top + 1;
    return true;
}

/* The median of the values of the characters of text in `set`, 0 when there are none. */
static double median_of(const double *value, const char *text, int n, const char *set)
{
    double v[OCR_HEIGHTS_GLYPHS];
    int m = 0;
    for (int i = 0; i < n; i++)
        if (strchr(set, text[i]))
            v[m++] = value[i];
    for (int i = 1; i < m; i++) /* insertion sort: a few values */
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return m == 0 ? 0 : m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

/* A reading one symbol longer than the glyphs, with one l/1 pair ("sitel17x0b25": a serif 1
 * read as l and 1): the pair's first index; -1 when there is not exactly one pair. */
static int doubled_one(const char *text, size_t len)
{
    int at = -1;
    for (size_t i = 0; i + 1 < len; i++)
        if (text[i] && strchr("l1", text[i]) && text[i + 1] && strchr("l1", text[i + 1])) {
            if (at >= 0)
                return -1;
            at = (int)i;
        }
    return at;
}

size_t xk_ocr_ones_by_height(PIX *image, const latin_run *run, const char *text, size_t len,
                             char *out, size_t *out_len)
{
    if (len > OCR_HEIGHTS_GLYPHS)
        return 0;
    int pad = (run->bottom - run->top) / 2 + 2;
    BOX *box = boxCreate(run->left - 2, run->top - pad, run->right - run->left + 5,
                         run->bottom - run->top + 2 * pad);
    PIX *crop = box ? pixClipRectangle(image, box, NULL) : NULL;
    boxDestroy(&box);
    PIX *bin = crop ? inked(crop) : NULL;
    pixDestroy(&crop);
    glyph g[OCR_HEIGHTS_GLYPHS];
    int n = bin ? glyphs_of(bin, g, OCR_HEIGHTS_GLYPHS) : -1;
    pixDestroy(&bin);
    int pair = n >= 0 && n + 1 == (int)len ? doubled_one(text, len) : -1;
    size_t t_len = len - (pair >= 0);
    char t[OCR_HEIGHTS_GLYPHS]; /* the reading, the pair made one symbol */
    memcpy(t, text, len);
    if (pair >= 0)
        memmove(t + pair, t + pair + 1, len - (size_t)pair - 1);
    double height[OCR_HEIGHTS_GLYPHS], width[OCR_HEIGHTS_GLYPHS];
    if (n != (int)t_len || !heights_above_base(g, t, n, height))
        return 0;
    for (int i = 0; i < n; i++)
        width[i] = g[i].right - g[i].left + 1;
    double digit = median_of(height, t, n, "023456789");
    double rise = median_of(height, t, n, "bdhk");
    if (digit == 0 || rise - digit < OCR_HEIGHTS_APART ||
        (pair >= 0 && width[pair] > median_of(width, t, n, "023456789")))
        return 0; /* the heights alike; or a glyph wider than a digit for the pair: two glyphs */
    size_t changed = pair >= 0;
    memcpy(out, t, t_len);
    *out_len = t_len;
    for (int i = 0; i < n; i++) {
        if (t[i] != 'l' && t[i] != '1')
            continue;
        char is = height[i] - digit < (rise - digit) / 3   ? '1'
                  : rise - height[i] < (rise - digit) / 3 ? 'l'
                                                           : t[i];
        changed += is != t[i];
        out[i] = is;
    }
    return changed;
}
