/* auris transcribe: speech to text (dictation, grammar or keyword spotting), from a file
 * or live from stdin. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auris/asr.h"
#include "cli/cli.h"
#include "cli/commands.h"

enum { FMT_TXT, FMT_JSON, FMT_SRT, FMT_VTT };

enum {
    OPT_FORMAT = 0x2000, OPT_STREAM, OPT_HMM, OPT_LM, OPT_DICT, OPT_GRAMMAR, OPT_KEYPHRASE,
    OPT_KWS, OPT_KWS_THRESHOLD, OPT_ADD_WORD, OPT_MAX_SEGMENT, OPT_PAUSE, OPT_NO_VAD,
    OPT_VAD_THRESHOLD, OPT_ENGINE_OPTIONS
};

typedef struct out_state {
    int format, stream, spotting, tty;
    const char *file;
    long cue;
    int n_segments;
    /* JSON puts the full text before the segments: both are spooled to temporary files
     * so a long recording needs no memory for them. */
    FILE *json_segments, *json_text;
} out_state;

static void help(FILE *f)
{
    fprintf(f,
        "usage: auris transcribe [OPTIONS] FILE|-\n\n"
        "Speech to text, offline (PocketSphinx, US English by default). Audio of any format\n"
        "and rate is resampled to 16 kHz, split at pauses and decoded segment by segment.\n\n"
        "Output:\n"
        "  -f, --format F       txt (default: one line per segment), json, srt or vtt\n"
        "  -j, --json           same as --format json:\n"
        "                       {\"file\",\"text\",\"segments\":[{\"start\",\"end\",\"text\",\n"
        "                        \"words\":[{\"word\",\"start\",\"end\",\"confidence\"}]}]}\n"
        "      --stream         live: print partial hypotheses as they change and a final\n"
        "                       line at each pause (txt: \"... partial\" and\n"
        "                       \"[start - end] text\"; json: one object per line with\n"
        "                       \"type\":\"partial\"|\"final\"|\"detection\")\n"
        "Model:\n"
        "      --hmm DIR        acoustic model directory (default %s/en-us)\n"
        "      --lm FILE        n-gram language model (default .../en-us.lm.bin)\n"
        "      --dict FILE      pronunciation dictionary (default .../cmudict-en-us.dict)\n"
        "      --add-word 'WORD PHONES'  add a pronunciation (e.g. 'auris AO R IH S');\n"
        "                       repeatable\n"
        "Modes (one at most; default dictation with the language model):\n"
        "      --grammar FILE   recognise only sentences of a JSGF grammar (.gram)\n"
        "      --keyphrase TEXT report each time TEXT is spoken\n"
        "      --kws FILE       spot the phrases of FILE, one a line: \"phrase /1e-20/\"\n"
        "      --kws-threshold X  detection threshold of --keyphrase (default 1e-20;\n"
        "                       larger = fewer false alarms)\n"
        "                       Detections print as \"start end phrase\" (json:\n"
        "                       {\"file\",\"detections\":[{\"phrase\",\"start\",\"end\",\"confidence\"}]})\n"
        "Segmentation:\n"
        "      --pause SEC      silence that ends a segment (default 0.25; 0.2 with --stream)\n"
        "      --vad-threshold DB  speech level above the noise floor (default 10)\n"
        "      --max-segment SEC  longest segment (default 30)\n"
        "      --no-vad         do not split at pauses (only at --max-segment)\n"
        "      --engine-options 'FLAGS'  engine settings, e.g. PocketSphinx's\n"
        "                       '-maxhmmpf 3000 -topn 2' (they override auris's)\n"
        "  -v, --verbose        print timing and the engine's log on stderr\n"
        "  -h, --help           show this help\n"
        CLI_AUDIO_HELP
        "\nSilence gives empty but valid output. Exit status: 0 success, 1 usage error,\n"
        "2 unreadable audio or missing/malformed model.\n",
        AURIS_ASR_DEFAULT_MODEL_DIR);
}

static void print_time(FILE *f, double t, char sep)
{
    long long ms = (long long)(t * 1000.0 + 0.5);
    fprintf(f, "%02lld:%02lld:%02lld%c%03lld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
            sep, ms % 1000);
}

static void json_words(FILE *f, const auris_asr_segment *seg)
{
    fputs("[", f);
    for (size_t i = 0; i < seg->n_words; i++) {
        const auris_asr_word *w = &seg->words[i];
        fputs(i ? ",{\"word\":" : "{\"word\":", f);
        auris_json_string(f, w->word);
        fprintf(f, ",\"start\":%.2f,\"end\":%.2f,\"confidence\":%.3f}", w->start_s, w->end_s,
                w->confidence);
    }
    fputs("]", f);
}

