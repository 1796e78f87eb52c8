/*
 * `xuke token create NAME --role reader|editor|admin`, `xuke token list [--json]`,
 * `xuke token revoke NAME`: the server's API tokens. The token is printed once, on creation;
 * the store keeps only its hash.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

static const cli_opt create_options[] = {
    CLI_OPT_DB, {"role", 'r', "ROLE", "reader, editor or admin (required)", 0}, {0}};
static const cli_spec create_spec = {
    "token create", "xuke token create [--db PATH] NAME --role reader|editor|admin",
    "Creates API token NAME for the server and prints it once; the store keeps only its hash.",
    create_options};
static const cli_opt list_options[] = {CLI_OPT_DB, CLI_OPT_JSON, {0}};
static const cli_spec list_spec = {"token list", "xuke token list [--db PATH] [--json]",
                                   "Every token: name, role, key id, when created and revoked.",
                                   list_options};
static const cli_opt revoke_options[] = {CLI_OPT_DB, {0}};
static const cli_spec revoke_spec = {"token revoke", "xuke token revoke [--db PATH] NAME",
                                     "Revokes token NAME: the server refuses it from now on.",
                                     revoke_options};
static const cli_opt no_options[] = {{0}};
static const cli_spec token_spec = {
    "token",
    "xuke token create [--db PATH] NAME --role reader|editor|admin\n"
    "       xuke token list [--db PATH] [--json]\n"
    "       xuke token revoke [--db PATH] NAME",
    "The server's API tokens. `xuke token SUBCOMMAND --help` describes each subcommand.",
    no_options};

static int create_token(int argc, char **argv)
{
    const char *db = NULL;
    xk_role role = XK_ROLE_NONE;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &create_spec)) != -1) {
        if (c < -1) {
            return cli_exit(c);
        } else if (c == 'd') {
            db = optarg;
        } else if (c == 'r') {
            if (!xk_role_parse(optarg, &role)) {
                fprintf(stderr, "xuke token: --role must be reader, editor or admin\n");
                return EXIT_USAGE;
            }
        }
    }
    if (argc - optind != 1 || role == XK_ROLE_NONE)
        return cli_usage(&create_spec);
    xk_store *st = cli_open_store_create(db);
    if (!st)
        return EXIT_FAIL;
    char token[XK_TOKEN_MAX];
    xk_error err;
    int rc = EXIT_OK;
    if (xk_token_create(st, argv[optind], role, token, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else {
        printf("%s\n", token);
        fprintf(stderr, "token %s (%s) created; it is shown only now: store it safely\n",
                argv[optind], xk_role_name(role));
        sodium_memzero(token, sizeof token);
    }
    xk_store_close(st);
    return rc;
}

static int list_tokens(int argc, char **argv)
{
    const char *db = NULL;
    bool json = false;
    int go = cli_db_options(argc, argv, &list_spec, &db, &json);
    if (go != CLI_GO)
        return go;
    if (optind != argc)
        return cli_usage(&list_spec);
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_token_info *t;
    size_t n;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_token_list(st, &t, &n, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else if (json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(
                a, json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", t[i].name, "role",
                             xk_role_name(t[i].role), "key_id", t[i].key_id, "created_at",
                             t[i].created_at, "revoked_at",
                             *t[i].revoked_at ? json_string(t[i].revoked_at) : json_null()));
        rc = cli_print_json(a);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%-24s %-7s xk_%s_…  created %s%s%s\n", t[i].name, xk_role_name(t[i].role),
                   t[i].key_id, t[i].created_at, *t[i].revoked_at ? "  revoked " : "",
                   t[i].revoked_at);
        if (n == 0)
            printf("no tokens\n");
    }
    free(t);
    xk_store_close(st);
    return rc;
}

static int revoke_token(int argc, char **argv)
{
    const char *db = NULL;
    int go = cli_db_options(argc, argv, &revoke_spec, &db, NULL);
    if (go != CLI_GO)
        return go;
    if (argc - optind != 1)
        return cli_usage(&revoke_spec);
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_token_revoke(st, argv[optind], &err) != XK_OK)
        rc = cli_store_error(&err);
    else
        printf("token %s revoked\n", argv[optind]);
    xk_store_close(st);
    return rc;
}

int cmd_token(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "create") == 0)
        return create_token(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return list_tokens(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
        return revoke_token(argc - 1, argv + 1);
    return cli_no_subcommand(argc, argv, &token_spec);
}
