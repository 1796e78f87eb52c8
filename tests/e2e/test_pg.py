"""End-to-end tests of the PostgreSQL backend, against a throwaway cluster the test starts itself
(pgcluster.py): the same commands run on a SQLite file and on a PostgreSQL database, and every
answer must be the same (times, tokens and the chain's hashes, which depend on the moment,
masked); the server's answers likewise; several processes writing at once, then the chain and
every count checked; a password never shown in messages or in ps; the server answering reads
again after the database restarts.

usage: test_pg.py XUKE_BINARY FIXTURES_DIR [--no-memory-bound]
(--no-memory-bound: a sanitizer build, whose allocator keeps freed memory in quarantine, so a
process's peak memory says nothing of what it holds; the scans run on a smaller registry.)
Prints one line per check and closes with 'N passed, N failed'."""
import glob
import hashlib
import http.server
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import corpus  # noqa: E402
import checks  # noqa: E402
from checks import check, finish  # noqa: E402
from pgcluster import Cluster, PASSWORD, free_port  # noqa: E402

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
MEMORY_BOUND = '--no-memory-bound' not in sys.argv[3:]
TMP = tempfile.mkdtemp(prefix='xuke-pgtest-')
SEEDS = sorted(glob.glob(os.path.join(FIXTURES, 'seeds', '*.txt')))
LISTS = os.path.join(FIXTURES, 'lists')

TIME = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)')
# the calendar feed's DTSTAMP (the time it was written): two runs a second apart differ there
ICAL_STAMP = re.compile(r'\d{8}T\d{6}Z')
HEX64 = re.compile(r'\b[0-9a-f]{64}\b')
TOKEN = re.compile(r'xk_[0-9a-f]{16}(_[A-Za-z0-9_-]{43})?|\b[0-9a-f]{16}\b')
SECONDS = re.compile(r'\(\d+\.\d+ s, \d+ licences/s\)|after \d+ ms')


def run(db, *args, env=None):
    at = 2 if args[0] in ('event', 'token', 'lists', 'user', 'notify', 'sites', 'db') else 1
    argv = [XUKE, *args[:at], '--db', db, *args[at:]] if db else [XUKE, *args]
    e = dict(os.environ, **(env or {}))
    p = subprocess.run(argv, capture_output=True, timeout=300, env=e)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def masked(text, db):
    """What may differ between two stores made at different moments: the location, times, the
    hashes that cover them (audit), token secrets, elapsed times."""
    text = text.replace(db, 'DB')
    text = TIME.sub('TIME', text)
    text = ICAL_STAMP.sub('STAMP', text)
    text = HEX64.sub('HASH', text)
    text = TOKEN.sub('TOKEN', text)
    return SECONDS.sub('(S)', text)


def version_two(path):
    """A JSON record of the seed at path with another legal representative: a second version."""
    rc, out, _ = run(None, 'parse', '--json', path)
    rec = json.loads(out)
    if isinstance(rec, list):
        rec = rec[0]
    rec = rec.get('record', rec)
    rec['legal_representative'] = '王五'
    dst = os.path.join(TMP, 'v2.json')
    with open(dst, 'w', encoding='utf-8') as f:
        json.dump(rec, f, ensure_ascii=False)
    return dst


def text_variant(path, directory=TMP):
    """The document at path with another legal representative: the same number, another record
    (written into directory)."""
    rc, out, _ = run(None, 'parse', '--json', path)
    rec = json.loads(out)
    rec = rec[0] if isinstance(rec, list) else rec
    rep = rec.get('record', rec)['legal_representative']
    with open(path, encoding='utf-8') as f:
        text = f.read()
    assert rep and rep in text, path
    dst = os.path.join(directory, 'variant_' + os.path.basename(path))
    with open(dst, 'w', encoding='utf-8') as f:
        f.write(text.replace(rep, '赵六'))
    return dst


def mixed_batch(docs_dir):
    """One import whose batch mixes what PostgreSQL stores by COPY (licences new to the store)
    with what goes one by one in its place: a number met twice in the batch (a second version),
    a licence already stored (unchanged), then new ones again."""
    corpus.write(docs_dir, 12, seed=701)
    fresh = sorted(glob.glob(os.path.join(docs_dir, '*.txt')))
    return [*fresh[:4], fresh[4], text_variant(fresh[4]), SEEDS[1], *fresh[5:]]


