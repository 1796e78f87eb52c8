"""End-to-end tests of scans read by the server's OCR job queue (src/server/jobs.c), through the
real `xuke serve` on loopback and real scans rendered here (tests/tools/render.py):

- a document's pages read in parallel by idle workers give the very answer the same document
  gives read one page after another (one worker), and the job says pages were lent;
- ten 20-page scans in flight do not hold up reading licences: every read is answered while the
  last scan still waits in the queue (so no read waited behind an OCR job), the queue answers 503
  with Retry-After when full, a running job reports its progress page by page, and a SIGTERM
  stops the scan being read at its next page;
- the server runs Tesseract with one OpenMP thread a call (OMP_THREAD_LIMIT=1) unless the
  environment sets another limit, which it keeps;
- a scan the OCR engine cannot read (its language data missing) is a 500 naming the cause, for
  parse and import alike, never a 422 (the document is not at fault) and nothing is stored.

Waits follow the jobs' progress (their state, the page started, the pages read), never a clock
tuned to an idle machine; speed (read latency under load) is measured in `make bench`.

usage: test_ocr_server.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import render  # noqa: E402
from checks import check, finish  # noqa: E402

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix='xuke-ocr-server-')
SEED = os.path.join(FIXTURES, 'seeds', '003_76e38eccd87d7b3e')
# a job that has not moved (state, jobs ahead, page started, pages read) for this long is stuck:
# each page's reading is bounded by the server's own 30 s (XK_OCR_PAGE_SECONDS)
STALL_SECONDS = 300


def xuke(*args, env=None):
    p = subprocess.run([XUKE, *args], capture_output=True, timeout=600, env=env)
    return p.returncode, p.stdout.decode('utf-8'), p.stderr.decode('utf-8', 'replace')


class Server:
    """`xuke serve` on a port the kernel picks, with env (None: this one's)."""
    def __init__(self, db, *extra, env=None):
        self.err = os.path.join(TMP, f'serve-{time.time_ns()}.stderr')
        with open(self.err, 'wb') as err:
            self.proc = subprocess.Popen([XUKE, 'serve', '--db', db, '--listen', '127.0.0.1:0',
                                          '--access-log', '/dev/null', *extra],
                                         stdout=subprocess.PIPE, stderr=err, env=env)
        line = self.proc.stdout.readline().decode()
        m = re.search(r':(\d+)/', line)
        if not m:
            raise RuntimeError('server did not start: ' + line + open(self.err).read())
        self.port = int(m.group(1))

    def call(self, method, path, body=None, token=None):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=600)
        conn.request(method, path, body=body,
                     headers={'Authorization': 'Bearer ' + token} if token else {})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, (json.loads(data) if data else None), r.getheader('Retry-After')

    def stop(self, limit=600):
        """SIGTERM and the exit status (None when it had not stopped within limit seconds)."""
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


def follow(srv, url, token, until, seen=None):
    """Polls a job until until(job) holds; gives up only when the job stops moving (see
    STALL_SECONDS). The job, or None (gone, or stuck). seen collects each job seen."""
    last, moved = None, time.monotonic()
    while time.monotonic() - moved < STALL_SECONDS:
        st, job, _ = srv.call('GET', url, token=token)
        if st != 200:
            return None
        if seen is not None:
            seen.append(job)
        if until(job):
            return job
        now = (job['state'], job.get('jobs_ahead'), job.get('page'), job.get('pages_read'))
        if now != last:
            last, moved = now, time.monotonic()
        time.sleep(0.2)
    return None


def token(db, name, role='editor'):
    rc, out, err = xuke('token', 'create', '--db', db, name, '--role', role)
    assert rc == 0, err
    return out.strip()


def seed():
    text = open(SEED + '.txt', encoding='utf-8').read()
    return text, json.load(open(SEED + '.json', encoding='utf-8'))


def test_pages_in_parallel(pages):
    """Three workers, one job: the two idle workers read pages of it. The answer is the one a
    single worker gives reading the pages one after another."""
    tif = render.tiff(pages, os.path.join(TMP, 'licence.tif'))
    scan = open(tif, 'rb').read()
    answers = {}
    for workers in ('1', '3'):
        db = os.path.join(TMP, f'parallel-{workers}.db')
        tok = token(db, 'scanner')
        srv = Server(db, '--ocr-workers', workers)
        try:
            st, body, _ = srv.call('POST', '/v1/parse', scan, tok)
            job = follow(srv, body['job']['url'], tok, lambda j: j['state'] == 'done') if st == 202 else None
            answers[workers] = job
        finally:
            srv.stop()
    one, three = answers['1'], answers['3']
    check('parallel: the scan is read by one worker and by three',
          one is not None and three is not None and one['result']['status'] == 200
          and three['result']['status'] == 200, (str(one)[:300], str(three)[:300]))
    if one is None or three is None:
        return
    check('parallel: one worker reads every page itself', one['pages_lent'] == 0, one)
    check(f'parallel: with three workers, idle ones read pages of the {len(pages)}-page scan',
          three['pages_lent'] >= 1, three['pages_lent'])
    check('parallel: the answer is the same, record, problems and review flags alike',
          one['result']['body'] == three['result']['body'],
          json.dumps(one['result']['body'], ensure_ascii=False)[:600] + '\n     '
          + json.dumps(three['result']['body'], ensure_ascii=False)[:600])


def twenty_pages(pages):
    """A 20-page image-only PDF: the licence's pages over and over."""
    many = [pages[i % len(pages)] for i in range(20)]
    return open(render.image_pdf(many, os.path.join(TMP, 'twenty.pdf')), 'rb').read()


