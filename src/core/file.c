/* Whole-file reading with a limit; mkdir -p. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/file.h"

auris_status auris_read_file(const char *path, size_t max_bytes, char **data, size_t *size,
                             auris_error *err)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return auris_fail(err, AURIS_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *b = NULL;
    size_t n = 0, cap = 0;
    auris_status st = AURIS_OK;
    for (;;) {
        if (n == cap) {
            if (cap > max_bytes) {
                st = auris_fail(err, AURIS_ERANGE, "%s: larger than %zu MiB", path,
                                max_bytes >> 20 ? max_bytes >> 20 : 1);
                break;
            }
            size_t grow = cap ? 2 * cap : 65536;
            if (grow > max_bytes + 1)
                grow = max_bytes + 1;
            char *nb = realloc(b, grow + 1);
            if (!nb) {
                st = auris_fail(err, AURIS_ENOMEM, "%s: out of memory", path);
                break;
            }
            b = nb;
            cap = grow;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                st = auris_fail(err, AURIS_EIO, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    if (!st && n > max_bytes)
        st = auris_fail(err, AURIS_ERANGE, "%s: larger than %zu MiB", path,
                        max_bytes >> 20 ? max_bytes >> 20 : 1);
    if (st) {
        free(b);
        return st;
    }
    if (!b && !(b = malloc(1)))
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", path);
    b[n] = 0;
    *data = b;
    *size = n;
    return AURIS_OK;
}

auris_status auris_mkdir_p(const char *path, mode_t mode, auris_error *err)
{
    char buf[4096];
    int len = snprintf(buf, sizeof buf, "%s", path);
    if (len < 0 || len >= (int)sizeof buf)
        return auris_fail(err, AURIS_ERANGE, "%s: path too long", path);
    if (!buf[0])
        return auris_fail(err, AURIS_EINVAL, "cannot create a folder with an empty name");
    /* Each '/' after the first character ends a parent; the whole path comes last. */
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char end = *p;
        *p = '\0';
        if (mkdir(buf, mode) != 0 && errno != EEXIST)
            return auris_fail(err, AURIS_EIO, "%s: cannot create folder (%s)", buf,
                              strerror(errno));
        *p = end;
        if (!end)
            return AURIS_OK;
    }
}
