/*
 * The 业务种类(服务项目)及覆盖范围 block: which catalogue services a licence grants, each with
 * its qualifiers. A block reads like
 *     在线数据处理与交易处理业务(仅限经营类电子商务)
 *     不含网络借贷信息中介类的互联网金融业务。【依法须经批准的项目…】
 *     信息服务业务(仅限互联网信息服务)含药品和医疗器械，不含信息搜索查询服务、信息即时交互服务。
 * A new service starts where a catalogue name stands at the top level (outside brackets) at the
 * start of a line, after a sentence end, or after a list separator that is not inside an open
 * 仅限/含/不含 list (so "不含互联网数据中心业务" is a qualifier, not a service). Within a
 * service: the bracket right after the name is its scope; 仅限/含/不含 open item lists split on
 * 、 and ，; 【…】 are conditions; "(业务)覆盖范围:" lists coverage.
 */
#include <stdlib.h>
#include <string.h>

#include "xuke/catalogue.h"
#include "xuke/limits.h"
#include "extract.h"

static bool lit(const char *s, const char *end, const char *word)
{
    return xk_starts_with(s, (size_t)(end - s), word) != 0;
}

static size_t char_len(const char *s, const char *end)
{
    unsigned cp;
    size_t n = xk_utf8_decode(s, (size_t)(end - s), &cp);
    return n ? n : 1;
}

static const char *const class_prefixes[] = {
    "第一类增值电信业务中的", "第二类增值电信业务中的", "第一类增值电信业务:", "第二类增值电信业务:",
    "第一类增值电信业务", "第二类增值电信业务",
};

/* A service name (optionally behind a class prefix) at s; sets *name_end past the name. */
static const xk_service_kind *service_at(const char *s, const char *end, const char **name_end)
{
    const char *p = s;
    for (size_t k = 0; k < sizeof class_prefixes / sizeof class_prefixes[0]; k++)
        if (lit(p, end, class_prefixes[k])) {
            p += strlen(class_prefixes[k]);
            while (p < end && (*p == ' ' || *p == '\n'))
                p++;
            break;
        }
    size_t used = 0;
    const xk_service_kind *svc = xk_service_match(p, (size_t)(end - p), &used);
    if (svc)
        *name_end = p + used;
    return svc;
}

typedef struct split_scan {
    int depth;
    bool clause_open;  /* a 仅限/含/不含 list is open at top level */
    const char *prev;  /* last non-space character before the current position */
    bool newline_since; /* a line break since prev */
} split_scan;

static bool is_keyword(const char *s, const char *end, size_t *len);

static bool split_allowed(const split_scan *sc)
{
    if (sc->depth > 0)
        return false;
    if (!sc->prev)
        return true;
    const char *p = sc->prev;
    bool list_sep = *p == ',' || lit(p, p + 3, "、");
    if (sc->newline_since)
        return !list_sep;
    if (list_sep)
        return !sc->clause_open;
    return *p == ':' || *p == ';' || *p == ')' || *p == ']' || lit(p, p + 3, "。") ||
           lit(p, p + 3, "】") || lit(p, p + 3, "〕");
}

static void scan_advance(split_scan *sc, const char *p, const char *end)
{
    if (*p == '\n') {
        sc->newline_since = true;
        return;
    }
    if (*p == ' ')
        return;
    if (*p == '(' || lit(p, end, "【") || *p == '[' || lit(p, end, "〔"))
        sc->depth++;
    else if ((*p == ')' || lit(p, end, "】") || *p == ']' || lit(p, end, "〕")) && sc->depth > 0)
        sc->depth--;
    size_t kw;
    if (sc->depth == 0) {
        if (is_keyword(p, end, &kw))
            sc->clause_open = true;
        else if (lit(p, end, "。") || *p == ';' || lit(p, end, "】") || *p == ')')
            sc->clause_open = false;
    }
    sc->prev = p;
    sc->newline_since = false;
}

/* --- one service's qualifiers ---------------------------------------------------------------- */

typedef enum { Q_NONE, Q_LIMITED, Q_INCLUDES, Q_EXCLUDES } qual_list;

