/* Classification metrics for validation runs: top-1/top-5 accuracy, per-class precision,
 * recall and F1, macro-F1 and the confusion matrix, accumulated one sample at a time; plus
 * the pictures a training run leaves behind (confusion matrix, loss and accuracy curves).
 *
 * The prediction of a sample is the index of its highest score. Ties go to the LOWEST
 * index, both for top-1 and for the ranking that decides top-k, so results never depend on
 * sort stability. Top-5 with fewer than 5 classes is top-min(5, classes).
 * Precision, recall or F1 whose denominator is zero (a class never predicted, never seen)
 * is 0. Macro-F1 averages F1 over the classes that occur in the data (support > 0) or are
 * predicted at least once; classes absent from both are left out.
 *
 * An auris_metrics object is not thread-safe: one per evaluating thread. */
#ifndef AURIS_METRICS_H
#define AURIS_METRICS_H

#include <stdint.h>

#include "auris/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct auris_metrics auris_metrics;

/* classes: 1..4096. */
auris_status auris_metrics_new(int classes, auris_metrics **out, auris_error *err);
void auris_metrics_free(auris_metrics *m);
/* Forgets every sample added so far (e.g. at the start of an epoch's validation). */
void auris_metrics_reset(auris_metrics *m);
/* Adds one sample: its true class and the model's scores[classes] (logits or
 * probabilities; only their order matters). A label outside 0..classes-1 is ignored. */
void auris_metrics_add(auris_metrics *m, int true_label, const float *scores);

/* Fractions in [0, 1]; 0 before any sample. */
double auris_metrics_top1(const auris_metrics *m);
double auris_metrics_top5(const auris_metrics *m);
double auris_metrics_macro_f1(const auris_metrics *m);
/* Class c's figures; any output pointer may be NULL. */
void auris_metrics_class(const auris_metrics *m, int c, double *precision, double *recall,
                         double *f1, int64_t *support);
int64_t auris_metrics_samples(const auris_metrics *m);
int auris_metrics_classes(const auris_metrics *m);
/* Counts, classes x classes, row = true class, column = predicted: [true * classes + pred]. */
const int64_t *auris_metrics_confusion(const auris_metrics *m);

/* Writes {"samples", "top1", "top5", "macro_f1", "classes": [{"label", "precision",
 * "recall", "f1", "support"}]}. labels[classes] names the classes; NULL (or a NULL entry)
 * writes the class index as the label. */
auris_status auris_metrics_write_json(const auris_metrics *m, const char *const *labels,
                                      const char *path, auris_error *err);

/* A PNG of the confusion matrix: true class down, predicted class across, with class names
 * on both axes, a colour scale and the count (or, with normalized, the fraction of the true
 * class's samples) in each cell when it fits. Sized for 2..50 classes (about 640 px of
 * matrix); beyond 53 classes cells stay 12 px, the picture grows and cell values are left
 * out. Class names longer than 24 characters are shortened, invalid UTF-8 bytes shown as '?'. */
auris_status auris_plot_confusion(const auris_metrics *m, const char *const *labels,
                                  int normalized, const char *png_path, auris_error *err);

/* Reads a training run's results.csv (header epoch,train_loss,val_loss,top1,top5,lr, one
 * row per epoch; empty fields are missing values) and writes a PNG with two panels against
 * epoch: train/val loss, and top-1/top-5 accuracy. */
auris_status auris_plot_results(const char *results_csv, const char *png_path,
                                auris_error *err);

#ifdef __cplusplus
}
#endif
#endif
