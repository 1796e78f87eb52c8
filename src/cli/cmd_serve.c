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
#include "xuke/limits.h"
#include "xuke/notify.h"
#include "xuke/sites.h"

static const cli_opt options[] = {
    {"config", 'C', "FILE",
     "read options from FILE, one \"name = value\" a line (names as below, without --;\n"
     "                             switches take true or false); the command line wins", 0},
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
    {"trusted-proxy", 'P', "ADDR",
     "numeric address of a reverse proxy whose X-Forwarded-Proto: https makes the sign-in\n"
     "                             cookie Secure, and whose X-Forwarded-For names the client\n"
     "                             (its right-most address other than the proxy's)",
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
     XK_SRV_OCR_QUEUE},
    {"ocr-per-token", 'O', "N", "of those, for one token or address, 1 to 1024 (more: 429)",
     XK_SRV_OCR_PER_TOKEN},
    {"check-sites", 'S', "HOURS", "check the licences' homepages every HOURS, 1 to 8760", 0},
    {"notify", 'N', NULL, "run `xuke notify run` every minute (reminders)", 0},
    {"base-url", 'U', "URL", "the pages' address, for links in reminders", 0},
    {0}};
static const cli_spec spec = {
    "serve",
    "xuke serve [--config FILE] [--listen ADDR:PORT] [--db PATH] [--calendar FILE] [--public-read]\n"
    "                  [--allow-host NAME]... [--trusted-proxy ADDR] [--threads N] [limits...]\n"
    "                  [--access-log FILE]\n"
    "                  [--ocr-workers N] [--ocr-queue N] [--ocr-per-token N] [--check-sites H]\n"
    "                  [--notify [--base-url URL]]",
    "The HTTP JSON API and the web pages, from the same store as the other commands; with\n"
    "--check-sites, the homepage checks on a schedule; with --notify, the reminders' pass every\n"
    "minute. Runs until SIGTERM or SIGINT. SIGHUP rereads the configuration file and the\n"
    "calendar without closing a connection.",
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
    case 'P':
        cfg->trusted_proxy = optarg;
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
        return unsigned_arg(optarg, 1, XK_SRV_OCR_WORKERS_MAX, &cfg->ocr_workers, "--ocr-workers");
    case 'Q':
        return unsigned_arg(optarg, 1, XK_SRV_OCR_QUEUE_MAX, &cfg->ocr_queue, "--ocr-queue");
    case 'O':
        return unsigned_arg(optarg, 1, XK_SRV_OCR_QUEUE_MAX, &cfg->ocr_per_token, "--ocr-per-token");
    default:
        return false;
    }
}

/* --- the configuration file ----------------------------------------------------------------- */

/* What the command line and the configuration file set besides srv_config. */
typedef struct serve_setup {
    int argc;
    char **argv;
    const char *config; /* --config FILE, or NULL */
    char *text;         /* the file's text: the values cfg points into */
    char *reload_text;  /* the same, as read by the last reload */
    const char *log_path;
    long check_hours;
    bool notify;          /* --notify: the reminders' pass every minute */
    const char *base_url; /* --base-url for the reminders' links */
} serve_setup;

static const cli_opt *option_named(const char *name)
{
    for (const cli_opt *o = options; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static bool setting(int c, const char *value, srv_config *cfg, serve_setup *su)
{
    optarg = (char *)value;
    if (c == 'S')
        return cli_parse_int(value, 1, 8760, &su->check_hours, "--check-sites");
    if (c == 'N') {
        su->notify = true;
        return true;
    }
    if (c == 'U') {
        su->base_url = value;
        return true;
    }
    return option(c, cfg, &su->log_path);
}

static bool switch_value(const char *v, bool *on)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                               "off", "0"};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
            *on = strcmp(v, yes[i]) == 0;
            return true;
        }
    return false;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* One "name = value" line of the file; false after saying what is wrong with it. */
static bool file_line(const char *path, int lineno, char *line, srv_config *cfg, serve_setup *su)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    line = trim(line);
    if (!*line)
        return true;
    char *eq = strchr(line, '=');
    if (!eq) {
        fprintf(stderr, "xuke serve: %s:%d: \"%s\" is not \"name = value\"\n", path, lineno, line);
        return false;
    }
    *eq = '\0';
    char *key = trim(line), *value = trim(eq + 1);
    const cli_opt *o = option_named(key);
    if (!o || o->letter == 'C') {
        fprintf(stderr, "xuke serve: %s:%d: unknown key \"%s\" (the options of `xuke serve "
                        "--help`, without --)\n", path, lineno, key);
        return false;
    }
    bool on = false;
    if (!o->value && !switch_value(value, &on)) {
        fprintf(stderr, "xuke serve: %s:%d: %s takes true or false, not \"%s\"\n", path, lineno,
                key, value);
        return false;
    }
    if (!o->value) {
        if (o->letter == 'p')
            cfg->public_read = on;
        else if (o->letter == 'N')
            su->notify = on;
        return true;
    }
    if (!*value || !setting(o->letter, value, cfg, su)) {
        fprintf(stderr, "xuke serve: %s:%d: bad value \"%s\" for %s\n", path, lineno, value, key);
        return false;
    }
    return true;
}

