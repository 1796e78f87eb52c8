/*
 * Unit tests of accounts, passwords, sessions, CSRF tokens and the slowing of failed sign-ins
 * (xuke/users.h) on a fresh SQLite store. Expected values come from the limits as documented
 * (XK_SESSION_IDLE_SECONDS, XK_SIGNIN_FREE_FAILURES, …), from libsodium itself (a stored
 * password string must verify with crypto_pwhash_str_verify and be Argon2id) and from the rows
 * read back with SQLite directly, not through the module under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "xuke/xuke.h"

#define PW "correct horse battery"
#define PW_LEN (sizeof PW - 1)

typedef struct fixture {
    char dir[64];
    char path[128];
    xk_store *st;
    long long now;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/xuke-users-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/t.db", fx->dir);
    xk_error err;
    assert_int_equal(xk_store_open(fx->path, &fx->st, &err), XK_OK);
    xk_store_set_actor(fx->st, "tester");
    fx->now = (long long)time(NULL);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    xk_store_close(fx->st);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
    if (system(cmd) != 0) return 1;
    free(fx);
    return 0;
}

/* One text value from the store file, read with SQLite itself; "" when no row. */
static void query_text(const fixture *fx, const char *sql, char *out, size_t size)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    out[0] = '\0';
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static void add(fixture *fx, const char *name, xk_role role)
{
    xk_error err;
    assert_int_equal(xk_user_add(fx->st, name, role, PW, PW_LEN, &err), XK_OK);
}

static xk_status sign_in(fixture *fx, const char *name, const char *pw, const char *address,
                         long long now, char cookie[XK_SESSION_COOKIE_MAX], int *retry)
{
    xk_session_info info;
    xk_error err;
    int unused;
    return xk_signin(fx->st, name, pw, strlen(pw), address, now, cookie, &info,
                     retry ? retry : &unused, &err);
}

/* --- passwords and accounts ------------------------------------------------------------------ */

static void test_password_rules(void **state)
{
    (void)state;
    xk_error err;
    assert_int_equal(xk_password_ok("short", 5, &err), XK_EUSAGE);
    assert_non_null(strstr(err.message, "at least"));
    assert_null(strstr(err.message, "short")); /* never quoted */
    char big[XK_PASSWORD_MAX_BYTES + 1];
    memset(big, 'a', sizeof big);
    assert_int_equal(xk_password_ok(big, sizeof big, &err), XK_EUSAGE);
    assert_int_equal(xk_password_ok(big, XK_PASSWORD_MAX_BYTES, &err), XK_OK);
    assert_int_equal(xk_password_ok("tab\tinside it", 13, &err), XK_EUSAGE);
    assert_int_equal(xk_password_ok("bad \xff utf-8 here", 17, &err), XK_EUSAGE);
    assert_int_equal(xk_password_ok("口令是十个字节以上", strlen("口令是十个字节以上"), &err),
                     XK_OK);
}

static void test_password_stored_as_argon2id_only(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_EDITOR);
    char hash[256];
    query_text(fx, "SELECT password FROM users WHERE name = 'alice'", hash, sizeof hash);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_null(strstr(hash, PW));
    assert_int_equal(crypto_pwhash_str_verify(hash, PW, PW_LEN), 0);
    assert_int_not_equal(crypto_pwhash_str_verify(hash, "another password", 16), 0);
    char audit[512];
    query_text(fx,
               "SELECT actor || ' ' || action || ' ' || detail FROM audit "
               "WHERE action = 'user_add'",
               audit, sizeof audit);
    assert_string_equal(audit, "tester user_add account alice added, role editor");
}

