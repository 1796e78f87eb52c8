"""End-to-end tests of reminders through the real binary, a real SQLite file, fake DingTalk,
WeCom, Feishu and webhook receivers (one HTTP server this test starts on 127.0.0.1) and an SMTP
sink (Debian's python3-aiosmtpd, with AUTH) on 127.0.0.1. Each fake checks a request as its
service does: DingTalk's timestamp and sign in the query, Feishu's in the body (both within an
hour of now), the WeCom key and its 4096-byte markdown limit, the webhook's X-Xuke-Signature;
and each can answer an error, a rate limit or hang. The signatures are recomputed here with
Python's hmac module, not taken from xuke.

Covered: bad input refused with a clear message; each reminder delivered once over reruns; a
503 and a 429 with Retry-After retried later; a refused secret failing at once with the
service's answer in `notify test` and `notify log --failed`; a SIGKILL mid-send (the message
taken again only after its claim lapses, with the same idempotency key; confirmed ones never
again); quiet hours; a daily digest; email with a UTF-8 subject; secrets in no output.

usage: test_notify.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import base64
import datetime
import email
import email.header
import email.policy
import hashlib
import hmac
import http.server
import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

warnings.simplefilter('ignore', DeprecationWarning)
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402

logging.getLogger('mail.log').setLevel(logging.ERROR)  # aiosmtpd's own deprecation notes

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix='xuke-notify-')
DB = os.path.join(TMP, 'r.db')
NUMBER = '琼B2-20220293'
COMPANY = '海南小荷健康网络技术有限公司'
AS_OF = '2026-12-07'
# The deadlines of NUMBER open on AS_OF, from its licence (issued 2022-04-15, valid to
# 2027-04-15; renewal 90 days before expiry under provision 十二; annual reports in Q1 under
# 十四) and the published holiday calendar (2024-03-31 is a Sunday: the next working day).
EXPECTED_DUE = {'2023-03-31', '2024-04-01', '2025-03-31', '2026-03-31', '2027-01-15'}
SECRETS = {'dingtalk': 'SECdingtalk0123456789', 'feishu': 'feishu-secret-abc',
           'webhook': 'whsec-0123456789', 'smtp': 'smtp-pass-9876', 'wrong': 'not-the-secret'}
WECOM_KEY = 'wecom-key-5555'
DING_TOKEN = 'ding-token-7777'


def run(*args, timeout=300):
    return checks.run([XUKE, *args], timeout=timeout)


def secret_file(name, mode=0o600):
    path = os.path.join(TMP, name + '.secret')
    with open(path, 'w') as f:
        f.write(SECRETS[name] + '\n')
    os.chmod(path, mode)
    return path


def b64_hmac(key, msg):
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()


# --- the fake services -------------------------------------------------------------------------

LOCK = threading.Lock()
GOT = {}        # path → list of accepted request bodies (JSON)
SEEN = {}       # path → every request that arrived, accepted or not
SCRIPT = {}     # path → list of answers to give first: '503', '429', 'busy', 'hang'
HANG_ARRIVED = threading.Event()
HANG_RELEASE = threading.Event()
PROBLEMS = []


def fresh(ts_seconds):
    return abs(time.time() - ts_seconds) < 3600


def verify(path, query, headers, raw, body):
    """The service's own check of a request; None when it passes, else its error answer."""
    if path.startswith('/dingtalk'):
        ts, sign = query.get('timestamp', [''])[0], query.get('sign', [''])[0]
        if query.get('access_token', [''])[0] != DING_TOKEN:
            return {'errcode': 300001, 'errmsg': 'token is not exist'}
        want = b64_hmac(SECRETS['dingtalk'].encode(), f"{ts}\n{SECRETS['dingtalk']}".encode())
        if not ts.isdigit() or not fresh(int(ts) / 1000) or sign != want:
            return {'errcode': 310000, 'errmsg': 'sign not match'}
        if body.get('msgtype') != 'markdown' or NUMBER not in body['markdown']['text']:
            return {'errcode': 40035, 'errmsg': 'bad body'}
    elif path == '/wecom':
        if query.get('key', [''])[0] != WECOM_KEY:
            return {'errcode': 93000, 'errmsg': 'invalid webhook url'}
        content = body.get('markdown', {}).get('content', '')
        if len(content.encode()) > 4096:
            return {'errcode': 40058, 'errmsg': 'markdown.content exceed max length 4096'}
    elif path.startswith('/feishu'):
        secret = SECRETS['feishu']
        ts = body.get('timestamp', '')
        want = b64_hmac(f'{ts}\n{secret}'.encode(), b'')
        if not ts.isdigit() or not fresh(int(ts)) or body.get('sign') != want:
            return {'code': 19021, 'msg': 'sign match fail or timestamp is not within one hour '
                                          'from current time'}
    elif path.startswith('/hook') or path == '/digest':
        sig = headers.get('X-Xuke-Signature', '')
        parts = dict(p.split('=', 1) for p in sig.split(',') if '=' in p)
        t = parts.get('t', '')
        want = hmac.new(SECRETS['webhook'].encode(), t.encode() + b'.' + raw,
                        hashlib.sha256).hexdigest()
        if not t.isdigit() or not fresh(int(t)) or not hmac.compare_digest(parts.get('v1', ''),
                                                                           want):
            return 'bad signature'
        if headers.get('Idempotency-Key') != body.get('id'):
            return 'idempotency key differs'
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def answer(self, status, obj, extra=()):
        data = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
        try:
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        raw = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        try:
            body = json.loads(raw)
        except ValueError:
            PROBLEMS.append(f'{path}: body is not JSON')
            return self.answer(400, {'errcode': 40001, 'errmsg': 'bad json'})
        with LOCK:
            SEEN.setdefault(path, []).append(body)
            scripted = SCRIPT.get(path, [])
            act = scripted.pop(0) if scripted else None
        if act == '503':
            return self.answer(503, b'busy')
        if act == '429':
            return self.answer(429, {'errcode': 45009, 'errmsg': 'api freq out of limit'},
                               [('Retry-After', '120')])
        if act == 'busy':
            return self.answer(200, {'errcode': 130101, 'errmsg': 'send too fast, exceed 20 times '
                                                                  'per minute'})
        if act == 'slow':  # answers after the client gave up; not taken as a delivery
            time.sleep(6)
            return self.answer(504, b'late')
        if act == 'hang':
            HANG_ARRIVED.set()
            HANG_RELEASE.wait(300)
            return self.answer(500, b'gone')
        problem = verify(path, query, self.headers, raw, body)
        if problem:
            if isinstance(problem, str):
                return self.answer(401, {'error': problem})
            return self.answer(200, problem)
        with LOCK:
            GOT.setdefault(path, []).append(body)
        if path.startswith('/feishu'):
            return self.answer(200, {'code': 0, 'msg': 'success', 'data': {}})
        if path.startswith('/hook') or path == '/digest':
            return self.answer(200, {'ok': True})
        return self.answer(200, {'errcode': 0, 'errmsg': 'ok'})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Sink:
    """The SMTP sink's handler: keeps each message, after AUTH with the right password."""
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((session.authenticated, envelope))
        return '250 OK'


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b'alerts' and auth_data.password == SECRETS['smtp'].encode()
    return AuthResult(success=ok)


