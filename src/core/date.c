/*
 * Calendar arithmetic on plain dates (days-from-civil, after H. Hinnant's public-domain
 * algorithm description) and recognition of the date forms printed on licences. No time zones:
 * every date in xuke is a calendar day in China.
 */
#include "xuke/date.h"

#include <stdio.h>
#include <string.h>

#include "xuke/text.h"

bool xk_date_is_set(xk_date d)
{
    return d.year != 0;
}

static int month_length(int year, int month)
{
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return 29;
    return len[month - 1];
}

bool xk_date_valid(int year, int month, int day)
{
    return year >= 1900 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
           day <= month_length(year, month);
}

long xk_date_to_days(xk_date d)
{
    long y = d.year - (d.month <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (d.month + 9) % 12;
    long doy = (153 * mp + 2) / 5 + d.day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

xk_date xk_date_from_days(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    xk_date out = {(int)(y + (m <= 2)), (int)m, (int)d};
    return out;
}

int xk_date_weekday(xk_date d)
{
    long days = xk_date_to_days(d); /* 1970-01-01 was a Thursday (3) */
    long w = (days % 7 + 7 + 3) % 7;
    return (int)w;
}

int xk_date_cmp(xk_date a, xk_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

xk_date xk_date_add_months(xk_date d, int months)
{
    long total = (long)d.year * 12 + (d.month - 1) + months;
    xk_date out = {(int)(total / 12), (int)(total % 12) + 1, d.day};
    int len = month_length(out.year, out.month);
    if (out.day > len)
        out.day = len;
    return out;
}

xk_date xk_date_add_years(xk_date d, int years)
{
    return xk_date_add_months(d, years * 12);
}

char *xk_date_format(xk_date d, char *buf, size_t size)
{
    if (!xk_date_is_set(d))
        snprintf(buf, size, "%s", "");
    else
        snprintf(buf, size, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
}

bool xk_date_parse_iso(const char *s, xk_date *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int v[8], k = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return false;
        v[k++] = s[i] - '0';
    }
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    int m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
    if (!xk_date_valid(y, m, d))
        return false;
    *out = (xk_date){y, m, d};
    return true;
}

/* --- recognition in running text ------------------------------------------------------------ */

typedef enum { SEP_NONE, SEP_NIAN, SEP_YUE, SEP_RI, SEP_DASH, SEP_DOT, SEP_SLASH } sep_kind;

static size_t skip_spaces(const char *t, size_t len, size_t i)
{
    while (i < len && (t[i] == ' ' || t[i] == '\t'))
        i++;
    return i;
}

/* OCR reads 1 as ] l I | and 0 as O o; accepted where a digit must stand, and counted. */
static int confusable_digit(char c)
{
    if (c == ']' || c == 'l' || c == 'I' || c == '|')
        return 1;
    if (c == 'O' || c == 'o')
        return 0;
    return -1;
}

/* How OCR's digit look-alikes are read in a date: taken for digits (counted), or, where one
 * stands beside a digit ("1]月"), with drop_beside, taken for noise (counted). */
typedef struct lookalikes {
    bool drop_beside;
    int taken, dropped;
} lookalikes;

static bool is_digit_at(const char *t, size_t len, size_t j)
{
    return j < len && t[j] >= '0' && t[j] <= '9';
}

/* Reads 1..max digits at i, spaces allowed between them (OCR inserts them); look-alikes only
 * with la. */
static size_t read_number_ocr(const char *t, size_t len, size_t i, int max, int *value,
                              int *ndigits, lookalikes *la)
{
    int v = 0, n = 0;
    size_t j = i;
    while (j < len && n < max) {
        int c = confusable_digit(t[j]);
        if (t[j] >= '0' && t[j] <= '9') {
            v = v * 10 + (t[j] - '0');
            n++;
            j++;
            i = j;
        } else if (la && c >= 0 && la->drop_beside &&
                   ((j > 0 && is_digit_at(t, len, j - 1)) || is_digit_at(t, len, j + 1))) {
            la->dropped++;
            j++;
            i = j;
        } else if (la && c >= 0) {
            v = v * 10 + c;
            n++;
            la->taken++;
            j++;
            i = j;
        } else if (t[j] == ' ' && n > 0) {
            j++;
        } else {
            break;
        }
    }
    *value = v;
    *ndigits = n;
    return i;
}

static sep_kind read_sep(const char *t, size_t len, size_t *i)
{
    size_t j = skip_spaces(t, len, *i);
    if (j >= len)
        return SEP_NONE;
    static const struct {
        const char *s;
        sep_kind k;
    } seps[] = {{"年", SEP_NIAN}, {"月", SEP_YUE}, {"日", SEP_RI}, {"号", SEP_RI},
                {"-", SEP_DASH},  {".", SEP_DOT},  {"/", SEP_SLASH}};
    for (size_t k = 0; k < sizeof seps / sizeof seps[0]; k++) {
        size_t n = xk_starts_with(t + j, len - j, seps[k].s);
        if (n) {
            *i = skip_spaces(t, len, j + n);
            return seps[k].k;
        }
    }
    return SEP_NONE;
}

/*
 * OCR noise between a number and the separator the 年月日 form needs there ("2019%人年" on a
 * noisy page, where the licence was refused): up to DATE_NOISE_CHARS characters that are no
 * digit, space or separator, then `sep`. The offset after sep and its spaces, or 0.
 */
#define DATE_NOISE_CHARS 2

static size_t noise_then(const char *t, size_t len, size_t i, const char *sep)
{
    static const char *const seps[] = {"年", "月", "日"};
    for (int k = 0; k < DATE_NOISE_CHARS && i < len; k++) {
        unsigned cp;
        size_t n = xk_utf8_decode(t + i, len - i, &cp);
        if (n == 0 || (cp >= '0' && cp <= '9') || cp == ' ' ||
            xk_starts_with_any(t + i, len - i, seps, 3, NULL))
            return 0;
        i += n;
        n = xk_starts_with(t + i, len - i, sep);
        if (n)
            return skip_spaces(t, len, i + n);
    }
    return 0;
}

/* Noise before sep at *j while no look-alike was taken yet (see noise_then): *j moves past sep
 * and the noise counts as one look-alike taken. Whether it did. */
static bool past_noise(const char *t, size_t len, size_t *j, const char *sep, lookalikes *here)
{
    size_t past = here->taken + here->dropped == 0 ? noise_then(t, len, *j, sep) : 0;
    if (past) {
        *j = past;
        here->taken++;
    }
    return past != 0;
}

/*
 * Tries to read a date starting at i; returns the end offset or 0. With la non-NULL, the
 * 年月日 form accepts OCR's digit look-alikes (the separators leave no doubt a number stands
 * there) and counts them in *la; the numeric forms never do.
 */
static size_t date_at(const char *t, size_t len, size_t i, xk_date *out, bool *impossible,
                      lookalikes *la)
{
    int y, m, d, n;
    lookalikes here = {la && la->drop_beside, 0, 0};
    size_t j = read_number_ocr(t, len, i, 4, &y, &n, la ? &here : NULL);
    int f = here.taken + here.dropped;
    if (n != 4 || f > 1)
        return 0;
    sep_kind s1 = read_sep(t, len, &j);
    if (s1 == SEP_NONE && la && past_noise(t, len, &j, "年", &here))
        s1 = SEP_NIAN;
    if (s1 != SEP_NIAN && s1 != SEP_DASH && s1 != SEP_DOT && s1 != SEP_SLASH)
        return 0;
    if (s1 != SEP_NIAN && f)
        return 0;
    lookalikes *mf = s1 == SEP_NIAN && la ? &here : NULL;
    j = read_number_ocr(t, len, j, 2, &m, &n, mf);
    if (n == 0)
        return 0;
    sep_kind s2 = read_sep(t, len, &j);
    if (s2 == SEP_NONE && s1 == SEP_NIAN && la && past_noise(t, len, &j, "月", &here))
        s2 = SEP_YUE;
    if ((s1 == SEP_NIAN && s2 != SEP_YUE) || (s1 != SEP_NIAN && s2 != s1))
        return 0;
    j = read_number_ocr(t, len, j, 2, &d, &n, mf);
    if (n == 0)
        return 0;
    size_t end = j;
    if (s1 == SEP_NIAN) {
        size_t k = j;
        if (read_sep(t, len, &k) == SEP_RI)
            end = k;
        /* read_sep skipped trailing spaces; keep the span tight */
        while (end > j && t[end - 1] == ' ')
            end--;
    } else if (j < len && t[j] >= '0' && t[j] <= '9') {
        return 0;
    }
    if (!xk_date_valid(y, m, d)) {
        *impossible = true;
        return 0;
    }
    if (la)
        *la = here;
    *out = (xk_date){y, m, d};
    return end;
}

/* --- dates in Chinese numerals: 二〇二二年四月十五日 ---------------------------------------- */

/* Value of one Chinese digit character at t[i] (〇 ○ 零 一 … 九), -1 if none; *n its length. */
static int cn_digit(const char *t, size_t len, size_t i, size_t *n)
{
    static const char *const digits[] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    if (len - i >= 3) {
        for (int k = 0; k < 10; k++)
            if (memcmp(t + i, digits[k], 3) == 0) {
                *n = 3;
                return k;
            }
        if (memcmp(t + i, "○", 3) == 0 || memcmp(t + i, "零", 3) == 0) {
            *n = 3;
            return 0;
        }
    }
    return -1;
}

/* 1..39 written 一 … 十 … 二十 … 三十一; returns the value and advances *i, or 0. */
static int cn_small(const char *t, size_t len, size_t *i)
{
    size_t j = skip_spaces(t, len, *i), n;
    int tens = 0, units = 0;
    int lead = cn_digit(t, len, j, &n);
    if (lead > 0 && len - (j + n) >= 3 && memcmp(t + j + n, "十", 3) == 0) {
        tens = lead;
        j += n + 3;
    } else if (len - j >= 3 && memcmp(t + j, "十", 3) == 0) {
        tens = 1;
        j += 3;
    }
    int u = cn_digit(t, len, j, &n);
    if (u > 0) {
        units = u;
        j += n;
    }
    if (tens == 0 && units == 0)
        return 0;
    *i = j;
    return tens * 10 + units;
}

static size_t cn_date_at(const char *t, size_t len, size_t i, xk_date *out, bool *impossible)
{
    int y = 0;
    size_t j = i, n;
    for (int k = 0; k < 4; k++) {
        j = skip_spaces(t, len, j);
        int dgt = cn_digit(t, len, j, &n);
        if (dgt < 0)
            return 0;
        y = y * 10 + dgt;
        j += n;
    }
    if (read_sep(t, len, &j) != SEP_NIAN)
        return 0;
    int m = cn_small(t, len, &j);
    if (!m || read_sep(t, len, &j) != SEP_YUE)
        return 0;
    int d = cn_small(t, len, &j);
    if (!d)
        return 0;
    size_t end = j, k = j;
    if (read_sep(t, len, &k) == SEP_RI)
        end = k;
    while (end > j && t[end - 1] == ' ')
        end--;
    if (!xk_date_valid(y, m, d)) {
        *impossible = true;
        return 0;
    }
    *out = (xk_date){y, m, d};
    return end;
}

static bool date_find(const char *text, size_t len, xk_date *out, size_t *start, size_t *end,
                      bool *bad_span, lookalikes *la);

bool xk_date_find(const char *text, size_t len, xk_date *out, size_t *start, size_t *end,
                  bool *bad_span)
{
    return date_find(text, len, out, start, end, bad_span, NULL);
}

bool xk_date_find_ocr(const char *text, size_t len, xk_date *out, size_t *start, size_t *end,
                      bool *bad_span, int *fixes)
{
    lookalikes la = {false, 0, 0};
    bool ok = date_find(text, len, out, start, end, bad_span, &la);
    *fixes = ok ? la.taken : 0;
    return ok;
}

bool xk_date_find_ocr_beside(const char *text, size_t len, xk_date *out)
{
    lookalikes la = {true, 0, 0};
    return date_find(text, len, out, NULL, NULL, NULL, &la) && la.dropped > 0;
}

static bool date_find(const char *text, size_t len, xk_date *out, size_t *start, size_t *end,
                      bool *bad_span, lookalikes *la)
{
    bool impossible = false;
    for (size_t i = 0; i + 4 <= len; i++) {
        size_t n;
        unsigned char lead = (unsigned char)text[i];
        /* Chinese digits start with 0xE2 (○), 0xE3 (〇), 0xE4 (一…九) or 0xE9 (零) */
        if ((lead == 0xE2 || lead == 0xE3 || lead == 0xE4 || lead == 0xE9) &&
            cn_digit(text, len, i, &n) >= 0) {
            xk_date d;
            size_t e = cn_date_at(text, len, i, &d, &impossible);
            if (e) {
                *out = d;
                if (start)
                    *start = i;
                if (end)
                    *end = e;
                if (bad_span)
                    *bad_span = false;
                return true;
            }
        }
        if (text[i] < '1' || text[i] > '2')
            continue;
        if (i > 0 && text[i - 1] >= '0' && text[i - 1] <= '9')
            continue;
        xk_date d;
        size_t e = date_at(text, len, i, &d, &impossible, la);
        if (e) {
            *out = d;
            if (start)
                *start = i;
            if (end)
                *end = e;
            if (bad_span)
                *bad_span = false;
            return true;
        }
    }
    if (bad_span)
        *bad_span = impossible;
    return false;
}

bool xk_date_shaped(const char *text)
{
    int digits = 0;
    for (const char *p = text; *p; p++)
        digits += *p >= '0' && *p <= '9';
    return digits >= 3 && (strstr(text, "年") || strstr(text, "月") || strstr(text, "日"));
}

bool xk_time_at_offset(const char *utc, int offset_minutes, char *out, size_t size)
{
    int y, mo, d, h, mi, sec, used = 0;
    if (sscanf(utc, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 ||
        used == 0 || utc[used] != '\0' || !xk_date_valid(y, mo, d) || h > 23 || mi > 59 ||
        sec > 60) {
        snprintf(out, size, "%s", utc);
        return false;
    }
    long minutes = (xk_date_to_days((xk_date){y, mo, d}) * 24L + h) * 60L + mi + offset_minutes;
    long days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
    long in_day = minutes - days * 1440;
    xk_date local = xk_date_from_days(days);
    int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    snprintf(out, size, "%04d-%02d-%02dT%02ld:%02ld:%02d%c%02d:%02d", local.year, local.month,
             local.day, in_day / 60, in_day % 60, sec, offset_minutes < 0 ? '-' : '+', off / 60,
             off % 60);
    return true;
}
