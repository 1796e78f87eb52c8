/* Unit tests of the rules: calendar file checks, period arithmetic at its edges, duties read
 * from the seeds' provisions, obligations, fulfilment matching and status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "xuke/rules.h"
#include "xuke/text.h"
#include "xuke/xuke.h"

static xk_calendar *cal;

static int load_calendar(void **state)
{
    (void)state;
    xk_error err;
    return xk_calendar_load(DATA_DIR "/calendar.txt", &cal, &err) == XK_OK ? 0 : 1;
}

static int free_calendar(void **state)
{
    (void)state;
    xk_calendar_free(cal);
    return 0;
}

static xk_date D(int y, int m, int d)
{
    return (xk_date){y, m, d};
}

/* The day the event checks take as today: fixed, so the tests do not age. */
#define TODAY D(2026, 12, 6)

static void assert_date_is(xk_date got, int y, int m, int d)
{
    char a[16], b[16];
    xk_date_format(got, a, sizeof a);
    xk_date_format(D(y, m, d), b, sizeof b);
    assert_string_equal(a, b);
}

static void test_calendar_day_kinds(void **state)
{
    (void)state;
    assert_int_equal(xk_calendar_day(cal, D(2026, 1, 4), NULL), XK_DAY_MAKEUP);   /* a Sunday */
    assert_int_equal(xk_calendar_day(cal, D(2026, 2, 16), NULL), XK_DAY_HOLIDAY); /* a Monday */
    assert_int_equal(xk_calendar_day(cal, D(2026, 2, 28), NULL), XK_DAY_MAKEUP);  /* a Saturday */
    assert_int_equal(xk_calendar_day(cal, D(2026, 3, 7), NULL), XK_DAY_WEEKEND);
    assert_int_equal(xk_calendar_day(cal, D(2026, 3, 9), NULL), XK_DAY_WORKDAY);
    assert_int_equal(xk_calendar_day(cal, D(2022, 12, 31), NULL), XK_DAY_HOLIDAY); /* 2023's 元旦 */
    assert_string_equal(xk_calendar_day_name(cal, D(2026, 10, 1)), "国庆节");
}

static void test_calendar_missing_year_is_provisional(void **state)
{
    (void)state;
    xk_provisional p;
    xk_provisional_clear(&p);
    assert_true(xk_calendar_is_workday(cal, D(2026, 12, 31), &p));
    assert_int_equal(p.n, 0);
    assert_false(xk_calendar_is_workday(cal, D(2027, 1, 2), &p)); /* a Saturday, weekends only */
    assert_int_equal(p.n, 1);
    assert_int_equal(p.years[0], 2027);
}

static void test_period_ends_on_a_holiday_moves_to_next_working_day(void **state)
{
    (void)state;
    /* 2026-09-05 + 30 days = 2026-10-05, inside National Day: the period ends 2026-10-08 */
    assert_date_is(xk_period_days_after(cal, D(2026, 9, 5), 30, NULL), 2026, 10, 8);
}

static void test_period_ends_on_a_makeup_saturday_stays(void **state)
{
    (void)state;
    /* 2026-08-21 + 30 days = 2026-09-20, a Sunday made a working day */
    assert_date_is(xk_period_days_after(cal, D(2026, 8, 21), 30, NULL), 2026, 9, 20);
}

static void test_period_ends_on_a_plain_weekend_moves(void **state)
{
    (void)state;
    /* 2026-03-06 + 30 = 2026-04-05 (清明, Sunday) → Tuesday 2026-04-07 */
    assert_date_is(xk_period_days_after(cal, D(2026, 3, 6), 30, NULL), 2026, 4, 7);
}

static void test_period_crosses_new_year(void **state)
{
    (void)state;
    /* 2024-12-15 + 30 = 2025-01-14, a Tuesday */
    assert_date_is(xk_period_days_after(cal, D(2024, 12, 15), 30, NULL), 2025, 1, 14);
    /* 10 working days after 2025-12-25: 26, 29, 30, 31, (1 Jan off) 2, 5, 6, 7, 8, 9 */
    xk_provisional p;
    xk_provisional_clear(&p);
    assert_date_is(xk_period_workdays_after(cal, D(2025, 12, 25), 10, &p), 2026, 1, 9);
    assert_int_equal(p.n, 0);
}

static void test_workdays_across_national_day_and_makeup(void **state)
{
    (void)state;
    /* 10 working days after Monday 2026-09-28: 29, 30, (1-7 off), 8, 9, 10 (Sat, 调休), 12..16 */
    assert_date_is(xk_period_workdays_after(cal, D(2026, 9, 28), 10, NULL), 2026, 10, 16);
}

