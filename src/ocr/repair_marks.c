/*
 * Repairs of brackets, colons and specks: 〈 and 〉 (never printed on a licence) and 《 or a backslash
 * where OCR read （ and ）; a bracket read twice; a full stop read as the letter O or o at the end of
 * Chinese text; specks after a label's colon; the lost bracket of the standard condition; a speck
 * before a service name. It knows no vocabulary beyond the few words that say where a bracket
 * belongs; numbers are repair_numbers.c's.
 *
 * Each look-alike is one Tesseract was counted making (data/ocr_confusions.txt, 152 pages of
 * tuning licences): （ read as 〈 141 times in 31 renders and as 《 93 times in 21 (( as 〈 17),
 * as a backslash 3; ） as 》 3; 。 as O 8 and as o 4; ： as ， 17 and as ; 9.
 */
#include <string.h>

#include "repair.h"
#include "xuke/catalogue.h"
#include "xuke/text.h"

/* A 《 whose closing mark on the line is ） rather than 》: OCR's reading of （. */
static bool book_is_bracket(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (end - p >= 3 && memcmp(p, "》", 3) == 0)
            return false;
        if (*p == ')' || (end - p >= 3 && memcmp(p, "）", 3) == 0))
            return true;
    }
    return false;
}

/* ( （ or 〈, which OCR reads for （ */
bool xk_ocr_opening_bracket(const char *p, const char *end)
{
    return p < end && (*p == '(' || (end - p >= 3 && (memcmp(p, "（", 3) == 0 ||
                                                       memcmp(p, "〈", 3) == 0)));
}

static bool closing_bracket(const char *p, const char *end)
{
    return p < end && (*p == ')' || (end - p >= 3 && (memcmp(p, "）", 3) == 0 ||
                                                       memcmp(p, "〉", 3) == 0)));
}

/* Opening brackets on the line less the closing ones. */
int xk_ocr_bracket_excess(const char *s, size_t len)
{
    int excess = 0;
    for (const char *p = s, *end = s + len; p < end; p++)
        excess += xk_ocr_opening_bracket(p, end) - closing_bracket(p, end);
    return excess;
}

/*
 * A speck before a service name at the start of a line, read as a character of one or two
 * strokes, or half of the name's first character read apart ("人言息服务业务（仅限…" for
 * 信息服务业务, on patterned paper): the service was not found, and the licence was refused (or
 * the service merged into the one before). The bytes of the speck, 0 when the
 * line does not start so, or when the character and the name together are a name.
 */
static size_t speck_before_service(const char *s, size_t len)
{
    static const char *const specks[] = {"人", "入", "八", "了", "一", "丨", "丶", "卜", "亻"};
    size_t used, n = xk_starts_with_any(s, len, specks, sizeof specks / sizeof specks[0], NULL);
    return n && len > n && xk_service_match(s + n, len - n, &used) &&
                   !xk_service_match(s, len, &used)
               ? n
               : 0;
}

/* A qualifier's opening words after a service name: 仅限, 含 or 不含. */
bool xk_ocr_qualifier_opening(const char *p, const char *end)
{
    static const char *const opens[] = {"仅限", "含", "不含"};
    return xk_starts_with_any(p, (size_t)(end - p), opens, sizeof opens / sizeof opens[0], NULL);
}

/* A backslash OCR read for （ before a qualifier ("信息服务业务\仅限互联网信息服务)", in the
 * AR PL UMing face): the qualifier was lost without a flag. */
bool xk_ocr_backslash_bracket(const char *p, const char *end)
{
    return p < end && *p == '\\' && xk_ocr_qualifier_opening(p + 1, end);
}

/* Specks after a label's colon ("发证日期:;"): the value is on the next line. New length. */
size_t xk_ocr_drop_specks(const char *s, size_t len, int lineno, ocr_repairs *rep)
{
    size_t k = len;
    while (k > 0 && strchr(";,.'`|_ ", s[k - 1]))
        k--;
    if (k == len || k == 0 || (s[k - 1] != ':' && !(k >= 3 && memcmp(s + k - 3, "：", 3) == 0)))
        return len;
    xk_ocr_repair_note(rep, lineno, s + k, len - k, "", 0);
    return k;
}

