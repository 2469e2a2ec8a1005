/* Streaming short-time Fourier transform with torch.stft's framing.
 *
 * The object works on the *padded* signal p (n_fft/2 samples of padding on both sides when
 * centred) and keeps only the part of it that unread frames still need, plus the last
 * n_fft/2 + 1 input samples that the reflected right edge will copy. Input is appended to a
 * linear buffer that is compacted in place; it only grows when one write brings more
 * samples than the buffer holds, so memory is O(n_fft + largest write between reads) and
 * independent of the signal's length. Reading a frame never allocates.
 *
 * Even n_fft: the frame's even and odd samples are the real and imaginary parts of an
 * n_fft/2-point complex FFT (FFTW), and the real spectrum is split out of it here, in loops
 * the compiler vectorises. With FFTW_ESTIMATE plans, FFTW's own r2c for n_fft 1024 spent
 * two thirds of its time in its real-input step; this way the whole STFT stage of the
 * log-mel benchmark takes ~40% less time. Odd n_fft uses FFTW's r2c. FFTW_MEASURE would
 * find faster plans but costs ~150 ms per object and picks timing-dependent plans, so
 * results would vary in the last bits from run to run. */
#include "auris/dsp.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dsp/dsp_math.h"

#define STFT_MAX_N_FFT (1 << 20)

/* FFTW's planner is not thread safe; this lock lets objects be created and freed from
 * several threads at once. Executing plans needs no lock. */
static pthread_mutex_t fftw_planner_lock = PTHREAD_MUTEX_INITIALIZER;

struct auris_stft {
    auris_stft_config cfg;  /* defaults resolved */
    int n_bins;
    size_t pad;             /* samples of padding on each side */
    int win_off;            /* first nonzero sample of the centred window */
    float *window;          /* win_length values */
    float *fft_in;
    fftwf_complex *fft_out;
    fftwf_plan plan;
    int half;               /* even n_fft: n_fft / 2, the size of the complex FFT used */
    float *split;           /* even n_fft: 6 half-size arrays for the real-input split */

    float *buf;             /* padded samples [base, base + len) */
    size_t cap;
    size_t len;
    uint64_t base;
    uint64_t n_in;          /* input samples written */
    uint64_t next_frame;
    uint64_t total_frames;  /* known once ended */
    int left_ready;         /* the left padding is in buf */
    int ended;
    char error[AURIS_ERROR_MAX];
};

static void resolve_config(const auris_stft_config *in, auris_stft_config *out)
{
    *out = *in;
    if (out->hop_length == 0)
        out->hop_length = out->n_fft / 4 > 0 ? out->n_fft / 4 : 1;
    if (out->win_length == 0)
        out->win_length = out->n_fft;
}

void auris_stft_config_default(auris_stft_config *cfg)
{
    cfg->n_fft = 400;
    cfg->hop_length = 0;
    cfg->win_length = 0;
    cfg->window = AURIS_WINDOW_HANN;
    cfg->center = 1;
    cfg->pad_mode = AURIS_PAD_REFLECT;
    cfg->power = 2.0f;
}

static auris_status check_config(const auris_stft_config *c, auris_error *err)
{
    if (c->n_fft < 2 || c->n_fft > STFT_MAX_N_FFT)
        return auris_fail(err, AURIS_EINVAL, "stft: n_fft %d outside [2, %d]", c->n_fft,
                          STFT_MAX_N_FFT);
    if (c->hop_length < 1)
        return auris_fail(err, AURIS_EINVAL, "stft: hop_length %d must be positive",
                          c->hop_length);
    if (c->win_length < 1 || c->win_length > c->n_fft)
        return auris_fail(err, AURIS_EINVAL, "stft: win_length %d outside [1, n_fft = %d]",
                          c->win_length, c->n_fft);
    if ((unsigned)c->window > AURIS_WINDOW_RECT)
        return auris_fail(err, AURIS_EINVAL, "stft: unknown window type %d", (int)c->window);
    if ((unsigned)c->pad_mode > AURIS_PAD_CONSTANT)
        return auris_fail(err, AURIS_EINVAL, "stft: unknown pad mode %d", (int)c->pad_mode);
    if (!(c->power > 0.0f) || !isfinite(c->power))
        return auris_fail(err, AURIS_EINVAL, "stft: power %g must be positive",
                          (double)c->power);
    return AURIS_OK;
}

size_t auris_stft_n_frames(const auris_stft_config *cfg, size_t n_samples)
{
    auris_stft_config c;
    resolve_config(cfg, &c);
    if (n_samples == 0 || c.n_fft < 1 || c.hop_length < 1)
        return 0;
    size_t padded = n_samples + (c.center ? 2 * (size_t)(c.n_fft / 2) : 0);
    if (padded < (size_t)c.n_fft)
        return 0;
    return 1 + (padded - (size_t)c.n_fft) / (size_t)c.hop_length;
}

