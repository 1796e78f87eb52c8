/*
 * The client behind a trusted reverse proxy (forwarded.c): the address the per-address limits,
 * the sign-in slowing and the access log name, taken from X-Forwarded-For only when the peer is
 * the proxy named by --trusted-proxy.
 */
#ifndef XK_SERVER_FORWARDED_H
#define XK_SERVER_FORWARDED_H

#include <stdbool.h>
#include <stddef.h>

/*
 * xff is the last X-Forwarded-For header the trusted proxy passed on ("client, proxy1, …"):
 * each proxy appends the address it was reached from, so only the right end is the proxies'
 * word and anything to its left may be the client's own. The client is the right-most entry
 * that is not the trusted proxy itself. True with it in out (size bytes, the numeric form
 * inet_ntop gives) when that entry is an IP address; false (out untouched) when the header is
 * absent, holds only the proxy, or its right-most other entry is not an address: the caller
 * keeps the peer's address then.
 */
bool xk_srv_forwarded_client(const char *xff, const char *trusted, char *out, size_t size);

#endif
