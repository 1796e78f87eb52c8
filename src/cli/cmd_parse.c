/*
 * `xuke parse [--json] [--pretty] [--max-size N] FILE...`: extracts and validates licence
 * documents and prints one record per valid document (a readable summary, one JSON object, or
 * JSON Lines for several files). Invalid documents print their problems on stderr and nothing on
 * stdout; the exit status is 1 if any document failed.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "xuke/limits.h"

static const cli_opt options[] = {
    {"json", 'j', NULL, "print the record as JSON (one object per line for several files)", 0},
    {"pretty", 'p', NULL, "indent the JSON", 0},
    {"max-size", 'm', "BYTES", "largest text document (K, M, G suffixes)", XK_MAX_DOCUMENT_BYTES},
    {"pages", 'P', NULL, "scans: the FILEs are the pages of one licence, in order", 0},
    {"ocr-text", 'o', NULL, "scans: print the text OCR read (what the extractor sees)", 0},
    {"review-confidence", 'r', "N", "scans: flag fields read with confidence below N (0-100)",
     XK_OCR_REVIEW_CONFIDENCE},
    {"clean", 'c', "MODE", "scans: none, deskew (default) or full (also evens the background)",
     0},
    {"max-scan-size", 's', "BYTES", "scans: largest scan file, at most 512M", XK_OCR_MAX_BYTES},
    {"max-pages", 'n', "N", "scans: pages per licence, 1 to 1000", XK_OCR_MAX_PAGES},
    {"page-seconds", 't', "N", "scans: reading time per page, 1 to 3600", XK_OCR_PAGE_SECONDS},
    {"tessdata", 'd', "DIR", "scans: Tesseract language data (default: Tesseract's own)", 0},
    {"languages", 'L', "L", "scans: Tesseract languages (default chi_sim)", 0},
    {0}};
static const cli_spec spec = {
    "parse",
    "xuke parse [--json] [--pretty] [--max-size BYTES] FILE...\n"
    "       xuke parse [options] --pages PAGE...",
    "Extracts and validates licence documents: text (UTF-8 or GB18030) or scans (PNG, JPEG,\n"
    "TIFF, PDF), told apart by their first bytes; - reads stdin. Problems go to stderr; exit 1\n"
    "when any document failed.",
    options};

typedef struct parse_opts {
    bool json, pretty, pages, ocr_text;
    xk_parse_options parse;
    xk_ocr_options ocr;
} parse_opts;

static int print_record(FILE *out, const char *path, const xk_licence *lic,
                        const parse_opts *o)
{
    if (!o->json) {
        fprintf(out, "== %s\n", path);
        cli_print_summary(out, lic);
        return EXIT_OK;
    }
    char *s = xk_licence_to_json_string(lic, o->pretty);
    if (!s) {
        fprintf(stderr, "%s: out of memory writing JSON\n", path);
        return EXIT_FAIL;
    }
    fputs(s, out);
    fputc('\n', out);
    free(s);
    return EXIT_OK;
}

/* What parse reports for a record: problems on errs (all of them: warnings say what was
 * read and what needs review), the record on out when it is valid. */
static int finish(FILE *out, FILE *errs, const char *path, xk_status st, xk_licence *lic,
                  const xk_error *err, const parse_opts *o)
{
    int rc;
    if (st != XK_OK && st != XK_EINVALID) {
        cli_print_error_to(errs, path, err);
        rc = EXIT_FAIL;
    } else if (st == XK_EINVALID) {
        cli_print_problems_to(errs, path, lic, false);
        rc = EXIT_FAIL;
    } else {
        if (xk_licence_needs_review(lic))
            cli_print_problems_to(errs, path, lic, false);
        rc = print_record(out, path, lic, o);
    }
    xk_licence_free(lic);
    return rc;
}

