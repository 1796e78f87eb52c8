/* Unit tests of the extractor: numbers, numerals, services block, labels, sections, provisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract/extract.h"
#include "xuke/xuke.h"

static number_match num(const char *s, bool *found)
{
    number_match m;
    memset(&m, 0, sizeof m);
    *found = xk_number_find(s, strlen(s), &m);
    return m;
}

static void test_number_with_region(void **state)
{
    (void)state;
    bool found;
    number_match m = num("经营许可证编号:京B2-20224676", &found);
    assert_true(found);
    assert_string_equal(m.region, "京");
    assert_string_equal(m.category, "B2");
    assert_string_equal(m.digits, "20224676");
}

/* An address is one number in its normal form, whether it is read in place (capitals, digits,
 * '-', ideographs) or through the line split (lower case, full width, spaces, a dot). */
static void test_number_exact_addresses(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        xk_number_fit fit;
        const char *number, *region, *category;
        int year;
    } cases[] = {
        {"京B2-20224676", XK_NUMBER_OK, "京B2-20224676", "京", "B2", 2022},
        {"B2-20190456", XK_NUMBER_OK, "B2-20190456", "", "B2", 2019},
        {"沪B1.B2-20150123", XK_NUMBER_OK, "沪B1.B2-20150123", "沪", "B1.B2", 2015},
        {"京b2-20224676", XK_NUMBER_OK, "京B2-20224676", "京", "B2", 2022},
        {" 京Ｂ２－２０２２４６７６ ", XK_NUMBER_OK, "京B2-20224676", "京", "B2", 2022},
        {"京B2-2O224676", XK_NUMBER_EXTRA, NULL, NULL, NULL, 0},
        {"京B2-20224676京", XK_NUMBER_EXTRA, NULL, NULL, NULL, 0},
        {"X京B2-20224676", XK_NUMBER_EXTRA, NULL, NULL, NULL, 0},
        {"港B2-20224676", XK_NUMBER_BAD_REGION, NULL, NULL, NULL, 0},
        {"京B2", XK_NUMBER_NONE, NULL, NULL, NULL, 0},
        {"", XK_NUMBER_EMPTY, NULL, NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xk_number n;
        memset(&n, 0x55, sizeof n);
        xk_number_fit fit = xk_number_exact(cases[i].text, strlen(cases[i].text), &n);
        if (fit != cases[i].fit)
            fail_msg("\"%s\": fit %d, wanted %d", cases[i].text, (int)fit, (int)cases[i].fit);
        if (fit != XK_NUMBER_OK)
            continue;
        assert_string_equal(n.text, cases[i].number);
        assert_string_equal(n.region, cases[i].region);
        assert_string_equal(n.category, cases[i].category);
        assert_int_equal(n.year, cases[i].year);
    }
}

static void test_number_cross_regional_has_no_region(void **state)
{
    (void)state;
    bool found;
    number_match m = num("经营许可证编号:B2-20190456", &found);
    assert_true(found);
    assert_string_equal(m.region, "");
    assert_false(m.region_unknown);
}

static void test_number_both_classes(void **state)
{
    (void)state;
    bool found;
    number_match m = num("沪B1.B2-20150123", &found);
    assert_true(found);
    assert_string_equal(m.category, "B1.B2");
    assert_string_equal(m.region, "沪");
}

static void test_number_unknown_region_is_flagged(void **state)
{
    (void)state;
    bool found;
    number_match m = num("港B2-20224676", &found);
    assert_true(found);
    assert_true(m.region_unknown);
    assert_string_equal(m.bad_region, "港");
}

static void test_number_dash_variants_and_no_dash(void **state)
{
    (void)state;
    bool found;
    num("京B2—20224676", &found);
    assert_true(found);
    num("京B220224676", &found);
    assert_true(found);
    num("京B2202246", &found); /* no dash and not eight digits: not a number */
    assert_false(found);
}

static void test_number_normalise_user_input(void **state)
{
    (void)state;
    xk_number n;
    const char *in = " 琼 B2- 2022 0293 ";
    assert_true(xk_number_normalise(in, strlen(in), &n));
    assert_string_equal(n.text, "琼B2-20220293");
    assert_int_equal(n.year, 2022);
    assert_false(xk_number_normalise("hello", 5, &n));
    const char *lower = "京b2-20224676", *wide = "京Ｂ２－２０２２４６７６";
    assert_true(xk_number_normalise(lower, strlen(lower), &n));
    assert_string_equal(n.text, "京B2-20224676");
    assert_true(xk_number_normalise(wide, strlen(wide), &n));
    assert_string_equal(n.text, "京B2-20224676");
}

static void test_number_with_ocr_lookalikes_is_corrected_and_flagged(void **state)
{
    (void)state;
    bool found;
    number_match m = num("经营许可证编号:琼B2-2O22O293", &found);
    assert_true(found);
    assert_string_equal(m.digits, "20220293");
    assert_true(m.corrected);
    assert_string_equal(m.raw, "2O22O293");
    m = num("京B2-20224676l", &found); /* a trailing look-alike is not part of the number */
    assert_string_equal(m.digits, "20224676");
    assert_false(m.corrected);
    num("京B2-2OOlOIl0", &found); /* mostly look-alikes: not a number */
    assert_false(found);
}

static void test_icp_numbers_are_recognised(void **state)
{
    (void)state;
    char found[64];
    const char *s = "京ICP备10046444号-9";
    assert_int_equal(xk_icp_kind(s, strlen(s), found, sizeof found), 2);
    assert_string_equal(found, "京ICP备10046444号-9");
    s = "京ICP证030173号";
    assert_int_equal(xk_icp_kind(s, strlen(s), found, sizeof found), 1);
}

static void test_number_header_lines(void **state)
{
    (void)state;
    assert_true(xk_number_header_line("经营许可证编号:琼B2-20220293"));
    assert_true(xk_number_header_line("经营许可证编号:了琼B2-20220293")); /* a speck read as 了 */
    assert_false(xk_number_header_line("经营许可证编号:了了琼B2-20220293"));
    assert_true(xk_number_header_line("经营许可证编号:”琼B2-20220293")); /* a quote: a speck */
    assert_true(xk_number_header_line("经营许可证编号:，”琼B2-20220293"));
    assert_false(xk_number_header_line("经营许可证编号:，”，琼B2-20220293"));
    assert_false(xk_number_header_line("了琼B2-20220293"));
    assert_true(xk_number_header_line("京B2-20224676"));
    assert_true(xk_number_header_line("经营许可证编号:"));
    assert_false(xk_number_header_line("经营许可证编号"));
    assert_false(xk_number_header_line("应当公布你公司名称和经营许可证编号,且"));
}

