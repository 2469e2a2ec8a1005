/* Triangular mel filterbank, torchaudio.functional.melscale_fbanks (which follows
 * librosa.filters.mel for the slaney scale and norm). Weights are computed in double exactly
 * as torchaudio does, then stored per filter over its nonzero bins only: a 128-band bank over
 * 513 bins has ~1000 nonzero weights instead of 65664, and applying it is that much cheaper. */
#include "auris/dsp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

struct auris_melbank {
    int n_mels;
    int n_bins;
    int *first;      /* first nonzero bin of each filter */
    int *count;      /* nonzero bins of each filter */
    size_t *offset;  /* start of each filter's weights in weights[] */
    float *weights;
    double *center_hz;
};

#define SLANEY_F_SP (200.0 / 3.0)
#define SLANEY_MIN_LOG_HZ 1000.0
#define SLANEY_MIN_LOG_MEL (SLANEY_MIN_LOG_HZ / SLANEY_F_SP)

static double slaney_logstep(void)
{
    return log(6.4) / 27.0;
}

double auris_hz_to_mel(double hz, auris_mel_scale scale)
{
    if (scale == AURIS_MEL_HTK)
        return 2595.0 * log10(1.0 + hz / 700.0);
    if (hz >= SLANEY_MIN_LOG_HZ)
        return SLANEY_MIN_LOG_MEL + log(hz / SLANEY_MIN_LOG_HZ) / slaney_logstep();
    return hz / SLANEY_F_SP;
}

double auris_mel_to_hz(double mel, auris_mel_scale scale)
{
    if (scale == AURIS_MEL_HTK)
        return 700.0 * (pow(10.0, mel / 2595.0) - 1.0);
    if (mel >= SLANEY_MIN_LOG_MEL)
        return SLANEY_MIN_LOG_HZ * exp(slaney_logstep() * (mel - SLANEY_MIN_LOG_MEL));
    return SLANEY_F_SP * mel;
}

void auris_mel_config_default(auris_mel_config *cfg)
{
    cfg->sample_rate_hz = 0;
    cfg->n_fft = 0;
    cfg->n_mels = 128;
    cfg->f_min_hz = 0.0f;
    cfg->f_max_hz = 0.0f;
    cfg->scale = AURIS_MEL_HTK;
    cfg->norm = AURIS_MEL_NORM_NONE;
}

static auris_status check_config(const auris_mel_config *c, double f_max, auris_error *err)
{
    if (c->sample_rate_hz <= 0)
        return auris_fail(err, AURIS_EINVAL, "mel: sample_rate_hz %d must be positive",
                          c->sample_rate_hz);
    if (c->n_fft < 2 || c->n_fft > (1 << 20))
        return auris_fail(err, AURIS_EINVAL, "mel: n_fft %d outside [2, %d]", c->n_fft, 1 << 20);
    if (c->n_mels < 1 || c->n_mels > 4096)
        return auris_fail(err, AURIS_EINVAL, "mel: n_mels %d outside [1, 4096]", c->n_mels);
    if (!(c->f_min_hz >= 0.0f))
        return auris_fail(err, AURIS_EINVAL, "mel: f_min %g Hz must be >= 0",
                          (double)c->f_min_hz);
    if (!(f_max <= c->sample_rate_hz / 2.0))
        return auris_fail(err, AURIS_EINVAL, "mel: f_max %g Hz above the Nyquist frequency %g Hz",
                          f_max, c->sample_rate_hz / 2.0);
    if (!((double)c->f_min_hz < f_max))
        return auris_fail(err, AURIS_EINVAL, "mel: f_min %g Hz must be below f_max %g Hz",
                          (double)c->f_min_hz, f_max);
    if ((unsigned)c->scale > AURIS_MEL_SLANEY)
        return auris_fail(err, AURIS_EINVAL, "mel: unknown scale %d", (int)c->scale);
    if ((unsigned)c->norm > AURIS_MEL_NORM_SLANEY)
        return auris_fail(err, AURIS_EINVAL, "mel: unknown norm %d", (int)c->norm);
    return AURIS_OK;
}

/* torch.linspace(start, end, steps)[i], which fills the second half backwards from end. */
static double linspace_at(double start, double end, int steps, int i)
{
    if (steps == 1)
        return start;
    double step = (end - start) / (double)(steps - 1);
    int half = steps / 2;
    return i < half ? start + step * (double)i : end - step * (double)(steps - 1 - i);
}

/* fb[k] for one filter m: max(0, min(down, up)) with torchaudio's slopes. */
static double triangle(const double *f_pts, int m, double f)
{
    double down = -(f_pts[m] - f) / (f_pts[m + 1] - f_pts[m]);
    double up = (f_pts[m + 2] - f) / (f_pts[m + 2] - f_pts[m + 1]);
    double v = down < up ? down : up;
    return v > 0.0 ? v : 0.0;
}

/* Widens a band's bin span [first, last] with zero weights to a multiple of four bins
 * (when the bank has room) so dot() never runs its scalar tail: the tail's varying trip
 * count mispredicted a branch per band, which cost more than the multiplications. */
static void pad_span(int *first, int *last, int n_bins)
{
    if (*last < 0 || n_bins < 4)
        return;
    while ((*last - *first + 1) % 4 != 0) {
        if (*last + 1 < n_bins)
            (*last)++;
        else
            (*first)--;
    }
}

