/* The cfg text format, after darknet: a [net] section with the input shape, then one
 * [type] section per layer with key=value lines; '#' starts a comment.
 *
 *   [net]            channels=1 height=64 width=96
 *   [conv2d]         name=conv1 filters=32 size=3 stride=1 pad=same dilation=1 groups=1 bias=0
 *   [conv1d]         filters=32 size=5 pad=same    (C x 1 x T sequences)
 *   [batchnorm]      eps=1e-5 momentum=0.1
 *   [layernorm]      eps=1e-5
 *   [lstm] / [gru]   outputs=64                    (hidden size; C x 1 x T sequences)
 *   [posenc] [attention] heads=4                   (self-attention over C x 1 x T)
 *   [embedding]      tokens=1000 outputs=64        (1 x 1 x T token indices)
 *   [cosine]         outputs=500 scale=30          (AAM softmax head)
 *   [relu]
 *   [maxpool]        size=2 stride=2
 *   [add]            from=-1,-4
 *   [dense]          outputs=10
 *
 * size, stride, pad and dilation take "n" or "h,w". The text is untrusted: every value is
 * range-checked and errors name the line. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"
#include "core/file.h"

#define MAX_LAYERS 4096
#define MAX_LINE 256

typedef struct parser {
    const char *name;
    int line;
    auris_error *err;
} parser;

static auris_status bad(const parser *p, const char *what, const char *val)
{
    return auris_fail(p->err, AURIS_EMODEL, "%s:%d: %s '%.40s'", p->name, p->line, what, val);
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return 0;
    *out = (int)v;
    return 1;
}

/* "a" or "a,b" (or up to max comma-separated ints for lists). */
static int parse_ints(const char *s, int lo, int hi, int *out, int max)
{
    char buf[MAX_LINE];
    snprintf(buf, sizeof buf, "%s", s);
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok))
            tok++;
        if (n == max || !parse_int(tok, lo, hi, &out[n]))
            return 0;
        n++;
    }
    return n;
}

static int parse_float(const char *s, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (end == s || *end || errno)
        return 0;
    *out = v;
    return 1;
}

static int pair(const char *val, int lo, int hi, int *a, int *b)
{
    int v[2];
    int n = parse_ints(val, lo, hi, v, 2);
    if (n == 1)
        v[1] = v[0];
    if (n < 1)
        return 0;
    *a = v[0];
    *b = v[1];
    return 1;
}

static auris_status set_key(parser *p, auris_nn_layer_config *lc, int *stride_set,
                            const char *key, const char *val)
{
    int ok = 1;
    if (!strcmp(key, "name")) {
        ok = strlen(val) < sizeof lc->name && val[0];
        for (const char *c = val; ok && *c; c++)
            ok = isalnum((unsigned char)*c) || *c == '_' || *c == '.' || *c == '-';
        if (ok)
            strcpy(lc->name, val);
    } else if (!strcmp(key, "filters") || !strcmp(key, "outputs")) {
        ok = parse_int(val, 1, NN_MAX_DIM, &lc->filters);
    } else if (!strcmp(key, "size")) {
        ok = pair(val, 1, 4096, &lc->size_h, &lc->size_w);
    } else if (!strcmp(key, "stride")) {
        ok = pair(val, 1, 4096, &lc->stride_h, &lc->stride_w);
        *stride_set = 1;
    } else if (!strcmp(key, "pad")) {
        if (!strcmp(val, "same"))
            lc->pad_h = lc->pad_w = AURIS_NN_PAD_SAME;
        else
            ok = pair(val, 0, 4096, &lc->pad_h, &lc->pad_w);
    } else if (!strcmp(key, "dilation")) {
        ok = pair(val, 1, 4096, &lc->dilation_h, &lc->dilation_w);
    } else if (!strcmp(key, "groups") || !strcmp(key, "heads")) {
        ok = parse_int(val, 1, NN_MAX_DIM, &lc->groups);
    } else if (!strcmp(key, "bias")) {
        ok = parse_int(val, 0, 1, &lc->bias);
    } else if (!strcmp(key, "eps")) {
        ok = parse_float(val, &lc->eps) && lc->eps > 0.0f;
    } else if (!strcmp(key, "momentum")) {
        ok = parse_float(val, &lc->momentum);
    } else if (!strcmp(key, "scale")) {
        ok = parse_float(val, &lc->scale) && lc->scale > 0.0f;
    } else if (!strcmp(key, "tokens")) {
        ok = parse_int(val, 1, NN_MAX_DIM, &lc->shape[0]);
    } else if (!strcmp(key, "p")) {
        ok = parse_float(val, &lc->p);
    } else if (!strcmp(key, "shape")) {
        ok = parse_ints(val, 1, NN_MAX_DIM, lc->shape, 3) == 3;
    } else if (!strcmp(key, "from")) {
        lc->n_from = parse_ints(val, -MAX_LAYERS, MAX_LAYERS, lc->from, AURIS_NN_MAX_FROM);
        ok = lc->n_from > 0;
    } else {
        return bad(p, "unknown key", key);
    }
    return ok ? AURIS_OK : bad(p, "bad value for", key);
}

