/*
 * Many licences stored at once, for bulk imports. On SQLite a put is a few calls into the same
 * process and this is a loop over xk_store_put_locked. On PostgreSQL each statement is a round
 * trip to the server, and a licence's put is a score of them (look-up, document, licence,
 * version, each service and domain, the content hashes, the audit head and entry): so the
 * licences of a batch that are new to the store are written together, each table's rows by one
 * binary COPY (ids drawn from the licences' sequence first), their content hashes read back
 * for all of them in five queries, and their audit entries appended by one COPY. The rows,
 * the content the chain names and the entries are those one-by-one puts would make, in the
 * same order; whatever is not new (a new version, the same record again, a number met twice
 * in the batch) goes through the one-by-one put in its place, after the new ones before it.
 *
 * COPY has no ON CONFLICT: what the one-by-one statements leave out by it (a document already
 * stored, a service or domain listed twice) is left out here before the rows are sent. That
 * is safe because the whole batch runs inside the caller's write transaction, which holds the
 * registry's writer lock: no other writer adds a document in between. On a store error the
 * caller rolls the transaction back and nothing of the batch stays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "internal.h"
#include "xuke/limits.h"
#include "xuke/text.h"

/* A set of licence numbers (open addressing; the batch's items own the strings). */
typedef struct numbers {
    const char **slot;
    size_t cap;
} numbers;

static size_t hash_of(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Adds number; false when it was there already. */
static bool numbers_add(numbers *set, const char *number)
{
    size_t i = hash_of(number) & (set->cap - 1);
    while (set->slot[i]) {
        if (strcmp(set->slot[i], number) == 0)
            return false;
        i = (i + 1) & (set->cap - 1);
    }
    set->slot[i] = number;
    return true;
}

/* The set's own string equal to number, or NULL. */
static const char *numbers_find(const numbers *set, const char *number)
{
    if (!number)
        return NULL;
    size_t i = hash_of(number) & (set->cap - 1);
    for (; set->slot[i]; i = (i + 1) & (set->cap - 1))
        if (strcmp(set->slot[i], number) == 0)
            return set->slot[i];
    return NULL;
}

static bool numbers_has(const numbers *set, const char *number)
{
    return numbers_find(set, number) != NULL;
}

static void numbers_clear(numbers *set)
{
    memset(set->slot, 0, set->cap * sizeof *set->slot);
}

/* The text array literal of v[0..n) ({"a","b"}), into b. */
static void array_literal(xk_buf *b, const char *const *v, size_t n)
{
    xk_buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        xk_buf_puts(b, i ? ",\"" : "\"");
        for (const char *p = v[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                xk_buf_putc(b, '\\');
            xk_buf_putc(b, *p);
        }
        xk_buf_putc(b, '"');
    }
    xk_buf_putc(b, '}');
}

/* Which of the strings in asked the query (one text[] parameter, one text column) finds: the
 * asked set's own strings are added to found (the row's go at the next step). */
static xk_status look_up(xk_store *st, const char *sql, const numbers *asked, numbers *found,
                         const char *doing, xk_error *err)
{
    const char **v = malloc(asked->cap * sizeof *v);
    if (!v)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < asked->cap; i++)
        if (asked->slot[i])
            v[n++] = asked->slot[i];
    xk_buf list;
    xk_buf_init(&list);
    array_literal(&list, v, n);
    free(v);
    if (list.oom)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    xk_stmt *s = xk_store_cached_stmt(st, sql, err);
    if (!s) {
        xk_buf_free(&list);
        return xk_store_stmt_failure(err);
    }
    xk_db_bind_text(s, 1, list.data, (int)list.len);
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        const char *hit = numbers_find(asked, xk_db_column_text(s, 0));
        if (hit)
            numbers_add(found, hit);
    }
    xk_status rc = step != XK_DB_DONE ? xk_store_db_error(st, err, doing)
                   : xk_db_failed(s)  ? xk_error_set(err, XK_ENOMEM, 0, "out of memory")
                                      : XK_OK;
    xk_db_reset(s);
    xk_buf_free(&list);
    return rc;
}

