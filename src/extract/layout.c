/*
 * Layout pass: the decoded text of a licence, before it is split into lines, rewritten so that
 * layouts the line readers do not know arrive in the one they do. Electronic licences (the PDF
 * text layer, `pdftotext -layout`) put two labelled fields on one line, print the appendix as
 * a table, and repeat a header or footer on every page; scans and typed copies do none of that.
 *
 * - A line that opens with a label and holds another label with its colon further on is split
 *   before each later label.
 * - An appendix table (box-drawing ┌─┬─┐│, ASCII +---+|, or tab or space-aligned columns under
 *   a header row naming 网站名称 / 网站域名 / …) becomes one labelled line per cell of each row,
 *   cells wrapped over several lines joined first.
 * - Running headers and footers are blanked: short lines found at the top or foot of every
 *   page (a print date, a serial, the issuer's name), never a line that carries a label, a
 *   number or a section's title; one warning on the record names them. Pages are told by form
 *   feeds, or else by page-number lines (第 2 页 共 3 页, - 2 -, 2/3), which sections.c marks
 *   as furniture itself.
 *
 * Every line keeps its number in the source: a split inserts a form feed (a new line, same
 * number, see xk_lines_split) and a dropped line stays as an empty one. The pass is one scan of
 * the bytes; only lines that hold a box character, a tab or a run of spaces, or two colons are
 * looked at again, and nothing is copied when nothing changes. It reads only bytes; all
 * meaning (which label, which section) stays with the readers after it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/scan.h"
#include "xuke/limits.h"
#include "extract.h"

enum { F_BLANK = 1, F_PAGENO = 2, F_BOX = 4, F_GAPS = 8, F_COLONS = 16 };
enum { A_KEEP, A_DROP, A_REPLACE };
enum { COL_OTHER, COL_SERIAL, COL_NAME, COL_DOMAIN, COL_SERVER, COL_ACCESS };

typedef struct span {
    size_t start, end; /* the line's bytes, without its terminator */
    size_t term;       /* bytes of the terminator (0 at the end of the text) */
    int lineno;
    unsigned page_ff, page_pn; /* page by form feeds, by page-number lines */
    unsigned char flags, action;
    size_t repl_off, repl_len; /* A_REPLACE: the new text in layout.repl */
} span;

typedef struct layout {
    const char *text;
    span *lines;
    size_t n;
    xk_licence *lic;
    xk_buf repl; /* replacement texts of every A_REPLACE line */
    bool changed;
    bool over; /* more lines than XK_MAX_LINES: left as it is, for the line reader to refuse */
    size_t running; /* running headers and footers dropped; the first one's line and text */
    int running_line;
    char running_text[96];
} layout;

/* --- bytes ------------------------------------------------------------------------------- */

static bool is_ideo_space(const char *s, size_t len)
{
    return len >= 3 && (unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 &&
           (unsigned char)s[2] == 0x80;
}

/* Box-drawing characters U+2500-U+257F: E2 94 xx and E2 95 xx. */
static bool is_box(const char *s, size_t len)
{
    return len >= 3 && (unsigned char)s[0] == 0xE2 &&
           ((unsigned char)s[1] == 0x94 || (unsigned char)s[1] == 0x95);
}

/* A column separator: │ ┃ ║ or |; returns its byte length or 0. */
static size_t vbar_at(const char *s, size_t len)
{
    if (len >= 1 && s[0] == '|')
        return 1;
    if (len >= 3 && (unsigned char)s[0] == 0xE2 &&
        (((unsigned char)s[1] == 0x94 && ((unsigned char)s[2] == 0x82 ||
                                          (unsigned char)s[2] == 0x83)) ||
         ((unsigned char)s[1] == 0x95 && (unsigned char)s[2] == 0x91)))
        return 3;
    return 0;
}

/* A space of any width: ' ', tab, U+3000; returns its byte length or 0. */
static size_t space_at(const char *s, size_t len)
{
    if (len >= 1 && (s[0] == ' ' || s[0] == '\t'))
        return 1;
    return is_ideo_space(s, len) ? 3 : 0;
}

static size_t skip_spaces(const char *s, size_t i, size_t end)
{
    size_t n;
    while (i < end && (n = space_at(s + i, end - i)))
        i += n;
    return i;
}

static size_t trim_end(const char *s, size_t start, size_t end)
{
    while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
        end--;
    while (end >= start + 3 && is_ideo_space(s + end - 3, 3))
        end -= 3;
    return end;
}

/* The space-free form of s[0..len) with full-width ASCII made ASCII and dashes made '-', in
 * out (size bytes); false when it does not fit. */
static bool compact_into(const char *s, size_t len, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t sp = space_at(s + i, len - i);
        if (sp || s[i] == '\r') {
            i += sp ? sp : 1;
            continue;
        }
        unsigned cp;
        size_t n = xk_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            n = 1, cp = '?';
        char enc[4];
        size_t k;
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            enc[0] = (char)(cp - 0xFEE0);
            k = 1;
        } else if (cp == 0x2014 || cp == 0x2013 || cp == 0x2212) {
            enc[0] = '-';
            k = 1;
        } else {
            memcpy(enc, s + i, n);
            k = n;
        }
        if (o + k + 1 > size)
            return false;
        memcpy(out + o, enc, k);
        o += k;
        i += n;
    }
    out[o] = '\0';
    return true;
}

