/*
 * Routing, authorisation and the response helpers of the HTTP API (see api.h). The route table
 * is the one list of what the server answers; docs/openapi.json describes the same list and the
 * API tests check the two against each other.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "address.h"
#include "api.h"

typedef struct route {
    const char *method;
    const char *pattern; /* "/v1/licenses/{}": {} matches one non-empty segment */
    srv_handler handler;
    xk_role role; /* XK_ROLE_NONE: public; READER: public too under --public-read */
} route;

static const route routes[] = {
    {"GET", "/healthz", xk_api_health, XK_ROLE_NONE},
    {"GET", "/v1/openapi.json", xk_api_openapi, XK_ROLE_NONE},
    {"GET", "/v1/licenses", xk_api_licences, XK_ROLE_READER},
    {"POST", "/v1/licenses", xk_api_import, XK_ROLE_EDITOR},
    {"GET", "/v1/licenses/{}", xk_api_licence, XK_ROLE_READER},
    {"DELETE", "/v1/licenses/{}", xk_api_remove, XK_ROLE_EDITOR},
    {"GET", "/v1/licenses/{}/history", xk_api_history, XK_ROLE_READER},
    {"GET", "/v1/licenses/{}/sites", xk_api_sites, XK_ROLE_READER},
    {"GET", "/v1/licenses/{}/diff", xk_api_diff, XK_ROLE_READER},
    {"GET", "/v1/licenses/{}/source", xk_api_source, XK_ROLE_READER},
    {"GET", "/v1/licenses/{}/obligations", xk_api_obligations, XK_ROLE_READER},
    {"GET", "/v1/licenses/{}/events", xk_api_events, XK_ROLE_READER},
    {"POST", "/v1/licenses/{}/events", xk_api_event_add, XK_ROLE_EDITOR},
    {"POST", "/v1/events/{}/void", xk_api_event_void, XK_ROLE_EDITOR},
    {"GET", "/v1/evidence/{}", xk_api_evidence, XK_ROLE_READER},
    {"GET", "/v1/baseline", xk_api_baseline, XK_ROLE_READER},
    {"POST", "/v1/baseline", xk_api_baseline_set, XK_ROLE_EDITOR},
    {"GET", "/v1/domains/{}", xk_api_domain, XK_ROLE_READER},
    {"GET", "/v1/status", xk_api_status, XK_ROLE_READER},
    {"GET", "/v1/deadlines", xk_api_deadlines, XK_ROLE_READER},
    {"GET", "/v1/calendar.ics", xk_api_ics, XK_ROLE_READER},
    {"GET", "/v1/event-types", xk_api_event_types, XK_ROLE_NONE},
    {"POST", "/v1/parse", xk_api_parse, XK_ROLE_READER},
    {"POST", "/v1/scans/reviewed", xk_api_import_reviewed, XK_ROLE_EDITOR},
    {"POST", "/v1/scans/pages", xk_api_scan_pages, XK_ROLE_READER},
    {"GET", "/v1/jobs/{}", xk_api_job, XK_ROLE_READER},
    {"GET", "/v1/subscriptions", xk_api_subscriptions, XK_ROLE_READER},
    {"POST", "/v1/subscriptions", xk_api_subscription_add, XK_ROLE_EDITOR},
    {"DELETE", "/v1/subscriptions/{}", xk_api_subscription_remove, XK_ROLE_EDITOR},
    {"GET", "/v1/notifications", xk_api_notifications, XK_ROLE_READER},
    {"GET", "/v1/session", xk_api_session, XK_ROLE_NONE},
    {"POST", "/v1/session", xk_api_signin, XK_ROLE_NONE},
    {"DELETE", "/v1/session", xk_api_signout, XK_ROLE_NONE},
};

#define N_ROUTES (sizeof routes / sizeof routes[0])

