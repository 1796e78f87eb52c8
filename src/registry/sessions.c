/*
 * Signing in, sessions and their CSRF tokens, and the count of failed sign-ins (see
 * xuke/users.h). A session's cookie is random (libsodium), stored as a BLAKE2b hash and compared
 * with sodium_memcmp, like an API token; its CSRF token is a keyed BLAKE2b of the cookie. The
 * password is checked (Argon2id, slow on purpose) outside any write transaction, so a sign-in
 * never holds the store's writer lock while it hashes. What this module does not do: cookies,
 * headers and HTTP answers (src/server). Every function takes now from its caller; only
 * xk_signin, given now = 0, reads the clock itself, and reads it again after the password check:
 * a failure is stamped when it is known, not when the request came, so the wait that follows it
 * is not eaten by a slow hash.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "users_internal.h"
#include "xuke/limits.h"
#include "xuke/users.h"

#define SECRET_BYTES 32
#define HASH_BYTES 32
#define KEY_HEX 16
#define COOKIE_LEN (2 + KEY_HEX + 1 + 43)

/* --- cookie text, its hash and its CSRF token ------------------------------------------------ */

static void cookie_hash(const char *cookie, unsigned char out[HASH_BYTES])
{
    crypto_generichash(out, HASH_BYTES, (const unsigned char *)cookie, strlen(cookie), NULL, 0);
}

