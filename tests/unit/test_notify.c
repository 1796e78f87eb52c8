/*
 * Unit tests of reminders: the three services' signatures against values computed apart from
 * this code (Python's hmac, hashlib and base64 modules, by the commands quoted beside them), the
 * reminder a deadline makes as of a date (the smallest threshold reached, overdue cadences),
 * --days and --quiet as a user writes them, a message split without cutting a character, a
 * target shown without its token, a secret file others can read refused; and once-only in the
 * store: a reminder decided twice is written once, a message key once, and a claimed message is
 * not claimed again until the claim lapses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "notify/internal.h"
#include "xuke/notify.h"
#include "xuke/xuke.h"

#define SECRET "SEC0123456789abcdef"

/* /usr/bin/python3 -c "import hmac,hashlib,base64,urllib.parse; s='SEC0123456789abcdef';
 *   d=hmac.new(s.encode(), f'1700000000000\n{s}'.encode(), hashlib.sha256).digest();
 *   print(urllib.parse.quote(base64.b64encode(d).decode(), safe=''))" */
static void test_dingtalk_sign_is_the_documented_hmac(void **state)
{
    (void)state;
    char sign[128];
    assert_true(xk_notify_sign_dingtalk(SECRET, 1700000000000LL, sign, sizeof sign));
    assert_string_equal(sign, "TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D");
}

/* key = f'1700000000\n{s}', message empty: base64.b64encode(hmac.new(key, b'', sha256)) */
static void test_feishu_sign_keys_on_timestamp_and_secret(void **state)
{
    (void)state;
    char sign[128];
    assert_true(xk_notify_sign_feishu(SECRET, 1700000000LL, sign, sizeof sign));
    assert_string_equal(sign, "PiO7POLlSx/DM2qf8Dy/XCWeJK3exVnevp5G99LEN2M=");
}

/* hmac.new(s.encode(), b'1700000000.' + b'{"a":1}', sha256).hexdigest() */
static void test_webhook_signature_covers_time_and_body(void **state)
{
    (void)state;
    char sig[160];
    const char *body = "{\"a\":1}";
    assert_true(xk_notify_sign_webhook(SECRET, 1700000000LL, body, strlen(body), sig, sizeof sig));
    assert_string_equal(sig, "t=1700000000,v1=0ac50308670532f80b9bd5071349ca5e2810022339f19715"
                             "753991fc9749c9b2");
}

static void test_days_read_largest_first(void **state)
{
    (void)state;
    xk_subscription sub;
    xk_subscription_init(&sub);
    xk_error err;
    assert_int_equal(xk_notify_parse_days("60,14,0", &sub, &err), XK_OK);
    assert_int_equal(sub.n_days, 3);
    assert_int_equal(sub.days[0], 60);
    assert_int_equal(sub.days[2], 0);
}

static void test_days_out_of_order_or_malformed_refused(void **state)
{
    (void)state;
    xk_subscription sub;
    xk_subscription_init(&sub);
    xk_error err;
    assert_int_equal(xk_notify_parse_days("7,30,90", &sub, &err), XK_EUSAGE);
    assert_non_null(strstr(err.message, "out of order"));
    assert_int_equal(xk_notify_parse_days("30,30", &sub, &err), XK_EUSAGE);
    assert_int_equal(xk_notify_parse_days("30,", &sub, &err), XK_EUSAGE);
    assert_int_equal(xk_notify_parse_days("-1", &sub, &err), XK_EUSAGE);
    assert_int_equal(xk_notify_parse_days("99999", &sub, &err), XK_EUSAGE);
    assert_int_equal(sub.n_days, 4); /* the defaults stay */
}

static void test_quiet_hours_over_midnight(void **state)
{
    (void)state;
    xk_subscription sub;
    xk_subscription_init(&sub);
    xk_error err;
    assert_int_equal(xk_notify_parse_quiet("22:00-08:30", &sub, &err), XK_OK);
    assert_int_equal(sub.quiet_from, 22 * 60);
    assert_int_equal(sub.quiet_until, 8 * 60 + 30);
    assert_int_equal(xk_notify_parse_quiet("24:00-08:00", &sub, &err), XK_EUSAGE);
    assert_int_equal(xk_notify_parse_quiet("22:00-22:00", &sub, &err), XK_EUSAGE);
    assert_int_equal(xk_notify_parse_quiet("22-8", &sub, &err), XK_EUSAGE);
}

static xk_date day(int y, int m, int d)
{
    xk_date x = {y, m, d};
    return x;
}

