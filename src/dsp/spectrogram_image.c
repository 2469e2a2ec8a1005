/* Spectrogram pictures: the input is streamed through the STFT (and a mel filterbank) and
 * its power frames are averaged into at most one column per pixel of the plot, so memory
 * depends on the picture, not the input. The columns are then converted to dB, resampled
 * onto pixel rows of a linear, log or mel frequency axis, coloured and drawn with cairo
 * together with the axes, the colour bar and the title. */
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auris/dsp.h"
#include "auris/image.h"
#include "core/error.h"
#include "dsp/draw_text.h"

#define CAIRO_MAX_PX 32767
#define READ_FRAMES 8192
#define MAX_TICKS 64
#define MIN_FIGURE_W 240
#define MIN_FIGURE_H 160
#define MAX_FIGURE_PX 8192
#define LOG_DEFAULT_FMIN_HZ 20.0f
#define PI 3.14159265358979323846

void auris_spectrogram_config_default(auris_spectrogram_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->width_px = 1200;
    cfg->height_px = 600;
    cfg->scale = AURIS_FREQ_MEL;
    cfg->cmap = AURIS_CMAP_VIRIDIS;
    cfg->db_range = 80.0f;
    cfg->n_fft = 2048;
    cfg->n_mels = 128;
}

int auris_freq_scale_from_name(const char *name)
{
    static const char *const names[] = {"linear", "log", "mel"};
    return auris_name_index(names, 3, name);
}

/* ---- What to compute, resolved from the configuration and the input ---- */

typedef struct plan {
    const char *name;
    int sample_rate_hz;
    auris_stft_config stft;
    int n_bins;
    auris_freq_scale scale;
    float f_min_hz, f_max_hz;
    int n_mels;
    int first_bin;             /* linear/log: the first STFT bin kept */
    int rows;                  /* values kept per frame: bins from first_bin, or mel bands */
    long long expected_frames; /* -1 when the input's length is unknown */
    long long expected_samples;
} plan;

static auris_status check_figure_config(const auris_spectrogram_config *cfg, const char *name,
                                        auris_error *err)
{
    if (cfg->raw) {
        if (cfg->scale == AURIS_FREQ_LOG)
            return auris_fail(err, AURIS_EINVAL, "%s: a raw picture has one row per STFT bin "
                              "(linear) or mel band (mel), not a log scale", name);
        return AURIS_OK;
    }
    if (cfg->width_px < MIN_FIGURE_W || cfg->width_px > MAX_FIGURE_PX ||
        cfg->height_px < MIN_FIGURE_H || cfg->height_px > MAX_FIGURE_PX)
        return auris_fail(err, AURIS_EINVAL, "%s: figure size %dx%d is outside %dx%d..%dx%d",
                          name, cfg->width_px, cfg->height_px, MIN_FIGURE_W, MIN_FIGURE_H,
                          MAX_FIGURE_PX, MAX_FIGURE_PX);
    return AURIS_OK;
}

static auris_status check_config(const auris_spectrogram_config *cfg, const char *name,
                                 auris_error *err)
{
    if ((unsigned)cfg->scale > AURIS_FREQ_MEL || (unsigned)cfg->cmap > AURIS_CMAP_JET)
        return auris_fail(err, AURIS_EINVAL, "%s: unknown frequency scale or colormap", name);
    if (!(cfg->db_range > 0.0f && cfg->db_range <= 300.0f))
        return auris_fail(err, AURIS_EINVAL, "%s: dB range %g is outside (0, 300]", name,
                          (double)cfg->db_range);
    if (cfg->n_fft < 16 || cfg->n_fft > 65536)
        return auris_fail(err, AURIS_EINVAL, "%s: n_fft %d is outside 16..65536", name,
                          cfg->n_fft);
    if (cfg->hop_length < 0 || cfg->hop_length > cfg->n_fft)
        return auris_fail(err, AURIS_EINVAL, "%s: hop %d is outside 1..n_fft (%d)", name,
                          cfg->hop_length, cfg->n_fft);
    if (cfg->scale == AURIS_FREQ_MEL && (cfg->n_mels < 1 || cfg->n_mels > 1024))
        return auris_fail(err, AURIS_EINVAL, "%s: %d mel bands is outside 1..1024", name,
                          cfg->n_mels);
    if (!(cfg->f_min_hz >= 0.0f) || !(cfg->f_max_hz >= 0.0f))
        return auris_fail(err, AURIS_EINVAL, "%s: frequency limits must be >= 0 Hz", name);
    return check_figure_config(cfg, name, err);
}

