/* Internal decoder interface: each backend (libsndfile, the WAV stream parser, raw PCM)
 * produces interleaved float frames at the input's own rate and channel count. */
#ifndef AURIS_AUDIO_DECODER_H
#define AURIS_AUDIO_DECODER_H

#include <stddef.h>
#include <stdio.h>
#include "auris/audio.h"

typedef struct auris_decoder auris_decoder;

typedef struct auris_decoder_ops {
    /* Reads up to n frames; *got == 0 at the end. */
    auris_status (*read)(auris_decoder *d, float *buf, size_t n, size_t *got, auris_error *err);
    void (*close)(auris_decoder *d);
} auris_decoder_ops;

struct auris_decoder {
    const auris_decoder_ops *ops;
    auris_audio_info info;
    char name[256];   /* the path as the user gave it, for messages */
};

/* libsndfile: a path, or an already open FILE (takes ownership; used for spooled stdin). */
auris_status auris_decoder_sndfile_open(const char *path, auris_decoder **out, auris_error *err);
auris_status auris_decoder_sndfile_open_file(FILE *f, const char *name, auris_decoder **out,
                                             auris_error *err);
/* libsndfile over bytes in memory (not copied). */
auris_status auris_decoder_sndfile_open_memory(const void *data, size_t size, const char *name,
                                               auris_decoder **out, auris_error *err);
/* RIFF/WAVE read sequentially from a stream that cannot seek (stdin). prefix holds bytes
 * already read from f (at most 12). Takes no ownership of f. */
auris_status auris_decoder_wavstream_open(FILE *f, const unsigned char *prefix, size_t prefix_len,
                                          const char *name, auris_decoder **out, auris_error *err);
/* Headerless s16le PCM. With own set, the decoder closes f (also on failure). */
auris_status auris_decoder_raw_open(FILE *f, int own, const unsigned char *prefix,
                                    size_t prefix_len, int sample_rate_hz, int channels,
                                    const char *name, auris_decoder **out, auris_error *err);

/* Checks rate and channel count against the library's limits. */
auris_status auris_decoder_check_info(const auris_audio_info *info, const char *name,
                                      auris_error *err);

#endif
