/*
 * The scan pipeline: read the pages (ocr.c), extract and validate the licence from the text as
 * from any document, then flag every field whose source line the reader was unsure of. A
 * flagged field carries a warning starting "needs review: " with the field, the confidence and
 * the text as read, so a person checks exactly those fields against the paper. The same flag
 * has the catalogue key problem.review.field and its parts as parameters (field_flag), so the
 * pages say it in the reader's language; the English stays for the CLI and the API.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "xuke/limits.h"
#include "ocr_internal.h"
#include "xuke/ocr.h"
#include "xuke/text.h"

bool xk_licence_needs_review(const xk_licence *lic)
{
    return xk_licence_has_problem(lic, XK_SEV_WARNING, XK_REVIEW_PREFIX);
}

/* Line `line` (1-based) of the OCR text whole: start and length (0 past the last line). */
static const char *whole_line(const xk_ocr_result *ocr, int line, size_t *len)
{
    const char *p = ocr->text, *end = ocr->text + ocr->len;
    for (int i = 1; i < line && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    *len = p < end ? (size_t)((nl ? nl : end) - p) : 0;
    return p;
}

/* Line `line` (1-based) of the OCR text, for quoting: start and length. */
static const char *line_text(const xk_ocr_result *ocr, int line, int *len)
{
    size_t whole;
    const char *p = ocr->text ? whole_line(ocr, line, &whole) : NULL;
    if (!p) {
        *len = 0;
        return "";
    }
    /* quote enough to find it on the page, in whole characters */
    *len = (int)xk_utf8_cut(p, whole, 120);
    return p;
}

/* A field and the lines it was read from. */
typedef struct span {
    char name[64];   /* as the English says it: "业务种类 B25 (service)" */
    char field[24];  /* the record's name for it: "company", "service", … */
    char item[24];   /* which one of a list: a service's code, a website's or provision's number */
    int first, last;
    char doubt[96]; /* a reason to check it that no line's confidence shows, or "" */
    char doubt_code[24], doubt_a[24], doubt_b[24]; /* the same reason as a code and its values */
    ocr_field kind;  /* what evidence.c may confirm it by */
    size_t index;    /* of a service or provision */
} span;

/* Each field a span can be, as the English names it: the licence's label, its item after it,
 * then the field in English ("业务种类 B25 (service)"). */
static const struct {
    const char *field, *label, *english;
} field_names[] = {
    {"number", "经营许可证编号", "number"},
    {"company", "公司名称", "company"},
    {"legal_representative", "法定代表人", "legal representative"},
    {"issued", "发证日期", "issued"},
    {"expires", "有效期至", "expires"},
    {"service", "业务种类", "service"},
    {"website", "网站", "website"},
    {"provision", "特别规定事项", "provision"},
};

/* A reason to check a span: its words, its code (problem.review.field's doubt, the catalogue's
 * rv.doubt.CODE) and up to two values. */
static void set_doubt(span *s, const char *code, const char *a, const char *b, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));
static void set_doubt(span *s, const char *code, const char *a, const char *b, const char *fmt,
                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->doubt, sizeof s->doubt, fmt, ap);
    va_end(ap);
    snprintf(s->doubt_code, sizeof s->doubt_code, "%s", code);
    snprintf(s->doubt_a, sizeof s->doubt_a, "%s", a ? a : "");
    snprintf(s->doubt_b, sizeof s->doubt_b, "%s", b ? b : "");
}

#define MAX_SPANS XK_MAX_REVIEW_SPANS

/* Room for every field a licence within the limits can have (on the heap: ~1.2 MB). */
typedef struct spans {
    span s[MAX_SPANS];
    size_t n, dropped;
} spans;

/* The span of field (field_names; item "" for a scalar) added, or NULL when the field has no
 * line or there is no room (counted). */
static span *add_span(spans *sp, const char *field, const char *item, int line)
{
    if (line < 1)
        return NULL;
    if (sp->n == MAX_SPANS) { /* not reached within the limits; flagged whole if it is */
        sp->dropped++;
        return NULL;
    }
    span *s = &sp->s[sp->n];
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
        if (strcmp(field_names[i].field, field) == 0)
            snprintf(s->name, sizeof s->name, "%s%s%s (%s)", field_names[i].label,
                     *item ? " " : "", item, field_names[i].english);
    snprintf(s->field, sizeof s->field, "%s", field);
    snprintf(s->item, sizeof s->item, "%s", item);
    s->first = s->last = line;
    s->kind = OCR_FIELD_OTHER;
    return &sp->s[sp->n++];
}

/*
 * A website's service comes from the 附页 header above it ("X获准经营<service>相关信息"). A header
 * OCR garbled ("获准经营人" / "了中" / "息服务业务…") names none, and one read as a service the
 * licence does not grant means that service or the header was misread: either way the website
 * (and a service it names but the page lacks) is checked by a person, although every line of
 * the website itself may have been read surely.
 */
