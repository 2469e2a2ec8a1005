/* A timeline of labelled segments grown patch by patch: the part of the classifier that
 * merges runs of one label and absorbs short segments into their neighbours. */
#ifndef AURIS_TASKS_TIMELINE_H
#define AURIS_TASKS_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include "auris/status.h"

typedef struct timeline_segment {
    double start_s, end_s;
    int label;
    int64_t patches;
} timeline_segment;

typedef struct timeline {
    int n_labels;
    timeline_segment *segs;
    float *sums;        /* segment i's sum over its patches of every label's score */
    size_t count, cap;
} timeline;

void timeline_init(timeline *t, int n_labels);
void timeline_release(timeline *t);
/* Appends a patch that owns the time from start_s: it extends the last segment when the
 * label is the same, else it ends that segment at start_s and opens a new one.
 * AURIS_ENOMEM when a new segment cannot be stored. */
auris_status timeline_add(timeline *t, double start_s, int label, const float *scores);
/* Ends the last segment at end_s, then absorbs segments shorter than min_s. */
void timeline_close(timeline *t, double end_s, double min_s);
/* Segment i's sums (n_labels values). */
const float *timeline_sums(const timeline *t, size_t i);

#endif
