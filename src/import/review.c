/*
 * What a person corrected on review of a scan, put into the record read from it. Every field a
 * review flag can name is correctable here (src/ocr/scan.c's problem.review.field: the number,
 * company, legal representative, dates, a service, a website, a provision), addressed by the
 * path the record's JSON gives it ("websites[2].domains"), so the review page, the store's
 * corrections and the history name it alike. What was read is checked first: a correction made
 * over another reading than this scan gives is refused, never applied to the wrong value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xuke/catalogue.h"
#include "xuke/text.h"
#include "xuke/validate.h"
#include "review.h"

#define LIST_SEP "、"

/* What a path names in the record: a text, a list, a date, the number or a service's code. */
typedef enum { T_TEXT, T_LIST, T_HOSTS, T_DATE, T_NUMBER, T_CODE } target_kind;

typedef struct target {
    target_kind kind;
    char **text;
    xk_strlist *list;
    xk_date *date;
    xk_service *service;
} target;

static const char *const SCALAR_HELP =
    "number, company, legal_representative, issuer, issued, expires, services[CODE].code or "
    ".coverage, websites[N].name, .domains, .server_location or .access_provider, "
    "provisions[N].text";

/* "websites[2].domains" → "websites", "2", "domains"; false when the path has not that shape. */
static bool split_path(const char *path, char list[16], char key[16], char member[24])
{
    const char *open = strchr(path, '['), *close = open ? strchr(open, ']') : NULL;
    if (!open || !close || close[1] != '.' || (size_t)(open - path) >= 16 ||
        (size_t)(close - open - 1) >= 16 || strlen(close + 2) >= 24 || close == open + 1)
        return false;
    snprintf(list, 16, "%.*s", (int)(open - path), path);
    snprintf(key, 16, "%.*s", (int)(close - open - 1), open + 1);
    snprintf(member, 24, "%s", close + 2);
    return true;
}

/* A positive number written plainly ("12"), else 0. */
static size_t index_of(const char *s)
{
    size_t n = 0;
    for (; *s >= '0' && *s <= '9' && n < 100000; s++)
        n = n * 10 + (size_t)(*s - '0');
    return *s ? 0 : n;
}

static bool find_item(xk_licence *lic, const char *list, const char *key, const char *member,
                      target *t)
{
    memset(t, 0, sizeof *t);
    if (strcmp(list, "services") == 0) {
        for (size_t i = 0; i < lic->n_services; i++)
            if (strcmp(lic->services[i].code, key) == 0) {
                t->service = &lic->services[i];
                if (strcmp(member, "code") == 0)
                    t->kind = T_CODE;
                else if (strcmp(member, "coverage") == 0)
                    *t = (target){T_LIST, NULL, &lic->services[i].coverage, NULL, NULL};
                else
                    return false;
                return true;
            }
        return false;
    }
    if (strcmp(list, "websites") == 0) {
        size_t i = index_of(key);
        if (i < 1 || i > lic->n_websites)
            return false;
        xk_website *w = &lic->websites[i - 1];
        if (strcmp(member, "domains") == 0)
            *t = (target){T_HOSTS, NULL, &w->domains, NULL, NULL};
        else
            t->text = strcmp(member, "name") == 0              ? &w->name
                      : strcmp(member, "server_location") == 0 ? &w->server_location
                      : strcmp(member, "access_provider") == 0 ? &w->access_provider
                                                               : NULL;
        return t->text || t->list;
    }
    if (strcmp(list, "provisions") == 0 && strcmp(member, "text") == 0) {
        size_t no = index_of(key);
        for (size_t i = 0; no && i < lic->n_provisions; i++)
            if ((size_t)lic->provisions[i].no == no) {
                t->text = &lic->provisions[i].text;
                return true;
            }
    }
    return false;
}

/* The field a path names; false when it names none in this record. */
static bool find_target(xk_licence *lic, const char *path, target *t)
{
    memset(t, 0, sizeof *t);
    if (strcmp(path, "number") == 0)
        t->kind = T_NUMBER;
    else if (strcmp(path, "company") == 0)
        t->text = &lic->company;
    else if (strcmp(path, "legal_representative") == 0)
        t->text = &lic->legal_representative;
    else if (strcmp(path, "issuer") == 0)
        t->text = &lic->issuer;
    else if (strcmp(path, "issued") == 0 || strcmp(path, "expires") == 0)
        *t = (target){T_DATE, NULL, NULL, path[0] == 'i' ? &lic->issued : &lic->expires, NULL};
    else {
        char list[16], key[16], member[24];
        return split_path(path, list, key, member) && find_item(lic, list, key, member, t);
    }
    return true;
}

