/* Exponential moving average of a model's values (weights and batch-norm statistics) over
 * the optimiser's steps. Late in training the weights wander around a minimum from batch
 * to batch; their average generalises better and its accuracy moves less from epoch to
 * epoch. The decay ramps up, min(decay, (1 + u) / (10 + u)) after u updates, so the first
 * steps' random weights are forgotten quickly. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "train/train_internal.h"

struct train_ema {
    float decay;
    long updates;
    size_t n;          /* float32 tensors of the model */
    size_t *index;     /* their indices in the model */
    float **avg;       /* their averages */
};

auris_status train_ema_new(auris_nn_model *m, float decay, train_ema **out, auris_error *err)
{
    *out = NULL;
    if (!(decay > 0 && decay < 1))
        return auris_fail(err, AURIS_EINVAL, "ema decay must be in (0, 1)");
    train_ema *e = calloc(1, sizeof *e);
    size_t count = auris_nn_model_tensor_count(m);
    if (e) {
        e->index = calloc(count ? count : 1, sizeof *e->index);
        e->avg = calloc(count ? count : 1, sizeof *e->avg);
    }
    if (!e || !e->index || !e->avg) {
        train_ema_free(e);
        return auris_fail(err, AURIS_ENOMEM, "ema: out of memory");
    }
    e->decay = decay;
    for (size_t i = 0; i < count; i++) {
        auris_nn_tensor *t = auris_nn_model_tensor(m, i);
        if (t->dtype != AURIS_NN_F32)
            continue;
        size_t bytes = auris_nn_tensor_numel(t) * sizeof(float);
        float *a = malloc(bytes ? bytes : 1);
        if (!a) {
            train_ema_free(e);
            return auris_fail(err, AURIS_ENOMEM, "ema: out of memory");
        }
        memcpy(a, t->data, bytes);
        e->index[e->n] = i;
        e->avg[e->n++] = a;
    }
    *out = e;
    return AURIS_OK;
}

void train_ema_update(train_ema *e, auris_nn_model *m)
{
    e->updates++;
    float ramp = (float)(1 + e->updates) / (float)(10 + e->updates);
    float d = ramp < e->decay ? ramp : e->decay;
    for (size_t k = 0; k < e->n; k++) {
        const auris_nn_tensor *t = auris_nn_model_tensor(m, e->index[k]);
        const float *w = t->data;
        float *a = e->avg[k];
        size_t len = auris_nn_tensor_numel(t);
        for (size_t j = 0; j < len; j++)
            a[j] = d * a[j] + (1 - d) * w[j];
    }
}

void train_ema_swap(train_ema *e, auris_nn_model *m)
{
    for (size_t k = 0; k < e->n; k++) {
        auris_nn_tensor *t = auris_nn_model_tensor(m, e->index[k]);
        float *w = t->data, *a = e->avg[k];
        size_t len = auris_nn_tensor_numel(t);
        for (size_t j = 0; j < len; j++) {
            float x = w[j];
            w[j] = a[j];
            a[j] = x;
        }
    }
}

void train_ema_free(train_ema *e)
{
    if (!e)
        return;
    for (size_t k = 0; k < e->n; k++)
        free(e->avg[k]);
    free(e->avg);
    free(e->index);
    free(e);
}
