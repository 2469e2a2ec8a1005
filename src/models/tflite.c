/* TFLite flatbuffer reader. No flatbuffers code generator for C ships with Debian, so the
 * binary layout is read directly: a table starts with a signed offset back to its vtable,
 * whose 16-bit entries give each field's position in the table (0 = absent, use the
 * schema default); offset fields hold a 32-bit distance forward to a table, vector or
 * string; vectors start with a 32-bit element count. Field numbers follow TensorFlow
 * Lite's schema.fbs. Every position is checked against the buffer before it is read. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/tflite.h"

#define MAX_TENSORS 100000
#define MAX_OPS 100000
#define MAX_STRING 4096

typedef struct fb {
    const uint8_t *b;
    size_t n;
    const char *name;
    auris_error *err;
} fb;

typedef struct table {
    size_t pos, vt;
    unsigned vt_size, size;
} table;

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static int fits(const fb *f, size_t pos, size_t len)
{
    return pos <= f->n && len <= f->n - pos;
}

static auris_status bad(const fb *f, const char *what)
{
    return auris_fail(f->err, AURIS_ECORRUPT, "%s: malformed TFLite file: %s", f->name, what);
}

static auris_status table_at(const fb *f, size_t pos, table *t, const char *what)
{
    if (!fits(f, pos, 4))
        return bad(f, what);
    int64_t vt = (int64_t)pos - (int32_t)get32(f->b + pos);
    if (vt < 0 || !fits(f, (size_t)vt, 4))
        return bad(f, what);
    t->pos = pos;
    t->vt = (size_t)vt;
    t->vt_size = get16(f->b + t->vt);
    t->size = get16(f->b + t->vt + 2);
    if (t->vt_size < 4 || (t->vt_size & 1) || !fits(f, t->vt, t->vt_size) || t->size < 4 ||
        !fits(f, pos, t->size))
        return bad(f, what);
    return AURIS_OK;
}

/* Position of field id holding width bytes, or 0 when the field is absent. */
static auris_status field_pos(const fb *f, const table *t, int id, unsigned width, size_t *pos,
                              const char *what)
{
    *pos = 0;
    unsigned e = 4 + 2 * (unsigned)id;
    if (e + 2 > t->vt_size)
        return AURIS_OK;
    unsigned off = get16(f->b + t->vt + e);
    if (!off)
        return AURIS_OK;
    if (off < 4 || off + width > t->size)
        return bad(f, what);
    *pos = t->pos + off;
    return AURIS_OK;
}

static auris_status scalar(const fb *f, const table *t, int id, unsigned width, int is_signed,
                           int64_t def, int64_t *v, const char *what)
{
    size_t p;
    auris_status st = field_pos(f, t, id, width, &p, what);
    if (st)
        return st;
    if (!p) {
        *v = def;
        return AURIS_OK;
    }
    const uint8_t *q = f->b + p;
    switch (width) {
    case 1: *v = is_signed ? (int64_t)(int8_t)q[0] : (int64_t)q[0]; break;
    case 2: *v = is_signed ? (int64_t)(int16_t)get16(q) : (int64_t)get16(q); break;
    case 4: *v = is_signed ? (int64_t)(int32_t)get32(q) : (int64_t)get32(q); break;
    default: *v = (int64_t)((uint64_t)get32(q) | (uint64_t)get32(q + 4) << 32); break;
    }
    return AURIS_OK;
}

static auris_status int_field(const fb *f, const table *t, int id, unsigned width, int def,
                              int *v, const char *what)
{
    int64_t x;
    auris_status st = scalar(f, t, id, width, 1, def, &x, what);
    if (st)
        return st;
    if (x < -((int64_t)1 << 30) || x > ((int64_t)1 << 30))
        return bad(f, what);
    *v = (int)x;
    return AURIS_OK;
}

/* Target of offset field id, or 0 when absent. */
static auris_status ref(const fb *f, const table *t, int id, size_t *target, const char *what)
{
    size_t p;
    auris_status st = field_pos(f, t, id, 4, &p, what);
    if (st || !p) {
        *target = 0;
        return st;
    }
    uint32_t d = get32(f->b + p);
    if (!d || !fits(f, p, d))
        return bad(f, what);
    *target = p + d;
    return AURIS_OK;
}

