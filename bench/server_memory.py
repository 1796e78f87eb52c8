"""Peak memory of `xuke serve` while it answers the calendar feed and the agenda on a large store.

For each request the server's peak resident set (VmHWM) is reset (/proc/PID/clear_refs, 5) and
read again after the answer, so each figure is that request's own peak; the reference is the
same server answering /healthz (no store work).

The server reads its SQLite store through a memory map (XK_SRV_STORE_MAP_BYTES): the pages of
the store it touched count in its resident set though they are the kernel's page cache (shared,
given back under memory pressure), not memory the server allocated. So the resident set is also
reported in its two parts, sampled every 10 ms during the request (the kernel keeps no peak of
either): anonymous memory (RssAnon: heap, stacks, SQLite's own page cache: what the server
holds) and file pages (RssFile: the mapped store and the binaries), with /proc/PID/smaps_rollup's
Anonymous and file-backed Rss after the answer as a cross-check. Run by bench/report.py in `make bench` on its
10^5-licence store; alone:

  /usr/bin/python3 bench/server_memory.py build/xuke STORE.db [--markdown]
"""
import argparse
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

REQUESTS = (
    ('/healthz (reference: no store work)', '/healthz'),
    ('calendar feed, defaults (2,000 events, 730 days)', '/v1/calendar.ics'),
    ('calendar feed at its maximum (10,000 events, any date)', '/v1/calendar.ics?limit=10000&within=36500'),
    ('agenda, 10,000 rows', '/v1/deadlines?limit=10000'),
    ('agenda at its maximum (100,000 rows)', '/v1/deadlines?limit=100000'),
)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def status_kib(pid, field):
    m = re.search(field + r':\s+(\d+) kB', open(f'/proc/{pid}/status').read())
    return int(m.group(1)) if m else 0


def rollup_kib(pid):
    """Anonymous and file-backed resident KiB from /proc/PID/smaps_rollup."""
    text = open(f'/proc/{pid}/smaps_rollup').read()
    field = lambda name: int(re.search(r'^' + name + r':\s+(\d+) kB', text, re.M).group(1))
    rss, anon = field('Rss'), field('Anonymous')
    return anon, rss - anon


class Sampler(threading.Thread):
    """The peak of RssAnon and of RssFile while a request runs, read every 10 ms."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.anon, self.file = pid, 0, 0
        self.done = threading.Event()

    def run(self):
        while True:
            self.anon = max(self.anon, status_kib(self.pid, 'RssAnon'))
            self.file = max(self.file, status_kib(self.pid, 'RssFile'))
            if self.done.wait(0.01):
                return

    def stop(self):
        self.done.set()
        self.join()
        self.anon = max(self.anon, status_kib(self.pid, 'RssAnon'))
        self.file = max(self.file, status_kib(self.pid, 'RssFile'))


def measure(xuke, db):
    token = subprocess.run([xuke, 'token', 'create', '--db', db, f'mem-{time.time_ns()}', '--role', 'reader'],
                           capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    srv = subprocess.Popen([xuke, 'serve', '--db', db, '--listen', f'127.0.0.1:{port}', '--rate', '0',
                            '--access-log', '/dev/null'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    srv.stdout.readline()
    rows = []
    try:
        for name, path in REQUESTS:
            with open(f'/proc/{srv.pid}/clear_refs', 'w') as f:
                f.write('5')  # the peak starts again from what is resident now
            before = status_kib(srv.pid, 'VmRSS')
            req = urllib.request.Request(f'http://127.0.0.1:{port}{path}',
                                         headers={'Authorization': f'Bearer {token}'})
            sampler = Sampler(srv.pid)
            sampler.start()
            t0 = time.time()
            with urllib.request.urlopen(req, timeout=600) as r:
                body = r.read()
            secs = time.time() - t0
            sampler.stop()
            peak = status_kib(srv.pid, 'VmHWM')
            anon, file = rollup_kib(srv.pid)
            rows.append((name, path, len(body), secs, before / 1024, peak / 1024, sampler.anon / 1024,
                         sampler.file / 1024, anon / 1024, file / 1024))
    finally:
        srv.terminate()
        srv.wait(timeout=30)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('xuke')
    ap.add_argument('db')
    ap.add_argument('--markdown', action='store_true')
    a = ap.parse_args()
    rows = measure(a.xuke, a.db)
    print('| request | answer | time | resident before | peak during (all) | of which, peak: heap and other '
          'anonymous | file pages (mapped store, binaries) | after: anonymous / file (smaps_rollup) |')
    print('|---|---|---|---|---|---|---|---|')
    for name, path, size, secs, before, peak, anon, file, anon_after, file_after in rows:
        print(f'| {name} (`{path}`) | {size / 1048576:,.1f} MiB | {secs:.2f} s | {before:,.0f} MiB | '
              f'{peak:,.0f} MiB | {anon:,.0f} MiB | {file:,.0f} MiB | {anon_after:,.0f} / {file_after:,.0f} MiB |')


if __name__ == '__main__':
    sys.exit(main())
