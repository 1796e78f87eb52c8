/*
 * Internals of the scan reader: pages.c turns files into pages and hands each to a sink, which
 * ocr.c implements (text layers appended as they are, images cleaned and read by Tesseract);
 * the steps of reading an image page live one a file (engine, clean, geometry, page_lines,
 * reread, region, numerals, latin, heights).
 */
#ifndef XK_OCR_INTERNAL_H
#define XK_OCR_INTERNAL_H

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "../core/buf.h"
#include "textlayer.h"
#include "xuke/catalogue.h"
#include "xuke/limits.h"
#include "xuke/ocr.h"

/* Where each line of a text layer stands (xk_ocr_line's box), in the order its text splits into
 * lines at \r\n, \n, \r and \f; fewer than the lines, or none, when not known. */
typedef struct xk_ocr_boxes {
    float (*box)[4];
    size_t n;
} xk_ocr_boxes;

typedef struct page_sink page_sink;
struct page_sink {
    unsigned pages; /* pages seen so far; the current page's number */
    size_t file;    /* the index of the file being read */
    unsigned pages_before; /* pages of the files before it */
    /* an image page (owned by the sink from the call on, whatever it returns) and a text-layer
     * page (borrowed) */
    xk_status (*image)(page_sink *sink, PIX *pix, const xk_ocr_options *o, xk_error *err);
    xk_status (*text)(page_sink *sink, const char *text, const xk_ocr_boxes *boxes,
                      xk_error *err);
    /* a text layer not trusted (it says what the page does not show): the page is read from
     * its image instead; unshown of n characters had nothing drawn where they stand */
    void (*distrusted)(page_sink *sink, size_t unshown, size_t n);
    /* pages to be seen, not read (xk_ocr_views): every PDF page is rendered as printed,
     * view_width pixels across, and given to image */
    bool views;
    unsigned view_width;
};


xk_status xk_ocr_pages(page_sink *sink, const xk_blob *files, size_t n, const xk_ocr_options *o,
                       xk_error *err);

/* Repairs made to OCR text before extraction (repair.c). */
#define OCR_MAX_REPAIRS XK_MAX_OCR_REPAIRS

typedef struct ocr_repair {
    int line;
    char from[96], to[96];
    bool noise; /* within the noise Tesseract makes (xk_ocr_within_noise) */
} ocr_repair;

typedef struct ocr_repairs {
    ocr_repair items[OCR_MAX_REPAIRS];
    size_t n, dropped;
    size_t long_lines; /* lines over XK_MAX_OCR_LINE_CHARS, left as read */
    int first_long;    /* the first of them (1-based), 0 when none */
} ocr_repairs;

/* Records a repair of line `line` (dropped, and counted, when rep is full). */
void xk_ocr_repair_note(ocr_repairs *rep, int line, const char *from, size_t from_len,
                        const char *to, size_t to_len);

/* Whether a[0..alen) and b[0..blen) have the same Han characters, letters and digits, in order
 * (punctuation and spaces aside). */
bool xk_ocr_same_words(const char *a, size_t alen, const char *b, size_t blen);

/*
 * Whether the correction of a[0..alen) into b[0..blen) is within the noise Tesseract makes on
 * licence print: marks (《 for （, ， for ：, a lost 。) and characters read as others, at most
 * one in OCR_NOISE_PER (and one in any shorter text), a Chinese character read in counting as
 * one of them (repair.c: about one in a hundred printed). A character read twice beside itself
 * (rare among Tesseract's additions) or a character lost is no such slip: "管理人人员" made
 * "管理人员" is a source's own wording changed, and stays flagged.
 *
 * One in 20 is measured, not guessed (data/ocr_confusions.txt, bench/ocr_confusions.py: 152
 * pages of tuning licences, three faces, 150-300 dpi, six kinds of damage, read by Tesseract
 * without the reader's cleaning): of the 1,343 printed paragraphs of 10 or more word characters
 * whose word count Tesseract kept, 97.6 % had at most one in 20 read as another (one in 15:
 * 98.9 %, one in 30: 95.9 %, one in 10: 99.7 %). tests/e2e/test_confusions.py holds the rule to
 * at least 95 % of the measured paragraphs.
 */