static void website_doubts(const xk_licence *lic, spans *sp, size_t first_site)
{
    for (size_t i = 0; i < lic->n_websites && first_site + i < sp->n; i++) {
        const xk_website *w = &lic->websites[i];
        span *s = &sp->s[first_site + i];
        if (!w->code[0])
            set_doubt(s, "header_no_service", NULL, NULL,
                      "the 附页 header above it names no service");
        else if (lic->n_services > 0 && !xk_licence_grants(lic, w->code))
            set_doubt(s, "listed_under", w->code, NULL,
                      "listed under %s, not among the services read", w->code);
    }
    for (size_t i = 0; i < lic->n_websites; i++) {
        const char *code = lic->websites[i].code;
        bool seen = !code[0] || lic->n_services == 0 || xk_licence_grants(lic, code);
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(lic->websites[j].code, code) == 0;
        if (seen)
            continue;
        span *s = add_span(sp, "service", code, lic->websites[i].line);
        if (!s)
            continue;
        s->last = s->first;
        char site[24];
        snprintf(site, sizeof site, "%zu", i + 1);
        set_doubt(s, "service_unread_site", site, NULL,
                  "not read, though 网站 %zu is listed under it", i + 1);
    }
}

/*
 * Provisions are numbered 一、二、三…: a number skipped on a scan means a provision was lost or
 * its number misread (三 for 二), so both the provision after the gap and the numbers missing
 * (at most OCR_GAP_FLAGS of them) are checked by a person.
 */
#define OCR_GAP_FLAGS 3

static void provision_doubts(const xk_licence *lic, spans *sp, size_t first_prov)
{
    for (size_t i = 0; i < lic->n_provisions && first_prov + i < sp->n; i++) {
        int no = lic->provisions[i].no, before = i ? lic->provisions[i - 1].no : 0;
        if (no <= before + 1)
            continue;
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", before);
        snprintf(b, sizeof b, "%d", before + 1);
        set_doubt(&sp->s[first_prov + i], "provision_gap", a, b,
                  "follows 特别规定事项 %d, as if %d were missing", before, before + 1);
        for (int k = before + 1; k < no && k <= before + OCR_GAP_FLAGS; k++) {
            char what[16];
            snprintf(what, sizeof what, "%d", k);
            span *s = add_span(sp, "provision", what, lic->provisions[i].line);
            if (!s)
                continue;
            snprintf(a, sizeof a, "%d", no);
            snprintf(b, sizeof b, "%d", before);
            set_doubt(s, "provision_unread", a, b, "not read (特别规定事项 %d follows %d)", no,
                      before);
        }
    }
}

/* Each field runs from its line to the line before the next field starts (at most `cap`
 * lines for fields that continue: services, websites, provisions); services and websites are
 * then ended where their block ends (services_end_at_issuer, websites_end_at_provisions). */
static void close_spans(spans *sp, size_t from, int cap, int n_lines)
{
    for (size_t i = from; i < sp->n; i++) {
        int next = n_lines + 1;
        for (size_t j = 0; j < sp->n; j++)
            if (sp->s[j].first > sp->s[i].first && sp->s[j].first < next)
                next = sp->s[j].first;
        int last = next - 1;
        if (last > sp->s[i].first + cap)
            last = sp->s[i].first + cap;
        sp->s[i].last = last;
    }
}

/*
 * The last service's span ended at 发证日期, so it took in the 发证机关(盖章) line between them:
 * a label and a seal, read at confidence 0-45 on clean tuning pages, which flagged a service read
 * right (the issuer is the number's, not read there). Each service's span ends above it.
 */
static void services_end_at_issuer(spans *sp, size_t from, size_t to, const xk_ocr_result *ocr)
{
    for (size_t i = from; i < to; i++)
        for (int l = sp->s[i].first + 1; l <= sp->s[i].last; l++) {
            int len;
            const char *t = line_text(ocr, l, &len);
            if (xk_starts_with(t, (size_t)len, "发证机关")) {
                sp->s[i].last = l - 1;
                break;
            }
        }
}

/*
 * The last website's span ran on over the provisions' running number, heading and preamble
 * (close_spans), so their confidence judged it: on the held-out renders every website read right
 * was flagged, by a preamble word read at 0-65 on clean pages. A website is its own lines: each
 * website's span ends above the heading 特别规定事项 and the running number (经营许可证编号)
 * printed over it.
 */
static bool furniture(const char *t, size_t len)
{
    while (len && *t == ' ') {
        t++;
        len--;
    }
    return xk_starts_with(t, len, "特别规定事项") || xk_starts_with(t, len, "经营许可证编号");
}

static void websites_end_at_provisions(spans *sp, size_t from, size_t to, const xk_ocr_result *ocr)
{
    for (size_t i = from; i < to; i++) {
        for (int l = sp->s[i].first + 1; l <= sp->s[i].last; l++) {
            int len;
            const char *t = line_text(ocr, l, &len);
            if (xk_starts_with(t, (size_t)len, "特别规定事项")) {
                sp->s[i].last = l - 1;
                break;
            }
        }
        while (sp->s[i].last > sp->s[i].first) { /* the running number above the heading */
            int len;
            const char *t = line_text(ocr, sp->s[i].last, &len);
            if (len && !furniture(t, (size_t)len))
                break;
            sp->s[i].last--;
        }
    }
}

/*
 * A service's qualifier (信息服务业务（仅限互联网信息服务）) that is no standard wording
 * (data/provisions.txt) is reason to check it, however surely it was read: on a damaged tuning
 * render 不含固定网电话信息服务 was read 不含国定网… at confidence 80, and only a stray snap of
 * its condition had flagged it. A qualifier the wording file does not hold is flagged so too,
 * until a source for it is added there.
 */
static void qualifier_doubt(span *s, const xk_service *sv)
{
    if (sv->scope && sv->scope[0] && !xk_ocr_is_standard(sv->scope, -1))
        set_doubt(s, "qualifier_not_standard", NULL, NULL,
                  "its qualifier is no standard wording");
}