static bool is_keyword(const char *s, const char *end, size_t *len)
{
    static const char *const words[] = {"不含", "仅限", "限于", "包含", "包括", "含"};
    *len = xk_starts_with_any(s, (size_t)(end - s), words, sizeof words / sizeof words[0], NULL);
    return *len != 0;
}

static qual_list keyword_list(const char *s)
{
    if (lit(s, s + 6, "不含"))
        return Q_EXCLUDES;
    if (lit(s, s + 6, "仅限") || lit(s, s + 6, "限于"))
        return Q_LIMITED;
    return Q_INCLUDES;
}

static xk_strlist *list_of(xk_service *svc, qual_list q)
{
    switch (q) {
    case Q_LIMITED:
        return &svc->limited_to;
    case Q_INCLUDES:
        return &svc->includes;
    case Q_EXCLUDES:
        return &svc->excludes;
    default:
        return NULL;
    }
}

static xk_status push_tidy(xk_licence *lic, xk_strlist *list, const char *s, size_t len)
{
    char *t = xk_tidy_into(lic, s, len);
    if (!t)
        return XK_ENOMEM;
    size_t n = strlen(t);
    while (n >= 3 && (memcmp(t + n - 3, "。", 3) == 0 || memcmp(t + n - 3, "、", 3) == 0))
        t[n -= 3] = '\0';
    if (n == 0)
        return XK_OK;
    for (size_t i = 0; i < list->len; i++)
        if (strcmp(list->items[i], t) == 0)
            return XK_OK;
    if (list->len >= XK_MAX_QUALIFIERS)
        return XK_ETOOBIG;
    return xk_strlist_push(lic, list, t, n);
}

/* Opening bracket of a condition at p: its length, and the closer to look for. */
static size_t condition_open(const char *p, const char *end, const char **close)
{
    static const char *const open[] = {"【", "[", "〔"}, *const closers[] = {"】", "]", "〕"};
    size_t k, n = xk_starts_with_any(p, (size_t)(end - p), open, 3, &k);
    if (n)
        *close = closers[k];
    return n;
}

/*
 * Moves 【…】 / […] / 〔…〕 into conditions, leaving a sentence end in their place. One pass:
 * the text is rebuilt into a new buffer, so a block of many brackets stays linear.
 */
static xk_status take_conditions(xk_licence *lic, xk_service *svc, xk_buf *text)
{
    xk_buf out;
    xk_buf_init(&out);
    xk_buf_append(&out, "", 0); /* allocated even when the service has no text after its name */
    const char *p = text->data, *end = text->data + text->len;
    xk_status st = XK_OK;
    while (p < end && st == XK_OK) {
        const char *close;
        size_t olen = condition_open(p, end, &close);
        if (!olen) {
            size_t n = char_len(p, end);
            xk_buf_append(&out, p, n);
            p += n;
            continue;
        }
        const char *body = p + olen, *q = body;
        while (q < end && !lit(q, end, close))
            q += char_len(q, end);
        st = push_tidy(lic, &svc->conditions, body, (size_t)(q - body));
        xk_buf_puts(&out, "。");
        p = q < end ? q + strlen(close) : end;
    }
    if (st == XK_OK && out.oom)
        st = XK_ENOMEM;
    if (st == XK_OK) {
        xk_buf_free(text);
        *text = out;
    } else {
        xk_buf_free(&out);
    }
    return st;
}

static bool coverage_sep(const char *p, const char *end)
{
    return *p == ',' || *p == ' ' || lit(p, end, "、") || *p == '/';
}

static bool coverage_end(const char *p, const char *end)
{
    return *p == '\n' || *p == ';' || *p == ')' || *p == '(' || lit(p, end, "。");
}

