/*
 * Unit tests of the registry through its public interface only (include/xuke/store.h), so the
 * same tests can run against another backend: XUKE_TEST_STORE names the store location
 * (default: a fresh SQLite file in a temporary directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "registry/internal.h" /* the connection, to make a step fail mid-scan */
#include "xuke/diff.h"
#include "xuke/registry.h"
#include "xuke/store.h"
#include "xuke/xuke.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    xk_store *st;
} fixture;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/xuke-store-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/t.db", fx->dir);
    xk_error err;
    assert_int_equal(xk_store_open(fx->path, &fx->st, &err), XK_OK);
    xk_store_set_actor(fx->st, "tester");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    xk_store_close(fx->st);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
    if (system(cmd) != 0)
        return 1;
    free(fx);
    return 0;
}

static xk_status put_text(xk_store *st, const char *text, size_t len, xk_import_result *res)
{
    xk_licence *lic;
    xk_error err;
    assert_int_equal(xk_licence_parse(text, len, NULL, &lic, &err), XK_OK);
    xk_status rc = xk_store_put(st, lic, text, len, "text", res, &err);
    xk_licence_free(lic);
    return rc;
}

static xk_status put_seed(xk_store *st, const char *name, xk_import_result *res)
{
    char path[256];
    snprintf(path, sizeof path, FIXTURES "/seeds/%s", name);
    size_t len;
    char *text = slurp(path, &len);
    xk_status rc = put_text(st, text, len, res);
    free(text);
    return rc;
}

#define SEED0 "000_a96b5bc2dd3fa082.txt"
#define SEED3 "003_76e38eccd87d7b3e.txt"

static void test_store_put_then_get(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    assert_int_equal(res.outcome, XK_IMPORT_NEW);
    xk_licence *lic;
    xk_licence_info info;
    xk_error err;
    assert_int_equal(xk_store_get(fx->st, "琼B2-20220293", 0, &lic, &info, &err), XK_OK);
    assert_string_equal(lic->company, "海南小荷健康网络技术有限公司");
    assert_int_equal(lic->n_provisions, 16);
    assert_int_equal(info.current.version, 1);
    assert_string_equal(info.current.actor, "tester");
    assert_int_equal(strlen(info.current.source_sha256), 64);
    xk_licence_free(lic);
}

/* A scan's number whose province no reading settled is given by parse, flagged, but never
 * stored: the error names the number and what to do. */
static void test_store_refuses_an_unresolved_province(void **state)
{
    fixture *fx = *state;
    char path[256];
    snprintf(path, sizeof path, FIXTURES "/seeds/%s", SEED0);
    size_t len;
    char *text = slurp(path, &len);
    xk_licence *lic;
    xk_error err;
    assert_int_equal(xk_licence_parse(text, len, NULL, &lic, &err), XK_OK);
    const char *rest = lic->number + strlen(lic->region); /* "B2-20220293" */
    char unread[64];
    snprintf(unread, sizeof unread, "费%s", rest);
    lic->number = xk_licence_strdup(lic, unread, strlen(unread));
    lic->region = xk_licence_strdup(lic, "费", strlen("费"));
    xk_import_result res;
    assert_int_equal(xk_store_put(fx->st, lic, text, len, "text", &res, &err), XK_EINVALID);
    assert_non_null(strstr(err.message, "经营许可证编号 费B2-20220293 is unresolved"));
    xk_store_stats s;
    assert_int_equal(xk_store_stats_get(fx->st, &s, &err), XK_OK);
    assert_int_equal(s.licences, 0);
    xk_licence_free(lic);
    free(text);
}

static void test_store_same_document_twice_changes_nothing(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    put_seed(fx->st, SEED0, &res);
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    assert_int_equal(res.outcome, XK_IMPORT_UNCHANGED);
    xk_store_stats s;
    xk_error err;
    assert_int_equal(xk_store_stats_get(fx->st, &s, &err), XK_OK);
    assert_int_equal(s.versions, 1);
    assert_int_equal(s.audit_entries, 1);
}

/* Stores SEED3, then SEED3 with every `from` replaced by `to` (the same length in bytes). */
static void put_seed3_changed(xk_store *st, const char *from, const char *to,
                              xk_import_result *res)
{
    assert_int_equal(strlen(from), strlen(to));
    put_seed(st, SEED3, res);
    size_t len;
    char *text = slurp(FIXTURES "/seeds/" SEED3, &len);
    for (char *p = text; (p = strstr(p, from)) != NULL;)
        memcpy(p, to, strlen(to));
    assert_int_equal(put_text(st, text, len, res), XK_OK);
    free(text);
}

static void test_store_changed_document_is_a_new_version(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    put_seed3_changed(fx->st, "2027年 1月 29日", "2028年 1月 29日", &res);
    assert_int_equal(res.outcome, XK_IMPORT_VERSION);
    assert_int_equal(res.version, 2);
    xk_version_info *v;
    size_t n;
    xk_error err;
    assert_int_equal(xk_store_history(fx->st, "京B2-20224676", &v, &n, &err), XK_OK);
    assert_int_equal(n, 2);
    assert_string_not_equal(v[0].source_sha256, v[1].source_sha256);
    free(v);
    xk_licence *a, *b;
    assert_int_equal(xk_store_get(fx->st, "京B2-20224676", 1, &a, NULL, &err), XK_OK);
    assert_int_equal(xk_store_get(fx->st, "京B2-20224676", 0, &b, NULL, &err), XK_OK);
    json_t *d = xk_licence_diff(a, b);
    assert_int_equal(json_array_size(d), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "field")),
                        "expires");
    json_decref(d);
    xk_licence_free(a);
    xk_licence_free(b);
}

static void test_store_get_unknown_is_not_found(void **state)
{
    fixture *fx = *state;
    xk_licence *lic;
    xk_error err;
    assert_int_equal(xk_store_get(fx->st, "京B2-20990001", 0, &lic, NULL, &err), XK_ENOTFOUND);
    assert_null(lic);
}