static void field_spans(const xk_licence *lic, const xk_ocr_result *ocr, spans *sp)
{
    int n_lines = (int)ocr->n_lines;
    sp->n = sp->dropped = 0;
    char what[24];
    span *number = add_span(sp, "number", "", lic->line_number);
    if (number)
        number->kind = OCR_FIELD_NUMBER;
    span *company = add_span(sp, "company", "", lic->line_company);
    if (company)
        company->kind = OCR_FIELD_COMPANY;
    /* The company is not confirmed by its name read alike on a second line alone: on a
     * held-out render 晴 was read 畏 on both lines, and the wrong name went unflagged; a reading
     * read surely must agree too (evidence.c). */
    if (company && lic->line_company_differs) { /* either reading may be the misread one */
        snprintf(what, sizeof what, "%d", lic->line_company_differs);
        set_doubt(company, "named_otherwise", what, NULL, "named otherwise on line %d",
                  lic->line_company_differs);
    }
    add_span(sp, "legal_representative", "", lic->line_legal);
    span *issued = add_span(sp, "issued", "", lic->line_issued);
    if (issued)
        issued->kind = OCR_FIELD_ISSUED;
    span *expires = lic->line_expires != lic->line_issued
                        ? add_span(sp, "expires", "", lic->line_expires)
                        : NULL;
    if (expires)
        expires->kind = OCR_FIELD_EXPIRES;
    size_t scalars = sp->n;
    for (size_t i = 0; i < lic->n_services; i++) {
        span *s = add_span(sp, "service", lic->services[i].code, lic->services[i].line);
        if (s) {
            s->kind = OCR_FIELD_SERVICE;
            s->index = i;
            qualifier_doubt(s, &lic->services[i]);
        }
    }
    size_t first_site = sp->n;
    for (size_t i = 0; i < lic->n_websites; i++) {
        snprintf(what, sizeof what, "%zu", i + 1);
        add_span(sp, "website", what, lic->websites[i].line);
    }
    size_t first_prov = sp->n;
    for (size_t i = 0; i < lic->n_provisions; i++) {
        snprintf(what, sizeof what, "%d", lic->provisions[i].no);
        span *s = add_span(sp, "provision", what, lic->provisions[i].line);
        if (s) {
            s->kind = OCR_FIELD_PROVISION;
            s->index = i;
        }
    }
    close_spans(sp, 0, 0, n_lines);        /* scalars: one line */
    close_spans(sp, scalars, 24, n_lines); /* the rest: until the next field */
    for (size_t i = 0; i < scalars; i++)
        sp->s[i].last = sp->s[i].first;
    services_end_at_issuer(sp, scalars, first_site, ocr);
    websites_end_at_provisions(sp, first_site, first_prov, ocr);
    website_doubts(lic, sp, first_site);
    provision_doubts(lic, sp, first_prov);
}

/*
 * A snap noted but not made (clauses.c) leaves the text as read, and the field is checked by a
 * person: a PDF text layer is what the document prints, and a character read twice beside itself
 * is more often the source's own than Tesseract's. The doubt's code
 * (rv.doubt.text_layer_not_standard, rv.doubt.doubled_not_standard) says it in the reader's
 * language.
 */
static void kept_doubts(const ocr_snaps *snaps, spans *sp)
{
    for (size_t i = 0; snaps && i < snaps->n; i++) {
        const ocr_snap *sn = &snaps->items[i];
        if (!sn->kept)
            continue;
        for (size_t k = 0; k < sp->n; k++) {
            if (sp->s[k].doubt[0] || strcmp(sp->s[k].name, sn->field) != 0)
                continue;
            if (sn->kept == OCR_KEPT_LAYER)
                set_doubt(&sp->s[k], "text_layer_not_standard", NULL, NULL, "%s",
                          "differs from the standard wording: kept as the PDF's text layer "
                          "prints it");
            else
                set_doubt(&sp->s[k], "doubled_not_standard", NULL, NULL, "%s",
                          "reads a character twice where the standard wording has it once: kept "
                          "as read");
        }
    }
}

/* The repairs made inside a span, as "履盖"→"覆盖", "〈"→"（" (at most size bytes); those
 * within the noise left out when skip_noise. */
static size_t repairs_in(const ocr_repairs *rep, const span *s, bool skip_noise, char *buf,
                         size_t size)
{
    size_t n = 0, used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < rep->n; i++) {
        const ocr_repair *r = &rep->items[i];
        if (r->line < s->first || r->line > s->last || (skip_noise && r->noise))
            continue;
        n++;
        int need = snprintf(NULL, 0, "%s\"%s\"→\"%s\"", used ? ", " : "", r->from, r->to);
        if (need > 0 && used + (size_t)need < size) /* whole entries only: no cut character */
            used += (size_t)snprintf(buf + used, size - used, "%s\"%s\"→\"%s\"", used ? ", " : "",
                                     r->from, r->to);
    }
    return n;
}

/* The snaps of a field, as "…"→"…" (the first two), and how many there were; those within
 * the noise left out when skip_noise. */
