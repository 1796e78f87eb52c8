/*
 * `xuke calendar [YEAR] [--calendar FILE]`: the year's holidays and make-up working days.
 * `xuke workdays add DATE N` and `xuke workdays between D1 D2`: the working-day arithmetic.
 * Results that touch a year the calendar lacks say so on stderr and are marked provisional.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

xk_calendar *cli_load_calendar(const char *flag)
{
    const char *path = xk_calendar_default_path(flag);
    xk_calendar *cal;
    xk_error err;
    xk_error_clear(&err);
    if (xk_calendar_load(path, &cal, &err) != XK_OK) {
        fprintf(stderr, "xuke: %s\n", err.message);
        return NULL;
    }
    return cal;
}

void cli_warn_provisional(const xk_provisional *p)
{
    if (!p->n)
        return;
    char years[64];
    xk_provisional_format(p, years, sizeof years);
    fprintf(stderr, "xuke: warning: provisional: the holiday calendar for %s is not published; "
                    "those days were counted on weekends alone (add the year with --calendar)\n",
            years);
}

static const cli_opt calendar_only[] = {CLI_OPT_CALENDAR, {0}};
static const cli_spec calendar_spec = {
    "calendar", "xuke calendar [--calendar FILE] [YEAR]\n"
    "       xuke calendar import NOTICE [--calendar FILE] [--dry-run] [--replace]",
    "YEAR's holidays and make-up working days (default: this year), and its working days.\n"
    "`import` writes a year from the State Council's notice (`xuke calendar import --help`).",
    calendar_only};
static const cli_spec workdays_spec = {
    "workdays",
    "xuke workdays [--calendar FILE] add DATE N\n"
    "       xuke workdays [--calendar FILE] between DATE1 DATE2",
    "Working-day arithmetic on the holiday calendar: the working day N working days after\n"
    "DATE (N from 0 to 3650), or the working days from DATE1 to DATE2 (at most 100 years).",
    calendar_only};

/* --calendar only, for the small commands: CLI_GO with optind at the first operand, or the
 * exit code to return at once. */
static int calendar_opt(int argc, char **argv, const cli_spec *spec, const char **cal)
{
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        *cal = optarg;
    }
    return CLI_GO;
}

static const char *kind_name(xk_day_kind k)
{
    return k == XK_DAY_HOLIDAY ? "休 rest day" : "班 working day (调休)";
}

static bool print_day(xk_date d, xk_day_kind kind, const char *name, void *ctx)
{
    (void)ctx;
    static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    char buf[16];
    printf("  %s %s  %-22s %s\n", xk_date_format(d, buf, sizeof buf), wd[xk_date_weekday(d)],
           kind_name(kind), name);
    return true;
}

void cli_print_calendar_year(const xk_calendar *cal, int year, const char *path)
{
    int first, last;
    xk_calendar_range(cal, &first, &last);
    xk_provisional prov;
    xk_provisional_clear(&prov);
    long work = xk_workdays_between(cal, (xk_date){year, 1, 1}, (xk_date){year, 12, 31}, &prov);
    printf("%d: %ld working days (calendar %s covers %d-%d)\n", year, work, path, first, last);
    if (!xk_calendar_covers(cal, year))
        printf("  %d is not in the calendar: weekends only, provisional\n", year);
    xk_calendar_each(cal, year, print_day, NULL);
    cli_warn_provisional(&prov);
}

int cmd_calendar(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "import") == 0)
        return cmd_calendar_import(argc - 1, argv + 1);
    const char *calpath = NULL;
    int go = calendar_opt(argc, argv, &calendar_spec, &calpath);
    if (go != CLI_GO)
        return go;
    int i = optind;
    long year = cli_today().year;
    if (argc - i > 1)
        return cli_usage(&calendar_spec);
    if (argc - i == 1 &&
        !cli_parse_int(argv[i], XK_CAL_FIRST_YEAR, XK_CAL_LAST_YEAR, &year, "YEAR"))
        return EXIT_USAGE;
    xk_calendar *cal = cli_load_calendar(calpath);
    if (!cal)
        return EXIT_FAIL;
    cli_print_calendar_year(cal, (int)year, xk_calendar_default_path(calpath));
    xk_calendar_free(cal);
    return EXIT_OK;
}

int cmd_workdays(int argc, char **argv)
{
    const char *calpath = NULL;
    int go = calendar_opt(argc, argv, &workdays_spec, &calpath);
    if (go != CLI_GO)
        return go;
    int i = optind;
    if (argc - i != 3)
        return cli_usage(&workdays_spec);
    xk_date a, b;
    long n = 0;
    bool add = strcmp(argv[i], "add") == 0;
    if (!add && strcmp(argv[i], "between") != 0) {
        fprintf(stderr, "xuke workdays: %s is not a subcommand of this command\n", argv[i]);
        return cli_usage(&workdays_spec);
    }
    if (!cli_parse_date(argv[i + 1], &a, add ? "DATE" : "DATE1") ||
        (add ? !cli_parse_int(argv[i + 2], 0, 3650, &n, "N")
             : !cli_parse_date(argv[i + 2], &b, "DATE2")))
        return EXIT_USAGE;
    if (!add && xk_date_to_days(b) - xk_date_to_days(a) > 36600) {
        fprintf(stderr, "xuke: a range of more than 100 years is not counted\n");
        return EXIT_USAGE;
    }
    xk_calendar *cal = cli_load_calendar(calpath);
    if (!cal)
        return EXIT_FAIL;
    xk_provisional prov;
    xk_provisional_clear(&prov);
    char buf[16];
    if (add)
        printf("%s\n", xk_date_format(xk_workdays_add(cal, a, (int)n, &prov), buf, sizeof buf));
    else
        printf("%ld\n", xk_workdays_between(cal, a, b, &prov));
    cli_warn_provisional(&prov);
    xk_calendar_free(cal);
    return EXIT_OK;
}
