/* YAMNet TFLite -> auris model file. The graph is checked op by op against what auris
 * executes: the front end (framing 400/160, window, zero padding to 512, DFT as two
 * matrix products, magnitude, mel matrix plus offset, log, one 96 x 64 patch), then a
 * chain of CONV_2D / DEPTHWISE_CONV_2D with fused ReLU, a spatial MEAN (the 1024-d
 * embedding), a FULLY_CONNECTED classifier and LOGISTIC. Anything else is refused with
 * the op that differs, so an imported model always runs with the graph's semantics.
 * int8 weights keep their int8 values and per-tensor scale in the file (the engine
 * dequantizes them at load); per-channel scales are dequantized here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auris/nn.h"
#include "auris/tag.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/file.h"
#include "models/tflite.h"
#include "models/yamnet_internal.h"

#define MAX_TFLITE_BYTES (256u << 20)
#define MAX_CLASSES 100000

typedef struct importer {
    const tfl_model *g;
    const char *name;
    auris_error *err;
    int *producer;   /* op index that writes each tensor, -1 for constants and inputs */
    int op;          /* next op to read */
    int frame_offset;   /* zeros before each 400-sample frame in the 512 of the DFT */
} importer;

static auris_status refuse(importer *im, const char *what)
{
    return auris_fail(im->err, AURIS_EUNSUPPORTED, "%s: not a YAMNet graph auris can run: op %d: %s",
                      im->name, im->op, what);
}

static const tfl_op *expect(importer *im, int builtin)
{
    while (im->op < im->g->n_ops && im->g->ops[im->op].builtin == TFL_OP_DEQUANTIZE)
        im->op++;
    if (im->op >= im->g->n_ops || im->g->ops[im->op].builtin != builtin)
        return NULL;
    return &im->g->ops[im->op++];
}

static const tfl_tensor *tensor(const importer *im, int k)
{
    return k >= 0 && k < im->g->n_tensors ? &im->g->tensors[k] : NULL;
}

/* The constant behind input k of op: itself, or the int8 constant a DEQUANTIZE reads. */
static const tfl_tensor *constant(const importer *im, const tfl_op *op, int k)
{
    if (k >= op->n_in)
        return NULL;
    int t = op->in[k];
    if (t >= 0 && im->producer[t] >= 0) {
        const tfl_op *d = &im->g->ops[im->producer[t]];
        if (d->builtin != TFL_OP_DEQUANTIZE || d->n_in < 1)
            return NULL;
        t = d->in[0];
    }
    const tfl_tensor *x = tensor(im, t);
    return x && x->data ? x : NULL;
}

static int shape_is(const tfl_tensor *t, int ndim, const int *dims)
{
    if (!t || t->ndim != ndim)
        return 0;
    for (int d = 0; d < ndim; d++)
        if (t->dims[d] != dims[d])
            return 0;
    return 1;
}

static int32_t i32_at(const tfl_tensor *t, size_t i)
{
    int32_t v;
    memcpy(&v, t->data + 4 * i, 4);
    return v;
}

static float f32_at(const tfl_tensor *t, size_t i)
{
    float v;
    memcpy(&v, t->data + 4 * i, 4);
    return v;
}

/* Real value of element i of a float or quantized int8 constant. */
static float value_at(const tfl_tensor *t, size_t i)
{
    if (t->type == TFL_FLOAT32)
        return f32_at(t, i);
    int c = 0;
    if (t->n_scale > 1) {
        size_t inner = 1;
        for (int d = t->quantized_dim + 1; d < t->ndim; d++)
            inner *= (size_t)t->dims[d];
        c = (int)(i / inner % (size_t)t->dims[t->quantized_dim]);
    }
    return t->scale[c] * (float)((int8_t)t->data[i] - t->zero_point[c]);
}

static int usable_weights(const tfl_tensor *t)
{
    if (!t || (t->type != TFL_FLOAT32 && t->type != TFL_INT8))
        return 0;
    if (t->type == TFL_INT8) {
        if (t->n_scale < 1)
            return 0;
        if (t->n_scale > 1 && (t->quantized_dim < 0 || t->quantized_dim >= t->ndim ||
                               t->dims[t->quantized_dim] != t->n_scale))
            return 0;
    }
    return 1;
}