/* --- pass 1: lines and what each might be ---------------------------------------------------- */

/* Page numbers start with 第, a digit, a dash or a full-width digit or dash: the one test most
 * lines fail, before the line is compacted for xk_is_page_number. */
static bool could_be_page_number(const char *s, size_t len)
{
    unsigned char b = (unsigned char)s[0];
    if ((b >= '0' && b <= '9') || b == '-')
        return true;
    return (len >= 3 && memcmp(s, "第", 3) == 0) || (len >= 3 && memcmp(s, "—", 3) == 0) ||
           (len >= 3 && b == 0xEF && (unsigned char)s[1] == 0xBC &&
            (((unsigned char)s[2] >= 0x90 && (unsigned char)s[2] <= 0x99) ||
             (unsigned char)s[2] == 0x8D));
}

static unsigned char line_flags(const char *s, size_t len)
{
    unsigned char f = 0;
    int colons = 0;
    size_t first = skip_spaces(s, 0, len);
    if (first >= len || (len - first == 1 && s[first] == '\r'))
        return F_BLANK;
    if (s[first] == '|' || s[first] == '+')
        f |= F_BOX;
    for (size_t i = first; i < len; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b >= 0xE4 && b <= 0xE9) {
            i += 2; /* a CJK ideograph (U+4E00-U+9FFF): nothing to look at */
            continue;
        }
        if (b < 0x80) {
            if (b == ':')
                colons++;
            else if (b == '\t' || (b == ' ' && i + 1 < len && s[i + 1] == ' '))
                f |= F_GAPS;
        } else if (b == 0xE2 && is_box(s + i, len - i)) {
            f |= F_BOX;
        } else if (b == 0xEF && i + 2 < len && (unsigned char)s[i + 1] == 0xBC &&
                   (unsigned char)s[i + 2] == 0x9A) {
            colons++;
        } else if (b == 0xE3 && is_ideo_space(s + i, len - i) && i + 3 < len &&
                   space_at(s + i + 3, len - i - 3)) {
            f |= F_GAPS;
        }
    }
    if (colons >= 2)
        f |= F_COLONS;
    if (len - first <= 40 && could_be_page_number(s + first, len - first)) {
        char c[48];
        if (compact_into(s + first, len - first, c, sizeof c) && xk_is_page_number(c))
            f |= F_PAGENO;
    }
    return f;
}

static xk_status scan_lines(layout *L, size_t len)
{
    const char *t = L->text;
    size_t cap = 0;
    int lineno = 1;
    unsigned page_ff = 0, page_pn = 0;
    for (size_t i = 0; i <= len;) {
        size_t j = xk_scan_line_end(t, i, len);
        if (L->n >= XK_MAX_LINES) {
            L->over = true; /* bounds this pass's memory as the line reader bounds its own */
            return XK_OK;
        }
        if (L->n == cap) {
            cap = cap ? cap * 2 : 256;
            span *ns = realloc(L->lines, cap * sizeof *ns);
            if (!ns)
                return XK_ENOMEM;
            L->lines = ns;
        }
        span *sp = &L->lines[L->n++];
        memset(sp, 0, sizeof *sp);
        sp->start = i;
        sp->end = j;
        sp->lineno = lineno;
        sp->page_ff = page_ff;
        sp->page_pn = page_pn;
        sp->flags = line_flags(t + i, j - i);
        if (sp->flags & F_PAGENO)
            page_pn++;
        if (j >= len)
            break;
        size_t term = (t[j] == '\r' && j + 1 < len && t[j + 1] == '\n') ? 2 : 1;
        sp->term = term;
        if (t[j] == '\f')
            page_ff++;
        else
            lineno++;
        i = j + term;
    }
    return XK_OK;
}

