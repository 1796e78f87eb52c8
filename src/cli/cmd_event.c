/*
 * `xuke event add NUMBER TYPE DATE [--year Y] [--note TEXT] [--ref ID] [--planned]
 * [--evidence FILE]...`, `xuke event
 * void ID --reason TEXT`, `xuke event list NUMBER`, `xuke event baseline --filed-through YEAR`,
 * `xuke event types`. An event outside the
 * licence's timeline, or a fulfilment that matches no open obligation, is refused, not stored,
 * with what would be accepted; a late filing is kept and said to be late. A mistaken event is
 * voided by a correcting entry, never deleted. Every stored event and void goes through the audit log.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt add_options[] = {
    CLI_OPT_DB,
    CLI_OPT_CALENDAR,
    {"year", 'y', "Y", "the year an annual_report_filed reports on (1990 to 2200)", 0},
    {"note", 'n', "TEXT", "a note kept with the event (at most 255 bytes)", 0},
    {"ref", 'r', "ID", "the id of the trigger event this one answers (see `xuke event list`)", 0},
    {"planned", 'p', NULL, "a trigger recorded ahead of its date (a planned launch)", 0},
    {"evidence", 'e', "FILE", "a receipt or notice kept with the event: PDF, PNG or JPEG, at most "
                              "8 MiB (repeat for up to 8 files)", 0},
    {0}};
static const cli_spec add_spec = {
    "event add", "xuke event add [--db PATH] [--calendar FILE] NUMBER TYPE DATE [--year Y]\n"
                 "                      [--note TEXT] [--ref ID] [--planned] [--evidence FILE]...",
    "Records that event TYPE (see `xuke event types`) happened to licence NUMBER on DATE\n"
    "(YYYY-MM-DD). An event outside the licence's timeline, or a fulfilment that meets no open\n"
    "obligation, is refused, not stored; a late filing is kept and said to be late. Evidence\n"
    "files are stored once by SHA-256 and named in the audit log.",
    add_options};
static const cli_opt void_options[] = {
    CLI_OPT_DB, {"reason", 'r', "TEXT", "why it was a mistake (required; kept in the audit log)", 0},
    {0}};
static const cli_spec void_spec = {
    "event void", "xuke event void [--db PATH] ID --reason TEXT",
    "Takes mistaken event ID (see `xuke event list`) back by a correcting entry that names\n"
    "it: the event is kept, marked void, and no longer counts; nothing is deleted.",
    void_options};
static const cli_opt list_options[] = {CLI_OPT_DB, {0}};
static const cli_spec list_spec = {"event list", "xuke event list [--db PATH] NUMBER",
                                   "The events recorded for licence NUMBER, oldest first.",
                                   list_options};
static const cli_opt baseline_options[] = {
    CLI_OPT_DB,
    {"filed-through", 'f', "YEAR", "annual reports up to YEAR were filed (for every licence)", 0},
    {"note", 'n', "TEXT", "a note kept with the baseline (at most 255 bytes)", 0},
    {0}};
static const cli_spec baseline_spec = {
    "event baseline", "xuke event baseline [--db PATH] [--filed-through YEAR [--note TEXT]]",
    "Records, in one audited step, that the annual reports of every licence up to YEAR were\n"
    "filed. Until then a report due before xuke knew its licence shows as \"no filing\n"
    "recorded\", not overdue. Without --filed-through, shows the baseline that counts.",
    baseline_options};
static const cli_opt no_options[] = {{0}};
static const cli_spec types_spec = {
    "event types", "xuke event types",
    "The event types: triggers start an obligation, fulfilments meet one.", no_options};
static const cli_spec event_spec = {
    "event",
    "xuke event add [--db PATH] [--calendar FILE] NUMBER TYPE DATE [--year Y] [--note TEXT]\n"
    "                      [--ref ID] [--planned] [--evidence FILE]...\n"
    "       xuke event void [--db PATH] ID --reason TEXT\n"
    "       xuke event list [--db PATH] NUMBER\n"
    "       xuke event baseline [--db PATH] [--filed-through YEAR [--note TEXT]]\n"
    "       xuke event types",
    "What happened to a licence; the rules turn events into obligations and meet them.\n"
    "`xuke event SUBCOMMAND --help` describes each subcommand.",
    no_options};

/* Copies text into a fixed field whole, or says which option or operand is too long. */
static bool copy_whole(char *out, size_t size, const char *text, const char *what)
{
    size_t len = strlen(text);
    if (len >= size) {
        fprintf(stderr, "xuke event add: %s is %zu bytes, longer than the %zu kept\n", what, len,
                size - 1);
        return false;
    }
    memcpy(out, text, len + 1);
    return true;
}

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
    const char *db = NULL, *calpath = NULL;
    xk_event ev;
    memset(&ev, 0, sizeof ev);
    long year = 0, ref = 0;
    char *paths[XK_MAX_EVIDENCE_FILES];
    size_t n_files = 0;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &add_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        else if (c == 'e' && n_files == XK_MAX_EVIDENCE_FILES) {
            fprintf(stderr, "xuke event add: more than %u --evidence files; an event keeps at "
                            "most %u\n", XK_MAX_EVIDENCE_FILES, XK_MAX_EVIDENCE_FILES);
            return EXIT_USAGE;
        } else if (c == 'e')
            paths[n_files++] = optarg;
        else if (c == 'd')
            db = optarg;
        else if (c == 'c')
            calpath = optarg;
        else if (c == 'y' && !cli_parse_int(optarg, 1990, 2200, &year, "--year"))
            return EXIT_USAGE;
        else if (c == 'n' && !copy_whole(ev.note, sizeof ev.note, optarg, "--note"))
            return EXIT_USAGE;
        else if (c == 'r' && !cli_parse_int(optarg, 1, 1L << 40, &ref, "--ref"))
            return EXIT_USAGE;
        else if (c == 'p')
            ev.planned = true;
    }
    char number[64];
    if (argc - optind != 3)
        return cli_usage(&add_spec);
    if (!cli_number_arg(argv[optind], number, sizeof number) ||
        !cli_parse_date(argv[optind + 2], &ev.date, "DATE") ||
        !copy_whole(ev.type, sizeof ev.type, argv[optind + 1], "TYPE"))
        return EXIT_USAGE;
    ev.year = (int)year;
    if (ref)
        snprintf(ev.ref, sizeof ev.ref, "%ld", ref);
    xk_blob blobs[XK_MAX_EVIDENCE_FILES];
    memset(blobs, 0, sizeof blobs);
    if (!cli_read_blobs(paths, n_files, XK_MAX_EVIDENCE_BYTES, blobs)) {
        cli_free_blobs(blobs, n_files);
        return EXIT_FAIL;
    }
    xk_evidence_file files[XK_MAX_EVIDENCE_FILES];
    for (size_t i = 0; i < n_files; i++) {
        const char *slash = strrchr(paths[i], '/');
        files[i] = (xk_evidence_file){slash ? slash + 1 : paths[i], NULL, blobs[i].bytes,
                                      blobs[i].len};
    }
    xk_calendar *cal = cli_load_calendar(calpath);
    xk_store *st = cal ? cli_open_store(db) : NULL;
    int rc = EXIT_OK;
    xk_error err;
    long id;
    xk_event_check check;
    char due[16];
    if (!st)
        rc = EXIT_FAIL;
    else if (xk_event_record_files(st, cal, cli_today(), number, &ev, files, n_files, &id, &check,
                                   &err) != XK_OK)
        rc = err.code == XK_EUSAGE ? (fprintf(stderr, "xuke: %s\n", err.message), EXIT_FAIL)
                                   : cli_store_error(&err);
    else
        printf("recorded event %ld: %s %s on %s%s%s%s\n", id, number, ev.type, argv[optind + 2],
               ev.planned ? " (planned)" : "", check.late ? ", LATE: it was due on " : "",
               check.late ? xk_date_format(check.due, due, sizeof due) : "");
    xk_store_close(st);
    xk_calendar_free(cal);
    cli_free_blobs(blobs, n_files);
    return rc;
}

