/*
 * The filter options that `search` and `export` share, parsed into an xk_query.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "query_opts.h"

static const struct option longopts[] = {
    {"db", required_argument, 0, 'd'},          {"company", required_argument, 0, 'c'},
    {"domain", required_argument, 0, 'D'},      {"service", required_argument, 0, 's'},
    {"region", required_argument, 0, 'r'},      {"issuer", required_argument, 0, 'i'},
    {"valid-on", required_argument, 0, 'v'},    {"expiring-within", required_argument, 0, 'e'},
    {"as-of", required_argument, 0, 'a'},       {"limit", required_argument, 0, 'l'},
    {"include-removed", no_argument, 0, 'R'},   {"json", no_argument, 0, 'j'},
    {"format", required_argument, 0, 'f'},      {"help", no_argument, 0, 'h'},
    {"calendar", required_argument, 0, 'C'},    {"all", no_argument, 0, 'A'},
    {0, 0, 0, 0}};

static bool option(int c, query_opts *o)
{
    long v;
    switch (c) {
    case 'd':
        o->db = optarg;
        return true;
    case 'C':
        o->calendar = optarg;
        return true;
    case 'A':
        o->all = true;
        o->q.limit = 0;
        return true;
    case 'c':
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
        if (!o->allow_format || (strcmp(optarg, "csv") && strcmp(optarg, "json") &&
                                 strcmp(optarg, "jsonl"))) {
            fprintf(stderr, "xuke: --format must be csv, json or jsonl\n");
            return false;
        }
        o->format = optarg;
        return true;
    default:
        return false;
    }
}

int query_opts_parse(int argc, char **argv, query_opts *o, const char *usage)
{
    xk_query_init(&o->q);
    o->q.as_of = cli_today();
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return -1;
        }
        if (!option(c, o)) {
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
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
    if (optind != argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (o->all && o->q.limit) {
        fprintf(stderr, "xuke: --all and --limit contradict each other: give one\n");
        return EXIT_USAGE;
    }
    return EXIT_OK;
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
