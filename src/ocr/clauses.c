/*
 * Standard wording: the special provisions (特别规定事项) and service conditions repeat the same
 * clauses from licence to licence. After a scan is read, each clause of a provision, an item or a
 * condition that is a few characters away from exactly one standard clause (edit distance at
 * most a tenth of its length, and at most 4) is taken to be that clause. The wording is
 * data/provisions.txt (read by wording.c), written by hand from the issuers' printed forms, never
 * from the tests. Each snap is a repair like any other: reported, so the field is flagged for
 * review with what was read and what it became.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "ocr_internal.h"
#include "xuke/limits.h"
#include "xuke/text.h"

#define TEXT_MAX XK_MAX_WORDING_CHARS /* code points of the longest sentence compared */

/* Code points of s[0..len) into cp (at most max); returns the count, or max + 1 if longer. */
static size_t decode(const char *s, size_t len, unsigned *cp, size_t max)
{
    size_t n = 0, i = 0;
    while (i < len) {
        if (n == max)
            return max + 1;
        size_t k = xk_utf8_decode(s + i, len - i, &cp[n]);
        i += k ? k : 1;
        n++;
    }
    return n;
}

/* Levenshtein distance of a and b, or limit + 1 as soon as it must exceed limit. */
static size_t distance(const unsigned *a, size_t na, const unsigned *b, size_t nb, size_t limit)
{
    size_t row[TEXT_MAX + 1];
    if ((na > nb ? na - nb : nb - na) > limit)
        return limit + 1;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0], best = row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t v = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            best = v < best ? v : best;
        }
        if (best > limit)
            return limit + 1;
    }
    return row[nb];
}

/* A table of standard wording, decoded once; read-only afterwards. */
typedef struct wording {
    char **text;
    size_t count;
    unsigned **cp;
    size_t *n;
    /* how far a piece of n code points may be from its standard form: 1 per `per`
     * characters, at most `cap`; pieces shorter than `min` are left alone */
    size_t per, cap, min;
    /* where one piece ends: after a stop (sentences) or at any punctuation (clauses) */
    bool keep_break;
    bool (*is_break)(unsigned cp);
} wording;

static bool clause_break(unsigned cp)
{
    return cp == 0xFF0C || cp == 0x3002 || cp == 0xFF1B || cp == 0xFF1A || cp == 0x3001 ||
           cp == ',' || cp == ';' || cp == ':';
}

static bool sentence_break(unsigned cp)
{
    return cp == 0x3002 || cp == 0xFF1B;
}

/* Sentences first: in a whole sentence one misread or stray character is a small part even
 * when it falls in a short clause ("视情节采取和警示"), which the clause table cannot judge. A
 * tenth of a clause is too much for a sentence, so a sentence may differ by one character in
 * 20 (at most 6). */
static wording sentences = {NULL, 0, NULL, NULL, 20, 6, 20, true, sentence_break};
static wording clauses = {NULL, 0, NULL, NULL, 10, 4, 8, false, clause_break};
static ocr_wording standard; /* owns the texts of both tables, for the life of the process */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void wording_decode(wording *w)
{
    w->cp = calloc(w->count, sizeof *w->cp);
    w->n = calloc(w->count, sizeof *w->n);
    for (size_t i = 0; w->cp && w->n && i < w->count; i++) {
        size_t len = strlen(w->text[i]);
        w->cp[i] = malloc((len + 1) * sizeof **w->cp); /* a code point per byte at most */
        if (!w->cp[i]) {
            w->count = i; /* what could be decoded */
            break;
        }
        w->n[i] = decode(w->text[i], len, w->cp[i], TEXT_MAX);
    }
    if (!w->cp || !w->n)
        w->count = 0;
}

/* A wording file that does not parse leaves both tables empty: nothing is snapped. The unit
 * tests parse the compiled-in file, so a bad edit fails there, not silently here. */
static void tables_make(void)
{
    xk_error err;
    if (xk_ocr_wording_standard(&standard, &err) != XK_OK)
        return;
    sentences.text = standard.sentences;
    sentences.count = standard.n_sentences;
    clauses.text = standard.clauses;
    clauses.count = standard.n_clauses;
    wording_decode(&sentences);
    wording_decode(&clauses);
}