static int list(int argc, char **argv)
{
    const char *db = NULL;
    char number[64];
    int go = cli_db_options(argc, argv, &list_spec, &db, NULL);
    if (go != CLI_GO)
        return go;
    if (argc - optind != 1)
        return cli_usage(&list_spec);
    if (!cli_number_arg(argv[optind], number, sizeof number))
        return EXIT_USAGE;
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_event *evs;
    size_t n;
    xk_error err;
    int rc = EXIT_OK;
    xk_evidence *files = NULL;
    size_t n_files = 0;
    if (xk_store_evidence(st, number, &files, &n_files, &err) != XK_OK ||
        xk_store_events(st, number, &evs, &n, &err) != XK_OK) {
        free(files);
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
            for (size_t k = 0; k < n_files; k++)
                if (files[k].event_id == evs[i].id)
                    printf("         evidence %s %s (%s, %lld bytes)\n", files[k].sha256,
                           files[k].name, files[k].kind, files[k].size);
        }
        free(evs);
        free(files);
    }
    xk_store_close(st);
    return rc;
}

static int void_event(int argc, char **argv)
{
    const char *db = NULL, *reason = NULL;
    long id = 0;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &void_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (c == 'd')
            db = optarg;
        else if (c == 'r')
            reason = optarg;
    }
    if (argc - optind != 1 || !reason || !*reason) {
        fprintf(stderr, "xuke event void: give the event's id (`xuke event list NUMBER`) and "
                        "--reason TEXT\n");
        return cli_usage(&void_spec);
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

static void print_baseline(const xk_baseline *b)
{
    char t[40];
    if (!b->filed_through) {
        printf("no baseline recorded: annual reports due before xuke knew a licence show as "
               "\"no filing recorded\" (xuke event baseline --filed-through YEAR)\n");
        return;
    }
    printf("baseline %ld: annual reports up to %d taken as filed (recorded %s by %s)%s%s\n", b->id,
           b->filed_through, xk_view_time(b->recorded_at, t, sizeof t), b->actor,
           *b->note ? " — " : "", b->note);
}

static int baseline(int argc, char **argv)
{
    const char *db = NULL, *note = "";
    long year = 0;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &baseline_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        else if (c == 'd')
            db = optarg;
        else if (c == 'f' && !cli_parse_int(optarg, 1, 9999, &year, "--filed-through"))
            return EXIT_USAGE;
        else if (c == 'n')
            note = optarg;
    }
    if (argc != optind || (*note && !year))
        return cli_usage(&baseline_spec);
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_error err;
    xk_baseline b;
    long id;
    int rc = EXIT_OK;
    if (year && xk_store_baseline_set(st, (int)year, note, cli_today().year, &id, &err) != XK_OK)
        rc = err.code == XK_EUSAGE ? (fprintf(stderr, "xuke: %s\n", err.message), EXIT_FAIL)
                                   : cli_store_error(&err);
    else if (xk_store_baseline_get(st, &b, &err) != XK_OK)
        rc = cli_store_error(&err);
    else
        print_baseline(&b);
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
    if (argc >= 2 && strcmp(argv[1], "baseline") == 0)
        return baseline(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "types") == 0) {
        optind = 1;
        int c = cli_next_opt(argc - 1, argv + 1, &types_spec); /* it has no options but help */
        if (c != -1)
            return cli_exit(c);
        return optind == argc - 1 ? types() : cli_usage(&types_spec);
    }
    return cli_no_subcommand(argc, argv, &event_spec);
}
