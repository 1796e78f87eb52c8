/*
 * `xuke status [--as-of DATE] [--number N] [--json] [--fail-on LIST]`: one row per licence with
 * its status, the next deadline and every overdue obligation. `xuke deadlines [--as-of DATE]
 * [--within DAYS] [--number N] [--json|--ics] [--fail-on-any]`: the agenda of open obligations,
 * soonest first, each with its legal basis. Every output states the date it was computed for,
 * and which unpublished calendar years (if any) make dates provisional.
 *
 * Both are meant for scheduled jobs, so they never answer "all clear" when they cannot know:
 * a missing store or one holding no licences is an error. Exit codes (README "Alerting"):
 * 0 nothing matched, 1 something matched --fail-on / --fail-on-any, 2 usage, 3 no answer (no
 * store, an empty store, a store or calendar error).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xuke/agenda.h"

enum { EXIT_MATCHED = 1, EXIT_NO_ANSWER = 3 };

/* What --fail-on can name: the statuses, and "overdue" for any overdue obligation. */
#define FAIL_ON_OVERDUE (1u << 8)

typedef struct rules_opts {
    const char *db, *calendar;
    xk_date as_of;
    long within;
    char number[64];
    bool json, ics, fail_on_any;
    unsigned fail_on; /* bit per xk_licence_status, plus FAIL_ON_OVERDUE */
} rules_opts;

static const xk_licence_status all_statuses[] = {
    XK_STATUS_NOT_YET_VALID, XK_STATUS_VALID,   XK_STATUS_RENEWAL_DUE,
    XK_STATUS_RENEWAL_OVERDUE, XK_STATUS_EXPIRED, XK_STATUS_REMOVED, XK_STATUS_CANCELLED};

/* "renewal_overdue,overdue" → bits; prints what is accepted when a word is not. */
static bool parse_fail_on(const char *list, unsigned *out)
{
    char word[64];
    const char *p = list;
    *out = 0;
    while (*p) {
        size_t n = strcspn(p, ",");
        snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word - 1 ? n : sizeof word - 1), p);
        unsigned bit = strcmp(word, "overdue") == 0 ? FAIL_ON_OVERDUE : 0;
        for (size_t i = 0; !bit && i < sizeof all_statuses / sizeof all_statuses[0]; i++)
            if (strcmp(word, xk_status_name(all_statuses[i])) == 0)
                bit = 1u << all_statuses[i];
        if (!bit) {
            fprintf(stderr,
                    "xuke status: --fail-on \"%s\" is not one of overdue, not_yet_valid, valid, "
                    "renewal_due, renewal_overdue, expired, removed, cancelled\n",
                    word);
            return false;
        }
        *out |= bit;
        p += n;
        p += *p == ',';
    }
    return *out != 0;
}

#define OPT_AS_OF {"as-of", 'a', "DATE", "compute for this day (default: today in China)", 0}
#define OPT_NUMBER {"number", 'n', "NUMBER", "only this licence", 0}

static const cli_opt status_options[] = {
    CLI_OPT_DB,
    CLI_OPT_CALENDAR,
    OPT_AS_OF,
    OPT_NUMBER,
    CLI_OPT_JSON,
    {"fail-on", 'f', "LIST",
     "exit 1 when a licence matches: overdue and/or statuses, comma-separated", 0},
    {0}};
static const cli_spec status_spec = {
    "status",
    "xuke status [--db PATH] [--calendar FILE] [--as-of DATE] [--number N] [--json]\n"
    "                   [--fail-on STATUS,...|overdue]",
    "Each licence's status, its next deadline and every overdue obligation. Exit 0: nothing\n"
    "matched --fail-on; 1: something did; 2: usage; 3: no answer (no store, an empty one, a\n"
    "store or calendar error).",
    status_options};

static const cli_opt deadlines_options[] = {
    CLI_OPT_DB,
    CLI_OPT_CALENDAR,
    OPT_AS_OF,
    {"within", 'w', "DAYS", "only obligations due within DAYS (0 to 36500)", 0},
    OPT_NUMBER,
    CLI_OPT_JSON,
    {"ics", 'i', NULL, "answer as an iCalendar feed", 0},
    {"fail-on-any", 'F', NULL, "exit 1 when any obligation is listed", 0},
    {0}};
