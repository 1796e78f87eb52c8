/*
 * The licence record: what xuke extracts from one 增值电信业务经营许可证 document, and the calls
 * that make one (parse) and release it (free). Field names mirror the JSON contract documented
 * in docs/RECORD.md; later layers (registry, rules, server) consume this structure.
 *
 * Ownership: every string and array in an xk_licence lives in the licence's own arena and is
 * released by xk_licence_free(); callers never free fields individually.
 */
#ifndef XUKE_LICENCE_H
#define XUKE_LICENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/date.h"
#include "xuke/error.h"

struct xk_arena;

typedef struct xk_strlist {
    char **items;
    size_t len, cap;
} xk_strlist;

typedef struct xk_service {
    char code[8];     /* catalogue code, "B25" */
    char *name;       /* canonical catalogue name */
    char *scope;      /* the bracketed qualifier after the name, "仅限互联网信息服务", or "" */
    xk_strlist limited_to, includes, excludes, conditions, coverage;
    int line;         /* source line the service started on (0 for records read from JSON) */
} xk_service;

typedef struct xk_website {
    char code[8]; /* service code the appendix block belongs to, or "" */
    char *name;
    xk_strlist domains; /* lower-case host names */
    char *server_location;
    char *access_provider;
    int line;
} xk_website;

typedef struct xk_item {
    int no;
    char *text;
} xk_item;

typedef struct xk_provision {
    int no;
    char *text;
    xk_item *items;
    size_t n_items, cap_items;
    int line;
} xk_provision;

typedef enum xk_severity { XK_SEV_WARNING = 1, XK_SEV_ERROR = 2 } xk_severity;

/* The most values one problem's message puts in (its catalogue parameters {0}…{11}). */
#define XK_PROBLEM_PARAMS 12

typedef struct xk_problem {
    xk_severity severity;
    int line; /* 0 when not tied to a line */
    char *message;
    /* The same finding for a reader in any language: a message key of the web catalogue
     * (web/i18n/LANG.json, "problem.NAME"; NULL when the problem has none) and the values the
     * message puts in, as text, in the order of the printf format (catalogue {0}, {1}, …). */
    const char *key;
    const char *params[XK_PROBLEM_PARAMS];
    size_t n_params;
} xk_problem;

typedef struct xk_licence {
    struct xk_arena *arena;
    char *number;   /* normalised: 京B2-20224676 */
    char *region;   /* province abbreviation, "" for a cross-regional (ministry) licence */
    char *category; /* "B1", "B2" or "B1.B2" */
    int number_year;
    char *issuer;
    char *company;
    char *legal_representative;
    xk_date issued, expires;
    xk_service *services;
    size_t n_services, cap_services;
    xk_website *websites;
    size_t n_websites, cap_websites;
    xk_provision *provisions;
    size_t n_provisions, cap_provisions;
    xk_problem *problems; /* errors and warnings, in the order found */
    size_t n_problems, cap_problems;
    size_t n_problems_dropped; /* beyond XK_MAX_PROBLEMS */
    /* source lines of the fields, for messages (0 = unknown) */
    int line_number, line_company, line_legal, line_issued, line_expires, line_services;
    int line_company_differs; /* a line naming the company otherwise than the main page, or 0 */
} xk_licence;

typedef struct xk_parse_options {
    size_t max_bytes; /* 0 = XK_MAX_DOCUMENT_BYTES */
} xk_parse_options;

/* An empty record with its own arena. Returns NULL when out of memory. Free with xk_licence_free. */
xk_licence *xk_licence_new(void);
void xk_licence_free(xk_licence *lic);

/*
 * Decodes, extracts and validates one licence document held in bytes[0..len).
 *
 * - XK_OK: *out is a valid record (it may carry warnings).
 * - XK_EINVALID: *out is the record as far as it could be extracted, with at least one error in
 *   its problems; the caller decides whether to show it.
 * - any other status: the input was refused as a whole (empty, binary, not a licence, too large,
 *   wrong encoding, out of memory); *out is NULL and err says why.
 * The caller owns *out and releases it with xk_licence_free().
 */
xk_status xk_licence_parse(const char *bytes, size_t len, const xk_parse_options *opt,
                           xk_licence **out, xk_error *err);

/* Counts of problems by severity. */
size_t xk_licence_error_count(const xk_licence *lic);
size_t xk_licence_warning_count(const xk_licence *lic);

/* Review warnings start with this text, so callers can tell a record needs review: a field read
 * from a scan that a person should check against the paper. */
#define XK_REVIEW_PREFIX "needs review: "

