/*
 * Unit tests of the read answers served from stored bytes: the licence composed around its stored
 * record says what the decoded answer says (every fixture, removed, on a list, from a scan, a
 * record of another shape), answers kept per store revision (a write from this connection or
 * another one is seen at once), licences' facts kept to compose an answer again from its record
 * alone (the same bytes; a new version, a removal seen at once), entity tags and If-None-Match (RFC 9110), and the bound of the
 * answers kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "server/api.h"
#include "xuke/lists.h"
#include "xuke/xuke.h"

typedef struct fixture {
    char dir[64], path[128];
    xk_store *st;
    xk_calendar *cal;
    srv_limits limits;
    srv_answers *answers; /* NULL: each answer computed */
    srv_answers *facts;   /* NULL: each licence's facts computed */
    char reader[XK_TOKEN_MAX], editor[XK_TOKEN_MAX];
} fixture;

static const char *const fixtures[] = {
    "seeds/000_a96b5bc2dd3fa082.txt", "seeds/001_7e3d263de7829148.txt",
    "seeds/002_48cb51cde2f73ff1.txt", "seeds/003_76e38eccd87d7b3e.txt",
    "docs/b1b2_shanghai.txt",         "docs/cross_regional_b1.txt",
    "docs/guangdong_gb18030.txt",     "seeds/000_a96b5bc2dd3fa082.json",
    "docs/b1b2_shanghai.json"};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void imported(const xk_import_report *r, void *ctx)
{
    (void)ctx;
    assert_int_equal(r->status, XK_OK);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/xuke-answers-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/t.db", fx->dir);
    xk_error err;
    assert_int_equal(xk_store_open(fx->path, &fx->st, &err), XK_OK);
    assert_int_equal(xk_calendar_load(DATA_DIR "/calendar.txt", &fx->cal, &err), XK_OK);
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        char p[256];
        size_t len;
        snprintf(p, sizeof p, "%s/%s", FIXTURES, fixtures[i]);
        char *doc = slurp(p, &len);
        assert_int_equal(xk_import_bytes(fx->st, doc, len, NULL, imported, NULL), XK_OK);
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
    xk_srv_answers_free(fx->answers);
    xk_srv_answers_free(fx->facts);
    xk_store_close(fx->st);
    xk_calendar_free(fx->cal);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
    int rc = system(cmd);
    free(fx);
    return rc == 0 ? 0 : 1;
}

/* --- the answer from stored bytes against the decoded one ---------------------------------- */

typedef struct numbers {
    char v[32][64];
    size_t n;
} numbers;

static bool collect(const xk_hit *h, void *ctx)
{
    numbers *ns = ctx;
    assert_true(ns->n < 32);
    snprintf(ns->v[ns->n++], 64, "%s", h->number);
    return true;
}

static void all_numbers(fixture *fx, numbers *ns)
{
    xk_query q;
    xk_query_init(&q);
    q.include_removed = true;
    ns->n = 0;
    xk_error err;
    assert_int_equal(xk_store_search(fx->st, &q, collect, ns, &err), XK_OK);
}

