/* Element-wise activations: ReLU, ReLU6, sigmoid, tanh, GELU (erf form, PyTorch's default)
 * and SiLU. Backward uses the layer input, which training states keep. */
#include <math.h>
#include <string.h>

#include "nn/nn_internal.h"

static auris_status act_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    memcpy(l->out_shape, l->in_shape[0], sizeof l->out_shape);
    return AURIS_OK;
}

static float sigm(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

static auris_status act_forward(nn_call *c)
{
    size_t n = (size_t)c->batch * nn_shape_size(c->l->out_shape);
    const float *x = c->x[0];
    float *y = c->y;
    switch (c->l->cfg.type) {
    case AURIS_NN_RELU:
        for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case AURIS_NN_RELU6:
        for (size_t i = 0; i < n; i++) y[i] = fminf(fmaxf(x[i], 0.0f), 6.0f);
        break;
    case AURIS_NN_SIGMOID:
        for (size_t i = 0; i < n; i++) y[i] = sigm(x[i]);
        break;
    case AURIS_NN_TANH:
        for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
        break;
    case AURIS_NN_GELU:
        for (size_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678f));
        break;
    default:
        for (size_t i = 0; i < n; i++) y[i] = x[i] * sigm(x[i]);
        break;
    }
    return AURIS_OK;
}

static float act_grad(auris_nn_layer_type t, float x)
{
    switch (t) {
    case AURIS_NN_SIGMOID: { float s = sigm(x); return s * (1.0f - s); }
    case AURIS_NN_TANH: { float t2 = tanhf(x); return 1.0f - t2 * t2; }
    case AURIS_NN_GELU:
        return 0.5f * (1.0f + erff(x * 0.70710678f)) + x * expf(-0.5f * x * x) * 0.39894228f;
    default: { float s = sigm(x); return s * (1.0f + x * (1.0f - s)); }
    }
}

/* ReLU and ReLU6 get their own branch-free loops: they are most of the activations of a
 * CNN and memory-bound, so they must vectorise. */
static auris_status act_backward(nn_call *c)
{
    size_t n = (size_t)c->batch * nn_shape_size(c->l->out_shape);
    auris_nn_layer_type t = c->l->cfg.type;
    const float *x = c->x[0], *dy = c->dy;
    float *dx = c->dx[0];
    float hi = t == AURIS_NN_RELU6 ? 6.0f : INFINITY;
    if (t == AURIS_NN_RELU || t == AURIS_NN_RELU6) {
        if (c->dx_acc[0])
            for (size_t i = 0; i < n; i++)
                dx[i] += x[i] > 0.0f && x[i] < hi ? dy[i] : 0.0f;
        else
            for (size_t i = 0; i < n; i++)
                dx[i] = x[i] > 0.0f && x[i] < hi ? dy[i] : 0.0f;
        return AURIS_OK;
    }
    for (size_t i = 0; i < n; i++)
        nn_put(dx, i, dy[i] * act_grad(t, x[i]), c->dx_acc[0]);
    return AURIS_OK;
}

const nn_layer_ops nn_activation_ops = {act_setup, act_forward, act_backward, NULL, NULL};
