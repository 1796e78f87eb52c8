/*
 * What a homepage shows: the page's visible text, read with libxml2's HTML parser (entities
 * decoded, the charset from the HTTP header, else the page's <meta>, else UTF-8 or, when the
 * bytes are not UTF-8, GB18030), without what a visitor does not see (scripts, styles,
 * templates, the head, elements hidden by the hidden attribute or display:none), then NFKC and
 * white space removed (full-width digits, 京 B2 - 2022 4676), and searched for licence numbers
 * and the ICP filing number. Fetching is sites.c's.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "../core/buf.h"
#include "xuke/licence.h"
#include "xuke/sites.h"
#include "xuke/text.h"

/* Numbers looked at on one page: the first ones are enough to say shown / another one. */
#define PAGE_NUMBERS 32

static bool invisible(xmlNodePtr n)
{
    static const char *const unseen[] = {"script", "style", "noscript", "template", "head",
                                         "iframe", "object", "svg"};
    for (size_t i = 0; i < sizeof unseen / sizeof unseen[0]; i++)
        if (xmlStrcasecmp(n->name, (const xmlChar *)unseen[i]) == 0)
            return true;
    if (xmlHasProp(n, (const xmlChar *)"hidden"))
        return true;
    xmlChar *style = xmlGetProp(n, (const xmlChar *)"style");
    bool hidden = false;
    if (style) {
        char squeezed[256];
        size_t k = 0;
        for (const xmlChar *p = style; *p && k + 1 < sizeof squeezed; p++)
            if (!isspace(*p))
                squeezed[k++] = (char)tolower(*p);
        squeezed[k] = '\0';
        hidden = strstr(squeezed, "display:none") || strstr(squeezed, "visibility:hidden");
        xmlFree(style);
    }
    return hidden;
}

/* Appends the visible text under n to b, one text node a line. */
static bool collect(xmlNodePtr n, xk_buf *b, int depth)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            const char *t = (const char *)n->content;
            if (t && (!xk_buf_append(b, t, strlen(t)) || !xk_buf_append(b, "\n", 1)))
                return false;
        } else if (n->type == XML_ELEMENT_NODE && !invisible(n) && depth < 256) {
            if (!collect(n->children, b, depth + 1))
                return false;
        }
    }
    return true;
}

/* Case-insensitive strstr for an ASCII needle. */
static const char *find_nocase(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return s;
    return NULL;
}

/* The charset a Content-Type names ("text/html; charset=GBK" → "GBK"), or "". */
static void header_charset(const char *content_type, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = content_type ? find_nocase(content_type, "charset=") : NULL;
    if (!p)
        return;
    p += 8;
    if (*p == '"')
        p++;
    size_t n = strcspn(p, "\"; \t");
    if (n > 0 && n < size) {
        memcpy(out, p, n);
        out[n] = '\0';
    }
}

/* A <meta> charset in the page's first bytes, or "". */
static void meta_charset(const char *body, size_t len, char *out, size_t size)
{
    char head[4096];
    size_t n = len < sizeof head - 1 ? len : sizeof head - 1;
    memcpy(head, body, n);
    for (size_t i = 0; i < n; i++)
        if (head[i] == '\0')
            head[i] = ' ';
    head[n] = '\0';
    header_charset(head, out, size);
    size_t k = strcspn(out, "'/>");
    out[k] = '\0';
}

static htmlDocPtr parse_page(const char *body, size_t len, const char *content_type)
{
    char charset[64];
    header_charset(content_type, charset, sizeof charset);
    if (!*charset) {
        meta_charset(body, len, charset, sizeof charset);
        size_t bad;
        if (!*charset)
            snprintf(charset, sizeof charset, "%s",
                     xk_utf8_valid(body, len, &bad) ? "UTF-8" : "GB18030");
    }
    /* GBK and GB2312 pages use characters only GB18030 has names for in some iconvs */
    if (strcasecmp(charset, "gbk") == 0 || strcasecmp(charset, "gb2312") == 0)
        snprintf(charset, sizeof charset, "GB18030");
    int opts = HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER;
    htmlDocPtr doc = htmlReadMemory(body, (int)len, NULL, charset, opts);
    if (!doc)
        doc = htmlReadMemory(body, (int)len, NULL, "UTF-8", opts);
    return doc;
}

/* The page's visible text, compact (NFKC, no white space), into b. */
static bool page_text(const char *body, size_t len, const char *content_type, xk_buf *b)
{
    htmlDocPtr doc = parse_page(body, len, content_type);
    if (!doc)
        return false;
    xk_buf raw = {0};
    bool ok = collect(xmlDocGetRootElement(doc), &raw, 0);
    xmlFreeDoc(doc);
    xk_lines lines;
    if (ok && xk_lines_split(raw.data ? raw.data : "", raw.len, &lines, NULL) == XK_OK) {
        for (size_t i = 0; ok && i < lines.n; i++)
            ok = xk_buf_append(b, lines.lines[i].compact, strlen(lines.lines[i].compact));
        xk_lines_free(&lines);
    } else {
        ok = false;
    }
    xk_buf_free(&raw);
    return ok && xk_buf_append(b, "", 0);
}

void xk_site_analyse(const char *number, const char *body, size_t len, const char *content_type,
                     xk_site_check *out)
{
    xk_buf text = {0};
    snprintf(out->result, sizeof out->result, "not_shown");
    out->found_number[0] = out->icp_filing[0] = '\0';
    if (!page_text(body, len, content_type, &text) || !text.data) {
        xk_buf_free(&text);
        return;
    }
    xk_number found[PAGE_NUMBERS];
    size_t n = xk_numbers_in_text(text.data, text.len, found, PAGE_NUMBERS);
    bool shown = false;
    for (size_t i = 0; i < n && i < PAGE_NUMBERS && !shown; i++)
        shown = strcmp(found[i].text, number) == 0;
    if (shown) {
        snprintf(out->result, sizeof out->result, "shown");
    } else if (n > 0) {
        snprintf(out->result, sizeof out->result, "other_number");
        snprintf(out->found_number, sizeof out->found_number, "%s", found[0].text);
    }
    xk_icp_filing_in_text(text.data, text.len, out->icp_filing, sizeof out->icp_filing);
    xk_buf_free(&text);
}