/* "(业务)覆盖范围: 北京、上海" → coverage items; the span is blanked out of text. */
static xk_status take_coverage(xk_licence *lic, xk_service *svc, xk_buf *text)
{
    char *p = strstr(text->data, "覆盖范围");
    if (!p)
        return XK_OK;
    char *cut = p;
    if (cut - text->data >= 6 && memcmp(cut - 6, "业务", 6) == 0)
        cut -= 6;
    char *end = text->data + text->len;
    char *v = p + strlen("覆盖范围");
    while (v < end && (*v == ' ' || *v == ':' || lit(v, end, "：")))
        v += char_len(v, end);
    if (lit(v, end, "为"))
        v += 3;
    char *item = v;
    while (v < end && !coverage_end(v, end)) {
        if (coverage_sep(v, end)) {
            xk_status st = push_tidy(lic, &svc->coverage, item, (size_t)(v - item));
            if (st != XK_OK)
                return st;
            v += char_len(v, end);
            item = v;
            continue;
        }
        v += char_len(v, end);
    }
    xk_status st = push_tidy(lic, &svc->coverage, item, (size_t)(v - item));
    memset(cut, ' ', (size_t)(v - cut));
    return st;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n'))
        p++;
    return p;
}

/* The bracket right after the name: "(仅限互联网信息服务)"; without a bracket, a first clause
 * that is a qualifier ("信息服务业务 仅限互联网信息服务，不含…") up to its first comma or stop. */
static xk_status take_scope(xk_licence *lic, xk_service *svc, const char *p, const char *end)
{
    const char *same_line = p;
    while (same_line < end && *same_line == ' ')
        same_line++;
    p = skip_ws(p, end);
    svc->scope = "";
    size_t kw;
    if (same_line < end && *same_line != '(' && is_keyword(same_line, end, &kw)) {
        p = same_line;
        const char *q = p;
        while (q < end && *q != ',' && *q != ';' && *q != '\n' && *q != '(' && !lit(q, end, "。"))
            q += char_len(q, end);
        char *scope = xk_tidy_into(lic, p, (size_t)(q - p));
        if (!scope)
            return XK_ENOMEM;
        svc->scope = scope;
        return XK_OK;
    }
    if (p >= end || *p != '(')
        return XK_OK;
    int depth = 0;
    const char *q = p;
    for (; q < end; q++) {
        if (*q == '(')
            depth++;
        else if (*q == ')' && --depth == 0)
            break;
    }
    char *scope = xk_tidy_into(lic, p + 1, (size_t)(q - p - 1));
    if (!scope)
        return XK_ENOMEM;
    /* a wrapped scope keeps no line break: tidy already removed the spaces */
    svc->scope = scope;
    return XK_OK;
}

static bool qualifier_break(const char *p, const char *end)
{
    return *p == ';' || *p == '(' || *p == ')' || lit(p, end, "。");
}

static xk_status take_qualifiers(xk_licence *lic, xk_service *svc, const char *p, const char *end)
{
    qual_list cur = Q_NONE;
    const char *item = p;
    bool at_start = true;
    xk_status st = XK_OK;
    while (p < end && st == XK_OK) {
        size_t kw;
        if (at_start) {
            const char *q = skip_ws(p, end);
            if (q < end && is_keyword(q, end, &kw)) {
                cur = keyword_list(q);
                p = q + kw;
                item = p;
            }
            at_start = false;
            continue;
        }
        bool sep = *p == ',' || lit(p, end, "、");
        bool brk = qualifier_break(p, end);
        const char *nl = *p == '\n' ? skip_ws(p, end) : NULL;
        bool nl_kw = nl && nl < end && is_keyword(nl, end, &kw);
        if (sep || brk || nl_kw) {
            if (cur != Q_NONE)
                st = push_tidy(lic, list_of(svc, cur), item, (size_t)(p - item));
            if (brk)
                cur = Q_NONE;
            p += nl_kw ? 1 : char_len(p, end);
            item = p;
            at_start = true;
            continue;
        }
        p += char_len(p, end);
    }
    if (st == XK_OK && cur != Q_NONE)
        st = push_tidy(lic, list_of(svc, cur), item, (size_t)(p - item));
    return st;
}

