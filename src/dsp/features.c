/* The feature pipeline: STFT -> mel -> dB (floored) -> DCT, one frame at a time, with every
 * buffer sized in auris_features_new so reading frames never allocates. */
#include "auris/dsp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* torchaudio.transforms.MFCC's offset for log_mels=True. */
#define LOG_MELS_OFFSET 1e-6f

struct auris_features {
    auris_features_config cfg; /* defaults resolved */
    auris_stft *stft;
    auris_melbank *mel;
    auris_dct *dct;
    float *spec;   /* n_bins */
    float *melbuf; /* n_mels */
    int dim;
    int floor_on;
    float floor_max_db;
    float floor_top_db;
};

void auris_features_config_default(auris_features_config *cfg, auris_feature_type type,
                                   int sample_rate_hz)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->type = type;
    cfg->sample_rate_hz = sample_rate_hz;
    auris_stft_config_default(&cfg->stft);
    /* 0 resolves to win_length / 2 in the pipeline (MelSpectrogram's hop), not n_fft / 4. */
    cfg->stft.hop_length = 0;
    auris_mel_config_default(&cfg->mel);
    auris_db_config_default(&cfg->db);
    /* torchaudio's MFCC floors its AmplitudeToDB at 80 dB below the maximum. */
    cfg->db.top_db = type == AURIS_FEATURE_MFCC ? 80.0f : 0.0f;
    cfg->n_mfcc = 40;
    cfg->lifter = 0.0f;
    cfg->log_mels = 0;
}

int auris_feature_type_from_name(const char *name)
{
    static const char *const names[] = {"stft", "mel", "logmel", "mfcc"};
    return auris_name_index(names, 4, name);
}

static auris_status check_db(const auris_db_config *db, auris_error *err)
{
    if (!(db->amin > 0.0f) || !isfinite(db->amin))
        return auris_fail(err, AURIS_EINVAL, "features: amin %g must be positive",
                          (double)db->amin);
    if (!(db->multiplier > 0.0f) || !isfinite(db->multiplier))
        return auris_fail(err, AURIS_EINVAL, "features: dB multiplier %g must be positive",
                          (double)db->multiplier);
    if (!(db->ref > 0.0f) || !isfinite(db->ref))
        return auris_fail(err, AURIS_EINVAL, "features: dB ref %g must be positive",
                          (double)db->ref);
    if (!(db->top_db >= 0.0f))
        return auris_fail(err, AURIS_EINVAL, "features: top_db %g must be >= 0",
                          (double)db->top_db);
    return AURIS_OK;
}

static auris_status build(auris_features *f, auris_error *err)
{
    auris_features_config *c = &f->cfg;
    auris_status s = auris_stft_new(&c->stft, &f->stft, err);
    if (s)
        return s;
    int n_bins = auris_stft_n_bins(f->stft);
    f->spec = malloc((size_t)n_bins * sizeof *f->spec);
    if (!f->spec)
        return auris_fail(err, AURIS_ENOMEM, "features: out of memory");
    f->dim = n_bins;
    if (c->type == AURIS_FEATURE_STFT)
        return AURIS_OK;
    s = auris_melbank_new(&c->mel, &f->mel, err);
    if (s)
        return s;
    f->melbuf = malloc((size_t)c->mel.n_mels * sizeof *f->melbuf);
    if (!f->melbuf)
        return auris_fail(err, AURIS_ENOMEM, "features: out of memory");
    f->dim = c->mel.n_mels;
    if (c->type != AURIS_FEATURE_MFCC)
        return check_db(&c->db, err);
    if (c->n_mfcc < 1 || c->n_mfcc > c->mel.n_mels)
        return auris_fail(err, AURIS_EINVAL, "features: n_mfcc %d outside [1, n_mels = %d]",
                          c->n_mfcc, c->mel.n_mels);
    s = auris_dct_new(c->n_mfcc, c->mel.n_mels, c->lifter, &f->dct, err);
    if (s)
        return s;
    f->dim = c->n_mfcc;
    return c->log_mels ? AURIS_OK : check_db(&c->db, err);
}

auris_status auris_features_new(const auris_features_config *cfg, auris_features **out,
                                auris_error *err)
{
    *out = NULL;
    if ((unsigned)cfg->type > AURIS_FEATURE_MFCC)
        return auris_fail(err, AURIS_EINVAL, "features: unknown feature type %d",
                          (int)cfg->type);
    if (cfg->sample_rate_hz <= 0)
        return auris_fail(err, AURIS_EINVAL, "features: sample_rate_hz %d must be positive",
                          cfg->sample_rate_hz);
    auris_features *f = calloc(1, sizeof *f);
    if (!f)
        return auris_fail(err, AURIS_ENOMEM, "features: out of memory");
    f->cfg = *cfg;
    auris_stft_config *st = &f->cfg.stft;
    if (st->win_length == 0)
        st->win_length = st->n_fft;
    if (st->hop_length == 0)
        st->hop_length = st->win_length / 2 > 0 ? st->win_length / 2 : 1;
    f->cfg.mel.sample_rate_hz = cfg->sample_rate_hz;
    f->cfg.mel.n_fft = st->n_fft;
    auris_status s = build(f, err);
    if (s) {
        auris_features_free(f);
        return s;
    }
    *out = f;
    return AURIS_OK;
}

int auris_features_dim(const auris_features *f)
{
    return f->dim;
}

size_t auris_features_n_frames(const auris_features *f, size_t n_samples)
{
    return auris_stft_n_frames(&f->cfg.stft, n_samples);
}

auris_status auris_features_write(auris_features *f, const float *samples, size_t n)
{
    return auris_stft_write(f->stft, samples, n);
}

auris_status auris_features_end(auris_features *f)
{
    return auris_stft_end(f->stft);
}

void auris_features_set_db_floor(auris_features *f, float max_db, float top_db)
{
    f->floor_on = top_db > 0.0f;
    f->floor_max_db = max_db;
    f->floor_top_db = top_db;
}

static void mel_db(const auris_features *f, float *mel)
{
    auris_to_db(&f->cfg.db, mel, (size_t)f->cfg.mel.n_mels);
    if (f->floor_on)
        auris_db_floor(mel, (size_t)f->cfg.mel.n_mels, f->floor_max_db, f->floor_top_db);
}

int auris_features_read(auris_features *f, float *out)
{
    if (f->cfg.type == AURIS_FEATURE_STFT)
        return auris_stft_read(f->stft, out);
    if (!auris_stft_read(f->stft, f->spec))
        return 0;
    switch (f->cfg.type) {
    case AURIS_FEATURE_MEL:
        auris_melbank_apply(f->mel, f->spec, out);
        break;
    case AURIS_FEATURE_LOGMEL:
        auris_melbank_apply(f->mel, f->spec, out);
        mel_db(f, out);
        break;
    default:
        auris_melbank_apply(f->mel, f->spec, f->melbuf);
        if (f->cfg.log_mels) {
            for (int m = 0; m < f->cfg.mel.n_mels; m++)
                f->melbuf[m] = logf(f->melbuf[m] + LOG_MELS_OFFSET);
        } else {
            mel_db(f, f->melbuf);
        }
        auris_dct_apply(f->dct, f->melbuf, out);
        break;
    }
    return 1;
}

void auris_features_reset(auris_features *f)
{
    auris_stft_reset(f->stft);
}

void auris_features_free(auris_features *f)
{
    if (!f)
        return;
    auris_stft_free(f->stft);
    auris_melbank_free(f->mel);
    auris_dct_free(f->dct);
    free(f->spec);
    free(f->melbuf);
    free(f);
}
