/* Data augmentation: random gain, background noise at a random SNR, room reverberation,
 * random low-pass filtering, speed perturbation and SpecAugment masks. Every draw comes from the caller's generator,
 * so a clip's augmentation depends only on the seed, the epoch and the clip. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "train/train_internal.h"

#define MAX_BANK_FILES 512
#define MAX_NOISE_S 60.0
#define MAX_RIR_S 0.5   /* taps kept: late reverberation below this adds cost, not realism */

typedef struct wave {
    float *x;
    size_t n;
} wave;

typedef struct bank {
    wave *w;
    size_t n;
    double max_s;
    int rate;
} bank;

struct train_augment {
    auris_train_config cfg;
    int rate;
    bank noise, rir;
};

static auris_status bank_add(const char *path, void *user, auris_error *err)
{
    bank *b = user;
    if (b->n >= MAX_BANK_FILES)
        return AURIS_OK;
    wave w;
    auris_error e = {0};
    if (train_load_audio(path, b->rate, 3600, &w.x, &w.n, &e)) {
        auris_log(AURIS_LOG_WARN, "augmentation: skipped %s", e.message);
        return AURIS_OK;
    }
    size_t keep = (size_t)(b->max_s * b->rate);
    if (w.n > keep)
        w.n = keep;
    wave *nw = realloc(b->w, (b->n + 1) * sizeof *nw);
    if (!nw) {
        free(w.x);
        return auris_fail(err, AURIS_ENOMEM, "augmentation: out of memory");
    }
    b->w = nw;
    b->w[b->n++] = w;
    return AURIS_OK;
}

static auris_status bank_load(bank *b, const char *dir, double max_s, int rate, auris_error *err)
{
    b->max_s = max_s;
    b->rate = rate;
    if (!dir)
        return AURIS_OK;
    auris_status st = train_walk(dir, 0, bank_add, b, err);
    if (!st && !b->n)
        st = auris_fail(err, AURIS_EEMPTY, "%s: no readable audio", dir);
    return st;
}

static void bank_free(bank *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->w[i].x);
    free(b->w);
}

auris_status train_augment_new(const auris_train_config *cfg, int rate_hz, train_augment **out,
                               auris_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return auris_fail(err, AURIS_ENOMEM, "augmentation: out of memory");
    (*out)->cfg = *cfg;
    (*out)->rate = rate_hz;
    auris_status st = bank_load(&(*out)->noise, cfg->noise_dir, MAX_NOISE_S, rate_hz, err);
    if (!st)
        st = bank_load(&(*out)->rir, cfg->rir_dir, MAX_RIR_S, rate_hz, err);
    if (st) {
        train_augment_free(*out);
        *out = NULL;
    }
    return st;
}

void train_augment_free(train_augment *a)
{
    if (!a)
        return;
    bank_free(&a->noise);
    bank_free(&a->rir);
    free(a);
}

static double power(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return n ? s / (double)n : 0;
}

static void add_noise(const bank *b, const auris_train_config *c, uint64_t *rng, float *x,
                      size_t n)
{
    const wave *w = &b->w[(size_t)(train_rng_uniform(rng) * (double)b->n) % b->n];
    double snr = c->snr_min_db + train_rng_uniform(rng) * (c->snr_max_db - c->snr_min_db);
    size_t start = w->n > n ? (size_t)(train_rng_uniform(rng) * (double)(w->n - n)) : 0;
    double ps = power(x, n), pn = 0;
    for (size_t i = 0; i < n; i++) {
        float v = w->x[(start + i) % w->n];
        pn += (double)v * v;
    }
    pn /= (double)n;
    if (ps <= 0 || pn <= 0)
        return;
    float g = (float)sqrt(ps / (pn * pow(10.0, snr / 10.0)));
    for (size_t i = 0; i < n; i++)
        x[i] += g * w->x[(start + i) % w->n];
}

/* Convolves with a random impulse response (direct form; responses are truncated to
 * MAX_RIR_S) and restores the clip's level. */
static void reverberate(const bank *b, uint64_t *rng, float *x, size_t n, float *tmp)
{
    const wave *w = &b->w[(size_t)(train_rng_uniform(rng) * (double)b->n) % b->n];
    size_t peak = 0;
    for (size_t k = 1; k < w->n; k++)
        if (fabsf(w->x[k]) > fabsf(w->x[peak]))
            peak = k;
    const float *h = w->x + peak;   /* align the direct path so the clip does not move */
    size_t taps = w->n - peak;
    double before = power(x, n);
    for (size_t i = 0; i < n; i++) {
        size_t kmax = i + 1 < taps ? i + 1 : taps;
        float s = 0;
        for (size_t k = 0; k < kmax; k++)
            s += h[k] * x[i - k];
        tmp[i] = s;
    }
    double after = power(tmp, n);
    float g = after > 0 ? (float)sqrt(before / after) : 1.0f;
    for (size_t i = 0; i < n; i++)
        x[i] = g * tmp[i];
}

/* A band-limited channel (a phone, a cheap microphone, a codec) that loses the fricatives'
 * high band: two cascaded second-order Butterworth low-pass sections (24 dB per octave),
 * the cut-off drawn log-uniformly between 1 kHz and 0.9 of Nyquist. */
