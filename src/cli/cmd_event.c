/*
 * `xuke event add NUMBER TYPE DATE [--year Y] [--note TEXT] [--ref ID]`, `xuke event list
 * NUMBER`, `xuke event types`. A fulfilment that matches no open obligation is refused, not
 * stored; every stored event goes through the audit log.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const usage_text =
    "usage: xuke event add [--db PATH] [--calendar FILE] NUMBER TYPE DATE [--year Y] [--note T] "
    "[--ref ID]\n"
    "       xuke event list [--db PATH] NUMBER\n"
    "       xuke event types\n";

static int types(void)
{
    printf("triggers (start an obligation):\n");
    for (size_t i = 0; i < xk_event_type_count(); i++)
        if (xk_event_type_at(i)->trigger)
            printf("  %-24s %s → %s\n", xk_event_type_at(i)->name, xk_event_type_at(i)->title,
                   xk_duty_title(xk_event_type_at(i)->duty));
    printf("fulfilments (meet one):\n");
    for (size_t i = 0; i < xk_event_type_count(); i++)
        if (!xk_event_type_at(i)->trigger)
            printf("  %-24s %s\n", xk_event_type_at(i)->name, xk_event_type_at(i)->title);
    return EXIT_OK;
}

static int add(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},   {"calendar", required_argument, 0, 'c'},
        {"year", required_argument, 0, 'y'}, {"note", required_argument, 0, 'n'},
        {"ref", required_argument, 0, 'r'},  {0, 0, 0, 0}};
    const char *db = NULL, *calpath = NULL;
    xk_event ev;
    memset(&ev, 0, sizeof ev);
    long year = 0, ref = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'c')
            calpath = optarg;
        else if (c == 'y' && !cli_parse_int(optarg, 1990, 2200, &year, "--year"))
            return EXIT_USAGE;
        else if (c == 'n')
            snprintf(ev.note, sizeof ev.note, "%s", optarg);
        else if (c == 'r' && !cli_parse_int(optarg, 1, 1L << 40, &ref, "--ref"))
            return EXIT_USAGE;
        else if (c == '?')
            return EXIT_USAGE;
    }
    char number[64];
    if (argc - optind != 3) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    if (!cli_number_arg(argv[optind], number, sizeof number) ||
        !cli_parse_date(argv[optind + 2], &ev.date, "DATE"))
        return EXIT_USAGE;
    snprintf(ev.type, sizeof ev.type, "%s", argv[optind + 1]);
    ev.year = (int)year;
    if (ref)
        snprintf(ev.ref, sizeof ev.ref, "%ld", ref);
    xk_calendar *cal = cli_load_calendar(calpath);
    xk_store *st = cal ? cli_open_store(db) : NULL;
    int rc = EXIT_OK;
    xk_error err;
    long id;
    if (!st)
        rc = EXIT_FAIL;
    else if (xk_event_record(st, cal, number, &ev, &id, &err) != XK_OK)
        rc = err.code == XK_EUSAGE ? (fprintf(stderr, "xuke: %s\n", err.message), EXIT_FAIL)
                                   : cli_store_error(&err);
    else
        printf("recorded event %ld: %s %s on %s\n", id, number, ev.type, argv[optind + 2]);
    xk_store_close(st);
    xk_calendar_free(cal);
    return rc;
}

static int list(int argc, char **argv)
{
    const char *db = NULL;
    char number[64];
    if (cli_db_options(argc, argv, &db, NULL) != EXIT_OK || argc - optind != 1 ||
        !cli_number_arg(argv[optind], number, sizeof number)) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_event *evs;
    size_t n;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_store_events(st, number, &evs, &n, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else {
        char d[16];
        printf("%s: %zu event%s\n", number, n, n == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++) {
            printf("  #%-5ld %s %-24s", evs[i].id, xk_date_format(evs[i].date, d, sizeof d),
                   evs[i].type);
            if (evs[i].year)
                printf(" year %d", evs[i].year);
            if (*evs[i].ref)
                printf(" ref #%s", evs[i].ref);
            if (*evs[i].note)
                printf(" — %s", evs[i].note);
            printf("  (by %s)\n", evs[i].actor);
        }
        free(evs);
    }
    xk_store_close(st);
    return rc;
}

int cmd_event(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "add") == 0)
        return add(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return list(argc - 1, argv + 1);
    if (argc == 2 && strcmp(argv[1], "types") == 0)
        return types();
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}