/* Copies constant src into a new auris tensor with dims, element k of the result taken
 * from element map(k) of src. Symmetric per-tensor int8 stays int8. */
typedef size_t (*index_map)(size_t k, const int64_t *dims);

static size_t same_index(size_t k, const int64_t *dims)
{
    (void)dims;
    return k;
}

/* [O, I, KH, KW] from TFLite's [O, KH, KW, I]. */
static size_t conv_index(size_t k, const int64_t *d)
{
    size_t x = k % (size_t)d[3], y = k / (size_t)d[3] % (size_t)d[2];
    size_t i = k / (size_t)(d[3] * d[2]) % (size_t)d[1], o = k / (size_t)(d[3] * d[2] * d[1]);
    return ((o * (size_t)d[2] + y) * (size_t)d[3] + x) * (size_t)d[1] + i;
}

/* [C, 1, KH, KW] from TFLite's depthwise [1, KH, KW, C]. */
static size_t depthwise_index(size_t k, const int64_t *d)
{
    size_t hw = (size_t)(d[2] * d[3]);
    return (k % hw) * (size_t)d[0] + k / hw;
}

static auris_status convert(const importer *im, const tfl_tensor *src, const char *name, int ndim,
                            const int64_t *dims, index_map map, auris_nn_tensor_set *set)
{
    int keep_int8 = src->type == TFL_INT8 && src->n_scale == 1 && src->zero_point[0] == 0;
    auris_nn_tensor *t;
    auris_status st = auris_nn_tensor_new(name, keep_int8 ? AURIS_NN_I8 : AURIS_NN_F32, ndim, dims,
                                          &t, im->err);
    if (st)
        return st;
    size_t n = auris_nn_tensor_numel(t);
    if (n != tfl_numel(src)) {
        auris_nn_tensor_free(t);
        return auris_fail(im->err, AURIS_EUNSUPPORTED, "%s: tensor '%s' has an unexpected size",
                          im->name, src->name);
    }
    if (keep_int8) {
        t->scale = src->scale[0];
        for (size_t k = 0; k < n; k++)
            ((int8_t *)t->data)[k] = (int8_t)src->data[map(k, dims)];
    } else {
        for (size_t k = 0; k < n; k++)
            ((float *)t->data)[k] = value_at(src, map(k, dims));
    }
    st = auris_nn_tensor_set_add(set, t, im->err);
    auris_nn_tensor_free(t);
    return st;
}

static int is_square(const tfl_op *op)
{
    return op && op->n_in == 2 && op->in[0] == op->in[1];
}

/* RESHAPE, SLICE from 0, RESHAPE to [R, 80], GATHER of frames [96, 5] of 80-sample
 * blocks every 2 blocks, RESHAPE [96, 400], MUL by the window, PAD to 512 at the end. */
static auris_status frontend_framing(importer *im, auris_nn_tensor_set *set)
{
    const tfl_op *op;
    if (!expect(im, TFL_OP_RESHAPE) || !(op = expect(im, TFL_OP_SLICE)))
        return refuse(im, "expected RESHAPE, SLICE of the waveform");
    const tfl_tensor *begin = constant(im, op, 1);
    if (!begin || begin->type != TFL_INT32 || i32_at(begin, 0) != 0)
        return refuse(im, "the waveform slice must start at 0");
    if (!expect(im, TFL_OP_RESHAPE) || !(op = expect(im, TFL_OP_GATHER)))
        return refuse(im, "expected RESHAPE, GATHER framing");
    const tfl_tensor *blocks = tensor(im, op->in[0]), *idx = constant(im, op, 1);
    int fr = AURIS_YAMNET_FRAMES, per = YAMNET_FRAME / 80, step = YAMNET_FRAME_HOP / 80;
    if (!blocks || blocks->ndim != 2 || blocks->dims[1] != 80 || op->axis != 0 || !idx ||
        idx->type != TFL_INT32 || !shape_is(idx, 2, (int[]){fr, per}))
        return refuse(im, "framing is not 96 frames of 400 samples in 80-sample blocks");
    for (int i = 0; i < fr; i++)
        for (int j = 0; j < per; j++)
            if (i32_at(idx, (size_t)(i * per + j)) != i * step + j)
                return refuse(im, "frames are not 400 samples every 160");
    if (!expect(im, TFL_OP_RESHAPE) || !(op = expect(im, TFL_OP_MUL)))
        return refuse(im, "expected RESHAPE, MUL by the window");
    const tfl_tensor *win = constant(im, op, 1);
    if (!win || win->type != TFL_FLOAT32 || tfl_numel(win) != YAMNET_FRAME || op->activation)
        return refuse(im, "window is not 400 float values");
    auris_status st = convert(im, win, YAMNET_T_WINDOW, 1, (int64_t[]){YAMNET_FRAME}, same_index, set);
    if (st)
        return st;
    if (!(op = expect(im, TFL_OP_PAD)))
        return refuse(im, "expected PAD to the FFT size");
    const tfl_tensor *pads = constant(im, op, 1);
    if (!pads || pads->type != TFL_INT32 || !shape_is(pads, 2, (int[]){2, 2}) || i32_at(pads, 0) ||
        i32_at(pads, 1) || i32_at(pads, 2) < 0 ||
        i32_at(pads, 2) + i32_at(pads, 3) != YAMNET_FFT - YAMNET_FRAME)
        return refuse(im, "padding of the frames is not 400 -> 512");
    im->frame_offset = i32_at(pads, 2);
    return AURIS_OK;
}

