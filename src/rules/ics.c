/*
 * The agenda as iCalendar (RFC 5545): VCALENDAR with one all-day VEVENT per deadline and two
 * VALARMs (30 and 7 days before). Text values are escaped (\\ ; , newline), lines end in CRLF
 * and are folded at 75 octets without splitting a UTF-8 character. UIDs are derived from the
 * licence, the duty and its trigger or year, so a re-published feed updates events rather than
 * duplicating them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/buf.h"
#include "xuke/agenda.h"

/* Appends one content line, folded: continuation lines start with a space. */
static void line(xk_buf *b, const char *text)
{
    size_t len = strlen(text), col = 0, i = 0;
    while (i < len) {
        size_t n = 1;
        unsigned char c = (unsigned char)text[i];
        if (c >= 0xF0)
            n = 4;
        else if (c >= 0xE0)
            n = 3;
        else if (c >= 0xC0)
            n = 2;
        if (col + n > 75) {
            xk_buf_puts(b, "\r\n ");
            col = 1;
        }
        xk_buf_append(b, text + i, n);
        col += n;
        i += n;
    }
    xk_buf_puts(b, "\r\n");
}

static void escaped(xk_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == ';' || *s == ',')
            xk_buf_putc(b, '\\');
        if (*s == '\n') {
            xk_buf_puts(b, "\\n");
            continue;
        }
        xk_buf_putc(b, *s);
    }
}

static void prop(xk_buf *b, const char *name, const char *value)
{
    xk_buf v;
    xk_buf_init(&v);
    xk_buf_puts(&v, name);
    xk_buf_putc(&v, ':');
    escaped(&v, value);
    line(b, v.data ? v.data : name);
    xk_buf_free(&v);
}

static void ics_date(xk_date d, char *out, size_t size)
{
    snprintf(out, size, "%04d%02d%02d", d.year, d.month, d.day);
}

static void event(xk_buf *b, const xk_agenda_item *it, const char *stamp)
{
    const xk_obligation *ob = &it->ob;
    char buf[512], d1[16], d2[16];
    line(b, "BEGIN:VEVENT");
    if (ob->trigger)
        snprintf(buf, sizeof buf, "UID:%s-%s-e%ld@xuke", it->number, xk_duty_name(ob->duty),
                 ob->trigger);
    else
        snprintf(buf, sizeof buf, "UID:%s-%s-%d@xuke", it->number, xk_duty_name(ob->duty),
                 ob->year);
    line(b, buf);
    snprintf(buf, sizeof buf, "DTSTAMP:%s", stamp);
    line(b, buf);
    ics_date(ob->due, d1, sizeof d1);
    ics_date(xk_date_from_days(xk_date_to_days(ob->due) + 1), d2, sizeof d2);
    snprintf(buf, sizeof buf, "DTSTART;VALUE=DATE:%s", d1);
    line(b, buf);
    snprintf(buf, sizeof buf, "DTEND;VALUE=DATE:%s", d2);
    line(b, buf);
    char prov[64] = "";
    xk_provisional_format(&ob->prov, prov, sizeof prov);
    char year[16] = "";
    if (ob->year)
        snprintf(year, sizeof year, " %d", ob->year);
    snprintf(buf, sizeof buf, "%s%s %s%s", *prov ? "[暂定 provisional] " : "", it->number,
             xk_duty_title(ob->duty), year);
    prop(b, "SUMMARY", buf);
    char desc[1024], rule[200];
    xk_obligation_rule(ob, rule, sizeof rule);
    snprintf(desc, sizeof desc, "%s\n依据 Basis: %s\n%s%s%s", it->company, ob->basis, rule,
             *prov ? "\nProvisional: the holiday calendar for " : "", *prov ? prov : "");
    if (*prov) {
        size_t n = strlen(desc);
        snprintf(desc + n, sizeof desc - n, " is not published; counted on weekends alone.");
    }
    prop(b, "DESCRIPTION", desc);
    line(b, "TRANSP:TRANSPARENT");
    static const char *const before[] = {"-P30D", "-P7D"};
    for (int k = 0; k < 2; k++) {
        line(b, "BEGIN:VALARM");
        line(b, "ACTION:DISPLAY");
        snprintf(buf, sizeof buf, "TRIGGER:%s", before[k]);
        line(b, buf);
        snprintf(buf, sizeof buf, "%s %s: %s", it->number, xk_duty_title(ob->duty),
                 k == 0 ? "30 days left" : "7 days left");
        prop(b, "DESCRIPTION", buf);
        line(b, "END:VALARM");
    }
    line(b, "END:VEVENT");
}

char *xk_agenda_ics(const xk_agenda *a, xk_date as_of)
{
    xk_buf b;
    xk_buf_init(&b);
    char stamp[32], day[16], buf[256];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    line(&b, "BEGIN:VCALENDAR");
    line(&b, "VERSION:2.0");
    line(&b, "PRODID:-//xuke//licence deadlines//ZH");
    line(&b, "CALSCALE:GREGORIAN");
    line(&b, "METHOD:PUBLISH");
    prop(&b, "X-WR-CALNAME", "xuke 许可证期限 licence deadlines");
    snprintf(buf, sizeof buf, "Computed for %s", xk_date_format(as_of, day, sizeof day));
    if (a->prov.n) {
        char prov[64];
        xk_provisional_format(&a->prov, prov, sizeof prov);
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "; provisional: holiday calendar for %s not published",
                 prov);
    }
    if (a->total > a->n) { /* a limited feed says what it left out */
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "; the soonest %zu of %zu deadlines (limit)", a->n,
                 a->total);
    }
    prop(&b, "X-WR-CALDESC", buf);
    for (size_t i = 0; i < a->n; i++)
    {
        xk_agenda_item it = xk_agenda_at(a, i);
        event(&b, &it, stamp);
    }
    line(&b, "END:VCALENDAR");
    return xk_buf_take(&b);
}
