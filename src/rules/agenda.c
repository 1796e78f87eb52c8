/*
 * Status rows and the agenda across the registry, streamed from one store scan so that a
 * million licences need no query per licence and no record parsing.
 *
 * An agenda can hold a million lines. They are kept as 64-byte entries (shared strings in an
 * arena, dates as day numbers) in arrays mapped with transparent huge pages requested: at a
 * million lines, faulting ~260-byte items in 4 KiB pages cost more than computing them
 * (measured: 169k faults, 1.5 s of system time). xk_agenda_at expands one entry on demand.
 *
 * With a limit (xk_agenda_build_top) the entries are a max-heap of the soonest `limit` lines by
 * (due, collection order): a sooner line replaces the latest kept one. The strings of lines
 * pushed out stay in the arena until it is compacted (the kept lines' strings copied into a new
 * one), so memory follows the limit, not the registry.
 */
#define _GNU_SOURCE /* mremap */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../core/arena.h"
#include "internal.h"
#include "xuke/agenda.h"

/* --- status ---------------------------------------------------------------------------------- */

typedef struct status_ctx {
    const xk_calendar *cal;
    xk_date as_of;
    xk_status_fn fn;
    void *user;
    xk_status rc;
    xk_error *err;
    xk_obligations obs; /* reused across licences */
    const xk_obligation **overdue, **unrecorded;
    size_t cap;
} status_ctx;

static bool status_one(const xk_rules_row *row, void *vctx)
{
    status_ctx *c = vctx;
    /* a removed or expired licence's duties are moot: its status needs no obligations */
    if (row->removed || row->cancelled || xk_date_cmp(c->as_of, row->expires) > 0) {
        xk_status_row sr = {row,
                            row->removed     ? XK_STATUS_REMOVED
                            : row->cancelled ? XK_STATUS_CANCELLED
                                             : XK_STATUS_EXPIRED,
                            NULL, NULL, 0, NULL, 0, {{0}, 0}};
        return c->fn(&sr, c->user);
    }
    c->rc = xk_rules_obligations_into(c->cal, row, c->as_of, &c->obs, c->err);
    if (c->rc != XK_OK)
        return false;
    const xk_obligations *obs = &c->obs;
    xk_status_row sr = {row, xk_rules_status(row, obs, c->as_of), NULL, NULL, 0, NULL, 0,
                        {{0}, 0}};
    if (obs->n > c->cap) {
        const xk_obligation **no = realloc(c->overdue, obs->n * sizeof *no);
        if (no)
            c->overdue = no;
        const xk_obligation **nu = no ? realloc(c->unrecorded, obs->n * sizeof *nu) : NULL;
        if (!nu) {
            c->rc = xk_error_set(c->err, XK_ENOMEM, 0, "out of memory");
            return false;
        }
        c->unrecorded = nu;
        c->cap = obs->n;
    }
    sr.overdue = c->overdue;
    sr.unrecorded = c->unrecorded;
    for (size_t i = 0; i < obs->n; i++) {
        const xk_obligation *ob = &obs->items[i];
        if (!ob->dated || ob->fulfilled)
            continue;
        if (ob->unrecorded) { /* not a deadline to meet: no "next", no "overdue" */
            c->unrecorded[sr.n_unrecorded++] = ob;
            continue;
        }
        xk_provisional_merge(&sr.prov, &ob->prov);
        if (ob->overdue)
            c->overdue[sr.n_overdue++] = ob;
        else if (!sr.next || xk_date_cmp(ob->due, sr.next->due) < 0)
            sr.next = ob;
    }
    return c->fn(&sr, c->user);
}

xk_status xk_status_scan(xk_store *st, const xk_calendar *cal, xk_date as_of, const char *number,
                         xk_status_fn fn, void *ctx, xk_error *err)
{
    status_ctx c;
    memset(&c, 0, sizeof c);
    c.cal = cal;
    c.as_of = as_of;
    c.fn = fn;
    c.user = ctx;
    c.err = err;
    xk_status rc = xk_store_rules_scan(st, number, status_one, &c, err);
    free(c.overdue);
    free(c.unrecorded);
    xk_obligations_free(&c.obs);
    return rc != XK_OK ? rc : c.rc;
}

