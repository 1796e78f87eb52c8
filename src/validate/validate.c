/*
 * Record validation: number grammar, catalogue membership, dates, host names. Problems that
 * make the record wrong are errors; things that are doubtful but happen on real licences
 * (a reissued licence whose number is years older than its issue date) are warnings. Each
 * message names the field as the licence prints it, and the source line when known.
 */
#include <stdio.h>
#include <string.h>

#include "xuke/catalogue.h"
#include "xuke/licence.h"
#include "xuke/limits.h"
#include "xuke/text.h"
#include "xuke/validate.h"

static bool host_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c >= 0x80;
}

bool xk_host_valid(const char *host, size_t len)
{
    if (len == 0 || len > XK_MAX_HOST || !xk_utf8_valid(host, len, NULL))
        return false;
    size_t labels = 0, start = 0;
    bool tld_digits = true;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && host[i] != '.') {
            if (!host_char((unsigned char)host[i]))
                return false;
            continue;
        }
        size_t n = i - start;
        if (n == 0 || n > 63 || host[start] == '-' || host[i - 1] == '-')
            return false;
        tld_digits = true;
        for (size_t k = start; k < i; k++)
            if (host[k] < '0' || host[k] > '9')
                tld_digits = false;
        labels++;
        start = i + 1;
    }
    return labels >= 2 && !tld_digits;
}

static void check_number(xk_licence *lic)
{
    int line = lic->line_number;
    if (!lic->number || !*lic->number) {
        xk_licence_problem_key(lic, XK_SEV_ERROR, line, "problem.number_missing",
                               "经营许可证编号 is missing");
        return;
    }
    if (*lic->region && !xk_region_by_abbr(lic->region, strlen(lic->region)))
        xk_licence_problem_key(lic, XK_SEV_ERROR, line, "problem.number_region",
                               "经营许可证编号 %s: %s is not one of the 31 province abbreviations",
                               lic->number, lic->region);
    if (lic->category[0] == 'A')
        xk_licence_problem_key(lic, XK_SEV_ERROR, line, "problem.number_basic_telecom",
                               "经营许可证编号 %s is a basic telecom licence (category %s), not a "
                               "value-added one",
                               lic->number, lic->category);
    if (lic->number_year < 1990)
        xk_licence_problem_key(lic, XK_SEV_ERROR, line, "problem.number_year_too_early",
                               "经营许可证编号 %s: year %d is before value-added licences existed",
                               lic->number, lic->number_year);
    if (!xk_date_is_set(lic->issued))
        return;
    if (lic->number_year > lic->issued.year)
        xk_licence_problem_key(lic, XK_SEV_ERROR, line, "problem.number_year_after_issue",
                               "经营许可证编号 %s: its year %d is after the issue year %d",
                               lic->number, lic->number_year, lic->issued.year);
    else if (lic->number_year < lic->issued.year)
        xk_licence_problem_key(lic, XK_SEV_WARNING, lic->line_issued,
                               "problem.reissued_keeps_number",
                               "issued %d but numbered %d: a licence reissued after a change keeps "
                               "its number",
                               lic->issued.year, lic->number_year);
}

/* A name longer than XK_MAX_NAME_BYTES is refused whole, never stored to be cut on reading. */
static void check_name_length(xk_licence *lic, const char *value, int line, const char *label)
{
    size_t n = value ? strlen(value) : 0;
    if (n > XK_MAX_NAME_BYTES)
        xk_licence_problem_key(
            lic, XK_SEV_ERROR, line, "problem.name_too_long",
            "%s is %zu bytes, longer than the limit of %u bytes (XK_MAX_NAME_BYTES)", label, n,
            XK_MAX_NAME_BYTES);
}

static void check_text(xk_licence *lic, const char *value, int line, const char *label)
{
    if (!value || !*value)
        xk_licence_problem_key(lic, XK_SEV_ERROR, line, "problem.field_missing", "%s is missing",
                               label);
}

/* A date an error already names ("发证日期 is not a valid date: …") is not reported missing as
 * well: one cause, one error. */
