/* Training: SGD with momentum and AdamW (PyTorch's update rules), learning-rate schedules
 * with linear warm-up, weight decay, global gradient-norm clipping, and one step of
 * forward / loss / backward / update over a batch of any size. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

struct auris_nn_trainer {
    auris_nn_model *m;
    auris_nn_trainer_config cfg;
    auris_nn_state *s;
    float **m1, **m2;     /* per model tensor: momentum / Adam moments */
    float *dlogits;
    int step;
};

void auris_nn_trainer_config_default(auris_nn_trainer_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->optimizer = AURIS_NN_ADAMW;
    cfg->lr = 1e-3f;
    cfg->momentum = 0.9f;
    cfg->beta1 = 0.9f;
    cfg->beta2 = 0.999f;
    cfg->eps = 1e-8f;
    cfg->weight_decay = 0.01f;
    cfg->schedule = AURIS_NN_LR_CONSTANT;
    cfg->total_steps = 1000;
    cfg->step_size = 100;
    cfg->gamma = 0.1f;
    cfg->loss = AURIS_NN_LOSS_CE;
    cfg->aam_margin = 0.2f;
    cfg->max_batch = 32;
    cfg->seed = 1;
}

float auris_nn_lr_at(const auris_nn_trainer_config *cfg, int step)
{
    if (step < cfg->warmup_steps)
        return cfg->lr * (float)(step + 1) / (float)cfg->warmup_steps;
    int s = step - cfg->warmup_steps;
    switch (cfg->schedule) {
    case AURIS_NN_LR_STEP:
        return cfg->lr * powf(cfg->gamma, (float)(s / (cfg->step_size > 0 ? cfg->step_size : 1)));
    case AURIS_NN_LR_COSINE: {
        int span = cfg->total_steps - cfg->warmup_steps;
        if (span < 1 || s >= span)
            return cfg->min_lr;
        return cfg->min_lr + (cfg->lr - cfg->min_lr) * 0.5f *
                                 (1.0f + cosf(3.14159265f * (float)s / (float)span));
    }
    case AURIS_NN_LR_CONSTANT:
        break;
    }
    return cfg->lr;
}

void auris_nn_trainer_free(auris_nn_trainer *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->m->n_tensors; i++) {
        if (t->m1)
            free(t->m1[i]);
        if (t->m2)
            free(t->m2[i]);
    }
    free(t->m1);
    free(t->m2);
    free(t->dlogits);
    auris_nn_state_free(t->s);
    free(t);
}

