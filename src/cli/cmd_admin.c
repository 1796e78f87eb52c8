/*
 * The registry's housekeeping subcommands, each small:
 *   xuke backup PATH             online copy (SQLite backup API), safe while others write
 *   xuke remove NUMBER --reason  mark removed; kept in history and audit
 *   xuke audit [NUMBER] [--verify] [--limit N] [--json]
 *   xuke summary                 what the registry holds
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Parses just --db for the small commands. */
static const char *db_only(int argc, char **argv, int *rc)
{
    const char *db = NULL;
    *rc = cli_db_options(argc, argv, &db, NULL);
    return db;
}

int cmd_backup(int argc, char **argv)
{
    int rc;
    const char *db = db_only(argc, argv, &rc);
    if (rc != EXIT_OK || optind != argc - 1) {
        fprintf(stderr, "usage: xuke backup [--db PATH] BACKUP_PATH\n");
        return EXIT_USAGE;
    }
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_error err;
    if (xk_store_backup(st, argv[optind], &err) != XK_OK)
        rc = cli_store_error(&err);
    else
        printf("backed up %s to %s\n", cli_db_path(db), argv[optind]);
    xk_store_close(st);
    return rc;
}

int cmd_remove(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, 0, 'd'},
                                             {"reason", required_argument, 0, 'r'},
                                             {0, 0, 0, 0}};
    const char *db = NULL, *reason = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'r')
            reason = optarg;
        else
            return EXIT_USAGE;
    }
    if (optind != argc - 1 || !reason || !*reason) {
        fprintf(stderr, "usage: xuke remove [--db PATH] NUMBER --reason TEXT\n");
        return EXIT_USAGE;
    }
    char number[64];
    if (!cli_number_arg(argv[optind], number, sizeof number))
        return EXIT_USAGE;
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_store_remove(st, number, reason, &err) != XK_OK)
        rc = cli_store_error(&err);
    else
        printf("removed %s: %s (kept in history and the audit log)\n", number, reason);
    xk_store_close(st);
    return rc;
}

static bool keep_entry(const xk_audit_entry *e, void *ctx)
{
    *(xk_audit_entry *)ctx = *e;
    return true;
}

static bool print_entry(const xk_audit_entry *e, void *ctx)
{
    json_t *array = ctx;
    if (array) {
        json_array_append_new(array, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
                                               (json_int_t)e->id, "at", e->at, "actor", e->actor,
                                               "action", e->action, "number", e->number, "detail",
                                               e->detail, "hash", e->hash));
        return true;
    }
    printf("%6ld %s %-12s %-12s %-18s %s\n", e->id, e->at, e->actor, e->action, e->number,
           e->detail);
    return true;
}

int cmd_audit(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, 0, 'd'},
                                             {"verify", no_argument, 0, 'v'},
                                             {"limit", required_argument, 0, 'l'},
                                             {"json", no_argument, 0, 'j'},
                                             {0, 0, 0, 0}};
    const char *db = NULL;
    bool verify = false, json = false;
    long limit = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'v')
            verify = true;
        else if (c == 'j')
            json = true;
        else if (c != 'l' || !cli_parse_int(optarg, 1, 100000000, &limit, "--limit"))
            return EXIT_USAGE;
    }
    char number[64];
    if (argc - optind > 1 ||
        (argc - optind == 1 && !cli_number_arg(argv[optind], number, sizeof number))) {
        fprintf(stderr, "usage: xuke audit [--db PATH] [--verify] [--limit N] [--json] "
                        "[NUMBER]\n");
        return EXIT_USAGE;
    }
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_error err;
    int rc = EXIT_OK;
    if (verify) {
        size_t n;
        if (xk_store_audit_verify(st, &n, &err) != XK_OK) {
            fprintf(stderr, "xuke: audit log FAILED verification: %s\n", err.message);
            rc = EXIT_FAIL;
        } else {
            xk_audit_entry last = {0};
            xk_store_audit(st, NULL, 1, keep_entry, &last, &err);
            printf("audit log verified: %zu entries, chain intact, every licence's rows, "
                   "versions and sources as the chain names them, head %s\n",
                   n, n ? last.hash : "(empty)");
        }
    } else {
        json_t *array = json ? json_array() : NULL;
        if (xk_store_audit(st, argc - optind == 1 ? number : NULL, (size_t)limit, print_entry,
                           array, &err) != XK_OK)
            rc = cli_store_error(&err);
        if (array)
            cli_print_json(array);
    }
    xk_store_close(st);
    return rc;
}

int cmd_summary(int argc, char **argv)
{
    int rc;
    const char *db = db_only(argc, argv, &rc);
    if (rc != EXIT_OK || optind != argc) {
        fprintf(stderr, "usage: xuke summary [--db PATH]\n");
        return EXIT_USAGE;
    }
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_error err;
    xk_store_stats s;
    if (xk_store_stats_get(st, &s, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else {
        printf("registry %s: %zu licences (%zu removed), %zu versions, %zu source documents, "
               "%zu domains, %zu audit entries, %.1f KiB\n",
               cli_db_path(db), s.licences, s.removed, s.versions, s.documents, s.domains,
               s.audit_entries, (double)s.file_bytes / 1024.0);
    }
    xk_store_close(st);
    return rc;
}
