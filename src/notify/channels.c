/*
 * One send to one service through libcurl, as each service defines it, and how its answer is
 * judged: DingTalk (timestamp and sign in the query; errcode 0), WeCom (the key in the URL;
 * markdown; errcode 0), Feishu/Lark (timestamp and sign in the body; code 0), a generic webhook
 * (JSON, X-Xuke-Signature and an idempotency key; any 2xx) and email over SMTP (STARTTLS or
 * implicit TLS, AUTH, a UTF-8 subject as RFC 2047 encoded words and a base64 UTF-8 body).
 *
 * An answer is OK, RETRY (no answer, 408, 429, 5xx, the service's own rate-limit codes) or
 * REJECTED (anything else: a wrong secret or key, a malformed request), and the answer itself is
 * kept for the log. Secrets go into requests only, never into an answer or an error.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "xuke/text.h"

#define USER_AGENT "xuke-notify/1"
#define ANSWER_READ_MAX (64u * 1024u) /* bytes of an answer read; the log keeps the first ones */

/* The service codes that mean "too many, later": DingTalk 130101 (more than 20 a minute),
 * WeCom 45009 (API frequency) and -1 (system busy), Feishu 11232 (frequency limited). */
static const struct busy_code {
    xk_channel channel;
    long code;
} busy_codes[] = {
    {XK_CHANNEL_DINGTALK, 130101},
    {XK_CHANNEL_WECOM, 45009},
    {XK_CHANNEL_WECOM, -1},
    {XK_CHANNEL_FEISHU, 11232},
};

typedef struct answer_buf {
    char data[ANSWER_READ_MAX + 1];
    size_t len;
} answer_buf;

static size_t on_answer(char *ptr, size_t size, size_t n, void *ud)
{
    answer_buf *a = ud;
    size_t bytes = size * n, room = ANSWER_READ_MAX - a->len;
    size_t take = bytes < room ? bytes : room;
    memcpy(a->data + a->len, ptr, take);
    a->len += take;
    a->data[a->len] = '\0';
    return bytes;
}

