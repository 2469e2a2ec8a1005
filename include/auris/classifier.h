/* Trained audio classifiers (auris train): load a model file and score recordings.
 *
 * The model file's metadata carries everything prediction needs: the kind of model
 * ("auris.classifier" = cnn | yamnet-head), the labels, the feature settings and the clip
 * duration. A recording longer than the duration is scored in windows of that duration
 * every half duration and the class probabilities are averaged; a shorter one is padded.
 *
 * Threads: an auris_trained_classifier holds its own buffers: one per thread. */
#ifndef AURIS_TRAINED_CLASSIFIER_H
#define AURIS_TRAINED_CLASSIFIER_H

#include <stddef.h>
#include "auris/status.h"
#include "auris/audio.h"
#include "auris/metrics.h"
#include "auris/train.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct auris_trained_classifier auris_trained_classifier;

typedef struct auris_trained_classifier_config {
    const char *yamnet_path; /* yamnet-head models: the YAMNet model file (NULL: the path
                                stored in the model, then $AURIS_YAMNET) */
    int max_batch;           /* windows scored together (default 16) */
} auris_trained_classifier_config;

void auris_trained_classifier_config_default(auris_trained_classifier_config *cfg);
auris_status auris_trained_classifier_load(const char *path, const auris_trained_classifier_config *cfg,
                                   auris_trained_classifier **out, auris_error *err);
void auris_trained_classifier_free(auris_trained_classifier *c);

int auris_trained_classifier_class_count(const auris_trained_classifier *c);
const char *auris_trained_classifier_class_name(const auris_trained_classifier *c, int i);
/* Rate the classifier analyses at (open sources at this rate, mono). */
int auris_trained_classifier_sample_rate(const auris_trained_classifier *c);
double auris_trained_classifier_duration_s(const auris_trained_classifier *c);
const auris_nn_model *auris_trained_classifier_model(const auris_trained_classifier *c);

/* Class probabilities (auris_trained_classifier_class_count values, summing to 1) of mono samples
 * at auris_trained_classifier_sample_rate. */
auris_status auris_trained_classifier_predict_buffer(auris_trained_classifier *c, const float *samples,
                                             size_t n, float *scores, auris_error *err);
/* Reads the whole source (any rate: it is resampled when needed) and scores it. */
auris_status auris_trained_classifier_predict_source(auris_trained_classifier *c, auris_source *src,
                                             float *scores, auris_error *err);
/* Called per window by auris_trained_classifier_stream; nonzero stops it (AURIS_ECANCELED). */
typedef int (*auris_window_fn)(double start_s, const float *scores, float rms_dbfs, void *user);
/* Scores src (at auris_trained_classifier_sample_rate, mono) in windows of the model's
 * duration every half duration, in constant memory, for a timeline: fn gets each window's
 * start, class probabilities and level (dB re 1.0, -120 for digital silence). A last
 * partial window that holds new samples is padded. *duration_s gets the source's length. */
auris_status auris_trained_classifier_stream(auris_trained_classifier *c, auris_source *src,
                                             auris_window_fn fn, void *user, double *duration_s,
                                             auris_error *err);
auris_status auris_trained_classifier_predict_file(auris_trained_classifier *c, const char *path, float *scores,
                                           auris_error *err);

/* Scores every file of d (whose class names must all be the classifier's) into metrics;
 * unreadable files are logged and counted in *skipped (may be NULL). */
auris_status auris_trained_classifier_evaluate(auris_trained_classifier *c, const auris_dataset *d,
                                       auris_metrics *metrics, size_t *skipped,
                                       auris_error *err);

#ifdef __cplusplus
}
#endif
#endif
