"""End-to-end tests of `xuke serve`: the real binary on loopback against a real store. Every
route, every error status, tokens and roles, pagination, limits (oversized body and headers,
too many connections, a slow client, the rate limit), the access log, the audit actor, graceful
shutdown, and the OpenAPI document checked against what the server answers: every documented
operation is called, and every answer's status and body must be the documented ones.

usage: test_server.py XUKE_BINARY FIXTURES_DIR OPENAPI_JSON
Prints one line per check and closes with 'N passed, N failed'."""
import http.client
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
import time
import urllib.parse

import checks
import stores

XUKE, FIXTURES, OPENAPI = sys.argv[1], sys.argv[2], sys.argv[3]
TMP = tempfile.mkdtemp(prefix='xuke-srv-')
SEEDS = os.path.join(FIXTURES, 'seeds')
DOCS = os.path.join(FIXTURES, 'docs')
results = {'passed': 0, 'failed': 0}
SPEC = json.load(open(OPENAPI, encoding='utf-8'))
called = set()        # (method, path template) the tests exercised
mismatches = []       # answers that do not match the document


def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok   ' if ok else 'FAIL ') + name + ('' if ok else '\n     ' + str(detail)[:1500]))


def run(*args):
    p = subprocess.run([XUKE, *args], capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def docs(folder):
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith('.txt'))


# --- the OpenAPI document as a checker ------------------------------------------------------

def deref(schema):
    if '$ref' in schema:
        node = SPEC
        for part in schema['$ref'].lstrip('#/').split('/'):
            node = node[part]
        return node
    return schema


def validate(value, schema, where='$'):
    """The subset of JSON Schema the document uses; returns a list of problems."""
    schema = deref(schema)
    if value is None:
        return [] if schema.get('nullable') or not schema else [f'{where}: null not allowed']
    out = []
    for sub in schema.get('allOf', []):
        out += validate(value, sub, where)
    t = schema.get('type')
    kinds = {'string': str, 'integer': int, 'boolean': bool, 'object': dict, 'array': list,
             'number': (int, float)}
    if t and not isinstance(value, kinds[t]) or (t == 'integer' and isinstance(value, bool)):
        return out + [f'{where}: expected {t}, got {type(value).__name__}']
    if 'enum' in schema and value not in schema['enum']:
        out.append(f'{where}: {value!r} not in {schema["enum"]}')
    if schema.get('format') == 'date' and not re.fullmatch(r'\d{4}-\d\d-\d\d', value):
        out.append(f'{where}: {value!r} is not a date')
    if isinstance(value, dict):
        for k in schema.get('required', []):
            if k not in value:
                out.append(f'{where}: missing {k}')
        props = schema.get('properties', {})
        for k, v in value.items():
            if k in props:
                out += validate(v, props[k], f'{where}.{k}')
            elif isinstance(schema.get('additionalProperties'), dict):
                out += validate(v, schema['additionalProperties'], f'{where}.{k}')
    if isinstance(value, list) and 'items' in schema:
        for i, v in enumerate(value):
            out += validate(v, schema['items'], f'{where}[{i}]')
    return out


def template_of(method, path):
    """The documented path template a concrete path belongs to, or None."""
    for tmpl, ops in SPEC['paths'].items():
        pattern = '^' + re.sub(r'\\{[a-z_]+\\}', '[^/]+', re.escape(tmpl)) + '$'
        if re.match(pattern, path) and method.lower() in ops:
            return tmpl
    return None


def conform(method, path, status, ctype, body):
    tmpl = template_of(method, path)
    if tmpl is None:
        return
    called.add((method, tmpl))
    op = SPEC['paths'][tmpl][method.lower()]
    resp = op['responses'].get(str(status))
    if resp is None:
        mismatches.append(f'{method} {tmpl}: status {status} is not documented')
        return
    media = resp.get('content', {})
    base = ctype.split(';')[0].strip()
    if media and base not in media:
        mismatches.append(f'{method} {tmpl} {status}: type {base} not documented ({list(media)})')
        return
    if base == 'application/json' and media.get(base, {}).get('schema'):
        problems = validate(json.loads(body), media[base]['schema'])
        if problems:
            mismatches.append(f'{method} {tmpl} {status}: ' + '; '.join(problems[:5]))


# --- a server and a client --------------------------------------------------------------------

class Server(checks.Serve):
    def __init__(self, db, *extra):
        super().__init__(XUKE, TMP, db, *extra)


class Client:
    def __init__(self, server, token=None):
        self.server, self.token = server, token
        self.conn = http.client.HTTPConnection('127.0.0.1', server.port, timeout=30)

    def request(self, method, path, body=None, headers=None, token=...):
        h = dict(headers or {})
        tok = self.token if token is ... else token
        if tok:
            h['Authorization'] = 'Bearer ' + tok
        url = urllib.parse.quote(path, safe='/?&=%:')
        for attempt in (0, 1):
            try:
                self.conn.request(method, url, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection('127.0.0.1', self.server.port, timeout=30)
                if attempt:
                    raise
        ctype = r.getheader('Content-Type', '')
        conform(method, urllib.parse.urlsplit(path).path, r.status, ctype, data)
        if ctype.startswith('application/json'):
            return r.status, json.loads(data), r
        return r.status, data.decode('utf-8', 'replace'), r

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, body, **kw):
        return self.request('POST', path, body=body, **kw)


def is_error(body, code=None):
    return (isinstance(body, dict) and isinstance(body.get('error'), dict) and
            isinstance(body['error'].get('message'), str) and
            (code is None or body['error'].get('code') == code))


# --- the store ----------------------------------------------------------------------------------

def make_store(name):
    db = stores.fresh(TMP, name)  # a PostgreSQL database under e2e_server_pg
    rc, out, err = run('import', '--db', db, *docs(SEEDS), *[d for d in docs(DOCS) if 'cross_regional' not in d])
    assert rc == 0, out + err
    tokens = {}
    for tname, role in (('alice-reader', 'reader'), ('bob-editor', 'editor'),
                        ('root-admin', 'admin'), ('old-editor', 'editor')):
        rc, out, err = run('token', 'create', '--db', db, tname, '--role', role)
        assert rc == 0, err
        tokens[tname] = out.strip()
    run('token', 'revoke', '--db', db, 'old-editor')
    return db, tokens


# --- the tests ------------------------------------------------------------------------------------

