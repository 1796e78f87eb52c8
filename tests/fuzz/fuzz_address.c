/*
 * Exact addressing (src/server/address.c): a path segment as a licence number or as a host.
 * Properties: an accepted number is in its normal form and is accepted again as itself; an
 * accepted host holds only host characters (no space, "!", "/", "%", NUL, control), fits the
 * limit, and is accepted again as itself; nothing is read outside the input.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "server/address.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void number(const char *s, const uint8_t *data, size_t size)
{
    xk_number n;
    if (xk_srv_address_number(s, &n))
        return;
    xk_number again;
    if (xk_srv_address_number(n.text, &again) || strcmp(again.text, n.text) != 0)
        fuzz_fail("an accepted number is not accepted again as itself", data, size);
}

static void host(const char *s, const uint8_t *data, size_t size)
{
    char out[XK_MAX_HOST + 1];
    if (xk_srv_address_host(s, out, sizeof out))
        return;
    size_t n = strlen(out);
    if (n == 0 || n > XK_MAX_HOST)
        fuzz_fail("an accepted host is empty or too long", data, size);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c <= ' ' || c == '!' || c == '/' || c == '%' || c == '?' || c == '#' || c == 0x7f ||
            (c >= 'A' && c <= 'Z'))
            fuzz_fail("an accepted host holds a character no host has", data, size);
    }
    char again[XK_MAX_HOST + 1];
    if (xk_srv_address_host(out, again, sizeof again) || strcmp(again, out) != 0)
        fuzz_fail("an accepted host is not accepted again as itself", data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0'; /* a path segment is a C string: what follows a NUL is not seen */
    number(s, data, size);
    host(s, data, size);
    free(s);
    return 0;
}