static void test_chinese_numerals(void **state)
{
    (void)state;
    size_t used;
    assert_int_equal(xk_chinese_numeral("一、", strlen("一、"), &used), 1);
    assert_int_equal(xk_chinese_numeral("十、", strlen("十、"), &used), 10);
    assert_int_equal(xk_chinese_numeral("十六、", strlen("十六、"), &used), 16);
    assert_int_equal(used, 6);
    assert_int_equal(xk_chinese_numeral("二十三", strlen("二十三"), &used), 23);
    assert_int_equal(xk_chinese_numeral("你", strlen("你"), &used), 0);
}

static xk_licence *block(const char *text)
{
    xk_licence *lic = xk_licence_new();
    assert_int_equal(xk_services_parse_block(lic, text, 1), XK_OK);
    return lic;
}

static void assert_list(const xk_strlist *l, const char *const *want, size_t n)
{
    assert_int_equal(l->len, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(l->items[i], want[i]);
}

static void test_services_qualifiers_limited_includes_excludes(void **state)
{
    (void)state;
    xk_licence *lic = block("信息服务业务(仅限互联网信息服务)\n含药品和医疗器械, 不含信息搜索查询服务、\n"
                            "信息即时交互服务。【依法须经批准的项目,\n经相关部门批准后方可开展相应经营活动】");
    assert_int_equal(lic->n_services, 1);
    xk_service *s = &lic->services[0];
    assert_string_equal(s->code, "B25");
    assert_string_equal(s->scope, "仅限互联网信息服务");
    assert_list(&s->limited_to, (const char *[]){"互联网信息服务"}, 1);
    assert_list(&s->includes, (const char *[]){"药品和医疗器械"}, 1);
    assert_list(&s->excludes, (const char *[]){"信息搜索查询服务", "信息即时交互服务"}, 2);
    assert_list(&s->conditions,
                (const char *[]){"依法须经批准的项目，经相关部门批准后方可开展相应经营活动"}, 1);
    xk_licence_free(lic);
}

static void test_services_two_on_separate_lines(void **state)
{
    (void)state;
    xk_licence *lic = block("在线数据处理与交易处理业务(仅限经营类电子商务)\n"
                            "不含网络借贷信息中介类的互联网金融业务\n信息服务业务(不含互联网信息服务)");
    assert_int_equal(lic->n_services, 2);
    assert_string_equal(lic->services[0].code, "B21");
    assert_list(&lic->services[0].excludes,
                (const char *[]){"网络借贷信息中介类的互联网金融业务"}, 1);
    assert_string_equal(lic->services[1].code, "B25");
    assert_list(&lic->services[1].excludes, (const char *[]){"互联网信息服务"}, 1);
    xk_licence_free(lic);
}

static void test_services_qualifier_naming_a_service_is_not_a_service(void **state)
{
    (void)state;
    xk_licence *lic = block("互联网接入服务业务(不含互联网数据中心业务、内容分发网络业务)");
    assert_int_equal(lic->n_services, 1);
    assert_string_equal(lic->services[0].code, "B14");
    assert_int_equal(lic->services[0].excludes.len, 2);
    xk_licence_free(lic);
}

static void test_services_class_prefix_and_coverage(void **state)
{
    (void)state;
    xk_licence *lic = block("第一类增值电信业务中的互联网数据中心业务\n业务覆盖范围：北京、上海、广东\n"
                            "第二类增值电信业务中的信息服务业务(不含互联网信息服务)\n业务覆盖范围:全国");
    assert_int_equal(lic->n_services, 2);
    assert_list(&lic->services[0].coverage, (const char *[]){"北京", "上海", "广东"}, 3);
    assert_list(&lic->services[1].coverage, (const char *[]){"全国"}, 1);
    assert_string_equal(lic->services[1].scope, "不含互联网信息服务");
    xk_licence_free(lic);
}

static void test_services_name_alone_with_nothing_after(void **state)
{
    (void)state;
    xk_licence *lic = block("信息服务业务");
    assert_int_equal(lic->n_services, 1);
    assert_string_equal(lic->services[0].scope, "");
    assert_int_equal(lic->services[0].excludes.len, 0);
    xk_licence_free(lic);
}

static void test_services_scope_without_brackets(void **state)
{
    (void)state;
    xk_licence *lic = block("信息服务业务 仅限互联网信息服务,不含信息搜索查询服务、信息即时交互服务。");
    assert_string_equal(lic->services[0].scope, "仅限互联网信息服务");
    assert_list(&lic->services[0].limited_to, (const char *[]){"互联网信息服务"}, 1);
    assert_list(&lic->services[0].excludes,
                (const char *[]){"信息搜索查询服务", "信息即时交互服务"}, 2);
    xk_licence_free(lic);
}

static void test_services_unknown_text_is_an_error(void **state)
{
    (void)state;
    xk_licence *lic = block("卫星通信服务");
    assert_int_equal(lic->n_services, 0);
    assert_int_equal(xk_licence_error_count(lic), 1);
    xk_licence_free(lic);
}

static xk_licence *parse(const char *text, xk_status *st)
{
    xk_licence *lic = NULL;
    xk_error err;
    *st = xk_licence_parse(text, strlen(text), NULL, &lic, &err);
    return lic;
}

static const char *mini =
    "中华人民共和国\n增值电信业务经营许可证\n经营许可证编号：B2-20190456\n"
    "公司名称：示例科技有限公司\n法定代表人：张 三\n"
    "业务种类\n（服务项目）\n及覆盖范围：\n信息服务业务（不含互联网信息服务）\n覆盖范围：全国\n"
    "发证日期：\n有效期至：\n2019-03-01\n2024-03-01\n"
    "特别规定事项\n一、你公司应当遵守规定，\n经营许可证编号：B2-20190456\n特别规定事项\n"
    "并配合检查。\n二、你公司应当在每年第一季度参加年报。\n";

static void test_parse_cross_regional_minimal_licence(void **state)
{
    (void)state;
    xk_status st;
    xk_licence *lic = parse(mini, &st);
    assert_int_equal(st, XK_OK);
    assert_string_equal(lic->number, "B2-20190456");
    assert_string_equal(lic->region, "");
    assert_string_equal(lic->issuer, "工业和信息化部");
    assert_string_equal(lic->legal_representative, "张三");
    assert_int_equal(lic->issued.year, 2019);
    assert_int_equal(lic->expires.year, 2024);
    assert_int_equal(lic->n_provisions, 2);
    assert_string_equal(lic->provisions[0].text, "你公司应当遵守规定，并配合检查。");
    xk_licence_free(lic);
}

/* A provincial licence whose number's province is printed as prov (费 for 冀, as OCR reads it),
 * with its services' 覆盖范围 coverage, 发证机关's value issuer ("" none) and one more line
 * after the dates (extra, "" none). */
static xk_licence *provincial_covering(const char *prov, const char *category, const char *coverage,
                                       const char *issuer, const char *extra, xk_status *st)
{
    char text[2048];
    snprintf(text, sizeof text,
             "中华人民共和国\n增值电信业务经营许可证\n经营许可证编号：%s%s-20230456\n"
             "公司名称：示例科技有限公司\n法定代表人：张三\n"
             "业务种类\n（服务项目）\n及覆盖范围：\n信息服务业务（不含互联网信息服务）\n"
             "覆盖范围：%s\n发证机关(盖章)：%s\n发证日期：2023-03-01\n有效期至：2028-03-01\n"
             "%s\n特别规定事项\n一、你公司应当遵守规定。\n二、你公司应当在每年第一季度参加年报。\n",
             prov, category, coverage, issuer, extra);
    return parse(text, st);
}

/* The same covering 全国, which names no province. */
static xk_licence *provincial(const char *prov, const char *category, const char *issuer,
                              const char *extra, xk_status *st)
{
    return provincial_covering(prov, category, "全国", issuer, extra, st);
}

/* Which problem of lic has the catalogue key, or NULL. */
static const xk_problem *problem_keyed(const xk_licence *lic, const char *key)
{
    for (size_t i = 0; i < lic->n_problems; i++)
        if (lic->problems[i].key && strcmp(lic->problems[i].key, key) == 0)
            return &lic->problems[i];
    return NULL;
}

/* 冀 read as 费: 发证机关 河北省通信管理局 gives the province back (GB/T 2260 name → 冀), and
 * the number is flagged for review saying it was taken from the issuer. */
static void test_number_province_from_the_issuer(void **state)
{
    (void)state;
    xk_status st;
    xk_licence *lic = provincial("费", "B2", "河北省通信管理局", "", &st);
    assert_int_equal(st, XK_OK);
    assert_string_equal(lic->number, "冀B2-20230456");
    assert_string_equal(lic->region, "冀");
    assert_string_equal(lic->issuer, "河北省通信管理局");
    const xk_problem *p = problem_keyed(lic, "problem.review.number_province");
    assert_non_null(p);
    assert_int_equal(p->severity, XK_SEV_WARNING);
    assert_non_null(strstr(p->message, "needs review: 经营许可证编号 printed \"费B2-20230456\""));
    assert_non_null(strstr(p->message, "the province of 发证机关 河北省通信管理局 (line 11)"));
    xk_licence_free(lic);
}

/* The seal's words read as a line of their own, 发证机关's value empty: the same evidence. */
static void test_number_province_from_the_seal_line(void **state)
{
    (void)state;
    xk_status st;
    xk_licence *lic = provincial("副", "B2", "", "山东省通信管理局", &st);
    assert_int_equal(st, XK_OK);
    assert_string_equal(lic->number, "鲁B2-20230456");
    assert_string_equal(lic->issuer, "山东省通信管理局");
    const xk_problem *p = problem_keyed(lic, "problem.review.number_province");
    assert_non_null(p);
    assert_non_null(strstr(p->message, "山东省通信管理局 (line 14)"));
    xk_licence_free(lic);
}

/* A coverage line naming one province alone names the licence's province: a province's
 * administration licenses services within it. The flag says where it was read. */
static void test_number_province_from_the_coverage(void **state)
{
    (void)state;
    xk_status st;
    xk_licence *lic = provincial_covering("蔓", "B2", "河北省", "", "", &st);
    assert_int_equal(st, XK_OK);
    assert_string_equal(lic->number, "冀B2-20230456");
    assert_string_equal(lic->issuer, "河北省通信管理局");
    const xk_problem *p = problem_keyed(lic, "problem.review.number_province_coverage");
    assert_non_null(p);
    assert_non_null(strstr(p->message, "the province its 覆盖范围 names alone, 河北省 (line 10)"));
    xk_licence_free(lic);
    /* several provinces covered name none; a coverage and an issuer that differ decide nothing */
    lic = provincial_covering("蔓", "B2", "北京、上海", "", "", &st);
    assert_int_equal(st, XK_EINVALID);
    assert_string_equal(lic->region, "蔓");
    xk_licence_free(lic);
    lic = provincial_covering("蔓", "B2", "河北省", "", "山东省通信管理局", &st);
    assert_int_equal(st, XK_EINVALID);
    assert_non_null(problem_keyed(lic, "problem.number_province_two"));
    xk_licence_free(lic);
    /* the coverage and the issuer agree: the issuer is named as the source */
    lic = provincial_covering("蔓", "B2", "河北", "河北省通信管理局", "", &st);
    assert_int_equal(st, XK_OK);
    assert_non_null(problem_keyed(lic, "problem.review.number_province"));
    assert_null(problem_keyed(lic, "problem.review.number_province_coverage"));
    xk_licence_free(lic);
}

/* Nothing names the province (the seal unread): no guess, the region stays an error. */
static void test_number_province_unread_issuer_is_no_guess(void **state)
{
    (void)state;
    xk_status st;
    xk_licence *lic = provincial("费", "B2", "", "", &st);
    assert_int_equal(st, XK_EINVALID);
    assert_string_equal(lic->number, "费B2-20230456");
    assert_string_equal(lic->region, "费");
    assert_string_equal(lic->issuer, "");
    assert_null(problem_keyed(lic, "problem.review.number_province"));
    assert_non_null(problem_keyed(lic, "problem.number_region"));
    xk_licence_free(lic);
}

/* 发证机关 names one province and another line another: neither is taken, and the warning
 * names both. */
static void test_number_province_two_issuers_contradict(void **state)
{
    (void)state;
    xk_status st;
    xk_licence *lic = provincial("费", "B2", "河北省通信管理局", "山东省通信管理局", &st);
    assert_int_equal(st, XK_EINVALID);
    assert_string_equal(lic->region, "费");
    assert_null(problem_keyed(lic, "problem.review.number_province"));
    assert_non_null(problem_keyed(lic, "problem.number_region"));
    const xk_problem *p = problem_keyed(lic, "problem.number_province_two");
    assert_non_null(p);
    assert_non_null(strstr(p->message, "two provinces for it, 河北省 (line 11) and 山东省 (line 14)"));
    xk_licence_free(lic);
}

/* 发证机关 the Ministry: its licences carry no province, so none is taken, even where a
 * province's administration is named elsewhere in the text. */
static void test_number_province_not_from_the_ministry(void **state)
{
    (void)state;
    xk_status st;
    xk_licence *lic = provincial("费", "B2", "工业和信息化部", "河北省通信管理局", &st);
    assert_int_equal(st, XK_EINVALID);
    assert_string_equal(lic->region, "费");
    assert_null(problem_keyed(lic, "problem.review.number_province"));
    assert_non_null(problem_keyed(lic, "problem.number_province_ministry"));
    xk_licence_free(lic);
}

/* A basic-telecom (category A) number is refused whatever its province: none is derived. */
static void test_number_province_not_for_a_basic_telecom_number(void **state)
{
    (void)state;
    xk_status st;
    xk_licence *lic = provincial("费", "A2", "河北省通信管理局", "", &st);
    assert_int_equal(st, XK_EINVALID);
    assert_string_equal(lic->region, "费");
    assert_null(problem_keyed(lic, "problem.review.number_province"));
    assert_non_null(problem_keyed(lic, "problem.number_basic_telecom"));
    xk_licence_free(lic);
}

/* A province read as one of the 31 is never replaced by the issuer's: the clash is a warning. */
static void test_number_known_province_is_kept_beside_another_issuer(void **state)
{
    (void)state;
    xk_status st;
    xk_licence *lic = provincial("京", "B2", "河北省通信管理局", "", &st);
    assert_int_equal(st, XK_OK);
    assert_string_equal(lic->number, "京B2-20230456");
    assert_null(problem_keyed(lic, "problem.review.number_province"));
    assert_non_null(problem_keyed(lic, "problem.issuer_region"));
    xk_licence_free(lic);
}

/* The provisions' opening sentence names the company too: a different name there is warned of
 * and its line kept (a scan flags the company for review), the main page's name stays. */
static void test_company_named_otherwise_in_the_provisions(void **state)
{
    (void)state;
    const char *intro = "《特别规定事项》是经营许可证重要组成部分，%s应当按照经营许可证的要求开展业务。\n";
    const char *names[2] = {"示例科技有限公司", "示列科技有限公司"};
    for (int k = 0; k < 2; k++) {
        char text[2048], line[256];
        snprintf(line, sizeof line, intro, names[k]);
        const char *at = strstr(mini, "特别规定事项\n") + strlen("特别规定事项\n");
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - mini), mini, line, at);
        xk_status st;
        xk_licence *lic = parse(text, &st);
        assert_int_equal(st, XK_OK);
        assert_string_equal(lic->company, "示例科技有限公司");
        assert_int_equal(lic->line_company_differs, k ? 16 : 0);
        assert_int_equal(xk_licence_has_problem(lic, XK_SEV_WARNING, "company named here as"), k);
        xk_licence_free(lic);
    }
}

