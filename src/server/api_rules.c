/*
 * Rules routes of the HTTP API: registry status, the agenda of deadlines (JSON and iCalendar),
 * one licence's obligations, its events (list, record) and the event types, and the registry's
 * baseline of annual reports filed before first use.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "api.h"

static json_t *status_counts(const size_t counts[XK_STATUS_COUNT])
{
    json_t *o = json_object();
    for (int s = XK_STATUS_NOT_YET_VALID; s < XK_STATUS_COUNT; s++)
        json_object_set_new(o, xk_status_name((xk_licence_status)s), json_integer((json_int_t)counts[s]));
    return o;
}

typedef struct status_acc {
    json_t *rows;
    xk_provisional prov;
    size_t counts[XK_STATUS_COUNT];
    size_t limit, total;
    size_t unrecorded; /* annual reports with no filing recorded, over every licence */
} status_acc;

/* Rows up to the limit; the counts cover every licence. */
static bool add_status(const xk_status_row *r, void *ctx)
{
    status_acc *a = ctx;
    a->counts[r->status]++;
    a->unrecorded += r->n_unrecorded;
    xk_provisional_merge(&a->prov, &r->prov);
    if (a->total++ < a->limit)
        json_array_append_new(a->rows, xk_view_status_row(r));
    return true;
}

/* Rows in one answer: bounded so a million-licence registry does not become one huge body. */
#define ROWS_DEFAULT 10000
#define ROWS_MAX 100000
/* The calendar feed: events (the soonest first) and days ahead by default, and at most. */
#define SRV_ICS_LIMIT_DEFAULT 2000
#define SRV_ICS_LIMIT_MAX 10000
#define SRV_ICS_WITHIN_DEFAULT 730

/* ?number= limits a registry view to one licence. */
static bool number_arg(const srv_call *c, srv_resp *resp, char out[64])
{
    const char *v = xk_srv_arg_get(c->req, "number");
    out[0] = '\0';
    if (!v)
        return true;
    srv_call one = *c;
    one.param = v;
    return xk_srv_param_number(&one, resp, out);
}

void xk_api_status(const srv_call *c, srv_resp *resp)
{
    xk_date as_of;
    char number[64];
    long limit;
    if (!xk_srv_arg_date(c, resp, "as_of", &as_of, c->ctx->today) || !number_arg(c, resp, number) ||
        !xk_srv_arg_int(c, resp, "limit", 1, ROWS_MAX, &limit, ROWS_DEFAULT))
        return;
    status_acc a = {json_array(), {{0}, 0}, {0}, (size_t)limit, 0, 0};
    xk_error err;
    if (xk_status_scan(c->ctx->st, c->ctx->cal, as_of, *number ? number : NULL, add_status, &a,
                       &err) != XK_OK) {
        json_decref(a.rows);
        xk_srv_fail(resp, &err);
        return;
    }
    json_t *o = xk_view_dated(a.rows, "licences", as_of, &a.prov);
    json_object_set_new(o, "counts", status_counts(a.counts));
    json_object_set_new(o, "no_filing_recorded", json_integer((json_int_t)a.unrecorded));
    json_object_set_new(o, "total", json_integer((json_int_t)a.total));
    json_object_set_new(o, "truncated", json_boolean(a.total > a.limit));
    xk_srv_json(resp, 200, o);
}

/*
 * The agenda for ?as_of=&within=&number=, its soonest `limit` lines kept (memory follows the
 * limit, not the registry); false when answered (an error). within_default < 0: no bound.
 */
static bool agenda(const srv_call *c, srv_resp *resp, long within_default, size_t limit,
                   xk_agenda *a, xk_date *as_of)
{
    long within;
    char number[64];
    xk_error err;
    if (!xk_srv_arg_date(c, resp, "as_of", as_of, c->ctx->today) ||
        !xk_srv_arg_int(c, resp, "within", 0, 36500, &within, within_default) ||
        !number_arg(c, resp, number))
        return false;
    if (xk_agenda_build_top(c->ctx->st, c->ctx->cal, *as_of, (int)within,
                            *number ? number : NULL, limit, a, &err) != XK_OK) {
        xk_srv_fail(resp, &err);
        return false;
    }
    return true;
}

