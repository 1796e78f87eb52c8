/* fuzz_fail: shared by the targets (see fuzz.h). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void fuzz_fail(const char *what, const uint8_t *data, size_t size)
{
    (void)data;
    fprintf(stderr, "property failed: %s (input of %zu bytes)\n", what, size);
    abort();
}
