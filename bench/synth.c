/*
 * Synthetic licence documents for benchmarks, in the seeds' shape and size. See synth.h.
 * The provisions are assembled from phrases in the register of the printed form, not copied
 * from any fixture, so the benchmark corpus and the test fixtures stay apart.
 */
#include "synth.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const regions[] = {
    "京", "津", "冀", "晋", "蒙", "辽", "吉", "黑", "沪", "苏", "浙", "皖", "闽", "赣", "鲁", "豫",
    "鄂", "湘", "粤", "桂", "琼", "渝", "川", "贵", "云", "藏", "陕", "甘", "青", "宁", "新", ""};
static const char *const cities[] = {"北京", "上海", "广州", "深圳", "杭州", "南京",
                                     "成都", "武汉", "西安", "海口", "厦门", "苏州"};
static const char *const districts[] = {"朝阳区", "海淀区", "浦东新区", "天河区", "南山区",
                                        "西湖区", "江宁区", "高新区",   "经开区", "龙华区"};
static const char *const words[] = {"小荷", "佰易", "好美", "星河", "启明", "云栈", "蓝海", "青禾",
                                    "天衡", "瑞丰", "嘉禾", "明远", "华信", "万象", "安泰", "博雅",
                                    "智联", "远航", "新程", "汇通", "融创", "锦程", "鼎盛", "长风"};
static const char *const kinds[] = {"网络技术",   "信息技术", "科技",     "数据服务",
                                    "互联网医院", "电子商务", "文化传媒", "健康网络技术"};
static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军",   "洋",
                                    "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "海锋", "小会"};
static const char *const tlds[] = {"cn", "com", "com.cn", "net", "net.cn"};
static const char *const syllables[] = {"xiao", "he",  "bai", "yi",  "hao",  "mei", "xing", "qi",
                                        "ming", "yun", "lan", "hai", "tian", "rui", "jia",  "hua"};
static const char *const providers[] = {"阿里云计算有限公司", "中联云港数据科技股份有限公司",
                                        "腾讯云计算(北京)有限责任公司", "北京百度网讯科技有限公司",
                                        "华为云计算技术有限公司"};

typedef struct service {
    const char *name, *qualifier;
    bool web; /* has websites in the appendix */
} service;

static const service b2_services[] = {
    {"信息服务业务(仅限互联网信息服务)", "不含信息搜索查询服务、信息即时交互服务。", true},
    {"在线数据处理与交易处理业务(仅限经营类电子商务)", "不含网络借贷信息中介类的互联网金融业务。",
     true},
    {"呼叫中心业务", NULL, false},
    {"存储转发类业务", NULL, false},
};
static const service b1_services[] = {
    {"互联网数据中心业务(不含互联网资源协作服务)", NULL, false},
    {"内容分发网络业务", NULL, false},
    {"互联网接入服务业务", NULL, false},
};

