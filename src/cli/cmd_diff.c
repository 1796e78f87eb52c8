/*
 * `xuke diff NUMBER [V1 V2] [--json] [--db PATH]`: what changed between two versions (default:
 * the one before the current, and the current), field by field.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_value(json_t *v)
{
    if (json_is_string(v)) {
        printf("%s", json_string_value(v));
        return;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    printf("%s", s ? s : "?");
    free(s);
}

static void print_changes(json_t *changes)
{
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c)
    {
        const char *kind = json_string_value(json_object_get(c, "change"));
        const char *mark = kind[0] == 'a' ? "+" : kind[0] == 'r' ? "-" : "~";
        printf("  %s %s: ", mark, json_string_value(json_object_get(c, "field")));
        json_t *from = json_object_get(c, "from"), *to = json_object_get(c, "to");
        if (from)
            print_value(from);
        if (from && to)
            printf("  →  ");
        if (to)
            print_value(to);
        putchar('\n');
    }
}

static const cli_opt options[] = {CLI_OPT_DB, CLI_OPT_JSON, {0}};
static const cli_spec spec = {
    "diff", "xuke diff [--db PATH] [--json] NUMBER [V1 V2]",
    "What changed in licence NUMBER between versions V1 and V2, field by field (default: the\n"
    "version before the current one, and the current one).",
    options};

int cmd_diff(int argc, char **argv)
{
    const char *db = NULL;
    bool json = false;
    int go = cli_db_options(argc, argv, &spec, &db, &json);
    if (go != CLI_GO)
        return go;
    int nargs = argc - optind;
    char number[64];
    long v1 = 0, v2 = 0;
    if (nargs != 1 && nargs != 3)
        return cli_usage(&spec);
    if (!cli_number_arg(argv[optind], number, sizeof number))
        return EXIT_USAGE;
    if (nargs == 3 && (!cli_parse_int(argv[optind + 1], 1, 1000000, &v1, "V1") ||
                       !cli_parse_int(argv[optind + 2], 1, 1000000, &v2, "V2")))
        return EXIT_USAGE;
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_error err;
    xk_licence *a = NULL, *b = NULL;
    xk_licence_info info;
    int rc = EXIT_OK;
    if (xk_store_get(st, number, (int)v2, &b, &info, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else {
        if (nargs == 1) {
            v2 = info.current.version;
            v1 = v2 - 1;
        }
        if (v1 < 1) {
            fprintf(stderr, "xuke: %s has one version only: nothing to compare\n", number);
            rc = EXIT_FAIL;
        } else if (xk_store_get(st, number, (int)v1, &a, NULL, &err) != XK_OK) {
            rc = cli_store_error(&err);
        }
    }
    if (rc == EXIT_OK) {
        json_t *changes = xk_licence_diff(a, b);
        if (json) {
            json_t *o = json_pack("{s:s, s:i, s:i, s:o}", "number", number, "from", (int)v1,
                                  "to", (int)v2, "changes", changes);
            cli_print_json(o);
        } else {
            printf("%s: version %ld → %ld, %zu change%s\n", number, v1, v2,
                   json_array_size(changes), json_array_size(changes) == 1 ? "" : "s");
            print_changes(changes);
            json_decref(changes);
        }
    }
    xk_licence_free(a);
    xk_licence_free(b);
    xk_store_close(st);
    return rc;
}
