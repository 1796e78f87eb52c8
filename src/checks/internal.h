/*
 * Internals of the published-list readers: every format becomes a table of text cells with the
 * line (or row) each came from, and one function turns a table with a header row into entries.
 */
#ifndef XK_CHECKS_INTERNAL_H
#define XK_CHECKS_INTERNAL_H

#include "xuke/lists.h"

typedef struct list_row {
    int line;
    char **cells; /* UTF-8, NUL-terminated, each malloc'ed */
    size_t n;
} list_row;

typedef struct list_table {
    list_row *rows;
    size_t n, cap;
} list_table;

void xk_table_free(list_table *t);
/* Appends an empty row at line; NULL when out of memory or past XK_MAX_LIST_ENTRIES rows. */
list_row *xk_table_row(list_table *t, int line, xk_error *err);
/* Appends a copy of cell[0..len) to row (at column col, filling gaps with ""). */
xk_status xk_row_cell(list_row *row, size_t col, const char *cell, size_t len, xk_error *err);

/* UTF-8 text with a separator (',' CSV, '\t' a table copied from a page) as RFC 4180 rows. */
xk_status xk_csv_read(const char *text, size_t len, char sep, list_table *t, xk_error *err);
/* The first worksheet of an XLSX file; cells keep their row number as line. */
xk_status xk_xlsx_read(const char *bytes, size_t len, list_table *t, xk_error *err);
/* Whether a table has a header row naming the list's columns within its first rows. */
bool xk_table_has_header(const list_table *t);
/* Entries from a table whose header names the columns; dates as Excel serials when excel. */
xk_status xk_table_entries(const list_table *t, bool excel, xk_list *out, xk_error *err);
/* Numbered entries of a notice's text (1、北京…有限公司（统一社会信用代码：…）…). */
xk_status xk_notice_entries(const char *text, size_t len, xk_list *out, xk_error *err);

/* Shared by the readers: field checks that fill one entry. */
xk_list_entry *xk_list_add(xk_list *l, int line, xk_error *err);
xk_status xk_entry_field(char *dst, size_t size, const char *value, int line, const char *what,
                      xk_error *err);
xk_status xk_entry_number(xk_list_entry *e, const char *value, xk_error *err);
xk_status xk_entry_credit_code(xk_list *l, xk_list_entry *e, const char *value, xk_error *err);
xk_status xk_entry_date(xk_list_entry *e, const char *value, bool excel, xk_error *err);
xk_status xk_entry_done(const xk_list_entry *e, xk_error *err);

#endif
