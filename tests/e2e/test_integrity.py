"""Integrity under attack, end to end on loopback: the answers that people who rely on xuke most
(an access provider checking a customer's site, an auditor trusting the audit log) must get
right even when someone tries to make them wrong. One section per finding of the review:

  shared host      two licences cover one host, one expired: the answer names both, valid first,
                   and is valid (API and `xuke domain` alike)
  exact addresses  a path with a number inside other text addresses nothing (400), a host with a
                   space or "!" is a 400, not the part before it
  atomic events    identical fulfilments sent at once: exactly one is stored
  output hygiene   CSV cells a spreadsheet would run are neutralised, the access log is JSON for
                   any request bytes, API answers are `private, no-store`, a --public-read server
                   answers only its own Host names

usage: test_integrity.py XUKE_BINARY FIXTURES_DIR OPENAPI_JSON
Prints one line per check and closes with 'N passed, N failed'."""
import csv
import glob
import hashlib
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import sys
import threading
import urllib.parse
import time

import checks  # noqa: E402
import test_server as ts  # noqa: E402  (shares the server, client and store set-up)

check, run, Server, Client, is_error = ts.check, ts.run, ts.Server, ts.Client, ts.is_error
SEED = os.path.join(ts.SEEDS, '000_a96b5bc2dd3fa082')
NUMBER = '琼B2-20220293'       # the seed's number (its .json, written by hand)
OLD = '琼B2-20170293'          # the same company's earlier licence, made below, expired 2022
HOST = 'xiaohe.cn'             # a domain of the seed's first website: both licences cover it


def make_store(name):
    """The seed and an expired earlier licence of the same company for the same website."""
    seed = open(SEED + '.txt', encoding='utf-8').read()
    old = (seed.replace('20220293', '20170293').replace('2022年04月15日', '2017年04月15日')
           .replace('2027年04月15日', '2022年04月15日'))
    old_path = os.path.join(ts.TMP, 'old_licence.txt')
    with open(old_path, 'w', encoding='utf-8') as f:
        f.write(old)
    db = os.path.join(ts.TMP, name)
    rc, out, err = run('import', '--db', db, old_path, SEED + '.txt')
    assert rc == 0, out + err
    tokens = {}
    for name, role in (('reader', 'reader'), ('editor', 'editor')):
        rc, out, err = run('token', 'create', '--db', db, name, '--role', role)
        assert rc == 0, err
        tokens[name] = out.strip()
    return db, tokens


def test_shared_host(srv, tok, db):
    c = Client(srv, tok['reader'])
    st, body, _ = c.get(f'/v1/domains/{HOST}?as_of=2026-01-01')
    numbers = [x['number'] for x in body.get('licences', [])] if st == 200 else []
    check('a host shared by an expired and a valid licence is valid', st == 200 and body['valid'] is True, body)
    check('the answer names every covering licence, the valid one first', numbers == [NUMBER, OLD], body)
    check('the first licence of the answer is the valid one', st == 200 and body['licence']['number'] == NUMBER, body)
    st, body, _ = c.get(f'/v1/domains/{HOST}?as_of=2028-01-01')
    check('when both have expired the host is not valid, latest expiry first',
          st == 200 and body['valid'] is False and [x['number'] for x in body.get('licences', [])] == [NUMBER, OLD], body)
    rc, out, err = run('domain', '--db', db, '--as-of', '2026-01-01', '--json', HOST)
    cli = json.loads(out) if rc == 0 and out.strip() else {}
    check('`xuke domain` answers as the API does', cli.get('valid') is True and
          [x['number'] for x in cli.get('licences', [])] == [NUMBER, OLD], (rc, out, err))
    rc, out, err = run('domain', '--db', db, '--as-of', '2028-01-01', HOST)
    check('`xuke domain` exits 1 when no covering licence is valid', rc == 1 and OLD in out and NUMBER in out, (rc, out, err))


