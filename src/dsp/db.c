/* Decibels as torchaudio.functional.amplitude_to_DB and librosa.power_to_db:
 * multiplier * log10(max(x, amin)) - multiplier * log10(max(amin, ref)). */
#include "auris/dsp.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

void auris_db_config_default(auris_db_config *cfg)
{
    cfg->multiplier = 10.0f;
    cfg->amin = 1e-10f;
    cfg->ref = 1.0f;
    cfg->top_db = 0.0f;
}

/* log2 of positive normal floats, four at a time: exponent from the bits, and for the
 * mantissa m in [sqrt(1/2), sqrt(2)) the series ln m = 2 atanh(t), t = (m - 1) / (m + 1),
 * |t| < 0.172, to t^9 (truncation < 1e-9). About 1e-7 absolute error, like log2f. Written
 * as straight-line groups of four so that GCC's -O2 SLP pass turns them into SIMD: libm's
 * log10f on every mel value of every frame cost more than the mel filterbank itself. */
static void log2_x4(const float *restrict in, float *restrict out)
{
    uint32_t b[4], mb[4];
    int32_t e[4];
    float m[4];
    memcpy(b, in, sizeof b);
    for (int j = 0; j < 4; j++) {
        /* Mantissas above sqrt(2) are halved (exponent field - 1) and counted in e. */
        uint32_t frac = b[j] & 0x007fffffu;
        int32_t big = frac > 0x003504f3u;
        e[j] = (int32_t)(b[j] >> 23) - 127 + big;
        mb[j] = (frac | 0x3f800000u) - ((uint32_t)big << 23);
    }
    memcpy(m, mb, sizeof m);
    for (int j = 0; j < 4; j++) {
        float t = (m[j] - 1.0f) / (m[j] + 1.0f);
        float t2 = t * t;
        float p = 1.0f + t2 * (1.0f / 3.0f + t2 * (1.0f / 5.0f + t2 * (1.0f / 7.0f +
                                                                       t2 * (1.0f / 9.0f))));
        out[j] = (float)e[j] + t * p * 2.88539008f; /* 2 / ln 2 */
    }
}

void auris_to_db(const auris_db_config *cfg, float *x, size_t n)
{
    float amin = cfg->amin;
    float offset = cfg->multiplier * log10f(fmaxf(amin, cfg->ref));
    float scale = (float)((double)cfg->multiplier * 0.301029995663981195); /* log10(2) */
    size_t i = 0;
    if (amin >= FLT_MIN) {
        /* Clamping at a normal amin keeps subnormals (and NaN) out of log2_x4. */
        for (; i + 4 <= n; i += 4) {
            float v[4], l[4];
            for (int j = 0; j < 4; j++)
                v[j] = x[i + j] > amin ? x[i + j] : amin;
            log2_x4(v, l);
            for (int j = 0; j < 4; j++)
                x[i + j] = scale * l[j] - offset;
        }
    }
    for (; i < n; i++)
        x[i] = scale * log2f(fmaxf(x[i], amin)) - offset;
}

void auris_db_floor(float *x, size_t n, float max_db, float top_db)
{
    float floor_db = max_db - top_db;
    for (size_t i = 0; i < n; i++)
        if (x[i] < floor_db)
            x[i] = floor_db;
}
