/*
 * What the registry keeps of the due-diligence checks (src/checks/): published lists (each import
 * a new version of the list named by its kind and source, with its entries) and their matches
 * against licences. Plain data and store calls only: parsing lists and deciding what a website
 * shows is the checks layer's (lists.h, sites.h), which writes through these calls; the registry
 * never calls the checks.
 *
 * Ownership: arrays returned through **out belong to the caller, who frees them with free().
 */
#ifndef XUKE_CHECKS_STORE_H
#define XUKE_CHECKS_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/error.h"
#include "xuke/limits.h"
#include "xuke/store.h"

/* The published lists xuke knows: 注销 notices, 经营不良名单, 失信名单. */
typedef enum xk_list_kind {
    XK_LIST_CANCELLED = 1,
    XK_LIST_POOR_CONDUCT = 2,
    XK_LIST_DISHONEST = 3
} xk_list_kind;

/* "cancelled", "poor-conduct", "dishonest"; static storage. */
const char *xk_list_kind_name(xk_list_kind kind);
/* The kind named s; false when s names none. */
bool xk_list_kind_parse(const char *s, xk_list_kind *out);

#define XK_CREDIT_CODE_LEN 18 /* GB 32100-2015 */

/* One entry of a published list, as the list gives it (fields "" when the list leaves them out). */
typedef struct xk_list_entry {
    int line; /* line (CSV, notice) or row (XLSX) of the source it was read from */
    char company[XK_MAX_LIST_FIELD_BYTES + 1];
    char credit_code[XK_CREDIT_CODE_LEN + 1];
    bool credit_code_valid; /* false: reported at import, never matched on */
    char number[64];        /* normalised licence number */
    char date[11];          /* YYYY-MM-DD */
    char reason[XK_MAX_LIST_FIELD_BYTES + 1];
    char authority[XK_MAX_LIST_FIELD_BYTES + 1];
} xk_list_entry;

/* One stored version of a list. */
typedef struct xk_list_info {
    long id;
    char kind[16];
    char source[XK_MAX_LIST_FIELD_BYTES + 1];
    int version;
    char published[11];
    char format[8]; /* "csv", "xlsx", "notice" */
    char sha256[XK_SHA256_HEX];
    size_t entries;
    char imported_at[32];
    char actor[64];
} xk_list_info;

/*
 * Stores entries[0..n) as the next version of the list (kind, source), published on the given
 * date, in one transaction with its audit entry: all of it or none. *out (may be NULL) receives
 * what was stored.
 */
xk_status xk_store_list_put(xk_store *st, xk_list_kind kind, const char *source,
                            const char *published, const char *format, const char *sha256,
                            const xk_list_entry *entries, size_t n, xk_list_info *out,
                            xk_error *err);

/* Every stored version of every list, by kind, source and version. */
xk_status xk_store_lists(xk_store *st, xk_list_info **out, size_t *n, xk_error *err);

/* An entry of the current version of a list that names a licence, and on what it matched. */
typedef struct xk_list_match {
    xk_list_entry entry;
    char kind[16];
    char source[XK_MAX_LIST_FIELD_BYTES + 1];
    int version;
    char published[11];
    char matched_on[16]; /* "number", "credit_code" or "company" */
} xk_list_match;

/*
 * The entries of the current version of each list that name licence number: first those that
 * give its number; then, among entries that give no licence number, those with a valid credit
 * code that an entry naming the number also gives, and those whose company name is, after
 * xk_company_normalise, exactly the licence's company. XK_ENOTFOUND for an unknown licence.
 */
xk_status xk_store_list_matches(xk_store *st, const char *number, xk_list_match **out,
                                size_t *n, xk_error *err);

/* --- homepage checks ------------------------------------------------------------------------- */

/* One check of one licensed website's homepage. */
typedef struct xk_site_check {
    long id;
    char number[64];
    char host[XK_MAX_HOST + 1];
    char url[512];        /* the URL finally fetched (after redirects), or the first tried */
    char result[16];      /* shown, other_number, not_shown, unreachable, tls_error, http_error */
    int http_status;      /* 0 when no answer */
    char found_number[64]; /* other_number: the number the page shows instead */
    char icp_filing[64];  /* the ICP filing number (备案号) the page shows, or "" */
    char detail[256];     /* why, in words: the error, the limit, the redirect refused */
    char sha256[XK_SHA256_HEX]; /* of the bytes fetched, "" when none */
    char checked_at[32];
    char changed_at[32]; /* reading back: when the result last changed to this one */
} xk_site_check;

/* Appends a check to the history (through the audit log when its result changed). */
xk_status xk_store_site_check_add(xk_store *st, const xk_site_check *c, xk_error *err);

/* Called per licensed website: the licence's number and one of its hosts. */
typedef bool (*xk_site_fn)(const char *number, const char *host, void *ctx);

/* Every website host of the current version of number (or of every licence not removed, when
 * number is NULL), in number then host order. */
xk_status xk_store_site_hosts(xk_store *st, const char *number, xk_site_fn fn, void *ctx,
                              xk_error *err);

/*
 * The checks of number's websites (every licence when number is NULL), newest first per host:
 * all of them (latest_only false, at most limit when limit > 0) or the latest per host with
 * changed_at filled in. Caller frees *out.
 */
xk_status xk_store_site_checks(xk_store *st, const char *number, bool latest_only, size_t limit,
                               xk_site_check **out, size_t *n, xk_error *err);

#endif
