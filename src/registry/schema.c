/*
 * The registry's schema and its forward migrations. Each migration is one SQL script applied in
 * one transaction; schema_version records how far a store has come. Opening an older store
 * upgrades it; opening a store newer than this build is refused rather than guessed at.
 *
 * Layout: licences (one row per number, the current version's fields for queries), versions
 * (every version's canonical JSON and source hash), documents (sources by SHA-256, stored once),
 * services and domains (the current version's, for lookups), company_fts (trigram index over
 * company names: Chinese has no word breaks), events (rules), the hash-chained audit log,
 * the due-diligence checks' published lists and homepage checks (checks_store.c), the
 * reminders' subscriptions and outbox (notify_store.c), the baseline of annual reports filed
 * before first use (baseline.c), the evidence files of events (evidence.c), the people who sign
 * in with their sessions (users.c, sessions.c), and the fields a person corrected on review of
 * a scan (corrections.c).
 */
#include <stdio.h>

#include "internal.h"

static const char *const migrations[] = {
    /* 1: the registry */
    /* rowid tables for the large rows: WITHOUT ROWID packs multi-kilobyte rows badly */
    "CREATE TABLE documents(id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL, size INTEGER NOT NULL, body BLOB NOT NULL, created_at TEXT NOT NULL);"
    "CREATE TABLE licences(id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE,"
    "  version INTEGER NOT NULL, company TEXT NOT NULL, legal_representative TEXT NOT NULL,"
    "  region TEXT NOT NULL, category TEXT NOT NULL, issuer TEXT NOT NULL, issued TEXT NOT NULL,"
    "  expires TEXT NOT NULL, removed INTEGER NOT NULL DEFAULT 0, removed_reason TEXT,"
    "  removed_at TEXT, duties TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX licences_expires ON licences(expires);"
    "CREATE INDEX licences_region ON licences(region, number);"
    "CREATE INDEX licences_issuer ON licences(issuer, number);"
    "CREATE TABLE versions(licence_id INTEGER NOT NULL REFERENCES licences(id),"
    "  version INTEGER NOT NULL, record TEXT NOT NULL, record_sha256 TEXT NOT NULL,"
    "  source_sha256 TEXT NOT NULL REFERENCES documents(sha256), imported_at TEXT NOT NULL,"
    "  actor TEXT NOT NULL, UNIQUE(licence_id, version));"
    "CREATE INDEX versions_source ON versions(source_sha256);"
    "CREATE TABLE services(code TEXT NOT NULL, licence_id INTEGER NOT NULL REFERENCES licences(id),"
    "  PRIMARY KEY(code, licence_id)) WITHOUT ROWID;"
    "CREATE INDEX services_licence ON services(licence_id);"
    "CREATE TABLE domains(host TEXT NOT NULL, licence_id INTEGER NOT NULL REFERENCES licences(id),"
    "  website_index INTEGER NOT NULL, service TEXT NOT NULL, website_name TEXT NOT NULL,"
    "  PRIMARY KEY(host, licence_id, website_index)) WITHOUT ROWID;"
    "CREATE INDEX domains_licence ON domains(licence_id);"
    "CREATE VIRTUAL TABLE company_fts USING fts5(company, content='licences', content_rowid='id',"
    "  tokenize='trigram');"
    "CREATE TRIGGER licences_ai AFTER INSERT ON licences BEGIN"
    "  INSERT INTO company_fts(rowid, company) VALUES (new.id, new.company); END;"
    "CREATE TRIGGER licences_ad AFTER DELETE ON licences BEGIN"
    "  INSERT INTO company_fts(company_fts, rowid, company) VALUES('delete', old.id, old.company);"
    "  END;"
    "CREATE TRIGGER licences_au AFTER UPDATE OF company ON licences BEGIN"
    "  INSERT INTO company_fts(company_fts, rowid, company) VALUES('delete', old.id, old.company);"
    "  INSERT INTO company_fts(rowid, company) VALUES (new.id, new.company); END;"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,"
    "  action TEXT NOT NULL, number TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL);"
    "CREATE INDEX audit_number ON audit(number, id);"
    "CREATE TABLE audit_head(one INTEGER PRIMARY KEY CHECK (one = 1), entries INTEGER NOT NULL,"
    "  hash TEXT NOT NULL);"
    "INSERT INTO audit_head VALUES (1, 0,"
    "  '0000000000000000000000000000000000000000000000000000000000000000');",
    /* 2: events recorded against licences (rules) */
    "CREATE TABLE events(id INTEGER PRIMARY KEY, licence_id INTEGER NOT NULL REFERENCES licences(id),"
    "  type TEXT NOT NULL, date TEXT NOT NULL, year INTEGER, note TEXT NOT NULL DEFAULT '',"
    "  ref TEXT NOT NULL DEFAULT '', recorded_at TEXT NOT NULL, actor TEXT NOT NULL);"
    "CREATE INDEX events_licence ON events(licence_id, date);",
    /* 3: API tokens for the server: only hashes are kept */
    "CREATE TABLE tokens(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),"
    "  key_id TEXT NOT NULL UNIQUE, hash BLOB NOT NULL, created_at TEXT NOT NULL,"
    "  revoked_at TEXT);"
    "CREATE UNIQUE INDEX tokens_live_name ON tokens(name) WHERE revoked_at IS NULL;",
    /* 4: scans: the OCR text is a version's source; the files it was read from are kept too */
    "CREATE TABLE originals(source_sha256 TEXT NOT NULL REFERENCES documents(sha256)"
    "  DEFERRABLE INITIALLY DEFERRED,"
    "  page INTEGER NOT NULL, original_sha256 TEXT NOT NULL REFERENCES documents(sha256),"
    "  PRIMARY KEY(source_sha256, page)) WITHOUT ROWID;",
    /* 5: a new licence's company is indexed by the statement that stores it (store.c), not by
     * a trigger: a trigger makes every licence insert open a statement savepoint, and FTS5
     * flushes its pending terms to a new segment at each savepoint — a segment write and
     * merge work per licence, the largest single cost of a bulk import. The update and delete
     * triggers stay: new versions and removals are rare. */
    "DROP TRIGGER licences_ai;",
    /* 6: the columns a company search sorts and filters its matches by, in a narrow index keyed
     * by the licence id (search.c, compose_keyed): a few dozen bytes a licence, where the table
     * row is hundreds */
    "CREATE INDEX licences_key ON licences(id, removed, number);",
    /* 7: events can be planned (a trigger ahead of its date) and voided: a mistaken event is
     * kept, marked, and left out of the rules, never deleted */
    "ALTER TABLE events ADD COLUMN planned INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE events ADD COLUMN voided_at TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE events ADD COLUMN void_reason TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE events ADD COLUMN voided_by TEXT NOT NULL DEFAULT '';",
    /* 8: due diligence (checks_store.c): published lists, each import a new version of the list
     * named by kind and source, with their entries; and the history of homepage checks */
    "CREATE TABLE lists(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, source TEXT NOT NULL,"
    "  version INTEGER NOT NULL, published TEXT NOT NULL, format TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL, entries INTEGER NOT NULL, imported_at TEXT NOT NULL,"
    "  actor TEXT NOT NULL, UNIQUE(kind, source, version));"
    "CREATE TABLE list_entries(list_id INTEGER NOT NULL REFERENCES lists(id),"
    "  line INTEGER NOT NULL, company TEXT NOT NULL, company_norm TEXT NOT NULL,"
    "  credit_code TEXT NOT NULL, credit_code_valid INTEGER NOT NULL, number TEXT NOT NULL,"
    "  date TEXT NOT NULL, reason TEXT NOT NULL, authority TEXT NOT NULL);"
    "CREATE INDEX list_entries_list ON list_entries(list_id);"
    "CREATE INDEX list_entries_number ON list_entries(number) WHERE number <> '';"
    "CREATE INDEX list_entries_code ON list_entries(credit_code) WHERE credit_code_valid;"
    "CREATE INDEX list_entries_company ON list_entries(company_norm) WHERE company_norm <> '';"
    "CREATE TABLE site_checks(id INTEGER PRIMARY KEY, number TEXT NOT NULL, host TEXT NOT NULL,"
    "  url TEXT NOT NULL, result TEXT NOT NULL, http_status INTEGER NOT NULL,"
    "  found_number TEXT NOT NULL, icp_filing TEXT NOT NULL, detail TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL, checked_at TEXT NOT NULL);"
    "CREATE INDEX site_checks_site ON site_checks(number, host, id);",
    /* 9: the audit chain covers content: each entry that changes a licence carries the SHA-256
     * of its rows and versions (content.c). Stores made before are re-anchored once after the
     * migrations run (xk_content_anchor), keyed on audit_anchor, so renumbering this migration
     * cannot anchor twice or skip it. */
    "ALTER TABLE audit ADD COLUMN content TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE audit_anchor(one INTEGER PRIMARY KEY CHECK (one = 1), at TEXT NOT NULL,"
    "  licences INTEGER NOT NULL);",
    /* 10: reminders (notify_store.c): subscriptions (no secrets: each names the owner-only file
     * holding its own), the ledger of reminders decided, one row per (obligation occurrence,
     * threshold, subscription), and the outbox of messages with their delivery */
    "CREATE TABLE subscriptions(id INTEGER PRIMARY KEY, channel TEXT NOT NULL,"
    "  target TEXT NOT NULL, smtp TEXT NOT NULL, sender TEXT NOT NULL,"
    "  secret_file TEXT NOT NULL, licences TEXT NOT NULL, company TEXT NOT NULL,"
    "  all_licences INTEGER NOT NULL, days TEXT NOT NULL, overdue TEXT NOT NULL,"
    "  lang TEXT NOT NULL, quiet_from INTEGER NOT NULL, quiet_until INTEGER NOT NULL,"
    "  digest INTEGER NOT NULL, created_at TEXT NOT NULL, actor TEXT NOT NULL,"
    "  removed_at TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE outbox(id INTEGER PRIMARY KEY,"
    "  subscription_id INTEGER NOT NULL REFERENCES subscriptions(id), key TEXT NOT NULL UNIQUE,"
    "  idem TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    "  parts_sent INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,"
    "  next_ms INTEGER NOT NULL, claimed_ms INTEGER NOT NULL DEFAULT 0,"
    "  first_try_ms INTEGER NOT NULL DEFAULT 0, sent_ms INTEGER NOT NULL DEFAULT 0,"
    "  title TEXT NOT NULL, text TEXT NOT NULL, items TEXT NOT NULL, n_items INTEGER NOT NULL,"
    "  answer TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX outbox_ready ON outbox(status, next_ms) WHERE status IN ('pending', 'sending');"
    "CREATE TABLE notices(subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),"
    "  occurrence TEXT NOT NULL, step TEXT NOT NULL, message_id INTEGER REFERENCES outbox(id),"
    "  PRIMARY KEY(subscription_id, occurrence, step));"
    "CREATE INDEX notices_waiting ON notices(subscription_id) WHERE message_id IS NULL;",
    /* 11: the baseline on first use (baseline.c): "annual reports up to this year were filed",
     * recorded once for the whole registry instead of one event per licence and year; the
     * latest row counts, earlier ones stay as the record of what was said */
    /* in parentheses: clang takes a last element of two joined literals for a missed comma */
    ("CREATE TABLE baselines(id INTEGER PRIMARY KEY, filed_through INTEGER NOT NULL,"
     "  note TEXT NOT NULL DEFAULT '', recorded_at TEXT NOT NULL, actor TEXT NOT NULL);"),
    /* 12: evidence of a duty done (evidence.c): files stored once in documents, linked to their
     * event in order; and at most one correction (an event of type 'correction' whose ref is
     * the id it undoes, events.c) per event, found by that ref */
    ("CREATE TABLE evidence(event_id INTEGER NOT NULL REFERENCES events(id),"
     "  position INTEGER NOT NULL, sha256 TEXT NOT NULL REFERENCES documents(sha256),"
     "  name TEXT NOT NULL, kind TEXT NOT NULL, size INTEGER NOT NULL,"
     "  PRIMARY KEY(event_id, position)) WITHOUT ROWID;"
     "CREATE INDEX evidence_sha256 ON evidence(sha256);"
     "CREATE UNIQUE INDEX events_correction ON events(ref) WHERE type = 'correction';"),
    /* 13: people who sign in to the web pages (users.c, sessions.c): accounts with an Argon2id
     * password string, sessions kept only as hashes of their cookies, and the failed sign-ins
     * counted per account ("u:NAME") and per address ("a:ADDRESS") */
    ("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
     "  role TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),"
     "  password TEXT NOT NULL, created_at TEXT NOT NULL, password_at TEXT NOT NULL,"
     "  disabled_at TEXT NOT NULL DEFAULT '');"
     "CREATE TABLE sessions(id INTEGER PRIMARY KEY, key_id TEXT NOT NULL UNIQUE,"
     "  hash BLOB NOT NULL, user_id INTEGER NOT NULL REFERENCES users(id),"
     "  created_s INTEGER NOT NULL, seen_s INTEGER NOT NULL, ended_s INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX sessions_user ON sessions(user_id);"
     "CREATE TABLE signin_failures(key TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
     "  last_s INTEGER NOT NULL, next_s INTEGER NOT NULL);"),
    /* 14: fields a person corrected when reviewing a scan before import (corrections.c), kept
     * apart from what was read: per version, the field, the value read, the value given, who */
    ("CREATE TABLE corrections(licence_id INTEGER NOT NULL REFERENCES licences(id),"
     "  version INTEGER NOT NULL, position INTEGER NOT NULL, field TEXT NOT NULL,"
     "  read_value TEXT NOT NULL, corrected_value TEXT NOT NULL, actor TEXT NOT NULL,"
     "  at TEXT NOT NULL, PRIMARY KEY(licence_id, version, position)) WITHOUT ROWID;"),
    /* 15: versions_source served no query (a source is read by its SHA-256 from documents,
     * reached through its version) and was a random-key index row per version: a B-tree
     * insert, and at a bulk import's every commit most of its leaf pages written again, WAL
     * and checkpoint. Documents are never deleted, so the foreign key needs no index to find
     * a document's versions. */
    ("DROP INDEX IF EXISTS versions_source;"),
};

