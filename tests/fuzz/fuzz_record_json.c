/*
 * The JSON record reader (what `import` reads from `parse --json` and `export`): any bytes as
 * JSON, then xk_licence_from_json. An accepted record must serialise and read back to the same
 * JSON.
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
    json_error_t jerr;
    json_t *obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj)
        return 0;
    xk_licence *lic = NULL;
    xk_error err;
    if (xk_licence_from_json(obj, &lic, &err) == XK_OK) {
        char *first = xk_licence_to_json_string(lic, false);
        json_t *again = first ? json_loads(first, 0, &jerr) : NULL;
        xk_licence *back = NULL;
        if (!again || xk_licence_from_json(again, &back, &err) != XK_OK)
            fuzz_fail("an accepted record does not read back", data, size);
        char *second = xk_licence_to_json_string(back, false);
        if (!second || strcmp(first, second))
            fuzz_fail("JSON round trip changed the record", data, size);
        free(second);
        xk_licence_free(back);
        json_decref(again);
        free(first);
    } else if (lic) {
        fuzz_fail("a refused record was left allocated", data, size);
    }
    xk_licence_free(lic);
    json_decref(obj);
    return 0;
}
