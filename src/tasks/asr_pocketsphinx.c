/* The PocketSphinx engine (Debian's 5prealpha: pocketsphinx.h + sphinxbase). */
#include "tasks/asr_engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pocketsphinx.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>

#include "core/error.h"

#define PS_SAMPLE_RATE_HZ 16000
#define PS_FEED_BLOCK 4096
#define PS_SEARCH "auris"
#define PS_DEFAULT_KWS_THRESHOLD 1e-20

typedef struct ps_model {
    char *acoustic_dir, *dict_path, *lm_path, *grammar_path, *keyphrase, *kws_path;
    char *extra_words;
    int live;
    char *options;       /* engine_options, split in place into option_argv */
    char **option_argv;
    int option_argc;
    char kws_threshold[32];
} ps_model;

typedef struct ps_dec {
    const ps_model *model;
    ps_decoder_t *ps;
    int frame_rate;
    int spotting;      /* keyphrase or keyword-list search */
    mfcc_t *cmn_start; /* the cepstral mean each input starts from (the model's cmninit) */
    int whole;         /* decode each utterance once it has ended (see ps_feed) */
    int16 *utt;        /* whole: the utterance so far */
    size_t utt_n, utt_cap;
    int16 pcm[PS_FEED_BLOCK];
} ps_dec;

/* sphinxbase logs through one process-wide callback. Its messages go to auris_log at debug
 * level (the library never prints), and the last error of the calling thread is kept so a
 * failed load can say why. */
static _Thread_local char ps_last_error[256];

