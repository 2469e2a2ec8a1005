/* auris eval asr: word error rate and speed of speech recognition over a manifest. */
#define _GNU_SOURCE
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auris/asr.h"
#include "cli/cli.h"
#include "cli/commands.h"

/* Longest manifest line and normalised transcript handled. */
#define EVAL_LINE_MAX 65536
#define EVAL_TEXT_MAX (EVAL_LINE_MAX * 4)

enum {
    OPT_MANIFEST = 0x2100, OPT_HMM, OPT_LM, OPT_DICT, OPT_GRAMMAR, OPT_MAX_SEGMENT, OPT_PAUSE,
    OPT_NO_VAD, OPT_ENGINE_OPTIONS, OPT_HYPOTHESES
};

typedef struct hyp_buf {
    char *text;
    size_t len, cap;
    int failed;
} hyp_buf;

static void help(FILE *f)
{
    fprintf(f,
        "usage: auris eval asr --manifest FILE.tsv [OPTIONS]\n\n"
        "Transcribes every file of the manifest and scores it against its reference:\n"
        "word error rate (WER) after normalisation (lower case, punctuation dropped,\n"
        "numbers spelled out: \"42\" = \"forty two\"), the substitutions, deletions and\n"
        "insertions, and the real-time factor (decoding time / audio duration, model\n"
        "loading excluded).\n\n"
        "Manifest: one line per file, \"AUDIO<TAB>REFERENCE TEXT\"; relative paths are\n"
        "relative to the manifest's directory; lines starting with # are skipped.\n\n"
        "      --manifest FILE  the manifest (required)\n"
        "  -j, --json           JSON: {\"files\",\"words\",\"wer\",\"substitutions\",\"deletions\",\n"
        "                       \"insertions\",\"audio_s\",\"decode_s\",\"rtf\",\"results\":[{\"file\",\n"
        "                       \"reference\",\"hypothesis\",\"wer\"}]}\n"
        "  -v, --verbose        one line per file: WER, reference and hypothesis\n"
        "      --hypotheses FILE.tsv  score these transcripts (\"AUDIO<TAB>TEXT\", AUDIO as\n"
        "                       written in the manifest) instead of decoding: compares\n"
        "                       other recognisers with the same normalisation\n"
        "      --hmm DIR --lm FILE --dict FILE --grammar FILE  as in auris transcribe\n"
        "      --engine-options 'FLAGS'                       as in auris transcribe\n"
        "      --pause SEC --max-segment SEC --no-vad          as in auris transcribe\n"
        "  -h, --help           show this help\n\n"
        "Exit status: 0 success, 1 usage error, 2 unreadable manifest, audio or model.\n");
}

static void on_segment(const auris_asr_segment *seg, void *user)
{
    hyp_buf *h = user;
    size_t n = strlen(seg->text);
    if (h->len + n + 2 > h->cap) {
        size_t cap = (h->len + n + 2) * 2;
        char *t = realloc(h->text, cap);
        if (!t) {
            h->failed = 1;
            return;
        }
        h->text = t;
        h->cap = cap;
    }
    if (h->len)
        h->text[h->len++] = ' ';
    memcpy(h->text + h->len, seg->text, n + 1);
    h->len += n;
}

/* Decodes one file; adds its duration and decoding time. */
static int transcribe_file(const char *path, auris_asr_stream *s, hyp_buf *h, double *audio_s,
                           double *decode_s, double *cpu_s)
{
    auris_source_config scfg;
    auris_source_config_default(&scfg);
    scfg.sample_rate_hz = 16000;
    auris_error err = {0};
    auris_source *src = NULL;
    double t0 = cli_seconds(CLOCK_MONOTONIC), c0 = cli_seconds(CLOCK_PROCESS_CPUTIME_ID);
    if (auris_source_open(path, &scfg, &src, &err))
        return cli_fail("eval", &err);
    h->len = 0;
    if (h->text)
        h->text[0] = '\0';
    double seconds = 0;
    int rc = CLI_OK;
    if (auris_asr_stream_run(s, src, 16000, &seconds, &err) != AURIS_OK)
        rc = cli_fail("eval", &err);
    if (rc == CLI_OK && h->failed) {
        cli_error("eval", "out of memory");
        rc = CLI_INPUT;
    }
    *decode_s += cli_seconds(CLOCK_MONOTONIC) - t0;
    *cpu_s += cli_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
    *audio_s += seconds;
    auris_source_free(src);
    return rc;
}

typedef struct eval_state {
    int json, verbose, n_files;
    char **given;        /* --hypotheses: path, text, path, text, ... */
    size_t n_given;
    auris_wer_counts total;
    double audio_s, decode_s, cpu_s;
    char *ref_norm, *hyp_norm;
    hyp_buf hyp;
} eval_state;