def script(docs, v2, mixed, files):
    """The commands whose answers are compared, in order (writes among reads): every command
    that reads the store, in each of its forms."""
    first = '琼B2-20220293'  # SEEDS[0], of which v2 is a second version
    now = ('--as-of', '2026-06-01')
    return [
        ('import', *SEEDS),
        ('import', *SEEDS),
        ('import', *docs),
        ('import', *mixed),
        ('import', v2),
        ('get', first), ('get', '--json', first), ('get', '--version', '1', first),
        ('get', '--json', '--version', '1', *now, first), ('get', *now, first),
        ('get', '--source', first), ('get', '--source', '--version', '1', first),
        ('get', '没B2-00000000'), ('get', '--version', '9', first),
        ('history', first), ('history', '--json', first), ('history', '琼B2-20210620'),
        ('diff', first, '1', '2'), ('diff', first), ('diff', '琼B2-20210620'),
        ('search', '公司'), ('search', '--json', '网络'), ('search', '荷'), ('search', '小荷'),
        ('search', '小荷健康'), ('search', '--limit', '7', '科技'), ('search', '--all', '有限'),
        ('search', '--json', '--limit', '5', '--company', '小'), ('search', 'www.xiaohe.cn'),
        ('search', '--domain', 'www.xiaohe.cn'), ('search', '--json', '--domain', 'xiaohe.cn'),
        ('search', '--region', '琼'), ('search', '--region', '海南', '--json'),
        ('search', '--service', 'B25', '--all'), ('search', '--service', 'B21', '--json', '--all'),
        ('search', '--issuer', '海南省通信管理局', '--all'),
        ('search', '--expiring-within', '400', '--as-of', '2026-01-01', '--all'),
        ('search', '--valid-on', '2024-06-01', '--limit', '20'),
        ('search', '--company', '科技', '--region', '京', '--valid-on', '2025-01-01', '--json'),
        ('domain', '--as-of', '2026-01-01', 'www.xiaohe.cn'), ('domain', *now, 'xiaohe.cn'),
        ('domain', '--json', '--as-of', '2026-01-01', 'www.xiaohe.cn'),
        ('domain', '--json', '--as-of', '2026-01-01', 'nothing.example.cn'),
        ('event', 'add', first, 'registration_changed', '2026-03-02', '--note', '名称变更'),
        ('event', 'add', first, 'annual_report_filed', '2026-03-20', '--year', '2025',
         '--evidence', files['evidence']),
        ('event', 'list', first),
        ('event', 'void', '1', '--reason', 'entered twice'),
        ('event', 'list', first),
        ('event', 'baseline'),
        ('event', 'baseline', '--filed-through', '2023', '--note', '上线前已报'),
        ('event', 'baseline'),
        ('status', *now), ('status', '--json', *now), ('status', '--number', first, *now),
        ('status', '--json', '--number', first, *now),
        ('status', '--fail-on', 'overdue', *now), ('status', '--as-of', '2031-01-01'),
        ('deadlines', *now, '--within', '400'),
        ('deadlines', '--json', *now, '--within', '90'),
        ('deadlines', '--ics', *now, '--within', '400'),
        ('deadlines', '--number', first, *now), ('deadlines', '--json', '--number', first, *now),
        ('remove', '琼B2-20210620', '--reason', '注销'),
        ('remove', '琼B2-20210620', '--reason', 'again'),
        ('search', '--include-removed', '--all', '海南'), ('get', '琼B2-20210620'),
        ('history', '琼B2-20210620'), ('search', '--json', '--region', '琼', '--include-removed'),
        ('export', '--format', 'csv'), ('export', '--format', 'jsonl'),
        ('export', '--format', 'json', '--company', '科技'),
        ('export', '--format', 'csv', *now, '--include-removed', '--region', '琼'),
        ('export', '--format', 'jsonl', '--service', 'B25', '--limit', '3'),
        ('export', '--format', 'csv', '--domain', 'xiaohe.cn', *now),
        ('lists', 'import', '--kind', 'cancelled', '--source', 'MIIT', '--date', '2026-05-01',
         os.path.join(LISTS, 'cancelled.csv')),
        ('lists', 'import', '--kind', 'cancelled', '--source', 'MIIT', '--date', '2026-05-01',
         os.path.join(LISTS, 'bad_number.csv')),
        ('lists', 'show'), ('lists', 'show', '--json'), ('lists', 'check'),
        ('lists', 'check', '--json'),
        ('token', 'create', 'ops', '--role', 'editor'), ('token', 'create', 'ops', '--role', 'admin'),
        ('token', 'list'), ('token', 'revoke', 'ops'), ('token', 'list', '--json'),
        ('user', 'add', 'alice', '--role', 'editor', '--password-file', files['password']),
        ('user', 'add', 'bob', '--role', 'reader', '--password-file', files['password']),
        ('user', 'list'), ('user', 'disable', 'bob'), ('user', 'list', '--json'),
        ('notify', 'add', '--channel', 'webhook', '--to', files['hook'], '--all',
         '--secret-file', files['secret']),
        ('notify', 'add', '--channel', 'dingtalk', '--to', files['hook'] + '?access_token=x',
         '--licence', first, '--days', '30,7', '--secret-file', files['secret']),
        ('notify', 'list'), ('notify', 'list', '--json'),
        ('notify', 'run', '--dry-run', *now, '--now', '2026-06-01T09:00+08:00'),
        ('notify', 'run', '--timeout', '5'),  # today: two reminders due, nothing listening
        ('notify', 'log'), ('notify', 'log', '--json', '--failed'),
        ('sites', 'check', '--licence', first, '--json', *files['connect']),
        ('sites', 'history'), ('sites', 'history', '--latest', '--json'),
        ('sites', 'history', '--licence', first),
        ('audit', '--limit', '12'), ('audit', first), ('audit', '--json', '--limit', '3'),
        ('audit', '--json', first), ('audit', '--verify'),
        ('summary',),
    ]


