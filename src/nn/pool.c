/* Max and average pooling, and global max / average pooling (a window over the whole
 * plane), on oneDNN's pooling primitive with PyTorch's semantics: floor output size,
 * padding counted as -inf for max and as zeros in the average. Max pooling keeps oneDNN's
 * workspace (the winners) for the backward pass.
 *
 * The 2x2 / stride 2 max pool of CNN blocks has a loop of its own: on plain NCHW oneDNN
 * 2.6 took 2.6x longer for it (forward + backward) in the spectrogram CNN benchmark. */
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

enum { SRC, DST, DDST, DSRC };

static int is_global(const nn_layer *l)
{
    return l->cfg.type == AURIS_NN_GLOBALAVGPOOL || l->cfg.type == AURIS_NN_GLOBALMAXPOOL;
}

static auris_status pool_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    const auris_nn_layer_config *c = &l->cfg;
    l->out_shape[0] = l->in_shape[0][0];
    if (is_global(l)) {
        l->out_shape[1] = l->out_shape[2] = 1;
        return AURIS_OK;
    }
    if (c->size_h < 1 || c->size_w < 1 || c->stride_h < 1 || c->stride_w < 1 || c->pad_h < 0 ||
        c->pad_w < 0 || c->size_h > 4096 || c->size_w > 4096 || c->stride_h > 4096 ||
        c->stride_w > 4096 || 2 * c->pad_h > c->size_h || 2 * c->pad_w > c->size_w)
        return auris_fail(err, AURIS_EINVAL, "%s: pooling size/stride/pad out of range", c->name);
    int H = l->in_shape[0][1] + 2 * c->pad_h - c->size_h;
    int W = l->in_shape[0][2] + 2 * c->pad_w - c->size_w;
    if (H < 0 || W < 0)
        return auris_fail(err, AURIS_EINVAL, "%s: pooling window larger than its %dx%d input",
                          c->name, l->in_shape[0][1], l->in_shape[0][2]);
    l->out_shape[1] = H / c->stride_h + 1;
    l->out_shape[2] = W / c->stride_w + 1;
    return AURIS_OK;
}

static int is_max2x2(const nn_layer *l)
{
    const auris_nn_layer_config *c = &l->cfg;
    return c->type == AURIS_NN_MAXPOOL && c->size_h == 2 && c->size_w == 2 && c->stride_h == 2 &&
           c->stride_w == 2 && c->pad_h == 0 && c->pad_w == 0;
}

/* Below this many input values pooling runs on one thread; above, planes are shared out. */
#define PAR_MIN 32768

static void max2x2(const float *x0, float *y0, int *am, size_t planes, int H, int W, int OH, int OW)
{
#pragma omp parallel for schedule(static) if (planes * (size_t)H * (size_t)W >= PAR_MIN)
    for (size_t pl = 0; pl < planes; pl++) {
        const float *x = x0 + pl * H * W;
        float *y = y0 + pl * OH * OW;
        int *a = am ? am + pl * OH * OW : NULL;
        for (int oh = 0; oh < OH; oh++) {
            const float *r0 = x + 2 * oh * W, *r1 = r0 + W;
            for (int ow = 0; ow < OW; ow++) {
                float v0 = r0[2 * ow], v1 = r0[2 * ow + 1], v2 = r1[2 * ow], v3 = r1[2 * ow + 1];
                float m01 = v1 > v0 ? v1 : v0, m23 = v3 > v2 ? v3 : v2;
                y[oh * OW + ow] = m23 > m01 ? m23 : m01;
                if (a) {
                    int i01 = 2 * oh * W + 2 * ow + (v1 > v0), i23 = (2 * oh + 1) * W + 2 * ow + (v3 > v2);
                    a[oh * OW + ow] = m23 > m01 ? i23 : i01;
                }
            }
        }
    }
}

static auris_status max2x2_build(const nn_call *c, nn_prim *p)
{
    size_t n = (size_t)c->batch * nn_shape_size(c->l->out_shape);
    if (c->training && !(p->index = malloc(n * sizeof *p->index)))
        return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
    return AURIS_OK;
}

static auris_status max2x2_forward(nn_call *c)
{
    nn_prim *p;
    auris_status st = nn_prim_get(c, max2x2_build, &p);
    if (st)
        return st;
    const nn_layer *l = c->l;
    max2x2(c->x[0], c->y, p->index, (size_t)c->batch * l->out_shape[0], l->in_shape[0][1],
           l->in_shape[0][2], l->out_shape[1], l->out_shape[2]);
    return AURIS_OK;
}

static auris_status max2x2_backward(nn_call *c)
{
    nn_prim *p;
    auris_status st = nn_prim_get(c, max2x2_build, &p);
    if (st)
        return st;
    const nn_layer *l = c->l;
    size_t planes = (size_t)c->batch * l->out_shape[0];
    size_t in = nn_shape_size(l->in_shape[0]) / l->out_shape[0], out = (size_t)l->out_shape[1] * l->out_shape[2];
#pragma omp parallel for schedule(static) if (planes * in >= PAR_MIN)
    for (size_t pl = 0; pl < planes; pl++) {
        if (!c->dx_acc[0])
            memset(c->dx[0] + pl * in, 0, in * sizeof(float));
        float *dx = c->dx[0] + pl * in;
        const float *dy = c->dy + pl * out;
        const int *a = p->index + pl * out;
        for (size_t o = 0; o < out; o++)
            dx[a[o]] += dy[o];
    }
    return AURIS_OK;
}