/* Openings and phrases a provision is made of (the printed form's register). */
static const char *const openings[] = {
    "你公司应当按照《中华人民共和国电信条例》等法律法规要求，",
    "你公司应当按照电信主管部门要求或有关标准，",
    "你公司应当按照国家有关规定和《电信服务规范》等相关管理要求，",
    "你公司在开展业务经营活动的过程中，",
    "你公司应当按照国家用户信息保护有关法律法规要求，",
};
static const char *const phrases[] = {
    "严格执行电信网码号资源、业务资费、市场管理、服务质量等行业管理规定",
    "履行维护国家安全和利益的义务",
    "配合电信主管部门依法开展监督检查工作",
    "不得经营或变相经营未经许可的其他电信业务",
    "不得超越许可的业务覆盖范围开展经营活动",
    "建立健全服务管理制度，配备用户投诉受理人员",
    "妥善化解服务纠纷，维护用户合法权益",
    "开展所属网络和系统定级备案、符合性评测和风险评估等工作",
    "按照有关政策和标准要求落实网络安全防护措施，保障网络和系统安全",
    "开展用户信息保护工作，落实企业网络与信息安全主体责任",
    "完善管理制度和技术手段，规范用户信息和网络数据采集、传输、存储、使用和销毁等行为",
    "加强数据访问权限管理，防止用户信息和数据泄露",
    "做好用户日志留存、违法信息监测等工作",
    "为有关部门提供技术接口和解密等技术支持和协助",
    "规范各类电信资源的使用管理，不得向未经许可的经营者提供电信资源",
    "采取切实的技术手段和监控措施加强用户管理",
    "具备网络与信息安全管理技术保障措施",
    "实现与网络和业务发展同步规划、同步建设、同步运行",
    "建立互联网新技术新业务安全评估制度，积极防范网络信息安全风险",
    "制定应急处置预案，做好技术手段规范使用、日常管理及运行维护",
    "妥善保存业务平台上所传输处理的相关数据资料，保存时间不得少于一年",
    "向用户收费应当做到准确、合理，不得收取明码标价外的任何其他费用",
    "与合作方签订协议，明确双方权利、义务和违约责任",
    "在公司主要经营场所、网站主页、业务宣传手册等显著位置标明经营许可证编号",
};
/* Sentences that carry the duties the extractor reads (the seeds have each of them). */
static const char *const duty_sentences[] = {
    "对发现的违法信息立即进行处置，保存有关记录，并在处置后的10个工作日内向电信主管部门上报。",
    "遇有合并或者分立、股东变化等涉及经营主体需要变更的情形，应当自公司作出决定之日起30日内向我部提"
    "出"
    "申请，经批准后方可实施。",
    "你公司经营许可证有效期届满需要继续经营的，应当提前90日向原发证机关提出续办申请。",
    "你公司应当在每年第一季度参加电信主管部门组织的经营许可证年报。",
};
static const char *const numerals[] = {"一",   "二",   "三",   "四",   "五",   "六",   "七",
                                       "八",   "九",   "十",   "十一", "十二", "十三", "十四",
                                       "十五", "十六", "十七", "十八", "十九", "二十"};

static unsigned long long corpus_seed = 1;

void synth_seed(unsigned long long seed)
{
    corpus_seed = seed;
}

