"""`make bench`'s server figures: `xuke serve` on a store of real-sized licences against two
references started in the same run, on 127.0.0.1 only, each started and stopped here:

- nginx (Debian's nginx-light) serving the very bytes xuke answers, as files: its own prefix,
  pid, temporary and log paths in a temporary directory, no root needed; worker_processes auto,
  sendfile on, access_log off (as Debian configures it, less the log);
- FastAPI on uvicorn (uvloop, httptools; Debian's python3-fastapi, python3-uvicorn,
  python3-uvloop, python3-httptools), two workers, the same answers held in dicts
  (bench/fastapi_ref.py).

Each request is measured with `wrk -t2 -c32 --latency` ROUNDS times, the three servers in turn
within a round (so a busy moment of the machine falls on all of them alike); the median round is
reported. Before each timed run of one request, each server answers it once: the figures are
of the steady state (the walk before a row pushes the answers xuke keeps out of memory, and a
company search's first answer is computed, 0.2-0.4 s, which 32 connections starting at once would
otherwise all wait behind). Targets (issue 30): xuke ≥ 0.6× nginx, p99 < 5 ms.

  /usr/bin/python3 bench/server_bench.py build/xuke STORE.db [--seconds 6] [--rounds 3]
                   [--distinct 20000] [--markdown] [--only-walk]

--distinct N adds a row where each wrk connection walks N different licences in turn (more than
the answers xuke keeps in memory, so most are composed there and then from the stored record
and the licence's facts, which xuke keeps beside the answers).
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NGINX_CONF = """worker_processes auto;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type application/json;
  client_body_temp_path {tmp}/tmp/body;
  proxy_temp_path {tmp}/tmp/proxy;
  fastcgi_temp_path {tmp}/tmp/fastcgi;
  uwsgi_temp_path {tmp}/tmp/uwsgi;
  scgi_temp_path {tmp}/tmp/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {tmp}/www;
  }}
}}
"""
# each wrk thread walks the paths in the file named by XUKE_PATHS from its own starting point
WALK_LUA = """local paths = {}
for line in io.lines(os.getenv("XUKE_PATHS")) do paths[#paths + 1] = line end
local counter = 0
function setup(thread)
  thread:set("first", counter)
  counter = counter + 1
end
local i
function request()
  if not i then i = (first * 7919) % #paths end
  i = i % #paths + 1
  return wrk.format(nil, paths[i])
end
"""


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, what, limit=120):
    """Until something accepts on port (or proc ends: an error naming what)."""
    t0 = time.time()
    while time.time() - t0 < limit:
        if proc.poll() is not None:
            sys.exit(f'server_bench: {what} stopped at start (exit {proc.returncode})')
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f'server_bench: {what} did not listen on 127.0.0.1:{port} within {limit} s')


def stop(proc):
    """Ends a server this script started, and its children (its own process group)."""
    if proc and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


_connections = {}


def fetch(url, token=None):
    """GET url on a kept-alive connection (one per host and port, made again when the server
    closed it while idle); the body of a 200."""
    u = urllib.parse.urlsplit(url)
    for attempt in (1, 2):
        con = _connections.get(u.netloc)
        if con is None:
            con = _connections[u.netloc] = http.client.HTTPConnection(u.netloc, timeout=60)
        try:
            con.request('GET', u.path + ('?' + u.query if u.query else ''),
                        headers={'Authorization': f'Bearer {token}'} if token else {})
            r = con.getresponse()
            break
        except (http.client.RemoteDisconnected, ConnectionError):
            con.close()
            del _connections[u.netloc]
            if attempt == 2:
                raise
    body = r.read()
    if r.status != 200:
        sys.exit(f'server_bench: GET {url} answered {r.status}: {body[:200]!r}')
    return body


def seconds(text):
    m = re.match(r'([\d.]+)(us|ms|s)', text)
    return float(m.group(1)) * {'us': 1e-6, 'ms': 1e-3, 's': 1.0}[m.group(2)]


def wrk(url, secs, token=None, walk=None):
    argv = ['wrk', '-t2', '-c32', f'-d{secs}s', '--latency']
    if token:
        argv += ['-H', f'Authorization: Bearer {token}']
    env = dict(os.environ)
    if walk:
        argv += ['-s', walk[0]]
        env['XUKE_PATHS'] = walk[1]
    out = subprocess.run(argv + [url], capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    p99 = seconds(re.search(r'99%\s+([\d.]+\w+)', out).group(1))
    bad = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    errors = re.search(r'Socket errors: .*', out)
    return rps, p99, int(bad.group(1)) if bad else 0, errors.group(0) if errors else ''


def picks(db, distinct):
    con = sqlite3.connect(f'file:{db}?mode=ro', uri=True)
    number = con.execute('SELECT number FROM licences ORDER BY id LIMIT 1 OFFSET 777').fetchone()
    number = number or con.execute('SELECT number FROM licences ORDER BY id LIMIT 1').fetchone()
    host = con.execute('SELECT host FROM domains LIMIT 1 OFFSET 333').fetchone() or \
        con.execute('SELECT host FROM domains LIMIT 1').fetchone()
    many = [r[0] for r in con.execute('SELECT number FROM licences WHERE removed = 0 ORDER BY id '
                                      'LIMIT ?', (distinct,))]
    count = con.execute('SELECT count(*) FROM licences').fetchone()[0]
    con.close()
    return number[0], host[0], many, count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('xuke')
    ap.add_argument('db')
    ap.add_argument('--seconds', type=int, default=6)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--distinct', type=int, default=20000)
    ap.add_argument('--company', default='科技')
    ap.add_argument('--markdown', action='store_true')
    ap.add_argument('--only-walk', action='store_true',
                    help='time the walk over --distinct licences alone (the other rows left out)')
    a = ap.parse_args()
    for tool in ('wrk', 'nginx'):
        if not shutil.which(tool) and not os.path.exists(f'/usr/sbin/{tool}'):
            sys.exit(f'server_bench: {tool} is not installed (`make bench` installs it)')
    number, host, many, count = picks(a.db, a.distinct)
    token = subprocess.run([a.xuke, 'token', 'create', '--db', a.db, f'bench-{os.getpid()}-{int(time.time())}',
                            '--role', 'reader'], capture_output=True, text=True, check=True).stdout.strip()
    tmp = tempfile.mkdtemp(prefix='xuke-server-bench-')
    os.chmod(tmp, 0o755)  # nginx started as root reads the files as its worker user (nobody)
    procs = []
    try:
        xport, nport, fport = free_port(), free_port(), free_port()
        xuke = subprocess.Popen([a.xuke, 'serve', '--db', a.db, '--listen', f'127.0.0.1:{xport}',
                                 '--rate', '0', '--access-log', '/dev/null'],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        procs.append(xuke)
        wait_port(xport, xuke, 'xuke serve')
        base = f'http://127.0.0.1:{xport}'
        q = urllib.parse.quote
        rows = [('GET /v1/licenses/{number}', '/v1/licenses/' + q(number), 'licence.json'),
                ('GET /v1/domains/{host}', '/v1/domains/www.' + q(host), 'domain.json'),
                ('company search (`?company=' + a.company + '&limit=20`)',
                 '/v1/licenses?company=' + q(a.company) + '&limit=20', 'company.json')]
        os.makedirs(f'{tmp}/www/l')
        for d in ('logs', 'tmp'):
            os.makedirs(f'{tmp}/{d}')
        bodies = {}
        for _, path, name in rows:
            bodies[name] = fetch(base + path, token)
            with open(f'{tmp}/www/{name}', 'wb') as f:
                f.write(bodies[name])
        # the walk over many licences: their answers as files for nginx, in a dict for FastAPI
        licences = {number: bodies['licence.json'].decode()}
        walk_paths = []
        for i, n in enumerate(many):
            body = fetch(base + '/v1/licenses/' + q(n), token)
            licences[n] = body.decode()
            with open(f'{tmp}/www/l/{i}.json', 'wb') as f:
                f.write(body)
            walk_paths.append(('/v1/licenses/' + q(n), f'/l/{i}.json'))
        walk_sizes = [len(licences[n].encode()) for n in many]
        with open(f'{tmp}/ref.json', 'w', encoding='utf-8') as f:
            json.dump({'licences': licences, 'domains': {'www.' + host: bodies['domain.json'].decode()},
                       'companies': {a.company: bodies['company.json'].decode()}}, f, ensure_ascii=False)
        with open(f'{tmp}/walk.lua', 'w') as f:
            f.write(WALK_LUA)
        for k, name in ((0, 'xuke'), (1, 'nginx')):
            with open(f'{tmp}/walk-{name}.txt', 'w') as f:
                f.write('\n'.join(p[k] for p in walk_paths) + '\n')
        with open(f'{tmp}/walk-fastapi.txt', 'w') as f:
            f.write('\n'.join(p[0] for p in walk_paths) + '\n')
        with open(f'{tmp}/nginx.conf', 'w') as f:
            f.write(NGINX_CONF.format(tmp=tmp, port=nport))
        nginx = subprocess.Popen([shutil.which('nginx') or '/usr/sbin/nginx', '-p', tmp, '-c',
                                  f'{tmp}/nginx.conf', '-e', f'{tmp}/logs/error.log'],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        procs.append(nginx)
        wait_port(nport, nginx, 'nginx')
        fastapi = subprocess.Popen(['/usr/bin/python3', '-m', 'uvicorn', 'fastapi_ref:app', '--app-dir',
                                    os.path.join(ROOT, 'bench'), '--loop', 'uvloop', '--http', 'httptools',
                                    '--workers', '2', '--host', '127.0.0.1', '--port', str(fport),
                                    '--no-access-log', '--log-level', 'warning'],
                                   env={**os.environ, 'XUKE_REF_DATA': f'{tmp}/ref.json'},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        procs.append(fastapi)
        wait_port(fport, fastapi, 'uvicorn (FastAPI)')
        # every reference answers the same bytes as xuke
        for _, path, name in rows:
            if fetch(f'http://127.0.0.1:{nport}/{name}') != bodies[name] or \
                    fetch(f'http://127.0.0.1:{fport}{path}') != bodies[name]:
                sys.exit(f'server_bench: a reference does not answer the bytes of {path}')
        servers = (('xuke', lambda p, n: f'{base}{p}', token),
                   ('nginx', lambda p, n: f'http://127.0.0.1:{nport}/{n}', None),
                   ('FastAPI', lambda p, n: f'http://127.0.0.1:{fport}{p}', None))
        walks = {'xuke': (f'{tmp}/walk.lua', f'{tmp}/walk-xuke.txt'),
                 'nginx': (f'{tmp}/walk.lua', f'{tmp}/walk-nginx.txt'),
                 'FastAPI': (f'{tmp}/walk.lua', f'{tmp}/walk-fastapi.txt')}
        plan = [(label, path, name, None) for label, path, name in rows]
        if many:
            plan.insert(1, (f'GET /v1/licenses/{{number}}, {len(many):,} licences in turn',
                            walk_paths[0][0], None, walks))
        if a.only_walk and many:
            plan = [p for p in plan if p[3]]
        results = []
        for label, path, name, walk in plan:
            runs = {s[0]: [] for s in servers}
            for _ in range(a.rounds):
                for sname, url, tok in servers:
                    if not walk:  # steady state: the request answered once before it is timed
                        fetch(url(path, name or ''), tok)
                    runs[sname].append(wrk(url(path, name or '') if not walk else url('/', ''), a.seconds,
                                           tok, walk[sname] if walk else None))
            med = {s: sorted(r, key=lambda x: x[0])[len(r) // 2] for s, r in runs.items()}
            size = len(bodies[name]) if name else statistics.mean(walk_sizes)
            results.append((label, size, med))
    finally:
        for c in _connections.values():
            c.close()
        for p in reversed(procs):
            stop(p)
        shutil.rmtree(tmp, ignore_errors=True)
    report(results, a, count)


def report(results, a, count):
    ok = lambda b: 'met' if b else '**not met**'
    if a.markdown:
        print(f'Store: {count:,} licences. Each figure is the median of {a.rounds} rounds of '
              f'`wrk -t2 -c32 -d{a.seconds}s --latency`, the three servers in turn within a round.')
        print()
        print('| request | answer bytes | xuke req/s | xuke p99 | nginx req/s | xuke ÷ nginx (target ≥ 0.6) '
              '| FastAPI req/s | xuke ÷ FastAPI | p99 < 5 ms | non-2xx |')
        print('|---|---|---|---|---|---|---|---|---|---|')
    for label, size, med in results:
        x, n, f = med['xuke'], med['nginx'], med['FastAPI']
        ratio_n, ratio_f = x[0] / n[0], x[0] / f[0]
        if a.markdown:
            print(f'| {label} | {size:,.0f} | {x[0]:,.0f} | {x[1] * 1e3:.2f} ms | {n[0]:,.0f} | '
                  f'{ratio_n:.2f}×: {ok(ratio_n >= 0.6)} | {f[0]:,.0f} | {ratio_f:.2f}× | '
                  f'{ok(x[1] < 0.005)} | {x[2]} |')
        else:
            print(f'{label}: {size:,.0f} bytes an answer')
            print(f'  xuke     {x[0]:10,.0f} req/s  p99 {x[1] * 1e3:7.2f} ms (target < 5 ms: '
                  f'{"met" if x[1] < 0.005 else "NOT MET"})  non-2xx {x[2]} {x[3]}')
            print(f'  nginx    {n[0]:10,.0f} req/s  p99 {n[1] * 1e3:7.2f} ms  xuke/nginx {ratio_n:.2f} '
                  f'(target >= 0.6: {"met" if ratio_n >= 0.6 else "NOT MET"})')
            print(f'  FastAPI  {f[0]:10,.0f} req/s  p99 {f[1] * 1e3:7.2f} ms  xuke/FastAPI {ratio_f:.2f}')


if __name__ == '__main__':
    main()
