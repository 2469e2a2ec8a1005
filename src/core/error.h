/* Internal helpers for filling auris_error and logging. */
#ifndef AURIS_CORE_ERROR_H
#define AURIS_CORE_ERROR_H

#include "auris/status.h"

#if defined(__GNUC__)
#define AURIS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AURIS_PRINTF(a, b)
#endif

/* Fills err (when not NULL) with status and a formatted message; returns status so a
 * caller can write `return auris_fail(err, AURIS_EIO, "%s: cannot open", path);`. */
auris_status auris_fail(auris_error *err, auris_status status, const char *fmt, ...) AURIS_PRINTF(3, 4);

/* Copies src into dst (either may be NULL). */
void auris_error_copy(auris_error *dst, const auris_error *src);

void auris_log(auris_log_level level, const char *fmt, ...) AURIS_PRINTF(2, 3);

/* The index of name in names[0..n), or -1 (also for NULL): how option names such as
 * "hann" or "viridis" become enum values. */
int auris_name_index(const char *const *names, int n, const char *name);

#endif
