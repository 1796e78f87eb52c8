/*
 * The field labels licences print, with the variants seen across issuers and OCR, and the
 * matcher that finds one at the start of a line. Labels are compared on the line's compact form
 * (NFKC, spaces removed), so "发 证 日 期：" and "发证日期:" are one label. A label that a narrow
 * scan splits over several lines ("业务种类" / "(服务项目)" / "及覆盖范围:") is matched by
 * joining the next lines. Without a colon, a label must be followed by a space or end the line,
 * so running text that merely starts with the same words ("公司名称和…") is not a label.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"

typedef struct label_variant {
    label_kind kind;
    const char *text; /* compact NFKC form */
} label_variant;

static const label_variant variants[] = {
    {L_NUMBER, "经营许可证编号"},
    {L_NUMBER, "许可证编号"},
    {L_NUMBER, "经营许可证号"},
    {L_NUMBER, "许可证号"},
    {L_COMPANY, "公司名称"},
    {L_COMPANY, "企业名称"},
    {L_COMPANY, "单位名称"},
    {L_COMPANY, "经营者名称"},
    {L_COMPANY, "经营单位名称"},
    {L_LEGAL, "法定代表人"},
    {L_LEGAL, "法人代表"},
    {L_LEGAL, "法定代表人(负责人)"},
    {L_LEGAL, "法定代表人或负责人"},
    {L_SERVICES, "业务种类(服务项目)及覆盖范围"},
    {L_SERVICES, "业务种类(服务项目)及业务覆盖范围"},
    {L_SERVICES, "业务种类(服务项目)和覆盖范围"},
    {L_SERVICES, "业务种类及覆盖范围"},
    {L_SERVICES, "业务种类和覆盖范围"},
    {L_SERVICES, "业务种类(服务项目)"},
    {L_SERVICES, "服务项目及覆盖范围"},
    {L_SERVICES, "业务种类"},
    {L_SERVICES, "经营范围"},
    {L_SERVICES, "业务范围"},
    {L_ISSUER, "发证机关(盖章)"},
    {L_ISSUER, "发证机关"},
    {L_ISSUER, "发证单位"},
    {L_ISSUER, "发证机构"},
    {L_ISSUED, "发证日期"},
    {L_ISSUED, "签发日期"},
    {L_ISSUED, "颁发日期"},
    {L_ISSUED, "发证时间"},
    {L_EXPIRES, "有效期限至"},
    {L_EXPIRES, "有效期至"},
    {L_EXPIRES, "有效期截止"},
    {L_EXPIRES, "有效期截止日期"},
    {L_EXPIRES, "有效截止日期"},
    {L_EXPIRES, "有效日期至"},
    {L_EXPIRES, "有效期限"},
    {L_EXPIRES, "有效期"},
    {L_SITE_NAME, "网站名称"},
    {L_SITE_NAME, "网站名"},
    {L_SITE_DOMAIN, "网站域名"},
    {L_SITE_DOMAIN, "网站网址"},
    {L_SITE_DOMAIN, "网站地址"},
    {L_SITE_DOMAIN, "域名"},
    {L_SITE_DOMAIN, "网址"},
    {L_SERVER, "服务器放置地点"},
    {L_SERVER, "服务器放置地址"},
    {L_SERVER, "服务器放置地"},
    {L_SERVER, "服务器所在地"},
    {L_SERVER, "服务器地址"},
    {L_ACCESS, "网站接入服务提供单位"},
    {L_ACCESS, "网站接入服务提供者"},
    {L_ACCESS, "网站接入服务提供商"},
    {L_ACCESS, "接入服务提供单位"},
    {L_ACCESS, "接入服务提供者"},
    {L_ACCESS, "接入服务提供商"},
    {L_ACCESS, "网站接入单位"},
    {L_ACCESS, "接入服务商"},
    {L_ACCESS, "接入单位"},
};

static const char *const names[L_COUNT] = {
    [L_NONE] = "",          [L_NUMBER] = "经营许可证编号", [L_COMPANY] = "公司名称",
    [L_LEGAL] = "法定代表人", [L_SERVICES] = "业务种类",     [L_ISSUER] = "发证机关",
    [L_ISSUED] = "发证日期", [L_EXPIRES] = "有效期至",      [L_SITE_NAME] = "网站名称",
    [L_SITE_DOMAIN] = "网站域名", [L_SERVER] = "服务器放置地",
    [L_ACCESS] = "网站接入服务提供单位",
};

