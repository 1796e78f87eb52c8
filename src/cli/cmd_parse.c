/*
 * `xuke parse [--json] [--pretty] [--max-size N] FILE...`: extracts and validates licence
 * documents and prints one record per valid document (a readable summary, one JSON object, or
 * JSON Lines for several files). Invalid documents print their problems on stderr and nothing on
 * stdout; the exit status is 1 if any document failed.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: xuke parse [--json] [--pretty] [--max-size BYTES] FILE...\n"
            "       xuke parse [options] --pages PAGE... (several files: the pages of one licence)\n"
            "  FILE        a licence document: text (UTF-8 or GB18030), or a scan: PNG, JPEG,\n"
            "              TIFF (multi-page) or PDF, told apart by their first bytes; - reads stdin\n"
            "  --json      print the record as JSON (one object per line for several files)\n"
            "  --pretty    indent the JSON\n"
            "  --max-size  largest text document accepted (default 4M; K, M, G suffixes)\n"
            "scans:\n"
            "  --pages               the FILEs are the pages of one licence, in order\n"
            "  --ocr-text            print the text OCR read (what the extractor sees), no record\n"
            "  --review-confidence N flag fields read with OCR confidence below N (default %d)\n"
            "  --clean MODE          none, deskew (default) or full (also evens the background)\n"
            "  --max-scan-size BYTES largest scan file (default 20M)\n"
            "  --max-pages N         pages per licence (default %u)\n"
            "  --page-seconds N      reading time per page (default %u)\n"
            "  --tessdata DIR        Tesseract language data (default: Tesseract's own)\n"
            "  --languages L         Tesseract languages (default chi_sim)\n",
            XK_OCR_REVIEW_CONFIDENCE, XK_OCR_MAX_PAGES, XK_OCR_PAGE_SECONDS);
}

typedef struct parse_opts {
    bool json, pretty, pages, ocr_text;
    xk_parse_options parse;
    xk_ocr_options ocr;
} parse_opts;

static int print_record(const char *path, const xk_licence *lic, const parse_opts *o)
{
    if (!o->json) {
        printf("== %s\n", path);
        cli_print_summary(stdout, lic);
        return EXIT_OK;
    }
    char *s = xk_licence_to_json_string(lic, o->pretty);
    if (!s) {
        fprintf(stderr, "%s: out of memory writing JSON\n", path);
        return EXIT_FAIL;
    }
    puts(s);
    free(s);
    return EXIT_OK;
}

/* What parse reports for a record: problems on stderr (all of them: warnings say what was
 * read and what needs review), the record on stdout when it is valid. */
static int finish(const char *path, xk_status st, xk_licence *lic, const xk_error *err,
                  const parse_opts *o)
{
    int rc;
    if (st != XK_OK && st != XK_EINVALID) {
        cli_print_error(path, err);
        rc = EXIT_FAIL;
    } else if (st == XK_EINVALID) {
        cli_print_problems(path, lic, false);
        rc = EXIT_FAIL;
    } else {
        if (xk_licence_needs_review(lic))
            cli_print_problems(path, lic, false);
        rc = print_record(path, lic, o);
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
    return finish(label, st, lic, &err, o);
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
        rc = finish(path, st, lic, &err, o);
    }
    cli_free_blobs(&blob, 1);
    return rc;
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

int cmd_parse(int argc, char **argv)
{
    parse_opts o = {false, false, false, false, {XK_MAX_DOCUMENT_BYTES}, {0}};
    xk_ocr_options_init(&o.ocr);
    static const struct option longopts[] = {{"json", no_argument, 0, 'j'},
                                             {"pretty", no_argument, 0, 'p'},
                                             {"max-size", required_argument, 0, 'm'},
                                             {"pages", no_argument, 0, 'P'},
                                             {"ocr-text", no_argument, 0, 'o'},
                                             {"review-confidence", required_argument, 0, 'r'},
                                             {"clean", required_argument, 0, 'c'},
                                             {"max-scan-size", required_argument, 0, 's'},
                                             {"max-pages", required_argument, 0, 'n'},
                                             {"page-seconds", required_argument, 0, 't'},
                                             {"tessdata", required_argument, 0, 'd'},
                                             {"languages", required_argument, 0, 'L'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'j') {
            o.json = true;
        } else if (c == 'p') {
            o.pretty = true;
        } else if (c == 'm') {
            if (!cli_max_size_arg(optarg, &o.parse.max_bytes, "parse"))
                return EXIT_USAGE;
        } else if (c == 'h') {
            usage(stdout);
            return EXIT_OK;
        } else if (!ocr_option(c, &o)) {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (o.pages) {
        int rc = parse_pages(argv + optind, (size_t)(argc - optind), &o);
        fflush(stdout);
        return rc;
    }
    if (o.pretty && argc - optind > 1 && o.json)
        o.pretty = false; /* JSON Lines must stay one object per line */
    int rc = EXIT_OK;
    for (int i = optind; i < argc; i++)
        if (parse_one(argv[i], &o) != EXIT_OK)
            rc = EXIT_FAIL;
    fflush(stdout);
    return rc;
}
