/*
 * What the audit chain says about content: the SHA-256 of a licence's current rows and of each
 * stored version, written into every entry that changes them (audit.content), and checked by
 * `xuke audit --verify` against the rows as they are. Without it an edit made with sqlite3
 * (UPDATE versions SET record=…, UPDATE licences SET expires=…) passed verification: the entries
 * held notes, not the content.
 *
 * An entry's content is text, one fact a line:
 *   state <licence row> <services> <domains> <events>   the licence as it is after the write
 *   version N <stored> <source> <canonical>              a version the entry created (or anchors):
 *                                                        SHA-256 of the stored record text, of
 *                                                        its source document, and the record's
 *                                                        canonical hash (versions.record_sha256,
 *                                                        which leaves the warnings out)
 *   evidence <rows>                                      its evidence files, when it has any
 *   corrections <rows>                                   the fields reviewers corrected (corrections.c),
 *                                                        when it has any
 * Each state part is the SHA-256 of that table's rows for the licence, over a fixed list of
 * columns (a later migration adding a column does not change what was hashed), each field
 * length-prefixed. Stores made before content was recorded are re-anchored once by a migration
 * (schema.c): one "anchor" entry per licence naming its state and every version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/buf.h"
#include "internal.h"

/* One field as hashed: its length, ':', its bytes, a newline; a NULL is "-\n". */
static void put_field(xk_buf *b, const char *v, size_t len)
{
    if (!v) {
        xk_buf_puts(b, "-\n");
        return;
    }
    xk_buf_printf(b, "%zu:", len);
    xk_buf_append(b, v, len);
    xk_buf_putc(b, '\n');
}

/* One row's columns from `first` on, each length-prefixed (NULL as "-"), then ';'. A value
 * the store could not give (out of memory) marks b as failed: no hash of a partial row. */
static void hash_row(xk_stmt *s, int first, xk_buf *b)
{
    int n = xk_db_column_count(s);
    for (int i = first; i < n; i++) {
        if (xk_db_column_null(s, i)) {
            put_field(b, NULL, 0);
            continue;
        }
        const char *v = (const char *)xk_db_column_text(s, i);
        size_t len = (size_t)xk_db_column_bytes(s, i);
        if (!v) {
            b->oom = true;
            return;
        }
        put_field(b, v, len);
    }
    xk_buf_putc(b, ';');
}

/* The rows a query gives for one licence id, every column length-prefixed, hashed; *count (may
 * be NULL) receives how many rows there were. */
static xk_status rows_hash_counted(xk_store *st, const char *sql, long long lid,
                                   char out[XK_SHA256_HEX], long long *count, xk_error *err)
{
    long long rows = 0;
    xk_stmt *s = xk_store_cached_stmt(st, sql, err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, lid);
    xk_buf b;
    xk_buf_init(&b);
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        hash_row(s, 0, &b);
        rows++;
    }
    if (count)
        *count = rows;
    xk_status rc = XK_OK;
    if (step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "hashing a licence's rows");
    else if (b.oom || xk_db_failed(s))
        rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    else
        xk_store_sha256_hex(b.data ? b.data : "", b.len, out);
    xk_db_reset(s);
    xk_buf_free(&b);
    return rc;
}

static xk_status rows_hash(xk_store *st, const char *sql, long long lid, char out[XK_SHA256_HEX],
                           xk_error *err)
{
    return rows_hash_counted(st, sql, lid, out, NULL, err);
}

/* A licence's evidence files (evidence.c): a line "evidence <SHA-256 of the rows>" after the
 * state, only in entries of a licence that has any (entries written before evidence existed
 * read the same as ever). */
#define EVIDENCE_ROWS                                                                              \
    "SELECT v.event_id, v.position, v.sha256, v.name, v.kind, v.size FROM evidence v "            \
    "JOIN events e ON e.id = v.event_id WHERE e.licence_id = ?1 ORDER BY v.event_id, v.position"

/* A licence's corrections on review of a scan (corrections.c): a line "corrections <SHA-256 of
 * the rows>" after the state, as for evidence, only in entries of a licence that has any. */
#define CORRECTION_ROWS                                                                            \
    "SELECT version, position, field, read_value, corrected_value, actor, at FROM corrections "   \
    "WHERE licence_id = ?1 ORDER BY version, position"

