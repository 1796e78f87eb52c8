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

#include "xuke/xuke.h"

/* Exit codes of every subcommand. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef int (*cli_command_fn)(int argc, char **argv);

/* Reads path ("-" = stdin) into a malloc'ed buffer; refuses more than max bytes. */
xk_status cli_read_file(const char *path, size_t max, char **out, size_t *len, xk_error *err);

/* Prints err as "path:line: message" (line omitted when 0) to stderr. */
void cli_print_error(const char *path, const xk_error *err);
/* Prints each problem of lic (errors first when errors_only is false: all) to stderr. */
void cli_print_problems(const char *path, const xk_licence *lic, bool errors_only);

/* Parses a byte size: digits with an optional K, M or G suffix (powers of 1024). */
bool cli_parse_size(const char *s, size_t *out);

/* Human-readable summary of a record (parse without --json). */
void cli_print_summary(FILE *out, const xk_licence *lic);

int cmd_parse(int argc, char **argv);

#endif
