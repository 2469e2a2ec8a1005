/* Waveform augmentation of auris train (src/train/augment.c) on a synthetic clip, with noise
 * and impulse-response folders written here: background noise lands at an SNR inside
 * [snr_min, snr_max] and spreads over it, random gain stays within +-gain_db, reverberation
 * leaves a tail but keeps the clip's energy and onset, probability 0 leaves clips untouched
 * and probability p changes about p of them, the same generator state gives the same clip,
 * and a missing or empty folder is an error naming it. Endpoint trimming and the time
 * stretch of images are checked on clips whose answer is known. */
#include <unistd.h>

#include "test.h"
#include "auris/audio.h"
#include "train/train_internal.h"

#define RATE 16000
#define PI 3.14159265358979323846

static char root[1024];

static const char *path_of(const char *rel)
{
    static char p[2048];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    return p;
}

static void mkdir_rel(const char *rel)
{
    mkdir(path_of(rel), 0777);
}

static void write_wav(const char *rel, const float *x, size_t n, int rate)
{
    auris_wav_writer *w = NULL;
    CHECK_OK(auris_wav_writer_open(path_of(rel), rate, 1, AURIS_WAV_FLOAT32, &w, NULL));
    if (w) {
        CHECK_OK(auris_wav_writer_write(w, x, n));
        CHECK_OK(auris_wav_writer_close(w, NULL));
    }
}

/* Uniform in [-1, 1) from a fixed sequence, so the test does not depend on rand(). */
static float noise_sample(uint64_t *s)
{
    return (float)(2 * train_rng_uniform(s) - 1);
}

static double power(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return s / (double)n;
}

static double db(double ratio)
{
    return 10 * log10(ratio);
}

/* noise/white.wav (2 s), noise/sub/brown.wav (0.3 s, shorter than a clip: it wraps) at 8 kHz
 * so it is resampled, and noise/readme.txt (not audio: skipped); rir/room.wav: a pre-delayed direct path and a decaying tail;
 * delta/d.wav: a lone pre-delayed impulse; empty/ and notaudio/ with a text file only. */
static void make_folders(void)
{
    static float buf[2 * RATE];
    uint64_t s = 42;
    mkdir(root, 0777);
    mkdir_rel("noise");
    mkdir_rel("noise/sub");
    mkdir_rel("rir");
    mkdir_rel("delta");
    mkdir_rel("empty");
    mkdir_rel("notaudio");
    for (int i = 0; i < 2 * RATE; i++)
        buf[i] = 0.1f * noise_sample(&s);
    write_wav("noise/white.wav", buf, 2 * RATE, RATE);
    float acc = 0;
    for (int i = 0; i < 2400; i++) {
        acc = 0.98f * acc + 0.05f * noise_sample(&s);
        buf[i] = acc;
    }
    write_wav("noise/sub/brown.wav", buf, 2400, 8000);
    FILE *f = fopen(path_of("noise/readme.txt"), "w");
    if (f) {
        fputs("not audio\n", f);
        fclose(f);
    }
    f = fopen(path_of("notaudio/readme.wav"), "w");
    if (f) {
        fputs("not audio either\n", f);
        fclose(f);
    }
    /* 0.1 s room: 5 ms of silence, the direct path, then a tail decaying by 60 dB */
    size_t taps = RATE / 10, pre = 80;
    memset(buf, 0, taps * sizeof *buf);
    buf[pre] = 1;
    for (size_t i = pre + 1; i < taps; i++)
        buf[i] = 0.4f * noise_sample(&s) * (float)exp(-6.9 * (double)(i - pre) / (double)taps);
    write_wav("rir/room.wav", buf, taps, RATE);
    memset(buf, 0, taps * sizeof *buf);
    buf[pre] = 0.5f;
    write_wav("delta/d.wav", buf, taps, RATE);
}

/* 1 s: 0.2 s of silence, 0.6 s of a 440 Hz tone at -13 dBFS peak, 0.2 s of silence. */
#define ONSET (RATE / 5)
#define OFFSET (4 * RATE / 5)
static void make_clip(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = i >= ONSET && i < OFFSET ? (float)(0.3 * sin(2 * PI * 440 * (double)i / RATE)) : 0;
}

