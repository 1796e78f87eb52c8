/*
 * The State Council General Office's annual holiday notice (国务院办公厅关于YYYY年部分节假日安排的
 * 通知) read as people copy it from the published page, and turned into that year's lines of the
 * holiday calendar (data/calendar.txt). Everything the notice states is checked against itself:
 * a weekday in brackets against its date, a range's 共N天 against its length, a 上班 day must be
 * a weekend day, no two holidays overlap, every date belongs to the notice's year.
 */
#ifndef XUKE_NOTICE_H
#define XUKE_NOTICE_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/date.h"
#include "xuke/error.h"
#include "xuke/limits.h"

typedef struct xk_notice_days {
    xk_date from, to; /* to == from for one day; make-up working days are single days */
    int line;         /* where the notice states it */
    char name[64];    /* the holiday as the notice names it ("国庆节、中秋节") */
} xk_notice_days;

typedef struct xk_notice {
    int year;
    char ref[64]; /* 发文字号 (国办发明电〔2020〕27号) when the text holds it, else "" */
    xk_notice_days off[XK_NOTICE_MAX_HOLIDAYS];
    size_t n_off;
    xk_notice_days work[XK_NOTICE_MAX_WORKDAYS]; /* in date order */
    size_t n_work;
} xk_notice;

/*
 * Reads a notice (UTF-8 or GB18030, with or without the title, the 发文字号 and the closing
 * lines). name is used in messages ("2027.txt:7: …"). On any problem nothing of *out is to be
 * used and err names the line.
 */
xk_status xk_notice_parse(const char *bytes, size_t len, const char *name, xk_notice *out,
                          xk_error *err);

/*
 * The notice's year as calendar lines ("year 2021 …", then off lines, then work lines), written
 * into buf; the text is cut and XK_ETOOBIG returned when it does not fit.
 */
xk_status xk_notice_format(const xk_notice *n, char *buf, size_t size, xk_error *err);

/*
 * The calendar text cal[0..len) with the notice's year written in: in year order among the
 * other years, or over the same year's lines when replace is set (XK_ECONFLICT when the year is
 * there and replace is not). Comments and other years are kept as they are. *out is malloc'ed
 * and NUL-terminated; the caller frees it and checks it with xk_calendar_parse before use.
 */
xk_status xk_notice_merge(const char *cal, size_t len, const xk_notice *n, bool replace,
                          char **out, size_t *out_len, xk_error *err);

#endif
