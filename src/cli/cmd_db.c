/*
 * `xuke db migrate [--db LOCATION]`: creates or upgrades a store's schema (a SQLite file or a
 * PostgreSQL database), versioned, in one transaction, and says which version it is at.
 * `xuke db copy --from A --to B`: a whole registry moved between stores, either direction, and
 * verified before it is kept (xk_store_copy). Locations are shown with any password hidden.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt migrate_options[] = {CLI_OPT_DB, {0}};
static const cli_spec migrate_spec = {
    "db migrate", "xuke db migrate [--db LOCATION]",
    "Creates the store's schema, or brings it to this version of xuke, in one transaction.\n"
    "LOCATION is a file, a postgresql:// URI or a libpq key=value string (passwords: the URI,\n"
    "PGPASSFILE or ~/.pgpass).",
    migrate_options};
static const cli_opt copy_options[] = {
    {"from", 'f', "LOCATION", "the store to copy (required)", 0},
    {"to", 't', "LOCATION", "a new or empty store to copy into (required)", 0},
    {0}};
static const cli_spec copy_spec = {
    "db copy", "xuke db copy --from LOCATION --to LOCATION",
    "Copies a whole registry (licences, versions, sources, scans, events, tokens, lists, site\n"
    "checks and the audit log) between stores, SQLite and PostgreSQL either way, into an empty\n"
    "one, and keeps it only when every table's count, the audit chain and its head verify.",
    copy_options};
static const cli_opt no_options[] = {{0}};
static const cli_spec db_spec = {
    "db",
    "xuke db migrate [--db LOCATION]\n"
    "       xuke db copy --from LOCATION --to LOCATION",
    "The store itself. `xuke db SUBCOMMAND --help` describes each subcommand.", no_options};

static int migrate(int argc, char **argv)
{
    const char *db = NULL;
    int go = cli_db_options(argc, argv, &migrate_spec, &db, NULL);
    if (go != CLI_GO)
        return go;
    if (optind != argc)
        return cli_usage(&migrate_spec);
    xk_store *st = cli_open_store_create(db);
    if (!st)
        return EXIT_FAIL;
    printf("%s: schema version %d\n", cli_db_shown(db), xk_store_schema_version(st));
    xk_store_close(st);
    return EXIT_OK;
}

static xk_store *open_named(const char *location, bool create)
{
    xk_store *st;
    xk_error err;
    xk_error_clear(&err);
    xk_status rc = create ? xk_store_open(location, &st, &err)
                          : xk_store_open_existing(location, &st, &err);
    if (rc != XK_OK) {
        fprintf(stderr, "xuke db copy: %s\n", err.message);
        return NULL;
    }
    xk_store_set_actor(st, "xuke db copy");
    return st;
}

static int copy(int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &copy_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (c == 'f')
            from = optarg;
        else if (c == 't')
            to = optarg;
        else
            return cli_usage(&copy_spec);
    }
    if (optind != argc || !from || !to || !*from || !*to)
        return cli_usage(&copy_spec);
    char shown_from[1024], shown_to[1024];
    xk_store_location_shown(from, shown_from, sizeof shown_from);
    xk_store_location_shown(to, shown_to, sizeof shown_to);
    if (strcmp(from, to) == 0) {
        fprintf(stderr, "xuke db copy: --from and --to name the same store\n");
        return EXIT_USAGE;
    }
    xk_store *src = open_named(from, false);
    xk_store *dst = src ? open_named(to, true) : NULL;
    int rc = EXIT_FAIL;
    if (src && dst) {
        xk_copy_stats stats;
        xk_error err;
        xk_error_clear(&err);
        if (xk_store_copy(src, dst, &stats, &err) != XK_OK) {
            fprintf(stderr, "xuke db copy: %s → %s: %s\n", shown_from, shown_to, err.message);
        } else {
            printf("copied %s to %s: %zu rows in %zu tables; counts, audit chain (%zu entries) "
                   "and content verified, head %s\n",
                   shown_from, shown_to, stats.rows, stats.tables, stats.audit_entries,
                   *stats.head ? stats.head : "(empty)");
            rc = EXIT_OK;
        }
    }
    xk_store_close(dst);
    xk_store_close(src);
    return rc;
}

int cmd_db(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "migrate") == 0)
        return migrate(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "copy") == 0)
        return copy(argc - 1, argv + 1);
    return cli_no_subcommand(argc, argv, &db_spec);
}
