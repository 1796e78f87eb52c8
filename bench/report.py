#!/usr/bin/python3
"""`make bench`: runs every benchmark and writes docs/BENCHMARKS.md from what it measured —
machine, date, each figure beside its reference from the same run, the command that reproduces
it, and the targets with the measured value. Nothing in the file is typed by hand; the history
and the analysis live in docs/PERFORMANCE.md.

usage: report.py BUILD_DIR OUT_MD [--count N] [--scales 1000,10000,...] [--ocr-styles a,b]
                 [--skip-ocr]"""
import argparse
import datetime
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(argv, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, **kw)
    if p.returncode:
        sys.exit(f'{argv[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}')
    return p.stdout


def measured(argv):
    """Runs argv; returns its stdout, wall seconds and peak RSS in MiB (wait4)."""
    t0 = time.time()
    with open(os.devnull, 'w') as null:
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=null, text=True)
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status):
        sys.exit(f'{" ".join(argv)} failed')
    return out, time.time() - t0, usage.ru_maxrss / 1024


def machine():
    cpu = re.search(r'model name\s*:\s*(.*)', open('/proc/cpuinfo').read())
    mem = int(re.search(r'MemTotal:\s+(\d+)', open('/proc/meminfo').read()).group(1)) / 1048576
    gcc = sh(['gcc', '--version']).splitlines()[0]
    commit = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], capture_output=True,
                            text=True).stdout.strip() or 'unknown'
    dirty = subprocess.run(['git', '-C', ROOT, 'status', '--porcelain', '--untracked-files=no'],
                           capture_output=True, text=True).stdout.strip()
    return (f'{os.cpu_count()} CPUs ({cpu.group(1) if cpu else "unknown"}), {mem:.0f} GiB, '
            f'Linux {platform.release()}, {gcc}, build RelWithDebInfo (-O2); '
            f'commit {commit}{" with uncommitted changes" if dirty else ""}')


def extraction(build):
    out = sh([f'{build}/bench_registry', '--extraction-only'])
    rows = [tuple(map(float, re.findall(r'([\d.]+) MB/s', ln) + re.findall(r'([\d.]+) docs/s', ln)))
            for ln in out.splitlines() if ln.startswith('extraction')]
    mbs = statistics.median(r[0] for r in rows)
    ref = statistics.median(r[1] for r in rows)
    docs = statistics.median(r[2] for r in rows)
    return out, mbs, docs, ref


def registry(build, count, bench_dir):
    return sh([f'{build}/bench_registry', '--count', str(count), '--queries', '2000', '--dir', bench_dir])


def figure(text, label, unit='licences/s'):
    m = re.search(re.escape(label) + r'\s+([\d.]+) ' + re.escape(unit), text)
    return float(m.group(1)) if m else None


def latency(text, label):
    m = re.search(re.escape(label) + r'\s+mean\s+([\d.]+) µs\s+p50\s+([\d.]+) µs\s+p99\s+([\d.]+)', text)
    return tuple(map(float, m.groups())) if m else (None, None, None)


def scaling(build, scales, base):
    rows = []
    for n in scales:
        d = os.path.join(base, f'scale-{n}')
        os.makedirs(d, exist_ok=True)
        out, secs, rss = measured([f'{build}/bench_registry', '--count', str(n), '--queries', '20',
                                   '--dir', d, '--rules', 'no', '--extraction', 'no'])
        rate = figure(out, 'import')
        size = figure(out, 'store size', 'MiB')
        rout, _, rrss = measured([f'{build}/bench_registry', '--count', str(n), '--queries', '1',
                                  '--dir', d, '--reuse', 'yes', '--extraction', 'no'])
        status = figure(rout, 'status (all)', 's')
        agenda = figure(rout, 'agenda (90 days)', 's')
        raw = re.search(r'raw scan of the same rows\s+([\d.]+) s', rout)
        rows.append((n, n / rate if rate else None, rate, size, rss, status, agenda,
                     float(raw.group(1)) if raw else None, rrss))
        shutil.rmtree(d, ignore_errors=True)
    return rows


