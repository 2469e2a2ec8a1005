/* The classifier: a label per patch (best label, silence by level, other below a score) and
 * the timeline and summary those labels make. */
#include <stdlib.h>
#include <string.h>

#include "auris/classify.h"
#include "core/error.h"
#include "tasks/timeline.h"

struct auris_classifier {
    const auris_label_map *map;
    auris_classifier_config cfg;
    int n_map, n_labels;      /* the map's labels, and those plus an appended other label */
    int other, silence;       /* label indices, -1 when unused */
    float *scratch;           /* n_labels */
    double last_start_s;
    int64_t patches;
    int finished;
    timeline tl;
};

void auris_classifier_config_default(auris_classifier_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->min_score = 0.1f;
    cfg->other_label = "other";
    cfg->silence_dbfs = -60.0f;
    cfg->min_segment_s = 1.0f;
    cfg->window_s = 0.975;
}

auris_status auris_classifier_new(const auris_label_map *map, const auris_classifier_config *cfg,
                                  auris_classifier **out, auris_error *err)
{
    if (!out)
        return auris_fail(err, AURIS_EINVAL, "classifier: NULL output");
    *out = NULL;
    if (!map || !cfg)
        return auris_fail(err, AURIS_EINVAL, "classifier: NULL map or configuration");
    if (!(cfg->min_score >= 0 && cfg->min_score <= 1) || !(cfg->min_segment_s >= 0) ||
        !(cfg->window_s >= 0))
        return auris_fail(err, AURIS_EINVAL, "classifier: min_score must be in [0, 1] and "
                                             "min_segment_s, window_s not negative");
    int silence = -1;
    if (cfg->silence_label && (silence = auris_label_map_find(map, cfg->silence_label)) < 0)
        return auris_fail(err, AURIS_EINVAL, "classifier: the label map has no label '%s'",
                          cfg->silence_label);
    auris_classifier *c = calloc(1, sizeof *c);
    if (!c)
        return auris_fail(err, AURIS_ENOMEM, "classifier: out of memory");
    c->map = map;
    c->cfg = *cfg;
    c->n_map = c->n_labels = auris_label_map_count(map);
    c->silence = silence;
    c->other = cfg->other_label ? auris_label_map_find(map, cfg->other_label) : -1;
    if (cfg->other_label && c->other < 0)
        c->other = c->n_labels++;
    if (!(c->scratch = calloc((size_t)c->n_labels, sizeof *c->scratch))) {
        free(c);
        return auris_fail(err, AURIS_ENOMEM, "classifier: out of memory");
    }
    timeline_init(&c->tl, c->n_labels);
    *out = c;
    return AURIS_OK;
}

void auris_classifier_free(auris_classifier *c)
{
    if (!c)
        return;
    timeline_release(&c->tl);
    free(c->scratch);
    free(c);
}

int auris_classifier_label_count(const auris_classifier *c)
{
    return c ? c->n_labels : 0;
}

const char *auris_classifier_label(const auris_classifier *c, int i)
{
    if (!c || i < 0 || i >= c->n_labels)
        return NULL;
    return i < c->n_map ? auris_label_map_label(c->map, i) : c->cfg.other_label;
}

/* The patch's label; adjusts ls where the level or weak evidence decides. gate is the map's
 * gate score, or -1 when it has none. */
static int decide(const auris_classifier *c, float *ls, float gate, float rms_dbfs)
{
    int best = 0;
    for (int i = 1; i < c->n_map; i++)
        if (ls[i] > ls[best])
            best = i;
    if (c->silence >= 0 && rms_dbfs < c->cfg.silence_dbfs) {
        ls[c->silence] = 1.0f;
        return c->silence;
    }
    float evidence = gate >= 0 ? gate : ls[best];
    if (c->other >= 0 && evidence < c->cfg.min_score) {
        float weak = 1.0f - evidence;
        if (ls[c->other] < weak)
            ls[c->other] = weak;
        return c->other;
    }
    return best;
}

