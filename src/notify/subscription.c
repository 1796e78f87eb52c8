/*
 * Subscriptions as a user writes them: --days lists, quiet hours, targets that must fit their
 * channel, secret files that only their owner may read, a target shown without its tokens, and
 * the reminder step one obligation makes as of a date. Checks and words; no store, no network.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

void xk_subscription_init(xk_subscription *sub)
{
    memset(sub, 0, sizeof *sub);
    static const int days[] = {90, 30, 7, 1};
    for (size_t i = 0; i < 4; i++)
        sub->days[i] = days[i];
    sub->n_days = 4;
    sub->overdue = XK_OVERDUE_WEEKLY;
    snprintf(sub->lang, sizeof sub->lang, "zh");
    sub->quiet_from = sub->quiet_until = -1;
}

xk_status xk_notify_parse_days(const char *text, xk_subscription *sub, xk_error *err)
{
    size_t n = 0;
    const char *p = text;
    for (;;) {
        if (!isdigit((unsigned char)*p))
            return xk_error_set(err, XK_EUSAGE, 0,
                                "--days \"%s\": expected whole days separated by commas, "
                                "largest first, like 90,30,7,1",
                                text);
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || v > XK_NOTIFY_MAX_DAYS_VALUE)
            return xk_error_set(err, XK_EUSAGE, 0, "--days: %.*s is more than %d days",
                                (int)(end - p), p, XK_NOTIFY_MAX_DAYS_VALUE);
        if (n == XK_NOTIFY_MAX_DAYS)
            return xk_error_set(err, XK_EUSAGE, 0, "--days: more than %u thresholds",
                                XK_NOTIFY_MAX_DAYS);
        if (n > 0 && v >= sub->days[n - 1])
            return xk_error_set(err, XK_EUSAGE, 0,
                                "--days \"%s\" is out of order: %ld comes after %d; list the "
                                "thresholds largest first, each once",
                                text, v, sub->days[n - 1]);
        sub->days[n++] = (int)v;
        if (*end == '\0')
            break;
        if (*end != ',')
            return xk_error_set(err, XK_EUSAGE, 0,
                                "--days \"%s\": expected whole days separated by commas", text);
        p = end + 1;
    }
    sub->n_days = n;
    return XK_OK;
}

static bool clock_time(const char *s, int *minutes)
{
    if (!(isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && s[2] == ':' &&
          isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4])))
        return false;
    int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';
    if (h > 23 || m > 59)
        return false;
    *minutes = h * 60 + m;
    return true;
}

xk_status xk_notify_parse_quiet(const char *text, xk_subscription *sub, xk_error *err)
{
    int from, until;
    if (strlen(text) != 11 || text[5] != '-' || !clock_time(text, &from) ||
        !clock_time(text + 6, &until))
        return xk_error_set(err, XK_EUSAGE, 0,
                            "--quiet \"%s\": expected HH:MM-HH:MM in China's time, like "
                            "22:00-08:00",
                            text);
    if (from == until)
        return xk_error_set(err, XK_EUSAGE, 0, "--quiet \"%s\" starts and ends at once", text);
    sub->quiet_from = from;
    sub->quiet_until = until;
    return XK_OK;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* http(s)://host[:port][/path][?query], with a host and no white space or control bytes. */
static bool web_url(const char *url)
{
    const char *rest = has_prefix(url, "https://")  ? url + 8
                       : has_prefix(url, "http://") ? url + 7
                                                    : NULL;
    if (!rest || !*rest || *rest == '/' || *rest == ':' || *rest == '?')
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

static bool address(const char *a)
{
    const char *at = strchr(a, '@');
    if (!at || at == a || !at[1] || strchr(at + 1, '@') || !strchr(at + 1, '.'))
        return false;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p <= ' ' || *p == 0x7f || strchr("<>,;\"()[]\\", *p))
            return false;
    return true;
}

static xk_status check_target(const xk_subscription *sub, xk_error *err)
{
    if (sub->channel != XK_CHANNEL_EMAIL) {
        if (!web_url(sub->target))
            return xk_error_set(err, XK_EUSAGE, 0,
                                "--to \"%s\" is not an http:// or https:// URL with a host",
                                sub->target);
        return XK_OK;
    }
    if (!address(sub->target))
        return xk_error_set(err, XK_EUSAGE, 0, "--to \"%s\" is not an email address",
                            sub->target);
    if (!*sub->smtp || !(has_prefix(sub->smtp, "smtp://") || has_prefix(sub->smtp, "smtps://")))
        return xk_error_set(err, XK_EUSAGE, 0,
                            "email needs --smtp smtp://HOST:587 (STARTTLS) or "
                            "smtps://HOST:465 (TLS)");
    if (!*sub->from || !address(sub->from))
        return xk_error_set(err, XK_EUSAGE, 0, "email needs --from ADDRESS, the sender");
    return XK_OK;
}

