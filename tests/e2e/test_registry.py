"""End-to-end tests of the registry through the real binary and a real SQLite file: import,
re-import, versions, diff, every query form, export round trip, CSV, backup, removal, audit
tamper detection, --strict, a locked and a read-only store, and a crash test that SIGKILLs
bulk imports at random points and then checks the store.

Run with XUKE_PG_FIXTURE set (CTest's e2e_registry_pg), every store is a database of the
fixture's PostgreSQL cluster instead (stores.py) and the same checks run there, but for the
file's own (integrity_check, its lock, its modes), which the SQLite run keeps.

usage: test_registry.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import corpus  # noqa: E402
import checks  # noqa: E402
from checks import check, finish  # noqa: E402
from storecheck import store_is_whole  # noqa: E402
import stores  # noqa: E402

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix='xuke-reg-')
SEEDS = os.path.join(FIXTURES, 'seeds')


def run(*args, db=None, stdin=None):
    argv = [XUKE, *args]
    if db:
        argv[2:2] = ['--db', db]
    return checks.run(argv, stdin=stdin)


def run_unprivileged(*args, db):
    """run() as a user file modes bind. Root ignores them, and CI runs as root: there the binary,
    the store's directory and the documents are copied where user nobody can reach them, and the
    command runs as nobody (setpriv), so a read-only file means read-only for it too."""
    if os.geteuid() != 0:
        return run(*args, db=db)
    home = tempfile.mkdtemp(prefix='xuke-nobody-')
    os.chmod(home, 0o777)
    binary = os.path.join(home, 'xuke')
    shutil.copy(XUKE, binary)
    os.chmod(binary, 0o755)
    store = os.path.join(home, os.path.basename(db))
    shutil.copy(db, store)
    os.chmod(store, os.stat(db).st_mode & 0o777)
    moved = []
    for a in args:
        if os.path.isfile(a):
            moved.append(shutil.copy(a, home))
            os.chmod(moved[-1], 0o444)
        else:
            moved.append(a)
    argv = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', binary,
            moved[0], '--db', store, *moved[1:]]
    try:
        return checks.run(argv)
    finally:
        shutil.rmtree(home)


def fresh_db(name):
    return stores.fresh(TMP, name)


def seed_docs():
    return sorted(os.path.join(SEEDS, f) for f in os.listdir(SEEDS) if f.endswith('.txt'))


def test_import_and_reimport():
    db = fresh_db('a.db')
    rc, out, err = run('import', *seed_docs(), db=db)
    check('import of the four seeds', rc == 0 and '4 new' in out, out + err)
    rc, out, err = run('import', *seed_docs(), db=db)
    check('re-import changes nothing', rc == 0 and '4 unchanged' in out, out + err)
    rc, out, _ = run('audit', db=db)
    check('the audit log has one entry per import, none for the unchanged re-import',
          rc == 0 and len(out.strip().split('\n')) == 4, out)
    # A tree of known make-up (the seeds' texts and records at the top, the three other
    # documents and their records two levels down), so that fixtures added elsewhere for other
    # tests do not change what this one counts.
    tree = os.path.join(TMP, 'tree')
    shutil.copytree(SEEDS, tree)
    shutil.copytree(os.path.join(FIXTURES, 'docs'), os.path.join(tree, 'more', 'docs'))
    rc, out, err = run('import', tree, db=db)
    check('a directory is imported recursively; JSON records of known licences are unchanged',
          rc == 0 and 'from 14 files' in out and '3 new' in out and '11 unchanged' in out
          and '0 failed' in out, out + err)
    return db


def test_versions_and_diff(db):
    with open(os.path.join(SEEDS, '003_76e38eccd87d7b3e.txt'), encoding='utf-8') as f:
        text = f.read()
    changed = text.replace('2027年 1月 29日', '2028年 1月 29日').replace('iyyhd.com', 'iyyhd.com、haomei.cn')
    path = os.path.join(TMP, 'v2.txt')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(changed)
    rc, out, err = run('import', path, db=db)
    check('a changed document with the same number is a new version', rc == 0 and '1 new versions' in out, out + err)
    rc, out, _ = run('history', '京B2-20224676', db=db)
    check('history lists both versions', rc == 0 and 'v1' in out and 'v2' in out, out)
    rc, out, err = run('diff', '京 B2-2022 4676', '--json', db=db)
    changes = json.loads(out)['changes'] if rc == 0 else []
    fields = sorted(c['field'] for c in changes)
    check('diff names exactly the changed fields', fields == ['expires', 'websites[B25 iyyhd.com].domains'],
          fields or err)
    rc, out, _ = run('get', '京B2-20224676', '--version', '1', '--json', db=db)
    check('get --version 1 shows the old expiry', rc == 0 and json.loads(out)['expires'] == '2027-01-29', out[:300])
    rc, out, _ = run('get', '京B2-20224676', '--source', db=db)
    check('get --source prints the exact source document', rc == 0 and out == changed, out[:200])
    rc, out, _ = run('diff', '琼B2-20220293', db=db)
    check('diff of a licence with one version says so', rc == 1, out)


def test_queries(db):
    rc, out, _ = run('search', '--domain', 'www.xiaohe.cn', '--json', db=db)
    hits = json.loads(out)['licences'] if rc == 0 else []
    check('domain search resolves a sub-domain and names the website and service',
          len(hits) == 2 and hits[0]['match']['domain'] == 'xiaohe.cn' and hits[0]['match']['service'] == 'B21', out[:400])
    rc, out, _ = run('search', '--company', '健康互联网', '--json', db=db)
    check('company search matches any part of the name',
          rc == 0 and [h['number'] for h in json.loads(out)['licences']] == ['琼B2-20210620'], out[:300])
    rc, out, _ = run('search', '--service', 'B11', '--json', db=db)
    check('service search', rc == 0 and sorted(h['number'] for h in json.loads(out)['licences']) == ['B1-20180123', '沪B1.B2-20150123'], out[:300])
    rc, out, _ = run('search', '--region', '海南', '--valid-on', '2022-06-01', '--json', db=db)
    check('region by name and valid-on combine', rc == 0 and [h['number'] for h in json.loads(out)['licences']] == ['琼B2-20220293'], out[:300])
    rc, out, _ = run('search', '--expiring-within', '30', '--as-of', '2026-07-01', '--json', db=db)
    check('expiring-within counts from --as-of', rc == 0 and [h['number'] for h in json.loads(out)['licences']] == ['琼B2-20210620'], out[:300])
    rc, out, _ = run('search', '--issuer', '工业和信息化部', '--json', db=db)
    check('issuer search', rc == 0 and [h['number'] for h in json.loads(out)['licences']] == ['B1-20180123'], out[:300])
    rc, _, err = run('search', '--service', 'B99', db=db)
    check('an unknown service code is a usage error', rc == 2 and 'catalogue' in err, err)
    rc, _, err = run('search', '--valid-on', '2026-02-30', db=db)
    check('an impossible date is a usage error', rc == 2 and 'not a date' in err, err)
    rc, _, err = run('get', 'nonsense', db=db)
    check('get of a non-number says so', rc == 2 and 'not a licence number' in err, err)
    rc, _, err = run('get', '京B2-20990001', db=db)
    check('get of an unknown number is an error', rc == 1 and 'not in the registry' in err, err)


def test_export_round_trip(db):
    rc, out, err = run('export', '--format', 'jsonl', '--include-removed', db=db)
    path = os.path.join(TMP, 'all.jsonl')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(out)
    db2 = fresh_db('b.db')
    rc2, out2, err2 = run('import', path, db=db2)
    rc3, out3, _ = run('export', '--format', 'jsonl', db=db2)
    check('export then import into a fresh store gives the same records',
          rc == 0 and rc2 == 0 and out3 == out and out.count('\n') == 7, (out2 + err2)[:400])
    rc, out, _ = run('export', '--format', 'json', db=db)
    check('json export is one valid array', rc == 0 and len(json.loads(out)) == 7, out[:200])
    p = subprocess.run([XUKE, 'export', '--db', db, '--format', 'csv'], capture_output=True)
    data = p.stdout
    lines = data.split(b'\r\n')
    check('csv export: UTF-8 BOM, CRLF, quoted fields, a header and one row per licence',
          data.startswith(b'\xef\xbb\xbf"number"') and len([l for l in lines if l]) == 8
          and '"好美信息技术（北京）有限公司"'.encode() in data, data[:200])


def test_remove_and_audit(db):
    rc, out, err = run('remove', '苏B2-20201765', db=db)
    check('remove without a reason is refused', rc == 2, err)
    rc, out, err = run('remove', '苏B2-20201765', '--reason', 'cancelled by the issuer', db=db)
    check('remove with a reason', rc == 0, err)
    rc, out, _ = run('search', '--company', '南通佰易', db=db)
    check('a removed licence leaves search results', 'no licence matches' in out, out)
    rc, out, _ = run('get', '苏B2-20201765', db=db)
    check('a removed licence is still shown, marked removed', rc == 0 and 'REMOVED' in out, out[-300:])
    rc, out, err = run('audit', '--verify', db=db)
    check('audit chain verifies', rc == 0 and 'chain intact' in out, out + err)
    copy = stores.copy(db, TMP, 'tampered.db')
    stores.sql(copy, "UPDATE audit SET detail = 'nothing happened' WHERE id = 3")
    rc, out, err = run('audit', '--verify', db=copy)
    check('audit --verify detects an altered entry', rc == 1 and 'entry 3' in err, out + err)


def test_backup(db):
    target = os.path.join(TMP, 'backup.db')
    rc, out, err = run('backup', target, db=db)
    rc2, out2, _ = run('summary', db=target)
    check('backup makes a usable copy', rc == 0 and '6 licences (1 removed)' in out2, out + err + out2)
    rc, out, err = run('backup', target, db=db)
    check('backup never overwrites', rc == 1 and 'exists' in err, err)


def test_backup_while_importing():
    db = fresh_db('busy.db')
    docs = os.path.join(TMP, 'busy-corpus')
    corpus.write(docs, 600, seed=5000)
    imp = subprocess.Popen([XUKE, 'import', '--db', db, '--batch', '20', docs],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    target = os.path.join(TMP, 'busy-backup.db')
    rc, out, err = run('backup', target, db=db)
    imp.wait(timeout=120)
    con = sqlite3.connect(target)  # the backup is a SQLite file on either backend
    ok = con.execute('PRAGMA integrity_check').fetchone()[0]
    con.close()
    rc2, _, _ = run('audit', '--verify', db=target)
    check('backup during an import is consistent (integrity_check, audit chain)',
          rc == 0 and ok == 'ok' and rc2 == 0 and imp.returncode == 0, out + err + ok)


def test_strict_and_failures():
    db = fresh_db('strict.db')
    bad = os.path.join(TMP, 'bad')
    os.makedirs(bad, exist_ok=True)
    for f in seed_docs()[:2]:
        shutil.copy(f, bad)
    with open(os.path.join(bad, 'zz_broken.txt'), 'w', encoding='utf-8') as f:
        f.write('经营许可证编号：京B2-20224676\n公司名称：甲公司\n')
    rc, out, err = run('import', '--strict', bad, db=db)
    _, summary, _ = run('summary', db=db)
    check('--strict stops at the first failure and writes nothing',
          rc == 1 and 'nothing was written' in err and ' 0 licences' in summary, err + summary)
    empty = os.path.join(TMP, 'empty-dir')
    os.makedirs(empty, exist_ok=True)
    with open(os.path.join(empty, 'notes.doc'), 'w') as f:
        f.write('not a licence')
    rc2, _, err2 = run('import', empty, db=db)
    check('a directory with nothing importable is an error, not an empty success',
          rc2 == 1 and 'no licence documents' in err2, err2)
    rc, out, err = run('import', bad, db=db)
    check('without --strict the failure is reported with file and line, the rest imported',
          rc == 1 and '2 new' in out and 'zz_broken.txt' in err and '1 failed' in out, out + err)


def test_locked_and_readonly_store():
    db = fresh_db('locked.db')
    run('import', seed_docs()[0], db=db)
    con = sqlite3.connect(db, timeout=0)
    con.execute('BEGIN EXCLUSIVE')
    start = time.time()
    rc, out, err = run('import', seed_docs()[1], db=db)
    con.rollback()
    con.close()
    check('a locked store gives a clear error after the busy timeout',
          rc == 1 and ('lock' in err or 'locked' in err) and time.time() - start < 30, err)
    ro = fresh_db('ro.db')
    run('import', seed_docs()[0], db=ro)
    os.chmod(ro, 0o444)
    rc, out, err = run_unprivileged('import', seed_docs()[1], db=ro)
    check('a read-only store gives a clear error', rc == 1 and 'read' in err, err)
    os.chmod(ro, 0o644)


def test_crash_during_bulk_import():
    """SIGKILL a bulk import at random points, many times (bounded: 15 kills or 60 s)."""
    docs = os.path.join(TMP, 'crash-corpus')
    facts = corpus.write(docs, 1500)
    db = fresh_db('crash.db')
    rng = random.Random(1234)
    deadline = time.time() + 60
    kills, problems = 0, []
    while kills < 15 and time.time() < deadline:
        p = subprocess.Popen([XUKE, 'import', '--db', db, '--batch', str(rng.choice([1, 10, 100])), docs],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.02, 0.5))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
        problem = None if stores.ON_POSTGRES else store_is_whole(db)  # a file's own check
        if problem:
            problems.append(problem)
        rc, _, err = run('audit', '--verify', db=db)
        if rc != 0:
            problems.append(err)
    check(f'after {kills} SIGKILLs during import the store is whole every time', kills >= 5 and not problems,
          problems[:3])
    rc, out, err = run('import', docs, db=db)
    numbers = {r[0] for r in stores.sql(db, 'SELECT number FROM licences')}
    check('a re-run completes the import: every licence present',
          rc == 0 and numbers == {f['number'] for f in facts}, out + err)


def test_empty_registry():
    """Queries of a registry that holds nothing answer with nothing (under the sanitizers too:
    an empty result list was once sorted as a null array)."""
    db = fresh_db('empty.db')
    empty = os.path.join(TMP, 'nothing.txt')
    open(empty, 'wb').close()
    rc, out, err = run('import', empty, db=db)  # makes the store, stores nothing
    check('an empty document makes the store and is refused', rc == 1 and 'empty' in err, err[-300:])
    rc, out, err = run('search', '--company', '某某公司', '--json', db=db)
    check('an empty registry: company search answers an empty list',
          rc == 0 and json.loads(out)['licences'] == [], f'rc={rc} {out[:200]} {err[-300:]}')
    rc, out, err = run('search', '--domain', 'www.example.cn', '--json', db=db)
    check('an empty registry: domain search answers an empty list',
          rc == 0 and json.loads(out)['licences'] == [], f'rc={rc} {out[:200]} {err[-300:]}')
    rc, out, err = run('status', '--json', db=db)
    check('an empty registry: status says it holds no licences (exit 3), no crash',
          rc == 3 and 'holds no licences' in err and 'runtime error' not in err, f'rc={rc} {err[-300:]}')


test_empty_registry()
test_db = test_import_and_reimport()
test_versions_and_diff(test_db)
test_queries(test_db)
test_export_round_trip(test_db)
test_remove_and_audit(test_db)
test_backup(test_db)
test_backup_while_importing()
test_strict_and_failures()
if not stores.ON_POSTGRES:  # a lock taken with sqlite3, file modes: the SQLite run's
    test_locked_and_readonly_store()
test_crash_during_bulk_import()
stores.drop_all()
shutil.rmtree(TMP, ignore_errors=True)
finish()