#define OCR_NOISE_PER 20
bool xk_ocr_within_noise(const char *a, size_t alen, const char *b, size_t blen);

/* Rewrites r->text line by line (the line count is kept), recording each repair. */
xk_status xk_ocr_repair_text(xk_ocr_result *r, ocr_repairs *rep);

/* The standard wording of provisions and conditions, split for comparing (wording.c). */
typedef struct ocr_wording {
    char **sentences, **clauses;
    size_t n_sentences, n_clauses, n_entries;
    char **entries; /* each entry's whole text, n_entries of them */
    int *entry_item; /* the item number its place names ("十五（三）": 3), 0 for none */
    int common;      /* the last provision every form has (a place without a service): 14 */
} ocr_wording;

/* Parses wording text in the format of data/provisions.txt; name is used in messages. The
 * tables in out are owned by it (xk_ocr_wording_free); on error out is empty. */
xk_status xk_ocr_wording_parse(const char *text, size_t len, const char *name, ocr_wording *out,
                            xk_error *err);
/* The compiled-in data/provisions.txt, parsed into out. */
xk_status xk_ocr_wording_standard(ocr_wording *out, xk_error *err);
void xk_ocr_wording_free(ocr_wording *w);

/* Clauses of provisions and conditions snapped to the standard wording (clauses.c). */
#define OCR_MAX_SNAPS XK_MAX_OCR_SNAPS

/* Why a snap was noted but not made: the text stays as read and the field is flagged. */
typedef enum ocr_kept_why {
    OCR_SNAP_MADE = 0,  /* made */
    OCR_KEPT_LAYER,     /* a text layer's wording that differs from the standard */
    OCR_KEPT_DOUBLED,   /* the read text prints a character twice where the standard has it once */
} ocr_kept_why;

typedef struct ocr_snap {
    char field[64];
    char from[160], to[160];
    bool noise; /* within the noise Tesseract makes (xk_ocr_within_noise) */
    ocr_kept_why kept;
} ocr_snap;

typedef struct ocr_snaps {
    ocr_snap items[OCR_MAX_SNAPS];
    size_t n, dropped; /* dropped: snaps made beyond OCR_MAX_SNAPS, not listed */
} ocr_snaps;

void xk_ocr_snap_note(ocr_snaps *s, const char *field, const char *from, size_t from_len,
                      const char *to);
/* Snaps the clauses of lic's provisions, items and service conditions (see clauses.c). A field
 * whose line ocr took from a PDF's text layer keeps its text: each difference from the standard
 * wording is noted as kept, never within the noise, so the field is flagged. ocr may be NULL
 * (every field read by OCR). */
void xk_ocr_snap_clauses(xk_licence *lic, ocr_snaps *snaps, const xk_ocr_result *ocr);
/* Whether text is, whole, one entry of the standard wording: a provision's text (item 0) or
 * item `item`'s text, to be equal to an entry whose place names that item number; a condition
 * (item -1) compared without its marks, as conditions are stored without 【】. */
bool xk_ocr_is_standard(const char *text, int item);
/* Whether item (one of a service's listed qualifiers, "信息搜索查询服务") stands in an entry of
 * the standard wording ending at a mark or the entry's end. */
bool xk_ocr_is_standard_piece(const char *item);
/* The characters of the longest entry of the standard wording (0 when there is none). */
size_t xk_ocr_longest_standard(void);
/* The number of the last provision every form of the standard wording has (0: none). */
int xk_ocr_common_provisions(void);

