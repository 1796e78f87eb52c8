/*
 * Every limit xuke enforces, in one place. Exceeding one is an error with a message naming the
 * limit, never a silent cut. The README's Limits table lists them for users; keep the two in
 * step.
 */
#ifndef XUKE_LIMITS_H
#define XUKE_LIMITS_H

/* Largest licence document accepted by default (parse, import, upload); --max-size overrides. */
#define XK_MAX_DOCUMENT_BYTES (4u * 1024u * 1024u)
/* Hard ceiling on --max-size so one document cannot claim all memory. */
#define XK_MAX_DOCUMENT_BYTES_CEILING (64u * 1024u * 1024u)
/* Lines in one document (a real licence has a few hundred). */
#define XK_MAX_LINES 200000u
/* Services, websites, domains per website, provisions, items per provision. */
#define XK_MAX_SERVICES 64u
#define XK_MAX_WEBSITES 4096u
#define XK_MAX_DOMAINS 256u
#define XK_MAX_PROVISIONS 99u
#define XK_MAX_ITEMS 99u
/* Items in one 仅限/含/不含, condition or coverage list of a service. */
#define XK_MAX_QUALIFIERS 256u
/* Problems reported for one document before the rest are summarised in one line. */
#define XK_MAX_PROBLEMS 64u
/* Longest host name (RFC 1035). */
#define XK_MAX_HOST 253u
/* Licences one domain answer lists (a host shared by more says "more": true, never a silent
 * cut). */
#define XK_MAX_HOST_LICENCES 100u
/* Bytes of a text given as a licence number's address (an API path segment, a CLI argument):
 * the longest normal form is 20 bytes; the rest allows white space and full-width forms. */
#define XK_NUMBER_ADDRESS_MAX 128u
/* Bytes of a removal's reason: a longer one is refused, never cut (it is read back whole). */
#define XK_MAX_REASON_BYTES 255u

#endif
