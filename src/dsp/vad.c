#include "auris/vad.h"

#include <math.h>
#include <stdlib.h>

#include "core/error.h"

/* Voiced frames lift the noise floor by at most this much: speech sits 20-40 dB above the
 * floor and pauses every few hundred ms pull it down again, so a phrase does not raise it
 * to speech level, while noise that starts loud is learned within about a second. */
#define VAD_FLOOR_RISE_DB_PER_S 10.0f
#define VAD_SILENCE_DB -120.0f
#define VAD_PI 3.14159265358979323846
#define VAD_SQRT1_2 0.70710678118654752440

typedef struct biquad {
    float b0, b1, b2, a1, a2;
    float x1, x2, y1, y2;
} biquad;

struct auris_vad {
    auris_vad_config cfg;
    size_t frame_len;
    int start_frames, hangover_frames;
    biquad highpass, lowpass;
    int use_lowpass;
    float floor_db, floor_rise_db;
    float energy_db;
    int voiced;
    int in_speech;
    int run;  /* consecutive frames disagreeing with the state */
};

void auris_vad_config_default(auris_vad_config *cfg)
{
    cfg->sample_rate_hz = 16000;
    cfg->frame_s = 0.010f;
    cfg->threshold_db = 10.0f;
    cfg->min_energy_dbfs = -55.0f;
    cfg->start_s = 0.05f;
    cfg->hangover_s = 0.25f;
}

/* RBJ audio-EQ-cookbook second-order sections, Q = 1/sqrt(2). */
static void biquad_init(biquad *f, double fc, double fs, int highpass)
{
    double w = 2.0 * VAD_PI * fc / fs, c = cos(w), alpha = sin(w) / (2.0 * VAD_SQRT1_2);
    double a0 = 1.0 + alpha;
    double b0 = highpass ? (1.0 + c) / 2.0 : (1.0 - c) / 2.0;
    double b1 = highpass ? -(1.0 + c) : 1.0 - c;
    *f = (biquad){(float)(b0 / a0), (float)(b1 / a0), (float)(b0 / a0),
                  (float)(-2.0 * c / a0), (float)((1.0 - alpha) / a0), 0, 0, 0, 0};
}

static float biquad_step(biquad *f, float x)
{
    float y = f->b0 * x + f->b1 * f->x1 + f->b2 * f->x2 - f->a1 * f->y1 - f->a2 * f->y2;
    f->x2 = f->x1;
    f->x1 = x;
    f->y2 = f->y1;
    f->y1 = y;
    return y;
}

static void biquad_clear(biquad *f)
{
    f->x1 = f->x2 = f->y1 = f->y2 = 0;
}

auris_status auris_vad_new(const auris_vad_config *cfg, auris_vad **out, auris_error *err)
{
    *out = NULL;
    if (!cfg || cfg->sample_rate_hz < 4000 || cfg->sample_rate_hz > 768000 ||
        !(cfg->frame_s >= 0.002f && cfg->frame_s <= 0.1f) || !(cfg->start_s >= 0) ||
        !(cfg->hangover_s >= 0) || !(cfg->threshold_db >= 0) ||
        !isfinite(cfg->min_energy_dbfs))
        return auris_fail(err, AURIS_EINVAL, "vad: invalid configuration");
    auris_vad *v = calloc(1, sizeof *v);
    if (!v)
        return auris_fail(err, AURIS_ENOMEM, "vad: out of memory");
    v->cfg = *cfg;
    v->frame_len = (size_t)lround(cfg->sample_rate_hz * (double)cfg->frame_s);
    v->start_frames = (int)lround(cfg->start_s / cfg->frame_s);
    v->hangover_frames = (int)lround(cfg->hangover_s / cfg->frame_s);
    v->floor_rise_db = VAD_FLOOR_RISE_DB_PER_S * cfg->frame_s;
    biquad_init(&v->highpass, 100.0, cfg->sample_rate_hz, 1);
    v->use_lowpass = cfg->sample_rate_hz > 9000;
    if (v->use_lowpass)
        biquad_init(&v->lowpass, 4000.0, cfg->sample_rate_hz, 0);
    auris_vad_reset(v);
    *out = v;
    return AURIS_OK;
}

size_t auris_vad_frame_length(const auris_vad *vad)
{
    return vad->frame_len;
}

static float band_energy_db(auris_vad *v, const float *frame)
{
    double sum = 0;
    for (size_t i = 0; i < v->frame_len; i++) {
        float y = biquad_step(&v->highpass, frame[i]);
        if (v->use_lowpass)
            y = biquad_step(&v->lowpass, y);
        sum += (double)y * y;
    }
    double ms = sum / (double)v->frame_len;
    return ms > 1e-12 ? (float)(10.0 * log10(ms)) : VAD_SILENCE_DB;
}

/* Frames below the floor pull it down at once; unvoiced frames above it (the noise itself)
 * draw it up over about half a second, voiced frames by at most VAD_FLOOR_RISE_DB_PER_S.
 * A faster pull would let the quiet parts of modulated speech lift the floor to speech
 * level. */
static void track_floor(auris_vad *v, float e)
{
    if (e < v->floor_db)
        v->floor_db = 0.5f * (v->floor_db + e);
    else if (!v->voiced)
        v->floor_db += 0.02f * (e - v->floor_db);
    else
        v->floor_db = fminf(e, v->floor_db + v->floor_rise_db);
}

int auris_vad_process(auris_vad *vad, const float *frame)
{
    float e = band_energy_db(vad, frame);
    vad->energy_db = e;
    vad->voiced = e >= vad->cfg.min_energy_dbfs && e >= vad->floor_db + vad->cfg.threshold_db;
    track_floor(vad, e);
    if (vad->voiced != vad->in_speech) {
        vad->run++;
        int needed = vad->in_speech ? vad->hangover_frames : vad->start_frames;
        if (vad->run >= needed) {
            vad->in_speech = vad->voiced;
            vad->run = 0;
        }
    } else {
        vad->run = 0;
    }
    return vad->in_speech;
}

int auris_vad_voiced(const auris_vad *vad)
{
    return vad->voiced;
}

float auris_vad_energy_db(const auris_vad *vad)
{
    return vad->energy_db;
}

int auris_vad_start_frames(const auris_vad *vad)
{
    return vad->start_frames;
}

int auris_vad_hangover_frames(const auris_vad *vad)
{
    return vad->hangover_frames;
}

void auris_vad_reset(auris_vad *vad)
{
    biquad_clear(&vad->highpass);
    biquad_clear(&vad->lowpass);
    /* Start with the floor threshold_db below the absolute minimum, so that quiet speech at
     * the very start of a recording is caught before any pause has shown the real floor. */
    vad->floor_db = vad->cfg.min_energy_dbfs - vad->cfg.threshold_db;
    vad->energy_db = VAD_SILENCE_DB;
    vad->voiced = 0;
    vad->in_speech = 0;
    vad->run = 0;
}

void auris_vad_free(auris_vad *vad)
{
    free(vad);
}
