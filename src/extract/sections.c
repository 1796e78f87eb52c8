/*
 * Splits a licence document into its parts and marks page furniture. A licence prints a main
 * page (number, company, services, dates), an appendix (附页) of websites, and the special
 * provisions (特别规定事项) over several pages, each page repeating the number and a title.
 * Scans can come with pages out of order, so the part a line belongs to is decided by the
 * markers seen before it, not by position: "(附页)" or a "…获准经营…相关信息" block opens the
 * appendix, "特别规定事项" or a first "一、" opens the provisions, a main-page label or title
 * reopens the main page.
 */
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "xuke/catalogue.h"

/* The first bytes compared inline: most lines differ there from every title and marker. */
static bool eq(const char *a, const char *b)
{
    return a[0] == b[0] && strcmp(a, b) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    return xk_ends_with(s, strlen(s), suffix) != 0;
}

static bool is_title(const char *c)
{
    static const char *const titles[] = {
        "中华人民共和国",
        "增值电信业务经营许可证",
        "中华人民共和国增值电信业务经营许可证",
        "跨地区增值电信业务经营许可证",
        "中华人民共和国跨地区增值电信业务经营许可证",
        "电信业务经营许可证",
        "中华人民共和国电信业务经营许可证",
    };
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        if (eq(c, titles[i]))
            return true;
    return false;
}

static bool is_appendix_marker(const char *c)
{
    return eq(c, "(附页)") || eq(c, "附页") || eq(c, "附页:") || ends_with(c, "许可证(附页)");
}

static bool is_provisions_marker(const char *c)
{
    return eq(c, "特别规定事项") || eq(c, "特别规定事项:") || eq(c, "《特别规定事项》") ||
           eq(c, "附:特别规定事项");
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* 第3页, 第3页共8页, 第3页/共8页, -3-, 3/8, 3 */
bool xk_is_page_number(const char *c)
{
    /* each form starts with a digit, '-' or 第: a provision's paragraph is not measured */
    if (!((c[0] >= '0' && c[0] <= '9') || c[0] == '-' || strncmp(c, "第", 3) == 0))
        return false;
    size_t n = strlen(c);
    if (all_digits(c, n) && n <= 3)
        return true;
    if (n >= 3 && c[0] == '-' && c[n - 1] == '-' && all_digits(c + 1, n - 2))
        return true;
    const char *slash = strchr(c, '/');
    if (slash && all_digits(c, (size_t)(slash - c)) && all_digits(slash + 1, strlen(slash + 1)))
        return true;
    if (strncmp(c, "第", 3) == 0) {
        const char *p = c + 3;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p > c + 3 && strncmp(p, "页", 3) == 0) {
            p += 3;
            if (*p == '\0')
                return true;
            if (*p == '/' || *p == ',')
                p++;
            if (strncmp(p, "共", 3) == 0) {
                p += 3;
                while (*p >= '0' && *p <= '9')
                    p++;
                return strcmp(p, "页") == 0;
            }
        }
    }
    return false;
}

bool xk_is_blank(const doc *d, size_t i)
{
    return d->lines->lines[i].compact[0] == '\0';
}

size_t xk_next_nonblank(const doc *d, size_t i)
{
    for (i++; i < d->lines->n; i++)
        if (!xk_is_blank(d, i))
            return i;
    return d->lines->n;
}

/* "一、你公司应当…": the first special provision, even when its heading was lost. */
static bool starts_first_provision(const char *c)
{
    return strncmp(c, "一、", strlen("一、")) == 0 && (strstr(c, "你公司") || strstr(c, "应当"));
}

/* A title opens the main page only when main-page content follows it closely; the same title
 * also heads appendix and provisions pages. */
static bool title_opens_main(const doc *d, size_t i)
{
    size_t seen = 0;
    for (size_t j = xk_next_nonblank(d, i); j < d->lines->n && seen < 8;
         j = xk_next_nonblank(d, j)) {
        const char *c = d->lines->lines[j].compact;
        label_hit hit;
        if (strncmp(c, "根据《中华人民共和国电信条例》", strlen("根据《中华人民共和国电信条例》")) == 0)
            return true;
        if (xk_label_at(d, j, &hit) && xk_label_is_main(hit.kind) && hit.kind != L_NUMBER)
            return true;
        seen++;
    }
    return false;
}

/* Compact text of line i and the next nonblank lines (at most three), for sentences a narrow
 * scan wrapped. */
