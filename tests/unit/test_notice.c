/* Unit tests of the holiday-notice reader (src/rules/notice.c): the items of a notice as the
 * State Council writes them, each check that must refuse (weekday, 共N天, 上班 on a weekday,
 * year, overlap), and merging a year into calendar text. Expected dates are the notices' own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xuke/notice.h"
#include "xuke/text.h"
#include "xuke/xuke.h"

#define HEAD "国务院办公厅关于2021年部分节假日安排的通知\n国办发明电〔2020〕27号\n"
#define BODY "经国务院批准，现将2021年元旦、春节放假调休日期的具体安排通知如下。\n"
#define NEW_YEAR "一、元旦：2021年1月1日至3日放假，共3天。\n"
#define SPRING "二、春节：2月11日至17日放假调休，共7天。2月7日（星期日）、2月20日（星期六）上班。\n"

static xk_status parse(const char *text, xk_notice *n, xk_error *err)
{
    xk_error_clear(err);
    return xk_notice_parse(text, strlen(text), "n.txt", n, err);
}

static void assert_day(xk_date d, int y, int m, int dd)
{
    assert_int_equal(d.year, y);
    assert_int_equal(d.month, m);
    assert_int_equal(d.day, dd);
}

static void test_items_give_rest_ranges_and_makeup_days(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    assert_int_equal(parse(HEAD BODY NEW_YEAR SPRING, &n, &err), XK_OK);
    assert_int_equal(n.year, 2021);
    assert_string_equal(n.ref, "国办发明电〔2020〕27号");
    assert_int_equal(n.n_off, 2);
    assert_day(n.off[0].from, 2021, 1, 1);
    assert_day(n.off[0].to, 2021, 1, 3);
    assert_day(n.off[1].from, 2021, 2, 11);
    assert_day(n.off[1].to, 2021, 2, 17);
    assert_string_equal(n.off[1].name, "春节");
    assert_int_equal(n.n_work, 2);
    assert_day(n.work[0].from, 2021, 2, 7);
    assert_day(n.work[1].from, 2021, 2, 20);
    assert_string_equal(n.work[1].name, "春节调休");
}

static void test_range_across_the_new_year_keeps_its_years(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    const char *t = "国务院办公厅关于2023年部分节假日安排的通知\n"
                    "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n";
    assert_int_equal(parse(t, &n, &err), XK_OK);
    assert_day(n.off[0].from, 2022, 12, 31);
    assert_day(n.off[0].to, 2023, 1, 2);
}

static void test_weekday_forms_with_lunar_notes(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    const char *t = "现将2025年元旦、春节的具体安排通知如下。\n"
                    "二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。"
                    "1月26日（周日）、2月8日（周六）上班。\n";
    assert_int_equal(parse(t, &n, &err), XK_OK);
    assert_day(n.off[0].to, 2025, 2, 4);
    assert_int_equal(n.n_work, 2);
}

static void test_bracketed_eve_in_an_encouragement_is_not_a_holiday(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    const char *t = "现将2024年春节的具体安排通知如下。\n"
                    "二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。"
                    "鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。\n";
    assert_int_equal(parse(t, &n, &err), XK_OK);
    assert_int_equal(n.n_off, 1);
    assert_day(n.off[0].from, 2024, 2, 10);
}

static void test_wrong_weekday_names_the_line(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    const char *t = HEAD BODY NEW_YEAR
        "二、春节：2月11日至17日放假调休，共7天。2月7日（星期一）、2月20日（星期六）上班。\n";
    assert_int_equal(parse(t, &n, &err), XK_EFORMAT);
    assert_int_equal(err.line, 5);
    assert_non_null(strstr(err.message, "n.txt:5:"));
    assert_non_null(strstr(err.message, "Sunday"));
}

static void test_count_that_does_not_add_up(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    const char *t = HEAD BODY "一、元旦：2021年1月1日至3日放假，共4天。\n";
    assert_int_equal(parse(t, &n, &err), XK_EFORMAT);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.message, "共4天"));
}

static void test_makeup_on_a_wednesday_is_refused(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    const char *t = HEAD BODY "二、春节：2月11日至17日放假调休，共7天。2月10日上班。\n";
    assert_int_equal(parse(t, &n, &err), XK_EFORMAT);
    assert_non_null(strstr(err.message, "星期三"));
}

static void test_long_sentence_is_quoted_cut_and_the_reason_kept(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    char t[4096];
    int used = snprintf(t, sizeof t, "%s%s二、春节：2月11日至17日", HEAD, BODY);
    for (int i = 0; i < 200; i++)
        used += snprintf(t + used, sizeof t - (size_t)used, "再");
    snprintf(t + used, sizeof t - (size_t)used, "放假调休，共7天。\n");
    assert_int_equal(parse(t, &n, &err), XK_EFORMAT);
    assert_int_equal(err.line, 4);
    /* the reason survives a 600-byte sentence: the quote is cut at a character and marked */
    assert_non_null(strstr(err.message, "not followed by 放假"));
    assert_non_null(strstr(err.message, "再…\""));
    size_t bad = 0;
    assert_true(xk_utf8_valid(err.message, strlen(err.message), &bad));
}

