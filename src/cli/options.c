/*
 * Option tables (options.h): getopt_long driven by a command's cli_spec, so that the options a
 * command accepts and the ones its --help lists cannot drift apart. Strict where getopt_long is
 * lenient: an abbreviated option (--js for --json) is refused, and every refusal names the
 * option and the command. It does not check values; the commands do, naming the option.
 */
#include <getopt.h>
#include <stdbool.h>
#include <string.h>

#include "cli.h"

#define MAX_OPTS 40 /* the longest table (parse) has 13 */

static size_t count(const cli_opt *opts)
{
    size_t n = 0;
    while (opts && opts[n].name)
        n++;
    return n;
}

int cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_exit(int answer)
{
    return answer == CLI_HELP ? EXIT_OK : EXIT_USAGE;
}

int cli_no_subcommand(int argc, char **argv, const cli_spec *spec)
{
    if (argc >= 2 && cli_is_help(argv[1])) {
        cli_help(stdout, spec);
        return EXIT_OK;
    }
    if (argc >= 2)
        fprintf(stderr, "xuke %s: %s is not a subcommand of this command\n", spec->name,
                argv[1]);
    return cli_usage(spec);
}

int cli_usage(const cli_spec *spec)
{
    fprintf(stderr, "usage: %s\n`xuke %s --help` says more.\n", spec->usage, spec->name);
    return EXIT_USAGE;
}

void cli_help(FILE *out, const cli_spec *spec)
{
    fprintf(out, "usage: %s\n", spec->usage);
    if (spec->about)
        fprintf(out, "\n%s\n", spec->about);
    fprintf(out, "\noptions:\n");
    for (size_t i = 0; i < count(spec->opts); i++) {
        const cli_opt *o = &spec->opts[i];
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->value ? " " : "",
                 o->value ? o->value : "");
        fprintf(out, "  %-26s %s", left, o->help);
        if (o->shown_default)
            fprintf(out, " (default %ld)", o->shown_default);
        fputc('\n', out);
    }
    fprintf(out, "  %-26s %s\n", "-h, --help", "this help");
}

static int refuse(const cli_spec *spec, const char *what, const char *arg)
{
    fprintf(stderr, "xuke %s: %s %s\n", spec->name, arg, what);
    cli_usage(spec);
    return CLI_BAD;
}

/* The option word as typed (before any "="), for refusing abbreviations and naming it. */
static size_t typed_len(const char *token)
{
    return strcspn(token, "=");
}

/* Is token (--name or --name=value) spelt as name in full? */
static bool spelt_out(const char *token, const char *name)
{
    size_t len = typed_len(token);
    return len >= 2 && strncmp(token, "--", 2) == 0 && len - 2 == strlen(name) &&
           strncmp(token + 2, name, len - 2) == 0;
}

/* A long option getopt_long matched by a prefix: refused, naming what was typed. */
static int abbreviated(const cli_spec *spec, const char *token, const char *name)
{
    fprintf(stderr, "xuke %s: %.*s is not an option of this command (--%s is)\n", spec->name,
            (int)typed_len(token), token, name);
    cli_usage(spec);
    return CLI_BAD;
}

int cli_next_opt(int argc, char **argv, const cli_spec *spec)
{
    struct option table[MAX_OPTS + 2];
    size_t n = count(spec->opts);
    if (n > MAX_OPTS) /* a table too long for this parser is a programming error */
        return refuse(spec, "has more options than the parser holds", "the command");
    for (size_t i = 0; i < n; i++)
        table[i] = (struct option){spec->opts[i].name,
                                   spec->opts[i].value ? required_argument : no_argument, NULL,
                                   spec->opts[i].letter};
    table[n] = (struct option){"help", no_argument, NULL, 'h'};
    table[n + 1] = (struct option){NULL, 0, NULL, 0};
    opterr = 0;
    int index = -1;
    int c = getopt_long(argc, argv, ":h", table, &index);
    const char *token = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    if (c == -1)
        return -1;
    if (c == ':') {
        for (size_t i = 0; i < n; i++)
            if (table[i].val == optopt && strncmp(token, "--", 2) == 0 &&
                !spelt_out(token, table[i].name))
                return abbreviated(spec, token, table[i].name);
        return refuse(spec, "needs a value", token);
    }
    if (c == '?') {
        if (strncmp(token, "--", 2) == 0 && optopt != 0) /* a switch given "=value" */
            return refuse(spec, "takes no value", token);
        return refuse(spec, "is not an option of this command", token);
    }
    if (index >= 0) {
        /* with its value apart, the option word is the token before the value */
        if (optarg && optarg == token && optind >= 2)
            token = argv[optind - 2];
        if (!spelt_out(token, table[index].name))
            return abbreviated(spec, token, table[index].name);
    }
    if (c == 'h') {
        cli_help(stdout, spec);
        return CLI_HELP;
    }
    return c;
}
