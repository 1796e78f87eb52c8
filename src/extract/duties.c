/*
 * Duties read from the special provisions. Each duty has a short list of phrases that identify
 * the provision imposing it, and the clock is read from the provision's own words ("提前90日",
 * "30日内", "10个工作日内"), so a licence that says 60 days gets 60. When no provision names a
 * duty that the Measures impose on every holder (renewal, annual report, changes), the duty is
 * kept with the Measures as its basis and the Measures' clock. The duties' names, titles and
 * stored form are the catalogue in src/core/duties.c, shared with the rules, server and CLI.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "xuke/duties.h"

#define MEASURES "电信业务经营许可管理办法"

typedef struct duty_rule {
    xk_duty_kind kind;
    const char *all[3]; /* every phrase must appear in the provision */
    const char *clock;  /* phrase the number of days follows ("提前") or precedes ("日内") */
    bool number_after;  /* the days follow the clock phrase */
    bool working_days;
    int measures_days; /* > 0 or 0 with measures_default: the Measures impose it anyway */
    bool measures_default;
} duty_rule;

static const duty_rule rules[XK_DUTY_COUNT] = {
    {XK_DUTY_RENEWAL, {"继续经营", "提前", NULL}, "提前", true, false, 90, true},
    {XK_DUTY_TERMINATION_NOTICE, {"不再继续经营", "提前", NULL}, "提前", true, false, 0, false},
    {XK_DUTY_ANNUAL_REPORT, {"年报", "第一季度", NULL}, NULL, false, false, 0, true},
    {XK_DUTY_CHANGE_APPLY, {"合并", "作出决定之日起", NULL}, "日内", false, false, 30, true},
    {XK_DUTY_REGISTRATION_UPDATE, {"工商登记", "变更", NULL}, "日内", false, false, 30, true},
    {XK_DUTY_INSTITUTION_UPDATE, {"机构信息", "变", NULL}, "日内", false, false, 0, false},
    {XK_DUTY_ILLEGAL_INFO_REPORT, {"违法信息", "处置后", NULL}, "个工作日", false, true, 0, false},
    {XK_DUTY_ASSESSMENT_REPORT, {"安全评估完成", NULL, NULL}, "日内", false, false, 0, false},
    {XK_DUTY_ASSESSMENT_BEFORE_LAUNCH, {"上线", "安全评估", NULL}, NULL, false, false, 0, false},
    {XK_DUTY_INCIDENT_REPORT, {"第一时间", "报告", NULL}, NULL, false, false, 0, false},
    {XK_DUTY_PROVINCIAL_CANCEL, {"跨地区", "注销或变更", NULL}, "日内", false, false, 0, false},
    {XK_DUTY_DISPLAY_NUMBER, {"经营许可证编号", "标明", NULL}, NULL, false, false, 0, false},
    {XK_DUTY_KEEP_TRANSACTIONS, {"保存时间不得少于", NULL, NULL}, NULL, false, false, 0, false},
    {XK_DUTY_KEEP_LOGS, {"日志留存", NULL, NULL}, NULL, false, false, 0, false},
};

static bool matches(const duty_rule *r, const char *text)
{
    for (int k = 0; k < 3 && r->all[k]; k++)
        if (!strstr(text, r->all[k]))
            return false;
    return true;
}

/* Which three-byte characters a text holds, as the bits of a small Bloom filter: a rule whose
 * phrases have a character the text lacks cannot match, so most texts are tested against most
 * rules without a strstr (fourteen strstr calls over every provision were 5 % of an import's
 * CPU). Every position holding a three-byte lead is counted, whether or not the text is valid
 * UTF-8, so a phrase found by strstr always has its characters in the set: the filter changes
 * no result, only how many texts reach strstr. */
#define CHAR_SET_WORDS 8

typedef struct char_set {
    uint64_t bit[CHAR_SET_WORDS];
} char_set;

static bool three_byte_at(const unsigned char *p)
{
    return p[0] >= 0xE0 && p[0] < 0xF0 && p[1] && p[2];
}

static void char_set_add(char_set *set, const unsigned char *p)
{
    unsigned slot = (((unsigned)p[1] << 6) ^ p[2] ^ ((unsigned)p[0] << 9)) % (CHAR_SET_WORDS * 64);
    set->bit[slot / 64] |= (uint64_t)1 << (slot % 64);
}

static void char_set_of(const char *text, char_set *set)
{
    memset(set, 0, sizeof *set);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (three_byte_at(p))
            char_set_add(set, p);
}

static bool char_set_within(const char_set *need, const char_set *have)
{
    uint64_t missing = 0;
    for (int w = 0; w < CHAR_SET_WORDS; w++)
        missing |= need->bit[w] & ~have->bit[w];
    return missing == 0;
}

/* The characters every phrase of each rule needs. */
static void rules_chars(char_set need[XK_DUTY_COUNT])
{
    for (int k = 0; k < XK_DUTY_COUNT; k++) {
        memset(&need[k], 0, sizeof need[k]);
        for (int i = 0; i < 3 && rules[k].all[i]; i++)
            for (const unsigned char *p = (const unsigned char *)rules[k].all[i]; *p; p++)
                if (three_byte_at(p))
                    char_set_add(&need[k], p);
    }
}

/* The value of the digits p[0..n): at most four of them (a day count), else 0, as for none;
 * atoi read any length, overflowing on a long run. */
static int day_count(const char *p, size_t n)
{
    int v = 0;
    if (n == 0 || n > 4)
        return 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
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
                return day_count(p, strspn(p, "0123456789"));
            size_t used;
            int v = xk_chinese_numeral(p, strlen(p), &used);
            if (v)
                return v;
        } else {
            const char *p = at;
            while (p > text && p[-1] >= '0' && p[-1] <= '9')
                p--;
            if (p < at)
                return day_count(p, (size_t)(at - p));
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
    static const char more[] = "…";
    if (n >= sizeof more - 1 && strcmp(d->basis + n - (sizeof more - 1), more) == 0)
        return;
    /* Whole labels only, with room kept for "…", which says that more provisions name this
     * duty than the field holds: a label cut inside a character was not UTF-8 (PostgreSQL
     * refused the licence's row, SQLite stored the broken text). */
    char add[sizeof label + 4];
    int w = snprintf(add, sizeof add, "%s%s", n ? "、" : "", label);
    if (w > 0 && n + (size_t)w + sizeof more <= sizeof d->basis)
        memcpy(d->basis + n, add, (size_t)w + 1);
    else
        memcpy(d->basis + n, more, sizeof more);
}

/* One provision text (a clause's own text or an item's) against every rule. */
static void scan_text(xk_duty_set *set, bool *found, const char *text, int clause, int item,
                      const char_set need[XK_DUTY_COUNT])
{
    if (!text)
        return;
    char_set have;
    char_set_of(text, &have);
    for (int k = 0; k < XK_DUTY_COUNT; k++) {
        const duty_rule *r = &rules[k];
        if (!char_set_within(&need[k], &have) || !matches(r, text))
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
    char_set need[XK_DUTY_COUNT];
    rules_chars(need);
    for (size_t i = 0; i < lic->n_provisions; i++) {
        const xk_provision *p = &lic->provisions[i];
        scan_text(&all, found, p->text, p->no, 0, need);
        for (size_t k = 0; k < p->n_items; k++)
            scan_text(&all, found, p->items[k].text, p->no, p->items[k].no, need);
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
