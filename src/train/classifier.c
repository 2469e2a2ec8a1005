/* A trained classifier: the model file, its metadata (labels, features, duration) and the
 * scoring of recordings of any length by windows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auris/classifier.h"
#include "auris/models.h"
#include "auris/tag.h"
#include "core/error.h"
#include "train/train_internal.h"

#define MAX_CLASSES 100000
#define MAX_PREDICT_S 3600.0

struct auris_trained_classifier {
    auris_nn_model *model;
    auris_nn_state *state;
    int yamnet_head;
    char *label_buf;
    char **labels;
    int classes;
    train_feat_config fc;
    double duration_s;
    train_featurizer *fz;
    train_embedder *emb;
    int max_batch;
    float *in, *clip, *sum;
    double *exps;           /* one row's exponentials (softmax) */
    size_t in_size;
    char name[256];
};

void auris_trained_classifier_config_default(auris_trained_classifier_config *cfg)
{
    cfg->yamnet_path = NULL;
    cfg->max_batch = 16;
}

static auris_status meta_number(const auris_trained_classifier *c, const char *key, double lo, double hi,
                                double *out, auris_error *err)
{
    const char *s = auris_nn_model_meta(c->model, key);
    char *end;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || end == s || *end || !(v >= lo && v <= hi))
        return auris_fail(err, AURIS_EMODEL, "%s: metadata %s %s", c->name, key,
                          s ? "out of range" : "missing");
    *out = v;
    return AURIS_OK;
}

static auris_status parse_labels(auris_trained_classifier *c, auris_error *err)
{
    const char *s = auris_nn_model_meta(c->model, TRAIN_META_LABELS);
    if (!s || !*s)
        return auris_fail(err, AURIS_EMODEL, "%s: no labels in the model file (not made by "
                          "auris train?)", c->name);
    if (!(c->label_buf = strdup(s)))
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    int n = 1;
    for (const char *p = s; *p; p++)
        n += *p == '\n';
    if (n > MAX_CLASSES || (size_t)n != auris_nn_model_output_size(c->model))
        return auris_fail(err, AURIS_EMODEL, "%s: %d labels for %zu outputs", c->name, n,
                          auris_nn_model_output_size(c->model));
    if (!(c->labels = malloc((size_t)n * sizeof *c->labels)))
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    char *p = c->label_buf;
    for (int i = 0; i < n; i++) {
        c->labels[i] = p;
        char *nl = strchr(p, '\n');
        if (nl) {
            *nl = 0;
            p = nl + 1;
        }
    }
    c->classes = n;
    return AURIS_OK;
}

static auris_status setup_features(auris_trained_classifier *c, const auris_trained_classifier_config *cfg,
                                   auris_error *err)
{
    double rate, mels, win, hop, dur;
    auris_status st = meta_number(c, TRAIN_META_RATE, AURIS_MIN_SAMPLE_RATE_HZ,
                                  AURIS_MAX_SAMPLE_RATE_HZ, &rate, err);
    if (!st)
        st = meta_number(c, TRAIN_META_DURATION, 1e-3, 3600, &dur, err);
    if (st)
        return st;
    c->fc.sample_rate_hz = (int)rate;
    c->duration_s = dur;
    c->fc.clip_samples = (size_t)llround(dur * rate);
    if (c->yamnet_head) {
        /* the given file, else the one it was trained with, else $AURIS_YAMNET, else the
         * installed one */
        const char *path = cfg->yamnet_path;
        const char *stored = auris_nn_model_meta(c->model, TRAIN_META_YAMNET);
        char fallback[4096];
        auris_error e = {0};
        if (!path && stored && *stored && access(stored, R_OK) == 0)
            path = stored;
        if (!path && !auris_models_yamnet_path(fallback, sizeof fallback, &e))
            path = fallback;
        if (!path)
            return auris_fail(err, AURIS_EMODEL, "%s: needs the YAMNet model file%s%s (give "
                              "--yamnet FILE or install it with auris models import)", c->name,
                              stored && *stored ? ", not found at " : "", stored ? stored : "");
        c->in_size = AURIS_YAMNET_EMBEDDING;
        return train_embedder_new(path, NULL, &c->emb, err);
    }
    st = meta_number(c, TRAIN_META_MELS, 1, 4096, &mels, err);
    if (!st)
        st = meta_number(c, TRAIN_META_WIN, 2, 1 << 20, &win, err);
    if (!st)
        st = meta_number(c, TRAIN_META_HOP, 1, 1 << 20, &hop, err);
    if (st)
        return st;
    c->fc.n_mels = (int)mels;
    c->fc.win = (int)win;
    c->fc.hop = (int)hop;
    c->fc.top_db = TRAIN_DEFAULT_TOP_DB;
    if (auris_nn_model_meta(c->model, TRAIN_META_TOP_DB)) {
        double top_db;
        st = meta_number(c, TRAIN_META_TOP_DB, 10, 120, &top_db, err);
        if (st)
            return st;
        c->fc.top_db = (float)top_db;
    }
    st = train_featurizer_new(&c->fc, &c->fz, err);
    if (st)
        return st;
    c->in_size = (size_t)c->fc.n_mels * train_featurizer_frames(c->fz);
    if (c->in_size != auris_nn_model_input_size(c->model))
        return auris_fail(err, AURIS_EMODEL, "%s: features give %zu values, the model takes %zu",
                          c->name, c->in_size, auris_nn_model_input_size(c->model));
    return AURIS_OK;
}

