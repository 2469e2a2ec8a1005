/* Run folders: runs/train/exp1, exp2, ... never overwriting an earlier run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auris/train.h"
#include "core/error.h"

#define MAX_RUNS 100000

/* mkdir -p */
static auris_status make_parents(const char *path, auris_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return auris_fail(err, AURIS_ERANGE, "%s: path too long", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return auris_fail(err, AURIS_EIO, "%s: cannot create folder (%s)", buf,
                              strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return auris_fail(err, AURIS_EIO, "%s: cannot create folder (%s)", buf, strerror(errno));
    return AURIS_OK;
}

auris_status auris_run_dir_new(const char *parent, const char *name, char *out, size_t cap,
                               auris_error *err)
{
    auris_status st = make_parents(parent, err);
    if (st)
        return st;
    for (int i = 1; i <= MAX_RUNS; i++) {
        int k = name ? (i == 1 ? snprintf(out, cap, "%s/%s", parent, name)
                               : snprintf(out, cap, "%s/%s%d", parent, name, i))
                     : snprintf(out, cap, "%s/exp%d", parent, i);
        if (k < 0 || (size_t)k >= cap)
            return auris_fail(err, AURIS_ERANGE, "%s: path too long", parent);
        if (mkdir(out, 0777) == 0)
            return AURIS_OK;
        if (errno != EEXIST)
            return auris_fail(err, AURIS_EIO, "%s: cannot create folder (%s)", out,
                              strerror(errno));
    }
    return auris_fail(err, AURIS_ERANGE, "%s: too many runs", parent);
}