def test_tokens(srv, tok):
    anon, reader = Client(srv), Client(srv, tok['alice-reader'])
    st, body, _ = anon.get('/v1/licenses')
    check('a read without a token is 401 with the error form', st == 401 and is_error(body, 'unauthorized'), body)
    st, body, _ = reader.get('/v1/licenses')
    check('a reader token reads', st == 200 and body['count'] == 6, body)
    st, body, _ = reader.post('/v1/parse', read(docs(SEEDS)[0]))
    check('a reader may parse (nothing is stored)', st == 200 and body['valid'], body)
    st, body, _ = reader.get('/v1/jobs/' + '0' * 32)
    check('an unknown OCR job is 404', st == 404 and is_error(body, 'not_found'), body)
    st, body, _ = reader.get('/v1/jobs/not-an-id')
    check('a malformed job id is 404', st == 404 and is_error(body, 'not_found'), body)
    st, body, _ = reader.post('/v1/licenses', read(docs(DOCS)[1]))
    check('a reader may not import: 403', st == 403 and is_error(body, 'forbidden'), body)
    error = body.get('error', {}) if isinstance(body, dict) else {}
    check('a token refused for its role is named as a token, with the role held and needed',
          (error.get('role'), error.get('needs'), error.get('by')) == ('reader', 'editor', 'token')
          and error.get('message', '').startswith('token '), error)
    st, body, _ = anon.get('/v1/licenses', token=tok['old-editor'])
    check('a revoked token is 401', st == 401 and is_error(body, 'unauthorized'), body)
    forged = tok['bob-editor'][:-4] + ('AAAA' if not tok['bob-editor'].endswith('AAAA') else 'BBBB')
    st, body, _ = anon.get('/v1/licenses', token=forged)
    check('a token with a wrong secret is 401', st == 401, body)
    st, body, _ = anon.request('GET', '/v1/licenses', headers={'Authorization': 'Basic Zm9vOmJhcg=='})
    check('a non-Bearer Authorization is 401', st == 401 and is_error(body), body)
    st, body, _ = anon.get('/v1/licenses', token='xk_garbage')
    check('a malformed token is 401', st == 401, body)
    st, body, _ = anon.get('/healthz')
    check('/healthz needs no token', st == 200 and body['status'] == 'ok', body)
    st, body, _ = anon.get('/v1/openapi.json')
    check('/v1/openapi.json needs no token and is the document', st == 200 and body.get('openapi', '').startswith('3.'), str(body)[:200])


def test_licences(srv, tok):
    c = Client(srv, tok['alice-reader'])
    seed = json.load(open(docs(SEEDS)[0][:-4] + '.json', encoding='utf-8'))
    number = seed['number']
    st, body, _ = c.get('/v1/licenses/' + number)
    check('GET a licence gives the record and registry facts',
          st == 200 and body['company'] == seed['company'] and body['services'] == seed['services']
          and body['version'] == 1 and len(body['source_sha256']) == 64, body)
    st, body, _ = c.get('/v1/licenses/' + number + '?version=1')
    check('?version=1 gives that version', st == 200 and body['number'] == number, body)
    st, body, _ = c.get('/v1/licenses/' + number + '?version=9')
    check('an unknown version is 404', st == 404 and is_error(body, 'not_found'), body)
    st, body, _ = c.get('/v1/licenses/京B2-20990000')
    check('an unknown licence is 404', st == 404 and is_error(body, 'not_found'), body)
    st, body, _ = c.get('/v1/licenses/not-a-number')
    check('a malformed number is 400', st == 400 and is_error(body, 'bad_request'), body)
    st, body, _ = c.get('/v1/licenses/' + number + '?version=abc')
    check('a malformed version is 400', st == 400 and is_error(body, 'bad_request'), body)
    st, body, _ = c.get('/v1/licenses/' + number + '/history')
    check('history lists the versions', st == 200 and [v['version'] for v in body['versions']] == [1], body)
    st, body, _ = c.get('/v1/licenses/' + number + '/sites')
    check('sites of a licence never checked is an empty list', st == 200 and body['sites'] == [], body)
    st, body, _ = c.get('/v1/licenses/京B2-20990000/sites')
    check('sites of an unknown licence is 404', st == 404 and is_error(body, 'not_found'), body)
    st, body, _ = c.get('/v1/licenses/' + number + '/diff')
    check('diff of a one-version licence is 400 and says why', st == 400 and 'one version' in body['error']['message'], body)
    st, text, r = c.get('/v1/licenses/' + number + '/source')
    check('source is the document as UTF-8 text',
          st == 200 and r.getheader('Content-Type').startswith('text/plain') and number.split('-')[1] in text
          and '增值电信业务经营许可证' in text, text[:200])
    gb = [d for d in docs(DOCS) if 'gb18030' in d][0]
    gbrec = json.load(open(gb[:-4] + '.json', encoding='utf-8'))
    st, text, _ = c.get('/v1/licenses/' + gbrec['number'] + '/source')
    check('a GB18030 source is served converted to UTF-8', st == 200 and isinstance(text, str) and gbrec['company'] in text, str(text)[:200])
    st, body, _ = c.get('/v1/licenses/' + number + '/obligations?as_of=2026-11-23')
    check('obligations carry deadlines and basis',
          st == 200 and any(o['duty'] == 'renewal' and o.get('due') and o['basis'] for o in body['obligations']), body)
    st, body, _ = c.get('/v1/licenses/' + number + '/obligations?as_of=2026-13-01')
    check('a malformed as_of is 400', st == 400 and is_error(body, 'bad_request'), body)
    return number


def test_search_and_pages(srv, tok):
    c = Client(srv, tok['alice-reader'])
    st, body, _ = c.get('/v1/licenses?company=小荷')
    check('company search matches any part of the name', st == 200 and body['count'] == 2
          and all('小荷' in i['company'] for i in body['items']), body)
    st, body, _ = c.get('/v1/licenses?service=B21')
    check('service filter', st == 200 and body['count'] >= 1, body)
    st, body, _ = c.get('/v1/licenses?region=海南')
    check('region filter by name', st == 200 and all(i['number'].startswith('琼') for i in body['items']) and body['count'] == 2, body)
    st, body, _ = c.get('/v1/licenses?domain=m.xiaohe.cn')
    check('domain search resolves sub-domains and says which website entries cover it',
          st == 200 and body['count'] == 2 and len({i['number'] for i in body['items']}) == 1
          and {i['match']['service'] for i in body['items']} == {'B21', 'B25'}
          and all(i['match']['domain'] == 'xiaohe.cn' for i in body['items']), body)
    st, body, _ = c.get('/v1/licenses?status=expired&as_of=2026-11-23')
    check('status filter uses the rules', st == 200 and all(i['rules_status'] == 'expired' for i in body['items']) and body['count'] >= 1, body)
    st, body, _ = c.get('/v1/licenses?expiring_within=365&as_of=2026-06-01')
    check('expiring_within filter', st == 200 and all(i['expires'] <= '2027-06-01' for i in body['items']), body)
    for bad in ('status=bogus', 'service=B99', 'region=火星', 'limit=0', 'limit=5000', 'cursor=@@@',
                'expiring_within=-3', 'valid_on=2026-02-30'):
        st, body, _ = c.get('/v1/licenses?' + bad)
        check(f'bad filter {bad} is 400', st == 400 and is_error(body, 'bad_request'), body)
    seen, cursor, pages, totals = [], None, 0, []
    while True:
        st, body, _ = c.get('/v1/licenses?limit=2' + ('&cursor=' + urllib.parse.quote(cursor) if cursor else ''))
        if st != 200:
            break
        pages += 1
        seen += [i['number'] for i in body['items']]
        totals.append((body.get('total'), body.get('truncated')))
        cursor = body['next_cursor']
        if not cursor or pages > 10:
            break
    check('cursor pagination walks every licence once, in order', st == 200 and len(seen) == 6
          and seen == sorted(seen) and len(set(seen)) == 6 and pages == 3, (pages, seen))
    check('every page says how many match in all, and whether more follow',
          totals == [(6, True), (6, True), (6, False)], totals)
    st, whole, _ = c.get('/v1/licenses?status=expired&as_of=2026-11-23&limit=1000')
    st1, first, _ = c.get('/v1/licenses?status=expired&as_of=2026-11-23&limit=1')
    check('with a status filter the total counts the licences of that status, not the page',
          st == 200 and st1 == 200 and whole['count'] >= 2 and first['count'] == 1
          and first['total'] == whole['count'] and first['truncated'] is True, (whole, first))
    st, body, _ = c.get('/v1/licenses?company=小荷&limit=1')
    check('a company search cut to one says 2 in all', st == 200 and body['count'] == 1
          and body['total'] == 2 and body['truncated'] is True, body)


