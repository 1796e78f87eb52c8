/*
 * Licence record ⇄ JSON (jansson). Writing follows the field order of the documented contract
 * (docs/RECORD.md); reading accepts what writing produces, checks every type, and names the
 * first offending field by its path ("services[1].code"). Derived fields (region, category,
 * issuer) are recomputed from the number on reading, so a hand-edited record cannot contradict
 * its own number.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xuke/catalogue.h"
#include "xuke/limits.h"
#include "xuke/record_json.h"

#include "../core/buf.h"
#include "record_write.h"

/* --- writing ---------------------------------------------------------------------------------
 * One serialiser, straight into a buffer: the stored form and `parse --json` come from here, and
 * the jansson tree (for the API and diff) is this text parsed back, so the two cannot drift. */

static void put_str(xk_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    xk_buf_putc(b, '"');
    const char *run = s = s ? s : "";
    const char *end = s + strlen(s);
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    while (end - s >= 8) { /* eight bytes at a time while none needs escaping */
        uint64_t w;
        memcpy(&w, s, 8);
        uint64_t quote = w ^ (0x22 * ones), slash = w ^ (0x5C * ones);
        /* a byte below 0x20, or '"' or '\\' (zero after the xor), stops the fast walk */
        if ((((w - 0x20 * ones) & ~w) | ((quote - ones) & ~quote) | ((slash - ones) & ~slash)) &
            highs)
            break;
        s += 8;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        xk_buf_append(b, run, (size_t)(s - run));
        run = s + 1;
        switch (c) {
        case '"':
            xk_buf_puts(b, "\\\"");
            break;
        case '\\':
            xk_buf_puts(b, "\\\\");
            break;
        case '\n':
            xk_buf_puts(b, "\\n");
            break;
        case '\t':
            xk_buf_puts(b, "\\t");
            break;
        case '\r':
            xk_buf_puts(b, "\\r");
            break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            xk_buf_puts(b, u);
        }
        }
    }
    xk_buf_append(b, run, (size_t)(s - run));
    xk_buf_putc(b, '"');
}

static void put_key(xk_buf *b, const char *key, bool first)
{
    if (!first)
        xk_buf_putc(b, ',');
    put_str(b, key);
    xk_buf_putc(b, ':');
}

static void put_list(xk_buf *b, const char *key, const xk_strlist *l)
{
    put_key(b, key, false);
    xk_buf_putc(b, '[');
    for (size_t i = 0; i < l->len; i++) {
        if (i)
            xk_buf_putc(b, ',');
        put_str(b, l->items[i]);
    }
    xk_buf_putc(b, ']');
}

static void put_service(xk_buf *b, const xk_service *s)
{
    put_key(b, "code", true);
    put_str(b, s->code);
    put_key(b, "name", false);
    put_str(b, s->name);
    put_key(b, "scope", false);
    put_str(b, s->scope);
    put_list(b, "limited_to", &s->limited_to);
    put_list(b, "includes", &s->includes);
    put_list(b, "excludes", &s->excludes);
    put_list(b, "conditions", &s->conditions);
    put_list(b, "coverage", &s->coverage);
}

static void put_website(xk_buf *b, const xk_website *w)
{
    put_key(b, "service", true);
    put_str(b, w->code);
    put_key(b, "name", false);
    put_str(b, w->name);
    put_list(b, "domains", &w->domains);
    put_key(b, "server_location", false);
    put_str(b, w->server_location);
    put_key(b, "access_provider", false);
    put_str(b, w->access_provider);
}

static void put_numbered(xk_buf *b, int no, const char *text)
{
    xk_buf_printf(b, "{\"no\":%d", no);
    put_key(b, "text", false);
    put_str(b, text);
}

static void put_provision(xk_buf *b, const xk_provision *p)
{
    put_numbered(b, p->no, p->text);
    if (p->n_items) {
        put_key(b, "items", false);
        xk_buf_putc(b, '[');
        for (size_t i = 0; i < p->n_items; i++) {
            if (i)
                xk_buf_putc(b, ',');
            put_numbered(b, p->items[i].no, p->items[i].text);
            xk_buf_putc(b, '}');
        }
        xk_buf_putc(b, ']');
    }
}

