/*
 * Internal interface of the extractor: lines → licence record. The modules share one view of
 * the document (`doc`): its lines, which section each line belongs to, and which lines are page
 * furniture (titles, repeated number headers, page numbers) that carry no field.
 */
#ifndef XK_EXTRACT_H
#define XK_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/licence.h"
#include "xuke/text.h"

#include "../core/buf.h"

typedef enum section_kind { SEC_MAIN, SEC_APPENDIX, SEC_PROVISIONS } section_kind;

typedef enum label_kind {
    L_NONE = 0,
    L_NUMBER,
    L_COMPANY,
    L_LEGAL,
    L_SERVICES,
    L_ISSUER,
    L_ISSUED,
    L_EXPIRES,
    L_SITE_NAME,
    L_SITE_DOMAIN,
    L_SERVER,
    L_ACCESS,
    L_COUNT
} label_kind;

typedef struct label_hit {
    label_kind kind;
    bool fuzzy;        /* matched with one character misread (OCR) */
    size_t span;       /* fuzzy: bytes of the (joined) label text it stands for */
    size_t last_line;  /* index of the line where the label ends (labels can wrap) */
    const char *value; /* rest of that line after the label and colon, in its normalised text */
} label_hit;

/* A labelled date read with an OCR look-alike beside a digit, and its other reading (see
 * xk_date_find_ocr_beside); line 0: none. */
typedef struct date_alt {
    xk_date date;
    int line;
    char raw[64]; /* the date as read */
} date_alt;

typedef struct doc {
    const xk_lines *lines;
    section_kind *section;
    bool *furniture; /* page titles, number headers, page numbers, section markers */
    xk_licence *lic;
    label_hit *labels; /* each line's label, found once (kind L_NONE: none) */
    date_alt alt_issued, alt_expires;
    bool *number_header; /* each line's xk_number_header_line, found once */
} doc;

/* labels.c */
bool xk_label_at(const doc *d, size_t i, label_hit *hit);
/* The first line labelled kind: on the main page if any, else anywhere. */
bool xk_label_first(const doc *d, label_kind kind, label_hit *out);
/* Finds every line's label once; xk_label_at then answers from the table. */
xk_status xk_labels_index(doc *d);
const char *xk_label_name(label_kind kind);
bool xk_label_is_main(label_kind kind);
bool xk_label_is_site(label_kind kind);
/* Whether line i opens with a website's label (网站名称, 网站域名, …). */
bool xk_site_label_at(const doc *d, size_t i);
/* Walks text skipping spaces while matching prefix; returns the position after it or NULL. */
const char *xk_skip_loose(const char *text, const char *prefix, size_t plen);
/* Text after an optional ':' and spaces. */
const char *xk_skip_colon(const char *s);
/* The kind of the label variant that compact text s[0..len) is exactly (a trailing ':'
 * allowed), L_NONE when none. */
label_kind xk_label_exact(const char *compact, size_t len);
/* The kind of the longest label variant compact text starts with, L_NONE when none. */
label_kind xk_label_prefix(const char *compact, size_t len);
/* Whether raw (not normalised) text s[0..end) ends with a label variant, full-width
 * parentheses allowed; the longest one's kind, its start in *start. */
label_kind xk_label_ending(const char *s, size_t end, size_t *start);

/* sections.c */
/* Marks each line's part and page furniture, and finds every number header once. */
xk_status xk_sections_classify(doc *d);
/* Whether line i is a number header (xk_number_header_line), from the table made once. */
bool xk_is_number_header(const doc *d, size_t i);
bool xk_is_blank(const doc *d, size_t i);
/* Compact text of line i and the next nonblank lines (six at most), for wrapped sentences. */
void xk_joined_compact(const doc *d, size_t i, xk_buf *out);
/* The first nonblank line after line i, d->lines->n when none. */
size_t xk_next_nonblank(const doc *d, size_t i);
/* Does line i start an appendix block header "X获准经营<service>相关信息" (maybe wrapped)? */
bool xk_opens_block_header(const doc *d, size_t i);
/* The code of the service a block header names after 获准经营, "" when none. */
const char *xk_header_service(const char *compact);

