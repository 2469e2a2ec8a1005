/* One read-only model shared by threads, each with its own state (many streams, one
 * model): every thread's outputs equal the single-threaded ones (to float rounding), at mixed batch sizes. */
#include <pthread.h>

#include "test.h"
#include "nn/nn_test_util.h"

#define THREADS 4
#define ROUNDS 20

static const char *const CFG =
    "[net]\nchannels=1\nheight=20\nwidth=24\n"
    "[conv2d]\nfilters=8\nsize=3\npad=same\nbias=0\n[batchnorm]\n[relu]\n[maxpool]\n"
    "[conv2d]\nfilters=8\nsize=3\ngroups=8\npad=1\n[relu6]\n[globalavgpool]\n[dense]\noutputs=4\n[softmax]\n";

typedef struct job {
    const auris_nn_model *m;
    const float *x;
    const float *ref;   /* outputs of every sample, computed alone */
    int id, mismatches, failures;
} job;

static void *run(void *arg)
{
    job *j = arg;
    auris_nn_state_config sc;
    auris_nn_state_config_default(&sc);
    sc.max_batch = 3;
    auris_nn_state *s = NULL;
    if (auris_nn_state_new(j->m, &sc, &s, NULL)) {
        j->failures++;
        return NULL;
    }
    size_t in = auris_nn_model_input_size(j->m);
    for (int r = 0; r < ROUNDS; r++) {
        int batch = 1 + (r + j->id) % 3, first = (r * 7 + j->id) % 8;
        const float *y;
        if (auris_nn_forward(s, j->x + first * in, batch, &y, NULL)) {
            j->failures++;
            continue;
        }
        /* batched GEMMs may sum in another order than batch 1: equal to float rounding */
        if (tu_rel_err(y, j->ref + first * 4, (size_t)batch * 4) > 1e-5)
            j->mismatches++;
    }
    auris_nn_state_free(s);
    return NULL;
}

int main(void)
{
    auris_nn_model *m = tu_model(CFG);
    CHECK(m != NULL);
    if (!m)
        return test_finish("nn/threads");
    auris_nn_model_init_weights(m, 5);
    size_t in = auris_nn_model_input_size(m);
    float *x = malloc(10 * in * sizeof *x), ref[40];
    tu_fill(x, 10 * in, 3, -1, 1);
    auris_nn_state_config sc;
    auris_nn_state_config_default(&sc);
    auris_nn_state *s = NULL;
    CHECK_OK(auris_nn_state_new(m, &sc, &s, NULL));
    for (int i = 0; s && i < 10; i++) {
        const float *y;
        CHECK_OK(auris_nn_forward(s, x + i * in, 1, &y, NULL));
        memcpy(ref + i * 4, y, 4 * sizeof *y);
        CHECK_NEAR(y[0] + y[1] + y[2] + y[3], 1.0, 1e-5);
    }
    auris_nn_state_free(s);
    pthread_t th[THREADS];
    job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){m, x, ref, i, 0, 0};
        pthread_create(&th[i], NULL, run, &jobs[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_MSG(jobs[i].failures == 0 && jobs[i].mismatches == 0, "thread %d: %d failures, %d mismatches",
                  i, jobs[i].failures, jobs[i].mismatches);
    }
    free(x);
    auris_nn_model_free(m);
    return test_finish("nn/threads");
}