/* "s_" + 16 lower-case hex + "_" + 43 base64url: the key id, or false. */
static bool split_cookie(const char *cookie, char key_id[KEY_HEX + 1])
{
    if (!cookie || strlen(cookie) != COOKIE_LEN || strncmp(cookie, "s_", 2) != 0 ||
        cookie[2 + KEY_HEX] != '_')
        return false;
    for (int i = 0; i < KEY_HEX; i++) {
        char c = cookie[2 + i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        key_id[i] = c;
    }
    key_id[KEY_HEX] = '\0';
    for (const char *p = cookie + 3 + KEY_HEX; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

void xk_session_csrf(const char *cookie, char out[XK_CSRF_MAX])
{
    static const char context[] = "xuke csrf token v1";
    unsigned char mac[32];
    size_t klen = strlen(cookie);
    if (klen > crypto_generichash_KEYBYTES_MAX)
        klen = crypto_generichash_KEYBYTES_MAX; /* a cookie xuke made is shorter */
    crypto_generichash(mac, sizeof mac, (const unsigned char *)context, sizeof context - 1,
                       (const unsigned char *)cookie, klen);
    sodium_bin2base64(out, XK_CSRF_MAX, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool xk_session_csrf_ok(const char *cookie, const char *token)
{
    if (!cookie || !token) return false;
    char want[XK_CSRF_MAX];
    xk_session_csrf(cookie, want);
    size_t n = strlen(want);
    return strlen(token) == n && sodium_memcmp(want, token, n) == 0;
}

/* --- failed sign-ins ------------------------------------------------------------------------- */

long long xk_signin_delay(long long failures, long long free_failures)
{
    if (failures < free_failures) return 0;
    long long over = failures - free_failures;
    if (over >= 30) return XK_SIGNIN_MAX_DELAY_SECONDS;
    long long d = 2LL << over;
    return d > XK_SIGNIN_MAX_DELAY_SECONDS ? XK_SIGNIN_MAX_DELAY_SECONDS : d;
}

/* The failures counted against key that still count at now, and the time the next attempt may
 * come (0: any time). */
static xk_status failures_of(xk_store *st, const char *key, long long now, long long *failures,
                             long long *next, xk_error *err)
{
    *failures = 0;
    *next = 0;
    xk_stmt *s = xk_store_cached_stmt(
        st, "SELECT failures, last_s, next_s FROM signin_failures WHERE key = ?1", err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, key, -1);
    int step = xk_db_step(s);
    if (step == XK_DB_ROW && now - xk_db_column_int64(s, 1) < XK_SIGNIN_FORGET_SECONDS) {
        *failures = xk_db_column_int64(s, 0);
        *next = xk_db_column_int64(s, 2);
    }
    xk_db_reset(s);
    if (step != XK_DB_ROW && step != XK_DB_DONE)
        return xk_store_db_error(st, err, "reading failed sign-ins");
    return XK_OK;
}

static xk_status count_failure(xk_store *st, const char *key, long long free_failures,
                               long long now, xk_error *err)
{
    long long failures, next;
    xk_status rc = failures_of(st, key, now, &failures, &next, err);
    if (rc != XK_OK) return rc;
    failures++;
    xk_stmt *s = xk_store_cached_stmt(
        st,
        "INSERT INTO signin_failures(key, failures, last_s, next_s) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, last_s = excluded.last_s, "
        "next_s = excluded.next_s",
        err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, key, -1);
    xk_db_bind_int64(s, 2, failures);
    xk_db_bind_int64(s, 3, now);
    xk_db_bind_int64(s, 4, now + xk_signin_delay(failures, free_failures));
    int step = xk_db_step(s);
    xk_db_reset(s);
    if (step != XK_DB_DONE) return xk_store_db_error(st, err, "counting a failed sign-in");
    /* counts nobody has added to for a while are forgotten: the table stays small */
    s = xk_store_cached_stmt(st, "DELETE FROM signin_failures WHERE last_s < ?1", err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, now - XK_SIGNIN_FORGET_SECONDS);
    step = xk_db_step(s);
    xk_db_reset(s);
    return step == XK_DB_DONE ? XK_OK : xk_store_db_error(st, err, "forgetting old failures");
}

static void account_key(const char *name, char out[80])
{
    snprintf(out, 80, "u:%.70s", name);
}

xk_status xk_signin_forget(xk_store *st, const char *name, xk_error *err)
{
    char key[80];
    account_key(name, key);
    xk_stmt *s = xk_store_cached_stmt(st, "DELETE FROM signin_failures WHERE key = ?1", err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, key, -1);
    int step = xk_db_step(s);
    xk_db_reset(s);
    return step == XK_DB_DONE ? XK_OK : xk_store_db_error(st, err, "forgetting failed sign-ins");
}

/* --- signing in ---------------------------------------------------------------------------- */

typedef struct account {
    long long id;
    xk_role role;
    bool usable; /* exists, enabled, with a password string xuke wrote */
    char hash[XK_PWHASH_MAX];
    char name[XK_USER_NAME_MAX + 1];
} account;

static xk_status find_account(xk_store *st, const char *name, account *a, xk_error *err)
{
    memset(a, 0, sizeof *a);
    xk_stmt *s = xk_store_cached_stmt(
        st, "SELECT id, role, password, disabled_at, name FROM users WHERE name = ?1", err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, name, -1);
    int step = xk_db_step(s);
    if (step == XK_DB_ROW) {
        a->id = xk_db_column_int64(s, 0);
        const char *role = xk_db_column_text(s, 1), *disabled = xk_db_column_text(s, 3);
        a->usable = role && xk_role_parse(role, &a->role) && disabled && !*disabled &&
                    xk_store_text_col(s, 2, a->hash, sizeof a->hash) &&
                    xk_store_text_col(s, 4, a->name, sizeof a->name);
    }
    xk_db_reset(s);
    if (step != XK_DB_ROW && step != XK_DB_DONE)
        return xk_store_db_error(st, err, "looking up the account");
    return XK_OK;
}

/* Whether the password is the account's. An unknown or disabled account costs the same hash,
 * so the time taken does not say which names exist. */
static bool password_matches(const account *a, const char *password, size_t len)
{
    if (len == 0 || len > XK_PASSWORD_MAX_BYTES) return false;
    if (a->usable) return crypto_pwhash_str_verify(a->hash, password, len) == 0;
    char spent[XK_PWHASH_MAX];
    if (crypto_pwhash_str(spent, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return false; /* out of memory: the answer is the same */
    return false;
}

static xk_status insert_session(xk_store *st, long long user_id, const char *key_id,
                                const unsigned char hash[HASH_BYTES], long long now, xk_error *err)
{
    /* sessions that can no longer be used are dropped: the table holds the live ones */
    xk_stmt *s = xk_store_cached_stmt(
        st, "DELETE FROM sessions WHERE ended_s <> 0 OR created_s <= ?1 OR seen_s <= ?2", err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, now - XK_SESSION_MAX_SECONDS);
    xk_db_bind_int64(s, 2, now - XK_SESSION_IDLE_SECONDS);
    int step = xk_db_step(s);
    xk_db_reset(s);
    if (step != XK_DB_DONE) return xk_store_db_error(st, err, "dropping ended sessions");
    s = xk_store_cached_stmt(st,
                             "INSERT INTO sessions(key_id, hash, user_id, created_s, seen_s) "
                             "VALUES (?1, ?2, ?3, ?4, ?4)",
                             err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, key_id, -1);
    xk_db_bind_blob(s, 2, hash, HASH_BYTES, false);
    xk_db_bind_int64(s, 3, user_id);
    xk_db_bind_int64(s, 4, now);
    step = xk_db_step(s);
    xk_db_reset(s);
    return step == XK_DB_DONE ? XK_OK : xk_store_db_error(st, err, "opening the session");
}

static void new_cookie(char cookie[XK_SESSION_COOKIE_MAX], char key_id[KEY_HEX + 1])
{
    unsigned char id[KEY_HEX / 2], secret[SECRET_BYTES];
    char b64[sodium_base64_ENCODED_LEN(SECRET_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(id, sizeof id);
    randombytes_buf(secret, sizeof secret);
    sodium_bin2hex(key_id, KEY_HEX + 1, id, sizeof id);
    sodium_bin2base64(b64, sizeof b64, secret, sizeof secret,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(cookie, XK_SESSION_COOKIE_MAX, "s_%s_%s", key_id, b64);
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(b64, sizeof b64);
}

/* The sign-in's writes once the password matched: its failures forgotten, its password string
 * brought to today's cost when libsodium says so, the session stored. */
static xk_status open_session(xk_store *st, const account *a, const char *rehash, long long now,
                              const char *key_id, const unsigned char hash[HASH_BYTES],
                              xk_error *err)
{
    xk_status rc = xk_signin_forget(st, a->name, err);
    if (rc == XK_OK && *rehash) {
        char at[32];
        xk_store_now_utc(at);
        rc = xk_user_set_password(st, a->id, rehash, at, err);
    }
    if (rc == XK_OK) rc = insert_session(st, a->id, key_id, hash, now, err);
    return rc;
}

static xk_status refuse_wait(long long wait, int *retry_after, xk_error *err)
{
    *retry_after = wait > XK_SIGNIN_MAX_DELAY_SECONDS ? XK_SIGNIN_MAX_DELAY_SECONDS : (int)wait;
    return xk_error_set(err, XK_ETOOBIG, 0,
                        "too many failed sign-ins for this account or address; retry in %d s",
                        *retry_after);
}

/* The wait before the next attempt for name and address, from their counted failures. */
static xk_status wait_for(xk_store *st, const char *ukey, const char *akey, long long now,
                          long long *wait, xk_error *err)
{
    long long failures, next_u = 0, next_a;
    xk_status rc = XK_OK;
    if (ukey) rc = failures_of(st, ukey, now, &failures, &next_u, err);
    if (rc == XK_OK) rc = failures_of(st, akey, now, &failures, &next_a, err);
    if (rc != XK_OK) return rc;
    long long next = next_u > next_a ? next_u : next_a;
    *wait = next > now ? next - now : 0;
    return XK_OK;
}

static xk_status count_failures(xk_store *st, const char *ukey, const char *akey, long long now,
                                xk_error *err)
{
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK) return rc;
    if (ukey) rc = count_failure(st, ukey, XK_SIGNIN_FREE_FAILURES, now, err);
    if (rc == XK_OK) rc = count_failure(st, akey, XK_SIGNIN_FREE_FAILURES_ADDRESS, now, err);
    return xk_store_write_end(st, rc, err);
}

static void fill_info(xk_session_info *info, const char *user, xk_role role, const char *cookie,
                      long long created, long long seen)
{
    memset(info, 0, sizeof *info);
    snprintf(info->user, sizeof info->user, "%s", user);
    info->role = role;
    xk_session_csrf(cookie, info->csrf);
    info->signed_in = created;
    long long idle_end = seen + XK_SESSION_IDLE_SECONDS,
              hard_end = created + XK_SESSION_MAX_SECONDS;
    info->expires = idle_end < hard_end ? idle_end : hard_end;
}

/* The time of a sign-in's step: the caller's fixed now, or the clock's when it gave 0. */
static long long step_time(long long now)
{
    return now ? now : (long long)time(NULL);
}

xk_status xk_signin(xk_store *st, const char *name, const char *password, size_t len,
                    const char *address, long long now, char cookie[XK_SESSION_COOKIE_MAX],
                    xk_session_info *info, int *retry_after, xk_error *err)
{
    long long asked = step_time(now);
    *retry_after = 0;
    memset(info, 0, sizeof *info);
    cookie[0] = '\0';
    if (sodium_init() < 0)
        return xk_error_set(err, XK_EIO, 0, "libsodium could not be initialised");
    char ukey[80], akey[80];
    bool named = name && xk_token_name_ok(name);
    if (named) account_key(name, ukey);
    snprintf(akey, sizeof akey, "a:%.70s", address && *address ? address : "?");
    long long wait;
    xk_status rc = wait_for(st, named ? ukey : NULL, akey, asked, &wait, err);
    if (rc != XK_OK) return rc;
    if (wait > 0) return refuse_wait(wait, retry_after, err);
    account a;
    memset(&a, 0, sizeof a);
    if (named && (rc = find_account(st, name, &a, err)) != XK_OK) return rc;
    bool matches = password_matches(&a, password, len);
    long long checked = step_time(now);
    if (!matches) {
        rc = count_failures(st, named ? ukey : NULL, akey, checked, err);
        sodium_memzero(&a, sizeof a);
        if (rc != XK_OK) return rc;
        return xk_error_set(err, XK_ENOTFOUND, 0, "wrong account name or password");
    }
    char rehash[XK_PWHASH_MAX] = "";
    if (crypto_pwhash_str_needs_rehash(a.hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0 &&
        xk_password_hash(password, len, rehash, NULL) != XK_OK)
        rehash[0] = '\0'; /* kept as it was: it still verifies */
    char key_id[KEY_HEX + 1];
    unsigned char hash[HASH_BYTES];
    new_cookie(cookie, key_id);
    cookie_hash(cookie, hash);
    rc = xk_store_write_begin(st, err);
    if (rc == XK_OK)
        rc = xk_store_write_end(st, open_session(st, &a, rehash, checked, key_id, hash, err),
                                err);
    if (rc == XK_OK)
        fill_info(info, a.name, a.role, cookie, checked, checked);
    else
        sodium_memzero(cookie, XK_SESSION_COOKIE_MAX);
    sodium_memzero(&a, sizeof a);
    sodium_memzero(rehash, sizeof rehash);
    return rc;
}

/* --- using and ending a session ------------------------------------------------------------ */

typedef struct live {
    long long id, created, seen;
    xk_role role;
    char user[XK_USER_NAME_MAX + 1];
} live;

/* The live session of cookie at now into *l: XK_OK, XK_ENOTFOUND (err set) or a store error. */
static xk_status find_live(xk_store *st, const char *cookie, long long now, live *l, xk_error *err)
{
    char key_id[KEY_HEX + 1];
    memset(l, 0, sizeof *l);
    if (!split_cookie(cookie, key_id)) return xk_error_set(err, XK_ENOTFOUND, 0, "no such session");
    xk_stmt *s = xk_store_cached_stmt(
        st,
        "SELECT s.id, s.hash, s.created_s, s.seen_s, s.ended_s, u.name, u.role, u.disabled_at "
        "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.key_id = ?1",
        err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, key_id, -1);
    int step = xk_db_step(s);
    bool found = false;
    if (step == XK_DB_ROW && xk_db_column_bytes(s, 1) == HASH_BYTES) {
        unsigned char hash[HASH_BYTES];
        cookie_hash(cookie, hash);
        const char *role = xk_db_column_text(s, 6), *disabled = xk_db_column_text(s, 7);
        l->id = xk_db_column_int64(s, 0);
        l->created = xk_db_column_int64(s, 2);
        l->seen = xk_db_column_int64(s, 3);
        found = sodium_memcmp(hash, xk_db_column_blob(s, 1), HASH_BYTES) == 0 &&
                xk_db_column_int64(s, 4) == 0 && disabled && !*disabled && role &&
                xk_role_parse(role, &l->role) && now < l->created + XK_SESSION_MAX_SECONDS &&
                now < l->seen + XK_SESSION_IDLE_SECONDS &&
                xk_store_text_col(s, 5, l->user, sizeof l->user);
    }
    xk_db_reset(s);
    if (step != XK_DB_ROW && step != XK_DB_DONE)
        return xk_store_db_error(st, err, "checking a session");
    if (!found) return xk_error_set(err, XK_ENOTFOUND, 0, "no such session");
    return XK_OK;
}

static xk_status set_session(xk_store *st, const char *sql, long long id, long long now,
                             xk_error *err)
{
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK) return rc;
    xk_stmt *s = xk_store_cached_stmt(st, sql, err);
    if (!s) return xk_store_write_end(st, xk_store_stmt_failure(err), err);
    xk_db_bind_int64(s, 1, id);
    xk_db_bind_int64(s, 2, now);
    int step = xk_db_step(s);
    xk_db_reset(s);
    rc = step == XK_DB_DONE ? XK_OK : xk_store_db_error(st, err, "updating the session");
    if (rc == XK_OK && xk_db_changes(st->db) == 0)
        rc = xk_error_set(err, XK_ENOTFOUND, 0, "no such session");
    return xk_store_write_end(st, rc, err);
}

xk_status xk_session_check(xk_store *st, const char *cookie, long long now, xk_session_info *info,
                           xk_error *err)
{
    memset(info, 0, sizeof *info);
    live l;
    xk_status rc = find_live(st, cookie, now, &l, err);
    if (rc != XK_OK) return rc;
    if (now - l.seen >= XK_SESSION_TOUCH_SECONDS) {
        rc = set_session(st, "UPDATE sessions SET seen_s = ?2 WHERE id = ?1 AND ended_s = 0", l.id,
                         now, err);
        if (rc != XK_OK) return rc; /* ended meanwhile (XK_ENOTFOUND), or the store failed */
        l.seen = now;
    }
    fill_info(info, l.user, l.role, cookie, l.created, l.seen);
    return XK_OK;
}

xk_status xk_session_end(xk_store *st, const char *cookie, long long now, xk_error *err)
{
    live l;
    xk_status rc = find_live(st, cookie, now, &l, err);
    if (rc != XK_OK) return rc;
    return set_session(st, "UPDATE sessions SET ended_s = ?2 WHERE id = ?1 AND ended_s = 0", l.id,
                       now, err);
}
