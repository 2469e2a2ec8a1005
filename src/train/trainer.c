/* The training run: decode the data once, compute each training clip's (augmented) input
 * once per epoch in worker threads, train through the nn engine in batches, evaluate on the
 * validation set every epoch, keep the best and last weights, and write the run folder. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "auris/classifier.h"
#include "auris/metrics.h"
#include "auris/tag.h"
#include "auris/train.h"
#include "core/error.h"
#include "core/json.h"
#include "train/train_internal.h"

#define MAX_CLIP_S 600.0
#define MAX_THREADS 64

typedef struct split {
    const auris_dataset *d;
    size_t n;            /* readable files */
    size_t *item;        /* their dataset indices */
    int *label;
    float **wave;        /* cnn training set: decoded audio */
    size_t *wave_n;
    float *x;            /* fixed inputs (n x in_size): val, or yamnet-head embeddings */
    size_t *row_file;    /* yamnet-head: the file each row (patch) comes from; rows of a
                            file are consecutive */
} split;

typedef struct run {
    const auris_train_config *cfg;
    train_feat_config fc;
    int classes;
    size_t in_size;
    int rows, cols;
    split tr, va;
    train_augment *aug;
    train_embedder *emb;
    auris_nn_model *model;
    train_ema *ema;         /* --ema: the average that is evaluated and saved */
    float *epoch_x;
    int *epoch_y;
    size_t *order;
    int epoch;
    auris_nn_trainer_config tc;
    size_t skipped;
    double t0;
} run;

/* ---- worker threads ---- */

typedef struct worker {
    run *r;
    split *s;
    int id, n_workers;
    int mode;               /* 0 decode, 1 fixed inputs, 2 epoch inputs */
    train_featurizer *fz;
    float *clip, *tmp, *stretch;
    auris_status st;
    auris_error err;
} worker;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long clip_offset(const run *r, size_t n, uint64_t *rng)
{
    const auris_train_config *c = r->cfg;
    long cn = (long)r->fc.clip_samples, len = (long)n;
    long lo = len > cn ? 0 : -(cn - len), hi = len > cn ? len - cn : 0;
    long centre = (lo + hi) / 2;
    if (!rng)
        return centre;
    long off = centre;
    if (len > cn && c->random_crop)
        off = lo + (long)(train_rng_uniform(rng) * (double)(hi - lo + 1));
    if (c->shift_s > 0)
        off += (long)((2 * train_rng_uniform(rng) - 1) * c->shift_s * r->fc.sample_rate_hz);
    return off < lo ? lo : off > hi ? hi : off;
}

/* The augmented input of training clip k of the split for this epoch. */
static void epoch_input(run *r, worker *w, size_t k, float *img)
{
    const auris_train_config *c = r->cfg;
    split *s = &r->tr;
    uint64_t rng = train_rng_seed(c->seed, ((uint64_t)r->epoch << 32) ^ (uint64_t)k);
    if (c->model == AURIS_TRAIN_YAMNET_HEAD) {
        memcpy(img, s->x + k * r->in_size, r->in_size * sizeof *img);
        return;
    }
    const float *x = s->wave[k];
    size_t n = s->wave_n[k];
    float *sp = NULL;
    if (c->trim_db > 0 && train_rng_uniform(&rng) < 0.5) {
        double below = c->trim_db + train_rng_uniform(&rng) * (60.0 - c->trim_db);
        size_t start;
        n = train_trim(x, n, r->fc.sample_rate_hz, below, &start);
        x += start;
    }
    if (c->speed > 0) {
        double f = 1 + (2 * train_rng_uniform(&rng) - 1) * c->speed;
        size_t cap = (size_t)((double)n / f) + 2;
        if ((sp = malloc(cap * sizeof *sp))) {
            n = train_speed(x, n, f, sp, cap);
            x = sp;
        }
    }
    train_fit_clip(x, n, clip_offset(r, n, &rng), w->clip, r->fc.clip_samples);
    free(sp);
    train_augment_wave(r->aug, &rng, w->clip, r->fc.clip_samples, w->tmp);
    train_featurize(w->fz, w->clip, img);
    if (c->tempo > 0) {
        double f = 1 + (2 * train_rng_uniform(&rng) - 1) * c->tempo;
        train_stretch_time(img, r->rows, r->cols, f, w->stretch);
    }
    train_spec_augment(c, &rng, img, r->rows, r->cols);
}

static void decode_one(run *r, worker *w, split *s, size_t k)
{
    const char *path = auris_dataset_path(s->d, s->item[k]);
    auris_error e = {0};
    float *x = NULL;
    size_t n = 0;
    if (train_load_audio(path, r->fc.sample_rate_hz, MAX_CLIP_S, &x, &n, &e)) {
        s->item[k] = (size_t)-1;
    } else if (w->mode == 0) {
        s->wave[k] = x;
        s->wave_n[k] = n;
        return;
    } else {
        train_fit_clip(x, n, clip_offset(r, n, NULL), w->clip, r->fc.clip_samples);
        train_featurize(w->fz, w->clip, s->x + k * r->in_size);
        free(x);
        return;
    }
    auris_log(AURIS_LOG_WARN, "skipped %s", e.message);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    run *r = w->r;
    size_t n = w->mode == 2 ? r->tr.n : w->s->n;
    for (size_t k = (size_t)w->id; k < n; k += (size_t)w->n_workers) {
        if (w->mode == 2)
            epoch_input(r, w, r->order[k], r->epoch_x + k * r->in_size);
        else
            decode_one(r, w, w->s, k);
    }
    return NULL;
}

