/* Run folders: runs/train/exp1, exp2, ... never overwriting an earlier run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auris/train.h"
#include "core/error.h"
#include "core/file.h"

#define MAX_RUNS 100000

auris_status auris_run_dir_new(const char *parent, const char *name, char *out, size_t cap,
                               auris_error *err)
{
    auris_status st = auris_mkdir_p(parent, 0777, err);
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
