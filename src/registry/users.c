/*
 * Local accounts (see xuke/users.h): names, roles and Argon2id password strings from libsodium
 * (crypto_pwhash_str at the "interactive" cost). Adding, disabling and changing a password go
 * through the audit log; what the log says names the account, never the password. Sessions and
 * sign-in are in sessions.c.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "users_internal.h"
#include "xuke/limits.h"
#include "xuke/text.h"
#include "xuke/users.h"

xk_status xk_password_ok(const char *password, size_t len, xk_error *err)
{
    if (len < XK_PASSWORD_MIN_BYTES)
        return xk_error_set(err, XK_EUSAGE, 0, "a password needs at least %u bytes",
                            XK_PASSWORD_MIN_BYTES);
    if (len > XK_PASSWORD_MAX_BYTES)
        return xk_error_set(err, XK_EUSAGE, 0, "a password may have at most %u bytes",
                            XK_PASSWORD_MAX_BYTES);
    if (!xk_utf8_valid(password, len, NULL))
        return xk_error_set(err, XK_EUSAGE, 0, "a password must be UTF-8 text");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)password[i];
        if (c < 0x20 || c == 0x7f)
            return xk_error_set(err, XK_EUSAGE, 0,
                                "a password may not hold control characters (a line end, a tab)");
    }
    return XK_OK;
}

xk_status xk_password_hash(const char *password, size_t len, char out[XK_PWHASH_MAX], xk_error *err)
{
    xk_status rc = xk_password_ok(password, len, err);
    if (rc != XK_OK) return rc;
    if (sodium_init() < 0)
        return xk_error_set(err, XK_EIO, 0, "libsodium could not be initialised");
    if (crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory hashing the password");
    return XK_OK;
}

/* The account row for name: its id, or 0 when there is none; disabled says whether it is. */
static xk_status find_user(xk_store *st, const char *name, long long *id, bool *disabled,
                           xk_error *err)
{
    *id = 0;
    xk_stmt *s = xk_store_cached_stmt(st, "SELECT id, disabled_at FROM users WHERE name = ?1", err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, name, -1);
    int step = xk_db_step(s);
    if (step == XK_DB_ROW) {
        *id = xk_db_column_int64(s, 0);
        const char *d = xk_db_column_text(s, 1);
        *disabled = d && *d;
    }
    xk_db_reset(s);
    if (step != XK_DB_ROW && step != XK_DB_DONE)
        return xk_store_db_error(st, err, "looking up the account");
    return XK_OK;
}

static xk_status name_free(xk_store *st, const char *name, xk_error *err)
{
    long long id;
    bool disabled;
    xk_status rc = find_user(st, name, &id, &disabled, err);
    if (rc != XK_OK) return rc;
    if (id)
        return xk_error_set(err, XK_ECONFLICT, 0, "an account named %s exists%s", name,
                            disabled ? " (disabled)" : "");
    xk_stmt *s = xk_store_cached_stmt(
        st, "SELECT 1 FROM tokens WHERE name = ?1 AND revoked_at IS NULL", err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, name, -1);
    int step = xk_db_step(s);
    xk_db_reset(s);
    if (step == XK_DB_ROW)
        return xk_error_set(err, XK_ECONFLICT, 0,
                            "a live token is named %s: the audit log could not tell the two apart",
                            name);
    return step == XK_DB_DONE ? XK_OK : xk_store_db_error(st, err, "looking up tokens");
}