/* --- replacements -------------------------------------------------------------------------- */

static void set_repl(layout *L, size_t i, size_t off)
{
    L->lines[i].action = A_REPLACE;
    L->lines[i].repl_off = off;
    L->lines[i].repl_len = L->repl.len - off;
    L->changed = true;
}

static void drop(layout *L, size_t i)
{
    L->lines[i].action = A_DROP;
    L->changed = true;
}

/* --- lines holding several labels ------------------------------------------------------------ */

/* The colon at s[i] (':' or '：'): its byte length, or 0. */
static size_t colon_at(const char *s, size_t len)
{
    if (len >= 1 && s[0] == ':')
        return 1;
    return len >= 3 && memcmp(s, "\xEF\xBC\x9A", 3) == 0 ? 3 : 0;
}

/* Whether the line opens with a label and a colon. */
static bool opens_with_label(const char *s, size_t start, size_t end)
{
    char c[96];
    size_t n = end - start < 60 ? end - start : 60;
    if (!compact_into(s + start, n, c, sizeof c))
        return false;
    return xk_label_prefix(c, strlen(c)) != L_NONE && strchr(c, ':') != NULL;
}

/* "公司名称：X        法定代表人：Y" → "公司名称：X" FF "法定代表人：Y". */
static xk_status split_labels(layout *L, size_t i)
{
    const char *s = L->text;
    span *sp = &L->lines[i];
    size_t start = skip_spaces(s, sp->start, sp->end), end = trim_end(s, start, sp->end);
    if (!opens_with_label(s, start, end))
        return XK_OK;
    size_t seg = start, off = L->repl.len;
    bool first_colon = true, split = false;
    for (size_t p = start; p < end;) {
        size_t c = colon_at(s + p, end - p);
        if (!c) {
            p++;
            continue;
        }
        if (first_colon) {
            first_colon = false;
            p += c;
            continue;
        }
        size_t q = trim_end(s, seg, p), at;
        if (xk_label_ending(s, q, &at) != L_NONE && at > seg) {
            size_t value_end = trim_end(s, seg, at);
            xk_buf_append(&L->repl, s + seg, value_end - seg);
            xk_buf_putc(&L->repl, '\f');
            seg = at;
            split = true;
        }
        p += c;
    }
    if (!split) {
        L->repl.len = off;
        return XK_OK;
    }
    xk_buf_append(&L->repl, s + seg, end - seg);
    if (L->repl.oom)
        return XK_ENOMEM;
    set_repl(L, i, off);
    return XK_OK;
}

/* --- tables ---------------------------------------------------------------------------------- */

typedef struct table {
    int cols[XK_MAX_TABLE_COLUMNS]; /* COL_* of each column */
    size_t ncols;
    xk_buf cell[XK_MAX_TABLE_COLUMNS]; /* the record being read */
    size_t first;                      /* its first line, SIZE_MAX when none */
    bool any;
} table;

static int column_kind(const char *c)
{
    if (strcmp(c, "序号") == 0 || strcmp(c, "编号") == 0)
        return COL_SERIAL;
    switch (xk_label_exact(c, strlen(c))) {
    case L_SITE_NAME:
        return COL_NAME;
    case L_SITE_DOMAIN:
        return COL_DOMAIN;
    case L_SERVER:
        return COL_SERVER;
    case L_ACCESS:
        return COL_ACCESS;
    default:
        return COL_OTHER;
    }
}

/* Header cells joined per column (a header may wrap) → kinds; whether the table is an appendix:
 * a website's name or domain column and one more of its fields. */
static bool header_known(table *tb, xk_buf *head, size_t ncols)
{
    int sites = 0;
    bool name_or_domain = false;
    tb->ncols = ncols;
    for (size_t k = 0; k < ncols; k++) {
        char c[256];
        if (!compact_into(head[k].data ? head[k].data : "", head[k].len, c, sizeof c))
            c[0] = '\0';
        tb->cols[k] = column_kind(c);
        sites += tb->cols[k] >= COL_NAME;
        name_or_domain |= tb->cols[k] == COL_NAME || tb->cols[k] == COL_DOMAIN;
    }
    return sites >= 2 && name_or_domain;
}

static bool ascii_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool all_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

