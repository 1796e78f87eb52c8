/*
 * Published lists: the format dispatch (XLSX by its zip signature, then CSV or a notice's text),
 * the checks every entry passes whatever its format (credit code per GB 32100-2015, licence
 * number, date, field limits), storing a parsed list as a new version, and the cross-check of
 * every licence. Reading each format is in list_table.c (CSV and tables), list_xlsx.c and
 * list_notice.c; matching is the store's (checks_store.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "xuke/date.h"
#include "xuke/licence.h"
#include "xuke/limits.h"
#include "xuke/text.h"

void xk_list_free(xk_list *list)
{
    free(list->entries);
    free(list->notes);
    memset(list, 0, sizeof *list);
}

/* --- unified social credit codes (GB 32100-2015) ------------------------------------------- */

static const char credit_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int credit_value(char c)
{
    const char *p = c ? strchr(credit_alphabet, c) : NULL;
    return p ? (int)(p - credit_alphabet) : -1;
}

bool xk_credit_code_valid(const char *code, size_t len)
{
    if (len != XK_CREDIT_CODE_LEN)
        return false;
    int sum = 0, weight = 1;
    for (size_t i = 0; i < XK_CREDIT_CODE_LEN - 1; i++) {
        int v = credit_value(code[i]);
        if (v < 0)
            return false;
        sum += v * weight;
        weight = weight * 3 % 31;
    }
    int check = (31 - sum % 31) % 31;
    return credit_value(code[XK_CREDIT_CODE_LEN - 1]) == check;
}

/* --- entries --------------------------------------------------------------------------------- */

xk_list_entry *xk_list_add(xk_list *l, int line, xk_error *err)
{
    if (l->n >= XK_MAX_LIST_ENTRIES) {
        xk_error_set(err, XK_ETOOBIG, line, "more than %u entries in one list",
                     XK_MAX_LIST_ENTRIES);
        return NULL;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        xk_list_entry *grown = realloc(l->entries, cap * sizeof *grown);
        if (!grown) {
            xk_error_set(err, XK_ENOMEM, line, "out of memory");
            return NULL;
        }
        l->entries = grown;
        l->cap = cap;
    }
    xk_list_entry *e = &l->entries[l->n++];
    memset(e, 0, sizeof *e);
    e->line = line;
    return e;
}

static xk_status add_note(xk_list *l, int line, const char *message)
{
    if (l->n_notes == l->cap_notes) {
        size_t cap = l->cap_notes ? l->cap_notes * 2 : 8;
        xk_list_note *grown = realloc(l->notes, cap * sizeof *grown);
        if (!grown)
            return XK_ENOMEM;
        l->notes = grown;
        l->cap_notes = cap;
    }
    xk_list_note *n = &l->notes[l->n_notes++];
    n->line = line;
    snprintf(n->message, sizeof n->message, "%s", message);
    return XK_OK;
}

/* value[0..] without the white space around it, in dst; a longer value is an error. */
xk_status xk_entry_field(char *dst, size_t size, const char *value, int line, const char *what,
                      xk_error *err)
{
    size_t len = strlen(value);
    while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    while (len && (*value == ' ' || *value == '\t')) {
        value++;
        len--;
    }
    if (len >= size)
        return xk_error_set(err, XK_ETOOBIG, line, "%s is longer than %zu bytes", what, size - 1);
    memcpy(dst, value, len);
    dst[len] = '\0';
    return XK_OK;
}

xk_status xk_entry_number(xk_list_entry *e, const char *value, xk_error *err)
{
    size_t len = strlen(value);
    if (len == 0 || strspn(value, " \t") == len)
        return XK_OK;
    xk_number n;
    if (!xk_number_normalise(value, len, &n))
        return xk_error_set(err, XK_EINVALID, e->line,
                            "licence number \"%.80s\" is not one (e.g. 京B2-20224676)", value);
    snprintf(e->number, sizeof e->number, "%s", n.text);
    return XK_OK;
}

