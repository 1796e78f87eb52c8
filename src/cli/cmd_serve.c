/*
 * `xuke serve [--listen ADDR:PORT] [--db PATH] [--public-read] [--threads N] [--check-sites H]
 * [limits…]`: the HTTP JSON API and the web pages, from the same store as the CLI, and with
 * --check-sites the homepage checks every H hours on a thread of their own (their own store
 * connection), and with --notify the reminders' pass (xk_notify_run) every minute on another.
 * Runs until SIGTERM or SIGINT.
 */
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "../server/server.h"
#include "cli.h"
#include "xuke/notify.h"
#include "xuke/sites.h"

static const cli_opt options[] = {
    {"listen", 'l', "ADDR:PORT",
     "numeric address and port (default 127.0.0.1:8080; [::1]:8080 for IPv6; port 0 = any free)",
     0},
    CLI_OPT_DB,
    CLI_OPT_CALENDAR,
    {"public-read", 'p', NULL, "reads need no token (writes still need an editor token)", 0},
    {"allow-host", 'A', "NAME",
     "a Host name answered besides localhost, 127.0.0.1, [::1] and the listening address\n"
     "                             (repeatable, up to 16; others get 421)",
     0},
    {"threads", 't', "N", "request threads, 1 to 64", 2},
    {"max-body", 'b', "BYTES", "largest request body (K, M, G suffixes)", SRV_DEFAULT_MAX_BODY},
    {"max-header", 'H', "BYTES", "largest request header, 1K to 1M", SRV_DEFAULT_MAX_HEADER},
    {"max-connections", 'm', "N", "open connections, 1 to 100000", SRV_DEFAULT_MAX_CONNECTIONS},
    {"per-ip", 'i', "N", "open connections per address, 1 to 100000", SRV_DEFAULT_PER_IP},
    {"idle-timeout", 'T', "SECONDS", "close a silent connection after, 1 to 3600",
     SRV_DEFAULT_IDLE_TIMEOUT},
    {"rate", 'r', "PER_SECOND", "requests per second per token (or address without one); 0 = off",
     (long)SRV_DEFAULT_RATE},
    {"burst", 'B', "N", "requests allowed at once above the rate, 1 to 1000000",
     (long)SRV_DEFAULT_BURST},
    {"grace", 'g', "SECONDS", "time given to requests under way at shutdown, 0 to 3600",
     SRV_DEFAULT_GRACE},
    {"access-log", 'a', "FILE", "one JSON line per request (default: stderr; - for stdout)", 0},
    {"ocr-workers", 'W', "N", "threads reading scans, 1 to 64 (default: cores - 1, at least 1)",
     0},
    {"ocr-queue", 'Q', "N", "scans waiting or being read, 1 to 1024 (more: 503)",
     SRV_DEFAULT_OCR_QUEUE},
    {"ocr-per-token", 'O', "N", "of those, for one token or address, 1 to 1024 (more: 429)",
     SRV_DEFAULT_OCR_PER_TOKEN},
    {"check-sites", 'S', "HOURS", "check the licences' homepages every HOURS, 1 to 8760", 0},
    {"notify", 'N', NULL, "run `xuke notify run` every minute (reminders)", 0},
    {"base-url", 'U', "URL", "the pages' address, for links in reminders", 0},
    {0}};
static const cli_spec spec = {
    "serve",
    "xuke serve [--listen ADDR:PORT] [--db PATH] [--calendar FILE] [--public-read]\n"
    "                  [--allow-host NAME]... [--threads N] [limits...] [--access-log FILE]\n"
    "                  [--ocr-workers N] [--ocr-queue N] [--ocr-per-token N] [--check-sites H]\n"
    "                  [--notify [--base-url URL]]",
    "The HTTP JSON API and the web pages, from the same store as the other commands; with\n"
    "--check-sites, the homepage checks on a schedule; with --notify, the reminders' pass every\n"
    "minute. Runs until SIGTERM or SIGINT.",
    options};

static bool parse_listen(const char *arg, srv_config *cfg)
{
    const char *colon = strrchr(arg, ':');
    if (!colon)
        return false;
    const char *host = arg;
    size_t n = (size_t)(colon - arg);
    if (*arg == '[') {
        if (n < 2 || arg[n - 1] != ']')
            return false;
        host = arg + 1;
        n -= 2;
    }
    if (n == 0 || n >= sizeof cfg->host)
        return false;
    memcpy(cfg->host, host, n);
    cfg->host[n] = '\0';
    long port;
    return cli_parse_int(colon + 1, 0, 65535, &port, "--listen port") &&
           (cfg->port = (unsigned)port, true);
}