/* Vector field id: first element position and count (count 0 when absent). */
static auris_status vector(const fb *f, const table *t, int id, size_t elem, size_t *start,
                           size_t *count, const char *what)
{
    size_t v;
    auris_status st = ref(f, t, id, &v, what);
    *start = 0;
    *count = 0;
    if (st || !v)
        return st;
    if (!fits(f, v, 4))
        return bad(f, what);
    size_t len = get32(f->b + v);
    if (len > (f->n - v - 4) / elem)
        return bad(f, what);
    *start = v + 4;
    *count = len;
    return AURIS_OK;
}

static auris_status vector_table(const fb *f, size_t start, size_t k, table *t, const char *what)
{
    size_t p = start + 4 * k;
    uint32_t d = get32(f->b + p);
    if (!d || !fits(f, p, d))
        return bad(f, what);
    return table_at(f, p + d, t, what);
}

static auris_status string(const fb *f, const table *t, int id, char **out, const char *what)
{
    size_t s, n;
    auris_status st = vector(f, t, id, 1, &s, &n, what);
    if (st)
        return st;
    if (n > MAX_STRING)
        return bad(f, what);
    *out = malloc(n + 1);
    if (!*out)
        return auris_fail(f->err, AURIS_ENOMEM, "%s: out of memory", f->name);
    memcpy(*out, f->b + s, n);
    (*out)[n] = 0;
    return AURIS_OK;
}

static auris_status int_vector(const fb *f, const table *t, int id, int *dst, int max, int *n,
                               int lo, const char *what)
{
    size_t s, c;
    auris_status st = vector(f, t, id, 4, &s, &c, what);
    if (st)
        return st;
    if (c > (size_t)max)
        return bad(f, what);
    for (size_t k = 0; k < c; k++) {
        int32_t v = (int32_t)get32(f->b + s + 4 * k);
        if (v < lo)
            return bad(f, what);
        dst[k] = v;
    }
    *n = (int)c;
    return AURIS_OK;
}

static size_t type_size(int type)
{
    switch (type) {
    case TFL_FLOAT32: case TFL_INT32: return 4;
    case TFL_FLOAT16: return 2;
    case TFL_UINT8: case TFL_INT8: return 1;
    case TFL_INT64: return 8;
    default: return 0;
    }
}

size_t tfl_numel(const tfl_tensor *t)
{
    size_t n = 1;
    for (int d = 0; d < t->ndim; d++) {
        if (t->dims[d] < 0)
            return 0;
        n *= (size_t)t->dims[d];
    }
    return n;
}

static auris_status read_quant(const fb *f, const table *t, tfl_tensor *x, const char *what)
{
    size_t q;
    auris_status st = ref(f, t, 4, &q, what);
    if (st || !q)
        return st;
    table qt;
    size_t ss, ns, zs, nz;
    if ((st = table_at(f, q, &qt, what)) || (st = vector(f, &qt, 2, 4, &ss, &ns, what)) ||
        (st = vector(f, &qt, 3, 8, &zs, &nz, what)) ||
        (st = int_field(f, &qt, 6, 4, 0, &x->quantized_dim, what)))
        return st;
    if (!ns)
        return AURIS_OK;
    if ((nz && nz != ns) || ns > (1u << 20))
        return bad(f, what);
    x->scale = malloc(ns * sizeof *x->scale);
    x->zero_point = calloc(ns, sizeof *x->zero_point);
    if (!x->scale || !x->zero_point)
        return auris_fail(f->err, AURIS_ENOMEM, "%s: out of memory", f->name);
    for (size_t k = 0; k < ns; k++) {
        uint32_t u = get32(f->b + ss + 4 * k);
        memcpy(&x->scale[k], &u, 4);
        if (nz)
            x->zero_point[k] = (int64_t)((uint64_t)get32(f->b + zs + 8 * k) |
                                         (uint64_t)get32(f->b + zs + 8 * k + 4) << 32);
    }
    x->n_scale = (int)ns;
    return AURIS_OK;
}