static const cli_spec deadlines_spec = {
    "deadlines",
    "xuke deadlines [--db PATH] [--calendar FILE] [--as-of DATE] [--within DAYS]\n"
    "                      [--number N] [--json|--ics] [--fail-on-any]",
    "The agenda of open obligations, soonest first, each with its legal basis. Exit 0:\n"
    "nothing listed (or no --fail-on-any); 1: something listed with --fail-on-any; 2: usage;\n"
    "3: no answer (no store, an empty one, a store or calendar error).",
    deadlines_options};

/* CLI_GO, or the exit code to return at once (after --help or a bad command line). */
static int parse(int argc, char **argv, rules_opts *o, bool deadlines)
{
    const cli_spec *spec = deadlines ? &deadlines_spec : &status_spec;
    memset(o, 0, sizeof *o);
    o->as_of = cli_today();
    o->within = -1;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, spec)) != -1) {
        bool ok = true;
        if (c < -1)
            return cli_exit(c);
        else if (c == 'd')
            o->db = optarg;
        else if (c == 'c')
            o->calendar = optarg;
        else if (c == 'a')
            ok = cli_parse_date(optarg, &o->as_of, "--as-of");
        else if (c == 'w')
            ok = cli_parse_int(optarg, 0, 36500, &o->within, "--within");
        else if (c == 'n')
            ok = cli_number_arg(optarg, o->number, sizeof o->number);
        else if (c == 'j')
            o->json = true;
        else if (c == 'i')
            o->ics = true;
        else if (c == 'f')
            ok = parse_fail_on(optarg, &o->fail_on);
        else if (c == 'F')
            o->fail_on_any = true;
        if (!ok)
            return EXIT_USAGE;
    }
    if (o->json && o->ics)
        fprintf(stderr, "xuke deadlines: --json and --ics are two answers: choose one\n");
    if (optind != argc || (o->json && o->ics))
        return cli_usage(spec);
    return CLI_GO;
}

/* Colours on a terminal only, and never under NO_COLOR (https://no-color.org) or TERM=dumb:
 * piped output stays plain text for scripts. */
static bool use_colour(void)
{
    const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !(no && *no) && !(term && strcmp(term, "dumb") == 0);
}

static const char *status_colour(xk_licence_status s)
{
    switch (s) {
    case XK_STATUS_VALID:
        return "\033[32m"; /* green */
    case XK_STATUS_RENEWAL_DUE:
        return "\033[33m"; /* yellow */
    case XK_STATUS_RENEWAL_OVERDUE:
    case XK_STATUS_EXPIRED:
        return "\033[1;31m"; /* bold red */
    default:
        return "\033[2m"; /* dim: not yet valid, removed */
    }
}

/* text padded to width, coloured when colour is on (the padding outside the escapes) */
static void print_coloured(const char *text, int width, const char *colour, bool colour_on)
{
    int pad = width - (int)strlen(text);
    printf("%s%s%s%*s", colour_on ? colour : "", text, colour_on ? "\033[0m" : "", pad > 0 ? pad : 0,
           "");
}

static void print_obligation(const char *indent, const xk_obligation *ob)
{
    char d[16], w[16], prov[64];
    xk_provisional_format(&ob->prov, prov, sizeof prov);
    printf("%s%s %s [%s]%s%s%s\n", indent, xk_date_format(ob->due, d, sizeof d),
           xk_duty_title(ob->duty), ob->basis,
           xk_date_cmp(ob->due, ob->due_workday) ? " last working day " : "",
           xk_date_cmp(ob->due, ob->due_workday) ? xk_date_format(ob->due_workday, w, sizeof w)
                                                  : "",
           *prov ? " (provisional)" : "");
    char rule[200];
    xk_obligation_rule(ob, rule, sizeof rule);
    printf("%s    %s\n", indent, rule);
}

typedef struct status_out {
    bool json, colour;
    json_t *rows;
    xk_provisional prov;
    size_t counts[XK_STATUS_COUNT];
    unsigned fail_on;
    size_t matched;    /* rows that match --fail-on */
    size_t unrecorded; /* annual reports with no filing recorded, over every row */
} status_out;

