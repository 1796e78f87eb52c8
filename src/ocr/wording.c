/*
 * The standard wording of special provisions and service conditions (data/provisions.txt,
 * compiled in by cmake/embed_data.cmake): parsed and checked here into the two tables the
 * snapping in clauses.c compares with, sentences (text up to and including 。 or ；) and clauses
 * (text between any two marks, at least six characters). It only reads the data; deciding what
 * a scan's text is near is clauses.c's job.
 *
 * File format (see the file's head): `@TAG source` lines name where wording comes from, entry
 * lines are `TAG place | text`, # starts a comment. A malformed file is an error naming the line.
 */
#include <stdlib.h>
#include <string.h>

#include "../extract/extract.h"
#include "ocr_internal.h"
#include "xuke/limits.h"
#include "xuke/text.h"

extern const unsigned char xk_ocr_provisions_txt[];
extern const size_t xk_ocr_provisions_txt_len;

#define MAX_TAGS 64
#define TAG_MAX 16

typedef struct reader {
    const char *name;
    int line;
    char tags[MAX_TAGS][TAG_MAX];
    size_t n_tags;
    xk_error *err;
} reader;

static xk_status fail(reader *r, xk_status code, const char *msg)
{
    xk_error_set_file(r->err, r->name);
    return xk_error_set(r->err, code, r->line, "%s:%d: %s", r->name, r->line, msg);
}

/* Appends a copy of s[0..len) to list (grown as needed). */
static xk_status add(char ***list, size_t *n, const char *s, size_t len)
{
    char **grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown)
        return XK_ENOMEM;
    *list = grown;
    char *copy = malloc(len + 1);
    if (!copy)
        return XK_ENOMEM;
    memcpy(copy, s, len);
    copy[len] = '\0';
    grown[(*n)++] = copy;
    return XK_OK;
}

static bool is_mark(unsigned cp)
{
    return cp == 0xFF0C || cp == 0x3002 || cp == 0xFF1B || cp == 0xFF1A || cp == 0x3001 ||
           cp == ',' || cp == ';' || cp == ':';
}

/* The clauses (pieces between marks, at least XK_WORDING_CLAUSE_MIN characters) and the
 * sentences (pieces through 。 or ；, XK_WORDING_SENTENCE_MIN..XK_MAX_WORDING_CHARS
 * characters) of one entry's text. */
static xk_status split(ocr_wording *w, const char *s, size_t len)
{
    size_t clause = 0, sentence = 0;
    for (size_t i = 0; i <= len;) {
        unsigned cp = 0;
        size_t k = i < len ? xk_utf8_decode(s + i, len - i, &cp) : 1;
        k = k ? k : 1;
        bool end = i == len;
        if (end || is_mark(cp)) {
            if (xk_utf8_count(s + clause, i - clause) >= XK_WORDING_CLAUSE_MIN &&
                add(&w->clauses, &w->n_clauses, s + clause, i - clause) != XK_OK)
                return XK_ENOMEM;
            clause = i + k;
        }
        if (end || cp == 0x3002 || cp == 0xFF1B) {
            size_t stop = end ? len : i + k;
            size_t n = xk_utf8_count(s + sentence, stop - sentence);
            if (n >= XK_WORDING_SENTENCE_MIN && n <= XK_MAX_WORDING_CHARS &&
                add(&w->sentences, &w->n_sentences, s + sentence, stop - sentence) != XK_OK)
                return XK_ENOMEM;
            sentence = stop;
        }
        i += k;
    }
    return XK_OK;
}

static xk_status source_line(reader *r, const char *s, size_t len)
{
    size_t tag = 0;
    while (tag < len && s[tag] != ' ')
        tag++;
    if (tag == 0 || tag >= TAG_MAX)
        return fail(r, XK_EFORMAT, "a source needs a tag of 1 to 15 bytes: @TAG where from");
    if (tag + 1 >= len)
        return fail(r, XK_EFORMAT, "a source must say where its wording comes from");
    for (size_t i = 0; i < r->n_tags; i++)
        if (strlen(r->tags[i]) == tag && memcmp(r->tags[i], s, tag) == 0)
            return fail(r, XK_EFORMAT, "source tag defined twice");
    if (r->n_tags == MAX_TAGS)
        return fail(r, XK_ETOOBIG, "too many sources (at most 64)");
    memcpy(r->tags[r->n_tags], s, tag);
    r->tags[r->n_tags++][tag] = '\0';
    return XK_OK;
}