static void test_period_crossing_into_missing_year_is_provisional(void **state)
{
    (void)state;
    xk_provisional p;
    xk_provisional_clear(&p);
    assert_date_is(xk_period_workdays_after(cal, D(2026, 12, 28), 10, &p), 2027, 1, 11);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.years[0], 2027);
}

static void test_days_before_and_last_working_day(void **state)
{
    (void)state;
    xk_date due = xk_period_days_before(D(2027, 1, 29), 90);
    assert_date_is(due, 2026, 10, 31); /* a Saturday */
    assert_date_is(xk_prev_workday(cal, due, NULL), 2026, 10, 30);
}

static void test_calendar_counts_2026(void **state)
{
    (void)state;
    assert_int_equal(xk_workdays_between(cal, D(2026, 1, 1), D(2026, 12, 31), NULL), 248);
    assert_int_equal(xk_workdays_between(cal, D(2026, 1, 31), D(2026, 1, 1), NULL), 0);
}

static xk_status parse_cal(const char *text, xk_error *err)
{
    xk_calendar *c = NULL;
    xk_status st = xk_calendar_parse(text, strlen(text), "my.txt", &c, err);
    xk_calendar_free(c);
    return st;
}

static void test_calendar_file_errors_name_the_line(void **state)
{
    (void)state;
    xk_error err;
    assert_int_equal(parse_cal("year 2027\nwork 2027-01-04\n", &err), XK_EFORMAT);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "my.txt:2:"));
    assert_non_null(strstr(err.message, "weekday"));
    assert_int_equal(parse_cal("off 2027-01-01\n", &err), XK_EFORMAT);
    assert_non_null(strstr(err.message, "before any `year`"));
    assert_int_equal(parse_cal("year 2027\noff 2027-02-10 2027-02-01 x\n", &err), XK_EFORMAT);
    assert_non_null(strstr(err.message, "before it starts"));
    assert_int_equal(parse_cal("year 2027\nholiday 2027-02-10\n", &err), XK_EFORMAT);
    assert_non_null(strstr(err.message, "unknown keyword"));
    assert_int_equal(parse_cal("year 2027\noff 2027-01-02\nwork 2027-01-02\n", &err), XK_EFORMAT);
    assert_non_null(strstr(err.message, "both"));
    assert_int_equal(parse_cal("year 2027\noff 2027-02-30\n", &err), XK_EFORMAT);
    assert_int_equal(parse_cal("year 2027\noff 2025-02-03\n", &err), XK_EFORMAT);
    assert_int_equal(parse_cal("# only a comment\n\nyear 2027\noff 2027-01-01 元旦\n", &err), XK_OK);
}

/* --- duties, obligations and status on the seeds ------------------------------------------ */

typedef struct seed_row {
    xk_rules_row row;
    char duties[1024];
    xk_event events[8];
} seed_row;

static void seed_at(const char *path, seed_row *out);

static void seed(const char *name, seed_row *out)
{
    char path[256];
    snprintf(path, sizeof path, FIXTURES "/seeds/%s", name);
    seed_at(path, out);
}

static void seed_at(const char *path, seed_row *out)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    size_t len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    xk_licence *lic;
    xk_error err;
    assert_int_equal(xk_licence_parse(buf, len, NULL, &lic, &err), XK_OK);
    free(buf);
    memset(out, 0, sizeof *out);
    snprintf(out->row.number, sizeof out->row.number, "%s", lic->number);
    out->row.issued = lic->issued;
    out->row.expires = lic->expires;
    xk_duty_set set;
    xk_licence_duties(lic, &set);
    xk_duties_encode(&set, out->duties, sizeof out->duties);
    out->row.duties = out->duties;
    out->row.events = out->events;
    xk_licence_free(lic);
}

static void add_event(seed_row *s, long id, const char *type, xk_date d, int year, const char *ref)
{
    xk_event *e = &s->events[s->row.n_events++];
    memset(e, 0, sizeof *e);
    e->id = id;
    snprintf(e->type, sizeof e->type, "%s", type);
    e->date = d;
    e->year = year;
    snprintf(e->ref, sizeof e->ref, "%s", ref ? ref : "");
}

static const xk_duty *duty(const xk_duty_set *set, xk_duty_kind k)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->duties[i].kind == k)
            return &set->duties[i];
    return NULL;
}

