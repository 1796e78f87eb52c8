/*
 * Company names as published lists and licences write them, brought to one form so that two
 * spellings of the same name compare equal byte for byte: NFKC (full-width letters, digits and
 * brackets become ASCII), every kind of bracket becomes ( or ), white space and the invisible
 * characters are dropped, ASCII letters are upper-cased. Nothing else is changed: no fuzzy
 * matching, no dropping of 有限公司 or of a branch's name. Shared by the published-list checks
 * and by the registry (which matches a licence's company against stored entries), so it lives
 * below both.
 */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "xuke/text.h"

/* Brackets that name the same thing in a company name: （北京） 【北京】 〔北京〕 [北京]. */
static unsigned bracket(unsigned cp)
{
    static const unsigned open[] = {'[', '{', 0x3010, 0x3014, 0x3016, 0x3008, 0x300A, 0xFF08};
    static const unsigned close[] = {']', '}', 0x3011, 0x3015, 0x3017, 0x3009, 0x300B, 0xFF09};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++) {
        if (cp == open[i])
            return '(';
        if (cp == close[i])
            return ')';
    }
    return cp;
}

static bool dropped(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0x3000 || cp == 0xA0 ||
           (cp >= 0x200B && cp <= 0x200F) || cp == 0xFEFF || cp == 0x2060;
}

bool xk_company_normalise(const char *name, size_t len, char *out, size_t size)
{
    if (size == 0)
        return false;
    out[0] = '\0';
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)name, (utf8proc_ssize_t)len,
                                      &mapped, UTF8PROC_STABLE | UTF8PROC_COMPAT |
                                                   UTF8PROC_COMPOSE);
    if (n < 0)
        return false;
    size_t k = 0, i = 0;
    bool fits = true;
    while (i < (size_t)n) {
        unsigned cp;
        size_t used = xk_utf8_decode((const char *)mapped + i, (size_t)n - i, &cp);
        if (used == 0)
            break;
        i += used;
        if (dropped(cp))
            continue;
        cp = bracket(cp);
        if (cp >= 'a' && cp <= 'z')
            cp -= 'a' - 'A';
        char enc[4];
        size_t el = xk_utf8_encode(cp, enc);
        if (k + el >= size) {
            fits = false;
            break;
        }
        memcpy(out + k, enc, el);
        k += el;
    }
    out[k] = '\0';
    free(mapped);
    return fits;
}