HTTP = Server(('127.0.0.1', 0), Handler)
threading.Thread(target=HTTP.serve_forever, daemon=True).start()
BASE = f'http://127.0.0.1:{HTTP.server_address[1]}'
SMTP_PORT = free_port()
SINK = Sink()
SMTP = Controller(SINK, hostname='127.0.0.1', port=SMTP_PORT, authenticator=authenticator,
                  auth_require_tls=False)
SMTP.start()


def delivered(path):
    with LOCK:
        return list(GOT.get(path, []))


def notify_run(*extra, now='2026-12-07T10:00+08:00'):
    return run('notify', 'run', '--db', DB, '--as-of', AS_OF, '--now', now,
               '--base-url', 'https://xuke.example', *extra)


def log_json():
    rc, out, _ = run('notify', 'log', '--db', DB, '--json', '--limit', '1000')
    return json.loads(out) if rc == 0 else []


# --- setup and bad input -------------------------------------------------------------------------

rc, out, err = run('import', '--db', DB, os.path.join(FIXTURES, 'seeds', '000_a96b5bc2dd3fa082.txt'))
check('the licence is imported', rc == 0, err)
# A registry that has held the licence since just after its issue: its annual reports fell due
# while xuke knew it, so they are overdue and reminded. (Imported today, they would be "no
# filing recorded" until a baseline, and not reminded: README, baseline on first use.)
with sqlite3.connect(DB) as con:
    con.execute("UPDATE versions SET imported_at = '2022-04-20T02:00:00Z'")

