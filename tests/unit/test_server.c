/*
 * Unit tests of the HTTP API without sockets (xk_srv_handle on a real store), of the tokens and of
 * the rate limiter: routing, authorisation, the error form, pagination, assets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/api.h"
#include "server/forwarded.h"
#include "xuke/xuke.h"

typedef struct fixture {
    char dir[64], path[128];
    xk_store *st;
    xk_calendar *cal;
    srv_limits limits;
    char reader[XK_TOKEN_MAX], editor[XK_TOKEN_MAX];
} fixture;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void noop(const xk_import_report *r, void *ctx)
{
    (void)ctx;
    assert_int_equal(r->status, XK_OK);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/xuke-srv-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/t.db", fx->dir);
    xk_error err;
    assert_int_equal(xk_store_open(fx->path, &fx->st, &err), XK_OK);
    assert_int_equal(xk_calendar_load(DATA_DIR "/calendar.txt", &fx->cal, &err), XK_OK);
    static const char *const seeds[] = {"000_a96b5bc2dd3fa082", "001_7e3d263de7829148",
                                        "002_48cb51cde2f73ff1", "003_76e38eccd87d7b3e"};
    for (size_t i = 0; i < 4; i++) {
        char p[256];
        size_t len;
        snprintf(p, sizeof p, "%s/seeds/%s.txt", FIXTURES, seeds[i]);
        char *doc = slurp(p, &len);
        assert_int_equal(xk_import_bytes(fx->st, doc, len, NULL, noop, NULL), XK_OK);
        free(doc);
    }
    assert_int_equal(xk_token_create(fx->st, "r1", XK_ROLE_READER, fx->reader, &err), XK_OK);
    assert_int_equal(xk_token_create(fx->st, "e1", XK_ROLE_EDITOR, fx->editor, &err), XK_OK);
    fx->limits.max_body = XK_MAX_DOCUMENT_BYTES;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    xk_store_close(fx->st);
    xk_calendar_free(fx->cal);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
    int rc = system(cmd);
    free(fx);
    return rc == 0 ? 0 : 1;
}

/* One request: "GET /v1/licenses?limit=2" style; token NULL = anonymous. Returns the JSON body
 * (or NULL when it is not JSON) and the status in *status. */
typedef struct call_result {
    int status;
    json_t *json;
    srv_resp resp;
} call_result;

static call_result call(fixture *fx, const char *method, const char *target, const char *token,
                        const char *body)
{
    srv_req req;
    memset(&req, 0, sizeof req);
    char path[512], query[512] = "", auth[160];
    snprintf(path, sizeof path, "%s", target);
    char *q = strchr(path, '?');
    if (q) {
        snprintf(query, sizeof query, "%s", q + 1);
        *q = '\0';
    }
    for (char *save, *kv = strtok_r(query, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (eq)
            *eq = '\0';
        req.args[req.n_args].key = kv;
        req.args[req.n_args].value = eq ? eq + 1 : "";
        req.n_args++;
    }
    req.method = method;
    req.path = path;
    req.client = "127.0.0.1";
    if (token) {
        snprintf(auth, sizeof auth, "Bearer %s", token);
        req.authorization = auth;
    }
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    srv_ctx ctx = {.st = fx->st, .cal = fx->cal, .limits = &fx->limits, .today = {2026, 11, 23}};
    call_result r;
    xk_srv_handle(&ctx, &req, &r.resp);
    r.status = r.resp.status;
    const char *data = r.resp.body ? r.resp.body : (const char *)r.resp.static_body;
    r.json = strncmp(r.resp.content_type, "application/json", 16) == 0
                 ? json_loadb(data, r.resp.body_len, 0, NULL)
                 : NULL;
    return r;
}

static void done(call_result *r)
{
    json_decref(r->json);
    xk_srv_resp_free(&r->resp);
}

static void assert_error(call_result *r, int status, const char *code)
{
    assert_int_equal(r->status, status);
    assert_non_null(r->json);
    json_t *e = json_object_get(r->json, "error");
    assert_true(json_is_object(e));
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    assert_true(json_string_length(json_object_get(e, "message")) > 0);
    assert_string_equal(r->resp.error_code, code);
    done(r);
}

static void test_tokens(void **state)
{
    fixture *fx = *state;
    xk_error err;
    char tok[XK_TOKEN_MAX];
    assert_int_equal(xk_token_create(fx->st, "r1", XK_ROLE_READER, tok, &err), XK_ECONFLICT);
    assert_int_equal(xk_token_create(fx->st, "bad name", XK_ROLE_READER, tok, &err), XK_EUSAGE);
    assert_int_equal(xk_token_create(fx->st, "x", XK_ROLE_NONE, tok, &err), XK_EUSAGE);
    xk_token_info info;
    assert_int_equal(xk_token_check(fx->st, fx->editor, &info, &err), XK_OK);
    assert_string_equal(info.name, "e1");
    assert_int_equal(info.role, XK_ROLE_EDITOR);
    char forged[XK_TOKEN_MAX];
    snprintf(forged, sizeof forged, "%s", fx->editor);
    forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(xk_token_check(fx->st, forged, &info, &err), XK_ENOTFOUND);
    assert_int_equal(xk_token_check(fx->st, "", &info, &err), XK_ENOTFOUND);
    assert_int_equal(xk_token_check(fx->st, "xk_zzzzzzzzzzzzzzzz_", &info, &err), XK_ENOTFOUND);
    assert_int_equal(xk_token_revoke(fx->st, "e1", &err), XK_OK);
    assert_int_equal(xk_token_check(fx->st, fx->editor, &info, &err), XK_ENOTFOUND);
    assert_int_equal(xk_token_revoke(fx->st, "e1", &err), XK_ENOTFOUND);
    /* the name is free again after revocation */
    assert_int_equal(xk_token_create(fx->st, "e1", XK_ROLE_EDITOR, fx->editor, &err), XK_OK);
    xk_token_info *list;
    size_t n;
    assert_int_equal(xk_token_list(fx->st, &list, &n, &err), XK_OK);
    assert_int_equal(n, 3);
    assert_true(list[1].revoked_at[0] != '\0');
    assert_true(list[2].revoked_at[0] == '\0');
    free(list);
    size_t checked;
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_OK);
}

