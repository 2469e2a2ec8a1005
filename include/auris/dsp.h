/* Signal features: STFT, mel filterbanks, decibels, MFCC, deltas, and the streaming
 * feature pipeline that chains them.
 *
 * Definitions follow torchaudio (torch.stft, MelSpectrogram, AmplitudeToDB, MFCC,
 * compute_deltas) and librosa (slaney mel scale and area normalisation, liftering); the
 * parity tests hold auris to those references within 1e-4 relative error.
 *
 * All streaming objects produce exactly the frames the whole-signal computation gives,
 * whatever sizes the input is pushed in.
 * Thread-safety: an object is used by one thread at a time. */
#ifndef AURIS_DSP_H
#define AURIS_DSP_H

#include <stddef.h>
#include "auris/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Windows ---- */

typedef enum auris_window_type {
    AURIS_WINDOW_HANN = 0,    /* periodic, as torch.hann_window */
    AURIS_WINDOW_HAMMING = 1, /* periodic, as torch.hamming_window (0.54, 0.46) */
    AURIS_WINDOW_POVEY = 2,   /* Kaldi's: symmetric hann raised to 0.85 */
    AURIS_WINDOW_RECT = 3
} auris_window_type;

/* Fills w[0..n) with the window. */
void auris_window_fill(auris_window_type type, int n, float *w);
/* "hann" | "hamming" | "povey" | "rect" → type; returns -1 for an unknown name. */
int auris_window_from_name(const char *name);

/* ---- Short-time Fourier transform ---- */

typedef enum auris_pad_mode {
    AURIS_PAD_REFLECT = 0,  /* torch.stft pad_mode="reflect" (default) */
    AURIS_PAD_CONSTANT = 1  /* zeros */
} auris_pad_mode;

typedef struct auris_stft_config {
    int n_fft;               /* default 400 */
    int hop_length;          /* default n_fft / 4 (0 = default) */
    int win_length;          /* default n_fft (0 = default); the window is centred in n_fft */
    auris_window_type window;/* default hann */
    int center;              /* 1 (default): pad n_fft/2 on both sides, frame t centred at t*hop */
    auris_pad_mode pad_mode; /* default reflect */
    float power;             /* 2 (default) power, 1 magnitude */
} auris_stft_config;

typedef struct auris_stft auris_stft;

void auris_stft_config_default(auris_stft_config *cfg);
/* AURIS_EINVAL (with a message) for n_fft outside [2, 2^20], hop_length < 0, win_length
 * outside [1, n_fft], power <= 0 or an unknown window / pad mode. FFTW plans are made and
 * destroyed under a process-wide lock, so objects may be created in several threads. */
auris_status auris_stft_new(const auris_stft_config *cfg, auris_stft **out, auris_error *err);
/* n_fft / 2 + 1 */
int auris_stft_n_bins(const auris_stft *st);
/* Number of frames a signal of n samples gives (torch.stft's count): 1 + (n + 2 pad - n_fft)
 * / hop with pad = n_fft/2 when centred, else 0; 0 for an empty signal. hop_length 0 and
 * win_length 0 are resolved as in auris_stft_new. */
size_t auris_stft_n_frames(const auris_stft_config *cfg, size_t n_samples);
/* Appends samples. Only what unread frames still need is kept, so memory is O(n_fft) plus
 * the largest write not yet read out: write blocks and read frames between writes to keep
 * it constant whatever the signal's length. The buffer grows (the only allocation after
 * auris_stft_new) only when one write brings more than it holds; AURIS_ENOMEM if that fails.
 * Writing after auris_stft_end fails with AURIS_EINVAL until auris_stft_reset. */
auris_status auris_stft_write(auris_stft *st, const float *samples, size_t n);
/* Marks the end of the signal (pads the tail when centred).
 * Short signals: reflect padding needs more than n_fft/2 samples (torch.stft raises an
 * error below that); a centred reflect-mode signal of n_fft/2 samples or fewer is padded
 * with zeros on both sides instead, i.e. gives exactly the pad_mode constant frames.
 * An empty signal gives no frames; so does a non-centred one shorter than n_fft. */