/*
 * A sentence read whole but for one run of characters lost: Tesseract drops the start of a
 * printed line now and then ("在新技术、业务或应用上线（含合作推广、试点" of a provision's
 * sentence, 21 characters, lost on 4 of the 12 tuning licences of tests/tools/heldout.py --seed 1,
 * three faces), far beyond the few edits `nearest` allows. The read text is taken to be the one
 * standard sentence it equals with at most OCR_LOST_RUN characters (about a printed line) taken
 * out in one place, every other character read exactly, and most of the sentence read. Such a
 * snap is never within the noise (xk_ocr_within_noise), so the field is flagged.
 */
#define OCR_LOST_RUN 40

static const char *lost_run(const wording *w, const unsigned *cp, size_t n)
{
    const char *found = NULL;
    for (size_t i = 0; i < w->count && n >= w->min; i++) {
        const unsigned *t = w->cp[i];
        size_t m = w->n[i];
        if (m > TEXT_MAX || m <= n || m - n > OCR_LOST_RUN || n < 2 * (m - n))
            continue;
        size_t head = 0, tail = 0;
        while (head < n && cp[head] == t[head])
            head++;
        while (tail < n - head && cp[n - 1 - tail] == t[m - 1 - tail])
            tail++;
        if (head + tail < n)
            continue;
        if (found && strcmp(found, w->text[i]) != 0)
            return NULL; /* two sentences fit: neither is taken */
        found = w->text[i];
    }
    return found;
}

/* The one standard text near cp[0..n) (NULL when none, or two are equally near); for
 * sentences, failing that, the one it is with a run lost (lost_run). */
static const char *nearest(const wording *w, const unsigned *cp, size_t n)
{
    size_t limit = n / w->per < w->cap ? n / w->per : w->cap;
    if (n < w->min || limit == 0)
        return NULL;
    const char *best = NULL;
    size_t best_d = limit + 1;
    bool tie = false;
    for (size_t i = 0; i < w->count; i++) {
        if (w->n[i] > TEXT_MAX)
            continue;
        size_t d = distance(cp, n, w->cp[i], w->n[i], limit);
        if (d == 0)
            return NULL; /* already standard */
        if (d < best_d) {
            best_d = d;
            best = w->text[i];
            tie = false;
        } else if (d == best_d && best && strcmp(best, w->text[i]) != 0) {
            tie = true;
        }
    }
    if (tie)
        return NULL;
    return best ? best : w->keep_break ? lost_run(w, cp, n) : NULL;
}

static bool is_numeral_at(const char *s, size_t len)
{
    static const char numerals[] = "一二三四五六七八九十"; /* three bytes each */
    for (size_t i = 0; len >= 3 && i + 3 < sizeof numerals; i += 3)
        if (memcmp(s, numerals + i, 3) == 0)
            return true;
    return false;
}

/* The bytes of one character at s[0..len) that Tesseract often reads in where the print has
 * none (xk_ocr_often_added: 和 90 times in 152 pages), else 0. */
static size_t added_at(const char *s, size_t len)
{
    unsigned c = 0;
    size_t k = len ? xk_utf8_decode(s, len, &c) : 0;
    return k && xk_ocr_often_added(c) ? k : 0;
}

/*
 * The bytes of an item's number "（六）" (either bracket width, one or two numerals) opening
 * s[0..len), else 0. An item the extractor did not split off (the source printed it on the line
 * of the item before) keeps its number through a snap: the standard wording has none, and a
 * snap that dropped it merged two items unflagged in all but name (provisions 15 and 16 of every
 * tuning licence printed so). One character Tesseract often reads in may stand inside the
 * brackets beside the numerals ("（和六）", a Noto Serif tuning render): it is no part of the
 * number, which is written without it.
 */
