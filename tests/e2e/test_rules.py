"""End-to-end tests of the rules through the real binary: the calendar facts of every shipped
year (transcribed here independently from the domain notes, not read from data/calendar.txt),
the workday arithmetic, a user calendar file, events, status of the seeds on several dates,
the agenda, and the iCalendar feed parsed by a real iCalendar parser (python3-icalendar).

usage: test_rules.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile

import stores

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix='xuke-rules-')
SEEDS = os.path.join(FIXTURES, 'seeds')
results = {'passed': 0, 'failed': 0}

# (year, rest-day ranges, make-up working weekend days), from the State Council notices as the
# domain notes list them.
FACTS = {
    2020: ([('01-01',), ('01-24', '02-02'), ('04-04', '04-06'), ('05-01', '05-05'), ('06-25', '06-27'),
            ('10-01', '10-08')], ['01-19', '04-26', '05-09', '06-28', '09-27', '10-10']),
    2021: ([('01-01', '01-03'), ('02-11', '02-17'), ('04-03', '04-05'), ('05-01', '05-05'),
            ('06-12', '06-14'), ('09-19', '09-21'), ('10-01', '10-07')],
           ['02-07', '02-20', '04-25', '05-08', '09-18', '09-26', '10-09']),
    2022: ([('01-01', '01-03'), ('01-31', '02-06'), ('04-03', '04-05'), ('04-30', '05-04'),
            ('06-03', '06-05'), ('09-10', '09-12'), ('10-01', '10-07')],
           ['01-29', '01-30', '04-02', '04-24', '05-07', '10-08', '10-09']),
    2023: ([('01-01', '01-02'), ('01-21', '01-27'), ('04-05',), ('04-29', '05-03'), ('06-22', '06-24'),
            ('09-29', '10-06')], ['01-28', '01-29', '04-23', '05-06', '06-25', '10-07', '10-08']),
    2024: ([('01-01',), ('02-10', '02-17'), ('04-04', '04-06'), ('05-01', '05-05'), ('06-10',),
            ('09-15', '09-17'), ('10-01', '10-07')],
           ['02-04', '02-18', '04-07', '04-28', '05-11', '09-14', '09-29', '10-12']),
    2025: ([('01-01',), ('01-28', '02-04'), ('04-04', '04-06'), ('05-01', '05-05'), ('05-31', '06-02'),
            ('10-01', '10-08')], ['01-26', '02-08', '04-27', '09-28', '10-11']),
    2026: ([('01-01', '01-03'), ('02-15', '02-23'), ('04-04', '04-06'), ('05-01', '05-05'),
            ('06-19', '06-21'), ('09-25', '09-27'), ('10-01', '10-07')],
           ['01-04', '02-14', '02-28', '05-09', '09-20', '10-10']),
}


def run(*args, timeout=120):
    p = subprocess.run([XUKE, *args], capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok   ' if ok else 'FAIL ') + name + ('' if ok else '\n     ' + str(detail)[:1500]))


def day(year, md):
    m, d = md.split('-')
    return dt.date(year, int(m), int(d))


# 2023's New Year holiday began on 2022-12-31
CROSS_YEAR_OFF = [dt.date(2022, 12, 31)]


def expected(year):
    ranges, work = FACTS[year]
    off = {d for d in CROSS_YEAR_OFF if d.year == year}
    for r in ranges:
        a = day(year, r[0])
        b = day(year, r[-1])
        while a <= b:
            off.add(a)
            a += dt.timedelta(days=1)
    return off, {day(year, w) for w in work}


def test_calendar_facts():
    for year in FACTS:
        off, work = expected(year)
        rc, out, err = run('calendar', str(year))
        listed_off, listed_work = set(), set()
        for line in out.split('\n')[1:]:
            parts = line.split()
            if len(parts) >= 3:
                d = dt.date.fromisoformat(parts[0])
                (listed_off if parts[2] == '休' else listed_work).add(d)
        in_year_off = {d for d in listed_off if d.year == year}
        check(f'{year}: every holiday and make-up working day as published',
              rc == 0 and in_year_off == off and listed_work == work,
              f'missing off {sorted(off - in_year_off)} extra off {sorted(in_year_off - off)} '
              f'work {sorted(listed_work ^ work)} {err}')
        count = sum(1 for i in range((dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1)
                    for d in [dt.date(year, 1, 1) + dt.timedelta(days=i)]
                    if (d in work) or (d.weekday() < 5 and d not in off))
        rc, out, _ = run('workdays', 'between', f'{year}-01-01', f'{year}-12-31')
        check(f'{year}: {count} working days', rc == 0 and out.strip() == str(count), out)
    rc, out, err = run('calendar', '2027')
    check('2027 is not published: weekends only, marked provisional',
          rc == 0 and 'provisional' in out and '2027' in err, out + err)


def test_workdays_cli():
    rc, out, err = run('workdays', 'add', '2026-09-28', '10')
    check('workdays add across National Day and a make-up Saturday', out.strip() == '2026-10-16' and err == '', out + err)
    rc, out, err = run('workdays', 'add', '2026-12-28', '10')
    check('workdays add into 2027 warns that it is provisional',
          out.strip() == '2027-01-11' and 'provisional' in err and '2027' in err, out + err)
    rc, out, err = run('workdays', 'between', '2026-02-30', '2026-03-01')
    check('an impossible date is a usage error', rc == 2 and 'not a date' in err, err)


def test_user_calendar_file():
    src = os.path.join(os.path.dirname(FIXTURES), '..', 'data', 'calendar.txt')
    mine = os.path.join(TMP, 'calendar.txt')
    with open(src, encoding='utf-8') as f:
        text = f.read()
    with open(mine, 'w', encoding='utf-8') as f:
        f.write(text + '\nyear 2027\noff 2027-01-01 2027-01-03 元旦\n')
    rc, out, err = run('workdays', '--calendar', mine, 'add', '2026-12-28', '10')
    check('a user calendar adding 2027 removes the provisional mark', rc == 0 and err == '' and out.strip() == '2027-01-12',
          out + err)
    env = dict(os.environ, XUKE_CALENDAR=mine)
    p = subprocess.run([XUKE, 'calendar', '2027'], capture_output=True, env=env)
    check('$XUKE_CALENDAR names the calendar too', b'2027-01-01' in p.stdout and p.returncode == 0, p.stdout[:300])
    bad = os.path.join(TMP, 'bad.txt')
    with open(bad, 'w', encoding='utf-8') as f:
        f.write('year 2027\n# a comment\nwork 2027-01-05 not a weekend\n')
    rc, out, err = run('calendar', '--calendar', bad, '2027')
    check('a bad calendar file is refused with its file and line', rc == 1 and 'bad.txt:3:' in err and 'weekday' in err, err)


def test_events_status_deadlines():
    db = stores.fresh(TMP, 'r.db')  # a PostgreSQL database under e2e_rules_pg
    seeds = sorted(os.path.join(SEEDS, f) for f in os.listdir(SEEDS) if f.endswith('.txt'))
    run('import', '--db', db, *seeds)
    expect = {
        '2026-06-01': {'琼B2-20220293': 'valid', '琼B2-20210620': 'renewal_overdue',
                       '苏B2-20201765': 'expired', '京B2-20224676': 'valid'},
        '2026-09-15': {'琼B2-20220293': 'valid', '琼B2-20210620': 'expired',
                       '苏B2-20201765': 'expired', '京B2-20224676': 'renewal_due'},
        '2026-11-23': {'琼B2-20220293': 'renewal_due', '琼B2-20210620': 'expired',
                       '苏B2-20201765': 'expired', '京B2-20224676': 'renewal_overdue'},
        '2022-06-01': {'琼B2-20220293': 'valid', '琼B2-20210620': 'not_yet_valid',
                       '苏B2-20201765': 'valid', '京B2-20224676': 'not_yet_valid'},
    }
    for as_of, want in expect.items():
        rc, out, err = run('status', '--db', db, '--as-of', as_of, '--json')
        got = {r['number']: r['status'] for r in json.loads(out)['licences']} if rc == 0 else {}
        check(f'status of the four seeds as of {as_of}', got == want, f'{got} {err}')
    rc, out, _ = run('status', '--db', db, '--as-of', '2026-11-23', '--json')
    data = json.loads(out)
    check('status output states its date and the provisional year',
          data['as_of'] == '2026-11-23' and data['provisional_years'] == '2027', out[:300])
    rc, out, err = run('event', 'add', '--db', db, '京B2-20224676', 'renewal_applied', '2026-11-20',
                       '--note', 'filed online')
    check('a fulfilment that meets the open renewal is recorded', rc == 0 and 'recorded event' in out, out + err)
    rc, out, _ = run('status', '--db', db, '--as-of', '2026-11-23', '--number', '京B2-20224676', '--json')
    check('after it the licence is valid', json.loads(out)['licences'][0]['status'] == 'valid', out[:300])
    rc, out, err = run('event', 'add', '--db', db, '京B2-20224676', 'renewal_applied', '2026-11-21')
    check('a second renewal application matches nothing and is refused', rc == 1 and 'no open obligation' in err, err)
    rc, out, err = run('event', 'add', '--db', db, '京B2-20224676', 'annual_report_filed', '2026-03-01')
    check('annual_report_filed without --year is refused', rc == 1 and '--year' in err, err)
    rc, out, err = run('event', 'add', '--db', db, '京B2-20224676', 'annual_report_filed', '2026-03-01', '--year', '2023')
    check('an annual report for a year the licence was not valid on 1 January is refused', rc == 1, err)
    rc, out, err = run('event', 'add', '--db', db, '京B2-20224676', 'illegal_info_handled', '2026-11-16')
    rc2, out2, _ = run('deadlines', '--db', db, '--as-of', '2026-11-23', '--number', '京B2-20224676', '--json')
    items = json.loads(out2)['deadlines']
    illegal = [i for i in items if i['duty'] == 'illegal_info_report']
    check('a trigger opens an obligation due 10 working days later, citing 九',
          rc == 0 and len(illegal) == 1 and illegal[0]['due'] == '2026-11-30' and illegal[0]['basis'] == '九', out2[:600])
    check('the agenda is soonest first', [i['due'] for i in items] == sorted(i['due'] for i in items), items)
    rc, out, err = run('event', 'add', '--db', db, '京B2-20224676', 'no_such_type', '2026-11-16')
    check('an unknown event type is refused', rc == 1 and 'unknown event type' in err, err)
    rc, out, _ = run('event', 'types')
    check('event types lists triggers and fulfilments', 'change_decided' in out and 'provincial_cancelled' in out, out)
    rc, out, _ = run('event', 'list', '--db', db, '京B2-20224676')
    check('event list shows what was recorded', '2 events' in out and 'filed online' in out, out)
    rc, out, _ = run('audit', '--db', db, '京B2-20224676')
    actions = [line.split()[3] for line in out.strip().split('\n') if len(line.split()) > 3]
    check('events go through the audit log', actions.count('event') == 2, out)
    # the illegal-information report of 2026-11-16 was due 2026-11-30 (10 working days): overdue
    # on 2026-12-20 (the annual reports, due before the import, count as no filing recorded)
    rc, out, _ = run('deadlines', '--db', db, '--as-of', '2026-12-20', '--within', '30', '--json')
    within = json.loads(out)['deadlines']
    check('--within keeps overdue items and those due in the window',
          all(i['due'] <= '2027-01-19' for i in within)
          and any(i['overdue'] and i['duty'] == 'illegal_info_report' for i in within), within[:3])
    return db


def test_ics(db):
    from icalendar import Calendar
    rc, out, err = run('deadlines', '--db', db, '--as-of', '2026-11-23', '--ics')
    raw = out.encode('utf-8')
    lines = raw.split(b'\r\n')
    check('iCalendar lines end in CRLF and are at most 75 octets',
          rc == 0 and raw.endswith(b'\r\n') and all(len(l) <= 75 for l in lines), max(len(l) for l in lines))
    cal = Calendar.from_ical(out)
    events = [c for c in cal.walk('VEVENT')]
    rc2, out2, _ = run('deadlines', '--db', db, '--as-of', '2026-11-23', '--json')
    n = len(json.loads(out2)['deadlines'])
    check('the feed parses and has one event per deadline', len(events) == n and n > 0, f'{len(events)} vs {n}')
    ok = all(isinstance(e.decoded('DTSTART'), dt.date) and not isinstance(e.decoded('DTSTART'), dt.datetime)
             and len(e.walk('VALARM')) == 2 and str(e['UID']).endswith('@xuke') for e in events)
    check('every event is all-day with alarms 30 and 7 days before and a stable UID', ok)
    prov = [e for e in events if 'provisional' in str(e['SUMMARY'])]
    check('deadlines in 2027 are marked provisional in the feed', len(prov) > 0 and 'not published' in str(prov[0]['DESCRIPTION']),
          [str(e['SUMMARY']) for e in events][:5])
    uids = [str(e['UID']) for e in events]
    check('UIDs are unique', len(uids) == len(set(uids)), uids)


test_calendar_facts()
test_workdays_cli()
test_user_calendar_file()
rules_db = test_events_status_deadlines()
test_ics(rules_db)
stores.drop_all()
shutil.rmtree(TMP, ignore_errors=True)
print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results['failed'] else 0)