static auris_status set_net_key(parser *p, auris_nn_model_config *net, const char *key,
                                const char *val)
{
    int *dst = !strcmp(key, "channels") ? &net->channels : !strcmp(key, "height") ? &net->height
             : !strcmp(key, "width") ? &net->width : NULL;
    if (!dst)
        return bad(p, "unknown [net] key", key);
    return parse_int(val, 1, NN_MAX_DIM, dst) ? AURIS_OK : bad(p, "bad value for", key);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

typedef struct section {
    int active, is_net;
    auris_nn_layer_config lc;
    int stride_set;
} section;

static auris_status finish(parser *p, auris_nn_model **m, auris_nn_model_config *net, section *s)
{
    auris_status st = AURIS_OK;
    if (!s->active)
        return AURIS_OK;
    if (!*m) {
        auris_error e = {0};
        if (auris_nn_model_new(net, m, &e))
            return auris_fail(p->err, AURIS_EMODEL, "%s:%d: %s", p->name, p->line, e.message);
    }
    if (!s->is_net) {
        if ((s->lc.type == AURIS_NN_MAXPOOL || s->lc.type == AURIS_NN_AVGPOOL) && !s->stride_set) {
            s->lc.stride_h = s->lc.size_h;
            s->lc.stride_w = s->lc.size_w;
        }
        if ((*m)->n_layers >= MAX_LAYERS)
            return bad(p, "too many layers at", "");
        auris_error e = {0};
        st = auris_nn_model_add(*m, &s->lc, &e);
        if (st)
            st = auris_fail(p->err, AURIS_EMODEL, "%s:%d: %s", p->name, p->line, e.message);
    }
    s->active = 0;
    return st;
}

static auris_status parse_line(parser *p, char *line, auris_nn_model **m,
                               auris_nn_model_config *net, section *s)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = 0;
    char *t = trim(line);
    if (!*t)
        return AURIS_OK;
    if (*t == '[') {
        char *close = strchr(t, ']');
        if (!close || close[1])
            return bad(p, "malformed section header", t);
        *close = 0;
        auris_status st = finish(p, m, net, s);
        if (st)
            return st;
        memset(s, 0, sizeof *s);
        s->active = 1;
        if (!strcmp(t + 1, "net")) {
            if (*m)
                return bad(p, "[net] must come first, not after layers", t + 1);
            s->is_net = 1;
            return AURIS_OK;
        }
        int type = auris_nn_layer_type_from_name(t + 1);
        if (type < 0)
            return bad(p, "unknown layer type", t + 1);
        auris_nn_layer_config_default((auris_nn_layer_type)type, &s->lc);
        return AURIS_OK;
    }
    char *eq = strchr(t, '=');
    if (!eq)
        return bad(p, "expected key=value, got", t);
    if (!s->active)
        return bad(p, "key outside a section", t);
    *eq = 0;
    char *key = trim(t), *val = trim(eq + 1);
    return s->is_net ? set_net_key(p, net, key, val) : set_key(p, &s->lc, &s->stride_set, key, val);
}

