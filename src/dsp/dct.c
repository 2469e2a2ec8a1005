/* Orthonormal DCT-II as a dense n_mfcc x n_mels matrix (torchaudio.functional.create_dct
 * with norm "ortho"), with librosa's sinusoidal liftering folded into its rows. */
#include "auris/dsp.h"

#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "dsp/dsp_math.h"

struct auris_dct {
    int n_mfcc;
    int n_mels;
    float *matrix; /* n_mfcc rows of n_mels */
};

auris_status auris_dct_new(int n_mfcc, int n_mels, float lifter, auris_dct **out,
                           auris_error *err)
{
    *out = NULL;
    if (n_mels < 1 || n_mels > 4096)
        return auris_fail(err, AURIS_EINVAL, "dct: n_mels %d outside [1, 4096]", n_mels);
    if (n_mfcc < 1 || n_mfcc > n_mels)
        return auris_fail(err, AURIS_EINVAL, "dct: n_mfcc %d outside [1, n_mels = %d]", n_mfcc,
                          n_mels);
    if (!(lifter >= 0.0f) || !isfinite(lifter))
        return auris_fail(err, AURIS_EINVAL, "dct: lifter %g must be >= 0", (double)lifter);
    auris_dct *d = calloc(1, sizeof *d);
    if (!d)
        return auris_fail(err, AURIS_ENOMEM, "dct: out of memory");
    d->matrix = malloc((size_t)n_mfcc * (size_t)n_mels * sizeof *d->matrix);
    if (!d->matrix) {
        free(d);
        return auris_fail(err, AURIS_ENOMEM, "dct: out of memory");
    }
    d->n_mfcc = n_mfcc;
    d->n_mels = n_mels;
    double scale = sqrt(2.0 / (double)n_mels);
    for (int k = 0; k < n_mfcc; k++) {
        double row = k == 0 ? scale / sqrt(2.0) : scale;
        if (lifter > 0.0f)
            row *= 1.0 + 0.5 * (double)lifter * sin(AURIS_PI * (double)(k + 1) / (double)lifter);
        for (int n = 0; n < n_mels; n++)
            d->matrix[(size_t)k * (size_t)n_mels + (size_t)n] =
                (float)(row * cos(AURIS_PI / (double)n_mels * ((double)n + 0.5) * (double)k));
    }
    *out = d;
    return AURIS_OK;
}

void auris_dct_apply(const auris_dct *dct, const float *logmel, float *mfcc)
{
    for (int k = 0; k < dct->n_mfcc; k++) {
        const float *row = dct->matrix + (size_t)k * (size_t)dct->n_mels;
        float acc = 0.0f;
        for (int n = 0; n < dct->n_mels; n++)
            acc += row[n] * logmel[n];
        mfcc[k] = acc;
    }
}

void auris_dct_free(auris_dct *dct)
{
    if (!dct)
        return;
    free(dct->matrix);
    free(dct);
}
