/*
 * Lists as tables: rows of text cells from CSV (RFC 4180 quoting, a quoted cell may hold the
 * separator, quotes and line breaks), from a table copied off a page (tab-separated) or from an
 * XLSX sheet; the header row that names the columns; and the entries the rows below it make.
 * The header names are those the published notices use for their columns; each field has the
 * spellings seen on them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xuke/limits.h"
#include "xuke/text.h"

void xk_table_free(list_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 0; j < t->rows[i].n; j++)
            free(t->rows[i].cells[j]);
        free(t->rows[i].cells);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}

list_row *xk_table_row(list_table *t, int line, xk_error *err)
{
    if (t->n > XK_MAX_LIST_ENTRIES) {
        xk_error_set(err, XK_ETOOBIG, line, "more than %u rows in one list", XK_MAX_LIST_ENTRIES);
        return NULL;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        list_row *grown = realloc(t->rows, cap * sizeof *grown);
        if (!grown) {
            xk_error_set(err, XK_ENOMEM, line, "out of memory");
            return NULL;
        }
        t->rows = grown;
        t->cap = cap;
    }
    list_row *r = &t->rows[t->n++];
    r->line = line;
    r->cells = NULL;
    r->n = 0;
    return r;
}

xk_status xk_row_cell(list_row *row, size_t col, const char *cell, size_t len, xk_error *err)
{
    if (col >= XK_MAX_LIST_COLUMNS)
        return xk_error_set(err, XK_ETOOBIG, row->line, "more than %u columns in a row",
                            XK_MAX_LIST_COLUMNS);
    if (col >= row->n) {
        char **grown = realloc(row->cells, (col + 1) * sizeof *grown);
        if (!grown)
            return xk_error_set(err, XK_ENOMEM, row->line, "out of memory");
        row->cells = grown;
        for (size_t i = row->n; i <= col; i++)
            row->cells[i] = NULL;
        row->n = col + 1;
    }
    for (size_t i = 0; i <= col; i++)
        if (!row->cells[i] && !(row->cells[i] = calloc(1, 1)))
            return xk_error_set(err, XK_ENOMEM, row->line, "out of memory");
    char *copy = malloc(len + 1);
    if (!copy)
        return xk_error_set(err, XK_ENOMEM, row->line, "out of memory");
    memcpy(copy, cell, len);
    copy[len] = '\0';
    free(row->cells[col]);
    row->cells[col] = copy;
    return XK_OK;
}

/* --- CSV --------------------------------------------------------------------------------------- */

typedef struct csv_state {
    const char *s;
    size_t len, i;
    int line;
    char sep;
} csv_state;

/* One cell at cs->i into cell/len (a quoted one unquoted); sets *end_of_row. */
static xk_status csv_cell(csv_state *cs, char *buf, size_t *blen, bool *end_of_row,
                          xk_error *err)
{
    size_t k = 0;
    *end_of_row = false;
    int start_line = cs->line;
    if (cs->i < cs->len && cs->s[cs->i] == '"') {
        cs->i++;
        for (;;) {
            if (cs->i >= cs->len)
                return xk_error_set(err, XK_EFORMAT, start_line,
                                    "a quoted cell is not closed before the end of the file");
            char c = cs->s[cs->i++];
            if (c == '"') {
                if (cs->i < cs->len && cs->s[cs->i] == '"')
                    cs->i++;
                else
                    break;
            } else if (c == '\n') {
                cs->line++;
            }
            buf[k++] = c;
        }
        if (cs->i < cs->len && cs->s[cs->i] != cs->sep && cs->s[cs->i] != '\n' &&
            cs->s[cs->i] != '\r')
            return xk_error_set(err, XK_EFORMAT, cs->line,
                                "text after a quoted cell's closing quote");
    } else {
        while (cs->i < cs->len && cs->s[cs->i] != cs->sep && cs->s[cs->i] != '\n' &&
               cs->s[cs->i] != '\r')
            buf[k++] = cs->s[cs->i++];
    }
    *blen = k;
    if (cs->i >= cs->len) {
        *end_of_row = true;
    } else if (cs->s[cs->i] == cs->sep) {
        cs->i++;
    } else {
        if (cs->s[cs->i] == '\r')
            cs->i++;
        if (cs->i < cs->len && cs->s[cs->i] == '\n')
            cs->i++;
        *end_of_row = true;
    }
    return XK_OK;
}

static bool blank_row(const list_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (strspn(r->cells[i], " \t") != strlen(r->cells[i]))
            return false;
    return true;
}

xk_status xk_csv_read(const char *text, size_t len, char sep, list_table *t, xk_error *err)
{
    char *buf = malloc(len + 1); /* no cell is longer than the text */
    if (!buf)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    csv_state cs = {text, len, 0, 1, sep};
    xk_status rc = XK_OK;
    while (rc == XK_OK && cs.i < cs.len) {
        list_row *r = xk_table_row(t, cs.line, err);
        if (!r) {
            rc = err ? err->code : XK_ENOMEM;
            break;
        }
        bool end = false;
        for (size_t col = 0; rc == XK_OK && !end; col++) {
            size_t blen = 0;
            rc = csv_cell(&cs, buf, &blen, &end, err);
            if (rc == XK_OK)
                rc = xk_row_cell(r, col, buf, blen, err);
        }
        cs.line++;
        if (rc == XK_OK && blank_row(r)) {
            for (size_t j = 0; j < r->n; j++)
                free(r->cells[j]);
            free(r->cells);
            t->n--;
        }
    }
    free(buf);
    return rc;
}

