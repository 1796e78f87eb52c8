/* Filter options shared by `xuke search` and `xuke export`. */
#ifndef XK_CLI_QUERY_OPTS_H
#define XK_CLI_QUERY_OPTS_H

#include "cli.h"

typedef struct query_opts {
    xk_query q;
    const char *db;
    const char *calendar; /* --calendar: the working days behind statuses */
    const char *format; /* "text", "json", "jsonl", "csv" */
    bool all; /* --all: no limit */
    bool allow_word; /* search: one bare WORD (a host name searches domains, else companies) */
} query_opts;

/* The two commands' option tables: the filters, and --json (search) or --format (export). */
extern const cli_spec query_search_spec, query_export_spec;

/* CLI_GO, or the exit code to return at once (after --help or a bad command line). */
int query_opts_parse(int argc, char **argv, query_opts *o, const cli_spec *spec);

/* Every licence's status as of o->q.as_of (the date --as-of gives, default today), so that a
 * listing says the same word `xuke status` says for that date; prints why not. */
bool query_status_table(xk_store *st, const query_opts *o, xk_status_table *out);

#endif
