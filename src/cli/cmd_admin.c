/*
 * The registry's housekeeping subcommands, each small:
 *   xuke backup PATH             online copy to a file, safe while others write
 *   xuke remove NUMBER --reason  mark removed; kept in history and audit
 *   xuke audit [NUMBER] [--verify] [--limit N] [--json]
 *   xuke summary                 what the registry holds
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt db_only[] = {CLI_OPT_DB, {0}};

static const cli_spec backup_spec = {
    "backup", "xuke backup [--db PATH] BACKUP_PATH",
    "An online copy of the registry to the file BACKUP_PATH, safe while others read and write:\n"
    "SQLite's backup API for a file registry; for a PostgreSQL one, a SQLite file of the whole\n"
    "registry from one snapshot, kept only when its counts and audit chain verify (back the\n"
    "database itself up with PostgreSQL's tools: pg_dump, base backups).",
    db_only};

int cmd_backup(int argc, char **argv)
{
    const char *db = NULL;
    int rc = cli_db_options(argc, argv, &backup_spec, &db, NULL);
    if (rc != CLI_GO)
        return rc;
    if (optind != argc - 1)
        return cli_usage(&backup_spec);
    rc = EXIT_OK;
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_error err;
    if (xk_store_backup(st, argv[optind], &err) != XK_OK)
        rc = cli_store_error(&err);
    else
        printf("backed up %s to %s\n", cli_db_shown(db), argv[optind]);
    xk_store_close(st);
    return rc;
}

static const cli_opt remove_options[] = {
    CLI_OPT_DB, {"reason", 'r', "TEXT", "why it is removed (required; kept in the audit log)", 0},
    {0}};
static const cli_spec remove_spec = {
    "remove", "xuke remove [--db PATH] NUMBER --reason TEXT",
    "Marks licence NUMBER removed: search and status leave it out; its history and the audit\n"
    "log keep it.",
    remove_options};

int cmd_remove(int argc, char **argv)
{
    const char *db = NULL, *reason = NULL;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &remove_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (c == 'd')
            db = optarg;
        else if (c == 'r')
            reason = optarg;
    }
    if (optind != argc - 1 || !reason || !*reason)
        return cli_usage(&remove_spec);
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

static bool count_entry(const xk_audit_entry *e, void *ctx)
{
    (void)e;
    ++*(size_t *)ctx;
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

static const cli_opt audit_options[] = {
    CLI_OPT_DB,
    {"verify", 'v', NULL, "check the whole hash chain and print its head", 0},
    {"limit", 'l', "N", "only the newest N entries (1 to 100000000)", 0},
    CLI_OPT_JSON,
    {0}};
static const cli_spec audit_spec = {
    "audit", "xuke audit [--db PATH] [--verify] [--limit N] [--json] [NUMBER]",
    "The audit log, oldest first: one hash-chained entry per write (import, new version,\n"
    "removal, event, token), all of them or those of licence NUMBER.",
    audit_options};

int cmd_audit(int argc, char **argv)
{
    const char *db = NULL;
    bool verify = false, json = false;
    long limit = 0;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &audit_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
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
    if (argc - optind > 1)
        return cli_usage(&audit_spec);
    if (argc - optind == 1 && !cli_number_arg(argv[optind], number, sizeof number))
        return EXIT_USAGE;
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
        const char *which = argc - optind == 1 ? number : NULL;
        size_t shown = 0, total = 0;
        if (xk_store_audit(st, which, (size_t)limit, print_entry, array, &err) != XK_OK ||
            (limit && xk_store_audit(st, which, 0, count_entry, &total, &err) != XK_OK))
            rc = cli_store_error(&err);
        if (array)
            cli_print_json(array);
        /* --limit shows the newest N: say how many were left out, never a silent cut */
        if (rc == EXIT_OK && limit) {
            shown = total < (size_t)limit ? total : (size_t)limit;
            if (total > shown)
                fprintf(stderr, "xuke audit: shown the newest %zu of %zu entries\n", shown,
                        total);
        }
    }
    xk_store_close(st);
    return rc;
}

static const cli_spec summary_spec = {
    "summary", "xuke summary [--db PATH]",
    "What the registry holds: licences (and how many removed), versions, source documents,\n"
    "domains, audit entries and the file's size.",
    db_only};

int cmd_summary(int argc, char **argv)
{
    const char *db = NULL;
    int rc = cli_db_options(argc, argv, &summary_spec, &db, NULL);
    if (rc != CLI_GO)
        return rc;
    if (optind != argc)
        return cli_usage(&summary_spec);
    rc = EXIT_OK;
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
               cli_db_shown(db), s.licences, s.removed, s.versions, s.documents, s.domains,
               s.audit_entries, (double)s.file_bytes / 1024.0);
    }
    xk_store_close(st);
    return rc;
}
