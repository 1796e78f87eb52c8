/* Unit tests of the reference tables: regions and the service catalogue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xuke/catalogue.h"

static void test_catalogue_has_31_regions_with_issuers(void **state)
{
    (void)state;
    assert_int_equal(xk_region_count(), 31);
    for (size_t i = 0; i < xk_region_count(); i++) {
        const xk_region *r = xk_region_at(i);
        assert_non_null(strstr(r->issuer, r->name));
        assert_non_null(strstr(r->issuer, "通信管理局"));
        assert_ptr_equal(xk_region_by_abbr(r->abbr, strlen(r->abbr)), r);
    }
}

static void test_catalogue_region_by_short_and_full_name(void **state)
{
    (void)state;
    assert_string_equal(xk_region_by_name("广西", strlen("广西"))->abbr, "桂");
    assert_string_equal(xk_region_by_name("内蒙古自治区", strlen("内蒙古自治区"))->abbr, "蒙");
    assert_null(xk_region_by_abbr("港", strlen("港")));
}

static void test_catalogue_ten_services_in_two_classes(void **state)
{
    (void)state;
    assert_int_equal(xk_service_count(), 10);
    assert_string_equal(xk_service_by_code("B25")->name, "信息服务业务");
    assert_string_equal(xk_service_by_code("B11")->category, "B1");
    assert_null(xk_service_by_code("B27"));
}

static void test_catalogue_matches_longest_name_and_old_names(void **state)
{
    (void)state;
    size_t used;
    const char *t = "因特网接入服务业务（仅限）";
    assert_string_equal(xk_service_match(t, strlen(t), &used)->code, "B14");
    assert_int_equal(used, strlen("因特网接入服务业务"));
    t = "信息服务业务(仅限互联网信息服务)";
    assert_string_equal(xk_service_match(t, strlen(t), &used)->code, "B25");
    assert_null(xk_service_match("互联网信息服务", strlen("互联网信息服务"), &used));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue_has_31_regions_with_issuers),
        cmocka_unit_test(test_catalogue_region_by_short_and_full_name),
        cmocka_unit_test(test_catalogue_ten_services_in_two_classes),
        cmocka_unit_test(test_catalogue_matches_longest_name_and_old_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
