/*
 * `xuke sites check [--licence N | --all] [--json] [--connect-to HOST:PORT:ADDRESS:PORT]…
 * [--allow-private] [--timeout S] [--max-size BYTES] [--concurrency N]`: fetches each licensed
 * website's homepage and records whether it shows the licence number (provision 二), another
 * licence's number or none, and its ICP filing number. `xuke sites history [--licence N]
 * [--latest] [--json]`: what earlier checks found, newest first.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xuke/sites.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: xuke sites check [--db PATH] (--licence N | --all) [--json]\n"
            "                        [--connect-to HOST:PORT:ADDRESS:PORT]... [--allow-private]\n"
            "                        [--timeout SECONDS] [--max-size BYTES] [--concurrency N]\n"
            "       xuke sites history [--db PATH] [--licence N] [--latest] [--json]\n"
            "  --connect-to     as curl's: connect to ADDRESS:PORT for HOST:PORT (its address is\n"
            "                   then allowed even when private)\n"
            "  --allow-private  connect to private, loopback and link-local addresses\n");
}

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
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},          {"licence", required_argument, 0, 'n'},
        {"all", no_argument, 0, 'a'},               {"json", no_argument, 0, 'j'},
        {"connect-to", required_argument, 0, 'c'},  {"allow-private", no_argument, 0, 'p'},
        {"timeout", required_argument, 0, 't'},     {"max-size", required_argument, 0, 's'},
        {"concurrency", required_argument, 0, 'k'}, {0, 0, 0, 0}};
    check_opts o;
    memset(&o, 0, sizeof o);
    xk_site_options_init(&o.site);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
        if (!check_option(c, &o)) {
            usage(stderr);
            return EXIT_USAGE;
        }
    if (optind != argc || o.all == (*o.number != '\0')) {
        usage(stderr);
        return EXIT_USAGE;
    }
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
    static const struct option longopts[] = {{"db", required_argument, 0, 'd'},
                                             {"licence", required_argument, 0, 'n'},
                                             {"latest", no_argument, 0, 'l'},
                                             {"json", no_argument, 0, 'j'},
                                             {0, 0, 0, 0}};
    const char *db = NULL;
    char number[64] = "";
    bool latest = false, json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'n' && cli_number_arg(optarg, number, sizeof number))
            continue;
        else if (c == 'l')
            latest = true;
        else if (c == 'j')
            json = true;
        else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
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
    return cli_run_subcommand(argc, argv, subs, sizeof subs / sizeof subs[0], usage);
}
