/* The speech-recognition API: configuration errors name what is wrong, silence gives no
 * segment, a recording gives timed words (skipped without PocketSphinx's test data). */
#include "auris/asr.h"
#include "auris/audio.h"
#include "test.h"

#define LIBRIVOX "/usr/share/pocketsphinx/test/data/librivox/"

typedef struct collected {
    int segments;
    double first_start, last_end;
    char text[1024];
    int words_ordered, confidences_ok;
    char words[4096];  /* "word start end confidence" of every word */
} collected;

static void on_segment(const auris_asr_segment *seg, void *user)
{
    collected *c = user;
    if (!c->segments++)
        c->first_start = seg->start_s;
    c->last_end = seg->end_s;
    size_t len = strlen(c->text);
    snprintf(c->text + len, sizeof c->text - len, "%s%s", len ? " " : "", seg->text);
    for (size_t i = 0; i < seg->n_words; i++) {
        const auris_asr_word *w = &seg->words[i];
        if (!(w->start_s < w->end_s) || (i && w->start_s < seg->words[i - 1].end_s - 1e-9))
            c->words_ordered = 0;
        if (!(w->confidence >= 0 && w->confidence <= 1))
            c->confidences_ok = 0;
        size_t wl = strlen(c->words);
        snprintf(c->words + wl, sizeof c->words - wl, "%s %.3f %.3f %.4f\n", w->word, w->start_s, w->end_s, (double)w->confidence);
    }
}

static void test_config_errors(void)
{
    auris_asr_config cfg;
    auris_asr_model *m = NULL;
    auris_error err = {0};

    auris_asr_config_default(&cfg);
    cfg.acoustic_dir = "/nonexistent/model";
    CHECK(auris_asr_model_new(&cfg, &m, &err) == AURIS_EMODEL && !m);
    CHECK_MSG(strstr(err.message, "/nonexistent/model/mdef") != NULL, "%s", err.message);

    auris_asr_config_default(&cfg);
    cfg.dict_path = "/nonexistent.dict";
    CHECK(auris_asr_model_new(&cfg, &m, &err) == AURIS_EMODEL);
    CHECK_MSG(strstr(err.message, "/nonexistent.dict") && strstr(err.message, "dictionary"),
              "%s", err.message);

    auris_asr_config_default(&cfg);
    cfg.engine = "whisper-xl";
    CHECK(auris_asr_model_new(&cfg, &m, &err) == AURIS_EUNSUPPORTED);

    auris_asr_config_default(&cfg);
    cfg.sample_rate_hz = 8000;
    CHECK(auris_asr_model_new(&cfg, &m, &err) == AURIS_EINVAL);

    auris_asr_config_default(&cfg);
    cfg.keyphrase = "hello";
    cfg.grammar_path = "x.gram";
    CHECK(auris_asr_model_new(&cfg, &m, &err) == AURIS_EINVAL);
    auris_asr_model_free(NULL);
    auris_asr_stream_free(NULL);
}

static auris_asr_stream *open_stream(auris_asr_model **m, collected *c)
{
    auris_asr_config cfg;
    auris_asr_config_default(&cfg);
    auris_error err = {0};
    auris_asr_stream *s = NULL;
    auris_asr_callbacks cb = {on_segment, NULL, c};
    if (auris_asr_model_new(&cfg, m, &err) || auris_asr_stream_new(*m, &cb, &s, &err))
        fprintf(stderr, "cannot open the model: %s\n", err.message);
    return s;
}

static void test_silence(void)
{
    collected c = {0};
    auris_asr_model *m = NULL;
    auris_asr_stream *s = open_stream(&m, &c);
    CHECK(s != NULL);
    if (s) {
        float *zeros = calloc(16000 * 5, sizeof *zeros);
        /* Odd piece sizes: segmentation must not depend on them. */
        for (size_t at = 0; at < 16000 * 5; at += 777) {
            size_t n = 16000 * 5 - at < 777 ? 16000 * 5 - at : 777;
            CHECK_OK(auris_asr_stream_process(s, zeros + at, n));
        }
        CHECK_OK(auris_asr_stream_finish(s));
        CHECK(c.segments == 0);
        free(zeros);
    }
    auris_asr_stream_free(s);
    auris_asr_model_free(m);
}

