/* Layer normalisation over the channels at each position of C x H x W activations: for
 * C x 1 x T sequences it is PyTorch's LayerNorm(C) on every time step's features, for a
 * C x 1 x 1 vector the plain one. Per-position statistics are kept for the backward pass. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

typedef struct ln_state {
    float *mean, *invstd;
    size_t cap;
} ln_state;

static auris_status ln_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    if (!(l->cfg.eps > 0.0f))
        return auris_fail(err, AURIS_EINVAL, "%s: layernorm eps must be positive", l->cfg.name);
    memcpy(l->out_shape, l->in_shape[0], sizeof l->out_shape);
    int64_t c = l->in_shape[0][0];
    auris_status st = nn_model_add_param(m, l, "weight", 1, &c, 1, err);
    if (!st)
        st = nn_model_add_param(m, l, "bias", 1, &c, 1, err);
    return st;
}

static void ln_state_free(void *ls)
{
    ln_state *s = ls;
    free(s->mean);
    free(s->invstd);
    free(s);
}

static auris_status ln_forward(nn_call *c)
{
    int C = c->l->in_shape[0][0];
    size_t hw = nn_shape_size(c->l->in_shape[0]) / (size_t)C, npos = (size_t)c->batch * hw;
    ln_state *s = *c->ls;
    if (c->training) {
        if (!s && !(s = *c->ls = calloc(1, sizeof *s)))
            return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
        if (s->cap < npos) {
            float *mn = realloc(s->mean, npos * sizeof *mn);
            if (mn)
                s->mean = mn;
            float *iv = mn ? realloc(s->invstd, npos * sizeof *iv) : NULL;
            if (!iv)
                return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
            s->invstd = iv;
            s->cap = npos;
        }
    }
    const float *g = nn_param(c, 0), *b = nn_param(c, 1);
    for (size_t pos = 0; pos < npos; pos++) {
        size_t n = pos / hw, p = pos % hw;
        const float *x = c->x[0] + n * C * hw + p;
        float *y = c->y + n * C * hw + p;
        double sum = 0.0, sq = 0.0;
        for (int k = 0; k < C; k++)
            sum += x[k * hw];
        float mean = (float)(sum / C);
        for (int k = 0; k < C; k++)
            sq += (double)(x[k * hw] - mean) * (x[k * hw] - mean);
        float inv = (float)(1.0 / sqrt(sq / C + c->l->cfg.eps));
        for (int k = 0; k < C; k++)
            y[k * hw] = (x[k * hw] - mean) * inv * g[k] + b[k];
        if (c->training) {
            s->mean[pos] = mean;
            s->invstd[pos] = inv;
        }
    }
    return AURIS_OK;
}

static auris_status ln_backward(nn_call *c)
{
    int C = c->l->in_shape[0][0];
    size_t hw = nn_shape_size(c->l->in_shape[0]) / (size_t)C, npos = (size_t)c->batch * hw;
    const ln_state *s = *c->ls;
    const float *g = nn_param(c, 0);
    memset(c->pgrad[0], 0, (size_t)C * sizeof(float));
    memset(c->pgrad[1], 0, (size_t)C * sizeof(float));
    for (size_t pos = 0; pos < npos; pos++) {
        size_t n = pos / hw, p = pos % hw, base = n * C * hw + p;
        const float *x = c->x[0] + base, *dy = c->dy + base;
        float mean = s->mean[pos], inv = s->invstd[pos];
        double a = 0.0, bsum = 0.0;
        for (int k = 0; k < C; k++) {
            float xh = (x[k * hw] - mean) * inv, dxh = dy[k * hw] * g[k];
            a += dxh;
            bsum += dxh * xh;
            c->pgrad[0][k] += dy[k * hw] * xh;
            c->pgrad[1][k] += dy[k * hw];
        }
        float ma = (float)(a / C), mb = (float)(bsum / C);
        for (int k = 0; k < C; k++) {
            float xh = (x[k * hw] - mean) * inv;
            nn_put(c->dx[0], base + k * hw, inv * (dy[k * hw] * g[k] - ma - xh * mb), c->dx_acc[0]);
        }
    }
    return AURIS_OK;
}

const nn_layer_ops nn_layernorm_ops = {ln_setup, ln_forward, ln_backward, ln_state_free, NULL};
