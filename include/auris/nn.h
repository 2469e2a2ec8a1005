/* The neural-network engine: tensors, layers, models described by a cfg text or built in
 * C, safetensors model files, forward/backward passes, losses and optimizers.
 *
 * Threads: an auris_nn_model is read-only once built or loaded and may be shared by any
 * number of threads, each with its own auris_nn_state (buffers, oneDNN primitives, the
 * dropout generator). Training mutates the model through an auris_nn_trainer; do not run
 * other states on a model while it trains.
 *
 * Layouts: activations are float32 NCHW; a flat vector is C x 1 x 1. Parameters follow
 * PyTorch's names and layouts ("conv1.weight" is [out, in/groups, kh, kw]), so a
 * state_dict saved as safetensors loads as is. */
#ifndef AURIS_NN_H
#define AURIS_NN_H

#include <stddef.h>
#include <stdint.h>
#include "auris/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tensors ---------------------------------------------------------------------- */

#define AURIS_NN_MAX_DIMS 8
#define AURIS_NN_NAME_MAX 96

typedef enum auris_nn_dtype {
    AURIS_NN_F32 = 0,
    AURIS_NN_I8 = 1,   /* quantized values; real = scale * q (per tensor) */
    AURIS_NN_I64 = 2   /* only carried through (PyTorch's num_batches_tracked) */
} auris_nn_dtype;

typedef struct auris_nn_tensor {
    char name[AURIS_NN_NAME_MAX];
    auris_nn_dtype dtype;
    int ndim;
    int64_t dims[AURIS_NN_MAX_DIMS];
    float scale;        /* AURIS_NN_I8 only */
    void *data;         /* owned by the tensor */
} auris_nn_tensor;

/* Number of elements (product of dims; 1 for a scalar). */
size_t auris_nn_tensor_numel(const auris_nn_tensor *t);
/* Allocates a zeroed tensor; dims are checked against overflow. */
auris_status auris_nn_tensor_new(const char *name, auris_nn_dtype dtype, int ndim,
                                 const int64_t *dims, auris_nn_tensor **out, auris_error *err);
void auris_nn_tensor_free(auris_nn_tensor *t);
/* Quantizes a float32 tensor to int8 with a symmetric per-tensor scale, and back. */
auris_status auris_nn_tensor_quantize(const auris_nn_tensor *src, auris_nn_tensor **out,
                                      auris_error *err);
auris_status auris_nn_tensor_dequantize(const auris_nn_tensor *src, auris_nn_tensor **out,
                                        auris_error *err);

/* ---- safetensors ------------------------------------------------------------------ */

/* A set of named tensors plus the string metadata of a safetensors file. */
typedef struct auris_nn_tensor_set auris_nn_tensor_set;

auris_status auris_nn_tensor_set_new(auris_nn_tensor_set **out, auris_error *err);
void auris_nn_tensor_set_free(auris_nn_tensor_set *s);
/* Adds a copy of t (replacing a tensor of the same name). */
auris_status auris_nn_tensor_set_add(auris_nn_tensor_set *s, const auris_nn_tensor *t,
                                     auris_error *err);
const auris_nn_tensor *auris_nn_tensor_set_get(const auris_nn_tensor_set *s, const char *name);
size_t auris_nn_tensor_set_count(const auris_nn_tensor_set *s);
const auris_nn_tensor *auris_nn_tensor_set_at(const auris_nn_tensor_set *s, size_t i);
auris_status auris_nn_tensor_set_set_meta(auris_nn_tensor_set *s, const char *key,
                                          const char *value, auris_error *err);
const char *auris_nn_tensor_set_meta(const auris_nn_tensor_set *s, const char *key);

/* Parses safetensors bytes (F32, F16 converted to F32, I8, I64). Every offset, size and
 * dim is checked; the data must be covered exactly by the tensors. `name` is used in
 * messages ("model.safetensors: tensor 'w' data offsets [0, 80] beyond data size 40"). */
auris_status auris_nn_safetensors_parse(const void *bytes, size_t size, const char *name,
                                        auris_nn_tensor_set **out, auris_error *err);
/* Reads a safetensors file (at most 2 GiB). */
auris_status auris_nn_safetensors_load(const char *path, auris_nn_tensor_set **out,
                                       auris_error *err);
auris_status auris_nn_safetensors_save(const auris_nn_tensor_set *s, const char *path,
                                       auris_error *err);

/* ---- layers and models ------------------------------------------------------------ */

