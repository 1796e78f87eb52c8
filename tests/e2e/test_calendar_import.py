"""End-to-end tests of `xuke calendar import`: the State Council's published notices for every
year data/calendar.txt holds (tests/notices/, verbatim, sources in SOURCES.md) are
imported into an empty calendar, and each gives exactly that year's lines of the shipped file, so
the file itself is checked against the notices. Broken variants, made here from the seeds (a
wrong weekday, a 共N天 that does not add up, a 上班 on a Wednesday, no year, overlapping
holidays), each give their error naming the file and line and leave the calendar file unchanged.
Also: GB18030 input, a notice rewrapped over several lines, a year already present (refused, then
--replace), --dry-run, and the working-day arithmetic following an imported year.

usage: test_calendar_import.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
NOTICES = os.path.join(os.path.dirname(os.path.abspath(FIXTURES)), 'notices')
DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(FIXTURES))), 'data',
                    'calendar.txt')
TMP = tempfile.mkdtemp(prefix='xuke-calimport-')
YEARS = range(2020, 2027)
results = {'passed': 0, 'failed': 0}


def run(*args, env=None):
    e = dict(os.environ)
    e.pop('XUKE_CALENDAR', None)
    e.update(env or {})
    p = subprocess.run([XUKE, *args], capture_output=True, timeout=60, env=e)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok   ' if ok else 'FAIL ') + name + ('' if ok else '\n     ' + str(detail)[:1500]))


def facts(text, year):
    """The off/work lines of year's section, as (kind, dates..., name) tuples."""
    out, on = [], False
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if line.startswith('year '):
            on = line.split()[1] == str(year)
        elif on and line.split()[:1] in (['off'], ['work']):
            parts = line.split(None, 3 if line.startswith('off') else 2)
            if parts[0] == 'off' and not re.match(r'\d{4}-', parts[2] if len(parts) > 2 else ''):
                parts = [parts[0], parts[1], parts[1], line.split(None, 2)[2]]
            out.append(tuple(parts))
    return out


def notice(year):
    with open(os.path.join(NOTICES, f'{year}.txt'), encoding='utf-8') as f:
        return f.read()


def write(name, text, encoding='utf-8'):
    path = os.path.join(TMP, name)
    with open(path, 'wb') as f:
        f.write(text.encode(encoding))
    return path


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def line_of(text, needle):
    return text[:text.index(needle)].count('\n') + 1


with open(DATA, encoding='utf-8') as f:
    SHIPPED = f.read()

# 1. each notice into an empty calendar gives exactly the shipped year (2020: the extension)
for year in YEARS:
    cal = os.path.join(TMP, f'empty-{year}.txt')
    rc, out, err = run('calendar', 'import', os.path.join(NOTICES, f'{year}.txt'),
                       '--calendar', cal)
    with open(cal, encoding='utf-8') if os.path.exists(cal) else open(os.devnull) as f:
        got = facts(f.read(), year)
    want = facts(SHIPPED, year)
    if year == 2020:  # 国办发明电〔2020〕1号 extended the Spring Festival to 2 February
        want = [('off', '2020-01-24', '2020-01-30', '春节') if w[:2] == ('off', '2020-01-24')
                else w for w in want] + [('work', '2020-02-01', '春节调休')]
        want.sort(key=lambda w: (w[0] != 'off', w[1]))
    check(f'notice_{year}_gives_the_shipped_year', rc == 0 and got == want and len(got) > 8,
          f'rc={rc} {err}\n got={got}\nwant={want}')

# 2. the weekdays the calendar computes for the make-up days are weekends (independent check)
import datetime as dt
for year in YEARS:
    bad = [w for w in facts(SHIPPED, year) if w[0] == 'work'
           and dt.date.fromisoformat(w[1]).weekday() < 5]
    check(f'shipped_{year}_makeup_days_are_weekends', not bad, bad)

# 3. broken notices: each error names the file and line, and the calendar file is unchanged
base = notice(2021)
cal = os.path.join(TMP, 'kept.txt')
shutil.copy(DATA, cal)
with open(cal, encoding='utf-8') as f:
    kept_text = f.read()
kept_text = kept_text.replace('year 2021\n', 'year 2019\n')  # so 2021 is not present
with open(cal, 'w', encoding='utf-8') as f:
    f.write(re.sub(r'\n(off|work)  ?2021-\d\d-\d\d[^\n]*', '', kept_text))
before = digest(cal)
BROKEN = [
    ('wrong_weekday', '2月7日（星期日）', '2月7日（星期一）', '星期日'),
    ('count_does_not_add_up', '2月11日至17日放假调休，共7天', '2月11日至17日放假调休，共6天', '共6天'),
    ('work_on_a_wednesday', '9月18日（星期六）上班', '9月22日（星期三）上班', '星期三'),
    ('end_before_start', '4月3日至5日', '4月3日至1日', 'before'),
    ('overlapping_holidays', '六、中秋节：9月19日至21日', '六、中秋节：9月30日至10月2日', 'overlaps',
     '七、国庆节'),
    ('not_a_holiday_name', '五、端午节：', '五、重阳节：', '重阳节'),
    ('impossible_date', '6月12日至14日', '6月31日至14日', 'not a date'),
]
for name, old, new, said, *at in BROKEN:
    text = base.replace(old, new, 1)
    assert text != base, name
    path = write(f'broken-{name}.txt', text)
    rc, out, err = run('calendar', 'import', path, '--calendar', cal)
    where = f'{path}:{line_of(text, at[0] if at else new)}:'  # the later of two overlapping items
    check(f'broken_{name}_names_the_line', rc != 0 and where in err and said in err,
          f'rc={rc} want {where} and {said!r} in: {err}')
    check(f'broken_{name}_leaves_the_file', digest(cal) == before)