static auris_status resolve_band(plan *p, const auris_spectrogram_config *cfg, auris_error *err)
{
    float nyquist = 0.5f * (float)p->sample_rate_hz;
    p->f_min_hz = cfg->f_min_hz;
    if (p->scale == AURIS_FREQ_LOG && p->f_min_hz <= 0.0f)
        p->f_min_hz = LOG_DEFAULT_FMIN_HZ;
    p->f_max_hz = cfg->f_max_hz > 0.0f ? cfg->f_max_hz : nyquist;
    if (p->f_max_hz > nyquist)
        return auris_fail(err, AURIS_EINVAL, "%s: maximum frequency %g Hz is above the input's "
                          "Nyquist frequency %g Hz", p->name, (double)p->f_max_hz,
                          (double)nyquist);
    if (p->f_min_hz >= p->f_max_hz)
        return auris_fail(err, AURIS_EINVAL, "%s: minimum frequency %g Hz is not below the "
                          "maximum %g Hz", p->name, (double)p->f_min_hz, (double)p->f_max_hz);
    if (p->scale == AURIS_FREQ_MEL) {
        p->first_bin = 0;
        p->rows = p->n_mels;
        return AURIS_OK;
    }
    double bin_hz = (double)p->sample_rate_hz / p->stft.n_fft;
    int lo = (int)floor(p->f_min_hz / bin_hz), hi = (int)ceil(p->f_max_hz / bin_hz);
    if (cfg->raw)
        lo = (int)ceil(p->f_min_hz / bin_hz), hi = (int)floor(p->f_max_hz / bin_hz);
    if (p->scale == AURIS_FREQ_LOG && lo < 1)
        lo = 1; /* DC has no place on a log axis */
    if (hi > p->n_bins - 1)
        hi = p->n_bins - 1;
    if (hi < lo)
        return auris_fail(err, AURIS_EINVAL, "%s: no STFT bin lies between %g and %g Hz (bins "
                          "are %g Hz apart)", p->name, (double)p->f_min_hz, (double)p->f_max_hz,
                          bin_hz);
    p->first_bin = lo;
    p->rows = hi - lo + 1;
    return AURIS_OK;
}

static void expect_length(plan *p, const auris_source *src)
{
    const auris_audio_info *info = auris_source_info(src);
    p->expected_frames = -1;
    p->expected_samples = -1;
    if (!info || info->frames <= 0 || info->sample_rate_hz <= 0)
        return;
    p->expected_samples = llround((double)info->frames * p->sample_rate_hz /
                                  info->sample_rate_hz);
    p->expected_frames = (long long)auris_stft_n_frames(&p->stft,
                                                        (size_t)p->expected_samples);
}

static auris_status make_plan(auris_source *src, const auris_spectrogram_config *cfg, plan *p,
                              auris_error *err)
{
    memset(p, 0, sizeof *p);
    p->name = cfg->name ? cfg->name : "input";
    auris_status st = check_config(cfg, p->name, err);
    if (st)
        return st;
    if (auris_source_channels(src) != 1)
        return auris_fail(err, AURIS_EINVAL, "%s: spectrograms need mono input (%d channels)",
                          p->name, auris_source_channels(src));
    p->sample_rate_hz = auris_source_sample_rate(src);
    auris_stft_config_default(&p->stft);
    p->stft.n_fft = cfg->n_fft;
    p->stft.hop_length = cfg->hop_length > 0 ? cfg->hop_length : cfg->n_fft / 4;
    p->stft.power = 2.0f;
    /* Zero padding, as librosa >= 0.10: any input length works, even one shorter than the
     * reflection a centred frame would need. */
    p->stft.pad_mode = AURIS_PAD_CONSTANT;
    p->n_bins = cfg->n_fft / 2 + 1;
    p->scale = cfg->scale;
    p->n_mels = cfg->n_mels;
    st = resolve_band(p, cfg, err);
    if (st)
        return st;
    expect_length(p, src);
    return AURIS_OK;
}

/* ---- Frames: source → STFT power (→ mel bands) ---- */

typedef struct framer {
    auris_source *src;
    auris_stft *stft;
    auris_melbank *mel;
    float *chunk; /* READ_FRAMES samples */
    float *spec;  /* n_bins */
    float *bands; /* n_mels */
    int ended;
    long long samples;
} framer;

static void framer_free(framer *fr)
{
    auris_stft_free(fr->stft);
    auris_melbank_free(fr->mel);
    free(fr->chunk);
    free(fr->spec);
    free(fr->bands);
}

static auris_status framer_init(framer *fr, auris_source *src, const plan *p, auris_error *err)
{
    memset(fr, 0, sizeof *fr);
    fr->src = src;
    auris_error sub = {0};
    auris_status st = auris_stft_new(&p->stft, &fr->stft, &sub);
    if (!st && p->scale == AURIS_FREQ_MEL) {
        auris_mel_config mc;
        auris_mel_config_default(&mc);
        mc.sample_rate_hz = p->sample_rate_hz;
        mc.n_fft = p->stft.n_fft;
        mc.n_mels = p->n_mels;
        mc.f_min_hz = p->f_min_hz;
        mc.f_max_hz = p->f_max_hz;
        mc.scale = AURIS_MEL_SLANEY;
        mc.norm = AURIS_MEL_NORM_SLANEY;
        st = auris_melbank_new(&mc, &fr->mel, &sub);
    }
    if (st)
        return auris_fail(err, st, "%s: %s", p->name, sub.message);
    fr->chunk = malloc(READ_FRAMES * sizeof *fr->chunk);
    fr->spec = malloc((size_t)p->n_bins * sizeof *fr->spec);
    fr->bands = malloc((size_t)(p->n_mels > 0 ? p->n_mels : 1) * sizeof *fr->bands);
    if (!fr->chunk || !fr->spec || !fr->bands)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", p->name);
    return AURIS_OK;
}

