/*
 * Unit tests of the due-diligence checks: credit codes against GB 32100-2015 (published codes
 * and codes with one character changed), company names compared after normalising and never
 * fuzzily, and the list readers on the fixture files of tests/fixtures/lists (CSV re-encoded
 * to GB18030 here, a notice's numbered text, a copied table), each bad file refused with its
 * line, and matches in the store on number, credit code and name; and what a homepage shows
 * (tests/fixtures/sites: the number in its footer, spelt with references and full-width forms,
 * only in scripts, another licence's, a GBK page).
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
#include <iconv.h>

#include "xuke/lists.h"
#include "xuke/sites.h"
#include "xuke/xuke.h"

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", FIXTURES, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static char *gb18030(const char *utf8, size_t len, size_t *out_len)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t cap = len * 2 + 16, left = cap;
    char *out = malloc(cap), *o = out;
    char *in = (char *)utf8;
    size_t in_left = len;
    assert_true(iconv(cd, &in, &in_left, &o, &left) != (size_t)-1);
    iconv_close(cd);
    *out_len = cap - left;
    return out;
}

/* --- credit codes ---------------------------------------------------------------------------- */

static void test_published_credit_codes_pass(void **state)
{
    (void)state;
    /* codes as their companies publish them */
    const char *codes[] = {"91110000802100433B", "914403001922038216", "9144030071526726XG",
                           "91330100799655058B"};
    for (size_t i = 0; i < 4; i++)
        assert_true(xk_credit_code_valid(codes[i], strlen(codes[i])));
}

static void test_credit_code_with_one_character_changed_fails(void **state)
{
    (void)state;
    assert_false(xk_credit_code_valid("91110000802100433A", 18));
    assert_false(xk_credit_code_valid("91110000802100434B", 18));
    assert_false(xk_credit_code_valid("9144030071526726XH", 18));
}

static void test_credit_code_outside_the_alphabet_or_length_fails(void **state)
{
    (void)state;
    assert_false(xk_credit_code_valid("9111000080210043I3B", 19)); /* too long */
    assert_false(xk_credit_code_valid("91110000802100433", 17));
    assert_false(xk_credit_code_valid("9111000080210O433B", 18)); /* O is not in it */
}

/* --- names ----------------------------------------------------------------------------------- */

static bool same_name(const char *a, const char *b)
{
    char na[256], nb[256];
    assert_true(xk_company_normalise(a, strlen(a), na, sizeof na));
    assert_true(xk_company_normalise(b, strlen(b), nb, sizeof nb));
    return strcmp(na, nb) == 0;
}

static void test_names_equal_across_widths_brackets_and_spaces(void **state)
{
    (void)state;
    assert_true(same_name("好美信息技术（北京）有限公司", "好美信息技术(北京)有限公司"));
    assert_true(same_name("好美信息技术【北京】有限公司", "好美信息技术 (北京) 有限公司"));
    assert_true(same_name("ＡＢＣ网络科技有限公司", "abc网络科技有限公司"));
}

static void test_near_identical_names_differ(void **state)
{
    (void)state;
    assert_false(same_name("南通佰易网络科技有限公司", "南通佰易网络科技股份有限公司"));
    assert_false(same_name("海南小荷健康网络技术有限公司", "海南小荷健康互联网医院有限公司"));
    assert_false(same_name("好美信息技术（北京）有限公司", "好美信息技术（上海）有限公司"));
    assert_false(same_name("海南小荷健康网络技术有限公司", "海南小荷健康网络技术有限公司分公司"));
}

/* --- reading lists --------------------------------------------------------------------------- */

static void assert_cancelled_entries(const xk_list *l)
{
    assert_int_equal(l->n, 4);
    assert_string_equal(l->entries[0].company, "海南小荷健康网络技术有限公司");
    assert_string_equal(l->entries[0].number, "琼B2-20220293");
    assert_string_equal(l->entries[0].credit_code, "91460000MA5T0XH7Q0");
    assert_true(l->entries[0].credit_code_valid);
    assert_string_equal(l->entries[0].date, "2024-03-06");
    assert_string_equal(l->entries[0].reason, "许可证有效期届满，未申请续办");
    assert_string_equal(l->entries[0].authority, "海南省通信管理局");
    assert_int_equal(l->entries[0].line, 3);
    assert_string_equal(l->entries[1].date, "2024-03-05");
    assert_string_equal(l->entries[2].date, "2024-03-07");
    assert_string_equal(l->entries[3].company, "示例科技有限公司，含\"引号\"");
    assert_false(l->entries[3].credit_code_valid);
    assert_int_equal(l->n_notes, 1);
    assert_int_equal(l->notes[0].line, 6);
    assert_non_null(strstr(l->notes[0].message, "91110105MA01R4WQ5X"));
}

