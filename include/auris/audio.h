/* Audio input: decoding, downmixing, resampling and constant-memory streaming.
 *
 * auris_source reads any file libsndfile decodes (WAV PCM 8/16/24/32, float, extensible;
 * FLAC; Ogg Vorbis; Opus; MP3), a WAV stream or raw s16le from stdin ("-"), and returns
 * float samples in [-1, 1] at the requested rate, mono or with the input's channels
 * (interleaved). Memory is constant whatever the input length.
 *
 * Thread-safety: a source is used by one thread at a time; distinct sources are independent. */
#ifndef AURIS_AUDIO_H
#define AURIS_AUDIO_H

#include <stddef.h>
#include "auris/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits on header values; inputs beyond them are refused with AURIS_ERANGE. */
#define AURIS_MAX_CHANNELS 256
#define AURIS_MAX_SAMPLE_RATE_HZ 768000
#define AURIS_MIN_SAMPLE_RATE_HZ 1000

typedef struct auris_audio_info {
    char format[16];      /* container: "WAV", "FLAC", "OGG", "MP3", "RAW", ... */
    char codec[24];       /* "PCM_16", "FLOAT", "VORBIS", "OPUS", "MPEG_LAYER_III", ... */
    int sample_rate_hz;   /* the input's own rate */
    int channels;         /* the input's own channel count */
    long long frames;     /* the input's frame count; -1 when unknown (streams) */
    double duration_s;    /* frames / sample_rate_hz; -1 when unknown */
} auris_audio_info;

typedef struct auris_source_config {
    int sample_rate_hz;     /* output rate; 0 keeps the input's rate */
    int mono;               /* 1 (default): average all channels; 0: keep them, interleaved */
    int raw;                /* 1: the input is headerless PCM s16le (stdin pipelines) */
    int raw_sample_rate_hz; /* rate of raw input (default 16000) */
    int raw_channels;       /* channels of raw input (default 1) */
    int check_finite;       /* 1 (default): a NaN/Inf sample fails with AURIS_EDATA */
} auris_source_config;

typedef struct auris_source auris_source;

void auris_source_config_default(auris_source_config *cfg);

/* Opens path ("-" = stdin). On failure *out is NULL and err names the file and why. */
auris_status auris_source_open(const char *path, const auris_source_config *cfg,
                               auris_source **out, auris_error *err);

/* Opens an encoded file held in memory (not copied: data must outlive the source).
 * name is used in messages. */
auris_status auris_source_open_memory(const void *data, size_t size, const char *name,
                                      const auris_source_config *cfg, auris_source **out,
                                      auris_error *err);

/* The input's own properties. */
const auris_audio_info *auris_source_info(const auris_source *src);
/* Rate and channel count of what auris_source_read returns. */
int auris_source_sample_rate(const auris_source *src);
int auris_source_channels(const auris_source *src);

/* Reads up to max_frames output frames into buf (max_frames * channels floats). It fills
 * buf completely unless the input ends; *frames_read == 0 means the end was reached. */
auris_status auris_source_read(auris_source *src, float *buf, size_t max_frames,
                               size_t *frames_read);

/* The message of the last failure on src ("" when none). */
const char *auris_source_error(const auris_source *src);

void auris_source_free(auris_source *src);

/* Decodes a whole (short) file into a malloc'ed buffer: *samples holds *frames frames of
 * *channels interleaved floats at *sample_rate_hz. The caller frees *samples. Refuses
 * inputs longer than max_seconds (0 = no limit) with AURIS_ERANGE, so a caller can bound
 * memory. */
auris_status auris_audio_load(const char *path, const auris_source_config *cfg,
                              double max_seconds, float **samples, size_t *frames,
                              int *sample_rate_hz, int *channels, auris_error *err);

/* ---- Resampling (libsoxr, high quality), usable on its own ---- */

typedef struct auris_resampler auris_resampler;

auris_status auris_resampler_new(double in_rate_hz, double out_rate_hz, int channels,
                                 auris_resampler **out, auris_error *err);
/* Consumes input frames and produces output frames. in == NULL flushes the tail at the end
 * of input. *in_used and *out_done are in frames. */
auris_status auris_resampler_process(auris_resampler *r, const float *in, size_t in_frames,
                                     size_t *in_used, float *out, size_t out_frames,
                                     size_t *out_done);
void auris_resampler_free(auris_resampler *r);

/* ---- WAV writing (float or 16-bit PCM), streamed: header fixed up on close ---- */

typedef struct auris_wav_writer auris_wav_writer;

typedef enum auris_wav_sample_format {
    AURIS_WAV_PCM16 = 0,
    AURIS_WAV_FLOAT32 = 1
} auris_wav_sample_format;

auris_status auris_wav_writer_open(const char *path, int sample_rate_hz, int channels,
                                   auris_wav_sample_format fmt, auris_wav_writer **out,
                                   auris_error *err);
auris_status auris_wav_writer_write(auris_wav_writer *w, const float *frames, size_t n_frames);
/* Finalises the header and closes; frees w whatever the result. */
auris_status auris_wav_writer_close(auris_wav_writer *w, auris_error *err);

#ifdef __cplusplus
}
#endif
#endif