/* head (a JSON object) with a last member key holding the agenda's lines, written one line at a
 * time: the answer costs its text, not a tree of every line besides. */
static void json_with_lines(srv_resp *resp, json_t *head, const char *key, const xk_agenda *a)
{
    char *start = head ? json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(head);
    xk_buf b;
    xk_buf_init(&b);
    size_t len = start ? strlen(start) : 0;
    bool ok = len >= 2;
    if (ok) {
        xk_buf_append(&b, start, len - 1); /* without its closing brace */
        xk_buf_printf(&b, "%s\"%s\":[", len > 2 ? "," : "", key);
    }
    for (size_t i = 0; ok && i < a->n; i++) {
        xk_agenda_item it = xk_agenda_at(a, i);
        json_t *ob = xk_view_obligation(&it.ob);
        json_object_set_new(ob, "number", json_string(it.number));
        json_object_set_new(ob, "company", json_string(it.company));
        char *line = ob ? json_dumps(ob, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(ob);
        ok = line != NULL;
        if (ok)
            xk_buf_printf(&b, "%s%s", i ? "," : "", line);
        free(line);
    }
    xk_buf_puts(&b, "]}");
    free(start);
    if (!ok || b.oom) {
        xk_buf_free(&b);
        xk_srv_error(resp, 500, "internal", "out of memory writing the answer");
        return;
    }
    free(resp->body);
    resp->body_len = b.len;
    resp->body = xk_buf_take(&b);
    resp->static_body = NULL;
    resp->status = 200;
    resp->content_type = "application/json";
}

void xk_api_deadlines(const srv_call *c, srv_resp *resp)
{
    xk_agenda a;
    xk_date as_of;
    long limit;
    if (!xk_srv_arg_int(c, resp, "limit", 1, ROWS_MAX, &limit, ROWS_DEFAULT) ||
        !agenda(c, resp, -1, (size_t)limit, &a, &as_of))
        return;
    json_t *o = xk_view_dated(json_null(), "deadlines", as_of, &a.prov);
    json_object_del(o, "deadlines");
    json_object_set_new(o, "total", json_integer((json_int_t)a.total));
    json_object_set_new(o, "truncated", json_boolean(a.total > a.n));
    /* left out of the list, and said: reports due before xuke knew their licences */
    json_object_set_new(o, "no_filing_recorded", json_integer((json_int_t)a.n_unrecorded));
    json_with_lines(resp, o, "deadlines", &a);
    xk_agenda_free(&a);
}

void xk_api_ics(const srv_call *c, srv_resp *resp)
{
    xk_agenda a;
    xk_date as_of;
    long limit;
    if (!xk_srv_arg_int(c, resp, "limit", 1, SRV_ICS_LIMIT_MAX, &limit, SRV_ICS_LIMIT_DEFAULT) ||
        !agenda(c, resp, SRV_ICS_WITHIN_DEFAULT, (size_t)limit, &a, &as_of))
        return;
    char *ics = xk_agenda_ics(&a, as_of);
    xk_agenda_free(&a);
    if (!ics) {
        xk_srv_error(resp, 500, "internal", "out of memory writing the calendar");
        return;
    }
    xk_srv_body(resp, 200, "text/calendar; charset=utf-8", ics, strlen(ics));
    snprintf(resp->disposition, sizeof resp->disposition, "inline; filename=\"xuke.ics\"");
    free(ics);
}

typedef struct obligations_ctx {
    const xk_calendar *cal;
    xk_date as_of;
    json_t *out;
    xk_status rc;
    xk_error err;
} obligations_ctx;

static bool add_obligations(const xk_rules_row *row, void *vctx)
{
    obligations_ctx *o = vctx;
    xk_obligations obs = {0};
    o->rc = xk_rules_obligations(o->cal, row, o->as_of, &obs, &o->err);
    if (o->rc != XK_OK)
        return false;
    json_t *items = json_array();
    for (size_t i = 0; i < obs.n; i++) {
        json_t *ob = xk_view_obligation(&obs.items[i]);
        json_object_set_new(ob, "fulfilled", json_boolean(obs.items[i].fulfilled));
        if (obs.items[i].fulfilled_by)
            json_object_set_new(ob, "fulfilled_by", json_integer(obs.items[i].fulfilled_by));
        json_array_append_new(items, ob);
    }
    char d[16];
    o->out = json_pack("{s:s, s:s, s:s, s:o}", "number", row->number, "as_of",
                       xk_date_format(o->as_of, d, sizeof d), "status",
                       xk_status_name(xk_rules_status(row, &obs, o->as_of)), "obligations",
                       items);
    xk_obligations_free(&obs);
    return false;
}

void xk_api_obligations(const srv_call *c, srv_resp *resp)
{
    char number[64];
    obligations_ctx o = {c->ctx->cal, {0, 0, 0}, NULL, XK_OK, {0}};
    if (!xk_srv_param_number(c, resp, number) ||
        !xk_srv_arg_date(c, resp, "as_of", &o.as_of, c->ctx->today))
        return;
    xk_error err;
    if (xk_store_rules_scan(c->ctx->st, number, add_obligations, &o, &err) != XK_OK)
        xk_srv_fail(resp, &err);
    else if (o.rc != XK_OK)
        xk_srv_fail(resp, &o.err);
    else if (!o.out)
        xk_srv_error(resp, 404, "not_found", "%s is not in the registry", number);
    else
        xk_srv_json(resp, 200, o.out);
}

void xk_api_events(const srv_call *c, srv_resp *resp)
{
    char number[64];
    if (!xk_srv_param_number(c, resp, number))
        return;
    xk_event *evs;
    xk_evidence *files = NULL;
    size_t n, n_files = 0;
    xk_error err;
    if (xk_store_events(c->ctx->st, number, &evs, &n, &err) != XK_OK) {
        xk_srv_fail(resp, &err);
        return;
    }
    if (xk_store_evidence(c->ctx->st, number, &files, &n_files, &err) != XK_OK) {
        free(evs);
        xk_srv_fail(resp, &err);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *ev = xk_view_event(&evs[i]);
        json_t *kept = json_array();
        for (size_t k = 0; k < n_files; k++) /* both in event id order: few files a licence */
            if (files[k].event_id == evs[i].id)
                json_array_append_new(kept, xk_srv_evidence_json(&files[k]));
        json_object_set_new(ev, "evidence", kept);
        if (strcmp(evs[i].type, XK_EVENT_CORRECTION) == 0)
            json_object_set_new(ev, "corrects", json_integer(strtol(evs[i].ref, NULL, 10)));
        json_array_append_new(items, ev);
    }
    free(evs);
    free(files);
    xk_srv_json(resp, 200, json_pack("{s:s, s:o}", "number", number, "events", items));
}

/* A string member of the body, copied into out; false (answered 400) when it is not text. */
static bool body_string(srv_resp *resp, json_t *body, const char *key, char *out, size_t size,
                        bool required)
{
    json_t *v = json_object_get(body, key);
    out[0] = '\0';
    if (!v && !required)
        return true;
    if (!json_is_string(v) || (required && json_string_length(v) == 0)) {
        xk_srv_error(resp, 400, "bad_request", "body member \"%s\" must be a%s string", key,
                     required ? " non-empty" : "");
        return false;
    }
    if (json_string_length(v) >= size) {
        xk_srv_error(resp, 400, "bad_request", "body member \"%s\" is longer than %zu bytes", key,
                     size - 1);
        return false;
    }
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return true;
}

json_t *xk_srv_body_object(const srv_call *c, srv_resp *resp)
{
    json_error_t jerr;
    json_t *o = json_loadb(c->req->body ? c->req->body : "", c->req->body_len,
                           JSON_REJECT_DUPLICATES, &jerr);
    if (!o) {
        xk_srv_error(resp, 400, "bad_request", "body is not JSON: line %d: %s", jerr.line,
                     jerr.text);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        xk_srv_error(resp, 400, "bad_request", "body must be a JSON object");
        return NULL;
    }
    return o;
}

static bool read_event(srv_resp *resp, json_t *body, xk_event *ev)
{
    char date[32];
    memset(ev, 0, sizeof *ev);
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value) { /* a misspelt field must not be dropped silently */
        static const char *const known[] = {"type", "date",    "year",    "note",
                                            "ref",  "planned", "evidence"};
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (!ok) {
            xk_srv_error(resp, 400, "bad_request",
                         "unknown field \"%.*s\" (an event has type, date, year, note, ref, "
                         "planned, evidence)",
                         (int)xk_utf8_cut(key, strlen(key), 64), key);
            return false;
        }
    }
    if (!body_string(resp, body, "type", ev->type, sizeof ev->type, true) ||
        !body_string(resp, body, "date", date, sizeof date, true) ||
        !body_string(resp, body, "note", ev->note, sizeof ev->note, false))
        return false;
    if (!xk_date_parse_iso(date, &ev->date)) {
        xk_srv_error(resp, 400, "bad_request", "date \"%s\" is not a date (YYYY-MM-DD)", date);
        return false;
    }
    json_t *year = json_object_get(body, "year"), *ref = json_object_get(body, "ref");
    if (year && (!json_is_integer(year) || json_integer_value(year) < 1990 ||
                 json_integer_value(year) > 2200)) {
        xk_srv_error(resp, 400, "bad_request", "year must be a whole number from 1990 to 2200");
        return false;
    }
    if (ref && (!json_is_integer(ref) || json_integer_value(ref) < 1)) {
        xk_srv_error(resp, 400, "bad_request", "ref must be an event id (a positive number)");
        return false;
    }
    json_t *planned = json_object_get(body, "planned");
    if (planned && !json_is_boolean(planned)) {
        xk_srv_error(resp, 400, "bad_request", "planned must be true or false");
        return false;
    }
    ev->planned = planned && json_is_true(planned);
    ev->year = year ? (int)json_integer_value(year) : 0;
    if (ref)
        snprintf(ev->ref, sizeof ev->ref, "%lld", (long long)json_integer_value(ref));
    return true;
}