/* The review flags of a scanned record (what xk_scan_parse raises once it is extracted): every
 * field read poorly or repaired, and the whole document when a list was full (repairs beyond
 * XK_MAX_OCR_REPAIRS, snaps beyond XK_MAX_OCR_SNAPS, fields beyond XK_MAX_REVIEW_SPANS) or a
 * line over XK_MAX_OCR_LINE_CHARS was left as read. rep and snaps may be NULL (none made). The
 * number of flags raised. */
size_t xk_ocr_flag_review(xk_licence *lic, const xk_ocr_result *ocr, const ocr_repairs *rep,
                          const ocr_snaps *snaps, int review_confidence);

/* Levenshtein distance in characters of a[0..alen) and b[0..blen), or limit + 1 as soon as it
 * must exceed limit (texts over XK_MAX_WORDING_CHARS characters: limit + 1). */
size_t xk_ocr_distance(const char *a, size_t alen, const char *b, size_t blen, size_t limit);

/* A service of the catalogue the lines between 业务种类 and 发证日期 seem to name, though
 * extraction found none there: its code and the line (evidence.c). */
typedef struct ocr_lost_service {
    const char *code;
    int line;
} ocr_lost_service;
/* The services lost so (at most max into out); their count. */
size_t xk_ocr_lost_services(const xk_licence *lic, const xk_ocr_result *ocr, ocr_lost_service *out,
                            size_t max);
/* Whether a line of the services block is one a service's name never starts (a qualifier, a
 * condition, a label). */
bool xk_ocr_other_service_line(const char *s, size_t len);
/* The catalogue service whose name line s[0..len) starts within OCR_LOST_NAME characters of
 * (characters lost, added or read as others), the nearest and only it; NULL when none or two
 * are equally near. *bytes (when not NULL): the bytes of s that stand for the name. */
#define OCR_LOST_NAME 2
const xk_service_kind *xk_ocr_near_service(const char *s, size_t len, size_t *bytes);

/* The fields evidence.c can confirm otherwise than by Tesseract's confidence. */
typedef enum ocr_field {
    OCR_FIELD_OTHER,
    OCR_FIELD_NUMBER,
    OCR_FIELD_COMPANY,
    OCR_FIELD_ISSUED,
    OCR_FIELD_EXPIRES,
    OCR_FIELD_SERVICE,  /* index: into lic->services */
    OCR_FIELD_PROVISION /* index: into lic->provisions */
} ocr_field;

/* Whether the licence itself confirms field `kind` (index) as read, ocr being the whole reading,
 * first..last (1-based) the field's lines in it and threshold the confidence a line read surely
 * has (see evidence.c). */
bool xk_ocr_field_confirmed(const xk_licence *lic, const xk_ocr_result *ocr, ocr_field kind,
                            size_t index, int first, int last, int threshold);

/* --- the lines of a page being read (page_lines.c), and their Latin text read again (latin.c) */

/* A run of Latin text in a line that looks like a domain: bytes [at, at + len) of the line's
 * text, and where it is on the page. */
typedef struct latin_run {
    size_t at, len;
    int left, top, right, bottom;
} latin_run;

#define OCR_LATIN_RUNS 4 /* a line's domains read again, at most */

/*
 * Whether a word from top to bottom, read with confidence conf in a line from line_top to
 * line_bottom, is a sliver of the line above or below, not text (page_lines.c): under a quarter of the
 * line's height, against its top or bottom edge, read with confidence under OCR_SLIVER_CONF
 * (the tops of 服务器放置地 under a domain on a tightly set page, read "罗" at 0:
 * "news.qiming.com罗" is no host name, and the licence was refused).
 */
#define OCR_SLIVER_CONF 30
bool xk_ocr_sliver(int top, int bottom, int line_top, int line_bottom, int conf);

/* A line of the page being read: its words joined, where it is, how sure the reader was. */
typedef struct page_line {
    xk_buf text;
    int left, top, right, bottom;
    int min_conf, mean;
    latin_run runs[OCR_LATIN_RUNS];
    int n_runs;
    xk_ocr_fix fixes[OCR_LATIN_RUNS];
    int n_fixes;
    bool reread; /* its text taken from a second reading that differed (reread.c) */
} page_line;