static size_t item_number_len(const char *s, size_t len, size_t *digits_at, size_t *digits_len)
{
    size_t at = len >= 3 && memcmp(s, "（", 3) == 0 ? 3 : len >= 1 && s[0] == '(' ? 1 : 0;
    if (!at)
        return 0;
    size_t stray = added_at(s + at, len - at);
    size_t first = at + stray;
    at = first;
    while (at - first < 6 && is_numeral_at(s + at, len - at))
        at += 3;
    if (at == first)
        return 0;
    *digits_at = first;
    *digits_len = at - first;
    if (!stray)
        at += added_at(s + at, len - at);
    return len >= at + 3 && memcmp(s + at, "）", 3) == 0 ? at + 3
           : len >= at + 1 && s[at] == ')'                ? at + 1
                                                          : 0;
}

/* An item's number opening text[start..end) written to out in full-width brackets, a
 * half-width bracket noted as a snap (marks: within the noise); the bytes it took. */
static size_t keep_item_number(const char *text, size_t start, size_t end, xk_buf *out,
                               ocr_snaps *snaps, const char *field, bool *changed)
{
    size_t at = 0, n = 0;
    size_t used = item_number_len(text + start, end - start, &at, &n);
    if (!used)
        return 0;
    char number[32];
    int w = snprintf(number, sizeof number, "（%.*s）", (int)n, text + start + at);
    if (w < 0 || (size_t)w >= sizeof number)
        return 0;
    if ((size_t)w != used || memcmp(number, text + start, used) != 0) {
        xk_ocr_snap_note(snaps, field, text + start, used, number);
        *changed = true;
    }
    xk_buf_puts(out, number);
    return used;
}

/*
 * A character read twice, the same beside it, is one Tesseract seldom makes: 21 of the 1,250
 * Chinese characters it read in that the print did not have, in 121,248 printed
 * (data/ocr_confusions.txt, 152 pages of tuning licences). Where a source prints one so (an
 * issuer's slip, "管理人人员"), a snap to the standard wording took the source's own text away.
 * A snap that would leave fewer such pairs than the piece read has is not made: the piece stays as
 * read and the snap is noted as kept (OCR_KEPT_DOUBLED), so the field is flagged.
 */
static size_t doublings(const unsigned *cp, size_t n)
{
    size_t pairs = 0;
    for (size_t i = 0; i + 1 < n; i++)
        pairs += cp[i] == cp[i + 1] && xk_is_han(cp[i]);
    return pairs;
}

static bool loses_doubling(const unsigned *piece, size_t n, const char *to)
{
    unsigned t[TEXT_MAX];
    size_t m = decode(to, strlen(to), t, TEXT_MAX);
    return m <= TEXT_MAX && doublings(piece, n) > doublings(t, m);
}

/* The snaps noted since snaps->n was `since` marked not made, for why: never within the noise,
 * so their field is flagged. */
static void mark_kept(ocr_snaps *snaps, size_t since, ocr_kept_why why)
{
    for (size_t k = since; k < snaps->n; k++) {
        snaps->items[k].kept = why;
        snaps->items[k].noise = false;
    }
}

/* A snap noted and not made, for why. */
static void snap_kept(ocr_snaps *snaps, const char *field, const char *from, size_t from_len,
                      const char *to, ocr_kept_why why)
{
    size_t before = snaps->n;
    xk_ocr_snap_note(snaps, field, from, from_len, to);
    mark_kept(snaps, before, why);
}