auris_status auris_trained_classifier_load(const char *path, const auris_trained_classifier_config *cfg,
                                   auris_trained_classifier **out, auris_error *err)
{
    auris_trained_classifier_config def;
    if (!cfg) {
        auris_trained_classifier_config_default(&def);
        cfg = &def;
    }
    *out = NULL;
    auris_trained_classifier *c = calloc(1, sizeof *c);
    if (!c)
        return auris_fail(err, AURIS_ENOMEM, "out of memory");
    snprintf(c->name, sizeof c->name, "%s", path);
    c->max_batch = cfg->max_batch > 0 ? cfg->max_batch : 16;
    auris_status st = auris_nn_model_load(path, &c->model, err);
    const char *kind = st ? NULL : auris_nn_model_meta(c->model, TRAIN_META_KIND);
    if (!st && (!kind || (strcmp(kind, "cnn") && strcmp(kind, "yamnet-head"))))
        st = auris_fail(err, AURIS_EMODEL, "%s: not a classifier made by auris train", path);
    if (!st) {
        c->yamnet_head = !strcmp(kind, "yamnet-head");
        st = parse_labels(c, err);
    }
    if (!st)
        st = setup_features(c, cfg, err);
    if (!st) {
        auris_nn_state_config sc;
        auris_nn_state_config_default(&sc);
        sc.max_batch = c->max_batch;
        st = auris_nn_state_new(c->model, &sc, &c->state, err);
    }
    if (!st) {
        c->in = malloc((size_t)c->max_batch * c->in_size * sizeof *c->in);
        c->clip = malloc((c->fc.clip_samples ? c->fc.clip_samples : 1) * sizeof *c->clip);
        c->sum = malloc((size_t)c->classes * sizeof *c->sum);
        c->exps = malloc((size_t)c->classes * sizeof *c->exps);
        if (!c->in || !c->clip || !c->sum || !c->exps)
            st = auris_fail(err, AURIS_ENOMEM, "out of memory");
    }
    if (st) {
        auris_trained_classifier_free(c);
        return st;
    }
    *out = c;
    return AURIS_OK;
}

void auris_trained_classifier_free(auris_trained_classifier *c)
{
    if (!c)
        return;
    auris_nn_state_free(c->state);
    auris_nn_model_free(c->model);
    train_featurizer_free(c->fz);
    train_embedder_free(c->emb);
    free(c->label_buf);
    free(c->labels);
    free(c->in);
    free(c->clip);
    free(c->sum);
    free(c->exps);
    free(c);
}

int auris_trained_classifier_class_count(const auris_trained_classifier *c)
{
    return c->classes;
}

const char *auris_trained_classifier_class_name(const auris_trained_classifier *c, int i)
{
    return i >= 0 && i < c->classes ? c->labels[i] : NULL;
}

int auris_trained_classifier_sample_rate(const auris_trained_classifier *c)
{
    return c->fc.sample_rate_hz;
}

double auris_trained_classifier_duration_s(const auris_trained_classifier *c)
{
    return c->duration_s;
}

const auris_nn_model *auris_trained_classifier_model(const auris_trained_classifier *c)
{
    return c->model;
}