/* --- one status, or a table of them -------------------------------------------------------- */

typedef struct status_entry {
    char number[64];
    xk_licence_status status;
} status_entry;

typedef struct one_status {
    bool found;
    xk_licence_status status;
} one_status;

static bool take_one(const xk_status_row *r, void *ctx)
{
    one_status *o = ctx;
    o->found = true;
    o->status = r->status;
    return false;
}

xk_status xk_status_of(xk_store *st, const xk_calendar *cal, xk_date as_of, const char *number,
                       xk_licence_status *out, xk_error *err)
{
    one_status o = {false, XK_STATUS_VALID};
    xk_status rc = xk_status_scan(st, cal, as_of, number, take_one, &o, err);
    if (rc != XK_OK)
        return rc;
    if (!o.found)
        return xk_error_set(err, XK_ENOTFOUND, 0, "%s is not in the registry", number);
    *out = o.status;
    return XK_OK;
}

typedef struct table_ctx {
    xk_status_table *t;
    xk_error *err;
    xk_status rc;
} table_ctx;

static bool table_add(const xk_status_row *r, void *vctx)
{
    table_ctx *c = vctx;
    xk_status_table *t = c->t;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        status_entry *items = realloc(t->items, cap * sizeof *items);
        if (!items) {
            c->rc = xk_error_set(c->err, XK_ENOMEM, 0, "out of memory");
            return false;
        }
        t->items = items;
        t->cap = cap;
    }
    snprintf(t->items[t->n].number, sizeof t->items[t->n].number, "%s", r->licence->number);
    t->items[t->n++].status = r->status;
    return true;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const status_entry *)a)->number, ((const status_entry *)b)->number);
}

xk_status xk_status_table_build(xk_store *st, const xk_calendar *cal, xk_date as_of,
                                xk_status_table *out, xk_error *err)
{
    memset(out, 0, sizeof *out);
    table_ctx c = {out, err, XK_OK};
    xk_status rc = xk_status_scan(st, cal, as_of, NULL, table_add, &c, err);
    if (rc == XK_OK)
        rc = c.rc;
    if (rc != XK_OK) {
        xk_status_table_free(out);
        return rc;
    }
    if (out->n > 1) /* an empty registry has no array to sort */
        qsort(out->items, out->n, sizeof *out->items, entry_cmp);
    return XK_OK;
}

bool xk_status_table_find(const xk_status_table *t, const char *number, xk_licence_status *out)
{
    status_entry key;
    snprintf(key.number, sizeof key.number, "%s", number);
    const status_entry *e =
        t->n ? bsearch(&key, t->items, t->n, sizeof *t->items, entry_cmp) : NULL;
    if (e)
        *out = e->status;
    return e != NULL;
}

void xk_status_table_free(xk_status_table *t)
{
    free(t->items);
    memset(t, 0, sizeof *t);
}

/* --- memory for large agendas ------------------------------------------------------------------ */

#define HUGE_PAGE (2u << 20)

static size_t huge_round(size_t bytes)
{
    return (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
}

static void *huge_alloc(size_t bytes)
{
    void *p = mmap(NULL, huge_round(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, huge_round(bytes), MADV_HUGEPAGE); /* advice only: fine if refused */
    return p;
}

/* Grows a huge_alloc block; the kernel moves page tables, not bytes. */
static void *huge_grow(void *p, size_t old_bytes, size_t new_bytes)
{
    if (!p)
        return huge_alloc(new_bytes);
    if (huge_round(new_bytes) == huge_round(old_bytes))
        return p;
    void *q = mremap(p, huge_round(old_bytes), huge_round(new_bytes), MREMAP_MAYMOVE);
    if (q == MAP_FAILED)
        return NULL;
    madvise(q, huge_round(new_bytes), MADV_HUGEPAGE);
    return q;
}

static void huge_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, huge_round(bytes));
}

/* --- agenda entries ---------------------------------------------------------------------------- */

