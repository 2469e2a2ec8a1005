/* The model: an ordered list of layers (each reading the previous layer or, for add and
 * concat, earlier ones), their parameters and metadata. Read-only once built. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

static const char *const type_names[AURIS_NN_LAYER_TYPE_COUNT] = {
    "conv2d", "dense", "batchnorm", "relu", "relu6", "sigmoid", "tanh", "gelu", "silu",
    "softmax", "logsoftmax", "maxpool", "avgpool", "globalavgpool", "globalmaxpool",
    "dropout", "flatten", "reshape", "concat", "add", "conv1d", "layernorm", "lstm", "gru", "attention", "posenc", "embedding", "cosine"};

const char *auris_nn_layer_type_name(auris_nn_layer_type type)
{
    return (unsigned)type < AURIS_NN_LAYER_TYPE_COUNT ? type_names[type] : "?";
}

int auris_nn_layer_type_from_name(const char *name)
{
    return auris_name_index(type_names, AURIS_NN_LAYER_TYPE_COUNT, name);
}

const nn_layer_ops *nn_layer_ops_for(auris_nn_layer_type type)
{
    switch (type) {
    case AURIS_NN_CONV2D: case AURIS_NN_CONV1D: return &nn_conv2d_ops;
    case AURIS_NN_LAYERNORM: return &nn_layernorm_ops;
    case AURIS_NN_LSTM: return &nn_lstm_ops;
    case AURIS_NN_GRU: return &nn_gru_ops;
    case AURIS_NN_ATTENTION: return &nn_attention_ops;
    case AURIS_NN_POSENC: return &nn_posenc_ops;
    case AURIS_NN_EMBEDDING: return &nn_embedding_ops;
    case AURIS_NN_COSINE: return &nn_cosine_ops;
    case AURIS_NN_DENSE: return &nn_dense_ops;
    case AURIS_NN_BATCHNORM: return &nn_batchnorm_ops;
    case AURIS_NN_RELU: case AURIS_NN_RELU6: case AURIS_NN_SIGMOID: case AURIS_NN_TANH:
    case AURIS_NN_GELU: case AURIS_NN_SILU: return &nn_activation_ops;
    case AURIS_NN_SOFTMAX: case AURIS_NN_LOGSOFTMAX: return &nn_softmax_ops;
    case AURIS_NN_MAXPOOL: case AURIS_NN_AVGPOOL: case AURIS_NN_GLOBALAVGPOOL:
    case AURIS_NN_GLOBALMAXPOOL: return &nn_pool_ops;
    case AURIS_NN_DROPOUT: return &nn_dropout_ops;
    case AURIS_NN_FLATTEN: case AURIS_NN_RESHAPE: return &nn_reshape_ops;
    case AURIS_NN_CONCAT: return &nn_concat_ops;
    case AURIS_NN_ADD: return &nn_add_ops;
    case AURIS_NN_LAYER_TYPE_COUNT: break;
    }
    return NULL;
}

void auris_nn_layer_config_default(auris_nn_layer_type type, auris_nn_layer_config *lc)
{
    memset(lc, 0, sizeof *lc);
    lc->type = type;
    lc->filters = 1;
    int conv = type == AURIS_NN_CONV2D || type == AURIS_NN_CONV1D;
    lc->size_h = lc->size_w = conv ? 3 : 2;
    lc->stride_h = lc->stride_w = conv ? 1 : lc->size_h;
    lc->dilation_h = lc->dilation_w = 1;
    lc->groups = 1;
    lc->bias = 1;
    lc->eps = 1e-5f;
    lc->momentum = 0.1f;
    lc->p = 0.5f;
    lc->scale = 30.0f;
    lc->n_from = type == AURIS_NN_ADD || type == AURIS_NN_CONCAT ? 2 : 1;
    lc->from[0] = -1;
    lc->from[1] = -2;
}

void auris_nn_model_config_default(auris_nn_model_config *cfg)
{
    cfg->channels = 1;
    cfg->height = 64;
    cfg->width = 96;
}

auris_status auris_nn_model_new(const auris_nn_model_config *cfg, auris_nn_model **out,
                                auris_error *err)
{
    *out = NULL;
    if (cfg->channels < 1 || cfg->height < 1 || cfg->width < 1 || cfg->channels > NN_MAX_DIM ||
        cfg->height > NN_MAX_DIM || cfg->width > NN_MAX_DIM ||
        (size_t)cfg->channels * (size_t)cfg->height * (size_t)cfg->width > NN_MAX_SAMPLE_ELEMS)
        return auris_fail(err, AURIS_ERANGE, "model input %dx%dx%d is out of range", cfg->channels,
                          cfg->height, cfg->width);
    auris_nn_model *m = calloc(1, sizeof *m);
    if (!m)
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    m->cfg = *cfg;
    *out = m;
    return AURIS_OK;
}

void auris_nn_model_free(auris_nn_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_tensors; i++)
        auris_nn_tensor_free(m->tensors[i]);
    for (size_t i = 0; i < m->n_meta; i++) {
        free(m->meta_keys[i]);
        free(m->meta_vals[i]);
    }
    free(m->meta_keys);
    free(m->meta_vals);
    free(m->tensors);
    free(m->trainable);
    free(m->layers);
    free(m);
}

auris_status nn_model_add_param(auris_nn_model *m, nn_layer *l, const char *suffix, int ndim,
                                const int64_t *dims, int trainable, auris_error *err)
{
    char name[AURIS_NN_NAME_MAX];
    snprintf(name, sizeof name, "%s.%s", l->cfg.name, suffix);
    if (l->n_param == NN_MAX_PARAMS)
        return auris_fail(err, AURIS_EINTERNAL, "%s: too many parameters", name);
    if (m->n_tensors == m->cap_tensors) {
        size_t cap = m->cap_tensors ? m->cap_tensors * 2 : 16;
        auris_nn_tensor **t = realloc(m->tensors, cap * sizeof *t);
        if (t)
            m->tensors = t;
        unsigned char *tr = t ? realloc(m->trainable, cap) : NULL;
        if (!tr)
            return auris_fail(err, AURIS_ENOMEM, "out of memory");
        m->trainable = tr;
        m->cap_tensors = cap;
    }
    auris_nn_tensor *t;
    auris_status st = auris_nn_tensor_new(name, AURIS_NN_F32, ndim, dims, &t, err);
    if (st)
        return st;
    m->trainable[m->n_tensors] = (unsigned char)trainable;
    l->param[l->n_param++] = (int)m->n_tensors;
    m->tensors[m->n_tensors++] = t;
    return AURIS_OK;
}

static auris_status resolve_inputs(const auris_nn_model *m, nn_layer *l, auris_error *err)
{
    int idx = (int)m->n_layers;
    int n = l->cfg.type == AURIS_NN_ADD || l->cfg.type == AURIS_NN_CONCAT ? l->cfg.n_from : 1;
    if (n < 1 || n > AURIS_NN_MAX_FROM)
        return auris_fail(err, AURIS_EINVAL, "layer %d (%s): joins %d inputs (1 to %d)", idx,
                          l->cfg.name, n, AURIS_NN_MAX_FROM);
    l->n_in = n;
    for (int k = 0; k < n; k++) {
        int f = n == 1 && l->cfg.type != AURIS_NN_ADD && l->cfg.type != AURIS_NN_CONCAT
                    ? -1 : l->cfg.from[k];
        int src = f < 0 ? idx + f : f;
        if (src < -1 || src >= idx)
            return auris_fail(err, AURIS_EINVAL, "layer %d (%s): input %d refers to no earlier layer",
                              idx, l->cfg.name, f);
        l->in[k] = src;
        const int *shape = src < 0 ? (const int[3]){m->cfg.channels, m->cfg.height, m->cfg.width}
                                   : m->layers[src].out_shape;
        memcpy(l->in_shape[k], shape, sizeof l->in_shape[k]);
    }
    return AURIS_OK;
}

auris_status auris_nn_model_add(auris_nn_model *m, const auris_nn_layer_config *lc,
                                auris_error *err)
{
    const nn_layer_ops *ops = nn_layer_ops_for(lc->type);
    if (!ops)
        return auris_fail(err, AURIS_EINVAL, "unknown layer type %d", (int)lc->type);
    if (m->n_layers == m->cap_layers) {
        size_t cap = m->cap_layers ? m->cap_layers * 2 : 16;
        nn_layer *nl = realloc(m->layers, cap * sizeof *nl);
        if (!nl)
            return auris_fail(err, AURIS_ENOMEM, "out of memory");
        m->layers = nl;
        m->cap_layers = cap;
    }
    nn_layer *l = &m->layers[m->n_layers];
    memset(l, 0, sizeof *l);
    l->cfg = *lc;
    l->cfg.name[sizeof l->cfg.name - 1] = 0;
    if (!l->cfg.name[0])
        snprintf(l->cfg.name, sizeof l->cfg.name, "layers.%zu", m->n_layers);
    for (size_t i = 0; i < m->n_layers; i++)
        if (strcmp(m->layers[i].cfg.name, l->cfg.name) == 0)
            return auris_fail(err, AURIS_EINVAL, "layer %zu: name '%s' already used", m->n_layers,
                              l->cfg.name);
    if (lc->type == AURIS_NN_CONV1D) {
        /* a 1-D convolution is a 2-D one over a height of 1 */
        l->cfg.size_h = l->cfg.stride_h = l->cfg.dilation_h = 1;
        l->cfg.pad_h = 0;
    }
    l->ops = ops;
    size_t first_param = m->n_tensors;
    auris_status st = resolve_inputs(m, l, err);
    if (!st)
        st = ops->setup(m, l, err);
    if (!st) {
        for (int k = 0; k < 3; k++)
            if (l->out_shape[k] < 1 || l->out_shape[k] > NN_MAX_DIM)
                st = auris_fail(err, AURIS_ERANGE, "layer %zu (%s): output shape %dx%dx%d invalid",
                                m->n_layers, l->cfg.name, l->out_shape[0], l->out_shape[1],
                                l->out_shape[2]);
        if (!st && nn_shape_size(l->out_shape) > NN_MAX_SAMPLE_ELEMS)
            st = auris_fail(err, AURIS_ERANGE, "layer %zu (%s): output too large", m->n_layers,
                            l->cfg.name);
    }
    if (st) {
        while (m->n_tensors > first_param)
            auris_nn_tensor_free(m->tensors[--m->n_tensors]);
        return st;
    }
    m->n_layers++;
    return AURIS_OK;
}