static size_t snaps_of(const ocr_snaps *snaps, const char *field, bool skip_noise, char *buf,
                       size_t size)
{
    size_t n = 0, used = 0;
    buf[0] = '\0';
    for (size_t i = 0; snaps && i < snaps->n; i++) {
        if (strcmp(snaps->items[i].field, field) != 0 || (skip_noise && snaps->items[i].noise) ||
            snaps->items[i].kept) /* not made: the span's doubt says so (kept_doubts) */
            continue;
        int need = snprintf(NULL, 0, "%s\"%s\"→\"%s\"", used ? ", " : "",
                            snaps->items[i].from, snaps->items[i].to);
        if (n++ < 2 && need > 0 && used + (size_t)need < size) /* whole entries only */
            used += (size_t)snprintf(buf + used, size - used, "%s\"%s\"→\"%s\"", used ? ", " : "",
                                     snaps->items[i].from, snaps->items[i].to);
    }
    return n;
}

/*
 * What could not be listed field by field: repairs or snaps beyond their lists, a line too long
 * to repair, fields beyond the spans. Each flags the whole document, so a repair is never left
 * unflagged because a list was full.
 */
static size_t flag_whole(xk_licence *lic, const ocr_repairs *rep, const ocr_snaps *snaps,
                         size_t spans_dropped)
{
    size_t flagged = 0;
    if (rep && rep->dropped) {
        xk_licence_problem_key(lic, XK_SEV_WARNING, 0, "problem.review.corrections_over_limit",
                               XK_REVIEW_PREFIX
                               "whole document: %zu OCR corrections beyond the %u "
                               "that can be listed; too many to list, every field needs review",
                               rep->dropped, XK_MAX_OCR_REPAIRS);
        flagged++;
    }
    if (rep && rep->long_lines) {
        xk_licence_problem_key(lic, XK_SEV_WARNING, rep->first_long, "problem.review.long_lines",
                               XK_REVIEW_PREFIX
                               "whole document: %zu line(s) over %u characters "
                               "(the first is line %d) left as read, without correction",
                               rep->long_lines, XK_MAX_OCR_LINE_CHARS, rep->first_long);
        flagged++;
    }
    if (snaps && snaps->dropped) {
        xk_licence_problem_key(
            lic, XK_SEV_WARNING, 0, "problem.review.snaps_over_limit",
            XK_REVIEW_PREFIX "whole document: %zu matches to standard wording "
                             "beyond the %u that can be listed; too many to list, every provision "
                             "needs review",
            snaps->dropped, XK_MAX_OCR_SNAPS);
        flagged++;
    }
    if (spans_dropped) {
        xk_licence_problem_key(lic, XK_SEV_WARNING, 0, "problem.review.spans_over_limit",
                               XK_REVIEW_PREFIX "whole document: %zu fields beyond the %u that can "
                                                "be checked one by one; every field needs review",
                               spans_dropped, (unsigned)XK_MAX_REVIEW_SPANS);
        flagged++;
    }
    return flagged;
}

/* A service whose name was misread past recognition: flagged by its code on the line that
 * seems to name it. */
#define OCR_LOST_MAX 32 /* more than the catalogue has services; each is listed once */

static void lost_services(const xk_licence *lic, const xk_ocr_result *ocr, spans *sp)
{
    ocr_lost_service lost[OCR_LOST_MAX];
    size_t n = xk_ocr_lost_services(lic, ocr, lost, OCR_LOST_MAX);
    for (size_t i = 0; i < n; i++) {
        span *s = add_span(sp, "service", lost[i].code, lost[i].line);
        if (s)
            set_doubt(s, "service_lost", NULL, NULL,
                      "not read, though this line seems to name it");
    }
}

/*
 * One flagged field as a review warning: the English (conf: the confidence and the doubt in
 * words) and the same as problem.review.field with parameters {0} field, {1} item, {2} the text
 * read, {3} page and {4} confidence (both "" unless the confidence is low), {5} the threshold,
 * {6} doubt code ("" none) with {7} {8} its values, {9} the corrections made and {10} the matches
 * to standard wording, each as "from"→"to", … ("" none).
 */
static void field_flag(xk_licence *lic, const span *s, int line, int low, int threshold, int page,
                       const char *conf, size_t n_fixes, const char *fixes, size_t n_snaps,
                       const char *snapped, const char *text, int len)
{
    char read[512], pg[16] = "", confidence[16] = "", min[16];
    snprintf(read, sizeof read, "%.*s", len, text);
    if (low >= 0) {
        snprintf(pg, sizeof pg, "%d", page);
        snprintf(confidence, sizeof confidence, "%d", low);
    }
    snprintf(min, sizeof min, "%d", threshold);
    const char *params[] = {s->field, s->item,     read,      pg,    confidence, min,
                            s->doubt_code, s->doubt_a, s->doubt_b, fixes, snapped};
    xk_licence_problem_params(lic, XK_SEV_WARNING, line, "problem.review.field", params,
                              sizeof params / sizeof params[0],
                              XK_REVIEW_PREFIX "%s: %s%s%s%s%s%s%s; read \"%.*s\"", s->name, conf,
                              *conf && n_fixes ? "; " : "", n_fixes ? "OCR text corrected " : "",
                              fixes, (*conf || n_fixes) && n_snaps ? "; " : "",
                              n_snaps ? "matched to standard wording " : "", snapped, len, text);
}

/*
 * Whether span s, about to be flagged for lines read below the threshold alone, reads alike a second
 * time: the field has its kind's shape (second.c), none of its lines was read otherwise already
 * (reread.c), and each of its lines, read again apart (second), gives the same words, every
 * character at OCR_SECOND_SURE or over. A line with no second reading, one that differs or one
 * read unsurely the second time keeps the flag.
 */