static train_augment *augment_new(const auris_train_config *cfg)
{
    train_augment *a = NULL;
    auris_error err = {0};
    auris_status st = train_augment_new(cfg, RATE, &a, &err);
    CHECK_MSG(st == AURIS_OK && a, "train_augment_new: %d %s", st, err.message);
    return a;
}

static void test_noise_snr(void)
{
    auris_train_config cfg;
    auris_train_config_default(&cfg);
    char dir[2048];
    snprintf(dir, sizeof dir, "%s", path_of("noise"));
    cfg.noise_dir = dir;
    cfg.noise_prob = 1;
    cfg.snr_min_db = 5;
    cfg.snr_max_db = 20;
    train_augment *a = augment_new(&cfg);
    if (!a)
        return;
    static float clean[RATE], x[RATE], tmp[RATE], d[RATE];
    make_clip(clean, RATE);
    double lo = 1e9, hi = -1e9;
    int outside = 0;
    for (int k = 0; k < 300; k++) {
        uint64_t rng = train_rng_seed(7, (uint64_t)k);
        memcpy(x, clean, sizeof x);
        train_augment_wave(a, &rng, x, RATE, tmp);
        for (int i = 0; i < RATE; i++)
            d[i] = x[i] - clean[i];
        double snr = db(power(clean, RATE) / power(d, RATE));
        outside += snr < 5 - 0.01 || snr > 20 + 0.01;
        lo = fmin(lo, snr);
        hi = fmax(hi, snr);
    }
    CHECK_MSG(outside == 0, "%d of 300 clips outside [5, 20] dB (range %.3f..%.3f)", outside, lo,
              hi);
    /* the whole range is drawn from, not one fixed SNR */
    CHECK_MSG(lo < 6 && hi > 19, "SNR range drawn %.2f..%.2f dB", lo, hi);

    /* MIN = MAX pins the SNR */
    train_augment_free(a);
    cfg.snr_min_db = cfg.snr_max_db = 10;
    a = augment_new(&cfg);
    if (!a)
        return;
    for (int k = 0; k < 20; k++) {
        uint64_t r = train_rng_seed(8, (uint64_t)k);
        memcpy(x, clean, sizeof x);
        train_augment_wave(a, &r, x, RATE, tmp);
        for (int i = 0; i < RATE; i++)
            d[i] = x[i] - clean[i];
        CHECK_NEAR(db(power(clean, RATE) / power(d, RATE)), 10, 0.01);
    }
    train_augment_free(a);
}

static void test_gain(void)
{
    auris_train_config cfg;
    auris_train_config_default(&cfg);
    cfg.gain_db = 6;
    train_augment *a = augment_new(&cfg);
    if (!a)
        return;
    static float clean[RATE], x[RATE], tmp[RATE];
    make_clip(clean, RATE);
    double lo = 1e9, hi = -1e9, shape_err = 0;
    int outside = 0;
    const size_t peak = ONSET + RATE / 440 / 4;   /* a crest of the tone */
    for (int k = 0; k < 300; k++) {
        uint64_t rng = train_rng_seed(9, (uint64_t)k);
        memcpy(x, clean, sizeof x);
        train_augment_wave(a, &rng, x, RATE, tmp);
        double change = db(power(x, RATE) / power(clean, RATE));
        outside += fabs(change) > 6 + 0.01;
        lo = fmin(lo, change);
        hi = fmax(hi, change);
        double g = x[peak] / clean[peak];   /* a gain, not any other change of shape */
        for (int i = 0; i < RATE; i++)
            shape_err = fmax(shape_err, fabs(x[i] - g * clean[i]));
    }
    CHECK_MSG(outside == 0, "%d of 300 level changes beyond +-6 dB (%.3f..%.3f)", outside, lo, hi);
    CHECK_MSG(lo < -5 && hi > 5, "gain range drawn %.2f..%.2f dB", lo, hi);
    CHECK_MSG(shape_err < 1e-5, "gain changed the waveform's shape by %g", shape_err);
    train_augment_free(a);
}

