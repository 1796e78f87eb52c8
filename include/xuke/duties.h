/*
 * The duties a licence's own special provisions impose, read from its text: which clock each
 * duty runs on (days, working days), and the provision it comes from (十二, 十六(八)). Where a
 * licence is silent on a duty that the Measures (MIIT Order No. 42) impose on every holder, the
 * duty is kept with the Measures as its basis. Derived from the record alone: the rules layer
 * adds the calendar and the recorded events.
 */
#ifndef XUKE_DUTIES_H
#define XUKE_DUTIES_H

#include <stdbool.h>
#include <stddef.h>

#include "xuke/licence.h"

typedef enum xk_duty_kind {
    XK_DUTY_RENEWAL,               /* apply to renew, N days before expiry */
    XK_DUTY_TERMINATION_NOTICE,    /* or report not continuing, N days before expiry */
    XK_DUTY_ANNUAL_REPORT,         /* in the first quarter of each year */
    XK_DUTY_CHANGE_APPLY,          /* merger, split, shareholders, transfer: N days from decision */
    XK_DUTY_REGISTRATION_UPDATE,   /* name, address, legal representative (, capital, shares) */
    XK_DUTY_INSTITUTION_UPDATE,    /* local institution information: N days after the change */
    XK_DUTY_ILLEGAL_INFO_REPORT,   /* N working days after handling */
    XK_DUTY_ASSESSMENT_REPORT,     /* N days after a security assessment is completed */
    XK_DUTY_ASSESSMENT_BEFORE_LAUNCH, /* a security assessment before a new service goes live */
    XK_DUTY_INCIDENT_REPORT,       /* at once (the same day) */
    XK_DUTY_PROVINCIAL_CANCEL,     /* N days after a cross-regional licence is granted */
    XK_DUTY_DISPLAY_NUMBER,        /* standing: the number on the homepage and in advertising */
    XK_DUTY_KEEP_TRANSACTIONS,     /* standing: B21 transaction data, at least a year */
    XK_DUTY_KEEP_LOGS,             /* standing: user logs */
    XK_DUTY_COUNT
} xk_duty_kind;

typedef struct xk_duty {
    xk_duty_kind kind;
    int days;          /* the clock; 0 for standing duties and "at once" */
    bool working_days; /* days are working days */
    char basis[64];    /* provision labels ("十二", "十五(七)、十六(八)") or "管理办法" */
} xk_duty;

typedef struct xk_duty_set {
    xk_duty duties[XK_DUTY_COUNT];
    size_t n;
} xk_duty_set;

/* Reads the duties from lic's provisions (plus the Measures' defaults). */
void xk_licence_duties(const xk_licence *lic, xk_duty_set *out);

/* Compact text form stored with each licence ("renewal 90 十二;annual_report 0 十四;…"),
 * and back. Parsing returns false on a malformed string. */
void xk_duties_encode(const xk_duty_set *set, char *buf, size_t size);
bool xk_duties_decode(const char *text, xk_duty_set *out);

/* "renewal", "annual_report", … and back (-1 when unknown). */
const char *xk_duty_name(xk_duty_kind kind);
int xk_duty_by_name(const char *name);
/* Human description in Chinese, e.g. "续办申请（有效期届满前）". */
const char *xk_duty_title(xk_duty_kind kind);

/* A provision's label: "十二" for clause 12, "十六(八)" for item 8 of clause 16. */
void xk_provision_label(int clause, int item, char *buf, size_t size);

#endif
