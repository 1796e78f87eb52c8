/* Unit tests of dates: recognition of the forms licences print, and calendar arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xuke/date.h"

static xk_date find(const char *s)
{
    xk_date d = {0, 0, 0};
    xk_date_find(s, strlen(s), &d, NULL, NULL, NULL);
    return d;
}

static void assert_date(xk_date d, int y, int m, int day)
{
    assert_int_equal(d.year, y);
    assert_int_equal(d.month, m);
    assert_int_equal(d.day, day);
}

static void test_date_chinese_forms(void **state)
{
    (void)state;
    assert_date(find("2022年04月15日"), 2022, 4, 15);
    assert_date(find("发证日期: 2022年 08月 19 日"), 2022, 8, 19);
    assert_date(find("2027年 1月 29日"), 2027, 1, 29);
    assert_date(find("2022 年 4 月 15 日"), 2022, 4, 15);
}

static void test_date_in_chinese_numerals(void **state)
{
    (void)state;
    assert_date(find("二〇二二年四月十五日"), 2022, 4, 15);
    assert_date(find("二○二七年十二月三十一日"), 2027, 12, 31);
    assert_date(find("二〇二三年 八月 四日"), 2023, 8, 4);
    assert_date(find("二零二四年十月二十日"), 2024, 10, 20);
}

/* The date xk_date_find_ocr finds in s, unset when none; its fixes in *fixes. */
static xk_date find_ocr(const char *s, int *fixes)
{
    xk_date d;
    *fixes = -1;
    return xk_date_find_ocr(s, strlen(s), &d, NULL, NULL, NULL, fixes) ? d : (xk_date){0, 0, 0};
}

static void test_date_ocr_lookalikes_only_in_the_chinese_form(void **state)
{
    (void)state;
    xk_date d;
    int fixes;
    const char *s = "2027年 ]月 29日";
    assert_false(xk_date_find(s, strlen(s), &d, NULL, NULL, NULL));
    assert_date(find_ocr(s, &fixes), 2027, 1, 29);
    assert_int_equal(fixes, 1);
    assert_date(find_ocr("2O23年 08月 l4日", &fixes), 2023, 8, 14);
    assert_int_equal(fixes, 2);
    assert_false(xk_date_is_set(find_ocr("2O23-08-14", &fixes))); /* numeric forms: strict */
    assert_date(find_ocr("2023年04月15日", &fixes), 2023, 4, 15);
    assert_int_equal(fixes, 0);
    /* noise before 年 or 月 (a noisy page): up to two characters, counted as one fix */
    s = "2019%人年6月3日";
    assert_false(xk_date_find(s, strlen(s), &d, NULL, NULL, NULL));
    assert_date(find_ocr(s, &fixes), 2019, 6, 3);
    assert_int_equal(fixes, 1);
    assert_date(find_ocr("2019年6·月3日", &fixes), 2019, 6, 3);
    assert_int_equal(fixes, 1);
    assert_false(xk_date_is_set(find_ocr("2019%人的年6月3日", &fixes))); /* three: no date */
    /* a look-alike and noise: one fix too many */
    assert_false(xk_date_is_set(find_ocr("2O19%年6月3日", &fixes)));
    assert_false(xk_date_is_set(find_ocr("2019%年]%月3日", &fixes)));
    assert_false(xk_date_is_set(find_ocr("2019-%06-03", &fixes))); /* numeric forms: strict */
}

static void test_date_ocr_other_reading_drops_a_lookalike_beside_a_digit(void **state)
{
    (void)state;
    xk_date d;
    int fixes;
    const char *s = "2020年1]月3日"; /* one 1 split into two symbols, or 11 */
    assert_true(xk_date_find_ocr(s, strlen(s), &d, NULL, NULL, NULL, &fixes));
    assert_date(d, 2020, 11, 3);
    assert_true(xk_date_find_ocr_beside(s, strlen(s), &d));
    assert_date(d, 2020, 1, 3);
    s = "2027年 ]月 29日"; /* alone, the look-alike is the digit: no other reading */
    assert_false(xk_date_find_ocr_beside(s, strlen(s), &d));
    s = "2023年08月04日";
    assert_false(xk_date_find_ocr_beside(s, strlen(s), &d));
}

static void test_date_numeric_forms(void **state)
{
    (void)state;
    assert_date(find("2022-04-15"), 2022, 4, 15);
    assert_date(find("2022.04.15"), 2022, 4, 15);
    assert_date(find("2022/4/5"), 2022, 4, 5);
}

