/*
 * Evidence files in the HTTP API: read from an event's JSON body ("evidence": [{"name": …,
 * "data": base64}] — what a browser makes with FileReader, no multipart parser needed), shown
 * with the events that keep them, and served back by SHA-256 with their type and name
 * (GET /v1/evidence/{hash}). What a file is, and its limits, are decided below (views.c,
 * evidence.c); here only the transport's shape is checked.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

void xk_srv_evidence_free(srv_evidence *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->bytes[i]);
    memset(e, 0, sizeof *e);
}

/* One member {"name": text, "data": base64}; false (answered 400) when it is not that. */
static bool read_one(srv_resp *resp, json_t *item, size_t i, srv_evidence *out)
{
    const char *key;
    json_t *value;
    json_object_foreach(item, key, value) {
        if (strcmp(key, "name") && strcmp(key, "data") && strcmp(key, "type")) {
            xk_srv_error(resp, 400, "bad_request",
                         "evidence %zu: unknown field \"%.*s\" (a file has name, data and "
                         "optionally type)",
                         i + 1, (int)xk_utf8_cut(key, strlen(key), 64), key);
            return false;
        }
    }
    json_t *name = json_object_get(item, "name"), *data = json_object_get(item, "data");
    if (!json_is_string(name) || !json_is_string(data)) {
        xk_srv_error(resp, 400, "bad_request",
                     "evidence %zu must have \"name\" and \"data\" (the file in base64) as text",
                     i + 1);
        return false;
    }
    size_t b64 = json_string_length(data);
    /* the decoded size is known before decoding: a file over the limit is refused unread */
    size_t cap = b64 / 4 * 3 + 3;
    if (cap > (size_t)XK_MAX_EVIDENCE_BYTES + 3) {
        xk_srv_error(resp, 413, "payload_too_large",
                     "evidence %zu (%s) is over the %u-byte limit of an evidence file", i + 1,
                     json_string_value(name), XK_MAX_EVIDENCE_BYTES);
        return false;
    }
    unsigned char *bytes = malloc(cap ? cap : 1);
    if (!bytes) {
        xk_srv_error(resp, 500, "internal", "out of memory");
        return false;
    }
    size_t len = 0;
    if (sodium_base642bin(bytes, cap, json_string_value(data), b64, "\r\n", &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(bytes);
        xk_srv_error(resp, 400, "bad_request", "evidence %zu (%s): \"data\" is not base64",
                     i + 1, json_string_value(name));
        return false;
    }
    out->bytes[out->n] = (char *)bytes;
    out->files[out->n] = (xk_evidence_file){json_string_value(name), NULL, (char *)bytes, len};
    out->n++;
    return true;
}

bool xk_srv_evidence_read(srv_resp *resp, json_t *body, srv_evidence *out)
{
    memset(out, 0, sizeof *out);
    json_t *list = json_object_get(body, "evidence");
    if (!list)
        return true;
    if (!json_is_array(list)) {
        xk_srv_error(resp, 400, "bad_request",
                     "\"evidence\" must be a list of files: [{\"name\": …, \"data\": base64}]");
        return false;
    }
    if (json_array_size(list) > XK_MAX_EVIDENCE_FILES) {
        xk_srv_error(resp, 400, "bad_request", "%zu evidence files given; an event keeps at most %u",
                     json_array_size(list), XK_MAX_EVIDENCE_FILES);
        return false;
    }
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        if (!json_is_object(item) || !read_one(resp, item, i, out)) {
            if (!json_is_object(item))
                xk_srv_error(resp, 400, "bad_request", "evidence %zu is not an object", i + 1);
            xk_srv_evidence_free(out);
            return false;
        }
    }
    return true;
}

json_t *xk_srv_evidence_hashes(const srv_evidence *e)
{
    json_t *a = json_array();
    for (size_t i = 0; i < e->n; i++) {
        unsigned char h[crypto_hash_sha256_BYTES];
        char hex[crypto_hash_sha256_BYTES * 2 + 1];
        crypto_hash_sha256(h, (const unsigned char *)e->files[i].bytes, e->files[i].len);
        json_array_append_new(a, json_string(sodium_bin2hex(hex, sizeof hex, h, sizeof h)));
    }
    return a;
}

static const char *media_type(const char *kind)
{
    if (strcmp(kind, "pdf") == 0)
        return "application/pdf";
    if (strcmp(kind, "png") == 0)
        return "image/png";
    if (strcmp(kind, "jpeg") == 0)
        return "image/jpeg";
    return "application/octet-stream";
}

json_t *xk_srv_evidence_json(const xk_evidence *e)
{
    char url[24 + XK_SHA256_HEX];
    snprintf(url, sizeof url, "/v1/evidence/%s", e->sha256);
    return json_pack("{s:i, s:s, s:s, s:s, s:I, s:s, s:s}", "position", e->position, "name",
                     e->name, "kind", e->kind, "type", media_type(e->kind), "size",
                     (json_int_t)e->size, "sha256", e->sha256, "url", url);
}

/* Content-Disposition for a name of any script: an ASCII stand-in and the name itself in
 * RFC 5987 form (percent-encoded UTF-8), cut at a whole byte sequence to fit. */
static void disposition(const xk_evidence *e, char *out, size_t size)
{
    static const char *const ext[] = {"pdf", "png", "jpg"};
    size_t k = strcmp(e->kind, "pdf") == 0 ? 0 : strcmp(e->kind, "png") == 0 ? 1 : 2;
    int n = snprintf(out, size, "attachment; filename=\"evidence-%.12s.%s\"; filename*=UTF-8''",
                     e->sha256, ext[k]);
    size_t used = n > 0 && (size_t)n < size ? (size_t)n : size - 1;
    for (const unsigned char *p = (const unsigned char *)e->name; *p; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~", *p);
        /* a multi-byte character is written whole or not at all */
        size_t seq = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
        size_t need = plain ? 1 : 3 * seq;
        if (used + need >= size)
            break;
        for (size_t j = 0; j < (plain ? 1 : seq) && p[j]; j++) {
            if (plain)
                out[used++] = (char)p[j];
            else
                used += (size_t)snprintf(out + used, size - used, "%%%02X", p[j]);
        }
        p += plain ? 0 : seq - 1;
    }
    out[used] = '\0';
}

/* GET /v1/evidence/{hash}: the file with its type, downloaded under its name. */
void xk_api_evidence(const srv_call *c, srv_resp *resp)
{
    size_t n = c->param ? strlen(c->param) : 0;
    if (n != 64 || strspn(c->param, "0123456789abcdef") != n) {
        xk_srv_error(resp, 400, "bad_request",
                     "an evidence file is named by its SHA-256: 64 lower-case hex digits");
        return;
    }
    char *bytes;
    size_t len;
    xk_evidence meta;
    xk_error err;
    if (xk_store_evidence_file(c->ctx->st, c->param, &bytes, &len, &meta, &err) != XK_OK) {
        xk_srv_fail(resp, &err);
        return;
    }
    xk_srv_body(resp, 200, media_type(meta.kind), bytes, len);
    free(bytes);
    disposition(&meta, resp->disposition, sizeof resp->disposition);
    resp->cache = "private, max-age=31536000, immutable"; /* named by its content */
}
