/* safetensors files: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and [begin, end) data offsets, then the raw little-endian data.
 * Every number in the header is untrusted: lengths, dims and offsets are bounded before
 * use, and the tensors must tile the data area exactly. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"
#include "core/file.h"

#define MAX_HEADER_BYTES ((uint64_t)100 << 20)
#define MAX_FILE_BYTES ((size_t)1 << 31)

struct auris_nn_tensor_set {
    auris_nn_tensor **t;
    size_t n, cap;
    char **keys, **vals;
    size_t n_meta;
};

auris_status auris_nn_tensor_set_new(auris_nn_tensor_set **out, auris_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? AURIS_OK : auris_fail(err, AURIS_ENOMEM, "out of memory");
}

void auris_nn_tensor_set_free(auris_nn_tensor_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        auris_nn_tensor_free(s->t[i]);
    for (size_t i = 0; i < s->n_meta; i++) {
        free(s->keys[i]);
        free(s->vals[i]);
    }
    free(s->t);
    free(s->keys);
    free(s->vals);
    free(s);
}

static long find_index(const auris_nn_tensor_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->t[i]->name, name) == 0)
            return (long)i;
    return -1;
}

auris_status nn_tensor_set_take(auris_nn_tensor_set *s, auris_nn_tensor *t, auris_error *err)
{
    long i = find_index(s, t->name);
    if (i >= 0) {
        auris_nn_tensor_free(s->t[i]);
        s->t[i] = t;
        return AURIS_OK;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        auris_nn_tensor **nt = realloc(s->t, cap * sizeof *nt);
        if (!nt) {
            auris_nn_tensor_free(t);
            return auris_fail(err, AURIS_ENOMEM, "out of memory");
        }
        s->t = nt;
        s->cap = cap;
    }
    s->t[s->n++] = t;
    return AURIS_OK;
}

auris_status auris_nn_tensor_set_add(auris_nn_tensor_set *s, const auris_nn_tensor *t,
                                     auris_error *err)
{
    auris_nn_tensor *c;
    auris_status st = auris_nn_tensor_new(t->name, t->dtype, t->ndim, t->dims, &c, err);
    if (st)
        return st;
    c->scale = t->scale;
    size_t bytes = auris_nn_tensor_numel(t) * (t->dtype == AURIS_NN_I8 ? 1 : t->dtype == AURIS_NN_I64 ? 8 : 4);
    memcpy(c->data, t->data, bytes);
    return nn_tensor_set_take(s, c, err);
}

const auris_nn_tensor *auris_nn_tensor_set_get(const auris_nn_tensor_set *s, const char *name)
{
    long i = find_index(s, name);
    return i >= 0 ? s->t[i] : NULL;
}

size_t auris_nn_tensor_set_count(const auris_nn_tensor_set *s)
{
    return s->n;
}

const auris_nn_tensor *auris_nn_tensor_set_at(const auris_nn_tensor_set *s, size_t i)
{
    return i < s->n ? s->t[i] : NULL;
}

auris_status auris_nn_tensor_set_set_meta(auris_nn_tensor_set *s, const char *key,
                                          const char *value, auris_error *err)
{
    char *v = strdup(value);
    if (!v)
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n_meta; i++)
        if (strcmp(s->keys[i], key) == 0) {
            free(s->vals[i]);
            s->vals[i] = v;
            return AURIS_OK;
        }
    char *k = strdup(key);
    char **nk = realloc(s->keys, (s->n_meta + 1) * sizeof *nk);
    if (nk)
        s->keys = nk;
    char **nv = nk ? realloc(s->vals, (s->n_meta + 1) * sizeof *nv) : NULL;
    if (nv)
        s->vals = nv;
    if (!k || !nk || !nv) {
        free(k);
        free(v);
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    }
    s->keys[s->n_meta] = k;
    s->vals[s->n_meta++] = v;
    return AURIS_OK;
}

const char *auris_nn_tensor_set_meta(const auris_nn_tensor_set *s, const char *key)
{
    for (size_t i = 0; i < s->n_meta; i++)
        if (strcmp(s->keys[i], key) == 0)
            return s->vals[i];
    return NULL;
}

int nn_tensor_set_meta_at(const auris_nn_tensor_set *s, size_t i, const char **key,
                          const char **val)
{
    if (i >= s->n_meta)
        return 0;
    *key = s->keys[i];
    *val = s->vals[i];
    return 1;
}

/* ---- reading ---------------------------------------------------------------------- */

