/*
 * The registry and the rules as JSON documents: one shape for each thing, shared by the CLI's
 * --json output and the HTTP API so that both say exactly the same. Every function returns a
 * new reference (json_decref it) or NULL when out of memory; the store-reading ones return a
 * status and fill err.
 */
#ifndef XUKE_VIEWS_H
#define XUKE_VIEWS_H

#include <jansson.h>

#include "xuke/agenda.h"
#include "xuke/calendar.h"
#include "xuke/checks_store.h"
#include "xuke/rules.h"
#include "xuke/store.h"

/* The stored record of version (0 = current) of number, with the registry's facts added:
 * version, versions, status (the licence's status as of as_of: xk_status_name), status_as_of,
 * record_state ("active" or "removed": the registry's own state of the record),
 * source_sha256, imported_at, removed_reason, and "lists": the entries of current published
 * lists that name it (xk_store_list_matches). */
xk_status xk_view_licence(xk_store *st, const xk_calendar *cal, xk_date as_of, const char *number,
                          int version, json_t **out, xk_error *err);

/* An answer as bytes: text (malloc'ed, NUL-terminated, len bytes) and a strong entity tag for
 * exactly these bytes (quoted, as an ETag header carries it). Free text with free(). */
#define XK_VIEW_ETAG_MAX 72
typedef struct xk_view_text {
    char *text;
    size_t len;
    char etag[XK_VIEW_ETAG_MAX];
} xk_view_text;

/* xk_view_licence's answer as compact JSON, without decoding the stored record: its canonical
 * JSON as stored, with the registry's facts (version … lists, computed as there) composed after
 * its last member, so names, values and order are those of xk_view_licence. The entity tag is
 * the record's SHA-256 and the facts' hash. A record of another shape than xuke writes (one
 * holding a fact's name, or not compact) takes the decoding path, with the same answer. */
xk_status xk_view_licence_text(xk_store *st, const xk_calendar *cal, xk_date as_of,
                               const char *number, int version, xk_view_text *out, xk_error *err);

/* The facts xk_view_licence_text composed after a record, kept so that the same answer can be
 * made again from the stored record alone (xk_view_licence_text_again) while nothing the facts
 * come from has changed (the caller's to know: the server keeps them per store revision and
 * day). tail: the facts as the JSON object whose members were composed (malloc'ed, tail_len
 * bytes, NUL-terminated); version and record_sha256: the record they were composed after. */
typedef struct xk_view_facts {
    char *tail;
    size_t tail_len;
    int version;
    char record_sha256[XK_SHA256_HEX];
    char tail_hash[XK_SHA256_HEX];
} xk_view_facts;

/* xk_view_licence_text, and its facts into *facts (free them with xk_view_facts_free); facts->tail
 * stays NULL when the record took the decoding path (nothing to compose again). */
xk_status xk_view_licence_text_facts(xk_store *st, const xk_calendar *cal, xk_date as_of,
                                     const char *number, int version, xk_view_text *out,
                                     xk_view_facts *facts, xk_error *err);
/* The answer xk_view_licence_text_facts gave, made again from the stored record of
 * facts->version and the kept facts: one read of the record, nothing computed. XK_ECONFLICT
 * when that version's record is not the one the facts were composed after. */
xk_status xk_view_licence_text_again(xk_store *st, const char *number, const xk_view_facts *facts,
                                     xk_view_text *out, xk_error *err);
void xk_view_facts_free(xk_view_facts *facts);

/* One published-list entry that names a licence: kind, source, version, published, line,
 * company, credit_code (with credit_code_valid), number, date, reason, authority, matched_on. */
json_t *xk_view_list_match(const xk_list_match *m);
/* One homepage check: number, host, url, result, icp_filing (null when none shown), checked_at,
 * changed_at (when read back as the latest), http_status, found_number, detail, sha256. */
json_t *xk_view_site_check(const xk_site_check *c);
/* One stored version of a list. */
json_t *xk_view_list_info(const xk_list_info *l);

/* One obligation: duty, title, basis, due, due_workday, rule, overdue, provisional, year, …. */
json_t *xk_view_obligation(const xk_obligation *ob);
/* One status row: number, company, status, expires, next, overdue. */
json_t *xk_view_status_row(const xk_status_row *r);
/* Times in every view are shown at this offset east of UTC, in minutes (default 480: Asia/
 * Shanghai, which keeps no daylight saving), with the offset written out. Process-wide: set
 * once at start (the CLI reads XUKE_UTC_OFFSET). */
void xk_view_set_utc_offset(int minutes);
/* A stored UTC time at that offset, into buf; returns buf. */
const char *xk_view_time(const char *utc, char *buf, size_t size);

/* One search hit with its status (computed by the caller as of one date for every hit) and
 * record_state (active/removed); a domain hit carries "match" (domain, website, service,
 * website_name). */
json_t *xk_view_hit(const xk_hit *h, xk_licence_status status);
/* Versions, oldest first. */
json_t *xk_view_history(const xk_version_info *v, size_t n);
/* One event. */
json_t *xk_view_event(const xk_event *ev);
/* The agenda's first `limit` lines (0 = all): obligations with number and company. */
json_t *xk_view_agenda(const xk_agenda *a, size_t limit);
/* {"as_of": …, "provisional_years": … or null, key: items} (takes items). */
json_t *xk_view_dated(json_t *items, const char *key, xk_date as_of, const xk_provisional *prov);

/*
 * The access provider's answer for a host (already normalised): every licence that covers it
 * (at most XK_MAX_HOST_LICENCES, "more" says when there were others), valid ones first, then by
 * expiry, latest first; "valid" is true when any of them is valid on as_of; "licence" and
 * "website" repeat the first. The CLI's `xuke domain` and GET /v1/domains/{host} both print it.
 */
xk_status xk_view_domain(xk_store *st, const xk_calendar *cal, const char *host, xk_date as_of,
                         json_t **out, xk_error *err);

/*
 * Checks an event against the licence's state and the rules (known type, licence present and
 * not removed, the date within the licence's timeline as of today, a fulfilment matching an
 * open obligation: xk_rules_check_event) and stores it. XK_ENOTFOUND for an unknown licence,
 * XK_EUSAGE with the reason and what would be accepted when the rules refuse it. check (may
 * be NULL) says whether the fulfilment is late.
 */
xk_status xk_event_record(xk_store *st, const xk_calendar *cal, xk_date today,
                          const char *number, const xk_event *ev, long *id,
                          xk_event_check *check, xk_error *err);
/* The same with files kept as the event's evidence (xk_store_event_add_files): each file's kind
 * is read from its first bytes (files[i].kind is ignored), and one that is not a PDF, PNG or
 * JPEG is refused (XK_EUSAGE) with nothing stored. */
xk_status xk_event_record_files(xk_store *st, const xk_calendar *cal, xk_date today,
                                const char *number, const xk_event *ev,
                                const xk_evidence_file *files, size_t n_files, long *id,
                                xk_event_check *check, xk_error *err);

#endif
