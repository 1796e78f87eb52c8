/*
 * What Tesseract was measured doing on licence print: data/ocr_confusions.txt, compiled in
 * (bench/ocr_confusions.py over 152 pages of tuning licences, three faces, 150-300 dpi, six kinds
 * of damage; the file's header gives the command). Two sets are read from it, once:
 *
 * - characters put in place of another at least OCR_CONFUSED_MIN times (rows "PRINTED\tREAD\tN":
 *   环 for 璟 9 times on 4 renders, 上 for 止 5, 国 for 固 3). A second reading by the same model
 *   makes the same confusion (铭环狐 for 铭璟狐 on both readings of a blurred tuning render), so
 *   two readings agreeing on such a character vouch for nothing (second.c, confirm.c);
 * - Chinese characters read in where the print has none at least OCR_ADDED_MIN times (rows
 *   "added\tX\tN": 和 leads with 90 of the 1,250 read in, then 信 32, 有 25, 全 22, 务 22, 法 21,
 *   人 20). Where one may be taken out is the caller's to decide (clauses.c).
 *
 * The sets grow with the file: no row is left out because a list is full. Without memory for
 * them, every character counts as confused (nothing is vouched for) and none as added (nothing
 * is taken out): the answers that repair nothing.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ocr_internal.h"
#include "xuke/text.h"

#define OCR_CONFUSED_MIN 3

extern const unsigned char xk_ocr_confusions_txt[];
extern const size_t xk_ocr_confusions_txt_len;

typedef struct char_set {
    unsigned *cp;
    size_t n, cap;
    bool failed; /* no memory for a character it should hold */
} char_set;

static char_set confused, added;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static bool set_has(const char_set *s, unsigned cp)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->cp[i] == cp)
            return true;
    return false;
}

static void set_add(char_set *s, unsigned cp)
{
    if (set_has(s, cp))
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        unsigned *grown = realloc(s->cp, cap * sizeof *grown);
        if (!grown) {
            s->failed = true;
            return;
        }
        s->cp = grown;
        s->cap = cap;
    }
    s->cp[s->n++] = cp;
}

/* One Chinese character alone in s[0..len), else 0. */
static unsigned one_han(const char *s, size_t len)
{
    unsigned c = 0;
    size_t k = xk_utf8_decode(s, len, &c);
    return k == len && k && xk_is_han(c) ? c : 0;
}

/* The count in s[0..len): its leading digits (a row's third field). */
static long row_count(const char *s, size_t len)
{
    long n = 0;
    for (size_t i = 0; i < len && s[i] >= '0' && s[i] <= '9' && n < 100000000; i++)
        n = n * 10 + (s[i] - '0');
    return n;
}

/* A row p[0..stop) of the file: "added\tX\tN" or "PRINTED\tREAD\tN" (comments and other rows
 * name no single Chinese character in their first two fields and are passed over). */
static void take_row(const char *p, const char *stop)
{
    const char *t1 = memchr(p, '\t', (size_t)(stop - p));
    const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(stop - t1 - 1)) : NULL;
    if (!t2 || *p == '#')
        return;
    unsigned second = one_han(t1 + 1, (size_t)(t2 - t1 - 1));
    long count = row_count(t2 + 1, (size_t)(stop - t2 - 1));
    if (!second)
        return;
    static const char tag[] = "added";
    if ((size_t)(t1 - p) == sizeof tag - 1 && memcmp(p, tag, sizeof tag - 1) == 0) {
        if (count >= OCR_ADDED_MIN)
            set_add(&added, second);
        return;
    }
    unsigned printed = one_han(p, (size_t)(t1 - p));
    if (printed && printed != second && count >= OCR_CONFUSED_MIN)
        set_add(&confused, second);
}

static void load(void)
{
    const char *p = (const char *)xk_ocr_confusions_txt, *end = p + xk_ocr_confusions_txt_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        take_row(p, stop);
        p = stop + 1;
    }
}

bool xk_ocr_confused_char(unsigned cp)
{
    pthread_once(&loaded, load);
    return confused.failed || set_has(&confused, cp);
}

bool xk_ocr_often_added(unsigned cp)
{
    pthread_once(&loaded, load);
    return !added.failed && set_has(&added, cp);
}
