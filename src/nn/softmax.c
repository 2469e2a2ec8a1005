/* Softmax and log-softmax over channels (PyTorch's dim=1), for each sample and position. */
#include <math.h>
#include <string.h>

#include "nn/nn_internal.h"

static auris_status softmax_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    memcpy(l->out_shape, l->in_shape[0], sizeof l->out_shape);
    return AURIS_OK;
}

static auris_status softmax_forward(nn_call *c)
{
    int C = c->l->out_shape[0];
    size_t hw = (size_t)c->l->out_shape[1] * (size_t)c->l->out_shape[2];
    int logsm = c->l->cfg.type == AURIS_NN_LOGSOFTMAX;
    for (int n = 0; n < c->batch; n++)
        for (size_t p = 0; p < hw; p++) {
            const float *x = c->x[0] + (size_t)n * C * hw + p;
            float *y = c->y + (size_t)n * C * hw + p;
            float mx = x[0];
            for (int k = 1; k < C; k++)
                mx = fmaxf(mx, x[k * hw]);
            double s = 0.0;
            for (int k = 0; k < C; k++)
                s += exp((double)x[k * hw] - mx);
            float ls = (float)log(s);
            for (int k = 0; k < C; k++)
                y[k * hw] = logsm ? x[k * hw] - mx - ls : expf(x[k * hw] - mx - ls);
        }
    return AURIS_OK;
}

static auris_status softmax_backward(nn_call *c)
{
    int C = c->l->out_shape[0];
    size_t hw = (size_t)c->l->out_shape[1] * (size_t)c->l->out_shape[2];
    int logsm = c->l->cfg.type == AURIS_NN_LOGSOFTMAX;
    for (int n = 0; n < c->batch; n++)
        for (size_t p = 0; p < hw; p++) {
            size_t base = (size_t)n * C * hw + p;
            const float *y = c->y + base, *dy = c->dy + base;
            double s = 0.0;
            for (int k = 0; k < C; k++)
                s += logsm ? dy[k * hw] : dy[k * hw] * y[k * hw];
            for (int k = 0; k < C; k++) {
                float v = logsm ? dy[k * hw] - expf(y[k * hw]) * (float)s
                                : y[k * hw] * (dy[k * hw] - (float)s);
                nn_put(c->dx[0], base + k * hw, v, c->dx_acc[0]);
            }
        }
    return AURIS_OK;
}

const nn_layer_ops nn_softmax_ops = {softmax_setup, softmax_forward, softmax_backward, NULL, NULL};
