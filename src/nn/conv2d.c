/* 2-D convolution (stride, padding incl. 'same', dilation, groups, so depthwise too) on
 * oneDNN. Primitives are created on the first call at a batch size and cached in the state;
 * tensors stay in PyTorch's plain NCHW / OIHW layouts so no reorders are needed. */
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

#define CONV_CACHE 4

typedef struct conv_prims {
    int batch;
    dnnl_primitive_desc_t fwd_pd;
    dnnl_primitive_t fwd, bwd_data, bwd_weights;
    dnnl_memory_t src, wei, bias, dst, dsrc, dwei, dbias, ddst;
    float *dx_tmp;
} conv_prims;

typedef struct conv_state {
    conv_prims p[CONV_CACHE];
    int n, next;
} conv_state;

typedef struct conv_geom {
    int64_t src[4], wei[5], bias[1], dst[4];
    dnnl_dims_t stride, dil, pad_l, pad_r;   /* spatial values in the first two */
    int wei_ndims;
} conv_geom;

static void pad_same(int size, int dil, int *lo, int *hi)
{
    int total = dil * (size - 1);
    *lo = total / 2;
    *hi = total - *lo;
}

static void pads(const auris_nn_layer_config *c, int p[4])
{
    if (c->pad_h == AURIS_NN_PAD_SAME)
        pad_same(c->size_h, c->dilation_h, &p[0], &p[1]);
    else
        p[0] = p[1] = c->pad_h;
    if (c->pad_w == AURIS_NN_PAD_SAME)
        pad_same(c->size_w, c->dilation_w, &p[2], &p[3]);
    else
        p[2] = p[3] = c->pad_w;
}

static auris_status conv_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    const auris_nn_layer_config *c = &l->cfg;
    int C = l->in_shape[0][0], H = l->in_shape[0][1], W = l->in_shape[0][2];
    if (c->filters < 1 || c->size_h < 1 || c->size_w < 1 || c->stride_h < 1 || c->stride_w < 1 ||
        c->dilation_h < 1 || c->dilation_w < 1 || c->groups < 1 || c->filters > NN_MAX_DIM ||
        c->size_h > 1024 || c->size_w > 1024 || c->dilation_h > 1024 || c->dilation_w > 1024 ||
        c->stride_h > 1024 || c->stride_w > 1024 || c->pad_h < AURIS_NN_PAD_SAME ||
        c->pad_w < AURIS_NN_PAD_SAME || c->pad_h > 1024 || c->pad_w > 1024)
        return auris_fail(err, AURIS_EINVAL, "%s: conv2d parameters out of range", c->name);
    if (C % c->groups || c->filters % c->groups)
        return auris_fail(err, AURIS_EINVAL, "%s: groups %d do not divide %d inputs and %d filters",
                          c->name, c->groups, C, c->filters);
    if ((c->pad_h == AURIS_NN_PAD_SAME && c->stride_h != 1) ||
        (c->pad_w == AURIS_NN_PAD_SAME && c->stride_w != 1))
        return auris_fail(err, AURIS_EINVAL, "%s: pad=same needs stride 1 (as in PyTorch)", c->name);
    int p[4];
    pads(c, p);
    int eh = H + p[0] + p[1] - c->dilation_h * (c->size_h - 1) - 1;
    int ew = W + p[2] + p[3] - c->dilation_w * (c->size_w - 1) - 1;
    if (eh < 0 || ew < 0)
        return auris_fail(err, AURIS_EINVAL, "%s: kernel larger than its %dx%d input", c->name, H, W);
    l->out_shape[0] = c->filters;
    l->out_shape[1] = eh / c->stride_h + 1;
    l->out_shape[2] = ew / c->stride_w + 1;
    int64_t wd[4] = {c->filters, C / c->groups, c->size_h, c->size_w};
    auris_status st = nn_model_add_param(m, l, "weight", 4, wd, 1, err);
    if (!st && c->bias)
        st = nn_model_add_param(m, l, "bias", 1, (int64_t[]){c->filters}, 1, err);
    return st;
}