bad = [
    (['--channel', 'slack', '--to', BASE + '/x', '--all'], 'unknown channel'),
    (['--channel', 'dingtalk', '--to', 'ftp://127.0.0.1/robot', '--all'], 'not an http'),
    (['--channel', 'dingtalk', '--to', BASE + '/dingtalk', '--all', '--days', '7,30'],
     'out of order'),
    (['--channel', 'webhook', '--to', BASE + '/hook', '--all', '--secret-file',
      secret_file('webhook', 0o644)], 'chmod 600'),
    (['--channel', 'webhook', '--to', BASE + '/hook', '--all'], 'secret'),
    (['--channel', 'email', '--to', 'ops@example.cn', '--all'], '--smtp'),
    (['--channel', 'email', '--to', 'not an address', '--all'], 'not an email address'),
    (['--channel', 'wecom', '--to', BASE + '/wecom'], '--all'),
    (['--channel', 'wecom', '--to', BASE + '/wecom', '--all', '--quiet', '25:00-08:00'],
     'HH:MM-HH:MM'),
]
for args, words in bad:
    rc, out, err = run('notify', 'add', '--db', DB, *args)
    check(f'refused: {" ".join(args[:2])} … ({words})', rc == 2 and words in err, (rc, err))
rc, out, err = run('notify', 'list', '--db', DB)
check('nothing is stored by a refused add', 'no subscriptions' in out, out)


def add(*args):
    rc, out, err = run('notify', 'add', '--db', DB, '--licence', NUMBER, *args)
    check(f'subscribed: {args[1]}', rc == 0 and 'added' in out, (rc, out, err))
    return out.split()[1] if rc == 0 else '0'


SUB = {
    'dingtalk': add('--channel', 'dingtalk', '--to',
                    f'{BASE}/dingtalk?access_token={DING_TOKEN}', '--secret-file',
                    secret_file('dingtalk')),
    'wecom': add('--channel', 'wecom', '--to', f'{BASE}/wecom?key={WECOM_KEY}'),
    'feishu': add('--channel', 'feishu', '--to', f'{BASE}/feishu', '--secret-file',
                  secret_file('feishu'), '--lang', 'en'),
    'email': add('--channel', 'email', '--to', 'compliance@example.cn', '--smtp',
                 f'smtp://alerts@127.0.0.1:{SMTP_PORT}', '--from', 'xuke@example.cn',
                 '--secret-file', secret_file('smtp'), '--quiet', '22:00-08:00'),
    'digest': add('--channel', 'webhook', '--to', f'{BASE}/digest', '--secret-file',
                  secret_file('webhook'), '--digest'),
    'wrong': add('--channel', 'feishu', '--to', f'{BASE}/feishu-wrong', '--secret-file',
                 secret_file('wrong')),
}

# --- a first run at night: everything decided once; quiet hours hold the email ----------------

SCRIPT['/wecom'] = ['503', '429']
rc, out, err = notify_run(now='2026-12-07T23:00+08:00')
check('a run with a refused secret exits 1', rc == 1, (rc, out, err))
for name, path in [('dingtalk', '/dingtalk'), ('feishu', '/feishu')]:
    got = delivered(path)
    check(f'{name}: each of the 5 reminders arrives, signed as the service checks',
          len(got) == 5, (len(got), out))
ding = delivered('/dingtalk')
check('dingtalk: a message names the licence, company, provision and links the page',
      ding and COMPANY in ding[0]['markdown']['text'] and '十四' in
      ''.join(d['markdown']['text'] for d in ding) and
      f'https://xuke.example/l/{NUMBER}' in ding[0]['markdown']['text'], ding[:1])
