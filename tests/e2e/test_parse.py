"""End-to-end tests of `xuke parse`: the real binary on the seed licences, on messy variants made
from them here, on hand-written licences of other shapes, and on bad input.

usage: test_parse.py XUKE_BINARY FIXTURES_DIR
Prints one line per test and closes with 'N passed, N failed'."""
import glob
import json
import os
import select
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import variants  # noqa: E402

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix='xuke-e2e-')
results = {'passed': 0, 'failed': 0}


def run(*args, stdin=None):
    p = subprocess.run([XUKE, *args], input=stdin, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok   ' if ok else 'FAIL ') + name + ('' if ok else '\n     ' + detail[:2000]))


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode('utf-8'))
    return path


def parse_json(path):
    rc, out, err = run('parse', '--json', path)
    if rc != 0:
        return None, err
    try:
        return json.loads(out), err
    except ValueError as e:
        return None, f'bad JSON: {e}: {out[:200]}'


def first_difference(a, b, path=''):
    if type(a) is not type(b):
        return f'{path}: {a!r} != {b!r}'
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f'{path}.{k}: present on one side only'
            d = first_difference(a[k], b[k], f'{path}.{k}')
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f'{path}: {len(a)} items != {len(b)} items'
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f'{path}[{i}]')
            if d:
                return d
        return None
    return None if a == b else f'{path}: {a!r} != {b!r}'


def without_warnings(rec):
    rec = dict(rec)
    rec.pop('warnings', None)
    return rec


def test_expected_records():
    """Every fixture document with a .json beside it parses to exactly that record."""
    docs = sorted(glob.glob(os.path.join(FIXTURES, '**', '*.txt'), recursive=True))
    for doc in docs:
        expected_path = doc[:-4] + '.json'
        if not os.path.exists(expected_path):
            continue
        with open(expected_path, encoding='utf-8') as f:
            expected = json.load(f)
        got, err = parse_json(doc)
        name = 'record ' + os.path.relpath(doc, FIXTURES)
        check(name, got is not None and first_difference(got, expected) is None,
              err if got is None else first_difference(got, expected) or '')


def seeds():
    for doc in sorted(glob.glob(os.path.join(FIXTURES, 'seeds', '*.txt'))):
        with open(doc, encoding='utf-8') as f:
            text = f.read()
        with open(doc[:-4] + '.json', encoding='utf-8') as f:
            yield os.path.basename(doc)[:3], text, json.load(f)


def test_messy_variants():
    """Each transformation of each seed still gives the seed's record (warnings aside)."""
    for seed, text, expected in seeds():
        cases = [(n, fn(text)) for n, fn in variants.TEXT_VARIANTS.items()]
        cases += [(n, fn(text)) for n, fn in variants.BYTE_VARIANTS.items()]
        for vname, data in cases:
            path = write(f'{seed}_{vname}.txt', data)
            got, err = parse_json(path)
            diff = None if got is None else first_difference(without_warnings(got),
                                                             without_warnings(expected))
            check(f'variant {vname} of seed {seed}', got is not None and diff is None,
                  err if got is None else diff)


def test_stdin_and_json_lines():
    seed_files = sorted(glob.glob(os.path.join(FIXTURES, 'seeds', '*.txt')))
    with open(seed_files[0], 'rb') as f:
        rc, out, _ = run('parse', '--json', '-', stdin=f.read())
    check('stdin: - reads the document from standard input',
          rc == 0 and json.loads(out)['number'] == '琼B2-20220293', out[:200])
    rc, out, err = run('parse', '--json', *seed_files)
    lines = out.strip().split('\n')
    check('several files print one JSON object per line',
          rc == 0 and len(lines) == 4 and all(json.loads(l)['number'] for l in lines), err)
    rc, out, _ = run('parse', seed_files[3])
    check('readable summary names number, company and services',
          rc == 0 and '京B2-20224676' in out and '好美信息技术（北京）有限公司' in out
          and 'B25 信息服务业务' in out, out[:300])