static void lowpass(int rate, uint64_t *rng, float *x, size_t n)
{
    double hi = 0.45 * rate, lo = 1000.0 < 0.5 * hi ? 1000.0 : 0.5 * hi;
    double fc = lo * pow(hi / lo, train_rng_uniform(rng));
    double w0 = 2 * 3.14159265358979323846 * fc / rate, cw = cos(w0);
    double alpha = sin(w0) / (2 * 0.70710678118654752);
    double a0 = 1 + alpha, b0 = (1 - cw) / 2 / a0, b1 = (1 - cw) / a0, b2 = b0;
    double a1 = -2 * cw / a0, a2 = (1 - alpha) / a0;
    for (int pass = 0; pass < 2; pass++) {
        double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
        for (size_t i = 0; i < n; i++) {
            double y = b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
            x2 = x1;
            x1 = x[i];
            y2 = y1;
            y1 = y;
            x[i] = (float)y;
        }
    }
}

void train_augment_wave(const train_augment *a, uint64_t *rng, float *x, size_t n, float *tmp)
{
    const auris_train_config *c = &a->cfg;
    if (a->rir.n && train_rng_uniform(rng) < c->rir_prob)
        reverberate(&a->rir, rng, x, n, tmp);
    if (a->noise.n && train_rng_uniform(rng) < c->noise_prob)
        add_noise(&a->noise, c, rng, x, n);
    if (c->gain_db > 0) {
        float g = powf(10.0f, (float)((2 * train_rng_uniform(rng) - 1) * c->gain_db) / 20.0f);
        for (size_t i = 0; i < n; i++)
            x[i] *= g;
    }
    if (c->lowpass_prob > 0 && train_rng_uniform(rng) < c->lowpass_prob)
        lowpass(a->rate, rng, x, n);
}

size_t train_speed(const float *x, size_t n, double factor, float *out, size_t cap)
{
    size_t m = (size_t)llround((double)n / factor);
    if (m > cap)
        m = cap;
    for (size_t i = 0; i < m; i++) {
        double pos = (double)i * factor;
        size_t k = (size_t)pos;
        double f = pos - (double)k;
        float a = k < n ? x[k] : 0, b = k + 1 < n ? x[k + 1] : 0;
        out[i] = (float)((1 - f) * a + f * b);
    }
    return m;
}

size_t train_trim(const float *x, size_t n, int rate_hz, double below_db, size_t *start)
{
    size_t hop = (size_t)(rate_hz / 100), frames = hop ? n / hop : 0;
    *start = 0;
    if (frames < 2)
        return n;
    double peak = 0;
    for (size_t f = 0; f < frames; f++) {
        double e = power(x + f * hop, hop);
        peak = e > peak ? e : peak;
    }
    if (!(peak > 0))
        return n;
    /* only the edges are scanned again, up to the first frame loud enough */
    double keep = peak * pow(10.0, -below_db / 10.0);
    size_t first = 0, last = frames - 1;
    while (power(x + first * hop, hop) < keep)
        first++;
    while (power(x + last * hop, hop) < keep)
        last--;
    *start = first * hop;
    size_t end = last + 1 == frames ? n : (last + 1) * hop;
    return end - *start;
}

void train_stretch_time(float *img, int rows, int cols, double factor, float *tmp)
{
    size_t n = (size_t)rows * cols;
    float lo = img[0];
    for (size_t i = 1; i < n; i++)
        lo = img[i] < lo ? img[i] : lo;
    double centre = 0.5 * (cols - 1);
    for (int t = 0; t < cols; t++) {
        double pos = centre + (t - centre) / factor;
        long k = (long)floor(pos);
        float f = (float)(pos - (double)k);
        for (int r = 0; r < rows; r++) {
            const float *row = img + (size_t)r * cols;
            float a = k >= 0 && k < cols ? row[k] : lo;
            float b = k + 1 >= 0 && k + 1 < cols ? row[k + 1] : lo;
            tmp[(size_t)r * cols + t] = (1 - f) * a + f * b;
        }
    }
    memcpy(img, tmp, n * sizeof *img);
}

void train_spec_augment(const auris_train_config *cfg, uint64_t *rng, float *img, int rows,
                        int cols)
{
    for (int k = 0; k < cfg->freq_masks; k++) {
        int w = (int)(train_rng_uniform(rng) * (cfg->freq_mask_frac * rows + 1));
        int f0 = (int)(train_rng_uniform(rng) * (rows - w + 1));
        for (int r = f0; r < f0 + w && r < rows; r++)
            memset(img + (size_t)r * cols, 0, (size_t)cols * sizeof *img);
    }
    for (int k = 0; k < cfg->time_masks; k++) {
        int w = (int)(train_rng_uniform(rng) * (cfg->time_mask_frac * cols + 1));
        int t0 = (int)(train_rng_uniform(rng) * (cols - w + 1));
        for (int r = 0; r < rows; r++)
            for (int t = t0; t < t0 + w && t < cols; t++)
                img[(size_t)r * cols + t] = 0;
    }
}
