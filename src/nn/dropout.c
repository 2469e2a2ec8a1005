/* Inverted dropout: in training states each value is zeroed with probability p and the
 * rest scaled by 1/(1-p); inference passes values through. The mask comes from the state's
 * seeded generator, so training is reproducible. */
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

typedef struct drop_state {
    float *mask;
    size_t cap;
} drop_state;

static auris_status drop_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    if (!(l->cfg.p >= 0.0f && l->cfg.p < 1.0f))
        return auris_fail(err, AURIS_EINVAL, "%s: dropout p=%g outside [0, 1)", l->cfg.name,
                          (double)l->cfg.p);
    memcpy(l->out_shape, l->in_shape[0], sizeof l->out_shape);
    return AURIS_OK;
}

static void drop_state_free(void *ls)
{
    drop_state *d = ls;
    free(d->mask);
    free(d);
}

static auris_status drop_forward(nn_call *c)
{
    size_t n = (size_t)c->batch * nn_shape_size(c->l->out_shape);
    if (!c->training || c->l->cfg.p == 0.0f) {
        memcpy(c->y, c->x[0], n * sizeof(float));
        return AURIS_OK;
    }
    drop_state *d = *c->ls;
    if (!d && !(d = *c->ls = calloc(1, sizeof *d)))
        return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
    if (d->cap < n) {
        float *mk = realloc(d->mask, n * sizeof *mk);
        if (!mk)
            return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
        d->mask = mk;
        d->cap = n;
    }
    float keep = 1.0f / (1.0f - c->l->cfg.p);
    for (size_t i = 0; i < n; i++) {
        d->mask[i] = nn_rng_uniform(c->rng) < c->l->cfg.p ? 0.0f : keep;
        c->y[i] = c->x[0][i] * d->mask[i];
    }
    return AURIS_OK;
}

static auris_status drop_backward(nn_call *c)
{
    size_t n = (size_t)c->batch * nn_shape_size(c->l->out_shape);
    const drop_state *d = *c->ls;
    for (size_t i = 0; i < n; i++)
        nn_put(c->dx[0], i, d && c->l->cfg.p > 0.0f ? c->dy[i] * d->mask[i] : c->dy[i],
               c->dx_acc[0]);
    return AURIS_OK;
}

const nn_layer_ops nn_dropout_ops = {drop_setup, drop_forward, drop_backward, drop_state_free, NULL};