const char *xk_label_name(label_kind kind)
{
    return kind < L_COUNT ? names[kind] : "";
}

bool xk_label_is_main(label_kind kind)
{
    return kind >= L_NUMBER && kind <= L_EXPIRES;
}

bool xk_label_is_site(label_kind kind)
{
    return kind >= L_SITE_NAME && kind <= L_ACCESS;
}

bool xk_site_label_at(const doc *d, size_t i)
{
    label_hit hit;
    return xk_label_at(d, i, &hit) && xk_label_is_site(hit.kind);
}

const char *xk_skip_loose(const char *text, const char *prefix, size_t plen)
{
    size_t k = 0;
    while (k < plen) {
        if (*text == ' ') {
            text++;
            continue;
        }
        if (*text == '\0' || *text != prefix[k])
            return NULL;
        text++;
        k++;
    }
    return text;
}

/* The colon after a label and the spaces around it; a doubled colon too ("单位::X", a speck
 * read as a second colon in a scan): no value begins with one. */
const char *xk_skip_colon(const char *s)
{
    while (*s == ' ')
        s++;
    while (*s == ':' || *s == ' ')
        s++;
    return s;
}

#define N_VARIANTS (sizeof variants / sizeof variants[0])

/* Each variant's length in bytes and in characters, counted once: the fuzzy matchers compare
 * them with every line that has a colon. */
static size_t variant_bytes[N_VARIANTS], variant_chars[N_VARIANTS];
/* The distinct first characters of the variants (three bytes each, as one number), and for
 * each the variants that start with it, in the table's order (so the first of two equally long
 * matches is still the one taken). */
static uint32_t first_chars[N_VARIANTS];
static size_t n_first_chars;
static unsigned char by_first[N_VARIANTS][N_VARIANTS];
static size_t n_by_first[N_VARIANTS];
/* Bit k set when some first character's last byte ends in the six bits k: a line whose first
 * character is not among them is told at once (most lines of a licence). */
static uint64_t first_last_bits;
static uint32_t variant_first[N_VARIANTS]; /* each variant's first character, as one number */
static pthread_once_t variant_sizes_once = PTHREAD_ONCE_INIT;