static void test_step_is_the_smallest_threshold_reached(void **state)
{
    (void)state;
    xk_subscription sub;
    xk_subscription_init(&sub); /* 90,30,7,1 */
    char step[16];
    long left;
    xk_date as_of = day(2026, 12, 7);
    assert_false(xk_notify_step(&sub, as_of, day(2027, 3, 8), step, &left)); /* 91 days */
    assert_int_equal(left, 91);
    assert_true(xk_notify_step(&sub, as_of, day(2027, 3, 7), step, &left)); /* 90 */
    assert_string_equal(step, "d90");
    assert_true(xk_notify_step(&sub, as_of, day(2026, 12, 12), step, &left)); /* 5 */
    assert_string_equal(step, "d7");
    assert_true(xk_notify_step(&sub, as_of, day(2026, 12, 7), step, &left)); /* today */
    assert_string_equal(step, "d1");
    assert_int_equal(left, 0);
}

static void test_overdue_daily_weekly_off(void **state)
{
    (void)state;
    xk_subscription sub;
    xk_subscription_init(&sub);
    char step[16];
    long left;
    xk_date due = day(2026, 12, 1);
    assert_true(xk_notify_step(&sub, day(2026, 12, 2), due, step, &left)); /* weekly */
    assert_string_equal(step, "o1w");
    assert_true(xk_notify_step(&sub, day(2026, 12, 8), due, step, &left)); /* day 7: week 1 */
    assert_string_equal(step, "o1w");
    assert_true(xk_notify_step(&sub, day(2026, 12, 9), due, step, &left)); /* day 8: week 2 */
    assert_string_equal(step, "o2w");
    sub.overdue = XK_OVERDUE_DAILY;
    assert_true(xk_notify_step(&sub, day(2026, 12, 4), due, step, &left));
    assert_string_equal(step, "o3");
    assert_int_equal(left, -3);
    sub.overdue = XK_OVERDUE_OFF;
    assert_false(xk_notify_step(&sub, day(2026, 12, 4), due, step, &left));
}

static bool utf8_whole(const char *s, size_t len)
{
    /* a part neither starts nor ends inside a character */
    if (len && ((unsigned char)s[0] & 0xC0) == 0x80)
        return false;
    size_t i = len;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return len == 0;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    return len - (i - 1) == need;
}

static void test_split_at_lines_and_never_inside_a_character(void **state)
{
    (void)state;
    /* 20 three-byte characters on one line, then a short line */
    const char *text = "许可证许可证许可证许可证许可证许可证许可\nab\n";
    size_t starts[32], lens[32];
    size_t n = xk_notify_split(text, 10, starts, lens, 32);
    assert_true(n > 1);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(lens[i] <= 10);
        assert_true(utf8_whole(text + starts[i], lens[i]));
        assert_int_equal(starts[i], total);
        total += lens[i];
    }
    assert_int_equal(total, strlen(text));
    /* the short line ends its own part: the split prefers a line end */
    assert_memory_equal(text + starts[n - 1] + lens[n - 1] - 3, "ab\n", 3);
    assert_int_equal(xk_notify_split("short", 4096, starts, lens, 32), 1);
}

static void test_target_shown_without_tokens(void **state)
{
    (void)state;
    xk_subscription sub;
    xk_subscription_init(&sub);
    sub.channel = XK_CHANNEL_WECOM;
    snprintf(sub.target, sizeof sub.target,
             "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx&debug");
    char shown[1024];
    xk_notify_target_shown(&sub, shown, sizeof shown);
    assert_string_equal(shown, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***&debug");
    assert_null(strstr(shown, "693a91f6"));
}

static void test_secret_file_others_can_read_is_refused(void **state)
{
    (void)state;
    char path[] = "/tmp/xk-secret-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cret\n", 7), 7);
    close(fd);
    char secret[XK_NOTIFY_MAX_SECRET + 2];
    xk_error err;
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(xk_notify_read_secret(path, secret, sizeof secret, &err), XK_EUSAGE);
    assert_non_null(strstr(err.message, "chmod 600"));
    assert_null(strstr(err.message, "s3cret"));
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(xk_notify_read_secret(path, secret, sizeof secret, &err), XK_OK);
    assert_string_equal(secret, "s3cret");
    unlink(path);
}

