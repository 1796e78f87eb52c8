/*
 * Internal to the rules module: the obligations computation with its options, shared by the
 * public calls (obligations.c) and the registry-wide views (agenda.c).
 */
#ifndef XK_RULES_INTERNAL_H
#define XK_RULES_INTERNAL_H

#include "xuke/rules.h"

/* xk_rules_obligations_into; with standing = false the dateless duties are not built (the
 * agenda lists dated obligations only). */
xk_status xk_obligations_into(const xk_calendar *cal, const xk_rules_row *row, xk_date as_of,
                              bool standing, xk_obligations *out, xk_error *err);

#endif
