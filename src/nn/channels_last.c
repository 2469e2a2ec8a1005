/* Channels-last inference for sequential convolution stacks (MobileNet-style networks such
 * as YAMNet): activations are kept as N x H x W x C from layer to layer, so a pointwise
 * convolution is one GEMM over every position of the whole batch, a depthwise convolution
 * is a loop vectorised over channels, and no layout reorders run between layers. Layers:
 * conv2d (plain or depthwise), ReLU, ReLU6, sigmoid, global average pooling and dense on
 * a vector; an activation right after a conv or dense is applied in the same pass. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

/* The hot loops are compiled for AVX-512 and AVX2 as well, picked at run time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define CL_VECTOR __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CL_VECTOR
#endif

enum { CL_CONV, CL_POINTWISE, CL_DEPTHWISE, CL_GAP, CL_DENSE, CL_ACT };

typedef struct cl_step {
    int kind, layer, act;
    int ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, pt, pl;
    float *w;          /* repacked weights (owned) */
    const float *b;    /* the model's bias, or NULL */
    int keep;          /* writes into the kept buffer */
} cl_step;

struct nn_cl {
    cl_step *steps;
    int n_steps, max_batch;
    size_t n_layers;
    float *buf[2], *kept, *input;
    const float **out;  /* per layer, after a forward */
};

static int supported_act(int type)
{
    return type == AURIS_NN_RELU || type == AURIS_NN_RELU6 || type == AURIS_NN_SIGMOID;
}

CL_VECTOR static void apply_act(int act, float *x, size_t n)
{
    if (act == AURIS_NN_RELU)
        for (size_t i = 0; i < n; i++)
            x[i] = x[i] > 0 ? x[i] : 0;
    else if (act == AURIS_NN_RELU6)
        for (size_t i = 0; i < n; i++)
            x[i] = x[i] > 0 ? (x[i] < 6 ? x[i] : 6) : 0;
    else if (act == AURIS_NN_SIGMOID)
        for (size_t i = 0; i < n; i++)
            x[i] = 1.0f / (1.0f + expf(-x[i]));
}

static const float *param(const auris_nn_model *m, const nn_layer *l, int k)
{
    return k < l->n_param ? m->tensors[l->param[k]]->data : NULL;
}

static auris_status plan_conv(const auris_nn_model *m, const nn_layer *l, cl_step *s)
{
    const auris_nn_layer_config *c = &l->cfg;
    int p[4];
    nn_conv_pads(l, p);
    s->ic = l->in_shape[0][0];
    s->ih = l->in_shape[0][1];
    s->iw = l->in_shape[0][2];
    s->oc = l->out_shape[0];
    s->oh = l->out_shape[1];
    s->ow = l->out_shape[2];
    s->kh = c->size_h;
    s->kw = c->size_w;
    s->sh = c->stride_h;
    s->sw = c->stride_w;
    s->pt = p[0];
    s->pl = p[2];
    if (c->dilation_h != 1 || c->dilation_w != 1 || c->type != AURIS_NN_CONV2D ||
        (c->groups != 1 && (c->groups != s->ic || s->oc != s->ic)))
        return AURIS_EUNSUPPORTED;
    const float *w = param(m, l, 0);
    s->b = c->bias ? param(m, l, 1) : NULL;
    size_t taps = (size_t)s->kh * s->kw;
    if (c->groups != 1) {
        s->kind = CL_DEPTHWISE;
        s->w = malloc(taps * (size_t)s->oc * sizeof *s->w);
        if (!s->w)
            return AURIS_ENOMEM;
        for (int o = 0; o < s->oc; o++)
            for (size_t t = 0; t < taps; t++)
                s->w[t * (size_t)s->oc + (size_t)o] = w[(size_t)o * taps + t];
        return AURIS_OK;
    }
    s->kind = taps == 1 && s->sh == 1 && s->sw == 1 && !p[0] && !p[1] && !p[2] && !p[3]
                  ? CL_POINTWISE : CL_CONV;
    s->w = malloc(taps * (size_t)s->ic * (size_t)s->oc * sizeof *s->w);
    if (!s->w)
        return AURIS_ENOMEM;
    /* [kh][kw][in][out] from [out][in][kh][kw] */
    for (int o = 0; o < s->oc; o++)
        for (int i = 0; i < s->ic; i++)
            for (size_t t = 0; t < taps; t++)
                s->w[(t * (size_t)s->ic + (size_t)i) * (size_t)s->oc + (size_t)o] =
                    w[((size_t)o * (size_t)s->ic + (size_t)i) * taps + t];
    return AURIS_OK;
}