/* The item number a place names ("十五（三） (B21)": 3), 0 when it names none. */
static int place_item(const char *s, size_t len)
{
    static const char open[] = "（";
    for (size_t i = 0; i + 3 <= len; i++)
        if (memcmp(s + i, open, 3) == 0) {
            size_t used = 0;
            int n = xk_chinese_numeral(s + i + 3, len - i - 3, &used);
            return n > 0 && used ? n : 0;
        }
    return 0;
}

/* The provision number a place names when it is one every form has ("十四", not "十五 (B21)"
 * nor "十五（三）"), else 0. */
static int common_provision(const char *s, size_t len)
{
    while (len && *s == ' ') {
        s++;
        len--;
    }
    for (size_t i = 0; i < len; i++)
        if (s[i] == '(' || (i + 3 <= len && memcmp(s + i, "（", 3) == 0))
            return 0;
    size_t used = 0;
    int n = xk_chinese_numeral(s, len, &used);
    return n > 0 && used ? n : 0;
}

static xk_status entry_line(reader *r, ocr_wording *w, const char *s, size_t len)
{
    size_t tag = 0;
    while (tag < len && s[tag] != ' ')
        tag++;
    bool known = false;
    for (size_t i = 0; i < r->n_tags && !known; i++)
        known = strlen(r->tags[i]) == tag && memcmp(r->tags[i], s, tag) == 0;
    if (!known)
        return fail(r, XK_EFORMAT, "entry names no source defined above by an @ line");
    const char *bar = NULL;
    for (size_t i = tag; i + 2 <= len && !bar; i++)
        if (memcmp(s + i, " |", 2) == 0)
            bar = s + i;
    if (!bar)
        return fail(r, XK_EFORMAT, "entry needs `TAG place | text`");
    const char *text = bar + 2;
    while (text < s + len && *text == ' ')
        text++;
    size_t n = (size_t)(s + len - text);
    if (n == 0)
        return fail(r, XK_EFORMAT, "entry has no text after |");
    if (xk_utf8_count(text, n) > XK_MAX_WORDING_CHARS)
        return fail(r, XK_ETOOBIG, "entry longer than XK_MAX_WORDING_CHARS characters");
    int *items = realloc(w->entry_item, (w->n_entries + 1) * sizeof *items);
    if (!items)
        return fail(r, XK_ENOMEM, "out of memory");
    w->entry_item = items;
    items[w->n_entries] = place_item(s + tag, (size_t)(bar - s) - tag);
    int common = common_provision(s + tag, (size_t)(bar - s) - tag);
    w->common = common > w->common ? common : w->common;
    size_t had = w->n_entries;
    if (add(&w->entries, &had, text, n) != XK_OK)
        return fail(r, XK_ENOMEM, "out of memory");
    w->n_entries++;
    if (split(w, text, n) != XK_OK)
        return fail(r, XK_ENOMEM, "out of memory");
    return XK_OK;
}

xk_status xk_ocr_wording_parse(const char *text, size_t len, const char *name, ocr_wording *out,
                               xk_error *err)
{
    memset(out, 0, sizeof *out);
    reader r = {.name = name, .err = err};
    if (len > XK_MAX_WORDING_BYTES)
        return fail(&r, XK_ETOOBIG, "wording file over XK_MAX_WORDING_BYTES");
    size_t bad = 0;
    if (!xk_utf8_valid(text, len, &bad))
        return fail(&r, XK_EENCODING, "not UTF-8");
    xk_status st = XK_OK;
    for (size_t at = 0; at < len && st == XK_OK;) {
        const char *s = text + at;
        const char *nl = memchr(s, '\n', len - at);
        size_t whole = nl ? (size_t)(nl - s) : len - at, n = whole;
        at += nl ? whole + 1 : whole;
        r.line++;
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
            n--;
        if (n && s[0] == '@')
            st = source_line(&r, s + 1, n - 1);
        else if (n && s[0] != '#')
            st = entry_line(&r, out, s, n);
    }
    if (st == XK_OK && out->n_entries == 0)
        st = fail(&r, XK_EEMPTY, "no wording entries");
    if (st != XK_OK)
        xk_ocr_wording_free(out);
    return st;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void xk_ocr_wording_free(ocr_wording *w)
{
    free_list(w->sentences, w->n_sentences);
    free_list(w->clauses, w->n_clauses);
    free_list(w->entries, w->entries ? w->n_entries : 0);
    free(w->entry_item);
    memset(w, 0, sizeof *w);
}

xk_status xk_ocr_wording_standard(ocr_wording *out, xk_error *err)
{
    return xk_ocr_wording_parse((const char *)xk_ocr_provisions_txt, xk_ocr_provisions_txt_len,
                                "data/provisions.txt", out, err);
}
