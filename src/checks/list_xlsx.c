/*
 * XLSX lists: the first worksheet of an Office Open XML workbook (ECMA-376), read with libzip
 * and libxml2 into a table of text cells. Shared strings (t="s"), inline strings and numbers are
 * read; a date cell is the number Excel keeps (table_entries turns it into a date). Every part
 * read out of the zip is bounded by XK_MAX_LIST_BYTES before it is inflated, so a zip bomb is an
 * error; the XML is parsed without network access or entity expansion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>

#include "internal.h"
#include "xuke/limits.h"

typedef struct strings {
    char **v;
    size_t n;
} strings;

static void strings_free(strings *s)
{
    for (size_t i = 0; i < s->n; i++)
        xmlFree(s->v[i]);
    free(s->v);
}

/* Reads the part name of the archive; XK_ENOTFOUND when it is not there. */
static xk_status read_part(zip_t *z, const char *name, char **out, size_t *len, xk_error *err)
{
    zip_stat_t sb;
    zip_stat_init(&sb);
    if (zip_stat(z, name, 0, &sb) != 0)
        return xk_error_set(err, XK_ENOTFOUND, 0, "the XLSX file has no %s", name);
    if (!(sb.valid & ZIP_STAT_SIZE) || sb.size > XK_MAX_LIST_BYTES)
        return xk_error_set(err, XK_ETOOBIG, 0, "%s in the XLSX file is larger than %u bytes",
                            name, XK_MAX_LIST_BYTES);
    zip_file_t *f = zip_fopen(z, name, 0);
    if (!f)
        return xk_error_set(err, XK_EFORMAT, 0, "%s in the XLSX file cannot be read: %s", name,
                            zip_strerror(z));
    char *buf = malloc(sb.size + 1);
    zip_int64_t got = buf ? zip_fread(f, buf, sb.size) : -1;
    zip_fclose(f);
    if (got < 0 || (zip_uint64_t)got != sb.size) {
        free(buf);
        return xk_error_set(err, buf ? XK_EFORMAT : XK_ENOMEM, 0,
                            "%s in the XLSX file is damaged", name);
    }
    buf[sb.size] = '\0';
    *out = buf;
    *len = sb.size;
    return XK_OK;
}

static xmlDocPtr parse_xml(const char *text, size_t len)
{
    return xmlReadMemory(text, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                         XML_PARSE_NOWARNING);
}

static bool named(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* The text of every <t> under n, joined (rich text keeps its runs in several). */
static char *text_of(xmlNodePtr n)
{
    size_t len = 0;
    char *out = NULL;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (named(c, "t")) {
            xmlChar *t = xmlNodeGetContent(c);
            size_t tl = t ? strlen((const char *)t) : 0;
            char *grown = realloc(out, len + tl + 1);
            if (!grown) {
                xmlFree(t);
                free(out);
                return NULL;
            }
            out = grown;
            memcpy(out + len, t ? (const char *)t : "", tl);
            len += tl;
            out[len] = '\0';
            xmlFree(t);
        } else if (named(c, "r")) {
            char *run = text_of(c);
            size_t rl = run ? strlen(run) : 0;
            char *grown = realloc(out, len + rl + 1);
            if (!grown) {
                free(run);
                free(out);
                return NULL;
            }
            out = grown;
            memcpy(out + len, run ? run : "", rl);
            len += rl;
            out[len] = '\0';
            free(run);
        }
    }
    return out ? out : calloc(1, 1);
}

static xk_status read_strings(zip_t *z, strings *s, xk_error *err)
{
    char *xml;
    size_t len;
    xk_status rc = read_part(z, "xl/sharedStrings.xml", &xml, &len, err);
    if (rc == XK_ENOTFOUND)
        return XK_OK; /* a sheet of numbers and inline strings has none */
    if (rc != XK_OK)
        return rc;
    xmlDocPtr doc = parse_xml(xml, len);
    free(xml);
    if (!doc)
        return xk_error_set(err, XK_EFORMAT, 0, "xl/sharedStrings.xml is not XML");
    size_t cap = 0;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr si = root ? root->children : NULL; si && rc == XK_OK; si = si->next) {
        if (!named(si, "si"))
            continue;
        if (s->n >= XK_MAX_LIST_ENTRIES * XK_MAX_LIST_COLUMNS) {
            rc = xk_error_set(err, XK_ETOOBIG, 0, "too many strings in the XLSX file");
            break;
        }
        if (s->n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(s->v, cap * sizeof *grown);
            if (!grown) {
                rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
                break;
            }
            s->v = grown;
        }
        char *t = text_of(si);
        if (!t) {
            rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
            break;
        }
        /* kept with xmlStrdup so strings_free frees one way */
        s->v[s->n] = (char *)xmlStrdup((const xmlChar *)t);
        free(t);
        if (!s->v[s->n])
            rc = xk_error_set(err, XK_ENOMEM, 0, "out of memory");
        else
            s->n++;
    }
    xmlFreeDoc(doc);
    return rc;
}