/* yamnet-head: the patches of every readable file become rows of s->x labelled with the
 * file's class. One thread: the tagger batches patches through the network itself. */
static auris_status embed_split(run *r, split *s, auris_error *err)
{
    size_t files = auris_dataset_count(s->d), rows = 0, cap = 0, in = r->in_size;
    float *x = NULL;
    int *lab = NULL;
    size_t *rf = NULL;
    auris_status st = AURIS_OK;
    for (size_t i = 0; !st && i < files; i++) {
        float *p;
        size_t n;
        auris_error e = {0};
        if (train_embed_file(r->emb, auris_dataset_path(s->d, i), &p, &n, &e)) {
            auris_log(AURIS_LOG_WARN, "skipped %s", e.message);
            r->skipped++;
            continue;
        }
        if (rows + n > cap) {
            cap = 2 * cap > rows + n ? 2 * cap : rows + n;
            float *nx = realloc(x, cap * in * sizeof *nx);
            x = nx ? nx : x;
            int *nl = nx ? realloc(lab, cap * sizeof *nl) : NULL;
            lab = nl ? nl : lab;
            size_t *nf = nl ? realloc(rf, cap * sizeof *nf) : NULL;
            rf = nf ? nf : rf;
            if (!nx || !nl || !nf)
                st = auris_fail(err, AURIS_ENOMEM, "yamnet-head: out of memory for %zu patches",
                                rows + n);
        }
        if (!st) {
            memcpy(x + rows * in, p, n * in * sizeof *x);
            for (size_t k = 0; k < n; k++) {
                lab[rows + k] = auris_dataset_label(s->d, i);
                rf[rows + k] = i;
            }
            rows += n;
        }
        free(p);
    }
    free(s->x);
    free(s->label);
    free(s->row_file);
    s->x = x;
    s->label = lab;
    s->row_file = rf;
    s->n = rows;
    return st;
}

/* Runs the workers over a split (mode 0/1) or the epoch's inputs (mode 2). */
static auris_status run_workers(run *r, worker *ws, split *s, int mode, auris_error *err)
{
    if (r->cfg->model == AURIS_TRAIN_YAMNET_HEAD && mode != 2)
        return embed_split(r, s, err);
    int n = ws[0].n_workers;
    pthread_t th[MAX_THREADS];
    for (int i = 0; i < n; i++) {
        ws[i].s = s;
        ws[i].mode = mode;
        ws[i].n_workers = n;
    }
    for (int i = 1; i < n; i++) {
        if (pthread_create(&th[i], NULL, worker_main, &ws[i]) != 0) {
            for (int j = 1; j < i; j++)
                pthread_join(th[j], NULL);
            return auris_fail(err, AURIS_EINTERNAL, "cannot start a thread");
        }
    }
    worker_main(&ws[0]);
    for (int i = 1; i < n; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < n; i++)
        ws[i].n_workers = r->cfg->threads;
    return AURIS_OK;
}

/* Drops the files that failed to decode (marked with item = -1) from a split. */
static void compact(run *r, split *s)
{
    size_t m = 0;
    for (size_t k = 0; k < s->n; k++) {
        if (s->item[k] == (size_t)-1) {
            r->skipped++;
            continue;
        }
        s->item[m] = s->item[k];
        s->label[m] = s->label[k];
        if (s->wave) {
            s->wave[m] = s->wave[k];
            s->wave_n[m] = s->wave_n[k];
        }
        if (s->x && m != k)
            memmove(s->x + m * r->in_size, s->x + k * r->in_size, r->in_size * sizeof *s->x);
        m++;
    }
    s->n = m;
}

static auris_status split_init(run *r, split *s, const auris_dataset *d, int waves,
                               auris_error *err)
{
    s->d = d;
    s->n = d ? auris_dataset_count(d) : 0;
    size_t n = s->n ? s->n : 1;
    s->item = malloc(n * sizeof *s->item);
    s->label = malloc(n * sizeof *s->label);
    if (waves) {
        s->wave = calloc(n, sizeof *s->wave);
        s->wave_n = calloc(n, sizeof *s->wave_n);
    } else {
        s->x = malloc(n * r->in_size * sizeof *s->x);
    }
    if (!s->item || !s->label || (waves ? !s->wave || !s->wave_n : !s->x))
        return auris_fail(err, AURIS_ENOMEM, "training: out of memory for %zu files", s->n);
    for (size_t k = 0; k < s->n; k++) {
        s->item[k] = k;
        s->label[k] = auris_dataset_label(d, k);
    }
    return AURIS_OK;
}

