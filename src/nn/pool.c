/* Max and average pooling (PyTorch semantics: padding counts as -inf for max and as zeros
 * in the average, floor output size). Max pooling remembers each window's winner for the
 * backward pass. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

typedef struct pool_state {
    int *argmax;
    size_t cap;
} pool_state;

static auris_status pool_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    const auris_nn_layer_config *c = &l->cfg;
    if (c->size_h < 1 || c->size_w < 1 || c->stride_h < 1 || c->stride_w < 1 || c->pad_h < 0 ||
        c->pad_w < 0 || c->size_h > 4096 || c->size_w > 4096 || c->stride_h > 4096 ||
        c->stride_w > 4096 || 2 * c->pad_h > c->size_h || 2 * c->pad_w > c->size_w)
        return auris_fail(err, AURIS_EINVAL, "%s: pooling size/stride/pad out of range", c->name);
    int H = l->in_shape[0][1] + 2 * c->pad_h - c->size_h;
    int W = l->in_shape[0][2] + 2 * c->pad_w - c->size_w;
    if (H < 0 || W < 0)
        return auris_fail(err, AURIS_EINVAL, "%s: pooling window larger than its %dx%d input",
                          c->name, l->in_shape[0][1], l->in_shape[0][2]);
    l->out_shape[0] = l->in_shape[0][0];
    l->out_shape[1] = H / c->stride_h + 1;
    l->out_shape[2] = W / c->stride_w + 1;
    return AURIS_OK;
}

static void pool_state_free(void *ls)
{
    pool_state *p = ls;
    free(p->argmax);
    free(p);
}

/* The common 2x2 / stride 2 max pool without padding, as a tight loop. */
static void max2x2(const float *x0, float *y0, int *am, size_t planes, int H, int W, int OH, int OW)
{
    for (size_t pl = 0; pl < planes; pl++) {
        const float *x = x0 + pl * H * W;
        float *y = y0 + pl * OH * OW;
        for (int oh = 0; oh < OH; oh++) {
            const float *r0 = x + 2 * oh * W, *r1 = r0 + W;
            for (int ow = 0; ow < OW; ow++) {
                float a = r0[2 * ow], b = r0[2 * ow + 1], cc = r1[2 * ow], d = r1[2 * ow + 1];
                float m01 = b > a ? b : a, m23 = d > cc ? d : cc;
                y[oh * OW + ow] = m23 > m01 ? m23 : m01;
                if (am) {
                    int i01 = b > a ? 2 * oh * W + 2 * ow + 1 : 2 * oh * W + 2 * ow;
                    int i23 = d > cc ? (2 * oh + 1) * W + 2 * ow + 1 : (2 * oh + 1) * W + 2 * ow;
                    am[pl * OH * OW + oh * OW + ow] = m23 > m01 ? i23 : i01;
                }
            }
        }
    }
}

static auris_status pool_forward(nn_call *c)
{
    const auris_nn_layer_config *cf = &c->l->cfg;
    int H = c->l->in_shape[0][1], W = c->l->in_shape[0][2];
    int OH = c->l->out_shape[1], OW = c->l->out_shape[2];
    size_t planes = (size_t)c->batch * (size_t)c->l->out_shape[0];
    int is_max = cf->type == AURIS_NN_MAXPOOL;
    int *am = NULL;
    if (is_max && c->training) {
        pool_state *p = *c->ls;
        size_t need = planes * (size_t)OH * OW;
        if (!p && !(p = *c->ls = calloc(1, sizeof *p)))
            return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
        if (p->cap < need) {
            int *a = realloc(p->argmax, need * sizeof *a);
            if (!a)
                return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
            p->argmax = a;
            p->cap = need;
        }
        am = p->argmax;
    }
    if (is_max && cf->size_h == 2 && cf->size_w == 2 && cf->stride_h == 2 && cf->stride_w == 2 &&
        cf->pad_h == 0 && cf->pad_w == 0) {
        max2x2(c->x[0], c->y, am, planes, H, W, OH, OW);
        return AURIS_OK;
    }
    float inv_area = 1.0f / (float)(cf->size_h * cf->size_w);
    for (size_t pl = 0; pl < planes; pl++) {
        const float *x = c->x[0] + pl * H * W;
        float *y = c->y + pl * OH * OW;
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                int h0 = oh * cf->stride_h - cf->pad_h, w0 = ow * cf->stride_w - cf->pad_w;
                float best = -FLT_MAX, sum = 0.0f;
                int arg = -1;
                for (int kh = 0; kh < cf->size_h; kh++) {
                    int h = h0 + kh;
                    if (h < 0 || h >= H)
                        continue;
                    for (int kw = 0; kw < cf->size_w; kw++) {
                        int w = w0 + kw;
                        if (w < 0 || w >= W)
                            continue;
                        float v = x[h * W + w];
                        sum += v;
                        if (v > best || arg < 0) {
                            best = v;
                            arg = h * W + w;
                        }
                    }
                }
                y[oh * OW + ow] = is_max ? best : sum * inv_area;
                if (am)
                    am[pl * OH * OW + oh * OW + ow] = arg;
            }
    }
    return AURIS_OK;
}

static auris_status pool_backward(nn_call *c)
{
    const auris_nn_layer_config *cf = &c->l->cfg;
    int H = c->l->in_shape[0][1], W = c->l->in_shape[0][2];
    int OH = c->l->out_shape[1], OW = c->l->out_shape[2];
    size_t planes = (size_t)c->batch * (size_t)c->l->out_shape[0];
    if (!c->dx_acc[0])
        memset(c->dx[0], 0, planes * H * W * sizeof(float));
    const pool_state *p = *c->ls;
    float inv_area = 1.0f / (float)(cf->size_h * cf->size_w);
    for (size_t pl = 0; pl < planes; pl++) {
        float *dx = c->dx[0] + pl * H * W;
        const float *dy = c->dy + pl * OH * OW;
        for (int o = 0; o < OH * OW; o++) {
            if (cf->type == AURIS_NN_MAXPOOL) {
                dx[p->argmax[pl * OH * OW + o]] += dy[o];
                continue;
            }
            int h0 = (o / OW) * cf->stride_h - cf->pad_h, w0 = (o % OW) * cf->stride_w - cf->pad_w;
            for (int h = h0 < 0 ? 0 : h0; h < h0 + cf->size_h && h < H; h++)
                for (int w = w0 < 0 ? 0 : w0; w < w0 + cf->size_w && w < W; w++)
                    dx[h * W + w] += dy[o] * inv_area;
        }
    }
    return AURIS_OK;
}

static double pool_macs(const nn_layer *l)
{
    return (double)nn_shape_size(l->out_shape) * l->cfg.size_h * l->cfg.size_w;
}

const nn_layer_ops nn_pool_ops = {pool_setup, pool_forward, pool_backward, pool_state_free, pool_macs};