static void test_duties_read_from_the_provisions(void **state)
{
    (void)state;
    seed_row s;
    seed("000_a96b5bc2dd3fa082.txt", &s);
    xk_duty_set set;
    assert_true(xk_duties_decode(s.duties, &set));
    assert_int_equal(duty(&set, XK_DUTY_RENEWAL)->days, 90);
    assert_string_equal(duty(&set, XK_DUTY_RENEWAL)->basis, "十二");
    assert_string_equal(duty(&set, XK_DUTY_ANNUAL_REPORT)->basis, "十四");
    assert_int_equal(duty(&set, XK_DUTY_ILLEGAL_INFO_REPORT)->days, 10);
    assert_true(duty(&set, XK_DUTY_ILLEGAL_INFO_REPORT)->working_days);
    assert_string_equal(duty(&set, XK_DUTY_ASSESSMENT_REPORT)->basis, "十五(七)、十六(八)");
    assert_string_equal(duty(&set, XK_DUTY_KEEP_TRANSACTIONS)->basis, "十五(三)"); /* B21 only */
    assert_null(duty(&set, XK_DUTY_TERMINATION_NOTICE));
    assert_string_equal(duty(&set, XK_DUTY_REGISTRATION_UPDATE)->basis, "电信业务经营许可管理办法");
}

static void test_duties_seed_002_adds_termination_and_registration(void **state)
{
    (void)state;
    seed_row s;
    seed("002_48cb51cde2f73ff1.txt", &s);
    xk_duty_set set;
    assert_true(xk_duties_decode(s.duties, &set));
    assert_int_equal(duty(&set, XK_DUTY_TERMINATION_NOTICE)->days, 90);
    assert_string_equal(duty(&set, XK_DUTY_REGISTRATION_UPDATE)->basis, "十二");
    assert_null(duty(&set, XK_DUTY_KEEP_TRANSACTIONS)); /* no B21 */
}

/* A document of bench_corpus (seed 1, licence 9) whose provisions name the duty to keep
 * transaction records in
 * more clauses than the basis field holds: the labels were cut inside a character, and
 * PostgreSQL refused the licence's row as not UTF-8. Whole labels are kept, then "…". */
static void test_duty_basis_longer_than_its_field_ends_whole(void **state)
{
    (void)state;
    seed_row s;
    seed_at(FIXTURES "/duties/one_duty_in_many_provisions.txt", &s);
    assert_true(xk_utf8_valid(s.duties, strlen(s.duties), NULL));
    xk_duty_set set;
    assert_true(xk_duties_decode(s.duties, &set));
    const xk_duty *kept = duty(&set, XK_DUTY_KEEP_TRANSACTIONS);
    assert_non_null(kept);
    assert_string_equal(kept->basis, "一、七、八、十一、十二、十五、十六(一)…");
}

static xk_licence_status status_on(seed_row *s, xk_date as_of)
{
    xk_obligations obs;
    xk_error err;
    assert_int_equal(xk_rules_obligations(cal, &s->row, as_of, &obs, &err), XK_OK);
    xk_licence_status st = xk_rules_status(&s->row, &obs, as_of);
    xk_obligations_free(&obs);
    return st;
}

static void test_status_of_seed_003_through_time(void **state)
{
    (void)state;
    seed_row s;
    seed("003_76e38eccd87d7b3e.txt", &s); /* issued 2023-08-04, expires 2027-01-29 */
    assert_int_equal(status_on(&s, D(2023, 8, 3)), XK_STATUS_NOT_YET_VALID);
    assert_int_equal(status_on(&s, D(2026, 6, 1)), XK_STATUS_VALID);
    assert_int_equal(status_on(&s, D(2026, 9, 15)), XK_STATUS_RENEWAL_DUE); /* due 2026-10-31 */
    assert_int_equal(status_on(&s, D(2026, 11, 23)), XK_STATUS_RENEWAL_OVERDUE);
    assert_int_equal(status_on(&s, D(2027, 1, 30)), XK_STATUS_EXPIRED);
    add_event(&s, 1, "renewal_applied", D(2026, 10, 20), 0, NULL);
    assert_int_equal(status_on(&s, D(2026, 11, 23)), XK_STATUS_VALID);
    s.row.removed = true;
    assert_int_equal(status_on(&s, D(2026, 11, 23)), XK_STATUS_REMOVED);
}

static const xk_obligation *find_ob(const xk_obligations *o, xk_duty_kind k, int year)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->items[i].duty == k && o->items[i].year == year)
            return &o->items[i];
    return NULL;
}

