#include "audio/pcm.h"

#include <stdint.h>
#include <string.h>

int pcm_bytes(pcm_encoding enc)
{
    static const int bytes[] = {1, 2, 3, 4, 4, 8};
    return bytes[enc];
}

void pcm_to_float(pcm_encoding enc, const unsigned char *in, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++) {
        switch (enc) {
        case PCM_U8:
            out[i] = ((int)in[i] - 128) / 128.0f;
            break;
        case PCM_S16: {
            const unsigned char *p = in + 2 * i;
            out[i] = (int16_t)(uint16_t)(p[0] | (p[1] << 8)) / 32768.0f;
            break;
        }
        case PCM_S24: {
            const unsigned char *p = in + 3 * i;
            int32_t v = (int32_t)((uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 24);
            out[i] = (float)(v / 2147483648.0);
            break;
        }
        case PCM_S32: {
            const unsigned char *p = in + 4 * i;
            int32_t v = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                  (uint32_t)p[3] << 24);
            out[i] = (float)(v / 2147483648.0);
            break;
        }
        case PCM_F32: {
            float f;
            memcpy(&f, in + 4 * i, 4);
            out[i] = f;
            break;
        }
        case PCM_F64: {
            double d;
            memcpy(&d, in + 8 * i, 8);
            out[i] = (float)d;
            break;
        }
        }
    }
}
