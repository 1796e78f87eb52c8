/*
 * A notice's text copied from its web page as numbered entries, one a line:
 *   1、北京某某科技有限公司（统一社会信用代码：91110108MA00000000，许可证编号：京B2-20190001）
 * The number at the start (1、 1. 1） (1) 一、) marks an entry; lines without one (the notice's
 * title, its preamble, the signature) are not entries. From an entry are read: the company (up to
 * the first labelled field or separator), the credit code and licence number after their labels
 * (or, unlabelled, the one run of 18 code characters and the one licence number), a date, and a
 * reason after 原因/事由. A notice with no numbered entry is not a list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xuke/date.h"
#include "xuke/text.h"

/* Bytes of the entry number at the start of line ("12、", "3.", "(4)", "五、"), 0 when none. */
static size_t entry_mark(const char *s, size_t len)
{
    size_t i = 0;
    bool paren = false;
    if (i < len && (s[i] == '(' || xk_starts_with(s, len, "（"))) {
        paren = true;
        i += s[i] == '(' ? 1 : 3;
    }
    size_t digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 6) {
        i++;
        digits++;
    }
    if (digits == 0) {
        static const char *const han[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
        size_t n;
        while ((n = xk_starts_with_any(s + i, len - i, han, 10, NULL)) != 0 && digits < 4) {
            i += n;
            digits++;
        }
        if (digits == 0)
            return 0;
    }
    static const char *const ends[] = {"、", ".", "．", ")", "）", "，", ",", " ", "\t"};
    size_t which, n = xk_starts_with_any(s + i, len - i, ends, 9, &which);
    if (n == 0 || (paren && which != 3 && which != 4))
        return 0;
    /* "2024.3.5" is a date, "1.5" a decimal: the mark is not followed by a digit */
    if (i + n < len && s[i + n] >= '0' && s[i + n] <= '9')
        return 0;
    return i + n;
}

static const char *const code_labels[] = {"统一社会信用代码", "社会信用代码", "信用代码"};
static const char *const number_labels[] = {"经营许可证编号", "许可证编号", "许可证号"};
static const char *const reason_labels[] = {"注销原因", "列入原因", "原因", "事由"};
static const char *const authority_labels[] = {"作出决定机关", "决定机关"};
/* Where the company's name ends when no label comes first. */
static const char *const stops[] = {"，", ",", "；", ";", "：", ":", "\t"};

/* A space ends the name when a number, a Latin word or a licence number (京B2-…) follows it:
 * "南通 佰易 网络科技有限公司" is one name, "某某有限公司 京B2-20190001" is not. */
static bool space_stop(const char *s, size_t len)
{
    if (len < 2 || s[0] != ' ')
        return false;
    char c = s[1];
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
        return true;
    unsigned cp;
    size_t n = xk_utf8_decode(s + 1, len - 1, &cp);
    return n && xk_is_han(cp) && 1 + n < len && (s[1 + n] == 'A' || s[1 + n] == 'B');
}

static bool is_code_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The first label of labels in s[0..len): its offset and, in *after, where its value starts. */
static const char *find_label(const char *s, size_t len, const char *const *labels, size_t n,
                              size_t *after)
{
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *p = strstr(s, labels[i]);
        if (p && (size_t)(p - s) < len && (!best || p < best)) {
            best = p;
            *after = (size_t)(p - s) + strlen(labels[i]);
        }
    }
    if (best) {
        static const char *const colons[] = {"：", ":", " "};
        size_t c;
        while ((c = xk_starts_with_any(s + *after, len - *after, colons, 3, NULL)) != 0)
            *after += c;
    }
    return best;
}

/* The value after a label: up to a separator or a closing bracket. */
static size_t value_len(const char *s, size_t len)
{
    static const char *const ends[] = {"，", ",", "；", ";", "）", ")", "。", "\t", "、"};
    for (size_t i = 0; i < len; i++)
        if (xk_starts_with_any(s + i, len - i, ends, 9, NULL))
            return i;
    return len;
}