auris_status auris_stft_end(auris_stft *st);
/* Writes the next frame's n_bins values (|X|^power, any power > 0) into out and returns 1,
 * or returns 0
 * when more input (or auris_stft_end) is needed; after the end, 0 means no more frames. */
int auris_stft_read(auris_stft *st, float *out);
/* Forgets all input, ready for a new signal. */
void auris_stft_reset(auris_stft *st);
const char *auris_stft_error(const auris_stft *st);
void auris_stft_free(auris_stft *st);

/* ---- Mel filterbank ---- */

typedef enum auris_mel_scale {
    AURIS_MEL_HTK = 0,    /* 2595 log10(1 + f/700) */
    AURIS_MEL_SLANEY = 1  /* linear below 1 kHz, logarithmic above (librosa default) */
} auris_mel_scale;

typedef enum auris_mel_norm {
    AURIS_MEL_NORM_NONE = 0,
    AURIS_MEL_NORM_SLANEY = 1 /* divide each triangle by its width in Hz (equal area) */
} auris_mel_norm;

typedef struct auris_mel_config {
    int sample_rate_hz;  /* required */
    int n_fft;           /* required: the filterbank covers n_fft/2+1 bins */
    int n_mels;          /* default 128 */
    float f_min_hz;      /* default 0 */
    float f_max_hz;      /* default sample_rate/2 (0 = default) */
    auris_mel_scale scale;  /* default HTK, as torchaudio */
    auris_mel_norm norm;    /* default none, as torchaudio */
} auris_mel_config;

typedef struct auris_melbank auris_melbank;

void auris_mel_config_default(auris_mel_config *cfg);
/* AURIS_EINVAL (with a message) for sample_rate_hz <= 0, n_fft < 2, n_mels outside
 * [1, 4096], f_min < 0, f_max above sample_rate/2, f_min >= f_max. Bands with no bin inside
 * (too many mels for n_fft, as torchaudio warns) are all-zero, as in torchaudio.
 * Bin frequencies are linspace(0, sample_rate // 2, n_bins), as torchaudio. */
auris_status auris_melbank_new(const auris_mel_config *cfg, auris_melbank **out, auris_error *err);
int auris_melbank_n_mels(const auris_melbank *mb);
int auris_melbank_n_bins(const auris_melbank *mb);
/* mel[m] = sum_k W[m][k] * spec[k] for one frame, summed over each band's nonzero bins only. */
void auris_melbank_apply(const auris_melbank *mb, const float *spec, float *mel);
/* Copies the dense n_mels x n_bins weight matrix (row-major) into w. */
void auris_melbank_weights(const auris_melbank *mb, float *w);
/* Centre frequency of mel band m in Hz. */
float auris_melbank_center_hz(const auris_melbank *mb, int m);
void auris_melbank_free(auris_melbank *mb);

double auris_hz_to_mel(double hz, auris_mel_scale scale);
double auris_mel_to_hz(double mel, auris_mel_scale scale);

/* ---- Decibels (AmplitudeToDB / librosa power_to_db) ---- */

typedef struct auris_db_config {
    float multiplier;   /* 10 (default) for power, 20 for magnitude */
    float amin;         /* default 1e-10 */
    float ref;          /* default 1 */
    float top_db;       /* > 0: floor at (max - top_db) over the whole signal; 0 (default) = off */
} auris_db_config;

void auris_db_config_default(auris_db_config *cfg);
/* x[i] = multiplier * log10(max(x[i], amin)) - multiplier * log10(max(amin, ref)), in place.
 * top_db is not applied here: it needs the whole signal's maximum (see auris_db_floor). */
void auris_to_db(const auris_db_config *cfg, float *x, size_t n);
/* x[i] = max(x[i], max_db - top_db), in place. */
void auris_db_floor(float *x, size_t n, float max_db, float top_db);

/* ---- MFCC: DCT-II (orthonormal) of log-mel frames, optional liftering ---- */

typedef struct auris_dct auris_dct;

/* lifter > 0 applies librosa's sinusoidal liftering 1 + (lifter/2) sin(pi (k+1) / lifter)
 * to coefficient k (0-based). AURIS_EINVAL for n_mfcc outside [1, n_mels], n_mels outside
 * [1, 4096] or lifter < 0. */
