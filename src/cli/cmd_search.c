/*
 * `xuke search [filters] [--limit N] [--json]`: licences matching every filter given. A domain
 * search says which website entry and service of the licence cover the host.
 */
#include <stdlib.h>
#include <string.h>

#include "query_opts.h"


typedef struct search_out {
    bool json;
    json_t *array;
    size_t n;
    const xk_status_table *statuses;
} search_out;

static bool on_hit(const xk_hit *h, void *ctx)
{
    search_out *o = ctx;
    o->n++;
    xk_licence_status status = h->removed ? XK_STATUS_REMOVED : XK_STATUS_VALID;
    xk_status_table_find(o->statuses, h->number, &status);
    if (o->json) {
        json_array_append_new(o->array, xk_view_hit(h, status));
        return true;
    }
    printf("%-18s %-16s %s → %s  %s\n", h->number, xk_status_name(status), h->issued, h->expires,
           h->company);
    if (h->website_index >= 0)
        printf("    covers it: %s, website %d \"%s\" under %s\n", h->matched_domain,
               h->website_index + 1, h->website_name, h->website_service);
    return true;
}

int cmd_search(int argc, char **argv)
{
    query_opts o = {.format = "text", .allow_word = true};
    int rc = query_opts_parse(argc, argv, &o, &query_search_spec);
    if (rc != CLI_GO)
        return rc;
    rc = EXIT_OK;
    if (!o.q.limit && !o.all)
        o.q.limit = XK_SEARCH_DEFAULT_LIMIT;
    xk_store *st = cli_open_store(o.db);
    if (!st)
        return EXIT_FAIL;
    xk_status_table statuses;
    if (!query_status_table(st, &o, &statuses)) {
        xk_store_close(st);
        return EXIT_FAIL;
    }
    search_out out = {strcmp(o.format, "json") == 0, json_array(), 0, &statuses};
    xk_error err;
    size_t total = 0;
    if (xk_store_search(st, &o.q, on_hit, &out, &err) != XK_OK ||
        (o.q.limit && out.n == o.q.limit && xk_store_search_count(st, &o.q, &total, &err) != XK_OK)) {
        rc = cli_store_error(&err);
    } else {
        /* never a silent cut: a page that stops short says so, here and in the JSON */
        if (total < out.n)
            total = out.n;
        if (out.json) {
            char d[16];
            cli_print_json(json_pack("{s:O, s:I, s:I, s:b, s:s}", "licences", out.array,
                                     "shown", (json_int_t)out.n, "total", (json_int_t)total,
                                     "truncated", total > out.n, "as_of",
                                     xk_date_format(o.q.as_of, d, sizeof d)));
        } else if (out.n == 0) {
            printf("no licence matches\n");
        }
        if (total > out.n)
            fprintf(stderr, "xuke search: shown %zu of %zu licences (--limit N or --all for the "
                            "rest)\n",
                    out.n, total);
    }
    json_decref(out.array);
    xk_status_table_free(&statuses);
    xk_store_close(st);
    return rc;
}