static void test_account_names_are_unique_with_tokens(void **state)
{
    fixture *fx = *state;
    xk_error err;
    add(fx, "alice", XK_ROLE_READER);
    assert_int_equal(xk_user_add(fx->st, "alice", XK_ROLE_ADMIN, PW, PW_LEN, &err), XK_ECONFLICT);
    char token[XK_TOKEN_MAX];
    assert_int_equal(xk_token_create(fx->st, "alice", XK_ROLE_READER, token, &err), XK_ECONFLICT);
    assert_int_equal(xk_token_create(fx->st, "ci", XK_ROLE_READER, token, &err), XK_OK);
    assert_int_equal(xk_user_add(fx->st, "ci", XK_ROLE_READER, PW, PW_LEN, &err), XK_ECONFLICT);
    assert_int_equal(xk_user_add(fx->st, "bad name", XK_ROLE_READER, PW, PW_LEN, &err), XK_EUSAGE);
    assert_int_equal(xk_user_add(fx->st, "bob", XK_ROLE_NONE, PW, PW_LEN, &err), XK_EUSAGE);
}

static void test_list_shows_roles_and_disabled(void **state)
{
    fixture *fx = *state;
    xk_error err;
    add(fx, "alice", XK_ROLE_READER);
    add(fx, "bob", XK_ROLE_ADMIN);
    assert_int_equal(xk_user_disable(fx->st, "bob", &err), XK_OK);
    assert_int_equal(xk_user_disable(fx->st, "bob", &err), XK_ECONFLICT);
    assert_int_equal(xk_user_disable(fx->st, "carol", &err), XK_ENOTFOUND);
    xk_user_info *u;
    size_t n;
    assert_int_equal(xk_user_list(fx->st, &u, &n, &err), XK_OK);
    assert_int_equal(n, 2);
    assert_string_equal(u[0].name, "alice");
    assert_int_equal(u[0].role, XK_ROLE_READER);
    assert_string_equal(u[0].disabled_at, "");
    assert_string_equal(u[1].name, "bob");
    assert_int_equal(u[1].role, XK_ROLE_ADMIN);
    assert_int_not_equal(u[1].disabled_at[0], '\0');
    free(u);
}

/* --- signing in and sessions ------------------------------------------------------------------ */

static void test_signin_opens_a_session_with_the_role(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_EDITOR);
    char cookie[XK_SESSION_COOKIE_MAX];
    xk_session_info info;
    xk_error err;
    int retry;
    assert_int_equal(
        xk_signin(fx->st, "alice", PW, PW_LEN, "127.0.0.1", fx->now, cookie, &info, &retry, &err),
        XK_OK);
    assert_string_equal(info.user, "alice");
    assert_int_equal(info.role, XK_ROLE_EDITOR);
    assert_int_equal(info.expires, fx->now + XK_SESSION_IDLE_SECONDS);
    xk_session_info again;
    assert_int_equal(xk_session_check(fx->st, cookie, fx->now + 5, &again, &err), XK_OK);
    assert_string_equal(again.user, "alice");
    assert_int_equal(again.role, XK_ROLE_EDITOR);
    assert_string_equal(again.csrf, info.csrf);
}

static void test_wrong_password_and_unknown_name_answer_alike(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_EDITOR);
    char cookie[XK_SESSION_COOKIE_MAX];
    xk_session_info info;
    xk_error wrong, unknown;
    int retry;
    assert_int_equal(xk_signin(fx->st, "alice", "not the password", 16, "10.0.0.1", fx->now, cookie,
                               &info, &retry, &wrong),
                     XK_ENOTFOUND);
    assert_string_equal(cookie, "");
    assert_int_equal(xk_signin(fx->st, "nobody", PW, PW_LEN, "10.0.0.1", fx->now, cookie, &info,
                               &retry, &unknown),
                     XK_ENOTFOUND);
    assert_string_equal(wrong.message, unknown.message);
    assert_null(strstr(wrong.message, "not the password"));
}

