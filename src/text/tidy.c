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

#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"

typedef struct cps {
    unsigned *v;
    size_t n;
} cps;

static bool decode_all(const char *s, size_t len, cps *out)
{
    out->v = malloc((len + 1) * sizeof *out->v);
    out->n = 0;
    if (!out->v)
        return false;
    bool space = false;
    size_t i = 0;
    while (i < len) {
        unsigned cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            cp = 0xFFFD;
            n = 1;
        }
        i += n;
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000) {
            space = out->n > 0;
            continue;
        }
        if (space)
            out->v[out->n++] = ' ';
        space = false;
        out->v[out->n++] = cp;
    }
    return true;
}

static unsigned prev_solid(const cps *c, size_t i)
{
    while (i > 0) {
        i--;
        if (c->v[i] != ' ')
            return c->v[i];
    }
    return 0;
}

static unsigned next_solid(const cps *c, size_t i)
{
    for (i++; i < c->n; i++)
        if (c->v[i] != ' ')
            return c->v[i];
    return 0;
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

static bool any_wide(const cps *c, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++)
        if (xk_is_wide(c->v[k]))
            return true;
    return false;
}

/* Decides every conversion on the original characters, then applies them. False when out of
 * memory (nothing converted: the caller must not pass the text on as tidied). */
static bool widen_punctuation(cps *c)
{
    bool *widen = calloc(c->n + 1, sizeof *widen);
    size_t *stack = malloc((c->n + 1) * sizeof *stack);
    if (!widen || !stack) {
        free(widen);
        free(stack);
        return false;
    }
    size_t depth = 0;
    for (size_t i = 0; i < c->n; i++) {
        unsigned cp = c->v[i];
        if (cp == '(') {
            stack[depth++] = i;
        } else if (cp == ')' && depth > 0) {
            size_t open = stack[--depth];
            bool w = xk_is_wide(prev_solid(c, open)) || xk_is_wide(next_solid(c, i)) ||
                     any_wide(c, open + 1, i);
            widen[open] = widen[i] = w;
        } else if (cp == ',' || cp == ':' || cp == ';' || cp == '!' || cp == '?' || cp == ')') {
            widen[i] = xk_is_wide(prev_solid(c, i)) || xk_is_wide(next_solid(c, i));
        }
    }
    while (depth > 0) { /* unmatched '(' */
        size_t open = stack[--depth];
        widen[open] = xk_is_wide(prev_solid(c, open)) || xk_is_wide(next_solid(c, open));
    }
    for (size_t i = 0; i < c->n; i++)
        if (widen[i])
            c->v[i] = fullwidth(c->v[i]);
    free(widen);
    free(stack);
    return true;
}

char *xk_text_tidy(const char *s, size_t len)
{
    cps c;
    if (!decode_all(s, len, &c))
        return NULL;
    if (!widen_punctuation(&c)) {
        free(c.v);
        return NULL;
    }
    xk_buf out;
    xk_buf_init(&out);
    char enc[4];
    for (size_t i = 0; i < c.n; i++) {
        unsigned cp = c.v[i];
        if (cp == ' ') {
            unsigned before = i > 0 ? c.v[i - 1] : 0, after = i + 1 < c.n ? c.v[i + 1] : 0;
            if (xk_is_wide(before) || xk_is_wide(after) || !after)
                continue;
        }
        xk_buf_append(&out, enc, xk_utf8_encode(cp, enc));
    }
    free(c.v);
    return xk_buf_take(&out);
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
