/*
 * The main page's single-valued fields: licence number, company, legal representative, issuer
 * (the dates are dates.c's). Values are taken after their label on the same line, or on the next
 * lines when the label stands alone, or (the number, and dates) on the line before when a scan
 * printed the value above its label. Where a document states a field twice (the number on every
 * page header, the company in the appendix and the provisions) the copies are compared and a
 * disagreement is a warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xuke/catalogue.h"
#include "extract.h"

static size_t next_content(const doc *d, size_t i)
{
    for (i++; i < d->lines->n; i++)
        if (!xk_is_blank(d, i) && !d->furniture[i])
            return i;
    return d->lines->n;
}

static bool ascii_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Top-level domains a host in a licence's appendix ends with: generic and country-code ones
 * from IANA's root zone database (https://www.iana.org/domains/root/db), the ones Chinese sites
 * register under. A line that ends with one of them after a dot ends a whole host. */
static bool ends_with_tld(const char *s, size_t len)
{
    static const char *const tlds[] = {
        ".cn", ".com", ".net", ".org", ".top", ".xyz", ".info", ".cc", ".vip", ".site", ".tech",
        ".shop", ".club", ".ltd", ".io", ".co", ".me", ".tv", ".biz", ".mobi", ".asia", ".wang",
        ".ink", ".work", ".fun", ".online", ".store", ".link", ".red", ".pub", ".games", ".gov",
        ".edu", ".hk", ".中国", ".公司", ".网络", ".在线", ".网址",
    };
    return xk_ends_with_any(s, len, tlds, sizeof tlds / sizeof tlds[0]) != 0;
}

/* Does text start with a whole host ("www.x.com", "m.x.cn …"): a dot before its first space? */
static bool starts_host(const char *text)
{
    size_t n = strcspn(text, " ,;");
    const char *dot = memchr(text, '.', n);
    return dot && dot != text && text[0] != '-';
}

/* Joins a value's next line. Domains (join_ascii) wrap inside a host and are joined back
 * ("news.qim" + "ing.com"), except where the line ended a whole host and the next begins one
 * ("example.com" + "www.example.com", a list wrapped at its space). */
static void join_line(xk_buf *out, const char *text, bool join_ascii)
{
    bool space = join_ascii ? out->len > 0 && ends_with_tld(out->data, out->len) && starts_host(text)
                            : out->len > 0 && ascii_alnum(out->data[out->len - 1]) &&
                                  ascii_alnum(*text);
    if (space)
        xk_buf_putc(out, ' ');
    xk_buf_puts(out, text);
}

/* "注册住所:…", "注册资本(万元):…", "ICP备案号:…": a field xuke does not read is still a field,
 * and must not be taken for the continuation of the one above it. */
