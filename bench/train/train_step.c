/* Training throughput of the nn engine alone: the `auris train --model cnn` preset trained
 * with AdamW on precomputed log-mel images (the same .npy files torch_train.py trains on),
 * so decoding and features are left out on both sides.
 *
 *   train_step --print-cfg PRESET MELS FRAMES CLASSES
 *   train_step FEATURES.npy LABELS.npy MELS CLASSES BATCH EPOCHS REPEATS [PRESET]
 *
 * FEATURES.npy is clips x (MELS * FRAMES) float32, LABELS.npy clips x 1. Each repeat builds a
 * fresh model and trainer, runs one untimed warm-up step (oneDNN primitive creation), then
 * times EPOCHS shuffled epochs. Prints every repeat and the best clips/s. Threads: set
 * OMP_NUM_THREADS. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auris/npy.h"
#include "auris/nn.h"
#include "auris/train.h"

typedef struct data {
    float *x;
    int *y;
    size_t clips, dim;
    int classes;
} data;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void shuffle(size_t *idx, size_t n, uint64_t *seed)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(next_rand(seed) % i), t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

/* The settings auris train uses: AdamW, lr 3e-3, weight decay 1e-3 (not on biases and
 * batch norm), label smoothing 0.05; a constant rate here, as in torch_train.py. */
static int make_trainer(const char *cfg_text, const data *d, int batch, uint64_t seed,
                        auris_nn_model **model, auris_nn_trainer **trainer)
{
    auris_error err = {0};
    auris_nn_trainer_config tc;
    auris_nn_trainer_config_default(&tc);
    tc.optimizer = AURIS_NN_ADAMW;
    tc.lr = 3e-3f;
    tc.weight_decay = 1e-3f;
    tc.label_smoothing = 0.05f;
    tc.max_batch = batch;
    tc.seed = seed;
    if (auris_nn_model_from_cfg(cfg_text, strlen(cfg_text), "preset", model, &err) ||
        auris_nn_model_input_size(*model) != d->dim ||
        auris_nn_trainer_new(*model, &tc, trainer, &err)) {
        fprintf(stderr, "train_step: %s\n", err.message[0] ? err.message
                : "the features do not match the preset's input size");
        return -1;
    }
    auris_nn_model_init_weights(*model, seed);
    return 0;
}

static int step(auris_nn_trainer *t, const data *d, const size_t *idx, int n, float *xb,
                int *yb)
{
    for (int i = 0; i < n; i++) {
        memcpy(xb + (size_t)i * d->dim, d->x + idx[i] * d->dim, d->dim * sizeof *xb);
        yb[i] = d->y[idx[i]];
    }
    float loss;
    auris_error err = {0};
    if (auris_nn_trainer_step(t, xb, yb, NULL, n, &loss, &err)) {
        fprintf(stderr, "train_step: %s\n", err.message);
        return -1;
    }
    return 0;
}

static double run_once(const char *cfg_text, const data *d, int batch, int epochs,
                       uint64_t seed, float *xb, int *yb, size_t *idx)
{
    auris_nn_model *model = NULL;
    auris_nn_trainer *trainer = NULL;
    double rate = -1.0;
    if (make_trainer(cfg_text, d, batch, seed, &model, &trainer) == 0 &&
        step(trainer, d, idx, batch, xb, yb) == 0) {
        double t0 = now_s();
        int ok = 1;
        for (int e = 0; e < epochs && ok; e++) {
            shuffle(idx, d->clips, &seed);
            for (size_t at = 0; at < d->clips && ok; at += (size_t)batch) {
                size_t n = d->clips - at < (size_t)batch ? d->clips - at : (size_t)batch;
                ok = step(trainer, d, idx + at, (int)n, xb, yb) == 0;
            }
        }
        if (ok)
            rate = (double)d->clips * epochs / (now_s() - t0);
    }
    auris_nn_trainer_free(trainer);
    auris_nn_model_free(model);
    return rate;
}

static int load(const char *xpath, const char *ypath, data *d)
{
    auris_error err = {0};
    size_t rows, cols;
    float *labels = NULL;
    if (auris_npy_load(xpath, &d->x, &d->clips, &d->dim, &err) ||
        auris_npy_load(ypath, &labels, &rows, &cols, &err)) {
        fprintf(stderr, "train_step: %s\n", err.message);
        return -1;
    }
    if (rows != d->clips || cols != 1) {
        fprintf(stderr, "train_step: %s has %zu labels for %zu clips\n", ypath, rows, d->clips);
        free(labels);
        return -1;
    }
    d->y = malloc(rows * sizeof *d->y);
    for (size_t i = 0; d->y && i < rows; i++) {
        d->y[i] = (int)labels[i];
        if (d->y[i] < 0 || d->y[i] >= d->classes) {
            fprintf(stderr, "train_step: label %d outside 0..%d\n", d->y[i], d->classes - 1);
            free(labels);
            return -1;
        }
    }
    free(labels);
    return d->y ? 0 : -1;
}

static int print_cfg(char **argv)
{
    char *cfg = auris_train_preset_cfg(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (!cfg) {
        fprintf(stderr, "train_step: unknown preset %s\n", argv[2]);
        return 2;
    }
    fputs(cfg, stdout);
    free(cfg);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--print-cfg") == 0)
        return print_cfg(argv);
    if (argc != 8 && argc != 9) {
        fprintf(stderr, "usage: train_step --print-cfg PRESET MELS FRAMES CLASSES\n"
                        "       train_step FEATURES.npy LABELS.npy MELS CLASSES BATCH EPOCHS "
                        "REPEATS [PRESET]\n");
        return 1;
    }
    data d = {0};
    int mels = atoi(argv[3]), batch = atoi(argv[5]), epochs = atoi(argv[6]);
    int repeats = atoi(argv[7]);
    d.classes = atoi(argv[4]);
    if (mels < 1 || d.classes < 1 || batch < 1 || epochs < 1 || repeats < 1 ||
        load(argv[1], argv[2], &d))
        return 2;
    int frames = (int)(d.dim / (size_t)mels);
    char *cfg = auris_train_preset_cfg(argc == 9 ? argv[8] : "small", mels, frames, d.classes);
    float *xb = malloc((size_t)batch * d.dim * sizeof *xb);
    int *yb = malloc((size_t)batch * sizeof *yb);
    size_t *idx = malloc(d.clips * sizeof *idx);
    int status = cfg && xb && yb && idx ? 0 : 2;
    for (size_t i = 0; idx && i < d.clips; i++)
        idx[i] = i;
    double best = 0.0;
    for (int r = 0; r < repeats && !status; r++) {
        double rate = run_once(cfg, &d, batch, epochs, 1234 + (uint64_t)r, xb, yb, idx);
        if (rate < 0)
            status = 2;
        printf("repeat %d: %.1f clips/s\n", r + 1, rate);
        best = rate > best ? rate : best;
    }
    if (!status)
        printf("clips_per_s %.2f (best of %d; %zu clips x %d epochs, batch %d, %dx%d log-mel)\n",
               best, repeats, d.clips, epochs, batch, mels, frames);
    free(cfg);
    free(xb);
    free(yb);
    free(idx);
    free(d.x);
    free(d.y);
    return status;
}