/* splitmix64: a fixed, fast sequence per document */
static unsigned long long next(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static size_t below(unsigned long long *s, size_t n)
{
    return (size_t)(next(s) % n);
}

#define PICK(arr, s) arr[below(s, sizeof arr / sizeof arr[0])]

/* The provisions' pages: a header every ~2.6 KB, between paragraphs or (split) inside one;
 * wrap > 0 breaks long lines every `wrap` characters. */
typedef struct pager {
    xk_buf *b;
    const char *number;
    size_t page_bytes, page_limit, wrap;
    bool split_mid;
} pager;

static void page_header(pager *pg)
{
    xk_buf_printf(pg->b, "\n经营许可证编号： %s\n\n特别规定事项\n\n", pg->number);
    pg->page_bytes = 0;
}

/* Bytes of the UTF-8 character starting at s. */
static size_t char_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static void put_wrapped(pager *pg, const char *s, size_t len)
{
    size_t chars = 0;
    for (size_t i = 0; i < len;) {
        size_t n = char_len(s + i);
        if (pg->wrap && chars == pg->wrap) {
            xk_buf_putc(pg->b, '\n');
            chars = 0;
        }
        xk_buf_append(pg->b, s + i, n);
        chars++;
        i += n;
    }
}

/* One paragraph and the blank line after it; a page break falls before it or, on a
 * mid-sentence document, inside it (at a character boundary past its numbering). */
static void paragraph(pager *pg, const char *s, size_t len)
{
    if (pg->page_bytes + len > pg->page_limit && pg->split_mid && len > 120) {
        size_t cut = len / 2;
        while (cut < len && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut++;
        put_wrapped(pg, s, cut);
        xk_buf_putc(pg->b, '\n');
        page_header(pg);
        put_wrapped(pg, s + cut, len - cut);
        pg->page_bytes = len - cut;
    } else {
        if (pg->page_bytes + len > pg->page_limit)
            page_header(pg);
        put_wrapped(pg, s, len);
        pg->page_bytes += len;
    }
    xk_buf_puts(pg->b, "\n\n");
}

/* A clause body of `parts` phrases after an opening, ending in a full stop. */
static void clause_body(xk_buf *t, unsigned long long *s, size_t parts)
{
    xk_buf_puts(t, PICK(openings, s));
    for (size_t k = 0; k < parts; k++) {
        if (k)
            xk_buf_puts(t, "，");
        xk_buf_puts(t, PICK(phrases, s));
    }
    xk_buf_puts(t, "。");
}

static void provisions(pager *pg, unsigned long long *s, const service *sv, size_t nsv,
                       const char *company)
{
    xk_buf t;
    xk_buf_init(&t);
    xk_buf_printf(&t,
                  "《特别规定事项》是经营许可证重要组成部分，%s应当按照经营许可证载明的许可事项"
                  "开展经营活动，并遵守下列规定事项：",
                  company);
    paragraph(pg, t.data, t.len);
    size_t with_items = nsv < 2 ? nsv : 2;
    size_t plain = 14 + below(s, 2) - with_items + 1; /* 15 or 16 clauses in all */
    size_t duty = 0;
    for (size_t k = 0; k < plain; k++) {
        xk_buf_reset(&t);
        xk_buf_printf(&t, "%s、", numerals[k]);
        clause_body(&t, s, 3 + below(s, 4));
        /* the duty sentences fall on clauses 9, 11, 12 and 14, as in the seeds */
        if ((k == 8 || k == 10 || k == 11 || k == 13) && duty < 4)
            xk_buf_puts(&t, duty_sentences[duty++]);
        paragraph(pg, t.data, t.len);
    }
    for (size_t k = 0; k < with_items; k++) {
        xk_buf_reset(&t);
        xk_buf_printf(&t, "%s、你公司在经营%s时应当遵守下列规定：", numerals[plain + k],
                      sv[k].name);
        paragraph(pg, t.data, t.len);
        size_t items = 4 + below(s, 5);
        for (size_t j = 0; j < items; j++) {
            xk_buf_reset(&t);
            xk_buf_printf(&t, "（%s）", numerals[j]);
            clause_body(&t, s, 2 + below(s, 3));
            paragraph(pg, t.data, t.len);
        }
    }
    xk_buf_free(&t);
}

static void host_name(char *out, size_t cap, unsigned long long *s, size_t i, size_t k)
{
    snprintf(out, cap, "%s%s%zux%zu.%s", PICK(syllables, s), PICK(syllables, s), i, k,
             PICK(tlds, s));
}

/* The appendix: per web service, most licences a few websites, one in fifteen dozens. */
static void appendix(xk_buf *b, unsigned long long *s, size_t i, const char *number,
                     const char *company, const service *sv, size_t nsv, char *domain)
{
    bool any = false;
    for (size_t k = 0; k < nsv; k++)
        any = any || sv[k].web;
    if (!any)
        return;
    xk_buf_printf(b, "经营许可证编号： %s\n\n中华人民共和国增值电信业务经营许可证\n(附页)\n\n\n\n",
                  number);
    size_t site = 0;
    for (size_t k = 0; k < nsv; k++) {
        if (!sv[k].web)
            continue;
        xk_buf_printf(b, "%s获准经营%s相关信息\n\n", company, sv[k].name);
        size_t sites = below(s, 15) == 0 ? 12 + below(s, 24) : 1 + below(s, 3);
        for (size_t w = 0; w < sites; w++, site++) {
            char host[64];
            if (site == 0)
                snprintf(host, sizeof host, "%s", domain);
            else
                host_name(host, sizeof host, s, i, site);
            xk_buf_printf(b, "网站名称：%s%s\n\n网站域名：%s", PICK(words, s), PICK(words, s),
                          host);
            if (site == 0 || below(s, 3) == 0)
                xk_buf_printf(b, "、m.%s", host);
            xk_buf_printf(b, "\n\n服务器放置地：%s市%s%s路%zu号\n\n网站接入服务提供单位：%s\n\n",
                          PICK(cities, s), PICK(districts, s), PICK(words, s), 1 + below(s, 200),
                          PICK(providers, s));
        }
    }
    xk_buf_puts(b, "\n");
}

static void date_line(xk_buf *b, const char *label, size_t y, int m, int d, int style)
{
    if (style == 0)
        xk_buf_printf(b, "%s:\n\n%zu年%02d月%02d日\n\n", label, y, m, d);
    else if (style == 1)
        xk_buf_printf(b, "%s：%zu年%d月%d日\n\n", label, y, m, d);
    else
        xk_buf_printf(b, "%s：%zu-%02d-%02d\n\n", label, y, m, d);
}

void synth_document(size_t i, xk_buf *b, char *number, char *domain, char *company_part)
{
    unsigned long long s = i * 7919ULL + 17 + corpus_seed * 0x632BE59BD9B4E019ULL;
    /* years cycle with the index so any prefix of the corpus mixes them; (region, year, serial)
     * stays unique below 3.52 million */
    size_t year = 2015 + i % 11, serial = (i / 11) % 10000, reg = (i / 110000) % 32;
    bool b1 = below(&s, 100) < 15;
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
    snprintf(domain, 64, "site%zu.%s", i, PICK(tlds, &s));

    service sv[3];
    const service *pool_sv = b1 ? b1_services : b2_services;
    size_t pool_n = b1 ? 3 : 4, nsv = 1 + below(&s, 2);
    size_t first = b1 ? below(&s, pool_n) : below(&s, 2); /* a B2 licence: a web service first */
    for (size_t k = 0; k < nsv; k++)
        sv[k] = pool_sv[(first + k) % pool_n];
    int im = (int)below(&s, 12) + 1, iday = (int)below(&s, 28) + 1, style = (int)below(&s, 3);
    size_t iy = year + below(&s, 2);

    xk_buf_reset(b);
    xk_buf_printf(b,
                  "\n\n中华人民共和国\n增值电信业务经营许可证\n\n经营许可证编号: %s\n\n"
                  "根据《中华人民共和国电信条例》及国家有关规定，经审查，准许你公司按照本经营许可证"
                  "（正文和附件）载明的内容经营增值电信业务，特颁发增值电信业务经营许可证。\n\n"
                  "公司名称: %s\n\n法定代表人: %s%s\n\n业务种类\n(服务项目)\n及覆盖范围:\n\n",
                  number, company, PICK(surnames, &s), PICK(given, &s));
    for (size_t k = 0; k < nsv; k++) {
        xk_buf_printf(b, "%s\n", sv[k].name);
        if (sv[k].qualifier)
            xk_buf_printf(b, "%s\n", sv[k].qualifier);
        if (!b1)
            xk_buf_puts(b, "【依法须经批准的项目，经相关部门批准后方可开展相应经营活动】\n");
        if (reg == 31)
            xk_buf_puts(b, "业务覆盖范围：全国\n");
        xk_buf_puts(b, "\n");
    }
    xk_buf_puts(b, "\n\n发证机关(盖章):\n\n\n\n");
    date_line(b, "发证日期", iy, im, iday, style);
    date_line(b, below(&s, 2) ? "有效期至" : "有效期限至", iy + 5, im, iday, style);
    appendix(b, &s, i, number, company, sv, nsv, domain);
    xk_buf_printf(b, "经营许可证编号： %s\n\n特别规定事项\n\n", number);
    size_t wrap = below(&s, 3) == 0 ? 30 + below(&s, 11) : 0;
    pager pg = {b, number, 0, 2400 + below(&s, 600), wrap, below(&s, 2) == 0};
    provisions(&pg, &s, sv, nsv, company);
}