static void geometry(const nn_layer *l, int batch, conv_geom *g)
{
    const auris_nn_layer_config *c = &l->cfg;
    int G = c->groups;
    int p[4];
    pads(c, p);
    int64_t src[4] = {batch, l->in_shape[0][0], l->in_shape[0][1], l->in_shape[0][2]};
    int64_t dst[4] = {batch, l->out_shape[0], l->out_shape[1], l->out_shape[2]};
    memcpy(g->src, src, sizeof src);
    memcpy(g->dst, dst, sizeof dst);
    if (G > 1) {
        int64_t w[5] = {G, c->filters / G, src[1] / G, c->size_h, c->size_w};
        memcpy(g->wei, w, sizeof w);
        g->wei_ndims = 5;
    } else {
        int64_t w[4] = {c->filters, src[1], c->size_h, c->size_w};
        memcpy(g->wei, w, sizeof w);
        g->wei_ndims = 4;
    }
    g->bias[0] = c->filters;
    g->stride[0] = c->stride_h;
    g->stride[1] = c->stride_w;
    g->dil[0] = c->dilation_h - 1;
    g->dil[1] = c->dilation_w - 1;
    g->pad_l[0] = p[0];
    g->pad_r[0] = p[1];
    g->pad_l[1] = p[2];
    g->pad_r[1] = p[3];
}

static void prims_free(conv_prims *p)
{
    dnnl_primitive_t prims[3] = {p->fwd, p->bwd_data, p->bwd_weights};
    for (int i = 0; i < 3; i++)
        if (prims[i])
            dnnl_primitive_destroy(prims[i]);
    dnnl_memory_t mems[8] = {p->src, p->wei, p->bias, p->dst, p->dsrc, p->dwei, p->dbias, p->ddst};
    for (int i = 0; i < 8; i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
    if (p->fwd_pd)
        dnnl_primitive_desc_destroy(p->fwd_pd);
    free(p->dx_tmp);
    memset(p, 0, sizeof *p);
}

static void conv_state_free(void *ls)
{
    conv_state *cs = ls;
    for (int i = 0; i < cs->n; i++)
        prims_free(&cs->p[i]);
    free(cs);
}

static auris_status make_prim(dnnl_primitive_t *prim, const_dnnl_op_desc_t desc, dnnl_engine_t eng,
                              const_dnnl_primitive_desc_t hint, dnnl_primitive_desc_t *keep_pd,
                              const char *what, auris_error *err)
{
    dnnl_primitive_desc_t pd;
    auris_status st = nn_dnnl_check(dnnl_primitive_desc_create(&pd, desc, NULL, eng, hint), what, err);
    if (st)
        return st;
    st = nn_dnnl_check(dnnl_primitive_create(prim, pd), what, err);
    if (keep_pd && !st)
        *keep_pd = pd;
    else
        dnnl_primitive_desc_destroy(pd);
    return st;
}

static auris_status build(const nn_call *c, conv_prims *p)
{
    conv_geom g;
    geometry(c->l, c->batch, &g);
    dnnl_memory_desc_t src, wei, bias, dst;
    nn_dnnl_md(&src, 4, g.src, dnnl_nchw);
    nn_dnnl_md(&wei, g.wei_ndims, g.wei, g.wei_ndims == 5 ? dnnl_goihw : dnnl_oihw);
    nn_dnnl_md(&bias, 1, g.bias, dnnl_a);
    nn_dnnl_md(&dst, 4, g.dst, dnnl_nchw);
    int has_bias = c->l->cfg.bias;
    auris_error *err = c->err;
    dnnl_convolution_desc_t d;
    auris_status st = nn_dnnl_check(dnnl_dilated_convolution_forward_desc_init(&d,
        c->training ? dnnl_forward_training : dnnl_forward_inference, dnnl_convolution_direct,
        &src, &wei, has_bias ? &bias : NULL, &dst, g.stride, g.dil, g.pad_l, g.pad_r),
        "convolution descriptor", err);
    if (!st)
        st = make_prim(&p->fwd, &d, c->engine, NULL, &p->fwd_pd, "convolution forward", err);
    if (!st && c->training) {
        st = nn_dnnl_check(dnnl_dilated_convolution_backward_data_desc_init(&d,
            dnnl_convolution_direct, &src, &wei, &dst, g.stride, g.dil, g.pad_l, g.pad_r),
            "convolution backward descriptor", err);
        if (!st)
            st = make_prim(&p->bwd_data, &d, c->engine, p->fwd_pd, NULL, "convolution backward data", err);
        if (!st)
            st = nn_dnnl_check(dnnl_dilated_convolution_backward_weights_desc_init(&d,
                dnnl_convolution_direct, &src, &wei, has_bias ? &bias : NULL, &dst, g.stride,
                g.dil, g.pad_l, g.pad_r), "convolution weights descriptor", err);
        if (!st)
            st = make_prim(&p->bwd_weights, &d, c->engine, p->fwd_pd, NULL,
                           "convolution backward weights", err);
    }
    dnnl_memory_t *mems[8] = {&p->src, &p->wei, &p->bias, &p->dst, &p->dsrc, &p->dwei, &p->dbias, &p->ddst};
    const dnnl_memory_desc_t *mds[8] = {&src, &wei, &bias, &dst, &src, &wei, &bias, &dst};
    for (int i = 0; i < 8 && !st; i++)
        st = nn_dnnl_check(dnnl_memory_create(mems[i], mds[i], c->engine, DNNL_MEMORY_NONE),
                           "convolution memory", err);
    if (!st && c->training && !(p->dx_tmp = malloc((size_t)g.src[0] * g.src[1] * g.src[2] * g.src[3] * sizeof(float))))
        st = auris_fail(err, AURIS_ENOMEM, "%s: out of memory", c->l->cfg.name);
    p->batch = c->batch;
    return st;
}

static auris_status get_prims(const nn_call *c, conv_prims **out)
{
    conv_state *cs = *c->ls;
    if (!cs) {
        if (!(cs = calloc(1, sizeof *cs)))
            return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
        *c->ls = cs;
    }
    for (int i = 0; i < cs->n; i++)
        if (cs->p[i].batch == c->batch) {
            *out = &cs->p[i];
            return AURIS_OK;
        }
    conv_prims *p;
    if (cs->n < CONV_CACHE) {
        p = &cs->p[cs->n++];
    } else {
        p = &cs->p[cs->next];
        cs->next = (cs->next + 1) % CONV_CACHE;
        prims_free(p);
    }
    auris_status st = build(c, p);
    if (st) {
        prims_free(p);
        return st;
    }
    *out = p;
    return AURIS_OK;
}

static auris_status conv_forward(nn_call *c)
{
    conv_prims *p;
    auris_status st = get_prims(c, &p);
    if (st)
        return st;
    dnnl_memory_set_data_handle(p->src, (void *)c->x[0]);
    dnnl_memory_set_data_handle(p->wei, (void *)nn_param(c, 0));
    dnnl_memory_set_data_handle(p->dst, c->y);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, p->src}, {DNNL_ARG_WEIGHTS, p->wei},
                               {DNNL_ARG_DST, p->dst}, {DNNL_ARG_BIAS, p->bias}};
    int nargs = 3;
    if (c->l->cfg.bias) {
        dnnl_memory_set_data_handle(p->bias, (void *)nn_param(c, 1));
        nargs = 4;
    }
    return nn_dnnl_run(p->fwd, c->stream, nargs, args, "convolution forward", c->err);
}