xk_status xk_entry_credit_code(xk_list *l, xk_list_entry *e, const char *value, xk_error *err)
{
    char code[64];
    size_t k = 0;
    for (const char *p = value; *p; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        if (k + 1 >= sizeof code)
            return xk_error_set(err, XK_EINVALID, e->line,
                                "credit code \"%.40s…\" is longer than 18 characters", value);
        code[k++] = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
    }
    code[k] = '\0';
    if (k == 0)
        return XK_OK;
    char msg[384];
    if (xk_credit_code_valid(code, k)) {
        memcpy(e->credit_code, code, XK_CREDIT_CODE_LEN + 1); /* valid: k is 18, NUL after */
        e->credit_code_valid = true;
        return XK_OK;
    }
    if (k == XK_CREDIT_CODE_LEN) {
        memcpy(e->credit_code, code, XK_CREDIT_CODE_LEN + 1); /* k is 18: NUL after */
        snprintf(msg, sizeof msg, "credit code %s has a wrong check character "
                                  "(GB 32100-2015): kept, not matched on", code);
    } else {
        size_t cut = xk_utf8_cut(code, k, 40);
        snprintf(msg, sizeof msg, "credit code \"%.*s\" is not 18 characters of 0-9 A-Y "
                                  "(GB 32100-2015): not kept, not matched on", (int)cut, code);
    }
    if (add_note(l, e->line, msg) != XK_OK)
        return xk_error_set(err, XK_ENOMEM, e->line, "out of memory");
    return XK_OK;
}

/* 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日 */
static bool date_text(const char *s, xk_date *out)
{
    int part[3] = {0, 0, 0}, k = 0, digits = 0;
    const char *p = s;
    while (*p && k < 3) {
        if (*p >= '0' && *p <= '9') {
            if (++digits > 4)
                return false;
            part[k] = part[k] * 10 + (*p - '0');
            p++;
            continue;
        }
        if (digits == 0)
            return false;
        size_t sep = strchr("-/.", *p) ? 1 : xk_starts_with(p, strlen(p), "年") ? 3
                     : xk_starts_with(p, strlen(p), "月") ? 3 : xk_starts_with(p, strlen(p), "日") ? 3 : 0;
        if (sep == 0)
            return false;
        p += sep;
        k++;
        digits = 0;
    }
    if (k == 2 && digits)
        k = 3;
    if (k != 3 || (*p && strcmp(p, "日") != 0) || !xk_date_valid(part[0], part[1], part[2]))
        return false;
    out->year = part[0];
    out->month = part[1];
    out->day = part[2];
    return true;
}

/* Excel stores a date as days since 1899-12-30. */
static bool excel_serial(const char *s, xk_date *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v < 1 || v > 2958465)
        return false;
    *out = xk_date_from_days((long)v - 25569);
    return true;
}

xk_status xk_entry_date(xk_list_entry *e, const char *value, bool excel, xk_error *err)
{
    char text[64];
    if (xk_entry_field(text, sizeof text, value, e->line, "date", err) != XK_OK)
        return err ? err->code : XK_ETOOBIG;
    if (!*text)
        return XK_OK;
    /* a date cell openpyxl and Excel write as a date-time */
    char *t = strchr(text, 'T');
    if (!t)
        t = strchr(text, ' ');
    if (t && t - text == 10)
        *t = '\0';
    xk_date d;
    if (!date_text(text, &d) && !(excel && excel_serial(text, &d)))
        return xk_error_set(err, XK_EINVALID, e->line,
                            "date \"%s\" is not one (YYYY-MM-DD, YYYY/M/D, YYYY年M月D日)", text);
    xk_date_format(d, e->date, sizeof e->date);
    return XK_OK;
}

xk_status xk_entry_done(const xk_list_entry *e, xk_error *err)
{
    if (!*e->company && !*e->number && !*e->credit_code)
        return xk_error_set(err, XK_EINVALID, e->line,
                            "the entry names no company, licence number or credit code");
    return XK_OK;
}

/* --- formats --------------------------------------------------------------------------------- */

static bool is_xlsx(const char *bytes, size_t len)
{
    return len >= 4 && memcmp(bytes, "PK\x03\x04", 4) == 0;
}

static xk_status parse_table(list_table *t, bool excel, const char *format, xk_list *out,
                             xk_error *err)
{
    out->format = format;
    return xk_table_entries(t, excel, out, err);
}