static auris_status read_tensor(const fb *f, const table *t, size_t bstart,
                                size_t nbuf, tfl_tensor *x)
{
    const char *what = "tensor";
    int64_t type, buf;
    auris_status st;
    if ((st = int_vector(f, t, 0, x->dims, TFL_MAX_DIMS, &x->ndim, -1, "tensor shape")) ||
        (st = scalar(f, t, 1, 1, 1, 0, &type, what)) ||
        (st = scalar(f, t, 2, 4, 0, 0, &buf, what)) || (st = string(f, t, 3, &x->name, what)) ||
        (st = read_quant(f, t, x, "tensor quantization")))
        return st;
    x->type = (int)type;
    if ((size_t)buf >= nbuf && buf)
        return bad(f, "tensor buffer index beyond the buffer list");
    if (!buf)
        return AURIS_OK;
    table bt;
    size_t ds, dn;
    int64_t ext;
    if ((st = vector_table(f, bstart, (size_t)buf, &bt, "buffer")) ||
        (st = vector(f, &bt, 0, 1, &ds, &dn, "buffer data")) ||
        (st = scalar(f, &bt, 1, 8, 0, 0, &ext, "buffer")))
        return st;
    if (ext > 1)
        return auris_fail(f->err, AURIS_EUNSUPPORTED,
                          "%s: tensor data stored outside the flatbuffer is not supported", f->name);
    if (!dn)
        return AURIS_OK;
    size_t es = type_size(x->type), n = tfl_numel(x);
    if (!es || !n || n > dn / es || n * es != dn)
        return auris_fail(f->err, AURIS_ECORRUPT,
                          "%s: tensor '%s' has %zu bytes of data for its shape and type", f->name,
                          x->name ? x->name : "?", dn);
    x->data = f->b + ds;
    x->data_size = dn;
    return AURIS_OK;
}

/* BuiltinOptions union types that carry the options read below. */
enum { OPT_CONV = 1, OPT_DEPTHWISE = 2, OPT_FC = 8, OPT_ADD = 11, OPT_MUL = 21, OPT_GATHER = 23,
       OPT_REDUCER = 27, OPT_STRIDED_SLICE = 32 };