static bool status_row(const xk_status_row *r, void *ctx)
{
    status_out *o = ctx;
    o->counts[r->status]++;
    o->unrecorded += r->n_unrecorded;
    if ((o->fail_on & (1u << r->status)) || ((o->fail_on & FAIL_ON_OVERDUE) && r->n_overdue))
        o->matched++;
    xk_provisional_merge(&o->prov, &r->prov);
    char e[16];
    if (o->json) {
        json_array_append_new(o->rows, xk_view_status_row(r));
        return true;
    }
    printf("%-18s ", r->licence->number);
    print_coloured(xk_status_name(r->status), 16, status_colour(r->status), o->colour);
    printf(" expires %s  %s\n", xk_date_format(r->licence->expires, e, sizeof e),
           r->licence->company);
    if (r->next)
        print_obligation("    next: ", r->next);
    for (size_t i = 0; i < r->n_overdue; i++)
        print_obligation(o->colour ? "    \033[1;31mOVERDUE\033[0m: " : "    OVERDUE: ",
                         r->overdue[i]);
    if (r->n_unrecorded) { /* one line, not a wall: these are questions, not alarms */
        printf("    no filing recorded: annual report%s for",
               r->n_unrecorded == 1 ? "" : "s");
        for (size_t i = 0; i < r->n_unrecorded; i++)
            printf("%s %d", i ? "," : "", r->unrecorded[i]->year);
        printf(" [%s] (due before xuke knew the licence)\n", r->unrecorded[0]->basis);
    }
    return true;
}

static void print_header(const char *what, xk_date as_of, const xk_provisional *prov)
{
    char d[16], years[64];
    printf("%s as of %s", what, xk_date_format(as_of, d, sizeof d));
    xk_provisional_format(prov, years, sizeof years);
    if (*years)
        printf(" (provisional: holiday calendar for %s not published)", years);
    printf("\n");
}

/* unrecorded: annual reports with no filing recorded, counted for the reader of the JSON */
static void json_wrap(json_t *items, const char *key, xk_date as_of, const xk_provisional *prov,
                      size_t unrecorded)
{
    json_t *o = xk_view_dated(items, key, as_of, prov);
    if (o)
        json_object_set_new(o, "no_filing_recorded", json_integer((json_int_t)unrecorded));
    cli_print_json(o);
}

/* Reports due before xuke knew their licence, with nothing recorded: neither overdue nor left
 * out without a word. */
static void warn_unrecorded(const char *cmd, size_t n)
{
    fprintf(stderr,
            "xuke %s: %zu annual report%s due before xuke knew %s licence%s no filing recorded "
            "and %s not counted overdue%s: record the filings already made with `xuke event "
            "baseline --filed-through YEAR` (or `xuke event add NUMBER annual_report_filed DATE "
            "--year Y`)\n",
            cmd, n, n == 1 ? "" : "s", n == 1 ? "its" : "their", n == 1 ? " has" : "s have",
            n == 1 ? "is" : "are", strcmp(cmd, "deadlines") == 0 ? " (status lists them)" : "");
}

/* True when the store holds at least one licence; otherwise says so: an empty store (a new
 * one, or the wrong one) has no deadlines, and "nothing due" from it would be a false all-clear. */
static bool has_licences(xk_store *st, const char *db)
{
    xk_store_stats s;
    xk_error err;
    if (xk_store_stats_get(st, &s, &err) != XK_OK) {
        fprintf(stderr, "xuke: %s\n", err.message);
        return false;
    }
    if (s.licences > 0)
        return true;
    fprintf(stderr,
            "xuke: the store %s holds no licences, so there is nothing to report on: import "
            "licences first (xuke import FILE...) or name another store with --db PATH or "
            "XUKE_DB\n",
            cli_db_shown(db));
    return false;
}

/* The calendar and the store both commands need; false (nothing left open) on failure. */
static bool open_rules(const rules_opts *o, xk_calendar **cal, xk_store **st)
{
    *cal = cli_load_calendar(o->calendar);
    *st = *cal ? cli_open_store(o->db) : NULL;
    if (*st && has_licences(*st, o->db))
        return true;
    xk_store_close(*st);
    *st = NULL;
    xk_calendar_free(*cal);
    return false;
}

