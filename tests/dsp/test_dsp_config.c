/* Invalid configurations are refused with AURIS_EINVAL and a message naming the problem;
 * documented defaults hold; small definitions (mel scales, dB, deltas, name lookups) give
 * their textbook values. */
#include "test.h"

#include "auris/dsp.h"

/* A constructor result: status EINVAL, nothing allocated, message mentions `what`. */
#define CHECK_REFUSED(status, obj, err, what) do { \
    CHECK_MSG((status) == AURIS_EINVAL, "expected EINVAL for %s, got %d", what, (int)(status)); \
    CHECK((obj) == NULL); \
    CHECK_MSG(strstr((err).message, what) != NULL, "message '%s' lacks '%s'", (err).message, what); \
} while (0)

static void stft_refuses(void (*edit)(auris_stft_config *), const char *what)
{
    auris_stft_config c;
    auris_stft_config_default(&c);
    edit(&c);
    auris_stft *st = NULL;
    auris_error err = {0};
    auris_status s = auris_stft_new(&c, &st, &err);
    CHECK_REFUSED(s, st, err, what);
}

static void nfft_zero(auris_stft_config *c) { c->n_fft = 0; }
static void nfft_huge(auris_stft_config *c) { c->n_fft = 1 << 22; }
static void hop_negative(auris_stft_config *c) { c->hop_length = -1; }
static void win_too_long(auris_stft_config *c) { c->win_length = c->n_fft + 1; }
static void win_negative(auris_stft_config *c) { c->win_length = -5; }
static void power_zero(auris_stft_config *c) { c->power = 0.0f; }
static void window_bad(auris_stft_config *c) { c->window = (auris_window_type)9; }
static void pad_bad(auris_stft_config *c) { c->pad_mode = (auris_pad_mode)7; }

static void test_stft_config(void)
{
    stft_refuses(nfft_zero, "n_fft");
    stft_refuses(nfft_huge, "n_fft");
    stft_refuses(hop_negative, "hop_length");
    stft_refuses(win_too_long, "win_length");
    stft_refuses(win_negative, "win_length");
    stft_refuses(power_zero, "power");
    stft_refuses(window_bad, "window");
    stft_refuses(pad_bad, "pad mode");

    /* Defaults: n_fft 400, hop 0 = n_fft / 4, win = n_fft, centred: 1 s at 16 kHz gives
     * 1 + 16000 / 100 frames of 201 bins. */
    auris_stft_config c;
    auris_stft_config_default(&c);
    CHECK(c.n_fft == 400 && c.window == AURIS_WINDOW_HANN && c.center == 1 &&
          c.pad_mode == AURIS_PAD_REFLECT && c.power == 2.0f);
    CHECK(auris_stft_n_frames(&c, 16000) == 161);
    CHECK(auris_stft_n_frames(&c, 0) == 0);
    c.center = 0;
    CHECK(auris_stft_n_frames(&c, 399) == 0);
    CHECK(auris_stft_n_frames(&c, 400) == 1);
    auris_stft *st = NULL;
    CHECK_OK(auris_stft_new(&c, &st, NULL));
    CHECK(st && auris_stft_n_bins(st) == 201);
    auris_stft_free(st);
    auris_stft_free(NULL);
}

static void mel_refuses(void (*edit)(auris_mel_config *), const char *what)
{
    auris_mel_config c;
    auris_mel_config_default(&c);
    c.sample_rate_hz = 16000;
    c.n_fft = 512;
    edit(&c);
    auris_melbank *mb = NULL;
    auris_error err = {0};
    auris_status s = auris_melbank_new(&c, &mb, &err);
    CHECK_REFUSED(s, mb, err, what);
}

static void mels_zero(auris_mel_config *c) { c->n_mels = 0; }
static void fmin_above_fmax(auris_mel_config *c) { c->f_min_hz = 5000; c->f_max_hz = 4000; }
static void fmin_equals_default_fmax(auris_mel_config *c) { c->f_min_hz = 8000; }
static void fmax_above_nyquist(auris_mel_config *c) { c->f_max_hz = 8001; }
static void fmin_negative(auris_mel_config *c) { c->f_min_hz = -1; }
static void rate_zero(auris_mel_config *c) { c->sample_rate_hz = 0; }
static void mel_nfft_zero(auris_mel_config *c) { c->n_fft = 0; }