feishu = delivered('/feishu')
check('feishu: English when asked', feishu and 'due 2027-01-15, 39 days left' in
      ''.join(f['content']['text'] for f in feishu), feishu[:2])
check('wecom: a 503 and a 429 are not deliveries; the other 3 arrive',
      len(delivered('/wecom')) == 3 and len(SEEN.get('/wecom', [])) == 5,
      (len(delivered('/wecom')), len(SEEN.get('/wecom', []))))
check('email: held in quiet hours (22:00-08:00 China time)', len(SINK.mails) == 0, SINK.mails)
digest = delivered('/digest')
check('digest: one message listing all 5 reminders', len(digest) == 1 and
      len(digest[0]['items']) == 5, digest)
if digest:
    dues = {i['due'] for i in digest[0]['items']}
    check('digest: the deadlines are the licence\'s, working-day exact', dues == EXPECTED_DUE,
          dues)
    renewal = [i for i in digest[0]['items'] if i['duty'] == 'renewal']
    check('digest: the renewal has 39 days left under provision 十二',
          renewal and renewal[0]['days_left'] == 39 and renewal[0]['basis'] == '十二', renewal)

log = log_json()
failed = [m for m in log if m['status'] == 'failed']
check('a refused secret fails at once, with the service\'s answer in the log',
      len(failed) == 5 and all('sign match fail' in m['answer'] for m in failed) and
      all(m['attempts'] == 1 for m in failed), failed[:1])
rc, out, err = run('notify', 'log', '--db', DB, '--failed')
check('notify log --failed lists them', rc == 0 and out.count('failed after 1 attempt') == 5, out)
retry = sorted((m for m in log if m['subscription'] == int(SUB['wecom']) and
                m['status'] == 'pending'), key=lambda m: m['id'])
check('wecom: two messages wait for a retry', len(retry) == 2, retry)
check('the 429\'s Retry-After (120 s) is honoured over the first backoff (60 s)',
      any(m.get('next_try_at') == '2026-12-07T15:02:00Z' for m in retry) and
      any(m.get('next_try_at') == '2026-12-07T15:01:00Z' for m in retry), retry)

rc, out, err = run('notify', 'test', '--db', DB, SUB['wrong'])
check('notify test shows the service\'s own answer for a refused secret',
      rc == 1 and 'sign match fail' in out, (rc, out, err))
rc, out, err = run('notify', 'test', '--db', DB, SUB['feishu'])
check('notify test of a good robot: accepted', rc == 0 and 'accepted' in out and
      len(delivered('/feishu')) == 6, (rc, out, err))

# --- reruns: nothing twice; retries when their time comes; the email after quiet hours ---------

counts = {p: len(delivered(p)) for p in ['/dingtalk', '/feishu', '/wecom', '/digest']}
rc, out, err = notify_run(now='2026-12-07T23:00+08:00')
check('a rerun at the same time decides nothing and sends nothing',
      '0 reminders decided' in out and '0 sent' in out and
      all(len(delivered(p)) == n for p, n in counts.items()), out)
rc, out, err = notify_run(now='2026-12-08T08:05+08:00')
check('after quiet hours: the 5 emails go', len(SINK.mails) == 5, (len(SINK.mails), out))
check('after their backoff: the 2 wecom retries arrive, nothing else twice',
      len(delivered('/wecom')) == 5 and len(delivered('/dingtalk')) == 5 and
      len(delivered('/digest')) == 1, out)
rc, out, err = notify_run(now='2026-12-08T09:00+08:00')
check('a third run sends nothing', '0 sent' in out and len(SINK.mails) == 5, out)

