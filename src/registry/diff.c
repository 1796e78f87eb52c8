/*
 * Field-by-field comparison of two licence records. Works on the records' JSON form, so what it
 * compares is exactly what users see; lists of objects are matched by a key (service code,
 * website service + domain, provision number) rather than by position, so a website added in
 * the middle shows as one addition, not as every later entry changed.
 */
#include <stdio.h>
#include <string.h>

#include "xuke/diff.h"
#include "xuke/record_json.h"

static void add_change(json_t *out, const char *field, json_t *from, json_t *to)
{
    const char *change = !from ? "added" : !to ? "removed" : "changed";
    json_t *c = json_pack("{s:s, s:s}", "field", field, "change", change);
    if (!c)
        return;
    if (from)
        json_object_set(c, "from", from);
    if (to)
        json_object_set(c, "to", to);
    json_array_append_new(out, c);
}

static void diff_scalars(json_t *out, json_t *a, json_t *b)
{
    static const char *const fields[] = {"number",  "region", "category", "issuer",
                                         "company", "legal_representative", "issued",
                                         "expires"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_t *x = json_object_get(a, fields[i]), *y = json_object_get(b, fields[i]);
        if (!json_equal(x, y))
            add_change(out, fields[i], x, y);
    }
}

typedef void (*key_fn)(json_t *item, char *key, size_t size);

static void service_key(json_t *s, char *key, size_t size)
{
    snprintf(key, size, "%s", json_string_value(json_object_get(s, "code")));
}

static void website_key(json_t *w, char *key, size_t size)
{
    json_t *domains = json_object_get(w, "domains");
    const char *first = json_array_size(domains) ? json_string_value(json_array_get(domains, 0))
                                                 : json_string_value(json_object_get(w, "name"));
    snprintf(key, size, "%s %s", json_string_value(json_object_get(w, "service")),
             first ? first : "");
}

static void number_key(json_t *p, char *key, size_t size)
{
    snprintf(key, size, "%lld", (long long)json_integer_value(json_object_get(p, "no")));
}

static json_t *find_keyed(json_t *list, key_fn key, const char *want)
{
    char k[512];
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        key(item, k, sizeof k);
        if (strcmp(k, want) == 0)
            return item;
    }
    return NULL;
}

static void diff_objects(json_t *out, const char *base, json_t *x, json_t *y);

static void diff_lists(json_t *out, const char *name, json_t *a, json_t *b, key_fn key,
                       bool descend)
{
    char k[512], field[640];
    size_t i;
    json_t *item;
    json_array_foreach(a, i, item)
    {
        key(item, k, sizeof k);
        snprintf(field, sizeof field, "%s[%s]", name, k);
        json_t *other = find_keyed(b, key, k);
        if (!other)
            add_change(out, field, item, NULL);
        else if (!json_equal(item, other)) {
            if (descend)
                diff_objects(out, field, item, other);
            else
                add_change(out, field, item, other);
        }
    }
    json_array_foreach(b, i, item)
    {
        key(item, k, sizeof k);
        if (!find_keyed(a, key, k)) {
            snprintf(field, sizeof field, "%s[%s]", name, k);
            add_change(out, field, NULL, item);
        }
    }
}

/* Sub-fields of two matched objects; item lists inside provisions are matched by number. */
static void diff_objects(json_t *out, const char *base, json_t *x, json_t *y)
{
    const char *key;
    json_t *vx;
    char field[700];
    json_object_foreach(x, key, vx)
    {
        json_t *vy = json_object_get(y, key);
        if (json_equal(vx, vy))
            continue;
        snprintf(field, sizeof field, "%s.%s", base, key);
        if (strcmp(key, "items") == 0 && json_is_array(vx) && json_is_array(vy))
            diff_lists(out, field, vx, vy, number_key, false);
        else
            add_change(out, field, vx, vy);
    }
    json_t *vy;
    json_object_foreach(y, key, vy)
    {
        if (!json_object_get(x, key)) {
            snprintf(field, sizeof field, "%s.%s", base, key);
            add_change(out, field, NULL, vy);
        }
    }
}

json_t *xk_licence_diff(const xk_licence *from, const xk_licence *to)
{
    json_t *a = xk_licence_to_json(from), *b = xk_licence_to_json(to), *out = json_array();
    if (!a || !b || !out) {
        json_decref(a);
        json_decref(b);
        json_decref(out);
        return NULL;
    }
    diff_scalars(out, a, b);
    diff_lists(out, "services", json_object_get(a, "services"), json_object_get(b, "services"),
               service_key, true);
    diff_lists(out, "websites", json_object_get(a, "websites"), json_object_get(b, "websites"),
               website_key, true);
    diff_lists(out, "provisions", json_object_get(a, "provisions"),
               json_object_get(b, "provisions"), number_key, true);
    json_decref(a);
    json_decref(b);
    return out;
}
