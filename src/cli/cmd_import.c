/*
 * `xuke import [--db PATH] [--strict] [--batch N] [--max-size BYTES] FILE|DIR...`: imports
 * licence documents, scans and JSON records, recursing into directories (files ending .txt,
 * .text, .json, .jsonl, .png, .jpg, .jpeg, .tif, .tiff, .pdf). Licences are committed in batches for speed; each is atomic on its own.
 * A failed licence is reported and skipped; --strict stops at the first failure and writes
 * nothing at all. Progress goes to stderr on a terminal; the summary to stdout.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/buf.h"
#include "cli.h"

/* Paths packed one after another in one buffer (a million files: one allocation of their
 * bytes, not a million small ones), each found by its offset. */
typedef struct file_list {
    xk_buf text;
    size_t *offs;
    size_t n, cap;
} file_list;

static bool push_path(file_list *fl, const char *path)
{
    if (fl->n == fl->cap) {
        size_t cap = fl->cap ? fl->cap * 2 : 64;
        size_t *no = realloc(fl->offs, cap * sizeof *no);
        if (!no)
            return false;
        fl->offs = no;
        fl->cap = cap;
    }
    size_t off = fl->text.len;
    if (!xk_buf_append(&fl->text, path, strlen(path) + 1)) /* with its NUL */
        return false;
    fl->offs[fl->n++] = off;
    return true;
}

static const char *path_at(const file_list *fl, size_t i)
{
    return fl->text.data + fl->offs[i];
}

static void free_list(file_list *fl)
{
    xk_buf_free(&fl->text);
    free(fl->offs);
    memset(fl, 0, sizeof *fl);
}

static bool importable_name(const char *name)
{
    /* in directories only: a file named on the command line is read whatever its name, and
     * every file's format is told from its first bytes */
    static const char *const exts[] = {".txt",  ".text", ".json", ".jsonl", ".png", ".jpg",
                                       ".jpeg", ".tif",  ".tiff", ".pdf"};
    size_t n = strlen(name);
    if (name[0] == '.')
        return false;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t m = strlen(exts[i]);
        if (n > m && strcmp(name + n - m, exts[i]) == 0)
            return true;
    }
    return false;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Depth-first, names sorted, so an import's order (and its audit log) is reproducible. */
static bool walk(const char *dir, file_list *fl, int depth)
{
    if (depth > 32) {
        fprintf(stderr, "%s: directories nested deeper than 32 levels are not followed\n", dir);
        return true;
    }
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return false;
    }
    file_list names = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && !push_path(&names, e->d_name))
            break;
    closedir(d);
    const char **sorted = calloc(names.n ? names.n : 1, sizeof *sorted);
    if (!sorted) {
        free_list(&names);
        return false;
    }
    for (size_t i = 0; i < names.n; i++)
        sorted[i] = path_at(&names, i);
    qsort(sorted, names.n, sizeof *sorted, by_name);
    bool ok = true;
    xk_buf p;
    xk_buf_init(&p);
    for (size_t i = 0; i < names.n; i++) {
        xk_buf_reset(&p);
        xk_buf_printf(&p, "%s/%s", dir, sorted[i]);
        struct stat sb;
        if (p.data && stat(p.data, &sb) == 0) {
            if (S_ISDIR(sb.st_mode))
                ok = walk(p.data, fl, depth + 1) && ok;
            else if (S_ISREG(sb.st_mode) && importable_name(sorted[i]))
                ok = push_path(fl, p.data) && ok;
        }
    }
    xk_buf_free(&p);
    free(sorted);
    free_list(&names);
    return ok;
}

typedef struct import_state {
    const file_list *files;
    size_t max_bytes;
    size_t new_, versions, unchanged, failed, licences, rolled_back;
    size_t files_done; /* files reported so far (reports come in file order) */
    bool strict, tty;
    double start, last_progress;
} import_state;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(import_state *s, bool final);

/* ", N rolled back" for the summary when a failed batch took back licences, else "". */
static const char *rolled_back_note(const import_state *s)
{
    static char note[64];
    note[0] = '\0';
    if (s->rolled_back)
        snprintf(note, sizeof note, ", %zu rolled back", s->rolled_back);
    return note;
}

