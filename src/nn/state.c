/* Per-call state: activation buffers, gradients, layer caches (oneDNN primitives) and the
 * oneDNN engine and stream. Many states may run one read-only model at once. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

struct auris_nn_state {
    const auris_nn_model *m;
    auris_nn_state_config cfg;
    float **out;          /* per layer; inference states share buffers between layers */
    float **pool;         /* distinct buffers behind out */
    size_t n_pool;
    float **dout;         /* training: d(loss)/d(layer output) */
    unsigned char *written;
    float *input;         /* training: copy of the last input */
    float *dinput;
    float **pgrad;        /* per model tensor; NULL for buffers */
    void **ls;
    nn_fusion *fuse;      /* per layer, fused groups (fuse[i].last > i) */
    unsigned char *skip;  /* layers folded into an earlier one */
    int batch;
    uint64_t rng;
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    nn_cl *cl;            /* channels-last inference, when asked for and possible */
    auris_error err;
};

void auris_nn_state_config_default(auris_nn_state_config *cfg)
{
    cfg->max_batch = 1;
    cfg->training = 0;
    cfg->seed = 1;
    cfg->input_grad = 1;
    cfg->keep_layer = -1;
    cfg->channels_last = 0;
}

void auris_nn_state_free(auris_nn_state *s)
{
    if (!s)
        return;
    nn_cl_free(s->cl);
    const auris_nn_model *m = s->m;
    for (size_t i = 0; s->ls && i < m->n_layers; i++)
        if (s->ls[i] && m->layers[i].ops->state_free)
            m->layers[i].ops->state_free(s->ls[i]);
    for (size_t i = 0; s->pool && i < s->n_pool; i++)
        free(s->pool[i]);
    for (size_t i = 0; s->dout && i < m->n_layers; i++)
        free(s->dout[i]);
    for (size_t i = 0; s->pgrad && i < m->n_tensors; i++)
        free(s->pgrad[i]);
    free(s->pool);
    free(s->out);
    free(s->dout);
    free(s->written);
    free(s->input);
    free(s->dinput);
    free(s->pgrad);
    free(s->ls);
    for (size_t i = 0; s->fuse && i < m->n_layers; i++) {
        free(s->fuse[i].weight);
        free(s->fuse[i].bias);
    }
    free(s->fuse);
    free(s->skip);
    if (s->stream)
        dnnl_stream_destroy(s->stream);
    if (s->engine)
        dnnl_engine_destroy(s->engine);
    free(s);
}

static int consumers(const auris_nn_model *m, size_t i)
{
    int n = 0;
    for (size_t j = i + 1; j < m->n_layers; j++)
        for (int k = 0; k < m->layers[j].n_in; k++)
            n += m->layers[j].in[k] == (int)i;
    return n;
}

/* The layer after i when it reads only i and i feeds nothing else. */
static const nn_layer *sole_next(const auris_nn_model *m, size_t i)
{
    if (i + 1 >= m->n_layers || consumers(m, i) != 1 || m->layers[i + 1].in[0] != (int)i ||
        m->layers[i + 1].n_in != 1)
        return NULL;
    return &m->layers[i + 1];
}

/* Folds batch norm j into convolution i: w' = w * g / sqrt(var + eps), b' = (b - mean) *
 * g / sqrt(var + eps) + beta. A snapshot of the weights at state creation. */
static auris_status fold_bn(const auris_nn_model *m, size_t i, nn_fusion *f, auris_error *err)
{
    const nn_layer *cv = &m->layers[i], *bn = &m->layers[i + 1];
    const auris_nn_tensor *w = m->tensors[cv->param[0]];
    size_t F = (size_t)cv->cfg.filters, per = auris_nn_tensor_numel(w) / F;
    f->weight = malloc(auris_nn_tensor_numel(w) * sizeof(float));
    f->bias = malloc(F * sizeof(float));
    if (!f->weight || !f->bias)
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    const float *g = m->tensors[bn->param[0]]->data, *beta = m->tensors[bn->param[1]]->data;
    const float *rm = m->tensors[bn->param[2]]->data, *rv = m->tensors[bn->param[3]]->data;
    const float *b = cv->cfg.bias ? m->tensors[cv->param[1]]->data : NULL;
    for (size_t o = 0; o < F; o++) {
        float k = g[o] / sqrtf(rv[o] + bn->cfg.eps);
        for (size_t e = 0; e < per; e++)
            f->weight[o * per + e] = ((const float *)w->data)[o * per + e] * k;
        f->bias[o] = ((b ? b[o] : 0.0f) - rm[o]) * k + beta[o];
    }
    return AURIS_OK;
}

