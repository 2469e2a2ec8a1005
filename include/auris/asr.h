/* Speech recognition: audio in, text with segment and word timestamps out.
 *
 * Engine-neutral: an auris_asr_model names an engine ("pocketsphinx" today) and its
 * model files; callers never see the engine's own API, so another engine (a native
 * Whisper one is planned) plugs in behind the same calls.
 *
 * A stream takes 16 kHz mono audio of any length in pieces of any size. A voice-activity
 * detector (auris/vad.h) splits it at pauses; each stretch of speech (at most
 * max_segment_s long) is decoded on its own and reported through a callback as an
 * auris_asr_segment, so memory stays constant whatever the length of the input. In live
 * mode the running hypothesis of the segment being spoken is reported whenever it
 * changes. All times are seconds from the start of the input.
 *
 * Modes (at most one of grammar_path, keyphrase, kws_path):
 *   dictation   the engine's n-gram language model (default);
 *   grammar     only sentences of a JSGF grammar (command vocabularies, digits);
 *   keyphrase / kws   keyword spotting: each detection is reported as one "word" whose
 *               text is the phrase; segments contain nothing else.
 *
 * Thread-safety: a model is read-only after auris_asr_model_new and may be shared by
 * streams in several threads. Each stream owns its decoder: PocketSphinx decoders cannot
 * be shared, so every stream loads its own copy of the acoustic model, dictionary and
 * language model (about 100 MB resident and 0.4 s CPU for the default en-us model). A
 * stream is used by one thread at a time. PocketSphinx logs through one process-wide hook
 * that auris_asr_stream_new sets: create streams from one thread at a time (using them
 * in parallel is fine). */
#ifndef AURIS_ASR_H
#define AURIS_ASR_H

#include <stddef.h>
#include "auris/status.h"
#include "auris/audio.h"
#include "auris/vad.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where Debian's pocketsphinx-en-us installs the English model. */
#define AURIS_ASR_DEFAULT_MODEL_DIR "/usr/share/pocketsphinx/model/en-us"

typedef struct auris_asr_config {
    const char *engine;        /* "pocketsphinx" (default) */
    const char *acoustic_dir;  /* acoustic model directory; NULL: <default>/en-us */
    const char *lm_path;       /* n-gram language model; NULL: <default>/en-us.lm.bin */
    const char *dict_path;     /* pronunciation dictionary; NULL: <default>/cmudict-en-us.dict */
    const char *grammar_path;  /* JSGF grammar: grammar mode */
    const char *keyphrase;     /* one phrase to spot */
    const char *kws_path;      /* phrases to spot, one per line: "phrase /threshold/" */
    double kws_threshold;      /* detection threshold for keyphrase, default 1e-20 */
    const char *extra_words;   /* extra dictionary entries, "word PH ON ES" separated by ';' */
    const char *engine_options;/* engine-specific settings; PocketSphinx: its own flags,
                                * "-maxhmmpf 3000 -topn 2" (they override auris's) */
    int sample_rate_hz;        /* rate of the audio given to streams: 16000 */
    int live;                  /* 1: live input: report running hypotheses every 0.1 s of
                                * audio and favour latency (PocketSphinx: one search pass
                                * instead of two); default 0 */
    int use_vad;               /* 1 (default): split at pauses; 0: cut only at max_segment_s */
    auris_vad_config vad;      /* the pause detector (hangover_s = pause that ends a segment) */
    float preroll_s;           /* audio kept before detected speech onsets, default 0.25 */
    float max_segment_s;       /* longest segment; longer speech is cut at the next
                                * unvoiced frame, or hard 5 s later. Default 30 */
} auris_asr_config;

typedef struct auris_asr_word {
    const char *word;
    double start_s, end_s;
    float confidence;          /* posterior probability in [0, 1] */
} auris_asr_word;

