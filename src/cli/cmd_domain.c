/*
 * `xuke domain HOST [--as-of DATE] [--json]`: the access provider's check, as the API's
 * GET /v1/domains/{host} answers it (xk_view_domain): every licence that covers the host, valid
 * ones first, and whether any of them is valid on the date. Exit 0 when a valid licence covers
 * the host, 1 when none does (covered or not), so a script can branch on it.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_domain(json_t *o)
{
    const char *host = json_string_value(json_object_get(o, "host"));
    const char *as_of = json_string_value(json_object_get(o, "as_of"));
    json_t *list = json_object_get(o, "licences");
    if (json_array_size(list) == 0) {
        printf("%s: no licence covers this host\n", host);
        return;
    }
    printf("%s: %s on %s\n", host,
           json_is_true(json_object_get(o, "valid")) ? "covered by a valid licence"
                                                     : "covered, but by no valid licence",
           as_of);
    size_t i;
    json_t *l;
    json_array_foreach(list, i, l) {
        json_t *w = json_object_get(l, "website");
        printf("  %-18s %-16s expires %s  %s\n", json_string_value(json_object_get(l, "number")),
               json_string_value(json_object_get(l, "status")),
               json_string_value(json_object_get(l, "expires")),
               json_string_value(json_object_get(l, "company")));
        printf("    website %lld \"%s\" (%s) under %s\n",
               (long long)json_integer_value(json_object_get(w, "index")),
               json_string_value(json_object_get(w, "name")),
               json_string_value(json_object_get(w, "service")),
               json_string_value(json_object_get(w, "domain")));
    }
    if (json_is_true(json_object_get(o, "more")))
        printf("  … and more licences than the %u listed\n", XK_MAX_HOST_LICENCES);
}

static const cli_opt options[] = {
    CLI_OPT_DB,
    CLI_OPT_CALENDAR,
    {"as-of", 'a', "DATE", "the date validity is judged on (default: today in China)", 0},
    CLI_OPT_JSON,
    {0}};
static const cli_spec spec = {
    "domain", "xuke domain [--db PATH] [--calendar FILE] [--as-of DATE] [--json] HOST",
    "Which licences cover HOST, and whether one of them is valid (an access check).", options};

int cmd_domain(int argc, char **argv)
{
    const char *db = NULL, *calendar = NULL;
    xk_date as_of = cli_today();
    bool json = false, ok = true;
    int c;
    optind = 1;
    while (ok && (c = cli_next_opt(argc, argv, &spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        else if (c == 'd')
            db = optarg;
        else if (c == 'c')
            calendar = optarg;
        else if (c == 'a')
            ok = cli_parse_date(optarg, &as_of, "--as-of");
        else if (c == 'j')
            json = true;
    }
    if (!ok)
        return EXIT_USAGE;
    if (optind != argc - 1)
        return cli_usage(&spec);
    char host[XK_MAX_HOST + 1];
    if (!xk_host_normalise(argv[optind], host, sizeof host)) {
        fprintf(stderr, "error: \"%s\" is not a host name\n", argv[optind]);
        return EXIT_USAGE;
    }
    xk_calendar *cal = cli_load_calendar(calendar);
    if (!cal)
        return EXIT_FAIL;
    xk_store *st = cli_open_store(db);
    if (!st) {
        xk_calendar_free(cal);
        return EXIT_FAIL;
    }
    json_t *o;
    xk_error err;
    int rc;
    if (xk_view_domain(st, cal, host, as_of, &o, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else {
        rc = json_is_true(json_object_get(o, "valid")) ? EXIT_OK : EXIT_FAIL;
        if (json)
            cli_print_json(o);
        else {
            print_domain(o);
            json_decref(o);
        }
    }
    xk_store_close(st);
    xk_calendar_free(cal);
    return rc;
}