xk_status xk_notify_check_subscription(const xk_subscription *sub, xk_error *err)
{
    if (!*xk_channel_name(sub->channel))
        return xk_error_set(err, XK_EUSAGE, 0,
                            "unknown channel: use dingtalk, wecom, feishu, webhook or email");
    xk_status rc = check_target(sub, err);
    if (rc != XK_OK)
        return rc;
    if (!sub->all && sub->n_licences == 0 && !*sub->company)
        return xk_error_set(err, XK_EUSAGE, 0,
                            "say whose deadlines: --all, --licence NUMBER or --company TEXT");
    if (sub->all && (sub->n_licences || *sub->company))
        return xk_error_set(err, XK_EUSAGE, 0, "--all takes no --licence or --company");
    if (sub->channel == XK_CHANNEL_WEBHOOK && !*sub->secret_file)
        return xk_error_set(err, XK_EUSAGE, 0,
                            "a webhook is signed: give --secret-file with its key");
    if (sub->channel == XK_CHANNEL_WECOM && *sub->secret_file)
        return xk_error_set(err, XK_EUSAGE, 0,
                            "a WeCom robot takes no secret: its key is in the URL");
    if (strcmp(sub->lang, "zh") != 0 && strcmp(sub->lang, "en") != 0)
        return xk_error_set(err, XK_EUSAGE, 0, "--lang is zh or en");
    if (*sub->secret_file) {
        char secret[XK_NOTIFY_MAX_SECRET + 2];
        rc = xk_notify_read_secret(sub->secret_file, secret, sizeof secret, err);
        sodium_memzero(secret, sizeof secret);
    }
    return rc;
}

xk_status xk_notify_read_secret(const char *path, char *out, size_t size, xk_error *err)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return xk_error_set(err, XK_EUSAGE, 0, "cannot read the secret file %s: %s", path,
                            strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return xk_error_set(err, XK_EUSAGE, 0, "the secret file %s is not a regular file", path);
    }
    if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
        close(fd);
        return xk_error_set(err, XK_EUSAGE, 0,
                            "the secret file %s can be read by others (mode %03o): make it "
                            "readable by its owner only (chmod 600 %s)",
                            path, (unsigned)(sb.st_mode & 0777), path);
    }
    char buf[XK_NOTIFY_MAX_SECRET + 2];
    ssize_t got = read(fd, buf, sizeof buf);
    close(fd);
    if (got < 0)
        return xk_error_set(err, XK_EIO, 0, "cannot read the secret file %s", path);
    size_t len = (size_t)got;
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    if (len > XK_NOTIFY_MAX_SECRET || len + 1 > size)
        return xk_error_set(err, XK_ETOOBIG, 0, "the secret in %s is longer than %u bytes", path,
                            XK_NOTIFY_MAX_SECRET);
    if (len == 0 || memchr(buf, '\n', len) || memchr(buf, '\0', len))
        return xk_error_set(err, XK_EUSAGE, 0, "the secret file %s must hold one line", path);
    memcpy(out, buf, len);
    out[len] = '\0';
    sodium_memzero(buf, sizeof buf);
    return XK_OK;
}

void xk_notify_target_shown(const xk_subscription *sub, char *out, size_t size)
{
    if (sub->channel == XK_CHANNEL_EMAIL) {
        snprintf(out, size, "%s", sub->target);
        return;
    }
    const char *q = strchr(sub->target, '?');
    size_t used = (size_t)snprintf(out, size, "%.*s",
                                   (int)(q ? (size_t)(q - sub->target) : strlen(sub->target)),
                                   sub->target);
    for (const char *p = q; p && *p && used < size;) {
        size_t name = strcspn(p + 1, "=&");
        used += (size_t)snprintf(out + used, size - used, "%c%.*s%s", *p, (int)name, p + 1,
                                 p[1 + name] == '=' ? "=***" : "");
        p = strchr(p + 1, '&');
    }
}

bool xk_notify_step(const xk_subscription *sub, xk_date as_of, xk_date due, char step[16],
                    long *left)
{
    *left = xk_date_to_days(due) - xk_date_to_days(as_of);
    if (*left >= 0) {
        for (size_t i = sub->n_days; i-- > 0;)
            if (*left <= sub->days[i]) {
                snprintf(step, 16, "d%d", sub->days[i]);
                return true;
            }
        return false;
    }
    int late = (int)-*left; /* 1 on the first day past due; dates span under 4 million days */
    if (sub->overdue == XK_OVERDUE_DAILY)
        snprintf(step, 16, "o%d", late);
    else if (sub->overdue == XK_OVERDUE_WEEKLY)
        snprintf(step, 16, "o%dw", (late - 1) / 7 + 1);
    else
        return false;
    return true;
}