void train_softmax_add(const float *logits, int classes, float *sum, double *tmp)
{
    float mx = logits[0];
    for (int j = 1; j < classes; j++)
        mx = logits[j] > mx ? logits[j] : mx;
    double z = 0;
    for (int j = 0; j < classes; j++)
        z += tmp[j] = exp((double)(logits[j] - mx));
    for (int j = 0; j < classes; j++)
        sum[j] += (float)(tmp[j] / z);
}

/* Adds the softmax of each of n output rows to c->sum. */
static auris_status run_batch(auris_trained_classifier *c, int n, auris_error *err)
{
    const float *out;
    auris_status st = auris_nn_forward(c->state, c->in, n, &out, err);
    for (int k = 0; !st && k < n; k++)
        train_softmax_add(out + (size_t)k * c->classes, c->classes, c->sum, c->exps);
    return st;
}

auris_status auris_trained_classifier_predict_buffer(auris_trained_classifier *c, const float *samples,
                                             size_t n, float *scores, auris_error *err)
{
    memset(c->sum, 0, (size_t)c->classes * sizeof *c->sum);
    auris_status st = AURIS_OK;
    int windows = 0;
    if (c->yamnet_head) {
        /* each patch scored on its own, probabilities averaged (as trained) */
        float *p = NULL;
        size_t rows = 0;
        st = train_embed_buffer(c->emb, samples, n, &p, &rows, err);
        for (size_t b = 0; !st && b < rows; b += (size_t)c->max_batch) {
            size_t k = rows - b < (size_t)c->max_batch ? rows - b : (size_t)c->max_batch;
            memcpy(c->in, p + b * c->in_size, k * c->in_size * sizeof *c->in);
            st = run_batch(c, (int)k, err);
        }
        free(p);
        windows = (int)rows;
    } else {
        size_t cn = c->fc.clip_samples, hop = cn / 2 ? cn / 2 : 1;
        /* windows every half clip; the last one ends at the end of the recording */
        size_t count = n <= cn ? 1 : 1 + (n - cn + hop - 1) / hop;
        int in_batch = 0;
        for (size_t w = 0; !st && w < count; w++) {
            long off = n <= cn ? -(long)((cn - n) / 2)
                     : (long)(w + 1 < count ? w * hop : n - cn);
            train_fit_clip(samples, n, off, c->clip, cn);
            train_featurize(c->fz, c->clip, c->in + (size_t)in_batch * c->in_size);
            if (++in_batch == c->max_batch || w + 1 == count) {
                st = run_batch(c, in_batch, err);
                in_batch = 0;
            }
        }
        windows = (int)count;
    }
    for (int j = 0; !st && j < c->classes; j++)
        scores[j] = c->sum[j] / (float)windows;
    return st;
}

auris_status auris_trained_classifier_predict_source(auris_trained_classifier *c, auris_source *src,
                                             float *scores, auris_error *err)
{
    const char *name = auris_source_info(src)->format;
    if (auris_source_channels(src) != 1 || auris_source_sample_rate(src) != c->fc.sample_rate_hz)
        return auris_fail(err, AURIS_EINVAL, "%s source: open it at %d Hz mono", name,
                          c->fc.sample_rate_hz);
    size_t cap = 1 << 16, n = 0, got;
    float *x = malloc(cap * sizeof *x);
    auris_status st = x ? AURIS_OK : auris_fail(err, AURIS_ENOMEM, "out of memory");
    size_t max = (size_t)(MAX_PREDICT_S * c->fc.sample_rate_hz);
    while (!st) {
        if (n == cap) {
            if (cap >= max) {
                st = auris_fail(err, AURIS_ERANGE, "input longer than %g s", MAX_PREDICT_S);
                break;
            }
            float *nx = realloc(x, 2 * cap * sizeof *nx);
            if (!nx) {
                st = auris_fail(err, AURIS_ENOMEM, "out of memory");
                break;
            }
            x = nx;
            cap *= 2;
        }
        st = auris_source_read(src, x + n, cap - n, &got);
        if (st)
            st = auris_fail(err, st, "%s", auris_source_error(src));
        else if (!got)
            break;
        n += got;
    }
    if (!st && !n)
        st = auris_fail(err, AURIS_EEMPTY, "no audio in the input");
    if (!st)
        st = auris_trained_classifier_predict_buffer(c, x, n, scores, err);
    free(x);
    return st;
}

