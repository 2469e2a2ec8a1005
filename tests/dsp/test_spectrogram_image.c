/* Spectrogram pictures: colormap endpoints against matplotlib's published values; a tone
 * lands on its own STFT bin / mel band in raw pictures and on the right pixel row of the
 * figure's linear, log and mel axes; figures have the requested size; 30 minutes of audio
 * (a file of known length and a stdin stream of unknown length) render into at most one
 * column per plot pixel with bounded memory; bad settings fail with a message naming the
 * input. */
#include "test.h"

#include <cairo.h>
#include <stdint.h>
#include <sys/resource.h>

#include "auris/dsp.h"
#include "auris/image.h"

#define PI 3.14159265358979323846

static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/spectrogram_%s", test_tmpdir(), name);
}

/* A sine of hz_a for the first half and hz_b for the second, written in chunks. */
static int write_tones(const char *path, int rate, double seconds, double hz_a, double hz_b)
{
    auris_wav_writer *w = NULL;
    auris_error err = {0};
    if (auris_wav_writer_open(path, rate, 1, AURIS_WAV_PCM16, &w, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    enum { CHUNK = 4096 };
    float buf[CHUNK];
    long long total = (long long)(seconds * rate), half = total / 2;
    double phase = 0.0;
    for (long long done = 0; done < total;) {
        size_t n = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
        for (size_t i = 0; i < n; i++) {
            double hz = done + (long long)i < half ? hz_a : hz_b;
            buf[i] = (float)(0.5 * sin(phase));
            phase = fmod(phase + 2.0 * PI * hz / rate, 2.0 * PI);
        }
        if (auris_wav_writer_write(w, buf, n))
            return -1;
        done += (long long)n;
    }
    return auris_wav_writer_close(w, &err) ? -1 : 0;
}

static auris_source *open_source(const char *path)
{
    auris_source_config sc;
    auris_source_config_default(&sc);
    auris_source *src = NULL;
    auris_error err = {0};
    if (auris_source_open(path, &sc, &src, &err))
        fprintf(stderr, "%s\n", err.message);
    return src;
}

static auris_status render(const char *wav, const auris_spectrogram_config *cfg,
                           const char *png, auris_spectrogram_stats *stats, auris_error *err)
{
    auris_source *src = open_source(wav);
    if (!src)
        return AURIS_EIO;
    auris_status st = auris_spectrogram_render_stats(src, cfg, png, stats, err);
    auris_source_free(src);
    if (st)
        fprintf(stderr, "render: %s\n", err->message);
    return st;
}

/* Green channel: the brightness of the gray colormap, whatever the PNG's pixel format. */
static int pixel(cairo_surface_t *s, int x, int y)
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    uint32_t v;
    memcpy(&v, d + (size_t)y * cairo_image_surface_get_stride(s) + 4 * (size_t)x, sizeof v);
    return (int)(v >> 8 & 0xff);
}

static int brightest_row(cairo_surface_t *s, int x, int y0, int h)
{
    int best = y0, best_v = -1;
    for (int y = y0; y < y0 + h; y++) {
        int v = pixel(s, x, y);
        if (v > best_v)
            best_v = v, best = y;
    }
    return best;
}

static cairo_surface_t *load_png(const char *png)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(png);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        fprintf(stderr, "%s: %s\n", png, cairo_status_to_string(cairo_surface_status(s)));
        cairo_surface_destroy(s);
        return NULL;
    }
    return s;
}

static void expect_rgb(auris_colormap cmap, float t, unsigned r, unsigned g, unsigned b)
{
    unsigned char rgb[3];
    auris_colormap_rgb(cmap, t, rgb);
    CHECK_MSG(rgb[0] == r && rgb[1] == g && rgb[2] == b, "cmap %d at %g: got #%02x%02x%02x, "
              "want #%02x%02x%02x", (int)cmap, (double)t, rgb[0], rgb[1], rgb[2], r, g, b);
}

