/*
 * The registry's storage interface. Everything above it (CLI, rules, server) talks to an
 * xk_store through these calls only, and no SQLite type crosses it: the SQLite backend
 * (src/registry/) is the one shipped; a PostgreSQL backend implements the same functions and is
 * chosen by xk_store_open from the location it is given.
 *
 * Model: a licence is identified by its number and has numbered versions (1, 2, …); the newest
 * is current. Every version keeps its record (canonical JSON) and a pointer to its source
 * document, stored once by SHA-256. Every write appends to a hash-chained audit log.
 *
 * Ownership: records returned (xk_licence **) belong to the caller (xk_licence_free). Strings in
 * result structs point into storage owned by the result and are freed with its _free call.
 */
#ifndef XUKE_STORE_H
#define XUKE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "xuke/date.h"
#include "xuke/error.h"
#include "xuke/licence.h"
#include "xuke/limits.h"

typedef struct xk_store xk_store;

#define XK_SHA256_HEX 65 /* 64 hex digits + NUL */
/* "state" and four SHA-256s, spaced, a newline and NUL: an audit state line (content.c) */
#define XK_CONTENT_STATE_LINE 272

/* Opens (creating and migrating as needed) the store at path: a SQLite file, or a PostgreSQL
 * database named by a postgresql:// (postgres://) URI or a libpq key=value string. */
xk_status xk_store_open(const char *path, xk_store **out, xk_error *err);
/* The same for a store that must already exist: XK_ENOTFOUND (naming path and how to make one)
 * when no file is there, and nothing is created. Read commands use this, so a typo in a path
 * or a job started in the wrong folder is an error, never an empty "all clear". */
xk_status xk_store_open_existing(const char *path, xk_store **out, xk_error *err);
void xk_store_close(xk_store *st);

/* True when location names a PostgreSQL database rather than a file. */
bool xk_store_is_server(const char *location);
/* location as messages and logs may show it: a password in it becomes "***". */
void xk_store_location_shown(const char *location, char *out, size_t size);

/*
 * Reads of a SQLite store through a memory map of up to bytes of its file (SQLite's mmap_size,
 * which SQLite caps at its own limit, 2 GiB as Debian builds it): a record is copied once, from
 * the kernel's page cache, instead of read into SQLite's page cache by pread and copied again.
 * The mapped pages are the page cache's (shared, given back under memory pressure, never written
 * through the map) but the kernel counts those touched in the process's resident set. 0 turns it
 * off. Nothing on PostgreSQL.
 */
xk_status xk_store_map_reads(xk_store *st, size_t bytes, xk_error *err);

/* Who writes: the OS user for the CLI, the token's name for the server. Copied. */
void xk_store_set_actor(xk_store *st, const char *actor);

/*
 * Explicit transactions for bulk work. Writes outside one run in their own transaction. Inside
 * one, a write that fails (a store error: records are validated first) poisons it: every later
 * write and the commit are refused, and the caller must roll back.
 */
xk_status xk_store_begin(xk_store *st, xk_error *err);
xk_status xk_store_commit(xk_store *st, xk_error *err);
xk_status xk_store_rollback(xk_store *st);

typedef enum xk_import_outcome {
    XK_IMPORT_NEW = 1,     /* first version of a licence */
    XK_IMPORT_VERSION = 2, /* a new version of a known licence */
    XK_IMPORT_UNCHANGED = 3 /* same record as the current version: nothing written */
} xk_import_outcome;

typedef struct xk_import_result {
    xk_import_outcome outcome;
    int version;
} xk_import_result;

/*
 * Stores a validated record and its source bytes, atomically (all of it or none of it). source
 * is the document as given (text, or the JSON record); kind is "text" or "json".
 */
xk_status xk_store_put(xk_store *st, const xk_licence *lic, const char *source, size_t source_len,
                       const char *kind, xk_import_result *res, xk_error *err);

/*
 * The part of storing that needs no store: the record's canonical JSON and hash, the source's
 * SHA-256, the duties string. Pure and thread-safe, so bulk imports do it on worker threads.
 * Free with xk_prepared_free.
 */