int cmd_status(int argc, char **argv)
{
    rules_opts o;
    int rc = parse(argc, argv, &o, false);
    if (rc != CLI_GO)
        return rc;
    rc = EXIT_OK;
    xk_calendar *cal;
    xk_store *st;
    if (!open_rules(&o, &cal, &st))
        return EXIT_NO_ANSWER;
    status_out out = {o.json, !o.json && use_colour(), json_array(), {{0}, 0}, {0}, o.fail_on,
                      0, 0};
    xk_error err;
    if (!o.json)
        print_header("status", o.as_of, &out.prov);
    if (xk_status_scan(st, cal, o.as_of, *o.number ? o.number : NULL, status_row, &out, &err) !=
        XK_OK) {
        cli_store_error(&err);
        rc = err.code == XK_EUSAGE ? EXIT_USAGE : EXIT_NO_ANSWER;
    } else if (o.json) {
        json_wrap(json_incref(out.rows), "licences", o.as_of, &out.prov, out.unrecorded);
    } else {
        printf("%zu valid, %zu renewal due, %zu renewal overdue, %zu expired, %zu not yet valid, "
               "%zu removed, %zu cancelled\n",
               out.counts[XK_STATUS_VALID], out.counts[XK_STATUS_RENEWAL_DUE],
               out.counts[XK_STATUS_RENEWAL_OVERDUE], out.counts[XK_STATUS_EXPIRED],
               out.counts[XK_STATUS_NOT_YET_VALID], out.counts[XK_STATUS_REMOVED],
               out.counts[XK_STATUS_CANCELLED]);
        cli_warn_provisional(&out.prov);
    }
    if (rc == EXIT_OK && out.unrecorded)
        warn_unrecorded("status", out.unrecorded);
    if (rc == EXIT_OK && out.matched) {
        fprintf(stderr, "xuke status: %zu licence%s match --fail-on\n", out.matched,
                out.matched == 1 ? "" : "s");
        rc = EXIT_MATCHED;
    }
    json_decref(out.rows);
    xk_store_close(st);
    xk_calendar_free(cal);
    return rc;
}

int cmd_deadlines(int argc, char **argv)
{
    rules_opts o;
    int rc = parse(argc, argv, &o, true);
    if (rc != CLI_GO)
        return rc;
    rc = EXIT_OK;
    xk_calendar *cal;
    xk_store *st;
    if (!open_rules(&o, &cal, &st))
        return EXIT_NO_ANSWER;
    xk_agenda a;
    xk_error err;
    if (xk_agenda_build(st, cal, o.as_of, (int)o.within, *o.number ? o.number : NULL, &a, &err) !=
        XK_OK) {
        cli_store_error(&err);
        rc = err.code == XK_EUSAGE ? EXIT_USAGE : EXIT_NO_ANSWER;
    } else if (o.ics) {
        char *ics = xk_agenda_ics(&a, o.as_of);
        if (ics)
            fputs(ics, stdout);
        free(ics);
        cli_warn_provisional(&a.prov);
    } else if (o.json) {
        json_t *items = xk_view_agenda(&a, 0);
        json_wrap(items, "deadlines", o.as_of, &a.prov, a.n_unrecorded);
    } else {
        bool colour = use_colour();
        print_header("deadlines", o.as_of, &a.prov);
        for (size_t i = 0; i < a.n; i++) {
            xk_agenda_item it = xk_agenda_at(&a, i);
            printf("%s%-18s %s\n",
                   !it.ob.overdue ? "        "
                   : colour       ? "\033[1;31mOVERDUE\033[0m "
                                  : "OVERDUE ",
                   it.number, it.company);
            print_obligation("          ", &it.ob);
        }
        if (a.n == 0)
            printf("nothing open\n");
        cli_warn_provisional(&a.prov);
    }
    if (rc == EXIT_OK && a.n_unrecorded)
        warn_unrecorded("deadlines", a.n_unrecorded);
    if (rc == EXIT_OK && o.fail_on_any && a.n) {
        fprintf(stderr, "xuke deadlines: %zu open obligation%s (--fail-on-any)\n", a.n,
                a.n == 1 ? "" : "s");
        rc = EXIT_MATCHED;
    }
    xk_agenda_free(&a);
    xk_store_close(st);
    xk_calendar_free(cal);
    return rc;
}
