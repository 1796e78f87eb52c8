/*
 * The licence record's memory: one arena per record holds every string and array, so a record
 * is released with one call. Also the problem list (errors and warnings with their lines),
 * capped at XK_MAX_PROBLEMS with a count of what was dropped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xuke/catalogue.h"
#include "xuke/licence.h"
#include "xuke/limits.h"
#include "xuke/text.h"

#include "arena.h"

xk_licence *xk_licence_new(void)
{
    xk_arena *a = xk_arena_new();
    if (!a)
        return NULL;
    xk_licence *lic = xk_arena_alloc(a, sizeof *lic);
    if (!lic) {
        xk_arena_free(a);
        return NULL;
    }
    lic->arena = a;
    return lic;
}

void xk_licence_free(xk_licence *lic)
{
    if (lic)
        xk_arena_free(lic->arena); /* lic itself lives in its arena */
}

xk_status xk_licence_set_number(xk_licence *lic, const xk_number *n)
{
    const xk_region *reg = xk_region_by_abbr(n->region, strlen(n->region));
    const char *issuer = *n->region ? (reg ? reg->issuer : "") : XK_MINISTRY_ISSUER;
    lic->number = xk_licence_strdup(lic, n->text, strlen(n->text));
    lic->region = xk_licence_strdup(lic, n->region, strlen(n->region));
    lic->category = xk_licence_strdup(lic, n->category, strlen(n->category));
    lic->issuer = xk_licence_strdup(lic, issuer, strlen(issuer));
    lic->number_year = n->year;
    return lic->number && lic->region && lic->category && lic->issuer ? XK_OK : XK_ENOMEM;
}

char *xk_licence_strdup(xk_licence *lic, const char *s, size_t len)
{
    return xk_arena_strndup(lic->arena, s, len);
}

xk_status xk_strlist_push(xk_licence *lic, xk_strlist *list, const char *s, size_t len)
{
    char **items = xk_arena_grow(lic->arena, list->items, sizeof *items, list->len, &list->cap,
                                 (size_t)1 << 20);
    if (!items)
        return XK_ENOMEM;
    list->items = items;
    char *copy = xk_arena_strndup(lic->arena, s, len);
    if (!copy)
        return XK_ENOMEM;
    list->items[list->len++] = copy;
    return XK_OK;
}

xk_service *xk_licence_add_service(xk_licence *lic)
{
    xk_service *v = xk_arena_grow(lic->arena, lic->services, sizeof *v, lic->n_services,
                                  &lic->cap_services, XK_MAX_SERVICES);
    if (!v)
        return NULL;
    lic->services = v;
    return &v[lic->n_services++];
}

xk_website *xk_licence_add_website(xk_licence *lic)
{
    xk_website *v = xk_arena_grow(lic->arena, lic->websites, sizeof *v, lic->n_websites,
                                  &lic->cap_websites, XK_MAX_WEBSITES);
    if (!v)
        return NULL;
    lic->websites = v;
    return &v[lic->n_websites++];
}

xk_provision *xk_licence_add_provision(xk_licence *lic)
{
    xk_provision *v = xk_arena_grow(lic->arena, lic->provisions, sizeof *v, lic->n_provisions,
                                    &lic->cap_provisions, XK_MAX_PROVISIONS);
    if (!v)
        return NULL;
    lic->provisions = v;
    return &v[lic->n_provisions++];
}

xk_item *xk_provision_add_item(xk_licence *lic, xk_provision *p)
{
    xk_item *v = xk_arena_grow(lic->arena, p->items, sizeof *v, p->n_items, &p->cap_items,
                               XK_MAX_ITEMS);
    if (!v)
        return NULL;
    p->items = v;
    return &v[p->n_items++];
}

/* A field to review must not hide behind the cap either: the last kept problem gives way to
 * one saying the whole document needs review (it is counted as dropped). */
#define REVIEW_OVERFLOW                                                                            \
    XK_REVIEW_PREFIX "whole document: more problems than the list holds, among them "              \
                     "fields to review"

static void review_overflow(xk_licence *lic)
{
    xk_problem *last = &lic->problems[lic->n_problems - 1];
    if (strcmp(last->message, REVIEW_OVERFLOW) == 0)
        return;
    char *msg = xk_arena_strndup(lic->arena, REVIEW_OVERFLOW, strlen(REVIEW_OVERFLOW));
    if (!msg)
        return;
    last->message = msg;
    last->key = "problem.review.overflow";
    last->n_params = 0;
    last->line = 0;
    if (last->severity < XK_SEV_WARNING)
        last->severity = XK_SEV_WARNING;
    lic->n_problems_dropped++;
}