def expect_failure(name, args, data, *needles):
    path = write(name.replace(' ', '_') + '.txt', data) if data is not None else None
    argv = [a if a != '{}' else path for a in args]
    rc, out, err = run(*argv)
    ok = rc != 0 and out == '' and all(n in err for n in needles) and 'Sanitizer' not in err
    check('refused: ' + name, ok, f'rc={rc} out={out[:200]!r} err={err[:400]!r}')
    return err


def seed_text(prefix):
    for seed, text, _ in seeds():
        if seed == prefix:
            return text
    raise KeyError(prefix)


def test_bad_input():
    expect_failure('empty file', ['parse', '{}'], b'', 'empty')
    expect_failure('white space only', ['parse', '{}'], b'  \n\n\t\n', 'only white space')
    expect_failure('binary junk', ['parse', '{}'], bytes(range(256)) * 8, 'binary')
    expect_failure('over the size limit', ['parse', '--max-size', '1K', '{}'],
                   seed_text('000'), 'over the 1024-byte limit')
    expect_failure('not a licence', ['parse', '{}'], '今天天气很好。\n我们去公园散步吧。\n' * 20,
                   'not a value-added telecom licence')
    expect_failure('an ICP filing number', ['parse', '{}'], '京ICP备10046444号-9\n',
                   'ICP filing')
    expect_failure('an ICP licence number', ['parse', '{}'], '京ICP证030173号\n', 'ICP licence number')
    expect_failure('invalid encoding', ['parse', '{}'], b'\xff\xfe\xfd' * 3 + b'abc\x80\x80', '')
    expect_failure('missing file', ['parse', os.path.join(TMP, 'no-such-file.txt')], None,
                   'cannot open')
    expect_failure('a directory', ['parse', TMP], None, 'is a directory')

    text = seed_text('003')
    lines = text.split('\n')
    exp_line = next(i for i, l in enumerate(lines) if l.startswith('有效期至')) + 1
    damaged = text.replace('有效期至：2027年 1月 29日', '有效期至：')
    expect_failure('expiry date missing', ['parse', '{}'], damaged,
                   f':{exp_line}: error: 有效期至 is missing')
    expect_failure('six years of validity', ['parse', '{}'],
                   text.replace('2027年 1月 29日', '2029年 1月 29日'), 'more than five years')
    expect_failure('expiry before issue', ['parse', '{}'],
                   text.replace('2027年 1月 29日', '2022年 1月 29日'), 'is before 发证日期')
    expect_failure('impossible date', ['parse', '{}'],
                   text.replace('2027年 1月 29日', '2027年 2月 30日'), 'not a valid date')
    expect_failure('number year after issue year', ['parse', '{}'],
                   text.replace('B2-20224676', 'B2-20244676'), 'after the issue year')
    expect_failure('basic telecom number', ['parse', '{}'],
                   text.replace('B2-20224676', 'A2-20224676'), 'basic telecom')
    expect_failure('unknown region', ['parse', '{}'],
                   text.replace('京B2-20224676', '港B2-20224676'), 'not one of the 31 province')
    expect_failure('service outside the category', ['parse', '{}'],
                   text.replace('信息服务业务（仅限互联网信息服务）', '互联网数据中心业务（仅限互联网资源协作服务）', 1),
                   'category B1 service')
    rc, out, err = run('parse', '--json', write('invalid_domain.txt',
                                                text.replace('iyyhd.com', 'iyyhd..com')))
    got = json.loads(out) if rc == 0 and out.strip() else {}
    check('an invalid host keeps the record and flags its website',
          rc == 0 and 'iyyhd..com' not in json.dumps(got.get('websites'))
          and any(w.startswith('needs review: 网站 1') and 'iyyhd..com' in w
                  and 'not a valid host name' in w for w in got.get('warnings', [])),
          (rc, err[-400:]))
    expect_failure('company missing', ['parse', '{}'],
                   '\n'.join(l for l in lines if not l.startswith(('公司名称', '《特别规定事项》', '好美信息技术(北京)有限公司获准'))),
                   '公司名称 is missing')
    expect_failure('bad --max-size', ['parse', '--max-size', 'lots', '{}'], 'x', 'max-size')
    rc, _, err = run('parse')
    check('no file given is a usage error (exit 2)', rc == 2 and 'usage' in err, err)