static void print_cue(out_state *o, double start, double end, const char *text)
{
    char sep = o->format == FMT_SRT ? ',' : '.';
    if (o->format == FMT_SRT)
        printf("%ld\n", ++o->cue);
    print_time(stdout, start, sep);
    fputs(" --> ", stdout);
    print_time(stdout, end, sep);
    printf("\n%s\n\n", text);
}

static void on_detections(out_state *o, const auris_asr_segment *seg)
{
    for (size_t i = 0; i < seg->n_words; i++) {
        const auris_asr_word *w = &seg->words[i];
        if (o->format == FMT_JSON) {
            FILE *f = o->stream ? stdout : o->json_segments;
            fputs(o->stream ? "{\"type\":\"detection\",\"phrase\":"
                            : o->n_segments ? ",{\"phrase\":" : "{\"phrase\":", f);
            auris_json_string(f, w->word);
            fprintf(f, ",\"start\":%.2f,\"end\":%.2f,\"confidence\":%.3f}%s", w->start_s,
                    w->end_s, w->confidence, o->stream ? "\n" : "");
            o->n_segments++;
        } else if (o->format == FMT_TXT) {
            printf("%s%.2f %.2f %s\n", o->tty && o->stream ? "\r\033[K" : "", w->start_s,
                   w->end_s, w->word);
        } else {
            print_cue(o, w->start_s, w->end_s, w->word);
        }
    }
}

static void on_segment(const auris_asr_segment *seg, void *user)
{
    out_state *o = user;
    if (o->spotting) {
        on_detections(o, seg);
    } else if (o->format == FMT_JSON && o->stream) {
        printf("{\"type\":\"final\",\"start\":%.2f,\"end\":%.2f,\"text\":", seg->start_s,
               seg->end_s);
        auris_json_string(stdout, seg->text);
        fputs(",\"words\":", stdout);
        json_words(stdout, seg);
        fputs("}\n", stdout);
    } else if (o->format == FMT_JSON) {
        FILE *f = o->json_segments;
        fprintf(f, "%s{\"start\":%.2f,\"end\":%.2f,\"text\":", o->n_segments ? "," : "",
                seg->start_s, seg->end_s);
        auris_json_string(f, seg->text);
        fputs(",\"words\":", f);
        json_words(f, seg);
        fputs("}", f);
        if (o->n_segments)
            fputc(' ', o->json_text);
        auris_json_string(o->json_text, seg->text);
        o->n_segments++;
    } else if (o->format == FMT_TXT && o->stream) {
        printf("%s[%7.2f - %7.2f] %s\n", o->tty ? "\r\033[K" : "", seg->start_s, seg->end_s,
               seg->text);
    } else if (o->format == FMT_TXT) {
        printf("%s\n", seg->text);
    } else {
        print_cue(o, seg->start_s, seg->end_s, seg->text);
    }
    if (o->stream)
        fflush(stdout);
}

static void on_partial(const char *text, double start_s, void *user)
{
    out_state *o = user;
    if (o->format == FMT_JSON) {
        printf("{\"type\":\"partial\",\"start\":%.2f,\"text\":", start_s);
        auris_json_string(stdout, text);
        fputs("}\n", stdout);
    } else if (o->tty) {
        printf("\r\033[K... %s", text);
    } else {
        printf("... %s\n", text);
    }
    fflush(stdout);
}

static void copy_file(FILE *from, FILE *to)
{
    char buf[8192];
    size_t n;
    rewind(from);
    while ((n = fread(buf, 1, sizeof buf, from)) > 0)
        fwrite(buf, 1, n, to);
}

/* json_text holds one quoted JSON string per segment, separated by spaces: drop the quotes
 * to join them into the body of one string. */
static void copy_joined_strings(FILE *from, FILE *to)
{
    int c, escaped = 0;
    rewind(from);
    while ((c = getc(from)) != EOF) {
        if (escaped || c != '"')
            putc(c, to);
        escaped = !escaped && c == '\\';
    }
}

static int open_json_spool(out_state *o)
{
    o->json_segments = tmpfile();
    o->json_text = tmpfile();
    if (!o->json_segments || !o->json_text) {
        cli_error("transcribe", "cannot create a temporary file for the JSON output");
        return -1;
    }
    return 0;
}