/* The tables that make up a licence's state, each with the columns that are hashed, the
 * column naming the licence, and the order of its rows. One licence's rows are read with
 * "SELECT columns FROM table WHERE key = ?1 ORDER BY order"; a bulk import's licences all at
 * once, the key first and the same order within each (xk_content_texts_new). */
static const struct {
    const char *name; /* as verification reports it */
    const char *columns, *table, *key, *order;
    const char *sql;
} parts[XK_CONTENT_PARTS] = {
#define PART(name, columns, table, key, order)                                                     \
    {name, columns, table, key, order,                                                             \
     "SELECT " columns " FROM " table " WHERE " key " = ?1 ORDER BY " order}
    PART("licences row (its fields, version or removal)",
         "number, version, company, legal_representative, region, category, issuer, issued, "
         "expires, removed, removed_reason, removed_at, duties",
         "licences", "id", "id"),
    PART("services", "code", "services", "licence_id", "code"),
    PART("domains", "host, website_index, service, website_name", "domains", "licence_id",
         "website_index, host"),
    PART("events",
         "id, type, date, year, note, ref, recorded_at, actor, planned, voided_at, void_reason, "
         "voided_by",
         "events", "licence_id", "id"),
#undef PART
};

const char *xk_content_part_name(int part)
{
    return part >= 0 && part < XK_CONTENT_PARTS ? parts[part].name : "rows";
}

xk_status xk_content_state(xk_store *st, long long lid, char out[XK_CONTENT_PARTS][XK_SHA256_HEX],
                           xk_error *err)
{
    for (int i = 0; i < XK_CONTENT_PARTS; i++) {
        xk_status rc = rows_hash(st, parts[i].sql, lid, out[i], err);
        if (rc != XK_OK)
            return rc;
    }
    return XK_OK;
}

/* Appends "version N record source" for version (0: every version) of licence lid. */
static xk_status version_lines(xk_store *st, long long lid, int version, xk_buf *out,
                               xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(
        st,
        "SELECT version, record, source_sha256, record_sha256 FROM versions WHERE "
        "licence_id = ?1 AND (?2 = 0 OR version = ?2) ORDER BY version",
        err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, lid);
    xk_db_bind_int(s, 2, version);
    int step;
    bool missing = false; /* a value the store could not give (out of memory) */
    while (!missing && (step = xk_db_step(s)) == XK_DB_ROW) {
        char stored[XK_SHA256_HEX];
        const char *record = (const char *)xk_db_column_text(s, 1);
        size_t len = (size_t)xk_db_column_bytes(s, 1);
        const char *source = (const char *)xk_db_column_text(s, 2);
        const char *canonical = (const char *)xk_db_column_text(s, 3);
        missing = (!record && !xk_db_column_null(s, 1)) || (!source && !xk_db_column_null(s, 2)) ||
                  (!canonical && !xk_db_column_null(s, 3));
        if (missing)
            break;
        /* an SQL NULL (only a store altered outside xuke has one) reads as it always has: an
         * empty record, "(null)" for a hash, so entries written before read the same */
        xk_store_sha256_hex(record ? record : "", len, stored);
        xk_buf_printf(out, "version %d %s %s %s\n", xk_db_column_int(s, 0), stored,
                      source ? source : "(null)", canonical ? canonical : "(null)");
    }
    xk_status rc = missing ? xk_error_set(err, XK_ENOMEM, 0, "out of memory")
                   : step == XK_DB_DONE
                       ? XK_OK
                       : xk_store_db_error(st, err, "reading a licence's versions");
    xk_db_reset(s);
    return rc;
}

/* The state line and, for a licence with evidence files or corrections, their lines. */
static xk_status state_lines(xk_store *st, long long lid, xk_buf *b, xk_error *err)
{
    char state[XK_CONTENT_PARTS][XK_SHA256_HEX];
    xk_status rc = xk_content_state(st, lid, state, err);
    if (rc != XK_OK)
        return rc;
    xk_buf_printf(b, "state %s %s %s %s\n", state[0], state[1], state[2], state[3]);
    char evidence[XK_SHA256_HEX], corrections[XK_SHA256_HEX];
    long long files = 0, corrected = 0;
    rc = rows_hash_counted(st, EVIDENCE_ROWS, lid, evidence, &files, err);
    if (rc == XK_OK && files > 0)
        xk_buf_printf(b, "evidence %s\n", evidence);
    if (rc == XK_OK)
        rc = rows_hash_counted(st, CORRECTION_ROWS, lid, corrections, &corrected, err);
    if (rc == XK_OK && corrected > 0)
        xk_buf_printf(b, "corrections %s\n", corrections);
    return rc;
}