auris_status auris_dct_new(int n_mfcc, int n_mels, float lifter, auris_dct **out, auris_error *err);
void auris_dct_apply(const auris_dct *dct, const float *logmel, float *mfcc);
void auris_dct_free(auris_dct *dct);

/* ---- Deltas (torchaudio.functional.compute_deltas, replicate padding) ---- */

/* x is frames x dims (row-major); out (not x) gets the same shape. win_length odd >= 3,
 * else AURIS_EINVAL. Computed in double. */
auris_status auris_delta(const float *x, size_t frames, size_t dims, int win_length, float *out);

/* ---- The feature pipeline: samples in, feature frames out, streamed ---- */

typedef enum auris_feature_type {
    AURIS_FEATURE_STFT = 0,   /* |X|^power, n_fft/2+1 bins */
    AURIS_FEATURE_MEL = 1,    /* mel power */
    AURIS_FEATURE_LOGMEL = 2, /* mel in dB */
    AURIS_FEATURE_MFCC = 3    /* DCT of mel dB */
} auris_feature_type;

typedef struct auris_features_config {
    auris_feature_type type;
    int sample_rate_hz;      /* required */
    auris_stft_config stft;  /* defaults: n_fft 400, win_length 0 (= n_fft), hann, centred,
                                reflect, power 2, and hop_length 0, which HERE means
                                win_length / 2 (torchaudio Spectrogram/MelSpectrogram), not
                                auris_stft's n_fft / 4 */
    auris_mel_config mel;    /* sample_rate_hz and n_fft are taken from above; defaults
                                128 mels, 0 Hz to sample_rate // 2, HTK scale, no norm */
    auris_db_config db;      /* multiplier 10, amin 1e-10, ref 1; top_db 80 for MFCC (as
                                torchaudio's MFCC), 0 otherwise. top_db is applied by the
                                caller over the whole signal (auris_features_set_db_floor) */
    int n_mfcc;              /* default 40 */
    float lifter;            /* default 0 (off) */
    int log_mels;            /* MFCC only: 1 = natural log(mel + 1e-6) instead of dB (torchaudio log_mels) */
} auris_features_config;

typedef struct auris_features auris_features;

/* Defaults: torchaudio's MelSpectrogram/MFCC defaults at the given rate. */
void auris_features_config_default(auris_features_config *cfg, auris_feature_type type,
                                   int sample_rate_hz);
/* "stft" | "mel" | "logmel" | "mfcc" → type; -1 if unknown. */
int auris_feature_type_from_name(const char *name);
/* AURIS_EINVAL (with a message) for any invalid part (see auris_stft_new, auris_melbank_new,
 * auris_dct_new), sample_rate_hz <= 0, amin, ref or multiplier <= 0, top_db < 0.
 * MFCC with log_mels computes log(mel + 1e-6) and ignores db. */
auris_status auris_features_new(const auris_features_config *cfg, auris_features **out,
                                auris_error *err);
/* Values per frame. */
int auris_features_dim(const auris_features *f);
/* Frames a signal of n samples gives with this pipeline's resolved STFT settings (added
 * because hop_length 0 means win_length / 2 here, which auris_stft_n_frames on cfg->stft
 * would count as n_fft / 4). */
size_t auris_features_n_frames(const auris_features *f, size_t n_samples);
auris_status auris_features_write(auris_features *f, const float *samples, size_t n);
auris_status auris_features_end(auris_features *f);
/* For LOGMEL and MFCC: floor mel dB values at max_db - top_db before output (and before the
 * DCT), as AmplitudeToDB(top_db) does over a whole signal. A caller that streams learns
 * max_db in a first pass (the maximum of LOGMEL frames). */
void auris_features_set_db_floor(auris_features *f, float max_db, float top_db);
/* top_db <= 0 turns the floor off. The floor survives auris_features_reset. */
/* 1 = a frame of auris_features_dim values written to out, 0 = none ready. */
int auris_features_read(auris_features *f, float *out);
void auris_features_reset(auris_features *f);
void auris_features_free(auris_features *f);

#ifdef __cplusplus
}
#endif
#endif