class Homepage(http.server.BaseHTTPRequestHandler):
    """The licensed website's homepage, showing the licence number (sites check)."""

    def do_GET(self):
        body = '<html><body><footer>琼B2-20220293</footer></body></html>'.encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/html; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def inputs():
    """The files the script's commands read, and a homepage server for sites check."""
    files = {}
    for name, text in (('evidence', '%PDF-1.4\n% 年报回执 2025\n%%EOF\n'),
                       ('password', 'correct horse battery\n'), ('secret', 'SECabcdef0123456789\n')):
        files[name] = os.path.join(TMP, name + ('.pdf' if name == 'evidence' else '.txt'))
        with open(files[name], 'w', encoding='utf-8') as f:
            f.write(text)
        os.chmod(files[name], 0o600)
    files['hook'] = f'http://127.0.0.1:{free_port()}/hook'  # nothing listens there
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Homepage)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    files['connect'] = ['--connect-to', f'xiaohe.cn:80:127.0.0.1:{port}',
                        '--connect-to', f'xiaohe.cn:443:127.0.0.1:{free_port()}',
                        '--connect-to', f'www.xiaohe.cn:80:127.0.0.1:{port}',
                        '--connect-to', f'www.xiaohe.cn:443:127.0.0.1:{free_port()}']
    return files, httpd


# the commands meant to be refused, or to exit 1 as an alert, on both stores
FILES = {}  # the inputs of the CLI script, for the server's writes after it
REFUSED = {'get 没B2-00000000', 'get --version 9', 'remove 琼B2-20210620 --reason', 'token create ops',
           'status --fail-on overdue', 'domain --json --as-of', 'lists import --kind',
           'diff 琼B2-20210620'}


def compare_cli(pg_db):
    lite = os.path.join(TMP, 'same.db')
    docs_dir = os.path.join(TMP, 'docs')
    corpus.write(docs_dir, 120, seed=700)
    docs = sorted(glob.glob(os.path.join(docs_dir, '*.txt')))
    v2 = version_two(SEEDS[0])
    mixed = mixed_batch(os.path.join(TMP, 'mixed'))
    files, httpd = inputs()
    FILES.update(files)
    commands = script(docs, v2, mixed, files)
    differ, failed = [], []
    try:
        for cmd in commands:
            a = run(lite, *cmd)
            b = run(pg_db, *cmd)
            if b[0] != 0:
                failed.append(' '.join(cmd[:3]))
            if cmd[0] == 'summary':  # the file's size is the engine's own
                a = (a[0], re.sub(r'\d[\d,.]* ?[KMG]?i?B\b', 'SIZE', a[1]), a[2])
                b = (b[0], re.sub(r'\d[\d,.]* ?[KMG]?i?B\b', 'SIZE', b[1]), b[2])
            ma = (a[0], masked(a[1], lite),
                  masked(a[2], lite).replace('xuke: created a new store DB\n', ''))
            mb = (b[0], masked(b[1], pg_db), masked(b[2], pg_db))
            if ma != mb:
                differ.append((' '.join(cmd[:4]), ma, mb))
    finally:
        httpd.shutdown()
    check('every CLI answer on PostgreSQL is the SQLite file\'s (%d commands)' % len(commands),
          not differ, '\n'.join(f'{c}:\n  sqlite {a!r}\n  pg     {b!r}' for c, a, b in differ[:6]))
    # the answers compared are real ones: only the commands meant to be refused failed
    print('     refused or alerting on PostgreSQL:', failed)
    check('only the commands meant to fail failed on PostgreSQL',
          {f for f in failed if not any(f.startswith(r) for r in REFUSED)} == set() and
          'remove 琼B2-20210620 --reason' in failed and 'token create ops' in failed, failed)
    rc, out, _ = run(pg_db, 'get', '琼B2-20220293')
    check('a licence read back from PostgreSQL names its company', '海南小荷健康网络技术有限公司' in out, out)
    rc, out, _ = run(pg_db, 'audit', '--verify')
    check('the PostgreSQL chain verifies after the script', rc == 0 and 'chain intact' in out, out)
    compare_backups(lite, pg_db)
    with open(files['evidence'], 'rb') as f:
        return lite, hashlib.sha256(f.read()).hexdigest()


def compare_backups(lite, pg_db):
    """xuke backup of each store: a SQLite file that answers as the other's does."""
    paths = [os.path.join(TMP, 'backup-lite.db'), os.path.join(TMP, 'backup-pg.db')]
    outs = [run(db, 'backup', path) for db, path in zip((lite, pg_db), paths)]
    check('xuke backup succeeds on both stores', all(o[0] == 0 for o in outs), outs)
    differ = []
    for cmd in (('export', '--format', 'jsonl'), ('audit', '--json'), ('status', '--as-of', '2026-06-01'),
                ('token', 'list'), ('user', 'list'), ('lists', 'show'), ('notify', 'list')):
        a, b = (run(p, *cmd) for p in paths)
        if (a[0], masked(a[1], paths[0])) != (b[0], masked(b[1], paths[1])):
            differ.append((cmd, a[1][:300], b[1][:300]))
    check('the backup of the PostgreSQL store answers as the SQLite file\'s backup', not differ, differ[:2])


def get(port, path, token=None, method='GET', body=None, kind='application/json'):
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(f'http://127.0.0.1:{port}{path}', data=data, method=method)
    if data is not None:
        req.add_header('Content-Type', kind)
    if token:
        req.add_header('Authorization', 'Bearer ' + token)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode('utf-8', 'replace')
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode('utf-8', 'replace')
    except OSError as e:
        return None, str(e)


