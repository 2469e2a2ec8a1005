/* Recognisers built on a tagger's per-patch class scores (YAMNet's 521 AudioSet classes):
 * label maps that turn AudioSet classes into a task's vocabulary (ESC-50, UrbanSound8K,
 * GTZAN, speech/music/noise/silence), a classifier that labels each patch and merges the
 * labels into a timeline of segments, and clip-level pooling for tagging.
 *
 * Nothing here runs a network: the caller feeds scores (from auris_tagger, or synthetic
 * ones), so the logic is independent of the model that produced them.
 *
 * Threads: a label map is read-only after it is made and may be shared by any number of
 * classifiers in any threads; a classifier or a score pool belongs to one thread at a time. */
#ifndef AURIS_CLASSIFY_H
#define AURIS_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>
#include "auris/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Label maps ------------------------------------------------------------------------
 * A map is CSV text, one row per (label, class): `label,audioset_class`, the class being a
 * display name of the model ("Dog", "Vehicle horn, car horn, honking": quoted when it holds
 * a comma, quotes doubled inside). A label may have many rows and a class may serve many
 * labels. Lines starting with '#' and blank lines are ignored; a first row
 * `label,audioset_class` is a header. Three special forms:
 *   - class `*`: every class that no other row names (how "noise" means "any other sound");
 *   - label `-`: these classes are evidence for no label (they are kept out of `*`);
 *   - label `+`: the gate. A patch takes one of the map's labels only when a gate class
 *     scores at least the classifier's min_score (genre maps: `+,Music`, since YAMNet's genre
 *     classes score low even on music, the genre is the best one among music patches).
 * Every class name is checked against the model's classes when the map is made.
 *
 * A label scores the maximum of its classes' scores. Not a noisy-or: AudioSet classes are
 * nested and fire together (Dog, Bark, Animal, Domestic animals), so combining them as
 * independent evidence would push every label with many classes towards 1 and rank labels
 * by how many classes they list; the maximum stays a calibrated sigmoid score. */
typedef struct auris_label_map auris_label_map;

/* A map built into the library: "type" (speech, music, noise, silence), "esc50", "us8k",
 * "gtzan", "genre" (AudioSet's music genres) or "audioset" (every class is its own label).
 * classes[0..n_classes) are the model's display names. AURIS_EINVAL for an unknown name. */
auris_status auris_label_map_builtin(const char *name, const char *const *classes,
                                     int n_classes, auris_label_map **out, auris_error *err);
/* A map from a CSV file; messages name the file and line ("m.csv:12: 'Dgo' is not ..."). */
auris_status auris_label_map_load(const char *path, const char *const *classes, int n_classes,
                                  auris_label_map **out, auris_error *err);
/* A map from CSV text of len bytes; source names it in messages. */
auris_status auris_label_map_parse(const char *text, size_t len, const char *source,
                                   const char *const *classes, int n_classes,
                                   auris_label_map **out, auris_error *err);
void auris_label_map_free(auris_label_map *m);

/* The names of the built-in maps, NULL-terminated. */
const char *const *auris_label_map_builtin_names(void);

int auris_label_map_count(const auris_label_map *m);
/* Label i in order of first appearance in the CSV. */
const char *auris_label_map_label(const auris_label_map *m, int i);
/* Index of a label, or -1. */
int auris_label_map_find(const auris_label_map *m, const char *label);
/* The model classes of label i: returns their count and points *classes at their indices. */
int auris_label_map_classes(const auris_label_map *m, int i, const int **classes);
/* The number of model classes the map was made for. */
int auris_label_map_class_count(const auris_label_map *m);
/* The gate's score (max over the `+` classes), or -1 when the map has no gate. */
float auris_label_map_gate(const auris_label_map *m, const float *class_scores);
/* label_scores[i] = max of class_scores over label i's classes (0 when it has none). */
void auris_label_map_score(const auris_label_map *m, const float *class_scores,
                           float *label_scores);

/* Writes the indices of the k highest of scores[0..n) to idx, best first (ties: lower
 * index first); returns min(k, n). */
int auris_top_k(const float *scores, int n, int k, int *idx);