/* The first bytes of what the service said, cut at a character boundary and marked when cut. */
static void keep_answer(send_result *res, long http, const char *body)
{
    int head = snprintf(res->answer, sizeof res->answer, "HTTP %ld ", http);
    size_t room = sizeof res->answer - 1 - (size_t)head;
    size_t len = strlen(body), mark = strlen("…");
    size_t keep = len <= room ? len : xk_utf8_cut(body, len, room - mark);
    char *out = res->answer + head;
    memcpy(out, body, keep);
    if (keep < len)
        memcpy(out + keep, "…", mark);
    out[keep < len ? keep + mark : keep] = '\0';
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

static bool busy(xk_channel c, long code)
{
    for (size_t i = 0; i < sizeof busy_codes / sizeof busy_codes[0]; i++)
        if (busy_codes[i].channel == c && busy_codes[i].code == code)
            return true;
    return false;
}

/* errcode (DingTalk, WeCom) or code (Feishu; StatusCode in its older answers). */
static bool service_code(xk_channel c, const char *body, long *code)
{
    json_t *o = json_loads(body, 0, NULL);
    json_t *v = NULL;
    if (o && c == XK_CHANNEL_FEISHU) {
        v = json_object_get(o, "code");
        if (!v)
            v = json_object_get(o, "StatusCode");
    } else if (o) {
        v = json_object_get(o, "errcode");
    }
    bool ok = json_is_integer(v);
    if (ok)
        *code = (long)json_integer_value(v);
    json_decref(o);
    return ok;
}

static void judge_http(xk_channel c, long http, const char *body, send_result *res)
{
    keep_answer(res, http, body);
    if (http == 408 || http == 429 || http >= 500 || http == 0) {
        res->outcome = SEND_RETRY;
        return;
    }
    if (http < 200 || http >= 300) {
        res->outcome = SEND_REJECTED;
        return;
    }
    if (c == XK_CHANNEL_WEBHOOK) {
        res->outcome = SEND_OK;
        return;
    }
    long code;
    if (!service_code(c, body, &code))
        res->outcome = SEND_RETRY; /* a 2xx that is not the service's answer (a proxy's page) */
    else if (code == 0)
        res->outcome = SEND_OK;
    else if (busy(c, code)) {
        res->outcome = SEND_RETRY;
        if (res->retry_after == 0)
            res->retry_after = c == XK_CHANNEL_DINGTALK ? 60 : 1;
    } else
        res->outcome = SEND_REJECTED;
}

static void curl_failed(CURLcode code, const char *detail, send_result *res)
{
    snprintf(res->answer, sizeof res->answer, "no answer: %s",
             *detail ? detail : curl_easy_strerror(code));
    res->outcome = SEND_RETRY;
}

/* --- the HTTP channels ---------------------------------------------------------------------- */

static char *dingtalk_body(const send_request *rq)
{
    char *text = strndup(rq->text, rq->text_len);
    json_t *o = text ? json_pack("{s:s, s:{s:s, s:s}}", "msgtype", "markdown", "markdown",
                                 "title", rq->title, "text", text)
                     : NULL;
    free(text);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return body;
}

static char *wecom_body(const send_request *rq)
{
    char *text = strndup(rq->text, rq->text_len);
    json_t *o = text ? json_pack("{s:s, s:{s:s}}", "msgtype", "markdown", "markdown", "content",
                                 text)
                     : NULL;
    free(text);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return body;
}

static char *feishu_body(const send_request *rq, bool *ok)
{
    char *text = strndup(rq->text, rq->text_len);
    json_t *o = text ? json_pack("{s:s, s:{s:s}}", "msg_type", "text", "content", "text", text)
                     : NULL;
    free(text);
    if (o && *rq->secret) {
        long long ts = rq->now_ms / 1000;
        char stamp[32], sign[128];
        snprintf(stamp, sizeof stamp, "%lld", ts);
        *ok = xk_notify_sign_feishu(rq->secret, ts, sign, sizeof sign);
        json_object_set_new(o, "timestamp", json_string(stamp));
        json_object_set_new(o, "sign", json_string(sign));
        sodium_memzero(sign, sizeof sign);
    }
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return body;
}

static char *webhook_body(const send_request *rq)
{
    json_t *items = json_loads(rq->items ? rq->items : "[]", 0, NULL);
    char *text = strndup(rq->text, rq->text_len);
    json_t *o = items && text ? json_pack("{s:s, s:s, s:s, s:o}", "id", rq->idem, "title",
                                          rq->title, "text", text, "items", items)
                              : NULL;
    if (!o)
        json_decref(items);
    free(text);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return body;
}

/* The URL to post to: DingTalk's gains timestamp and sign when the robot has a secret. */
static char *post_url(const send_request *rq, bool *ok)
{
    const xk_subscription *sub = rq->sub;
    if (sub->channel != XK_CHANNEL_DINGTALK || !*rq->secret)
        return strdup(sub->target);
    char sign[160];
    *ok = xk_notify_sign_dingtalk(rq->secret, rq->now_ms, sign, sizeof sign);
    size_t size = strlen(sub->target) + sizeof sign + 64;
    char *url = malloc(size);
    if (url)
        snprintf(url, size, "%s%ctimestamp=%lld&sign=%s", sub->target,
                 strchr(sub->target, '?') ? '&' : '?', rq->now_ms, sign);
    sodium_memzero(sign, sizeof sign);
    return url;
}

static struct curl_slist *headers(const send_request *rq, const char *body, bool *ok)
{
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    if (rq->sub->channel == XK_CHANNEL_WEBHOOK && h) {
        char line[256], sig[160];
        *ok = xk_notify_sign_webhook(rq->secret, rq->now_ms / 1000, body, strlen(body), sig,
                                     sizeof sig);
        snprintf(line, sizeof line, "X-Xuke-Signature: %s", sig);
        h = curl_slist_append(h, line);
        snprintf(line, sizeof line, "Idempotency-Key: %s", rq->idem);
        if (h)
            h = curl_slist_append(h, line);
    }
    return h;
}

static void send_http(const send_request *rq, send_result *res)
{
    bool signed_ok = true;
    xk_channel c = rq->sub->channel;
    char *body = c == XK_CHANNEL_DINGTALK ? dingtalk_body(rq)
                 : c == XK_CHANNEL_WECOM  ? wecom_body(rq)
                 : c == XK_CHANNEL_FEISHU ? feishu_body(rq, &signed_ok)
                                          : webhook_body(rq);
    char *url = post_url(rq, &signed_ok);
    struct curl_slist *h = body ? headers(rq, body, &signed_ok) : NULL;
    CURL *curl = curl_easy_init();
    if (!body || !url || !h || !curl || !signed_ok) {
        snprintf(res->answer, sizeof res->answer, "could not build the request (out of memory)");
        res->outcome = SEND_RETRY;
    } else {
        answer_buf *a = calloc(1, sizeof *a);
        char error[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, USER_AGENT);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)rq->timeout_seconds);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_answer);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
        CURLcode code = a ? curl_easy_perform(curl) : CURLE_OUT_OF_MEMORY;
        long http = 0;
        curl_off_t after = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
        if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
            res->retry_after = (long)(after > 86400 ? 86400 : after);
        if (code != CURLE_OK)
            curl_failed(code, error, res);
        else
            judge_http(c, http, a->data, res);
        free(a);
    }
    if (curl)
        curl_easy_cleanup(curl);
    curl_slist_free_all(h);
    if (url) {
        sodium_memzero(url, strlen(url));
        free(url);
    }
    free(body);
}

/* --- email ------------------------------------------------------------------------------------ */

/* RFC 2047 encoded words for a UTF-8 header value: base64, each word's text a whole number of
 * characters and the word at most 75 bytes. */
