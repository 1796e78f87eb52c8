/*
 * Every command's options as one table: the same table parses the command line (getopt_long
 * underneath), answers -h/--help on stdout and names what is wrong with a command line
 * (an unknown option, a missing or unexpected value) on stderr. Values are checked by the
 * command's own code through cli_parse_int, cli_parse_date and friends, which name the option.
 */
#ifndef XK_CLI_OPTIONS_H
#define XK_CLI_OPTIONS_H

#include <stdio.h>

/* One option: --name, the letter cli_next_opt answers with, the value's name in the help
 * (NULL for a switch), one line of help and the default shown after it (0: none shown). */
typedef struct cli_opt {
    const char *name;
    int letter;
    const char *value;
    const char *help;
    long shown_default;
} cli_opt;

/* A command: its name as typed ("event add"), usage line(s) without "usage: ", what it does
 * (one short paragraph, may be NULL) and its options, ended by {0}. */
typedef struct cli_spec {
    const char *name;
    const char *usage;
    const char *about;
    const cli_opt *opts;
} cli_spec;

/* cli_next_opt's answers besides an option's letter and -1 (no more options). */
enum { CLI_HELP = -2, CLI_BAD = -3 };

/* The next option of argv (set optind = 1 before the first call): its letter with optarg set,
 * -1 when the options end (optind at the first operand), CLI_HELP after printing the help on
 * stdout (the command then exits 0), CLI_BAD after naming the problem and the usage on stderr
 * (the command then exits 2). */
int cli_next_opt(int argc, char **argv, const cli_spec *spec);

/* The full help: usage, about, and one line per option plus -h/--help. */
void cli_help(FILE *out, const cli_spec *spec);

/* "usage: ..." on stderr; returns EXIT_USAGE, for `return cli_usage(&spec);`. */
int cli_usage(const cli_spec *spec);

/* Is arg -h or --help (for commands that dispatch on a subcommand first)? */
int cli_is_help(const char *arg);

/* For a command made of subcommands, when argv[1] names none of them: the help on stdout for
 * -h/--help (returns 0), else what is wrong and the usage on stderr (returns 2). */
int cli_no_subcommand(int argc, char **argv, const cli_spec *spec);

/* The exit code for a cli_next_opt answer below -1: 0 after help, 2 after a refusal. */
int cli_exit(int answer);

/* Options many commands share. */
#define CLI_OPT_DB {"db", 'd', "PATH", "the registry (default: $XUKE_DB, else ./xuke.db)", 0}
#define CLI_OPT_JSON {"json", 'j', NULL, "answer in JSON", 0}
#define CLI_OPT_CALENDAR                                                                       \
    {"calendar", 'c', "FILE", "holiday calendar (default: $XUKE_CALENDAR, else the installed one)", 0}

#endif
