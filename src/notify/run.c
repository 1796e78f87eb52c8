/*
 * One notify pass: deciding (which reminders the agenda makes for each live subscription as of
 * a date, written with the messages that carry them in one transaction) and sending (every
 * message whose time has come, claimed first so that two senders never send one message at
 * once, then marked sent, retried later or failed). Quiet hours hold a subscription's messages
 * until they end; a digest subscription gets one message a day listing everything newly due;
 * robots' rate limits are kept within this process.
 */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "xuke/text.h"

#define MAX_PARTS 256 /* parts of one split message (a digest of XK_NOTIFY_DIGEST_ITEMS fits) */
#define CHINA_OFFSET_MINUTES 480 /* Asia/Shanghai: UTC+8 all year, no daylight saving */

void xk_notify_options_init(xk_notify_options *o)
{
    memset(o, 0, sizeof *o);
    o->timeout_seconds = XK_NOTIFY_TIMEOUT_SECONDS;
}

static long long clock_ms(int which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void idem_of(const char *key, char out[40])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * sizeof h + 1];
    crypto_hash_sha256(h, (const unsigned char *)key, strlen(key));
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(out, 40, "xk-%.32s", hex);
}

/* --- deciding ---------------------------------------------------------------------------------- */

typedef struct decide_ctx {
    xk_store *st;
    const xk_notify_options *o;
    long long now_ms;
    xk_notify_fn fn;
    void *user;
    xk_notify_report *rep;
    xk_error *err;
} decide_ctx;

static bool matches(const xk_subscription *sub, const xk_agenda_item *it)
{
    if (sub->all)
        return true;
    for (size_t i = 0; i < sub->n_licences; i++)
        if (strcmp(sub->licences[i], it->number) == 0)
            return true;
    return *sub->company && strstr(it->company, sub->company) != NULL;
}

/* What one obligation occurrence is, independent of the calendar's later corrections: the
 * licence, the duty, the date its clock runs from, its year and the event that started it. */
static void occurrence_of(const xk_agenda_item *it, char *out, size_t size)
{
    char from[11] = "";
    if (xk_date_is_set(it->ob.from))
        xk_date_format(it->ob.from, from, sizeof from);
    snprintf(out, size, "%s|%s|%s|%d|%ld", it->number, xk_duty_name(it->ob.duty), from,
             it->ob.year, it->ob.trigger);
}

/* Writes one message with the reminders rendered into text and items, and hands the
 * subscription's waiting reminders to it. */
static xk_status write_message(decide_ctx *c, const xk_subscription *sub, const char *key,
                               const char *title, xk_buf *text, xk_buf *items, size_t n_items)
{
    if (text->oom || items->oom)
        return xk_error_set(c->err, XK_ENOMEM, 0, "out of memory");
    xk_outbox_msg m;
    memset(&m, 0, sizeof m);
    m.subscription = sub->id;
    snprintf(m.key, sizeof m.key, "%s", key);
    idem_of(key, m.idem);
    snprintf(m.title, sizeof m.title, "%s", title);
    m.text = text->data ? text->data : "";
    m.items = items->data ? items->data : "[]";
    m.n_items = n_items;
    m.created_ms = m.next_ms = c->now_ms;
    bool fresh;
    xk_status rc = xk_store_outbox_add(c->st, &m, &fresh, c->err);
    size_t attached = 0;
    if (rc == XK_OK && fresh)
        rc = xk_store_notices_attach(c->st, sub->id, m.id, &attached, c->err);
    if (rc == XK_OK && fresh) {
        c->rep->messages++;
        if (c->fn)
            c->fn(c->o->dry_run ? "would send" : "decided", &m, c->user);
    }
    return rc;
}

/* Reminders rendered and not yet written as a message (a digest's, or the one being written). */
typedef struct pending_items {
    xk_buf text, items;
    size_t n;
    int part; /* digests written today for this subscription */
} pending_items;

