/*
 * JSON views of the registry and the rules (see xuke/views.h): the single place that decides
 * what a licence, an obligation, a status row or a search hit looks like as JSON.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xuke/limits.h"
#include "xuke/ocr.h"
#include "xuke/views.h"

static json_t *date_json(xk_date d);

static int view_offset = 480;

void xk_view_set_utc_offset(int minutes)
{
    view_offset = minutes;
}

const char *xk_view_time(const char *utc, char *buf, size_t size)
{
    xk_time_at_offset(utc, view_offset, buf, size);
    return buf;
}

static json_t *time_json(const char *utc)
{
    char buf[40];
    return json_string(xk_view_time(utc, buf, sizeof buf));
}

/* The registry's facts about a licence that its answer adds to the stored record, in the order
 * they are written: version, versions, status, status_as_of, record_state, source_sha256,
 * imported_at, removed_reason, scan, needs_review, lists. NULL (err set) on failure. */
static json_t *licence_facts(xk_store *st, const xk_calendar *cal, xk_date as_of,
                             const char *number, const xk_licence_info *info, bool review,
                             xk_error *err)
{
    xk_licence_status status;
    if (xk_status_of(st, cal, as_of, number, &status, err) != XK_OK)
        return NULL;
    xk_list_match *m;
    size_t n;
    if (xk_store_list_matches(st, number, &m, &n, err) != XK_OK)
        return NULL;
    json_t *o = json_object();
    if (!o) {
        free(m);
        xk_error_set(err, XK_ENOMEM, 0, "out of memory");
        return NULL;
    }
    json_object_set_new(o, "version", json_integer(info->current.version));
    json_object_set_new(o, "versions", json_integer(info->versions));
    json_object_set_new(o, "status", json_string(xk_status_name(status)));
    json_object_set_new(o, "status_as_of", date_json(as_of));
    json_object_set_new(o, "record_state", json_string(info->removed ? "removed" : "active"));
    json_object_set_new(o, "source_sha256", json_string(info->current.source_sha256));
    json_object_set_new(o, "imported_at", time_json(info->current.imported_at));
    if (info->removed)
        json_object_set_new(o, "removed_reason", json_string(info->removed_reason));
    /* read from a scan: what kind of file, and whether a person must check fields */
    char kind[8];
    int files = 0;
    xk_error ignored;
    if (xk_store_original(st, info->current.source_sha256, 1, NULL, NULL, kind, &files,
                          &ignored) == XK_OK)
        json_object_set_new(o, "scan", json_pack("{s:s, s:i}", "kind", kind, "files", files));
    json_object_set_new(o, "needs_review", json_boolean(review));
    json_t *lists = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(lists, xk_view_list_match(&m[k]));
    free(m);
    json_object_set_new(o, "lists", lists);
    /* a value jansson could not hold (out of memory, text that is not UTF-8) left its name out:
     * an error, never an answer short of a fact */
    if (!lists || json_object_size(o) != 9u + (info->removed ? 1u : 0u) +
                                             (json_object_get(o, "scan") ? 1u : 0u)) {
        json_decref(o);
        xk_error_set(err, XK_ENOMEM, 0, "out of memory writing the facts of %s", number);
        return NULL;
    }
    return o;
}

static void sha256_hex(const char *data, size_t len, char out[XK_SHA256_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)data, len);
    sodium_bin2hex(out, XK_SHA256_HEX, h, sizeof h);
}

static bool is_review(const char *warning)
{
    return strncmp(warning ? warning : "", "needs review: ", 14) == 0;
}

xk_status xk_view_licence(xk_store *st, const xk_calendar *cal, xk_date as_of, const char *number,
                          int version, json_t **out, xk_error *err)
{
    xk_licence_info info;
    json_t *o;
    xk_status rc = xk_store_get_object(st, number, version, &o, &info, err);
    if (rc != XK_OK)
        return rc;
    bool review = false;
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(o, "warnings"), i, w)
        review = review || is_review(json_string_value(w));
    json_t *facts = licence_facts(st, cal, as_of, number, &info, review, err);
    if (!facts || json_object_update(o, facts) != 0) {
        rc = facts ? xk_error_set(err, XK_ENOMEM, 0, "out of memory") : err->code;
        json_decref(facts);
        json_decref(o);
        return rc;
    }
    json_decref(facts);
    *out = o;
    return XK_OK;
}

