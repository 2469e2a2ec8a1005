/* Streaming AudioSet tagger: samples -> log-mel frames (each computed once, although
 * patches overlap by half) -> batches of 96-frame patches through YAMNet's network.
 * Buffers hold one batch of patches at most, so memory does not grow with the stream. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/yamnet_internal.h"

#define HOP YAMNET_FRAME_HOP
#define PATCH_FRAMES AURIS_YAMNET_FRAMES
#define PATCH_HOP YAMNET_PATCH_HOP_FRAMES
#define BANDS AURIS_YAMNET_BANDS
#define CHUNK_FRAMES 64
#define BLOCK 80                                             /* level blocks */
#define PATCH_BLOCKS (AURIS_YAMNET_PATCH_SAMPLES / BLOCK)    /* 195 */
#define HOP_BLOCKS (AURIS_YAMNET_HOP_SAMPLES / BLOCK)        /* 96 */
#define SAMPLE_CAP (YAMNET_FRAME + HOP * (CHUNK_FRAMES - 1))
#define MAX_THREADS 64

struct auris_tagger {
    const auris_yamnet *m;
    /* Each thread runs its share of a batch on its own state with one thread inside:
     * one fork per batch instead of one per layer, which keeps both cores busy even on a
     * loaded machine. */
    auris_nn_state *state[MAX_THREADS];
    int threads, per_thread;
    yamnet_work work;
    int max_batch;
    float samples[SAMPLE_CAP];   /* from absolute sample HOP * frame_end onwards */
    int n_samples;
    float *frames;               /* log-mel frames from absolute frame PATCH_HOP * patch0 */
    int frames_cap, n_frames;
    double *blocks;              /* sums of squares of 80-sample blocks from HOP_BLOCKS * patch0 */
    int blocks_cap, n_blocks;
    double block_acc;
    int block_fill;
    int64_t patch0;              /* first patch not yet delivered */
    int pending;                 /* complete patches waiting for the network */
    int64_t real;                /* samples fed in this stream */
    int64_t fed;                 /* samples including end padding */
    float *batch;                /* pending patches as network input */
};

void auris_tagger_config_default(auris_tagger_config *cfg)
{
    cfg->max_batch = 32;
    cfg->threads = 0;
}

auris_status auris_tagger_new(const auris_yamnet *m, const auris_tagger_config *cfg,
                              auris_tagger **out, auris_error *err)
{
    *out = NULL;
    auris_tagger_config def;
    if (!cfg) {
        auris_tagger_config_default(&def);
        cfg = &def;
    }
    if (!m || cfg->max_batch < 1 || cfg->max_batch > 1024)
        return auris_fail(err, AURIS_EINVAL, "tagger: max_batch %d outside 1..1024", cfg->max_batch);
    if (cfg->threads < 0)
        return auris_fail(err, AURIS_EINVAL, "tagger: threads %d is negative (0 means OpenMP's "
                          "default)", cfg->threads);
    auris_tagger *t = calloc(1, sizeof *t);
    if (!t)
        return auris_fail(err, AURIS_ENOMEM, "tagger: out of memory");
    t->m = m;
    t->max_batch = cfg->max_batch;
    t->threads = cfg->threads ? cfg->threads : omp_get_max_threads();
    if (t->threads > MAX_THREADS)
        t->threads = MAX_THREADS;
    if (t->threads > t->max_batch)
        t->threads = t->max_batch;
    t->per_thread = (t->max_batch + t->threads - 1) / t->threads;
    t->frames_cap = PATCH_HOP * (cfg->max_batch - 1) + PATCH_FRAMES;
    /* blocks run ahead of frames by what the sample buffer holds */
    t->blocks_cap = HOP_BLOCKS * (cfg->max_batch - 1) + PATCH_BLOCKS + SAMPLE_CAP / BLOCK + 2;
    t->frames = malloc((size_t)t->frames_cap * BANDS * sizeof *t->frames);
    t->blocks = malloc((size_t)t->blocks_cap * sizeof *t->blocks);
    t->batch = malloc((size_t)cfg->max_batch * PATCH_FRAMES * BANDS * sizeof *t->batch);
    auris_nn_state_config sc;
    auris_nn_state_config_default(&sc);
    sc.max_batch = t->per_thread;
    sc.training = 0;
    sc.keep_layer = (int)m->embedding_layer;
    sc.channels_last = 1;
    auris_status st = t->frames && t->blocks && t->batch
                          ? yamnet_work_init(&t->work, CHUNK_FRAMES, err)
                          : auris_fail(err, AURIS_ENOMEM, "tagger: out of memory");
    for (int k = 0; !st && k < t->threads; k++)
        st = auris_nn_state_new(m->net, &sc, &t->state[k], err);
    if (st) {
        auris_tagger_free(t);
        return st;
    }
    *out = t;
    return AURIS_OK;
}