static auris_status conv_backward(nn_call *c)
{
    conv_prims *p;
    auris_status st = get_prims(c, &p);
    if (st)
        return st;
    float *dx = c->dx_acc[0] ? p->dx_tmp : c->dx[0];
    dnnl_memory_set_data_handle(p->ddst, (void *)c->dy);
    dnnl_memory_set_data_handle(p->dsrc, dx);
    dnnl_memory_set_data_handle(p->wei, (void *)nn_param(c, 0));
    dnnl_exec_arg_t bd[3] = {{DNNL_ARG_DIFF_DST, p->ddst}, {DNNL_ARG_WEIGHTS, p->wei},
                             {DNNL_ARG_DIFF_SRC, p->dsrc}};
    st = nn_dnnl_run(p->bwd_data, c->stream, 3, bd, "convolution backward data", c->err);
    if (st)
        return st;
    if (c->dx_acc[0]) {
        size_t n = (size_t)c->batch * nn_shape_size(c->l->in_shape[0]);
        for (size_t i = 0; i < n; i++)
            c->dx[0][i] += dx[i];
    }
    dnnl_memory_set_data_handle(p->src, (void *)c->x[0]);
    dnnl_memory_set_data_handle(p->dwei, c->pgrad[0]);
    dnnl_exec_arg_t bw[4] = {{DNNL_ARG_SRC, p->src}, {DNNL_ARG_DIFF_DST, p->ddst},
                             {DNNL_ARG_DIFF_WEIGHTS, p->dwei}, {DNNL_ARG_DIFF_BIAS, p->dbias}};
    int nargs = 3;
    if (c->l->cfg.bias) {
        dnnl_memory_set_data_handle(p->dbias, c->pgrad[1]);
        nargs = 4;
    }
    return nn_dnnl_run(p->bwd_weights, c->stream, nargs, bw, "convolution backward weights", c->err);
}

static double conv_macs(const nn_layer *l)
{
    return (double)nn_shape_size(l->out_shape) * (double)(l->in_shape[0][0] / l->cfg.groups) *
           l->cfg.size_h * l->cfg.size_w;
}

const nn_layer_ops nn_conv2d_ops = {conv_setup, conv_forward, conv_backward, conv_state_free,
                                    conv_macs};