/* --- the same answer from the stored bytes ------------------------------------------------ */

/* The names licence_facts writes: a record holding one of them takes the decoding path, where
 * the fact replaces it in place. */
static const char *const fact_names[] = {"version",      "versions",      "status",
                                         "status_as_of", "record_state",  "source_sha256",
                                         "imported_at",  "removed_reason", "scan",
                                         "needs_review", "lists"};

/* The end of the JSON string starting at p (its opening quote): the byte after its closing
 * quote, or NULL. */
static const char *string_end(const char *p, const char *end)
{
    const char *open = p;
    for (p++; p < end;) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q)
            return NULL;
        size_t slashes = 0; /* an odd run of backslashes before it escapes it */
        while (q - slashes - 1 > open && q[-(ptrdiff_t)slashes - 1] == '\\')
            slashes++;
        if (slashes % 2 == 0)
            return q + 1;
        p = q + 1;
    }
    return NULL;
}

/* The end of the value starting at p (compact JSON: no white space), or NULL. */
static const char *value_end(const char *p, const char *end)
{
    if (p < end && *p == '"')
        return string_end(p, end);
    int depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            if (!(p = string_end(p, end)))
                return NULL;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return p;
            if (--depth == 0)
                return p + 1;
        } else if (c == ',' && depth == 0) {
            return p;
        } else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            return NULL; /* not the compact form xuke writes */
        }
        p++;
    }
    return depth == 0 ? p : NULL;
}

/* Whether the warnings array [p, end) holds one starting "needs review: "; false in *ok when it
 * is not an array of plain strings. */
static bool review_in(const char *p, const char *end, bool *ok)
{
    static const char mark[] = "\"needs review: ";
    bool review = false;
    *ok = p < end && *p == '[' && end[-1] == ']';
    for (p++; *ok && p < end - 1;) {
        const char *e = *p == '"' ? string_end(p, end) : NULL;
        if (!e) {
            *ok = false;
            break;
        }
        size_t n = (size_t)(e - p);
        /* an escape in the first characters could spell the mark differently */
        if (memchr(p + 1, '\\', n - 1 < sizeof mark - 1 ? n - 1 : sizeof mark - 1))
            *ok = false;
        review = review || (n > sizeof mark - 1 && memcmp(p, mark, sizeof mark - 1) == 0);
        p = e;
        if (p < end - 1 && *p++ != ',')
            *ok = false;
    }
    return review;
}

/* Reads the top level of a stored record: true when it is a compact object holding none of the
 * fact names; *review as xk_view_licence computes it from "warnings"; *empty when it has no
 * member. False sends the caller to the decoding path. */
static bool record_shape(const char *json, size_t len, bool *review, bool *empty)
{
    const char *p = json, *end = json + len;
    *review = false;
    *empty = len == 2 && json[0] == '{' && json[1] == '}';
    if (*empty)
        return true;
    if (len < 2 || *p++ != '{' || end[-1] != '}')
        return false;
    while (p < end) {
        const char *k = p, *ke = *p == '"' ? string_end(p, end) : NULL;
        if (!ke || ke >= end || *ke != ':' || memchr(k, '\\', (size_t)(ke - k)))
            return false;
        size_t klen = (size_t)(ke - k) - 2;
        for (size_t i = 0; i < sizeof fact_names / sizeof fact_names[0]; i++)
            if (strlen(fact_names[i]) == klen && memcmp(k + 1, fact_names[i], klen) == 0)
                return false;
        const char *v = ke + 1, *ve = value_end(v, end);
        if (!ve || ve >= end)
            return false;
        if (klen == 8 && memcmp(k + 1, "warnings", 8) == 0) {
            bool ok;
            *review = review_in(v, ve, &ok);
            if (!ok)
                return false;
        }
        if (*ve == '}')
            return ve == end - 1;
        if (*ve != ',')
            return false;
        p = ve + 1;
    }
    return false;
}

/* A strong entity tag: the first 32 hex digits of a and of b. */
static void make_etag(const char *a, const char *b, char etag[XK_VIEW_ETAG_MAX])
{
    snprintf(etag, XK_VIEW_ETAG_MAX, "\"%.32s-%.32s\"", a, b);
}

