/* Element-wise activations on oneDNN's eltwise primitive: ReLU, ReLU6 (clip to [0, 6] with
 * PyTorch's boundary gradients), sigmoid, tanh, GELU (erf form, PyTorch's default) and SiLU
 * (swish). The data is one flat vector; backward uses the layer input, which training
 * states keep. Inference states fold ReLU/ReLU6 after a convolution into it instead. */

#include "nn/nn_internal.h"

static void algorithm(auris_nn_layer_type t, dnnl_alg_kind_t *alg, float *alpha, float *beta)
{
    *alpha = *beta = 0.0f;
    switch (t) {
    case AURIS_NN_RELU6: *alg = dnnl_eltwise_clip_v2; *beta = 6.0f; break;
    case AURIS_NN_SIGMOID: *alg = dnnl_eltwise_logistic; break;
    case AURIS_NN_TANH: *alg = dnnl_eltwise_tanh; break;
    case AURIS_NN_GELU: *alg = dnnl_eltwise_gelu_erf; break;
    case AURIS_NN_SILU: *alg = dnnl_eltwise_swish; *alpha = 1.0f; break;
    default: *alg = dnnl_eltwise_relu; break;
    }
}

static auris_status act_build(const nn_call *c, nn_prim *p)
{
    int64_t n = (int64_t)c->batch * (int64_t)nn_shape_size(c->l->out_shape);
    dnnl_memory_desc_t md;
    nn_dnnl_md(&md, 1, &n, dnnl_a);
    dnnl_alg_kind_t alg;
    float alpha, beta;
    algorithm(c->l->cfg.type, &alg, &alpha, &beta);
    dnnl_eltwise_desc_t d;
    auris_status st = nn_dnnl_check(dnnl_eltwise_forward_desc_init(&d,
        c->training ? dnnl_forward_training : dnnl_forward_inference, alg, &md, alpha, beta),
        "eltwise descriptor", c->err);
    if (!st)
        st = nn_prim_create(c, &d, NULL, &p->fwd_pd, &p->fwd, &p->pad_fwd, "eltwise forward");
    if (!st && c->training) {
        st = nn_dnnl_check(dnnl_eltwise_backward_desc_init(&d, alg, &md, &md, alpha, beta),
                           "eltwise backward descriptor", c->err);
        if (!st)
            st = nn_prim_create(c, &d, p->fwd_pd, NULL, &p->bwd, &p->pad_bwd, "eltwise backward");
    }
    for (int i = NN_U_SRC; i <= NN_U_DSRC && !st; i++)
        st = nn_prim_mem(c, &md, &p->m[i]);
    return st;
}

static auris_status act_forward(nn_call *c)
{
    return nn_prim_unary_forward(c, act_build, "eltwise forward");
}

static auris_status act_backward(nn_call *c)
{
    return nn_prim_unary_backward(c, act_build, DNNL_ARG_SRC, "eltwise backward");
}

const nn_layer_ops nn_activation_ops = {nn_same_shape_setup, act_forward, act_backward, nn_prim_cache_free, NULL};