void auris_nn_model_init_weights(auris_nn_model *m, uint64_t seed)
{
    uint64_t rng = seed;
    for (size_t i = 0; i < m->n_tensors; i++) {
        auris_nn_tensor *t = m->tensors[i];
        float *d = t->data;
        size_t n = auris_nn_tensor_numel(t);
        const char *suffix = strrchr(t->name, '.');
        suffix = suffix ? suffix + 1 : t->name;
        float fill = !strcmp(suffix, "running_var") ? 1.0f : 0.0f;
        int is_bn_weight = 0;
        for (size_t l = 0; l < m->n_layers; l++)
            if (m->layers[l].cfg.type == AURIS_NN_BATCHNORM && m->layers[l].param[0] == (int)i)
                is_bn_weight = 1;
        if (is_bn_weight)
            fill = 1.0f;
        if (t->ndim >= 2 && m->trainable[i]) {
            size_t fan_in = n / (size_t)t->dims[0];
            float bound = sqrtf(6.0f / (float)fan_in);
            for (size_t k = 0; k < n; k++)
                d[k] = (2.0f * nn_rng_uniform(&rng) - 1.0f) * bound;
        } else {
            for (size_t k = 0; k < n; k++)
                d[k] = fill;
        }
    }
}

static const char *shape_str(const auris_nn_tensor *t, char *buf, size_t len)
{
    size_t pos = (size_t)snprintf(buf, len, "[");
    for (int d = 0; d < t->ndim && pos < len; d++)
        pos += (size_t)snprintf(buf + pos, len - pos, d ? ", %lld" : "%lld", (long long)t->dims[d]);
    if (pos < len)
        snprintf(buf + pos, len - pos, "]");
    return buf;
}