typedef struct span {
    uint64_t begin, end;
    const char *name;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* A JSON number that is an exact non-negative integer below 2^53. */
static int json_u64(const cJSON *j, uint64_t *v)
{
    if (!cJSON_IsNumber(j))
        return 0;
    double d = j->valuedouble;
    if (!(d >= 0.0) || d > 9007199254740992.0 || d != floor(d))
        return 0;
    *v = (uint64_t)d;
    return 1;
}

static float half_to_float(uint16_t h)
{
    int e = (h >> 10) & 31, m = h & 1023;
    float v = e == 0 ? ldexpf((float)m, -24)
            : e == 31 ? (m ? NAN : INFINITY) : ldexpf((float)(m | 1024), e - 25);
    return (h & 0x8000) ? -v : v;
}

static float bf16_to_float(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static auris_status parse_tensor(auris_nn_tensor_set *set, const cJSON *e, const uint8_t *data,
                                 uint64_t data_size, const char *name, span *sp,
                                 auris_error *err)
{
    const char *tn = e->string;
    if (!cJSON_IsObject(e))
        return auris_fail(err, AURIS_ECORRUPT, "%s: tensor '%.64s' is not an object", name, tn);
    if (strlen(tn) >= AURIS_NN_NAME_MAX)
        return auris_fail(err, AURIS_ERANGE, "%s: tensor name '%.64s...' too long", name, tn);
    if (auris_nn_tensor_set_get(set, tn))
        return auris_fail(err, AURIS_ECORRUPT, "%s: tensor '%s' appears twice", name, tn);
    const cJSON *jd = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *jo = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(jd) || !cJSON_IsArray(js) || !cJSON_IsArray(jo))
        return auris_fail(err, AURIS_ECORRUPT, "%s: tensor '%s' lacks dtype, shape or data_offsets",
                          name, tn);
    const char *dt = jd->valuestring;
    size_t esize;
    auris_nn_dtype dtype;
    if (!strcmp(dt, "F32")) { esize = 4; dtype = AURIS_NN_F32; }
    else if (!strcmp(dt, "F16") || !strcmp(dt, "BF16")) { esize = 2; dtype = AURIS_NN_F32; }
    else if (!strcmp(dt, "I8")) { esize = 1; dtype = AURIS_NN_I8; }
    else if (!strcmp(dt, "I64")) { esize = 8; dtype = AURIS_NN_I64; }
    else
        return auris_fail(err, AURIS_EUNSUPPORTED, "%s: tensor '%s' has unsupported dtype '%.16s'",
                          name, tn, dt);
    int ndim = cJSON_GetArraySize(js);
    if (ndim > AURIS_NN_MAX_DIMS)
        return auris_fail(err, AURIS_ERANGE, "%s: tensor '%s' has %d dims (at most %d)", name, tn,
                          ndim, AURIS_NN_MAX_DIMS);
    int64_t dims[AURIS_NN_MAX_DIMS];
    uint64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        uint64_t d;
        if (!json_u64(cJSON_GetArrayItem(js, i), &d))
            return auris_fail(err, AURIS_ECORRUPT, "%s: tensor '%s' shape[%d] is not a size", name,
                              tn, i);
        if (d > data_size || (d && numel > data_size / d))
            return auris_fail(err, AURIS_ECORRUPT, "%s: tensor '%s' shape larger than the file data",
                              name, tn);
        numel *= d;
        dims[i] = (int64_t)d;
    }
    uint64_t b, en;
    if (cJSON_GetArraySize(jo) != 2 || !json_u64(cJSON_GetArrayItem(jo, 0), &b) ||
        !json_u64(cJSON_GetArrayItem(jo, 1), &en) || b > en)
        return auris_fail(err, AURIS_ECORRUPT, "%s: tensor '%s' has malformed data_offsets", name, tn);
    if (en > data_size)
        return auris_fail(err, AURIS_ECORRUPT,
                          "%s: tensor '%s' data offsets [%llu, %llu] beyond data size %llu", name,
                          tn, (unsigned long long)b, (unsigned long long)en,
                          (unsigned long long)data_size);
    if (en - b != numel * esize)
        return auris_fail(err, AURIS_ECORRUPT,
                          "%s: tensor '%s' holds %llu bytes but its %s shape needs %llu", name, tn,
                          (unsigned long long)(en - b), dt, (unsigned long long)(numel * esize));
    auris_nn_tensor *t;
    auris_status st = auris_nn_tensor_new(tn, dtype, ndim, dims, &t, err);
    if (st)
        return st;
    const uint8_t *src = data + b;
    if (esize == 2) {
        float *dst = t->data;
        int bf = !strcmp(dt, "BF16");
        for (uint64_t i = 0; i < numel; i++) {
            uint16_t h = (uint16_t)(src[2 * i] | (src[2 * i + 1] << 8));
            dst[i] = bf ? bf16_to_float(h) : half_to_float(h);
        }
    } else {
        memcpy(t->data, src, numel * esize);
    }
    sp->begin = b;
    sp->end = en;
    sp->name = tn;
    return nn_tensor_set_take(set, t, err);
}

