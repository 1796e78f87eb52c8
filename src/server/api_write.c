/*
 * Document routes of the HTTP API: parse (a document in, the record and its problems out,
 * nothing stored), import (documents or JSON records, each licence atomically, through the same
 * importer as `xuke import`) and removal with a reason. A scan posted to parse or import is
 * queued as an OCR job (jobs.h) and answered 202 with the job's URL; the job, when run, answers
 * what the route would have (xk_srv_job_run), and GET /v1/jobs/{id} gives it.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

/* Where line (1-based) of a scan's text stands: {"page": n, "box": [left, top, right, bottom]}
 * as fractions of the page (POST /v1/scans/pages shows the pages); NULL when not known. */
static json_t *where_json(const xk_ocr_result *ocr, int line)
{
    if (!ocr || line < 1 || (size_t)line > ocr->n_lines)
        return NULL;
    const xk_ocr_line *l = &ocr->lines[line - 1];
    if (l->box[2] <= l->box[0] || l->box[3] <= l->box[1])
        return NULL;
    json_t *box = json_array();
    for (int k = 0; k < 4; k++)
        json_array_append_new(box, json_real((double)(int)(l->box[k] * 10000.0f + 0.5f) / 10000.0));
    return json_pack("{s:i, s:o}", "page", l->page, "box", box);
}

