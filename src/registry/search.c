/*
 * Registry queries. One SQL statement is composed per query from the filters given, every value
 * bound as a parameter (never spliced into SQL). Company names go through the FTS5 trigram index
 * (any part of a name, no word breaks needed) when the text has three characters or more;
 * shorter text falls back to a LIKE scan, documented as slower. A host name is looked up as
 * itself and as each parent domain, so www.xiaohe.cn finds the licence listing xiaohe.cn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "internal.h"
#include "xuke/text.h"

#define MAX_BINDS 24
#define MAX_LABELS 10

void xk_query_init(xk_query *q)
{
    memset(q, 0, sizeof *q);
    q->expiring_within = -1;
}

bool xk_host_normalise(const char *host, char *out, size_t size)
{
    const char *p = host;
    while (*p == ' ')
        p++;
    const char *scheme = strstr(p, "://");
    if (scheme)
        p = scheme + 3;
    size_t n = 0;
    for (; *p && *p != '/' && *p != ':' && *p != ' ' && *p != '?' && *p != '#'; p++) {
        if (n + 1 >= size)
            return false;
        char c = *p;
        out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    while (n > 0 && out[n - 1] == '.')
        n--;
    out[n] = '\0';
    return n > 0 && xk_utf8_valid(out, n, NULL); /* bytes that are no text are no host */
}

typedef struct binds {
    const char *text[MAX_BINDS];
    long long num[MAX_BINDS];
    bool is_num[MAX_BINDS];
    int n;
} binds;

static int bind_str(binds *b, const char *s)
{
    b->text[b->n] = s;
    b->is_num[b->n] = false;
    return ++b->n;
}

/* FTS5 phrase: the text in double quotes, inner quotes doubled. */
static char *fts_phrase(const char *s)
{
    xk_buf b;
    xk_buf_init(&b);
    xk_buf_putc(&b, '"');
    for (; *s; s++) {
        if (*s == '"')
            xk_buf_putc(&b, '"');
        xk_buf_putc(&b, *s);
    }
    xk_buf_putc(&b, '"');
    return xk_buf_take(&b);
}

/* LIKE pattern %text% with \ escaping. */
static char *like_pattern(const char *s)
{
    xk_buf b;
    xk_buf_init(&b);
    xk_buf_putc(&b, '%');
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            xk_buf_putc(&b, '\\');
        xk_buf_putc(&b, *s);
    }
    xk_buf_putc(&b, '%');
    return xk_buf_take(&b);
}

typedef struct built {
    xk_buf sql;
    xk_buf where; /* the filters, over licences l (and domains d) */
    binds b;
    char *owned[8];
    int n_owned;
    char hosts[MAX_LABELS][256];
    int n_hosts;
} built;

/* The company filter; true when it goes through the trigram index (three characters or more).
 * joined: the query joins company_fts itself (compose_keyed), so the filter is its MATCH. */
static bool add_company(built *q, const char *company, bool joined, bool pg)
{
    char *tidy = xk_text_tidy(company, strlen(company));
    if (!tidy)
        return false;
    q->owned[q->n_owned++] = tidy;
    if (pg) { /* the pg_trgm GIN index serves ILIKE from three characters; shorter text scans */
        char *pat = like_pattern(tidy);
        q->owned[q->n_owned++] = pat;
        xk_buf_printf(&q->where, " AND l.company ILIKE ?%d ESCAPE '\\'",
                      bind_str(&q->b, pat ? pat : ""));
        return xk_utf8_count(tidy, strlen(tidy)) >= 3;
    }
    if (xk_utf8_count(tidy, strlen(tidy)) >= 3) {
        char *phrase = fts_phrase(tidy);
        q->owned[q->n_owned++] = phrase;
        int i = bind_str(&q->b, phrase ? phrase : "");
        if (joined)
            xk_buf_printf(&q->where, " AND company_fts MATCH ?%d", i);
        else
            xk_buf_printf(&q->where,
                          " AND l.id IN (SELECT rowid FROM company_fts WHERE "
                          "company_fts MATCH ?%d)",
                          i);
        return true;
    }
    char *pat = like_pattern(tidy);
    q->owned[q->n_owned++] = pat;
    xk_buf_printf(&q->where, " AND l.company LIKE ?%d ESCAPE '\\'",
                  bind_str(&q->b, pat ? pat : ""));
    return false;
}

static bool add_domain(built *q, const char *domain)
{
    char host[256];
    if (!xk_host_normalise(domain, host, sizeof host))
        return false;
    /* the host, then each parent with at least two labels */
    const char *p = host;
    while (p && q->n_hosts < MAX_LABELS) {
        snprintf(q->hosts[q->n_hosts++], sizeof q->hosts[0], "%s", p);
        const char *dot = strchr(p, '.');
        if (!dot || !strchr(dot + 1, '.'))
            break;
        p = dot + 1;
    }
    xk_buf_puts(&q->where, " AND d.host IN (");
    for (int i = 0; i < q->n_hosts; i++)
        xk_buf_printf(&q->where, "%s?%d", i ? ", " : "", bind_str(&q->b, q->hosts[i]));
    xk_buf_puts(&q->where, ")");
    return true;
}

