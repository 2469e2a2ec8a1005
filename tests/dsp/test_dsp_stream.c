/* Streaming: pushing a signal in any chunk sizes (1 sample, primes, random, all at once),
 * reading frames between writes, gives bit-identical frames to the one-shot computation;
 * memory stays bounded over a long stream; short signals, reset and misuse behave as
 * documented in auris/dsp.h. */
#include "test.h"

#include <stdint.h>

#include "auris/dsp.h"
#include "auris/npy.h"

/* A deterministic test signal: two tones plus LCG noise. */
static float *make_signal(size_t n, uint32_t seed)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    uint32_t s = seed;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        double noise = ((double)(s >> 8) / (double)(1u << 24) - 0.5) * 0.1;
        x[i] = (float)(0.5 * sin(0.05 * (double)i) + 0.2 * sin(0.31 * (double)i) + noise);
    }
    return x;
}

typedef enum { CHUNK_ALL, CHUNK_ONE, CHUNK_PRIMES, CHUNK_RANDOM } chunking;

static size_t next_chunk(chunking how, size_t step, uint32_t *rng, size_t left)
{
    static const size_t primes[] = {2, 3, 5, 7, 11, 13, 17, 97, 389, 1021, 4099};
    size_t n = left;
    switch (how) {
    case CHUNK_ALL: n = left; break;
    case CHUNK_ONE: n = 1; break;
    case CHUNK_PRIMES: n = primes[step % (sizeof primes / sizeof primes[0])]; break;
    case CHUNK_RANDOM:
        *rng = *rng * 1664525u + 1013904223u;
        n = (*rng >> 16) % 3000;
        break;
    }
    return n < left ? n : left;
}

/* Runs x through f in chunks, reading every ready frame after each write. */
static size_t stream(auris_features *f, const float *x, size_t n, chunking how, float *out,
                     size_t max_frames)
{
    size_t frames = 0, pos = 0, step = 0;
    uint32_t rng = 42;
    size_t dim = (size_t)auris_features_dim(f);
    while (pos < n) {
        size_t c = next_chunk(how, step++, &rng, n - pos);
        CHECK_OK(auris_features_write(f, x + pos, c));
        pos += c;
        while (frames < max_frames && auris_features_read(f, out + frames * dim))
            frames++;
    }
    CHECK_OK(auris_features_end(f));
    while (frames < max_frames && auris_features_read(f, out + frames * dim))
        frames++;
    return frames;
}

static void check_config(const char *label, auris_features_config *cfg, const float *x,
                         size_t n)
{
    auris_features *f = NULL;
    auris_error err = {0};
    CHECK_OK(auris_features_new(cfg, &f, &err));
    if (!f) {
        fprintf(stderr, "%s: %s\n", label, err.message);
        return;
    }
    size_t dim = (size_t)auris_features_dim(f);
    size_t expect = auris_features_n_frames(f, n);
    size_t cap = expect + 2;
    float *whole = malloc(cap * dim * sizeof *whole);
    float *part = malloc(cap * dim * sizeof *part);
    size_t n_whole = stream(f, x, n, CHUNK_ALL, whole, cap);
    CHECK_MSG(n_whole == expect, "%s: %zu frames, auris_features_n_frames says %zu", label, n_whole,
              expect);
    const chunking hows[] = {CHUNK_ONE, CHUNK_PRIMES, CHUNK_RANDOM};
    const char *names[] = {"1-sample", "prime", "random"};
    for (int h = 0; h < 3; h++) {
        auris_features_reset(f);
        memset(part, 0, cap * dim * sizeof *part);
        size_t n_part = stream(f, x, n, hows[h], part, cap);
        CHECK_MSG(n_part == n_whole, "%s, %s chunks: %zu frames vs %zu", label, names[h],
                  n_part, n_whole);
        CHECK_MSG(memcmp(part, whole, n_whole * dim * sizeof *part) == 0,
                  "%s, %s chunks: frames differ from the one-shot computation", label,
                  names[h]);
    }
    free(whole);
    free(part);
    auris_features_free(f);
}