static xk_status parse_service(xk_licence *lic, const xk_service_kind *kind, const char *rest,
                               const char *end, int line)
{
    xk_service *svc = xk_licence_add_service(lic);
    if (!svc)
        return lic->n_services >= XK_MAX_SERVICES ? XK_ETOOBIG : XK_ENOMEM;
    memcpy(svc->code, kind->code, strlen(kind->code) + 1);
    svc->name = (char *)kind->name;
    svc->line = line;
    xk_buf text;
    xk_buf_init(&text);
    xk_buf_append(&text, rest, (size_t)(end - rest));
    if (text.oom)
        return XK_ENOMEM;
    xk_status st = take_conditions(lic, svc, &text);
    if (st == XK_OK)
        st = take_coverage(lic, svc, &text);
    if (st == XK_OK)
        st = take_scope(lic, svc, text.data, text.data + text.len);
    if (st == XK_OK)
        st = take_qualifiers(lic, svc, text.data, text.data + text.len);
    xk_buf_free(&text);
    if (st == XK_ETOOBIG)
        return xk_licence_problem_key(lic, XK_SEV_ERROR, line, "problem.qualifiers_over_limit",
                                      "%s lists more than %u items in one qualifier, condition or "
                                      "coverage list",
                                      svc->code, XK_MAX_QUALIFIERS) == XK_OK
                   ? XK_ETOOBIG
                   : XK_ENOMEM;
    return st;
}

static int line_at(const char *block, const char *p, int first_line, const int *line_of_break,
                   size_t nbreaks)
{
    size_t k = 0;
    for (const char *q = block; q < p; q++)
        if (*q == '\n')
            k++;
    /* text before the first break is on the label's line; after break k, on line_of_break[k-1] */
    return k > 0 && k - 1 < nbreaks ? line_of_break[k - 1] : first_line;
}

typedef struct block_lines {
    int first;
    const int *next; /* source line of each line after a '\n' in the block */
    size_t n;
} block_lines;

/*
 * OCR reads the bracket before a qualifier as 〈 or [ ("信息服务业务〈仅限互联网信息服务)"):
 * those become ( and 〉 becomes ), each with a warning quoting what was read. Returns a new
 * string (caller frees) or NULL when nothing needed changing or memory ran out.
 */
static char *ocr_brackets(xk_licence *lic, const char *block, int line)
{
    if (!strstr(block, "〈") && !strstr(block, "〉") && !strchr(block, '['))
        return NULL;
    size_t len = strlen(block);
    const char *end = block + len;
    char *out = malloc(len + 1), *o = out;
    if (!out)
        return NULL;
    size_t fixed = 0, kw;
    for (const char *p = block; p < end;) {
        bool open_angle = lit(p, end, "〈"), close_angle = lit(p, end, "〉");
        bool square = *p == '[' && is_keyword(p + 1, end, &kw);
        if (open_angle || close_angle || square) {
            size_t n = square ? 1 : 3;
            const char *after = p + n;
            const char *nl = memchr(after, '\n', (size_t)(end - after));
            size_t show = xk_utf8_cut(after, (size_t)((nl ? nl : end) - after), 12);
            xk_licence_problem_key(
                lic, XK_SEV_WARNING, line, "problem.service_bracket_lookalike",
                "业务种类: \"%.*s%.*s\" read as \"%c%.*s\" (OCR bracket look-alike)", (int)n, p,
                (int)show, after, close_angle ? ')' : '(', (int)show, after);
            *o++ = close_angle ? ')' : '(';
            p += n;
            fixed++;
            continue;
        }
        *o++ = *p++;
    }
    *o = '\0';
    if (!fixed) {
        free(out);
        return NULL;
    }
    return out;
}