static void test_parse_stacked_labels_take_values_in_order(void **state)
{
    (void)state;
    xk_status st;
    xk_licence *lic = parse(mini, &st);
    char a[16], b[16];
    assert_string_equal(xk_date_format(lic->issued, a, sizeof a), "2019-03-01");
    assert_string_equal(xk_date_format(lic->expires, b, sizeof b), "2024-03-01");
    xk_licence_free(lic);
}

/* A speck read as a second colon after a label does not become part of the value. */
static void test_doubled_colon_after_a_label(void **state)
{
    (void)state;
    char *t = strdup(mini);
    char *at = strstr(t, "公司名称：");
    size_t k = strlen("公司名称：");
    char *doubled = malloc(strlen(t) + 8);
    sprintf(doubled, "%.*s：: %s", (int)(at + k - t), t, at + k);
    xk_status st;
    xk_licence *lic = parse(doubled, &st);
    assert_int_equal(st, XK_OK);
    assert_string_equal(lic->company, "示例科技有限公司");
    xk_licence_free(lic);
    free(doubled);
    free(t);
}

static void test_parse_refuses_plain_prose(void **state)
{
    (void)state;
    xk_licence *lic = NULL;
    xk_error err;
    const char *t = "这是一段普通的文字。\n没有任何许可证信息。\n";
    assert_int_equal(xk_licence_parse(t, strlen(t), NULL, &lic, &err), XK_ENOTLICENCE);
    assert_null(lic);
}