typedef enum auris_nn_layer_type {
    AURIS_NN_CONV2D, AURIS_NN_DENSE, AURIS_NN_BATCHNORM,
    AURIS_NN_RELU, AURIS_NN_RELU6, AURIS_NN_SIGMOID, AURIS_NN_TANH, AURIS_NN_GELU,
    AURIS_NN_SILU,
    AURIS_NN_SOFTMAX, AURIS_NN_LOGSOFTMAX,
    AURIS_NN_MAXPOOL, AURIS_NN_AVGPOOL, AURIS_NN_GLOBALAVGPOOL, AURIS_NN_GLOBALMAXPOOL,
    AURIS_NN_DROPOUT, AURIS_NN_FLATTEN, AURIS_NN_RESHAPE, AURIS_NN_CONCAT, AURIS_NN_ADD,
    AURIS_NN_CONV1D,      /* over the width of C x 1 x T inputs (sequences); weight [out, in, k] */
    AURIS_NN_LAYERNORM,   /* over the channels at each position (PyTorch LayerNorm(C) on the
                             features of a sequence, or on a C x 1 x 1 vector) */
    AURIS_NN_LSTM,        /* C x 1 x T -> H x 1 x T (filters = H), PyTorch nn.LSTM names */
    AURIS_NN_GRU,         /* likewise nn.GRU */
    AURIS_NN_ATTENTION,   /* multi-head self-attention over C x 1 x T (groups = heads),
                             PyTorch nn.MultiheadAttention names */
    AURIS_NN_POSENC,      /* adds the sinusoidal positional encoding to C x 1 x T */
    AURIS_NN_EMBEDDING,   /* 1 x 1 x T token indices -> D x 1 x T (filters = D,
                             shape[0] = vocabulary size) */
    AURIS_NN_COSINE,      /* scale * cos(x, W_j): logits for AAM softmax (filters = classes) */
    AURIS_NN_LAYER_TYPE_COUNT
} auris_nn_layer_type;

#define AURIS_NN_PAD_SAME (-1)
#define AURIS_NN_MAX_FROM 4

/* One layer; only the fields of its type matter. Names become parameter prefixes
 * ("conv1" -> "conv1.weight"); an empty name becomes "layers.<index>". */
typedef struct auris_nn_layer_config {
    auris_nn_layer_type type;
    char name[AURIS_NN_NAME_MAX - 16];
    int filters;          /* conv: output channels; dense: outputs; lstm/gru: hidden size */
    int size_h, size_w;   /* conv2d / pooling kernel */
    int stride_h, stride_w;
    int pad_h, pad_w;     /* AURIS_NN_PAD_SAME: output ceil(in / stride), the odd pixel of
                             padding at the end (TensorFlow SAME; PyTorch 'same' at stride 1) */
    int dilation_h, dilation_w;
    int groups;           /* conv: groups == input channels makes it depthwise;
                             attention: heads */
    int bias;             /* conv2d / dense: 1 to add a bias */
    float eps;            /* batchnorm, layernorm */
    float momentum;       /* batchnorm running statistics (PyTorch convention) */
    float p;              /* dropout probability */
    float scale;          /* cosine: logit scale (s of ArcFace, default 30) */
    int shape[3];         /* reshape: C, H, W of one sample */
    int n_from;           /* concat / add: layers joined, as negative offsets (-1 = */
    int from[AURIS_NN_MAX_FROM]; /* previous) or absolute indices */
} auris_nn_layer_config;

void auris_nn_layer_config_default(auris_nn_layer_type type, auris_nn_layer_config *lc);
/* "conv2d" -> AURIS_NN_CONV2D; returns -1 for an unknown name. */
int auris_nn_layer_type_from_name(const char *name);
const char *auris_nn_layer_type_name(auris_nn_layer_type type);

typedef struct auris_nn_model auris_nn_model;

typedef struct auris_nn_model_config {
    int channels, height, width;   /* shape of one input sample */
} auris_nn_model_config;

void auris_nn_model_config_default(auris_nn_model_config *cfg);
/* An empty model taking inputs of the configured shape; add layers, then call
 * auris_nn_model_init_weights or load weights. */
auris_status auris_nn_model_new(const auris_nn_model_config *cfg, auris_nn_model **out,
                                auris_error *err);
auris_status auris_nn_model_add(auris_nn_model *m, const auris_nn_layer_config *lc,
                                auris_error *err);
/* Builds a model from a darknet-like cfg text: a [net] section (channels, height, width)
 * then one section per layer ([conv2d] filters=16 size=3 pad=same ...). `name` is used in
 * messages with the line number. */
auris_status auris_nn_model_from_cfg(const char *text, size_t len, const char *name,
                                     auris_nn_model **out, auris_error *err);
auris_status auris_nn_model_load_cfg(const char *path, auris_nn_model **out, auris_error *err);
/* The cfg text describing m (as stored in model files); the caller frees it. */
char *auris_nn_model_cfg_text(const auris_nn_model *m);
void auris_nn_model_free(auris_nn_model *m);