static void test_session_id_is_stored_hashed(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_READER);
    char cookie[XK_SESSION_COOKIE_MAX];
    assert_int_equal(sign_in(fx, "alice", PW, "127.0.0.1", fx->now, cookie, NULL), XK_OK);
    char row[512];
    query_text(fx, "SELECT key_id || ' ' || hex(hash) FROM sessions", row, sizeof row);
    const char *secret = cookie + 2 + 16 + 1; /* "s_" KEY "_" SECRET; SECRET may hold "_" */
    assert_int_equal(strlen(secret), 43);
    assert_null(strstr(row, secret));
    /* the stored hash is BLAKE2b-256 of the cookie text (libsodium, computed here) */
    unsigned char h[32];
    char hex[65];
    crypto_generichash(h, sizeof h, (const unsigned char *)cookie, strlen(cookie), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    for (char *p = hex; *p; p++)
        if (*p >= 'a') *p = (char)(*p - 'a' + 'A');
    assert_non_null(strstr(row, hex));
}

static void test_tampered_cookie_is_refused(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_READER);
    char cookie[XK_SESSION_COOKIE_MAX];
    assert_int_equal(sign_in(fx, "alice", PW, "127.0.0.1", fx->now, cookie, NULL), XK_OK);
    xk_session_info info;
    xk_error err;
    size_t n = strlen(cookie);
    cookie[n - 1] = cookie[n - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(xk_session_check(fx->st, cookie, fx->now, &info, &err), XK_ENOTFOUND);
    assert_int_equal(xk_session_check(fx->st, "s_zz", fx->now, &info, &err), XK_ENOTFOUND);
    assert_int_equal(xk_session_check(fx->st, "", fx->now, &info, &err), XK_ENOTFOUND);
}

static void test_idle_session_expires(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_READER);
    char a[XK_SESSION_COOKIE_MAX], b[XK_SESSION_COOKIE_MAX];
    assert_int_equal(sign_in(fx, "alice", PW, "127.0.0.1", fx->now, a, NULL), XK_OK);
    assert_int_equal(sign_in(fx, "alice", PW, "127.0.0.1", fx->now, b, NULL), XK_OK);
    xk_session_info info;
    xk_error err;
    long long t = fx->now;
    /* used within the idle limit, session a lives on past it counted from sign-in */
    assert_int_equal(xk_session_check(fx->st, a, t + XK_SESSION_IDLE_SECONDS - 1, &info, &err),
                     XK_OK);
    assert_int_equal(xk_session_check(fx->st, a, t + XK_SESSION_IDLE_SECONDS + 10, &info, &err),
                     XK_OK);
    /* session b was left unused that long */
    assert_int_equal(xk_session_check(fx->st, b, t + XK_SESSION_IDLE_SECONDS, &info, &err),
                     XK_ENOTFOUND);
}

static void test_session_ends_at_its_absolute_limit(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_READER);
    char cookie[XK_SESSION_COOKIE_MAX];
    assert_int_equal(sign_in(fx, "alice", PW, "127.0.0.1", fx->now, cookie, NULL), XK_OK);
    xk_session_info info;
    xk_error err;
    long long t = fx->now;
    long long step = XK_SESSION_IDLE_SECONDS / 2;
    for (; t + step < fx->now + XK_SESSION_MAX_SECONDS; t += step)
        assert_int_equal(xk_session_check(fx->st, cookie, t + step, &info, &err), XK_OK);
    assert_true(info.expires <= fx->now + XK_SESSION_MAX_SECONDS);
    assert_int_equal(
        xk_session_check(fx->st, cookie, fx->now + XK_SESSION_MAX_SECONDS, &info, &err),
        XK_ENOTFOUND);
}

static void test_signout_ends_the_session_server_side(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_READER);
    char a[XK_SESSION_COOKIE_MAX], b[XK_SESSION_COOKIE_MAX];
    assert_int_equal(sign_in(fx, "alice", PW, "127.0.0.1", fx->now, a, NULL), XK_OK);
    assert_int_equal(sign_in(fx, "alice", PW, "127.0.0.1", fx->now, b, NULL), XK_OK);
    xk_session_info info;
    xk_error err;
    assert_int_equal(xk_session_end(fx->st, a, fx->now + 1, &err), XK_OK);
    assert_int_equal(xk_session_check(fx->st, a, fx->now + 2, &info, &err), XK_ENOTFOUND);
    assert_int_equal(xk_session_end(fx->st, a, fx->now + 2, &err), XK_ENOTFOUND);
    assert_int_equal(xk_session_check(fx->st, b, fx->now + 2, &info, &err), XK_OK);
    char ended[32];
    query_text(fx, "SELECT count(*) FROM sessions WHERE ended_s <> 0", ended, sizeof ended);
    assert_string_equal(ended, "1");
}