/* text with its pieces snapped; NULL when nothing changed. Reports each snap through note. */
static char *snap_text(const wording *w, const char *text, ocr_snaps *snaps, const char *field)
{
    size_t len = strlen(text);
    xk_buf out;
    xk_buf_init(&out);
    bool changed = false;
    size_t start = 0;
    for (size_t i = 0; i <= len;) {
        unsigned cp = 0;
        size_t k = i < len ? xk_utf8_decode(text + i, len - i, &cp) : 0;
        k = k ? k : 1;
        if (i < len && !w->is_break(cp)) {
            i += k;
            continue;
        }
        size_t end = i < len && w->keep_break ? i + k : i; /* the piece compared */
        start += keep_item_number(text, start, end, &out, snaps, field, &changed);
        unsigned piece[TEXT_MAX];
        size_t n = decode(text + start, end - start, piece, TEXT_MAX);
        const char *to = n <= TEXT_MAX ? nearest(w, piece, n) : NULL;
        if (to && loses_doubling(piece, n, to)) {
            snap_kept(snaps, field, text + start, end - start, to, OCR_KEPT_DOUBLED);
            xk_buf_append(&out, text + start, end - start);
        } else if (to) {
            xk_ocr_snap_note(snaps, field, text + start, end - start, to);
            xk_buf_puts(&out, to);
            changed = true;
        } else {
            xk_buf_append(&out, text + start, end - start);
        }
        if (i < len && !w->keep_break)
            xk_buf_append(&out, text + i, k);
        i += k;
        start = i;
    }
    if (!changed || out.oom) {
        xk_buf_free(&out);
        return NULL;
    }
    return xk_buf_take(&out);
}

size_t xk_ocr_distance(const char *a, size_t alen, const char *b, size_t blen, size_t limit)
{
    unsigned x[TEXT_MAX], y[TEXT_MAX];
    size_t nx = decode(a, alen, x, TEXT_MAX), ny = decode(b, blen, y, TEXT_MAX);
    if (nx > TEXT_MAX || ny > TEXT_MAX)
        return limit + 1;
    return distance(x, nx, y, ny, limit);
}

bool xk_ocr_is_standard(const char *text, int item)
{
    pthread_once(&tables_once, tables_make);
    size_t len = strlen(text);
    for (size_t i = 0; i < standard.n_entries && standard.entries; i++) {
        const char *e = standard.entries[i];
        if (item < 0 ? xk_ocr_same_words(text, len, e, strlen(e))
                     : standard.entry_item[i] == item && strcmp(text, e) == 0)
            return true;
    }
    return false;
}

size_t xk_ocr_longest_standard(void)
{
    pthread_once(&tables_once, tables_make);
    size_t most = 0;
    for (size_t i = 0; i < standard.n_entries && standard.entries; i++) {
        size_t n = xk_utf8_count(standard.entries[i], strlen(standard.entries[i]));
        most = n > most ? n : most;
    }
    return most;
}

int xk_ocr_common_provisions(void)
{
    pthread_once(&tables_once, tables_make);
    return standard.common;
}

/* Whether cp is a mark that ends a piece of wording. */
static bool piece_end(const char *s)
{
    unsigned cp = 0;
    return *s == '\0' || (xk_utf8_decode(s, strlen(s), &cp) && (clause_break(cp) || cp == 0xFF09));
}

bool xk_ocr_is_standard_piece(const char *item)
{
    pthread_once(&tables_once, tables_make);
    size_t len = strlen(item);
    if (len == 0)
        return false;
    for (size_t i = 0; i < standard.n_entries && standard.entries; i++)
        for (const char *p = strstr(standard.entries[i], item); p; p = strstr(p + 1, item))
            if (piece_end(p + len))
                return true;
    return false;
}

/*
 * A sentence snapped is longer than the note holds, and its first difference may lie past the
 * cut ("你公司应当按照…" shown alike on both sides): the bytes to skip of from and to (the same
 * for both, at a character boundary) so that the note starts OCR_SNAP_BEFORE characters before
 * their first difference; 0 when both fit whole or the difference is near the start.
 */
#define OCR_SNAP_BEFORE 8

static size_t snap_window(const char *from, size_t from_len, const char *to, size_t to_len,
                          size_t room)
{
    if (from_len < room && to_len < room)
        return 0;
    size_t same = 0;
    while (same < from_len && same < to_len && from[same] == to[same])
        same++;
    while (same > 0 && same < from_len && ((unsigned char)from[same] & 0xC0) == 0x80)
        same--; /* to the start of the character that differs */
    for (int back = 0; back < OCR_SNAP_BEFORE && same > 0; back++)
        do
            same--;
        while (same > 0 && ((unsigned char)from[same] & 0xC0) == 0x80);
    return same;
}

