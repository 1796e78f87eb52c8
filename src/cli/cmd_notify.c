/*
 * `xuke notify add|list|remove|test|log|run`: reminders of deadlines pushed to DingTalk, WeCom,
 * Feishu, signed webhooks and email. `add` checks a subscription and stores it (the secret stays
 * in its owner-only file); `run` is what cron or a systemd timer calls: it decides what is due
 * as of a date and sends what the outbox holds; `test` shows a service's own answer; `log` is
 * the delivery log. Secrets are never printed.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xuke/notify.h"

static const cli_opt add_options[] = {
    CLI_OPT_DB,
    {"channel", 'C', "NAME", "dingtalk, wecom, feishu, webhook or email", 0},
    {"to", 't', "URL|ADDRESS", "the robot's or webhook's URL, or the email recipient", 0},
    {"secret-file", 's', "FILE", "the signing secret (or SMTP password), owner-only file", 0},
    {"licence", 'n', "NUMBER", "a licence to watch; repeatable", 0},
    {"company", 'o', "TEXT", "licences whose company name contains TEXT", 0},
    {"all", 'a', NULL, "every licence", 0},
    {"days", 'D', "LIST", "days before a deadline to remind, largest first (90,30,7,1)", 0},
    {"overdue", 'O', "CADENCE", "reminders once overdue: daily, weekly (default) or off", 0},
    {"lang", 'l', "zh|en", "the messages' language (zh)", 0},
    {"quiet", 'q', "HH:MM-HH:MM", "hold messages in these hours (Asia/Shanghai)", 0},
    {"digest", 'g', NULL, "one message a day listing everything due", 0},
    {"smtp", 'S', "URL", "email: smtp://[USER@]HOST:587 (STARTTLS) or smtps://[USER@]HOST:465",
     0},
    {"from", 'f', "ADDRESS", "email: the sender", 0},
    {0}};
static const cli_spec add_spec = {
    "notify add",
    "xuke notify add [--db PATH] --channel dingtalk|wecom|feishu|webhook|email --to URL|ADDRESS\n"
    "                       [--secret-file FILE] [--licence NUMBER]... [--company TEXT] [--all]\n"
    "                       [--days 90,30,7,1] [--overdue daily|weekly|off] [--lang zh|en]\n"
    "                       [--quiet 22:00-08:00] [--digest] [--smtp URL --from ADDRESS]",
    "Subscribes a chat robot, a webhook or a mailbox to reminders of deadlines.", add_options};
static const cli_opt list_options[] = {CLI_OPT_DB, CLI_OPT_JSON,
                                       {"removed", 'r', NULL, "removed ones too", 0}, {0}};
static const cli_spec list_spec = {"notify list", "xuke notify list [--db PATH] [--json] [--removed]",
                                   "The subscriptions; secrets are never shown.", list_options};
static const cli_opt id_options[] = {CLI_OPT_DB, {0}};
static const cli_spec remove_spec = {"notify remove", "xuke notify remove [--db PATH] ID",
                                     "Removes a subscription; its unsent messages are cancelled.",
                                     id_options};
static const cli_opt test_options[] = {
    CLI_OPT_DB, {"timeout", 'T', "SECONDS", "for the send, 1 to 600", 0}, {0}};
static const cli_spec test_spec = {
    "notify test", "xuke notify test [--db PATH] [--timeout SECONDS] ID",
    "Sends a test message now and shows the service's own answer.", test_options};
static const cli_opt log_options[] = {CLI_OPT_DB,
                                      CLI_OPT_JSON,
                                      {"failed", 'F', NULL, "only messages that failed", 0},
                                      {"limit", 'L', "N", "the newest N (default 100)", 0},
                                      {0}};
static const cli_spec log_spec = {"notify log",
                                  "xuke notify log [--db PATH] [--failed] [--limit N] [--json]",
                                  "The delivery log, newest first.", log_options};
static const cli_opt run_options[] = {
    CLI_OPT_DB,
    CLI_OPT_CALENDAR,
    {"as-of", 'A', "DATE", "count deadlines from DATE (default: today in China)", 0},
    {"now", 'N', "TIME", "the time of sending, YYYY-MM-DDTHH:MM+08:00 or …Z (default: now)", 0},
    {"dry-run", 'y', NULL, "say what would be sent; write and send nothing", 0},
    {"base-url", 'b', "URL", "link messages to the licence pages under URL", 0},
    {"timeout", 'T', "SECONDS", "per send, 1 to 600", 0},
    {0}};
static const cli_spec run_spec = {
    "notify run",
    "xuke notify run [--db PATH] [--as-of DATE] [--now TIME] [--dry-run] [--base-url URL]\n"
    "                       [--timeout SECONDS] [--calendar FILE]",
    "Decides which reminders are due and sends what the outbox holds: what cron or a systemd\n"
    "timer calls. Each reminder is decided once; a message is sent until a service confirms\n"
    "it, retried with backoff for 24 hours. Exits 1 when a message failed for good.",
    run_options};
static const cli_opt no_options[] = {{0}};
static const cli_spec notify_spec = {
    "notify",
    "xuke notify add|list|remove|test|log|run [OPTIONS]",
    "Reminders of deadlines pushed to DingTalk, WeCom, Feishu, signed webhooks and email.\n"
    "`xuke notify SUBCOMMAND --help` describes each subcommand.",
    no_options};

static bool add_option(int c, xk_subscription *sub, const char **db)
{
    xk_error err;
    xk_error_clear(&err);
    switch (c) {
    case 'd':
        *db = optarg;
        return true;
    case 'C':
        if (xk_channel_parse(optarg, &sub->channel))
            return true;
        fprintf(stderr, "xuke notify add: unknown channel \"%s\": use dingtalk, wecom, feishu, "
                        "webhook or email\n",
                optarg);
        return false;
    case 't':
    case 's':
    case 'o':
    case 'S':
    case 'f': {
        char *dst = c == 't' ? sub->target
                    : c == 's' ? sub->secret_file
                    : c == 'o' ? sub->company
                    : c == 'S' ? sub->smtp
                               : sub->from;
        size_t size = c == 'o' ? sizeof sub->company : sizeof sub->target;
        if (strlen(optarg) >= size) {
            fprintf(stderr, "xuke notify add: a value is longer than %zu bytes\n", size - 1);
            return false;
        }
        snprintf(dst, size, "%s", optarg);
        return true;
    }
    case 'n':
        if (sub->n_licences == XK_NOTIFY_MAX_LICENCES) {
            fprintf(stderr, "xuke notify add: more than %u --licence\n", XK_NOTIFY_MAX_LICENCES);
            return false;
        }
        return cli_number_arg(optarg, sub->licences[sub->n_licences++], sizeof sub->licences[0]);
    case 'a':
        sub->all = true;
        return true;
    case 'g':
        sub->digest = true;
        return true;
    case 'l':
        snprintf(sub->lang, sizeof sub->lang, "%s", strlen(optarg) == 2 ? optarg : "?");
        return true;
    case 'O':
        if (xk_overdue_parse(optarg, &sub->overdue))
            return true;
        fprintf(stderr, "xuke notify add: --overdue is daily, weekly or off\n");
        return false;
    case 'D':
    case 'q':
        if ((c == 'D' ? xk_notify_parse_days(optarg, sub, &err)
                      : xk_notify_parse_quiet(optarg, sub, &err)) == XK_OK)
            return true;
        fprintf(stderr, "xuke notify add: %s\n", err.message);
        return false;
    default:
        return false;
    }
}

static int notify_add(int argc, char **argv)
{
    xk_subscription sub;
    xk_subscription_init(&sub);
    sub.channel = 0;
    const char *db = NULL;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &add_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (!add_option(c, &sub, &db))
            return EXIT_USAGE;
    }
    if (optind != argc || !sub.channel || !*sub.target)
        return cli_usage(&add_spec);
    xk_error err;
    xk_error_clear(&err);
    if (xk_notify_check_subscription(&sub, &err) != XK_OK) {
        fprintf(stderr, "xuke notify add: %s\n", err.message);
        return EXIT_USAGE;
    }
    xk_store *st = cli_open_store_create(db);
    if (!st)
        return EXIT_FAIL;
    int rc = EXIT_OK;
    if (xk_store_subscription_add(st, &sub, &err) != XK_OK)
        rc = cli_store_error(&err);
    else
        printf("subscription %ld added\n", sub.id);
    xk_store_close(st);
    return rc;
}

static void print_subscription(const xk_subscription *sub)
{
    char shown[XK_NOTIFY_MAX_TARGET * 2], whose[512];
    xk_notify_target_shown(sub, shown, sizeof shown);
    if (sub->all)
        snprintf(whose, sizeof whose, "all licences");
    else if (*sub->company)
        snprintf(whose, sizeof whose, "company contains \"%s\"%s", sub->company,
                 sub->n_licences ? " and named licences" : "");
    else
        snprintf(whose, sizeof whose, "%zu licence%s (%s%s)", sub->n_licences,
                 sub->n_licences == 1 ? "" : "s", sub->licences[0],
                 sub->n_licences > 1 ? ", …" : "");
    printf("%ld %s %s%s\n", sub->id, xk_channel_name(sub->channel), shown,
           *sub->removed_at ? " (removed)" : "");
    printf("    %s; days", whose);
    for (size_t i = 0; i < sub->n_days; i++)
        printf("%s%d", i ? "," : " ", sub->days[i]);
    printf("; overdue %s; %s", xk_overdue_name(sub->overdue), sub->lang);
    if (sub->quiet_from >= 0)
        printf("; quiet %02d:%02d-%02d:%02d", sub->quiet_from / 60, sub->quiet_from % 60,
               sub->quiet_until / 60, sub->quiet_until % 60);
    printf("%s%s\n", sub->digest ? "; digest" : "", *sub->secret_file ? "; secret: set" : "");
}

static int notify_list(int argc, char **argv)
{
    const char *db = NULL;
    bool json = false, removed = false;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &list_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (c == 'd')
            db = optarg;
        else if (c == 'j')
            json = true;
        else if (c == 'r')
            removed = true;
    }
    if (optind != argc)
        return cli_usage(&list_spec);
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_subscription *subs;
    size_t n;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_store_subscriptions(st, removed, &subs, &n, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else if (json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, xk_notify_subscription_json(&subs[i]));
        rc = cli_print_json(a);
    } else {
        for (size_t i = 0; i < n; i++)
            print_subscription(&subs[i]);
        if (n == 0)
            printf("no subscriptions\n");
    }
    free(subs);
    xk_store_close(st);
    return rc;
}

/* The subscription ID operand of remove and test. */
static bool id_operand(int argc, char **argv, long *id)
{
    return optind == argc - 1 && cli_parse_int(argv[optind], 1, 1L << 40, id, "ID");
}

