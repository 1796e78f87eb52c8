/*
 * The appendix (附页): per granted service, a block headed "X获准经营<service>相关信息" and one
 * or more websites, each as labelled lines 网站名称 / 网站域名 / 服务器放置地 / 网站接入服务提供单位.
 * A website entry ends when a label it already has appears again. Values wrap over lines on
 * narrow scans and are joined back; several domains on one line are split on 、，; and spaces.
 */
#include <stdio.h>
#include <string.h>

#include "xuke/catalogue.h"
#include "xuke/limits.h"
#include "extract.h"

/* Whether line j (after a header's first line) cannot continue it: a website's label, or the
 * next header ("…获准经营…(仅限经营类电子商务)相" with 关信息 lost on a scan joined the
 * website under it and the next header, and that website was gone without a word). */
static bool ends_header(const doc *d, size_t j)
{
    return xk_site_label_at(d, j) || strstr(d->lines->lines[j].compact, "获准经营");
}

/* Joins the header over up to six lines until 相关信息 closes it; returns the last line. */
static size_t read_header(const doc *d, size_t i, char *code, size_t code_size)
{
    xk_buf joined;
    xk_buf_init(&joined);
    size_t last = i;
    for (size_t j = i, parts = 0; j < d->lines->n && parts < 6; j++) {
        if (xk_is_blank(d, j))
            continue;
        if (j > i && ends_header(d, j))
            break;
        xk_buf_puts(&joined, d->lines->lines[j].compact);
        last = j;
        parts++;
        if (joined.data && strstr(joined.data, "相关信息"))
            break;
    }
    const char *svc = xk_header_service(joined.data ? joined.data : "");
    snprintf(code, code_size, "%s", svc);
    if (!joined.data || !strstr(joined.data, "相关信息"))
        last = i;
    xk_doc_buf_done(d, &joined);
    return last;
}

static bool domain_sep(const char *p)
{
    return *p == ',' || *p == ';' || *p == ' ' || *p == '\n' || strncmp(p, "、", 3) == 0 ||
           strncmp(p, "。", 3) == 0;
}

/* Words that stand for "no domain" in the domain column (an app-only service). */
static bool no_domain_word(const char *s, size_t len)
{
    static const char *const words[] = {"无", "暂无", "空", "-", "/", "N/A", "n/a", "—"};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (strlen(words[k]) == len && memcmp(s, words[k], len) == 0)
            return true;
    return false;
}