/* text[0..len) into dst, after "…" when it was cut at the front. */
static void copy_window(char *dst, size_t size, const char *text, size_t len, bool cut)
{
    static const char ellipsis[] = "…";
    size_t at = cut && size > sizeof ellipsis ? sizeof ellipsis - 1 : 0;
    memcpy(dst, ellipsis, at);
    xk_utf8_copy(dst + at, size - at, text, len);
}

void xk_ocr_snap_note(ocr_snaps *s, const char *field, const char *from, size_t from_len,
                      const char *to)
{
    if (s->n == OCR_MAX_SNAPS) {
        s->dropped++; /* the snap is made; the whole document is flagged (scan.c) */
        return;
    }
    ocr_snap *n = &s->items[s->n++];
    size_t to_len = strlen(to);
    n->noise = xk_ocr_within_noise(from, from_len, to, to_len);
    xk_utf8_copy(n->field, sizeof n->field, field, strlen(field));
    size_t skip = snap_window(from, from_len, to, to_len, sizeof n->from);
    copy_window(n->from, sizeof n->from, from + skip, from_len - skip, skip > 0);
    copy_window(n->to, sizeof n->to, to + skip, to_len - skip, skip > 0);
}

static void snap_with(const wording *w, xk_licence *lic, char **text, ocr_snaps *snaps,
                      const char *field)
{
    char *fixed = snap_text(w, *text, snaps, field);
    if (!fixed)
        return;
    char *kept = xk_licence_strdup(lic, fixed, strlen(fixed));
    if (kept)
        *text = kept;
    free(fixed);
}

static void snap_field(xk_licence *lic, char **text, ocr_snaps *snaps, const char *field)
{
    pthread_once(&tables_once, tables_make);
    snap_with(&sentences, lic, text, snaps, field);
    snap_with(&clauses, lic, text, snaps, field);
}

/* A provision without items ends with 。; OCR often loses that last small mark. */
static void final_stop(xk_licence *lic, xk_provision *p, ocr_snaps *snaps, const char *field)
{
    size_t len = strlen(p->text);
    static const char *const ends[] = {"。", "：", "；", ":", ";", ".", "）", ")"};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
        if (len >= strlen(ends[i]) && strcmp(p->text + len - strlen(ends[i]), ends[i]) == 0)
            return;
    char *fixed = malloc(len + 4);
    if (!fixed)
        return;
    memcpy(fixed, p->text, len);
    memcpy(fixed + len, "。", 4);
    char *kept = xk_licence_strdup(lic, fixed, len + 3);
    if (kept) {
        const char *tail = p->text + (len > 24 ? xk_utf8_cut(p->text, len, len - 24) : 0);
        char to[64];
        snprintf(to, sizeof to, "%s。", tail);
        xk_ocr_snap_note(snaps, field, tail, strlen(tail), to);
        p->text = kept;
    }
    free(fixed);
}

/* A provision with items introduces them with ：, which OCR reads as ； now and then, or loses. */
static void items_colon(xk_licence *lic, xk_provision *p, ocr_snaps *snaps, const char *field)
{
    size_t len = strlen(p->text);
    if ((len >= 3 && strcmp(p->text + len - 3, "：") == 0) || (len && p->text[len - 1] == ':'))
        return;
    size_t cut = len >= 3 && strcmp(p->text + len - 3, "；") == 0 ? 3
                 : len >= 1 && p->text[len - 1] == ';'           ? 1
                                                                 : 0;
    char *buf = malloc(len - cut + 4);
    if (!buf)
        return;
    memcpy(buf, p->text, len - cut);
    memcpy(buf + len - cut, "：", 4); /* with its NUL */
    char *fixed = xk_licence_strdup(lic, buf, len - cut + 3);
    if (fixed) {
        /* what was read at the end, and what it became */
        size_t kept = len - cut;
        const char *tail = p->text + (kept > 24 ? xk_utf8_cut(p->text, kept, kept - 24) : 0);
        xk_ocr_snap_note(snaps, field, tail, (size_t)(p->text + len - tail),
                         buf + (tail - p->text));
        p->text = fixed;
    }
    free(buf);
}

