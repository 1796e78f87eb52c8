/*
 * The holiday calendar file reader (data/calendar.txt's format). An accepted calendar must
 * answer day queries across its range without failing, and adding working days must move
 * forward to a working day.
 */
#include <stdlib.h>

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
    xk_calendar *cal = NULL;
    xk_error err;
    if (xk_calendar_parse((const char *)data, size, "fuzz.txt", &cal, &err) != XK_OK) {
        if (cal)
            fuzz_fail("a refused calendar was left allocated", data, size);
        return 0;
    }
    int first = 0, last = 0;
    xk_calendar_range(cal, &first, &last);
    if (first && (first < XK_CAL_FIRST_YEAR || last > XK_CAL_LAST_YEAR || first > last))
        fuzz_fail("calendar range outside the limits", data, size);
    if (first) {
        xk_date d = {first, 1, 1};
        xk_provisional prov;
        xk_provisional_clear(&prov);
        for (int i = 0; i < 24; i++) {
            (void)xk_calendar_day(cal, d, &prov);
            (void)xk_calendar_day_name(cal, d);
            xk_date w = xk_workdays_add(cal, d, 10, &prov);
            if (xk_date_cmp(w, d) <= 0)
                fuzz_fail("ten working days did not move forward", data, size);
            d = xk_date_add_months(d, 1);
        }
        (void)xk_calendar_q1_end(cal, first, &prov);
    }
    xk_calendar_free(cal);
    return 0;
}