def b64_file(name):
    import base64
    with open(os.path.join(FIXTURES, '..', 'evidence', name), 'rb') as f:
        data = f.read()
    return data, base64.b64encode(data).decode()


def test_evidence(srv, tok, number, db):
    """A duty recorded done with its receipt: the file is kept once by SHA-256, listed with the
    event, downloaded as it was given; a correcting entry undoes the event and the duty opens
    again. Expected hashes come from hashlib, the expected bytes from the fixture files."""
    import hashlib
    c = Client(srv, tok['alice-reader'])
    e = Client(srv, tok['bob-editor'])
    path = '/v1/licenses/' + number + '/events'
    pdf, pdf64 = b64_file('receipt.pdf')
    png, png64 = b64_file('notice.png')
    pdf_sha, png_sha = hashlib.sha256(pdf).hexdigest(), hashlib.sha256(png).hexdigest()

    def annual_2025():
        st, body, _ = c.get('/v1/licenses/' + number + '/obligations')
        return [o for o in body.get('obligations', []) if o['duty'] == 'annual_report' and o.get('year') == 2025]

    before = annual_2025()
    check('the 2025 annual report is open before it is recorded', before and not before[0]['fulfilled'], before)
    st, body, _ = e.post(path, json.dumps({'type': 'annual_report_filed', 'date': '2026-03-02', 'year': 2025,
                                           'evidence': [{'name': 'receipt.txt', 'data': base64_of(b'not a pdf')}]}))
    check('a text file as evidence is refused: 422 naming PDF, PNG or JPEG',
          st == 422 and is_error(body, 'invalid_event') and 'PDF, PNG or JPEG' in body['error']['message'], body)
    check('nothing of the refused event was stored', not annual_2025()[0]['fulfilled'], annual_2025())
    st, body, _ = e.post(path, json.dumps({'type': 'annual_report_filed', 'date': '2026-03-02', 'year': 2025,
                                           'evidence': [{'name': 'r.pdf', 'data': '%%%not base64'}]}))
    check('evidence data that is not base64 is 400', st == 400 and is_error(body, 'bad_request'), body)
    st, body, _ = e.post(path, json.dumps({'type': 'annual_report_filed', 'date': '2026-03-02', 'year': 2025,
                                           'evidence': [{'name': 'big.pdf', 'data': 'A' * (12 * 1024 * 1024)}]}))
    check('an evidence file over its limit is 413', st == 413 and is_error(body, 'payload_too_large'), body)
    st, body, _ = e.post(path, json.dumps({'type': 'annual_report_filed', 'date': '2026-03-02', 'year': 2025,
                                           'evidence': [{'name': '../r.pdf', 'data': pdf64}]}))
    check('an evidence name with a path is refused', st == 422 and is_error(body, 'invalid_event'), body)

    note = '年报已报送，受理回执见附件'
    st, body, _ = e.post(path, json.dumps({'type': 'annual_report_filed', 'date': '2026-03-02', 'year': 2025, 'note': note,
                                           'evidence': [{'name': '年报回执.pdf', 'data': pdf64},
                                                        {'name': 'notice.png', 'data': png64}]}))
    check('an editor records the annual report with a PDF receipt and an image: 201 with their SHA-256',
          st == 201 and body.get('evidence') == [pdf_sha, png_sha], body)
    event_id = body.get('id') if isinstance(body, dict) else None
    after = annual_2025()
    check('the duty is met by that event', after and after[0]['fulfilled'] and after[0].get('fulfilled_by') == event_id, after)
    st, body, _ = c.get(path)
    ev = [x for x in body.get('events', []) if x['id'] == event_id]
    files = ev[0]['evidence'] if ev else []
    check('the event is listed with who recorded it, its note and its files in order',
          ev and ev[0]['actor'] == 'bob-editor' and ev[0]['note'] == note
          and [(f['name'], f['sha256'], f['type'], f['size']) for f in files]
          == [('年报回执.pdf', pdf_sha, 'application/pdf', len(pdf)), ('notice.png', png_sha, 'image/png', len(png))], ev)
    st, data, r = c.request('GET', '/v1/evidence/' + pdf_sha)
    raw_body = None
    conn = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=30)
    conn.request('GET', '/v1/evidence/' + pdf_sha, headers={'Authorization': 'Bearer ' + tok['alice-reader']})
    rr = conn.getresponse()
    raw_body = rr.read()
    disp = rr.getheader('Content-Disposition', '')
    check('a reader downloads the receipt: the same bytes, application/pdf, as an attachment under its name',
          rr.status == 200 and raw_body == pdf and rr.getheader('Content-Type') == 'application/pdf'
          and disp.startswith('attachment;') and urllib.parse.quote('年报回执.pdf') in disp, (rr.status, disp))
    conn.close()
    st, body, _ = Client(srv).get('/v1/evidence/' + pdf_sha)
    check('downloading evidence needs a token', st == 401 and is_error(body), body)
    st, body, _ = c.get('/v1/evidence/' + '0' * 64)
    check('an unknown evidence hash is 404', st == 404 and is_error(body, 'not_found'), body)
    st, body, _ = c.get('/v1/evidence/xyz')
    check('a malformed evidence hash is 400', st == 400 and is_error(body, 'bad_request'), body)
    rc, out, err = run('summary', '--db', db)
    docs_before = re.search(r'(\d+) source documents', out)

    st, body, _ = e.post(f'/v1/events/{event_id}/void', json.dumps({'reason': 'receipt was for another licence'}))
    correction = body.get('correction') if isinstance(body, dict) else None
    check('undo makes a correcting entry: 200 with its id', st == 200 and isinstance(correction, int) and correction > event_id, body)
    reopened = annual_2025()
    check('the duty is open again after the correction', reopened and not reopened[0]['fulfilled'], reopened)
    st, body, _ = c.get(path)
    ev = {x['id']: x for x in body.get('events', [])}
    check('the corrected event is kept, marked void by the editor, its evidence still listed',
          event_id in ev and ev[event_id]['voided'] and ev[event_id]['void']['by'] == 'bob-editor'
          and len(ev[event_id]['evidence']) == 2, ev.get(event_id))
    check('the correction is an entry of its own naming the event it corrects',
          correction in ev and ev[correction]['type'] == 'correction' and ev[correction]['corrects'] == event_id
          and ev[correction]['note'] == 'receipt was for another licence', ev.get(correction))

    st, body, _ = e.post(path, json.dumps({'type': 'annual_report_filed', 'date': '2026-03-03', 'year': 2025,
                                           'evidence': [{'name': 'again.pdf', 'data': pdf64}]}))
    check('the report is recorded again with the same receipt', st == 201 and body.get('evidence') == [pdf_sha], body)
    rc, out, err = run('summary', '--db', db)
    docs_after = re.search(r'(\d+) source documents', out)
    check('the same receipt given twice is stored once', docs_before and docs_after
          and docs_after.group(1) == docs_before.group(1), out + err)
    rc, out, err = run('audit', '--db', db)
    check('the files are named by their SHA-256 in the audit log', pdf_sha in out and png_sha in out and 'event_void' in out, out[-2000:])
    rc, out, err = run('audit', '--db', db, '--verify')
    check('the audit chain verifies with evidence and corrections in it', rc == 0, out + err)


def base64_of(data):
    import base64
    return base64.b64encode(data).decode()