xk_status xk_content_text(xk_store *st, long long lid, int version, bool all_versions,
                          char **out, xk_error *err)
{
    *out = NULL;
    xk_buf b;
    xk_buf_init(&b);
    xk_status rc = state_lines(st, lid, &b, err);
    if (rc == XK_OK && (all_versions || version > 0))
        rc = version_lines(st, lid, all_versions ? 0 : version, &b, err);
    if (rc == XK_OK && b.oom)
        rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    if (rc != XK_OK) {
        xk_buf_free(&b);
        return rc;
    }
    *out = xk_buf_take(&b);
    return XK_OK;
}

xk_status xk_content_append(xk_store *st, const char *at, const char *action, const char *number,
                            const char *detail, int version, xk_error *err)
{
    existing ex;
    xk_status rc = xk_store_require_licence(st, number, &ex, err);
    if (rc != XK_OK)
        return rc;
    char *content;
    rc = xk_content_text(st, ex.id, version, false, &content, err);
    if (rc != XK_OK)
        return rc;
    rc = xk_audit_append_content(st, at, action, number, detail, content, err);
    free(content);
    return rc;
}

xk_status xk_content_append_line(xk_store *st, long long lid, const char *at, const char *action,
                                 const char *number, const char *detail, const char *state,
                                 const char *version_line, xk_error *err)
{
    xk_buf b;
    xk_buf_init(&b);
    xk_status rc = XK_OK;
    if (state && *state) {
        if (!xk_buf_puts(&b, state))
            rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    } else {
        rc = state_lines(st, lid, &b, err);
    }
    if (rc == XK_OK && !xk_buf_puts(&b, version_line))
        rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    if (rc == XK_OK)
        rc = xk_audit_append_content(st, at, action, number, detail, b.data, err);
    xk_buf_free(&b);
    return rc;
}

/* --- the state of a licence new to the store, without reading it back --------------------- */

/* A text field as the store gives it back: the put binds a missing text as "". */
static void put_text(xk_buf *b, const char *v)
{
    put_field(b, v ? v : "", v ? strlen(v) : 0);
}

static bool same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The services part's rows: each code once (the put's ON CONFLICT), in byte order (ORDER BY
 * code: SQLite's BINARY, PostgreSQL's "C" collation). */
static bool services_rows(const xk_licence *lic, xk_buf *b)
{
    const char **codes = malloc((lic->n_services ? lic->n_services : 1) * sizeof *codes);
    if (!codes)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < lic->n_services; i++) {
        size_t j = 0;
        while (j < n && !same_str(codes[j], lic->services[i].code))
            j++;
        if (j == n)
            codes[n++] = lic->services[i].code;
    }
    qsort(codes, n, sizeof *codes, by_text);
    for (size_t i = 0; i < n; i++) {
        put_text(b, codes[i]);
        xk_buf_putc(b, ';');
    }
    free(codes);
    return true;
}

/* The domains part's rows: per website in order (ORDER BY website_index, host), its hosts in
 * byte order, each once (the put's ON CONFLICT on host, licence, website). */
static bool domains_rows(const xk_licence *lic, xk_buf *b)
{
    for (size_t w = 0; w < lic->n_websites; w++) {
        const xk_website *site = &lic->websites[w];
        size_t n = site->domains.len;
        const char **hosts = malloc((n ? n : 1) * sizeof *hosts);
        if (!hosts)
            return false;
        size_t m = 0;
        for (size_t d = 0; d < n; d++) {
            const char *h = site->domains.items[d] ? site->domains.items[d] : "";
            size_t j = 0;
            while (j < m && strcmp(hosts[j], h) != 0)
                j++;
            if (j == m)
                hosts[m++] = h;
        }
        qsort(hosts, m, sizeof *hosts, by_text);
        char index[24]; /* bound as an int by put_index_rows */
        snprintf(index, sizeof index, "%d", (int)w);
        for (size_t d = 0; d < m; d++) {
            put_text(b, hosts[d]);
            put_text(b, index);
            put_text(b, site->code);
            put_text(b, site->name);
            xk_buf_putc(b, ';');
        }
        free(hosts);
    }
    return true;
}

