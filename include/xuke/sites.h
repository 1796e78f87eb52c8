/*
 * The number on the homepage (checks layer): provision 二 of every licence requires the licence
 * number to be shown prominently on the website's homepage. For each licensed website this
 * fetches the homepage with libcurl (https, then http; redirects, size, time, a per-host pace
 * and a global cap on concurrent fetches, all bounded; private addresses refused unless
 * allowed) and says what the page's visible text shows: this licence's number, another
 * licence's number, none; and the ICP filing number (备案号). Results go to the store's history
 * (checks_store.h).
 */
#ifndef XUKE_SITES_H
#define XUKE_SITES_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/checks_store.h"
#include "xuke/error.h"
#include "xuke/store.h"

/* --connect-to rules at most (curl's HOST:PORT:ADDRESS:PORT). */
#define XK_SITE_MAX_CONNECT_TO 64

typedef struct xk_site_options {
    long timeout_seconds;    /* whole fetch of one URL, redirects included */
    size_t max_bytes;        /* of a homepage; a larger one is an http_error, not read */
    long max_redirects;
    unsigned concurrency;    /* fetches at once, over all hosts */
    long per_host_ms;        /* at least this long between two requests to one host */
    bool allow_private;      /* connect to private, loopback and link-local addresses */
    const char *connect_to[XK_SITE_MAX_CONNECT_TO]; /* addresses named here are allowed */
    size_t n_connect_to;
} xk_site_options;

/* The defaults: the limits of limits.h. */
void xk_site_options_init(xk_site_options *o);

/*
 * What a homepage shows: body[0..len) decoded (charset from content_type, else the page's own
 * <meta>, else UTF-8, GBK tried when that fails), the visible text taken (scripts, styles and
 * comments are not shown), entities decoded, NFKC (full-width digits), white space removed,
 * then searched for licence numbers and the ICP filing number. Fills result ("shown",
 * "other_number", "not_shown"), found_number and icp_filing of out; nothing else.
 */
void xk_site_analyse(const char *number, const char *body, size_t len, const char *content_type,
                     xk_site_check *out);

/* Fetches and analyses the homepage of host for licence number; out fully set. */
void xk_site_check_one(const xk_site_options *o, const char *number, const char *host,
                       xk_site_check *out);

/* Called per website checked, after its check is stored. Return false to stop. */
typedef bool (*xk_site_check_fn)(const xk_site_check *c, void *ctx);

/* Checks every website of number (every licence not removed when NULL) and stores each result.
 * XK_ENOTFOUND when number is given and has no website. */
xk_status xk_sites_check(xk_store *st, const xk_site_options *o, const char *number,
                         xk_site_check_fn fn, void *ctx, xk_error *err);

#endif
