/*
 * Output form of text fields. OCR and mixed typing leave "管理人 员", "标准, 具备", "(北京)"
 * inside Chinese text; a record shows "管理人员", "标准，具备", "（北京）". Rules:
 *   - white space runs collapse to one space; a space touching Chinese text is dropped;
 *   - , : ; ! ? become full-width when a neighbour (spaces skipped) is Chinese text;
 *   - ( ) become full-width as a pair when the pair touches or contains Chinese text.
 * ASCII-only text ("Example Co., Ltd.") is left as it is.
 */
#include "xuke/text.h"
#include "utf8_inline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"

/*
 * The text is worked on as bytes, in three passes over it: collapse (white space runs to one
 * space, bad bytes to U+FFFD), decide which ASCII punctuation turns full-width, write out. A
 * character's neighbours are found by stepping over at most one space, since runs are already
 * collapsed; text without spaces or convertible punctuation (most of a licence) is done after
 * the first pass.
 */
typedef struct collapsed {
    char *b;
    size_t len;
    size_t spaces, punct, opens; /* what the later passes have to look at */
    size_t *marks, n_marks;      /* the offsets of every space and punctuation byte, in order */
    bool marks_owned;            /* marks malloc'ed (else the caller's room for short text) */
} collapsed;

/* Text up to this many bytes is tidied with its marks and flags on the stack: the fields and
 * clauses of a licence, tidied dozens of times a document, then cost no allocations but the
 * result's. */
#define TIDY_STACK_BYTES 1024

static bool is_tidy_space(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000;
}

static bool is_convertible(unsigned char c)
{
    return c == ',' || c == ':' || c == ';' || c == '!' || c == '?' || c == '(' || c == ')';
}

static void collapsed_free_marks(collapsed *c)
{
    if (c->marks_owned)
        free(c->marks);
    c->marks = NULL;
}

/* room: at least TIDY_STACK_BYTES + 1 marks the caller lends for short text */
static bool collapse(const char *s, size_t len, collapsed *c, size_t *room)
{
    memset(c, 0, sizeof *c);
    c->b = malloc(3 * len + 1); /* a bad byte becomes the three of U+FFFD */
    c->marks_owned = len > TIDY_STACK_BYTES;
    c->marks = c->marks_owned ? malloc((len + 1) * sizeof *c->marks) : room;
    if (!c->b || !c->marks) {
        free(c->b);
        collapsed_free_marks(c);
        return false;
    }
    char *o = c->b;
    bool space = false;
    size_t i = 0;
    while (i < len) {
        unsigned char lead = (unsigned char)s[i];
        size_t run = lead >= 0xE4 ? han_run_end((const unsigned char *)s, i, len) : i;
        if (run > i) { /* CJK ideographs: wide, never a space; the run copied at once */
            if (space) {
                c->marks[c->n_marks++] = (size_t)(o - c->b);
                *o++ = ' ';
                c->spaces++;
            }
            space = false;
            memcpy(o, s + i, run - i);
            o += run - i;
            i = run;
            continue;
        }
        unsigned cp = lead;
        size_t n = lead < 0x80 ? 1 : utf8_decode(s + i, len - i, &cp);
        if (n && is_tidy_space(cp)) {
            space = o > c->b;
            i += n;
            continue;
        }
        if (space) {
            c->marks[c->n_marks++] = (size_t)(o - c->b);
            *o++ = ' ';
            c->spaces++;
        }
        space = false;
        if (n == 0) {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
            continue;
        }
        if (n == 1 && is_convertible(lead)) {
            c->marks[c->n_marks++] = (size_t)(o - c->b);
            c->punct++;
            c->opens += lead == '(';
        }
        for (size_t k = 0; k < n; k++)
            *o++ = s[i + k];
        i += n;
    }
    *o = '\0';
    c->len = (size_t)(o - c->b);
    return true;
}

