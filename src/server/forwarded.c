/*
 * X-Forwarded-For read the one safe way: from the right. Behind a reverse proxy every request
 * comes from the proxy's address, so a per-address limit keyed by the peer would hold every
 * person at once; keyed by the header's left-most entry, anyone could name a fresh address on
 * each try. The proxy appends the address it was reached from, so the right-most entry that is
 * not the (trusted) proxy is the one a client cannot choose. Only http.c calls this, and only
 * when the peer is the --trusted-proxy address.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "forwarded.h"

/* One entry, trimmed of white space and of an IPv6 address's brackets, as inet_ntop writes it
 * into out; false when it is no IP address. */
static bool entry_address(const char *p, size_t len, char *out, size_t size)
{
    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
        p++;
        len -= 2;
    }
    char text[INET6_ADDRSTRLEN];
    if (len == 0 || len >= sizeof text)
        return false;
    memcpy(text, p, len);
    text[len] = '\0';
    unsigned char bin[sizeof(struct in6_addr)];
    int family = strchr(text, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(family, text, bin) != 1)
        return false;
    return inet_ntop(family, bin, out, (socklen_t)size) != NULL;
}

bool xk_srv_forwarded_client(const char *xff, const char *trusted, char *out, size_t size)
{
    if (!xff || !trusted)
        return false;
    char proxy[INET6_ADDRSTRLEN] = "";
    if (!entry_address(trusted, strlen(trusted), proxy, sizeof proxy))
        snprintf(proxy, sizeof proxy, "%s", trusted);
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        char addr[INET6_ADDRSTRLEN];
        bool blank = strspn(start, " \t") >= (size_t)(end - start);
        if (!blank) {
            if (!entry_address(start, (size_t)(end - start), addr, sizeof addr))
                return false; /* where the client should be stands no address */
            if (strcmp(addr, proxy) != 0) {
                snprintf(out, size, "%s", addr);
                return true;
            }
        }
        end = start > xff ? start - 1 : xff;
    }
    return false;
}