/* --lowpass: a 300 Hz tone passes (cut-off >= 1 kHz), a 7.8 kHz tone loses at least 20 dB
 * (cut-off <= 0.9 Nyquist = 7.2 kHz, 24 dB per octave) and usually far more, the cut-off
 * varies from clip to clip, and probability 0.5 filters about half the clips. */
static void test_lowpass(void)
{
    auris_train_config cfg;
    auris_train_config_default(&cfg);
    cfg.lowpass_prob = 1;
    train_augment *a = augment_new(&cfg);
    if (!a)
        return;
    static float low[RATE], high[RATE], x[RATE], tmp[RATE];
    for (int i = 0; i < RATE; i++) {
        low[i] = (float)(0.3 * sin(2 * PI * 300 * i / RATE));
        high[i] = (float)(0.3 * sin(2 * PI * 7800 * i / RATE));
    }
    const int skip = RATE / 10;   /* the filters' onset transient */
    double low_worst = 0, high_least = 1e9, high_most = -1e9;
    for (int k = 0; k < 100; k++) {
        uint64_t rng = train_rng_seed(11, (uint64_t)k), rng2 = rng;
        memcpy(x, low, sizeof x);
        train_augment_wave(a, &rng, x, RATE, tmp);
        low_worst = fmax(low_worst, fabs(db(power(x + skip, RATE - skip) /
                                            power(low + skip, RATE - skip))));
        memcpy(x, high, sizeof x);
        train_augment_wave(a, &rng2, x, RATE, tmp);   /* the same cut-off */
        double loss = -db(power(x + skip, RATE - skip) / power(high + skip, RATE - skip));
        high_least = fmin(high_least, loss);
        high_most = fmax(high_most, loss);
    }
    printf("lowpass: 300 Hz %.3f dB, 7.8 kHz lost %.1f..%.1f dB\n", low_worst, high_least, high_most);
    CHECK_MSG(low_worst < 0.5, "300 Hz changed by %.2f dB", low_worst);
    CHECK_MSG(high_least > 20, "7.8 kHz lost only %.1f dB", high_least);
    CHECK_MSG(high_most > 60, "7.8 kHz lost at most %.1f dB: cut-offs not spread", high_most);
    train_augment_free(a);

    cfg.lowpass_prob = 0.5;
    a = augment_new(&cfg);
    if (!a)
        return;
    int changed = 0;
    for (int k = 0; k < 200; k++) {
        uint64_t rng = train_rng_seed(12, (uint64_t)k);
        memcpy(x, high, sizeof x);
        train_augment_wave(a, &rng, x, RATE, tmp);
        changed += memcmp(x, high, sizeof x) != 0;
    }
    CHECK_MSG(changed > 70 && changed < 130, "p = 0.5 filtered %d of 200 clips", changed);
    train_augment_free(a);
}

/* First sample above a threshold. */
static size_t first_above(const float *x, size_t n, float th)
{
    for (size_t i = 0; i < n; i++)
        if (fabsf(x[i]) > th)
            return i;
    return n;
}

