/*
 * Signing in and out of the web pages (GET, POST and DELETE /v1/session): the HTTP side of
 * xuke/users.h. The session travels in a cookie the page's script cannot read (HttpOnly), that
 * no other site's request carries (SameSite=Strict), and that goes only over HTTPS when the
 * server is reached that way (Secure); the page learns its CSRF token from GET /v1/session.
 * A password is read from the request body only, never logged, never echoed in a message.
 */
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"

/* Argon2id checks under way in this process: each holds 64 MiB for a moment */
static atomic_int checking;

static void iso_time(long long t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *session_json(const xk_session_info *si)
{
    char signed_in[32], expires[32];
    iso_time(si->signed_in, signed_in);
    iso_time(si->expires, expires);
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "user", si->user, "role", xk_role_name(si->role),
                     "csrf", si->csrf, "signed_in", signed_in, "expires", expires);
}

static void set_cookie(const srv_call *c, srv_resp *resp, const char *value, long max_age)
{
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             "xuke_session=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s", value, max_age,
             c->req->https ? "; Secure" : "");
}

void xk_api_session(const srv_call *c, srv_resp *resp)
{
    char cookie[XK_SESSION_COOKIE_MAX];
    xk_session_info si;
    xk_error err;
    xk_status rc = XK_ENOTFOUND;
    if (xk_srv_session_cookie(c->req, cookie))
        rc = xk_session_check(c->ctx->st, cookie, (long long)time(NULL), &si, &err);
    sodium_memzero(cookie, sizeof cookie);
    if (rc == XK_OK)
        xk_srv_json(resp, 200, session_json(&si));
    else if (rc == XK_ENOTFOUND)
        xk_srv_error(resp, 401, "unauthorized", "not signed in");
    else
        xk_srv_fail(resp, &err);
}

/* The JSON body's name and password; false with a 400 or 415 answered (never quoting it). */
static bool credentials(const srv_call *c, srv_resp *resp, json_t **body, const char **name,
                        const char **password, size_t *len)
{
    const char *type = c->req->content_type;
    if (!type || strncasecmp(type, "application/json", 16) != 0) {
        xk_srv_error(resp, 415, "unsupported_media_type",
                     "sign in with a JSON body: {\"name\": …, \"password\": …}");
        return false;
    }
    *body = json_loadb(c->req->body ? c->req->body : "", c->req->body_len, 0, NULL);
    json_t *n = json_object_get(*body, "name"), *p = json_object_get(*body, "password");
    if (!json_is_string(n) || !json_is_string(p)) {
        json_decref(*body);
        *body = NULL;
        xk_srv_error(resp, 400, "bad_request",
                     "the body must be a JSON object with the strings name and password");
        return false;
    }
    *name = json_string_value(n);
    *password = json_string_value(p);
    *len = json_string_length(p);
    return true;
}

void xk_api_signin(const srv_call *c, srv_resp *resp)
{
    json_t *body = NULL;
    const char *name, *password;
    size_t len;
    if (!credentials(c, resp, &body, &name, &password, &len)) return;
    if (atomic_fetch_add(&checking, 1) >= XK_SIGNIN_CONCURRENT) {
        atomic_fetch_sub(&checking, 1);
        json_decref(body);
        xk_srv_error(resp, 503, "server_busy", "too many sign-ins at once; retry shortly");
        resp->retry_after = 1;
        return;
    }
    char cookie[XK_SESSION_COOKIE_MAX];
    xk_session_info si;
    xk_error err;
    int retry = 0;
    xk_status rc = xk_signin(c->ctx->st, name, password, len, c->req->client, 0, cookie, &si, &retry, &err);
    atomic_fetch_sub(&checking, 1);
    if (rc == XK_OK) {
        snprintf(resp->actor, sizeof resp->actor, "%s", si.user);
        set_cookie(c, resp, cookie, XK_SESSION_MAX_SECONDS);
        xk_srv_json(resp, 200, session_json(&si));
    } else if (rc == XK_ENOTFOUND) {
        xk_srv_error(resp, 401, "unauthorized", "wrong account name or password");
    } else if (rc == XK_ETOOBIG && retry > 0) {
        xk_srv_error(resp, 429, "too_many_requests", "%s", err.message);
        resp->retry_after = retry;
    } else {
        xk_srv_fail(resp, &err);
    }
    sodium_memzero(cookie, sizeof cookie);
    /* the password's copy in the parsed body: cleared before it is freed */
    sodium_memzero((void *)password, len);
    json_decref(body);
}

void xk_api_signout(const srv_call *c, srv_resp *resp)
{
    char cookie[XK_SESSION_COOKIE_MAX];
    xk_error err;
    xk_status rc = XK_ENOTFOUND;
    if (xk_srv_session_cookie(c->req, cookie))
        rc = xk_session_end(c->ctx->st, cookie, (long long)time(NULL), &err);
    sodium_memzero(cookie, sizeof cookie);
    set_cookie(c, resp, "", 0);
    if (rc == XK_OK)
        xk_srv_json(resp, 200, json_pack("{s:b}", "signed_out", 1));
    else if (rc == XK_ENOTFOUND)
        xk_srv_error(resp, 401, "unauthorized", "not signed in");
    else
        xk_srv_fail(resp, &err);
}
