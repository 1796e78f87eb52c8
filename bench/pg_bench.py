#!/usr/bin/python3
"""The PostgreSQL registry beside the SQLite file, for `make bench` (bench/report.py): a
throwaway PostgreSQL 15 cluster (tests/e2e/pgcluster.py: initdb and pg_ctl in a temporary
directory, a Unix socket, user nobody under root, fsync off as in the tests), bench_registry at
COUNT licences on an empty database there, and the server's requests/s with two `xuke serve`
processes on that one database, each driven by its own wrk at once, beside the same two
processes on one SQLite file (the bench store SQLITE_DB). Prints a markdown section.

SQLITE_REGISTRY_OUTPUT and SQLITE_DB may be '-' with a reason in --no-sqlite (a size whose
SQLite run the machine had no disk for): the SQLite column then says so. The PostgreSQL run
leaves bench_registry's raw-SQLite references out (--raw no): they are the SQLite column's.
When the disk holds less than PG_BYTES_PER_LICENCE per licence, the PostgreSQL run is left out
the same way, saying why.

usage: pg_bench.py BUILD_DIR COUNT SQLITE_REGISTRY_OUTPUT|- SQLITE_DB|- [--no-sqlite REASON]"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'e2e'))
from pgcluster import Cluster, free_port  # noqa: E402

# The cluster's size per licence after an import (bench_corpus documents of ~12 KB, lz4):
# measured at 100,000 (docs/PERFORMANCE.md), with room for the cluster's WAL.
PG_BYTES_PER_LICENCE = 24 * 1024

ROWS = [('import', 'import', 'licences/s'),
        ('get --json (stored)', 'get --json', 'µs'),
        ('get (decoded record)', 'get (decoded)', 'µs'),
        ('domain lookup', 'domain lookup', 'µs'),
        ('company (distinctive)', 'company, distinctive', 'µs'),
        ('company (common, 1/576)', 'company, common fragment', 'µs'),
        ('status (all)', 'status, whole registry', 's'),
        ('agenda (90 days)', 'agenda, 90 days', 's')]


def sh(argv, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, **kw)
    if p.returncode:
        sys.exit(f'{argv[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}')
    return p.stdout


def figure(text, label, unit):
    if unit == 'licences/s':
        m = re.search(re.escape(label) + r'\s+([\d.]+) licences/s', text)
        return f'{float(m.group(1)):,.0f}/s' if m else '—'
    if unit == 's':
        m = re.search(re.escape(label) + r'\s+([\d.]+) s', text)
        return f'{float(m.group(1)):.3f} s' if m else '—'
    m = re.search(re.escape(label) + r'\s+mean\s+([\d.]+) µs\s+p50\s+([\d.]+) µs\s+p99\s+([\d.]+)',
                  text)
    return f'p50 {float(m.group(2)):,.0f} µs, p99 {float(m.group(3)):,.0f} µs' if m else '—'


def rate(row):
    if row is None:
        return '—'
    return f'{row[1]:,.0f}/s' + (f' ({row[2]} non-2xx)' if row[2] else '')


def two_servers(xuke, db, number, host):
    """requests/s of two `xuke serve` on db, each under its own wrk at the same time."""
    token = sh([xuke, 'token', 'create', '--db', db, f'bench-{time.time_ns()}', '--role', 'reader']).strip()
    ports = [free_port(), free_port()]
    servers = [subprocess.Popen([xuke, 'serve', '--db', db, '--listen', f'127.0.0.1:{p}', '--rate', '0',
                                 '--access-log', '/dev/null'], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL) for p in ports]
    rows = []
    try:
        for s in servers:
            s.stdout.readline()
        for name, path in (('GET /v1/licenses/{number}', '/v1/licenses/' + urllib.parse.quote(number)),
                           ('GET /v1/domains/{host}', '/v1/domains/www.' + host)):
            clients = [subprocess.Popen(['wrk', '-t1', '-c16', '-d6s', '-H', f'Authorization: Bearer {token}',
                                         f'http://127.0.0.1:{p}{path}'], stdout=subprocess.PIPE, text=True)
                       for p in ports]
            outs = [c.communicate()[0] for c in clients]
            rps = [float(re.search(r'Requests/sec:\s+([\d.]+)', o).group(1)) for o in outs]
            bad = sum(int(m.group(1)) for o in outs
                      for m in [re.search(r'Non-2xx or 3xx responses: (\d+)', o)] if m)
            rows.append((name, sum(rps), bad))
    finally:
        for s in servers:
            s.terminate()
            s.wait(timeout=30)
    return rows


def main():
    build, count, lite_out_path, lite_db = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    no_sqlite = sys.argv[6] if sys.argv[5:6] == ['--no-sqlite'] else None
    lite_out = ''
    if lite_out_path != '-':
        with open(lite_out_path, encoding='utf-8') as f:
            lite_out = f.read()
    xuke = f'{build}/xuke'
    work = os.path.join(build, 'bench', 'pg')
    os.makedirs(work, exist_ok=True)
    need, free = count * PG_BYTES_PER_LICENCE, shutil.disk_usage(tempfile.gettempdir()).free
    no_pg = (None if need < free else
             f'not run: the cluster needs ~{need / 2**30:,.0f} GiB, {free / 2**30:,.0f} GiB free')
    cmd = [f'{build}/bench_registry', '--count', str(count), '--queries', '2000', '--dir', work,
           '--raw', 'no', '--store', "'host=… dbname=bench'"]
    pg_out, srv = '', []
    if not no_pg:
        with Cluster() as pg:
            db = pg.createdb('bench')
            cmd[-1] = db
            t0 = time.time()
            pg_out = sh(cmd)
            spent = time.time() - t0
            number = pg.psql('bench', 'SELECT number FROM licences ORDER BY id LIMIT 1 OFFSET 777')
            host = pg.psql('bench', 'SELECT host FROM domains ORDER BY host LIMIT 1 OFFSET 333')
            size = int(pg.psql('bench', "SELECT pg_database_size('bench')"))
            if shutil.which('wrk'):
                lite_srv = (two_servers(xuke, lite_db, number, host) if lite_db != '-'
                            else [None, None])
                srv = list(zip(lite_srv, two_servers(xuke, db, number, host)))
        shutil.rmtree(work, ignore_errors=True)
        pg_out = pg_out.rstrip() + (f'\ndatabase size {size / 2**20:,.1f} MiB '
                                    f'({size / 1024 / count:.1f} KiB per licence); whole run {spent:.0f} s')
    shown = ' '.join(cmd[:-1] + ["'host=… dbname=bench'"])
    md = [f'## PostgreSQL beside SQLite at {count:,} licences', '',
          f'Command: `{shown}` against a throwaway PostgreSQL 15 cluster on this machine (Unix '
          'socket, fsync off; bench/pg_bench.py starts it), beside the SQLite figures of '
          '`bench_registry --count N --queries 2000` in the same run (same corpus). Targets (issue '
          '28): import ≥ 5,000 licences/s, get and domain p50 < 300 µs over the socket.', '']
    if no_sqlite:
        md += [f'SQLite at {count:,}: {no_sqlite}.', '']
    if no_pg:
        md += [f'PostgreSQL at {count:,}: {no_pg}.', '']
    md += ['| figure | SQLite file | PostgreSQL |', '|---|---|---|']
    md += [f'| {shown_label} | {figure(lite_out, label, unit)} | {figure(pg_out, label, unit)} |'
           for label, shown_label, unit in ROWS]
    if srv:
        md += ['', 'Two `xuke serve` processes on the one store, each under its own `wrk -t1 -c16 -d6s` '
               'at the same time (requests/s summed; clients and servers share the machine):', '',
               '| request | SQLite file | PostgreSQL |', '|---|---|---|']
        md += [f'| {b[0]} | {rate(a)} | {rate(b)} |' for a, b in srv]
    if pg_out:
        md += ['', '```', pg_out.rstrip(), '```']
    print('\n'.join(md))


main()
