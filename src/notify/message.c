/*
 * A reminder's words, in Chinese or English: the licence, its company, the duty, the deadline
 * (the working day it falls to, with the years whose holidays are not yet published marked
 * provisional), the days left, the provision it comes from and a link to the licence page; and
 * the same as a JSON object for webhooks. Also how a long message is split into the parts a
 * service takes, never inside a character. Formats; decides nothing.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xuke/duties.h"

/* English titles of the duties (the Chinese ones are the catalogue's, xk_duty_title). Our own
 * wording of the Measures' (MIIT Order No. 42) duties. */
static const char *const duty_en[XK_DUTY_COUNT] = {
    [XK_DUTY_RENEWAL] = "Renewal application (before expiry)",
    [XK_DUTY_TERMINATION_NOTICE] = "Report of not continuing (before expiry)",
    [XK_DUTY_ANNUAL_REPORT] = "Annual report (first quarter)",
    [XK_DUTY_CHANGE_APPLY] = "Application for a change of operator",
    [XK_DUTY_REGISTRATION_UPDATE] = "Update after a registration change",
    [XK_DUTY_INSTITUTION_UPDATE] = "Report of local institution changes",
    [XK_DUTY_ILLEGAL_INFO_REPORT] = "Report after handling illegal information",
    [XK_DUTY_ASSESSMENT_REPORT] = "Security assessment report",
    [XK_DUTY_ASSESSMENT_BEFORE_LAUNCH] = "Security assessment before a launch",
    [XK_DUTY_INCIDENT_REPORT] = "Major security incident report (at once)",
    [XK_DUTY_PROVINCIAL_CANCEL] = "Cancel or change the provincial licence",
    [XK_DUTY_DISPLAY_NUMBER] = "Show the licence number on the homepage",
    [XK_DUTY_KEEP_TRANSACTIONS] = "Keep transaction data for a year",
    [XK_DUTY_KEEP_LOGS] = "Keep user logs",
};

static const char *duty_words(xk_duty_kind d, bool zh)
{
    if (d >= XK_DUTY_COUNT)
        return "";
    return zh ? xk_duty_title(d) : duty_en[d];
}

static void left_words(char *out, size_t size, long left, bool zh)
{
    if (left > 0)
        snprintf(out, size, zh ? "还有 %ld 天" : "%ld day%s left", left,
                 zh || left == 1 ? "" : "s");
    else if (left == 0)
        snprintf(out, size, zh ? "今天到期" : "due today");
    else
        snprintf(out, size, zh ? "已逾期 %ld 天" : "%ld day%s overdue", -left,
                 zh || left == -1 ? "" : "s");
}

void xk_notify_render_item(xk_buf *text, xk_buf *items, const notice_item *it, const char *lang,
                           const char *base_url)
{
    bool zh = strcmp(lang, "en") != 0;
    const xk_obligation *ob = it->ob;
    char due[11], left[64], prov[64];
    xk_date_format(ob->due_workday, due, sizeof due);
    left_words(left, sizeof left, it->left, zh);
    xk_provisional_format(&ob->prov, prov, sizeof prov);
    xk_buf_printf(text, "- %s %s\n", it->number, it->company);
    xk_buf_printf(text, zh ? "  %s：截止 %s，%s，依据 %s\n" : "  %s: due %s, %s, under %s\n",
                  duty_words(ob->duty, zh), due, left, ob->basis);
    if (*prov)
        xk_buf_printf(text,
                      zh ? "  （暂定：%s 年的节假日安排尚未公布）\n"
                         : "  (provisional: the %s holidays are not yet published)\n",
                      prov);
    if (base_url && *base_url) {
        size_t n = strlen(base_url);
        xk_buf_printf(text, "  %.*s/l/%s\n", (int)(n && base_url[n - 1] == '/' ? n - 1 : n),
                      base_url, it->number);
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:b}", "number", it->number,
                          "company", it->company, "duty", xk_duty_name(ob->duty), "title",
                          duty_words(ob->duty, zh), "due", due, "days_left",
                          (json_int_t)it->left, "basis", ob->basis, "provisional", *prov != 0);
    char *dump = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (dump)
        xk_buf_puts(items, dump);
    else
        items->oom = true;
    free(dump);
    json_decref(o);
}

void xk_notify_title(char *out, size_t size, const notice_item *it, size_t n_items,
                     const char *lang, xk_date as_of)
{
    bool zh = strcmp(lang, "en") != 0;
    if (n_items != 1 || !it) {
        char day[11];
        xk_date_format(as_of, day, sizeof day);
        snprintf(out, size, zh ? "xuke 许可证提醒 %s：%zu 项" : "xuke reminders for %s: %zu",
                 day, n_items);
        return;
    }
    char left[64];
    left_words(left, sizeof left, it->left, zh);
    snprintf(out, size, zh ? "xuke 提醒：%s %s %s" : "xuke reminder: %s %s, %s", it->number,
             zh ? xk_duty_title(it->ob->duty) : duty_en[it->ob->duty], left);
}

size_t xk_notify_part_limit(xk_channel c)
{
    switch (c) {
    case XK_CHANNEL_WECOM:
        return XK_NOTIFY_WECOM_MARKDOWN_BYTES;
    case XK_CHANNEL_DINGTALK:
        return XK_NOTIFY_DINGTALK_BYTES;
    case XK_CHANNEL_FEISHU:
        return XK_NOTIFY_FEISHU_BYTES;
    default:
        return 0;
    }
}

/* The last character boundary at or before text + at (a UTF-8 continuation byte is 10xxxxxx). */
static size_t char_boundary(const char *text, size_t at)
{
    while (at > 0 && ((unsigned char)text[at] & 0xC0) == 0x80)
        at--;
    return at;
}

size_t xk_notify_split(const char *text, size_t limit, size_t *starts, size_t *lens, size_t max)
{
    size_t len = strlen(text), pos = 0, n = 0;
    if (limit == 0 || len <= limit) {
        starts[0] = 0;
        lens[0] = len;
        return 1;
    }
    while (pos < len && n < max) {
        size_t take = len - pos;
        if (take > limit) {
            /* the last line end within the limit, else the last character boundary */
            size_t cut = 0;
            for (size_t i = limit; i > 0; i--)
                if (text[pos + i - 1] == '\n') {
                    cut = i;
                    break;
                }
            take = cut ? cut : char_boundary(text + pos, limit);
            if (take == 0) /* cannot happen with limit >= 4; keeps the loop finite */
                take = limit;
        }
        starts[n] = pos;
        lens[n] = take;
        n++;
        pos += take;
    }
    return pos < len ? 0 : n; /* 0: more parts than max */
}
