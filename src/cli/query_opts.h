/* Filter options shared by `xuke search` and `xuke export`. */
#ifndef XK_CLI_QUERY_OPTS_H
#define XK_CLI_QUERY_OPTS_H

#include "cli.h"

typedef struct query_opts {
    xk_query q;
    const char *db;
    const char *format; /* "text", "json", "jsonl", "csv" */
    bool allow_format;
} query_opts;

/* EXIT_OK, EXIT_USAGE, or -1 after printing help. */
int query_opts_parse(int argc, char **argv, query_opts *o, const char *usage);

#endif
