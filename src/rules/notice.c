/*
 * The annual holiday notice of the State Council General Office, read into a year of the holiday
 * calendar. The notice's shape (checked against the notices for 2020-2026, kept verbatim in
 * tests/notices/): a title "国务院办公厅关于YYYY年部分节假日安排的通知", a 发文字号, a
 * sentence "…现将YYYY年元旦、春节…的具体安排通知如下", then one numbered item per holiday:
 *   二、春节：2月11日至17日放假调休，共7天。2月7日（星期日）、2月20日（星期六）上班。
 * A rest sentence (…放假…) gives one date or a range (the end inherits the start's year and
 * month), optionally 共N天 / 放假N天; a sentence ending in 上班 lists make-up working days.
 * Other sentences (鼓励…除夕（2月9日）休息) are read past. It does not know the lunar calendar:
 * it checks what the notice says against itself, not against the festivals' dates.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xuke/notice.h"
#include "xuke/text.h"

/* The statutory holidays (全国年节及纪念日放假办法, art. 2): the names an item may carry. */
static const char *const holiday_names[] = {"元旦",   "春节",   "清明节", "劳动节",
                                            "端午节", "中秋节", "国庆节"};

typedef struct reader {
    const char *name; /* for messages */
    int year;
    int line;
    xk_notice *out;
    xk_error *err;
} reader;

/* A piece of the notice quoted in a message: at most QUOTE_BYTES of it, cut at a character and
 * marked with "…" when cut, so a long sentence never pushes the message's own words out. */
enum { QUOTE_BYTES = 160 };
typedef struct quote {
    char text[QUOTE_BYTES + sizeof "…"];
} quote;

static quote quoted(const char *s)
{
    quote q;
    size_t len = strlen(s), keep = xk_utf8_copy(q.text, QUOTE_BYTES + 1, s, len);
    if (keep < len)
        memcpy(q.text + keep, "…", sizeof "…");
    return q;
}

static xk_status fail(reader *r, int line, const char *fmt, const char *a, const char *b)
{
    quote qa = quoted(a), qb = quoted(b);
    char msg[768]; /* the longest format here is under 200 bytes, beside two quotes */
    snprintf(msg, sizeof msg, fmt, qa.text, qb.text);
    xk_error_set_file(r->err, r->name);
    return xk_error_set(r->err, XK_EFORMAT, line, "%s:%d: %s", r->name, line, msg);
}

static bool starts(const char *s, const char *word)
{
    return strncmp(s, word, strlen(word)) == 0;
}

/* Digits at *p (at most 4) as a number; -1 when none. */
static int number(const char **p)
{
    int v = 0, n = 0;
    while (**p >= '0' && **p <= '9' && n < 5) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n && n <= 4 ? v : -1;
}

/* "YYYY年" at s: the year, else 0. */
static int year_at(const char *s)
{
    const char *p = s;
    int y = number(&p);
    return p - s == 4 && starts(p, "年") ? y : 0;
}

/* The year named after `after` somewhere in line ("关于2021年", "现将2021年"), else 0. */
static int year_after(const char *line, const char *after)
{
    const char *hit = strstr(line, after);
    return hit ? year_at(hit + strlen(after)) : 0;
}

/* --- dates ---------------------------------------------------------------------------------- */

typedef struct when {
    xk_date date;
    int weekday; /* stated in brackets, 0-6 Monday first; -1 when not stated */
    char text[48]; /* as written, for messages */
} when;

static const char *const wd_forms[] = {"一", "二", "三", "四", "五", "六", "日", "天"};

/* The weekday stated inside a bracket (星期三, 周三, 农历除夕、周二), -1 when none. */
static int stated_weekday(const char *in, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        size_t k = xk_starts_with(in + i, len - i, "星期");
        if (!k)
            k = xk_starts_with(in + i, len - i, "周");
        if (!k)
            continue;
        for (size_t w = 0; w < 8; w++)
            if (xk_starts_with(in + i + k, len - i - k, wd_forms[w]))
                return w == 7 ? 6 : (int)w;
    }
    return -1;
}