/* A LibriVox test recording at 16 kHz (0 when pocketsphinx-testdata is missing). */
static int load_librivox(const char *id, float **x, size_t *frames)
{
    int rate = 0, ch = 0;
    auris_source_config scfg;
    auris_source_config_default(&scfg);
    scfg.sample_rate_hz = 16000;
    auris_error err = {0};
    char path[256];
    snprintf(path, sizeof path, LIBRIVOX "sense_and_sensibility_01_austen_64kb-%s.wav", id);
    if (auris_audio_load(path, &scfg, 60, x, frames, &rate, &ch, &err)) {
        printf("skipped: pocketsphinx-testdata not installed (%s)\n", err.message);
        return 0;
    }
    return 1;
}

/* librivox 0930 ("he might even have been made amiable himself") after 1.5 s of silence,
 * then the same again from time 0 after finish: times restart, words are ordered. */
static void test_recording(void)
{
    float *x = NULL;
    size_t frames = 0;
    if (!load_librivox("0930", &x, &frames))
        return;
    collected c = {0, 0, 0, "", 1, 1, ""};
    auris_asr_model *m = NULL;
    auris_asr_stream *s = open_stream(&m, &c);
    CHECK(s != NULL);
    if (s) {
        float *pad = calloc(24000, sizeof *pad);
        CHECK_OK(auris_asr_stream_process(s, pad, 24000));
        CHECK_OK(auris_asr_stream_process(s, x, frames));
        CHECK_OK(auris_asr_stream_finish(s));
        CHECK(c.segments == 1);
        CHECK_MSG(c.first_start > 1.5 && c.first_start < 2.0, "start %g", c.first_start);
        CHECK(c.last_end <= 1.5 + (double)frames / 16000 + 0.01);
        CHECK_MSG(strstr(c.text, "he might even have been made") != NULL, "'%s'", c.text);
        CHECK(c.words_ordered && c.confidences_ok);

        double first = c.first_start;
        memset(&c, 0, sizeof c);
        CHECK_OK(auris_asr_stream_process(s, x, frames));
        CHECK_OK(auris_asr_stream_finish(s));
        CHECK(c.segments == 1);
        CHECK_NEAR(c.first_start, first - 1.5, 0.05);
        free(pad);
    }
    auris_asr_stream_free(s);
    auris_asr_model_free(m);
    free(x);
}

/* An input's words, times and confidences do not depend on what the stream decoded before
 * it (noise estimate and cepstral mean start again for each input): recording A alone,
 * then another recording at a very different level followed by A on the same stream. */
static void test_inputs_independent(void)
{
    float *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    if (!load_librivox("0930", &a, &na) || !load_librivox("0880", &b, &nb)) {
        free(a);
        return;
    }
    for (size_t i = 0; i < nb; i++)
        b[i] *= 0.05f;
    collected alone = {0}, after = {0};
    auris_asr_model *m = NULL;
    auris_asr_stream *s = open_stream(&m, &alone);
    CHECK(s != NULL);
    if (s) {
        CHECK_OK(auris_asr_stream_process(s, a, na));
        CHECK_OK(auris_asr_stream_finish(s));
    }
    auris_asr_stream_free(s);
    auris_asr_model_free(m);
    s = open_stream(&m, &after);
    CHECK(s != NULL);
    if (s) {
        CHECK_OK(auris_asr_stream_process(s, b, nb));
        CHECK_OK(auris_asr_stream_finish(s));
        after.words[0] = '\0';
        CHECK_OK(auris_asr_stream_process(s, a, na));
        CHECK_OK(auris_asr_stream_finish(s));
        CHECK(alone.words[0] != '\0');
        CHECK_MSG(!strcmp(alone.words, after.words), "alone:\n%safter another input:\n%s",
                  alone.words, after.words);
    }
    auris_asr_stream_free(s);
    auris_asr_model_free(m);
    free(a);
    free(b);
}

int main(void)
{
    test_config_errors();
    test_silence();
    test_recording();
    test_inputs_independent();
    return test_finish("asr/asr_api");
}