static void test_parse_size_limit(void **state)
{
    (void)state;
    xk_licence *lic = NULL;
    xk_error err;
    xk_parse_options o = {16};
    assert_int_equal(xk_licence_parse(mini, strlen(mini), &o, &lic, &err), XK_ETOOBIG);
    assert_non_null(strstr(err.message, "16-byte limit"));
}

static void test_label_with_one_misread_character_is_read_and_flagged(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：B2-20190456\n公司名称：示例科技有限公司\n法定代表入：李四\n"
                    "业务种类：信息服务业务\n发证曰期：2019年3月1日\n有效期至：2024年3月1日\n"
                    "特别规定事项\n一、你公司应当按照要求。\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_int_equal(st, XK_OK);
    assert_string_equal(lic->legal_representative, "李四");
    assert_int_equal(lic->issued.year, 2019);
    size_t fuzzy = 0;
    for (size_t i = 0; i < lic->n_problems; i++)
        fuzzy += strstr(lic->problems[i].message, "one character differs") != NULL;
    assert_int_equal(fuzzy, 2);
    xk_licence_free(lic);
}

static size_t count_problems(const xk_licence *lic, const char *part)
{
    size_t n = 0;
    for (size_t i = 0; i < lic->n_problems; i++)
        n += strstr(lic->problems[i].message, part) != NULL;
    return n;
}

/* A long label with a character inserted or dropped is read too (a six-character label or more:
 * a short one with a character more could be another word); services were refused as missing. */
