/*
 * `xuke sites check [--licence N | --all] [--json] [--connect-to HOST:PORT:ADDRESS:PORT]…
 * [--allow-private] [--timeout S] [--max-size BYTES] [--concurrency N]`: fetches each licensed
 * website's homepage and records whether it shows the licence number (provision 二), another
 * licence's number or none, and its ICP filing number. `xuke sites history [--licence N]
 * [--latest] [--json]`: what earlier checks found, newest first.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xuke/sites.h"

static const cli_opt check_options[] = {
    CLI_OPT_DB,
    {"licence", 'n', "N", "check licence N's websites", 0},
    {"all", 'a', NULL, "check every licence's websites", 0},
    CLI_OPT_JSON,
    {"connect-to", 'c', "HOST:PORT:ADDRESS:PORT",
     "as curl's: connect to ADDRESS:PORT for HOST:PORT (that\n"
     "                             address is then allowed even when private); repeatable",
     0},
    {"allow-private", 'p', NULL, "connect to private, loopback and link-local addresses", 0},
    {"timeout", 't', "SECONDS", "per page, 1 to 600", 0},
    {"max-size", 's', "BYTES", "largest page read, 1 byte to 64M", 0},
    {"concurrency", 'k', "N", "pages fetched at once, 1 to 64", 0},
    {0}};
static const cli_spec check_spec = {
    "sites check",
    "xuke sites check [--db PATH] (--licence N | --all) [--json]\n"
    "                        [--connect-to HOST:PORT:ADDRESS:PORT]... [--allow-private]\n"
    "                        [--timeout SECONDS] [--max-size BYTES] [--concurrency N]",
    "Fetches each licensed website's homepage and checks that it shows the licence number.",
    check_options};
static const cli_opt history_options[] = {
    CLI_OPT_DB,
    {"licence", 'n', "N", "only licence N", 0},
    {"latest", 'l', NULL, "only each website's latest check", 0},
    CLI_OPT_JSON,
    {0}};
static const cli_spec history_spec = {
    "sites history", "xuke sites history [--db PATH] [--licence N] [--latest] [--json]",
    "The homepage checks made so far.", history_options};
static const cli_opt no_options[] = {{0}};
static const cli_spec sites_spec = {
    "sites",
    "xuke sites check [--db PATH] (--licence N | --all) [--json] [options]\n"
    "       xuke sites history [--db PATH] [--licence N] [--latest] [--json]",
    "Checks that each licensed website's homepage shows the licence number. `xuke sites\n"
    "SUBCOMMAND --help` describes each subcommand.",
    no_options};

static void print_check(const xk_site_check *c, bool json)
{
    if (json) {
        json_t *o = xk_view_site_check(c);
        char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (line)
            printf("%s\n", line);
        free(line);
        json_decref(o);
        return;
    }
    printf("%s %s: %s%s%s%s%s  %s\n", c->number, c->host, c->result,
           *c->found_number ? " " : "", c->found_number, *c->detail ? " — " : "", c->detail,
           c->url);
    printf("    ICP filing: %s; checked %s%s%s\n", *c->icp_filing ? c->icp_filing : "not shown",
           c->checked_at, *c->changed_at ? ", result since " : "", c->changed_at);
}

static bool on_check(const xk_site_check *c, void *ctx)
{
    print_check(c, *(bool *)ctx);
    fflush(stdout);
    return true;
}

typedef struct check_opts {
    const char *db;
    char number[64];
    bool all, json;
    xk_site_options site;
} check_opts;

static bool check_option(int c, check_opts *o)
{
    long v;
    size_t size;
    switch (c) {
    case 'd':
        o->db = optarg;
        return true;
    case 'n':
        return cli_number_arg(optarg, o->number, sizeof o->number);
    case 'a':
        o->all = true;
        return true;
    case 'j':
        o->json = true;
        return true;
    case 'c':
        if (o->site.n_connect_to == XK_SITE_MAX_CONNECT_TO) {
            fprintf(stderr, "xuke: more than %d --connect-to rules\n", XK_SITE_MAX_CONNECT_TO);
            return false;
        }
        o->site.connect_to[o->site.n_connect_to++] = optarg;
        return true;
    case 'p':
        o->site.allow_private = true;
        return true;
    case 't':
        return cli_parse_int(optarg, 1, 600, &v, "--timeout") && (o->site.timeout_seconds = v, 1);
    case 's':
        if (!cli_parse_size(optarg, &size) || size == 0 || size > 64u * 1024 * 1024) {
            fprintf(stderr, "xuke: --max-size must be 1 byte to 64M\n");
            return false;
        }
        o->site.max_bytes = size;
        return true;
    case 'k':
        return cli_parse_int(optarg, 1, 64, &v, "--concurrency") &&
               (o->site.concurrency = (unsigned)v, 1);
    default:
        return false;
    }
}

static int sites_check(int argc, char **argv)
{
    check_opts o;
    memset(&o, 0, sizeof o);
    xk_site_options_init(&o.site);
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &check_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (!check_option(c, &o))
            return EXIT_USAGE;
    }
    if (optind != argc || o.all == (*o.number != '\0'))
        return cli_usage(&check_spec);
    xk_store *st = cli_open_store(o.db);
    if (!st)
        return EXIT_FAIL;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_sites_check(st, &o.site, o.all ? NULL : o.number, on_check, &o.json, &err) != XK_OK)
        rc = cli_store_error(&err);
    xk_store_close(st);
    return rc;
}

static int sites_history(int argc, char **argv)
{
    const char *db = NULL;
    char number[64] = "";
    bool latest = false, json = false;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &history_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        else if (c == 'd')
            db = optarg;
        else if (c == 'n' && !cli_number_arg(optarg, number, sizeof number))
            return EXIT_USAGE;
        else if (c == 'l')
            latest = true;
        else if (c == 'j')
            json = true;
    }
    if (optind != argc)
        return cli_usage(&history_spec);
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_site_check *checks;
    size_t n;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_store_site_checks(st, *number ? number : NULL, latest, 0, &checks, &n, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else {
        for (size_t i = 0; i < n; i++)
            print_check(&checks[i], json);
        free(checks);
    }
    xk_store_close(st);
    return rc;
}

int cmd_sites(int argc, char **argv)
{
    static const cli_subcommand subs[] = {
        {"check", sites_check},
        {"history", sites_history},
    };
    return cli_run_subcommand(argc, argv, subs, sizeof subs / sizeof subs[0], &sites_spec);
}
