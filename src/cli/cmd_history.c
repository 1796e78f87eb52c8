/*
 * `xuke history NUMBER [--json] [--db PATH]`: every version of a licence, oldest first, with
 * when and by whom it was imported and the document it came from.
 */
#include <stdlib.h>

#include "cli.h"

static const cli_opt options[] = {CLI_OPT_DB, CLI_OPT_JSON, {0}};
static const cli_spec spec = {
    "history", "xuke history [--db PATH] [--json] NUMBER",
    "Every version of licence NUMBER, oldest first: when and by whom it was imported and the\n"
    "SHA-256 of the document it came from.",
    options};

int cmd_history(int argc, char **argv)
{
    const char *db = NULL;
    bool json = false;
    char number[64];
    int go = cli_db_options(argc, argv, &spec, &db, &json);
    if (go != CLI_GO)
        return go;
    if (optind != argc - 1)
        return cli_usage(&spec);
    if (!cli_number_arg(argv[optind], number, sizeof number))
        return EXIT_USAGE;
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_error err;
    xk_version_info *v;
    size_t n;
    int rc = EXIT_OK;
    if (xk_store_history(st, number, &v, &n, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else if (json) {
        cli_print_json(xk_view_history(v, n));
    } else {
        printf("%s: %zu version%s\n", number, n, n == 1 ? "" : "s");
        char when[40];
        for (size_t i = 0; i < n; i++)
            printf("  v%-3d %s  %-12s source %.16s…\n", v[i].version,
                   xk_view_time(v[i].imported_at, when, sizeof when), v[i].actor,
                   v[i].source_sha256);
    }
    free(v);
    xk_store_close(st);
    return rc;
}