static void test_annual_reports_every_year_valid_on_1_january(void **state)
{
    (void)state;
    seed_row s;
    seed("003_76e38eccd87d7b3e.txt", &s);
    add_event(&s, 1, "annual_report_filed", D(2025, 3, 10), 2025, NULL);
    xk_obligations obs;
    xk_error err;
    assert_int_equal(xk_rules_obligations(cal, &s.row, D(2026, 11, 23), &obs, &err), XK_OK);
    assert_null(find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2023)); /* the issue year */
    const xk_obligation *y2024 = find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2024);
    assert_date_is(y2024->due, 2024, 4, 1); /* 31 March 2024 was a Sunday */
    assert_true(y2024->overdue);
    assert_true(find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2025)->fulfilled);
    const xk_obligation *y2027 = find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2027);
    assert_non_null(y2027); /* valid on 2027-01-01 */
    assert_int_equal(y2027->prov.n, 1);
    assert_null(find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2028));
    xk_obligations_free(&obs);
}

static void test_trigger_and_fulfilment_matching(void **state)
{
    (void)state;
    seed_row s;
    seed("000_a96b5bc2dd3fa082.txt", &s);
    xk_error err;
    xk_event report = {0};
    snprintf(report.type, sizeof report.type, "illegal_info_reported");
    report.date = D(2026, 10, 1);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &report, TODAY, NULL, &err), XK_EUSAGE);
    add_event(&s, 7, "illegal_info_handled", D(2026, 9, 28), 0, NULL);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &report, TODAY, NULL, &err), XK_OK);
    snprintf(report.ref, sizeof report.ref, "99");
    assert_int_equal(xk_rules_check_event(cal, &s.row, &report, TODAY, NULL, &err), XK_EUSAGE);
    snprintf(report.ref, sizeof report.ref, "7");
    assert_int_equal(xk_rules_check_event(cal, &s.row, &report, TODAY, NULL, &err), XK_OK);
    add_event(&s, 8, "illegal_info_reported", D(2026, 10, 12), 0, "7");
    xk_obligations obs;
    assert_int_equal(xk_rules_obligations(cal, &s.row, D(2026, 11, 1), &obs, &err), XK_OK);
    const xk_obligation *ob = find_ob(&obs, XK_DUTY_ILLEGAL_INFO_REPORT, 0);
    assert_date_is(ob->due, 2026, 10, 16);
    assert_true(ob->fulfilled);
    assert_int_equal(ob->fulfilled_by, 8);
    xk_obligations_free(&obs);
}

/* "7abc" was read by atol as event 7: a reference is a whole number or refused, saying so. */
static void test_event_ref_that_is_not_a_number_is_refused(void **state)
{
    (void)state;
    seed_row s;
    seed("000_a96b5bc2dd3fa082.txt", &s);
    add_event(&s, 7, "illegal_info_handled", D(2026, 9, 28), 0, NULL);
    xk_error err;
    xk_event report = {0};
    snprintf(report.type, sizeof report.type, "illegal_info_reported");
    report.date = D(2026, 10, 1);
    static const char *const bad[] = {"7abc", "abc", "-7", "07x", " 7", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(report.ref, sizeof report.ref, "%s", bad[i]);
        assert_int_equal(xk_rules_check_event(cal, &s.row, &report, TODAY, NULL, &err), XK_EUSAGE);
        assert_non_null(strstr(err.message, "is not an event id"));
    }
    /* and a stored fulfilment whose reference is not a number meets no trigger */
    add_event(&s, 8, "illegal_info_reported", D(2026, 10, 12), 0, "7abc");
    xk_obligations obs;
    assert_int_equal(xk_rules_obligations(cal, &s.row, D(2026, 11, 1), &obs, &err), XK_OK);
    assert_false(find_ob(&obs, XK_DUTY_ILLEGAL_INFO_REPORT, 0)->fulfilled);
    xk_obligations_free(&obs);
}

/* atoi read "90x" as 90 and "x" as 0: the stored duties form is whole or refused. */
static void test_duties_decode_refuses_a_malformed_day_count(void **state)
{
    (void)state;
    xk_duty_set set;
    assert_true(xk_duties_decode("renewal 90 十二", &set));
    assert_int_equal(set.duties[0].days, 90);
    assert_true(xk_duties_decode("illegal_info_report 10w 十五", &set));
    assert_true(set.duties[0].working_days);
    assert_false(xk_duties_decode("renewal 90x 十二", &set));
    assert_false(xk_duties_decode("renewal x 十二", &set));
    assert_false(xk_duties_decode("renewal 99999999999 十二", &set));
    assert_false(xk_duties_decode("renewal 10ww 十二", &set));
}