static auris_status plan_fusion(auris_nn_state *s, auris_error *err)
{
    const auris_nn_model *m = s->m;
    s->fuse = calloc(m->n_layers, sizeof *s->fuse);
    s->skip = calloc(m->n_layers, 1);
    if (!s->fuse || !s->skip)
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    for (size_t i = 0; i < m->n_layers; i++) {
        s->fuse[i].last = (int)i;
        if (s->cfg.training) {
            /* training keeps every layer's weights live: only batch norm + activation */
            const nn_layer *nx = sole_next(m, i);
            if (m->layers[i].cfg.type == AURIS_NN_BATCHNORM && nx &&
                (nx->cfg.type == AURIS_NN_RELU || nx->cfg.type == AURIS_NN_RELU6)) {
                s->fuse[i].act = nx->cfg.type;
                s->fuse[i].last = (int)i + 1;
                s->skip[++i] = 1;
                s->fuse[i].last = (int)i;
            }
            continue;
        }
        if (m->layers[i].cfg.type != AURIS_NN_CONV2D && m->layers[i].cfg.type != AURIS_NN_CONV1D)
            continue;
        size_t last = i;
        const nn_layer *nx = sole_next(m, i);
        if (nx && nx->cfg.type == AURIS_NN_BATCHNORM) {
            auris_status st = fold_bn(m, i, &s->fuse[i], err);
            if (st)
                return st;
            nx = sole_next(m, ++last);
        }
        if (nx && (nx->cfg.type == AURIS_NN_RELU || nx->cfg.type == AURIS_NN_RELU6)) {
            s->fuse[i].act = nx->cfg.type;
            last++;
        }
        s->fuse[i].last = (int)last;
        for (size_t j = i + 1; j <= last; j++)
            s->skip[j] = 1;
        i = last;
    }
    return AURIS_OK;
}

/* Inference: a layer's output buffer is reused once its last reader has run, so a deep
 * network needs a few buffers instead of one per layer. */
static auris_status plan_buffers(auris_nn_state *s, size_t mb, auris_error *err)
{
    const auris_nn_model *m = s->m;
    size_t n = m->n_layers;
    int *last = calloc(n, sizeof *last);
    size_t *pool_size = calloc(n, sizeof *pool_size);
    int *pool_free_after = calloc(n, sizeof *pool_free_after);
    int *owner = calloc(n, sizeof *owner);
    s->pool = calloc(n, sizeof *s->pool);
    if (!last || !pool_size || !pool_free_after || !owner || !s->pool) {
        free(last); free(pool_size); free(pool_free_after); free(owner);
        return auris_fail(err, AURIS_ENOMEM, "out of memory for network state");
    }
    for (size_t i = 0; i < n; i++) {
        last[i] = s->cfg.training || i + 1 == n || (int)i == s->cfg.keep_layer ? (int)n : (int)i;
        /* a fused group reads its inputs until its last member writes */
        int until = s->fuse ? s->fuse[i].last : (int)i;
        for (int k = 0; k < m->layers[i].n_in; k++)
            if (m->layers[i].in[k] >= 0 && last[m->layers[i].in[k]] < until)
                last[m->layers[i].in[k]] = until;
    }
    for (size_t i = 0; i < n; i++) {
        size_t need = nn_shape_size(m->layers[i].out_shape);
        size_t b = s->n_pool;
        for (size_t p = 0; p < s->n_pool; p++)
            if (pool_free_after[p] < (int)i) {
                b = p;
                break;
            }
        if (b == s->n_pool)
            s->n_pool++;
        if (pool_size[b] < need)
            pool_size[b] = need;
        pool_free_after[b] = last[i];
        owner[i] = (int)b;
    }
    auris_status st = AURIS_OK;
    for (size_t p = 0; p < s->n_pool && !st; p++) {
        s->pool[p] = malloc(pool_size[p] * mb * sizeof(float));
        if (!s->pool[p])
            st = auris_fail(err, AURIS_ENOMEM, "out of memory for activations");
    }
    for (size_t i = 0; i < n && !st; i++)
        s->out[i] = s->pool[owner[i]];
    free(last); free(pool_size); free(pool_free_after); free(owner);
    return st;
}

