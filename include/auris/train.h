/* Training spectrogram classifiers from labelled audio: datasets (class folders, CSV
 * manifests, stratified and fold splits), the training run (features, augmentation, the nn
 * engine's trainer, early stopping) and its run folder (weights, results.csv, metrics and
 * plots).
 *
 * Threads: a dataset is read-only once built and may be shared. auris_train_run uses
 * cfg->threads worker threads for decoding and features, and as many engine threads
 * (OpenMP, OpenBLAS) for the network while it runs. The same seed, data and thread count
 * give bit-identical weights. */
#ifndef AURIS_TRAIN_H
#define AURIS_TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "auris/status.h"
#include "auris/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- datasets ---------------------------------------------------------------------- */

/* Files with a class label and a fold (0 = none). Classes are kept sorted by name, so a
 * class's index does not depend on the order files were added. */
typedef struct auris_dataset auris_dataset;

auris_status auris_dataset_new(auris_dataset **out, auris_error *err);
void auris_dataset_free(auris_dataset *d);
/* Fixes the class list (e.g. to the training set's): adding a file of another class then
 * fails with AURIS_EINVAL. */
auris_status auris_dataset_set_classes(auris_dataset *d, const char *const *names, int n,
                                       auris_error *err);
auris_status auris_dataset_add(auris_dataset *d, const char *path, const char *label, int fold,
                               auris_error *err);
/* Adds every file under dir/<class>/ (walked recursively, hidden entries skipped) with the
 * class folder's name as its label. Whether a file decodes is found out when it is read. */
auris_status auris_dataset_add_dir(auris_dataset *d, const char *dir, auris_error *err);

/* Calls fn on every file under dir (names starting with '.' skipped) in sorted order,
 * folders depth first, at most 16 levels deep; stops at fn's first error. */
typedef auris_status (*auris_file_fn)(const char *path, void *user, auris_error *err);
auris_status auris_walk_files(const char *dir, auris_file_fn fn, void *user, auris_error *err);
/* Adds the rows of a CSV manifest with a header naming the columns filename and label
 * (or category / class) and optionally fold (ESC-50's meta/esc50.csv works as is). Paths
 * are relative to audio_dir (NULL: the manifest's folder, then its audio/ subfolder when
 * the file is not found there). Quoted fields are understood. */
auris_status auris_dataset_add_manifest(auris_dataset *d, const char *csv_path,
                                        const char *audio_dir, auris_error *err);

size_t auris_dataset_count(const auris_dataset *d);
const char *auris_dataset_path(const auris_dataset *d, size_t i);
int auris_dataset_label(const auris_dataset *d, size_t i);
int auris_dataset_fold(const auris_dataset *d, size_t i);
int auris_dataset_class_count(const auris_dataset *d);
const char *auris_dataset_class_name(const auris_dataset *d, int c);
/* The class names array (auris_dataset_class_count entries), valid while d lives. */
const char *const *auris_dataset_class_names(const auris_dataset *d);
/* Sorted distinct nonzero folds into folds[0..max); returns how many there are (-1 when
 * more than max). Fold 0 is not a fold: its files are extra training data, never held out. */
int auris_dataset_folds(const auris_dataset *d, int *folds, int max);

/* Stratified split: round(val_fraction * n_c) files of each class c go to *val, chosen by
 * a generator seeded with seed; both keep d's class list. */
auris_status auris_dataset_split(const auris_dataset *d, double val_fraction, uint64_t seed,
                                 auris_dataset **train, auris_dataset **val, auris_error *err);
/* Files of fold (>= 1) go to *held_out, the others (fold 0 included) to *rest. */
auris_status auris_dataset_split_fold(const auris_dataset *d, int fold, auris_dataset **rest,
                                      auris_dataset **held_out, auris_error *err);

/* ---- training ---------------------------------------------------------------------- */

typedef enum auris_train_model {
    AURIS_TRAIN_CNN = 0,          /* log-mel spectrogram CNN trained from scratch */
    AURIS_TRAIN_YAMNET_HEAD = 1   /* a small classifier on frozen YAMNet embeddings */
} auris_train_model;

/* Reported after every batch (phase 0) and after every epoch (phase 1). */
typedef struct auris_train_progress {
    int phase;
    int epoch, epochs;           /* 1-based */
    int batch, batches;          /* 1-based */
    double elapsed_s;            /* since the run started */
    float lr;
    double train_loss, train_acc;/* running means over the epoch so far */
    double val_loss, top1, top5; /* phase 1 */
    int best;                    /* phase 1: this epoch is the best so far */
} auris_train_progress;

typedef void (*auris_train_progress_fn)(const auris_train_progress *p, void *user);