/* Appends a piece of a cell wrapped over lines: domains keep a space between hosts unless the
 * cut fell at a dot or hyphen; words of an ASCII-only cell keep one; a cell with Chinese text
 * joins without (a wrap inside "科技园70号" cuts no word). */
static void cell_add(xk_buf *b, int kind, const char *s, size_t len)
{
    if (len == 0)
        return;
    if (b->len > 0) {
        char last = b->data[b->len - 1];
        bool glue = kind == COL_DOMAIN ? !(last == '.' || last == '-' || s[0] == '.' || s[0] == '-')
                                       : ascii_alnum(last) && ascii_alnum(s[0]) && all_ascii(b->data, b->len) &&
                                             all_ascii(s, len);
        if (glue)
            xk_buf_putc(b, ' ');
    }
    xk_buf_append(b, s, len);
}

static void table_add(table *tb, size_t col, const char *s, size_t start, size_t end)
{
    start = skip_spaces(s, start, end);
    end = trim_end(s, start, end);
    if (col < tb->ncols && end > start) {
        cell_add(&tb->cell[col], tb->cols[col], s + start, end - start);
        tb->any = true;
    }
}

static size_t column_of(const table *tb, int kind)
{
    for (size_t k = 0; k < tb->ncols; k++)
        if (tb->cols[k] == kind)
            return k;
    return SIZE_MAX;
}

/* Writes the record read so far as labelled lines on its first line. */
static xk_status table_flush(layout *L, table *tb)
{
    static const struct {
        int kind;
        const char *label;
    } out[] = {{COL_NAME, "网站名称："},
               {COL_DOMAIN, "网站域名："},
               {COL_SERVER, "服务器放置地点："},
               {COL_ACCESS, "网站接入服务提供单位："}};
    if (tb->any && tb->first != SIZE_MAX) {
        size_t off = L->repl.len;
        bool sep = false;
        for (size_t k = 0; k < sizeof out / sizeof out[0]; k++) {
            size_t c = column_of(tb, out[k].kind);
            if (c == SIZE_MAX || tb->cell[c].len == 0)
                continue;
            if (tb->cell[c].len > XK_MAX_TABLE_CELL_BYTES)
                return xk_licence_problem_key(L->lic, XK_SEV_ERROR, L->lines[tb->first].lineno,
                                              "problem.table_cell_over_limit",
                                              "table cell of more than %u bytes",
                                              XK_MAX_TABLE_CELL_BYTES) == XK_OK
                           ? XK_EINVALID
                           : XK_ENOMEM;
            if (sep)
                xk_buf_putc(&L->repl, '\f');
            xk_buf_puts(&L->repl, out[k].label);
            xk_buf_append(&L->repl, tb->cell[c].data, tb->cell[c].len);
            sep = true;
        }
        if (L->repl.oom)
            return XK_ENOMEM;
        set_repl(L, tb->first, off);
    }
    for (size_t k = 0; k < tb->ncols; k++)
        xk_buf_reset(&tb->cell[k]);
    tb->first = SIZE_MAX;
    tb->any = false;
    return XK_OK;
}

/* Whether the row starts a new record: its serial (or, with no serial column, its name) cell
 * is filled while the record read so far has one. */
static bool row_starts_record(const table *tb, const bool *filled)
{
    size_t key = column_of(tb, COL_SERIAL);
    if (key == SIZE_MAX)
        key = column_of(tb, COL_NAME);
    return key != SIZE_MAX && filled[key] && tb->cell[key].len > 0;
}

static void table_free(table *tb)
{
    for (size_t k = 0; k < XK_MAX_TABLE_COLUMNS; k++)
        xk_buf_free(&tb->cell[k]);
}

/* A box or ASCII table line with no text: ┌─┬─┐, ├──┼──┤, +----+----+. */
static bool is_border(const char *s, size_t start, size_t end)
{
    for (size_t i = start; i < end;) {
        size_t n = space_at(s + i, end - i);
        if (n) {
            i += n;
        } else if (is_box(s + i, end - i)) {
            i += 3;
        } else if (s[i] == '+' || s[i] == '-' || s[i] == '=' || s[i] == ':' || s[i] == '\r') {
            i++;
        } else {
            return false;
        }
    }
    return true;
}

/* Cells of a box or ASCII row: [start, end) pairs between separators; returns their count or
 * SIZE_MAX beyond XK_MAX_TABLE_COLUMNS. */
