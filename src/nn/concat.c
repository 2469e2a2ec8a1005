/* Concatenation along channels of inputs with equal height and width. */
#include <string.h>

#include "nn/nn_internal.h"

static auris_status concat_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    long C = 0;
    for (int k = 0; k < l->n_in; k++) {
        if (l->in_shape[k][1] != l->in_shape[0][1] || l->in_shape[k][2] != l->in_shape[0][2])
            return auris_fail(err, AURIS_EINVAL, "%s: concat inputs differ in height/width",
                              l->cfg.name);
        C += l->in_shape[k][0];
    }
    if (C > NN_MAX_DIM)
        return auris_fail(err, AURIS_EINVAL, "%s: too many channels", l->cfg.name);
    l->out_shape[0] = (int)C;
    l->out_shape[1] = l->in_shape[0][1];
    l->out_shape[2] = l->in_shape[0][2];
    return AURIS_OK;
}

static auris_status concat_forward(nn_call *c)
{
    size_t out = nn_shape_size(c->l->out_shape);
    for (int n = 0; n < c->batch; n++) {
        size_t off = 0;
        for (int k = 0; k < c->l->n_in; k++) {
            size_t sz = nn_shape_size(c->l->in_shape[k]);
            memcpy(c->y + n * out + off, c->x[k] + n * sz, sz * sizeof(float));
            off += sz;
        }
    }
    return AURIS_OK;
}

static auris_status concat_backward(nn_call *c)
{
    size_t out = nn_shape_size(c->l->out_shape);
    size_t off = 0;
    for (int k = 0; k < c->l->n_in; k++) {
        size_t sz = nn_shape_size(c->l->in_shape[k]);
        for (int n = 0; n < c->batch; n++)
            for (size_t i = 0; i < sz; i++)
                nn_put(c->dx[k], n * sz + i, c->dy[n * out + off + i], c->dx_acc[k]);
        off += sz;
    }
    return AURIS_OK;
}

const nn_layer_ops nn_concat_ops = {concat_setup, concat_forward, concat_backward, NULL, NULL};