static void test_mel_config(void)
{
    mel_refuses(mels_zero, "n_mels");
    mel_refuses(fmin_above_fmax, "f_min");
    mel_refuses(fmin_equals_default_fmax, "f_min");
    mel_refuses(fmax_above_nyquist, "Nyquist");
    mel_refuses(fmin_negative, "f_min");
    mel_refuses(rate_zero, "sample_rate_hz");
    mel_refuses(mel_nfft_zero, "n_fft");

    auris_mel_config c;
    auris_mel_config_default(&c);
    CHECK(c.n_mels == 128 && c.f_min_hz == 0.0f && c.f_max_hz == 0.0f &&
          c.scale == AURIS_MEL_HTK && c.norm == AURIS_MEL_NORM_NONE);
    c.sample_rate_hz = 16000;
    c.n_fft = 512;
    c.n_mels = 40;
    c.f_min_hz = 100;
    auris_melbank *mb = NULL;
    CHECK_OK(auris_melbank_new(&c, &mb, NULL));
    if (mb) {
        CHECK(auris_melbank_n_mels(mb) == 40 && auris_melbank_n_bins(mb) == 257);
        /* Band centres rise strictly inside (f_min, f_max = sample_rate / 2). */
        float prev = 100.0f;
        for (int m = 0; m < 40; m++) {
            float f = auris_melbank_center_hz(mb, m);
            CHECK(f > prev && f < 8000.0f);
            prev = f;
        }
        /* A flat unit spectrum through HTK triangles without norm: the bands' peaks are 1,
         * so each band sums its weights; a band can never exceed its bin count. */
        float spec[257], mel[40];
        for (int k = 0; k < 257; k++)
            spec[k] = 1.0f;
        auris_melbank_apply(mb, spec, mel);
        for (int m = 0; m < 40; m++)
            CHECK(mel[m] > 0.0f && mel[m] < 257.0f);
    }
    auris_melbank_free(mb);
    auris_melbank_free(NULL);
}

static void test_dct_delta_config(void)
{
    auris_dct *d = NULL;
    auris_error err = {0};
    auris_status s = auris_dct_new(0, 40, 0.0f, &d, &err);
    CHECK_REFUSED(s, d, err, "n_mfcc");
    memset(&err, 0, sizeof err);
    s = auris_dct_new(41, 40, 0.0f, &d, &err);
    CHECK_REFUSED(s, d, err, "n_mfcc");
    memset(&err, 0, sizeof err);
    s = auris_dct_new(13, 0, 0.0f, &d, &err);
    CHECK_REFUSED(s, d, err, "n_mels");
    memset(&err, 0, sizeof err);
    s = auris_dct_new(13, 40, -1.0f, &d, &err);
    CHECK_REFUSED(s, d, err, "lifter");

    /* Orthonormal DCT of a constant: only c0 = sqrt(n) * value. */
    CHECK_OK(auris_dct_new(5, 16, 0.0f, &d, NULL));
    if (d) {
        float x[16], c[5];
        for (int i = 0; i < 16; i++)
            x[i] = 2.0f;
        auris_dct_apply(d, x, c);
        CHECK_NEAR(c[0], 8.0, 1e-5);
        for (int k = 1; k < 5; k++)
            CHECK_NEAR(c[k], 0.0, 1e-5);
    }
    auris_dct_free(d);
    auris_dct_free(NULL);

    float in[12], out[12];
    for (int t = 0; t < 6; t++) {
        in[2 * t] = (float)t;       /* a ramp: slope 1 away from the edges */
        in[2 * t + 1] = 3.0f;       /* a constant: no change */
    }
    CHECK(auris_delta(in, 6, 2, 2, out) == AURIS_EINVAL);
    CHECK(auris_delta(in, 6, 2, 4, out) == AURIS_EINVAL);
    CHECK(auris_delta(in, 6, 2, 1, out) == AURIS_EINVAL);
    CHECK_OK(auris_delta(in, 6, 2, 5, out));
    for (int t = 2; t < 4; t++)
        CHECK_NEAR(out[2 * t], 1.0, 1e-6);
    /* Replicated edges: at t = 0 the window sees 0, 0, 0, 1, 2 -> (1*1 + 2*2) / 10. */
    CHECK_NEAR(out[0], 0.5, 1e-6);
    for (int t = 0; t < 6; t++)
        CHECK_NEAR(out[2 * t + 1], 0.0, 1e-7);
}

static void features_refuses(auris_feature_type type, void (*edit)(auris_features_config *),
                             const char *what)
{
    auris_features_config c;
    auris_features_config_default(&c, type, 16000);
    edit(&c);
    auris_features *f = NULL;
    auris_error err = {0};
    auris_status s = auris_features_new(&c, &f, &err);
    CHECK_REFUSED(s, f, err, what);
}

static void feat_rate(auris_features_config *c) { c->sample_rate_hz = 0; }
static void feat_type(auris_features_config *c) { c->type = (auris_feature_type)8; }
static void feat_nfft(auris_features_config *c) { c->stft.n_fft = 0; }
static void feat_mels(auris_features_config *c) { c->mel.n_mels = 0; }
static void feat_fmax(auris_features_config *c) { c->mel.f_max_hz = 9000; }
static void feat_nmfcc(auris_features_config *c) { c->n_mfcc = 200; }
static void feat_amin(auris_features_config *c) { c->db.amin = 0; }
static void feat_topdb(auris_features_config *c) { c->db.top_db = -3; }