static xk_status add_locked(xk_store *st, const char *name, xk_role role, const char *hash,
                            xk_error *err)
{
    xk_status rc = name_free(st, name, err);
    if (rc != XK_OK) return rc;
    char at[32];
    xk_store_now_utc(at);
    xk_stmt *s = xk_store_cached_stmt(st,
                                      "INSERT INTO users(name, role, password, created_at, "
                                      "password_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                                      err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, name, -1);
    xk_db_bind_text(s, 2, xk_role_name(role), -1);
    xk_db_bind_text(s, 3, hash, -1);
    xk_db_bind_text(s, 4, at, -1);
    int step = xk_db_step(s);
    xk_db_reset(s);
    if (step != XK_DB_DONE) return xk_store_db_error(st, err, "adding the account");
    char detail[128];
    snprintf(detail, sizeof detail, "account %s added, role %s", name, xk_role_name(role));
    return xk_audit_append_at(st, at, "user_add", "", detail, err);
}

xk_status xk_user_add(xk_store *st, const char *name, xk_role role, const char *password,
                      size_t len, xk_error *err)
{
    if (!xk_token_name_ok(name))
        return xk_error_set(err, XK_EUSAGE, 0,
                            "account name \"%s\" must be 1-%d of A-Z a-z 0-9 . _ -", name,
                            XK_USER_NAME_MAX);
    if (role < XK_ROLE_READER || role > XK_ROLE_ADMIN)
        return xk_error_set(err, XK_EUSAGE, 0, "an account needs a role: reader, editor or admin");
    char hash[XK_PWHASH_MAX];
    xk_status rc = xk_password_hash(password, len, hash, err);
    if (rc != XK_OK) return rc;
    rc = xk_store_write_begin(st, err);
    if (rc == XK_OK) rc = xk_store_write_end(st, add_locked(st, name, role, hash, err), err);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

/* False when a stored field is longer than xuke writes it (never cut). */
static bool read_info(xk_stmt *s, xk_user_info *u)
{
    memset(u, 0, sizeof *u);
    const char *role = xk_db_column_text(s, 1);
    if (!role || !xk_role_parse(role, &u->role)) u->role = XK_ROLE_NONE;
    return xk_store_text_col(s, 0, u->name, sizeof u->name) &&
           xk_store_text_col(s, 2, u->created_at, sizeof u->created_at) &&
           xk_store_text_col(s, 3, u->password_at, sizeof u->password_at) &&
           xk_store_text_col(s, 4, u->disabled_at, sizeof u->disabled_at);
}

xk_status xk_user_list(xk_store *st, xk_user_info **out, size_t *n, xk_error *err)
{
    *out = NULL;
    *n = 0;
    xk_stmt *s = xk_store_cached_stmt(
        st, "SELECT name, role, created_at, password_at, disabled_at FROM users ORDER BY id", err);
    if (!s) return xk_store_stmt_failure(err);
    size_t cap = 0;
    int step;
    xk_status rc = XK_OK;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            xk_user_info *grown = realloc(*out, cap * sizeof **out);
            if (!grown) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory listing accounts");
                break;
            }
            *out = grown;
        }
        if (!read_info(s, &(*out)[(*n)++])) {
            rc = xk_store_too_long(err, "account", "");
            break;
        }
    }
    xk_db_reset(s);
    if (rc == XK_OK && step != XK_DB_DONE) rc = xk_store_db_error(st, err, "listing accounts");
    if (rc != XK_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

xk_status xk_user_end_sessions(xk_store *st, long long user_id, long long now, xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(
        st, "UPDATE sessions SET ended_s = ?2 WHERE user_id = ?1 AND ended_s = 0", err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, user_id);
    xk_db_bind_int64(s, 2, now);
    int step = xk_db_step(s);
    xk_db_reset(s);
    return step == XK_DB_DONE ? XK_OK : xk_store_db_error(st, err, "ending the sessions");
}

static xk_status disable_locked(xk_store *st, const char *name, xk_error *err)
{
    long long id;
    bool disabled = false;
    xk_status rc = find_user(st, name, &id, &disabled, err);
    if (rc != XK_OK) return rc;
    if (!id) return xk_error_set(err, XK_ENOTFOUND, 0, "no account is named %s", name);
    if (disabled) return xk_error_set(err, XK_ECONFLICT, 0, "account %s is disabled already", name);
    char at[32];
    xk_store_now_utc(at);
    xk_stmt *s = xk_store_cached_stmt(st, "UPDATE users SET disabled_at = ?2 WHERE id = ?1", err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, id);
    xk_db_bind_text(s, 2, at, -1);
    int step = xk_db_step(s);
    xk_db_reset(s);
    if (step != XK_DB_DONE) return xk_store_db_error(st, err, "disabling the account");
    rc = xk_user_end_sessions(st, id, (long long)time(NULL), err);
    if (rc != XK_OK) return rc;
    char detail[128];
    snprintf(detail, sizeof detail, "account %s disabled, its sessions ended", name);
    return xk_audit_append_at(st, at, "user_disable", "", detail, err);
}

xk_status xk_user_disable(xk_store *st, const char *name, xk_error *err)
{
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK) return rc;
    return xk_store_write_end(st, disable_locked(st, name, err), err);
}

static xk_status passwd_locked(xk_store *st, const char *name, const char *hash, xk_error *err)
{
    long long id;
    bool disabled = false;
    xk_status rc = find_user(st, name, &id, &disabled, err);
    if (rc != XK_OK) return rc;
    if (!id) return xk_error_set(err, XK_ENOTFOUND, 0, "no account is named %s", name);
    char at[32];
    xk_store_now_utc(at);
    rc = xk_user_set_password(st, id, hash, at, err);
    if (rc == XK_OK) rc = xk_user_end_sessions(st, id, (long long)time(NULL), err);
    if (rc == XK_OK) rc = xk_signin_forget(st, name, err);
    if (rc != XK_OK) return rc;
    char detail[128];
    snprintf(detail, sizeof detail, "account %s: password changed, its sessions ended", name);
    return xk_audit_append_at(st, at, "user_passwd", "", detail, err);
}

xk_status xk_user_passwd(xk_store *st, const char *name, const char *password, size_t len,
                         xk_error *err)
{
    char hash[XK_PWHASH_MAX];
    xk_status rc = xk_password_hash(password, len, hash, err);
    if (rc != XK_OK) return rc;
    rc = xk_store_write_begin(st, err);
    if (rc == XK_OK) rc = xk_store_write_end(st, passwd_locked(st, name, hash, err), err);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

xk_status xk_user_set_password(xk_store *st, long long id, const char *hash, const char *at,
                               xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(
        st, "UPDATE users SET password = ?2, password_at = ?3 WHERE id = ?1", err);
    if (!s) return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, id);
    xk_db_bind_text(s, 2, hash, -1);
    xk_db_bind_text(s, 3, at, -1);
    int step = xk_db_step(s);
    xk_db_reset(s);
    return step == XK_DB_DONE ? XK_OK : xk_store_db_error(st, err, "setting the password");
}
