/* Internals shared by src/train: random numbers, folder walks, clip features, augmentation,
 * the model file's metadata and YAMNet embeddings. */
#ifndef AURIS_TRAIN_INTERNAL_H
#define AURIS_TRAIN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "auris/dsp.h"
#include "auris/nn.h"
#include "auris/train.h"

/* ---- random numbers: splitmix64, one stream per (seed, purpose) so results do not
 * depend on which thread handles which clip ---- */
uint64_t train_rng_seed(uint64_t seed, uint64_t stream);
/* Uniform in [0, 1). */
double train_rng_uniform(uint64_t *s);
/* Fisher-Yates shuffle of idx[0..n) with draws from rng. */
void train_rng_shuffle(size_t *idx, size_t n, uint64_t *rng);

/* ---- folders ---- */
typedef auris_file_fn train_walk_fn;
/* Calls fn for every visible file under dir in sorted order. */
auris_status train_walk(const char *dir, int depth, train_walk_fn fn, void *user,
                        auris_error *err);
int train_is_dir(const char *path);
void train_free_names(char **names, size_t n);

/* ---- clip features: log-mel images, n_mels rows x frames columns ---- */
typedef struct train_feat_config {
    int sample_rate_hz, n_mels, win, hop;
    size_t clip_samples;
    float top_db; /* floor below the image's peak */
} train_feat_config;

typedef struct train_featurizer train_featurizer;

void train_feat_config_from(const auris_train_config *cfg, train_feat_config *fc);
auris_status train_featurizer_new(const train_feat_config *fc, train_featurizer **out,
                                  auris_error *err);
void train_featurizer_free(train_featurizer *fz);
int train_featurizer_frames(const train_featurizer *fz);
/* Log-mel image of clip_samples samples, floored at top_db below its peak and standardised
 * (zero mean, unit variance over the image) so the level of a recording does not matter. */
void train_featurize(train_featurizer *fz, const float *clip, float *image);

/* Decodes path to mono at rate_hz (at most max_s seconds). */
auris_status train_load_audio(const char *path, int rate_hz, double max_s, float **x, size_t *n,
                              auris_error *err);
/* Copies x into out[0..clip_n): a longer x from offset on, a shorter one placed at offset
 * (negative = into the pad) with zeros around. */
void train_fit_clip(const float *x, size_t n, long offset, float *out, size_t clip_n);

/* ---- augmentation ---- */
typedef struct train_augment train_augment;

/* Loads the noise and impulse-response folders of cfg (when set) at rate_hz. */
auris_status train_augment_new(const auris_train_config *cfg, int rate_hz, train_augment **out,
                               auris_error *err);
void train_augment_free(train_augment *a);
/* Reverberation, background noise, random gain and low-pass filtering, each only when cfg
 * asks for it (nothing is drawn from rng otherwise), in place; tmp holds n floats. */
void train_augment_wave(const train_augment *a, uint64_t *rng, float *x, size_t n, float *tmp);
/* Speed perturbation by linear interpolation: out gets round(n / factor) samples (at most
 * cap), returned. */
size_t train_speed(const float *x, size_t n, double factor, float *out, size_t cap);
/* Endpointing as a silence trimmer does it: the part of x from the first to the last 10 ms
 * frame within below_db of the loudest frame. Returns its length and sets *start. */
size_t train_trim(const float *x, size_t n, int rate_hz, double below_db, size_t *start);
/* Tempo perturbation of an image: time stretched by factor (> 1 slower) about its centre,
 * by linear interpolation between frames; frames beyond the image take its minimum. tmp
 * holds rows * cols floats. */
void train_stretch_time(float *img, int rows, int cols, double factor, float *tmp);
/* SpecAugment time and frequency masks on a standardised image (masked to 0, its mean). */
void train_spec_augment(const auris_train_config *cfg, uint64_t *rng, float *img, int rows,
                        int cols);

/* ---- model file metadata ---- */
#define TRAIN_META_KIND "auris.classifier"
#define TRAIN_META_LABELS "auris.labels"
#define TRAIN_META_RATE "auris.sample_rate_hz"
#define TRAIN_META_MELS "auris.n_mels"
#define TRAIN_META_WIN "auris.win_length"
#define TRAIN_META_HOP "auris.hop_length"
#define TRAIN_META_DURATION "auris.duration_s"
#define TRAIN_META_FEATURES "auris.features"
#define TRAIN_META_YAMNET "auris.yamnet"
#define TRAIN_META_TOP_DB "auris.top_db" /* absent in models made before it: 80 */
#define TRAIN_DEFAULT_TOP_DB 80.0f

/* Writes the classifier metadata (labels joined by newlines) on m. */
auris_status train_set_meta(auris_nn_model *m, const auris_train_config *cfg,
                            const train_feat_config *fc, const char *const *labels, int n,
                            auris_error *err);

/* ---- YAMNet embeddings (yamnet-head) ---- */
typedef struct train_embedder train_embedder;

auris_status train_embedder_new(const char *yamnet_path, const char *cache_dir,
                                train_embedder **out, auris_error *err);
void train_embedder_free(train_embedder *e);
/* The per-patch embeddings of a file: *rows x AURIS_YAMNET_EMBEDDING floats (malloc'ed),
 * from the cache when it holds this file (same path, size and modification time). */
auris_status train_embed_file(train_embedder *e, const char *path, float **out, size_t *rows,
                              auris_error *err);
/* The same for 16 kHz mono samples (not cached). */
auris_status train_embed_buffer(train_embedder *e, const float *x, size_t n, float **out,
                                size_t *rows, auris_error *err);

/* Adds the softmax of one row of classes logits to sum (tmp: classes doubles of scratch);
 * validation and prediction score a clip with the same arithmetic. */
void train_softmax_add(const float *logits, int classes, float *sum, double *tmp);

/* Moving average of a model's float32 tensors over optimiser steps (--ema). */
typedef struct train_ema train_ema;

auris_status train_ema_new(auris_nn_model *m, float decay, train_ema **out, auris_error *err);
/* After each optimiser step. */
void train_ema_update(train_ema *e, auris_nn_model *m);
/* Exchanges the model's values with the averages: once to evaluate or save the average,
 * again to go on training. */
void train_ema_swap(train_ema *e, auris_nn_model *m);
void train_ema_free(train_ema *e);

#endif
