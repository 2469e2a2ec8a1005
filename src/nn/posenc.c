/* Sinusoidal positional encoding added to a C x 1 x T sequence (Vaswani et al.):
 * pe[2i][t] = sin(t / 10000^(2i/C)), pe[2i+1][t] = cos(t / 10000^(2i/C)). No parameters. */
#include <math.h>
#include <string.h>

#include "nn/nn_internal.h"

static auris_status pe_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    if (l->in_shape[0][1] != 1)
        return auris_fail(err, AURIS_EINVAL, "%s: posenc needs C x 1 x T inputs", l->cfg.name);
    memcpy(l->out_shape, l->in_shape[0], sizeof l->out_shape);
    return AURIS_OK;
}

static auris_status pe_forward(nn_call *c)
{
    int C = c->l->in_shape[0][0], T = c->l->in_shape[0][2];
    for (int n = 0; n < c->batch; n++)
        for (int k = 0; k < C; k++) {
            double freq = pow(10000.0, -(double)(k & ~1) / C);
            size_t off = ((size_t)n * C + k) * T;
            for (int t = 0; t < T; t++)
                c->y[off + t] = c->x[0][off + t] + (float)(k & 1 ? cos(t * freq) : sin(t * freq));
        }
    return AURIS_OK;
}

const nn_layer_ops nn_posenc_ops = {pe_setup, pe_forward, nn_copy_backward, NULL, NULL};