static bool read_config(serve_setup *su, srv_config *cfg)
{
    xk_error err;
    xk_error_clear(&err);
    size_t len;
    free(su->text);
    su->text = NULL;
    if (cli_read_file(su->config, XK_SERVE_CONFIG_MAX_BYTES, &su->text, &len, &err) != XK_OK) {
        fprintf(stderr, "xuke serve: %s: %s\n", su->config, err.message);
        return false;
    }
    if (memchr(su->text, '\0', len)) {
        fprintf(stderr, "xuke serve: %s: not a text file\n", su->config);
        return false;
    }
    int lineno = 1;
    for (char *line = su->text; line; lineno++) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (!file_line(su->config, lineno, line, cfg, su))
            return false;
        line = nl ? nl + 1 : NULL;
    }
    return true;
}

/* --config FILE from the command line, before the other options are read. */
static const char *config_arg(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--config=", 9) == 0)
            return argv[i] + 9;
    }
    return NULL;
}

/* The defaults, then the file, then the command line: CLI_GO, or the exit code. */
static int configure(serve_setup *su, srv_config *cfg)
{
    xk_srv_config_defaults(cfg);
    su->log_path = NULL;
    su->check_hours = 0;
    su->notify = false;
    su->base_url = NULL;
    su->config = config_arg(su->argc, su->argv);
    if (su->config && !read_config(su, cfg))
        return EXIT_USAGE;
    bool hosts_from_command_line = false;
    int c;
    optind = 1;
    while ((c = cli_next_opt(su->argc, su->argv, &spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (c == 'C')
            continue;
        if (c == 'A' && !hosts_from_command_line) { /* the command line's list replaces the file's */
            hosts_from_command_line = true;
            cfg->n_allow_hosts = 0;
        }
        if (!setting(c, optarg, cfg, su))
            return EXIT_USAGE;
    }
    if (optind != su->argc)
        return cli_usage(&spec);
    cfg->db = cli_db_path(cfg->db);
    return CLI_GO;
}

/* SIGHUP (srv_config.reload): the file and the command line read again. The server takes what
 * it uses from fresh during the call (the calendar's path, public-read), so the text read for
 * the previous reload can go; the first one stays, the running configuration points into it. */
static bool reconfigure(void *arg, srv_config *fresh, char *err, size_t size)
{
    serve_setup *su = arg;
    serve_setup again = *su;
    again.text = NULL;
    again.reload_text = NULL;
    int rc = configure(&again, fresh);
    free(su->reload_text);
    su->reload_text = again.text;
    if (rc != CLI_GO) {
        snprintf(err, size, "%s does not read (see above)", su->config ? su->config : "");
        return false;
    }
    return true;
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
    sigaddset(&set, SIGHUP);
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
    serve_setup su = {argc, argv, NULL, NULL, NULL, NULL, 0, false, NULL};
    srv_config cfg;
    int go = configure(&su, &cfg);
    if (go != CLI_GO) {
        free(su.text);
        return go;
    }
    cfg.reload = reconfigure;
    cfg.reload_arg = &su;
    if (access(cfg.db, F_OK) != 0 && strcmp(cfg.db, ":memory:") != 0)
        fprintf(stderr, "xuke serve: no store at %s: creating a new, empty one\n", cfg.db);
    if (su.log_path && strcmp(su.log_path, "-") == 0) {
        cfg.access_log = stdout;
    } else if (su.log_path) {
        cfg.access_log = fopen(su.log_path, "a");
        cfg.access_log_path = su.log_path;
        if (!cfg.access_log) {
            fprintf(stderr, "xuke serve: cannot open access log %s\n", su.log_path);
            free(su.text);
            return EXIT_FAIL;
        }
    }
    char err[512];
    int rc = su.check_hours || su.notify
                 ? serve_with_schedules(&cfg, su.check_hours, su.notify, su.base_url, err,
                                        sizeof err)
                 : xk_srv_run(&cfg, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "xuke serve: %s\n", err);
    if (cfg.access_log && cfg.access_log != stderr && cfg.access_log != stdout)
        fclose(cfg.access_log);
    free(su.text);
    free(su.reload_text);
    return rc ? EXIT_FAIL : EXIT_OK;
}
