/*
 * File input and diagnostics for the CLI. Inputs are read whole (documents are small and
 * limited); the limit is checked while reading, so a huge file or endless pipe is refused
 * without being held in memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

xk_status cli_read_file(const char *path, size_t max, char **out, size_t *len, xk_error *err)
{
    *out = NULL;
    *len = 0;
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return xk_error_set(err, XK_EIO, 0, "cannot open: %s", strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(f);
        return xk_error_set(err, XK_EIO, 0, "is a directory");
    }
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size > max) {
        if (!is_stdin)
            fclose(f);
        return xk_error_set(err, XK_ETOOBIG, 0, "file is %lld bytes, over the %zu-byte limit "
                            "(--max-size)", (long long)sb.st_size, max);
    }
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap + 1);
    xk_status st = buf ? XK_OK : xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    while (st == XK_OK) {
        if (n == cap) {
            if (cap > max) {
                st = xk_error_set(err, XK_ETOOBIG, 0, "input is over the %zu-byte limit "
                                  "(--max-size)", max);
                break;
            }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                st = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                st = xk_error_set(err, XK_EIO, 0, "read error: %s", strerror(errno));
            break;
        }
    }
    if (st == XK_OK && n > max)
        st = xk_error_set(err, XK_ETOOBIG, 0, "input is %zu bytes, over the %zu-byte limit "
                          "(--max-size)", n, max);
    if (!is_stdin)
        fclose(f);
    if (st != XK_OK) {
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return XK_OK;
}

void cli_print_error_to(FILE *to, const char *path, const xk_error *err)
{
    if (err->line > 0)
        fprintf(to, "%s:%d: %s\n", path, err->line, err->message);
    else
        fprintf(to, "%s: %s\n", path, err->message);
}

void cli_print_error(const char *path, const xk_error *err)
{
    cli_print_error_to(stderr, path, err);
}

void cli_print_problems_to(FILE *to, const char *path, const xk_licence *lic, bool errors_only)
{
    for (size_t i = 0; i < lic->n_problems; i++) {
        const xk_problem *p = &lic->problems[i];
        if (errors_only && p->severity != XK_SEV_ERROR)
            continue;
        const char *sev = p->severity == XK_SEV_ERROR ? "error" : "warning";
        if (p->line > 0)
            fprintf(to, "%s:%d: %s: %s\n", path, p->line, sev, p->message);
        else
            fprintf(to, "%s: %s: %s\n", path, sev, p->message);
    }
    if (lic->n_problems_dropped)
        fprintf(to, "%s: ... and %zu more problems\n", path, lic->n_problems_dropped);
}

void cli_print_problems(const char *path, const xk_licence *lic, bool errors_only)
{
    cli_print_problems_to(stderr, path, lic, errors_only);
}

bool cli_parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return false;
    unsigned long long mult = 1;
    if (*end == 'K' || *end == 'k')
        mult = 1024ULL, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1024ULL * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mult = 1024ULL * 1024 * 1024, end++;
    if (*end != '\0' || v > ((unsigned long long)-1) / mult)
        return false;
    *out = (size_t)(v * mult);
    return true;
}

bool cli_max_size_arg(const char *arg, size_t *out, const char *cmd)
{
    if (cli_parse_size(arg, out) && *out > 0 && *out <= XK_MAX_DOCUMENT_BYTES_CEILING)
        return true;
    fprintf(stderr, "xuke %s: --max-size must be 1 to %u bytes\n", cmd,
            XK_MAX_DOCUMENT_BYTES_CEILING);
    return false;
}

int cli_print_json(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!s) {
        fprintf(stderr, "xuke: out of memory\n");
        return EXIT_FAIL;
    }
    puts(s);
    free(s);
    return EXIT_OK;
}

bool cli_read_blobs(char **paths, size_t n, size_t max, xk_blob *blobs)
{
    for (size_t i = 0; i < n; i++) {
        xk_error err;
        xk_error_clear(&err);
        char *bytes = NULL;
        xk_status rc = cli_read_file(paths[i], max, &bytes, &blobs[i].len, &err);
        blobs[i].bytes = bytes;
        if (rc != XK_OK) {
            cli_print_error(paths[i], &err);
            return false;
        }
    }
    return true;
}

void cli_free_blobs(xk_blob *blobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)blobs[i].bytes);
}

int cli_run_subcommand(int argc, char **argv, const cli_subcommand *subs, size_t n,
                       const cli_spec *spec)
{
    for (size_t i = 0; argc >= 2 && i < n; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    return cli_no_subcommand(argc, argv, spec);
}