/* Column of a cell reference ("C12" → 2); -1 when it is not one. */
static long column_of(const char *ref)
{
    long col = 0;
    size_t i = 0;
    for (; ref[i] >= 'A' && ref[i] <= 'Z' && i < 4; i++)
        col = col * 26 + (ref[i] - 'A' + 1);
    return i == 0 ? -1 : col - 1;
}

static char *attr(xmlNodePtr n, const char *name)
{
    return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static xk_status read_cell(xmlNodePtr c, size_t next_col, const strings *s, list_row *r,
                           xk_error *err)
{
    char *ref = attr(c, "r"), *type = attr(c, "t");
    long col = ref ? column_of(ref) : (long)next_col;
    char *value = NULL;
    xk_status rc = XK_OK;
    if (col < 0) {
        rc = xk_error_set(err, XK_EFORMAT, r->line, "cell reference \"%.16s\" is not one", ref);
    } else if (type && strcmp(type, "inlineStr") == 0) {
        for (xmlNodePtr k = c->children; k && !value; k = k->next)
            if (named(k, "is"))
                value = text_of(k);
    } else {
        for (xmlNodePtr k = c->children; k && !value; k = k->next)
            if (named(k, "v")) {
                xmlChar *v = xmlNodeGetContent(k);
                value = strdup(v ? (const char *)v : "");
                xmlFree(v);
            }
        if (value && type && strcmp(type, "s") == 0) {
            char *end;
            unsigned long i = strtoul(value, &end, 10);
            free(value);
            value = NULL;
            if (*end || i >= s->n)
                rc = xk_error_set(err, XK_EFORMAT, r->line, "a cell names a shared string the "
                                                            "file does not have");
            else
                value = strdup(s->v[i]);
        }
    }
    if (rc == XK_OK && value)
        rc = xk_row_cell(r, (size_t)col, value, strlen(value), err);
    free(value);
    xmlFree(ref);
    xmlFree(type);
    return rc;
}

static xk_status read_rows(xmlNodePtr data, const strings *s, list_table *t, xk_error *err)
{
    xk_status rc = XK_OK;
    int next_line = 1;
    for (xmlNodePtr row = data->children; row && rc == XK_OK; row = row->next) {
        if (!named(row, "row"))
            continue;
        char *rn = attr(row, "r");
        int line = rn ? atoi(rn) : next_line;
        xmlFree(rn);
        next_line = line + 1;
        list_row *r = xk_table_row(t, line, err);
        if (!r)
            return err ? err->code : XK_ENOMEM;
        size_t col = 0;
        for (xmlNodePtr c = row->children; c && rc == XK_OK; c = c->next)
            if (named(c, "c"))
                rc = read_cell(c, col++, s, r, err);
        if (rc == XK_OK && r->n == 0)
            t->n--; /* an empty row: no cells to free */
    }
    return rc;
}

static xk_status read_sheet(zip_t *z, const strings *s, list_table *t, xk_error *err)
{
    char *xml;
    size_t len;
    xk_status rc = read_part(z, "xl/worksheets/sheet1.xml", &xml, &len, err);
    if (rc != XK_OK)
        return rc;
    xmlDocPtr doc = parse_xml(xml, len);
    free(xml);
    if (!doc)
        return xk_error_set(err, XK_EFORMAT, 0, "xl/worksheets/sheet1.xml is not XML");
    xmlNodePtr data = NULL, root = xmlDocGetRootElement(doc);
    for (xmlNodePtr n = root ? root->children : NULL; n && !data; n = n->next)
        if (named(n, "sheetData"))
            data = n;
    rc = data ? read_rows(data, s, t, err)
              : xk_error_set(err, XK_EFORMAT, 0, "the XLSX file's first sheet has no data");
    xmlFreeDoc(doc);
    return rc;
}

xk_status xk_xlsx_read(const char *bytes, size_t len, list_table *t, xk_error *err)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(bytes, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (!z) {
        xk_status rc = xk_error_set(err, XK_EFORMAT, 0, "not an XLSX file: %s",
                                    zip_error_strerror(&ze));
        if (src)
            zip_source_free(src);
        zip_error_fini(&ze);
        return rc;
    }
    strings s = {NULL, 0};
    xk_status rc = read_strings(z, &s, err);
    if (rc == XK_OK)
        rc = read_sheet(z, &s, t, err);
    strings_free(&s);
    zip_discard(z);
    zip_error_fini(&ze);
    return rc;
}