/* --- a run of new licences ------------------------------------------------------------------ */

typedef struct run {
    size_t *at; /* indexes into the batch's items */
    size_t n;
    char (*stamp)[32]; /* each one's time, taken when its turn came */
    numbers docs, stored_docs; /* the run's source documents; those the store has already */
} run;

static void copy_date(xk_buf *rows, xk_date d)
{
    char text[16];
    xk_pgcopy_text(rows, xk_date_format(d, text, sizeof text));
}

/* The k-th licence's source document, when the store lacks it and the run has not sent it
 * yet (r->docs: those already sent). */
static void document_row(const xk_batch_item *items, run *r, size_t k, xk_buf *rows)
{
    const xk_batch_item *it = &items[r->at[k]];
    const char *sha = it->prep->source_sha256;
    if (numbers_has(&r->stored_docs, sha) || !numbers_add(&r->docs, sha))
        return;
    xk_pgcopy_row(rows, 5);
    xk_pgcopy_text(rows, sha);
    xk_pgcopy_text(rows, it->kind);
    xk_pgcopy_int8(rows, (long long)it->source_len);
    xk_pgcopy_bytes(rows, it->source, it->source_len);
    xk_pgcopy_text(rows, r->stamp[k]);
}

static void licence_row(const xk_batch_item *it, long long id, xk_buf *rows)
{
    const xk_licence *lic = it->lic;
    xk_pgcopy_row(rows, 11);
    xk_pgcopy_int8(rows, id);
    xk_pgcopy_text(rows, lic->number);
    xk_pgcopy_int4(rows, 1);
    const char *fields[] = {lic->company, lic->legal_representative, lic->region, lic->category,
                            lic->issuer};
    for (int f = 0; f < 5; f++)
        xk_pgcopy_text(rows, fields[f]);
    copy_date(rows, lic->issued);
    copy_date(rows, lic->expires);
    xk_pgcopy_text(rows, it->prep->duties);
}

static void version_row(const xk_store *st, const xk_batch_item *it, long long id,
                        const char *stamp, xk_buf *rows)
{
    xk_pgcopy_row(rows, 7);
    xk_pgcopy_int8(rows, id);
    xk_pgcopy_int4(rows, 1);
    const char *rest[] = {it->prep->json, it->prep->record_sha256, it->prep->source_sha256, stamp,
                          st->actor};
    for (int f = 0; f < 5; f++)
        xk_pgcopy_text(rows, rest[f]);
}

static bool same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* A licence's services, each once (the one-by-one statements' ON CONFLICT). */
static void service_rows(const xk_licence *lic, long long id, xk_buf *rows)
{
    for (size_t i = 0; i < lic->n_services; i++) {
        size_t j = 0;
        while (j < i && !same_text(lic->services[j].code, lic->services[i].code))
            j++;
        if (j < i)
            continue;
        xk_pgcopy_row(rows, 2);
        xk_pgcopy_text(rows, lic->services[i].code);
        xk_pgcopy_int8(rows, id);
    }
}

/* A licence's domains, each once per website (the one-by-one statements' ON CONFLICT). */
static void domain_rows(const xk_licence *lic, long long id, xk_buf *rows)
{
    for (size_t w = 0; w < lic->n_websites; w++) {
        const xk_website *site = &lic->websites[w];
        for (size_t d = 0; d < site->domains.len; d++) {
            size_t e = 0;
            while (e < d && !same_text(site->domains.items[e], site->domains.items[d]))
                e++;
            if (e < d)
                continue;
            xk_pgcopy_row(rows, 5);
            xk_pgcopy_text(rows, site->domains.items[d]);
            xk_pgcopy_int8(rows, id);
            xk_pgcopy_int4(rows, (int)w);
            xk_pgcopy_text(rows, site->code);
            xk_pgcopy_text(rows, site->name);
        }
    }
}

