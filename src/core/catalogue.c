/*
 * Reference tables: the 31 province-level regions that issue provincial licences, and the 2015
 * catalogue of value-added telecom services with the older names (2003 catalogue: 因特网…) that
 * documents still print. Pure data plus lookups; see ../docs/DOMAIN notes for sources.
 *
 * The regions (name → abbreviation → issuer): each name is the province-level division's name
 * in GB/T 2260 (中华人民共和国行政区划代码; its numeric code is the comment on each row), and
 * each abbreviation its official one-character 简称 as the central government's list of
 * administrative divisions gives it (www.gov.cn, 行政区划): where the list gives two (贵/黔,
 * 云/滇, 川/蜀, 陕/秦, 甘/陇) the first, which licence numbers use; for 内蒙古 the list gives the
 * name itself, and licence numbers use 蒙. The issuer is the province's communications
 * administration, "<name>通信管理局", as 发证机关 prints it. A person can check each row
 * against those two public sources; nothing here comes from test records. The extractor reads a
 * misread province back from the issuer named in the licence through this table
 * (extract/fields.c, region_from_issuer).
 */
#include "xuke/catalogue.h"

#include <stdbool.h>
#include <string.h>

#include "xuke/text.h"

static const xk_region regions[] = {
    {"京", "北京市", "北京市通信管理局"}, /* 110000 */
    {"津", "天津市", "天津市通信管理局"}, /* 120000 */
    {"冀", "河北省", "河北省通信管理局"}, /* 130000 */
    {"晋", "山西省", "山西省通信管理局"}, /* 140000 */
    {"蒙", "内蒙古自治区", "内蒙古自治区通信管理局"}, /* 150000 */
    {"辽", "辽宁省", "辽宁省通信管理局"}, /* 210000 */
    {"吉", "吉林省", "吉林省通信管理局"}, /* 220000 */
    {"黑", "黑龙江省", "黑龙江省通信管理局"}, /* 230000 */
    {"沪", "上海市", "上海市通信管理局"}, /* 310000 */
    {"苏", "江苏省", "江苏省通信管理局"}, /* 320000 */
    {"浙", "浙江省", "浙江省通信管理局"}, /* 330000 */
    {"皖", "安徽省", "安徽省通信管理局"}, /* 340000 */
    {"闽", "福建省", "福建省通信管理局"}, /* 350000 */
    {"赣", "江西省", "江西省通信管理局"}, /* 360000 */
    {"鲁", "山东省", "山东省通信管理局"}, /* 370000 */
    {"豫", "河南省", "河南省通信管理局"}, /* 410000 */
    {"鄂", "湖北省", "湖北省通信管理局"}, /* 420000 */
    {"湘", "湖南省", "湖南省通信管理局"}, /* 430000 */
    {"粤", "广东省", "广东省通信管理局"}, /* 440000 */
    {"桂", "广西壮族自治区", "广西壮族自治区通信管理局"}, /* 450000 */
    {"琼", "海南省", "海南省通信管理局"}, /* 460000 */
    {"渝", "重庆市", "重庆市通信管理局"}, /* 500000 */
    {"川", "四川省", "四川省通信管理局"}, /* 510000 */
    {"贵", "贵州省", "贵州省通信管理局"}, /* 520000 */
    {"云", "云南省", "云南省通信管理局"}, /* 530000 */
    {"藏", "西藏自治区", "西藏自治区通信管理局"}, /* 540000 */
    {"陕", "陕西省", "陕西省通信管理局"}, /* 610000 */
    {"甘", "甘肃省", "甘肃省通信管理局"}, /* 620000 */
    {"青", "青海省", "青海省通信管理局"}, /* 630000 */
    {"宁", "宁夏回族自治区", "宁夏回族自治区通信管理局"}, /* 640000 */
    {"新", "新疆维吾尔自治区", "新疆维吾尔自治区通信管理局"}, /* 650000 */
};

/* Short names as documents write coverage ("北京", "广西", "内蒙古"), same order as regions. */
static const char *const region_short[] = {
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
    "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
};

static const xk_service_kind services[] = {
    {"B11", "B1", "互联网数据中心业务"},
    {"B12", "B1", "内容分发网络业务"},
    {"B13", "B1", "国内互联网虚拟专用网业务"},
    {"B14", "B1", "互联网接入服务业务"},
    {"B21", "B2", "在线数据处理与交易处理业务"},
    {"B22", "B2", "国内多方通信服务业务"},
    {"B23", "B2", "存储转发类业务"},
    {"B24", "B2", "呼叫中心业务"},
    {"B25", "B2", "信息服务业务"},
    {"B26", "B2", "编码和规程转换业务"},
};

/* Names documents print for the same services: older catalogue editions and common variants. */
static const struct {
    const char *name;
    const char *code;
} service_aliases[] = {
    {"因特网数据中心业务", "B11"},
    {"互联网数据中心服务业务", "B11"},
    {"内容分发网络服务业务", "B12"},
    {"国内因特网虚拟专用网业务", "B13"},
    {"国内互联网虚拟专用网服务业务", "B13"},
    {"因特网接入服务业务", "B14"},
    {"互联网接入业务", "B14"},
    {"在线数据处理和交易处理业务", "B21"},
    {"在线数据与交易处理业务", "B21"},
    {"国内多方通信业务", "B22"},
    {"存储转发业务", "B23"},
    {"国内呼叫中心业务", "B24"},
    {"呼叫中心服务业务", "B24"},
    {"编码与规程转换业务", "B26"},
};

size_t xk_region_count(void)
{
    return sizeof regions / sizeof regions[0];
}

const xk_region *xk_region_at(size_t i)
{
    return i < xk_region_count() ? &regions[i] : NULL;
}

const xk_region *xk_region_by_abbr(const char *abbr, size_t len)
{
    for (size_t i = 0; i < xk_region_count(); i++)
        if (strlen(regions[i].abbr) == len && memcmp(regions[i].abbr, abbr, len) == 0)
            return &regions[i];
    return NULL;
}

const xk_region *xk_region_by_name(const char *name, size_t len)
{
    for (size_t i = 0; i < xk_region_count(); i++) {
        if (strlen(regions[i].name) == len && memcmp(regions[i].name, name, len) == 0)
            return &regions[i];
        if (strlen(region_short[i]) == len && memcmp(region_short[i], name, len) == 0)
            return &regions[i];
    }
    return NULL;
}

size_t xk_service_count(void)
{
    return sizeof services / sizeof services[0];
}

const xk_service_kind *xk_service_at(size_t i)
{
    return i < xk_service_count() ? &services[i] : NULL;
}

const xk_service_kind *xk_service_by_code(const char *code)
{
    for (size_t i = 0; i < xk_service_count(); i++)
        if (strcmp(services[i].code, code) == 0)
            return &services[i];
    return NULL;
}

const xk_service_kind *xk_service_match(const char *text, size_t len, size_t *matched)
{
    const xk_service_kind *best = NULL;
    size_t best_len = 0, n;
    for (size_t i = 0; i < xk_service_count(); i++)
        if ((n = xk_starts_with(text, len, services[i].name)) > best_len) {
            best = &services[i];
            best_len = n;
        }
    for (size_t i = 0; i < sizeof service_aliases / sizeof service_aliases[0]; i++)
        if ((n = xk_starts_with(text, len, service_aliases[i].name)) > best_len) {
            best = xk_service_by_code(service_aliases[i].code);
            best_len = n;
        }
    if (best && matched)
        *matched = best_len;
    return best;
}
