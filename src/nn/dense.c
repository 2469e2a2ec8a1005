/* Fully connected layer y = x W^T + b on OpenBLAS (a plain GEMM); inputs of any shape are
 * flattened per sample, as after PyTorch's nn.Flatten. */
#include <cblas.h>
#include <string.h>

#include "nn/nn_internal.h"

static auris_status dense_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    size_t in = nn_shape_size(l->in_shape[0]);
    if (l->cfg.filters < 1 || l->cfg.filters > NN_MAX_DIM || in > NN_MAX_DIM ||
        (size_t)l->cfg.filters * in > ((size_t)1 << 31))
        return auris_fail(err, AURIS_EINVAL, "%s: dense %zu -> %d out of range", l->cfg.name, in,
                          l->cfg.filters);
    l->out_shape[0] = l->cfg.filters;
    l->out_shape[1] = l->out_shape[2] = 1;
    auris_status st = nn_model_add_param(m, l, "weight", 2, (int64_t[]){l->cfg.filters, (int64_t)in}, 1, err);
    if (!st && l->cfg.bias)
        st = nn_model_add_param(m, l, "bias", 1, (int64_t[]){l->cfg.filters}, 1, err);
    return st;
}

static auris_status dense_forward(nn_call *c)
{
    int n = c->batch, out = c->l->cfg.filters, in = (int)nn_shape_size(c->l->in_shape[0]);
    float beta = 0.0f;
    if (c->l->cfg.bias) {
        const float *b = nn_param(c, 1);
        for (int i = 0; i < n; i++)
            memcpy(c->y + (size_t)i * out, b, (size_t)out * sizeof(float));
        beta = 1.0f;
    }
    if (n == 1)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, out, in, 1.0f, nn_param(c, 0), in, c->x[0], 1,
                    beta, c->y, 1);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, c->x[0], in,
                    nn_param(c, 0), in, beta, c->y, out);
    return AURIS_OK;
}

static auris_status dense_backward(nn_call *c)
{
    int n = c->batch, out = c->l->cfg.filters, in = (int)nn_shape_size(c->l->in_shape[0]);
    if (c->need_dx[0])
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, c->dy, out,
                    nn_param(c, 0), in, c->dx_acc[0] ? 1.0f : 0.0f, c->dx[0], in);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n, 1.0f, c->dy, out, c->x[0], in,
                0.0f, c->pgrad[0], in);
    if (c->l->cfg.bias) {
        float *db = c->pgrad[1];
        for (int o = 0; o < out; o++) {
            double s = 0.0;
            for (int i = 0; i < n; i++)
                s += c->dy[(size_t)i * out + o];
            db[o] = (float)s;
        }
    }
    return AURIS_OK;
}

static double dense_macs(const nn_layer *l)
{
    return (double)l->cfg.filters * (double)nn_shape_size(l->in_shape[0]);
}

const nn_layer_ops nn_dense_ops = {dense_setup, dense_forward, dense_backward, NULL, dense_macs};
