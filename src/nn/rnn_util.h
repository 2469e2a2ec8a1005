/* Helpers shared by the recurrent layers (lstm.c, gru.c): sequences are C x 1 x T, one
 * sample a row-major C x T matrix, so the input projection of all steps is one GEMM. */
#ifndef AURIS_NN_RNN_UTIL_H
#define AURIS_NN_RNN_UTIL_H

#include <math.h>
#include <stdlib.h>

#include "nn/nn_internal.h"

/* Per-state buffers of a recurrent layer, grown to the largest batch seen. */
typedef struct rnn_state {
    float *buf;
    size_t cap;
} rnn_state;

static inline void rnn_state_free(void *ls)
{
    rnn_state *s = ls;
    free(s->buf);
    free(s);
}

/* A zeroed scratch area of n floats in the layer's state. */
static inline float *rnn_scratch(nn_call *c, size_t n)
{
    rnn_state *s = *c->ls;
    if (!s && !(s = *c->ls = calloc(1, sizeof *s)))
        return NULL;
    if (s->cap < n) {
        float *b = realloc(s->buf, n * sizeof *b);
        if (!b)
            return NULL;
        s->buf = b;
        s->cap = n;
    }
    return s->buf;
}

static inline float rnn_sigm(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

/* Checks a sequence input and declares PyTorch's single-layer parameters for `gates`
 * gates: weight_ih_l0 [gates*H, C], weight_hh_l0 [gates*H, H], bias_ih_l0, bias_hh_l0. */
static inline auris_status rnn_setup(auris_nn_model *m, nn_layer *l, int gates, auris_error *err)
{
    int C = l->in_shape[0][0], H = l->cfg.filters;
    if (l->in_shape[0][1] != 1)
        return auris_fail(err, AURIS_EINVAL, "%s: recurrent layers need C x 1 x T inputs", l->cfg.name);
    if (H < 1 || H > 65536 || C > 65536)
        return auris_fail(err, AURIS_EINVAL, "%s: hidden size %d out of range", l->cfg.name, H);
    l->out_shape[0] = H;
    l->out_shape[1] = 1;
    l->out_shape[2] = l->in_shape[0][2];
    int64_t gh = (int64_t)gates * H;
    auris_status st = nn_model_add_param(m, l, "weight_ih_l0", 2, (int64_t[]){gh, C}, 1, err);
    if (!st)
        st = nn_model_add_param(m, l, "weight_hh_l0", 2, (int64_t[]){gh, H}, 1, err);
    if (!st)
        st = nn_model_add_param(m, l, "bias_ih_l0", 1, &gh, 1, err);
    if (!st)
        st = nn_model_add_param(m, l, "bias_hh_l0", 1, &gh, 1, err);
    return st;
}

static inline double rnn_macs(const nn_layer *l, int gates)
{
    double H = l->cfg.filters, T = l->out_shape[2];
    return gates * H * (l->in_shape[0][0] + H) * T;
}

#endif