static void stft_cfg(auris_features_config *cfg, int n_fft, int hop, int win,
                     auris_window_type w, int center, auris_pad_mode pad)
{
    auris_features_config_default(cfg, AURIS_FEATURE_STFT, 16000);
    cfg->stft.n_fft = n_fft;
    cfg->stft.hop_length = hop;
    cfg->stft.win_length = win;
    cfg->stft.window = w;
    cfg->stft.center = center;
    cfg->stft.pad_mode = pad;
}

static void test_chunkings(void)
{
    size_t n = 12345;
    float *x = make_signal(n, 1);
    auris_features_config cfg;
    stft_cfg(&cfg, 512, 128, 512, AURIS_WINDOW_HANN, 1, AURIS_PAD_REFLECT);
    check_config("stft reflect", &cfg, x, n);
    stft_cfg(&cfg, 400, 160, 300, AURIS_WINDOW_HAMMING, 1, AURIS_PAD_CONSTANT);
    check_config("stft constant win<n_fft", &cfg, x, n);
    stft_cfg(&cfg, 255, 64, 200, AURIS_WINDOW_POVEY, 0, AURIS_PAD_REFLECT);
    check_config("stft no centre odd n_fft", &cfg, x, n);
    stft_cfg(&cfg, 1024, 1500, 1024, AURIS_WINDOW_RECT, 1, AURIS_PAD_REFLECT);
    check_config("stft hop > n_fft", &cfg, x, n);
    auris_features_config_default(&cfg, AURIS_FEATURE_LOGMEL, 22050);
    cfg.stft.n_fft = 1024;
    cfg.stft.hop_length = 256;
    check_config("logmel", &cfg, x, n);
    auris_features_config_default(&cfg, AURIS_FEATURE_MFCC, 16000);
    cfg.lifter = 22.0f;
    check_config("mfcc", &cfg, x, n);
    /* Signals around the reflect-padding limit (n_fft/2 = 200): at and below it auris
     * falls back to zero padding. */
    const size_t shorts[] = {1, 2, 150, 200, 201, 202, 399, 400, 401};
    for (size_t i = 0; i < sizeof shorts / sizeof shorts[0]; i++) {
        char label[64];
        snprintf(label, sizeof label, "short signal of %zu", shorts[i]);
        auris_features_config_default(&cfg, AURIS_FEATURE_STFT, 16000);
        check_config(label, &cfg, x, shorts[i]);
        stft_cfg(&cfg, 400, 100, 400, AURIS_WINDOW_HANN, 0, AURIS_PAD_REFLECT);
        check_config(label, &cfg, x, shorts[i]);
    }
    free(x);
}

/* The committed synthetic fixture signals, streamed too. */
static void test_fixture_signals(void)
{
    const char *files[] = {"synth_16k.npy", "impulses_16k.npy", "short_16k.npy"};
    for (int i = 0; i < 3; i++) {
        char path[1024];
        float *x = NULL;
        size_t rows = 0, cols = 0;
        auris_error err = {0};
        snprintf(path, sizeof path, "%s/dsp/%s", AURIS_FIXTURES, files[i]);
        CHECK_OK(auris_npy_load(path, &x, &rows, &cols, &err));
        if (!x)
            continue;
        auris_features_config cfg;
        auris_features_config_default(&cfg, AURIS_FEATURE_LOGMEL, 16000);
        check_config(files[i], &cfg, x, rows * cols);
        free(x);
    }
}

static size_t frames_of(auris_stft *st, const float *x, size_t n, float *out)
{
    size_t t = 0;
    auris_stft_reset(st);
    CHECK_OK(auris_stft_write(st, x, n));
    CHECK_OK(auris_stft_end(st));
    while (auris_stft_read(st, out + t * (size_t)auris_stft_n_bins(st)))
        t++;
    return t;
}