/* The standard condition of a service, printed on its own line:
 * 【依法须经批准的项目，经相关部门批准后方可开展相应经营活动】. */
#define COND_HEAD "依法须经批准的项目"
#define COND_TAIL "开展相应经营活动"

/*
 * Whether line s is the standard condition with a bracket OCR lost: 1 when the closing 】 is
 * missing, -1 the opening 【, else 0. An unclosed 【 makes the extractor read the next service
 * as part of the condition, and the service is gone without a flag (seen on a photo render).
 */
int xk_ocr_condition_bracket(const char *s, size_t len)
{
    while (len && s[len - 1] == ' ')
        len--;
    size_t h = strlen(COND_HEAD), t = strlen(COND_TAIL), b = strlen("【");
    bool open = len > b + h && memcmp(s, "【" COND_HEAD, b + h) == 0;
    bool head = !open && len > h && memcmp(s, COND_HEAD, h) == 0;
    bool tail = len > t && memcmp(s + len - t, COND_TAIL, t) == 0;
    bool close = !tail && len > t + b && memcmp(s + len - t - b, COND_TAIL "】", t + b) == 0;
    if (open && tail)
        return 1;
    return head && close ? -1 : 0;
}

void xk_ocr_condition_open(int lineno, xk_buf *out, ocr_repairs *rep)
{
    xk_ocr_repair_note(rep, lineno, COND_HEAD, strlen(COND_HEAD), "【" COND_HEAD,
                       strlen("【" COND_HEAD));
    xk_buf_puts(out, "【");
}

void xk_ocr_condition_close(int lineno, xk_buf *out, ocr_repairs *rep)
{
    xk_ocr_repair_note(rep, lineno, COND_TAIL, strlen(COND_TAIL), COND_TAIL "】",
                       strlen(COND_TAIL "】"));
    xk_buf_puts(out, "】");
}

/* on the line as repaired: 人言息服务业务 (信 read as two) is 人信息服务业务 by now */
void xk_ocr_drop_speck_before_service(xk_buf *out, size_t start, int lineno, ocr_repairs *rep)
{
    size_t speck = out->oom ? 0 : speck_before_service(out->data + start, out->len - start);
    if (speck) {
        xk_ocr_repair_note(rep, lineno, out->data + start, speck, "", 0);
        xk_buf_splice(out, start, speck, "", 0);
    }
}

size_t xk_ocr_repair_mark(line_repair *lr, size_t c)
{
    const char *s = lr->s, *end = lr->s + lr->len, *ch = s + lr->off[c];
    size_t clen = lr->off[c + 1] - lr->off[c];
    if (lr->doubled > 0 && xk_ocr_opening_bracket(ch, end) &&
        xk_ocr_opening_bracket(ch + clen, end)) {
        xk_ocr_repair_note(lr->rep, lr->lineno, ch, lr->off[c + 2] - lr->off[c], ch + clen,
                           lr->off[c + 2] - lr->off[c + 1]);
        lr->doubled--;
        return 1; /* the second bracket stays */
    }
    unsigned cp, prev;
    xk_utf8_decode(ch, clen, &cp);
    const char *to = NULL;
    if (cp == 0x300A && book_is_bracket(ch + clen, end)) /* 《…） */
        to = "（";
    else if (xk_ocr_backslash_bracket(ch, end))
        to = "（";
    else if (cp == 0x3008 || cp == 0x3009) /* 〈 〉 */
        to = cp == 0x3008 ? "（" : "）";
    else if ((cp == 'O' || cp == 'o') && c > 0 && c + 1 == lr->n &&
             xk_utf8_decode(s + lr->off[c - 1], lr->off[c] - lr->off[c - 1], &prev) &&
             xk_is_han(prev))
        to = "。";
    if (!to)
        return 0;
    xk_ocr_repair_note(lr->rep, lr->lineno, ch, clen, to, 3);
    xk_buf_puts(lr->out, to);
    return 1;
}
