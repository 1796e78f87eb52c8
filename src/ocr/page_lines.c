/*
 * The lines of a page being read: Tesseract's words walked into lines, each with its box, the
 * lowest and the mean confidence of its words and its domain-like runs; slivers of the lines
 * above and below left out, a space put only between words of narrow (Latin) text. It owns
 * page_line and page_lines; what is read again, and how, is reread.c's and the others'.
 */
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "../core/buf.h"
#include "ocr_internal.h"
#include "xuke/text.h"

/* items (n used of *cap, elements of elem bytes) with room for one more: the same array, or
 * one twice the size (first elements at first); NULL when out of memory, items untouched. */
void *xk_ocr_room_for_one(void *items, size_t n, size_t *cap, size_t elem, size_t first)
{
    if (n < *cap)
        return items;
    size_t grown_cap = *cap ? *cap * 2 : first;
    void *grown = realloc(items, grown_cap * elem);
    if (grown)
        *cap = grown_cap;
    return grown;
}

/* First and last code point of a UTF-8 word, to decide whether a space goes between words. */
static unsigned first_cp(const char *s, size_t len)
{
    unsigned cp = 0;
    return xk_utf8_decode(s, len, &cp) ? cp : 0;
}

static unsigned last_cp(const char *s, size_t len)
{
    size_t i = len ? xk_utf8_cut(s, len, len - 1) : 0; /* where the last character starts */
    return len ? first_cp(s + i, len - i) : 0;
}

bool xk_ocr_line_note_fix(page_line *l, const char *from, size_t from_len, const char *to,
                          size_t to_len)
{
    if (l->n_fixes == OCR_LATIN_RUNS)
        return false;
    xk_ocr_fix *f = &l->fixes[l->n_fixes++];
    xk_utf8_copy(f->from, sizeof f->from, from, from_len);
    xk_utf8_copy(f->to, sizeof f->to, to, to_len);
    return true;
}

static page_line *page_line_add(page_lines *pl)
{
    page_line *items = xk_ocr_room_for_one(pl->items, pl->n, &pl->cap, sizeof *items, 64);
    if (!items)
        return NULL;
    pl->items = items;
    page_line *l = &pl->items[pl->n++];
    memset(l, 0, sizeof *l);
    xk_buf_init(&l->text);
    l->min_conf = 100;
    return l;
}

void xk_ocr_page_lines_free(page_lines *pl)
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

bool xk_ocr_sliver(int top, int bottom, int line_top, int line_bottom, int conf)
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
           xk_ocr_sliver(t + dy, b + dy, line->top, line->bottom, conf);
}

/* Walks the recognised words into lines; each line's lowest and mean word confidence (the mean
 * kept, while walking, as a sum in mean and a count in n_words), and its domain-like runs, with
 * boxes moved by (dx, dy). */
xk_status xk_ocr_words_into_lines(TessBaseAPI *api, page_lines *pl, int dx, int dy)
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
                xk_ocr_find_runs(it, cur, cur->text.len - strlen(word), dx, dy);
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