if SINK.mails:
    authed, env = SINK.mails[0]
    msg = email.message_from_bytes(env.original_content, policy=email.policy.default)
    subjects = [str(email.message_from_bytes(e.original_content,
                                             policy=email.policy.default)['Subject'])
                for _, e in SINK.mails]
    check('email: AUTH with the password from the secret file', authed, authed)
    check('email: envelope from and to', env.mail_from == 'xuke@example.cn' and
          env.rcpt_tos == ['compliance@example.cn'], (env.mail_from, env.rcpt_tos))
    check('email: the UTF-8 subject decodes to Chinese (RFC 2047)',
          any(NUMBER in s and '续办申请' in s for s in subjects), subjects)
    body = msg.get_content()
    check('email: the UTF-8 body names the company', COMPANY in body, body[:300])
    check('email: a Message-ID a receiver can drop repeats by', 'xk-' in msg['Message-ID'],
          msg['Message-ID'])

# --- SIGKILL mid-send ---------------------------------------------------------------------------

add('--channel', 'webhook', '--to', f'{BASE}/hook', '--secret-file', secret_file('webhook'))
# the first goes through ('pass' is no scripted answer: the normal check), the second hangs
# until xuke is killed
SCRIPT['/hook'] = ['pass', 'hang']


def hook_seen():
    with LOCK:
        return list(SEEN.get('/hook', []))


proc = subprocess.Popen([XUKE, 'notify', 'run', '--db', DB, '--as-of', AS_OF, '--now',
                         '2026-12-08T10:00+08:00'], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE)
arrived = HANG_ARRIVED.wait(180)
check('the second webhook message is under way', arrived)
proc.send_signal(signal.SIGKILL)
proc.wait(60)
HANG_RELEASE.set()
confirmed = [b['id'] for b in delivered('/hook')]
check('one webhook message was confirmed before the kill', len(confirmed) == 1, confirmed)
killed_id = hook_seen()[1]['id'] if len(hook_seen()) > 1 else None

rc, out, err = notify_run(now='2026-12-08T10:00+08:00')
ids = [b['id'] for b in hook_seen()]
check('a rerun while the claim holds: the other 3 go, not the one killed mid-send',
      len(ids) == 5 and ids.count(killed_id) == 1 and ids.count(confirmed[0]) == 1
      if confirmed else False, (ids, out))
rc, out, err = notify_run(now='2026-12-08T10:02+08:00')
ids = [b['id'] for b in hook_seen()]
got = [b['id'] for b in delivered('/hook')]
check('after the claim lapses the killed one goes again, with the same idempotency key',
      ids.count(killed_id) == 2 and got.count(killed_id) == 1, (ids, out))
check('every webhook reminder confirmed exactly once, none lost',
      len(got) == 5 and len(set(got)) == 5, got)

# --- DingTalk's own rate-limit answer and a slow answer: both retried, nothing lost -------------

add('--channel', 'dingtalk', '--to', f'{BASE}/dingtalk2?access_token={DING_TOKEN}',
    '--secret-file', secret_file('dingtalk'))
SCRIPT['/dingtalk2'] = ['busy', 'slow']
rc, out, err = notify_run('--timeout', '2', now='2026-12-08T11:00+08:00')
check('dingtalk: "send too fast" (130101) and a reply slower than --timeout are retried',
      len(delivered('/dingtalk2')) == 3 and out.count('retry:') == 2 and
      'errcode' in out and 'imed out' in out, out)
rc, out, err = notify_run('--timeout', '2', now='2026-12-08T11:05+08:00')
texts = [b['markdown']['text'] for b in delivered('/dingtalk2')]
check('dingtalk: after their backoff both arrive; 5 reminders, each once',
      len(texts) == 5 and len(set(texts)) == 5, out)

# --- serve --notify: the same pass every minute, beside the server ------------------------------

# a licence issued a year before the real today and valid four years after it, whatever day this
# runs on: the server's first pass (as of the real today) finds its renewal within --days 3650
rc, out, err = run('parse', '--json', os.path.join(FIXTURES, 'seeds', '000_a96b5bc2dd3fa082.txt'))
record = json.loads(out)
today = datetime.date.today()
record['number'] = '琼B2-20229999'
record['issued'] = (today - datetime.timedelta(days=365)).isoformat()
record['expires'] = (today + datetime.timedelta(days=4 * 365)).isoformat()
far = os.path.join(TMP, 'far.json')
with open(far, 'w', encoding='utf-8') as f:
    json.dump(record, f, ensure_ascii=False)
