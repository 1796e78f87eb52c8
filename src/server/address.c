/*
 * Exact addressing: what a path segment (or a ?number= argument) names. A licence number is the
 * whole segment after NFKC and trimming (xk_number_exact), never a number found somewhere inside
 * it; a host is the whole segment as a host name or an IP address, never the part before a
 * space or a "!". Anything else is refused with words saying what was wrong, so a typo cannot
 * address (or delete) another licence, and a check of "a.cn evil" cannot answer for "a.cn".
 * The free-text finders (xk_number_normalise, xk_host_normalise) stay for documents and
 * searches.
 */
#include <arpa/inet.h>
#include <string.h>
#include <utf8proc.h>

#include "address.h"

const char *xk_srv_address_number(const char *text, xk_number *out)
{
    xk_number_fit fit = xk_number_exact(text, strlen(text), out);
    return fit == XK_NUMBER_OK ? NULL : xk_number_fit_message(fit);
}

/* A letter, mark or digit outside ASCII: an internationalised label's character. */
static bool idn_char(utf8proc_int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ND:
        return true;
    default:
        return false;
    }
}

/* "[2001:db8::1]" or "2001:db8::1": an IPv6 address, copied without brackets. */
static const char *ipv6(const char *s, size_t n, char *out, size_t size)
{
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s++;
        n -= 2;
    }
    char text[INET6_ADDRSTRLEN + 1];
    struct in6_addr a;
    if (n == 0 || n >= sizeof text || n >= size)
        return "is not an IPv6 address";
    memcpy(text, s, n);
    text[n] = '\0';
    if (inet_pton(AF_INET6, text, &a) != 1)
        return "is not an IPv6 address";
    for (size_t i = 0; i < n; i++)
        out[i] = (text[i] >= 'A' && text[i] <= 'Z') ? (char)(text[i] - 'A' + 'a') : text[i];
    out[n] = '\0';
    return NULL;
}

const char *xk_srv_address_host(const char *text, char *out, size_t size)
{
    size_t n = strlen(text);
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        n--;
    while (n && (*text == ' ' || *text == '\t')) {
        text++;
        n--;
    }
    if (n == 0)
        return "is empty";
    if (memchr(text, ':', n))
        return ipv6(text, n, out, size);
    if (n && text[n - 1] == '.') /* the root's dot: example.cn. is example.cn */
        n--;
    if (n == 0 || n > XK_MAX_HOST || n >= size)
        return n ? "is longer than a host name can be (253 bytes)" : "is empty";
    size_t label = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)text[i];
        if (c == '.') {
            if (label == 0)
                return "has an empty label (two dots, or a dot first)";
            label = 0;
            out[i++] = '.';
            continue;
        }
        if (c < 0x80) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
            if (!ok)
                return c == ' ' ? "has a space inside it"
                                : "has a character no host name has (only letters, digits, "
                                  "'-' and '.')";
            out[i++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
            label++;
        } else {
            utf8proc_int32_t cp;
            utf8proc_ssize_t k =
                utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(n - i), &cp);
            if (k <= 0)
                return "is not UTF-8 text";
            if (!idn_char(cp))
                return "has a character no host name has (a space or punctuation)";
            memcpy(out + i, text + i, (size_t)k);
            i += (size_t)k;
            label += (size_t)k;
        }
        if (label > 63)
            return "has a label longer than 63 bytes";
    }
    if (label == 0) /* "a.." is "a." once the root's dot is gone: its last label is empty */
        return "has an empty label (two dots, or a dot first)";
    out[n] = '\0';
    return NULL;
}
