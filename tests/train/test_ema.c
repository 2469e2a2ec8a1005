/* The weights' moving average of auris train --ema (src/train/ema.c) on a small CNN with
 * batch norm: after updates with known values every float tensor (weights, biases and the
 * running statistics) holds the ramped average computed here in double precision, a swap
 * exchanges average and weights and a second swap restores both, and a decay outside
 * (0, 1) is refused. */
#include <math.h>

#include "test.h"
#include "auris/nn.h"
#include "train/train_internal.h"

static const char *const CFG =
    "[net]\nchannels=1\nheight=8\nwidth=8\n"
    "[conv2d]\nname=conv1\nfilters=4\nsize=3\npad=same\nbias=0\n[batchnorm]\nname=bn1\n[relu]\n"
    "[globalavgpool]\n[dense]\nname=fc\noutputs=3\n";

/* Sets every float tensor of m to base + j * 1e-3 (j: index in the tensor). */
static void fill(auris_nn_model *m, float base)
{
    for (size_t i = 0; i < auris_nn_model_tensor_count(m); i++) {
        auris_nn_tensor *t = auris_nn_model_tensor(m, i);
        if (t->dtype != AURIS_NN_F32)
            continue;
        float *w = t->data;
        for (size_t j = 0; j < auris_nn_tensor_numel(t); j++)
            w[j] = base + (float)j * 1e-3f;
    }
}

/* max |value - (base + j * 1e-3)| over every float tensor */
static double dist(auris_nn_model *m, double base)
{
    double worst = 0;
    size_t floats = 0;
    for (size_t i = 0; i < auris_nn_model_tensor_count(m); i++) {
        const auris_nn_tensor *t = auris_nn_model_tensor(m, i);
        if (t->dtype != AURIS_NN_F32)
            continue;
        const float *w = t->data;
        for (size_t j = 0; j < auris_nn_tensor_numel(t); j++, floats++)
            worst = fmax(worst, fabs(w[j] - (base + (double)j * 1e-3)));
    }
    return floats ? worst : INFINITY;
}

int main(void)
{
    auris_error err = {0};
    auris_nn_model *m = NULL;
    CHECK_OK(auris_nn_model_from_cfg(CFG, strlen(CFG), "ema.cfg", &m, &err));
    if (!m)
        return test_finish("test_ema");
    int bn_stats = 0;
    for (size_t i = 0; i < auris_nn_model_tensor_count(m); i++)
        bn_stats += strstr(auris_nn_model_tensor(m, i)->name, "running_var") != NULL;
    CHECK_MSG(bn_stats == 1, "the model has %d running_var tensors", bn_stats);

    /* start at 1, then 40 steps whose weights are 2, 3, ..., 41 */
    fill(m, 1);
    train_ema *e = NULL;
    const double decay = 0.9;
    CHECK_OK(train_ema_new(m, (float)decay, &e, &err));
    if (!e)
        return test_finish("test_ema");
    double avg = 1;
    for (int u = 1; u <= 40; u++) {
        fill(m, (float)(u + 1));
        train_ema_update(e, m);
        double d = fmin(decay, (1.0 + u) / (10.0 + u));
        avg = d * avg + (1 - d) * (u + 1);
    }
    CHECK(dist(m, 41) < 1e-5);             /* updating leaves the weights alone */
    train_ema_swap(e, m);
    CHECK_MSG(dist(m, avg) < 1e-4, "average off by %g (expected %g)", dist(m, avg), avg);
    CHECK(avg > 30 && avg < 40);             /* the recent steps dominate, not all equally */
    train_ema_swap(e, m);
    CHECK(dist(m, 41) < 1e-5);
    train_ema_swap(e, m);
    CHECK(dist(m, avg) < 1e-4);
    train_ema_free(e);

    float bad[] = {0.0f, 1.0f, -0.5f, NAN};
    for (int i = 0; i < 4; i++) {
        e = NULL;
        CHECK(train_ema_new(m, bad[i], &e, &err) == AURIS_EINVAL && !e);
    }
    auris_nn_model_free(m);
    return test_finish("test_ema");
}