/* Does path match pattern? *param gets the {} segment (pointer into path, length). */
static bool match(const char *pattern, const char *path, const char **param, size_t *param_len)
{
    *param = NULL;
    *param_len = 0;
    while (*pattern && *path) {
        if (pattern[0] == '{' && pattern[1] == '}') {
            const char *end = strchr(path, '/');
            size_t n = end ? (size_t)(end - path) : strlen(path);
            if (n == 0)
                return false;
            *param = path;
            *param_len = n;
            path += n;
            pattern += 2;
            continue;
        }
        if (*pattern != *path)
            return false;
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

const char *xk_srv_arg_get(const srv_req *req, const char *key)
{
    for (size_t i = 0; i < req->n_args; i++)
        if (strcmp(req->args[i].key, key) == 0)
            return req->args[i].value ? req->args[i].value : "";
    return NULL;
}

void xk_srv_body(srv_resp *resp, int status, const char *type, const char *body, size_t len)
{
    free(resp->body);
    resp->body = malloc(len ? len : 1);
    if (!resp->body) {
        resp->status = 500;
        resp->content_type = "application/json";
        resp->static_body = (const unsigned char *)"{\"error\":{\"code\":\"internal\","
                                                    "\"message\":\"out of memory\"}}";
        resp->body_len = strlen((const char *)resp->static_body);
        resp->error_code = "internal";
        return;
    }
    if (len)
        memcpy(resp->body, body, len);
    resp->body_len = len;
    resp->static_body = NULL;
    resp->status = status;
    resp->content_type = type;
}

void xk_srv_json(srv_resp *resp, int status, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!s) {
        xk_srv_body(resp, 500, "application/json", NULL, 0);
        xk_srv_error(resp, 500, "internal", "out of memory writing the answer");
        return;
    }
    free(resp->body);
    resp->body = s;
    resp->body_len = strlen(s);
    resp->static_body = NULL;
    resp->status = status;
    resp->content_type = "application/json";
}

void xk_srv_error(srv_resp *resp, int status, const char *code, const char *fmt, ...)
{
    char msg[XK_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof msg) /* cut: never inside a character */
        msg[xk_utf8_cut(msg, sizeof msg - 1, sizeof msg - 1)] = '\0';
    xk_utf8_scrub(msg); /* a request's invalid bytes would fail JSON */
    xk_srv_json(resp, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
    resp->status = status;
    resp->error_code = code;
}

void xk_srv_fail(srv_resp *resp, const xk_error *err)
{
    switch (err->code) {
    case XK_ENOTFOUND:
        xk_srv_error(resp, 404, "not_found", "%s", err->message);
        break;
    case XK_EUSAGE:
        xk_srv_error(resp, 400, "bad_request", "%s", err->message);
        break;
    case XK_ECONFLICT:
        xk_srv_error(resp, 409, "conflict", "%s", err->message);
        break;
    case XK_ETOOBIG:
        xk_srv_error(resp, 413, "payload_too_large", "%s", err->message);
        break;
    case XK_EEMPTY:
    case XK_EBINARY:
    case XK_EENCODING:
    case XK_ENOTLICENCE:
    case XK_EINVALID:
    case XK_EFORMAT:
        xk_srv_error(resp, 422, "invalid_document", "%s", err->message);
        break;
    default:
        xk_srv_error(resp, 500, "internal", "%s", err->message);
    }
}

/* --- read answers kept per store revision ----------------------------------------------- */

static void key_part(xk_buf *b, const char *s, size_t len)
{
    char digits[24]; /* length-prefixed: no two keys run together alike */
    size_t i = sizeof digits;
    digits[--i] = ':';
    size_t n = len;
    do
        digits[--i] = (char)('0' + n % 10);
    while ((n /= 10) != 0);
    xk_buf_append(b, digits + i, sizeof digits - i);
    xk_buf_append(b, s, len);
}

bool xk_srv_key_start(srv_kept *k, const srv_call *c, const char *name)
{
    memset(k, 0, sizeof *k);
    xk_buf_init(&k->key);
    char today[16];
    key_part(&k->key, name, strlen(name));
    xk_date_format(c->ctx->today, today, sizeof today);
    key_part(&k->key, today, strlen(today));
    for (size_t i = 0; i < c->req->n_args; i++) {
        key_part(&k->key, c->req->args[i].key, strlen(c->req->args[i].key));
        key_part(&k->key, c->req->args[i].value, strlen(c->req->args[i].value));
    }
    return !k->key.oom;
}

bool xk_srv_key_add(srv_kept *k, const char *part, size_t len)
{
    key_part(&k->key, part, len);
    return !k->key.oom;
}

void xk_srv_kept_free(srv_kept *k)
{
    xk_buf_free(&k->key);
}

static bool ows(char c)
{
    return c == ' ' || c == '\t';
}

bool xk_srv_etag_matches(const char *header, const char *etag)
{
    if (!header || !etag || !*etag)
        return false;
    if (strncmp(etag, "W/", 2) == 0)
        etag += 2;
    size_t want = strlen(etag);
    const char *p = header;
    while (ows(*p))
        p++;
    if (*p == '*') {
        for (p++; ows(*p); p++)
            ;
        return *p == '\0';
    }
    bool found = false;
    for (;;) {
        while (ows(*p) || *p == ',') /* a list may hold empty elements */
            p++;
        if (!*p)
            return found;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (*p != '"')
            return false;
        const char *q = p + 1;
        for (; *q && *q != '"'; q++) {
            unsigned char ch = (unsigned char)*q; /* etagc: %x21 / %x23-7E / obs-text */
            if (!(ch == 0x21 || (ch >= 0x23 && ch <= 0x7e) || ch >= 0x80))
                return false;
        }
        if (*q != '"')
            return false;
        q++;
        found = found || ((size_t)(q - p) == want && memcmp(p, etag, want) == 0);
        for (p = q; ows(*p); p++)
            ;
        if (*p && *p != ',')
            return false;
    }
}

/* 200 with body (taken) and its tag, or 304 without a body when the request names the tag. */
static void send_tagged(const srv_call *c, srv_resp *resp, char *body, size_t len,
                        const char *etag)
{
    free(resp->body);
    resp->body = NULL;
    resp->static_body = NULL;
    resp->content_type = "application/json";
    snprintf(resp->etag, sizeof resp->etag, "%s", etag);
    if (xk_srv_etag_matches(c->req->if_none_match, etag)) {
        free(body);
        resp->status = 304;
        resp->static_body = (const unsigned char *)"";
        resp->body_len = 0;
        return;
    }
    resp->status = 200;
    resp->body = body;
    resp->body_len = len;
}

/* The store's revision for this request, read when first needed; false when unreadable. */
static bool revision(srv_ctx *ctx)
{
    if (ctx->rev_read == 0) {
        xk_error err;
        ctx->rev_read = xk_store_revision_get(ctx->st, &ctx->rev, &err) == XK_OK ? 1 : -1;
    }
    return ctx->rev_read > 0;
}

bool xk_srv_kept(const srv_call *c, srv_resp *resp, srv_kept *k)
{
    k->keep = false;
    if (!c->ctx->answers || k->key.oom || !k->key.data || !revision(c->ctx))
        return false; /* computed, not kept: the answer itself says what is wrong */
    k->keep = true;
    const char *body;
    char etag[XK_VIEW_ETAG_MAX];
    size_t len;
    void *ref;
    if (!xk_srv_answers_borrow(c->ctx->answers, k->key.data, k->key.len, &c->ctx->rev,
                               c->ctx->calendar_serial, &body, &len, etag, &ref))
        return false;
    send_tagged(c, resp, NULL, len, etag); /* the status, the type, the tag, or 304 */
    if (resp->status == 304) {
        xk_srv_answers_release(ref);
    } else { /* sent from the kept bytes, not a copy */
        resp->static_body = (const unsigned char *)body;
        resp->release = xk_srv_answers_release;
        resp->release_arg = ref;
    }
    return true;
}

void xk_srv_answer_text(const srv_call *c, srv_resp *resp, srv_kept *k, char *text, size_t len,
                        const char *etag)
{
    void *ref;
    /* a 200: the text itself kept and sent from there, not copied */
    if (k->keep && !xk_srv_etag_matches(c->req->if_none_match, etag) &&
        xk_srv_answers_adopt(c->ctx->answers, k->key.data, k->key.len, &c->ctx->rev,
                             c->ctx->calendar_serial, text, len, etag, &ref)) {
        send_tagged(c, resp, NULL, len, etag);
        resp->static_body = (const unsigned char *)text;
        resp->release = xk_srv_answers_release;
        resp->release_arg = ref;
        return;
    }
    if (k->keep)
        xk_srv_answers_put(c->ctx->answers, k->key.data, k->key.len, &c->ctx->rev,
                           c->ctx->calendar_serial, text, len, etag);
    send_tagged(c, resp, text, len, etag);
}

void xk_srv_answer_json(const srv_call *c, srv_resp *resp, srv_kept *k, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!s) {
        xk_srv_error(resp, 500, "internal", "out of memory writing the answer");
        return;
    }
    size_t len = strlen(s);
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[XK_SHA256_HEX], etag[XK_VIEW_ETAG_MAX];
    crypto_hash_sha256(h, (const unsigned char *)s, len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(etag, sizeof etag, "\"%.32s\"", hex);
    xk_srv_answer_text(c, resp, k, s, len, etag);
}

/* Facts are kept as one string: "VERSION RECORD_SHA256 TAIL_HASH " then the tail's bytes. */
bool xk_srv_facts_get(const srv_call *c, const srv_kept *k, xk_view_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    char *body, etag[XK_VIEW_ETAG_MAX];
    size_t len;
    if (!k->keep || !c->ctx->facts ||
        !xk_srv_answers_get(c->ctx->facts, k->key.data, k->key.len, &c->ctx->rev,
                            c->ctx->calendar_serial, &body, &len, etag))
        return false;
    int version, n = 0;
    const size_t hex = XK_SHA256_HEX - 1;
    if (sscanf(body, "%d %n", &version, &n) != 1 || n <= 0) {
        free(body);
        return false;
    }
    size_t used = (size_t)n, head = used + 2 * (hex + 1);
    if (len < head + 2 || body[used + hex] != ' ' || body[used + 2 * hex + 1] != ' ') {
        free(body);
        return false;
    }
    facts->version = version;
    memcpy(facts->record_sha256, body + used, hex);
    memcpy(facts->tail_hash, body + used + hex + 1, hex);
    facts->tail_len = len - head;
    memmove(body, body + head, facts->tail_len + 1); /* with the NUL */
    facts->tail = body;
    return true;
}

void xk_srv_facts_put(const srv_call *c, const srv_kept *k, const xk_view_facts *facts)
{
    if (!k->keep || !c->ctx->facts || !facts->tail)
        return;
    xk_buf b;
    xk_buf_init(&b);
    xk_buf_printf(&b, "%d %s %s ", facts->version, facts->record_sha256, facts->tail_hash);
    xk_buf_append(&b, facts->tail, facts->tail_len);
    if (!b.oom)
        xk_srv_answers_put(c->ctx->facts, k->key.data, k->key.len, &c->ctx->rev,
                           c->ctx->calendar_serial, b.data, b.len, "");
    xk_buf_free(&b);
}

bool xk_srv_arg_date(const srv_call *c, srv_resp *resp, const char *key, xk_date *out, xk_date dflt)
{
    const char *v = xk_srv_arg_get(c->req, key);
    *out = dflt;
    if (!v)
        return true;
    if (xk_date_parse_iso(v, out))
        return true;
    xk_srv_error(resp, 400, "bad_request", "%s=%s is not a date (YYYY-MM-DD)", key, v);
    return false;
}

bool xk_srv_arg_int(const srv_call *c, srv_resp *resp, const char *key, long min, long max,
                    long *out, long dflt)
{
    const char *v = xk_srv_arg_get(c->req, key);
    *out = dflt;
    if (!v)
        return true;
    char *end;
    long n = strtol(v, &end, 10);
    if (*v && *end == '\0' && n >= min && n <= max && !(n == 0 && *v == '-')) {
        *out = n;
        return true;
    }
    xk_srv_error(resp, 400, "bad_request", "%s must be a whole number from %ld to %ld", key, min,
                 max);
    return false;
}

bool xk_srv_param_number(const srv_call *c, srv_resp *resp, char out[64])
{
    xk_number n;
    const char *p = c->param ? c->param : "";
    const char *wrong = xk_srv_address_number(p, &n);
    if (!wrong) {
        snprintf(out, 64, "%s", n.text);
        return true;
    }
    xk_srv_error(resp, 400, "bad_request",
              "\"%.*s\" is %s: a licence is addressed by its number alone (e.g. 京B2-20224676)",
              (int)xk_utf8_cut(p, strlen(p), 80), p, wrong);
    return false;
}

void xk_srv_resp_free(srv_resp *resp)
{
    free(resp->body);
    resp->body = NULL;
    if (resp->release)
        resp->release(resp->release_arg);
    resp->release = NULL;
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * xk_token_check, with the tokens found kept among the answers (under the SHA-256 of the token,
 * never the token) while the store's revision stays the same: a token created or revoked moves it.
 */
static xk_status token_check(srv_ctx *ctx, const char *token, xk_token_info *tok, xk_error *err)
{
    char key[4 + crypto_hash_sha256_BYTES], etag[XK_VIEW_ETAG_MAX], *body;
    size_t len;
    bool keep = ctx->answers && revision(ctx);
    if (keep) {
        memcpy(key, "tok:", 4);
        crypto_hash_sha256((unsigned char *)key + 4, (const unsigned char *)token, strlen(token));
        if (xk_srv_answers_get(ctx->answers, key, sizeof key, &ctx->rev, 0, &body, &len, etag)) {
            bool whole = len == sizeof *tok;
            if (whole)
                memcpy(tok, body, sizeof *tok);
            free(body);
            if (whole)
                return XK_OK;
        }
    }
    xk_status rc = xk_token_check(ctx->st, token, tok, err);
    if (rc == XK_OK && keep)
        xk_srv_answers_put(ctx->answers, key, sizeof key, &ctx->rev, 0, (const char *)tok,
                           sizeof *tok, "");
    return rc;
}

bool xk_srv_session_cookie(const srv_req *req, char out[XK_SESSION_COOKIE_MAX])
{
    static const char name[] = "xuke_session=";
    for (const char *p = req->cookie; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t n = strcspn(p, ";");
        if (strncmp(p, name, sizeof name - 1) == 0) {
            size_t v = n - (sizeof name - 1);
            if (v == 0 || v >= XK_SESSION_COOKIE_MAX)
                return false;
            memcpy(out, p + sizeof name - 1, v);
            out[v] = '\0';
            return true;
        }
        p += n;
    }
    return false;
}

/* A signed-in person's session cookie → their name and role as a token's; an unknown, ended or
 * expired session is anonymous (the page then asks them to sign in). */
static bool session_of(srv_ctx *ctx, const srv_req *req, srv_resp *resp, xk_token_info *tok,
                       bool *anonymous, bool *via_session)
{
    char cookie[XK_SESSION_COOKIE_MAX];
    if (!xk_srv_session_cookie(req, cookie))
        return true;
    xk_session_info si;
    xk_error err;
    xk_status rc = xk_session_check(ctx->st, cookie, (long long)time(NULL), &si, &err);
    sodium_memzero(cookie, sizeof cookie);
    if (rc == XK_ENOTFOUND)
        return true;
    if (rc != XK_OK) {
        xk_srv_fail(resp, &err);
        return false;
    }
    memset(tok, 0, sizeof *tok);
    snprintf(tok->name, sizeof tok->name, "%s", si.user);
    tok->role = si.role;
    snprintf(resp->actor, sizeof resp->actor, "%s", si.user);
    *anonymous = false;
    *via_session = true;
    return true;
}

/* "Bearer TOKEN" → the live token, or an answer (401) and false. No header: the session of
 * the cookie, or anonymous. */
static bool authenticate(srv_ctx *ctx, const srv_req *req, srv_resp *resp, xk_token_info *tok,
                         bool *anonymous, bool *via_session)
{
    *anonymous = req->authorization == NULL;
    *via_session = false;
    if (*anonymous)
        return session_of(ctx, req, resp, tok, anonymous, via_session);
    const char *h = req->authorization;
    if (strncasecmp(h, "Bearer ", 7) != 0) {
        xk_srv_error(resp, 401, "unauthorized", "Authorization must be \"Bearer TOKEN\"");
        return false;
    }
    h += 7;
    while (*h == ' ')
        h++;
    xk_error err;
    xk_status rc = token_check(ctx, h, tok, &err);
    if (rc == XK_OK) {
        snprintf(resp->actor, sizeof resp->actor, "%s", tok->name);
        return true;
    }
    if (rc == XK_ENOTFOUND)
        xk_srv_error(resp, 401, "unauthorized", "the token is not valid (unknown or revoked)");
    else
        xk_srv_fail(resp, &err);
    return false;
}

/* A refusal for want of a role: the role held and the role needed are in the answer by name
 * ("role", "needs"), so a page says it in the reader's language; the words name a token only
 * when a token was used (a signed-in person holds a role, not a token). */
static void forbidden(srv_resp *resp, const xk_token_info *tok, xk_role needs, bool via_session)
{
    const char *have = xk_role_name(tok->role), *want = xk_role_name(needs);
    char msg[XK_ERROR_MSG_MAX];
    if (via_session)
        snprintf(msg, sizeof msg, "%s is signed in as a %s; this needs the %s role", tok->name,
                 have, want);
    else
        snprintf(msg, sizeof msg, "token %s is a %s; this needs %s", tok->name, have, want);
    xk_utf8_scrub(msg);
    xk_srv_json(resp, 403,
                json_pack("{s:{s:s, s:s, s:s, s:s, s:s}}", "error", "code", "forbidden", "message",
                          msg, "role", have, "needs", want, "by", via_session ? "session" : "token"));
    resp->status = 403;
    resp->error_code = "forbidden";
}

static bool authorise(const srv_ctx *ctx, const route *r, const xk_token_info *tok,
                      bool via_session, srv_resp *resp)
{
    xk_role have = tok ? tok->role : XK_ROLE_NONE;
    if (r->role == XK_ROLE_NONE || have >= r->role ||
        (r->role == XK_ROLE_READER && ctx->limits->public_read))
        return true;
    if (!tok)
        xk_srv_error(resp, 401, "unauthorized",
                     "this needs a %s token: Authorization: Bearer TOKEN", xk_role_name(r->role));
    else
        forbidden(resp, tok, r->role, via_session);
    return false;
}

static bool rate_ok(srv_ctx *ctx, const srv_req *req, const xk_token_info *tok, srv_resp *resp)
{
    if (!ctx->rate)
        return true;
    char key[80];
    snprintf(key, sizeof key, "%s%s", tok ? "t:" : "ip:", tok ? tok->name : req->client);
    int retry;
    if (xk_srv_ratelimit_take(ctx->rate, key, monotonic_seconds(), &retry))
        return true;
    xk_srv_error(resp, 429, "too_many_requests", "request rate limit reached; retry in %d s",
                 retry);
    resp->retry_after = retry;
    return false;
}

/* Finds the route; answers 404/405 itself when there is none. */
static const route *find_route(const srv_req *req, srv_resp *resp, char *param, size_t size)
{
    const char *p;
    size_t n;
    const route *found = NULL;
    resp->allow[0] = '\0';
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!match(routes[i].pattern, req->path, &p, &n))
            continue;
        size_t used = strlen(resp->allow);
        snprintf(resp->allow + used, sizeof resp->allow - used, "%s%s", used ? ", " : "",
                 routes[i].method);
        if (strcmp(routes[i].method, req->method) == 0 ||
            (strcmp(req->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
            found = &routes[i];
            snprintf(param, size, "%.*s", (int)n, p ? p : "");
        }
    }
    if (found)
        return found;
    if (resp->allow[0])
        xk_srv_error(resp, 405, "method_not_allowed", "%s is not allowed here (allowed: %s)",
                     req->method, resp->allow);
    else
        xk_srv_error(resp, 404, "not_found", "no such resource: %.200s", req->path);
    return NULL;
}

/* A request that changes something, made with a session cookie, carries the session's CSRF
 * token in X-CSRF-Token: another site's page can make the browser send the cookie, never the
 * token (it cannot read it). Signing in is the one write that comes before a session. A bearer
 * token is never sent by a browser on its own, so it needs none. */
static bool csrf_ok(const srv_req *req, const route *r, srv_resp *resp)
{
    if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0 ||
        r->handler == xk_api_signin)
        return true;
    char cookie[XK_SESSION_COOKIE_MAX];
    bool ok = xk_srv_session_cookie(req, cookie) && xk_session_csrf_ok(cookie, req->csrf);
    sodium_memzero(cookie, sizeof cookie);
    if (!ok)
        xk_srv_error(resp, 403, "csrf",
                     "a change made when signed in needs the page's X-CSRF-Token header; reload "
                     "the page");
    return ok;
}

/* The health check is not counted against the rate: a load balancer polls it from one address,
 * and a limited poll would take a healthy server for down. */
static bool unmetered(const route *r)
{
    return r->handler == xk_api_health;
}

/* The route, the token, the rate and the role; NULL (resp set) when the request is refused. */
static const route *policy(srv_ctx *ctx, const srv_req *req, srv_resp *resp, char *param,
                           size_t size, xk_token_info *tok, bool *anonymous)
{
    bool via_session;
    if (req->too_many_args) {
        xk_srv_error(resp, 400, "bad_request", "more than %d query arguments", SRV_MAX_ARGS);
        return NULL;
    }
    const route *r = find_route(req, resp, param, size);
    if (!r)
        return NULL;
    if (!authenticate(ctx, req, resp, tok, anonymous, &via_session)) {
        /* a failed token counts against its address: guessing tokens is rate-limited too */
        srv_resp limited;
        memset(&limited, 0, sizeof limited);
        if (!rate_ok(ctx, req, NULL, &limited)) {
            xk_srv_resp_free(resp);
            *resp = limited;
        } else {
            xk_srv_resp_free(&limited);
        }
        return NULL;
    }
    if ((!req->admitted && !unmetered(r) && !rate_ok(ctx, req, *anonymous ? NULL : tok, resp)) ||
        (via_session && !csrf_ok(req, r, resp)) || !authorise(ctx, r, *anonymous ? NULL : tok, via_session, resp))
        return NULL;
    resp->allow[0] = '\0';
    return r;
}

/* A path outside /v1: the pages and their assets (GET, HEAD only). */
static void page(const srv_req *req, srv_resp *resp)
{
    if ((strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) &&
        xk_srv_asset(req->path, resp))
        return;
    if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))
        xk_srv_error(resp, 405, "method_not_allowed", "%s is not allowed here", req->method);
    else
        xk_srv_error(resp, 404, "not_found", "no such page: %.200s", req->path);
}