static uint32_t three_bytes(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    return (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
}

static void count_variant_sizes(void)
{
    for (size_t v = 0; v < N_VARIANTS; v++) {
        variant_bytes[v] = strlen(variants[v].text);
        variant_chars[v] = xk_utf8_count(variants[v].text, variant_bytes[v]);
        uint32_t first = three_bytes(variants[v].text);
        variant_first[v] = first;
        size_t k = 0;
        while (k < n_first_chars && first_chars[k] != first)
            k++;
        if (k == n_first_chars)
            first_chars[n_first_chars++] = first;
        by_first[k][n_by_first[k]++] = (unsigned char)v;
        first_last_bits |= 1ULL << (first & 0x3F);
    }
}

/* Every variant starts with a three-byte character: a line that starts with none of those
 * first characters cannot hold a label, which rules out most lines with a few comparisons of
 * numbers. */
/* The index in first_chars of the compact string's first character, or -1 (also for text
 * shorter than any variant). */
static int first_char_index(const char *compact, size_t len)
{
    if (len < 3)
        return -1;
    pthread_once(&variant_sizes_once, count_variant_sizes);
    uint32_t first = three_bytes(compact);
    if (!(first_last_bits >> (first & 0x3F) & 1))
        return -1;
    for (size_t k = 0; k < n_first_chars; k++)
        if (first_chars[k] == first)
            return (int)k;
    return -1;
}

static bool could_start_label(const char *compact, size_t len)
{
    return first_char_index(compact, len) >= 0;
}

/* Longest variant that the compact string starts with. */
static const label_variant *longest_prefix(const char *compact, size_t len)
{
    const label_variant *best = NULL;
    size_t best_len = 0;
    int k = first_char_index(compact, len); /* every variant starts with one of first_chars */
    for (size_t m = 0; k >= 0 && m < n_by_first[k]; m++) {
        size_t v = by_first[k][m], n = variant_bytes[v];
        if (n <= len && n > best_len && memcmp(compact, variants[v].text, n) == 0) {
            best = &variants[v];
            best_len = n;
        }
    }
    return best;
}

/* Is the compact string (without a trailing ':') a strict beginning of some variant? Every
 * variant is longer than three bytes, so text that short is the beginning of one when it is
 * the beginning of its first character (or empty). */
static bool starts_some_variant(const char *compact, size_t len)
{
    if (len > 0 && compact[len - 1] == ':')
        return false;
    int k = len >= 3 ? first_char_index(compact, len) : -1;
    if (len >= 3 && k < 0)
        return false;
    size_t count = k >= 0 ? n_by_first[k] : N_VARIANTS;
    for (size_t m = 0; m < count; m++) {
        size_t v = k >= 0 ? by_first[k][m] : m, n = variant_bytes[v];
        if (len < n && (len == 0 || variants[v].text[0] == compact[0]) &&
            memcmp(variants[v].text, compact, len) == 0)
            return true;
    }
    return false;
}

/* After a label on a line's text: ':' or end or a space must follow. */
static const char *accept_after(const char *after)
{
    if (!after)
        return NULL;
    if (*after == '\0' || *after == ':' || *after == ' ')
        return xk_skip_colon(after);
    /* a colon read as ; or , closing the line ("业务种类（服务项目)及覆盖范围;" on a noisy scan:
     * the label was not taken, and the licence was refused for want of services) */
    if ((*after == ';' || *after == ',') && after[strspn(after + 1, " ") + 1] == '\0')
        return after + strlen(after);
    return NULL;
}

static bool label_find(const doc *d, size_t i, label_hit *hit);

bool xk_label_at(const doc *d, size_t i, label_hit *hit)
{
    if (!d->labels)
        return label_find(d, i, hit);
    *hit = d->labels[i];
    return hit->kind != L_NONE;
}

/* Characters in which a and b (same character count) differ; SIZE_MAX if the counts differ. */
static size_t char_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t ao[48], bo[48];
    size_t na = xk_utf8_offsets(a, alen, ao, 47), nb = xk_utf8_offsets(b, blen, bo, 47);
    if (na != nb || ao[na] != alen || bo[nb] != blen)
        return (size_t)-1;
    size_t diff = 0;
    for (size_t k = 0; k < na; k++) {
        size_t la = ao[k + 1] - ao[k], lb = bo[k + 1] - bo[k];
        diff += la != lb || memcmp(a + ao[k], b + bo[k], la) != 0;
    }
    return diff;
}

/*
 * Whether a (one character more than b) is b with one character inserted
 * ("业务种类(服务项目)及有覆盖范围" for 业务种类(服务项目)及覆盖范围).
 */
static bool char_inserted(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t ao[48], bo[48];
    size_t na = xk_utf8_offsets(a, alen, ao, 47), nb = xk_utf8_offsets(b, blen, bo, 47);
    if (na != nb + 1 || ao[na] != alen || bo[nb] != blen)
        return false;
    size_t k = 0; /* the first character that differs is the inserted one */
    while (k < nb && ao[k + 1] - ao[k] == bo[k + 1] - bo[k] &&
           memcmp(a + ao[k], b + bo[k], bo[k + 1] - bo[k]) == 0)
        k++;
    return alen - ao[k + 1] == blen - bo[k] && memcmp(a + ao[k + 1], b + bo[k], blen - bo[k]) == 0;
}

/* One character substituted, or (in labels of six characters or more, where one extra
 * character cannot make another label) one inserted or one dropped. */
static bool one_edit(const char *line, size_t llen, size_t lchars, size_t v)
{
    const char *t = variants[v].text;
    size_t vlen = variant_bytes[v], vchars = variant_chars[v];
    if (vchars == lchars)
        return char_distance(line, llen, t, vlen) == 1;
    if (vchars < 6)
        return false;
    if (lchars == vchars + 1)
        return char_inserted(line, llen, t, vlen);
    return lchars + 1 == vchars && char_inserted(t, vlen, line, llen);
}

/*
 * A label OCR misread by one character ("网站接大服务提供单位:"): only before a colon, only for
 * labels of four characters or more, and only when one label kind is that close.
 */
