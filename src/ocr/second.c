/*
 * A second, independent reading of the lines of fields that would be flagged for a low
 * confidence alone. Tesseract's word confidence on Chinese print does not tell a right name from
 * a wrong one (right names at 0, wrong ones at 0 too), so a name read below the review threshold
 * was flagged however right it was: most right fields still flagged were companies, legal
 * representatives and websites read so. The images of a page's unsure lines are kept after the
 * page is read (at most XK_MAX_OCR_KEPT_LINES a scan); once the record is extracted, only the
 * lines of fields about to be flagged for their confidence are read again, alone, on an image
 * prepared otherwise than the page was (enlarged and binarised by a local threshold, read as one
 * line): a reading that does not share the first one's layout, scale or threshold. The flag is
 * lifted only when every such line reads alike both times and the field has its kind's shape
 * (scan.c notes it in the record); two readings that differ keep it. It decides no field's value:
 * the first reading stands.
 */
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "ocr_internal.h"
#include "xuke/catalogue.h"
#include "xuke/text.h"
#include "xuke/validate.h"

/* How much a kept line is enlarged before it is binarised: print of 30-40 pixels a line on the
 * page as read (geometry.c) becomes 60-80, where a local threshold keeps the strokes of dense
 * characters apart. */
#define OCR_SECOND_SCALE 2.0f
/* Sauvola's window (half-width, pixels of the enlarged line) and its factor: Leptonica's usual
 * factor; a window about a character wide. */
#define OCR_SECOND_WINDOW 24
#define OCR_SECOND_FACTOR 0.34f

/*
 * The labels of the lines a second reading may vouch for (the company, the legal representative
 * and a website's four lines), kept whatever their confidence: a field is read twice whole, not
 * only its unsure lines. On a blurred tuning render a website's name was read 铭环狐 for 铭璟狐
 * at 80 or over, and only its domain line below: reading that line alone again would have lifted
 * the flag off the misread name.
 */
static const char *const field_labels[] = {"公司名称", "法定代表人", "网站名称",
                                           "网站域名", "服务器放置地", "网站接入"};

static bool field_line(const xk_buf *t)
{
    size_t at = 0;
    while (at < t->len && t->data[at] == ' ')
        at++;
    for (size_t i = 0; i < sizeof field_labels / sizeof field_labels[0]; i++)
        if (xk_starts_with(t->data + at, t->len - at, field_labels[i]))
            return true;
    return false;
}

bool xk_ocr_kept_for_field(const page_line *l, int threshold)
{
    return l->min_conf < threshold || field_line(&l->text);
}

PIX **xk_ocr_keep_lines(PIX *image, const page_lines *pl)
{
    PIX **crops = pl->n ? calloc(pl->n, sizeof *crops) : NULL;
    for (size_t i = 0; crops && i < pl->n; i++) {
        const page_line *l = &pl->items[i];
        if (l->right <= l->left || l->bottom <= l->top || !l->text.len || l->text.oom)
            continue;
        int dx, dy;
        crops[i] = xk_ocr_framed_crop(image, l->left, l->top, l->right, l->bottom, &dx, &dy);
    }
    return crops;
}

void xk_ocr_kept_add(ocr_kept *kept, int line, PIX *crop, bool for_field)
{
    if (!kept || !crop) {
        pixDestroy(&crop);
        return;
    }
    bool room = for_field ? kept->n - kept->n_wording < XK_MAX_OCR_KEPT_LINES
                          : kept->n_wording < XK_MAX_OCR_KEPT_WORDING_LINES;
    ocr_kept_line *items = room ? xk_ocr_room_for_one(kept->items, kept->n, &kept->cap,
                                                      sizeof *items, 32)
                                : NULL;
    if (!items) {
        pixDestroy(&crop);
        kept->dropped++;
        return;
    }
    kept->items = items;
    kept->items[kept->n++] = (ocr_kept_line){line, crop};
    kept->n_wording += !for_field;
}