static void start_signal(auris_stft *st)
{
    st->base = 0;
    st->n_in = 0;
    st->next_frame = 0;
    st->total_frames = 0;
    st->ended = 0;
    st->len = st->pad;
    st->error[0] = '\0';
    /* Reflected padding needs the first pad + 1 samples; zeros are known now. */
    st->left_ready = st->pad == 0 || st->cfg.pad_mode == AURIS_PAD_CONSTANT;
    if (st->pad)
        memset(st->buf, 0, st->pad * sizeof *st->buf);
}

/* cos and -sin of 2 pi k / (2 half): the twiddles W^k = exp(-2 pi i k / n_fft). */
static void fill_twiddles(float *tw, int half)
{
    for (int k = 0; k < half; k++) {
        double a = AURIS_PI * (double)k / (double)half;
        tw[k] = (float)cos(a);
        tw[half + k] = (float)-sin(a);
    }
}

auris_status auris_stft_new(const auris_stft_config *cfg, auris_stft **out, auris_error *err)
{
    *out = NULL;
    auris_stft_config c;
    resolve_config(cfg, &c);
    auris_status s = check_config(&c, err);
    if (s)
        return s;
    auris_stft *st = calloc(1, sizeof *st);
    if (!st)
        return auris_fail(err, AURIS_ENOMEM, "stft: out of memory");
    st->cfg = c;
    st->n_bins = c.n_fft / 2 + 1;
    st->pad = c.center ? (size_t)(c.n_fft / 2) : 0;
    st->win_off = (c.n_fft - c.win_length) / 2;
    /* Room for a frame, its hops and a typical write without growing. */
    st->cap = 2 * (size_t)c.n_fft + 4 * (size_t)c.hop_length + 8192;
    st->window = malloc((size_t)c.win_length * sizeof *st->window);
    st->buf = malloc(st->cap * sizeof *st->buf);
    st->fft_in = fftwf_malloc((size_t)c.n_fft * sizeof *st->fft_in);
    st->fft_out = fftwf_malloc((size_t)st->n_bins * sizeof *st->fft_out);
    st->half = c.n_fft % 2 == 0 && c.n_fft >= 8 ? c.n_fft / 2 : 0;
    if (st->half)
        st->split = malloc(6 * (size_t)st->half * sizeof *st->split);
    if (!st->window || !st->buf || !st->fft_in || !st->fft_out || (st->half && !st->split)) {
        auris_stft_free(st);
        return auris_fail(err, AURIS_ENOMEM, "stft: out of memory for n_fft %d", c.n_fft);
    }
    if (st->half)
        fill_twiddles(st->split + 4 * (size_t)st->half, st->half);
    pthread_mutex_lock(&fftw_planner_lock);
    if (st->half)
        st->plan = fftwf_plan_dft_1d(st->half, (fftwf_complex *)st->fft_in, st->fft_out,
                                     FFTW_FORWARD, FFTW_ESTIMATE);
    else
        st->plan = fftwf_plan_dft_r2c_1d(c.n_fft, st->fft_in, st->fft_out, FFTW_ESTIMATE);
    pthread_mutex_unlock(&fftw_planner_lock);
    if (!st->plan) {
        auris_stft_free(st);
        return auris_fail(err, AURIS_EINTERNAL, "stft: FFTW cannot plan n_fft %d", c.n_fft);
    }
    /* Outside the centred window the frame stays zero: only the span is rewritten. */
    memset(st->fft_in, 0, (size_t)c.n_fft * sizeof *st->fft_in);
    auris_window_fill(c.window, c.win_length, st->window);
    start_signal(st);
    *out = st;
    return AURIS_OK;
}

int auris_stft_n_bins(const auris_stft *st)
{
    return st->n_bins;
}

/* Padded index of the first sample still needed: the next frame's start, and for
 * reflect padding the last pad + 1 input samples, which the right edge mirrors. */
static uint64_t keep_from(const auris_stft *st)
{
    uint64_t keep = st->next_frame * (uint64_t)st->cfg.hop_length;
    if (!st->left_ready)
        return 0;
    if (st->pad && st->cfg.pad_mode == AURIS_PAD_REFLECT) {
        uint64_t tail = st->n_in >= 1 ? st->n_in - 1 : 0; /* padded index of x[n-1-pad] */
        if (tail < keep)
            keep = tail;
    }
    return keep < st->base ? st->base : keep;
}

