/*
 * What the registry keeps for reminders (src/notify/): subscriptions (who is told of which
 * licences' deadlines, through which channel, when) and the durable outbox (the messages decided
 * and their delivery), with the ledger of reminders already decided, one row per (obligation
 * occurrence, threshold, subscription). Plain rows and store calls only: deciding what is due and
 * sending it is the notify layer's (notify.h), which writes through these calls; the registry
 * never calls it.
 *
 * Secrets are never in the store: a subscription names the file (owner-only) that holds its
 * secret, so no listing, backup or API answer can show one.
 *
 * Ownership: arrays returned through **out belong to the caller (free(), or
 * xk_outbox_msgs_free for messages, whose text is allocated per message).
 */
#ifndef XUKE_NOTIFY_STORE_H
#define XUKE_NOTIFY_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/error.h"
#include "xuke/limits.h"
#include "xuke/store.h"

typedef enum xk_channel {
    XK_CHANNEL_DINGTALK = 1,
    XK_CHANNEL_WECOM,
    XK_CHANNEL_FEISHU,
    XK_CHANNEL_WEBHOOK,
    XK_CHANNEL_EMAIL
} xk_channel;

typedef enum xk_overdue { XK_OVERDUE_OFF, XK_OVERDUE_DAILY, XK_OVERDUE_WEEKLY } xk_overdue;

typedef struct xk_subscription {
    long id;
    xk_channel channel;
    char target[XK_NOTIFY_MAX_TARGET + 1]; /* robot or webhook URL, or the email recipient */
    char smtp[XK_NOTIFY_MAX_TARGET + 1];   /* email: smtp:// or smtps:// server, "" otherwise */
    char from[XK_NOTIFY_MAX_TARGET + 1];   /* email: the sender's address */
    char secret_file[XK_NOTIFY_MAX_TARGET + 1]; /* "" when the channel takes none */
    char licences[XK_NOTIFY_MAX_LICENCES][64];
    size_t n_licences;
    char company[XK_NOTIFY_MAX_COMPANY + 1]; /* any part of the company's name; "" = none */
    bool all;
    int days[XK_NOTIFY_MAX_DAYS]; /* thresholds, strictly decreasing */
    size_t n_days;
    xk_overdue overdue;
    char lang[3];        /* "zh" or "en" */
    int quiet_from;      /* minutes after midnight, Asia/Shanghai; -1: no quiet hours */
    int quiet_until;
    bool digest;
    char created_at[32];
    char actor[64];
    char removed_at[32]; /* "" while live */
} xk_subscription;

/* "dingtalk", … and back (false when s names none). */
const char *xk_channel_name(xk_channel c);
bool xk_channel_parse(const char *s, xk_channel *out);
const char *xk_overdue_name(xk_overdue o);
bool xk_overdue_parse(const char *s, xk_overdue *out);

/* Stores sub (its id is set) with an audit entry. */
xk_status xk_store_subscription_add(xk_store *st, xk_subscription *sub, xk_error *err);
/* Marks subscription id removed (kept for the log) and cancels its unsent messages;
 * XK_ENOTFOUND for an unknown or already removed one. */
xk_status xk_store_subscription_remove(xk_store *st, long id, xk_error *err);
/* Live subscriptions (removed ones too when include_removed), by id. */
xk_status xk_store_subscriptions(xk_store *st, bool include_removed, xk_subscription **out,
                                 size_t *n, xk_error *err);
/* One subscription, removed or not; XK_ENOTFOUND when there is none. */
xk_status xk_store_subscription_get(xk_store *st, long id, xk_subscription *out, xk_error *err);

/* --- the ledger and the outbox ----------------------------------------------------------------- */

/* Records that reminder (occurrence, step) of subscription sub is decided; *fresh is false when
 * it was decided before (nothing written). Inside the caller's transaction. */
xk_status xk_store_notice_decide(xk_store *st, long sub, const char *occurrence,
                                 const char *step, bool *fresh, xk_error *err);
/* Hands every decided reminder of sub not yet in a message to message_id; *n receives how many. */
xk_status xk_store_notices_attach(xk_store *st, long sub, long message_id, size_t *n,
                                  xk_error *err);
/* How many reminders of sub wait for a message (digests). */
xk_status xk_store_notices_waiting(xk_store *st, long sub, size_t *n, xk_error *err);

typedef struct xk_outbox_msg {
    long id;
    long subscription;
    char key[256];  /* unique: what the message is for (reminder or digest and day) */
    char idem[40];  /* the idempotency key a receiver sees */
    char status[12]; /* pending, sending, sent, failed, cancelled */
    int attempts;
    int parts_sent; /* a message split for its channel: parts confirmed so far */
    long long created_ms, next_ms, claimed_ms, first_try_ms, sent_ms;
    char title[256];
    char *text;  /* the message, in its subscription's language; owned by the array */
    char *items; /* the reminders it carries, as a JSON array; owned by the array */
    size_t n_items;
    char answer[XK_NOTIFY_ANSWER_BYTES + 1]; /* the service's last answer, or the error */
} xk_outbox_msg;

/* Adds m (pending, its id set) unless a message with m->key exists: *fresh says which. */
xk_status xk_store_outbox_add(xk_store *st, xk_outbox_msg *m, bool *fresh, xk_error *err);
/* Whether a message with key exists. */
xk_status xk_store_outbox_exists(xk_store *st, const char *key, bool *exists, xk_error *err);
/* Messages ready to send at now_ms: pending ones whose time has come, and ones claimed by a
 * sender whose claim lapsed (it died mid-send), of live subscriptions, oldest first. */
xk_status xk_store_outbox_due(xk_store *st, long long now_ms, xk_outbox_msg **out, size_t *n,
                              xk_error *err);
/* Claims message id for a send until until_ms, if nobody else holds it: *got says whether. */
xk_status xk_store_outbox_claim(xk_store *st, long id, long long now_ms, long long until_ms,
                                bool *got, xk_error *err);
/* Writes the outcome of a send: status, attempts, parts_sent, next_ms, first_try_ms, sent_ms and
 * answer from m. */
xk_status xk_store_outbox_update(xk_store *st, const xk_outbox_msg *m, xk_error *err);
/* The delivery log, newest first (only failed ones when failed_only; at most limit when > 0);
 * text and items are left NULL. */
xk_status xk_store_outbox_log(xk_store *st, bool failed_only, size_t limit, xk_outbox_msg **out,
                              size_t *n, xk_error *err);
void xk_outbox_msgs_free(xk_outbox_msg *m, size_t n);

#endif