/*
 * The same migrations for a PostgreSQL store, one for one (the version numbers mean the same
 * schema on both; a step that only SQLite needs is ""). What differs: BIGSERIAL ids, BYTEA
 * bodies, every text column in the "C" collation (so ORDER BY, keyset cursors and the content
 * hashes see the same byte order as SQLite), and company search through a pg_trgm GIN index on
 * licences.company instead of an FTS5 table (search.c).
 */
#define CTEXT " TEXT COLLATE \"C\" "
static const char *const pg_migrations[] = {
    /* 1: the registry */
    "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
    "CREATE TABLE documents(id BIGSERIAL PRIMARY KEY, sha256" CTEXT "NOT NULL UNIQUE,"
    "  kind" CTEXT "NOT NULL, size BIGINT NOT NULL, body BYTEA NOT NULL,"
    "  created_at" CTEXT "NOT NULL);"
    "CREATE TABLE licences(id BIGSERIAL PRIMARY KEY, number" CTEXT "NOT NULL UNIQUE,"
    "  version INTEGER NOT NULL, company" CTEXT "NOT NULL, legal_representative" CTEXT "NOT NULL,"
    "  region" CTEXT "NOT NULL, category" CTEXT "NOT NULL, issuer" CTEXT "NOT NULL,"
    "  issued" CTEXT "NOT NULL, expires" CTEXT "NOT NULL, removed INTEGER NOT NULL DEFAULT 0,"
    "  removed_reason" CTEXT ", removed_at" CTEXT ", duties" CTEXT "NOT NULL DEFAULT '');"
    "CREATE INDEX licences_expires ON licences(expires);"
    "CREATE INDEX licences_region ON licences(region, number);"
    "CREATE INDEX licences_issuer ON licences(issuer, number);"
    "CREATE INDEX licences_company_trgm ON licences USING gin (company gin_trgm_ops);"
    "CREATE TABLE versions(licence_id BIGINT NOT NULL REFERENCES licences(id),"
    "  version INTEGER NOT NULL, record" CTEXT "NOT NULL, record_sha256" CTEXT "NOT NULL,"
    "  source_sha256" CTEXT "NOT NULL REFERENCES documents(sha256),"
    "  imported_at" CTEXT "NOT NULL, actor" CTEXT "NOT NULL, UNIQUE(licence_id, version));"
    "CREATE INDEX versions_source ON versions(source_sha256);"
    "CREATE TABLE services(code" CTEXT "NOT NULL,"
    "  licence_id BIGINT NOT NULL REFERENCES licences(id), PRIMARY KEY(code, licence_id));"
    "CREATE INDEX services_licence ON services(licence_id);"
    "CREATE TABLE domains(host" CTEXT "NOT NULL,"
    "  licence_id BIGINT NOT NULL REFERENCES licences(id), website_index INTEGER NOT NULL,"
    "  service" CTEXT "NOT NULL, website_name" CTEXT "NOT NULL,"
    "  PRIMARY KEY(host, licence_id, website_index));"
    "CREATE INDEX domains_licence ON domains(licence_id);"
    "CREATE TABLE audit(id BIGINT PRIMARY KEY, at" CTEXT "NOT NULL, actor" CTEXT "NOT NULL,"
    "  action" CTEXT "NOT NULL, number" CTEXT "NOT NULL, detail" CTEXT "NOT NULL,"
    "  prev_hash" CTEXT "NOT NULL, hash" CTEXT "NOT NULL);"
    "CREATE INDEX audit_number ON audit(number, id);"
    "CREATE TABLE audit_head(one INTEGER PRIMARY KEY CHECK (one = 1), entries BIGINT NOT NULL,"
    "  hash" CTEXT "NOT NULL);"
    "INSERT INTO audit_head VALUES (1, 0,"
    "  '0000000000000000000000000000000000000000000000000000000000000000');",
    /* 2: events */
    "CREATE TABLE events(id BIGSERIAL PRIMARY KEY,"
    "  licence_id BIGINT NOT NULL REFERENCES licences(id), type" CTEXT "NOT NULL,"
    "  date" CTEXT "NOT NULL, year INTEGER, note" CTEXT "NOT NULL DEFAULT '',"
    "  ref" CTEXT "NOT NULL DEFAULT '', recorded_at" CTEXT "NOT NULL, actor" CTEXT "NOT NULL);"
    "CREATE INDEX events_licence ON events(licence_id, date);",
    /* 3: API tokens */
    "CREATE TABLE tokens(id BIGSERIAL PRIMARY KEY, name" CTEXT "NOT NULL,"
    "  role" CTEXT "NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),"
    "  key_id" CTEXT "NOT NULL UNIQUE, hash BYTEA NOT NULL, created_at" CTEXT "NOT NULL,"
    "  revoked_at" CTEXT ");"
    "CREATE UNIQUE INDEX tokens_live_name ON tokens(name) WHERE revoked_at IS NULL;",
    /* 4: scans */
    "CREATE TABLE originals(source_sha256" CTEXT "NOT NULL REFERENCES documents(sha256)"
    "  DEFERRABLE INITIALLY DEFERRED, page INTEGER NOT NULL,"
    "  original_sha256" CTEXT "NOT NULL REFERENCES documents(sha256),"
    "  PRIMARY KEY(source_sha256, page));",
    /* 5: SQLite's FTS5 trigger only */
    "",
    /* 6: SQLite's narrow company-search index only (the GIN index serves PostgreSQL) */
    "",
    /* 7: planned and voided events */
    "ALTER TABLE events ADD COLUMN planned INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE events ADD COLUMN voided_at" CTEXT "NOT NULL DEFAULT '';"
    "ALTER TABLE events ADD COLUMN void_reason" CTEXT "NOT NULL DEFAULT '';"
    "ALTER TABLE events ADD COLUMN voided_by" CTEXT "NOT NULL DEFAULT '';",
    /* 8: due diligence */
    "CREATE TABLE lists(id BIGSERIAL PRIMARY KEY, kind" CTEXT "NOT NULL, source" CTEXT "NOT NULL,"
    "  version INTEGER NOT NULL, published" CTEXT "NOT NULL, format" CTEXT "NOT NULL,"
    "  sha256" CTEXT "NOT NULL, entries BIGINT NOT NULL, imported_at" CTEXT "NOT NULL,"
    "  actor" CTEXT "NOT NULL, UNIQUE(kind, source, version));"
    "CREATE TABLE list_entries(list_id BIGINT NOT NULL REFERENCES lists(id),"
    "  line INTEGER NOT NULL, company" CTEXT "NOT NULL, company_norm" CTEXT "NOT NULL,"
    "  credit_code" CTEXT "NOT NULL, credit_code_valid INTEGER NOT NULL, number" CTEXT "NOT NULL,"
    "  date" CTEXT "NOT NULL, reason" CTEXT "NOT NULL, authority" CTEXT "NOT NULL);"
    "CREATE INDEX list_entries_list ON list_entries(list_id);"
    "CREATE INDEX list_entries_number ON list_entries(number) WHERE number <> '';"
    "CREATE INDEX list_entries_code ON list_entries(credit_code) WHERE credit_code_valid <> 0;"
    "CREATE INDEX list_entries_company ON list_entries(company_norm) WHERE company_norm <> '';"
    "CREATE TABLE site_checks(id BIGSERIAL PRIMARY KEY, number" CTEXT "NOT NULL,"
    "  host" CTEXT "NOT NULL, url" CTEXT "NOT NULL, result" CTEXT "NOT NULL,"
    "  http_status INTEGER NOT NULL, found_number" CTEXT "NOT NULL, icp_filing" CTEXT "NOT NULL,"
    "  detail" CTEXT "NOT NULL, sha256" CTEXT "NOT NULL, checked_at" CTEXT "NOT NULL);"
    "CREATE INDEX site_checks_site ON site_checks(number, host, id);",
    /* 9: content in the audit chain */
    "ALTER TABLE audit ADD COLUMN content" CTEXT "NOT NULL DEFAULT '';"
    "CREATE TABLE audit_anchor(one INTEGER PRIMARY KEY CHECK (one = 1), at" CTEXT "NOT NULL,"
    "  licences BIGINT NOT NULL);",
    /* 10: reminders: subscriptions, the outbox, the ledger of notices */
    "CREATE TABLE subscriptions(id BIGSERIAL PRIMARY KEY, channel" CTEXT "NOT NULL,"
    "  target" CTEXT "NOT NULL, smtp" CTEXT "NOT NULL, sender" CTEXT "NOT NULL,"
    "  secret_file" CTEXT "NOT NULL, licences" CTEXT "NOT NULL, company" CTEXT "NOT NULL,"
    "  all_licences INTEGER NOT NULL, days" CTEXT "NOT NULL, overdue" CTEXT "NOT NULL,"
    "  lang" CTEXT "NOT NULL, quiet_from INTEGER NOT NULL, quiet_until INTEGER NOT NULL,"
    "  digest INTEGER NOT NULL, created_at" CTEXT "NOT NULL, actor" CTEXT "NOT NULL,"
    "  removed_at" CTEXT "NOT NULL DEFAULT '');"
    "CREATE TABLE outbox(id BIGSERIAL PRIMARY KEY,"
    "  subscription_id BIGINT NOT NULL REFERENCES subscriptions(id),"
    "  key" CTEXT "NOT NULL UNIQUE, idem" CTEXT "NOT NULL, status" CTEXT "NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0, parts_sent INTEGER NOT NULL DEFAULT 0,"
    "  created_ms BIGINT NOT NULL, next_ms BIGINT NOT NULL, claimed_ms BIGINT NOT NULL DEFAULT 0,"
    "  first_try_ms BIGINT NOT NULL DEFAULT 0, sent_ms BIGINT NOT NULL DEFAULT 0,"
    "  title" CTEXT "NOT NULL, text" CTEXT "NOT NULL, items" CTEXT "NOT NULL,"
    "  n_items INTEGER NOT NULL, answer" CTEXT "NOT NULL DEFAULT '');"
    "CREATE INDEX outbox_ready ON outbox(status, next_ms) WHERE status IN ('pending', 'sending');"
    "CREATE TABLE notices(subscription_id BIGINT NOT NULL REFERENCES subscriptions(id),"
    "  occurrence" CTEXT "NOT NULL, step" CTEXT "NOT NULL,"
    "  message_id BIGINT REFERENCES outbox(id),"
    "  PRIMARY KEY(subscription_id, occurrence, step));"
    "CREATE INDEX notices_waiting ON notices(subscription_id) WHERE message_id IS NULL;",
    /* 11: the baseline on first use */
    "CREATE TABLE baselines(id BIGSERIAL PRIMARY KEY, filed_through INTEGER NOT NULL,"
    "  note" CTEXT "NOT NULL DEFAULT '', recorded_at" CTEXT "NOT NULL, actor" CTEXT "NOT NULL);",
    /* 12: evidence files, one correction per event */
    "CREATE TABLE evidence(event_id BIGINT NOT NULL REFERENCES events(id),"
    "  position INTEGER NOT NULL, sha256" CTEXT "NOT NULL REFERENCES documents(sha256),"
    "  name" CTEXT "NOT NULL, kind" CTEXT "NOT NULL, size BIGINT NOT NULL,"
    "  PRIMARY KEY(event_id, position));"
    "CREATE INDEX evidence_sha256 ON evidence(sha256);"
    "CREATE UNIQUE INDEX events_correction ON events(ref) WHERE type = 'correction';",
    /* 13: accounts, sessions, failed sign-ins */
    "CREATE TABLE users(id BIGSERIAL PRIMARY KEY, name" CTEXT "NOT NULL UNIQUE,"
    "  role" CTEXT "NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),"
    "  password" CTEXT "NOT NULL, created_at" CTEXT "NOT NULL, password_at" CTEXT "NOT NULL,"
    "  disabled_at" CTEXT "NOT NULL DEFAULT '');"
    "CREATE TABLE sessions(id BIGSERIAL PRIMARY KEY, key_id" CTEXT "NOT NULL UNIQUE,"
    "  hash BYTEA NOT NULL, user_id BIGINT NOT NULL REFERENCES users(id),"
    "  created_s BIGINT NOT NULL, seen_s BIGINT NOT NULL, ended_s BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE signin_failures(key" CTEXT "PRIMARY KEY, failures BIGINT NOT NULL,"
    "  last_s BIGINT NOT NULL, next_s BIGINT NOT NULL);",
    /* 14: fields corrected by a person on review */
    "CREATE TABLE corrections(licence_id BIGINT NOT NULL REFERENCES licences(id),"
    "  version INTEGER NOT NULL, position INTEGER NOT NULL, field" CTEXT "NOT NULL,"
    "  read_value" CTEXT "NOT NULL, corrected_value" CTEXT "NOT NULL, actor" CTEXT "NOT NULL,"
    "  at" CTEXT "NOT NULL, PRIMARY KEY(licence_id, version, position));",
    /* 15: the unused index on versions' source */
    "DROP INDEX IF EXISTS versions_source;",
};