static void test_no_year_is_refused(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    assert_int_equal(parse(NEW_YEAR SPRING, &n, &err), XK_EFORMAT);
    assert_non_null(strstr(err.message, "no year"));
}

static void test_title_and_body_must_agree(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    const char *t = HEAD "现将2022年元旦的具体安排通知如下。\n" NEW_YEAR;
    assert_int_equal(parse(t, &n, &err), XK_EFORMAT);
    assert_int_equal(err.line, 3);
}

static void test_date_outside_the_year_is_refused(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    const char *t = HEAD "一、元旦：2025年1月1日放假，共1天。\n";
    assert_int_equal(parse(t, &n, &err), XK_EFORMAT);
    assert_non_null(strstr(err.message, "year"));
}

static void test_makeup_day_inside_a_holiday_is_refused(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    const char *t = HEAD "二、春节：2月11日至17日放假调休，共7天。2月13日（星期六）上班。\n";
    assert_int_equal(parse(t, &n, &err), XK_EFORMAT);
    assert_non_null(strstr(err.message, "both"));
}

static void test_gb18030_notice(void **state)
{
    (void)state;
    /* "现将2021年" + NEW_YEAR in GB18030, written out byte by byte from the GB18030 table */
    const char *gb = "\xcf\xd6\xbd\xab" "2021\xc4\xea\n"
                     "\xd2\xbb\xa1\xa2\xd4\xaa\xb5\xa9\xa3\xba" "1\xd4\xc2" "1\xc8\xd5"
                     "\xb7\xc5\xbc\xd9\xa3\xac\xb9\xb2" "1\xcc\xec\xa1\xa3\n";
    xk_notice n;
    xk_error err;
    xk_error_clear(&err);
    assert_int_equal(xk_notice_parse(gb, strlen(gb), "gb.txt", &n, &err), XK_OK);
    assert_int_equal(n.year, 2021);
    assert_string_equal(n.off[0].name, "元旦");
}

static void test_merge_places_the_year_in_order_and_refuses_a_duplicate(void **state)
{
    (void)state;
    xk_notice n;
    xk_error err;
    assert_int_equal(parse(HEAD BODY NEW_YEAR, &n, &err), XK_OK);
    const char *cal = "# head\nyear 2020\noff  2020-01-01            元旦\n\n# next\n"
                      "year 2022\noff  2022-01-01 2022-01-03 元旦\n";
    char *out;
    size_t len;
    assert_int_equal(xk_notice_merge(cal, strlen(cal), &n, false, &out, &len, &err), XK_OK);
    assert_string_equal(out, "# head\nyear 2020\noff  2020-01-01            元旦\n\n"
                             "year 2021 notice 国办发明电〔2020〕27号\n"
                             "off  2021-01-01 2021-01-03 元旦\n\n# next\n"
                             "year 2022\noff  2022-01-01 2022-01-03 元旦\n");
    char *again;
    assert_int_equal(xk_notice_merge(out, len, &n, false, &again, &len, &err), XK_ECONFLICT);
    assert_int_equal(xk_notice_merge(out, strlen(out), &n, true, &again, &len, &err), XK_OK);
    assert_string_equal(again, out);
    free(again);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items_give_rest_ranges_and_makeup_days),
        cmocka_unit_test(test_range_across_the_new_year_keeps_its_years),
        cmocka_unit_test(test_weekday_forms_with_lunar_notes),
        cmocka_unit_test(test_bracketed_eve_in_an_encouragement_is_not_a_holiday),
        cmocka_unit_test(test_wrong_weekday_names_the_line),
        cmocka_unit_test(test_count_that_does_not_add_up),
        cmocka_unit_test(test_makeup_on_a_wednesday_is_refused),
        cmocka_unit_test(test_long_sentence_is_quoted_cut_and_the_reason_kept),
        cmocka_unit_test(test_no_year_is_refused),
        cmocka_unit_test(test_title_and_body_must_agree),
        cmocka_unit_test(test_date_outside_the_year_is_refused),
        cmocka_unit_test(test_makeup_day_inside_a_holiday_is_refused),
        cmocka_unit_test(test_gb18030_notice),
        cmocka_unit_test(test_merge_places_the_year_in_order_and_refuses_a_duplicate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