static void encoded_words(xk_buf *b, const char *text)
{
    size_t len = strlen(text), pos = 0;
    while (pos < len) {
        size_t take = len - pos > 45 ? 45 : len - pos;
        while (pos + take < len && take > 0 && ((unsigned char)text[pos + take] & 0xC0) == 0x80)
            take--;
        char b64[80];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)text + pos, take,
                          sodium_base64_VARIANT_ORIGINAL);
        xk_buf_printf(b, "%s=?UTF-8?B?%s?=", pos ? "\r\n " : "", b64);
        pos += take;
    }
}

static void base64_lines(xk_buf *b, const char *text, size_t len)
{
    for (size_t pos = 0; pos < len; pos += 57) { /* 57 bytes: 76 characters a line */
        size_t take = len - pos > 57 ? 57 : len - pos;
        char b64[80];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)text + pos, take,
                          sodium_base64_VARIANT_ORIGINAL);
        xk_buf_printf(b, "%s\r\n", b64);
    }
}

static char *mail_message(const send_request *rq)
{
    xk_buf b;
    xk_buf_init(&b);
    char date[64];
    time_t t = (time_t)(rq->now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    xk_buf_printf(&b, "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nMessage-ID: <%s.%d@xuke>\r\n", date,
                  rq->sub->from, rq->sub->target, rq->idem, rq->part);
    xk_buf_puts(&b, "Subject: ");
    encoded_words(&b, rq->title);
    xk_buf_puts(&b, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n");
    base64_lines(&b, rq->text, rq->text_len);
    return xk_buf_take(&b);
}

typedef struct upload {
    const char *data;
    size_t len, pos;
} upload;

static size_t on_read(char *ptr, size_t size, size_t n, void *ud)
{
    upload *u = ud;
    size_t room = size * n, left = u->len - u->pos;
    size_t take = left < room ? left : room;
    memcpy(ptr, u->data + u->pos, take);
    u->pos += take;
    return take;
}

static bool loopback_host(const char *host)
{
    return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
           strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0;
}

/* The server URL without its user (given to curl apart), the user, and whether the host is a
 * loopback one (the only place plain SMTP is allowed). */
static bool smtp_parts(const char *smtp, char **url, char **user, bool *loopback)
{
    CURLU *u = curl_url();
    char *host = NULL;
    *url = *user = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, smtp, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
    if (ok) {
        *loopback = loopback_host(host);
        if (curl_url_get(u, CURLUPART_USER, user, CURLU_URLDECODE) != CURLUE_OK)
            *user = NULL;
        ok = curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
             curl_url_get(u, CURLUPART_URL, url, 0) == CURLUE_OK;
    }
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

static void judge_smtp(CURLcode code, long reply, const char *error, send_result *res)
{
    if (code == CURLE_OK) {
        snprintf(res->answer, sizeof res->answer, "SMTP %ld accepted", reply);
        res->outcome = SEND_OK;
        return;
    }
    snprintf(res->answer, sizeof res->answer, "SMTP %ld %s", reply,
             *error ? error : curl_easy_strerror(code));
    /* a login refused or a 5xx reply is permanent; no answer or a 4xx is worth another try */
    res->outcome = code == CURLE_LOGIN_DENIED || (reply >= 500 && reply < 600) ||
                           code == CURLE_USE_SSL_FAILED
                       ? SEND_REJECTED
                       : SEND_RETRY;
}

static void send_mail(const send_request *rq, send_result *res)
{
    char *url, *user;
    bool loopback = false;
    if (!smtp_parts(rq->sub->smtp, &url, &user, &loopback)) {
        snprintf(res->answer, sizeof res->answer, "the SMTP server URL cannot be read");
        res->outcome = SEND_REJECTED;
        return;
    }
    char *msg = mail_message(rq);
    char from[XK_NOTIFY_MAX_TARGET + 3], to[XK_NOTIFY_MAX_TARGET + 3], error[CURL_ERROR_SIZE] = "";
    snprintf(from, sizeof from, "<%s>", rq->sub->from);
    snprintf(to, sizeof to, "<%s>", rq->sub->target);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    CURL *curl = curl_easy_init();
    if (!msg || !rcpt || !curl) {
        snprintf(res->answer, sizeof res->answer, "could not build the message (out of memory)");
        res->outcome = SEND_RETRY;
    } else {
        upload up = {msg, strlen(msg), 0};
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        /* STARTTLS is required, except to a relay on this machine's loopback */
        curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)(loopback ? CURLUSESSL_TRY : CURLUSESSL_ALL));
        if (user && *user) {
            curl_easy_setopt(curl, CURLOPT_USERNAME, user);
            curl_easy_setopt(curl, CURLOPT_PASSWORD, rq->secret);
        }
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
        curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, &up);
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)rq->timeout_seconds);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
        CURLcode code = curl_easy_perform(curl);
        long reply = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
        judge_smtp(code, reply, error, res);
    }
    if (curl)
        curl_easy_cleanup(curl);
    curl_slist_free_all(rcpt);
    free(msg);
    curl_free(url);
    curl_free(user);
}

void xk_notify_send(const send_request *rq, send_result *res)
{
    memset(res, 0, sizeof *res);
    if (rq->sub->channel == XK_CHANNEL_EMAIL)
        send_mail(rq, res);
    else
        send_http(rq, res);
}
