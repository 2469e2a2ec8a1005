/* Softmax and log-softmax over channels (PyTorch's dim=1) for each sample and position, on
 * oneDNN's softmax primitive; the backward pass uses the layer's output. */

#include "nn/nn_internal.h"

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
    for (int i = NN_U_SRC; i <= NN_U_DSRC && !st; i++)
        st = nn_prim_mem(c, &md, &p->m[i]);
    return st;
}

static auris_status softmax_forward(nn_call *c)
{
    return nn_prim_unary_forward(c, softmax_build, "softmax forward");
}

static auris_status softmax_backward(nn_call *c)
{
    return nn_prim_unary_backward(c, softmax_build, DNNL_ARG_DST, "softmax backward");
}

const nn_layer_ops nn_softmax_ops = {nn_same_shape_setup, softmax_forward, softmax_backward,
                                     nn_prim_cache_free, NULL};
