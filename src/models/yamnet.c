/* YAMNet model files: loading (network, front-end matrices, class names) and the front
 * end, computed as the graph computes it: windowed 400-sample frames zero-padded to 512,
 * products with the file's (quantized) DFT matrices, magnitude, mel product plus offset,
 * natural log. */
#include <dnnl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/yamnet_internal.h"

static auris_status take(const auris_nn_tensor_set *set, const char *path, const char *name,
                         size_t numel, float *dst, auris_error *err)
{
    const auris_nn_tensor *t = auris_nn_tensor_set_get(set, name);
    if (!t || auris_nn_tensor_numel(t) != numel)
        return auris_fail(err, AURIS_EMODEL, "%s: front-end tensor '%s' missing or mis-sized",
                          path, name);
    if (t->dtype == AURIS_NN_I8) {
        for (size_t k = 0; k < numel; k++)
            dst[k] = t->scale * (float)((const int8_t *)t->data)[k];
    } else if (t->dtype == AURIS_NN_F32) {
        memcpy(dst, t->data, numel * sizeof *dst);
    } else {
        return auris_fail(err, AURIS_EMODEL, "%s: front-end tensor '%s' is not float or int8",
                          path, name);
    }
    for (size_t k = 0; k < numel; k++)
        if (!isfinite(dst[k]))
            return auris_fail(err, AURIS_EMODEL, "%s: front-end tensor '%s' is not finite", path,
                              name);
    return AURIS_OK;
}

static auris_status split_classes(auris_yamnet *m, const char *path, const char *text,
                                  auris_error *err)
{
    m->class_text = strdup(text);
    m->mids = calloc((size_t)m->classes, sizeof *m->mids);
    m->names = calloc((size_t)m->classes, sizeof *m->names);
    if (!m->class_text || !m->mids || !m->names)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", path);
    char *p = m->class_text;
    for (int i = 0; i < m->classes; i++) {
        char *tab = strchr(p, '\t'), *nl = tab ? strchr(tab, '\n') : NULL;
        if (!nl)
            return auris_fail(err, AURIS_EMODEL, "%s: class list has fewer than %d classes", path,
                              m->classes);
        *tab = *nl = 0;
        m->mids[i] = p;
        m->names[i] = tab + 1;
        p = nl + 1;
    }
    if (*p)
        return auris_fail(err, AURIS_EMODEL, "%s: class list has more than %d classes", path,
                          m->classes);
    return AURIS_OK;
}

static auris_status from_set(auris_yamnet *m, const auris_nn_tensor_set *set, const char *path,
                             auris_error *err)
{
    const char *kind = auris_nn_tensor_set_meta(set, "auris.kind");
    if (!kind || strcmp(kind, YAMNET_KIND))
        return auris_fail(err, AURIS_EMODEL, "%s: not a YAMNet model (kind '%s')", path,
                          kind ? kind : "none");
    auris_status st = auris_nn_model_from_set(set, path, &m->net, err);
    if (st)
        return st;
    size_t nl = auris_nn_model_layer_count(m->net);
    m->embedding_layer = nl;
    for (size_t i = 0; i < nl; i++)
        if (!strcmp(auris_nn_model_layer(m->net, i)->name, YAMNET_EMBEDDING_LAYER))
            m->embedding_layer = i;
    int shape[3];
    if (m->embedding_layer < nl)
        auris_nn_model_layer_shape(m->net, m->embedding_layer, shape);
    if (m->embedding_layer == nl || shape[0] != AURIS_YAMNET_EMBEDDING || shape[1] != 1 ||
        shape[2] != 1 ||
        auris_nn_model_input_size(m->net) != AURIS_YAMNET_FRAMES * AURIS_YAMNET_BANDS)
        return auris_fail(err, AURIS_EMODEL, "%s: network is not YAMNet-shaped (96 x 64 in, "
                          "1024-d embedding)", path);
    m->classes = (int)auris_nn_model_output_size(m->net);
    const char *off = auris_nn_tensor_set_meta(set, YAMNET_META_FRAME_OFFSET);
    char *end = NULL;
    long o = off ? strtol(off, &end, 10) : -1;
    if (!off || *end || o < 0 || o > YAMNET_FFT - YAMNET_FRAME)
        return auris_fail(err, AURIS_EMODEL, "%s: no valid '%s'", path, YAMNET_META_FRAME_OFFSET);
    m->frame_offset = (int)o;
    const char *classes = auris_nn_tensor_set_meta(set, YAMNET_META_CLASSES);
    if (!classes)
        return auris_fail(err, AURIS_EMODEL, "%s: no class list", path);
    if ((st = split_classes(m, path, classes, err)))
        return st;
    m->window = malloc(YAMNET_FRAME * sizeof *m->window);
    m->dft = malloc(2 * YAMNET_BINS * YAMNET_FFT * sizeof *m->dft);
    m->mel = malloc(AURIS_YAMNET_BANDS * YAMNET_BINS * sizeof *m->mel);
    m->mel_bias = malloc(AURIS_YAMNET_BANDS * sizeof *m->mel_bias);
    if (!m->window || !m->dft || !m->mel || !m->mel_bias)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory", path);
    size_t dft = (size_t)YAMNET_BINS * YAMNET_FFT;
    if ((st = take(set, path, YAMNET_T_WINDOW, YAMNET_FRAME, m->window, err)) ||
        (st = take(set, path, YAMNET_T_DFT_RE, dft, m->dft, err)) ||
        (st = take(set, path, YAMNET_T_DFT_IM, dft, m->dft + dft, err)) ||
        (st = take(set, path, YAMNET_T_MEL, (size_t)AURIS_YAMNET_BANDS * YAMNET_BINS, m->mel, err)))
        return st;
    return take(set, path, YAMNET_T_MEL_BIAS, AURIS_YAMNET_BANDS, m->mel_bias, err);
}