static auris_status build(auris_melbank *mb, const auris_mel_config *c, double f_max,
                          auris_error *err)
{
    int n_mels = c->n_mels, n_bins = mb->n_bins;
    double *f_pts = malloc((size_t)(n_mels + 2) * sizeof *f_pts);
    double *freqs = malloc((size_t)n_bins * sizeof *freqs);
    if (!f_pts || !freqs) {
        free(f_pts);
        free(freqs);
        return auris_fail(err, AURIS_ENOMEM, "mel: out of memory");
    }
    double m_min = auris_hz_to_mel(c->f_min_hz, c->scale);
    double m_max = auris_hz_to_mel(f_max, c->scale);
    for (int i = 0; i < n_mels + 2; i++)
        f_pts[i] = auris_mel_to_hz(linspace_at(m_min, m_max, n_mels + 2, i), c->scale);
    /* torchaudio spaces bins over [0, sample_rate // 2] (integer division). */
    for (int k = 0; k < n_bins; k++)
        freqs[k] = linspace_at(0.0, (double)(c->sample_rate_hz / 2), n_bins, k);

    size_t total = 0;
    for (int m = 0; m < n_mels; m++) {
        int first = n_bins, last = -1;
        for (int k = 0; k < n_bins; k++) {
            if (triangle(f_pts, m, freqs[k]) > 0.0) {
                if (first == n_bins)
                    first = k;
                last = k;
            }
        }
        pad_span(&first, &last, n_bins);
        mb->first[m] = last >= 0 ? first : 0;
        mb->count[m] = last >= 0 ? last - first + 1 : 0;
        mb->offset[m] = total;
        total += (size_t)mb->count[m];
        mb->center_hz[m] = f_pts[m + 1];
    }
    mb->weights = malloc((total ? total : 1) * sizeof *mb->weights);
    if (!mb->weights) {
        free(f_pts);
        free(freqs);
        return auris_fail(err, AURIS_ENOMEM, "mel: out of memory");
    }
    for (int m = 0; m < n_mels; m++) {
        double enorm = c->norm == AURIS_MEL_NORM_SLANEY ? 2.0 / (f_pts[m + 2] - f_pts[m]) : 1.0;
        for (int j = 0; j < mb->count[m]; j++)
            mb->weights[mb->offset[m] + (size_t)j] =
                (float)(triangle(f_pts, m, freqs[mb->first[m] + j]) * enorm);
    }
    free(f_pts);
    free(freqs);
    return AURIS_OK;
}

auris_status auris_melbank_new(const auris_mel_config *cfg, auris_melbank **out,
                               auris_error *err)
{
    *out = NULL;
    double f_max = cfg->f_max_hz > 0.0f ? (double)cfg->f_max_hz
                                        : (double)(cfg->sample_rate_hz / 2);
    auris_status s = check_config(cfg, f_max, err);
    if (s)
        return s;
    auris_melbank *mb = calloc(1, sizeof *mb);
    if (!mb)
        return auris_fail(err, AURIS_ENOMEM, "mel: out of memory");
    mb->n_mels = cfg->n_mels;
    mb->n_bins = cfg->n_fft / 2 + 1;
    mb->first = malloc((size_t)cfg->n_mels * sizeof *mb->first);
    mb->count = malloc((size_t)cfg->n_mels * sizeof *mb->count);
    mb->offset = malloc((size_t)cfg->n_mels * sizeof *mb->offset);
    mb->center_hz = malloc((size_t)cfg->n_mels * sizeof *mb->center_hz);
    if (!mb->first || !mb->count || !mb->offset || !mb->center_hz) {
        auris_melbank_free(mb);
        return auris_fail(err, AURIS_ENOMEM, "mel: out of memory");
    }
    s = build(mb, cfg, f_max, err);
    if (s) {
        auris_melbank_free(mb);
        return s;
    }
    *out = mb;
    return AURIS_OK;
}

int auris_melbank_n_mels(const auris_melbank *mb)
{
    return mb->n_mels;
}

int auris_melbank_n_bins(const auris_melbank *mb)
{
    return mb->n_bins;
}

/* Four partial sums break the dependency chain of one accumulator (about 4x faster on
 * wide bands); the order is fixed, so results do not depend on how input was streamed. */
static float dot(const float *restrict w, const float *restrict s, int n)
{
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
        a0 += w[j] * s[j];
        a1 += w[j + 1] * s[j + 1];
        a2 += w[j + 2] * s[j + 2];
        a3 += w[j + 3] * s[j + 3];
    }
    for (; j < n; j++)
        a0 += w[j] * s[j];
    return (a0 + a1) + (a2 + a3);
}

void auris_melbank_apply(const auris_melbank *mb, const float *spec, float *mel)
{
    for (int m = 0; m < mb->n_mels; m++)
        mel[m] = dot(mb->weights + mb->offset[m], spec + mb->first[m], mb->count[m]);
}

void auris_melbank_weights(const auris_melbank *mb, float *w)
{
    memset(w, 0, (size_t)mb->n_mels * (size_t)mb->n_bins * sizeof *w);
    for (int m = 0; m < mb->n_mels; m++)
        memcpy(w + (size_t)m * (size_t)mb->n_bins + mb->first[m], mb->weights + mb->offset[m],
               (size_t)mb->count[m] * sizeof *w);
}

float auris_melbank_center_hz(const auris_melbank *mb, int m)
{
    return (float)mb->center_hz[m];
}

void auris_melbank_free(auris_melbank *mb)
{
    if (!mb)
        return;
    free(mb->first);
    free(mb->count);
    free(mb->offset);
    free(mb->center_hz);
    free(mb->weights);
    free(mb);
}
