/*
 * Read routes of the HTTP API: licences (one, a search with cursor pagination, history, diff,
 * source document) and the access provider's domain check. Each is a thin layer over the store
 * and the shared JSON views, so the CLI and the API say the same.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "api.h"

/* Healthy when the store answers a query: a server whose database is gone (a PostgreSQL that
 * failed over, a file on a lost disk) says so, so a load balancer sends its requests elsewhere. */
void xk_api_health(const srv_call *c, srv_resp *resp)
{
    xk_store_revision rev;
    xk_error err;
    if (xk_store_revision_get(c->ctx->st, &rev, &err) != XK_OK)
        xk_srv_json(resp, 503, json_pack("{s:s, s:s, s:s}", "status", "unavailable", "version",
                                         XUKE_VERSION, "store", err.message));
    else
        xk_srv_json(resp, 200, json_pack("{s:s, s:s, s:s}", "status", "ok", "version",
                                         XUKE_VERSION, "store", "ok"));
    resp->cache = "no-store";
}

/* The stored record's bytes with the registry's facts composed around them, kept per store
 * revision and day: a repeated read is a copy, never a decoding. */
void xk_api_licence(const srv_call *c, srv_resp *resp)
{
    char number[64];
    long version;
    xk_date as_of;
    if (!xk_srv_param_number(c, resp, number) ||
        !xk_srv_arg_int(c, resp, "version", 1, 1000000, &version, 0) ||
        !xk_srv_arg_date(c, resp, "as_of", &as_of, c->ctx->today))
        return;
    srv_kept k;
    if (xk_srv_key_start(&k, c, "licence") && xk_srv_key_add(&k, number, strlen(number)) &&
        xk_srv_kept(c, resp, &k)) {
        xk_srv_kept_free(&k);
        return;
    }
    xk_view_text t;
    xk_view_facts facts;
    xk_error err;
    /* its facts kept (the answer itself dropped for room): the record read, nothing computed */
    if (xk_srv_facts_get(c, &k, &facts)) {
        xk_status rc = xk_view_licence_text_again(c->ctx->st, number, &facts, &t, &err);
        xk_view_facts_free(&facts);
        if (rc == XK_OK) {
            xk_srv_answer_text(c, resp, &k, t.text, t.len, t.etag);
            xk_srv_kept_free(&k);
            return;
        }
    }
    if (xk_view_licence_text_facts(c->ctx->st, c->ctx->cal, as_of, number, (int)version, &t,
                                   &facts, &err) != XK_OK) {
        xk_srv_fail(resp, &err);
    } else {
        xk_srv_facts_put(c, &k, &facts);
        xk_srv_answer_text(c, resp, &k, t.text, t.len, t.etag);
    }
    xk_view_facts_free(&facts);
    xk_srv_kept_free(&k);
}

void xk_api_history(const srv_call *c, srv_resp *resp)
{
    char number[64];
    if (!xk_srv_param_number(c, resp, number))
        return;
    xk_version_info *v;
    xk_correction *corr = NULL;
    int *of = NULL;
    size_t n, n_corr = 0;
    xk_error err;
    if (xk_store_history(c->ctx->st, number, &v, &n, &err) != XK_OK) {
        xk_srv_fail(resp, &err);
        return;
    }
    if (xk_store_corrections(c->ctx->st, number, 0, &corr, &of, &n_corr, &err) != XK_OK) {
        free(v);
        xk_srv_fail(resp, &err);
        return;
    }
    /* what a reviewer corrected in each version, apart from the record that holds the result */
    json_t *versions = xk_view_history(v, n);
    for (size_t i = 0; i < n; i++) {
        json_t *list = json_array();
        char when[40];
        for (size_t k = 0; k < n_corr; k++)
            if (of[k] == v[i].version)
                json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "field",
                                                      corr[k].field, "read", corr[k].read_value,
                                                      "value", corr[k].corrected_value, "by",
                                                      corr[k].actor, "at",
                                                      xk_view_time(corr[k].at, when, sizeof when)));
        json_object_set_new(json_array_get(versions, i), "corrections", list);
    }
    xk_srv_json(resp, 200, json_pack("{s:s, s:o}", "number", number, "versions", versions));
    free(v);
    free(corr);
    free(of);
}

