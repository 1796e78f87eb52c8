/*
 * A provision matched to the standard wording by more than the noise Tesseract makes (a line's
 * start lost, "提前9日" for "提前90日", 栽 for 载 beside a stray 上) is flagged, though on the
 * tuning renders nearly every such snap made it right. Its lines, read a second time apart from
 * the page (second.c: each line alone, enlarged, binarised otherwise), confirm it when, at every
 * character where the first reading departs from the provision's standard text (its number, its
 * text, each item's number and text; marks and spaces aside), the second reading gives the
 * standard character, and that character is not one the model is measured putting for another
 * (data/ocr_confusions.txt: a second reading by the same model makes the same confusion).
 * Elsewhere the first reading already agrees with the standard text; the second may slip there,
 * at most one character in OCR_CONFIRM_SECOND_PER. A provision printed otherwise than the
 * standard is read otherwise by both readings at the same place and stays flagged. It decides
 * no text: the snapped one stands.
 * This file only compares; scan.c asks for the readings and lifts the flag.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocr_internal.h"
#include "xuke/text.h"

/* Characters a first reading may have lost or read in at one place and still be aligned with
 * the standard text (a lost printed line is about 40: OCR_LOST_RUN in clauses.c). */
#define OCR_CONFIRM_RESYNC 48
/* Characters that must agree after a difference for the two texts to be in step again. */
#define OCR_CONFIRM_ANCHOR 3
/* The second reading may put otherwise at most one character of the standard text in this many
 * (elsewhere than where the first departs from it): it must be a reading of this provision. */
#define OCR_CONFIRM_SECOND_PER 8

static bool word_char(unsigned c)
{
    bool digit = c >= '0' && c <= '9', letter = (c | 32) >= 'a' && (c | 32) <= 'z';
    return xk_is_han(c) || (c < 128 && (digit || letter));
}

/* The word characters of s[0..len) appended to w (n of them, room for max). */
static void add_words(unsigned *w, size_t *n, size_t max, const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned c = 0;
        size_t k = xk_utf8_decode(s + i, len - i, &c);
        i += k ? k : 1;
        if (k && word_char(c)) {
            if (*n < max)
                w[*n] = c;
            (*n)++;
        }
    }
}