#define ENTRY_PROV 4

struct agenda_entry {
    const char *number, *company, *basis; /* arena strings, shared */
    long trigger;
    int32_t due, due_workday, from; /* days since 1970-01-01 */
    uint32_t seq;                   /* collection order: ties keep registry order */
    int16_t days, year;
    uint8_t duty, rule, flags, n_prov;
    uint16_t prov[ENTRY_PROV];
};

/* Bytes of strings a limited agenda's arena may gather before its first compaction. */
#define COMPACT_MIN ((size_t)8 << 20)

#define F_OVERDUE 1
#define F_ALTERNATIVE 2

xk_agenda_item xk_agenda_at(const xk_agenda *a, size_t i)
{
    const struct agenda_entry *e = &a->entries[i];
    xk_agenda_item it;
    memset(&it, 0, sizeof it);
    it.number = e->number;
    it.company = e->company;
    xk_obligation *ob = &it.ob;
    ob->duty = (xk_duty_kind)e->duty;
    snprintf(ob->basis, sizeof ob->basis, "%s", e->basis);
    ob->dated = true;
    ob->due = xk_date_from_days(e->due);
    ob->due_workday = xk_date_from_days(e->due_workday);
    ob->rule = (xk_rule_kind)e->rule;
    ob->days = e->days;
    ob->from = xk_date_from_days(e->from);
    ob->alternative = e->flags & F_ALTERNATIVE;
    ob->year = e->year;
    ob->trigger = e->trigger;
    ob->overdue = e->flags & F_OVERDUE;
    for (uint8_t k = 0; k < e->n_prov; k++)
        ob->prov.years[ob->prov.n++] = e->prov[k];
    return it;
}

typedef struct collect_ctx {
    const xk_calendar *cal;
    xk_date as_of;
    long limit_day;
    size_t limit;        /* lines kept, 0 = all */
    uint32_t seq;        /* collection order of the next line */
    size_t arena_bytes;  /* strings copied into the arena since it was last compacted */
    size_t compact_at;   /* arena_bytes that triggers a compaction */
    xk_agenda *a;
    xk_obligations obs; /* reused across licences */
    const char *last_basis; /* provision labels repeat: one arena copy per run of equal ones */
    xk_status rc;
    xk_error *err;
} collect_ctx;

static const char *copy_string(collect_ctx *c, const char *s)
{
    size_t n = strlen(s);
    c->arena_bytes += n + 1;
    return xk_arena_strndup(c->a->arena, s, n);
}

static const char *intern(collect_ctx *c, const char *s)
{
    if (c->last_basis && strcmp(c->last_basis, s) == 0)
        return c->last_basis;
    c->last_basis = copy_string(c, s);
    return c->last_basis;
}

static bool grow(xk_agenda *a)
{
    size_t cap = a->cap ? a->cap * 2 : HUGE_PAGE / sizeof *a->entries;
    struct agenda_entry *ne =
        huge_grow(a->entries, a->cap * sizeof *a->entries, cap * sizeof *a->entries);
    if (!ne)
        return false;
    a->entries = ne;
    a->cap = cap;
    return true;
}

static int by_due(const void *x, const void *y)
{
    const struct agenda_entry *a = x, *b = y;
    if (a->due != b->due)
        return a->due < b->due ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The heap of a limited agenda: entries[0] is the latest line kept. */
static void sift_down(struct agenda_entry *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, top = i;
        if (l < n && by_due(&h[l], &h[top]) > 0)
            top = l;
        if (r < n && by_due(&h[r], &h[top]) > 0)
            top = r;
        if (top == i)
            return;
        struct agenda_entry t = h[i];
        h[i] = h[top];
        h[top] = t;
        i = top;
    }
}