typedef void (*put_fn)(xk_buf *b, const void *item);

static void put_array(xk_buf *b, const char *key, const void *items, size_t n, size_t size,
                      put_fn put, bool objects)
{
    put_key(b, key, false);
    xk_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            xk_buf_putc(b, ',');
        if (objects)
            xk_buf_putc(b, '{');
        put(b, (const char *)items + i * size);
        if (objects)
            xk_buf_putc(b, '}');
    }
    xk_buf_putc(b, ']');
}

static void put_service_item(xk_buf *b, const void *s)
{
    put_service(b, s);
}

static void put_website_item(xk_buf *b, const void *w)
{
    put_website(b, w);
}

static void put_provision_item(xk_buf *b, const void *p)
{
    put_provision(b, p);
    xk_buf_putc(b, '}');
}

void xk_record_write(xk_buf *b, const xk_licence *lic, bool with_warnings)
{
    char a[16];
    xk_buf_putc(b, '{');
    put_key(b, "number", true);
    put_str(b, lic->number);
    put_key(b, "region", false);
    put_str(b, lic->region);
    put_key(b, "category", false);
    put_str(b, lic->category);
    put_key(b, "issuer", false);
    put_str(b, lic->issuer);
    put_key(b, "company", false);
    put_str(b, lic->company);
    put_key(b, "legal_representative", false);
    put_str(b, lic->legal_representative);
    put_key(b, "issued", false);
    put_str(b, xk_date_format(lic->issued, a, sizeof a));
    put_key(b, "expires", false);
    put_str(b, xk_date_format(lic->expires, a, sizeof a));
    put_array(b, "services", lic->services, lic->n_services, sizeof *lic->services,
              put_service_item, true);
    put_array(b, "websites", lic->websites, lic->n_websites, sizeof *lic->websites,
              put_website_item, true);
    put_array(b, "provisions", lic->provisions, lic->n_provisions, sizeof *lic->provisions,
              put_provision_item, false);
    if (with_warnings)
        xk_record_write_warnings(b, lic);
    xk_buf_putc(b, '}');
}

void xk_record_write_warnings(xk_buf *b, const xk_licence *lic)
{
    put_key(b, "warnings", false);
    xk_buf_putc(b, '[');
    bool first = true;
    for (size_t i = 0; i < lic->n_problems; i++) {
        if (lic->problems[i].severity != XK_SEV_WARNING)
            continue;
        if (!first)
            xk_buf_putc(b, ',');
        first = false;
        put_str(b, lic->problems[i].message);
    }
    xk_buf_putc(b, ']');
}

void xk_record_write_warning_keys(xk_buf *b, const xk_licence *lic)
{
    bool any = false;
    for (size_t i = 0; i < lic->n_problems && !any; i++)
        any = lic->problems[i].severity == XK_SEV_WARNING && lic->problems[i].key;
    if (!any)
        return;
    put_key(b, "warning_keys", false);
    xk_buf_putc(b, '[');
    bool first = true;
    for (size_t i = 0; i < lic->n_problems; i++) {
        const xk_problem *p = &lic->problems[i];
        if (p->severity != XK_SEV_WARNING)
            continue;
        if (!first)
            xk_buf_putc(b, ',');
        first = false;
        if (!p->key) {
            xk_buf_puts(b, "null");
            continue;
        }
        xk_buf_putc(b, '{');
        put_key(b, "key", true);
        put_str(b, p->key);
        put_key(b, "params", false);
        xk_buf_putc(b, '[');
        for (size_t k = 0; k < p->n_params; k++) {
            if (k)
                xk_buf_putc(b, ',');
            put_str(b, p->params[k]);
        }
        xk_buf_puts(b, "]}");
    }
    xk_buf_putc(b, ']');
}

json_t *xk_licence_to_json(const xk_licence *lic)
{
    xk_buf b;
    xk_buf_init(&b);
    xk_record_write(&b, lic, true);
    json_t *o = b.oom ? NULL : json_loadb(b.data, b.len, 0, NULL);
    xk_buf_free(&b);
    return o;
}

