/*
 * Published lists (checks layer): the cancellation notices (注销), the list of operators with poor
 * conduct (经营不良名单) and of dishonest operators (失信名单) that licensing authorities publish,
 * read from CSV (UTF-8 or GB18030), XLSX or the text of a notice copied from its web page (a
 * numbered list or a table), checked, stored as a new version of the list, and cross-checked
 * against the registry's licences. The matching itself is the store's (checks_store.h), so that
 * every view of a licence shows the same matches.
 */
#ifndef XUKE_LISTS_H
#define XUKE_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/checks_store.h"
#include "xuke/error.h"
#include "xuke/store.h"

/* Something about one entry a person should know, which did not stop the import. */
typedef struct xk_list_note {
    int line;
    char message[384];
} xk_list_note;

/* A parsed list. Free with xk_list_free. */
typedef struct xk_list {
    xk_list_entry *entries;
    size_t n, cap;
    const char *format; /* "csv", "xlsx", "notice" (static) */
    xk_list_note *notes;
    size_t n_notes, cap_notes;
} xk_list;

void xk_list_free(xk_list *list);

/*
 * Whether code is a unified social credit code (统一社会信用代码) whose 18th character is the
 * check character GB 32100-2015 computes from the other 17 (alphabet 0-9 A-Y without I O S V Z,
 * weights 3^i mod 31).
 */
bool xk_credit_code_valid(const char *code, size_t len);

/*
 * Reads a list file: XLSX (a zip holding an Office Open XML workbook; the first worksheet),
 * CSV with a header row naming the columns, or a notice's text (a table copied with its header,
 * or numbered entries). A malformed file, a row that names neither company nor licence, a
 * licence number or date that is not one, a field over its limit: an error naming the line
 * (err->line) and nothing returned. A credit code with a wrong check character is kept, noted
 * in list->notes and never matched on.
 */
xk_status xk_list_parse(const char *bytes, size_t len, xk_list *out, xk_error *err);

/*
 * Parses bytes and stores them as the next version of the list (kind, source) published on
 * `published` (YYYY-MM-DD). *list receives the parse (notes included) for the caller to report;
 * free it with xk_list_free whatever the result.
 */
xk_status xk_list_import(xk_store *st, xk_list_kind kind, const char *source,
                         const char *published, const char *bytes, size_t len, xk_list *list,
                         xk_list_info *info, xk_error *err);

/* Called per licence that a current list names, with its matches. Return false to stop. */
typedef bool (*xk_list_check_fn)(const char *number, const char *company,
                                 const xk_list_match *matches, size_t n, void *ctx);

/* Every licence in the registry against the current version of every list. */
xk_status xk_lists_check(xk_store *st, xk_list_check_fn fn, void *ctx, xk_error *err);

#endif