static auris_status read_options(const fb *f, const table *o, tfl_op *op)
{
    const char *what = "operator options";
    int64_t type;
    size_t p;
    auris_status st = scalar(f, o, 3, 1, 0, 0, &type, what);
    if (!st)
        st = ref(f, o, 4, &p, what);
    if (st || !p)
        return st;
    table t;
    if ((st = table_at(f, p, &t, what)))
        return st;
    switch (op->builtin) {
    case TFL_OP_CONV_2D:
        if (type != OPT_CONV)
            return bad(f, "CONV_2D without Conv2DOptions");
        if ((st = int_field(f, &t, 0, 1, 0, &op->padding, what)) ||
            (st = int_field(f, &t, 1, 4, 0, &op->stride_w, what)) ||
            (st = int_field(f, &t, 2, 4, 0, &op->stride_h, what)) ||
            (st = int_field(f, &t, 3, 1, 0, &op->activation, what)) ||
            (st = int_field(f, &t, 4, 4, 1, &op->dilation_w, what)))
            return st;
        return int_field(f, &t, 5, 4, 1, &op->dilation_h, what);
    case TFL_OP_DEPTHWISE_CONV_2D:
        if (type != OPT_DEPTHWISE)
            return bad(f, "DEPTHWISE_CONV_2D without DepthwiseConv2DOptions");
        if ((st = int_field(f, &t, 0, 1, 0, &op->padding, what)) ||
            (st = int_field(f, &t, 1, 4, 0, &op->stride_w, what)) ||
            (st = int_field(f, &t, 2, 4, 0, &op->stride_h, what)) ||
            (st = int_field(f, &t, 3, 4, 0, &op->depth_multiplier, what)) ||
            (st = int_field(f, &t, 4, 1, 0, &op->activation, what)) ||
            (st = int_field(f, &t, 5, 4, 1, &op->dilation_w, what)))
            return st;
        return int_field(f, &t, 6, 4, 1, &op->dilation_h, what);
    case TFL_OP_FULLY_CONNECTED: case TFL_OP_ADD: case TFL_OP_MUL:
        if (type != (op->builtin == TFL_OP_FULLY_CONNECTED ? OPT_FC
                     : op->builtin == TFL_OP_ADD ? OPT_ADD : OPT_MUL))
            return bad(f, "arithmetic operator with options of another operator");
        return int_field(f, &t, 0, 1, 0, &op->activation, what);
    case TFL_OP_GATHER:
        return type == OPT_GATHER ? int_field(f, &t, 0, 4, 0, &op->axis, what)
                                  : bad(f, "GATHER without GatherOptions");
    case TFL_OP_MEAN:
        return type == OPT_REDUCER ? int_field(f, &t, 0, 1, 0, &op->keep_dims, what)
                                   : bad(f, "MEAN without ReducerOptions");
    case TFL_OP_STRIDED_SLICE:
        if (type != OPT_STRIDED_SLICE)
            return bad(f, "STRIDED_SLICE without StridedSliceOptions");
        if ((st = int_field(f, &t, 0, 4, 0, &op->begin_mask, what)) ||
            (st = int_field(f, &t, 1, 4, 0, &op->end_mask, what)) ||
            (st = int_field(f, &t, 2, 4, 0, &op->ellipsis_mask, what)) ||
            (st = int_field(f, &t, 3, 4, 0, &op->new_axis_mask, what)))
            return st;
        return int_field(f, &t, 4, 4, 0, &op->shrink_axis_mask, what);
    default:
        return AURIS_OK;
    }
}

static auris_status read_op(const fb *f, const table *o, const int *codes, size_t ncodes,
                            int n_tensors, tfl_op *op)
{
    int64_t idx;
    auris_status st = scalar(f, o, 0, 4, 0, 0, &idx, "operator");
    if (st)
        return st;
    if ((size_t)idx >= ncodes)
        return bad(f, "operator code index beyond the code list");
    op->builtin = codes[idx];
    op->dilation_w = op->dilation_h = 1;
    if ((st = int_vector(f, o, 1, op->in, TFL_MAX_IO, &op->n_in, -1, "operator inputs")) ||
        (st = int_vector(f, o, 2, op->out, TFL_MAX_IO, &op->n_out, 0, "operator outputs")))
        return st;
    for (int k = 0; k < op->n_in; k++)
        if (op->in[k] >= n_tensors)
            return bad(f, "operator input beyond the tensor list");
    for (int k = 0; k < op->n_out; k++)
        if (op->out[k] >= n_tensors)
            return bad(f, "operator output beyond the tensor list");
    return read_options(f, o, op);
}

static auris_status read_codes(const fb *f, const table *root, int **codes, size_t *n)
{
    size_t s;
    auris_status st = vector(f, root, 1, 4, &s, n, "operator codes");
    if (st)
        return st;
    if (*n > 1000)
        return bad(f, "too many operator codes");
    *codes = calloc(*n ? *n : 1, sizeof **codes);
    if (!*codes)
        return auris_fail(f->err, AURIS_ENOMEM, "%s: out of memory", f->name);
    for (size_t k = 0; k < *n; k++) {
        table c;
        int dep, code;
        if ((st = vector_table(f, s, k, &c, "operator code")) ||
            (st = int_field(f, &c, 0, 1, 0, &dep, "operator code")) ||
            (st = int_field(f, &c, 3, 4, 0, &code, "operator code")))
            return st;
        /* Files from before builtin_code existed keep only the 8-bit field. */
        (*codes)[k] = code > dep ? code : dep;
    }
    return AURIS_OK;
}