static auris_status parse_metadata(auris_nn_tensor_set *set, const cJSON *meta, const char *name,
                                   auris_error *err)
{
    if (!cJSON_IsObject(meta))
        return auris_fail(err, AURIS_ECORRUPT, "%s: __metadata__ is not an object", name);
    for (const cJSON *m = meta->child; m; m = m->next) {
        if (!cJSON_IsString(m))
            return auris_fail(err, AURIS_ECORRUPT, "%s: __metadata__ '%.64s' is not a string",
                              name, m->string);
        auris_status st = auris_nn_tensor_set_set_meta(set, m->string, m->valuestring, err);
        if (st)
            return st;
    }
    return AURIS_OK;
}

static auris_status check_coverage(span *sp, size_t n, uint64_t data_size, const char *name,
                                   auris_error *err)
{
    qsort(sp, n, sizeof *sp, span_cmp);
    uint64_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (sp[i].begin < pos)
            return auris_fail(err, AURIS_ECORRUPT, "%s: tensor '%s' overlaps another tensor's data",
                              name, sp[i].name);
        if (sp[i].begin > pos)
            return auris_fail(err, AURIS_ECORRUPT, "%s: data bytes [%llu, %llu) belong to no tensor",
                              name, (unsigned long long)pos, (unsigned long long)sp[i].begin);
        pos = sp[i].end;
    }
    if (pos != data_size)
        return auris_fail(err, AURIS_ECORRUPT, "%s: data bytes [%llu, %llu) belong to no tensor",
                          name, (unsigned long long)pos, (unsigned long long)data_size);
    return AURIS_OK;
}

/* int8 tensors carry their scale in __metadata__ as "auris.scale.<name>". */
static auris_status read_scale(const auris_nn_tensor_set *set, auris_nn_tensor *t,
                               const char *name, auris_error *err)
{
    char key[AURIS_NN_NAME_MAX + 16];
    snprintf(key, sizeof key, "auris.scale.%s", t->name);
    const char *v = auris_nn_tensor_set_meta(set, key);
    if (!v)
        return AURIS_OK;
    char *end;
    float f = strtof(v, &end);
    if (end == v || *end || !(f > 0.0f) || !isfinite(f))
        return auris_fail(err, AURIS_ECORRUPT, "%s: tensor '%s' has a bad scale '%.20s'", name,
                          t->name, v);
    t->scale = f;
    return AURIS_OK;
}

auris_status auris_nn_safetensors_parse(const void *bytes, size_t size, const char *name,
                                        auris_nn_tensor_set **out, auris_error *err)
{
    *out = NULL;
    const uint8_t *p = bytes;
    if (size < 8)
        return auris_fail(err, AURIS_ECORRUPT, "%s: truncated (%zu bytes, no header length)", name,
                          size);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | p[i];
    if (hlen > size - 8)
        return auris_fail(err, AURIS_ECORRUPT, "%s: header length %llu beyond file size %zu", name,
                          (unsigned long long)hlen, size);
    if (hlen > MAX_HEADER_BYTES)
        return auris_fail(err, AURIS_ERANGE, "%s: header of %llu bytes is too large", name,
                          (unsigned long long)hlen);
    if (hlen < 2 || p[8] != '{')
        return auris_fail(err, AURIS_EFORMAT, "%s: not a safetensors file (header is not JSON)",
                          name);
    cJSON *root = cJSON_ParseWithLength((const char *)p + 8, (size_t)hlen);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return auris_fail(err, AURIS_ECORRUPT, "%s: header is not a JSON object", name);
    }
    const uint8_t *data = p + 8 + hlen;
    uint64_t data_size = size - 8 - hlen;
    auris_nn_tensor_set *set = NULL;
    size_t n = (size_t)cJSON_GetArraySize(root);
    span *sp = calloc(n ? n : 1, sizeof *sp);
    auris_status st = sp ? auris_nn_tensor_set_new(&set, err)
                         : auris_fail(err, AURIS_ENOMEM, "out of memory");
    size_t ns = 0;
    for (const cJSON *e = root->child; e && !st; e = e->next) {
        if (!strcmp(e->string, "__metadata__"))
            st = parse_metadata(set, e, name, err);
        else
            st = parse_tensor(set, e, data, data_size, name, &sp[ns++], err);
    }
    if (!st)
        st = check_coverage(sp, ns, data_size, name, err);
    for (size_t i = 0; !st && set && i < set->n; i++)
        if (set->t[i]->dtype == AURIS_NN_I8)
            st = read_scale(set, set->t[i], name, err);
    free(sp);
    cJSON_Delete(root);
    if (st) {
        auris_nn_tensor_set_free(set);
        return st;
    }
    *out = set;
    return AURIS_OK;
}

