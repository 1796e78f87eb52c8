/*
 * Synthetic licence documents for benchmarks. See synth.h.
 */
#include "synth.h"

#include <stdio.h>
#include <string.h>

static const char *const regions[] = {"京", "津", "冀", "晋", "蒙", "辽", "吉", "黑", "沪", "苏", "浙",
                                      "皖", "闽", "赣", "鲁", "豫", "鄂", "湘", "粤", "桂", "琼", "渝",
                                      "川", "贵", "云", "藏", "陕", "甘", "青", "宁", "新", ""};
static const char *const cities[] = {"北京", "上海", "广州", "深圳", "杭州", "南京",
                                     "成都", "武汉", "西安", "海口", "厦门", "苏州"};
static const char *const words[] = {"小荷", "佰易", "好美", "星河", "启明", "云栈", "蓝海", "青禾",
                                    "天衡", "瑞丰", "嘉禾", "明远", "华信", "万象", "安泰", "博雅",
                                    "智联", "远航", "新程", "汇通", "融创", "锦程", "鼎盛", "长风"};
static const char *const kinds[] = {"网络技术", "信息技术", "科技",     "数据服务",
                                    "互联网医院", "电子商务", "文化传媒", "健康网络技术"};
static const char *const tlds[] = {"cn", "com", "com.cn", "net", "net.cn"};

/* splitmix64: a fixed, fast sequence per document */
static unsigned long long next(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

#define PICK(arr, s) arr[next(s) % (sizeof arr / sizeof arr[0])]

void synth_document(size_t i, xk_buf *b, char *number, char *domain, char *company_part)
{
    unsigned long long s = i * 7919ULL + 17;
    /* years cycle with the index so any prefix of the corpus mixes them; (region, year, serial)
     * stays unique below 3.52 million */
    size_t year = 2015 + i % 11, serial = (i / 11) % 10000, reg = (i / 110000) % 32;
    bool b1 = next(&s) % 100 < 15;
    snprintf(number, 64, "%s%s-%zu%04zu", regions[reg], b1 ? "B1" : "B2", year, serial);
    const char *w1 = PICK(words, &s), *w2 = PICK(words, &s);
    /* two more characters from a hundred, driven by the index: names are nearly unique, as a
     * real registry's are, so a distinctive fragment matches a handful of licences */
    static const char pool[] = "安百北博昌成诚创达大德鼎东方丰峰福富广海和恒宏华汇佳嘉金锦京晶景"
                               "凯康科蓝朗乐力立利联林龙隆美明铭南宁鹏平启千强清庆瑞润森山尚盛"
                               "世顺思泰腾天通同万旺维伟文祥新鑫信星兴旭亚扬阳耀一亿益银英永宇远"
                               "悦云泽正智中众卓子宗";
    char u[8];
    size_t ua = (i * 7) % 100, ub = (i / 100) % 100;
    memcpy(u, pool + 3 * ua, 3);
    memcpy(u + 3, pool + 3 * ub, 3);
    u[6] = '\0';
    char company[160];
    snprintf(company, sizeof company, "%s%s%s%s%s有限公司", PICK(cities, &s), w1, w2, u,
             PICK(kinds, &s));
    snprintf(company_part, 64, "%s%s", w2, u);
    int im = (int)(next(&s) % 12) + 1, iday = (int)(next(&s) % 28) + 1;
    size_t iy = year + next(&s) % 2;
    xk_buf_reset(b);
    xk_buf_printf(b, "\n中华人民共和国\n增值电信业务经营许可证\n\n经营许可证编号：%s\n\n"
                     "公司名称：%s\n\n法定代表人：王%s\n\n业务种类\n(服务项目)\n及覆盖范围：\n\n",
                  number, company, w1);
    bool has_site = !b1;
    if (b1) {
        xk_buf_puts(b, "互联网数据中心业务(不含互联网资源协作服务)\n");
        if (reg == 31)
            xk_buf_puts(b, "业务覆盖范围：北京、上海、广东\n");
        xk_buf_puts(b, "内容分发网络业务\n");
    } else {
        xk_buf_puts(b, "信息服务业务(仅限互联网信息服务)\n不含信息搜索查询服务、信息即时交互服务。\n"
                       "【依法须经批准的项目，经相关部门批准后方可开展相应经营活动】\n");
        if (next(&s) % 2)
            xk_buf_puts(b, "在线数据处理与交易处理业务(仅限经营类电子商务)\n");
    }
    xk_buf_printf(b, "\n发证机关(盖章)：\n\n发证日期：%zu年%02d月%02d日\n\n有效期至：%zu年%02d月%02d日\n\n",
                  iy, im, iday, iy + 5, im, iday);
    snprintf(domain, 64, "site%zu.%s", i, PICK(tlds, &s));
    if (has_site)
        xk_buf_printf(b, "经营许可证编号：%s\n中华人民共和国增值电信业务经营许可证\n(附页)\n\n"
                         "%s获准经营信息服务业务(仅限互联网信息服务)相关信息\n\n网站名称：%s%s\n\n"
                         "网站域名：%s、m.%s\n\n服务器放置地：%s市\n\n"
                         "网站接入服务提供单位：阿里云计算有限公司\n\n",
                      number, company, w2, w1, domain, domain, PICK(cities, &s));
    xk_buf_printf(b, "经营许可证编号：%s\n\n特别规定事项\n\n《特别规定事项》是经营许可证重要组成部分，"
                     "%s应当按照经营许可证载明的许可事项开展经营活动，并遵守下列规定事项：\n\n"
                     "一、你公司应当按照许可的业务种类和业务覆盖范围，依法开展业务经营活动。你公司应当在网站主页"
                     "等显著位置标明经营许可证编号。\n\n"
                     "二、你公司应当配合国家有关部门依法开展监督检查工作，对发现的违法信息立即进行处置，"
                     "并在处置后的10个工作日内向电信主管部门上报。\n\n"
                     "三、你公司经营许可证有效期届满需要继续经营的，应当提前90日向原发证机关提出续办申请。\n\n"
                     "四、你公司应当在每年第一季度参加电信主管部门组织的经营许可证年报。\n",
                  number, company);
}