/* ids for the run's licences from the licences' own sequence, ascending in the run's order
 * (as one-by-one inserts would have them). */
static xk_status draw_ids(xk_store *st, const run *r, long long *ids, xk_error *err)
{
    xk_stmt *s = xk_store_cached_stmt(st,
                                      "SELECT nextval(pg_get_serial_sequence('licences', 'id')) "
                                      "FROM generate_series(1, ?1)",
                                      err);
    if (!s)
        return xk_store_stmt_failure(err);
    xk_db_bind_int64(s, 1, (long long)r->n);
    size_t got = 0;
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW && got < r->n)
        ids[got++] = xk_db_column_int64(s, 0);
    xk_status rc = step != XK_DB_DONE && step != XK_DB_ROW
                       ? xk_store_db_error(st, err, "numbering the licences")
                   : got != r->n ? xk_error_set(err, XK_EDB, 0, "numbering the licences: %zu ids "
                                                                "for %zu licences", got, r->n)
                                 : XK_OK;
    xk_db_reset(s);
    for (size_t i = 1; rc == XK_OK && i < got; i++) /* insertion sort: they come in order */
        for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
            long long t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    return rc;
}

enum { T_DOCUMENTS, T_LICENCES, T_VERSIONS, T_SERVICES, T_DOMAINS, N_TABLES };

/* Table t's rows of the run, sent as they are made in pieces of XK_PG_COPY_PIECE_BYTES: the
 * server stores one piece while this thread makes the next, instead of waiting for all of
 * them. */
static int copy_table(xk_store *st, const xk_batch_item *items, run *r, const long long *ids,
                      int t, xk_buf *rows)
{
    static const char *const copy_sql[N_TABLES] = {
        "COPY documents(sha256, kind, size, body, created_at) FROM STDIN (FORMAT binary)",
        "COPY licences(id, number, version, company, legal_representative, region, category, "
        "issuer, issued, expires, duties) FROM STDIN (FORMAT binary)",
        "COPY versions(licence_id, version, record, record_sha256, source_sha256, imported_at, "
        "actor) FROM STDIN (FORMAT binary)",
        "COPY services(code, licence_id) FROM STDIN (FORMAT binary)",
        "COPY domains(host, licence_id, website_index, service, website_name) FROM STDIN "
        "(FORMAT binary)",
    };
    if (xk_db_pg_copy_begin(st->db, copy_sql[t]) != XK_DB_OK)
        return XK_DB_FAIL;
    int sent = XK_DB_OK;
    xk_buf_reset(rows);
    for (size_t k = 0; sent == XK_DB_OK && k < r->n; k++) {
        const xk_batch_item *it = &items[r->at[k]];
        switch (t) {
        case T_DOCUMENTS: document_row(items, r, k, rows); break;
        case T_LICENCES: licence_row(it, ids[k], rows); break;
        case T_VERSIONS: version_row(st, it, ids[k], r->stamp[k], rows); break;
        case T_SERVICES: service_rows(it->lic, ids[k], rows); break;
        default: domain_rows(it->lic, ids[k], rows); break;
        }
        if (rows->len >= XK_PG_COPY_PIECE_BYTES || rows->oom || k + 1 == r->n)
            sent = xk_db_pg_copy_put(st->db, rows);
    }
    return xk_db_pg_copy_end(st->db, sent);
}

