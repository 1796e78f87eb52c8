/*
 * `xuke lists import FILE --kind KIND --source TEXT --date DATE`: reads a published list (CSV,
 * XLSX or a notice's text) and stores it as the list's next version, reporting each credit code
 * with a wrong check character; a bad file is an error naming its line and nothing is stored.
 * `xuke lists check`: every licence the current lists name, with what each entry matched on.
 * `xuke lists show`: the stored versions of every list.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xuke/lists.h"

static const cli_opt import_options[] = {
    CLI_OPT_DB,
    CLI_OPT_JSON,
    {"kind", 'k', "KIND", "cancelled (注销), poor-conduct (经营不良名单) or dishonest (失信名单)", 0},
    {"source", 's', "TEXT", "where the list was published (required)", 0},
    {"date", 't', "DATE", "the date it was published (required)", 0},
    {0}};
static const cli_spec import_spec = {
    "lists import",
    "xuke lists import [--db PATH] [--json] --kind KIND --source TEXT --date DATE FILE",
    "Imports a published list: FILE is CSV (UTF-8 or GB18030) or XLSX with a header row, or a\n"
    "notice's text.",
    import_options};
static const cli_opt db_json[] = {CLI_OPT_DB, CLI_OPT_JSON, {0}};
static const cli_spec check_spec = {
    "lists check", "xuke lists check [--db PATH] [--json]",
    "The registry's licences that a current published list names.", db_json};
static const cli_spec show_spec = {"lists show", "xuke lists show [--db PATH] [--json]",
                                   "The published lists imported, each version.", db_json};
static const cli_opt no_options[] = {{0}};
static const cli_spec lists_spec = {
    "lists",
    "xuke lists import [--db PATH] [--json] --kind KIND --source TEXT --date DATE FILE\n"
    "       xuke lists check [--db PATH] [--json]\n"
    "       xuke lists show [--db PATH] [--json]",
    "Published lists (cancelled, poor conduct, dishonest) and the registry checked against\n"
    "them. `xuke lists SUBCOMMAND --help` describes each subcommand.",
    no_options};

typedef struct import_opts {
    const char *db, *source, *date, *kind;
    bool json;
} import_opts;

/* CLI_GO, or the exit code to return at once. */
static int parse_import(int argc, char **argv, import_opts *o)
{
    memset(o, 0, sizeof *o);
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &import_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        else if (c == 'd')
            o->db = optarg;
        else if (c == 'k')
            o->kind = optarg;
        else if (c == 's')
            o->source = optarg;
        else if (c == 't')
            o->date = optarg;
        else if (c == 'j')
            o->json = true;
    }
    if (optind != argc - 1 || !o->kind || !o->source || !o->date)
        return cli_usage(&import_spec);
    return CLI_GO;
}

static void print_import(const char *path, const xk_list *list, const xk_list_info *info,
                         bool json)
{
    for (size_t i = 0; i < list->n_notes; i++)
        fprintf(stderr, "%s:%d: warning: %s\n", path, list->notes[i].line,
                list->notes[i].message);
    if (json) {
        json_t *o = xk_view_list_info(info);
        json_t *notes = json_array();
        for (size_t i = 0; i < list->n_notes; i++)
            json_array_append_new(notes, json_pack("{s:i, s:s}", "line", list->notes[i].line,
                                                   "message", list->notes[i].message));
        json_object_set_new(o, "notes", notes);
        cli_print_json(o);
        return;
    }
    printf("%s: %s list \"%s\" of %s stored as version %d: %zu entries (%s)%s\n", path,
           info->kind, info->source, info->published, info->version, info->entries,
           info->format, list->n_notes ? ", see the warnings" : "");
}

