/* Bounds-checked RIFF/WAVE header walk, shared by the WAV stream decoder and the
 * truncation check on WAV files. */
#ifndef AURIS_AUDIO_WAV_HEADER_H
#define AURIS_AUDIO_WAV_HEADER_H

#include <stddef.h>
#include <stdint.h>

typedef enum wav_sample_kind { WAV_PCM_INT, WAV_PCM_FLOAT } wav_sample_kind;

typedef struct wav_header {
    wav_sample_kind kind;
    int channels;
    int sample_rate_hz;
    int bits;              /* 8, 16, 24, 32 (int) or 32, 64 (float) */
    int block_align;
    uint64_t data_offset;  /* byte offset of the first sample */
    uint64_t data_size;    /* declared size; UINT64_MAX when the writer left it open */
    int extensible;
} wav_header;

typedef enum wav_parse_result {
    WAV_PARSE_OK = 0,
    WAV_PARSE_NEED_MORE = 1,    /* the header continues beyond len bytes */
    WAV_PARSE_NOT_WAV = -1,
    WAV_PARSE_CORRUPT = -2,
    WAV_PARSE_UNSUPPORTED = -3  /* a valid WAV whose codec the stream decoder does not read */
} wav_parse_result;

/* Parses the header in buf[0..len). On error, why (when not NULL) points to a reason. */
wav_parse_result wav_header_parse(const unsigned char *buf, size_t len, wav_header *h,
                                  const char **why);

#endif