typedef struct page_lines {
    page_line *items;
    size_t n, cap;
} page_lines;

/*
 * A licence page is one column of lines. Read as such (PSM_SINGLE_COLUMN) rather than with
 * Tesseract's automatic layout, which on a serif render took the first characters of the lines
 * (四、（一）…) for a vertical text block and read them apart as 后, 大, 避, 让: same accuracy on
 * the fixtures and generated licences in every style, 2-16 fields better on serif and 150 dpi
 * renders (docs/PERFORMANCE.md, fifth pass). Set again after each single-line reading.
 */
#define OCR_PAGE_LAYOUT PSM_SINGLE_COLUMN

/* Line l of image read again alone (Tesseract's single-line mode on its box) with only the
 * characters in `allowed`, within *left seconds: the text (free with TessDeleteText) or NULL.
 * The engine is left as it was: no whitelist, the page's layout mode. */
char *xk_ocr_read_line_with(TessBaseAPI *api, PIX *image, const page_line *l, const char *allowed,
                            double *left);

/* A number line whose province character is none of the 31, read again with only the
 * abbreviations allowed there (region.c); the character read replaces it, as a fix. */
void xk_ocr_read_region(TessBaseAPI *api, PIX *image, page_lines *pl, double *left);
/* Where the province character of number line s starts (after 编号, its colon, spaces and a
 * quote) when it is a Chinese character no region has and a category letter follows; else
 * (size_t)-1. */
size_t xk_ocr_unknown_region_at(const char *s, size_t len);
/* A number's province misread on one page (none of the 31) taken from the same number read on
 * another, as a repair (see region.c). The text keeps its length. */
void xk_ocr_region_agree(char *text, size_t len, ocr_repairs *rep);
/* A scan's number whose province is still none of the 31 after every reading and the rest of
 * the licence (the extractor takes it from 发证机关): the validator's error on it becomes a
 * review flag, problem.review.number_unresolved, so the record is given with the number to be
 * read on the paper instead of refused whole; the registry refuses to store it until corrected
 * (see region.c). XK_ENOMEM when the flag could not be added. */
xk_status xk_ocr_number_unresolved(xk_licence *lic);

/* A website named in Chinese numerals read with a numeral wrong (numerals.c): a 网站名称 line
 * whose value has one character that is no numeral, read below threshold, is read again with
 * only numerals allowed; 么 among numerals is made 幺 (which the model cannot read). Each change
 * is a fix. */
void xk_ocr_read_numerals(TessBaseAPI *api, PIX *image, page_lines *pl, int threshold,
                          double *left);
/* For a 网站名称 line s whose value (from *at to len) is 3-16 Chinese characters, at least two
 * of them numerals and the rest numerals or 么 but for at most one: how many are neither (0 or
 * 1); -1 for any other line. */
int xk_ocr_numeral_value(const char *s, size_t len, size_t *at);

/* The page's languages: the options' or the default (Chinese alone; see README, "Scans"). */
#define OCR_DEFAULT_LANGUAGES "chi_sim"
#define OCR_LANGUAGES(o) ((o)->languages ? (o)->languages : OCR_DEFAULT_LANGUAGES)

/* Records a fix of line l from `from` to `to` (each cut to whole characters to fit); false,
 * nothing recorded, when l holds OCR_LATIN_RUNS fixes already. */
bool xk_ocr_line_note_fix(page_line *l, const char *from, size_t from_len, const char *to,
                          size_t to_len);

/* Three engines a thread: the page's languages, eng for Latin text, osd for how a page lies. */
enum { OCR_ENGINE_PAGE, OCR_ENGINE_LATIN, OCR_ENGINE_OSD, OCR_N_ENGINES };