/* The value the field holds now, as the reviewer saw it (caller frees); NULL for memory. */
static char *current(const xk_licence *lic, const target *t)
{
    char day[16];
    switch (t->kind) {
    case T_NUMBER:
        return strdup(lic->number ? lic->number : "");
    case T_DATE:
        return strdup(xk_date_format(*t->date, day, sizeof day));
    case T_CODE:
        return strdup(t->service->code);
    case T_LIST:
    case T_HOSTS: {
        size_t need = 1;
        for (size_t i = 0; i < t->list->len; i++)
            need += strlen(t->list->items[i]) + strlen(LIST_SEP);
        char *s = malloc(need), *p = s;
        for (size_t i = 0; s && i < t->list->len; i++) { /* sized above */
            if (i) {
                memcpy(p, LIST_SEP, strlen(LIST_SEP));
                p += strlen(LIST_SEP);
            }
            memcpy(p, t->list->items[i], strlen(t->list->items[i]));
            p += strlen(t->list->items[i]);
        }
        if (s)
            *p = '\0';
        return s;
    }
    case T_TEXT:
        break;
    }
    return strdup(*t->text ? *t->text : "");
}

/* The reviewer's list, split at 、 , ， ; ； and white space: each entry trimmed, none empty. */
static xk_status set_list(xk_licence *lic, xk_strlist *list, const char *value, bool hosts,
                          const char *field, xk_error *err)
{
    static const char *const seps[] = {"、", "，", "；", ",", ";", " ", "\t", "\n"};
    xk_strlist fresh = {0};
    for (const char *p = value; *p;) {
        size_t len = strlen(p), cut = len, skip = 0;
        for (size_t k = 0; k < sizeof seps / sizeof seps[0]; k++) {
            const char *hit = strstr(p, seps[k]);
            if (hit && (size_t)(hit - p) < cut) {
                cut = (size_t)(hit - p);
                skip = strlen(seps[k]);
            }
        }
        if (cut) {
            char host[256];
            const char *item = p;
            size_t n = cut;
            if (hosts) {
                char raw[256];
                snprintf(raw, sizeof raw, "%.*s", (int)(cut < 255 ? cut : 255), p);
                if (cut > 255 || !xk_host_normalise(raw, host, sizeof host) ||
                    !xk_host_valid(host, strlen(host)))
                    return xk_error_set(err, XK_EUSAGE, 0, "%s: \"%.*s\" is not a host name",
                                        field, (int)(cut < 255 ? cut : 255), p);
                item = host;
                n = strlen(host);
            }
            if (xk_strlist_push(lic, &fresh, item, n) != XK_OK)
                return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
        }
        p += cut + skip;
    }
    if (fresh.len == 0)
        return xk_error_set(err, XK_EUSAGE, 0, "%s: the value given lists nothing", field);
    *list = fresh;
    return XK_OK;
}

/* The number as corrected, with what it decides: region, category, issuer, year. */
/* A number corrected to one with a province gives the services that print no coverage that
 * province, as the extractor does: a scan whose province was unresolved read them as covering
 * nothing (ocr/region.c), and a person who corrects the number corrects that too. */
static xk_status set_number(xk_licence *lic, const char *value, xk_error *err)
{
    xk_number n;
    if (xk_number_exact(value, strlen(value), &n) != XK_NUMBER_OK)
        return xk_error_set(err, XK_EUSAGE, 0, "number: \"%s\" is not a licence number", value);
    if (xk_licence_set_number(lic, &n) != XK_OK)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    const xk_region *r = xk_region_by_abbr(n.region, strlen(n.region));
    for (size_t i = 0; r && i < lic->n_services; i++)
        if (lic->services[i].coverage.len == 0 &&
            xk_strlist_push(lic, &lic->services[i].coverage, r->name, strlen(r->name)) != XK_OK)
            return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    return XK_OK;
}

static xk_status set_value(xk_licence *lic, const target *t, const xk_correction *c,
                           xk_error *err)
{
    const char *v = c->corrected_value;
    switch (t->kind) {
    case T_NUMBER:
        return set_number(lic, v, err);
    case T_DATE:
        if (!xk_date_parse_iso(v, t->date))
            return xk_error_set(err, XK_EUSAGE, 0, "%s \"%s\" is not a date (YYYY-MM-DD)",
                                c->field, v);
        return XK_OK;
    case T_CODE: {
        const xk_service_kind *k = xk_service_by_code(v);
        if (!k)
            return xk_error_set(err, XK_EUSAGE, 0, "%s: \"%s\" is no service in the catalogue",
                                c->field, v);
        snprintf(t->service->code, sizeof t->service->code, "%s", k->code);
        t->service->name = xk_licence_strdup(lic, k->name, strlen(k->name));
        return t->service->name ? XK_OK : xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    }
    case T_LIST:
    case T_HOSTS:
        return set_list(lic, t->list, v, t->kind == T_HOSTS, c->field, err);
    case T_TEXT:
        break;
    }
    char *copy = xk_licence_strdup(lic, v, strlen(v));
    if (!copy)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    *t->text = copy;
    return XK_OK;
}