char *xk_licence_to_json_string(const xk_licence *lic, bool pretty)
{
    if (pretty) {
        json_t *o = xk_licence_to_json(lic);
        char *s = o ? json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(2)) : NULL;
        json_decref(o);
        return s;
    }
    xk_buf b;
    xk_buf_init(&b);
    xk_record_write(&b, lic, true);
    return xk_buf_take(&b);
}

/* --- reading ------------------------------------------------------------------------------- */

typedef struct reader {
    xk_licence *lic;
    xk_error *err;
    char path[128];
} reader;

static xk_status fail(reader *r, const char *what)
{
    return xk_error_set(r->err, XK_EFORMAT, 0, "%s: %s", r->path, what);
}

static xk_status get_string(reader *r, const json_t *obj, const char *key, bool required,
                            char **out)
{
    json_t *v = json_object_get(obj, key);
    size_t base = strlen(r->path);
    snprintf(r->path + base, sizeof r->path - base, "%s%s", base ? "." : "", key);
    xk_status st = XK_OK;
    if (!v) {
        if (required)
            st = fail(r, "missing");
        else
            *out = "";
    } else if (!json_is_string(v)) {
        st = fail(r, "expected a string");
    } else {
        *out = xk_licence_strdup(r->lic, json_string_value(v), json_string_length(v));
        if (!*out)
            st = xk_error_set(r->err, XK_ENOMEM, 0, "out of memory");
    }
    r->path[base] = '\0';
    return st;
}

static xk_status get_list(reader *r, const json_t *obj, const char *key, xk_strlist *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return XK_OK;
    size_t base = strlen(r->path);
    snprintf(r->path + base, sizeof r->path - base, ".%s", key);
    xk_status st = XK_OK;
    if (!json_is_array(v))
        st = fail(r, "expected an array of strings");
    for (size_t i = 0; st == XK_OK && i < json_array_size(v); i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e))
            st = fail(r, "expected an array of strings");
        else if (xk_strlist_push(r->lic, out, json_string_value(e), json_string_length(e)) !=
                 XK_OK)
            st = xk_error_set(r->err, XK_ENOMEM, 0, "out of memory");
    }
    r->path[base] = '\0';
    return st;
}

static xk_status get_date(reader *r, const json_t *obj, const char *key, xk_date *out)
{
    char *s;
    xk_status st = get_string(r, obj, key, true, &s);
    if (st != XK_OK)
        return st;
    if (!xk_date_parse_iso(s, out))
        return xk_error_set(r->err, XK_EFORMAT, 0, "%s: \"%s\" is not a date (YYYY-MM-DD)", key,
                            s);
    return XK_OK;
}

static xk_status copy_code(reader *r, const char *code, char out[8])
{
    if (strlen(code) >= 8)
        return fail(r, "code too long");
    memcpy(out, code, strlen(code) + 1);
    return XK_OK;
}

/* An element that could not be added: the list is full (the record is refused) or memory ran
 * out (the caller may retry); they must not read alike. */
static xk_status not_added(reader *r, size_t have, size_t max, const char *what)
{
    if (have >= max)
        return fail(r, what);
    return xk_error_set(r->err, XK_ENOMEM, 0, "out of memory");
}

static xk_status read_service(reader *r, const json_t *o)
{
    xk_service *s = xk_licence_add_service(r->lic);
    if (!s)
        return not_added(r, r->lic->n_services, XK_MAX_SERVICES, "too many services");
    char *code;
    xk_status st = get_string(r, o, "code", true, &code);
    if (st == XK_OK)
        st = copy_code(r, code, s->code);
    if (st == XK_OK)
        st = get_string(r, o, "name", false, &s->name);
    if (st == XK_OK && !*s->name && xk_service_by_code(s->code))
        s->name = (char *)xk_service_by_code(s->code)->name;
    if (st == XK_OK)
        st = get_string(r, o, "scope", false, &s->scope);
    if (st == XK_OK)
        st = get_list(r, o, "limited_to", &s->limited_to);
    if (st == XK_OK)
        st = get_list(r, o, "includes", &s->includes);
    if (st == XK_OK)
        st = get_list(r, o, "excludes", &s->excludes);
    if (st == XK_OK)
        st = get_list(r, o, "conditions", &s->conditions);
    if (st == XK_OK)
        st = get_list(r, o, "coverage", &s->coverage);
    return st;
}

