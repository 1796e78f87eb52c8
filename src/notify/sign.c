/*
 * The signatures each service checks, as its documentation defines them: HMAC-SHA256 from
 * libsodium (crypto_auth_hmacsha256 with a key of any length), base64 from sodium_bin2base64,
 * and percent-encoding of the base64 for DingTalk's query string. No hand-written crypto.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "xuke/notify.h"

static void hmac(const void *key, size_t key_len, const void *msg, size_t msg_len,
                 unsigned char out[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key, key_len);
    crypto_auth_hmacsha256_update(&state, msg, msg_len);
    crypto_auth_hmacsha256_final(&state, out);
    sodium_memzero(&state, sizeof state);
}

static bool base64(const unsigned char *bin, size_t len, char *out, size_t size)
{
    if (size < sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL))
        return false;
    sodium_bin2base64(out, size, bin, len, sodium_base64_VARIANT_ORIGINAL);
    return true;
}

bool xk_notify_url_encode(const char *in, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || strchr("-_.~", *p);
        if (o + (plain ? 1 : 3) >= size)
            return false;
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (o >= size)
        return false;
    out[o] = '\0';
    return true;
}

/* "<timestamp>\n<secret>", which DingTalk signs with the secret and Feishu uses as the key; its
 * length, or 0 when it does not fit. */
static size_t stamped(char *buf, size_t size, long long timestamp, const char *secret)
{
    int len = snprintf(buf, size, "%lld\n%s", timestamp, secret);
    return len < 0 || (size_t)len >= size ? 0 : (size_t)len;
}

bool xk_notify_sign_dingtalk(const char *secret, long long timestamp_ms, char *out, size_t size)
{
    char msg[XK_NOTIFY_MAX_SECRET + 32];
    size_t len = stamped(msg, sizeof msg, timestamp_ms, secret);
    if (!len)
        return false;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    hmac(secret, strlen(secret), msg, len, mac);
    sodium_memzero(msg, sizeof msg);
    char b64[64];
    return base64(mac, sizeof mac, b64, sizeof b64) && xk_notify_url_encode(b64, out, size);
}

bool xk_notify_sign_feishu(const char *secret, long long timestamp_s, char *out, size_t size)
{
    char key[XK_NOTIFY_MAX_SECRET + 32];
    size_t len = stamped(key, sizeof key, timestamp_s, secret);
    if (!len)
        return false;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    hmac(key, len, "", 0, mac);
    sodium_memzero(key, sizeof key);
    return base64(mac, sizeof mac, out, size);
}

bool xk_notify_sign_webhook(const char *secret, long long timestamp_s, const char *body,
                            size_t len, char *out, size_t size)
{
    crypto_auth_hmacsha256_state state;
    char stamp[32];
    snprintf(stamp, sizeof stamp, "%lld.", timestamp_s);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&state, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)stamp, strlen(stamp));
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&state, mac);
    sodium_memzero(&state, sizeof state);
    char hex[2 * sizeof mac + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    int w = snprintf(out, size, "t=%lld,v1=%s", timestamp_s, hex);
    return w > 0 && (size_t)w < size;
}