/* The thread's engine in `slot` for datapath (NULL: Tesseract's own) and langs, started on
 * first use; NULL when it cannot be (err set). */
TessBaseAPI *xk_ocr_engine_get(int slot, const char *datapath, const char *langs, xk_error *err);

/* pix in 8-bit grey, coloured ink (a red seal stamped over the dates, a blue signature) faded to
 * the paper when pix is in colour: see clean.c. NULL when out of memory. */
PIX *xk_ocr_grey_page(PIX *pix);

/* gray (8-bit) with a light background pattern turned to paper: a new image, or NULL when gray
 * has no such pattern (or out of memory). See clean.c. */
PIX *xk_ocr_without_pattern(PIX *gray);

/* The box (left, top)-(right, bottom) of image with a margin of a sixth of its height, framed
 * in white for Tesseract; (*dx, *dy) is where the framed crop's origin lies on the page. */
PIX *xk_ocr_framed_crop(PIX *image, int left, int top, int right, int bottom, int *dx, int *dy);

/* The domain-like runs of the word at it, which is bytes [word_at, ...) of line's text; boxes
 * moved by (dx, dy) into the page's coordinates. */
void xk_ocr_find_runs(const TessResultIterator *it, page_line *line, size_t word_at, int dx,
                      int dy);

/* The domain text[0..len) (at most 64 characters), whose ink is run's box of image: written into
 * out (len bytes at most; *out_len set) with each l or 1 whose height says it is the other, and
 * an l/1 pair read for one glyph made one (see heights.c). Returns how many it changed, 0 when
 * the glyphs do not say (out then unset). */
size_t xk_ocr_ones_by_height(PIX *image, const latin_run *run, const char *text, size_t len,
                             char *out, size_t *out_len);

/* The page's domains read again by eng (see latin.c); nothing when eng is not installed or is
 * the page's own model. */
void xk_ocr_read_latin(const xk_ocr_options *o, PIX *image, page_lines *pl, double *left);

/* A reading's deadline on the wall clock, in multiples of the processor time it has left. */
#define OCR_WALL_FACTOR 10

/*
 * Recognises the image set in api within *left seconds of the calling thread's processor time
 * (Tesseract's cancel hook; a wall-clock deadline OCR_WALL_FACTOR times longer as a backstop),
 * *left reduced by the time taken: true when it was read, false when the engine failed, the time was spent
 * before it started, or it ran out meanwhile (what was read then is partial: not to be used).
 * Every reading of a page goes through it, so the page's time limit bounds them all.
 */
bool xk_ocr_recognise_within(TessBaseAPI *api, double *left);

/* --- the steps of reading an image page, one a file --------------------------------------- */

/* items (n used of *cap, elements of elem bytes) with room for one more: the same array, or
 * one twice the size (first elements at first); NULL when out of memory, items untouched
 * (page_lines.c). */
void *xk_ocr_room_for_one(void *items, size_t n, size_t *cap, size_t elem, size_t first);

/* Walks the words recognised in api into pl's lines, boxes moved by (dx, dy) (page_lines.c):
 * XK_ENOMEM when out of memory. */
xk_status xk_ocr_words_into_lines(TessBaseAPI *api, page_lines *pl, int dx, int dy);
void xk_ocr_page_lines_free(page_lines *pl);

/* The bottom of line i's box for its second reading: cut above a line it holds (one starting
 * inside it, below its top, across the page: Tesseract took a paragraph's short last line into
 * the line above), or to a little over a line (median: the page's median line height) when it
 * is two lines tall, else its own bottom (reread.c). */
int xk_ocr_reread_bottom(const page_lines *pl, size_t i, int median);
/* The page's unsure lines and garbled dates read again alone, each kept when surer (reread.c). */
void xk_ocr_reread_unsure(TessBaseAPI *api, PIX *image, page_lines *pl, int threshold,
                          double *left);