/* Reads the scan files (named by paths) of one licence; an error names the file it is in. */
static int parse_scan(char **paths, const xk_blob *files, size_t n, const parse_opts *o)
{
    const char *label = paths[0];
    xk_licence *lic = NULL;
    xk_ocr_result ocr;
    memset(&ocr, 0, sizeof ocr);
    xk_error err;
    xk_error_clear(&err);
    if (o->ocr_text) {
        /* the text as the extractor sees it: read, then repaired */
        xk_status st = xk_scan_parse(files, n, &o->ocr, &lic, &ocr, &err);
        xk_licence_free(lic);
        if (!ocr.text) {
            cli_print_error(paths[ocr.failed_file < n ? ocr.failed_file : 0], &err);
            return EXIT_FAIL;
        }
        (void)st;
        fwrite(ocr.text, 1, ocr.len, stdout);
        fprintf(stderr, "%s: %u page%s (%u from a PDF text layer, %u turned upright), %zu lines, "
                "%.2f s\n", label, ocr.pages, ocr.pages == 1 ? "" : "s",
                ocr.pages_from_text_layer, ocr.pages_turned, ocr.n_lines, ocr.seconds);
        xk_ocr_result_free(&ocr);
        return EXIT_OK;
    }
    xk_status st = xk_scan_parse(files, n, &o->ocr, &lic, &ocr, &err);
    if (!ocr.text && ocr.failed_file < n) /* the reading failed, in this file */
        label = paths[ocr.failed_file];
    xk_ocr_result_free(&ocr);
    return finish(stdout, stderr, label, st, lic, &err, o);
}

/* Reads each path (at most the larger of the text and scan limits). */
static bool read_all(char **paths, size_t n, const parse_opts *o, xk_blob *blobs)
{
    size_t max = o->parse.max_bytes > o->ocr.max_bytes ? o->parse.max_bytes : o->ocr.max_bytes;
    return cli_read_blobs(paths, n, max, blobs);
}

static int parse_one(char *path, const parse_opts *o)
{
    xk_blob blob = {NULL, 0};
    if (!read_all(&path, 1, o, &blob))
        return EXIT_FAIL;
    int rc;
    if (xk_input_detect(blob.bytes, blob.len) != XK_INPUT_TEXT) {
        rc = parse_scan(&path, &blob, 1, o);
    } else if (o->ocr_text) {
        fprintf(stderr, "%s: not a scan (PNG, JPEG, TIFF or PDF): nothing to read\n", path);
        rc = EXIT_FAIL;
    } else {
        xk_licence *lic = NULL;
        xk_error err;
        xk_error_clear(&err);
        xk_status st = xk_licence_parse(blob.bytes, blob.len, &o->parse, &lic, &err);
        rc = finish(stdout, stderr, path, st, lic, &err, o);
    }
    cli_free_blobs(&blob, 1);
    return rc;
}

/*
 * Several text files are parsed side by side by one thread per core, at most XK_PARSE_BATCH
 * files ahead of the printing; the main thread prints each file's record and problems in the
 * order of the arguments as soon as it is done, so the output is the same as one file after
 * another while the workers go on. Scans are left to the main thread, read one at a time when
 * their turn comes (OCR keeps to one core a page: see main.c).
 */
typedef struct parsed {
    char *out, *errs; /* what the file prints on stdout and stderr (open_memstream) */
    size_t out_len, errs_len;
    int rc;
    bool scan; /* not text: the main thread reads it in order */
} parsed;

typedef struct window {
    char **paths;
    size_t n;
    const parse_opts *o;
    pthread_mutex_t lock;
    pthread_cond_t ready; /* a result was put: the printer waits on it */
    pthread_cond_t room;  /* a result was printed: workers wait on it for their next file */
    size_t next;          /* the next file to claim */
    size_t printed;       /* files printed so far: a worker claims only below printed + BATCH */
    parsed results[XK_PARSE_BATCH]; /* file i's result in slot i % XK_PARSE_BATCH */
    bool done[XK_PARSE_BATCH];
} window;

/* One text file into r; false only when the memory streams could not be made. */
static bool parse_into(const char *path, const parse_opts *o, parsed *r)
{
    FILE *out = open_memstream(&r->out, &r->out_len);
    FILE *errs = open_memstream(&r->errs, &r->errs_len);
    if (!out || !errs) {
        if (out)
            fclose(out);
        if (errs)
            fclose(errs);
        return false;
    }
    size_t max = o->parse.max_bytes > o->ocr.max_bytes ? o->parse.max_bytes : o->ocr.max_bytes;
    char *bytes = NULL;
    size_t len = 0;
    xk_error err;
    xk_error_clear(&err);
    if (cli_read_file(path, max, &bytes, &len, &err) != XK_OK) {
        cli_print_error_to(errs, path, &err);
        r->rc = EXIT_FAIL;
    } else if (xk_input_detect(bytes, len) != XK_INPUT_TEXT) {
        r->scan = true;
    } else if (o->ocr_text) {
        fprintf(errs, "%s: not a scan (PNG, JPEG, TIFF or PDF): nothing to read\n", path);
        r->rc = EXIT_FAIL;
    } else {
        xk_licence *lic = NULL;
        xk_status st = xk_licence_parse(bytes, len, &o->parse, &lic, &err);
        r->rc = finish(out, errs, path, st, lic, &err, o);
    }
    free(bytes);
    bool ok = fclose(out) == 0;
    return fclose(errs) == 0 && ok;
}