/* number.c */
typedef struct number_match {
    char region[8];    /* UTF-8 province character or "" */
    char category[8];  /* "B1", "B2", "B1.B2", "A1", "A2" */
    char digits[16];   /* year + serial */
    bool region_unknown; /* a Chinese character stood where the region goes but is no province */
    char bad_region[8];
    bool corrected;    /* OCR look-alikes (O, l, I, |, ]) were read as digits */
    char raw[40];      /* the digits as printed, when corrected */
} number_match;
/* Finds a licence number in compact text s; *label_before tells whether a label precedes it. */
bool xk_number_find(const char *s, size_t len, number_match *m);
/* Recognises ICP licence (京ICP证030173号) and filing (京ICP备…号) numbers: 1, 2, or 0. */
int xk_icp_kind(const char *s, size_t len, char *found, size_t found_size);
void xk_number_format(const number_match *m, char *out, size_t size);
/* A whole compact line that is only a number header: "经营许可证编号:京B2-…", "京B2-…". */
bool xk_number_header_line(const char *compact);

/* fields.c: number, company, legal representative, issuer */
/* Does the compact line start like a label ("注册资本:", "ICP备案号:"), known to xuke or not? */
bool xk_looks_labelled(const char *compact);
xk_status xk_fields_extract(doc *d);
/* dates.c: the issue and expiry dates (xk_fields_extract calls it) */
void xk_dates_extract(doc *d);
/* Collects a field value that may wrap onto following lines; appends to out. Returns the index
 * of the last line used. */
size_t xk_value_collect(const doc *d, const label_hit *hit, bool join_ascii, xk_buf *out);

/* services.c */
xk_status xk_services_extract(doc *d);
/* Parses a services block already in line-normalised (NFKC) form. */
xk_status xk_services_parse_block(xk_licence *lic, const char *block, int line);

/* appendix.c */
xk_status xk_appendix_extract(doc *d);

/* provisions.c */
xk_status xk_provisions_extract(doc *d);
/* Chinese numeral 一..九十九 at s; returns the value and sets *used, or 0. */
int xk_chinese_numeral(const char *s, size_t len, size_t *used);

/* layout.c: runs on the decoded text before it is split into lines */
/*
 * Rewrites the layouts the line readers do not know into the one they do, keeping every line's
 * number: a line holding several labels is split at each (a form feed: a new line, same
 * number); table appendices (box-drawing, ASCII, tab or space columns) become labelled website
 * lines; page furniture (page numbers, lines repeated at the top or foot of every page) is
 * blanked, with a warning on lic naming it. *out is NULL when nothing changed, else a malloc'ed
 * text (length *out_len) the caller frees.
 */
xk_status xk_layout_rewrite(const char *text, size_t len, xk_licence *lic, char **out,
                         size_t *out_len);
/* Page numbers in compact text: 第3页, 第3页共8页, -3-, 3/8, 3. */
bool xk_is_page_number(const char *compact);

/* extract.c */
/* xk_text_tidy (xk_text_tidy_lines: of text made of lines' text) of s[0..len), copied into the
 * record's arena; NULL (the arena marked failed) when out of memory. */
char *xk_tidy_into(xk_licence *lic, const char *s, size_t len);
char *xk_tidy_lines_into(xk_licence *lic, const char *s, size_t len);
xk_status xk_extract(const xk_lines *lines, xk_licence *lic, xk_error *err);

/* Frees a working buffer of the extraction; one that ran out of memory marks the record's
 * arena failed, so the parse answers XK_ENOMEM rather than a record missing what it held. */
void xk_doc_buf_done(const doc *d, xk_buf *b);

#endif