static void test_label_with_one_character_more_or_less(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：B2-20190456\n公司名称：示例科技有限公司\n法定代表人：李四\n"
                    "业务种类(服务项目)及有覆盖范围：\n信息服务业务(仅限互联网信息服务)\n"
                    "发证日期：2019年3月1日\n有效期至：2024年3月1日\n附页\n"
                    "网站名称：甲\n网站域名：a.cn\n网站接入服务供单位：阿里云计算有限公司\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_int_equal(st, XK_OK);
    assert_int_equal(lic->n_services, 1);
    assert_string_equal(lic->services[0].code, "B25");
    assert_int_equal(lic->n_websites, 1);
    assert_string_equal(lic->websites[0].access_provider, "阿里云计算有限公司");
    assert_int_equal(count_problems(lic, "one character differs"), 2);
    xk_licence_free(lic);
    /* a five-character label with a character more is not taken for 发证日期 */
    t = "经营许可证编号：B2-20190456\n公司名称：示例科技有限公司\n法定代表人：李四\n"
        "业务种类：信息服务业务\n发证日期：2019年3月1日\n有效期至：2024年3月1日\n"
        "公司成立日期：2010年1月1日\n";
    lic = parse(t, &st);
    assert_int_equal(count_problems(lic, "one character differs"), 0);
    xk_licence_free(lic);
}

/* A licence with the two dates given, parsed (it must parse). */
static xk_licence *with_dates(const char *issued, const char *expires)
{
    char t[512];
    snprintf(t, sizeof t,
             "经营许可证编号：B2-20150456\n公司名称：示例科技有限公司\n法定代表人：李四\n"
             "业务种类：信息服务业务\n发证日期：%s\n有效期至：%s\n",
             issued, expires);
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_int_equal(st, XK_OK);
    return lic;
}

static void test_ocr_date_clash_takes_the_other_reading(void **state)
{
    (void)state;
    /* 1]月 as 11月 runs 5 years 10 months: 1月 is the reading that fits */
    xk_licence *lic = with_dates("2015年1月3日", "2020年1]月3日");
    assert_int_equal(lic->expires.month, 1);
    assert_int_equal(count_problems(lic, "needs review: 有效期至 (expires): \"2020年1]月3日\" read "
                                         "as 2020-01-03"), 1);
    xk_licence_free(lic);
    /* 11月 fits: the look-alike stays a digit, flagged as such */
    lic = with_dates("2015年11月3日", "2020年1]月3日");
    assert_int_equal(lic->expires.month, 11);
    assert_int_equal(count_problems(lic, "needs review"), 1);
    assert_int_equal(count_problems(lic, "needs review: 有效期至 (expires): read as 2020-11-03 "
                                         "from \"2020年1]月3日\": OCR look-alikes"), 1);
    xk_licence_free(lic);
    /* the issue date can be the one read otherwise: as 11月 the licence ends before it starts */
    lic = with_dates("2015年1]月3日", "2015年9月3日");
    assert_int_equal(lic->issued.month, 1);
    assert_int_equal(count_problems(lic, "needs review: 发证日期 (issued): \"2015年1]月3日\" "
                                         "read as 2015-01-03"), 1);
    xk_licence_free(lic);
    /* no clash, but only the other reading runs the five years licences are dated for */
    lic = with_dates("2015年1]月3日", "2020年1月3日");
    assert_int_equal(lic->issued.month, 1);
    assert_int_equal(count_problems(lic, "as 2015-11-03 the licence would not run the five "
                                         "years"), 1);
    xk_licence_free(lic);
    lic = with_dates("2015年1]月3日", "2020年1月2日"); /* to the day before */
    assert_int_equal(lic->issued.month, 1);
    xk_licence_free(lic);
    /* neither reading runs five years (a licence reissued after a change): left as read */
    lic = with_dates("2015年1]月3日", "2019年6月3日");
    assert_int_equal(lic->issued.month, 11);
    xk_licence_free(lic);
}

/* An impossible date ("2021年2月59日": a speck read as 5) is read with one digit dropped when
 * exactly that reading runs five years with the other date (to the day, else the day before);
 * both dates are flagged. No such reading: the error it always was. */
static void test_impossible_date_read_with_a_digit_dropped(void **state)
{
    (void)state;
    xk_licence *lic = with_dates("2016年2月9日", "2021年2月59日");
    assert_int_equal(xk_date_cmp(lic->expires, (xk_date){2021, 2, 9}), 0);
    assert_int_equal(count_problems(lic, "needs review: 有效期至 (expires): \"2021年2月59日\" is not "
                                         "a date; read as 2021-02-09"), 1);
    assert_int_equal(count_problems(lic, "needs review: 发证日期 (issued): 2016-02-09 chose"), 1);
    assert_int_equal(xk_licence_error_count(lic), 0);
    xk_licence_free(lic);
    lic = with_dates("2016年2月9日", "2021年2月58日"); /* 5 or 8: the day before fits */
    assert_int_equal(xk_date_cmp(lic->expires, (xk_date){2021, 2, 8}), 0);
    xk_licence_free(lic);
    lic = with_dates("2016年13月9日", "2021年1月9日"); /* 3月 or 1月: the issue date too */
    assert_int_equal(xk_date_cmp(lic->issued, (xk_date){2016, 1, 9}), 0);
    assert_int_equal(count_problems(lic, "needs review: 有效期至 (expires): 2021-01-09 chose"), 1);
    xk_licence_free(lic);
    const char *t = "经营许可证编号：B2-20150456\n公司名称：示例科技有限公司\n法定代表人：李四\n"
                    "业务种类：信息服务业务\n发证日期：2016年2月9日\n有效期至：2021年2月30日\n";
    xk_status st;
    lic = parse("经营许可证编号：B2-20150456\n公司名称：示例科技有限公司\n法定代表人：李四\n"
                "业务种类：信息服务业务\n发证日期:\n有效期至:\n2016年2月9日\n2021年2月59日\n",
                &st); /* the values below their labels */
    assert_int_equal(st, XK_OK);
    assert_int_equal(xk_date_cmp(lic->expires, (xk_date){2021, 2, 9}), 0);
    assert_int_equal(lic->line_expires, 8);
    xk_licence_free(lic);
    lic = parse(t, &st); /* 2月3日 does not fit: no guess */
    assert_int_equal(st, XK_EINVALID);
    assert_int_equal(count_problems(lic, "有效期至 is not a valid date: 2021年2月30日"), 1);
    assert_int_equal(count_problems(lic, "needs review"), 0);
    xk_licence_free(lic);
}

/* A date value OCR made unreadable, on the line after its label: an error for that field; the
 * next label's date is not taken for it (before: "有效期至 is missing", issued = the expiry). */