static auris_status make_room(auris_stft *st, size_t n)
{
    if (st->len + n <= st->cap)
        return AURIS_OK;
    size_t drop = (size_t)(keep_from(st) - st->base);
    if (drop > st->len)
        drop = st->len;
    if (drop) {
        memmove(st->buf, st->buf + drop, (st->len - drop) * sizeof *st->buf);
        st->len -= drop;
        st->base += drop;
    }
    if (st->len + n <= st->cap)
        return AURIS_OK;
    if (n > SIZE_MAX / (4 * sizeof *st->buf) - st->len) {
        snprintf(st->error, sizeof st->error, "stft: cannot buffer %zu samples", n);
        return AURIS_ENOMEM;
    }
    size_t cap = st->cap;
    while (cap < st->len + n)
        cap *= 2;
    float *buf = realloc(st->buf, cap * sizeof *buf);
    if (!buf) {
        snprintf(st->error, sizeof st->error, "stft: out of memory buffering %zu samples", n);
        return AURIS_ENOMEM;
    }
    st->buf = buf;
    st->cap = cap;
    return AURIS_OK;
}

/* p[j] = x[pad - j] for j < pad, once x[0..pad] has arrived (buf still starts at 0). */
static void fill_left_reflect(auris_stft *st)
{
    for (size_t j = 0; j < st->pad; j++)
        st->buf[j] = st->buf[2 * st->pad - j];
    st->left_ready = 1;
}

auris_status auris_stft_write(auris_stft *st, const float *samples, size_t n)
{
    if (st->ended) {
        snprintf(st->error, sizeof st->error, "stft: write after end (call auris_stft_reset)");
        return AURIS_EINVAL;
    }
    if (n == 0)
        return AURIS_OK;
    auris_status s = make_room(st, n);
    if (s)
        return s;
    memcpy(st->buf + st->len, samples, n * sizeof *samples);
    st->len += n;
    st->n_in += n;
    if (!st->left_ready && st->n_in >= st->pad + 1)
        fill_left_reflect(st);
    return AURIS_OK;
}

auris_status auris_stft_end(auris_stft *st)
{
    if (st->ended)
        return AURIS_OK;
    auris_status s = make_room(st, st->pad);
    if (s)
        return s;
    /* Reflection needs more than pad samples (torch refuses shorter signals): a shorter
     * signal is padded with zeros on both sides instead. */
    int reflect = st->pad && st->cfg.pad_mode == AURIS_PAD_REFLECT && st->n_in > st->pad;
    if (!st->left_ready) {
        memset(st->buf, 0, st->pad * sizeof *st->buf);
        st->left_ready = 1;
    }
    uint64_t n = st->n_in;
    for (size_t i = 0; i < st->pad; i++) {
        /* p[pad + n + i] = x[n - 2 - i], which sits at padded index pad + n - 2 - i. */
        st->buf[st->len + i] = reflect ? st->buf[st->pad + n - 2 - i - st->base] : 0.0f;
    }
    st->len += st->pad;
    st->ended = 1;
    st->total_frames = auris_stft_n_frames(&st->cfg, (size_t)n);
    return AURIS_OK;
}

static int frame_ready(const auris_stft *st)
{
    if (st->ended)
        return st->next_frame < st->total_frames;
    if (!st->left_ready)
        return 0;
    uint64_t end = st->next_frame * (uint64_t)st->cfg.hop_length + (uint64_t)st->cfg.n_fft;
    return end <= st->pad + st->n_in;
}

/* The loops below are unrolled by hand into groups of four: at -O2 (GCC 12's "very cheap"
 * vectoriser) these are turned into SIMD code, the plain one-element loops are not. */

/* |X[k]|^2 from FFTW's interleaved (re, im) pairs. */
static void power_spectrum(const float *restrict X, int n_bins, float *restrict out)
{
    int k = 0;
    for (; k + 4 <= n_bins; k += 4) {
        const float *x = X + 2 * k;
        out[k] = x[0] * x[0] + x[1] * x[1];
        out[k + 1] = x[2] * x[2] + x[3] * x[3];
        out[k + 2] = x[4] * x[4] + x[5] * x[5];
        out[k + 3] = x[6] * x[6] + x[7] * x[7];
    }
    for (; k < n_bins; k++)
        out[k] = X[2 * k] * X[2 * k] + X[2 * k + 1] * X[2 * k + 1];
}

static void apply_window(const float *restrict x, const float *restrict w, int n,
                         float *restrict out)
{
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        out[i] = x[i] * w[i];
        out[i + 1] = x[i + 1] * w[i + 1];
        out[i + 2] = x[i + 2] * w[i + 2];
        out[i + 3] = x[i + 3] * w[i + 3];
        out[i + 4] = x[i + 4] * w[i + 4];
        out[i + 5] = x[i + 5] * w[i + 5];
        out[i + 6] = x[i + 6] * w[i + 6];
        out[i + 7] = x[i + 7] * w[i + 7];
    }
    for (; i < n; i++)
        out[i] = x[i] * w[i];
}