static void test_assessment_before_launch(void **state)
{
    (void)state;
    seed_row s;
    seed("000_a96b5bc2dd3fa082.txt", &s);
    add_event(&s, 1, "service_launched", D(2026, 5, 10), 0, NULL);
    xk_obligations obs;
    xk_error err;
    assert_int_equal(xk_rules_obligations(cal, &s.row, D(2026, 6, 1), &obs, &err), XK_OK);
    assert_true(find_ob(&obs, XK_DUTY_ASSESSMENT_BEFORE_LAUNCH, 0)->overdue);
    xk_obligations_free(&obs);
    add_event(&s, 2, "assessment_completed", D(2026, 5, 2), 0, NULL);
    assert_int_equal(xk_rules_obligations(cal, &s.row, D(2026, 6, 1), &obs, &err), XK_OK);
    assert_true(find_ob(&obs, XK_DUTY_ASSESSMENT_BEFORE_LAUNCH, 0)->fulfilled);
    /* the assessment itself starts the 30-day report clock: 2026-06-01 */
    const xk_obligation *rep = find_ob(&obs, XK_DUTY_ASSESSMENT_REPORT, 0);
    assert_date_is(rep->due, 2026, 6, 1);
    xk_obligations_free(&obs);
}

static void test_termination_notice_only_where_the_licence_has_it(void **state)
{
    (void)state;
    seed_row with, without;
    seed("002_48cb51cde2f73ff1.txt", &with);
    seed("003_76e38eccd87d7b3e.txt", &without);
    xk_event ev = {0};
    snprintf(ev.type, sizeof ev.type, "termination_reported");
    ev.date = D(2025, 9, 1);
    xk_error err;
    assert_int_equal(xk_rules_check_event(cal, &with.row, &ev, TODAY, NULL, &err), XK_OK);
    ev.date = D(2026, 9, 1);
    assert_int_equal(xk_rules_check_event(cal, &without.row, &ev, TODAY, NULL, &err), XK_EUSAGE);
    assert_non_null(strstr(err.message, "no notice of not continuing"));
}

/* Every trigger type opens its obligation with the clock and basis of seed 000's provisions
 * (or the Measures where the licence is silent), and its fulfilment closes it. */
static void test_every_trigger_type_opens_and_closes_its_obligation(void **state)
{
    (void)state;
    static const struct {
        const char *trigger, *fulfilment;
        xk_duty_kind duty;
        int y, m, d;       /* expected due date for an event on 2026-03-02 (a Monday) */
        const char *basis;
    } cases[] = {
        {"change_decided", "change_applied", XK_DUTY_CHANGE_APPLY, 2026, 4, 1, "十一"},
        {"registration_changed", "info_updated", XK_DUTY_REGISTRATION_UPDATE, 2026, 4, 1,
         "电信业务经营许可管理办法"},
        {"institution_changed", "info_updated", XK_DUTY_INSTITUTION_UPDATE, 2026, 4, 1, "十二"},
        {"illegal_info_handled", "illegal_info_reported", XK_DUTY_ILLEGAL_INFO_REPORT, 2026, 3, 16,
         "九"},
        {"assessment_completed", "assessment_reported", XK_DUTY_ASSESSMENT_REPORT, 2026, 4, 1,
         "十五(七)、十六(八)"},
        {"incident", "incident_reported", XK_DUTY_INCIDENT_REPORT, 2026, 3, 2, "八"},
        {"cross_regional_granted", "provincial_cancelled", XK_DUTY_PROVINCIAL_CANCEL, 2026, 4, 1,
         "十三"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        seed_row s;
        seed("000_a96b5bc2dd3fa082.txt", &s);
        add_event(&s, 1, cases[k].trigger, D(2026, 3, 2), 0, NULL);
        xk_obligations obs;
        xk_error err;
        assert_int_equal(xk_rules_obligations(cal, &s.row, D(2026, 6, 1), &obs, &err), XK_OK);
        const xk_obligation *ob = find_ob(&obs, cases[k].duty, 0);
        assert_non_null(ob);
        assert_date_is(ob->due, cases[k].y, cases[k].m, cases[k].d);
        assert_string_equal(ob->basis, cases[k].basis);
        assert_true(ob->overdue);
        xk_obligations_free(&obs);
        xk_event f = {0};
        snprintf(f.type, sizeof f.type, "%s", cases[k].fulfilment);
        f.date = D(2026, 3, 10);
        assert_int_equal(xk_rules_check_event(cal, &s.row, &f, TODAY, NULL, &err), XK_OK);
        add_event(&s, 2, cases[k].fulfilment, D(2026, 3, 10), 0, NULL);
        assert_int_equal(xk_rules_obligations(cal, &s.row, D(2026, 6, 1), &obs, &err), XK_OK);
        assert_true(find_ob(&obs, cases[k].duty, 0)->fulfilled);
        xk_obligations_free(&obs);
    }
}

/* Seed 000 is 琼B2-20220293: issued 2022-04-15, expires 2027-04-15 (its face). */
static xk_event event_of(const char *type, xk_date d, int year)
{
    xk_event e;
    memset(&e, 0, sizeof e);
    snprintf(e.type, sizeof e.type, "%s", type);
    e.date = d;
    e.year = year;
    return e;
}

static void test_event_before_the_issue_date_is_refused_saying_what_is_accepted(void **state)
{
    (void)state;
    seed_row s;
    seed("000_a96b5bc2dd3fa082.txt", &s);
    xk_error err;
    xk_event ev = event_of("incident", D(2022, 4, 14), 0);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &ev, TODAY, NULL, &err), XK_EUSAGE);
    assert_non_null(strstr(err.message, "from 2022-04-15 to 2026-12-06"));
    ev.date = D(2022, 4, 15);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &ev, TODAY, NULL, &err), XK_OK);
}