/* ---- Classifier and timeline -----------------------------------------------------------
 * Each patch gets the label that scores highest, with two exceptions: a patch quieter than
 * silence_dbfs gets silence_label, and a patch whose best label (or, when the map has one,
 * whose gate) scores below min_score gets other_label. Consecutive patches with the same
 * label form a segment; at the end, segments shorter than min_segment_s are absorbed one at
 * a time, shortest first, into a neighbour (both, when both neighbours share a label; else
 * the neighbour whose label scores higher over the short segment's patches). A segment's
 * score is the mean, over its patches, of its label's score.
 *
 * Time: patches are windows of window_s seconds; a patch stands for the time nearer its
 * centre than any other patch's, so segments tile [0, duration) without overlap. */
typedef struct auris_classifier_config {
    float min_score;           /* default 0.1 */
    const char *other_label;   /* default "other": the map's label of that name, else an
                                  extra label; its score is 1 - the best label's (or the
                                  gate's) score on the patches it takes (0 elsewhere) */
    const char *silence_label; /* label of quiet patches (default NULL: no level test); its
                                  score is 1 on them. Must be a label of the map. */
    float silence_dbfs;        /* default -60: patch RMS level below which it is silence */
    float min_segment_s;       /* default 1.0; 0 keeps every segment */
    double window_s;           /* default 0.975 (YAMNet's patch) */
} auris_classifier_config;

typedef struct auris_classifier auris_classifier;

/* One segment of the timeline; mean_scores (valid until the next call on the classifier)
 * holds the mean over its patches of every label's score, indexed like
 * auris_classifier_label. */
typedef struct auris_segment {
    double start_s, end_s;
    int label;
    float score;
    int64_t patches;
    const float *mean_scores;
} auris_segment;

/* One label of the summary: the segments it labels, in total. */
typedef struct auris_summary_entry {
    int label;
    float score;     /* mean over those segments' patches of the label's score */
    double seconds;
} auris_summary_entry;

void auris_classifier_config_default(auris_classifier_config *cfg);
/* The map must outlive the classifier. */
auris_status auris_classifier_new(const auris_label_map *map, const auris_classifier_config *cfg,
                                  auris_classifier **out, auris_error *err);
void auris_classifier_free(auris_classifier *c);

/* Labels: the map's, plus other_label when the map has no label of that name. */
int auris_classifier_label_count(const auris_classifier *c);
const char *auris_classifier_label(const auris_classifier *c, int i);

/* Adds the next patch (start_s increasing): class_scores has the map's class count. Writes
 * the patch's label and its score to *label / *score (either may be NULL) and, when
 * label_scores is not NULL, the scores of every label (auris_classifier_label_count).
 * AURIS_ENOMEM when a new segment cannot be stored; AURIS_EINVAL after finish or when
 * start_s goes backwards. */
auris_status auris_classifier_add(auris_classifier *c, double start_s,
                                  const float *class_scores, float rms_dbfs, int *label,
                                  float *score, float *label_scores, auris_error *err);
/* Closes the timeline at duration_s (the stream's length) and absorbs short segments. */
auris_status auris_classifier_finish(auris_classifier *c, double duration_s, auris_error *err);
/* Segments, after finish. */
size_t auris_classifier_segment_count(const auris_classifier *c);
void auris_classifier_segment(const auris_classifier *c, size_t i, auris_segment *out);
/* The summary, after finish: one entry per label present, longest total first, into out
 * (room for auris_classifier_label_count entries); returns the number of entries. */
int auris_classifier_summary(const auris_classifier *c, auris_summary_entry *out);

/* ---- Clip-level pooling ---------------------------------------------------------------
 * Mean and max of every class's score over the patches of a clip, in constant memory. */
typedef struct auris_score_pool auris_score_pool;

auris_status auris_score_pool_new(int n_classes, auris_score_pool **out, auris_error *err);
void auris_score_pool_add(auris_score_pool *p, const float *scores);
int64_t auris_score_pool_count(const auris_score_pool *p);
/* n_classes values each; all zero before the first patch. The mean is worked out from the
 * sums when asked for (so the pool is not const), valid until the next add. */
const float *auris_score_pool_mean(auris_score_pool *p);
const float *auris_score_pool_max(const auris_score_pool *p);
void auris_score_pool_free(auris_score_pool *p);

#ifdef __cplusplus
}
#endif
#endif
