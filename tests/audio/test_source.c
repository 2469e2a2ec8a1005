/* Decoding every supported format, downmixing, resampling and streaming. The inputs are
 * made here with libsndfile from a known signal, so each check has an exact expectation. */
#include <sndfile.h>
#include <unistd.h>

#include "auris/audio.h"
#include "test.h"

#define PI 3.14159265358979323846
#define RATE 44100
#define SECONDS 1
#define N (RATE * SECONDS)

/* Left: 440 Hz at 0.5; right: 440 Hz at 0.25, so the mono mix is 440 Hz at 0.375. */
static void make_signal(float *x)
{
    for (int i = 0; i < N; i++) {
        double s = sin(2 * PI * 440.0 * i / RATE);
        x[2 * i] = (float)(0.5 * s);
        x[2 * i + 1] = (float)(0.25 * s);
    }
}

static int write_file(const char *path, int format, const float *x)
{
    SF_INFO si = {0};
    si.samplerate = RATE;
    si.channels = 2;
    si.format = format;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &si);
    if (!sf) {
        fprintf(stderr, "cannot write %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    sf_writef_float(sf, x, N);
    sf_close(sf);
    return 0;
}

/* Frequency from zero crossings, robust for lossy codecs. */
static double tone_hz(const float *y, size_t n, int rate)
{
    int crossings = 0;
    for (size_t i = 1; i < n; i++)
        if ((y[i - 1] < 0) != (y[i] < 0))
            crossings++;
    return crossings / 2.0 / ((double)n / rate);
}

static double rms(const float *y, size_t n)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += (double)y[i] * y[i];
    return sqrt(acc / (double)n);
}

typedef struct format_case {
    const char *name;
    int format;
    int lossless;
    double tol;
} format_case;

