/*
 * The published-list readers (CSV, a notice's text, a copied table, XLSX) and the homepage
 * reader on the same bytes. A refused list has no entries; an accepted one has entries that
 * each name a company, a licence or a credit code, with dates in ISO form and valid codes that
 * pass the check; a homepage always gets one of the three page results.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "xuke/lists.h"
#include "xuke/sites.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void check_entry(const xk_list_entry *e, const uint8_t *data, size_t size)
{
    if (!*e->company && !*e->number && !*e->credit_code)
        fuzz_fail("an entry names nothing", data, size);
    if (*e->date && (strlen(e->date) != 10 || e->date[4] != '-' || e->date[7] != '-'))
        fuzz_fail("an entry's date is not YYYY-MM-DD", data, size);
    if (e->credit_code_valid && !xk_credit_code_valid(e->credit_code, strlen(e->credit_code)))
        fuzz_fail("an entry's credit code is marked valid and fails its check", data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xk_list list;
    xk_error err;
    if (xk_list_parse((const char *)data, size, &list, &err) == XK_OK) {
        if (list.n == 0)
            fuzz_fail("an accepted list has no entries", data, size);
        for (size_t i = 0; i < list.n; i++)
            check_entry(&list.entries[i], data, size);
        xk_list_free(&list);
    } else if (list.n != 0 || list.entries) {
        fuzz_fail("a refused list was left with entries", data, size);
    }
    xk_site_check c;
    memset(&c, 0, sizeof c);
    xk_site_analyse("京B2-20224676", (const char *)data, size, NULL, &c);
    if (strcmp(c.result, "shown") && strcmp(c.result, "other_number") &&
        strcmp(c.result, "not_shown"))
        fuzz_fail("a homepage got no page result", data, size);
    return 0;
}
