/* Engine-neutral speech recognition: segmentation at pauses, timing and callbacks. The
 * engines (asr_engine.h) only decode one utterance at a time. */
#include "auris/asr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tasks/asr_engine.h"

/* Speech running this long past max_segment_s without a single unvoiced frame is cut. */
#define ASR_HARD_CUT_EXTRA_S 5.0
/* Live mode asks the engine for its running hypothesis at most this often (audio time). */
#define ASR_PARTIAL_INTERVAL_S 0.1

static const asr_engine *const engines[] = {&asr_engine_pocketsphinx};

struct auris_asr_model {
    const asr_engine *engine;
    void *engine_model;
    auris_asr_config cfg;  /* string fields are not used after auris_asr_model_new */
};

struct auris_asr_stream {
    const auris_asr_model *model;
    auris_asr_callbacks cb;
    void *dec;
    auris_vad *vad;
    size_t frame_len;
    float *frame;          /* one VAD frame being filled */
    size_t frame_fill;
    float *preroll;        /* ring of the last preroll_frames frames before speech */
    size_t preroll_frames, preroll_count, preroll_head;
    long long frames_done; /* VAD frames taken since the start of the input */
    int in_utt;
    int input_started;      /* an utterance of the current input has begun */
    long long utt_start_frame;
    size_t max_frames, hard_frames;
    long long partial_every, next_partial;  /* frames */
    char *last_partial;
    size_t last_partial_cap;
    asr_words words;
    char *seg_text;
    size_t seg_text_cap;
    auris_error err;
};

void auris_asr_config_default(auris_asr_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->engine = "pocketsphinx";
    cfg->kws_threshold = 1e-20;
    cfg->sample_rate_hz = 16000;
    cfg->use_vad = 1;
    auris_vad_config_default(&cfg->vad);
    cfg->preroll_s = 0.25f;
    cfg->max_segment_s = 30.0f;
}

auris_status auris_asr_model_new(const auris_asr_config *cfg, auris_asr_model **out,
                                 auris_error *err)
{
    *out = NULL;
    if (!cfg)
        return auris_fail(err, AURIS_EINVAL, "asr: no configuration");
    const char *name = cfg->engine ? cfg->engine : "pocketsphinx";
    const asr_engine *engine = NULL;
    for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++)
        if (!strcmp(engines[i]->name, name))
            engine = engines[i];
    if (!engine)
        return auris_fail(err, AURIS_EUNSUPPORTED, "asr: unknown engine '%s'", name);
    if (cfg->sample_rate_hz != engine->sample_rate_hz)
        return auris_fail(err, AURIS_EINVAL, "asr: the %s engine takes %d Hz audio, not %d Hz",
                          name, engine->sample_rate_hz, cfg->sample_rate_hz);
    if (!(cfg->preroll_s >= 0 && cfg->preroll_s <= 2) ||
        !(cfg->max_segment_s >= 1 && cfg->max_segment_s <= 600))
        return auris_fail(err, AURIS_EINVAL,
                          "asr: preroll_s must be in [0, 2] and max_segment_s in [1, 600]");
    if (cfg->vad.sample_rate_hz != cfg->sample_rate_hz)
        return auris_fail(err, AURIS_EINVAL, "asr: the VAD rate must equal the audio rate");
    auris_asr_model *m = calloc(1, sizeof *m);
    if (!m)
        return auris_fail(err, AURIS_ENOMEM, "asr: out of memory");
    m->engine = engine;
    m->cfg = *cfg;
    auris_status st = engine->model_new(cfg, &m->engine_model, err);
    if (st) {
        free(m);
        return st;
    }
    *out = m;
    return AURIS_OK;
}

int auris_asr_model_sample_rate(const auris_asr_model *model)
{
    return model->engine->sample_rate_hz;
}

const char *auris_asr_model_engine(const auris_asr_model *model)
{
    return model->engine->name;
}