/* The character before byte offset at (0 at the start). */
static unsigned cp_before(const collapsed *c, size_t at, size_t *start)
{
    if (at == 0)
        return 0;
    size_t k = at - 1;
    while (k > 0 && ((unsigned char)c->b[k] & 0xC0) == 0x80)
        k--;
    unsigned cp = 0;
    if (utf8_decode(c->b + k, at - k, &cp) == 0)
        cp = (unsigned char)c->b[k];
    *start = k;
    return cp;
}

/* The character at byte offset at (0 at the end); *n its length. */
static unsigned cp_at(const collapsed *c, size_t at, size_t *n)
{
    unsigned cp = 0;
    *n = at < c->len ? utf8_decode(c->b + at, c->len - at, &cp) : 0;
    if (at < c->len && *n == 0) {
        cp = (unsigned char)c->b[at];
        *n = 1;
    }
    return cp;
}

static unsigned prev_solid(const collapsed *c, size_t at)
{
    size_t k;
    unsigned cp = cp_before(c, at, &k);
    return cp == ' ' ? cp_before(c, k, &k) : cp;
}

static unsigned next_solid(const collapsed *c, size_t at)
{
    size_t n;
    unsigned cp = cp_at(c, at, &n);
    return cp == ' ' ? cp_at(c, at + n, &n) : cp;
}

static unsigned fullwidth(unsigned cp)
{
    switch (cp) {
    case ',':
        return 0xFF0C;
    case ':':
        return 0xFF1A;
    case ';':
        return 0xFF1B;
    case '!':
        return 0xFF01;
    case '?':
        return 0xFF1F;
    case '(':
        return 0xFF08;
    case ')':
        return 0xFF09;
    default:
        return cp;
    }
}

/* Marks in widen[] (one flag per byte) every punctuation byte that turns full-width, decided
 * on the original characters: a pair of brackets when either touches Chinese text outside or
 * holds some inside; the others when a neighbour is Chinese text. */
static bool decide(const collapsed *c, unsigned char *widen)
{
    if (!c->opens) { /* no brackets: each mark on its own neighbours */
        for (size_t k = 0; k < c->n_marks; k++) {
            size_t i = c->marks[k];
            if (c->b[i] != ' ')
                widen[i] = xk_is_wide(prev_solid(c, i)) || xk_is_wide(next_solid(c, i + 1));
        }
        return true;
    }
    size_t *stack = c->opens ? malloc(c->opens * sizeof *stack) : NULL;
    if (c->opens && !stack)
        return false;
    size_t depth = 0, last_wide = 0; /* the offset + 1 of the last wide character, 0: none */
    const unsigned char *u = (const unsigned char *)c->b;
    for (size_t i = 0; i < c->len;) {
        unsigned char b = u[i];
        if (b >= 0x80) {
            size_t run = han_run_end(u, i, c->len), n = 3;
            if (run > i) { /* ideographs: the last of them is the last wide character */
                last_wide = run - 3 + 1;
                i = run;
                continue;
            }
            if (xk_is_wide(cp_at(c, i, &n)))
                last_wide = i + 1;
            i += n;
            continue;
        }
        if (b == '(') {
            stack[depth++] = i;
        } else if (b == ')' && depth > 0) {
            size_t open = stack[--depth];
            bool w = xk_is_wide(prev_solid(c, open)) || xk_is_wide(next_solid(c, i + 1)) ||
                     last_wide > open + 1;
            widen[open] = widen[i] = w;
        } else if (is_convertible(b)) {
            widen[i] = xk_is_wide(prev_solid(c, i)) || xk_is_wide(next_solid(c, i + 1));
        }
        i++;
    }
    while (depth > 0) { /* unmatched '(' */
        size_t open = stack[--depth];
        widen[open] = xk_is_wide(prev_solid(c, open)) || xk_is_wide(next_solid(c, open + 1));
    }
    free(stack);
    return true;
}