static void test_routing(void **state)
{
    fixture *fx = *state;
    call_result r = call(fx, "GET", "/v1/nope", fx->reader, NULL);
    assert_error(&r, 404, "not_found");
    r = call(fx, "PATCH", "/v1/licenses", fx->reader, NULL);
    assert_string_equal(r.resp.allow, "GET, POST");
    assert_error(&r, 405, "method_not_allowed");
    r = call(fx, "GET", "/v1/licenses/", fx->reader, NULL);
    assert_error(&r, 404, "not_found");
    r = call(fx, "GET", "/v1/licenses/京B2-20224676/nope", fx->reader, NULL);
    assert_error(&r, 404, "not_found");
    r = call(fx, "GET", "/v1/licenses/junk", fx->reader, NULL);
    assert_error(&r, 400, "bad_request");
    r = call(fx, "HEAD", "/v1/licenses/京B2-20224676", fx->reader, NULL);
    assert_int_equal(r.status, 200);
    done(&r);
    r = call(fx, "GET", "/healthz", NULL, NULL);
    assert_int_equal(r.status, 200);
    done(&r);
}

static bool keep(const xk_audit_entry *e, void *ctx)
{
    *(xk_audit_entry *)ctx = *e;
    return true;
}

static void test_auth(void **state)
{
    fixture *fx = *state;
    call_result r = call(fx, "GET", "/v1/status", NULL, NULL);
    assert_error(&r, 401, "unauthorized");
    r = call(fx, "POST", "/v1/licenses", fx->reader, "x");
    assert_error(&r, 403, "forbidden");
    fx->limits.public_read = true;
    r = call(fx, "GET", "/v1/status", NULL, NULL);
    assert_int_equal(r.status, 200);
    done(&r);
    r = call(fx, "DELETE", "/v1/licenses/京B2-20224676?reason=x", NULL, NULL);
    assert_error(&r, 401, "unauthorized"); /* public reads never mean public writes */
    fx->limits.public_read = false;
    r = call(fx, "GET", "/v1/status", "xk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
             NULL);
    assert_error(&r, 401, "unauthorized");
    r = call(fx, "DELETE", "/v1/licenses/京B2-20224676?reason=gone", fx->editor, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.resp.actor, "e1");
    done(&r);
    xk_audit_entry last;
    memset(&last, 0, sizeof last);
    xk_error err;
    assert_int_equal(xk_store_audit(fx->st, "京B2-20224676", 1, keep, &last, &err), XK_OK);
    assert_string_equal(last.actor, "e1");
    assert_string_equal(last.action, "remove");
}

static void test_pagination(void **state)
{
    fixture *fx = *state;
    char target[256] = "/v1/licenses?limit=3";
    size_t total = 0;
    char prev[64] = "";
    for (int page = 0; page < 5; page++) {
        call_result r = call(fx, "GET", target, fx->reader, NULL);
        assert_int_equal(r.status, 200);
        json_t *items = json_object_get(r.json, "items"), *it;
        size_t i;
        json_array_foreach(items, i, it)
        {
            const char *n = json_string_value(json_object_get(it, "number"));
            assert_true(strcmp(prev, n) < 0);
            snprintf(prev, sizeof prev, "%s", n);
            total++;
        }
        json_t *next = json_object_get(r.json, "next_cursor");
        if (json_is_null(next)) {
            done(&r);
            break;
        }
        snprintf(target, sizeof target, "/v1/licenses?limit=3&cursor=%s", json_string_value(next));
        done(&r);
    }
    assert_int_equal(total, 4);
    call_result r = call(fx, "GET", "/v1/licenses?cursor=not!base64", fx->reader, NULL);
    assert_error(&r, 400, "bad_request");
    r = call(fx, "GET", "/v1/licenses?limit=1001", fx->reader, NULL);
    assert_error(&r, 400, "bad_request");
}