static void test_event_after_today_needs_planned_and_a_trigger(void **state)
{
    (void)state;
    seed_row s;
    seed("000_a96b5bc2dd3fa082.txt", &s);
    xk_error err;
    xk_event ev = event_of("service_launched", D(2026, 12, 7), 0);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &ev, TODAY, NULL, &err), XK_EUSAGE);
    assert_non_null(strstr(err.message, "--planned"));
    ev.planned = true;
    assert_int_equal(xk_rules_check_event(cal, &s.row, &ev, TODAY, NULL, &err), XK_OK);
    xk_event report = event_of("annual_report_filed", D(2027, 2, 1), 2027);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &report, TODAY, NULL, &err), XK_EUSAGE);
    report.planned = true;
    assert_int_equal(xk_rules_check_event(cal, &s.row, &report, TODAY, NULL, &err), XK_EUSAGE);
    assert_non_null(strstr(err.message, "cannot be planned"));
}

static void test_renewal_application_counts_only_in_its_window(void **state)
{
    (void)state;
    seed_row s;
    seed("000_a96b5bc2dd3fa082.txt", &s);
    xk_error err;
    xk_event ev = event_of("renewal_applied", D(2022, 5, 1), 0); /* five years early */
    assert_int_equal(xk_rules_check_event(cal, &s.row, &ev, TODAY, NULL, &err), XK_EUSAGE);
    assert_non_null(strstr(err.message, "from 2026-04-15 to 2027-04-15"));
    /* one already stored (before the check existed) no longer meets the renewal */
    add_event(&s, 1, "renewal_applied", D(2022, 5, 1), 0, NULL);
    xk_obligations obs;
    assert_int_equal(xk_rules_obligations(cal, &s.row, TODAY, &obs, &err), XK_OK);
    const xk_obligation *renewal = find_ob(&obs, XK_DUTY_RENEWAL, 0);
    assert_false(renewal->fulfilled);
    assert_date_is(renewal->due, 2027, 1, 15);
    xk_obligations_free(&obs);
    assert_int_equal(status_on(&s, TODAY), XK_STATUS_RENEWAL_DUE);
    ev.date = D(2026, 11, 2);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &ev, TODAY, NULL, &err), XK_OK);
}

static void test_late_filing_is_kept_and_marked_late(void **state)
{
    (void)state;
    seed_row s;
    seed("000_a96b5bc2dd3fa082.txt", &s);
    xk_error err;
    xk_event_check check;
    xk_event late = event_of("annual_report_filed", D(2024, 6, 3), 2024);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &late, TODAY, &check, &err), XK_OK);
    assert_true(check.late);
    assert_date_is(check.due, 2024, 4, 1); /* 31 March 2024 was a Sunday */
    xk_event on_time = event_of("annual_report_filed", D(2025, 3, 10), 2025);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &on_time, TODAY, &check, &err), XK_OK);
    assert_false(check.late);
    add_event(&s, 1, "annual_report_filed", D(2024, 6, 3), 2024, NULL);
    add_event(&s, 2, "annual_report_filed", D(2025, 3, 10), 2025, NULL);
    xk_obligations obs;
    assert_int_equal(xk_rules_obligations(cal, &s.row, TODAY, &obs, &err), XK_OK);
    const xk_obligation *y2024 = find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2024);
    assert_true(y2024->fulfilled && y2024->late);
    assert_date_is(y2024->fulfilled_on, 2024, 6, 3);
    assert_false(find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2025)->late);
    xk_obligations_free(&obs);
}