static auris_status matrix(importer *im, const tfl_op *op, int rows, int cols, const char *name,
                           auris_nn_tensor_set *set)
{
    const tfl_tensor *w = constant(im, op, 1);
    if (!usable_weights(w) || !shape_is(w, 2, (int[]){rows, cols}) || op->activation)
        return refuse(im, "unexpected matrix in the front end");
    return convert(im, w, name, 2, (int64_t[]){rows, cols}, same_index, set);
}

/* Two DFT products squared and added, SQRT, the mel product with its offset, LOG, then
 * the identity slicing of the 96 x 64 log-mel into one patch. */
static auris_status frontend_spectrum(importer *im, auris_nn_tensor_set *set)
{
    const tfl_op *op;
    auris_status st;
    const char *names[2] = {YAMNET_T_DFT_RE, YAMNET_T_DFT_IM};
    for (int k = 0; k < 2; k++) {
        if (!(op = expect(im, TFL_OP_FULLY_CONNECTED)))
            return refuse(im, "expected the DFT product");
        if (op->n_in > 2 && op->in[2] >= 0)
            return refuse(im, "the DFT product has a bias");
        if ((st = matrix(im, op, YAMNET_BINS, YAMNET_FFT, names[k], set)))
            return st;
        if (!is_square(expect(im, TFL_OP_MUL)))
            return refuse(im, "expected the DFT output squared");
    }
    if (!expect(im, TFL_OP_ADD) || !expect(im, TFL_OP_SQRT) ||
        !(op = expect(im, TFL_OP_FULLY_CONNECTED)))
        return refuse(im, "expected ADD, SQRT, mel product");
    if ((st = matrix(im, op, AURIS_YAMNET_BANDS, YAMNET_BINS, YAMNET_T_MEL, set)))
        return st;
    const tfl_tensor *bias = op->n_in > 2 ? constant(im, op, 2) : NULL;
    if (!bias || bias->type != TFL_FLOAT32 || tfl_numel(bias) != AURIS_YAMNET_BANDS)
        return refuse(im, "the mel product has no offset");
    if ((st = convert(im, bias, YAMNET_T_MEL_BIAS, 1, (int64_t[]){AURIS_YAMNET_BANDS}, same_index,
                      set)))
        return st;
    if (!expect(im, TFL_OP_LOG) || !(op = expect(im, TFL_OP_STRIDED_SLICE)))
        return refuse(im, "expected LOG, STRIDED_SLICE");
    const int lm[2] = {AURIS_YAMNET_FRAMES, AURIS_YAMNET_BANDS};
    if (!shape_is(tensor(im, op->out[0]), 2, lm))
        return refuse(im, "the log-mel slice is not the whole 96 x 64");
    if (!expect(im, TFL_OP_RESHAPE) || !(op = expect(im, TFL_OP_GATHER)))
        return refuse(im, "expected RESHAPE, GATHER of patches");
    const tfl_tensor *pidx = constant(im, op, 1);
    if (!pidx || pidx->type != TFL_INT32 || tfl_numel(pidx) != 2 || i32_at(pidx, 0) != 0 ||
        i32_at(pidx, 1) != 1)
        return refuse(im, "the patch is not the 96 frames in order");
    if (!(op = expect(im, TFL_OP_RESHAPE)) ||
        !shape_is(tensor(im, op->out[0]), 4, (int[]){1, AURIS_YAMNET_FRAMES, AURIS_YAMNET_BANDS, 1}))
        return refuse(im, "expected the patch reshaped to [1, 96, 64, 1]");
    return AURIS_OK;
}