static void close_output(out_state *o, int ok)
{
    if (ok && o->format == FMT_JSON && !o->stream) {
        fputs("{\"file\":", stdout);
        auris_json_string(stdout, o->file);
        if (o->spotting) {
            fputs(",\"detections\":[", stdout);
        } else {
            fputs(",\"text\":\"", stdout);
            copy_joined_strings(o->json_text, stdout);
            fputs("\",\"segments\":[", stdout);
        }
        copy_file(o->json_segments, stdout);
        fputs("]}\n", stdout);
    }
    if (o->tty && o->stream && o->format == FMT_TXT)
        fputs("\r\033[K", stdout);
    if (o->json_segments)
        fclose(o->json_segments);
    if (o->json_text)
        fclose(o->json_text);
}

static void log_to_stderr(auris_log_level level, const char *message, void *user)
{
    fprintf(stderr, "%s\n", message);
}

static int parse_format(const char *s)
{
    static const char *const names[] = {"txt", "json", "srt", "vtt"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i]))
            return i;
    cli_error("transcribe", "--format: expected txt, json, srt or vtt, got '%s'", s);
    return -1;
}

/* Feeds the whole input to the stream; returns CLI_OK or CLI_INPUT (message printed). */
static int decode(auris_source *src, auris_asr_stream *s, int live, double *audio_s)
{
    /* Live input is taken in 20 ms pieces so a pause is seen as soon as it is heard. */
    auris_error err = {0};
    if (auris_asr_stream_run(s, src, live ? 320 : 16000, audio_s, &err) != AURIS_OK)
        return cli_fail("transcribe", &err);
    return CLI_OK;
}

static int add_word(char **words, const char *entry)
{
    size_t old = *words ? strlen(*words) : 0, n = strlen(entry);
    char *w = realloc(*words, old + n + 2);
    if (!w)
        return -1;
    if (old)
        w[old++] = ';';
    memcpy(w + old, entry, n + 1);
    *words = w;
    return 0;
}

