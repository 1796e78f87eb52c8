/*
 * Internals of the scan reader: pages.c turns files into pages and hands each to a sink, which
 * ocr.c implements (text layers appended as they are, images cleaned and read by Tesseract).
 */
#ifndef XK_OCR_INTERNAL_H
#define XK_OCR_INTERNAL_H

#include <leptonica/allheaders.h>

#include "xuke/ocr.h"

typedef struct page_sink page_sink;
struct page_sink {
    unsigned pages; /* pages seen so far; the current page's number */
    /* an image page (borrowed) and a text-layer page */
    xk_status (*image)(page_sink *sink, PIX *pix, const xk_ocr_options *o, xk_error *err);
    xk_status (*text)(page_sink *sink, const char *text, xk_error *err);
};

xk_status ocr_pages(page_sink *sink, const xk_blob *files, size_t n, const xk_ocr_options *o,
                    xk_error *err);

/* Repairs made to OCR text before extraction (repair.c). */
#define OCR_MAX_REPAIRS 256

typedef struct ocr_repair {
    int line;
    char from[96], to[96];
} ocr_repair;

typedef struct ocr_repairs {
    ocr_repair items[OCR_MAX_REPAIRS];
    size_t n, dropped;
} ocr_repairs;

/* At most size - 1 bytes of s[0..len) into dst, cut at a character boundary. */
void ocr_copy_whole(char *dst, size_t size, const char *s, size_t len);

/* Rewrites r->text line by line (the line count is kept), recording each repair. */
xk_status ocr_repair_text(xk_ocr_result *r, ocr_repairs *rep);

/* Clauses of provisions and conditions snapped to the standard wording (clauses.c). */
#define OCR_MAX_SNAPS 128

typedef struct ocr_snap {
    char field[64];
    char from[160], to[160];
} ocr_snap;

typedef struct ocr_snaps {
    ocr_snap items[OCR_MAX_SNAPS];
    size_t n;
} ocr_snaps;

void ocr_snap_note(ocr_snaps *s, const char *field, const char *from, size_t from_len,
                   const char *to);
/* Snaps the clauses of lic's provisions, items and service conditions (see clauses.c). */
void ocr_snap_clauses(xk_licence *lic, ocr_snaps *snaps);

#endif
