/*
 * `xuke export [filters] [--format csv|json|jsonl]`: the registry, or a search of it, as
 * records (json, jsonl: what `xuke import` reads back) or as a table (csv: UTF-8 with BOM,
 * CRLF, every field quoted, so Excel and WPS open it with Chinese intact; a field starting with
 * =, +, -, @, a tab or a carriage return gets a leading ', so no cell runs as a formula).
 */
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "query_opts.h"


typedef struct export_ctx {
    xk_store *st;
    const xk_status_table *statuses;
    const char *format;
    size_t n;
    xk_status rc;
    xk_error err;
} export_ctx;

/* A cell a spreadsheet would run as a formula (=, +, -, @, or a tab or carriage return first:
 * OWASP's list for CSV injection) gets a leading ' so Excel and WPS show it as text. */
static bool formula_like(const char *s)
{
    return *s && strchr("=+-@\t\r", *s) != NULL;
}

static void csv_field(const char *s, bool last)
{
    putchar('"');
    if (formula_like(s))
        putchar('\'');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    fputs(last ? "\"\r\n" : "\",", stdout);
}

/* Services or domains joined by ";", whole: a licence with thousands of websites gets a long
 * cell, never a cut one. False when memory ran out (nothing printed). */
static bool csv_list(const xk_licence *lic, bool domains)
{
    xk_buf b;
    xk_buf_init(&b);
    xk_buf_puts(&b, "");
    if (!domains)
        for (size_t i = 0; i < lic->n_services; i++)
            xk_buf_printf(&b, "%s%s", i ? ";" : "", lic->services[i].code);
    for (size_t w = 0; domains && w < lic->n_websites; w++)
        for (size_t k = 0; k < lic->websites[w].domains.len; k++)
            xk_buf_printf(&b, "%s%s", b.len ? ";" : "", lic->websites[w].domains.items[k]);
    bool ok = !b.oom;
    if (ok)
        csv_field(b.data, false);
    xk_buf_free(&b);
    return ok;
}

static bool csv_row(const xk_licence *lic, const xk_hit *h, xk_licence_status status)
{
    char a[16], b[16];
    csv_field(lic->number, false);
    csv_field(lic->company, false);
    csv_field(lic->legal_representative, false);
    csv_field(lic->region, false);
    csv_field(lic->category, false);
    csv_field(lic->issuer, false);
    csv_field(xk_date_format(lic->issued, a, sizeof a), false);
    csv_field(xk_date_format(lic->expires, b, sizeof b), false);
    csv_field(xk_status_name(status), false);
    if (!csv_list(lic, false) || !csv_list(lic, true))
        return false;
    csv_field(h->removed ? "removed" : "active", true);
    return true;
}

static bool on_hit(const xk_hit *h, void *vctx)
{
    export_ctx *c = vctx;
    if (strcmp(c->format, "csv") == 0) {
        xk_licence *lic;
        c->rc = xk_store_get(c->st, h->number, 0, &lic, NULL, &c->err);
        if (c->rc != XK_OK)
            return false;
        xk_licence_status status = h->removed ? XK_STATUS_REMOVED : XK_STATUS_VALID;
        xk_status_table_find(c->statuses, h->number, &status);
        bool ok = csv_row(lic, h, status);
        xk_licence_free(lic);
        if (!ok) {
            c->rc = xk_error_set(&c->err, XK_ENOMEM, 0, "out of memory writing %s", h->number);
            return false;
        }
    } else {
        char *json;
        c->rc = xk_store_get_json(c->st, h->number, 0, &json, NULL, &c->err);
        if (c->rc != XK_OK)
            return false;
        bool array = strcmp(c->format, "json") == 0;
        printf("%s%s%s", array ? (c->n ? ",\n  " : "  ") : "", json, array ? "" : "\n");
        free(json);
    }
    c->n++;
    return true;
}

int cmd_export(int argc, char **argv)
{
    query_opts o = {.format = "jsonl"};
    int rc = query_opts_parse(argc, argv, &o, &query_export_spec);
    if (rc != CLI_GO)
        return rc;
    rc = EXIT_OK;
    xk_store *st = cli_open_store(o.db);
    if (!st)
        return EXIT_FAIL;
    xk_status_table statuses = {0};
    bool csv = strcmp(o.format, "csv") == 0;
    if (csv && !query_status_table(st, &o, &statuses)) {
        xk_store_close(st);
        return EXIT_FAIL;
    }
    export_ctx c = {st, &statuses, o.format, 0, XK_OK, {0}};
    /* status: the licence's status as of --as-of, the word `xuke status` gives; record_state:
     * the registry's own active/removed (the "status" column before the two were told apart) */
    if (csv)
        fputs("\xEF\xBB\xBF\"number\",\"company\",\"legal_representative\",\"region\","
              "\"category\",\"issuer\",\"issued\",\"expires\",\"status\",\"services\","
              "\"domains\",\"record_state\"\r\n",
              stdout);
    else if (strcmp(o.format, "json") == 0)
        fputs("[\n", stdout);
    xk_error err;
    xk_status s = xk_store_search(st, &o.q, on_hit, &c, &err);
    if (strcmp(o.format, "json") == 0)
        fputs("\n]\n", stdout);
    if (s != XK_OK)
        rc = cli_store_error(&err);
    else if (c.rc != XK_OK)
        rc = cli_store_error(&c.err);
    fflush(stdout);
    size_t total = c.n;
    if (rc == EXIT_OK && o.q.limit && c.n == o.q.limit &&
        xk_store_search_count(st, &o.q, &total, &err) != XK_OK)
        rc = cli_store_error(&err);
    if (total > c.n)
        fprintf(stderr, "exported %zu of %zu licences (--limit cut the rest)\n", c.n, total);
    else
        fprintf(stderr, "exported %zu licences\n", c.n);
    xk_status_table_free(&statuses);
    xk_store_close(st);
    return rc;
}