typedef struct xk_prepared {
    char *json;
    char record_sha256[XK_SHA256_HEX];
    char source_sha256[XK_SHA256_HEX];
    char json_sha256[XK_SHA256_HEX]; /* of json's text as stored: the audit's "stored" hash */
    char duties[1024];
    /* the audit's state line ("state <licence row> <services> <domains> <events>\n") of this
     * record stored as a licence new to the store, computed here rather than read back by the
     * storing thread; "" when it could not be made (the put then reads the rows) */
    char new_state[XK_CONTENT_STATE_LINE];
} xk_prepared;

xk_status xk_store_prepare(const xk_licence *lic, const char *source, size_t source_len,
                           xk_prepared *out);

void xk_prepared_free(xk_prepared *p);
/* xk_store_put with the preparation done (it must be of this lic and source). */
xk_status xk_store_put_prepared(xk_store *st, const xk_licence *lic, const char *source,
                                size_t source_len, const char *kind, const xk_prepared *prep,
                                xk_import_result *res, xk_error *err);

typedef struct xk_version_info {
    int version;
    char imported_at[32];
    char actor[64];
    char source_sha256[XK_SHA256_HEX];
    char record_sha256[XK_SHA256_HEX];
} xk_version_info;

typedef struct xk_licence_info {
    xk_version_info current;
    int versions;
    bool removed;
    char removed_reason[256];
    char removed_at[32];
} xk_licence_info;

/* Record of version (0 = current) of number; XK_ENOTFOUND when unknown. info may be NULL. */
xk_status xk_store_get(xk_store *st, const char *number, int version, xk_licence **out,
                       xk_licence_info *info, xk_error *err);

/* The stored record of version (0 = current) of number as a JSON object (caller
 * json_decref()s); XK_EDB when the stored text is not JSON. */
xk_status xk_store_get_object(xk_store *st, const char *number, int version, json_t **out,
                              xk_licence_info *info, xk_error *err);

/* Every version of number, oldest first. Caller frees *out with free(). */
xk_status xk_store_history(xk_store *st, const char *number, xk_version_info **out, size_t *n,
                           xk_error *err);

/* Source document by SHA-256: bytes (malloc'ed, caller frees) and kind. */
xk_status xk_store_source(xk_store *st, const char *sha256, char **bytes, size_t *len,
                          char kind[8], xk_error *err);

/*
 * Scans: the original file(s) a source text was read from (by OCR), stored once by SHA-256 and
 * linked to that source; file is the 1-based position among the document's files; kind is
 * "png", "jpeg", "tiff" or "pdf". Inside the same transaction as the version it belongs to.
 */
xk_status xk_store_put_original(xk_store *st, const char *source_sha256, int file,
                                const char *bytes, size_t len, const char *kind, xk_error *err);
/* The file-th original (1-based) of a source: bytes (caller frees; NULL bytes and len: only the
 * kind and count are wanted) and kind; XK_ENOTFOUND when the source was not read from a scan.
 * *count (may be NULL) receives how many there are. */
xk_status xk_store_original(xk_store *st, const char *source_sha256, int file, char **bytes,
                            size_t *len, char kind[8], int *count, xk_error *err);

/* Marks a licence removed (kept in history and audit); reason is required. */
xk_status xk_store_remove(xk_store *st, const char *number, const char *reason, xk_error *err);

typedef struct xk_query {
    const char *company;   /* any part of the name */
    const char *domain;    /* a host: sub-domains resolve to the licensed domain */
    const char *service;   /* catalogue code */
    const char *region;    /* abbreviation ("京"), or "" for cross-regional; NULL = any */
    const char *issuer;
    xk_date valid_on;      /* unset = any */
    int expiring_within;   /* days from as_of; < 0 = any */
    xk_date as_of;         /* reference date for expiring_within */
    bool include_removed;
    size_t limit;          /* 0 = no limit */
    const char *after;     /* keyset cursor: numbers strictly after this one */
} xk_query;

void xk_query_init(xk_query *q);

/* Names are held whole: import refuses one over XK_MAX_NAME_BYTES, and a longer one found in a
 * store changed outside xuke is an error, never a cut. */
typedef struct xk_hit {
    char number[64];
    char company[XK_MAX_NAME_BYTES + 1];
    char issued[11], expires[11];
    int version;
    bool removed;
    /* for domain queries: the website entry that covers the host */
    char matched_domain[XK_MAX_HOST + 1];
    int website_index; /* -1 when not a domain match */
    char website_service[8];
    char website_name[XK_MAX_NAME_BYTES + 1];
} xk_hit;