/* The decoding path, written out: for records of another shape than xuke writes. */
static xk_status licence_text_decoded(xk_store *st, const xk_calendar *cal, xk_date as_of,
                                      const char *number, int version, xk_view_text *out,
                                      xk_error *err)
{
    json_t *o;
    xk_status rc = xk_view_licence(st, cal, as_of, number, version, &o, err);
    if (rc != XK_OK)
        return rc;
    out->text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!out->text)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory writing the answer");
    out->len = strlen(out->text);
    char hash[XK_SHA256_HEX];
    sha256_hex(out->text, out->len, hash);
    make_etag(hash, hash + 32, out->etag);
    return XK_OK;
}

/* The stored record (json, len bytes, taken) with the facts' members (tail: "{...}" as
 * json_dumps wrote them) composed after its last member, into out; the tag from the record's
 * hash and the facts' hash. roomy: json already has tail_len bytes to spare after its NUL
 * (xk_store_get_json_room), so the answer is written in place. */
static xk_status compose(char *json, size_t len, bool roomy, const char *tail, size_t tail_len,
                         const char *record_sha256, const char *tail_hash, xk_view_text *out,
                         xk_error *err)
{
    bool empty = len == 2 && json[0] == '{' && json[1] == '}';
    /* the record without its closing brace, a comma, then the facts' members and their brace */
    size_t head = empty ? 1 : len - 1, sep = empty ? 0 : 1;
    char *text = roomy ? json : realloc(json, head + sep + tail_len);
    if (!text) {
        free(json);
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory writing the answer");
    }
    if (sep)
        text[head] = ',';
    memcpy(text + head + sep, tail + 1, tail_len - 1);
    text[head + sep + tail_len - 1] = '\0';
    out->text = text;
    out->len = head + sep + tail_len - 1;
    make_etag(record_sha256, tail_hash, out->etag);
    return XK_OK;
}

