/*
 * Scans in: licence pages as PNG, JPEG, TIFF (multi-page) or PDF become text, read locally by
 * Tesseract (chi_sim + eng) on images loaded and cleaned by Leptonica; a PDF page's own text
 * layer is used when it has one, else the page is rendered (Poppler) and read. Every text line
 * carries the confidence of the words it came from, so the fields extracted from it can be
 * flagged for review instead of trusted silently.
 *
 * Inputs are checked before decoding: file size, page count and pixel dimensions (a small PNG
 * that claims 50,000 × 50,000 pixels is refused from its header), and each page has a time
 * limit. Nothing here prints.
 */
#ifndef XUKE_OCR_H
#define XUKE_OCR_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/error.h"
#include "xuke/licence.h"

typedef enum xk_input_kind {
    XK_INPUT_TEXT = 0, /* anything that is not one of the formats below */
    XK_INPUT_PNG,
    XK_INPUT_JPEG,
    XK_INPUT_TIFF,
    XK_INPUT_PDF
} xk_input_kind;

/* The format, from the first bytes (never the file name). */
xk_input_kind xk_input_detect(const char *bytes, size_t len);
const char *xk_input_kind_name(xk_input_kind k); /* "text", "png", "jpeg", "tiff", "pdf" */
/* The MIME type for a stored original ("image/png", …, "text/plain"). */
const char *xk_input_mime(xk_input_kind k);

/* Defaults; each is an option of parse/import/serve and listed in the README's Limits. */
#define XK_OCR_MAX_BYTES (20u * 1024u * 1024u) /* one scan file */
#define XK_OCR_MAX_PAGES 20u                    /* pages of one document, all files together */
#define XK_OCR_MAX_SIDE 12000u                  /* pixels on either side of a page image */
#define XK_OCR_MAX_PIXELS (80u * 1000u * 1000u) /* pixels of a page image */
#define XK_OCR_PAGE_SECONDS 30u                 /* recognition time per page */
#define XK_OCR_REVIEW_CONFIDENCE 80             /* a field read below this needs review */
#define XK_OCR_PDF_DPI 300                      /* rendering of image-only PDF pages */
#define XK_OCR_VIEW_WIDTH 1000u                 /* pixels across a page shown for review */

typedef enum xk_ocr_clean {
    XK_CLEAN_NONE = 0, /* the image as given */
    XK_CLEAN_DESKEW,   /* straighten a tilted scan */
    XK_CLEAN_FULL      /* deskew, even out the background, remove speckle */
} xk_ocr_clean;

typedef struct xk_ocr_options {
    size_t max_bytes;
    unsigned max_pages, max_side, max_pixels, page_seconds;
    int review_confidence; /* 0-100 */
    xk_ocr_clean clean;
    const char *datapath;  /* tessdata directory; NULL = Tesseract's default */
    const char *languages; /* NULL = "chi_sim"; Latin words are read again by "eng" */
    /* called as each page starts (1-based over all files), from the reading thread; false stops
     * the reading there (XK_EIO, "reading was stopped"); NULL: none */
    bool (*on_page)(void *arg, unsigned page);
    /* called as each page has been read, with the count of pages read so far (in page order),
     * from the reading thread; NULL: none. Both are given on_page_arg. */
    void (*on_page_read)(void *arg, unsigned pages_read);
    void *on_page_arg;
    /* Pages read in parallel: each image page, once decoded, is offered as a task; lend returns
     * true when another thread took it (that thread calls run(task), with engines of its own:
     * a Tesseract engine is never shared between threads), false to have it read on the reading
     * thread. Pages are appended in page order whoever read them, so the text is the same as
     * read one after another. NULL: pages are read one after another. */
    bool (*lend)(void *arg, void (*run)(void *task), void *task);
    void *lend_arg;
} xk_ocr_options;

void xk_ocr_options_init(xk_ocr_options *o);

/* One line of the text, in order: where it came from and how sure the reader was. */
typedef struct xk_ocr_line {
    int page;       /* 1-based over the whole document */
    int confidence; /* lowest word confidence on the line, 0-100 (100: a PDF text layer) */
    int mean;       /* mean word confidence */
    /* where the line stands on its page, as fractions of the page's width and height (left,
     * top, right, bottom): a Tesseract line box, or the text layer's characters; all 0 when
     * not known (a page read turned upright) */
    float box[4];
    /* read again alone, and the second reading, which read it otherwise, taken: two readings of
     * the line disagreed (evidence.c confirms no field by it) */
    bool reread;
    /* taken from a PDF's text layer: exact, so what differs from the standard wording is what
     * the document says, kept and flagged, never "repaired" (clauses.c) */
    bool text_layer;
} xk_ocr_line;

