/*
 * `xuke get NUMBER [--version N] [--as-of DATE] [--json] [--db PATH]`: a licence as stored, with
 * its version, its status as of the date (the word `status` gives) and the SHA-256 of the source
 * document it came from. --source prints that document.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt options[] = {
    CLI_OPT_DB,
    {"version", 'v', "N", "that version (1 to 1000000; default: the current one)", 0},
    {"as-of", 'a', "DATE", "the date the status is computed for (default: today in China)", 0},
    CLI_OPT_CALENDAR,
    CLI_OPT_JSON,
    {"source", 's', NULL, "the document the record came from (for a scan: the text OCR read)", 0},
    {"original", 'o', NULL, "for a scan, the scanned file itself, byte for byte", 0},
    {0}};
static const cli_spec spec = {
    "get",
    "xuke get [--db PATH] [--version N] [--as-of DATE] [--calendar FILE]\n"
    "                [--json] [--source|--original] NUMBER",
    "Licence NUMBER as stored, with its version, its status as of a date (the word `xuke\n"
    "status` gives) and the SHA-256 of its source document.",
    options};

typedef struct get_opts {
    const xk_calendar *cal;
    xk_date as_of;
    int version;
} get_opts;

/* The stored record with the registry's facts added: version, status, source hash. */
static int print_json(xk_store *st, const char *number, const get_opts *g)
{
    xk_error err;
    json_t *o;
    if (xk_view_licence(st, g->cal, g->as_of, number, g->version, &o, &err) != XK_OK)
        return cli_store_error(&err);
    return cli_print_json(o);
}

/* The entries of current published lists that name the licence. */
static int print_lists(xk_store *st, const char *number)
{
    xk_list_match *m;
    size_t n;
    xk_error err;
    if (xk_store_list_matches(st, number, &m, &n, &err) != XK_OK)
        return cli_store_error(&err);
    for (size_t i = 0; i < n; i++)
        printf("  名单 On a list: %s \"%s\" v%d (%s) line %d: %s %s %s — matched on %s\n",
               m[i].kind, m[i].source, m[i].version, m[i].published, m[i].entry.line,
               m[i].entry.company, m[i].entry.date, m[i].entry.reason, m[i].matched_on);
    free(m);
    return EXIT_OK;
}

static int print_text(xk_store *st, const char *number, const get_opts *g)
{
    xk_error err;
    xk_licence_info info;
    xk_licence *lic;
    xk_licence_status status;
    if (xk_store_get(st, number, g->version, &lic, &info, &err) != XK_OK)
        return cli_store_error(&err);
    if (xk_status_of(st, g->cal, g->as_of, number, &status, &err) != XK_OK) {
        xk_licence_free(lic);
        return cli_store_error(&err);
    }
    char d[16], when[40];
    cli_print_summary(stdout, lic);
    if (!info.removed)
        printf("  状态 Status: %s as of %s\n", xk_status_name(status),
               xk_date_format(g->as_of, d, sizeof d));
    printf("  版本 Version: %d of %d, imported %s by %s\n", info.current.version, info.versions,
           xk_view_time(info.current.imported_at, when, sizeof when), info.current.actor);
    printf("  来源 Source document: sha256 %s\n", info.current.source_sha256);
    if (info.removed)
        printf("  状态 Status: REMOVED %s: %s\n",
               xk_view_time(info.removed_at, when, sizeof when), info.removed_reason);
    xk_licence_free(lic);
    return print_lists(st, number);
}

static int print_source(xk_store *st, const char *number, int version, bool original)
{
    xk_error err;
    xk_licence_info info;
    char *json;
    if (xk_store_get_json(st, number, version, &json, &info, &err) != XK_OK)
        return cli_store_error(&err);
    free(json);
    char *bytes, kind[8];
    size_t len;
    xk_status rc = original ? xk_store_original(st, info.current.source_sha256, 1, &bytes, &len,
                                                kind, NULL, &err)
                            : xk_store_source(st, info.current.source_sha256, &bytes, &len, kind,
                                              &err);
    if (rc == XK_ENOTFOUND && original) {
        fprintf(stderr, "xuke: %s was not imported from a scan: --source shows its document\n",
                number);
        return EXIT_FAIL;
    }
    if (rc != XK_OK)
        return cli_store_error(&err);
    fwrite(bytes, 1, len, stdout);
    free(bytes);
    return EXIT_OK;
}

int cmd_get(int argc, char **argv)
{
    const char *db = NULL, *calpath = NULL;
    long version = 0;
    get_opts g = {NULL, cli_today(), 0};
    bool json = false, source = false, original = false;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        else if (c == 'd')
            db = optarg;
        else if (c == 'v' && !cli_parse_int(optarg, 1, 1000000, &version, "--version"))
            return EXIT_USAGE;
        else if (c == 'j')
            json = true;
        else if (c == 's')
            source = true;
        else if (c == 'o')
            original = true;
        else if (c == 'c')
            calpath = optarg;
        else if (c == 'a' && !cli_parse_date(optarg, &g.as_of, "--as-of"))
            return EXIT_USAGE;
    }
    char number[64];
    if (optind != argc - 1)
        return cli_usage(&spec);
    if (!cli_number_arg(argv[optind], number, sizeof number))
        return EXIT_USAGE;
    g.version = (int)version;
    xk_calendar *cal = source || original ? NULL : cli_load_calendar(calpath);
    if (!source && !original && !cal)
        return EXIT_FAIL;
    g.cal = cal;
    xk_store *st = cli_open_store(db);
    int rc = !st                  ? EXIT_FAIL
             : source || original ? print_source(st, number, (int)version, original)
             : json               ? print_json(st, number, &g)
                                  : print_text(st, number, &g);
    xk_store_close(st);
    xk_calendar_free(cal);
    return rc;
}
