/*
 * API tokens for the server: a name (the actor in the audit trail), a role, and a secret shown
 * once at creation. Only a BLAKE2b hash of the token is stored (libsodium's generichash: the
 * tokens are 256-bit random, so a fast hash suffices); checking compares hashes in constant
 * time. Tokens live in the store, so every process that opens it sees the same set.
 *
 * Token text: "xk_" + 16 hex digits (the key id, to find the row) + "_" + 43 base64url
 * characters (the secret).
 */
#ifndef XUKE_TOKENS_H
#define XUKE_TOKENS_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/error.h"
#include "xuke/store.h"

typedef enum xk_role { XK_ROLE_NONE = 0, XK_ROLE_READER, XK_ROLE_EDITOR, XK_ROLE_ADMIN } xk_role;

const char *xk_role_name(xk_role r);
/* "reader", "editor" or "admin"; false otherwise. */
bool xk_role_parse(const char *s, xk_role *out);

#define XK_TOKEN_MAX 96
#define XK_TOKEN_NAME_MAX 63

typedef struct xk_token_info {
    char name[XK_TOKEN_NAME_MAX + 1];
    xk_role role;
    char key_id[17];
    char created_at[32];
    char revoked_at[32]; /* "" while live */
} xk_token_info;

/* A name is 1–63 of A–Z a–z 0–9 . _ - (it appears in logs and the audit trail). */
bool xk_token_name_ok(const char *name);

/* Creates a live token named name (XK_ECONFLICT if a live one has that name); the token text
 * goes to token, which the caller shows once. Audited. */
xk_status xk_token_create(xk_store *st, const char *name, xk_role role, char token[XK_TOKEN_MAX],
                          xk_error *err);
/* Every token, live and revoked, oldest first. Caller frees *out. */
xk_status xk_token_list(xk_store *st, xk_token_info **out, size_t *n, xk_error *err);
/* Revokes the live token named name (XK_ENOTFOUND if none). Audited. */
xk_status xk_token_revoke(xk_store *st, const char *name, xk_error *err);
/* The live token this text is: XK_OK with *out filled, XK_ENOTFOUND when it is malformed,
 * unknown, revoked or wrong (one answer for all, so a caller learns nothing). */
xk_status xk_token_check(xk_store *st, const char *token, xk_token_info *out, xk_error *err);

#endif
