/*
 * API tokens (see xuke/tokens.h): random secrets from libsodium, stored as BLAKE2b hashes,
 * compared with sodium_memcmp. Creating and revoking go through the audit log.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xuke/tokens.h"

static const char *const role_names[] = {"none", "reader", "editor", "admin"};

const char *xk_role_name(xk_role r)
{
    return r <= XK_ROLE_ADMIN ? role_names[r] : "none";
}

bool xk_role_parse(const char *s, xk_role *out)
{
    int r = xk_store_name_index(role_names, XK_ROLE_READER, XK_ROLE_ADMIN, s);
    if (r >= 0) *out = (xk_role)r;
    return r >= 0;
}

bool xk_token_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > XK_TOKEN_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

#define SECRET_BYTES 32
#define HASH_BYTES 32

static void token_hash(const char *token, unsigned char out[HASH_BYTES])
{
    crypto_generichash(out, HASH_BYTES, (const unsigned char *)token, strlen(token), NULL, 0);
}

static xk_status create_locked(xk_store *st, const char *name, xk_role role, const char *key_id,
                               const unsigned char hash[HASH_BYTES], xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(
        st, "SELECT 1 FROM tokens WHERE name = ?1 AND revoked_at IS NULL", err);
    if (!s)
        return XK_EDB;
    xk_db_bind_text(s, 1, name, -1);
    int step = xk_db_step(s);
    xk_db_reset(s);
    if (step == XK_DB_ROW)
        return xk_error_set(err, XK_ECONFLICT, 0, "a live token named %s exists: revoke it first",
                            name);
    s = xk_store_cached_stmt(st, "SELECT 1 FROM users WHERE name = ?1", err);
    if (!s)
        return XK_EDB;
    xk_db_bind_text(s, 1, name, -1);
    step = xk_db_step(s);
    xk_db_reset(s);
    if (step == XK_DB_ROW)
        return xk_error_set(err, XK_ECONFLICT, 0,
                            "an account is named %s: the audit log could not tell the two apart",
                            name);
    char at[32];
    xk_store_now_utc(at);
    s = xk_store_cached_stmt(st,
                             "INSERT INTO tokens(name, role, key_id, hash, created_at) "
                             "VALUES (?1, ?2, ?3, ?4, ?5)",
                             err);
    if (!s)
        return XK_EDB;
    xk_db_bind_text(s, 1, name, -1);
    xk_db_bind_text(s, 2, xk_role_name(role), -1);
    xk_db_bind_text(s, 3, key_id, -1);
    xk_db_bind_blob(s, 4, hash, HASH_BYTES, false);
    xk_db_bind_text(s, 5, at, -1);
    step = xk_db_step(s);
    xk_db_reset(s);
    if (step != XK_DB_DONE)
        return xk_store_db_error(st, err, "creating the token");
    char detail[128];
    snprintf(detail, sizeof detail, "token %s created, role %s", name, xk_role_name(role));
    return xk_audit_append_at(st, at, "token_create", "", detail, err);
}

xk_status xk_token_create(xk_store *st, const char *name, xk_role role, char token[XK_TOKEN_MAX],
                          xk_error *err)
{
    if (!xk_token_name_ok(name))
        return xk_error_set(err, XK_EUSAGE, 0,
                            "token name \"%s\" must be 1-%d of A-Z a-z 0-9 . _ -", name,
                            XK_TOKEN_NAME_MAX);
    if (role < XK_ROLE_READER || role > XK_ROLE_ADMIN)
        return xk_error_set(err, XK_EUSAGE, 0, "a token needs a role: reader, editor or admin");
    if (sodium_init() < 0)
        return xk_error_set(err, XK_EIO, 0, "libsodium could not be initialised");
    unsigned char id[8], secret[SECRET_BYTES], hash[HASH_BYTES];
    char key_id[17], b64[sodium_base64_ENCODED_LEN(SECRET_BYTES,
                                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(id, sizeof id);
    randombytes_buf(secret, sizeof secret);
    sodium_bin2hex(key_id, sizeof key_id, id, sizeof id);
    sodium_bin2base64(b64, sizeof b64, secret, sizeof secret,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(token, XK_TOKEN_MAX, "xk_%s_%s", key_id, b64);
    token_hash(token, hash);
    sodium_memzero(secret, sizeof secret);
    xk_status rc = xk_store_write_begin(st, err);
    if (rc == XK_OK)
        rc = xk_store_write_end(st, create_locked(st, name, role, key_id, hash, err), err);
    if (rc != XK_OK)
        sodium_memzero(token, XK_TOKEN_MAX);
    return rc;
}

/* False when a stored field is longer than xuke writes it (never cut). */
static bool read_info(xk_stmt *s, xk_token_info *t)
{
    memset(t, 0, sizeof *t);
    if (!xk_role_parse((const char *)xk_db_column_text(s, 1), &t->role))
        t->role = XK_ROLE_NONE;
    return xk_store_text_col(s, 0, t->name, sizeof t->name) &&
           xk_store_text_col(s, 2, t->key_id, sizeof t->key_id) &&
           xk_store_text_col(s, 3, t->created_at, sizeof t->created_at) &&
           xk_store_text_col(s, 4, t->revoked_at, sizeof t->revoked_at);
}