static void split_free(split *s)
{
    if (s->wave)
        for (size_t k = 0; k < s->n; k++)
            free(s->wave[k]);
    free(s->wave);
    free(s->wave_n);
    free(s->item);
    free(s->label);
    free(s->x);
    free(s->row_file);
}

/* ---- model ---- */

static char *head_cfg(int hidden, int classes)
{
    char *buf = malloc(512);
    if (!buf)
        return NULL;
    if (hidden > 0)
        snprintf(buf, 512, "[net]\nchannels=%d\nheight=1\nwidth=1\n[dropout]\np=0.2\n"
                 "[dense]\nname=fc1\noutputs=%d\n[relu]\n[dropout]\np=0.3\n"
                 "[dense]\nname=fc\noutputs=%d\n", AURIS_YAMNET_EMBEDDING, hidden, classes);
    else
        snprintf(buf, 512, "[net]\nchannels=%d\nheight=1\nwidth=1\n[dropout]\np=0.2\n"
                 "[dense]\nname=fc\noutputs=%d\n", AURIS_YAMNET_EMBEDDING, classes);
    return buf;
}

static auris_status build_model(run *r, const char *const *labels, auris_error *err)
{
    const auris_train_config *c = r->cfg;
    char *text;
    if (c->model == AURIS_TRAIN_YAMNET_HEAD)
        text = head_cfg(c->head_hidden, r->classes);
    else if (c->cfg_text)
        text = strdup(c->cfg_text);
    else
        text = auris_train_preset_cfg(c->preset, r->rows, r->cols, r->classes);
    if (!text)
        return auris_fail(err, c->preset && c->model == AURIS_TRAIN_CNN ? AURIS_EINVAL
                          : AURIS_ENOMEM, "unknown cnn preset '%s' (small | medium)",
                          c->preset ? c->preset : "");
    auris_status st = auris_nn_model_from_cfg(text, strlen(text), "model cfg", &r->model, err);
    free(text);
    if (st)
        return st;
    if (auris_nn_model_input_size(r->model) != r->in_size ||
        auris_nn_model_output_size(r->model) != (size_t)r->classes)
        return auris_fail(err, AURIS_EINVAL,
                          "model cfg: input of %zu values and %zu outputs, the data needs %zu "
                          "and %d", auris_nn_model_input_size(r->model),
                          auris_nn_model_output_size(r->model), r->in_size, r->classes);
    auris_nn_model_init_weights(r->model, train_rng_seed(c->seed, 0x1417));
    return train_set_meta(r->model, c, &r->fc, labels, r->classes, err);
}

/* ---- evaluation on the fixed validation inputs ---- */

/* Validation loss and metrics over files: a yamnet-head file's patches are averaged into
 * one prediction, as auris predict and auris val do, and its loss is the cross-entropy of
 * that average (a cnn file is one row, so the two agree). */
static auris_status evaluate(run *r, auris_metrics *mt, double *loss, auris_error *err)
{
    auris_nn_state_config sc;
    auris_nn_state_config_default(&sc);
    sc.max_batch = r->cfg->batch;
    auris_nn_state *s = NULL;
    auris_status st = auris_nn_state_new(r->model, &sc, &s, err);
    double sum = 0, file_sum = 0;
    size_t files = 0;
    auris_metrics_reset(mt);
    const size_t *rf = r->va.row_file;
    float *acc = malloc((size_t)r->classes * sizeof *acc);
    double *tmp = malloc((size_t)r->classes * sizeof *tmp);
    int rows_in_acc = 0;
    if (!st && (!acc || !tmp))
        st = auris_fail(err, AURIS_ENOMEM, "out of memory");
    for (size_t b = 0; !st && b < r->va.n; b += (size_t)sc.max_batch) {
        int n = (int)(r->va.n - b < (size_t)sc.max_batch ? r->va.n - b : (size_t)sc.max_batch);
        const float *out;
        st = auris_nn_forward(s, r->va.x + b * r->in_size, n, &out, err);
        if (st)
            break;
        if (!rf)
            sum += (double)auris_nn_loss_cross_entropy(out, r->va.label + b, n, r->classes, 0,
                                                       NULL) * n;
        for (int k = 0; k < n; k++) {
            size_t row = b + (size_t)k;
            if (!rows_in_acc)
                memset(acc, 0, (size_t)r->classes * sizeof *acc);
            train_softmax_add(out + (size_t)k * r->classes, r->classes, acc, tmp);
            rows_in_acc++;
            if (rf && row + 1 < r->va.n && rf[row + 1] == rf[row])
                continue;
            for (int c = 0; c < r->classes; c++)
                acc[c] /= (float)rows_in_acc;
            auris_metrics_add(mt, r->va.label[row], acc);
            float p = acc[r->va.label[row]];
            file_sum -= log(p > 1e-30f ? (double)p : 1e-30);
            files++;
            rows_in_acc = 0;
        }
    }
    free(acc);
    free(tmp);
    auris_nn_state_free(s);
    if (rf)
        *loss = files ? file_sum / (double)files : NAN;
    else
        *loss = r->va.n ? sum / (double)r->va.n : NAN;
    return st;
}

/* ---- one epoch ---- */