def test_reads_while_scans_are_read(pages, expected):
    db = os.path.join(TMP, 'load.db')
    tok = token(db, 'scanner')
    reader = token(db, 'reader', 'reader')
    rc, out, err = xuke('import', '--db', db, SEED + '.txt')
    check('load: a licence to read is in the registry', rc == 0, out + err)
    scan = twenty_pages(pages)
    srv = Server(db, '--ocr-workers', '1', '--ocr-queue', '10', '--ocr-per-token', '10')
    try:
        answers = [None] * 10

        def upload(k):
            answers[k] = srv.call('POST', '/v1/parse', scan, tok)
        uploads = [threading.Thread(target=upload, args=(k,)) for k in range(10)]
        for t in uploads:
            t.start()
        for t in uploads:
            t.join()
        check('load: ten 20-page scans uploaded at once are all queued (202)',
              all(a and a[0] == 202 for a in answers), [a and a[0] for a in answers])
        if not all(a and a[0] == 202 for a in answers):
            return
        st, body, retry = srv.call('POST', '/v1/parse', scan, tok)
        check('load: an eleventh scan finds the queue full: 503 with Retry-After',
              st == 503 and retry and int(retry) >= 1 and body['error']['code'] == 'busy',
              (st, retry, body))
        urls = [a[1]['job']['url'] for a in answers]
        # the first job taken: the one whose reading has got past a page
        seen = []
        running = None
        for url in urls:
            st, job, _ = srv.call('GET', url, token=tok)
            if st == 200 and job['state'] != 'queued':
                running = url
        running = running or urls[0]
        job = follow(srv, running, tok, lambda j: j['state'] != 'running' or j['pages_read'] >= 1, seen)
        check('load: the running job reports its progress page by page',
              job is not None and job['state'] == 'running' and job['page'] >= 1
              and job['pages_read'] >= 1 and job['page'] <= 20, job)
        last = [u for u in urls if u != running][-1]
        number = urllib.parse.quote(expected['number'])
        statuses = []
        for k in range(100):
            statuses.append(srv.call('GET', '/v1/licenses/' + number, token=reader)[0])
            statuses.append(srv.call('GET', '/v1/licenses?limit=10', token=reader)[0])
        st, job, _ = srv.call('GET', last, token=tok)
        check('load: 200 reads are answered while ten scans are queued or read',
              statuses == [200] * 200, [s for s in statuses if s != 200][:10])
        check('load: the last scan still waits in the queue once the reads are answered '
              '(no read waited behind an OCR job)',
              st == 200 and job['state'] == 'queued' and job['jobs_ahead'] >= 1, job)
        st, job, _ = srv.call('GET', running, token=reader)
        check('load: another token does not see the jobs', st == 404, (st, job))
    finally:
        code = srv.stop()
    check('load: SIGTERM stops the scan being read at its next page and the server exits',
          code == 0, code)


def environ(pid):
    """The environment the process pid runs with (after any re-execution of itself)."""
    with open(f'/proc/{pid}/environ', 'rb') as f:
        pairs = [e.split(b'=', 1) for e in f.read().split(b'\0') if b'=' in e]
    return {k.decode(): v.decode('utf-8', 'replace') for k, v in pairs}


def test_openmp_limit_kept():
    """A limit the user set is the user's choice: the server started with OMP_THREAD_LIMIT=2
    keeps it (without one it runs with 1: test_pages_in_parallel)."""
    db = os.path.join(TMP, 'openmp.db')
    srv = Server(db, '--ocr-workers', '1', env=dict(os.environ, OMP_THREAD_LIMIT='2'))
    try:
        seen = environ(srv.proc.pid).get('OMP_THREAD_LIMIT')
    finally:
        srv.stop()
    check('openmp: OMP_THREAD_LIMIT=2 set by the user is kept', seen == '2', seen)


def test_engine_failure_is_500(pages, expected):
    """The OCR engine without its language data: the server's fault, not the document's."""
    db = os.path.join(TMP, 'noengine.db')
    tok = token(db, 'scanner')
    empty = os.path.join(TMP, 'no-tessdata')
    os.makedirs(empty, exist_ok=True)
    env = dict(os.environ, TESSDATA_PREFIX=empty)
    srv = Server(db, '--ocr-workers', '1', env=env)
    scan = open(pages[0], 'rb').read()
    try:
        for route, what in (('/v1/parse', 'parse'), ('/v1/licenses', 'import')):
            st, body, _ = srv.call('POST', route, scan, tok)
            job = follow(srv, body['job']['url'], tok, lambda j: j['state'] == 'done') if st == 202 else None
            result = job and job['result']
            check(f'no engine: {what} of a scan is a 500 naming the missing language data, not a 422',
                  result is not None and result['status'] == 500
                  and result['body']['error']['code'] == 'ocr_failed'
                  and 'tesseract-ocr-chi-sim' in result['body']['error']['message'], result)
    finally:
        srv.stop()
    rc, out, err = xuke('get', '--db', db, expected['number'])
    check('no engine: nothing is stored', rc != 0, out + err)


def main():
    text, expected = seed()
    pages = render.pages(text, os.path.join(TMP, 'pages'), 'clean')
    try:
        test_openmp_limit_kept()
        test_engine_failure_is_500(pages, expected)
        test_pages_in_parallel(pages)
        test_reads_while_scans_are_read(pages, expected)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    finish()


if __name__ == '__main__':
    main()