rc, out, err = run('import', '--db', DB, far)
check('a licence valid for four more years is imported', rc == 0, err)
rc, out, err = run('notify', 'add', '--db', DB, '--licence', '琼B2-20229999', '--channel',
                   'webhook', '--to', f'{BASE}/hook-serve', '--secret-file',
                   secret_file('webhook'), '--days', '3650', '--overdue', 'daily')
check('subscribed: webhook for serve --notify', rc == 0, err)
serve_sub = out.split()[1] if rc == 0 else '?'
rc, out, err = run('notify', 'run', '--db', DB, '--dry-run')
expected = sum(1 for line in out.splitlines()
               if line.startswith('would send') and f'(subscription {serve_sub},' in line)
with open(os.path.join(TMP, 'serve.err'), 'wb') as serr:
    serve = subprocess.Popen([XUKE, 'serve', '--db', DB, '--listen', '127.0.0.1:0', '--notify',
                              '--base-url', 'https://xuke.example', '--access-log', os.devnull],
                             stdout=subprocess.PIPE, stderr=serr)
started = serve.stdout.readline().decode()
check('serve --notify starts', 'http://127.0.0.1:' in started, started)
deadline = time.monotonic() + 180
while time.monotonic() < deadline and len(delivered('/hook-serve')) < expected:
    time.sleep(0.2)
serve.send_signal(signal.SIGTERM)
serve_rc = serve.wait(60)
got = [b['id'] for b in delivered('/hook-serve')]
check('serve --notify delivers every due reminder of the new subscription, each once',
      expected > 0 and len(got) == expected and len(set(got)) == expected,
      (expected, got, out, open(os.path.join(TMP, 'serve.err')).read()[-1000:]))
check('serve --notify stops cleanly on SIGTERM', serve_rc == 0, serve_rc)

# --- secrets in no output ----------------------------------------------------------------------

outputs = []
for args in (['notify', 'list', '--db', DB], ['notify', 'list', '--db', DB, '--json'],
             ['notify', 'log', '--db', DB, '--json', '--limit', '1000'],
             ['audit', '--db', DB]):
    rc, out, err = run(*args)
    outputs.append(out + err)
backup = os.path.join(TMP, 'backup.db')
run('backup', '--db', DB, backup)
with open(DB, 'rb') as f:
    stored = f.read()
with open(backup, 'rb') as f:
    backed_up = f.read()
leaks = [k for k, v in SECRETS.items() if any(v in o for o in outputs) or
         v.encode() in stored or v.encode() in backed_up]
check('no secret in list, log, audit, the store or its backup', leaks == [] and
      os.path.getsize(backup) > 0, leaks)
check('tokens in robot URLs are not shown by list',
      not any(WECOM_KEY in o or DING_TOKEN in o for o in outputs[:2]), outputs[0])
check('the fakes saw no malformed request', PROBLEMS == [], PROBLEMS)

rc, out, err = run('notify', 'remove', '--db', DB, SUB['wecom'])
check('remove', rc == 0, err)
rc, out, err = run('notify', 'list', '--db', DB)
check('a removed subscription leaves the list', f'{SUB["wecom"]} wecom' not in out, out)

# A subscription edited outside xuke to a target longer than xuke writes (512 bytes) is an
# error naming it, never a target cut to fit and then messaged.
edited = os.path.join(TMP, 'edited.db')
shutil.copy(DB, edited)
with sqlite3.connect(edited) as con:
    con.execute("UPDATE subscriptions SET target = 'http://127.0.0.1/' || printf('%.600c', 'x') "
                "WHERE id = ?", (int(SUB['feishu']),))
rc, out, err = run('notify', 'list', '--db', edited)
check('an over-long stored target is refused, naming the subscription, not cut',
      rc != 0 and f'subscription {SUB["feishu"]}' in err and 'longer than xuke writes' in err
      and 'x' * 600 not in out, (rc, out[-300:], err))

SMTP.stop()
HTTP.shutdown()
shutil.rmtree(TMP, ignore_errors=True)
checks.finish()
