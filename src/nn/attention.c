/* Multi-head self-attention over a C x 1 x T sequence (PyTorch nn.MultiheadAttention with
 * query = key = value, batch_first, no mask, no dropout; `groups` = heads): per sample, one
 * GEMM projects all steps to queries, keys and values, each head attends with a row softmax,
 * and one GEMM projects the heads back. Training keeps projections and attention weights. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/rnn_util.h"

static auris_status attn_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    int C = l->in_shape[0][0], T = l->in_shape[0][2], heads = l->cfg.groups;
    if (l->in_shape[0][1] != 1 || heads < 1 || C % heads || T > 8192)
        return auris_fail(err, AURIS_EINVAL, "%s: attention needs C x 1 x T inputs (T <= 8192) "
                          "and heads dividing C", l->cfg.name);
    memcpy(l->out_shape, l->in_shape[0], sizeof l->out_shape);
    int64_t c3 = 3 * (int64_t)C, c = C;
    auris_status st = nn_model_add_param(m, l, "in_proj_weight", 2, (int64_t[]){c3, c}, 1, err);
    if (!st)
        st = nn_model_add_param(m, l, "in_proj_bias", 1, &c3, 1, err);
    if (!st)
        st = nn_model_add_param(m, l, "out_proj.weight", 2, (int64_t[]){c, c}, 1, err);
    if (!st)
        st = nn_model_add_param(m, l, "out_proj.bias", 1, &c, 1, err);
    return st;
}

static void softmax_rows(float *s, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        float *x = s + (size_t)r * cols, mx = x[0];
        for (int k = 1; k < cols; k++)
            mx = x[k] > mx ? x[k] : mx;
        float sum = 0.0f;
        for (int k = 0; k < cols; k++)
            sum += x[k] = expf(x[k] - mx);
        for (int k = 0; k < cols; k++)
            x[k] /= sum;
    }
}

/* Scratch per sample: QKV [T][3C], attention weights [heads][T][T], heads' outputs [T][C]. */
static size_t per_sample(int C, int T, int heads)
{
    return (size_t)T * 3 * C + (size_t)heads * T * T + (size_t)T * C;
}

static auris_status attn_forward(nn_call *c)
{
    int C = c->l->in_shape[0][0], T = c->l->in_shape[0][2], heads = c->l->cfg.groups, dh = C / heads;
    size_t ps = per_sample(C, T, heads);
    float *buf = rnn_scratch(c, (c->training ? (size_t)c->batch : 1) * ps);
    if (!buf)
        return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
    const float *Win = nn_param(c, 0), *bin = nn_param(c, 1), *Wo = nn_param(c, 2), *bo = nn_param(c, 3);
    float scale = 1.0f / sqrtf((float)dh);
    for (int n = 0; n < c->batch; n++) {
        float *qkv = buf + (c->training ? (size_t)n * ps : 0), *P = qkv + (size_t)T * 3 * C,
              *O = P + (size_t)heads * T * T;
        const float *x = c->x[0] + (size_t)n * C * T;
        float *y = c->y + (size_t)n * C * T;
        for (int t = 0; t < T; t++)
            memcpy(qkv + (size_t)t * 3 * C, bin, 3 * (size_t)C * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, T, 3 * C, C, 1.0f, x, T, Win, C, 1.0f,
                    qkv, 3 * C);
        for (int h = 0; h < heads; h++) {
            float *Ph = P + (size_t)h * T * T;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, dh, scale, qkv + h * dh, 3 * C,
                        qkv + C + h * dh, 3 * C, 0.0f, Ph, T);
            softmax_rows(Ph, T, T);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, T, 1.0f, Ph, T,
                        qkv + 2 * C + h * dh, 3 * C, 0.0f, O + h * dh, C);
        }
        for (int k = 0; k < C; k++)
            for (int t = 0; t < T; t++)
                y[(size_t)k * T + t] = bo[k];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C, T, C, 1.0f, Wo, C, O, C, 1.0f, y, T);
    }
    return AURIS_OK;
}