static int notify_remove(int argc, char **argv)
{
    const char *db = NULL;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &remove_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        db = optarg;
    }
    long id;
    if (!id_operand(argc, argv, &id))
        return cli_usage(&remove_spec);
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_store_subscription_remove(st, id, &err) != XK_OK)
        rc = cli_store_error(&err);
    else
        printf("subscription %ld removed\n", id);
    xk_store_close(st);
    return rc;
}

static int notify_test(int argc, char **argv)
{
    const char *db = NULL;
    xk_notify_options o;
    xk_notify_options_init(&o);
    long v;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &test_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (c == 'd')
            db = optarg;
        else if (c == 'T' && !cli_parse_int(optarg, 1, 600, &v, "--timeout"))
            return EXIT_USAGE;
        else if (c == 'T')
            o.timeout_seconds = (int)v;
    }
    long id;
    if (!id_operand(argc, argv, &id))
        return cli_usage(&test_spec);
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_subscription sub;
    xk_error err;
    xk_error_clear(&err);
    int rc = EXIT_OK;
    if (xk_store_subscription_get(st, id, &sub, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else {
        char answer[XK_NOTIFY_ANSWER_BYTES + 1];
        xk_status s = xk_notify_test(&sub, &o, answer, sizeof answer, &err);
        if (*answer)
            printf("the service answered: %s\n", answer);
        if (s != XK_OK) {
            fprintf(stderr, "xuke notify test: %s\n", err.message);
            rc = EXIT_FAIL;
        } else {
            printf("subscription %ld: test message accepted\n", id);
        }
    }
    xk_store_close(st);
    return rc;
}

static int notify_log(int argc, char **argv)
{
    const char *db = NULL;
    bool json = false, failed = false;
    long limit = 100;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &log_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (c == 'd')
            db = optarg;
        else if (c == 'j')
            json = true;
        else if (c == 'F')
            failed = true;
        else if (c == 'L' && !cli_parse_int(optarg, 1, 1000000, &limit, "--limit"))
            return EXIT_USAGE;
    }
    if (optind != argc)
        return cli_usage(&log_spec);
    xk_store *st = cli_open_store(db);
    if (!st)
        return EXIT_FAIL;
    xk_outbox_msg *m;
    size_t n;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_store_outbox_log(st, failed, (size_t)limit, &m, &n, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else if (json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, xk_notify_message_json(&m[i]));
        rc = cli_print_json(a);
        xk_outbox_msgs_free(m, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            char created[32], sent[32];
            xk_notify_time(m[i].created_ms, created);
            xk_notify_time(m[i].sent_ms, sent);
            printf("%ld subscription %ld %s after %d attempt%s: %s\n", m[i].id, m[i].subscription,
                   m[i].status, m[i].attempts, m[i].attempts == 1 ? "" : "s", m[i].title);
            printf("    decided %s%s%s%s%s\n", created, *sent ? ", sent " : "", sent,
                   *m[i].answer ? "; answer: " : "", m[i].answer);
        }
        if (n == 0)
            printf(failed ? "no failed messages\n" : "no messages\n");
        xk_outbox_msgs_free(m, n);
    }
    xk_store_close(st);
    return rc;
}

