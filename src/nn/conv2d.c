/* 2-D convolution (stride, padding incl. 'same', dilation, groups, so depthwise too) on
 * oneDNN. Primitives are created on the first call at a batch size and cached in the state.
 * Tensors between layers are PyTorch's plain NCHW / OIHW; the forward primitive picks its
 * own (blocked) layouts, which its AVX-512/AVX2 kernels need, and reorders in and out; an
 * inference state reorders the constant weights once. Backward runs on the plain layouts. */
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

#define CONV_CACHE 4

/* One argument of a primitive: the plain user memory (its handle set per call) and, when
 * the primitive wants another layout, a memory in that layout and the reorder between. */
typedef struct port {
    dnnl_memory_t user, blk;
    dnnl_primitive_t reorder;
    const struct port *alias;   /* same layout as a port converted just before: reuse its copy */
} port;

typedef struct conv_prims {
    int batch;
    dnnl_primitive_desc_t fwd_pd;
    dnnl_primitive_t fwd, bwd_data, bwd_weights;
    port src, wei, bias, dst;                 /* forward */
    dnnl_memory_t pad_fwd, pad_bd, pad_bw;    /* user-managed scratchpads (no per-call malloc) */
    port d_ddst, d_wei, d_dsrc;               /* backward data */
    port w_src, w_ddst, w_dwei, w_dbias;      /* backward weights */
    int wei_ready;                            /* inference: weights already reordered */
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

/* 'same' padding as TensorFlow defines it for any stride (for stride 1 it is PyTorch's):
 * the output has ceil(in / stride) positions and the odd padding pixel goes at the end. */
static void pad_same(int in, int size, int stride, int dil, int *lo, int *hi)
{
    int out = (in + stride - 1) / stride;
    int total = (out - 1) * stride + dil * (size - 1) + 1 - in;
    if (total < 0)
        total = 0;
    *lo = total / 2;
    *hi = total - *lo;
}

void nn_conv_pads(const nn_layer *l, int p[4])
{
    const auris_nn_layer_config *c = &l->cfg;
    if (c->pad_h == AURIS_NN_PAD_SAME)
        pad_same(l->in_shape[0][1], c->size_h, c->stride_h, c->dilation_h, &p[0], &p[1]);
    else
        p[0] = p[1] = c->pad_h;
    if (c->pad_w == AURIS_NN_PAD_SAME)
        pad_same(l->in_shape[0][2], c->size_w, c->stride_w, c->dilation_w, &p[2], &p[3]);
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
    int p[4];
    nn_conv_pads(l, p);
    int eh = H + p[0] + p[1] - c->dilation_h * (c->size_h - 1) - 1;
    int ew = W + p[2] + p[3] - c->dilation_w * (c->size_w - 1) - 1;
    if (eh < 0 || ew < 0)
        return auris_fail(err, AURIS_EINVAL, "%s: kernel larger than its %dx%d input", c->name, H, W);
    if (c->type == AURIS_NN_CONV1D && H != 1)
        return auris_fail(err, AURIS_EINVAL, "%s: conv1d needs C x 1 x T inputs, not height %d",
                          c->name, H);
    l->out_shape[0] = c->filters;
    l->out_shape[1] = eh / c->stride_h + 1;
    l->out_shape[2] = ew / c->stride_w + 1;
    int64_t wd[4] = {c->filters, C / c->groups, c->size_h, c->size_w};
    if (c->type == AURIS_NN_CONV1D)
        wd[2] = c->size_w;   /* PyTorch's Conv1d weight: [out, in/groups, k] */
    auris_status st = nn_model_add_param(m, l, "weight", c->type == AURIS_NN_CONV1D ? 3 : 4, wd, 1, err);
    if (!st && c->bias)
        st = nn_model_add_param(m, l, "bias", 1, (int64_t[]){c->filters}, 1, err);
    return st;
}

static void geometry(const nn_layer *l, int batch, conv_geom *g)
{
    const auris_nn_layer_config *c = &l->cfg;
    int G = c->groups;
    int p[4];
    nn_conv_pads(l, p);
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

static void port_free(port *p)
{
    if (p->reorder)
        dnnl_primitive_destroy(p->reorder);
    if (p->user)
        dnnl_memory_destroy(p->user);
    if (p->blk)
        dnnl_memory_destroy(p->blk);
}

static void prims_free(conv_prims *p)
{
    dnnl_primitive_t prims[3] = {p->fwd, p->bwd_data, p->bwd_weights};
    for (int i = 0; i < 3; i++)
        if (prims[i])
            dnnl_primitive_destroy(prims[i]);
    port *ports[11] = {&p->src, &p->wei, &p->bias, &p->dst, &p->d_ddst, &p->d_wei, &p->d_dsrc,
                       &p->w_src, &p->w_ddst, &p->w_dwei, &p->w_dbias};
    for (int i = 0; i < 11; i++)
        port_free(ports[i]);
    dnnl_memory_t pads_[3] = {p->pad_fwd, p->pad_bd, p->pad_bw};
    for (int i = 0; i < 3; i++)
        if (pads_[i])
            dnnl_memory_destroy(pads_[i]);
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

/* A ReLU (or ReLU6) applied by the convolution itself as a oneDNN post-op. */
static auris_status activation_attr(int act, dnnl_primitive_attr_t *attr, auris_error *err)
{
    dnnl_post_ops_t po;
    auris_status st = nn_dnnl_check(dnnl_post_ops_create(&po), "post-ops", err);
    if (st)
        return st;
    if (act == AURIS_NN_RELU6)
        st = nn_dnnl_check(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, 0.0f, 6.0f), "post-ops", err);
    else
        st = nn_dnnl_check(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f), "post-ops", err);
    if (!st)
        st = nn_dnnl_check(dnnl_primitive_attr_create(attr), "attributes", err);
    if (!st && (st = nn_dnnl_check(dnnl_primitive_attr_set_post_ops(*attr, po), "attributes", err))) {
        dnnl_primitive_attr_destroy(*attr);
        *attr = NULL;
    }
    dnnl_post_ops_destroy(po);
    return st;
}

/* Creates the primitive with a scratchpad of its own, allocated here once: oneDNN's
 * default allocates it on every execution, which costs page faults on each call. */
static auris_status make_pd(dnnl_primitive_desc_t *pd, const_dnnl_op_desc_t desc, const nn_call *c,
                            const_dnnl_primitive_desc_t hint, int act, dnnl_primitive_t *prim,
                            dnnl_memory_t *pad, const char *what)
{
    dnnl_primitive_attr_t attr = NULL;
    auris_status st = act ? activation_attr(act, &attr, c->err)
                          : nn_dnnl_check(dnnl_primitive_attr_create(&attr), "attributes", c->err);
    if (!st)
        st = nn_dnnl_check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user),
                           "attributes", c->err);
    if (!st)
        st = nn_dnnl_check(dnnl_primitive_desc_create(pd, desc, attr, c->engine, hint), what, c->err);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (!st)
        st = nn_dnnl_check(dnnl_primitive_create(prim, *pd), what, c->err);
    const dnnl_memory_desc_t *md = st ? NULL : dnnl_primitive_desc_query_md(*pd, dnnl_query_scratchpad_md, 0);
    if (md && dnnl_memory_desc_get_size(md) > 0)
        st = nn_dnnl_check(dnnl_memory_create(pad, md, c->engine, DNNL_MEMORY_ALLOCATE), what, c->err);
    return st;
}