/* Called per hit, in number order (domain queries: best match first). Return false to stop. */
typedef bool (*xk_hit_fn)(const xk_hit *hit, void *ctx);

xk_status xk_store_search(xk_store *st, const xk_query *q, xk_hit_fn fn, void *ctx, xk_error *err);
/* How many hits q has without its limit: what a caller showing q->limit of them says it left
 * out ("shown N of M"). */
xk_status xk_store_search_count(xk_store *st, const xk_query *q, size_t *total, xk_error *err);

/* The host of what a user typed ("https://WWW.x.cn/a" → "www.x.cn"): scheme, path, port and
 * trailing dots dropped, ASCII lower-cased. False when nothing is left, it does not fit size,
 * or it is not valid UTF-8. */
bool xk_host_normalise(const char *host, char *out, size_t size);

typedef struct xk_audit_entry {
    long id;
    char at[32];
    char actor[64];
    char action[32];
    char number[64];
    const char *detail; /* whole, any length; valid during the callback only */
    char hash[XK_SHA256_HEX];
} xk_audit_entry;

typedef bool (*xk_audit_fn)(const xk_audit_entry *e, void *ctx);

/* Audit entries, oldest first (or the newest `limit` when limit > 0), for number or all. */
xk_status xk_store_audit(xk_store *st, const char *number, size_t limit, xk_audit_fn fn,
                         void *ctx, xk_error *err);

/*
 * Recomputes the audit chain. XK_OK with *checked entries when every entry's hash matches its
 * content and its predecessor; XK_ECONFLICT naming the first entry that does not (an altered,
 * inserted or deleted entry).
 */
xk_status xk_store_audit_verify(xk_store *st, size_t *checked, xk_error *err);

/*
 * A read snapshot: the reads between xk_store_read_begin and xk_store_read_end see one committed
 * state of the store, and a SQLite file's locks are taken once for all of them rather than per
 * statement. Nothing may be written in between. A no-op inside a transaction, and on PostgreSQL
 * (each statement reads on its own there, as without it).
 */
xk_status xk_store_read_begin(xk_store *st, xk_error *err);
void xk_store_read_end(xk_store *st);

/*
 * Where the store stands: its audit head (entries and the last entry's hash). Every write appends
 * to the audit chain, so two readings that compare equal saw the same committed store, written by
 * this process or any other; a reader keeps what it derived from the store (an answer computed
 * once) only while the revision stays the same. One read of a one-row table.
 */
typedef struct xk_store_revision {
    long long entries;
    char hash[XK_SHA256_HEX];
} xk_store_revision;

xk_status xk_store_revision_get(xk_store *st, xk_store_revision *out, xk_error *err);
bool xk_store_revision_same(const xk_store_revision *a, const xk_store_revision *b);

/* Online backup to path, a file (which must not exist), safe while other processes use the
 * store. A PostgreSQL registry is written there as a SQLite file from one snapshot, kept only
 * when its counts, audit chain and head verify (xk_store_copy). */
xk_status xk_store_backup(xk_store *st, const char *path, xk_error *err);

typedef struct xk_store_stats {
    size_t licences, removed, versions, documents, audit_entries, domains;
    long long file_bytes;
} xk_store_stats;

xk_status xk_store_stats_get(xk_store *st, xk_store_stats *out, xk_error *err);

/*
 * The stored canonical JSON of version (0 = current) of number, without re-reading it into a
 * record: the fast path for `get --json` and the HTTP API. Caller frees *json.
 */
xk_status xk_store_get_json(xk_store *st, const char *number, int version, char **json,
                            xk_licence_info *info, xk_error *err);
/* The same into a buffer with room bytes to spare after the record (*len bytes, then a NUL, then
 * the room), copied once out of the row: for an answer composed around the record in place. */
xk_status xk_store_get_json_room(xk_store *st, const char *number, int version, size_t room,
                                 char **json, size_t *len, xk_licence_info *info, xk_error *err);

/* --- events (what happened to a licence: the rules turn them into obligations) --------------- */

