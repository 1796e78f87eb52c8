/*
 * The State Council holiday-notice reader (xuke calendar import). A notice it accepts must
 * give calendar lines that the calendar reader accepts in turn, alone and merged twice (the
 * second merge refused without replace), so an import never writes a file the server refuses.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "xuke/xuke.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xk_notice *n = malloc(sizeof *n);
    xk_error err;
    if (!n)
        return 0;
    if (xk_notice_parse((const char *)data, size, "fuzz.txt", n, &err) != XK_OK) {
        free(n);
        return 0;
    }
    char *merged = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    if (xk_notice_merge("", 0, n, false, &merged, &len, &err) != XK_OK)
        fuzz_fail("an accepted notice was not merged into an empty calendar", data, size);
    xk_calendar *cal = NULL;
    if (xk_calendar_parse(merged, len, "merged.txt", &cal, &err) != XK_OK)
        fuzz_fail("an accepted notice gave a calendar the calendar reader refuses", data, size);
    if (!xk_calendar_covers(cal, n->year))
        fuzz_fail("the imported year is not covered", data, size);
    if (xk_notice_merge(merged, len, n, false, &again, &len2, &err) != XK_ECONFLICT)
        fuzz_fail("a year merged twice was not refused", data, size);
    xk_calendar_free(cal);
    free(merged);
    free(n);
    return 0;
}