xk_status xk_token_list(xk_store *st, xk_token_info **out, size_t *n, xk_error *err)
{
    *out = NULL;
    *n = 0;
    xk_stmt *s = xk_store_cached_stmt(
        st, "SELECT name, role, key_id, created_at, revoked_at FROM tokens ORDER BY id", err);
    if (!s)
        return XK_EDB;
    size_t cap = 0;
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            xk_token_info *grown = realloc(*out, cap * sizeof **out);
            if (!grown) {
                xk_db_reset(s);
                free(*out);
                *out = NULL;
                return xk_error_set(err, XK_ENOMEM, 0, "out of memory listing tokens");
            }
            *out = grown;
        }
        if (!read_info(s, &(*out)[(*n)++])) {
            xk_db_reset(s);
            free(*out);
            *out = NULL;
            *n = 0;
            return xk_store_too_long(err, "token", "");
        }
    }
    xk_db_reset(s);
    return step == XK_DB_DONE ? XK_OK : xk_store_db_error(st, err, "listing tokens");
}

static xk_status revoke_locked(xk_store *st, const char *name, xk_error *err)
{
    char at[32];
    xk_store_now_utc(at);
    xk_stmt *s = xk_store_cached_stmt(
        st, "UPDATE tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL", err);
    if (!s)
        return XK_EDB;
    xk_db_bind_text(s, 1, name, -1);
    xk_db_bind_text(s, 2, at, -1);
    int step = xk_db_step(s);
    xk_db_reset(s);
    if (step != XK_DB_DONE)
        return xk_store_db_error(st, err, "revoking the token");
    if (xk_db_changes(st->db) == 0)
        return xk_error_set(err, XK_ENOTFOUND, 0, "no live token is named %s", name);
    char detail[128];
    snprintf(detail, sizeof detail, "token %s revoked", name);
    return xk_audit_append_at(st, at, "token_revoke", "", detail, err);
}

xk_status xk_token_revoke(xk_store *st, const char *name, xk_error *err)
{
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    return xk_store_write_end(st, revoke_locked(st, name, err), err);
}

/* "xk_" + 16 lower-case hex + "_" + 43 base64url: the key id, or false. */
static bool split_token(const char *token, char key_id[17])
{
    size_t n = strlen(token);
    if (n != 3 + 16 + 1 + 43 || strncmp(token, "xk_", 3) != 0 || token[19] != '_')
        return false;
    for (int i = 0; i < 16; i++) {
        char c = token[3 + i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
        key_id[i] = c;
    }
    key_id[16] = '\0';
    return true;
}

xk_status xk_token_check(xk_store *st, const char *token, xk_token_info *out, xk_error *err)
{
    char key_id[17];
    if (!split_token(token, key_id))
        return xk_error_set(err, XK_ENOTFOUND, 0, "not a valid token");
    xk_stmt *s =
        xk_store_cached_stmt(st,
                             "SELECT name, role, key_id, created_at, revoked_at, hash "
                             "FROM tokens WHERE key_id = ?1 AND revoked_at IS NULL",
                             err);
    if (!s)
        return XK_EDB;
    xk_db_bind_text(s, 1, key_id, -1);
    int step = xk_db_step(s);
    xk_status rc = XK_ENOTFOUND;
    if (step == XK_DB_ROW && xk_db_column_bytes(s, 5) == HASH_BYTES) {
        unsigned char hash[HASH_BYTES];
        token_hash(token, hash);
        if (sodium_memcmp(hash, xk_db_column_blob(s, 5), HASH_BYTES) == 0) {
            if (!read_info(s, out)) {
                xk_db_reset(s);
                return xk_store_too_long(err, "token", "");
            }
            rc = XK_OK;
        }
    } else if (step != XK_DB_ROW && step != XK_DB_DONE) {
        rc = xk_store_db_error(st, err, "checking a token");
        xk_db_reset(s);
        return rc;
    }
    xk_db_reset(s);
    if (rc != XK_OK)
        xk_error_set(err, XK_ENOTFOUND, 0, "not a valid token");
    return rc;
}
