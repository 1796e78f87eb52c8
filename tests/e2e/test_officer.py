"""End-to-end tests of what a compliance officer relies on, through the real binary and a real
SQLite file: a read command never creates a store and never answers "all clear" from a missing
or empty one; status and deadlines give exit codes to alert on. Expected values come from the
seeds' printed dates and the domain notes' rules, not from xuke's output.

usage: test_officer.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import csv
import http.client
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

XUKE, FIXTURES = os.path.abspath(sys.argv[1]), sys.argv[2]
TMP = tempfile.mkdtemp(prefix='xuke-officer-')
SEEDS = os.path.join(FIXTURES, 'seeds')
results = {'passed': 0, 'failed': 0}


def run(*args, cwd=None, env=None):
    e = dict(os.environ)
    e.pop('XUKE_DB', None)
    e.update(env or {})
    p = subprocess.run([XUKE, *args], capture_output=True, timeout=120, cwd=cwd, env=e)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok   ' if ok else 'FAIL ') + name + ('' if ok else '\n     ' + str(detail)[:1500]))


def seeds():
    return sorted(os.path.join(SEEDS, f) for f in os.listdir(SEEDS) if f.endswith('.txt'))


def test_read_commands_need_a_store():
    empty_dir = os.path.join(TMP, 'wrong-folder')
    os.mkdir(empty_dir)
    for argv in (['status'], ['deadlines'], ['search', '--company', '好美'], ['export'],
                 ['summary'], ['get', '京B2-20224676'], ['event', 'list', '京B2-20224676'],
                 ['history', '京B2-20224676'], ['audit']):
        rc, out, err = run(*argv, cwd=empty_dir)
        check(f'{argv[0]} in a folder without a store is an error naming ./xuke.db',
              rc != 0 and 'no store at xuke.db' in err and 'import' in err and out == '', f'{rc} {out} {err}')
    check('and none of them created a store', os.listdir(empty_dir) == [], os.listdir(empty_dir))
    typo = os.path.join(TMP, 'typo.db')
    rc, out, err = run('status', '--db', typo)
    check('status --db with a typo exits 3 (no answer) and names the path',
          rc == 3 and typo in err and not os.path.exists(typo), f'{rc} {err}')
    rc, out, err = run('deadlines', env={'XUKE_DB': typo}, cwd=empty_dir)
    check('deadlines with XUKE_DB naming nothing exits 3', rc == 3 and typo in err, f'{rc} {err}')


def test_write_creates_and_says_so():
    db = os.path.join(TMP, 'new.db')
    rc, out, err = run('import', '--db', db, *seeds())
    check('import creates a missing store and says so once',
          rc == 0 and os.path.exists(db) and err.count('created a new store') == 1 and db in err, err)
    rc, out, err = run('import', '--db', db, *seeds())
    check('a second import into it says nothing about creating', 'created' not in err, err)
    return db


def test_empty_store_is_no_all_clear():
    db = os.path.join(TMP, 'empty.db')
    rc, _, err = run('token', 'create', '--db', db, 'reader1', '--role', 'reader')
    check('token create makes a store (a write)', rc == 0 and os.path.exists(db), err)
    for cmd in ('status', 'deadlines'):
        rc, out, err = run(cmd, '--db', db)
        check(f'{cmd} on a store holding no licences exits 3 and says it is empty',
              rc == 3 and 'holds no licences' in err and 'valid' not in out, f'{rc} {out} {err}')


def test_exit_codes_to_alert_on(db):
    # 琼B2-20210620 expires 2026-07-19: its renewal deadline (90 days before) is past on
    # 2026-06-01 with nothing recorded, so it is renewal_overdue then.
    rc, out, err = run('status', '--db', db, '--as-of', '2026-06-01', '--fail-on', 'renewal_overdue')
    check('status --fail-on renewal_overdue exits 1 when one is', rc == 1 and '1 licence' in err, f'{rc} {err}')
    rc, out, err = run('status', '--db', db, '--as-of', '2026-06-01', '--fail-on', 'renewal_overdue',
                       '--json')
    check('and still prints its JSON', rc == 1 and len(json.loads(out)['licences']) == 4, f'{rc} {out[:200]}')
    rc, out, err = run('status', '--db', db, '--as-of', '2026-06-01', '--number', '京B2-20224676',
                       '--fail-on', 'renewal_overdue,expired')
    check('status --fail-on exits 0 when nothing matches', rc == 0, f'{rc} {err}')
    rc, out, err = run('status', '--db', db, '--as-of', '2026-06-01', '--fail-on', 'overdue')
    check('status --fail-on overdue exits 1 on an overdue obligation', rc == 1, f'{rc} {err}')
    rc, out, err = run('status', '--db', db, '--fail-on', 'overdew')
    check('an unknown --fail-on word is a usage error listing what is accepted',
          rc == 2 and 'renewal_overdue' in err and 'overdew' in err, f'{rc} {err}')
    rc, out, err = run('deadlines', '--db', db, '--as-of', '2026-06-01', '--within', '30', '--fail-on-any')
    check('deadlines --within 30 --fail-on-any exits 1 with overdue items', rc == 1, f'{rc} {err}')
    rc, out, err = run('deadlines', '--db', db, '--as-of', '2026-06-01', '--within', '30')
    check('without --fail-on-any deadlines exits 0', rc == 0, f'{rc} {err}')


def test_fail_on_any_quiet_when_nothing_open():
    db = os.path.join(TMP, 'one.db')
    # 琼B2-20220293 was issued 2022-04-15: on 2022-04-20 it is valid, no annual report is due
    # until 31 March of the next year and the renewal is years away.
    one = [s for s in seeds() if '20220293' in open(s, encoding='utf-8', errors='replace').read()]
    run('import', '--db', db, *one)
    rc, out, err = run('deadlines', '--db', db, '--as-of', '2022-04-20', '--within', '30', '--fail-on-any')
    check('deadlines --fail-on-any exits 0 when nothing is due in the window',
          len(one) == 1 and rc == 0, f'{rc} {out} {err}')


# The seeds' statuses worked out by hand from their printed dates (renewal: 90 days before
# expiry, renewal_due within 60 days of that deadline), per the domain notes.
EXPECTED = {
    '2026-06-01': {'琼B2-20220293': 'valid', '琼B2-20210620': 'renewal_overdue',
                   '苏B2-20201765': 'expired', '京B2-20224676': 'valid'},
    '2026-12-06': {'琼B2-20220293': 'renewal_due', '琼B2-20210620': 'expired',
                   '苏B2-20201765': 'expired', '京B2-20224676': 'renewal_overdue'},
}


def serve(db):
    proc = subprocess.Popen([XUKE, 'serve', '--db', db, '--listen', '127.0.0.1:0', '--public-read',
                             '--access-log', '/dev/null'], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    m = re.search(r'http://127\.0\.0\.1:(\d+)/', proc.stdout.readline().decode())
    return proc, (int(m.group(1)) if m else None)


def api_get(port, path):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    conn.request('GET', urllib.parse.quote(path, safe='/?&=%:'))
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, json.loads(body)


def test_one_status_vocabulary(db):
    proc, port = serve(db)
    try:
        for as_of, want in EXPECTED.items():
            rc, out, err = run('status', '--db', db, '--as-of', as_of, '--json')
            got = {r['number']: r['status'] for r in json.loads(out)['licences']} if out else {}
            check(f'status as of {as_of}', got == want, f'{got} {err}')
            got = {}
            for n in want:
                rc, out, err = run('get', '--db', db, '--as-of', as_of, '--json', n)
                o = json.loads(out) if rc == 0 else {}
                got[n] = o.get('status')
                if n == '琼B2-20210620':
                    check(f'get --json keeps the record\'s own state apart as of {as_of}',
                          o.get('record_state') == 'active' and o.get('status_as_of') == as_of, o)
            check(f'get --json says the same as status as of {as_of}', got == want, got)
            rc, out, err = run('get', '--db', db, '--as-of', as_of, '琼B2-20210620')
            check(f'get (text) prints the status as of {as_of}',
                  f'Status: {want["琼B2-20210620"]} as of {as_of}' in out, out[-400:] + err)
            rc, out, err = run('search', '--db', db, '--as-of', as_of, '--json')
            got = {h['number']: h['status'] for h in json.loads(out)['licences']} if rc == 0 else {}
            check(f'search --json says the same as status as of {as_of}',
                  {k: got.get(k) for k in want} == want, f'{got} {err}')
            rc, out, err = run('export', '--db', db, '--format', 'csv', '--as-of', as_of)
            rows = list(csv.DictReader(io.StringIO(out.lstrip('\ufeff'))))
            got = {r['number']: r['status'] for r in rows}
            check(f'export csv says the same as status as of {as_of}',
                  got == want and all(r['record_state'] == 'active' for r in rows), f'{got} {err}')
            if port:
                got = {n: api_get(port, f'/v1/licenses/{n}?as_of={as_of}')[1].get('status') for n in want}
                check(f'API /v1/licenses/NUMBER says the same as of {as_of}', got == want, got)
                st, body = api_get(port, f'/v1/licenses?as_of={as_of}&limit=100')
                got = {h['number']: h['status'] for h in body.get('items', [])}
                check(f'API search says the same as of {as_of}', got == want, body)
        check('the server started', port is not None)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_events_checked_and_reversible(db):
    # 琼B2-20220293: issued 2022-04-15, expires 2027-04-15, renewal due 2027-01-15 (90 days).
    n = '琼B2-20220293'
    rc, out, err = run('event', 'add', '--db', db, n, 'renewal_applied', '2022-05-01')
    check('a renewal application five years early is refused, saying which dates count',
          rc == 1 and 'renewal window' in err and '2026-04-15 to 2027-04-15' in err, err)
    rc, out, _ = run('deadlines', '--db', db, '--number', n, '--as-of', '2026-12-06', '--json')
    check('and the renewal deadline 2027-01-15 is still on the agenda',
          any(d['duty'] == 'renewal' and d['due'] == '2027-01-15' for d in json.loads(out)['deadlines']), out[:400])
    rc, out, err = run('event', 'add', '--db', db, n, 'incident', '2022-04-01')
    check('an event before the licence was issued is refused', rc == 1 and 'issued (2022-04-15)' in err, err)
    rc, out, err = run('event', 'add', '--db', db, n, 'annual_report_filed', '2099-03-01', '--year', '2026')
    check('a report filed in the future is refused', rc == 1 and 'after today' in err, err)
    rc, out, err = run('event', 'add', '--db', db, n, 'service_launched', '2099-03-01', '--planned')
    check('a planned trigger may lie ahead', rc == 0 and '(planned)' in out, out + err)
    rc, out, err = run('event', 'add', '--db', db, n, 'annual_report_filed', '2024-06-03', '--year', '2024')
    check('a late annual report is kept and said to be late (due 2024-04-01, 31 March a Sunday)',
          rc == 0 and 'LATE' in out and '2024-04-01' in out, out + err)
    rc, out, _ = run('status', '--db', db, '--number', n, '--as-of', '2026-12-06', '--json')
    over = [o for o in json.loads(out)['licences'][0]['overdue'] if o['duty'] == 'annual_report']
    check('the 2024 report is no longer overdue', all(o.get('year') != 2024 for o in over), over)
    rc, out, err = run('event', 'add', '--db', db, n, 'renewal_applied', '2026-11-02')
    eid = re.search(r'recorded event (\d+)', out)
    check('a renewal application inside the window is recorded', rc == 0 and eid, out + err)
    rc, out, _ = run('status', '--db', db, '--number', n, '--as-of', '2026-12-06', '--json')
    check('and the licence is valid', json.loads(out)['licences'][0]['status'] == 'valid', out[:300])
    rc, out, err = run('event', 'void', '--db', db, eid.group(1) if eid else '0')
    check('voiding without a reason is refused', rc == 2 and '--reason' in err, err)
    rc, out, err = run('event', 'void', '--db', db, eid.group(1) if eid else '0', '--reason', 'wrong licence')
    check('an event is voided with a reason', rc == 0 and 'voided event' in out, out + err)
    rc, out, _ = run('status', '--db', db, '--number', n, '--as-of', '2026-12-06', '--json')
    check('once voided it no longer counts: renewal due again',
          json.loads(out)['licences'][0]['status'] == 'renewal_due', out[:300])
    rc, out, _ = run('event', 'list', '--db', db, n)
    check('the voided event is still listed, marked with its reason', 'VOIDED' in out and 'wrong licence' in out, out)
    rc, out, _ = run('audit', '--db', db, n)
    check('the void is in the audit log', 'event_void' in out, out)
    rc, out, err = run('event', 'void', '--db', db, eid.group(1) if eid else '0', '--reason', 'again')
    check('voiding twice is refused', rc == 1 and 'already voided' in err, err)
    rc, out, err = run('event', 'void', '--db', db, '999999', '--reason', 'x')
    check('voiding an unknown id is refused', rc == 1 and 'no event 999999' in err, err)
    rc, out, err = run('event', 'add', '--db', db, n, 'renewal_applied', '2026-11-03', '--evidence',
                       os.path.join(FIXTURES, '..', 'evidence', 'notice.png'), '--evidence', os.path.join(SEEDS, os.listdir(SEEDS)[0]))
    check('a text file given as evidence is refused, and nothing recorded', rc == 1 and 'PDF, PNG or JPEG' in err, out + err)
    receipt = os.path.join(FIXTURES, '..', 'evidence', 'receipt.pdf')
    rc, out, err = run('event', 'add', '--db', db, n, 'renewal_applied', '2026-11-03', '--evidence', receipt)
    check('a renewal application is recorded with its receipt', rc == 0 and 'recorded event' in out, out + err)
    import hashlib
    sha = hashlib.sha256(open(receipt, 'rb').read()).hexdigest()
    rc, out, _ = run('event', 'list', '--db', db, n)
    check('event list names the receipt by its SHA-256 and name', f'evidence {sha} receipt.pdf (pdf' in out, out)
    check('the void is a correcting entry of its own, naming the event', re.search(r'correction\s+ref #' + (eid.group(1) if eid else 'x'), out), out)
    rc, out, _ = run('audit', '--db', db, '--verify')
    check('the audit chain still verifies', rc == 0, out)


def test_nothing_cut_silently():
    # 130 licences of one company (a seed's record under new numbers): more than a page
    db = os.path.join(TMP, 'many.db')
    src = os.path.join(TMP, 'many')
    os.mkdir(src)
    records = []
    with open(os.path.join(SEEDS, '000_a96b5bc2dd3fa082.json'), encoding='utf-8') as f:
        base = json.load(f)
    for i in range(130):
        r = dict(base)
        r['number'] = f'琼B2-2022{i:04d}'
        records.append(json.dumps(r, ensure_ascii=False))
    path = os.path.join(src, 'many.jsonl')
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(records) + '\n')
    rc, out, err = run('import', '--db', db, path)
    check('130 licences of one company imported', rc == 0, err[-300:])
    company = base['company']
    rc, out, err = run('search', '--db', db, '--company', company)
    check('search stops at 100 and says "shown 100 of 130" on stderr',
          rc == 0 and out.count('\n') == 100 and 'shown 100 of 130' in err, f'{out.count(chr(10))} {err}')
    rc, out, err = run('search', '--db', db, '--company', company, '--json')
    o = json.loads(out) if rc == 0 else {}
    check('and its JSON carries shown, total and truncated',
          len(o.get('licences', [])) == 100 and o.get('total') == 130 and o.get('truncated') is True
          and o.get('shown') == 100, {k: v for k, v in o.items() if k != 'licences'})
    rc, out, err = run('search', '--db', db, '--company', company, '--all', '--json')
    o = json.loads(out) if rc == 0 else {}
    check('--all lists every one, not truncated', len(o.get('licences', [])) == 130 and o.get('truncated') is False
          and 'shown' not in err, err)
    rc, out, err = run('search', '--db', db, '--company', company, '--limit', '130')
    check('a limit that cuts nothing says nothing', rc == 0 and err == '', err)
    rc, out, err = run('export', '--db', db, '--limit', '7')
    check('export --limit says how many it left out', rc == 0 and 'exported 7 of 130' in err, err)


def test_conventions(db):
    rc, out, err = run('get', '--db', db, '京b2-20224676')
    check('a licence number typed in lower case is the same licence', rc == 0 and '京B2-20224676' in out, err)
    rc, out, err = run('get', '--db', db, '京Ｂ２－２０２２４６７６')
    check('and in full-width forms', rc == 0 and '京B2-20224676' in out, err)
    rc, out, err = run('search', '--db', db, '好美')
    check('a bare search WORD searches company names', rc == 0 and '京B2-20224676' in out, out + err)
    rc, out, err = run('search', '--db', db, 'www.xiaohe.cn')
    check('a bare host name searches domains', rc == 0 and 'covers it: xiaohe.cn' in out, out + err)
    proc = subprocess.Popen([XUKE, 'serve', '--db', db, '--listen', 'localhost:0', '--public-read',
                             '--access-log', '/dev/null'], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = proc.stdout.readline().decode()
    m = re.search(r':(\d+)/', line)
    try:
        ok = False
        if m:
            st, body = api_get(int(m.group(1)), '/v1/licenses/京b2-20224676')
            ok = st == 200 and body.get('number') == '京B2-20224676'
        check('serve --listen localhost:PORT is accepted (loopback), and the API takes a lower-case number',
              ok, line + (proc.stderr.read1(2000).decode() if not m else ''))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def on_terminal(*args, env=None, stream='stdout'):
    """stdout (or stderr) of xuke run on a pseudo-terminal (what a person at a terminal sees)."""
    import pty
    e = dict(os.environ)
    e.pop('NO_COLOR', None)
    e['TERM'] = 'xterm'
    e.update(env or {})
    master, slave = pty.openpty()
    if stream == 'stdout':
        p = subprocess.Popen([XUKE, *args], stdout=slave, stderr=subprocess.DEVNULL, env=e)
    else:
        p = subprocess.Popen([XUKE, *args], stdout=subprocess.DEVNULL, stderr=slave, env=e)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    p.wait(timeout=60)
    os.close(master)
    return b''.join(chunks).decode('utf-8', 'replace')


def test_colours_on_a_terminal_only(db):
    argv = ('status', '--db', db, '--as-of', '2026-12-06')
    out = on_terminal(*argv)
    check('statuses are coloured on a terminal (renewal_overdue in bold red)',
          '\033[1;31mrenewal_overdue\033[0m' in out and '\033[1;31mOVERDUE\033[0m' in out, repr(out[:400]))
    out = on_terminal(*argv, env={'NO_COLOR': '1'})
    check('NO_COLOR turns colours off', '\033[' not in out and 'renewal_overdue' in out, repr(out[:300]))
    rc, out, _ = run(*argv)
    check('piped output has no colours', rc == 0 and '\033[' not in out and 'renewal_overdue' in out, repr(out[:300]))
    out = on_terminal('deadlines', '--db', db, '--as-of', '2026-12-06')
    check('deadlines highlight OVERDUE on a terminal', '\033[1;31mOVERDUE\033[0m' in out, repr(out[:300]))


def test_import_progress_on_a_terminal_only():
    db = os.path.join(TMP, 'progress.db')
    err = on_terminal('import', '--db', db, *seeds(), stream='stderr')
    check('import progress on a terminal gives the total and the percentage',
          'of 4 files (100%)' in err and '4 licences' in err, repr(err[-300:]))
    db2 = os.path.join(TMP, 'progress2.db')
    rc, out, err = run('import', '--db', db2, *seeds())
    check('and nothing of it when piped', rc == 0 and 'files (' not in err and '\r' not in err, repr(err))


def test_times_in_china_with_the_offset(db):
    import datetime as dt
    rc, out, err = run('get', '--db', db, '--json', '京B2-20224676')
    local = json.loads(out)['imported_at'] if rc == 0 else ''
    check('times are shown in China time with the offset (+08:00)', local.endswith('+08:00'), local + err)
    rc, out, err = run('get', '--db', db, '--json', '京B2-20224676', env={'XUKE_UTC_OFFSET': '+00:00'})
    utc = json.loads(out)['imported_at'] if rc == 0 else ''
    same = False
    try:
        same = dt.datetime.fromisoformat(local) == dt.datetime.fromisoformat(utc) and utc.endswith('+00:00')
    except ValueError:
        pass
    check('XUKE_UTC_OFFSET shows the same instant elsewhere', same, f'{local} {utc}')
    rc, out, err = run('history', '--db', db, '京B2-20224676')
    check('history text shows the offset too', rc == 0 and '+08:00' in out, out)
    rc, out, err = run('status', '--db', db, env={'XUKE_UTC_OFFSET': 'Beijing'})
    check('a malformed XUKE_UTC_OFFSET is a usage error', rc == 2 and 'XUKE_UTC_OFFSET' in err, err)


def test_baseline_on_first_use():
    """Right after importing the seeds, the annual reports due before the import are not a wall of
    overdue alarms: they have no filing recorded until the officer says, once, up to which year
    they were filed. 7 is the issue's count: 琼B2-20220293 2023-2026, 京B2-20224676 2024-2026."""
    db = os.path.join(TMP, 'baseline.db')
    run('import', '--db', db, *seeds())
    rc, out, err = run('status', '--db', db, '--as-of', '2026-12-06', '--json')
    rows = json.loads(out)['licences'] if rc in (0, 1) else []
    overdue_reports = [(r['number'], o['year']) for r in rows for o in r['overdue'] if o['duty'] == 'annual_report']
    unknown = sorted((r['number'], o['year']) for r in rows for o in r['no_filing_recorded'] if o['due'] < '2026-12-06')
    check('after the first import no annual report is overdue', rows and not overdue_reports, overdue_reports)
    check('the 7 reports due before it have no filing recorded',
          unknown == sorted([('琼B2-20220293', y) for y in (2023, 2024, 2025, 2026)]
                            + [('京B2-20224676', y) for y in (2024, 2025, 2026)]), unknown)
    rc, out, err = run('status', '--db', db, '--as-of', '2026-12-06')
    check('status says "no filing recorded" on one line a licence, and how to clear it',
          out.count('no filing recorded') == 2 and 'OVERDUE: 2023' not in out
          and 'xuke event baseline --filed-through YEAR' in err, out + err)
    rc, out, err = run('event', 'baseline', '--db', db)
    check('event baseline alone says none is recorded', rc == 0 and 'no baseline' in out, out + err)
    rc, out, err = run('event', 'baseline', '--db', db, '--filed-through', '2999')
    check('a baseline in a year not yet begun is refused, saying what is accepted',
          rc == 1 and 'from 2000 to this year' in err, out + err)
    rc, out, err = run('event', 'baseline', '--db', db, '--filed-through', '2025', '--note', '往年年报已核对')
    check('event baseline --filed-through 2025 is recorded in one step', rc == 0 and 'up to 2025' in out, out + err)
    rc, out, err = run('audit', '--db', db)
    check('one audit entry records it, with the note',
          len(re.findall(r' baseline +baseline \d+: annual reports up to 2025', out)) == 1
          and '往年年报已核对' in out, out[-600:])
    rc, out, err = run('audit', '--db', db, '--verify')
    check('and the audit chain still verifies', rc == 0, out + err)
    rc, out, err = run('audit', '--db', db, '--limit', '2')  # 4 imports and the baseline: 5
    check('audit --limit says what it left out',
          rc == 0 and len(out.strip().split('\n')) == 2 and 'shown the newest 2 of 5 entries' in err, out + err)
    rc, out, err = run('status', '--db', db, '--as-of', '2026-12-06', '--json')
    rows = json.loads(out)['licences'] if rc in (0, 1) else []
    unknown = sorted((r['number'], o['year']) for r in rows for o in r['no_filing_recorded'] if o['due'] < '2026-12-06')
    check('only the 2026 reports are left with no filing recorded',
          unknown == [('京B2-20224676', 2026), ('琼B2-20220293', 2026)], unknown)
    rc, out, err = run('event', 'add', '--db', db, '琼B2-20220293', 'annual_report_filed', '2024-03-01', '--year', '2024')
    check('a report the baseline covers is refused, naming the baseline', rc == 1 and 'baseline' in err, out + err)
    rc, out, err = run('deadlines', '--db', db, '--as-of', '2026-12-06', '--json')
    body = json.loads(out) if out.startswith('{') else {}
    check('deadlines leave the unknown reports out and say how many',
          not any(d['duty'] == 'annual_report' and d['due'] < '2026-12-06' for d in body.get('deadlines', []))
          and body.get('no_filing_recorded', 0) >= 2 and 'no filing recorded' in err, out[:300] + err)


test_read_commands_need_a_store()
test_baseline_on_first_use()
officer_db = test_write_creates_and_says_so()
test_empty_store_is_no_all_clear()
test_exit_codes_to_alert_on(officer_db)
test_one_status_vocabulary(officer_db)
test_events_checked_and_reversible(officer_db)
test_nothing_cut_silently()
test_conventions(officer_db)
test_colours_on_a_terminal_only(officer_db)
test_import_progress_on_a_terminal_only()
test_times_in_china_with_the_offset(officer_db)
test_fail_on_any_quiet_when_nothing_open()
shutil.rmtree(TMP, ignore_errors=True)
print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results['failed'] else 0)