auris_status auris_nn_model_set_weights(auris_nn_model *m, const auris_nn_tensor_set *s,
                                        const char *name, auris_error *err)
{
    for (size_t i = 0; i < m->n_tensors; i++) {
        auris_nn_tensor *t = m->tensors[i];
        const auris_nn_tensor *src = auris_nn_tensor_set_get(s, t->name);
        if (!src)
            return auris_fail(err, AURIS_EMODEL, "%s: tensor '%s' missing", name, t->name);
        if (src->dtype != AURIS_NN_F32 && src->dtype != AURIS_NN_I8)
            return auris_fail(err, AURIS_EMODEL, "%s: tensor '%s' is not float", name, t->name);
        int same = src->ndim == t->ndim;
        for (int d = 0; same && d < t->ndim; d++)
            same = src->dims[d] == t->dims[d];
        if (!same)
            return auris_fail(err, AURIS_EMODEL, "%s: tensor '%s' has shape %s, the model needs %s",
                              name, t->name, shape_str(src, (char[96]){0}, 96),
                              shape_str(t, (char[96]){0}, 96));
        size_t n = auris_nn_tensor_numel(t);
        if (src->dtype == AURIS_NN_I8) {
            const int8_t *q = src->data;
            float *d = t->data;
            for (size_t k = 0; k < n; k++)
                d[k] = src->scale * (float)q[k];
        } else {
            memcpy(t->data, src->data, n * sizeof(float));
        }
    }
    return AURIS_OK;
}