xk_status xk_content_new_state(const xk_licence *lic, const char *duties,
                               char out[XK_CONTENT_STATE_LINE])
{
    out[0] = '\0';
    char issued[16], expires[16], hash[XK_CONTENT_PARTS][XK_SHA256_HEX];
    /* the licences row as upsert_licence writes a new one (parts[0]'s columns) */
    const char *row[] = {lic->number, "1", lic->company, lic->legal_representative, lic->region,
                         lic->category, lic->issuer,
                         xk_date_format(lic->issued, issued, sizeof issued),
                         xk_date_format(lic->expires, expires, sizeof expires), "0"};
    xk_buf b;
    xk_buf_init(&b);
    for (size_t i = 0; i < sizeof row / sizeof row[0]; i++)
        put_text(&b, row[i]);
    put_field(&b, NULL, 0); /* removed_reason */
    put_field(&b, NULL, 0); /* removed_at */
    put_text(&b, duties);
    xk_buf_putc(&b, ';');
    bool ok = !b.oom;
    if (ok)
        xk_store_sha256_hex(b.data, b.len, hash[0]);
    xk_buf_reset(&b);
    ok = ok && services_rows(lic, &b) && !b.oom;
    if (ok)
        xk_store_sha256_hex(b.data ? b.data : "", b.len, hash[1]);
    xk_buf_reset(&b);
    ok = ok && domains_rows(lic, &b) && !b.oom;
    if (ok)
        xk_store_sha256_hex(b.data ? b.data : "", b.len, hash[2]);
    xk_buf_free(&b);
    if (!ok)
        return XK_ENOMEM;
    xk_store_sha256_hex("", 0, hash[3]); /* no events yet */
    snprintf(out, XK_CONTENT_STATE_LINE, "state %s %s %s %s\n", hash[0], hash[1], hash[2],
             hash[3]);
    return XK_OK;
}

/* --- many new licences at once (a bulk import on PostgreSQL) ------------------------------ */

typedef struct id_at {
    long long id;
    size_t at; /* its index in the caller's array */
} id_at;

static int by_id(const void *a, const void *b)
{
    long long x = ((const id_at *)a)->id, y = ((const id_at *)b)->id;
    return x < y ? -1 : x > y;
}

/* The caller's index of id, or n when it is not one of the batch's. */
static size_t index_of(const id_at *sorted, size_t n, long long id)
{
    id_at key = {id, 0};
    const id_at *hit = bsearch(&key, sorted, n, sizeof *sorted, by_id);
    return hit ? hit->at : n;
}

/* Part p of every licence's state: the rows of all of them in one query, hashed per licence
 * exactly as rows_hash hashes one licence's (a licence without rows hashes ""). */
static xk_status part_many(xk_store *st, int p, const char *ids, const id_at *sorted, size_t n,
                           char (*state)[XK_CONTENT_PARTS][XK_SHA256_HEX], xk_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s, %s FROM %s WHERE %s = ANY(?1::bigint[]) ORDER BY %s, %s",
             parts[p].key, parts[p].columns, parts[p].table, parts[p].key, parts[p].key,
             parts[p].order);
    for (size_t i = 0; i < n; i++)
        xk_store_sha256_hex("", 0, state[i][p]);
    xk_stmt *s = xk_store_cached_stmt(st, sql, err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, ids, -1);
    xk_buf b;
    xk_buf_init(&b);
    size_t current = n;
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        size_t at = index_of(sorted, n, xk_db_column_int64(s, 0));
        if (at != current && current < n) {
            xk_store_sha256_hex(b.data ? b.data : "", b.len, state[current][p]);
            xk_buf_reset(&b);
        }
        current = at;
        hash_row(s, 1, &b);
    }
    if (current < n && !b.oom)
        xk_store_sha256_hex(b.data ? b.data : "", b.len, state[current][p]);
    xk_status rc = step != XK_DB_DONE ? xk_store_db_error(st, err, "hashing licences' rows")
                   : b.oom || xk_db_failed(s) ? xk_error_set(err, XK_ENOMEM, 0, "out of memory")
                                              : XK_OK;
    xk_db_reset(s);
    xk_buf_free(&b);
    return rc;
}

/* The array literal of ids ("{1,2,3}"); NULL for memory. */
static char *id_array(const long long *ids, size_t n)
{
    xk_buf b;
    xk_buf_init(&b);
    xk_buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++)
        xk_buf_printf(&b, "%s%lld", i ? "," : "", ids[i]);
    xk_buf_putc(&b, '}');
    return xk_buf_take(&b);
}