void xk_ocr_kept_free(ocr_kept *kept)
{
    if (!kept)
        return;
    for (size_t i = 0; i < kept->n; i++)
        pixDestroy(&kept->items[i].crop);
    free(kept->items);
    memset(kept, 0, sizeof *kept);
}

static PIX *kept_crop(const ocr_kept *kept, int line)
{
    size_t lo = 0, hi = kept ? kept->n : 0; /* in line order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (kept->items[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return kept && lo < kept->n && kept->items[lo].line == line ? kept->items[lo].crop : NULL;
}

/* The crop enlarged and binarised for the second reading, or NULL. */
static PIX *prepared(PIX *crop)
{
    PIX *grey = pixConvertTo8(crop, 0);
    PIX *big = grey ? pixScaleGrayLI(grey, OCR_SECOND_SCALE, OCR_SECOND_SCALE) : NULL;
    PIX *bin = NULL;
    if (big && pixSauvolaBinarize(big, OCR_SECOND_WINDOW, OCR_SECOND_FACTOR, 1, NULL, NULL, NULL,
                                  &bin) != 0)
        bin = NULL;
    pixDestroy(&grey);
    pixDestroy(&big);
    return bin;
}

/* The lowest confidence of the characters read in api (0-100), 0 when none was. */
static int lowest_symbol(TessBaseAPI *api)
{
    TessResultIterator *it = TessBaseAPIGetIterator(api);
    if (!it)
        return 0;
    float low = 101;
    do {
        char *ch = TessResultIteratorGetUTF8Text(it, RIL_SYMBOL);
        float c = TessResultIteratorConfidence(it, RIL_SYMBOL);
        unsigned cp = 0;
        bool word = ch && xk_utf8_decode(ch, strlen(ch), &cp) &&
                    (xk_is_han(cp) || (cp < 128 && ((cp >= '0' && cp <= '9') ||
                                                    ((cp | 32) >= 'a' && (cp | 32) <= 'z'))));
        if (word && c < low)
            low = c;
        TessDeleteText(ch);
    } while (TessResultIteratorNext(it, RIL_SYMBOL));
    TessResultIteratorDelete(it);
    return low > 100 ? 0 : (int)low;
}

char *xk_ocr_second_reading(const ocr_kept *kept, int line, const xk_ocr_options *o,
                            double *left, int *lowest)
{
    *lowest = 0;
    PIX *crop = kept_crop(kept, line);
    if (!crop || *left <= 0)
        return NULL;
    xk_error err;
    xk_error_clear(&err);
    TessBaseAPI *api = xk_ocr_engine_get(OCR_ENGINE_PAGE, o->datapath, OCR_LANGUAGES(o), &err);
    PIX *image = api ? prepared(crop) : NULL;
    if (!image)
        return NULL;
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_LINE);
    TessBaseAPISetImage2(api, image);
    char *tess = xk_ocr_recognise_within(api, left) ? TessBaseAPIGetUTF8Text(api) : NULL;
    char *text = tess ? strdup(tess) : NULL;
    TessDeleteText(tess);
    if (text)
        *lowest = lowest_symbol(api);
    TessBaseAPIClear(api);
    TessBaseAPISetPageSegMode(api, OCR_PAGE_LAYOUT);
    pixDestroy(&image);
    return text;
}