def test_exact_addresses(srv, tok):
    e, c = Client(srv, tok['editor']), Client(srv, tok['reader'])
    st, body, _ = e.request('DELETE', f'/v1/licenses/keep-NOT-{NUMBER}-typo', body=json.dumps({'reason': 'typo'}))
    check('a path with a number inside other text deletes nothing: 400', st == 400 and is_error(body, 'bad_request'), body)
    st, body, _ = c.get(f'/v1/licenses/{NUMBER}')
    check('the licence named inside the junk path is still there', st == 200 and body.get('status') not in (None, 'removed'), body)
    for junk in (f'x{NUMBER}', f'{NUMBER}x', f'{NUMBER} {OLD}', f'编号{NUMBER}'):
        st, body, _ = c.get('/v1/licenses/' + junk)
        check(f'GET /v1/licenses/{junk} is 400, not {NUMBER}', st == 400 and is_error(body, 'bad_request'), body)
    st, body, _ = c.get('/v1/licenses/ 琼ｂ２－２０２２０２９３ ')
    check('a full-width, lower-case number with spaces around it still addresses its licence (NFKC, case, trimmed)',
          st == 200 and body.get('number') == NUMBER, body)
    for junk in (f'{HOST} evil', f'{HOST}!', 'a..cn', f'{HOST}%00'):
        st, body, _ = c.get('/v1/domains/' + junk)
        check(f'GET /v1/domains/{junk!r} is 400, not the host before it', st == 400 and is_error(body, 'bad_request'), body)
    st, body, _ = c.get('/v1/domains/XIAOHE.CN.')
    check('a host in capitals with the root dot is the same host', st == 200 and body['host'] == HOST, body)
    st, body, _ = c.get('/v1/status?number=' + f'junk-{NUMBER}')
    check('?number= is exact too', st == 400 and is_error(body, 'bad_request'), body)