/* --- run ------------------------------------------------------------------------------------- */

/* "2026-12-07T23:30+08:00", "…:SS+08:00", "…Z": milliseconds since 1970. */
static bool parse_now(const char *s, long long *ms)
{
    int y, mo, d, h, mi, sec = 0, used = 0;
    char rest[16] = "";
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &used) != 5)
        return false;
    const char *p = s + used;
    if (*p == ':') {
        int more = 0;
        if (sscanf(p, ":%2d%n", &sec, &more) != 1)
            return false;
        p += more;
    }
    snprintf(rest, sizeof rest, "%s", p);
    int offset;
    if (strcmp(rest, "Z") == 0)
        offset = 0;
    else if (strlen(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':')
        offset = (rest[0] == '-' ? -1 : 1) * ((rest[1] - '0') * 600 + (rest[2] - '0') * 60 +
                                              (rest[4] - '0') * 10 + (rest[5] - '0'));
    else
        return false;
    if (!xk_date_valid(y, mo, d) || h > 23 || mi > 59 || sec > 59)
        return false;
    xk_date date = {y, mo, d};
    *ms = ((long long)xk_date_to_days(date) * 86400 + h * 3600 + mi * 60 + sec - offset * 60) *
          1000;
    return true;
}

static void on_run(const char *what, const xk_outbox_msg *m, void *ctx)
{
    (void)ctx;
    printf("%s: message %ld (subscription %ld, %zu reminder%s): %s", what, m->id,
           m->subscription, m->n_items, m->n_items == 1 ? "" : "s", m->title);
    if (*m->answer && strcmp(what, "decided") != 0 && strcmp(what, "would send") != 0 &&
        strcmp(what, "held") != 0)
        printf(" — %s", m->answer);
    printf("\n");
    fflush(stdout);
}

