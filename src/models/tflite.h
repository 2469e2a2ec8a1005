/* A reader for TensorFlow Lite flatbuffers ("TFL3"): the first subgraph's tensors
 * (shape, type, quantization, constant data) and operators (builtin code, inputs,
 * outputs and the options auris's importers use). Model files are untrusted: every
 * offset, length and count is checked against the buffer before it is read. */
#ifndef AURIS_MODELS_TFLITE_H
#define AURIS_MODELS_TFLITE_H

#include <stddef.h>
#include <stdint.h>
#include "auris/status.h"

#define TFL_MAX_DIMS 8
#define TFL_MAX_IO 8

/* TensorType values of the schema. */
enum { TFL_FLOAT32 = 0, TFL_FLOAT16 = 1, TFL_INT32 = 2, TFL_UINT8 = 3, TFL_INT64 = 4,
       TFL_INT8 = 9 };

/* BuiltinOperator codes of the ops auris imports. */
enum {
    TFL_OP_ADD = 0, TFL_OP_CONV_2D = 3, TFL_OP_DEPTHWISE_CONV_2D = 4, TFL_OP_DEQUANTIZE = 6,
    TFL_OP_FULLY_CONNECTED = 9, TFL_OP_LOGISTIC = 14, TFL_OP_MUL = 18, TFL_OP_RESHAPE = 22,
    TFL_OP_PAD = 34, TFL_OP_GATHER = 36, TFL_OP_MEAN = 40, TFL_OP_STRIDED_SLICE = 45,
    TFL_OP_SLICE = 65, TFL_OP_LOG = 73, TFL_OP_SQRT = 75
};

/* Padding and fused activations of conv options. */
enum { TFL_PAD_SAME = 0, TFL_PAD_VALID = 1 };
enum { TFL_ACT_NONE = 0, TFL_ACT_RELU = 1, TFL_ACT_RELU6 = 3 };

typedef struct tfl_tensor {
    char *name;
    int type;
    int ndim;
    int32_t dims[TFL_MAX_DIMS];
    const uint8_t *data;      /* constant data inside the file's bytes, or NULL */
    size_t data_size;
    int n_scale;              /* quantization: 0, 1 (per tensor) or one per channel */
    float *scale;
    int64_t *zero_point;      /* n_scale values (zeros when the file has none) */
    int quantized_dim;
} tfl_tensor;

typedef struct tfl_op {
    int builtin;
    int n_in, n_out;
    int in[TFL_MAX_IO];       /* tensor indices; -1 for an omitted optional input */
    int out[TFL_MAX_IO];
    /* Options (schema defaults when absent). */
    int padding, stride_w, stride_h, dilation_w, dilation_h, depth_multiplier;
    int activation;
    int keep_dims;            /* MEAN */
    int axis;                 /* GATHER */
    int begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask;
} tfl_op;

typedef struct tfl_model {
    int n_tensors, n_ops, n_inputs, n_outputs;
    tfl_tensor *tensors;
    tfl_op *ops;
    int *inputs, *outputs;
} tfl_model;

/* Parses bytes (which must outlive the model: tensor data points into them). `name`
 * prefixes every message ("yamnet.tflite: tensor 12 shape vector beyond the file"). */
auris_status tfl_parse(const uint8_t *bytes, size_t size, const char *name, tfl_model **out,
                       auris_error *err);
void tfl_free(tfl_model *m);

/* Number of elements of tensor t (0 when a dim is negative). */
size_t tfl_numel(const tfl_tensor *t);

#endif