typedef struct hits {
    char numbers[8][64];
    char domain[8][256];
    char service[8][8];
    size_t n;
} hits;

static bool collect(const xk_hit *h, void *ctx)
{
    hits *hs = ctx;
    if (hs->n < 8) {
        snprintf(hs->numbers[hs->n], 64, "%s", h->number);
        snprintf(hs->domain[hs->n], 256, "%s", h->matched_domain);
        snprintf(hs->service[hs->n], 8, "%s", h->website_service);
    }
    hs->n++;
    return true;
}

static hits search(xk_store *st, const xk_query *q)
{
    hits hs;
    memset(&hs, 0, sizeof hs);
    xk_error err;
    assert_int_equal(xk_store_search(st, q, collect, &hs, &err), XK_OK);
    return hs;
}

static void load_all_seeds(xk_store *st)
{
    const char *names[] = {SEED0, "001_7e3d263de7829148.txt", "002_48cb51cde2f73ff1.txt", SEED3};
    xk_import_result res;
    for (int i = 0; i < 4; i++)
        assert_int_equal(put_seed(st, names[i], &res), XK_OK);
}

static void test_search_domain_resolves_subdomains(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st);
    xk_query q;
    xk_query_init(&q);
    q.domain = "https://M.XiaoHe.cn/path";
    hits h = search(fx->st, &q);
    assert_int_equal(h.n, 2); /* two website entries (B21 and B25) list xiaohe.cn */
    assert_string_equal(h.numbers[0], "琼B2-20220293");
    assert_string_equal(h.domain[0], "xiaohe.cn");
    assert_string_equal(h.service[0], "B21");
    q.domain = "notxiaohe.cn";
    assert_int_equal(search(fx->st, &q).n, 0);
}

static void test_search_company_any_part(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st);
    xk_query q;
    xk_query_init(&q);
    q.company = "小荷健康";
    assert_int_equal(search(fx->st, &q).n, 2);
    q.company = "小荷"; /* two characters: the LIKE path */
    assert_int_equal(search(fx->st, &q).n, 2);
    q.company = "好美信息技术(北京)"; /* half-width brackets find the full-width name */
    assert_int_equal(search(fx->st, &q).n, 1);
    q.company = "\"; DROP TABLE licences; --";
    assert_int_equal(search(fx->st, &q).n, 0);
}

/* A page of a company search is the first matches by number whichever way the query is run:
 * through the narrow key index (company and paging filters only) or through the licence rows
 * (a filter on another column). */
static void test_company_search_pages_by_number(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    for (int k = 21; k >= 10; k--) {
        char to[16];
        snprintf(to, sizeof to, "202246%02d", k);
        put_seed3_changed(fx->st, "20224676", to, &res);
        assert_int_equal(res.outcome, XK_IMPORT_NEW);
    }
    xk_error err;
    assert_int_equal(xk_store_remove(fx->st, "京B2-20224612", "test", &err), XK_OK);
    const char *first3[] = {"京B2-20224610", "京B2-20224611", "京B2-20224613"};
    xk_query q;
    for (int other_column = 0; other_column < 2; other_column++) {
        xk_query_init(&q);
        q.company = "好美信息技术";
        q.region = other_column ? "京" : NULL;
        q.limit = 3;
        hits h = search(fx->st, &q);
        assert_int_equal(h.n, 3);
        for (int i = 0; i < 3; i++)
            assert_string_equal(h.numbers[i], first3[i]);
        q.after = "京B2-20224619";
        h = search(fx->st, &q);
        assert_int_equal(h.n, 3);
        assert_string_equal(h.numbers[0], "京B2-20224620");
        assert_string_equal(h.numbers[2], "京B2-20224676");
        q.after = NULL;
        q.include_removed = true;
        assert_string_equal(search(fx->st, &q).numbers[2], "京B2-20224612");
        q.include_removed = false;
        q.service = "B25";
        assert_string_equal(search(fx->st, &q).numbers[2], "京B2-20224613");
        q.service = "B11";
        assert_int_equal(search(fx->st, &q).n, 0);
    }
    q.service = NULL;
    q.limit = 0;
    assert_int_equal(search(fx->st, &q).n, 12); /* 13 stored, one removed */
}

/* The company index is written beside the licence, not by a trigger (schema migration 5): it
 * must follow a new version's name and a rolled-back batch all the same. */
static void test_company_index_follows_versions_and_rollback(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    put_seed3_changed(fx->st, "好美信息技术", "星河数据服务", &res);
    assert_int_equal(res.outcome, XK_IMPORT_VERSION);
    xk_query q;
    xk_query_init(&q);
    q.company = "星河数据服务";
    hits h = search(fx->st, &q);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.numbers[0], "京B2-20224676");
    q.company = "好美信息技术";
    assert_int_equal(search(fx->st, &q).n, 0);

    xk_error err;
    assert_int_equal(xk_store_begin(fx->st, &err), XK_OK);
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    q.company = "小荷健康";
    assert_int_equal(search(fx->st, &q).n, 1); /* seen inside the transaction */
    assert_int_equal(xk_store_rollback(fx->st), XK_OK);
    assert_int_equal(search(fx->st, &q).n, 0);
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    assert_int_equal(search(fx->st, &q).n, 1);
}

/* Inside a transaction the new licences' companies are indexed together before COMMIT
 * (store.c, xk_store_index_companies): a licence made and then changed in the same batch must
 * be in the index before its update trigger takes the old name out, or FTS5's index is left
 * damaged. The index must check whole and find only the new name after the commit. */
static void test_company_index_made_and_changed_in_one_batch(void **state)
{
    fixture *fx = *state;
    xk_error err;
    xk_import_result res;
    assert_int_equal(xk_store_begin(fx->st, &err), XK_OK);
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    put_seed3_changed(fx->st, "好美信息技术", "星河数据服务", &res);
    assert_int_equal(res.outcome, XK_IMPORT_VERSION);
    assert_int_equal(put_seed(fx->st, "001_7e3d263de7829148.txt", &res), XK_OK);
    assert_int_equal(xk_store_commit(fx->st, &err), XK_OK);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO company_fts(company_fts) "
                                      "VALUES('integrity-check')", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    xk_query q;
    xk_query_init(&q);
    q.company = "星河数据服务";
    assert_int_equal(search(fx->st, &q).n, 1);
    q.company = "好美信息技术";
    assert_int_equal(search(fx->st, &q).n, 0);
    q.company = "小荷健康"; /* the first and the third licence of the batch */
    assert_int_equal(search(fx->st, &q).n, 2);
}

