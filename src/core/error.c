/*
 * xk_error helpers: filling the caller-owned error record and naming status codes. No
 * allocation, so it works when memory is exhausted.
 */
#include "xuke/error.h"
#include "xuke/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
    [XK_OK] = "ok",
    [XK_ENOMEM] = "out of memory",
    [XK_EIO] = "input/output error",
    [XK_ETOOBIG] = "over a limit",
    [XK_EEMPTY] = "empty input",
    [XK_EBINARY] = "binary data",
    [XK_EENCODING] = "unknown text encoding",
    [XK_ENOTLICENCE] = "not a licence",
    [XK_EINVALID] = "invalid record",
    [XK_EUSAGE] = "usage error",
    [XK_ENOTFOUND] = "not found",
    [XK_EDB] = "store error",
    [XK_ECONFLICT] = "conflict",
    [XK_EFORMAT] = "malformed data",
};

const char *xk_strstatus(xk_status code)
{
    if ((size_t)code < sizeof status_names / sizeof status_names[0] && status_names[code])
        return status_names[code];
    return "unknown error";
}

xk_status xk_error_set(xk_error *err, xk_status code, int line, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->line = line;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    if (n < 0)
        snprintf(err->message, sizeof err->message, "%s", xk_strstatus(code));
    else if ((size_t)n >= sizeof err->message) /* cut: never inside a character */
        err->message[xk_utf8_cut(err->message, sizeof err->message - 1,
                                 sizeof err->message - 1)] = '\0';
    return code;
}

void xk_error_set_file(xk_error *err, const char *file)
{
    if (!err)
        return;
    size_t len = file ? xk_utf8_cut(file, strlen(file), sizeof err->file - 1) : 0;
    if (len)
        memcpy(err->file, file, len);
    err->file[len] = '\0';
}

void xk_error_clear(xk_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
}
