/* Segments of consecutive patches with the same label, and the absorption of short ones. */
#include <stdlib.h>
#include <string.h>

#include "tasks/timeline.h"

void timeline_init(timeline *t, int n_labels)
{
    memset(t, 0, sizeof *t);
    t->n_labels = n_labels;
}

void timeline_release(timeline *t)
{
    free(t->segs);
    free(t->sums);
    memset(t, 0, sizeof *t);
}

const float *timeline_sums(const timeline *t, size_t i)
{
    return t->sums + i * (size_t)t->n_labels;
}

static int reserve(timeline *t, size_t need)
{
    if (need <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap * 2 : 64;
    timeline_segment *segs = realloc(t->segs, cap * sizeof *segs);
    if (!segs)
        return -1;
    t->segs = segs;
    float *sums = realloc(t->sums, cap * (size_t)t->n_labels * sizeof *sums);
    if (!sums)
        return -1;
    t->sums = sums;
    t->cap = cap;
    return 0;
}

auris_status timeline_add(timeline *t, double start_s, int label, const float *scores)
{
    timeline_segment *last = t->count ? &t->segs[t->count - 1] : NULL;
    if (!last || last->label != label) {
        if (reserve(t, t->count + 1))
            return AURIS_ENOMEM;
        if (last)
            t->segs[t->count - 1].end_s = start_s;
        last = &t->segs[t->count];
        *last = (timeline_segment){start_s, start_s, label, 0};
        memset(t->sums + t->count * (size_t)t->n_labels, 0, (size_t)t->n_labels * sizeof(float));
        t->count++;
    }
    float *sum = t->sums + (t->count - 1) * (size_t)t->n_labels;
    for (int i = 0; i < t->n_labels; i++)
        sum[i] += scores[i];
    last->patches++;
    return AURIS_OK;
}

/* Folds segments [from, to] into one segment labelled label. */
static void merge_range(timeline *t, size_t from, size_t to, int label)
{
    timeline_segment *dst = &t->segs[from];
    float *dsum = t->sums + from * (size_t)t->n_labels;
    for (size_t i = from + 1; i <= to; i++) {
        const float *s = timeline_sums(t, i);
        for (int l = 0; l < t->n_labels; l++)
            dsum[l] += s[l];
        dst->patches += t->segs[i].patches;
    }
    dst->end_s = t->segs[to].end_s;
    dst->label = label;
    size_t tail = t->count - to - 1;
    memmove(&t->segs[from + 1], &t->segs[to + 1], tail * sizeof *t->segs);
    memmove(t->sums + (from + 1) * (size_t)t->n_labels, t->sums + (to + 1) * (size_t)t->n_labels,
            tail * (size_t)t->n_labels * sizeof *t->sums);
    t->count -= to - from;
}

static size_t shortest(const timeline *t)
{
    size_t best = 0;
    for (size_t i = 1; i < t->count; i++)
        if (t->segs[i].end_s - t->segs[i].start_s < t->segs[best].end_s - t->segs[best].start_s)
            best = i;
    return best;
}

/* Absorbs segment i into a neighbour: into both when they share a label, else into the one
 * whose label scores higher over segment i (the longer one on a tie). */
static void absorb(timeline *t, size_t i)
{
    const timeline_segment *prev = i > 0 ? &t->segs[i - 1] : NULL;
    const timeline_segment *next = i + 1 < t->count ? &t->segs[i + 1] : NULL;
    if (prev && next && prev->label == next->label) {
        merge_range(t, i - 1, i + 1, prev->label);
        return;
    }
    int into_prev = prev != NULL;
    if (prev && next) {
        const float *s = timeline_sums(t, i);
        float sp = s[prev->label], sn = s[next->label];
        into_prev = sp > sn || (sp == sn && prev->end_s - prev->start_s >=
                                                next->end_s - next->start_s);
    }
    if (into_prev)
        merge_range(t, i - 1, i, prev->label);
    else
        merge_range(t, i, i + 1, next->label);
}

void timeline_close(timeline *t, double end_s, double min_s)
{
    if (!t->count)
        return;
    timeline_segment *last = &t->segs[t->count - 1];
    last->end_s = end_s > last->start_s ? end_s : last->start_s;
    while (t->count > 1) {
        size_t i = shortest(t);
        if (t->segs[i].end_s - t->segs[i].start_s >= min_s)
            break;
        absorb(t, i);
    }
}