/* A word the reader changed on a second look: Latin text that looks like a domain ("iyyhd.com")
 * read again by the eng model, which the page's Chinese model had read otherwise ("jyyhd.com").
 * The two readings disagreed, so the field it lands in is flagged for review. */
typedef struct xk_ocr_fix {
    int line; /* 1-based line of the text */
    char from[96], to[96];
} xk_ocr_fix;

typedef struct xk_ocr_result {
    char *text; /* UTF-8, lines separated by '\n'; line i is lines[i-1] */
    size_t len;
    xk_ocr_line *lines;
    size_t n_lines;
    unsigned pages, pages_from_text_layer;
    unsigned pages_turned; /* scanned upside down or sideways, read turned upright */
    double seconds; /* wall time of the reading */
    xk_ocr_fix *fixes; /* in line order */
    size_t n_fixes;
    size_t failed_file; /* when reading failed: the index of the file it failed in */
    /* PDF pages whose text layer said what the page does not show (invisible or covered
     * text): read from their image instead, and the record flagged; the first such page */
    unsigned pages_text_layer_distrusted, first_text_layer_distrusted;
} xk_ocr_result;

void xk_ocr_result_free(xk_ocr_result *r);

/*
 * Reads the pages of one licence: files[0..n) are the document's files in page order (one file
 * may hold several pages: TIFF, PDF). Errors: XK_ETOOBIG (a limit, named), XK_EFORMAT (corrupt,
 * truncated or encrypted file), XK_EEMPTY (no text found on any page), XK_EIO (the OCR engine
 * or its language data is missing). err->file is left for the caller: out->failed_file says
 * which of files the error is in, and err->line is the page within that file (its message
 * names the licence's page: "page 3: …"), 0 when the error is about no page.
 */
typedef struct xk_blob {
    const char *bytes;
    size_t len;
} xk_blob;

xk_status xk_ocr_read(const xk_blob *files, size_t n, const xk_ocr_options *opt,
                      xk_ocr_result *out, xk_error *err);

/*
 * Adds a review warning to lic for every field whose source line was read with confidence
 * below opt->review_confidence, naming the field, the confidence and the text read. Returns the
 * number of fields flagged.
 */
size_t xk_ocr_flag_fields(xk_licence *lic, const xk_ocr_result *ocr, int review_confidence);

/*
 * The whole scan pipeline: read the files, extract and validate the licence from the text, flag
 * low-confidence fields. Statuses as xk_licence_parse; ocr (optional) receives the reading
 * (free it with xk_ocr_result_free) also when extraction fails.
 */
xk_status xk_scan_parse(const xk_blob *files, size_t n, const xk_ocr_options *opt,
                        xk_licence **out, xk_ocr_result *ocr, xk_error *err);

/*
 * An xk_scan_fn for xk_import_bulk (xuke/registry.h): scans are read with the options in ctx
 * (a const xk_ocr_options *, NULL for the defaults); anything else is XK_ENOTFOUND.
 */
xk_status xk_scan_for_import(const char *bytes, size_t len, xk_licence **lic, char **text,
                             size_t *text_len, char kind[8], xk_error *err, void *ctx);

/*
 * The pages of a document as a person reviewing it sees them: each page as a grey PNG
 * width pixels across (at most XK_OCR_VIEW_WIDTH; a narrower page is kept as it is), a PDF
 * page rendered as printed, in the same order and under the same limits as xk_ocr_read (its
 * lines' boxes are fractions of these pages). No text is read. *out (free with
 * xk_ocr_views_free) holds *n pages. Errors as xk_ocr_read.
 */
typedef struct xk_ocr_view {
    unsigned char *png;
    size_t len;
    int width, height;
} xk_ocr_view;

xk_status xk_ocr_views(const xk_blob *files, size_t n, const xk_ocr_options *opt, unsigned width,
                       xk_ocr_view **out, size_t *n_out, xk_error *err);
void xk_ocr_views_free(xk_ocr_view *v, size_t n);

/* Whether a review warning (XK_REVIEW_PREFIX, xuke/licence.h) is among lic's problems. */
bool xk_licence_needs_review(const xk_licence *lic);

#endif