/* A new licence's audit state is made from the record on the import's workers (content.c,
 * xk_content_new_state) instead of read back: it must be the state the rows give when read
 * back, for each seed and for a record listing a service and a host twice. */
static void check_new_state(fixture *fx, xk_licence *lic, const char *text, size_t len)
{
    xk_error err;
    xk_prepared prep;
    assert_int_equal(xk_store_prepare(lic, text, len, &prep), XK_OK);
    assert_true(prep.new_state[0] != '\0');
    xk_import_result res;
    assert_int_equal(xk_store_put_prepared(fx->st, lic, text, len, "text", &prep, &res, &err),
                     XK_OK);
    assert_int_equal(res.outcome, XK_IMPORT_NEW);
    existing ex;
    assert_int_equal(xk_store_find_licence(fx->st, lic->number, &ex, &err), XK_OK);
    char read_back[XK_CONTENT_PARTS][XK_SHA256_HEX], line[XK_CONTENT_STATE_LINE];
    assert_int_equal(xk_content_state(fx->st, ex.id, read_back, &err), XK_OK);
    snprintf(line, sizeof line, "state %s %s %s %s\n", read_back[0], read_back[1], read_back[2],
             read_back[3]);
    assert_string_equal(prep.new_state, line);
    xk_prepared_free(&prep);
}

static void test_new_licence_state_is_the_rows_read_back(void **state)
{
    fixture *fx = *state;
    static const char *const seeds[] = {SEED0, "001_7e3d263de7829148.txt",
                                        "002_48cb51cde2f73ff1.txt", SEED3};
    for (size_t i = 0; i < 4; i++) {
        char path[256];
        snprintf(path, sizeof path, FIXTURES "/seeds/%s", seeds[i]);
        size_t len;
        char *text = slurp(path, &len);
        xk_licence *lic;
        xk_error err;
        assert_int_equal(xk_licence_parse(text, len, NULL, &lic, &err), XK_OK);
        check_new_state(fx, lic, text, len);
        xk_licence_free(lic);
        free(text);
    }
    /* a licence of its own whose parsed record lists a host and a service twice */
    xk_licence *lic;
    xk_error err;
    size_t len;
    char *text = slurp(FIXTURES "/seeds/" SEED3, &len);
    assert_int_equal(xk_licence_parse(text, len, NULL, &lic, &err), XK_OK);
    lic->number = xk_licence_strdup(lic, "京B2-20990001", strlen("京B2-20990001"));
    assert_true(lic->n_websites > 0 && lic->websites[0].domains.len > 0);
    const char *host = lic->websites[0].domains.items[0];
    assert_int_equal(xk_strlist_push(lic, &lic->websites[0].domains, host, strlen(host)), XK_OK);
    xk_service first = lic->services[0];
    xk_service *again = xk_licence_add_service(lic);
    assert_non_null(again);
    *again = first;
    check_new_state(fx, lic, text, len);
    size_t checked;
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_OK);
    xk_licence_free(lic);
    free(text);
}

static void test_search_filters_combine(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st);
    xk_query q;
    xk_query_init(&q);
    q.service = "B21";
    assert_int_equal(search(fx->st, &q).n, 1);
    xk_query_init(&q);
    q.region = "琼";
    assert_int_equal(search(fx->st, &q).n, 2);
    q.valid_on = (xk_date){2022, 6, 1};
    assert_int_equal(search(fx->st, &q).n, 1); /* 001 was issued 2022-08-19 */
    xk_query_init(&q);
    q.as_of = (xk_date){2026, 6, 1};
    q.expiring_within = 60; /* 001 expires 2026-07-19 */
    hits h = search(fx->st, &q);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.numbers[0], "琼B2-20210620");
    xk_query_init(&q);
    q.issuer = "北京市通信管理局";
    assert_int_equal(search(fx->st, &q).n, 1);
    xk_query_init(&q);
    q.limit = 2;
    assert_int_equal(search(fx->st, &q).n, 2);
    q.after = "琼B2-20220293";
    q.limit = 0;
    assert_int_equal(search(fx->st, &q).n, 1); /* 苏… sorts after 琼… */
}

static void test_remove_hides_from_search_keeps_history(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st);
    xk_error err;
    assert_int_equal(xk_store_remove(fx->st, "苏B2-20201765", "", &err), XK_EUSAGE);
    assert_int_equal(xk_store_remove(fx->st, "苏B2-20201765", "cancelled", &err), XK_OK);
    assert_int_equal(xk_store_remove(fx->st, "苏B2-20201765", "again", &err), XK_ECONFLICT);
    xk_query q;
    xk_query_init(&q);
    assert_int_equal(search(fx->st, &q).n, 3);
    q.include_removed = true;
    assert_int_equal(search(fx->st, &q).n, 4);
    xk_licence *lic;
    xk_licence_info info;
    assert_int_equal(xk_store_get(fx->st, "苏B2-20201765", 0, &lic, &info, &err), XK_OK);
    assert_true(info.removed);
    assert_string_equal(info.removed_reason, "cancelled");
    xk_licence_free(lic);
}

static void test_audit_chain_verifies(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st);
    size_t n;
    xk_error err;
    assert_int_equal(xk_store_audit_verify(fx->st, &n, &err), XK_OK);
    assert_int_equal(n, 4);
}

static void tamper(fixture *fx, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_audit_detects_an_altered_entry(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st);
    tamper(fx, "UPDATE audit SET actor = 'mallory' WHERE id = 2");
    size_t n;
    xk_error err;
    assert_int_equal(xk_store_audit_verify(fx->st, &n, &err), XK_ECONFLICT);
    assert_non_null(strstr(err.message, "entry 2"));
}