/* The text answer parses to the decoded answer, member for member and in the same order. */
static void assert_same_answer(fixture *fx, const char *number, int version, xk_date as_of)
{
    xk_error err;
    json_t *decoded;
    xk_view_text t;
    assert_int_equal(xk_view_licence(fx->st, fx->cal, as_of, number, version, &decoded, &err),
                     XK_OK);
    assert_int_equal(xk_view_licence_text(fx->st, fx->cal, as_of, number, version, &t, &err),
                     XK_OK);
    assert_int_equal(strlen(t.text), t.len);
    json_error_t jerr;
    json_t *back = json_loadb(t.text, t.len, 0, &jerr);
    if (!back)
        fail_msg("%s: the composed answer is not JSON: %s at %d", number, jerr.text,
                 jerr.position);
    if (!json_equal(decoded, back)) {
        char *a = json_dumps(decoded, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fail_msg("%s: the answers differ:\n%s\n%s", number, a, t.text);
    }
    void *i = json_object_iter(decoded), *j = json_object_iter(back);
    for (; i && j; i = json_object_iter_next(decoded, i), j = json_object_iter_next(back, j))
        assert_string_equal(json_object_iter_key(i), json_object_iter_key(j));
    assert_null(i);
    assert_null(j);
    /* a strong tag: quoted, no W/ */
    assert_true(t.etag[0] == '"' && t.etag[strlen(t.etag) - 1] == '"');
    json_decref(back);
    json_decref(decoded);
    free(t.text);
}

static void assert_every_answer_same(fixture *fx)
{
    numbers ns;
    all_numbers(fx, &ns);
    assert_true(ns.n >= 7); /* the seeds and the documents of other layouts */
    static const xk_date days[] = {{2026, 11, 23}, {2021, 1, 4}, {2031, 6, 30}};
    for (size_t k = 0; k < ns.n; k++)
        for (size_t d = 0; d < sizeof days / sizeof days[0]; d++)
            assert_same_answer(fx, ns.v[k], 0, days[d]);
}

static void test_every_fixture_as_decoded(void **state)
{
    fixture *fx = *state;
    assert_every_answer_same(fx);
    /* removed (removed_reason), on a cancellation list (lists, status), read from a scan (scan) */
    xk_error err;
    assert_int_equal(xk_store_remove(fx->st, "京B2-20224676", "a \"quoted\" reason\non two lines",
                                     &err),
                     XK_OK);
    size_t len;
    char *csv = slurp(FIXTURES "/lists/cancelled.csv", &len);
    xk_list list;
    xk_list_info info;
    assert_int_equal(xk_list_import(fx->st, XK_LIST_CANCELLED, "test", "2024-03-08", csv, len,
                                    &list, &info, &err),
                     XK_OK);
    xk_list_free(&list);
    free(csv);
    char *json;
    xk_licence_info li;
    assert_int_equal(xk_store_get_json(fx->st, "琼B2-20210620", 0, &json, &li, &err), XK_OK);
    free(json);
    assert_int_equal(xk_store_begin(fx->st, &err), XK_OK);
    assert_int_equal(xk_store_put_original(fx->st, li.current.source_sha256, 1, "\x89PNG", 4,
                                           "png", &err),
                     XK_OK);
    assert_int_equal(xk_store_commit(fx->st, &err), XK_OK);
    assert_every_answer_same(fx);
    /* the facts the stored record does not say are there */
    xk_view_text t;
    assert_int_equal(xk_view_licence_text(fx->st, fx->cal, (xk_date){2026, 11, 23},
                                          "琼B2-20220293", 0, &t, &err),
                     XK_OK);
    assert_non_null(strstr(t.text, "\"status\":\"cancelled\""));
    assert_non_null(strstr(t.text, "\"lists\":[{"));
    free(t.text);
    assert_int_equal(xk_view_licence_text(fx->st, fx->cal, (xk_date){2026, 11, 23},
                                          "琼B2-20210620", 0, &t, &err),
                     XK_OK);
    assert_non_null(strstr(t.text, "\"scan\":{\"kind\":\"png\",\"files\":1}"));
    free(t.text);
    /* an unknown licence is an error, as on the decoding path */
    assert_int_equal(xk_view_licence_text(fx->st, fx->cal, (xk_date){2026, 11, 23},
                                          "京B2-20990001", 0, &t, &err),
                     XK_ENOTFOUND);
    assert_null(t.text);
}

/* Overwrites the stored record of number's current version (outside xuke). */
static void set_record(fixture *fx, const char *number, const char *record)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "UPDATE versions SET record = ?1 WHERE licence_id = "
                                        "(SELECT id FROM licences WHERE number = ?2)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, record, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, number, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* Records of other shapes than xuke writes take the decoding path: the answers still agree. */
static void test_other_shapes_as_decoded(void **state)
{
    fixture *fx = *state;
    static const char *const shapes[] = {
        /* a fact's name in the record: the fact replaces it in place */
        "{\"number\":\"京B2-20224676\",\"status\":\"stored\",\"warnings\":[]}",
        "{\"number\":\"京B2-20224676\",\"lists\":[1,2],\"version\":99}",
        /* white space, an escaped name, escapes in a warning */
        "{ \"number\" : \"京B2-20224676\" , \"warnings\" : [ \"needs review: x\" ] }",
        "{\"num\\u0062er\":\"京B2-20224676\",\"warnings\":[]}",
        "{\"number\":\"京B2-20224676\",\"warnings\":[\"\\u006eeeds review: spelt in escapes\"]}",
        "{\"number\":\"京B2-20224676\",\"warnings\":[\"needs review: \\\"quoted\\\"\",7]}",
        /* the composed path's own cases */
        "{\"number\":\"京B2-20224676\",\"warnings\":[\"a\",\"needs review: b\"],\"x\":{\"y\":[{}]}}",
        "{\"number\":\"京B2-20224676\",\"warnings\":[\"needs review:\"]}",
        "{\"warnings\":[],\"number\":\"京B2-20224676\",\"nested\":{\"status\":1}}",
        /* runs of backslashes before a quote: even ends the string, odd escapes the quote */
        "{\"number\":\"京B2-20224676\",\"warnings\":[\"ends \\\\\",\"needs review: "
        "\\\\\\\"q\"],\"x\":\"\\\\\",\"y\":[\"\\\"]\"]}",
        "{}",
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        set_record(fx, "京B2-20224676", shapes[i]);
        assert_same_answer(fx, "京B2-20224676", 0, (xk_date){2026, 11, 23});
    }
    /* needs_review follows the warnings on both paths */
    set_record(fx, "京B2-20224676",
               "{\"number\":\"京B2-20224676\",\"warnings\":[\"a\",\"needs review: b\"]}");
    xk_view_text t;
    xk_error err;
    assert_int_equal(xk_view_licence_text(fx->st, fx->cal, (xk_date){2026, 11, 23},
                                          "京B2-20224676", 0, &t, &err),
                     XK_OK);
    assert_non_null(strstr(t.text, "\"needs_review\":true"));
    free(t.text);
}

/* --- through the API: kept answers, tags, conditional requests ----------------------------- */

typedef struct call_result {
    int status;
    srv_resp resp;
    const char *body;
} call_result;

static call_result call(fixture *fx, const char *method, const char *target, const char *token,
                        const char *if_none_match)
{
    srv_req req;
    memset(&req, 0, sizeof req);
    static char path[512], query[512], auth[160];
    snprintf(path, sizeof path, "%s", target);
    query[0] = '\0';
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
    req.if_none_match = if_none_match;
    srv_ctx ctx = {.st = fx->st,
                   .cal = fx->cal,
                   .limits = &fx->limits,
                   .today = {2026, 11, 23},
                   .answers = fx->answers,
                   .facts = fx->facts,
                   .calendar_serial = 1};
    call_result r;
    xk_srv_handle(&ctx, &req, &r.resp);
    r.status = r.resp.status;
    r.body = r.resp.body ? r.resp.body : (const char *)r.resp.static_body;
    return r;
}

static char *body_copy(call_result *r)
{
    char *s = malloc(r->resp.body_len + 1);
    assert_non_null(s);
    memcpy(s, r->body, r->resp.body_len);
    s[r->resp.body_len] = '\0';
    return s;
}

#define LICENCE "/v1/licenses/京B2-20224676"

/* 200 with a tag, then 304 for each form of If-None-Match that names it, 200 for the others. */
static void assert_conditional(fixture *fx, const char *target)
{
    call_result r = call(fx, "GET", target, fx->reader, NULL);
    assert_int_equal(r.status, 200);
    char etag[XK_VIEW_ETAG_MAX], weak[XK_VIEW_ETAG_MAX + 2], list[3 * XK_VIEW_ETAG_MAX];
    snprintf(etag, sizeof etag, "%s", r.resp.etag);
    assert_true(strlen(etag) > 2 && etag[0] == '"');
    char *first = body_copy(&r);
    xk_srv_resp_free(&r.resp);
    snprintf(weak, sizeof weak, "W/%s", etag);
    snprintf(list, sizeof list, "\"nope\", ,W/\"other\" ,\t%s", etag);
    const char *const names_it[] = {etag, weak, list, "*", " * "};
    for (size_t i = 0; i < sizeof names_it / sizeof names_it[0]; i++) {
        r = call(fx, "GET", target, fx->reader, names_it[i]);
        if (r.status != 304)
            fail_msg("If-None-Match: %s gave %d, not 304", names_it[i], r.status);
        assert_int_equal(r.resp.body_len, 0);
        assert_string_equal(r.resp.etag, etag); /* a 304 carries the tag it stands for */
        xk_srv_resp_free(&r.resp);
    }
    char other[XK_VIEW_ETAG_MAX], unquoted[XK_VIEW_ETAG_MAX], cut[XK_VIEW_ETAG_MAX];
    snprintf(other, sizeof other, "%s", etag);
    other[1] = other[1] == '0' ? '1' : '0';
    snprintf(unquoted, sizeof unquoted, "%.*s", (int)strlen(etag) - 2, etag + 1);
    snprintf(cut, sizeof cut, "%.*s", (int)strlen(etag) - 1, etag);
    const char *const not_it[] = {other, unquoted, cut, "", "*, \"x\"", "w/\"x\""};
    for (size_t i = 0; i < sizeof not_it / sizeof not_it[0]; i++) {
        r = call(fx, "GET", target, fx->reader, not_it[i]);
        if (r.status != 200)
            fail_msg("If-None-Match: %s gave %d, not 200", not_it[i], r.status);
        assert_int_equal(r.resp.body_len, strlen(first));
        assert_memory_equal(r.body, first, strlen(first));
        xk_srv_resp_free(&r.resp);
    }
    free(first);
}

static void test_tags_and_conditional_requests(void **state)
{
    fixture *fx = *state;
    for (int kept = 0; kept < 2; kept++) {
        if (kept)
            fx->answers = xk_srv_answers_new(XK_SRV_ANSWERS_BYTES);
        assert_conditional(fx, LICENCE);
        assert_conditional(fx, LICENCE "?as_of=2021-01-04");
        assert_conditional(fx, "/v1/domains/www.xiaohe.cn");
        assert_conditional(fx, "/v1/licenses?company=%E5%B0%8F%E8%8D%B7&limit=2");
        assert_conditional(fx, "/v1/licenses?company=小荷&limit=2");
    }
    /* the tag names the answer: another day's status is another tag */
    call_result a = call(fx, "GET", LICENCE, fx->reader, NULL);
    call_result b = call(fx, "GET", LICENCE "?as_of=2021-01-04", fx->reader, NULL);
    assert_string_not_equal(a.resp.etag, b.resp.etag);
    /* and the same record's tag begins with its SHA-256 */
    xk_licence_info info;
    char *json;
    xk_error err;
    assert_int_equal(xk_store_get_json(fx->st, "京B2-20224676", 0, &json, &info, &err), XK_OK);
    free(json);
    assert_memory_equal(a.resp.etag + 1, info.current.record_sha256, 32);
    assert_memory_equal(b.resp.etag + 1, info.current.record_sha256, 32);
    xk_srv_resp_free(&a.resp);
    xk_srv_resp_free(&b.resp);
    /* a condition is asked of an answer only: no licence, no 304 */
    call_result r = call(fx, "GET", "/v1/licenses/京B2-20990001", fx->reader, "*");
    assert_int_equal(r.status, 404);
    assert_int_equal(r.resp.etag[0], '\0');
    xk_srv_resp_free(&r.resp);
    r = call(fx, "GET", LICENCE, NULL, "*"); /* nor to a request refused */
    assert_int_equal(r.status, 401);
    xk_srv_resp_free(&r.resp);
}

static void test_kept_answers_follow_the_store(void **state)
{
    fixture *fx = *state;
    fx->answers = xk_srv_answers_new(XK_SRV_ANSWERS_BYTES);
    call_result r = call(fx, "GET", LICENCE, fx->reader, NULL);
    assert_int_equal(r.status, 200);
    char *first = body_copy(&r);
    char etag[XK_VIEW_ETAG_MAX];
    snprintf(etag, sizeof etag, "%s", r.resp.etag);
    xk_srv_resp_free(&r.resp);
    size_t count;
    assert_true(xk_srv_answers_bytes(fx->answers, &count) > strlen(first));
    r = call(fx, "GET", LICENCE, fx->reader, NULL); /* kept: the same bytes */
    assert_string_equal(r.resp.etag, etag);
    assert_int_equal(r.resp.body_len, strlen(first));
    assert_memory_equal(r.body, first, strlen(first));
    xk_srv_resp_free(&r.resp);
    assert_non_null(strstr(first, "\"record_state\":\"active\""));
    /* a write through another connection (another process would do the same) */
    xk_store *other;
    xk_error err;
    assert_int_equal(xk_store_open(fx->path, &other, &err), XK_OK);
    assert_int_equal(xk_store_remove(other, "京B2-20224676", "gone", &err), XK_OK);
    r = call(fx, "GET", LICENCE, fx->reader, etag);
    assert_int_equal(r.status, 200); /* the old tag no longer names it */
    assert_string_not_equal(r.resp.etag, etag);
    char *second = body_copy(&r);
    assert_non_null(strstr(second, "\"record_state\":\"removed\""));
    assert_non_null(strstr(second, "\"removed_reason\":\"gone\""));
    xk_srv_resp_free(&r.resp);
    /* a write through the connection the answers are read with */
    r = call(fx, "GET", "/v1/domains/www.xiaohe.cn", fx->reader, NULL);
    char *domain = body_copy(&r);
    xk_srv_resp_free(&r.resp);
    assert_int_equal(xk_store_remove(fx->st, "琼B2-20220293", "gone too", &err), XK_OK);
    r = call(fx, "GET", "/v1/domains/www.xiaohe.cn", fx->reader, NULL);
    assert_int_equal(r.status, 200);
    assert_true(r.resp.body_len != strlen(domain) || memcmp(r.body, domain, strlen(domain)));
    xk_srv_resp_free(&r.resp);
    free(domain);
    /* a revoked token is refused at once, though it was found a moment ago */
    r = call(fx, "GET", LICENCE, fx->reader, NULL);
    assert_int_equal(r.status, 200);
    xk_srv_resp_free(&r.resp);
    assert_int_equal(xk_token_revoke(other, "r1", &err), XK_OK);
    r = call(fx, "GET", LICENCE, fx->reader, NULL);
    assert_int_equal(r.status, 401);
    xk_srv_resp_free(&r.resp);
    xk_store_close(other);
    free(first);
    free(second);
}

/* The answer made again from the kept facts and the stored record is the answer, byte for byte
 * and tag for tag: every licence, as of two days, removed or not. */
static void test_facts_compose_the_same_answer(void **state)
{
    fixture *fx = *state;
    xk_error err;
    assert_int_equal(xk_store_remove(fx->st, "琼B2-20220293", "gone", &err), XK_OK);
    numbers ns;
    all_numbers(fx, &ns);
    assert_true(ns.n >= 5);
    const xk_date days[] = {{2026, 11, 23}, {2021, 1, 4}};
    for (size_t i = 0; i < ns.n; i++)
        for (size_t d = 0; d < 2; d++) {
            xk_view_text t, again;
            xk_view_facts facts;
            assert_int_equal(xk_view_licence_text_facts(fx->st, fx->cal, days[d], ns.v[i], 0, &t,
                                                        &facts, &err),
                             XK_OK);
            assert_non_null(facts.tail); /* xuke's own records compose */
            assert_true(facts.version >= 1);
            assert_int_equal(xk_view_licence_text_again(fx->st, ns.v[i], &facts, &again, &err),
                             XK_OK);
            assert_int_equal(again.len, t.len);
            assert_memory_equal(again.text, t.text, t.len);
            assert_string_equal(again.etag, t.etag);
            /* facts of another record than the version's: refused, never composed */
            facts.record_sha256[0] = facts.record_sha256[0] == '0' ? '1' : '0';
            xk_view_text wrong;
            assert_int_equal(xk_view_licence_text_again(fx->st, ns.v[i], &facts, &wrong, &err),
                             XK_ECONFLICT);
            assert_null(wrong.text);
            xk_view_facts_free(&facts);
            free(t.text);
            free(again.text);
        }
}

/* The record read with room to spare after it (the buffer an answer is composed in) is the
 * stored record: a JSON object, its bytes and their length xk_store_get_json's, a NUL ends
 * them, and the room is the caller's to write. */
static void test_record_read_with_room(void **state)
{
    fixture *fx = *state;
    xk_error err;
    numbers ns;
    all_numbers(fx, &ns);
    assert_true(ns.n >= 5);
    for (size_t i = 0; i < ns.n; i++)
        for (size_t room = 0; room <= 4096; room += 4096) {
            char *plain, *roomy;
            size_t len;
            xk_licence_info info;
            assert_int_equal(xk_store_get_json(fx->st, ns.v[i], 0, &plain, NULL, &err), XK_OK);
            assert_int_equal(
                xk_store_get_json_room(fx->st, ns.v[i], 0, room, &roomy, &len, &info, &err),
                XK_OK);
            assert_int_equal(len, strlen(plain));
            assert_memory_equal(roomy, plain, len + 1);
            json_error_t jerr;
            json_t *o = json_loadb(roomy, len, 0, &jerr);
            assert_true(json_is_object(o));
            json_decref(o);
            assert_true(info.current.version >= 1);
            memset(roomy + len + 1, 'x', room); /* the sanitizer run: all of it allocated */
            free(plain);
            free(roomy);
        }
    char *none;
    size_t len;
    assert_int_equal(xk_store_get_json_room(fx->st, "京B2-20990001", 0, 64, &none, &len, NULL, &err),
                     XK_ENOTFOUND);
    assert_null(none);
}

/* A write the answers are not kept for: a licence answer too large for the answers kept is
 * composed again from its kept facts, and a new version or a removal through another connection
 * is seen at once all the same. */
static void test_kept_facts_follow_the_store(void **state)
{
    fixture *fx = *state;
    fx->answers = xk_srv_answers_new(8 * 1024); /* a licence's answer is too large to keep */
    fx->facts = xk_srv_answers_new(XK_SRV_FACTS_BYTES);
    const char *hainan = "/v1/licenses/琼B2-20220293";
    call_result r = call(fx, "GET", hainan, fx->reader, NULL);
    assert_int_equal(r.status, 200);
    char *first = body_copy(&r);
    char etag[XK_VIEW_ETAG_MAX];
    snprintf(etag, sizeof etag, "%s", r.resp.etag);
    xk_srv_resp_free(&r.resp);
    size_t count;
    xk_srv_answers_bytes(fx->facts, &count);
    assert_int_equal(count, 1);
    assert_true(xk_srv_answers_bytes(fx->answers, NULL) < strlen(first));
    r = call(fx, "GET", hainan, fx->reader, NULL); /* composed from the facts: the same bytes */
    assert_int_equal(r.status, 200);
    assert_string_equal(r.resp.etag, etag);
    assert_int_equal(r.resp.body_len, strlen(first));
    assert_memory_equal(r.body, first, strlen(first));
    xk_srv_resp_free(&r.resp);
    r = call(fx, "GET", hainan, fx->reader, etag);
    assert_int_equal(r.status, 304);
    xk_srv_resp_free(&r.resp);
    assert_non_null(strstr(first, "\"company\":\"海南小荷健康网络技术有限公司\""));
    assert_non_null(strstr(first, "\"version\":1,"));
    /* a new version through another connection (another process would do the same) */
    size_t len;
    char p[256];
    snprintf(p, sizeof p, "%s/seeds/000_a96b5bc2dd3fa082.json", FIXTURES);
    char *doc = slurp(p, &len);
    json_t *o = json_loadb(doc, len, 0, NULL);
    assert_non_null(o);
    free(doc);
    json_object_set_new(o, "company", json_string("海南小荷健康科技有限公司"));
    doc = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    xk_store *other;
    xk_error err;
    assert_int_equal(xk_store_open(fx->path, &other, &err), XK_OK);
    assert_int_equal(xk_import_bytes(other, doc, strlen(doc), NULL, imported, NULL), XK_OK);
    free(doc);
    r = call(fx, "GET", hainan, fx->reader, etag);
    assert_int_equal(r.status, 200);
    assert_string_not_equal(r.resp.etag, etag);
    char *second = body_copy(&r);
    xk_srv_resp_free(&r.resp);
    assert_non_null(strstr(second, "\"company\":\"海南小荷健康科技有限公司\""));
    assert_non_null(strstr(second, "\"version\":2,"));
    /* the first version is still the first version's answer */
    char v1[128];
    snprintf(v1, sizeof v1, "%s?version=1", hainan);
    for (int i = 0; i < 2; i++) {
        r = call(fx, "GET", v1, fx->reader, NULL);
        assert_int_equal(r.status, 200);
        char *old = body_copy(&r);
        assert_non_null(strstr(old, "\"company\":\"海南小荷健康网络技术有限公司\""));
        free(old);
        xk_srv_resp_free(&r.resp);
    }
    /* a removal through the other connection: the facts change, the record does not */
    r = call(fx, "GET", hainan, fx->reader, NULL);
    xk_srv_resp_free(&r.resp);
    assert_int_equal(xk_store_remove(other, "琼B2-20220293", "gone", &err), XK_OK);
    r = call(fx, "GET", hainan, fx->reader, NULL);
    assert_int_equal(r.status, 200);
    char *third = body_copy(&r);
    assert_non_null(strstr(third, "\"record_state\":\"removed\""));
    assert_non_null(strstr(third, "\"company\":\"海南小荷健康科技有限公司\""));
    free(third);
    xk_srv_resp_free(&r.resp);
    xk_store_close(other);
    free(first);
    free(second);
}

/* The store's log last written an hour ago (a registry only read for a while): the revision is
 * then known without a read transaction, and a write from another connection is still seen by
 * the very next request, as is one through the connection the answers are read with. */
static void test_settled_store_sees_writes_at_once(void **state)
{
    fixture *fx = *state;
    fx->answers = xk_srv_answers_new(XK_SRV_ANSWERS_BYTES);
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", fx->path);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    xk_store *other;
    xk_error err;
    assert_int_equal(xk_store_open(fx->path, &other, &err), XK_OK);
    const char *const removals[][2] = {{"京B2-20224676", "other"}, {"琼B2-20220293", "same"}};
    for (size_t i = 0; i < 2; i++) {
        char target[128];
        snprintf(target, sizeof target, "/v1/licenses/%s", removals[i][0]);
        struct timespec hour_ago[2] = {{.tv_sec = time(NULL) - 3600}, {.tv_sec = time(NULL) - 3600}};
        assert_int_equal(utimensat(AT_FDCWD, wal, hour_ago, 0), 0);
        xk_store_revision before, again, after;
        assert_int_equal(xk_store_revision_get(fx->st, &before, &err), XK_OK);
        assert_int_equal(xk_store_revision_get(fx->st, &again, &err), XK_OK);
        assert_true(xk_store_revision_same(&before, &again));
        for (int k = 0; k < 2; k++) {
            call_result r = call(fx, "GET", target, fx->reader, NULL);
            assert_int_equal(r.status, 200);
            char *body = body_copy(&r);
            assert_non_null(strstr(body, "\"record_state\":\"active\""));
            free(body);
            xk_srv_resp_free(&r.resp);
        }
        xk_store *writer = strcmp(removals[i][1], "other") == 0 ? other : fx->st;
        assert_int_equal(xk_store_remove(writer, removals[i][0], "gone", &err), XK_OK);
        assert_int_equal(xk_store_revision_get(fx->st, &after, &err), XK_OK);
        assert_false(xk_store_revision_same(&before, &after));
        call_result r = call(fx, "GET", target, fx->reader, NULL);
        assert_int_equal(r.status, 200);
        char *body = body_copy(&r);
        assert_non_null(strstr(body, "\"record_state\":\"removed\""));
        free(body);
        xk_srv_resp_free(&r.resp);
    }
    xk_store_close(other);
}

/* --- If-None-Match and the bound, alone ---------------------------------------------------- */

static void test_etag_matching(void **state)
{
    (void)state;
    const char *tag = "\"abc-1\"";
    static const char *const yes[] = {"\"abc-1\"", "W/\"abc-1\"", "*", "  *\t",
                                      "\"x\",\"abc-1\"", ", , \"abc-1\" ,", "\"x\" ,W/\"abc-1\""};
    static const char *const no[] = {NULL,        "",          "abc-1",      "\"abc-1",
                                     "\"abc-1\"x", "\"abc\"",   "\"ABC-1\"",  "W/ \"abc-1\"",
                                     "*,\"abc-1\"", "**",       "\"a b\",\"abc-1\"",
                                     "\"abc-1\" \"abc-1\"", "w/\"abc-1\""};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!xk_srv_etag_matches(yes[i], tag))
            fail_msg("If-None-Match: %s should name %s", yes[i], tag);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (xk_srv_etag_matches(no[i], tag))
            fail_msg("If-None-Match: %s should not name %s", no[i] ? no[i] : "(none)", tag);
    /* a weak tag of ours compares weakly too */
    assert_true(xk_srv_etag_matches("\"abc-1\"", "W/\"abc-1\""));
    assert_false(xk_srv_etag_matches("*", ""));
}