auris_status auris_classifier_add(auris_classifier *c, double start_s,
                                  const float *class_scores, float rms_dbfs, int *label,
                                  float *score, float *label_scores, auris_error *err)
{
    if (!c || !class_scores)
        return auris_fail(err, AURIS_EINVAL, "classifier: NULL argument");
    if (c->finished)
        return auris_fail(err, AURIS_EINVAL, "classifier: patch added after finish");
    if (c->patches && !(start_s >= c->last_start_s))
        return auris_fail(err, AURIS_EINVAL, "classifier: patch at %.3f s after one at %.3f s",
                          start_s, c->last_start_s);
    float *ls = c->scratch;
    auris_label_map_score(c->map, class_scores, ls);
    if (c->n_labels > c->n_map)
        ls[c->n_map] = 0.0f;
    int l = decide(c, ls, auris_label_map_gate(c->map, class_scores), rms_dbfs);
    /* A patch stands for the time nearer its centre than its neighbours' centres. */
    double owned_from = c->patches ? (c->last_start_s + start_s) / 2 + c->cfg.window_s / 2 : 0.0;
    if (timeline_add(&c->tl, owned_from, l, ls))
        return auris_fail(err, AURIS_ENOMEM, "classifier: out of memory for the timeline");
    c->last_start_s = start_s;
    c->patches++;
    if (label)
        *label = l;
    if (score)
        *score = ls[l];
    if (label_scores)
        memcpy(label_scores, ls, (size_t)c->n_labels * sizeof *ls);
    return AURIS_OK;
}

auris_status auris_classifier_finish(auris_classifier *c, double duration_s, auris_error *err)
{
    if (!c)
        return auris_fail(err, AURIS_EINVAL, "classifier: NULL argument");
    if (c->finished)
        return auris_fail(err, AURIS_EINVAL, "classifier: finished twice");
    c->finished = 1;
    timeline_close(&c->tl, duration_s, c->cfg.min_segment_s);
    return AURIS_OK;
}

size_t auris_classifier_segment_count(const auris_classifier *c)
{
    return c && c->finished ? c->tl.count : 0;
}

void auris_classifier_segment(const auris_classifier *c, size_t i, auris_segment *out)
{
    memset(out, 0, sizeof *out);
    if (i >= auris_classifier_segment_count(c))
        return;
    const timeline_segment *s = &c->tl.segs[i];
    const float *sum = timeline_sums(&c->tl, i);
    out->start_s = s->start_s;
    out->end_s = s->end_s;
    out->label = s->label;
    out->patches = s->patches;
    out->mean_scores = c->scratch;
    for (int l = 0; l < c->n_labels; l++)
        c->scratch[l] = s->patches ? sum[l] / (float)s->patches : 0.0f;
    out->score = c->scratch[s->label];
}

int auris_classifier_summary(const auris_classifier *c, auris_summary_entry *out)
{
    size_t n = auris_classifier_segment_count(c);
    int count = 0;
    for (int l = 0; l < c->n_labels; l++) {
        double seconds = 0, score_sum = 0;
        int64_t patches = 0;
        for (size_t i = 0; i < n; i++) {
            const timeline_segment *s = &c->tl.segs[i];
            if (s->label != l)
                continue;
            seconds += s->end_s - s->start_s;
            score_sum += timeline_sums(&c->tl, i)[l];
            patches += s->patches;
        }
        if (patches)
            out[count++] = (auris_summary_entry){l, (float)(score_sum / (double)patches), seconds};
    }
    for (int i = 1; i < count; i++)
        for (int j = i; j > 0 && out[j].seconds > out[j - 1].seconds; j--) {
            auris_summary_entry tmp = out[j];
            out[j] = out[j - 1];
            out[j - 1] = tmp;
        }
    return count;
}