static bool read_alike(const xk_licence *lic, const xk_ocr_result *ocr, const span *s,
                       const ocr_second *second)
{
    if (!second || !second->read || !xk_ocr_field_well_formed(lic, s->field, s->item))
        return false;
    bool any = false;
    for (int l = s->first; l <= s->last && (size_t)l <= ocr->n_lines; l++) {
        if (ocr->lines[l - 1].reread)
            return false;
        size_t len;
        const char *text = whole_line(ocr, l, &len);
        size_t blank = 0;
        while (blank < len && text[blank] == ' ')
            blank++;
        if (blank == len)
            continue; /* nothing read there */
        int lowest = 0;
        char *again = second->read(second->ctx, l, &lowest);
        bool agree = again && lowest >= OCR_SECOND_SURE &&
                     xk_ocr_readings_agree(text, len, again, strlen(again));
        free(again);
        if (!agree)
            return false;
        any = true;
    }
    return any;
}

#define OCR_WORDING_LINES XK_MAX_OCR_WORDING_LINES

/* The lines of span s (1-based, from s->first to next - 1) that hold text: not blank, nor the
 * running number and heading printed over a page; how many (0 when over OCR_WORDING_LINES). */
static size_t wording_lines(const xk_ocr_result *ocr, const span *s, int next, const char **lines,
                            size_t *lens, int *numbers)
{
    size_t n = 0;
    for (int l = s->first; l < next && (size_t)l <= ocr->n_lines; l++) {
        size_t len;
        const char *text = whole_line(ocr, l, &len);
        size_t blank = 0;
        while (blank < len && text[blank] == ' ')
            blank++;
        if (blank == len || furniture(text, len))
            continue;
        if (n == OCR_WORDING_LINES)
            return 0;
        lines[n] = text;
        lens[n] = len;
        numbers[n++] = l;
    }
    return n;
}

/*
 * Whether span s, a provision or service the licence confirms as standard wording (evidence.c)
 * but flagged for corrections or matches beyond the noise, reads so a second time, its lines
 * taken up to the next field's (next; a provision runs on past the span's 24 lines). A
 * provision's lines where the first reading departs from its standard text are read again, apart
 * (second), and must give the standard text there (confirm.c); a service's lines must each read
 * alike both times (its name, corrected, is the catalogue's). A line with no second reading
 * keeps the flag.
 */
static bool wording_read_again(const xk_licence *lic, const xk_ocr_result *ocr, const span *s,
                               int next, const ocr_second *second)
{
    bool provision = s->kind == OCR_FIELD_PROVISION && s->index < lic->n_provisions;
    if (!second || !second->read || (!provision && s->kind != OCR_FIELD_SERVICE))
        return false;
    const char *lines[OCR_WORDING_LINES];
    size_t lens[OCR_WORDING_LINES];
    int numbers[OCR_WORDING_LINES];
    bool again[OCR_WORDING_LINES];
    size_t n = wording_lines(ocr, s, next, lines, lens, numbers);
    if (n == 0 || (provision && !xk_ocr_provision_lines_to_read(&lic->provisions[s->index], lines,
                                                                 lens, n, again)))
        return false;
    xk_buf first, read;
    xk_buf_init(&first);
    xk_buf_init(&read);
    bool agree = true;
    for (size_t i = 0; agree && i < n; i++) {
        xk_buf_append(&first, lines[i], lens[i]);
        if (provision && !again[i]) {
            xk_buf_append(&read, lines[i], lens[i]);
            continue;
        }
        int lowest = 0;
        char *line = second->read(second->ctx, numbers[i], &lowest);
        agree = line && (provision || xk_ocr_readings_agree(lines[i], lens[i], line, strlen(line)));
        if (line)
            xk_buf_append(&read, line, strlen(line));
        free(line);
    }
    if (agree && provision)
        agree = !first.oom && !read.oom &&
                xk_ocr_provision_read_again(&lic->provisions[s->index], first.data, first.len,
                                            read.data, read.len);
    xk_buf_free(&first);
    xk_buf_free(&read);
    return agree;
}

/* The first line of the field after span s (the text's end + 1 when none). */
static int next_field(const spans *sp, const span *s, const xk_ocr_result *ocr)
{
    int next = (int)ocr->n_lines + 1;
    for (size_t j = 0; j < sp->n; j++)
        if (sp->s[j].first > s->first && sp->s[j].first < next)
            next = sp->s[j].first;
    return next;
}

/* The fields a second reading confirmed, as the record's JSON names them ("company",
 * "websites[2]"), for the note that says why they are not flagged. */
typedef struct read_twice {
    char names[512];
    size_t n;
    int line;
} read_twice;

static void read_twice_add(read_twice *t, const span *s)
{
    char name[sizeof s->field + sizeof s->item + 8];
    if (strcmp(s->field, "website") == 0)
        snprintf(name, sizeof name, "websites[%s]", s->item);
    else if (strcmp(s->field, "provision") == 0 || strcmp(s->field, "service") == 0)
        snprintf(name, sizeof name, "%ss[%s]", s->field, s->item);
    else
        snprintf(name, sizeof name, "%s", s->field);
    size_t used = strlen(t->names);
    if (used + strlen(name) + 3 < sizeof t->names) /* whole names only; the count says all */
        snprintf(t->names + used, sizeof t->names - used, "%s%s", used ? ", " : "", name);
    if (!t->n++)
        t->line = s->first;
}