static xk_status parse_block_raw(xk_licence *lic, const char *block, const block_lines *bl)
{
    const char *end = block + strlen(block);
    const char *starts[XK_MAX_SERVICES + 1];
    const char *name_ends[XK_MAX_SERVICES + 1];
    const xk_service_kind *kinds[XK_MAX_SERVICES + 1];
    size_t n = 0;
    split_scan sc = {0};
    for (const char *p = block; p < end; p += char_len(p, end)) {
        const char *name_end;
        const xk_service_kind *k;
        if (split_allowed(&sc) && (k = service_at(p, end, &name_end)) != NULL) {
            if (n == XK_MAX_SERVICES)
                return xk_licence_problem_key(
                           lic, XK_SEV_ERROR, bl->first, "problem.services_over_limit",
                           "more than %u services listed", XK_MAX_SERVICES) == XK_OK
                           ? XK_ETOOBIG
                           : XK_ENOMEM;
            starts[n] = p;
            name_ends[n] = name_end;
            kinds[n++] = k;
            sc.clause_open = false;
            sc.prev = name_end - 3;
            sc.newline_since = false;
            p = name_end - 1; /* loop advances past the name's last byte */
            while (p > block && ((unsigned char)*p & 0xC0) == 0x80)
                p--;
            continue;
        }
        scan_advance(&sc, p, end);
    }
    if (n == 0) {
        char head[160];
        size_t len = xk_utf8_cut(block, strlen(block), 120);
        memcpy(head, block, len);
        head[len] = '\0';
        for (char *c = head; *c; c++)
            if (*c == '\n')
                *c = ' ';
        return xk_licence_problem_key(lic, XK_SEV_ERROR, bl->first,
                                      "problem.services_none_from_catalogue",
                                      "业务种类 names no service from the catalogue: %s", head);
    }
    for (size_t i = 0; i < n; i++) {
        const char *stop = i + 1 < n ? starts[i + 1] : end;
        int line = line_at(block, starts[i], bl->first, bl->next, bl->n);
        xk_status st = parse_service(lic, kinds[i], name_ends[i], stop, line);
        if (st != XK_OK)
            return st;
    }
    return XK_OK;
}

static xk_status parse_block_lines(xk_licence *lic, const char *block, const block_lines *bl)
{
    char *fixed = ocr_brackets(lic, block, bl->first);
    xk_status st = parse_block_raw(lic, fixed ? fixed : block, bl);
    free(fixed);
    return st;
}

xk_status xk_services_parse_block(xk_licence *lic, const char *block, int line)
{
    block_lines bl = {line, NULL, 0};
    return parse_block_lines(lic, block, &bl);
}

/*
 * One coverage line after several services, none of the others stating any: the block's
 * coverage, not only the last service's.
 */
static xk_status block_coverage(xk_licence *lic)
{
    size_t n = lic->n_services;
    if (n < 2 || lic->services[n - 1].coverage.len == 0)
        return XK_OK;
    for (size_t i = 0; i + 1 < n; i++)
        if (lic->services[i].coverage.len)
            return XK_OK;
    const xk_strlist *from = &lic->services[n - 1].coverage;
    for (size_t i = 0; i + 1 < n; i++)
        for (size_t k = 0; k < from->len; k++) {
            xk_status st = xk_strlist_push(lic, &lic->services[i].coverage, from->items[k],
                                           strlen(from->items[k]));
            if (st != XK_OK)
                return st;
        }
    return XK_OK;
}

static xk_status default_coverage(xk_licence *lic)
{
    xk_status bst = block_coverage(lic);
    if (bst != XK_OK)
        return bst;
    const xk_region *r = lic->region ? xk_region_by_abbr(lic->region, strlen(lic->region)) : NULL;
    for (size_t i = 0; i < lic->n_services; i++) {
        xk_service *svc = &lic->services[i];
        if (svc->coverage.len > 0)
            continue;
        if (r) {
            xk_status st = xk_strlist_push(lic, &svc->coverage, r->name, strlen(r->name));
            if (st != XK_OK)
                return st;
        } else if (lic->region && !*lic->region) {
            xk_licence_problem_key(
                lic, XK_SEV_WARNING, svc->line, "problem.cross_regional_no_coverage",
                "%s states no coverage (覆盖范围) on a cross-regional licence", svc->code);
        }
    }
    return XK_OK;
}

/*
 * An enumerator at the start of a services line ("1.", "2、", "(3)", "①" which NFKC makes "1",
 * "一、") when a catalogue name follows: the list's numbering, not part of the service.
 */