/*
 * A date at *p: [YYYY年][M月]D日, then an optional bracket. Year and month default to *y and *m
 * (the start of a range for its end); need_month demands the month. Advances *p past it.
 */
static bool read_when(reader *r, const char **p, int *y, int *m, bool need_month, when *w)
{
    const char *s = *p;
    int year = *y, month = *m;
    int v = year_at(s);
    if (v) {
        year = v;
        s += 4 + strlen("年");
    }
    const char *q = s;
    v = number(&q);
    if (v < 0)
        return false;
    if (starts(q, "月")) {
        month = v;
        s = q + strlen("月");
        q = s;
        v = number(&q);
        if (v < 0)
            return false;
    } else if (need_month) {
        return false;
    }
    if (!starts(q, "日"))
        return false;
    q += strlen("日");
    snprintf(w->text, sizeof w->text, "%.*s", (int)(q - *p), *p);
    if (!xk_date_valid(year, month, v)) {
        fail(r, r->line, "%s is not a date", w->text, "");
        w->date.year = 0;
        *p = q;
        return true;
    }
    w->date = (xk_date){year, month, v};
    w->weekday = -1;
    if (*q == '(') {
        const char *close = strchr(q, ')');
        if (close) {
            w->weekday = stated_weekday(q + 1, (size_t)(close - q - 1));
            q = close + 1;
        }
    }
    *y = year;
    *m = month;
    *p = q;
    return true;
}

static const char *const wd_names[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};
static const char *const wd_chinese[] = {"星期一", "星期二", "星期三", "星期四",
                                         "星期五", "星期六", "星期日"};

/* The date is real, in or next to the notice's year, and on the weekday its bracket says. */
static xk_status check_when(reader *r, const when *w)
{
    if (!w->date.year)
        return r->err->code;
    /* a holiday may start in the last days of the year before (元旦 2023: 2022年12月31日), as
     * the calendar file allows; nothing runs into the year after */
    if (w->date.year < r->year - 1 || w->date.year > r->year)
        return fail(r, r->line, "%s is not in the notice's year", w->text, "");
    int actual = xk_date_weekday(w->date);
    if (w->weekday >= 0 && w->weekday != actual) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s is a %s (%s), not the %s written", w->text,
                 wd_names[actual], wd_chinese[actual], wd_chinese[w->weekday]);
        return fail(r, r->line, "%s%s", msg, "");
    }
    return XK_OK;
}

/* --- sentences ------------------------------------------------------------------------------ */

/* "共N天" or "放假N天" in s, else -1. */
static int stated_count(const char *s)
{
    const char *forms[] = {"共", "放假"};
    for (size_t i = 0; i < 2; i++)
        for (const char *hit = strstr(s, forms[i]); hit; hit = strstr(hit + 1, forms[i])) {
            const char *p = hit + strlen(forms[i]);
            int n = number(&p);
            if (n >= 0 && starts(p, "天"))
                return n;
        }
    return -1;
}

static bool overlaps(const xk_notice_days *a, const xk_notice_days *b)
{
    return xk_date_cmp(a->from, b->to) <= 0 && xk_date_cmp(b->from, a->to) <= 0;
}