static auris_status framer_feed(framer *fr, const plan *p, auris_error *err)
{
    size_t n = 0;
    auris_status st = auris_source_read(fr->src, fr->chunk, READ_FRAMES, &n);
    if (st)
        return auris_fail(err, st, "%s", auris_source_error(fr->src));
    if (n == 0) {
        fr->ended = 1;
        st = auris_stft_end(fr->stft);
    } else {
        fr->samples += (long long)n;
        st = auris_stft_write(fr->stft, fr->chunk, n);
    }
    if (st)
        return auris_fail(err, st, "%s: %s", p->name, auris_stft_error(fr->stft));
    return AURIS_OK;
}

/* Sets *values to the next frame's p->rows values; returns 1, 0 at the end, or an error. */
static int framer_next(framer *fr, const plan *p, const float **values, auris_error *err)
{
    while (!auris_stft_read(fr->stft, fr->spec)) {
        if (fr->ended)
            return 0;
        auris_status st = framer_feed(fr, p, err);
        if (st)
            return st;
    }
    if (fr->mel) {
        auris_melbank_apply(fr->mel, fr->spec, fr->bands);
        *values = fr->bands;
    } else {
        *values = fr->spec + p->first_bin;
    }
    return 1;
}

/* ---- Columns: frames averaged (in power) into a bounded number of columns ---- */

typedef struct columns {
    int rows;
    int cap;           /* columns allocated */
    int limit;         /* most columns allowed */
    int n;             /* columns in use */
    int grow;          /* 1: grow up to limit and fail beyond (raw); 0: halve resolution */
    long long frames;  /* frames added */
    long long expected;/* > 0: frames known up front, mapped straight onto cap columns */
    int per_column;    /* unknown length: frames per column, doubled on each halving */
    float *sum;        /* cap x rows power sums */
    int *count;        /* frames in each column */
} columns;

static void columns_free(columns *c)
{
    free(c->sum);
    free(c->count);
}

static int columns_alloc(columns *c, int cap)
{
    float *sum = realloc(c->sum, (size_t)cap * c->rows * sizeof *sum);
    if (!sum)
        return -1;
    c->sum = sum;
    int *count = realloc(c->count, (size_t)cap * sizeof *count);
    if (!count)
        return -1;
    c->count = count;
    memset(c->sum + (size_t)c->cap * c->rows, 0, (size_t)(cap - c->cap) * c->rows * sizeof *sum);
    memset(c->count + c->cap, 0, (size_t)(cap - c->cap) * sizeof *count);
    c->cap = cap;
    return 0;
}

/* Figures: at most plot_w columns; a known length maps frames straight onto them, an
 * unknown one (a stream) starts at one frame per column and halves when full. Raw pictures:
 * one column per frame. */
static auris_status columns_init(columns *c, const plan *p, int raw, int plot_w,
                                 auris_error *err)
{
    memset(c, 0, sizeof *c);
    c->rows = p->rows;
    c->per_column = 1;
    int cap;
    if (raw) {
        c->grow = 1;
        c->limit = CAIRO_MAX_PX;
        if (p->expected_frames > CAIRO_MAX_PX)
            return auris_fail(err, AURIS_ERANGE, "%s: %lld frames do not fit a raw picture "
                              "(at most %d pixels wide): use a shorter excerpt or a hop of at "
                              "least %lld samples", p->name, p->expected_frames, CAIRO_MAX_PX,
                              p->expected_samples / (CAIRO_MAX_PX - 1) + 1);
        cap = p->expected_frames > 0 ? (int)p->expected_frames : 1024;
    } else {
        c->limit = plot_w;
        cap = plot_w;
        if (p->expected_frames > 0) {
            c->expected = p->expected_frames;
            if (p->expected_frames < cap)
                cap = (int)p->expected_frames;
        }
    }
    if (columns_alloc(c, cap))
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory for %d columns", p->name, cap);
    return AURIS_OK;
}

static void columns_halve(columns *c)
{
    size_t rows = (size_t)c->rows;
    for (int i = 0; i < c->n; i += 2) {
        float *dst = c->sum + (size_t)(i / 2) * rows;
        const float *a = c->sum + (size_t)i * rows;
        int has_b = i + 1 < c->n;
        for (size_t r = 0; r < rows; r++)
            dst[r] = a[r] + (has_b ? a[rows + r] : 0.0f);
        c->count[i / 2] = c->count[i] + (has_b ? c->count[i + 1] : 0);
    }
    int kept = (c->n + 1) / 2;
    memset(c->sum + (size_t)kept * rows, 0, (size_t)(c->cap - kept) * rows * sizeof *c->sum);
    memset(c->count + kept, 0, (size_t)(c->cap - kept) * sizeof *c->count);
    c->n = kept;
    c->per_column *= 2;
}

/* The column frame number c->frames goes to, making room when needed; -1 when a raw picture
 * would exceed its limit, -2 out of memory. */
static int columns_slot(columns *c)
{
    if (c->expected > 0) {
        long long col = c->frames * c->cap / c->expected;
        return col < c->cap ? (int)col : c->cap - 1;
    }
    long long col = c->frames / c->per_column;
    while (col >= c->cap) {
        if (!c->grow) {
            columns_halve(c);
            col = c->frames / c->per_column;
        } else if (c->cap >= c->limit) {
            return -1;
        } else if (columns_alloc(c, c->cap * 2 < c->limit ? c->cap * 2 : c->limit)) {
            return -2;
        }
    }
    return (int)col;
}