static xk_status read_website(reader *r, const json_t *o)
{
    xk_website *w = xk_licence_add_website(r->lic);
    if (!w)
        return not_added(r, r->lic->n_websites, XK_MAX_WEBSITES, "too many websites");
    char *code;
    xk_status st = get_string(r, o, "service", false, &code);
    if (st == XK_OK)
        st = copy_code(r, code, w->code);
    if (st == XK_OK)
        st = get_string(r, o, "name", false, &w->name);
    if (st == XK_OK)
        st = get_list(r, o, "domains", &w->domains);
    if (st == XK_OK)
        st = get_string(r, o, "server_location", false, &w->server_location);
    if (st == XK_OK)
        st = get_string(r, o, "access_provider", false, &w->access_provider);
    return st;
}

static xk_status get_no(reader *r, const json_t *o, int *out)
{
    json_t *v = json_object_get(o, "no");
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 99)
        return fail(r, "\"no\" must be an integer from 1 to 99");
    *out = (int)json_integer_value(v);
    return XK_OK;
}

static xk_status read_provision(reader *r, const json_t *o)
{
    xk_provision *p = xk_licence_add_provision(r->lic);
    if (!p)
        return not_added(r, r->lic->n_provisions, XK_MAX_PROVISIONS, "too many provisions");
    xk_status st = get_no(r, o, &p->no);
    if (st == XK_OK)
        st = get_string(r, o, "text", false, &p->text);
    json_t *items = json_object_get(o, "items");
    if (st != XK_OK || !items)
        return st;
    if (!json_is_array(items))
        return fail(r, "items: expected an array");
    size_t base = strlen(r->path);
    for (size_t i = 0; st == XK_OK && i < json_array_size(items); i++) {
        json_t *e = json_array_get(items, i);
        snprintf(r->path + base, sizeof r->path - base, ".items[%zu]", i);
        if (!json_is_object(e)) {
            st = fail(r, "expected an object");
            break;
        }
        xk_item *it = xk_provision_add_item(r->lic, p);
        if (!it)
            st = not_added(r, p->n_items, XK_MAX_ITEMS, "too many items");
        if (st == XK_OK)
            st = get_no(r, e, &it->no);
        if (st == XK_OK)
            st = get_string(r, e, "text", false, &it->text);
    }
    r->path[base] = '\0';
    return st;
}

typedef xk_status (*element_reader)(reader *r, const json_t *o);

static xk_status read_array(reader *r, const json_t *obj, const char *key, bool required,
                            element_reader each)
{
    json_t *a = json_object_get(obj, key);
    if (!a) {
        if (!required)
            return XK_OK;
        snprintf(r->path, sizeof r->path, "%s", key);
        return fail(r, "missing");
    }
    if (!json_is_array(a)) {
        snprintf(r->path, sizeof r->path, "%s", key);
        return fail(r, "expected an array");
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        snprintf(r->path, sizeof r->path, "%s[%zu]", key, i);
        json_t *e = json_array_get(a, i);
        xk_status st = json_is_object(e) ? each(r, e) : fail(r, "expected an object");
        if (st != XK_OK)
            return st;
    }
    r->path[0] = '\0';
    return XK_OK;
}

/* A warning's catalogue key and parameters (xk_record_write_warning_keys) put back on the
 * problem p: null leaves it without; anything else than {"key": "problem.…", "params": [text…]}
 * is an error. */
static xk_status read_warning_key(reader *r, const json_t *k, xk_problem *p)
{
    if (json_is_null(k))
        return XK_OK;
    const char *key = json_string_value(json_object_get(k, "key"));
    json_t *params = json_object_get(k, "params");
    if (!json_is_object(k) || !key || strncmp(key, "problem.", 8) != 0 ||
        !json_is_array(params) || json_array_size(params) > XK_PROBLEM_PARAMS)
        return fail(r, "expected null or {\"key\": \"problem.NAME\", \"params\": [at most "
                       "12 strings]}");
    xk_licence *lic = r->lic;
    for (size_t i = 0; i < json_array_size(params); i++) {
        const char *v = json_string_value(json_array_get(params, i));
        if (!v)
            return fail(r, "expected the params to be strings");
        if (!(p->params[i] = xk_licence_strdup(lic, v, strlen(v))))
            return xk_error_set(r->err, XK_ENOMEM, 0, "out of memory");
    }
    if (!(p->key = xk_licence_strdup(lic, key, strlen(key))))
        return xk_error_set(r->err, XK_ENOMEM, 0, "out of memory");
    p->n_params = json_array_size(params);
    return XK_OK;
}