auris_status auris_nn_model_from_cfg(const char *text, size_t len, const char *name,
                                     auris_nn_model **out, auris_error *err)
{
    *out = NULL;
    parser p = {name, 0, err};
    auris_nn_model_config net;
    auris_nn_model_config_default(&net);
    auris_nn_model *m = NULL;
    section s;
    memset(&s, 0, sizeof s);
    auris_status st = AURIS_OK;
    size_t pos = 0;
    char line[MAX_LINE];
    while (pos < len && !st) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        p.line++;
        if (end - pos >= MAX_LINE) {
            st = bad(&p, "line too long", "");
            break;
        }
        memcpy(line, text + pos, end - pos);
        line[end - pos] = 0;
        if (memchr(text + pos, 0, end - pos))
            st = bad(&p, "NUL byte in line", "");
        else
            st = parse_line(&p, line, &m, &net, &s);
        pos = end + 1;
    }
    if (!st)
        st = finish(&p, &m, &net, &s);
    if (!st && (!m || m->n_layers == 0))
        st = auris_fail(err, AURIS_EMODEL, "%s: no layers", name);
    if (st) {
        auris_nn_model_free(m);
        return st;
    }
    *out = m;
    return AURIS_OK;
}

auris_status auris_nn_model_load_cfg(const char *path, auris_nn_model **out, auris_error *err)
{
    *out = NULL;
    char *buf;
    size_t n;
    auris_status st = auris_read_file(path, 1 << 20, &buf, &n, err);
    if (st)
        return st;
    st = auris_nn_model_from_cfg(buf, n, path, out, err);
    free(buf);
    return st;
}

/* ---- writing ---------------------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) AURIS_PRINTF(2, 3);

#include <stdarg.h>
static void put(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void put_pad(sbuf *b, int h, int w)
{
    if (h == AURIS_NN_PAD_SAME)
        put(b, "pad=same\n");
    else
        put(b, "pad=%d,%d\n", h, w);
}

static void write_layer(sbuf *b, const nn_layer *l)
{
    const auris_nn_layer_config *c = &l->cfg;
    put(b, "\n[%s]\nname=%s\n", auris_nn_layer_type_name(c->type), c->name);
    switch (c->type) {
    case AURIS_NN_CONV2D: case AURIS_NN_CONV1D:
        put(b, "filters=%d\nsize=%d,%d\nstride=%d,%d\n", c->filters, c->size_h, c->size_w,
            c->stride_h, c->stride_w);
        put_pad(b, c->pad_h, c->pad_w);
        put(b, "dilation=%d,%d\ngroups=%d\nbias=%d\n", c->dilation_h, c->dilation_w, c->groups, c->bias);
        break;
    case AURIS_NN_DENSE:
        put(b, "outputs=%d\nbias=%d\n", c->filters, c->bias);
        break;
    case AURIS_NN_LSTM: case AURIS_NN_GRU:
        put(b, "outputs=%d\n", c->filters);
        break;
    case AURIS_NN_ATTENTION:
        put(b, "heads=%d\n", c->groups);
        break;
    case AURIS_NN_EMBEDDING:
        put(b, "outputs=%d\ntokens=%d\n", c->filters, c->shape[0]);
        break;
    case AURIS_NN_COSINE:
        put(b, "outputs=%d\nscale=%.9g\n", c->filters, (double)c->scale);
        break;
    case AURIS_NN_BATCHNORM:
        put(b, "eps=%.9g\nmomentum=%.9g\n", (double)c->eps, (double)c->momentum);
        break;
    case AURIS_NN_LAYERNORM:
        put(b, "eps=%.9g\n", (double)c->eps);
        break;
    case AURIS_NN_MAXPOOL: case AURIS_NN_AVGPOOL:
        put(b, "size=%d,%d\nstride=%d,%d\n", c->size_h, c->size_w, c->stride_h, c->stride_w);
        put_pad(b, c->pad_h, c->pad_w);
        break;
    case AURIS_NN_DROPOUT:
        put(b, "p=%.9g\n", (double)c->p);
        break;
    case AURIS_NN_RESHAPE:
        put(b, "shape=%d,%d,%d\n", c->shape[0], c->shape[1], c->shape[2]);
        break;
    case AURIS_NN_ADD: case AURIS_NN_CONCAT:
        put(b, "from=");
        for (int k = 0; k < c->n_from; k++)
            put(b, k ? ",%d" : "%d", c->from[k]);
        put(b, "\n");
        break;
    default:
        break;
    }
}

char *auris_nn_model_cfg_text(const auris_nn_model *m)
{
    sbuf b = {0};
    put(&b, "[net]\nchannels=%d\nheight=%d\nwidth=%d\n", m->cfg.channels, m->cfg.height,
        m->cfg.width);
    for (size_t i = 0; i < m->n_layers; i++)
        write_layer(&b, &m->layers[i]);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
