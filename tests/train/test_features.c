/* The log-mel image of auris train (src/train/clip.c) and its floor, --top-db: a tone over
 * faint noise (54 dB down) keeps the noise's texture with the default 80 dB floor and loses
 * it to a flat floor at 30 dB; the image is standardised either way. A trained classifier
 * reads the floor from its model file ("auris.top_db"), a file without the key (made
 * before it existed) gets 80, and an out-of-range value is refused naming the key. */
#include <unistd.h>

#include "test.h"
#include "auris/classifier.h"
#include "auris/nn.h"
#include "train/train_internal.h"

#define RATE 8000
#define PI 3.14159265358979323846

/* 1 s: a 440 Hz tone (amplitude 0.5) in the middle half, white noise of amplitude 1e-3
 * throughout. */
static void make_clip(float *x, size_t n)
{
    uint64_t s = train_rng_seed(7, 1);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)(1e-3 * (2 * train_rng_uniform(&s) - 1));
        if (i >= n / 4 && i < 3 * n / 4)
            x[i] += (float)(0.5 * sin(2 * PI * 440 * (double)i / RATE));
    }
}

/* Fraction of the image at its minimum, and its mean and variance. */
static double at_floor(const float *img, size_t n, double *mean, double *var)
{
    float lo = img[0];
    double s = 0, q = 0;
    for (size_t i = 0; i < n; i++) {
        lo = img[i] < lo ? img[i] : lo;
        s += img[i];
    }
    *mean = s / (double)n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += img[i] == lo;
        q += (img[i] - *mean) * (img[i] - *mean);
    }
    *var = q / (double)n;
    return (double)k / (double)n;
}

static train_feat_config feat_config(float top_db)
{
    auris_train_config c;
    auris_train_config_default(&c);
    c.sample_rate_hz = RATE;
    c.n_mels = 32;
    c.hop_ms = 16;
    c.top_db = top_db;
    train_feat_config fc;
    train_feat_config_from(&c, &fc);
    return fc;
}

static void test_floor(const float *clip)
{
    double frac[2];
    const float dbs[2] = {80, 30};
    for (int k = 0; k < 2; k++) {
        train_feat_config fc = feat_config(dbs[k]);
        train_featurizer *fz = NULL;
        CHECK_OK(train_featurizer_new(&fc, &fz, NULL));
        if (!fz)
            return;
        size_t n = (size_t)fc.n_mels * train_featurizer_frames(fz);
        float *img = malloc(n * sizeof *img);
        train_featurize(fz, clip, img);
        double mean, var;
        frac[k] = at_floor(img, n, &mean, &var);
        CHECK_NEAR(mean, 0, 1e-4);
        CHECK_NEAR(var, 1, 1e-3);
        free(img);
        train_featurizer_free(fz);
    }
    /* 80 dB: the noise (54 dB down) is above the floor, which only the odd bin reaches */
    CHECK_MSG(frac[0] < 0.02, "%.3f of the image at the floor with 80 dB", frac[0]);
    /* 30 dB: the noise-only half and the bands away from the tone are all floor */
    CHECK_MSG(frac[1] > 0.6, "%.3f of the image at the floor with 30 dB", frac[1]);
}

/* Writes a 2-class cnn for 32 mels x 1 s at 8 kHz with fixed random weights, with the
 * metadata train_set_meta writes for top_db, then the key replaced by value (NULL: removed
 * by writing the model without it). */