static void test_answers_bound(void **state)
{
    (void)state;
    const size_t max = 64 * 1024;
    srv_answers *a = xk_srv_answers_new(max);
    assert_non_null(a);
    xk_store_revision r1 = {1, "aa"}, r2 = {2, "bb"}, r1other = {1, "cc"};
    char body[1000], key[32], *got, etag[XK_VIEW_ETAG_MAX];
    size_t len, count;
    memset(body, 'x', sizeof body);
    for (int i = 0; i < 500; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        xk_srv_answers_put(a, key, (size_t)n, &r1, 1, body, sizeof body, "\"t\"");
        assert_true(xk_srv_answers_bytes(a, NULL) <= max);
    }
    xk_srv_answers_bytes(a, &count);
    assert_true(count > 10 && count < 500);
    /* the newest stayed, the oldest went */
    assert_true(xk_srv_answers_get(a, "k499", 4, &r1, 1, &got, &len, etag));
    assert_int_equal(len, sizeof body);
    assert_string_equal(etag, "\"t\"");
    free(got);
    assert_false(xk_srv_answers_get(a, "k0", 2, &r1, 1, &got, &len, etag));
    /* another revision, another calendar: not this answer */
    assert_false(xk_srv_answers_get(a, "k499", 4, &r2, 1, &got, &len, etag));
    assert_false(xk_srv_answers_get(a, "k499", 4, &r1other, 1, &got, &len, etag));
    assert_false(xk_srv_answers_get(a, "k499", 4, &r1, 2, &got, &len, etag));
    /* an answer being sent outlives its replacement in the table (ASan checks the read) */
    const char *borrowed, *first;
    void *ref, *first_ref;
    assert_true(xk_srv_answers_borrow(a, "k499", 4, &r1, 1, &first, &len, etag, &first_ref));
    assert_int_equal(len, sizeof body);
    assert_false(xk_srv_answers_borrow(a, "k499", 4, &r2, 1, &borrowed, &len, etag, &ref));
    assert_null(ref);
    /* replaced in place; too large to keep: not kept */
    xk_srv_answers_put(a, "k499", 4, &r2, 1, "new", 3, "\"n\"");
    assert_int_equal(first[0], 'x');
    assert_int_equal(first[sizeof body - 1], 'x');
    xk_srv_answers_release(first_ref);
    assert_true(xk_srv_answers_get(a, "k499", 4, &r2, 1, &got, &len, etag));
    assert_int_equal(len, 3);
    assert_memory_equal(got, "new", 3);
    free(got);
    assert_true(xk_srv_answers_borrow(a, "k498", 4, &r1, 1, &borrowed, &len, etag, &ref));
    for (int i = 0; i < 500; i++) { /* k498 pushed out of the table while borrowed */
        int n = snprintf(key, sizeof key, "n%d", i);
        xk_srv_answers_put(a, key, (size_t)n, &r1, 1, body, sizeof body, "\"t\"");
    }
    assert_false(xk_srv_answers_get(a, "k498", 4, &r1, 1, &got, &len, etag));
    assert_int_equal(borrowed[0], 'x');
    assert_int_equal(borrowed[sizeof body - 1], 'x');
    xk_srv_answers_release(ref);
    /* an adopted body is kept and lent at once; pushed out while lent, it stays until let go */
    char *own = malloc(sizeof body + 1);
    memset(own, 'y', sizeof body);
    own[sizeof body] = '\0';
    assert_true(xk_srv_answers_adopt(a, "own", 3, &r1, 1, own, sizeof body, "\"o\"", &ref));
    assert_true(xk_srv_answers_get(a, "own", 3, &r1, 1, &got, &len, etag));
    assert_int_equal(len, sizeof body);
    assert_int_equal(got[0], 'y');
    assert_string_equal(etag, "\"o\"");
    free(got);
    for (int i = 0; i < 500; i++) {
        int n = snprintf(key, sizeof key, "m%d", i);
        xk_srv_answers_put(a, key, (size_t)n, &r1, 1, body, sizeof body, "\"t\"");
    }
    assert_false(xk_srv_answers_get(a, "own", 3, &r1, 1, &got, &len, etag));
    assert_int_equal(own[sizeof body - 1], 'y');
    xk_srv_answers_release(ref);
    char *big = calloc(1, max / 8);
    xk_srv_answers_put(a, "big", 3, &r1, 1, big, max / 8, "\"b\"");
    assert_false(xk_srv_answers_get(a, "big", 3, &r1, 1, &got, &len, etag));
    free(big);
    xk_srv_answers_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_fixture_as_decoded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_shapes_as_decoded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags_and_conditional_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_answers_follow_the_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_facts_compose_the_same_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_read_with_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_facts_follow_the_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settled_store_sees_writes_at_once, setup, teardown),
        cmocka_unit_test(test_etag_matching),
        cmocka_unit_test(test_answers_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
