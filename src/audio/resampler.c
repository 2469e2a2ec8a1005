/* Sample-rate conversion with libsoxr at its high-quality setting (float32 interleaved). */
#include <stdlib.h>
#include <soxr.h>

#include "auris/audio.h"
#include "core/error.h"

struct auris_resampler {
    soxr_t soxr;
};

auris_status auris_resampler_new(double in_rate_hz, double out_rate_hz, int channels,
                                 auris_resampler **out, auris_error *err)
{
    if (!out)
        return auris_fail(err, AURIS_EINVAL, "resampler: no output pointer");
    *out = NULL;
    if (!(in_rate_hz > 0) || !(out_rate_hz > 0) || channels < 1 || channels > AURIS_MAX_CHANNELS)
        return auris_fail(err, AURIS_EINVAL, "resampler: invalid rates %g -> %g Hz or channels %d",
                          in_rate_hz, out_rate_hz, channels);
    auris_resampler *r = calloc(1, sizeof *r);
    if (!r)
        return auris_fail(err, AURIS_ENOMEM, "resampler: out of memory");
    soxr_error_t e = NULL;
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    r->soxr = soxr_create(in_rate_hz, out_rate_hz, (unsigned)channels, &e, &io, &q, &rt);
    if (!r->soxr || e) {
        free(r);
        return auris_fail(err, AURIS_EINTERNAL, "resampler: soxr: %s", e ? e : "failed");
    }
    *out = r;
    return AURIS_OK;
}

auris_status auris_resampler_process(auris_resampler *r, const float *in, size_t in_frames,
                                     size_t *in_used, float *out, size_t out_frames,
                                     size_t *out_done)
{
    size_t idone = 0, odone = 0;
    soxr_error_t e = soxr_process(r->soxr, in, in ? in_frames : 0, &idone, out, out_frames, &odone);
    if (in_used)
        *in_used = idone;
    if (out_done)
        *out_done = odone;
    return e ? AURIS_EINTERNAL : AURIS_OK;
}

void auris_resampler_free(auris_resampler *r)
{
    if (!r)
        return;
    soxr_delete(r->soxr);
    free(r);
}
