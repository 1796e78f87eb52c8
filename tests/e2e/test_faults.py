"""Fault tests of the store through the real binary and real SQLite files: SIGKILL during a
backup and during event writes (many times, at random points, bounded in count and time), a
full disk (a file-size limit) during an import and a backup, and a read-only store, run as an
unprivileged user when the test runs as root. After each fault: PRAGMA integrity_check passes,
nothing committed is lost, nothing half-written is visible, the audit chain verifies.

usage: test_faults.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import corpus  # noqa: E402
import checks  # noqa: E402
from checks import check, finish  # noqa: E402
from storecheck import count, store_is_whole  # noqa: E402

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix='xuke-faults-')
SEEDS = os.path.join(FIXTURES, 'seeds')
rng = random.Random(int(os.environ.get('XUKE_FAULT_SEED', '7')))


def run(*args, db=None, limit_bytes=None):
    return checks.run([XUKE, *args] + (['--db', db] if db else []), limit_bytes=limit_bytes)


def corpus_dir(name, n, seed):
    d = os.path.join(TMP, name)
    return d, corpus.write(d, n, seed)


def whole_and_verified(db):
    problem = store_is_whole(db)
    if problem:
        return problem
    rc, _, err = run('audit', '--verify', db=db)
    return None if rc == 0 else 'audit: ' + err


def timed(*args, db=None):
    start = time.time()
    rc, out, err = run(*args, db=db)
    return rc, time.time() - start, out + err


def kill_at_random(argv, longest, stop):
    """Starts argv, SIGKILLs it after a random part of `longest` seconds; True if it was killed."""
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0, longest))
    killed = p.poll() is None
    if killed:
        p.send_signal(signal.SIGKILL)
    p.wait()
    return killed, p.returncode


def test_kill_during_backup(db, licences):
    """SIGKILL backups at random points (at most 15 kills or 60 s): the backup path either does
    not exist or is a complete store; the source store stays whole; a later backup succeeds
    over whatever the killed ones left."""
    rc, seconds, out = timed('backup', os.path.join(TMP, 'full-backup.db'), db=db)
    check(f'backup of {licences} licences completes ({seconds:.2f} s)', rc == 0, out)
    deadline, kills, attempts, problems = time.time() + 60, 0, 0, []
    target = os.path.join(TMP, 'killed-backup.db')
    while kills < 15 and time.time() < deadline:
        attempts += 1
        killed, _ = kill_at_random([XUKE, 'backup', target, '--db', db], seconds * 1.2, deadline)
        kills += killed
        if os.path.exists(target):
            problem = whole_and_verified(target)
            if problem or count(target, 'SELECT count(*) FROM licences') != licences:
                problems.append(f'backup at the path after a kill: {problem or "incomplete"}')
            os.remove(target)
        problem = whole_and_verified(db)
        if problem:
            problems.append('source store: ' + problem)
    check(f'{kills} SIGKILLs in {attempts} backups: no half-written backup at the path, source whole',
          kills >= 5 and not problems, problems[:3])
    rc, out, err = run('backup', target, db=db)
    problem = whole_and_verified(target) if rc == 0 else err
    check('a backup after killed ones is complete',
          rc == 0 and not problem and count(target, 'SELECT count(*) FROM licences') == licences,
          problem)


def test_kill_during_event_writes(db):
    """SIGKILL `event add` at random points: every event whose command succeeded is there, and
    each stored event has its audit entry (none half-written)."""
    number = count(db, 'SELECT number FROM licences ORDER BY id LIMIT 1')
    rc, seconds, out = timed('event', 'add', number, 'incident', '2026-01-05', '--note', 'probe', db=db)
    check(f'an event write completes ({seconds * 1000:.0f} ms)', rc == 0, out)
    deadline, kills, confirmed, problems = time.time() + 45, 0, [], []
    i = 0
    while kills < 30 and time.time() < deadline:
        i += 1
        note = f'kill-{i}'
        killed, rc = kill_at_random([XUKE, 'event', 'add', number, 'incident', '2026-01-05', '--note',
                                     note, '--db', db], seconds * 1.5, deadline)
        kills += killed
        if not killed and rc == 0:
            confirmed.append(note)
        problem = store_is_whole(db)
        if problem:
            problems.append(problem)
    rc, _, err = run('audit', '--verify', db=db)
    stored = {r for r in _notes(db)}
    lost = [n for n in confirmed if n not in stored]
    check(f'{kills} SIGKILLs in {i} event writes: store whole, audit chain verifies',
          kills >= 5 and not problems and rc == 0, problems[:3] + [err])
    check(f'no confirmed event lost ({len(confirmed)} confirmed, {len(stored)} stored)', not lost, lost[:5])


def _notes(db):
    import sqlite3
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT note FROM events WHERE note LIKE 'kill-%'")]
    finally:
        con.close()


def test_full_disk_during_import():
    """A file-size limit (ulimit -f) hit mid-import: a clear error, a non-zero exit, the batches
    committed before it kept and whole, and the summary counting only those; a re-run without
    the limit completes."""
    docs, facts = corpus_dir('disk-corpus', 400, 9000)
    db = os.path.join(TMP, 'disk.db')
    # The limit must fall mid-import whatever the schema weighs: three times a store holding 20
    # licences of the same kind leaves room for the first batches and none for all 400.
    probe_docs, _ = corpus_dir('disk-probe', 20, 9001)
    probe = os.path.join(TMP, 'disk-probe.db')
    run('import', probe_docs, db=probe)
    limit = 3 * os.path.getsize(probe)
    rc, out, err = run('import', '--batch', '10', docs, db=db, limit_bytes=limit)
    clear = 'disk' in err and 'file-size limit' in err and 'Traceback' not in err
    check('import into a full disk fails with a clear message', rc == 1 and clear, err)
    stored = count(db, 'SELECT count(*) FROM licences')
    check(f'the store is whole after the full disk ({stored} licences kept, file-size limit {limit >> 10} KiB)',
          0 < stored < len(facts) and not whole_and_verified(db), whole_and_verified(db))
    check('the summary counts only what was committed', f'imported {stored} licences' in out, out)
    rc, out, err = run('import', docs, db=db)
    check('a re-run with room completes the import',
          rc == 0 and count(db, 'SELECT count(*) FROM licences') == len(facts), out + err)
    return db


def test_full_disk_during_backup(db):
    target = os.path.join(TMP, 'disk-backup.db')
    rc, out, err = run('backup', target, db=db, limit_bytes=256 << 10)
    leftovers = [f for f in os.listdir(TMP) if f.startswith('disk-backup.db')]
    check('a backup onto a full disk fails clearly and leaves nothing at the path',
          rc == 1 and 'backup' in err and not leftovers and not whole_and_verified(db),
          err + str(leftovers))


def test_read_only_store(db):
    """A store this process may not write: reads work, writes fail with a clear error and
    change nothing. Root ignores file modes, so then the commands run as user nobody."""
    ro_dir = os.path.join(TMP, 'ro')
    os.makedirs(ro_dir)
    ro = os.path.join(ro_dir, 'ro.db')
    run('backup', ro, db=db)
    before = count(ro, 'SELECT count(*) FROM audit')
    for p in (ro, ro_dir):
        os.chmod(p, 0o555 if p == ro_dir else 0o444)
    prefix, xuke, calendar = [], XUKE, []
    seed = os.path.join(SEEDS, sorted(os.listdir(SEEDS))[0])
    if os.geteuid() == 0:
        # user nobody may not reach into the checkout (a clone in a 0700 temporary directory):
        # the binary, the calendar and the document it uses are copied beside the store
        os.chmod(TMP, 0o755)
        prefix = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
        xuke = shutil.copy(XUKE, os.path.join(TMP, 'xuke'))
        calendar = ['--calendar', shutil.copy(os.path.join(FIXTURES, '..', '..', 'data', 'calendar.txt'), TMP)]
        seed = shutil.copy(seed, TMP)

    def as_reader(*args):
        rc, out, err = checks.run(prefix + [xuke, *args, '--db', ro])
        return rc, out + err
    rc, out = as_reader('summary')
    check('a read-only store can be read', rc == 0 and 'licences' in out, out)
    number = count(ro, 'SELECT number FROM licences ORDER BY id LIMIT 1')
    rc, out = as_reader('get', number, *calendar)  # get states the status: it reads the calendar
    check('get works on a read-only store', rc == 0 and number in out, out)
    rc, out = as_reader('event', 'add', number, 'incident', '2026-01-05', *calendar)
    rc2, out2 = as_reader('import', seed)
    check('writes to a read-only store fail clearly and change nothing',
          rc == 1 and rc2 == 1 and 'read-only' in out and 'read-only' in out2 and
          count(ro, 'SELECT count(*) FROM audit') == before, out + out2)
    os.chmod(ro_dir, 0o755)
    os.chmod(ro, 0o644)


def main():
    docs, facts = corpus_dir('corpus', 3000, 0)
    db = os.path.join(TMP, 'main.db')
    rc, out, err = run('import', docs, db=db)
    check(f'import of {len(facts)} generated licences', rc == 0, out + err)
    test_kill_during_backup(db, len(facts))
    test_kill_during_event_writes(db)
    test_full_disk_during_import()
    test_full_disk_during_backup(db)
    test_read_only_store(db)
    shutil.rmtree(TMP, ignore_errors=True)
    finish()


main()
