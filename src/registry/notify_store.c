/*
 * The registry's side of reminders: subscriptions, the ledger of reminders decided and the outbox
 * of messages (notify_store.h). Deciding what is due and sending it is the notify layer's
 * (src/notify/); this file stores and reads plain rows, so the registry never calls it.
 *
 * Once-only rests on two unique keys: the ledger's (subscription, occurrence, step), written in
 * the transaction that decides a reminder together with the message that carries it, and the
 * outbox's key. A rerun finds both and decides nothing again; a message is sent until a send is
 * confirmed, and only a claim (status 'sending' until claimed_ms) keeps two senders apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xuke/notify_store.h"

static const char *const channel_names[] = {"", "dingtalk", "wecom", "feishu", "webhook",
                                            "email"};
static const char *const overdue_names[] = {"off", "daily", "weekly"};

const char *xk_channel_name(xk_channel c)
{
    return c >= XK_CHANNEL_DINGTALK && c <= XK_CHANNEL_EMAIL ? channel_names[c] : "";
}

bool xk_channel_parse(const char *s, xk_channel *out)
{
    int c = xk_store_name_index(channel_names, XK_CHANNEL_DINGTALK, XK_CHANNEL_EMAIL, s);
    if (c >= 0) *out = (xk_channel)c;
    return c >= 0;
}

const char *xk_overdue_name(xk_overdue o)
{
    return o >= XK_OVERDUE_OFF && o <= XK_OVERDUE_WEEKLY ? overdue_names[o] : "";
}

bool xk_overdue_parse(const char *s, xk_overdue *out)
{
    int o = xk_store_name_index(overdue_names, XK_OVERDUE_OFF, XK_OVERDUE_WEEKLY, s);
    if (o >= 0) *out = (xk_overdue)o;
    return o >= 0;
}

static xk_status too_long(xk_error *err, const char *what, long id)
{
    char name[48];
    snprintf(name, sizeof name, "%s %ld", what, id);
    return xk_store_too_long(err, "text", name);
}

/* Whole or refused, as every fixed field read from the store: *whole turns false when a stored
 * text is longer than its field (written outside xuke), and the reader answers an error. */
static void text_into(xk_stmt *s, int col, char *dst, size_t size, bool *whole)
{
    if (!xk_store_text_col(s, col, dst, size))
        *whole = false;
}