void xk_joined_compact(const doc *d, size_t i, xk_buf *out)
{
    for (size_t j = i, parts = 0; j < d->lines->n && parts < 6; j++) {
        if (xk_is_blank(d, j) || (d->furniture[j] && j != i))
            continue;
        xk_buf_puts(out, d->lines->lines[j].compact);
        parts++;
    }
}

const char *xk_header_service(const char *compact)
{
    const char *p = strstr(compact, "获准经营");
    p = p ? p + strlen("获准经营") : compact;
    for (; *p; p++) {
        size_t used;
        const xk_service_kind *k = xk_service_match(p, strlen(p), &used);
        if (k)
            return k->code;
    }
    return "";
}

/* Whether line i names a service after 获准经营 and a website's label comes next: a header
 * whose 相关信息 a scan lost ("…获准经营在线数据处理与交易处理业务(仅限经营类电子商务)相", its
 * wrapped 关信息 not read), which left its websites without their service. */
static bool header_before_website(const doc *d, size_t i)
{
    size_t j = xk_next_nonblank(d, i);
    return *xk_header_service(d->lines->lines[i].compact) && j < d->lines->n &&
           xk_site_label_at(d, j);
}

bool xk_opens_block_header(const doc *d, size_t i)
{
    const char *c = d->lines->lines[i].compact;
    /* 获准经营 must begin on this line, so at least its first character is here */
    if (!strstr(c, "获") || strstr(c, "你公司"))
        return false;
    xk_buf j;
    xk_buf_init(&j);
    xk_joined_compact(d, i, &j);
    const char *text = j.data ? j.data : "";
    const char *at = strstr(text, "获准经营");
    /* the phrase must begin on this line, and the header must close with 相关信息 (or, that
     * lost, a website follow it) */
    bool ok = at && (size_t)(at - text) < strlen(c) &&
              (strstr(text, "相关信息") || header_before_website(d, i));
    xk_doc_buf_done(d, &j);
    return ok;
}

bool xk_is_number_header(const doc *d, size_t i)
{
    return d->number_header[i];
}

xk_status xk_sections_classify(doc *d)
{
    size_t n = d->lines->n;
    d->section = calloc(n ? n : 1, sizeof *d->section);
    d->furniture = calloc(n ? n : 1, sizeof *d->furniture);
    d->number_header = calloc(n ? n : 1, sizeof *d->number_header);
    if (!d->section || !d->furniture || !d->number_header)
        return XK_ENOMEM;
    for (size_t i = 0; i < n; i++)
        d->number_header[i] = xk_number_header_line(d->lines->lines[i].compact);
    section_kind cur = SEC_MAIN;
    for (size_t i = 0; i < n; i++) {
        const char *c = d->lines->lines[i].compact;
        if (*c == '\0') {
            d->section[i] = cur;
            continue;
        }
        label_hit hit;
        if (is_appendix_marker(c)) {
            cur = SEC_APPENDIX;
            d->furniture[i] = true;
        } else if (is_title(c)) {
            size_t nx = xk_next_nonblank(d, i);
            if (nx < n && is_appendix_marker(d->lines->lines[nx].compact))
                cur = SEC_APPENDIX;
            else if (title_opens_main(d, i))
                cur = SEC_MAIN;
            d->furniture[i] = true;
        } else if (is_provisions_marker(c)) {
            cur = SEC_PROVISIONS;
            d->furniture[i] = true;
        } else if (strncmp(c, "《特别规定事项》", strlen("《特别规定事项》")) == 0) {
            cur = SEC_PROVISIONS;
        } else if (d->number_header[i] || xk_is_page_number(c)) {
            d->furniture[i] = true;
        } else if (cur != SEC_PROVISIONS && starts_first_provision(c)) {
            cur = SEC_PROVISIONS;
        } else if (cur != SEC_APPENDIX && xk_opens_block_header(d, i)) {
            cur = SEC_APPENDIX;
        } else if (xk_label_at(d, i, &hit)) {
            if (xk_label_is_main(hit.kind) && hit.kind != L_NUMBER &&
                (cur != SEC_PROVISIONS || strchr(c, ':')))
                cur = SEC_MAIN;
            else if (xk_label_is_site(hit.kind) && cur == SEC_MAIN)
                cur = SEC_APPENDIX;
        }
        d->section[i] = cur;
    }
    return XK_OK;
}