void xk_notify_time(long long ms, char out[32])
{
    out[0] = '\0';
    if (ms <= 0)
        return;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void quiet_words(const xk_subscription *sub, char *out, size_t size)
{
    out[0] = '\0';
    if (sub->quiet_from >= 0)
        snprintf(out, size, "%02d:%02d-%02d:%02d", sub->quiet_from / 60, sub->quiet_from % 60,
                 sub->quiet_until / 60, sub->quiet_until % 60);
}

json_t *xk_notify_subscription_json(const xk_subscription *sub)
{
    char shown[XK_NOTIFY_MAX_TARGET * 2], quiet[48];
    xk_notify_target_shown(sub, shown, sizeof shown);
    quiet_words(sub, quiet, sizeof quiet);
    json_t *days = json_array(), *licences = json_array();
    for (size_t i = 0; i < sub->n_days; i++)
        json_array_append_new(days, json_integer(sub->days[i]));
    for (size_t i = 0; i < sub->n_licences; i++)
        json_array_append_new(licences, json_string(sub->licences[i]));
    json_t *o = json_pack("{s:I, s:s, s:s, s:b, s:o, s:s, s:b, s:o, s:s, s:s, s:b, s:s, s:s}",
                          "id", (json_int_t)sub->id, "channel", xk_channel_name(sub->channel),
                          "to", shown, "has_secret", *sub->secret_file != 0, "licences",
                          licences, "company", sub->company, "all", sub->all, "days", days,
                          "overdue", xk_overdue_name(sub->overdue), "lang", sub->lang, "digest",
                          sub->digest, "created_at", sub->created_at, "actor", sub->actor);
    if (o && sub->quiet_from >= 0)
        json_object_set_new(o, "quiet", json_string(quiet));
    if (o && sub->channel == XK_CHANNEL_EMAIL) {
        char smtp[XK_NOTIFY_MAX_TARGET + 1];
        /* the server without a user name in it */
        const char *at = strchr(sub->smtp, '@'), *scheme = strstr(sub->smtp, "://");
        if (at && scheme && at > scheme)
            snprintf(smtp, sizeof smtp, "%.*s%s", (int)(scheme + 3 - sub->smtp), sub->smtp,
                     at + 1);
        else
            snprintf(smtp, sizeof smtp, "%s", sub->smtp);
        json_object_set_new(o, "smtp", json_string(smtp));
        json_object_set_new(o, "from", json_string(sub->from));
    }
    if (o && *sub->removed_at)
        json_object_set_new(o, "removed_at", json_string(sub->removed_at));
    return o;
}

json_t *xk_notify_message_json(const xk_outbox_msg *m)
{
    char created[32], next[32], sent[32];
    xk_notify_time(m->created_ms, created);
    xk_notify_time(m->next_ms, next);
    xk_notify_time(m->sent_ms, sent);
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:I, s:s, s:s}", "id",
                          (json_int_t)m->id, "subscription", (json_int_t)m->subscription,
                          "status", m->status, "idempotency_key", m->idem, "title", m->title,
                          "attempts", m->attempts, "items", (json_int_t)m->n_items, "created_at",
                          created, "answer", m->answer);
    if (o && strcmp(m->status, "pending") == 0)
        json_object_set_new(o, "next_try_at", json_string(next));
    if (o && *sent)
        json_object_set_new(o, "sent_at", json_string(sent));
    return o;
}

/* --- a subscription from JSON (the API) ------------------------------------------------------ */

static xk_status json_text(json_t *o, const char *key, char *out, size_t size, xk_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return XK_OK;
    if (!json_is_string(v))
        return xk_error_set(err, XK_EUSAGE, 0, "\"%s\" must be a string", key);
    if (json_string_length(v) >= size)
        return xk_error_set(err, XK_EUSAGE, 0, "\"%s\" is longer than %zu bytes", key,
                            size - 1);
    snprintf(out, size, "%s", json_string_value(v));
    return XK_OK;
}

