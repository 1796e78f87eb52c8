/*
 * Shared pieces of the command-line tool: reading input files under a size limit, printing
 * problems as "FILE:LINE: severity: message", and option parsing helpers. Only this layer
 * prints and chooses exit codes.
 */
#ifndef XK_CLI_H
#define XK_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <time.h>

#include "xuke/calendar.h"
#include "xuke/diff.h"
#include "xuke/rules.h"
#include "xuke/registry.h"
#include "xuke/store.h"
#include <unistd.h> /* optind, set by the option helpers */

#include "options.h"
#include "xuke/xuke.h"

/* Exit codes of every subcommand. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef int (*cli_command_fn)(int argc, char **argv);

/* One subcommand of a command that has several (lists import, sites check). */
typedef struct cli_subcommand {
    const char *name;
    cli_command_fn run;
} cli_subcommand;

/* Runs the subcommand argv[1] names, with argv shifted by one; -h/--help prints spec's help on
 * stdout, and none or an unknown one says so with the usage on stderr (EXIT_USAGE). */
int cli_run_subcommand(int argc, char **argv, const cli_subcommand *subs, size_t n,
                       const cli_spec *spec);

/* Reads path ("-" = stdin) into a malloc'ed buffer; refuses more than max bytes. */
xk_status cli_read_file(const char *path, size_t max, char **out, size_t *len, xk_error *err);

/* Reads paths[0..n) into blobs (each at most max bytes), printing the first failure; on failure
 * what was read is still in blobs for cli_free_blobs (which blobs must be zeroed for). */
bool cli_read_blobs(char **paths, size_t n, size_t max, xk_blob *blobs);
void cli_free_blobs(xk_blob *blobs, size_t n);

/* Prints err as "path:line: message" (line omitted when 0) to stderr (the _to form: to to). */
void cli_print_error(const char *path, const xk_error *err);
void cli_print_error_to(FILE *to, const char *path, const xk_error *err);
/* Prints each problem of lic (errors first when errors_only is false: all) to stderr (the _to
 * form: to to). */
void cli_print_problems(const char *path, const xk_licence *lic, bool errors_only);
void cli_print_problems_to(FILE *to, const char *path, const xk_licence *lic, bool errors_only);

/* Parses a byte size: digits with an optional K, M or G suffix (powers of 1024). */
bool cli_parse_size(const char *s, size_t *out);
/* --max-size for a document: 1 byte to the ceiling; prints why not for cmd. */
bool cli_max_size_arg(const char *arg, size_t *out, const char *cmd);
/* Parses a command whose only options are --db PATH and --json (spec lists them; json may be
 * NULL when it lists no --json). Returns CLI_GO with optind at the first operand, or the exit
 * code to return at once (0 after --help, 2 after a bad option). */
enum { CLI_GO = -1 };
int cli_db_options(int argc, char **argv, const cli_spec *spec, const char **db, bool *json);

/* Prints o as indented JSON on stdout and releases it; EXIT_FAIL when o is NULL. */
int cli_print_json(json_t *o);

/* Human-readable summary of a record (parse without --json). */
void cli_print_summary(FILE *out, const xk_licence *lic);

/* Registry helpers (store_open.c). */
const char *cli_db_path(const char *flag);
/* The same as messages show it: a password in a PostgreSQL location becomes "***". The text
 * lives until the next call. */
const char *cli_db_shown(const char *flag);
/* Opens the existing store named by --db / $XUKE_DB / ./xuke.db, printing the error; NULL on
 * failure, including when there is no store there (read commands never create one). */
xk_store *cli_open_store(const char *flag);
/* The same for commands that write: creates the store when missing and says so on stderr. */
xk_store *cli_open_store_create(const char *flag);
/* Normalises a licence number typed by a user; prints why not and returns false. */
bool cli_number_arg(const char *arg, char *out, size_t size);
int cli_store_error(const xk_error *err);
bool cli_parse_date(const char *s, xk_date *out, const char *what);
bool cli_parse_int(const char *s, long min, long max, long *out, const char *what);
/* Today's date in China (UTC+8). */
xk_date cli_today(void);

/* Rules helpers (cmd_calendar.c). */
xk_calendar *cli_load_calendar(const char *flag);
void cli_warn_provisional(const xk_provisional *p);
/* YEAR's working-day count and listed days as `xuke calendar YEAR` prints them. */
void cli_print_calendar_year(const xk_calendar *cal, int year, const char *path);

/* Starts the program again with OMP_THREAD_LIMIT=1 unless the variable is set (see main.c):
 * for a command that is about to read a scan. Returns only when nothing was done or the start
 * failed. */
void cli_limit_ocr_threads(void);

int cmd_parse(int argc, char **argv);
int cmd_calendar(int argc, char **argv);
int cmd_calendar_import(int argc, char **argv);
int cmd_workdays(int argc, char **argv);
int cmd_event(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_domain(int argc, char **argv);
int cmd_deadlines(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_lists(int argc, char **argv);
int cmd_sites(int argc, char **argv);
int cmd_notify(int argc, char **argv);

#endif