/* Z = FFT_M(x[2j] + i x[2j+1]) with M = half. With F[k] = Z[k] and R[k] = Z[M-k] (R[0] =
 * Z[0]) as split real/imaginary arrays, the real signal's X[k] = E[k] + W^k O[k] where
 * 2E = F + conj(R) and 2O = -i (F - conj(R)); this writes |X[k]|^2 for k = 0..M. */
static void split_unpack(const float *restrict Z, int M, float *restrict fr,
                         float *restrict fi, float *restrict rr, float *restrict ri)
{
    int k = 0;
    for (; k + 4 <= M; k += 4) {
        const float *z = Z + 2 * k;
        fr[k] = z[0];
        fi[k] = z[1];
        fr[k + 1] = z[2];
        fi[k + 1] = z[3];
        fr[k + 2] = z[4];
        fi[k + 2] = z[5];
        fr[k + 3] = z[6];
        fi[k + 3] = z[7];
    }
    for (; k < M; k++) {
        fr[k] = Z[2 * k];
        fi[k] = Z[2 * k + 1];
    }
    rr[0] = fr[0];
    ri[0] = fi[0];
    for (k = 1; k + 4 <= M; k += 4) {
        const float *r = fr + M - k, *i = fi + M - k;
        rr[k] = r[0];
        rr[k + 1] = r[-1];
        rr[k + 2] = r[-2];
        rr[k + 3] = r[-3];
        ri[k] = i[0];
        ri[k + 1] = i[-1];
        ri[k + 2] = i[-2];
        ri[k + 3] = i[-3];
    }
    for (; k < M; k++) {
        rr[k] = fr[M - k];
        ri[k] = fi[M - k];
    }
}

#define SPLIT_BIN(k) do {                                           \
        float er = fr[k] + rr[k], ei = fi[k] - ri[k];                 \
        float dr = fr[k] - rr[k], di = fi[k] + ri[k];                 \
        float xr = er + wc[k] * di + ws[k] * dr;                      \
        float xi = ei + ws[k] * di - wc[k] * dr;                      \
        out[k] = 0.25f * (xr * xr + xi * xi);                         \
    } while (0)

static void split_power(const float *restrict fr, const float *restrict fi,
                        const float *restrict rr, const float *restrict ri,
                        const float *restrict wc, const float *restrict ws, int M,
                        float *restrict out)
{
    int k = 0;
    for (; k + 4 <= M; k += 4) {
        SPLIT_BIN(k);
        SPLIT_BIN(k + 1);
        SPLIT_BIN(k + 2);
        SPLIT_BIN(k + 3);
    }
    for (; k < M; k++)
        SPLIT_BIN(k);
    float nyquist = fr[0] - fi[0];
    out[M] = nyquist * nyquist;
}

static void half_power(auris_stft *st, float *out)
{
    size_t M = (size_t)st->half;
    float *a = st->split;
    split_unpack((const float *)st->fft_out, st->half, a, a + M, a + 2 * M, a + 3 * M);
    split_power(a, a + M, a + 2 * M, a + 3 * M, a + 4 * M, a + 5 * M, st->half, out);
}

int auris_stft_read(auris_stft *st, float *out)
{
    if (!frame_ready(st))
        return 0;
    const auris_stft_config *c = &st->cfg;
    const float *x = st->buf + (st->next_frame * (uint64_t)c->hop_length - st->base)
                     + (size_t)st->win_off;
    apply_window(x, st->window, c->win_length, st->fft_in + st->win_off);
    fftwf_execute(st->plan);
    if (st->half)
        half_power(st, out);
    else
        power_spectrum((const float *)st->fft_out, st->n_bins, out);
    if (c->power == 1.0f) {
        for (int k = 0; k < st->n_bins; k++)
            out[k] = sqrtf(out[k]);
    } else if (c->power != 2.0f) {
        for (int k = 0; k < st->n_bins; k++)
            out[k] = powf(out[k], 0.5f * c->power);
    }
    st->next_frame++;
    return 1;
}

void auris_stft_reset(auris_stft *st)
{
    start_signal(st);
}

const char *auris_stft_error(const auris_stft *st)
{
    return st->error;
}

void auris_stft_free(auris_stft *st)
{
    if (!st)
        return;
    if (st->plan) {
        pthread_mutex_lock(&fftw_planner_lock);
        fftwf_destroy_plan(st->plan);
        pthread_mutex_unlock(&fftw_planner_lock);
    }
    fftwf_free(st->fft_in);
    free(st->split);
    fftwf_free(st->fft_out);
    free(st->window);
    free(st->buf);
    free(st);
}