/* A provision's or item's number (1-99) as printed: 十五, 二十一. */
static void numeral(int no, char *out, size_t size)
{
    static const char *const digit[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    if (no < 1 || no > 99) {
        out[0] = '\0';
        return;
    }
    int tens = no / 10, ones = no % 10;
    snprintf(out, size, "%s%s%s", tens > 1 ? digit[tens] : "", tens ? "十" : "", digit[ones]);
}

size_t xk_ocr_provision_words(const xk_provision *p, unsigned *w, size_t max)
{
    size_t n = 0;
    char no[16];
    numeral(p->no, no, sizeof no);
    add_words(w, &n, max, no, strlen(no));
    add_words(w, &n, max, p->text, strlen(p->text));
    for (size_t i = 0; i < p->n_items; i++) {
        numeral(p->items[i].no, no, sizeof no);
        add_words(w, &n, max, no, strlen(no));
        add_words(w, &n, max, p->items[i].text, strlen(p->items[i].text));
    }
    return n;
}

/* Whether a[i..) and b[j..) agree on their next OCR_CONFIRM_ANCHOR characters (or both end). */
static bool in_step(const unsigned *a, size_t na, size_t i, const unsigned *b, size_t nb, size_t j)
{
    for (size_t k = 0; k < OCR_CONFIRM_ANCHOR; k++) {
        bool a_end = i + k >= na, b_end = j + k >= nb;
        if (a_end || b_end)
            return a_end && b_end;
        if (a[i + k] != b[j + k])
            return false;
    }
    return true;
}

/*
 * Marks in disputed[0..ns) each character of the standard text std that a reading read[0..nr)
 * put otherwise, lost, or read something in before; returns how many. The two are walked
 * together; at a difference, the fewest characters skipped on either side that put them in step
 * again are taken (a substitution, a loss, an addition). Texts that cannot be put in step again
 * are disputed to their end.
 */
static size_t dispute(const unsigned *read, size_t nr, const unsigned *std, size_t ns,
                      bool *disputed, size_t *where)
{
    size_t i = 0, j = 0, n = 0;
    memset(disputed, 0, ns * sizeof *disputed);
    while (j < ns) {
        if (i < nr && read[i] == std[j]) {
            i++;
            j++;
            continue;
        }
        size_t skip_r = 0, skip_s = 0;
        bool found = false;
        for (size_t k = 1; k <= OCR_CONFIRM_RESYNC && !found; k++)
            for (size_t a = 0; a <= k && !found; a++)
                if (i + a <= nr && j + (k - a) <= ns &&
                    in_step(read, nr, i + a, std, ns, j + (k - a))) {
                    skip_r = a;
                    skip_s = k - a;
                    found = true;
                }
        if (!found)
            skip_s = ns - j;
        /* a character read in before std[j] disputes std[j]: it stood there */
        for (size_t k = j; k < j + (skip_s ? skip_s : 1) && k < ns; k++) {
            n += !disputed[k];
            disputed[k] = true;
            if (where)
                where[k] = i; /* the character of read at the difference */
        }
        i += skip_r;
        j += skip_s;
    }
    return n;
}

bool xk_ocr_provision_read_again(const xk_provision *p, const char *first, size_t first_len,
                                 const char *again, size_t again_len)
{
    enum { MOST = 4 * XK_MAX_WORDING_CHARS };
    unsigned *std = malloc(3 * MOST * sizeof *std);
    bool *by_first = malloc(2 * MOST * sizeof *by_first);
    bool confirmed = false;
    if (std && by_first) {
        unsigned *read = std + MOST, *second = read + MOST;
        bool *by_second = by_first + MOST;
        size_t ns = xk_ocr_provision_words(p, std, MOST), nr = 0, n2 = 0;
        add_words(read, &nr, MOST, first, first_len);
        add_words(second, &n2, MOST, again, again_len);
        confirmed = ns > 0 && ns <= MOST && nr <= MOST && n2 <= MOST &&
                    dispute(read, nr, std, ns, by_first, NULL) > 0 &&
                    dispute(second, n2, std, ns, by_second, NULL) <= ns / OCR_CONFIRM_SECOND_PER;
        for (size_t k = 0; confirmed && k < ns; k++)
            confirmed = !by_first[k] || (!by_second[k] && !xk_ocr_confused_char(std[k]));
    }
    free(std);
    free(by_first);
    return confirmed;
}

size_t xk_ocr_provision_lines_to_read(const xk_provision *p, const char *const *lines,
                                      const size_t *lens, size_t n, bool *again)
{
    enum { MOST = 4 * XK_MAX_WORDING_CHARS };
    unsigned *std = malloc(2 * MOST * sizeof *std);
    size_t *line_of = malloc(MOST * sizeof *line_of), *where = malloc(MOST * sizeof *where);
    bool *disputed = malloc(MOST * sizeof *disputed);
    size_t marked = 0, ns = 0, nr = 0;
    for (size_t l = 0; l < n; l++)
        again[l] = false;
    if (std && line_of && where && disputed)
        ns = xk_ocr_provision_words(p, std, MOST);
    unsigned *read = std + MOST;
    for (size_t l = 0; ns && ns <= MOST && l < n; l++) {
        size_t before = nr;
        add_words(read, &nr, MOST, lines[l], lens[l]);
        for (size_t k = before; k < nr && k < MOST; k++)
            line_of[k] = l;
    }
    if (ns && ns <= MOST && nr && nr <= MOST && dispute(read, nr, std, ns, disputed, where)) {
        for (size_t k = 0; k < ns; k++) {
            if (!disputed[k])
                continue;
            size_t at = where[k] < nr ? where[k] : nr - 1;
            again[line_of[at]] = true;
            if (at > 0 && line_of[at - 1] != line_of[at]) /* at a line's start: lost at the end of the one before? */
                again[line_of[at - 1]] = true;
        }
        for (size_t l = 0; l < n; l++)
            marked += again[l];
    } else if (ns) { /* nothing to align: every line */
        for (size_t l = 0; l < n; l++)
            again[l] = true;
        marked = n;
    }
    free(std);
    free(line_of);
    free(where);
    free(disputed);
    return marked;
}
