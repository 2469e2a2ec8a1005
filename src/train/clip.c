/* Clips to network inputs: decoding at the model's rate, cutting or padding to the clip
 * length, and the standardised log-mel image. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "auris/audio.h"
#include "core/error.h"
#include "train/train_internal.h"

struct train_featurizer {
    auris_features *f;
    train_feat_config fc;
    int frames;
    float *frame;
};

void train_feat_config_from(const auris_train_config *cfg, train_feat_config *fc)
{
    fc->sample_rate_hz = cfg->sample_rate_hz;
    fc->n_mels = cfg->n_mels;
    fc->win = (int)lrint(cfg->win_ms * 1e-3 * cfg->sample_rate_hz);
    fc->hop = (int)lrint(cfg->hop_ms * 1e-3 * cfg->sample_rate_hz);
    fc->clip_samples = (size_t)llround(cfg->duration_s * cfg->sample_rate_hz);
    fc->top_db = cfg->top_db;
}

auris_status train_featurizer_new(const train_feat_config *fc, train_featurizer **out,
                                  auris_error *err)
{
    *out = NULL;
    if (fc->win < 2 || fc->hop < 1 || fc->clip_samples < (size_t)fc->win)
        return auris_fail(err, AURIS_EINVAL,
                          "features: window %d, hop %d and clip of %zu samples do not fit",
                          fc->win, fc->hop, fc->clip_samples);
    train_featurizer *fz = calloc(1, sizeof *fz);
    if (!fz)
        return auris_fail(err, AURIS_ENOMEM, "features: out of memory");
    fz->fc = *fc;
    auris_features_config c;
    auris_features_config_default(&c, AURIS_FEATURE_LOGMEL, fc->sample_rate_hz);
    int n_fft = 2;
    while (n_fft < fc->win)
        n_fft *= 2;
    c.stft.n_fft = n_fft;
    c.stft.win_length = fc->win;
    c.stft.hop_length = fc->hop;
    c.mel.n_mels = fc->n_mels;
    auris_status st = auris_features_new(&c, &fz->f, err);
    if (!st) {
        fz->frames = (int)auris_features_n_frames(fz->f, fc->clip_samples);
        fz->frame = malloc((size_t)fc->n_mels * sizeof *fz->frame);
        if (!fz->frame)
            st = auris_fail(err, AURIS_ENOMEM, "features: out of memory");
    }
    if (st) {
        train_featurizer_free(fz);
        return st;
    }
    *out = fz;
    return AURIS_OK;
}

void train_featurizer_free(train_featurizer *fz)
{
    if (!fz)
        return;
    auris_features_free(fz->f);
    free(fz->frame);
    free(fz);
}

int train_featurizer_frames(const train_featurizer *fz)
{
    return fz->frames;
}

void train_featurize(train_featurizer *fz, const float *clip, float *image)
{
    int mels = fz->fc.n_mels, frames = fz->frames;
    auris_features_reset(fz->f);
    auris_features_write(fz->f, clip, fz->fc.clip_samples);
    auris_features_end(fz->f);
    int t = 0;
    float peak = -INFINITY;
    while (t < frames && auris_features_read(fz->f, fz->frame)) {
        for (int m = 0; m < mels; m++) {
            image[(size_t)m * frames + t] = fz->frame[m];
            peak = fz->frame[m] > peak ? fz->frame[m] : peak;
        }
        t++;
    }
    float lo = peak - fz->fc.top_db;
    for (; t < frames; t++)
        for (int m = 0; m < mels; m++)
            image[(size_t)m * frames + t] = lo;
    size_t n = (size_t)mels * frames;
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        float v = image[i] < lo ? lo : image[i];
        image[i] = v;
        sum += v;
    }
    float mean = (float)(sum / (double)n);
    for (size_t i = 0; i < n; i++)
        sq += (double)(image[i] - mean) * (image[i] - mean);
    float inv = (float)(1.0 / sqrt(sq / (double)n + 1e-6));
    for (size_t i = 0; i < n; i++)
        image[i] = (image[i] - mean) * inv;
}

auris_status train_load_audio(const char *path, int rate_hz, double max_s, float **x, size_t *n,
                              auris_error *err)
{
    auris_source_config sc;
    auris_source_config_default(&sc);
    sc.sample_rate_hz = rate_hz;
    sc.mono = 1;
    int rate, ch;
    auris_status st = auris_audio_load(path, &sc, max_s, x, n, &rate, &ch, err);
    if (!st && *n == 0) {
        free(*x);
        *x = NULL;
        st = auris_fail(err, AURIS_EEMPTY, "%s: no audio", path);
    }
    return st;
}

void train_fit_clip(const float *x, size_t n, long offset, float *out, size_t clip_n)
{
    memset(out, 0, clip_n * sizeof *out);
    long src0 = offset > 0 ? offset : 0;      /* first sample of x used */
    long dst0 = offset < 0 ? -offset : 0;     /* where it lands */
    if (src0 >= (long)n || dst0 >= (long)clip_n)
        return;
    size_t len = n - (size_t)src0;
    if (len > clip_n - (size_t)dst0)
        len = clip_n - (size_t)dst0;
    memcpy(out + dst0, x + src0, len * sizeof *out);
}