static void sift_up(struct agenda_entry *h, size_t i)
{
    while (i > 0 && by_due(&h[i], &h[(i - 1) / 2]) > 0) {
        struct agenda_entry t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

/* Copies the kept lines' strings into a new arena and frees the old one (lines pushed out of a
 * limited agenda left theirs behind). Called between licences: no string is in use then. */
static bool compact(collect_ctx *c)
{
    xk_agenda *a = c->a;
    xk_arena *fresh = xk_arena_new();
    if (!fresh)
        return false;
    size_t bytes = 0;
    for (size_t i = 0; i < a->n; i++) {
        struct agenda_entry *e = &a->entries[i];
        const char **s[3] = {&e->number, &e->company, &e->basis};
        for (int k = 0; k < 3; k++) {
            size_t n = strlen(*s[k]);
            /* neighbours in the heap often share a licence: reuse the previous copy */
            const struct agenda_entry *p = i ? &a->entries[i - 1] : NULL;
            const char *prev = p ? (k == 0 ? p->number : k == 1 ? p->company : p->basis) : NULL;
            if (prev && strcmp(prev, *s[k]) == 0) {
                *s[k] = prev;
                continue;
            }
            char *copy = xk_arena_strndup(fresh, *s[k], n);
            if (!copy) {
                xk_arena_free(fresh);
                return false;
            }
            *s[k] = copy;
            bytes += n + 1;
        }
    }
    xk_arena_free(a->arena);
    a->arena = fresh;
    c->last_basis = NULL;
    c->arena_bytes = bytes;
    c->compact_at = bytes * 2 > COMPACT_MIN ? bytes * 2 : COMPACT_MIN;
    return true;
}

static bool add_entry(collect_ctx *c, const xk_rules_row *row, const xk_obligation *ob,
                      const char **number, const char **company)
{
    xk_agenda *a = c->a;
    struct agenda_entry e = {NULL, NULL, NULL, ob->trigger,
                             (int32_t)xk_date_to_days(ob->due),
                             (int32_t)xk_date_to_days(ob->due_workday),
                             (int32_t)xk_date_to_days(ob->from), c->seq++,
                             (int16_t)ob->days, (int16_t)ob->year, (uint8_t)ob->duty,
                             (uint8_t)ob->rule,
                             (uint8_t)((ob->overdue ? F_OVERDUE : 0) |
                                       (ob->alternative ? F_ALTERNATIVE : 0)),
                             0, {0}};
    a->total++;
    bool full = c->limit && a->n == c->limit;
    if (full && by_due(&e, &a->entries[0]) >= 0)
        return true; /* later than every line kept */
    if (!*number) { /* one copy per licence */
        *number = copy_string(c, row->number);
        *company = copy_string(c, row->company);
    }
    e.number = *number;
    e.company = *company;
    e.basis = intern(c, ob->basis);
    if (!e.number || !e.company || !e.basis || (!full && a->n == a->cap && !grow(a)))
        return false;
    for (size_t k = 0; k < ob->prov.n && k < ENTRY_PROV; k++)
        e.prov[e.n_prov++] = (uint16_t)ob->prov.years[k];
    if (full) {
        a->entries[0] = e;
        sift_down(a->entries, a->n, 0);
    } else {
        a->entries[a->n++] = e;
        if (c->limit)
            sift_up(a->entries, a->n - 1);
    }
    return true;
}

static bool collect(const xk_rules_row *row, void *vctx)
{
    collect_ctx *c = vctx; /* the live scan brings only licences neither removed nor expired */
    if (c->limit && c->arena_bytes > c->compact_at && !compact(c)) {
        c->rc = xk_error_set(c->err, XK_ENOMEM, 0, "out of memory");
        return false;
    }
    c->rc = xk_obligations_into(c->cal, row, c->as_of, false, &c->obs, c->err);
    if (c->rc != XK_OK)
        return false;
    const char *number = NULL, *company = NULL;
    for (size_t i = 0; i < c->obs.n; i++) {
        const xk_obligation *ob = &c->obs.items[i];
        if (!ob->dated || ob->fulfilled || xk_date_to_days(ob->due) > c->limit_day)
            continue;
        if (ob->unrecorded) { /* counted, and said, by the callers: never a silent cut */
            c->a->n_unrecorded++;
            continue;
        }
        if (!add_entry(c, row, ob, &number, &company)) {
            c->rc = xk_error_set(c->err, XK_ENOMEM, 0, "out of memory");
            return false;
        }
    }
    return true;
}

/* The provisional years of the lines kept. */
static void kept_provisional(xk_agenda *a)
{
    memset(&a->prov, 0, sizeof a->prov);
    for (size_t i = 0; i < a->n; i++) {
        xk_provisional p;
        memset(&p, 0, sizeof p);
        for (uint8_t k = 0; k < a->entries[i].n_prov; k++)
            p.years[p.n++] = a->entries[i].prov[k];
        xk_provisional_merge(&a->prov, &p);
    }
}

/* Due dates span a few thousand days at most, so a stable counting sort by day is linear and
 * keeps ties in registry order; qsort (above) serves the rare agenda spanning longer. */
#define COUNTING_SPAN (1L << 16)

static xk_status sort_entries(xk_agenda *a)
{
    if (a->n < 2)
        return XK_OK;
    long lo = a->entries[0].due, hi = lo;
    for (size_t i = 1; i < a->n; i++) {
        if (a->entries[i].due < lo)
            lo = a->entries[i].due;
        if (a->entries[i].due > hi)
            hi = a->entries[i].due;
    }
    if (hi - lo >= COUNTING_SPAN) {
        qsort(a->entries, a->n, sizeof *a->entries, by_due);
        return XK_OK;
    }
    size_t span = (size_t)(hi - lo) + 1;
    size_t *start = calloc(span + 1, sizeof *start);
    struct agenda_entry *sorted = huge_alloc(a->n * sizeof *sorted);
    if (!start || !sorted) {
        free(start);
        huge_free(sorted, a->n * sizeof *sorted);
        return XK_ENOMEM;
    }
    for (size_t i = 0; i < a->n; i++)
        start[a->entries[i].due - lo + 1]++;
    for (size_t d = 1; d <= span; d++)
        start[d] += start[d - 1];
    for (size_t i = 0; i < a->n; i++) /* in collection order: stable */
        sorted[start[a->entries[i].due - lo]++] = a->entries[i];
    free(start);
    huge_free(a->entries, a->cap * sizeof *a->entries);
    a->entries = sorted;
    a->cap = a->n;
    return XK_OK;
}

xk_status xk_agenda_build(xk_store *st, const xk_calendar *cal, xk_date as_of, int within,
                          const char *number, xk_agenda *out, xk_error *err)
{
    return xk_agenda_build_top(st, cal, as_of, within, number, 0, out, err);
}

xk_status xk_agenda_build_top(xk_store *st, const xk_calendar *cal, xk_date as_of, int within,
                              const char *number, size_t limit, xk_agenda *out, xk_error *err)
{
    memset(out, 0, sizeof *out);
    out->arena = xk_arena_new();
    if (!out->arena)
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    collect_ctx c;
    memset(&c, 0, sizeof c);
    c.cal = cal;
    c.as_of = as_of;
    c.limit_day = within < 0 ? 1L << 40 : xk_date_to_days(as_of) + within;
    c.a = out;
    c.err = err;
    c.limit = limit;
    c.compact_at = COMPACT_MIN;
    xk_status rc = xk_store_rules_scan_live(st, number, as_of, collect, &c, err);
    xk_obligations_free(&c.obs);
    if (rc == XK_OK)
        rc = c.rc;
    if (rc != XK_OK) {
        xk_agenda_free(out);
        return rc;
    }
    /* With a limit the entries are a heap: ties go by collection order, which its layout does
     * not keep. An empty agenda has no array at all, which qsort must not be given. */
    if (limit) {
        if (out->n > 1)
            qsort(out->entries, out->n, sizeof *out->entries, by_due);
    } else if (sort_entries(out) != XK_OK) {
        xk_agenda_free(out);
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    }
    kept_provisional(out);
    return XK_OK;
}

void xk_agenda_free(xk_agenda *a)
{
    huge_free(a->entries, a->cap * sizeof *a->entries);
    xk_arena_free(a->arena);
    memset(a, 0, sizeof *a);
}