/* A grey, straightened and (XK_CLEAN_FULL) evened-out copy of pix, or NULL; coloured ink is
 * faded unless clean is XK_CLEAN_NONE (clean.c). */
PIX *xk_ocr_clean_image(PIX *pix, xk_ocr_clean clean);

/* gray scaled so its print is as high as the model reads best, or NULL when it is already
 * (or out of memory); the image is left set in api (geometry.c). */
PIX *xk_ocr_normalise_scale(TessBaseAPI *api, PIX *gray);

/*
 * A page scanned upside down or sideways reads as scattered guesses: a mean word confidence
 * of 17-18 on the fixtures turned 90, 180 and 270 degrees, where upright pages read 90-91 in
 * every style (clean to photo). Below OCR_TURN_BELOW, Tesseract's orientation detection (osd)
 * is asked how the page lies; it answered with confidence 10.9-12.4 on turned pages, and
 * below OCR_TURN_SURE its answer is not taken. A turned reading stands only when it is surer
 * than the first.
 */
#define OCR_TURN_BELOW 60
#define OCR_TURN_SURE 2.0f

/* Quarter turns clockwise that set clean upright, by osd; 0 when it is upright, unsure, or osd
 * is not installed (geometry.c). */
int xk_ocr_upright_turns(const xk_ocr_options *o, PIX *clean, l_int32 xres);

/* --- a second, independent reading of the lines of fields that would be flagged (second.c) -- */

/* The images of a scan's unsure lines (read below the review confidence) and of the lines of the
 * fields a second reading may vouch for (second.c), kept after their pages for it: at most XK_MAX_OCR_KEPT_LINES, in line order; lines beyond that keep no
 * image (dropped counts them), so fields on them stay flagged as before. */
typedef struct ocr_kept_line {
    int line; /* 1-based line of the text */
    PIX *crop;
} ocr_kept_line;

typedef struct ocr_kept {
    ocr_kept_line *items;
    size_t n, cap, dropped;
    size_t n_wording; /* of n, lines kept only for a provision's or service's confirming reading */
} ocr_kept;

/* xk_ocr_read, keeping the images of its lines into kept (emptied on error; free with
 * xk_ocr_kept_free). */
xk_status xk_ocr_read_keeping(const xk_blob *files, size_t n, const xk_ocr_options *opt,
                              xk_ocr_result *out, ocr_kept *kept, xk_error *err);
/* For each line of pl with a box and some text, its framed crop of image (see
 * xk_ocr_framed_crop): every such line is kept, a provision's sure lines being read again too
 * (xk_ocr_kept_add sorts them by xk_ocr_kept_for_field); an array of pl->n (NULL entries for the
 * others), or NULL. */
PIX **xk_ocr_keep_lines(PIX *image, const page_lines *pl);
/* Whether line l is kept for a name's second reading (read below threshold, or labelled as a
 * field second.c may vouch for); every other line is kept only for a provision's or service's
 * confirming reading (confirm.c), in a pool of its own (XK_MAX_OCR_KEPT_WORDING_LINES), so a
 * long licence's provisions never crowd out the websites after them. */
bool xk_ocr_kept_for_field(const page_line *l, int threshold);
/* Takes crop (owned from here) as line `line`'s image, in the pool for_field says; destroyed and
 * counted when that pool is full or out of memory. */
void xk_ocr_kept_add(ocr_kept *kept, int line, PIX *crop, bool for_field);
void xk_ocr_kept_free(ocr_kept *kept);

/* Line `line` of a scan read a second time, apart from its first reading: its kept image
 * enlarged OCR_SECOND_SCALE times, binarised (Sauvola's local threshold, where the page was read
 * in grey with Tesseract's global one) and read in single-line mode, within *left seconds. The
 * text (free()), or NULL when the line has no image kept, or it could not be read. */
char *xk_ocr_second_reading(const ocr_kept *kept, int line, const xk_ocr_options *o,
                            double *left, int *lowest);