xk_status xk_content_texts_new(xk_store *st, const long long *ids,
                               const char *const *version_lines, size_t n, char **texts,
                               xk_error *err)
{
    memset(texts, 0, n * sizeof *texts);
    char *list = id_array(ids, n);
    id_at *sorted = malloc((n ? n : 1) * sizeof *sorted);
    char(*state)[XK_CONTENT_PARTS][XK_SHA256_HEX] = malloc((n ? n : 1) * sizeof *state);
    xk_buf *bufs = calloc(n ? n : 1, sizeof *bufs);
    xk_status rc = XK_OK;
    if (!list || !sorted || !state || !bufs)
        rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    for (size_t i = 0; rc == XK_OK && i < n; i++)
        sorted[i] = (id_at){ids[i], i};
    if (rc == XK_OK)
        qsort(sorted, n, sizeof *sorted, by_id);
    for (int p = 0; rc == XK_OK && p < XK_CONTENT_PARTS; p++)
        rc = part_many(st, p, list, sorted, n, state, err);
    for (size_t i = 0; rc == XK_OK && i < n; i++)
        xk_buf_printf(&bufs[i], "state %s %s %s %s\n", state[i][0], state[i][1], state[i][2],
                      state[i][3]);
    /* no evidence or corrections line: a licence just made has no events, so no evidence files,
     * and its corrections are recorded after it is made (xk_store_put_corrections) */
    for (size_t i = 0; rc == XK_OK && i < n; i++)
        xk_buf_puts(&bufs[i], version_lines[i]);
    for (size_t i = 0; rc == XK_OK && i < n; i++)
        if (bufs[i].oom || !(texts[i] = xk_buf_take(&bufs[i])))
            rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    for (size_t i = 0; bufs && i < n; i++)
        xk_buf_free(&bufs[i]);
    if (rc != XK_OK)
        for (size_t i = 0; i < n; i++) {
            free(texts[i]);
            texts[i] = NULL;
        }
    free(bufs);
    free(state);
    free(sorted);
    free(list);
    return rc;
}

/* --- the one-time anchor of stores made before content was recorded ---------------------- */