static auris_status alloc_training(auris_nn_state *s, size_t mb, auris_error *err)
{
    const auris_nn_model *m = s->m;
    s->dout = calloc(m->n_layers, sizeof *s->dout);
    s->written = calloc(m->n_layers + 1, 1);
    s->input = malloc(auris_nn_model_input_size(m) * mb * sizeof(float));
    s->dinput = malloc(auris_nn_model_input_size(m) * mb * sizeof(float));
    s->pgrad = calloc(m->n_tensors ? m->n_tensors : 1, sizeof *s->pgrad);
    if (!s->dout || !s->written || !s->input || !s->dinput || !s->pgrad)
        return auris_fail(err, AURIS_ENOMEM, "out of memory for gradients");
    for (size_t i = 0; i < m->n_layers; i++)
        if (!(s->dout[i] = malloc(nn_shape_size(m->layers[i].out_shape) * mb * sizeof(float))))
            return auris_fail(err, AURIS_ENOMEM, "out of memory for gradients");
    for (size_t i = 0; i < m->n_tensors; i++)
        if (m->trainable[i] &&
            !(s->pgrad[i] = calloc(auris_nn_tensor_numel(m->tensors[i]), sizeof(float))))
            return auris_fail(err, AURIS_ENOMEM, "out of memory for gradients");
    return AURIS_OK;
}

auris_status auris_nn_state_new(const auris_nn_model *m, const auris_nn_state_config *cfg,
                                auris_nn_state **out, auris_error *err)
{
    *out = NULL;
    if (cfg->max_batch < 1 || cfg->max_batch > 65536)
        return auris_fail(err, AURIS_EINVAL, "max_batch %d out of range", cfg->max_batch);
    if (m->n_layers == 0)
        return auris_fail(err, AURIS_EINVAL, "model has no layers");
    auris_nn_state *s = calloc(1, sizeof *s);
    if (!s)
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    s->m = m;
    s->cfg = *cfg;
    s->rng = cfg->seed;
    size_t mb = (size_t)cfg->max_batch;
    if (cfg->channels_last && !cfg->training) {
        auris_status cs = nn_cl_new(m, cfg->max_batch, cfg->keep_layer, &s->cl);
        if (cs == AURIS_ENOMEM) {
            free(s);
            return auris_fail(err, AURIS_ENOMEM, "out of memory");
        }
        if (!cs) {
            *out = s;
            return AURIS_OK;
        }
    }
    s->out = calloc(m->n_layers, sizeof *s->out);
    s->ls = calloc(m->n_layers, sizeof *s->ls);
    auris_status st = s->out && s->ls ? AURIS_OK : auris_fail(err, AURIS_ENOMEM, "out of memory");
    if (!st)
        st = plan_fusion(s, err);
    if (!st)
        st = plan_buffers(s, mb, err);
    if (!st && cfg->training)
        st = alloc_training(s, mb, err);
    if (!st)
        st = nn_dnnl_check(dnnl_engine_create(&s->engine, dnnl_cpu, 0), "engine", err);
    if (!st)
        st = nn_dnnl_check(dnnl_stream_create(&s->stream, s->engine, dnnl_stream_default_flags),
                           "stream", err);
    if (st) {
        auris_nn_state_free(s);
        return st;
    }
    *out = s;
    return AURIS_OK;
}

static void make_call(auris_nn_state *s, size_t i, nn_call *c)
{
    const auris_nn_model *m = s->m;
    const nn_layer *l = &m->layers[i];
    memset(c, 0, sizeof *c);
    c->m = m;
    c->l = l;
    c->s = s;
    c->batch = s->batch;
    c->training = s->cfg.training;
    for (int k = 0; k < l->n_in; k++)
        c->x[k] = l->in[k] < 0 ? (s->input ? s->input : NULL) : s->out[l->in[k]];
    c->y = s->out[i];
    c->ls = &s->ls[i];
    c->rng = &s->rng;
    c->engine = s->engine;
    c->stream = s->stream;
    c->err = &s->err;
    for (int k = 0; k < l->n_param; k++)
        c->pgrad[k] = s->pgrad ? s->pgrad[l->param[k]] : NULL;
    if (s->fuse && s->fuse[i].last > (int)i) {
        c->fuse = &s->fuse[i];
        c->y = s->out[s->fuse[i].last];
    }
}