static bool api_path(const srv_req *req)
{
    return strncmp(req->path, "/v1/", 4) == 0 || strcmp(req->path, "/healthz") == 0;
}

const char *xk_srv_content_length(const char *value, uint64_t *out)
{
    if (!*value)
        return "is empty";
    uint64_t n = 0;
    for (const char *p = value; *p; p++) {
        if (*p < '0' || *p > '9')
            return "is not a decimal number of bytes";
        unsigned digit = (unsigned)(*p - '0');
        n = n > (UINT64_MAX - digit) / 10 ? UINT64_MAX : n * 10 + digit;
    }
    *out = n;
    return NULL;
}

bool xk_srv_admit(srv_ctx *ctx, const srv_req *req, srv_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->error_code = "";
    if (!api_path(req)) {
        bool reads = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
        if (!reads)
            page(req, resp); /* 405 before any body */
        return reads;
    }
    char param[1024];
    xk_token_info tok;
    bool anonymous;
    return policy(ctx, req, resp, param, sizeof param, &tok, &anonymous) != NULL;
}

void xk_srv_handle(srv_ctx *ctx, const srv_req *req, srv_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->error_code = "";
    if (!api_path(req)) {
        page(req, resp);
        return;
    }
    char param[1024];
    xk_token_info tok;
    bool anonymous;
    const route *r = policy(ctx, req, resp, param, sizeof param, &tok, &anonymous);
    if (!r)
        return;
    xk_store_set_actor(ctx->st, anonymous ? "anonymous" : tok.name);
    srv_call call = {ctx, req, strchr(r->pattern, '{') ? param : NULL, anonymous ? NULL : &tok};
    r->handler(&call, resp);
}