static auris_status plan(nn_cl *cl, const auris_nn_model *m, int keep_layer)
{
    for (size_t i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        if (l->n_in != 1 || l->in[0] != (int)i - 1)
            return AURIS_EUNSUPPORTED;
        cl_step *s = &cl->steps[cl->n_steps];
        memset(s, 0, sizeof *s);
        auris_status st = AURIS_OK;
        switch (l->cfg.type) {
        case AURIS_NN_CONV2D:
            st = plan_conv(m, l, s);
            break;
        case AURIS_NN_GLOBALAVGPOOL:
            s->kind = CL_GAP;
            s->ic = s->oc = l->in_shape[0][0];
            s->ih = l->in_shape[0][1];
            s->iw = l->in_shape[0][2];
            break;
        case AURIS_NN_DENSE:
            if (l->in_shape[0][1] != 1 || l->in_shape[0][2] != 1)
                return AURIS_EUNSUPPORTED;
            s->kind = CL_DENSE;
            s->ic = l->in_shape[0][0];
            s->oc = l->out_shape[0];
            s->w = NULL;
            s->b = l->cfg.bias ? param(m, l, 1) : NULL;
            break;
        default:
            if (!supported_act(l->cfg.type))
                return AURIS_EUNSUPPORTED;
            s->kind = CL_ACT;
            s->act = l->cfg.type;
            s->oc = l->out_shape[0] * l->out_shape[1] * l->out_shape[2];
            break;
        }
        if (st)
            return st;
        s->layer = (int)i;
        cl->n_steps++;
        /* an activation straight after a conv or dense joins its pass */
        if ((s->kind != CL_ACT && s->kind != CL_GAP) && i + 1 < m->n_layers &&
            (int)i != keep_layer && supported_act(m->layers[i + 1].cfg.type)) {
            s->act = m->layers[i + 1].cfg.type;
            s->layer = (int)++i;
        }
        s->keep = s->layer == keep_layer;
    }
    return AURIS_OK;
}

void nn_cl_free(nn_cl *cl)
{
    if (!cl)
        return;
    for (int k = 0; cl->steps && k < cl->n_steps; k++)
        free(cl->steps[k].w);
    free(cl->steps);
    free(cl->buf[0]);
    free(cl->buf[1]);
    free(cl->kept);
    free(cl->input);
    free(cl->out);
    free(cl);
}

auris_status nn_cl_new(const auris_nn_model *m, int max_batch, int keep_layer, nn_cl **out)
{
    *out = NULL;
    nn_cl *cl = calloc(1, sizeof *cl);
    if (!cl)
        return AURIS_ENOMEM;
    cl->steps = calloc(m->n_layers, sizeof *cl->steps);
    cl->out = calloc(m->n_layers, sizeof *cl->out);
    cl->max_batch = max_batch;
    cl->n_layers = m->n_layers;
    auris_status st = cl->steps && cl->out ? plan(cl, m, keep_layer) : AURIS_ENOMEM;
    size_t most = auris_nn_model_input_size(m), kept = 0;
    for (size_t i = 0; !st && i < m->n_layers; i++) {
        size_t n = nn_shape_size(m->layers[i].out_shape);
        most = n > most ? n : most;
        if ((int)i == keep_layer)
            kept = n;
    }
    if (!st) {
        size_t mb = (size_t)max_batch;
        cl->buf[0] = malloc(most * mb * sizeof(float));
        cl->buf[1] = malloc(most * mb * sizeof(float));
        cl->kept = malloc((kept ? kept : 1) * mb * sizeof(float));
        cl->input = malloc(auris_nn_model_input_size(m) * mb * sizeof(float));
        if (!cl->buf[0] || !cl->buf[1] || !cl->kept || !cl->input)
            st = AURIS_ENOMEM;
    }
    if (st) {
        nn_cl_free(cl);
        return st;
    }
    *out = cl;
    return AURIS_OK;
}

CL_VECTOR static void run_conv(const cl_step *s, const float *x, float *y, int batch)
{
    for (int n = 0; n < batch; n++)
        for (int oy = 0; oy < s->oh; oy++)
            for (int ox = 0; ox < s->ow; ox++) {
                float *acc = y + (((size_t)n * s->oh + oy) * s->ow + ox) * s->oc;
                for (int o = 0; o < s->oc; o++)
                    acc[o] = s->b ? s->b[o] : 0;
                for (int ky = 0; ky < s->kh; ky++) {
                    int iy = oy * s->sh + ky - s->pt;
                    if (iy < 0 || iy >= s->ih)
                        continue;
                    for (int kx = 0; kx < s->kw; kx++) {
                        int ix = ox * s->sw + kx - s->pl;
                        if (ix < 0 || ix >= s->iw)
                            continue;
                        const float *in = x + (((size_t)n * s->ih + iy) * s->iw + ix) * s->ic;
                        const float *w = s->w + (size_t)(ky * s->kw + kx) * s->ic * s->oc;
                        for (int i = 0; i < s->ic; i++) {
                            const float v = in[i], *wi = w + (size_t)i * s->oc;
                            for (int o = 0; o < s->oc; o++)
                                acc[o] += v * wi[o];
                        }
                    }
                }
            }
}