/* One convolution: its layer, its ReLU, and its weights in PyTorch layout. */
static auris_status conv_layer(importer *im, const tfl_op *op, int index, int *channels,
                               auris_nn_model *net, auris_nn_tensor_set *set)
{
    int dw = op->builtin == TFL_OP_DEPTHWISE_CONV_2D;
    const tfl_tensor *w = constant(im, op, 1), *b = op->n_in > 2 ? constant(im, op, 2) : NULL;
    if (!usable_weights(w) || w->ndim != 4 || !b || b->type != TFL_FLOAT32)
        return refuse(im, "convolution weights or bias missing or of an unsupported type");
    int out = dw ? w->dims[3] : w->dims[0], in = dw ? out : w->dims[3];
    if (in != *channels || (dw && (w->dims[0] != 1 || op->depth_multiplier != 1)) ||
        (int)tfl_numel(b) != out || op->stride_h < 1 || op->stride_w < 1 || op->stride_h > 4 ||
        op->stride_w > 4 || op->dilation_h != 1 || op->dilation_w != 1 ||
        op->activation != TFL_ACT_RELU || out < 1 || w->dims[1] < 1 || w->dims[2] < 1 ||
        w->dims[1] > 15 || w->dims[2] > 15)
        return refuse(im, "convolution geometry differs from YAMNet's");
    auris_nn_layer_config lc;
    auris_nn_layer_config_default(AURIS_NN_CONV2D, &lc);
    snprintf(lc.name, sizeof lc.name, "conv%d", index);
    lc.filters = out;
    lc.size_h = w->dims[1];
    lc.size_w = w->dims[2];
    lc.stride_h = op->stride_h;
    lc.stride_w = op->stride_w;
    lc.pad_h = lc.pad_w = op->padding == TFL_PAD_SAME ? AURIS_NN_PAD_SAME : 0;
    lc.groups = dw ? in : 1;
    lc.bias = 1;
    auris_status st = auris_nn_model_add(net, &lc, im->err);
    if (st)
        return st;
    char name[AURIS_NN_NAME_MAX];
    snprintf(name, sizeof name, "%s.weight", lc.name);
    int64_t dims[4] = {out, dw ? 1 : in, w->dims[1], w->dims[2]};
    if ((st = convert(im, w, name, 4, dims, dw ? depthwise_index : conv_index, set)))
        return st;
    snprintf(name, sizeof name, "%s.bias", lc.name);
    if ((st = convert(im, b, name, 1, (int64_t[]){out}, same_index, set)))
        return st;
    auris_nn_layer_config_default(AURIS_NN_RELU, &lc);
    *channels = out;
    return auris_nn_model_add(net, &lc, im->err);
}

static auris_status classifier(importer *im, int channels, auris_nn_model *net,
                               auris_nn_tensor_set *set, int *classes)
{
    const tfl_op *op = &im->g->ops[im->op - 1];   /* the MEAN */
    const tfl_tensor *axes = constant(im, op, 1);
    if (!axes || axes->type != TFL_INT32 || tfl_numel(axes) != 2 || i32_at(axes, 0) != 1 ||
        i32_at(axes, 1) != 2)
        return refuse(im, "the MEAN is not over the two spatial axes");
    auris_nn_layer_config lc;
    auris_nn_layer_config_default(AURIS_NN_GLOBALAVGPOOL, &lc);
    snprintf(lc.name, sizeof lc.name, "%s", YAMNET_EMBEDDING_LAYER);
    auris_status st = auris_nn_model_add(net, &lc, im->err);
    if (st)
        return st;
    if (!(op = expect(im, TFL_OP_FULLY_CONNECTED)))
        return refuse(im, "expected the classifier after the MEAN");
    const tfl_tensor *w = constant(im, op, 1), *b = op->n_in > 2 ? constant(im, op, 2) : NULL;
    if (!usable_weights(w) || w->ndim != 2 || w->dims[1] != channels || w->dims[0] < 1 ||
        w->dims[0] > MAX_CLASSES || !b || b->type != TFL_FLOAT32 ||
        (int)tfl_numel(b) != w->dims[0] || op->activation)
        return refuse(im, "unexpected classifier weights");
    *classes = w->dims[0];
    auris_nn_layer_config_default(AURIS_NN_DENSE, &lc);
    snprintf(lc.name, sizeof lc.name, "classifier");
    lc.filters = *classes;
    lc.bias = 1;
    if ((st = auris_nn_model_add(net, &lc, im->err)) ||
        (st = convert(im, w, "classifier.weight", 2, (int64_t[]){*classes, channels}, same_index,
                      set)) ||
        (st = convert(im, b, "classifier.bias", 1, (int64_t[]){*classes}, same_index, set)))
        return st;
    if (!expect(im, TFL_OP_LOGISTIC))
        return refuse(im, "expected LOGISTIC scores");
    auris_nn_layer_config_default(AURIS_NN_SIGMOID, &lc);
    return auris_nn_model_add(net, &lc, im->err);
}