static void test_bodies(void **state)
{
    fixture *fx = *state;
    call_result r = call(fx, "POST", "/v1/licenses/京B2-20224676/events", fx->editor, "[]");
    assert_error(&r, 400, "bad_request");
    r = call(fx, "POST", "/v1/licenses/京B2-20224676/events", fx->editor,
             "{\"type\":\"annual_report_filed\",\"date\":\"2026-03-01\",\"year\":1900}");
    assert_error(&r, 400, "bad_request");
    r = call(fx, "POST", "/v1/licenses/京B2-20224676/events", fx->editor,
             "{\"type\":\"annual_report_filed\",\"date\":\"2026-03-01\",\"year\":2025}");
    assert_int_equal(r.status, 201);
    done(&r);
    r = call(fx, "POST", "/v1/parse", fx->reader, "");
    assert_error(&r, 422, "invalid_document");
    r = call(fx, "POST", "/v1/licenses", fx->editor, "{\"number\": 5}");
    assert_int_equal(r.status, 422);
    assert_int_equal(json_integer_value(json_object_get(r.json, "failed")), 1);
    done(&r);
}

/* s filled with count copies of ch after prefix; s must hold them. */
static char *repeated(char *s, const char *prefix, const char *ch, size_t count)
{
    strcpy(s, prefix);
    for (size_t i = 0; i < count; i++)
        strcat(s, ch);
    return s;
}

/* A record whose number is 300 Chinese characters (900 bytes): the message that says why it
 * was refused quotes the number and is cut to fit; cut inside a character, the error object
 * could not be written at all and the answer said "failed" without a reason. */
static void test_import_error_with_long_number_says_why(void **state)
{
    fixture *fx = *state;
    char number[1024], body[1200];
    repeated(number, "", "京", 300);
    snprintf(body, sizeof body, "{\"number\": \"%s\"}", number);
    call_result r = call(fx, "POST", "/v1/licenses", fx->editor, body);
    assert_int_equal(r.status, 422);
    json_t *res = json_array_get(json_object_get(r.json, "results"), 0);
    assert_string_equal(json_string_value(json_object_get(res, "outcome")), "failed");
    json_t *e = json_object_get(res, "error");
    assert_true(json_is_object(e));
    assert_true(json_string_length(json_object_get(e, "message")) > 0);
    done(&r);
}

/* A reason over XK_MAX_REASON_BYTES (x and 90 Chinese characters, 271 bytes) is refused before
 * anything is written: the licence stays; one of exactly the limit is stored whole. */
static void test_remove_reason_whole_or_refused(void **state)
{
    fixture *fx = *state;
    char reason[400], body[512];
    repeated(reason, "x", "京", 90);
    snprintf(body, sizeof body, "{\"reason\": \"%s\"}", reason);
    call_result r = call(fx, "DELETE", "/v1/licenses/京B2-20224676", fx->editor, body);
    assert_error(&r, 400, "bad_request");
    xk_error err;
    xk_licence *lic = NULL;
    xk_licence_info info;
    assert_int_equal(xk_store_get(fx->st, "京B2-20224676", 0, &lic, &info, &err), XK_OK);
    assert_false(info.removed);
    xk_licence_free(lic);
    repeated(reason, "", "京", 85); /* 255 bytes */
    snprintf(body, sizeof body, "{\"reason\": \"%s\"}", reason);
    r = call(fx, "DELETE", "/v1/licenses/京B2-20224676", fx->editor, body);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "reason")), reason);
    done(&r);
    assert_int_equal(xk_store_get(fx->st, "京B2-20224676", 0, &lic, &info, &err), XK_OK);
    assert_true(info.removed);
    assert_string_equal(info.removed_reason, reason);
    xk_licence_free(lic);
}