/* The character at offset at as written out: widened when marked. */
static unsigned out_cp(const collapsed *c, const unsigned char *widen, size_t at)
{
    size_t n;
    unsigned cp = cp_at(c, at, &n);
    return at < c->len && widen[at] ? fullwidth(cp) : cp;
}

static char *write_out(const collapsed *c, const unsigned char *widen)
{
    char *out = malloc(c->len + 2 * c->punct + 1), *o = out;
    if (!out)
        return NULL;
    size_t i = 0;
    for (size_t m = 0; m <= c->n_marks; m++) {
        size_t run = m < c->n_marks ? c->marks[m] : c->len; /* copied as it is up to a mark */
        memcpy(o, c->b + i, run - i);
        o += run - i;
        i = run;
        if (i == c->len)
            break;
        if (c->b[i] != ' ' && !widen[i]) {
            *o++ = c->b[i++];
            continue;
        }
        if (widen[i]) {
            o += xk_utf8_encode(fullwidth((unsigned char)c->b[i]), o);
            i++;
            continue;
        }
        /* a space: kept between two narrow characters only (before and after as written) */
        size_t k;
        unsigned before = cp_before(c, i, &k);
        if (i > 0 && widen[k])
            before = fullwidth(before);
        unsigned after = out_cp(c, widen, i + 1);
        if (!(xk_is_wide(before) || xk_is_wide(after) || !after))
            *o++ = ' ';
        i++;
    }
    *o = '\0';
    return out;
}

char *xk_text_tidy(const char *s, size_t len)
{
    collapsed c;
    size_t marks_room[TIDY_STACK_BYTES + 1];
    if (!collapse(s, len, &c, marks_room))
        return NULL;
    if (c.spaces == 0 && c.punct == 0) {
        collapsed_free_marks(&c);
        return c.b;
    }
    unsigned char widen_room[3 * TIDY_STACK_BYTES + 1];
    bool widen_owned = c.len + 1 > sizeof widen_room;
    unsigned char *widen = widen_owned ? calloc(c.len + 1, 1) : widen_room;
    if (!widen_owned)
        memset(widen, 0, c.len + 1);
    char *out = NULL;
    if (widen && decide(&c, widen))
        out = write_out(&c, widen);
    if (widen_owned)
        free(widen);
    free(c.b);
    collapsed_free_marks(&c);
    return out;
}

/*
 * Text made of xk_lines_split's lines is already what collapse makes of it: valid UTF-8 whose
 * only white space is single spaces between other characters. Its marks (spaces, convertible
 * punctuation) are ASCII bytes, found eight bytes at a time: most of a licence is Chinese text,
 * whose bytes all have the high bit set. c->b is s itself, not owned.
 */
static bool mark_lines(const char *s, size_t len, collapsed *c, size_t *room)
{
    memset(c, 0, sizeof *c);
    c->b = (char *)s; /* read only: decide and write_out never write through it */
    c->len = len;
    c->marks_owned = len > TIDY_STACK_BYTES;
    c->marks = c->marks_owned ? malloc((len + 1) * sizeof *c->marks) : room;
    if (!c->marks)
        return false;
    const uint64_t highs = 0x8080808080808080ULL;
    size_t i = 0;
    while (i < len) {
        size_t end = len - i >= 8 ? i + 8 : len;
        if (end - i == 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & highs) == highs) { /* no ASCII byte: no mark */
                i = end;
                continue;
            }
        }
        for (; i < end; i++) {
            unsigned char b = (unsigned char)s[i];
            if (b == ' ') {
                c->marks[c->n_marks++] = i;
                c->spaces++;
            } else if (is_convertible(b)) {
                c->marks[c->n_marks++] = i;
                c->punct++;
                c->opens += b == '(';
            }
        }
    }
    return true;
}

/* The offset + 1 of a wide character in c->b[from..to), 0 when none: the first one found (the
 * first character of Chinese text, at once). */
