/*
 * The duty catalogue: each duty's stable name ("renewal"), its title in Chinese, a provision's
 * label ("十六(八)"), and the compact form duties are stored in. Domain knowledge shared by
 * extraction (which reads duties from provisions, src/extract/duties.c), the registry (which
 * stores them), the rules, the server and the CLI; it reads no licence text itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xuke/duties.h"

static const struct duty_entry {
    const char *name;
    const char *title;
} duties[XK_DUTY_COUNT] = {
    [XK_DUTY_RENEWAL] = {"renewal", "续办申请（有效期届满前）"},
    [XK_DUTY_TERMINATION_NOTICE] = {"termination_notice", "不再继续经营的报告（有效期届满前）"},
    [XK_DUTY_ANNUAL_REPORT] = {"annual_report", "经营许可证年报（每年第一季度）"},
    [XK_DUTY_CHANGE_APPLY] = {"change_apply", "经营主体变更申请（合并、分立、股东变化、业务转移）"},
    [XK_DUTY_REGISTRATION_UPDATE] = {"registration_update", "工商登记事项变更后更新许可信息"},
    [XK_DUTY_INSTITUTION_UPDATE] = {"institution_update", "当地机构信息变化报送"},
    [XK_DUTY_ILLEGAL_INFO_REPORT] = {"illegal_info_report", "违法信息处置后上报"},
    [XK_DUTY_ASSESSMENT_REPORT] = {"assessment_report", "安全评估书面报告"},
    [XK_DUTY_ASSESSMENT_BEFORE_LAUNCH] = {"assessment_before_launch", "新技术新业务上线前安全评估"},
    [XK_DUTY_INCIDENT_REPORT] = {"incident_report", "重大网络安全事件报告（第一时间）"},
    [XK_DUTY_PROVINCIAL_CANCEL] = {"provincial_cancel", "取得跨地区许可证后注销或变更省级许可证"},
    [XK_DUTY_DISPLAY_NUMBER] = {"display_number", "在网站主页等显著位置标明经营许可证编号"},
    [XK_DUTY_KEEP_TRANSACTIONS] = {"keep_transactions", "交易数据保存不少于一年"},
    [XK_DUTY_KEEP_LOGS] = {"keep_logs", "用户日志留存"},
};

const char *xk_duty_name(xk_duty_kind kind)
{
    return kind < XK_DUTY_COUNT ? duties[kind].name : "";
}

const char *xk_duty_title(xk_duty_kind kind)
{
    return kind < XK_DUTY_COUNT ? duties[kind].title : "";
}

int xk_duty_by_name(const char *name)
{
    for (int k = 0; k < XK_DUTY_COUNT; k++)
        if (strcmp(duties[k].name, name) == 0)
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

void xk_duties_encode(const xk_duty_set *set, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < set->n && used < size; i++) {
        const xk_duty *d = &set->duties[i];
        used +=
            (size_t)snprintf(buf + used, size - used, "%s%s %d%s %s", i ? ";" : "",
                             xk_duty_name(d->kind), d->days, d->working_days ? "w" : "", d->basis);
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
        /* days: 1 to 4 digits, then "w" for working days; anything else is not this form */
        size_t digits = strspn(days, "0123456789");
        if (digits == 0 || digits > 4 || (days[digits] != '\0' && strcmp(days + digits, "w") != 0))
            return false;
        xk_duty *d = &out->duties[out->n++];
        d->kind = (xk_duty_kind)kind;
        d->days = (int)strtol(days, NULL, 10);
        d->working_days = days[digits] == 'w';
        snprintf(d->basis, sizeof d->basis, "%s", item + consumed);
        p = end ? end + 1 : p + len;
    }
    return true;
}
