/* Whole-file decoding for short clips, on top of the streaming source. */
#include <stdlib.h>
#include <string.h>

#include "auris/audio.h"
#include "core/error.h"

#define LOAD_CHUNK 16384

auris_status auris_audio_load(const char *path, const auris_source_config *cfg,
                              double max_seconds, float **samples, size_t *frames,
                              int *sample_rate_hz, int *channels, auris_error *err)
{
    if (!samples || !frames)
        return auris_fail(err, AURIS_EINVAL, "%s: no output pointers", path ? path : "(null)");
    *samples = NULL;
    *frames = 0;
    auris_source *src = NULL;
    auris_status st = auris_source_open(path, cfg, &src, err);
    if (st != AURIS_OK)
        return st;
    size_t ch = (size_t)auris_source_channels(src), rate = (size_t)auris_source_sample_rate(src);
    size_t cap = 0, len = 0;
    size_t limit = max_seconds > 0 ? (size_t)(max_seconds * (double)rate) : (size_t)-1;
    float *buf = NULL;
    for (;;) {
        if (cap - len < LOAD_CHUNK) {
            size_t ncap = cap ? cap * 2 : LOAD_CHUNK * 4;
            float *nb = realloc(buf, sizeof(float) * ncap * ch);
            if (!nb) {
                st = auris_fail(err, AURIS_ENOMEM, "%s: out of memory", path);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = 0;
        st = auris_source_read(src, buf + len * ch, LOAD_CHUNK, &got);
        if (st != AURIS_OK) {
            auris_fail(err, st, "%s", auris_source_error(src));
            break;
        }
        if (got == 0)
            break;
        len += got;
        if (len > limit) {
            st = auris_fail(err, AURIS_ERANGE, "%s: longer than %.1f s", path, max_seconds);
            break;
        }
    }
    if (st == AURIS_OK && len == 0)
        st = auris_fail(err, AURIS_EEMPTY, "%s: no audio samples", path);
    if (st == AURIS_OK) {
        *samples = buf;
        *frames = len;
        if (sample_rate_hz)
            *sample_rate_hz = (int)rate;
        if (channels)
            *channels = (int)ch;
    } else {
        free(buf);
    }
    auris_source_free(src);
    return st;
}
