/*
 * Reminder routes of the HTTP API: GET /v1/subscriptions (the subscriptions, secrets never
 * returned: a subscription names an owner-only file on the server and says only whether it has
 * one), POST /v1/subscriptions and DELETE /v1/subscriptions/{id} (editor role), and
 * GET /v1/notifications (the delivery log, ?failed=1 for the failed ones). Deciding and sending
 * is `xuke notify run` or `serve --notify`, never a request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "xuke/notify.h"

void xk_api_subscriptions(const srv_call *c, srv_resp *resp)
{
    xk_subscription *subs;
    size_t n;
    xk_error err;
    if (xk_store_subscriptions(c->ctx->st, false, &subs, &n, &err) != XK_OK) {
        xk_srv_fail(resp, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, xk_notify_subscription_json(&subs[i]));
    free(subs);
    xk_srv_json(resp, 200, json_pack("{s:o}", "subscriptions", a));
}

void xk_api_subscription_add(const srv_call *c, srv_resp *resp)
{
    json_t *body = xk_srv_body_object(c, resp);
    if (!body)
        return;
    xk_subscription sub;
    xk_error err;
    xk_error_clear(&err);
    xk_status rc = xk_notify_subscription_from_json(body, &sub, &err);
    json_decref(body);
    if (rc != XK_OK) {
        xk_srv_error(resp, 400, "bad_request", "%s", err.message);
        return;
    }
    if (xk_store_subscription_add(c->ctx->st, &sub, &err) != XK_OK)
        xk_srv_fail(resp, &err);
    else
        xk_srv_json(resp, 201, xk_notify_subscription_json(&sub));
}

void xk_api_subscription_remove(const srv_call *c, srv_resp *resp)
{
    char *end;
    long id = strtol(c->param, &end, 10);
    if (*c->param < '1' || *c->param > '9' || *end != '\0' || id < 1) {
        xk_srv_error(resp, 400, "bad_request", "\"%.*s\" is not a subscription id",
                     (int)xk_utf8_cut(c->param, strlen(c->param), 64), c->param);
        return;
    }
    xk_error err;
    if (xk_store_subscription_remove(c->ctx->st, id, &err) != XK_OK)
        xk_srv_fail(resp, &err);
    else
        xk_srv_json(resp, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "removed", 1));
}

void xk_api_notifications(const srv_call *c, srv_resp *resp)
{
    long limit;
    if (!xk_srv_arg_int(c, resp, "limit", 1, 1000, &limit, 100))
        return;
    const char *failed = xk_srv_arg_get(c->req, "failed");
    xk_outbox_msg *m;
    size_t n;
    xk_error err;
    if (xk_store_outbox_log(c->ctx->st, failed && strcmp(failed, "1") == 0, (size_t)limit, &m,
                            &n, &err) != XK_OK) {
        xk_srv_fail(resp, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, xk_notify_message_json(&m[i]));
    xk_outbox_msgs_free(m, n);
    xk_srv_json(resp, 200, json_pack("{s:o}", "notifications", a));
}