void auris_tagger_free(auris_tagger *t)
{
    if (!t)
        return;
    for (int k = 0; k < t->threads; k++)
        auris_nn_state_free(t->state[k]);
    yamnet_work_free(&t->work);
    free(t->frames);
    free(t->blocks);
    free(t->batch);
    free(t);
}

static void reset(auris_tagger *t)
{
    t->n_samples = t->n_frames = t->n_blocks = t->block_fill = t->pending = 0;
    t->block_acc = 0;
    t->patch0 = t->real = t->fed = 0;
}

static float patch_level(const auris_tagger *t, int b, int64_t real_end)
{
    int64_t start = (t->patch0 + b) * AURIS_YAMNET_HOP_SAMPLES;
    int64_t end = start + AURIS_YAMNET_PATCH_SAMPLES;
    if (end > real_end)
        end = real_end;
    double ss = 0;
    int first = b * HOP_BLOCKS;
    for (int k = first; k < first + PATCH_BLOCKS && k < t->n_blocks; k++)
        ss += t->blocks[k];
    if (end <= start || ss <= 0)
        return -120.0f;
    float db = (float)(10.0 * log10(ss / (double)(end - start)));
    return db < -120.0f ? -120.0f : db;
}

/* Runs the pending patches and hands them to fn, then drops what they alone needed. */
static auris_status run_batch(auris_tagger *t, int final, auris_tag_patch_fn fn, void *user,
                              auris_error *err)
{
    int n = t->pending;
    if (!n)
        return AURIS_OK;
    for (int b = 0; b < n; b++)
        memcpy(t->batch + (size_t)b * PATCH_FRAMES * BANDS,
               t->frames + (size_t)b * PATCH_HOP * BANDS, (size_t)PATCH_FRAMES * BANDS * sizeof(float));
    const float *scores[MAX_THREADS], *emb[MAX_THREADS];
    auris_status st[MAX_THREADS] = {0};
    auris_error errs[MAX_THREADS];
    int workers = (n + t->per_thread - 1) / t->per_thread;
#pragma omp parallel for num_threads(workers) schedule(static, 1) if (workers > 1)
    for (int w = 0; w < workers; w++) {
        int first = w * t->per_thread, count = n - first < t->per_thread ? n - first : t->per_thread;
        /* only inside an active region, whose end restores the count: a lone worker keeps
         * the network's own per-layer parallel loops */
        if (workers > 1)
            omp_set_num_threads(1);
        st[w] = auris_nn_forward(t->state[w], t->batch + (size_t)first * PATCH_FRAMES * BANDS,
                                 count, &scores[w], &errs[w]);
        emb[w] = auris_nn_layer_output(t->state[w], t->m->embedding_layer);
    }
    for (int w = 0; w < workers; w++)
        if (st[w]) {
            auris_error_copy(err, &errs[w]);
            return st[w];
        }
    double dur = (double)t->real / AURIS_YAMNET_RATE_HZ;
    for (int b = 0; b < n; b++) {
        auris_tag_patch p;
        p.index = t->patch0 + b;
        p.start_s = (double)p.index * AURIS_YAMNET_HOP_SAMPLES / AURIS_YAMNET_RATE_HZ;
        p.end_s = p.start_s + (double)AURIS_YAMNET_PATCH_SAMPLES / AURIS_YAMNET_RATE_HZ;
        if (final && p.end_s > dur)
            p.end_s = dur;
        int w = b / t->per_thread, r = b % t->per_thread;
        p.scores = scores[w] + (size_t)r * t->m->classes;
        p.embedding = emb[w] + (size_t)r * AURIS_YAMNET_EMBEDDING;
        p.log_mel = t->batch + (size_t)b * PATCH_FRAMES * BANDS;
        p.rms_dbfs = patch_level(t, b, t->real);
        if (fn && fn(&p, user))
            return auris_fail(err, AURIS_ECANCELED, "tagging stopped by the caller");
    }
    t->patch0 += n;
    t->pending = 0;
    int drop = n * PATCH_HOP, dropb = n * HOP_BLOCKS;
    t->n_frames -= drop;
    memmove(t->frames, t->frames + (size_t)drop * BANDS, (size_t)t->n_frames * BANDS * sizeof(float));
    t->n_blocks -= dropb;
    memmove(t->blocks, t->blocks + dropb, (size_t)t->n_blocks * sizeof *t->blocks);
    return AURIS_OK;
}

static void add_levels(auris_tagger *t, const float *x, size_t n, int real)
{
    for (size_t i = 0; i < n; i++) {
        if (real)
            t->block_acc += (double)x[i] * x[i];
        if (++t->block_fill == BLOCK) {
            t->blocks[t->n_blocks++] = t->block_acc;
            t->block_acc = 0;
            t->block_fill = 0;
        }
    }
}