static void test_colormaps(void)
{
    expect_rgb(AURIS_CMAP_VIRIDIS, 0.0f, 0x44, 0x01, 0x54);
    expect_rgb(AURIS_CMAP_VIRIDIS, 1.0f, 0xfd, 0xe7, 0x25);
    /* Inner points as matplotlib 3.6 gives them (matplotlib.colors.to_hex(cmap(t))). */
    expect_rgb(AURIS_CMAP_VIRIDIS, 0.25f, 0x3b, 0x52, 0x8b);
    expect_rgb(AURIS_CMAP_VIRIDIS, 0.5f, 0x21, 0x91, 0x8c);
    expect_rgb(AURIS_CMAP_VIRIDIS, 0.75f, 0x5e, 0xc9, 0x62);
    expect_rgb(AURIS_CMAP_MAGMA, 0.25f, 0x51, 0x12, 0x7c);
    expect_rgb(AURIS_CMAP_MAGMA, 0.75f, 0xfc, 0x89, 0x61);
    expect_rgb(AURIS_CMAP_JET, 0.25f, 0x00, 0x80, 0xff);
    expect_rgb(AURIS_CMAP_JET, 0.75f, 0xff, 0x94, 0x00);
    expect_rgb(AURIS_CMAP_MAGMA, 0.0f, 0x00, 0x00, 0x04);
    expect_rgb(AURIS_CMAP_MAGMA, 1.0f, 0xfc, 0xfd, 0xbf);
    expect_rgb(AURIS_CMAP_GRAY, 0.0f, 0, 0, 0);
    expect_rgb(AURIS_CMAP_GRAY, 1.0f, 255, 255, 255);
    expect_rgb(AURIS_CMAP_JET, 0.0f, 0, 0, 128);
    expect_rgb(AURIS_CMAP_JET, 1.0f, 128, 0, 0);
    expect_rgb(AURIS_CMAP_VIRIDIS, -3.0f, 0x44, 0x01, 0x54); /* clamped */
    expect_rgb(AURIS_CMAP_VIRIDIS, NAN, 0x44, 0x01, 0x54);
    CHECK(auris_colormap_from_name("magma") == AURIS_CMAP_MAGMA);
    CHECK(auris_colormap_from_name("jet") == AURIS_CMAP_JET);
    CHECK(auris_colormap_from_name("hot") == -1);
    CHECK(auris_freq_scale_from_name("log") == AURIS_FREQ_LOG);
    CHECK(auris_freq_scale_from_name("bark") == -1);
}

/* 1 kHz at 16 kHz with n_fft 512: the tone is bin 32, drawn at row 512/2 - 32 from the top. */
static void test_raw_tone(const char *wav)
{
    char png[512];
    tmp_path(png, sizeof png, "raw_linear.png");
    auris_spectrogram_config cfg;
    auris_spectrogram_config_default(&cfg);
    cfg.raw = 1;
    cfg.scale = AURIS_FREQ_LINEAR;
    cfg.cmap = AURIS_CMAP_GRAY;
    cfg.n_fft = 512;
    cfg.hop_length = 128;
    cfg.name = wav;
    auris_spectrogram_stats stats;
    auris_error err = {0};
    CHECK_OK(render(wav, &cfg, png, &stats, &err));
    cairo_surface_t *s = load_png(png);
    CHECK(s != NULL);
    if (!s)
        return;
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    CHECK(h == 257);
    CHECK(w == 1 + 2 * 16000 / 128); /* centred frames of 2 s */
    CHECK(w == stats.columns && stats.frames == w);
    int off = 0;
    for (int x = 4; x < w - 4; x++)
        off += brightest_row(s, x, 0, h) != 256 - 32;
    CHECK_MSG(off == 0, "%d of %d columns peak away from bin 32", off, w - 8);
    cairo_surface_destroy(s);
}

static void test_raw_mel(const char *wav)
{
    char png[512];
    tmp_path(png, sizeof png, "raw_mel.png");
    auris_spectrogram_config cfg;
    auris_spectrogram_config_default(&cfg);
    cfg.raw = 1;
    cfg.cmap = AURIS_CMAP_GRAY;
    cfg.n_fft = 512;
    cfg.n_mels = 40;
    auris_error err = {0};
    CHECK_OK(render(wav, &cfg, png, NULL, &err));
    cairo_surface_t *s = load_png(png);
    if (!s) {
        CHECK(s != NULL);
        return;
    }
    CHECK(cairo_image_surface_get_height(s) == 40);
    int band = 39 - brightest_row(s, cairo_image_surface_get_width(s) / 4, 0, 40);
    auris_mel_config mc;
    auris_mel_config_default(&mc);
    mc.sample_rate_hz = 16000;
    mc.n_fft = 512;
    mc.n_mels = 40;
    mc.scale = AURIS_MEL_SLANEY;
    mc.norm = AURIS_MEL_NORM_SLANEY;
    auris_melbank *mb = NULL;
    CHECK_OK(auris_melbank_new(&mc, &mb, &err));
    if (mb) {
        double spacing = auris_melbank_center_hz(mb, band + 1) - auris_melbank_center_hz(mb, band);
        CHECK_MSG(fabs(auris_melbank_center_hz(mb, band) - 1000.0) <= spacing,
                  "brightest band %d is centred at %g Hz", band,
                  (double)auris_melbank_center_hz(mb, band));
    }
    auris_melbank_free(mb);
    cairo_surface_destroy(s);
}