static xk_status copy_rows(xk_store *st, const xk_batch_item *items, run *r,
                           const long long *ids, xk_error *err)
{
    numbers_clear(&r->docs);
    numbers_clear(&r->stored_docs);
    for (size_t k = 0; k < r->n; k++)
        numbers_add(&r->docs, items[r->at[k]].prep->source_sha256);
    xk_status rc = look_up(st, "SELECT sha256 FROM documents WHERE sha256 = ANY(?1::text[])",
                           &r->docs, &r->stored_docs, "looking up the documents", err);
    if (rc != XK_OK)
        return rc;
    numbers_clear(&r->docs); /* now: the documents sent */
    static const char *const doing[N_TABLES] = {"storing the source documents",
                                                "storing the licences", "storing the versions",
                                                "storing the services", "storing the domains"};
    xk_buf rows;
    xk_buf_init(&rows);
    for (int t = 0; t < N_TABLES && rc == XK_OK; t++)
        if (copy_table(st, items, r, ids, t, &rows) != XK_DB_OK)
            rc = xk_store_db_error(st, err, doing[t]);
    xk_buf_free(&rows);
    return rc;
}

/* Each licence's content text: its state as made with the record on the import's workers
 * (xk_prepared.new_state), so the rows need not be read back; read back, for all of them in four
 * queries, when one of them has none. */
static xk_status new_texts(xk_store *st, const xk_batch_item *items, const run *r,
                           const long long *ids, const char *const *line_of, char **texts,
                           xk_error *err)
{
    size_t made = 0;
    while (made < r->n && items[r->at[made]].prep->new_state[0])
        made++;
    if (made < r->n)
        return xk_content_texts_new(st, ids, line_of, r->n, texts, err);
    for (size_t k = 0; k < r->n; k++) {
        xk_buf b;
        xk_buf_init(&b);
        xk_buf_puts(&b, items[r->at[k]].prep->new_state);
        xk_buf_puts(&b, line_of[k]);
        if (b.oom || !(texts[k] = xk_buf_take(&b))) {
            xk_buf_free(&b);
            for (size_t j = 0; j < k; j++) {
                free(texts[j]);
                texts[j] = NULL;
            }
            return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
        }
    }
    return XK_OK;
}

/* The run's audit entries, one per licence in the run's order, as store.c's put writes them. */
static xk_status audit_run(xk_store *st, xk_batch_item *items, const run *r, const long long *ids,
                           xk_error *err)
{
    char **texts = calloc(r->n, sizeof *texts);
    xk_audit_new *entries = calloc(r->n, sizeof *entries);
    char (*details)[160] = calloc(r->n, sizeof *details);
    /* each version line from what was written (as store.c's put), not read back */
    char (*lines)[XK_SHA256_HEX * 3 + 32] = calloc(r->n, sizeof *lines);
    const char **line_of = calloc(r->n, sizeof *line_of);
    for (size_t k = 0; lines && line_of && k < r->n; k++) {
        const xk_prepared *prep = items[r->at[k]].prep;
        snprintf(lines[k], sizeof lines[k], "version 1 %s %s %s\n", prep->json_sha256,
                 prep->source_sha256, prep->record_sha256);
        line_of[k] = lines[k];
    }
    xk_status rc = texts && entries && details && lines && line_of
                       ? new_texts(st, items, r, ids, line_of, texts, err)
                       : xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    for (size_t k = 0; rc == XK_OK && k < r->n; k++) {
        const xk_batch_item *it = &items[r->at[k]];
        snprintf(details[k], sizeof details[k], "version %d from %s document %.16s", 1, it->kind,
                 it->prep->source_sha256);
        entries[k] = (xk_audit_new){r->stamp[k], "import", it->lic->number, details[k], texts[k]};
    }
    if (rc == XK_OK)
        rc = xk_audit_append_many(st, entries, r->n, err);
    for (size_t k = 0; texts && k < r->n; k++)
        free(texts[k]);
    free(texts);
    free(entries);
    free(details);
    free(lines);
    free(line_of);
    return rc;
}