/* He-uniform weights, zero biases, unit batch-norm, from a seeded generator. */
void auris_nn_model_init_weights(auris_nn_model *m, uint64_t seed);
/* Copies every parameter of m from s by name and shape (others in s are ignored;
 * a missing or mis-shaped one is an error naming it). */
auris_status auris_nn_model_set_weights(auris_nn_model *m, const auris_nn_tensor_set *s,
                                        const char *name, auris_error *err);

/* A model file: safetensors with the weights and __metadata__ holding "auris.cfg" (the
 * architecture), "auris.version" and any metadata set on the model (labels, features). */
auris_status auris_nn_model_load(const char *path, auris_nn_model **out, auris_error *err);
auris_status auris_nn_model_parse(const void *bytes, size_t size, const char *name,
                                  auris_nn_model **out, auris_error *err);
auris_status auris_nn_model_save(const auris_nn_model *m, const char *path, auris_error *err);
/* The same as a tensor set (weights, architecture and metadata) and back, for files that
 * carry more tensors than the network's, such as a front end's matrices. */
auris_status auris_nn_model_to_set(const auris_nn_model *m, auris_nn_tensor_set **out,
                                  auris_error *err);
auris_status auris_nn_model_from_set(const auris_nn_tensor_set *set, const char *name,
                                    auris_nn_model **out, auris_error *err);
auris_status auris_nn_model_set_meta(auris_nn_model *m, const char *key, const char *value,
                                     auris_error *err);
const char *auris_nn_model_meta(const auris_nn_model *m, const char *key);

size_t auris_nn_model_layer_count(const auris_nn_model *m);
const auris_nn_layer_config *auris_nn_model_layer(const auris_nn_model *m, size_t i);
/* Shape of one output sample of layer i (channels, height, width). */
void auris_nn_model_layer_shape(const auris_nn_model *m, size_t i, int shape[3]);
/* Elements in one input / output sample. */
size_t auris_nn_model_input_size(const auris_nn_model *m);
size_t auris_nn_model_output_size(const auris_nn_model *m);
size_t auris_nn_model_param_count(const auris_nn_model *m);
/* Parameters and buffers in a fixed order (weights, then biases, per layer). */
size_t auris_nn_model_tensor_count(const auris_nn_model *m);
auris_nn_tensor *auris_nn_model_tensor(auris_nn_model *m, size_t i);
const auris_nn_tensor *auris_nn_model_find(const auris_nn_model *m, const char *name);
/* Multiply-accumulates of one forward pass for one sample (x2 for FLOPs). */
double auris_nn_model_macs(const auris_nn_model *m);

/* ---- running ---------------------------------------------------------------------- */

typedef struct auris_nn_state auris_nn_state;

typedef struct auris_nn_state_config {
    int max_batch;        /* largest batch passed to forward */
    int training;         /* batch-norm batch statistics, dropout, buffers for backward */
    uint64_t seed;        /* dropout generator */
    int input_grad;       /* training: compute d(loss)/d(input) too (default 1; trainers
                             turn it off, which skips the first layer's input gradient) */
    int keep_layer;       /* inference: the layer (besides the last) whose output stays
                             readable with auris_nn_layer_output (default -1: none; inference
                             states reuse other layers' buffers) */
    int channels_last;    /* inference: run a sequential stack of conv2d (plain or
                             depthwise), ReLU/ReLU6/sigmoid, global average pooling and dense
                             layers channels-last, with pointwise convolutions as one GEMM per
                             batch (faster for MobileNet-style networks). Other models run as
                             usual. Spatial layer outputs are then H x W x C per sample. */
} auris_nn_state_config;

void auris_nn_state_config_default(auris_nn_state_config *cfg);
/* Inference states fuse each convolution with the batch norm and ReLU/ReLU6 after it,
 * folding the batch norm into a copy of the weights made here: create inference states
 * after the weights are final (loaded or trained). Training states fuse a batch norm with
 * the ReLU/ReLU6 after it. */
auris_status auris_nn_state_new(const auris_nn_model *m, const auris_nn_state_config *cfg,
                                auris_nn_state **out, auris_error *err);
void auris_nn_state_free(auris_nn_state *s);
/* Runs batch samples (batch x input_size floats); *output points into the state and stays
 * valid until the next call. Inference states do not allocate here after the first call
 * at a given batch size. */
auris_status auris_nn_forward(auris_nn_state *s, const float *input, int batch,
                              const float **output, auris_error *err);
/* Back-propagates d(loss)/d(output) through the last forward pass (training states only);
 * parameter gradients are overwritten, not accumulated. */
auris_status auris_nn_backward(auris_nn_state *s, const float *doutput, auris_error *err);
/* Gradient w.r.t. the input of the last backward pass (batch x input_size); NULL when
 * the state was made with input_grad = 0. */
