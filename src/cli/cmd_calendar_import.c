/*
 * `xuke calendar import NOTICE [--calendar FILE] [--dry-run] [--replace]`: the State Council's
 * annual holiday notice written into the holiday calendar. The notice is read and checked by
 * the library (xk_notice_parse); the merged calendar is parsed again as a whole before anything
 * is written; the change is shown as removed and added lines; the file is replaced atomically
 * (a temporary file beside it, fsync, rename), so an error at any step leaves it as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "xuke/limits.h"
#include "xuke/notice.h"

static const cli_opt import_options[] = {
    CLI_OPT_CALENDAR,
    {"dry-run", 'n', NULL, "check the notice and show the year; write nothing", 0},
    {"replace", 'r', NULL, "overwrite the year when the calendar already holds it", 0},
    {0}};
static const cli_spec import_spec = {
    "calendar import", "xuke calendar import NOTICE [--calendar FILE] [--dry-run] [--replace]",
    "Reads the State Council General Office's annual notice\n"
    "(国务院办公厅关于YYYY年部分节假日安排的通知, UTF-8 or GB18030, as copied from the\n"
    "published page) and writes that year's rest days and make-up working days (…上班) into\n"
    "the calendar file. Weekdays in brackets, each 共N天 and each 上班 day are checked; on any\n"
    "error nothing is written.",
    import_options};

/* Lines of a that b lacks, each printed after mark. */
static void print_missing(const char *a, const char *b, char mark)
{
    for (const char *p = a; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        bool there = false;
        for (const char *q = b; *q && !there;) {
            const char *ql = strchr(q, '\n');
            size_t m = ql ? (size_t)(ql - q) : strlen(q);
            there = m == n && memcmp(p, q, n) == 0;
            q += m + (ql != NULL);
        }
        if (!there && n)
            printf("%c%.*s\n", mark, (int)n, p);
        p += n + (nl != NULL);
    }
}

/* Replaces path with text[0..len): a temporary file in the same directory, synced, renamed. */
static bool write_atomic(const char *path, const char *text, size_t len)
{
    char tmp[4096], dir[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= sizeof tmp)
        return fprintf(stderr, "xuke calendar import: %s: path too long\n", path), false;
    struct stat sb;
    mode_t mode = stat(path, &sb) == 0 ? (sb.st_mode & 07777) : 0644;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "xuke calendar import: %s: cannot create a file beside it: %s\n", path,
                strerror(errno));
        return false;
    }
    bool ok = fchmod(fd, mode) == 0;
    for (size_t done = 0; ok && done < len;) {
        ssize_t w = write(fd, text + done, len - done);
        ok = w > 0;
        done += ok ? (size_t)w : 0;
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "xuke calendar import: %s: cannot write: %s\n", path, strerror(errno));
        unlink(tmp);
        return false;
    }
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd); /* the rename itself is durable; a failure here loses nothing written */
        close(dfd);
    }
    return true;
}

/* The calendar file's text: "" when it does not exist yet (an empty calendar). */
static bool read_calendar(const char *path, char **text, size_t *len)
{
    xk_error err;
    xk_error_clear(&err);
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        *text = calloc(1, 1);
        *len = 0;
        return *text != NULL;
    }
    if (cli_read_file(path, XK_CALENDAR_MAX_BYTES, text, len, &err) != XK_OK) {
        fprintf(stderr, "xuke calendar import: %s: %s\n", path, err.message);
        return false;
    }
    return true;
}

static int import_notice(const char *notice_path, const char *calpath, bool dry_run,
                         bool replace)
{
    xk_error err;
    xk_error_clear(&err);
    char *bytes;
    size_t len;
    if (cli_read_file(notice_path, XK_NOTICE_MAX_BYTES, &bytes, &len, &err) != XK_OK) {
        fprintf(stderr, "xuke calendar import: %s: %s\n", notice_path, err.message);
        return EXIT_FAIL;
    }
    xk_notice notice;
    xk_status st = xk_notice_parse(bytes, len, notice_path, &notice, &err);
    free(bytes);
    if (st != XK_OK) {
        fprintf(stderr, "xuke calendar import: %s\n", err.message);
        return EXIT_FAIL;
    }
    char *old, *merged = NULL;
    size_t old_len, merged_len;
    if (!read_calendar(calpath, &old, &old_len))
        return EXIT_FAIL;
    xk_calendar *cal = NULL;
    st = xk_notice_merge(old, old_len, &notice, replace, &merged, &merged_len, &err);
    if (st == XK_OK)
        st = xk_calendar_parse(merged, merged_len, calpath, &cal, &err);
    int rc = EXIT_FAIL;
    if (st != XK_OK) {
        fprintf(stderr, "xuke calendar import: %s: %s\n", calpath, err.message);
    } else if (dry_run) {
        printf("dry run: %s is not changed\n", calpath);
        cli_print_calendar_year(cal, notice.year, calpath);
        rc = EXIT_OK;
    } else {
        printf("--- %s\n+++ %s (%d from %s)\n", calpath, calpath, notice.year, notice_path);
        print_missing(old, merged, '-');
        print_missing(merged, old, '+');
        if (write_atomic(calpath, merged, merged_len)) {
            printf("%s: %d written: %zu rest periods, %zu make-up working days\n", calpath,
                   notice.year, notice.n_off, notice.n_work);
            rc = EXIT_OK;
        }
    }
    xk_calendar_free(cal);
    free(merged);
    free(old);
    return rc;
}

int cmd_calendar_import(int argc, char **argv)
{
    const char *calpath = NULL;
    bool dry_run = false, replace = false;
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &import_spec)) != -1) {
        if (c < -1)
            return cli_exit(c);
        if (c == 'c')
            calpath = optarg;
        else if (c == 'n')
            dry_run = true;
        else if (c == 'r')
            replace = true;
    }
    if (argc - optind != 1)
        return cli_usage(&import_spec);
    return import_notice(argv[optind], xk_calendar_default_path(calpath), dry_run, replace);
}
