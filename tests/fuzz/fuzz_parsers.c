/*
 * The small parsers: dates (ISO, the licence forms, the OCR-tolerant form), licence numbers as
 * users type them, host names. Properties: a found span lies inside the input and holds a valid
 * date; a normalised number parses again to itself; formatting a found date gives ISO text that
 * parses back to the same date.
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

static void check_date(xk_date d, size_t start, size_t end, size_t size, const uint8_t *data)
{
    if (start > end || end > size)
        fuzz_fail("date span outside the input", data, size);
    if (!xk_date_valid(d.year, d.month, d.day))
        fuzz_fail("found an invalid date", data, size);
    char iso[16];
    xk_date back;
    if (!xk_date_parse_iso(xk_date_format(d, iso, sizeof iso), &back) || xk_date_cmp(back, d))
        fuzz_fail("date does not survive ISO formatting", data, size);
    if (xk_date_cmp(xk_date_from_days(xk_date_to_days(d)), d))
        fuzz_fail("date does not survive the day count", data, size);
}

static void dates(const char *s, size_t size, const uint8_t *data)
{
    xk_date d;
    size_t start = 0, end = 0;
    bool bad = false;
    int fixes = 0;
    if (xk_date_find(s, size, &d, &start, &end, &bad))
        check_date(d, start, end, size, data);
    if (xk_date_find_ocr(s, size, &d, &start, &end, &bad, &fixes)) {
        check_date(d, start, end, size, data);
        if (fixes < 0)
            fuzz_fail("negative fix count", data, size);
    }
    if (xk_date_find_ocr_beside(s, size, &d) && !xk_date_valid(d.year, d.month, d.day))
        fuzz_fail("the other OCR reading is not a date", data, size);
    char *z = strndup(s, size); /* the ISO parser takes a C string */
    if (z && xk_date_parse_iso(z, &d))
        check_date(d, 0, 0, size, data);
    free(z);
}

static void numbers(const char *s, size_t size, const uint8_t *data)
{
    xk_number n, again;
    if (!xk_number_normalise(s, size, &n))
        return;
    if (memchr(n.text, '\0', sizeof n.text) == NULL)
        fuzz_fail("number text not terminated", data, size);
    if (!xk_number_normalise(n.text, strlen(n.text), &again) || strcmp(again.text, n.text) ||
        again.year != n.year || strcmp(again.category, n.category))
        fuzz_fail("normalised number does not normalise to itself", data, size);
}

static void hosts(const char *s, size_t size)
{
    char out[256];
    (void)xk_host_valid(s, size);
    char *z = strndup(s, size);
    if (z)
        (void)xk_host_normalise(z, out, sizeof out);
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) /* these parse fields, not documents */
        return 0;
    const char *s = (const char *)data;
    dates(s, size, data);
    numbers(s, size, data);
    hosts(s, size);
    return 0;
}