/* Warnings found when the record was extracted travel with it, with their catalogue keys
 * ("warning_keys", one entry per warning) where they had them. */
static xk_status read_warnings(reader *r, const json_t *obj)
{
    json_t *a = json_object_get(obj, "warnings"), *keys = json_object_get(obj, "warning_keys");
    if (!a && !keys)
        return XK_OK;
    snprintf(r->path, sizeof r->path, "warning_keys");
    if (keys && (!json_is_array(keys) || json_array_size(keys) != json_array_size(a)))
        return fail(r, "expected an array with one entry per warning");
    if (!a) /* an empty warning_keys beside no warnings */
        return XK_OK;
    snprintf(r->path, sizeof r->path, "warnings");
    if (!json_is_array(a))
        return fail(r, "expected an array of strings");
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *w = json_array_get(a, i);
        if (!json_is_string(w))
            return fail(r, "expected an array of strings");
        size_t before = r->lic->n_problems;
        if (xk_licence_problem(r->lic, XK_SEV_WARNING, 0, "%s", json_string_value(w)) != XK_OK)
            return xk_error_set(r->err, XK_ENOMEM, 0, "out of memory");
        if (!keys || r->lic->n_problems == before) /* none, or the same warning twice */
            continue;
        snprintf(r->path, sizeof r->path, "warning_keys[%zu]", i);
        xk_status st = read_warning_key(r, json_array_get(keys, i),
                                        &r->lic->problems[r->lic->n_problems - 1]);
        if (st != XK_OK)
            return st;
        snprintf(r->path, sizeof r->path, "warnings");
    }
    r->path[0] = '\0';
    return XK_OK;
}

static xk_status derive_number(reader *r, const char *number)
{
    xk_number n;
    xk_licence *lic = r->lic;
    xk_status st = xk_number_read(number, strlen(number), &n);
    if (st == XK_ENOMEM)
        return xk_error_set(r->err, XK_ENOMEM, 0, "out of memory");
    if (st != XK_OK)
        return xk_error_set(r->err, XK_EFORMAT, 0, "number: \"%s\" is not a licence number",
                            number);
    if (xk_licence_set_number(lic, &n) != XK_OK)
        return xk_error_set(r->err, XK_ENOMEM, 0, "out of memory");
    return XK_OK;
}

xk_status xk_licence_from_json(const json_t *obj, xk_licence **out, xk_error *err)
{
    *out = NULL;
    if (!json_is_object(obj))
        return xk_error_set(err, XK_EFORMAT, 0, "a licence record must be a JSON object");
    xk_licence *lic = xk_licence_new();
    if (!lic)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    reader r = {lic, err, ""};
    char *number = NULL;
    xk_status st = get_string(&r, obj, "number", true, &number);
    if (st == XK_OK)
        st = derive_number(&r, number);
    if (st == XK_OK)
        st = get_string(&r, obj, "company", true, &lic->company);
    if (st == XK_OK)
        st = get_string(&r, obj, "legal_representative", true, &lic->legal_representative);
    if (st == XK_OK)
        st = get_date(&r, obj, "issued", &lic->issued);
    if (st == XK_OK)
        st = get_date(&r, obj, "expires", &lic->expires);
    if (st == XK_OK)
        st = read_array(&r, obj, "services", true, read_service);
    if (st == XK_OK)
        st = read_array(&r, obj, "websites", false, read_website);
    if (st == XK_OK)
        st = read_array(&r, obj, "provisions", false, read_provision);
    if (st == XK_OK)
        st = read_warnings(&r, obj);
    if (st != XK_OK) {
        xk_licence_free(lic);
        return st;
    }
    *out = lic;
    return XK_OK;
}