static xk_status flush_digest(decide_ctx *c, const xk_subscription *sub, pending_items *p,
                              const char *day)
{
    if (p->n == 0)
        return XK_OK;
    char key[128], title[256];
    snprintf(key, sizeof key, "g|%ld|%s|%d", sub->id, day, ++p->part);
    xk_notify_title(title, sizeof title, NULL, p->n, sub->lang, c->o->as_of);
    xk_buf_putc(&p->items, ']');
    xk_status rc = write_message(c, sub, key, title, &p->text, &p->items, p->n);
    xk_buf_reset(&p->text);
    xk_buf_reset(&p->items);
    p->n = 0;
    return rc;
}

static xk_status decide_item(decide_ctx *c, const xk_subscription *sub, const xk_agenda_item *it,
                             pending_items *p, const char *day)
{
    char step[16], occ[256];
    long left;
    if (!matches(sub, it) || !xk_notify_step(sub, c->o->as_of, it->ob.due_workday, step, &left))
        return XK_OK;
    occurrence_of(it, occ, sizeof occ);
    bool fresh;
    xk_status rc = xk_store_notice_decide(c->st, sub->id, occ, step, &fresh, c->err);
    if (rc != XK_OK || !fresh)
        return rc;
    c->rep->decided++;
    notice_item ni = {it->number, it->company, &it->ob, left};
    if (p->n == 0)
        xk_buf_putc(&p->items, '[');
    else
        xk_buf_putc(&p->items, ',');
    xk_notify_render_item(&p->text, &p->items, &ni, sub->lang, c->o->base_url);
    p->n++;
    if (!sub->digest) {
        char key[512], title[256];
        snprintf(key, sizeof key, "r|%ld|%s|%s", sub->id, occ, step);
        xk_notify_title(title, sizeof title, &ni, 1, sub->lang, c->o->as_of);
        xk_buf_putc(&p->items, ']');
        rc = write_message(c, sub, key, title, &p->text, &p->items, 1);
        xk_buf_reset(&p->text);
        xk_buf_reset(&p->items);
        p->n = 0;
        return rc;
    }
    return p->n == XK_NOTIFY_DIGEST_ITEMS ? flush_digest(c, sub, p, day) : XK_OK;
}

static xk_status decide_subscription(decide_ctx *c, const xk_subscription *sub,
                                     const xk_agenda *a)
{
    char day[11], first_key[128];
    xk_date_format(c->o->as_of, day, sizeof day);
    if (sub->digest) {
        /* one digest a day: once today's is written, what becomes due waits for tomorrow's */
        bool exists;
        snprintf(first_key, sizeof first_key, "g|%ld|%s|1", sub->id, day);
        xk_status rc = xk_store_outbox_exists(c->st, first_key, &exists, c->err);
        if (rc != XK_OK || exists)
            return rc;
    }
    pending_items p;
    memset(&p, 0, sizeof p);
    xk_buf_init(&p.text);
    xk_buf_init(&p.items);
    xk_status rc = XK_OK;
    for (size_t i = 0; i < a->n && rc == XK_OK; i++) {
        xk_agenda_item it = xk_agenda_at(a, i);
        rc = decide_item(c, sub, &it, &p, day);
    }
    if (rc == XK_OK && sub->digest)
        rc = flush_digest(c, sub, &p, day);
    xk_buf_free(&p.text);
    xk_buf_free(&p.items);
    return rc;
}

static xk_status decide(decide_ctx *c, const xk_calendar *cal, const xk_subscription *subs,
                        size_t n)
{
    int within = 0;
    for (size_t i = 0; i < n; i++)
        if (subs[i].n_days && subs[i].days[0] > within)
            within = subs[i].days[0];
    xk_agenda a;
    xk_status rc = xk_agenda_build(c->st, cal, c->o->as_of, within, NULL, &a, c->err);
    if (rc != XK_OK)
        return rc;
    rc = xk_store_begin(c->st, c->err);
    for (size_t i = 0; i < n && rc == XK_OK; i++)
        rc = decide_subscription(c, &subs[i], &a);
    if (rc == XK_OK && !c->o->dry_run)
        rc = xk_store_commit(c->st, c->err);
    else
        xk_store_rollback(c->st);
    xk_agenda_free(&a);
    return rc;
}