static void test_unknown_channel_and_bad_url_refused(void **state)
{
    (void)state;
    xk_subscription sub;
    xk_subscription_init(&sub);
    sub.all = true;
    xk_error err;
    assert_int_equal(xk_notify_check_subscription(&sub, &err), XK_EUSAGE); /* no channel */
    assert_false(xk_channel_parse("slack", &sub.channel));
    sub.channel = XK_CHANNEL_DINGTALK;
    snprintf(sub.target, sizeof sub.target, "ftp://oapi.dingtalk.com/robot/send");
    assert_int_equal(xk_notify_check_subscription(&sub, &err), XK_EUSAGE);
    assert_non_null(strstr(err.message, "not an http"));
    snprintf(sub.target, sizeof sub.target, "https:///robot/send");
    assert_int_equal(xk_notify_check_subscription(&sub, &err), XK_EUSAGE);
    snprintf(sub.target, sizeof sub.target, "https://oapi.dingtalk.com/robot/send?access_token=x");
    assert_int_equal(xk_notify_check_subscription(&sub, &err), XK_OK);
}

/* --- once-only in the store ------------------------------------------------------------------ */

typedef struct store_fixture {
    char dir[64], path[96];
    xk_store *st;
    long sub;
} store_fixture;

static int store_setup(void **state)
{
    store_fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/xk-notify-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    xk_error err;
    assert_int_equal(xk_store_open(f->path, &f->st, &err), XK_OK);
    xk_subscription sub;
    xk_subscription_init(&sub);
    sub.channel = XK_CHANNEL_WECOM;
    sub.all = true;
    snprintf(sub.target, sizeof sub.target, "http://127.0.0.1:9/send?key=k");
    assert_int_equal(xk_store_subscription_add(f->st, &sub, &err), XK_OK);
    f->sub = sub.id;
    *state = f;
    return 0;
}

