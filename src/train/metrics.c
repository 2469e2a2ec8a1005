/* Classification metrics accumulated from a confusion matrix plus a top-k hit counter; every
 * per-class figure is derived from the matrix on demand, so adding a sample stays O(classes). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auris/metrics.h"
#include "core/error.h"

#define MAX_CLASSES 4096 /* the confusion matrix is classes^2 counts: 128 MiB here */
#define TOP_K 5

struct auris_metrics {
    int classes;
    int64_t samples;
    int64_t top1_hits, topk_hits;
    int64_t *confusion; /* [true * classes + pred] */
};

auris_status auris_metrics_new(int classes, auris_metrics **out, auris_error *err)
{
    *out = NULL;
    if (classes < 1 || classes > MAX_CLASSES)
        return auris_fail(err, AURIS_EINVAL, "metrics: %d classes is outside 1..%d", classes,
                          MAX_CLASSES);
    auris_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return auris_fail(err, AURIS_ENOMEM, "metrics: out of memory");
    m->classes = classes;
    m->confusion = calloc((size_t)classes * (size_t)classes, sizeof *m->confusion);
    if (!m->confusion) {
        free(m);
        return auris_fail(err, AURIS_ENOMEM, "metrics: out of memory for %d classes", classes);
    }
    *out = m;
    return AURIS_OK;
}

void auris_metrics_free(auris_metrics *m)
{
    if (!m)
        return;
    free(m->confusion);
    free(m);
}

void auris_metrics_reset(auris_metrics *m)
{
    m->samples = m->top1_hits = m->topk_hits = 0;
    memset(m->confusion, 0, (size_t)m->classes * (size_t)m->classes * sizeof *m->confusion);
}

/* j ranks above t when its score is higher, or equal with a lower index; NaN ranks last. */
static int ranks_above(const float *s, int j, int t)
{
    if (isnan(s[j]))
        return 0;
    if (isnan(s[t]))
        return 1;
    return s[j] > s[t] || (s[j] == s[t] && j < t);
}

static int argmax(const float *s, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (ranks_above(s, j, best))
            best = j;
    return best;
}

void auris_metrics_add(auris_metrics *m, int true_label, const float *scores)
{
    if (true_label < 0 || true_label >= m->classes)
        return;
    int pred = argmax(scores, m->classes);
    int above = 0;
    for (int j = 0; j < m->classes; j++)
        above += j != true_label && ranks_above(scores, j, true_label);
    m->samples++;
    m->top1_hits += pred == true_label;
    m->topk_hits += above < TOP_K;
    m->confusion[(size_t)true_label * (size_t)m->classes + (size_t)pred]++;
}

static double ratio(int64_t num, int64_t den)
{
    return den > 0 ? (double)num / (double)den : 0.0;
}

double auris_metrics_top1(const auris_metrics *m)
{
    return ratio(m->top1_hits, m->samples);
}

double auris_metrics_top5(const auris_metrics *m)
{
    return ratio(m->topk_hits, m->samples);
}

int64_t auris_metrics_samples(const auris_metrics *m)
{
    return m->samples;
}

int auris_metrics_classes(const auris_metrics *m)
{
    return m->classes;
}

const int64_t *auris_metrics_confusion(const auris_metrics *m)
{
    return m->confusion;
}

/* Row c sums to the class's support, column c to how often it was predicted. */
static void class_counts(const auris_metrics *m, int c, int64_t *tp, int64_t *support,
                         int64_t *predicted)
{
    size_t n = (size_t)m->classes;
    *tp = m->confusion[(size_t)c * n + (size_t)c];
    *support = *predicted = 0;
    for (size_t j = 0; j < n; j++) {
        *support += m->confusion[(size_t)c * n + j];
        *predicted += m->confusion[j * n + (size_t)c];
    }
}

static double f1_of(double p, double r)
{
    return p + r > 0.0 ? 2.0 * p * r / (p + r) : 0.0;
}

void auris_metrics_class(const auris_metrics *m, int c, double *precision, double *recall,
                         double *f1, int64_t *support)
{
    int64_t tp = 0, sup = 0, pred = 0;
    if (c >= 0 && c < m->classes)
        class_counts(m, c, &tp, &sup, &pred);
    double p = ratio(tp, pred), r = ratio(tp, sup);
    if (precision)
        *precision = p;
    if (recall)
        *recall = r;
    if (f1)
        *f1 = f1_of(p, r);
    if (support)
        *support = sup;
}

double auris_metrics_macro_f1(const auris_metrics *m)
{
    double sum = 0.0;
    int counted = 0;
    for (int c = 0; c < m->classes; c++) {
        int64_t tp, sup, pred;
        class_counts(m, c, &tp, &sup, &pred);
        if (sup == 0 && pred == 0)
            continue;
        sum += f1_of(ratio(tp, pred), ratio(tp, sup));
        counted++;
    }
    return counted ? sum / counted : 0.0;
}

static cJSON *class_json(const auris_metrics *m, int c, const char *const *labels)
{
    double p, r, f1;
    int64_t support;
    auris_metrics_class(m, c, &p, &r, &f1, &support);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char index[16];
    snprintf(index, sizeof index, "%d", c);
    const char *label = labels && labels[c] ? labels[c] : index;
    if (!cJSON_AddStringToObject(o, "label", label) ||
        !cJSON_AddNumberToObject(o, "precision", p) ||
        !cJSON_AddNumberToObject(o, "recall", r) ||
        !cJSON_AddNumberToObject(o, "f1", f1) ||
        !cJSON_AddNumberToObject(o, "support", (double)support)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *metrics_json(const auris_metrics *m, const char *const *labels)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *classes = NULL;
    int ok = root && cJSON_AddNumberToObject(root, "samples", (double)m->samples) &&
             cJSON_AddNumberToObject(root, "top1", auris_metrics_top1(m)) &&
             cJSON_AddNumberToObject(root, "top5", auris_metrics_top5(m)) &&
             cJSON_AddNumberToObject(root, "macro_f1", auris_metrics_macro_f1(m)) &&
             (classes = cJSON_AddArrayToObject(root, "classes")) != NULL;
    for (int c = 0; ok && c < m->classes; c++) {
        cJSON *item = class_json(m, c, labels);
        ok = item && cJSON_AddItemToArray(classes, item);
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

auris_status auris_metrics_write_json(const auris_metrics *m, const char *const *labels,
                                      const char *path, auris_error *err)
{
    cJSON *root = metrics_json(m, labels);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return auris_fail(err, AURIS_ENOMEM, "%s: out of memory building the JSON", path);
    FILE *f = fopen(path, "w");
    if (!f) {
        auris_status st = auris_fail(err, AURIS_EIO, "%s: cannot write: %s", path,
                                     strerror(errno));
        free(text);
        return st;
    }
    int bad = fputs(text, f) < 0 || fputc('\n', f) == EOF;
    bad |= fclose(f) != 0;
    free(text);
    return bad ? auris_fail(err, AURIS_EIO, "%s: write failed", path) : AURIS_OK;
}