static void test_date_with_spaces_inside_digits(void **state)
{
    (void)state;
    assert_date(find("20 22年0 4月1 5日"), 2022, 4, 15);
}

static void test_date_not_found_in_licence_number(void **state)
{
    (void)state;
    xk_date d;
    assert_false(xk_date_find("京B2-20224676", strlen("京B2-20224676"), &d, NULL, NULL, NULL));
}

static void test_date_impossible_day_is_flagged(void **state)
{
    (void)state;
    xk_date d;
    bool bad = false;
    const char *s = "2022年02月30日";
    assert_false(xk_date_find(s, strlen(s), &d, NULL, NULL, &bad));
    assert_true(bad);
}

static void test_date_mixed_separators_are_not_a_date(void **state)
{
    (void)state;
    xk_date d;
    assert_false(xk_date_find("2022-04.15", 10, &d, NULL, NULL, NULL));
}

static void test_date_days_round_trip_and_weekday(void **state)
{
    (void)state;
    xk_date d = {2026, 11, 23};
    assert_int_equal(xk_date_weekday(d), 0); /* a Monday */
    for (long k = -800000; k < 800000; k += 997) {
        xk_date e = xk_date_from_days(k);
        assert_int_equal(xk_date_to_days(e), k);
    }
    assert_int_equal(xk_date_to_days((xk_date){1970, 1, 1}), 0);
}

static void test_date_add_years_clamps_leap_day(void **state)
{
    (void)state;
    assert_date(xk_date_add_years((xk_date){2024, 2, 29}, 5), 2029, 2, 28);
    assert_date(xk_date_add_years((xk_date){2022, 4, 15}, 5), 2027, 4, 15);
    assert_date(xk_date_add_months((xk_date){2022, 1, 31}, 1), 2022, 2, 28);
}

static void test_date_iso_parse_is_strict(void **state)
{
    (void)state;
    xk_date d;
    assert_true(xk_date_parse_iso("2024-02-29", &d));
    assert_false(xk_date_parse_iso("2023-02-29", &d));
    assert_false(xk_date_parse_iso("2023-2-9", &d));
    assert_false(xk_date_parse_iso("2023-02-09x", &d));
}

static void test_date_shaped(void **state)
{
    (void)state;
    assert_true(xk_date_shaped("2.0江9年.6局2目"));
    assert_true(xk_date_shaped("2019年6月3日"));
    assert_false(xk_date_shaped("B1-20180123")); /* digits, but no 年月日 */
    assert_false(xk_date_shaped("第2页 共2页"));   /* 页, and two digits */
    assert_false(xk_date_shaped("每年第一季度"));
}

static void test_time_at_offset_crosses_midnight_and_says_its_offset(void **state)
{
    (void)state;
    char out[40];
    assert_true(xk_time_at_offset("2026-12-06T20:48:01Z", 480, out, sizeof out));
    assert_string_equal(out, "2026-12-07T04:48:01+08:00");
    assert_true(xk_time_at_offset("2027-01-01T02:00:00Z", -330, out, sizeof out));
    assert_string_equal(out, "2026-12-31T20:30:00-05:30");
    assert_true(xk_time_at_offset("2024-02-28T20:00:00Z", 480, out, sizeof out));
    assert_string_equal(out, "2024-02-29T04:00:00+08:00"); /* a leap day */
    assert_false(xk_time_at_offset("yesterday", 480, out, sizeof out));
    assert_string_equal(out, "yesterday");
    assert_false(xk_time_at_offset("2026-12-06T20:48:01", 480, out, sizeof out)); /* no zone */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_chinese_forms),
        cmocka_unit_test(test_date_in_chinese_numerals),
        cmocka_unit_test(test_date_ocr_lookalikes_only_in_the_chinese_form),
        cmocka_unit_test(test_date_ocr_other_reading_drops_a_lookalike_beside_a_digit),
        cmocka_unit_test(test_date_numeric_forms),
        cmocka_unit_test(test_date_shaped),
        cmocka_unit_test(test_date_with_spaces_inside_digits),
        cmocka_unit_test(test_date_not_found_in_licence_number),
        cmocka_unit_test(test_date_impossible_day_is_flagged),
        cmocka_unit_test(test_date_mixed_separators_are_not_a_date),
        cmocka_unit_test(test_date_days_round_trip_and_weekday),
        cmocka_unit_test(test_date_add_years_clamps_leap_day),
        cmocka_unit_test(test_date_iso_parse_is_strict),
        cmocka_unit_test(test_time_at_offset_crosses_midnight_and_says_its_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
