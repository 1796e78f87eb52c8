/*
 * The special provisions (特别规定事项): numbered clauses 一、…十六、 with items (一)…(十四),
 * printed over several pages whose headers (the number, "特别规定事项") interrupt the text,
 * sometimes in the middle of a word. Page furniture is skipped, and a clause's lines are joined
 * without separators, so "管理人" + header + "员" reads "管理人员". A clause or item starts only
 * at the start of a line and only with the next number in sequence (a small gap is accepted with
 * a warning), so running text that happens to begin "二、" after a wrap is not a new clause.
 */
#include <stdio.h>
#include <string.h>

#include "xuke/limits.h"
#include "extract.h"

static int digit_value(const char *s, size_t len)
{
    static const char *const digits[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九"};
    if (len < 3)
        return 0;
    for (int k = 0; k < 9; k++)
        if (memcmp(s, digits[k], 3) == 0)
            return k + 1;
    return 0;
}

/* The most bytes xk_chinese_numeral reads (二十三: three characters): callers with C strings
 * measure no further. */
#define NUMERAL_BYTES 9

int xk_chinese_numeral(const char *s, size_t len, size_t *used)
{
    int tens = 0, units;
    size_t i = 0;
    int lead = digit_value(s, len);
    if (lead && len >= 6 && memcmp(s + 3, "十", 3) == 0) { /* 二十, 二十三 */
        tens = lead;
        i = 6;
    } else if (len >= 3 && memcmp(s, "十", 3) == 0) { /* 十, 十五 */
        tens = 1;
        i = 3;
    }
    units = digit_value(s + i, len - i);
    if (units)
        i += 3;
    if (tens == 0 && units == 0)
        return 0;
    *used = i;
    return tens * 10 + units;
}

/* 1..99 in Arabic digits at s, followed by Chinese text after the closing mark: "12、你公司". */
static int arabic_numeral(const char *s, size_t *used)
{
    size_t n = 0;
    int v = 0;
    while (n < 2 && s[n] >= '0' && s[n] <= '9')
        v = v * 10 + (s[n++] - '0');
    if (n == 0 || (s[n] >= '0' && s[n] <= '9') || v == 0)
        return 0;
    *used = n;
    return v;
}

static bool han_at(const char *s)
{
    unsigned cp;
    return xk_utf8_decode(s, strnlen(s, 4), &cp) && /* one character: 4 bytes at most */
           (xk_is_han(cp) || cp == 0x201C || cp == 0x300A || cp == '(');
}

/* "十五、" (or "15、", "15." before Chinese text) at the start of compact text: returns the
 * number and the bytes used. */
static int clause_number(const char *c, size_t *used)
{
    size_t n;
    int a = arabic_numeral(c, &n);
    if (a) {
        size_t mark = strncmp(c + n, "、", 3) == 0 ? 3 : (c[n] == '.' ? 1 : 0);
        if (mark && han_at(c + n + mark)) {
            *used = n + mark;
            return a;
        }
        return 0;
    }
    int v = xk_chinese_numeral(c, strnlen(c, NUMERAL_BYTES), &n);
    if (!v)
        return 0;
    if (strncmp(c + n, "、", 3) == 0) {
        *used = n + 3;
        return v;
    }
    if (c[n] == '.' || c[n] == ',') {
        *used = n + 1;
        return v;
    }
    return 0;
}

/* An opening bracket of an item marker at c: its byte length or 0. */
static size_t open_bracket(const char *c)
{
    if (c[0] == '(')
        return 1;
    if (strncmp(c, "〈", 3) == 0 || strncmp(c, "〔", 3) == 0)
        return 3;
    return 0;
}

/* "(七)" at the start of compact text; *doubled is set when a second bracket stood before the
 * numeral ("(〈九)", a speck read as a bracket). */
static int item_number(const char *c, size_t *used, bool *doubled)
{
    size_t open = open_bracket(c);
    *doubled = false;
    if (!open)
        return 0;
    size_t second = open_bracket(c + open);
    if (second) {
        open += second;
        *doubled = true;
    }
    size_t n;
    int v = xk_chinese_numeral(c + open, strnlen(c + open, NUMERAL_BYTES), &n);
    if (!v)
        v = arabic_numeral(c + open, &n);
    if (!v)
        return 0;
    const char *close = c + open + n;
    if (*close == ')') {
        *used = open + n + 1;
        return v;
    }
    if (strncmp(close, "〉", 3) == 0 || strncmp(close, "〕", 3) == 0) {
        *used = open + n + 3;
        return v;
    }
    return 0;
}

/* Is v the next number after last? Accepts a gap of up to two missed numbers. */
static bool in_sequence(int v, int last)
{
    return v > last && v <= last + 3;
}

typedef struct prov_state {
    xk_buf text;         /* text of the clause or item being read */
    xk_provision *clause;
    xk_item *item;
} prov_state;

static xk_status flush(xk_licence *lic, prov_state *ps)
{
    if (!ps->clause) {
        xk_buf_reset(&ps->text);
        return XK_OK;
    }
    if (ps->text.oom)
        return XK_ENOMEM;
    /* lines' text joined: already collapsed by the line splitter */
    char *t = xk_tidy_lines_into(lic, ps->text.data ? ps->text.data : "", ps->text.len);
    if (!t)
        return XK_ENOMEM;
    if (ps->item)
        ps->item->text = t;
    else
        ps->clause->text = t;
    xk_buf_reset(&ps->text);
    return XK_OK;
}

/* Text of the line after a marker of `used` compact bytes. */
static const char *after_marker(const xk_line *ln, size_t used)
{
    const char *t = xk_skip_loose(ln->text, ln->compact, used);
    if (!t)
        return ln->text;
    while (*t == ' ')
        t++;
    return t;
}

static xk_status start_clause(xk_licence *lic, prov_state *ps, int v, const xk_line *ln)
{
    int last = ps->clause ? ps->clause->no : 0;
    if (v != last + 1)
        xk_licence_problem_key(lic, XK_SEV_WARNING, ln->lineno, "problem.review.provision_missing",
                               XK_REVIEW_PREFIX "special provision %d follows %d: %d missing", v,
                               last, last + 1);
    ps->clause = xk_licence_add_provision(lic);
    if (!ps->clause)
        return lic->n_provisions >= XK_MAX_PROVISIONS ? XK_ETOOBIG : XK_ENOMEM;
    ps->clause->no = v;
    ps->clause->text = "";
    ps->clause->line = ln->lineno;
    ps->item = NULL;
    return XK_OK;
}

static xk_status start_item(xk_licence *lic, prov_state *ps, int v, const xk_line *ln)
{
    int last = ps->item ? ps->item->no : 0;
    if (v != last + 1)
        xk_licence_problem_key(lic, XK_SEV_WARNING, ln->lineno, "problem.item_out_of_order",
                               "item (%d) of provision %d follows (%d)", v, ps->clause->no, last);
    ps->item = xk_provision_add_item(lic, ps->clause);
    if (!ps->item)
        return ps->clause->n_items >= XK_MAX_ITEMS ? XK_ETOOBIG : XK_ENOMEM;
    ps->item->no = v;
    ps->item->text = "";
    return XK_OK;
}

/* "太、你公司…": one character that is no numeral, then 、 and Chinese text; the bytes of the
 * marker, or 0. */
static size_t slipped_marker(const char *c)
{
    unsigned cp;
    size_t n = xk_utf8_decode(c, strnlen(c, 4), &cp), used; /* one character: 4 bytes at most */
    if (!n || !xk_is_han(cp) || xk_chinese_numeral(c, strnlen(c, NUMERAL_BYTES), &used) ||
        strncmp(c + n, "、", 3) != 0 || !han_at(c + n + 3))
        return 0;
    return n + 3;
}

/* The number of the next clause marked after line i in the provisions, 0 when none. */
static int next_clause(const doc *d, size_t i)
{
    for (size_t j = i + 1; j < d->lines->n; j++) {
        if (d->section[j] != SEC_PROVISIONS || xk_is_blank(d, j) || d->furniture[j])
            continue;
        size_t used;
        int v = clause_number(d->lines->lines[j].compact, &used);
        if (v)
            return v;
    }
    return 0;
}

/*
 * A clause whose numeral a scan misread (六 as 太 or 大): taken as the next number when the
 * clause after it carries the number after that, or, for the last clause, when it reads
 * "你公司…" as every clause does; flagged for review with the marker as printed.
 */
static size_t slipped_clause(const doc *d, size_t i, const prov_state *ps)
{
    const char *c = d->lines->lines[i].compact;
    size_t used = ps->clause ? slipped_marker(c) : 0;
    if (!used)
        return 0;
    int next = next_clause(d, i), want = ps->clause->no + 1;
    bool fits = next == want + 1 || (next == 0 && strncmp(c + used, "你公司", strlen("你公司")) == 0);
    return fits ? used : 0;
}

/*
 * A line that starts like provision (or item) v where v cannot follow last: the same number
 * again, an earlier one, or a jump of more than two. It is kept as the text of the provision
 * being read (the numbers stay as printed, never renumbered), and flagged: either the licence
 * numbers twice or out of order, or a wrapped line happens to begin with a numeral.
 */
static void out_of_order(xk_licence *lic, const xk_line *ln, const char *what, int v, int last,
                         const char *of)
{
    char vs[16], lasts[16];
    snprintf(vs, sizeof vs, "%d", v);
    snprintf(lasts, sizeof lasts, "%d", last);
    /* {0} provision or item, {1} its number, {2} the last read, {3} why it cannot follow */
    const char *params[] = {*of ? "item" : "provision", vs, lasts,
                            v == last ? "duplicate" : v < last ? "out_of_order" : "gap"};
    xk_licence_problem_params(lic, XK_SEV_WARNING, ln->lineno, "problem.review.numbering",
                              params, 4,
                              XK_REVIEW_PREFIX "the line starts like %s %d%s%s but %d was the last "
                              "read (%s): kept as text of %d; check the licence's numbering",
                              what, v, *of ? " " : "", of, last,
                              v == last  ? "a duplicate"
                              : v < last ? "out of order"
                                         : "a gap of more than two",
                              last);
}

static xk_status provision_line(const doc *d, size_t i, prov_state *ps)
{
    xk_licence *lic = d->lic;
    const xk_line *ln = &d->lines->lines[i];
    size_t used = 0;
    int v = clause_number(ln->compact, &used);
    int last_clause = ps->clause ? ps->clause->no : 0;
    bool slipped = false;
    if (!(v && in_sequence(v, last_clause)) && (used = slipped_clause(d, i, ps)) != 0) {
        v = last_clause + 1;
        slipped = true;
    }
    if (v && in_sequence(v, last_clause)) {
        if (slipped)
            xk_licence_problem_key(
                lic, XK_SEV_WARNING, ln->lineno, "problem.review.provision_mark_not_numeral",
                XK_REVIEW_PREFIX "special provision %d read from \"%.*s\": the "
                                 "mark is no numeral; numbered from the clauses around it",
                v, (int)used, ln->compact);
        xk_status st = flush(lic, ps);
        if (st == XK_OK)
            st = start_clause(lic, ps, v, ln);
        if (st == XK_OK)
            xk_buf_puts(&ps->text, after_marker(ln, used));
        return st;
    }
    if (v && ps->clause)
        out_of_order(lic, ln, "special provision", v, last_clause, "");
    bool doubled = false;
    v = ps->clause ? item_number(ln->compact, &used, &doubled) : 0;
    int last_item = ps->item ? ps->item->no : 0;
    if (v && in_sequence(v, last_item)) {
        if (doubled)
            xk_licence_problem_key(lic, XK_SEV_WARNING, ln->lineno,
                                   "problem.review.item_two_brackets",
                                   XK_REVIEW_PREFIX "item (%d) of provision %d read from \"%.*s\": "
                                                    "two brackets before its numeral",
                                   v, ps->clause->no, (int)used, ln->compact);
        xk_status st = flush(lic, ps);
        if (st == XK_OK)
            st = start_item(lic, ps, v, ln);
        if (st == XK_OK)
            xk_buf_puts(&ps->text, after_marker(ln, used));
        return st;
    }
    if (v)
        out_of_order(lic, ln, "item", v, last_item, "of the provision");
    if (ps->clause) /* continuation, or preamble text before 一、 (dropped) */
        xk_buf_puts(&ps->text, ln->text);
    return XK_OK;
}

xk_status xk_provisions_extract(doc *d)
{
    prov_state ps;
    memset(&ps, 0, sizeof ps);
    xk_buf_init(&ps.text);
    xk_status st = XK_OK;
    for (size_t i = 0; i < d->lines->n && st == XK_OK; i++) {
        if (d->section[i] != SEC_PROVISIONS || xk_is_blank(d, i) || d->furniture[i])
            continue;
        st = provision_line(d, i, &ps);
    }
    if (st == XK_OK)
        st = flush(d->lic, &ps);
    xk_buf_free(&ps.text);
    if (st == XK_ETOOBIG)
        xk_licence_problem_key(d->lic, XK_SEV_ERROR, 0, "problem.provisions_over_limit",
                               "more than %u special provisions or %u items in one",
                               XK_MAX_PROVISIONS, XK_MAX_ITEMS);
    return st;
}
