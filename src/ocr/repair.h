/*
 * Internals of the repairs of OCR text before extraction (repair*.c): repair.c walks the text a
 * line at a time; each line's number is mended by repair_numbers.c, its words by the licence's
 * vocabulary in repair_words.c, its brackets, colons and specks in repair_marks.c.
 */
#ifndef XK_OCR_REPAIR_H
#define XK_OCR_REPAIR_H

#include "../core/buf.h"
#include "ocr_internal.h"

/* --- the vocabulary a line is compared with (repair_words.c) -------------------------------- */

#define MAX_PHRASE_CHARS 24
#define OCR_MAX_PHRASES 96 /* the vocabulary and the catalogue's service names */

typedef struct phrase {
    const char *text;
    size_t off[MAX_PHRASE_CHARS + 1]; /* byte offsets of its characters */
    size_t chars;
    bool label;   /* one of the vocabulary's labels: a line's label, a colon after it */
    bool service; /* a catalogue service's name */
} phrase;

typedef struct phrases {
    phrase items[OCR_MAX_PHRASES];
    size_t n;
} phrases;

/* The vocabulary's phrases, then the catalogue's service names, into ph. */
void xk_ocr_phrases_load(phrases *ph);

/* One line being repaired, after its number: its characters, and where the repairs go. */
typedef struct line_repair {
    const char *s;     /* the line */
    size_t len;        /* its bytes */
    const size_t *off; /* byte offsets of its n characters; off[n] == len */
    size_t n;
    int lineno;
    const phrases *ph;
    int doubled; /* brackets read twice on the line, still to be undone */
    xk_buf *out;
    ocr_repairs *rep;
} line_repair;

/* The vocabulary repaired at character c of the line (a phrase read one or two characters
 * wrong, 不含 misread, a label's misread colon, a short word's typical misreading), written to
 * out and noted: the characters of the line it stands for, 0 when there is none there. */
size_t xk_ocr_repair_words(line_repair *lr, size_t c);

/* --- brackets, colons and specks (repair_marks.c) ------------------------------------------ */

/* A mark repaired at character c (a bracket read twice, 《 〈 〉 or \ for a bracket, O for a
 * full stop), written to out and noted: 1, or 0 when c is none of them. */
size_t xk_ocr_repair_mark(line_repair *lr, size_t c);

/* ( （ or 〈, which OCR reads for （ */
bool xk_ocr_opening_bracket(const char *p, const char *end);
/* Opening brackets on the line less the closing ones. */
int xk_ocr_bracket_excess(const char *s, size_t len);
/* A qualifier's opening words after a service name: 仅限, 含 or 不含. */
bool xk_ocr_qualifier_opening(const char *p, const char *end);
/* A backslash OCR read for （ before a qualifier. */
bool xk_ocr_backslash_bracket(const char *p, const char *end);

/* Specks after a label's colon ("发证日期:;") dropped, the repair noted: the new length. */
size_t xk_ocr_drop_specks(const char *s, size_t len, int lineno, ocr_repairs *rep);
/* Whether line s is the standard condition with a bracket OCR lost: 1 when the closing 】 is
 * missing, -1 the opening 【, else 0. */
int xk_ocr_condition_bracket(const char *s, size_t len);
/* The lost bracket of the standard condition (bracket as xk_ocr_condition_bracket says) written
 * and noted: the opening one before the line, the closing one after it. */
void xk_ocr_condition_open(int lineno, xk_buf *out, ocr_repairs *rep);
void xk_ocr_condition_close(int lineno, xk_buf *out, ocr_repairs *rep);
/* A speck before a service name at the start of out's line (from byte start) removed and
 * noted. */
void xk_ocr_drop_speck_before_service(xk_buf *out, size_t start, int lineno, ocr_repairs *rep);

/* --- numbers of items and provisions (repair_numbers.c) ------------------------------------- */

#define MAX_RENUMBERS 16

/* The lines whose number is to be corrected, and to what. */
typedef struct renumbers {
    int line[MAX_RENUMBERS], to[MAX_RENUMBERS];
    size_t n;
} renumbers;

/* Where the numbering stands as the lines are repaired: the last item and provision numbers,
 * the corrections known from later lines, and whether the line before left a bracket open. */
typedef struct numbering {
    int item, prov;
    renumbers rn;
    bool in_bracket;
} numbering;

/* The numbers the text repeats after skipping one ("（一）", "（三）", "（三）"), into rn. */
void xk_ocr_find_renumbers(const char *text, size_t len, renumbers *rn);

/* The provision or item number line s starts with, mended when OCR garbled it (written to out
 * and noted) and remembered in nb: the bytes of the line it replaced, 0 when none. */
size_t xk_ocr_repair_number(const char *s, size_t len, int lineno, numbering *nb, xk_buf *out,
                            ocr_repairs *rep);

/* An item number the line s[0..len) holds after a full stop ("…运行维护。（七）你公司…"), the
 * next after nb's, remembered in nb as the line's last item. */
void xk_ocr_inline_items(const char *s, size_t len, numbering *nb);

/* --- fields repaired by what the rest of the licence says (repair_fields.c) ------------------ */

/* A date garbled past reading completed from the other date and the five-year term, a service
 * name that lost a character restored from the catalogue: text rewritten, each repair noted. */
void xk_ocr_repair_fields(xk_buf *text, ocr_repairs *rep);

#endif