/* Writes the run's licences and empties it. */
static xk_status flush_run(xk_store *st, xk_batch_item *items, run *r, xk_error *err)
{
    if (!r->n)
        return XK_OK;
    long long *ids = calloc(r->n, sizeof *ids);
    if (!ids)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    xk_status rc = draw_ids(st, r, ids, err);
    if (rc == XK_OK)
        rc = copy_rows(st, items, r, ids, err);
    if (rc == XK_OK)
        rc = audit_run(st, items, r, ids, err);
    for (size_t k = 0; rc == XK_OK && k < r->n; k++)
        items[r->at[k]].res = (xk_import_result){XK_IMPORT_NEW, 1};
    free(ids);
    r->n = 0;
    return rc;
}

static xk_status batch_pg(xk_store *st, xk_batch_item *items, size_t n, numbers *known,
                          numbers *in_run, run *r, xk_error *err)
{
    for (size_t i = 0; i < n; i++) /* in_run: for now, every number asked about */
        numbers_add(in_run, items[i].lic->number);
    xk_status rc = look_up(st, "SELECT number FROM licences WHERE number = ANY(?1::text[])",
                           in_run, known, "looking up the licences", err);
    numbers_clear(in_run);
    for (size_t i = 0; rc == XK_OK && i < n; i++) {
        const char *number = items[i].lic->number;
        if (!numbers_has(known, number) && numbers_add(in_run, number)) {
            r->at[r->n] = i;
            xk_store_now_utc(r->stamp[r->n]);
            r->n++;
            continue;
        }
        /* in the store, or met earlier in this batch: after the new ones before it */
        rc = flush_run(st, items, r, err);
        numbers_clear(in_run);
        if (rc == XK_OK)
            rc = xk_store_put_locked(st, items[i].lic, items[i].source, items[i].source_len,
                                     items[i].kind, items[i].prep, &items[i].res, err);
        numbers_add(known, number);
    }
    return rc == XK_OK ? flush_run(st, items, r, err) : rc;
}

/* PostgreSQL plans from statistics its autovacuum gathers later; right after a bulk import they
 * still describe the registry before it (or nothing), and lookups by host or company were
 * planned as scans: so they are refreshed for the tables the import filled. And the company
 * index's new entries are merged into it: GIN's fast update keeps them in a pending list that
 * every search reads whole until a VACUUM merges it (up to gin_pending_list_limit, 4 MB), which
 * made a distinctive company search 1.3 ms on the server at 100,000 licences instead of 30 µs.
 * Tuning only: a failure here (a user who does not own the index) changes speed, never
 * content. */
void xk_store_after_bulk(xk_store *st, size_t stored)
{
    if (!xk_store_is_pg(st) || !stored)
        return;
    xk_db_exec(st->db, "ANALYZE documents, licences, versions, services, domains, audit");
    xk_db_exec(st->db, "SELECT gin_clean_pending_list('licences_company_trgm')");
}

static numbers numbers_new(size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    return (numbers){calloc(cap, sizeof(char *)), cap};
}

xk_status xk_store_put_batch(xk_store *st, xk_batch_item *items, size_t n, xk_error *err)
{
    xk_status rc = xk_store_write_begin(st, err);
    if (rc != XK_OK)
        return rc;
    if (!xk_store_is_pg(st)) {
        for (size_t i = 0; rc == XK_OK && i < n; i++)
            rc = xk_store_put_locked(st, items[i].lic, items[i].source, items[i].source_len,
                                     items[i].kind, items[i].prep, &items[i].res, err);
        return xk_store_write_end(st, rc, err);
    }
    numbers known = numbers_new(n), in_run = numbers_new(n);
    run r = {calloc(n ? n : 1, sizeof *r.at), 0, calloc(n ? n : 1, sizeof *r.stamp),
             numbers_new(n), numbers_new(n)};
    if (!known.slot || !in_run.slot || !r.at || !r.stamp || !r.docs.slot || !r.stored_docs.slot)
        rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    else
        rc = batch_pg(st, items, n, &known, &in_run, &r, err);
    free(known.slot);
    free(in_run.slot);
    free(r.at);
    free(r.stamp);
    free(r.docs.slot);
    free(r.stored_docs.slot);
    return xk_store_write_end(st, rc, err);
}