static xk_status json_licences(json_t *o, xk_subscription *sub, xk_error *err)
{
    json_t *a = json_object_get(o, "licences"), *v;
    size_t i;
    if (!a)
        return XK_OK;
    if (!json_is_array(a))
        return xk_error_set(err, XK_EUSAGE, 0, "\"licences\" must be an array of numbers");
    if (json_array_size(a) > XK_NOTIFY_MAX_LICENCES)
        return xk_error_set(err, XK_EUSAGE, 0, "more than %u licences", XK_NOTIFY_MAX_LICENCES);
    json_array_foreach(a, i, v)
    {
        xk_number n;
        const char *s = json_string_value(v);
        if (!s || !xk_number_normalise(s, strlen(s), &n))
            return xk_error_set(err, XK_EUSAGE, 0, "licences[%zu] is not a licence number", i);
        snprintf(sub->licences[sub->n_licences++], sizeof sub->licences[0], "%s", n.text);
    }
    return XK_OK;
}

static xk_status json_days(json_t *o, xk_subscription *sub, xk_error *err)
{
    json_t *a = json_object_get(o, "days"), *v;
    size_t i;
    if (!a)
        return XK_OK;
    if (json_is_string(a))
        return xk_notify_parse_days(json_string_value(a), sub, err);
    if (!json_is_array(a) || json_array_size(a) == 0)
        return xk_error_set(err, XK_EUSAGE, 0, "\"days\" must be an array of whole days");
    char text[XK_NOTIFY_MAX_DAYS * 12 + 1] = "";
    size_t used = 0;
    json_array_foreach(a, i, v)
    {
        if (!json_is_integer(v) || i >= XK_NOTIFY_MAX_DAYS + 1)
            return xk_error_set(err, XK_EUSAGE, 0, "\"days\" must be at most %u whole days",
                                XK_NOTIFY_MAX_DAYS);
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%lld", i ? "," : "",
                                 (long long)json_integer_value(v));
    }
    return xk_notify_parse_days(text, sub, err);
}

static const char *const json_fields[] = {"channel", "to",     "secret_file", "licences",
                                          "company", "all",    "days",        "overdue",
                                          "lang",    "quiet",  "digest",      "smtp",
                                          "from"};

xk_status xk_notify_subscription_from_json(json_t *o, xk_subscription *sub, xk_error *err)
{
    xk_subscription_init(sub);
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof json_fields / sizeof json_fields[0]; i++)
            known = known || strcmp(key, json_fields[i]) == 0;
        if (!known && strcmp(key, "secret") == 0)
            return xk_error_set(err, XK_EUSAGE, 0,
                                "secrets are not sent over the API: give \"secret_file\", an "
                                "owner-only file on the server");
        if (!known)
            return xk_error_set(err, XK_EUSAGE, 0, "unknown field \"%.64s\"", key);
    }
    char word[16] = "";
    xk_status rc = json_text(o, "channel", word, sizeof word, err);
    if (rc == XK_OK && !xk_channel_parse(word, &sub->channel))
        rc = xk_error_set(err, XK_EUSAGE, 0,
                          "\"channel\" is dingtalk, wecom, feishu, webhook or email");
    if (rc == XK_OK)
        rc = json_text(o, "to", sub->target, sizeof sub->target, err);
    if (rc == XK_OK)
        rc = json_text(o, "secret_file", sub->secret_file, sizeof sub->secret_file, err);
    if (rc == XK_OK)
        rc = json_text(o, "company", sub->company, sizeof sub->company, err);
    if (rc == XK_OK)
        rc = json_text(o, "smtp", sub->smtp, sizeof sub->smtp, err);
    if (rc == XK_OK)
        rc = json_text(o, "from", sub->from, sizeof sub->from, err);
    if (rc == XK_OK)
        rc = json_text(o, "lang", sub->lang, sizeof sub->lang, err);
    if (rc == XK_OK)
        rc = json_licences(o, sub, err);
    if (rc == XK_OK)
        rc = json_days(o, sub, err);
    if (rc == XK_OK && json_object_get(o, "overdue")) {
        const char *s = json_string_value(json_object_get(o, "overdue"));
        if (!s || !xk_overdue_parse(s, &sub->overdue))
            rc = xk_error_set(err, XK_EUSAGE, 0, "\"overdue\" is daily, weekly or off");
    }
    if (rc == XK_OK && json_object_get(o, "quiet")) {
        const char *s = json_string_value(json_object_get(o, "quiet"));
        rc = s ? xk_notify_parse_quiet(s, sub, err)
               : xk_error_set(err, XK_EUSAGE, 0, "\"quiet\" is HH:MM-HH:MM");
    }
    sub->all = json_is_true(json_object_get(o, "all"));
    sub->digest = json_is_true(json_object_get(o, "digest"));
    if (rc == XK_OK && !*sub->target)
        rc = xk_error_set(err, XK_EUSAGE, 0, "\"to\" is required");
    return rc == XK_OK ? xk_notify_check_subscription(sub, err) : rc;
}