static int load_hypotheses(eval_state *e, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error("eval", "%s: cannot open the hypotheses", path);
        return CLI_INPUT;
    }
    char *line = malloc(EVAL_LINE_MAX);
    size_t cap = 0;
    int rc = line ? CLI_OK : CLI_INPUT;
    while (rc == CLI_OK && fgets(line, EVAL_LINE_MAX, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        if (e->n_given + 2 > cap) {
            cap = cap ? cap * 2 : 64;
            char **g = realloc(e->given, cap * sizeof *g);
            if (!g) {
                rc = CLI_INPUT;
                break;
            }
            e->given = g;
        }
        e->given[e->n_given] = strdup(line);
        e->given[e->n_given + 1] = strdup(tab + 1);
        e->n_given += 2;
        if (!e->given[e->n_given - 2] || !e->given[e->n_given - 1])
            rc = CLI_INPUT;
    }
    if (rc)
        cli_error("eval", "out of memory");
    free(line);
    fclose(f);
    return rc;
}

static const char *given_hypothesis(const eval_state *e, const char *path)
{
    for (size_t i = 0; i < e->n_given; i += 2)
        if (!strcmp(e->given[i], path))
            return e->given[i + 1];
    return "";
}

static void report_file(eval_state *e, const char *path, const auris_wer_counts *c)
{
    if (e->json) {
        fputs(e->n_files ? ",{\"file\":" : "{\"file\":", stdout);
        auris_json_string(stdout, path);
        fputs(",\"reference\":", stdout);
        auris_json_string(stdout, e->ref_norm);
        fputs(",\"hypothesis\":", stdout);
        auris_json_string(stdout, e->hyp_norm);
        printf(",\"wer\":%.4f}", auris_wer_rate(c));
    } else if (e->verbose) {
        printf("%s\tWER %.1f%%\n  REF: %s\n  HYP: %s\n", path, 100 * auris_wer_rate(c),
               e->ref_norm, e->hyp_norm);
    }
}

static int eval_line(eval_state *e, char *line, const char *base, auris_asr_stream *s)
{
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0] || line[0] == '#')
        return CLI_OK;
    char *tab = strchr(line, '\t');
    if (!tab) {
        cli_error("eval", "manifest line without a TAB between audio path and text: %s", line);
        return CLI_INPUT;
    }
    *tab = '\0';
    char path[4096];
    if (line[0] == '/')
        snprintf(path, sizeof path, "%s", line);
    else
        snprintf(path, sizeof path, "%s/%s", base, line);
    const char *hyp;
    if (e->given) {
        hyp = given_hypothesis(e, line);
    } else {
        int rc = transcribe_file(path, s, &e->hyp, &e->audio_s, &e->decode_s,
                                 &e->cpu_s);
        if (rc)
            return rc;
        hyp = e->hyp.text ? e->hyp.text : "";
    }
    if (auris_wer_normalize(tab + 1, e->ref_norm, EVAL_TEXT_MAX) ||
        auris_wer_normalize(hyp, e->hyp_norm, EVAL_TEXT_MAX)) {
        cli_error("eval", "%s: transcript too long to score", path);
        return CLI_INPUT;
    }
    auris_wer_counts c = {0};
    if (auris_wer_align(e->ref_norm, e->hyp_norm, &c)) {
        cli_error("eval", "out of memory");
        return CLI_INPUT;
    }
    report_file(e, path, &c);
    e->total.ref_words += c.ref_words;
    e->total.substitutions += c.substitutions;
    e->total.deletions += c.deletions;
    e->total.insertions += c.insertions;
    e->n_files++;
    return CLI_OK;
}

static void report_total(const eval_state *e)
{
    const auris_wer_counts *t = &e->total;
    double rtf = e->audio_s > 0 ? e->decode_s / e->audio_s : 0;
    double cpu_rtf = e->audio_s > 0 ? e->cpu_s / e->audio_s : 0;
    if (e->json) {
        printf("],\"files\":%d,\"words\":%ld,\"wer\":%.4f,\"substitutions\":%ld,"
               "\"deletions\":%ld,\"insertions\":%ld,\"audio_s\":%.2f,\"decode_s\":%.2f,"
               "\"cpu_s\":%.2f,\"rtf\":%.4f,\"cpu_rtf\":%.4f}\n", e->n_files, t->ref_words,
               auris_wer_rate(t), t->substitutions, t->deletions, t->insertions, e->audio_s,
               e->decode_s, e->cpu_s, rtf, cpu_rtf);
        return;
    }
    printf("files %d  words %ld  WER %.2f%%  (substitutions %ld, deletions %ld, "
           "insertions %ld)\n", e->n_files, t->ref_words, 100 * auris_wer_rate(t),
           t->substitutions, t->deletions, t->insertions);
    if (!e->given)
        printf("audio %.1f s  decoding %.1f s wall, %.1f s CPU  real-time factor %.3f "
               "(CPU %.3f)\n", e->audio_s, e->decode_s, e->cpu_s, rtf, cpu_rtf);
}