static bool label_fuzzy(const doc *d, size_t i, label_hit *hit)
{
    const xk_line *ln = &d->lines->lines[i];
    /* a colon within the first 61 bytes: a provision's whole paragraph is never searched */
    const char *colon = memchr(ln->compact, ':', strnlen(ln->compact, 61));
    if (!colon || colon == ln->compact || colon - ln->compact > 60)
        return false;
    size_t plen = (size_t)(colon - ln->compact);
    size_t pchars = xk_utf8_count(ln->compact, plen);
    if (pchars < 4 || pchars > 16)
        return false;
    const label_variant *best = NULL;
    pthread_once(&variant_sizes_once, count_variant_sizes);
    for (size_t v = 0; v < N_VARIANTS; v++) {
        size_t vlen = variant_bytes[v];
        /* cheap filters first: most lines fail on the character count */
        if (vlen < 12 || variant_chars[v] + 1 < pchars || pchars + 1 < variant_chars[v] ||
            !one_edit(ln->compact, plen, pchars, v))
            continue;
        if (best && best->kind != variants[v].kind)
            return false; /* two kinds equally close: no guess */
        best = &variants[v];
    }
    if (!best)
        return false;
    const char *t = strchr(ln->text, ':');
    if (!t)
        return false;
    hit->kind = best->kind;
    hit->fuzzy = true;
    hit->last_line = i;
    hit->value = xk_skip_colon(t);
    return true;
}

xk_status xk_labels_index(doc *d)
{
    d->labels = NULL;
    label_hit *table = calloc(d->lines->n ? d->lines->n : 1, sizeof *table);
    if (!table)
        return XK_ENOMEM;
    for (size_t i = 0; i < d->lines->n; i++) {
        if (label_find(d, i, &table[i])) {
            if (table[i].fuzzy)
                xk_licence_problem_key(d->lic, XK_SEV_WARNING, d->lines->lines[i].lineno,
                                       "problem.label_wrapped_one_char",
                                       "label wrapped over lines %d-%d read as %s (one character "
                                       "differs): check it",
                                       d->lines->lines[i].lineno,
                                       d->lines->lines[table[i].last_line].lineno,
                                       xk_label_name(table[i].kind));
            continue;
        }
        if (label_fuzzy(d, i, &table[i])) {
            const xk_line *ln = &d->lines->lines[i];
            xk_licence_problem_key(d->lic, XK_SEV_WARNING, ln->lineno, "problem.label_one_char",
                                   "label \"%.*s\" read as %s (one character differs): check it",
                                   (int)(strchr(ln->compact, ':') - ln->compact), ln->compact,
                                   xk_label_name(table[i].kind));
            continue;
        }
        table[i].kind = L_NONE;
    }
    d->labels = table;
    return XK_OK;
}

/*
 * A label wrapped over lines with one character misread by OCR ("业务种类" / "(服务项目)" /
 * "及履盖范围:"): the lines joined up to the colon, one character from a variant that begins
 * with the first line exactly. The caller warns (hit->fuzzy).
 */
static bool joined_fuzzy(const doc *d, const char *first, const char *joined, size_t used,
                         const size_t *ends, const size_t *idx, int parts, label_hit *hit)
{
    const char *colon = memchr(joined, ':', used < 64 ? used : 64);
    if (!colon || (size_t)(colon - joined) <= ends[0])
        return false;
    size_t plen = (size_t)(colon - joined), pchars = xk_utf8_count(joined, plen);
    const label_variant *best = NULL;
    pthread_once(&variant_sizes_once, count_variant_sizes);
    for (size_t v = 0; v < N_VARIANTS; v++) {
        size_t vlen = variant_bytes[v];
        if (variant_chars[v] != pchars ||
            strncmp(variants[v].text, first, strlen(first)) != 0 ||
            char_distance(joined, plen, variants[v].text, vlen) != 1)
            continue;
        if (best && best->kind != variants[v].kind)
            return false;
        best = &variants[v];
    }
    int p = 0;
    while (p < parts - 1 && ends[p] <= plen)
        p++;
    const char *t = best ? strchr(d->lines->lines[idx[p]].text, ':') : NULL;
    if (!t)
        return false;
    memset(hit, 0, sizeof *hit);
    hit->kind = best->kind;
    hit->fuzzy = true;
    hit->span = plen;
    hit->last_line = idx[p];
    hit->value = xk_skip_colon(t);
    return true;
}