/* Sets up port p for argument `what` of pd whose callers hold it in the plain layout;
 * `into`: the reorder runs plain -> primitive layout (inputs), else back (outputs). */
static auris_status port_init(const nn_call *c, const_dnnl_primitive_desc_t pd, dnnl_query_t what,
                              const dnnl_memory_desc_t *plain, int into, port *p)
{
    auris_status st = nn_dnnl_check(dnnl_memory_create(&p->user, plain, c->engine, DNNL_MEMORY_NONE),
                                    "convolution memory", c->err);
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, what, 0);
    if (st || !want || dnnl_memory_desc_equal(want, plain))
        return st;
    st = nn_dnnl_check(dnnl_memory_create(&p->blk, want, c->engine, DNNL_MEMORY_ALLOCATE),
                       "convolution buffer", c->err);
    dnnl_primitive_desc_t rpd;
    if (!st)
        st = nn_dnnl_check(dnnl_reorder_primitive_desc_create(&rpd, into ? plain : want, c->engine,
                                                              into ? want : plain, c->engine, NULL),
                           "reorder", c->err);
    if (st)
        return st;
    st = nn_dnnl_check(dnnl_primitive_create(&p->reorder, rpd), "reorder", c->err);
    dnnl_primitive_desc_destroy(rpd);
    return st;
}