static json_t *problems_json(const xk_licence *lic, const xk_ocr_result *ocr)
{
    json_t *a = json_array();
    for (size_t i = 0; lic && i < lic->n_problems; i++) {
        const xk_problem *p = &lic->problems[i];
        json_t *o = json_pack("{s:s, s:s}", "severity",
                              p->severity == XK_SEV_ERROR ? "error" : "warning", "message",
                              p->message);
        if (p->line > 0)
            json_object_set_new(o, "line", json_integer(p->line));
        json_t *where = where_json(ocr, p->line);
        if (where)
            json_object_set_new(o, "where", where);
        if (p->key) { /* the same for a reader in any language: web/i18n's {0}, {1}, … */
            json_t *params = json_array();
            for (size_t k = 0; k < p->n_params; k++)
                json_array_append_new(params, json_string(p->params[k]));
            json_object_set_new(o, "key", json_string(p->key));
            json_object_set_new(o, "params", params);
        }
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *error_json(const char *code, const xk_error *err)
{
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", err->message);
    if (err->line > 0)
        json_object_set_new(e, "line", json_integer(err->line));
    return e;
}

/* The request body as one file; true when it is a scan (PNG, JPEG, TIFF, PDF), for OCR. */
static bool body_file(const srv_call *c, xk_blob *file)
{
    file->bytes = c->req->body ? c->req->body : "";
    file->len = c->req->body_len;
    return xk_input_detect(file->bytes, file->len) != XK_INPUT_TEXT;
}

/* OCR options with the request's hooks: page reports (a job's progress), pages lent to idle
 * workers. */
static void scan_options(const srv_call *c, xk_ocr_options *o)
{
    xk_ocr_options_init(o);
    const xk_ocr_options *h = c->ctx->hooks;
    if (h) {
        o->on_page = h->on_page;
        o->on_page_read = h->on_page_read;
        o->on_page_arg = h->on_page_arg;
        o->lend = h->lend;
        o->lend_arg = h->lend_arg;
    }
}

/* Who a job belongs to: its token, or the address of an anonymous reader (--public-read). */
static void job_owner(const srv_call *c, char *out, size_t size)
{
    if (c->token)
        snprintf(out, size, "%s", c->token->name);
    else
        snprintf(out, size, "ip:%s", c->req->client ? c->req->client : "");
}

/* Queues the body as an OCR job and answers 202 with its URL, or 503/429 with Retry-After. */
static void queue_scan(const srv_call *c, srv_job_kind kind, srv_resp *resp)
{
    char owner[96], id[SRV_JOB_ID_LEN + 1];
    job_owner(c, owner, sizeof owner);
    int retry = 0;
    int refused = xk_srv_jobs_submit(c->ctx->jobs, kind, owner, c->req->body ? c->req->body : "",
                                     c->req->body_len, id, &retry);
    if (refused) {
        if (refused == 429)
            xk_srv_error(resp, 429, "too_many_requests",
                         "this token has as many scans queued as it may; retry in %d s", retry);
        else
            xk_srv_error(resp, 503, "busy", "the OCR queue is full; retry in %d s", retry);
        resp->retry_after = retry;
        return;
    }
    char url[16 + SRV_JOB_ID_LEN];
    snprintf(url, sizeof url, "/v1/jobs/%s", id);
    xk_srv_json(resp, 202,
                json_pack("{s:{s:s, s:s, s:s}}", "job", "id", id, "url", url, "state", "queued"));
}

/* A scan that could not be read for want of memory (503: try again later) or of a working OCR
 * engine (500: the server's to mend): no fault of the document, so never a 422. */
static void scan_failed(srv_resp *resp, xk_status rc, const char *message)
{
    if (rc == XK_ENOMEM) {
        xk_srv_error(resp, 503, "busy", "out of memory reading the scan (%s); retry later",
                     message);
        resp->retry_after = 30;
    } else {
        xk_srv_error(resp, 500, "ocr_failed", "the scan could not be read: %s", message);
    }
}

/* The body as a document: a scan is read by OCR (its reading into *ocr), text is parsed. */
static xk_status parse_body(const srv_call *c, xk_licence **lic, xk_ocr_result *ocr,
                            xk_error *err)
{
    xk_blob file;
    if (body_file(c, &file)) {
        xk_ocr_options o;
        scan_options(c, &o);
        return xk_scan_parse(&file, 1, &o, lic, ocr, err);
    }
    xk_parse_options opt = {XK_MAX_DOCUMENT_BYTES};
    return xk_licence_parse(file.bytes, file.len, &opt, lic, err);
}

void xk_api_parse(const srv_call *c, srv_resp *resp)
{
    xk_blob file;
    if (c->ctx->jobs && body_file(c, &file)) {
        queue_scan(c, SRV_JOB_PARSE, resp);
        return;
    }
    xk_licence *lic = NULL;
    xk_error err;
    xk_error_clear(&err);
    xk_ocr_result ocr;
    memset(&ocr, 0, sizeof ocr);
    xk_status rc = parse_body(c, &lic, &ocr, &err);
    if (rc == XK_OK) {
        xk_srv_json(resp, 200,
                    json_pack("{s:b, s:b, s:o, s:o}", "valid", 1, "needs_review",
                              xk_licence_needs_review(lic), "record", xk_licence_to_json(lic),
                              "problems", problems_json(lic, &ocr)));
    } else if (rc == XK_EINVALID) {
        xk_error_set(&err, XK_EINVALID, 0, "the document has %zu error(s)",
                     xk_licence_error_count(lic));
        json_t *e = error_json("invalid_document", &err);
        json_object_set_new(e, "problems", problems_json(lic, &ocr));
        xk_srv_json(resp, 422, json_pack("{s:o, s:b, s:o}", "error", e, "valid", 0, "record",
                                      xk_licence_to_json(lic)));
        resp->error_code = "invalid_document";
    } else if (rc == XK_ENOMEM || rc == XK_EIO) {
        scan_failed(resp, rc, err.message);
    } else {
        xk_srv_json(resp, rc == XK_ETOOBIG ? 413 : 422,
                 json_pack("{s:o, s:b}", "error",
                           error_json(rc == XK_ETOOBIG ? "payload_too_large" : "invalid_document",
                                      &err),
                           "valid", 0));
        resp->error_code = rc == XK_ETOOBIG ? "payload_too_large" : "invalid_document";
    }
    xk_ocr_result_free(&ocr);
    xk_licence_free(lic);
}

/* The pages of a scan as a reviewer sees them (xk_ocr_views), each a PNG in a data: URL, for
 * the review page to show beside the fields read, the flagged ones marked where their problem's
 * "where" says. Nothing is read or stored. */
void xk_api_scan_pages(const srv_call *c, srv_resp *resp)
{
    xk_blob file;
    if (!body_file(c, &file)) {
        xk_srv_error(resp, 415, "unsupported_media_type",
                     "the body must be a scan: PNG, JPEG, TIFF or PDF");
        return;
    }
    xk_ocr_options o;
    scan_options(c, &o);
    o.lend = NULL; /* nothing is read: no page to lend */
    xk_ocr_view *views = NULL;
    size_t n = 0;
    xk_error err;
    xk_error_clear(&err);
    xk_status rc = xk_ocr_views(&file, 1, &o, XK_OCR_VIEW_WIDTH, &views, &n, &err);
    if (rc == XK_ENOMEM || rc == XK_EIO) {
        scan_failed(resp, rc, err.message);
        return;
    }
    if (rc != XK_OK) {
        xk_srv_json(resp, rc == XK_ETOOBIG ? 413 : 422,
                    json_pack("{s:o}", "error",
                              error_json(rc == XK_ETOOBIG ? "payload_too_large" : "invalid_document",
                                         &err)));
        resp->error_code = rc == XK_ETOOBIG ? "payload_too_large" : "invalid_document";
        return;
    }
    json_t *pages = json_array();
    static const char head[] = "data:image/png;base64,";
    for (size_t i = 0; pages && i < n; i++) {
        size_t cap = sizeof head - 1 + sodium_base64_ENCODED_LEN(views[i].len,
                                                                 sodium_base64_VARIANT_ORIGINAL);
        char *url = malloc(cap);
        if (!url) {
            json_decref(pages);
            pages = NULL;
            break;
        }
        memcpy(url, head, sizeof head - 1);
        sodium_bin2base64(url + sizeof head - 1, cap - (sizeof head - 1), views[i].png,
                          views[i].len, sodium_base64_VARIANT_ORIGINAL);
        json_array_append_new(pages, json_pack("{s:i, s:i, s:i, s:s}", "page", (int)i + 1, "width",
                                               views[i].width, "height", views[i].height,
                                               "image", url));
        free(url);
    }
    xk_ocr_views_free(views, n);
    if (!pages) {
        scan_failed(resp, XK_ENOMEM, "out of memory");
        return;
    }
    xk_srv_json(resp, 200, json_pack("{s:o}", "pages", pages));
}

typedef struct import_acc {
    json_t *results;
    size_t stored, unchanged, failed;
    char message[XK_ERROR_MSG_MAX]; /* the last failure's */
} import_acc;

static void import_answer(srv_resp *resp, xk_status rc, import_acc *a);

static void on_import(const xk_import_report *r, void *ctx)
{
    import_acc *a = ctx;
    json_t *o = json_object();
    if (*r->where)
        json_object_set_new(o, "where", json_string(r->where));
    if (r->lic && r->lic->number)
        json_object_set_new(o, "number", json_string(r->lic->number));
    if (r->status == XK_OK) {
        static const char *const outcomes[] = {"", "new", "version", "unchanged"};
        json_object_set_new(o, "outcome", json_string(outcomes[r->result.outcome]));
        json_object_set_new(o, "version", json_integer(r->result.version));
        if (r->result.outcome == XK_IMPORT_UNCHANGED)
            a->unchanged++;
        else
            a->stored++;
    } else {
        json_object_set_new(o, "outcome", json_string("failed"));
        json_object_set_new(o, "error", error_json("invalid_document", r->err));
        snprintf(a->message, sizeof a->message, "%s", r->err->message);
        if (r->lic)
            json_object_set_new(o, "problems", problems_json(r->lic, NULL));
        a->failed++;
    }
    json_array_append_new(a->results, o);
}

void xk_api_import(const srv_call *c, srv_resp *resp)
{
    xk_parse_options opt = {XK_MAX_DOCUMENT_BYTES};
    xk_blob file;
    bool scan = body_file(c, &file);
    if (scan && c->ctx->jobs) {
        queue_scan(c, SRV_JOB_IMPORT, resp);
        return;
    }
    import_acc a = {json_array(), 0, 0, 0, ""};
    xk_ocr_options ocr;
    scan_options(c, &ocr);
    xk_status rc = scan ? xk_import_scan(c->ctx->st, &file, 1, &ocr, on_import, &a)
                        : xk_import_bytes(c->ctx->st, file.bytes, file.len, &opt, on_import, &a);
    import_answer(resp, rc, &a);
}

/* The answer of an import from what on_import gathered. */
static void import_answer(srv_resp *resp, xk_status rc, import_acc *a0)
{
    import_acc a = *a0;
    json_t *o = json_pack("{s:i, s:i, s:i, s:o}", "stored", (int)a.stored, "unchanged",
                          (int)a.unchanged, "failed", (int)a.failed, "results", a.results);
    if (rc == XK_ENOMEM || rc == XK_EIO) {
        json_decref(o);
        scan_failed(resp, rc, a.message);
    } else if (rc != XK_OK && rc != XK_EINVALID) {
        json_decref(o);
        xk_srv_error(resp, 500, "internal", "the store failed during the import: %s",
                  xk_strstatus(rc));
    } else if (a.failed) {
        json_object_set_new(o, "error",
                            json_pack("{s:s, s:s}", "code", "invalid_document", "message",
                                      "some inputs were not imported (see results)"));
        xk_srv_json(resp, 422, o);
        resp->error_code = "invalid_document";
    } else {
        xk_srv_json(resp, a.stored ? 201 : 200, o);
    }
}

/* The reason is used as given, never copied into a fixed buffer: the store refuses one over
 * its limit before anything is written, so a removal is stored whole or not at all. */
void xk_api_remove(const srv_call *c, srv_resp *resp)
{
    char number[64];
    if (!xk_srv_param_number(c, resp, number))
        return;
    const char *reason = xk_srv_arg_get(c->req, "reason");
    json_t *body = NULL;
    if (!reason && c->req->body_len) {
        if (!(body = xk_srv_body_object(c, resp)))
            return;
        reason = json_string_value(json_object_get(body, "reason"));
    }
    xk_error err;
    xk_status rc = reason && *reason ? xk_store_remove(c->ctx->st, number, reason, &err)
                                     : XK_EUSAGE;
    if (!reason || !*reason)
        xk_srv_error(resp, 400, "bad_request",
                  "a removal needs a reason: ?reason=… or {\"reason\": \"…\"}");
    else if (rc == XK_ETOOBIG)
        xk_srv_error(resp, 400, "bad_request", "%s", err.message);
    else if (rc != XK_OK)
        xk_srv_fail(resp, &err);
    else
        xk_srv_json(resp, 200, json_pack("{s:s, s:s, s:s}", "number", number, "status", "removed",
                                      "reason", reason));
    json_decref(body);
}

/* --- import after review ------------------------------------------------------------------- */

/* A reviewed scan: the file, decoded (caller frees), and its corrections (at most max). False
 * with resp answered (400) when the body is not one. */
#define SRV_MAX_CORRECTIONS 64
static bool read_reviewed(srv_resp *resp, const srv_call *c, char **file, size_t *len,
                          xk_correction *corr, size_t *n)
{
    json_t *body = xk_srv_body_object(c, resp);
    if (!body)
        return false;
    json_t *data = json_object_get(body, "file"), *list = json_object_get(body, "corrections");
    bool ok = json_is_string(data) && (!list || json_is_array(list));
    if (!ok)
        xk_srv_error(resp, 400, "bad_request", "the body is {\"file\": the scan in base64, "
                                               "\"corrections\": [{field, read, value}]}");
    else if (list && json_array_size(list) > SRV_MAX_CORRECTIONS) {
        xk_srv_error(resp, 400, "bad_request", "more than %d corrections", SRV_MAX_CORRECTIONS);
        ok = false;
    }
    size_t i;
    json_t *item;
    *n = 0;
    json_array_foreach(ok ? list : NULL, i, item) {
        const char *f = json_string_value(json_object_get(item, "field"));
        const char *r = json_string_value(json_object_get(item, "read"));
        const char *v = json_string_value(json_object_get(item, "value"));
        xk_correction *k = &corr[(*n)++];
        memset(k, 0, sizeof *k);
        if (!f || !r || !v || strlen(f) >= sizeof k->field || strlen(r) >= sizeof k->read_value ||
            strlen(v) >= sizeof k->corrected_value) {
            xk_srv_error(resp, 400, "bad_request",
                         "correction %zu must have field, read and value as text of at most %u "
                         "bytes",
                         i + 1, XK_MAX_CORRECTION_BYTES);
            ok = false;
            break;
        }
        memcpy(k->field, f, strlen(f) + 1);
        memcpy(k->read_value, r, strlen(r) + 1);
        memcpy(k->corrected_value, v, strlen(v) + 1);
    }
    *file = NULL;
    if (ok) {
        size_t b64 = json_string_length(data), cap = b64 / 4 * 3 + 3;
        *file = malloc(cap);
        if (!*file || sodium_base642bin((unsigned char *)*file, cap, json_string_value(data), b64,
                                        "\r\n", len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
            xk_srv_error(resp, 400, "bad_request", "\"file\" is not base64");
            free(*file);
            *file = NULL;
            ok = false;
        }
    }
    json_decref(body);
    return ok;
}

/* POST /v1/scans/reviewed: a scan imported after a person reviewed what was read, with the
 * fields they corrected; read as an OCR job like any scan, the corrections kept apart. */
void xk_api_import_reviewed(const srv_call *c, srv_resp *resp)
{
    xk_correction *k = malloc(SRV_MAX_CORRECTIONS * sizeof *k); /* large: not on the stack */
    char *file;
    size_t len = 0, n = 0;
    if (!k) {
        xk_srv_error(resp, 500, "internal", "out of memory");
        return;
    }
    if (!read_reviewed(resp, c, &file, &len, k, &n)) {
        free(k);
        return;
    }
    xk_blob blob = {file, len};
    if (xk_input_detect(file, len) == XK_INPUT_TEXT) {
        xk_srv_error(resp, 422, "invalid_document", "\"file\" is not a scan (PNG, JPEG, TIFF, PDF)");
    } else if (c->ctx->jobs) {
        queue_scan(c, SRV_JOB_REVIEWED, resp); /* the worker reads the body again */
    } else {
        import_acc a = {json_array(), 0, 0, 0, ""};
        xk_ocr_options ocr;
        scan_options(c, &ocr);
        xk_status rc = xk_import_scan_reviewed(c->ctx->st, &blob, 1, &ocr, k, n, on_import, &a);
        import_answer(resp, rc, &a);
    }
    free(file);
    free(k);
}

void xk_srv_job_run(srv_job_kind kind, xk_store *st, const char *owner, const char *bytes,
                    size_t len, const xk_ocr_options *hooks, int *status, json_t **body)
{
    srv_req req;
    memset(&req, 0, sizeof req);
    req.method = "POST";
    req.path = kind == SRV_JOB_PARSE      ? "/v1/parse"
               : kind == SRV_JOB_REVIEWED ? "/v1/scans/reviewed"
                                          : "/v1/licenses";
    req.body = bytes;
    req.body_len = len;
    srv_ctx ctx;
    memset(&ctx, 0, sizeof ctx); /* no jobs: the scan is read here, on the worker */
    ctx.st = st;
    ctx.hooks = hooks;
    xk_store_set_actor(st, owner);
    srv_call call = {&ctx, &req, NULL, NULL};
    srv_resp resp;
    memset(&resp, 0, sizeof resp);
    if (kind == SRV_JOB_PARSE)
        xk_api_parse(&call, &resp);
    else if (kind == SRV_JOB_REVIEWED)
        xk_api_import_reviewed(&call, &resp);
    else
        xk_api_import(&call, &resp);
    *status = resp.status;
    const char *text = resp.body ? resp.body : (const char *)resp.static_body;
    *body = text ? json_loadb(text, resp.body_len, 0, NULL) : NULL;
    xk_srv_resp_free(&resp);
}

/* GET /v1/jobs/{id}: the job's state, and its answer once read; only to the token (or address)
 * that queued it. */
void xk_api_job(const srv_call *c, srv_resp *resp)
{
    size_t n = c->param ? strlen(c->param) : 0;
    bool hex = n == SRV_JOB_ID_LEN && strspn(c->param, "0123456789abcdef") == n;
    char owner[96];
    job_owner(c, owner, sizeof owner);
    json_t *o = hex && c->ctx->jobs ? xk_srv_jobs_describe(c->ctx->jobs, c->param, owner) : NULL;
    if (!o) {
        xk_srv_error(resp, 404, "not_found",
                     "no such job (finished jobs are kept for a while only)");
        return;
    }
    xk_srv_json(resp, 200, o);
}