static double beta_sample(uint64_t *rng, double a)
{
    /* Beta(a, a) from two Gamma(a) draws; Marsaglia-Tsang with the a < 1 boost. */
    double g[2];
    for (int i = 0; i < 2; i++) {
        double aa = a < 1 ? a + 1 : a, d = aa - 1.0 / 3, c = 1 / sqrt(9 * d), v, x;
        for (;;) {
            double u1 = train_rng_uniform(rng) + 1e-12, u2 = train_rng_uniform(rng);
            x = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
            v = 1 + c * x;
            if (v <= 0)
                continue;
            v = v * v * v;
            double u = train_rng_uniform(rng) + 1e-12;
            if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
                break;
        }
        g[i] = d * v;
        if (a < 1)
            g[i] *= pow(train_rng_uniform(rng) + 1e-12, 1 / a);
    }
    return g[0] / (g[0] + g[1]);
}

typedef struct batch_ctx {
    auris_nn_trainer *t;
    float *mix, *grad, *grad2;
    int *labels2;
} batch_ctx;

static auris_status train_batch(run *r, batch_ctx *bc, size_t b, int n, double *loss,
                                int *correct, auris_error *err)
{
    const auris_train_config *c = r->cfg;
    const float *x = r->epoch_x + b * r->in_size;
    const int *y = r->epoch_y + b;
    double lam = 1;
    if (c->mixup > 0) {
        uint64_t rng = train_rng_seed(c->seed, ((uint64_t)r->epoch << 40) ^ 0xa11ce ^ b);
        lam = beta_sample(&rng, c->mixup);
        /* pair each clip with the batch reversed */
        for (int k = 0; k < n; k++) {
            const float *a = x + (size_t)k * r->in_size, *o = x + (size_t)(n - 1 - k) * r->in_size;
            float *m = bc->mix + (size_t)k * r->in_size;
            for (size_t i = 0; i < r->in_size; i++)
                m[i] = (float)(lam * a[i] + (1 - lam) * o[i]);
            bc->labels2[k] = y[n - 1 - k];
        }
        x = bc->mix;
    }
    auris_nn_state *s = auris_nn_trainer_state(bc->t);
    const float *out;
    auris_status st = auris_nn_forward(s, x, n, &out, err);
    if (st)
        return st;
    size_t g = (size_t)n * r->classes;
    float l = auris_nn_loss_cross_entropy(out, y, n, r->classes, c->label_smoothing, bc->grad);
    if (c->mixup > 0) {
        float l2 = auris_nn_loss_cross_entropy(out, bc->labels2, n, r->classes,
                                               c->label_smoothing, bc->grad2);
        l = (float)(lam * l + (1 - lam) * l2);
        for (size_t i = 0; i < g; i++)
            bc->grad[i] = (float)(lam * bc->grad[i] + (1 - lam) * bc->grad2[i]);
    }
    for (int k = 0; k < n; k++) {
        const float *o = out + (size_t)k * r->classes;
        int arg = 0;
        for (int cc = 1; cc < r->classes; cc++)
            arg = o[cc] > o[arg] ? cc : arg;
        *correct += arg == (lam >= 0.5 ? y[k] : bc->labels2[k]);
    }
    if (!isfinite(l))
        return auris_fail(err, AURIS_EDATA, "training loss is not finite in epoch %d", r->epoch);
    st = auris_nn_backward(s, bc->grad, err);
    if (!st)
        st = auris_nn_trainer_apply(bc->t, err);
    *loss = l;
    return st;
}

static void shuffle(run *r)
{
    uint64_t rng = train_rng_seed(r->cfg->seed, 0x5eed0000ULL + (uint64_t)r->epoch);
    for (size_t i = 0; i < r->tr.n; i++)
        r->order[i] = i;
    train_rng_shuffle(r->order, r->tr.n, &rng);
    for (size_t i = 0; i < r->tr.n; i++)
        r->epoch_y[i] = r->tr.label[r->order[i]];
}

/* ---- run files ---- */

static auris_status save_weights(run *r, const char *name, auris_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/weights/%s", r->cfg->run_dir, name);
    return auris_nn_model_save(r->model, path, err);
}