/* The summary's counter for an outcome: new, new version or unchanged. */
static size_t *outcome_count(import_state *s, xk_import_outcome o)
{
    return o == XK_IMPORT_NEW ? &s->new_ : o == XK_IMPORT_VERSION ? &s->versions : &s->unchanged;
}

static void on_report(const xk_import_report *r, void *ctx)
{
    import_state *s = ctx;
    char label[4096];
    snprintf(label, sizeof label, "%s%s%s", path_at(s->files, r->item), *r->where ? ":" : "",
             r->where);
    if ((size_t)r->item + 1 > s->files_done)
        s->files_done = (size_t)r->item + 1;
    progress(s, false);
    if (r->undone) { /* rolled back after being counted: take them back */
        s->licences -= r->undone;
        *outcome_count(s, r->result.outcome) -= r->undone;
        s->rolled_back += r->undone;
        return;
    }
    if (r->status == XK_OK) {
        s->licences++;
        ++*outcome_count(s, r->result.outcome);
        return;
    }
    if (s->tty)
        fputs("\r\033[K", stderr);
    if (r->status == XK_EDB && r->err) { /* the store, not this file, failed */
        fprintf(stderr, "xuke import: the store failed at %s: %s\n", label, r->err->message);
        return;
    }
    s->failed++;
    if (r->lic && xk_licence_error_count(r->lic))
        cli_print_problems(label, r->lic, true);
    else if (r->err)
        cli_print_error(label, r->err);
}

static void progress(import_state *s, bool final)
{
    if (!s->tty)
        return;
    double t = now_seconds();
    if (!final && t - s->last_progress < 0.2)
        return;
    s->last_progress = t;
    double elapsed = t - s->start > 1e-9 ? t - s->start : 1e-9;
    double rate = (double)s->licences / elapsed;
    size_t total = s->files->n, done = final ? total : s->files_done;
    double pct = total ? 100.0 * (double)done / (double)total : 100.0;
    /* time left from the files still to read at the pace so far */
    double left = done ? elapsed * (double)(total - done) / (double)done : 0.0;
    char eta[48] = "";
    if (!final && done)
        snprintf(eta, sizeof eta, ", about %.0f s left", left);
    fprintf(stderr, "\r\033[K  %zu of %zu files (%.0f%%), %zu licences, %.0f/s%s, %zu errors%s",
            done, total, pct, s->licences, rate, eta, s->failed, final ? "\n" : "");
}

typedef struct import_opts {
    const char *db;
    bool strict, pages;
    long batch;
    xk_parse_options parse;
} import_opts;

static const cli_opt options[] = {
    CLI_OPT_DB,
    {"strict", 's', NULL, "stop at the first failure and write nothing", 0},
    {"pages", 'P', NULL, "the FILEs are the scanned pages of one licence, in order", 0},
    {"batch", 'b', "N", "licences per transaction, 1 to 1000000", XK_IMPORT_BATCH},
    {"max-size", 'm', "BYTES", "largest text document (K, M, G suffixes)", XK_MAX_DOCUMENT_BYTES},
    {0}};
static const cli_spec spec = {
    "import", "xuke import [--db PATH] [--strict] [--batch N] [--max-size BYTES] FILE|DIR...",
    "Imports licence documents, scans and JSON records; directories are walked for *.txt\n"
    "*.text *.json *.jsonl *.png *.jpg *.jpeg *.tif *.tiff *.pdf. A failed licence is reported\n"
    "and skipped (--strict: nothing is written).",
    options};

/* CLI_GO, or the exit code to return at once (after --help or a bad command line). */
static int parse_opts(int argc, char **argv, import_opts *o)
{
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &spec)) != -1) {
        switch (c) {
        case 'd':
            o->db = optarg;
            break;
        case 's':
            o->strict = true;
            break;
        case 'P':
            o->pages = true;
            break;
        case 'b':
            if (!cli_parse_int(optarg, 1, 1000000, &o->batch, "--batch"))
                return EXIT_USAGE;
            break;
        case 'm':
            if (!cli_max_size_arg(optarg, &o->parse.max_bytes, "import"))
                return EXIT_USAGE;
            break;
        default:
            return cli_exit(c);
        }
    }
    if (optind >= argc)
        return cli_usage(&spec);
    return CLI_GO;
}

