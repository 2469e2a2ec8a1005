/* The cnn presets: VGG-like stacks of 3x3 convolution, batch norm and ReLU with 2x2 max
 * pooling between stages, global average pooling and a linear classifier. "small" has one
 * convolution per stage (16-32-64-128 channels), "medium" two (32-64-128-256). */
#define _DEFAULT_SOURCE /* realpath */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auris/train.h"
#include "core/error.h"
#include "train/train_internal.h"

#define STAGES 4

static int append(char *buf, size_t cap, size_t *len, const char *fmt, int a, int b)
{
    int k = snprintf(buf + *len, cap - *len, fmt, a, b, a);
    if (k < 0 || (size_t)k >= cap - *len)
        return -1;
    *len += (size_t)k;
    return 0;
}

char *auris_train_preset_cfg(const char *preset, int n_mels, int frames, int classes)
{
    int convs;
    int width;
    if (!preset || !strcmp(preset, "small")) {
        convs = 1;
        width = 16;
    } else if (!strcmp(preset, "medium")) {
        convs = 2;
        width = 32;
    } else {
        return NULL;
    }
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    int bad = append(buf, cap, &len, "[net]\nchannels=1\nheight=%d\nwidth=%d\n", n_mels, frames);
    int layer = 0;
    for (int s = 0; s < STAGES && !bad; s++) {
        for (int k = 0; k < convs && !bad; k++) {
            layer++;
            bad = append(buf, cap, &len,
                         "[conv2d]\nname=conv%d\nfilters=%d\nsize=3\npad=same\nbias=0\n"
                         "[batchnorm]\nname=bn%d\n[relu]\n", layer, width << s);
        }
        if (s + 1 < STAGES && !bad)
            bad = append(buf, cap, &len, "[maxpool]\nsize=2\n", 0, 0);
    }
    if (!bad)
        bad = append(buf, cap, &len, "[globalavgpool]\n[dropout]\np=0.2\n"
                     "[dense]\nname=fc\noutputs=%d\n", classes, 0);
    if (bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

static auris_status meta_int(auris_nn_model *m, const char *key, double v, auris_error *err)
{
    char s[64];
    snprintf(s, sizeof s, "%.9g", v);
    return auris_nn_model_set_meta(m, key, s, err);
}

auris_status train_set_meta(auris_nn_model *m, const auris_train_config *cfg,
                            const train_feat_config *fc, const char *const *labels, int n,
                            auris_error *err)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(labels[i]) + 1;
    char *joined = malloc(len);
    if (!joined)
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    joined[0] = 0;
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(labels[i]);
        memcpy(joined + at, labels[i], l);
        at += l;
        joined[at++] = i + 1 < n ? '\n' : 0;
    }
    joined[at] = 0;
    int yam = cfg->model == AURIS_TRAIN_YAMNET_HEAD;
    auris_status st = auris_nn_model_set_meta(m, TRAIN_META_LABELS, joined, err);
    free(joined);
    if (!st)
        st = auris_nn_model_set_meta(m, TRAIN_META_KIND, yam ? "yamnet-head" : "cnn", err);
    if (!st)
        st = auris_nn_model_set_meta(m, TRAIN_META_FEATURES,
                                     yam ? "yamnet-patch-embeddings" : "logmel-standardised", err);
    if (!st)
        st = meta_int(m, TRAIN_META_RATE, fc->sample_rate_hz, err);
    if (!st)
        st = meta_int(m, TRAIN_META_MELS, fc->n_mels, err);
    if (!st)
        st = meta_int(m, TRAIN_META_WIN, fc->win, err);
    if (!st)
        st = meta_int(m, TRAIN_META_HOP, fc->hop, err);
    if (!st)
        st = meta_int(m, TRAIN_META_DURATION, cfg->duration_s, err);
    if (!st && !yam)
        st = meta_int(m, TRAIN_META_TOP_DB, fc->top_db, err);
    /* absolute, so the model finds YAMNet from any working directory */
    if (!st && yam && cfg->yamnet_path) {
        char *abs = realpath(cfg->yamnet_path, NULL);
        st = auris_nn_model_set_meta(m, TRAIN_META_YAMNET, abs ? abs : cfg->yamnet_path, err);
        free(abs);
    }
    return st;
}