static xk_status apply_one(xk_licence *lic, const xk_correction *c, xk_error *err)
{
    target t;
    if (!find_target(lic, c->field, &t))
        return xk_error_set(err, XK_EUSAGE, 0,
                            "%s names no field of this record that a review corrects (%s)",
                            c->field, SCALAR_HELP);
    char *now = current(lic, &t);
    if (!now)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    xk_status rc = XK_OK;
    if (strcmp(now, c->read_value) != 0)
        rc = xk_error_set(err, XK_ECONFLICT, 0, "the scan reads %s as \"%.200s\", not \"%.200s\" "
                                                "as reviewed",
                          c->field, now, c->read_value);
    free(now);
    if (rc != XK_OK)
        return rc;
    size_t len = strlen(c->corrected_value);
    if (len == 0 || !xk_utf8_valid(c->corrected_value, len, NULL))
        return xk_error_set(err, XK_EUSAGE, 0, "the value given for %s is empty or not UTF-8",
                            c->field);
    return set_value(lic, &t, c, err);
}

/* The findings about the number's province as printed: a person who corrects the number has read
 * the province on the paper, so each is settled by it. */
static const char *const NUMBER_FINDINGS[] = {
    "problem.review.number_unresolved",       "problem.review.number_province",
    "problem.review.number_province_coverage", "problem.number_province_ministry",
    "problem.number_province_two",
};

static bool corrected(const xk_correction *c, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].field, path) == 0)
            return true;
    return false;
}

/* Whether the corrections settle review flag p (problem.review.field): the field it names was
 * corrected. A scalar's flag by its path; a service's by its code or coverage; a provision's by
 * its text. A website's flag stays: it covers the name, domains, server and provider together,
 * and a correction of one member says nothing of the others. */
static bool settles_field(const xk_problem *p, const xk_correction *c, size_t n)
{
    if (p->n_params < 2 || !p->params[0] || !p->params[1])
        return false;
    const char *field = p->params[0], *item = p->params[1];
    char path[96];
    if (strcmp(field, "service") == 0) {
        snprintf(path, sizeof path, "services[%s].code", item);
        if (corrected(c, n, path))
            return true;
        snprintf(path, sizeof path, "services[%s].coverage", item);
        return corrected(c, n, path);
    }
    if (strcmp(field, "provision") == 0) {
        snprintf(path, sizeof path, "provisions[%s].text", item);
        return corrected(c, n, path);
    }
    return strcmp(field, "website") != 0 && !*item && corrected(c, n, field);
}

/* Whether the corrections settle coverage_unresolved on service p->params[0]: its coverage was
 * corrected, or the number was and gave it the corrected province (set_number). */
static bool settles_coverage(const xk_licence *lic, const xk_problem *p, const xk_correction *c,
                             size_t n)
{
    if (p->n_params < 1 || !p->params[0])
        return false;
    char path[96];
    snprintf(path, sizeof path, "services[%s].coverage", p->params[0]);
    if (corrected(c, n, path))
        return true;
    for (size_t i = 0; corrected(c, n, "number") && i < lic->n_services; i++)
        if (strcmp(lic->services[i].code, p->params[0]) == 0 && lic->services[i].coverage.len)
            return true;
    return false;
}

static bool settled(const xk_licence *lic, const xk_problem *p, const xk_correction *c, size_t n)
{
    if (p->severity != XK_SEV_WARNING || !p->key)
        return false;
    if (strcmp(p->key, "problem.review.field") == 0)
        return settles_field(p, c, n);
    if (strcmp(p->key, "problem.review.coverage_unresolved") == 0)
        return settles_coverage(lic, p, c, n);
    for (size_t k = 0; k < sizeof NUMBER_FINDINGS / sizeof NUMBER_FINDINGS[0]; k++)
        if (strcmp(p->key, NUMBER_FINDINGS[k]) == 0)
            return corrected(c, n, "number");
    return false;
}

/* Takes out the warnings the corrections settle; the others (a field no one corrected, a
 * finding of the validator) stay in their order. The corrections themselves are kept with the
 * version (xk_store_put_corrections), so what was flagged and how it was settled is on record. */
static void settle(xk_licence *lic, const xk_correction *c, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < lic->n_problems; i++)
        if (!settled(lic, &lic->problems[i], c, n))
            lic->problems[kept++] = lic->problems[i]; /* the arena keeps the message */
    lic->n_problems = kept;
}

xk_status xk_review_apply(xk_licence *lic, const xk_correction *c, size_t n, xk_error *err)
{
    for (size_t i = 0; i < n; i++) {
        xk_status rc = apply_one(lic, &c[i], err);
        if (rc != XK_OK)
            return rc;
    }
    if (n == 0)
        return XK_OK;
    settle(lic, c, n);
    if (xk_date_cmp(lic->issued, lic->expires) >= 0)
        return xk_error_set(err, XK_EUSAGE, 0,
                            "as corrected, the licence expires before it was issued");
    size_t errors = xk_licence_error_count(lic);
    xk_licence_validate(lic);
    if (xk_licence_error_count(lic) > errors)
        for (size_t i = 0; i < lic->n_problems; i++)
            if (lic->problems[i].severity == XK_SEV_ERROR)
                return xk_error_set(err, XK_EUSAGE, 0, "as corrected, the record has an error: %s",
                                    lic->problems[i].message);
    return XK_OK;
}