static auris_status write_args(const auris_train_config *c, const char *path, auris_error *err)
{
    static const char *const opt[] = {"sgd", "adamw"};
    static const char *const sched[] = {"constant", "step", "cosine"};
    FILE *f = fopen(path, "w");
    if (!f)
        return auris_fail(err, AURIS_EIO, "%s: cannot write", path);
    fprintf(f, "{\n  \"model\": \"%s\",\n  \"preset\": \"%s\",\n  \"custom_cfg\": %s,\n",
            c->model == AURIS_TRAIN_YAMNET_HEAD ? "yamnet-head" : "cnn",
            c->preset ? c->preset : "small", c->cfg_text ? "true" : "false");
    fprintf(f, "  \"sample_rate_hz\": %d,\n  \"n_mels\": %d,\n  \"win_ms\": %g,\n  \"hop_ms\": %g,\n"
            "  \"duration_s\": %g,\n  \"top_db\": %g,\n  \"random_crop\": %d,\n", c->sample_rate_hz,
            c->n_mels, (double)c->win_ms, (double)c->hop_ms, (double)c->duration_s,
            (double)c->top_db, c->random_crop);
    fprintf(f, "  \"epochs\": %d,\n  \"batch\": %d,\n  \"optimizer\": \"%s\",\n  \"lr\": %g,\n"
            "  \"momentum\": %g,\n  \"weight_decay\": %g,\n  \"schedule\": \"%s\",\n"
            "  \"warmup_epochs\": %g,\n  \"label_smoothing\": %g,\n  \"ema\": %g,\n  \"patience\": %d,\n"
            "  \"seed\": %llu,\n  \"threads\": %d,\n", c->epochs, c->batch,
            opt[c->optimizer == AURIS_NN_ADAMW], (double)c->lr, (double)c->momentum,
            (double)c->weight_decay, sched[c->schedule % 3], (double)c->warmup_epochs,
            (double)c->label_smoothing, (double)c->ema, c->patience, (unsigned long long)c->seed, c->threads);
    fprintf(f, "  \"time_masks\": %d,\n  \"freq_masks\": %d,\n  \"time_mask_frac\": %g,\n"
            "  \"freq_mask_frac\": %g,\n  \"mixup\": %g,\n  \"gain_db\": %g,\n  \"shift_s\": %g,\n"
            "  \"speed\": %g,\n  \"lowpass_prob\": %g,\n  \"tempo\": %g,\n  \"trim_db\": %g,\n  \"noise_prob\": %g,\n  \"snr_db\": [%g, %g],\n"
            "  \"rir_prob\": %g,\n  \"head_hidden\": %d,\n", c->time_masks, c->freq_masks,
            (double)c->time_mask_frac, (double)c->freq_mask_frac, (double)c->mixup,
            (double)c->gain_db, (double)c->shift_s, (double)c->speed, (double)c->lowpass_prob,
            (double)c->tempo, (double)c->trim_db,
            (double)(c->noise_dir ? c->noise_prob : 0), (double)c->snr_min_db,
            (double)c->snr_max_db, (double)(c->rir_dir ? c->rir_prob : 0), c->head_hidden);
    static const char *const paths[] = {"noise_dir", "rir_dir", "yamnet"};
    const char *vals[] = {c->noise_dir, c->rir_dir, c->yamnet_path};
    for (int i = 0; i < 3; i++) {
        fprintf(f, "  \"%s\": ", paths[i]);
        if (vals[i])
            auris_json_string(f, vals[i]);
        else
            fputs("null", f);
        fputs(i < 2 ? ",\n" : "\n}\n", f);
    }
    return fclose(f) ? auris_fail(err, AURIS_EIO, "%s: write failed", path) : AURIS_OK;
}

/* Scores the evaluation set with the saved best model, exactly as `auris val` does. */
static auris_status final_metrics(run *r, const auris_dataset *eval, auris_train_result *res,
                                  auris_error *err)
{
    const auris_train_config *c = r->cfg;
    char path[4096];
    snprintf(path, sizeof path, "%s/weights/%s.safetensors", c->run_dir,
             c->eval_last ? "last" : "best");
    auris_trained_classifier_config cc;
    auris_trained_classifier_config_default(&cc);
    cc.yamnet_path = c->yamnet_path;
    auris_trained_classifier *cl = NULL;
    auris_metrics *mt = NULL;
    auris_status st = auris_trained_classifier_load(path, &cc, &cl, err);
    if (!st)
        st = auris_metrics_new(r->classes, &mt, err);
    size_t skipped = 0;
    if (!st)
        st = auris_trained_classifier_evaluate(cl, eval, mt, &skipped, err);
    const char *const *labels = auris_dataset_class_names(r->tr.d);
    if (!st) {
        res->top1 = auris_metrics_top1(mt);
        res->top5 = auris_metrics_top5(mt);
        res->macro_f1 = auris_metrics_macro_f1(mt);
        snprintf(path, sizeof path, "%s/metrics.json", c->run_dir);
        st = auris_metrics_write_json(mt, labels, path, err);
    }
    if (!st) {
        snprintf(path, sizeof path, "%s/confusion_matrix.png", c->run_dir);
        st = auris_plot_confusion(mt, labels, 0, path, err);
    }
    if (!st) {
        snprintf(path, sizeof path, "%s/confusion_matrix_normalized.png", c->run_dir);
        st = auris_plot_confusion(mt, labels, 1, path, err);
    }
    auris_metrics_free(mt);
    auris_trained_classifier_free(cl);
    return st;
}

/* ---- the run ---- */

