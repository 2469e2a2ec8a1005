/* Conversion of little-endian PCM bytes to float samples in [-1, 1]. */
#ifndef AURIS_AUDIO_PCM_H
#define AURIS_AUDIO_PCM_H

#include <stddef.h>

typedef enum pcm_encoding {
    PCM_U8, PCM_S16, PCM_S24, PCM_S32, PCM_F32, PCM_F64
} pcm_encoding;

/* Bytes per sample of an encoding. */
int pcm_bytes(pcm_encoding enc);
/* Converts n samples. */
void pcm_to_float(pcm_encoding enc, const unsigned char *in, size_t n, float *out);

#endif
