/* auris classify: a timeline of what a recording holds (audio type, sound events or music
 * genre), from YAMNet's AudioSet scores mapped to the task's labels. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auris/classifier.h"
#include "auris/classify.h"
#include "auris/models.h"
#include "auris/tag.h"
#include "cli/cli.h"
#include "cli/cli_yamnet.h"
#include "cli/commands.h"

#define MAX_TOP 64

enum { TASK_TYPE, TASK_SOUND, TASK_GENRE };
static const char *const task_names[] = {"type", "sound", "genre"};

enum { OPT_MODEL = 0x2000, OPT_TASK, OPT_LABELS, OPT_MIN_SCORE, OPT_MIN_SEGMENT, OPT_SILENCE_DB,
       OPT_BATCH };

typedef struct options {
    int task, json, top;
    const char *labels;       /* as given: a built-in name or a CSV file */
    const char *builtin;      /* the built-in map behind labels, NULL for a CSV file */
    const char *model_path, *file;
    auris_classifier_config cfg;
    auris_tagger_config tagger;
    auris_source_config source;
} options;

typedef struct run_state {
    auris_classifier *classifier;
    double duration_s;
    auris_error err;
} run_state;

static void help(FILE *f)
{
    fprintf(f,
        "usage: auris classify [OPTIONS] FILE|-\n\n"
        "What a recording holds and when: YAMNet's AudioSet scores for every 0.975 s patch\n"
        "(one every 0.48 s) are mapped to the task's labels (a label scores the maximum of\n"
        "its AudioSet classes), each patch takes its best label, and runs of one label\n"
        "become segments; segments shorter than --min-segment join a neighbour.\n\n"
        "Task:\n"
        "  -t, --task T         type (default): speech, music, noise (any other sound) or\n"
        "                       silence (quieter than --silence-db, or tagged Silence);\n"
        "                       sound: sound events; genre: music genre\n"
        "  -l, --labels L       the labels: sound: audioset (default, the 521 classes),\n"
        "                       esc50 (ESC-50's 50 classes) or us8k (UrbanSound8K's 10);\n"
        "                       genre: audioset (default, AudioSet's genres) or gtzan\n"
        "                       (blues, classical, country, disco, hiphop, jazz, metal, pop,\n"
        "                       reggae, rock); or, for any task, a CSV FILE of rows\n"
        "                       label,audioset_class (see models/labels/ in the sources)\n"
        "      --min-score X    a patch whose best label scores below X is 'other' (type:\n"
        "                       'noise') (default 0.1)\n"
        "      --min-segment S  shortest segment in seconds (default 1.0; 0 keeps all)\n"
        "      --silence-db DB  type: patches quieter than DB dBFS are silence (default -60)\n"
        "Output (default: one line per segment, then a summary):\n"
        "  -k, --top K          labels in each segment's list (default 3)\n"
        "  -j, --json           {\"file\",\"duration\",\"task\",\"labels\",\"segments\":[{\"start\",\n"
        "                        \"end\",\"label\",\"score\",\"top\":[{\"label\",\"score\"}]}],\n"
        "                        \"summary\":[{\"label\",\"score\",\"seconds\"}]}\n"
        "                       score: the mean over the segment's patches of its label's\n"
        "                       score; summary: per label, longest total first\n"
        "Model:\n"
        "      --model PATH     a YAMNet model file (.safetensors, made by auris models\n"
        "                       import); default: $AURIS_YAMNET, else model 'yamnet' of\n"
        "                       the models directory\n"
        "                       (install it with `auris models pull yamnet` or\n"
        "                       `auris models import FILE.tflite`)\n"
        "      --batch N        patches run through the network together (default 32)\n"
        "  -h, --help           show this help\n"
        CLI_AUDIO_HELP
        "\nExit status: 0 success, 1 usage error, 2 unreadable audio, label file or\n"
        "missing/malformed model.\n");
}

static int is_file_name(const char *labels)
{
    size_t n = strlen(labels);
    return strchr(labels, '/') || (n > 4 && !strcmp(labels + n - 4, ".csv"));
}

/* The built-in map behind --labels for the task, NULL for a file; "" when the name does not
 * fit the task (message printed). */