static auris_status columns_add(columns *c, const float *values, const plan *p,
                                auris_error *err)
{
    int col = columns_slot(c);
    if (col == -1)
        return auris_fail(err, AURIS_ERANGE, "%s: more than %d frames do not fit a raw picture: "
                          "use a shorter excerpt or a larger hop", p->name, c->limit);
    if (col < 0)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", p->name);
    float *dst = c->sum + (size_t)col * c->rows;
    for (int r = 0; r < c->rows; r++)
        dst[r] += values[r];
    c->count[col]++;
    if (col + 1 > c->n)
        c->n = col + 1;
    c->frames++;
    return AURIS_OK;
}

/* Frames each column spans on the time axis. */
static double columns_span(const columns *c)
{
    return c->expected > 0 ? (double)c->expected / c->cap : (double)c->per_column;
}

/* Turns the sums into mean power in dB, in place; returns the maximum. */
static float columns_to_db(columns *c)
{
    size_t rows = (size_t)c->rows;
    for (int i = 0; i < c->n; i++) {
        float inv = c->count[i] > 0 ? 1.0f / (float)c->count[i] : 0.0f;
        for (size_t r = 0; r < rows; r++)
            c->sum[(size_t)i * rows + r] *= inv;
    }
    auris_db_config dc;
    auris_db_config_default(&dc);
    auris_to_db(&dc, c->sum, (size_t)c->n * rows);
    float max = -INFINITY;
    for (size_t k = 0; k < (size_t)c->n * rows; k++)
        if (c->sum[k] > max)
            max = c->sum[k];
    return max;
}

static auris_status read_columns(auris_source *src, const plan *p, columns *c, framer *fr,
                                 auris_error *err)
{
    auris_status st = framer_init(fr, src, p, err);
    if (st)
        return st;
    for (;;) {
        const float *values = NULL;
        int got = framer_next(fr, p, &values, err);
        if (got < 0)
            return (auris_status)got;
        if (got == 0)
            break;
        st = columns_add(c, values, p, err);
        if (st)
            return st;
    }
    if (fr->samples == 0 || c->n == 0)
        return auris_fail(err, AURIS_EEMPTY, "%s: no audio samples", p->name);
    return AURIS_OK;
}

/* ---- Frequency axis: positions in axis units and pixel-row sampling ---- */

static double axis_pos(auris_freq_scale scale, double hz)
{
    switch (scale) {
    case AURIS_FREQ_LOG:
        return log10(hz);
    case AURIS_FREQ_MEL:
        return auris_hz_to_mel(hz, AURIS_MEL_SLANEY);
    case AURIS_FREQ_LINEAR:
    default:
        return hz;
    }
}

/* Centre of each kept row (bin or band) in axis units, ascending. */
static int row_positions(const plan *p, const framer *fr, double **out)
{
    double *pos = malloc((size_t)p->rows * sizeof *pos);
    if (!pos)
        return -1;
    double bin_hz = (double)p->sample_rate_hz / p->stft.n_fft;
    for (int r = 0; r < p->rows; r++) {
        double hz = p->scale == AURIS_FREQ_MEL ? auris_melbank_center_hz(fr->mel, r)
                                               : (p->first_bin + r) * bin_hz;
        pos[r] = axis_pos(p->scale, hz);
    }
    *out = pos;
    return 0;
}

/* How one pixel row takes its value: the maximum of rows [first, last] when some row
 * centres fall inside the pixel (so narrow lines survive downscaling), otherwise linear
 * interpolation between rows first and first + 1 at weight w. */
typedef struct row_sample {
    int first, last;
    float w;
} row_sample;

static row_sample sample_for(const double *pos, int n, double lo, double hi)
{
    row_sample s = {0, -1, 0.0f};
    int a = 0;
    while (a < n && pos[a] < lo)
        a++;
    int b = a;
    while (b < n && pos[b] < hi)
        b++;
    if (b > a) {
        s.first = a;
        s.last = b - 1;
        return s;
    }
    double mid = 0.5 * (lo + hi);
    if (a == 0 || n == 1) {
        s.first = 0;
        return s;
    }
    if (a >= n) {
        s.first = n - 1;
        return s;
    }
    s.first = a - 1;
    s.w = (float)((mid - pos[a - 1]) / (pos[a] - pos[a - 1]));
    if (s.w < 0.0f)
        s.w = 0.0f;
    if (s.w > 1.0f)
        s.w = 1.0f;
    return s;
}

static float sample_value(const float *col, int n, row_sample s)
{
    if (s.last >= s.first) {
        float m = col[s.first];
        for (int r = s.first + 1; r <= s.last; r++)
            if (col[r] > m)
                m = col[r];
        return m;
    }
    if (s.first + 1 >= n || s.w == 0.0f)
        return col[s.first];
    return col[s.first] + s.w * (col[s.first + 1] - col[s.first]);
}

/* ---- Pixels ---- */

static auris_status cairo_check(cairo_status_t cs, const char *name, const char *what,
                                auris_error *err)
{
    if (cs == CAIRO_STATUS_SUCCESS)
        return AURIS_OK;
    return auris_fail(err, cs == CAIRO_STATUS_NO_MEMORY ? AURIS_ENOMEM : AURIS_EINTERNAL,
                      "%s: cannot %s: %s", name, what, cairo_status_to_string(cs));
}