static void test_csv_utf8_reads_every_field(void **state)
{
    (void)state;
    size_t len;
    char *bytes = slurp("lists/cancelled.csv", &len);
    xk_list l;
    xk_error err;
    assert_int_equal(xk_list_parse(bytes, len, &l, &err), XK_OK);
    assert_string_equal(l.format, "csv");
    assert_cancelled_entries(&l);
    xk_list_free(&l);
    free(bytes);
}

static void test_csv_gb18030_reads_as_utf8(void **state)
{
    (void)state;
    size_t len, glen;
    char *bytes = slurp("lists/cancelled.csv", &len);
    char *g = gb18030(bytes, len, &glen);
    assert_true(glen != len); /* really re-encoded */
    xk_list l;
    xk_error err;
    assert_int_equal(xk_list_parse(g, glen, &l, &err), XK_OK);
    assert_cancelled_entries(&l);
    xk_list_free(&l);
    free(g);
    free(bytes);
}

static void test_notice_numbered_entries(void **state)
{
    (void)state;
    size_t len;
    char *bytes = slurp("lists/dishonest.notice", &len);
    xk_list l;
    xk_error err;
    assert_int_equal(xk_list_parse(bytes, len, &l, &err), XK_OK);
    assert_string_equal(l.format, "notice");
    assert_int_equal(l.n, 3);
    assert_string_equal(l.entries[0].company, "海南小荷健康网络技术(海南)有限公司");
    assert_string_equal(l.entries[0].credit_code, "91460000MA5T0XH7Q0");
    assert_string_equal(l.entries[0].reason, "提供虚假材料");
    assert_string_equal(l.entries[0].date, "2024-05-20");
    assert_int_equal(l.entries[0].line, 5);
    assert_false(l.entries[1].credit_code_valid);
    assert_string_equal(l.entries[2].company, "南通 佰易 网络科技有限公司");
    assert_string_equal(l.entries[2].number, "苏B2-20201765");
    assert_int_equal(l.n_notes, 1);
    xk_list_free(&l);
    free(bytes);
}

static void test_copied_table_reads_its_header(void **state)
{
    (void)state;
    size_t len;
    char *bytes = slurp("lists/poor_conduct.tsv", &len);
    xk_list l;
    xk_error err;
    assert_int_equal(xk_list_parse(bytes, len, &l, &err), XK_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.entries[1].company, "海南小荷健康网络技术有限公司");
    assert_string_equal(l.entries[1].date, "2024-06-02");
    xk_list_free(&l);
    free(bytes);
}

static void refused(const char *name, int line, const char *words)
{
    size_t len;
    char *bytes = slurp(name, &len);
    xk_list l;
    xk_error err;
    xk_error_clear(&err);
    assert_int_not_equal(xk_list_parse(bytes, len, &l, &err), XK_OK);
    assert_int_equal(err.line, line);
    assert_non_null(strstr(err.message, words));
    assert_int_equal(l.n, 0);
    free(bytes);
}

static void test_bad_files_are_refused_with_their_line(void **state)
{
    (void)state;
    refused("lists/not_a_list.csv", 0, "not a published list");
    refused("lists/bad_number.csv", 3, "is not one");
    refused("lists/bad_date.csv", 3, "2024-02-30");
}

static void test_unclosed_quote_names_its_line(void **state)
{
    (void)state;
    const char text[] = "企业名称,许可证编号\n好美信息技术（北京）有限公司,京B2-20224676\n\"未闭合,x\n";
    xk_list l;
    xk_error err;
    assert_int_not_equal(xk_list_parse(text, sizeof text - 1, &l, &err), XK_OK);
    assert_int_equal(err.line, 3);
}