def misprinted_pdf():
    """An e-licence PDF made here from seed 000 with one misprint put in on its main page: the
    company 技木 for 技术 (the appendix keeps it right, so the reading flags the field)."""
    sys.path.insert(0, os.path.join(os.path.dirname(FIXTURES), 'tools'))
    import render
    with open(os.path.join(SEEDS, '000_a96b5bc2dd3fa082.txt'), encoding='utf-8') as f:
        text = f.read()
    text = text.replace('公司名称: 海南小荷健康网络技术有限公司', '公司名称: 海南小荷健康网络技木有限公司', 1)
    return render.text_pdf(text, os.path.join(TMP, 'misprinted.pdf'))


def follow_job(client, url):
    """The job's answer once it is done: each poll is an answer; a generous overall limit."""
    end = time.monotonic() + 600
    while time.monotonic() < end:
        st, job, _ = client.get(url)
        if st != 200:
            return None
        if job['state'] == 'done':
            return job['result']
        time.sleep(0.2)
    return None


def test_scan_pages(r, pdf):
    """What the review page shows: the scan's pages as PNG images, and each flagged field's
    place on them (the box of the line it was read from, as fractions of the page)."""
    import base64
    st, ans, _ = r.post('/v1/parse', pdf, headers={'Content-Type': 'application/pdf'})
    result = follow_job(r, ans['job']['url']) if st == 202 else {'status': st, 'body': ans}
    problems = result['body'].get('problems', []) if result else []
    company = [p for p in problems if p.get('key') == 'problem.review.field' and p['params'][0] == 'company']
    where = company[0].get('where') if company else None
    box = where['box'] if where else []
    check('the flagged company says where it was read: a page and a line box on it',
          where is not None and where['page'] >= 1 and len(box) == 4
          and 0 <= box[0] < box[2] <= 1 and 0 <= box[1] < box[3] <= 1 and box[3] - box[1] < 0.1, company)
    st, ans, _ = r.post('/v1/scans/pages', pdf, headers={'Content-Type': 'application/pdf'})
    pages = ans.get('pages', []) if st == 200 else []
    pngs = [base64.b64decode(p['image'].split(',', 1)[1]) for p in pages
            if p['image'].startswith('data:image/png;base64,')]
    check('a scan\'s pages come back in order as PNG images 1000 pixels across, the flagged one among them',
          st == 200 and [p['page'] for p in pages] == list(range(1, len(pages) + 1)) and len(pngs) == len(pages)
          and all(x.startswith(b'\x89PNG') for x in pngs) and all(p['width'] == 1000 and p['height'] > 0 for p in pages)
          and where is not None and where['page'] <= len(pages), (st, [(p['page'], p['width'], p['height']) for p in pages]))
    st, ans, _ = r.post('/v1/scans/pages', '许可证文本'.encode(), headers={'Content-Type': 'text/plain'})
    check('a text is not a scan: its pages are refused with 415', st == 415 and is_error(ans, 'unsupported_media_type'), ans)
    st, ans, _ = r.post('/v1/scans/pages', b'%PDF-1.4 broken', headers={'Content-Type': 'application/pdf'})
    check('a corrupt PDF\'s pages are refused with 422, saying so', st == 422 and is_error(ans, 'invalid_document')
          and 'corrupt' in ans['error']['message'], ans)


def test_reviewed_scan():
    """A scan imported after review: the corrected field is stored, the correction kept apart
    with what was read and who corrected it, in the history and the audit log."""
    import base64
    db = os.path.join(TMP, 'reviewed.db')
    rc, out, err = run('token', 'create', '--db', db, 'reviewer', '--role', 'editor')
    editor_tok = out.strip()
    rc, out, err = run('token', 'create', '--db', db, 'looker', '--role', 'reader')
    reader_tok = out.strip()
    pdf = open(misprinted_pdf(), 'rb').read()
    right, misread = '海南小荷健康网络技术有限公司', '海南小荷健康网络技木有限公司'
    srv = Server(db)
    try:
        e, r = Client(srv, editor_tok), Client(srv, reader_tok)
        body = json.dumps({'file': base64.b64encode(pdf).decode(),
                           'corrections': [{'field': 'company', 'read': misread, 'value': right}]})
        st, ans, _ = r.post('/v1/scans/reviewed', body)
        check('a reader may not import a reviewed scan', st == 403 and is_error(ans), ans)
        test_scan_pages(r, pdf)
        st, ans, _ = e.post('/v1/scans/reviewed', json.dumps({'file': '%%%'}))
        check('a reviewed scan that is not base64 is 400', st == 400 and is_error(ans, 'bad_request'), ans)
        st, ans, _ = e.post('/v1/scans/reviewed', json.dumps({'file': base64.b64encode(pdf).decode(),
                                                             'corrections': [{'field': 'company', 'read': 'something else', 'value': right}]}))
        result = follow_job(e, ans['job']['url']) if st == 202 else None
        check('a correction over a reading the scan does not give is refused, nothing stored',
              result and result['status'] == 422
              and 'not "something else"' in result['body']['results'][0]['error']['message']
              and run('get', '--db', db, '琼B2-20220293')[0] != 0, result)
        st, ans, _ = e.post('/v1/scans/reviewed', body)
        check('an editor posts the reviewed scan: 202 with its job', st == 202 and ans['job']['url'].startswith('/v1/jobs/'), ans)
        result = follow_job(e, ans['job']['url']) if st == 202 else None
        check('the job imports it', result and result['status'] == 201 and result['body']['stored'] == 1, result)
        rc, out, err = run('get', '--db', db, '--json', '琼B2-20220293')
        check('the record holds the corrected company', rc == 0 and json.loads(out)['company'] == right, out[:300] + err)
        st, hist, _ = r.get('/v1/licenses/琼B2-20220293/history')
        corr = hist['versions'][-1]['corrections'] if st == 200 else None
        check('the version keeps the correction apart: field, what was read, the value, who',
              corr and [(c['field'], c['read'], c['value'], c['by']) for c in corr] == [('company', misread, right, 'reviewer')], hist)
        rc, out, err = run('audit', '--db', db, '琼B2-20220293')
        check('the correction is named in the audit log', 'correct' in out and misread in out and right in out, out)
        rc, out, err = run('audit', '--db', db, '--verify')
        check('the audit chain verifies after a reviewed import', rc == 0, out + err)
        # the same scan reviewed again, with the same correction: the record is unchanged, and
        # the second review is kept all the same, after the first, on the current version
        st, ans, _ = e.post('/v1/scans/reviewed', body)
        result = follow_job(e, ans['job']['url']) if st == 202 else None
        check('the same reviewed scan again leaves the record unchanged',
              result and result['body']['stored'] == 0
              and result['body']['results'][0]['outcome'] == 'unchanged', result)
        st, hist, _ = r.get('/v1/licenses/琼B2-20220293/history')
        versions = hist['versions'] if st == 200 else []
        corr = versions[-1]['corrections'] if versions else None
        check('a correction made on an unchanged re-import is kept, after the earlier one',
              len(versions) == 1 and corr
              and [(c['field'], c['read'], c['value']) for c in corr] == [('company', misread, right)] * 2,
              hist)
        rc, out, err = run('audit', '--db', db, '--verify')
        check('the audit chain verifies after the re-import with its correction', rc == 0, out + err)
        test_reviewed_lists(e, r, db, pdf, misread, right)
    finally:
        srv.stop()


