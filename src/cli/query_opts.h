/* Filter options shared by `xuke search` and `xuke export`. */
#ifndef XK_CLI_QUERY_OPTS_H
#define XK_CLI_QUERY_OPTS_H

#include "cli.h"

typedef struct query_opts {
    xk_query q;
    const char *db;
    const char *calendar; /* --calendar: the working days behind statuses */
    const char *format; /* "text", "json", "jsonl", "csv" */
    bool allow_format;
    bool all; /* --all: no limit */
    bool allow_word; /* search: one bare WORD (a host name searches domains, else companies) */
} query_opts;

/* EXIT_OK, EXIT_USAGE, or -1 after printing help. */
int query_opts_parse(int argc, char **argv, query_opts *o, const char *usage);

/* Every licence's status as of o->q.as_of (the date --as-of gives, default today), so that a
 * listing says the same word `xuke status` says for that date; prints why not. */
bool query_status_table(xk_store *st, const query_opts *o, xk_status_table *out);

#endif