static void put_rgb(unsigned char *px, const unsigned char rgb[3])
{
    uint32_t v = 0xff000000u | (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | rgb[2];
    memcpy(px, &v, sizeof v);
}

typedef struct shade {
    auris_colormap cmap;
    float lo_db, range_db;
} shade;

static void shade_rgb(const shade *sh, float db, unsigned char rgb[3])
{
    auris_colormap_rgb(sh->cmap, (db - sh->lo_db) / sh->range_db, rgb);
}

/* The spectrogram area's pixels: one column per kept column, one row per pixel row of
 * the plot (top = highest frequency). */
static auris_status plot_surface(const columns *c, const plan *p, const double *pos, int plot_h,
                                 const shade *sh, cairo_surface_t **out, auris_error *err)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, c->n, plot_h);
    auris_status st = cairo_check(cairo_surface_status(img), p->name, "create the image", err);
    row_sample *map = malloc((size_t)plot_h * sizeof *map);
    if (!st && !map)
        st = auris_fail(err, AURIS_ENOMEM, "%s: out of memory", p->name);
    if (st) {
        free(map);
        cairo_surface_destroy(img);
        return st;
    }
    double a_lo = axis_pos(p->scale, p->f_min_hz), a_hi = axis_pos(p->scale, p->f_max_hz);
    for (int y = 0; y < plot_h; y++) {
        double lo = a_lo + (a_hi - a_lo) * (plot_h - 1 - y) / plot_h;
        double hi = a_lo + (a_hi - a_lo) * (plot_h - y) / plot_h;
        map[y] = sample_for(pos, p->rows, lo, hi);
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int x = 0; x < c->n; x++) {
        const float *col = c->sum + (size_t)x * c->rows;
        for (int y = 0; y < plot_h; y++) {
            unsigned char rgb[3];
            shade_rgb(sh, sample_value(col, c->rows, map[y]), rgb);
            put_rgb(data + (size_t)y * stride + 4 * (size_t)x, rgb);
        }
    }
    cairo_surface_mark_dirty(img);
    free(map);
    *out = img;
    return AURIS_OK;
}

/* A raw picture: one pixel per column and row, low frequencies at the bottom; gray gives
 * an 8-bit grayscale PNG (cairo writes A8 surfaces as such). */
static auris_status raw_surface(const columns *c, const plan *p, const shade *sh,
                                cairo_surface_t **out, auris_error *err)
{
    int gray = sh->cmap == AURIS_CMAP_GRAY;
    cairo_surface_t *img = cairo_image_surface_create(gray ? CAIRO_FORMAT_A8 : CAIRO_FORMAT_RGB24,
                                                      c->n, c->rows);
    auris_status st = cairo_check(cairo_surface_status(img), p->name, "create the image", err);
    if (st) {
        cairo_surface_destroy(img);
        return st;
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int x = 0; x < c->n; x++) {
        const float *col = c->sum + (size_t)x * c->rows;
        for (int r = 0; r < c->rows; r++) {
            unsigned char rgb[3];
            unsigned char *px = data + (size_t)(c->rows - 1 - r) * stride;
            shade_rgb(sh, col[r], rgb);
            if (gray)
                px[x] = rgb[0];
            else
                put_rgb(px + 4 * (size_t)x, rgb);
        }
    }
    cairo_surface_mark_dirty(img);
    *out = img;
    return AURIS_OK;
}

/* ---- Ticks ---- */

typedef struct ticks {
    int n;
    double value[MAX_TICKS];
    char label[MAX_TICKS][24];
} ticks;

/* 1, 2 or 5 times a power of ten, near range / target. */
static double nice_step(double range, double target)
{
    double raw = range / (target > 1.0 ? target : 1.0);
    double mag = pow(10.0, floor(log10(raw)));
    double m = raw / mag;
    return (m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0) * mag;
}