#define COLUMNS "SELECT l.number, l.company, l.issued, l.expires, l.version, l.removed"

/*
 * A company search with a limit and no filter on other columns of the licence: the matches'
 * numbers are read from licences_key (id, removed, number), a narrow index that stays in the page
 * cache, joined to the trigram index's rowids, and only the page of results is read from the
 * licences table. A fragment common to thousands of names otherwise reads a table page per match
 * to sort them by number (schema migration 6). A join, not IN (...): no list of the matches is
 * built first.
 */
static void compose_keyed(const xk_query *q, built *out)
{
    xk_buf_printf(&out->sql,
                  COLUMNS " FROM licences l WHERE l.id IN (SELECT l.id FROM company_fts JOIN "
                          "licences l INDEXED BY licences_key ON l.id = company_fts.rowid%s "
                          "ORDER BY l.number LIMIT %zu) ORDER BY l.number",
                  out->where.data, q->limit);
}

static void compose(const xk_query *q, built *out, bool domain)
{
    if (domain)
        xk_buf_puts(&out->sql, COLUMNS ", d.host, d.website_index, d.service, d.website_name "
                                       "FROM licences l JOIN domains d ON d.licence_id = l.id");
    else
        xk_buf_puts(&out->sql, COLUMNS " FROM licences l");
    xk_buf_puts(&out->sql, out->where.data);
    xk_buf_puts(&out->sql, domain ? " ORDER BY length(d.host) DESC, l.number, d.website_index"
                                  : " ORDER BY l.number");
    if (q->limit)
        xk_buf_printf(&out->sql, " LIMIT %zu", q->limit);
}

static void add_dates(const xk_query *q, built *out)
{
    char a[16];
    if (xk_date_is_set(q->valid_on)) {
        char *d = strdup(xk_date_format(q->valid_on, a, sizeof a));
        out->owned[out->n_owned++] = d;
        int i = bind_str(&out->b, d ? d : "");
        xk_buf_printf(&out->where, " AND l.issued <= ?%d AND l.expires >= ?%d", i, i);
    }
    if (q->expiring_within >= 0) {
        /* ISO dates compare as text, so the expires index serves the range */
        char b1[16], b2[16];
        xk_date until = xk_date_from_days(xk_date_to_days(q->as_of) + q->expiring_within);
        char *from = strdup(xk_date_format(q->as_of, b1, sizeof b1));
        char *to = strdup(xk_date_format(until, b2, sizeof b2));
        out->owned[out->n_owned++] = from;
        out->owned[out->n_owned++] = to;
        int i = bind_str(&out->b, from ? from : "");
        int j = bind_str(&out->b, to ? to : "");
        xk_buf_printf(&out->where, " AND l.expires BETWEEN ?%d AND ?%d", i, j);
    }
}

/* Filters that need a licence column other than id, removed and number. */
static bool filters_other_columns(const xk_query *q)
{
    return q->region || (q->issuer && *q->issuer) || xk_date_is_set(q->valid_on) ||
           q->expiring_within >= 0;
}

static xk_status build(const xk_query *q, bool pg, built *out, xk_error *err)
{
    memset(out, 0, sizeof *out);
    xk_buf_init(&out->sql);
    xk_buf_init(&out->where);
    bool domain = q->domain && *q->domain, fts = false;
    bool keyed = !pg && !domain && q->limit && !filters_other_columns(q);
    xk_buf_puts(&out->where, " WHERE 1 = 1");
    if (domain && !add_domain(out, q->domain))
        return xk_error_set(err, XK_EUSAGE, 0, "\"%s\" is not a host name", q->domain);
    if (!q->include_removed)
        xk_buf_puts(&out->where, " AND l.removed = 0");
    if (q->company && *q->company)
        fts = add_company(out, q->company, keyed, pg);
    if (q->service && *q->service)
        xk_buf_printf(&out->where,
                      " AND EXISTS (SELECT 1 FROM services s WHERE s.code = ?%d AND "
                      "s.licence_id = l.id)",
                      bind_str(&out->b, q->service));
    if (q->region)
        xk_buf_printf(&out->where, " AND l.region = ?%d", bind_str(&out->b, q->region));
    if (q->issuer && *q->issuer)
        xk_buf_printf(&out->where, " AND l.issuer = ?%d", bind_str(&out->b, q->issuer));
    add_dates(q, out);
    if (q->after && *q->after)
        xk_buf_printf(&out->where, " AND l.number > ?%d", bind_str(&out->b, q->after));
    if (out->where.oom)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory building the query");
    if (fts && keyed)
        compose_keyed(q, out);
    else
        compose(q, out, domain);
    if (out->sql.oom || out->b.n > MAX_BINDS)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory building the query");
    return XK_OK;
}