static xk_status prepare(xk_store *st, const char *sql, xk_stmt **s, xk_error *err)
{
    if (xk_db_prepare(st->db, sql, s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading or writing reminders");
    return XK_OK;
}

static xk_status step_done(xk_store *st, xk_stmt *s, xk_error *err)
{
    int rc = xk_db_step(s);
    if (rc != XK_DB_DONE && rc != XK_DB_ROW)
        return xk_store_db_error(st, err, "writing reminders");
    return XK_OK;
}

static bool bind_all(xk_stmt *s, const char *const *texts, int first, int n)
{
    for (int i = 0; i < n; i++)
        if (xk_db_bind_text(s, first + i, texts[i], -1) != XK_DB_OK)
            return false;
    return true;
}

/* --- subscriptions ------------------------------------------------------------------------- */

static void join_days(const xk_subscription *sub, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sub->n_days && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%d", i ? "," : "", sub->days[i]);
}

static void join_licences(const xk_subscription *sub, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sub->n_licences && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "\n" : "", sub->licences[i]);
}

static xk_status insert_subscription(xk_store *st, xk_subscription *sub, xk_error *err)
{
    char days[XK_NOTIFY_MAX_DAYS * 8], licences[XK_NOTIFY_MAX_LICENCES * 64];
    join_days(sub, days, sizeof days);
    join_licences(sub, licences, sizeof licences);
    xk_stmt *s;
    xk_status rc = prepare(st,
                           "INSERT INTO subscriptions(channel, target, smtp, sender, secret_file, "
                           "licences, company, all_licences, days, overdue, lang, quiet_from, "
                           "quiet_until, digest, created_at, actor) "
                           "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                           &s, err);
    if (rc != XK_OK)
        return rc;
    const char *first[] = {xk_channel_name(sub->channel), sub->target, sub->smtp, sub->from,
                           sub->secret_file, licences, sub->company};
    const char *mid[] = {days, xk_overdue_name(sub->overdue), sub->lang};
    const char *last[] = {sub->created_at, sub->actor};
    if (!bind_all(s, first, 1, 7) || xk_db_bind_int(s, 8, sub->all) != XK_DB_OK ||
        !bind_all(s, mid, 9, 3) || xk_db_bind_int(s, 12, sub->quiet_from) != XK_DB_OK ||
        xk_db_bind_int(s, 13, sub->quiet_until) != XK_DB_OK ||
        xk_db_bind_int(s, 14, sub->digest) != XK_DB_OK || !bind_all(s, last, 15, 2))
        rc = xk_store_db_error(st, err, "storing a subscription");
    if (rc == XK_OK && xk_db_step(s) != XK_DB_ROW)
        rc = xk_store_db_error(st, err, "storing a subscription");
    if (rc == XK_OK)
        sub->id = (long)xk_db_column_int64(s, 0);
    xk_db_finalize(s);
    if (rc == XK_OK) {
        char detail[512];
        snprintf(detail, sizeof detail, "subscription %ld: %s, %s", sub->id,
                 xk_channel_name(sub->channel),
                 sub->all ? "all licences" : *sub->company ? "a company" : "named licences");
        rc = xk_audit_append_at(st, sub->created_at, "notify_add", "", detail, err);
    }
    return rc;
}

xk_status xk_store_subscription_add(xk_store *st, xk_subscription *sub, xk_error *err)
{
    xk_store_now_utc(sub->created_at);
    snprintf(sub->actor, sizeof sub->actor, "%s", st->actor);
    sub->removed_at[0] = '\0';
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, insert_subscription(st, sub, err), err);
}

static xk_status remove_locked(xk_store *st, long id, xk_error *err)
{
    char at[32];
    xk_store_now_utc(at);
    xk_stmt *s;
    xk_status rc = prepare(st, "UPDATE subscriptions SET removed_at = ?2 "
                               "WHERE id = ?1 AND removed_at = ''",
                           &s, err);
    if (rc != XK_OK)
        return rc;
    xk_db_bind_int64(s, 1, id);
    xk_db_bind_text(s, 2, at, -1);
    rc = step_done(st, s, err);
    xk_db_finalize(s);
    if (rc == XK_OK && xk_db_changes(st->db) == 0)
        return xk_error_set(err, XK_ENOTFOUND, 0, "no live subscription %ld", id);
    if (rc == XK_OK) {
        rc = prepare(st, "UPDATE outbox SET status = 'cancelled' WHERE subscription_id = ?1 "
                         "AND status IN ('pending', 'sending')",
                     &s, err);
        if (rc != XK_OK)
            return rc;
        xk_db_bind_int64(s, 1, id);
        rc = step_done(st, s, err);
        xk_db_finalize(s);
    }
    if (rc == XK_OK) {
        char detail[64];
        snprintf(detail, sizeof detail, "subscription %ld removed", id);
        rc = xk_audit_append_at(st, at, "notify_remove", "", detail, err);
    }
    return rc;
}

xk_status xk_store_subscription_remove(xk_store *st, long id, xk_error *err)
{
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, remove_locked(st, id, err), err);
}

static void split_days(const char *text, xk_subscription *sub)
{
    sub->n_days = 0;
    for (const char *p = text; *p && sub->n_days < XK_NOTIFY_MAX_DAYS;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        sub->days[sub->n_days++] = (int)v;
        p = *end == ',' ? end + 1 : end;
    }
}

static void split_licences(const char *text, xk_subscription *sub)
{
    sub->n_licences = 0;
    for (const char *p = text; *p && sub->n_licences < XK_NOTIFY_MAX_LICENCES;) {
        size_t len = strcspn(p, "\n");
        snprintf(sub->licences[sub->n_licences++], sizeof sub->licences[0], "%.*s", (int)len, p);
        p += len + (p[len] == '\n');
    }
}

#define SUB_COLUMNS                                                                            \
    "id, channel, target, smtp, sender, secret_file, licences, company, all_licences, days, "  \
    "overdue, lang, quiet_from, quiet_until, digest, created_at, actor, removed_at"

