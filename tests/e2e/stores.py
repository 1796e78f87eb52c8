"""Where an end-to-end test keeps its registries. By default a SQLite file in the test's
temporary directory; when XUKE_PG_FIXTURE names the state of the CTest fixture "postgres"
(tests/e2e/pgfixture.py: the *_pg tests), a new database in that cluster for each store, so the
same test runs the same commands on PostgreSQL. What only a file has (its bytes, its modes, a
lock taken with sqlite3) is for the tests to leave to the SQLite run; what both have is done
here the backend's way (SQL from outside xuke, a copy)."""
import os
import shutil
import sqlite3

from pgcluster import Cluster

CLUSTER = Cluster.shared()
ON_POSTGRES = CLUSTER is not None
_made = []


def fresh(directory, name):
    """An empty store named name: a file path in directory, or a new PostgreSQL database."""
    if ON_POSTGRES:
        db = f'{os.path.splitext(name)[0]}_{os.getpid()}_{len(_made)}'.lower()
        _made.append(db)
        return CLUSTER.createdb(db)
    path = os.path.join(directory, name)
    for suffix in ('', '-wal', '-shm'):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return path


def _dbname(location):
    return dict(part.split('=', 1) for part in location.split())['dbname']


def copy(location, directory, name):
    """A copy of the store at location (nobody may be using it), as a new store."""
    if not ON_POSTGRES:
        target = fresh(directory, name)
        shutil.copy(location, target)
        return target
    db = f'{os.path.splitext(name)[0]}_{os.getpid()}_{len(_made)}'.lower()
    _made.append(db)
    CLUSTER.psql('postgres', f'CREATE DATABASE "{db}" TEMPLATE "{_dbname(location)}"')
    return CLUSTER.uri(db)


def sql(location, statement):
    """Runs statement on the store from outside xuke (a tamper, a look), returns its rows."""
    if ON_POSTGRES:
        out = CLUSTER.psql(_dbname(location), statement)
        return [tuple(line.split('|')) for line in out.splitlines() if line]
    con = sqlite3.connect(location)
    try:
        rows = con.execute(statement).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def drop_all():
    """Removes the databases this process made (the cluster goes with the fixture anyway)."""
    for db in _made:
        try:
            CLUSTER.psql('postgres', f'DROP DATABASE IF EXISTS "{db}"')
        except RuntimeError:
            pass
    _made.clear()