static void test_audit_detects_a_deleted_last_entry(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st);
    tamper(fx, "DELETE FROM audit WHERE id = 4");
    size_t n;
    xk_error err;
    assert_int_equal(xk_store_audit_verify(fx->st, &n, &err), XK_ECONFLICT);
    assert_non_null(strstr(err.message, "deleted"));
}

static void test_audit_detects_a_deleted_middle_entry(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st);
    tamper(fx, "DELETE FROM audit WHERE id = 2");
    size_t n;
    xk_error err;
    assert_int_equal(xk_store_audit_verify(fx->st, &n, &err), XK_ECONFLICT);
    assert_non_null(strstr(err.message, "missing"));
}

static void test_transaction_rollback_discards_everything(void **state)
{
    fixture *fx = *state;
    xk_error err;
    assert_int_equal(xk_store_begin(fx->st, &err), XK_OK);
    load_all_seeds(fx->st);
    assert_int_equal(xk_store_rollback(fx->st), XK_OK);
    xk_store_stats s;
    assert_int_equal(xk_store_stats_get(fx->st, &s, &err), XK_OK);
    assert_int_equal(s.licences, 0);
    assert_int_equal(s.audit_entries, 0);
}

static void test_record_with_errors_is_refused(void **state)
{
    fixture *fx = *state;
    const char *t = "经营许可证编号：京B2-20224676\n公司名称：甲公司\n";
    xk_licence *lic;
    xk_error err;
    assert_int_equal(xk_licence_parse(t, strlen(t), NULL, &lic, &err), XK_EINVALID);
    xk_import_result res;
    assert_int_equal(xk_store_put(fx->st, lic, t, strlen(t), "text", &res, &err), XK_EINVALID);
    xk_licence_free(lic);
}

static void test_backup_copies_and_never_overwrites(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st);
    char path[160];
    snprintf(path, sizeof path, "%s/backup.db", fx->dir);
    xk_error err;
    assert_int_equal(xk_store_backup(fx->st, path, &err), XK_OK);
    assert_int_equal(xk_store_backup(fx->st, path, &err), XK_ECONFLICT);
    xk_store *copy;
    assert_int_equal(xk_store_open(path, &copy, &err), XK_OK);
    xk_store_stats s;
    assert_int_equal(xk_store_stats_get(copy, &s, &err), XK_OK);
    assert_int_equal(s.licences, 4);
    size_t n;
    assert_int_equal(xk_store_audit_verify(copy, &n, &err), XK_OK);
    xk_store_close(copy);
}

static void test_reopen_keeps_data_and_refuses_newer_schema(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st);
    xk_store_close(fx->st);
    xk_error err;
    assert_int_equal(xk_store_open(fx->path, &fx->st, &err), XK_OK);
    xk_store_stats s;
    assert_int_equal(xk_store_stats_get(fx->st, &s, &err), XK_OK);
    assert_int_equal(s.licences, 4);
    xk_store_close(fx->st);
    tamper(fx, "UPDATE schema_version SET version = 999");
    assert_int_equal(xk_store_open(fx->path, &fx->st, &err), XK_EDB);
    assert_non_null(strstr(err.message, "newer"));
    fx->st = NULL;
}

static void test_not_a_store_is_a_clear_error(void **state)
{
    fixture *fx = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/junk.db", fx->dir);
    FILE *f = fopen(path, "wb");
    fputs("this is not a database, just text that is long enough to fill a header......", f);
    fclose(f);
    xk_store *st;
    xk_error err;
    assert_int_equal(xk_store_open(path, &st, &err), XK_EDB);
    assert_non_null(strstr(err.message, path));
}

static void collect_report(const xk_import_report *r, void *ctx)
{
    int *counts = ctx;
    counts[r->status == XK_OK ? 0 : 1]++;
}

static void test_import_json_lines_with_a_bad_line(void **state)
{
    fixture *fx = *state;
    size_t len;
    char *text = slurp(FIXTURES "/seeds/000_a96b5bc2dd3fa082.json", &len);
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    char *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char buf[65536];
    snprintf(buf, sizeof buf, "%s\n{not json}\n{\"number\":\"hello\"}\n", line);
    free(line);
    int counts[2] = {0, 0};
    assert_int_equal(xk_import_bytes(fx->st, buf, strlen(buf), NULL, collect_report, counts),
                     XK_EINVALID);
    assert_int_equal(counts[0], 1);
    assert_int_equal(counts[1], 2);
}

/* Inputs for the bulk importer: the four seeds, a missing file, and a document with errors. */
static const char *const bulk_inputs[] = {
    FIXTURES "/seeds/000_a96b5bc2dd3fa082.txt", FIXTURES "/seeds/001_7e3d263de7829148.txt",
    FIXTURES "/no-such-file.txt",               FIXTURES "/seeds/002_48cb51cde2f73ff1.txt",
    "BROKEN",                                   FIXTURES "/seeds/003_76e38eccd87d7b3e.txt",
};

static xk_status bulk_load(size_t i, char **bytes, size_t *len, xk_error *err, void *ctx)
{
    (void)ctx;
    if (strcmp(bulk_inputs[i], "BROKEN") == 0) {
        *bytes = strdup("经营许可证编号：京B2-20224676\n公司名称：甲公司\n");
        *len = strlen(*bytes);
        return XK_OK;
    }
    FILE *f = fopen(bulk_inputs[i], "rb");
    if (!f)
        return xk_error_set(err, XK_EIO, 0, "cannot open");
    *bytes = malloc(1 << 20);
    *len = fread(*bytes, 1, 1 << 20, f);
    fclose(f);
    return XK_OK;
}

typedef struct bulk_seen {
    size_t items[16], n, ok, failed;
} bulk_seen;

static void bulk_report(const xk_import_report *r, void *ctx)
{
    bulk_seen *b = ctx;
    if (b->n < 16)
        b->items[b->n++] = r->item;
    if (r->status == XK_OK)
        b->ok++;
    else
        b->failed++;
}