static int step_decimals(double step)
{
    int d = (int)ceil(-log10(step) - 1e-9);
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

static void even_ticks(ticks *t, double lo, double hi, double step)
{
    int decimals = step_decimals(step);
    t->n = 0;
    for (double k = ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step && t->n < MAX_TICKS; k++) {
        double v = k * step;
        if (fabs(v) < 1e-9 * step)
            v = 0.0; /* no "-0" */
        t->value[t->n] = v;
        snprintf(t->label[t->n], sizeof t->label[0], "%.*f", decimals, v);
        t->n++;
    }
}

/* "500", "1.5k", "20k"; plain Hz throughout when a tick is not a whole 100 Hz ("1005"),
 * since "1.005k" reads badly. */
static void label_hz(ticks *t)
{
    int kilo = 1;
    for (int i = 0; i < t->n; i++)
        if (fabs(t->value[i] - 100.0 * round(t->value[i] / 100.0)) > 1e-6)
            kilo = 0;
    for (int i = 0; i < t->n; i++) {
        double hz = t->value[i];
        if (kilo && hz >= 1000.0)
            snprintf(t->label[i], sizeof t->label[0], "%.6gk", hz / 1000.0);
        else
            snprintf(t->label[i], sizeof t->label[0], "%.6g", hz);
    }
}

static void add_if_clear(ticks *t, double hz, double px, double *px_of, double min_gap)
{
    if (t->n >= MAX_TICKS)
        return;
    for (int i = 0; i < t->n; i++)
        if (fabs(px_of[i] - px) < min_gap)
            return;
    px_of[t->n] = px;
    t->value[t->n] = hz;
    t->n++;
}

static void even_freq_ticks(ticks *t, const plan *p, int plot_h, double min_gap)
{
    double step = nice_step(p->f_max_hz - p->f_min_hz, plot_h / (1.4 * min_gap));
    even_ticks(t, p->f_min_hz, p->f_max_hz, step);
}

/* Log and mel axes stretch some decades and squeeze others: ticks are picked from round
 * values (powers of ten first, then 2 and 5 times them, then other digits) wherever they
 * keep min_gap pixels from the ones already placed. A range too narrow for two of them is
 * nearly linear and gets even steps. */
static void freq_ticks(ticks *t, const plan *p, int plot_h, double min_gap)
{
    t->n = 0;
    double a_lo = axis_pos(p->scale, p->f_min_hz), a_hi = axis_pos(p->scale, p->f_max_hz);
    if (p->scale == AURIS_FREQ_LINEAR) {
        even_freq_ticks(t, p, plot_h, min_gap);
        label_hz(t);
        return;
    }
    static const double tiers[][6] = {{1}, {2, 5}, {3, 4, 6, 8}, {1.5, 2.5, 7, 9}};
    static const int tier_n[] = {1, 2, 4, 4};
    double px_of[MAX_TICKS];
    if (p->scale == AURIS_FREQ_MEL && p->f_min_hz == 0.0f)
        add_if_clear(t, 0.0, 0.0, px_of, min_gap);
    for (int tier = 0; tier < 4; tier++)
        for (double dec = 1.0; dec <= 1e5; dec *= 10.0)
            for (int i = 0; i < tier_n[tier]; i++) {
                double hz = tiers[tier][i] * dec;
                if (hz < p->f_min_hz || hz > p->f_max_hz)
                    continue;
                double px = (axis_pos(p->scale, hz) - a_lo) / (a_hi - a_lo) * plot_h;
                add_if_clear(t, hz, px, px_of, min_gap);
            }
    if (t->n < 2)
        even_freq_ticks(t, p, plot_h, min_gap);
    label_hz(t);
}

/* ---- Layout and drawing ---- */

typedef struct figure {
    cairo_t *cr;
    int width, height;
    double fs;           /* tick label font size in px */
    int px, py, pw, ph;  /* plot area */
    int bx, bw;          /* colour bar: x and width; same rows as the plot */
    double tick_len, gap;
    ticks fticks, dbticks;
    char title[256];
} figure;

static void text_vertical(cairo_t *cr, const char *s, double x, double y, double ay)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -PI / 2.0);
    draw_text_at(cr, s, 0.0, 0.0, 0.5, ay);
    cairo_restore(cr);
}

static double widest(cairo_t *cr, const ticks *t)
{
    double w = 0.0;
    for (int i = 0; i < t->n; i++) {
        double tw = draw_text_width(cr, t->label[i]);
        if (tw > w)
            w = tw;
    }
    return w;
}

static void db_ticks(ticks *t, float range, int plot_h, double min_gap)
{
    even_ticks(t, -range, 0.0, nice_step(range, plot_h / min_gap));
}

/* Places the plot, the colour bar and the labels from the figure size and font size. */
static int layout(figure *f, const plan *p, float db_range)
{
    double fs = f->fs, line = 1.25 * fs;
    f->tick_len = round(0.45 * fs);
    f->gap = round(0.35 * fs);
    double pad = round(0.8 * fs);
    double top = pad + (f->title[0] ? 1.3 * line : 0.0) + pad * 0.5;
    double bottom = f->tick_len + f->gap + line + f->gap + line + pad;
    f->py = (int)round(top);
    f->ph = f->height - f->py - (int)round(bottom);
    if (f->ph < 40)
        return -1;
    draw_set_font(f->cr, fs, 0);
    freq_ticks(&f->fticks, p, f->ph, 2.2 * fs);
    db_ticks(&f->dbticks, db_range, f->ph, 2.6 * fs);
    double left = pad + line + f->gap + widest(f->cr, &f->fticks) + f->gap + f->tick_len;
    f->bw = (int)round(fs > 10.0 ? 1.2 * fs : 12.0);
    double right = 1.3 * fs + f->bw + f->tick_len + f->gap + widest(f->cr, &f->dbticks) +
                   f->gap + line + pad;
    f->px = (int)round(left);
    f->pw = f->width - f->px - (int)round(right);
    f->bx = f->px + f->pw + (int)round(1.3 * fs);
    return f->pw < 40 ? -1 : 0;
}

static void draw_title(figure *f)
{
    if (!f->title[0])
        return;
    double size = 1.3 * f->fs;
    draw_set_font(f->cr, size, 1);
    double w = draw_text_width(f->cr, f->title), room = f->width - 2.0 * f->fs;
    if (w > room)
        draw_set_font(f->cr, size * room / w, 1); /* long names shrink rather than spill */
    draw_text_at(f->cr, f->title, f->px + 0.5 * f->pw, round(0.8 * f->fs), 0.5, 0.0);
}

/* Draws the column image stretched over its time span, clipped to the plot: column i covers
 * frames [i s - 1/2, (i + 1) s - 1/2) for span s, frame t being centred at t hop. */