/* An unlabelled credit code: the one run of exactly 18 code characters with a digit in it. */
static bool bare_code(const char *s, size_t len, char *out, size_t size)
{
    for (size_t i = 0; i < len;) {
        size_t j = i, digits = 0;
        while (j < len && is_code_char(s[j])) {
            digits += s[j] >= '0' && s[j] <= '9';
            j++;
        }
        if (j - i == XK_CREDIT_CODE_LEN && digits) {
            xk_utf8_copy(out, size, s + i, j - i);
            return true;
        }
        i = j == i ? i + 1 : j;
    }
    return false;
}

/* The company: from the start to the first label or opening bracket before one, or a stop. */
static size_t company_len(const char *s, size_t len)
{
    size_t end = len, after;
    const char *const *groups[] = {code_labels, number_labels, reason_labels};
    size_t sizes[] = {3, 3, 4};
    for (size_t g = 0; g < 3; g++) {
        const char *p = find_label(s, len, groups[g], sizes[g], &after);
        if (p && (size_t)(p - s) < end)
            end = (size_t)(p - s);
    }
    /* "某某（北京）科技有限公司（统一社会信用代码…": the bracket that opens the fields */
    if (end >= 3 && memcmp(s + end - 3, "（", 3) == 0)
        end -= 3;
    else if (end >= 1 && s[end - 1] == '(')
        end -= 1;
    for (size_t i = 0; i < end; i++)
        if (xk_starts_with_any(s + i, end - i, stops, 7, NULL) || space_stop(s + i, end - i))
            return i;
    return end;
}

static xk_status notice_entry(xk_list *out, int line, const char *s, size_t len, xk_error *err)
{
    xk_list_entry *e = xk_list_add(out, line, err);
    if (!e)
        return err ? err->code : XK_ENOMEM;
    char value[XK_MAX_LIST_FIELD_BYTES + 1];
    size_t cl = company_len(s, len);
    if (cl > XK_MAX_LIST_FIELD_BYTES)
        return xk_error_set(err, XK_ETOOBIG, line, "company is longer than %u bytes",
                            XK_MAX_LIST_FIELD_BYTES);
    xk_utf8_copy(e->company, sizeof e->company, s, cl);
    size_t after;
    xk_status rc = XK_OK;
    if (find_label(s, len, code_labels, 3, &after))
        xk_utf8_copy(value, sizeof value, s + after, value_len(s + after, len - after));
    else if (!bare_code(s, len, value, sizeof value))
        value[0] = '\0';
    rc = xk_entry_credit_code(out, e, value, err);
    if (rc == XK_OK && find_label(s, len, number_labels, 3, &after)) {
        xk_utf8_copy(value, sizeof value, s + after, value_len(s + after, len - after));
        rc = xk_entry_number(e, value, err);
    } else if (rc == XK_OK) {
        xk_number n;
        if (xk_number_normalise(s, len, &n))
            snprintf(e->number, sizeof e->number, "%s", n.text);
    }
    xk_date d;
    if (rc == XK_OK && xk_date_find(s, len, &d, NULL, NULL, NULL))
        xk_date_format(d, e->date, sizeof e->date);
    if (rc == XK_OK && find_label(s, len, reason_labels, 4, &after))
        xk_utf8_copy(e->reason, sizeof e->reason, s + after, value_len(s + after, len - after));
    if (rc == XK_OK && find_label(s, len, authority_labels, 2, &after))
        xk_utf8_copy(e->authority, sizeof e->authority, s + after,
                  value_len(s + after, len - after));
    return rc == XK_OK ? xk_entry_done(e, err) : rc;
}

xk_status xk_notice_entries(const char *text, size_t len, xk_list *out, xk_error *err)
{
    xk_lines lines;
    xk_status rc = xk_lines_split(text, len, &lines, err);
    if (rc != XK_OK)
        return rc;
    for (size_t i = 0; i < lines.n && rc == XK_OK; i++) {
        const char *s = lines.lines[i].text;
        size_t sl = strlen(s), mark = entry_mark(s, sl);
        if (mark == 0)
            continue;
        while (mark < sl && s[mark] == ' ')
            mark++;
        if (mark < sl)
            rc = notice_entry(out, lines.lines[i].lineno, s + mark, sl - mark, err);
    }
    xk_lines_free(&lines);
    if (rc == XK_OK && out->n == 0)
        rc = xk_error_set(err, XK_EFORMAT, 0,
                          "not a published list: no header row naming its columns (企业名称, "
                          "统一社会信用代码, 许可证编号, …) and no numbered entries (1、…)");
    return rc;
}
