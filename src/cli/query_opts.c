/*
 * The filter options that `search` and `export` share, parsed into an xk_query.
 */
#include <stdlib.h>
#include <string.h>

#include "query_opts.h"

#define FILTERS                                                                                \
    CLI_OPT_DB, {"company", 'C', "TEXT", "company name contains TEXT", 0},                     \
        {"domain", 'D', "HOST", "a website of the licence covers HOST", 0},                    \
        {"service", 's', "CODE", "holds catalogue service CODE (B11-B14, B21-B26)", 0},        \
        {"region", 'r', "R", "issued in province R (abbreviation or name)", 0},                \
        {"issuer", 'i', "NAME", "issued by NAME", 0},                                           \
        {"valid-on", 'v', "DATE", "valid on DATE", 0},                                          \
        {"expiring-within", 'e', "DAYS", "expires within DAYS of --as-of (0 to 36500)", 0},    \
        {"as-of", 'a', "DATE",                                                                 \
         "the day statuses and --expiring-within count from (default: today in China)", 0},   \
        CLI_OPT_CALENDAR,                                                                      \
        {"include-removed", 'R', NULL, "removed licences too", 0},                              \
        {"limit", 'l', "N", "at most N licences (1 to 100000000)", 0}

static const cli_opt search_options[] = {
    FILTERS, {"all", 'A', NULL, "every licence that matches: no limit", 0}, CLI_OPT_JSON, {0}};
static const cli_opt export_options[] = {
    FILTERS, {"format", 'f', "FORMAT", "csv, json or jsonl (default jsonl)", 0}, {0}};

const cli_spec query_search_spec = {
    "search",
    "xuke search [--db PATH] [WORD] [--company TEXT] [--domain HOST] [--service CODE]\n"
    "                   [--region R] [--issuer NAME] [--valid-on DATE] [--expiring-within DAYS]\n"
    "                   [--as-of DATE] [--include-removed] [--limit N|--all] [--json]",
    "Licences matching every filter given, each with its status as of --as-of: at most 100\n"
    "(XK_SEARCH_DEFAULT_LIMIT) unless --limit or --all; a list cut short says \"shown N of M\"\n"
    "on stderr (JSON: shown, total, truncated). A domain search says which website entry and\n"
    "service of the licence cover the host. A bare WORD searches domains when it is a host\n"
    "name (www.xiaohe.cn), else companies.",
    search_options};
const cli_spec query_export_spec = {
    "export", "xuke export [--db PATH] [--format csv|json|jsonl] [search filters...]",
    "The registry, or the licences matching the filters, as records (json, jsonl: what\n"
    "`xuke import` reads back) or as a table (csv: UTF-8 with BOM, for Excel and WPS; its\n"
    "status is each licence's status as of --as-of, the word `xuke status` gives).",
    export_options};

static bool option(int c, query_opts *o)
{
    long v;
    switch (c) {
    case 'd':
        o->db = optarg;
        return true;
    case 'c':
        o->calendar = optarg;
        return true;
    case 'A':
        o->all = true;
        o->q.limit = 0;
        return true;
    case 'C':
        o->q.company = optarg;
        return true;
    case 'D':
        o->q.domain = optarg;
        return true;
    case 's':
        if (!xk_service_by_code(optarg)) {
            fprintf(stderr, "xuke: --service %s is not a catalogue code (B11-B14, B21-B26)\n",
                    optarg);
            return false;
        }
        o->q.service = optarg;
        return true;
    case 'r':
        if (*optarg && !xk_region_by_abbr(optarg, strlen(optarg))) {
            const xk_region *r = xk_region_by_name(optarg, strlen(optarg));
            if (!r) {
                fprintf(stderr, "xuke: --region %s is not a province abbreviation or name\n",
                        optarg);
                return false;
            }
            o->q.region = r->abbr;
            return true;
        }
        o->q.region = optarg;
        return true;
    case 'i':
        o->q.issuer = optarg;
        return true;
    case 'v':
        return cli_parse_date(optarg, &o->q.valid_on, "--valid-on");
    case 'a':
        return cli_parse_date(optarg, &o->q.as_of, "--as-of");
    case 'e':
        if (!cli_parse_int(optarg, 0, 36500, &v, "--expiring-within"))
            return false;
        o->q.expiring_within = (int)v;
        return true;
    case 'l':
        if (!cli_parse_int(optarg, 1, 100000000, &v, "--limit"))
            return false;
        o->q.limit = (size_t)v;
        return true;
    case 'R':
        o->q.include_removed = true;
        return true;
    case 'j':
        o->format = "json";
        return true;
    case 'f':
        if (strcmp(optarg, "csv") && strcmp(optarg, "json") && strcmp(optarg, "jsonl")) {
            fprintf(stderr, "xuke: --format must be csv, json or jsonl\n");
            return false;
        }
        o->format = optarg;
        return true;
    default:
        return false;
    }
}

int query_opts_parse(int argc, char **argv, query_opts *o, const cli_spec *spec)
{
    xk_query_init(&o->q);
    o->q.as_of = cli_today();
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (!option(c, o))
            return EXIT_USAGE;
    }
    if (o->allow_word && argc - optind == 1 && !o->q.company && !o->q.domain) {
        /* `xuke search 小荷` or `xuke search www.xiaohe.cn`: what a person types first */
        const char *word = argv[optind++];
        char host[XK_MAX_HOST + 1];
        if (strchr(word, '.') && xk_host_normalise(word, host, sizeof host))
            o->q.domain = word;
        else
            o->q.company = word;
    }
    if (optind != argc)
        return cli_usage(spec);
    if (o->all && o->q.limit) {
        fprintf(stderr, "xuke: --all and --limit contradict each other: give one\n");
        return EXIT_USAGE;
    }
    return CLI_GO;
}

bool query_status_table(xk_store *st, const query_opts *o, xk_status_table *out)
{
    xk_calendar *cal = cli_load_calendar(o->calendar);
    if (!cal)
        return false;
    xk_error err;
    xk_status rc = xk_status_table_build(st, cal, o->q.as_of, out, &err);
    xk_calendar_free(cal);
    if (rc != XK_OK)
        cli_store_error(&err);
    return rc == XK_OK;
}