static size_t wide_in(const collapsed *c, size_t from, size_t to)
{
    const unsigned char *u = (const unsigned char *)c->b;
    for (size_t i = from; i < to;) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        if (han_run_end(u, i, c->len) > i)
            return i + 1;
        size_t n;
        if (xk_is_wide(cp_at(c, i, &n)))
            return i + 1;
        i += n;
    }
    return 0;
}

/* decide for brackets, walking the marks only: the text between two marks holds no bracket,
 * and whether Chinese text stands inside a pair needs only whether some segment between them
 * holds a wide character (segments hold no mark, so a pair holds a segment whole or not at
 * all). Same flags as decide's walk over every character. */
static bool decide_marked(const collapsed *c, unsigned char *widen)
{
    size_t stack_room[64];
    size_t *stack = c->opens <= 64 ? stack_room : malloc(c->opens * sizeof *stack);
    if (!stack)
        return false;
    size_t depth = 0, last_wide = 0, from = 0;
    for (size_t k = 0; k < c->n_marks; k++) {
        size_t i = c->marks[k], w = wide_in(c, from, i);
        if (w)
            last_wide = w;
        from = i + 1;
        unsigned char b = (unsigned char)c->b[i];
        if (b == '(') {
            stack[depth++] = i;
        } else if (b == ')' && depth > 0) {
            size_t open = stack[--depth];
            bool wd = xk_is_wide(prev_solid(c, open)) || xk_is_wide(next_solid(c, i + 1)) ||
                      last_wide > open + 1;
            widen[open] = widen[i] = wd;
        } else if (b != ' ') {
            widen[i] = xk_is_wide(prev_solid(c, i)) || xk_is_wide(next_solid(c, i + 1));
        }
    }
    while (depth > 0) { /* unmatched '(' */
        size_t open = stack[--depth];
        widen[open] = xk_is_wide(prev_solid(c, open)) || xk_is_wide(next_solid(c, open + 1));
    }
    if (stack != stack_room)
        free(stack);
    return true;
}

char *xk_text_tidy_lines(const char *s, size_t len)
{
    collapsed c;
    size_t marks_room[TIDY_STACK_BYTES + 1];
    if (!mark_lines(s, len, &c, marks_room))
        return NULL;
    char *out = NULL;
    if (c.spaces == 0 && c.punct == 0) {
        collapsed_free_marks(&c);
        out = malloc(len + 1);
        if (out) {
            memcpy(out, s, len);
            out[len] = '\0';
        }
        return out;
    }
    unsigned char widen_room[TIDY_STACK_BYTES + 1];
    bool widen_owned = len + 1 > sizeof widen_room;
    unsigned char *widen = widen_owned ? calloc(len + 1, 1) : widen_room;
    if (!widen_owned)
        memset(widen, 0, len + 1);
    if (widen && (c.opens ? decide_marked(&c, widen) : decide(&c, widen)))
        out = write_out(&c, widen);
    if (widen_owned)
        free(widen);
    collapsed_free_marks(&c);
    return out;
}

static bool squeezable(unsigned cp)
{
    return xk_is_wide(cp) || cp == '(' || cp == ')' || cp == ',' || cp == ':' || cp == ';' ||
           cp == '.' || cp == '[' || cp == ']';
}

size_t xk_text_squeeze(char *s)
{
    size_t len = strlen(s), w = 0;
    unsigned prev = 0;
    for (size_t r = 0; r < len;) {
        if (s[r] == ' ') {
            size_t e = r;
            while (e < len && s[e] == ' ')
                e++;
            unsigned next = 0;
            if (e < len)
                utf8_decode(s + e, len - e, &next);
            if (!(squeezable(prev) || squeezable(next)))
                s[w++] = ' ';
            r = e;
            continue;
        }
        unsigned cp = (unsigned char)s[r];
        size_t n = utf8_decode(s + r, len - r, &cp);
        if (n == 0)
            n = 1;
        memmove(s + w, s + r, n);
        w += n;
        r += n;
        prev = cp;
    }
    s[w] = '\0';
    return w;
}