static bool run_option(int c, xk_notify_options *o, const char **db, const char **calendar,
                       bool *as_of_given)
{
    long v;
    switch (c) {
    case 'd':
        *db = optarg;
        return true;
    case 'c':
        *calendar = optarg;
        return true;
    case 'A':
        *as_of_given = true;
        return cli_parse_date(optarg, &o->as_of, "--as-of");
    case 'N':
        if (parse_now(optarg, &o->now_ms))
            return true;
        fprintf(stderr, "xuke notify run: --now \"%s\" is not a time like "
                        "2026-12-07T23:30+08:00\n",
                optarg);
        return false;
    case 'y':
        o->dry_run = true;
        return true;
    case 'b':
        o->base_url = optarg;
        return true;
    case 'T':
        return cli_parse_int(optarg, 1, 600, &v, "--timeout") && (o->timeout_seconds = (int)v, 1);
    default:
        return false;
    }
}

static int notify_run(int argc, char **argv)
{
    xk_notify_options o;
    xk_notify_options_init(&o);
    const char *db = NULL, *calendar = NULL;
    bool as_of_given = false;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &run_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (!run_option(c, &o, &db, &calendar, &as_of_given))
            return EXIT_USAGE;
    }
    if (optind != argc)
        return cli_usage(&run_spec);
    if (!as_of_given)
        o.as_of = o.now_ms ? xk_date_from_days((long)((o.now_ms / 1000 + 8 * 3600) / 86400))
                           : cli_today();
    xk_calendar *cal = cli_load_calendar(calendar);
    if (!cal)
        return EXIT_FAIL;
    xk_store *st = cli_open_store(db);
    if (!st) {
        xk_calendar_free(cal);
        return EXIT_FAIL;
    }
    xk_store_set_actor(st, "notify");
    xk_notify_report rep;
    xk_error err;
    xk_error_clear(&err);
    int rc = EXIT_OK;
    if (xk_notify_run(st, cal, &o, on_run, NULL, &rep, &err) != XK_OK)
        rc = cli_store_error(&err);
    else
        printf("%zu reminder%s decided in %zu message%s; %zu sent, %zu to retry, %zu failed, "
               "%zu held%s\n",
               rep.decided, rep.decided == 1 ? "" : "s", rep.messages,
               rep.messages == 1 ? "" : "s", rep.sent, rep.retrying, rep.failed, rep.held,
               o.dry_run ? " (dry run: nothing written or sent)" : "");
    if (rc == EXIT_OK && rep.failed)
        rc = EXIT_FAIL;
    xk_store_close(st);
    xk_calendar_free(cal);
    return rc;
}

int cmd_notify(int argc, char **argv)
{
    static const cli_subcommand subs[] = {
        {"add", notify_add},   {"list", notify_list}, {"remove", notify_remove},
        {"test", notify_test}, {"log", notify_log},   {"run", notify_run},
    };
    return cli_run_subcommand(argc, argv, subs, sizeof subs / sizeof subs[0], &notify_spec);
}
