/*
 * Checks on records and their parts that do not depend on the document they came from. The
 * whole-record check, xk_licence_validate(), is declared in licence.h.
 */
#ifndef XUKE_VALIDATE_H
#define XUKE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A host name as licences list them: two or more dot-separated labels of 1-63 characters
 * (letters, digits, hyphens not at either end, or non-ASCII for internationalised names), at
 * most 253 bytes, a top-level label that is not all digits (no IP addresses).
 */
bool xk_host_valid(const char *host, size_t len);

#endif
