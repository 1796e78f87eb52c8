/*
 * `xuke user add NAME --role reader|editor|admin`, `xuke user list [--json]`, `xuke user
 * disable NAME`, `xuke user passwd NAME`: the accounts people sign in to the web pages with.
 * A password is asked for on the terminal (twice, not echoed) or read from --password-file
 * (its first line; "-" for standard input); never from the command line, where ps would show
 * it, and never printed.
 */
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include <sodium.h>

#include "cli.h"
#include "xuke/users.h"

#define PASSWORD_FILE_OPT                                                                          \
    {                                                                                              \
        "password-file", 'p', "FILE",                                                              \
            "read the password from the first line of FILE (- for standard input) instead of "     \
            "asking",                                                                              \
            0                                                                                      \
    }

static const cli_opt add_options[] = {
    CLI_OPT_DB,
    {"role", 'r', "ROLE", "reader, editor or admin (required)", 0},
    PASSWORD_FILE_OPT,
    {0}};
static const cli_spec add_spec = {
    "user add", "xuke user add [--db PATH] NAME --role reader|editor|admin [--password-file FILE]",
    "Adds account NAME, who signs in to the web pages with the password asked for (twice, on the "
    "terminal) or read from FILE. The store keeps only its Argon2id hash.",
    add_options};
static const cli_opt list_options[] = {CLI_OPT_DB, CLI_OPT_JSON, {0}};
static const cli_spec list_spec = {
    "user list", "xuke user list [--db PATH] [--json]",
    "Every account: name, role, when added, when its password was set, when disabled.",
    list_options};
static const cli_opt disable_options[] = {CLI_OPT_DB, {0}};
static const cli_spec disable_spec = {
    "user disable", "xuke user disable [--db PATH] NAME",
    "Disables account NAME: it cannot sign in, and its open sessions end now.", disable_options};
static const cli_opt passwd_options[] = {CLI_OPT_DB, PASSWORD_FILE_OPT, {0}};
static const cli_spec passwd_spec = {
    "user passwd", "xuke user passwd [--db PATH] NAME [--password-file FILE]",
    "Sets a new password for account NAME; its open sessions end now.", passwd_options};
static const cli_opt no_options[] = {{0}};
static const cli_spec user_spec = {
    "user",
    "xuke user add [--db PATH] NAME --role reader|editor|admin [--password-file FILE]\n"
    "       xuke user list [--db PATH] [--json]\n"
    "       xuke user disable [--db PATH] NAME\n"
    "       xuke user passwd [--db PATH] NAME [--password-file FILE]",
    "Accounts for the web pages. `xuke user SUBCOMMAND --help` describes each subcommand.",
    no_options};

#define PW_BUF (XK_PASSWORD_MAX_BYTES + 8)

/* The first line of path ("-": stdin) into pw, without its line end; false after saying why. */
static bool password_from_file(const char *path, char pw[PW_BUF], size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    xk_error err;
    if (cli_read_file(path, XK_PASSWORD_MAX_BYTES + 2, &text, &n, &err) != XK_OK) {
        fprintf(stderr, "xuke user: %s: %s\n", strcmp(path, "-") ? path : "standard input",
                err.code == XK_ETOOBIG ? "longer than a password may be" : err.message);
        free(text);
        return false;
    }
    size_t line = 0;
    while (line < n && text[line] != '\n')
        line++;
    size_t end = line;
    if (end > 0 && text[end - 1] == '\r') end--;
    bool more = line + 1 < n; /* something after the first line: not a password file */
    if (!more && end < PW_BUF) {
        memcpy(pw, text, end);
        pw[end] = '\0';
        *len = end;
    }
    sodium_memzero(text, n);
    free(text);
    if (more || end >= PW_BUF) {
        fprintf(stderr, "xuke user: %s: a password file holds one line, the password\n",
                strcmp(path, "-") ? path : "standard input");
        return false;
    }
    return true;
}

/* One line from the terminal without echo; false at end of input or on error. */
static bool ask(const char *prompt, char pw[PW_BUF], size_t *len)
{
    struct termios old, quiet;
    if (tcgetattr(STDIN_FILENO, &old) != 0) return false;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    /* quiet first, then the prompt: what is typed after the prompt is never flushed away */
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) return false;
    fputs(prompt, stderr);
    fflush(stderr);
    bool ok = fgets(pw, PW_BUF, stdin) != NULL;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (!ok) return false;
    *len = strcspn(pw, "\r\n");
    if (pw[*len] == '\0' && *len == PW_BUF - 1) {
        fprintf(stderr, "xuke user: longer than a password may be (%u bytes)\n",
                XK_PASSWORD_MAX_BYTES);
        return false;
    }
    pw[*len] = '\0';
    return true;
}

/* The new password for name: from file, or asked twice on the terminal. */
static bool new_password(const char *name, const char *file, char pw[PW_BUF], size_t *len)
{
    if (file) return password_from_file(file, pw, len);
    if (!isatty(STDIN_FILENO)) {
        fprintf(stderr, "xuke user: no terminal to ask for the password on: give "
                        "--password-file FILE (- for standard input)\n");
        return false;
    }
    char prompt[128], again[PW_BUF];
    size_t again_len = 0;
    snprintf(prompt, sizeof prompt, "password for %s: ", name);
    if (!ask(prompt, pw, len) || !ask("the same again: ", again, &again_len)) return false;
    bool same = again_len == *len && sodium_memcmp(again, pw, *len) == 0;
    sodium_memzero(again, sizeof again);
    if (!same) fprintf(stderr, "xuke user: the two passwords differ; nothing was changed\n");
    return same;
}

