"""How long `xuke notify run` takes over a registry: a copy of a bench store (bench_registry's
synthetic licences), one subscription to every licence, and a webhook sink on 127.0.0.1 that
answers 200 at once. Three figures: a dry run (deciding only: the agenda and every reminder,
nothing written or sent), the first run (deciding, writing the ledger and the outbox, sending the
digests) and a rerun the same day (nothing new: what cron pays every quarter of an hour).

usage: notify_bench.py XUKE_BINARY BENCH_STORE [--as-of DATE]
Prints one line per figure: name, seconds, reminders, messages."""
import argparse
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    received = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', '0')))
        Sink.received += 1
        self.send_response(200)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'{}')


def timed(argv):
    t = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f'{argv}: {p.stderr}')
    return time.monotonic() - t, p.stdout


def counts(out):
    m = re.search(r'(\d+) reminders? decided in (\d+) messages?; (\d+) sent', out)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (0, 0, 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('xuke')
    ap.add_argument('store')
    ap.add_argument('--as-of', default='2026-12-07')
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='xuke-notify-bench-')
    db = os.path.join(tmp, 'notify.db')
    shutil.copy(a.store, db)
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Sink)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    secret = os.path.join(tmp, 'hook.secret')
    with open(secret, 'w') as f:
        f.write('bench-secret\n')
    os.chmod(secret, 0o600)
    subprocess.run([a.xuke, 'notify', 'add', '--db', db, '--channel', 'webhook', '--to',
                    f'http://127.0.0.1:{srv.server_address[1]}/hook', '--secret-file', secret,
                    '--all', '--digest'], check=True, capture_output=True)
    lic = subprocess.run([a.xuke, 'summary', '--db', db], capture_output=True, text=True).stdout
    run = [a.xuke, 'notify', 'run', '--db', db, '--as-of', a.as_of]
    for name, extra in (('dry run (decide only)', ['--dry-run']), ('first run', []),
                        ('rerun, nothing new', [])):
        secs, out = timed(run + extra)
        decided, messages, sent = counts(out)
        print(f'{name}\t{secs:.2f}\t{decided}\t{messages}\t{sent}')
    print(f'store\t{lic.splitlines()[0] if lic else "?"}\t\t\t{Sink.received}')
    srv.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
