"""End-to-end tests of `xuke serve --config FILE` and its reload on SIGHUP: options from the
file, the command line winning, an unknown key or a bad value named with file and line; then a
running server with a client holding one keep-alive connection busy while SIGHUP arrives: the
reload turns public reads on, a calendar year imported from the State Council's notice stops
being provisional in /v1/status, a broken file is refused with everything kept, and the client's
connection is never dropped nor a request failed.

usage: test_serve_config.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(FIXTURES))), 'data',
                    'calendar.txt')
TMP = tempfile.mkdtemp(prefix='xuke-serveconf-')
results = {'passed': 0, 'failed': 0}
WAIT = 60  # seconds: a generous limit for what normally takes milliseconds


def run(*args):
    p = subprocess.run([XUKE, *args], capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok   ' if ok else 'FAIL ') + name + ('' if ok else '\n     ' + str(detail)[:1500]))


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


db = os.path.join(TMP, 'x.db')
seed = sorted(f for f in os.listdir(os.path.join(FIXTURES, 'seeds')) if f.endswith('.txt'))[0]
rc, out, err = run('import', '--db', db, os.path.join(FIXTURES, 'seeds', seed))
check('store_made', rc == 0, err)
with open(DATA, encoding='utf-8') as f:
    shipped = f.read()
calendar = write('calendar.txt', shipped[:shipped.index('year 2026')])  # 2026 not published yet
log = os.path.join(TMP, 'access.log')
conf_text = (f'# xuke.conf as an administrator writes it\nlisten = 127.0.0.1:0\ndb = {db}\n'
             f'calendar = {calendar}\npublic-read = false\nthreads = 2\naccess-log = {log}\n'
             'rate = 0  # the busy client must not meet the rate limit\n')
conf = write('xuke.conf', conf_text)

# --- refusals at start, each naming the file and the line ---
for name, text, said in [
        ('unknown_key', conf_text + 'colour = blue\n', ':9: unknown key "colour"'),
        ('bad_value', conf_text.replace('threads = 2', 'threads = 900'), ':6: bad value "900" for threads'),
        ('switch_value', conf_text.replace('public-read = false', 'public-read = maybe'),
         ':5: public-read takes true or false'),
        ('not_name_value', conf_text + 'listen 127.0.0.1:0\n', ':9: "listen 127.0.0.1:0" is not')]:
    bad = write(f'{name}.conf', text)
    p = subprocess.run([XUKE, 'serve', '--config', bad], capture_output=True, timeout=60)
    e = p.stderr.decode()
    check(f'config_{name}_is_refused_naming_the_line', p.returncode == 2 and bad + said in e, e)

# --- a server from the file; the command line wins over it ---
errlog = os.path.join(TMP, 'stderr.txt')
with open(errlog, 'wb') as ef:
    proc = subprocess.Popen([XUKE, 'serve', '--config', conf, '--threads', '3'],
                            stdout=subprocess.PIPE, stderr=ef)
line = proc.stdout.readline().decode()
m = re.search(r'http://127\.0\.0\.1:(\d+)/', line)
check('server_starts_from_the_file', m is not None, line + open(errlog).read())
if not m:
    proc.kill()
    sys.exit(1)
port = int(m.group(1))


def get(path, conn=None):
    c = conn or http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    c.request('GET', path)
    r = c.getresponse()
    body = r.read()
    if conn is None:
        c.close()
    return r.status, body


def stderr_lines():
    with open(errlog, encoding='utf-8', errors='replace') as f:
        return f.read()


def wait_for(text, count):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if stderr_lines().count(text) >= count:
            return True
        time.sleep(0.05)
    return False


status, _ = get('/v1/status?as_of=2026-03-01')
check('public_read_off_from_the_file', status == 401, status)

# a client busy on one keep-alive connection for the whole run
stop = threading.Event()
traffic = {'ok': 0, 'bad': [], 'sockets': set()}


def busy():
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    while not stop.is_set():
        try:
            s, _ = get('/healthz', c)
            traffic['sockets'].add(id(c.sock))
            traffic['ok' if s == 200 else 'bad'] = traffic['ok'] + 1 if s == 200 else traffic['bad'] + [s]
        except (OSError, http.client.HTTPException) as e:
            traffic['bad'].append(repr(e))
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    c.close()


thread = threading.Thread(target=busy)
thread.start()
deadline = time.monotonic() + WAIT
while traffic['ok'] < 20 and time.monotonic() < deadline:
    time.sleep(0.01)

# reload 1: public reads on
write('xuke.conf', conf_text.replace('public-read = false', 'public-read = true'))
proc.send_signal(signal.SIGHUP)
check('reload_1_reported', wait_for('xuke serve: reloaded:', 1), stderr_lines())
status, body = get('/v1/status?as_of=2026-03-01')
check('reload_turns_public_read_on', status == 200, status)


def provisional_years(body):
    """Every year any result in a /v1/status answer was marked provisional for."""
    years = set()
    def walk(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == 'provisional_years' and isinstance(v, str):
                    years.update(y.strip() for y in v.split(',') if y.strip())
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(json.loads(body))
    return years


years = provisional_years(body) if status == 200 else set()
check('2026_provisional_before_the_import', '2026' in years, years)

# the notice imported into the calendar file; reload 2 makes the server count on it
rc, out, err = run('calendar', 'import', os.path.join(os.path.dirname(os.path.abspath(FIXTURES)), 'notices', '2026.txt'),
                   '--calendar', calendar)
check('notice_imported', rc == 0, err)
# the access log rotated as logrotate does it (renamed, no copytruncate) with reload 2
rotated = log + '.1'
os.rename(log, rotated)
proc.send_signal(signal.SIGHUP)
check('reload_2_reported', wait_for('xuke serve: reloaded:', 2), stderr_lines())
get('/after-rotation')  # a 404 the log shows by its path (query strings are not logged)
status, body = get('/v1/status?as_of=2026-03-01')


def log_text(path):
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except FileNotFoundError:
        return ''


deadline = time.monotonic() + WAIT  # the line is written when the request completes
while '/after-rotation' not in log_text(log) and time.monotonic() < deadline:
    time.sleep(0.05)
check('access_log_reopened_at_its_path', '/after-rotation' in log_text(log), log_text(log)[-500:])
check('rotated_log_keeps_the_lines_before', '/v1/status' in log_text(rotated)
      and '/after-rotation' not in log_text(rotated), log_text(rotated)[-500:])
held = [os.readlink(f'/proc/{proc.pid}/fd/{fd}') for fd in os.listdir(f'/proc/{proc.pid}/fd')]
check('rotated_log_let_go', rotated not in held and log in held, held)
years = provisional_years(body) if status == 200 else {'2026'}
check('2026_official_after_reload', status == 200 and '2026' not in years, years)

# reload 3: a broken file is refused and nothing changes
write('xuke.conf', conf_text.replace('public-read = false', 'public-read = true') + 'colour = blue\n')
proc.send_signal(signal.SIGHUP)
check('broken_reload_refused', wait_for('reload refused, nothing changed', 1), stderr_lines())
check('broken_reload_names_the_line', conf + ':9: unknown key' in stderr_lines(), stderr_lines())
status, _ = get('/v1/status?as_of=2026-03-01')
check('broken_reload_keeps_public_read', status == 200, status)

# reload 4: a connection limit changed is reported as needing a restart
write('xuke.conf', conf_text.replace('public-read = false', 'public-read = true')
      .replace('threads = 2', 'threads = 2\nmax-connections = 77'))
proc.send_signal(signal.SIGHUP)
check('restart_needed_is_said', wait_for('takes effect at the next restart', 1), stderr_lines())

before = traffic['ok']
deadline = time.monotonic() + WAIT
while traffic['ok'] < before + 20 and time.monotonic() < deadline:
    time.sleep(0.01)
stop.set()
thread.join(timeout=WAIT)
check('traffic_went_on_through_the_reloads', traffic['ok'] >= before + 20 and not traffic['bad'],
      traffic)
check('keep_alive_connection_never_dropped', len(traffic['sockets']) == 1, traffic['sockets'])

proc.send_signal(signal.SIGTERM)
try:
    code = proc.wait(timeout=WAIT)
except subprocess.TimeoutExpired:
    proc.kill()
    code = None
check('server_stops_cleanly', code == 0, code)
shutil.rmtree(TMP)
print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results['failed'] else 0)