no_year = '\n'.join(l for l in base.splitlines() if '2021年' not in l or l.lstrip('　 ').startswith('一'))
no_year = no_year.replace('2021年', '')
path = write('broken-no-year.txt', no_year)
rc, out, err = run('calendar', 'import', path, '--calendar', cal)
check('broken_no_year_is_refused', rc != 0 and 'no year' in err and path in err, err)
check('broken_no_year_leaves_the_file', digest(cal) == before)

both = base.replace('现将2021年', '现将2022年')
path = write('broken-two-years.txt', both)
rc, out, err = run('calendar', 'import', path, '--calendar', cal)
check('title_and_body_years_disagree', rc != 0 and f'{path}:{line_of(both, "现将")}:' in err, err)

rc, out, err = run('calendar', 'import', os.path.join(TMP, 'missing.txt'), '--calendar', cal)
check('missing_notice_is_an_error', rc != 0 and 'missing.txt' in err and digest(cal) == before, err)

# 4. a good import into the file: placed in year order, others untouched, arithmetic follows
rc, out, err = run('workdays', '--calendar', cal, 'add', '2021-09-17', '1')
check('before_import_2021_is_provisional', 'provisional' in err and out.strip() == '2021-09-20',
      out + err)
rc, out, err = run('calendar', 'import', os.path.join(NOTICES, '2021.txt'), '--calendar', cal)
check('import_shows_the_added_lines', rc == 0 and '+off  2021-02-11 2021-02-17 春节' in out, out + err)
with open(cal, encoding='utf-8') as f:
    after = f.read()
check('import_keeps_other_years', all(facts(after, y) == facts(SHIPPED, y) for y in YEARS if y != 2021))
check('import_writes_the_year', facts(after, 2021) == facts(SHIPPED, 2021))
check('import_in_year_order', after.index('year 2021') < after.index('year 2022') and
      after.index('year 2020') < after.index('year 2021'))
rc, out, err = run('workdays', '--calendar', cal, 'add', '2021-09-17', '1')
check('after_import_the_makeup_day_counts', rc == 0 and out.strip() == '2021-09-18' and
      'provisional' not in err, out + err)

# 5. a year present is refused without --replace, then replaced
before = digest(cal)
rc, out, err = run('calendar', 'import', os.path.join(NOTICES, '2021.txt'), '--calendar', cal)
check('year_present_is_refused', rc != 0 and '--replace' in err and digest(cal) == before, err)
rc, out, err = run('calendar', 'import', os.path.join(NOTICES, '2021.txt'), '--calendar', cal,
                   '--replace')
with open(cal, encoding='utf-8') as f:
    replaced = f.read()
check('replace_rewrites_the_year', rc == 0 and facts(replaced, 2021) == facts(SHIPPED, 2021) and
      replaced.count('year 2021') == 1, out + err)

# 6. GB18030, and an item wrapped over two lines as a narrow page copies it
path = write('2024-gb18030.txt', notice(2024), 'gb18030')
empty = os.path.join(TMP, 'gb.txt')
rc, out, err = run('calendar', 'import', path, '--calendar', empty)
with open(empty, encoding='utf-8') if os.path.exists(empty) else open(os.devnull) as f:
    check('gb18030_notice', rc == 0 and facts(f.read(), 2024) == facts(SHIPPED, 2024), err)
wrapped = notice(2022).replace('放假调休，共7天。1月29日', '放假调休，共7天。\n1月29日', 1)
wrapped = wrapped.replace('4月24日（星期日）、', '4月24日（星期日）、\n  ', 1)
path = write('2022-wrapped.txt', wrapped)
empty = os.path.join(TMP, 'wrapped.txt')
rc, out, err = run('calendar', 'import', path, '--calendar', empty)
with open(empty, encoding='utf-8') if os.path.exists(empty) else open(os.devnull) as f:
    check('wrapped_notice', rc == 0 and facts(f.read(), 2022) == facts(SHIPPED, 2022), err)
items_only = '\n'.join(l for l in notice(2026).splitlines() if '现将' in l or '、' in l[:4] or
                       l.lstrip('　').startswith(('一', '二', '三', '四', '五', '六', '七')))
path = write('2026-items.txt', items_only)
empty = os.path.join(TMP, 'items.txt')
rc, out, err = run('calendar', 'import', path, '--calendar', empty)
with open(empty, encoding='utf-8') if os.path.exists(empty) else open(os.devnull) as f:
    check('notice_without_title_and_closing', rc == 0 and
          facts(f.read(), 2026) == facts(SHIPPED, 2026), err)

# 7. --dry-run prints the year as `xuke calendar YEAR` would, and writes nothing
empty = os.path.join(TMP, 'dry.txt')
rc, out, err = run('calendar', 'import', os.path.join(NOTICES, '2025.txt'), '--calendar', empty,
                   '--dry-run')
rc2, shown, _ = run('calendar', '--calendar', DATA, '2025')
body = lambda s: [l for l in s.splitlines() if l.startswith('  ')]
# 2025 by hand: 365 days - 104 weekend days - 18 weekday rest days (元旦 1, 春节 6, 清明 1,
# 劳动节 3, 端午 1, 国庆 6) + 5 make-up working days = 248
check('dry_run_writes_nothing', rc == 0 and not os.path.exists(empty), out + err)
check('dry_run_shows_the_year', body(out) == body(shown) and len(body(out)) > 20 and
      '2025: 248 working days' in out, out + '\n' + shown)

shutil.rmtree(TMP)
print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results['failed'] else 0)