/* Whether two readings of a line agree: the same Han characters, letters and digits in the same
 * order (marks and spaces aside), and at least one of them. */
bool xk_ocr_readings_agree(const char *first, size_t first_len, const char *second,
                           size_t second_len);

/* Whether s is, whole, one of the access providers most websites name (repair_words.c's
 * vocabulary: 阿里云计算有限公司, 中国电信股份有限公司, …). */
bool xk_ocr_known_provider(const char *s);

/* Whether Tesseract's model was measured reading character cp in place of another at least
 * three times (data/ocr_confusions.txt; confusions.c). */
bool xk_ocr_confused_char(unsigned cp);

/* Whether cp is a Chinese character Tesseract was measured reading in where the print has none
 * at least OCR_ADDED_MIN times (data/ocr_confusions.txt's `added` rows; confusions.c). */
#define OCR_ADDED_MIN 20
bool xk_ocr_often_added(unsigned cp);

/* Whether a field (scan.c's span: "company", "legal_representative" or "website" with its number
 * from 1) has the shape its kind of field has: a company's name ends in 公司, a person's name is 2
 * to 4 Chinese characters, a website has a name, domains that parse as host names, and a
 * provider ending in 公司; and holds no character of xk_ocr_confused_char. Any other field:
 * false (no second reading lifts its flag). */
bool xk_ocr_field_well_formed(const xk_licence *lic, const char *field, const char *item);

/* Where a flagged field's lines are read a second time: read(ctx, line) gives line `line` (1-based)
 * read again apart from its first reading (free()), or NULL when it cannot be. */
typedef struct ocr_second {
    char *(*read)(void *ctx, int line, int *lowest);
    void *ctx;
} ocr_second;

/* xk_ocr_flag_review, a field that would be flagged only for lines read below the threshold
 * (no correction, match or other doubt) left unflagged when it is well formed
 * (xk_ocr_field_well_formed), none of its lines was read otherwise already (xk_ocr_line.reread)
 * and each of its lines reads alike a second time (second; NULL: none), every character of the
 * second reading at OCR_SECOND_SURE or over. Such fields are named in a note,
 * problem.ocr_fields_read_twice. */
/* 93: characters Tesseract reads as others have a median confidence of 89 (data/ocr_confusions.txt:
 * 3,460 of them; those read right 99, the 1st percentile 91). On the tuning renders the one wrong
 * name read alike twice (集辟鹿鲸 for 集翼鹿鲸) had its least sure character at 90; right fields
 * read alike twice, 76-99. */
#define OCR_SECOND_SURE 93
size_t xk_ocr_flag_review_second(xk_licence *lic, const xk_ocr_result *ocr, const ocr_repairs *rep,
                                 const ocr_snaps *snaps, int review_confidence,
                                 const ocr_second *second);

/* The word characters (Chinese characters, letters, digits) of provision p as printed: its
 * number, its text, each item's number and text; how many (those beyond max not written). */
size_t xk_ocr_provision_words(const xk_provision *p, unsigned *w, size_t max);
/* Whether provision p, matched to the standard wording from its lines' first reading
 * first[0..first_len), is confirmed by their second reading again[0..again_len) (confirm.c):
 * the second gives p's words exactly, and no character of p the first reading put otherwise is
 * one xk_ocr_confused_char names. */
bool xk_ocr_provision_read_again(const xk_provision *p, const char *first, size_t first_len,
                                 const char *again, size_t again_len);

/* Which of a provision's lines (lines[i], lens[i] bytes; n of them, as first read) hold or
 * border a character where the reading departs from p's standard text: again[i] set for each,
 * how many. Only those need reading a second time; the others agree with the standard already. */
size_t xk_ocr_provision_lines_to_read(const xk_provision *p, const char *const *lines,
                                      const size_t *lens, size_t n, bool *again);

/* Seconds on a monotonic clock (engine.c). */
double xk_ocr_now_seconds(void);

#endif