def test_mixed_batch():
    good = sorted(glob.glob(os.path.join(FIXTURES, 'seeds', '*.txt')))[0]
    bad = write('batch_bad.txt', b'')
    rc, out, err = run('parse', '--json', good, bad)
    check('a batch with one bad file prints the good record and exits 1',
          rc == 1 and len(out.strip().split('\n')) == 1 and 'batch_bad.txt: empty' in err, err)


def test_many_files_keep_their_order():
    """More files than one batch parsed side by side (XK_PARSE_BATCH, 32): the records and the
    refusals still come in the order of the arguments, each record the one its file's expected
    JSON names, and a file's warnings on stderr between the refusals around it."""
    seed_list = list(seeds())
    paths, expected_numbers, expected_refused = [], [], []
    for i in range(75):
        if i % 17 == 5:
            paths.append(write(f'order_{i:03d}_bad.txt', b''))
            expected_refused.append(f'order_{i:03d}_bad.txt: empty')
            continue
        seed, text, record = seed_list[i % len(seed_list)]
        paths.append(write(f'order_{i:03d}_{seed}.txt', text))
        expected_numbers.append(record['number'])
    rc, out, err = run('parse', '--json', *paths)
    numbers = [json.loads(line)['number'] for line in out.strip().split('\n')]
    check('75 files: the JSON lines come in the order of the arguments',
          rc == 1 and numbers == expected_numbers, (rc, numbers[:8], expected_numbers[:8]))
    refused = [line for line in err.split('\n') if '_bad.txt' in line]
    check('75 files: each refusal names its file, in the order of the arguments',
          len(refused) == len(expected_refused)
          and all(line[line.index('order_'):].startswith(want)
                  for line, want in zip(refused, expected_refused)),
          str((refused[:5], expected_refused[:5])))
    named = [line[line.index('order_'):line.index('order_') + 9] for line in err.split('\n')
             if 'order_' in line]
    check('75 files: stderr names the files in the order of the arguments',
          named == sorted(named), str(named[:10]))