/* Documented short-signal behaviour: reflect needs more than n_fft/2 samples; shorter
 * signals get zero padding, exactly what pad_mode constant computes. */
static void test_reflect_fallback(void)
{
    float *x = make_signal(300, 5);
    auris_stft_config rc, cc;
    auris_stft_config_default(&rc);
    cc = rc;
    cc.pad_mode = AURIS_PAD_CONSTANT;
    auris_stft *rs = NULL, *cs = NULL;
    CHECK_OK(auris_stft_new(&rc, &rs, NULL));
    CHECK_OK(auris_stft_new(&cc, &cs, NULL));
    if (!rs || !cs)
        return;
    int bins = auris_stft_n_bins(rs);
    float *a = malloc(16 * (size_t)bins * sizeof *a), *b = malloc(16 * (size_t)bins * sizeof *b);
    size_t na = frames_of(rs, x, 200, a), nb = frames_of(cs, x, 200, b);
    CHECK(na == 3 && nb == 3);
    CHECK(memcmp(a, b, na * (size_t)bins * sizeof *a) == 0);
    na = frames_of(rs, x, 201, a);
    nb = frames_of(cs, x, 201, b);
    CHECK(na == nb && memcmp(a, b, na * (size_t)bins * sizeof *a) != 0);
    CHECK(frames_of(rs, x, 0, a) == 0);
    free(a);
    free(b);
    free(x);
    auris_stft_free(rs);
    auris_stft_free(cs);
}

static void test_misuse_and_latency(void)
{
    auris_stft_config c;
    auris_stft_config_default(&c);
    auris_stft *st = NULL;
    CHECK_OK(auris_stft_new(&c, &st, NULL));
    if (!st)
        return;
    float *x = make_signal(4000, 9);
    float out[201];
    /* Frames come out before the end: 1000 samples fill frames 0..(200+1000-400)/100. */
    CHECK_OK(auris_stft_write(st, x, 1000));
    int ready = 0;
    while (auris_stft_read(st, out))
        ready++;
    CHECK_MSG(ready == 9, "%d frames ready after 1000 samples", ready);
    CHECK_OK(auris_stft_end(st));
    CHECK(auris_stft_write(st, x, 10) == AURIS_EINVAL);
    CHECK(strstr(auris_stft_error(st), "after end") != NULL);
    auris_stft_reset(st);
    CHECK(auris_stft_error(st)[0] == '\0');
    CHECK_OK(auris_stft_write(st, x, 10));
    free(x);
    auris_stft_free(st);
}

static long resident_kib(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = -1;
    fclose(f);
    return rss * 4;
}

/* Ten minutes at 16 kHz (38 MB of floats) streamed in 4096-sample blocks: resident memory
 * must not grow with the signal. */
static void test_bounded_memory(void)
{
    auris_features_config cfg;
    auris_features_config_default(&cfg, AURIS_FEATURE_LOGMEL, 16000);
    auris_features *f = NULL;
    CHECK_OK(auris_features_new(&cfg, &f, NULL));
    if (!f)
        return;
    float *block = make_signal(4096, 3), out[128];
    size_t frames = 0;
    long before = resident_kib();
    for (size_t done = 0; done < 600u * 16000u; done += 4096) {
        CHECK_OK(auris_features_write(f, block, 4096));
        while (auris_features_read(f, out))
            frames++;
    }
    long after = resident_kib();
    CHECK(frames > 47000);
    if (before > 0 && after > 0)
        CHECK_MSG(after - before < 2048, "resident memory grew by %ld KiB", after - before);
    free(block);
    auris_features_free(f);
}

int main(void)
{
    test_chunkings();
    test_fixture_signals();
    test_reflect_fallback();
    test_misuse_and_latency();
    test_bounded_memory();
    return test_finish("dsp_stream");
}
