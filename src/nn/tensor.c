/* Tensors: named n-d arrays of float32 (or int8 with a per-tensor scale). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/nn_internal.h"

size_t auris_nn_tensor_numel(const auris_nn_tensor *t)
{
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= (size_t)t->dims[i];
    return n;
}

static size_t dtype_size(auris_nn_dtype dtype)
{
    return dtype == AURIS_NN_I8 ? 1 : dtype == AURIS_NN_I64 ? 8 : 4;
}

auris_status auris_nn_tensor_new(const char *name, auris_nn_dtype dtype, int ndim,
                                 const int64_t *dims, auris_nn_tensor **out, auris_error *err)
{
    *out = NULL;
    if (ndim < 0 || ndim > AURIS_NN_MAX_DIMS || strlen(name) >= AURIS_NN_NAME_MAX)
        return auris_fail(err, AURIS_EINVAL, "%s: bad tensor rank or name", name);
    size_t n = dtype_size(dtype);
    for (int i = 0; i < ndim; i++) {
        if (dims[i] < 0 || (dims[i] > 0 && n > ((size_t)1 << 40) / (size_t)dims[i]))
            return auris_fail(err, AURIS_ERANGE, "%s: tensor dims too large", name);
        n *= (size_t)dims[i];
    }
    auris_nn_tensor *t = calloc(1, sizeof *t);
    void *data = calloc(n ? n : 1, 1);
    if (!t || !data) {
        free(t);
        free(data);
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory for tensor", name);
    }
    strcpy(t->name, name);
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->dims[i] = dims[i];
    t->scale = 1.0f;
    t->data = data;
    *out = t;
    return AURIS_OK;
}

void auris_nn_tensor_free(auris_nn_tensor *t)
{
    if (!t)
        return;
    free(t->data);
    free(t);
}

auris_status auris_nn_tensor_quantize(const auris_nn_tensor *src, auris_nn_tensor **out,
                                      auris_error *err)
{
    if (src->dtype != AURIS_NN_F32)
        return auris_fail(err, AURIS_EINVAL, "%s: only float32 tensors quantize", src->name);
    auris_status st = auris_nn_tensor_new(src->name, AURIS_NN_I8, src->ndim, src->dims, out, err);
    if (st)
        return st;
    size_t n = auris_nn_tensor_numel(src);
    const float *x = src->data;
    float amax = 0.0f;
    for (size_t i = 0; i < n; i++)
        amax = fmaxf(amax, fabsf(x[i]));
    float scale = amax > 0.0f ? amax / 127.0f : 1.0f;
    int8_t *q = (*out)->data;
    for (size_t i = 0; i < n; i++)
        q[i] = (int8_t)lrintf(fminf(127.0f, fmaxf(-127.0f, x[i] / scale)));
    (*out)->scale = scale;
    return AURIS_OK;
}

auris_status auris_nn_tensor_dequantize(const auris_nn_tensor *src, auris_nn_tensor **out,
                                        auris_error *err)
{
    if (src->dtype != AURIS_NN_I8)
        return auris_fail(err, AURIS_EINVAL, "%s: not an int8 tensor", src->name);
    auris_status st = auris_nn_tensor_new(src->name, AURIS_NN_F32, src->ndim, src->dims, out, err);
    if (st)
        return st;
    size_t n = auris_nn_tensor_numel(src);
    const int8_t *q = src->data;
    float *x = (*out)->data;
    for (size_t i = 0; i < n; i++)
        x[i] = src->scale * (float)q[i];
    return AURIS_OK;
}

float nn_rng_uniform(uint64_t *state)
{
    return (float)(auris_splitmix64(state) >> 40) * (1.0f / 16777216.0f);
}

float nn_rng_normal(uint64_t *state)
{
    float u1 = nn_rng_uniform(state), u2 = nn_rng_uniform(state);
    return sqrtf(-2.0f * logf(u1 + 1e-12f)) * cosf(6.2831853f * u2);
}

auris_status nn_dnnl_check(dnnl_status_t st, const char *what, auris_error *err)
{
    if (st == dnnl_success)
        return AURIS_OK;
    return auris_fail(err, st == dnnl_out_of_memory ? AURIS_ENOMEM : AURIS_EINTERNAL,
                      "oneDNN: %s failed (status %d)", what, (int)st);
}

void nn_dnnl_md(dnnl_memory_desc_t *md, int ndims, const int64_t *dims, dnnl_format_tag_t tag)
{
    dnnl_dims_t d;
    for (int i = 0; i < ndims; i++)
        d[i] = dims[i];
    dnnl_memory_desc_init_by_tag(md, ndims, d, dnnl_f32, tag);
}

auris_status nn_dnnl_run(dnnl_primitive_t prim, dnnl_stream_t stream, int nargs,
                         const dnnl_exec_arg_t *args, const char *what, auris_error *err)
{
    auris_status st = nn_dnnl_check(dnnl_primitive_execute(prim, stream, nargs, args), what, err);
    if (st)
        return st;
    return nn_dnnl_check(dnnl_stream_wait(stream), what, err);
}