/* One value of a printf conversion, formatted alone: spec is the conversion ("%.*s"), with the
 * star arguments already taken as width and prec (-1: none). */
static int one_value(char *buf, size_t size, const char *spec, int width, int prec, char conv,
                     const char *length, va_list *ap)
{
#define PUT(type)                                                                                  \
    do {                                                                                           \
        type v_ = va_arg(*ap, type);                                                               \
        return width >= 0 && prec >= 0 ? snprintf(buf, size, spec, width, prec, v_)                \
               : width >= 0            ? snprintf(buf, size, spec, width, v_)                      \
               : prec >= 0             ? snprintf(buf, size, spec, prec, v_)                       \
                                       : snprintf(buf, size, spec, v_);                                        \
    } while (0)
    bool is_signed = conv == 'd' || conv == 'i';
    if (conv == 's') PUT(const char *);
    if (conv == 'c') PUT(int);
    if (strcmp(length, "z") == 0) {
        if (is_signed) return -1;
        PUT(size_t);
    }
    if (strcmp(length, "ll") == 0) {
        if (is_signed) PUT(long long);
        PUT(unsigned long long);
    }
    if (strcmp(length, "l") == 0) {
        if (is_signed) PUT(long);
        PUT(unsigned long);
    }
    if (is_signed) PUT(int); /* h and hh are promoted to int */
    PUT(unsigned);
#undef PUT
}

/* The values fmt puts in, each formatted alone, in order, copied into the record's arena. False
 * when fmt has more than XK_PROBLEM_PARAMS of them or a conversion this does not know. */
static bool split_params(xk_licence *lic, const char *fmt, va_list ap, xk_problem *p)
{
    va_list args;
    va_copy(args, ap);
    bool ok = true;
    p->n_params = 0;
    for (const char *q = fmt; ok && *q; q++) {
        if (*q != '%') continue;
        if (q[1] == '%') {
            q++;
            continue;
        }
        char spec[16] = "%", length[3] = "";
        size_t k = 1;
        int width = -1, prec = -1;
        for (q++; *q && strchr("-+ #0", *q) && k < 6; q++)
            spec[k++] = *q;
        if (*q == '*') {
            width = va_arg(args, int);
            spec[k++] = *q++;
        }
        for (; *q >= '0' && *q <= '9' && k < 9; q++)
            spec[k++] = *q;
        if (*q == '.') {
            spec[k++] = *q++;
            if (*q == '*') {
                prec = va_arg(args, int);
                spec[k++] = *q++;
            }
            for (; *q >= '0' && *q <= '9' && k < 12; q++)
                spec[k++] = *q;
        }
        for (size_t n = 0; *q && strchr("hlz", *q) && n < 2; q++) {
            length[n++] = *q;
            spec[k++] = *q;
        }
        char conv = *q;
        if (!conv || !strchr("diuxcs", conv) || p->n_params >= XK_PROBLEM_PARAMS) {
            ok = false;
            break;
        }
        spec[k++] = conv;
        spec[k] = '\0';
        char value[512];
        int n = one_value(value, sizeof value, spec, width, prec, conv, length, &args);
        if (n < 0) {
            ok = false;
            break;
        }
        size_t len = (size_t)n < sizeof value
                         ? (size_t)n
                         : xk_utf8_cut(value, sizeof value - 1, sizeof value - 1);
        char *copy = xk_arena_strndup(lic->arena, value, len);
        if (!copy) {
            ok = false;
            break;
        }
        p->params[p->n_params++] = copy;
    }
    va_end(args);
    if (!ok) p->n_params = 0;
    return ok;
}

/* Where a problem's parameters come from: the values its format puts in (split_params), or a
 * list the caller gave. */
typedef struct given_params {
    const char *const *v;
    size_t n;
} given_params;

static xk_status add_problem(xk_licence *lic, xk_severity sev, int line, const char *key,
                             const given_params *given, const char *fmt, va_list ap);

xk_status xk_licence_problem(xk_licence *lic, xk_severity sev, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xk_status st = add_problem(lic, sev, line, NULL, NULL, fmt, ap);
    va_end(ap);
    return st;
}

xk_status xk_licence_problem_key(xk_licence *lic, xk_severity sev, int line, const char *key,
                                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xk_status st = add_problem(lic, sev, line, key, NULL, fmt, ap);
    va_end(ap);
    return st;
}

