/* Helpers shared by the nn tests. */
#ifndef AURIS_TESTS_NN_UTIL_H
#define AURIS_TESTS_NN_UTIL_H

#include <stdint.h>
#include <string.h>

#include "auris/nn.h"

static inline float tu_uniform(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)(*s >> 40) / 16777216.0f;
}

static inline void tu_fill(float *x, size_t n, uint64_t seed, float lo, float hi)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * tu_uniform(&s);
}

static inline auris_nn_model *tu_model(const char *cfg)
{
    auris_nn_model *m = NULL;
    auris_error err = {0};
    if (auris_nn_model_from_cfg(cfg, strlen(cfg), "test.cfg", &m, &err))
        fprintf(stderr, "cfg error: %s\n", err.message);
    return m;
}

/* max |a - b| / max |b|: the relative error of a against the reference b. */
static inline double tu_rel_err(const float *a, const float *b, size_t n)
{
    double num = 0.0, den = 1e-30;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > num || d != d)
            num = d != d ? INFINITY : d;
        if (fabs(b[i]) > den)
            den = fabs(b[i]);
    }
    return num / den;
}

#endif
