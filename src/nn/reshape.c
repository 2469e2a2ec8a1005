/* Flatten (C x H x W -> CHW x 1 x 1) and reshape to any shape of the same size. */
#include <string.h>

#include "nn/nn_internal.h"

static auris_status reshape_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    size_t n = nn_shape_size(l->in_shape[0]);
    if (l->cfg.type == AURIS_NN_FLATTEN) {
        l->out_shape[0] = (int)n;
        l->out_shape[1] = l->out_shape[2] = 1;
        return AURIS_OK;
    }
    for (int k = 0; k < 3; k++)
        if (l->cfg.shape[k] < 1 || l->cfg.shape[k] > NN_MAX_DIM)
            return auris_fail(err, AURIS_EINVAL, "%s: reshape needs three positive dims", l->cfg.name);
    memcpy(l->out_shape, l->cfg.shape, sizeof l->out_shape);
    if (nn_shape_size(l->out_shape) != n)
        return auris_fail(err, AURIS_EINVAL, "%s: reshape to %dx%dx%d from %zu values", l->cfg.name,
                          l->cfg.shape[0], l->cfg.shape[1], l->cfg.shape[2], n);
    return AURIS_OK;
}

static auris_status reshape_forward(nn_call *c)
{
    memcpy(c->y, c->x[0], (size_t)c->batch * nn_shape_size(c->l->out_shape) * sizeof(float));
    return AURIS_OK;
}

auris_status nn_copy_backward(nn_call *c)
{
    size_t n = (size_t)c->batch * nn_shape_size(c->l->out_shape);
    for (size_t i = 0; i < n; i++)
        nn_put(c->dx[0], i, c->dy[i], c->dx_acc[0]);
    return AURIS_OK;
}

const nn_layer_ops nn_reshape_ops = {reshape_setup, reshape_forward, nn_copy_backward, NULL, NULL};