/* Turns buffered samples into frames while the frame buffer has room. */
static auris_status make_frames(auris_tagger *t, auris_tag_patch_fn fn, void *user,
                                auris_error *err)
{
    for (;;) {
        int avail = t->n_samples >= YAMNET_FRAME ? (t->n_samples - YAMNET_FRAME) / HOP + 1 : 0;
        int room = t->frames_cap - t->n_frames;
        int k = avail < room ? avail : room;
        if (k > CHUNK_FRAMES)
            k = CHUNK_FRAMES;
        if (k <= 0)
            return AURIS_OK;
        yamnet_log_mel(t->m, &t->work, t->samples, k, t->frames + (size_t)t->n_frames * BANDS);
        t->n_frames += k;
        t->n_samples -= k * HOP;
        memmove(t->samples, t->samples + k * HOP, (size_t)t->n_samples * sizeof(float));
        while (t->pending * PATCH_HOP + PATCH_FRAMES <= t->n_frames &&
               t->pending < t->max_batch)
            t->pending++;
        if (t->pending == t->max_batch) {
            auris_status st = run_batch(t, 0, fn, user, err);
            if (st)
                return st;
        }
    }
}

static auris_status push(auris_tagger *t, const float *x, size_t n, int real, auris_tag_patch_fn fn,
                         void *user, auris_error *err)
{
    while (n) {
        size_t k = (size_t)(SAMPLE_CAP - t->n_samples);
        if (k > n)
            k = n;
        if (real) {
            for (size_t i = 0; i < k; i++)
                if (!isfinite(x[i]))
                    return auris_fail(err, AURIS_EDATA, "tagger: non-finite sample at %.3f s",
                                      (double)(t->real + (int64_t)i) / AURIS_YAMNET_RATE_HZ);
            memcpy(t->samples + t->n_samples, x, k * sizeof *x);
            x += k;
            t->real += (int64_t)k;
        } else {
            memset(t->samples + t->n_samples, 0, k * sizeof *x);
        }
        add_levels(t, t->samples + t->n_samples, k, real);
        t->n_samples += (int)k;
        t->fed += (int64_t)k;
        n -= k;
        auris_status st = make_frames(t, fn, user, err);
        if (st)
            return st;
    }
    return AURIS_OK;
}

auris_status auris_tagger_feed(auris_tagger *t, const float *samples, size_t n,
                               auris_tag_patch_fn fn, void *user, auris_error *err)
{
    auris_status st = push(t, samples, n, 1, fn, user, err);
    if (st)
        reset(t);
    return st;
}

auris_status auris_tagger_finish(auris_tagger *t, auris_tag_patch_fn fn, void *user,
                                 auris_error *err)
{
    if (!t->real) {
        reset(t);
        return auris_fail(err, AURIS_EEMPTY, "tagger: no audio");
    }
    int64_t patches = 1;
    if (t->real > AURIS_YAMNET_PATCH_SAMPLES)
        patches += (t->real - AURIS_YAMNET_PATCH_SAMPLES + AURIS_YAMNET_HOP_SAMPLES - 1) /
                   AURIS_YAMNET_HOP_SAMPLES;
    int64_t need = (patches - 1) * AURIS_YAMNET_HOP_SAMPLES + AURIS_YAMNET_PATCH_SAMPLES - t->fed;
    auris_status st = AURIS_OK;
    /* zero padding completes the last patch (and, being a multiple of 80, the last level
     * block) */
    if (need > 0)
        st = push(t, NULL, (size_t)need, 0, fn, user, err);
    if (!st)
        st = run_batch(t, 1, fn, user, err);
    reset(t);
    return st;
}

static auris_status check_source(auris_source *src, auris_error *err)
{
    if (auris_source_sample_rate(src) != AURIS_YAMNET_RATE_HZ || auris_source_channels(src) != 1)
        return auris_fail(err, AURIS_EINVAL, "tagger: the source must deliver 16 kHz mono (open "
                          "it with sample_rate_hz 16000 and mono 1)");
    return AURIS_OK;
}

auris_status auris_tagger_feed_source(auris_tagger *t, auris_source *src, auris_tag_patch_fn fn,
                                      void *user, auris_error *err)
{
    auris_status st = check_source(src, err);
    if (st) {
        reset(t);
        return st;
    }
    float buf[8192];
    for (;;) {
        size_t got;
        if ((st = auris_source_read(src, buf, sizeof buf / sizeof *buf, &got))) {
            reset(t);
            return auris_fail(err, st, "%s", auris_source_error(src));
        }
        if (!got)
            return auris_tagger_finish(t, fn, user, err);
        /* feed resets the tagger when it fails */
        if ((st = auris_tagger_feed(t, buf, got, fn, user, err)))
            return st;
    }
}

auris_status auris_tag_source(const auris_yamnet *m, const auris_tagger_config *cfg,
                              auris_source *src, auris_tag_patch_fn fn, void *user,
                              auris_error *err)
{
    /* checked before the tagger is built, so a wrong source costs nothing */
    auris_status st = check_source(src, err);
    if (st)
        return st;
    auris_tagger *t;
    if ((st = auris_tagger_new(m, cfg, &t, err)))
        return st;
    st = auris_tagger_feed_source(t, src, fn, user, err);
    auris_tagger_free(t);
    return st;
}
