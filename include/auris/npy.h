/* NumPy .npy files (format 1.0, little-endian float32, C order), for exchanging feature
 * matrices with Python. The writer streams rows and fixes the shape on close. */
#ifndef AURIS_NPY_H
#define AURIS_NPY_H

#include <stddef.h>
#include "auris/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct auris_npy_writer auris_npy_writer;

/* Opens path for rows of `cols` float32 values. */
auris_status auris_npy_writer_open(const char *path, size_t cols, auris_npy_writer **out,
                                   auris_error *err);
auris_status auris_npy_writer_write(auris_npy_writer *w, const float *rows, size_t n_rows);
/* Rows written so far. */
size_t auris_npy_writer_rows(const auris_npy_writer *w);
/* Writes the final shape (rows, cols) and closes; frees w whatever the result. */
auris_status auris_npy_writer_close(auris_npy_writer *w, auris_error *err);

/* Reads a 1-D or 2-D float32 (or float64, converted) .npy held in memory. 1-D arrays give
 * rows = n, cols = 1. *data is malloc'ed; the caller frees it. */
auris_status auris_npy_parse(const void *bytes, size_t size, const char *name, float **data,
                             size_t *rows, size_t *cols, auris_error *err);
/* Reads a .npy file (at most 1 GiB). */
auris_status auris_npy_load(const char *path, float **data, size_t *rows, size_t *cols,
                            auris_error *err);

#ifdef __cplusplus
}
#endif
#endif