xk_status xk_licence_problem_params(xk_licence *lic, xk_severity sev, int line, const char *key,
                                    const char *const *params, size_t n, const char *fmt, ...)
{
    given_params given = {params, n};
    va_list ap;
    va_start(ap, fmt);
    xk_status st = add_problem(lic, sev, line, key, &given, fmt, ap);
    va_end(ap);
    return st;
}

/* The caller's parameters copied into the record's arena; false (none kept) when there are
 * more than XK_PROBLEM_PARAMS or memory ran out. */
static bool copy_params(xk_licence *lic, const given_params *given, xk_problem *p)
{
    p->n_params = 0;
    if (given->n > XK_PROBLEM_PARAMS)
        return false;
    for (size_t i = 0; i < given->n; i++) {
        const char *v = given->v[i] ? given->v[i] : "";
        char *copy = xk_arena_strndup(lic->arena, v, strlen(v));
        if (!copy) {
            p->n_params = 0;
            return false;
        }
        p->params[p->n_params++] = copy;
    }
    return true;
}

static xk_status add_problem(xk_licence *lic, xk_severity sev, int line, const char *key,
                             const given_params *given, const char *fmt, va_list ap)
{
    if (lic->n_problems >= XK_MAX_PROBLEMS) {
        lic->n_problems_dropped++;
        /* an error must never hide behind the cap: keep the record invalid */
        if (sev == XK_SEV_ERROR)
            lic->problems[lic->n_problems - 1].severity = XK_SEV_ERROR;
        else if (strncmp(fmt, XK_REVIEW_PREFIX, strlen(XK_REVIEW_PREFIX)) == 0)
            review_overflow(lic);
        return XK_OK;
    }
    char msg[1024];
    va_list args;
    va_copy(args, ap);
    int n = vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof msg) /* cut at a character boundary, never inside one */
        n = (int)xk_utf8_cut(msg, sizeof msg - 1, sizeof msg - 1);
    msg[n] = '\0';
    /* the same finding twice (a record read back from JSON and validated again) is one */
    for (size_t i = 0; i < lic->n_problems; i++)
        if (lic->problems[i].severity == sev && strcmp(lic->problems[i].message, msg) == 0)
            return XK_OK;
    xk_problem *v = xk_arena_grow(lic->arena, lic->problems, sizeof *v, lic->n_problems,
                                  &lic->cap_problems, XK_MAX_PROBLEMS);
    if (!v)
        return XK_ENOMEM;
    lic->problems = v;
    char *copy = xk_arena_strndup(lic->arena, msg, (size_t)n);
    if (!copy)
        return XK_ENOMEM;
    xk_problem *p = &v[lic->n_problems];
    *p = (xk_problem){.severity = sev, .line = line, .message = copy};
    if (key && (given ? copy_params(lic, given, p) : split_params(lic, fmt, ap, p))) p->key = key;
    lic->n_problems++;
    return XK_OK;
}

static size_t count(const xk_licence *lic, xk_severity sev)
{
    size_t n = 0;
    for (size_t i = 0; i < lic->n_problems; i++)
        n += lic->problems[i].severity == sev;
    return n;
}

size_t xk_licence_error_count(const xk_licence *lic)
{
    return count(lic, XK_SEV_ERROR);
}

size_t xk_licence_warning_count(const xk_licence *lic)
{
    return count(lic, XK_SEV_WARNING);
}

size_t xk_licence_problem_drop(xk_licence *lic, xk_severity sev, const char *key)
{
    size_t kept = 0;
    for (size_t i = 0; i < lic->n_problems; i++) {
        const xk_problem *p = &lic->problems[i];
        if (p->severity == sev && p->key && strcmp(p->key, key) == 0)
            continue;
        lic->problems[kept++] = *p; /* the arena keeps the message: nothing to free */
    }
    size_t dropped = lic->n_problems - kept;
    lic->n_problems = kept;
    return dropped;
}

bool xk_licence_has_problem(const xk_licence *lic, xk_severity sev, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < lic->n_problems; i++)
        if (lic->problems[i].severity == sev && strncmp(lic->problems[i].message, prefix, n) == 0)
            return true;
    return false;
}

bool xk_licence_grants(const xk_licence *lic, const char *code)
{
    for (size_t i = 0; i < lic->n_services; i++)
        if (strcmp(lic->services[i].code, code) == 0)
            return true;
    return false;
}