static void test_unreadable_date_value_is_its_own_fields_error(void **state)
{
    (void)state;
    const char *head = "经营许可证编号：B2-20190456\n公司名称：示例科技有限公司\n法定代表人：李四\n"
                       "业务种类：信息服务业务\n";
    char t[512];
    const char *layouts[] = {"发证日期:\n2.0江9年.6局2目\n有效期至:\n2024年6月3日\n",
                             "发证日期:\n有效期至:\n2019年6月3日\n2024年6月3日\n"};
    snprintf(t, sizeof t, "%s%s", head, layouts[0]);
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_int_equal(count_problems(lic, "发证日期 is not a valid date: 2.0江9年.6局2目"), 1);
    assert_int_equal(count_problems(lic, "发证日期 is missing"), 0); /* one cause, one error */
    assert_int_equal(lic->expires.year, 2024);
    assert_false(xk_date_is_set(lic->issued));
    xk_licence_free(lic);
    /* two labels, then two values: each value to its label */
    snprintf(t, sizeof t, "%s%s", head, layouts[1]);
    lic = parse(t, &st);
    assert_int_equal(lic->issued.year, 2019);
    assert_int_equal(lic->expires.year, 2024);
    assert_int_equal(count_problems(lic, "not a valid date"), 0);
    xk_licence_free(lic);
}

static void test_two_misread_characters_are_not_a_label(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：B2-20190456\n公司名称：示例科技有限公司\n法定代表人：李四\n"
                    "业务种类：信息服务业务\n发证曰朝：2019年3月1日\n有效期至：2024年3月1日\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    /* the unlabelled date still fills 发证日期, with its own warning */
    assert_int_equal(lic->issued.year, 2019);
    bool fuzzy = false;
    for (size_t i = 0; i < lic->n_problems; i++)
        fuzzy |= strstr(lic->problems[i].message, "one character differs") != NULL;
    assert_false(fuzzy);
    xk_licence_free(lic);
}

/* The wrapped services label's last line misread past one character (及有柳疼范围 for
 * 及覆盖范围): it is the label's end, flagged, not a label of its own that empties the block. */
static void test_misread_end_of_the_wrapped_services_label(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：B2-20190456\n公司名称：示例科技有限公司\n法定代表人：李四\n"
                    "业务种类\n（服务项目）\n及有柳疼范围：\n信息服务业务（仅限互联网信息服务）\n"
                    "发证日期：2019年3月1日\n有效期至：2024年3月1日\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_int_equal(st, XK_OK);
    assert_int_equal(lic->n_services, 1);
    assert_string_equal(lic->services[0].code, "B25");
    assert_int_equal(count_problems(lic, "read as the end of 业务种类"), 1);
    assert_int_equal(xk_licence_error_count(lic), 0);
    xk_licence_free(lic);
    /* a colon read as ; closing the label's line: still the label (the value follows) */
    t = "经营许可证编号：B1-20180123\n公司名称：示例科技有限公司\n法定代表人：李四\n"
        "业务种类（服务项目)及覆盖范围;\n第一类增值电信业务中的内容分发网络业务\n"
        "业务覆盖范围：全国\n发证日期：2019年3月1日\n有效期至：2024年3月1日\n";
    lic = parse(t, &st);
    assert_int_equal(st, XK_OK);
    assert_int_equal(lic->n_services, 1);
    assert_string_equal(lic->services[0].code, "B12");
    xk_licence_free(lic);
    /* the label whole on one line: a later 及…范围: line is no part of it */
    t = "经营许可证编号：B2-20190456\n公司名称：示例科技有限公司\n法定代表人：李四\n"
        "业务种类(服务项目)及覆盖范围：\n信息服务业务（仅限互联网信息服务）\n及有柳疼范围：\n"
        "发证日期：2019年3月1日\n有效期至：2024年3月1日\n";
    lic = parse(t, &st);
    assert_int_equal(count_problems(lic, "read as the end of 业务种类"), 0);
    xk_licence_free(lic);
}

static void test_unknown_labelled_line_ends_the_value_above(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：京B2-20224676\n公司名称：甲乙网络科技有限\n公司\n"
                    "注册住所：北京市海淀区中关村大街1号\n法定代表人：张三\n注册资本(万元)：1000\n"
                    "业务种类：信息服务业务\n发证日期：2023年8月4日\n有效期至：2027年1月29日\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_string_equal(lic->company, "甲乙网络科技有限公司"); /* the wrap is still joined */
    assert_string_equal(lic->legal_representative, "张三");
    xk_licence_free(lic);
    t = "经营许可证编号：京B2-20224676\n公司名称：甲公司\n法定代表人：张三\n"
        "业务种类：信息服务业务（仅限互联网信息服务）\n业务覆盖范围：北京市\n注册资本：1000万元\n"
        "发证日期：2023年8月4日\n有效期至：2027年1月29日\n(附页)\n"
        "甲公司获准经营信息服务业务（仅限互联网信息服务）相关信息\n网站名称：甲\n网站域名：jia.cn\n"
        "ICP备案号：京ICP备12345678号-1\n";
    lic = parse(t, &st);
    assert_int_equal(st, XK_OK);
    assert_string_equal(lic->services[0].coverage.items[0], "北京市");
    assert_int_equal(lic->websites[0].domains.len, 1);
    assert_string_equal(lic->websites[0].domains.items[0], "jia.cn");
    xk_licence_free(lic);
}

static void test_arabic_numbering_of_services_provisions_and_items(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：粤B2-20230001\n公司名称：广州测试科技有限公司\n法定代表人：王五\n"
                    "业务种类（服务项目）及覆盖范围：\n1. 在线数据处理与交易处理业务（仅限经营类电子商务）\n"
                    "2、信息服务业务（仅限互联网信息服务）\n发证日期：2023年1月5日\n有效期至：2028年1月5日\n"
                    "特别规定事项\n1、你公司应当遵守规定，\n10个工作日内上报。\n2.你公司应当遵守下列规定：\n"
                    "（1）按照载明的项目开展业务。\n(2)未经批准不得开展固定网电话信息服务业务。\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_int_equal(st, XK_OK);
    assert_int_equal(lic->n_services, 2);
    assert_string_equal(lic->services[0].code, "B21");
    assert_string_equal(lic->services[1].code, "B25");
    assert_int_equal(lic->n_provisions, 2);
    assert_string_equal(lic->provisions[0].text, "你公司应当遵守规定，10个工作日内上报。");
    assert_int_equal(lic->provisions[1].n_items, 2);
    assert_string_equal(lic->provisions[1].items[1].text, "未经批准不得开展固定网电话信息服务业务。");
    xk_licence_free(lic);
}

