/* WAV writing through libsndfile; the header's sizes are fixed when the file is closed. */
#include <stdlib.h>
#include <string.h>
#include <sndfile.h>

#include "auris/audio.h"
#include "core/error.h"

struct auris_wav_writer {
    SNDFILE *sf;
    int channels;
    char path[256];
};

auris_status auris_wav_writer_open(const char *path, int sample_rate_hz, int channels,
                                   auris_wav_sample_format fmt, auris_wav_writer **out,
                                   auris_error *err)
{
    if (!out || !path)
        return auris_fail(err, AURIS_EINVAL, "wav writer: no path or output pointer");
    *out = NULL;
    if (sample_rate_hz < 1 || sample_rate_hz > AURIS_MAX_SAMPLE_RATE_HZ || channels < 1 ||
        channels > AURIS_MAX_CHANNELS)
        return auris_fail(err, AURIS_EINVAL, "%s: invalid rate %d Hz or channel count %d", path,
                          sample_rate_hz, channels);
    auris_wav_writer *w = calloc(1, sizeof *w);
    if (!w)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", path);
    SF_INFO si = {0};
    si.samplerate = sample_rate_hz;
    si.channels = channels;
    si.format = SF_FORMAT_WAV | (fmt == AURIS_WAV_FLOAT32 ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_16);
    w->sf = sf_open(path, SFM_WRITE, &si);
    if (!w->sf) {
        free(w);
        return auris_fail(err, AURIS_EIO, "%s: cannot create: %s", path, sf_strerror(NULL));
    }
    /* Clip instead of wrapping when float samples beyond [-1, 1] become PCM. */
    sf_command(w->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    w->channels = channels;
    snprintf(w->path, sizeof w->path, "%s", path);
    *out = w;
    return AURIS_OK;
}

auris_status auris_wav_writer_write(auris_wav_writer *w, const float *frames, size_t n_frames)
{
    if (!w || (!frames && n_frames))
        return AURIS_EINVAL;
    sf_count_t n = sf_writef_float(w->sf, frames, (sf_count_t)n_frames);
    return n == (sf_count_t)n_frames ? AURIS_OK : AURIS_EIO;
}

auris_status auris_wav_writer_close(auris_wav_writer *w, auris_error *err)
{
    if (!w)
        return AURIS_OK;
    auris_status st = AURIS_OK;
    if (sf_error(w->sf) != SF_ERR_NO_ERROR)
        st = auris_fail(err, AURIS_EIO, "%s: write failed: %s", w->path, sf_strerror(w->sf));
    if (sf_close(w->sf) != 0 && st == AURIS_OK)
        st = auris_fail(err, AURIS_EIO, "%s: write failed", w->path);
    free(w);
    return st;
}