static size_t row_cells(const char *s, size_t start, size_t end, size_t *cs, size_t *ce)
{
    size_t n = 0, cell = start;
    start = skip_spaces(s, start, end);
    size_t v = vbar_at(s + start, end - start);
    if (v)
        cell = start + v;
    for (size_t i = cell; i <= end;) {
        size_t b = i < end ? vbar_at(s + i, end - i) : 1;
        if (!b) {
            i++;
            continue;
        }
        size_t content = skip_spaces(s, cell, i);
        if (i < end || content < trim_end(s, content, end)) {
            if (n >= XK_MAX_TABLE_COLUMNS)
                return SIZE_MAX;
            cs[n] = cell;
            ce[n] = i;
            n++;
        }
        i += b;
        cell = i;
        if (i >= end)
            break;
    }
    return n;
}

static bool table_line(const layout *L, size_t i)
{
    const span *sp = &L->lines[i];
    return (sp->flags & F_BOX) && !(sp->flags & F_BLANK);
}

static xk_status too_wide(layout *L, size_t i)
{
    xk_status st = xk_licence_problem_key(
        L->lic, XK_SEV_ERROR, L->lines[i].lineno, "problem.table_columns_over_limit",
        "table of more than %u columns: its websites were not read", XK_MAX_TABLE_COLUMNS);
    return st == XK_OK ? XK_OK : st;
}

/* A box-drawing or ASCII table from line i; returns the line after it. */
static size_t box_table(layout *L, size_t i, xk_status *st)
{
    const char *s = L->text;
    size_t end = i;
    while (end < L->n && table_line(L, end))
        end++;
    table tb;
    memset(&tb, 0, sizeof tb);
    tb.first = SIZE_MAX;
    tb.ncols = XK_MAX_TABLE_COLUMNS; /* while the header is read: any column */
    size_t cs[XK_MAX_TABLE_COLUMNS], ce[XK_MAX_TABLE_COLUMNS];
    /* the header: the rows before the first border that follows a row */
    size_t j = i, ncols = 0;
    bool rows = false;
    for (; j < end; j++) {
        const span *sp = &L->lines[j];
        if (is_border(s, sp->start, sp->end)) {
            if (rows)
                break;
            continue;
        }
        size_t n = row_cells(s, sp->start, sp->end, cs, ce);
        if (n == SIZE_MAX) {
            *st = too_wide(L, j);
            table_free(&tb);
            return end;
        }
        if (n > ncols)
            ncols = n;
        for (size_t k = 0; k < n; k++)
            table_add(&tb, k, s, cs[k], ce[k]);
        rows = true;
    }
    tb.ncols = ncols;
    if (!header_known(&tb, tb.cell, ncols)) {
        table_free(&tb);
        return end;
    }
    for (size_t k = 0; k < ncols; k++)
        xk_buf_reset(&tb.cell[k]);
    tb.any = false;
    for (size_t k = i; k < j; k++)
        drop(L, k);
    for (; j < end && *st == XK_OK; j++) {
        const span *sp = &L->lines[j];
        if (is_border(s, sp->start, sp->end)) {
            *st = table_flush(L, &tb);
            drop(L, j);
            continue;
        }
        size_t n = row_cells(s, sp->start, sp->end, cs, ce);
        if (n == SIZE_MAX) {
            *st = too_wide(L, j);
            break;
        }
        bool filled[XK_MAX_TABLE_COLUMNS] = {false};
        for (size_t k = 0; k < n && k < ncols; k++)
            filled[k] = skip_spaces(s, cs[k], ce[k]) < trim_end(s, cs[k], ce[k]);
        if (row_starts_record(&tb, filled))
            *st = table_flush(L, &tb);
        drop(L, j);
        if (tb.first == SIZE_MAX)
            tb.first = j;
        for (size_t k = 0; k < n; k++)
            table_add(&tb, k, s, cs[k], ce[k]);
    }
    if (*st == XK_OK)
        *st = table_flush(L, &tb);
    table_free(&tb);
    return end;
}

/* --- tables in tab or space-aligned columns ----------------------------------------------------- */

/* Display width of one character: two for wide (CJK) text, one otherwise. */
static size_t char_width(const char *s, size_t len, size_t *bytes)
{
    unsigned cp;
    size_t n = xk_utf8_decode(s, len, &cp);
    if (n == 0) {
        *bytes = 1;
        return 1;
    }
    *bytes = n;
    return xk_is_wide(cp) ? 2 : 1;
}