static xk_status parse_text(const char *bytes, size_t len, xk_list *out, xk_error *err)
{
    char *text;
    size_t tlen;
    xk_encoding enc;
    xk_status rc = xk_text_decode(bytes, len, &text, &tlen, &enc, err);
    if (rc != XK_OK)
        return rc;
    list_table t = {NULL, 0, 0};
    /* a table copied from a page has tabs between its cells; a CSV has commas */
    static const char seps[] = {'\t', ','};
    for (size_t i = 0; i < sizeof seps && rc == XK_OK; i++) {
        if (!memchr(text, seps[i], tlen))
            continue;
        xk_error table_err;
        xk_error_clear(&table_err);
        xk_table_free(&t);
        xk_status read = xk_csv_read(text, tlen, seps[i], &t, &table_err);
        if (xk_table_has_header(&t)) {
            /* a table with its header: a malformed row below it is that table's error */
            if (read != XK_OK) {
                if (err)
                    *err = table_err;
                rc = read;
            } else {
                rc = parse_table(&t, false, seps[i] == ',' ? "csv" : "notice", out, err);
            }
            xk_table_free(&t);
            free(text);
            return rc;
        }
    }
    xk_table_free(&t);
    out->format = "notice";
    rc = xk_notice_entries(text, tlen, out, err);
    free(text);
    return rc;
}

xk_status xk_list_parse(const char *bytes, size_t len, xk_list *out, xk_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > XK_MAX_LIST_BYTES)
        return xk_error_set(err, XK_ETOOBIG, 0, "the list is larger than %u bytes",
                            XK_MAX_LIST_BYTES);
    xk_status rc;
    if (is_xlsx(bytes, len)) {
        list_table t = {NULL, 0, 0};
        rc = xk_xlsx_read(bytes, len, &t, err);
        if (rc == XK_OK)
            rc = parse_table(&t, true, "xlsx", out, err);
        xk_table_free(&t);
    } else {
        rc = parse_text(bytes, len, out, err);
    }
    if (rc == XK_OK && out->n == 0)
        rc = xk_error_set(err, XK_EEMPTY, 0, "the list has no entries");
    if (rc != XK_OK)
        xk_list_free(out);
    return rc;
}

xk_status xk_list_import(xk_store *st, xk_list_kind kind, const char *source,
                         const char *published, const char *bytes, size_t len, xk_list *list,
                         xk_list_info *info, xk_error *err)
{
    xk_date d;
    if (!xk_date_parse_iso(published, &d))
        return xk_error_set(err, XK_EUSAGE, 0, "the list's date \"%s\" is not YYYY-MM-DD",
                            published);
    if (!*source)
        return xk_error_set(err, XK_EUSAGE, 0, "a list needs its source (who published it)");
    xk_status rc = xk_list_parse(bytes, len, list, err);
    if (rc != XK_OK)
        return rc;
    unsigned char hash[crypto_hash_sha256_BYTES];
    char hex[XK_SHA256_HEX];
    crypto_hash_sha256(hash, (const unsigned char *)bytes, len);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    return xk_store_list_put(st, kind, source, published, list->format, hex, list->entries,
                             list->n, info, err);
}

/* --- the cross-check ------------------------------------------------------------------------- */

typedef struct check_walk {
    xk_store *st;
    xk_list_check_fn fn;
    void *ctx;
    xk_status rc;
    xk_error *err;
} check_walk;

static bool check_one(const xk_rules_row *row, void *ctx)
{
    check_walk *w = ctx;
    xk_list_match *m;
    size_t n;
    w->rc = xk_store_list_matches(w->st, row->number, &m, &n, w->err);
    if (w->rc != XK_OK)
        return false;
    bool go_on = n == 0 || w->fn(row->number, row->company, m, n, w->ctx);
    free(m);
    return go_on;
}

xk_status xk_lists_check(xk_store *st, xk_list_check_fn fn, void *ctx, xk_error *err)
{
    check_walk w = {st, fn, ctx, XK_OK, err};
    xk_status rc = xk_store_rules_scan(st, NULL, check_one, &w, err);
    return rc != XK_OK ? rc : w.rc;
}
