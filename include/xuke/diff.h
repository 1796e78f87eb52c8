/*
 * What changed between two versions of a licence, field by field: the scalar fields, services
 * (by code), websites (by service and domain), provisions and their items (by number).
 */
#ifndef XUKE_DIFF_H
#define XUKE_DIFF_H

#include <jansson.h>

#include "xuke/licence.h"

/*
 * A JSON array of changes, in field order. Each change is an object
 *   {"field": "expires", "change": "changed", "from": "2027-01-29", "to": "2028-01-29"}
 * with change one of "added" (only "to"), "removed" (only "from") or "changed". Fields name
 * nested places as services[B25].excludes, websites[B25 iyyhd.com], provisions[12],
 * provisions[15].items[4]. NULL when out of memory; caller json_decref()s.
 */
json_t *xk_licence_diff(const xk_licence *from, const xk_licence *to);

#endif
