/*
 * Internals shared by the notify modules: message text (message.c), the channels' requests and
 * how each service's answer is judged (channels.c), and percent-encoding (sign.c).
 */
#ifndef XK_NOTIFY_INTERNAL_H
#define XK_NOTIFY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"
#include "xuke/agenda.h"
#include "xuke/notify.h"

/* RFC 3986 unreserved characters kept, every other byte %XX. False when out is too small. */
bool xk_notify_url_encode(const char *in, char *out, size_t size);

/* One reminder as a message shows it. */
typedef struct notice_item {
    const char *number;
    const char *company;
    const xk_obligation *ob;
    long left; /* days left; negative when overdue */
} notice_item;

/* Appends the item's lines (in lang) to text, and its JSON object to items (a JSON array being
 * built: the caller writes the brackets and commas). */
void xk_notify_render_item(xk_buf *text, xk_buf *items, const notice_item *it, const char *lang,
                           const char *base_url);
/* The title of a message: one reminder's ("续办申请 京B2-… 还有 30 天") or a digest's. */
void xk_notify_title(char *out, size_t size, const notice_item *it, size_t n_items,
                     const char *lang, xk_date as_of);

/* The most bytes one part of a message may have on channel c (0: no splitting). */
size_t xk_notify_part_limit(xk_channel c);
/* Splits text into parts of at most limit bytes: at line ends, a longer line at a character
 * boundary. Returns the number of parts; starts[i], lens[i] (arrays of max entries) locate
 * them. */
size_t xk_notify_split(const char *text, size_t limit, size_t *starts, size_t *lens, size_t max);

typedef enum send_outcome {
    SEND_OK,       /* the service confirmed it */
    SEND_RETRY,    /* try again later: no answer, 429, 5xx, the service's rate limit */
    SEND_REJECTED  /* the service refused it for a reason no retry mends */
} send_outcome;

typedef struct send_result {
    send_outcome outcome;
    long retry_after; /* seconds the service asked for (Retry-After), 0 when none */
    char answer[XK_NOTIFY_ANSWER_BYTES + 1];
} send_result;

/* What one send carries. */
typedef struct send_request {
    const xk_subscription *sub;
    const char *secret; /* "" when the subscription has none */
    const char *title;
    const char *text;   /* this part */
    size_t text_len;
    const char *items;  /* JSON array (webhook) */
    const char *idem;   /* idempotency key */
    int part, parts;    /* 1-based */
    long long now_ms;
    int timeout_seconds;
} send_request;

void xk_notify_send(const send_request *rq, send_result *res);

#endif