auris_status auris_yamnet_load(const char *path, auris_yamnet **out, auris_error *err)
{
    *out = NULL;
    auris_nn_tensor_set *set;
    auris_status st = auris_nn_safetensors_load(path, &set, err);
    if (st)
        return st;
    auris_yamnet *m = calloc(1, sizeof *m);
    st = m ? from_set(m, set, path, err) : auris_fail(err, AURIS_ENOMEM, "%s: out of memory", path);
    auris_nn_tensor_set_free(set);
    if (st) {
        auris_yamnet_free(m);
        return st;
    }
    *out = m;
    return AURIS_OK;
}

void auris_yamnet_free(auris_yamnet *m)
{
    if (!m)
        return;
    auris_nn_model_free(m->net);
    free(m->window);
    free(m->dft);
    free(m->mel);
    free(m->mel_bias);
    free(m->class_text);
    free(m->mids);
    free(m->names);
    free(m);
}

int auris_yamnet_class_count(const auris_yamnet *m)
{
    return m->classes;
}

const char *auris_yamnet_class_name(const auris_yamnet *m, int i)
{
    return i >= 0 && i < m->classes ? m->names[i] : NULL;
}

const char *auris_yamnet_class_mid(const auris_yamnet *m, int i)
{
    return i >= 0 && i < m->classes ? m->mids[i] : NULL;
}

int auris_yamnet_class_index(const auris_yamnet *m, const char *name)
{
    for (int i = 0; name && i < m->classes; i++)
        if (!strcmp(m->names[i], name) || !strcmp(m->mids[i], name))
            return i;
    return -1;
}

auris_status yamnet_work_init(yamnet_work *w, int max_frames, auris_error *err)
{
    memset(w, 0, sizeof *w);
    w->max_frames = max_frames;
    w->frames = calloc((size_t)max_frames * YAMNET_FFT, sizeof *w->frames);
    w->spectrum = malloc((size_t)max_frames * 2 * YAMNET_BINS * sizeof *w->spectrum);
    w->magnitude = malloc((size_t)max_frames * YAMNET_BINS * sizeof *w->magnitude);
    if (!w->frames || !w->spectrum || !w->magnitude) {
        yamnet_work_free(w);
        return auris_fail(err, AURIS_ENOMEM, "yamnet: out of memory");
    }
    return AURIS_OK;
}

void yamnet_work_free(yamnet_work *w)
{
    free(w->frames);
    free(w->spectrum);
    free(w->magnitude);
    memset(w, 0, sizeof *w);
}

void yamnet_log_mel(const auris_yamnet *m, yamnet_work *w, const float *samples, int n_frames,
                    float *out)
{
    /* frames[f] = window * samples[160 f ...] placed at the graph's offset; the other 112
     * values stay zero */
    for (int f = 0; f < n_frames; f++) {
        float *fr = w->frames + (size_t)f * YAMNET_FFT + m->frame_offset;
        const float *s = samples + (size_t)f * YAMNET_FRAME_HOP;
        for (int k = 0; k < YAMNET_FRAME; k++)
            fr[k] = s[k] * m->window[k];
    }
    const int bins2 = 2 * YAMNET_BINS;
    dnnl_sgemm('N', 'T', n_frames, bins2, YAMNET_FFT, 1.0f, w->frames, YAMNET_FFT, m->dft,
               YAMNET_FFT, 0.0f, w->spectrum, bins2);
    for (int f = 0; f < n_frames; f++) {
        const float *re = w->spectrum + (size_t)f * bins2, *im = re + YAMNET_BINS;
        float *mag = w->magnitude + (size_t)f * YAMNET_BINS;
        for (int b = 0; b < YAMNET_BINS; b++)
            mag[b] = sqrtf(re[b] * re[b] + im[b] * im[b]);
    }
    for (int f = 0; f < n_frames; f++)
        memcpy(out + (size_t)f * AURIS_YAMNET_BANDS, m->mel_bias, AURIS_YAMNET_BANDS * sizeof *out);
    dnnl_sgemm('N', 'T', n_frames, AURIS_YAMNET_BANDS, YAMNET_BINS, 1.0f, w->magnitude, YAMNET_BINS,
               m->mel, YAMNET_BINS, 1.0f, out, AURIS_YAMNET_BANDS);
    for (size_t k = 0; k < (size_t)n_frames * AURIS_YAMNET_BANDS; k++)
        out[k] = logf(out[k]);
}