bool xk_looks_labelled(const char *compact)
{
    size_t len = strlen(compact), i = 0, han = 0;
    while (i < len && han <= 10) {
        unsigned cp;
        size_t n = xk_utf8_decode(compact + i, len - i, &cp);
        if (n == 0)
            return false;
        if (cp == ':')
            return han >= 2;
        if (xk_is_han(cp))
            han++;
        else if (cp != '(' && cp != ')' && !((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z')))
            return false;
        i += n;
    }
    return false;
}

/* May line j continue the value of a field that started in section sec? */
static bool continues(const doc *d, size_t j, section_kind sec)
{
    label_hit hit;
    if (j >= d->lines->n || xk_is_blank(d, j) || d->furniture[j] || d->section[j] != sec)
        return false;
    if (xk_opens_block_header(d, j) || xk_looks_labelled(d->lines->lines[j].compact))
        return false;
    return !xk_label_at(d, j, &hit);
}

size_t xk_value_collect(const doc *d, const label_hit *hit, bool join_ascii, xk_buf *out)
{
    size_t i = hit->last_line;
    section_kind sec = d->section[i];
    if (*hit->value) {
        xk_buf_puts(out, hit->value);
    } else {
        size_t j = next_content(d, i);
        if (!continues(d, j, sec))
            return i;
        join_line(out, d->lines->lines[j].text, join_ascii);
        i = j;
    }
    while (continues(d, i + 1, sec)) {
        i++;
        join_line(out, d->lines->lines[i].text, join_ascii);
    }
    return i;
}

/* --- licence number ------------------------------------------------------------------------ */

typedef struct number_seen {
    number_match m;
    int line;
    bool found;
} number_seen;

static bool line_number(const doc *d, size_t i, number_match *m)
{
    const char *c = d->lines->lines[i].compact;
    return xk_number_find(c, strlen(c), m);
}

/* The number a NUMBER label refers to: after it, else just above it, else just below it. */
static bool labelled_number(const doc *d, size_t i, const label_hit *hit, number_seen *out)
{
    char compact[256];
    size_t k = 0;
    for (const char *p = hit->value; *p && k < sizeof compact - 1; p++)
        if (*p != ' ')
            compact[k++] = *p;
    compact[k] = '\0';
    if (xk_number_find(compact, k, &out->m)) {
        out->line = d->lines->lines[hit->last_line].lineno;
        return out->found = true;
    }
    if (*hit->value)
        return false;
    size_t back = i, tries = 0;
    while (back > 0 && tries < 2) {
        back--;
        if (xk_is_blank(d, back))
            continue;
        tries++;
        if (line_number(d, back, &out->m)) {
            out->line = d->lines->lines[back].lineno;
            return out->found = true;
        }
    }
    size_t fwd = hit->last_line;
    for (tries = 0; tries < 2; tries++) {
        fwd = next_content(d, fwd);
        if (fwd >= d->lines->n)
            break;
        if (xk_is_number_header(d, fwd) && line_number(d, fwd, &out->m)) {
            out->line = d->lines->lines[fwd].lineno;
            return out->found = true;
        }
    }
    return false;
}

static number_seen choose_number(const doc *d)
{
    number_seen best = {0}, header = {0}, any = {0};
    for (size_t i = 0; i < d->lines->n && !best.found; i++) {
        label_hit hit;
        if (xk_is_blank(d, i))
            continue;
        if (xk_label_at(d, i, &hit) && hit.kind == L_NUMBER && labelled_number(d, i, &hit, &best))
            break;
        number_match m;
        if (!header.found && xk_is_number_header(d, i) &&
            line_number(d, i, &m))
            header = (number_seen){m, d->lines->lines[i].lineno, true};
        if (!any.found && d->section[i] == SEC_MAIN && line_number(d, i, &m))
            any = (number_seen){m, d->lines->lines[i].lineno, true};
    }
    if (best.found)
        return best;
    return header.found ? header : any;
}

/* Every page repeats the number; a page that says another number is worth a warning. */
static void cross_check_number(const doc *d, const char *chosen)
{
    for (size_t i = 0; i < d->lines->n; i++) {
        number_match m;
        if (!xk_is_number_header(d, i) || !line_number(d, i, &m))
            continue;
        char other[64];
        xk_number_format(&m, other, sizeof other);
        if (strcmp(other, chosen) != 0) {
            xk_licence_problem_key(d->lic, XK_SEV_WARNING, d->lines->lines[i].lineno,
                                   "problem.number_differs_on_page",
                                   "licence number %s on this page differs from %s", other, chosen);
            return;
        }
    }
}

static xk_status extract_number(doc *d)
{
    xk_licence *lic = d->lic;
    number_seen seen = choose_number(d);
    if (!seen.found)
        return XK_OK;
    char text[64];
    xk_number_format(&seen.m, text, sizeof text);
    lic->number = xk_licence_strdup(lic, text, strlen(text));
    lic->region = xk_licence_strdup(lic, seen.m.region_unknown ? seen.m.bad_region : seen.m.region,
                                    strlen(seen.m.region_unknown ? seen.m.bad_region
                                                                 : seen.m.region));
    lic->category = xk_licence_strdup(lic, seen.m.category, strlen(seen.m.category));
    lic->number_year = (seen.m.digits[0] - '0') * 1000 + (seen.m.digits[1] - '0') * 100 +
                       (seen.m.digits[2] - '0') * 10 + (seen.m.digits[3] - '0');
    lic->line_number = seen.line;
    if (!lic->number || !lic->region || !lic->category)
        return XK_ENOMEM;
    if (seen.m.corrected)
        xk_licence_problem_key(
            lic, XK_SEV_WARNING, seen.line, "problem.number_lookalikes",
            "经营许可证编号 read as %s from digits printed \"%s\": OCR look-alikes "
            "taken for digits, check it",
            text, seen.m.raw);
    const char *issuer = "";
    if (seen.m.region[0] == '\0' && !seen.m.region_unknown)
        issuer = XK_MINISTRY_ISSUER;
    else if (!seen.m.region_unknown)
        issuer = xk_region_by_abbr(seen.m.region, strlen(seen.m.region))->issuer;
    lic->issuer = xk_licence_strdup(lic, issuer, strlen(issuer));
    cross_check_number(d, text);
    return lic->issuer ? XK_OK : XK_ENOMEM;
}

/* --- company, legal representative, issuer ------------------------------------------------- */

static char *labelled_text(doc *d, label_kind kind, int *line)
{
    label_hit hit;
    if (!xk_label_first(d, kind, &hit))
        return NULL;
    *line = d->lines->lines[hit.last_line].lineno;
    xk_buf v;
    xk_buf_init(&v);
    xk_value_collect(d, &hit, false, &v);
    char *out = xk_tidy_into(d->lic, v.data ? v.data : "", v.len);
    xk_doc_buf_done(d, &v);
    return out;
}

/* Company named in "《特别规定事项》是经营许可证重要组成部分，X应当按照…" or "X获准经营…". */
static char *company_elsewhere(doc *d, int *line)
{
    static const char *const key = "重要组成部分,";
    for (size_t i = 0; i < d->lines->n; i++) {
        const char *c = d->lines->lines[i].compact;
        const char *p = strstr(c, key), *h = strstr(c, "获准经营");
        if (!p && !(h && h > c && !strstr(c, "你公司")))
            continue;
        xk_buf j;
        xk_buf_init(&j);
        xk_joined_compact(d, i, &j);
        const char *text = j.data ? j.data : "";
        const char *start = NULL, *end = NULL;
        if (p) {
            start = strstr(text, key) + strlen(key);
            end = strstr(start, "应当");
        } else {
            start = text;
            end = strstr(text, "获准经营");
        }
        char *out = NULL;
        if (end && end > start) {
            *line = d->lines->lines[i].lineno;
            out = xk_tidy_into(d->lic, start, (size_t)(end - start));
        }
        xk_doc_buf_done(d, &j);
        if (out)
            return out;
    }
    return NULL;
}

static void remove_spaces(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++)
        if (*r != ' ')
            *w++ = *r;
    *w = '\0';
}

/* The marks a minority name's middle dot (买买提·艾力) arrives as from other fonts, keyboards and
 * OCR: full stop, bullet, katakana middle dot, colon, one-dot leader, bullet operator. */
static size_t dot_like(const char *s)
{
    static const char *const marks[] = {"·", ".", "•", "・", ":", "：", "‧", "∙", "･"};
    return xk_starts_with_any(s, strlen(s), marks, sizeof marks / sizeof marks[0], NULL);
}

static bool han_before(const char *start, const char *p)
{
    if (p - start < 3)
        return false;
    unsigned cp;
    return xk_utf8_decode(p - 3, 3, &cp) == 3 && xk_is_han(cp);
}

/* The name with each dot-like mark between two Chinese characters written U+00B7, the dot the
 * standard writes (GB/T 28039), in the licence's arena; the name itself when it has none, NULL
 * when out of memory. */
static char *middle_dots(xk_licence *lic, char *name)
{
    xk_buf out;
    xk_buf_init(&out);
    bool changed = false;
    for (const char *r = name; *r;) {
        size_t n = dot_like(r);
        unsigned cp;
        if (n && han_before(name, r) && xk_utf8_decode(r + n, strlen(r + n), &cp) &&
            xk_is_han(cp)) {
            changed |= strncmp(r, "·", n) != 0 || n != strlen("·");
            xk_buf_puts(&out, "·");
            r += n;
            continue;
        }
        xk_buf_putc(&out, *r++);
    }
    char *fixed = changed && !out.oom ? xk_licence_strdup(lic, out.data, out.len) : name;
    if (out.oom)
        fixed = NULL;
    xk_buf_free(&out);
    return fixed;
}

/*
 * The number's province misread as no province (汽B2- for 沪B2-, 奥 for 粤, 费 or 副 for 冀): a
 * person takes it from the rest of the licence, and so does this. The evidence is the
 * administration that issued it, "<province>通信管理局" (catalogue.c's names: GB/T 2260), as
 * printed after 发证机关 or on any other line (the seal's words read as text), and a coverage
 * line naming one province alone ("业务覆盖范围：河北省": a province's administration licenses
 * services within its own province). One province named, and no other: the number is read
 * with its abbreviation and flagged for review, naming what was printed and where the province
 * was read. Two provinces named, or 发证机关 the
 * Ministry (whose licences carry no province), decide nothing: the number stays as printed and
 * its region is an error (a scan's record carries it flagged as unresolved, scan.c). A category
 * A number (basic telecom, refused whatever its province) is left as it is.
 */
typedef struct province_evidence {
    const xk_region *named; /* the first province named, or NULL */
    int named_line;
    bool by_coverage; /* named by a coverage line, not by an administration */
    const xk_region *other; /* a second, different province named, or NULL */
    int other_line;
} province_evidence;

static void note_province(province_evidence *e, const xk_region *r, int line, bool coverage)
{
    if (!e->named) {
        e->named = r;
        e->named_line = line;
        e->by_coverage = coverage;
    } else if (r == e->named && e->by_coverage && !coverage) {
        e->by_coverage = false; /* the administration said so too: name it */
        e->named_line = line;
    } else if (r != e->named && !e->other) {
        e->other = r;
        e->other_line = line;
    }
}

/* The provinces whose administration text names (each once, in the catalogue's order). */
static void provinces_in(const char *text, int line, province_evidence *e)
{
    for (size_t i = 0; i < xk_region_count(); i++)
        if (strstr(text, xk_region_at(i)->issuer))
            note_province(e, xk_region_at(i), line, false);
}

/* The one province a coverage line ("业务覆盖范围:河北省", compact) names alone, or NULL. */
static const xk_region *coverage_province(const char *compact)
{
    static const char *const labels[] = {"业务覆盖范围:", "覆盖范围:"};
    size_t at = xk_starts_with_any(compact, strlen(compact), labels, 2, NULL);
    if (!at)
        return NULL;
    size_t len = strlen(compact + at);
    if (xk_ends_with(compact + at, len, "。"))
        len -= strlen("。");
    return len ? xk_region_by_name(compact + at, len) : NULL;
}

static province_evidence province_evidence_of(const doc *d, const char *issuer, int issuer_line)
{
    province_evidence e = {0};
    if (issuer)
        provinces_in(issuer, issuer_line, &e);
    for (size_t i = 0; i < d->lines->n; i++) {
        const xk_line *l = &d->lines->lines[i];
        provinces_in(l->compact, l->lineno, &e);
        const xk_region *covered = coverage_province(l->compact);
        if (covered)
            note_province(&e, covered, l->lineno, true);
    }
    return e;
}

/* Why the province stays unknown, as a warning beside the validator's error; XK_OK when there
 * is nothing more to say than that error (no province named at all). */
static xk_status province_undecided(xk_licence *lic, const province_evidence *e,
                                    const char *issuer, size_t bad)
{
    if (issuer && strstr(issuer, XK_MINISTRY_ISSUER))
        return xk_licence_problem_key(
            lic, XK_SEV_WARNING, lic->line_number, "problem.number_province_ministry",
            "经营许可证编号 printed \"%s\": %.*s is no province abbreviation, and 发证机关 is %s, "
            "whose licences carry no province: none is taken",
            lic->number, (int)bad, lic->number, XK_MINISTRY_ISSUER);
    if (e->other)
        return xk_licence_problem_key(
            lic, XK_SEV_WARNING, lic->line_number, "problem.number_province_two",
            "经营许可证编号 printed \"%s\": %.*s is no province abbreviation, and the licence "
            "names two provinces for it, %s (line %d) and %s (line %d): neither is taken",
            lic->number, (int)bad, lic->number, e->named->name, e->named_line, e->other->name,
            e->other_line);
    return XK_OK;
}

static xk_status region_from_issuer(doc *d, const char *issuer, int line)
{
    xk_licence *lic = d->lic;
    if (!lic->number || !lic->region || !*lic->region || !lic->category ||
        lic->category[0] != 'B' || xk_region_by_abbr(lic->region, strlen(lic->region)))
        return XK_OK;
    size_t bad = strlen(lic->region);
    province_evidence e = province_evidence_of(d, issuer, line);
    if (!e.named || e.other || (issuer && strstr(issuer, XK_MINISTRY_ISSUER)))
        return province_undecided(lic, &e, issuer, bad);
    char fixed[64];
    int n = snprintf(fixed, sizeof fixed, "%s%s", e.named->abbr, lic->number + bad);
    if (n < 0 || (size_t)n >= sizeof fixed)
        return XK_OK;
    char *printed = lic->number;
    lic->number = xk_licence_strdup(lic, fixed, (size_t)n);
    lic->region = xk_licence_strdup(lic, e.named->abbr, strlen(e.named->abbr));
    lic->issuer = xk_licence_strdup(lic, e.named->issuer, strlen(e.named->issuer));
    if (!lic->number || !lic->region || !lic->issuer)
        return XK_ENOMEM;
    if (e.by_coverage)
        return xk_licence_problem_key(
            lic, XK_SEV_WARNING, lic->line_number, "problem.review.number_province_coverage",
            XK_REVIEW_PREFIX "经营许可证编号 printed \"%s\": %.*s is no province "
                             "abbreviation; read as %s, the province its 覆盖范围 names alone, "
                             "%s (line %d)",
            printed, (int)bad, printed, lic->number, e.named->name, e.named_line);
    return xk_licence_problem_key(
        lic, XK_SEV_WARNING, lic->line_number, "problem.review.number_province",
        XK_REVIEW_PREFIX "经营许可证编号 printed \"%s\": %.*s is no province "
                         "abbreviation; read as %s, the province of 发证机关 %s (line %d)",
        printed, (int)bad, printed, lic->number, e.named->issuer, e.named_line);
}

static xk_status extract_names(doc *d)
{
    xk_licence *lic = d->lic;
    int line = 0, other_line = 0;
    char *company = labelled_text(d, L_COMPANY, &line);
    char *other = company_elsewhere(d, &other_line);
    if (company && *company) {
        lic->company = company;
        lic->line_company = line;
        if (other && *other && strcmp(other, company) != 0) {
            lic->line_company_differs = other_line;
            xk_licence_problem_key(
                lic, XK_SEV_WARNING, other_line, "problem.company_named_otherwise",
                "company named here as %s, on the main page as %s", other, company);
        }
    } else if (other && *other) {
        lic->company = other;
        lic->line_company = other_line;
        xk_licence_problem_key(lic, XK_SEV_WARNING, other_line, "problem.company_not_on_main_page",
                               "公司名称 not found on the main page; taken from the text: %s",
                               other);
    } else {
        lic->line_company = line;
    }
    char *legal = labelled_text(d, L_LEGAL, &line);
    lic->line_legal = line;
    if (legal && *legal) {
        remove_spaces(legal);
        lic->legal_representative = middle_dots(lic, legal);
        if (!lic->legal_representative)
            return XK_ENOMEM;
    }
    char *issuer = labelled_text(d, L_ISSUER, &line);
    if (region_from_issuer(d, issuer && *issuer ? issuer : NULL, line) != XK_OK)
        return XK_ENOMEM;
    if (issuer && *issuer && lic->issuer && *lic->issuer && !strstr(issuer, lic->issuer) &&
        strstr(issuer, "管理局"))
        xk_licence_problem_key(lic, XK_SEV_WARNING, line, "problem.issuer_region",
                               "发证机关 reads %s but the number's region is issued by %s", issuer,
                               lic->issuer);
    return XK_OK;
}

xk_status xk_fields_extract(doc *d)
{
    xk_status st = extract_number(d);
    if (st != XK_OK)
        return st;
    st = extract_names(d);
    if (st != XK_OK)
        return st;
    xk_dates_extract(d);
    return XK_OK;
}