def test_reviewed_lists(e, r, db, pdf, misread, right):
    """Every field a review flag names can be corrected, not only the scalars: a provision's
    text and a website's domains, addressed as the record's JSON names them."""
    import base64
    st, ans, _ = e.post('/v1/parse', pdf)
    parsed = follow_job(e, ans['job']['url']) if st == 202 else None
    record = parsed['body']['record'] if parsed and parsed['status'] == 200 else {}
    provisions, websites = record.get('provisions') or [], record.get('websites') or []
    check('the scan is read with provisions and websites to correct', provisions and websites, parsed)
    if not provisions or not websites:
        return
    last = provisions[-1]
    text = last['text'][:-1] + '（经核对）'
    site = websites[0]
    read_domains = '、'.join(site['domains'])
    file = base64.b64encode(pdf).decode()

    def post(corrections):
        st, ans, _ = e.post('/v1/scans/reviewed', json.dumps({'file': file, 'corrections': corrections}))
        return follow_job(e, ans['job']['url']) if st == 202 else None

    bad = post([{'field': 'websites[1].domains', 'read': read_domains, 'value': 'not a host!'}])
    check('a website\'s domains corrected to what is no host name are refused, nothing stored',
          bad and bad['status'] == 422 and 'not a host name' in json.dumps(bad, ensure_ascii=False), bad)
    unknown = post([{'field': 'websites[9].name', 'read': 'x', 'value': 'y'}])
    check('a correction naming a field the record lacks is refused',
          unknown and unknown['status'] == 422 and 'names no field' in json.dumps(unknown), unknown)
    done = post([{'field': 'company', 'read': misread, 'value': right},
                 {'field': 'provisions[%d].text' % last['no'], 'read': last['text'], 'value': text},
                 {'field': 'websites[1].domains', 'read': read_domains, 'value': 'a.example.cn，B.Example.cn'}])
    check('a provision and a website corrected on review are imported as a new version',
          done and done['status'] == 201 and done['body']['stored'] == 1, done)
    rc, out, err = run('get', '--db', db, '--json', record['number'])
    got = json.loads(out) if rc == 0 else {}
    check('the record holds the corrected provision and the domains as host names',
          [p['text'] for p in got.get('provisions', []) if p['no'] == last['no']] == [text]
          and got.get('websites', [{}])[0].get('domains') == ['a.example.cn', 'b.example.cn'], got)
    st, hist, _ = r.get('/v1/licenses/' + record['number'] + '/history')
    corr = hist['versions'][-1]['corrections'] if st == 200 else []
    check('the new version keeps the three corrections apart, by path',
          [c['field'] for c in corr] == ['company', 'provisions[%d].text' % last['no'], 'websites[1].domains'], hist)
    rc, out, err = run('audit', '--db', db, '--verify')
    check('the audit chain verifies after corrections of lists', rc == 0, out + err)


def test_baseline(srv, tok, number):
    """A registry filled today knows no earlier annual report: they are 'no filing recorded', not
    overdue, until the baseline says up to which year they were filed."""
    c = Client(srv, tok['alice-reader'])
    e = Client(srv, tok['bob-editor'])
    path = '/v1/licenses/' + number + '/obligations'
    st, body, _ = c.get('/v1/baseline')
    check('no baseline yet: filed_through is null', st == 200 and body['filed_through'] is None, body)
    st, body, _ = c.get(path)
    reports = [o for o in body.get('obligations', []) if o['duty'] == 'annual_report']
    unknown = [o['year'] for o in reports if o.get('no_filing_recorded')]
    check('reports due before the store knew the licence are no_filing_recorded, none overdue',
          st == 200 and len(unknown) >= 2 and not any(o['overdue'] for o in reports if o.get('no_filing_recorded')),
          reports)
    st, status, _ = c.get('/v1/status')
    check('status counts them', st == 200 and status['no_filing_recorded'] >= len(unknown), status)
    st, body, _ = c.post('/v1/baseline', json.dumps({'filed_through': 2024}))
    check('a reader may not record the baseline', st in (401, 403) and is_error(body), body)
    for bad in ({'filed_through': '2024'}, {'filed_through': 1999}, {'filed_through': 2999},
                {'filed_through': 2024, 'note': 'x' * 300}, {}):
        st, body, _ = e.post('/v1/baseline', json.dumps(bad))
        check(f'a bad baseline {str(bad)[:40]} is 400 saying what is accepted',
              st == 400 and is_error(body, 'bad_request'), body)
    first = min(unknown)
    st, body, _ = e.post('/v1/baseline', json.dumps({'filed_through': first, 'note': '核对过往年报'}))
    check('an editor records the baseline: 201, who and when', st == 201 and body['filed_through'] == first
          and body['recorded_by'] == 'bob-editor' and body['recorded_at'].endswith('+08:00'), body)
    st, body, _ = c.get('/v1/baseline')
    check('the baseline in force is read back', st == 200 and body['filed_through'] == first
          and body['note'] == '核对过往年报', body)
    st, body, _ = c.get(path)
    after = {o['year']: o for o in body.get('obligations', []) if o['duty'] == 'annual_report'}
    check('reports up to the baseline year are met by it; later ones still no filing recorded',
          after[first].get('baseline') is True and after[first]['fulfilled'] is True
          and all(after[y].get('no_filing_recorded') for y in unknown if y > first), after)
    st, later, _ = c.get('/v1/status')
    check('the status count falls', st == 200 and later['no_filing_recorded'] < status['no_filing_recorded'],
          (status['no_filing_recorded'], later['no_filing_recorded']))


def test_domains(srv, tok):
    c = Client(srv, tok['alice-reader'])
    st, body, _ = c.get('/v1/domains/www.xiaohe.cn?as_of=2026-11-23')
    check('domain check: covered, which licence, website and service, valid today',
          st == 200 and body['covered'] and body['licence']['number'].startswith('琼B2')
          and body['website']['domain'] == 'xiaohe.cn' and body['website']['service'] and body['valid'] is True, body)
    st, body, _ = c.get('/v1/domains/iyyhd.com?as_of=2030-01-01')
    check('domain check after expiry: covered but not valid', st == 200 and body['covered'] and body['valid'] is False, body)
    st, body, _ = c.get('/v1/domains/example.org')
    check('an uncovered host answers covered false', st == 200 and body['covered'] is False and body['valid'] is False, body)
    st, body, _ = c.get('/v1/domains/%20')
    check('an empty host is 400', st == 400 and is_error(body, 'bad_request'), body)