# A SQLite store's size per licence (34.1 KiB measured at 100,000, documents uncompressed),
# with room for its WAL: a size the disk cannot hold is left out, saying so.
SQLITE_BYTES_PER_LICENCE = 40 * 1024


def postgres(build, n, count, reg_out, bench_dir):
    """bench/pg_bench.py at n licences beside SQLite's figures at n: the registry section's own
    run when n is its count, else a run of bench_registry at n made here (no raw references)."""
    print(f'bench: PostgreSQL beside SQLite at {n}', file=sys.stderr)
    pg = ['/usr/bin/python3', os.path.join(ROOT, 'bench', 'pg_bench.py'), build, str(n)]
    lite_reg = os.path.join(bench_dir, f'registry-sqlite-{n}.txt')
    if n == count:
        with open(lite_reg, 'w', encoding='utf-8') as f:
            f.write(reg_out)
        return sh(pg + [lite_reg, os.path.join(bench_dir, 'bench.db')])
    d = os.path.join(bench_dir, f'side-{n}')
    need, free = n * SQLITE_BYTES_PER_LICENCE, shutil.disk_usage(bench_dir).free
    if need >= free:
        return sh(pg + ['-', '-', '--no-sqlite',
                        f'not run: the store needs ~{need / 2**30:,.0f} GiB, {free / 2**30:,.0f} GiB free'])
    os.makedirs(d, exist_ok=True)
    try:
        with open(lite_reg, 'w', encoding='utf-8') as f:
            f.write(sh([f'{build}/bench_registry', '--count', str(n), '--queries', '2000', '--dir', d,
                        '--raw', 'no']))
        return sh(pg + [lite_reg, os.path.join(d, 'bench.db')])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def timed_shell(cmd, runs=2):
    """Best wall time of a shell pipeline over `runs` runs (the first also warms the page cache)."""
    best = None
    for _ in range(runs):
        t0 = time.time()
        p = subprocess.run(['sh', '-c', cmd], capture_output=True, text=True)
        if p.returncode not in (0, 123):  # xargs: 123 when some file failed
            sys.exit(f'{cmd} failed ({p.returncode}): {p.stderr[-2000:]}')
        t = time.time() - t0
        best = t if best is None else min(best, t)
    return best


def corpus(build, directory, count):
    """bench_corpus's files (seed 1) in directory, made once; their count, bytes and per file."""
    stamp = os.path.join(directory, '.made')
    if not (os.path.exists(stamp) and open(stamp).read().strip() == str(count)):
        shutil.rmtree(directory, ignore_errors=True)
        sh([f'{build}/bench_corpus', directory, str(count), '--seed', '1'])
        with open(stamp, 'w') as f:
            f.write(str(count))
    files = sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.endswith('.txt'))
    total = sum(os.path.getsize(f) for f in files)
    return files, total


