/*
 * `xuke get NUMBER [--version N] [--json] [--db PATH]`: a licence as stored, with its version,
 * status and the SHA-256 of the source document it came from. --source prints that document.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt options[] = {
    CLI_OPT_DB,
    {"version", 'v', "N", "that version (1 to 1000000; default: the current one)", 0},
    CLI_OPT_JSON,
    {"source", 's', NULL, "the document the record came from (for a scan: the text OCR read)", 0},
    {"original", 'o', NULL, "for a scan, the scanned file itself, byte for byte", 0},
    {0}};
static const cli_spec spec = {
    "get", "xuke get [--db PATH] [--version N] [--json] [--source|--original] NUMBER",
    "Licence NUMBER as stored, with its version, status and the SHA-256 of its source document.",
    options};

/* The stored record with the registry's facts added: version, status, source hash. */
static int print_json(xk_store *st, const char *number, int version)
{
    xk_error err;
    json_t *o;
    if (xk_view_licence(st, number, version, &o, &err) != XK_OK)
        return cli_store_error(&err);
    return cli_print_json(o);
}

static int print_text(xk_store *st, const char *number, int version)
{
    xk_error err;
    xk_licence_info info;
    xk_licence *lic;
    if (xk_store_get(st, number, version, &lic, &info, &err) != XK_OK)
        return cli_store_error(&err);
    cli_print_summary(stdout, lic);
    printf("  版本 Version: %d of %d, imported %s by %s\n", info.current.version, info.versions,
           info.current.imported_at, info.current.actor);
    printf("  来源 Source document: sha256 %s\n", info.current.source_sha256);
    if (info.removed)
        printf("  状态 Status: REMOVED %s: %s\n", info.removed_at, info.removed_reason);
    xk_licence_free(lic);
    return EXIT_OK;
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
    const char *db = NULL;
    long version = 0;
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
    }
    char number[64];
    if (optind != argc - 1)
        return cli_usage(&spec);
    if (!cli_number_arg(argv[optind], number, sizeof number))
        return EXIT_USAGE;
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    int rc = source || original ? print_source(st, number, (int)version, original)
             : json ? print_json(st, number, (int)version)
                    : print_text(st, number, (int)version);
    xk_store_close(st);
    return rc;
}
