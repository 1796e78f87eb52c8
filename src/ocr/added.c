/*
 * Characters Tesseract reads in that the print does not have, as measured: the `added` rows of
 * data/ocr_confusions.txt (compiled in; bench/ocr_confusions.py over 152 pages of tuning
 * licences, three faces, 150-300 dpi, six kinds of damage). 和 leads with 90 of the 1,250
 * Chinese characters read in, then 信 32, 有 25, 全 22, 务 22, 法 21, 人 20. It answers only
 * whether a character is one of those; where one may be taken out is the caller's to decide.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ocr_internal.h"
#include "xuke/text.h"

#define OCR_ADDED_MAX 64 /* distinct characters kept; the file at hand has 9 at OCR_ADDED_MIN */

extern const unsigned char xk_ocr_confusions_txt[];
extern const size_t xk_ocr_confusions_txt_len;

static unsigned added[OCR_ADDED_MAX];
static size_t n_added;
static pthread_once_t added_once = PTHREAD_ONCE_INIT;

/* The character of row "added\tX\tCOUNT" (stop: the row's end) when COUNT >= OCR_ADDED_MIN and
 * X is one Chinese character, else 0. */
static unsigned added_row(const char *p, const char *stop)
{
    static const char tag[] = "added\t";
    if ((size_t)(stop - p) < sizeof tag || memcmp(p, tag, sizeof tag - 1) != 0)
        return 0;
    p += sizeof tag - 1;
    const char *tab = memchr(p, '\t', (size_t)(stop - p));
    if (!tab)
        return 0;
    unsigned c = 0;
    size_t k = xk_utf8_decode(p, (size_t)(tab - p), &c);
    if (!k || p + k != tab || !xk_is_han(c))
        return 0;
    return strtol(tab + 1, NULL, 10) >= OCR_ADDED_MIN ? c : 0;
}

static void added_load(void)
{
    const char *p = (const char *)xk_ocr_confusions_txt, *end = p + xk_ocr_confusions_txt_len;
    while (p < end && n_added < OCR_ADDED_MAX) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        unsigned c = added_row(p, stop);
        if (c)
            added[n_added++] = c;
        p = stop + 1;
    }
}

bool xk_ocr_often_added(unsigned cp)
{
    pthread_once(&added_once, added_load);
    for (size_t i = 0; i < n_added; i++)
        if (added[i] == cp)
            return true;
    return false;
}