void xk_api_event_add(const srv_call *c, srv_resp *resp)
{
    char number[64];
    if (!xk_srv_param_number(c, resp, number))
        return;
    json_t *body = xk_srv_body_object(c, resp);
    if (!body)
        return;
    xk_event ev;
    srv_evidence files;
    bool ok = read_event(resp, body, &ev) && xk_srv_evidence_read(resp, body, &files);
    if (!ok) {
        json_decref(body);
        return;
    }
    long id;
    xk_error err;
    xk_event_check check;
    xk_status rc = xk_event_record_files(c->ctx->st, c->ctx->cal, c->ctx->today, number, &ev,
                                         files.files, files.n, &id, &check, &err);
    char due[16];
    if (rc == XK_EUSAGE)
        xk_srv_error(resp, 422, "invalid_event", "%s", err.message);
    else if (rc != XK_OK)
        xk_srv_fail(resp, &err);
    else {
        json_t *o = json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)id, "number", number,
                              "type", ev.type, "late", check.late);
        if (check.late)
            json_object_set_new(o, "due", json_string(xk_date_format(check.due, due, sizeof due)));
        json_object_set_new(o, "evidence", xk_srv_evidence_hashes(&files));
        xk_srv_json(resp, 201, o);
    }
    xk_srv_evidence_free(&files);
    json_decref(body); /* the files' names point into it */
}