static void ps_log(void *user, err_lvl_t level, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        msg[--len] = '\0';
    if (level >= ERR_ERROR)
        snprintf(ps_last_error, sizeof ps_last_error, "%s", msg);
    auris_log(level >= ERR_ERROR ? AURIS_LOG_WARN : AURIS_LOG_DEBUG, "pocketsphinx: %s", msg);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void ps_model_free(void *m)
{
    ps_model *pm = m;
    if (!pm)
        return;
    free(pm->acoustic_dir);
    free(pm->dict_path);
    free(pm->lm_path);
    free(pm->grammar_path);
    free(pm->keyphrase);
    free(pm->kws_path);
    free(pm->extra_words);
    free(pm->options);
    free(pm->option_argv);
    free(pm);
}

/* Splits "-flag value -flag value" into words; the values are checked by PocketSphinx. */
static auris_status split_options(ps_model *pm, const char *options, auris_error *err)
{
    pm->options = strdup(options);
    size_t n = strlen(options) / 2 + 1;
    pm->option_argv = calloc(n, sizeof *pm->option_argv);
    if (!pm->options || !pm->option_argv)
        return auris_fail(err, AURIS_ENOMEM, "asr: out of memory");
    char *save = NULL;
    for (char *t = strtok_r(pm->options, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
        pm->option_argv[pm->option_argc++] = t;
    if (pm->option_argc % 2)
        return auris_fail(err, AURIS_EINVAL,
                          "asr: engine options must be pairs of -flag value, got '%s'", options);
    return AURIS_OK;
}

static auris_status check_readable(const char *what, const char *path, auris_error *err)
{
    if (access(path, R_OK) != 0)
        return auris_fail(err, AURIS_EMODEL, "%s: %s not found or not readable", path, what);
    return AURIS_OK;
}

static auris_status check_files(const ps_model *pm, auris_error *err)
{
    static const char *const acoustic_files[] = {"mdef", "means", "variances",
                                                 "transition_matrices"};
    for (size_t i = 0; i < sizeof acoustic_files / sizeof acoustic_files[0]; i++) {
        char *p = join_path(pm->acoustic_dir, acoustic_files[i]);
        if (!p)
            return auris_fail(err, AURIS_ENOMEM, "asr: out of memory");
        auris_status st = check_readable("acoustic model file", p, err);
        free(p);
        if (st)
            return st;
    }
    auris_status st = check_readable("pronunciation dictionary", pm->dict_path, err);
    if (!st && pm->lm_path)
        st = check_readable("language model", pm->lm_path, err);
    if (!st && pm->grammar_path)
        st = check_readable("JSGF grammar", pm->grammar_path, err);
    if (!st && pm->kws_path)
        st = check_readable("keyword list", pm->kws_path, err);
    return st;
}

static auris_status ps_model_new(const auris_asr_config *cfg, void **out, auris_error *err)
{
    *out = NULL;
    int modes = !!cfg->grammar_path + !!cfg->keyphrase + !!cfg->kws_path;
    if (modes > 1)
        return auris_fail(err, AURIS_EINVAL,
                          "asr: use only one of a grammar, a keyphrase and a keyword list");
    if (cfg->keyphrase && !cfg->keyphrase[strspn(cfg->keyphrase, " \t")])
        return auris_fail(err, AURIS_EINVAL, "asr: the keyphrase is empty");
    if (!(cfg->kws_threshold >= 0) || cfg->kws_threshold > 1)
        return auris_fail(err, AURIS_EINVAL, "asr: keyphrase threshold must be in [0, 1]");
    ps_model *pm = calloc(1, sizeof *pm);
    if (!pm)
        return auris_fail(err, AURIS_ENOMEM, "asr: out of memory");
    const char *base = AURIS_ASR_DEFAULT_MODEL_DIR;
    pm->acoustic_dir = cfg->acoustic_dir ? strdup(cfg->acoustic_dir) : join_path(base, "en-us");
    pm->dict_path = cfg->dict_path ? strdup(cfg->dict_path)
                                   : join_path(base, "cmudict-en-us.dict");
    if (!modes)
        pm->lm_path = cfg->lm_path ? strdup(cfg->lm_path) : join_path(base, "en-us.lm.bin");
    pm->grammar_path = dup_or_null(cfg->grammar_path);
    pm->keyphrase = dup_or_null(cfg->keyphrase);
    pm->kws_path = dup_or_null(cfg->kws_path);
    pm->extra_words = dup_or_null(cfg->extra_words);
    pm->live = cfg->live;
    snprintf(pm->kws_threshold, sizeof pm->kws_threshold, "%g",
             cfg->kws_threshold > 0 ? cfg->kws_threshold : PS_DEFAULT_KWS_THRESHOLD);
    if (!pm->acoustic_dir || !pm->dict_path || (!modes && !pm->lm_path) ||
        (cfg->grammar_path && !pm->grammar_path) || (cfg->keyphrase && !pm->keyphrase) ||
        (cfg->kws_path && !pm->kws_path) || (cfg->extra_words && !pm->extra_words)) {
        ps_model_free(pm);
        return auris_fail(err, AURIS_ENOMEM, "asr: out of memory");
    }
    auris_status st = check_files(pm, err);
    if (!st && cfg->engine_options)
        st = split_options(pm, cfg->engine_options, err);
    if (st) {
        ps_model_free(pm);
        return st;
    }
    *out = pm;
    return AURIS_OK;
}

/* "word PH ON ES; word2 ..." -> ps_add_word for each entry. */
static auris_status add_extra_words(ps_decoder_t *ps, const char *spec, auris_error *err)
{
    char *copy = strdup(spec);
    if (!copy)
        return auris_fail(err, AURIS_ENOMEM, "asr: out of memory");
    auris_status st = AURIS_OK;
    char *save = NULL;
    for (char *entry = strtok_r(copy, ";", &save); entry && !st;
         entry = strtok_r(NULL, ";", &save)) {
        entry += strspn(entry, " \t\n");
        if (!*entry)
            continue;
        size_t wlen = strcspn(entry, " \t");
        char *phones = entry + wlen;
        phones += strspn(phones, " \t");
        if (!*phones) {
            st = auris_fail(err, AURIS_EINVAL, "asr: extra word '%s' has no phones", entry);
            break;
        }
        entry[wlen] = '\0';
        if (ps_add_word(ps, entry, phones, 1) < 0)
            st = auris_fail(err, AURIS_EMODEL, "asr: cannot add word '%s' (phones '%s'): %s",
                            entry, phones, ps_last_error);
    }
    free(copy);
    return st;
}

/* PocketSphinx silently never detects a phrase with a word it cannot pronounce: say so. */
static auris_status check_phrase(ps_decoder_t *ps, const char *phrase, const char *where,
                                 auris_error *err)
{
    char words[1024];
    snprintf(words, sizeof words, "%s", phrase);
    words[strcspn(words, "/\r\n")] = '\0';
    char *save = NULL;
    for (char *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        char *phones = ps_lookup_word(ps, w);
        if (!phones)
            return auris_fail(err, AURIS_EMODEL,
                              "%s: '%s' is not in the pronunciation dictionary (add it with "
                              "its phones, e.g. --add-word '%s PH ON ES')", where, w, w);
        free(phones);
    }
    return AURIS_OK;
}

static auris_status check_kws_file(ps_decoder_t *ps, const char *path, auris_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return auris_fail(err, AURIS_EMODEL, "%s: cannot open the keyword list", path);
    char line[1024];
    auris_status st = AURIS_OK;
    while (!st && fgets(line, sizeof line, f))
        st = check_phrase(ps, line, path, err);
    fclose(f);
    return st;
}

static auris_status set_search(ps_dec *d, auris_error *err)
{
    const ps_model *pm = d->model;
    int rc;
    const char *what, *path;
    if (pm->grammar_path) {
        rc = ps_set_jsgf_file(d->ps, PS_SEARCH, pm->grammar_path);
        what = "JSGF grammar";
        path = pm->grammar_path;
    } else if (pm->keyphrase) {
        auris_status st = check_phrase(d->ps, pm->keyphrase, "keyphrase", err);
        if (st)
            return st;
        rc = ps_set_keyphrase(d->ps, PS_SEARCH, pm->keyphrase);
        what = "keyphrase";
        path = pm->keyphrase;
    } else if (pm->kws_path) {
        auris_status st = check_kws_file(d->ps, pm->kws_path, err);
        if (st)
            return st;
        rc = ps_set_kws(d->ps, PS_SEARCH, pm->kws_path);
        what = "keyword list";
        path = pm->kws_path;
    } else {
        rc = ps_set_lm_file(d->ps, PS_SEARCH, pm->lm_path);
        what = "language model";
        path = pm->lm_path;
    }
    if (rc < 0 || ps_set_search(d->ps, PS_SEARCH) < 0)
        return auris_fail(err, AURIS_EMODEL, "%s: cannot load %s%s%s", path, what,
                          ps_last_error[0] ? ": " : "", ps_last_error);
    return AURIS_OK;
}

/* PocketSphinx refuses a flag given twice: the user's engine options replace ours. */
static int user_sets(const ps_model *pm, const char *flag)
{
    for (int i = 0; i < pm->option_argc; i += 2)
        if (!strcmp(pm->option_argv[i], flag))
            return 1;
    return 0;
}

static void ps_decoder_free_(void *dp)
{
    ps_dec *d = dp;
    if (!d)
        return;
    if (d->ps)
        ps_free(d->ps);
    free(d->cmn_start);
    free(d->utt);
    free(d);
}

static auris_status ps_decoder_new_(const void *model, void **out, auris_error *err)
{
    const ps_model *pm = model;
    *out = NULL;
    /* Without a log file sphinxbase also skips the settings table it prints on its own. */
    err_set_logfp(NULL);
    err_set_callback(ps_log, NULL);
    ps_last_error[0] = '\0';
    /* Our VAD chooses what is decoded, so PocketSphinx must not drop frames itself: its
     * silence removal would shift every word time. -maxhmmpf 5000 (PocketSphinx: 30000) bounds the active HMMs per frame: a third less
     * CPU for the same word error rate on bench/asr's sets. Live, the second (flat
     * lexicon) pass is skipped: it runs over the whole segment once the pause is heard,
     * which would delay the final text. */
    char *base_argv[] = {"-hmm", pm->acoustic_dir, "-dict", pm->dict_path,
                         "-kws_threshold", (char *)pm->kws_threshold, "-remove_silence", "no",
                         "-samprate", "16000", "-maxhmmpf", "5000",
                         "-fwdflat", pm->live ? "no" : "yes"};
    enum { N_BASE = sizeof base_argv / sizeof base_argv[0] };
    char **argv = malloc((N_BASE + (size_t)pm->option_argc) * sizeof *argv);
    if (!argv)
        return auris_fail(err, AURIS_ENOMEM, "asr: out of memory");
    int argc = 0;
    for (int i = 0; i < N_BASE; i += 2)
        if (!user_sets(pm, base_argv[i])) {
            argv[argc++] = base_argv[i];
            argv[argc++] = base_argv[i + 1];
        }
    for (int i = 0; i < pm->option_argc; i++)
        argv[argc++] = pm->option_argv[i];
    cmd_ln_t *config = cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE);
    if (!config) {
        free(argv);
        return auris_fail(err, AURIS_EINVAL, "asr: pocketsphinx rejected its settings%s%s",
                          ps_last_error[0] ? ": " : "", ps_last_error);
    }
    ps_dec *d = calloc(1, sizeof *d);
    if (!d) {
        cmd_ln_free_r(config);
        free(argv);
        return auris_fail(err, AURIS_ENOMEM, "asr: out of memory");
    }
    d->model = pm;
    d->spotting = pm->keyphrase || pm->kws_path;
    d->whole = !pm->live && !d->spotting;
    d->ps = ps_init(config);
    cmd_ln_free_r(config);
    free(argv);
    if (!d->ps) {
        free(d);
        return auris_fail(err, AURIS_EMODEL, "%s: pocketsphinx cannot load the model%s%s",
                          pm->acoustic_dir, ps_last_error[0] ? ": " : "", ps_last_error);
    }
    d->frame_rate = (int)cmd_ln_int32_r(ps_get_config(d->ps), "-frate");
    if (d->frame_rate <= 0)
        d->frame_rate = 100;
    feat_t *feat = ps_get_feat(d->ps);
    if (feat && feat->cmn_struct && feat->cmn_struct->veclen > 0 &&
        (d->cmn_start = malloc((size_t)feat->cmn_struct->veclen * sizeof *d->cmn_start)))
        cmn_live_get(feat->cmn_struct, d->cmn_start);
    auris_status st = pm->extra_words ? add_extra_words(d->ps, pm->extra_words, err) : AURIS_OK;
    if (!st)
        st = set_search(d, err);
    if (st) {
        ps_decoder_free_(d);
        return st;
    }
    *out = d;
    return AURIS_OK;
}

static auris_status ps_begin(void *dp, int new_input, auris_error *err)
{
    ps_dec *d = dp;
    /* Frames are numbered from the start of the stream, not of the utterance. Dictation
     * and grammar paths cover every frame, so their first segment gives the utterance's
     * first frame; keyword spotting reports detections only, so it restarts the stream
     * for every utterance. Restarting the stream also restarts the noise estimate, which
     * the other searches keep between the utterances of one input but not across inputs:
     * carried over, one file's noise level changed how the next was heard. The live
     * cepstral mean, which PocketSphinx carries across utterances, goes back to the
     * model's initial one for the same reason. */
    d->utt_n = 0;
    if (new_input && d->cmn_start)
        cmn_live_set(ps_get_feat(d->ps)->cmn_struct, d->cmn_start);
    if (((d->spotting || new_input) && ps_start_stream(d->ps) < 0) || ps_start_utt(d->ps) < 0)
        return auris_fail(err, AURIS_EINTERNAL, "asr: pocketsphinx cannot start an utterance");
    return AURIS_OK;
}

static void to_pcm(const float *x, size_t n, int16 *out)
{
    for (size_t i = 0; i < n; i++) {
        float v = x[i] * 32768.0f;
        out[i] = (int16)(v >= 32767.0f ? 32767 : v <= -32768.0f ? -32768 : (int)v);
    }
}

/* Live input is decoded as it arrives, with the running cepstral mean of the input (the
 * mean of the speech heard so far). A file's utterances are kept until they end and
 * decoded whole, each with its own mean, as the model was trained (feat.params: -cmn
 * batch): a short utterance at the start of an input otherwise gets the model's generic
 * initial mean, and recognised 20 points worse on spoken digits. The VAD bounds an
 * utterance (max_segment_s), so the buffer is bounded too. */
static auris_status ps_feed(void *dp, const float *x, size_t n, auris_error *err)
{
    ps_dec *d = dp;
    if (d->whole) {
        if (d->utt_n + n > d->utt_cap) {
            size_t cap = 2 * (d->utt_n + n);
            int16 *u = realloc(d->utt, cap * sizeof *u);
            if (!u)
                return auris_fail(err, AURIS_ENOMEM, "asr: out of memory for an utterance");
            d->utt = u;
            d->utt_cap = cap;
        }
        to_pcm(x, n, d->utt + d->utt_n);
        d->utt_n += n;
        return AURIS_OK;
    }
    while (n) {
        size_t k = n < PS_FEED_BLOCK ? n : PS_FEED_BLOCK;
        to_pcm(x, k, d->pcm);
        if (ps_process_raw(d->ps, d->pcm, k, FALSE, FALSE) < 0)
            return auris_fail(err, AURIS_EINTERNAL, "asr: pocketsphinx failed to decode");
        x += k;
        n -= k;
    }
    return AURIS_OK;
}

static const char *ps_partial(void *dp)
{
    ps_dec *d = dp;
    int32 score;
    const char *hyp = ps_get_hyp(d->ps, &score);
    return hyp ? hyp : "";
}

/* <s>, </s>, <sil>, [NOISE], ++GARBAGE++ and the grammar's (NULL) transitions are not words. */
static int is_filler(const char *w)
{
    return w[0] == '<' || w[0] == '[' || w[0] == '+' || w[0] == '(' || w[0] == '\0';
}

/* "read(2)" names the second pronunciation of "read"; keyword-list phrases may keep the
 * blank before their threshold. */
static size_t word_length(const char *w)
{
    size_t len = strlen(w);
    while (len && w[len - 1] == ' ')
        len--;
    if (len > 3 && w[len - 1] == ')') {
        const char *open = strrchr(w, '(');
        if (open && open > w)
            return (size_t)(open - w);
    }
    return len;
}

static auris_status ps_end(void *dp, asr_words *out, auris_error *err)
{
    ps_dec *d = dp;
    if (d->whole && d->utt_n) {
        size_t n = d->utt_n;
        d->utt_n = 0;
        if (ps_process_raw(d->ps, d->utt, n, FALSE, TRUE) < 0) {
            ps_end_utt(d->ps);
            return auris_fail(err, AURIS_EINTERNAL, "asr: pocketsphinx failed to decode");
        }
    }
    if (ps_end_utt(d->ps) < 0)
        return auris_fail(err, AURIS_EINTERNAL, "asr: pocketsphinx cannot end the utterance");
    /* Fills the lattice posteriors that ps_seg_prob reports (dictation and grammar). */
    if (!d->spotting)
        ps_get_prob(d->ps);
    logmath_t *lmath = ps_get_logmath(d->ps);
    auris_status st = AURIS_OK;
    int base = -1;
    for (ps_seg_t *seg = ps_seg_iter(d->ps); seg; seg = ps_seg_next(seg)) {
        const char *w = ps_seg_word(seg);
        int sf, ef;
        ps_seg_frames(seg, &sf, &ef);
        if (base < 0)
            base = d->spotting ? 0 : sf;
        if (!w || is_filler(w))
            continue;
        int32 ascr, lscr, lback;
        double p = logmath_exp(lmath, ps_seg_prob(seg, &ascr, &lscr, &lback));
        float conf = p > 1.0 ? 1.0f : p < 0.0 ? 0.0f : (float)p;
        st = asr_words_add(out, w, word_length(w), (double)(sf - base) / d->frame_rate,
                           (double)(ef + 1 - base) / d->frame_rate, conf);
        if (st) {
            ps_seg_free(seg);
            return auris_fail(err, st, "asr: out of memory");
        }
    }
    return st;
}

const asr_engine asr_engine_pocketsphinx = {
    .name = "pocketsphinx",
    .sample_rate_hz = PS_SAMPLE_RATE_HZ,
    .model_new = ps_model_new,
    .model_free = ps_model_free,
    .decoder_new = ps_decoder_new_,
    .decoder_free = ps_decoder_free_,
    .begin = ps_begin,
    .feed = ps_feed,
    .partial = ps_partial,
    .end = ps_end,
};