void auris_train_config_default(auris_train_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->model = AURIS_TRAIN_CNN;
    cfg->preset = "small";
    cfg->sample_rate_hz = 16000;
    cfg->n_mels = 64;
    cfg->win_ms = 25;
    cfg->hop_ms = 10;
    cfg->duration_s = 1;
    cfg->top_db = TRAIN_DEFAULT_TOP_DB;
    cfg->random_crop = 1;
    cfg->epochs = 30;
    cfg->batch = 32;
    cfg->optimizer = AURIS_NN_ADAMW;
    cfg->lr = 3e-3f;
    cfg->momentum = 0.9f;
    cfg->weight_decay = 1e-3f;
    cfg->schedule = AURIS_NN_LR_COSINE;
    cfg->warmup_epochs = 1;
    cfg->label_smoothing = 0.05f;
    cfg->patience = 10;
    cfg->threads = 1;
    cfg->time_mask_frac = 0.1f;
    cfg->freq_mask_frac = 0.15f;
    cfg->noise_prob = 0.5f;
    cfg->snr_min_db = 5;
    cfg->snr_max_db = 20;
    cfg->rir_prob = 0.3f;
    cfg->head_hidden = 256;
}

int auris_train_model_from_name(const char *name)
{
    static const char *const names[] = {"cnn", "yamnet-head"};
    return auris_name_index(names, 2, name);
}

static auris_status check_config(const auris_train_config *c, const auris_dataset *train,
                                 const auris_dataset *val, auris_error *err)
{
    if (!c->run_dir)
        return auris_fail(err, AURIS_EINVAL, "training: no run folder");
    if (c->epochs < 1 || c->batch < 2 || c->threads < 1 || c->threads > MAX_THREADS ||
        !(c->lr > 0) || c->duration_s <= 0 || c->sample_rate_hz < AURIS_MIN_SAMPLE_RATE_HZ ||
        c->n_mels < 1 || c->mixup < 0 || c->speed < 0 || c->speed >= 0.5f ||
        c->tempo < 0 || c->tempo >= 0.5f || c->trim_db < 0 || c->trim_db > 60 ||
        !(c->ema >= 0 && c->ema < 1) || !(c->lowpass_prob >= 0 && c->lowpass_prob <= 1) ||
        !(c->top_db >= 10 && c->top_db <= 120))
        return auris_fail(err, AURIS_EINVAL, "training: invalid configuration (epochs %d, "
                          "batch %d, threads %d, lr %g, duration %g s, rate %d, mels %d, mixup %g, "
                          "speed %g, tempo %g, ema %g, top-db %g)", c->epochs, c->batch, c->threads,
                          (double)c->lr, (double)c->duration_s, c->sample_rate_hz, c->n_mels,
                          (double)c->mixup, (double)c->speed, (double)c->tempo, (double)c->ema,
                          (double)c->top_db);
    if (c->model == AURIS_TRAIN_YAMNET_HEAD && !c->yamnet_path)
        return auris_fail(err, AURIS_EINVAL, "yamnet-head: no YAMNet model file given");
    /* yamnet-head trains on cached embeddings: changing the sound would need them computed
     * again every epoch, so these would silently do nothing */
    if (c->model == AURIS_TRAIN_YAMNET_HEAD &&
        (c->time_masks || c->freq_masks || c->gain_db > 0 || c->shift_s > 0 || c->speed > 0 ||
         c->tempo > 0 || c->trim_db > 0 || c->lowpass_prob > 0 || c->noise_dir || c->rir_dir))
        return auris_fail(err, AURIS_EINVAL, "yamnet-head trains on cached YAMNet embeddings: "
                          "of the augmentations only --mixup applies (not --specaugment, --gain, "
                          "--shift, --speed, --tempo, --trim, --lowpass, --noise, --rir)");
    if (auris_dataset_class_count(train) < 2)
        return auris_fail(err, AURIS_EINVAL, "training needs at least 2 classes (found %d)",
                          auris_dataset_class_count(train));
    if (!val || !auris_dataset_count(val))
        return auris_fail(err, AURIS_EINVAL, "training needs a validation set");
    if (auris_dataset_class_count(val) != auris_dataset_class_count(train))
        return auris_fail(err, AURIS_EINVAL, "validation classes differ from training classes");
    return AURIS_OK;
}

