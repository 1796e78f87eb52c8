"""End-to-end tests of the homepage check through the real binary, a real SQLite file and a
real HTTP server that this test starts on 127.0.0.1: `--connect-to` maps each licensed domain
to it (and https to a closed port, so the check falls back to http), and the sites show the
number, hide it in a script, show another licence's number, use GBK, redirect, loop, redirect
to a private address, speak no TLS on 443, answer 404, never answer, and flood. Results are
read back from `sites check --json`, `sites history` and the server's API.

usage: test_sites.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
from checks import check  # noqa: E402

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
SITES = os.path.join(FIXTURES, 'sites')
TMP = tempfile.mkdtemp(prefix='xuke-sites-')
NUMBER, OTHER = '京B2-20224676', '京B2-20224677'
PAGE_HOSTS = ['shown.cn', 'spaced.cn', 'script.cn', 'other.cn', 'gbk.cn', 'redirect.cn',
              'loop.cn', 'private.cn', 'tls.cn', 'notfound.cn']
HARD_HOSTS = ['slow.cn', 'flood.cn']
STOP = threading.Event()
SEEN = {'agents': set()}


def run(*args, timeout=300):
    return checks.run([XUKE, *args], timeout=timeout)


def page(name):
    with open(os.path.join(SITES, name), 'rb') as f:
        return f.read()


PAGES = {'shown.cn': page('shown.html'), 'spaced.cn': page('spaced.html'),
         'script.cn': page('script.html'), 'other.cn': page('other.html')}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def send(self, status, body=b'', ctype='text/html; charset=utf-8', headers=()):
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        SEEN['agents'].add(self.headers.get('User-Agent', ''))
        host = (self.headers.get('Host') or '').split(':')[0]
        if host in PAGES:
            self.send(200, PAGES[host])
        elif host == 'gbk.cn':
            self.send(200, page('gbk.html').decode('utf-8').encode('gbk'), 'text/html')
        elif host == 'redirect.cn':
            if self.path == '/home':
                self.send(200, page('shown.html'))
            else:
                self.send(302, headers=[('Location', 'http://redirect.cn/home')])
        elif host == 'loop.cn':
            self.send(302, headers=[('Location', '/b' if self.path != '/b' else '/a')])
        elif host == 'private.cn':
            port = self.server.server_address[1]
            self.send(302, headers=[('Location', 'http://127.0.0.2:%d/' % port)])
        elif host == 'slow.cn':
            STOP.wait(120)  # never answers while the test runs
        elif host == 'flood.cn':
            self.send_response(200)
            self.send_header('Content-Type', 'text/html')
            self.end_headers()
            chunk = b'<p>' + b'x' * 65536 + b'</p>\n'
            try:
                for _ in range(1024):  # 64 MiB at most, far past the limit
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        else:
            self.send(404, b'<p>not found</p>')


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def closed_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def records():
    """Two licences from seed 003: one with the page hosts, one with the hard ones."""
    with open(os.path.join(FIXTURES, 'seeds', '003_76e38eccd87d7b3e.json'), encoding='utf-8') as f:
        base = json.load(f)
    paths = []
    for number, hosts in ((NUMBER, PAGE_HOSTS), (OTHER, HARD_HOSTS)):
        rec = json.loads(json.dumps(base))
        rec['number'] = number
        rec['websites'][0]['domains'] = hosts
        rec.pop('warnings', None)
        path = os.path.join(TMP, number + '.json')
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(rec, f, ensure_ascii=False)
        paths.append(path)
    return paths


def rules(port, closed):
    out = []
    for h in PAGE_HOSTS + HARD_HOSTS:
        if h == 'tls.cn':  # 443 answers in plain HTTP: the TLS handshake fails; 80 is closed
            out += ['--connect-to', '%s:443:127.0.0.1:%d' % (h, port),
                    '--connect-to', '%s:80:127.0.0.1:%d' % (h, closed)]
        else:
            out += ['--connect-to', '%s:443:127.0.0.1:%d' % (h, closed),
                    '--connect-to', '%s:80:127.0.0.1:%d' % (h, port)]
    return out


def lines(out):
    return {o['host']: o for o in (json.loads(l) for l in out.splitlines() if l.strip())}


def test_pages(db, connect):
    rc, out, err = run('sites', 'check', '--db', db, '--licence', NUMBER, '--json', *connect)
    got = lines(out) if rc == 0 else {}
    check('check: one JSON object per website', rc == 0 and sorted(got) == sorted(PAGE_HOSTS),
          out + err)
    if not got:
        return {}
    want = {'shown.cn': 'shown', 'spaced.cn': 'shown', 'script.cn': 'not_shown',
            'other.cn': 'other_number', 'gbk.cn': 'shown', 'redirect.cn': 'shown',
            'loop.cn': 'http_error', 'private.cn': 'unreachable', 'tls.cn': 'tls_error',
            'notfound.cn': 'http_error'}
    for host, result in want.items():
        check('check: %s is %s' % (host, result), got[host]['result'] == result, got[host])
    check('check: every object has host, url, result, icp_filing, checked_at',
          all({'host', 'url', 'result', 'icp_filing', 'checked_at'} <= set(o) for o in got.values()),
          got)
    check('check: the ICP filing number read', got['shown.cn']['icp_filing'] == '京ICP备18012345号-2',
          got['shown.cn'])
    check('check: no filing number is null', got['notfound.cn']['icp_filing'] is None,
          got['notfound.cn'])
    check('check: the other number is named', got['other.cn']['found_number'] == '琼B2-20220293',
          got['other.cn'])
    check('check: https refused, http fetched', got['shown.cn']['url'] == 'http://shown.cn/',
          got['shown.cn'])
    check('check: a redirect followed to its page', got['redirect.cn']['url'] == 'http://redirect.cn/home',
          got['redirect.cn'])
    check('check: a redirect loop stops at the limit', 'redirects' in got['loop.cn']['detail'],
          got['loop.cn'])
    check('check: a redirect to a private address is refused before connecting',
          'refused to connect to 127.0.0.2: a private address' in got['private.cn']['detail'],
          got['private.cn'])
    check('check: a 404 says its status', got['notfound.cn']['http_status'] == 404, got['notfound.cn'])
    check('check: the page hash is of the bytes served',
          got['shown.cn']['sha256'] == __import__('hashlib').sha256(PAGES['shown.cn']).hexdigest(),
          got['shown.cn'])
    check('check: a descriptive User-Agent',
          any(a.startswith('xuke/') and 'licence number' in a for a in SEEN['agents']), SEEN['agents'])
    return got


def test_hard(db, connect):
    rc, out, err = run('sites', 'check', '--db', db, '--licence', OTHER, '--json', '--timeout', '2',
                       '--max-size', '1M', *connect)
    got = lines(out) if rc == 0 else {}
    check('never answers: unreachable, naming the time limit',
          got.get('slow.cn', {}).get('result') == 'unreachable' and
          'within 2 s' in got['slow.cn']['detail'], out + err)
    check('flood: an http_error naming the size limit, not read',
          got.get('flood.cn', {}).get('result') == 'http_error' and
          'larger than 1048576 bytes' in got['flood.cn']['detail'], out + err)


def test_allow_private(db, connect):
    """With --allow-private the redirect to 127.0.0.2 is followed: nothing listens there, so the
    connection itself fails, and no longer for being private."""
    rc, out, err = run('sites', 'check', '--db', db, '--licence', NUMBER, '--json',
                       '--allow-private', *connect)
    got = lines(out) if rc == 0 else {}
    detail = got.get('private.cn', {}).get('detail', '')
    check('--allow-private: the private address is tried, not refused',
          got.get('private.cn', {}).get('result') == 'unreachable' and '127.0.0.2' in detail
          and 'private address' not in detail, out + err)
    return got


def test_history_and_api(db, connect):
    PAGES['shown.cn'] = page('none.html')
    rc, out, err = run('sites', 'check', '--db', db, '--licence', NUMBER, '--json', *connect)
    second = lines(out) if rc == 0 else {}
    rc, out, err = run('sites', 'history', '--db', db, '--licence', NUMBER, '--json')
    hist = [json.loads(l) for l in out.splitlines() if l.strip()] if rc == 0 else []
    shown = [h['result'] for h in hist if h['host'] == 'shown.cn']
    check('history: newest first, both kept', shown[:2] == ['not_shown', 'shown'], shown)
    rc, out, err = run('sites', 'history', '--db', db, '--licence', NUMBER, '--latest', '--json')
    latest = lines(out) if rc == 0 else {}
    check('history --latest: the result and when it changed',
          latest.get('shown.cn', {}).get('changed_at') == second.get('shown.cn', {}).get('checked_at')
          and latest['shown.cn']['result'] == 'not_shown', latest.get('shown.cn'))
    log = os.path.join(TMP, 'serve.err')
    with open(log, 'wb') as errf:
        proc = subprocess.Popen([XUKE, 'serve', '--db', db, '--listen', '127.0.0.1:0',
                                 '--public-read', '--access-log', os.path.join(TMP, 'access.log')],
                                stdout=subprocess.PIPE, stderr=errf)
    try:
        line = proc.stdout.readline().decode()
        m = re.search(r'http://127\.0\.0\.1:(\d+)/', line)
        if not m:
            check('api: server started', False, line)
            return
        url = 'http://127.0.0.1:%s/v1/licenses/%s/sites' % (m.group(1), urllib.parse.quote(NUMBER))
        with urllib.request.urlopen(url, timeout=30) as r:
            body = json.loads(r.read())
        by_host = {s['host']: s for s in body.get('sites', [])}
        check('api: the latest check of each website', sorted(by_host) == sorted(PAGE_HOSTS) and
              by_host['shown.cn']['result'] == 'not_shown' and 'changed_at' in by_host['shown.cn'],
              body)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def main():
    srv = Server(('127.0.0.1', 0), Handler)
    port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        db = os.path.join(TMP, 'sites.db')
        rc, out, err = run('import', '--db', db, *records())
        check('two licences with their websites imported', rc == 0, out + err)
        connect = rules(port, closed_port())
        test_pages(db, connect)
        test_hard(db, connect)
        test_history_and_api(db, connect)
        test_allow_private(db, connect)
    finally:
        STOP.set()
        srv.shutdown()
        shutil.rmtree(TMP, ignore_errors=True)
    checks.finish()


if __name__ == '__main__':
    main()
