/*
 * `xuke domain HOST [--as-of DATE] [--json]`: the access provider's check, as the API's
 * GET /v1/domains/{host} answers it (xk_view_domain): every licence that covers the host, valid
 * ones first, and whether any of them is valid on the date. Exit 0 when a valid licence covers
 * the host, 1 when none does (covered or not), so a script can branch on it.
 */
#include <getopt.h>
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

int cmd_domain(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, 0, 'd'},
                                             {"calendar", required_argument, 0, 'c'},
                                             {"as-of", required_argument, 0, 'a'},
                                             {"json", no_argument, 0, 'j'},
                                             {0, 0, 0, 0}};
    const char *db = NULL, *calendar = NULL;
    xk_date as_of = cli_today();
    bool json = false, ok = true;
    int c;
    optind = 1;
    while (ok && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'c')
            calendar = optarg;
        else if (c == 'a')
            ok = cli_parse_date(optarg, &as_of, "--as-of");
        else if (c == 'j')
            json = true;
        else
            ok = false;
    }
    if (!ok || optind != argc - 1) {
        fprintf(stderr, "usage: xuke domain [--db PATH] [--calendar FILE] [--as-of DATE] "
                        "[--json] HOST\n");
        return EXIT_USAGE;
    }
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