static bool unsigned_arg(const char *s, long min, long max, unsigned *out, const char *what)
{
    long v;
    if (!cli_parse_int(s, min, max, &v, what))
        return false;
    *out = (unsigned)v;
    return true;
}

static bool option(int c, srv_config *cfg, const char **log_path)
{
    size_t size;
    long v;
    switch (c) {
    case 'l':
        if (parse_listen(optarg, cfg))
            return true;
        fprintf(stderr, "xuke serve: --listen %s is not ADDRESS:PORT\n", optarg);
        return false;
    case 'd':
        cfg->db = optarg;
        return true;
    case 'c':
        cfg->calendar = optarg;
        return true;
    case 'p':
        cfg->public_read = true;
        return true;
    case 'A':
        if (cfg->n_allow_hosts == SRV_MAX_ALLOW_HOSTS) {
            fprintf(stderr, "xuke serve: more than %u --allow-host names\n", SRV_MAX_ALLOW_HOSTS);
            return false;
        }
        cfg->allow_hosts[cfg->n_allow_hosts++] = optarg;
        return true;
    case 't':
        return unsigned_arg(optarg, 1, 64, &cfg->threads, "--threads");
    case 'b':
        if (cli_max_size_arg(optarg, &size, "serve")) {
            cfg->max_body = size;
            return true;
        }
        return false;
    case 'H':
        if (cli_parse_size(optarg, &size) && size >= 1024 && size <= 1024 * 1024) {
            cfg->max_header = size;
            return true;
        }
        fprintf(stderr, "xuke serve: --max-header must be 1K to 1M\n");
        return false;
    case 'm':
        return unsigned_arg(optarg, 1, 100000, &cfg->max_connections, "--max-connections");
    case 'i':
        return unsigned_arg(optarg, 1, 100000, &cfg->per_ip_connections, "--per-ip");
    case 'T':
        return unsigned_arg(optarg, 1, 3600, &cfg->idle_timeout, "--idle-timeout");
    case 'g':
        return unsigned_arg(optarg, 0, 3600, &cfg->grace, "--grace");
    case 'r':
        if (!cli_parse_int(optarg, 0, 1000000, &v, "--rate"))
            return false;
        cfg->rate = (double)v;
        return true;
    case 'B':
        if (!cli_parse_int(optarg, 1, 1000000, &v, "--burst"))
            return false;
        cfg->burst = (double)v;
        return true;
    case 'a':
        *log_path = optarg;
        return true;
    case 'W':
        return unsigned_arg(optarg, 1, 64, &cfg->ocr_workers, "--ocr-workers");
    case 'Q':
        return unsigned_arg(optarg, 1, 1024, &cfg->ocr_queue, "--ocr-queue");
    case 'O':
        return unsigned_arg(optarg, 1, 1024, &cfg->ocr_per_token, "--ocr-per-token");
    default:
        return false;
    }
}

/* --- the homepage checks on a schedule ------------------------------------------------------ */

typedef struct schedule {
    const srv_config *cfg;
    const char *base_url;
    void (*once)(const struct schedule *s);
    long seconds;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
} schedule;

static void check_sites_once(const schedule *s)
{
    xk_store *st;
    xk_error err;
    xk_error_clear(&err);
    if (xk_store_open(s->cfg->db, &st, &err) != XK_OK) {
        fprintf(stderr, "xuke serve: homepage checks: %s\n", err.message);
        return;
    }
    xk_store_set_actor(st, "homepage-schedule");
    xk_site_options o;
    xk_site_options_init(&o);
    if (xk_sites_check(st, &o, NULL, NULL, NULL, &err) != XK_OK)
        fprintf(stderr, "xuke serve: homepage checks: %s\n", err.message);
    else
        fprintf(stderr, "xuke serve: homepage checks done\n");
    xk_store_close(st);
}