/* "2月11日至17日放假调休，共7天": the item's rest days. */
static xk_status rest_sentence(reader *r, const char *s, const char *name)
{
    xk_notice *n = r->out;
    int y = r->year, m = 0;
    when from, to;
    const char *p = s;
    if (!read_when(r, &p, &y, &m, true, &from))
        return fail(r, r->line, "%s: the rest days do not start with a date (M月D日): \"%s\"",
                    name, s);
    xk_status st = check_when(r, &from);
    if (st != XK_OK)
        return st;
    to = from;
    if (starts(p, "至")) {
        p += strlen("至");
        if (!read_when(r, &p, &y, &m, false, &to))
            return fail(r, r->line, "%s: no date after 至 in \"%s\"", name, s);
        if ((st = check_when(r, &to)) != XK_OK)
            return st;
    }
    if (!starts(p, "放假"))
        return fail(r, r->line, "%s: the dates are not followed by 放假 in \"%s\"", name, s);
    if (xk_date_cmp(to.date, from.date) < 0)
        return fail(r, r->line, "%s: the rest days end (%s) before they start", name, to.text);
    long days = xk_date_to_days(to.date) - xk_date_to_days(from.date) + 1;
    if (days > 31)
        return fail(r, r->line, "%s: more than 31 rest days in a row from %s", name, from.text);
    if (from.date.year != r->year && to.date.year != r->year)
        return fail(r, r->line, "%s: %s is not in the notice's year", name, from.text);
    int count = stated_count(p);
    if (count >= 0 && count != days) {
        char msg[sizeof n->off[0].name + 2 * sizeof from.text + 64];
        snprintf(msg, sizeof msg, "%s: %s至%s is %ld days, not the 共%d天 written", name,
                 from.text, to.text, days, count);
        return fail(r, r->line, "%s%s", msg, "");
    }
    if (n->n_off == XK_NOTICE_MAX_HOLIDAYS)
        return fail(r, r->line, "more than %s holidays in one notice%s", "16", "");
    xk_notice_days *d = &n->off[n->n_off];
    *d = (xk_notice_days){from.date, to.date, r->line, ""};
    snprintf(d->name, sizeof d->name, "%s", name);
    for (size_t i = 0; i < n->n_off; i++)
        if (overlaps(&n->off[i], d))
            return fail(r, r->line, "%s overlaps the rest days of %s", name, n->off[i].name);
    n->n_off++;
    return XK_OK;
}

/* "2月7日（星期日）、2月20日（星期六）上班": make-up working days. */
static xk_status work_sentence(reader *r, const char *s, const char *name)
{
    xk_notice *n = r->out;
    const char *p = s;
    int y = r->year, m = 0;
    for (;;) {
        when w;
        if (!read_when(r, &p, &y, &m, true, &w))
            return fail(r, r->line, "%s: a make-up working day is not a date (M月D日) in \"%s\"",
                        name, s);
        xk_status st = check_when(r, &w);
        if (st != XK_OK)
            return st;
        if (w.date.year != r->year)
            return fail(r, r->line, "%s: %s is not in the notice's year", name, w.text);
        if (xk_date_weekday(w.date) < 5)
            return fail(r, r->line, "%s is a %s: only a Saturday or Sunday can be a 上班 day",
                        w.text, wd_chinese[xk_date_weekday(w.date)]);
        if (n->n_work == XK_NOTICE_MAX_WORKDAYS)
            return fail(r, r->line, "more than %s make-up working days in one notice%s", "32",
                        "");
        xk_notice_days *d = &n->work[n->n_work];
        if (strlen(name) + strlen("调休") >= sizeof d->name)
            return fail(r, r->line, "%s: the holiday's name is too long to label its make-up "
                                    "working days%s", name, "");
        *d = (xk_notice_days){w.date, w.date, r->line, ""};
        snprintf(d->name, sizeof d->name, "%s调休", name);
        for (size_t i = 0; i < n->n_work; i++)
            if (xk_date_cmp(n->work[i].from, w.date) == 0)
                return fail(r, r->line, "%s is listed twice as a working day%s", w.text, "");
        n->n_work++;
        if (starts(p, "、") || starts(p, ",") || starts(p, "和")) {
            p += starts(p, ",") ? 1 : strlen("、");
            continue;
        }
        if (starts(p, "上班"))
            return XK_OK;
        return fail(r, r->line, "%s: \"%s\" does not end in 上班 after its dates", name, s);
    }
}

