/* Embedding lookup: a 1 x 1 x T input of token indices (whole numbers held as floats)
 * becomes D x 1 x T; weight [num, D] as PyTorch's nn.Embedding. An index that is not a
 * whole number in [0, num) is an error, not a wild read. Indices get no gradient. */
#include <math.h>
#include <string.h>

#include "nn/nn_internal.h"

static auris_status emb_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    if (l->in_shape[0][0] != 1 || l->in_shape[0][1] != 1)
        return auris_fail(err, AURIS_EINVAL, "%s: embedding needs 1 x 1 x T token inputs", l->cfg.name);
    int num = l->cfg.shape[0], dim = l->cfg.filters;
    if (num < 1 || num > NN_MAX_DIM || dim < 1 || dim > 65536 || (size_t)num * dim > ((size_t)1 << 31))
        return auris_fail(err, AURIS_EINVAL, "%s: embedding of %d x %d out of range", l->cfg.name, num, dim);
    l->out_shape[0] = dim;
    l->out_shape[1] = 1;
    l->out_shape[2] = l->in_shape[0][2];
    return nn_model_add_param(m, l, "weight", 2, (int64_t[]){num, dim}, 1, err);
}

static auris_status emb_forward(nn_call *c)
{
    int T = c->l->in_shape[0][2], D = c->l->cfg.filters, num = c->l->cfg.shape[0];
    const float *W = nn_param(c, 0);
    for (int n = 0; n < c->batch; n++)
        for (int t = 0; t < T; t++) {
            float v = c->x[0][(size_t)n * T + t];
            if (!(v >= 0.0f && v < (float)num) || v != floorf(v))
                return auris_fail(c->err, AURIS_EINVAL, "%s: token %g outside 0..%d", c->l->cfg.name,
                                  (double)v, num - 1);
            const float *w = W + (size_t)v * D;
            for (int k = 0; k < D; k++)
                c->y[((size_t)n * D + k) * T + t] = w[k];
        }
    return AURIS_OK;
}

static auris_status emb_backward(nn_call *c)
{
    int T = c->l->in_shape[0][2], D = c->l->cfg.filters;
    memset(c->pgrad[0], 0, (size_t)c->l->cfg.shape[0] * D * sizeof(float));
    for (int n = 0; n < c->batch; n++)
        for (int t = 0; t < T; t++) {
            float *dw = c->pgrad[0] + (size_t)c->x[0][(size_t)n * T + t] * D;
            for (int k = 0; k < D; k++)
                dw[k] += c->dy[((size_t)n * D + k) * T + t];
            nn_put(c->dx[0], (size_t)n * T + t, 0.0f, c->dx_acc[0]);
        }
    return AURIS_OK;
}

const nn_layer_ops nn_embedding_ops = {emb_setup, emb_forward, emb_backward, NULL, NULL};