static void test_reverb(void)
{
    static float clean[RATE], x[RATE], tmp[RATE];
    make_clip(clean, RATE);
    auris_train_config cfg;
    auris_train_config_default(&cfg);
    char dir[2048];
    snprintf(dir, sizeof dir, "%s", path_of("rir"));
    cfg.rir_dir = dir;
    cfg.rir_prob = 1;
    train_augment *a = augment_new(&cfg);
    if (!a)
        return;
    uint64_t rng = train_rng_seed(10, 0);
    memcpy(x, clean, sizeof x);
    train_augment_wave(a, &rng, x, RATE, tmp);
    double diff = 0;
    for (int i = 0; i < RATE; i++)
        diff += ((double)x[i] - clean[i]) * ((double)x[i] - clean[i]);
    CHECK_MSG(diff / RATE > 1e-3 * power(clean, RATE), "reverberation changed the clip by %g",
              diff / RATE / power(clean, RATE));
    /* the clip's energy is kept */
    CHECK_NEAR(db(power(x, RATE) / power(clean, RATE)), 0, 0.01);
    /* aligned on the direct path: silent before the tone, sounding from its first samples
     * (a response used from its start would delay the onset by its 80-sample pre-delay) */
    size_t on = first_above(x, RATE, 1e-4f);
    CHECK_MSG(on >= ONSET && on <= ONSET + 4, "reverberated onset at sample %zu, tone at %d", on,
              ONSET);
    /* a tail rings on after the tone stops: the first 20 ms after it hold energy within
     * 30 dB of the tone, which the clean clip does not */
    double tail = power(x + OFFSET, RATE / 50);
    CHECK_MSG(tail > 1e-3 * power(clean + ONSET, OFFSET - ONSET), "tail power %g", tail);
    train_augment_free(a);

    /* a lone impulse (at any delay and level) leaves the clip as it was */
    snprintf(dir, sizeof dir, "%s", path_of("delta"));
    a = augment_new(&cfg);
    if (!a)
        return;
    rng = train_rng_seed(10, 1);
    memcpy(x, clean, sizeof x);
    train_augment_wave(a, &rng, x, RATE, tmp);
    double err = 0;
    for (int i = 0; i < RATE; i++)
        err = fmax(err, fabs(x[i] - clean[i]));
    CHECK_MSG(err < 1e-5, "a unit impulse response changed the clip by %g", err);
    train_augment_free(a);
}

/* Both banks loaded with the given probabilities: how many of k clips come out changed;
 * the same generator state twice gives the same clip. */
static int changed_count(float noise_prob, float rir_prob, int k)
{
    char nd[2048], rd[2048];
    snprintf(nd, sizeof nd, "%s", path_of("noise"));
    snprintf(rd, sizeof rd, "%s", path_of("rir"));
    auris_train_config cfg;
    auris_train_config_default(&cfg);
    cfg.noise_dir = nd;
    cfg.rir_dir = rd;
    cfg.noise_prob = noise_prob;
    cfg.rir_prob = rir_prob;
    train_augment *a = augment_new(&cfg);
    if (!a)
        return -1;
    static float clean[RATE / 4], x[RATE / 4], y[RATE / 4], tmp[RATE / 4];
    const size_t n = RATE / 4;
    for (size_t i = 0; i < n; i++)
        clean[i] = (float)(0.3 * sin(2 * PI * 440 * (double)i / RATE));
    int changed = 0, repeatable = 1;
    for (int j = 0; j < k; j++) {
        uint64_t r1 = train_rng_seed(11, (uint64_t)j), r2 = r1;
        memcpy(x, clean, sizeof x);
        memcpy(y, clean, sizeof y);
        train_augment_wave(a, &r1, x, n, tmp);
        train_augment_wave(a, &r2, y, n, tmp);
        changed += memcmp(x, clean, sizeof x) != 0;
        repeatable &= memcmp(x, y, sizeof x) == 0;
    }
    CHECK_MSG(repeatable, "the same generator state gave different clips");
    train_augment_free(a);
    return changed;
}

static void test_probabilities(void)
{
    CHECK_MSG(changed_count(0, 0, 200) == 0, "probability 0 changed a clip");
    /* about 200 * (1 - 0.7 * 0.8) = 88 changed; binomial sd 7, so +-25 is more than 3 sd */
    int c = changed_count(0.3f, 0.2f, 200);
    CHECK_MSG(c >= 88 - 25 && c <= 88 + 25, "noise 0.3, rir 0.2: %d of 200 changed, want ~88", c);
    CHECK_MSG(changed_count(1, 0, 50) == 50, "noise probability 1 left a clip unchanged");
}

static void expect_error(const char *noise_rel, const char *rir_rel, auris_status want,
                         const char *name)
{
    char nd[2048] = "", rd[2048] = "";
    auris_train_config cfg;
    auris_train_config_default(&cfg);
    if (noise_rel) {
        snprintf(nd, sizeof nd, "%s", path_of(noise_rel));
        cfg.noise_dir = nd;
    }
    if (rir_rel) {
        snprintf(rd, sizeof rd, "%s", path_of(rir_rel));
        cfg.rir_dir = rd;
    }
    const char *named = noise_rel ? nd : rd;
    static char sentinel;
    train_augment *a = (train_augment *)&sentinel;   /* must be reset to NULL on failure */
    auris_error err = {0};
    auris_status st = train_augment_new(&cfg, RATE, &a, &err);
    CHECK_MSG(st == want, "%s: status %d, want %d (%s)", name, st, want, err.message);
    CHECK_MSG(a == NULL, "%s: no object on failure", name);
    CHECK_MSG(strstr(err.message, named) && !strchr(err.message, '\n'),
              "%s: the message should be one line naming %s: '%s'", name, named, err.message);
    if (st == AURIS_OK)
        train_augment_free(a);
}

