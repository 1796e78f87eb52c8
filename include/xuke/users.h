/*
 * Local accounts and their sessions, kept in the store so every process that opens it (several
 * servers on one PostgreSQL registry, the CLI) sees the same people.
 *
 * An account is a name (the actor in the audit trail, the same 1-63 of A-Z a-z 0-9 . _ - as a
 * token's, and never the name of a live token), a role (reader, editor, admin: the token
 * roles) and a password stored only as a libsodium Argon2id string (crypto_pwhash_str). No
 * function here writes a password anywhere but into that hash, and no message quotes one.
 *
 * A session is opened by signing in. Its cookie text is "s_" + 16 hex digits (the key id, to
 * find the row) + "_" + 43 base64url characters (256 random bits); only a BLAKE2b hash of it is
 * stored, compared in constant time. It ends when signed out (server side: the row is marked),
 * when idle for XK_SESSION_IDLE_SECONDS, XK_SESSION_MAX_SECONDS after sign-in, or when its
 * account is disabled or its password changed. Its CSRF token is derived from the cookie
 * (keyed BLAKE2b), so it needs no storage and a page that cannot read the cookie cannot forge it.
 *
 * Failed sign-ins are counted per account and per client address; past a few free failures each
 * next attempt for that account or address waits (doubling, capped) before a password is even
 * checked.
 *
 * Times are passed in as seconds since the epoch (now), so tests can step over the limits.
 */
#ifndef XUKE_USERS_H
#define XUKE_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/error.h"
#include "xuke/store.h"
#include "xuke/tokens.h"

#define XK_USER_NAME_MAX XK_TOKEN_NAME_MAX
#define XK_SESSION_COOKIE_MAX 72 /* "s_" + 16 + "_" + 43 + NUL, with room */
#define XK_CSRF_MAX 48           /* 43 base64url characters + NUL */

typedef struct xk_user_info {
    char name[XK_USER_NAME_MAX + 1];
    xk_role role;
    char created_at[32];
    char password_at[32]; /* when the password was last set */
    char disabled_at[32]; /* "" while the account may sign in */
} xk_user_info;

/* A password xuke accepts: XK_PASSWORD_MIN_BYTES to XK_PASSWORD_MAX_BYTES bytes of valid UTF-8
 * without control characters. XK_OK, or XK_EUSAGE saying what is wrong (never quoting it). */
xk_status xk_password_ok(const char *password, size_t len, xk_error *err);

/* Adds account name with role and password (XK_ECONFLICT when the name is taken by an account
 * or a live token). Audited. The password is hashed before the write begins. */
xk_status xk_user_add(xk_store *st, const char *name, xk_role role, const char *password,
                      size_t len, xk_error *err);
/* Every account, oldest first. Caller frees *out. */
xk_status xk_user_list(xk_store *st, xk_user_info **out, size_t *n, xk_error *err);
/* Disables account name (XK_ENOTFOUND if none, XK_ECONFLICT if already disabled) and ends
 * its sessions. Audited. */
xk_status xk_user_disable(xk_store *st, const char *name, xk_error *err);
/* Sets a new password for account name, ends its sessions and forgets its failed sign-ins.
 * Audited (that it changed, never what to). */
xk_status xk_user_passwd(xk_store *st, const char *name, const char *password, size_t len,
                         xk_error *err);

typedef struct xk_session_info {
    char user[XK_USER_NAME_MAX + 1];
    xk_role role;
    char csrf[XK_CSRF_MAX];
    long long signed_in; /* seconds since the epoch */
    long long expires;   /* the sooner of the idle and the absolute end, as of now */
} xk_session_info;

/* The delay a next attempt waits after failures failed ones, with free failures allowed first:
 * 0, then 2, 4, 8, … seconds up to XK_SIGNIN_MAX_DELAY_SECONDS. */
long long xk_signin_delay(long long failures, long long free_failures);

/*
 * Signs name in with password from address (the client's, for the per-address count) at now, or
 * with now = 0 at the clock's time, read before the check (the wait) and after it (a failure's
 * stamp, the session's start).
 * XK_OK: cookie holds the new session's cookie text and *info its facts. XK_ENOTFOUND: the name
 * or password is wrong, or the account disabled (one answer for all). XK_ETOOBIG with
 * *retry_after > 0: too many failures for this account or address; nothing was checked.
 * Other codes: the store failed.
 */
xk_status xk_signin(xk_store *st, const char *name, const char *password, size_t len,
                    const char *address, long long now, char cookie[XK_SESSION_COOKIE_MAX],
                    xk_session_info *info, int *retry_after, xk_error *err);
/* The live session this cookie text is, at now: XK_OK with *info, or XK_ENOTFOUND when it is
 * malformed, unknown, ended, expired or its account disabled (one answer for all). Notes the use
 * (for the idle limit) at most once every XK_SESSION_TOUCH_SECONDS. */
xk_status xk_session_check(xk_store *st, const char *cookie, long long now, xk_session_info *info,
                           xk_error *err);
/* Ends the session of this cookie text (XK_ENOTFOUND when it names no live one). */
xk_status xk_session_end(xk_store *st, const char *cookie, long long now, xk_error *err);
/* The CSRF token of a session, from its cookie text. */
void xk_session_csrf(const char *cookie, char out[XK_CSRF_MAX]);
/* Whether token is the CSRF token of cookie (constant time). */
bool xk_session_csrf_ok(const char *cookie, const char *token);

#endif