static void read_twice_note(xk_licence *lic, const read_twice *t, int threshold)
{
    if (!t->n)
        return;
    char count[24], below[16];
    snprintf(count, sizeof count, "%zu", t->n);
    snprintf(below, sizeof below, "%d", threshold);
    const char *params[] = {count, t->names, below};
    xk_licence_problem_params(lic, XK_SEV_WARNING, t->line, "problem.ocr_fields_read_twice",
                              params, sizeof params / sizeof params[0],
                              "OCR: %zu field(s) read below confidence %d (%s) read alike a "
                              "second time, each such line alone on an image prepared otherwise, "
                              "and have the shape their field has, so not flagged",
                              t->n, threshold, t->names);
}

static void wording_twice_note(xk_licence *lic, const read_twice *t)
{
    if (!t->n)
        return;
    char count[24];
    snprintf(count, sizeof count, "%zu", t->n);
    const char *params[] = {count, t->names};
    xk_licence_problem_params(lic, XK_SEV_WARNING, t->line, "problem.ocr_wording_read_twice",
                              params, sizeof params / sizeof params[0],
                              "OCR: %zu field(s) matched to the standard wording beyond the "
                              "noise (%s) read exactly so a second time, each line alone on an "
                              "image prepared otherwise, so not flagged",
                              t->n, t->names);
}

static size_t flag_spans(xk_licence *lic, const xk_ocr_result *ocr, const ocr_repairs *rep,
                         const ocr_snaps *snaps, int threshold, const ocr_second *second)
{
    spans *sp = malloc(sizeof *sp);
    if (!sp) { /* nothing can be checked field by field: the whole document is */
        xk_licence_problem_key(lic, XK_SEV_WARNING, 0, "problem.review.out_of_memory",
                               XK_REVIEW_PREFIX
                               "whole document: out of memory while checking fields");
        return 1;
    }
    field_spans(lic, ocr, sp);
    kept_doubts(snaps, sp);
    lost_services(lic, ocr, sp);
    read_twice twice = {"", 0, 0}, wording = {"", 0, 0};
    size_t flagged = flag_whole(lic, rep, snaps, sp->dropped), confirmed = 0;
    if (ocr->pages_text_layer_distrusted) { /* every field: the document was made to mislead */
        xk_licence_problem_key(lic, XK_SEV_WARNING, 0, "problem.review.text_layer_distrusted",
                               XK_REVIEW_PREFIX
                               "whole document: the PDF's text layer on %u page(s), the first page "
                               "%u, says what the page does not show (invisible or covered text); "
                               "those pages were read from their image instead, and every field "
                               "needs review",
                               ocr->pages_text_layer_distrusted, ocr->first_text_layer_distrusted);
        flagged++;
    }
    for (size_t i = 0; i < sp->n; i++) {
        const span *s = &sp->s[i];
        int low = 101, low_line = s->first;
        for (int l = s->first; l <= s->last && (size_t)l <= ocr->n_lines; l++)
            if (ocr->lines[l - 1].confidence < low) {
                low = ocr->lines[l - 1].confidence;
                low_line = l;
            }
        bool sure =
            xk_ocr_field_confirmed(lic, ocr, s->kind, s->index, s->first, s->last, threshold);
        char fixes[400] = "", snapped[700]; /* fixes: repairs_in is not called without rep */
        size_t n_fixes = rep ? repairs_in(rep, s, sure, fixes, sizeof fixes) : 0;
        size_t n_snaps = snaps_of(snaps, s->name, sure, snapped, sizeof snapped);
        char none[1];
        bool waived = sure && (low < threshold ||
                               (rep && repairs_in(rep, s, false, none, sizeof none) > n_fixes) ||
                               snaps_of(snaps, s->name, false, none, sizeof none) > n_snaps);
        if (sure)
            low = 101; /* the licence confirms what the confidence doubts */
        if (low >= threshold && n_fixes == 0 && n_snaps == 0 && !s->doubt[0]) {
            confirmed += waived;
            continue;
        }
        if (low < threshold && n_fixes == 0 && n_snaps == 0 && !s->doubt[0] &&
            read_alike(lic, ocr, s, second)) {
            read_twice_add(&twice, s);
            continue;
        }
        if (sure && !s->doubt[0] && (n_fixes || n_snaps) &&
            wording_read_again(lic, ocr, s, next_field(sp, s, ocr), second)) {
            read_twice_add(&wording, s);
            continue;
        }
        int len;
        const char *text = line_text(ocr, low_line, &len);
        char conf[200] = "";
        if (low < threshold)
            snprintf(conf, sizeof conf, "OCR confidence %d (below %d) on page %d%s%s", low,
                     threshold, ocr->lines[low_line - 1].page, s->doubt[0] ? "; " : "", s->doubt);
        else
            snprintf(conf, sizeof conf, "%s", s->doubt);
        field_flag(lic, s, low_line, low < threshold ? low : -1, threshold,
                   low < threshold ? ocr->lines[low_line - 1].page : 0, conf, n_fixes, fixes,
                   n_snaps, snapped, text, len);
        flagged++;
    }
    if (confirmed)
        xk_licence_problem_key(
            lic, XK_SEV_WARNING, 0, "problem.ocr_fields_confirmed",
            "OCR: %zu field(s) confirmed by the licence itself (standard wording, "
            "the number alike on every page, a five-year term), so not flagged for "
            "a low confidence or corrections within the noise",
            confirmed);
    read_twice_note(lic, &twice, threshold);
    wording_twice_note(lic, &wording);
    free(sp);
    return flagged;
}

