/*
 * Reminders: which open obligations a subscription is told of as of a date, the durable outbox
 * they go through, and their delivery to DingTalk, WeCom and Feishu robots, signed webhooks and
 * email (libcurl). Decides nothing the rules decide: the agenda (agenda.h) says what is due and
 * when; this layer says which reminder that makes, writes it once, and sends it until a send is
 * confirmed.
 *
 * A reminder is one (obligation occurrence, threshold, subscription): the threshold is the
 * smallest of the subscription's --days that the days left have reached, or an overdue period
 * (each day, or each week, past the due date). Deciding a reminder and writing the message that
 * carries it happen in one transaction, so a crash between deciding and sending loses nothing;
 * a message is marked sent only after the service confirms it, so a rerun sends again only what
 * was never confirmed (a receiver drops such a repeat by its idempotency key).
 */
#ifndef XUKE_NOTIFY_H
#define XUKE_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "xuke/calendar.h"
#include "xuke/notify_store.h"
#include "xuke/rules.h"

/* --- signatures as each service defines them ----------------------------------------------- */

/* DingTalk robot: URL-encoded base64 of HMAC-SHA256 keyed by secret over
 * "<timestamp_ms>\n<secret>". False when out (at least 128 bytes) is too small. */
bool xk_notify_sign_dingtalk(const char *secret, long long timestamp_ms, char *out, size_t size);
/* Feishu/Lark bot: base64 of HMAC-SHA256 keyed by "<timestamp_s>\n<secret>" over no bytes. */
bool xk_notify_sign_feishu(const char *secret, long long timestamp_s, char *out, size_t size);
/* Generic webhook: "t=<timestamp_s>,v1=<hex HMAC-SHA256 keyed by secret over
 * "<timestamp_s>.<body>">" for the X-Xuke-Signature header. */
bool xk_notify_sign_webhook(const char *secret, long long timestamp_s, const char *body,
                            size_t len, char *out, size_t size);

/* --- subscriptions ------------------------------------------------------------------------- */

/* A subscription with the defaults: --days 90,30,7,1, --overdue weekly, zh, no quiet hours. */
void xk_subscription_init(xk_subscription *sub);
/* "90,30,7,1": 1 to XK_NOTIFY_MAX_DAYS whole days, 0 to XK_NOTIFY_MAX_DAYS_VALUE, strictly
 * decreasing; XK_EUSAGE naming the problem. */
xk_status xk_notify_parse_days(const char *text, xk_subscription *sub, xk_error *err);
/* "22:00-08:00" (Asia/Shanghai; may run over midnight; the two ends differ). */
xk_status xk_notify_parse_quiet(const char *text, xk_subscription *sub, xk_error *err);
/* Checks a subscription before it is stored: the target fits its channel (an http(s) URL for
 * robots and webhooks, an address for email with an smtp:// or smtps:// server), something is
 * chosen (--all, licences or a company), a webhook has a secret, and the secret file is readable
 * by its owner only. XK_EUSAGE naming the problem. */
xk_status xk_notify_check_subscription(const xk_subscription *sub, xk_error *err);
/* Reads a secret file: at most XK_NOTIFY_MAX_SECRET bytes, one trailing newline dropped, not
 * empty, and readable by its owner only (XK_EUSAGE naming the file and its mode otherwise). */
xk_status xk_notify_read_secret(const char *path, char *out, size_t size, xk_error *err);
/* The target as it may be shown: a URL keeps its scheme, host and path, and every query value
 * (a robot's access token or key) becomes "***". */
void xk_notify_target_shown(const xk_subscription *sub, char *out, size_t size);

/* A subscription from the API's JSON object: channel, to, secret_file, licences (array), company,
 * all, days (array or "90,30"), overdue, lang, quiet, digest, smtp, from; any other field (a
 * "secret" above all: secrets are not sent over the API) is refused; then checked as
 * xk_notify_check_subscription does. XK_EUSAGE naming the problem. */
xk_status xk_notify_subscription_from_json(json_t *o, xk_subscription *sub, xk_error *err);
/* A subscription as JSON for the CLI and the API: the target as xk_notify_target_shown shows
 * it, and whether it has a secret, never the secret or its file. Caller json_decref()s. */
json_t *xk_notify_subscription_json(const xk_subscription *sub);
/* A message of the delivery log as JSON (times in UTC, ISO 8601). Caller json_decref()s. */
json_t *xk_notify_message_json(const xk_outbox_msg *m);
/* Milliseconds since 1970 as "2026-12-07T04:20:34Z" ("" for 0). */
void xk_notify_time(long long ms, char out[32]);

/* The reminder one obligation due on `due` makes for sub as of as_of: false when none; step
 * receives "d<N>" (N days before, the smallest threshold reached) or "o<K>" (the K-th overdue
 * period: days with --overdue daily, weeks with weekly); *left the days left (negative when
 * overdue). */
bool xk_notify_step(const xk_subscription *sub, xk_date as_of, xk_date due, char step[16],
                    long *left);

/* --- running --------------------------------------------------------------------------------- */

typedef struct xk_notify_options {
    xk_date as_of;        /* the date deadlines are counted from (China's today by default) */
    long long now_ms;     /* the time of sending (quiet hours, retries); 0: the clock */
    bool dry_run;         /* decide and report; write and send nothing */
    const char *base_url; /* links to licence pages ("" or NULL: no link) */
    int timeout_seconds;  /* per send */
} xk_notify_options;

void xk_notify_options_init(xk_notify_options *o);

typedef struct xk_notify_report {
    size_t decided;  /* reminders decided in this run */
    size_t messages; /* messages written to the outbox in this run */
    size_t sent, retrying, failed, held; /* sends in this run; held: quiet hours */
} xk_notify_report;

/* Told of each message as it is decided ("decided"), or sent, deferred or failed ("sent",
 * "retry", "failed", "held"); m->answer holds the service's answer. */
typedef void (*xk_notify_fn)(const char *what, const xk_outbox_msg *m, void *ctx);

/* One pass: decides what is due (writing reminders and messages in one transaction), then sends
 * every message whose time has come. A send that fails is retried later (exponential backoff,
 * Retry-After honoured) for XK_NOTIFY_RETRY_HOURS, then marked failed; a service's refusal that
 * no retry can mend (a wrong secret) fails at once. */
xk_status xk_notify_run(xk_store *st, const xk_calendar *cal, const xk_notify_options *o,
                        xk_notify_fn fn, void *ctx, xk_notify_report *rep, xk_error *err);

/* Sends a test message to sub now, outside the outbox. XK_OK when the service accepted it;
 * answer always receives what the service said (its HTTP status and body, or the error). */
xk_status xk_notify_test(const xk_subscription *sub, const xk_notify_options *o, char *answer,
                         size_t size, xk_error *err);

#endif