/* Runs on the importer's worker threads: reads one file under the size limit. */
static xk_status load_file(size_t i, char **bytes, size_t *len, xk_error *err, void *ctx)
{
    import_state *s = ctx;
    return cli_read_file(path_at(s->files, i), s->max_bytes, bytes, len, err);
}

/* --pages: every file is a page of one scanned licence, stored as one version. */
static int import_pages(xk_store *st, const file_list *fl, import_state *s)
{
    xk_blob *blobs = calloc(fl->n, sizeof *blobs);
    char **paths = calloc(fl->n, sizeof *paths); /* pages are few: pointers into the list */
    for (size_t i = 0; paths && i < fl->n; i++)
        paths[i] = (char *)path_at(fl, i);
    int rc = EXIT_FAIL;
    if (blobs && paths && cli_read_blobs(paths, fl->n, s->max_bytes, blobs))
        rc = xk_import_scan(st, blobs, fl->n, NULL, on_report, s) == XK_OK ? EXIT_OK : EXIT_FAIL;
    else
        s->failed++;
    if (blobs)
        cli_free_blobs(blobs, fl->n);
    free(blobs);
    free(paths);
    return rc;
}

static int run_import(xk_store *st, const file_list *fl, const import_opts *o, import_state *s)
{
    if (o->pages)
        return import_pages(st, fl, s);
    xk_ocr_options ocr;
    xk_ocr_options_init(&ocr);
    xk_bulk_options bo = {&o->parse, 0, (size_t)o->batch, o->strict, xk_scan_for_import, &ocr};
    xk_status rc = xk_import_bulk(st, fl->n, load_file, s, &bo, on_report, s);
    if (rc == XK_EDB || rc == XK_ENOMEM) {
        fprintf(stderr, "xuke import: stopped: the store failed; licences committed before it "
                        "are kept\n");
        return EXIT_FAIL;
    }
    if (o->strict && rc != XK_OK) {
        fprintf(stderr, "xuke import: --strict: stopped at the first failure; nothing was "
                        "written\n");
        return EXIT_FAIL;
    }
    return s->failed ? EXIT_FAIL : EXIT_OK;
}

int cmd_import(int argc, char **argv)
{
    import_opts o = {NULL, false, false, XK_IMPORT_BATCH, {XK_MAX_DOCUMENT_BYTES}};
    int rc = parse_opts(argc, argv, &o);
    if (rc != CLI_GO)
        return rc;
    rc = EXIT_OK;
    file_list fl = {0};
    for (int i = optind; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            walk(argv[i], &fl, 0);
        else
            push_path(&fl, argv[i]);
    }
    if (fl.n == 0) {
        fprintf(stderr, "xuke import: no licence documents or records found (directories are "
                        "searched for *.txt, *.text, *.json, *.jsonl)\n");
        free_list(&fl);
        return EXIT_FAIL;
    }
    xk_store *st = cli_open_store_create(o.db);
    if (!st)
        rc = EXIT_FAIL;
    import_state s = {0};
    s.files = &fl;
    /* scans may be larger than text documents; each kind's own limit applies after reading */
    s.max_bytes = o.parse.max_bytes > XK_OCR_MAX_BYTES ? o.parse.max_bytes : XK_OCR_MAX_BYTES;
    s.strict = o.strict;
    s.tty = isatty(STDERR_FILENO);
    s.start = now_seconds();
    if (st)
        rc = run_import(st, &fl, &o, &s);
    progress(&s, true);
    double secs = now_seconds() - s.start;
    if (st && !(o.strict && rc != EXIT_OK))
        printf("imported %zu licences from %zu files into %s: %zu new, %zu new versions, %zu "
               "unchanged, %zu failed%s (%.2f s, %.0f licences/s)\n",
               s.licences, fl.n, cli_db_shown(o.db), s.new_, s.versions, s.unchanged, s.failed,
               rolled_back_note(&s), secs, secs > 0 ? (double)s.licences / secs : 0.0);
    xk_store_close(st);
    free_list(&fl);
    return rc;
}