static auris_status network(importer *im, auris_nn_model *net, auris_nn_tensor_set *set,
                            int *classes)
{
    int channels = 1, index = 0;
    for (;;) {
        while (im->op < im->g->n_ops && im->g->ops[im->op].builtin == TFL_OP_DEQUANTIZE)
            im->op++;
        if (im->op >= im->g->n_ops)
            return refuse(im, "the graph ends before the classifier");
        const tfl_op *op = &im->g->ops[im->op++];
        if (op->builtin == TFL_OP_MEAN)
            return classifier(im, channels, net, set, classes);
        if (op->builtin != TFL_OP_CONV_2D && op->builtin != TFL_OP_DEPTHWISE_CONV_2D)
            return refuse(im, "expected CONV_2D, DEPTHWISE_CONV_2D or MEAN");
        auris_status st = conv_layer(im, op, ++index, &channels, net, set);
        if (st)
            return st;
    }
}

/* The class map as "mid\tname\n" lines, checked to list classes 0..n-1 in order. */
static auris_status class_map(const char *path, int classes, char **out, auris_error *err)
{
    char *text;
    size_t n;
    auris_status st = auris_read_file(path, 16u << 20, &text, &n, err);
    if (st)
        return st;
    char *res = malloc(n + 1);
    size_t used = 0;
    int row = 0;
    if (!res) {
        st = auris_fail(err, AURIS_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[4];
        int nf = auris_csv_split(line, f, 4);
        if (nf == 3 && !strcmp(f[0], "index"))
            continue;
        char *end;
        long idx = nf == 3 ? strtol(f[0], &end, 10) : -1;
        if (nf != 3 || *end || idx != row || strchr(f[1], '\t') || strchr(f[2], '\t')) {
            st = auris_fail(err, AURIS_ECORRUPT, "%s: line for class %d is not index,mid,name",
                            path, row);
            goto done;
        }
        used += (size_t)sprintf(res + used, "%s\t%s\n", f[1], f[2]);
        row++;
    }
    if (row != classes)
        st = auris_fail(err, AURIS_EMODEL, "%s: %d classes, the model has %d", path, row, classes);
done:
    free(text);
    if (st)
        free(res);
    else
        *out = res;
    return st;
}

auris_status yamnet_convert(const uint8_t *bytes, size_t size, const char *name,
                            auris_nn_model **net_out, auris_nn_tensor_set **weights_out,
                            auris_error *err)
{
    *net_out = NULL;
    *weights_out = NULL;
    tfl_model *g;
    auris_status st = tfl_parse(bytes, size, name, &g, err);
    if (st)
        return st;
    importer im = {g, name, err, NULL, 0, 0};
    auris_nn_model *net = NULL;
    auris_nn_tensor_set *w = NULL;
    im.producer = malloc((size_t)(g->n_tensors ? g->n_tensors : 1) * sizeof *im.producer);
    if (!im.producer) {
        st = auris_fail(err, AURIS_ENOMEM, "%s: out of memory", name);
        goto done;
    }
    for (int k = 0; k < g->n_tensors; k++)
        im.producer[k] = -1;
    for (int o = 0; o < g->n_ops; o++)
        for (int k = 0; k < g->ops[o].n_out; k++)
            im.producer[g->ops[o].out[k]] = o;
    const tfl_tensor *in = g->n_inputs == 1 ? tensor(&im, g->inputs[0]) : NULL;
    if (!in || in->type != TFL_FLOAT32 || tfl_numel(in) != AURIS_YAMNET_PATCH_SAMPLES) {
        st = refuse(&im, "the input is not 15600 float samples");
        goto done;
    }
    auris_nn_model_config mc;
    auris_nn_model_config_default(&mc);
    mc.channels = 1;
    mc.height = AURIS_YAMNET_FRAMES;
    mc.width = AURIS_YAMNET_BANDS;
    int classes = 0;
    st = auris_nn_model_new(&mc, &net, err);
    if (!st)
        st = auris_nn_tensor_set_new(&w, err);
    if (!st)
        st = frontend_framing(&im, w);
    if (!st)
        st = frontend_spectrum(&im, w);
    if (!st)
        st = network(&im, net, w, &classes);
    if (!st && im.op != g->n_ops)
        st = refuse(&im, "operators after the scores");
    if (!st) {
        char off[16];
        snprintf(off, sizeof off, "%d", im.frame_offset);
        st = auris_nn_model_set_meta(net, YAMNET_META_FRAME_OFFSET, off, err);
    }
    for (size_t k = 0; !st && k < auris_nn_model_tensor_count(net); k++) {
        const char *tn = auris_nn_model_tensor(net, k)->name;
        if (!auris_nn_tensor_set_get(w, tn))
            st = auris_fail(err, AURIS_EINTERNAL, "%s: no weights for '%s'", name, tn);
    }
done:
    free(im.producer);
    tfl_free(g);
    if (st) {
        auris_nn_model_free(net);
        auris_nn_tensor_set_free(w);
        return st;
    }
    *net_out = net;
    *weights_out = w;
    return AURIS_OK;
}

/* The network's cfg and metadata plus the converted weights (int8 where kept), which
 * replace the model's zero-initialised ones. */
static auris_status save(auris_nn_model *net, const auris_nn_tensor_set *w, const char *classes,
                         const char *out_path, auris_error *err)
{
    auris_nn_tensor_set *file = NULL;
    auris_status st = auris_nn_model_set_meta(net, "auris.kind", YAMNET_KIND, err);
    if (!st)
        st = auris_nn_model_set_meta(net, YAMNET_META_CLASSES, classes, err);
    if (!st)
        st = auris_nn_model_to_set(net, &file, err);
    for (size_t k = 0; !st && k < auris_nn_tensor_set_count(w); k++)
        st = auris_nn_tensor_set_add(file, auris_nn_tensor_set_at(w, k), err);
    if (!st)
        st = auris_nn_safetensors_save(file, out_path, err);
    auris_nn_tensor_set_free(file);
    return st;
}

auris_status auris_yamnet_import(const char *tflite_path, const char *class_map_path,
                                 const char *out_path, auris_error *err)
{
    if (!tflite_path || !out_path)
        return auris_fail(err, AURIS_EINVAL, "yamnet import: no input or output path");
    char guess[4096];
    if (!class_map_path) {
        const char *slash = strrchr(tflite_path, '/');
        int dir = slash ? (int)(slash - tflite_path + 1) : 0;
        if (snprintf(guess, sizeof guess, "%.*syamnet_class_map.csv", dir, tflite_path) >=
            (int)sizeof guess)
            return auris_fail(err, AURIS_EINVAL, "%s: path too long", tflite_path);
        class_map_path = guess;
    }
    char *bytes;
    size_t size;
    auris_status st = auris_read_file(tflite_path, MAX_TFLITE_BYTES, &bytes, &size, err);
    if (st)
        return st;
    auris_nn_model *net;
    auris_nn_tensor_set *w;
    char *classes = NULL;
    st = yamnet_convert((const uint8_t *)bytes, size, tflite_path, &net, &w, err);
    free(bytes);
    if (st)
        return st;
    st = class_map(class_map_path, (int)auris_nn_model_output_size(net), &classes, err);
    if (!st)
        st = save(net, w, classes, out_path, err);
    free(classes);
    auris_nn_model_free(net);
    auris_nn_tensor_set_free(w);
    return st;
}