def cli_over_files(build, bench_dir, parse_count, import_count):
    """`xuke parse --json` over files beside `cat FILES | wc -l`, and `xuke import DIR` with
    its peak memory (/usr/bin/time -v), on bench_corpus files the size of real licences."""
    d = os.path.join(bench_dir, f'corpus-{import_count}')
    files, total = corpus(build, d, import_count)
    part = files[:parse_count]
    part_bytes = sum(os.path.getsize(f) for f in part)
    listing = os.path.join(bench_dir, 'parse-files.txt')
    with open(listing, 'w') as f:
        f.write('\n'.join(part) + '\n')
    xuke = os.path.abspath(f'{build}/xuke')
    t_parse = timed_shell(f'xargs -a {listing} {xuke} parse --json > /dev/null 2>&1')
    t_cat = timed_shell(f'xargs -a {listing} cat | wc -l > /dev/null')
    db = os.path.join(bench_dir, 'import.db')
    for suffix in ('', '-wal', '-shm'):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    p = subprocess.run(['/usr/bin/time', '-v', xuke, 'import', '--db', db, d], capture_output=True,
                       text=True)
    if p.returncode:
        sys.exit(f'xuke import failed: {p.stdout}{p.stderr[-2000:]}')
    rate = float(re.search(r'([\d.]+) licences/s', p.stdout).group(1))
    rss = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', p.stderr).group(1)) / 1024
    cpu = re.search(r'Percent of CPU this job got: (\d+)%', p.stderr).group(1)
    for suffix in ('', '-wal', '-shm'):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    return dict(parse_n=len(part), parse_bytes=part_bytes, t_parse=t_parse, t_cat=t_cat,
                import_n=len(files), import_bytes=total, import_rate=rate, import_rss=rss,
                import_cpu=cpu, import_out=p.stdout.strip())


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def server(build, db):
    """bench/server_bench.py on the bench store: xuke beside nginx and FastAPI in the same run."""
    return sh(['/usr/bin/python3', os.path.join(ROOT, 'bench', 'server_bench.py'), f'{build}/xuke', db,
               '--markdown'])


def ocr(build, styles, out_dir, extra=()):
    return sh(['/usr/bin/python3', os.path.join(ROOT, 'bench', 'ocr_bench.py'), f'{build}/xuke',
               os.path.join(ROOT, 'tests', 'fixtures'), out_dir, '--styles', styles, '--markdown',
               *extra], env={**os.environ, 'OMP_THREAD_LIMIT': '1'})


# Other prints than the fixtures' sans: (title, styles, work directory, ocr_bench arguments,
# what the set is). Generated licences vary every name, date and domain (tests/tools/corpus.py).
# The fixtures and corpus.py's licences are the tuning sets; the held-out licences
# (tests/tools/heldout.py, its own seed) are the ones no repair or table was developed against.
OCR_SETS = (
    ('Held-out licences (never tuned on)', 'clean,damaged', 'ocr-bench-heldout', ('--heldout', '16'),
     '16 licences of tests/tools/heldout.py (seed 20261206): new names, numbers, dates, services and '
     'websites, the printed form\'s provisions; each in one of Noto Serif CJK SC, Noto Sans CJK SC, '
     'AR PL UMing CN at 150-300 dpi and 12-14 pt; `damaged` prints each licence in turn tilted '
     '1.8°, noisy, blurred, photographed (JPEG 70) or as a phone photo (perspective, uneven light, '
     'JPEG 60). Targets: ≥ 97 % clean, ≥ 95 % damaged, 0 wrong unflagged, ≤ 10 % of right fields '
     'flagged'),
    ('Generated licences in serif', 'clean,noisy,blurred', 'ocr-bench-serif',
     ('--synthetic', '24', '--font', 'Noto Serif CJK SC'),
     '24 licences of tests/tools/corpus.py, every name, date and domain varied, printed in the '
     'Song face licences use'),
    ('The fixtures and generated licences in a Ming face', 'clean', 'ocr-bench-ming',
     ('--font', 'AR PL UMing CN'),
     'the seven fixtures printed in AR PL UMing, a Ming (Song) face of thin strokes'),
    ('', 'clean', 'ocr-bench-ming-generated', ('--synthetic', '24', '--font', 'AR PL UMing CN'),
     'the 24 generated licences in AR PL UMing'),
    ('The PDF path: the Ming face as image-only PDFs', 'clean', 'ocr-bench-ming-pdf',
     ('--font', 'AR PL UMing CN', '--pdf'),
     'the seven fixtures in AR PL UMing, each licence\'s pages embedded in one PDF by img2pdf '
     '(images without a resolution of their own, as scanners write them): each page image is read '
     'at its own resolution, not rendered again at 300 dpi (which made 3875 × 5481 pixels and '
     '3.3-4.0 s a page). Target: ≤ 3 s a page, as the image path'),
)