/* The Han characters, letters and digits of s[0..len), up to max; how many there were. */
static size_t word_chars(const char *s, size_t len, unsigned *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        unsigned c = 0;
        size_t k = xk_utf8_decode(s + i, len - i, &c);
        i += k ? k : 1;
        bool latin = c < 128 && ((c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z'));
        if (k && (latin || xk_is_han(c))) {
            if (n < max)
                out[n] = c;
            n++;
        }
    }
    return n;
}

bool xk_ocr_readings_agree(const char *first, size_t first_len, const char *second,
                           size_t second_len)
{
    enum { MOST = XK_MAX_OCR_LINE_CHARS };
    static _Thread_local unsigned a[MOST], b[MOST];
    if (!first || !second)
        return false;
    size_t na = word_chars(first, first_len, a, MOST), nb = word_chars(second, second_len, b, MOST);
    return na > 0 && na == nb && na <= MOST && memcmp(a, b, na * sizeof *a) == 0;
}

/* Chinese characters in s (a whole string); -1 when it holds anything else but a middle dot
 * between them (a name in the Uyghur or another minority's way, 买买提·艾力). */
static int han_only(const char *s)
{
    int n = 0;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        unsigned c = 0;
        size_t k = xk_utf8_decode(s + i, len - i, &c);
        if (!k)
            return -1;
        i += k;
        if (xk_is_han(c))
            n++;
        else if (c != 0x00B7 || n == 0 || i == len)
            return -1;
    }
    return n;
}

/* Whether s holds a character Tesseract is measured putting for another. */
static bool holds_confused(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    for (size_t i = 0; i < len;) {
        unsigned c = 0;
        size_t k = xk_utf8_decode(s + i, len - i, &c);
        if (!k || xk_ocr_confused_char(c))
            return true;
        i += k;
    }
    return false;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = s ? strlen(s) : 0, t = strlen(tail);
    return n >= t && memcmp(s + n - t, tail, t) == 0;
}

/* A company's name: at least four characters before 公司 (the shortest, 某某有限公司, has 4), no
 * character but Chinese ones and brackets (腾讯云计算（北京）有限责任公司). */
static bool company_shaped(const char *s)
{
    if (!ends_with(s, "公司"))
        return false;
    size_t len = strlen(s), chars = 0;
    for (size_t i = 0; i < len; chars++) {
        unsigned c = 0;
        size_t k = xk_utf8_decode(s + i, len - i, &c);
        if (!k || !(xk_is_han(c) || c == 0xFF08 || c == 0xFF09 || c == '(' || c == ')'))
            return false;
        i += k;
    }
    return chars >= 6;
}

/*
 * A website's server location that is a province's full name (the catalogue's 上海市, 广东省) and
 * a provider that is one of the few most websites name (xk_ocr_known_provider) are words of a
 * closed list, whole: two readings agreeing on one of them read that word, though a character
 * of it (上, 国, 电) is one the model puts for another now and then. On the tuning renders every
 * right website still flagged after its second reading agreed was held back by such a word
 * (上海市, 中国电信股份有限公司). A city (济南市) is no closed list here and is checked as a name.
 */
static bool listed_place(const char *s)
{
    const xk_region *r = s ? xk_region_by_name(s, strlen(s)) : NULL;
    return r && strcmp(r->name, s) == 0;
}

static bool website_shaped(const xk_website *w)
{
    if (!w->name || !*w->name || w->domains.len == 0 || holds_confused(w->name) ||
        (!listed_place(w->server_location) && holds_confused(w->server_location)) ||
        (!xk_ocr_known_provider(w->access_provider) && holds_confused(w->access_provider)))
        return false;
    for (size_t i = 0; i < w->domains.len; i++)
        if (!xk_host_valid(w->domains.items[i], strlen(w->domains.items[i])))
            return false;
    if (w->access_provider && *w->access_provider && !company_shaped(w->access_provider))
        return false;
    return !w->server_location || han_only(w->server_location) >= 2;
}

bool xk_ocr_field_well_formed(const xk_licence *lic, const char *field, const char *item)
{
    if (strcmp(field, "company") == 0)
        return lic->company && company_shaped(lic->company) && !holds_confused(lic->company);
    if (strcmp(field, "legal_representative") == 0) {
        int n = lic->legal_representative ? han_only(lic->legal_representative) : -1;
        return n >= 2 && n <= 4 && !holds_confused(lic->legal_representative);
    }
    if (strcmp(field, "website") == 0) {
        size_t i = (size_t)strtoul(item, NULL, 10);
        return i >= 1 && i <= lic->n_websites && website_shaped(&lic->websites[i - 1]);
    }
    return false;
}