static xk_status licence_text(xk_store *st, const xk_calendar *cal, xk_date as_of,
                              const char *number, int version, xk_view_text *out,
                              xk_view_facts *kept, xk_error *err)
{
    char *json;
    xk_licence_info info;
    xk_status rc = xk_store_get_json(st, number, version, &json, &info, err);
    if (rc != XK_OK)
        return rc;
    size_t len = strlen(json);
    bool review, empty;
    if (!record_shape(json, len, &review, &empty)) {
        free(json);
        return licence_text_decoded(st, cal, as_of, number, version, out, err);
    }
    json_t *facts = licence_facts(st, cal, as_of, number, &info, review, err);
    if (!facts) {
        free(json);
        return err->code;
    }
    char *tail = json_dumps(facts, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(facts);
    if (!tail) {
        free(json);
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory writing the answer");
    }
    size_t tail_len = strlen(tail);
    char tail_hash[XK_SHA256_HEX];
    sha256_hex(tail, tail_len, tail_hash);
    rc = compose(json, len, false, tail, tail_len, info.current.record_sha256, tail_hash, out, err);
    if (rc == XK_OK && kept) {
        kept->tail = tail;
        kept->tail_len = tail_len;
        kept->version = info.current.version;
        memcpy(kept->record_sha256, info.current.record_sha256, XK_SHA256_HEX);
        memcpy(kept->tail_hash, tail_hash, XK_SHA256_HEX);
    } else {
        free(tail);
    }
    return rc;
}

xk_status xk_view_licence_text(xk_store *st, const xk_calendar *cal, xk_date as_of,
                               const char *number, int version, xk_view_text *out, xk_error *err)
{
    return xk_view_licence_text_facts(st, cal, as_of, number, version, out, NULL, err);
}

xk_status xk_view_licence_text_facts(xk_store *st, const xk_calendar *cal, xk_date as_of,
                                     const char *number, int version, xk_view_text *out,
                                     xk_view_facts *facts, xk_error *err)
{
    memset(out, 0, sizeof *out);
    if (facts)
        memset(facts, 0, sizeof *facts);
    /* one snapshot: the record and its facts from one state of the store */
    xk_status rc = xk_store_read_begin(st, err);
    if (rc != XK_OK)
        return rc;
    rc = licence_text(st, cal, as_of, number, version, out, facts, err);
    xk_store_read_end(st);
    return rc;
}

xk_status xk_view_licence_text_again(xk_store *st, const char *number, const xk_view_facts *facts,
                                     xk_view_text *out, xk_error *err)
{
    memset(out, 0, sizeof *out);
    char *json;
    size_t len;
    xk_licence_info info;
    /* the record read into the answer's own buffer: the facts composed after it there */
    xk_status rc = xk_store_get_json_room(st, number, facts->version, facts->tail_len, &json, &len,
                                          &info, err);
    if (rc != XK_OK)
        return rc;
    if (strcmp(info.current.record_sha256, facts->record_sha256) != 0) {
        free(json);
        return xk_error_set(err, XK_ECONFLICT, 0,
                            "version %d of %s is not the record its facts were computed for",
                            facts->version, number);
    }
    return compose(json, len, true, facts->tail, facts->tail_len, facts->record_sha256,
                   facts->tail_hash, out, err);
}

void xk_view_facts_free(xk_view_facts *facts)
{
    free(facts->tail);
    facts->tail = NULL;
}

static json_t *date_json(xk_date d)
{
    char s[16];
    return json_string(xk_date_format(d, s, sizeof s));
}

/* The values the rule's message puts in (xk_obligation_rule_key): the clock's days, the date it
 * runs from, the report's year, each only where the rule has it. */
static json_t *rule_params(const xk_obligation *ob)
{
    json_t *p = json_object();
    bool has_days = ob->rule == XK_RULE_DAYS_BEFORE || ob->rule == XK_RULE_DAYS_AFTER ||
                    ob->rule == XK_RULE_WORKDAYS_AFTER;
    if (has_days)
        json_object_set_new(p, "days", json_integer(ob->days));
    if (ob->rule == XK_RULE_FIRST_QUARTER)
        json_object_set_new(p, "year", json_integer(ob->year));
    else if (ob->rule != XK_RULE_NONE)
        json_object_set_new(p, "from", date_json(ob->from));
    return p;
}

json_t *xk_view_obligation(const xk_obligation *ob)
{
    char title_key[48];
    snprintf(title_key, sizeof title_key, "duty.%s", xk_duty_name(ob->duty));
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "duty", xk_duty_name(ob->duty), "title",
                          xk_duty_title(ob->duty), "title_key", title_key, "basis", ob->basis);
    if (!o)
        return NULL;
    if (ob->dated) {
        json_object_set_new(o, "rule_key", json_string(xk_obligation_rule_key(ob)));
        json_object_set_new(o, "rule_params", rule_params(ob));
        char rule[200], prov[64];
        xk_obligation_rule(ob, rule, sizeof rule);
        xk_provisional_format(&ob->prov, prov, sizeof prov);
        json_object_set_new(o, "due", date_json(ob->due));
        json_object_set_new(o, "due_workday", date_json(ob->due_workday));
        json_object_set_new(o, "rule", json_string(rule));
        json_object_set_new(o, "overdue", json_boolean(ob->overdue));
        json_object_set_new(o, "provisional", json_boolean(ob->prov.n > 0));
        if (ob->prov.n)
            json_object_set_new(o, "provisional_years", json_string(prov));
    }
    if (ob->year)
        json_object_set_new(o, "year", json_integer(ob->year));
    if (ob->fulfilled && ob->dated && ob->baseline) {
        /* the baseline says it was filed, not when: no date, not late */
        json_object_set_new(o, "baseline", json_true());
    } else if (ob->fulfilled && ob->dated) {
        json_object_set_new(o, "fulfilled_on", date_json(ob->fulfilled_on));
        json_object_set_new(o, "late", json_boolean(ob->late));
    }
    if (ob->unrecorded)
        json_object_set_new(o, "no_filing_recorded", json_true());
    if (ob->trigger)
        json_object_set_new(o, "trigger_event", json_integer(ob->trigger));
    return o;
}