static int store_teardown(void **state)
{
    store_fixture *f = *state;
    xk_store_close(f->st);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void test_reminder_decided_once(void **state)
{
    store_fixture *f = *state;
    xk_error err;
    bool fresh;
    assert_int_equal(xk_store_notice_decide(f->st, f->sub, "X|renewal|2027-01-01|0|0", "d30",
                                            &fresh, &err),
                     XK_OK);
    assert_true(fresh);
    assert_int_equal(xk_store_notice_decide(f->st, f->sub, "X|renewal|2027-01-01|0|0", "d30",
                                            &fresh, &err),
                     XK_OK);
    assert_false(fresh);
    assert_int_equal(xk_store_notice_decide(f->st, f->sub, "X|renewal|2027-01-01|0|0", "d7",
                                            &fresh, &err),
                     XK_OK);
    assert_true(fresh); /* the next threshold is another reminder */
}

static xk_outbox_msg message(long sub, const char *key)
{
    xk_outbox_msg m;
    memset(&m, 0, sizeof m);
    m.subscription = sub;
    snprintf(m.key, sizeof m.key, "%s", key);
    snprintf(m.idem, sizeof m.idem, "xk-test");
    snprintf(m.title, sizeof m.title, "t");
    m.text = "text";
    m.items = "[]";
    m.created_ms = m.next_ms = 1000;
    return m;
}

static void test_message_key_written_once(void **state)
{
    store_fixture *f = *state;
    xk_error err;
    bool fresh;
    xk_outbox_msg m = message(f->sub, "r|1|a");
    assert_int_equal(xk_store_outbox_add(f->st, &m, &fresh, &err), XK_OK);
    assert_true(fresh);
    xk_outbox_msg again = message(f->sub, "r|1|a");
    assert_int_equal(xk_store_outbox_add(f->st, &again, &fresh, &err), XK_OK);
    assert_false(fresh);
    xk_outbox_msg *due;
    size_t n;
    assert_int_equal(xk_store_outbox_due(f->st, 1000, &due, &n, &err), XK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(due[0].text, "text");
    xk_outbox_msgs_free(due, n);
}

static void test_claimed_message_not_taken_until_claim_lapses(void **state)
{
    store_fixture *f = *state;
    xk_error err;
    bool fresh, got;
    xk_outbox_msg m = message(f->sub, "r|1|b");
    assert_int_equal(xk_store_outbox_add(f->st, &m, &fresh, &err), XK_OK);
    assert_int_equal(xk_store_outbox_claim(f->st, m.id, 2000, 92000, &got, &err), XK_OK);
    assert_true(got);
    assert_int_equal(xk_store_outbox_claim(f->st, m.id, 3000, 93000, &got, &err), XK_OK);
    assert_false(got); /* another sender, while the first one holds it */
    xk_outbox_msg *due;
    size_t n;
    assert_int_equal(xk_store_outbox_due(f->st, 50000, &due, &n, &err), XK_OK);
    assert_int_equal(n, 0);
    xk_outbox_msgs_free(due, n);
    /* the first sender died: after its claim lapses the message is due and taken again */
    assert_int_equal(xk_store_outbox_due(f->st, 92000, &due, &n, &err), XK_OK);
    assert_int_equal(n, 1);
    xk_outbox_msgs_free(due, n);
    assert_int_equal(xk_store_outbox_claim(f->st, m.id, 92000, 182000, &got, &err), XK_OK);
    assert_true(got);
    /* once marked sent it is never due again */
    snprintf(m.status, sizeof m.status, "sent");
    m.attempts = 2;
    assert_int_equal(xk_store_outbox_update(f->st, &m, &err), XK_OK);
    assert_int_equal(xk_store_outbox_due(f->st, 1000000000, &due, &n, &err), XK_OK);
    assert_int_equal(n, 0);
    xk_outbox_msgs_free(due, n);
}

static void test_removed_subscription_cancels_its_messages(void **state)
{
    store_fixture *f = *state;
    xk_error err;
    bool fresh;
    xk_outbox_msg m = message(f->sub, "r|1|c");
    assert_int_equal(xk_store_outbox_add(f->st, &m, &fresh, &err), XK_OK);
    assert_int_equal(xk_store_subscription_remove(f->st, f->sub, &err), XK_OK);
    assert_int_equal(xk_store_subscription_remove(f->st, f->sub, &err), XK_ENOTFOUND);
    xk_outbox_msg *due;
    size_t n;
    assert_int_equal(xk_store_outbox_due(f->st, 1000000000, &due, &n, &err), XK_OK);
    assert_int_equal(n, 0);
    xk_outbox_msgs_free(due, n);
    assert_int_equal(xk_store_outbox_log(f->st, false, 0, &due, &n, &err), XK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(due[0].status, "cancelled");
    xk_outbox_msgs_free(due, n);
}

/* A reminder names each duty in the words of the web catalogue (web/i18n/LANG.json, duty.NAME):
 * one wording of a duty in the pages and in the messages, in either language. */
static void test_reminder_duty_words_are_the_catalogue_s(void **state)
{
    (void)state;
    static const char *const langs[] = {"zh", "en"};
    for (size_t l = 0; l < 2; l++) {
        char path[512];
        snprintf(path, sizeof path, "%s/i18n/%s.json", WEB_DIR, langs[l]);
        json_error_t jerr;
        json_t *cat = json_load_file(path, 0, &jerr);
        if (!cat)
            fail_msg("%s: %s", path, jerr.text);
        for (int k = 0; k < XK_DUTY_COUNT; k++) {
            char key[64];
            snprintf(key, sizeof key, "duty.%s", xk_duty_name((xk_duty_kind)k));
            const char *words = json_string_value(json_object_get(cat, key));
            if (!words)
                fail_msg("%s.json has no %s", langs[l], key);
            xk_obligation ob = {.duty = (xk_duty_kind)k, .dated = true, .due = {2027, 1, 4},
                                .due_workday = {2027, 1, 4}};
            notice_item it = {"京B2-20224676", "示例科技有限公司", &ob, 10};
            xk_buf text, items;
            xk_buf_init(&text);
            xk_buf_init(&items);
            xk_notify_render_item(&text, &items, &it, langs[l], "");
            if (!text.data || !strstr(text.data, words))
                fail_msg("the %s reminder for %s does not say \"%s\": %s", langs[l], key, words,
                         text.data ? text.data : "(nothing)");
            xk_buf_free(&text);
            xk_buf_free(&items);
        }
        json_decref(cat);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dingtalk_sign_is_the_documented_hmac),
        cmocka_unit_test(test_feishu_sign_keys_on_timestamp_and_secret),
        cmocka_unit_test(test_webhook_signature_covers_time_and_body),
        cmocka_unit_test(test_days_read_largest_first),
        cmocka_unit_test(test_days_out_of_order_or_malformed_refused),
        cmocka_unit_test(test_quiet_hours_over_midnight),
        cmocka_unit_test(test_step_is_the_smallest_threshold_reached),
        cmocka_unit_test(test_overdue_daily_weekly_off),
        cmocka_unit_test(test_split_at_lines_and_never_inside_a_character),
        cmocka_unit_test(test_target_shown_without_tokens),
        cmocka_unit_test(test_secret_file_others_can_read_is_refused),
        cmocka_unit_test(test_unknown_channel_and_bad_url_refused),
        cmocka_unit_test_setup_teardown(test_reminder_decided_once, store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_message_key_written_once, store_setup,
                                        store_teardown),
        cmocka_unit_test_setup_teardown(test_claimed_message_not_taken_until_claim_lapses,
                                        store_setup, store_teardown),
        cmocka_unit_test_setup_teardown(test_removed_subscription_cancels_its_messages,
                                        store_setup, store_teardown),
        cmocka_unit_test(test_reminder_duty_words_are_the_catalogue_s),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
