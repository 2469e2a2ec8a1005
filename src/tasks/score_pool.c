/* Clip-level pooling of per-patch scores: running mean and maximum per class. */
#include <stdlib.h>

#include "auris/classify.h"
#include "core/error.h"

struct auris_score_pool {
    int n;
    int64_t count;
    double *sum;   /* double: hours of patches would lose float precision */
    float *mean;   /* filled from sum when asked for */
    float *max;
};

auris_status auris_score_pool_new(int n_classes, auris_score_pool **out, auris_error *err)
{
    if (!out)
        return auris_fail(err, AURIS_EINVAL, "score pool: NULL output");
    *out = NULL;
    if (n_classes <= 0)
        return auris_fail(err, AURIS_EINVAL, "score pool: %d classes", n_classes);
    auris_score_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->sum = calloc((size_t)n_classes, sizeof *p->sum)) ||
        !(p->mean = calloc((size_t)n_classes, sizeof *p->mean)) ||
        !(p->max = calloc((size_t)n_classes, sizeof *p->max))) {
        auris_score_pool_free(p);
        return auris_fail(err, AURIS_ENOMEM, "score pool: out of memory");
    }
    p->n = n_classes;
    *out = p;
    return AURIS_OK;
}

void auris_score_pool_add(auris_score_pool *p, const float *scores)
{
    p->count++;
    for (int i = 0; i < p->n; i++) {
        p->sum[i] += scores[i];
        if (p->count == 1 || scores[i] > p->max[i])
            p->max[i] = scores[i];
    }
}

int64_t auris_score_pool_count(const auris_score_pool *p)
{
    return p ? p->count : 0;
}

const float *auris_score_pool_mean(auris_score_pool *p)
{
    for (int i = 0; p->count && i < p->n; i++)
        p->mean[i] = (float)(p->sum[i] / (double)p->count);
    return p->mean;
}

const float *auris_score_pool_max(const auris_score_pool *p)
{
    return p->max;
}

void auris_score_pool_free(auris_score_pool *p)
{
    if (!p)
        return;
    free(p->sum);
    free(p->mean);
    free(p->max);
    free(p);
}