/* The latest homepage check of each of the licence's websites, with when its result changed. */
void xk_api_sites(const srv_call *c, srv_resp *resp)
{
    char number[64];
    if (!xk_srv_param_number(c, resp, number))
        return;
    xk_site_check *checks;
    xk_version_info *versions;
    size_t n;
    xk_error err;
    json_t *o;
    if (xk_store_history(c->ctx->st, number, &versions, &n, &err) != XK_OK) { /* 404 */
        xk_srv_fail(resp, &err);
        return;
    }
    free(versions);
    if (xk_store_site_checks(c->ctx->st, number, true, 0, &checks, &n, &err) != XK_OK) {
        xk_srv_fail(resp, &err);
        return;
    }
    json_t *sites = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(sites, xk_view_site_check(&checks[i]));
    free(checks);
    o = json_pack("{s:s, s:o}", "number", number, "sites", sites);
    xk_srv_json(resp, 200, o);
}

void xk_api_diff(const srv_call *c, srv_resp *resp)
{
    char number[64];
    long from, to;
    if (!xk_srv_param_number(c, resp, number) ||
        !xk_srv_arg_int(c, resp, "from", 1, 1000000, &from, 0) ||
        !xk_srv_arg_int(c, resp, "to", 1, 1000000, &to, 0))
        return;
    xk_error err;
    xk_licence *a = NULL, *b = NULL;
    xk_licence_info info;
    if (xk_store_get(c->ctx->st, number, (int)to, &b, &info, &err) != XK_OK) {
        xk_srv_fail(resp, &err);
        return;
    }
    if (!to)
        to = info.current.version;
    if (!from)
        from = to - 1;
    if (from < 1)
        xk_srv_error(resp, 400, "bad_request", "%s has one version only: nothing to compare",
                     number);
    else if (xk_store_get(c->ctx->st, number, (int)from, &a, NULL, &err) != XK_OK)
        xk_srv_fail(resp, &err);
    else
        xk_srv_json(resp, 200,
                    json_pack("{s:s, s:i, s:i, s:o}", "number", number, "from", (int)from, "to",
                              (int)to, "changes", xk_licence_diff(a, b)));
    xk_licence_free(a);
    xk_licence_free(b);
}

void xk_api_source(const srv_call *c, srv_resp *resp)
{
    char number[64];
    long version;
    if (!xk_srv_param_number(c, resp, number) ||
        !xk_srv_arg_int(c, resp, "version", 1, 1000000, &version, 0))
        return;
    xk_error err;
    xk_licence_info info;
    char *json, *bytes, kind[8];
    size_t len;
    if (xk_store_get_json(c->ctx->st, number, (int)version, &json, &info, &err) != XK_OK) {
        xk_srv_fail(resp, &err);
        return;
    }
    free(json);
    if (xk_store_source(c->ctx->st, info.current.source_sha256, &bytes, &len, kind, &err) !=
        XK_OK) {
        xk_srv_fail(resp, &err);
        return;
    }
    char *text;
    size_t text_len;
    xk_encoding enc;
    if (strcmp(kind, "json") == 0) {
        xk_srv_body(resp, 200, "application/json", bytes, len);
    } else if (xk_text_decode(bytes, len, &text, &text_len, &enc, &err) == XK_OK) {
        /* the original may be GB18030: a browser gets it as UTF-8, the hash names the original */
        xk_srv_body(resp, 200, "text/plain; charset=utf-8", text, text_len);
        free(text);
    } else {
        xk_srv_fail(resp, &err);
    }
    free(bytes);
}

/* --- search with cursor pagination --------------------------------------------------------- */

static const char *const statuses[] = {"active",  "removed",       "valid",    "renewal_due",
                                       "renewal_overdue", "expired", "not_yet_valid", "cancelled"};

typedef struct page {
    srv_ctx *ctx;
    const char *status; /* a rules status to keep, or NULL */
    xk_date as_of;
    json_t *items;
    size_t limit, n;
    char last[64];
    bool more;
    xk_status rc;
    xk_error err;
} page;