/* --- sending ----------------------------------------------------------------------------------- */

/* Minutes after midnight in China's time, and whether sub's quiet hours hold at now_ms. */
static bool quiet_now(const xk_subscription *sub, long long now_ms, long long *until_ms)
{
    if (sub->quiet_from < 0)
        return false;
    long long minute = now_ms / 60000 + CHINA_OFFSET_MINUTES;
    int m = (int)(minute % 1440);
    bool quiet = sub->quiet_from < sub->quiet_until
                     ? m >= sub->quiet_from && m < sub->quiet_until
                     : m >= sub->quiet_from || m < sub->quiet_until;
    if (quiet) {
        int wait = (sub->quiet_until - m + 1440) % 1440;
        *until_ms = (minute - CHINA_OFFSET_MINUTES + wait) * 60000;
    }
    return quiet;
}

/* Sends of this process per robot target, for DingTalk's 20 a minute and Feishu's 5 a second. */
#define RATE_TARGETS 64
#define RATE_SLOTS 20
typedef struct rate_window {
    char target[XK_NOTIFY_MAX_TARGET + 1];
    long long sent[RATE_SLOTS]; /* monotonic ms of the latest sends, a ring */
    size_t next;
} rate_window;

typedef struct rate_limits {
    rate_window w[RATE_TARGETS];
    size_t n;
} rate_limits;

/* How long to wait (ms) before the next send to sub's robot may go; 0 = now. */
static long long rate_wait(rate_limits *r, const xk_subscription *sub, rate_window **out)
{
    int per;
    long long window;
    *out = NULL;
    if (sub->channel == XK_CHANNEL_DINGTALK) {
        per = XK_NOTIFY_DINGTALK_PER_MINUTE;
        window = 60000;
    } else if (sub->channel == XK_CHANNEL_FEISHU) {
        per = XK_NOTIFY_FEISHU_PER_SECOND;
        window = 1000;
    } else {
        return 0;
    }
    rate_window *w = NULL;
    for (size_t i = 0; i < r->n && !w; i++)
        if (strcmp(r->w[i].target, sub->target) == 0)
            w = &r->w[i];
    if (!w && r->n < RATE_TARGETS) {
        w = &r->w[r->n++];
        memset(w, 0, sizeof *w);
        snprintf(w->target, sizeof w->target, "%s", sub->target);
    }
    if (!w)
        return 0;
    *out = w;
    /* the per-th send back: if it was within the window, wait until it leaves it */
    long long oldest = w->sent[(w->next + RATE_SLOTS - (size_t)per) % RATE_SLOTS];
    long long wait = oldest ? oldest + window - clock_ms(CLOCK_MONOTONIC) : 0;
    return wait > 0 ? wait : 0;
}

static void rate_note(rate_window *w)
{
    if (w) {
        w->sent[w->next] = clock_ms(CLOCK_MONOTONIC);
        w->next = (w->next + 1) % RATE_SLOTS;
    }
}

typedef struct send_ctx {
    xk_store *st;
    const xk_notify_options *o;
    long long now_ms;
    rate_limits *rates;
    xk_notify_fn fn;
    void *user;
    xk_notify_report *rep;
    xk_error *err;
} send_ctx;