/*
 * A page read poorly as a whole (the mean word confidence of its lines below OCR_PAGE_POOR;
 * upright pages read 90-91, a page turned the wrong way 17-18) may have lost fields without a
 * trace: a provision or website none of whose lines was recognised cannot be flagged by name.
 * Such a page is flagged itself.
 */
#define OCR_PAGE_POOR 50

static size_t flag_page(xk_licence *lic, int page, int line, int sum, int count)
{
    if (!count || sum / count >= OCR_PAGE_POOR)
        return 0;
    xk_licence_problem_key(lic, XK_SEV_WARNING, line, "problem.review.page_read_poorly",
                           XK_REVIEW_PREFIX
                           "page %d: read poorly (mean confidence %d, below %d): a "
                           "field on it may be missing or wrong",
                           page, sum / count, OCR_PAGE_POOR);
    return 1;
}

static size_t flag_poor_pages(xk_licence *lic, const xk_ocr_result *ocr)
{
    size_t flagged = 0;
    int page = 0, first = 0, sum = 0, count = 0;
    const char *p = ocr->text, *end = ocr->text + ocr->len;
    for (size_t i = 0; i < ocr->n_lines && p < end; i++) {
        if (ocr->lines[i].page != page) {
            flagged += flag_page(lic, page, first, sum, count);
            page = ocr->lines[i].page;
            first = (int)i + 1;
            sum = count = 0;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        while (len && p[len - 1] == ' ')
            len--;
        if (len) { /* empty lines carry no reading */
            sum += ocr->lines[i].mean;
            count++;
        }
        p = nl ? nl + 1 : end;
    }
    return flagged + flag_page(lic, page, first, sum, count);
}

/*
 * Provisions lost without a trace: a number read as no numeral can end the provisions early
 * (a phone photo in a Ming face: 五 lost, provision 四 took 五's text and nothing after it was
 * read as a provision, all of it unflagged). The text read from the last provision's line on is
 * compared with what the last provision holds: more Chinese characters than it, its items and
 * each page's running number and heading (OCR_TAIL_SLACK a page) can hold means provisions were
 * read as none, and the whole document is flagged.
 */
#define OCR_TAIL_SLACK 60

static size_t han_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp = 0;
        size_t k = xk_utf8_decode(s + i, len - i, &cp);
        n += k && xk_is_han(cp);
        i += k ? k : 1;
    }
    return n;
}