static void check_dates(xk_licence *lic)
{
    char a[16], b[16];
    if (!xk_date_is_set(lic->issued) && !xk_licence_has_problem(lic, XK_SEV_ERROR, "发证日期 "))
        xk_licence_problem_key(lic, XK_SEV_ERROR, lic->line_issued, "problem.issued_missing",
                               "发证日期 is missing");
    if (!xk_date_is_set(lic->expires) && !xk_licence_has_problem(lic, XK_SEV_ERROR, "有效期至 "))
        xk_licence_problem_key(lic, XK_SEV_ERROR, lic->line_expires, "problem.expires_missing",
                               "有效期至 is missing");
    if (!xk_date_is_set(lic->issued) || !xk_date_is_set(lic->expires))
        return;
    if (xk_date_cmp(lic->expires, lic->issued) < 0)
        xk_licence_problem_key(lic, XK_SEV_ERROR, lic->line_expires,
                               "problem.expires_before_issued", "有效期至 %s is before 发证日期 %s",
                               xk_date_format(lic->expires, a, sizeof a),
                               xk_date_format(lic->issued, b, sizeof b));
    else if (xk_date_cmp(lic->expires, xk_date_add_years(lic->issued, 5)) > 0)
        xk_licence_problem_key(
            lic, XK_SEV_ERROR, lic->line_expires, "problem.term_over_five_years",
            "有效期至 %s is more than five years after 发证日期 %s (a value-added "
            "licence runs five years at most)",
            xk_date_format(lic->expires, a, sizeof a), xk_date_format(lic->issued, b, sizeof b));
}

static bool category_allows(const char *category, const char *service_category)
{
    return strcmp(category, service_category) == 0 ||
           (strcmp(category, "B1.B2") == 0 && service_category[0] == 'B');
}

static void check_services(xk_licence *lic)
{
    if (lic->n_services == 0) {
        if (lic->line_services)
            xk_licence_problem_key(lic, XK_SEV_ERROR, lic->line_services,
                                   "problem.services_not_in_catalogue",
                                   "业务种类 lists no service from the catalogue");
        else
            xk_licence_problem_key(lic, XK_SEV_ERROR, 0, "problem.services_missing",
                                   "业务种类 (services) is missing");
        return;
    }
    for (size_t i = 0; i < lic->n_services; i++) {
        xk_service *s = &lic->services[i];
        const xk_service_kind *k = xk_service_by_code(s->code);
        if (!k) {
            xk_licence_problem_key(lic, XK_SEV_ERROR, s->line, "problem.service_code_unknown",
                                   "service code %s is not in the catalogue", s->code);
            continue;
        }
        if (lic->category && lic->category[0] == 'B' && !category_allows(lic->category, k->category))
            xk_licence_problem_key(
                lic, XK_SEV_ERROR, s->line, "problem.service_category",
                "%s %s is a category %s service but the licence number is category %s", k->code,
                k->name, k->category, lic->category);
    }
}

/* A host that is no host name ("bad_host!.com") leaves its website's domains, and the website
 * is flagged for review naming it: one bad cell of the appendix no longer refuses the licence,
 * and no invalid host reaches the registry. */
static void drop_invalid_hosts(xk_licence *lic, size_t i)
{
    xk_website *w = &lic->websites[i];
    size_t kept = 0;
    for (size_t k = 0; k < w->domains.len; k++) {
        char *host = w->domains.items[k];
        if (xk_host_valid(host, strlen(host))) {
            w->domains.items[kept++] = host;
            continue;
        }
        xk_licence_problem_key(lic, XK_SEV_WARNING, w->line, "problem.review.website_host_invalid",
                               XK_REVIEW_PREFIX
                               "网站 %zu (%s): 网站域名 %s is not a valid host name; "
                               "left out of its domains",
                               i + 1, w->name ? w->name : "", host);
    }
    w->domains.len = kept;
}

static void check_websites(xk_licence *lic)
{
    for (size_t i = 0; i < lic->n_websites; i++) {
        xk_website *w = &lic->websites[i];
        if (w->domains.len == 0)
            xk_licence_problem_key(lic, XK_SEV_WARNING, w->line, "problem.website_no_domain",
                                   "website %s lists no domain", w->name ? w->name : "");
        drop_invalid_hosts(lic, i);
        if (w->code[0] && lic->n_services > 0 && !xk_licence_grants(lic, w->code))
            xk_licence_problem_key(
                lic, XK_SEV_WARNING, w->line, "problem.website_service_not_granted",
                "website listed under %s, a service the licence does not grant", w->code);
    }
}

void xk_licence_validate(xk_licence *lic)
{
    check_number(lic);
    check_text(lic, lic->company, lic->line_company, "公司名称");
    check_name_length(lic, lic->company, lic->line_company, "公司名称 (the company name)");
    for (size_t i = 0; i < lic->n_websites; i++)
        check_name_length(lic, lic->websites[i].name, lic->websites[i].line, "a website's name");
    check_text(lic, lic->legal_representative, lic->line_legal, "法定代表人");
    check_dates(lic);
    check_services(lic);
    check_websites(lic);
    if (lic->n_provisions == 0)
        xk_licence_problem_key(lic, XK_SEV_WARNING, 0, "problem.provisions_missing",
                               "no 特别规定事项 (special provisions) found");
}