json_t *xk_view_status_row(const xk_status_row *r)
{
    json_t *row = json_pack("{s:s, s:s, s:s, s:o}", "number", r->licence->number, "company",
                            r->licence->company, "status", xk_status_name(r->status), "expires",
                            date_json(r->licence->expires));
    if (!row)
        return NULL;
    json_object_set_new(row, "issued", date_json(r->licence->issued));
    json_object_set_new(row, "next", r->next ? xk_view_obligation(r->next) : json_null());
    json_t *over = json_array();
    for (size_t i = 0; i < r->n_overdue; i++)
        json_array_append_new(over, xk_view_obligation(r->overdue[i]));
    json_object_set_new(row, "overdue", over);
    json_t *unknown = json_array();
    for (size_t i = 0; i < r->n_unrecorded; i++)
        json_array_append_new(unknown, xk_view_obligation(r->unrecorded[i]));
    json_object_set_new(row, "no_filing_recorded", unknown);
    return row;
}

json_t *xk_view_hit(const xk_hit *h, xk_licence_status status)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "number", h->number, "company",
                          h->company, "issued", h->issued, "expires", h->expires, "version",
                          h->version, "status", xk_status_name(status), "record_state",
                          h->removed ? "removed" : "active");
    if (j && h->website_index >= 0)
        json_object_set_new(j, "match",
                            json_pack("{s:s, s:i, s:s, s:s}", "domain", h->matched_domain,
                                      "website", h->website_index, "service",
                                      h->website_service, "website_name", h->website_name));
    return j;
}

json_t *xk_view_history(const xk_version_info *v, size_t n)
{
    json_t *a = json_array();
    char when[40];
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:s, s:s}", "version", v[i].version,
                                           "imported_at",
                                           xk_view_time(v[i].imported_at, when, sizeof when),
                                           "actor", v[i].actor,
                                           "source_sha256", v[i].source_sha256, "record_sha256",
                                           v[i].record_sha256));
    return a;
}

json_t *xk_view_event(const xk_event *ev)
{
    json_t *o = json_pack("{s:I, s:s, s:o, s:s, s:o, s:s}", "id", (json_int_t)ev->id, "type",
                          ev->type, "date", date_json(ev->date), "note", ev->note, "recorded_at",
                          time_json(ev->recorded_at), "actor", ev->actor);
    if (!o)
        return NULL;
    if (ev->year)
        json_object_set_new(o, "year", json_integer(ev->year));
    if (*ev->ref)
        json_object_set_new(o, "ref", json_string(ev->ref));
    json_object_set_new(o, "planned", json_boolean(ev->planned));
    json_object_set_new(o, "voided", json_boolean(*ev->voided_at != '\0'));
    if (*ev->voided_at)
        json_object_set_new(o, "void",
                            json_pack("{s:o, s:s, s:s}", "at", time_json(ev->voided_at), "by", ev->voided_by,
                                      "reason", ev->void_reason));
    return o;
}

json_t *xk_view_agenda(const xk_agenda *a, size_t limit)
{
    json_t *items = json_array();
    size_t n = limit && limit < a->n ? limit : a->n;
    for (size_t i = 0; items && i < n; i++) {
        xk_agenda_item it = xk_agenda_at(a, i);
        json_t *ob = xk_view_obligation(&it.ob);
        json_object_set_new(ob, "number", json_string(it.number));
        json_object_set_new(ob, "company", json_string(it.company));
        json_array_append_new(items, ob);
    }
    return items;
}

json_t *xk_view_dated(json_t *items, const char *key, xk_date as_of, const xk_provisional *prov)
{
    char years[64];
    xk_provisional_format(prov, years, sizeof years);
    return json_pack("{s:o, s:o, s:o}", "as_of", date_json(as_of), "provisional_years",
                     prov->n ? json_string(years) : json_null(), key, items);
}

typedef struct check_ctx {
    const xk_calendar *cal;
    xk_date today;
    const xk_event *ev;
    xk_event_check *check;
    xk_status rc;
    xk_error *err;
    bool found;
} check_ctx;

static bool check_row(const xk_rules_row *row, void *vctx)
{
    check_ctx *c = vctx;
    c->found = true;
    if (row->removed)
        c->rc = xk_error_set(c->err, XK_EUSAGE, 0, "%s is removed", row->number);
    else
        c->rc = xk_rules_check_event(c->cal, row, c->ev, c->today, c->check, c->err);
    return false;
}

