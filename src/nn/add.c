/* Element-wise sum of inputs of one shape: residual connections. */
#include <string.h>

#include "nn/nn_internal.h"

static auris_status add_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    for (int k = 1; k < l->n_in; k++)
        if (memcmp(l->in_shape[k], l->in_shape[0], sizeof l->in_shape[0]))
            return auris_fail(err, AURIS_EINVAL, "%s: add inputs %dx%dx%d and %dx%dx%d differ",
                              l->cfg.name, l->in_shape[0][0], l->in_shape[0][1], l->in_shape[0][2],
                              l->in_shape[k][0], l->in_shape[k][1], l->in_shape[k][2]);
    memcpy(l->out_shape, l->in_shape[0], sizeof l->out_shape);
    return AURIS_OK;
}

static auris_status add_forward(nn_call *c)
{
    size_t n = (size_t)c->batch * nn_shape_size(c->l->out_shape);
    memcpy(c->y, c->x[0], n * sizeof(float));
    for (int k = 1; k < c->l->n_in; k++)
        for (size_t i = 0; i < n; i++)
            c->y[i] += c->x[k][i];
    return AURIS_OK;
}

static auris_status add_backward(nn_call *c)
{
    size_t n = (size_t)c->batch * nn_shape_size(c->l->out_shape);
    for (int k = 0; k < c->l->n_in; k++) {
        int acc = c->dx_acc[k];
        for (int j = 0; j < k; j++)
            if (c->dx[j] == c->dx[k])
                acc = 1;
        for (size_t i = 0; i < n; i++)
            nn_put(c->dx[k], i, c->dy[i], acc);
    }
    return AURIS_OK;
}

const nn_layer_ops nn_add_ops = {add_setup, add_forward, add_backward, NULL, NULL};
