/*
 * `xuke parse [--json] [--pretty] [--max-size N] FILE...`: extracts and validates licence
 * documents and prints one record per valid document (a readable summary, one JSON object, or
 * JSON Lines for several files). Invalid documents print their problems on stderr and nothing on
 * stdout; the exit status is 1 if any document failed.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: xuke parse [--json] [--pretty] [--max-size BYTES] FILE...\n"
                 "  FILE        a licence document as text (UTF-8 or GB18030); - reads stdin\n"
                 "  --json      print the record as JSON (one object per line for several files)\n"
                 "  --pretty    indent the JSON\n"
                 "  --max-size  largest document accepted (default 4M; K, M, G suffixes)\n");
}

typedef struct parse_opts {
    bool json, pretty;
    xk_parse_options parse;
} parse_opts;

static int parse_one(const char *path, const parse_opts *o)
{
    xk_error err;
    xk_error_clear(&err);
    char *bytes;
    size_t len;
    xk_status st = cli_read_file(path, o->parse.max_bytes, &bytes, &len, &err);
    if (st != XK_OK) {
        cli_print_error(path, &err);
        return EXIT_FAIL;
    }
    xk_licence *lic = NULL;
    st = xk_licence_parse(bytes, len, &o->parse, &lic, &err);
    free(bytes);
    if (st != XK_OK && st != XK_EINVALID) {
        cli_print_error(path, &err);
        return EXIT_FAIL;
    }
    if (st == XK_EINVALID) {
        cli_print_problems(path, lic, false);
        xk_licence_free(lic);
        return EXIT_FAIL;
    }
    int rc = EXIT_OK;
    if (o->json) {
        char *s = xk_licence_to_json_string(lic, o->pretty);
        if (s) {
            puts(s);
            free(s);
        } else {
            fprintf(stderr, "%s: out of memory writing JSON\n", path);
            rc = EXIT_FAIL;
        }
    } else {
        printf("== %s\n", path);
        cli_print_summary(stdout, lic);
    }
    xk_licence_free(lic);
    return rc;
}

int cmd_parse(int argc, char **argv)
{
    parse_opts o = {false, false, {XK_MAX_DOCUMENT_BYTES}};
    static const struct option longopts[] = {{"json", no_argument, 0, 'j'},
                                             {"pretty", no_argument, 0, 'p'},
                                             {"max-size", required_argument, 0, 'm'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            o.json = true;
            break;
        case 'p':
            o.pretty = true;
            break;
        case 'm':
            if (!cli_max_size_arg(optarg, &o.parse.max_bytes, "parse"))
                return EXIT_USAGE;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (o.pretty && argc - optind > 1 && o.json)
        o.pretty = false; /* JSON Lines must stay one object per line */
    int rc = EXIT_OK;
    for (int i = optind; i < argc; i++)
        if (parse_one(argv[i], &o) != EXIT_OK)
            rc = EXIT_FAIL;
    fflush(stdout);
    return rc;
}