static auris_status run_reorder(const nn_call *c, const port *p, int into)
{
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, into ? p->user : p->blk},
                               {DNNL_ARG_TO, into ? p->blk : p->user}};
    return nn_dnnl_run(p->reorder, c->stream, 2, args, "reorder", c->err);
}

/* Points an input port at data and converts it to the primitive's layout when needed
 * (skipped when `fresh` says the converted copy is still valid). */
static auris_status port_in(const nn_call *c, const port *p, const void *data, int fresh)
{
    dnnl_memory_set_data_handle(p->user, (void *)data);
    return p->reorder && !fresh && !p->alias ? run_reorder(c, p, 1) : AURIS_OK;
}

static dnnl_memory_t port_mem(const port *p)
{
    return p->alias ? p->alias->blk : p->blk ? p->blk : p->user;
}

/* Backward inputs in the layout an earlier port already produced (the forward's source,
 * the backward-data's upstream gradient) reuse that copy instead of converting again. */
static void port_share(port *p, const port *earlier)
{
    if (!p->blk || !earlier->blk)
        return;
    const dnnl_memory_desc_t *a, *b;
    if (dnnl_memory_get_memory_desc(p->blk, &a) || dnnl_memory_get_memory_desc(earlier->blk, &b) ||
        !dnnl_memory_desc_equal(a, b))
        return;
    p->alias = earlier;
}

typedef struct conv_mds {
    dnnl_memory_desc_t src, wei, bias, dst, src_any, wei_any, dst_any;
} conv_mds;

static auris_status build_backward(const nn_call *c, conv_prims *p, const conv_geom *g,
                                   const conv_mds *md, int has_bias)
{
    dnnl_convolution_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    auris_status st = nn_dnnl_check(dnnl_dilated_convolution_backward_data_desc_init(&d,
        dnnl_convolution_direct, &md->src_any, &md->wei_any, &md->dst_any, g->stride, g->dil,
        g->pad_l, g->pad_r), "convolution backward descriptor", c->err);
    if (!st)
        st = make_pd(&pd, &d, c, p->fwd_pd, 0, &p->bwd_data, &p->pad_bd, "convolution backward data");
    if (!st)
        st = port_init(c, pd, dnnl_query_diff_dst_md, &md->dst, 1, &p->d_ddst);
    if (!st)
        st = port_init(c, pd, dnnl_query_weights_md, &md->wei, 1, &p->d_wei);
    if (!st)
        st = port_init(c, pd, dnnl_query_diff_src_md, &md->src, 0, &p->d_dsrc);
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    pd = NULL;
    if (!st)
        st = nn_dnnl_check(dnnl_dilated_convolution_backward_weights_desc_init(&d,
            dnnl_convolution_direct, &md->src_any, &md->wei_any, has_bias ? &md->bias : NULL,
            &md->dst_any, g->stride, g->dil, g->pad_l, g->pad_r), "convolution weights descriptor",
            c->err);
    if (!st)
        st = make_pd(&pd, &d, c, p->fwd_pd, 0, &p->bwd_weights, &p->pad_bw,
                     "convolution backward weights");
    if (!st)
        st = port_init(c, pd, dnnl_query_src_md, &md->src, 1, &p->w_src);
    if (!st)
        st = port_init(c, pd, dnnl_query_diff_dst_md, &md->dst, 1, &p->w_ddst);
    if (!st)
        st = port_init(c, pd, dnnl_query_diff_weights_md, &md->wei, 0, &p->w_dwei);
    if (!st && has_bias)
        st = nn_dnnl_check(dnnl_memory_create(&p->w_dbias.user, &md->bias, c->engine,
                                              DNNL_MEMORY_NONE), "convolution memory", c->err);
    if (!st) {
        port_share(&p->w_src, &p->src);
        port_share(&p->w_ddst, &p->d_ddst);
    }
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    return st;
}