static auris_status read_io(const fb *f, const table *g, int id, int **dst, int *n, int n_tensors)
{
    size_t s, c;
    auris_status st = vector(f, g, id, 4, &s, &c, "subgraph inputs/outputs");
    if (st)
        return st;
    if (c > TFL_MAX_IO)
        return bad(f, "too many subgraph inputs/outputs");
    *dst = calloc(c ? c : 1, sizeof **dst);
    if (!*dst)
        return auris_fail(f->err, AURIS_ENOMEM, "%s: out of memory", f->name);
    if ((st = int_vector(f, g, id, *dst, (int)c, n, 0, "subgraph inputs/outputs")))
        return st;
    for (int k = 0; k < *n; k++)
        if ((*dst)[k] >= n_tensors)
            return bad(f, "subgraph input or output beyond the tensor list");
    return AURIS_OK;
}

static auris_status read_graph(const fb *f, const table *root, tfl_model *m)
{
    size_t gs, ng, bs, nb, ts, nt, os, no;
    int *codes = NULL;
    size_t ncodes;
    table g;
    auris_status st;
    if ((st = vector(f, root, 2, 4, &gs, &ng, "subgraphs")))
        return st;
    if (!ng)
        return bad(f, "no subgraph");
    if ((st = vector(f, root, 4, 4, &bs, &nb, "buffers")) ||
        (st = vector_table(f, gs, 0, &g, "subgraph")) ||
        (st = vector(f, &g, 0, 4, &ts, &nt, "tensors")) ||
        (st = vector(f, &g, 3, 4, &os, &no, "operators")))
        return st;
    if (nt > MAX_TENSORS || no > MAX_OPS)
        return auris_fail(f->err, AURIS_ERANGE, "%s: %zu tensors and %zu operators is beyond what "
                          "auris imports", f->name, nt, no);
    m->tensors = calloc(nt ? nt : 1, sizeof *m->tensors);
    m->ops = calloc(no ? no : 1, sizeof *m->ops);
    if (!m->tensors || !m->ops)
        return auris_fail(f->err, AURIS_ENOMEM, "%s: out of memory", f->name);
    for (size_t k = 0; k < nt; k++) {
        table t;
        m->n_tensors = (int)k + 1;
        if ((st = vector_table(f, ts, k, &t, "tensor")) ||
            (st = read_tensor(f, &t, bs, nb, &m->tensors[k])))
            return st;
    }
    if ((st = read_codes(f, root, &codes, &ncodes)))
        goto done;
    for (size_t k = 0; k < no; k++) {
        table o;
        m->n_ops = (int)k + 1;
        if ((st = vector_table(f, os, k, &o, "operator")) ||
            (st = read_op(f, &o, codes, ncodes, m->n_tensors, &m->ops[k])))
            goto done;
    }
    if ((st = read_io(f, &g, 1, &m->inputs, &m->n_inputs, m->n_tensors)) ||
        (st = read_io(f, &g, 2, &m->outputs, &m->n_outputs, m->n_tensors)))
        goto done;
done:
    free(codes);
    return st;
}

auris_status tfl_parse(const uint8_t *bytes, size_t size, const char *name, tfl_model **out,
                       auris_error *err)
{
    *out = NULL;
    fb f = {bytes, size, name, err};
    if (size < 8 || memcmp(bytes + 4, "TFL3", 4))
        return auris_fail(err, AURIS_EFORMAT, "%s: not a TFLite model (no TFL3 identifier)", name);
    tfl_model *m = calloc(1, sizeof *m);
    if (!m)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", name);
    table root;
    auris_status st = table_at(&f, get32(bytes), &root, "root table");
    if (!st)
        st = read_graph(&f, &root, m);
    if (st) {
        tfl_free(m);
        return st;
    }
    *out = m;
    return AURIS_OK;
}

void tfl_free(tfl_model *m)
{
    if (!m)
        return;
    for (int k = 0; k < m->n_tensors; k++) {
        free(m->tensors[k].name);
        free(m->tensors[k].scale);
        free(m->tensors[k].zero_point);
    }
    free(m->tensors);
    free(m->ops);
    free(m->inputs);
    free(m->outputs);
    free(m);
}