/* One numbered item's text after "NAME：", sentence by sentence. */
static xk_status item(reader *r, char *text, const char *name)
{
    size_t before = r->out->n_off;
    char *save = text;
    for (char *s = text; s && *s; s = save) {
        char *stop = strstr(s, "。");
        if (stop) {
            *stop = '\0';
            save = stop + strlen("。");
        } else {
            save = NULL;
        }
        xk_status st = XK_OK;
        if (strstr(s, "放假")) {
            if (r->out->n_off != before)
                return fail(r, r->line, "%s states its rest days twice%s", name, "");
            st = rest_sentence(r, s, name);
        } else if (strstr(s, "上班")) {
            st = work_sentence(r, s, name);
        }
        if (st != XK_OK)
            return st;
    }
    if (r->out->n_off == before)
        return fail(r, r->line, "%s: no rest days (…放假) in its item%s", name, "");
    return XK_OK;
}

/* "一、" … "十、" at the start of a line: the item's text after it, else NULL. */
static const char *numbered(const char *s)
{
    static const char *const digits[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
    const char *p = s;
    size_t used;
    while ((used = xk_starts_with_any(p, strlen(p), digits, 10, NULL)) != 0)
        p += used;
    return p != s && starts(p, "、") ? p + strlen("、") : NULL;
}

/* The holiday name before ':' must be statutory names joined by 、; copies it to name. */
static xk_status item_name(reader *r, const char *s, const char **after, char *name, size_t size)
{
    const char *colon = strchr(s, ':');
    if (!colon || (size_t)(colon - s) >= size)
        return fail(r, r->line, "a numbered item without \"HOLIDAY：\" at its start: \"%s\"%s", s,
                    "");
    memcpy(name, s, (size_t)(colon - s));
    name[colon - s] = '\0';
    const char *p = name;
    for (;;) {
        size_t used = xk_starts_with_any(p, strlen(p), holiday_names, 7, NULL);
        if (!used)
            return fail(r, r->line, "\"%s\" is not a statutory holiday (元旦, 春节, 清明节, 劳动节, "
                                    "端午节, 中秋节, 国庆节)",
                        name, "");
        p += used;
        if (!*p)
            break;
        if (!starts(p, "、"))
            return fail(r, r->line, "\"%s\" is not a statutory holiday (元旦, 春节, 清明节, 劳动节, "
                                    "端午节, 中秋节, 国庆节)",
                        name, "");
        p += strlen("、");
    }
    *after = colon + 1;
    return XK_OK;
}

/* The notice's year: from the title (关于YYYY年) and the body (现将YYYY年); they must agree. */
static xk_status find_year(reader *r, const xk_lines *lines)
{
    int title = 0, body = 0, body_line = 0;
    for (size_t i = 0; i < lines->n; i++) {
        const char *s = lines->lines[i].compact;
        if (!title && strstr(s, "节假日"))
            title = year_after(s, "关于");
        if (!body && (body = year_after(s, "现将")) != 0)
            body_line = lines->lines[i].lineno;
    }
    if (title && body && title != body) {
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", body);
        snprintf(b, sizeof b, "%d", title);
        return fail(r, body_line, "the body names the year %s, the title %s", a, b);
    }
    r->year = title ? title : body;
    if (!r->year)
        return fail(r, 1, "no year: neither a title (国务院办公厅关于YYYY年部分节假日安排的通知) "
                          "nor a sentence 现将YYYY年… names it%s%s",
                    "", "");
    if (r->year < 1991 || r->year > 2199)
        return fail(r, 1, "the year is outside 1991-2199%s%s", "", "");
    r->out->year = r->year;
    return XK_OK;
}

/* The 发文字号 (国办发明电〔2020〕27号) on a line of its own, if there is one. */
static void find_ref(const xk_lines *lines, xk_notice *n)
{
    for (size_t i = 0; i < lines->n; i++) {
        const char *s = lines->lines[i].compact;
        size_t len = strlen(s);
        if (starts(s, "国办发") && xk_ends_with(s, len, "号") && len < sizeof n->ref) {
            memcpy(n->ref, s, len + 1);
            return;
        }
    }
}

static int by_date(const void *a, const void *b)
{
    return xk_date_cmp(((const xk_notice_days *)a)->from, ((const xk_notice_days *)b)->from);
}

/* A line that carries on the item before it: the item's last sentence is not ended, or the line
 * starts with a date (a sentence of make-up days a narrow page put on a line of its own). */
static bool continues(const char *text, size_t used, const char *next)
{
    return next[0] && !numbered(next) &&
           (!xk_ends_with(text, used, "。") || (next[0] >= '0' && next[0] <= '9'));
}

/* Each item: its first line, joined with the lines that carry it on. */
static xk_status items(reader *r, const xk_lines *lines)
{
    char text[XK_NOTICE_MAX_ITEM_BYTES];
    size_t found = 0;
    for (size_t i = 0; i < lines->n; i++) {
        const char *start = numbered(lines->lines[i].compact);
        if (!start)
            continue;
        r->line = lines->lines[i].lineno;
        char name[64];
        const char *after = NULL;
        xk_status st = item_name(r, start, &after, name, sizeof name);
        if (st != XK_OK)
            return st;
        size_t used = (size_t)snprintf(text, sizeof text, "%s", after);
        while (used < sizeof text && i + 1 < lines->n &&
               continues(text, used, lines->lines[i + 1].compact))
            used += (size_t)snprintf(text + used, sizeof text - used, "%s",
                                     lines->lines[++i].compact);
        if (used >= sizeof text)
            return fail(r, r->line, "an item longer than %s bytes%s", "4096", "");
        if ((st = item(r, text, name)) != XK_OK)
            return st;
        found++;
    }
    if (!found)
        return fail(r, 1, "no holiday items (一、元旦：…放假…) in the text%s%s", "", "");
    for (size_t i = 0; i < r->out->n_work; i++)
        for (size_t j = 0; j < r->out->n_off; j++)
            if (overlaps(&r->out->work[i], &r->out->off[j])) {
                char d[16];
                return fail(r, r->out->work[i].line, "%s is both a working day and a rest day of %s",
                            xk_date_format(r->out->work[i].from, d, sizeof d), r->out->off[j].name);
            }
    if (r->out->n_off > 1) /* a notice may name no working day: no array to sort */
        qsort(r->out->off, r->out->n_off, sizeof r->out->off[0], by_date);
    if (r->out->n_work > 1)
        qsort(r->out->work, r->out->n_work, sizeof r->out->work[0], by_date);
    return XK_OK;
}

xk_status xk_notice_parse(const char *bytes, size_t len, const char *name, xk_notice *out,
                          xk_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > XK_NOTICE_MAX_BYTES)
        return xk_error_set(err, XK_ETOOBIG, 0, "%s: a notice of more than %u bytes", name,
                            XK_NOTICE_MAX_BYTES);
    char *text;
    size_t text_len;
    xk_encoding enc;
    xk_status st = xk_text_decode(bytes, len, &text, &text_len, &enc, err);
    if (st != XK_OK) {
        char msg[XK_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        return xk_error_set(err, st, err ? err->line : 0, "%s: %s", name, msg);
    }
    xk_lines lines;
    st = xk_lines_split(text, text_len, &lines, err);
    free(text);
    if (st != XK_OK)
        return st;
    reader r = {name, 0, 0, out, err};
    xk_error scratch;
    if (!err)
        r.err = &scratch;
    xk_error_clear(r.err);
    st = find_year(&r, &lines);
    if (st == XK_OK) {
        find_ref(&lines, out);
        st = items(&r, &lines);
    }
    xk_lines_free(&lines);
    return st;
}

xk_status xk_notice_format(const xk_notice *n, char *buf, size_t size, xk_error *err)
{
    size_t used = 0;
    char a[16], b[16];
    used += (size_t)snprintf(buf, size, "year %d%s%s\n", n->year, n->ref[0] ? " notice " : "",
                             n->ref);
    for (size_t i = 0; i < n->n_off && used < size; i++) {
        const xk_notice_days *d = &n->off[i];
        bool one = xk_date_cmp(d->from, d->to) == 0;
        used += (size_t)snprintf(buf + used, size - used, "off  %s %-10s %s\n",
                                 xk_date_format(d->from, a, sizeof a),
                                 one ? "" : xk_date_format(d->to, b, sizeof b), d->name);
    }
    for (size_t i = 0; i < n->n_work && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "work %s %s\n",
                                 xk_date_format(n->work[i].from, a, sizeof a), n->work[i].name);
    if (used >= size)
        return xk_error_set(err, XK_ETOOBIG, 0, "the year's calendar lines exceed %zu bytes", size);
    return XK_OK;
}

/* --- the calendar file ---------------------------------------------------------------------- */

typedef struct span {
    size_t start, end; /* bytes of one line, end past its newline */
} span;

/* The year of a `year YYYY` line, else 0. */
static int year_line(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    if (len < 9 || strncmp(s, "year", 4) != 0 || (s[4] != ' ' && s[4] != '\t'))
        return 0;
    s += 5;
    while (*s == ' ' || *s == '\t')
        s++;
    const char *p = s;
    int y = number(&p);
    return p - s == 4 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '#')
               ? y
               : 0;
}