typedef struct auris_asr_segment {
    double start_s, end_s;
    const char *text;          /* the words joined by spaces */
    const auris_asr_word *words;
    size_t n_words;
} auris_asr_segment;

/* Called for each finished segment; the pointers are valid during the call only. */
typedef void (*auris_asr_segment_fn)(const auris_asr_segment *segment, void *user);
/* Called when the running hypothesis of the current segment changes (live). */
typedef void (*auris_asr_partial_fn)(const char *text, double segment_start_s, void *user);

typedef struct auris_asr_callbacks {
    auris_asr_segment_fn on_segment;
    auris_asr_partial_fn on_partial;  /* may be NULL */
    void *user;
} auris_asr_callbacks;

typedef struct auris_asr_model auris_asr_model;
typedef struct auris_asr_stream auris_asr_stream;

void auris_asr_config_default(auris_asr_config *cfg);

/* Checks the configuration and that the model files exist and are readable (the message
 * names the missing file). Strings in cfg are copied. */
auris_status auris_asr_model_new(const auris_asr_config *cfg, auris_asr_model **out,
                                 auris_error *err);
/* The rate streams expect (16000). */
int auris_asr_model_sample_rate(const auris_asr_model *model);
const char *auris_asr_model_engine(const auris_asr_model *model);
void auris_asr_model_free(auris_asr_model *model);

/* Creates a decoder for one audio stream (loads the engine's model data: see above). The
 * model must outlive the stream. A malformed model, grammar or keyword list fails here. */
auris_status auris_asr_stream_new(const auris_asr_model *model, const auris_asr_callbacks *cb,
                                  auris_asr_stream **out, auris_error *err);

/* Takes n samples (mono, model rate, [-1, 1]); calls back for segments finished by them. */
auris_status auris_asr_stream_process(auris_asr_stream *s, const float *samples, size_t n);

/* Ends the input: decodes and reports the last segment. The stream is then ready for a
 * new input whose times start again at 0. */
auris_status auris_asr_stream_finish(auris_asr_stream *s);

/* Feeds src to its end through s, chunk_frames samples at a time (small chunks let a live
 * source's pauses be seen as soon as they are heard), then finishes the stream. src must
 * give mono audio at the model's rate. *audio_s (when not NULL) gets the seconds fed. On
 * failure err holds the source's or the stream's message. */
auris_status auris_asr_stream_run(auris_asr_stream *s, auris_source *src, size_t chunk_frames,
                                  double *audio_s, auris_error *err);

/* Seconds of audio taken since the start of the current input. */
double auris_asr_stream_time(const auris_asr_stream *s);

/* The message of the last failure on s ("" when none). */
const char *auris_asr_stream_error(const auris_asr_stream *s);

void auris_asr_stream_free(auris_asr_stream *s);

/* ---- Scoring: word error rate ---- */

/* Normalises text for scoring into out (NUL-terminated, at most cap bytes): lower case;
 * punctuation dropped (apostrophes inside words and hyphens between them kept as, or
 * turned into, word separators as English spelling needs); digits spelled out ("42" ->
 * "forty two", "1455" -> "fourteen fifty five" for years 1100-1999, "3.5" -> "three point
 * five", "1,000" -> "one thousand", "2nd" -> "second"); "mr", "mrs", "dr" expanded.
 * Words are separated by single spaces. Returns AURIS_ERANGE when out is too small. */
auris_status auris_wer_normalize(const char *text, char *out, size_t cap);

typedef struct auris_wer_counts {
    long ref_words;
    long substitutions, deletions, insertions;
} auris_wer_counts;

/* Aligns hyp to ref (both already normalised, space-separated words) by minimum edit
 * distance and adds the counts to *acc. */
auris_status auris_wer_align(const char *ref, const char *hyp, auris_wer_counts *acc);

/* (S + D + I) / N; 0 when N == 0 and nothing was inserted. */
double auris_wer_rate(const auris_wer_counts *c);

#ifdef __cplusplus
}
#endif
#endif