const float *auris_nn_input_grad(const auris_nn_state *s);
/* Gradient of the parameter with this name, or NULL. */
const float *auris_nn_param_grad(const auris_nn_state *s, const char *name);
/* Output of layer i of the last forward pass: any layer in training states; in inference
 * states only the last and the configured keep_layer (other buffers are reused). A layer fused into the next one (a
 * convolution or batch norm followed by its activation) has no output of its own; read the
 * last layer of the group instead. */
const float *auris_nn_layer_output(const auris_nn_state *s, size_t i);
const char *auris_nn_state_error(const auris_nn_state *s);

/* ---- losses ----------------------------------------------------------------------- */

/* Mean cross-entropy of logits [n x classes] against labels, with PyTorch's label
 * smoothing; writes d(loss)/d(logits) into grad when not NULL. */
float auris_nn_loss_cross_entropy(const float *logits, const int *labels, int n, int classes,
                                  float smoothing, float *grad);
/* Mean binary cross-entropy with logits (multi-label targets in [0, 1]). */
float auris_nn_loss_bce(const float *logits, const float *targets, int n, int classes,
                        float *grad);
/* Additive angular margin softmax (ArcFace) on cosine logits z = scale * cos(theta) of a
 * cosine layer: cross-entropy after each target's angle grows by margin (radians). */
float auris_nn_loss_aam(const float *logits, const int *labels, int n, int classes, float scale,
                        float margin, float *grad);
/* Mean squared error over all n * dim values. */
float auris_nn_loss_mse(const float *pred, const float *targets, int n, int dim, float *grad);

/* ---- training --------------------------------------------------------------------- */

typedef enum auris_nn_optimizer { AURIS_NN_SGD = 0, AURIS_NN_ADAMW = 1 } auris_nn_optimizer;
typedef enum auris_nn_schedule {
    AURIS_NN_LR_CONSTANT = 0, AURIS_NN_LR_STEP = 1, AURIS_NN_LR_COSINE = 2
} auris_nn_schedule;
typedef enum auris_nn_loss {
    AURIS_NN_LOSS_CE = 0, AURIS_NN_LOSS_BCE = 1, AURIS_NN_LOSS_MSE = 2,
    AURIS_NN_LOSS_AAM = 3   /* additive angular margin softmax on a cosine head's logits */
} auris_nn_loss;

typedef struct auris_nn_trainer_config {
    auris_nn_optimizer optimizer;
    float lr;
    float momentum;           /* SGD */
    float beta1, beta2, eps;  /* AdamW */
    float weight_decay;       /* SGD: L2 added to the gradient; AdamW: decoupled */
    int decay_all;            /* 0: no weight decay on biases and batch-norm (1-D) */
    float clip_norm;          /* > 0: clip the global gradient L2 norm */
    auris_nn_schedule schedule;
    int warmup_steps;         /* linear warm-up from 0 before the schedule */
    int total_steps;          /* cosine: steps until min_lr */
    int step_size;            /* step: multiply by gamma every step_size steps */
    float gamma;
    float min_lr;
    auris_nn_loss loss;
    float label_smoothing;    /* cross-entropy */
    float aam_margin;         /* AAM softmax margin in radians (default 0.2) */
    int max_batch;
    uint64_t seed;            /* dropout */
} auris_nn_trainer_config;

typedef struct auris_nn_trainer auris_nn_trainer;

void auris_nn_trainer_config_default(auris_nn_trainer_config *cfg);
auris_status auris_nn_trainer_new(auris_nn_model *m, const auris_nn_trainer_config *cfg,
                                  auris_nn_trainer **out, auris_error *err);
void auris_nn_trainer_free(auris_nn_trainer *t);
/* Learning rate the schedule gives at step (0-based). */
float auris_nn_lr_at(const auris_nn_trainer_config *cfg, int step);
/* One optimisation step on a batch (any size up to max_batch): labels for cross-entropy,
 * targets (batch x outputs) for BCE / MSE. Writes the batch's mean loss. */
auris_status auris_nn_trainer_step(auris_nn_trainer *t, const float *input, const int *labels,
                                   const float *targets, int batch, float *loss,
                                   auris_error *err);
/* Applies the optimizer to gradients already in the trainer's state (after
 * auris_nn_backward on auris_nn_trainer_state), e.g. for a custom loss; batch-norm running
 * statistics take in the last forward pass's batch statistics. */
auris_status auris_nn_trainer_apply(auris_nn_trainer *t, auris_error *err);
auris_nn_state *auris_nn_trainer_state(auris_nn_trainer *t);
int auris_nn_trainer_steps(const auris_nn_trainer *t);

#ifdef __cplusplus
}
#endif
#endif