/* One reminders' pass, as `xuke notify run` makes it: a quiet pass says nothing. */
static void notify_once(const schedule *s)
{
    xk_store *st;
    xk_calendar *cal;
    xk_error err;
    xk_error_clear(&err);
    if (xk_calendar_load(xk_calendar_default_path(s->cfg->calendar), &cal, &err) != XK_OK) {
        fprintf(stderr, "xuke serve: reminders: %s\n", err.message);
        return;
    }
    if (xk_store_open(s->cfg->db, &st, &err) != XK_OK) {
        fprintf(stderr, "xuke serve: reminders: %s\n", err.message);
        xk_calendar_free(cal);
        return;
    }
    xk_store_set_actor(st, "notify-schedule");
    xk_notify_options o;
    xk_notify_options_init(&o);
    o.as_of = cli_today();
    o.base_url = s->base_url;
    xk_notify_report rep;
    if (xk_notify_run(st, cal, &o, NULL, NULL, &rep, &err) != XK_OK)
        fprintf(stderr, "xuke serve: reminders: %s\n", err.message);
    else if (rep.decided || rep.sent || rep.retrying || rep.failed)
        fprintf(stderr, "xuke serve: reminders: %zu decided, %zu sent, %zu to retry, %zu failed\n",
                rep.decided, rep.sent, rep.retrying, rep.failed);
    xk_store_close(st);
    xk_calendar_free(cal);
}

static void *schedule_loop(void *arg)
{
    schedule *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        pthread_mutex_unlock(&s->lock);
        s->once(s);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s->seconds;
        pthread_mutex_lock(&s->lock);
        while (!s->stop && pthread_cond_timedwait(&s->wake, &s->lock, &until) == 0) {
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void schedule_stop(schedule *s)
{
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

static int serve_with_schedules(const srv_config *cfg, long hours, bool notify,
                                const char *base_url, char *err, size_t size)
{
    /* the server waits for SIGTERM in sigwait: the scheduled threads must not take it */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    schedule jobs[2] = {
        {cfg, base_url, check_sites_once, hours * 3600, PTHREAD_MUTEX_INITIALIZER,
         PTHREAD_COND_INITIALIZER, false},
        {cfg, base_url, notify_once, 60, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
         false},
    };
    bool wanted[2] = {hours > 0, notify}, started[2] = {false, false};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        started[i] = wanted[i] && pthread_create(&threads[i], NULL, schedule_loop, &jobs[i]) == 0;
        if (wanted[i] && !started[i])
            fprintf(stderr, "xuke serve: cannot start the %s\n",
                    i ? "reminders" : "homepage checks");
    }
    int rc = xk_srv_run(cfg, err, size);
    for (int i = 0; i < 2; i++)
        if (started[i]) {
            schedule_stop(&jobs[i]);
            pthread_join(threads[i], NULL); /* a pass under way finishes first (sends are bounded) */
        }
    return rc;
}

int cmd_serve(int argc, char **argv)
{
    long check_hours = 0;
    bool notify = false;
    const char *base_url = NULL;
    srv_config cfg;
    xk_srv_config_defaults(&cfg);
    const char *log_path = NULL;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (c == 'S') {
            if (!cli_parse_int(optarg, 1, 8760, &check_hours, "--check-sites"))
                return EXIT_USAGE;
            continue;
        }
        if (c == 'N' || c == 'U') {
            notify = notify || c == 'N';
            base_url = c == 'U' ? optarg : base_url;
            continue;
        }
        if (!option(c, &cfg, &log_path))
            return EXIT_USAGE;
    }
    if (optind != argc)
        return cli_usage(&spec);
    cfg.db = cli_db_path(cfg.db);
    if (access(cfg.db, F_OK) != 0 && strcmp(cfg.db, ":memory:") != 0)
        fprintf(stderr, "xuke serve: no store at %s: creating a new, empty one\n", cfg.db);
    if (log_path && strcmp(log_path, "-") == 0) {
        cfg.access_log = stdout;
    } else if (log_path) {
        cfg.access_log = fopen(log_path, "a");
        if (!cfg.access_log) {
            fprintf(stderr, "xuke serve: cannot open access log %s\n", log_path);
            return EXIT_FAIL;
        }
    }
    char err[512];
    int rc = check_hours || notify
                 ? serve_with_schedules(&cfg, check_hours, notify, base_url, err, sizeof err)
                 : xk_srv_run(&cfg, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "xuke serve: %s\n", err);
    if (cfg.access_log && cfg.access_log != stderr && cfg.access_log != stdout)
        fclose(cfg.access_log);
    return rc ? EXIT_FAIL : EXIT_OK;
}