static void test_bulk_import_reports_in_input_order(void **state)
{
    fixture *fx = *state;
    bulk_seen seen = {0};
    xk_bulk_options o = {NULL, 2, 2, false, NULL, NULL};
    assert_int_equal(xk_import_bulk(fx->st, 6, bulk_load, NULL, &o, bulk_report, &seen),
                     XK_EINVALID);
    assert_int_equal(seen.ok, 4);
    assert_int_equal(seen.failed, 2);
    for (size_t i = 0; i < seen.n; i++)
        assert_int_equal(seen.items[i], i);
    xk_store_stats s;
    xk_error err;
    assert_int_equal(xk_store_stats_get(fx->st, &s, &err), XK_OK);
    assert_int_equal(s.licences, 4);
    size_t n;
    assert_int_equal(xk_store_audit_verify(fx->st, &n, &err), XK_OK);
}

static void test_bulk_import_strict_writes_nothing(void **state)
{
    fixture *fx = *state;
    bulk_seen seen = {0};
    xk_bulk_options o = {NULL, 1, 1, true, NULL, NULL};
    assert_int_equal(xk_import_bulk(fx->st, 6, bulk_load, NULL, &o, bulk_report, &seen),
                     XK_EINVALID);
    xk_store_stats s;
    xk_error err;
    assert_int_equal(xk_store_stats_get(fx->st, &s, &err), XK_OK);
    assert_int_equal(s.licences, 0);
    assert_int_equal(s.audit_entries, 0);
}

/* --- a crash while the WAL is being checkpointed beside a bulk import ----------------------
 * Seed 000 with its number made unique per input (琼B2-2022NNNN): thousands of real-sized
 * licences, enough for the WAL to pass XK_IMPORT_WAL_PAGES several times. */
#define CRASH_SEED_NUMBER "20220293"
#define CRASH_INPUTS 8000
#define CRASH_BATCH 100
/* The database file grows only when a checkpoint copies pages into it (WAL mode): past this
 * size, checkpoints have run during the import. */
#define CRASH_FILE_BYTES (12L << 20)

typedef struct crash_ctx {
    const char *seed;
    size_t seed_len;
    const char *db_path;
    int pipe_fd;
    size_t reported;
} crash_ctx;

static xk_status crash_load(size_t i, char **bytes, size_t *len, xk_error *err, void *vctx)
{
    (void)err;
    const crash_ctx *c = vctx;
    *bytes = malloc(c->seed_len + 1);
    if (!*bytes)
        return XK_ENOMEM;
    memcpy(*bytes, c->seed, c->seed_len + 1);
    *len = c->seed_len;
    char number[16];
    snprintf(number, sizeof number, "2022%04zu", 1000 + i);
    for (char *p = *bytes; (p = strstr(p, CRASH_SEED_NUMBER)) != NULL;)
        memcpy(p, number, 8);
    return XK_OK;
}

/* The child's report callback: once the database file shows checkpoints have run, tells the
 * parent how many licences were reported and dies as a power cut would, mid-batch. */
static void crash_report(const xk_import_report *r, void *vctx)
{
    crash_ctx *c = vctx;
    if (r->status != XK_OK)
        _exit(3);
    c->reported++;
    struct stat sb;
    if (c->reported % CRASH_BATCH != CRASH_BATCH / 2 || stat(c->db_path, &sb) != 0 ||
        sb.st_size < CRASH_FILE_BYTES)
        return;
    if (write(c->pipe_fd, &c->reported, sizeof c->reported) != (ssize_t)sizeof c->reported)
        _exit(4);
    raise(SIGKILL);
}

static void test_bulk_import_killed_mid_checkpoint_keeps_committed_batches(void **state)
{
    fixture *fx = *state;
    crash_ctx c = {0};
    char *seed = slurp(FIXTURES "/seeds/" SEED0, &c.seed_len);
    c.seed = seed;
    char path[160];
    snprintf(path, sizeof path, "%s/crash.db", fx->dir);
    c.db_path = path;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        c.pipe_fd = fds[1];
        xk_store *st;
        xk_error err;
        if (xk_store_open(path, &st, &err) != XK_OK)
            _exit(2);
        xk_bulk_options o = {NULL, 1, CRASH_BATCH, false, NULL, NULL};
        xk_import_bulk(st, CRASH_INPUTS, crash_load, &c, &o, crash_report, &c);
        _exit(0); /* the whole import ran without the file growing: no checkpoint ran */
    }
    close(fds[1]);
    size_t reported = 0;
    ssize_t got = read(fds[0], &reported, sizeof reported);
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    free(seed);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(got, (ssize_t)sizeof reported);
    /* killed while storing licence `reported`: the batches before it were committed, the one
     * it belongs to was not */
    size_t committed = (reported - 1) / CRASH_BATCH * CRASH_BATCH;
    xk_store *st;
    xk_error err;
    assert_int_equal(xk_store_open(path, &st, &err), XK_OK);
    xk_store_stats s;
    assert_int_equal(xk_store_stats_get(st, &s, &err), XK_OK);
    assert_int_equal(s.licences, committed);
    size_t checked;
    assert_int_equal(xk_store_audit_verify(st, &checked, &err), XK_OK);
    assert_int_equal(checked, committed);
    char number[32];
    snprintf(number, sizeof number, "琼B2-2022%04zu", 1000 + committed - 1);
    char *json = NULL;
    assert_int_equal(xk_store_get_json(st, number, 0, &json, NULL, &err), XK_OK);
    free(json);
    snprintf(number, sizeof number, "琼B2-2022%04zu", 1000 + committed);
    assert_int_equal(xk_store_get_json(st, number, 0, &json, NULL, &err), XK_ENOTFOUND);
    xk_store_close(st);
}

typedef struct scan_fault {
    size_t rows;
    bool armed; /* a row was handed out: the next step fails */
} scan_fault;

static bool count_rule_row(const xk_rules_row *row, void *ctx)
{
    (void)row;
    scan_fault *f = ctx;
    f->rows++;
    f->armed = true;
    return true;
}

