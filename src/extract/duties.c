/*
 * Duties read from the special provisions. Each duty has a short list of phrases that identify
 * the provision imposing it, and the clock is read from the provision's own words ("提前90日",
 * "30日内", "10个工作日内"), so a licence that says 60 days gets 60. When no provision names a
 * duty that the Measures impose on every holder (renewal, annual report, changes), the duty is
 * kept with the Measures as its basis and the Measures' clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "xuke/duties.h"

#define MEASURES "电信业务经营许可管理办法"

typedef struct duty_rule {
    xk_duty_kind kind;
    const char *name;
    const char *title;
    const char *all[3];   /* every phrase must appear in the provision */
    const char *clock;    /* phrase the number of days follows ("提前") or precedes ("日内") */
    bool number_after;    /* the days follow the clock phrase */
    bool working_days;
    int measures_days;    /* > 0 or 0 with measures_default: the Measures impose it anyway */
    bool measures_default;
} duty_rule;

static const duty_rule rules[XK_DUTY_COUNT] = {
    {XK_DUTY_RENEWAL, "renewal", "续办申请（有效期届满前）", {"继续经营", "提前", NULL}, "提前", true,
     false, 90, true},
    {XK_DUTY_TERMINATION_NOTICE, "termination_notice", "不再继续经营的报告（有效期届满前）",
     {"不再继续经营", "提前", NULL}, "提前", true, false, 0, false},
    {XK_DUTY_ANNUAL_REPORT, "annual_report", "经营许可证年报（每年第一季度）", {"年报", "第一季度", NULL},
     NULL, false, false, 0, true},
    {XK_DUTY_CHANGE_APPLY, "change_apply", "经营主体变更申请（合并、分立、股东变化、业务转移）",
     {"合并", "作出决定之日起", NULL}, "日内", false, false, 30, true},
    {XK_DUTY_REGISTRATION_UPDATE, "registration_update", "工商登记事项变更后更新许可信息",
     {"工商登记", "变更", NULL}, "日内", false, false, 30, true},
    {XK_DUTY_INSTITUTION_UPDATE, "institution_update", "当地机构信息变化报送", {"机构信息", "变", NULL},
     "日内", false, false, 0, false},
    {XK_DUTY_ILLEGAL_INFO_REPORT, "illegal_info_report", "违法信息处置后上报",
     {"违法信息", "处置后", NULL}, "个工作日", false, true, 0, false},
    {XK_DUTY_ASSESSMENT_REPORT, "assessment_report", "安全评估书面报告", {"安全评估完成", NULL, NULL},
     "日内", false, false, 0, false},
    {XK_DUTY_ASSESSMENT_BEFORE_LAUNCH, "assessment_before_launch", "新技术新业务上线前安全评估",
     {"上线", "安全评估", NULL}, NULL, false, false, 0, false},
    {XK_DUTY_INCIDENT_REPORT, "incident_report", "重大网络安全事件报告（第一时间）",
     {"第一时间", "报告", NULL}, NULL, false, false, 0, false},
    {XK_DUTY_PROVINCIAL_CANCEL, "provincial_cancel", "取得跨地区许可证后注销或变更省级许可证",
     {"跨地区", "注销或变更", NULL}, "日内", false, false, 0, false},
    {XK_DUTY_DISPLAY_NUMBER, "display_number", "在网站主页等显著位置标明经营许可证编号",
     {"经营许可证编号", "标明", NULL}, NULL, false, false, 0, false},
    {XK_DUTY_KEEP_TRANSACTIONS, "keep_transactions", "交易数据保存不少于一年",
     {"保存时间不得少于", NULL, NULL}, NULL, false, false, 0, false},
    {XK_DUTY_KEEP_LOGS, "keep_logs", "用户日志留存", {"日志留存", NULL, NULL}, NULL, false, false, 0,
     false},
};

const char *xk_duty_name(xk_duty_kind kind)
{
    return kind < XK_DUTY_COUNT ? rules[kind].name : "";
}

const char *xk_duty_title(xk_duty_kind kind)
{
    return kind < XK_DUTY_COUNT ? rules[kind].title : "";
}

int xk_duty_by_name(const char *name)
{
    for (int k = 0; k < XK_DUTY_COUNT; k++)
        if (strcmp(rules[k].name, name) == 0)
            return k;
    return -1;
}