auris_status auris_nn_model_set_meta(auris_nn_model *m, const char *key, const char *value,
                                     auris_error *err)
{
    char *v = strdup(value);
    if (!v)
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    for (size_t i = 0; i < m->n_meta; i++)
        if (!strcmp(m->meta_keys[i], key)) {
            free(m->meta_vals[i]);
            m->meta_vals[i] = v;
            return AURIS_OK;
        }
    char *k = strdup(key);
    char **nk = realloc(m->meta_keys, (m->n_meta + 1) * sizeof *nk);
    if (nk)
        m->meta_keys = nk;
    char **nv = nk ? realloc(m->meta_vals, (m->n_meta + 1) * sizeof *nv) : NULL;
    if (nv)
        m->meta_vals = nv;
    if (!k || !nv) {
        free(k);
        free(v);
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    }
    m->meta_keys[m->n_meta] = k;
    m->meta_vals[m->n_meta++] = v;
    return AURIS_OK;
}

const char *auris_nn_model_meta(const auris_nn_model *m, const char *key)
{
    for (size_t i = 0; i < m->n_meta; i++)
        if (!strcmp(m->meta_keys[i], key))
            return m->meta_vals[i];
    return NULL;
}

size_t auris_nn_model_layer_count(const auris_nn_model *m)
{
    return m->n_layers;
}

const auris_nn_layer_config *auris_nn_model_layer(const auris_nn_model *m, size_t i)
{
    return i < m->n_layers ? &m->layers[i].cfg : NULL;
}

void auris_nn_model_layer_shape(const auris_nn_model *m, size_t i, int shape[3])
{
    memcpy(shape, m->layers[i].out_shape, 3 * sizeof(int));
}

size_t auris_nn_model_input_size(const auris_nn_model *m)
{
    return (size_t)m->cfg.channels * (size_t)m->cfg.height * (size_t)m->cfg.width;
}

size_t auris_nn_model_output_size(const auris_nn_model *m)
{
    return m->n_layers ? nn_shape_size(m->layers[m->n_layers - 1].out_shape)
                       : auris_nn_model_input_size(m);
}

size_t auris_nn_model_param_count(const auris_nn_model *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_tensors; i++)
        if (m->trainable[i])
            n += auris_nn_tensor_numel(m->tensors[i]);
    return n;
}

size_t auris_nn_model_tensor_count(const auris_nn_model *m)
{
    return m->n_tensors;
}

auris_nn_tensor *auris_nn_model_tensor(auris_nn_model *m, size_t i)
{
    return i < m->n_tensors ? m->tensors[i] : NULL;
}

const auris_nn_tensor *auris_nn_model_find(const auris_nn_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_tensors; i++)
        if (!strcmp(m->tensors[i]->name, name))
            return m->tensors[i];
    return NULL;
}

double auris_nn_model_macs(const auris_nn_model *m)
{
    double macs = 0.0;
    for (size_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].ops->macs)
            macs += m->layers[i].ops->macs(&m->layers[i]);
    return macs;
}
