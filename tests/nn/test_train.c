/* End to end: a CNN trained from scratch by the engine tells tones, chirps and noise bursts
 * apart in synthetic spectrograms with >= 99% held-out accuracy, and training twice with
 * one seed (and thread count) gives bit-identical weights. */
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "nn/nn_test_util.h"

#define F 32
#define T 32
#define N_TRAIN 768
#define N_TEST 300
#define BATCH 32
#define EPOCHS 8

static const char *const CFG =
    "[net]\nchannels=1\nheight=32\nwidth=32\n"
    "[conv2d]\nname=conv1\nfilters=8\nsize=3\npad=same\nbias=0\n[batchnorm]\nname=bn1\n[relu]\n[maxpool]\n"
    "[conv2d]\nname=conv2\nfilters=16\nsize=3\npad=same\nbias=0\n[batchnorm]\nname=bn2\n[relu]\n[maxpool]\n"
    "[conv2d]\nname=conv3\nfilters=16\nsize=3\npad=same\n[relu]\n[globalavgpool]\n"
    "[dropout]\np=0.1\n[dense]\nname=fc\noutputs=3\n";

static float gauss(uint64_t *s)
{
    float u1 = tu_uniform(s) + 1e-7f, u2 = tu_uniform(s);
    return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}

/* One spectrogram (frequency rows x time columns) of class 0 tone, 1 chirp, 2 noise burst. */
static void synth(float *img, int cls, uint64_t *s)
{
    for (int i = 0; i < F * T; i++)
        img[i] = 0.3f * gauss(s);
    float amp = 1.0f + tu_uniform(s);
    int t0 = (int)(tu_uniform(s) * 8), t1 = T - (int)(tu_uniform(s) * 8);
    if (cls == 0) {
        int f = 3 + (int)(tu_uniform(s) * (F - 6));
        for (int t = t0; t < t1; t++)
            img[f * T + t] += amp;
    } else if (cls == 1) {
        float f0 = 2 + tu_uniform(s) * (F - 4), f1;
        do
            f1 = 2 + tu_uniform(s) * (F - 4);
        while (fabsf(f1 - f0) < 10);
        for (int t = t0; t < t1; t++) {
            int f = (int)lrintf(f0 + (f1 - f0) * (float)(t - t0) / (float)(t1 - t0));
            img[f * T + t] += amp;
        }
    } else {
        int start = (int)(tu_uniform(s) * (T - 8)), len = 3 + (int)(tu_uniform(s) * 5);
        for (int t = start; t < start + len; t++)
            for (int f = 0; f < F; f++)
                img[f * T + t] += 0.6f * amp * tu_uniform(s);
    }
}

static void make_set(float *x, int *y, int n, uint64_t seed)
{
    uint64_t s = seed;
    for (int i = 0; i < n; i++) {
        y[i] = i % 3;
        synth(x + (size_t)i * F * T, y[i], &s);
    }
}

