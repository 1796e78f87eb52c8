"""`make bench`'s figure for OCR in the server (issue 24): reading licences stays fast while ten
20-page scans are in flight. `xuke serve` (default OCR workers: the cores less one) on 127.0.0.1
is given ten image-only 20-page PDFs at once (a licence rendered by tests/tools/render.py, its
pages over and over); while they are queued and read, `wrk -t1 -c4 --latency` reads a licence
and a page of the list. The same reads are measured first with no scan queued, as the
reference. Target: p99 < 50 ms under the OCR load.

e2e_ocr_server asserts the behaviour (every read answered while the scans wait, 503 when the
queue is full); this script only measures.

  /usr/bin/python3 bench/ocr_load_bench.py build/xuke [--seconds 8] [--markdown]
"""
import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'tools'))
import render  # noqa: E402

SEED = os.path.join(ROOT, 'tests', 'fixtures', 'seeds', '003_76e38eccd87d7b3e')
UPLOADS, PAGES = 10, 20


def call(port, method, path, body=None, token=None):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=600)
    conn.request(method, path, body=body, headers={'Authorization': 'Bearer ' + token})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, json.loads(data) if data else None


def seconds(text):
    m = re.match(r'([\d.]+)(us|ms|s)', text)
    return float(m.group(1)) * {'us': 1e-6, 'ms': 1e-3, 's': 1.0}[m.group(2)]


def wrk(port, path, token, duration):
    out = subprocess.run(['wrk', '-t1', '-c4', f'-d{duration}s', '--latency', '-H',
                          f'Authorization: Bearer {token}', f'http://127.0.0.1:{port}{path}'],
                         capture_output=True, text=True, check=True).stdout
    p99 = seconds(re.search(r'99%\s+([\d.]+\w+)', out).group(1))
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    bad = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    return p99, rps, int(bad.group(1)) if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('xuke')
    ap.add_argument('--seconds', type=int, default=8)
    ap.add_argument('--markdown', action='store_true')
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='xuke-ocr-load-')
    try:
        run(a, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(a, tmp):
    db = os.path.join(tmp, 'load.db')
    subprocess.run([a.xuke, 'import', '--db', db, SEED + '.txt'], check=True, capture_output=True)
    tokens = {}
    for name, role in (('scanner', 'editor'), ('reader', 'reader')):
        tokens[name] = subprocess.run([a.xuke, 'token', 'create', '--db', db, name, '--role', role],
                                      check=True, capture_output=True, text=True).stdout.strip()
    text = open(SEED + '.txt', encoding='utf-8').read()
    number = json.load(open(SEED + '.json', encoding='utf-8'))['number']
    pages = render.pages(text, os.path.join(tmp, 'pages'), 'clean')
    pdf = render.image_pdf([pages[i % len(pages)] for i in range(PAGES)], os.path.join(tmp, 'scan.pdf'))
    scan = open(pdf, 'rb').read()
    srv = subprocess.Popen([a.xuke, 'serve', '--db', db, '--listen', '127.0.0.1:0', '--access-log',
                            '/dev/null', '--rate', '0', '--ocr-queue', str(UPLOADS),
                            '--ocr-per-token', str(UPLOADS)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    port = int(re.search(r':(\d+)/', srv.stdout.readline().decode()).group(1))
    paths = (('a licence', '/v1/licenses/' + urllib.parse.quote(number)),
             ('a page of the list', '/v1/licenses?limit=10'))
    rows = []
    try:
        idle = {label: wrk(port, path, tokens['reader'], a.seconds) for label, path in paths}
        answers = [None] * UPLOADS

        def upload(k):
            answers[k] = call(port, 'POST', '/v1/parse', scan, tokens['scanner'])
        threads = [threading.Thread(target=upload, args=(k,)) for k in range(UPLOADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        urls = [b['job']['url'] for st, b in answers if st == 202]
        loaded = {label: wrk(port, path, tokens['reader'], a.seconds) for label, path in paths}
        jobs = [call(port, 'GET', u, token=tokens['scanner'])[1] for u in urls]
        read = sum(j.get('pages_read', 0) if j['state'] == 'running' else
                   (PAGES if j['state'] == 'done' else 0) for j in jobs)
        waiting = sum(j['state'] != 'done' for j in jobs)
        for label, _ in paths:
            rows.append((label, idle[label], loaded[label]))
    finally:
        srv.terminate()
        srv.wait(timeout=600)
    cores = os.cpu_count()
    if a.markdown:
        print(f'{len(urls)} scans of {PAGES} pages queued at once ({cores} cores, OCR workers: the '
              f'cores less one); {read} pages read by the end of the measuring, {waiting} scans still '
              'queued or being read.\n')
        print('| read | no scan queued: p99 | req/s | ten scans in flight: p99 | req/s | non-2xx | '
              'p99 < 50 ms |')
        print('|---|---|---|---|---|---|---|')
        for label, i, l in rows:
            print(f'| {label} | {i[0] * 1e3:.2f} ms | {i[1]:,.0f} | {l[0] * 1e3:.2f} ms | {l[1]:,.0f} '
                  f'| {l[2]} | {"yes" if l[0] < 0.050 else "NO"} |')
    else:
        for label, i, l in rows:
            print(f'ocr-load {label:20s} idle p99 {i[0] * 1e3:7.2f} ms {i[1]:9,.0f} req/s   '
                  f'{len(urls)} scans in flight p99 {l[0] * 1e3:7.2f} ms (target < 50 ms) '
                  f'{l[1]:9,.0f} req/s  non-2xx {l[2]}')
        print(f'ocr-load {read} pages read meanwhile, {waiting} of {len(urls)} scans not done')


if __name__ == '__main__':
    main()