def test_records_come_as_they_are_done():
    """A record is printed as soon as it and those before it are done, not when the files after
    it are: the second argument is a FIFO nobody writes to until the first record has come out
    (parse would otherwise wait for it forever)."""
    seed, text, record = next(iter(seeds()))
    first = write('stream_first.txt', text)
    fifo = os.path.join(TMP, 'stream_second.txt')
    os.mkfifo(fifo)
    p = subprocess.Popen([XUKE, 'parse', '--json', first, fifo], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    got, deadline = b'', time.monotonic() + 120
    while b'\n' not in got and time.monotonic() < deadline:  # the first line, or give up
        ready, _, _ = select.select([p.stdout], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(p.stdout.fileno(), 65536) if ready else b''
        if ready and not chunk:
            break
        got += chunk
    line = got.split(b'\n')[0].decode('utf-8', 'replace')
    try:
        number = json.loads(line)['number']
    except (ValueError, KeyError):
        number = None
    check('the first record comes out while the second file is still being read',
          number == record['number'], line[:200])
    with open(fifo, 'wb') as f:  # lets parse go on either way
        f.write(text if isinstance(text, bytes) else text.encode('utf-8'))
    out, err = p.communicate(timeout=120)
    second = (got + out).split(b'\n', 1)[1].decode('utf-8', 'replace').strip() \
        if b'\n' in got + out else ''
    err = err.decode('utf-8', 'replace')
    check('the second record follows once its file is written',
          p.returncode == 0 and second and json.loads(second)['number'] == record['number'],
          f'rc={p.returncode} {err[:300]!r}')


def test_pathological_input_is_bounded():
    """Documents of the size limit built to provoke quadratic work finish (run() has a 60 s
    timeout) and are refused cleanly."""
    head = '经营许可证编号：京B2-20224676\n公司名称：甲公司\n法定代表人：张三\n业务种类：信息服务业务'
    shapes = {
        'repeated label lines': ('业务种类：信息服务业务（不含' + '、不含' * 50 + '\n') * 8000,
        'many condition brackets': head + ''.join(f'【{i}】' for i in range(300000)),
        'one huge distinct exclusion list': head + '(不含' + ''.join(f'、x{i}' for i in range(400000)) + ')',
        'one endless provision': head + '\n特别规定事项\n一、' + '你' * 1300000,
        'endless wrapped company': '公司名称：' + '甲\n' * 1000000,
    }
    for name, text in shapes.items():
        data = text.encode('utf-8')[: 4 * 1024 * 1024]
        path = write('pathological.txt', data)
        rc, out, err = run('parse', path)
        check(f'pathological document ({name}) ends without a crash',
              rc == 1 and 'Sanitizer' not in err and 'Segmentation' not in err, err[-300:])


def test_mutated_documents_never_crash():
    """300 seeds mutated deterministically (byte flips, truncation, shuffled lines, repeated
    chunks, inserted label fragments, re-encoding) in one run: every one is parsed or refused,
    exit 0 or 1, never a crash or a sanitizer report."""
    import random
    frags = ['经营许可证编号：', '业务种类', '(附页)', '特别规定事项', '获准经营', '网站域名：', '有效期至：',
             '（一）', '十六、', '【', '】', '(', '不含', '仅限', '含', '覆盖范围：', '\n', '：', '、',
             '2027年 ]月', '京B2-2O2', '1、', '(1)', '注册资本：']
    seeds_bytes = [text.encode('utf-8') for _, text, _ in seeds()]
    rng = random.Random(20261123)
    paths = []
    for i in range(300):
        d = bytearray(rng.choice(seeds_bytes))
        op = i % 6
        if op == 0:
            for _ in range(rng.randint(1, 50)):
                d[rng.randrange(len(d))] = rng.randrange(256)
        elif op == 1:
            d = d[:rng.randrange(len(d))]
        elif op == 2:
            lines = d.split(b'\n')
            rng.shuffle(lines)
            d = bytearray(b'\n'.join(lines))
        elif op == 3:
            a = rng.randrange(len(d))
            b = min(len(d), a + rng.randint(1, 2000))
            d = d[:b] + d[a:b] * rng.randint(1, 20) + d[b:]
        else:
            t = d.decode('utf-8', 'ignore')
            for _ in range(rng.randint(1, 30)):
                p = rng.randrange(len(t) + 1)
                t = t[:p] + rng.choice(frags) + t[p:]
            d = bytearray(t.encode('gb18030') if op == 5 else t.encode('utf-8'))
        paths.append(write(f'mutated_{i:03d}.txt', bytes(d)))
    rc, out, err = run('parse', '--json', *paths)
    bad = [l for l in err.split('\n') if 'Sanitizer' in l or 'runtime error' in l]
    check('300 mutated documents: no crash, no sanitizer report', rc in (0, 1) and not bad,
          f'rc={rc} {bad[:3]}')

test_expected_records()
test_messy_variants()
test_stdin_and_json_lines()
test_bad_input()
test_mixed_batch()
test_many_files_keep_their_order()
test_records_come_as_they_are_done()
test_pathological_input_is_bounded()
test_mutated_documents_never_crash()
print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results['failed'] else 0)