void xk_api_event_types(const srv_call *c, srv_resp *resp)
{
    (void)c;
    json_t *a = json_array();
    for (size_t i = 0; i < xk_event_type_count(); i++) {
        const xk_event_type *t = xk_event_type_at(i);
        char key[64];
        snprintf(key, sizeof key, "event.%s", t->name);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", t->name, "title",
                                           t->title, "title_key", key, "trigger", t->trigger,
                                           "duty", xk_duty_name(t->duty)));
    }
    xk_srv_json(resp, 200, json_pack("{s:o}", "types", a));
}

/* POST /v1/events/{id}/void {"reason": …}: a correcting entry undoes the event, which stays,
 * marked, and stops counting (a duty it met opens again). */
void xk_api_event_void(const srv_call *c, srv_resp *resp)
{
    char *end;
    long id = strtol(c->param, &end, 10);
    if (*c->param < '1' || *c->param > '9' || *end != '\0' || id < 1) {
        xk_srv_error(resp, 400, "bad_request", "\"%.*s\" is not an event id (a positive number)",
                     (int)xk_utf8_cut(c->param, strlen(c->param), 64), c->param);
        return;
    }
    json_t *body = xk_srv_body_object(c, resp);
    if (!body)
        return;
    char reason[256];
    bool ok = body_string(resp, body, "reason", reason, sizeof reason, true);
    json_decref(body);
    if (!ok)
        return;
    char number[64];
    xk_error err;
    long correction;
    if (xk_store_event_correct(c->ctx->st, id, reason, number, &correction, &err) != XK_OK)
        xk_srv_fail(resp, &err);
    else
        xk_srv_json(resp, 200, json_pack("{s:I, s:s, s:b, s:s, s:I}", "id", (json_int_t)id,
                                         "number", number, "voided", 1, "reason", reason,
                                         "correction", (json_int_t)correction));
}