static auris_nn_model *train(const float *x, const int *y, float *last_loss)
{
    auris_nn_model *m = tu_model(CFG);
    if (!m)
        return NULL;
    auris_nn_model_init_weights(m, 42);
    auris_nn_trainer_config tc;
    auris_nn_trainer_config_default(&tc);
    tc.optimizer = AURIS_NN_ADAMW;
    tc.lr = 5e-3f;
    tc.weight_decay = 1e-4f;
    tc.schedule = AURIS_NN_LR_COSINE;
    tc.warmup_steps = 5;
    tc.total_steps = EPOCHS * ((N_TRAIN + BATCH - 1) / BATCH);
    tc.min_lr = 1e-4f;
    tc.clip_norm = 5.0f;
    tc.label_smoothing = 0.05f;
    tc.max_batch = BATCH;
    tc.seed = 9;
    auris_nn_trainer *t = NULL;
    auris_error err = {0};
    CHECK_OK(auris_nn_trainer_new(m, &tc, &t, &err));
    /* batches of 32 and a last one of 26: mixed batch sizes */
    int order[N_TRAIN];
    for (int i = 0; i < N_TRAIN; i++)
        order[i] = i;
    uint64_t s = 77;
    float *bx = malloc((size_t)BATCH * F * T * sizeof *bx);
    int by[BATCH];
    for (int e = 0; t && e < EPOCHS; e++) {
        for (int i = N_TRAIN - 1; i > 0; i--) {
            int j = (int)(tu_uniform(&s) * (float)(i + 1)), tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (int b = 0; b < N_TRAIN - 6; b += BATCH) {
            int n = b + BATCH <= N_TRAIN - 6 ? BATCH : N_TRAIN - 6 - b;
            for (int k = 0; k < n; k++) {
                memcpy(bx + (size_t)k * F * T, x + (size_t)order[b + k] * F * T, F * T * sizeof *bx);
                by[k] = y[order[b + k]];
            }
            if (auris_nn_trainer_step(t, bx, by, NULL, n, last_loss, &err)) {
                fprintf(stderr, "step: %s\n", err.message);
                CHECK(0);
                e = EPOCHS;
                break;
            }
        }
    }
    free(bx);
    auris_nn_trainer_free(t);
    return m;
}

static double accuracy(const auris_nn_model *m, const float *x, const int *y, int n)
{
    auris_nn_state_config sc;
    auris_nn_state_config_default(&sc);
    sc.max_batch = 50;
    auris_nn_state *s = NULL;
    CHECK_OK(auris_nn_state_new(m, &sc, &s, NULL));
    int correct = 0;
    for (int b = 0; s && b < n; b += 50) {
        const float *out;
        CHECK_OK(auris_nn_forward(s, x + (size_t)b * F * T, 50, &out, NULL));
        for (int k = 0; k < 50; k++) {
            const float *o = out + k * 3;
            int arg = o[1] > o[0] ? 1 : 0;
            arg = o[2] > o[arg] ? 2 : arg;
            correct += arg == y[b + k];
        }
    }
    auris_nn_state_free(s);
    return (double)correct / n;
}

int main(int argc, char **argv)
{
    /* Determinism holds for a fixed thread count; pin oneDNN's OpenMP pool to one thread
     * (read when the library loads, hence the re-exec) unless the caller chose a count.
     * One thread also keeps the test fast on a loaded machine, where spinning OpenMP
     * threads wait on each other. */
    if (!getenv("OMP_NUM_THREADS") && argc > 0) {
        setenv("OMP_NUM_THREADS", "1", 1);
        execv(argv[0], argv);
    }
    float *xtr = malloc((size_t)N_TRAIN * F * T * sizeof *xtr);
    float *xte = malloc((size_t)N_TEST * F * T * sizeof *xte);
    int *ytr = malloc(N_TRAIN * sizeof *ytr), *yte = malloc(N_TEST * sizeof *yte);
    make_set(xtr, ytr, N_TRAIN, 1);
    make_set(xte, yte, N_TEST, 2);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    float loss1 = 0, loss2 = 0;
    auris_nn_model *m1 = train(xtr, ytr, &loss1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(m1 != NULL);
    if (m1) {
        double acc = accuracy(m1, xte, yte, N_TEST);
        printf("held-out accuracy %.4f, last loss %.4f, training %.2f s\n", acc, (double)loss1,
               (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
        CHECK_MSG(acc >= 0.99, "accuracy %.4f", acc);
        auris_nn_model *m2 = train(xtr, ytr, &loss2);
        CHECK(m2 != NULL);
        int same = m2 && loss1 == loss2;
        for (size_t i = 0; same && i < auris_nn_model_tensor_count(m1); i++) {
            const auris_nn_tensor *a = auris_nn_model_tensor(m1, i), *b = auris_nn_model_tensor(m2, i);
            same = !memcmp(a->data, b->data, auris_nn_tensor_numel(a) * sizeof(float));
        }
        CHECK_MSG(same, "two trainings with one seed differ (loss %g vs %g)", (double)loss1, (double)loss2);
        auris_nn_model_free(m2);
    }
    auris_nn_model_free(m1);
    free(xtr);
    free(xte);
    free(ytr);
    free(yte);
    return test_finish("nn/train");
}
