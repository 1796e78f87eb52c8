/*
 * Reading page images with Tesseract: one engine per thread (initialising chi_sim costs far more
 * than a page), the image cleaned by Leptonica as the options say, the result walked word by
 * word so each text line gets the lowest and the mean confidence of its words. Text-layer pages
 * of PDFs join the same text with confidence 100.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>
#include <time.h>

#include "../core/buf.h"
#include "ocr_internal.h"
#include "xuke/date.h"
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

/* --- one Tesseract engine per thread --------------------------------------------------------- */

typedef struct engine {
    TessBaseAPI *api;
    char key[512]; /* datapath + languages it was initialised with */
} engine;

static pthread_key_t engine_key[OCR_N_ENGINES];
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void engine_free(void *p)
{
    engine *e = p;
    if (!e)
        return;
    TessBaseAPIEnd(e->api);
    TessBaseAPIDelete(e->api);
    free(e);
}

static void engine_key_make(void)
{
    for (int i = 0; i < OCR_N_ENGINES; i++)
        pthread_key_create(&engine_key[i], engine_free);
}

/*
 * Debian's Tesseract is built with OpenMP and asks for up to 10 threads in its recognisers
 * (`num_threads` clauses, which OMP_NUM_THREADS cannot lower). On a two-core machine that made a
 * page take 8 s of wall time instead of 1.3 s (4 s of it in the kernel, threads waiting on each
 * other). Dynamic adjustment lets the OpenMP runtime give a region no more threads than there are
 * idle cores. The setting belongs to the calling thread, so each thread that gets an engine makes
 * it; the function is looked up rather than linked, so a Tesseract built without OpenMP (no
 * libgomp loaded) simply has nothing to set.
 */

static void openmp_share_cores(void)
{
    void *sym = dlsym(RTLD_DEFAULT, "omp_set_dynamic");
    void (*set_dynamic)(int);
    if (!sym || sizeof sym != sizeof set_dynamic)
        return;
    memcpy(&set_dynamic, &sym, sizeof sym); /* POSIX: a function's address from dlsym */
    set_dynamic(1);
}

TessBaseAPI *ocr_engine_get(int slot, const char *datapath, const char *langs, xk_error *err)
{
    pthread_once(&engine_once, engine_key_make);
    char key[512];
    snprintf(key, sizeof key, "%s|%s", datapath ? datapath : "", langs);
    engine *e = pthread_getspecific(engine_key[slot]);
    if (e && strcmp(e->key, key) == 0)
        return e->api;
    engine_free(e);
    pthread_setspecific(engine_key[slot], NULL);
    openmp_share_cores();
    e = calloc(1, sizeof *e);
    if (!e || !(e->api = TessBaseAPICreate())) {
        free(e);
        xk_error_set(err, XK_ENOMEM, 0, "out of memory starting the OCR engine");
        return NULL;
    }
    /* Tesseract's own messages go nowhere: problems come back as errors */
    TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
    if (TessBaseAPIInit3(e->api, datapath, langs) != 0) {
        TessBaseAPIDelete(e->api);
        free(e);
        xk_error_set(err, XK_EIO, 0,
                     "the OCR engine cannot load its language data (%s): install "
                     "tesseract-ocr-chi-sim and tesseract-ocr-eng",
                     langs);
        return NULL;
    }
    TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
    TessBaseAPISetVariable(e->api, "preserve_interword_spaces", "1");
    TessBaseAPISetPageSegMode(e->api, OCR_PAGE_LAYOUT);
    snprintf(e->key, sizeof e->key, "%s", key);
    pthread_setspecific(engine_key[slot], e);
    return e->api;
}

/* --- cleaning ---------------------------------------------------------------------------------- */

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
PIX *ocr_grey_page(PIX *pix)
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