static int interrupt_when_armed(void *ctx)
{
    return ((scan_fault *)ctx)->armed ? 1 : 0;
}

/* A step that fails mid-scan (here SQLITE_INTERRUPT after the first row) is an error, never the
 * end of the rows: status, agenda and events would come back short with 200. */
static void test_rules_scan_step_failure_is_an_error(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st);
    scan_fault f = {0, false};
    sqlite3_progress_handler(xk_db_sqlite_handle(fx->st->db), 1, interrupt_when_armed, &f);
    xk_error err;
    xk_status rc = xk_store_rules_scan(fx->st, NULL, count_rule_row, &f, &err);
    sqlite3_progress_handler(xk_db_sqlite_handle(fx->st->db), 0, NULL, NULL);
    assert_int_equal(f.rows, 1);
    assert_int_equal(rc, XK_EDB);
    assert_non_null(strstr(err.message, "interrupted"));
}

/* --- evidence and corrections --------------------------------------------------------------- */

#define SEED0_NUMBER "琼B2-20220293"

static const char pdf_bytes[] = "%PDF-1.4\n% a receipt\n%%EOF\n";
static const char png_bytes[] = "\x89PNG\r\n\x1a\n0000IHDR";

static xk_event annual_report(int year, const char *date)
{
    xk_event ev;
    memset(&ev, 0, sizeof ev);
    snprintf(ev.type, sizeof ev.type, "annual_report_filed");
    xk_date_parse_iso(date, &ev.date);
    ev.year = year;
    return ev;
}

static long long count_rows(fixture *fx, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long long n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

static void test_evidence_is_stored_once_and_listed_in_order(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    long long docs = count_rows(fx, "SELECT count(*) FROM documents");
    xk_evidence_file files[] = {{"回执.pdf", "pdf", pdf_bytes, sizeof pdf_bytes - 1},
                                {"notice.png", "png", png_bytes, sizeof png_bytes - 1}};
    xk_event ev = annual_report(2023, "2024-03-01");
    long first, second;
    xk_error err;
    assert_int_equal(xk_store_event_add_files(fx->st, SEED0_NUMBER, &ev, files, 2, &first, &err),
                     XK_OK);
    ev = annual_report(2024, "2025-03-01");
    assert_int_equal(xk_store_event_add_files(fx->st, SEED0_NUMBER, &ev, files, 1, &second, &err),
                     XK_OK);
    /* two new files, the PDF given twice: two documents more, three evidence rows */
    assert_int_equal(count_rows(fx, "SELECT count(*) FROM documents"), docs + 2);
    xk_evidence *kept;
    size_t n;
    assert_int_equal(xk_store_evidence(fx->st, SEED0_NUMBER, &kept, &n, &err), XK_OK);
    assert_int_equal(n, 3);
    assert_int_equal(kept[0].event_id, first);
    assert_string_equal(kept[0].name, "回执.pdf");
    assert_int_equal(kept[1].position, 2);
    assert_string_equal(kept[1].kind, "png");
    assert_int_equal(kept[2].event_id, second);
    assert_string_equal(kept[2].sha256, kept[0].sha256);
    char *bytes;
    size_t len;
    xk_evidence meta;
    assert_int_equal(xk_store_evidence_file(fx->st, kept[1].sha256, &bytes, &len, &meta, &err),
                     XK_OK);
    assert_memory_equal(bytes, png_bytes, sizeof png_bytes - 1);
    assert_int_equal(len, sizeof png_bytes - 1);
    free(bytes);
    free(kept);
    size_t checked;
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_OK);
}

static void test_evidence_over_a_limit_stores_nothing(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    long long events = count_rows(fx, "SELECT count(*) FROM events");
    char *big = calloc(1, XK_MAX_EVIDENCE_BYTES + 1);
    memcpy(big, "%PDF-", 5);
    xk_evidence_file files[] = {{"big.pdf", "pdf", big, XK_MAX_EVIDENCE_BYTES + 1}};
    xk_event ev = annual_report(2023, "2024-03-01");
    long id;
    xk_error err;
    assert_int_equal(xk_store_event_add_files(fx->st, SEED0_NUMBER, &ev, files, 1, &id, &err),
                     XK_EUSAGE);
    assert_non_null(strstr(err.message, "limit"));
    files[0] = (xk_evidence_file){"a/b.pdf", "pdf", pdf_bytes, sizeof pdf_bytes - 1};
    assert_int_equal(xk_store_event_add_files(fx->st, SEED0_NUMBER, &ev, files, 1, &id, &err),
                     XK_EUSAGE);
    files[0] = (xk_evidence_file){"b.txt", "text", pdf_bytes, sizeof pdf_bytes - 1};
    assert_int_equal(xk_store_event_add_files(fx->st, SEED0_NUMBER, &ev, files, 1, &id, &err),
                     XK_EUSAGE);
    xk_evidence_file many[XK_MAX_EVIDENCE_FILES + 1];
    for (size_t i = 0; i < XK_MAX_EVIDENCE_FILES + 1; i++)
        many[i] = (xk_evidence_file){"r.pdf", "pdf", pdf_bytes, sizeof pdf_bytes - 1};
    assert_int_equal(xk_store_event_add_files(fx->st, SEED0_NUMBER, &ev, many,
                                              XK_MAX_EVIDENCE_FILES + 1, &id, &err),
                     XK_EUSAGE);
    assert_int_equal(count_rows(fx, "SELECT count(*) FROM events"), events);
    assert_int_equal(count_rows(fx, "SELECT count(*) FROM evidence"), 0);
    free(big);
}

static bool count_events(const xk_rules_row *row, void *ctx)
{
    *(size_t *)ctx = row->n_events;
    return true;
}

