/* Unit tests of record validation: hosts, numbers, dates, categories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xuke/validate.h"
#include "xuke/xuke.h"

static void test_host_names(void **state)
{
    (void)state;
    const char *good[] = {"xiaohe.cn", "1024yiyuan.com", "a-b.example.com.cn", "中文.cn",
                          "xn--fiqs8s.cn"};
    const char *bad[] = {"localhost", "iyyhd..com", "-a.com", "a-.com", "1.2.3.4", "a b.com",
                         "a_b.com", ""};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(xk_host_valid(good[i], strlen(good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(xk_host_valid(bad[i], strlen(bad[i])));
    char longlabel[80];
    memset(longlabel, 'a', 64);
    memcpy(longlabel + 64, ".cn", 4);
    assert_false(xk_host_valid(longlabel, strlen(longlabel)));
}

/* A valid record built in code, then broken one field at a time. */
static xk_licence *record(const char *number, xk_date issued, xk_date expires, const char *code)
{
    xk_licence *lic = xk_licence_new();
    xk_number n;
    assert_true(xk_number_normalise(number, strlen(number), &n));
    lic->number = xk_licence_strdup(lic, n.text, strlen(n.text));
    lic->region = xk_licence_strdup(lic, n.region, strlen(n.region));
    lic->category = xk_licence_strdup(lic, n.category, strlen(n.category));
    lic->number_year = n.year;
    lic->company = "示例科技有限公司";
    lic->legal_representative = "张三";
    lic->issued = issued;
    lic->expires = expires;
    xk_service *s = xk_licence_add_service(lic);
    strcpy(s->code, code);
    s->name = "x";
    xk_provision *p = xk_licence_add_provision(lic);
    p->no = 1;
    p->text = "t";
    xk_licence_validate(lic);
    return lic;
}

static bool has_problem(const xk_licence *lic, xk_severity sev, const char *needle)
{
    for (size_t i = 0; i < lic->n_problems; i++)
        if (lic->problems[i].severity == sev && strstr(lic->problems[i].message, needle))
            return true;
    return false;
}

static void test_validate_good_record_has_no_problems(void **state)
{
    (void)state;
    xk_licence *lic = record("京B2-20224676", (xk_date){2022, 3, 1}, (xk_date){2027, 3, 1}, "B25");
    assert_int_equal(lic->n_problems, 0);
    xk_licence_free(lic);
}

static void test_validate_reissue_is_a_warning(void **state)
{
    (void)state;
    xk_licence *lic = record("琼B2-20210620", (xk_date){2022, 8, 19}, (xk_date){2026, 7, 19}, "B25");
    assert_int_equal(xk_licence_error_count(lic), 0);
    assert_true(has_problem(lic, XK_SEV_WARNING, "reissued"));
    xk_licence_free(lic);
}

static void test_validate_five_years_at_most(void **state)
{
    (void)state;
    xk_licence *lic = record("京B2-20224676", (xk_date){2022, 3, 1}, (xk_date){2027, 3, 2}, "B25");
    assert_true(has_problem(lic, XK_SEV_ERROR, "more than five years"));
    xk_licence_free(lic);
}

static void test_validate_service_must_fit_category(void **state)
{
    (void)state;
    xk_licence *lic = record("京B2-20224676", (xk_date){2022, 3, 1}, (xk_date){2027, 3, 1}, "B11");
    assert_true(has_problem(lic, XK_SEV_ERROR, "category B1 service"));
    xk_licence_free(lic);
    lic = record("京B1.B2-20224676", (xk_date){2022, 3, 1}, (xk_date){2027, 3, 1}, "B11");
    assert_int_equal(xk_licence_error_count(lic), 0);
    xk_licence_free(lic);
}

static void test_validate_basic_telecom_number_is_refused(void **state)
{
    (void)state;
    xk_licence *lic = record("A2-20224676", (xk_date){2022, 3, 1}, (xk_date){2027, 3, 1}, "B25");
    assert_true(has_problem(lic, XK_SEV_ERROR, "basic telecom"));
    xk_licence_free(lic);
}

static void test_validate_number_year_after_issue(void **state)
{
    (void)state;
    xk_licence *lic = record("京B2-20234676", (xk_date){2022, 3, 1}, (xk_date){2027, 3, 1}, "B25");
    assert_true(has_problem(lic, XK_SEV_ERROR, "after the issue year"));
    xk_licence_free(lic);
}

/* A problem with a catalogue key keeps each value its format put in, formatted alone and in
 * order, for the reader's own message; the English message is the same as without a key. */
static void test_problem_keeps_its_key_and_values(void **state)
{
    (void)state;
    xk_licence *lic = xk_licence_new();
    assert_non_null(lic);
    assert_int_equal(xk_licence_problem_key(lic, XK_SEV_WARNING, 7, "problem.test",
                                            "%s has %zu of %u, cut \"%.*s\" %c%d%%", "网站", (size_t)3,
                                            12u, 6, "京B2-2022", 'x', -4),
                     XK_OK);
    const xk_problem *p = &lic->problems[0];
    assert_string_equal(p->message, "网站 has 3 of 12, cut \"京B2-\" x-4%");
    assert_string_equal(p->key, "problem.test");
    assert_int_equal(p->n_params, 6);
    const char *want[] = {"网站", "3", "12", "京B2-", "x", "-4"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(p->params[i], want[i]);
    /* more values than a problem keeps: the message stays, without a key */
    assert_int_equal(xk_licence_problem_key(lic, XK_SEV_WARNING, 0, "problem.many",
                                            "%d%d%d%d%d%d%d%d%d%d%d%d%d", 1, 2, 3, 4, 5, 6, 7, 8,
                                            9, 1, 2, 3, 4),
                     XK_OK);
    assert_string_equal(lic->problems[1].message, "1234567891234");
    assert_null(lic->problems[1].key);
    assert_int_equal(lic->problems[1].n_params, 0);
    /* and a record validated with a field missing names it by key, the label its value */
    xk_licence_free(lic);
    lic = record("京B2-20224676", (xk_date){2022, 5, 9}, (xk_date){2027, 5, 9}, "B25");
    lic->company = "";
    xk_licence_validate(lic);
    bool found = false;
    for (size_t i = 0; i < lic->n_problems; i++)
        if (lic->problems[i].key && strcmp(lic->problems[i].key, "problem.field_missing") == 0) {
            found = true;
            assert_int_equal(lic->problems[i].n_params, 1);
            assert_string_equal(lic->problems[i].params[0], "公司名称");
        }
    assert_true(found);
    xk_licence_free(lic);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_names),
        cmocka_unit_test(test_validate_good_record_has_no_problems),
        cmocka_unit_test(test_validate_reissue_is_a_warning),
        cmocka_unit_test(test_validate_five_years_at_most),
        cmocka_unit_test(test_validate_service_must_fit_category),
        cmocka_unit_test(test_validate_basic_telecom_number_is_refused),
        cmocka_unit_test(test_validate_number_year_after_issue),
        cmocka_unit_test(test_problem_keeps_its_key_and_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