def test_atomic_events(srv, tok):
    """16 clients post the same annual report at once, three years over: each year, one stored."""
    path = f'/v1/licenses/{NUMBER}/events'
    counts = []
    for year in (2023, 2024, 2025):
        barrier, statuses = threading.Barrier(16), []

        def post():
            c = Client(srv, tok['editor'])
            barrier.wait()
            st, _, _ = c.post(path, json.dumps({'type': 'annual_report_filed', 'date': f'{year + 1}-03-01',
                                                'year': year}))
            statuses.append(st)

        threads = [threading.Thread(target=post) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        counts.append((statuses.count(201), sorted(set(statuses))))
    st, body, _ = Client(srv, tok['reader']).get(path)
    stored = [ev['year'] for ev in body.get('events', []) if ev['type'] == 'annual_report_filed']
    check('identical events sent at once: exactly one stored each year',
          all(n == 1 for n, _ in counts) and sorted(stored) == [2023, 2024, 2025], (counts, stored))


def test_hygiene(srv, tok, db):
    # CSV: a record whose company starts with "=" (a JSON record, as `xuke export` writes them)
    rec = json.load(open(SEED + '.json', encoding='utf-8'))
    rec['number'], rec['company'] = '琼B2-20220999', '=HYPERLINK("http://x","y")'
    rec['legal_representative'] = '@SUM(1+1)'
    path = os.path.join(ts.TMP, 'formula.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(rec, f, ensure_ascii=False)
    rc, out, err = run('import', '--db', db, path)
    rc2, out2, err2 = run('export', '--db', db, '--format', 'csv', '--company', 'HYPERLINK')
    rows = list(csv.reader(io.StringIO(out2.lstrip('\ufeff'))))
    cells = [cell for row in rows[1:] for cell in row]
    check('CSV: no cell starts with = + - @ (a leading \' neutralises it)',
          rc == 0 and rc2 == 0 and len(rows) == 2 and not any(x[:1] in '=+-@' for x in cells if x)
          and "'=HYPERLINK(\"http://x\",\"y\")" in cells and "'@SUM(1+1)" in cells, (rc, err, rows))
    # the access log: raw bytes that are no UTF-8 in the path
    checks.raw_http(srv.port, b'GET /v1/licenses/\xff\xfe%FF HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                    b'Connection: close\r\n\r\n', 10)
    c = Client(srv, tok['reader'])
    st, body, r = c.get(f'/v1/licenses/{NUMBER}')  # a request after it: its line is written
    lines = open(srv.log, 'rb').read().splitlines()
    bad = []
    for line in lines:
        try:
            json.loads(line.decode('utf-8'))
        except (UnicodeDecodeError, ValueError) as e:
            bad.append((line[:120], str(e)))
    check('the access log is JSON in UTF-8 for a path of invalid bytes', lines and not bad and
          any('\ufffd' in json.loads(x.decode()).get('path', '') for x in lines), bad or lines[-3:])
    check('an answer holding a record is Cache-Control: private, no-store',
          st == 200 and r.getheader('Cache-Control') == 'private, no-store', r.getheader('Cache-Control'))
    st, body, r = c.get('/v1/licenses/nonsense')
    check('an error answer is not stored either', r.getheader('Cache-Control') == 'private, no-store',
          r.getheader('Cache-Control'))


# --- the audit chain covers the records ------------------------------------------------------

def copy_store(db, name):
    out = os.path.join(ts.TMP, name)
    for f in glob.glob(db + '*'):
        shutil.copy(f, out + f[len(db):])
    return out


def tampered(db, name, sql):
    out = copy_store(db, name)
    con = sqlite3.connect(out)
    con.executescript(sql)
    con.commit()
    con.close()
    return out


def verify(db):
    rc, out, err = run('audit', '--db', db, '--verify')
    return rc, out + err


def field(v):
    return f'{len(v.encode())}:{v}\n'


def old_entry_hash(prev, eid, at, actor, action, number, detail):
    """The entry hash before content was recorded, as the README describes the chain: written
    here from that description, not taken from the code, to make a store as an old xuke did."""
    text = field(prev) + f'{eid}\n' + field(at) + field(actor) + field(action) + field(number) + field(detail)
    return hashlib.sha256(text.encode()).hexdigest()


# The tables and indexes that migrations 1-8 of src/registry/schema.c created (the full-text
# index company_fts and its shadow tables aside): a store as xuke left it before migration 9.
MIGRATIONS_1_TO_8 = {
    'schema_version', 'documents', 'licences', 'versions', 'services', 'domains', 'audit',
    'audit_head', 'events', 'tokens', 'originals', 'lists', 'list_entries', 'site_checks',
    'licences_expires', 'licences_region', 'licences_issuer', 'licences_key', 'versions_source',
    'services_licence', 'domains_licence', 'audit_number', 'events_licence', 'tokens_live_name',
    'list_entries_list', 'list_entries_number', 'list_entries_code', 'list_entries_company',
    'site_checks_site',
}


def make_old_store(db):
    """A copy of db as a store from before the content migration: no content, no anchor."""
    out = copy_store(db, 'old_schema.db')
    con = sqlite3.connect(out)
    con.execute('DROP TABLE audit_anchor')
    con.execute('ALTER TABLE audit DROP COLUMN content')
    prev = '0' * 64
    for eid, at, actor, action, number, detail in con.execute(
            'SELECT id, at, actor, action, number, detail FROM audit ORDER BY id').fetchall():
        h = old_entry_hash(prev, eid, at, actor, action, number, detail)
        con.execute('UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?', (prev, h, eid))
        prev = h
    con.execute('UPDATE audit_head SET hash = ?', (prev,))
    # the content migration is 9: the store goes back to 8, without anything a later migration
    # made. What migrations 1-8 made is history and never changes (it is written here from
    # their text); whatever else the store holds came later and goes, whatever its name.
    for kind, name in con.execute("SELECT type, name FROM sqlite_master WHERE type IN "
                                  "('table', 'index') AND name NOT LIKE 'sqlite_%' AND "
                                  "name NOT LIKE 'company_fts%' ORDER BY type DESC").fetchall():
        if name not in MIGRATIONS_1_TO_8:
            con.execute(f'DROP {kind.upper()} IF EXISTS {name}')
    con.execute('UPDATE schema_version SET version = 8')
    con.commit()
    con.close()
    return out


def test_audit_covers_records(db):
    rc, out = verify(db)
    check('an untouched store verifies', rc == 0 and 'verified' in out, out)
    cases = [
        ('a record edited in versions', f"UPDATE versions SET record = replace(record, '海南小荷', '海南大荷') "
                                        f"WHERE licence_id = (SELECT id FROM licences WHERE number = '{NUMBER}')",
         [NUMBER, 'version 1', 'record']),
        ('an expiry edited in licences', f"UPDATE licences SET expires = '2099-04-15' WHERE number = '{NUMBER}'",
         [NUMBER, 'expires']),
        ('a domain edited', f"UPDATE domains SET host = 'evil.example' WHERE host = '{HOST}' AND licence_id = "
                            f"(SELECT id FROM licences WHERE number = '{NUMBER}')", [NUMBER, 'domains']),
        ('a licence marked removed', f"UPDATE licences SET removed = 1, removed_reason = 'x' "
                                     f"WHERE number = '{NUMBER}'", [NUMBER, 'licences row']),
        ('a source document edited', f"UPDATE documents SET body = CAST(replace(CAST(body AS TEXT), '吴海锋', '张三') AS BLOB)",
         ['source document']),
    ]
    for name, sql, words in cases:
        rc, out = verify(tampered(db, name.replace(' ', '_') + '.db', sql))
        check(f'audit --verify fails on {name}, naming what differs', rc != 0 and all(w in out for w in words),
              (rc, out))
    old = make_old_store(db)
    rc, out = verify(old)
    check('a store from before content was recorded migrates and verifies', rc == 0, out)
    con = sqlite3.connect(old)
    anchors = con.execute("SELECT count(*) FROM audit WHERE action = 'anchor' AND detail LIKE '%migration%'").fetchone()[0]
    licences = con.execute('SELECT count(*) FROM licences').fetchone()[0]
    con.close()
    check('the migration anchors every licence once, in entries that say so', anchors == licences > 0, (anchors, licences))
    rc, out = verify(old)
    con = sqlite3.connect(old)
    again = con.execute("SELECT count(*) FROM audit WHERE action = 'anchor'").fetchone()[0]
    con.close()
    check('opening it again anchors nothing more', rc == 0 and again == anchors, (rc, again, anchors))
    rc, out = verify(tampered(old, 'old_tampered.db', f"UPDATE licences SET expires = '2099-04-15' WHERE number = '{NUMBER}'"))
    check('after the migration an edit behind the chain fails verification', rc != 0 and NUMBER in out, (rc, out))


# --- a PDF's text layer against its page -----------------------------------------------------

def text_pdf(path, lines, mode, colour='0 0 0'):
    """A one-page A4 PDF of Helvetica text drawn in text rendering mode `mode` (0 filled, 3
    invisible) and the fill colour given, written by hand so its text layer is exactly these lines."""
    content = (f'BT /F1 14 Tf {colour} rg {mode} Tr 72 760 Td 18 TL '
               + ' '.join(f'({ln}) Tj T*' for ln in lines) + ' ET')
    objs = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
            '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> '
            '/Contents 5 0 R >>',
            '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
            f'<< /Length {len(content)} >>\nstream\n{content}\nendstream']
    out, offs = b'%PDF-1.4\n', []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += f'{i + 1} 0 obj\n{o}\nendobj\n'.encode()
    xref = len(out)
    out += f'xref\n0 {len(objs) + 1}\n0000000000 65535 f \n'.encode()
    out += b''.join(f'{o:010d} 00000 n \n'.encode() for o in offs)
    out += f'trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n'.encode()
    with open(path, 'wb') as f:
        f.write(out)


def test_text_layer_checked():
    """A blank page carrying invisible text (or white on white) is not read from its text layer:
    the page is read as a person sees it, finds nothing, and the error says why; a visible text
    layer is still taken as it is."""
    lines = ['Licence number B2-20224676 valid until 2099-12-31', 'Company Example Network Co Ltd']
    cases = (('invisible', 3, '0 0 0'), ('white_on_white', 0, '1 1 1'), ('visible', 0, '0 0 0'))
    for name, mode, colour in cases:
        path = os.path.join(ts.TMP, f'layer_{name}.pdf')
        text_pdf(path, lines, mode, colour)
        rc, out, err = run('parse', '--ocr-text', path)
        if name == 'visible':
            check('a visible text layer is read as it is', rc == 0 and lines[0] in out
                  and '1 from a PDF text layer' in err, (rc, out, err))
        else:
            check(f'{name} text on a blank page is refused, saying the text layer shows nothing',
                  rc != 0 and lines[0] not in out and 'text layer' in err and 'does not show' in err,
                  (rc, out, err))


# --- every answer bounded --------------------------------------------------------------------

def test_bounded_answers(srv, tok):
    """The agenda and the calendar feed keep the soonest `limit` lines, say how many there were,
    and refuse limits over their maximums; the feed looks 730 days ahead unless asked."""
    c = Client(srv, tok['reader'])
    q = 'as_of=2023-01-01'  # renewals due 2027-01-15 are the lines (reports before import are not)
    st, full, _ = c.get(f'/v1/deadlines?{q}')
    st2, one, _ = c.get(f'/v1/deadlines?{q}&limit=1')
    check('agenda with limit=1: the first line of the whole agenda, total and truncated say the rest',
          st == 200 and st2 == 200 and len(full['deadlines']) >= 2 and one['deadlines'] == full['deadlines'][:1]
          and one['total'] == len(full['deadlines']) == full['total'] and one['truncated'] is True
          and full['truncated'] is False, (len(full.get('deadlines', [])), one))
    st, ics, _ = c.get(f'/v1/calendar.ics?{q}&within=36500&limit=10000')
    n_all = ics.count('BEGIN:VEVENT') if st == 200 else 0
    st2, first, _ = c.get(f'/v1/calendar.ics?{q}&within=36500&limit=1')
    unfolded = first.replace('\r\n ', '') if st2 == 200 else ''
    check('calendar feed with limit=1: 1 event, and the feed says it holds the soonest 1 of all',
          st2 == 200 and n_all >= 2 and first.count('BEGIN:VEVENT') == 1
          and f'the soonest 1 of {n_all} deadlines' in unfolded, (n_all, unfolded[:600]))
    st, near, _ = c.get(f'/v1/calendar.ics?{q}')
    dates = re.findall(r'DTSTART;VALUE=DATE:(\d{8})', near) if st == 200 else []
    check('the feed looks 730 days ahead by default: nothing due in 2027 from 2023-01-01',
          st == 200 and all(d <= '20241231' for d in dates) and len(dates) < n_all, (len(dates), n_all))
    for path in ('/v1/calendar.ics?limit=10001', '/v1/calendar.ics?within=36501', '/v1/deadlines?limit=100001'):
        st, body, _ = c.get(path)
        check(f'{path}: over the maximum is a 400 naming the range', st == 400 and is_error(body, 'bad_request'), body)


# --- no silent truncation ---------------------------------------------------------------------

LONG = '海南' + '小荷健康网络技术研究与发展' * 7 + '有限公司'   # 97 characters, 291 bytes
LONG_NUMBER = '琼B2-20220295'


def test_long_names(db, tok):
    """A company and a website name of 97 characters (291 bytes: over the 256-byte fields that cut
    them mid-character, dropping the licence from search results and the domain answer's licence
    object) come back whole from every reader; over XK_MAX_NAME_BYTES (768) the import refuses
    them naming the line; a longer name put in the store outside xuke is an error, never a cut."""
    text = (open(SEED + '.txt', encoding='utf-8').read().replace('20220293', '20220295')
            .replace('海南小荷健康网络技术有限公司', LONG).replace('xiaohe.cn', 'xiaohe-long.cn'))
    path = os.path.join(ts.TMP, 'long_names.txt')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    rc, out, err = run('import', '--db', db, path)
    check('a licence with a 97-character company imports', rc == 0, err)
    srv = Server(db, '--rate', '0')
    try:
        c = Client(srv, tok['reader'])
        st, body, _ = c.get('/v1/licenses?company=' + urllib.parse.quote('研究与发展'))
        items = body.get('items', []) if st == 200 else []
        check('search: the long company comes back whole, and the count is the items returned',
              st == 200 and [x['company'] for x in items] == [LONG] and body.get('count') == len(items),
              body)
        st, body, _ = c.get('/v1/domains/www.xiaohe-long.cn')
        check('domain answer: its licence object is there, company and website name whole',
              st == 200 and body.get('licence', {}).get('company') == LONG
              and body['licences'][0]['website']['name'] == LONG and body['valid'] is True, body)
        st, body, _ = c.get(f'/v1/deadlines?number={LONG_NUMBER}&as_of=2026-01-01')
        check('agenda: the long company whole on every line',
              st == 200 and body['deadlines'] and all(d['company'] == LONG for d in body['deadlines']), body)
    finally:
        srv.stop()
    rc, out, err = run('export', '--db', db, '--format', 'csv')
    rows = list(csv.reader(io.StringIO(out.lstrip('\ufeff'))))
    check('CSV export: the long company whole', rc == 0 and any(r[1] == LONG for r in rows[1:]), out[:300])
    rc, out, err = run('search', '--db', db, '--json', '研究与发展')
    check('CLI search: the long company whole', rc == 0 and json.loads(out)['licences'][0]['company'] == LONG, out[:300])

    too_long = text.replace(LONG, '海南' + '小荷健康网络技术研究与发展' * 20 + '有限公司').replace('20220295', '20220296')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(too_long)
    rc, out, err = run('import', '--db', db, path)
    check('a company over 768 bytes is refused, naming the line and the limit',
          rc != 0 and 'long_names.txt:10:' in err and '768' in err, err)

    edited = copy_store(db, 'long_edited.db')
    con = sqlite3.connect(edited)
    con.execute('UPDATE licences SET company = ? WHERE number = ?', ('公司' * 200, LONG_NUMBER))
    con.commit()
    con.close()
    rc, out, err = run('search', '--db', edited, '--json', '公司公司')
    check('a company longer than xuke writes, put in the store outside xuke: an error naming it, '
          'not a short list', rc != 0 and 'changed outside xuke' in err and LONG_NUMBER in err, (rc, out[:200], err))


# --- limits before bodies ------------------------------------------------------------------------

def rss_kib(pid):
    for line in open(f'/proc/{pid}/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    return 0


def test_policy_before_bodies(db):
    """16 anonymous 16 MiB uploads held open: each is answered 401 on its headers and the server
    holds none of the bodies (it grew by 256 MiB when it read them all first)."""
    srv = Server(db, '--rate', '0')
    try:
        before = rss_kib(srv.proc.pid)
        size, socks, statuses = 16 << 20, [], []
        chunk = b'x' * (1 << 20)
        for _ in range(16):
            so = socket.create_connection(('127.0.0.1', srv.port), timeout=30)
            so.sendall(f'POST /v1/licenses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n'
                       f'Content-Type: text/plain\r\n\r\n'.encode())
            socks.append(so)
        for so in socks:
            try:
                for _ in range(16):
                    so.sendall(chunk)
            except OSError:
                pass  # answered and closed before the whole body: what is wanted
        for so in socks:
            try:
                head = so.recv(200)
                statuses.append(int(head.split(b' ', 2)[1]) if head.startswith(b'HTTP/') else 0)
            except OSError:
                statuses.append(0)
        grown = (rss_kib(srv.proc.pid) - before) / 1024
        for so in socks:
            so.close()
        print(f'     figure: 16 anonymous 16 MiB uploads held open grew the server by {grown:.1f} MiB')
        check('anonymous uploads are answered 401 before their bodies', statuses == [401] * 16, statuses)
        check('16 anonymous 16 MiB uploads grow the server by under 64 MiB', grown < 64, f'{grown:.1f} MiB')
    finally:
        srv.stop()


def test_large_uploads_spill(db, tok):
    """Editor uploads are admitted, so their bodies are read: beyond SRV_BODY_SPILL (256 KiB) a body
    goes on in a temporary file. Ten 12 MiB uploads held open grow the server by under 64 MiB
    (held in memory they took 160 MiB, and the 128 MiB cap answered some of them 503), and a
    licence padded past the spill size imports whole from its file."""
    srv = Server(db, '--rate', '0', '--idle-timeout', '300')
    try:
        before = rss_kib(srv.proc.pid)
        size, chunk, socks = 12 << 20, b' ' * (1 << 20), []
        for _ in range(10):
            so = socket.create_connection(('127.0.0.1', srv.port), timeout=60)
            so.sendall(f'POST /v1/licenses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n'
                       f'Authorization: Bearer {tok["editor"]}\r\nContent-Type: text/plain\r\n\r\n'.encode())
            for _ in range(11):
                so.sendall(chunk)
            so.sendall(chunk[:-4096])
            socks.append(so)
        # every byte but the last 4 KiB of each is in socket buffers or read by the server: wait
        # until the server holds nearly all of them (in its temporary files), or has grown too much
        deadline, grown = time.time() + 240, 0
        while time.time() < deadline and grown < 64:
            grown = max(grown, (rss_kib(srv.proc.pid) - before) / 1024)
            if spilled_bytes(srv.proc.pid) >= 10 * (size - (1 << 20)):
                break
            time.sleep(0.2)
        grown = max(grown, (rss_kib(srv.proc.pid) - before) / 1024)
        statuses = []
        for so in socks:
            so.sendall(chunk[:4096])
        for so in socks:
            head = so.recv(200)
            statuses.append(int(head.split(b' ', 2)[1]) if head.startswith(b'HTTP/') else 0)
            so.close()
        print(f'     figure: ten 12 MiB editor uploads held open grew the server by {grown:.1f} MiB')
        check('ten 12 MiB uploads held open grow the server by under 64 MiB', grown < 64, f'{grown:.1f} MiB')
        check('none of them is refused for memory (503): each is read and judged by the import '
              '(12 MiB of spaces: 413 or 422)', all(st in (413, 422) for st in statuses), statuses)
        padded = (open(SEED + '.txt', encoding='utf-8').read()
                  .replace('20220293', '20220294') + (' ' * 1000 + '\n') * 300).encode()
        c = Client(srv, tok['editor'])
        st, body, _ = c.post('/v1/licenses', padded, headers={'Content-Type': 'text/plain'})
        number = NUMBER.replace('20220293', '20220294')
        st2, got, _ = c.get(f'/v1/licenses/{number}')
        check('a licence of 300 KiB (past the spill size) imports whole from its temporary file',
              st == 201 and st2 == 200 and got.get('number') == number, (st, body, st2))
    finally:
        srv.stop()


def spilled_bytes(pid):
    """Bytes in the server's open temporary files that are deleted already (its spilled bodies)."""
    total = 0
    for fd in os.listdir(f'/proc/{pid}/fd'):
        try:
            if os.readlink(f'/proc/{pid}/fd/{fd}').endswith('(deleted)'):
                total += os.stat(f'/proc/{pid}/fd/{fd}').st_size
        except OSError:
            pass  # closed meanwhile
    return total


def test_failed_tokens_limited(db, tok):
    """Guessing tokens is rate-limited per address: with --rate 1 --burst 5, wrong tokens are
    401 until the burst is spent, then 429 with Retry-After, a wrong token's upload included
    (refused on its headers); a valid token keeps its own allowance."""
    srv = Server(db, '--rate', '1', '--burst', '5')
    try:
        c = Client(srv)
        t0, statuses, retry = time.time(), [], None
        for i in range(20):
            st, body, r = c.get('/v1/licenses', token=f'wrong-token-{i}')
            statuses.append(st)
            if st == 429 and retry is None:
                retry = r.getheader('Retry-After')
        refill = int(time.time() - t0) + 1  # what --rate 1 gave back while they were sent
        n401 = statuses.count(401)
        check('wrong tokens: 401 for the burst of 5, then 429 (only the rate refills between)',
              statuses[:5] == [401] * 5 and 5 <= n401 <= 5 + refill and statuses.count(429) == 20 - n401
              and statuses[-1] == 429, statuses)
        check('the 429 for wrong tokens says when to retry', retry is not None and int(retry) >= 1, retry)
        st, _, _ = c.get('/v1/licenses', token=tok['reader'])
        check('a valid token from the same address keeps its own allowance', st == 200, st)
        so = socket.create_connection(('127.0.0.1', srv.port), timeout=30)
        so.sendall(f'POST /v1/licenses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {16 << 20}\r\n'
                   'Authorization: Bearer wrong-again\r\nContent-Type: text/plain\r\n\r\n'.encode())
        head = so.recv(200)
        so.close()
        check('an upload with a wrong token over the limit is 429 on its headers, before its body',
              head.startswith(b'HTTP/1.1 429'), head[:40])
    finally:
        srv.stop()


def raw_get(port, host_header):
    out = checks.raw_http(port, f'GET /v1/licenses/{NUMBER} HTTP/1.1\r\nHost: {host_header}\r\n'
                          'Connection: close\r\n\r\n'.encode(), 10)
    return checks.http_status(out) or 0


def test_public_read_hosts(db):
    srv = Server(db, '--public-read', '--allow-host', 'registry.example.test')
    try:
        got = {h: raw_get(srv.port, h) for h in ('127.0.0.1', f'127.0.0.1:{srv.port}', f'localhost:{srv.port}',
                                                '[::1]', 'registry.example.test', 'attacker.example', 'attacker.example:80')}
        check('--public-read answers loopback names and --allow-host names',
              all(got[h] == 200 for h in list(got)[:5]), got)
        check('--public-read refuses any other Host with 421 (DNS rebinding)',
              got['attacker.example'] == 421 and got['attacker.example:80'] == 421, got)
    finally:
        srv.stop()


def main():
    db, tok = make_store('integrity.db')
    srv = Server(db, '--threads', '8', '--rate', '0')
    try:
        test_shared_host(srv, tok, db)
        test_exact_addresses(srv, tok)
        test_hygiene(srv, tok, db)
        test_bounded_answers(srv, tok)
    finally:
        srv.stop()
    events_db, events_tok = make_store('events.db')  # its own: nothing above can change it
    srv = Server(events_db, '--threads', '8', '--rate', '0')
    try:
        test_atomic_events(srv, events_tok)
    finally:
        srv.stop()
    test_public_read_hosts(db)
    test_long_names(db, tok)
    test_text_layer_checked()
    test_audit_covers_records(db)
    test_policy_before_bodies(db)
    test_failed_tokens_limited(db, tok)
    test_large_uploads_spill(db, tok)
    print(f"{ts.results['passed']} passed, {ts.results['failed']} failed")
    sys.exit(1 if ts.results['failed'] else 0)


if __name__ == '__main__':
    main()
