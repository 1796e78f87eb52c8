/*
 * `xuke event add NUMBER TYPE DATE [--year Y] [--note TEXT] [--ref ID] [--planned]`, `xuke event
 * void ID --reason TEXT`, `xuke event list NUMBER`, `xuke event types`. An event outside the
 * licence's timeline, or a fulfilment that matches no open obligation, is refused, not stored,
 * with what would be accepted; a late filing is kept and said to be late. A mistaken event is
 * voided, never deleted. Every stored event and void goes through the audit log.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const usage_text =
    "usage: xuke event add [--db PATH] [--calendar FILE] NUMBER TYPE DATE [--year Y] [--note T] "
    "[--ref ID] [--planned]\n"
    "       xuke event void [--db PATH] ID --reason TEXT\n"
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
        {"ref", required_argument, 0, 'r'},  {"planned", no_argument, 0, 'p'},
        {0, 0, 0, 0}};
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
        else if (c == 'p')
            ev.planned = true;
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
    xk_event_check check;
    char due[16];
    if (!st)
        rc = EXIT_FAIL;
    else if (xk_event_record(st, cal, cli_today(), number, &ev, &id, &check, &err) != XK_OK)
        rc = err.code == XK_EUSAGE ? (fprintf(stderr, "xuke: %s\n", err.message), EXIT_FAIL)
                                   : cli_store_error(&err);
    else
        printf("recorded event %ld: %s %s on %s%s%s%s\n", id, number, ev.type, argv[optind + 2],
               ev.planned ? " (planned)" : "", check.late ? ", LATE: it was due on " : "",
               check.late ? xk_date_format(check.due, due, sizeof due) : "");
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
        char d[40];
        printf("%s: %zu event%s\n", number, n, n == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++) {
            printf("  #%-5ld %s %-24s", evs[i].id, xk_date_format(evs[i].date, d, sizeof d),
                   evs[i].type);
            if (evs[i].year)
                printf(" year %d", evs[i].year);
            if (*evs[i].ref)
                printf(" ref #%s", evs[i].ref);
            if (evs[i].planned)
                printf(" (planned)");
            if (*evs[i].note)
                printf(" — %s", evs[i].note);
            printf("  (by %s)\n", evs[i].actor);
            if (*evs[i].voided_at)
                printf("         VOIDED %s by %s: %s\n",
                       xk_view_time(evs[i].voided_at, d, sizeof d), evs[i].voided_by,
                       evs[i].void_reason);
        }
        free(evs);
    }
    xk_store_close(st);
    return rc;
}

static int void_event(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, 0, 'd'},
                                             {"reason", required_argument, 0, 'r'},
                                             {0, 0, 0, 0}};
    const char *db = NULL, *reason = NULL;
    long id = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'r')
            reason = optarg;
        else
            return EXIT_USAGE;
    }
    if (argc - optind != 1 || !reason || !*reason) {
        fprintf(stderr, "xuke event void: give the event's id (`xuke event list NUMBER`) and "
                        "--reason TEXT\n");
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    if (!cli_parse_int(argv[optind], 1, 1L << 40, &id, "the event id"))
        return EXIT_USAGE;
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    char number[64];
    xk_error err;
    int rc = EXIT_OK;
    if (xk_store_event_void(st, id, reason, number, &err) != XK_OK)
        rc = cli_store_error(&err);
    else
        printf("voided event %ld of %s: %s\n", id, number, reason);
    xk_store_close(st);
    return rc;
}

int cmd_event(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "add") == 0)
        return add(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return list(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "void") == 0)
        return void_event(argc - 1, argv + 1);
    if (argc == 2 && strcmp(argv[1], "types") == 0)
        return types();
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}