static float level_dbfs(const float *x, size_t n)
{
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (double)x[i] * x[i];
    float db = ss > 0 ? (float)(10.0 * log10(ss / (double)n)) : -120.0f;
    return db < -120.0f ? -120.0f : db;
}

auris_status auris_trained_classifier_stream(auris_trained_classifier *c, auris_source *src,
                                             auris_window_fn fn, void *user, double *duration_s,
                                             auris_error *err)
{
    int rate = c->fc.sample_rate_hz;
    *duration_s = 0;
    if (auris_source_channels(src) != 1 || auris_source_sample_rate(src) != rate)
        return auris_fail(err, AURIS_EINVAL, "%s source: open it at %d Hz mono",
                          auris_source_info(src)->format, rate);
    size_t len = (size_t)(auris_trained_classifier_duration_s(c) * rate + 0.5), hop = len / 2;
    float *win = malloc((len ? len : 1) * sizeof *win);
    float *scores = malloc((size_t)auris_trained_classifier_class_count(c) * sizeof *scores);
    auris_status st = win && scores && hop ? AURIS_OK
                                           : auris_fail(err, AURIS_ENOMEM, "out of memory");
    size_t have = 0, total = 0, start = 0;
    while (!st) {
        size_t got;
        if ((st = auris_source_read(src, win + have, len - have, &got))) {
            auris_fail(err, st, "%s", auris_source_error(src));
            break;
        }
        have += got;
        total += got;
        if (have < len && got)
            continue;
        /* at the end: stop unless the partial window holds samples no window covered */
        if (!have || (!got && start && have <= len - hop))
            break;
        if ((st = auris_trained_classifier_predict_buffer(c, win, have, scores, err)))
            break;
        if (fn((double)start / rate, scores, level_dbfs(win, have), user)) {
            st = auris_fail(err, AURIS_ECANCELED, "stopped by the caller");
            break;
        }
        if (have < len)
            break;
        memmove(win, win + hop, (len - hop) * sizeof *win);
        have = len - hop;
        start += hop;
    }
    if (!st && !total)
        st = auris_fail(err, AURIS_EEMPTY, "no audio in the input");
    *duration_s = (double)total / rate;
    free(win);
    free(scores);
    return st;
}

auris_status auris_trained_classifier_predict_file(auris_trained_classifier *c, const char *path, float *scores,
                                           auris_error *err)
{
    float *x = NULL;
    size_t n = 0;
    auris_status st = train_load_audio(path, c->fc.sample_rate_hz, MAX_PREDICT_S, &x, &n, err);
    if (!st)
        st = auris_trained_classifier_predict_buffer(c, x, n, scores, err);
    free(x);
    return st;
}

auris_status auris_trained_classifier_evaluate(auris_trained_classifier *c, const auris_dataset *d,
                                       auris_metrics *metrics, size_t *skipped, auris_error *err)
{
    int *map = malloc((size_t)(auris_dataset_class_count(d) + 1) * sizeof *map);
    float *scores = malloc((size_t)c->classes * sizeof *scores);
    auris_status st = map && scores ? AURIS_OK : auris_fail(err, AURIS_ENOMEM, "out of memory");
    for (int k = 0; !st && k < auris_dataset_class_count(d); k++) {
        const char *name = auris_dataset_class_name(d, k);
        map[k] = -1;
        for (int j = 0; j < c->classes; j++)
            if (!strcmp(c->labels[j], name))
                map[k] = j;
        if (map[k] < 0)
            st = auris_fail(err, AURIS_EINVAL, "class '%s' is not one of %s's classes", name,
                            c->name);
    }
    size_t bad = 0;
    for (size_t i = 0; !st && i < auris_dataset_count(d); i++) {
        auris_error e = {0};
        if (auris_trained_classifier_predict_file(c, auris_dataset_path(d, i), scores, &e)) {
            if (e.status == AURIS_ENOMEM || e.status == AURIS_EMODEL ||
                e.status == AURIS_EINTERNAL) {
                auris_error_copy(err, &e);
                st = e.status;
                break;
            }
            auris_log(AURIS_LOG_WARN, "skipped %s", e.message);
            bad++;
            continue;
        }
        auris_metrics_add(metrics, map[auris_dataset_label(d, i)], scores);
    }
    if (skipped)
        *skipped = bad;
    free(map);
    free(scores);
    return st;
}