static int parse_options(int argc, char **argv, auris_asr_config *cfg, auris_source_config *src,
                         out_state *o, int *verbose, char **extra_words, int *pause_given)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},
        {"stream", no_argument, NULL, OPT_STREAM},
        {"hmm", required_argument, NULL, OPT_HMM},
        {"lm", required_argument, NULL, OPT_LM},
        {"dict", required_argument, NULL, OPT_DICT},
        {"add-word", required_argument, NULL, OPT_ADD_WORD},
        {"grammar", required_argument, NULL, OPT_GRAMMAR},
        {"keyphrase", required_argument, NULL, OPT_KEYPHRASE},
        {"kws", required_argument, NULL, OPT_KWS},
        {"kws-threshold", required_argument, NULL, OPT_KWS_THRESHOLD},
        {"pause", required_argument, NULL, OPT_PAUSE},
        {"vad-threshold", required_argument, NULL, OPT_VAD_THRESHOLD},
        {"max-segment", required_argument, NULL, OPT_MAX_SEGMENT},
        {"no-vad", no_argument, NULL, OPT_NO_VAD},
        {"engine-options", required_argument, NULL, OPT_ENGINE_OPTIONS},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        CLI_AUDIO_LONG_OPTIONS,
        {NULL, 0, NULL, 0}};
    int opt;
    float v;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "f:jvh", longopts, NULL)) != -1) {
        int audio = cli_audio_option("transcribe", opt, optarg, src);
        if (audio < 0)
            return CLI_USAGE;
        if (audio)
            continue;
        switch (opt) {
        case 'f':
            if ((o->format = parse_format(optarg)) < 0)
                return CLI_USAGE;
            break;
        case 'j': o->format = FMT_JSON; break;
        case OPT_STREAM: o->stream = 1; break;
        case OPT_HMM: cfg->acoustic_dir = optarg; break;
        case OPT_LM: cfg->lm_path = optarg; break;
        case OPT_DICT: cfg->dict_path = optarg; break;
        case OPT_ADD_WORD:
            if (add_word(extra_words, optarg)) {
                cli_error("transcribe", "out of memory");
                return CLI_INPUT;
            }
            break;
        case OPT_GRAMMAR: cfg->grammar_path = optarg; break;
        case OPT_KEYPHRASE: cfg->keyphrase = optarg; break;
        case OPT_KWS: cfg->kws_path = optarg; break;
        case OPT_KWS_THRESHOLD:
            if (cli_parse_float("transcribe", "--kws-threshold", optarg, 1e-100, 1, &v))
                return CLI_USAGE;
            cfg->kws_threshold = v;
            break;
        case OPT_PAUSE:
            if (cli_parse_float("transcribe", "--pause", optarg, 0.05, 5, &cfg->vad.hangover_s))
                return CLI_USAGE;
            *pause_given = 1;
            break;
        case OPT_VAD_THRESHOLD:
            if (cli_parse_float("transcribe", "--vad-threshold", optarg, 0, 60,
                                &cfg->vad.threshold_db))
                return CLI_USAGE;
            break;
        case OPT_MAX_SEGMENT:
            if (cli_parse_float("transcribe", "--max-segment", optarg, 1, 600,
                                &cfg->max_segment_s))
                return CLI_USAGE;
            break;
        case OPT_NO_VAD: cfg->use_vad = 0; break;
        case OPT_ENGINE_OPTIONS: cfg->engine_options = optarg; break;
        case 'v': *verbose = 1; break;
        case 'h': help(stdout); return -1;
        default: help(stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error("transcribe", "expected one input FILE (or - for stdin); see --help");
        return CLI_USAGE;
    }
    if (!!cfg->grammar_path + !!cfg->keyphrase + !!cfg->kws_path > 1) {
        cli_error("transcribe", "use only one of --grammar, --keyphrase and --kws");
        return CLI_USAGE;
    }
    if (*extra_words)
        cfg->extra_words = *extra_words;
    return CLI_OK;
}

static int run(const char *path, const auris_asr_config *cfg, const auris_source_config *scfg,
               out_state *o, int verbose)
{
    auris_error err = {0};
    auris_asr_model *model = NULL;
    auris_asr_stream *stream = NULL;
    auris_source *src = NULL;
    double t0 = cli_seconds(CLOCK_MONOTONIC);
    if (auris_asr_model_new(cfg, &model, &err))
        return cli_fail("transcribe", &err);
    /* Spotting reports each detection once, with its time, at the pause that follows. */
    auris_asr_callbacks cb = {on_segment, o->stream && !o->spotting ? on_partial : NULL, o};
    int rc = CLI_INPUT;
    if (auris_asr_stream_new(model, &cb, &stream, &err) ||
        auris_source_open(path, scfg, &src, &err)) {
        rc = cli_fail("transcribe", &err);
        goto done;
    }
    if (o->format == FMT_JSON && !o->stream && open_json_spool(o))
        goto done;
    if (o->format == FMT_VTT) {
        fputs("WEBVTT\n\n", stdout);
        if (o->stream)
            fflush(stdout);
    }
    double t1 = cli_seconds(CLOCK_MONOTONIC);
    double audio_s = 0;
    rc = decode(src, stream, o->stream || !strcmp(path, "-"), &audio_s);
    if (verbose) {
        double t2 = cli_seconds(CLOCK_MONOTONIC);
        fprintf(stderr, "auris transcribe: model %.2f s, %.2f s of audio decoded in %.2f s "
                        "(real-time factor %.3f)\n", t1 - t0, audio_s, t2 - t1,
                audio_s > 0 ? (t2 - t1) / audio_s : 0.0);
    }
done:
    close_output(o, rc == CLI_OK);
    auris_source_free(src);
    auris_asr_stream_free(stream);
    auris_asr_model_free(model);
    return rc;
}

int cmd_transcribe(int argc, char **argv)
{
    auris_asr_config cfg;
    auris_asr_config_default(&cfg);
    auris_source_config scfg;
    auris_source_config_default(&scfg);
    out_state o = {.format = FMT_TXT};
    int verbose = 0, pause_given = 0;
    char *extra_words = NULL;
    int rc = parse_options(argc, argv, &cfg, &scfg, &o, &verbose, &extra_words, &pause_given);
    if (rc) {
        free(extra_words);
        return rc < 0 ? CLI_OK : rc;
    }
    scfg.sample_rate_hz = cfg.sample_rate_hz;
    scfg.mono = 1;
    if (verbose)
        auris_log_set(log_to_stderr, NULL);
    cfg.live = o.stream;
    /* Live, the pause is most of the delay before the final text: keep it short. */
    if (o.stream && !pause_given)
        cfg.vad.hangover_s = 0.2f;
    o.spotting = cfg.keyphrase || cfg.kws_path;
    o.tty = cli_isatty(stdout);
    o.file = argv[argc - 1];
    rc = run(o.file, &cfg, &scfg, &o, verbose);
    free(extra_words);
    return rc;
}