static void test_assets(void **state)
{
    fixture *fx = *state;
    call_result r = call(fx, "GET", "/", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.resp.content_type, "text/html; charset=utf-8");
    done(&r);
    r = call(fx, "GET", "/l/京B2-20224676", NULL, NULL);
    assert_int_equal(r.status, 200);
    done(&r);
    r = call(fx, "GET", "/l/a/b", NULL, NULL);
    assert_error(&r, 404, "not_found");
    r = call(fx, "GET", "/../CMakeLists.txt", NULL, NULL);
    assert_error(&r, 404, "not_found");
    r = call(fx, "GET", "/openapi.json", NULL, NULL);
    assert_error(&r, 404, "not_found");
    r = call(fx, "POST", "/", NULL, "x");
    assert_error(&r, 405, "method_not_allowed");
    r = call(fx, "GET", "/v1/openapi.json", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(json_object_get(r.json, "paths"));
    done(&r);
}

static void test_ratelimit(void **state)
{
    (void)state;
    srv_ratelimit *rl = xk_srv_ratelimit_new(2, 3, 8);
    int retry;
    for (int i = 0; i < 3; i++)
        assert_true(xk_srv_ratelimit_take(rl, "a", 100.0, &retry));
    assert_false(xk_srv_ratelimit_take(rl, "a", 100.0, &retry));
    assert_int_equal(retry, 1);
    assert_true(xk_srv_ratelimit_take(rl, "b", 100.0, &retry)); /* per key */
    assert_true(xk_srv_ratelimit_take(rl, "a", 100.5, &retry)); /* 2/s: one back after 0.5 s */
    assert_false(xk_srv_ratelimit_take(rl, "a", 100.5, &retry));
    /* a flood of keys cannot grow the table: busy buckets are kept, refused beyond */
    char key[16];
    int refused = 0;
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof key, "k%d", i);
        for (int j = 0; j < 3; j++)
            refused += !xk_srv_ratelimit_take(rl, key, 100.5, &retry);
    }
    assert_true(refused > 0);
    /* once full again, buckets are reused */
    assert_true(xk_srv_ratelimit_take(rl, "late", 200.0, &retry));
    xk_srv_ratelimit_free(rl);
    assert_null(xk_srv_ratelimit_new(0, 1, 8));
}

static void test_content_length_is_read_strictly(void **state)
{
    (void)state;
    uint64_t n = 7;
    static const char *const bad[] = {"", "-5", "+5", " 5", "5 ", "0x5", "5,5", "5.0", "abc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!xk_srv_content_length(bad[i], &n))
            fail_msg("\"%s\" was taken as a Content-Length", bad[i]);
    }
    assert_int_equal(n, 7); /* untouched by a refusal */
    assert_null(xk_srv_content_length("0", &n));
    assert_int_equal(n, 0);
    assert_null(xk_srv_content_length("20971521", &n));
    assert_int_equal(n, 20971521);
    assert_null(xk_srv_content_length("18446744073709551615", &n));
    assert_true(n == UINT64_MAX);
    /* past 64 bits: over any limit, never wrapped round to a small number */
    assert_null(xk_srv_content_length("18446744073709551616", &n));
    assert_true(n == UINT64_MAX);
    assert_null(xk_srv_content_length("36893488147419103232", &n)); /* 2^65 */
    assert_true(n == UINT64_MAX);
}

/* Behind the trusted proxy the client is the right-most X-Forwarded-For address that is not the
 * proxy: what a client writes to its left is never taken, nor is a malformed right end. */
static void test_forwarded_client_is_the_right_most_untrusted(void **state)
{
    (void)state;
    char out[64] = "peer";
    assert_true(xk_srv_forwarded_client("198.51.100.7", "127.0.0.1", out, sizeof out));
    assert_string_equal(out, "198.51.100.7");
    assert_true(xk_srv_forwarded_client("10.9.9.9, 198.51.100.7", "127.0.0.1", out, sizeof out));
    assert_string_equal(out, "198.51.100.7");
    /* the proxy reached through itself (a chain of the same proxy) is skipped */
    assert_true(xk_srv_forwarded_client(" 203.0.113.5 ,127.0.0.1,127.0.0.1 ", "127.0.0.1", out,
                                        sizeof out));
    assert_string_equal(out, "203.0.113.5");
    assert_true(xk_srv_forwarded_client("[2001:DB8::1]", "::1", out, sizeof out));
    assert_string_equal(out, "2001:db8::1");
    snprintf(out, sizeof out, "peer");
    assert_false(xk_srv_forwarded_client(NULL, "127.0.0.1", out, sizeof out));
    assert_false(xk_srv_forwarded_client("127.0.0.1", "127.0.0.1", out, sizeof out));
    assert_false(xk_srv_forwarded_client("", "127.0.0.1", out, sizeof out));
    /* garbage where the proxy put the client: the peer stays, the entry to its left is not taken */
    assert_false(xk_srv_forwarded_client("198.51.100.7, not-an-address", "127.0.0.1", out,
                                         sizeof out));
    assert_false(xk_srv_forwarded_client("198.51.100.7, 1.2.3.4.5", "127.0.0.1", out, sizeof out));
    assert_string_equal(out, "peer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length_is_read_strictly),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pagination, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_error_with_long_number_says_why, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_remove_reason_whole_or_refused, setup, teardown),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_forwarded_client_is_the_right_most_untrusted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