xk_status xk_content_anchor(xk_store *st, xk_error *err)
{
    xk_stmt *s;
    if (xk_db_prepare(st->db, "SELECT count(*) FROM audit_anchor", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading the audit anchor");
    bool done = xk_db_step(s) == XK_DB_ROW && xk_db_column_int64(s, 0) > 0;
    xk_db_finalize(s);
    if (done)
        return XK_OK;
    if (xk_db_prepare_scan(st->db, "SELECT id, number FROM licences ORDER BY id", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading licences");
    char at[32];
    xk_store_now_utc(at);
    xk_status rc = XK_OK;
    long long n = 0;
    int step;
    while (rc == XK_OK && (step = xk_db_step(s)) == XK_DB_ROW) {
        char *content;
        rc = xk_content_text(st, xk_db_column_int64(s, 0), 0, true, &content, err);
        if (rc == XK_OK) {
            rc = xk_audit_append_content(
                st, at, "anchor", (const char *)xk_db_column_text(s, 1),
                "re-anchored by the schema migration that added content to the audit log: the "
                "entries before this one did not cover the records",
                content, err);
            free(content);
        }
        n++;
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading licences");
    xk_db_finalize(s);
    if (rc != XK_OK)
        return rc;
    if (xk_db_prepare(st->db, "INSERT INTO audit_anchor(one, at, licences) VALUES (1, ?1, ?2)", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "writing the audit anchor");
    xk_db_bind_text(s, 1, at, -1);
    xk_db_bind_int64(s, 2, n);
    rc = xk_db_step(s) == XK_DB_DONE ? XK_OK
                                        : xk_store_db_error(st, err, "writing the audit anchor");
    xk_db_finalize(s);
    return rc;
}

/* --- verification ---------------------------------------------------------------------------- */

#define MAX_NAMED_VERSIONS 4096

typedef struct named {
    bool have_state;
    long long state_entry; /* the entry whose state is the latest */
    char state[XK_CONTENT_PARTS][XK_SHA256_HEX];
    bool have_evidence; /* the latest state entry named evidence files */
    char evidence[XK_SHA256_HEX];
    bool have_corrections; /* … and corrections */
    char corrections[XK_SHA256_HEX];
    struct {
        int version;
        long long entry;
        char record[XK_SHA256_HEX], source[XK_SHA256_HEX], canonical[XK_SHA256_HEX];
    } v[MAX_NAMED_VERSIONS];
    size_t n;
} named;

/* Reads one entry's content lines into nm (later entries override earlier ones). */
static void read_content(named *nm, long long entry, const char *content)
{
    for (const char *line = content; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[400];
        if (len < sizeof buf) {
            memcpy(buf, line, len);
            buf[len] = '\0';
            char a[XK_SHA256_HEX], b[XK_SHA256_HEX], c[XK_SHA256_HEX], d[XK_SHA256_HEX];
            int version;
            if (sscanf(buf, "state %64s %64s %64s %64s", a, b, c, d) == 4) {
                nm->have_state = true;
                nm->have_evidence = false; /* until this entry's own evidence line */
                nm->have_corrections = false;
                nm->state_entry = entry;
                memcpy(nm->state[0], a, sizeof a);
                memcpy(nm->state[1], b, sizeof b);
                memcpy(nm->state[2], c, sizeof c);
                memcpy(nm->state[3], d, sizeof d);
            } else if (sscanf(buf, "evidence %64s", a) == 1) {
                nm->have_evidence = true;
                memcpy(nm->evidence, a, sizeof a);
            } else if (sscanf(buf, "corrections %64s", a) == 1) {
                nm->have_corrections = true;
                memcpy(nm->corrections, a, sizeof a);
            } else if (sscanf(buf, "version %d %64s %64s %64s", &version, a, b, c) == 4) {
                size_t i = 0;
                while (i < nm->n && nm->v[i].version != version)
                    i++;
                if (i == nm->n && nm->n < MAX_NAMED_VERSIONS)
                    nm->n++;
                if (i < nm->n) {
                    nm->v[i].version = version;
                    nm->v[i].entry = entry;
                    memcpy(nm->v[i].record, a, sizeof a);
                    memcpy(nm->v[i].source, b, sizeof b);
                    memcpy(nm->v[i].canonical, c, sizeof c);
                }
            }
        }
        line += len + (end ? 1 : 0);
    }
}

static xk_status named_content(xk_store *st, const char *number, named *nm, xk_error *err)
{
    memset(nm, 0, sizeof *nm);
    xk_stmt *s = xk_store_cached_stmt(
        st, "SELECT id, content FROM audit WHERE number = ?1 AND content != '' ORDER BY id", err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, number, -1);
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW)
        read_content(nm, xk_db_column_int64(s, 0), (const char *)xk_db_column_text(s, 1));
    xk_status rc =
        step == XK_DB_DONE ? XK_OK : xk_store_db_error(st, err, "reading the audit log");
    xk_db_reset(s);
    return rc;
}

/* Which field of the licences row differs from the current version's record, for the message. */
static const char *differing_field(xk_store *st, long long lid)
{
    static const char *const fields[] = {"company", "legal_representative", "region",
                                         "category", "issuer", "issued", "expires"};
    xk_stmt *s;
    if (xk_db_prepare(st->db, "SELECT v.record, l.company, l.legal_representative, l.region, "
                           "l.category, l.issuer, l.issued, l.expires FROM licences l JOIN "
                           "versions v ON v.licence_id = l.id AND v.version = l.version "
                           "WHERE l.id = ?1", &s) != XK_DB_OK)
        return NULL;
    xk_db_bind_int64(s, 1, lid);
    const char *found = NULL;
    if (xk_db_step(s) == XK_DB_ROW) {
        json_t *rec = json_loads((const char *)xk_db_column_text(s, 0), 0, NULL);
        for (int i = 0; rec && !found && i < 7; i++) {
            const char *want = json_string_value(json_object_get(rec, fields[i]));
            const char *have = (const char *)xk_db_column_text(s, i + 1);
            if (want && have && strcmp(want, have) != 0)
                found = fields[i];
        }
        json_decref(rec);
    }
    xk_db_finalize(s);
    return found;
}

static xk_status check_state(xk_store *st, long long lid, const char *number, const named *nm,
                             xk_error *err)
{
    if (!nm->have_state)
        return xk_error_set(err, XK_ECONFLICT, 0,
                            "%s: no audit entry names this licence's content: it was added "
                            "outside xuke",
                            number);
    char now[XK_CONTENT_PARTS][XK_SHA256_HEX];
    xk_status rc = xk_content_state(st, lid, now, err);
    if (rc != XK_OK)
        return rc;
    for (int i = 0; i < XK_CONTENT_PARTS; i++) {
        if (strcmp(now[i], nm->state[i]) == 0)
            continue;
        const char *field = i == 0 ? differing_field(st, lid) : NULL;
        return xk_error_set(err, XK_ECONFLICT, 0,
                            "%s: its %s differs from what audit entry %lld recorded%s%s%s: it was "
                            "changed outside xuke",
                            number, xk_content_part_name(i), nm->state_entry,
                            field ? " (" : "", field ? field : "",
                            field ? " no longer matches the current version's record)" : "");
    }
    char evidence[XK_SHA256_HEX];
    long long files = 0;
    rc = rows_hash_counted(st, EVIDENCE_ROWS, lid, evidence, &files, err);
    if (rc != XK_OK)
        return rc;
    if (nm->have_evidence ? strcmp(evidence, nm->evidence) != 0 : files > 0)
        return xk_error_set(err, XK_ECONFLICT, 0,
                            "%s: its evidence files differ from what audit entry %lld recorded: "
                            "they were changed outside xuke",
                            number, nm->state_entry);
    char corrections[XK_SHA256_HEX];
    long long corrected = 0;
    rc = rows_hash_counted(st, CORRECTION_ROWS, lid, corrections, &corrected, err);
    if (rc != XK_OK)
        return rc;
    if (nm->have_corrections ? strcmp(corrections, nm->corrections) != 0 : corrected > 0)
        return xk_error_set(err, XK_ECONFLICT, 0,
                            "%s: its corrections on review differ from what audit entry %lld "
                            "recorded: they were changed outside xuke",
                            number, nm->state_entry);
    return XK_OK;
}

static xk_status check_document(xk_store *st, const char *number, int version, const char *sha,
                                xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(st, "SELECT body FROM documents WHERE sha256 = ?1", err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_text(s, 1, sha, -1);
    xk_status rc = XK_OK;
    int step = xk_db_step(s);
    if (step == XK_DB_ROW) {
        char have[XK_SHA256_HEX];
        xk_store_sha256_hex(xk_db_column_blob(s, 0), (size_t)xk_db_column_bytes(s, 0), have);
        if (strcmp(have, sha) != 0)
            rc = xk_error_set(err, XK_ECONFLICT, 0,
                              "%s version %d: its source document no longer hashes to %.16s…: "
                              "it was changed outside xuke",
                              number, version, sha);
    } else if (step == XK_DB_DONE) {
        rc = xk_error_set(err, XK_ECONFLICT, 0,
                          "%s version %d: its source document %.16s… is missing", number, version,
                          sha);
    } else {
        rc = xk_store_db_error(st, err, "reading a document");
    }
    xk_db_reset(s);
    return rc;
}

static xk_status check_versions(xk_store *st, long long lid, const char *number,
                                const named *nm, xk_error *err)
{
    xk_stmt *s;
    if (xk_db_prepare(st->db, "SELECT version, record, record_sha256, source_sha256 FROM versions "
                           "WHERE licence_id = ?1 ORDER BY version", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading versions");
    xk_db_bind_int64(s, 1, lid);
    xk_status rc = XK_OK;
    int step;
    while (rc == XK_OK && (step = xk_db_step(s)) == XK_DB_ROW) {
        int version = xk_db_column_int(s, 0);
        const char *record = (const char *)xk_db_column_text(s, 1);
        const char *rsha = (const char *)xk_db_column_text(s, 2);
        const char *ssha = (const char *)xk_db_column_text(s, 3);
        if (!record && !xk_db_column_null(s, 1)) {
            rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
            break;
        }
        char have[XK_SHA256_HEX];
        xk_store_sha256_hex(record ? record : "", (size_t)xk_db_column_bytes(s, 1), have);
        size_t i = 0;
        while (i < nm->n && nm->v[i].version != version)
            i++;
        if (i == nm->n)
            rc = xk_error_set(err, XK_ECONFLICT, 0,
                              "%s version %d: no audit entry names it: it was added outside xuke",
                              number, version);
        else if (strcmp(have, nm->v[i].record) != 0)
            rc = xk_error_set(err, XK_ECONFLICT, 0,
                              "%s version %d: its record hashes to %.16s…, audit entry %lld "
                              "recorded %.16s…: the record was changed outside xuke",
                              number, version, have, nm->v[i].entry, nm->v[i].record);
        else if (!rsha || strcmp(rsha, nm->v[i].canonical) != 0 || !ssha ||
                 strcmp(ssha, nm->v[i].source) != 0)
            rc = xk_error_set(err, XK_ECONFLICT, 0,
                              "%s version %d: its stored hashes differ from what audit entry %lld "
                              "recorded: they were changed outside xuke",
                              number, version, nm->v[i].entry);
        else
            rc = check_document(st, number, version, ssha, err);
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading versions");
    xk_db_finalize(s);
    return rc;
}

/* Each evidence file of the licence still hashes to the SHA-256 it is stored under. */
static xk_status check_evidence_files(xk_store *st, long long lid, const char *number,
                                      xk_error *err)
{
    xk_stmt *s;
    if (xk_db_prepare(st->db, "SELECT v.sha256, d.body FROM evidence v JOIN events e ON "
                           "e.id = v.event_id LEFT JOIN documents d ON d.sha256 = v.sha256 "
                           "WHERE e.licence_id = ?1 ORDER BY v.event_id, v.position", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading evidence");
    xk_db_bind_int64(s, 1, lid);
    xk_status rc = XK_OK;
    int step;
    while (rc == XK_OK && (step = xk_db_step(s)) == XK_DB_ROW) {
        const char *sha = (const char *)xk_db_column_text(s, 0);
        char have[XK_SHA256_HEX];
        if (xk_db_column_null(s, 1)) {
            rc = xk_error_set(err, XK_ECONFLICT, 0, "%s: evidence file %.16s… is missing",
                              number, sha ? sha : "");
            break;
        }
        xk_store_sha256_hex(xk_db_column_blob(s, 1), (size_t)xk_db_column_bytes(s, 1), have);
        if (!sha || strcmp(have, sha) != 0)
            rc = xk_error_set(err, XK_ECONFLICT, 0,
                              "%s: evidence file %.16s… no longer hashes to its name: it was "
                              "changed outside xuke",
                              number, sha ? sha : "");
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading evidence");
    xk_db_finalize(s);
    return rc;
}

/* A licence the chain names that the store no longer holds (deleted outside xuke). */
static xk_status check_missing(xk_store *st, xk_error *err)
{
    xk_stmt *s;
    if (xk_db_prepare(st->db, "SELECT number FROM audit WHERE content != '' AND number NOT IN "
                           "(SELECT number FROM licences) LIMIT 1", &s) != XK_DB_OK)
        return xk_store_db_error(st, err, "reading the audit log");
    xk_status rc = XK_OK;
    int step = xk_db_step(s);
    if (step == XK_DB_ROW)
        rc = xk_error_set(err, XK_ECONFLICT, 0,
                          "%s: the audit log names it but the store no longer holds it: it was "
                          "deleted outside xuke",
                          (const char *)xk_db_column_text(s, 0));
    else if (step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading the audit log");
    xk_db_finalize(s);
    return rc;
}

xk_status xk_content_verify(xk_store *st, xk_error *err)
{
    named *nm = malloc(sizeof *nm);
    if (!nm)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    xk_stmt *s;
    if (xk_db_prepare_scan(st->db, "SELECT id, number FROM licences ORDER BY id", &s) != XK_DB_OK) {
        free(nm);
        return xk_store_db_error(st, err, "reading licences");
    }
    xk_status rc = XK_OK;
    int step;
    while (rc == XK_OK && (step = xk_db_step(s)) == XK_DB_ROW) {
        long long lid = xk_db_column_int64(s, 0);
        char number[64];
        snprintf(number, sizeof number, "%s", (const char *)xk_db_column_text(s, 1));
        rc = named_content(st, number, nm, err);
        if (rc == XK_OK)
            rc = check_state(st, lid, number, nm, err);
        if (rc == XK_OK)
            rc = check_versions(st, lid, number, nm, err);
        if (rc == XK_OK)
            rc = check_evidence_files(st, lid, number, err);
    }
    if (rc == XK_OK && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "reading licences");
    xk_db_finalize(s);
    free(nm);
    return rc == XK_OK ? check_missing(st, err) : rc;
}