static void write_model(const char *path, const char *value)
{
    train_feat_config fc = feat_config(80);
    auris_train_config c;
    auris_train_config_default(&c);
    c.sample_rate_hz = RATE;
    train_featurizer *fz = NULL;
    CHECK_OK(train_featurizer_new(&fc, &fz, NULL));
    int frames = fz ? train_featurizer_frames(fz) : 1;
    train_featurizer_free(fz);
    char *text = auris_train_preset_cfg("small", fc.n_mels, frames, 2);
    auris_nn_model *m = NULL;
    CHECK_OK(auris_nn_model_from_cfg(text, strlen(text), "test cfg", &m, NULL));
    free(text);
    if (!m)
        return;
    auris_nn_model_init_weights(m, 11);
    const char *labels[2] = {"a", "b"};
    if (!value) {
        /* train_set_meta writes the key; a model made before it existed lacks it */
        fc.top_db = 80;
        CHECK_OK(train_set_meta(m, &c, &fc, labels, 2, NULL));
        auris_nn_tensor_set *set = NULL;
        CHECK_OK(auris_nn_model_to_set(m, &set, NULL));
        auris_nn_tensor_set *bare = NULL;
        CHECK_OK(auris_nn_tensor_set_new(&bare, NULL));
        for (size_t i = 0; set && bare && i < auris_nn_tensor_set_count(set); i++)
            CHECK_OK(auris_nn_tensor_set_add(bare, auris_nn_tensor_set_at(set, i), NULL));
        static const char *const keep[] = {TRAIN_META_KIND, TRAIN_META_LABELS, TRAIN_META_RATE,
                                           TRAIN_META_MELS, TRAIN_META_WIN, TRAIN_META_HOP,
                                           TRAIN_META_DURATION, TRAIN_META_FEATURES,
                                           "auris.cfg", "auris.version"};
        for (size_t i = 0; set && bare && i < sizeof keep / sizeof *keep; i++) {
            const char *v = auris_nn_tensor_set_meta(set, keep[i]);
            if (v)
                CHECK_OK(auris_nn_tensor_set_set_meta(bare, keep[i], v, NULL));
        }
        CHECK(set && !auris_nn_tensor_set_meta(bare, TRAIN_META_TOP_DB));
        CHECK_OK(auris_nn_safetensors_save(bare, path, NULL));
        auris_nn_tensor_set_free(set);
        auris_nn_tensor_set_free(bare);
    } else {
        CHECK_OK(train_set_meta(m, &c, &fc, labels, 2, NULL));
        CHECK_OK(auris_nn_model_set_meta(m, TRAIN_META_TOP_DB, value, NULL));
        CHECK_OK(auris_nn_model_save(m, path, NULL));
    }
    auris_nn_model_free(m);
}

static int predict(const char *path, const float *clip, size_t n, float p[2])
{
    auris_trained_classifier_config cc;
    auris_trained_classifier_config_default(&cc);
    auris_trained_classifier *cl = NULL;
    auris_error e = {0};
    if (auris_trained_classifier_load(path, &cc, &cl, &e)) {
        fprintf(stderr, "load %s: %s\n", path, e.message);
        return -1;
    }
    int st = auris_trained_classifier_predict_buffer(cl, clip, n, p, NULL);
    auris_trained_classifier_free(cl);
    return st;
}

static void test_classifier(const float *clip, size_t n)
{
    char dir[1024], p80[1100], p30[1100], pold[1100], pbad[1100];
    snprintf(dir, sizeof dir, "%s/features-XXXXXX", AURIS_TEST_TMPDIR);
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    snprintf(p80, sizeof p80, "%s/80.safetensors", dir);
    snprintf(p30, sizeof p30, "%s/30.safetensors", dir);
    snprintf(pold, sizeof pold, "%s/old.safetensors", dir);
    snprintf(pbad, sizeof pbad, "%s/bad.safetensors", dir);
    write_model(p80, "80");
    write_model(p30, "30");
    write_model(pold, NULL);
    write_model(pbad, "500");
    float a[2] = {0}, b[2] = {0}, o[2] = {0};
    CHECK_OK(predict(p80, clip, n, a));
    CHECK_OK(predict(p30, clip, n, b));
    CHECK_OK(predict(pold, clip, n, o));
    /* same weights, another floor: other inputs, other scores */
    CHECK_MSG(fabs(a[0] - b[0]) > 1e-4, "80 dB %.6f, 30 dB %.6f", a[0], b[0]);
    CHECK_NEAR(o[0], a[0], 1e-7);
    auris_trained_classifier_config cc;
    auris_trained_classifier_config_default(&cc);
    auris_trained_classifier *cl = NULL;
    auris_error e = {0};
    CHECK(auris_trained_classifier_load(pbad, &cc, &cl, &e) == AURIS_EMODEL);
    CHECK_MSG(strstr(e.message, "auris.top_db") != NULL, "%s", e.message);
    auris_trained_classifier_free(cl);
    unlink(p80);
    unlink(p30);
    unlink(pold);
    unlink(pbad);
    rmdir(dir);
}

int main(void)
{
    size_t n = RATE;
    float *clip = malloc(n * sizeof *clip);
    make_clip(clip, n);
    test_floor(clip);
    test_classifier(clip, n);
    free(clip);
    return test_finish("test_features");
}