/* --- the baseline on first use ---------------------------------------------------------------- */

static json_t *baseline_json(const xk_baseline *b)
{
    char t[40];
    if (!b->filed_through)
        return json_pack("{s:n}", "filed_through");
    return json_pack("{s:I, s:i, s:s, s:s, s:s}", "id", (json_int_t)b->id, "filed_through",
                     b->filed_through, "note", b->note, "recorded_at",
                     xk_view_time(b->recorded_at, t, sizeof t), "recorded_by", b->actor);
}

void xk_api_baseline(const srv_call *c, srv_resp *resp)
{
    xk_baseline b;
    xk_error err;
    if (xk_store_baseline_get(c->ctx->st, &b, &err) != XK_OK)
        xk_srv_fail(resp, &err);
    else
        xk_srv_json(resp, 200, baseline_json(&b));
}

void xk_api_baseline_set(const srv_call *c, srv_resp *resp)
{
    json_t *body = xk_srv_body_object(c, resp);
    if (!body)
        return;
    json_t *year = json_object_get(body, "filed_through");
    char note[256] = "";
    bool ok = json_is_integer(year);
    if (!ok)
        xk_srv_error(resp, 400, "bad_request",
                     "filed_through must be a year: annual reports up to it were filed");
    else
        ok = json_object_get(body, "note") == NULL ||
             body_string(resp, body, "note", note, sizeof note, false);
    json_int_t y = ok ? json_integer_value(year) : 0;
    json_decref(body);
    if (!ok)
        return;
    long id;
    xk_error err;
    xk_baseline b;
    if (y < 0 || y > 9999) {
        xk_srv_error(resp, 400, "bad_request", "filed_through must be a year, not %lld",
                     (long long)y);
    } else if (xk_store_baseline_set(c->ctx->st, (int)y, note, c->ctx->today.year, &id, &err) !=
                   XK_OK ||
               xk_store_baseline_get(c->ctx->st, &b, &err) != XK_OK) {
        xk_srv_fail(resp, &err);
    } else {
        xk_srv_json(resp, 201, baseline_json(&b));
    }
}
