/* Global average and max pooling: C x H x W -> C x 1 x 1. */
#include <float.h>
#include <string.h>

#include "nn/nn_internal.h"

static auris_status gp_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    l->out_shape[0] = l->in_shape[0][0];
    l->out_shape[1] = l->out_shape[2] = 1;
    return AURIS_OK;
}

static auris_status gp_forward(nn_call *c)
{
    size_t hw = (size_t)c->l->in_shape[0][1] * (size_t)c->l->in_shape[0][2];
    size_t planes = (size_t)c->batch * (size_t)c->l->out_shape[0];
    for (size_t p = 0; p < planes; p++) {
        const float *x = c->x[0] + p * hw;
        if (c->l->cfg.type == AURIS_NN_GLOBALMAXPOOL) {
            float mx = -FLT_MAX;
            for (size_t i = 0; i < hw; i++)
                mx = x[i] > mx ? x[i] : mx;
            c->y[p] = mx;
        } else {
            float s = 0.0f;
            for (size_t i = 0; i < hw; i++)
                s += x[i];
            c->y[p] = s / (float)hw;
        }
    }
    return AURIS_OK;
}

static auris_status gp_backward(nn_call *c)
{
    size_t hw = (size_t)c->l->in_shape[0][1] * (size_t)c->l->in_shape[0][2];
    size_t planes = (size_t)c->batch * (size_t)c->l->out_shape[0];
    int is_max = c->l->cfg.type == AURIS_NN_GLOBALMAXPOOL;
    for (size_t p = 0; p < planes; p++) {
        const float *x = c->x[0] + p * hw;
        size_t arg = 0;
        for (size_t i = 1; is_max && i < hw; i++)
            if (x[i] > x[arg])
                arg = i;
        for (size_t i = 0; i < hw; i++) {
            float v = is_max ? (i == arg ? c->dy[p] : 0.0f) : c->dy[p] / (float)hw;
            nn_put(c->dx[0], p * hw + i, v, c->dx_acc[0]);
        }
    }
    return AURIS_OK;
}

static double gp_macs(const nn_layer *l)
{
    return (double)nn_shape_size(l->in_shape[0]);
}

const nn_layer_ops nn_globalpool_ops = {gp_setup, gp_forward, gp_backward, NULL, gp_macs};