def ocr_set_command(build, styles, work, extra):
    args = ' '.join(f"'{x}'" if ' ' in x else x for x in extra)
    return (f'`OMP_THREAD_LIMIT=1 /usr/bin/python3 bench/ocr_bench.py {build}/xuke tests/fixtures '
            f'{build}/{work} --styles {styles} --markdown {args}`')


def fmt(v, spec):
    return '—' if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build')
    ap.add_argument('out')
    ap.add_argument('--count', type=int, default=100000)
    ap.add_argument('--scales', default='1000,10000,100000,1000000')
    ap.add_argument('--pg-scales', default='100000')
    ap.add_argument('--ocr-styles', default='clean,tilted,blurred,noisy,photo,sealed,shadowed,patterned')
    ap.add_argument('--skip-ocr', action='store_true')
    ap.add_argument('--import-count', type=int, default=100000)
    ap.add_argument('--parse-count', type=int, default=20000)
    a = ap.parse_args()
    bench_dir = os.path.join(a.build, 'bench')
    os.makedirs(bench_dir, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    print('bench: extraction', file=sys.stderr)
    ex_out, mbs, docs, memchr = extraction(a.build)
    print('bench: extraction accuracy', file=sys.stderr)
    acc_out = sh(['/usr/bin/python3', os.path.join(ROOT, 'bench', 'extraction_accuracy.py'),
                  f'{a.build}/xuke', '--markdown'])
    print(f'bench: registry at {a.count}', file=sys.stderr)
    reg_out = registry(a.build, a.count, bench_dir)
    print('bench: server', file=sys.stderr)
    srv_out = server(a.build, os.path.join(bench_dir, 'bench.db'))
    pg_md = '\n\n'.join(postgres(a.build, n, a.count, reg_out, bench_dir)
                          for n in (int(x) for x in a.pg_scales.split(',') if x))
    print('bench: server memory', file=sys.stderr)
    mem_out = sh(['/usr/bin/python3', os.path.join(ROOT, 'bench', 'server_memory.py'), f'{a.build}/xuke',
                  os.path.join(bench_dir, 'bench.db'), '--markdown'])
    print('bench: reads while scans are read', file=sys.stderr)
    load_out = sh(['/usr/bin/python3', os.path.join(ROOT, 'bench', 'ocr_load_bench.py'), f'{a.build}/xuke',
                   '--markdown'])
    print('bench: notify run', file=sys.stderr)
    notify_out = sh(['/usr/bin/python3', os.path.join(ROOT, 'bench', 'notify_bench.py'),
                     f'{a.build}/xuke', os.path.join(bench_dir, 'bench.db')])
    print(f'bench: xuke parse and xuke import over {a.import_count} files', file=sys.stderr)
    cli = cli_over_files(a.build, bench_dir, a.parse_count, a.import_count)
    scales = [int(x) for x in a.scales.split(',') if x]
    print(f'bench: scaling {scales}', file=sys.stderr)
    scale_rows = scaling(a.build, scales, bench_dir)
    ocr_out, set_outs = None, []
    if not a.skip_ocr:
        print('bench: OCR', file=sys.stderr)
        ocr_out = ocr(a.build, a.ocr_styles, os.path.join(a.build, 'ocr-bench'))
        for title, styles, work, extra, _ in OCR_SETS:
            print(f'bench: OCR, {work}', file=sys.stderr)
            set_outs.append(ocr(a.build, styles, os.path.join(a.build, work), extra))
    finished = datetime.datetime.now(datetime.timezone.utc)

    imp = figure(reg_out, 'import')
    get = latency(reg_out, 'get (decoded record)')
    dom = latency(reg_out, 'domain lookup')
    comp = latency(reg_out, 'company (distinctive)')
    common = latency(reg_out, 'company (common, 1/576)')
    md = [
        '# Benchmarks',
        '',
        f'Written by `make bench` (bench/report.py) on {started:%Y-%m-%d} from {started:%H:%M} to '
        f'{finished:%H:%M} UTC; every figure below was measured in that run, each beside its '
        'reference from the same run. Do not edit by hand: run `make bench` again. History, '
        'profiles and the reasons behind these figures: [PERFORMANCE.md](PERFORMANCE.md).',
        '',
        f'Machine: {machine()}.',
        '',
        '## Extraction, one core',
        f'Command: `{a.build}/bench_registry --extraction-only` (20,000 licences from bench/synth.c, '
        'shaped like tests/fixtures/seeds: 10-14 KB, 15-16 provisions over several pages, a few to '
        'dozens of websites, a third hard-wrapped; parsed five times; median of the five).',
        '',
        '| figure | measured | reference (same run) | target |',
        '|---|---|---|---|',
        f'| extraction | {mbs:.1f} MB/s, {docs:,.0f} documents/s | memchr over the same bytes: '
        f'{memchr:,.0f} MB/s | ≥ 200 MB/s: {"met" if mbs >= 200 else "**not met**"} |',
        '',
        '```', ex_out.rstrip(), '```',
        '',
        '## Extraction accuracy on licences of other layouts',
        f'Command: `/usr/bin/python3 bench/extraction_accuracy.py {a.build}/xuke --markdown` '
        '(tests/tools/licgen.py: 40 licences per layout in a tuning part, seed 1, and a held-out '
        'part, seed 2, that nothing was tuned on; a field is the number, issuer, company, legal '
        'representative, each date, the services, each website\'s name, domains, server and '
        'access provider, and each provision; a wrong field is unflagged when its record carries '
        'no review warning; target: held-out ≥ 99.5 %, none wrong unflagged).',
        '',
        acc_out.rstrip(),
        '',
        f'## Registry at {a.count:,} licences',
        f'Command: `{a.build}/bench_registry --count {a.count} --queries 2000 --dir {bench_dir}`',
        '',
        '```', reg_out.rstrip(), '```',
        '',
        '## Scaling: import and rules from 10^3 to 10^6 licences',
        f'Command per size N: `{a.build}/bench_registry --count N --queries 20 --dir D --rules no '
        '--extraction no` '
        '(import; its peak memory), then `… --reuse yes --queries 1 --extraction no` (rules on that store, after '
        'recording events for one licence in ten; its peak memory). Peak memory is the process\'s '
        'maximum resident set (wait4), SQLite\'s 64 MiB page cache included.',
        '',
        '| licences | import time | import rate | store size | import peak RSS | status | agenda (90 days) | raw scan (reference) | rules peak RSS |',
        '|---|---|---|---|---|---|---|---|---|',
    ]
    for n, secs, rate, size, rss, status, agenda, raw, rrss in scale_rows:
        md.append(f'| {n:,} | {fmt(secs, ".2f")} s | {fmt(rate, ",.0f")}/s | {fmt(size, ",.1f")} MiB | '
                  f'{rss:,.0f} MiB | {fmt(status, ".3f")} s | {fmt(agenda, ".3f")} s | {fmt(raw, ".3f")} s | '
                  f'{rrss:,.0f} MiB |')
    parse_mbs = cli['parse_bytes'] / 1e6 / cli['t_parse']
    cat_mbs = cli['parse_bytes'] / 1e6 / cli['t_cat']
    md += ['', '## The command line over files the size of real licences', '',
           f'Files: `{a.build}/bench_corpus DIR {a.import_count} --seed 1` ({cli["import_n"]:,} files, '
           f'{cli["import_bytes"] / cli["import_n"]:,.0f} bytes per licence). `xuke parse --json` over the '
           f'first {cli["parse_n"]:,} ({cli["parse_bytes"] / cli["parse_n"]:,.0f} bytes each) through xargs, '
           'beside `cat` of the same files piped to `wc -l` (best of two runs each); `xuke import DIR` '
           'of them all into a new store under `/usr/bin/time -v` (its peak resident set).', '',
           '| figure | measured | reference (same run) | target |', '|---|---|---|---|',
           f'| `xuke parse --json` over files | {parse_mbs:,.1f} MB/s, '
           f'{cli["parse_n"] / cli["t_parse"]:,.0f} licences/s of {cli["parse_bytes"] / cli["parse_n"]:,.0f} '
           f'bytes | `cat FILES \\| wc -l`: {cat_mbs:,.1f} MB/s ({parse_mbs / cat_mbs:.2f}×) | '
           f'≥ 0.5×: {"met" if parse_mbs >= 0.5 * cat_mbs else "**not met**"} |',
           f'| `xuke import DIR` at {cli["import_n"]:,} | {cli["import_rate"]:,.0f} licences/s of '
           f'{cli["import_bytes"] / cli["import_n"]:,.0f} bytes ({cli["import_cpu"]} % CPU) | — | '
           f'≥ 10,000/s: {"met" if cli["import_rate"] >= 10000 else "**not met**"} |',
           f'| its peak memory | {cli["import_rss"]:,.0f} MiB | — | ≤ 128 MiB whatever the count: '
           f'{"met" if cli["import_rss"] <= 128 else "**not met**"} (each size: the scaling table below) |',
           '', '```', cli['import_out'], '```']
    md += ['', f'## Server at {a.count:,} licences, beside nginx and FastAPI', '',
           f'Command: `/usr/bin/python3 bench/server_bench.py {a.build}/xuke {bench_dir}/bench.db '
           '--markdown`: `xuke serve --rate 0 --access-log /dev/null` on 127.0.0.1 against nginx '
           '(Debian\'s nginx-light, worker_processes auto, sendfile on) serving the very bytes xuke '
           'answered as files, and FastAPI on uvicorn (uvloop, httptools, two workers) with the same '
           'answers in dicts, each started and stopped by the script; `wrk -t2 -c32 --latency`; '
           'client and servers share the machine. The walk over many licences asks each wrk '
           'connection for a different licence in turn, more than the answers xuke keeps in '
           'memory, so most are composed there and then from the stored record and the licence\'s '
           'facts kept beside the answers. Each server answers a request once before it is timed '
           '(the steady state).', '', srv_out.rstrip()]
    md += ['', pg_md.rstrip()]
    md += ['', f'## Server memory at {a.count:,} licences: the calendar feed and the agenda', '',
           f'Command: `/usr/bin/python3 bench/server_memory.py {a.build}/xuke {bench_dir}/bench.db` '
           '(one request at a time; before each, the server\'s peak resident set is reset through '
           '/proc/PID/clear_refs; "peak during" is that request\'s peak, SQLite\'s page cache '
           'included; the reference is /healthz). The server reads the store through a memory map '
           '(README, Limits: `XK_SRV_STORE_MAP_BYTES`): the store\'s pages it touched count in its '
           'resident set but are the kernel\'s page cache, so the peak is also given in its two '
           'parts, sampled every 10 ms: heap and other anonymous memory (what the server holds) and '
           'file pages (the mapped store, the binaries). The agenda keeps only the soonest `limit` lines '
           'while it reads the registry and writes its answer line by line, so the peak follows '
           'the limit, not the registry.', '', mem_out.rstrip()]
    md += ['', '## Reads while scans are read (OCR in the server)', '',
           f'Command: `/usr/bin/python3 bench/ocr_load_bench.py {a.build}/xuke --markdown` (ten '
           'image-only 20-page PDFs posted at once to `/v1/parse`, then `wrk -t1 -c4 --latency` '
           'reading for 8 s while they are queued and read; the same reads first with no scan '
           'queued. Target (issue 24): p99 < 50 ms under the OCR load. e2e_ocr_server asserts '
           'the behaviour: every read answered while the last scan still waits in the queue).', '',
           load_out.rstrip()]
    md += ['', f'## Reminders: `xuke notify run` at {a.count:,} licences', '',
           f'Command: `/usr/bin/python3 bench/notify_bench.py {a.build}/xuke {bench_dir}/bench.db` '
           '(a copy of the store, one `--all --digest` webhook subscription, a sink on 127.0.0.1 '
           'answering 200 at once, `--as-of 2026-12-07`).', '',
           '| run | seconds | reminders decided | messages | sent |', '|---|---|---|---|---|']
    for line in notify_out.splitlines():
        cells = line.split('\t')
        if len(cells) == 5 and cells[0] != 'store':
            md.append('| ' + ' | '.join(cells) + ' |')
    md += ['', '## Targets', '', '| target (issues 4, 5, 7, 8) | measured in this run | |', '|---|---|---|',
           f'| extraction ≥ 200 MB/s on one core | {mbs:.1f} MB/s | {"met" if mbs >= 200 else "**not met**"} |',
           f'| import ≥ 10,000 licences/s | {fmt(imp, ",.0f")}/s at {a.count:,}; '
           + ', '.join(f'{fmt(r[2], ",.0f")}/s at {r[0]:,}' for r in scale_rows) + ' | '
           + ('met' if imp and imp >= 10000 else '**not met**') + ' |',
           f'| get < 50 µs | p50 {fmt(get[1], ".1f")} µs, mean {fmt(get[0], ".1f")} µs at {a.count:,} | '
           + ('met' if get[1] and get[1] < 50 else '**not met**') + ' |',
           f'| domain lookup < 50 µs | p50 {fmt(dom[1], ".1f")} µs, mean {fmt(dom[0], ".1f")} µs at {a.count:,} | '
           + ('met' if dom[1] and dom[1] < 50 else '**not met**') + ' |',
           f'| company search < 2 ms | distinctive p50 {fmt(comp[1], ".0f")} µs; common fragment p50 '
           f'{fmt(common[1], ".0f")} µs at {a.count:,} | '
           + ('met' if common[1] and common[1] < 2000 else 'distinctive met, common **not met**') + ' |',
           '| server: `GET /v1/licenses/{n}` ≥ 0.6× nginx, p99 < 5 ms; domain and company lookups '
           'likewise (issue 30) | the server table above, each ratio beside its target | |',
           '', 'The 10^6 figures for get, domain and company search come from '
           '`BENCH_COUNT=1000000 make bench` (the registry section then runs at a million).']
    if ocr_out:
        md += ['', '## Scans (OCR)',
               f'Command: `OMP_THREAD_LIMIT=1 /usr/bin/python3 bench/ocr_bench.py {a.build}/xuke tests/fixtures '
               f'{a.build}/ocr-bench --styles {a.ocr_styles} --markdown` (the fixtures, a tuning set, rendered in each style '
               'by tests/tools/render.py, read on one core, scored field by field; targets: ≥ 99 % clean, '
               '≥ 97 % noisy, none wrong unflagged, ≤ 3 s a page).', '', ocr_out.rstrip()]
    for (title, styles, work, extra, what), out in zip(OCR_SETS, set_outs):
        md += ([''] + ([f'### {title}', ''] if title else []) +
               [f'Command: {ocr_set_command(a.build, styles, work, extra)} ({what}'
                + ('' if 'Targets' in what else '; same targets') + ').',
                '', out.rstrip()])
    if a.skip_ocr and os.path.exists(a.out):  # keep the last measured scans, said to be older
        old = open(a.out, encoding='utf-8').read()
        at, when = old.find('\n## Scans (OCR)'), re.search(r'on (\d{4}-\d{2}-\d{2}) from', old)
        if at >= 0:
            md += ['', f'(The scans below were not measured in this run (--skip-ocr): they are '
                   f'the figures of the run of {when.group(1) if when else "an earlier date"}.)']
            md += old[at:].rstrip().split('\n')
    with open(a.out, 'w', encoding='utf-8') as f:
        f.write('\n'.join(md) + '\n')
    print(f'bench: wrote {a.out}', file=sys.stderr)


main()