static size_t flag_unread_tail(xk_licence *lic, const xk_ocr_result *ocr)
{
    if (lic->n_provisions == 0)
        return 0;
    const xk_provision *last = &lic->provisions[lic->n_provisions - 1];
    if (last->line < 1 || (size_t)last->line > ocr->n_lines)
        return 0;
    size_t held = han_count(last->text, strlen(last->text));
    for (size_t i = 0; i < last->n_items; i++)
        held += han_count(last->items[i].text, strlen(last->items[i].text));
    const char *p = ocr->text;
    for (int l = 1; l < last->line && p; l++) {
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    if (!p)
        return 0;
    int pages = ocr->lines[ocr->n_lines - 1].page - ocr->lines[last->line - 1].page + 1;
    size_t read = han_count(p, strlen(p));
    if (read <= held + (size_t)pages * OCR_TAIL_SLACK)
        return 0;
    xk_licence_problem_key(
        lic, XK_SEV_WARNING, last->line, "problem.review.provision_swallowed",
        XK_REVIEW_PREFIX "whole document: %zu Chinese characters were read from "
                         "特别规定事项 %d on, which with its items holds %zu: provisions after it "
                         "may be missing or merged into it",
        read, last->no, held);
    return 1;
}

/*
 * A provision that swallowed those after it: a number read as no numeral makes the provisions
 * that follow part of the one before (a phone photo in a Ming face: 四 held the text of 五 to
 * 十六, and 五 to 十六 were missing, unflagged). A provision's text or an item's far longer
 * than any standard entry (over OCR_SWALLOW_PCT % of the longest) flags that provision; when it
 * is the last provision read and comes before the last one every form has (十四), the
 * provisions it swallowed are no field that can be flagged, and the whole document is.
 */
#define OCR_SWALLOW_PCT 150

static size_t flag_swallowing(xk_licence *lic)
{
    size_t most = xk_ocr_longest_standard() * OCR_SWALLOW_PCT / 100, flagged = 0;
    for (size_t i = 0; most && i < lic->n_provisions; i++) {
        const xk_provision *p = &lic->provisions[i];
        size_t n = xk_utf8_count(p->text, strlen(p->text));
        for (size_t j = 0; j < p->n_items; j++) {
            size_t k = xk_utf8_count(p->items[j].text, strlen(p->items[j].text));
            n = k > n ? k : n;
        }
        if (n <= most)
            continue;
        int common = xk_ocr_common_provisions();
        if (i + 1 == lic->n_provisions && p->no < common) {
            xk_licence_problem_key(
                lic, XK_SEV_WARNING, p->line, "problem.review.last_provision_too_long",
                XK_REVIEW_PREFIX "whole document: 特别规定事项 %d, the last read, "
                                 "holds a text of %zu characters, far beyond the longest standard "
                                 "provision (%zu), and every form has %d: those after it may be "
                                 "merged into it",
                p->no, n, xk_ocr_longest_standard(), common);
            return flagged + 1;
        }
        xk_licence_problem_key(lic, XK_SEV_WARNING, p->line, "problem.review.provision_too_long",
                               XK_REVIEW_PREFIX
                               "特别规定事项 %d (provision): holds a text of %zu "
                               "characters, far beyond the longest standard provision (%zu): what "
                               "follows it may be merged into it",
                               p->no, n, xk_ocr_longest_standard());
        flagged++;
    }
    return flagged;
}

size_t xk_ocr_flag_review_second(xk_licence *lic, const xk_ocr_result *ocr, const ocr_repairs *rep,
                                 const ocr_snaps *snaps, int review_confidence,
                                 const ocr_second *second)
{
    return flag_spans(lic, ocr, rep, snaps, review_confidence, second) +
           flag_poor_pages(lic, ocr) + flag_unread_tail(lic, ocr) + flag_swallowing(lic);
}

size_t xk_ocr_flag_review(xk_licence *lic, const xk_ocr_result *ocr, const ocr_repairs *rep,
                          const ocr_snaps *snaps, int review_confidence)
{
    return xk_ocr_flag_review_second(lic, ocr, rep, snaps, review_confidence, NULL);
}

/* The scan's kept lines read a second time (second.c), within OCR_SECOND_SECONDS in all. */
typedef struct second_ctx {
    const ocr_kept *kept;
    const xk_ocr_options *o;
    double left;
} second_ctx;

static char *read_kept(void *ctx, int line, int *lowest)
{
    second_ctx *c = ctx;
    return xk_ocr_second_reading(c->kept, line, c->o, &c->left, lowest);
}

size_t xk_ocr_flag_fields(xk_licence *lic, const xk_ocr_result *ocr, int review_confidence)
{
    return xk_ocr_flag_review(lic, ocr, NULL, NULL, review_confidence);
}

/* Processor time for the second readings of one scan, all together: one takes about 0.1 s, and a
 * scan has a few fields flagged for their confidence alone. Past it, the fields left stay
 * flagged. */
#define OCR_SECOND_SECONDS 5.0

xk_status xk_scan_for_import(const char *bytes, size_t len, xk_licence **lic, char **text,
                             size_t *text_len, char kind[8], xk_error *err, void *ctx)
{
    xk_input_kind k = xk_input_detect(bytes, len);
    *lic = NULL;
    *text = NULL;
    *text_len = 0;
    if (k == XK_INPUT_TEXT)
        return XK_ENOTFOUND;
    snprintf(kind, 8, "%s", xk_input_kind_name(k));
    xk_blob file = {bytes, len};
    xk_ocr_result ocr;
    memset(&ocr, 0, sizeof ocr);
    xk_status rc = xk_scan_parse(&file, 1, ctx, lic, &ocr, err);
    if (ocr.text) {
        *text = ocr.text;
        *text_len = ocr.len;
        ocr.text = NULL;
    }
    xk_ocr_result_free(&ocr);
    return rc;
}

xk_status xk_scan_parse(const xk_blob *files, size_t n, const xk_ocr_options *opt,
                        xk_licence **out, xk_ocr_result *ocr, xk_error *err)
{
    xk_ocr_options defaults;
    if (!opt) {
        xk_ocr_options_init(&defaults);
        opt = &defaults;
    }
    xk_ocr_result local;
    xk_ocr_result *r = ocr ? ocr : &local;
    *out = NULL;
    ocr_kept kept = {0};
    xk_status rc = xk_ocr_read_keeping(files, n, opt, r, &kept, err);
    if (rc != XK_OK)
        return rc;
    ocr_repairs *rep = calloc(1, sizeof *rep);
    for (size_t i = 0; rep && i < r->n_fixes; i++) { /* the reader's own, first */
        size_t before = rep->n;
        xk_ocr_repair_note(rep, r->fixes[i].line, r->fixes[i].from, strlen(r->fixes[i].from),
                           r->fixes[i].to, strlen(r->fixes[i].to));
        if (rep->n > before) /* a second reading replaced the first: never mere noise */
            rep->items[rep->n - 1].noise = false;
    }
    if (!rep || xk_ocr_repair_text(r, rep) != XK_OK) {
        xk_ocr_kept_free(&kept);
        free(rep);
        if (!ocr)
            xk_ocr_result_free(&local);
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    }
    xk_parse_options popt = {XK_MAX_DOCUMENT_BYTES_CEILING};
    rc = xk_licence_parse(r->text, r->len, &popt, out, err);
    bool unresolved_oom = rc == XK_EINVALID && *out && xk_ocr_number_unresolved(*out) != XK_OK;
    if (rc == XK_EINVALID && *out && !unresolved_oom && !xk_licence_error_count(*out))
        rc = XK_OK; /* the province unread was its only error: given, flagged, not refused */
    ocr_snaps *snaps = *out && !unresolved_oom ? calloc(1, sizeof *snaps) : NULL;
    if (*out && !snaps) {
        xk_ocr_kept_free(&kept);
        xk_licence_free(*out);
        *out = NULL;
        free(rep);
        if (!ocr)
            xk_ocr_result_free(&local);
        return xk_error_set(err, XK_ENOMEM, 0, "out of memory");
    }
    if (snaps)
        xk_ocr_snap_clauses(*out, snaps, r);
    second_ctx again = {&kept, opt, OCR_SECOND_SECONDS};
    ocr_second second = {read_kept, &again};
    if (*out)
        xk_ocr_flag_review_second(*out, r, rep, snaps, opt->review_confidence, &second);
    xk_ocr_kept_free(&kept);
    free(snaps);
    free(rep);
    if (!ocr)
        xk_ocr_result_free(&local);
    return rc;
}