#define N_MIGRATIONS (int)(sizeof migrations / sizeof migrations[0])
/* a migration added for one engine only does not build: each number must mean both */
_Static_assert(sizeof migrations / sizeof migrations[0] ==
                   sizeof pg_migrations / sizeof pg_migrations[0],
               "every schema migration needs its PostgreSQL form in pg_migrations");

static int current_version(xk_store *st)
{
    xk_stmt *s;
    int v = -1;
    if (xk_db_prepare(st->db, "SELECT version FROM schema_version", &s) != XK_DB_OK)
        return 0; /* no table yet: a new store */
    if (xk_db_step(s) == XK_DB_ROW)
        v = xk_db_column_int(s, 0);
    xk_db_finalize(s);
    return v < 0 ? 0 : v;
}

static xk_status too_new(int have, xk_error *err)
{
    return xk_error_set(err, XK_EDB, 0,
                        "store schema version %d is newer than this xuke understands (%d)", have,
                        N_MIGRATIONS);
}

xk_status xk_schema_migrate(xk_store *st, xk_error *err)
{
    /* a store already up to date is only read: opening it takes no write lock, so readers do
     * not queue behind an import, and a read-only store opens */
    int have = current_version(st);
    if (have == N_MIGRATIONS)
        return XK_OK;
    if (have > N_MIGRATIONS)
        return too_new(have, err);
    if (st->read_only)
        return xk_error_set(err, XK_EDB, 0,
                            "the store is read-only and its schema (version %d) must be "
                            "brought to version %d: open it once where it can be written",
                            have, N_MIGRATIONS);
    xk_status rc = xk_store_begin_write(st, err);
    if (rc != XK_OK)
        return rc;
    rc = xk_store_exec(st, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
                       err);
    have = current_version(st); /* again: another process may have migrated meanwhile */
    if (rc == XK_OK && have > N_MIGRATIONS)
        rc = too_new(have, err);
    const char *const *steps = xk_store_is_pg(st) ? pg_migrations : migrations;
    for (int v = have; rc == XK_OK && v < N_MIGRATIONS; v++)
        if (*steps[v])
            rc = xk_store_exec(st, steps[v], err);
    if (rc == XK_OK)
        rc = xk_content_anchor(st, err);
    if (rc == XK_OK && have < N_MIGRATIONS) {
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM schema_version; INSERT INTO schema_version "
                                  "VALUES (%d)", N_MIGRATIONS);
        rc = xk_store_exec(st, sql, err);
    }
    if (rc != XK_OK) {
        xk_db_exec(st->db, "ROLLBACK");
        return rc;
    }
    /* (PostgreSQL: the writer lock taken by xk_store_begin_write serialises two servers that
     * start on a new database at once; the second finds the schema made) */
    return xk_store_exec(st, "COMMIT", err);
}