static void built_free(built *b)
{
    xk_buf_free(&b->sql);
    xk_buf_free(&b->where);
    for (int i = 0; i < b->n_owned; i++)
        free(b->owned[i]);
}

static bool col(char *dst, size_t size, xk_stmt *s, int c)
{
    return xk_store_text_col(s, c, dst, size);
}

xk_status xk_store_search_count(xk_store *st, const xk_query *q, size_t *total, xk_error *err)
{
    *total = 0;
    xk_status pending = xk_store_index_companies(st, err); /* the transaction's own, too */
    if (pending != XK_OK)
        return pending;
    xk_query all = *q;
    all.limit = 0; /* the whole match, whatever page the caller shows */
    built b;
    xk_status rc = build(&all, xk_store_is_pg(st), &b, err);
    xk_buf count;
    xk_buf_init(&count);
    xk_buf_printf(&count, "SELECT count(*) FROM (%s) AS matches", b.sql.data ? b.sql.data : "");
    if (rc == XK_OK && count.oom)
        rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory building the query");
    xk_stmt *s = NULL;
    if (rc == XK_OK && xk_db_prepare(st->db, count.data, &s) != XK_DB_OK)
        rc = xk_store_db_error(st, err, "counting matches");
    for (int i = 0; rc == XK_OK && i < b.b.n; i++) {
        if (b.b.is_num[i])
            xk_db_bind_int64(s, i + 1, b.b.num[i]);
        else
            xk_db_bind_text(s, i + 1, b.b.text[i], -1);
    }
    if (rc == XK_OK) {
        if (xk_db_step(s) == XK_DB_ROW)
            *total = (size_t)xk_db_column_int64(s, 0);
        else
            rc = xk_store_db_error(st, err, "counting matches");
    }
    xk_db_finalize(s);
    xk_buf_free(&count);
    built_free(&b);
    return rc;
}

xk_status xk_store_search(xk_store *st, const xk_query *q, xk_hit_fn fn, void *ctx, xk_error *err)
{
    xk_status pending = xk_store_index_companies(st, err); /* the transaction's own, too */
    if (pending != XK_OK)
        return pending;
    built b;
    xk_status rc = build(q, xk_store_is_pg(st), &b, err);
    if (rc != XK_OK) {
        built_free(&b);
        return rc;
    }
    /* every match (an export): on PostgreSQL a scan, read in batches, not one whole result */
    bool scan = !q->limit && xk_store_is_pg(st);
    xk_stmt *s = NULL;
    if (scan && xk_db_prepare_scan(st->db, b.sql.data, &s) != XK_DB_OK)
        rc = xk_store_db_error(st, err, "searching");
    else if (!scan && !(s = xk_store_cached_stmt(st, b.sql.data, err)))
        rc = XK_EDB;
    if (!s) {
        built_free(&b);
        return rc;
    }
    for (int i = 0; i < b.b.n; i++) {
        if (b.b.is_num[i])
            xk_db_bind_int64(s, i + 1, b.b.num[i]);
        else
            xk_db_bind_text(s, i + 1, b.b.text[i], -1);
    }
    bool domain = q->domain && *q->domain;
    int step;
    while ((step = xk_db_step(s)) == XK_DB_ROW) {
        xk_hit h;
        memset(&h, 0, sizeof h);
        bool fits = col(h.number, sizeof h.number, s, 0) &&
                    col(h.company, sizeof h.company, s, 1) &&
                    col(h.issued, sizeof h.issued, s, 2) && col(h.expires, sizeof h.expires, s, 3);
        h.version = xk_db_column_int(s, 4);
        h.removed = xk_db_column_int(s, 5) != 0;
        h.website_index = -1;
        if (fits && domain) {
            fits = col(h.matched_domain, sizeof h.matched_domain, s, 6) &&
                   col(h.website_service, sizeof h.website_service, s, 8) &&
                   col(h.website_name, sizeof h.website_name, s, 9);
            h.website_index = xk_db_column_int(s, 7);
        }
        if (!fits) {
            const char *num = xk_db_column_text(s, 0);
            rc = xk_store_too_long(err, "number, company or website", num ? num : "");
            step = XK_DB_DONE;
            break;
        }
        if (!fn(&h, ctx))
            break;
    }
    if (step != XK_DB_ROW && step != XK_DB_DONE)
        rc = xk_store_db_error(st, err, "searching");
    if (scan) {
        xk_db_finalize(s);
    } else {
        xk_db_reset(s); /* cached: reset, not finalised; the bound texts die with b below */
        xk_db_clear_bindings(s);
    }
    built_free(&b);
    return rc;
}