static void test_zip_that_is_not_a_workbook_is_refused(void **state)
{
    (void)state;
    const char junk[] = "PK\x03\x04 this is not a zip archive at all";
    xk_list l;
    xk_error err;
    assert_int_not_equal(xk_list_parse(junk, sizeof junk - 1, &l, &err), XK_OK);
    assert_non_null(strstr(err.message, "XLSX"));
}

/* --- what a homepage shows ------------------------------------------------------------------ */

static xk_site_check analysed(const char *name, bool to_gbk, const char *content_type)
{
    size_t len;
    char *bytes = slurp(name, &len);
    xk_site_check c;
    memset(&c, 0, sizeof c);
    if (to_gbk) {
        size_t glen;
        char *g = gb18030(bytes, len, &glen);
        xk_site_analyse("京B2-20224676", g, glen, content_type, &c);
        free(g);
    } else {
        xk_site_analyse("京B2-20224676", bytes, len, content_type, &c);
    }
    free(bytes);
    return c;
}

static void test_page_showing_the_number_in_its_footer(void **state)
{
    (void)state;
    xk_site_check c = analysed("sites/shown.html", false, "text/html");
    assert_string_equal(c.result, "shown");
    assert_string_equal(c.icp_filing, "京ICP备18012345号-2");
}

static void test_number_with_references_full_width_and_spaces(void **state)
{
    (void)state;
    xk_site_check c = analysed("sites/spaced.html", false, NULL);
    assert_string_equal(c.result, "shown");
    assert_string_equal(c.icp_filing, "京ICP备18012345号");
}

static void test_number_only_in_scripts_comments_and_hidden_is_not_shown(void **state)
{
    (void)state;
    xk_site_check c = analysed("sites/script.html", false, "text/html; charset=utf-8");
    assert_string_equal(c.result, "not_shown");
    assert_string_equal(c.icp_filing, "京ICP备18012345号");
}

static void test_another_licences_number(void **state)
{
    (void)state;
    xk_site_check c = analysed("sites/other.html", false, "text/html");
    assert_string_equal(c.result, "other_number");
    assert_string_equal(c.found_number, "琼B2-20220293");
    assert_string_equal(c.icp_filing, "琼ICP备19001234号-1");
}

static void test_gbk_page_by_its_meta_and_by_its_header(void **state)
{
    (void)state;
    xk_site_check c = analysed("sites/gbk.html", true, "text/html");
    assert_string_equal(c.result, "shown");
    c = analysed("sites/gbk.html", true, "text/html; charset=GBK");
    assert_string_equal(c.result, "shown");
    assert_string_equal(c.icp_filing, "京ICP备18012345号-2");
}

static void test_page_without_either_number(void **state)
{
    (void)state;
    xk_site_check c = analysed("sites/none.html", false, "text/html");
    assert_string_equal(c.result, "not_shown");
    assert_string_equal(c.icp_filing, "");
}

/* --- matching in the store ------------------------------------------------------------------- */

typedef struct store_fixture {
    char dir[64], path[128];
    xk_store *st;
} store_fixture;

static void put_seed(xk_store *st, const char *name)
{
    size_t len;
    char *text = slurp(name, &len);
    xk_licence *lic;
    xk_error err;
    assert_int_equal(xk_licence_parse(text, len, NULL, &lic, &err), XK_OK);
    xk_import_result res;
    assert_int_equal(xk_store_put(st, lic, text, len, "text", &res, &err), XK_OK);
    xk_licence_free(lic);
    free(text);
}

static int store_setup(void **state)
{
    store_fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/xk-checks-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    xk_error err;
    assert_int_equal(xk_store_open(f->path, &f->st, &err), XK_OK);
    xk_store_set_actor(f->st, "test");
    put_seed(f->st, "seeds/000_a96b5bc2dd3fa082.txt");
    put_seed(f->st, "seeds/001_7e3d263de7829148.txt");
    put_seed(f->st, "seeds/002_48cb51cde2f73ff1.txt");
    put_seed(f->st, "seeds/003_76e38eccd87d7b3e.txt");
    *state = f;
    return 0;
}