static bool label_find(const doc *d, size_t i, label_hit *hit)
{
    const xk_line *ln = &d->lines->lines[i];
    size_t clen = strlen(ln->compact);
    if (!could_start_label(ln->compact, clen))
        return false;
    pthread_once(&variant_sizes_once, count_variant_sizes);
    const label_variant *v = longest_prefix(ln->compact, clen);
    /* A longer variant may continue on the next lines: prefer it when the join matches. */
    if (starts_some_variant(ln->compact, clen)) {
        char joined[256];
        size_t used = 0, ends[4] = {0};
        size_t idx[4] = {i, 0, 0, 0};
        int parts = 0;
        size_t j = i;
        while (parts < 4 && j < d->lines->n) {
            size_t n = strlen(d->lines->lines[j].compact);
            if (used + n >= sizeof joined)
                break;
            memcpy(joined + used, d->lines->lines[j].compact, n);
            used += n;
            ends[parts] = used;
            idx[parts] = j;
            parts++;
            j = xk_next_nonblank(d, j);
        }
        const label_variant *lv = longest_prefix(joined, used);
        /* a misread wrapped label reaching further than any exact one */
        label_hit fz;
        size_t exact = lv ? strlen(lv->text) : v ? strlen(v->text) : 0;
        if (parts > 1 && joined_fuzzy(d, ln->compact, joined, used, ends, idx, parts, &fz) &&
            fz.span > exact) {
            *hit = fz;
            return true;
        }
        if (lv && parts > 1 && (!v || strlen(lv->text) > strlen(v->text))) {
            size_t llen = strlen(lv->text);
            int p = 0;
            while (p < parts - 1 && ends[p] < llen)
                p++;
            if (ends[p] >= llen && p > 0) {
                size_t start = ends[p - 1];
                const char *after =
                    xk_skip_loose(d->lines->lines[idx[p]].text, lv->text + start, llen - start);
                const char *value = accept_after(after);
                if (value) {
                    hit->kind = lv->kind;
                    hit->last_line = idx[p];
                    hit->value = value;
                    return true;
                }
            }
        }
    }
    if (!v)
        return false;
    const char *value = accept_after(xk_skip_loose(ln->text, v->text, strlen(v->text)));
    if (!value)
        return false;
    hit->kind = v->kind;
    hit->last_line = i;
    hit->value = value;
    return true;
}

bool xk_label_first(const doc *d, label_kind kind, label_hit *out)
{
    /* the main page first; a label elsewhere only when the main page lacks it */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < d->lines->n; i++) {
            if (xk_is_blank(d, i) || (pass == 0 && d->section[i] != SEC_MAIN))
                continue;
            if (xk_label_at(d, i, out) && out->kind == kind)
                return true;
        }
    return false;
}

label_kind xk_label_exact(const char *compact, size_t len)
{
    if (len > 0 && compact[len - 1] == ':')
        len--;
    pthread_once(&variant_sizes_once, count_variant_sizes);
    for (size_t v = 0; v < N_VARIANTS; v++)
        if (variant_bytes[v] == len && memcmp(compact, variants[v].text, len) == 0)
            return variants[v].kind;
    return L_NONE;
}

label_kind xk_label_prefix(const char *compact, size_t len)
{
    if (!could_start_label(compact, len))
        return L_NONE;
    pthread_once(&variant_sizes_once, count_variant_sizes);
    const label_variant *v = longest_prefix(compact, len);
    return v ? v->kind : L_NONE;
}

/* Compares the variant's compact text backwards with raw text ending at s[end], where a
 * full-width parenthesis（）stands for the variant's ( ); returns the raw start or SIZE_MAX. */
static size_t raw_suffix(const char *s, size_t end, const char *t)
{
    size_t k = strlen(t), i = end;
    while (k > 0) {
        char want = t[k - 1];
        if ((want == '(' || want == ')') && i >= 3 &&
            memcmp(s + i - 3, want == '(' ? "\xEF\xBC\x88" : "\xEF\xBC\x89", 3) == 0) {
            i -= 3;
            k--;
            continue;
        }
        if (i == 0 || s[i - 1] != want)
            return SIZE_MAX;
        i--;
        k--;
    }
    return i;
}

label_kind xk_label_ending(const char *s, size_t end, size_t *start)
{
    label_kind best = L_NONE;
    size_t best_start = end;
    for (size_t v = 0; v < N_VARIANTS; v++) {
        size_t at = raw_suffix(s, end, variants[v].text);
        if (at != SIZE_MAX && at < best_start) {
            best = variants[v].kind;
            best_start = at;
        }
    }
    *start = best_start;
    return best;
}