typedef struct xk_event {
    long id;
    char type[32];
    xk_date date;
    int year;        /* for annual_report_filed; 0 otherwise */
    char note[256];
    char ref[64];
    char recorded_at[32];
    char actor[64];
    bool planned;         /* a trigger recorded ahead of its date (a launch, a decision due) */
    char voided_at[32];   /* "" while the event counts; set by xk_store_event_void */
    char void_reason[256];
    char voided_by[64];
} xk_event;

/* Records an event against a known licence (through the audit log); *id receives its id. */
xk_status xk_store_event_add(xk_store *st, const char *number, const xk_event *ev, long *id,
                             xk_error *err);
/* Undoes event id by a correcting entry: a new event of type XK_EVENT_CORRECTION whose ref is
 * id and whose note is the reason, recorded now by the store's actor. Nothing is deleted or
 * changed: the corrected event stays in `event list`, read back marked void (when, by whom,
 * why, from the correction), and no longer counts in the rules, so a duty it met opens again.
 * One audit entry (action "event_void"). reason must not be empty (XK_EUSAGE); XK_ENOTFOUND
 * for an unknown id; XK_ECONFLICT when it was already voided or is itself a correction.
 * number (64 bytes, may be NULL) receives the licence; correction_id (may be NULL) the new
 * entry's id. */
#define XK_EVENT_CORRECTION "correction"
xk_status xk_store_event_correct(xk_store *st, long id, const char *reason, char *number,
                                 long *correction_id, xk_error *err);
/* The same, without the correction's id (the older name of the one way to undo an event). */
xk_status xk_store_event_void(xk_store *st, long id, const char *reason, char *number,
                              xk_error *err);

/* --- evidence: the receipt or notice that shows a duty was done ----------------------------- */

/* A file given with an event. kind is "pdf", "png" or "jpeg" (the caller has read it from the
 * file's first bytes); name is the file's name as given (UTF-8, no '/' or control characters,
 * at most XK_MAX_EVIDENCE_NAME_BYTES). */
typedef struct xk_evidence_file {
    const char *name;
    const char *kind;
    const char *bytes;
    size_t len;
} xk_evidence_file;

/* A stored file of an event: its bytes are the document stored once under sha256. */
typedef struct xk_evidence {
    long event_id;
    int position; /* 1-based among the event's files */
    char sha256[XK_SHA256_HEX];
    char name[XK_MAX_EVIDENCE_NAME_BYTES + 1];
    char kind[8];
    long long size;
} xk_evidence;

/* xk_store_event_add with files kept as its evidence, all in one transaction: each file stored
 * once by SHA-256 among the store's documents (a file already there, as evidence or as a
 * source, is not stored again), linked to the event in order, and named with its hash in the
 * event's audit entry. XK_EUSAGE for a file over XK_MAX_EVIDENCE_BYTES, more than
 * XK_MAX_EVIDENCE_FILES files, a kind other than pdf/png/jpeg or a bad name: nothing stored. */
xk_status xk_store_event_add_files(xk_store *st, const char *number, const xk_event *ev,
                                   const xk_evidence_file *files, size_t n_files, long *id,
                                   xk_error *err);
/* Every evidence file of number's events, by event id then position. Caller frees *out. */
xk_status xk_store_evidence(xk_store *st, const char *number, xk_evidence **out, size_t *n,
                            xk_error *err);
/* One evidence file by its SHA-256: the bytes (caller frees) and how it was given (the first
 * event that names it). XK_ENOTFOUND when no event names a file with that hash: a source
 * document is not served as evidence. */
xk_status xk_store_evidence_file(xk_store *st, const char *sha256, char **bytes, size_t *len,
                                 xk_evidence *meta, xk_error *err);

/* --- what a person corrected on review of a scan, kept apart from what was read ------------ */

/* One field corrected before import: its name in the record ("company", "issued", …), the value
 * the scan was read as, and the value the reviewer gave. */
typedef struct xk_correction {
    char field[64];
    char read_value[XK_MAX_CORRECTION_BYTES + 1];
    char corrected_value[XK_MAX_CORRECTION_BYTES + 1];
    char actor[64]; /* filled when read back: who corrected it */
    char at[32];
} xk_correction;