/* Segments of a line separated by a tab, or by two spaces or more: byte ranges and display
 * columns. With tabs each tab separates (so empty cells count). Returns the count or SIZE_MAX
 * beyond XK_MAX_TABLE_COLUMNS. */
static size_t segments(const char *s, size_t start, size_t end, bool tabs, size_t *bs,
                       size_t *be, size_t *col)
{
    size_t n = 0, x = 0, i = start, seg = SIZE_MAX, segx = 0;
    end = trim_end(s, start, end);
    while (i <= end) {
        bool brk = i == end;
        size_t sp = 0;
        if (!brk) {
            if (tabs)
                brk = s[i] == '\t';
            else if ((sp = space_at(s + i, end - i)) != 0) {
                size_t sp2 = i + sp < end ? space_at(s + i + sp, end - i - sp) : 0;
                brk = sp2 != 0 || s[i] == '\t' || sp == 3;
            }
        }
        if (brk) {
            if (seg != SIZE_MAX || tabs) {
                if (n >= XK_MAX_TABLE_COLUMNS)
                    return SIZE_MAX;
                bs[n] = seg == SIZE_MAX ? i : seg;
                be[n] = i;
                col[n] = seg == SIZE_MAX ? x : segx;
                n++;
            }
            seg = SIZE_MAX;
            if (i == end)
                break;
            /* skip the whole run of spaces (a tab alone in tab mode) */
            size_t b;
            x += s[i] == '\t' ? 8 - x % 8 : char_width(s + i, end - i, &b);
            i += tabs ? 1 : (sp ? sp : 1);
            while (!tabs && i < end && (sp = space_at(s + i, end - i)) != 0) {
                x += s[i] == '\t' ? 8 - x % 8 : sp == 3 ? 2 : 1;
                i += sp;
            }
            continue;
        }
        if (seg == SIZE_MAX) {
            if (space_at(s + i, end - i) && !tabs) {
                x++;
                i++;
                continue;
            }
            seg = i;
            segx = x;
        }
        size_t b;
        x += char_width(s + i, end - i, &b);
        i += b;
    }
    return n;
}

static bool has_tab(const char *s, size_t start, size_t end)
{
    return memchr(s + start, '\t', end - start) != NULL;
}

/* A line that closes a space-aligned table: a label, a section's words, a page number. */
static bool closes_table(const layout *L, size_t i)
{
    const span *sp = &L->lines[i];
    const char *s = L->text;
    if (sp->flags & F_PAGENO)
        return true;
    char c[96];
    size_t n = sp->end - sp->start < 80 ? sp->end - sp->start : 80;
    if (!compact_into(s + sp->start, n, c, sizeof c))
        return false;
    return xk_label_prefix(c, strlen(c)) != L_NONE || strstr(c, "许可证") ||
           strstr(c, "特别规定") || strstr(c, "获准经营");
}

static size_t nearest_column(const size_t *hx, size_t ncols, size_t x)
{
    size_t best = 0, dist = SIZE_MAX;
    for (size_t k = 0; k < ncols; k++) {
        size_t d = hx[k] > x ? hx[k] - x : x - hx[k];
        if (d < dist) {
            dist = d;
            best = k;
        }
    }
    return best;
}

/* A table of tab- or space-aligned columns whose header is line i; returns the line after it
 * (i + 1 when line i is no appendix header). */