static int store_teardown(void **state)
{
    store_fixture *f = *state;
    xk_store_close(f->st);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void import(xk_store *st, xk_list_kind kind, const char *name)
{
    size_t len;
    char *bytes = slurp(name, &len);
    xk_list l;
    xk_list_info info;
    xk_error err;
    assert_int_equal(xk_list_import(st, kind, "test", "2024-06-03", bytes, len, &l, &info, &err),
                     XK_OK);
    xk_list_free(&l);
    free(bytes);
}

/* The matched_on of the entry of list kind at line, or NULL when it does not match. */
static const char *matched(xk_store *st, const char *number, const char *kind, int line)
{
    static char on[16];
    xk_list_match *m;
    size_t n;
    xk_error err;
    assert_int_equal(xk_store_list_matches(st, number, &m, &n, &err), XK_OK);
    const char *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(m[i].kind, kind) == 0 && m[i].entry.line == line) {
            snprintf(on, sizeof on, "%s", m[i].matched_on);
            found = on;
        }
    free(m);
    return found;
}

static void test_matches_say_what_they_matched_on(void **state)
{
    store_fixture *f = *state;
    import(f->st, XK_LIST_CANCELLED, "lists/cancelled.csv");
    import(f->st, XK_LIST_DISHONEST, "lists/dishonest.notice");
    assert_string_equal(matched(f->st, "琼B2-20220293", "cancelled", 3), "number");
    assert_string_equal(matched(f->st, "琼B2-20220293", "dishonest", 5), "credit_code");
    assert_string_equal(matched(f->st, "京B2-20224676", "cancelled", 4), "company");
    assert_string_equal(matched(f->st, "苏B2-20201765", "dishonest", 7), "number");
}

static void test_near_identical_names_do_not_match(void **state)
{
    store_fixture *f = *state;
    import(f->st, XK_LIST_CANCELLED, "lists/cancelled.csv");
    import(f->st, XK_LIST_DISHONEST, "lists/dishonest.notice");
    /* 南通佰易网络科技股份有限公司 is not 南通佰易网络科技有限公司 */
    assert_null(matched(f->st, "苏B2-20201765", "cancelled", 5));
    /* 海南小荷健康互联网医院有限公司（分院）, with a bad code, is not the licensee */
    assert_null(matched(f->st, "琼B2-20210620", "dishonest", 6));
}

static void test_reimport_is_a_new_version_matched_once(void **state)
{
    store_fixture *f = *state;
    import(f->st, XK_LIST_CANCELLED, "lists/cancelled.csv");
    import(f->st, XK_LIST_CANCELLED, "lists/cancelled.csv");
    xk_list_info *l;
    size_t n;
    xk_error err;
    assert_int_equal(xk_store_lists(f->st, &l, &n, &err), XK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(l[1].version, 2);
    free(l);
    xk_list_match *m;
    assert_int_equal(xk_store_list_matches(f->st, "琼B2-20220293", &m, &n, &err), XK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(m[0].version, 2);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_credit_codes_pass),
        cmocka_unit_test(test_credit_code_with_one_character_changed_fails),
        cmocka_unit_test(test_credit_code_outside_the_alphabet_or_length_fails),
        cmocka_unit_test(test_names_equal_across_widths_brackets_and_spaces),
        cmocka_unit_test(test_near_identical_names_differ),
        cmocka_unit_test(test_csv_utf8_reads_every_field),
        cmocka_unit_test(test_csv_gb18030_reads_as_utf8),
        cmocka_unit_test(test_notice_numbered_entries),
        cmocka_unit_test(test_copied_table_reads_its_header),
        cmocka_unit_test(test_bad_files_are_refused_with_their_line),
        cmocka_unit_test(test_unclosed_quote_names_its_line),
        cmocka_unit_test(test_zip_that_is_not_a_workbook_is_refused),
        cmocka_unit_test(test_page_showing_the_number_in_its_footer),
        cmocka_unit_test(test_number_with_references_full_width_and_spaces),
        cmocka_unit_test(test_number_only_in_scripts_comments_and_hidden_is_not_shown),
        cmocka_unit_test(test_another_licences_number),
        cmocka_unit_test(test_gbk_page_by_its_meta_and_by_its_header),
        cmocka_unit_test(test_page_without_either_number),
        cmocka_unit_test_setup_teardown(test_matches_say_what_they_matched_on, store_setup,
                                        store_teardown),
        cmocka_unit_test_setup_teardown(test_near_identical_names_do_not_match, store_setup,
                                        store_teardown),
        cmocka_unit_test_setup_teardown(test_reimport_is_a_new_version_matched_once, store_setup,
                                        store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
