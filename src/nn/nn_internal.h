/* Internals shared by the files of src/nn: the layer table, the model and state layouts. */
#ifndef AURIS_NN_INTERNAL_H
#define AURIS_NN_INTERNAL_H

#include <dnnl.h>
#include <stddef.h>
#include <stdint.h>

#include "auris/nn.h"
#include "core/error.h"

#define NN_MAX_PARAMS 4
/* Larger dims than this in a model are refused, to keep every product far from overflow. */
#define NN_MAX_DIM 1000000
#define NN_MAX_SAMPLE_ELEMS ((size_t)1 << 28)

typedef struct nn_layer nn_layer;
typedef struct nn_call nn_call;

typedef struct nn_layer_ops {
    /* Checks the config against the input shapes, sets out_shape and declares params. */
    auris_status (*setup)(auris_nn_model *m, nn_layer *l, auris_error *err);
    auris_status (*forward)(nn_call *c);
    auris_status (*backward)(nn_call *c);
    /* Frees what forward cached in *c->ls (oneDNN primitives, saved statistics). */
    void (*state_free)(void *ls);
    double (*macs)(const nn_layer *l);
} nn_layer_ops;

struct nn_layer {
    auris_nn_layer_config cfg;
    const nn_layer_ops *ops;
    int n_in;
    int in[AURIS_NN_MAX_FROM];           /* producing layer, -1 for the network input */
    int in_shape[AURIS_NN_MAX_FROM][3];
    int out_shape[3];
    int n_param;
    int param[NN_MAX_PARAMS];            /* indices into model->tensors */
};

struct auris_nn_model {
    auris_nn_model_config cfg;
    nn_layer *layers;
    size_t n_layers, cap_layers;
    auris_nn_tensor **tensors;
    unsigned char *trainable;
    size_t n_tensors, cap_tensors;
    char **meta_keys, **meta_vals;
    size_t n_meta;
};

/* Inference fusion of a convolution with the batch norm and/or ReLU / ReLU6 after it:
 * weights and bias with the batch norm folded in, and the activation as a oneDNN post-op. */
typedef struct nn_fusion {
    float *weight, *bias;      /* NULL: the layer's own */
    int act;                   /* 0 none, AURIS_NN_RELU or AURIS_NN_RELU6 */
    int last;                  /* index of the last layer the fused group replaces */
} nn_fusion;

/* One layer's view of a forward or backward pass. */
struct nn_call {
    const auris_nn_model *m;
    const nn_layer *l;
    auris_nn_state *s;
    int batch;
    int training;
    const float *x[AURIS_NN_MAX_FROM];
    float *y;
    const float *dy;
    float *dx[AURIS_NN_MAX_FROM];
    int dx_acc[AURIS_NN_MAX_FROM];       /* 1: add into dx (input with several consumers) */
    int need_dx[AURIS_NN_MAX_FROM];      /* 0: nobody reads dx[k] (the network input); layers
                                            may skip it, others write into a scratch buffer */
    float *pgrad[NN_MAX_PARAMS];
    void **ls;                           /* the layer's per-state cache */
    const nn_fusion *fuse;               /* inference: layers folded into this one */
    uint64_t *rng;
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    auris_error *err;
};

/* The layer table, indexed by auris_nn_layer_type. */
extern const nn_layer_ops nn_conv2d_ops, nn_dense_ops, nn_batchnorm_ops, nn_activation_ops,
    nn_softmax_ops, nn_pool_ops, nn_dropout_ops, nn_reshape_ops,
    nn_concat_ops, nn_add_ops, nn_layernorm_ops, nn_lstm_ops, nn_gru_ops,
    nn_attention_ops, nn_posenc_ops, nn_embedding_ops, nn_cosine_ops;

static inline size_t nn_shape_size(const int shape[3])
{
    return (size_t)shape[0] * (size_t)shape[1] * (size_t)shape[2];
}

static inline const float *nn_param(const nn_call *c, int k)
{
    return (const float *)c->m->tensors[c->l->param[k]]->data;
}

static inline const auris_nn_tensor *nn_param_tensor(const nn_call *c, int k)
{
    return c->m->tensors[c->l->param[k]];
}

/* Declares a float32 parameter (or buffer, trainable = 0) of layer l named "<layer>.<suffix>". */
auris_status nn_model_add_param(auris_nn_model *m, nn_layer *l, const char *suffix, int ndim,
                                const int64_t *dims, int trainable, auris_error *err);

/* The engine's random numbers: draws of core/rng.h's splitmix64 (seeded, reproducible). */
float nn_rng_uniform(uint64_t *state);   /* [0, 1) */
float nn_rng_normal(uint64_t *state);

/* oneDNN helpers. */
auris_status nn_dnnl_check(dnnl_status_t st, const char *what, auris_error *err);
void nn_dnnl_md(dnnl_memory_desc_t *md, int ndims, const int64_t *dims, dnnl_format_tag_t tag);
/* Runs prim with the given (arg, memory) pairs and waits. */
auris_status nn_dnnl_run(dnnl_primitive_t prim, dnnl_stream_t stream, int nargs,
                         const dnnl_exec_arg_t *args, const char *what, auris_error *err);