static size_t column_table(layout *L, size_t i, xk_status *st)
{
    const char *s = L->text;
    const span *hs = &L->lines[i];
    bool tabs = has_tab(s, hs->start, hs->end);
    size_t bs[XK_MAX_TABLE_COLUMNS], be[XK_MAX_TABLE_COLUMNS], hx[XK_MAX_TABLE_COLUMNS];
    size_t ncols = segments(s, hs->start, hs->end, tabs, bs, be, hx);
    if (ncols == SIZE_MAX || ncols < 2)
        return i + 1;
    table tb;
    memset(&tb, 0, sizeof tb);
    tb.first = SIZE_MAX;
    for (size_t k = 0; k < ncols; k++)
        xk_buf_append(&tb.cell[k], s + bs[k], be[k] - bs[k]);
    tb.ncols = ncols;
    if (!header_known(&tb, tb.cell, ncols)) {
        table_free(&tb);
        return i + 1;
    }
    for (size_t k = 0; k < ncols; k++)
        xk_buf_reset(&tb.cell[k]);
    drop(L, i);
    size_t j = i + 1;
    for (; j < L->n && *st == XK_OK; j++) {
        const span *sp = &L->lines[j];
        if (sp->flags & F_BLANK) {
            size_t nx = j + 1;
            while (nx < L->n && (L->lines[nx].flags & F_BLANK))
                nx++;
            if (nx >= L->n || !(L->lines[nx].flags & F_GAPS) || closes_table(L, nx))
                break;
            continue;
        }
        if (closes_table(L, j))
            break;
        size_t cs[XK_MAX_TABLE_COLUMNS], ce[XK_MAX_TABLE_COLUMNS], cx[XK_MAX_TABLE_COLUMNS];
        size_t n = segments(s, sp->start, sp->end, tabs, cs, ce, cx);
        if (n == SIZE_MAX) {
            *st = too_wide(L, j);
            break;
        }
        if (n == 1 && !(sp->flags & F_GAPS) && cx[0] == 0 && !tabs)
            break; /* prose at the margin: the table is over */
        size_t col[XK_MAX_TABLE_COLUMNS];
        bool filled[XK_MAX_TABLE_COLUMNS] = {false};
        for (size_t k = 0; k < n; k++) {
            col[k] = tabs ? k : nearest_column(hx, ncols, cx[k]);
            if (col[k] < ncols)
                filled[col[k]] = skip_spaces(s, cs[k], ce[k]) < trim_end(s, cs[k], ce[k]);
        }
        if (row_starts_record(&tb, filled))
            *st = table_flush(L, &tb);
        drop(L, j);
        if (tb.first == SIZE_MAX)
            tb.first = j;
        for (size_t k = 0; k < n; k++)
            table_add(&tb, col[k], s, cs[k], ce[k]);
    }
    if (*st == XK_OK)
        *st = table_flush(L, &tb);
    table_free(&tb);
    return j;
}

/* --- page furniture ------------------------------------------------------------------------- */

/* Lines a running header or footer never is: a label's, a title's, a section's, a number's. */
static bool protected_line(const char *c)
{
    return xk_label_prefix(c, strlen(c)) != L_NONE || strstr(c, "许可证") ||
           strstr(c, "特别规定") || strstr(c, "附页") || strstr(c, "获准经营") ||
           strstr(c, "相关信息") || strstr(c, "、") || c[0] == '(';
}

typedef struct candidate {
    size_t line;
    unsigned page;
    char text[96];
} candidate;

static unsigned page_of(const span *sp, bool by_ff)
{
    return by_ff ? sp->page_ff : sp->page_pn;
}

/* Up to three nonblank lines at the top and three at the foot of each page. */
static size_t collect_candidates(const layout *L, bool by_ff, candidate *cand, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < L->n && n < max;) {
        unsigned page = page_of(&L->lines[i], by_ff);
        size_t last = i;
        while (last + 1 < L->n && page_of(&L->lines[last + 1], by_ff) == page)
            last++;
        size_t picked[6], np = 0;
        for (size_t k = i; k <= last && np < 3; k++)
            if (!(L->lines[k].flags & (F_BLANK | F_PAGENO)))
                picked[np++] = k;
        size_t top = np;
        for (size_t k = last + 1; k-- > i && np < top + 3;) {
            if (L->lines[k].flags & (F_BLANK | F_PAGENO))
                continue;
            bool dup = false;
            for (size_t q = 0; q < top; q++)
                dup |= picked[q] == k;
            if (!dup)
                picked[np++] = k;
        }
        for (size_t q = 0; q < np && n < max; q++) {
            const span *sp = &L->lines[picked[q]];
            if (L->lines[picked[q]].action != A_KEEP ||
                !compact_into(L->text + sp->start, sp->end - sp->start, cand[n].text,
                              sizeof cand[n].text) ||
                protected_line(cand[n].text))
                continue;
            cand[n].line = picked[q];
            cand[n].page = page;
            n++;
        }
        i = last + 1;
    }
    return n;
}

static void note_text(char *dst, size_t size, const char *s, size_t start, size_t end)
{
    xk_utf8_copy(dst, size, s + start, end - start);
}

static void drop_running(layout *L, size_t i)
{
    const span *sp = &L->lines[i];
    if (L->running++ == 0) {
        L->running_line = sp->lineno;
        size_t st = skip_spaces(L->text, sp->start, sp->end);
        note_text(L->running_text, sizeof L->running_text, L->text, st,
                  trim_end(L->text, st, sp->end));
    }
    drop(L, i);
}