/* Each hit's status is computed as of the request's date, the same as /v1/status says. */
static bool on_hit(const xk_hit *h, void *vp)
{
    page *p = vp;
    if (p->n == p->limit) {
        p->more = true;
        return false;
    }
    xk_licence_status status;
    p->rc = xk_status_of(p->ctx->st, p->ctx->cal, p->as_of, h->number, &status, &p->err);
    if (p->rc != XK_OK)
        return false;
    if (p->status && strcmp(xk_status_name(status), p->status) != 0)
        return true;
    json_t *item = xk_view_hit(h, status);
    if (!item) { /* text JSON cannot hold (invalid UTF-8 put there outside xuke): an error, not
                  * an item left out of a list whose count says otherwise */
        p->rc = xk_error_set(&p->err, XK_EDB, 0,
                             "the stored name of %s is not valid UTF-8: the store was changed "
                             "outside xuke",
                             h->number);
        return false;
    }
    /* rules_status: the name this field had before "status" meant the same; kept for clients */
    if (p->status)
        json_object_set_new(item, "rules_status", json_string(xk_status_name(status)));
    json_array_append_new(p->items, item);
    snprintf(p->last, sizeof p->last, "%s", h->number);
    p->n++;
    return true;
}

static bool decode_cursor(const char *cursor, char out[64])
{
    unsigned char bin[64];
    size_t n;
    if (sodium_base642bin(bin, sizeof bin - 1, cursor, strlen(cursor), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return false;
    bin[n] = '\0';
    xk_number num;
    if (!xk_number_normalise((const char *)bin, n, &num))
        return false;
    snprintf(out, 64, "%s", num.text);
    return true;
}

static json_t *encode_cursor(const char *number)
{
    char b64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)number, strlen(number),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return json_string(b64);
}

/* Reads the filters into q; answers 400 and returns false on a malformed one. */
static bool read_filters(const srv_call *c, srv_resp *resp, xk_query *q, page *p, char *after)
{
    const srv_req *r = c->req;
    long limit, within;
    xk_query_init(q);
    q->company = xk_srv_arg_get(r, "company");
    q->domain = xk_srv_arg_get(r, "domain");
    q->service = xk_srv_arg_get(r, "service");
    q->issuer = xk_srv_arg_get(r, "issuer");
    const char *region = xk_srv_arg_get(r, "region"), *status = xk_srv_arg_get(r, "status");
    const char *cursor = xk_srv_arg_get(r, "cursor");
    if (!xk_srv_arg_date(c, resp, "as_of", &q->as_of, c->ctx->today) ||
        !xk_srv_arg_date(c, resp, "valid_on", &q->valid_on, (xk_date){0, 0, 0}) ||
        !xk_srv_arg_int(c, resp, "expiring_within", 0, 36500, &within, -1) ||
        !xk_srv_arg_int(c, resp, "limit", 1, 1000, &limit, 50))
        return false;
    q->expiring_within = (int)within;
    p->limit = (size_t)limit;
    p->as_of = q->as_of;
    if (q->service && !xk_service_by_code(q->service)) {
        xk_srv_error(resp, 400, "bad_request", "service=%s is not a catalogue code (B11-B26)",
                     q->service);
        return false;
    }
    if (region && *region) {
        const xk_region *rg = xk_region_by_abbr(region, strlen(region));
        if (!rg)
            rg = xk_region_by_name(region, strlen(region));
        if (!rg) {
            xk_srv_error(resp, 400, "bad_request", "region=%s is not a province", region);
            return false;
        }
        q->region = rg->abbr;
    } else if (region) {
        q->region = "";
    }
    if (status) {
        size_t i = 0;
        while (i < sizeof statuses / sizeof statuses[0] && strcmp(status, statuses[i]))
            i++;
        if (i == sizeof statuses / sizeof statuses[0]) {
            xk_srv_error(resp, 400, "bad_request",
                         "status=%s is not one of active, removed, valid, renewal_due, "
                         "renewal_overdue, expired, not_yet_valid, cancelled",
                         status);
            return false;
        }
        q->include_removed = strcmp(status, "active") != 0;
        p->status = strcmp(status, "active") ? status : NULL;
    }
    if (q->domain) {
        char host[XK_MAX_HOST + 1];
        if (!xk_host_normalise(q->domain, host, sizeof host)) {
            xk_srv_error(resp, 400, "bad_request", "domain=%.100s is not a host name", q->domain);
            return false;
        }
    }
    if (cursor) {
        if (!decode_cursor(cursor, after)) {
            xk_srv_error(resp, 400, "bad_request", "cursor is not one this server gave");
            return false;
        }
        q->after = after;
    }
    return true;
}

typedef struct status_count {
    const xk_status_table *table;
    const char *status;
    size_t n;
} status_count;

static bool count_status(const xk_hit *h, void *vc)
{
    status_count *sc = vc;
    xk_licence_status s;
    if (xk_status_table_find(sc->table, h->number, &s) && strcmp(xk_status_name(s), sc->status) == 0)
        sc->n++;
    return true;
}

/* How many licences match the filters in all, over every page (the cursor left out): a count in
 * the store, or, with a status filter (the rules' status is no column), a walk over the matches
 * with every status computed once. */
static xk_status match_total(const srv_call *c, const xk_query *q, const page *p, size_t *total,
                             xk_error *err)
{
    xk_query all = *q;
    all.after = NULL;
    all.limit = 0;
    if (!p->status)
        return xk_store_search_count(c->ctx->st, &all, total, err);
    xk_status_table table;
    xk_status rc = xk_status_table_build(c->ctx->st, c->ctx->cal, p->as_of, &table, err);
    if (rc != XK_OK)
        return rc;
    status_count sc = {&table, p->status, 0};
    rc = xk_store_search(c->ctx->st, &all, count_status, &sc, err);
    xk_status_table_free(&table);
    *total = sc.n;
    return rc;
}

void xk_api_licences(const srv_call *c, srv_resp *resp)
{
    xk_query q;
    page p;
    memset(&p, 0, sizeof p);
    p.ctx = c->ctx;
    char after[64];
    if (!read_filters(c, resp, &q, &p, after))
        return;
    srv_kept k;
    if (xk_srv_key_start(&k, c, "licences") && xk_srv_kept(c, resp, &k)) {
        xk_srv_kept_free(&k);
        return;
    }
    p.items = json_array();
    xk_error err;
    if (xk_store_search(c->ctx->st, &q, on_hit, &p, &err) != XK_OK || p.rc != XK_OK) {
        json_decref(p.items);
        xk_srv_fail(resp, p.rc != XK_OK ? &p.err : &err);
        xk_srv_kept_free(&k);
        return;
    }
    /* the page says how many match in all, so a client never takes a page for the whole */
    size_t total = 0;
    if (match_total(c, &q, &p, &total, &err) != XK_OK) {
        json_decref(p.items);
        xk_srv_fail(resp, &err);
        xk_srv_kept_free(&k);
        return;
    }
    /* domain matches come best first, not in number order: one page, no cursor */
    bool paged = p.more && !q.domain;
    xk_srv_answer_json(c, resp, &k,
                       json_pack("{s:o, s:i, s:I, s:b, s:o}", "items", p.items, "count",
                                 (int)p.n, "total", (json_int_t)total, "truncated", p.more,
                                 "next_cursor", paged ? encode_cursor(p.last) : json_null()));
    xk_srv_kept_free(&k);
}

/* --- the access provider's check --------------------------------------------------------- */

void xk_api_domain(const srv_call *c, srv_resp *resp)
{
    char host[XK_MAX_HOST + 1];
    xk_date as_of;
    if (!xk_srv_arg_date(c, resp, "as_of", &as_of, c->ctx->today))
        return;
    const char *wrong = xk_srv_address_host(c->param, host, sizeof host);
    if (wrong) {
        xk_srv_error(resp, 400, "bad_request", "\"%.*s\" is not a host name: it %s",
                  (int)xk_utf8_cut(c->param, strlen(c->param), 100), c->param, wrong);
        return;
    }
    srv_kept k;
    if (xk_srv_key_start(&k, c, "domain") && xk_srv_key_add(&k, host, strlen(host)) &&
        xk_srv_kept(c, resp, &k)) {
        xk_srv_kept_free(&k);
        return;
    }
    json_t *o;
    xk_error err;
    if (xk_view_domain(c->ctx->st, c->ctx->cal, host, as_of, &o, &err) != XK_OK)
        xk_srv_fail(resp, &err);
    else
        xk_srv_answer_json(c, resp, &k, o);
    xk_srv_kept_free(&k);
}