static auris_status build(const nn_call *c, conv_prims *p)
{
    conv_geom g;
    conv_mds md;
    geometry(c->l, c->batch, &g);
    nn_dnnl_md(&md.src, 4, g.src, dnnl_nchw);
    nn_dnnl_md(&md.wei, g.wei_ndims, g.wei, g.wei_ndims == 5 ? dnnl_goihw : dnnl_oihw);
    nn_dnnl_md(&md.bias, 1, g.bias, dnnl_a);
    nn_dnnl_md(&md.dst, 4, g.dst, dnnl_nchw);
    nn_dnnl_md(&md.src_any, 4, g.src, dnnl_format_tag_any);
    nn_dnnl_md(&md.wei_any, g.wei_ndims, g.wei, dnnl_format_tag_any);
    nn_dnnl_md(&md.dst_any, 4, g.dst, dnnl_format_tag_any);
    int has_bias = c->l->cfg.bias || (c->fuse && c->fuse->bias);
    dnnl_convolution_desc_t d;
    auris_status st = nn_dnnl_check(dnnl_dilated_convolution_forward_desc_init(&d,
        c->training ? dnnl_forward_training : dnnl_forward_inference, dnnl_convolution_direct,
        &md.src_any, &md.wei_any, has_bias ? &md.bias : NULL, &md.dst_any, g.stride, g.dil,
        g.pad_l, g.pad_r), "convolution descriptor", c->err);
    if (!st)
        st = make_pd(&p->fwd_pd, &d, c, NULL, c->fuse ? c->fuse->act : 0, &p->fwd, &p->pad_fwd,
                     "convolution forward");
    if (!st)
        st = port_init(c, p->fwd_pd, dnnl_query_src_md, &md.src, 1, &p->src);
    if (!st)
        st = port_init(c, p->fwd_pd, dnnl_query_weights_md, &md.wei, 1, &p->wei);
    if (!st)
        st = nn_dnnl_check(dnnl_memory_create(&p->bias.user, &md.bias, c->engine, DNNL_MEMORY_NONE),
                           "convolution memory", c->err);
    if (!st)
        st = port_init(c, p->fwd_pd, dnnl_query_dst_md, &md.dst, 0, &p->dst);
    if (!st && c->training)
        st = build_backward(c, p, &g, &md, has_bias);
    if (!st && c->training && !(p->dx_tmp = malloc((size_t)g.src[0] * g.src[1] * g.src[2] * g.src[3] * sizeof(float))))
        st = auris_fail(c->err, AURIS_ENOMEM, "%s: out of memory", c->l->cfg.name);
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
    const float *w = c->fuse && c->fuse->weight ? c->fuse->weight : nn_param(c, 0);
    const float *b = c->fuse && c->fuse->bias ? c->fuse->bias : c->l->cfg.bias ? nn_param(c, 1) : NULL;
    st = port_in(c, &p->src, c->x[0], 0);
    /* inference weights are constant: convert them once */
    if (!st)
        st = port_in(c, &p->wei, w, !c->training && p->wei_ready);
    p->wei_ready = 1;
    dnnl_memory_set_data_handle(p->dst.user, c->y);
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, port_mem(&p->src)}, {DNNL_ARG_WEIGHTS, port_mem(&p->wei)},
                               {DNNL_ARG_DST, port_mem(&p->dst)}};
    int nargs = 3;
    if (b) {
        dnnl_memory_set_data_handle(p->bias.user, (void *)b);
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, p->bias.user};
    }
    if (p->pad_fwd)
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, p->pad_fwd};
    if (!st)
        st = nn_dnnl_run(p->fwd, c->stream, nargs, args, "convolution forward", c->err);
    if (!st && p->dst.reorder)
        st = run_reorder(c, &p->dst, 0);
    return st;
}