static auris_status pool_build(const nn_call *c, nn_prim *p)
{
    const nn_layer *l = c->l;
    const auris_nn_layer_config *cf = &l->cfg;
    int g = is_global(l);
    int64_t src[4] = {c->batch, l->in_shape[0][0], l->in_shape[0][1], l->in_shape[0][2]};
    int64_t dst[4] = {c->batch, l->out_shape[0], l->out_shape[1], l->out_shape[2]};
    dnnl_dims_t kernel = {g ? src[2] : cf->size_h, g ? src[3] : cf->size_w};
    dnnl_dims_t stride = {g ? 1 : cf->stride_h, g ? 1 : cf->stride_w};
    dnnl_dims_t dil = {0, 0};
    dnnl_dims_t pad = {g ? 0 : cf->pad_h, g ? 0 : cf->pad_w};
    /* right padding that reproduces PyTorch's floor: what the last window really covers */
    dnnl_dims_t pad_r;
    for (int k = 0; k < 2; k++)
        pad_r[k] = (dst[2 + k] - 1) * stride[k] + kernel[k] - src[2 + k] - pad[k];
    dnnl_memory_desc_t smd, dmd;
    nn_dnnl_md(&smd, 4, src, dnnl_nchw);
    nn_dnnl_md(&dmd, 4, dst, dnnl_nchw);
    int is_max = cf->type == AURIS_NN_MAXPOOL || cf->type == AURIS_NN_GLOBALMAXPOOL;
    dnnl_alg_kind_t alg = is_max ? dnnl_pooling_max : dnnl_pooling_avg_include_padding;
    dnnl_pooling_v2_desc_t d;
    auris_status st = nn_dnnl_check(dnnl_pooling_v2_forward_desc_init(&d,
        c->training ? dnnl_forward_training : dnnl_forward_inference, alg, &smd, &dmd, stride,
        kernel, dil, pad, pad_r), "pooling descriptor", c->err);
    if (!st)
        st = nn_prim_create(c, &d, NULL, &p->fwd_pd, &p->fwd, &p->pad_fwd, "pooling forward");
    if (!st && c->training) {
        const dnnl_memory_desc_t *ws = dnnl_primitive_desc_query_md(p->fwd_pd, dnnl_query_workspace_md, 0);
        if (ws && dnnl_memory_desc_get_size(ws) > 0)
            st = nn_dnnl_check(dnnl_memory_create(&p->ws, ws, c->engine, DNNL_MEMORY_ALLOCATE),
                               "pooling workspace", c->err);
        if (!st)
            st = nn_dnnl_check(dnnl_pooling_v2_backward_desc_init(&d, alg, &smd, &dmd, stride, kernel,
                                                                  dil, pad, pad_r),
                               "pooling backward descriptor", c->err);
        if (!st)
            st = nn_prim_create(c, &d, p->fwd_pd, NULL, &p->bwd, &p->pad_bwd, "pooling backward");
    }
    const dnnl_memory_desc_t *mds[4] = {&smd, &dmd, &dmd, &smd};
    for (int i = SRC; i <= DSRC && !st; i++)
        st = nn_prim_mem(c, mds[i], &p->m[i]);
    return st;
}

static auris_status pool_forward(nn_call *c)
{
    if (is_max2x2(c->l))
        return max2x2_forward(c);
    nn_prim *p;
    auris_status st = nn_prim_get(c, pool_build, &p);
    if (st)
        return st;
    dnnl_memory_set_data_handle(p->m[SRC], (void *)c->x[0]);
    dnnl_memory_set_data_handle(p->m[DST], c->y);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, p->m[SRC]}, {DNNL_ARG_DST, p->m[DST]},
                               {DNNL_ARG_WORKSPACE, p->ws}};
    return nn_prim_exec(c, p->fwd, p->pad_fwd, p->ws ? 3 : 2, args, "pooling forward");
}

static auris_status pool_backward(nn_call *c)
{
    if (is_max2x2(c->l))
        return max2x2_backward(c);
    nn_prim *p;
    auris_status st = nn_prim_get(c, pool_build, &p);
    if (st)
        return st;
    size_t n = (size_t)c->batch * nn_shape_size(c->l->in_shape[0]);
    float *dx = nn_prim_dx(c, p, 0, n);
    if (!dx)
        return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
    dnnl_memory_set_data_handle(p->m[DDST], (void *)c->dy);
    dnnl_memory_set_data_handle(p->m[DSRC], dx);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_DIFF_DST, p->m[DDST]}, {DNNL_ARG_DIFF_SRC, p->m[DSRC]},
                               {DNNL_ARG_WORKSPACE, p->ws}};
    st = nn_prim_exec(c, p->bwd, p->pad_bwd, p->ws ? 3 : 2, args, "pooling backward");
    if (!st)
        nn_prim_dx_done(c, p, 0, n);
    return st;
}

static double pool_macs(const nn_layer *l)
{
    return is_global(l) ? (double)nn_shape_size(l->in_shape[0])
                        : (double)nn_shape_size(l->out_shape) * l->cfg.size_h * l->cfg.size_w;
}

const nn_layer_ops nn_pool_ops = {pool_setup, pool_forward, pool_backward, nn_prim_cache_free, pool_macs};