/* A line stating a fact (off, work) rather than a blank or a comment. */
static bool fact_line(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    return len >= 4 && (strncmp(s, "off", 3) == 0 || strncmp(s, "work", 4) == 0);
}

static bool comment_line(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    return len && *s == '#';
}

xk_status xk_notice_merge(const char *cal, size_t len, const xk_notice *n, bool replace,
                          char **out, size_t *out_len, xk_error *err)
{
    char lines[XK_NOTICE_MAX_ITEM_BYTES];
    xk_status st = xk_notice_format(n, lines, sizeof lines, err);
    if (st != XK_OK)
        return st;
    size_t add = strlen(lines);
    /* cut points: [0, from) kept, new lines (+ blank line), [to, len) kept */
    size_t from = len, to = len, pos = 0, last_fact_end = 0;
    bool found = false, before_larger = false;
    size_t comment_run = len; /* start of the comment lines just above the current line */
    while (pos < len) {
        const char *nl = memchr(cal + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - cal) + 1 : len;
        int y = year_line(cal + pos, end - pos);
        if (found && y) {
            break;
        } else if (y == n->year) {
            found = true;
            from = pos;
            to = end;
        } else if (y > n->year && !found) {
            from = to = comment_run < pos ? comment_run : pos;
            before_larger = true;
            break;
        } else if (found && fact_line(cal + pos, end - pos)) {
            to = end;
        }
        if (fact_line(cal + pos, end - pos) || y)
            last_fact_end = end;
        comment_run = comment_line(cal + pos, end - pos) ? (comment_run < pos ? comment_run : pos)
                                                         : len;
        pos = end;
    }
    if (found && !replace)
        return xk_error_set(err, XK_ECONFLICT, 0,
                            "the calendar already holds %d (--replace overwrites it)", n->year);
    if (!found && !before_larger)
        from = to = last_fact_end;
    bool lead = !found && !before_larger && from > 0; /* a blank line before a year at the end */
    bool trail = before_larger;
    bool missing_nl = from == len && len && cal[len - 1] != '\n';
    char *buf = malloc(len + add + 4);
    if (!buf)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    size_t used = 0;
    memcpy(buf, cal, from);
    used = from;
    if (missing_nl)
        buf[used++] = '\n';
    if (lead)
        buf[used++] = '\n';
    memcpy(buf + used, lines, add);
    used += add;
    if (trail)
        buf[used++] = '\n';
    memcpy(buf + used, cal + to, len - to);
    used += len - to;
    buf[used] = '\0';
    *out = buf;
    *out_len = used;
    return XK_OK;
}