/* Records the corrections made to version `version` of number (just stored, or left unchanged by
 * the import, in the same transaction as the caller's import), in order after any the version
 * has, by the store's actor, with one audit entry naming each. XK_EUSAGE for an empty list or a
 * field name or value too long. */
xk_status xk_store_put_corrections(xk_store *st, const char *number, int version,
                                   const xk_correction *c, size_t n, xk_error *err);
/* The corrections of version (0 = every version) of number, by version then position; *versions
 * (may be NULL) receives each one's version. Caller frees *out and *versions. */
xk_status xk_store_corrections(xk_store *st, const char *number, int version,
                               xk_correction **out, int **versions, size_t *n, xk_error *err);

/* Events of number in date order (then id), voided ones and corrections included. Caller
 * frees *out. */
xk_status xk_store_events(xk_store *st, const char *number, xk_event **out, size_t *n,
                          xk_error *err);

/* --- the baseline on first use ------------------------------------------------------------- */

/* "Annual reports up to filed_through were filed": said once for the whole registry, so the
 * reports due before xuke knew a licence need not be entered one event per licence and year. */
typedef struct xk_baseline {
    long id;
    int filed_through; /* a year; 0 when no baseline was recorded */
    char note[256];
    char recorded_at[32];
    char actor[64];
} xk_baseline;

/* Records a baseline (the latest one counts) with one audit entry; *id receives its id.
 * XK_EUSAGE when filed_through is outside XK_BASELINE_MIN_YEAR..today's year or the note is
 * longer than XK_MAX_REASON_BYTES. */
xk_status xk_store_baseline_set(xk_store *st, int filed_through, const char *note, int this_year,
                                long *id, xk_error *err);
/* The baseline that counts; out->filed_through is 0 when none was recorded. */
xk_status xk_store_baseline_get(xk_store *st, xk_baseline *out, xk_error *err);

/* Everything the rules need of one licence, without reading its record. */
typedef struct xk_rules_row {
    char number[64];
    char company[XK_MAX_NAME_BYTES + 1];
    xk_date issued, expires;
    xk_date known_since; /* the day (China's date) the licence first entered the registry;
                          * {0} when unknown: then every duty counts as known */
    int baseline_year;   /* annual reports up to this year are taken as filed; 0 = none */
    bool removed;
    bool cancelled; /* the current version of a cancellation list names its number */
    const char *duties; /* xk_duties_encode form; valid during the callback only */
    const xk_event *events; /* the events that count: voided ones are left out */
    size_t n_events;
} xk_rules_row;

typedef bool (*xk_rules_fn)(const xk_rules_row *row, void *ctx);

/* Every licence (registry order; only `number` when given), with its events, for status and
 * deadlines. Removed licences are included (flagged). */
xk_status xk_store_rules_scan(xk_store *st, const char *number, xk_rules_fn fn, void *ctx,
                              xk_error *err);
/* The same, limited to licences not removed and not expired on live_on: the agenda's rows,
 * filtered in the store (the expiry index) rather than decoded and dropped. */
xk_status xk_store_rules_scan_live(xk_store *st, const char *number, xk_date live_on,
                                   xk_rules_fn fn, void *ctx, xk_error *err);

/* --- moving a registry between backends ----------------------------------------------------- */

typedef struct xk_copy_stats {
    size_t tables, rows;   /* copied */
    size_t audit_entries;  /* verified in the destination */
    char head[XK_SHA256_HEX]; /* the chain head, the same in both */
} xk_copy_stats;

/*
 * Copies every row of from (one consistent snapshot) into to, which must hold nothing yet
 * (XK_ECONFLICT otherwise), in one transaction on to that commits only after the checks: each
 * table's row count, to's audit chain and content verified from the copied rows, and the same
 * chain head as from's. Either direction between SQLite and PostgreSQL; both stores must be at
 * this build's schema (opening them migrates them).
 */
xk_status xk_store_copy(xk_store *from, xk_store *to, xk_copy_stats *out, xk_error *err);

/* The schema version the store is at (-1 when it cannot be read). */
int xk_store_schema_version(xk_store *st);

/* Appends an audit entry (used by layers that write through the store, e.g. events). */
xk_status xk_store_audit_append(xk_store *st, const char *action, const char *number,
                                const char *detail, xk_error *err);

#endif