static auris_status attn_backward(nn_call *c)
{
    int C = c->l->in_shape[0][0], T = c->l->in_shape[0][2], heads = c->l->cfg.groups, dh = C / heads;
    size_t ps = per_sample(C, T, heads);
    const rnn_state *s = *c->ls;
    float *tmp = malloc(((size_t)T * C + (size_t)T * T + (size_t)T * 3 * C) * sizeof *tmp);
    if (!tmp)
        return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
    float *dO = tmp, *dP = dO + (size_t)T * C, *dqkv = dP + (size_t)T * T;
    const float *Win = nn_param(c, 0), *Wo = nn_param(c, 2);
    float *dWin = c->pgrad[0], *dbin = c->pgrad[1], *dWo = c->pgrad[2], *dbo = c->pgrad[3];
    memset(dWin, 0, 3 * (size_t)C * C * sizeof(float));
    memset(dbin, 0, 3 * (size_t)C * sizeof(float));
    memset(dWo, 0, (size_t)C * C * sizeof(float));
    memset(dbo, 0, (size_t)C * sizeof(float));
    float scale = 1.0f / sqrtf((float)dh);
    for (int n = 0; n < c->batch; n++) {
        const float *qkv = s->buf + (size_t)n * ps, *P = qkv + (size_t)T * 3 * C,
                    *O = P + (size_t)heads * T * T;
        const float *x = c->x[0] + (size_t)n * C * T, *dy = c->dy + (size_t)n * C * T;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, C, C, 1.0f, dy, T, Wo, C, 0.0f, dO, C);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C, C, T, 1.0f, dy, T, O, C, 1.0f, dWo, C);
        for (int k = 0; k < C; k++)
            for (int t = 0; t < T; t++)
                dbo[k] += dy[(size_t)k * T + t];
        for (int h = 0; h < heads; h++) {
            const float *Ph = P + (size_t)h * T * T;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, dh, 1.0f, dO + h * dh, C,
                        qkv + 2 * C + h * dh, 3 * C, 0.0f, dP, T);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, dh, T, 1.0f, Ph, T, dO + h * dh, C,
                        0.0f, dqkv + 2 * C + h * dh, 3 * C);
            for (int r = 0; r < T; r++) {
                float *d = dP + (size_t)r * T;
                const float *p = Ph + (size_t)r * T;
                float dot = 0.0f;
                for (int k = 0; k < T; k++)
                    dot += d[k] * p[k];
                for (int k = 0; k < T; k++)
                    d[k] = p[k] * (d[k] - dot) * scale;
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, T, 1.0f, dP, T,
                        qkv + C + h * dh, 3 * C, 0.0f, dqkv + h * dh, 3 * C);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, dh, T, 1.0f, dP, T, qkv + h * dh,
                        3 * C, 0.0f, dqkv + C + h * dh, 3 * C);
        }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, 3 * C, C, T, 1.0f, dqkv, 3 * C, x, T, 1.0f,
                    dWin, C);
        for (int t = 0; t < T; t++)
            for (int k = 0; k < 3 * C; k++)
                dbin[k] += dqkv[(size_t)t * 3 * C + k];
        if (c->need_dx[0])
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, C, T, 3 * C, 1.0f, Win, C, dqkv, 3 * C,
                        c->dx_acc[0] ? 1.0f : 0.0f, c->dx[0] + (size_t)n * C * T, T);
    }
    free(tmp);
    return AURIS_OK;
}

static double attn_macs(const nn_layer *l)
{
    double C = l->in_shape[0][0], T = l->in_shape[0][2];
    return 4.0 * T * C * C + 2.0 * T * T * C;
}

const nn_layer_ops nn_attention_ops = {attn_setup, attn_forward, attn_backward, rnn_state_free,
                                       attn_macs};