static void test_correction_undoes_without_deleting(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    xk_event ev = annual_report(2023, "2024-03-01");
    long id, correction;
    xk_error err;
    assert_int_equal(xk_store_event_add(fx->st, SEED0_NUMBER, &ev, &id, &err), XK_OK);
    size_t counted = 0;
    assert_int_equal(xk_store_rules_scan(fx->st, SEED0_NUMBER, count_events, &counted, &err),
                     XK_OK);
    assert_int_equal(counted, 1);
    char number[64];
    assert_int_equal(xk_store_event_correct(fx->st, id, "wrong year", number, &correction, &err),
                     XK_OK);
    assert_string_equal(number, SEED0_NUMBER);
    assert_true(correction > id);
    /* the rules see neither the corrected event nor the correction */
    assert_int_equal(xk_store_rules_scan(fx->st, SEED0_NUMBER, count_events, &counted, &err),
                     XK_OK);
    assert_int_equal(counted, 0);
    /* both are listed; the corrected one reads voided, by whom and why, from the correction */
    xk_event *evs;
    size_t n;
    assert_int_equal(xk_store_events(fx->st, SEED0_NUMBER, &evs, &n, &err), XK_OK);
    assert_int_equal(n, 2);
    const xk_event *old = evs[0].id == id ? &evs[0] : &evs[1];
    const xk_event *fix = evs[0].id == id ? &evs[1] : &evs[0];
    assert_string_equal(old->void_reason, "wrong year");
    assert_string_equal(old->voided_by, "tester");
    assert_true(*old->voided_at);
    assert_string_equal(fix->type, XK_EVENT_CORRECTION);
    char ref[24];
    snprintf(ref, sizeof ref, "%ld", id);
    assert_string_equal(fix->ref, ref);
    assert_string_equal(fix->voided_at, "");
    free(evs);
    /* the original row is as it was written: nothing updated in place */
    assert_int_equal(count_rows(fx, "SELECT count(*) FROM events WHERE voided_at <> ''"), 0);
    assert_int_equal(xk_store_event_correct(fx->st, id, "again", NULL, NULL, &err), XK_ECONFLICT);
    assert_int_equal(xk_store_event_correct(fx->st, correction, "undo the undo", NULL, NULL, &err),
                     XK_ECONFLICT);
    assert_int_equal(xk_store_event_correct(fx->st, id + 100, "x", NULL, NULL, &err),
                     XK_ENOTFOUND);
    size_t checked;
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_OK);
}

static void test_audit_detects_swapped_or_unlinked_evidence(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    xk_evidence_file files[] = {{"r.pdf", "pdf", pdf_bytes, sizeof pdf_bytes - 1}};
    xk_event ev = annual_report(2023, "2024-03-01");
    long id;
    xk_error err;
    assert_int_equal(xk_store_event_add_files(fx->st, SEED0_NUMBER, &ev, files, 1, &id, &err),
                     XK_OK);
    size_t checked;
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_OK);
    tamper(fx, "UPDATE documents SET body = CAST('%PDF-forged' AS BLOB) WHERE kind = 'pdf'");
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_ECONFLICT);
    assert_non_null(strstr(err.message, "evidence"));
    tamper(fx, "DELETE FROM evidence");
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_ECONFLICT);
    assert_non_null(strstr(err.message, "evidence"));
}

static void test_corrections_are_kept_apart_per_version(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    xk_correction c[2];
    memset(c, 0, sizeof c);
    snprintf(c[0].field, sizeof c[0].field, "company");
    snprintf(c[0].read_value, sizeof c[0].read_value, "海南小荷健康网络技木有限公司");
    snprintf(c[0].corrected_value, sizeof c[0].corrected_value, "海南小荷健康网络技术有限公司");
    snprintf(c[1].field, sizeof c[1].field, "issued");
    snprintf(c[1].read_value, sizeof c[1].read_value, "2022-04-16");
    snprintf(c[1].corrected_value, sizeof c[1].corrected_value, "2022-04-15");
    xk_error err;
    assert_int_equal(xk_store_put_corrections(fx->st, SEED0_NUMBER, 1, c, 2, &err), XK_OK);
    xk_correction *got;
    int *versions;
    size_t n;
    assert_int_equal(xk_store_corrections(fx->st, SEED0_NUMBER, 0, &got, &versions, &n, &err),
                     XK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(versions[1], 1);
    assert_string_equal(got[0].field, "company");
    assert_string_equal(got[0].read_value, "海南小荷健康网络技木有限公司");
    assert_string_equal(got[1].corrected_value, "2022-04-15");
    assert_string_equal(got[1].actor, "tester");
    free(got);
    free(versions);
    assert_int_equal(xk_store_corrections(fx->st, SEED0_NUMBER, 2, &got, NULL, &n, &err), XK_OK);
    assert_int_equal(n, 0);
    free(got);
    assert_int_equal(xk_store_put_corrections(fx->st, SEED0_NUMBER, 1, c, 0, &err), XK_EUSAGE);
    assert_int_equal(xk_store_put_corrections(fx->st, "京B2-20000000", 1, c, 1, &err),
                     XK_ENOTFOUND);
    size_t checked;
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_OK);
}

/* Corrections are part of the licence's content in the audit chain: a correction row changed
 * or deleted with sqlite3 fails verification, as an evidence row does. */
static void test_audit_detects_a_tampered_correction(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    xk_correction c;
    memset(&c, 0, sizeof c);
    snprintf(c.field, sizeof c.field, "company");
    snprintf(c.read_value, sizeof c.read_value, "海南小荷健康网络技木有限公司");
    snprintf(c.corrected_value, sizeof c.corrected_value, "海南小荷健康网络技术有限公司");
    xk_error err;
    assert_int_equal(xk_store_put_corrections(fx->st, SEED0_NUMBER, 1, &c, 1, &err), XK_OK);
    size_t checked;
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_OK);
    tamper(fx, "UPDATE corrections SET corrected_value = '海南某某有限公司'");
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_ECONFLICT);
    assert_non_null(strstr(err.message, "corrections"));
    tamper(fx, "UPDATE corrections SET corrected_value = '海南小荷健康网络技术有限公司'");
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_OK);
    tamper(fx, "UPDATE corrections SET actor = 'mallory'");
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_ECONFLICT);
    tamper(fx, "DELETE FROM corrections");
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_ECONFLICT);
    assert_non_null(strstr(err.message, "corrections"));
}