static void test_annual_report_filed_before_its_year_is_refused(void **state)
{
    (void)state;
    seed_row s;
    seed("000_a96b5bc2dd3fa082.txt", &s);
    xk_error err;
    xk_event ev = event_of("annual_report_filed", D(2024, 12, 1), 2025);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &ev, TODAY, NULL, &err), XK_EUSAGE);
    assert_non_null(strstr(err.message, "2025 or later"));
}

/* Imported on 2026-12-06: the reports due before then are unknown to the registry, the one due
 * after is overdue as usual. */
static void test_report_due_before_the_licence_was_known_is_no_filing_recorded(void **state)
{
    (void)state;
    seed_row s;
    seed("003_76e38eccd87d7b3e.txt", &s);
    s.row.known_since = D(2026, 12, 6);
    add_event(&s, 1, "annual_report_filed", D(2025, 3, 10), 2025, NULL);
    xk_obligations obs;
    xk_error err;
    assert_int_equal(xk_rules_obligations(cal, &s.row, D(2027, 1, 10), &obs, &err), XK_OK);
    const xk_obligation *y2024 = find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2024);
    assert_true(y2024->unrecorded);
    assert_false(y2024->overdue);
    assert_false(y2024->fulfilled);
    const xk_obligation *y2025 = find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2025);
    assert_true(y2025->fulfilled);
    assert_false(y2025->unrecorded);
    assert_true(find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2026)->unrecorded);
    assert_false(find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2027)->unrecorded); /* due 2027-03-31 */
    xk_obligations_free(&obs);
    s.row.expires = D(2029, 1, 29); /* a later expiry, so 2027's report falls due while valid */
    assert_int_equal(xk_rules_obligations(cal, &s.row, D(2027, 4, 10), &obs, &err), XK_OK);
    assert_true(find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2027)->overdue);
    xk_obligations_free(&obs);
    s.row.known_since = (xk_date){0, 0, 0}; /* unknown: every duty counts as known */
    assert_int_equal(xk_rules_obligations(cal, &s.row, D(2027, 1, 10), &obs, &err), XK_OK);
    assert_true(find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2024)->overdue);
    xk_obligations_free(&obs);
}

static void test_baseline_meets_reports_up_to_its_year_only(void **state)
{
    (void)state;
    seed_row s;
    seed("003_76e38eccd87d7b3e.txt", &s);
    s.row.known_since = D(2026, 12, 6);
    s.row.baseline_year = 2025;
    xk_obligations obs;
    xk_error err;
    assert_int_equal(xk_rules_obligations(cal, &s.row, D(2027, 1, 10), &obs, &err), XK_OK);
    for (int y = 2024; y <= 2025; y++) {
        const xk_obligation *ob = find_ob(&obs, XK_DUTY_ANNUAL_REPORT, y);
        assert_true(ob->fulfilled && ob->baseline);
        assert_false(ob->late || ob->overdue || ob->unrecorded);
    }
    const xk_obligation *y2026 = find_ob(&obs, XK_DUTY_ANNUAL_REPORT, 2026);
    assert_true(y2026->unrecorded && !y2026->fulfilled);
    xk_obligations_free(&obs);
    xk_event ev = event_of("annual_report_filed", D(2024, 3, 1), 2024);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &ev, TODAY, NULL, &err), XK_EUSAGE);
    assert_non_null(strstr(err.message, "baseline"));
    xk_event later = event_of("annual_report_filed", D(2026, 3, 1), 2026);
    assert_int_equal(xk_rules_check_event(cal, &s.row, &later, TODAY, NULL, &err), XK_OK);
}

/* One catalogue (web/i18n/LANG.json) words what the API names by key: every duty
 * ("duty.NAME"), event type ("event.NAME") and rule (xk_obligation_rule_key) has a message in
 * both languages, and the Chinese titles are the rules' own, so the two cannot drift apart. */
static json_t *web_catalogue(const char *lang)
{
    char path[512];
    snprintf(path, sizeof path, "%s/i18n/%s.json", WEB_DIR, lang);
    json_error_t jerr;
    json_t *cat = json_load_file(path, 0, &jerr);
    if (!cat)
        fail_msg("%s: %s", path, jerr.text);
    return cat;
}

static const char *message(json_t *cat, const char *lang, const char *key)
{
    const char *s = json_string_value(json_object_get(cat, key));
    if (!s || !*s)
        fail_msg("%s.json has no message for %s", lang, key);
    return s;
}