def start_server(db):
    port = free_port()
    p = subprocess.Popen([XUKE, 'serve', '--db', db, '--listen', f'127.0.0.1:{port}',
                          '--public-read'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        if p.poll() is not None:
            break
        status, _ = get(port, '/v1/licenses?limit=1')
        if status is not None:
            return p, port
        time.sleep(0.1)
    p.kill()
    raise RuntimeError('server did not start: ' + p.stderr.read().decode())


def q(text):
    return urllib.parse.quote(text)


FIRST, REMOVED, BJ = q('琼B2-20220293'), q('琼B2-20210620'), q('京B2-20224676')
SERVER_PATHS = [
    '/healthz', '/v1/event-types', '/v1/baseline', '/v1/subscriptions', '/v1/notifications',
    '/v1/notifications?failed=1&limit=5', '/v1/session',
    '/v1/licenses', '/v1/licenses?limit=5', '/v1/licenses?limit=1000',
    '/v1/licenses?company=' + q('公司') + '&limit=50', '/v1/licenses?company=' + q('荷'),
    '/v1/licenses?company=' + q('小荷健康'), '/v1/licenses?company=' + q('有限') + '&limit=1000',
    '/v1/licenses?domain=xiaohe.cn', '/v1/licenses?domain=www.xiaohe.cn',
    '/v1/licenses?service=B25&limit=1000', '/v1/licenses?region=' + q('琼'),
    '/v1/licenses?region=' + q('北京'), '/v1/licenses?issuer=' + q('海南省通信管理局'),
    '/v1/licenses?valid_on=2024-06-01&limit=20',
    '/v1/licenses?expiring_within=400&as_of=2026-01-01&limit=1000',
    '/v1/licenses?status=removed', '/v1/licenses?status=valid&as_of=2026-06-01&limit=1000',
    '/v1/licenses?status=expired&as_of=2031-01-01&limit=1000',
    '/v1/licenses?status=renewal_due&as_of=2026-06-01', '/v1/licenses?status=active&limit=7',
    '/v1/licenses?limit=3&after=' + BJ, '/v1/licenses?cursor=bogus',
    '/v1/licenses/' + BJ, '/v1/licenses/' + FIRST, '/v1/licenses/' + FIRST + '?version=1',
    '/v1/licenses/' + FIRST + '?as_of=2026-06-01', '/v1/licenses/' + FIRST + '?version=7',
    '/v1/licenses/' + REMOVED, '/v1/licenses/' + q('没B2-00000000'),
    '/v1/licenses/' + q('京B2-99999999'), '/v1/licenses/' + q('京B2-99999999') + '/history',
    '/v1/licenses/' + FIRST + '/history', '/v1/licenses/' + REMOVED + '/history',
    '/v1/licenses/' + FIRST + '/sites', '/v1/licenses/' + BJ + '/sites',
    '/v1/licenses/' + FIRST + '/diff', '/v1/licenses/' + FIRST + '/diff?from=1&to=2',
    '/v1/licenses/' + FIRST + '/source', '/v1/licenses/' + FIRST + '/source?version=1',
    '/v1/licenses/' + FIRST + '/obligations?as_of=2026-06-01',
    '/v1/licenses/' + BJ + '/obligations?as_of=2026-06-01',
    '/v1/licenses/' + FIRST + '/events', '/v1/licenses/' + BJ + '/events',
    '/v1/domains/www.xiaohe.cn', '/v1/domains/xiaohe.cn?as_of=2026-01-01',
    '/v1/domains/nothing.example.cn', '/v1/status?as_of=2026-06-01',
    '/v1/status?as_of=2026-06-01&number=' + FIRST, '/v1/status?as_of=2026-06-01&limit=5',
    '/v1/deadlines?as_of=2026-06-01', '/v1/deadlines?as_of=2026-06-01&within=400',
    '/v1/deadlines?as_of=2026-06-01&within=400&number=' + FIRST,
    '/v1/deadlines?as_of=2026-06-01&limit=3', '/v1/calendar.ics?as_of=2026-06-01&within=400',
    '/v1/calendar.ics?as_of=2026-06-01&number=' + FIRST,
    '/v1/evidence/' + '0' * 64]


def pages(port, path):
    """Every page of a keyset-paginated list, following next_cursor."""
    got, cursor = [], None
    for _ in range(200):
        status, body = get(port, path + (('&cursor=' + q(cursor)) if cursor else ''))
        got.append((status, body))
        try:
            cursor = json.loads(body).get('next_cursor')
        except ValueError:
            cursor = None
        if not cursor:
            break
    return got


def compare_server(lite, pg_db, evidence):
    a, pa = start_server(lite)
    b, pb = start_server(pg_db)
    paths = SERVER_PATHS + ['/v1/evidence/' + evidence]
    differ, found = [], 0
    try:
        for path in paths:
            sa, ta = get(pa, path)
            sb, tb = get(pb, path)
            found += sb == 200
            if (sa, masked(ta, lite)) != (sb, masked(tb, pg_db)):
                differ.append((path, sa, ta[:300], sb, tb[:300]))
        for path in ('/v1/licenses?limit=7', '/v1/licenses?company=' + q('有限') + '&limit=9',
                     '/v1/licenses?service=B25&limit=11'):
            la, lb = pages(pa, path), pages(pb, path)
            if [(s, masked(t, lite)) for s, t in la] != [(s, masked(t, pg_db)) for s, t in lb]:
                differ.append((path + ' (every page)', len(la), la[-1][1][:300], len(lb), lb[-1][1][:300]))
            check('%s follows its cursor over several pages' % path, len(la) >= 3, len(la))
    finally:
        a.kill()
        b.kill()
        a.wait()
        b.wait()
    check('every server answer on PostgreSQL is the SQLite file\'s (%d requests and 3 paginations)'
          % len(paths), not differ, differ[:3])
    # the answers compared are real ones: only the requests meant to be refused were
    check('PostgreSQL answered 200 to all but the 7 requests meant to be refused',
          found == len(paths) - 7, (found, len(paths)))


def server_writes(files):
    """The writes of the API in order, each (method, path, body, content type), with the reads
    that show what they did."""
    doc = corpus.write(os.path.join(TMP, 'upload'), 1, seed=702)
    with open(glob.glob(os.path.join(TMP, 'upload', '*.txt'))[0], encoding='utf-8') as f:
        fresh = doc[0]['number'][:-4] + '9876'  # its year kept: a number new to both stores
        text = f.read().replace(doc[0]['number'], fresh).encode()
    with open(version_two(SEEDS[2]), 'rb') as f:
        record = f.read()
    n, up = q('京B2-20224676'), q(fresh)
    return [
        ('POST', '/v1/licenses', text, 'text/plain'), ('POST', '/v1/licenses', text, 'text/plain'),
        ('POST', '/v1/licenses', record, 'application/json'),
        ('POST', '/v1/licenses', '许可证'.encode() * 40, 'text/plain'),
        ('POST', f'/v1/licenses/{n}/events', {'type': 'registration_changed', 'date': '2026-04-01',
                                              'note': '经营地址变更'}, None),
        ('POST', f'/v1/licenses/{n}/events', {'type': 'no_such_type', 'date': '2026-04-01'}, None),
        ('POST', '/v1/events/{event}/void', {'reason': 'entered twice'}, None),
        ('POST', '/v1/events/{event}/void', {'reason': 'again'}, None),
        ('POST', '/v1/baseline', {'filed_through': 2024, 'note': '接入时'}, None),
        ('POST', '/v1/subscriptions', {'channel': 'webhook', 'to': files['hook'], 'all': True,
                                         'secret_file': files['secret']}, None),
        ('DELETE', '/v1/subscriptions/1', None, None),
        ('DELETE', f'/v1/licenses/{n}', {'reason': '注销'}, None),
        ('DELETE', f'/v1/licenses/{n}', {'reason': 'again'}, None),
        ('GET', f'/v1/licenses/{up}', None, None), ('GET', f'/v1/licenses/{n}', None, None),
        ('GET', f'/v1/licenses/{n}/history', None, None), ('GET', f'/v1/licenses/{n}/events', None, None),
        ('GET', '/v1/baseline', None, None), ('GET', '/v1/subscriptions', None, None),
        ('GET', '/v1/licenses?status=removed', None, None),
        ('GET', '/v1/status?as_of=2026-06-01', None, None)]


def compare_server_writes(lite, pg_db, files):
    """The same writes through a server on each store: the same answers, and the same chain."""
    tokens = [run(db, 'token', 'create', 'api-writer', '--role', 'editor')[1].strip().split()[-1]
              for db in (lite, pg_db)]
    a, pa = start_server(lite)
    b, pb = start_server(pg_db)
    differ, codes, event = [], [], ['0', '0']
    try:
        for method, path, body, kind in server_writes(files):
            kw = {'method': method, 'body': body, 'kind': kind or 'application/json'}
            sa, ta = get(pa, path.replace('{event}', event[0]), tokens[0], **kw)
            sb, tb = get(pb, path.replace('{event}', event[1]), tokens[1], **kw)
            codes.append(sb)
            if path.endswith('/events') and method == 'POST' and sb == 201:
                event = [str(json.loads(t)['id']) for t in (ta, tb)]
            if (sa, masked(ta, lite)) != (sb, masked(tb, pg_db)):
                differ.append((method, path, sa, ta[:300], sb, tb[:300]))
    finally:
        a.kill()
        b.kill()
        a.wait()
        b.wait()
    check('every write through the server on PostgreSQL answers as on the SQLite file (%d requests)'
          % len(codes), not differ, differ[:3])
    print('     statuses on PostgreSQL:', codes)
    check('the writes meant to succeed did, the ones meant to be refused were',
          codes[:4] == [201, 200, 201, 422] and codes[4:6] == [201, 422] and codes[6] == 200 and
          codes[7] == 409 and codes[8:10] == [201, 201] and codes[11:13] == [200, 409] and
          all(c == 200 for c in codes[13:]), codes)
    verified = [run(db, 'audit', '--verify') for db in (lite, pg_db)]
    check('both chains verify after the writes, with as many entries',
          all(v[0] == 0 for v in verified) and
          re.search(r'\d+ entries', verified[0][1]).group(0) == re.search(r'\d+ entries', verified[1][1]).group(0),
          verified)


def concurrent_writers(pg, name):
    db = pg.createdb(name)
    dirs, distinct = [], set()
    for w in range(4):
        d = os.path.join(TMP, f'w{w}')
        # overlapping: 20 of each writer's licences are the next writer's too
        distinct.update(f['number'] for f in corpus.write(d, 60, seed=9000 + w * 40))
        dirs.append(sorted(glob.glob(os.path.join(d, '*.txt'))))
    procs = [subprocess.Popen([XUKE, 'import', '--db', db, '--batch', '7', *docs],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for docs in dirs]
    rc, out, err = run(db, 'import', SEEDS[0])
    check('a seed imported beside the importers', rc == 0, out + err)
    events = []
    for i in range(12):
        events.append(subprocess.Popen(
            [XUKE, 'event', 'add', '--db', db, '琼B2-20220293', 'registration_changed',
             f'2026-02-{i + 1:02d}', '--note', f'writer {i}'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    results = [p.communicate(timeout=600) + (p.returncode,) for p in procs + events]
    failed = [r for r in results if r[2] != 0]
    check('4 importers and 12 event writers at once all succeed', not failed,
          [(o.decode()[-300:], e.decode()[-300:]) for o, e, _ in failed[:3]])
    rc, out, err = run(db, 'audit', '--verify')
    check('the audit chain is unbroken after the concurrent writers', rc == 0 and 'chain intact' in out,
          out + err)
    want_entries = len(distinct) + 1 + 12  # one import per distinct licence, the seed, the events
    m = re.search(r'(\d+) entries', out)
    check('the chain holds one entry per licence stored and per event (%d)' % want_entries,
          m and int(m.group(1)) == want_entries, out)
    licences = pg.psql(name, 'SELECT count(*) FROM licences')
    versions = pg.psql(name, 'SELECT count(*) FROM versions')
    n_events = pg.psql(name, 'SELECT count(*) FROM events')
    check('every distinct licence stored once, one version each, every event kept',
          (int(licences), int(versions), int(n_events)) ==
          (len(distinct) + 1, len(distinct) + 1, 12), (licences, versions, n_events))
    # Second versions, imported one by one inside each importer's batch transactions: many
    # audit entries a transaction, whose head is written once at its COMMIT (audit.c), while
    # the other importers and event writers wait on the writer lock.
    variants = []
    for w, docs in enumerate(dirs):
        d = os.path.join(TMP, f'v{w}')
        os.makedirs(d, exist_ok=True)
        variants.append([text_variant(path, d) for path in docs])
    procs = [subprocess.Popen([XUKE, 'import', '--db', db, '--batch', '9', *docs],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for docs in variants]
    events = [subprocess.Popen(
        [XUKE, 'event', 'add', '--db', db, '琼B2-20220293', 'registration_changed',
         f'2026-03-{i + 1:02d}', '--note', f'second writer {i}'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(8)]
    results = [p.communicate(timeout=600) + (p.returncode,) for p in procs + events]
    failed = [r for r in results if r[2] != 0]
    check('4 importers of second versions and 8 event writers at once all succeed', not failed,
          [(o.decode()[-300:], e.decode()[-300:]) for o, e, _ in failed[:3]])
    rc, out, err = run(db, 'audit', '--verify')
    want_entries += len(distinct) + 8  # one second version per distinct licence, the events
    m = re.search(r'(\d+) entries', out)
    check('the chain is unbroken and holds every second version and event (%d)' % want_entries,
          rc == 0 and 'chain intact' in out and m and int(m.group(1)) == want_entries, out + err)
    versions = pg.psql(name, 'SELECT count(*) FROM versions')
    head = pg.psql(name, 'SELECT entries FROM audit_head')
    check('two versions of every licence but the seed, and the head counts every entry',
          (int(versions), int(head)) == (2 * len(distinct) + 1, want_entries), (versions, head))


def scan_peaks(pg, name, docs):
    """A registry of docs on database name; the peak memory of each whole-registry scan on it."""
    db = pg.createdb(name)
    rc, out, err = run(db, 'import', *docs)
    if rc != 0:
        raise RuntimeError(out + err)
    peaks = {}
    for what, argv in (('db copy', ['db', 'copy', '--from', db, '--to', pg.createdb(name + '_to')]),
                       ('audit --verify', ['audit', '--verify', '--db', db]),
                       ('export', ['export', '--db', db, '--format', 'csv']),
                       ('status', ['status', '--db', db])):
        # a fresh interpreter per command: RUSAGE_CHILDREN keeps the largest child so far
        probe = ('import resource, subprocess, sys\n'
                 'subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n'
                 'print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)')
        p = subprocess.run([sys.executable, '-c', probe, XUKE, *argv], capture_output=True,
                           text=True, timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f'{what}: {p.stderr[-500:]}')
        peaks[what] = int(p.stdout.strip())
    return db, peaks


def company_search(pg, name, db, fact):
    """After a bulk import the company index is ready: its GIN pending list (entries every
    search reads whole until merged) is empty, a search of three characters or more goes
    through the trigram index, and one or two characters still find their licences."""
    pg.psql(name, 'CREATE EXTENSION IF NOT EXISTS pgstattuple')
    pending = pg.psql(name, "SELECT pending_tuples FROM pgstatginindex('licences_company_trgm')")
    check('a bulk import leaves no entries pending in the company index', pending == '0', pending)
    middle = fact['company'][2:8]
    plan = pg.psql(name, "EXPLAIN SELECT l.number FROM licences l WHERE l.removed = 0 AND "
                         f"l.company ILIKE '%{middle}%' ORDER BY l.number LIMIT 20")
    check('a distinctive company search goes through the trigram index',
          'licences_company_trgm' in plan, plan)
    rc, out, err = run(db, 'search', '--company', middle)
    check('the search finds its licence', rc == 0 and fact['number'] in out, out + err)
    short = fact['company'][2:4]
    rc, out, err = run(db, 'search', '--company', short, '--all', '--json')
    got = set(re.findall(r'"number":\s*"([^"]+)"', out))
    want = set(pg.psql(name, f"SELECT number FROM licences WHERE company LIKE '%{short}%'")
               .split('\n'))
    check('a two-character company search (a scan) finds every licence holding it (%d)' % len(want),
          rc == 0 and fact['number'] in got and got == want, (len(got), len(want), err[-300:]))


def bounded_scans(pg):
    """The scans over a whole registry read it in batches (XK_PG_FETCH_ROWS = 1000 rows): twice
    the licences (14 MB more documents, records and audit content) must not raise any scan's
    peak memory by more than a few MB. Reading each scan's whole result at once, as the driver
    did, raised db copy's by the documents table's size and more."""
    half = 3000 if MEMORY_BOUND else 1200  # either way more than two fetch batches in all
    first = corpus.write(os.path.join(TMP, 'scan-a'), half, seed=30000)
    second = corpus.write(os.path.join(TMP, 'scan-b'), half, seed=33000)
    docs_a = sorted(glob.glob(os.path.join(TMP, 'scan-a', '*.txt')))
    docs_b = sorted(glob.glob(os.path.join(TMP, 'scan-b', '*.txt')))
    db, large = scan_peaks(pg, 'scan_large', docs_a + docs_b)
    if MEMORY_BOUND:
        _, small = scan_peaks(pg, 'scan_small', docs_a)
        added = int(pg.psql('scan_large', 'SELECT (SELECT sum(octet_length(body)) FROM documents) '
                                          '+ (SELECT sum(octet_length(record)) FROM versions) + '
                                          '(SELECT sum(octet_length(content)) FROM audit)')) // 2048
        grown = {k: large[k] - small[k] for k in large}
        check('twice the registry (%d KiB more rows) raises no scan\'s peak memory by 4 MiB: %s'
              % (added, grown), added > 6000 and all(g < 4096 for g in grown.values()),
              (small, large))

    numbers = {f['number'] for f in first + second}
    rc, out, err = run(db, 'export', '--format', 'jsonl')
    got = [json.loads(line)['number'] for line in out.splitlines() if line.strip()]
    check('an export over several fetch batches holds every licence once, in number order',
          rc == 0 and len(got) == len(numbers) and set(got) == numbers and got == sorted(got),
          (rc, len(got), len(numbers), err[-300:]))
    company_search(pg, 'scan_large', db, first[half // 2])
    rc, out, err = run(db, 'audit', '--verify')
    check('audit --verify walks the whole chain across batches (%d entries)' % len(numbers),
          rc == 0 and f'{len(numbers)} entries' in out, out + err)
    lite = os.path.join(TMP, 'scan-lite.db')
    run(lite, 'import', *docs_a, *docs_b)
    status = [run(store, 'status', '--json', '--as-of', '2026-06-01') for store in (db, lite)]
    check('status over every licence on PostgreSQL (read in batches) is the SQLite file\'s',
          status[0][0] == 0 and status[0][1] == status[1][1] and
          status[0][1].count('"number"') >= len(numbers), (status[0][1][:300], status[0][2][-300:]))


def passwords(pg):
    pg.createdb('secret')
    url = pg.url('secret')
    rc, out, err = run(url, 'import', SEEDS[0])
    check('a postgresql:// URI with a password works', rc == 0, err)
    check('the password is in no message of an import', PASSWORD not in out + err, out + err)
    bad = url.replace(PASSWORD, 'wrong-' + PASSWORD)
    rc, out, err = run(bad, 'summary')
    check('a wrong password is an error that does not show the password',
          rc != 0 and 'wrong-' not in out + err and PASSWORD not in out + err and err, err)
    passfile = os.path.join(TMP, 'pgpass')
    with open(passfile, 'w') as f:
        f.write(f'127.0.0.1:{pg.port}:secret:xuke:{PASSWORD}\n')
    os.chmod(passfile, 0o600)
    rc, out, err = run(pg.url('secret', password=False), 'summary', env={'PGPASSFILE': passfile})
    check('the password can come from PGPASSFILE', rc == 0 and '1 licence' in out, out + err)
    rc, out, err = run(None, 'get', '--db', f'{url}?sslmode=bogus', '京B2-20224676')
    check('a bad connection option is an error without the password',
          rc != 0 and PASSWORD not in out + err and 'sslmode' in err, err)
    p, port = start_server(url)
    try:
        with open(f'/proc/{p.pid}/cmdline', 'rb') as f:
            cmdline = f.read().decode('utf-8', 'replace')
        check('ps does not show the password of a running server',
              PASSWORD not in cmdline and 'postgresql://' in cmdline, cmdline)
    finally:
        p.kill()
        p.wait()


READS = [('get', '琼B2-20220293'), ('get', '--json', '京B2-20224676'), ('history', '琼B2-20220293'),
         ('search', '--all', '--include-removed', '公司'), ('event', 'list', '琼B2-20220293'),
         ('token', 'list'), ('lists', 'show'), ('audit',), ('audit', '--verify'),
         ('export', '--format', 'jsonl'), ('get', '--source', '京B2-20224676')]


def same_reads(a, b):
    """The read commands whose answers differ between stores a and b (nothing masked but the
    location: a copy keeps every time and hash)."""
    differ = []
    for cmd in READS:
        ra, rb = run(a, *cmd), run(b, *cmd)
        if (ra[0], ra[1].replace(a, 'DB')) != (rb[0], rb[1].replace(b, 'DB')):
            differ.append((cmd, ra[1][:200], rb[1][:200]))
    return differ


def db_commands(pg, lite):
    target = pg.createdb('migrated')
    rc, out, err = run(None, 'db', 'migrate', '--db', target)
    check('db migrate creates the schema on PostgreSQL', rc == 0 and 'schema version' in out,
          out + err)
    version = pg.psql('migrated', 'SELECT version FROM schema_version')
    check('db migrate records the schema version', version and out.strip().endswith(version),
          (out, version))
    rc2, out2, _ = run(None, 'db', 'migrate', '--db', target)
    check('db migrate again changes nothing', rc2 == 0 and out2 == out, out2)

    copied = pg.createdb('copied')
    rc, out, err = run(None, 'db', 'copy', '--from', lite, '--to', copied)
    check('db copy SQLite → PostgreSQL succeeds and says it verified',
          rc == 0 and 'verified' in out, out + err)
    differ = same_reads(lite, copied)
    check('the PostgreSQL copy answers every read as the SQLite file does, hashes and times too',
          not differ, differ[:2])
    back = os.path.join(TMP, 'back.db')
    rc, out, err = run(None, 'db', 'copy', '--from', copied, '--to', back)
    check('db copy PostgreSQL → SQLite succeeds', rc == 0 and 'verified' in out, out + err)
    differ = same_reads(lite, back)
    check('the round trip answers every read as the original', not differ, differ[:2])
    rc, out, _ = run(back, 'search', '小荷健康')
    check('company search works on a copied SQLite file (its index rebuilt)',
          '海南小荷健康网络技术有限公司' in out, out)
    rc, out, _ = run(copied, 'event', 'add', '琼B2-20220293', 'registration_changed', '2026-04-01')
    check('a copied PostgreSQL store takes new rows after the copied ids', rc == 0, out)

    rc, out, err = run(None, 'db', 'copy', '--from', lite, '--to', copied)
    check('db copy into a store that holds licences is refused',
          rc != 0 and 'not empty' in err, out + err)

    pg.psql('copied', "UPDATE audit SET detail = 'rewritten' WHERE id = 3")
    bad = os.path.join(TMP, 'from-tampered.db')
    rc, out, err = run(None, 'db', 'copy', '--from', copied, '--to', bad)
    check('a source whose audit log was altered is not copied', rc != 0 and 'audit' in err,
          out + err)
    rc, out, _ = run(bad, 'summary')
    check('nothing of the refused copy was kept', '0 licences' in out or rc != 0, out)

    secret = pg.createdb('secretcopy')
    rc, out, err = run(None, 'db', 'copy', '--from', lite, '--to',
                       pg.url('secretcopy'))
    check('db copy to a URI with a password works and never shows it',
          rc == 0 and PASSWORD not in out + err and '***' in out, out + err)
    del secret


def reconnect(pg, db):
    p, port = start_server(db)
    try:
        status, _ = get(port, '/v1/licenses/%E4%BA%ACB2-20224676')
        check('the server answers from PostgreSQL', status == 200, status)
        pg.halt()
        status, body = get(port, '/healthz')
        check('the database down: /healthz is 503 "unavailable", saying why (a load balancer '
              'turns away)', status == 503 and json.loads(body).get('status') == 'unavailable'
              and json.loads(body).get('store'), (status, body))
        pg.resume()
        answers = [get(port, '/v1/licenses/%E4%BA%ACB2-20224676')[0] for _ in range(12)]
        check('after the database restarts the server answers reads again',
              answers[-1] == 200 and answers.count(200) >= 10, answers)
        status, body = get(port, '/healthz')
        check('... and /healthz is 200 again', status == 200, (status, body))
    finally:
        p.kill()
        p.wait()


def main():
    with Cluster() as pg:
        db = pg.createdb('same')
        lite, evidence = compare_cli(db)
        compare_server(lite, db, evidence)
        compare_server_writes(lite, db, FILES)
        concurrent_writers(pg, 'writers')
        bounded_scans(pg)
        passwords(pg)
        db_commands(pg, lite)
        reconnect(pg, db)
    shutil.rmtree(TMP, ignore_errors=True)
    finish()


if __name__ == '__main__':
    main()