static void *window_worker(void *arg)
{
    window *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->next < w->n && w->next >= w->printed + XK_PARSE_BATCH)
            pthread_cond_wait(&w->room, &w->lock);
        if (w->next >= w->n)
            break;
        size_t i = w->next++;
        pthread_mutex_unlock(&w->lock);
        parsed r = {0};
        if (!parse_into(w->paths[i], w->o, &r)) { /* out of memory: print_one says so */
            free(r.out);
            free(r.errs);
            r = (parsed){.rc = EXIT_FAIL};
        }
        pthread_mutex_lock(&w->lock);
        w->results[i % XK_PARSE_BATCH] = r;
        w->done[i % XK_PARSE_BATCH] = true;
        pthread_cond_signal(&w->ready);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Prints file i's result (reading it now if it is a scan) and frees it; its exit status. */
static int print_one(const window *w, size_t i, parsed *r)
{
    if (r->scan) {
        fflush(stdout);
        r->rc = parse_one(w->paths[i], w->o);
    } else if (!r->out) {
        fprintf(stderr, "%s: out of memory\n", w->paths[i]);
    } else {
        fwrite(r->out, 1, r->out_len, stdout);
        if (r->errs_len) {
            fflush(stdout); /* stdout and stderr in the order one file at a time gives */
            fwrite(r->errs, 1, r->errs_len, stderr);
        }
    }
    free(r->out);
    free(r->errs);
    return r->rc;
}

/* Prints every file in order as the workers finish them. */
static int print_in_order(window *w)
{
    int rc = EXIT_OK;
    for (size_t i = 0; i < w->n; i++) {
        pthread_mutex_lock(&w->lock);
        if (!w->done[i % XK_PARSE_BATCH]) { /* what is printed goes out before the wait */
            pthread_mutex_unlock(&w->lock);
            fflush(stdout);
            pthread_mutex_lock(&w->lock);
        }
        while (!w->done[i % XK_PARSE_BATCH])
            pthread_cond_wait(&w->ready, &w->lock);
        parsed r = w->results[i % XK_PARSE_BATCH];
        w->done[i % XK_PARSE_BATCH] = false;
        pthread_mutex_unlock(&w->lock);
        if (print_one(w, i, &r) != EXIT_OK)
            rc = EXIT_FAIL;
        pthread_mutex_lock(&w->lock);
        w->printed = i + 1;
        pthread_cond_broadcast(&w->room);
        pthread_mutex_unlock(&w->lock);
    }
    return rc;
}

static int parse_sequentially(char **paths, size_t n, const parse_opts *o)
{
    int rc = EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        if (parse_one(paths[i], o) != EXIT_OK)
            rc = EXIT_FAIL;
        fflush(stdout); /* each record out before the next file is read */
    }
    return rc;
}

/* The workers over w, printed by this thread; -1 when not one worker could be started. */
static int parse_window(window *w, int threads)
{
    pthread_t tid[XK_PARSE_THREADS_MAX];
    int started = 0;
    for (; started < threads && (size_t)started < w->n; started++)
        if (pthread_create(&tid[started], NULL, window_worker, w) != 0)
            break;
    if (started == 0)
        return -1;
    int rc = print_in_order(w);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    return rc;
}

static int parse_files(char **paths, size_t n, const parse_opts *o)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores < 1 ? 1 : cores > XK_PARSE_THREADS_MAX ? XK_PARSE_THREADS_MAX : (int)cores;
    bool stdin_named = false;
    for (size_t i = 0; i < n; i++)
        stdin_named |= strcmp(paths[i], "-") == 0;
    if (n < 2 || threads < 2 || stdin_named || o->ocr_text)
        return parse_sequentially(paths, n, o);
    window *w = calloc(1, sizeof *w);
    if (!w)
        return parse_sequentially(paths, n, o);
    *w = (window){.paths = paths, .n = n, .o = o};
    int rc = -1;
    if (pthread_mutex_init(&w->lock, NULL) == 0) {
        if (pthread_cond_init(&w->ready, NULL) == 0) {
            if (pthread_cond_init(&w->room, NULL) == 0) {
                rc = parse_window(w, threads);
                pthread_cond_destroy(&w->room);
            }
            pthread_cond_destroy(&w->ready);
        }
        pthread_mutex_destroy(&w->lock);
    }
    free(w);
    return rc < 0 ? parse_sequentially(paths, n, o) : rc;
}