/* Short lines at the top or foot of (nearly) every page, the same each time. */
static xk_status running_lines(layout *L)
{
    bool by_ff = L->lines[L->n - 1].page_ff > 0;
    unsigned pages = (by_ff ? L->lines[L->n - 1].page_ff : L->lines[L->n - 1].page_pn) + 1;
    if (pages < 2)
        return XK_OK;
    size_t max = (size_t)pages * 6;
    candidate *cand = malloc(max * sizeof *cand);
    if (!cand)
        return XK_ENOMEM;
    size_t n = collect_candidates(L, by_ff, cand, max);
    unsigned need = pages >= 3 ? pages - 1 : 2;
    for (size_t a = 0; a < n; a++) {
        unsigned seen = 1, last_page = cand[a].page;
        for (size_t b = 0; b < n; b++)
            if (b != a && cand[b].page != last_page && cand[b].page != cand[a].page &&
                strcmp(cand[a].text, cand[b].text) == 0) {
                seen++;
                last_page = cand[b].page;
            }
        if (seen >= need && L->lines[cand[a].line].action == A_KEEP)
            drop_running(L, cand[a].line);
    }
    free(cand);
    return XK_OK;
}

/* --- the pass ---------------------------------------------------------------------------------- */

static xk_status rewrite_lines(layout *L)
{
    xk_status st = XK_OK;
    for (size_t i = 0; i < L->n && st == XK_OK;) {
        unsigned char f = L->lines[i].flags;
        if (f & F_BOX) {
            i = box_table(L, i, &st);
            continue;
        }
        if (f & F_GAPS) {
            size_t next = column_table(L, i, &st);
            if (next != i + 1 || L->lines[i].action != A_KEEP) {
                i = next;
                continue;
            }
        }
        if ((f & F_COLONS) && L->lines[i].action == A_KEEP)
            st = split_labels(L, i);
        i++;
    }
    return st;
}

static xk_status write_out(layout *L, char **out, size_t *out_len)
{
    xk_buf b;
    xk_buf_init(&b);
    for (size_t i = 0; i < L->n; i++) {
        const span *sp = &L->lines[i];
        if (sp->action == A_REPLACE && sp->repl_len) /* empty: repl may hold nothing yet */
            xk_buf_append(&b, L->repl.data + sp->repl_off, sp->repl_len);
        else if (sp->action == A_KEEP)
            xk_buf_append(&b, L->text + sp->start, sp->end - sp->start);
        xk_buf_append(&b, L->text + sp->end, sp->term);
    }
    if (b.oom) {
        xk_buf_free(&b);
        return XK_ENOMEM;
    }
    *out_len = b.len;
    *out = xk_buf_take(&b);
    if (!*out)
        *out = calloc(1, 1);
    return *out ? XK_OK : XK_ENOMEM;
}

static xk_status notes(layout *L)
{
    if (!L->running)
        return XK_OK;
    char count[24];
    snprintf(count, sizeof count, "%zu", L->running);
    const char *params[] = {count, L->running_text};
    return xk_licence_problem_params(L->lic, XK_SEV_WARNING, L->running_line,
                                     "problem.page_furniture", params, 2,
                                     "page furniture dropped: %zu line%s repeated at the top or "
                                     "foot of every page, such as \"%s\"",
                                     L->running, L->running == 1 ? "" : "s", L->running_text);
}

xk_status xk_layout_rewrite(const char *text, size_t len, xk_licence *lic, char **out,
                         size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    layout L;
    memset(&L, 0, sizeof L);
    L.text = text;
    L.lic = lic;
    xk_buf_init(&L.repl);
    xk_status st = scan_lines(&L, len);
    bool any = false, paged = false;
    for (size_t i = 0; st == XK_OK && i < L.n; i++) {
        any |= (L.lines[i].flags & (F_BOX | F_GAPS | F_COLONS | F_PAGENO)) != 0;
        paged |= L.lines[i].page_ff > 0;
    }
    if (st == XK_OK && !L.over && (any || paged)) {
        st = rewrite_lines(&L);
        if (st == XK_OK)
            st = running_lines(&L);
        if (st == XK_OK && L.changed)
            st = write_out(&L, out, out_len);
        if (st == XK_OK)
            st = notes(&L);
    }
    if (st == XK_EINVALID)
        st = XK_OK; /* recorded as an error problem on the record */
    xk_buf_free(&L.repl);
    free(L.lines);
    if (st != XK_OK) {
        free(*out);
        *out = NULL;
    }
    return st;
}