static void test_disable_and_passwd_end_sessions(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_EDITOR);
    add(fx, "bob", XK_ROLE_EDITOR);
    char a[XK_SESSION_COOKIE_MAX], b[XK_SESSION_COOKIE_MAX];
    assert_int_equal(sign_in(fx, "alice", PW, "127.0.0.1", fx->now, a, NULL), XK_OK);
    assert_int_equal(sign_in(fx, "bob", PW, "127.0.0.1", fx->now, b, NULL), XK_OK);
    xk_session_info info;
    xk_error err;
    assert_int_equal(xk_user_disable(fx->st, "alice", &err), XK_OK);
    assert_int_equal(xk_session_check(fx->st, a, fx->now + 1, &info, &err), XK_ENOTFOUND);
    assert_int_equal(sign_in(fx, "alice", PW, "127.0.0.1", fx->now + 1, a, NULL), XK_ENOTFOUND);
    assert_int_equal(xk_user_passwd(fx->st, "bob", "a new password", 14, &err), XK_OK);
    assert_int_equal(xk_session_check(fx->st, b, fx->now + 1, &info, &err), XK_ENOTFOUND);
    assert_int_equal(sign_in(fx, "bob", PW, "127.0.0.2", fx->now + 1, b, NULL), XK_ENOTFOUND);
    assert_int_equal(sign_in(fx, "bob", "a new password", "127.0.0.2", fx->now + 1, b, NULL),
                     XK_OK);
    assert_int_equal(xk_user_passwd(fx->st, "carol", "a new password", 14, &err), XK_ENOTFOUND);
}

static void test_csrf_token_belongs_to_its_session(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_EDITOR);
    char a[XK_SESSION_COOKIE_MAX], b[XK_SESSION_COOKIE_MAX];
    xk_session_info ia, ib;
    xk_error err;
    int retry;
    assert_int_equal(
        xk_signin(fx->st, "alice", PW, PW_LEN, "127.0.0.1", fx->now, a, &ia, &retry, &err), XK_OK);
    assert_int_equal(
        xk_signin(fx->st, "alice", PW, PW_LEN, "127.0.0.1", fx->now, b, &ib, &retry, &err), XK_OK);
    assert_int_equal(strlen(ia.csrf), 43);
    assert_string_not_equal(ia.csrf, ib.csrf);
    assert_true(xk_session_csrf_ok(a, ia.csrf));
    assert_false(xk_session_csrf_ok(a, ib.csrf));
    assert_false(xk_session_csrf_ok(a, ""));
    char cut[XK_CSRF_MAX];
    snprintf(cut, sizeof cut, "%.42s", ia.csrf);
    assert_false(xk_session_csrf_ok(a, cut));
    assert_false(xk_session_csrf_ok(a, NULL));
    assert_null(strstr(a, ia.csrf)); /* not a copy of the cookie */
}

/* --- failed sign-ins ------------------------------------------------------------------------- */

static void test_delay_schedule(void **state)
{
    (void)state;
    assert_int_equal(xk_signin_delay(0, 5), 0);
    assert_int_equal(xk_signin_delay(4, 5), 0);
    /* the first wait is 2 s, not 1: with whole seconds a 1 s wait can be over at once */
    assert_int_equal(xk_signin_delay(5, 5), 2);
    assert_int_equal(xk_signin_delay(6, 5), 4);
    assert_int_equal(xk_signin_delay(9, 5), 32);
    assert_int_equal(xk_signin_delay(5 + 9, 5),
                     XK_SIGNIN_MAX_DELAY_SECONDS < 1024 ? XK_SIGNIN_MAX_DELAY_SECONDS : 1024);
    assert_int_equal(xk_signin_delay(1000000, 5), XK_SIGNIN_MAX_DELAY_SECONDS);
}