def test_rules(srv, tok, number):
    c = Client(srv, tok['alice-reader'])
    e = Client(srv, tok['bob-editor'])
    st, body, _ = c.get('/v1/status?as_of=2026-11-23')
    check('status: a row per licence with counts', st == 200 and len(body['licences']) == 6
          and sum(body['counts'].values()) == 6, body)
    st, body, _ = c.get('/v1/status?as_of=2026-11-23&limit=2')
    check('status rows are bounded by limit, counts and total cover all', st == 200 and len(body['licences']) == 2
          and body['total'] == 6 and body['truncated'] is True and sum(body['counts'].values()) == 6, body)
    st, body, _ = c.get('/v1/status?number=' + number)
    check('status of one licence', st == 200 and [r['number'] for r in body['licences']] == [number], body)
    st, body, _ = c.get('/v1/deadlines?as_of=2026-11-23&within=365')
    check('deadlines soonest first', st == 200 and [d['due'] for d in body['deadlines']] == sorted(d['due'] for d in body['deadlines'])
          and len(body['deadlines']) > 0, body)
    st, body, _ = c.get('/v1/deadlines?within=x')
    check('a malformed within is 400', st == 400 and is_error(body), body)
    st, text, r = c.get('/v1/calendar.ics?as_of=2026-11-23')
    check('calendar.ics is an iCalendar feed', st == 200 and r.getheader('Content-Type').startswith('text/calendar')
          and text.startswith('BEGIN:VCALENDAR') and 'BEGIN:VEVENT' in text, text[:200])
    st, body, _ = c.get('/v1/event-types')
    check('event types are listed', st == 200 and any(t['name'] == 'annual_report_filed' for t in body['types']), body)
    path = '/v1/licenses/' + number + '/events'
    st, body, _ = e.post(path, json.dumps({'type': 'annual_report_filed', 'date': '2026-03-01', 'year': 2025}))
    check('an editor records an event: 201 with its id', st == 201 and body['id'] > 0, body)
    event_id = body.get('id') if isinstance(body, dict) else None
    st, body, _ = c.get(path)
    check('the event is listed with its actor', st == 200 and body['events'][-1]['actor'] == 'bob-editor', body)
    st, body, _ = e.post(path, json.dumps({'type': 'incident', 'date': '2099-01-01'}))
    check('an event after today is 422 saying --planned would do', st == 422 and is_error(body, 'invalid_event')
          and 'planned' in body['error']['message'], body)
    st, body, _ = e.post(path, json.dumps({'type': 'incident', 'date': '2099-01-01', 'planned': True}))
    check('a planned trigger after today is 201', st == 201, body)
    st, body, _ = c.post(f'/v1/events/{event_id}/void', json.dumps({'reason': 'typed the wrong year'}))
    check('a reader may not void an event', st in (401, 403) and is_error(body), body)
    st, body, _ = e.post(f'/v1/events/{event_id}/void', json.dumps({}))
    check('voiding needs a reason: 400', st == 400 and is_error(body, 'bad_request'), body)
    st, body, _ = e.post(f'/v1/events/{event_id}/void', json.dumps({'reason': 'typed the wrong year'}))
    check('an editor voids an event: 200', st == 200 and body['voided'] is True and body['number'] == number, body)
    st, body, _ = e.post(f'/v1/events/{event_id}/void', json.dumps({'reason': 'again'}))
    check('voiding it again is 409', st == 409 and is_error(body, 'conflict'), body)
    st, body, _ = e.post('/v1/events/99999999/void', json.dumps({'reason': 'x'}))
    check('voiding an unknown event is 404', st == 404 and is_error(body, 'not_found'), body)
    st, body, _ = c.get(path)
    voided = [ev for ev in body.get('events', []) if ev['id'] == event_id]
    check('the voided event is still listed, marked, with its reason', st == 200 and voided and voided[0]['voided']
          and voided[0]['void']['reason'] == 'typed the wrong year', body)
    st, body, _ = e.post(path, json.dumps({'type': 'no_such_type', 'date': '2026-03-01'}))
    check('an unknown event type is 422', st == 422 and is_error(body, 'invalid_event'), body)
    st, body, _ = e.post(path, '{"type": ')
    check('a body that is not JSON is 400', st == 400 and is_error(body, 'bad_request'), body)
    st, body, _ = e.post(path, json.dumps({'type': 'annual_report_filed', 'date': '1 March'}))
    check('a malformed event date is 400', st == 400 and is_error(body), body)
    st, body, _ = e.post(path, json.dumps([1, 2]))
    check('a JSON body that is not an object is 400', st == 400 and is_error(body), body)
    st, body, _ = e.post('/v1/licenses/京B2-20990000/events', json.dumps({'type': 'annual_report_filed', 'date': '2026-03-01', 'year': 2025}))
    check('an event for an unknown licence is 404', st == 404 and is_error(body, 'not_found'), body)


def test_writes(srv, tok, db):
    e = Client(srv, tok['bob-editor'])
    bad = b'\xe5\xa2\x9e\xe5\x80\xbc\xe7\x94\xb5\xe4\xbf\xa1\xe4\xb8\x9a\xe5\x8a\xa1\xe7\xbb\x8f\xe8\x90\xa5\xe8\xae\xb8\xe5\x8f\xaf\xe8\xaf\x81\n\xe7\xbc\x96\xe5\x8f\xb7\xef\xbc\x9a\xe4\xba\xacB2-20991234\n'
    st, body, _ = e.post('/v1/parse', bad)
    check('parse of a broken licence: 422 with problems and lines', st == 422 and is_error(body, 'invalid_document')
          and body['error']['problems'] and body['valid'] is False, body)
    st, body, _ = e.post('/v1/parse', b'just some words, not a licence at all')
    check('parse of prose: 422', st == 422 and is_error(body, 'invalid_document'), body)
    st, body, _ = e.post('/v1/parse', b'\x00\x01\x02binary')
    check('parse of binary: 422', st == 422 and is_error(body), body)
    new = [d for d in docs(DOCS) if 'cross_regional' in d][0]
    st, body, _ = e.post('/v1/licenses', read(new))
    check('import a document: 201 new', st == 201 and body['stored'] == 1 and body['results'][0]['outcome'] == 'new', body)
    st, body, _ = e.post('/v1/licenses', read(new))
    check('import it again: 200 unchanged', st == 200 and body['unchanged'] == 1, body)
    rec = json.load(open(new[:-4] + '.json', encoding='utf-8'))
    rec['legal_representative'] = '王五'
    st, body, _ = e.post('/v1/licenses', json.dumps(rec, ensure_ascii=False).encode())
    check('import a changed JSON record: a new version', st == 201 and body['results'][0]['outcome'] == 'version'
          and body['results'][0]['version'] == 2, body)
    st, body, _ = e.get('/v1/licenses/' + rec['number'] + '/diff')
    check('diff shows the changed field', st == 200 and any(ch['field'] == 'legal_representative' for ch in body['changes']), body)
    st, body, _ = e.get('/v1/licenses/' + rec['number'] + '/diff?from=1&to=2')
    check('diff with from and to', st == 200 and body['from'] == 1 and body['to'] == 2, body)
    st, body, _ = e.post('/v1/licenses', bad)
    check('import of a broken document: 422, nothing stored', st == 422 and body['failed'] == 1 and body['stored'] == 0, body)
    st, body, _ = e.request('DELETE', '/v1/licenses/' + rec['number'])
    check('delete without a reason is 400', st == 400 and is_error(body, 'bad_request'), body)
    st, body, _ = e.request('DELETE', '/v1/licenses/' + rec['number'] + '?reason=' + urllib.parse.quote('注销'))
    check('delete with a reason', st == 200 and body['status'] == 'removed', body)
    st, body, _ = e.request('DELETE', '/v1/licenses/' + rec['number'], body=json.dumps({'reason': 'again'}),
                            headers={'Content-Type': 'application/json'})
    check('delete of a removed licence is 409', st == 409 and is_error(body, 'conflict'), body)
    st, body, _ = e.request('DELETE', '/v1/licenses/京B2-20990000?reason=x')
    check('delete of an unknown licence is 404', st == 404 and is_error(body, 'not_found'), body)
    st, body, _ = e.get('/v1/licenses/' + rec['number'])
    check('a removed licence is kept, marked removed', st == 200 and body['status'] == 'removed' and body['removed_reason'] == '注销', body)
    rc, out, _ = run('audit', '--db', db, '--json')
    entries = json.loads(out)
    check('the audit trail names the token as the actor', rc == 0 and any(x['actor'] == 'bob-editor' and x['action'] == 'remove' for x in entries), out[-500:])
    rc, out, _ = run('audit', '--db', db, '--verify')
    check('the audit chain verifies after API writes', rc == 0, out)