/* Cached oneDNN primitives on plain layouts (dnnl_prim.c), one entry per batch size. */
#define NN_PRIM_CACHE 4
#define NN_PRIM_MEMS 10
typedef struct nn_prim {
    int batch;
    dnnl_primitive_desc_t fwd_pd;
    dnnl_primitive_t fwd, bwd;
    dnnl_memory_t pad_fwd, pad_bwd, ws;
    dnnl_memory_t m[NN_PRIM_MEMS];   /* user memories by role; handles set per call */
    float *tmp;                      /* gradient to be added into a shared dx */
    float *stats;                    /* batch norm: batch mean and variance */
    int *index;                      /* pooling fast path: each window's winner */
} nn_prim;

typedef struct nn_prim_cache {
    nn_prim p[NN_PRIM_CACHE];
    int n, next, last;
} nn_prim_cache;

typedef auris_status (*nn_prim_build_fn)(const nn_call *c, nn_prim *p);
/* The entry for c->batch in the layer's cache (*c->ls), built on first use. */
auris_status nn_prim_get(nn_call *c, nn_prim_build_fn build, nn_prim **out);
void nn_prim_free(nn_prim *p);
void nn_prim_cache_free(void *ls);
/* Creates a primitive with a user-managed scratchpad allocated once in *pad. */
auris_status nn_prim_create(const nn_call *c, const_dnnl_op_desc_t desc,
                            const_dnnl_primitive_desc_t hint, dnnl_primitive_desc_t *keep_pd,
                            dnnl_primitive_t *prim, dnnl_memory_t *pad, const char *what);
auris_status nn_prim_mem(const nn_call *c, const dnnl_memory_desc_t *md, dnnl_memory_t *mem);
/* Runs prim with args (room for one more: the scratchpad is appended). */
auris_status nn_prim_exec(const nn_call *c, dnnl_primitive_t prim, dnnl_memory_t pad, int nargs,
                          dnnl_exec_arg_t *args, const char *what);
/* Where a backward primitive writes input k's gradient (n values): dx itself, or a scratch
 * buffer that nn_prim_dx_done adds into dx when other consumers wrote it first. */
float *nn_prim_dx(const nn_call *c, nn_prim *p, int k, size_t n);
void nn_prim_dx_done(const nn_call *c, const nn_prim *p, int k, size_t n);

/* Layers whose output has the input's shape and that run on one oneDNN primitive
 * (eltwise, softmax). Their build functions create the memories p->m[NN_U_SRC..NN_U_DSRC]. */
enum { NN_U_SRC, NN_U_DST, NN_U_DDST, NN_U_DSRC };
auris_status nn_same_shape_setup(auris_nn_model *m, nn_layer *l, auris_error *err);
auris_status nn_prim_unary_forward(nn_call *c, nn_prim_build_fn build, const char *what);
/* saved_arg: DNNL_ARG_SRC when the backward primitive reads the layer's input (eltwise),
 * DNNL_ARG_DST when it reads the output (softmax). */
auris_status nn_prim_unary_backward(nn_call *c, nn_prim_build_fn build, int saved_arg,
                                    const char *what);
/* dx = dy: the gradient of layers that only move or offset values (reshape, posenc). */
auris_status nn_copy_backward(nn_call *c);

/* Writes v to dx[i] or adds it, as the consumer count asks. */
static inline void nn_put(float *dx, size_t i, float v, int acc)
{
    if (acc)
        dx[i] += v;
    else
        dx[i] = v;
}

/* Batch-norm running statistics update after a training forward (trainer only). */
void nn_batchnorm_update_running(const nn_call *c, auris_nn_model *m);

/* Frees every layer cache of a state (used when the state is freed). */
const nn_layer_ops *nn_layer_ops_for(auris_nn_layer_type type);

/* Tensor-set internals the model file code needs. */
auris_status nn_tensor_set_take(auris_nn_tensor_set *s, auris_nn_tensor *t, auris_error *err);
/* The i-th metadata entry; 0 past the end. */
int nn_tensor_set_meta_at(const auris_nn_tensor_set *s, size_t i, const char **key,
                          const char **val);

/* State internals for the trainer. */
float *nn_state_param_grad_at(auris_nn_state *s, size_t tensor_index);
auris_status nn_state_update_running_stats(auris_nn_state *s, auris_nn_model *m);

/* Padding (top, bottom, left, right) of a conv2d / conv1d layer for its input. */
void nn_conv_pads(const nn_layer *l, int p[4]);

/* Channels-last inference for sequential conv stacks (channels_last.c). nn_cl_new returns
 * AURIS_EUNSUPPORTED for a model it cannot run, so the caller falls back. */
typedef struct nn_cl nn_cl;
auris_status nn_cl_new(const auris_nn_model *m, int max_batch, int keep_layer, nn_cl **out);
void nn_cl_free(nn_cl *cl);
const float *nn_cl_forward(nn_cl *cl, const auris_nn_model *m, const float *input, int batch);
const float *nn_cl_layer_output(const nn_cl *cl, size_t i);

#endif
