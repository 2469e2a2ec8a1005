#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef AURIS_VERSION_STRING
#define AURIS_VERSION_STRING "unknown"
#endif

/* The one piece of process-wide state, as in whisper.cpp's whisper_log_set: set at
 * start-up, read afterwards. */
static auris_log_fn log_fn;
static void *log_user;

const char *auris_strerror(auris_status status)
{
    switch (status) {
    case AURIS_OK: return "success";
    case AURIS_EINVAL: return "invalid argument";
    case AURIS_ENOMEM: return "out of memory";
    case AURIS_EIO: return "input/output error";
    case AURIS_EFORMAT: return "unrecognised format";
    case AURIS_ECORRUPT: return "malformed or truncated data";
    case AURIS_EEMPTY: return "no audio";
    case AURIS_ERANGE: return "value out of supported range";
    case AURIS_EDATA: return "non-finite samples";
    case AURIS_EMODEL: return "missing or malformed model";
    case AURIS_EUNSUPPORTED: return "unsupported";
    case AURIS_EINTERNAL: return "internal error";
    case AURIS_ECANCELED: return "canceled";
    }
    return "unknown error";
}

auris_status auris_fail(auris_error *err, auris_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

void auris_error_copy(auris_error *dst, const auris_error *src)
{
    if (dst && src && dst != src)
        memcpy(dst, src, sizeof *dst);
}

void auris_log_set(auris_log_fn fn, void *user)
{
    log_fn = fn;
    log_user = user;
}

void auris_log(auris_log_level level, const char *fmt, ...)
{
    if (!log_fn)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_fn(level, buf, log_user);
}

const char *auris_version(void)
{
    return AURIS_VERSION_STRING;
}

int auris_name_index(const char *const *names, int n, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}