static void test_errors(void)
{
    expect_error("missing", NULL, AURIS_EIO, "missing noise folder");
    expect_error("empty", NULL, AURIS_EEMPTY, "empty noise folder");
    expect_error("notaudio", NULL, AURIS_EEMPTY, "noise folder without audio");
    expect_error(NULL, "missing", AURIS_EIO, "missing rir folder");
    expect_error(NULL, "empty", AURIS_EEMPTY, "empty rir folder");
}

/* 0.1 s silence, 0.1 s at -30 dB, 0.3 s at 0 dB, 0.1 s silence at 16 kHz (10 ms frames). */
static void test_trim(void)
{
    size_t n = RATE * 6 / 10, start;
    float *x = calloc(n, sizeof *x);
    for (size_t i = 0; i < n; i++) {
        double amp = i >= RATE / 10 && i < RATE / 5 ? 0.0316 : i >= RATE / 5 && i < RATE / 2 ? 1 : 0;
        x[i] = (float)(amp * sin(2 * PI * 440.0 * (double)i / RATE));
    }
    /* 20 dB: the quiet onset goes; 40 dB: it stays; silence always goes */
    size_t len = train_trim(x, n, RATE, 20, &start);
    CHECK_MSG(start == RATE / 5 && len == RATE * 3 / 10, "start %zu len %zu", start, len);
    len = train_trim(x, n, RATE, 40, &start);
    CHECK_MSG(start == RATE / 10 && len == RATE * 4 / 10, "start %zu len %zu", start, len);
    /* all silence, and a clip shorter than two frames: left whole */
    memset(x, 0, n * sizeof *x);
    CHECK(train_trim(x, n, RATE, 20, &start) == n && start == 0);
    CHECK(train_trim(x, 100, RATE, 20, &start) == 100 && start == 0);
    free(x);
}

/* A one-frame ridge at the centre column widens by the factor; the edges take the image's
 * minimum; factor 1 changes nothing. */
static void test_stretch(void)
{
    enum { ROWS = 3, COLS = 41 };
    float img[ROWS * COLS], tmp[ROWS * COLS], orig[ROWS * COLS];
    for (int r = 0; r < ROWS; r++)
        for (int t = 0; t < COLS; t++)
            img[r * COLS + t] = t >= 15 && t <= 25 ? 1.0f : -1.0f;
    memcpy(orig, img, sizeof img);
    train_stretch_time(img, ROWS, COLS, 1.0, tmp);
    CHECK(!memcmp(img, orig, sizeof img));
    train_stretch_time(img, ROWS, COLS, 2.0, tmp);
    int wide = 0;
    for (int t = 0; t < COLS; t++)
        wide += img[COLS + t] > 0.99f;
    CHECK_MSG(wide >= 19 && wide <= 21, "ridge of 11 frames stretched x2 spans %d", wide);
    memcpy(img, orig, sizeof img);
    train_stretch_time(img, ROWS, COLS, 0.5, tmp);
    wide = 0;
    for (int t = 0; t < COLS; t++)
        wide += img[2 * COLS + t] > 0.99f;
    CHECK_MSG(wide >= 5 && wide <= 6, "ridge of 11 frames squeezed x0.5 spans %d", wide);
    CHECK(img[0] == -1.0f && img[COLS - 1] == -1.0f);
}

int main(void)
{
    snprintf(root, sizeof root, "%s/augment.%d", test_tmpdir(), (int)getpid());
    make_folders();
    test_noise_snr();
    test_gain();
    test_reverb();
    test_probabilities();
    test_errors();
    test_trim();
    test_stretch();
    test_lowpass();
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return test_finish("test_augment");
}