static double axis_frac(auris_freq_scale scale, double hz, double lo, double hi)
{
    if (scale == AURIS_FREQ_LOG)
        return log(hz / lo) / log(hi / lo);
    if (scale == AURIS_FREQ_MEL)
        return (auris_hz_to_mel(hz, AURIS_MEL_SLANEY) - auris_hz_to_mel(lo, AURIS_MEL_SLANEY)) /
               (auris_hz_to_mel(hi, AURIS_MEL_SLANEY) - auris_hz_to_mel(lo, AURIS_MEL_SLANEY));
    return (hz - lo) / (hi - lo);
}

/* The figure has the requested size, white margins with dark text in them, and the tone
 * drawn at the pixel row its frequency maps to on each scale. */
static void test_figure(const char *wav, auris_freq_scale scale, double f_lo)
{
    char png[512];
    tmp_path(png, sizeof png, "figure.png");
    auris_spectrogram_config cfg;
    auris_spectrogram_config_default(&cfg);
    cfg.width_px = 800;
    cfg.height_px = 450;
    cfg.scale = scale;
    cfg.cmap = AURIS_CMAP_GRAY;
    cfg.n_fft = 1024;
    cfg.n_mels = 256;
    cfg.name = wav;
    auris_spectrogram_stats st;
    auris_error err = {0};
    CHECK_OK(render(wav, &cfg, png, &st, &err));
    cairo_surface_t *s = load_png(png);
    if (!s) {
        CHECK(s != NULL);
        return;
    }
    CHECK(cairo_image_surface_get_width(s) == 800 && cairo_image_surface_get_height(s) == 450);
    CHECK(st.width_px == 800 && st.height_px == 450);
    CHECK(st.plot_width_px > 500 && st.plot_height_px > 300);
    CHECK(pixel(s, 2, 2) == 255 && pixel(s, 797, 447) == 255);
    int dark = 0;
    for (int y = st.plot_y; y < st.plot_y + st.plot_height_px; y++)
        for (int x = 0; x < st.plot_x - 8; x++)
            dark += pixel(s, x, y) < 100;
    CHECK_MSG(dark > 100, "only %d dark pixels of tick labels left of the plot", dark);
    double frac = axis_frac(scale, 1000.0, f_lo, 8000.0);
    double want = st.plot_y + (1.0 - frac) * (st.plot_height_px - 1);
    int got = brightest_row(s, st.plot_x + st.plot_width_px / 2, st.plot_y, st.plot_height_px);
    /* Half an STFT bin (7.8 Hz) is the tolerance on the linear axis; 1 % of the height on
     * the others, where bins and bands spread over several rows. */
    double tol = scale == AURIS_FREQ_LINEAR ? 3.0 : 0.01 * st.plot_height_px + 1.0;
    CHECK_MSG(fabs(got - want) <= tol, "scale %d: tone at row %d, expected %.1f", (int)scale,
              got, want);
    cairo_surface_destroy(s);
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* The long picture shows 500 Hz left of the middle and 2 kHz right of it. */
static void check_long_picture(const char *png, const auris_spectrogram_stats *st)
{
    cairo_surface_t *s = load_png(png);
    if (!s) {
        CHECK(s != NULL);
        return;
    }
    int x_a = st->plot_x + st->plot_width_px / 4, x_b = st->plot_x + 3 * st->plot_width_px / 4;
    int y_a = brightest_row(s, x_a, st->plot_y, st->plot_height_px);
    int y_b = brightest_row(s, x_b, st->plot_y, st->plot_height_px);
    double y_500 = st->plot_y + (1.0 - 500.0 / 4000.0) * (st->plot_height_px - 1);
    double y_2k = st->plot_y + (1.0 - 2000.0 / 4000.0) * (st->plot_height_px - 1);
    CHECK_MSG(fabs(y_a - y_500) <= 3 && fabs(y_b - y_2k) <= 3,
              "tones at rows %d and %d, expected %.0f and %.0f", y_a, y_b, y_500, y_2k);
    cairo_surface_destroy(s);
}

static void long_config(auris_spectrogram_config *cfg)
{
    auris_spectrogram_config_default(cfg);
    cfg->scale = AURIS_FREQ_LINEAR;
    cfg->cmap = AURIS_CMAP_GRAY;
    cfg->n_fft = 512;
    cfg->hop_length = 256;
}

/* 30 minutes at 8 kHz: loading it would take 57.6 MB of floats. */
static void test_long(void)
{
    char wav[512], png[512];
    tmp_path(wav, sizeof wav, "long.wav");
    tmp_path(png, sizeof png, "long.png");
    const double seconds = 1800.0;
    CHECK_OK(write_tones(wav, 8000, seconds, 500.0, 2000.0));
    long before = max_rss_kb();
    auris_spectrogram_config cfg;
    long_config(&cfg);
    cfg.name = wav;
    auris_spectrogram_stats st;
    auris_error err = {0};
    CHECK_OK(render(wav, &cfg, png, &st, &err));
    long grew_kb = max_rss_kb() - before;
    printf("30 min file: %lld frames in %d columns, peak memory grew by %ld kB\n", st.frames,
           st.columns, grew_kb);
    CHECK_MSG(grew_kb < 24 * 1024, "peak memory grew by %ld kB", grew_kb);
    CHECK(st.columns <= st.plot_width_px && st.columns > st.plot_width_px / 2);
    CHECK(st.frames == 1 + (long long)(seconds * 8000) / 256);
    CHECK_NEAR(st.duration_s, seconds, 1e-6);
    check_long_picture(png, &st);

    /* Too many frames for a raw picture: refused before reading. */
    cfg.raw = 1;
    CHECK(render(wav, &cfg, png, NULL, &err) == AURIS_ERANGE);
    CHECK_MSG(strstr(err.message, "long.wav") && strstr(err.message, "32767"), "%s",
              err.message);
    remove(wav);
}

static void test_long_stream(void)
{
    char pcm[512], png[512];
    tmp_path(pcm, sizeof pcm, "long.s16");
    tmp_path(png, sizeof png, "long_stream.png");
    FILE *f = fopen(pcm, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    int16_t buf[4000];
    long long total = 1800LL * 8000;
    for (long long i = 0; i < total; i += 4000) {
        for (int k = 0; k < 4000; k++) {
            double hz = i + k < total / 2 ? 500.0 : 2000.0;
            buf[k] = (int16_t)lrint(16000.0 * sin(2.0 * PI * hz * (double)((i + k) % 8000) / 8000));
        }
        fwrite(buf, sizeof buf[0], 4000, f);
    }
    fclose(f);
    CHECK(freopen(pcm, "rb", stdin) != NULL);
    auris_source_config sc;
    auris_source_config_default(&sc);
    sc.raw = 1;
    sc.raw_sample_rate_hz = 8000;
    auris_source *src = NULL;
    auris_error err = {0};
    CHECK_OK(auris_source_open("-", &sc, &src, &err));
    if (!src)
        return;
    CHECK(auris_source_info(src)->frames < 0);
    long before = max_rss_kb();
    auris_spectrogram_config cfg;
    long_config(&cfg);
    auris_spectrogram_stats st;
    CHECK_OK(auris_spectrogram_render_stats(src, &cfg, png, &st, &err));
    long grew_kb = max_rss_kb() - before;
    auris_source_free(src);
    printf("30 min stream: %lld frames in %d columns (%g per column), peak memory grew by "
           "%ld kB\n", st.frames, st.columns, st.frames_per_column, grew_kb);
    CHECK_MSG(grew_kb < 24 * 1024, "peak memory grew by %ld kB", grew_kb);
    CHECK(st.columns <= st.plot_width_px && st.columns > st.plot_width_px / 2);
    CHECK(st.frames_per_column >= 32); /* 56251 frames halved down to fit */
    check_long_picture(png, &st);
    remove(pcm);
}

static void test_bad_settings(const char *wav)
{
    char png[512];
    tmp_path(png, sizeof png, "bad.png");
    auris_spectrogram_config cfg;
    auris_spectrogram_config_default(&cfg);
    cfg.name = wav;
    auris_error err = {0};
    cfg.f_max_hz = 12000.0f; /* above 8 kHz Nyquist */
    CHECK(render(wav, &cfg, png, NULL, &err) == AURIS_EINVAL);
    CHECK_MSG(strstr(err.message, wav) && strstr(err.message, "Nyquist"), "%s", err.message);
    auris_spectrogram_config_default(&cfg);
    cfg.raw = 1;
    cfg.scale = AURIS_FREQ_LOG;
    CHECK(render(wav, &cfg, png, NULL, &err) == AURIS_EINVAL);
    auris_spectrogram_config_default(&cfg);
    cfg.width_px = 50;
    CHECK(render(wav, &cfg, png, NULL, &err) == AURIS_EINVAL);
    auris_spectrogram_config_default(&cfg);
    CHECK(render(wav, &cfg, "/nonexistent-dir/x.png", NULL, &err) == AURIS_EIO);
    CHECK_MSG(strstr(err.message, "/nonexistent-dir/x.png") != NULL, "%s", err.message);
}

int main(void)
{
    char wav[512];
    tmp_path(wav, sizeof wav, "tone.wav");
    test_colormaps();
    CHECK_OK(write_tones(wav, 16000, 2.0, 1000.0, 1000.0));
    test_raw_tone(wav);
    test_raw_mel(wav);
    test_figure(wav, AURIS_FREQ_LINEAR, 0.0);
    test_figure(wav, AURIS_FREQ_LOG, 20.0);
    test_figure(wav, AURIS_FREQ_MEL, 0.0);
    test_bad_settings(wav);
    test_long();
    test_long_stream();
    return test_finish("test_spectrogram_image");
}