static int lists_import(int argc, char **argv)
{
    import_opts o;
    xk_list_kind kind;
    int go = parse_import(argc, argv, &o);
    if (go != CLI_GO)
        return go;
    if (!xk_list_kind_parse(o.kind, &kind)) {
        fprintf(stderr, "xuke: --kind \"%s\" is not one of cancelled, poor-conduct, dishonest\n",
                o.kind);
        return EXIT_USAGE;
    }
    xk_date d;
    if (!cli_parse_date(o.date, &d, "--date"))
        return EXIT_USAGE;
    const char *path = argv[optind];
    char *bytes;
    size_t len;
    xk_error err;
    xk_error_clear(&err);
    if (cli_read_file(path, XK_MAX_LIST_BYTES, &bytes, &len, &err) != XK_OK) {
        cli_print_error(path, &err);
        return EXIT_FAIL;
    }
    xk_store *st = cli_open_store(o.db);
    if (!st) {
        free(bytes);
        return EXIT_FAIL;
    }
    xk_list list;
    xk_list_info info;
    int rc = EXIT_OK;
    if (xk_list_import(st, kind, o.source, o.date, bytes, len, &list, &info, &err) != XK_OK) {
        cli_print_error(path, &err);
        rc = err.code == XK_EUSAGE ? EXIT_USAGE : EXIT_FAIL;
    } else {
        print_import(path, &list, &info, o.json);
    }
    xk_list_free(&list);
    free(bytes);
    xk_store_close(st);
    return rc;
}

/* --- check ------------------------------------------------------------------------------------ */

typedef struct check_out {
    json_t *rows; /* NULL: text */
    size_t licences;
} check_out;

static bool print_matches(const char *number, const char *company, const xk_list_match *m,
                          size_t n, void *ctx)
{
    check_out *out = ctx;
    out->licences++;
    if (out->rows) {
        json_t *matches = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(matches, xk_view_list_match(&m[i]));
        json_array_append_new(out->rows, json_pack("{s:s, s:s, s:o}", "number", number,
                                                   "company", company, "lists", matches));
        return true;
    }
    printf("%s %s\n", number, company);
    for (size_t i = 0; i < n; i++)
        printf("  %s list \"%s\" v%d (%s), line %d: %s%s%s — matched on %s\n", m[i].kind,
               m[i].source, m[i].version, m[i].published, m[i].entry.line, m[i].entry.company,
               *m[i].entry.date ? " " : "", m[i].entry.date, m[i].matched_on);
    return true;
}

static int lists_check(int argc, char **argv)
{
    const char *db = NULL;
    bool json = false;
    int go = cli_db_options(argc, argv, &check_spec, &db, &json);
    if (go != CLI_GO)
        return go;
    if (optind != argc)
        return cli_usage(&check_spec);
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    check_out out = {json ? json_array() : NULL, 0};
    xk_error err;
    int rc = EXIT_OK;
    if (xk_lists_check(st, print_matches, &out, &err) != XK_OK) {
        json_decref(out.rows);
        rc = cli_store_error(&err);
    } else if (json) {
        cli_print_json(json_pack("{s:o}", "licences", out.rows));
    } else if (out.licences == 0) {
        printf("no licence in the registry is named by a current published list\n");
    }
    xk_store_close(st);
    return rc;
}

static int lists_show(int argc, char **argv)
{
    const char *db = NULL;
    bool json = false;
    int go = cli_db_options(argc, argv, &show_spec, &db, &json);
    if (go != CLI_GO)
        return go;
    if (optind != argc)
        return cli_usage(&show_spec);
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_list_info *l;
    size_t n;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_store_lists(st, &l, &n, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else if (json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, xk_view_list_info(&l[i]));
        cli_print_json(json_pack("{s:o}", "lists", a));
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%-12s v%-3d %s  %6zu entries  %-6s %s  \"%s\"\n", l[i].kind, l[i].version,
                   l[i].published, l[i].entries, l[i].format, l[i].imported_at, l[i].source);
    }
    free(l);
    xk_store_close(st);
    return rc;
}

int cmd_lists(int argc, char **argv)
{
    static const cli_subcommand subs[] = {
        {"import", lists_import},
        {"check", lists_check},
        {"show", lists_show},
    };
    return cli_run_subcommand(argc, argv, subs, sizeof subs / sizeof subs[0], &lists_spec);
}