/* A version corrected twice (a reviewed scan imported again onto the version it left unchanged)
 * keeps both reviews, the second after the first. */
static void test_corrections_twice_on_a_version_follow_each_other(void **state)
{
    fixture *fx = *state;
    xk_import_result res;
    assert_int_equal(put_seed(fx->st, SEED0, &res), XK_OK);
    xk_correction c;
    memset(&c, 0, sizeof c);
    snprintf(c.field, sizeof c.field, "legal_representative");
    snprintf(c.read_value, sizeof c.read_value, "吴海锋");
    snprintf(c.corrected_value, sizeof c.corrected_value, "吴海峰");
    xk_error err;
    assert_int_equal(xk_store_put_corrections(fx->st, SEED0_NUMBER, 1, &c, 1, &err), XK_OK);
    snprintf(c.corrected_value, sizeof c.corrected_value, "吴海丰");
    assert_int_equal(xk_store_put_corrections(fx->st, SEED0_NUMBER, 1, &c, 1, &err), XK_OK);
    xk_correction *got;
    size_t n;
    assert_int_equal(xk_store_corrections(fx->st, SEED0_NUMBER, 1, &got, NULL, &n, &err), XK_OK);
    assert_int_equal(n, 2);
    assert_string_equal(got[0].corrected_value, "吴海峰");
    assert_string_equal(got[1].corrected_value, "吴海丰");
    free(got);
    size_t checked;
    assert_int_equal(xk_store_audit_verify(fx->st, &checked, &err), XK_OK);
}

/* Inside xk_store_begin … commit the audit head is kept by the store and written to audit_head
 * once, before COMMIT (audit.c, head_write): the entries must chain on it, a reading of the
 * revision or the counts inside the transaction must see them, a rollback must drop it with the
 * entries, and a verification in the middle of the transaction must find the head written. */
static long long head_entries(fixture *fx)
{
    return count_rows(fx, "SELECT entries FROM audit_head");
}

static void record_event(fixture *fx, int year)
{
    char day[24];
    snprintf(day, sizeof day, "%d-03-01", year + 1);
    xk_event ev = annual_report(year, day);
    long id;
    xk_error err;
    assert_int_equal(xk_store_event_add(fx->st, SEED0_NUMBER, &ev, &id, &err), XK_OK);
}

static void test_audit_head_written_once_per_transaction(void **state)
{
    fixture *fx = *state;
    load_all_seeds(fx->st); /* 4 entries */
    xk_error err;
    xk_store_revision rev;
    xk_store_stats stats;
    assert_int_equal(xk_store_begin(fx->st, &err), XK_OK);
    for (int y = 2020; y < 2023; y++)
        record_event(fx, y);
    assert_int_equal(xk_store_revision_get(fx->st, &rev, &err), XK_OK);
    assert_int_equal(rev.entries, 7);
    assert_int_equal(xk_store_stats_get(fx->st, &stats, &err), XK_OK);
    assert_int_equal(stats.audit_entries, 7);
    assert_int_equal(xk_store_rollback(fx->st), XK_OK);
    assert_int_equal(xk_store_revision_get(fx->st, &rev, &err), XK_OK);
    assert_int_equal(rev.entries, 4);
    assert_int_equal(head_entries(fx), 4);

    assert_int_equal(xk_store_begin(fx->st, &err), XK_OK);
    record_event(fx, 2020);
    record_event(fx, 2021);
    size_t n;
    assert_int_equal(xk_store_audit_verify(fx->st, &n, &err), XK_OK); /* mid-transaction */
    assert_int_equal(n, 6);
    record_event(fx, 2022);
    assert_int_equal(xk_store_commit(fx->st, &err), XK_OK);
    assert_int_equal(head_entries(fx), 7);
    assert_int_equal(xk_store_audit_verify(fx->st, &n, &err), XK_OK);
    assert_int_equal(n, 7);
    record_event(fx, 2023); /* a write of its own after the transaction chains on its head */
    assert_int_equal(head_entries(fx), 8);
    assert_int_equal(xk_store_audit_verify(fx->st, &n, &err), XK_OK);
    assert_int_equal(n, 8);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_store_put_then_get),
        T(test_store_refuses_an_unresolved_province),
        T(test_store_same_document_twice_changes_nothing),
        T(test_store_changed_document_is_a_new_version),
        T(test_store_get_unknown_is_not_found),
        T(test_search_domain_resolves_subdomains),
        T(test_search_company_any_part),
        T(test_company_index_follows_versions_and_rollback),
        T(test_company_index_made_and_changed_in_one_batch),
        T(test_new_licence_state_is_the_rows_read_back),
        T(test_company_search_pages_by_number),
        T(test_search_filters_combine),
        T(test_remove_hides_from_search_keeps_history),
        T(test_audit_chain_verifies),
        T(test_audit_detects_an_altered_entry),
        T(test_audit_detects_a_deleted_last_entry),
        T(test_audit_detects_a_deleted_middle_entry),
        T(test_audit_detects_a_tampered_correction),
        T(test_corrections_twice_on_a_version_follow_each_other),
        T(test_transaction_rollback_discards_everything),
        T(test_audit_head_written_once_per_transaction),
        T(test_record_with_errors_is_refused),
        T(test_backup_copies_and_never_overwrites),
        T(test_reopen_keeps_data_and_refuses_newer_schema),
        T(test_not_a_store_is_a_clear_error),
        T(test_import_json_lines_with_a_bad_line),
        T(test_bulk_import_reports_in_input_order),
        T(test_bulk_import_strict_writes_nothing),
        T(test_bulk_import_killed_mid_checkpoint_keeps_committed_batches),
        T(test_rules_scan_step_failure_is_an_error),
        T(test_evidence_is_stored_once_and_listed_in_order),
        T(test_evidence_over_a_limit_stores_nothing),
        T(test_correction_undoes_without_deleting),
        T(test_audit_detects_swapped_or_unlinked_evidence),
        T(test_corrections_are_kept_apart_per_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
