/* Cosine classifier head y_j = scale * cos(x, W_j) (normalised embedding against normalised
 * class weights, no bias): the logits of additive angular margin (ArcFace / AAM) softmax,
 * whose margin the trainer adds to each target's angle (AURIS_NN_LOSS_AAM). */
#include <math.h>
#include <string.h>

#include "nn/nn_internal.h"

static auris_status cos_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    size_t in = nn_shape_size(l->in_shape[0]);
    if (l->cfg.filters < 1 || l->cfg.filters > NN_MAX_DIM || in > NN_MAX_DIM ||
        !(l->cfg.scale > 0.0f) || (size_t)l->cfg.filters * in > ((size_t)1 << 31))
        return auris_fail(err, AURIS_EINVAL, "%s: cosine head out of range", l->cfg.name);
    l->out_shape[0] = l->cfg.filters;
    l->out_shape[1] = l->out_shape[2] = 1;
    return nn_model_add_param(m, l, "weight", 2, (int64_t[]){l->cfg.filters, (int64_t)in}, 1, err);
}

static float norm(const float *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)v[i] * v[i];
    return (float)fmax(sqrt(s), 1e-12);
}

static float dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return (float)s;
}

static auris_status cos_forward(nn_call *c)
{
    size_t in = nn_shape_size(c->l->in_shape[0]);
    int out = c->l->cfg.filters;
    const float *W = nn_param(c, 0);
    for (int n = 0; n < c->batch; n++) {
        const float *x = c->x[0] + n * in;
        float nx = norm(x, in);
        for (int j = 0; j < out; j++)
            c->y[(size_t)n * out + j] =
                c->l->cfg.scale * dot(x, W + j * in, in) / (nx * norm(W + j * in, in));
    }
    return AURIS_OK;
}

static auris_status cos_backward(nn_call *c)
{
    size_t in = nn_shape_size(c->l->in_shape[0]);
    int out = c->l->cfg.filters;
    const float *W = nn_param(c, 0);
    float *dW = c->pgrad[0];
    memset(dW, 0, (size_t)out * in * sizeof(float));
    for (int n = 0; n < c->batch; n++) {
        const float *x = c->x[0] + n * in;
        float *dx = c->dx[0] + n * in;
        float nx = norm(x, in);
        if (!c->dx_acc[0])
            memset(dx, 0, in * sizeof(float));
        for (int j = 0; j < out; j++) {
            const float *w = W + j * in;
            float nw = norm(w, in), cj = dot(x, w, in) / (nx * nw);
            float g = c->l->cfg.scale * c->dy[(size_t)n * out + j];
            /* d cos / dx = (w/|w| - cos x/|x|) / |x|;  d cos / dw = (x/|x| - cos w/|w|) / |w| */
            for (size_t i = 0; i < in; i++) {
                dx[i] += g * (w[i] / nw - cj * x[i] / nx) / nx;
                dW[j * in + i] += g * (x[i] / nx - cj * w[i] / nw) / nw;
            }
        }
    }
    return AURIS_OK;
}

static double cos_macs(const nn_layer *l)
{
    return (double)l->cfg.filters * (double)nn_shape_size(l->in_shape[0]);
}

const nn_layer_ops nn_cosine_ops = {cos_setup, cos_forward, cos_backward, NULL, cos_macs};
