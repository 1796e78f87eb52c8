/*
 * What users.c and sessions.c share: the password hash, and the pieces of an account's
 * state a sign-in or an account change both touch. Callers hold the store's write bracket for
 * the functions that write.
 */
#ifndef XK_REGISTRY_USERS_INTERNAL_H
#define XK_REGISTRY_USERS_INTERNAL_H

#include <sodium.h>

#include "internal.h"

#define XK_PWHASH_MAX crypto_pwhash_STRBYTES

/* Argon2id string of a password xk_password_ok accepts. */
xk_status xk_password_hash(const char *password, size_t len, char out[XK_PWHASH_MAX],
                           xk_error *err);
/* Writes account id's password string, set at `at`. */
xk_status xk_user_set_password(xk_store *st, long long id, const char *hash, const char *at,
                               xk_error *err);
/* Ends every live session of account id. */
xk_status xk_user_end_sessions(xk_store *st, long long user_id, long long now, xk_error *err);
/* Forgets the failed sign-ins counted against account name. */
xk_status xk_signin_forget(xk_store *st, const char *name, xk_error *err);

#endif