static const char *builtin_map(const options *o)
{
    static const char *const allowed[][3][2] = {
        [TASK_TYPE] = {{"type", "type"}},
        [TASK_SOUND] = {{"audioset", "audioset"}, {"esc50", "esc50"}, {"us8k", "us8k"}},
        [TASK_GENRE] = {{"audioset", "genre"}, {"gtzan", "gtzan"}, {"genre", "genre"}},
    };
    const char *labels = o->labels ? o->labels : allowed[o->task][0][0];
    if (is_file_name(labels))
        return NULL;
    for (int i = 0; i < 3 && allowed[o->task][i][0]; i++)
        if (!strcmp(labels, allowed[o->task][i][0]))
            return allowed[o->task][i][1];
    char names[64] = "";
    for (int i = 0; i < 3 && allowed[o->task][i][0]; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s, ",
                 allowed[o->task][i][0]);
    cli_error("classify", "--labels: '%s' is not a label set of --task %s (%sor a .csv file)",
              labels, task_names[o->task], names);
    return "";
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        {"task", required_argument, NULL, 't'},
        {"labels", required_argument, NULL, 'l'},
        {"top", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"min-score", required_argument, NULL, OPT_MIN_SCORE},
        {"min-segment", required_argument, NULL, OPT_MIN_SEGMENT},
        {"silence-db", required_argument, NULL, OPT_SILENCE_DB},
        {"model", required_argument, NULL, OPT_MODEL},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"help", no_argument, NULL, 'h'},
        CLI_AUDIO_LONG_OPTIONS,
        {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "t:l:k:jh", longopts, NULL)) != -1) {
        int audio = cli_audio_option("classify", opt, optarg, &o->source);
        if (audio < 0)
            return CLI_USAGE;
        if (audio)
            continue;
        switch (opt) {
        case 't':
            for (o->task = 0; o->task < 3 && strcmp(optarg, task_names[o->task]); o->task++)
                ;
            if (o->task == 3) {
                cli_error("classify", "--task: expected type, sound or genre, got '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'l': o->labels = optarg; break;
        case 'k':
            if (cli_parse_int("classify", "--top", optarg, 1, MAX_TOP, &o->top))
                return CLI_USAGE;
            break;
        case 'j': o->json = 1; break;
        case OPT_MIN_SCORE:
            if (cli_parse_float("classify", "--min-score", optarg, 0, 1, &o->cfg.min_score))
                return CLI_USAGE;
            break;
        case OPT_MIN_SEGMENT:
            if (cli_parse_float("classify", "--min-segment", optarg, 0, 3600,
                                &o->cfg.min_segment_s))
                return CLI_USAGE;
            break;
        case OPT_SILENCE_DB:
            if (cli_parse_float("classify", "--silence-db", optarg, -120, 0,
                                &o->cfg.silence_dbfs))
                return CLI_USAGE;
            break;
        case OPT_MODEL: o->model_path = optarg; break;
        case OPT_BATCH:
            if (cli_parse_int("classify", "--batch", optarg, 1, 1024, &o->tagger.max_batch))
                return CLI_USAGE;
            break;
        case 'h': help(stdout); return -1;
        default: help(stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error("classify", "expected one input FILE (or - for stdin); see --help");
        return CLI_USAGE;
    }
    o->file = argv[argc - 1];
    if (o->labels && !*o->labels) {
        cli_error("classify", "--labels: empty");
        return CLI_USAGE;
    }
    o->builtin = builtin_map(o);
    return o->builtin && !*o->builtin ? CLI_USAGE : CLI_OK;
}

/* The task's label map over the model's classes. */
static int load_map(const options *o, const auris_yamnet *model, auris_label_map **map)
{
    int n = auris_yamnet_class_count(model);
    const char **names = malloc((size_t)n * sizeof *names);
    if (!names) {
        cli_error("classify", "out of memory");
        return CLI_INPUT;
    }
    for (int i = 0; i < n; i++)
        names[i] = auris_yamnet_class_name(model, i);
    auris_error err = {0};
    auris_status st = o->builtin ? auris_label_map_builtin(o->builtin, names, n, map, &err)
                              : auris_label_map_load(o->labels, names, n, map, &err);
    free(names);
    return st ? cli_fail("classify", &err) : CLI_OK;
}

/* The type task's silence and fallback labels are those of its map. */
static void task_config(options *o, const auris_label_map *map)
{
    if (o->task != TASK_TYPE)
        return;
    o->cfg.silence_label = auris_label_map_find(map, "silence") >= 0 ? "silence" : NULL;
    if (auris_label_map_find(map, "noise") >= 0)
        o->cfg.other_label = "noise";
}

static int on_patch(const auris_tag_patch *p, void *user)
{
    run_state *r = user;
    r->duration_s = p->end_s;
    return auris_classifier_add(r->classifier, p->start_s, p->scores, p->rms_dbfs, NULL, NULL,
                                NULL, &r->err) != AURIS_OK;
}

static void print_json(const options *o, const auris_classifier *c, double duration_s)
{
    int idx[MAX_TOP];
    int n_labels = auris_classifier_label_count(c);
    fputs("{\"file\":", stdout);
    auris_json_string(stdout, o->file);
    printf(",\"duration\":%.2f,\"task\":\"%s\",\"labels\":", duration_s, task_names[o->task]);
    auris_json_string(stdout, o->labels ? o->labels : o->task == TASK_TYPE ? "type" : "audioset");
    fputs(",\"segments\":[", stdout);
    for (size_t i = 0; i < auris_classifier_segment_count(c); i++) {
        auris_segment seg;
        auris_classifier_segment(c, i, &seg);
        printf("%s{\"start\":%.2f,\"end\":%.2f,\"label\":", i ? "," : "", seg.start_s, seg.end_s);
        auris_json_string(stdout, auris_classifier_label(c, seg.label));
        printf(",\"score\":%.3f,\"top\":[", seg.score);
        int k = auris_top_k(seg.mean_scores, n_labels, o->top, idx);
        for (int j = 0; j < k; j++) {
            fputs(j ? ",{\"label\":" : "{\"label\":", stdout);
            auris_json_string(stdout, auris_classifier_label(c, idx[j]));
            printf(",\"score\":%.3f}", seg.mean_scores[idx[j]]);
        }
        fputs("]}", stdout);
    }
    fputs("],\"summary\":[", stdout);
    auris_summary_entry *sum = malloc((size_t)n_labels * sizeof *sum);
    int n = sum ? auris_classifier_summary(c, sum) : 0;
    for (int i = 0; i < n; i++) {
        fputs(i ? ",{\"label\":" : "{\"label\":", stdout);
        auris_json_string(stdout, auris_classifier_label(c, sum[i].label));
        printf(",\"score\":%.3f,\"seconds\":%.2f}", sum[i].score, sum[i].seconds);
    }
    fputs("]}\n", stdout);
    free(sum);
}

static void print_text(const options *o, const auris_classifier *c, double duration_s)
{
    int idx[MAX_TOP];
    int n_labels = auris_classifier_label_count(c);
    for (size_t i = 0; i < auris_classifier_segment_count(c); i++) {
        auris_segment seg;
        auris_classifier_segment(c, i, &seg);
        printf("%8.2f-%-8.2f %-16s %.2f ", seg.start_s, seg.end_s,
               auris_classifier_label(c, seg.label), seg.score);
        int k = auris_top_k(seg.mean_scores, n_labels, o->top, idx), shown = 0;
        for (int j = 0; j < k; j++)
            if (idx[j] != seg.label)
                printf("%s%s %.2f", shown++ ? ", " : " (", auris_classifier_label(c, idx[j]),
                       seg.mean_scores[idx[j]]);
        puts(shown ? ")" : "");
    }
    auris_summary_entry *sum = malloc((size_t)n_labels * sizeof *sum);
    int n = sum ? auris_classifier_summary(c, sum) : 0;
    printf("\n%.2f s:", duration_s);
    for (int i = 0; i < n; i++)
        printf("%s %s %.2f s (%.2f)", i ? "," : "", auris_classifier_label(c, sum[i].label),
               sum[i].seconds, sum[i].score);
    putchar('\n');
    free(sum);
}

static int classify(options *o, const auris_yamnet *model)
{
    auris_label_map *map = NULL;
    auris_source *src = NULL;
    run_state r = {0};
    int rc = load_map(o, model, &map);
    if (rc)
        return rc;
    task_config(o, map);
    if (auris_classifier_new(map, &o->cfg, &r.classifier, &r.err) ||
        auris_source_open(o->file, &o->source, &src, &r.err) ||
        auris_tag_source(model, &o->tagger, src, on_patch, &r, &r.err) ||
        auris_classifier_finish(r.classifier, r.duration_s, &r.err)) {
        rc = cli_fail("classify", &r.err);
    } else if (o->json) {
        print_json(o, r.classifier, r.duration_s);
    } else {
        print_text(o, r.classifier, r.duration_s);
    }
    auris_source_free(src);
    auris_classifier_free(r.classifier);
    auris_label_map_free(map);
    return rc;
}

/* The shipped speech/music/noise/silence classifier: installed under the models
 * directory as 'audio-type', else where make install puts it, else in the source tree. */
static int find_audio_type(char *path, size_t n)
{
    const char *candidates[] = {AURIS_DATA_MODELS_DIR "/audio-type.safetensors",
                                AURIS_SOURCE_MODELS_DIR "/audio-type.safetensors"};
    auris_error err = {0};
    if (!auris_models_path("audio-type", path, n, &err))
        return 1;
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++)
        if (!access(candidates[i], R_OK)) {
            snprintf(path, n, "%s", candidates[i]);
            return 1;
        }
    return 0;
}

static int on_window(double start_s, const float *scores, float rms_dbfs, void *user)
{
    run_state *r = user;
    return auris_classifier_add(r->classifier, start_s, scores, rms_dbfs, NULL, NULL, NULL,
                                &r->err) != AURIS_OK;
}

/* --task type without YAMNet: windows of the classifier's duration every half duration. */
static int classify_audio_type(options *o, const char *model_path)
{
    auris_trained_classifier *tc = NULL;
    auris_label_map *map = NULL;
    auris_source *src = NULL;
    run_state r = {0};
    if (auris_trained_classifier_load(model_path, NULL, &tc, &r.err))
        return cli_fail("classify", &r.err);
    int n = auris_trained_classifier_class_count(tc), rc = CLI_OK;
    const char **names = malloc((size_t)n * sizeof *names);
    if (!names) {
        cli_error("classify", "out of memory");
        auris_trained_classifier_free(tc);
        return CLI_INPUT;
    }
    for (int i = 0; i < n; i++)
        names[i] = auris_trained_classifier_class_name(tc, i);
    auris_status st = auris_label_map_builtin("audioset", names, n, &map, &r.err);
    free(names);
    o->source.sample_rate_hz = auris_trained_classifier_sample_rate(tc);
    o->cfg.window_s = auris_trained_classifier_duration_s(tc);
    if (!st) {
        task_config(o, map);
        st = auris_classifier_new(map, &o->cfg, &r.classifier, &r.err);
    }
    if (!st)
        st = auris_source_open(o->file, &o->source, &src, &r.err);
    if (!st)
        st = auris_trained_classifier_stream(tc, src, on_window, &r, &r.duration_s, &r.err);
    if (!st)
        st = auris_classifier_finish(r.classifier, r.duration_s, &r.err);
    if (st)
        rc = cli_fail("classify", &r.err);
    else if (o->json)
        print_json(o, r.classifier, r.duration_s);
    else
        print_text(o, r.classifier, r.duration_s);
    auris_source_free(src);
    auris_classifier_free(r.classifier);
    auris_label_map_free(map);
    auris_trained_classifier_free(tc);
    return rc;
}

int cmd_classify(int argc, char **argv)
{
    options o = {.task = TASK_TYPE, .top = 3};
    auris_classifier_config_default(&o.cfg);
    auris_tagger_config_default(&o.tagger);
    auris_source_config_default(&o.source);
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    o.source.sample_rate_hz = AURIS_YAMNET_RATE_HZ;
    o.source.mono = 1;
    auris_yamnet *model = NULL;
    char yamnet[4096], audio_type[4096];
    auris_error err = {0};
    if (!o.model_path && !auris_models_yamnet_path(yamnet, sizeof yamnet, &err))
        o.model_path = yamnet;
    /* Without YAMNet, the shipped audio-type classifier answers --task type. */
    if (!o.model_path && o.task == TASK_TYPE && !o.labels &&
        find_audio_type(audio_type, sizeof audio_type))
        return classify_audio_type(&o, audio_type);
    if ((rc = cli_load_yamnet("classify", o.model_path, &model)))
        return rc;
    rc = classify(&o, model);
    auris_yamnet_free(model);
    return rc;
}