static void test_features_config(void)
{
    features_refuses(AURIS_FEATURE_LOGMEL, feat_rate, "sample_rate_hz");
    features_refuses(AURIS_FEATURE_LOGMEL, feat_type, "feature type");
    features_refuses(AURIS_FEATURE_MEL, feat_nfft, "n_fft");
    features_refuses(AURIS_FEATURE_MEL, feat_mels, "n_mels");
    features_refuses(AURIS_FEATURE_LOGMEL, feat_fmax, "Nyquist");
    features_refuses(AURIS_FEATURE_MFCC, feat_nmfcc, "n_mfcc");
    features_refuses(AURIS_FEATURE_LOGMEL, feat_amin, "amin");
    features_refuses(AURIS_FEATURE_MFCC, feat_topdb, "top_db");

    /* torchaudio's defaults: MelSpectrogram(n_fft 400, hop win_length // 2 = 200, 128 mels),
     * MFCC(40 coefficients, top_db 80). */
    auris_features_config c;
    auris_features_config_default(&c, AURIS_FEATURE_MFCC, 16000);
    CHECK(c.n_mfcc == 40 && c.db.top_db == 80.0f && c.log_mels == 0 && c.lifter == 0.0f);
    auris_features *f = NULL;
    CHECK_OK(auris_features_new(&c, &f, NULL));
    CHECK(f && auris_features_dim(f) == 40 && auris_features_n_frames(f, 16000) == 81);
    auris_features_free(f);
    auris_features_config_default(&c, AURIS_FEATURE_LOGMEL, 22050);
    CHECK(c.db.top_db == 0.0f && c.db.multiplier == 10.0f && c.db.amin == 1e-10f);
    CHECK_OK(auris_features_new(&c, &f, NULL));
    CHECK(f && auris_features_dim(f) == 128);
    auris_features_free(f);
    auris_features_config_default(&c, AURIS_FEATURE_STFT, 8000);
    CHECK_OK(auris_features_new(&c, &f, NULL));
    CHECK(f && auris_features_dim(f) == 201);
    auris_features_free(f);
    auris_features_free(NULL);
}

static void test_definitions(void)
{
    CHECK_NEAR(auris_hz_to_mel(700.0, AURIS_MEL_HTK), 2595.0 * log10(2.0), 1e-9);
    CHECK_NEAR(auris_hz_to_mel(1000.0, AURIS_MEL_SLANEY), 15.0, 1e-12);
    CHECK_NEAR(auris_hz_to_mel(500.0, AURIS_MEL_SLANEY), 7.5, 1e-12);
    CHECK_NEAR(auris_hz_to_mel(6400.0, AURIS_MEL_SLANEY), 15.0 + 27.0, 1e-9);
    for (double hz = 10.0; hz < 20000.0; hz *= 1.7) {
        CHECK_NEAR(auris_mel_to_hz(auris_hz_to_mel(hz, AURIS_MEL_HTK), AURIS_MEL_HTK), hz, 1e-6);
        CHECK_NEAR(auris_mel_to_hz(auris_hz_to_mel(hz, AURIS_MEL_SLANEY), AURIS_MEL_SLANEY), hz,
                   1e-6);
    }

    auris_db_config db;
    auris_db_config_default(&db);
    float x[4] = {1.0f, 0.01f, 0.0f, 100.0f};
    auris_to_db(&db, x, 4);
    CHECK_NEAR(x[0], 0.0, 1e-6);
    CHECK_NEAR(x[1], -20.0, 1e-4);
    CHECK_NEAR(x[2], -100.0, 1e-3); /* clamped at amin 1e-10 */
    CHECK_NEAR(x[3], 20.0, 1e-4);
    db.multiplier = 20.0f;
    db.ref = 0.1f;
    float y[1] = {1.0f};
    auris_to_db(&db, y, 1);
    CHECK_NEAR(y[0], 20.0, 1e-4);
    /* Across the whole range of powers (and subnormal amin), dB within 2e-5 dB of double. */
    auris_db_config_default(&db);
    double worst = 0.0;
    for (int pass = 0; pass < 2; pass++) {
        db.amin = pass ? 1e-42f : 1e-10f;
        for (double v = 1e-12; v < 1e12; v *= 1.0007) {
            float f = (float)v;
            auris_to_db(&db, &f, 1);
            double want = 10.0 * log10(fmax((double)(float)v, (double)db.amin));
            worst = fmax(worst, fabs(f - want));
        }
    }
    CHECK_MSG(worst < 2e-5, "dB off by %g", worst);
    auris_db_floor(x, 4, 20.0f, 80.0f);
    CHECK_NEAR(x[2], -60.0, 1e-6);
    CHECK_NEAR(x[1], -20.0, 1e-4);

    CHECK(auris_window_from_name("hann") == AURIS_WINDOW_HANN);
    CHECK(auris_window_from_name("povey") == AURIS_WINDOW_POVEY);
    CHECK(auris_window_from_name("blackman") == -1);
    CHECK(auris_window_from_name(NULL) == -1);
    CHECK(auris_feature_type_from_name("mfcc") == AURIS_FEATURE_MFCC);
    CHECK(auris_feature_type_from_name("logmel") == AURIS_FEATURE_LOGMEL);
    CHECK(auris_feature_type_from_name("cqt") == -1);
}

int main(void)
{
    test_stft_config();
    test_mel_config();
    test_dct_delta_config();
    test_features_config();
    test_definitions();
    return test_finish("dsp_config");
}