static void numeral(int v, char *buf, size_t size)
{
    static const char *const d[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    if (v < 10)
        snprintf(buf, size, "%s", d[v]);
    else
        snprintf(buf, size, "%s十%s", v / 10 == 1 ? "" : d[v / 10], d[v % 10]);
}

void xk_provision_label(int clause, int item, char *buf, size_t size)
{
    char c[16], i[16];
    numeral(clause, c, sizeof c);
    if (item <= 0) {
        snprintf(buf, size, "%s", c);
        return;
    }
    numeral(item, i, sizeof i);
    snprintf(buf, size, "%s(%s)", c, i);
}

static bool matches(const duty_rule *r, const char *text)
{
    for (int k = 0; k < 3 && r->all[k]; k++)
        if (!strstr(text, r->all[k]))
            return false;
    return true;
}

/* Digits or a Chinese numeral ending just before p (for "30日内") or starting at p (for
 * "提前90日"). 0 when there is none. */
static int days_near(const char *text, const duty_rule *r)
{
    const char *at = strstr(text, r->clock);
    while (at) {
        if (r->number_after) {
            const char *p = at + strlen(r->clock);
            if (*p >= '0' && *p <= '9')
                return atoi(p);
            size_t used;
            int v = chinese_numeral(p, strlen(p), &used);
            if (v)
                return v;
        } else {
            const char *p = at;
            while (p > text && p[-1] >= '0' && p[-1] <= '9')
                p--;
            if (p < at)
                return atoi(p);
        }
        at = strstr(at + 1, r->clock);
    }
    return 0;
}

static void add_basis(xk_duty *d, int clause, int item)
{
    char label[24];
    xk_provision_label(clause, item, label, sizeof label);
    if (strstr(d->basis, label) && strlen(d->basis) == strlen(label))
        return;
    size_t n = strlen(d->basis);
    snprintf(d->basis + n, sizeof d->basis - n, "%s%s", n ? "、" : "", label);
}

/* One provision text (a clause's own text or an item's) against every rule. */
static void scan_text(xk_duty_set *set, bool *found, const char *text, int clause, int item)
{
    if (!text)
        return;
    for (int k = 0; k < XK_DUTY_COUNT; k++) {
        const duty_rule *r = &rules[k];
        if (!matches(r, text))
            continue;
        xk_duty *d = &set->duties[k];
        if (!found[k]) {
            found[k] = true;
            d->kind = (xk_duty_kind)k;
            d->working_days = r->working_days;
            d->days = r->clock ? days_near(text, r) : 0;
            d->basis[0] = '\0';
        }
        add_basis(d, clause, item);
    }
}

void xk_licence_duties(const xk_licence *lic, xk_duty_set *out)
{
    xk_duty_set all;
    memset(&all, 0, sizeof all);
    bool found[XK_DUTY_COUNT] = {false};
    for (size_t i = 0; i < lic->n_provisions; i++) {
        const xk_provision *p = &lic->provisions[i];
        scan_text(&all, found, p->text, p->no, 0);
        for (size_t k = 0; k < p->n_items; k++)
            scan_text(&all, found, p->items[k].text, p->no, p->items[k].no);
    }
    memset(out, 0, sizeof *out);
    for (int k = 0; k < XK_DUTY_COUNT; k++) {
        const duty_rule *r = &rules[k];
        if (!found[k] && !r->measures_default)
            continue;
        xk_duty d = all.duties[k];
        if (!found[k]) {
            d.kind = (xk_duty_kind)k;
            d.days = r->measures_days;
            d.working_days = r->working_days;
            snprintf(d.basis, sizeof d.basis, "%s", MEASURES);
        }
        if (d.days == 0 && r->clock && r->measures_days)
            d.days = r->measures_days; /* the clause named the duty but its number was unreadable */
        out->duties[out->n++] = d;
    }
}

void xk_duties_encode(const xk_duty_set *set, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < set->n && used < size; i++) {
        const xk_duty *d = &set->duties[i];
        used += (size_t)snprintf(buf + used, size - used, "%s%s %d%s %s", i ? ";" : "",
                                 xk_duty_name(d->kind), d->days, d->working_days ? "w" : "",
                                 d->basis);
    }
}

bool xk_duties_decode(const char *text, xk_duty_set *out)
{
    memset(out, 0, sizeof *out);
    const char *p = text;
    while (*p && out->n < XK_DUTY_COUNT) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[128];
        if (len >= sizeof item)
            return false;
        memcpy(item, p, len);
        item[len] = '\0';
        char name[40], days[16];
        int consumed = 0;
        if (sscanf(item, "%39s %15s %n", name, days, &consumed) < 2)
            return false;
        int kind = xk_duty_by_name(name);
        if (kind < 0)
            return false;
        xk_duty *d = &out->duties[out->n++];
        d->kind = (xk_duty_kind)kind;
        d->days = atoi(days);
        d->working_days = strchr(days, 'w') != NULL;
        snprintf(d->basis, sizeof d->basis, "%s", item + consumed);
        p = end ? end + 1 : p + len;
    }
    return true;
}