static void test_failures_slow_the_account(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_EDITOR);
    char cookie[XK_SESSION_COOKIE_MAX];
    long long t = fx->now;
    /* each failure from its own address: only the account's count grows past its free ones */
    for (int i = 0; i < XK_SIGNIN_FREE_FAILURES; i++) {
        char address[32];
        snprintf(address, sizeof address, "10.0.1.%d", i);
        assert_int_equal(sign_in(fx, "alice", "wrong password", address, t, cookie, NULL),
                         XK_ENOTFOUND);
    }
    int retry = 0;
    /* the right password, too soon: refused without a check */
    assert_int_equal(sign_in(fx, "alice", PW, "10.0.2.1", t + 1, cookie, &retry), XK_ETOOBIG);
    assert_int_equal(retry, 1);
    /* another account from the same addresses is not held up */
    add(fx, "bob", XK_ROLE_READER);
    assert_int_equal(sign_in(fx, "bob", PW, "10.0.1.0", t, cookie, NULL), XK_OK);
    /* one more failure once the wait is over doubles the next wait */
    assert_int_equal(sign_in(fx, "alice", "wrong password", "10.0.2.1", t + 2, cookie, NULL),
                     XK_ENOTFOUND);
    assert_int_equal(sign_in(fx, "alice", PW, "10.0.2.1", t + 5, cookie, &retry), XK_ETOOBIG);
    assert_int_equal(retry, 1);
    assert_int_equal(sign_in(fx, "alice", PW, "10.0.2.1", t + 6, cookie, &retry), XK_OK);
    /* a success forgets the account's failures */
    assert_int_equal(sign_in(fx, "alice", "wrong password", "10.0.2.1", t + 6, cookie, NULL),
                     XK_ENOTFOUND);
    assert_int_equal(sign_in(fx, "alice", PW, "10.0.2.1", t + 6, cookie, NULL), XK_OK);
}

static void test_failures_slow_the_address(void **state)
{
    fixture *fx = *state;
    add(fx, "alice", XK_ROLE_EDITOR);
    char cookie[XK_SESSION_COOKIE_MAX];
    long long t = fx->now;
    /* guesses at many names from one address */
    for (int i = 0; i < XK_SIGNIN_FREE_FAILURES_ADDRESS; i++) {
        char name[32];
        snprintf(name, sizeof name, "guess%d", i);
        assert_int_equal(sign_in(fx, name, "wrong password", "192.0.2.7", t, cookie, NULL),
                         XK_ENOTFOUND);
    }
    int retry = 0;
    assert_int_equal(sign_in(fx, "alice", PW, "192.0.2.7", t, cookie, &retry), XK_ETOOBIG);
    assert_int_equal(retry, 2);
    assert_int_equal(sign_in(fx, "alice", PW, "192.0.2.8", t, cookie, NULL), XK_OK);
    /* failures are forgotten XK_SIGNIN_FORGET_SECONDS after the last one */
    assert_int_equal(
        sign_in(fx, "alice", PW, "192.0.2.7", t + XK_SIGNIN_FORGET_SECONDS, cookie, NULL), XK_OK);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_rules),
        cmocka_unit_test(test_delay_schedule),
        cmocka_unit_test_setup_teardown(test_password_stored_as_argon2id_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_names_are_unique_with_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_shows_roles_and_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signin_opens_a_session_with_the_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password_and_unknown_name_answer_alike, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_session_id_is_stored_hashed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_cookie_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_session_expires, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_ends_at_its_absolute_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signout_ends_the_session_server_side, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_and_passwd_end_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csrf_token_belongs_to_its_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures_slow_the_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures_slow_the_address, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
