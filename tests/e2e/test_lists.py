"""End-to-end tests of the published lists through the real binary and a real SQLite file: the
seed licences imported, then lists imported in each format (CSV in UTF-8, the same re-encoded to
GB18030 here, an XLSX written by a real library (openpyxl, with true date cells), a notice's
numbered text, a copied table), matches and non-matches on near-identical names read back from
`lists check`, `get`, `status` and the server's API (started here on loopback), and bad files
refused with their line and nothing stored.

usage: test_lists.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import csv
import datetime as dt
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

import openpyxl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
LISTS = os.path.join(FIXTURES, 'lists')
TMP = tempfile.mkdtemp(prefix='xuke-lists-')


def run(*args, timeout=120):
    return checks.run([XUKE, *args], timeout=timeout)


def new_db(name):
    db = os.path.join(TMP, name + '.db')
    rc, out, err = run('import', '--db', db, *sorted(glob.glob(os.path.join(FIXTURES, 'seeds', '*.txt'))))
    assert rc == 0, err
    return db


def import_list(db, kind, path, source='测试来源', date='2024-06-03', *extra):
    return run('lists', 'import', '--db', db, '--kind', kind, '--source', source, '--date', date,
               *extra, path)


def matches(db):
    """{number: {(kind, line): matched_on}} from `lists check --json`."""
    rc, out, err = run('lists', 'check', '--db', db, '--json')
    assert rc == 0, err
    return {row['number']: {(m['kind'], m['line']): m['matched_on'] for m in row['lists']}
            for row in json.loads(out)['licences']}


# Expected matches, worked out by hand from the fixture files (tests/fixtures/lists/README.md).
CANCELLED = {'琼B2-20220293': {('cancelled', 3): 'number'},
             '京B2-20224676': {('cancelled', 4): 'company'}}


def test_csv_utf8():
    db = new_db('utf8')
    rc, out, err = import_list(db, 'cancelled', os.path.join(LISTS, 'cancelled.csv'))
    check('csv utf-8: imported', rc == 0 and 'version 1: 4 entries (csv)' in out, out + err)
    check('csv utf-8: bad check character reported with its line',
          'cancelled.csv:6: warning: credit code 91110105MA01R4WQ5X has a wrong check character'
          in err, err)
    got = matches(db)
    check('csv utf-8: number and bracket-variant name match, 股份有限公司 does not',
          got == CANCELLED, got)


def test_csv_gb18030():
    db = new_db('gb')
    path = os.path.join(TMP, 'cancelled-gb18030.csv')
    with open(os.path.join(LISTS, 'cancelled.csv'), encoding='utf-8') as f:
        text = f.read()
    with open(path, 'wb') as f:
        f.write(text.replace('\n', '\r\n').encode('gb18030'))  # as Excel/WPS save it
    rc, out, err = import_list(db, 'cancelled', path)
    check('csv gb18030: imported', rc == 0 and '4 entries' in out, out + err)
    check('csv gb18030: same matches as utf-8', matches(db) == CANCELLED, matches(db))


def write_xlsx(path):
    with open(os.path.join(LISTS, 'cancelled.csv'), encoding='utf-8') as f:
        rows = list(csv.reader(f))
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        if len(row) > 4 and re.fullmatch(r'\d{4}-\d{2}-\d{2}', row[4]):
            row[4] = dt.datetime.strptime(row[4], '%Y-%m-%d')  # a true date cell
        ws.append(row)
    wb.save(path)


def test_xlsx():
    db = new_db('xlsx')
    path = os.path.join(TMP, 'cancelled.xlsx')
    write_xlsx(path)
    rc, out, err = import_list(db, 'cancelled', path, 'xlsx来源', '2024-06-04', '--json')
    info = json.loads(out) if rc == 0 else {}
    check('xlsx: imported', info.get('format') == 'xlsx' and info.get('entries') == 4, out + err)
    check('xlsx: bad check character noted on its row',
          [n['line'] for n in info.get('notes', [])] == [6], info)
    check('xlsx: same matches as csv', matches(db) == CANCELLED, matches(db))
    rc, out, err = run('get', '--db', db, '--json', '琼B2-20220293')
    lst = json.loads(out)['lists'] if rc == 0 else []
    check('xlsx: the date cell read as a date', lst and lst[0]['date'] == '2024-03-06', lst)


def test_notice_and_table():
    db = new_db('notice')
    rc, out, err = import_list(db, 'dishonest', os.path.join(LISTS, 'dishonest.notice'))
    check('notice: numbered entries imported', rc == 0 and '3 entries (notice)' in out, out + err)
    rc2, out2, err2 = import_list(db, 'poor-conduct', os.path.join(LISTS, 'poor_conduct.tsv'))
    check('copied table: imported', rc2 == 0 and '2 entries' in out2, out2 + err2)
    rc3, out3, err3 = import_list(db, 'cancelled', os.path.join(LISTS, 'cancelled.csv'))
    got = matches(db)
    want = {'琼B2-20220293': {('cancelled', 3): 'number', ('dishonest', 5): 'credit_code',
                              ('poor-conduct', 3): 'company'},
            '苏B2-20201765': {('dishonest', 7): 'number'},
            '京B2-20224676': {('cancelled', 4): 'company', ('poor-conduct', 2): 'company'}}
    check('notice and table: each match says what it matched on; 互联网医院（分院） with a bad '
          'code matches nothing', got == want, got)


def test_status_get_and_reimport():
    db = new_db('status')
    import_list(db, 'cancelled', os.path.join(LISTS, 'cancelled.csv'))
    rc, out, err = run('status', '--db', db, '--json', '--as-of', '2026-06-01')
    st = {r['number']: r['status'] for r in json.loads(out)['licences']} if rc == 0 else {}
    check('status: a licence a cancellation list names by number is cancelled',
          st.get('琼B2-20220293') == 'cancelled', st)
    check('status: a name match alone leaves the status to the rules',
          st.get('京B2-20224676') == 'valid', st)  # as test_rules.py has it on that day
    rc, out, err = run('get', '--db', db, '琼B2-20220293')
    check('get: shows the list entry and what it matched on',
          rc == 0 and 'cancelled' in out and 'matched on number' in out, out + err)
    import_list(db, 'cancelled', os.path.join(LISTS, 'cancelled.csv'))
    rc, out, err = run('lists', 'show', '--db', db, '--json')
    versions = [(l['kind'], l['version']) for l in json.loads(out)['lists']] if rc == 0 else []
    check('reimport: a new version', versions == [('cancelled', 1), ('cancelled', 2)], versions)
    rc, out, err = run('get', '--db', db, '--json', '琼B2-20220293')
    lst = json.loads(out)['lists'] if rc == 0 else []
    check('reimport: matched once, on the current version',
          [(m['kind'], m['version']) for m in lst] == [('cancelled', 2)], lst)
    return db


def test_api(db):
    log = os.path.join(TMP, 'serve.err')
    with open(log, 'wb') as errf:
        proc = subprocess.Popen([XUKE, 'serve', '--db', db, '--listen', '127.0.0.1:0',
                                 '--public-read', '--access-log', os.path.join(TMP, 'access.log')],
                                stdout=subprocess.PIPE, stderr=errf)
    try:
        line = proc.stdout.readline().decode()
        m = re.search(r'http://127\.0\.0\.1:(\d+)/', line)
        check('api: server started', m is not None, line)
        if not m:
            return
        url = 'http://127.0.0.1:%s/v1/licenses/%s' % (m.group(1), urllib.parse.quote('琼B2-20220293'))
        with urllib.request.urlopen(url, timeout=30) as r:
            body = json.loads(r.read())
        check('api: the licence carries its list entries',
              [(x['kind'], x['matched_on']) for x in body.get('lists', [])] ==
              [('cancelled', 'number')], body.get('lists'))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_refused():
    db = new_db('refused')
    cases = [('not_a_list.csv', None, 'not a published list'),
             ('bad_number.csv', 3, 'is not one'),
             ('bad_date.csv', 3, '2024-02-30')]
    for name, line, words in cases:
        path = os.path.join(LISTS, name)
        rc, out, err = import_list(db, 'cancelled', path)
        where = path + (':%d:' % line if line else ':')
        check('refused: ' + name, rc == 1 and err.startswith(where) and words in err, err)
    rc, out, err = import_list(db, 'expired', os.path.join(LISTS, 'cancelled.csv'))
    check('refused: a kind that is none of the three', rc == 2 and 'cancelled, poor-conduct, dishonest' in err, err)
    rc, out, err = import_list(db, 'cancelled', os.path.join(LISTS, 'cancelled.csv'), 's', '2024-13-01')
    check('refused: a date that is not one', rc == 2 and '--date' in err, err)
    junk = os.path.join(TMP, 'junk.xlsx')
    with open(junk, 'wb') as f:
        f.write(b'PK\x03\x04' + os.urandom(200))
    rc, out, err = import_list(db, 'cancelled', junk)
    check('refused: a damaged xlsx', rc == 1 and 'XLSX' in err, err)
    rc, out, err = run('lists', 'show', '--db', db, '--json')
    check('refused: nothing stored', rc == 0 and json.loads(out)['lists'] == [], out + err)


def main():
    try:
        test_csv_utf8()
        test_csv_gb18030()
        test_xlsx()
        test_notice_and_table()
        db = test_status_get_and_reimport()
        test_api(db)
        test_refused()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    checks.finish()


if __name__ == '__main__':
    main()