static auris_status prepare(run *r, worker *ws, const auris_train_config *cfg,
                            const auris_dataset *train, const auris_dataset *val,
                            auris_error *err)
{
    int yam = cfg->model == AURIS_TRAIN_YAMNET_HEAD;
    auris_status st = AURIS_OK;
    if (yam) {
        r->in_size = AURIS_YAMNET_EMBEDDING;
        r->fc.sample_rate_hz = AURIS_YAMNET_RATE_HZ;
        st = train_embedder_new(cfg->yamnet_path, cfg->cache_dir, &r->emb, err);
    } else {
        st = train_augment_new(cfg, r->fc.sample_rate_hz, &r->aug, err);
    }
    for (int i = 0; !st && i < cfg->threads; i++) {
        ws[i] = (worker){.r = r, .id = i, .n_workers = cfg->threads};
        if (yam)
            continue;
        st = train_featurizer_new(&r->fc, &ws[i].fz, err);
        if (!st) {
            ws[i].clip = malloc(r->fc.clip_samples * sizeof *ws[i].clip);
            ws[i].tmp = malloc(r->fc.clip_samples * sizeof *ws[i].tmp);
            r->rows = r->fc.n_mels;
            r->cols = train_featurizer_frames(ws[i].fz);
            r->in_size = (size_t)r->rows * r->cols;
            ws[i].stretch = malloc(r->in_size * sizeof *ws[i].stretch);
            if (!ws[i].clip || !ws[i].tmp || !ws[i].stretch)
                st = auris_fail(err, AURIS_ENOMEM, "training: out of memory");
        }
    }
    if (!st)
        st = split_init(r, &r->tr, train, !yam, err);
    if (!st)
        st = split_init(r, &r->va, val, 0, err);
    if (!st)
        st = run_workers(r, ws, &r->tr, 0, err);
    if (!st)
        st = run_workers(r, ws, &r->va, 1, err);
    if (st)
        return st;
    if (!yam) {
        compact(r, &r->tr);
        compact(r, &r->va);
    }
    if (r->tr.n < 2 || !r->va.n)
        return auris_fail(err, AURIS_EEMPTY, "training: %zu readable training and %zu "
                          "validation files", r->tr.n, r->va.n);
    r->epoch_x = malloc(r->tr.n * r->in_size * sizeof *r->epoch_x);
    r->epoch_y = malloc(r->tr.n * sizeof *r->epoch_y);
    r->order = malloc(r->tr.n * sizeof *r->order);
    if (!r->epoch_x || !r->epoch_y || !r->order)
        return auris_fail(err, AURIS_ENOMEM, "training: out of memory for %zu inputs", r->tr.n);
    return AURIS_OK;
}

static void report(const run *r, int phase, int epoch, int batch, int batches, float lr,
                   double loss, double acc, double vloss, double top1, double top5, int best)
{
    if (!r->cfg->progress)
        return;
    auris_train_progress p = {phase, epoch, r->cfg->epochs, batch, batches, now_s() - r->t0,
                              lr, loss, acc, vloss, top1, top5, best};
    r->cfg->progress(&p, r->cfg->progress_user);
}

static auris_status train_epochs(run *r, worker *ws, auris_nn_trainer *t, batch_ctx *bc,
                                 FILE *csv, auris_train_result *res, auris_error *err)
{
    const auris_train_config *c = r->cfg;
    auris_metrics *mt = NULL;
    auris_status st = auris_metrics_new(r->classes, &mt, err);
    size_t bs = (size_t)c->batch;
    int batches = (int)((r->tr.n + bs - 1) / bs);
    int since_best = 0;
    res->best_val_loss = INFINITY;
    for (int e = 1; !st && e <= c->epochs; e++) {
        r->epoch = e;
        shuffle(r);
        st = run_workers(r, ws, &r->tr, 2, err);
        double sum = 0;
        int correct = 0;
        size_t seen = 0;
        float lr = 0;
        for (int b = 0; !st && b < batches; b++) {
            if (c->cancel && *c->cancel) {
                st = auris_fail(err, AURIS_ECANCELED, "training interrupted in epoch %d", e);
                break;
            }
            size_t at = (size_t)b * bs;
            int n = (int)(r->tr.n - at < bs ? r->tr.n - at : bs);
            if (n < 2)
                break;   /* batch norm needs two samples */
            lr = auris_nn_lr_at(&r->tc, auris_nn_trainer_steps(t));
            double loss = 0;
            st = train_batch(r, bc, at, n, &loss, &correct, err);
            if (!st && r->ema)
                train_ema_update(r->ema, r->model);
            sum += loss * n;
            seen += (size_t)n;
            report(r, 0, e, b + 1, batches, lr, sum / (double)seen, (double)correct / (double)seen,
                   0, 0, 0, 0);
        }
        if (st)
            break;
        if (r->ema)
            train_ema_swap(r->ema, r->model);   /* evaluate and save the average ... */
        double vloss;
        st = evaluate(r, mt, &vloss, err);
        if (st)
            break;
        res->epochs_run = e;
        int best = vloss < res->best_val_loss;
        fprintf(csv, "%d,%.6f,%.6f,%.6f,%.6f,%.6g\n", e, sum / (double)(seen ? seen : 1), vloss,
                auris_metrics_top1(mt), auris_metrics_top5(mt), (double)lr);
        fflush(csv);
        st = save_weights(r, "last.safetensors", err);
        if (!st && best) {
            res->best_val_loss = vloss;
            res->best_epoch = e;
            since_best = 0;
            st = save_weights(r, "best.safetensors", err);
        } else {
            since_best++;
        }
        if (r->ema)
            train_ema_swap(r->ema, r->model);   /* ... and train on */
        if (st)
            break;
        report(r, 1, e, batches, batches, lr, sum / (double)(seen ? seen : 1),
               (double)correct / (double)(seen ? seen : 1), vloss, auris_metrics_top1(mt),
               auris_metrics_top5(mt), best);
        if (c->patience > 0 && since_best >= c->patience)
            break;
    }
    auris_metrics_free(mt);
    return st;
}