/* Sends the parts of m not yet confirmed; the outcome of the last part tried. */
static void send_parts(send_ctx *c, const xk_subscription *sub, const char *secret,
                       xk_outbox_msg *m, send_result *res, rate_window *w)
{
    size_t starts[MAX_PARTS], lens[MAX_PARTS];
    size_t parts = xk_notify_split(m->text, xk_notify_part_limit(sub->channel), starts, lens,
                                   MAX_PARTS);
    if (parts == 0) {
        memset(res, 0, sizeof *res);
        res->outcome = SEND_REJECTED;
        snprintf(res->answer, sizeof res->answer, "the message needs more than %d parts",
                 MAX_PARTS);
        return;
    }
    for (size_t p = (size_t)m->parts_sent; p < parts; p++) {
        long long wait = rate_wait(c->rates, sub, &w);
        if (wait > 0) {
            struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        send_request rq = {sub, secret, m->title, m->text + starts[p], lens[p], m->items,
                           m->idem, (int)p + 1, (int)parts, clock_ms(CLOCK_REALTIME),
                           c->o->timeout_seconds};
        xk_notify_send(&rq, res);
        rate_note(w);
        if (res->outcome != SEND_OK)
            return;
        m->parts_sent = (int)p + 1;
    }
}

static long long backoff_ms(int attempts, long retry_after)
{
    long long delay = (long long)XK_NOTIFY_RETRY_FIRST_SECONDS * 1000;
    for (int i = 1; i < attempts && delay < (long long)XK_NOTIFY_RETRY_CAP_SECONDS * 1000; i++)
        delay *= 2;
    if (delay > (long long)XK_NOTIFY_RETRY_CAP_SECONDS * 1000)
        delay = (long long)XK_NOTIFY_RETRY_CAP_SECONDS * 1000;
    if ((long long)retry_after * 1000 > delay)
        delay = (long long)retry_after * 1000;
    return delay;
}

static void settle(send_ctx *c, xk_outbox_msg *m, const send_result *res)
{
    m->attempts++;
    if (m->first_try_ms == 0)
        m->first_try_ms = c->now_ms;
    snprintf(m->answer, sizeof m->answer, "%s", res->answer);
    const char *what;
    if (res->outcome == SEND_OK) {
        snprintf(m->status, sizeof m->status, "sent");
        m->sent_ms = c->now_ms;
        what = "sent";
        c->rep->sent++;
    } else if (res->outcome == SEND_REJECTED) {
        snprintf(m->status, sizeof m->status, "failed");
        what = "failed";
        c->rep->failed++;
    } else {
        long long next = c->now_ms + backoff_ms(m->attempts, res->retry_after);
        if (next > m->first_try_ms + (long long)XK_NOTIFY_RETRY_HOURS * 3600 * 1000) {
            snprintf(m->status, sizeof m->status, "failed");
            what = "failed";
            c->rep->failed++;
        } else {
            snprintf(m->status, sizeof m->status, "pending");
            m->next_ms = next;
            what = "retry";
            c->rep->retrying++;
        }
    }
    if (c->fn)
        c->fn(what, m, c->user);
}

static const xk_subscription *find_sub(const xk_subscription *subs, size_t n, long id)
{
    for (size_t i = 0; i < n; i++)
        if (subs[i].id == id)
            return &subs[i];
    return NULL;
}

static xk_status send_one(send_ctx *c, const xk_subscription *sub, xk_outbox_msg *m)
{
    long long until;
    if (quiet_now(sub, c->now_ms, &until)) {
        c->rep->held++;
        if (c->fn)
            c->fn("held", m, c->user);
        return XK_OK;
    }
    rate_window *w;
    if (rate_wait(c->rates, sub, &w) > 2000) { /* a full minute's DingTalk quota: next pass */
        c->rep->held++;
        if (c->fn)
            c->fn("held", m, c->user);
        return XK_OK;
    }
    bool got;
    xk_status rc = xk_store_outbox_claim(c->st, m->id, c->now_ms,
                                         c->now_ms + XK_NOTIFY_CLAIM_SECONDS * 1000LL, &got,
                                         c->err);
    if (rc != XK_OK || !got)
        return rc;
    char secret[XK_NOTIFY_MAX_SECRET + 2] = "";
    send_result res;
    memset(&res, 0, sizeof res);
    xk_error serr;
    xk_error_clear(&serr);
    if (*sub->secret_file &&
        xk_notify_read_secret(sub->secret_file, secret, sizeof secret, &serr) != XK_OK) {
        res.outcome = SEND_RETRY;
        xk_utf8_copy(res.answer, sizeof res.answer, serr.message, strlen(serr.message));
    } else {
        send_parts(c, sub, secret, m, &res, NULL);
    }
    sodium_memzero(secret, sizeof secret);
    settle(c, m, &res);
    return xk_store_outbox_update(c->st, m, c->err);
}

static xk_status send_due(send_ctx *c, const xk_subscription *subs, size_t n)
{
    xk_outbox_msg *due;
    size_t n_due;
    xk_status rc = xk_store_outbox_due(c->st, c->now_ms, &due, &n_due, c->err);
    for (size_t i = 0; i < n_due && rc == XK_OK; i++) {
        const xk_subscription *sub = find_sub(subs, n, due[i].subscription);
        if (sub)
            rc = send_one(c, sub, &due[i]);
    }
    xk_outbox_msgs_free(due, n_due);
    return rc;
}

xk_status xk_notify_run(xk_store *st, const xk_calendar *cal, const xk_notify_options *o,
                        xk_notify_fn fn, void *ctx, xk_notify_report *rep, xk_error *err)
{
    memset(rep, 0, sizeof *rep);
    xk_subscription *subs;
    size_t n;
    xk_status rc = xk_store_subscriptions(st, false, &subs, &n, err);
    if (rc != XK_OK)
        return rc;
    long long now = o->now_ms ? o->now_ms : clock_ms(CLOCK_REALTIME);
    decide_ctx dc = {st, o, now, fn, ctx, rep, err};
    rc = decide(&dc, cal, subs, n);
    if (rc == XK_OK && !o->dry_run) {
        rate_limits *rates = calloc(1, sizeof *rates);
        send_ctx sc = {st, o, now, rates, fn, ctx, rep, err};
        curl_global_init(CURL_GLOBAL_DEFAULT);
        rc = rates ? send_due(&sc, subs, n) : xk_error_set(err, XK_ENOMEM, 0, "out of memory");
        free(rates);
    }
    free(subs);
    return rc;
}

xk_status xk_notify_test(const xk_subscription *sub, const xk_notify_options *o, char *answer,
                         size_t size, xk_error *err)
{
    char secret[XK_NOTIFY_MAX_SECRET + 2] = "";
    answer[0] = '\0';
    if (*sub->secret_file) {
        xk_status rc = xk_notify_read_secret(sub->secret_file, secret, sizeof secret, err);
        if (rc != XK_OK)
            return rc;
    }
    bool zh = strcmp(sub->lang, "en") != 0;
    char title[128], text[256], idem[40], key[64];
    snprintf(title, sizeof title, zh ? "xuke 测试消息" : "xuke test message");
    snprintf(text, sizeof text,
             zh ? "这是 xuke 的测试消息：订阅 %ld 可以送达。\n"
                : "This is a test message from xuke: subscription %ld can be reached.\n",
             sub->id);
    long long now = clock_ms(CLOCK_REALTIME);
    snprintf(key, sizeof key, "t|%ld|%lld", sub->id, now);
    idem_of(key, idem);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    send_request rq = {sub, secret, title, text, strlen(text), "[]", idem, 1, 1, now,
                       o->timeout_seconds};
    send_result res;
    xk_notify_send(&rq, &res);
    sodium_memzero(secret, sizeof secret);
    snprintf(answer, size, "%s", res.answer);
    if (res.outcome == SEND_OK)
        return XK_OK;
    return xk_error_set(err, XK_ECONFLICT, 0, "the service did not accept the message: %s",
                        res.answer);
}
