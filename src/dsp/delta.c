/* Delta coefficients, torchaudio.functional.compute_deltas: a (2N+1)-tap regression over
 * time with the edge frames replicated, N = (win_length - 1) / 2. */
#include "auris/dsp.h"

auris_status auris_delta(const float *x, size_t frames, size_t dims, int win_length, float *out)
{
    if (win_length < 3 || win_length % 2 == 0)
        return AURIS_EINVAL;
    long n = (win_length - 1) / 2;
    double denom = (double)n * (double)(n + 1) * (double)(2 * n + 1) / 3.0;
    long last = (long)frames - 1;
    for (long t = 0; t <= last; t++) {
        for (size_t d = 0; d < dims; d++) {
            double acc = 0.0;
            for (long i = 1; i <= n; i++) {
                long after = t + i > last ? last : t + i;
                long before = t - i < 0 ? 0 : t - i;
                acc += (double)i * ((double)x[(size_t)after * dims + d] -
                                    (double)x[(size_t)before * dims + d]);
            }
            out[(size_t)t * dims + d] = (float)(acc / denom);
        }
    }
    return AURIS_OK;
}
