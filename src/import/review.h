/*
 * A reviewer's corrections applied to a record read from a scan (review.c), before it is stored.
 */
#ifndef XK_IMPORT_REVIEW_H
#define XK_IMPORT_REVIEW_H

#include "xuke/licence.h"
#include "xuke/store.h"

/*
 * Each correction replaces the field it names in lic: a scalar ("number", "company",
 * "legal_representative", "issuer", "issued", "expires"), a service's "services[B25].code" or
 * ".coverage", a website's "websites[1].name", ".domains", ".server_location" or
 * ".access_provider" (numbered from 1, as the review flags number them), or a provision's
 * "provisions[5].text" (by its number). The value as read must be read_value (lists joined by
 * "、"); the value given must be one the field can hold (a number, an ISO date, a catalogue
 * code, host names). The record is validated again as corrected: an error there refuses the
 * corrections. XK_EUSAGE (a field that is none of these, a value it cannot hold, an error as
 * corrected) or XK_ECONFLICT (the scan reads otherwise) with err saying which correction.
 */
xk_status xk_review_apply(xk_licence *lic, const xk_correction *c, size_t n, xk_error *err);

#endif