static void draw_spectrogram(figure *f, cairo_surface_t *img, const columns *c, const plan *p,
                             double duration_s)
{
    double frame_s = (double)p->stft.hop_length / p->sample_rate_hz;
    double px_per_s = f->pw / duration_s;
    cairo_t *cr = f->cr;
    cairo_save(cr);
    cairo_rectangle(cr, f->px, f->py, f->pw, f->ph);
    cairo_clip(cr);
    cairo_translate(cr, f->px - 0.5 * frame_s * px_per_s, f->py);
    cairo_scale(cr, columns_span(c) * frame_s * px_per_s, 1.0);
    cairo_set_source_surface(cr, img, 0.0, 0.0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
}

static void stroke_box(cairo_t *cr, int x, int y, int w, int h)
{
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, x + 0.5, y + 0.5, w - 1.0, h - 1.0);
    cairo_stroke(cr);
}

static void draw_time_axis(figure *f, double duration_s)
{
    cairo_t *cr = f->cr;
    draw_set_font(cr, f->fs, 0);
    ticks t;
    double target = f->pw / (6.5 * f->fs);
    /* Fewer ticks until the labels ("1800", "0.025") keep a few characters apart. */
    do {
        even_ticks(&t, 0.0, duration_s, nice_step(duration_s, target));
        target *= 0.75;
    } while (t.n > 2 && (t.value[1] - t.value[0]) / duration_s * f->pw <
                            widest(cr, &t) + 2.5 * f->fs);
    double base = f->py + f->ph;
    for (int i = 0; i < t.n; i++) {
        double x = round(f->px + t.value[i] / duration_s * (f->pw - 1)) + 0.5;
        cairo_move_to(cr, x, base);
        cairo_line_to(cr, x, base + f->tick_len);
        cairo_stroke(cr);
        draw_text_at(cr, t.label[i], x, base + f->tick_len + f->gap, 0.5, 0.0);
    }
    draw_text_at(cr, "Time (s)", f->px + 0.5 * f->pw, base + f->tick_len + 2.0 * f->gap + 1.25 * f->fs,
            0.5, 0.0);
}

static void draw_freq_axis(figure *f, const plan *p)
{
    cairo_t *cr = f->cr;
    draw_set_font(cr, f->fs, 0);
    double a_lo = axis_pos(p->scale, p->f_min_hz), a_hi = axis_pos(p->scale, p->f_max_hz);
    for (int i = 0; i < f->fticks.n; i++) {
        double frac = (axis_pos(p->scale, f->fticks.value[i]) - a_lo) / (a_hi - a_lo);
        double y = round(f->py + f->ph - 1 - frac * (f->ph - 1)) + 0.5;
        cairo_move_to(cr, f->px, y);
        cairo_line_to(cr, f->px - f->tick_len, y);
        cairo_stroke(cr);
        draw_text_at(cr, f->fticks.label[i], f->px - f->tick_len - f->gap, y, 1.0, 0.5);
    }
    double label_x = f->px - f->tick_len - 2.0 * f->gap - widest(cr, &f->fticks);
    text_vertical(cr, "Frequency (Hz)", label_x, f->py + 0.5 * f->ph, 1.0);
}

static auris_status draw_colour_bar(figure *f, const shade *sh, const char *name,
                                    auris_error *err)
{
    cairo_t *cr = f->cr;
    cairo_surface_t *bar = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, f->ph);
    auris_status st = cairo_check(cairo_surface_status(bar), name, "create the colour bar", err);
    if (st) {
        cairo_surface_destroy(bar);
        return st;
    }
    cairo_surface_flush(bar);
    unsigned char *data = cairo_image_surface_get_data(bar);
    int stride = cairo_image_surface_get_stride(bar);
    for (int y = 0; y < f->ph; y++) {
        unsigned char rgb[3];
        auris_colormap_rgb(sh->cmap, 1.0f - (y + 0.5f) / f->ph, rgb);
        put_rgb(data + (size_t)y * stride, rgb);
    }
    cairo_surface_mark_dirty(bar);
    cairo_save(cr);
    cairo_translate(cr, f->bx, f->py);
    cairo_scale(cr, f->bw, 1.0);
    cairo_set_source_surface(cr, bar, 0.0, 0.0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(bar);
    stroke_box(cr, f->bx, f->py, f->bw, f->ph);
    draw_set_font(cr, f->fs, 0);
    double x = f->bx + f->bw;
    for (int i = 0; i < f->dbticks.n; i++) {
        double y = round(f->py + (-f->dbticks.value[i]) / sh->range_db * (f->ph - 1)) + 0.5;
        cairo_move_to(cr, x, y);
        cairo_line_to(cr, x + f->tick_len, y);
        cairo_stroke(cr);
        draw_text_at(cr, f->dbticks.label[i], x + f->tick_len + f->gap, y, 0.0, 0.5);
    }
    const char *caption = "dB relative to the maximum";
    if (draw_text_width(cr, caption) > f->ph)
        caption = "dB";
    double cx = x + f->tick_len + 2.0 * f->gap + widest(cr, &f->dbticks);
    text_vertical(cr, caption, cx, f->py + 0.5 * f->ph, 0.0);
    return AURIS_OK;
}

static void default_title(char *buf, size_t len, const char *title, const char *name)
{
    if (title) {
        snprintf(buf, len, "%s", title);
        return;
    }
    const char *slash = strrchr(name, '/');
    snprintf(buf, len, "%s", slash && slash[1] ? slash + 1 : name);
}

static void draw_figure(figure *f, cairo_surface_t *img, const columns *c, const plan *p,
                        double duration_s)
{
    cairo_t *cr = f->cr;
    cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    draw_title(f);
    draw_spectrogram(f, img, c, p, duration_s);
    stroke_box(cr, f->px, f->py, f->pw, f->ph);
    draw_time_axis(f, duration_s);
    draw_freq_axis(f, p);
}