static void test_domain_notes_and_no_domain_placeholders(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：京B2-20230001\n公司名称：北京测试有限公司\n法定代表人：赵六\n"
                    "业务种类：信息服务业务（仅限互联网信息服务）\n发证日期：2023年1月5日\n"
                    "有效期至：2028年1月5日\n(附页)\n网站名称：测试网\n"
                    "网站域名：www.ceshi.com（主域名），m.ceshi.com\n网站名称：测试APP\n网站域名：无\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_int_equal(st, XK_OK);
    assert_int_equal(lic->n_websites, 2);
    assert_int_equal(lic->websites[0].domains.len, 2);
    assert_string_equal(lic->websites[0].domains.items[0], "www.ceshi.com");
    assert_int_equal(lic->websites[1].domains.len, 0); /* warned about, not an error */
    xk_licence_free(lic);
    /* a space a scan put before a dot splits no domain; one after a dot does */
    t = "经营许可证编号：京B2-20230001\n公司名称：北京测试有限公司\n法定代表人：赵六\n"
        "业务种类：信息服务业务（仅限互联网信息服务）\n发证日期：2023年1月5日\n"
        "有效期至：2028年1月5日\n(附页)\n网站名称：测试网\n网站域名：news.ceshi .COm a.cn. b.cn\n";
    lic = parse(t, &st);
    assert_int_equal(st, XK_OK);
    assert_int_equal(lic->websites[0].domains.len, 3);
    assert_string_equal(lic->websites[0].domains.items[0], "news.ceshi.com");
    assert_string_equal(lic->websites[0].domains.items[1], "a.cn");
    assert_int_equal(count_problems(lic, "a space before a dot splits no domain"), 1);
    xk_licence_free(lic);
}

/* A block header whose 相关信息 a scan lost ends at the website under it: joined on, it took in
 * that website and the next header, and one website was gone without a word. */
static void test_header_without_its_end_keeps_the_websites_under_it(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：琼B2-20220293\n公司名称：海南甲有限公司\n法定代表人：赵六\n"
                    "业务种类：在线数据处理与交易处理业务（仅限经营类电子商务）\n"
                    "信息服务业务（仅限互联网信息服务）\n发证日期：2022年4月15日\n"
                    "有效期至：2027年4月15日\n(附页)\n"
                    "海南甲有限公司获准经营在线数据处理与交易处理业务(仅限经营类电子商务)相\n"
                    "网站名称：甲\n网站域名：jia.cn\n"
                    "海南甲有限公司获准经营信息服务业务(仅限互联网信息服务)相关信息\n"
                    "网站名称：甲\n网站域名：jia.cn\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_int_equal(st, XK_OK);
    assert_int_equal(lic->n_websites, 2);
    assert_string_equal(lic->websites[0].code, "B21");
    assert_string_equal(lic->websites[1].code, "B25");
    assert_string_equal(lic->websites[1].domains.items[0], "jia.cn");
    xk_licence_free(lic);
    /* the only header, its 相关信息 lost: a website's label next makes it one all the same */
    t = "经营许可证编号：琼B2-20220293\n公司名称：海南甲有限公司\n法定代表人：赵六\n"
        "业务种类：在线数据处理与交易处理业务（仅限经营类电子商务）\n"
        "信息服务业务（仅限互联网信息服务）\n发证日期：2022年4月15日\n"
        "有效期至：2027年4月15日\n"
        "海南甲有限公司获准经营在线数据处理与交易处理业务(仅限经营类电子商务)相\n"
        "网站名称：甲\n网站域名：jia.cn\n";
    lic = parse(t, &st);
    assert_int_equal(st, XK_OK);
    assert_int_equal(lic->n_websites, 1);
    assert_string_equal(lic->websites[0].code, "B21");
    xk_licence_free(lic);
}

static void test_validity_range_and_explicit_issue_date(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：浙B2-20190876\n公司名称：杭州测试有限公司\n法定代表人：林七\n"
                    "业务种类：信息服务业务（仅限互联网信息服务）\n有效期：自2019年7月1日至2024年7月1日\n"
                    "发证日期：2021年3月2日\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    char a[16], b[16];
    assert_string_equal(xk_date_format(lic->issued, a, sizeof a), "2021-03-02");
    assert_string_equal(xk_date_format(lic->expires, b, sizeof b), "2024-07-01");
    xk_licence_free(lic);
    t = "经营许可证编号：浙B2-20190876\n公司名称：杭州测试有限公司\n法定代表人：林七\n"
        "业务种类：信息服务业务（仅限互联网信息服务）\n有效期：自2019年7月1日至2024年7月1日\n";
    lic = parse(t, &st);
    assert_string_equal(xk_date_format(lic->issued, a, sizeof a), "2019-07-01");
    xk_licence_free(lic);
}

static void test_services_label_variant_and_block_coverage(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：B2-20190456\n公司名称：全国测试有限公司\n法定代表人：钱八\n"
                    "经营范围：\n信息服务业务（不含互联网信息服务）\n"
                    "在线数据处理与交易处理业务（仅限经营类电子商务）\n业务覆盖范围：全国\n"
                    "发证日期：2019年5月5日\n有效期至：2024年5月5日\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_int_equal(lic->n_services, 2);
    assert_string_equal(lic->services[0].coverage.items[0], "全国");
    assert_string_equal(lic->services[1].coverage.items[0], "全国");
    xk_licence_free(lic);
}

static void test_provision_wrapped_line_starting_with_numeral_is_text(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：B2-20190456\n公司名称：示例科技有限公司\n法定代表人：李四\n"
                    "业务种类：信息服务业务\n发证日期：2019年3月1日\n有效期至：2024年3月1日\n"
                    "特别规定事项\n一、你公司应当按照要求\n五、六项规定执行。\n二、第二条。\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_int_equal(lic->n_provisions, 2);
    assert_string_equal(lic->provisions[0].text, "你公司应当按照要求五、六项规定执行。");
    xk_licence_free(lic);
}

/* Provisions keep the numbers the licence prints: a gap is flagged, and a number printed twice
 * is flagged and read as text of the provision before, never renumbered. */