static void test_formats(const float *x)
{
    static const format_case cases[] = {
        {"pcm8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 1, 1.0 / 64},
        {"pcm16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 1e-4},
        {"pcm24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 1, 1e-6},
        {"pcm32.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 1, 1e-6},
        {"float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1, 1e-7},
        {"extensible.wav", SF_FORMAT_WAVEX | SF_FORMAT_PCM_16, 1, 1e-4},
        {"lossless.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 1, 1e-4},
        {"vorbis.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 0, 0},
        {"opus.opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 0, 0},
        {"mpeg.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 0, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char path[512];
        snprintf(path, sizeof path, "%s/source-%s", test_tmpdir(), cases[c].name);
        int rate = cases[c].format == (SF_FORMAT_OGG | SF_FORMAT_OPUS) ? 48000 : RATE;
        if (rate != RATE) {
            /* Opus only codes 8/12/16/24/48 kHz: resample the signal with auris first. */
            float *y = malloc(sizeof(float) * 2 * 48000 * (SECONDS + 1));
            auris_resampler *r = NULL;
            size_t used = 0, done = 0, more = 0;
            CHECK_OK(auris_resampler_new(RATE, 48000, 2, &r, NULL));
            auris_resampler_process(r, x, N, &used, y, 48000 * (SECONDS + 1), &done);
            auris_resampler_process(r, NULL, 0, NULL, y + 2 * done, 48000 * (SECONDS + 1) - done, &more);
            auris_resampler_free(r);
            SF_INFO si = {0};
            si.samplerate = 48000;
            si.channels = 2;
            si.format = cases[c].format;
            SNDFILE *sf = sf_open(path, SFM_WRITE, &si);
            CHECK_MSG(sf != NULL, "%s: %s", path, sf_strerror(NULL));
            if (sf) {
                sf_writef_float(sf, y, (sf_count_t)(done + more));
                sf_close(sf);
            }
            free(y);
        } else if (write_file(path, cases[c].format, x) != 0) {
            CHECK_MSG(0, "cannot write %s", path);
            continue;
        }
        auris_source_config cfg;
        auris_source_config_default(&cfg);
        float *y = NULL;
        size_t frames = 0;
        int got_rate = 0, ch = 0;
        auris_error err = {0};
        auris_status st = auris_audio_load(path, &cfg, 0, &y, &frames, &got_rate, &ch, &err);
        CHECK_MSG(st == AURIS_OK, "%s: %s", cases[c].name, err.message);
        if (st != AURIS_OK)
            continue;
        CHECK(ch == 1);
        CHECK(got_rate == rate);
        if (cases[c].lossless) {
            CHECK_MSG(frames == N, "%s: %zu frames", cases[c].name, frames);
            double maxerr = 0;
            for (size_t i = 0; i < frames && i < N; i++) {
                double e = fabs(y[i] - 0.5 * (x[2 * i] + x[2 * i + 1]));
                if (e > maxerr)
                    maxerr = e;
            }
            CHECK_MSG(maxerr <= cases[c].tol, "%s: max error %g > %g", cases[c].name, maxerr,
                      cases[c].tol);
        } else {
            /* Lossy codecs add priming samples; the tone and level must survive. */
            CHECK_MSG(fabs((double)frames / rate - SECONDS) < 0.1, "%s: %zu frames", cases[c].name, frames);
            CHECK_NEAR(tone_hz(y, frames, rate), 440.0, 8.0);
            CHECK_NEAR(rms(y, frames), 0.375 / sqrt(2.0), 0.03);
        }
        const char *want = strstr(cases[c].name, ".wav") ? "WAV" : strstr(cases[c].name, ".flac") ? "FLAC"
                         : strstr(cases[c].name, ".mp3") ? "MP3" : "OGG";
        auris_source *src = NULL;
        CHECK_OK(auris_source_open(path, &cfg, &src, NULL));
        if (src) {
            CHECK_MSG(!strcmp(auris_source_info(src)->format, want), "%s: format %s",
                      cases[c].name, auris_source_info(src)->format);
            CHECK(auris_source_info(src)->channels == 2);
            auris_source_free(src);
        }
        free(y);
    }
}

static void test_channels_kept(const char *path, const float *x)
{
    auris_source_config cfg;
    auris_source_config_default(&cfg);
    cfg.mono = 0;
    float *y = NULL;
    size_t frames = 0;
    int ch = 0, rate = 0;
    CHECK_OK(auris_audio_load(path, &cfg, 0, &y, &frames, &rate, &ch, NULL));
    CHECK(ch == 2 && frames == N);
    double maxerr = 0;
    for (size_t i = 0; y && i < 2 * frames; i++)
        maxerr = fmax(maxerr, fabs(y[i] - x[i]));
    CHECK(maxerr < 1e-7);
    free(y);
}

/* 44.1 kHz -> 16 kHz: length scales, and the tone comes out where an ideal resampler puts it. */
static void test_resample(const char *path)
{
    auris_source_config cfg;
    auris_source_config_default(&cfg);
    cfg.sample_rate_hz = 16000;
    float *y = NULL;
    size_t frames = 0;
    int rate = 0, ch = 0;
    CHECK_OK(auris_audio_load(path, &cfg, 0, &y, &frames, &rate, &ch, NULL));
    CHECK(rate == 16000 && ch == 1);
    CHECK_MSG(labs((long)frames - 16000L * SECONDS) <= 1, "%zu frames", frames);
    double maxerr = 0;
    for (size_t i = 800; i + 800 < frames; i++)
        maxerr = fmax(maxerr, fabs(y[i] - 0.375 * sin(2 * PI * 440.0 * (double)i / 16000)));
    CHECK_MSG(maxerr < 2e-3, "resampled tone deviates by %g", maxerr);
    free(y);
}

/* Any read size gives the same samples as one whole read. */
static void test_chunking(const char *path)
{
    auris_source_config cfg;
    auris_source_config_default(&cfg);
    cfg.sample_rate_hz = 22050;
    float *whole = NULL;
    size_t frames = 0;
    CHECK_OK(auris_audio_load(path, &cfg, 0, &whole, &frames, NULL, NULL, NULL));
    static const size_t sizes[] = {1, 7, 333, 4096, 100000};
    float *y = malloc(sizeof(float) * (frames + 100000));
    for (size_t k = 0; whole && k < sizeof sizes / sizeof sizes[0]; k++) {
        auris_source *src = NULL;
        CHECK_OK(auris_source_open(path, &cfg, &src, NULL));
        size_t len = 0, got = 0;
        while (src && auris_source_read(src, y + len, sizes[k], &got) == AURIS_OK && got > 0) {
            CHECK(got == sizes[k] || len + got == frames);
            len += got;
        }
        CHECK_MSG(len == frames && !memcmp(y, whole, sizeof(float) * frames),
                  "chunk %zu: %zu frames vs %zu", sizes[k], len, frames);
        auris_source_free(src);
    }
    free(y);
    free(whole);
}

/* Headerless s16le read from a file path with raw set. */
static void test_raw(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/source-raw.s16", test_tmpdir());
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < 8000; i++) {
        short v = (short)(10000 * sin(2 * PI * 1000.0 * i / 8000));
        fwrite(&v, 2, 1, f);
    }
    fclose(f);
    auris_source_config cfg;
    auris_source_config_default(&cfg);
    cfg.raw = 1;
    cfg.raw_sample_rate_hz = 8000;
    float *y = NULL;
    size_t frames = 0;
    int rate = 0;
    CHECK_OK(auris_audio_load(path, &cfg, 0, &y, &frames, &rate, NULL, NULL));
    CHECK(frames == 8000 && rate == 8000);
    CHECK_NEAR(y ? y[2] : 0, 10000 * sin(2 * PI * 1000.0 * 2 / 8000) / 32768.0, 1.0 / 32768);
    free(y);
}

int main(void)
{
    float *x = malloc(sizeof(float) * 2 * N);
    make_signal(x);
    test_formats(x);
    char path[512];
    snprintf(path, sizeof path, "%s/source-float.wav", test_tmpdir());
    test_channels_kept(path, x);
    test_resample(path);
    test_chunking(path);
    test_raw();
    free(x);
    return test_finish("audio/source");
}