xk_status xk_event_record(xk_store *st, const xk_calendar *cal, xk_date today,
                          const char *number, const xk_event *ev, long *id,
                          xk_event_check *check, xk_error *err)
{
    return xk_event_record_files(st, cal, today, number, ev, NULL, 0, id, check, err);
}

/* Each file's kind read from its first bytes: a PDF, PNG or JPEG, nothing else. */
static xk_status evidence_kinds(const xk_evidence_file *given, size_t n, xk_evidence_file *out,
                                xk_error *err)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = given[i];
        xk_input_kind k = xk_input_detect(given[i].bytes, given[i].len);
        if (k != XK_INPUT_PDF && k != XK_INPUT_PNG && k != XK_INPUT_JPEG)
            return xk_error_set(err, XK_EUSAGE, 0,
                                "evidence file %zu (%s) is not a PDF, PNG or JPEG file (read "
                                "from its first bytes)",
                                i + 1, given[i].name ? given[i].name : "");
        out[i].kind = xk_input_kind_name(k);
    }
    return XK_OK;
}

xk_status xk_event_record_files(xk_store *st, const xk_calendar *cal, xk_date today,
                                const char *number, const xk_event *ev,
                                const xk_evidence_file *files, size_t n_files, long *id,
                                xk_event_check *check, xk_error *err)
{
    xk_evidence_file kinds[XK_MAX_EVIDENCE_FILES];
    if (n_files > XK_MAX_EVIDENCE_FILES)
        return xk_error_set(err, XK_EUSAGE, 0,
                            "%zu evidence files given; an event keeps at most %u", n_files,
                            XK_MAX_EVIDENCE_FILES);
    xk_status rc = evidence_kinds(files, n_files, kinds, err);
    if (rc != XK_OK)
        return rc;
    /* the check and the insert in one write transaction (BEGIN IMMEDIATE): two identical
     * fulfilments sent at once must not both find the obligation open */
    rc = xk_store_begin(st, err);
    if (rc != XK_OK)
        return rc;
    check_ctx cc = {cal, today, ev, check, XK_OK, err, false};
    rc = xk_store_rules_scan(st, number, check_row, &cc, err);
    if (rc == XK_OK && !cc.found)
        rc = xk_error_set(err, XK_ENOTFOUND, 0, "%s is not in the registry", number);
    if (rc == XK_OK)
        rc = cc.rc;
    if (rc == XK_OK)
        rc = xk_store_event_add_files(st, number, ev, kinds, n_files, id, err);
    if (rc == XK_OK)
        return xk_store_commit(st, err);
    xk_store_rollback(st);
    return rc;
}

/* --- the access provider's check ------------------------------------------------------------ */

typedef struct cover {
    xk_hit hit; /* the licence's best match: the search gives the longest host first */
    xk_licence_status status;
    bool valid;
} cover;

typedef struct covers {
    cover *v;
    size_t n;
    bool more, oom;
} covers;

static bool keep_cover(const xk_hit *h, void *vctx)
{
    covers *c = vctx;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].hit.number, h->number) == 0)
            return true; /* another website of a licence already listed */
    if (c->n == XK_MAX_HOST_LICENCES) {
        c->more = true;
        return false;
    }
    c->v[c->n++].hit = *h;
    return true;
}

static bool status_valid(xk_licence_status s)
{
    return s == XK_STATUS_VALID || s == XK_STATUS_RENEWAL_DUE || s == XK_STATUS_RENEWAL_OVERDUE;
}

/* Valid first, then the latest expiry, then the number (ISO dates compare as text). */
static int cover_order(const void *a, const void *b)
{
    const cover *x = a, *y = b;
    if (x->valid != y->valid)
        return x->valid ? -1 : 1;
    int e = strcmp(y->hit.expires, x->hit.expires);
    return e ? e : strcmp(x->hit.number, y->hit.number);
}

static json_t *cover_json(const cover *c)
{
    const xk_hit *h = &c->hit;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:i, s:s, s:s, s:s}}", "number",
                     h->number, "company", h->company, "issued", h->issued, "expires", h->expires,
                     "status", xk_status_name(c->status), "valid", c->valid, "website", "index",
                     h->website_index, "name", h->website_name, "service", h->website_service,
                     "domain", h->matched_domain);
}

