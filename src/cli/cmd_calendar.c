/*
 * `xuke calendar [YEAR] [--calendar FILE]`: the year's holidays and make-up working days.
 * `xuke workdays add DATE N` and `xuke workdays between D1 D2`: the working-day arithmetic.
 * Results that touch a year the calendar lacks say so on stderr and are marked provisional.
 */
#include <getopt.h>
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

/* --calendar only, for the small commands; returns the first positional index. */
static int calendar_opt(int argc, char **argv, const char **cal)
{
    static const struct option longopts[] = {{"calendar", required_argument, 0, 'c'},
                                             {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c != 'c')
            return -1;
        *cal = optarg;
    }
    return optind;
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

int cmd_calendar(int argc, char **argv)
{
    const char *calpath = NULL;
    int i = calendar_opt(argc, argv, &calpath);
    long year = cli_today().year;
    if (i < 0 || argc - i > 1 ||
        (argc - i == 1 && !cli_parse_int(argv[i], XK_CAL_FIRST_YEAR, XK_CAL_LAST_YEAR, &year,
                                         "YEAR"))) {
        fprintf(stderr, "usage: xuke calendar [--calendar FILE] [YEAR]\n");
        return EXIT_USAGE;
    }
    xk_calendar *cal = cli_load_calendar(calpath);
    if (!cal)
        return EXIT_FAIL;
    int first, last;
    xk_calendar_range(cal, &first, &last);
    xk_provisional prov;
    xk_provisional_clear(&prov);
    long work = xk_workdays_between(cal, (xk_date){(int)year, 1, 1}, (xk_date){(int)year, 12, 31},
                                    &prov);
    printf("%ld: %ld working days (calendar %s covers %d-%d)\n", year, work,
           xk_calendar_default_path(calpath), first, last);
    if (!xk_calendar_covers(cal, (int)year))
        printf("  %ld is not in the calendar: weekends only, provisional\n", year);
    xk_calendar_each(cal, (int)year, print_day, NULL);
    cli_warn_provisional(&prov);
    xk_calendar_free(cal);
    return EXIT_OK;
}

int cmd_workdays(int argc, char **argv)
{
    const char *calpath = NULL;
    int i = calendar_opt(argc, argv, &calpath);
    const char *usage = "usage: xuke workdays [--calendar FILE] add DATE N\n"
                        "       xuke workdays [--calendar FILE] between DATE1 DATE2\n";
    if (i < 0 || argc - i != 3) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    xk_date a, b;
    long n = 0;
    bool add = strcmp(argv[i], "add") == 0;
    if ((!add && strcmp(argv[i], "between") != 0) || !cli_parse_date(argv[i + 1], &a, "DATE") ||
        (add ? !cli_parse_int(argv[i + 2], 0, 3650, &n, "N")
             : !cli_parse_date(argv[i + 2], &b, "DATE2"))) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
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
