/*
 * xuke command-line entry: dispatches to one subcommand per file in src/cli/. Keeps no state
 * of its own; every subcommand parses its own options and returns an exit code.
 */
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct command {
    const char *name;
    cli_command_fn run;
    const char *summary;
} command;

static const command commands[] = {
    {"parse", cmd_parse, "extract and validate licence documents"},
    {"import", cmd_import, "import documents and JSON records into the registry"},
    {"get", cmd_get, "show a licence from the registry"},
    {"history", cmd_history, "list a licence's versions"},
    {"diff", cmd_diff, "what changed between two versions"},
    {"search", cmd_search, "find licences by company, domain, service, region, dates"},
    {"domain", cmd_domain, "which licences cover a host, and is one valid (access check)"},
    {"export", cmd_export, "write the registry or a search as csv, json or jsonl"},
    {"remove", cmd_remove, "mark a licence removed (kept in history)"},
    {"audit", cmd_audit, "list or verify the audit log"},
    {"backup", cmd_backup, "online backup of the registry"},
    {"db", cmd_db, "the store: migrate its schema, copy it between SQLite and PostgreSQL"},
    {"summary", cmd_summary, "what the registry holds"},
    {"event", cmd_event, "record what happened to a licence (add, list, types)"},
    {"status", cmd_status, "each licence's status, next deadline and overdue duties"},
    {"deadlines", cmd_deadlines, "the agenda of open obligations (text, JSON, iCalendar)"},
    {"calendar", cmd_calendar, "a year's holidays and make-up working days"},
    {"workdays", cmd_workdays, "working-day arithmetic (add, between)"},
    {"token", cmd_token, "API tokens for the server (create, list, revoke)"},
    {"user", cmd_user, "accounts for the web pages (add, list, disable, passwd)"},
    {"lists", cmd_lists, "published lists: import, cross-check against the registry"},
    {"sites", cmd_sites, "check each licensed website's homepage shows the licence number"},
    {"notify", cmd_notify, "reminders to DingTalk, WeCom, Feishu, webhooks and email"},
    {"serve", cmd_serve, "HTTP JSON API and web pages on one address"},
};

static void usage(FILE *out)
{
    fprintf(out, "xuke %s: value-added telecom business licences as validated records\n\n"
                 "usage: xuke COMMAND [OPTIONS] ...\n\ncommands:\n",
            XUKE_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`xuke COMMAND --help` describes each command.\n");
}

/* A PostgreSQL location with a password given on the command line (--db URI) would show in ps,
 * which reads the arguments' own memory: the program goes on with a copy, and the original
 * text is overwritten with the shown form ("***" for the password). */
static void hide_passwords(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        char *loc = strncmp(arg, "--", 2) == 0 && strchr(arg, '=') ? strchr(arg, '=') + 1 : arg;
        if (!xk_store_is_server(loc))
            continue;
        char shown[4096];
        xk_store_location_shown(loc, shown, sizeof shown);
        char *copy = strdup(arg);
        if (strcmp(shown, loc) == 0 || !copy) {
            free(copy);
            continue;
        }
        size_t room = strlen(loc);
        memset(loc, 0, room);
        memcpy(loc, shown, strlen(shown) < room ? strlen(shown) : room);
        argv[i] = copy; /* lives as long as the process */
    }
}

/* Tesseract runs its networks on OpenMP threads (four a call) that spin while they wait. Where
 * pages are read side by side (the server's OCR workers, two imports at once, a test beside
 * another) those threads outnumber the cores and spend them spinning: three concurrent 4-page
 * reads took 79 s instead of 16.5 s with one thread a call (2 cores, measured with
 * `xuke parse --pages` ×3). xuke reads pages in parallel itself, so the commands that may read
 * a scan run with OMP_THREAD_LIMIT=1 unless the caller set it. libgomp reads the variable once,
 * when it is loaded, before main: the process is started again with it set. If that fails the
 * command still runs, only slower under load. `import` and `serve` start again at once; `parse`
 * only once it has seen a scan among its inputs (cli_limit_ocr_threads), since starting again
 * doubled the start-up of a parse of text files (40 ms of loading libraries each time). */
static char **start_argv;

void cli_limit_ocr_threads(void)
{
    if (!start_argv || !start_argv[0] || getenv("OMP_THREAD_LIMIT"))
        return;
    if (setenv("OMP_THREAD_LIMIT", "1", 1) == 0)
        execv("/proc/self/exe", start_argv);
}

static void limit_ocr_threads(char **argv)
{
    static const char *const reads_scans[] = {"import", "serve"};
    start_argv = argv;
    if (!argv[0] || !argv[1])
        return;
    for (size_t i = 0; i < sizeof reads_scans / sizeof reads_scans[0]; i++)
        if (strcmp(argv[1], reads_scans[i]) == 0)
            cli_limit_ocr_threads();
}

int main(int argc, char **argv)
{
    /* before the passwords are hidden: the program started again must see its real arguments
     * (hide_passwords leaves copies of them in argv, for parse's later start) */
    limit_ocr_threads(argv);
    setlocale(LC_CTYPE, "C.UTF-8");
    hide_passwords(argc, argv);
    /* A file-size limit (ulimit -f) must end in a clear "disk full" error from the store and a
     * rolled-back transaction, not in SIGXFSZ killing the process mid-write. */
    signal(SIGXFSZ, SIG_IGN);
    /* times are shown in China's time by default, with the offset written out; XUKE_UTC_OFFSET
     * (+08:00, -05:30, +00:00) shows them elsewhere */
    const char *offset = getenv("XUKE_UTC_OFFSET");
    if (offset && *offset) {
        int h = 0, m = 0, used = 0;
        if (sscanf(offset, "%*[+-]%2d:%2d%n", &h, &m, &used) != 2 || offset[used] != '\0' ||
            (offset[0] != '+' && offset[0] != '-') || h > 14 || m > 59) {
            fprintf(stderr, "xuke: XUKE_UTC_OFFSET \"%s\" is not an offset like +08:00 or -05:30\n",
                    offset);
            return EXIT_USAGE;
        }
        xk_view_set_utc_offset((offset[0] == '-' ? -1 : 1) * (h * 60 + m));
    }
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("xuke %s\n", XUKE_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "xuke: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
