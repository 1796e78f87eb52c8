"""What the end-to-end fault tests check a store for after a crash, a full disk or a kill:
integrity_check passes, every licence is complete, and the audit log has exactly one entry for
each version and each event (nothing half-written is visible)."""
import json
import sqlite3


def _licences_complete(con):
    for lid, number, version in con.execute('SELECT id, number, version FROM licences'):
        row = con.execute('SELECT record, source_sha256 FROM versions WHERE licence_id=? AND version=?',
                          (lid, version)).fetchone()
        if not row:
            return f'{number}: current version missing'
        rec = json.loads(row[0])
        if not con.execute('SELECT 1 FROM documents WHERE sha256=?', (row[1],)).fetchone():
            return f'{number}: source document missing'
        n_services = con.execute('SELECT count(*) FROM services WHERE licence_id=?', (lid,)).fetchone()[0]
        if n_services != len({s['code'] for s in rec['services']}):
            return f'{number}: {n_services} service rows for {len(rec["services"])} services'
        n_domains = con.execute('SELECT count(*) FROM domains WHERE licence_id=?', (lid,)).fetchone()[0]
        want = sum(len(w['domains']) for w in rec['websites'])
        if n_domains != want:
            return f'{number}: {n_domains} domain rows for {want} domains'
    return None


def _audit_matches(con):
    def count(sql):
        return con.execute(sql).fetchone()[0]
    versions = count('SELECT count(*) FROM versions')
    audited = count("SELECT count(*) FROM audit WHERE action IN ('import', 'new_version')")
    if audited != versions:
        return f'{audited} import audit entries for {versions} versions'
    events = count('SELECT count(*) FROM events')
    audited = count("SELECT count(*) FROM audit WHERE action = 'event'")
    if audited != events:
        return f'{audited} event audit entries for {events} events'
    return None


def store_is_whole(db):
    """None when the store at db is whole, else what is wrong."""
    con = sqlite3.connect(db)
    try:
        if con.execute('PRAGMA integrity_check').fetchone()[0] != 'ok':
            return 'integrity_check failed'
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'licences'").fetchone():
            return None  # killed before the schema was created: an empty store is whole
        return _licences_complete(con) or _audit_matches(con)
    finally:
        con.close()


def count(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()
