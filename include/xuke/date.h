/*
 * Calendar dates (proleptic Gregorian, no time of day, no zone) and the date forms licences
 * use: 2022年04月15日, 2022年 08月 19 日, 2022 年 4 月 15 日, 2022-04-15, 2022.04.15, 2022/4/15.
 */
#ifndef XUKE_DATE_H
#define XUKE_DATE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct xk_date {
    int year, month, day; /* all 0 when unset */
} xk_date;

bool xk_date_is_set(xk_date d);
bool xk_date_valid(int year, int month, int day);

/* Days since 1970-01-01 (negative before). d must be valid. */
long xk_date_to_days(xk_date d);
xk_date xk_date_from_days(long days);
/* 0 = Monday ... 6 = Sunday. */
int xk_date_weekday(xk_date d);
int xk_date_cmp(xk_date a, xk_date b);
/* Adds whole years, clamping 29 February to 28 February in common years. */
xk_date xk_date_add_years(xk_date d, int years);
/* Adds calendar months, clamping the day to the target month's length. */
xk_date xk_date_add_months(xk_date d, int months);

/* Writes YYYY-MM-DD plus NUL into buf (at least 11 bytes). Returns buf. */
char *xk_date_format(xk_date d, char *buf, size_t size);

/* A stored UTC time "YYYY-MM-DDTHH:MM:SSZ" shown at a fixed offset east of UTC in minutes
 * ("2026-12-07T04:20:34+08:00"). Anything else is copied as it is and false returned. */
bool xk_time_at_offset(const char *utc, int offset_minutes, char *out, size_t size);

/* Strict ISO 8601 calendar date YYYY-MM-DD. Returns false on anything else. */
bool xk_date_parse_iso(const char *s, xk_date *out);

/*
 * Finds the first date written in any of the licence forms inside text[0..len).
 * Spaces may appear anywhere inside the date. On success sets *out, and *start / *end (if
 * non-NULL) to the byte span of the match. Returns false when no valid date is present; a
 * date-shaped text with an impossible day (2022年02月30日) sets *bad_span (if non-NULL) to true.
 */
bool xk_date_find(const char *text, size_t len, xk_date *out, size_t *start, size_t *end,
                  bool *bad_span);

/*
 * xk_date_find for OCR text: in the 年月日 form, digits OCR commonly misreads (] l I | for 1,
 * O o for 0) are accepted where a digit must stand; *fixes counts them (0 when the date was
 * read as printed), so the caller can flag the field for review.
 */
bool xk_date_find_ocr(const char *text, size_t len, xk_date *out, size_t *start, size_t *end,
                      bool *bad_span, int *fixes);

/*
 * The other reading of an OCR date: a look-alike that stands beside a digit taken for noise,
 * not for a digit ("2020年1]月3日" as 2020-01-03, where xk_date_find_ocr reads 2020-11-03: OCR
 * splits one 1 into two symbols). False when the date has no such look-alike.
 */
bool xk_date_find_ocr_beside(const char *text, size_t len, xk_date *out);

/*
 * Whether NUL-terminated text is shaped like a date: three ASCII digits or more and 年, 月 or
 * 日. With no date found in it, OCR garbled one ("2.0江9年.6局2目").
 */
bool xk_date_shaped(const char *text);

#endif