xk_status xk_view_domain(xk_store *st, const xk_calendar *cal, const char *host, xk_date as_of,
                         json_t **out, xk_error *err)
{
    *out = NULL;
    covers c = {calloc(XK_MAX_HOST_LICENCES, sizeof(cover)), 0, false, false};
    if (!c.v)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    xk_query q;
    xk_query_init(&q);
    q.domain = host;
    xk_status rc = xk_store_search(st, &q, keep_cover, &c, err);
    for (size_t i = 0; rc == XK_OK && i < c.n; i++) {
        rc = xk_status_of(st, cal, as_of, c.v[i].hit.number, &c.v[i].status, err);
        c.v[i].valid = status_valid(c.v[i].status);
    }
    if (rc != XK_OK) {
        free(c.v);
        return rc;
    }
    if (c.n > 1) /* no array at all when nothing covers the host */
        qsort(c.v, c.n, sizeof *c.v, cover_order);
    char d[16];
    json_t *list = json_array();
    for (size_t i = 0; list && i < c.n; i++) {
        json_t *item = cover_json(&c.v[i]);
        if (!item) { /* not valid UTF-8 (put there outside xuke): an error, never left out */
            rc = xk_error_set(err, XK_EDB, 0,
                              "the stored names of %s are not valid UTF-8: the store was changed "
                              "outside xuke",
                              c.v[i].hit.number);
            json_decref(list);
            free(c.v);
            return rc;
        }
        json_array_append_new(list, item);
    }
    json_t *o = json_pack("{s:s, s:s, s:b, s:b}", "host", host, "as_of",
                          xk_date_format(as_of, d, sizeof d), "covered", c.n > 0, "valid",
                          c.n > 0 && c.v[0].valid);
    if (o && c.n) { /* the first of the list, which was made above from the same fields */
        const xk_hit *h = &c.v[0].hit;
        json_object_set_new(o, "licence",
                            json_pack("{s:s, s:s, s:s, s:s, s:s}", "number", h->number, "company",
                                      h->company, "issued", h->issued, "expires", h->expires,
                                      "status", xk_status_name(c.v[0].status)));
        json_object_set_new(o, "website",
                            json_pack("{s:i, s:s, s:s, s:s}", "index", h->website_index, "name",
                                      h->website_name, "service", h->website_service, "domain",
                                      h->matched_domain));
    }
    free(c.v);
    if (o && list) {
        json_object_set_new(o, "licences", list);
        json_object_set_new(o, "more", json_boolean(c.more));
        *out = o;
        return XK_OK;
    }
    json_decref(o);
    json_decref(list);
    return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
}

json_t *xk_view_list_match(const xk_list_match *m)
{
    const xk_list_entry *e = &m->entry;
    return json_pack("{s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s}", "kind",
                     m->kind, "source", m->source, "version", m->version, "published",
                     m->published, "line", e->line, "company", e->company, "credit_code",
                     e->credit_code, "credit_code_valid", e->credit_code_valid, "number",
                     e->number, "date", e->date, "reason", e->reason, "authority", e->authority,
                     "matched_on", m->matched_on);
}

json_t *xk_view_list_info(const xk_list_info *l)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:I, s:s, s:s}", "kind", l->kind, "source",
                     l->source, "version", l->version, "published", l->published, "format",
                     l->format, "sha256", l->sha256, "entries", (json_int_t)l->entries,
                     "imported_at", l->imported_at, "actor", l->actor);
}

json_t *xk_view_site_check(const xk_site_check *c)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:i, s:s, s:s, s:s}", "number",
                          c->number, "host", c->host, "url", c->url, "result", c->result,
                          "icp_filing", *c->icp_filing ? c->icp_filing : NULL, "checked_at",
                          c->checked_at, "http_status", c->http_status, "found_number",
                          c->found_number, "detail", c->detail, "sha256", c->sha256);
    if (o && !json_object_get(o, "icp_filing"))
        json_object_set_new(o, "icp_filing", json_null());
    if (o && *c->changed_at)
        json_object_set_new(o, "changed_at", json_string(c->changed_at));
    return o;
}
