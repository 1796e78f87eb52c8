/*
 * Status codes and the caller-owned error record used across the xuke library.
 * Every function that can fail returns an xk_status (XK_OK == 0) and, when given a non-NULL
 * xk_error, fills it with the code, the file and line the problem was found at (when known) and
 * a human-readable message. The library never prints and never exits.
 */
#ifndef XUKE_ERROR_H
#define XUKE_ERROR_H

#include <stddef.h>

typedef enum xk_status {
    XK_OK = 0,
    XK_ENOMEM,       /* allocation failed */
    XK_EIO,          /* reading or writing a file failed */
    XK_ETOOBIG,      /* an explicit limit (bytes, lines, items) was exceeded */
    XK_EEMPTY,       /* the input holds no text */
    XK_EBINARY,      /* the input is not text */
    XK_EENCODING,    /* the input is neither UTF-8 nor GB18030 */
    XK_ENOTLICENCE,  /* the text is not a value-added telecom licence */
    XK_EINVALID,     /* a record was extracted but has errors */
    XK_EUSAGE,       /* a caller passed arguments that do not fit */
    XK_ENOTFOUND,    /* a looked-up thing does not exist */
    XK_EDB,          /* the store failed */
    XK_ECONFLICT,    /* the request conflicts with stored state */
    XK_EFORMAT       /* a data file (calendar, JSON record) is malformed */
} xk_status;

#define XK_ERROR_MSG_MAX 512
#define XK_ERROR_FILE_MAX 256

typedef struct xk_error {
    xk_status code;
    char file[XK_ERROR_FILE_MAX]; /* "" when not tied to a file */
    int line;                     /* 1-based; 0 when unknown */
    char message[XK_ERROR_MSG_MAX];
} xk_error;

/* Short English name of a status ("out of memory", "not a licence", ...). Static storage. */
const char *xk_strstatus(xk_status code);

/* Fills err (if non-NULL) and returns code, so callers can `return xk_error_set(...)`. */
xk_status xk_error_set(xk_error *err, xk_status code, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets err->file (truncating safely); no-op when err is NULL. */
void xk_error_set_file(xk_error *err, const char *file);

/* Resets err to XK_OK with empty fields. */
void xk_error_clear(xk_error *err);

#endif