static auris_status conv_backward_weights(nn_call *c, conv_prims *p);

static auris_status conv_backward(nn_call *c)
{
    conv_prims *p;
    auris_status st = get_prims(c, &p);
    if (st)
        return st;
    if (!c->need_dx[0])
        return conv_backward_weights(c, p);
    float *dx = c->dx_acc[0] ? p->dx_tmp : c->dx[0];
    st = port_in(c, &p->d_ddst, c->dy, 0);
    if (!st)
        st = port_in(c, &p->d_wei, nn_param(c, 0), 0);
    dnnl_memory_set_data_handle(p->d_dsrc.user, dx);
    dnnl_exec_arg_t bd[4] = {{DNNL_ARG_DIFF_DST, port_mem(&p->d_ddst)},
                             {DNNL_ARG_WEIGHTS, port_mem(&p->d_wei)},
                             {DNNL_ARG_DIFF_SRC, port_mem(&p->d_dsrc)},
                             {DNNL_ARG_SCRATCHPAD, p->pad_bd}};
    if (!st)
        st = nn_dnnl_run(p->bwd_data, c->stream, p->pad_bd ? 4 : 3, bd, "convolution backward data", c->err);
    if (!st && p->d_dsrc.reorder)
        st = run_reorder(c, &p->d_dsrc, 0);
    if (st)
        return st;
    if (c->dx_acc[0]) {
        size_t n = (size_t)c->batch * nn_shape_size(c->l->in_shape[0]);
        for (size_t i = 0; i < n; i++)
            c->dx[0][i] += dx[i];
    }
    return conv_backward_weights(c, p);
}

static auris_status conv_backward_weights(nn_call *c, conv_prims *p)
{
    auris_status st = port_in(c, &p->w_src, c->x[0], 0);
    /* a shared copy of the upstream gradient is made here when backward-data did not run */
    if (!st)
        st = port_in(c, !c->need_dx[0] && p->w_ddst.alias ? p->w_ddst.alias : &p->w_ddst, c->dy, 0);
    dnnl_memory_set_data_handle(p->w_dwei.user, c->pgrad[0]);
    dnnl_exec_arg_t bw[5] = {{DNNL_ARG_SRC, port_mem(&p->w_src)},
                             {DNNL_ARG_DIFF_DST, port_mem(&p->w_ddst)},
                             {DNNL_ARG_DIFF_WEIGHTS, port_mem(&p->w_dwei)},
                             {DNNL_ARG_DIFF_BIAS, p->w_dbias.user}};
    int nargs = 3;
    if (c->l->cfg.bias) {
        dnnl_memory_set_data_handle(p->w_dbias.user, c->pgrad[1]);
        nargs = 4;
    }
    if (p->pad_bw)
        bw[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, p->pad_bw};
    if (!st)
        st = nn_dnnl_run(p->bwd_weights, c->stream, nargs, bw, "convolution backward weights", c->err);
    if (!st && p->w_dwei.reorder)
        st = run_reorder(c, &p->w_dwei, 0);
    return st;
}

static double conv_macs(const nn_layer *l)
{
    return (double)nn_shape_size(l->out_shape) * (double)(l->in_shape[0][0] / l->cfg.groups) *
           l->cfg.size_h * l->cfg.size_w;
}

const nn_layer_ops nn_conv2d_ops = {conv_setup, conv_forward, conv_backward, conv_state_free,
                                    conv_macs};
