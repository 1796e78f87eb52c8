#!/usr/bin/python3
"""Soak test (`make soak`, not in CI): `xuke serve` on loopback under mixed reads and writes for
SECONDS (default 600). Four reader threads (licence, domain, company search, status, deadlines)
and one writer (events, and imports of generated licences, new and re-issued) run without pause.
Every 10 s the server's resident memory is sampled. Passes when no request failed, the memory
after warm-up stays flat (last sample within 10 % or 16 MiB of the one at the end of the first
minute), the store passes integrity_check and the audit chain verifies.

usage: soak.py XUKE_BINARY FIXTURES_DIR [SECONDS]"""
import http.client
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import corpus  # noqa: E402

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
SECONDS = int(sys.argv[3]) if len(sys.argv) > 3 else 600
TMP = tempfile.mkdtemp(prefix='xuke-soak-')


def xuke(*args):
    p = subprocess.run([XUKE, *args], capture_output=True, timeout=600)
    if p.returncode:
        raise RuntimeError(p.stderr.decode())
    return p.stdout.decode()


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        return int(re.search(r'VmRSS:\s+(\d+)', f.read()).group(1))


class Load(threading.Thread):
    def __init__(self, port, token, job, stop, seed):
        super().__init__(daemon=True)
        self.port, self.token, self.job, self.stop = port, token, job, stop
        self.rng = random.Random(seed)
        self.done, self.errors = 0, []

    def call(self, method, path, body=None):
        self.conn.request(method, urllib.parse.quote(path, safe='/?&=%:'), body=body,
                          headers={'Authorization': 'Bearer ' + self.token})
        r = self.conn.getresponse()
        r.read()
        return r.status

    def run(self):
        self.conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=60)
        while not self.stop.is_set():
            try:
                want, got, what = self.job(self)
                if got not in want:
                    self.errors.append(f'{what}: {got}')
            except Exception as e:  # noqa: BLE001 - a dropped connection is a failure too
                self.errors.append(repr(e))
                self.conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=60)
            self.done += 1


def reader(numbers, hosts):
    def job(w):
        k = w.rng.randrange(5)
        if k == 0:
            p = '/v1/licenses/' + w.rng.choice(numbers)
        elif k == 1:
            p = '/v1/domains/www.' + w.rng.choice(hosts)
        elif k == 2:
            p = '/v1/licenses?company=' + w.rng.choice(['科技', '网络', '信息', '有限公司']) + '&limit=20'
        elif k == 3:
            p = '/v1/status?limit=50'
        else:
            p = '/v1/deadlines?limit=50'
        return (200,), w.call('GET', p), p
    return job


def writer(numbers):
    counter = [100000]

    def job(w):
        if w.rng.random() < 0.5:
            n = w.rng.choice(numbers)
            body = json.dumps({'type': 'incident', 'date': '2026-0%d-1%d' % (w.rng.randrange(1, 10), w.rng.randrange(10))})
            return (201,), w.call('POST', '/v1/licenses/' + n + '/events', body.encode()), 'event'
        counter[0] += 1
        text, _ = corpus.document(counter[0] if w.rng.random() < 0.7 else w.rng.randrange(300))
        return (200, 201), w.call('POST', '/v1/licenses', text.encode()), 'import'
    return job


def main():
    db = os.path.join(TMP, 'soak.db')
    docs = os.path.join(TMP, 'docs')
    facts = corpus.write(docs, 300)
    xuke('import', '--db', db, docs)
    token = xuke('token', 'create', '--db', db, 'soak', '--role', 'editor').strip()
    numbers = [f['number'] for f in facts]
    hosts = [d for f in facts for d in f.get('domains', [])] or ['example.cn']
    log = open(os.path.join(TMP, 'access.log'), 'w')
    srv = subprocess.Popen([XUKE, 'serve', '--db', db, '--listen', '127.0.0.1:0', '--rate', '0',
                            '--access-log', '/dev/null'], stdout=subprocess.PIPE, stderr=log)
    port = int(re.search(r':(\d+)/', srv.stdout.readline().decode()).group(1))
    stop = threading.Event()
    loads = [Load(port, token, reader(numbers, hosts), stop, i) for i in range(4)]
    loads.append(Load(port, token, writer(numbers), stop, 99))
    for t in loads:
        t.start()
    samples, start = [], time.time()
    print(f'soak: {SECONDS} s of mixed reads and writes against pid {srv.pid}')
    while time.time() - start < SECONDS:
        time.sleep(10)
        samples.append((time.time() - start, rss_kib(srv.pid), sum(t.done for t in loads)))
        print(f'  {samples[-1][0]:6.0f} s  RSS {samples[-1][1] / 1024:7.1f} MiB  requests {samples[-1][2]}')
    stop.set()
    for t in loads:
        t.join()
    srv.terminate()
    rc = srv.wait(timeout=30)
    errors = [e for t in loads for e in t.errors]
    warm = next((s for s in samples if s[0] >= 60), samples[0])[1]
    last = samples[-1][1]
    flat = last <= max(warm * 1.10, warm + 16 * 1024)
    con = sqlite3.connect(db)
    integrity = con.execute('PRAGMA integrity_check').fetchone()[0]
    events = con.execute('SELECT count(*) FROM events').fetchone()[0]
    versions = con.execute('SELECT count(*) FROM versions').fetchone()[0]
    con.close()
    audit = subprocess.run([XUKE, 'audit', '--verify', '--db', db], capture_output=True)
    total = sum(t.done for t in loads)
    print(f'soak: {total} requests ({total / SECONDS:.0f}/s), {len(errors)} errors, RSS {warm / 1024:.1f} MiB '
          f'after warm-up -> {last / 1024:.1f} MiB at the end, {events} events and {versions} versions '
          f'written, integrity {integrity}, audit rc {audit.returncode}, server exit {rc}')
    ok = not errors and flat and integrity == 'ok' and audit.returncode == 0 and rc == 0
    print('soak: PASSED' if ok else f'soak: FAILED {errors[:5]}')
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(0 if ok else 1)


main()