static void test_provision_numbers_kept_as_printed_gaps_and_duplicates_flagged(void **state)
{
    (void)state;
    const char *t = "经营许可证编号：B2-20190456\n公司名称：示例科技有限公司\n法定代表人：李四\n"
                    "业务种类：信息服务业务\n发证日期：2019年3月1日\n有效期至：2024年3月1日\n"
                    "特别规定事项\n一、第一条。\n二、第二条。\n二、又一条。\n四、第四条。\n";
    xk_status st;
    xk_licence *lic = parse(t, &st);
    assert_int_equal(lic->n_provisions, 3);
    assert_int_equal(lic->provisions[0].no, 1);
    assert_int_equal(lic->provisions[1].no, 2);
    assert_int_equal(lic->provisions[2].no, 4); /* as printed: not renumbered to 3 */
    assert_string_equal(lic->provisions[1].text, "第二条。二、又一条。");
    assert_int_equal(count_problems(lic, "special provision 2 but 2 was the last read (a duplicate)"), 1);
    assert_int_equal(count_problems(lic, "special provision 4 follows 2: 3 missing"), 1);
    xk_licence_free(lic);
}

/* The layout pass alone: its output text, and line numbers kept (a split is a form feed). */
static char *laid_out(const char *text, xk_licence *lic)
{
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(xk_layout_rewrite(text, strlen(text), lic, &out, &len), XK_OK);
    return out;
}

static void test_layout_splits_a_line_of_two_labels(void **state)
{
    (void)state;
    xk_licence *lic = xk_licence_new();
    char *out = laid_out("公司名称：某某科技有限公司        法定代表人：张三\n", lic);
    assert_non_null(out);
    assert_string_equal(out, "公司名称：某某科技有限公司\f法定代表人：张三\n");
    free(out);
    /* one label, or a second colon in a value: nothing to do */
    assert_null(laid_out("网站名称：时间 10:30 开放\n", lic));
    xk_licence_free(lic);
}

static void test_layout_reads_a_box_table_with_wrapped_cells(void **state)
{
    (void)state;
    xk_licence *lic = xk_licence_new();
    char *out = laid_out("┌──┬────┬────┐\n"
                         "│序号│网站名称│网站域名│\n"
                         "├──┼────┼────┤\n"
                         "│1 │星河│a.com│\n"
                         "│  │网  │www.a.com│\n"
                         "└──┴────┴────┘\n",
                         lic);
    assert_non_null(out);
    assert_string_equal(out, "\n\n\n网站名称：星河网\f网站域名：a.com www.a.com\n\n\n");
    free(out);
    xk_licence_free(lic);
}

static void test_layout_drops_a_running_footer_with_a_warning(void **state)
{
    (void)state;
    xk_licence *lic = xk_licence_new();
    char *out = laid_out("一、甲\n打印日期：2025-01-02\f二、乙\n打印日期：2025-01-02\n", lic);
    assert_non_null(out);
    assert_string_equal(out, "一、甲\n\f二、乙\n\n");
    assert_int_equal(lic->n_problems, 1);
    assert_non_null(strstr(lic->problems[0].message, "page furniture dropped: 2 lines"));
    free(out);
    xk_licence_free(lic);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_with_region),
        cmocka_unit_test(test_number_exact_addresses),
        cmocka_unit_test(test_number_cross_regional_has_no_region),
        cmocka_unit_test(test_number_both_classes),
        cmocka_unit_test(test_number_unknown_region_is_flagged),
        cmocka_unit_test(test_number_dash_variants_and_no_dash),
        cmocka_unit_test(test_number_normalise_user_input),
        cmocka_unit_test(test_number_with_ocr_lookalikes_is_corrected_and_flagged),
        cmocka_unit_test(test_icp_numbers_are_recognised),
        cmocka_unit_test(test_number_header_lines),
        cmocka_unit_test(test_chinese_numerals),
        cmocka_unit_test(test_services_qualifiers_limited_includes_excludes),
        cmocka_unit_test(test_services_two_on_separate_lines),
        cmocka_unit_test(test_services_qualifier_naming_a_service_is_not_a_service),
        cmocka_unit_test(test_services_class_prefix_and_coverage),
        cmocka_unit_test(test_services_name_alone_with_nothing_after),
        cmocka_unit_test(test_services_scope_without_brackets),
        cmocka_unit_test(test_services_unknown_text_is_an_error),
        cmocka_unit_test(test_parse_cross_regional_minimal_licence),
        cmocka_unit_test(test_company_named_otherwise_in_the_provisions),
        cmocka_unit_test(test_number_province_from_the_issuer),
        cmocka_unit_test(test_number_province_from_the_seal_line),
        cmocka_unit_test(test_number_province_from_the_coverage),
        cmocka_unit_test(test_number_province_unread_issuer_is_no_guess),
        cmocka_unit_test(test_number_province_two_issuers_contradict),
        cmocka_unit_test(test_number_province_not_from_the_ministry),
        cmocka_unit_test(test_number_province_not_for_a_basic_telecom_number),
        cmocka_unit_test(test_number_known_province_is_kept_beside_another_issuer),
        cmocka_unit_test(test_parse_stacked_labels_take_values_in_order),
        cmocka_unit_test(test_doubled_colon_after_a_label),
        cmocka_unit_test(test_parse_refuses_plain_prose),
        cmocka_unit_test(test_parse_size_limit),
        cmocka_unit_test(test_provision_wrapped_line_starting_with_numeral_is_text),
        cmocka_unit_test(test_provision_numbers_kept_as_printed_gaps_and_duplicates_flagged),
        cmocka_unit_test(test_unknown_labelled_line_ends_the_value_above),
        cmocka_unit_test(test_arabic_numbering_of_services_provisions_and_items),
        cmocka_unit_test(test_domain_notes_and_no_domain_placeholders),
        cmocka_unit_test(test_validity_range_and_explicit_issue_date),
        cmocka_unit_test(test_header_without_its_end_keeps_the_websites_under_it),
        cmocka_unit_test(test_services_label_variant_and_block_coverage),
        cmocka_unit_test(test_label_with_one_misread_character_is_read_and_flagged),
        cmocka_unit_test(test_label_with_one_character_more_or_less),
        cmocka_unit_test(test_ocr_date_clash_takes_the_other_reading),
        cmocka_unit_test(test_impossible_date_read_with_a_digit_dropped),
        cmocka_unit_test(test_unreadable_date_value_is_its_own_fields_error),
        cmocka_unit_test(test_two_misread_characters_are_not_a_label),
        cmocka_unit_test(test_misread_end_of_the_wrapped_services_label),
        cmocka_unit_test(test_layout_splits_a_line_of_two_labels),
        cmocka_unit_test(test_layout_reads_a_box_table_with_wrapped_cells),
        cmocka_unit_test(test_layout_drops_a_running_footer_with_a_warning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