static int eval_manifest(const char *manifest, const auris_asr_config *cfg, eval_state *e)
{
    FILE *f = fopen(manifest, "r");
    if (!f) {
        cli_error("eval", "%s: cannot open the manifest", manifest);
        return CLI_INPUT;
    }
    char *dir_copy = strdup(manifest);
    char *line = malloc(EVAL_LINE_MAX);
    e->ref_norm = malloc(EVAL_TEXT_MAX);
    e->hyp_norm = malloc(EVAL_TEXT_MAX);
    auris_asr_model *model = NULL;
    auris_asr_stream *s = NULL;
    auris_error err = {0};
    int rc = CLI_INPUT;
    auris_asr_callbacks cb = {on_segment, NULL, &e->hyp};
    if (!dir_copy || !line || !e->ref_norm || !e->hyp_norm) {
        cli_error("eval", "out of memory");
    } else if (!e->given && (auris_asr_model_new(cfg, &model, &err) ||
                             auris_asr_stream_new(model, &cb, &s, &err))) {
        rc = cli_fail("eval", &err);
    } else {
        const char *base = dirname(dir_copy);
        if (e->json)
            fputs("{\"results\":[", stdout);
        rc = CLI_OK;
        while (rc == CLI_OK && fgets(line, EVAL_LINE_MAX, f))
            rc = eval_line(e, line, base, s);
        if (rc == CLI_OK)
            report_total(e);
    }
    fclose(f);
    free(dir_copy);
    free(line);
    free(e->ref_norm);
    free(e->hyp_norm);
    free(e->hyp.text);
    for (size_t i = 0; i < e->n_given; i++)
        free(e->given[i]);
    free(e->given);
    auris_asr_stream_free(s);
    auris_asr_model_free(model);
    return rc;
}

static int eval_asr(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"manifest", required_argument, NULL, OPT_MANIFEST},
        {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"hmm", required_argument, NULL, OPT_HMM},
        {"lm", required_argument, NULL, OPT_LM},
        {"dict", required_argument, NULL, OPT_DICT},
        {"grammar", required_argument, NULL, OPT_GRAMMAR},
        {"pause", required_argument, NULL, OPT_PAUSE},
        {"max-segment", required_argument, NULL, OPT_MAX_SEGMENT},
        {"no-vad", no_argument, NULL, OPT_NO_VAD},
        {"engine-options", required_argument, NULL, OPT_ENGINE_OPTIONS},
        {"hypotheses", required_argument, NULL, OPT_HYPOTHESES},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    auris_asr_config cfg;
    auris_asr_config_default(&cfg);
    eval_state e = {0};
    const char *manifest = NULL, *hypotheses = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "jvh", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_MANIFEST: manifest = optarg; break;
        case 'j': e.json = 1; break;
        case 'v': e.verbose = 1; break;
        case OPT_HMM: cfg.acoustic_dir = optarg; break;
        case OPT_LM: cfg.lm_path = optarg; break;
        case OPT_DICT: cfg.dict_path = optarg; break;
        case OPT_GRAMMAR: cfg.grammar_path = optarg; break;
        case OPT_ENGINE_OPTIONS: cfg.engine_options = optarg; break;
        case OPT_HYPOTHESES: hypotheses = optarg; break;
        case OPT_PAUSE:
            if (cli_parse_float("eval", "--pause", optarg, 0.05, 5, &cfg.vad.hangover_s))
                return CLI_USAGE;
            break;
        case OPT_MAX_SEGMENT:
            if (cli_parse_float("eval", "--max-segment", optarg, 1, 600, &cfg.max_segment_s))
                return CLI_USAGE;
            break;
        case OPT_NO_VAD: cfg.use_vad = 0; break;
        case 'h': help(stdout); return CLI_OK;
        default: help(stderr); return CLI_USAGE;
        }
    }
    if (!manifest || optind != argc) {
        cli_error("eval", "asr: --manifest FILE.tsv is required (and nothing else); see --help");
        return CLI_USAGE;
    }
    if (hypotheses) {
        int rc = load_hypotheses(&e, hypotheses);
        if (rc)
            return rc;
    }
    return eval_manifest(manifest, &cfg, &e);
}

int cmd_eval(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "asr"))
        return eval_asr(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        printf("usage: auris eval TASK [OPTIONS]\n\nTasks:\n"
               "  asr          word error rate and real-time factor of speech recognition\n\n"
               "See auris eval TASK --help.\n");
        return CLI_OK;
    }
    cli_error("eval", "expected a task: asr (see auris eval --help)");
    return CLI_USAGE;
}
