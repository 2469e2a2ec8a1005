/* The contract between the engine-neutral speech recogniser (asr.c) and its engines
 * (asr_pocketsphinx.c, ...). An engine decodes one utterance at a time: begin, feed
 * audio, end; asr.c does the segmentation, timing and callbacks. */
#ifndef AURIS_TASKS_ASR_ENGINE_H
#define AURIS_TASKS_ASR_ENGINE_H

#include <stddef.h>
#include "auris/asr.h"

/* The words of one utterance, times relative to the utterance start. Storage grows to
 * the longest utterance seen and is reused. */
typedef struct asr_words {
    auris_asr_word *items;
    size_t n, cap;
    char *text;          /* the words' strings, NUL-separated; items point into it */
    size_t text_len, text_cap;
} asr_words;

void asr_words_clear(asr_words *w);
/* Appends a word (len bytes of word). */
auris_status asr_words_add(asr_words *w, const char *word, size_t len, double start_s,
                           double end_s, float confidence);
void asr_words_free(asr_words *w);

typedef struct asr_engine {
    const char *name;
    int sample_rate_hz;
    /* Checks files and settings; the engine model is read-only afterwards. */
    auris_status (*model_new)(const auris_asr_config *cfg, void **model, auris_error *err);
    void (*model_free)(void *model);
    auris_status (*decoder_new)(const void *model, void **dec, auris_error *err);
    void (*decoder_free)(void *dec);
    /* Starts an utterance; new_input is set for the first utterance of an input (a file,
     * or a live stream after auris_asr_stream_finish), whose channel estimates (noise
     * level, cepstral mean) must not come from the previous input. */
    auris_status (*begin)(void *dec, int new_input, auris_error *err);
    auris_status (*feed)(void *dec, const float *samples, size_t n, auris_error *err);
    /* The running hypothesis ("" when none); valid until the next call on dec. */
    const char *(*partial)(void *dec);
    /* Ends the utterance and appends its words (fillers and silences left out) to out. */
    auris_status (*end)(void *dec, asr_words *out, auris_error *err);
} asr_engine;

extern const asr_engine asr_engine_pocketsphinx;

#endif