/*
 * A service condition is stored without its 【】 (extraction takes them off), but the standard
 * wording prints them, so its last clause was "snapped" to the standard one with 】 added: every
 * scanned record held "…开展相应经营活动】" where the text gave "…开展相应经营活动". The
 * condition is compared with its marks put back, and stored without them.
 */
static void snap_condition(xk_licence *lic, char **text, ocr_snaps *snaps, const char *field)
{
    size_t len = strlen(*text);
    char *marked = malloc(len + 7);
    if (!marked)
        return; /* left as read, not snapped */
    snprintf(marked, len + 7, "【%s】", *text);
    char *snapped = xk_licence_strdup(lic, marked, len + 6);
    free(marked);
    if (!snapped)
        return;
    snap_field(lic, &snapped, snaps, field);
    size_t n = strlen(snapped);
    const char *inner = snapped;
    if (xk_starts_with(inner, n, "【")) {
        inner += 3;
        n -= 3;
    }
    if (n >= 3 && strcmp(inner + n - 3, "】") == 0)
        n -= 3;
    char *kept = xk_licence_strdup(lic, inner, n);
    if (kept)
        *text = kept;
}

/* Whether line (1-based) of ocr was taken from a PDF's text layer. */
static bool from_layer(const xk_ocr_result *ocr, int line)
{
    return ocr && line >= 1 && (size_t)line <= ocr->n_lines && ocr->lines[line - 1].text_layer;
}

/*
 * A text layer is what the document says, exactly: a difference from the standard wording there
 * is the document's own (a slip of its issuer, "管理人人员"), not a misreading. The snaps made
 * since snaps->n was `since` are marked kept (mark_kept), so the field is flagged for a person to
 * compare; the caller puts the texts back as the layer gave them.
 */
static void keep_layer(ocr_snaps *snaps, size_t since)
{
    mark_kept(snaps, since, OCR_KEPT_LAYER);
}

static void snap_provision(xk_licence *lic, xk_provision *p, ocr_snaps *snaps)
{
    char field[64];
    snprintf(field, sizeof field, "特别规定事项 %d (provision)", p->no);
    snap_field(lic, &p->text, snaps, field);
    if (p->n_items == 0)
        final_stop(lic, p, snaps, field);
    else
        items_colon(lic, p, snaps, field);
    for (size_t j = 0; j < p->n_items; j++)
        snap_field(lic, &p->items[j].text, snaps, field);
}

void xk_ocr_snap_clauses(xk_licence *lic, ocr_snaps *snaps, const xk_ocr_result *ocr)
{
    for (size_t i = 0; i < lic->n_provisions; i++) {
        xk_provision *p = &lic->provisions[i];
        if (!from_layer(ocr, p->line)) {
            snap_provision(lic, p, snaps);
            continue;
        }
        size_t since = snaps->n;
        char *text = p->text, **items = calloc(p->n_items ? p->n_items : 1, sizeof *items);
        if (!items) { /* no room to keep the layer's texts: snapped, and flagged all the same */
            snap_provision(lic, p, snaps);
            keep_layer(snaps, since);
            continue;
        }
        for (size_t j = 0; j < p->n_items; j++)
            items[j] = p->items[j].text;
        snap_provision(lic, p, snaps);
        keep_layer(snaps, since);
        p->text = text;
        for (size_t j = 0; j < p->n_items; j++)
            p->items[j].text = items[j];
        free(items);
    }
    char field[64];
    for (size_t i = 0; i < lic->n_services; i++) {
        xk_service *s = &lic->services[i];
        snprintf(field, sizeof field, "业务种类 %s (service)", s->code);
        bool layer = from_layer(ocr, s->line);
        for (size_t j = 0; j < s->conditions.len; j++) {
            size_t since = snaps->n;
            char *text = s->conditions.items[j];
            snap_condition(lic, &s->conditions.items[j], snaps, field);
            if (layer) {
                keep_layer(snaps, since);
                s->conditions.items[j] = text;
            }
        }
    }
}
