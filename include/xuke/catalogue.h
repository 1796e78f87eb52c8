/*
 * The fixed reference tables licences are checked against: the 31 province-level regions with
 * their licence-number abbreviation and issuing administration, and the 2015 catalogue of
 * value-added telecom services (电信业务分类目录) with the older names documents still use.
 */
#ifndef XUKE_CATALOGUE_H
#define XUKE_CATALOGUE_H

#include <stddef.h>

typedef struct xk_region {
    const char *abbr;   /* "京" */
    const char *name;   /* "北京市" */
    const char *issuer; /* "北京市通信管理局" */
} xk_region;

typedef struct xk_service_kind {
    const char *code;     /* "B25" */
    const char *category; /* "B1" or "B2" */
    const char *name;     /* canonical name, "信息服务业务" */
} xk_service_kind;

#define XK_MINISTRY_ISSUER "工业和信息化部"

/* Region by its one-character abbreviation (UTF-8, exactly one character); NULL if none. */
const xk_region *xk_region_by_abbr(const char *abbr, size_t len);
/* Region by full or short name ("北京市", "北京"); NULL if none. */
const xk_region *xk_region_by_name(const char *name, size_t len);
size_t xk_region_count(void);
const xk_region *xk_region_at(size_t i);

/* Service by code ("B25"); NULL if not in the catalogue. */
const xk_service_kind *xk_service_by_code(const char *code);
size_t xk_service_count(void);
const xk_service_kind *xk_service_at(size_t i);

/*
 * Finds the longest service name (canonical or an accepted older variant) that starts exactly at
 * text. Returns the service and sets *matched to the bytes consumed, or NULL.
 */
const xk_service_kind *xk_service_match(const char *text, size_t len, size_t *matched);

#endif