void auris_asr_model_free(auris_asr_model *model)
{
    if (!model)
        return;
    model->engine->model_free(model->engine_model);
    free(model);
}

void asr_words_clear(asr_words *w)
{
    w->n = 0;
    w->text_len = 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

auris_status asr_words_add(asr_words *w, const char *word, size_t len, double start_s,
                           double end_s, float confidence)
{
    char *old_text = w->text;
    if (grow((void **)&w->text, &w->text_cap, w->text_len + len + 1, 1) ||
        grow((void **)&w->items, &w->cap, w->n + 1, sizeof *w->items))
        return AURIS_ENOMEM;
    if (w->text != old_text)
        for (size_t i = 0; i < w->n; i++)
            w->items[i].word = w->text + (w->items[i].word - old_text);
    memcpy(w->text + w->text_len, word, len);
    w->text[w->text_len + len] = '\0';
    w->items[w->n++] = (auris_asr_word){w->text + w->text_len, start_s, end_s, confidence};
    w->text_len += len + 1;
    return AURIS_OK;
}

void asr_words_free(asr_words *w)
{
    free(w->items);
    free(w->text);
    memset(w, 0, sizeof *w);
}

auris_status auris_asr_stream_new(const auris_asr_model *model, const auris_asr_callbacks *cb,
                                  auris_asr_stream **out, auris_error *err)
{
    *out = NULL;
    if (!model || !cb || !cb->on_segment)
        return auris_fail(err, AURIS_EINVAL, "asr: a model and a segment callback are needed");
    auris_asr_stream *s = calloc(1, sizeof *s);
    if (!s)
        return auris_fail(err, AURIS_ENOMEM, "asr: out of memory");
    s->model = model;
    s->cb = *cb;
    auris_status st = auris_vad_new(&model->cfg.vad, &s->vad, err);
    if (st) {
        free(s);
        return st;
    }
    s->frame_len = auris_vad_frame_length(s->vad);
    double frame_s = (double)s->frame_len / model->cfg.sample_rate_hz;
    s->preroll_frames = (size_t)lround(model->cfg.preroll_s / frame_s) +
                        (size_t)auris_vad_start_frames(s->vad);
    s->max_frames = (size_t)lround(model->cfg.max_segment_s / frame_s);
    s->hard_frames = s->max_frames + (size_t)lround(ASR_HARD_CUT_EXTRA_S / frame_s);
    s->partial_every = lround(ASR_PARTIAL_INTERVAL_S / frame_s);
    s->frame = malloc(s->frame_len * sizeof *s->frame);
    s->preroll = malloc((s->preroll_frames + 1) * s->frame_len * sizeof *s->preroll);
    if (!s->frame || !s->preroll) {
        auris_asr_stream_free(s);
        return auris_fail(err, AURIS_ENOMEM, "asr: out of memory");
    }
    st = model->engine->decoder_new(model->engine_model, &s->dec, err);
    if (st) {
        auris_asr_stream_free(s);
        return st;
    }
    *out = s;
    return AURIS_OK;
}

static double frames_to_s(const auris_asr_stream *s, long long frames)
{
    return (double)frames * (double)s->frame_len / s->model->cfg.sample_rate_hz;
}

static auris_status fail(auris_asr_stream *s, auris_status st)
{
    if (!s->err.message[0])
        auris_fail(&s->err, st, "asr: %s", auris_strerror(st));
    s->err.status = st;
    return st;
}

static auris_status begin_utt(auris_asr_stream *s, long long start_frame)
{
    s->err.message[0] = '\0';
    auris_status st = s->model->engine->begin(s->dec, !s->input_started, &s->err);
    if (st)
        return fail(s, st);
    s->input_started = 1;
    s->in_utt = 1;
    s->utt_start_frame = start_frame;
    if (s->last_partial)
        s->last_partial[0] = '\0';
    return AURIS_OK;
}

static auris_status build_text(auris_asr_stream *s)
{
    size_t need = 1;
    for (size_t i = 0; i < s->words.n; i++)
        need += strlen(s->words.items[i].word) + 1;
    if (grow((void **)&s->seg_text, &s->seg_text_cap, need, 1))
        return AURIS_ENOMEM;
    char *p = s->seg_text;
    for (size_t i = 0; i < s->words.n; i++) {
        size_t len = strlen(s->words.items[i].word);
        if (i)
            *p++ = ' ';
        memcpy(p, s->words.items[i].word, len);
        p += len;
    }
    *p = '\0';
    return AURIS_OK;
}

/* Decodes what was fed since begin_utt and reports it; a segment without words (a cough,
 * a door) is not reported. */
static auris_status end_utt(auris_asr_stream *s)
{
    s->in_utt = 0;
    asr_words_clear(&s->words);
    s->err.message[0] = '\0';
    auris_status st = s->model->engine->end(s->dec, &s->words, &s->err);
    if (st)
        return fail(s, st);
    if (!s->words.n)
        return AURIS_OK;
    double offset = frames_to_s(s, s->utt_start_frame);
    for (size_t i = 0; i < s->words.n; i++) {
        s->words.items[i].start_s += offset;
        s->words.items[i].end_s += offset;
    }
    if (build_text(s))
        return fail(s, AURIS_ENOMEM);
    auris_asr_segment seg = {s->words.items[0].start_s, s->words.items[s->words.n - 1].end_s,
                             s->seg_text, s->words.items, s->words.n};
    s->cb.on_segment(&seg, s->cb.user);
    return AURIS_OK;
}

static auris_status feed(auris_asr_stream *s, const float *x, size_t n)
{
    auris_status st = s->model->engine->feed(s->dec, x, n, &s->err);
    return st ? fail(s, st) : AURIS_OK;
}

static void preroll_push(auris_asr_stream *s, const float *frame)
{
    size_t slots = s->preroll_frames + 1;
    memcpy(s->preroll + s->preroll_head * s->frame_len, frame, s->frame_len * sizeof *frame);
    s->preroll_head = (s->preroll_head + 1) % slots;
    if (s->preroll_count < slots)
        s->preroll_count++;
}

/* Starts an utterance with the remembered frames before the onset (the current frame is
 * the last of them). */
static auris_status start_with_preroll(auris_asr_stream *s)
{
    size_t slots = s->preroll_frames + 1;
    auris_status st = begin_utt(s, s->frames_done + 1 - (long long)s->preroll_count);
    size_t first = (s->preroll_head + slots - s->preroll_count) % slots;
    for (size_t i = 0; i < s->preroll_count && !st; i++)
        st = feed(s, s->preroll + ((first + i) % slots) * s->frame_len, s->frame_len);
    s->preroll_count = 0;
    return st;
}

static auris_status take_frame(auris_asr_stream *s)
{
    int speech = auris_vad_process(s->vad, s->frame);
    if (!s->model->cfg.use_vad)
        speech = 1;
    auris_status st = AURIS_OK;
    if (!s->in_utt) {
        preroll_push(s, s->frame);
        if (speech)
            st = start_with_preroll(s);
    } else {
        st = feed(s, s->frame, s->frame_len);
        long long len = s->frames_done + 1 - s->utt_start_frame;
        int long_enough = len >= (long long)s->max_frames &&
                          (!auris_vad_voiced(s->vad) || len >= (long long)s->hard_frames);
        if (!st && (!speech || long_enough)) {
            st = end_utt(s);
            /* A cut inside speech goes on at once: the next frame starts a segment. */
            if (!st && speech)
                st = begin_utt(s, s->frames_done + 1);
        }
    }
    s->frames_done++;
    return st;
}

static auris_status report_partial(auris_asr_stream *s)
{
    const char *hyp = s->model->engine->partial(s->dec);
    if (s->last_partial && !strcmp(hyp, s->last_partial))
        return AURIS_OK;
    size_t len = strlen(hyp);
    if (grow((void **)&s->last_partial, &s->last_partial_cap, len + 1, 1))
        return fail(s, AURIS_ENOMEM);
    memcpy(s->last_partial, hyp, len + 1);
    if (len)
        s->cb.on_partial(hyp, frames_to_s(s, s->utt_start_frame), s->cb.user);
    return AURIS_OK;
}

auris_status auris_asr_stream_process(auris_asr_stream *s, const float *samples, size_t n)
{
    if (!s || (!samples && n))
        return AURIS_EINVAL;
    while (n) {
        size_t k = s->frame_len - s->frame_fill;
        if (k > n)
            k = n;
        memcpy(s->frame + s->frame_fill, samples, k * sizeof *samples);
        s->frame_fill += k;
        samples += k;
        n -= k;
        if (s->frame_fill == s->frame_len) {
            s->frame_fill = 0;
            auris_status st = take_frame(s);
            if (st)
                return st;
        }
    }
    if (s->in_utt && s->model->cfg.live && s->cb.on_partial &&
        s->frames_done >= s->next_partial) {
        s->next_partial = s->frames_done + s->partial_every;
        return report_partial(s);
    }
    return AURIS_OK;
}

auris_status auris_asr_stream_finish(auris_asr_stream *s)
{
    if (!s)
        return AURIS_EINVAL;
    auris_status st = AURIS_OK;
    if (s->frame_fill) {
        /* The last partial frame is padded with silence so no audio is lost. */
        memset(s->frame + s->frame_fill, 0, (s->frame_len - s->frame_fill) * sizeof *s->frame);
        s->frame_fill = 0;
        st = take_frame(s);
    }
    if (!st && s->in_utt)
        st = end_utt(s);
    auris_vad_reset(s->vad);
    s->frames_done = 0;
    s->next_partial = 0;
    s->preroll_count = 0;
    s->in_utt = 0;
    s->input_started = 0;
    return st;
}

auris_status auris_asr_stream_run(auris_asr_stream *s, auris_source *src, size_t chunk_frames,
                                  double *audio_s, auris_error *err)
{
    if (!s || !src || chunk_frames == 0)
        return auris_fail(err, AURIS_EINVAL, "asr: no stream, source or chunk size");
    float *buf = malloc(chunk_frames * sizeof *buf);
    if (!buf)
        return auris_fail(err, AURIS_ENOMEM, "asr: out of memory");
    size_t total = 0, got = 0;
    auris_status st;
    const char *why = NULL;
    for (;;) {
        if ((st = auris_source_read(src, buf, chunk_frames, &got)) != AURIS_OK) {
            why = auris_source_error(src);
            break;
        }
        if (got == 0)
            break;
        total += got;
        if ((st = auris_asr_stream_process(s, buf, got)) != AURIS_OK) {
            why = auris_asr_stream_error(s);
            break;
        }
    }
    free(buf);
    if (audio_s)
        *audio_s = (double)total / auris_source_sample_rate(src);
    if (st == AURIS_OK && (st = auris_asr_stream_finish(s)) != AURIS_OK)
        why = auris_asr_stream_error(s);
    return st == AURIS_OK ? AURIS_OK : auris_fail(err, st, "%s", why);
}

double auris_asr_stream_time(const auris_asr_stream *s)
{
    return frames_to_s(s, s->frames_done) +
           (double)s->frame_fill / s->model->cfg.sample_rate_hz;
}

const char *auris_asr_stream_error(const auris_asr_stream *s)
{
    return s ? s->err.message : "";
}

void auris_asr_stream_free(auris_asr_stream *s)
{
    if (!s)
        return;
    if (s->dec)
        s->model->engine->decoder_free(s->dec);
    auris_vad_free(s->vad);
    free(s->frame);
    free(s->preroll);
    free(s->last_partial);
    free(s->seg_text);
    asr_words_free(&s->words);
    free(s);
}