CL_VECTOR static void run_depthwise(const cl_step *s, const float *x, float *y, int batch)
{
    const int C = s->oc;
    for (int n = 0; n < batch; n++)
        for (int oy = 0; oy < s->oh; oy++)
            for (int ox = 0; ox < s->ow; ox++) {
                float *restrict acc = y + (((size_t)n * s->oh + oy) * s->ow + ox) * C;
                for (int c = 0; c < C; c++)
                    acc[c] = s->b ? s->b[c] : 0;
                for (int ky = 0; ky < s->kh; ky++) {
                    int iy = oy * s->sh + ky - s->pt;
                    if (iy < 0 || iy >= s->ih)
                        continue;
                    for (int kx = 0; kx < s->kw; kx++) {
                        int ix = ox * s->sw + kx - s->pl;
                        if (ix < 0 || ix >= s->iw)
                            continue;
                        const float *restrict in = x + (((size_t)n * s->ih + iy) * s->iw + ix) * C;
                        const float *restrict w = s->w + (size_t)(ky * s->kw + kx) * C;
                        for (int c = 0; c < C; c++)
                            acc[c] += in[c] * w[c];
                    }
                }
            }
}

CL_VECTOR static void run_gap(const cl_step *s, const float *x, float *y, int batch)
{
    size_t hw = (size_t)s->ih * s->iw;
    for (int n = 0; n < batch; n++) {
        float *o = y + (size_t)n * s->oc;
        memset(o, 0, (size_t)s->oc * sizeof *o);
        for (size_t p = 0; p < hw; p++) {
            const float *in = x + ((size_t)n * hw + p) * s->oc;
            for (int c = 0; c < s->oc; c++)
                o[c] += in[c];
        }
        for (int c = 0; c < s->oc; c++)
            o[c] /= (float)hw;
    }
}

static void run_step(const cl_step *s, const auris_nn_model *m, const float *x, float *y,
                     int batch)
{
    size_t rows;
    switch (s->kind) {
    case CL_CONV:
        run_conv(s, x, y, batch);
        rows = (size_t)batch * s->oh * s->ow;
        break;
    case CL_DEPTHWISE:
        run_depthwise(s, x, y, batch);
        rows = (size_t)batch * s->oh * s->ow;
        break;
    case CL_POINTWISE:
        rows = (size_t)batch * s->oh * s->ow;
        for (size_t r = 0; r < rows; r++) {
            if (s->b)
                memcpy(y + r * s->oc, s->b, (size_t)s->oc * sizeof *y);
            else
                memset(y + r * s->oc, 0, (size_t)s->oc * sizeof *y);
        }
        dnnl_sgemm('N', 'N', (dnnl_dim_t)rows, s->oc, s->ic, 1.0f, x, s->ic, s->w, s->oc, 1.0f, y,
                   s->oc);
        break;
    case CL_GAP:
        run_gap(s, x, y, batch);
        return;
    case CL_DENSE: {
        const nn_layer *l = &m->layers[s->layer - (s->act ? 1 : 0)];
        for (int n = 0; n < batch; n++) {
            if (s->b)
                memcpy(y + (size_t)n * s->oc, s->b, (size_t)s->oc * sizeof *y);
            else
                memset(y + (size_t)n * s->oc, 0, (size_t)s->oc * sizeof *y);
        }
        dnnl_sgemm('N', 'T', batch, s->oc, s->ic, 1.0f, x, s->ic, param(m, l, 0), s->ic, 1.0f, y,
                   s->oc);
        rows = (size_t)batch;
        break;
    }
    default:
        memcpy(y, x, (size_t)batch * s->oc * sizeof *y);
        rows = (size_t)batch;
        break;
    }
    apply_act(s->act, y, rows * (size_t)s->oc);
}

const float *nn_cl_forward(nn_cl *cl, const auris_nn_model *m, const float *input, int batch)
{
    /* the input is C x H x W per sample; channels-last needs H x W x C */
    const float *x = input;
    int C = m->cfg.channels;
    if (C > 1) {
        size_t hw = (size_t)m->cfg.height * m->cfg.width;
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < C; c++)
                for (size_t p = 0; p < hw; p++)
                    cl->input[((size_t)n * hw + p) * C + c] = input[((size_t)n * C + c) * hw + p];
        x = cl->input;
    }
    memset(cl->out, 0, cl->n_layers * sizeof *cl->out);
    int next = 0;
    for (int k = 0; k < cl->n_steps; k++) {
        const cl_step *s = &cl->steps[k];
        float *y = s->keep ? cl->kept : cl->buf[next];
        run_step(s, m, x, y, batch);
        cl->out[s->layer] = y;
        if (!s->keep)
            next ^= 1;
        x = y;
    }
    return x;
}

const float *nn_cl_layer_output(const nn_cl *cl, size_t i)
{
    return i < cl->n_layers ? cl->out[i] : NULL;
}
