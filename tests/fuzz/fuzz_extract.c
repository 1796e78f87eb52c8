/*
 * The document extractor: any bytes (UTF-8, GB18030, binary, truncated) through
 * xk_licence_parse. A record that comes out must serialise to JSON, and a valid one must survive
 * the JSON round trip unchanged (what export → import relies on).
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

static void round_trip(const xk_licence *lic, const uint8_t *data, size_t size)
{
    char *first = xk_licence_to_json_string(lic, false);
    if (!first)
        fuzz_fail("record did not serialise", data, size);
    json_error_t jerr;
    json_t *obj = json_loads(first, 0, &jerr);
    if (!obj)
        fuzz_fail("serialised record is not JSON", data, size);
    xk_licence *back = NULL;
    xk_error err;
    if (xk_licence_from_json(obj, &back, &err) != XK_OK)
        fuzz_fail("serialised valid record was refused by the JSON reader", data, size);
    char *second = xk_licence_to_json_string(back, false);
    if (!second || strcmp(first, second) != 0)
        fuzz_fail("JSON round trip changed the record", data, size);
    free(second);
    xk_licence_free(back);
    json_decref(obj);
    free(first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xk_licence *lic = NULL;
    xk_error err;
    xk_status rc = xk_licence_parse((const char *)data, size, NULL, &lic, &err);
    if (rc == XK_OK) {
        round_trip(lic, data, size);
    } else if (rc == XK_EINVALID) {
        char *s = xk_licence_to_json_string(lic, true);
        if (!s)
            fuzz_fail("record with errors did not serialise", data, size);
        free(s);
    } else if (lic) {
        fuzz_fail("refused input left a record", data, size);
    }
    xk_licence_free(lic);
    return 0;
}