static bool read_subscription(xk_stmt *s, xk_subscription *sub)
{
    bool whole = true;
    char word[32], text[XK_NOTIFY_MAX_LICENCES * 64];
    memset(sub, 0, sizeof *sub);
    sub->id = (long)xk_db_column_int64(s, 0);
    text_into(s, 1, word, sizeof word, &whole);
    xk_channel_parse(word, &sub->channel);
    text_into(s, 2, sub->target, sizeof sub->target, &whole);
    text_into(s, 3, sub->smtp, sizeof sub->smtp, &whole);
    text_into(s, 4, sub->from, sizeof sub->from, &whole);
    text_into(s, 5, sub->secret_file, sizeof sub->secret_file, &whole);
    text_into(s, 6, text, sizeof text, &whole);
    split_licences(text, sub);
    text_into(s, 7, sub->company, sizeof sub->company, &whole);
    sub->all = xk_db_column_int(s, 8) != 0;
    text_into(s, 9, text, sizeof text, &whole);
    split_days(text, sub);
    text_into(s, 10, word, sizeof word, &whole);
    xk_overdue_parse(word, &sub->overdue);
    text_into(s, 11, sub->lang, sizeof sub->lang, &whole);
    sub->quiet_from = xk_db_column_int(s, 12);
    sub->quiet_until = xk_db_column_int(s, 13);
    sub->digest = xk_db_column_int(s, 14) != 0;
    text_into(s, 15, sub->created_at, sizeof sub->created_at, &whole);
    text_into(s, 16, sub->actor, sizeof sub->actor, &whole);
    text_into(s, 17, sub->removed_at, sizeof sub->removed_at, &whole);
    return whole;
}

