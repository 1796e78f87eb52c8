/*
 * Exact addressing of path segments (address.c): a licence number or a host, whole, or the
 * words saying what is wrong with it.
 */
#ifndef XK_SERVER_ADDRESS_H
#define XK_SERVER_ADDRESS_H

#include <stddef.h>

#include "xuke/xuke.h"

/* NULL and *out filled when text is exactly one licence number (after NFKC and trimming);
 * otherwise what is wrong with it. */
const char *xk_srv_address_number(const char *text, xk_number *out);

/* NULL and out (size bytes) filled with the host, ASCII lower-cased, without a trailing dot or
 * an IPv6 address's brackets, when text is exactly one host name or IP address (after trimming
 * white space at its ends); otherwise what is wrong with it. */
const char *xk_srv_address_host(const char *text, char *out, size_t size);

#endif