/* --- the header and the entries -------------------------------------------------------------- */

typedef enum field { F_NONE, F_COMPANY, F_CODE, F_NUMBER, F_DATE, F_REASON, F_AUTHORITY } field;

static const struct {
    const char *name;
    field f;
} headers[] = {
    {"企业名称", F_COMPANY},      {"公司名称", F_COMPANY},     {"单位名称", F_COMPANY},
    {"经营者名称", F_COMPANY},    {"经营单位名称", F_COMPANY}, {"名称", F_COMPANY},
    {"统一社会信用代码", F_CODE}, {"社会信用代码", F_CODE},    {"信用代码", F_CODE},
    {"许可证编号", F_NUMBER},     {"经营许可证编号", F_NUMBER}, {"许可证号", F_NUMBER},
    {"证书编号", F_NUMBER},       {"许可证号码", F_NUMBER},    {"日期", F_DATE},
    {"注销日期", F_DATE},         {"列入日期", F_DATE},        {"决定日期", F_DATE},
    {"作出决定日期", F_DATE},     {"公告日期", F_DATE},        {"注销时间", F_DATE},
    {"列入时间", F_DATE},         {"原因", F_REASON},          {"注销原因", F_REASON},
    {"列入原因", F_REASON},       {"事由", F_REASON},          {"列入事由", F_REASON},
    {"作出决定机关", F_AUTHORITY}, {"决定机关", F_AUTHORITY},  {"发布机关", F_AUTHORITY},
    {"列入机关", F_AUTHORITY},    {"作出决定的机关", F_AUTHORITY}, {"机关", F_AUTHORITY},
};

static field header_field(const char *cell)
{
    char norm[256];
    if (!xk_company_normalise(cell, strlen(cell), norm, sizeof norm))
        return F_NONE;
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
        if (strcmp(norm, headers[i].name) == 0)
            return headers[i].f;
    return F_NONE;
}

/* A title or a note may stand above the header: it is looked for in the first rows. */
#define HEADER_ROWS 10

/* Index of the header row, -1 when none: two known columns, one of them company or number. */
static long header_row(const list_table *t, field *map, size_t map_size)
{
    for (size_t r = 0; r < t->n && r < HEADER_ROWS; r++) {
        int known = 0;
        bool key = false;
        for (size_t c = 0; c < map_size; c++)
            map[c] = F_NONE;
        for (size_t c = 0; c < t->rows[r].n && c < map_size; c++) {
            field f = header_field(t->rows[r].cells[c]);
            bool taken = false;
            for (size_t k = 0; k < c; k++)
                taken = taken || (f != F_NONE && map[k] == f);
            if (f == F_NONE || taken)
                continue;
            map[c] = f;
            known++;
            key = key || f == F_COMPANY || f == F_NUMBER;
        }
        if (known >= 2 && key)
            return (long)r;
    }
    return -1;
}

bool xk_table_has_header(const list_table *t)
{
    field map[XK_MAX_LIST_COLUMNS];
    return header_row(t, map, XK_MAX_LIST_COLUMNS) >= 0;
}

static xk_status row_entry(const list_row *r, const field *map, bool excel, xk_list *out,
                           xk_error *err)
{
    xk_list_entry *e = xk_list_add(out, r->line, err);
    if (!e)
        return err ? err->code : XK_ENOMEM;
    xk_status rc = XK_OK;
    for (size_t c = 0; c < r->n && c < XK_MAX_LIST_COLUMNS && rc == XK_OK; c++) {
        const char *v = r->cells[c];
        switch (map[c]) {
        case F_COMPANY:
            rc = xk_entry_field(e->company, sizeof e->company, v, r->line, "company", err);
            break;
        case F_CODE:
            rc = xk_entry_credit_code(out, e, v, err);
            break;
        case F_NUMBER:
            rc = xk_entry_number(e, v, err);
            break;
        case F_DATE:
            rc = xk_entry_date(e, v, excel, err);
            break;
        case F_REASON:
            rc = xk_entry_field(e->reason, sizeof e->reason, v, r->line, "reason", err);
            break;
        case F_AUTHORITY:
            rc = xk_entry_field(e->authority, sizeof e->authority, v, r->line, "authority", err);
            break;
        case F_NONE:
            break;
        }
    }
    return rc == XK_OK ? xk_entry_done(e, err) : rc;
}

xk_status xk_table_entries(const list_table *t, bool excel, xk_list *out, xk_error *err)
{
    field map[XK_MAX_LIST_COLUMNS];
    long head = header_row(t, map, XK_MAX_LIST_COLUMNS);
    if (head < 0)
        return xk_error_set(err, XK_EFORMAT, t->n ? t->rows[0].line : 0,
                            "not a published list: no header row naming its columns (企业名称, "
                            "统一社会信用代码, 许可证编号, 日期, 原因, 作出决定机关) in the first "
                            "%d rows",
                            HEADER_ROWS);
    for (size_t r = (size_t)head + 1; r < t->n; r++) {
        if (blank_row(&t->rows[r]))
            continue;
        xk_status rc = row_entry(&t->rows[r], map, excel, out, err);
        if (rc != XK_OK)
            return rc;
    }
    return XK_OK;
}