/* The password (asked or read, then checked) and the store, or the exit code to return. */
static int prepare(const char *name, const char *file, const char *db, char pw[PW_BUF], size_t *len,
                   xk_store **st)
{
    if (!new_password(name, file, pw, len)) return EXIT_FAIL;
    xk_error err;
    if (xk_password_ok(pw, *len, &err) != XK_OK) {
        fprintf(stderr, "xuke user: %s\n", err.message);
        return EXIT_FAIL;
    }
    *st = cli_open_store_create(db);
    return *st ? EXIT_OK : EXIT_FAIL;
}

static int add_user(int argc, char **argv)
{
    const char *db = NULL, *file = NULL;
    xk_role role = XK_ROLE_NONE;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &add_spec)) != -1) {
        if (c < -1) return cli_exit(c);
        if (c == 'd') {
            db = optarg;
        } else if (c == 'p') {
            file = optarg;
        } else if (c == 'r' && !xk_role_parse(optarg, &role)) {
            fprintf(stderr, "xuke user: --role must be reader, editor or admin\n");
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1 || role == XK_ROLE_NONE) return cli_usage(&add_spec);
    const char *name = argv[optind];
    if (!xk_token_name_ok(name)) {
        fprintf(stderr, "xuke user: account name \"%s\" must be 1-%d of A-Z a-z 0-9 . _ -\n", name,
                XK_USER_NAME_MAX);
        return EXIT_USAGE;
    }
    char pw[PW_BUF];
    size_t len = 0;
    xk_store *st = NULL;
    int rc = prepare(name, file, db, pw, &len, &st);
    if (rc == EXIT_OK) {
        xk_error err;
        if (xk_user_add(st, name, role, pw, len, &err) != XK_OK)
            rc = cli_store_error(&err);
        else
            printf("account %s (%s) added\n", name, xk_role_name(role));
        xk_store_close(st);
    }
    sodium_memzero(pw, sizeof pw);
    return rc;
}

static int passwd_user(int argc, char **argv)
{
    const char *db = NULL, *file = NULL;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &passwd_spec)) != -1) {
        if (c < -1) return cli_exit(c);
        if (c == 'd')
            db = optarg;
        else if (c == 'p')
            file = optarg;
    }
    if (argc - optind != 1) return cli_usage(&passwd_spec);
    const char *name = argv[optind];
    char pw[PW_BUF];
    size_t len = 0;
    xk_store *st = NULL;
    int rc = prepare(name, file, db, pw, &len, &st);
    if (rc == EXIT_OK) {
        xk_error err;
        if (xk_user_passwd(st, name, pw, len, &err) != XK_OK)
            rc = cli_store_error(&err);
        else
            printf("account %s: password changed; its sessions ended\n", name);
        xk_store_close(st);
    }
    sodium_memzero(pw, sizeof pw);
    return rc;
}

static json_t *user_json(const xk_user_info *u)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", u->name, "role", xk_role_name(u->role),
                     "created_at", u->created_at, "password_at", u->password_at, "disabled_at",
                     *u->disabled_at ? json_string(u->disabled_at) : json_null());
}

static int list_users(int argc, char **argv)
{
    const char *db = NULL;
    bool json = false;
    int go = cli_db_options(argc, argv, &list_spec, &db, &json);
    if (go != CLI_GO) return go;
    if (optind != argc) return cli_usage(&list_spec);
    xk_store *st = cli_open_store(db);
    if (!st) return EXIT_FAIL;
    xk_user_info *u;
    size_t n;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_user_list(st, &u, &n, &err) != XK_OK) {
        rc = cli_store_error(&err);
    } else if (json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, user_json(&u[i]));
        rc = cli_print_json(a);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%-24s %-7s added %s  password set %s%s%s\n", u[i].name, xk_role_name(u[i].role),
                   u[i].created_at, u[i].password_at, *u[i].disabled_at ? "  disabled " : "",
                   u[i].disabled_at);
        if (n == 0) printf("no accounts\n");
    }
    free(u);
    xk_store_close(st);
    return rc;
}

static int disable_user(int argc, char **argv)
{
    const char *db = NULL;
    int go = cli_db_options(argc, argv, &disable_spec, &db, NULL);
    if (go != CLI_GO) return go;
    if (argc - optind != 1) return cli_usage(&disable_spec);
    xk_store *st = cli_open_store(db);
    if (!st) return EXIT_FAIL;
    xk_error err;
    int rc = EXIT_OK;
    if (xk_user_disable(st, argv[optind], &err) != XK_OK)
        rc = cli_store_error(&err);
    else
        printf("account %s disabled; its sessions ended\n", argv[optind]);
    xk_store_close(st);
    return rc;
}

int cmd_user(int argc, char **argv)
{
    static const cli_subcommand subs[] = {{"add", add_user},
                                          {"list", list_users},
                                          {"disable", disable_user},
                                          {"passwd", passwd_user}};
    return cli_run_subcommand(argc, argv, subs, sizeof subs / sizeof subs[0], &user_spec);
}
