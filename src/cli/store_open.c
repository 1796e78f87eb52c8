/*
 * Opening the registry from the CLI: --db PATH, else $XUKE_DB, else ./xuke.db; the actor in the
 * audit log is the OS user. Also the small helpers every registry subcommand shares.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *cli_db_path(const char *flag)
{
    if (flag && *flag)
        return flag;
    const char *env = getenv("XUKE_DB");
    return env && *env ? env : "xuke.db";
}

const char *cli_db_shown(const char *flag)
{
    static char shown[1024];
    xk_store_location_shown(cli_db_path(flag), shown, sizeof shown);
    return shown;
}

static xk_store *open_store(const char *flag, bool create)
{
    const char *path = cli_db_path(flag);
    bool existed = xk_store_is_server(path) || access(path, F_OK) == 0;
    xk_store *st;
    xk_error err;
    xk_error_clear(&err);
    xk_status rc = create ? xk_store_open(path, &st, &err)
                          : xk_store_open_existing(path, &st, &err);
    if (rc != XK_OK) {
        fprintf(stderr, "xuke: %s\n", err.message);
        return NULL;
    }
    if (create && !existed && strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0)
        fprintf(stderr, "xuke: created a new store %s\n", path);
    struct passwd *pw = getpwuid(geteuid());
    const char *user = pw && pw->pw_name ? pw->pw_name : getenv("USER");
    xk_store_set_actor(st, user ? user : "unknown");
    return st;
}

xk_store *cli_open_store(const char *flag)
{
    return open_store(flag, false);
}

xk_store *cli_open_store_create(const char *flag)
{
    return open_store(flag, true);
}

bool cli_number_arg(const char *arg, char *out, size_t size)
{
    xk_number n;
    if (!xk_number_normalise(arg, strlen(arg), &n)) {
        fprintf(stderr, "xuke: \"%s\" is not a licence number (e.g. 京B2-20224676)\n", arg);
        return false;
    }
    snprintf(out, size, "%s", n.text);
    return true;
}

int cli_store_error(const xk_error *err)
{
    fprintf(stderr, "xuke: %s\n", err->message);
    return err->code == XK_EUSAGE ? EXIT_USAGE : EXIT_FAIL;
}

bool cli_parse_date(const char *s, xk_date *out, const char *what)
{
    if (xk_date_parse_iso(s, out))
        return true;
    fprintf(stderr, "xuke: %s \"%s\" is not a date (YYYY-MM-DD)\n", what, s);
    return false;
}

xk_date cli_today(void)
{
    time_t t = time(NULL);
    struct tm tm;
    /* deadlines are Chinese calendar days: today in China (UTC+8) */
    t += 8 * 3600;
    gmtime_r(&t, &tm);
    xk_date d = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    return d;
}

bool cli_parse_int(const char *s, long min, long max, long *out, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "xuke: %s \"%s\" is not a whole number from %ld to %ld\n", what, s, min,
                max);
        return false;
    }
    *out = v;
    return true;
}

int cli_db_options(int argc, char **argv, const cli_spec *spec, const char **db, bool *json)
{
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (c == 'd')
            *db = optarg;
        else if (c == 'j' && json)
            *json = true;
        else
            return cli_usage(spec);
    }
    return CLI_GO;
}
