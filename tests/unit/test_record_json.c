/* Unit tests of the JSON record: round trip, and precise errors on malformed records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xuke/xuke.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void test_json_round_trip_of_a_seed(void **state)
{
    (void)state;
    size_t len;
    char *text = slurp(FIXTURES "/seeds/000_a96b5bc2dd3fa082.txt", &len);
    xk_licence *lic;
    xk_error err;
    assert_int_equal(xk_licence_parse(text, len, NULL, &lic, &err), XK_OK);
    json_t *a = xk_licence_to_json(lic);
    xk_licence *back;
    assert_int_equal(xk_licence_from_json(a, &back, &err), XK_OK);
    xk_licence_validate(back);
    json_t *b = xk_licence_to_json(back);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    xk_licence_free(lic);
    xk_licence_free(back);
    free(text);
}

static void test_json_escapes_quotes_backslashes_and_controls(void **state)
{
    (void)state;
    xk_licence *lic = xk_licence_new();
    lic->number = "京B2-20224676";
    lic->company = "甲\"乙\\丙\n丁\x01";
    char *s = xk_licence_to_json_string(lic, false);
    json_error_t jerr;
    json_t *o = json_loads(s, 0, &jerr);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "company")), lic->company);
    json_decref(o);
    free(s);
    xk_licence_free(lic);
}

static xk_status read_text(const char *json, xk_error *err)
{
    json_error_t jerr;
    json_t *o = json_loads(json, 0, &jerr);
    assert_non_null(o);
    xk_licence *lic = NULL;
    xk_status st = xk_licence_from_json(o, &lic, err);
    json_decref(o);
    xk_licence_free(lic);
    return st;
}

static void test_json_missing_field_names_it(void **state)
{
    (void)state;
    xk_error err;
    assert_int_equal(read_text("{\"number\":\"京B2-20224676\"}", &err), XK_EFORMAT);
    assert_string_equal(err.message, "company: missing");
}

static void test_json_wrong_type_names_the_path(void **state)
{
    (void)state;
    xk_error err;
    const char *j = "{\"number\":\"京B2-20224676\",\"company\":\"c\",\"legal_representative\":\"l\","
                    "\"issued\":\"2022-01-01\",\"expires\":\"2027-01-01\","
                    "\"services\":[{\"code\":\"B25\"},{\"code\":25}]}";
    assert_int_equal(read_text(j, &err), XK_EFORMAT);
    assert_string_equal(err.message, "services[1].code: expected a string");
}

static void test_json_bad_date_is_refused(void **state)
{
    (void)state;
    xk_error err;
    const char *j = "{\"number\":\"京B2-20224676\",\"company\":\"c\",\"legal_representative\":\"l\","
                    "\"issued\":\"2022-13-01\",\"expires\":\"2027-01-01\",\"services\":[]}";
    assert_int_equal(read_text(j, &err), XK_EFORMAT);
    assert_non_null(strstr(err.message, "issued"));
}

static void test_json_bad_number_is_refused(void **state)
{
    (void)state;
    xk_error err;
    assert_int_equal(read_text("{\"number\":\"hello\"}", &err), XK_EFORMAT);
    assert_non_null(strstr(err.message, "not a licence number"));
}

#define RECORD_HEAD                                                                                \
    "{\"number\":\"京B2-20224676\",\"company\":\"c\",\"legal_representative\":\"l\","                  \
    "\"issued\":\"2022-01-01\",\"expires\":\"2027-01-01\",\"services\":[],"

/* A stored record's warnings keep their catalogue keys and values (warning_keys, one entry per
 * warning, null for one without). */
static void test_json_warning_keys_are_read_back(void **state)
{
    (void)state;
    const char *j = RECORD_HEAD "\"warnings\":[\"needs review: one\",\"two\"],"
                                "\"warning_keys\":[{\"key\":\"problem.review.field\","
                                "\"params\":[\"company\",\"\",\"读\"]},null]}";
    json_error_t jerr;
    json_t *o = json_loads(j, 0, &jerr);
    assert_non_null(o);
    xk_licence *lic = NULL;
    xk_error err;
    assert_int_equal(xk_licence_from_json(o, &lic, &err), XK_OK);
    assert_int_equal(lic->n_problems, 2);
    assert_string_equal(lic->problems[0].key, "problem.review.field");
    assert_int_equal(lic->problems[0].n_params, 3);
    assert_string_equal(lic->problems[0].params[2], "读");
    assert_null(lic->problems[1].key);
    json_decref(o);
    xk_licence_free(lic);
}

static void test_json_bad_warning_keys_are_refused(void **state)
{
    (void)state;
    xk_error err;
    const char *short_list = RECORD_HEAD "\"warnings\":[\"a\",\"b\"],\"warning_keys\":[null]}";
    assert_int_equal(read_text(short_list, &err), XK_EFORMAT);
    assert_string_equal(err.message, "warning_keys: expected an array with one entry per warning");
    const char *not_a_key = RECORD_HEAD "\"warnings\":[\"a\"],\"warning_keys\":[{\"key\":\"x\","
                                        "\"params\":[]}]}";
    assert_int_equal(read_text(not_a_key, &err), XK_EFORMAT);
    assert_non_null(strstr(err.message, "warning_keys[0]: expected null or"));
    const char *bad_param = RECORD_HEAD "\"warnings\":[\"a\"],\"warning_keys\":[{\"key\":"
                                        "\"problem.x\",\"params\":[1]}]}";
    assert_int_equal(read_text(bad_param, &err), XK_EFORMAT);
    assert_string_equal(err.message, "warning_keys[0]: expected the params to be strings");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_round_trip_of_a_seed),
        cmocka_unit_test(test_json_escapes_quotes_backslashes_and_controls),
        cmocka_unit_test(test_json_missing_field_names_it),
        cmocka_unit_test(test_json_wrong_type_names_the_path),
        cmocka_unit_test(test_json_bad_date_is_refused),
        cmocka_unit_test(test_json_bad_number_is_refused),
        cmocka_unit_test(test_json_warning_keys_are_read_back),
        cmocka_unit_test(test_json_bad_warning_keys_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
