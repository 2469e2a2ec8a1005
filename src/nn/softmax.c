/* Softmax and log-softmax over channels (PyTorch's dim=1) for each sample and position, on
 * oneDNN's softmax primitive; the backward pass uses the layer's output. */
#include <string.h>

#include "nn/nn_internal.h"

enum { SRC, DST, DDST, DSRC };

static auris_status softmax_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    memcpy(l->out_shape, l->in_shape[0], sizeof l->out_shape);
    return AURIS_OK;
}

static auris_status softmax_build(const nn_call *c, nn_prim *p)
{
    const nn_layer *l = c->l;
    int64_t dims[4] = {c->batch, l->out_shape[0], l->out_shape[1], l->out_shape[2]};
    dnnl_memory_desc_t md;
    nn_dnnl_md(&md, 4, dims, dnnl_nchw);
    dnnl_alg_kind_t alg = l->cfg.type == AURIS_NN_LOGSOFTMAX ? dnnl_softmax_log : dnnl_softmax_accurate;
    dnnl_softmax_v2_desc_t d;
    auris_status st = nn_dnnl_check(dnnl_softmax_v2_forward_desc_init(&d,
        c->training ? dnnl_forward_training : dnnl_forward_inference, alg, &md, &md, 1),
        "softmax descriptor", c->err);
    if (!st)
        st = nn_prim_create(c, &d, NULL, &p->fwd_pd, &p->fwd, &p->pad_fwd, "softmax forward");
    if (!st && c->training) {
        st = nn_dnnl_check(dnnl_softmax_v2_backward_desc_init(&d, alg, &md, &md, &md, 1),
                           "softmax backward descriptor", c->err);
        if (!st)
            st = nn_prim_create(c, &d, p->fwd_pd, NULL, &p->bwd, &p->pad_bwd, "softmax backward");
    }
    for (int i = SRC; i <= DSRC && !st; i++)
        st = nn_prim_mem(c, &md, &p->m[i]);
    return st;
}

static auris_status softmax_forward(nn_call *c)
{
    nn_prim *p;
    auris_status st = nn_prim_get(c, softmax_build, &p);
    if (st)
        return st;
    dnnl_memory_set_data_handle(p->m[SRC], (void *)c->x[0]);
    dnnl_memory_set_data_handle(p->m[DST], c->y);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, p->m[SRC]}, {DNNL_ARG_DST, p->m[DST]}};
    return nn_prim_exec(c, p->fwd, p->pad_fwd, 2, args, "softmax forward");
}

static auris_status softmax_backward(nn_call *c)
{
    nn_prim *p;
    auris_status st = nn_prim_get(c, softmax_build, &p);
    if (st)
        return st;
    size_t n = (size_t)c->batch * nn_shape_size(c->l->out_shape);
    float *dx = nn_prim_dx(c, p, 0, n);
    if (!dx)
        return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
    dnnl_memory_set_data_handle(p->m[DST], c->y);
    dnnl_memory_set_data_handle(p->m[DDST], (void *)c->dy);
    dnnl_memory_set_data_handle(p->m[DSRC], dx);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_DST, p->m[DST]}, {DNNL_ARG_DIFF_DST, p->m[DDST]},
                               {DNNL_ARG_DIFF_SRC, p->m[DSRC]}};
    st = nn_prim_exec(c, p->bwd, p->pad_bwd, 3, args, "softmax backward");
    if (!st)
        nn_prim_dx_done(c, p, 0, n);
    return st;
}

const nn_layer_ops nn_softmax_ops = {softmax_setup, softmax_forward, softmax_backward,
                                     nn_prim_cache_free, NULL};