auris_status auris_nn_safetensors_load(const char *path, auris_nn_tensor_set **out,
                                       auris_error *err)
{
    char *bytes = NULL;
    size_t size = 0;
    *out = NULL;
    auris_status st = auris_read_file(path, MAX_FILE_BYTES, &bytes, &size, err);
    if (st)
        return st;
    st = auris_nn_safetensors_parse(bytes, size, path, out, err);
    free(bytes);
    return st;
}

/* ---- writing ---------------------------------------------------------------------- */

static size_t elem_size(const auris_nn_tensor *t)
{
    return t->dtype == AURIS_NN_I8 ? 1 : t->dtype == AURIS_NN_I64 ? 8 : 4;
}

static cJSON *build_header(const auris_nn_tensor_set *s)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    int n_i8 = 0;
    for (size_t i = 0; i < s->n; i++)
        n_i8 += s->t[i]->dtype == AURIS_NN_I8;
    if (s->n_meta || n_i8) {
        cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
        for (size_t i = 0; meta && i < s->n_meta; i++)
            if (!cJSON_AddStringToObject(meta, s->keys[i], s->vals[i]))
                meta = NULL;
        for (size_t i = 0; meta && i < s->n; i++) {
            char key[AURIS_NN_NAME_MAX + 16], val[32];
            if (s->t[i]->dtype != AURIS_NN_I8)
                continue;
            snprintf(key, sizeof key, "auris.scale.%s", s->t[i]->name);
            snprintf(val, sizeof val, "%.9g", (double)s->t[i]->scale);
            if (!cJSON_AddStringToObject(meta, key, val))
                meta = NULL;
        }
        if (!meta) {
            cJSON_Delete(root);
            return NULL;
        }
    }
    uint64_t off = 0;
    for (size_t i = 0; i < s->n; i++) {
        const auris_nn_tensor *t = s->t[i];
        cJSON *e = cJSON_AddObjectToObject(root, t->name);
        cJSON *shape = e ? cJSON_AddArrayToObject(e, "shape") : NULL;
        cJSON *offs = shape ? cJSON_AddArrayToObject(e, "data_offsets") : NULL;
        const char *dt = t->dtype == AURIS_NN_I8 ? "I8" : t->dtype == AURIS_NN_I64 ? "I64" : "F32";
        if (!offs || !cJSON_AddStringToObject(e, "dtype", dt)) {
            cJSON_Delete(root);
            return NULL;
        }
        for (int d = 0; d < t->ndim; d++)
            cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->dims[d]));
        uint64_t bytes = auris_nn_tensor_numel(t) * elem_size(t);
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(off + bytes)));
        off += bytes;
    }
    return root;
}

auris_status auris_nn_safetensors_save(const auris_nn_tensor_set *s, const char *path,
                                       auris_error *err)
{
    cJSON *root = build_header(s);
    char *json = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!json)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory for header", path);
    size_t len = strlen(json);
    size_t padded = (len + 7) / 8 * 8;
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(json);
        return auris_fail(err, AURIS_EIO, "%s: cannot create: %s", path, strerror(errno));
    }
    uint8_t hdr[8];
    for (int i = 0; i < 8; i++)
        hdr[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    int ok = fwrite(hdr, 1, 8, f) == 8 && fwrite(json, 1, len, f) == len;
    for (size_t i = len; ok && i < padded; i++)
        ok = fputc(' ', f) != EOF;
    for (size_t i = 0; ok && i < s->n; i++) {
        size_t bytes = auris_nn_tensor_numel(s->t[i]) * elem_size(s->t[i]);
        ok = fwrite(s->t[i]->data, 1, bytes, f) == bytes;
    }
    free(json);
    if (fclose(f) != 0 || !ok)
        return auris_fail(err, AURIS_EIO, "%s: write error", path);
    return AURIS_OK;
}