static const char *skip_enumerator(const char *text)
{
    const char *p = text;
    bool paren = *p == '(';
    if (paren)
        p++;
    const char *digits = p;
    while (*p >= '0' && *p <= '9' && p - digits < 2)
        p++;
    if (p == digits) {
        size_t used;
        if (!paren && xk_chinese_numeral(p, strlen(p), &used) && strncmp(p + used, "、", 3) == 0)
            p += used + 3;
        else
            return text;
    } else if (paren) {
        if (*p != ')')
            return text;
        p++;
    } else if (*p == '.' || *p == ')' || *p == ',') {
        p++;
    } else if (strncmp(p, "、", 3) == 0) {
        p += 3;
    }
    while (*p == ' ')
        p++;
    size_t used;
    const char *q = p;
    for (size_t k = 0; k < sizeof class_prefixes / sizeof class_prefixes[0]; k++)
        if (strncmp(q, class_prefixes[k], strlen(class_prefixes[k])) == 0) {
            q += strlen(class_prefixes[k]);
            break;
        }
    return xk_service_match(q, strlen(q), &used) ? p : text;
}

/*
 * The label's last line misread when it wraps ("业务种类" / "(服务项目)" / "及有柳疼范围:" for
 * 及覆盖范围, a scan in the AR PL UMing face): a short line right after a label that does not
 * reach the coverage words yet and has no value after it, opening with 及 or 和 and ending in
 * 范围 and its colon with nothing after it. Left in the block, it ended the block as a label of
 * its own and the licence was refused for listing no service.
 */
#define LABEL_TAIL_CHARS 8

static bool misread_label_tail(const doc *d, const label_hit *hit, const char *compact)
{
    static const char *const opens[] = {"及", "和"};
    static const char *const ends[] = {"范围:", "范围："};
    size_t len = strlen(compact);
    return !*hit->value && !strstr(d->lines->lines[hit->last_line].compact, "范围") &&
           xk_starts_with_any(compact, len, opens, sizeof opens / sizeof opens[0], NULL) &&
           xk_ends_with_any(compact, len, ends, sizeof ends / sizeof ends[0]) &&
           xk_utf8_count(compact, len) <= LABEL_TAIL_CHARS;
}

xk_status xk_services_extract(doc *d)
{
    label_hit hit;
    if (!xk_label_first(d, L_SERVICES, &hit))
        return XK_OK;
    d->lic->line_services = d->lines->lines[hit.last_line].lineno;
    xk_buf block;
    xk_buf_init(&block);
    int *breaks = malloc((d->lines->n + 1) * sizeof *breaks);
    size_t nbreaks = 0;
    if (!breaks)
        return XK_ENOMEM;
    xk_buf_puts(&block, skip_enumerator(hit.value));
    section_kind sec = d->section[hit.last_line];
    for (size_t j = hit.last_line + 1; j < d->lines->n; j++) {
        label_hit other;
        if (xk_is_blank(d, j) || d->furniture[j])
            continue;
        const char *c = d->lines->lines[j].compact;
        if (nbreaks == 0 && misread_label_tail(d, &hit, c)) {
            xk_licence_problem_key(d->lic, XK_SEV_WARNING, d->lines->lines[j].lineno,
                                   "problem.label_ends_services",
                                   "label \"%s\" read as the end of 业务种类(服务项目)及覆盖范围: "
                                   "check it",
                                   c);
            d->lic->line_services = d->lines->lines[j].lineno;
            continue;
        }
        if (d->section[j] != sec || xk_label_at(d, j, &other) ||
            (xk_looks_labelled(c) && !strstr(c, "覆盖范围")))
            break;
        xk_buf_putc(&block, '\n');
        breaks[nbreaks++] = d->lines->lines[j].lineno;
        xk_buf_puts(&block, skip_enumerator(d->lines->lines[j].text));
    }
    xk_status st = block.oom ? XK_ENOMEM : XK_OK;
    if (st == XK_OK) {
        if (block.data)
            block.len = xk_text_squeeze(block.data);
        const char *b = block.data ? block.data : "";
        size_t skip = 0;
        while (b[skip] == '\n')
            skip++;
        block_lines bl = {d->lic->line_services, breaks, nbreaks};
        if (skip < block.len)
            st = parse_block_lines(d->lic, b, &bl);
    }
    if (st == XK_OK)
        st = default_coverage(d->lic);
    free(breaks);
    xk_buf_free(&block);
    return st;
}