def test_errors(srv, tok):
    c = Client(srv, tok['alice-reader'])
    st, body, _ = c.get('/v1/nothing-here')
    check('an unknown API path is 404', st == 404 and is_error(body, 'not_found'), body)
    st, body, r = c.request('PUT', '/v1/licenses')
    check('a wrong method is 405 with Allow', st == 405 and is_error(body, 'method_not_allowed') and 'GET' in r.getheader('Allow'), body)
    st, body, _ = c.get('/static/../../etc/passwd')
    check('path traversal on the pages is 404', st == 404 and is_error(body), body)
    st, body, _ = c.get('/%2e%2e/%2e%2e/etc/passwd')
    check('encoded path traversal is 404', st == 404 and is_error(body), body)
    st, text, r = c.get('/')
    check('/ serves the web page', st == 200 and r.getheader('Content-Type').startswith('text/html') and '<script src="/app.js"' in text)
    st, text, r = c.get('/l/京B2-20224676')
    check('app routes serve the page (the browser routes them)', st == 200 and 'app.js' in text)
    st, _, r = c.get('/app.js')
    check('scripts are served with their type', st == 200 and r.getheader('Content-Type').startswith('text/javascript'))
    q = '&'.join(f'a{i}=1' for i in range(40))
    st, body, _ = c.get('/v1/licenses?' + q)
    check('too many query arguments is 400', st == 400 and is_error(body), body)
    st, body, _ = c.get("/v1/licenses?company=' OR 1=1; DROP TABLE licences; --")
    check('SQL metacharacters are only text', st == 200 and body['count'] == 0, body)
    st, body, _ = c.get('/v1/licenses?count=6')
    check('the registry is intact after that', st == 200 and body['count'] >= 6, body)


def raw(port, data, read_timeout=5):
    return checks.raw_http(port, data, read_timeout)


status_of = checks.http_status


def test_limits(srv, tok):
    t = tok['bob-editor']
    # refused from Content-Length alone, before the body is read
    s = socket.create_connection(('127.0.0.1', srv.port), timeout=10)
    s.sendall(b'POST /v1/parse HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' + t.encode() +
              b'\r\nContent-Length: %d\r\n\r\n' % (20 * 1024 * 1024 + 1) + b'x' * 1000)
    resp = s.recv(65536)
    s.close()
    check('a body over 20 MiB is 413 in the error form, before it is read',
          status_of(resp) == 413 and b'payload_too_large' in resp, resp[:300])
    conform('POST', '/v1/parse', 413, 'application/json', resp.partition(b'\r\n\r\n')[2])
    # a Content-Length that is no number of bytes is 400; one past any 64-bit count is 413
    def declared(value):
        return status_of(raw(srv.port, b'POST /v1/parse HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' +
                             t.encode() + b'\r\nConnection: close\r\nContent-Length: ' + value +
                             b'\r\n\r\nabcde', 10))
    garbage = [b'-5', b'abc', b'12abc', b'+5', b'0x5', b'5, 5', b'5 5', b'', b'5.0']
    got = {v: declared(v) for v in garbage}
    check('a Content-Length that is not a decimal count of bytes is 400',
          all(st == 400 for st in got.values()), got)
    got = {v: declared(v) for v in (b'18446744073709551615', b'18446744073709551616', b'9' * 40)}
    check('a Content-Length past 64 bits is 413, not read as a small number',
          all(st == 413 for st in got.values()), got)
    # a chunked body without Content-Length that grows over the limit
    chunk = b'y' * 65536
    data = (b'POST /v1/parse HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' + t.encode() +
            b'\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
            b''.join(b'%x\r\n' % len(chunk) + chunk + b'\r\n' for _ in range(330)) + b'0\r\n\r\n')
    resp = raw(srv.port, data, 10)
    check('a chunked body over the limit is 413', status_of(resp) == 413 and b'payload_too_large' in resp, resp[:300])
    st, body, _ = Client(srv, t).post('/v1/parse', '增值电信业务经营许可证\n'.encode() * 300000)
    check('a text document over its 4 MiB limit is 413', st == 413 and is_error(body, 'payload_too_large'), body)
    data = b'GET /v1/licenses HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * 20000 + b'\r\nConnection: close\r\n\r\n'
    resp = raw(srv.port, data)
    check('headers over the limit are 431 in the error form', status_of(resp) == 431 and b'headers_too_large' in resp, resp[:300])
    resp = raw(srv.port, b'GARBAGE\r\n\r\n')
    check('a malformed request line is closed without an answer', resp == b'' or status_of(resp) == 400, resp[:200])
    st, body, _ = Client(srv).get('/healthz')
    check('the server still answers after all that', st == 200, body)


def test_connections_and_slow_clients(db, tok):
    srv = Server(db, '--max-connections', '8', '--per-ip', '8', '--idle-timeout', '2', '--public-read')
    try:
        idle = [socket.create_connection(('127.0.0.1', srv.port)) for _ in range(8)]
        time.sleep(0.3)
        refused = False
        try:
            extra = socket.create_connection(('127.0.0.1', srv.port), timeout=3)
            extra.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
            refused = extra.recv(100) == b''
            extra.close()
        except (ConnectionResetError, socket.timeout, BrokenPipeError):
            refused = True
        check('a connection over --max-connections is closed', refused)
        time.sleep(2.8)
        closed = 0
        for s in idle:
            s.settimeout(1)
            try:
                closed += s.recv(10) == b''
            except (ConnectionResetError, socket.timeout):
                closed += 1
            s.close()
        check('idle connections are closed after --idle-timeout', closed == 8, closed)
        # a slow client trickling its headers does not hold up others
        slow = socket.create_connection(('127.0.0.1', srv.port))
        stop = threading.Event()

        def trickle():
            for b in b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + b'z' * 100:
                if stop.is_set():
                    return
                try:
                    slow.sendall(bytes([b]))
                except OSError:
                    return
                time.sleep(0.05)
        th = threading.Thread(target=trickle)
        th.start()
        t0 = time.time()
        answers = [Client(srv).get('/v1/licenses?limit=1')[0] for _ in range(20)]
        took = time.time() - t0
        stop.set()
        th.join()
        slow.close()
        check('a slow client does not hold up other requests', answers == [200] * 20 and took < 5, (answers, took))
        t0 = time.time()
        s = socket.create_connection(('127.0.0.1', srv.port))
        s.sendall(b'GET /healthz HTTP/1.1\r\n')
        s.settimeout(10)
        try:
            got = s.recv(100)
        except (ConnectionResetError, socket.timeout):
            got = b'?'
        s.close()
        check('a client that stops mid-request is cut off after the idle timeout', got == b'' and time.time() - t0 < 6, (got, time.time() - t0))
    finally:
        srv.stop()


def test_rate_limit(db, tok):
    srv = Server(db, '--rate', '5', '--burst', '5')
    try:
        c = Client(srv, tok['alice-reader'])
        statuses = [c.get('/v1/licenses?limit=1')[0] for _ in range(12)]
        st, body, r = c.get('/v1/licenses?limit=1')
        check('over the rate: 429 with Retry-After in the error form', 429 in statuses and st == 429
              and is_error(body, 'too_many_requests') and int(r.getheader('Retry-After')) >= 1, (statuses, body))
        other = Client(srv, tok['bob-editor'])
        check('the limit is per token', other.get('/v1/licenses?limit=1')[0] == 200)
        anon = Client(srv)
        health = [anon.get('/healthz')[0] for _ in range(20)]
        check('a health check polled past the rate is not limited (a load balancer would take '
              'the server for down)', health == [200] * 20, health)
        check('... while other anonymous requests from its address are',
              any(anon.get('/v1/event-types')[0] == 429 for _ in range(12)))
        time.sleep(1.3)
        check('the bucket refills', c.get('/v1/licenses?limit=1')[0] == 200)
    finally:
        srv.stop()