/* Adds a problem (message formatted like printf). Returns XK_ENOMEM on allocation failure. */
xk_status xk_licence_problem(xk_licence *lic, xk_severity sev, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with the message's catalogue key (a static string, "problem.NAME"): each value fmt
 * puts in is kept as a parameter too. A format with more than XK_PROBLEM_PARAMS values, or a
 * conversion other than d i u x c s (with h l ll z, and * width or precision), keeps the
 * message without its key. tests/browser/catalogue.test.js finds every key used in src/. */
xk_status xk_licence_problem_key(xk_licence *lic, xk_severity sev, int line, const char *key,
                                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The same with the parameters given apart from the words: for a finding whose English puts
 * in words of its own (a field named "发证日期 (issued)", a reason) where the catalogue wants the
 * bare values (the field's name "issued", a reason's code). params[0..n) are copied (n at most
 * XK_PROBLEM_PARAMS; NULL counts as ""); key is a static string as above. The catalogue's
 * message for key says what each {N} is. */
xk_status xk_licence_problem_params(xk_licence *lic, xk_severity sev, int line, const char *key,
                                    const char *const *params, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Arena helpers for code that builds records (extractor, JSON reader, registry). */
char *xk_licence_strdup(xk_licence *lic, const char *s, size_t len);
xk_status xk_strlist_push(xk_licence *lic, xk_strlist *list, const char *s, size_t len);
xk_service *xk_licence_add_service(xk_licence *lic);
xk_website *xk_licence_add_website(xk_licence *lic);
/* Takes out the problems of severity sev whose catalogue key is key (a finding a later stage
 * words otherwise: a scan's misread province is a review flag, not the validator's error);
 * returns how many. The record's other problems keep their order. */
size_t xk_licence_problem_drop(xk_licence *lic, xk_severity sev, const char *key);
/* Whether a problem of severity sev has a message starting with prefix. */
bool xk_licence_has_problem(const xk_licence *lic, xk_severity sev, const char *prefix);
/* Whether the licence grants the service with this catalogue code ("B25"). */
bool xk_licence_grants(const xk_licence *lic, const char *code);
xk_provision *xk_licence_add_provision(xk_licence *lic);
xk_item *xk_provision_add_item(xk_licence *lic, xk_provision *p);

/* A licence number split into its parts. */
typedef struct xk_number {
    char text[64];    /* normalised: 京B2-20224676 */
    char region[8];   /* "" for cross-regional */
    char category[8]; /* "B1", "B2", "B1.B2", "A1", "A2" */
    int year;
} xk_number;

/* Sets the licence's number and what the number decides: region, category, the issuer (the
 * region's communications administration, the Ministry for a cross-regional licence, "" for a
 * region the catalogue lacks) and the year. XK_ENOMEM when the record's arena is full. */
xk_status xk_licence_set_number(xk_licence *lic, const xk_number *n);

/*
 * Finds a licence number in free text as users type or paste it ("京 B2-2022 4676",
 * full-width forms, dash variants). Returns false when none is present.
 */
bool xk_number_normalise(const char *text, size_t len, xk_number *out);
/* The same, telling why there is none: XK_OK with *out filled, XK_ENOTFOUND (no number in
 * the text) or XK_ENOMEM (splitting the text found no memory: no answer either way). */
xk_status xk_number_read(const char *text, size_t len, xk_number *out);

/*
 * Every licence number in compact NFKC text (white space removed, as xk_lines_split's compact
 * form), in order of appearance: at most max into out; returns how many there are (which may
 * be more than max). Unlike a scan's text, a letter standing for a digit makes no number.
 */
size_t xk_numbers_in_text(const char *compact, size_t len, xk_number *out, size_t max);

/* The first ICP filing number (京ICP备12345678号-1) in compact text into out; false when none. */
bool xk_icp_filing_in_text(const char *compact, size_t len, char *out, size_t size);

/* How well a text given as an address fits a licence number (xk_number_exact). */
typedef enum xk_number_fit {
    XK_NUMBER_OK = 0,
    XK_NUMBER_EMPTY,      /* nothing but white space */
    XK_NUMBER_TOO_LONG,   /* over XK_NUMBER_ADDRESS_MAX bytes */
    XK_NUMBER_NOT_TEXT,   /* not valid UTF-8, or control characters */
    XK_NUMBER_NONE,       /* no number in it */
    XK_NUMBER_EXTRA,      /* a number with other characters around or inside it */
    XK_NUMBER_BAD_REGION, /* a Chinese character that is no province where the region goes */
} xk_number_fit;

/*
 * The text as an address: after NFKC and trimming it must be exactly one number in its normal
 * form ("京B2-20224676", full-width forms allowed); nothing is searched for inside it. *out is
 * filled only on XK_NUMBER_OK. xk_number_fit_message says what was wrong, in words.
 */
xk_number_fit xk_number_exact(const char *text, size_t len, xk_number *out);
const char *xk_number_fit_message(xk_number_fit fit);

/* Checks a complete record against the catalogue and the rules of issue (validate module). */
void xk_licence_validate(xk_licence *lic);

#endif