xk_status xk_store_subscriptions(xk_store *st, bool include_removed, xk_subscription **out,
                                 size_t *n, xk_error *err)
{
    *out = NULL;
    *n = 0;
    xk_stmt *s;
    xk_status rc = prepare(st,
                           include_removed ? "SELECT " SUB_COLUMNS " FROM subscriptions ORDER BY id"
                                           : "SELECT " SUB_COLUMNS " FROM subscriptions "
                                             "WHERE removed_at = '' ORDER BY id",
                           &s, err);
    if (rc != XK_OK)
        return rc;
    size_t cap = 0;
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            xk_subscription *grown = realloc(*out, cap * sizeof *grown);
            if (!grown) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
            *out = grown;
        }
        if (!read_subscription(s, &(*out)[*n])) {
            rc = too_long(err, "subscription", (*out)[*n].id);
            break;
        }
        (*n)++;
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading subscriptions");
    xk_db_finalize(s);
    if (rc != XK_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

xk_status xk_store_subscription_get(xk_store *st, long id, xk_subscription *out, xk_error *err)
{
    xk_stmt *s;
    xk_status rc =
        prepare(st, "SELECT " SUB_COLUMNS " FROM subscriptions WHERE id = ?1", &s, err);
    if (rc != XK_OK)
        return rc;
    xk_db_bind_int64(s, 1, id);
    int step = xk_db_step(s);
    if (step == XK_DB_ROW) {
        if (!read_subscription(s, out))
            rc = too_long(err, "subscription", out->id);
    } else if (step == XK_DB_DONE)
        rc = xk_error_set(err, XK_ENOTFOUND, 0, "no subscription %ld", id);
    else
        rc = xk_store_db_error(st, err, "reading a subscription");
    xk_db_finalize(s);
    return rc;
}

/* --- the ledger ------------------------------------------------------------------------------ */

xk_status xk_store_notice_decide(xk_store *st, long sub, const char *occurrence,
                                 const char *step, bool *fresh, xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(
        st, "INSERT INTO notices(subscription_id, occurrence, step) VALUES (?1,?2,?3) "
            "ON CONFLICT DO NOTHING",
        err);
    if (!s)
        return XK_EDB;
    xk_db_bind_int64(s, 1, sub);
    xk_db_bind_text(s, 2, occurrence, -1);
    xk_db_bind_text(s, 3, step, -1);
    xk_status rc = step_done(st, s, err);
    xk_db_reset(s);
    *fresh = rc == XK_OK && xk_db_changes(st->db) == 1;
    return rc;
}

xk_status xk_store_notices_attach(xk_store *st, long sub, long message_id, size_t *n,
                                  xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(st,
                                           "UPDATE notices SET message_id = ?2 "
                                           "WHERE subscription_id = ?1 AND message_id IS NULL",
                                           err);
    if (!s)
        return XK_EDB;
    xk_db_bind_int64(s, 1, sub);
    xk_db_bind_int64(s, 2, message_id);
    xk_status rc = step_done(st, s, err);
    xk_db_reset(s);
    *n = rc == XK_OK ? (size_t)xk_db_changes(st->db) : 0;
    return rc;
}

xk_status xk_store_notices_waiting(xk_store *st, long sub, size_t *n, xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(
        st, "SELECT count(*) FROM notices WHERE subscription_id = ?1 AND message_id IS NULL",
        err);
    if (!s)
        return XK_EDB;
    xk_db_bind_int64(s, 1, sub);
    xk_status rc = XK_OK;
    if (xk_db_step(s) == XK_DB_ROW)
        *n = (size_t)xk_db_column_int64(s, 0);
    else
        rc = xk_store_db_error(st, err, "reading reminders");
    xk_db_reset(s);
    return rc;
}

/* --- the outbox ------------------------------------------------------------------------------ */

xk_status xk_store_outbox_add(xk_store *st, xk_outbox_msg *m, bool *fresh, xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(
        st,
        "INSERT INTO outbox(subscription_id, key, idem, status, created_ms, next_ms, title, text, "
        "items, n_items) VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8, ?9) "
        "ON CONFLICT DO NOTHING RETURNING id",
        err);
    if (!s)
        return XK_EDB;
    xk_db_bind_int64(s, 1, m->subscription);
    const char *texts[] = {m->key, m->idem};
    bind_all(s, texts, 2, 2);
    xk_db_bind_int64(s, 4, m->created_ms);
    xk_db_bind_int64(s, 5, m->next_ms);
    const char *body[] = {m->title, m->text ? m->text : "", m->items ? m->items : "[]"};
    bind_all(s, body, 6, 3);
    xk_db_bind_int64(s, 9, (long long)m->n_items);
    int step = xk_db_step(s);
    *fresh = step == XK_DB_ROW; /* a key already there returns no id */
    if (*fresh) {
        m->id = (long)xk_db_column_int64(s, 0);
        snprintf(m->status, sizeof m->status, "pending");
    }
    xk_db_reset(s);
    return step == XK_DB_ROW || step == XK_DB_DONE ? XK_OK
                                                   : xk_store_db_error(st, err, "writing the outbox");
}

xk_status xk_store_outbox_exists(xk_store *st, const char *key, bool *exists, xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(st, "SELECT 1 FROM outbox WHERE key = ?1", err);
    if (!s)
        return XK_EDB;
    xk_db_bind_text(s, 1, key, -1);
    int step = xk_db_step(s);
    *exists = step == XK_DB_ROW;
    xk_db_reset(s);
    return step == XK_DB_ROW || step == XK_DB_DONE
               ? XK_OK
               : xk_store_db_error(st, err, "reading the outbox");
}

#define MSG_COLUMNS                                                                            \
    "o.id, o.subscription_id, o.key, o.idem, o.status, o.attempts, o.parts_sent, o.created_ms, " \
    "o.next_ms, o.claimed_ms, o.first_try_ms, o.sent_ms, o.title, o.n_items, o.answer"

static bool read_msg(xk_stmt *s, xk_outbox_msg *m)
{
    bool whole = true;
    memset(m, 0, sizeof *m);
    m->id = (long)xk_db_column_int64(s, 0);
    m->subscription = (long)xk_db_column_int64(s, 1);
    text_into(s, 2, m->key, sizeof m->key, &whole);
    text_into(s, 3, m->idem, sizeof m->idem, &whole);
    text_into(s, 4, m->status, sizeof m->status, &whole);
    m->attempts = xk_db_column_int(s, 5);
    m->parts_sent = xk_db_column_int(s, 6);
    m->created_ms = xk_db_column_int64(s, 7);
    m->next_ms = xk_db_column_int64(s, 8);
    m->claimed_ms = xk_db_column_int64(s, 9);
    m->first_try_ms = xk_db_column_int64(s, 10);
    m->sent_ms = xk_db_column_int64(s, 11);
    text_into(s, 12, m->title, sizeof m->title, &whole);
    m->n_items = (size_t)xk_db_column_int64(s, 13);
    text_into(s, 14, m->answer, sizeof m->answer, &whole);
    return whole;
}

static char *column_dup(xk_stmt *s, int col)
{
    const char *v = xk_db_column_text(s, col);
    return strdup(v ? v : "");
}

void xk_outbox_msgs_free(xk_outbox_msg *m, size_t n)
{
    for (size_t i = 0; m && i < n; i++) {
        free(m[i].text);
        free(m[i].items);
    }
    free(m);
}

static xk_status read_msgs(xk_store *st, xk_stmt *s, bool with_text, xk_outbox_msg **out,
                           size_t *n, xk_error *err)
{
    size_t cap = 0;
    int step;
    xk_status rc = XK_OK;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            xk_outbox_msg *grown = realloc(*out, cap * sizeof *grown);
            if (!grown) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
            *out = grown;
        }
        xk_outbox_msg *m = &(*out)[(*n)++];
        if (!read_msg(s, m)) {
            rc = too_long(err, "reminder", m->id);
            break;
        }
        if (with_text) {
            m->text = column_dup(s, 15);
            m->items = column_dup(s, 16);
            if (!m->text || !m->items) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
        }
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading the outbox");
    if (rc != XK_OK) {
        xk_outbox_msgs_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

xk_status xk_store_outbox_due(xk_store *st, long long now_ms, xk_outbox_msg **out, size_t *n,
                              xk_error *err)
{
    *out = NULL;
    *n = 0;
    xk_stmt *s;
    xk_status rc = prepare(st,
                           "SELECT " MSG_COLUMNS ", o.text, o.items FROM outbox o "
                           "JOIN subscriptions s ON s.id = o.subscription_id "
                           "WHERE s.removed_at = '' AND ((o.status = 'pending' AND o.next_ms <= ?1)"
                           " OR (o.status = 'sending' AND o.claimed_ms <= ?1)) ORDER BY o.id",
                           &s, err);
    if (rc != XK_OK)
        return rc;
    xk_db_bind_int64(s, 1, now_ms);
    rc = read_msgs(st, s, true, out, n, err);
    xk_db_finalize(s);
    return rc;
}

xk_status xk_store_outbox_claim(xk_store *st, long id, long long now_ms, long long until_ms,
                                bool *got, xk_error *err)
{
    *got = false;
    xk_stmt *s;
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    rc = prepare(st,
                 "UPDATE outbox SET status = 'sending', claimed_ms = ?3 WHERE id = ?1 AND "
                 "((status = 'pending' AND next_ms <= ?2) OR (status = 'sending' AND "
                 "claimed_ms <= ?2))",
                 &s, err);
    if (rc == XK_OK) {
        xk_db_bind_int64(s, 1, id);
        xk_db_bind_int64(s, 2, now_ms);
        xk_db_bind_int64(s, 3, until_ms);
        rc = step_done(st, s, err);
        xk_db_finalize(s);
        *got = rc == XK_OK && xk_db_changes(st->db) == 1;
    }
    return xk_store_write_end(st, rc, err);
}

xk_status xk_store_outbox_update(xk_store *st, const xk_outbox_msg *m, xk_error *err)
{
    xk_stmt *s;
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    rc = prepare(st,
                 "UPDATE outbox SET status = ?2, attempts = ?3, parts_sent = ?4, next_ms = ?5, "
                 "first_try_ms = ?6, sent_ms = ?7, answer = ?8, claimed_ms = 0 WHERE id = ?1",
                 &s, err);
    if (rc == XK_OK) {
        xk_db_bind_int64(s, 1, m->id);
        xk_db_bind_text(s, 2, m->status, -1);
        xk_db_bind_int(s, 3, m->attempts);
        xk_db_bind_int(s, 4, m->parts_sent);
        xk_db_bind_int64(s, 5, m->next_ms);
        xk_db_bind_int64(s, 6, m->first_try_ms);
        xk_db_bind_int64(s, 7, m->sent_ms);
        xk_db_bind_text(s, 8, m->answer, -1);
        rc = step_done(st, s, err);
        xk_db_finalize(s);
    }
    return xk_store_write_end(st, rc, err);
}

xk_status xk_store_outbox_log(xk_store *st, bool failed_only, size_t limit, xk_outbox_msg **out,
                              size_t *n, xk_error *err)
{
    *out = NULL;
    *n = 0;
    xk_stmt *s;
    xk_status rc = prepare(st,
                           failed_only ? "SELECT " MSG_COLUMNS " FROM outbox o WHERE "
                                         "o.status = 'failed' ORDER BY o.id DESC LIMIT ?1"
                                       : "SELECT " MSG_COLUMNS " FROM outbox o "
                                         "ORDER BY o.id DESC LIMIT ?1",
                           &s, err);
    if (rc != XK_OK)
        return rc;
    xk_db_bind_int64(s, 1, limit ? (long long)limit : -1);
    rc = read_msgs(st, s, false, out, n, err);
    xk_db_finalize(s);
    return rc;
}