/* One domain token: scheme, path and a trailing dot go; ASCII letters are lowered. */
static xk_status push_domain(xk_licence *lic, xk_website *w, const char *s, size_t len)
{
    const char *schemes[] = {"http://", "https://"};
    for (size_t k = 0; k < 2; k++) {
        size_t n = strlen(schemes[k]);
        if (len >= n && strncmp(s, schemes[k], n) == 0) {
            s += n;
            len -= n;
        }
    }
    for (size_t i = 0; i < len; i++)
        if (s[i] == '/') {
            len = i;
            break;
        }
    while (len > 0 && s[len - 1] == '.')
        len--;
    if (len == 0 || no_domain_word(s, len))
        return XK_OK;
    char *dom = xk_licence_strdup(lic, s, len);
    if (!dom)
        return XK_ENOMEM;
    for (char *c = dom; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    for (size_t i = 0; i < w->domains.len; i++)
        if (strcmp(w->domains.items[i], dom) == 0)
            return XK_OK;
    if (w->domains.len >= XK_MAX_DOMAINS)
        return xk_licence_problem_key(lic, XK_SEV_ERROR, w->line,
                                      "problem.website_domains_over_limit",
                                      "more than %u domains in one website", XK_MAX_DOMAINS);
    return xk_strlist_push(lic, &w->domains, dom, strlen(dom));
}

/* Removes bracketed notes ("www.x.com(主域名)") in place. */
static void drop_notes(char *v)
{
    char *w = v;
    int depth = 0;
    for (char *r = v; *r; r++) {
        if (*r == '(') {
            depth++;
            continue;
        }
        if (*r == ')' && depth > 0) {
            depth--;
            continue;
        }
        if (depth == 0)
            *w++ = *r;
    }
    *w = '\0';
}

/* Drops spaces before a dot in place ("news.qiming .com", as a scan read it: no domain starts
 * with a dot, so the space splits none; after a dot it may end a sentence, and stays); whether
 * any went. */
static bool join_at_dots(char *v)
{
    char *w = v;
    bool dropped = false;
    for (char *r = v; *r; r++) {
        if (*r == ' ' && w > v && r[strspn(r, " ")] == '.') {
            dropped = true;
            continue;
        }
        *w++ = *r;
    }
    *w = '\0';
    return dropped;
}

static xk_status split_domains(xk_licence *lic, xk_website *w, const char *value)
{
    char *copy = xk_licence_strdup(lic, value, strlen(value));
    if (!copy)
        return XK_ENOMEM;
    drop_notes(copy);
    if (join_at_dots(copy)) {
        xk_status st =
            xk_licence_problem_key(lic, XK_SEV_WARNING, w->line, "problem.domain_space_before_dot",
                                   "网站域名 \"%s\" read as \"%s\": a space before a dot "
                                   "splits no domain",
                                   value, copy);
        if (st != XK_OK)
            return st;
    }
    const char *v = copy;
    const char *item = v;
    const char *p = v;
    while (1) {
        if (*p == '\0' || domain_sep(p)) {
            xk_status st = push_domain(lic, w, item, (size_t)(p - item));
            if (st != XK_OK || *p == '\0')
                return st;
            p += (unsigned char)*p >= 0x80 ? 3 : 1;
            item = p;
            continue;
        }
        p++;
    }
}

static bool field_set(const xk_website *w, label_kind kind)
{
    switch (kind) {
    case L_SITE_NAME:
        return w->name != NULL;
    case L_SITE_DOMAIN:
        return w->domains.len > 0;
    case L_SERVER:
        return w->server_location != NULL;
    case L_ACCESS:
        return w->access_provider != NULL;
    default:
        return false;
    }
}

static xk_status set_field(xk_licence *lic, xk_website *w, label_kind kind, const char *value)
{
    if (kind == L_SITE_DOMAIN)
        return split_domains(lic, w, value);
    char *t = xk_tidy_into(lic, value, strlen(value));
    if (!t)
        return XK_ENOMEM;
    if (kind == L_SITE_NAME)
        w->name = t;
    else if (kind == L_SERVER)
        w->server_location = t;
    else
        w->access_provider = t;
    return XK_OK;
}

static xk_status fill_defaults(xk_licence *lic)
{
    for (size_t i = 0; i < lic->n_websites; i++) {
        xk_website *w = &lic->websites[i];
        if (!w->name)
            w->name = "";
        if (!w->server_location)
            w->server_location = "";
        if (!w->access_provider)
            w->access_provider = "";
        /* a block without a header belongs to the licence's only service, if it has one */
        if (!w->code[0] && lic->n_services == 1)
            memcpy(w->code, lic->services[0].code, sizeof w->code);
    }
    return XK_OK;
}

xk_status xk_appendix_extract(doc *d)
{
    xk_licence *lic = d->lic;
    char code[8] = "";
    xk_website *cur = NULL;
    xk_buf value;
    xk_buf_init(&value);
    xk_status st = XK_OK;
    for (size_t i = 0; i < d->lines->n && st == XK_OK; i++) {
        if (d->section[i] != SEC_APPENDIX || xk_is_blank(d, i) || d->furniture[i])
            continue;
        if (xk_opens_block_header(d, i)) {
            i = read_header(d, i, code, sizeof code);
            cur = NULL;
            continue;
        }
        label_hit hit;
        if (!xk_label_at(d, i, &hit) || !xk_label_is_site(hit.kind))
            continue;
        if (!cur || field_set(cur, hit.kind)) {
            cur = xk_licence_add_website(lic);
            if (!cur) {
                st = lic->n_websites >= XK_MAX_WEBSITES ? XK_ETOOBIG : XK_ENOMEM;
                break;
            }
            memcpy(cur->code, code, sizeof cur->code);
            cur->line = d->lines->lines[i].lineno;
        }
        xk_buf_reset(&value);
        i = xk_value_collect(d, &hit, hit.kind == L_SITE_DOMAIN, &value);
        if (value.oom)
            st = XK_ENOMEM;
        else
            st = set_field(lic, cur, hit.kind, value.data ? value.data : "");
    }
    xk_buf_free(&value);
    if (st == XK_ETOOBIG)
        xk_licence_problem_key(lic, XK_SEV_ERROR, 0, "problem.websites_over_limit",
                               "more than %u websites in the appendix", XK_MAX_WEBSITES);
    return st == XK_OK ? fill_defaults(lic) : st;
}