auris_status auris_nn_trainer_new(auris_nn_model *m, const auris_nn_trainer_config *cfg,
                                  auris_nn_trainer **out, auris_error *err)
{
    *out = NULL;
    if (!(cfg->lr >= 0.0f) || !(cfg->label_smoothing >= 0.0f && cfg->label_smoothing < 1.0f) ||
        (cfg->optimizer != AURIS_NN_SGD && cfg->optimizer != AURIS_NN_ADAMW))
        return auris_fail(err, AURIS_EINVAL, "trainer: bad learning rate, smoothing or optimizer");
    auris_nn_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    t->m = m;
    t->cfg = *cfg;
    auris_nn_state_config sc;
    auris_nn_state_config_default(&sc);
    sc.max_batch = cfg->max_batch;
    sc.training = 1;
    sc.seed = cfg->seed;
    sc.input_grad = 0;
    auris_status st = auris_nn_state_new(m, &sc, &t->s, err);
    size_t nt = m->n_tensors ? m->n_tensors : 1;
    if (!st) {
        t->m1 = calloc(nt, sizeof *t->m1);
        t->m2 = calloc(nt, sizeof *t->m2);
        t->dlogits = malloc(auris_nn_model_output_size(m) * (size_t)cfg->max_batch * sizeof(float));
        if (!t->m1 || !t->m2 || !t->dlogits)
            st = auris_fail(err, AURIS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; !st && i < m->n_tensors; i++) {
        if (!m->trainable[i])
            continue;
        size_t n = auris_nn_tensor_numel(m->tensors[i]);
        t->m1[i] = calloc(n, sizeof(float));
        if (cfg->optimizer == AURIS_NN_ADAMW)
            t->m2[i] = calloc(n, sizeof(float));
        if (!t->m1[i] || (cfg->optimizer == AURIS_NN_ADAMW && !t->m2[i]))
            st = auris_fail(err, AURIS_ENOMEM, "out of memory for optimizer state");
    }
    if (st) {
        auris_nn_trainer_free(t);
        return st;
    }
    *out = t;
    return AURIS_OK;
}

static float clip_scale(auris_nn_trainer *t)
{
    if (t->cfg.clip_norm <= 0.0f)
        return 1.0f;
    double ss = 0.0;
    for (size_t i = 0; i < t->m->n_tensors; i++) {
        const float *g = nn_state_param_grad_at(t->s, i);
        size_t n = g ? auris_nn_tensor_numel(t->m->tensors[i]) : 0;
        for (size_t k = 0; k < n; k++)
            ss += (double)g[k] * g[k];
    }
    double coef = t->cfg.clip_norm / (sqrt(ss) + 1e-6);
    return coef < 1.0 ? (float)coef : 1.0f;
}

auris_status auris_nn_trainer_apply(auris_nn_trainer *t, auris_error *err)
{
    /* the forward pass's batch statistics join the running ones with the step, whichever
     * loss produced the gradients */
    nn_state_update_running_stats(t->s, t->m);
    const auris_nn_trainer_config *c = &t->cfg;
    float lr = auris_nn_lr_at(c, t->step);
    float gs = clip_scale(t);
    t->step++;
    float bc1 = 1.0f - powf(c->beta1, (float)t->step), bc2 = 1.0f - powf(c->beta2, (float)t->step);
    for (size_t i = 0; i < t->m->n_tensors; i++) {
        const float *g = nn_state_param_grad_at(t->s, i);
        if (!g || !t->m->trainable[i])
            continue;
        auris_nn_tensor *pt = t->m->tensors[i];
        float *p = pt->data, *m1 = t->m1[i], *m2 = t->m2[i];
        size_t n = auris_nn_tensor_numel(pt);
        float wd = c->decay_all || pt->ndim >= 2 ? c->weight_decay : 0.0f;
        if (c->optimizer == AURIS_NN_SGD) {
            for (size_t k = 0; k < n; k++) {
                float gk = g[k] * gs + wd * p[k];
                m1[k] = c->momentum * m1[k] + gk;
                p[k] -= lr * m1[k];
            }
        } else {
            float step = lr / bc1, sq = sqrtf(bc2);
            for (size_t k = 0; k < n; k++) {
                float gk = g[k] * gs;
                p[k] *= 1.0f - lr * wd;
                m1[k] = c->beta1 * m1[k] + (1.0f - c->beta1) * gk;
                m2[k] = c->beta2 * m2[k] + (1.0f - c->beta2) * gk * gk;
                p[k] -= step * m1[k] / (sqrtf(m2[k]) / sq + c->eps);
            }
        }
    }
    return AURIS_OK;
}

/* The logit scale of the model's cosine head (AAM softmax), 1 without one. */
static float aam_scale(const auris_nn_model *m)
{
    const nn_layer *last = &m->layers[m->n_layers - 1];
    return last->cfg.type == AURIS_NN_COSINE ? last->cfg.scale : 1.0f;
}

auris_status auris_nn_trainer_step(auris_nn_trainer *t, const float *input, const int *labels,
                                   const float *targets, int batch, float *loss, auris_error *err)
{
    int classes = (int)auris_nn_model_output_size(t->m);
    if (t->cfg.loss == AURIS_NN_LOSS_CE || t->cfg.loss == AURIS_NN_LOSS_AAM) {
        if (!labels)
            return auris_fail(err, AURIS_EINVAL, "cross-entropy needs labels");
        for (int i = 0; i < batch; i++)
            if (labels[i] < 0 || labels[i] >= classes)
                return auris_fail(err, AURIS_EINVAL, "label %d outside 0..%d", labels[i], classes - 1);
    } else if (!targets) {
        return auris_fail(err, AURIS_EINVAL, "BCE / MSE need targets");
    }
    const float *logits;
    auris_status st = auris_nn_forward(t->s, input, batch, &logits, err);
    if (st)
        return st;
    float l;
    if (t->cfg.loss == AURIS_NN_LOSS_CE)
        l = auris_nn_loss_cross_entropy(logits, labels, batch, classes, t->cfg.label_smoothing,
                                        t->dlogits);
    else if (t->cfg.loss == AURIS_NN_LOSS_AAM)
        l = auris_nn_loss_aam(logits, labels, batch, classes, aam_scale(t->m), t->cfg.aam_margin,
                              t->dlogits);
    else if (t->cfg.loss == AURIS_NN_LOSS_BCE)
        l = auris_nn_loss_bce(logits, targets, batch, classes, t->dlogits);
    else
        l = auris_nn_loss_mse(logits, targets, batch, classes, t->dlogits);
    if (loss)
        *loss = l;
    if (!isfinite(l))
        return auris_fail(err, AURIS_EDATA, "training loss is not finite (step %d)", t->step);
    st = auris_nn_backward(t->s, t->dlogits, err);
    if (st)
        return st;
    return auris_nn_trainer_apply(t, err);
}

auris_nn_state *auris_nn_trainer_state(auris_nn_trainer *t)
{
    return t->s;
}

int auris_nn_trainer_steps(const auris_nn_trainer *t)
{
    return t->step;
}