static void test_catalogue_words_every_duty_event_and_rule(void **state)
{
    (void)state;
    static const char *const langs[] = {"zh", "en"};
    for (size_t l = 0; l < 2; l++) {
        json_t *cat = web_catalogue(langs[l]);
        char key[96];
        for (int k = 0; k < XK_DUTY_COUNT; k++) {
            snprintf(key, sizeof key, "duty.%s", xk_duty_name((xk_duty_kind)k));
            const char *s = message(cat, langs[l], key);
            if (l == 0)
                assert_string_equal(s, xk_duty_title((xk_duty_kind)k));
        }
        for (size_t i = 0; i < xk_event_type_count(); i++) {
            snprintf(key, sizeof key, "event.%s", xk_event_type_at(i)->name);
            const char *s = message(cat, langs[l], key);
            if (l == 0)
                assert_string_equal(s, xk_event_type_at(i)->title);
        }
        /* every kind, and the variants: a notice also meets the renewal; 31 March a rest day */
        xk_obligation obs[] = {
            {.rule = XK_RULE_NONE},
            {.rule = XK_RULE_DAYS_BEFORE},
            {.rule = XK_RULE_DAYS_BEFORE, .alternative = true},
            {.rule = XK_RULE_FIRST_QUARTER, .due = {2024, 3, 31}},
            {.rule = XK_RULE_FIRST_QUARTER, .due = {2024, 4, 1}},
            {.rule = XK_RULE_DAYS_AFTER},
            {.rule = XK_RULE_WORKDAYS_AFTER},
            {.rule = XK_RULE_SAME_DAY},
            {.rule = XK_RULE_BY_LAUNCH},
        };
        size_t n = sizeof obs / sizeof obs[0];
        for (size_t i = 0; i < n; i++) {
            const char *k = xk_obligation_rule_key(&obs[i]);
            message(cat, langs[l], k);
            for (size_t j = 0; j < i; j++) /* each case its own key */
                assert_string_not_equal(k, xk_obligation_rule_key(&obs[j]));
        }
        json_decref(cat);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calendar_day_kinds),
        cmocka_unit_test(test_calendar_missing_year_is_provisional),
        cmocka_unit_test(test_period_ends_on_a_holiday_moves_to_next_working_day),
        cmocka_unit_test(test_period_ends_on_a_makeup_saturday_stays),
        cmocka_unit_test(test_period_ends_on_a_plain_weekend_moves),
        cmocka_unit_test(test_period_crosses_new_year),
        cmocka_unit_test(test_workdays_across_national_day_and_makeup),
        cmocka_unit_test(test_period_crossing_into_missing_year_is_provisional),
        cmocka_unit_test(test_days_before_and_last_working_day),
        cmocka_unit_test(test_calendar_counts_2026),
        cmocka_unit_test(test_calendar_file_errors_name_the_line),
        cmocka_unit_test(test_duties_read_from_the_provisions),
        cmocka_unit_test(test_duty_basis_longer_than_its_field_ends_whole),
        cmocka_unit_test(test_duties_seed_002_adds_termination_and_registration),
        cmocka_unit_test(test_status_of_seed_003_through_time),
        cmocka_unit_test(test_annual_reports_every_year_valid_on_1_january),
        cmocka_unit_test(test_trigger_and_fulfilment_matching),
        cmocka_unit_test(test_event_ref_that_is_not_a_number_is_refused),
        cmocka_unit_test(test_duties_decode_refuses_a_malformed_day_count),
        cmocka_unit_test(test_assessment_before_launch),
        cmocka_unit_test(test_termination_notice_only_where_the_licence_has_it),
        cmocka_unit_test(test_every_trigger_type_opens_and_closes_its_obligation),
        cmocka_unit_test(test_event_before_the_issue_date_is_refused_saying_what_is_accepted),
        cmocka_unit_test(test_event_after_today_needs_planned_and_a_trigger),
        cmocka_unit_test(test_renewal_application_counts_only_in_its_window),
        cmocka_unit_test(test_late_filing_is_kept_and_marked_late),
        cmocka_unit_test(test_annual_report_filed_before_its_year_is_refused),
        cmocka_unit_test(test_report_due_before_the_licence_was_known_is_no_filing_recorded),
        cmocka_unit_test(test_baseline_meets_reports_up_to_its_year_only),
        cmocka_unit_test(test_catalogue_words_every_duty_event_and_rule),
    };
    return cmocka_run_group_tests(tests, load_calendar, free_calendar);
}