auris_status auris_nn_forward(auris_nn_state *s, const float *input, int batch,
                              const float **output, auris_error *err)
{
    if (batch < 1 || batch > s->cfg.max_batch)
        return auris_fail(err, AURIS_EINVAL, "batch %d outside 1..%d", batch, s->cfg.max_batch);
    s->batch = batch;
    if (s->cl) {
        const float *y = nn_cl_forward(s->cl, s->m, input, batch);
        if (output)
            *output = y;
        return AURIS_OK;
    }
    if (s->input)
        memcpy(s->input, input, auris_nn_model_input_size(s->m) * (size_t)batch * sizeof(float));
    for (size_t i = 0; i < s->m->n_layers; i++) {
        if (s->skip && s->skip[i])
            continue;
        nn_call c;
        make_call(s, i, &c);
        for (int k = 0; k < c.l->n_in; k++)
            if (c.l->in[k] < 0)
                c.x[k] = s->input ? s->input : input;
        auris_status st = c.l->ops->forward(&c);
        if (st) {
            auris_error_copy(err, &s->err);
            return st;
        }
    }
    if (output)
        *output = s->out[s->m->n_layers - 1];
    return AURIS_OK;
}

auris_status auris_nn_backward(auris_nn_state *s, const float *doutput, auris_error *err)
{
    const auris_nn_model *m = s->m;
    if (!s->cfg.training || s->batch < 1)
        return auris_fail(err, AURIS_EINVAL, "backward needs a training state after a forward pass");
    size_t n = m->n_layers;
    memset(s->written, 0, n + 1);
    memcpy(s->dout[n - 1], doutput,
           nn_shape_size(m->layers[n - 1].out_shape) * (size_t)s->batch * sizeof(float));
    for (size_t j = n; j-- > 0;) {
        if (s->skip[j])
            continue;
        nn_call c;
        make_call(s, j, &c);
        /* a fused group takes the gradient of its last member's output */
        size_t last = (size_t)s->fuse[j].last;
        size_t bytes = nn_shape_size(m->layers[last].out_shape) * (size_t)s->batch * sizeof(float);
        if (last != n - 1 && !s->written[last + 1])
            memset(s->dout[last], 0, bytes);   /* an output nothing reads */
        c.dy = s->dout[last];
        for (int k = 0; k < c.l->n_in; k++) {
            int src = c.l->in[k];
            c.dx[k] = src < 0 ? s->dinput : s->dout[src];
            c.need_dx[k] = src >= 0 || s->cfg.input_grad;
            c.dx_acc[k] = s->written[src + 1];
            s->written[src + 1] = 1;
        }
        auris_status st = c.l->ops->backward(&c);
        if (st) {
            auris_error_copy(err, &s->err);
            return st;
        }
    }
    return AURIS_OK;
}

const float *auris_nn_input_grad(const auris_nn_state *s)
{
    return s->cfg.input_grad ? s->dinput : NULL;
}

const float *auris_nn_param_grad(const auris_nn_state *s, const char *name)
{
    for (size_t i = 0; s->pgrad && i < s->m->n_tensors; i++)
        if (!strcmp(s->m->tensors[i]->name, name))
            return s->pgrad[i];
    return NULL;
}

const float *auris_nn_layer_output(const auris_nn_state *s, size_t i)
{
    if (s->cl)
        return nn_cl_layer_output(s->cl, i);
    return i < s->m->n_layers ? s->out[i] : NULL;
}

const char *auris_nn_state_error(const auris_nn_state *s)
{
    return s->err.message;
}

float *nn_state_param_grad_at(auris_nn_state *s, size_t tensor_index)
{
    return s->pgrad ? s->pgrad[tensor_index] : NULL;
}

auris_status nn_state_update_running_stats(auris_nn_state *s, auris_nn_model *m)
{
    for (size_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].cfg.type == AURIS_NN_BATCHNORM) {
            nn_call c;
            make_call(s, i, &c);
            nn_batchnorm_update_running(&c, m);
        }
    return AURIS_OK;
}