PIX *ocr_without_pattern(PIX *gray)
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
static PIX *clean_image(PIX *pix, xk_ocr_clean clean)
{
    PIX *gray = clean >= XK_CLEAN_DESKEW ? ocr_grey_page(pix) : pixConvertTo8(pix, 0);
    if (!gray)
        return NULL;
    if (clean == XK_CLEAN_DESKEW && unevenly_lit(gray)) {
        PIX *even = pixBackgroundNormSimple(gray, NULL, NULL);
        if (even) {
            pixDestroy(&gray);
            gray = even;
        }
    }
    PIX *plain = clean >= XK_CLEAN_DESKEW ? ocr_without_pattern(gray) : NULL;
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

/* --- the text being built ---------------------------------------------------------------------- */

typedef struct reader {
    page_sink sink;
    xk_buf text;
    xk_ocr_line *lines;
    size_t n_lines, cap_lines;
    xk_ocr_fix *fixes;
    size_t n_fixes, cap_fixes;
    unsigned text_layer_pages, turned_pages;
    bool any_text;
} reader;

/* items (n used of *cap, elements of elem bytes) with room for one more: the same array, or
 * one twice the size (first elements at first); NULL when out of memory, items untouched. */
static void *room_for_one(void *items, size_t n, size_t *cap, size_t elem, size_t first)
{
    if (n < *cap)
        return items;
    size_t grown_cap = *cap ? *cap * 2 : first;
    void *grown = realloc(items, grown_cap * elem);
    if (grown)
        *cap = grown_cap;
    return grown;
}

static bool add_line(reader *r, const char *s, size_t len, int min_conf, int mean)
{
    xk_ocr_line *lines = room_for_one(r->lines, r->n_lines, &r->cap_lines, sizeof *lines, 256);
    if (!lines)
        return false;
    r->lines = lines;
    r->lines[r->n_lines++] = (xk_ocr_line){(int)r->sink.pages, min_conf, mean};
    xk_buf_append(&r->text, s, len);
    xk_buf_putc(&r->text, '\n');
    if (len)
        r->any_text = true;
    return !r->text.oom;
}

static xk_status text_page(page_sink *sink, const char *text, xk_error *err)
{
    reader *r = (reader *)sink;
    r->text_layer_pages++;
    for (const char *p = text; *p;) {
        const char *nl = strpbrk(p, "\r\n\f");
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (!add_line(r, p, n, 100, 100))
            return xk_error_set(err, XK_ENOMEM, (int)sink->pages, "out of memory");
        p += n;
        if (*p == '\r' && p[1] == '\n')
            p++;
        if (*p)
            p++;
    }
    return XK_OK;
}

/* First and last code point of a UTF-8 word, to decide whether a space goes between words. */
static unsigned first_cp(const char *s, size_t len)
{
    unsigned cp = 0;
    return xk_utf8_decode(s, len, &cp) ? cp : 0;
}

static unsigned last_cp(const char *s, size_t len)
{
    size_t i = len;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    return i > 0 ? first_cp(s + i - 1, len - i + 1) : 0;
}

/* Unsure lines read again on one page, at most, the least sure first: a re-read costs ~80 ms
 * on one core, and a clean render of a licence page has about 12 unsure lines (275 on the 22
 * fixture pages). Measured on the fixtures' photo-style renders (bench/ocr_bench.py, one core):
 * no re-reads 2.47 s a page and 94.5 % of fields right; at most 4 a page 2.80 s and 97.3 %
 * (3.13 s in a `make bench` on a busier machine); all of them 3.33 s; at most 2, 2.44 s and
 * the same 97.3 % — and the same accuracy in the four other styles. The rest keep their first
 * reading. */
#define OCR_REREAD_MAX 2
#define OCR_DATE_REREAD_MAX 2 /* lines with a garbled date, read again besides */

bool ocr_line_note_fix(page_line *l, const char *from, size_t from_len, const char *to,
                       size_t to_len)
{
    if (l->n_fixes == OCR_LATIN_RUNS)
        return false;
    xk_ocr_fix *f = &l->fixes[l->n_fixes++];
    ocr_copy_whole(f->from, sizeof f->from, from, from_len);
    ocr_copy_whole(f->to, sizeof f->to, to, to_len);
    return true;
}

static page_line *page_line_add(page_lines *pl)
{
    page_line *items = room_for_one(pl->items, pl->n, &pl->cap, sizeof *items, 64);
    if (!items)
        return NULL;
    pl->items = items;
    page_line *l = &pl->items[pl->n++];
    memset(l, 0, sizeof *l);
    xk_buf_init(&l->text);
    l->min_conf = 100;
    return l;
}

static void page_lines_free(page_lines *pl)
{
    for (size_t i = 0; i < pl->n; i++)
        xk_buf_free(&pl->items[i].text);
    free(pl->items);
}

/* Appends a word, with a space only between words of narrow (Latin) text. */
static void join_word(xk_buf *line, const char *word)
{
    if (line->len &&
        !(xk_is_wide(last_cp(line->data, line->len)) || xk_is_wide(first_cp(word, strlen(word)))))
        xk_buf_putc(line, ' ');
    xk_buf_puts(line, word);
}

bool ocr_sliver(int top, int bottom, int line_top, int line_bottom, int conf)
{
    int h = line_bottom - line_top;
    return conf < OCR_SLIVER_CONF && (bottom - top) * 4 < h &&
           (top - line_top < h / 4 || line_bottom - bottom < h / 4);
}

/* Whether the word at pit (its box moved down by dy) is a sliver of a line next to line. */
static bool sliver(const TessPageIterator *pit, const page_line *line, int dy, int conf)
{
    int l, t, r, b;
    return TessPageIteratorBoundingBox(pit, RIL_WORD, &l, &t, &r, &b) &&
           ocr_sliver(t + dy, b + dy, line->top, line->bottom, conf);
}

/* Walks the recognised words into lines; each line's lowest and mean word confidence (the mean
 * kept, while walking, as a sum in mean and a count in n_words), and its domain-like runs, with
 * boxes moved by (dx, dy). */
static xk_status words_into_lines(TessBaseAPI *api, page_lines *pl, int dx, int dy)
{
    TessResultIterator *it = TessBaseAPIGetIterator(api);
    if (!it)
        return XK_OK; /* nothing recognised */
    const TessPageIterator *pit = TessResultIteratorGetPageIteratorConst(it);
    page_line *cur = NULL;
    int n_words = 0;
    xk_status rc = XK_OK;
    do {
        if (!cur || TessPageIteratorIsAtBeginningOf(pit, RIL_TEXTLINE)) {
            if (cur && n_words)
                cur->mean = (cur->mean + n_words / 2) / n_words;
            if (!cur || n_words) /* a line without words is reused */
                cur = page_line_add(pl);
            if (!cur) {
                rc = XK_ENOMEM;
                break;
            }
            n_words = 0;
            TessPageIteratorBoundingBox(pit, RIL_TEXTLINE, &cur->left, &cur->top, &cur->right,
                                        &cur->bottom);
            cur->left += dx, cur->right += dx, cur->top += dy, cur->bottom += dy;
        }
        char *word = TessResultIteratorGetUTF8Text(it, RIL_WORD);
        int conf = word && *word ? (int)(TessResultIteratorConfidence(it, RIL_WORD) + 0.5) : 0;
        if (word && *word && !sliver(pit, cur, dy, conf)) {
            join_word(&cur->text, word);
            if (!cur->text.oom)
                ocr_find_runs(it, cur, cur->text.len - strlen(word), dx, dy);
            cur->min_conf = conf < cur->min_conf ? conf : cur->min_conf;
            cur->mean += conf;
            n_words++;
        }
        TessDeleteText(word);
    } while (TessResultIteratorNext(it, RIL_WORD));
    if (cur && n_words)
        cur->mean = (cur->mean + n_words / 2) / n_words;
    else if (cur)
        pl->n--; /* the last line had no words */
    TessResultIteratorDelete(it);
    return rc;
}

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

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* See ocr_internal.h. */
bool ocr_recognise_within(TessBaseAPI *api, double *left)
{
    if (*left <= 0)
        return false;
    ETEXT_DESC *monitor = TessMonitorCreate();
    if (!monitor)
        return false;
    TessMonitorSetDeadlineMSecs(monitor, (int)(*left * 1000));
    double start = now_seconds();
    int failed = TessBaseAPIRecognize(api, monitor);
    *left -= now_seconds() - start;
    TessMonitorDelete(monitor);
    return !failed && *left > 0;
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

/* The lines to read again, at most OCR_REREAD_MAX + OCR_DATE_REREAD_MAX: garbled dates
 * first, then the unsure lines, least sure first. */
static size_t to_reread(const page_lines *pl, int threshold, size_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < pl->n && n < OCR_DATE_REREAD_MAX; i++)
        if (garbled_date(&pl->items[i]) && has_box(&pl->items[i]))
            out[n++] = i;
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

PIX *ocr_framed_crop(PIX *image, int left, int top, int right, int bottom, int *dx, int *dy)
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
char *ocr_read_line_with(TessBaseAPI *api, PIX *image, const page_line *l, const char *allowed,
                         double *left)
{
    int dx, dy;
    PIX *framed = ocr_framed_crop(image, l->left, l->top, l->right, l->bottom, &dx, &dy);
    if (!framed)
        return NULL;
    TessBaseAPISetVariable(api, "tessedit_char_whitelist", allowed);
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_LINE);
    TessBaseAPISetImage2(api, framed);
    char *text = ocr_recognise_within(api, left) ? TessBaseAPIGetUTF8Text(api) : NULL;
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
 * reviewed still is.
 */
static void reread_unsure(TessBaseAPI *api, PIX *image, page_lines *pl, int threshold,
                          double *left)
{
    size_t pick[OCR_REREAD_MAX + OCR_DATE_REREAD_MAX];
    size_t n_pick = to_reread(pl, threshold, pick);
    if (n_pick == 0)
        return;
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_LINE);
    for (size_t k = 0; k < n_pick; k++) {
        page_line *l = &pl->items[pick[k]];
        int dx, dy;
        PIX *framed = ocr_framed_crop(image, l->left, l->top, l->right, l->bottom, &dx, &dy);
        if (!framed)
            continue;
        TessBaseAPISetImage2(api, framed);
        page_lines again = {0};
        if (ocr_recognise_within(api, left) &&
            words_into_lines(api, &again, dx, dy) == XK_OK && again.n == 1) {
            page_line *a = &again.items[0];
            size_t was = code_points(&l->text), now = code_points(&a->text);
            bool date_read = garbled_date(l) && dated(a);
            if (date_read) /* a repair: the field is flagged */
                ocr_line_note_fix(l, l->text.data, l->text.len, a->text.data, a->text.len);
            if (date_read ||
                (a->mean > l->mean && a->min_conf > l->min_conf && now == was && !a->text.oom)) {
                xk_buf t = l->text;
                l->text = a->text;
                a->text = t; /* freed with again */
                l->min_conf = a->min_conf < l->min_conf ? a->min_conf : l->min_conf;
                l->mean = a->mean;
                memcpy(l->runs, a->runs, sizeof l->runs);
                l->n_runs = a->n_runs;
            }
        }
        page_lines_free(&again);
        TessBaseAPIClear(api);
        pixDestroy(&framed);
    }
    TessBaseAPISetPageSegMode(api, OCR_PAGE_LAYOUT);
}

static bool add_fixes(reader *r, const page_line *l)
{
    for (int k = l->n_fixes - 1; k >= 0; k--) { /* runs were read from the end */
        xk_ocr_fix *fixes =
            room_for_one(r->fixes, r->n_fixes, &r->cap_fixes, sizeof *fixes, 8);
        if (!fixes)
            return false;
        r->fixes = fixes;
        r->fixes[r->n_fixes] = l->fixes[k];
        r->fixes[r->n_fixes++].line = (int)r->n_lines;
    }
    return true;
}

/* The page's recognised text into the reader, unsure lines read again first, then a number's
 * unknown province, then domains: each second reading within what is left of the page's time
 * (*left seconds); when that is spent, the page's own reading stands. */
static xk_status collect(reader *r, TessBaseAPI *api, PIX *image, const xk_ocr_options *o,
                         double *left, xk_error *err)
{
    page_lines pl = {0};
    xk_status rc = words_into_lines(api, &pl, 0, 0);
    if (rc == XK_OK) {
        reread_unsure(api, image, &pl, o->review_confidence, left);
        ocr_read_region(api, image, &pl, left);
        ocr_read_numerals(api, image, &pl, o->review_confidence, left);
        ocr_read_latin(o, image, &pl, left);
    }
    for (size_t i = 0; rc == XK_OK && i < pl.n; i++) {
        page_line *l = &pl.items[i];
        if (l->text.oom ||
            !add_line(r, l->text.data ? l->text.data : "", l->text.len, l->min_conf, l->mean) ||
            !add_fixes(r, l))
            rc = XK_ENOMEM;
    }
    page_lines_free(&pl);
    return rc == XK_OK ? XK_OK
                       : xk_error_set(err, XK_ENOMEM, (int)r->sink.pages, "out of memory");
}

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

static PIX *normalise_scale(TessBaseAPI *api, PIX *gray)
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

/*
 * A page scanned upside down or sideways reads as scattered guesses: a mean word confidence
 * of 17-18 on the fixtures turned 90, 180 and 270 degrees, where upright pages read 90-91 in
 * every style (clean to photo). Below OCR_TURN_BELOW, Tesseract's orientation detection (osd)
 * is asked how the page lies; it answered with confidence 10.9-12.4 on turned pages, and
 * below OCR_TURN_SURE its answer is not taken. A turned reading stands only when it is surer
 * than the first.
 */
#define OCR_TURN_BELOW 60
#define OCR_TURN_SURE 2.0f

/* Reads clean (at xres dpi) with api within what is left of the page's time (*left seconds,
 * reduced by the reading): XK_OK, or the error (over the time limit, engine failure). The
 * result stays in api. */
static xk_status recognise(page_sink *sink, TessBaseAPI *api, PIX *clean, l_int32 xres,
                           double *left, const xk_ocr_options *o, xk_error *err)
{
    /* cleared and set again even when unscaled: recognising after the layout pass splits
     * lines apart */
    TessBaseAPIClear(api);
    TessBaseAPISetImage2(api, clean);
    TessBaseAPISetSourceResolution(api, xres);
    bool read = ocr_recognise_within(api, left);
    if (*left <= 0)
        return xk_error_set(err, XK_ETOOBIG, (int)sink->pages,
                            "page %u: reading took over the limit of %u s", sink->pages,
                            o->page_seconds);
    if (!read)
        return xk_error_set(err, XK_EIO, (int)sink->pages, "page %u: the OCR engine failed",
                            sink->pages);
    return XK_OK;
}

/* Quarter turns clockwise that set clean upright, by Tesseract's orientation detection (osd);
 * 0 when it is upright, unsure, or osd is not installed. */
static int upright_turns(const xk_ocr_options *o, PIX *clean, l_int32 xres)
{
    TessBaseAPI *osd = ocr_engine_get(OCR_ENGINE_OSD, o->datapath, "osd", NULL);
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

/* Reads the page turned upright when its reading is poor (mean confidence below
 * OCR_TURN_BELOW: a page scanned upside down or sideways reads as scattered guesses) and
 * orientation detection says it lies turned. The turned reading stands only when it is the
 * surer one; else the page is read as it came. *clean may be replaced by the turned image. */
static xk_status read_upright(reader *r, TessBaseAPI *api, PIX **clean, l_int32 xres,
                              double *left, const xk_ocr_options *o, xk_error *err)
{
    int mean = TessBaseAPIMeanTextConf(api);
    int turns = mean < OCR_TURN_BELOW ? upright_turns(o, *clean, xres) : 0;
    PIX *turned = turns ? pixRotateOrth(*clean, turns) : NULL;
    if (!turned)
        return XK_OK;
    xk_status rc = recognise(&r->sink, api, turned, xres, left, o, err);
    if (rc == XK_OK && TessBaseAPIMeanTextConf(api) > mean) {
        pixDestroy(clean);
        *clean = turned;
        r->turned_pages++;
        return XK_OK;
    }
    pixDestroy(&turned);
    return rc == XK_OK ? recognise(&r->sink, api, *clean, xres, left, o, err) : rc;
}

static xk_status image_page(page_sink *sink, PIX *pix, const xk_ocr_options *o, xk_error *err)
{
    reader *r = (reader *)sink;
    TessBaseAPI *api = ocr_engine_get(OCR_ENGINE_PAGE, o->datapath, OCR_LANGUAGES(o), err);
    if (!api)
        return err ? err->code : XK_EIO;
    PIX *clean = clean_image(pix, o->clean);
    if (!clean)
        return xk_error_set(err, XK_EFORMAT, (int)sink->pages,
                            "page %u: the image cannot be converted for reading", sink->pages);
    l_int32 xres = pixGetXRes(pix);
    xres = xres >= 70 && xres <= 2400 ? xres : 300;
    TessBaseAPISetSourceResolution(api, xres);
    PIX *scaled = normalise_scale(api, clean);
    if (scaled) {
        pixDestroy(&clean);
        clean = scaled;
    }
    double left = o->page_seconds; /* for every reading of the page */
    xk_status rc = recognise(sink, api, clean, xres, &left, o, err);
    if (rc == XK_OK)
        rc = read_upright(r, api, &clean, xres, &left, o, err);
    if (rc == XK_OK)
        rc = collect(r, api, clean, o, &left, err);
    TessBaseAPIClear(api);
    pixDestroy(&clean);
    return rc;
}

xk_status xk_ocr_read(const xk_blob *files, size_t n, const xk_ocr_options *opt,
                      xk_ocr_result *out, xk_error *err)
{
    xk_ocr_options defaults;
    if (!opt) {
        xk_ocr_options_init(&defaults);
        opt = &defaults;
    }
    memset(out, 0, sizeof *out);
    reader r;
    memset(&r, 0, sizeof r);
    r.sink.image = image_page;
    r.sink.text = text_page;
    xk_buf_init(&r.text);
    double start = now_seconds();
    xk_status rc = n ? ocr_pages(&r.sink, files, n, opt, err)
                     : xk_error_set(err, XK_EUSAGE, 0, "no files to read");
    if (rc == XK_OK && !r.any_text)
        rc = xk_error_set(err, XK_EEMPTY, 0, "no text was found on %u page%s", r.sink.pages,
                          r.sink.pages == 1 ? "" : "s");
    if (rc == XK_OK && r.text.oom)
        rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    if (rc != XK_OK) {
        xk_buf_free(&r.text);
        free(r.lines);
        free(r.fixes);
        out->failed_file = r.sink.file;
        if (err && err->line > (int)r.sink.pages_before) /* the page within that file */
            err->line -= (int)r.sink.pages_before;
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
    out->seconds = now_seconds() - start;
    return XK_OK;
}