static int parse_pages(char **paths, size_t n, const parse_opts *o)
{
    xk_blob *blobs = calloc(n, sizeof *blobs);
    if (!blobs || !read_all(paths, n, o, blobs)) {
        if (blobs)
            cli_free_blobs(blobs, n);
        free(blobs);
        return EXIT_FAIL;
    }
    int rc = parse_scan(paths, blobs, n, o);
    cli_free_blobs(blobs, n);
    free(blobs);
    return rc;
}

static bool ocr_option(int c, parse_opts *o)
{
    long v;
    switch (c) {
    case 'P':
        o->pages = true;
        return true;
    case 'o':
        o->ocr_text = true;
        return true;
    case 'r':
        if (!cli_parse_int(optarg, 0, 100, &v, "--review-confidence"))
            return false;
        o->ocr.review_confidence = (int)v;
        return true;
    case 'c':
        if (strcmp(optarg, "none") == 0)
            o->ocr.clean = XK_CLEAN_NONE;
        else if (strcmp(optarg, "deskew") == 0)
            o->ocr.clean = XK_CLEAN_DESKEW;
        else if (strcmp(optarg, "full") == 0)
            o->ocr.clean = XK_CLEAN_FULL;
        else
            return fprintf(stderr, "xuke parse: --clean must be none, deskew or full\n"), false;
        return true;
    case 's':
        if (cli_parse_size(optarg, &o->ocr.max_bytes) && o->ocr.max_bytes > 0 &&
            o->ocr.max_bytes <= 512u * 1024 * 1024)
            return true;
        return fprintf(stderr, "xuke parse: --max-scan-size must be 1 byte to 512M\n"), false;
    case 'n':
        if (!cli_parse_int(optarg, 1, 1000, &v, "--max-pages"))
            return false;
        o->ocr.max_pages = (unsigned)v;
        return true;
    case 't':
        if (!cli_parse_int(optarg, 1, 3600, &v, "--page-seconds"))
            return false;
        o->ocr.page_seconds = (unsigned)v;
        return true;
    case 'd':
        o->ocr.datapath = optarg;
        return true;
    case 'L':
        o->ocr.languages = optarg;
        return true;
    default:
        return false;
    }
}

/* Whether any of the paths may be a scan, told by its first bytes as parse_one tells it: stdin
 * and anything but a regular file (a pipe's bytes cannot be read twice) count as maybe. */
static bool may_read_scan(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(paths[i], "-") == 0)
            return true;
        /* non-blocking: a FIFO is opened without waiting for its writer, and nothing is read */
        int fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            continue; /* parse_one reports it, and reads nothing */
        struct stat sb;
        char head[8];
        bool regular = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
        ssize_t got = regular ? pread(fd, head, sizeof head, 0) : -1;
        close(fd);
        if (!regular || (got > 0 && xk_input_detect(head, (size_t)got) != XK_INPUT_TEXT))
            return true;
    }
    return false;
}

int cmd_parse(int argc, char **argv)
{
    parse_opts o = {false, false, false, false, {XK_MAX_DOCUMENT_BYTES}, {0}};
    xk_ocr_options_init(&o.ocr);
    int c;
    optind = 1;
    while ((c = cli_next_opt(argc, argv, &spec)) != -1) {
        if (c < -1) {
            return cli_exit(c);
        } else if (c == 'j') {
            o.json = true;
        } else if (c == 'p') {
            o.pretty = true;
        } else if (c == 'm') {
            if (!cli_max_size_arg(optarg, &o.parse.max_bytes, "parse"))
                return EXIT_USAGE;
        } else if (!ocr_option(c, &o)) {
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage(&spec);
    /* OCR's threads limited before a scan is read: the program starts again (main.c) */
    if (!getenv("OMP_THREAD_LIMIT") &&
        (o.pages || o.ocr_text || may_read_scan(argv + optind, (size_t)(argc - optind))))
        cli_limit_ocr_threads();
    if (o.pages) {
        int rc = parse_pages(argv + optind, (size_t)(argc - optind), &o);
        fflush(stdout);
        return rc;
    }
    if (o.pretty && argc - optind > 1 && o.json)
        o.pretty = false; /* JSON Lines must stay one object per line */
    int rc = parse_files(argv + optind, (size_t)(argc - optind), &o);
    fflush(stdout);
    return rc;
}