def test_access_log_and_shutdown(srv, tok):
    rc = srv.stop()
    check('SIGTERM stops the server cleanly (exit 0)', rc == 0, (rc, open(srv.err).read()[-2000:]))
    every = [json.loads(l) for l in open(srv.log, encoding='utf-8') if l.strip()]
    lines = [l for l in every if 'transport' not in l]
    transport = [l for l in every if 'transport' in l]
    keys = {'time', 'client', 'method', 'path', 'status', 'bytes', 'us', 'token'}
    check('one JSON access-log line per request with every field', len(lines) > 50 and all(keys <= set(l) for l in lines), lines[:2])
    check('status, bytes and µs are whole numbers, a 404 logged as 404',
          all(type(l[k]) is int and l[k] >= 0 for l in lines for k in ('status', 'bytes', 'us'))
          and any(l['status'] == 404 for l in lines) and any(l['status'] == 200 and l['bytes'] > 0 for l in lines),
          lines[:2])
    check('the transport\'s own messages are JSON lines too (time, message, how many left out)',
          all({'time', 'transport', 'suppressed_before'} <= set(l) for l in transport), transport[:2])
    check('the access log names tokens, never their text', any(l['token'] == 'bob-editor' for l in lines)
          and all(t not in open(srv.log, encoding='utf-8').read() for t in tok.values()))


def test_graceful_shutdown(db, tok):
    srv = Server(db)
    records = []
    for d in docs(SEEDS) + docs(DOCS):
        records.append(json.loads(subprocess.run([XUKE, 'parse', '--json', d], capture_output=True).stdout))
    bulk = []
    for i in range(400):  # distinct numbers so every one is stored
        r = json.loads(json.dumps(records[i % len(records)]))
        r['number'] = re.sub(r'\d{4}$', '%04d' % (5000 + i), r['number'])
        bulk.append(json.dumps(r, ensure_ascii=False))
    body = '\n'.join(bulk).encode()
    out = {}

    def post():
        out['r'] = Client(srv, tok['bob-editor']).post('/v1/licenses', body)
    th = threading.Thread(target=post)
    th.start()
    time.sleep(0.05)
    srv.proc.send_signal(signal.SIGTERM)
    th.join(60)
    rc = srv.proc.wait(timeout=30)
    st = out.get('r', (None,))[0]
    check('a request in flight at SIGTERM is finished before the server exits', st in (201, 422) and rc == 0,
          (st, rc, str(out.get('r', ''))[:300]))


def test_subscriptions(srv, tok):
    """Reminder subscriptions over the API: editors change them, readers only read, secrets are
    never accepted nor returned (a secret file's path stays on the server)."""
    reader, editor = Client(srv, tok['alice-reader']), Client(srv, tok['bob-editor'])
    secret = os.path.join(TMP, 'hook.secret')
    with open(secret, 'w') as f:
        f.write('api-hook-secret\n')
    os.chmod(secret, 0o600)
    good = {'channel': 'webhook', 'to': 'http://127.0.0.1:9/hook', 'secret_file': secret,
            'licences': ['京B2-20224676'], 'days': [60, 7], 'overdue': 'daily', 'lang': 'en',
            'quiet': '22:00-08:00'}
    st, body, _ = reader.post('/v1/subscriptions', json.dumps(good))
    check('subscriptions: a reader may not subscribe (403)', st == 403, (st, body))
    st, body, _ = editor.post('/v1/subscriptions', json.dumps(good))
    check('subscriptions: an editor subscribes (201) and the answer names no secret',
          st == 201 and body.get('has_secret') is True and 'secret_file' not in body and
          'api-hook-secret' not in json.dumps(body) and body.get('days') == [60, 7], (st, body))
    sid = body.get('id') if isinstance(body, dict) else None
    for bad, words in ((dict(good, secret='x'), 'secret_file'), (dict(good, channel='slack'), 'channel'),
                       (dict(good, days=[7, 60]), 'out of order'), (dict(good, to='ftp://x'), 'http')):
        st, body, _ = editor.post('/v1/subscriptions', json.dumps(bad))
        check(f'subscriptions: refused with 400 naming the problem ({words})',
              st == 400 and words in body['error']['message'], (st, body))
    st, body, _ = reader.get('/v1/subscriptions')
    check('subscriptions: listed for a reader, without secrets',
          st == 200 and [s['id'] for s in body['subscriptions']] == [sid] and
          'api-hook-secret' not in json.dumps(body) and secret not in json.dumps(body), (st, body))
    st, body, _ = reader.get('/v1/notifications?failed=1')
    check('notifications: the delivery log (empty before any run)',
          st == 200 and body == {'notifications': []}, (st, body))
    st, body, _ = reader.request('DELETE', f'/v1/subscriptions/{sid}')
    check('subscriptions: a reader may not remove (403)', st == 403, (st, body))
    st, body, _ = editor.request('DELETE', f'/v1/subscriptions/{sid}')
    check('subscriptions: an editor removes', st == 200 and body == {'id': sid, 'removed': True},
          (st, body))
    st, body, _ = editor.request('DELETE', f'/v1/subscriptions/{sid}')
    check('subscriptions: removing again is 404', st == 404, (st, body))
    st, body, _ = editor.request('DELETE', '/v1/subscriptions/x1')
    check('subscriptions: a malformed id is 400', st == 400, (st, body))


def test_session(srv):
    """The sign-in routes answer as documented without a session (e2e_accounts tests them
    signed in)."""
    anon = Client(srv)
    st, body, _ = anon.get('/v1/session')
    check('GET /v1/session without a session is 401', st == 401 and is_error(body), body)
    st, body, _ = anon.post('/v1/session', json.dumps({'name': 'nobody', 'password': 'x' * 12}),
                            headers={'Content-Type': 'application/json'})
    check('signing in as an unknown account is 401', st == 401 and is_error(body), body)
    st, body, _ = anon.request('DELETE', '/v1/session')
    check('signing out without a session is 401', st == 401 and is_error(body), body)


def test_openapi_coverage():
    documented = {(m.upper(), p) for p, ops in SPEC['paths'].items() for m in ops}
    missing = documented - called
    check('every documented operation was called', not missing, sorted(missing))
    check('every answer matched the OpenAPI document (status, type, schema)', not mismatches, '\n'.join(mismatches[:20]))


def main():
    db, tok = make_store('api.db')
    srv = Server(db)
    try:
        test_tokens(srv, tok)
        number = test_licences(srv, tok)
        test_search_and_pages(srv, tok)
        test_domains(srv, tok)
        test_rules(srv, tok, number)
        test_evidence(srv, tok, number, db)
        test_baseline(srv, tok, number)
        test_writes(srv, tok, db)
        test_subscriptions(srv, tok)
        test_session(srv)
        test_errors(srv, tok)
        test_limits(srv, tok)
        test_access_log_and_shutdown(srv, tok)
    finally:
        srv.stop()
    test_connections_and_slow_clients(db, tok)
    test_rate_limit(db, tok)
    test_graceful_shutdown(db, tok)
    test_reviewed_scan()
    test_openapi_coverage()
    print(f"{results['passed']} passed, {results['failed']} failed")
    stores.drop_all()
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(1 if results['failed'] else 0)


if __name__ == '__main__':
    main()