static auris_status train_run(const auris_train_config *cfg, const auris_dataset *train,
                              const auris_dataset *val, const auris_dataset *test,
                              auris_train_result *result, auris_error *err)
{
    auris_train_result res_local;
    auris_train_result *res = result ? result : &res_local;
    memset(res, 0, sizeof *res);
    auris_status st = check_config(cfg, train, val, err);
    if (st)
        return st;
    run r = {.cfg = cfg, .classes = auris_dataset_class_count(train), .t0 = now_s()};
    train_feat_config_from(cfg, &r.fc);
    worker ws[MAX_THREADS];
    memset(ws, 0, sizeof ws);
    char path[4096];
    snprintf(path, sizeof path, "%s/weights", cfg->run_dir);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        st = auris_fail(err, AURIS_EIO, "%s: cannot create folder", path);
    if (!st)
        st = prepare(&r, ws, cfg, train, val, err);
    if (!st)
        st = build_model(&r, auris_dataset_class_names(train), err);
    auris_nn_trainer *t = NULL;
    batch_ctx bc = {0};
    if (!st) {
        auris_nn_trainer_config tc;
        auris_nn_trainer_config_default(&tc);
        int spe = (int)((r.tr.n + (size_t)cfg->batch - 1) / (size_t)cfg->batch);
        tc.optimizer = cfg->optimizer;
        tc.lr = cfg->lr;
        tc.momentum = cfg->momentum;
        tc.weight_decay = cfg->weight_decay;
        tc.schedule = cfg->schedule;
        tc.warmup_steps = (int)(cfg->warmup_epochs * (float)spe);
        tc.total_steps = cfg->epochs * spe;
        tc.step_size = spe * (cfg->epochs / 3 > 0 ? cfg->epochs / 3 : 1);
        tc.gamma = 0.1f;
        tc.min_lr = cfg->lr * 0.01f;
        tc.clip_norm = 5.0f;
        tc.label_smoothing = cfg->label_smoothing;
        tc.max_batch = cfg->batch;
        tc.seed = train_rng_seed(cfg->seed, 0xd409);
        r.tc = tc;
        st = auris_nn_trainer_new(r.model, &tc, &t, err);
        if (!st && cfg->ema > 0)
            st = train_ema_new(r.model, cfg->ema, &r.ema, err);
        size_t g = (size_t)cfg->batch * (size_t)r.classes;
        bc = (batch_ctx){t, malloc((size_t)cfg->batch * r.in_size * sizeof(float)),
                         malloc(g * sizeof(float)), malloc(g * sizeof(float)),
                         malloc((size_t)cfg->batch * sizeof(int))};
        if (!st && (!bc.mix || !bc.grad || !bc.grad2 || !bc.labels2))
            st = auris_fail(err, AURIS_ENOMEM, "training: out of memory");
    }
    FILE *csv = NULL;
    if (!st) {
        snprintf(path, sizeof path, "%s/args.json", cfg->run_dir);
        st = write_args(cfg, path, err);
    }
    if (!st) {
        snprintf(path, sizeof path, "%s/results.csv", cfg->run_dir);
        if (!(csv = fopen(path, "w")))
            st = auris_fail(err, AURIS_EIO, "%s: cannot write", path);
        else
            fprintf(csv, "epoch,train_loss,val_loss,top1,top5,lr\n");
    }
    if (!st)
        st = train_epochs(&r, ws, t, &bc, csv, res, err);
    if (st == AURIS_ECANCELED) {
        auris_error e2 = {0};
        if (r.ema)
            train_ema_swap(r.ema, r.model);
        if (save_weights(&r, "last.safetensors", &e2) == AURIS_OK && !res->best_epoch)
            save_weights(&r, "best.safetensors", &e2);
    }
    if (csv)
        fclose(csv);
    res->skipped = r.skipped;
    if (!st) {
        snprintf(path, sizeof path, "%s/results.csv", cfg->run_dir);
        char png[4096];
        snprintf(png, sizeof png, "%s/results.png", cfg->run_dir);
        st = auris_plot_results(path, png, err);
    }
    if (!st)
        st = final_metrics(&r, test ? test : val, res, err);
    auris_nn_trainer_free(t);
    free(bc.mix);
    free(bc.grad);
    free(bc.grad2);
    free(bc.labels2);
    for (int i = 0; i < MAX_THREADS; i++) {
        train_featurizer_free(ws[i].fz);
        free(ws[i].clip);
        free(ws[i].tmp);
        free(ws[i].stretch);
    }
    split_free(&r.tr);
    split_free(&r.va);
    free(r.epoch_x);
    free(r.epoch_y);
    free(r.order);
    train_augment_free(r.aug);
    train_embedder_free(r.emb);
    train_ema_free(r.ema);
    auris_nn_model_free(r.model);
    return st;
}

auris_status auris_train_run(const auris_train_config *cfg, const auris_dataset *train,
                             const auris_dataset *val, const auris_dataset *test,
                             auris_train_result *result, auris_error *err)
{
    /* the network runs on cfg->threads engine threads, and the caller's settings return */
    int omp = omp_get_max_threads(), blas = openblas_get_num_threads();
    if (cfg->threads > 0) {
        omp_set_num_threads(cfg->threads);
        openblas_set_num_threads(cfg->threads);
    }
    auris_status st = train_run(cfg, train, val, test, result, err);
    omp_set_num_threads(omp);
    openblas_set_num_threads(blas);
    return st;
}