typedef struct auris_train_config {
    auris_train_model model;
    const char *preset;          /* cnn: "small" (default) or "medium" */
    const char *cfg_text;        /* cnn: an architecture replacing the preset (cfg text with
                                    [net] height = n_mels, width = frames, and a last dense
                                    layer of any size: its outputs are set to the classes) */
    /* features (cnn): log-mel at this rate, window and hop */
    int sample_rate_hz;          /* default 16000 */
    int n_mels;                  /* default 64 */
    float win_ms, hop_ms;        /* default 25 and 10 */
    float duration_s;            /* clips are cut or padded to this (default 1) */
    float top_db;                /* the log-mel image is floored this far below its peak
                                    before standardising (default 80; lower hides noise
                                    floors and faint detail, 10..120) */
    int random_crop;             /* 1: train on random crops of longer clips (default 1) */
    /* optimisation */
    int epochs;                  /* default 30 */
    int batch;                   /* default 32 */
    auris_nn_optimizer optimizer;/* default AdamW */
    float lr;                    /* default 3e-3 */
    float momentum;              /* SGD, default 0.9 */
    float weight_decay;          /* default 1e-3 */
    auris_nn_schedule schedule;  /* default cosine over all epochs */
    float warmup_epochs;         /* default 1 */
    float label_smoothing;       /* default 0.05 */
    float ema;                   /* > 0: evaluate and save the exponential moving average
                                    of the weights with this decay, e.g. 0.999 (default 0) */
    int patience;                /* stop after this many epochs without a better val loss
                                    (0 = never; default 10) */
    uint64_t seed;               /* default 0 */
    int threads;                 /* feature workers and engine threads (default 1) */
    /* augmentation (off when 0) */
    int time_masks, freq_masks;  /* SpecAugment masks per clip (default 0) */
    float time_mask_frac;        /* widest time mask as a fraction of frames (default 0.1) */
    float freq_mask_frac;        /* widest frequency mask as a fraction of bands (0.15) */
    float mixup;                 /* Beta(a, a) mixup of pairs in a batch, a > 0 */
    float gain_db;               /* random gain in +-gain_db */
    float shift_s;               /* random time shift in +-shift_s (circular on pads) */
    float speed;                 /* speed/pitch perturbation factor in [1 - s, 1 + s] */
    float trim_db;               /* endpointing perturbation: half the clips lose their
                                    leading and trailing sound quieter than a level drawn
                                    in [trim_db, 60] dB below the loudest 10 ms, as a
                                    silence trimmer cuts weak onsets (0 = off) */
    float lowpass_prob;          /* chance a clip is low-pass filtered (24 dB/octave, cut-off
                                    log-uniform in [1 kHz, 0.9 Nyquist]); 0 = off */
    float tempo;                 /* tempo perturbation (pitch kept): the log-mel image is
                                    stretched in time by a factor in [1 - t, 1 + t] */
    const char *noise_dir;       /* background noise files (any depth) */
    float noise_prob;            /* chance a clip gets noise (default 0.5 when noise_dir) */
    float snr_min_db, snr_max_db;/* default 5 and 20 */
    const char *rir_dir;         /* room impulse responses */
    float rir_prob;              /* chance a clip is reverberated (default 0.3 with rir_dir) */
    /* yamnet-head */
    const char *yamnet_path;     /* the auris YAMNet model file */
    const char *cache_dir;       /* embeddings cached here, one .npy per file (NULL: none) */
    int head_hidden;             /* hidden units of the head (default 256; 0 = linear) */
    int eval_last;               /* 1: report the last epoch's weights, not the best by val
                                    loss (fixed-length training; no selection on val) */
    /* output: weights/, results.csv, args.json, metrics.json, *.png (must exist) */
    const char *run_dir;
    auris_train_progress_fn progress;
    void *progress_user;
    /* Polled between batches: when it becomes nonzero the run saves weights/last and
     * returns AURIS_ECANCELED (a CLI's SIGINT handler sets it). */
    const volatile sig_atomic_t *cancel;
} auris_train_config;

typedef struct auris_train_result {
    int epochs_run, best_epoch;
    double best_val_loss;
    double top1, top5, macro_f1; /* of the best weights on the evaluation set */
    size_t skipped;              /* files that could not be read */
} auris_train_result;

void auris_train_config_default(auris_train_config *cfg);
/* "cnn" | "yamnet-head" -> model; -1 if unknown. */
int auris_train_model_from_name(const char *name);
/* The cnn preset's cfg text for input n_mels x frames and classes outputs (malloc'ed), or
 * NULL for an unknown preset name. */
char *auris_train_preset_cfg(const char *preset, int n_mels, int frames, int classes);

/* Creates a fresh run folder (and its parents): parent/name, or name2, name3, ... when that
 * exists; with name NULL, parent/exp1, exp2, ... (the first free number). The path is
 * written to out. */
auris_status auris_run_dir_new(const char *parent, const char *name, char *out, size_t cap,
                               auris_error *err);

/* Trains on train, chooses the best epoch by loss on val and evaluates the best weights on
 * test (on val when test is NULL), writing cfg->run_dir/{weights/best.safetensors,
 * weights/last.safetensors, args.json, results.csv, results.png, metrics.json,
 * confusion_matrix.png, confusion_matrix_normalized.png}. Unreadable files are logged
 * (auris_log) and skipped. */
auris_status auris_train_run(const auris_train_config *cfg, const auris_dataset *train,
                             const auris_dataset *val, const auris_dataset *test,
                             auris_train_result *result, auris_error *err);

#ifdef __cplusplus
}
#endif
#endif
