/* Streaming .npy writer: a fixed-size header is written first with room for any shape,
 * rows are appended, and the shape is rewritten on close. */
#include "auris/npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "npy rows are written as native floats");

/* Magic (6) + version (2) + header length (2) + dictionary padded so data starts at 128. */
#define NPY_HEADER_SIZE 128

struct auris_npy_writer {
    FILE *f;
    char *path;
    size_t cols;
    size_t rows;
    int failed;
};

static int write_header(FILE *f, size_t rows, size_t cols)
{
    char dict[NPY_HEADER_SIZE];
    int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }",
                     rows, cols);
    size_t dict_len = NPY_HEADER_SIZE - 10;
    if (n < 0 || (size_t)n >= dict_len)
        return -1;
    memset(dict + n, ' ', dict_len - (size_t)n);
    dict[dict_len - 1] = '\n';
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(dict_len & 0xff), (unsigned char)(dict_len >> 8)};
    if (fseek(f, 0, SEEK_SET) != 0 || fwrite(pre, 1, sizeof pre, f) != sizeof pre ||
        fwrite(dict, 1, dict_len, f) != dict_len)
        return -1;
    return 0;
}

auris_status auris_npy_writer_open(const char *path, size_t cols, auris_npy_writer **out,
                                   auris_error *err)
{
    if (!out || !path || cols == 0)
        return auris_fail(err, AURIS_EINVAL, "%s: npy writer needs a path and cols > 0",
                          path ? path : "(null)");
    *out = NULL;
    auris_npy_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", path);
    }
    w->cols = cols;
    w->f = fopen(path, "wb");
    if (!w->f) {
        auris_status st = auris_fail(err, AURIS_EIO, "%s: cannot create: %s", path, strerror(errno));
        free(w->path);
        free(w);
        return st;
    }
    if (write_header(w->f, 0, cols) != 0) {
        auris_status st = auris_fail(err, AURIS_EIO, "%s: cannot write header", path);
        fclose(w->f);
        free(w->path);
        free(w);
        return st;
    }
    *out = w;
    return AURIS_OK;
}

auris_status auris_npy_writer_write(auris_npy_writer *w, const float *rows, size_t n_rows)
{
    if (!w || (!rows && n_rows))
        return AURIS_EINVAL;
    if (w->failed)
        return AURIS_EIO;
    /* The format is little-endian float32; auris only builds on little-endian hosts. */
    if (fwrite(rows, sizeof(float) * w->cols, n_rows, w->f) != n_rows) {
        w->failed = 1;
        return AURIS_EIO;
    }
    w->rows += n_rows;
    return AURIS_OK;
}

size_t auris_npy_writer_rows(const auris_npy_writer *w)
{
    return w ? w->rows : 0;
}

auris_status auris_npy_writer_close(auris_npy_writer *w, auris_error *err)
{
    if (!w)
        return AURIS_OK;
    auris_status st = AURIS_OK;
    if (w->failed || write_header(w->f, w->rows, w->cols) != 0)
        st = auris_fail(err, AURIS_EIO, "%s: write failed: %s", w->path, strerror(errno));
    if (fclose(w->f) != 0 && st == AURIS_OK)
        st = auris_fail(err, AURIS_EIO, "%s: write failed: %s", w->path, strerror(errno));
    free(w->path);
    free(w);
    return st;
}