/* Tick labels scale with the picture: about 13 px in the default 1200x600 figure. */
static double font_size(int width, int height)
{
    double fs = sqrt((double)width * height) / 65.0;
    return fs < 9.0 ? 9.0 : fs > 40.0 ? 40.0 : fs;
}

static auris_status figure_open(figure *f, const auris_spectrogram_config *cfg, const plan *p,
                                cairo_surface_t **surface, auris_error *err)
{
    *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, cfg->width_px, cfg->height_px);
    auris_status st = cairo_check(cairo_surface_status(*surface), p->name, "create the figure",
                                  err);
    if (st)
        return st;
    f->cr = cairo_create(*surface);
    st = cairo_check(cairo_status(f->cr), p->name, "draw", err);
    if (st)
        return st;
    f->width = cfg->width_px;
    f->height = cfg->height_px;
    f->fs = font_size(f->width, f->height);
    default_title(f->title, sizeof f->title, cfg->title, p->name);
    if (layout(f, p, cfg->db_range))
        return auris_fail(err, AURIS_EINVAL, "%s: figure %dx%d is too small for its axes",
                          p->name, f->width, f->height);
    return AURIS_OK;
}

static auris_status render_figure(figure *f, const columns *c, const plan *p, const framer *fr,
                                  const shade *sh, double duration_s, auris_error *err)
{
    double *pos = NULL;
    if (row_positions(p, fr, &pos))
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", p->name);
    cairo_surface_t *img = NULL;
    auris_status st = plot_surface(c, p, pos, f->ph, sh, &img, err);
    free(pos);
    if (st)
        return st;
    draw_figure(f, img, c, p, duration_s);
    cairo_surface_destroy(img);
    st = draw_colour_bar(f, sh, p->name, err);
    if (!st)
        st = cairo_check(cairo_status(f->cr), p->name, "draw the figure", err);
    return st;
}

static auris_status write_png(cairo_surface_t *surface, const char *png_path, const char *name,
                              auris_error *err)
{
    cairo_surface_flush(surface);
    errno = 0;
    cairo_status_t cs = cairo_surface_write_to_png(surface, png_path);
    if (cs == CAIRO_STATUS_SUCCESS)
        return AURIS_OK;
    /* cairo says only "error while writing"; the system's reason is more useful. */
    return auris_fail(err, cs == CAIRO_STATUS_NO_MEMORY ? AURIS_ENOMEM : AURIS_EIO,
                      "%s: cannot write %s: %s", name, png_path,
                      errno ? strerror(errno) : cairo_status_to_string(cs));
}

static void fill_stats(auris_spectrogram_stats *s, const figure *f, const columns *c,
                       const plan *p, double duration_s, float max_db, int raw)
{
    memset(s, 0, sizeof *s);
    s->width_px = raw ? c->n : f->width;
    s->height_px = raw ? c->rows : f->height;
    s->plot_x = raw ? 0 : f->px;
    s->plot_y = raw ? 0 : f->py;
    s->plot_width_px = raw ? c->n : f->pw;
    s->plot_height_px = raw ? c->rows : f->ph;
    s->columns = c->n;
    s->rows = c->rows;
    s->frames = c->frames;
    s->frames_per_column = columns_span(c);
    s->duration_s = duration_s;
    s->max_db = max_db;
}

auris_status auris_spectrogram_render_stats(auris_source *src,
                                            const auris_spectrogram_config *cfg,
                                            const char *png_path,
                                            auris_spectrogram_stats *stats, auris_error *err)
{
    if (!src || !cfg || !png_path)
        return auris_fail(err, AURIS_EINVAL, "spectrogram: missing source, config or path");
    plan p;
    figure f;
    columns c;
    framer fr;
    memset(&f, 0, sizeof f);
    memset(&c, 0, sizeof c);
    memset(&fr, 0, sizeof fr);
    cairo_surface_t *surface = NULL;
    auris_status st = make_plan(src, cfg, &p, err);
    if (!st && !cfg->raw)
        st = figure_open(&f, cfg, &p, &surface, err);
    if (!st)
        st = columns_init(&c, &p, cfg->raw, f.pw, err);
    if (!st)
        st = read_columns(src, &p, &c, &fr, err);
    if (!st) {
        double duration_s = (double)fr.samples / p.sample_rate_hz;
        float max_db = columns_to_db(&c);
        shade sh = {cfg->cmap, max_db - cfg->db_range, cfg->db_range};
        if (cfg->raw)
            st = raw_surface(&c, &p, &sh, &surface, err);
        else
            st = render_figure(&f, &c, &p, &fr, &sh, duration_s, err);
        if (!st)
            st = write_png(surface, png_path, p.name, err);
        if (!st && stats)
            fill_stats(stats, &f, &c, &p, duration_s, max_db, cfg->raw);
    }
    cairo_destroy(f.cr);
    cairo_surface_destroy(surface);
    columns_free(&c);
    framer_free(&fr);
    return st;
}

auris_status auris_spectrogram_render(auris_source *src, const auris_spectrogram_config *cfg,
                                      const char *png_path, auris_error *err)
{
    return auris_spectrogram_render_stats(src, cfg, png_path, NULL, err);
}
